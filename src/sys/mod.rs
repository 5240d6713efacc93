//! The narrow interface between sriov-manager and the host's sysfs writes.
//!
//! Everything that changes the host goes through [`Host`], so that tests can
//! swap in [`fault::FaultyHost`] and fail any step with any errno or a hang.

pub mod fault;

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A device by bus and bus address: `pci` + `0000:3b:00.0`, or
/// `netdevsim` + `netdevsim10`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceKey {
    pub bus: String,
    pub address: String,
}

impl DeviceKey {
    pub fn new(bus: impl Into<String>, address: impl Into<String>) -> Self {
        DeviceKey { bus: bus.into(), address: address.into() }
    }
}

/// The bus name under which bonds are tracked next to devices.
pub const BOND_BUS: &str = "bond";

impl fmt::Display for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // PCI addresses are what operators know devices by, and bonds their
        // names; other buses are named the way devlink names them (bus/device).
        if self.bus == "pci" || self.bus == BOND_BUS {
            f.write_str(&self.address)
        } else {
            write!(f, "{}/{}", self.bus, self.address)
        }
    }
}

/// The host operations that apply performs. Calls may block (some drivers
/// hold `sriov_numvfs` writes for minutes), so callers run them off the async
/// runtime.
pub trait Host: Send + Sync + 'static {
    /// Reads the device's current VF count (`sriov_numvfs`).
    fn read_num_vfs(&self, dev: &DeviceKey) -> io::Result<u32>;

    /// Writes the device's VF count (`sriov_numvfs`).
    fn write_num_vfs(&self, dev: &DeviceKey, num_vfs: u32) -> io::Result<()>;

    /// The PF's VFs as (PCI address, bound driver), in `virtfnN` order.
    fn vf_drivers(&self, pf: &DeviceKey) -> io::Result<Vec<(String, Option<String>)>>;

    /// Unbinds the driver of the PCI function at `address`
    /// (`echo ADDRESS > /sys/bus/pci/devices/ADDRESS/driver/unbind`).
    fn unbind(&self, address: &str) -> io::Result<()>;

    /// Asks the kernel to bind a driver to the PCI function at `address`
    /// (`echo ADDRESS > /sys/bus/pci/drivers_probe`); a `driver_override`
    /// set by the operator is honoured.
    fn probe(&self, address: &str) -> io::Result<()>;
}

/// The real host: sysfs mounted at `root` (normally `/sys`).
#[derive(Debug, Clone)]
pub struct Sysfs {
    root: PathBuf,
}

impl Sysfs {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Sysfs { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `ROOT/bus/BUS/devices/ADDRESS/ATTR`
    pub fn attr_path(&self, dev: &DeviceKey, attr: &str) -> PathBuf {
        self.root.join("bus").join(&dev.bus).join("devices").join(&dev.address).join(attr)
    }
}

impl Host for Sysfs {
    fn read_num_vfs(&self, dev: &DeviceKey) -> io::Result<u32> {
        let text = fs::read_to_string(self.attr_path(dev, "sriov_numvfs"))?;
        text.trim().parse().map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidData, format!("not a number: {text:?}"))
        })
    }

    fn write_num_vfs(&self, dev: &DeviceKey, num_vfs: u32) -> io::Result<()> {
        // sysfs takes one write(2) of the whole value; fs::write does exactly that.
        fs::write(self.attr_path(dev, "sriov_numvfs"), format!("{num_vfs}\n"))
    }

    fn vf_drivers(&self, pf: &DeviceKey) -> io::Result<Vec<(String, Option<String>)>> {
        let dir = self.attr_path(pf, "");
        let mut vfs = Vec::new();
        for entry in fs::read_dir(&dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(index) = name.strip_prefix("virtfn").and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let address = last_component(&fs::read_link(entry.path())?);
            let driver =
                fs::read_link(entry.path().join("driver")).ok().map(|t| last_component(&t));
            vfs.push((index, address, driver));
        }
        vfs.sort();
        Ok(vfs.into_iter().map(|(_, a, d)| (a, d)).collect())
    }

    fn unbind(&self, address: &str) -> io::Result<()> {
        let dev = DeviceKey::new("pci", address);
        fs::write(self.attr_path(&dev, "driver/unbind"), address)
    }

    fn probe(&self, address: &str) -> io::Result<()> {
        fs::write(self.root.join("bus/pci/drivers_probe"), address)
    }
}

fn last_component(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    /// A PF with VF 0 bound to igbvf and VF 1 without a driver, laid out as
    /// the kernel does: `virtfnN` links to the VF, `driver` links to the
    /// driver, whose `unbind` file takes the address.
    fn tree() -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        let devices = t.path().join("bus/pci/devices");
        let driver = t.path().join("bus/pci/drivers/igbvf");
        fs::create_dir_all(&driver).unwrap();
        fs::write(driver.join("unbind"), "").unwrap();
        fs::write(t.path().join("bus/pci/drivers_probe"), "").unwrap();
        for (vf, bound) in [("0000:01:10.0", true), ("0000:01:10.2", false)] {
            fs::create_dir_all(devices.join(vf)).unwrap();
            if bound {
                symlink(&driver, devices.join(vf).join("driver")).unwrap();
            }
        }
        let pf = devices.join("0000:01:00.0");
        fs::create_dir_all(&pf).unwrap();
        symlink(devices.join("0000:01:10.2"), pf.join("virtfn1")).unwrap();
        symlink(devices.join("0000:01:10.0"), pf.join("virtfn0")).unwrap();
        t
    }

    #[test]
    fn vf_drivers_follow_virtfn_order_and_unbind_and_probe_write_the_address() {
        let t = tree();
        let sys = Sysfs::new(t.path());
        let pf = DeviceKey::new("pci", "0000:01:00.0");
        assert_eq!(
            sys.vf_drivers(&pf).unwrap(),
            [
                ("0000:01:10.0".to_string(), Some("igbvf".to_string())),
                ("0000:01:10.2".into(), None)
            ]
        );

        sys.unbind("0000:01:10.0").unwrap();
        let unbind = t.path().join("bus/pci/drivers/igbvf/unbind");
        assert_eq!(fs::read_to_string(unbind).unwrap(), "0000:01:10.0");
        sys.probe("0000:01:10.2").unwrap();
        let probe = t.path().join("bus/pci/drivers_probe");
        assert_eq!(fs::read_to_string(probe).unwrap(), "0000:01:10.2");

        let err = sys.unbind("0000:01:10.2").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound, "no driver: nothing to unbind from");
    }
}

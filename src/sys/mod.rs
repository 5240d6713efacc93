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

impl fmt::Display for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // PCI addresses are what operators know devices by; other buses are
        // named the way devlink names them (bus/device).
        if self.bus == "pci" {
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

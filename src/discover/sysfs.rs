//! The sysfs walk behind discovery.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{Device, EswitchState, Vf};
use crate::ids;

/// Why discovery could not run at all (one device's unreadable attribute is
/// not such a reason: it is recorded on the device).
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("{path}: not a sysfs tree (no bus directory): {source}")]
    NotSysfs { path: PathBuf, source: io::Error },
}

/// Finds every SR-IOV PF under `root` (normally `/sys`): PCI devices with
/// `sriov_totalvfs`, and devices on other buses with `sriov_numvfs`.
pub fn discover(root: &Path, pci_ids: &Path) -> Result<Vec<Device>, DiscoverError> {
    let bus_dir = root.join("bus");
    let buses = fs::read_dir(&bus_dir)
        .map_err(|source| DiscoverError::NotSysfs { path: bus_dir, source })?;

    let mut devices = Vec::new();
    let mut bus_names: Vec<String> =
        buses.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    bus_names.sort();
    for bus in bus_names {
        let marker = if bus == "pci" { "sriov_totalvfs" } else { "sriov_numvfs" };
        for dir in list_dir(&root.join("bus").join(&bus).join("devices")) {
            if dir.join(marker).exists() {
                devices.push(read_device(&bus, &dir));
            }
        }
    }
    devices.sort_by(|a, b| {
        (a.bus != "pci", &a.bus, &a.address).cmp(&(b.bus != "pci", &b.bus, &b.address))
    });

    // pci.ids is 1.3 MB: read it only when the built-in table falls short.
    let mut db: Option<Option<String>> = None;
    for d in devices.iter_mut().filter(|d| d.name.is_none()) {
        if let (Some(v), Some(id)) = (&d.vendor_id, &d.device_id) {
            let text = db.get_or_insert_with(|| ids::load_pci_ids(pci_ids));
            d.name = ids::name(v, id, text.as_deref());
        }
    }
    Ok(devices)
}

fn read_device(bus: &str, dir: &Path) -> Device {
    let mut problems = Vec::new();
    let address = file_name(dir);
    let is_pci = bus == "pci";

    let mut attr = |name: &str, required: bool| -> Option<String> {
        match fs::read_to_string(dir.join(name)) {
            Ok(s) => Some(s.trim().to_string()),
            Err(e) if e.kind() == io::ErrorKind::NotFound && !required => None,
            Err(e) => {
                problems.push(format!("{name}: {e}"));
                None
            }
        }
    };
    let vendor_id = attr("vendor", is_pci).map(strip_hex);
    let device_id = attr("device", is_pci).map(strip_hex);
    // The kernel writes -1 when the platform gives no NUMA information.
    let numa_node = attr("numa_node", false).and_then(|s| s.parse().ok()).filter(|n| *n >= 0);
    let total_vfs = attr("sriov_totalvfs", is_pci).and_then(|s| s.parse().ok());
    let num_vfs = attr("sriov_numvfs", true).and_then(|s| s.parse().ok());
    let vf_device_id = attr("sriov_vf_device", false).filter(|s| !s.is_empty()).map(strip_hex);

    let interfaces = net_names(dir);
    let bond_master =
        interfaces.iter().find_map(|i| link_name(&dir.join("net").join(i).join("master")));
    let name = match (&vendor_id, &device_id) {
        (Some(v), Some(d)) => ids::known(v, d).map(|k| k.name.to_string()),
        _ => None,
    };

    Device {
        address,
        bus: bus.to_string(),
        vendor_id,
        device_id,
        name,
        driver: link_name(&dir.join("driver")),
        numa_node,
        total_vfs,
        num_vfs,
        vf_device_id,
        interfaces,
        bond_master,
        eswitch_mode: EswitchState::Unknown,
        vfs: read_vfs(dir),
        problems,
    }
}

/// VFs in `virtfnN` order; each link points at the VF's device directory.
fn read_vfs(dir: &Path) -> Vec<Vf> {
    let mut vfs: Vec<Vf> = list_dir(dir)
        .into_iter()
        .filter_map(|p| {
            let index = file_name(&p).strip_prefix("virtfn")?.parse().ok()?;
            let address = link_name(&p)?;
            Some(Vf {
                index,
                address,
                interfaces: net_names(&p),
                driver: link_name(&p.join("driver")),
                link: None,
            })
        })
        .collect();
    vfs.sort_by_key(|v| v.index);
    vfs
}

fn net_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = list_dir(&dir.join("net")).iter().map(|p| file_name(p)).collect();
    names.sort();
    names
}

/// Entries of a directory; a missing or unreadable one is simply empty.
fn list_dir(dir: &Path) -> Vec<PathBuf> {
    match fs::read_dir(dir) {
        Ok(rd) => rd.flatten().map(|e| e.path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// The last component of a symlink's target: `driver -> ../../bus/pci/drivers/igb` gives `igb`.
fn link_name(link: &Path) -> Option<String> {
    fs::read_link(link).ok().map(|t| file_name(&t))
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// sysfs prints IDs as `0x15b3`.
fn strip_hex(s: String) -> String {
    s.trim_start_matches("0x").to_ascii_lowercase()
}

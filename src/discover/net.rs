//! Network interfaces and bonds, from /sys/class/net.

use std::fs;
use std::path::Path;

use serde::Serialize;

/// One network interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Iface {
    pub name: String,
    /// IFF_UP is set (administratively up).
    pub up: bool,
    /// The bond (or other upper device) it is enslaved to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master: Option<String>,
    /// Present when the interface is a bond.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bond: Option<BondInfo>,
}

/// A bond's settings, as `/sys/class/net/BOND/bonding` shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BondInfo {
    /// The mode's name, e.g. `active-backup`.
    pub mode: String,
    pub miimon: u32,
    pub slaves: Vec<String>,
}

/// Every interface under `ROOT/class/net`, sorted by name.
pub fn interfaces(root: &Path) -> Vec<Iface> {
    let Ok(dir) = fs::read_dir(root.join("class/net")) else { return Vec::new() };
    let mut out: Vec<Iface> = dir.flatten().map(|e| read_iface(&e.path())).collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn read_iface(dir: &Path) -> Iface {
    let read = |name: &str| fs::read_to_string(dir.join(name)).ok().map(|s| s.trim().to_string());
    // `flags` is hex, e.g. 0x1003; bit 0 is IFF_UP.
    let flags = read("flags")
        .and_then(|f| u32::from_str_radix(f.trim_start_matches("0x"), 16).ok())
        .unwrap_or(0);
    let bond = read("bonding/mode").map(|mode| BondInfo {
        // sysfs prints `active-backup 1`: the name, then the kernel's number.
        mode: mode.split_whitespace().next().unwrap_or_default().to_string(),
        miimon: read("bonding/miimon").and_then(|m| m.parse().ok()).unwrap_or(0),
        slaves: read("bonding/slaves")
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default(),
    });
    Iface {
        name: file_name(dir),
        up: flags & 1 != 0,
        master: fs::read_link(dir.join("master")).ok().map(|t| file_name(&t)),
        bond,
    }
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

//! PCI IDs that sriov-manager knows by heart, and names from the system's pci.ids.
//!
//! The table matters beyond cosmetics: policies are keyed by PF IDs, and the
//! vendors' own documentation often quotes the VF ID instead. Knowing which IDs
//! are VFs lets `--validate` point at the PF ID the author probably meant.

use std::fs;
use std::path::Path;

/// What role a known ID plays in SR-IOV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A physical function; `vf` is the device ID its VFs carry, when known.
    Pf { vf: Option<&'static str> },
    /// A virtual function; `pf` is the PF ID a policy most probably means.
    Vf { pf: &'static str },
}

/// One known vendor:device pair.
#[derive(Debug, Clone, Copy)]
pub struct KnownId {
    pub vendor: &'static str,
    pub device: &'static str,
    pub name: &'static str,
    pub role: Role,
}

const fn pf(
    vendor: &'static str,
    device: &'static str,
    name: &'static str,
    vf: &'static str,
) -> KnownId {
    KnownId { vendor, device, name, role: Role::Pf { vf: Some(vf) } }
}

const fn vf(
    vendor: &'static str,
    device: &'static str,
    name: &'static str,
    pf: &'static str,
) -> KnownId {
    KnownId { vendor, device, name, role: Role::Vf { pf } }
}

/// IDs as the PCI ID database names them. 15b3:101e is shared by the VFs of
/// ConnectX-6 Dx, ConnectX-6 Lx and ConnectX-7; ConnectX-7 is listed as its PF
/// because that is the card the documented default config is about.
pub const KNOWN: &[KnownId] = &[
    pf("15b3", "1017", "Mellanox ConnectX-5", "1018"),
    vf("15b3", "1018", "Mellanox ConnectX-5 Virtual Function", "1017"),
    pf("15b3", "101d", "Mellanox ConnectX-6 Dx", "101e"),
    pf("15b3", "101f", "Mellanox ConnectX-6 Lx", "101e"),
    pf("15b3", "1021", "Mellanox ConnectX-7", "101e"),
    vf("15b3", "101e", "Mellanox ConnectX Family mlx5Gen Virtual Function", "1021"),
    pf("1dd8", "1002", "Pensando DSC Ethernet Controller", "1003"),
    vf("1dd8", "1003", "Pensando DSC Ethernet Controller VF", "1002"),
    pf("8086", "1521", "Intel I350 Gigabit Network Connection", "1520"),
    vf("8086", "1520", "Intel I350 Ethernet Controller Virtual Function", "1521"),
    pf("8086", "10c9", "Intel 82576 Gigabit Network Connection", "10ca"),
    vf("8086", "10ca", "Intel 82576 Virtual Function", "10c9"),
    pf("8086", "1572", "Intel X710 for 10GbE SFP+", "154c"),
    vf("8086", "154c", "Intel Ethernet Virtual Function 700 Series", "1572"),
    pf("8086", "1592", "Intel E810-C for QSFP", "1889"),
    pf("8086", "1593", "Intel E810-C for SFP", "1889"),
    pf("8086", "159b", "Intel E810-XXV for SFP", "1889"),
    vf("8086", "1889", "Intel Ethernet Adaptive Virtual Function", "1592"),
];

/// Looks an ID up in the built-in table. IDs compare case-insensitively.
pub fn known(vendor: &str, device: &str) -> Option<&'static KnownId> {
    KNOWN
        .iter()
        .find(|k| k.vendor.eq_ignore_ascii_case(vendor) && k.device.eq_ignore_ascii_case(device))
}

/// The system's copy of the PCI ID database, when installed.
pub const PCI_IDS_PATH: &str = "/usr/share/misc/pci.ids";

/// A device name: the built-in table first, then the pci.ids file at `db`.
pub fn name(vendor: &str, device: &str, db: Option<&str>) -> Option<String> {
    if let Some(k) = known(vendor, device) {
        return Some(k.name.to_string());
    }
    lookup_pci_ids(db?, vendor, device)
}

/// Finds `vendor device` in pci.ids text: vendor lines start at column 0,
/// their devices follow indented by one tab, subsystems by two.
pub fn lookup_pci_ids(db: &str, vendor: &str, device: &str) -> Option<String> {
    let mut vendor_name = None;
    for line in db.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if !line.starts_with('\t') {
            if vendor_name.is_some() {
                return None;
            }
            if let Some(rest) = strip_id(line, vendor) {
                vendor_name = Some(rest);
            }
            continue;
        }
        let Some(vname) = vendor_name else { continue };
        if line.starts_with("\t\t") {
            continue;
        }
        if let Some(dname) = strip_id(&line[1..], device) {
            return Some(format!("{vname} {dname}"));
        }
    }
    None
}

fn strip_id<'a>(line: &'a str, id: &str) -> Option<&'a str> {
    let (head, rest) = line.split_once("  ")?;
    head.eq_ignore_ascii_case(id).then_some(rest.trim())
}

/// Reads pci.ids, or `None` when it is absent or unreadable: names are a nicety.
pub fn load_pci_ids(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DB: &str =
        "# comment\n8086  Intel Corporation\n\t10c9  82576 Gigabit Network Connection\n\
                      \t\t8086 a03c  Ethernet Server Adapter\n\t1521  I350 Gigabit\n\
                      abcd  Other Vendor\n\t10c9  Not Intel\n";

    #[test]
    fn known_ids_are_case_insensitive_and_tell_vf_from_pf() {
        let k = known("15B3", "101E").unwrap();
        assert_eq!(k.role, Role::Vf { pf: "1021" });
        assert_eq!(known("15b3", "1021").unwrap().role, Role::Pf { vf: Some("101e") });
        assert!(known("15b3", "ffff").is_none());
    }

    #[test]
    fn pci_ids_lookup_stays_within_its_vendor() {
        assert_eq!(
            lookup_pci_ids(DB, "8086", "10C9").as_deref(),
            Some("Intel Corporation 82576 Gigabit Network Connection")
        );
        assert_eq!(lookup_pci_ids(DB, "abcd", "10c9").as_deref(), Some("Other Vendor Not Intel"));
        assert_eq!(lookup_pci_ids(DB, "8086", "a03c"), None);
        assert_eq!(lookup_pci_ids(DB, "1234", "10c9"), None);
    }

    #[test]
    fn built_in_table_wins_over_the_database() {
        assert_eq!(
            name("8086", "10c9", Some(DB)).unwrap(),
            "Intel 82576 Gigabit Network Connection"
        );
        assert_eq!(name("abcd", "10c9", None), None);
    }
}

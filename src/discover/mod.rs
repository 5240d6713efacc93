//! Reads the host: which SR-IOV PFs exist, and their VFs and interfaces.
//!
//! One pass over sysfs, no subprocesses, no root needed. The eswitch mode comes
//! from devlink and the VF settings from rtnetlink ([`kernel::fill`]) when the
//! kernel offers them; they stay unknown otherwise.

pub mod kernel;
mod net;
mod sysfs;

use std::fmt;

use serde::Serialize;

use crate::sys::DeviceKey;

pub use net::{interfaces, BondInfo, Iface};
pub use sysfs::{discover, DiscoverError};

/// A physical function that can host VFs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Device {
    /// Bus address: `0000:3b:00.0` on PCI, `netdevsim10` on netdevsim.
    pub address: String,
    /// The bus: `pci`, or `netdevsim` for the kernel's simulated devices.
    pub bus: String,
    /// Lower-case 4-digit hex; absent on buses without PCI IDs.
    pub vendor_id: Option<String>,
    pub device_id: Option<String>,
    /// Human name from the built-in table or pci.ids.
    pub name: Option<String>,
    /// Bound driver, absent when unbound.
    pub driver: Option<String>,
    /// NUMA node; absent where the platform has none (the kernel's -1).
    pub numa_node: Option<i32>,
    /// `sriov_totalvfs`; absent where the bus has no such limit.
    pub total_vfs: Option<u32>,
    /// `sriov_numvfs`; absent when it could not be read.
    pub num_vfs: Option<u32>,
    /// `sriov_vf_device`: the device ID its VFs will carry.
    pub vf_device_id: Option<String>,
    /// Network interfaces of the PF itself.
    pub interfaces: Vec<String>,
    /// The bond (or other upper device) that a PF interface is enslaved to.
    pub bond_master: Option<String>,
    pub eswitch_mode: EswitchState,
    pub vfs: Vec<Vf>,
    /// Attributes that could not be read, with the reason; the rest of the
    /// device is still reported.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// A virtual function of a PF.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vf {
    /// N in the PF's `virtfnN` link.
    pub index: u32,
    pub address: String,
    pub interfaces: Vec<String>,
    pub driver: Option<String>,
    /// The VF's entry in the PF's VF table, when netlink was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<VfLink>,
}

/// A VF's settings as the PF's driver reports them (`ip link show dev PF`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VfLink {
    /// `aa:bb:cc:dd:ee:ff`, lower case.
    pub mac: String,
    /// 0 when untagged.
    pub vlan: u16,
    pub qos: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spoof_check: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust: Option<bool>,
}

impl From<crate::netlink::link::VfState> for VfLink {
    fn from(s: crate::netlink::link::VfState) -> Self {
        VfLink {
            mac: format_mac(&s.mac),
            vlan: s.vlan,
            qos: s.qos,
            spoof_check: s.spoof_check,
            trust: s.trust,
        }
    }
}

/// `aa:bb:cc:dd:ee:ff`
pub fn format_mac(mac: &[u8; 6]) -> String {
    let parts: Vec<String> = mac.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(":")
}

/// The PF's eswitch mode as devlink reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EswitchState {
    /// devlink is not available for this device, or not consulted.
    #[default]
    Unknown,
    Legacy,
    Switchdev,
}

impl fmt::Display for EswitchState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EswitchState::Unknown => "unknown",
            EswitchState::Legacy => "legacy",
            EswitchState::Switchdev => "switchdev",
        })
    }
}

impl Device {
    pub fn key(&self) -> DeviceKey {
        DeviceKey::new(&self.bus, &self.address)
    }

    /// The interface that VF settings go through: the PF's first netdev.
    /// (A netdevsim device lists its representors too; they sort after it.)
    pub fn pf_interface(&self) -> Option<&str> {
        self.interfaces.first().map(String::as_str)
    }

    /// `vendor:device`, or `-` without PCI IDs.
    pub fn pci_id(&self) -> String {
        match (&self.vendor_id, &self.device_id) {
            (Some(v), Some(d)) => format!("{v}:{d}"),
            _ => "-".to_string(),
        }
    }
}

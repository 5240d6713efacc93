//! The steps a plan is made of, and how they are named in logs and errors.

use std::fmt;

use serde::Serialize;

use crate::config::{BondMode, VfSettings};
use crate::discover::EswitchState;
use crate::sys::DeviceKey;

/// One change to make on one device or bond.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    /// The device as operators name it (`0000:3b:00.0`,
    /// `netdevsim/netdevsim10`), or the bond's name.
    pub device: String,
    #[serde(skip)]
    pub key: DeviceKey,
    /// Index of the policy (or, for a bond, of the bond config) behind it.
    pub policy: usize,
    #[serde(flatten)]
    pub step: Step,
}

/// What an action does. The serialized tag is the `action` key of
/// `--dry-run --json` and the journal's ACTION field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Step {
    /// Write `sriov_numvfs`; `from` is what discovery saw.
    SetNumVfs { from: u32, to: u32 },
    /// Unbind the drivers of the PF's VFs, so that the eswitch mode can change
    /// to `for_mode` under them (the documented ConnectX order). Skipped when
    /// the eswitch is already in that mode.
    UnbindVfs { for_mode: EswitchState },
    /// `devlink dev eswitch set DEV mode TO`. When `vfs` is not 0 and the
    /// driver refuses the change while VFs exist (EOPNOTSUPP, EBUSY or
    /// EINVAL, as ice does), apply removes the VFs, changes the mode and
    /// creates `vfs` VFs again.
    SetEswitchMode { from: EswitchState, to: EswitchState, vfs: u32 },
    /// `ip link set dev INTERFACE vf N ...`, for the settings that differ.
    SetVf {
        interface: String,
        #[serde(flatten)]
        settings: VfSettings,
    },
    /// Give unbound VFs their driver back (`drivers_probe`).
    BindVfs,
    /// `ip link add NAME type bond mode MODE miimon MS`.
    CreateBond { mode: BondMode, miimon: u32 },
    /// `ip link set dev NAME type bond mode MODE`, on a bond that is down and
    /// has no slaves (as the bonding module creates `bond0` when it loads).
    SetBondMode { from: String, to: BondMode },
    /// `ip link set dev NAME type bond miimon MS`.
    SetBondMiimon { from: u32, to: u32 },
    /// `ip link set dev SLAVE master NAME` (after taking it down).
    Enslave { slave: String },
    /// `ip link set dev NAME up`.
    SetUp,
}

impl Step {
    /// The action's name, as in the JSON `action` key.
    pub fn name(&self) -> &'static str {
        match self {
            Step::SetNumVfs { .. } => "set_num_vfs",
            Step::UnbindVfs { .. } => "unbind_vfs",
            Step::SetEswitchMode { .. } => "set_eswitch_mode",
            Step::SetVf { .. } => "set_vf",
            Step::BindVfs => "bind_vfs",
            Step::CreateBond { .. } => "create_bond",
            Step::SetBondMode { .. } => "set_bond_mode",
            Step::SetBondMiimon { .. } => "set_bond_miimon",
            Step::Enslave { .. } => "enslave",
            Step::SetUp => "set_up",
        }
    }

    /// The step as errors name it, e.g. `set sriov_numvfs to 4`.
    pub fn describe(&self) -> String {
        match self {
            Step::SetNumVfs { to, .. } => format!("set sriov_numvfs to {to}"),
            Step::UnbindVfs { .. } => "unbind VF drivers".to_string(),
            Step::SetEswitchMode { to, .. } => format!("set eswitch mode {to}"),
            Step::SetVf { interface, settings } => {
                format!("set vf {} on {interface}", settings.vf)
            }
            Step::BindVfs => "bind VF drivers".to_string(),
            Step::CreateBond { mode, miimon } => {
                format!("create bond (mode {} miimon {miimon})", mode_name(*mode))
            }
            Step::SetBondMode { to, .. } => format!("set bond mode {}", mode_name(*to)),
            Step::SetBondMiimon { to, .. } => format!("set miimon {to}"),
            Step::Enslave { slave } => format!("enslave {slave}"),
            Step::SetUp => "set link up".to_string(),
        }
    }
}

/// The kernel's name of a bonding mode (`active-backup`).
pub fn mode_name(mode: BondMode) -> &'static str {
    BondMode::NAMES[mode as usize]
}

/// The kernel's number of a bonding mode (IFLA_BOND_MODE); the enum lists the
/// modes in the kernel's order.
pub fn mode_number(mode: BondMode) -> u8 {
    mode as u8
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.step {
            Step::SetNumVfs { from, to } => format!("set sriov_numvfs {from} -> {to}"),
            Step::SetEswitchMode { from, to, .. } => format!("set eswitch mode {from} -> {to}"),
            Step::SetBondMiimon { from, to } => format!("set miimon {from} -> {to}"),
            Step::SetBondMode { from, to } => format!("set bond mode {from} -> {}", mode_name(*to)),
            Step::SetVf { interface, settings } => {
                format!("set vf {} on {interface}: {}", settings.vf, vf_summary(settings))
            }
            step => step.describe(),
        };
        let source =
            if self.key.bus == super::BOND_BUS { "bond_configs" } else { "device_policies" };
        write!(f, "{}: {what} ({source}[{}])", self.device, self.policy)
    }
}

/// `mac 02:00:00:00:00:01 vlan 100 spoofchk on`, as iproute2 spells them.
pub fn vf_summary(s: &VfSettings) -> String {
    let on = |b: bool| if b { "on" } else { "off" };
    let mut parts = Vec::new();
    if let Some(mac) = &s.mac {
        parts.push(format!("mac {mac}"));
    }
    if let Some(vlan) = s.vlan {
        parts.push(format!("vlan {vlan}"));
    }
    if let Some(qos) = s.qos {
        parts.push(format!("qos {qos}"));
    }
    if let Some(b) = s.spoof_check {
        parts.push(format!("spoofchk {}", on(b)));
    }
    if let Some(b) = s.trust {
        parts.push(format!("trust {}", on(b)));
    }
    parts.join(" ")
}

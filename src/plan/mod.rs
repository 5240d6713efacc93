//! The pure planner: desired state (config) and observed state (discovery) in,
//! ordered actions out. No I/O happens here, so every ordering rule is tested
//! as a plain function.
//!
//! A plan runs in three phases. Each PF's own steps run first, PFs in
//! parallel: VF count, then (when the eswitch mode changes) unbind the VFs,
//! set the mode, then the VF settings. Bonds come next, because a VF-LAG bond
//! must be built over PFs that are already in switchdev mode. Last, VFs that
//! were unbound get their drivers back. That is the order NVIDIA documents
//! for ConnectX VF-LAG; for a single-home PF it is the same minus the bond.

mod bond;
pub mod check;
mod eswitch;
pub mod matching;
mod step;

use serde::Serialize;

use crate::config::{Config, VfSettings};
use crate::discover::{Device, EswitchState, Iface};
use crate::sys::DeviceKey;

pub use bond::{bonds_for, plan_bond};
pub use step::{mode_name, mode_number, vf_summary, Action, Step};

pub use crate::sys::BOND_BUS;

/// A failure tied to one device: it names the device, the step and the cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{device}: {step}: {cause}")]
pub struct DeviceError {
    pub device: String,
    pub step: String,
    pub cause: String,
    /// The errno behind the cause, when the kernel gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errno: Option<i32>,
    /// Something is not there yet (no driver bound, a slave interface
    /// missing): not a failure to retry, since its udev event brings the
    /// device back.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub waiting: bool,
}

impl DeviceError {
    pub fn new(
        device: impl Into<String>,
        step: impl Into<String>,
        cause: impl Into<String>,
    ) -> Self {
        DeviceError {
            device: device.into(),
            step: step.into(),
            cause: cause.into(),
            errno: None,
            waiting: false,
        }
    }

    fn waiting(mut self) -> Self {
        self.waiting = true;
        self
    }
}

/// The plan for one device that a policy selects (or that two policies do),
/// or for one configured bond.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePlan {
    pub key: DeviceKey,
    pub device: String,
    /// The policy (or bond config) that applies, when exactly one does.
    pub policy: Option<usize>,
    /// Actions in the order they must run.
    pub actions: Vec<Action>,
    /// Actions that run after the bonds are built.
    pub after_bonds: Vec<Action>,
    /// What stands in the way. When it is not `waiting`, there are no
    /// actions; when it is, the actions that can run already are planned and
    /// this is reported after them.
    pub error: Option<DeviceError>,
}

impl DevicePlan {
    fn new(key: DeviceKey) -> Self {
        let device = key.to_string();
        DevicePlan {
            key,
            device,
            policy: None,
            actions: Vec::new(),
            after_bonds: Vec::new(),
            error: None,
        }
    }

    fn action(&self, step: Step) -> Action {
        let policy = self.policy.unwrap_or_default();
        Action { device: self.device.clone(), key: self.key.clone(), policy, step }
    }

    /// Every action, in the order the phases run them.
    pub fn all_actions(&self) -> impl Iterator<Item = &Action> {
        self.actions.iter().chain(&self.after_bonds)
    }
}

/// The plan for the whole host (or for the part of it a reconcile looks at).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub devices: Vec<DevicePlan>,
    pub bonds: Vec<DevicePlan>,
}

impl Plan {
    /// Every plan, devices first.
    pub fn units(&self) -> impl Iterator<Item = &DevicePlan> {
        self.devices.iter().chain(&self.bonds)
    }

    /// Every action, in the order the phases run them.
    pub fn actions(&self) -> impl Iterator<Item = &Action> {
        let first = self.devices.iter().flat_map(|d| &d.actions);
        let bonds = self.bonds.iter().flat_map(|d| &d.actions);
        first.chain(bonds).chain(self.devices.iter().flat_map(|d| &d.after_bonds))
    }

    pub fn errors(&self) -> impl Iterator<Item = &DeviceError> {
        self.units().filter_map(|d| d.error.as_ref())
    }

    /// Nothing to do and nothing wrong: the host is configured.
    pub fn is_empty(&self) -> bool {
        self.actions().next().is_none() && self.errors().next().is_none()
    }
}

/// Plans every device and every bond. Devices that no policy selects are left out.
pub fn plan(config: &Config, devices: &[Device], ifaces: &[Iface]) -> Plan {
    Plan {
        devices: devices.iter().filter_map(|d| plan_device(config, d)).collect(),
        bonds: (0..config.bond_configs.len()).map(|i| plan_bond(config, i, ifaces)).collect(),
    }
}

/// Plans one device, or `None` when no policy selects it.
pub fn plan_device(config: &Config, dev: &Device) -> Option<DevicePlan> {
    let matched = matching::matching_policies(config, dev);
    let mut out = DevicePlan::new(dev.key());
    match matched[..] {
        [] => return None,
        [index] => out.policy = Some(index),
        [a, b, ..] => {
            let cause = format!(
                "matches two policies: {} and {}",
                config.device_policies[a].label(a),
                config.device_policies[b].label(b)
            );
            out.error = Some(DeviceError::new(&out.device, "match policy", cause));
            return Some(out);
        }
    }
    let policy = &config.device_policies[out.policy.unwrap_or_default()];
    let want = policy.num_vfs;

    let mut steps = match vf_count_steps(dev, want) {
        Ok(steps) => steps,
        Err(e) => {
            out.error = Some(e);
            return Some(out);
        }
    };
    if let Some(to) = eswitch_target(policy.enable_switch, dev.eswitch_mode) {
        let (first, after) = eswitch::steps(dev, want, steps, to);
        steps = first;
        out.after_bonds = after.into_iter().map(|s| out.action(s)).collect();
    }
    let recreated = steps.iter().any(|s| matches!(s, Step::SetNumVfs { .. }));

    let vf_steps = vf_setting_steps(dev, &policy.vf_settings, want, recreated);
    if !vf_steps.is_empty() {
        match dev.pf_interface() {
            Some(pf) => steps.extend(
                vf_steps
                    .into_iter()
                    .map(|settings| Step::SetVf { interface: pf.to_string(), settings }),
            ),
            None => {
                let cause = "the PF has no network interface yet to set VF settings through";
                let e = DeviceError::new(&out.device, "set VF settings", cause).waiting();
                out.error = Some(e);
            }
        }
    }
    out.actions = steps.into_iter().map(|s| out.action(s)).collect();
    Some(out)
}

/// The mode to set, if the policy and the observed mode differ. A policy
/// without `enable_switch` puts a switchdev eswitch back to legacy, and leaves
/// devices whose mode is unknown (no devlink) alone.
fn eswitch_target(enable_switch: bool, have: EswitchState) -> Option<EswitchState> {
    match (enable_switch, have) {
        (true, EswitchState::Switchdev) => None,
        (true, _) => Some(EswitchState::Switchdev),
        (false, EswitchState::Switchdev) => Some(EswitchState::Legacy),
        (false, _) => None,
    }
}

/// The VF settings that differ from what the PF reports; all of them when the
/// VFs are (re)created by this plan, since their table is not known yet.
fn vf_setting_steps(
    dev: &Device,
    wanted: &[VfSettings],
    num_vfs: u32,
    recreated: bool,
) -> Vec<VfSettings> {
    wanted
        .iter()
        .filter(|s| s.vf < num_vfs)
        .filter_map(|s| {
            let link = dev.vfs.iter().find(|v| v.index == s.vf).and_then(|v| v.link.as_ref());
            match link {
                Some(have) if !recreated => vf_changes(s, have),
                _ => Some(s.clone()),
            }
        })
        .collect()
}

/// The fields of `want` that `have` does not already show; `None` when all match.
pub fn vf_changes(want: &VfSettings, have: &crate::discover::VfLink) -> Option<VfSettings> {
    let mut out = VfSettings { vf: want.vf, ..VfSettings::default() };
    out.mac = want.mac.clone().filter(|m| !m.eq_ignore_ascii_case(&have.mac));
    // VLAN and QoS travel in one netlink attribute: send both when either differs.
    let vlan = want.vlan.unwrap_or(have.vlan);
    let qos = want.qos.unwrap_or(if want.vlan.is_some() { 0 } else { have.qos });
    if (vlan, qos) != (have.vlan, have.qos) {
        (out.vlan, out.qos) = (Some(vlan), Some(qos));
    }
    out.spoof_check = want.spoof_check.filter(|w| have.spoof_check != Some(*w));
    out.trust = want.trust.filter(|w| have.trust != Some(*w));
    let changed =
        out.mac.is_some() || out.vlan.is_some() || out.spoof_check.is_some() || out.trust.is_some();
    changed.then_some(out)
}

/// The writes that take the VF count from what discovery saw to `want`.
/// The kernel refuses N -> M with EBUSY when both are non-zero, so such a
/// change goes through 0.
fn vf_count_steps(dev: &Device, want: u32) -> Result<Vec<Step>, DeviceError> {
    // The step that fails is the final write; its `from` does not enter the name.
    let step = Step::SetNumVfs { from: 0, to: want }.describe();
    let name = dev.key().to_string();
    if let Some(max) = dev.total_vfs {
        if want > max {
            let cause = format!("device supports at most {max} VFs (sriov_totalvfs)");
            return Err(DeviceError::new(name, step, cause));
        }
    }
    let Some(have) = dev.num_vfs else {
        let why = dev.problems.iter().find(|p| p.starts_with("sriov_numvfs")).cloned();
        let cause = why.unwrap_or_else(|| "sriov_numvfs could not be read".to_string());
        return Err(DeviceError::new(name, step, cause));
    };
    let steps = match (have, want) {
        (h, w) if h == w => vec![],
        (0, w) => vec![Step::SetNumVfs { from: 0, to: w }],
        (h, 0) => vec![Step::SetNumVfs { from: h, to: 0 }],
        (h, w) => vec![Step::SetNumVfs { from: h, to: 0 }, Step::SetNumVfs { from: 0, to: w }],
    };
    // The kernel refuses sriov_numvfs writes on a PCI function without a
    // driver (ENOENT); during a reset or hotplug that is a passing state.
    if !steps.is_empty() && dev.bus == "pci" && dev.driver.is_none() {
        let cause = "no driver is bound; SR-IOV needs the PF's driver";
        return Err(DeviceError::new(name, step, cause).waiting());
    }
    Ok(steps)
}

#[cfg(test)]
mod tests;

//! The pure planner: desired state (config) and observed state (discovery) in,
//! an ordered list of actions per device out. No I/O happens here, so every
//! ordering rule is tested as a plain function.

pub mod check;
pub mod matching;

use std::fmt;

use serde::Serialize;

use crate::config::Config;
use crate::discover::Device;
use crate::sys::DeviceKey;

/// One change to make on one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    /// The device, as operators name it (`0000:3b:00.0`, `netdevsim/netdevsim10`).
    pub device: String,
    #[serde(skip)]
    pub key: DeviceKey,
    /// Index of the policy that asked for it.
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
}

impl Step {
    /// The action's name, as in the JSON `action` key.
    pub fn name(&self) -> &'static str {
        match self {
            Step::SetNumVfs { .. } => "set_num_vfs",
        }
    }

    /// The step as errors name it, e.g. `set sriov_numvfs to 4`.
    pub fn describe(&self) -> String {
        match self {
            Step::SetNumVfs { to, .. } => format!("set sriov_numvfs to {to}"),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.step {
            Step::SetNumVfs { from, to } => {
                write!(
                    f,
                    "{}: set sriov_numvfs {from} -> {to} (device_policies[{}])",
                    self.device, self.policy
                )
            }
        }
    }
}

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
    /// The device is not ready yet (no driver bound): not a failure to retry,
    /// since the driver's bind event brings the device back.
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
}

/// The plan for one device that a policy selects (or that two policies do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePlan {
    pub key: DeviceKey,
    pub device: String,
    /// The policy that applies, when exactly one does.
    pub policy: Option<usize>,
    /// Actions in the order they must run.
    pub actions: Vec<Action>,
    /// Why this device cannot be configured; its actions are then empty.
    pub error: Option<DeviceError>,
}

/// The plan for the whole host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub devices: Vec<DevicePlan>,
}

impl Plan {
    pub fn actions(&self) -> impl Iterator<Item = &Action> {
        self.devices.iter().flat_map(|d| d.actions.iter())
    }

    pub fn errors(&self) -> impl Iterator<Item = &DeviceError> {
        self.devices.iter().filter_map(|d| d.error.as_ref())
    }

    /// Nothing to do and nothing wrong: the host is configured.
    pub fn is_empty(&self) -> bool {
        self.actions().next().is_none() && self.errors().next().is_none()
    }
}

/// Plans every device. Devices that no policy selects are left out.
pub fn plan(config: &Config, devices: &[Device]) -> Plan {
    Plan { devices: devices.iter().filter_map(|d| plan_device(config, d)).collect() }
}

/// Plans one device, or `None` when no policy selects it.
pub fn plan_device(config: &Config, dev: &Device) -> Option<DevicePlan> {
    let matched = matching::matching_policies(config, dev);
    let name = dev.key().to_string();
    let mut out = DevicePlan {
        key: dev.key(),
        device: name.clone(),
        policy: None,
        actions: Vec::new(),
        error: None,
    };

    match matched[..] {
        [] => return None,
        [index] => out.policy = Some(index),
        [a, b, ..] => {
            let cause = format!(
                "matches two policies: {} and {}",
                config.device_policies[a].label(a),
                config.device_policies[b].label(b)
            );
            out.error = Some(DeviceError::new(name, "match policy", cause));
            return Some(out);
        }
    }
    let index = out.policy.unwrap_or_default();
    let want = config.device_policies[index].num_vfs;

    match vf_count_steps(dev, want) {
        Ok(steps) => {
            out.actions = steps
                .into_iter()
                .map(|step| Action { device: name.clone(), key: dev.key(), policy: index, step })
                .collect();
        }
        Err(e) => out.error = Some(e),
    }
    Some(out)
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
        let mut e =
            DeviceError::new(name, step, "no driver is bound; SR-IOV needs the PF's driver");
        e.waiting = true;
        return Err(e);
    }
    Ok(steps)
}

#[cfg(test)]
mod tests;

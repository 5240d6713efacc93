//! The state file: what the daemon did to each device, for node agents and
//! `--status`. Written atomically (temp file + rename) after each reconcile.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::{BondConfig, DevicePolicy};

/// Where the daemon keeps its state file.
pub const DEFAULT_PATH: &str = "/run/sriov-manager/state.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub pid: u32,
    /// RFC 3339, UTC.
    pub updated: String,
    pub config: String,
    /// The STATUS line systemd shows.
    pub status: String,
    pub devices: Vec<DeviceRecord>,
}

/// One PF that a policy selects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceRecord {
    pub device: String,
    pub bus: String,
    /// Index and description of the matched policy.
    pub policy: Option<PolicyRef>,
    pub desired: Desired,
    pub observed: Observed,
    pub result: Outcome,
    pub error: Option<String>,
    /// Changes made by the last reconcile of this device.
    pub changes: usize,
    /// When this device was last reconciled, RFC 3339 UTC.
    pub updated: String,
}

/// The config entry behind a record: `device_policies[index]`, or for a
/// bond (`bus` "bond") `bond_configs[index]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyRef {
    pub index: usize,
    pub description: Option<String>,
}

/// What the config asks for: a policy's settings, or a bond's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    pub num_vfs: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eswitch_mode: Option<String>,
    /// VF indices with settings in the policy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vf_settings: Vec<u32>,
    /// For a bond: its mode, miimon and slaves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bond_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub miimon: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slaves: Vec<String>,
}

impl Desired {
    pub fn from_policy(p: &DevicePolicy) -> Self {
        Desired {
            num_vfs: Some(p.num_vfs),
            eswitch_mode: p.enable_switch.then(|| "switchdev".to_string()),
            vf_settings: p.vf_settings.iter().map(|s| s.vf).collect(),
            ..Desired::default()
        }
    }

    pub fn from_bond(b: &BondConfig) -> Self {
        Desired {
            bond_mode: Some(crate::plan::mode_name(b.mode).to_string()),
            miimon: Some(b.mii_monitor),
            slaves: b.slave_interfaces.clone(),
            ..Desired::default()
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    pub num_vfs: Option<u32>,
    pub total_vfs: Option<u32>,
    pub driver: Option<String>,
    pub interfaces: Vec<String>,
    /// VF PCI addresses.
    pub vfs: Vec<String>,
    #[serde(default)]
    pub eswitch_mode: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Everything the policy asks for is in place.
    Configured,
    /// The last attempt failed; it is retried with backoff.
    Failed,
    /// Something is not there yet (the PF's driver, a bond's slave); its
    /// udev event will bring the device back.
    Waiting,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Configured => "configured",
            Outcome::Failed => "failed",
            Outcome::Waiting => "waiting",
        }
    }
}

impl State {
    /// Writes `self` to `path` atomically, creating the directory.
    pub fn write(&self, path: &Path) -> io::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("json.tmp");
        let mut f = fs::File::create(&tmp)?;
        serde_json::to_writer_pretty(&mut f, self)?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    }

    pub fn read(path: &Path) -> io::Result<State> {
        let text = fs::read_to_string(path)?;
        serde_json::from_str(&text).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

/// Now, as RFC 3339 UTC with seconds.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

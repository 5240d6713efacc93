//! The state file: what the daemon did to each device, for node agents and
//! `--status`. Written atomically (temp file + rename) after each reconcile.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyRef {
    pub index: usize,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    pub num_vfs: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    pub num_vfs: Option<u32>,
    pub total_vfs: Option<u32>,
    pub driver: Option<String>,
    pub interfaces: Vec<String>,
    /// VF PCI addresses.
    pub vfs: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Everything the policy asks for is in place.
    Configured,
    /// The last attempt failed; it is retried with backoff.
    Failed,
    /// The PF has no driver yet; its bind event will bring it back.
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

//! The JSON configuration: its model, loading, and validation.
//!
//! Loading is two-phase so that every error is reported at once: the text is
//! parsed into a `serde_json::Value` (syntax errors carry line and column), the
//! tree is checked field by field with JSON paths, and only a clean tree is
//! turned into the typed [`Config`].

mod validate;
mod vf;

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use validate::{is_valid_ifname, is_valid_pci_address};
pub use vf::parse_mac;

/// Where the daemon and the CLI look for the config by default.
pub const DEFAULT_PATH: &str = "/etc/sriov-manager/config.json";

/// The config that `--create-config` writes.
pub const DEFAULT_JSON: &str = include_str!("../../config/default.json");

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Format version of the file; this program reads "1.x".
    pub version: String,
    /// Free text for the people who maintain the file.
    #[serde(default)]
    pub description: Option<String>,
    /// Policies that say how matching PFs are configured.
    #[serde(default)]
    pub device_policies: Vec<DevicePolicy>,
    /// Bonds to build over PF interfaces.
    #[serde(default)]
    pub bond_configs: Vec<BondConfig>,
    /// Default log level, overridden by `--log-level` or RUST_LOG.
    #[serde(default)]
    pub log_level: LogLevel,
}

/// How a set of PFs is configured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevicePolicy {
    /// PCI vendor ID, four hex digits, stored in lower case.
    #[serde(default)]
    pub vendor_id: Option<String>,
    /// PCI device ID of the PF, four hex digits, stored in lower case.
    #[serde(default)]
    pub device_id: Option<String>,
    /// Number of VFs each matching PF should have.
    pub num_vfs: u32,
    /// Single-home PFs stand alone; VF-LAG PFs are slaves of a configured bond.
    #[serde(default)]
    pub mode: PolicyMode,
    /// Put the PF's eswitch in switchdev mode.
    #[serde(default)]
    pub enable_switch: bool,
    /// Free text, used to name the policy in messages.
    #[serde(default)]
    pub description: Option<String>,
    /// Only PFs at these PCI addresses (`DDDD:BB:DD.F`, lower case).
    #[serde(default)]
    pub pci_addresses: Vec<String>,
    /// Only PFs that have one of these interface names.
    #[serde(default)]
    pub pf_names: Vec<String>,
    /// Only PFs bound to one of these drivers; lets a policy match devices
    /// without PCI IDs, such as netdevsim.
    #[serde(default)]
    pub drivers: Vec<String>,
    /// Settings for individual VFs, applied after the VFs exist
    /// (`ip link set dev PF vf N ...`).
    #[serde(default)]
    pub vf_settings: Vec<VfSettings>,
}

/// What to set on one VF of each PF the policy selects; unset fields are left
/// as they are. `Default` (VF 0, nothing set) is a base for change sets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VfSettings {
    /// VF index (the N of the PF's virtfnN link), below the policy's num_vfs.
    pub vf: u32,
    /// Administrative MAC address, "02:00:00:00:00:01" style (stored lower case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// VLAN ID 1-4094 that the PF tags the VF's traffic with; 0 clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vlan: Option<u16>,
    /// 802.1p priority 0-7 for that VLAN; needs `vlan`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qos: Option<u8>,
    /// Drop frames whose source MAC is not the VF's (`spoofchk`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spoof_check: Option<bool>,
    /// Let the VF change its MAC and enter promiscuous mode (`trust`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<bool>,
}

/// The two documented ways to deploy a PF.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyMode {
    #[default]
    SingleHome,
    VfLag,
}

impl PolicyMode {
    pub const NAMES: &'static [&'static str] = &["single-home", "vf-lag"];

    pub fn as_str(self) -> &'static str {
        match self {
            PolicyMode::SingleHome => "single-home",
            PolicyMode::VfLag => "vf-lag",
        }
    }
}

/// A bond over PF interfaces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BondConfig {
    /// Name of the bond interface.
    pub bond_name: String,
    /// Interfaces enslaved to it.
    pub slave_interfaces: Vec<String>,
    /// The kernel's bonding mode.
    pub mode: BondMode,
    /// MII link monitoring interval in milliseconds (the kernel's `miimon`).
    #[serde(default = "default_mii_monitor")]
    pub mii_monitor: u32,
}

fn default_mii_monitor() -> u32 {
    100
}

/// Upper bound for `mii_monitor`: a minute between link checks is already
/// far too slow for failover; larger values are almost surely a unit mistake.
pub const MAX_MII_MONITOR_MS: u64 = 60_000;

/// The kernel's bonding modes, by the names sysfs and iproute2 use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BondMode {
    #[serde(rename = "balance-rr")]
    BalanceRr,
    #[serde(rename = "active-backup")]
    ActiveBackup,
    #[serde(rename = "balance-xor")]
    BalanceXor,
    #[serde(rename = "broadcast")]
    Broadcast,
    #[serde(rename = "802.3ad")]
    Ieee8023ad,
    #[serde(rename = "balance-tlb")]
    BalanceTlb,
    #[serde(rename = "balance-alb")]
    BalanceAlb,
}

impl BondMode {
    pub const NAMES: &'static [&'static str] = &[
        "balance-rr",
        "active-backup",
        "balance-xor",
        "broadcast",
        "802.3ad",
        "balance-tlb",
        "balance-alb",
    ];
}

/// Log verbosity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Error,
    Warn,
    #[default]
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    pub const NAMES: &'static [&'static str] = &["error", "warn", "info", "debug", "trace"];

    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

/// How serious a finding is: errors make the config invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One finding about the config, named by its JSON path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// JSON path such as `device_policies[1].num_vfs`; empty for the root.
    pub path: String,
    pub message: String,
}

impl Diagnostic {
    pub fn error(path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, path: path.into(), message: message.into() }
    }

    pub fn warning(path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, path: path.into(), message: message.into() }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.path.is_empty() {
            write!(f, "{tag}: {}", self.message)
        } else {
            write!(f, "{tag}: {}: {}", self.path, self.message)
        }
    }
}

/// Why a config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read config: {source}")]
    Read { path: PathBuf, source: io::Error },
    /// The text is not JSON.
    #[error("{path}:{line}:{column}: invalid JSON: {message}")]
    Syntax { path: PathBuf, line: usize, column: usize, message: String },
    /// The JSON does not describe a valid config; every error is listed.
    #[error("{path}: invalid config ({} errors)", errors.len())]
    Invalid { path: PathBuf, errors: Vec<Diagnostic> },
}

/// A config that passed validation, with the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<Diagnostic>,
}

/// Reads and validates the config at `path`.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let text = fs::read_to_string(path)
        .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
    parse(&text, path)
}

/// Validates config text; `path` only names the source in errors.
pub fn parse(text: &str, path: &Path) -> Result<Loaded, ConfigError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| ConfigError::Syntax {
        path: path.to_owned(),
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;

    let mut diags = validate::check_tree(&value);
    let policies = validate::typed_entries::<DevicePolicy>(&value, "device_policies", &diags);
    let bonds = validate::typed_entries::<BondConfig>(&value, "bond_configs", &diags);
    diags.extend(validate::check_semantics(&policies, &bonds));
    if diags.iter().any(Diagnostic::is_error) {
        return Err(invalid(path, diags));
    }

    // The tree check covers everything serde would reject, so a failure here
    // is a gap in that check; report it rather than panic.
    let config: Config = serde_json::from_value(value)
        .map_err(|e| invalid(path, vec![Diagnostic::error("", e.to_string())]))?;
    Ok(Loaded { config: normalize(config), warnings: diags })
}

fn invalid(path: &Path, mut diags: Vec<Diagnostic>) -> ConfigError {
    diags.sort_by_key(|d| d.severity != Severity::Error);
    ConfigError::Invalid { path: path.to_owned(), errors: diags }
}

/// serde_json appends " at line L column C"; the error prints those itself.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// IDs and addresses compare case-insensitively; store them in lower case.
fn normalize(mut config: Config) -> Config {
    for p in &mut config.device_policies {
        for id in [&mut p.vendor_id, &mut p.device_id].into_iter().flatten() {
            id.make_ascii_lowercase();
        }
        for a in &mut p.pci_addresses {
            a.make_ascii_lowercase();
        }
        for mac in p.vf_settings.iter_mut().filter_map(|s| s.mac.as_mut()) {
            mac.make_ascii_lowercase();
        }
    }
    config
}

impl DevicePolicy {
    /// How messages name the policy: its index and description.
    pub fn label(&self, index: usize) -> String {
        match &self.description {
            Some(d) => format!("device_policies[{index}] ({d})"),
            None => format!("device_policies[{index}]"),
        }
    }
}

impl VfSettings {
    /// The MAC address as bytes, when one is set; a validated config always
    /// parses.
    pub fn mac_bytes(&self) -> Option<[u8; 6]> {
        self.mac.as_deref().and_then(parse_mac)
    }
}

impl Config {
    /// Every interface that some bond enslaves.
    pub fn bond_slaves(&self) -> impl Iterator<Item = &str> {
        self.bond_configs.iter().flat_map(|b| b.slave_interfaces.iter().map(String::as_str))
    }
}

#[cfg(test)]
mod tests;

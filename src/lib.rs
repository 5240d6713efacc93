//! sriov-manager: configures SR-IOV network cards natively over sysfs and netlink.
//!
//! Data flows one way: `config` + `discover` feed the pure `plan`, which `apply`
//! executes against the host through the narrow interface in `sys`. The CLI's
//! one-shot modes and the daemon both drive that one path.

pub mod apply;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod discover;
pub mod ids;
pub mod logging;
pub mod netlink;
pub mod plan;
pub mod report;
pub mod sys;

//! What humans and scripts read: tables and JSON for discover, plan and apply.

use std::fmt::Write;

use serde_json::json;

use crate::apply::ApplyReport;
use crate::config::Diagnostic;
use crate::daemon::state::State;
use crate::discover::Device;
use crate::plan::{Plan, BOND_BUS};

/// `--discover`: one block per PF, its VFs indented beneath.
pub fn discover_table(devices: &[Device]) -> String {
    if devices.is_empty() {
        return "No SR-IOV capable devices found.\n".to_string();
    }
    let mut out = String::new();
    for d in devices {
        let vfs = match (d.num_vfs, d.total_vfs) {
            (Some(n), Some(t)) => format!("{n}/{t}"),
            (Some(n), None) => n.to_string(),
            (None, Some(t)) => format!("?/{t}"),
            (None, None) => "?".to_string(),
        };
        let _ = writeln!(out, "{} ({})", d.key(), d.name.as_deref().unwrap_or("unknown device"));
        let _ = writeln!(
            out,
            "  id {}  driver {}  numa {}  VFs {vfs}  eswitch {}",
            d.pci_id(),
            d.driver.as_deref().unwrap_or("-"),
            d.numa_node.map_or("-".to_string(), |n| n.to_string()),
            d.eswitch_mode,
        );
        let ifaces =
            if d.interfaces.is_empty() { "-".to_string() } else { d.interfaces.join(", ") };
        let bond = d.bond_master.as_deref().map(|m| format!("  (in {m})")).unwrap_or_default();
        let _ = writeln!(out, "  interfaces {ifaces}{bond}");
        if let Some(vf_id) = &d.vf_device_id {
            let _ = writeln!(out, "  VF device id {vf_id}");
        }
        for vf in &d.vfs {
            let _ = write!(
                out,
                "    vf{:<3} {}  {}  {}",
                vf.index,
                vf.address,
                vf.driver.as_deref().unwrap_or("-"),
                if vf.interfaces.is_empty() { "-".to_string() } else { vf.interfaces.join(", ") },
            );
            if let Some(link) = &vf.link {
                let _ = write!(out, "  mac {}", link.mac);
                if link.vlan != 0 {
                    let _ = write!(out, " vlan {} qos {}", link.vlan, link.qos);
                }
                let on = |b: Option<bool>| b.map_or("?", |b| if b { "on" } else { "off" });
                let _ = write!(out, " spoofchk {} trust {}", on(link.spoof_check), on(link.trust));
            }
            out.push('\n');
        }
        for p in &d.problems {
            let _ = writeln!(out, "  unreadable: {p}");
        }
    }
    out
}

/// `--discover --json`
pub fn discover_json(devices: &[Device]) -> String {
    to_json(&json!({ "devices": devices }))
}

/// `--dry-run`: one line per action, then the devices that cannot be configured.
pub fn plan_text(plan: &Plan) -> String {
    if plan.devices.is_empty() && plan.bonds.is_empty() {
        return "No device matches a policy; nothing to do.\n".to_string();
    }
    let mut out = String::new();
    for a in plan.actions() {
        let _ = writeln!(out, "{a}");
    }
    for e in plan.errors() {
        let label = if e.waiting { "waiting" } else { "error" };
        let _ = writeln!(out, "{label}: {e}");
    }
    if plan.is_empty() {
        let _ = writeln!(out, "Every matched device is already configured; nothing to do.");
    }
    out
}

/// `--dry-run --json`
pub fn plan_json(plan: &Plan) -> String {
    let actions: Vec<_> = plan.actions().collect();
    let errors: Vec<_> = plan.errors().collect();
    to_json(&json!({ "actions": actions, "errors": errors }))
}

/// `--validate`: every finding, then a verdict.
pub fn diagnostics_text(diags: &[Diagnostic], source: &str) -> String {
    let mut out = String::new();
    for d in diags {
        let _ = writeln!(out, "{d}");
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let verdict = if errors == 0 { "valid" } else { "invalid" };
    let _ = writeln!(out, "{source}: {verdict} ({errors} errors, {warnings} warnings)");
    out
}

/// `--validate --json`
pub fn diagnostics_json(diags: &[Diagnostic]) -> String {
    let (errors, warnings): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
        diags.iter().partition(|d| d.is_error());
    to_json(&json!({ "valid": errors.is_empty(), "errors": errors, "warnings": warnings }))
}

/// `--once`: a summary line per device that failed, then totals.
pub fn apply_text(report: &ApplyReport) -> String {
    let mut out = String::new();
    for e in report.failures() {
        let _ = writeln!(out, "failed: {e}");
    }
    let failed = report.failures().count();
    let _ = writeln!(
        out,
        "{} devices configured, {failed} failed, {} changes made",
        report.devices.len() - failed,
        report.changes()
    );
    out
}

/// `--once --json`
pub fn apply_json(report: &ApplyReport) -> String {
    to_json(report)
}

/// `--status`: the daemon's view of each device.
pub fn status_text(st: &State) -> String {
    let mut out =
        format!("{}\nupdated {} by pid {}, config {}\n", st.status, st.updated, st.pid, st.config);
    for d in &st.devices {
        let list = if d.bus == BOND_BUS { "bond_configs" } else { "device_policies" };
        let policy = d.policy.as_ref().map_or("-".to_string(), |p| match &p.description {
            Some(desc) => format!("{list}[{}] ({desc})", p.index),
            None => format!("{list}[{}]", p.index),
        });
        let count = |n: Option<u32>| n.map_or("?".to_string(), |n| n.to_string());
        let what = match &d.desired.bond_mode {
            Some(mode) => format!(
                "bond {mode} miimon {}, slaves {}",
                count(d.desired.miimon),
                d.desired.slaves.join(" ")
            ),
            None => {
                let mut s = format!(
                    "VFs {} (want {})",
                    count(d.observed.num_vfs),
                    count(d.desired.num_vfs)
                );
                if let Some(mode) = &d.desired.eswitch_mode {
                    let _ = write!(s, ", eswitch {} (want {mode})", d.observed.eswitch_mode);
                }
                s
            }
        };
        let _ = writeln!(
            out,
            "{}  {}  {what}  {policy}  at {}",
            d.device,
            d.result.as_str(),
            d.updated
        );
        if let Some(e) = &d.error {
            let _ = writeln!(out, "  error: {e}");
        }
    }
    out
}

/// `--status --json`: the state file as it is.
pub fn status_json(st: &State) -> String {
    to_json(st)
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // Serializing our own plain structs cannot fail.
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}

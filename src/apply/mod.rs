//! Runs a plan against the host: steps on one PF in order, PFs in parallel.
//!
//! Every write is preceded by a read, so an action whose effect is already in
//! place is skipped; one line is logged at info for each change made. A
//! device's failure stops only that device's remaining steps.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use serde::Serialize;
use tracing::{debug, info, warn};

use crate::plan::{Action, DeviceError, DevicePlan, Plan, Step};
use crate::sys::{DeviceKey, Host};

/// How apply treats slow hosts and shutdown.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Longest a single sysfs read or write may take. Some drivers (i40e)
    /// block in `sriov_numvfs` for minutes; past this the step is reported as
    /// failed, while the kernel may still finish it.
    pub step_timeout: Duration,
    /// Set on shutdown: the step in flight finishes, no further step starts.
    pub stop: Arc<AtomicBool>,
}

impl ApplyOptions {
    pub fn new(step_timeout: Duration) -> Self {
        ApplyOptions { step_timeout, stop: Arc::new(AtomicBool::new(false)) }
    }
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions::new(Duration::from_secs(120))
    }
}

/// What happened to one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceOutcome {
    pub device: String,
    pub policy: Option<usize>,
    /// Writes actually made.
    pub changes: usize,
    pub error: Option<DeviceError>,
}

/// What happened to every device in the plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    pub devices: Vec<DeviceOutcome>,
}

impl ApplyReport {
    pub fn failures(&self) -> impl Iterator<Item = &DeviceError> {
        self.devices.iter().filter_map(|d| d.error.as_ref())
    }

    pub fn changes(&self) -> usize {
        self.devices.iter().map(|d| d.changes).sum()
    }
}

/// Applies every device's actions; devices run concurrently.
pub async fn apply(plan: &Plan, host: Arc<dyn Host>, opts: ApplyOptions) -> ApplyReport {
    let runs = plan.devices.iter().map(|d| apply_device(d, host.clone(), opts.clone()));
    ApplyReport { devices: join_all(runs).await }
}

/// Applies one device's actions in order, stopping at the first failure.
pub async fn apply_device(
    dp: &DevicePlan,
    host: Arc<dyn Host>,
    opts: ApplyOptions,
) -> DeviceOutcome {
    let mut out =
        DeviceOutcome { device: dp.device.clone(), policy: dp.policy, changes: 0, error: None };
    if let Some(e) = &dp.error {
        if e.waiting {
            info!(device = %dp.device, step = %e.step, "{e}");
        } else {
            warn!(device = %dp.device, step = %e.step, "{e}");
        }
        out.error = Some(e.clone());
        return out;
    }
    for action in &dp.actions {
        if opts.stop.load(Ordering::SeqCst) {
            let step = action.step.describe();
            out.error = Some(DeviceError::new(&dp.device, step, "not started: shutting down"));
            break;
        }
        match run(action, &host, &opts).await {
            Ok(changed) => out.changes += usize::from(changed),
            Err(e) => {
                warn!(device = %dp.device, action = action.step.name(), step = %e.step, "{e}");
                out.error = Some(e);
                break;
            }
        }
    }
    out
}

/// Runs one action; `Ok(true)` when it changed the host.
async fn run(
    action: &Action,
    host: &Arc<dyn Host>,
    opts: &ApplyOptions,
) -> Result<bool, DeviceError> {
    match action.step {
        Step::SetNumVfs { to, .. } => set_num_vfs(action, host, to, opts).await,
    }
}

async fn set_num_vfs(
    action: &Action,
    host: &Arc<dyn Host>,
    to: u32,
    opts: &ApplyOptions,
) -> Result<bool, DeviceError> {
    let key = action.key.clone();
    let have = blocking(host, &key, opts, |h, k| h.read_num_vfs(k))
        .await
        .map_err(|e| e.at(&action.device, "read sriov_numvfs".to_string()))?;
    if have == to {
        debug!(device = %action.device, num_vfs = to, "sriov_numvfs already {to}; nothing to do");
        return Ok(false);
    }

    let step = action.step.describe();
    if have != 0 && to != 0 {
        // The plan expected 0 here; the host moved under us. Writing now
        // would only earn EBUSY, so report it and let the next pass replan.
        let cause = format!("device has {have} VFs now; the count must go through 0");
        return Err(DeviceError::new(&action.device, step, cause));
    }
    debug!(device = %action.device, "{}: writing sriov_numvfs = {to}", action.device);
    blocking(host, &key, opts, move |h, k| h.write_num_vfs(k, to))
        .await
        .map_err(|e| e.at(&action.device, step))?;
    info!(
        device = %action.device,
        action = "set_num_vfs",
        policy = action.policy,
        from = have,
        to,
        "{}: set sriov_numvfs {have} -> {to}",
        action.device
    );
    Ok(true)
}

/// A host call's failure, before it is tied to a device and step.
enum CallError {
    Io(io::Error),
    Timeout(Duration),
    Panicked,
}

impl CallError {
    fn at(self, device: &str, step: String) -> DeviceError {
        match self {
            CallError::Io(e) => {
                let mut err = DeviceError::new(device, step, describe_io(&e));
                err.errno = e.raw_os_error();
                err
            }
            CallError::Timeout(d) => {
                let cause = format!(
                    "timed out after {}s; the driver may still be working on it",
                    d.as_secs_f32()
                );
                DeviceError::new(device, step, cause)
            }
            CallError::Panicked => {
                DeviceError::new(device, step, "internal error: the host call panicked")
            }
        }
    }
}

/// io::Error's text plus the errno name operators search for.
fn describe_io(e: &io::Error) -> String {
    let name = match e.raw_os_error() {
        Some(1) => " (EPERM)",
        Some(2) => " (ENOENT)",
        Some(5) => " (EIO)",
        Some(12) => " (ENOMEM)",
        Some(13) => " (EACCES)",
        Some(16) => " (EBUSY)",
        Some(19) => " (ENODEV)",
        Some(22) => " (EINVAL)",
        Some(28) => " (ENOSPC)",
        Some(95) => " (EOPNOTSUPP)",
        _ => "",
    };
    format!("{e}{name}")
}

/// Runs a blocking host call on tokio's blocking pool, bounded by the step timeout.
async fn blocking<T, F>(
    host: &Arc<dyn Host>,
    key: &DeviceKey,
    opts: &ApplyOptions,
    call: F,
) -> Result<T, CallError>
where
    T: Send + 'static,
    F: FnOnce(&dyn Host, &DeviceKey) -> io::Result<T> + Send + 'static,
{
    let (host, key) = (host.clone(), key.clone());
    let task = tokio::task::spawn_blocking(move || call(host.as_ref(), &key));
    match tokio::time::timeout(opts.step_timeout, task).await {
        Err(_) => Err(CallError::Timeout(opts.step_timeout)),
        Ok(Err(_)) => Err(CallError::Panicked),
        Ok(Ok(r)) => r.map_err(CallError::Io),
    }
}

#[cfg(test)]
mod tests;

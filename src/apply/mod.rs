//! Runs a plan against the host: steps on one PF in order, PFs in parallel,
//! in the plan's three phases (PFs, bonds, VF drivers back).
//!
//! Every write is preceded by a read, so an action whose effect is already in
//! place is skipped; one line is logged at info for each change made. A
//! device's failure stops only that device's remaining steps.

mod net;
mod sysfs;

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use serde::Serialize;
use tracing::{debug, warn};

use crate::netlink::{Kernel, Net, NetError, Offline};
use crate::plan::{Action, DeviceError, DevicePlan, Plan, Step};
use crate::sys::{DeviceKey, Host, Sysfs};

/// What apply works through: sysfs and netlink.
#[derive(Clone)]
pub struct Backend {
    pub sys: Arc<dyn Host>,
    pub net: Arc<dyn Net>,
}

impl Backend {
    /// The host under `sysfs_root`. Netlink describes the running kernel, so
    /// it is used only when that root is the kernel's own `/sys`.
    pub fn for_root(sysfs_root: &std::path::Path) -> Self {
        let net: Arc<dyn Net> = if sysfs_root == std::path::Path::new("/sys") {
            Arc::new(Kernel::new())
        } else {
            Arc::new(Offline)
        };
        Backend { sys: Arc::new(Sysfs::new(sysfs_root)), net }
    }
}

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

/// Applies the plan: every PF's steps (PFs concurrently), then the bonds
/// (concurrently), then each PF's steps that wait for the bonds.
pub async fn apply(plan: &Plan, backend: &Backend, opts: ApplyOptions) -> ApplyReport {
    let opts = &opts;
    let first = plan.devices.iter().map(|d| run_unit(d, &d.actions, backend, opts));
    let mut devices = join_all(first).await;
    let bonds = plan.bonds.iter().map(|d| run_unit(d, &d.actions, backend, opts));
    let bonds = join_all(bonds).await;

    // VFs unbound in the first phase get their drivers back even when that
    // phase or a bond failed afterwards: leaving them unbound helps nobody.
    let last = plan.devices.iter().zip(&devices).map(|(d, run)| async move {
        if run.unbound && !d.after_bonds.is_empty() {
            Some(run_unit(d, &d.after_bonds, backend, opts).await)
        } else {
            None
        }
    });
    let last = join_all(last).await;
    for (run, more) in devices.iter_mut().zip(last) {
        if let Some(more) = more {
            run.outcome.changes += more.outcome.changes;
            if run.outcome.error.is_none() {
                run.outcome.error = more.outcome.error;
            }
        }
    }
    devices.extend(bonds);

    for (dp, run) in plan.units().zip(devices.iter_mut()) {
        if run.outcome.error.is_none() {
            if let Some(e) = dp.error.as_ref().filter(|e| e.waiting) {
                // Not a change, and the same each time: the daemon logs it at
                // info when a unit starts waiting; `--once` prints it.
                debug!(device = %dp.device, step = %e.step, "{e}");
                run.outcome.error = Some(e.clone());
            }
        }
    }
    ApplyReport { devices: devices.into_iter().map(|r| r.outcome).collect() }
}

/// One unit's run: its outcome, and whether it unbound VF drivers.
struct Run {
    outcome: DeviceOutcome,
    unbound: bool,
}

/// Runs `actions` of one device or bond in order, stopping at the first failure.
async fn run_unit(
    dp: &DevicePlan,
    actions: &[Action],
    backend: &Backend,
    opts: &ApplyOptions,
) -> Run {
    let outcome =
        DeviceOutcome { device: dp.device.clone(), policy: dp.policy, changes: 0, error: None };
    let mut run = Run { outcome, unbound: false };
    if let Some(e) = dp.error.as_ref().filter(|e| !e.waiting) {
        warn!(device = %dp.device, step = %e.step, "{e}");
        run.outcome.error = Some(e.clone());
        return run;
    }
    for action in actions {
        // Giving VFs their drivers back repairs what this run did, so it
        // runs even during shutdown; nothing else starts then.
        if opts.stop.load(Ordering::SeqCst) && action.step != Step::BindVfs {
            let step = action.step.describe();
            run.outcome.error =
                Some(DeviceError::new(&dp.device, step, "not started: shutting down"));
            break;
        }
        let result = step(action, backend, opts).await;
        // VFs may be unbound unless the step found nothing to do.
        run.unbound |= matches!(action.step, Step::UnbindVfs { .. }) && result != Ok(false);
        match result {
            Ok(changed) => run.outcome.changes += usize::from(changed),
            Err(e) => {
                warn!(device = %dp.device, action = action.step.name(), step = %e.step, "{e}");
                run.outcome.error = Some(e);
                break;
            }
        }
    }
    run
}

/// Runs one action; `Ok(true)` when it changed the host.
async fn step(action: &Action, b: &Backend, opts: &ApplyOptions) -> Result<bool, DeviceError> {
    match &action.step {
        Step::SetNumVfs { to, .. } => sysfs::set_num_vfs(action, &b.sys, *to, opts).await,
        Step::UnbindVfs { for_mode } => {
            if net::eswitch_is(action, b, *for_mode, opts).await? {
                return Ok(false);
            }
            sysfs::rebind_vfs(action, &b.sys, false, opts).await
        }
        Step::BindVfs => sysfs::rebind_vfs(action, &b.sys, true, opts).await,
        Step::SetEswitchMode { to, vfs, .. } => {
            net::set_eswitch_mode(action, b, *to, *vfs, opts).await
        }
        Step::SetVf { interface, settings } => {
            net::set_vf(action, b, interface, settings, opts).await
        }
        Step::CreateBond { mode, miimon } => {
            net::create_bond(action, b, *mode, *miimon, opts).await
        }
        Step::SetBondMode { to, .. } => net::set_bond_mode(action, b, *to, opts).await,
        Step::SetBondMiimon { to, .. } => net::set_bond_miimon(action, b, *to, opts).await,
        Step::Enslave { slave } => net::enslave(action, b, slave, opts).await,
        Step::SetUp => net::set_up(action, b, opts).await,
    }
}

/// Runs a netlink call bounded by the step timeout, naming the step on failure.
async fn netlink<T>(
    action: &Action,
    step: &str,
    opts: &ApplyOptions,
    call: impl std::future::Future<Output = Result<T, NetError>>,
) -> Result<T, DeviceError> {
    match tokio::time::timeout(opts.step_timeout, call).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(net_error(action, step, &e, e.to_string())),
        Err(_) => Err(CallError::Timeout(opts.step_timeout).at(&action.device, step.to_string())),
    }
}

/// A netlink failure as a device error, keeping the kernel's errno.
fn net_error(action: &Action, step: &str, e: &NetError, cause: String) -> DeviceError {
    let mut err = DeviceError::new(&action.device, step, cause);
    err.errno = e.errno();
    err
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
    match e.raw_os_error().and_then(crate::netlink::errno::name) {
        Some(name) => format!("{e} ({name})"),
        None => e.to_string(),
    }
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

//! Steps that write sysfs: the VF count, and VF driver unbind/bind.

use std::sync::Arc;

use tracing::{debug, info};

use super::{blocking, ApplyOptions};
use crate::plan::{Action, DeviceError};
use crate::sys::Host;

pub(super) async fn set_num_vfs(
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

/// Unbinds every VF that has a driver; `Ok(true)` when one had.
pub(super) async fn unbind_vfs(
    action: &Action,
    host: &Arc<dyn Host>,
    opts: &ApplyOptions,
) -> Result<bool, DeviceError> {
    let step = action.step.describe();
    let vfs = blocking(host, &action.key, opts, |h, k| h.vf_drivers(k))
        .await
        .map_err(|e| e.at(&action.device, "list VFs".to_string()))?;
    let bound: Vec<String> = vfs.into_iter().filter(|(_, d)| d.is_some()).map(|(a, _)| a).collect();
    if bound.is_empty() {
        debug!(device = %action.device, "no VF has a driver; nothing to unbind");
        return Ok(false);
    }
    for vf in &bound {
        let address = vf.clone();
        blocking(host, &action.key, opts, move |h, _| h.unbind(&address))
            .await
            .map_err(|e| e.at(&action.device, format!("{step}: {vf}")))?;
    }
    info!(
        device = %action.device,
        action = "unbind_vfs",
        policy = action.policy,
        vfs = bound.len(),
        "{}: unbound the drivers of {} VFs ({})",
        action.device,
        bound.len(),
        bound.join(", ")
    );
    Ok(true)
}

/// Asks the kernel to bind a driver to every VF without one.
pub(super) async fn bind_vfs(
    action: &Action,
    host: &Arc<dyn Host>,
    opts: &ApplyOptions,
) -> Result<bool, DeviceError> {
    let step = action.step.describe();
    let vfs = blocking(host, &action.key, opts, |h, k| h.vf_drivers(k))
        .await
        .map_err(|e| e.at(&action.device, "list VFs".to_string()))?;
    let unbound: Vec<String> =
        vfs.into_iter().filter(|(_, d)| d.is_none()).map(|(a, _)| a).collect();
    if unbound.is_empty() {
        debug!(device = %action.device, "every VF has a driver; nothing to bind");
        return Ok(false);
    }
    for vf in &unbound {
        let address = vf.clone();
        blocking(host, &action.key, opts, move |h, _| h.probe(&address))
            .await
            .map_err(|e| e.at(&action.device, format!("{step}: {vf}")))?;
    }
    info!(
        device = %action.device,
        action = "bind_vfs",
        policy = action.policy,
        vfs = unbound.len(),
        "{}: bound drivers to {} VFs ({})",
        action.device,
        unbound.len(),
        unbound.join(", ")
    );
    Ok(true)
}

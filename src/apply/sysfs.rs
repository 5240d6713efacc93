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

/// Unbinds every VF that has a driver (`bind` false), or asks the kernel to
/// bind a driver to every VF without one (`bind` true); `Ok(true)` when some
/// VF needed it.
pub(super) async fn rebind_vfs(
    action: &Action,
    host: &Arc<dyn Host>,
    bind: bool,
    opts: &ApplyOptions,
) -> Result<bool, DeviceError> {
    let step = action.step.describe();
    let vfs = blocking(host, &action.key, opts, |h, k| h.vf_drivers(k))
        .await
        .map_err(|e| e.at(&action.device, "list VFs".to_string()))?;
    // The VFs whose state is to change: bound ones to unbind, unbound ones to bind.
    let todo: Vec<String> =
        vfs.into_iter().filter(|(_, d)| d.is_none() == bind).map(|(a, _)| a).collect();
    if todo.is_empty() {
        let why = if bind {
            "every VF has a driver; nothing to bind"
        } else {
            "no VF has a driver; nothing to unbind"
        };
        debug!(device = %action.device, "{why}");
        return Ok(false);
    }
    for vf in &todo {
        let address = vf.clone();
        let call = move |h: &dyn Host, _: &_| {
            if bind {
                h.probe(&address)
            } else {
                h.unbind(&address)
            }
        };
        blocking(host, &action.key, opts, call)
            .await
            .map_err(|e| e.at(&action.device, format!("{step}: {vf}")))?;
    }
    let (name, done) = if bind {
        ("bind_vfs", "bound drivers to")
    } else {
        ("unbind_vfs", "unbound the drivers of")
    };
    info!(
        device = %action.device,
        action = name,
        policy = action.policy,
        vfs = todo.len(),
        "{}: {done} {} VFs ({})",
        action.device,
        todo.len(),
        todo.join(", ")
    );
    Ok(true)
}

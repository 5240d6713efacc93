//! The eswitch mode of each PF, from devlink (`devlink dev eswitch show`).

use std::time::Duration;

use tracing::debug;

use super::{Device, EswitchState};
use crate::netlink::devlink::{DevlinkHandle, EswitchMode};

/// How long one eswitch query may take; a driver stuck in firmware must not
/// hold discovery up.
const QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// Asks devlink for every device's eswitch mode. Devices it knows nothing
/// about, and kernels without devlink, stay `unknown`; other failures are
/// recorded as the device's problems.
pub async fn fill(devices: &mut [Device]) {
    if devices.is_empty() {
        return;
    }
    let handle = match DevlinkHandle::connect().await {
        Ok(h) => h,
        Err(e) => {
            debug!("eswitch modes stay unknown: {e}");
            return;
        }
    };
    for d in devices.iter_mut() {
        let query = handle.eswitch().get(&d.bus, &d.address).execute();
        match tokio::time::timeout(QUERY_TIMEOUT, query).await {
            Ok(Ok(info)) => {
                d.eswitch_mode = match info.mode {
                    EswitchMode::Legacy => EswitchState::Legacy,
                    EswitchMode::Switchdev => EswitchState::Switchdev,
                }
            }
            Ok(Err(e)) if e.is_not_supported() => debug!(device = %d.key(), "no eswitch: {e}"),
            Ok(Err(e)) => d.problems.push(format!("eswitch mode: {e}")),
            Err(_) => d.problems.push(format!(
                "eswitch mode: devlink gave no answer within {}s",
                QUERY_TIMEOUT.as_secs()
            )),
        }
    }
}

//! What only netlink tells: each PF's eswitch mode (devlink) and its VF table
//! (rtnetlink's IFLA_VFINFO_LIST: MAC, VLAN, spoof check, trust).

use std::future::Future;
use std::time::Duration;

use tracing::debug;

use super::{Device, EswitchState, VfLink};
use crate::netlink::devlink::EswitchMode;
use crate::netlink::{Net, NetError};

/// How long one query may take; a driver stuck in firmware must not hold
/// discovery up.
const QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// Fills in eswitch modes and VF tables. Devices without a devlink eswitch
/// stay `unknown`; other failures become the device's problems.
pub async fn fill(devices: &mut [Device], net: &dyn Net) {
    for d in devices.iter_mut() {
        match ask(net.eswitch_mode(&d.bus, &d.address)).await {
            Ok(mode) => d.eswitch_mode = EswitchState::from(mode),
            Err(Some(e)) if e.is_not_supported() => debug!(device = %d.key(), "no eswitch: {e}"),
            Err(Some(e)) => d.problems.push(format!("eswitch mode: {e}")),
            Err(None) => d.problems.push(no_answer("eswitch mode")),
        }

        let Some(pf) = d.pf_interface().map(str::to_string) else { continue };
        if d.vfs.is_empty() {
            continue;
        }
        match ask(net.vfs(&pf)).await {
            Ok(table) => {
                for state in table {
                    if let Some(vf) = d.vfs.iter_mut().find(|v| v.index == state.vf) {
                        vf.link = Some(VfLink::from(state));
                    }
                }
            }
            Err(Some(NetError::Offline)) => {}
            Err(Some(e)) => d.problems.push(format!("VF table of {pf}: {e}")),
            Err(None) => d.problems.push(no_answer("VF table")),
        }
    }
}

/// The query's answer; `Err(None)` when it timed out.
async fn ask<T>(query: impl Future<Output = Result<T, NetError>>) -> Result<T, Option<NetError>> {
    match tokio::time::timeout(QUERY_TIMEOUT, query).await {
        Ok(r) => r.map_err(Some),
        Err(_) => Err(None),
    }
}

fn no_answer(what: &str) -> String {
    format!("{what}: the kernel gave no answer within {}s", QUERY_TIMEOUT.as_secs())
}

impl From<EswitchMode> for EswitchState {
    fn from(mode: EswitchMode) -> Self {
        match mode {
            EswitchMode::Legacy => EswitchState::Legacy,
            EswitchMode::Switchdev => EswitchState::Switchdev,
        }
    }
}

//! Steps that go through netlink: the eswitch mode (devlink), VF settings and
//! bonds (rtnetlink). Each reads the current state first and writes only what
//! differs.

use tracing::{debug, info, warn};

use super::{net_error, netlink, sysfs, ApplyOptions, Backend, CallError};
use crate::config::{parse_mac, BondMode, VfSettings};
use crate::discover::{EswitchState, VfLink};
use crate::netlink::devlink::EswitchMode;
use crate::netlink::errno::{EBUSY, EEXIST, EINVAL, ENOTSUPP, EOPNOTSUPP};
use crate::netlink::link::VfChange;
use crate::plan::{mode_name, mode_number, vf_changes, vf_summary, Action, DeviceError};

/// The errnos with which drivers refuse a mode change while VFs exist: ice
/// answers EOPNOTSUPP (ENOTSUPP from some), others EBUSY or EINVAL.
const REFUSED_WITH_VFS: &[i32] = &[EBUSY, EINVAL, EOPNOTSUPP, ENOTSUPP];

/// The eswitch mode, read before `step`; a device without one is an error
/// of that step that says so.
async fn eswitch_mode(
    action: &Action,
    b: &Backend,
    step: String,
    opts: &ApplyOptions,
) -> Result<EswitchState, DeviceError> {
    let (bus, address) = (&action.key.bus, &action.key.address);
    let read = tokio::time::timeout(opts.step_timeout, b.net.eswitch_mode(bus, address)).await;
    match read {
        Err(_) => Err(CallError::Timeout(opts.step_timeout).at(&action.device, step)),
        Ok(Err(e)) if e.is_not_supported() => {
            let cause = format!("the device has no devlink eswitch ({e})");
            Err(net_error(action, &step, &e, cause))
        }
        Ok(Err(e)) => Err(net_error(action, "read eswitch mode", &e, e.to_string())),
        Ok(Ok(mode)) => Ok(EswitchState::from(mode)),
    }
}

/// True when the eswitch is already in `mode`, so the VFs need not be unbound.
pub(super) async fn eswitch_is(
    action: &Action,
    b: &Backend,
    mode: EswitchState,
    opts: &ApplyOptions,
) -> Result<bool, DeviceError> {
    let have = eswitch_mode(action, b, format!("set eswitch mode {mode}"), opts).await?;
    if have == mode {
        debug!(device = %action.device, "eswitch already in {mode} mode; VFs stay bound");
    }
    Ok(have == mode)
}

/// Sets the eswitch mode; a driver that refuses while VFs exist gets the
/// change made at 0 VFs, and then `vfs` VFs again (the orderings table's
/// fallback, src/plan/eswitch.rs).
pub(super) async fn set_eswitch_mode(
    action: &Action,
    b: &Backend,
    to: EswitchState,
    vfs: u32,
    opts: &ApplyOptions,
) -> Result<bool, DeviceError> {
    let step = action.step.describe();
    let (bus, address) = (&action.key.bus, &action.key.address);
    let have = eswitch_mode(action, b, step.clone(), opts).await?;
    if have == to {
        debug!(device = %action.device, "eswitch already in {to} mode; nothing to do");
        return Ok(false);
    }

    let mode = match to {
        EswitchState::Switchdev => EswitchMode::Switchdev,
        _ => EswitchMode::Legacy,
    };
    let refused =
        match netlink(action, &step, opts, b.net.set_eswitch_mode(bus, address, mode)).await {
            Ok(()) => None,
            Err(e) if vfs > 0 && e.errno.is_some_and(|n| REFUSED_WITH_VFS.contains(&n)) => Some(e),
            Err(e) => return Err(e),
        };
    if let Some(e) = refused {
        warn!(
            device = %action.device,
            "{}: the driver refused eswitch mode {to} while it has VFs ({}); removing them, \
             changing the mode, then creating {vfs} again",
            action.device,
            e.cause
        );
        sysfs::set_num_vfs(action, &b.sys, 0, opts).await?;
        let changed =
            netlink(action, &step, opts, b.net.set_eswitch_mode(bus, address, mode)).await;
        if changed.is_ok() {
            log_mode_change(action, have, to);
        }
        // The VFs come back whether or not the mode changed: a refusal must
        // not leave the card with fewer VFs than it had.
        sysfs::set_num_vfs(action, &b.sys, vfs, opts).await?;
        return changed.map(|()| true);
    }
    log_mode_change(action, have, to);
    Ok(true)
}

fn log_mode_change(action: &Action, have: EswitchState, to: EswitchState) {
    info!(
        device = %action.device,
        action = "set_eswitch_mode",
        policy = action.policy,
        from = %have,
        to = %to,
        "{}: set eswitch mode {have} -> {to}",
        action.device
    );
}

pub(super) async fn set_vf(
    action: &Action,
    b: &Backend,
    pf: &str,
    want: &VfSettings,
    opts: &ApplyOptions,
) -> Result<bool, DeviceError> {
    let step = action.step.describe();
    let table = netlink(action, &format!("read VF table of {pf}"), opts, b.net.vfs(pf)).await?;
    let Some(have) = table.into_iter().find(|s| s.vf == want.vf) else {
        let cause = format!("{pf} reports no VF {}", want.vf);
        return Err(DeviceError::new(&action.device, step, cause));
    };
    let Some(change) = vf_changes(want, &VfLink::from(have)) else {
        debug!(device = %action.device, vf = want.vf, "VF {} already as configured", want.vf);
        return Ok(false);
    };

    let request = VfChange {
        mac: change.mac.as_deref().and_then(parse_mac),
        vlan: change.vlan.map(|v| (v, change.qos.unwrap_or(0))),
        spoof_check: change.spoof_check,
        trust: change.trust,
    };
    netlink(action, &step, opts, b.net.set_vf(pf, want.vf, &request)).await?;
    let what = vf_summary(&change);
    info!(
        device = %action.device,
        action = "set_vf",
        policy = action.policy,
        interface = pf,
        vf = want.vf,
        "{}: {pf} vf {}: set {what}",
        action.device,
        want.vf
    );
    Ok(true)
}

pub(super) async fn create_bond(
    action: &Action,
    b: &Backend,
    mode: BondMode,
    miimon: u32,
    opts: &ApplyOptions,
) -> Result<bool, DeviceError> {
    let (name, step) = (&action.device, action.step.describe());
    if netlink(action, "look up bond", opts, b.net.link(name)).await?.is_none() {
        let add = b.net.add_bond(name, mode_number(mode), miimon);
        match tokio::time::timeout(opts.step_timeout, add).await {
            Ok(Err(e)) if e.errno() == Some(EEXIST) => {
                // Loading the bonding module for this request made its
                // default bond0 (max_bonds=1) under our feet: adopt it below.
                debug!(device = %name, "{name} appeared while it was being created");
            }
            Ok(r) => {
                r.map_err(|e| net_error(action, &step, &e, e.to_string()))?;
                let mode = mode_name(mode);
                info!(
                    device = %name,
                    action = "create_bond",
                    policy = action.policy,
                    mode,
                    miimon,
                    "{name}: created bond, mode {mode}, miimon {miimon}"
                );
                return Ok(true);
            }
            Err(_) => return Err(CallError::Timeout(opts.step_timeout).at(name, step)),
        }
    }

    // The bond exists: someone (or the bonding module) made it since discovery.
    let changed = set_bond_mode(action, b, mode, opts).await?;
    Ok(set_bond_miimon(action, b, miimon, opts).await? || changed)
}

pub(super) async fn set_bond_mode(
    action: &Action,
    b: &Backend,
    to: BondMode,
    opts: &ApplyOptions,
) -> Result<bool, DeviceError> {
    let (name, step) = (&action.device, format!("set bond mode {}", mode_name(to)));
    let link = netlink(action, "look up bond", opts, b.net.link(name)).await?;
    let Some(have) = link.and_then(|l| l.bond) else {
        return Err(DeviceError::new(name, step, "not a bond, or gone"));
    };
    if have.mode == mode_number(to) {
        return Ok(false);
    }
    netlink(action, &step, opts, b.net.set_bond_mode(name, mode_number(to))).await?;
    let from = BondMode::NAMES.get(usize::from(have.mode)).copied().unwrap_or("unknown");
    let to = mode_name(to);
    info!(
        device = %name,
        action = "set_bond_mode",
        policy = action.policy,
        from,
        to,
        "{name}: set bond mode {from} -> {to}"
    );
    Ok(true)
}

pub(super) async fn set_bond_miimon(
    action: &Action,
    b: &Backend,
    to: u32,
    opts: &ApplyOptions,
) -> Result<bool, DeviceError> {
    let (name, step) = (&action.device, format!("set miimon {to}"));
    let link = netlink(action, "look up bond", opts, b.net.link(name)).await?;
    let Some(have) = link.and_then(|l| l.bond) else {
        return Err(DeviceError::new(name, step, "not a bond, or gone"));
    };
    if have.miimon == to {
        return Ok(false);
    }
    netlink(action, &step, opts, b.net.set_bond_miimon(name, to)).await?;
    info!(
        device = %name,
        action = "set_bond_miimon",
        policy = action.policy,
        from = have.miimon,
        to,
        "{name}: set miimon {} -> {to}",
        have.miimon
    );
    Ok(true)
}

pub(super) async fn enslave(
    action: &Action,
    b: &Backend,
    slave: &str,
    opts: &ApplyOptions,
) -> Result<bool, DeviceError> {
    let (bond, step) = (&action.device, action.step.describe());
    let Some(master) = netlink(action, "look up bond", opts, b.net.link(bond)).await? else {
        return Err(DeviceError::new(bond, step, "the bond is gone"));
    };
    let Some(link) = netlink(action, &format!("look up {slave}"), opts, b.net.link(slave)).await?
    else {
        let mut e = DeviceError::new(bond, step, format!("{slave} is gone"));
        e.waiting = true;
        return Err(e);
    };
    match link.master {
        Some(m) if m == master.index => return Ok(false),
        Some(m) => {
            let cause = format!("{slave} is already enslaved to ifindex {m}");
            return Err(DeviceError::new(bond, step, cause));
        }
        None => {}
    }
    netlink(action, &step, opts, b.net.enslave(slave, bond)).await?;
    info!(
        device = %bond,
        action = "enslave",
        policy = action.policy,
        interface = slave,
        "{bond}: enslaved {slave}"
    );
    Ok(true)
}

pub(super) async fn set_up(
    action: &Action,
    b: &Backend,
    opts: &ApplyOptions,
) -> Result<bool, DeviceError> {
    let (name, step) = (&action.device, action.step.describe());
    let Some(link) = netlink(action, "look up link", opts, b.net.link(name)).await? else {
        return Err(DeviceError::new(name, step, "the interface is gone"));
    };
    if link.up {
        return Ok(false);
    }
    netlink(action, &step, opts, b.net.set_up(name)).await?;
    info!(device = %name, action = "set_up", policy = action.policy, "{name}: set link up");
    Ok(true)
}

//! Bond planning: create the bond if it is missing, fix its miimon, enslave
//! the configured interfaces that exist, and bring it up.

use super::{DeviceError, DevicePlan, Step, BOND_BUS};
use crate::config::Config;
use crate::discover::{Device, Iface};
use crate::plan::step::mode_name;
use crate::sys::DeviceKey;

/// Plans `config.bond_configs[index]` against the interfaces that exist.
///
/// A slave that does not exist yet is not an error: the bond is built with
/// the others and the plan says it is waiting; the slave's udev event brings
/// it back. A slave enslaved to another device, or an existing bond in
/// another mode, is an error: changing either would cut traffic that someone
/// else set up, so an operator has to decide.
pub fn plan_bond(config: &Config, index: usize, ifaces: &[Iface]) -> DevicePlan {
    let bc = &config.bond_configs[index];
    let mut out = DevicePlan::new(DeviceKey::new(BOND_BUS, &bc.bond_name));
    out.policy = Some(index);
    let find = |name: &str| ifaces.iter().find(|i| i.name == name);

    let mut steps = Vec::new();
    let mut up = false;
    match find(&bc.bond_name) {
        None => steps.push(Step::CreateBond { mode: bc.mode, miimon: bc.mii_monitor }),
        Some(iface) => {
            let Some(have) = &iface.bond else {
                let cause = "an interface by that name exists and is not a bond";
                out.error = Some(DeviceError::new(&out.device, "create bond", cause));
                return out;
            };
            if have.mode != mode_name(bc.mode) {
                // The kernel takes a new mode only on a bond that is down
                // without slaves; one in use belongs to someone's traffic.
                if iface.up || !have.slaves.is_empty() {
                    let cause = format!(
                        "the bond exists in mode {}, the config asks for {}; the kernel \
                         changes a bond's mode only while it is down and has no slaves, so \
                         delete it (ip link del {}) to let sriov-manager build it",
                        have.mode,
                        mode_name(bc.mode),
                        bc.bond_name
                    );
                    out.error = Some(DeviceError::new(&out.device, "check bond mode", cause));
                    return out;
                }
                steps.push(Step::SetBondMode { from: have.mode.clone(), to: bc.mode });
            }
            if have.miimon != bc.mii_monitor {
                steps.push(Step::SetBondMiimon { from: have.miimon, to: bc.mii_monitor });
            }
            up = iface.up;
        }
    }

    let mut missing = Vec::new();
    for slave in &bc.slave_interfaces {
        match find(slave).map(|s| s.master.as_deref()) {
            None => missing.push(slave.as_str()),
            Some(Some(m)) if m == bc.bond_name => {}
            Some(Some(other)) => {
                let cause = format!("{slave} is already enslaved to {other}");
                out.error = Some(DeviceError::new(&out.device, format!("enslave {slave}"), cause));
                return out;
            }
            Some(None) => steps.push(Step::Enslave { slave: slave.clone() }),
        }
    }
    if !up {
        steps.push(Step::SetUp);
    }
    out.actions = steps.into_iter().map(|s| out.action(s)).collect();

    if !missing.is_empty() {
        let cause = format!("waiting for {} to appear", missing.join(", "));
        let mut e = DeviceError::new(&out.device, "enslave", cause);
        e.waiting = true;
        out.error = Some(e);
    }
    out
}

/// The bonds (by index) that one of these devices' interfaces is a slave of,
/// plus the bonds named by `keys` themselves.
pub fn bonds_for(config: &Config, devices: &[&Device], keys: &[DeviceKey]) -> Vec<usize> {
    config
        .bond_configs
        .iter()
        .enumerate()
        .filter(|(_, bc)| {
            let named = keys.iter().any(|k| k.bus == BOND_BUS && k.address == bc.bond_name);
            let slave_of = devices
                .iter()
                .any(|d| d.interfaces.iter().any(|i| bc.slave_interfaces.contains(i)));
            named || slave_of
        })
        .map(|(i, _)| i)
        .collect()
}

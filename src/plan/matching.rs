//! Which policy applies to which PF.
//!
//! The rule, as the README documents it: a `vf-lag` policy applies only to PFs
//! with an interface that `bond_configs` enslaves, a `single-home` policy only
//! to PFs without one; IDs and the optional selectors narrow further. A PF that
//! still matches two policies is an error, never a guess.

use crate::config::{Config, DevicePolicy, PolicyMode};
use crate::discover::Device;

/// The policies that select `dev`, by index.
pub fn matching_policies(config: &Config, dev: &Device) -> Vec<usize> {
    let is_slave = dev.interfaces.iter().any(|i| config.bond_slaves().any(|s| s == i));
    config
        .device_policies
        .iter()
        .enumerate()
        .filter(|(_, p)| selects(p, dev, is_slave))
        .map(|(i, _)| i)
        .collect()
}

fn selects(p: &DevicePolicy, dev: &Device, is_slave: bool) -> bool {
    let mode_fits = match p.mode {
        PolicyMode::VfLag => is_slave,
        PolicyMode::SingleHome => !is_slave,
    };
    let id_fits = |want: &Option<String>, have: &Option<String>| match want {
        Some(w) => have.as_deref() == Some(w.as_str()),
        None => true,
    };
    let list_fits =
        |list: &[String], pred: &dyn Fn(&String) -> bool| list.is_empty() || list.iter().any(pred);

    mode_fits
        && id_fits(&p.vendor_id, &dev.vendor_id)
        && id_fits(&p.device_id, &dev.device_id)
        && list_fits(&p.pci_addresses, &|a| *a == dev.address)
        && list_fits(&p.pf_names, &|n| dev.interfaces.contains(n))
        && list_fits(&p.drivers, &|d| dev.driver.as_deref() == Some(d.as_str()))
}

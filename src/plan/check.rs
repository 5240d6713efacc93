//! `--validate` against the live host: what only the devices can tell.

use super::matching::matching_policies;
use crate::config::{Config, Diagnostic};
use crate::discover::{Device, Iface};
use crate::ids;

/// Host-dependent findings: policies that match nothing, VF IDs used as PF
/// IDs, devices that two policies select, VF counts a device cannot hold,
/// and bond slaves that are missing or belong to another master.
pub fn check_host(config: &Config, devices: &[Device], ifaces: &[Iface]) -> Vec<Diagnostic> {
    let mut diags = check_bonds(config, ifaces);
    let mut matched = vec![0usize; config.device_policies.len()];

    for dev in devices {
        let policies = matching_policies(config, dev);
        for &i in &policies {
            matched[i] += 1;
        }
        let name = dev.key().to_string();
        if let [a, b, ..] = policies[..] {
            diags.push(Diagnostic::error(
                format!("device_policies[{b}]"),
                format!(
                    "{name} matches both {} and {}; narrow one with pci_addresses, pf_names \
                     or drivers",
                    config.device_policies[a].label(a),
                    config.device_policies[b].label(b)
                ),
            ));
            continue;
        }
        for i in policies {
            let want = config.device_policies[i].num_vfs;
            if let Some(max) = dev.total_vfs.filter(|&max| want > max) {
                diags.push(Diagnostic::error(
                    format!("device_policies[{i}].num_vfs"),
                    format!("{want} VFs asked, but {name} supports at most {max} (sriov_totalvfs)"),
                ));
            }
        }
    }

    for (i, p) in config.device_policies.iter().enumerate() {
        if matched[i] == 0 {
            diags.push(Diagnostic::warning(
                format!("device_policies[{i}]"),
                "matches no device on this host",
            ));
        }
        let (Some(vendor), Some(device)) = (&p.vendor_id, &p.device_id) else {
            continue;
        };
        if ids::known(vendor, device).is_some() {
            continue; // the static check already explained a known ID
        }
        let pf = devices.iter().find(|d| {
            d.vendor_id.as_ref() == Some(vendor) && d.vf_device_id.as_ref() == Some(device)
        });
        if let Some(pf) = pf {
            diags.push(Diagnostic::warning(
                format!("device_policies[{i}].device_id"),
                format!(
                    "{vendor}:{device} is the ID of the VFs that {} ({}) creates; policies match \
                     PFs, so this probably means device_id \"{}\"",
                    pf.address,
                    pf.pci_id(),
                    pf.device_id.as_deref().unwrap_or("?")
                ),
            ));
        }
    }
    diags
}

/// Bond slaves that do not exist (a warning: the bond waits for them) or that
/// another device holds (an error: sriov-manager will not move them).
fn check_bonds(config: &Config, ifaces: &[Iface]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for (i, bc) in config.bond_configs.iter().enumerate() {
        for (j, slave) in bc.slave_interfaces.iter().enumerate() {
            let path = format!("bond_configs[{i}].slave_interfaces[{j}]");
            match ifaces.iter().find(|f| f.name == *slave).map(|f| f.master.as_deref()) {
                None => diags.push(Diagnostic::warning(
                    path,
                    format!(
                        "no interface {slave} on this host (yet); {} is built without it and \
                         takes it when it appears",
                        bc.bond_name
                    ),
                )),
                Some(Some(m)) if m != bc.bond_name => diags.push(Diagnostic::error(
                    path,
                    format!("{slave} is enslaved to {m}; sriov-manager will not move it"),
                )),
                Some(_) => {}
            }
        }
    }
    diags
}

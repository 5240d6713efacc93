//! `--validate` against the live host: what only the devices can tell.

use super::matching::matching_policies;
use crate::config::{Config, Diagnostic};
use crate::discover::Device;
use crate::ids;

/// Host-dependent findings: policies that match nothing, VF IDs used as PF
/// IDs, devices that two policies select, and VF counts a device cannot hold.
pub fn check_host(config: &Config, devices: &[Device]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
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

use std::path::Path;

use super::*;
use crate::config::{parse, Severity};
use crate::discover::{EswitchState, Vf};

fn config(text: &str) -> Config {
    parse(text, Path::new("t.json")).unwrap().config
}

fn default_config() -> Config {
    config(crate::config::DEFAULT_JSON)
}

fn dev(address: &str, vendor: &str, device: &str, ifname: &str, total: u32, num: u32) -> Device {
    Device {
        address: address.into(),
        bus: "pci".into(),
        vendor_id: Some(vendor.into()),
        device_id: Some(device.into()),
        name: None,
        driver: Some("mlx5_core".into()),
        numa_node: Some(0),
        total_vfs: Some(total),
        num_vfs: Some(num),
        vf_device_id: None,
        interfaces: vec![ifname.into()],
        bond_master: None,
        eswitch_mode: EswitchState::Unknown,
        vfs: (0..num)
            .map(|i| Vf {
                index: i,
                address: format!("vf{i}"),
                interfaces: vec![],
                driver: None,
                link: None,
            })
            .collect(),
        problems: vec![],
    }
}

fn steps(p: &Plan) -> Vec<(String, u32, u32)> {
    p.actions()
        .filter_map(|a| match a.step {
            Step::SetNumVfs { from, to } => Some((a.device.clone(), from, to)),
            _ => None,
        })
        .collect()
}

#[test]
fn default_config_sends_bond_slaves_to_vf_lag_and_others_to_single_home() {
    let c = default_config();
    let slave = dev("0000:3b:00.0", "15b3", "1021", "ens60f0np0", 16, 0);
    let alone = dev("0000:5e:00.0", "15b3", "1021", "ens70f0np0", 16, 0);
    assert_eq!(matching::matching_policies(&c, &slave), [1]);
    assert_eq!(matching::matching_policies(&c, &alone), [0]);

    let p = plan(&c, &[slave, alone], &[]);
    assert_eq!(p.devices.iter().map(|d| d.policy).collect::<Vec<_>>(), [Some(1), Some(0)]);
    assert_eq!(steps(&p), [("0000:3b:00.0".into(), 0, 4), ("0000:5e:00.0".into(), 0, 4)]);
}

#[test]
fn unmatched_devices_are_left_out() {
    let mut c = default_config();
    c.bond_configs.clear();
    let p = plan(&c, &[dev("0000:01:00.0", "8086", "1521", "eno1", 7, 0)], &[]);
    assert!(p.devices.is_empty() && p.is_empty());
}

#[test]
fn vf_count_goes_through_zero_and_is_empty_when_configured() {
    let c = config(
        r#"{"version": "1.0", "device_policies": [{"drivers": ["mlx5_core"], "num_vfs": 4}]}"#,
    );
    let cases =
        [(0, vec![(0, 4)]), (4, vec![]), (2, vec![(2, 0), (0, 4)]), (6, vec![(6, 0), (0, 4)])];
    for (have, want) in cases {
        let p = plan(&c, &[dev("0000:3b:00.0", "15b3", "1021", "eth0", 16, have)], &[]);
        let got: Vec<(u32, u32)> = steps(&p).into_iter().map(|(_, f, t)| (f, t)).collect();
        assert_eq!(got, want, "from {have}");
        assert_eq!(p.is_empty(), want.is_empty());
    }
    let c = config(
        r#"{"version": "1.0", "device_policies": [{"drivers": ["mlx5_core"], "num_vfs": 0}]}"#,
    );
    let p = plan(&c, &[dev("0000:3b:00.0", "15b3", "1021", "eth0", 16, 3)], &[]);
    assert_eq!(steps(&p), [("0000:3b:00.0".into(), 3, 0)]);
}

#[test]
fn too_many_vfs_fails_that_device_only() {
    let c = config(
        r#"{"version": "1.0", "device_policies": [{"drivers": ["mlx5_core"], "num_vfs": 8}]}"#,
    );
    let small = dev("0000:01:00.0", "8086", "10c9", "eth0", 7, 0);
    let big = dev("0000:02:00.0", "15b3", "1021", "eth1", 16, 0);
    let p = plan(&c, &[small, big], &[]);
    let errs: Vec<String> = p.errors().map(|e| e.to_string()).collect();
    assert_eq!(
        errs,
        ["0000:01:00.0: set sriov_numvfs to 8: device supports at most 7 VFs (sriov_totalvfs)"]
    );
    assert_eq!(steps(&p), [("0000:02:00.0".into(), 0, 8)]);
}

#[test]
fn two_matching_policies_is_an_error_naming_both() {
    let c = config(
        r#"{"version": "1.0", "device_policies": [
             {"vendor_id": "15b3", "device_id": "1021", "num_vfs": 4, "description": "cx7"},
             {"drivers": ["mlx5_core"], "num_vfs": 2}]}"#,
    );
    let p = plan(&c, &[dev("0000:3b:00.0", "15b3", "1021", "eth0", 16, 0)], &[]);
    let e = p.errors().next().unwrap().to_string();
    assert_eq!(
        e,
        "0000:3b:00.0: match policy: matches two policies: device_policies[0] (cx7) and \
         device_policies[1]"
    );
    assert_eq!(p.actions().count(), 0);
}

#[test]
fn selectors_narrow_by_address_name_and_driver() {
    let c = config(
        r#"{"version": "1.0", "device_policies": [
             {"vendor_id": "15b3", "device_id": "1021", "num_vfs": 1,
              "pci_addresses": ["0000:3b:00.1"]},
             {"vendor_id": "15b3", "device_id": "1021", "num_vfs": 2, "pf_names": ["eth0"]},
             {"vendor_id": "15b3", "device_id": "1021", "num_vfs": 3, "drivers": ["other"]}]}"#,
    );
    let a = dev("0000:3b:00.0", "15b3", "1021", "eth0", 16, 0);
    let b = dev("0000:3b:00.1", "15b3", "1021", "eth1", 16, 0);
    let mut c2 = dev("0000:3b:00.2", "15b3", "1021", "eth2", 16, 0);
    assert_eq!(matching::matching_policies(&c, &a), [1]);
    assert_eq!(matching::matching_policies(&c, &b), [0]);
    assert!(matching::matching_policies(&c, &c2).is_empty());
    c2.driver = Some("other".into());
    assert_eq!(matching::matching_policies(&c, &c2), [2]);
    c2.driver = None;
    assert!(matching::matching_policies(&c, &c2).is_empty());
}

#[test]
fn unreadable_num_vfs_is_a_device_error_with_the_reason() {
    let c = config(
        r#"{"version": "1.0", "device_policies": [{"drivers": ["mlx5_core"], "num_vfs": 4}]}"#,
    );
    let mut d = dev("0000:3b:00.0", "15b3", "1021", "eth0", 16, 0);
    d.num_vfs = None;
    d.problems.push("sriov_numvfs: Is a directory (os error 21)".into());
    let e = plan(&c, &[d], &[]).errors().next().unwrap().to_string();
    assert_eq!(
        e,
        "0000:3b:00.0: set sriov_numvfs to 4: sriov_numvfs: Is a directory (os error 21)"
    );
}

#[test]
fn devices_without_pci_ids_match_by_driver_and_are_named_by_bus() {
    let c = config(
        r#"{"version": "1.0", "device_policies": [{"drivers": ["netdevsim"], "num_vfs": 2}]}"#,
    );
    let mut d = dev("netdevsim10", "", "", "eni10np1", 0, 0);
    (d.bus, d.vendor_id, d.device_id, d.total_vfs, d.driver) =
        ("netdevsim".into(), None, None, None, Some("netdevsim".into()));
    let p = plan(&c, &[d], &[]);
    assert_eq!(steps(&p), [("netdevsim/netdevsim10".into(), 0, 2)]);
}

#[test]
fn host_check_reports_no_match_conflicts_limits_and_vf_ids() {
    let c = config(
        r#"{"version": "1.0", "device_policies": [
             {"vendor_id": "8086", "device_id": "10c9", "num_vfs": 8},
             {"pci_addresses": ["0000:02:00.0"], "num_vfs": 1},
             {"drivers": ["mlx5_core"], "num_vfs": 1},
             {"vendor_id": "abcd", "device_id": "0002", "num_vfs": 1}]}"#,
    );
    let mut igb = dev("0000:01:00.0", "8086", "10c9", "eth0", 7, 0);
    igb.driver = Some("igb".into());
    let mut other = dev("0000:02:00.0", "abcd", "0001", "eth1", 4, 0);
    other.vf_device_id = Some("0002".into());
    let diags = check_host(&c, &[igb, other], &[]);
    let text: Vec<String> = diags.iter().map(|d| d.to_string()).collect();

    let too_many = "error: device_policies[0].num_vfs: 8 VFs asked, but 0000:01:00.0 supports \
                    at most 7 (sriov_totalvfs)";
    assert!(text.contains(&too_many.into()), "{text:#?}");
    let conflict = "error: device_policies[2]: 0000:02:00.0 matches both device_policies[1] and \
                    device_policies[2]";
    assert!(text.iter().any(|t| t.starts_with(conflict)), "{text:#?}");
    assert!(
        text.iter().any(|t| t == "warning: device_policies[3]: matches no device on this host"),
        "{text:#?}"
    );
    let vf_id = "warning: device_policies[3].device_id: abcd:0002 is the ID of the VFs that \
                 0000:02:00.0 (abcd:0001)";
    assert!(text.iter().any(|t| t.starts_with(vf_id)), "{text:#?}");
    assert_eq!(diags.iter().filter(|d| d.severity == Severity::Error).count(), 2, "{text:#?}");
}

use super::check::check_host;

#[test]
fn a_pf_without_driver_waits_instead_of_failing() {
    let c = config(
        r#"{"version": "1.0",
            "device_policies": [{"vendor_id": "15b3", "device_id": "1021", "num_vfs": 4}]}"#,
    );
    let mut d = dev("0000:3b:00.0", "15b3", "1021", "eth0", 16, 0);
    d.driver = None;
    let p = plan(&c, &[d.clone()], &[]);
    let e = p.errors().next().unwrap();
    assert!(e.waiting);
    assert_eq!(
        e.to_string(),
        "0000:3b:00.0: set sriov_numvfs to 4: no driver is bound; SR-IOV needs the PF's driver"
    );

    d.num_vfs = Some(4);
    assert!(plan(&c, &[d], &[]).is_empty(), "nothing to write, so nothing to wait for");
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever the host shows, the planned writes never ask the kernel for
        /// N -> M with both non-zero, end at the wanted count, and are empty
        /// exactly when nothing needs to change.
        #[test]
        fn vf_count_plans_are_safe_and_complete(
            have in 0u32..64,
            want in 0u32..64,
            total in 0u32..64,
        ) {
            let c = config(&format!(
                r#"{{"version": "1.0",
                     "device_policies": [{{"drivers": ["mlx5_core"], "num_vfs": {want}}}]}}"#
            ));
            let p = plan(&c, &[dev("0000:3b:00.0", "15b3", "1021", "eth0", total, have)], &[]);
            if want > total {
                prop_assert_eq!(p.errors().count(), 1);
                prop_assert_eq!(p.actions().count(), 0);
                return Ok(());
            }
            let mut now = have;
            for (_, from, to) in steps(&p) {
                prop_assert_eq!(from, now);
                prop_assert!(from == 0 || to == 0, "{} -> {} would be EBUSY", from, to);
                now = to;
            }
            prop_assert_eq!(now, want);
            prop_assert_eq!(p.is_empty(), have == want);
        }
    }

    proptest! {
        /// Any JSON text is either a config or a list of errors; never a panic.
        #[test]
        fn the_loader_never_panics(text in "\\PC{0,200}") {
            let _ = crate::config::parse(&text, Path::new("fuzz.json"));
        }

        #[test]
        fn the_loader_never_panics_on_config_shaped_json(
            v in prop_oneof![Just("1.0".to_string()), "[0-9a-z.]{0,4}"],
            n in proptest::num::i64::ANY,
            ids in "[0-9a-fA-FxZ]{0,6}",
        ) {
            let text = format!(
                r#"{{"version": "{v}",
                   "device_policies": [{{"vendor_id": "{ids}", "device_id": "{ids}",
                                         "num_vfs": {n}}}],
                   "bond_configs": [{{"bond_name": "{ids}", "slave_interfaces": ["{ids}"],
                                      "mode": "802.3ad", "mii_monitor": {n}}}]}}"#
            );
            let _ = crate::config::parse(&text, Path::new("fuzz.json"));
        }
    }
}

mod lag;

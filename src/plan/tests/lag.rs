//! Switchdev, VF-LAG, VF settings and bonds: the orderings table.

use super::{config, dev};
use crate::discover::{BondInfo, EswitchState, Iface, VfLink};
use crate::plan::{plan, plan_bond, Plan, Step};

/// `device: action` for every action, in the order apply runs them.
fn order(p: &Plan) -> Vec<String> {
    p.actions().map(|a| format!("{}: {}", a.device, a.step.name())).collect()
}

fn iface(name: &str, master: Option<&str>) -> Iface {
    Iface { name: name.into(), up: true, master: master.map(str::to_string), bond: None }
}

fn bond(name: &str, mode: &str, miimon: u32, slaves: &[&str], up: bool) -> Iface {
    let slaves = slaves.iter().map(|s| s.to_string()).collect();
    let info = BondInfo { mode: mode.into(), miimon, slaves };
    Iface { name: name.into(), up, master: None, bond: Some(info) }
}

const LAG: &str = r#"{"version": "1.0",
  "device_policies": [{"vendor_id": "15b3", "device_id": "1021", "num_vfs": 2,
                       "mode": "vf-lag", "enable_switch": true}],
  "bond_configs": [{"bond_name": "bond0", "slave_interfaces": ["p0", "p1"],
                    "mode": "active-backup", "mii_monitor": 100}]}"#;

#[test]
fn vf_lag_follows_the_documented_connectx_order() {
    let c = config(LAG);
    let (a, b) = (dev("0000:3b:00.0", "15b3", "1021", "p0", 8, 0), {
        dev("0000:3b:00.1", "15b3", "1021", "p1", 8, 0)
    });
    let ifaces = [iface("p0", None), iface("p1", None)];
    let p = plan(&c, &[a, b], &ifaces);
    assert_eq!(
        order(&p),
        [
            "0000:3b:00.0: set_num_vfs",
            "0000:3b:00.0: unbind_vfs",
            "0000:3b:00.0: set_eswitch_mode",
            "0000:3b:00.1: set_num_vfs",
            "0000:3b:00.1: unbind_vfs",
            "0000:3b:00.1: set_eswitch_mode",
            "bond0: create_bond",
            "bond0: enslave",
            "bond0: enslave",
            "bond0: set_up",
            "0000:3b:00.0: bind_vfs",
            "0000:3b:00.1: bind_vfs",
        ]
    );
    assert!(p.errors().next().is_none());
}

#[test]
fn a_configured_vf_lag_host_plans_nothing() {
    let c = config(LAG);
    let mut a = dev("0000:3b:00.0", "15b3", "1021", "p0", 8, 2);
    let mut b = dev("0000:3b:00.1", "15b3", "1021", "p1", 8, 2);
    a.eswitch_mode = EswitchState::Switchdev;
    b.eswitch_mode = EswitchState::Switchdev;
    let ifaces = [
        bond("bond0", "active-backup", 100, &["p0", "p1"], true),
        iface("p0", Some("bond0")),
        iface("p1", Some("bond0")),
    ];
    assert!(plan(&c, &[a, b], &ifaces).is_empty());
}

#[test]
fn switchdev_on_a_bus_without_vf_drivers_needs_no_unbind() {
    let c = config(
        r#"{"version": "1.0", "device_policies": [
             {"drivers": ["netdevsim"], "num_vfs": 2, "enable_switch": true}]}"#,
    );
    let mut d = dev("netdevsim10", "", "", "eni10np1", 0, 0);
    (d.bus, d.vendor_id, d.device_id, d.total_vfs) = ("netdevsim".into(), None, None, None);
    d.driver = Some("netdevsim".into());
    d.eswitch_mode = EswitchState::Legacy;
    let p = plan(&c, &[d], &[]);
    assert_eq!(
        order(&p),
        ["netdevsim/netdevsim10: set_num_vfs", "netdevsim/netdevsim10: set_eswitch_mode"]
    );
}

#[test]
fn a_policy_without_switchdev_returns_a_switchdev_eswitch_to_legacy_and_skips_unknown() {
    let c = config(
        r#"{"version": "1.0", "device_policies": [
             {"vendor_id": "15b3", "device_id": "1021", "num_vfs": 2}]}"#,
    );
    let mut d = dev("0000:3b:00.0", "15b3", "1021", "p0", 8, 2);
    d.eswitch_mode = EswitchState::Switchdev;
    let p = plan(&c, &[d.clone()], &[]);
    let step = &p.actions().nth(1).unwrap().step;
    assert_eq!(
        step,
        &Step::SetEswitchMode { from: EswitchState::Switchdev, to: EswitchState::Legacy, vfs: 2 }
    );
    assert_eq!(order(&p).last().unwrap(), "0000:3b:00.0: bind_vfs");

    d.eswitch_mode = EswitchState::Unknown;
    assert!(plan(&c, &[d], &[]).is_empty(), "no devlink: nothing to say about the mode");
}

const VF_SETTINGS: &str = r#"{"version": "1.0", "device_policies": [
  {"vendor_id": "8086", "device_id": "10c9", "num_vfs": 2, "pf_names": ["p0"],
   "vf_settings": [{"vf": 0, "mac": "02:00:00:00:01:00", "vlan": 100, "qos": 2,
                    "spoof_check": false, "trust": true},
                   {"vf": 1, "spoof_check": false}]}]}"#;

fn link(mac: &str, vlan: u16, qos: u8, spoof: bool, trust: bool) -> Option<VfLink> {
    let (spoof_check, trust) = (Some(spoof), Some(trust));
    Some(VfLink { mac: mac.into(), vlan, qos, spoof_check, trust })
}

#[test]
fn vf_settings_plan_only_what_differs() {
    let c = config(VF_SETTINGS);
    let mut d = dev("0000:01:00.0", "8086", "10c9", "p0", 7, 2);
    d.vfs[0].link = link("02:00:00:00:01:00", 100, 2, false, true);
    d.vfs[1].link = link("aa:00:00:00:00:01", 0, 0, true, false);
    let p = plan(&c, &[d.clone()], &[]);
    let sets: Vec<String> = p.actions().map(|a| a.to_string()).collect();
    assert_eq!(sets, ["0000:01:00.0: set vf 1 on p0: spoofchk off (device_policies[0])"]);

    d.vfs[1].link = link("aa:00:00:00:00:01", 0, 0, false, false);
    assert!(plan(&c, &[d.clone()], &[]).is_empty(), "everything in place");

    // Only the QoS differs: VLAN and QoS go together in one attribute.
    d.vfs[0].link = link("02:00:00:00:01:00", 100, 0, false, true);
    let sets: Vec<String> = plan(&c, &[d], &[]).actions().map(|a| a.to_string()).collect();
    assert_eq!(sets, ["0000:01:00.0: set vf 0 on p0: vlan 100 qos 2 (device_policies[0])"]);
}

#[test]
fn vf_settings_follow_vf_creation_in_full() {
    let c = config(VF_SETTINGS);
    let p = plan(&c, &[dev("0000:01:00.0", "8086", "10c9", "p0", 7, 0)], &[]);
    let sets: Vec<String> = p.actions().map(|a| a.to_string()).collect();
    assert_eq!(
        sets,
        [
            "0000:01:00.0: set sriov_numvfs 0 -> 2 (device_policies[0])",
            "0000:01:00.0: set vf 0 on p0: mac 02:00:00:00:01:00 vlan 100 qos 2 spoofchk off \
             trust on (device_policies[0])",
            "0000:01:00.0: set vf 1 on p0: spoofchk off (device_policies[0])",
        ]
    );
}

#[test]
fn a_pf_without_interface_creates_its_vfs_and_waits_for_settings() {
    let c = config(
        VF_SETTINGS
            .replace(r#""pf_names": ["p0"]"#, r#""pci_addresses": ["0000:01:00.0"]"#)
            .as_str(),
    );
    let mut d = dev("0000:01:00.0", "8086", "10c9", "p0", 7, 0);
    d.interfaces.clear();
    let p = plan(&c, &[d], &[]);
    assert_eq!(order(&p), ["0000:01:00.0: set_num_vfs"]);
    let e = p.errors().next().unwrap();
    assert!(e.waiting, "{e}");
}

const BOND: &str = r#"{"version": "1.0", "bond_configs": [
  {"bond_name": "bond0", "slave_interfaces": ["p0", "p1"], "mode": "active-backup"}]}"#;

fn bond_steps(ifaces: &[Iface]) -> (Vec<String>, Option<String>) {
    let p = plan_bond(&config(BOND), 0, ifaces);
    let steps = p.actions.iter().map(|a| a.to_string()).collect();
    (steps, p.error.map(|e| format!("{}{e}", if e.waiting { "waiting: " } else { "" })))
}

#[test]
fn a_bond_is_built_with_the_slaves_there_and_waits_for_the_rest() {
    let (steps, err) = bond_steps(&[iface("p0", None)]);
    assert_eq!(
        steps,
        [
            "bond0: create bond (mode active-backup miimon 100) (bond_configs[0])",
            "bond0: enslave p0 (bond_configs[0])",
            "bond0: set link up (bond_configs[0])",
        ]
    );
    assert_eq!(err.as_deref(), Some("waiting: bond0: enslave: waiting for p1 to appear"));

    // The slave appears: only it is enslaved.
    let (steps, err) = bond_steps(&[
        bond("bond0", "active-backup", 100, &["p0"], true),
        iface("p0", Some("bond0")),
        iface("p1", None),
    ]);
    assert_eq!(steps, ["bond0: enslave p1 (bond_configs[0])"]);
    assert_eq!(err, None);
}

#[test]
fn a_bond_in_use_is_never_rebuilt_but_a_fresh_module_bond_is_adopted() {
    let slaves = [iface("p0", Some("bond0")), iface("p1", None)];
    let in_use = bond("bond0", "balance-rr", 100, &["p0"], true);
    let (steps, err) = bond_steps(&[in_use, slaves[0].clone(), slaves[1].clone()]);
    assert!(steps.is_empty());
    assert!(err.unwrap().contains("exists in mode balance-rr"));

    // What `modprobe bonding` leaves behind: bond0, balance-rr, miimon 0, down.
    let fresh = bond("bond0", "balance-rr", 0, &[], false);
    let (steps, err) = bond_steps(&[fresh, iface("p0", None), iface("p1", None)]);
    assert_eq!(
        steps,
        [
            "bond0: set bond mode balance-rr -> active-backup (bond_configs[0])",
            "bond0: set miimon 0 -> 100 (bond_configs[0])",
            "bond0: enslave p0 (bond_configs[0])",
            "bond0: enslave p1 (bond_configs[0])",
            "bond0: set link up (bond_configs[0])",
        ]
    );
    assert_eq!(err, None);
}

#[test]
fn a_slave_of_another_master_or_a_non_bond_name_is_an_error() {
    let (steps, err) = bond_steps(&[iface("p0", Some("br0")), iface("p1", None)]);
    assert!(steps.is_empty());
    assert_eq!(err.as_deref(), Some("bond0: enslave p0: p0 is already enslaved to br0"));

    let (_, err) = bond_steps(&[iface("bond0", None)]);
    assert!(err.unwrap().contains("exists and is not a bond"));
}

#[test]
fn validate_warns_of_missing_slaves_and_refuses_slaves_of_another_master() {
    let c = config(BOND);
    let diags = crate::plan::check::check_host(&c, &[], &[iface("p0", Some("br0"))]);
    let text: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        text,
        [
            "error: bond_configs[0].slave_interfaces[0]: p0 is enslaved to br0; sriov-manager \
             will not move it",
            "warning: bond_configs[0].slave_interfaces[1]: no interface p1 on this host (yet); \
             bond0 is built without it and takes it when it appears",
        ]
    );
}

#[test]
fn ice_changes_the_mode_at_zero_vfs_as_intel_documents() {
    let c = config(
        r#"{"version": "1.0", "device_policies": [
             {"drivers": ["ice"], "num_vfs": 4, "enable_switch": true}]}"#,
    );
    let mut d = dev("0000:af:00.0", "8086", "1592", "ens1f0", 128, 4);
    d.driver = Some("ice".into());
    d.eswitch_mode = EswitchState::Legacy;
    let p = plan(&c, &[d.clone()], &[]);
    let text: Vec<String> = p.actions().map(|a| a.to_string()).collect();
    assert_eq!(
        text,
        [
            "0000:af:00.0: set sriov_numvfs 4 -> 0 (device_policies[0])",
            "0000:af:00.0: set eswitch mode legacy -> switchdev (device_policies[0])",
            "0000:af:00.0: set sriov_numvfs 0 -> 4 (device_policies[0])",
        ],
        "no unbind, no bind: the VFs are created after the mode change"
    );

    // From 0 VFs (at boot) there is nothing to remove first.
    d.num_vfs = Some(0);
    d.vfs.clear();
    let order: Vec<&str> = plan(&c, &[d], &[]).actions().map(|a| a.step.name()).collect();
    assert_eq!(order, ["set_eswitch_mode", "set_num_vfs"]);
}

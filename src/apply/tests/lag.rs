//! Apply with netlink steps, against the fake kernel: the VF-LAG order, VFs
//! rebound after a failure, bonds adopted or partly built, and a second
//! apply that changes nothing.

use std::sync::Arc;

use super::{opts, table, Table};
use crate::apply::{apply, Backend};
use crate::config::{BondMode, VfSettings};
use crate::discover::EswitchState;
use crate::netlink::devlink::EswitchMode;
use crate::netlink::fault::FakeNet;
use crate::plan::{Action, DevicePlan, Plan, Step, BOND_BUS};
use crate::sys::fault::{FaultyHost, Op};
use crate::sys::{DeviceKey, Host};

const EBUSY: i32 = 16;

fn unit(key: DeviceKey, device: &str, steps: Vec<Step>, after: Vec<Step>) -> DevicePlan {
    let action = |step| Action { device: device.into(), key: key.clone(), policy: 0, step };
    DevicePlan {
        key: key.clone(),
        device: device.into(),
        policy: Some(0),
        actions: steps.into_iter().map(action).collect(),
        after_bonds: after.into_iter().map(action).collect(),
        error: None,
    }
}

/// One VF-LAG PF: 2 VFs, unbind, switchdev, a MAC on VF 0; VFs back after the bond.
fn lag_pf(address: &str, ifname: &str, mac: &str) -> DevicePlan {
    let settings = VfSettings { vf: 0, mac: Some(mac.into()), ..VfSettings::default() };
    let steps = vec![
        Step::SetNumVfs { from: 0, to: 2 },
        Step::UnbindVfs { for_mode: EswitchState::Switchdev },
        Step::SetEswitchMode { from: EswitchState::Legacy, to: EswitchState::Switchdev, vfs: 2 },
        Step::SetVf { interface: ifname.into(), settings },
    ];
    unit(DeviceKey::new("pci", address), address, steps, vec![Step::BindVfs])
}

fn bond0() -> DevicePlan {
    let steps = vec![
        Step::CreateBond { mode: BondMode::ActiveBackup, miimon: 100 },
        Step::Enslave { slave: "p0".into() },
        Step::Enslave { slave: "p1".into() },
        Step::SetUp,
    ];
    unit(DeviceKey::new(BOND_BUS, "bond0"), "bond0", steps, vec![])
}

fn lag_plan() -> Plan {
    Plan {
        devices: vec![
            lag_pf("a", "p0", "02:00:00:00:00:0a"),
            lag_pf("b", "p1", "02:00:00:00:00:0b"),
        ],
        bonds: vec![bond0()],
    }
}

/// Two PFs in legacy mode whose interfaces already show 2 VFs each (the
/// fake kernel does not link sysfs and netlink).
fn lag_net() -> FakeNet {
    FakeNet::new()
        .with_eswitch("pci/a", EswitchMode::Legacy)
        .with_eswitch("pci/b", EswitchMode::Legacy)
        .with_link("p0", 2)
        .with_link("p1", 2)
}

fn host() -> Arc<FaultyHost<Table>> {
    Arc::new(FaultyHost::new(table(&[("a", 0), ("b", 0)])))
}

/// The addresses of every `op` call, sorted: PFs run concurrently.
fn ops(host: &FaultyHost<Table>, op: Op) -> Vec<String> {
    let mut out: Vec<String> =
        host.calls().into_iter().filter(|c| c.op == op).map(|c| c.address).collect();
    out.sort();
    out
}

#[tokio::test]
async fn vf_lag_builds_the_bond_over_switchdev_pfs_then_rebinds_and_a_rerun_is_a_no_op() {
    let (host, net) = (host(), Arc::new(lag_net()));
    let backend = Backend { sys: host.clone(), net: net.clone() };
    let report = apply(&lag_plan(), &backend, opts(1000)).await;
    assert_eq!(report.failures().count(), 0, "{report:?}");

    let writes = net.writes();
    let pos = |w: &str| writes.iter().position(|c| c.starts_with(w)).unwrap();
    assert!(pos("set_eswitch_mode pci/a") < pos("add_bond bond0"), "{writes:?}");
    assert!(pos("set_eswitch_mode pci/b") < pos("add_bond bond0"), "{writes:?}");
    assert!(pos("add_bond") < pos("enslave p0") && pos("enslave p1") < pos("set_up bond0"));
    assert_eq!(net.mode("pci/a"), Some(EswitchMode::Switchdev));
    assert_eq!(net.vf_state("p1")[0].mac, [2, 0, 0, 0, 0, 0x0b]);
    let bond = net.link_state("bond0").unwrap();
    assert_eq!(net.link_state("p0").unwrap().master, Some(bond.index));
    assert!(bond.up);

    // Every VF was unbound before the mode change and is bound again.
    assert_eq!(ops(&host, Op::Unbind), ["a-vf0", "a-vf1", "b-vf0", "b-vf1"]);
    assert_eq!(ops(&host, Op::Probe).len(), 4);
    assert!(host.vf_drivers(&DeviceKey::new("pci", "a")).unwrap().iter().all(|v| v.1.is_some()));
    assert_eq!(report.changes(), 2 * 5 + 4, "2 PFs x 5 changes, and the bond's 4");

    // Applying the same plan again reads, compares and writes nothing.
    let (host_writes, net_writes) = (host.writes().len(), net.writes().len());
    let again = apply(&lag_plan(), &backend, opts(1000)).await;
    assert_eq!((again.changes(), again.failures().count()), (0, 0));
    assert_eq!((host.writes().len(), net.writes().len()), (host_writes, net_writes));
}

#[tokio::test]
async fn a_refused_mode_change_still_gives_the_vfs_back_and_spares_the_other_pf() {
    // mlx5 answers EBUSY when something still holds the eswitch.
    let net = Arc::new(lag_net().fail("set_eswitch_mode", "pci/a", EBUSY));
    let host = host();
    let backend = Backend { sys: host.clone(), net: net.clone() };
    let report = apply(&lag_plan(), &backend, opts(1000)).await;

    let errors: Vec<String> = report.failures().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("a: set eswitch mode switchdev: "), "{errors:?}");
    assert_eq!(report.failures().next().unwrap().errno, Some(EBUSY));
    // The fallback recreated a's VFs around a second refusal: they exist, bound.
    let a = host.vf_drivers(&DeviceKey::new("pci", "a")).unwrap();
    assert_eq!(a.len(), 2);
    assert!(a.iter().all(|(_, driver)| driver.is_some()), "{a:?}");
    assert_eq!(ops(&host, Op::Probe), ["b-vf0", "b-vf1"]);
    assert_eq!(net.mode("pci/b"), Some(EswitchMode::Switchdev));
    assert!(net.link_state("p1").unwrap().master.is_some(), "the bond is still built");
}

#[tokio::test]
async fn the_bond_the_bonding_module_made_is_adopted_not_recreated() {
    // `modprobe bonding` leaves bond0 in balance-rr (0) with miimon 0.
    let net = Arc::new(lag_net().with_bond("bond0", 0, 0));
    let backend = Backend { sys: host(), net: net.clone() };
    let report = apply(&lag_plan(), &backend, opts(1000)).await;
    assert_eq!(report.failures().count(), 0, "{report:?}");
    let state = net.link_state("bond0").unwrap().bond.unwrap();
    assert_eq!((state.mode, state.miimon), (1, 100));
    assert!(!net.writes().iter().any(|w| w.starts_with("add_bond")));
}

#[tokio::test]
async fn a_slave_the_bond_refuses_fails_the_bond_after_the_others_are_in() {
    let net = Arc::new(lag_net().fail("enslave", "p1", EBUSY));
    let backend = Backend { sys: host(), net: net.clone() };
    let report = apply(&lag_plan(), &backend, opts(1000)).await;
    let errors: Vec<String> = report.failures().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("bond0: enslave p1: "), "{errors:?}");
    assert!(net.link_state("p0").unwrap().master.is_some());
}

#[tokio::test]
async fn switchdev_on_a_device_without_devlink_names_the_reason() {
    let net = Arc::new(FakeNet::new().with_link("p0", 2).with_link("p1", 2));
    let backend = Backend { sys: host(), net };
    let report = apply(&lag_plan(), &backend, opts(1000)).await;
    let first = report.failures().next().unwrap().to_string();
    assert!(
        first.starts_with("a: set eswitch mode switchdev: the device has no devlink eswitch"),
        "{first}"
    );
}

#[tokio::test]
async fn shutdown_after_an_unbind_starts_nothing_new_but_gives_the_vfs_back() {
    // The unbind of a's first VF is slow; shutdown comes while it is in flight.
    let hang = crate::sys::fault::Fault::Hang(std::time::Duration::from_millis(300));
    let host =
        Arc::new(FaultyHost::new(table(&[("a", 0), ("b", 0)])).nth("a-vf0", Op::Unbind, 1, hang));
    let net = Arc::new(lag_net());
    let backend = Backend { sys: host.clone(), net: net.clone() };
    let o = opts(2000);
    let stop = o.stop.clone();
    let plan = Plan { devices: vec![lag_pf("a", "p0", "02:00:00:00:00:0a")], bonds: vec![bond0()] };
    let run = tokio::spawn(async move { apply(&plan, &backend, o).await });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let report = run.await.unwrap();

    assert_eq!(ops(&host, Op::Unbind), ["a-vf0", "a-vf1"], "the step in flight finished");
    assert_eq!(ops(&host, Op::Probe), ["a-vf0", "a-vf1"], "and the VFs got their drivers back");
    assert!(!net.writes().iter().any(|w| w.starts_with("set_eswitch_mode")), "no new step");
    assert!(!net.writes().iter().any(|w| w.starts_with("add_bond")));
    let err = report.failures().next().unwrap().to_string();
    assert_eq!(err, "a: set eswitch mode switchdev: not started: shutting down");
}

#[tokio::test]
async fn vfs_someone_else_left_unbound_stay_unbound_when_no_mode_change_is_needed() {
    // The mode changed since planning, so nothing is unbound, and nothing is bound either.
    let net = Arc::new(lag_net().with_eswitch("pci/a", EswitchMode::Switchdev));
    let host = Arc::new(FaultyHost::new(table(&[("a", 2)])));
    host.unbind("a-vf1").unwrap();
    let backend = Backend { sys: host.clone(), net };
    let plan = Plan { devices: vec![lag_pf("a", "p0", "02:00:00:00:00:0a")], bonds: vec![] };
    let report = apply(&plan, &backend, opts(1000)).await;
    assert_eq!(report.failures().count(), 0, "{report:?}");
    assert_eq!(ops(&host, Op::Unbind), ["a-vf1"], "only the unbind made by the test");
    assert!(ops(&host, Op::Probe).is_empty(), "a-vf1 stays as its owner left it");
}

#[tokio::test]
async fn a_driver_that_refuses_the_mode_with_vfs_gets_it_at_zero_vfs() {
    // An ice-like driver: EOPNOTSUPP while VFs exist. The VFs were created
    // by the plan's first step, so the fallback removes and recreates them.
    let net = Arc::new(lag_net().fail_nth("set_eswitch_mode", "pci/a", 1, 95));
    let host = host();
    let backend = Backend { sys: host.clone(), net: net.clone() };
    let plan = Plan { devices: vec![lag_pf("a", "p0", "02:00:00:00:00:0a")], bonds: vec![] };
    let report = apply(&plan, &backend, opts(1000)).await;
    assert_eq!(report.failures().count(), 0, "{report:?}");

    let counts: Vec<Option<u32>> =
        host.calls().into_iter().filter(|c| c.op == Op::WriteNumVfs).map(|c| c.value).collect();
    assert_eq!(counts, [Some(2), Some(0), Some(2)], "created, removed for the mode, recreated");
    assert_eq!(net.mode("pci/a"), Some(EswitchMode::Switchdev));
    let tries = net.calls().iter().filter(|c| c.starts_with("set_eswitch_mode pci/a")).count();
    assert_eq!(tries, 2);
}

#[tokio::test]
async fn a_mode_refused_even_at_zero_vfs_is_the_device_error_and_the_vfs_come_back() {
    let net = Arc::new(lag_net().fail("set_eswitch_mode", "pci/a", 95));
    let host = host();
    let backend = Backend { sys: host.clone(), net };
    let plan = Plan { devices: vec![lag_pf("a", "p0", "02:00:00:00:00:0a")], bonds: vec![] };
    let report = apply(&plan, &backend, opts(1000)).await;
    let err = report.failures().next().unwrap();
    assert!(err.to_string().starts_with("a: set eswitch mode switchdev: "), "{err}");
    assert_eq!(err.errno, Some(95));
    assert_eq!(host.read_num_vfs(&DeviceKey::new("pci", "a")).unwrap(), 2);
}

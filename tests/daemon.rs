//! The daemon's pieces against fake sysfs trees: udev event mapping, and
//! reconcile with fault injection (retry with backoff, others unaffected).

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use sriov_manager::apply::{ApplyOptions, Backend};
use sriov_manager::config::{parse, Config};
use sriov_manager::daemon::reconcile::{Backoff, Reconciler, Scope};
use sriov_manager::daemon::state::{self, Outcome, State};
use sriov_manager::daemon::watch::{map_event, Known, UEvent};
use sriov_manager::discover::discover;
use sriov_manager::netlink::fault::FakeNet;
use sriov_manager::netlink::Offline;
use sriov_manager::sys::fault::{Fault, FaultyHost, Op};
use sriov_manager::sys::{DeviceKey, Sysfs};

fn ev(action: &str, subsystem: &str, devpath: &str) -> UEvent {
    UEvent { action: action.into(), subsystem: subsystem.into(), devpath: devpath.into() }
}

fn pci(a: &str) -> Option<DeviceKey> {
    Some(DeviceKey::new("pci", a))
}

fn known(s: &FakeSysfs) -> Known {
    Known::from_devices(&discover(s.root(), Path::new("/nonexistent")).unwrap())
}

#[test]
fn events_map_to_their_pf() {
    let s = mixed_host();
    s.netdevsim(10, 0, "eni10np1");
    let k = Known::default();
    let r = s.root();
    let pf = s.devpath("0000:3b:00.0");
    let vf = s.devpath("0000:3b:00.3");

    assert_eq!(map_event(&ev("bind", "pci", &pf), r, &k), pci("0000:3b:00.0"));
    assert_eq!(
        map_event(&ev("add", "net", &format!("{pf}/net/ens60f0np0")), r, &k),
        pci("0000:3b:00.0")
    );
    assert_eq!(
        map_event(&ev("add", "pci", &vf), r, &k),
        pci("0000:3b:00.0"),
        "a VF maps through physfn"
    );
    assert_eq!(
        map_event(&ev("move", "net", &format!("{vf}/net/ens60f0v1")), r, &k),
        pci("0000:3b:00.0")
    );
    assert_eq!(
        map_event(&ev("add", "net", "/devices/netdevsim10/net/eni10np1"), r, &k),
        Some(DeviceKey::new("netdevsim", "netdevsim10"))
    );

    for ignored in [
        ev("add", "pci", &s.devpath("0000:02:00.0")),
        ev("add", "net", &format!("{}/net/eno2", s.devpath("0000:02:00.0"))),
        ev("add", "net", "/devices/virtual/net/bond0"),
        ev("add", "block", &pf),
        ev("remove", "pci", "/devices/pci0000:77/0000:77:00.0"),
    ] {
        assert_eq!(map_event(&ignored, r, &k), None, "{ignored:?}");
    }
}

#[test]
fn a_configured_bond_and_its_slaves_outside_any_pf_map_to_the_bond() {
    let s = mixed_host();
    let r = s.root();
    let config = parse(
        r#"{"version": "1.0", "bond_configs": [{"bond_name": "bond0",
            "slave_interfaces": ["ens60f0np0", "dummy0"], "mode": "active-backup"}]}"#,
        Path::new("t.json"),
    )
    .unwrap()
    .config;
    let k = known(&s).with_bonds(&config);
    let bond0 = Some(DeviceKey::new("bond", "bond0"));

    // The bond itself (deleted or created by someone) and a slave no PF owns.
    assert_eq!(map_event(&ev("remove", "net", "/devices/virtual/net/bond0"), r, &k), bond0);
    assert_eq!(map_event(&ev("add", "net", "/devices/virtual/net/dummy0"), r, &k), bond0);
    // A PF's interface still maps to the PF, whose reconcile takes its bonds along.
    let pf = s.devpath("0000:3b:00.0");
    assert_eq!(
        map_event(&ev("add", "net", &format!("{pf}/net/ens60f0np0")), r, &k),
        pci("0000:3b:00.0")
    );
    // Other virtual interfaces stay ignored.
    assert_eq!(map_event(&ev("add", "net", "/devices/virtual/net/dummy1"), r, &k), None);
}

#[test]
fn removals_map_through_what_discovery_saw() {
    let s = mixed_host();
    let k = known(&s);
    let vf = s.devpath("0000:3b:00.3");
    let pf = s.devpath("0000:3b:00.0");
    s.unplug("0000:3b:00.3");
    s.unplug("0000:3b:00.0");
    assert_eq!(map_event(&ev("remove", "pci", &vf), s.root(), &k), pci("0000:3b:00.0"));
    assert_eq!(map_event(&ev("remove", "pci", &pf), s.root(), &k), pci("0000:3b:00.0"));
    assert_eq!(map_event(&ev("remove", "pci", &vf), s.root(), &Known::default()), None);
}

fn config(text: &str) -> Config {
    parse(text, Path::new("t.json")).unwrap().config
}

const TWO_CX7: &str = r#"{"version": "1.0", "device_policies": [
    {"vendor_id": "15b3", "device_id": "1021", "num_vfs": 2,
     "pci_addresses": ["0000:3b:00.0", "0000:3b:00.1"]},
    {"vendor_id": "1dd8", "device_id": "1002", "num_vfs": 1}]}"#;

fn reconciler(s: &FakeSysfs, host: Arc<FaultyHost<Sysfs>>) -> Reconciler {
    let backend = Backend { sys: host, net: Arc::new(Offline) };
    let opts = ApplyOptions::new(Duration::from_secs(5));
    let mut r = Reconciler::new(s.root().to_path_buf(), backend, opts);
    r.pci_ids = "/nonexistent".into();
    r.backoff = Backoff { base: Duration::from_millis(20), max: Duration::from_millis(160) };
    r
}

#[tokio::test]
async fn reconcile_configures_then_finds_nothing_to_do() {
    let s = mixed_host();
    let host = Arc::new(FaultyHost::new(Sysfs::new(s.root())));
    let mut r = reconciler(&s, host.clone());
    let c = config(TWO_CX7);

    r.reconcile(&c, Scope::All).await.unwrap();
    assert_eq!(r.summary(), "3 devices configured, 0 failed");
    let writes: Vec<(String, Option<u32>)> =
        host.writes().into_iter().map(|w| (w.address, w.value)).collect();
    assert_eq!(
        writes.iter().filter(|w| w.0 == "0000:3b:00.0").cloned().collect::<Vec<_>>(),
        [("0000:3b:00.0".into(), Some(0)), ("0000:3b:00.0".into(), Some(2))]
    );
    assert_eq!(writes.len(), 4, "{writes:?}");
    assert!(r.next_retry().is_none());

    r.reconcile(&c, Scope::All).await.unwrap();
    assert_eq!(host.writes().len(), 4, "a configured host gets no writes");
    let rec = r.records().find(|r| r.device == "0000:3b:00.1").unwrap();
    assert_eq!(
        (rec.result, rec.changes, rec.desired.num_vfs, rec.observed.num_vfs),
        (Outcome::Configured, 0, Some(2), Some(2))
    );
}

#[tokio::test]
async fn a_failing_device_is_retried_with_backoff_and_the_others_are_unaffected() {
    let s = mixed_host();
    let host = Arc::new(FaultyHost::new(Sysfs::new(s.root())).always(
        "0000:3b:00.1",
        Op::WriteNumVfs,
        Fault::Errno(5),
    ));
    let mut r = reconciler(&s, host.clone());
    let c = config(TWO_CX7);
    let bad = DeviceKey::new("pci", "0000:3b:00.1");

    let t0 = Instant::now();
    r.reconcile(&c, Scope::All).await.unwrap();
    assert!(
        r.summary()
            .starts_with("2 devices configured, 1 failed (0000:3b:00.1: set sriov_numvfs to 2: "),
        "{}",
        r.summary()
    );
    assert_eq!(s.read("0000:3b:00.0", "sriov_numvfs"), "2");
    assert_eq!(s.read("0000:b5:00.0", "sriov_numvfs"), "1");

    // Drive retries as the daemon's loop does, for 400 ms of real time.
    let mut gaps = Vec::new();
    let mut last = Instant::now();
    while t0.elapsed() < Duration::from_millis(400) {
        let Some(at) = r.next_retry() else { break };
        tokio::time::sleep_until(at.into()).await;
        let due = r.take_due_retries(Instant::now());
        assert_eq!(due, std::slice::from_ref(&bad), "only the failing device is retried");
        gaps.push(Instant::now() - last);
        last = Instant::now();
        r.reconcile(&c, Scope::Only(due)).await.unwrap();
    }
    let attempts = host.writes().iter().filter(|w| w.address == "0000:3b:00.1").count();
    assert!(
        (4..=7).contains(&attempts),
        "backoff, not a hot loop: {attempts} attempts, gaps {gaps:?}"
    );
    assert!(gaps.windows(2).take(3).all(|w| w[1] >= w[0]), "delays grow: {gaps:?}");
    assert_eq!(r.failures(&bad) as usize, attempts);
    let others = host.writes().iter().filter(|w| w.address != "0000:3b:00.1").count();
    assert_eq!(others, 3, "the healthy devices were written once and left alone");
}

#[tokio::test]
async fn a_gone_pf_is_forgotten_and_a_driverless_one_waits() {
    let s = mixed_host();
    let host = Arc::new(FaultyHost::new(Sysfs::new(s.root())));
    let mut r = reconciler(&s, host.clone());
    let c = config(TWO_CX7);
    r.reconcile(&c, Scope::All).await.unwrap();

    s.unplug("0000:b5:00.0");
    s.unbind("0000:3b:00.1");
    write(&s.dev_dir("0000:3b:00.1"), "sriov_numvfs", "0");
    let keys = vec![DeviceKey::new("pci", "0000:b5:00.0"), DeviceKey::new("pci", "0000:3b:00.1")];
    r.reconcile(&c, Scope::Only(keys)).await.unwrap();
    assert!(r.records().all(|rec| rec.device != "0000:b5:00.0"));
    let rec = r.records().find(|rec| rec.device == "0000:3b:00.1").unwrap();
    assert_eq!(rec.result, Outcome::Waiting);
    assert!(r.next_retry().is_none(), "waiting is not retried on a timer");
    assert_eq!(r.summary(), "1 devices configured, 0 failed, 1 waiting");
}

#[tokio::test]
async fn a_pf_selected_by_name_waits_through_a_reset_instead_of_being_forgotten() {
    let s = mixed_host();
    let host = Arc::new(FaultyHost::new(Sysfs::new(s.root())));
    let mut r = reconciler(&s, host.clone());
    let by_name = r#"{"version": "1.0",
        "device_policies": [{"pf_names": ["ens60f1np1"], "num_vfs": 2}]}"#;
    let c = config(by_name);
    r.reconcile(&c, Scope::All).await.unwrap();
    assert_eq!(r.summary(), "1 devices configured, 0 failed");

    // Unbound, the PF has no driver and (as the kernel does) no interface.
    s.unbind("0000:3b:00.1");
    std::fs::remove_dir_all(s.dev_dir("0000:3b:00.1").join("net")).unwrap();
    let key = DeviceKey::new("pci", "0000:3b:00.1");
    r.reconcile(&c, Scope::Only(vec![key])).await.unwrap();
    let rec = r.records().find(|rec| rec.device == "0000:3b:00.1").expect("still tracked");
    assert_eq!(rec.result, Outcome::Waiting);
    assert_eq!(r.summary(), "0 devices configured, 0 failed, 1 waiting");
    assert!(r.next_retry().is_none());
}

#[tokio::test]
async fn a_reload_applies_new_policies_and_leaves_unmatched_devices_alone() {
    let s = mixed_host();
    let host = Arc::new(FaultyHost::new(Sysfs::new(s.root())));
    let mut r = reconciler(&s, host.clone());
    r.reconcile(&config(TWO_CX7), Scope::All).await.unwrap();
    let before = host.writes().len();

    let only_pensando = r#"{"version": "1.0",
        "device_policies": [{"vendor_id": "1dd8", "device_id": "1002", "num_vfs": 3}]}"#;
    r.reconcile(&config(only_pensando), Scope::All).await.unwrap();
    let new: Vec<_> =
        host.writes()[before..].iter().map(|w| (w.address.clone(), w.value)).collect();
    assert_eq!(new, [("0000:b5:00.0".into(), Some(0)), ("0000:b5:00.0".into(), Some(3))]);
    assert_eq!(s.read("0000:3b:00.0", "sriov_numvfs"), "2", "VFs of unmatched PFs stay");
    assert_eq!(r.records().count(), 1);
}

#[test]
fn the_state_file_is_written_atomically_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run/sriov-manager/state.json");
    let st = State {
        pid: 42,
        updated: state::now_rfc3339(),
        config: "/etc/x.json".into(),
        status: "ok".into(),
        devices: vec![],
    };
    st.write(&path).unwrap();
    assert_eq!(State::read(&path).unwrap(), st);
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names, ["state.json"], "no temp file left behind");
    assert!(st.updated.ends_with('Z') && st.updated.len() == 20, "{}", st.updated);
}

/// Everything logged while it is alive, as fmt would print it without colours.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    fn lines(&self, level: &str, text: &str) -> usize {
        let log = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        log.lines().filter(|l| l.contains(level) && l.contains(text)).count()
    }
}

#[tokio::test]
async fn a_unit_that_keeps_waiting_says_so_at_info_once() {
    let log = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(log.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let s = mixed_host();
    let host = Arc::new(FaultyHost::new(Sysfs::new(s.root())));
    let mut r = reconciler(&s, host);
    r.backend.net = Arc::new(FakeNet::new());
    let c = config(
        r#"{"version": "1.0", "device_policies": [],
            "bond_configs": [{"bond_name": "bond1", "slave_interfaces": ["enp9s0"],
                              "mode": "active-backup"}]}"#,
    );
    let waiting = "bond1: enslave: waiting for enp9s0 to appear";
    for _ in 0..3 {
        r.reconcile(&c, Scope::All).await.unwrap();
    }
    assert_eq!(r.summary(), "0 devices configured, 0 failed, 1 waiting");
    assert_eq!(log.lines(" INFO ", waiting), 1, "once when it starts waiting");
    assert_eq!(log.lines(" DEBUG ", waiting), 5, "then at debug: apply's 3 and the daemon's 2");
}

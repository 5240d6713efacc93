use std::collections::{HashMap, HashSet};
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::netlink::fault::FakeNet;
use crate::plan::{DevicePlan, Plan, Step};
use crate::sys::fault::{Fault, FaultyHost, Op};
use crate::sys::{DeviceKey, Host};

/// An in-memory sriov_numvfs table and VF driver bindings: just enough host
/// for fault injection.
#[derive(Default)]
struct Table(Mutex<HashMap<String, u32>>, Mutex<HashSet<String>>);

impl Host for Table {
    fn read_num_vfs(&self, dev: &DeviceKey) -> io::Result<u32> {
        self.0
            .lock()
            .unwrap()
            .get(&dev.address)
            .copied()
            .ok_or_else(|| io::Error::from_raw_os_error(19))
    }

    /// As in the kernel, new VFs come with their driver bound.
    fn write_num_vfs(&self, dev: &DeviceKey, n: u32) -> io::Result<()> {
        self.0.lock().unwrap().insert(dev.address.clone(), n);
        let prefix = format!("{}-vf", dev.address);
        self.1.lock().unwrap().retain(|vf| !vf.starts_with(&prefix));
        Ok(())
    }

    /// VFs named `PF-vfN`, bound to `vf-driver` unless unbound.
    fn vf_drivers(&self, pf: &DeviceKey) -> io::Result<Vec<(String, Option<String>)>> {
        let n = self.read_num_vfs(pf)?;
        let unbound = self.1.lock().unwrap();
        let vf = |i: u32| {
            let address = format!("{}-vf{i}", pf.address);
            let driver = (!unbound.contains(&address)).then(|| "vf-driver".to_string());
            (address, driver)
        };
        Ok((0..n).map(vf).collect())
    }

    fn unbind(&self, address: &str) -> io::Result<()> {
        self.1.lock().unwrap().insert(address.to_string());
        Ok(())
    }

    fn probe(&self, address: &str) -> io::Result<()> {
        self.1.lock().unwrap().remove(address);
        Ok(())
    }
}

fn table(entries: &[(&str, u32)]) -> Table {
    let counts = entries.iter().map(|(a, n)| (a.to_string(), *n)).collect();
    Table(Mutex::new(counts), Mutex::default())
}

fn device_plan(address: &str, steps: &[(u32, u32)]) -> DevicePlan {
    let key = DeviceKey::new("pci", address);
    let actions = steps
        .iter()
        .map(|&(from, to)| Action {
            device: address.into(),
            key: key.clone(),
            policy: 0,
            step: Step::SetNumVfs { from, to },
        })
        .collect();
    DevicePlan {
        key,
        device: address.into(),
        policy: Some(0),
        actions,
        after_bonds: vec![],
        error: None,
    }
}

fn opts(ms: u64) -> ApplyOptions {
    ApplyOptions::new(Duration::from_millis(ms))
}

fn backend(host: Arc<FaultyHost<Table>>) -> Backend {
    Backend { sys: host, net: Arc::new(FakeNet::new()) }
}

async fn run_plan(host: Arc<FaultyHost<Table>>, plan: Plan, ms: u64) -> ApplyReport {
    apply(&plan, &backend(host), opts(ms)).await
}

#[tokio::test]
async fn writes_in_order_through_zero() {
    let host = Arc::new(FaultyHost::new(table(&[("a", 2)])));
    let plan = Plan { devices: vec![device_plan("a", &[(2, 0), (0, 4)])], bonds: vec![] };
    let report = run_plan(host.clone(), plan, 1000).await;
    assert_eq!(report.changes(), 2);
    let writes: Vec<Option<u32>> = host.writes().iter().map(|c| c.value).collect();
    assert_eq!(writes, [Some(0), Some(4)]);
    assert_eq!(host.read_num_vfs(&DeviceKey::new("pci", "a")).unwrap(), 4);
}

#[tokio::test]
async fn an_action_already_in_effect_writes_nothing() {
    let host = Arc::new(FaultyHost::new(table(&[("a", 4)])));
    let plan = Plan { devices: vec![device_plan("a", &[(0, 4)])], bonds: vec![] };
    let report = run_plan(host.clone(), plan, 1000).await;
    assert_eq!((report.changes(), report.failures().count()), (0, 0));
    assert!(host.writes().is_empty());
}

#[tokio::test]
async fn each_injected_errno_fails_only_its_device() {
    for (errno, name) in [(16, "EBUSY"), (5, "EIO"), (19, "ENODEV")] {
        let host = Arc::new(FaultyHost::new(table(&[("a", 0), ("b", 0), ("c", 0)])).always(
            "b",
            Op::WriteNumVfs,
            Fault::Errno(errno),
        ));
        let plan = Plan {
            devices: ["a", "b", "c"].iter().map(|d| device_plan(d, &[(0, 3)])).collect(),
            bonds: vec![],
        };
        let report = run_plan(host.clone(), plan, 1000).await;

        let errs: Vec<String> = report.failures().map(|e| e.to_string()).collect();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].starts_with("b: set sriov_numvfs to 3: ")
                && errs[0].ends_with(&format!("({name})")),
            "{errs:?}"
        );
        assert_eq!(report.failures().next().unwrap().errno, Some(errno));
        let t = &host;
        assert_eq!(t.read_num_vfs(&DeviceKey::new("pci", "a")).unwrap(), 3);
        assert_eq!(t.read_num_vfs(&DeviceKey::new("pci", "c")).unwrap(), 3);
    }
}

#[tokio::test]
async fn a_failed_first_step_stops_the_rest_of_that_device() {
    let host = Arc::new(FaultyHost::new(table(&[("a", 2)])).nth(
        "a",
        Op::WriteNumVfs,
        1,
        Fault::Errno(16),
    ));
    let plan = Plan { devices: vec![device_plan("a", &[(2, 0), (0, 4)])], bonds: vec![] };
    let report = run_plan(host.clone(), plan, 1000).await;
    assert_eq!(host.writes().len(), 1);
    assert_eq!(report.devices[0].error.as_ref().unwrap().step, "set sriov_numvfs to 0");
}

#[tokio::test]
async fn a_read_failure_is_reported_as_the_read_step() {
    let host =
        Arc::new(FaultyHost::new(table(&[("a", 0)])).always("a", Op::ReadNumVfs, Fault::Errno(5)));
    let report = run_plan(
        host.clone(),
        Plan { devices: vec![device_plan("a", &[(0, 1)])], bonds: vec![] },
        1000,
    )
    .await;
    assert!(report.failures().next().unwrap().to_string().starts_with("a: read sriov_numvfs: "));
    assert!(host.writes().is_empty());
}

#[tokio::test]
async fn a_hung_write_times_out_while_other_devices_finish() {
    let host = Arc::new(FaultyHost::new(table(&[("slow", 0), ("fast", 0)])).always(
        "slow",
        Op::WriteNumVfs,
        Fault::Hang(Duration::from_millis(1500)),
    ));
    let plan = Plan {
        devices: vec![device_plan("slow", &[(0, 2)]), device_plan("fast", &[(0, 2)])],
        bonds: vec![],
    };
    let report = run_plan(host.clone(), plan, 200).await;
    let err = report.devices[0].error.as_ref().unwrap().to_string();
    assert!(err.starts_with("slow: set sriov_numvfs to 2: timed out after 0.2s"), "{err}");
    assert_eq!(report.devices[1].changes, 1);
}

#[tokio::test]
async fn a_host_that_moved_since_planning_is_not_written() {
    let host = Arc::new(FaultyHost::new(table(&[("a", 3)])));
    let report = run_plan(
        host.clone(),
        Plan { devices: vec![device_plan("a", &[(0, 4)])], bonds: vec![] },
        1000,
    )
    .await;
    let err = report.failures().next().unwrap().to_string();
    assert_eq!(err, "a: set sriov_numvfs to 4: device has 3 VFs now; the count must go through 0");
    assert!(host.writes().is_empty());
}

#[tokio::test]
async fn plan_errors_pass_through_without_touching_the_host() {
    let host = Arc::new(FaultyHost::new(table(&[("a", 0)])));
    let mut dp = device_plan("a", &[]);
    dp.error =
        Some(DeviceError::new("a", "set sriov_numvfs to 9", "device supports at most 7 VFs"));
    let report = run_plan(host.clone(), Plan { devices: vec![dp], bonds: vec![] }, 1000).await;
    assert_eq!(report.failures().count(), 1);
    assert!(host.calls().is_empty());
}

#[tokio::test]
async fn a_stop_request_lets_no_further_step_start() {
    let host = Arc::new(FaultyHost::new(table(&[("a", 2)])));
    let o = opts(1000);
    o.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let plan = Plan { devices: vec![device_plan("a", &[(2, 0), (0, 4)])], bonds: vec![] };
    let report = apply(&plan, &backend(host.clone()), o).await;
    assert!(host.calls().is_empty());
    let err = report.failures().next().unwrap().to_string();
    assert_eq!(err, "a: set sriov_numvfs to 0: not started: shutting down");
}

mod lag;

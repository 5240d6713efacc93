//! From a PF's event to the daemon's first write, outside TCG.
//!
//! Drives the daemon's own pieces (Coalescer with the default 20 ms settle,
//! Reconciler: discover, plan, apply) on a fake sysfs tree where a PF has
//! lost its VFs, as after a reset, and times each event until the first
//! `sriov_numvfs` write begins. udev and the kernel are not in this path; the
//! rig's daemon_5_reset prints the same figure through them, under TCG.
//! Target: under 50 ms. Run with `cargo bench --bench latency`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{FakeSysfs, Pci};
use sriov_manager::apply::{ApplyOptions, Backend};
use sriov_manager::config::parse;
use sriov_manager::daemon::reconcile::{Reconciler, Scope};
use sriov_manager::daemon::watch::Coalescer;
use sriov_manager::netlink::Offline;
use sriov_manager::sys::{DeviceKey, Host, Sysfs};

const ROUNDS: usize = 200;
const SETTLE: Duration = Duration::from_millis(20);

/// Sysfs that notes when the first write of a round begins.
struct Timed {
    inner: Sysfs,
    first_write: Mutex<Option<Instant>>,
}

impl Host for Timed {
    fn read_num_vfs(&self, dev: &DeviceKey) -> io::Result<u32> {
        self.inner.read_num_vfs(dev)
    }

    fn write_num_vfs(&self, dev: &DeviceKey, n: u32) -> io::Result<()> {
        self.first_write.lock().unwrap().get_or_insert_with(Instant::now);
        self.inner.write_num_vfs(dev, n)
    }

    fn vf_drivers(&self, pf: &DeviceKey) -> io::Result<Vec<(String, Option<String>)>> {
        self.inner.vf_drivers(pf)
    }

    fn unbind(&self, address: &str) -> io::Result<()> {
        self.inner.unbind(address)
    }

    fn probe(&self, address: &str) -> io::Result<()> {
        self.inner.probe(address)
    }
}

fn main() {
    let s = FakeSysfs::new();
    for i in 1..=8 {
        let addr = format!("0000:{i:02x}:00.0");
        let ifname = format!("enp{i}s0");
        s.pci(Pci {
            addr: &addr,
            vendor: "8086",
            device: "10c9",
            driver: Some("igb"),
            ifname: Some(&ifname),
        });
        s.sriov(&addr, 7, 4, "10ca");
    }
    let text = r#"{"version": "1.0", "device_policies": [{"drivers": ["igb"], "num_vfs": 4}]}"#;
    let config = parse(text, Path::new("bench.json")).unwrap().config;
    let host = Arc::new(Timed { inner: Sysfs::new(s.root()), first_write: Mutex::new(None) });
    let backend = Backend { sys: host.clone(), net: Arc::new(Offline) };
    let mut rec = Reconciler::new(s.root().to_path_buf(), backend, ApplyOptions::default());
    rec.pci_ids = "/nonexistent".into();
    let mut coalescer = Coalescer::new(SETTLE, Duration::from_secs(2));
    let key = DeviceKey::new("pci", "0000:03:00.0");

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut total = Vec::with_capacity(ROUNDS);
    let mut work = Vec::with_capacity(ROUNDS);
    rt.block_on(async {
        rec.reconcile(&config, Scope::All).await.unwrap();
        for _ in 0..ROUNDS {
            common::write(&s.dev_dir(&key.address), "sriov_numvfs", "0");
            *host.first_write.lock().unwrap() = None;

            let event = Instant::now();
            coalescer.note(key.clone(), event);
            tokio::time::sleep_until(coalescer.next_deadline().unwrap().into()).await;
            let due_at = Instant::now();
            let due = coalescer.take_due(due_at, false).into_iter().map(|(k, _)| k).collect();
            rec.reconcile(&config, Scope::Only(due)).await.unwrap();

            let first = host.first_write.lock().unwrap().expect("the reset PF was written");
            total.push(first - event);
            work.push(first - due_at);
        }
    });

    println!(
        "event -> first write, {ROUNDS} rounds, 8 PFs on the host, settle {} ms:",
        SETTLE.as_millis()
    );
    print_stats("total", &mut total);
    print_stats("after the settle window (discover, plan, apply)", &mut work);
}

fn print_stats(what: &str, v: &mut [Duration]) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let at = |q: f64| v[((v.len() - 1) as f64 * q) as usize];
    println!(
        "  {what}: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(at(0.5)),
        ms(at(0.9)),
        ms(at(0.99)),
        ms(v[v.len() - 1])
    );
}

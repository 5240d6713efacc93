//! Idle cost of the daemon: resident memory and CPU time once it is ready.
//!
//! Runs the release daemon against a fake sysfs tree (two PFs), waits for its
//! state file, then samples /proc over an idle period. Prints figures; the
//! targets are idle RSS under 6 MiB and no CPU use when idle (no polling).
//! Run with `cargo bench --bench idle`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::fs;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::{FakeSysfs, Pci};

const IDLE: Duration = Duration::from_secs(5);

fn main() {
    let s = FakeSysfs::new();
    for (addr, ifname) in [("0000:01:00.0", "enp1s0"), ("0000:02:00.0", "enp2s0")] {
        s.pci(Pci {
            addr,
            vendor: "8086",
            device: "10c9",
            driver: Some("igb"),
            ifname: Some(ifname),
        });
        s.sriov(addr, 7, 0, "10ca");
    }
    let cfg = s.root().join("config.json");
    fs::write(
        &cfg,
        r#"{"version": "1.0", "device_policies": [{"drivers": ["igb"], "num_vfs": 4}]}"#,
    )
    .unwrap();
    let state = s.root().join("state.json");

    let mut child = Command::new(env!("CARGO_BIN_EXE_sriov-manager"))
        .arg("--config")
        .arg(&cfg)
        .arg("--sysfs-root")
        .arg(s.root())
        .arg("--state-file")
        .arg(&state)
        .arg("--log-level")
        .arg("warn")
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let pid = child.id();

    let t0 = Instant::now();
    while !state.exists() {
        assert!(t0.elapsed() < Duration::from_secs(10), "daemon did not become ready");
        assert!(child.try_wait().unwrap().is_none(), "daemon exited early");
        sleep(Duration::from_millis(5));
    }
    let ready = t0.elapsed();
    sleep(Duration::from_millis(500));

    let cpu_before = cpu_ticks(pid);
    sleep(IDLE);
    let cpu_after = cpu_ticks(pid);
    let rss_kib = status_kib(pid, "VmRSS:");
    let hwm_kib = status_kib(pid, "VmHWM:");
    let threads = status_kib(pid, "Threads:");
    let _ = child.kill();
    let _ = child.wait();

    // USER_HZ is 100 on every Linux ABI Rust supports.
    let cpu_ms = (cpu_after - cpu_before) * 10;
    println!("daemon ready after {:.1} ms (2 PFs, 0 -> 4 VFs each)", ready.as_secs_f64() * 1e3);
    println!(
        "idle RSS: {rss_kib} KiB ({:.2} MiB; target < 6 MiB), peak {hwm_kib} KiB",
        rss_kib as f64 / 1024.0
    );
    println!("idle CPU: {cpu_ms} ms over {} s (target 0: no polling)", IDLE.as_secs());
    println!("threads: {threads}");
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

fn status_kib(pid: u32, key: &str) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(key)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

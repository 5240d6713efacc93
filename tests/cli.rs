//! The real binary against fake sysfs trees: --discover, --dry-run,
//! --validate, --once and --create-config.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;

use common::*;
use serde_json::Value;

const DEFAULT: &str = include_str!("../config/default.json");

/// `config` without switchdev, bonds or VF-LAG policies.
fn counts_only(config: &str) -> String {
    let mut v: Value = serde_json::from_str(config).unwrap();
    let policies = v["device_policies"].as_array_mut().unwrap();
    policies.retain(|p| p["mode"] != "vf-lag");
    for p in policies {
        p["enable_switch"] = false.into();
    }
    v["bond_configs"] = Value::Array(vec![]);
    v.to_string()
}

fn root(s: &FakeSysfs) -> String {
    s.root().to_string_lossy().into_owned()
}

#[test]
fn discover_lists_every_pf_with_its_vfs_and_skips_plain_nics() {
    let s = mixed_host();
    write(&s.dev_dir("0000:01:00.0"), "numa_node", "-1");
    let o = run(&["--discover", "--sysfs-root", &root(&s)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for want in [
        "id 8086:1521  driver igb  numa -  VFs 0/7  eswitch unknown",
        "0000:3b:00.0 (Mellanox ConnectX-7)",
        "id 15b3:1021  driver mlx5_core  numa 0  VFs 4/16  eswitch unknown",
        "vf0   0000:3b:00.2  mlx5_core  ens60f0v0",
        "vf3   0000:3b:00.5  mlx5_core  ens60f0v3",
        "0000:01:00.0 (Intel I350 Gigabit Network Connection)",
        "0000:b5:00.0 (Pensando DSC Ethernet Controller)",
        "unreadable: sriov_numvfs: Is a directory",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    assert!(!out.contains("0000:02:00.0"), "a NIC without SR-IOV is not a PF:\n{out}");
    assert!(!out.contains("0000:3b:00.2 ("), "VFs are not listed as PFs:\n{out}");
}

#[test]
fn discover_json_has_the_documented_keys() {
    let s = mixed_host();
    s.enslave("0000:3b:00.0", "ens60f0np0", "bond0");
    let o = run(&["--discover", "--json", "--sysfs-root", &root(&s)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let devices = v["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 5);

    let cx = &devices[1];
    for key in [
        "address",
        "bus",
        "vendor_id",
        "device_id",
        "driver",
        "total_vfs",
        "num_vfs",
        "interfaces",
        "vfs",
    ] {
        assert!(cx.get(key).is_some(), "missing {key} in {cx}");
    }
    assert_eq!(cx["address"], "0000:3b:00.0");
    assert_eq!(cx["bus"], "pci");
    assert_eq!(cx["vendor_id"], "15b3");
    assert_eq!(cx["vf_device_id"], "101e");
    assert_eq!(cx["total_vfs"], 16);
    assert_eq!(cx["num_vfs"], 4);
    assert_eq!(cx["bond_master"], "bond0");
    assert_eq!(cx["eswitch_mode"], "unknown");
    assert_eq!(cx["interfaces"][0], "ens60f0np0");
    let vf = &cx["vfs"][1];
    assert_eq!(
        (&vf["address"], &vf["driver"], &vf["interfaces"][0]),
        (&"0000:3b:00.3".into(), &"mlx5_core".into(), &"ens60f0v1".into())
    );

    let broken = devices.iter().find(|d| d["address"] == "0000:5e:00.0").unwrap();
    assert_eq!(broken["num_vfs"], Value::Null);
    assert!(broken["problems"][0].as_str().unwrap().starts_with("sriov_numvfs: "));
}

#[test]
fn a_host_without_sriov_says_so_and_succeeds() {
    let s = FakeSysfs::new();
    s.plain_nic();
    let o = run(&["--discover", "--sysfs-root", &root(&s)]);
    assert!(o.status.success());
    assert_eq!(stdout(&o), "No SR-IOV capable devices found.\n");
    let o = run(&["--discover", "--json", "--sysfs-root", &root(&s)]);
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&o)).unwrap()["devices"],
        Value::Array(vec![])
    );
}

#[test]
fn netdevsim_devices_are_discovered_and_matched_by_driver() {
    let s = FakeSysfs::new();
    s.netdevsim(10, 0, "eni10np1");
    let cfg = config_file(
        &s,
        r#"{"version": "1.0", "device_policies": [{"drivers": ["netdevsim"], "num_vfs": 2}]}"#,
    );
    let o = run(&["--discover", "--json", "--sysfs-root", &root(&s)]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["devices"][0]["bus"], "netdevsim");
    assert_eq!(v["devices"][0]["driver"], "netdevsim");
    assert_eq!(v["devices"][0]["total_vfs"], Value::Null);

    let o = run(&["--dry-run", "--config", &cfg, "--sysfs-root", &root(&s)]);
    assert_eq!(stdout(&o), "netdevsim/netdevsim10: set sriov_numvfs 0 -> 2 (device_policies[0])\n");
}

#[test]
fn dry_run_shows_the_plan_and_the_failing_device_and_changes_nothing() {
    let s = mixed_host();
    let cfg = config_file(&s, DEFAULT);
    let o = run(&["--dry-run", "--config", &cfg, "--sysfs-root", &root(&s)]);
    assert_eq!(o.status.code(), Some(1), "a device that cannot be configured fails the dry run");
    // The VF-LAG PFs follow the documented ConnectX order: VFs, unbind,
    // switchdev, then the bond, then the VF drivers back. The fixture has no
    // devlink, so the eswitch mode reads as unknown.
    assert_eq!(
        stdout(&o),
        "0000:3b:00.0: unbind VF drivers (device_policies[1])\n\
         0000:3b:00.0: set eswitch mode unknown -> switchdev (device_policies[1])\n\
         0000:3b:00.1: set sriov_numvfs 0 -> 4 (device_policies[1])\n\
         0000:3b:00.1: unbind VF drivers (device_policies[1])\n\
         0000:3b:00.1: set eswitch mode unknown -> switchdev (device_policies[1])\n\
         0000:b5:00.0: set sriov_numvfs 0 -> 1 (device_policies[2])\n\
         bond0: create bond (mode active-backup miimon 100) (bond_configs[0])\n\
         bond0: enslave ens60f0np0 (bond_configs[0])\n\
         bond0: enslave ens60f1np1 (bond_configs[0])\n\
         bond0: set link up (bond_configs[0])\n\
         0000:3b:00.0: bind VF drivers (device_policies[1])\n\
         0000:3b:00.1: bind VF drivers (device_policies[1])\n\
         error: 0000:5e:00.0: set sriov_numvfs to 4: sriov_numvfs: Is a directory (os error 21)\n"
    );
    assert_eq!(s.read("0000:3b:00.1", "sriov_numvfs"), "0");

    let o = run(&["--dry-run", "--json", "--config", &cfg, "--sysfs-root", &root(&s)]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let a = &v["actions"][2];
    assert_eq!(
        (&a["device"], &a["action"], &a["from"], &a["to"]),
        (&"0000:3b:00.1".into(), &"set_num_vfs".into(), &0.into(), &4.into())
    );
    assert_eq!(v["errors"][0]["device"], "0000:5e:00.0");
}

#[test]
fn changing_the_count_goes_through_zero() {
    let s = mixed_host();
    let cfg = config_file(
        &s,
        r#"{"version": "1.0",
            "device_policies": [{"pci_addresses": ["0000:3b:00.0"], "num_vfs": 8}]}"#,
    );
    let o = run(&["--dry-run", "--config", &cfg, "--sysfs-root", &root(&s)]);
    assert_eq!(
        stdout(&o),
        "0000:3b:00.0: set sriov_numvfs 4 -> 0 (device_policies[0])\n\
         0000:3b:00.0: set sriov_numvfs 0 -> 8 (device_policies[0])\n"
    );
    let o = run(&["--once", "--config", &cfg, "--sysfs-root", &root(&s)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(s.read("0000:3b:00.0", "sriov_numvfs"), "8");
}

#[test]
fn once_configures_the_others_when_one_device_fails_then_is_idempotent() {
    let s = mixed_host();
    // VF counts only: switchdev and bonds need the running kernel's netlink.
    let cfg = config_file(&s, &counts_only(DEFAULT));
    let o = run(&["--once", "--config", &cfg, "--sysfs-root", &root(&s)]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("failed: 0000:5e:00.0: set sriov_numvfs to 4: sriov_numvfs: Is a directory"),
        "{out}"
    );
    assert!(out.contains("3 devices configured, 1 failed, 2 changes made"), "{out}");
    assert_eq!(s.read("0000:3b:00.1", "sriov_numvfs"), "4");
    assert_eq!(s.read("0000:b5:00.0", "sriov_numvfs"), "1");
    assert_eq!(s.read("0000:3b:00.0", "sriov_numvfs"), "4");
    assert_eq!(s.read("0000:01:00.0", "sriov_numvfs"), "0", "no policy matches the I350");
    let log = stderr(&o);
    assert!(
        log.contains("0000:3b:00.1: set sriov_numvfs 0 -> 4"),
        "one info line per change:\n{log}"
    );

    // Without the broken device the host is now configured: nothing to do, no writes.
    fs::remove_dir(s.dev_dir("0000:5e:00.0").join("sriov_numvfs")).unwrap();
    write(&s.dev_dir("0000:5e:00.0"), "sriov_numvfs", "4");
    let before =
        fs::metadata(s.dev_dir("0000:3b:00.1").join("sriov_numvfs")).unwrap().modified().unwrap();
    let o = run(&["--once", "--config", &cfg, "--sysfs-root", &root(&s)]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("4 devices configured, 0 failed, 0 changes made"),
        "{}",
        stdout(&o)
    );
    let after =
        fs::metadata(s.dev_dir("0000:3b:00.1").join("sriov_numvfs")).unwrap().modified().unwrap();
    assert_eq!(before, after);
    let o = run(&["--dry-run", "--config", &cfg, "--sysfs-root", &root(&s)]);
    assert_eq!(stdout(&o), "Every matched device is already configured; nothing to do.\n");
}

#[test]
fn validate_accepts_the_default_and_warns_about_unmatched_policies() {
    let s = mixed_host();
    let cfg = config_file(&s, DEFAULT);
    let o = run(&["--validate", "--config", &cfg, "--sysfs-root", &root(&s)]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).ends_with("valid (0 errors, 0 warnings)\n"), "{}", stdout(&o));

    let empty = FakeSysfs::new();
    let o = run(&["--validate", "--config", &cfg, "--sysfs-root", &root(&empty)]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).matches("matches no device on this host").count(), 3, "{}", stdout(&o));
    assert!(
        stdout(&o).contains(
            "warning: bond_configs[0].slave_interfaces[1]: no interface ens60f1np1 on this host \
             (yet); bond0 is built without it and takes it when it appears"
        ),
        "{}",
        stdout(&o)
    );
}

#[test]
fn validate_reports_host_errors_with_exit_78() {
    let s = mixed_host();
    let cfg = config_file(
        &s,
        r#"{"version": "1.0", "device_policies": [
             {"vendor_id": "8086", "device_id": "1521", "num_vfs": 8},
             {"vendor_id": "15b3", "device_id": "101e", "num_vfs": 2},
             {"drivers": ["ionic"], "num_vfs": 1},
             {"pci_addresses": ["0000:b5:00.0"], "num_vfs": 1}]}"#,
    );
    let o = run(&["--validate", "--config", &cfg, "--sysfs-root", &root(&s)]);
    assert_eq!(o.status.code(), Some(78));
    let out = stdout(&o);
    for want in [
        "error: device_policies[0].num_vfs: 8 VFs asked, but 0000:01:00.0 supports at most 7 \
         (sriov_totalvfs)",
        "error: device_policies[3]: 0000:b5:00.0 matches both device_policies[2] and \
         device_policies[3]",
        "warning: device_policies[1].device_id: 15b3:101e is a virtual function ID",
        "probably means 15b3:1021 (Mellanox ConnectX-7)",
        "invalid (2 errors, 2 warnings)",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    let o = run(&["--validate", "--json", "--config", &cfg, "--sysfs-root", &root(&s)]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["errors"][0]["path"], "device_policies[0].num_vfs");
}

#[test]
fn an_invalid_config_exits_78_and_touches_nothing() {
    let s = mixed_host();
    let cfg = config_file(
        &s,
        r#"{"version": "1.0",
            "device_policies": [{"drivers": ["mlx5_core"], "num_vfs": 4, "mdoe": "vf-lag"}],
            "log_level": "chatty"}"#,
    );
    for mode in ["--once", "--dry-run", "--validate"] {
        let o = run(&[mode, "--config", &cfg, "--sysfs-root", &root(&s)]);
        assert_eq!(o.status.code(), Some(78), "{mode}");
        let all = stdout(&o) + &stderr(&o);
        assert!(all.contains("device_policies[0].mdoe: unknown field"), "{mode}: {all}");
        assert!(all.contains("log_level: \"chatty\" is not one of"), "{mode}: {all}");
    }
    assert_eq!(s.read("0000:3b:00.1", "sriov_numvfs"), "0");

    let cfg = config_file(&s, "{\n  \"version\": \"1.0\",\n  \"device_policies\": [\n}");
    let o = run(&["--validate", "--config", &cfg]);
    assert_eq!(o.status.code(), Some(78));
    assert!(stderr(&o).contains("config.json:4:1: invalid JSON"), "{}", stderr(&o));
    let o = run(&["--validate", "--json", "--config", &cfg]);
    assert_eq!(o.status.code(), Some(78));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["valid"], false);
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("config.json:4:1: invalid JSON"));

    let o = run(&["--once", "--config", "/nonexistent/config.json"]);
    assert_eq!(o.status.code(), Some(78));
    assert!(stderr(&o).contains("/nonexistent/config.json: cannot read config"));
}

#[test]
fn create_config_writes_the_default_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("etc/sriov-manager/config.json");
    let p = path.to_string_lossy().into_owned();
    let o = run(&["--create-config", "--config", &p]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(&path).unwrap(), DEFAULT);
    assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o644);

    fs::write(&path, "mine").unwrap();
    let o = run(&["--create-config", "--config", &p]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already exists; use --force"));
    assert_eq!(fs::read_to_string(&path).unwrap(), "mine");

    let o = run(&["--create-config", "--force", "--config", &p]);
    assert!(o.status.success());
    assert_eq!(fs::read_to_string(&path).unwrap(), DEFAULT);
}

#[test]
fn usage_errors_exit_2_and_runtime_failures_exit_1() {
    assert_eq!(run(&["--discover", "--validate"]).status.code(), Some(2));
    assert_eq!(run(&["--no-such-flag"]).status.code(), Some(2));
    assert_eq!(run(&["--force", "--discover"]).status.code(), Some(2));
    assert_eq!(run(&["--json", "--create-config"]).status.code(), Some(2));
    let o = run(&["--discover", "--sysfs-root", "/nonexistent"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/nonexistent/bus: not a sysfs tree"), "{}", stderr(&o));
    let o = run(&["--version"]);
    assert!(stdout(&o).starts_with("sriov-manager "));
}

#[test]
fn discovery_and_dry_run_work_without_root() {
    // Only meaningful when the tests run as root: drop to nobody with setpriv.
    if !nix_is_root() || !std::path::Path::new("/usr/bin/setpriv").exists() {
        eprintln!("not root or no setpriv: the normal tests already ran unprivileged");
        return;
    }
    let s = mixed_host();
    fs::set_permissions(s.root(), fs::Permissions::from_mode(0o755)).unwrap();
    let cfg = config_file(&s, DEFAULT);
    fs::set_permissions(&cfg, fs::Permissions::from_mode(0o644)).unwrap();
    for mode in ["--discover", "--dry-run"] {
        let o = std::process::Command::new("/usr/bin/setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                env!("CARGO_BIN_EXE_sriov-manager"),
            ])
            .args([mode, "--config", &cfg, "--sysfs-root", &root(&s)])
            .output()
            .unwrap();
        assert!(!stdout(&o).is_empty() && o.status.code() != Some(78), "{mode}: {}", stderr(&o));
        assert!(stdout(&o).contains("0000:3b:00.1"), "{mode}: {}", stdout(&o));
    }
}

fn nix_is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

#[test]
fn status_prints_the_daemons_state_file() {
    let s = mixed_host();
    let cfg = config_file(
        &s,
        r#"{"version": "1.0", "device_policies": [{"drivers": ["ionic"], "num_vfs": 1}]}"#,
    );
    let state = s.root().join("state.json").to_string_lossy().into_owned();

    let o = run(&["--status", "--state-file", &state]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("cannot read the daemon's state (is it running?)"),
        "{}",
        stderr(&o)
    );

    // A short daemon run writes the file, then SIGTERM stops it cleanly.
    let daemon = std::process::Command::new(env!("CARGO_BIN_EXE_sriov-manager"))
        .args(["--config", &cfg, "--sysfs-root", &root(&s), "--state-file", &state])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while !std::path::Path::new(&state).exists() {
        assert!(t0.elapsed() < std::time::Duration::from_secs(10), "no state file");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let kill = std::process::Command::new("kill").arg(daemon.id().to_string()).status().unwrap();
    assert!(kill.success());
    let out = daemon.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "SIGTERM exits 0: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("stopping; VFs and bonds stay as they are")
    );
    assert_eq!(s.read("0000:b5:00.0", "sriov_numvfs"), "1", "VFs stay after the daemon stops");

    let o = run(&["--status", "--state-file", &state]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.starts_with("1 devices configured, 0 failed\n"), "{text}");
    assert!(
        text.contains("0000:b5:00.0  configured  VFs 1 (want 1)  device_policies[0]"),
        "{text}"
    );

    let o = run(&["--status", "--json", "--state-file", &state]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["devices"][0]["result"], "configured");
    assert_eq!(v["devices"][0]["desired"]["num_vfs"], 1);
    assert_eq!(v["devices"][0]["observed"]["num_vfs"], 1);
}

use std::path::Path;

use super::*;

fn load_str(text: &str) -> Result<Loaded, ConfigError> {
    parse(text, Path::new("test.json"))
}

fn errors(text: &str) -> Vec<String> {
    match load_str(text) {
        Err(ConfigError::Invalid { errors, .. }) => errors
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{}: {}", d.path, d.message))
            .collect(),
        other => panic!("expected an invalid config, got {other:?}"),
    }
}

fn has(errs: &[String], path: &str, words: &str) -> bool {
    errs.iter().any(|e| e.starts_with(&format!("{path}: ")) && e.contains(words))
}

#[test]
fn the_shipped_default_is_valid_and_has_no_warnings() {
    let loaded = load_str(DEFAULT_JSON).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let c = loaded.config;
    assert_eq!(c.device_policies.len(), 3);
    assert_eq!(c.device_policies[0].device_id.as_deref(), Some("1021"));
    assert_eq!(c.device_policies[1].mode, PolicyMode::VfLag);
    assert!(!c.device_policies[2].enable_switch);
    assert_eq!(c.bond_configs[0].mode, BondMode::ActiveBackup);
    assert_eq!(c.log_level, LogLevel::Info);
}

#[test]
fn the_documented_vf_ids_warn_and_name_the_pf_id() {
    let doc = DEFAULT_JSON.replace("\"1021\"", "\"101e\"").replace("\"1002\"", "\"1003\"");
    let loaded = load_str(&doc).unwrap();
    let w: Vec<String> = loaded.warnings.iter().map(|d| d.to_string()).collect();
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(
        w[0].contains("device_policies[0].device_id") && w[0].contains("15b3:1021"),
        "{}",
        w[0]
    );
    assert!(
        w[2].contains("device_policies[2].device_id") && w[2].contains("1dd8:1002"),
        "{}",
        w[2]
    );
}

#[test]
fn syntax_errors_give_line_and_column() {
    let err = load_str("{\n  \"version\": \"1.0\",\n  oops\n}").unwrap_err();
    match err {
        ConfigError::Syntax { line, column, ref message, .. } => {
            assert_eq!((line, column), (3, 3));
            assert!(!message.contains("at line"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().starts_with("test.json:3:3: invalid JSON"));
}

#[test]
fn every_error_is_reported_at_once_by_json_path() {
    let errs = errors(
        r#"{"version": "1.0", "colour": 1, "log_level": "loud",
            "device_policies": [
              {"vendor_id": "15b3", "device_id": "1021", "num_vfs": 4},
              {"vendor_id": "15bz", "device_id": "10", "num_vfs": -1, "mode": "dual",
               "enable_switch": "yes", "numvfs": 3}
            ],
            "bond_configs": [
              {"bond_name": "bond0", "slave_interfaces": ["a b"], "mode": "fast",
               "mii_monitor": 999999}
            ]}"#,
    );
    for (path, words) in [
        ("colour", "unknown field"),
        ("log_level", "\"loud\" is not one of"),
        ("device_policies[1].vendor_id", "not 4 hex digits"),
        ("device_policies[1].device_id", "not 4 hex digits"),
        ("device_policies[1].num_vfs", "non-negative integer"),
        ("device_policies[1].mode", "\"dual\" is not one of: single-home, vf-lag"),
        ("device_policies[1].enable_switch", "true or false"),
        ("device_policies[1].numvfs", "unknown field"),
        ("bond_configs[0].slave_interfaces[0]", "not a valid interface name"),
        ("bond_configs[0].mode", "\"fast\" is not one of"),
        ("bond_configs[0].mii_monitor", "out of range"),
    ] {
        assert!(has(&errs, path, words), "missing {path}: {words} in {errs:#?}");
    }
    assert_eq!(errs.len(), 11, "{errs:#?}");
}

#[test]
fn structure_errors() {
    assert!(has(&errors("[]"), "", "JSON object"));
    assert!(has(&errors("{}"), "version", "missing"));
    assert!(has(&errors(r#"{"version": "2.0"}"#), "version", "unsupported"));
    assert!(has(&errors(r#"{"version": 1}"#), "version", "string"));
    assert!(has(
        &errors(r#"{"version": "1.0", "device_policies": {}}"#),
        "device_policies",
        "array"
    ));
    assert!(has(
        &errors(r#"{"version": "1.0", "device_policies": [3]}"#),
        "device_policies[0]",
        "object"
    ));
    assert!(has(
        &errors(r#"{"version": "1.0", "bond_configs": ["x"]}"#),
        "bond_configs[0]",
        "object"
    ));
    assert!(has(&errors(r#"{"version": "1.0", "description": 5}"#), "description", "string"));
}

#[test]
fn policy_selectors() {
    let e = errors(r#"{"version": "1.0", "device_policies": [{"num_vfs": 2}]}"#);
    assert!(has(&e, "device_policies[0]", "no selector"), "{e:?}");

    let e =
        errors(r#"{"version": "1.0", "device_policies": [{"vendor_id": "8086", "num_vfs": 2}]}"#);
    assert!(has(&e, "device_policies[0].device_id", "go together"), "{e:?}");

    let e =
        errors(r#"{"version": "1.0", "device_policies": [{"device_id": "10c9", "num_vfs": 2}]}"#);
    assert!(has(&e, "device_policies[0].vendor_id", "go together"), "{e:?}");

    let e = errors(r#"{"version": "1.0", "device_policies": [{"drivers": ["igb"]}]}"#);
    assert!(has(&e, "device_policies[0].num_vfs", "missing"), "{e:?}");

    let e = errors(r#"{"version": "1.0", "device_policies": [{"drivers": [], "num_vfs": 1}]}"#);
    assert!(has(&e, "device_policies[0]", "no selector"), "{e:?}");

    let e = errors(
        r#"{"version": "1.0", "device_policies": [{"num_vfs": 1,
            "pci_addresses": ["0000:3b:00.0", "3b:00.0", "0000:3b:20.0", "0000:3b:00.8", 7],
            "pf_names": ["", "abcdefghijklmnop", "..", "a/b", "eth0"],
            "drivers": ["mlx5_core", "a b"]}]}"#,
    );
    for p in ["pci_addresses[1]", "pci_addresses[2]", "pci_addresses[3]", "pci_addresses[4]"] {
        assert!(has(&e, &format!("device_policies[0].{p}"), ""), "{p}: {e:?}");
    }
    for p in ["pf_names[0]", "pf_names[1]", "pf_names[2]", "pf_names[3]", "drivers[1]"] {
        assert!(has(&e, &format!("device_policies[0].{p}"), "not a valid"), "{p}: {e:?}");
    }
    assert_eq!(e.len(), 9, "{e:#?}");
}

#[test]
fn selectors_alone_are_enough_and_ids_are_normalized() {
    let c = load_str(
        r#"{"version": "1.0", "device_policies": [
             {"drivers": ["netdevsim"], "num_vfs": 2, "enable_switch": true},
             {"vendor_id": "8086", "device_id": "10C9", "num_vfs": 3,
              "pci_addresses": ["0000:0A:00.0"]}]}"#,
    )
    .unwrap()
    .config;
    assert_eq!(c.device_policies[0].vendor_id, None);
    assert_eq!(c.device_policies[1].device_id.as_deref(), Some("10c9"));
    assert_eq!(c.device_policies[1].pci_addresses, ["0000:0a:00.0"]);
    assert_eq!(c.device_policies[1].mode, PolicyMode::SingleHome);
}

#[test]
fn bond_checks() {
    let e = errors(
        r#"{"version": "1.0", "bond_configs": [
             {"bond_name": "bond0", "slave_interfaces": ["eth0", "eth1", "eth0"],
              "mode": "active-backup"},
             {"bond_name": "bond0", "slave_interfaces": ["eth1"], "mode": "802.3ad"},
             {"bond_name": "bond1", "slave_interfaces": [], "mode": "balance-rr"},
             {"bond_name": "bond2", "slave_interfaces": ["bond2"], "mode": "broadcast"},
             {"slave_interfaces": ["eth5"]}]}"#,
    );
    assert!(has(&e, "bond_configs[0].slave_interfaces[2]", "listed twice"), "{e:#?}");
    assert!(has(&e, "bond_configs[1].bond_name", "duplicate bond name \"bond0\""), "{e:#?}");
    assert!(
        has(&e, "bond_configs[1].slave_interfaces[0]", "already a slave of \"bond0\""),
        "{e:#?}"
    );
    assert!(has(&e, "bond_configs[2].slave_interfaces", "at least one"), "{e:#?}");
    assert!(has(&e, "bond_configs[4].bond_name", "missing"), "{e:#?}");
    assert!(has(&e, "bond_configs[4].mode", "missing"), "{e:#?}");
}

#[test]
fn semantic_checks_report_together_after_the_tree_is_clean() {
    let e = errors(
        r#"{"version": "1.0", "bond_configs": [
             {"bond_name": "bond2", "slave_interfaces": ["bond2"], "mode": "broadcast"}]}"#,
    );
    assert!(has(&e, "bond_configs[0].slave_interfaces[0]", "slave of itself"), "{e:#?}");

    let e = errors(
        r#"{"version": "1.0", "bond_configs": [
             {"bond_name": "b0", "slave_interfaces": ["b1"], "mode": "broadcast"},
             {"bond_name": "b1", "slave_interfaces": ["e0"], "mode": "broadcast"}]}"#,
    );
    assert!(has(&e, "bond_configs[1].bond_name", "also listed as a slave"), "{e:#?}");
}

#[test]
fn mii_monitor_defaults_to_100_and_accepts_its_bounds() {
    let c = load_str(
        r#"{"version": "1.0", "bond_configs": [
             {"bond_name": "b0", "slave_interfaces": ["e0"], "mode": "active-backup"},
             {"bond_name": "b1", "slave_interfaces": ["e1"], "mode": "802.3ad",
              "mii_monitor": 60000}]}"#,
    )
    .unwrap()
    .config;
    assert_eq!(c.bond_configs[0].mii_monitor, 100);
    assert_eq!(c.bond_configs[1].mii_monitor, 60000);
}

#[test]
fn vf_lag_needs_a_bond_it_could_match() {
    let e = errors(
        r#"{"version": "1.0",
            "device_policies": [{"drivers": ["igb"], "num_vfs": 1, "mode": "vf-lag"}]}"#,
    );
    assert!(has(&e, "device_policies[0].mode", "enslaves no interface"), "{e:#?}");

    let e = errors(
        r#"{"version": "1.0",
            "device_policies": [{"pf_names": ["eth9"], "num_vfs": 1, "mode": "vf-lag"}],
            "bond_configs": [{"bond_name": "b0", "slave_interfaces": ["e0"],
                              "mode": "active-backup"}]}"#,
    );
    assert!(has(&e, "device_policies[0].pf_names", "none of these"), "{e:#?}");

    let ok = load_str(
        r#"{"version": "1.0",
            "device_policies": [{"pf_names": ["e0"], "num_vfs": 1, "mode": "single-home"}],
            "bond_configs": [{"bond_name": "b0", "slave_interfaces": ["e0"],
                              "mode": "active-backup"}]}"#,
    )
    .unwrap();
    assert!(ok.warnings[0].to_string().contains("can never apply"), "{:?}", ok.warnings);
}

#[test]
fn unreadable_file_names_the_path() {
    let err = load(Path::new("/nonexistent/sriov.json")).unwrap_err();
    assert!(err.to_string().starts_with("/nonexistent/sriov.json: cannot read config"), "{err}");
}

#[test]
fn diagnostics_display_their_path() {
    assert_eq!(Diagnostic::error("a.b", "bad").to_string(), "error: a.b: bad");
    assert_eq!(Diagnostic::warning("", "hmm").to_string(), "warning: hmm");
}

#[test]
fn vf_settings_round_trip_and_macs_are_stored_lower_case() {
    let text = r#"{"version": "1.0", "description": "lab", "device_policies": [
        {"vendor_id": "15b3", "device_id": "1021", "num_vfs": 4, "description": "cx7",
         "pci_addresses": ["0000:3b:00.0"], "vf_settings": [
           {"vf": 0, "mac": "02:AA:00:00:00:01", "vlan": 100, "qos": 3,
            "spoof_check": true, "trust": false},
           {"vf": 3, "vlan": 0, "trust": true}]}]}"#;
    let c = load_str(text).unwrap().config;
    let vfs = &c.device_policies[0].vf_settings;
    assert_eq!(vfs[0].mac.as_deref(), Some("02:aa:00:00:00:01"));
    assert_eq!(vfs[0].mac_bytes(), Some([2, 0xaa, 0, 0, 0, 1]));
    assert_eq!((vfs[0].vlan, vfs[0].qos, vfs[0].spoof_check), (Some(100), Some(3), Some(true)));
    let bare =
        VfSettings { vf: 3, mac: None, vlan: None, qos: None, spoof_check: None, trust: None };
    assert_eq!(vfs[1], VfSettings { vlan: Some(0), trust: Some(true), ..bare });
    assert_eq!(vfs[1].mac_bytes(), None);

    let json = serde_json::to_string(&c).unwrap();
    assert!(!json.contains("null"), "unset VF fields are left out: {json}");
    assert_eq!(load_str(&json).unwrap().config, c);
    assert!(load_str(DEFAULT_JSON).unwrap().config.device_policies[0].vf_settings.is_empty());
}

#[test]
fn vf_settings_tree_errors_are_all_reported_by_json_path() {
    let errs = errors(
        r#"{"version": "1.0", "device_policies": [
             {"pf_names": ["eth0"], "num_vfs": 4, "vf_settings": [
               {"vf": -1, "mac": "02:00:00:00:00", "vlan": 4095, "qos": 8,
                "spoof_check": "on", "trust": 1, "rate": 5},
               {"mac": 7},
               "x",
               {"vf": 65535, "mac": "02-00-00-00-00-01", "vlan": -1}]},
             {"drivers": ["igb"], "num_vfs": 1, "vf_settings": {}},
             {"drivers": ["igb"], "num_vfs": 1, "vf_settings": [{"vf": 5, "vlan": 1}]}]}"#,
    );
    let p = "device_policies[0].vf_settings";
    for (path, words) in [
        (format!("{p}[0].vf"), "non-negative integer"),
        (format!("{p}[0].mac"), "\"02:00:00:00:00\" is not a MAC address"),
        (format!("{p}[0].vlan"), "4095 is out of range 0..=4094"),
        (format!("{p}[0].qos"), "8 is out of range 0..=7"),
        (format!("{p}[0].spoof_check"), "true or false"),
        (format!("{p}[0].trust"), "true or false"),
        (format!("{p}[0].rate"), "unknown field; expected one of: vf, mac, vlan, qos"),
        (format!("{p}[1].vf"), "missing"),
        (format!("{p}[1].mac"), "must be a string"),
        (format!("{p}[2]"), "must be an object"),
        (format!("{p}[3].vf"), "65535 is out of range 0..=65534"),
        (format!("{p}[3].mac"), "not a MAC address"),
        (format!("{p}[3].vlan"), "non-negative integer"),
        ("device_policies[1].vf_settings".to_string(), "must be an array"),
        ("device_policies[2].vf_settings[0].vf".to_string(), "VF 5 does not exist"),
    ] {
        assert!(has(&errs, &path, words), "missing {path}: {words} in {errs:#?}");
    }
    assert_eq!(errs.len(), 15, "{errs:#?}");
}

#[test]
fn vf_settings_semantic_errors_are_all_reported_by_json_path() {
    let errs = errors(
        r#"{"version": "1.0", "device_policies": [
             {"pci_addresses": ["0000:3b:00.0"], "num_vfs": 2, "vf_settings": [
               {"vf": 0, "mac": "02:00:00:00:00:AB"},
               {"vf": 2, "trust": true},
               {"vf": 0, "spoof_check": false},
               {"vf": 1}]},
             {"pf_names": ["eth1"], "num_vfs": 4, "vf_settings": [
               {"vf": 0, "qos": 3},
               {"vf": 1, "mac": "02:00:00:00:00:ab"},
               {"vf": 2, "mac": "01:00:5e:00:00:01"},
               {"vf": 3, "mac": "00:00:00:00:00:00"}]},
             {"drivers": ["igb"], "num_vfs": 0, "vf_settings": [{"vf": 0, "vlan": 5}]},
             {"pci_addresses": ["0000:3b:00.0", "0000:3b:00.1"], "num_vfs": 2,
              "vf_settings": [{"vf": 0, "vlan": 5}, {"vf": 1, "mac": "02:00:00:00:00:03"}]},
             {"vendor_id": "15b3", "device_id": "1021", "num_vfs": 1,
              "vf_settings": [{"vf": 0, "mac": "02:00:00:00:00:04"}]}]}"#,
    );
    let one_pf = "a MAC address can only be given in a policy that selects one PF: set \
                  pci_addresses or pf_names to one entry";
    for (path, words) in [
        ("[0].vf_settings[1].vf", "VF 2 does not exist: num_vfs is 2, so the VFs are 0 to 1"),
        ("[0].vf_settings[2].vf", "VF 0 already has an entry, device_policies[0].vf_settings[0]"),
        ("[0].vf_settings[3]", "sets nothing"),
        ("[1].vf_settings[0].qos", "needs vlan"),
        (
            "[1].vf_settings[1].mac",
            "\"02:00:00:00:00:ab\" is already the MAC of device_policies[0].vf_settings[0].mac",
        ),
        ("[1].vf_settings[2].mac", "multicast"),
        ("[1].vf_settings[3].mac", "all-zero"),
        ("[2].vf_settings[0].vf", "VF 0 does not exist: the policy makes no VFs"),
        ("[3].vf_settings[1].mac", one_pf),
        ("[4].vf_settings[0].mac", one_pf),
    ] {
        let path = format!("device_policies{path}");
        assert!(has(&errs, &path, words), "missing {path}: {words} in {errs:#?}");
    }
    assert_eq!(errs.len(), 10, "{errs:#?}");
}

#[test]
fn a_mac_needs_one_entry_in_pci_addresses_or_pf_names() {
    let ok = load_str(
        r#"{"version": "1.0", "device_policies": [
             {"pci_addresses": ["0000:3b:00.0"], "pf_names": ["a", "b"], "num_vfs": 1,
              "vf_settings": [{"vf": 0, "mac": "02:00:00:00:00:01"}]},
             {"drivers": ["igb"], "pf_names": ["c"], "num_vfs": 1,
              "vf_settings": [{"vf": 0, "mac": "02:00:00:00:00:02"}]},
             {"drivers": ["igb"], "num_vfs": 2, "vf_settings": [{"vf": 1, "vlan": 7}]}]}"#,
    );
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn parse_mac_takes_six_hex_pairs_in_either_case() {
    assert_eq!(parse_mac("02:00:00:00:00:01"), Some([2, 0, 0, 0, 0, 1]));
    assert_eq!(parse_mac("AA:bb:Cc:dD:0e:F0"), Some([0xaa, 0xbb, 0xcc, 0xdd, 0x0e, 0xf0]));
    for bad in [
        "",
        "02:00:00:00:00",
        "02:00:00:00:00:01:02",
        "02:00:00:00:00:01:",
        "02-00-00-00-00-01",
        "0200.0000.0001",
        "2:00:00:00:00:01",
        "002:00:00:00:00:01",
        "+2:00:00:00:00:01",
        "02:00:00:00:00:0g",
        " 02:00:00:00:00:01",
    ] {
        assert_eq!(parse_mac(bad), None, "{bad:?}");
    }
}

//! Field-by-field checks that name every problem by its JSON path.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{
    vf, BondConfig, BondMode, DevicePolicy, Diagnostic, LogLevel, PolicyMode, MAX_MII_MONITOR_MS,
};
use crate::ids::{self, Role};

const TOP_FIELDS: &[&str] =
    &["version", "description", "device_policies", "bond_configs", "log_level"];
const POLICY_FIELDS: &[&str] = &[
    "vendor_id",
    "device_id",
    "num_vfs",
    "mode",
    "enable_switch",
    "description",
    "pci_addresses",
    "pf_names",
    "drivers",
    "vf_settings",
];
const BOND_FIELDS: &[&str] = &["bond_name", "slave_interfaces", "mode", "mii_monitor"];

/// The kernel caps `sriov_totalvfs` at a u16.
pub(super) const MAX_NUM_VFS: u64 = u16::MAX as u64;

/// Checks the raw tree: shapes, types, enums and formats.
pub(super) fn check_tree(root: &Value) -> Vec<Diagnostic> {
    let mut c = Checker::default();
    let Some(obj) = root.as_object() else {
        c.err("", "the config must be a JSON object");
        return c.diags;
    };
    c.unknown_fields(obj, "", TOP_FIELDS);

    match obj.get("version") {
        None => c.err("version", "missing; this program reads version \"1.0\""),
        Some(Value::String(v)) if v == "1" || v.starts_with("1.") => {}
        Some(Value::String(v)) => {
            c.err("version", format!("unsupported version \"{v}\"; expected \"1.0\""))
        }
        Some(_) => c.err("version", "must be a string such as \"1.0\""),
    }
    c.opt_string(obj, "", "description");
    if let Some(v) = obj.get("log_level") {
        c.enum_str(v, "log_level", LogLevel::NAMES);
    }
    for (i, p) in c.array(obj, "", "device_policies").iter().enumerate() {
        c.policy(p, &format!("device_policies[{i}]"));
    }
    for (i, b) in c.array(obj, "", "bond_configs").iter().enumerate() {
        c.bond(b, &format!("bond_configs[{i}]"));
    }
    c.diags
}

#[derive(Default)]
pub(super) struct Checker {
    diags: Vec<Diagnostic>,
}

pub(super) fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}

impl Checker {
    pub(super) fn err(&mut self, path: impl Into<String>, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(path, msg));
    }

    pub(super) fn unknown_fields(&mut self, obj: &Map<String, Value>, base: &str, known: &[&str]) {
        for key in obj.keys().filter(|k| !known.contains(&k.as_str())) {
            self.err(
                join(base, key),
                format!("unknown field; expected one of: {}", known.join(", ")),
            );
        }
    }

    fn opt_string(&mut self, obj: &Map<String, Value>, base: &str, key: &str) {
        if let Some(v) = obj.get(key) {
            if !v.is_string() && !v.is_null() {
                self.err(join(base, key), "must be a string");
            }
        }
    }

    fn array<'a>(&mut self, obj: &'a Map<String, Value>, base: &str, key: &str) -> &'a [Value] {
        match obj.get(key) {
            None | Some(Value::Null) => &[],
            Some(Value::Array(items)) => items,
            Some(_) => {
                self.err(join(base, key), "must be an array");
                &[]
            }
        }
    }

    fn enum_str(&mut self, v: &Value, path: &str, names: &[&str]) {
        match v.as_str() {
            Some(s) if names.contains(&s) => {}
            Some(s) => self.err(path, format!("\"{s}\" is not one of: {}", names.join(", "))),
            None => self.err(path, format!("must be a string, one of: {}", names.join(", "))),
        }
    }

    pub(super) fn uint(&mut self, v: &Value, path: &str, max: u64) -> Option<u64> {
        match v.as_u64() {
            Some(n) if n <= max => Some(n),
            Some(n) => {
                self.err(path, format!("{n} is out of range 0..={max}"));
                None
            }
            None => {
                self.err(path, "must be a non-negative integer");
                None
            }
        }
    }

    /// A list of strings, each checked by `valid`, which explains a bad one.
    fn str_list(
        &mut self,
        obj: &Map<String, Value>,
        base: &str,
        key: &str,
        valid: fn(&str) -> Result<(), String>,
    ) {
        let path = join(base, key);
        for (i, item) in self.array(obj, base, key).iter().enumerate() {
            match item.as_str() {
                Some(s) => {
                    if let Err(why) = valid(s) {
                        self.err(format!("{path}[{i}]"), why);
                    }
                }
                None => self.err(format!("{path}[{i}]"), "must be a string"),
            }
        }
    }

    fn hex_id(&mut self, obj: &Map<String, Value>, base: &str, key: &str) -> Option<String> {
        let v = obj.get(key)?;
        match v.as_str() {
            Some(s) if s.len() == 4 && s.chars().all(|c| c.is_ascii_hexdigit()) => {
                Some(s.to_ascii_lowercase())
            }
            Some(s) => {
                self.err(
                    join(base, key),
                    format!("\"{s}\" is not 4 hex digits (for example \"15b3\")"),
                );
                None
            }
            None => {
                self.err(join(base, key), "must be a string of 4 hex digits");
                None
            }
        }
    }

    fn policy(&mut self, v: &Value, path: &str) {
        let Some(obj) = v.as_object() else {
            self.err(path, "must be an object");
            return;
        };
        self.unknown_fields(obj, path, POLICY_FIELDS);

        let vendor = self.hex_id(obj, path, "vendor_id");
        let device = self.hex_id(obj, path, "device_id");
        match (obj.contains_key("vendor_id"), obj.contains_key("device_id")) {
            (true, false) => {
                self.err(join(path, "device_id"), "missing; vendor_id and device_id go together")
            }
            (false, true) => {
                self.err(join(path, "vendor_id"), "missing; vendor_id and device_id go together")
            }
            _ => {}
        }
        if let (Some(vendor), Some(device)) = (vendor, device) {
            self.vf_id_warning(path, &vendor, &device);
        }

        match obj.get("num_vfs") {
            Some(n) => {
                self.uint(n, &join(path, "num_vfs"), MAX_NUM_VFS);
            }
            None => {
                self.err(join(path, "num_vfs"), "missing; say how many VFs the PFs should have")
            }
        }
        if let Some(m) = obj.get("mode") {
            self.enum_str(m, &join(path, "mode"), PolicyMode::NAMES);
        }
        if let Some(b) = obj.get("enable_switch") {
            if !b.is_boolean() {
                self.err(join(path, "enable_switch"), "must be true or false");
            }
        }
        self.opt_string(obj, path, "description");
        self.str_list(obj, path, "pci_addresses", check_pci_address);
        self.str_list(obj, path, "pf_names", check_ifname);
        self.str_list(obj, path, "drivers", check_driver);
        for (i, s) in self.array(obj, path, "vf_settings").iter().enumerate() {
            self.vf_entry(s, &format!("{path}.vf_settings[{i}]"));
        }

        let has_selector = obj.contains_key("vendor_id")
            || obj.contains_key("device_id")
            || ["pci_addresses", "pf_names", "drivers"]
                .iter()
                .any(|k| obj.get(*k).and_then(Value::as_array).is_some_and(|a| !a.is_empty()));
        if !has_selector {
            self.err(
                path,
                "has no selector; give vendor_id and device_id, pci_addresses, pf_names or drivers",
            );
        }
    }

    fn vf_id_warning(&mut self, path: &str, vendor: &str, device: &str) {
        let Some(known) = ids::known(vendor, device) else {
            return;
        };
        let Role::Vf { pf } = known.role else { return };
        let pf_name = ids::known(vendor, pf).map(|k| k.name).unwrap_or("its PF");
        self.diags.push(Diagnostic::warning(
            join(path, "device_id"),
            format!(
                "{vendor}:{device} is a virtual function ID ({}); policies match PFs, so this \
                 probably means {vendor}:{pf} ({pf_name})",
                known.name
            ),
        ));
    }

    fn bond(&mut self, v: &Value, path: &str) {
        let Some(obj) = v.as_object() else {
            self.err(path, "must be an object");
            return;
        };
        self.unknown_fields(obj, path, BOND_FIELDS);

        match obj.get("bond_name") {
            None => self.err(join(path, "bond_name"), "missing"),
            Some(Value::String(s)) => {
                if let Err(why) = check_ifname(s) {
                    self.err(join(path, "bond_name"), why);
                }
            }
            Some(_) => self.err(join(path, "bond_name"), "must be a string"),
        }
        match obj.get("slave_interfaces") {
            None => {
                self.err(join(path, "slave_interfaces"), "missing; list the interfaces to enslave")
            }
            Some(Value::Array(a)) if a.is_empty() => {
                self.err(join(path, "slave_interfaces"), "must list at least one interface")
            }
            Some(_) => self.str_list(obj, path, "slave_interfaces", check_ifname),
        }
        match obj.get("mode") {
            None => self.err(
                join(path, "mode"),
                format!("missing; one of: {}", BondMode::NAMES.join(", ")),
            ),
            Some(m) => self.enum_str(m, &join(path, "mode"), BondMode::NAMES),
        }
        if let Some(m) = obj.get("mii_monitor") {
            self.uint(m, &join(path, "mii_monitor"), MAX_MII_MONITOR_MS);
        }
    }
}

/// Checks that span entries: duplicates, policies that can never apply, and
/// `vf_settings` (in `vf`).
/// Entries that failed the tree check are `None`, so that these checks still
/// run on the rest, with the right indices, and every error shows at once.
pub(super) fn check_semantics(
    policies: &[Option<DevicePolicy>],
    bonds: &[Option<BondConfig>],
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();

    let mut bond_names: BTreeMap<&str, usize> = BTreeMap::new();
    let mut slave_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, bond) in indexed(bonds) {
        let path = format!("bond_configs[{i}]");
        if let Some(first) = bond_names.insert(&bond.bond_name, i) {
            diags.push(Diagnostic::error(
                format!("{path}.bond_name"),
                format!("duplicate bond name \"{}\" (also bond_configs[{first}])", bond.bond_name),
            ));
        }
        for (j, slave) in bond.slave_interfaces.iter().enumerate() {
            let spath = format!("{path}.slave_interfaces[{j}]");
            if *slave == bond.bond_name {
                diags.push(Diagnostic::error(
                    spath,
                    format!("\"{slave}\" cannot be a slave of itself"),
                ));
                continue;
            }
            match slave_of.get(slave.as_str()) {
                Some(&k) if k == i => {
                    diags.push(Diagnostic::error(spath, format!("\"{slave}\" is listed twice")))
                }
                Some(&k) => {
                    let owner = bonds[k].as_ref().map_or("", |b| b.bond_name.as_str());
                    diags.push(Diagnostic::error(
                        spath,
                        format!(
                            "\"{slave}\" is already a slave of \"{owner}\" (bond_configs[{k}])"
                        ),
                    ))
                }
                None => {
                    slave_of.insert(slave, i);
                }
            }
        }
    }
    for (i, bond) in indexed(bonds) {
        if slave_of.contains_key(bond.bond_name.as_str()) {
            diags.push(Diagnostic::error(
                format!("bond_configs[{i}].bond_name"),
                format!("\"{}\" is also listed as a slave of a bond", bond.bond_name),
            ));
        }
    }

    for (i, p) in indexed(policies) {
        let path = format!("device_policies[{i}]");
        let named_slaves = p.pf_names.iter().filter(|n| slave_of.contains_key(n.as_str())).count();
        match p.mode {
            PolicyMode::VfLag if slave_of.is_empty() => diags.push(Diagnostic::error(
                format!("{path}.mode"),
                "vf-lag applies only to PFs that are bond slaves, and bond_configs enslaves no \
                 interface",
            )),
            PolicyMode::VfLag if !p.pf_names.is_empty() && named_slaves == 0 => {
                diags.push(Diagnostic::error(
                    format!("{path}.pf_names"),
                    "vf-lag applies only to bond slaves, and none of these interfaces is in \
                     bond_configs",
                ))
            }
            PolicyMode::SingleHome
                if !p.pf_names.is_empty() && named_slaves == p.pf_names.len() =>
            {
                diags.push(Diagnostic::warning(
                    format!("{path}.pf_names"),
                    "single-home applies only to PFs outside bonds, and every interface named \
                     here is a bond slave, so this policy can never apply",
                ))
            }
            _ => {}
        }
    }
    diags.extend(vf::check_semantics(policies));
    diags
}

pub(super) fn indexed<T>(items: &[Option<T>]) -> impl Iterator<Item = (usize, &T)> {
    items.iter().enumerate().filter_map(|(i, x)| x.as_ref().map(|x| (i, x)))
}

/// Each entry of the array at `key`, typed when it passed the tree check.
pub(super) fn typed_entries<T: serde::de::DeserializeOwned>(
    root: &Value,
    key: &str,
    diags: &[Diagnostic],
) -> Vec<Option<T>> {
    let items = root.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let prefix = format!("{key}[{i}]");
            let clean = !diags.iter().any(|d| {
                d.is_error() && (d.path == prefix || d.path.starts_with(&format!("{prefix}.")))
            });
            clean.then(|| serde_json::from_value(v.clone()).ok()).flatten()
        })
        .collect()
}

/// An interface name the kernel accepts: 1–15 bytes, no '/', ':' or whitespace,
/// not "." or "..".
pub fn is_valid_ifname(name: &str) -> bool {
    check_ifname(name).is_ok()
}

fn check_ifname(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 15 {
        return Err(format!("\"{name}\" is not a valid interface name: must be 1 to 15 bytes"));
    }
    if name == "." || name == ".." {
        return Err(format!("\"{name}\" is not a valid interface name"));
    }
    if name.chars().any(|c| c == '/' || c == ':' || c.is_whitespace()) {
        return Err(format!("\"{name}\" is not a valid interface name: no '/', ':' or whitespace"));
    }
    Ok(())
}

/// A full PCI address, `DDDD:BB:DD.F`, in hex (device up to 1f, function up to 7).
pub fn is_valid_pci_address(addr: &str) -> bool {
    check_pci_address(addr).is_ok()
}

fn check_pci_address(addr: &str) -> Result<(), String> {
    let bad =
        || format!("\"{addr}\" is not a PCI address of the form DDDD:BB:DD.F (e.g. 0000:3b:00.0)");
    let b = addr.as_bytes();
    if b.len() != 12 || b[4] != b':' || b[7] != b':' || b[10] != b'.' {
        return Err(bad());
    }
    let hex = |r: std::ops::Range<usize>| addr[r].chars().all(|c| c.is_ascii_hexdigit());
    if !(hex(0..4) && hex(5..7) && hex(8..10)) {
        return Err(bad());
    }
    let dev = u8::from_str_radix(&addr[8..10], 16).map_err(|_| bad())?;
    if dev > 0x1f || !(b'0'..=b'7').contains(&b[11]) {
        return Err(bad());
    }
    Ok(())
}

fn check_driver(name: &str) -> Result<(), String> {
    if name.is_empty() || name.contains('/') || name.chars().any(char::is_whitespace) {
        return Err(format!("\"{name}\" is not a valid driver name"));
    }
    Ok(())
}

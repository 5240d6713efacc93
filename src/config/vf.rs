//! `vf_settings`: MAC parsing and the checks on per-VF entries.
//!
//! The tree checks extend the [`Checker`] of `validate`; the semantic checks
//! run on the typed policies, as the other cross-entry checks do.

use std::collections::BTreeMap;

use serde_json::Value;

use super::validate::{indexed, join, Checker, MAX_NUM_VFS};
use super::{DevicePolicy, Diagnostic, VfSettings};

const VF_FIELDS: &[&str] = &["vf", "mac", "vlan", "qos", "spoof_check", "trust"];

/// VF indices run below `num_vfs`, which the kernel caps at a u16.
const MAX_VF_INDEX: u64 = MAX_NUM_VFS - 1;

/// VLAN 4095 is reserved by 802.1Q.
const MAX_VLAN: u64 = 4094;

/// The 802.1p priority is three bits.
const MAX_QOS: u64 = 7;

const MAC_EXAMPLE: &str = "02:00:00:00:00:01";

/// Parses a MAC address written as six hex pairs separated by ':', in either
/// case, such as `02:00:00:00:00:01`.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut bytes = [0u8; 6];
    let mut pairs = s.split(':');
    for byte in &mut bytes {
        let pair = pairs.next()?;
        // from_str_radix alone would also take "+a".
        if pair.len() != 2 || !pair.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    pairs.next().is_none().then_some(bytes)
}

impl Checker {
    /// Checks one `vf_settings` entry of the raw tree.
    pub(super) fn vf_entry(&mut self, v: &Value, path: &str) {
        let Some(obj) = v.as_object() else {
            self.err(path, "must be an object");
            return;
        };
        self.unknown_fields(obj, path, VF_FIELDS);

        match obj.get("vf") {
            Some(n) => {
                self.uint(n, &join(path, "vf"), MAX_VF_INDEX);
            }
            None => self.err(join(path, "vf"), "missing; give the VF index (0 is the first VF)"),
        }
        if let Some(m) = obj.get("mac") {
            self.mac(m, &join(path, "mac"));
        }
        for (key, max) in [("vlan", MAX_VLAN), ("qos", MAX_QOS)] {
            if let Some(n) = obj.get(key) {
                self.uint(n, &join(path, key), max);
            }
        }
        for key in ["spoof_check", "trust"] {
            if obj.get(key).is_some_and(|b| !b.is_boolean()) {
                self.err(join(path, key), "must be true or false");
            }
        }
    }

    fn mac(&mut self, v: &Value, path: &str) {
        match v.as_str() {
            Some(s) if parse_mac(s).is_some() => {}
            Some(s) => self.err(
                path,
                format!("\"{s}\" is not a MAC address of the form {MAC_EXAMPLE} (6 hex pairs)"),
            ),
            None => self.err(path, format!("must be a string such as \"{MAC_EXAMPLE}\"")),
        }
    }
}

/// Checks on the `vf_settings` of every policy that passed the tree check.
pub(super) fn check_semantics(policies: &[Option<DevicePolicy>]) -> Vec<Diagnostic> {
    let mut c = Semantics::default();
    for (i, p) in indexed(policies) {
        c.policy(p, &format!("device_policies[{i}]"));
    }
    c.diags
}

#[derive(Default)]
struct Semantics {
    diags: Vec<Diagnostic>,
    /// Every valid MAC seen so far in the config, with the path that gave it.
    macs: BTreeMap<[u8; 6], String>,
}

impl Semantics {
    fn err(&mut self, path: impl Into<String>, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(path, msg));
    }

    fn policy(&mut self, p: &DevicePolicy, base: &str) {
        let mut seen: BTreeMap<u32, usize> = BTreeMap::new();
        for (j, s) in p.vf_settings.iter().enumerate() {
            let path = format!("{base}.vf_settings[{j}]");
            self.index(s.vf, p.num_vfs, &path);
            if let Some(first) = seen.insert(s.vf, j) {
                self.err(
                    format!("{path}.vf"),
                    format!("VF {} already has an entry, {base}.vf_settings[{first}]", s.vf),
                );
            }
            self.entry(s, &path);
        }

        // The same MAC on VF N of two PFs would clash on the wire. The
        // selectors all narrow, so one entry in either list means one PF.
        if p.pci_addresses.len() == 1 || p.pf_names.len() == 1 {
            return;
        }
        if let Some(j) = p.vf_settings.iter().position(|s| s.mac.is_some()) {
            self.err(
                format!("{base}.vf_settings[{j}].mac"),
                "a MAC address can only be given in a policy that selects one PF: set \
                 pci_addresses or pf_names to one entry",
            );
        }
    }

    fn index(&mut self, vf: u32, num_vfs: u32, path: &str) {
        if vf < num_vfs {
            return;
        }
        let why = match num_vfs {
            0 => "the policy makes no VFs (num_vfs is 0)".to_string(),
            n => format!("num_vfs is {n}, so the VFs are 0 to {}", n - 1),
        };
        self.err(format!("{path}.vf"), format!("VF {vf} does not exist: {why}"));
    }

    fn entry(&mut self, s: &VfSettings, path: &str) {
        let sets_nothing = s.mac.is_none()
            && s.vlan.is_none()
            && s.qos.is_none()
            && s.spoof_check.is_none()
            && s.trust.is_none();
        if sets_nothing {
            self.err(path, "sets nothing; give mac, vlan, qos, spoof_check or trust");
        }
        if s.qos.is_some() && s.vlan.is_none() {
            self.err(format!("{path}.qos"), "needs vlan: qos is the priority of the VLAN tag");
        }
        if let Some((text, bytes)) = s.mac.as_deref().zip(s.mac_bytes()) {
            self.mac(text, bytes, &format!("{path}.mac"));
        }
    }

    fn mac(&mut self, text: &str, bytes: [u8; 6], path: &str) {
        if bytes == [0; 6] {
            self.err(path, format!("\"{text}\" is the all-zero address; give a unicast MAC"));
            return;
        }
        if bytes[0] & 1 != 0 {
            self.err(
                path,
                format!(
                    "\"{text}\" is a multicast address; a VF needs a unicast MAC (lowest bit \
                     of the first octet clear)"
                ),
            );
            return;
        }
        if let Some(first) = self.macs.get(&bytes) {
            let msg = format!("\"{text}\" is already the MAC of {first}");
            self.err(path, msg);
            return;
        }
        self.macs.insert(bytes, path.to_string());
    }
}

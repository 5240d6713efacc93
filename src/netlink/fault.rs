//! A fake kernel for tests: it keeps links, bonds, VF tables and eswitch
//! modes in memory, records every call, and fails chosen calls with an errno.
//!
//! It exists for fault injection and for checking the order of calls.
//! Whether the real kernel behaves the same is proven in the VM rig
//! (tests/vm), never here. The ConnectX-7 and Pensando paths that no emulator
//! offers (EBUSY from a switchdev change while VFs are bound, EINVAL from a
//! bond that refuses a slave) are exercised through this fake.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::devlink::EswitchMode;
use super::errno::{EBUSY, EEXIST, EINVAL, ENODEV, EOPNOTSUPP, EPERM};
use super::link::{BondState, Link, VfChange, VfState};
use super::net::{Net, NetError};

#[derive(Default)]
struct World {
    eswitch: BTreeMap<String, EswitchMode>,
    links: BTreeMap<String, Link>,
    vfs: BTreeMap<String, Vec<VfState>>,
    next_index: u32,
}

impl World {
    /// A new interface, down; a bond when `bond` is given.
    fn add(&mut self, name: &str, bond: Option<BondState>) {
        let index = self.next_index;
        self.next_index += 1;
        let link = Link {
            index,
            name: name.to_string(),
            up: false,
            master: None,
            kind: bond.map(|_| "bond".to_string()),
            bond,
        };
        self.links.insert(name.to_string(), link);
    }
}

struct Rule {
    call: String,
    target: String,
    nth: Option<usize>,
    seen: usize,
    errno: i32,
}

/// An in-memory [`Net`] with fault injection.
#[derive(Default)]
pub struct FakeNet {
    world: Mutex<World>,
    rules: Mutex<Vec<Rule>>,
    calls: Mutex<Vec<String>>,
}

impl FakeNet {
    pub fn new() -> Self {
        let fake = FakeNet::default();
        fake.world.lock().unwrap().next_index = 10;
        fake
    }

    /// A devlink device with an eswitch in `mode` (`bus/address`).
    pub fn with_eswitch(self, handle: &str, mode: EswitchMode) -> Self {
        self.world.lock().unwrap().eswitch.insert(handle.to_string(), mode);
        self
    }

    /// An interface, down, with `vfs` VFs in its VF table.
    pub fn with_link(self, name: &str, vfs: u32) -> Self {
        let mut w = self.world.lock().unwrap();
        w.add(name, None);
        w.vfs.insert(name.to_string(), (0..vfs).map(blank_vf).collect());
        drop(w);
        self
    }

    /// A bond as the bonding module makes it when it loads: down, no slaves.
    pub fn with_bond(self, name: &str, mode: u8, miimon: u32) -> Self {
        self.world.lock().unwrap().add(name, Some(BondState { mode, miimon }));
        self
    }

    /// Fails every `call` (its method name) on `target` with `errno`.
    pub fn fail(self, call: &str, target: &str, errno: i32) -> Self {
        self.rule(call, target, None, errno)
    }

    /// Fails only the `nth` (1-based) such call.
    pub fn fail_nth(self, call: &str, target: &str, nth: usize, errno: i32) -> Self {
        self.rule(call, target, Some(nth), errno)
    }

    fn rule(self, call: &str, target: &str, nth: Option<usize>, errno: i32) -> Self {
        let rule = Rule { call: call.into(), target: target.into(), nth, seen: 0, errno };
        self.rules.lock().unwrap().push(rule);
        self
    }

    /// Every call so far, as `method target [args]`.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    /// Only the calls that change something (not `link`, `vfs`, `eswitch_mode`).
    pub fn writes(&self) -> Vec<String> {
        let reads = ["link ", "vfs ", "eswitch_mode "];
        self.calls().into_iter().filter(|c| !reads.iter().any(|r| c.starts_with(r))).collect()
    }

    pub fn link_state(&self, name: &str) -> Option<Link> {
        self.world.lock().unwrap().links.get(name).cloned()
    }

    pub fn vf_state(&self, pf: &str) -> Vec<VfState> {
        self.world.lock().unwrap().vfs.get(pf).cloned().unwrap_or_default()
    }

    pub fn mode(&self, handle: &str) -> Option<EswitchMode> {
        self.world.lock().unwrap().eswitch.get(handle).copied()
    }

    /// What the sysfs side does when VFs are created: the PF's VF table grows.
    pub fn set_vf_count(&self, pf: &str, count: u32) {
        let mut w = self.world.lock().unwrap();
        w.vfs.insert(pf.to_string(), (0..count).map(blank_vf).collect());
    }

    fn enter(&self, call: &str, target: &str, args: &str) -> Result<(), NetError> {
        let line = if args.is_empty() {
            format!("{call} {target}")
        } else {
            format!("{call} {target} {args}")
        };
        self.calls.lock().unwrap().push(line);
        let mut rules = self.rules.lock().unwrap();
        let hit = rules.iter_mut().filter(|r| r.call == call && r.target == target).find_map(|r| {
            r.seen += 1;
            (r.nth.is_none() || r.nth == Some(r.seen)).then_some(r.errno)
        });
        match hit {
            Some(errno) => Err(errno_error(errno, &format!("{target}: {call}: injected"))),
            None => Ok(()),
        }
    }
}

fn blank_vf(vf: u32) -> VfState {
    VfState { vf, mac: [0; 6], vlan: 0, qos: 0, spoof_check: Some(true), trust: Some(false) }
}

fn errno_error(errno: i32, what: &str) -> NetError {
    let text = std::io::Error::from_raw_os_error(errno);
    NetError::Errno { errno, message: format!("{what}: {text}") }
}

fn mode_name(mode: EswitchMode) -> &'static str {
    match mode {
        EswitchMode::Legacy => "legacy",
        EswitchMode::Switchdev => "switchdev",
    }
}

#[async_trait]
impl Net for FakeNet {
    async fn eswitch_mode(&self, bus: &str, address: &str) -> Result<EswitchMode, NetError> {
        let handle = format!("{bus}/{address}");
        self.enter("eswitch_mode", &handle, "")?;
        let w = self.world.lock().unwrap();
        w.eswitch.get(&handle).copied().ok_or_else(|| errno_error(EOPNOTSUPP, &handle))
    }

    async fn set_eswitch_mode(
        &self,
        bus: &str,
        address: &str,
        mode: EswitchMode,
    ) -> Result<(), NetError> {
        let handle = format!("{bus}/{address}");
        self.enter("set_eswitch_mode", &handle, mode_name(mode))?;
        let mut w = self.world.lock().unwrap();
        match w.eswitch.get_mut(&handle) {
            Some(m) => {
                *m = mode;
                Ok(())
            }
            None => Err(errno_error(EOPNOTSUPP, &handle)),
        }
    }

    async fn link(&self, name: &str) -> Result<Option<Link>, NetError> {
        self.enter("link", name, "")?;
        Ok(self.world.lock().unwrap().links.get(name).cloned())
    }

    async fn vfs(&self, pf: &str) -> Result<Vec<VfState>, NetError> {
        self.enter("vfs", pf, "")?;
        let w = self.world.lock().unwrap();
        w.vfs.get(pf).cloned().ok_or_else(|| errno_error(ENODEV, pf))
    }

    async fn set_vf(&self, pf: &str, vf: u32, change: &VfChange) -> Result<(), NetError> {
        self.enter("set_vf", pf, &format!("{vf} {change:?}"))?;
        let mut w = self.world.lock().unwrap();
        let table = w.vfs.get_mut(pf).ok_or_else(|| errno_error(ENODEV, pf))?;
        let state = table
            .iter_mut()
            .find(|s| s.vf == vf)
            .ok_or_else(|| errno_error(EINVAL, &format!("{pf}: vf {vf}")))?;
        if let Some(mac) = change.mac {
            state.mac = mac;
        }
        if let Some((vlan, qos)) = change.vlan {
            (state.vlan, state.qos) = (vlan, qos);
        }
        if let Some(on) = change.spoof_check {
            state.spoof_check = Some(on);
        }
        if let Some(on) = change.trust {
            state.trust = Some(on);
        }
        Ok(())
    }

    async fn add_bond(&self, name: &str, mode: u8, miimon: u32) -> Result<(), NetError> {
        self.enter("add_bond", name, &format!("mode {mode} miimon {miimon}"))?;
        let mut w = self.world.lock().unwrap();
        if w.links.contains_key(name) {
            return Err(errno_error(EEXIST, name));
        }
        w.add(name, Some(BondState { mode, miimon }));
        Ok(())
    }

    async fn set_bond_miimon(&self, name: &str, miimon: u32) -> Result<(), NetError> {
        self.enter("set_bond_miimon", name, &miimon.to_string())?;
        let mut w = self.world.lock().unwrap();
        match w.links.get_mut(name).and_then(|l| l.bond.as_mut()) {
            Some(b) => {
                b.miimon = miimon;
                Ok(())
            }
            None => Err(errno_error(ENODEV, name)),
        }
    }

    async fn set_bond_mode(&self, name: &str, mode: u8) -> Result<(), NetError> {
        self.enter("set_bond_mode", name, &mode.to_string())?;
        let mut w = self.world.lock().unwrap();
        let up = w.links.get(name).is_some_and(|l| l.up);
        let index = w.links.get(name).map(|l| l.index);
        let has_slaves = w.links.values().any(|l| l.master.is_some() && l.master == index);
        if up || has_slaves {
            return Err(errno_error(EBUSY, name));
        }
        match w.links.get_mut(name).and_then(|l| l.bond.as_mut()) {
            Some(b) => {
                b.mode = mode;
                Ok(())
            }
            None => Err(errno_error(ENODEV, name)),
        }
    }

    async fn enslave(&self, slave: &str, bond: &str) -> Result<(), NetError> {
        self.enter("enslave", slave, bond)?;
        let mut w = self.world.lock().unwrap();
        let bond_index = match w.links.get(bond) {
            Some(l) if l.bond.is_some() => l.index,
            _ => return Err(errno_error(ENODEV, bond)),
        };
        let link = w.links.get_mut(slave).ok_or_else(|| errno_error(ENODEV, slave))?;
        if link.master.is_some() {
            return Err(errno_error(EPERM, slave));
        }
        link.master = Some(bond_index);
        link.up = true;
        Ok(())
    }

    async fn set_up(&self, name: &str) -> Result<(), NetError> {
        self.enter("set_up", name, "")?;
        let mut w = self.world.lock().unwrap();
        let link = w.links.get_mut(name).ok_or_else(|| errno_error(ENODEV, name))?;
        link.up = true;
        Ok(())
    }
}

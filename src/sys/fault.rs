//! Fault injection for tests: wraps a [`Host`] and fails chosen calls.
//!
//! Hardware that no emulator offers (ConnectX-7, Pensando, E810) is exercised
//! through this wrapper: their documented failure modes (EBUSY while VFs are in
//! use, EIO from firmware, ENODEV after a surprise removal, i40e-style writes
//! that block for minutes) are injected at the exact step.

use std::io;
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use super::{DeviceKey, Host};

/// Which host call a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    ReadNumVfs,
    WriteNumVfs,
    VfDrivers,
    Unbind,
    Probe,
}

/// What happens instead of the real call.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// Fail with this errno (e.g. `libc`'s EBUSY = 16, EIO = 5, ENODEV = 19).
    Errno(i32),
    /// Block this long, then perform the real call.
    Hang(Duration),
}

#[derive(Debug, Clone)]
struct Rule {
    address: String,
    op: Op,
    /// Fire on the nth matching call only (1-based), or on every call.
    nth: Option<usize>,
    fault: Fault,
    seen: usize,
}

/// A recorded host call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub address: String,
    pub op: Op,
    /// The value written, for writes.
    pub value: Option<u32>,
}

/// A [`Host`] that records every call and injects the configured faults.
pub struct FaultyHost<H> {
    inner: H,
    rules: Mutex<Vec<Rule>>,
    calls: Mutex<Vec<Call>>,
}

impl<H: Host> FaultyHost<H> {
    pub fn new(inner: H) -> Self {
        FaultyHost { inner, rules: Mutex::new(Vec::new()), calls: Mutex::new(Vec::new()) }
    }

    /// Fails every `op` on the device at `address`.
    pub fn always(self, address: &str, op: Op, fault: Fault) -> Self {
        self.rule(address, op, None, fault)
    }

    /// Fails only the `nth` (1-based) `op` on the device at `address`.
    pub fn nth(self, address: &str, op: Op, nth: usize, fault: Fault) -> Self {
        self.rule(address, op, Some(nth), fault)
    }

    fn rule(self, address: &str, op: Op, nth: Option<usize>, fault: Fault) -> Self {
        let rule = Rule { address: address.to_string(), op, nth, fault, seen: 0 };
        self.rules.lock().unwrap().push(rule);
        self
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// Only the writes so far.
    pub fn writes(&self) -> Vec<Call> {
        let writes = [Op::WriteNumVfs, Op::Unbind, Op::Probe];
        self.calls().into_iter().filter(|c| writes.contains(&c.op)).collect()
    }

    fn intercept(&self, address: &str, op: Op, value: Option<u32>) -> io::Result<()> {
        self.calls.lock().unwrap().push(Call { address: address.to_string(), op, value });
        let fault = {
            let mut rules = self.rules.lock().unwrap();
            rules.iter_mut().filter(|r| r.address == address && r.op == op).find_map(|r| {
                r.seen += 1;
                (r.nth.is_none() || r.nth == Some(r.seen)).then_some(r.fault)
            })
        };
        match fault {
            Some(Fault::Errno(errno)) => Err(io::Error::from_raw_os_error(errno)),
            Some(Fault::Hang(d)) => {
                thread::sleep(d);
                Ok(())
            }
            None => Ok(()),
        }
    }
}

impl<H: Host> Host for FaultyHost<H> {
    fn read_num_vfs(&self, dev: &DeviceKey) -> io::Result<u32> {
        self.intercept(&dev.address, Op::ReadNumVfs, None)?;
        self.inner.read_num_vfs(dev)
    }

    fn write_num_vfs(&self, dev: &DeviceKey, num_vfs: u32) -> io::Result<()> {
        self.intercept(&dev.address, Op::WriteNumVfs, Some(num_vfs))?;
        self.inner.write_num_vfs(dev, num_vfs)
    }

    fn vf_drivers(&self, pf: &DeviceKey) -> io::Result<Vec<(String, Option<String>)>> {
        self.intercept(&pf.address, Op::VfDrivers, None)?;
        self.inner.vf_drivers(pf)
    }

    fn unbind(&self, address: &str) -> io::Result<()> {
        self.intercept(address, Op::Unbind, None)?;
        self.inner.unbind(address)
    }

    fn probe(&self, address: &str) -> io::Result<()> {
        self.intercept(address, Op::Probe, None)?;
        self.inner.probe(address)
    }
}

//! One reconcile: discover, plan the PFs in scope, apply, and remember what
//! happened to each, including when a failed device is due for a retry.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tracing::{debug, info, warn};

use super::state::{self, Desired, DeviceRecord, Observed, Outcome, PolicyRef};
use super::watch::Known;
use crate::apply::{self, ApplyOptions, Backend, DeviceOutcome};
use crate::config::Config;
use crate::discover::{self, Device, DiscoverError};
use crate::plan::{self, DevicePlan, Plan, BOND_BUS};
use crate::sys::DeviceKey;

/// Retry delays for a failing device: doubling from `base` up to `max`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { base: Duration::from_secs(2), max: Duration::from_secs(300) }
    }
}

impl Backoff {
    /// The wait after the `failures`-th failure in a row (1-based).
    pub fn delay(&self, failures: u32) -> Duration {
        let factor = 1u32.checked_shl(failures.saturating_sub(1)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.max)
    }
}

/// Which PFs a reconcile looks at.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Every PF on the host (start, reload).
    All,
    /// Only these (events, retries).
    Only(Vec<DeviceKey>),
}

impl Scope {
    pub fn contains(&self, key: &DeviceKey) -> bool {
        match self {
            Scope::All => true,
            Scope::Only(keys) => keys.contains(key),
        }
    }
}

/// The daemon's memory of each matched device.
struct Tracked {
    record: DeviceRecord,
    failures: u32,
    retry_at: Option<Instant>,
}

pub struct Reconciler {
    pub sysfs_root: PathBuf,
    pub pci_ids: PathBuf,
    pub backend: Backend,
    pub opts: ApplyOptions,
    pub backoff: Backoff,
    known: Known,
    tracked: BTreeMap<DeviceKey, Tracked>,
}

impl Reconciler {
    pub fn new(sysfs_root: PathBuf, backend: Backend, opts: ApplyOptions) -> Self {
        Reconciler {
            sysfs_root,
            pci_ids: PathBuf::from(crate::ids::PCI_IDS_PATH),
            backend,
            opts,
            backoff: Backoff::default(),
            known: Known::default(),
            tracked: BTreeMap::new(),
        }
    }

    pub fn known(&self) -> &Known {
        &self.known
    }

    /// Discovers the host, then configures the PFs in `scope` that a policy
    /// selects and the bonds over their interfaces. Returns what it changed.
    pub async fn reconcile(
        &mut self,
        config: &Config,
        scope: Scope,
    ) -> Result<Vec<DeviceKey>, DiscoverError> {
        let devices = self.discover(config, &scope).await?;
        let in_scope = |k: &DeviceKey| scope.contains(k);

        // PFs we configured that are gone (hot-unplug, driver reset in progress).
        let gone: Vec<DeviceKey> = self
            .tracked
            .keys()
            .filter(|k| k.bus != BOND_BUS && in_scope(k))
            .filter(|k| !devices.iter().any(|d| d.key() == **k))
            .cloned()
            .collect();
        for key in gone {
            info!(device = %key, "{key}: device is gone; forgetting it until it comes back");
            self.tracked.remove(&key);
        }

        let scoped: Vec<&Device> = devices.iter().filter(|d| in_scope(&d.key())).collect();
        let mut plan = Plan::default();
        for dev in &scoped {
            match plan::plan_device(config, dev) {
                Some(dp) => plan.devices.push(dp),
                None => self.forget_unmatched(dev),
            }
        }
        let bonds = match &scope {
            Scope::All => (0..config.bond_configs.len()).collect(),
            Scope::Only(keys) => plan::bonds_for(config, &scoped, keys),
        };
        let ifaces = discover::interfaces(&self.sysfs_root);
        plan.bonds = bonds.into_iter().map(|i| plan::plan_bond(config, i, &ifaces)).collect();
        if plan.devices.is_empty() && plan.bonds.is_empty() {
            return Ok(Vec::new());
        }

        let report = apply::apply(&plan, &self.backend, self.opts.clone()).await;
        // After changes, look again: the records show what is really there,
        // and the new VFs must be known so their events map to this PF.
        let devices =
            if report.changes() > 0 { self.discover(config, &scope).await? } else { devices };

        let now = Instant::now();
        let mut changed = Vec::new();
        for (dp, outcome) in plan.units().zip(&report.devices) {
            if outcome.changes > 0 {
                changed.push(dp.key.clone());
            }
            let dev = devices.iter().find(|d| d.key() == dp.key);
            let record = record(config, dp, dev, outcome);
            self.track(dp, record, now);
        }
        Ok(changed)
    }

    fn forget_unmatched(&mut self, dev: &Device) {
        let key = dev.key();
        if dev.bus == "pci" && dev.driver.is_none() {
            // Mid-reset: without its driver the PF has no interface, so a
            // policy that selects it by name cannot see it. Its bind event
            // brings it back; until then it waits rather than being forgotten.
            if let Some(t) = self.tracked.get_mut(&key) {
                debug!(device = %key, "no driver bound; waiting for it before matching policies");
                t.record.result = Outcome::Waiting;
                t.record.error = Some(format!("{key}: no driver is bound"));
                (t.failures, t.retry_at) = (0, None);
                return;
            }
        }
        if self.tracked.remove(&key).is_some() {
            let ifaces = if dev.interfaces.is_empty() {
                "no interface".to_string()
            } else {
                format!("interfaces {}", dev.interfaces.join(", "))
            };
            info!(
                device = %key,
                "{key}: no policy selects it any more ({ifaces}); leaving it as it is"
            );
        } else {
            debug!(device = %dev.key(), "no policy selects this device");
        }
    }

    /// Remembers the outcome, and when a failed unit is due for a retry.
    fn track(&mut self, dp: &DevicePlan, record: DeviceRecord, now: Instant) {
        let result = record.result;
        let prev_failures = self.tracked.get(&dp.key).map_or(0, |t| t.failures);
        let (failures, retry_at) = match result {
            Outcome::Failed => {
                let n = prev_failures + 1;
                let delay = self.backoff.delay(n);
                warn!(
                    device = %dp.device,
                    failures = n,
                    "{}: retrying in {}s",
                    dp.device,
                    delay.as_secs_f32()
                );
                (n, Some(now + delay))
            }
            Outcome::Waiting | Outcome::Configured => (0, None),
        };
        if result == Outcome::Waiting {
            let before = self.tracked.get(&dp.key).map(|t| (t.record.result, &t.record.error));
            let why = record.error.as_deref().unwrap_or("waiting");
            if before == Some((Outcome::Waiting, &record.error)) {
                debug!(device = %dp.device, "{why}");
            } else {
                info!(device = %dp.device, "{why}");
            }
        }
        if result == Outcome::Configured && prev_failures > 0 {
            info!(
                device = %dp.device,
                "{}: configured after {prev_failures} failed attempts",
                dp.device
            );
        }
        self.tracked.insert(dp.key.clone(), Tracked { record, failures, retry_at });
    }

    /// The sysfs walk covers the whole host, so every event can be mapped;
    /// netlink is asked only about the PFs in scope, the ones planned.
    async fn discover(
        &mut self,
        config: &Config,
        scope: &Scope,
    ) -> Result<Vec<Device>, DiscoverError> {
        let mut devices = discover::discover(&self.sysfs_root, &self.pci_ids)?;
        for d in devices.iter_mut().filter(|d| scope.contains(&d.key())) {
            discover::kernel::fill(std::slice::from_mut(d), self.backend.net.as_ref()).await;
        }
        self.known = Known::from_devices(&devices).with_bonds(config);
        Ok(devices)
    }

    /// When the next failed device is due for a retry.
    pub fn next_retry(&self) -> Option<Instant> {
        self.tracked.values().filter_map(|t| t.retry_at).min()
    }

    /// Failed devices whose retry time has come; their timers are cleared.
    pub fn take_due_retries(&mut self, now: Instant) -> Vec<DeviceKey> {
        let mut due = Vec::new();
        for (k, t) in self.tracked.iter_mut() {
            if t.retry_at.is_some_and(|at| at <= now) {
                t.retry_at = None;
                due.push(k.clone());
            }
        }
        due
    }

    /// Consecutive failures of a device (0 when it is fine or unknown).
    pub fn failures(&self, key: &DeviceKey) -> u32 {
        self.tracked.get(key).map_or(0, |t| t.failures)
    }

    pub fn records(&self) -> impl Iterator<Item = &DeviceRecord> {
        self.tracked.values().map(|t| &t.record)
    }

    /// The one-line summary for STATUS=, e.g.
    /// `3 devices configured, 1 failed (0000:3b:00.1: ...)`, or with bonds
    /// `2 devices and 1 bond configured, 0 failed, 1 waiting`.
    pub fn summary(&self) -> String {
        let count = |o: Outcome| self.records().filter(|r| r.result == o).count();
        let (failed, waiting) = (count(Outcome::Failed), count(Outcome::Waiting));
        let ok = |bonds: bool| {
            let is_ok = |r: &&DeviceRecord| r.result == Outcome::Configured;
            self.records().filter(is_ok).filter(|r| (r.bus == BOND_BUS) == bonds).count()
        };
        let mut s = match ok(true) {
            0 => format!("{} devices configured, {failed} failed", ok(false)),
            1 => format!("{} devices and 1 bond configured, {failed} failed", ok(false)),
            n => format!("{} devices and {n} bonds configured, {failed} failed", ok(false)),
        };
        if waiting > 0 {
            s.push_str(&format!(", {waiting} waiting"));
        }
        let errors: Vec<&str> = self
            .records()
            .filter(|r| r.result == Outcome::Failed)
            .filter_map(|r| r.error.as_deref())
            .collect();
        if !errors.is_empty() {
            s.push_str(&format!(" ({})", errors.join("; ")));
        }
        s
    }
}

/// The state-file record of one device or bond after an apply.
fn record(
    config: &Config,
    dp: &DevicePlan,
    dev: Option<&Device>,
    outcome: &DeviceOutcome,
) -> DeviceRecord {
    let is_bond = dp.key.bus == BOND_BUS;
    // For a bond, the index is into bond_configs, which has no description.
    let policy = dp.policy.map(|i| PolicyRef {
        index: i,
        description: if is_bond { None } else { config.device_policies[i].description.clone() },
    });
    let desired = match dp.policy {
        Some(i) if !is_bond => Desired::from_policy(&config.device_policies[i]),
        Some(i) => Desired::from_bond(&config.bond_configs[i]),
        None => Desired::default(),
    };
    let (result, error) = match &outcome.error {
        None => (Outcome::Configured, None),
        Some(e) if e.waiting => (Outcome::Waiting, Some(e.to_string())),
        Some(e) => (Outcome::Failed, Some(e.to_string())),
    };
    DeviceRecord {
        device: dp.device.clone(),
        bus: dp.key.bus.clone(),
        policy,
        desired,
        observed: dev.map(observed).unwrap_or_default(),
        result,
        error,
        changes: outcome.changes,
        updated: state::now_rfc3339(),
    }
}

fn observed(d: &Device) -> Observed {
    Observed {
        num_vfs: d.num_vfs,
        total_vfs: d.total_vfs,
        driver: d.driver.clone(),
        interfaces: d.interfaces.clone(),
        vfs: d.vfs.iter().map(|v| v.address.clone()).collect(),
        eswitch_mode: d.eswitch_mode.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let b = Backoff { base: Duration::from_secs(2), max: Duration::from_secs(60) };
        let secs: Vec<u64> = (1..=7).map(|n| b.delay(n).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(b.delay(200), Duration::from_secs(60), "no overflow on long outages");
    }
}

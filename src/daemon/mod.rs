//! The long-running mode: apply at start, tell systemd, then keep every
//! matched PF configured as udev reports cards coming and going.

pub mod notify;
pub mod reconcile;
pub mod state;
pub mod watch;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::signal::unix::{signal, SignalKind};
use tokio::time::{self, Interval, MissedTickBehavior};
use tracing::{debug, error, info, warn};

use crate::apply::{ApplyOptions, Backend};
use crate::config::{self, Config, ConfigError, Loaded};
use reconcile::{Reconciler, Scope};
use watch::{Coalescer, Monitor};

/// How the daemon runs; the CLI fills it from flags.
#[derive(Debug, Clone)]
pub struct Options {
    pub config_path: PathBuf,
    pub sysfs_root: PathBuf,
    pub state_path: PathBuf,
    /// Quiet time after a PF's last event before it is reconciled.
    pub settle: Duration,
    /// Longest a PF's reconcile is postponed by a steady stream of events.
    pub max_delay: Duration,
    pub step_timeout: Duration,
}

/// Why the daemon stopped other than by a shutdown request.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("cannot open the udev monitor: {0}")]
    Monitor(std::io::Error),
    #[error("reading udev events failed: {0}")]
    Events(std::io::Error),
    #[error("cannot install signal handlers: {0}")]
    Signals(std::io::Error),
    #[error("discovery failed: {0}")]
    Discover(#[from] crate::discover::DiscoverError),
}

/// Runs until `shutdown` resolves. The config was loaded and validated by the
/// caller, which maps a bad one to exit 78 before anything is touched.
pub async fn run(
    opts: Options,
    loaded: Loaded,
    shutdown: impl Future<Output = ()> + 'static,
) -> Result<(), DaemonError> {
    let config = loaded.config;
    info!(
        config = %opts.config_path.display(),
        "sriov-manager {} starting: {} policies, {} bonds",
        env!("CARGO_PKG_VERSION"),
        config.device_policies.len(),
        config.bond_configs.len()
    );

    // Subscribe first: an event between discovery and subscription would be lost.
    let mut monitor = Monitor::open().map_err(DaemonError::Monitor)?;
    let mut hup = signal(SignalKind::hangup()).map_err(DaemonError::Signals)?;
    let watchdog = notify::watchdog_period().map(|p| {
        let mut i = time::interval(p);
        i.set_missed_tick_behavior(MissedTickBehavior::Delay);
        i
    });

    let backend = Backend::for_root(&opts.sysfs_root);
    let apply_opts = ApplyOptions::new(opts.step_timeout);
    let mut d = Daemon {
        stop: apply_opts.stop.clone(),
        rec: Reconciler::new(opts.sysfs_root.clone(), backend, apply_opts),
        coalescer: Coalescer::new(opts.settle, opts.max_delay),
        opts,
        config,
        watchdog,
        shutdown: Box::pin(shutdown),
        stopping: false,
    };

    let started = Instant::now();
    d.reconcile(Scope::All).await?;
    let summary = d.publish();
    notify::ready(&summary);
    info!(elapsed_ms = started.elapsed().as_millis() as u64, "ready: {summary}");

    while !d.stopping {
        let deadline =
            [d.coalescer.next_deadline(), d.rec.next_retry()].into_iter().flatten().min();
        tokio::select! {
            _ = d.shutdown.as_mut() => d.stopping = true,
            _ = hup.recv() => d.reload().await?,
            _ = tick(&mut d.watchdog) => notify::watchdog(),
            batch = monitor.next_batch() => d.note_events(batch.map_err(DaemonError::Events)?),
            _ = sleep_until(deadline) => d.reconcile_due().await?,
        }
    }

    notify::stopping();
    info!("stopping; VFs and bonds stay as they are");
    Ok(())
}

/// The event loop's state.
struct Daemon {
    opts: Options,
    config: Config,
    rec: Reconciler,
    coalescer: Coalescer,
    watchdog: Option<Interval>,
    shutdown: Pin<Box<dyn Future<Output = ()>>>,
    stopping: bool,
    /// Shared with apply: set on shutdown so that no further step starts.
    stop: Arc<AtomicBool>,
}

impl Daemon {
    /// Reconciles `scope`, feeding the watchdog and noticing shutdown meanwhile.
    async fn reconcile(&mut self, scope: Scope) -> Result<(), DaemonError> {
        let fut = self.rec.reconcile(&self.config, scope);
        let changed =
            drive(fut, &mut self.watchdog, &mut self.shutdown, &mut self.stopping, &self.stop)
                .await?;
        // What these PFs hear next is mostly the echo of our own writes.
        let now = Instant::now();
        for key in changed {
            self.coalescer.changed(key, now);
        }
        Ok(())
    }

    fn note_events(&mut self, batch: Vec<watch::UEvent>) {
        let now = Instant::now();
        for ev in batch {
            let (action, subsystem, path) = (&ev.action, &ev.subsystem, &ev.devpath);
            match watch::map_event(&ev, &self.opts.sysfs_root, self.rec.known()) {
                Some(key) => {
                    debug!(device = %key, "udev {action} {subsystem} {path}");
                    self.coalescer.note(key, now);
                }
                None => debug!("udev {action} {subsystem} {path}: not an SR-IOV PF; ignored"),
            }
        }
    }

    /// Reconciles the PFs whose settle window closed or whose retry is due.
    async fn reconcile_due(&mut self) -> Result<(), DaemonError> {
        let now = Instant::now();
        let mut keys = Vec::new();
        for (key, burst) in self.coalescer.take_due(now, watch::udev_busy()) {
            // The rig reads this line for the event-to-write latency.
            let ms = now.duration_since(burst.first).as_secs_f64() * 1e3;
            let n = burst.events;
            let echo = if burst.echo { " (echo of its own change)" } else { "" };
            debug!(
                device = %key,
                events = n,
                "{key}: reconciling {n} events, first {ms:.1} ms ago{echo}"
            );
            keys.push(key);
        }
        keys.extend(self.rec.take_due_retries(now));
        keys.sort();
        keys.dedup();
        if keys.is_empty() {
            return Ok(());
        }
        self.reconcile(Scope::Only(keys)).await?;
        notify::status(&self.publish());
        Ok(())
    }

    /// SIGHUP: a valid new config replaces the running one and every device
    /// is reconciled against it; an invalid one is logged and ignored.
    async fn reload(&mut self) -> Result<(), DaemonError> {
        if let Some(new) = reload_config(&self.opts) {
            self.config = new;
            self.reconcile(Scope::All).await?;
        }
        notify::ready(&self.publish());
        Ok(())
    }

    /// Writes the state file and returns the STATUS line.
    fn publish(&self) -> String {
        let summary = self.rec.summary();
        let st = state::State {
            pid: std::process::id(),
            updated: state::now_rfc3339(),
            config: self.opts.config_path.display().to_string(),
            status: summary.clone(),
            devices: self.rec.records().cloned().collect(),
        };
        if let Err(e) = st.write(&self.opts.state_path) {
            warn!("{}: cannot write the state file: {e}", self.opts.state_path.display());
        }
        debug!("state written: {summary}");
        summary
    }
}

/// Awaits a reconcile while still feeding the watchdog and noticing a
/// shutdown request, which lets the step in flight finish and starts no other.
async fn drive<T>(
    fut: impl Future<Output = T>,
    watchdog: &mut Option<Interval>,
    shutdown: &mut Pin<Box<dyn Future<Output = ()>>>,
    stopping: &mut bool,
    stop: &AtomicBool,
) -> T {
    tokio::pin!(fut);
    loop {
        tokio::select! {
            out = &mut fut => return out,
            _ = tick(watchdog) => notify::watchdog(),
            _ = shutdown.as_mut(), if !*stopping => {
                info!("shutdown requested; finishing the step in flight");
                *stopping = true;
                stop.store(true, Ordering::SeqCst);
            }
        }
    }
}

/// SIGHUP: the new config, or `None` to keep the running one.
fn reload_config(opts: &Options) -> Option<Config> {
    notify::reloading();
    info!(config = %opts.config_path.display(), "reloading config");
    match config::load(&opts.config_path) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                warn!("{}: {w}", opts.config_path.display());
            }
            info!("config reloaded; reconciling every device");
            Some(loaded.config)
        }
        Err(e) => {
            error!("reload rejected, keeping the running config: {e}");
            if let ConfigError::Invalid { errors, .. } = &e {
                for d in errors {
                    error!("{}: {d}", opts.config_path.display());
                }
            }
            None
        }
    }
}

async fn tick(watchdog: &mut Option<Interval>) {
    match watchdog {
        Some(i) => {
            i.tick().await;
        }
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => time::sleep_until(d.into()).await,
        None => std::future::pending().await,
    }
}

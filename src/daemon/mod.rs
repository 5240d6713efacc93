//! The long-running mode: apply at start, tell systemd, then keep every
//! matched PF configured as udev reports cards coming and going.

pub mod notify;
pub mod reconcile;
pub mod state;
pub mod watch;

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::signal::unix::{signal, SignalKind};
use tokio::time::{self, Interval, MissedTickBehavior};
use tracing::{debug, error, info, warn};

use crate::apply::ApplyOptions;
use crate::config::{self, Config, ConfigError, Loaded};
use crate::sys::Sysfs;
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
    shutdown: impl Future<Output = ()>,
) -> Result<(), DaemonError> {
    let mut config = loaded.config;
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
    let mut watchdog = notify::watchdog_period().map(|p| {
        let mut i = time::interval(p);
        i.set_missed_tick_behavior(MissedTickBehavior::Delay);
        i
    });
    tokio::pin!(shutdown);

    let host = Arc::new(Sysfs::new(&opts.sysfs_root));
    let apply_opts = ApplyOptions::new(opts.step_timeout);
    let stop = apply_opts.stop.clone();
    let mut rec = Reconciler::new(opts.sysfs_root.clone(), host, apply_opts);
    let mut coalescer = Coalescer::new(opts.settle, opts.max_delay);
    let mut stopping = false;

    let started = Instant::now();
    drive(rec.reconcile(&config, Scope::All), &mut watchdog, &mut shutdown, &mut stopping, &stop)
        .await?;
    let summary = publish(&rec, &opts, &config);
    notify::ready(&summary);
    info!(elapsed_ms = started.elapsed().as_millis() as u64, "ready: {summary}");

    while !stopping {
        let deadline = [coalescer.next_deadline(), rec.next_retry()].into_iter().flatten().min();
        tokio::select! {
            _ = &mut shutdown => stopping = true,
            _ = hup.recv() => {
                if let Some(new) = reload(&opts) {
                    config = new;
                    drive(rec.reconcile(&config, Scope::All), &mut watchdog, &mut shutdown, &mut stopping, &stop)
                        .await?;
                }
                notify::ready(&publish(&rec, &opts, &config));
            }
            _ = tick(&mut watchdog) => notify::watchdog(),
            batch = monitor.next_batch() => {
                let now = Instant::now();
                for ev in batch.map_err(DaemonError::Events)? {
                    match watch::map_event(&ev, &opts.sysfs_root, rec.known()) {
                        Some(key) => {
                            debug!(device = %key, "udev {} {} {}", ev.action, ev.subsystem, ev.devpath);
                            coalescer.note(key, now);
                        }
                        None => debug!("udev {} {} {}: not an SR-IOV PF; ignored", ev.action, ev.subsystem, ev.devpath),
                    }
                }
            }
            _ = sleep_until(deadline) => {
                let now = Instant::now();
                let mut keys = Vec::new();
                for (key, burst) in coalescer.take_due(now) {
                    // The latency figure the rig's benchmark reads: first event to reconcile.
                    let ms = now.duration_since(burst.first).as_secs_f64() * 1e3;
                    debug!(device = %key, events = burst.events, "{key}: reconciling {} events, first {ms:.1} ms ago", burst.events);
                    keys.push(key);
                }
                keys.extend(rec.take_due_retries(now));
                keys.sort();
                keys.dedup();
                drive(rec.reconcile(&config, Scope::Only(keys)), &mut watchdog, &mut shutdown, &mut stopping, &stop)
                    .await?;
                notify::status(&publish(&rec, &opts, &config));
            }
        }
    }

    notify::stopping();
    info!("stopping; VFs and bonds stay as they are");
    Ok(())
}

/// Awaits a reconcile while still feeding the watchdog and noticing a
/// shutdown request, which lets the step in flight finish and starts no other.
async fn drive<T>(
    fut: impl Future<Output = T>,
    watchdog: &mut Option<Interval>,
    shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
    stopping: &mut bool,
    stop: &std::sync::atomic::AtomicBool,
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
fn reload(opts: &Options) -> Option<Config> {
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

/// Writes the state file and returns the STATUS line.
fn publish(rec: &Reconciler, opts: &Options, config: &Config) -> String {
    let summary = rec.summary();
    let st = state::State {
        pid: std::process::id(),
        updated: state::now_rfc3339(),
        config: opts.config_path.display().to_string(),
        status: summary.clone(),
        devices: rec.records().cloned().collect(),
    };
    if let Err(e) = st.write(&opts.state_path) {
        warn!("{}: cannot write the state file: {e}", opts.state_path.display());
    }
    debug!(policies = config.device_policies.len(), "state written: {summary}");
    summary
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

//! The one-shot modes. Each returns its exit status; none exits the process.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use super::{Args, Exit};
use tokio::signal::unix::{signal, SignalKind};

use crate::apply::{self, ApplyOptions, Backend};
use crate::config::{self, ConfigError, Loaded};
use crate::daemon::{self, state::State};
use crate::discover::{self, Device};
use crate::ids::PCI_IDS_PATH;
use crate::plan::{self, check::check_host};
use crate::{logging, report};

pub(super) fn create_config(args: &Args) -> Exit {
    let path = &args.config;
    if path.exists() && !args.force {
        eprintln!("{}: already exists; use --force to overwrite it", path.display());
        return Exit::Failure;
    }
    match write_config(path) {
        Ok(()) => {
            println!("wrote the default config to {}", path.display());
            Exit::Ok
        }
        Err(e) => {
            eprintln!("{}: cannot write config: {e}", path.display());
            Exit::Failure
        }
    }
}

/// Writes atomically (temp file, then rename) with mode 0644, creating the directory.
fn write_config(path: &Path) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    let mut f = fs::File::create(&tmp)?;
    f.write_all(config::DEFAULT_JSON.as_bytes())?;
    f.set_permissions(fs::Permissions::from_mode(0o644))?;
    f.sync_all()?;
    fs::rename(&tmp, path)
}

pub(super) fn discover(args: &Args) -> Exit {
    init_logging(args, None);
    let Some(rt) = runtime() else { return Exit::Failure };
    let backend = Backend::for_root(&args.sysfs_root);
    let Some(devices) = rt.block_on(discover_host(args, &backend)) else {
        return Exit::Failure;
    };
    print(if args.json {
        report::discover_json(&devices)
    } else {
        report::discover_table(&devices)
    });
    Exit::Ok
}

pub(super) fn validate(args: &Args) -> Exit {
    let loaded = match config::load(&args.config) {
        Ok(l) => l,
        Err(ConfigError::Invalid { errors, .. }) => {
            let source = args.config.display().to_string();
            print(if args.json {
                report::diagnostics_json(&errors)
            } else {
                report::diagnostics_text(&errors, &source)
            });
            return Exit::Config;
        }
        Err(e) if args.json => {
            print(report::diagnostics_json(&[config::Diagnostic::error("", e.to_string())]));
            return Exit::Config;
        }
        Err(e) => return config_failure(&e),
    };
    init_logging(args, Some(&loaded));

    let mut diags = loaded.warnings.clone();
    match discover::discover(&args.sysfs_root, Path::new(PCI_IDS_PATH)) {
        Ok(devices) => {
            let ifaces = discover::interfaces(&args.sysfs_root);
            diags.extend(check_host(&loaded.config, &devices, &ifaces));
        }
        Err(e) => diags.push(config::Diagnostic::warning("", format!("host checks skipped: {e}"))),
    }
    diags.sort_by_key(|d| !d.is_error());
    let source = args.config.display().to_string();
    print(if args.json {
        report::diagnostics_json(&diags)
    } else {
        report::diagnostics_text(&diags, &source)
    });
    if diags.iter().any(|d| d.is_error()) {
        Exit::Config
    } else {
        Exit::Ok
    }
}

pub(super) fn dry_run(args: &Args) -> Exit {
    let Some(rt) = runtime() else { return Exit::Failure };
    let backend = Backend::for_root(&args.sysfs_root);
    let plan = match rt.block_on(load_and_plan(args, &backend)) {
        Ok(plan) => plan,
        Err(exit) => return exit,
    };
    print(if args.json { report::plan_json(&plan) } else { report::plan_text(&plan) });
    if plan.errors().next().is_some() {
        Exit::Failure
    } else {
        Exit::Ok
    }
}

pub(super) fn once(args: &Args) -> Exit {
    let Some(rt) = runtime() else { return Exit::Failure };
    let backend = Backend::for_root(&args.sysfs_root);
    let plan = match rt.block_on(load_and_plan(args, &backend)) {
        Ok(plan) => plan,
        Err(exit) => return exit,
    };

    let opts = ApplyOptions::new(Duration::from_secs(args.step_timeout));
    let result = rt.block_on(apply::apply(&plan, &backend, opts));

    print(if args.json { report::apply_json(&result) } else { report::apply_text(&result) });
    if result.failures().next().is_some() {
        Exit::Failure
    } else {
        Exit::Ok
    }
}

/// The config, the host, and the plan between them; the exit status when
/// one of them cannot be had.
async fn load_and_plan(args: &Args, backend: &Backend) -> Result<plan::Plan, Exit> {
    let loaded = load_config(args).ok_or(Exit::Config)?;
    let devices = discover_host(args, backend).await.ok_or(Exit::Failure)?;
    let ifaces = discover::interfaces(&args.sysfs_root);
    Ok(plan::plan(&loaded.config, &devices, &ifaces))
}

/// Loads the config and sets up logging from it; prints every error otherwise.
fn load_config(args: &Args) -> Option<Loaded> {
    match config::load(&args.config) {
        Ok(loaded) => {
            init_logging(args, Some(&loaded));
            for w in &loaded.warnings {
                tracing::warn!("{}: {w}", args.config.display());
            }
            Some(loaded)
        }
        Err(e) => {
            config_failure(&e);
            None
        }
    }
}

fn config_failure(e: &ConfigError) -> Exit {
    eprintln!("{e}");
    if let ConfigError::Invalid { errors, .. } = e {
        for d in errors {
            eprintln!("  {d}");
        }
    }
    Exit::Config
}

/// Discovery, with what netlink adds (eswitch modes, VF settings) when
/// `--sysfs-root` is the running kernel's.
async fn discover_host(args: &Args, backend: &Backend) -> Option<Vec<Device>> {
    match discover::discover(&args.sysfs_root, Path::new(PCI_IDS_PATH)) {
        Ok(mut devices) => {
            discover::kernel::fill(&mut devices, backend.net.as_ref()).await;
            Some(devices)
        }
        Err(e) => {
            eprintln!("sriov-manager: discovery failed: {e}");
            None
        }
    }
}

fn init_logging(args: &Args, loaded: Option<&Loaded>) {
    let (level, forced) = match (args.log_level, loaded) {
        (Some(l), _) => (l.as_str(), true),
        (None, Some(l)) => (l.config.log_level.as_str(), false),
        (None, None) => ("info", false),
    };
    logging::init(level, forced);
}

fn print(text: String) {
    let mut out = io::stdout().lock();
    // A closed pipe (`| head`) is not worth a panic.
    let _ = out.write_all(text.as_bytes());
}

pub(super) fn daemon(args: &Args) -> Exit {
    let Some(loaded) = load_config(args) else { return Exit::Config };
    let opts = daemon::Options {
        config_path: args.config.clone(),
        sysfs_root: args.sysfs_root.clone(),
        state_path: args.state_file.clone(),
        settle: Duration::from_millis(args.settle_ms),
        max_delay: Duration::from_secs(2),
        step_timeout: Duration::from_secs(args.step_timeout),
    };
    let Some(rt) = runtime() else { return Exit::Failure };
    let result = rt.block_on(async {
        let shutdown = async {
            let mut term = match signal(SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!("cannot watch SIGTERM: {e}");
                    return std::future::pending().await;
                }
            };
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM received"),
                _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
            }
        };
        daemon::run(opts, loaded, shutdown).await
    });
    match result {
        Ok(()) => Exit::Ok,
        Err(e) => {
            tracing::error!("{e}");
            Exit::Failure
        }
    }
}

pub(super) fn status(args: &Args) -> Exit {
    match State::read(&args.state_file) {
        Ok(st) => {
            print(if args.json { report::status_json(&st) } else { report::status_text(&st) });
            Exit::Ok
        }
        Err(e) => {
            eprintln!(
                "{}: cannot read the daemon's state (is it running?): {e}",
                args.state_file.display()
            );
            Exit::Failure
        }
    }
}

/// The daemon and --once use one thread: the work is I/O, and sysfs writes
/// run on tokio's blocking pool anyway.
fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("sriov-manager: cannot start the async runtime: {e}");
            None
        }
    }
}

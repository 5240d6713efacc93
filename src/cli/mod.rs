//! The command line: flags, mode selection, and exit codes in one place.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgGroup, Parser, ValueEnum};

use crate::config;

/// Exit statuses, mapped here and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done, and every device is configured.
    Ok = 0,
    /// A runtime failure: a device could not be configured, sysfs unreadable.
    Failure = 1,
    /// The command line was wrong (clap exits 2 itself for parse errors).
    Usage = 2,
    /// The config is invalid (sysexits' EX_CONFIG); systemd must not restart-loop on it.
    Config = 78,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Level {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

/// Configures SR-IOV network cards: VF counts, eswitch mode and bonds,
/// at boot and whenever a card comes back.
///
/// Without a mode flag it runs as the daemon.
#[derive(Debug, Parser)]
#[command(name = "sriov-manager", version, about, long_about = None)]
#[command(group(
    ArgGroup::new("mode")
        .args(["discover", "validate", "dry_run", "create_config", "once", "status"])
))]
pub struct Args {
    /// List SR-IOV devices, their VFs and interfaces, and exit.
    #[arg(long)]
    pub discover: bool,

    /// Check the config, and the live host against it; exit 78 if invalid.
    #[arg(long)]
    pub validate: bool,

    /// Print the actions an apply would take, and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Write the default config to --config's path and exit.
    #[arg(long)]
    pub create_config: bool,

    /// Apply the config once and exit: 0 if every device is configured, 1 if any failed.
    #[arg(long)]
    pub once: bool,

    /// Print what the running daemon did to each device (its state file) and exit.
    #[arg(long)]
    pub status: bool,

    /// The config file.
    #[arg(long, value_name = "PATH", default_value = config::DEFAULT_PATH)]
    pub config: PathBuf,

    /// Print JSON instead of text (with --discover, --validate, --dry-run, --once, --status).
    #[arg(long)]
    pub json: bool,

    /// Read sysfs from DIR instead of /sys (for tests and captured trees).
    #[arg(long, value_name = "DIR", default_value = "/sys")]
    pub sysfs_root: PathBuf,

    /// Log level; overrides the config's log_level and RUST_LOG.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub log_level: Option<Level>,

    /// Let --create-config overwrite an existing file.
    #[arg(long)]
    pub force: bool,

    /// The daemon's state file, written after each reconcile and read by --status.
    #[arg(long, value_name = "PATH", default_value = crate::daemon::state::DEFAULT_PATH)]
    pub state_file: PathBuf,

    /// Daemon: quiet time after a PF's last udev event before it is reconciled.
    #[arg(long, value_name = "MS", default_value_t = 20)]
    pub settle_ms: u64,

    /// Longest one sysfs write may block before its device is reported failed.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub step_timeout: u64,
}

/// Runs the mode the flags select.
pub fn run(args: Args) -> Exit {
    if args.force && !args.create_config {
        eprintln!("sriov-manager: --force only applies to --create-config");
        return Exit::Usage;
    }
    if args.json && !(args.discover || args.validate || args.dry_run || args.once || args.status) {
        eprintln!(
            "sriov-manager: --json applies to --discover, --validate, --dry-run, --once \
             and --status"
        );
        return Exit::Usage;
    }
    if args.create_config {
        commands::create_config(&args)
    } else if args.discover {
        commands::discover(&args)
    } else if args.validate {
        commands::validate(&args)
    } else if args.dry_run {
        commands::dry_run(&args)
    } else if args.once {
        commands::once(&args)
    } else if args.status {
        commands::status(&args)
    } else {
        commands::daemon(&args)
    }
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Trace => "trace",
        }
    }
}

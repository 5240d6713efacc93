//! tracing setup: journald with structured fields under systemd, readable
//! lines on stderr elsewhere.

use std::io::IsTerminal;

use tracing_subscriber::filter::EnvFilter;
use tracing_subscriber::prelude::*;

/// Installs the global subscriber. `level` is the effective default (config's
/// `log_level` or `--log-level`); RUST_LOG, when set, wins over the config
/// but not over `--log-level`, which `forced` marks.
pub fn init(level: &str, forced: bool) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !forced && !spec.is_empty() => EnvFilter::new(spec),
        _ => EnvFilter::new(format!("sriov_manager={level},{level}")),
    };

    // systemd sets JOURNAL_STREAM when stderr goes to the journal; the
    // journald layer then keeps fields like DEVICE and ACTION queryable.
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        if let Ok(journald) = tracing_journald::layer() {
            // No field prefix, so that `journalctl DEVICE=0000:3b:00.0` and
            // `ACTION=set_num_vfs` work as documented.
            let journald =
                journald.with_field_prefix(None).with_syslog_identifier("sriov-manager".into());
            tracing_subscriber::registry().with(filter).with(journald).init();
            return;
        }
    }
    let fmt_layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal());
    tracing_subscriber::registry().with(filter).with(fmt_layer).init();
}

use std::process::ExitCode;

use clap::Parser;
use sriov_manager::cli::{self, Args};

fn main() -> ExitCode {
    cli::run(Args::parse()).into()
}

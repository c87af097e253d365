//! `breachd`: parse the command line and dispatch; everything else lives in
//! the library.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    breachd::cli::run(breachd::cli::Cli::parse())
}

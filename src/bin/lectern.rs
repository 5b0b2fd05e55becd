//! `lectern`: the native command-line tool (see `lectern::cli`). It runs the same core as the
//! notebook.

use std::process::ExitCode;

use clap::Parser;
use lectern::cli::{Cli, run};

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

//! The command line: one file per command. Each command module defines its own clap `Args`
//! and a `run(&Globals, Args) -> i32` returning the exit status
//! (0 success, 1 server or network failure, 2 usage or config error).

use clap::{Parser, Subcommand};
use std::path::PathBuf;

pub const EXIT_OK: i32 = 0;
pub const EXIT_BACKEND: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

#[derive(Debug, Parser)]
#[command(name = "oncall", version, about = "Dashboards, alerts, silences, incidents and runbooks for the engineer on call")]
pub struct Cli {
    #[command(flatten)]
    pub globals: Globals,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Globals {
    /// Config file to read instead of the default (see `oncall config path`).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Context to use instead of `current_context` (also ONCALL_CONTEXT).
    #[arg(long, global = true, value_name = "NAME", env = "ONCALL_CONTEXT")]
    pub context: Option<String>,
    /// Output format for listings.
    #[arg(long, short = 'o', global = true, value_enum, default_value = "table")]
    pub output: OutputFormat,
    /// Run against the built-in simulated platform instead of real backends.
    #[arg(long, global = true)]
    pub demo: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Wide,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    let _ = &cli.globals;
    match cli.command {}
}

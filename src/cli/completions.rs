//! `oncall completions SHELL` and `oncall man`: generated from the same clap definitions the
//! parser uses, so they never drift from it.

use clap::CommandFactory;

use super::{finish, Cli, CliError, Globals};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "For example: oncall completions bash > ~/.local/share/bash-completion/completions/oncall"
)]
pub struct Args {
    /// The shell to write completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn run(_globals: &Globals, args: Args) -> i32 {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "oncall", &mut out);
    finish(super::output::print(&String::from_utf8_lossy(&out)))
}

pub fn run_man(_globals: &Globals) -> i32 {
    let mut out = Vec::new();
    let rendered = clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(CliError::Output)
        .and_then(|()| super::output::print(&String::from_utf8_lossy(&out)));
    finish(rendered)
}

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

#[derive(Debug, clap::Args)]
#[command(after_help = "For example: oncall man ~/.local/share/man/man1 && man oncall-silence-add")]
pub struct ManArgs {
    /// Write oncall.1 and one page per command (oncall-silence-add.1, ...) here, the pages
    /// the main page refers to; without it the main page is printed.
    #[arg(value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

pub fn run_man(_globals: &Globals, args: ManArgs) -> i32 {
    if let Some(dir) = args.dir {
        let written = std::fs::create_dir_all(&dir)
            .and_then(|()| clap_mangen::generate_to(Cli::command(), &dir))
            .map_err(|e| {
                CliError::Usage(format!(
                    "cannot write the man pages into {}: {e}",
                    dir.display()
                ))
            })
            .and_then(|()| {
                let n = std::fs::read_dir(&dir).map_or(0, |d| d.count());
                super::output::print(&format!(
                    "wrote {} to {}\n",
                    crate::text::counted(n, "man page"),
                    dir.display()
                ))
            });
        return finish(written);
    }
    let mut out = Vec::new();
    // As the pages written to a directory: no `help` page, so none is referred to.
    let rendered = clap_mangen::Man::new(Cli::command().disable_help_subcommand(true))
        .render(&mut out)
        .map_err(CliError::Output)
        .and_then(|()| super::output::print(&String::from_utf8_lossy(&out)));
    finish(rendered)
}

//! `oncall config init|show|path`.

use clap::Subcommand;

use super::output;
use super::{block_on, CliError, Globals, OutputFormat};
use crate::config::{self, show};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write a commented example config (mode 600) where oncall reads it.
    Init(InitArgs),
    /// Print the effective settings of the context, every secret redacted.
    Show,
    /// Print the path of the config file oncall reads (and say whether it exists).
    Path,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
}

pub fn run(globals: &Globals, args: Args) -> i32 {
    match args.command {
        ConfigCommand::Init(a) => super::finish(init(globals, a)),
        ConfigCommand::Show => block_on(show_settings(globals)),
        ConfigCommand::Path => super::finish(path(globals)),
    }
}

fn init(globals: &Globals, args: InitArgs) -> Result<(), CliError> {
    let (path, _) = config::config_path(&globals.load_options())?;
    config::write_example(&path, args.force)?;
    eprintln!(
        "wrote an example config to {} (readable by you only); edit it, then check it with `oncall config show`",
        path.display()
    );
    output::print(&format!("{}\n", path.display()))
}

async fn show_settings(globals: &Globals) -> Result<(), CliError> {
    let session = globals.session().await?;
    match globals.output {
        OutputFormat::Json => output::print_json(&show::effective(&session.settings)),
        _ => output::print(&show::render_text(&session.settings)),
    }
}

fn path(globals: &Globals) -> Result<(), CliError> {
    let (path, _) = config::config_path(&globals.load_options())?;
    let named_by = if globals.config.is_some() {
        "--config"
    } else if std::env::var_os("ONCALL_CONFIG").is_some_and(|v| !v.is_empty()) {
        "ONCALL_CONFIG"
    } else {
        "default"
    };
    let exists = path.is_file();
    match globals.output {
        OutputFormat::Json => output::print_json(&serde_json::json!({
            "path": path,
            "exists": exists,
            "named_by": named_by,
        })),
        _ => {
            if exists {
                eprintln!("({named_by}; the file exists)");
            } else {
                eprintln!(
                    "({named_by}; no file there yet: `oncall config init` writes an example)"
                );
            }
            output::print(&format!("{}\n", path.display()))
        }
    }
}

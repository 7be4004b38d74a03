//! `oncall dashboard list | validate | import`: the dashboards oncall knows, checking
//! dashboard files, and turning a Grafana dashboard JSON into a dashboard file.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde_json::json;

use super::output::{self, Column, Table};
use super::{CliError, Globals, OutputFormat, EXIT_OK, EXIT_USAGE};
use crate::dashboards::{self, grafana, Dashboard, Origin};
use crate::duration::format_duration;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: DashboardCommand,
}

#[derive(Debug, Subcommand)]
pub enum DashboardCommand {
    /// List the dashboards: the seven built in, and those in the config dir's `dashboards/`.
    List,
    /// Check dashboard files (TOML, or Grafana JSON); all of them when none is named.
    Validate {
        /// Files to check.
        files: Vec<PathBuf>,
    },
    /// Convert a Grafana dashboard JSON file into a dashboard in the config dir.
    Import {
        /// Grafana dashboard JSON (exported from Grafana, or the API's {"dashboard": ...}).
        file: PathBuf,
        /// Id (and file name) of the new dashboard; default: the Grafana uid or title.
        #[arg(long)]
        id: Option<String>,
        /// Replace a dashboard file that already has this id.
        #[arg(long)]
        force: bool,
        /// Print the dashboard file instead of writing it.
        #[arg(long)]
        stdout: bool,
    },
}

pub fn run(globals: &Globals, args: Args) -> i32 {
    let result = match args.command {
        DashboardCommand::List => list(globals),
        DashboardCommand::Validate { files } => return validate(globals, &files),
        DashboardCommand::Import {
            file,
            id,
            force,
            stdout,
        } => import(globals, &file, id.as_deref(), force, stdout),
    };
    super::finish(result)
}

/// The user dashboards folder, next to the config file this run would read. Dashboards do
/// not need the config itself to be valid.
fn user_dir(globals: &Globals) -> Result<PathBuf, CliError> {
    let (config_file, _) = crate::config::config_path(&globals.load_options())?;
    dashboards::user_dir(Some(&config_file))
        .ok_or_else(|| CliError::Usage("cannot tell where the config dir is; pass --config".into()))
}

fn list(globals: &Globals) -> Result<(), CliError> {
    let dir = user_dir(globals)?;
    let loaded = dashboards::load_all(Some(&dir));
    for e in &loaded.errors {
        eprintln!("oncall: warning: dashboard not loaded: {e}");
    }
    if globals.output == OutputFormat::Json {
        let items: Vec<_> = loaded
            .dashboards
            .iter()
            .enumerate()
            .map(|(i, d)| {
                json!({
                    "number": i + 1,
                    "id": d.id,
                    "title": d.title,
                    "refresh": format_duration(d.refresh),
                    "range": format_duration(d.range),
                    "panels": d.panels.len(),
                    "variables": d.variables.iter().map(|v| v.name.clone()).collect::<Vec<_>>(),
                    "alerts": d.alert_names(),
                    "source": source(&d.origin),
                })
            })
            .collect();
        return output::print_json(&items);
    }
    let mut table = Table::new(vec![
        Column::fixed("#"),
        Column::fixed("ID"),
        Column::flexible("TITLE", 12),
        Column::fixed("REFRESH"),
        Column::fixed("RANGE"),
        Column::fixed("PANELS"),
        Column::flexible("SOURCE", 10),
    ]);
    for (i, d) in loaded.dashboards.iter().enumerate() {
        table.push(vec![
            (i + 1).to_string(),
            d.id.clone(),
            d.title.clone(),
            format_duration(d.refresh),
            format_duration(d.range),
            d.panels.len().to_string(),
            source(&d.origin),
        ]);
    }
    output::print(&table.render(output::table_width(globals.output)))
}

fn source(origin: &Origin) -> String {
    match origin {
        Origin::Embedded(_) => "built-in".into(),
        Origin::File(p) => crate::config::display_path(p),
    }
}

/// Print one line per file; exit 2 when any file has an error.
fn validate(globals: &Globals, files: &[PathBuf]) -> i32 {
    let mut lines = Vec::new();
    let mut errors = 0;
    let describe = |d: &Dashboard| {
        format!(
            "ok     {}: {} \"{}\", {} panels, refresh {}, range {}",
            source_of(d),
            d.id,
            crate::sanitize::one_line(&d.title),
            d.panels.len(),
            format_duration(d.refresh),
            format_duration(d.range)
        )
    };
    if files.is_empty() {
        let dir = match user_dir(globals) {
            Ok(dir) => dir,
            Err(e) => return super::finish(Err(e)),
        };
        let loaded = dashboards::load_all(Some(&dir));
        lines.extend(loaded.dashboards.iter().map(describe));
        lines.extend(loaded.warnings.iter().map(|w| format!("note   {w}")));
        errors += loaded.errors.len();
        lines.extend(loaded.errors.iter().map(|e| format!("error  {e}")));
    } else {
        for path in files {
            match dashboards::load_file(path) {
                Ok((d, warnings)) => {
                    lines.push(describe(&d));
                    lines.extend(warnings.iter().map(|w| format!("note   {w}")));
                }
                Err(e) => {
                    errors += 1;
                    lines.push(format!("error  {e}"));
                }
            }
        }
    }
    let mut text = lines
        .iter()
        .map(|l| crate::sanitize::one_line(l))
        .collect::<Vec<_>>()
        .join("\n");
    text.push('\n');
    if let Err(e) = output::print(&text) {
        return super::finish(Err(e));
    }
    if errors > 0 {
        eprintln!(
            "oncall: {} with errors",
            crate::text::counted(errors, "dashboard file")
        );
        EXIT_USAGE
    } else {
        EXIT_OK
    }
}

fn source_of(d: &Dashboard) -> String {
    match &d.origin {
        Origin::Embedded(name) => format!("built-in {name}"),
        Origin::File(p) => crate::config::display_path(p),
    }
}

fn import(
    globals: &Globals,
    file: &Path,
    id: Option<&str>,
    force: bool,
    to_stdout: bool,
) -> Result<(), CliError> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        CliError::Usage(format!(
            "cannot read {}: {e}",
            crate::config::display_path(file)
        ))
    })?;
    let imported = grafana::import(&text, id, Origin::File(file.to_path_buf()))
        .map_err(|e| CliError::Usage(e.to_string()))?;
    for w in &imported.warnings {
        eprintln!("oncall: warning: {}", crate::sanitize::one_line(w));
    }
    let d = &imported.dashboard;
    let body = format!(
        "# Imported from {} by `oncall dashboard import`.\n{}",
        crate::sanitize::one_line(&crate::config::display_path(file)),
        dashboards::to_toml(d)
    );
    // What we write must load back: a bug here would otherwise surface only at startup.
    dashboards::parse_dashboard(&body, Origin::File(file.to_path_buf()))
        .map_err(|e| CliError::Usage(format!("the converted dashboard does not load: {e}")))?;
    if to_stdout {
        return output::print(&body);
    }
    let dir = user_dir(globals)?;
    let target = dir.join(format!("{}.toml", d.id));
    if target.exists() && !force {
        return Err(CliError::Usage(format!(
            "{} already exists; pass --force to replace it, or --id to choose another id",
            crate::config::display_path(&target)
        )));
    }
    if dashboards::load_embedded().find(&d.id).is_some() {
        eprintln!("oncall: note: this replaces the built-in dashboard `{}` (delete the file to get it back)", d.id);
    }
    write_atomically(&dir, &target, &body)?;
    eprintln!(
        "oncall: wrote {} ({} panels, {} warnings); open it with `oncall watch` then `:dash {}`",
        crate::config::display_path(&target),
        d.panels.len(),
        imported.warnings.len(),
        d.id
    );
    Ok(())
}

/// Write via a temporary file and a rename, so a crash never leaves half a dashboard.
fn write_atomically(dir: &Path, target: &Path, body: &str) -> Result<(), CliError> {
    let fail = |what: &str, e: std::io::Error| {
        CliError::Usage(format!(
            "cannot {what} {}: {e}",
            crate::config::display_path(dir)
        ))
    };
    std::fs::create_dir_all(dir).map_err(|e| fail("create", e))?;
    let tmp = dir.join(format!(".{}.tmp", std::process::id()));
    std::fs::write(&tmp, body).map_err(|e| fail("write into", e))?;
    std::fs::rename(&tmp, target).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail("write into", e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globals(config: &Path) -> Globals {
        Globals {
            config: Some(config.to_path_buf()),
            context: None,
            output: OutputFormat::Table,
            demo: false,
            readonly: false,
        }
    }

    #[test]
    fn import_writes_a_loadable_file_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        let g = globals(&config);
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/grafana/services-overview.json");
        import(&g, &fixture, None, false, false).unwrap();
        let written = dir.path().join("dashboards/services-overview-prod.toml");
        let (d, _) = dashboards::load_file(&written).unwrap();
        assert_eq!(d.id, "services-overview-prod");
        assert_eq!(d.panels.len(), 9);
        let again = import(&g, &fixture, None, false, false).unwrap_err();
        assert!(
            again.to_string().contains("already exists; pass --force"),
            "{again}"
        );
        import(&g, &fixture, None, true, false).unwrap();
        import(&g, &fixture, Some("second"), false, false).unwrap();
        let loaded = dashboards::load_all(Some(&dir.path().join("dashboards")));
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        assert_eq!(loaded.dashboards.len(), 9);
        assert!(
            std::fs::read_dir(dir.path().join("dashboards"))
                .unwrap()
                .count()
                == 2,
            "no temporary files left"
        );
    }

    #[test]
    fn validate_reports_errors_with_exit_2() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.toml");
        std::fs::write(
            &bad,
            "id = \"x\"\ntitle = \"X\"\nrefresh = \"5q\"\nrange = \"1h\"\n",
        )
        .unwrap();
        let g = globals(&dir.path().join("config.toml"));
        assert_eq!(validate(&g, &[bad]), EXIT_USAGE);
        assert_eq!(validate(&g, &[]), EXIT_OK);
    }
}

//! `oncall runbook`: print an alert's runbook, or the exact argv one of its steps would run.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{block_on, output, CliError, Globals, OutputFormat};
use crate::config;
use crate::runbooks::{self, Found, LoadError, Lookup, ValuePolicy};
use crate::sanitize;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Steps are never run from here: `--step N --print` shows the argv (and, for \
                        a step that needs a shell, the environment carrying the label values) as JSON. \
                        In `oncall watch`, press r on an alert, then x on a step, and confirm."
)]
pub struct Args {
    /// The alert's name, e.g. HighErrorRate (the file is its kebab-case: high-error-rate.md).
    pub alertname: String,
    /// The alert's labels, substituted into the step's placeholders: job=api,instance=10.0.0.1:9090.
    #[arg(long, value_delimiter = ',', value_name = "K=V,...")]
    pub labels: Vec<String>,
    /// The step (numbered through the runbook from 1) to show.
    #[arg(long, value_name = "N", requires = "print")]
    pub step: Option<usize>,
    /// Print the argv the step would run as JSON, without running it.
    #[arg(long, requires = "step")]
    pub print: bool,
    /// The alert's runbook link (its `runbook_url` annotation): a local file inside a runbook
    /// directory, or an http(s) URL, fetched only from runbook_allowed_hosts.
    #[arg(long, value_name = "URL")]
    pub runbook_url: Option<String>,
}

pub fn run(globals: &Globals, args: Args) -> i32 {
    block_on(execute(globals, args))
}

async fn execute(globals: &Globals, args: Args) -> Result<(), CliError> {
    let (lookup, policy, urls) = lookup(globals)?;
    let labels =
        crate::runbooks::context_urls::with_context_urls(parse_labels(&args.labels)?, &urls);
    let mut annotations = BTreeMap::new();
    if let Some(url) = &args.runbook_url {
        let key = lookup
            .annotation_keys
            .first()
            .cloned()
            .unwrap_or_else(|| "runbook_url".into());
        annotations.insert(key, url.clone());
    }
    let loaded = match runbooks::load(&args.alertname, &annotations, &lookup).await {
        Ok(loaded) => loaded,
        Err(LoadError::Fetch(e)) => return Err(CliError::Backend(e.to_string())),
        Err(e) => return Err(CliError::Usage(e.to_string())),
    };
    if let Some(url) = &loaded.unfetched {
        eprintln!(
            "oncall: the runbook link {url} is not fetched ({} is not on runbook_allowed_hosts); showing the local runbook",
            url.host_str().unwrap_or("its host")
        );
    }
    let (found, runbook) = (&loaded.found, &loaded.runbook);
    match args.step {
        Some(number) => print_step(&args.alertname, runbook, number, &labels, &policy),
        None => print_runbook(globals, &args.alertname, found, runbook),
    }
}

/// Where runbooks are found, what a value must look like, and the context's URLs for
/// `${prometheus_url}` / `${alertmanager_url}`.
type RunbookSetup = (Lookup, ValuePolicy, BTreeMap<String, String>);

fn lookup(globals: &Globals) -> Result<RunbookSetup, CliError> {
    // A broken config must not keep anyone from reading a shipped runbook at 3 a.m.
    match config::load(&globals.load_options()) {
        Ok(settings) => {
            // The config checked each pattern already; a failure here is still reported.
            let policy = ValuePolicy::from_patterns(&settings.runbook_label_patterns)
                .map_err(|e| CliError::Usage(format!("runbook_label_patterns: {e}")))?;
            let urls = crate::runbooks::context_urls::context_urls(
                settings.prometheus.as_ref().map(|e| &e.base_url),
                settings.alertmanagers.first().map(|e| &e.base_url),
            );
            Ok((Lookup::from_settings(&settings), policy, urls))
        }
        Err(e) => {
            eprintln!("oncall: warning: using only the shipped runbooks: {e}");
            Ok((Lookup::default(), ValuePolicy::default(), BTreeMap::new()))
        }
    }
}

/// `k=v` pairs into labels.
pub fn parse_labels(pairs: &[String]) -> Result<BTreeMap<String, String>, CliError> {
    pairs
        .iter()
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => Err(CliError::Usage(format!(
                "--labels takes name=value pairs separated by commas, e.g. job=api; got {:?}",
                sanitize::one_line(pair)
            ))),
        })
        .collect()
}

#[derive(Serialize)]
struct StepJson<'a> {
    alertname: &'a str,
    step: usize,
    section: &'a str,
    explanation: &'a str,
    command: &'a str,
    #[serde(flatten)]
    plan: runbooks::Plan,
}

fn print_step(
    alertname: &str,
    runbook: &runbooks::Runbook,
    number: usize,
    labels: &BTreeMap<String, String>,
    policy: &ValuePolicy,
) -> Result<(), CliError> {
    let step = runbook.step(number).ok_or_else(|| {
        CliError::Usage(format!(
            "the runbook for {} has steps 1 to {}; there is no step {number}",
            sanitize::one_line(alertname),
            runbook.steps.len()
        ))
    })?;
    let plan = runbooks::plan(&step.command, labels, policy)
        .map_err(|e| CliError::Usage(format!("step {number}: {e}")))?;
    output::print_json(&StepJson {
        alertname,
        step: number,
        section: &step.section,
        explanation: &step.explanation,
        command: &step.command,
        plan,
    })
}

#[derive(Serialize)]
struct RunbookJson<'a> {
    alertname: &'a str,
    source: String,
    title: Option<&'a str>,
    steps: Vec<StepSummary<'a>>,
    markdown: String,
}

#[derive(Serialize)]
struct StepSummary<'a> {
    number: usize,
    section: &'a str,
    explanation: &'a str,
    command: &'a str,
}

fn print_runbook(
    globals: &Globals,
    alertname: &str,
    found: &Found,
    runbook: &runbooks::Runbook,
) -> Result<(), CliError> {
    // Team runbooks are files anyone with commit access wrote: strip terminal controls.
    let markdown = sanitize::strip_controls(&found.markdown, true);
    match globals.output {
        OutputFormat::Json => output::print_json(&RunbookJson {
            alertname,
            source: found.origin.to_string(),
            title: runbook.title.as_deref(),
            steps: runbook
                .steps
                .iter()
                .map(|s| StepSummary {
                    number: s.number,
                    section: &s.section,
                    explanation: &s.explanation,
                    command: &s.command,
                })
                .collect(),
            markdown,
        }),
        _ => {
            eprintln!("oncall: {}", found.origin);
            output::print(&markdown)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_and_bad_pairs_are_usage_errors() {
        let l = parse_labels(&["job=api".into(), "instance=h:1".into()]).unwrap();
        assert_eq!(l["job"], "api");
        assert_eq!(l["instance"], "h:1");
        assert!(parse_labels(&["nojob".into()]).is_err());
        assert!(parse_labels(&["=x".into()]).is_err());
    }
}

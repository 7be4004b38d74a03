//! `oncall timeline INCIDENT`: PagerDuty's log entries for the incident (every page) merged
//! with what was done here (the incident log's entries about it), oldest first, as one
//! timeline; `-o json` for the same as data.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::incident_target::{resolve_refs, IncidentRef};
use super::incidents::client;
use super::output::{self, Column, Table};
use super::{block_on, CliError, Globals, OutputFormat};
use crate::journal::{self, Journal};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The incident: its ID or number (1001, #1001).
    #[arg(value_parser = IncidentRef::parse)]
    pub incident: IncidentRef,
}

/// One line of the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub at: DateTime<Utc>,
    /// `pagerduty` or `oncall` (the incident log).
    pub source: &'static str,
    /// `trigger`, `acknowledge`, `annotate`... or the incident log's kind.
    pub kind: String,
    pub who: String,
    pub what: String,
}

pub fn run(globals: &Globals, args: Args) -> i32 {
    block_on(timeline(globals, args))
}

async fn timeline(globals: &Globals, args: Args) -> Result<(), CliError> {
    let session = globals.session().await?;
    let client = client(&session.settings).await?;
    let target = resolve_refs(&client, std::slice::from_ref(&args.incident))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| CliError::Usage("no such incident".into()))?;
    let (entries, cut) = client.log_entries(&target.id).await?;
    let mut events: Vec<Event> = entries
        .into_iter()
        .map(|e| Event {
            at: e.created_at,
            source: "pagerduty",
            kind: e.word().to_string(),
            who: e.agent.map(|a| a.summary).unwrap_or_default(),
            what: e.summary,
        })
        .collect();
    if globals.demo {
        journal::use_demo_log();
    }
    // What was done here; an unreadable incident log leaves PagerDuty's side whole.
    match Journal::default_location().and_then(|j| j.read(None)) {
        Ok(read) => events.extend(
            read.entries
                .into_iter()
                .filter(|e| e.target.split([' ', ',']).any(|t| t == target.id))
                .map(|e| Event {
                    at: e.started,
                    source: "oncall",
                    kind: format!("{:?}", e.kind).to_lowercase(),
                    who: e.user,
                    what: e.detail,
                }),
        ),
        Err(e) => eprintln!("oncall: warning: the incident log could not be read: {e}"),
    }
    events.sort_by_key(|e| e.at);
    if cut {
        eprintln!("oncall: warning: PagerDuty's timeline is longer than it lists; the oldest entries are missing");
    }
    if globals.output == OutputFormat::Json {
        return output::print_json(&events);
    }
    eprintln!("{}", target.name());
    let mut t = Table::new(vec![
        Column::fixed("TIME"),
        Column::fixed("FROM"),
        Column::fixed("EVENT"),
        Column::fixed("WHO"),
        Column::flexible("WHAT", 20),
    ]);
    for e in &events {
        t.push(vec![
            output::local_time(e.at),
            e.source.to_string(),
            e.kind.clone(),
            e.who.clone(),
            e.what.clone(),
        ]);
    }
    output::print(&t.render(output::table_width(globals.output)))
}

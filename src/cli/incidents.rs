//! `oncall incidents`, `oncall ack`, `oncall resolve`: PagerDuty incidents.

use std::io::Read;

use chrono::{DateTime, Utc};

use super::incident_target::{confirm_linked, resolve_refs, IncidentRef, Target};
use super::output::{self, Column, Table};
use super::{block_on, confirmed, interactive, CliError, Globals, OutputFormat};
use crate::config::Settings;
use crate::model::{Incident, IncidentStatus};
use crate::sources::pagerduty::{BulkOutcome, IncidentQuery, PagerDutyClient};

#[derive(Debug, clap::Args)]
#[command(after_help = "-o json prints the incidents as PagerDuty returns them, as one array.")]
pub struct ListArgs {
    /// Only incidents assigned to you (the token's user).
    #[arg(long)]
    pub mine: bool,
    /// Statuses to list, comma-separated: triggered, acknowledged, resolved.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "triggered,acknowledged",
        value_name = "STATUS,..."
    )]
    pub status: Vec<IncidentStatus>,
    /// Print only the incident numbers, one a line (for `xargs oncall ack`).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Give `-` to read incident IDs (whitespace-separated) from stdin, e.g.\n  \
oncall incidents --mine -o json | jq -r '.[].id' | oncall ack -\n\n\
`oncall ack --alert 'alertname=Foo,instance=x'` acknowledges the incident of each firing alert\n\
the matchers select: by PagerDuty dedup key (rebuilt from Alertmanager's routes), else by the\n\
alert details PagerDuty holds, else by title. A match by title only (its words must agree\n\
with the alert's labels) is a proposal: confirmed on a terminal, or with -y; without a\n\
terminal and -y, exit 2. Several candidates for one alert: exit 2."
)]
pub struct ChangeArgs {
    /// Incident IDs (e.g. PT4KHLK) or numbers (1001, #1001), or `-` to read them from stdin.
    #[arg(value_name = "INCIDENT", required_unless_present = "alert")]
    pub ids: Vec<String>,
    /// `ack` only: the firing alert(s) whose incident to acknowledge, as amtool matchers
    /// separated by commas (`alertname=Foo,instance=x`).
    #[arg(long, value_name = "MATCHERS", conflicts_with = "ids")]
    pub alert: Option<String>,
    /// Do not ask for confirmation (resolve asks on a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

pub fn run_list(globals: &Globals, args: ListArgs) -> i32 {
    block_on(list(globals, args))
}

pub fn run_ack(globals: &Globals, args: ChangeArgs) -> i32 {
    block_on(change(globals, args, IncidentStatus::Acknowledged))
}

pub fn run_resolve(globals: &Globals, args: ChangeArgs) -> i32 {
    block_on(change(globals, args, IncidentStatus::Resolved))
}

/// A PagerDuty client for the settings' context. Reading the token may run `token_command`
/// or ask the keyring, which block: that happens off the async thread.
pub async fn client(settings: &Settings) -> Result<PagerDutyClient, CliError> {
    let pd = settings.require_pagerduty()?.clone();
    let from = pd.from.clone();
    let endpoint = tokio::task::spawn_blocking(move || pd.endpoint())
        .await
        .map_err(|e| CliError::Backend(format!("reading the PagerDuty token failed: {e}")))??;
    Ok(PagerDutyClient::new(endpoint, from)?)
}

async fn list(globals: &Globals, args: ListArgs) -> Result<(), CliError> {
    let session = globals.session().await?;
    let client = client(&session.settings).await?;
    let mut statuses = args.status;
    statuses.dedup();
    let query = IncidentQuery {
        statuses,
        mine: args.mine,
        ..IncidentQuery::default()
    };
    let page = client.incidents(&query).await?;
    let mut incidents = page.incidents;
    match globals.output {
        _ if args.quiet => {
            sort_for_people(&mut incidents);
            output::print(
                &incidents
                    .iter()
                    .map(|i| format!("{}\n", i.incident_number))
                    .collect::<String>(),
            )?
        }
        OutputFormat::Json => output::print_json(&incidents)?,
        format => {
            sort_for_people(&mut incidents);
            let t = table(&incidents, Utc::now(), &session.settings.response_targets);
            output::print(&t.render(output::table_width(format)))?;
            if incidents.is_empty() {
                eprintln!("no incidents");
            }
        }
    }
    if page.truncated {
        eprintln!(
            "oncall: warning: PagerDuty lets no one page past 10,000 incidents; narrow the query (--status, --mine) to see the rest"
        );
    }
    Ok(())
}

/// Triggered before acknowledged before resolved; high urgency first; newest first.
pub fn sort_for_people(incidents: &mut [Incident]) {
    incidents.sort_by(|a, b| {
        a.status
            .cmp(&b.status)
            .then(a.urgency.cmp(&b.urgency))
            .then(b.created_at.cmp(&a.created_at))
    });
}

/// The incidents with the time left to their next response target (`ack 3m`, `res late 5m`).
pub fn table(
    incidents: &[Incident],
    now: DateTime<Utc>,
    targets: &crate::triage::targets::Targets,
) -> Table {
    let mut t = Table::new(vec![
        Column::fixed("#"),
        Column::fixed("ID"),
        Column::fixed("STATUS"),
        Column::fixed("URGENCY"),
        Column::fixed("TARGET"),
        Column::flexible("TITLE", 20),
        Column::flexible("SERVICE", 8),
        Column::flexible("ASSIGNED", 8),
        Column::fixed("AGE"),
    ]);
    for i in incidents {
        t.push(vec![
            i.incident_number.to_string(),
            i.id.clone(),
            i.status.to_string(),
            i.urgency.to_string(),
            crate::triage::targets::short(&targets.due(i, now)),
            if i.title.is_empty() {
                i.summary.clone()
            } else {
                i.title.clone()
            },
            i.service
                .as_ref()
                .map(|s| s.summary.clone())
                .unwrap_or_default(),
            i.assignees(),
            output::age(now - i.created_at),
        ]);
    }
    t
}

async fn change(globals: &Globals, args: ChangeArgs, to: IncidentStatus) -> Result<(), CliError> {
    let selector = match (&args.alert, to) {
        (Some(text), IncidentStatus::Acknowledged) => Some(alert_selector(text)?),
        (Some(_), _) => {
            return Err(CliError::Usage(
                "--alert works with `oncall ack` only; resolve takes incident IDs (`oncall incidents` lists them)".into(),
            ))
        }
        (None, _) => None,
    };
    let session = globals.session().await?;
    // Before the token is read: a read-only session never needs it to write.
    session.settings.require_writable(match to {
        IncidentStatus::Resolved => "incidents are not resolved",
        _ => "incidents are not acknowledged",
    })?;
    let client = client(&session.settings).await?;
    let targets = match selector {
        Some(matchers) => {
            let linked =
                super::incident_link::incidents_of_alerts(&session.settings, &client, &matchers)
                    .await?;
            confirm_linked(linked, args.yes)?
        }
        None => resolve_refs(&client, &incident_refs(&args.ids)?).await?,
    };
    let ids: Vec<String> = targets.iter().map(|t| t.id.clone()).collect();
    let verb = if to == IncidentStatus::Resolved {
        "resolve"
    } else {
        "acknowledge"
    };
    // Acks are undone by PagerDuty itself after a while; resolving closes the incident.
    if to == IncidentStatus::Resolved {
        for t in &targets {
            match t.detail() {
                d if d.is_empty() => eprintln!("  {}", t.name()),
                d => eprintln!("  {d}"),
            }
        }
        confirmed(
            args.yes,
            &format!(
                "Resolve {} incident{}?",
                ids.len(),
                if ids.len() == 1 { "" } else { "s" },
            ),
        )?;
    }
    let progress = |text: String| eprintln!("oncall: {text}");
    let outcome = crate::writes::change_incidents(&client, &ids, to, &progress).await?;
    // The incident log (`oncall log`), as the UI writes it: number, ID, title and the alert
    // each came from.
    let (write, verb_done) = match to {
        IncidentStatus::Resolved => (
            crate::writes::Write::ResolveIncidents(ids.clone()),
            "resolved",
        ),
        _ => (
            crate::writes::Write::AckIncidents(ids.clone()),
            "acknowledged",
        ),
    };
    let detail = targets
        .iter()
        .filter(|t| outcome.done.contains(&t.id) || outcome.already.contains(&t.id))
        .map(Target::detail)
        .filter(|d| !d.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    let written = crate::writes::Written::Incidents {
        verb: verb_done,
        outcome: outcome.clone(),
    };
    crate::writes::log::record(&write, &written, &detail, &session.settings);
    report(&outcome, to, verb)
}

/// Per-incident lines on stderr, the IDs now in the wanted state on stdout; any failure is
/// exit 1.
fn report(outcome: &BulkOutcome, to: IncidentStatus, verb: &str) -> Result<(), CliError> {
    for id in &outcome.done {
        eprintln!("{to} {id}");
    }
    for id in &outcome.already {
        eprintln!("{id} was already {to}");
    }
    for (id, why) in &outcome.failed {
        eprintln!("oncall: could not {verb} {id}: {why}");
    }
    let ok: String = outcome
        .done
        .iter()
        .chain(outcome.already.iter())
        .map(|id| format!("{id}\n"))
        .collect();
    output::print(&ok)?;
    if outcome.failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::Backend(format!(
            "{} of {} incidents were not {to}",
            outcome.failed.len(),
            outcome.failed.len() + outcome.done.len() + outcome.already.len()
        )))
    }
}

/// `--alert`'s matchers: amtool syntax, comma-separated, optionally in braces.
fn alert_selector(text: &str) -> Result<Vec<crate::model::Matcher>, CliError> {
    let matchers = crate::model::route::split_matcher_list(text)
        .iter()
        .map(|m| crate::model::Matcher::parse(m))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CliError::Usage(format!("--alert: {e}")))?;
    if matchers.is_empty() {
        return Err(CliError::Usage(
            "--alert needs matchers, e.g. --alert 'alertname=Foo,instance=x'".into(),
        ));
    }
    Ok(matchers)
}

/// The incidents given, with `-` replaced by those read from stdin; duplicates dropped;
/// anything not an ID or a number is a usage error before any request.
fn incident_refs(args: &[String]) -> Result<Vec<IncidentRef>, CliError> {
    let mut ids: Vec<String> = Vec::new();
    for arg in args {
        if arg == "-" {
            if interactive() {
                return Err(CliError::Usage(
                    "`-` reads incident IDs from stdin, but stdin is a terminal".into(),
                ));
            }
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|e| {
                CliError::Usage(format!("cannot read incident IDs from stdin: {e}"))
            })?;
            ids.extend(text.split_whitespace().map(str::to_string));
        } else {
            ids.push(arg.trim().to_string());
        }
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| !id.is_empty() && seen.insert(id.clone()));
    if ids.is_empty() {
        return Err(CliError::Usage("no incident IDs given".into()));
    }
    ids.iter()
        .map(|id| IncidentRef::parse(id).map_err(CliError::Usage))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(id: &str, status: &str, urgency: &str, created: &str) -> Incident {
        serde_json::from_value(serde_json::json!({
            "id": id, "status": status, "urgency": urgency, "created_at": created, "title": format!("t {id}"),
            "incident_number": 7, "service": {"id": "S", "summary": "api"},
            "assignments": [{"assignee": {"id": "U", "summary": "Ada"}}]
        }))
        .unwrap()
    }

    #[test]
    fn triggered_high_and_new_first() {
        let mut v = vec![
            incident("A", "acknowledged", "high", "2026-08-20T10:00:00Z"),
            incident("B", "triggered", "low", "2026-08-20T11:00:00Z"),
            incident("C", "triggered", "high", "2026-08-20T09:00:00Z"),
            incident("D", "triggered", "high", "2026-08-20T10:00:00Z"),
        ];
        sort_for_people(&mut v);
        let ids: Vec<&str> = v.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["D", "C", "B", "A"]);
    }

    #[test]
    fn table_shows_title_service_and_assignee() {
        let now: DateTime<Utc> = "2026-08-20T12:00:00Z".parse().unwrap();
        let out = table(
            &[incident("P1", "triggered", "high", "2026-08-20T11:00:00Z")],
            now,
            &Default::default(),
        )
        .render(None);
        // High urgency is the critical tier: 5 minutes to acknowledge, missed by 55.
        assert!(
            out.contains(
                "7  P1  triggered  high     ack late 55m  t P1   api      Ada       1h00m"
            ),
            "{out}"
        );
    }

    #[test]
    fn alert_selectors_are_amtool_matchers() {
        let m = alert_selector("alertname=Foo, instance=~\"a,b\"").unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[1].value, "a,b");
        assert_eq!(alert_selector("{alertname=\"Foo\"}").unwrap().len(), 1);
        assert!(matches!(alert_selector(" "), Err(CliError::Usage(_))));
        assert!(matches!(
            alert_selector("x=~\"(\""),
            Err(CliError::Usage(_))
        ));
    }

    #[test]
    fn ids_are_deduplicated_and_required() {
        assert_eq!(
            incident_refs(&["P1".into(), "P2".into(), "P1".into(), "#7".into()]).unwrap(),
            [
                IncidentRef::Id("P1".into()),
                IncidentRef::Id("P2".into()),
                IncidentRef::Number(7)
            ]
        );
        assert!(incident_refs(&[" ".into()]).is_err());
        assert!(incident_refs(&["P1;x".into()]).is_err());
    }

    #[test]
    fn report_fails_when_any_incident_failed() {
        let ok = BulkOutcome {
            done: vec!["P1".into()],
            already: vec!["P2".into()],
            failed: vec![],
        };
        assert!(report(&ok, IncidentStatus::Acknowledged, "acknowledge").is_ok());
        let bad = BulkOutcome {
            failed: vec![("P3".into(), "Not Found".into())],
            ..ok
        };
        let err = report(&bad, IncidentStatus::Acknowledged, "acknowledge").unwrap_err();
        assert_eq!(err.to_string(), "1 of 3 incidents were not acknowledged");
    }
}

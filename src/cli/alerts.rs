//! `oncall alerts`: firing alerts from every configured Alertmanager, merged by fingerprint.

use chrono::{DateTime, Utc};

use super::output::{self, Column, Table};
use super::{block_on, CliError, Globals, OutputFormat};
use crate::model::{parse_matchers, Alert, AlertState};
use crate::sources::alertmanager::AlertQuery;
use crate::sources::fleet::{Fleet, MergedAlert};
use crate::sources::SourceError;
pub use crate::triage::alert_list::label_summary;
use crate::triage::alert_list::people_order;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Matchers use amtool's syntax: alertname=Foo, severity=~\"crit.*\", job!=x, \
instance!~\"a|b\"; a bare first word is the alert name. Several matchers must all match.\n\
-o json prints the alerts as Alertmanager returns them (one per fingerprint), as one array."
)]
pub struct Args {
    /// Label matchers; a bare first word is the alert name.
    #[arg(value_name = "MATCHER")]
    pub matchers: Vec<String>,
    /// Also list silenced alerts.
    #[arg(long)]
    pub silenced: bool,
    /// Also list inhibited alerts.
    #[arg(long)]
    pub inhibited: bool,
    /// List every alert: silenced, inhibited and unprocessed too.
    #[arg(long)]
    pub all: bool,
}

pub fn run(globals: &Globals, args: Args) -> i32 {
    block_on(execute(globals, args))
}

async fn execute(globals: &Globals, args: Args) -> Result<(), CliError> {
    let matchers = parse_matchers(&args.matchers)?;
    let session = globals.session().await?;
    let settings = &session.settings;
    let fleet = Fleet::new(settings.require_alertmanagers()?)?;
    let query = AlertQuery {
        silenced: args.silenced || args.all,
        inhibited: args.inhibited || args.all,
        ..AlertQuery::firing()
    }
    .with_filter(matchers);
    if globals.output == OutputFormat::Json && fleet.len() == 1 {
        // One Alertmanager: nothing to merge, so pass its answer through untouched.
        let raw = fleet.client(0).alerts_raw(&query).await?;
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(&raw)?;
        if !raw.ends_with(b"\n") {
            out.write_all(b"\n")?;
        }
        out.flush()?;
        return Ok(());
    }
    let gathered = fleet.alerts(&query).await?;

    match globals.output {
        OutputFormat::Json => {
            let alerts: Vec<&Alert> = gathered.items.iter().map(|m| &m.alert).collect();
            output::print_json(&alerts)?;
        }
        format => {
            let mut alerts = gathered.items;
            alerts.sort_by_cached_key(|m| people_order(&m.alert));
            let keys: Vec<&str> = settings
                .runbook_annotation_keys
                .iter()
                .map(String::as_str)
                .collect();
            let table = table(
                &alerts,
                format == OutputFormat::Wide,
                fleet.len(),
                Utc::now(),
                &keys,
            );
            output::print(&table.render(output::table_width(format)))?;
            if alerts.is_empty() {
                eprintln!(
                    "no alerts{}",
                    if args.matchers.is_empty() {
                        ""
                    } else {
                        " match"
                    }
                );
            }
        }
    }
    partial_failure(&gathered.failures, fleet.len(), "alerts")
}

/// Warn about each Alertmanager that did not answer; any is a failure (exit 1), since the
/// list printed may lack its alerts.
pub fn partial_failure(
    failures: &[(String, SourceError)],
    members: usize,
    what: &str,
) -> Result<(), CliError> {
    for (_, e) in failures {
        eprintln!("oncall: warning: {e}");
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(CliError::Backend(format!(
            "{} of {members} Alertmanagers did not answer; the {what} above come from the others only",
            failures.len()
        )))
    }
}

/// firing, silenced, inhibited, unprocessed; with several Alertmanagers, how many had it.
pub fn state(m: &MergedAlert, members: usize) -> String {
    let a = &m.alert;
    let base = if a.status.state == AlertState::Unprocessed {
        "unprocessed"
    } else if a.is_silenced() {
        "silenced"
    } else if a.is_inhibited() {
        "inhibited"
    } else if a.status.state == AlertState::Active {
        "firing"
    } else {
        a.status.state.as_str()
    };
    if members > 1 && m.seen_on < members {
        format!("{base} ({}/{members} AMs)", m.seen_on)
    } else {
        base.to_string()
    }
}

pub fn table(
    alerts: &[MergedAlert],
    wide: bool,
    members: usize,
    now: DateTime<Utc>,
    runbook_keys: &[&str],
) -> Table {
    let mut t = Table::new(vec![
        Column::fixed("SEVERITY"),
        Column::flexible("ALERTNAME", 12),
        Column::flexible("LABELS", 12),
        Column::fixed("AGE"),
        Column::flexible("SUMMARY", 16),
        Column::fixed("STATE"),
        Column::flexible("RUNBOOK", 12),
    ]);
    for m in alerts {
        let a = &m.alert;
        t.push(vec![
            a.severity().unwrap_or("-").to_string(),
            a.alertname().to_string(),
            label_summary(a, wide),
            output::age(now - a.starts_at),
            a.summary().unwrap_or("").to_string(),
            state(m, members),
            a.runbook_url(runbook_keys).unwrap_or("").to_string(),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(labels: serde_json::Value, starts: &str, silenced: bool) -> MergedAlert {
        let alert = serde_json::from_value(serde_json::json!({
            "labels": labels, "annotations": {"summary": "it broke", "runbook_url": "https://rb/x"},
            "receivers": [], "fingerprint": starts, "startsAt": starts, "updatedAt": starts,
            "endsAt": "2026-08-20T23:00:00Z",
            "status": {"state": if silenced {"suppressed"} else {"active"},
                       "silencedBy": if silenced { vec!["s1"] } else { vec![] }, "inhibitedBy": []}
        }))
        .unwrap();
        MergedAlert { alert, seen_on: 1 }
    }

    #[test]
    fn most_severe_first_then_newest() {
        let mut alerts = [
            alert(
                serde_json::json!({"alertname": "A", "severity": "warning"}),
                "2026-08-20T10:00:00Z",
                false,
            ),
            alert(
                serde_json::json!({"alertname": "B", "severity": "critical"}),
                "2026-08-20T09:00:00Z",
                false,
            ),
            alert(
                serde_json::json!({"alertname": "C", "severity": "critical"}),
                "2026-08-20T11:00:00Z",
                false,
            ),
            alert(
                serde_json::json!({"alertname": "D"}),
                "2026-08-20T12:00:00Z",
                false,
            ),
        ];
        alerts.sort_by_cached_key(|m| people_order(&m.alert));
        let names: Vec<&str> = alerts.iter().map(|m| m.alert.alertname()).collect();
        assert_eq!(names, ["C", "B", "A", "D"]);
    }

    #[test]
    fn key_labels_first_and_the_rest_counted() {
        let a = alert(
            serde_json::json!({"alertname": "X", "severity": "critical", "pod": "api-1", "namespace": "prod", "uid": "9", "zone": "a"}),
            "2026-08-20T10:00:00Z",
            false,
        );
        assert_eq!(
            label_summary(&a.alert, false),
            "namespace=prod pod=api-1 +2"
        );
        assert_eq!(
            label_summary(&a.alert, true),
            "namespace=prod pod=api-1 uid=9 zone=a"
        );
    }

    #[test]
    fn table_row_has_every_column_and_state() {
        let now: DateTime<Utc> = "2026-08-20T12:00:00Z".parse().unwrap();
        let mut m = alert(
            serde_json::json!({"alertname": "X", "severity": "critical"}),
            "2026-08-20T10:00:00Z",
            true,
        );
        let out = table(std::slice::from_ref(&m), false, 1, now, &[]).render(None);
        assert!(out.contains("critical  X"), "{out}");
        assert!(
            out.contains("2h00m  it broke  silenced  https://rb/x"),
            "{out}"
        );
        m.alert.status.silenced_by.clear();
        m.alert.status.state = AlertState::Active;
        assert_eq!(state(&m, 2), "firing (1/2 AMs)");
    }
}

//! `oncall alerts`: firing alerts from every configured Alertmanager, merged by fingerprint.
//!
//! With one Alertmanager (the common case) nothing needs merging, so the list is printed
//! straight from the body: `-o json` passes it through, the table decodes only the fields it
//! prints, borrowing their text ([`AlertRow`]). Several Alertmanagers are decoded in full and
//! merged by fingerprint, then printed by the same table code.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::output::{self, Column, Table};
use super::{block_on, CliError, Globals, OutputFormat};
use crate::model::alert_row::{AlertRow, RowStatus};
use crate::model::{parse_matchers, Alert, AlertState};
use crate::sources::alertmanager::{decode_alert_rows, AlertQuery};
use crate::sources::fleet::{Fleet, Gathered, MergedAlert};
use crate::sources::SourceError;
pub use crate::triage::alert_list::label_summary;
use crate::triage::alert_list::write_label_summary;
use crate::triage::severity::severity_rank;

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
    /// Print only the fingerprints, one a line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
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
    let keys: Vec<&str> = settings
        .runbook_annotation_keys
        .iter()
        .map(String::as_str)
        .collect();
    let print = Printing {
        format: globals.output,
        runbook_keys: &keys,
        filtered: !args.matchers.is_empty(),
    };

    if args.quiet {
        let Gathered { items, failures } = fleet.alerts(&query).await?;
        output::print(
            &items
                .iter()
                .map(|m| format!("{}\n", crate::sanitize::one_line(&m.alert.fingerprint)))
                .collect::<String>(),
        )?;
        return partial_failure(&failures, fleet.len(), "alerts");
    }
    if fleet.len() == 1 {
        // One Alertmanager: nothing to merge, so print from its answer as it came.
        let client = fleet.client(0);
        if globals.output == OutputFormat::Json {
            return output::print_json_bytes(&client.alerts_raw(&query).await?);
        }
        let body = client.alerts_body(&query).await?;
        let listed = decode_alert_rows(&body)?
            .into_iter()
            .map(|row| Listed { row, seen_on: 1 })
            .collect();
        print.table(listed, 1)?;
        // The process exits next: freeing the body is work nobody waits for.
        std::mem::forget(body);
        return Ok(());
    }

    let Gathered { items, failures } = fleet.alerts(&query).await?;
    match globals.output {
        OutputFormat::Json => {
            let alerts: Vec<&Alert> = items.iter().map(|m| &m.alert).collect();
            output::print_json(&alerts)?;
        }
        _ => {
            let listed = items
                .iter()
                .map(|m| Listed {
                    row: AlertRow::from_alert(&m.alert),
                    seen_on: m.seen_on,
                })
                .collect();
            print.table(listed, fleet.len())?;
        }
    }
    // As above: the process is about to exit with these.
    std::mem::forget(items);
    partial_failure(&failures, fleet.len(), "alerts")
}

/// How the table is printed: the output format, the runbook annotation keys, and whether
/// matchers were given (for the "no alerts" note).
struct Printing<'k> {
    format: OutputFormat,
    runbook_keys: &'k [&'k str],
    filtered: bool,
}

impl Printing<'_> {
    fn table(&self, mut listed: Vec<Listed<'_>>, members: usize) -> Result<(), CliError> {
        sort_for_people(&mut listed);
        let format = self.format;
        let table = table(
            &listed,
            format == OutputFormat::Wide,
            members,
            Utc::now(),
            self.runbook_keys,
        );
        output::print_table(&table, output::table_width(format))?;
        if listed.is_empty() {
            eprintln!("no alerts{}", if self.filtered { " match" } else { "" });
        }
        // The process exits next: freeing 10,000 rows is work nobody waits for.
        std::mem::forget(table);
        std::mem::forget(listed);
        Ok(())
    }
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

/// One line of the table: an alert and how many Alertmanagers reported it.
#[derive(Debug, Clone)]
pub struct Listed<'a> {
    pub row: AlertRow<'a>,
    pub seen_on: usize,
}

/// Most severe first, then newest first; the fingerprint keeps the order stable (the order
/// of `triage::alert_list::people_order`, on rows).
pub fn sort_for_people(alerts: &mut [Listed<'_>]) {
    alerts.sort_by_cached_key(|l| {
        (
            severity_rank(l.row.severity()),
            Reverse(l.row.starts_at),
            // Borrowed from the body, so the key costs no copy.
            l.row.fingerprint.clone(),
        )
    });
}

/// firing, silenced, inhibited, unprocessed; with several Alertmanagers, how many had it.
pub fn state(m: &MergedAlert, members: usize) -> String {
    let a = &m.alert;
    let status = RowStatus {
        state: a.status.state,
        silenced: a.is_silenced(),
        inhibited: a.is_inhibited(),
    };
    state_text(&status, m.seen_on, members).into_owned()
}

/// [`state`] for a table row.
fn row_state(l: &Listed<'_>, members: usize) -> Cow<'static, str> {
    state_text(&l.row.status, l.seen_on, members)
}

fn state_text(status: &RowStatus, seen_on: usize, members: usize) -> Cow<'static, str> {
    let base = if status.state == AlertState::Unprocessed {
        "unprocessed"
    } else if status.silenced {
        "silenced"
    } else if status.inhibited {
        "inhibited"
    } else if status.state == AlertState::Active {
        "firing"
    } else {
        status.state.as_str()
    };
    if members > 1 && seen_on < members {
        Cow::Owned(format!("{base} ({seen_on}/{members} AMs)"))
    } else {
        Cow::Borrowed(base)
    }
}

pub fn table(
    alerts: &[Listed<'_>],
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
    // Reused row after row, so the computed cells cost no allocation each.
    let (mut labels, mut age) = (String::new(), String::new());
    for l in alerts {
        let r = &l.row;
        labels.clear();
        write_label_summary(r.labels.iter(), wide, &mut labels);
        age.clear();
        // Writing into a String cannot fail.
        let _ = write!(age, "{}", output::Age(now - r.starts_at));
        t.push_row([
            r.severity().unwrap_or("-"),
            r.alertname(),
            &labels,
            &age,
            r.summary().unwrap_or(""),
            &row_state(l, members),
            r.runbook_url(runbook_keys).unwrap_or(""),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::alert_list::people_order;

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

    fn listed(m: &MergedAlert) -> Listed<'_> {
        Listed {
            row: AlertRow::from_alert(&m.alert),
            seen_on: m.seen_on,
        }
    }

    fn summary(m: &MergedAlert, wide: bool) -> String {
        let mut out = String::new();
        write_label_summary(listed(m).row.labels.iter(), wide, &mut out);
        out
    }

    #[test]
    fn most_severe_first_then_newest() {
        let alerts = [
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
        let mut rows: Vec<Listed> = alerts.iter().map(listed).collect();
        sort_for_people(&mut rows);
        let names: Vec<&str> = rows.iter().map(|l| l.row.alertname()).collect();
        assert_eq!(names, ["C", "B", "A", "D"]);
    }

    #[test]
    fn key_labels_first_and_the_rest_counted() {
        let a = alert(
            serde_json::json!({"alertname": "X", "severity": "critical", "pod": "api-1", "namespace": "prod", "uid": "9", "zone": "a"}),
            "2026-08-20T10:00:00Z",
            false,
        );
        assert_eq!(summary(&a, false), "namespace=prod pod=api-1 +2");
        assert_eq!(summary(&a, true), "namespace=prod pod=api-1 uid=9 zone=a");
        let b = alert(
            serde_json::json!({"alertname": "X", "a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}),
            "2026-08-20T10:00:00Z",
            false,
        );
        assert_eq!(summary(&b, false), "a=1 b=2 c=3 +2");
    }

    #[test]
    fn table_row_has_every_column_and_state() {
        let now: DateTime<Utc> = "2026-08-20T12:00:00Z".parse().unwrap();
        let mut m = alert(
            serde_json::json!({"alertname": "X", "severity": "critical"}),
            "2026-08-20T10:00:00Z",
            true,
        );
        let out = table(&[listed(&m)], false, 1, now, &[]).render(None);
        assert!(out.contains("critical  X"), "{out}");
        assert!(
            out.contains("2h00m  it broke  silenced  https://rb/x"),
            "{out}"
        );
        m.alert.status.silenced_by.clear();
        m.alert.status.state = AlertState::Active;
        assert_eq!(row_state(&listed(&m), 2), "firing (1/2 AMs)");
        assert_eq!(state(&m, 2), "firing (1/2 AMs)");
    }

    /// Alerts as hostile as anyone who can POST to Alertmanager can make them: escape
    /// sequences, bidi overrides, newlines, wide and combining characters, blank and repeated
    /// annotations, odd severities, every state, equal start times.
    const HOSTILE: &str = r#"[
      {"labels": {"alertname": "Disk\u001b[31mFull", "severity": "CRITICAL ", "instance": "db-1\u001b]52;c;aGk=\u0007", "namespace": "prod", "zz": "1", "aa": "2"},
       "annotations": {"summary": "  ", "description": "line one\nline two\r\u202eevil", "runbook": "https://rb/\u001b]8;;http://evil\u001b\\x"},
       "fingerprint": "0001", "startsAt": "2026-08-20T09:00:00.000Z", "updatedAt": "2026-08-20T09:00:00Z", "endsAt": "2026-08-20T23:00:00Z",
       "receivers": [{"name": "pd"}], "generatorURL": "http://p", "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}},
      {"labels": {"alertname": "日本語のアラート名前がとても長い", "severity": "warning", "pod": "🔥api\u200f-1", "team": "a\tb", "x": "\u009b31m"},
       "annotations": {"summary": "概要\u2066isolated\u2069 ok", "runbook_url": "   ", "link": "https://wiki/\u00e9"},
       "fingerprint": "0002", "startsAt": "2026-08-20T09:00:00Z", "updatedAt": "2026-08-20T09:00:00Z", "endsAt": "2026-08-20T23:00:00Z",
       "status": {"state": "suppressed", "silencedBy": ["s1"], "inhibitedBy": ["i1"]}},
      {"labels": {"alertname": "", "a": "1", "b": "2", "c": "3", "d": "4"},
       "annotations": {},
       "fingerprint": "0003", "startsAt": "2026-08-20T11:59:30Z", "updatedAt": "2026-08-20T09:00:00Z", "endsAt": "2026-08-20T23:00:00Z",
       "status": {"state": "unprocessed", "silencedBy": [], "inhibitedBy": []}},
      {"labels": {"alertname": "Inhibited", "severity": "page", "cluster": "eu\u00a0", "service": "trailing space ", "job": "j", "node": "n", "container": "c", "deployment": "d", "env": "e", "severity": "info"},
       "annotations": {"summary": "short", "sop": "https://sop"},
       "fingerprint": "0004", "startsAt": "2026-08-17T01:00:00Z", "updatedAt": "2026-08-20T09:00:00Z", "endsAt": "2026-08-20T23:00:00Z",
       "status": {"state": "suppressed", "silencedBy": [], "inhibitedBy": ["i1"]}},
      {"labels": {"alertname": "Snoozed", "severity": "p1"},
       "annotations": {"summary": "a very long summary that goes on and on so that the table has to cut it when it is narrow"},
       "fingerprint": "0000", "startsAt": "2026-08-20T09:00:00Z", "updatedAt": "2026-08-20T09:00:00Z", "endsAt": "2026-08-20T23:00:00Z",
       "status": {"state": "snoozed", "silencedBy": [], "inhibitedBy": []}}
    ]"#;

    /// The table as it was printed before the lean decode: every alert decoded in full,
    /// sorted by `people_order`, cells from `Alert`'s own helpers and triage's label summary.
    fn reference_table(
        alerts: &mut [MergedAlert],
        wide: bool,
        members: usize,
        now: DateTime<Utc>,
        runbook_keys: &[&str],
    ) -> Table {
        alerts.sort_by_cached_key(|m| people_order(&m.alert));
        let mut t = Table::new(vec![
            Column::fixed("SEVERITY"),
            Column::flexible("ALERTNAME", 12),
            Column::flexible("LABELS", 12),
            Column::fixed("AGE"),
            Column::flexible("SUMMARY", 16),
            Column::fixed("STATE"),
            Column::flexible("RUNBOOK", 12),
        ]);
        for m in alerts.iter() {
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
            let state = if members > 1 && m.seen_on < members {
                format!("{base} ({}/{members} AMs)", m.seen_on)
            } else {
                base.to_string()
            };
            t.push(vec![
                a.severity().unwrap_or("-").to_string(),
                a.alertname().to_string(),
                label_summary(a, wide),
                output::age(now - a.starts_at),
                a.summary().unwrap_or("").to_string(),
                state,
                a.runbook_url(runbook_keys).unwrap_or("").to_string(),
            ]);
        }
        t
    }

    #[test]
    fn lean_table_matches_the_full_decode() {
        let now: DateTime<Utc> = "2026-08-20T12:00:00Z".parse().unwrap();
        let full: Vec<Alert> = serde_json::from_str(HOSTILE).unwrap();
        let rows: Vec<AlertRow> = serde_json::from_str(HOSTILE).unwrap();
        for (wide, members, keys) in [
            (false, 1, &[][..]),
            (true, 1, &[][..]),
            (false, 2, &["sop", "runbook"][..]),
        ] {
            let mut merged: Vec<MergedAlert> = full
                .iter()
                .enumerate()
                .map(|(i, a)| MergedAlert {
                    alert: a.clone(),
                    seen_on: 1 + i % 2,
                })
                .collect();
            let mut lean: Vec<Listed> = rows
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, row)| Listed {
                    row,
                    seen_on: 1 + i % 2,
                })
                .collect();
            sort_for_people(&mut lean);
            let expected = reference_table(&mut merged, wide, members, now, keys);
            let got = table(&lean, wide, members, now, keys);
            for width in [None, Some(60), Some(100), Some(160)] {
                let out = got.render(width);
                assert_eq!(out, expected.render(width), "wide {wide}, width {width:?}");
                assert!(!out.contains(['\u{1b}', '\u{9b}', '\u{7}', '\u{202e}', '\r']));
            }
            // Several Alertmanagers: rows borrowed from the merged alerts print the same.
            let mut borrowed: Vec<Listed> = merged.iter().map(listed).collect();
            sort_for_people(&mut borrowed);
            assert_eq!(
                table(&borrowed, wide, members, now, keys).render(None),
                expected.render(None)
            );
        }
    }
}

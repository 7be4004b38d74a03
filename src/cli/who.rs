//! `oncall who`: who is on call now, per escalation policy and level.

use chrono::{DateTime, Utc};

use super::output::{self, Column, Table};
use super::{block_on, CliError, Globals, OutputFormat};
use crate::model::OnCall;
use crate::sources::pagerduty::OnCallQuery;

#[derive(Debug, clap::Args)]
#[command(after_help = "-o json prints PagerDuty's on-call entries, sorted by policy and level.")]
pub struct Args {}

pub fn run(globals: &Globals, _args: Args) -> i32 {
    block_on(execute(globals))
}

async fn execute(globals: &Globals) -> Result<(), CliError> {
    let session = globals.session().await?;
    let client = super::incidents::client(&session.settings).await?;
    let query = OnCallQuery {
        earliest: true,
        ..OnCallQuery::default()
    };
    let mut oncalls = client.oncalls(&query).await?;
    sort_by_escalation(&mut oncalls);
    match globals.output {
        OutputFormat::Json => output::print_json(&oncalls),
        format => {
            output::print(&table(&oncalls, Utc::now()).render(output::table_width(format)))?;
            if oncalls.is_empty() {
                eprintln!("nobody is on call (no on-call entries)");
            }
            Ok(())
        }
    }
}

/// By escalation policy name, then level (1 first), then name.
pub fn sort_by_escalation(oncalls: &mut [OnCall]) {
    let policy = |o: &OnCall| {
        o.escalation_policy
            .as_ref()
            .map(|p| p.summary.clone())
            .unwrap_or_default()
    };
    oncalls.sort_by(|a, b| {
        policy(a)
            .cmp(&policy(b))
            .then(a.escalation_level.cmp(&b.escalation_level))
            .then(a.user.summary.cmp(&b.user.summary))
    });
}

pub fn table(oncalls: &[OnCall], now: DateTime<Utc>) -> Table {
    let mut t = Table::new(vec![
        Column::flexible("POLICY", 10),
        Column::fixed("LEVEL"),
        Column::flexible("WHO", 10),
        Column::flexible("SCHEDULE", 8),
        Column::fixed("UNTIL"),
    ]);
    for o in oncalls {
        let until = match o.end {
            Some(end) => format!(
                "{} ({})",
                output::local_time(end),
                output::relative(end, now)
            ),
            None => "always (direct assignment)".into(),
        };
        t.push(vec![
            o.escalation_policy
                .as_ref()
                .map(|p| p.summary.clone())
                .unwrap_or_default(),
            o.escalation_level.to_string(),
            o.user.summary.clone(),
            o.schedule
                .as_ref()
                .map(|s| s.summary.clone())
                .unwrap_or_else(|| "-".into()),
            until,
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oncall(policy: &str, level: u32, who: &str) -> OnCall {
        serde_json::from_value(serde_json::json!({
            "user": {"id": "U", "summary": who}, "escalation_policy": {"id": "E", "summary": policy},
            "escalation_level": level, "schedule": null, "start": null, "end": null
        }))
        .unwrap()
    }

    #[test]
    fn ordered_by_policy_then_level() {
        let mut v = vec![
            oncall("Ops", 3, "Cy"),
            oncall("Api", 1, "Zed"),
            oncall("Ops", 1, "Ada"),
            oncall("Ops", 2, "Bob"),
        ];
        sort_by_escalation(&mut v);
        let who: Vec<&str> = v.iter().map(|o| o.user.summary.as_str()).collect();
        assert_eq!(who, ["Zed", "Ada", "Bob", "Cy"]);
        let out = table(&v, Utc::now()).render(None);
        assert!(
            out.contains("Ops     1      Ada  -         always"),
            "{out}"
        );
    }
}

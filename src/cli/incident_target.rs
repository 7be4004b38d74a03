//! What `oncall ack` and `oncall resolve` act on: incidents named by ID (`PT4KHLK`) or by the
//! number the tables show (`1001`, `#1001`), or found for firing alerts (`--alert`), each
//! with its number, title and alert for the confirmation and the incident log.

use super::incident_link::{incident_line, Linked};
use super::{interactive, CliError};
use crate::model::Incident;
use crate::sanitize::one_line;
use crate::sources::pagerduty::{IncidentQuery, PagerDutyClient};
use crate::triage::incident_match::MatchedBy;

/// An incident as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncidentRef {
    Id(String),
    Number(u64),
}

impl IncidentRef {
    /// Digits (with an optional `#`) are a number; PagerDuty's IDs always hold letters.
    pub fn parse(text: &str) -> Result<IncidentRef, String> {
        let t = text.trim();
        let digits = t.strip_prefix('#').unwrap_or(t);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return digits
                .parse()
                .map(IncidentRef::Number)
                .map_err(|_| format!("incident number `{}` is too large", one_line(t)));
        }
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Ok(IncidentRef::Id(t.to_string()));
        }
        Err(format!(
            "`{}` is not an incident: give its ID (PT4KHLK) or its number (1001 or #1001) as `oncall incidents` shows them",
            one_line(t)
        ))
    }
}

/// One incident to change, with what is known of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub id: String,
    pub number: Option<u64>,
    pub title: Option<String>,
    /// The alert it was found for (`--alert`).
    pub alert: Option<String>,
}

impl Target {
    fn of(i: &Incident, alert: Option<String>) -> Target {
        Target {
            id: i.id.clone(),
            number: Some(i.incident_number),
            title: Some(one_line(&i.title)),
            alert,
        }
    }

    /// `#1001 PT4KHLK`, or the ID alone when the number is unknown.
    pub fn name(&self) -> String {
        match self.number {
            Some(n) => format!("#{n} {}", one_line(&self.id)),
            None => one_line(&self.id),
        }
    }

    /// The title and the alert, for the incident log's detail.
    pub fn detail(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = &self.title {
            parts.push(format!("{} {t}", self.name()));
        }
        if let Some(a) = &self.alert {
            parts.push(format!("for alert {a}"));
        }
        parts.join(" ")
    }
}

/// The incidents the references name. Open incidents are listed once to turn numbers into
/// IDs and to know each one's title; an ID not open is passed on as it is (PagerDuty says
/// what is wrong with it), a number not open is an error.
pub async fn resolve_refs(
    client: &PagerDutyClient,
    refs: &[IncidentRef],
) -> Result<Vec<Target>, CliError> {
    let listed = client.incidents(&IncidentQuery::open()).await;
    let open = match (
        listed,
        refs.iter().any(|r| matches!(r, IncidentRef::Number(_))),
    ) {
        (Ok(page), _) => page.incidents,
        (Err(e), true) => return Err(e.into()),
        (Err(e), false) => {
            eprintln!("oncall: warning: the open incidents could not be listed, so the log will hold IDs only: {e}");
            Vec::new()
        }
    };
    let mut targets: Vec<Target> = Vec::new();
    for r in refs {
        let target = match r {
            IncidentRef::Number(n) => match open.iter().find(|i| i.incident_number == *n) {
                Some(i) => Target::of(i, None),
                None => {
                    return Err(CliError::Backend(format!(
                        "no open incident has number {n}; `oncall incidents` lists the open ones"
                    )))
                }
            },
            IncidentRef::Id(id) => match open.iter().find(|i| i.id == *id) {
                Some(i) => Target::of(i, None),
                None => Target {
                    id: id.clone(),
                    number: None,
                    title: None,
                    alert: None,
                },
            },
        };
        if !targets.iter().any(|t| t.id == target.id) {
            targets.push(target);
        }
    }
    Ok(targets)
}

/// The incidents found for alerts. Those matched only by title are proposals: shown, and
/// acted on only when confirmed on a terminal or with `-y`; a script without `-y` gets
/// exit 2 and nothing is done.
pub fn confirm_linked(linked: Vec<Linked>, yes: bool) -> Result<Vec<Target>, CliError> {
    let proposals: Vec<&Linked> = linked.iter().filter(|l| l.by == MatchedBy::Title).collect();
    if !proposals.is_empty() && !yes {
        for l in &proposals {
            eprintln!(
                "proposal: {} for {} (service {}), matched only by title",
                incident_line(&l.incident),
                l.alert,
                l.incident
                    .service
                    .as_ref()
                    .map(|s| one_line(&s.summary))
                    .unwrap_or_else(|| "unknown".into())
            );
        }
        if !interactive() {
            return Err(CliError::Usage(format!(
                "{} incident{} matched only by title; nothing was acknowledged. Confirm on a terminal, pass -y, or acknowledge by number",
                proposals.len(),
                if proposals.len() == 1 { "" } else { "s" }
            )));
        }
        if !super::confirm("Acknowledge these incidents, matched only by title?")? {
            return Err(CliError::Declined);
        }
    }
    Ok(linked
        .iter()
        .map(|l| Target::of(&l.incident, Some(l.alert.clone())))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_ids_parse_anything_else_is_refused() {
        assert_eq!(IncidentRef::parse("1001"), Ok(IncidentRef::Number(1001)));
        assert_eq!(IncidentRef::parse("#1001"), Ok(IncidentRef::Number(1001)));
        assert_eq!(
            IncidentRef::parse("PT4KHLK"),
            Ok(IncidentRef::Id("PT4KHLK".into()))
        );
        for bad in [
            "",
            "#",
            "P T4",
            "../x",
            "PT4KHLK;rm",
            "#99999999999999999999999",
        ] {
            assert!(IncidentRef::parse(bad).is_err(), "{bad}");
        }
    }
}

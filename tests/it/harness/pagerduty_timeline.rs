//! The PagerDuty stand-in's notes and log entries, to the documented contract: notes are one
//! list (`{"notes":[...]}`); log entries page classically (`limit` at most 100, default 25,
//! `offset`, `more`, `total` null unless asked), newest first, and `is_overview=true` leaves
//! out the notifications.

use serde_json::{json, Value};

use super::pagerduty::{Incident, RecordedRequest, User};

/// A note kept by the stand-in: who, when, what.
#[derive(Debug, Clone)]
pub struct Note {
    pub user: String,
    pub at: String,
    pub content: String,
}

fn user_ref(users: &[User], id: &str) -> Value {
    let name = users
        .iter()
        .find(|u| u.id == id)
        .map_or("unknown", |u| u.name.as_str());
    json!({"id": id, "type": "user_reference", "summary": name})
}

/// One note as PagerDuty shows it, `n` its place among the incident's notes.
pub fn note_json(users: &[User], note: &Note, n: usize) -> Value {
    json!({
        "id": format!("PNOTE{n:03}"),
        "user": user_ref(users, &note.user),
        "channel": {"summary": "The PagerDuty website or APIs"},
        "content": note.content,
        "created_at": note.at,
    })
}

pub fn notes_json(users: &[User], notes: &[Note]) -> Value {
    let notes: Vec<Value> = notes
        .iter()
        .enumerate()
        .map(|(n, note)| note_json(users, note, n))
        .collect();
    json!({ "notes": notes })
}

/// Every log entry of `i`, newest first; `extra` escalations make long timelines.
fn entries(
    i: &Incident,
    users: &[User],
    notes: &[Note],
    extra: usize,
    overview: bool,
) -> Vec<Value> {
    let entry = |n: usize, kind: &str, at: &str, agent: Value, summary: String| {
        json!({
            "id": format!("R{}{n:04}", &i.id[1..]),
            "type": format!("{kind}_log_entry"),
            "summary": summary,
            "created_at": at,
            "agent": agent,
            "incident": {"id": i.id, "type": "incident_reference"},
        })
    };
    let service = json!({"id": i.service, "type": "service_reference", "summary": i.service});
    let mut out = vec![entry(
        0,
        "trigger",
        &i.created_at,
        service,
        "Triggered through the API.".into(),
    )];
    let assignee = user_ref(users, &i.assignee);
    let name = assignee["summary"].as_str().unwrap_or("").to_string();
    out.push(entry(
        1,
        "assign",
        &i.created_at,
        json!({"id": "PPOL001", "type": "escalation_policy_reference", "summary": "Platform"}),
        format!("Assigned to {name}."),
    ));
    if !overview {
        out.push(entry(
            2,
            "notify",
            &i.created_at,
            assignee.clone(),
            format!("Notified {name} by push."),
        ));
    }
    for n in 0..extra {
        let at = format!("2026-01-01T10:{:02}:{:02}Z", 1 + n / 60, n % 60);
        out.push(entry(
            10 + n,
            "escalate",
            &at,
            assignee.clone(),
            format!("Escalated to level {}.", 2 + n % 2),
        ));
    }
    if i.status == "acknowledged" {
        out.push(entry(
            5,
            "acknowledge",
            &i.created_at,
            assignee.clone(),
            format!("Acknowledged by {name}."),
        ));
    }
    for (n, note) in notes.iter().enumerate() {
        out.push(entry(
            6000 + n,
            "annotate",
            &note.at,
            user_ref(users, &note.user),
            format!("Note added: {}", note.content),
        ));
    }
    out.sort_by(|a, b| b["created_at"].as_str().cmp(&a["created_at"].as_str()));
    out
}

/// One page of `GET /incidents/{id}/log_entries`, or the 400 PagerDuty gives a bad `limit`.
pub fn log_entries_page(
    i: &Incident,
    users: &[User],
    notes: &[Note],
    extra: usize,
    req: &RecordedRequest,
) -> Result<Value, String> {
    let number = |key: &str, default: usize| -> Result<usize, String> {
        match req.query_all(key).first() {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| format!("{key} must be a number")),
        }
    };
    let limit = number("limit", 25)?;
    if limit == 0 || limit > 100 {
        return Err("limit must be between 1 and 100".into());
    }
    let offset = number("offset", 0)?;
    let overview = req.query_all("is_overview").first() == Some(&"true");
    let all = entries(i, users, notes, extra, overview);
    let more = offset + limit < all.len();
    let page: Vec<Value> = all.into_iter().skip(offset).take(limit).collect();
    let total = (req.query_all("total").first() == Some(&"true")).then_some(page.len());
    Ok(json!({"log_entries": page, "limit": limit, "offset": offset, "more": more, "total": total}))
}

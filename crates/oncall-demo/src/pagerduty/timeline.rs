//! The demo incidents' notes and timelines, told from what happened to them: triggered by
//! the service, assigned through the escalation policy, acknowledged and resolved by whom.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json as json_macro, Value};

use super::incidents::{Incident, Status, ESCALATION_POLICY};
use super::{
    incident_json, incident_list, invalid, pd_error, requester, service_ref, user_ref,
    with_incidents, API,
};
use crate::http::{json_value, rfc3339_s};
use crate::Platform;

fn entry(i: &Incident, n: usize, kind: &str, at: i64, agent: Value, summary: String) -> Value {
    json_macro!({
        "id": format!("R{}{n:03}", &i.id[1..]),
        "type": format!("{kind}_log_entry"),
        "summary": summary,
        "self": format!("{API}/log_entries/R{}{n:03}", &i.id[1..]),
        "created_at": rfc3339_s(at),
        "agent": agent,
        "channel": { "type": if kind == "trigger" { "api" } else { "auto" } },
        "incident": { "id": i.id, "type": "incident_reference", "summary": i.reference_summary() },
    })
}

/// Newest first, as PagerDuty lists log entries.
fn log_entries(i: &Incident) -> Vec<Value> {
    let mut out = vec![entry(
        i,
        0,
        "trigger",
        i.created_at,
        service_ref(i.service),
        "Triggered through the API.".into(),
    )];
    for (n, (user, at)) in i.assignments.iter().enumerate() {
        let name = user_ref(*user)["summary"]
            .as_str()
            .unwrap_or("")
            .to_string();
        out.push(entry(
            i,
            10 + n,
            "assign",
            *at,
            json_macro!({ "id": ESCALATION_POLICY.0, "type": "escalation_policy_reference", "summary": ESCALATION_POLICY.1 }),
            format!("Assigned to {name} via {}.", ESCALATION_POLICY.1),
        ));
    }
    for (n, (user, at)) in i.acknowledgements.iter().enumerate() {
        let who = user_ref(*user);
        let name = who["summary"].as_str().unwrap_or("").to_string();
        out.push(entry(
            i,
            20 + n,
            "acknowledge",
            *at,
            who,
            format!("Acknowledged by {name}."),
        ));
    }
    for (n, (user, at, content)) in i.notes.iter().enumerate() {
        out.push(entry(
            i,
            40 + n,
            "annotate",
            *at,
            user_ref(*user),
            format!("Note added: {content}"),
        ));
    }
    for (n, (user, at, secs)) in i.snoozes.iter().enumerate() {
        out.push(entry(
            i,
            70 + n,
            "snooze",
            *at,
            user_ref(*user),
            format!("Snoozed for {} minutes.", secs / 60),
        ));
    }
    for (n, (user, at, level)) in i.escalations.iter().enumerate() {
        out.push(entry(
            i,
            90 + n,
            "escalate",
            *at,
            user_ref(*user),
            format!("Escalated to level {level}."),
        ));
    }
    if i.status == Status::Resolved {
        let agent = match i.last_status_change_by {
            Some(u) => user_ref(u),
            None => service_ref(i.service),
        };
        out.push(entry(
            i,
            30,
            "resolve",
            i.last_status_change_at,
            agent,
            "Resolved.".into(),
        ));
    }
    out.sort_by(|a, b| b["created_at"].as_str().cmp(&a["created_at"].as_str()));
    out
}

pub(super) async fn incident_log_entries(
    State(p): State<Arc<Platform>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    incident_list(p, id, q, "log_entries", |i, _| log_entries(i)).await
}

fn note_json(n: usize, (user, at, content): &(usize, i64, String)) -> Value {
    json_macro!({
        "id": format!("QNOTE{n:03}"),
        "user": user_ref(*user),
        "channel": { "summary": "The PagerDuty website or APIs" },
        "content": content,
        "created_at": rfc3339_s(*at),
    })
}

pub(super) async fn incident_notes(
    State(p): State<Arc<Platform>>,
    Path(id): Path<String>,
) -> Response {
    with_incidents(p, move |state, _| {
        match state.incidents.iter().find(|i| i.id == id) {
            Some(i) => {
                let notes: Vec<Value> = i
                    .notes
                    .iter()
                    .enumerate()
                    .map(|(n, x)| note_json(n, x))
                    .collect();
                json_value(StatusCode::OK, &json_macro!({ "notes": notes }))
            }
            None => pd_error(StatusCode::NOT_FOUND, 2100, "Not Found", &[]).into_response(),
        }
    })
    .await
}

/// `POST /incidents/{id}/notes` with `From`: `{"note": {"content": "…"}}`.
pub(super) async fn add_note(
    State(p): State<Arc<Platform>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let user = match requester(&headers) {
        Ok(u) => u,
        Err(r) => return r.into_response(),
    };
    let content = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
        v.pointer("/note/content")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    let Some(content) = content.filter(|c| !c.trim().is_empty()) else {
        return invalid("note.content is required and may not be empty".into()).into_response();
    };
    with_incidents(p, move |state, now| {
        match state.incidents.iter_mut().find(|i| i.id == id) {
            Some(i) => {
                i.notes.push((user, now, content));
                let n = i.notes.len() - 1;
                json_value(
                    StatusCode::CREATED,
                    &json_macro!({ "note": note_json(n, &i.notes[n]) }),
                )
            }
            None => pd_error(StatusCode::NOT_FOUND, 2100, "Not Found", &[]).into_response(),
        }
    })
    .await
}

/// `POST /incidents/{id}/snooze` with `From`: `{"duration": 1..=604800}`, acknowledged only.
pub(super) async fn snooze(
    State(p): State<Arc<Platform>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let user = match requester(&headers) {
        Ok(u) => u,
        Err(r) => return r.into_response(),
    };
    let secs = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("duration").and_then(Value::as_u64))
        .filter(|d| (1..=604_800).contains(d));
    let Some(secs) = secs else {
        return invalid("duration must be between 1 and 604800 seconds".into()).into_response();
    };
    with_incidents(p, move |state, now| {
        match state.incidents.iter_mut().find(|i| i.id == id) {
            Some(i) if i.status != Status::Acknowledged => pd_error(
                StatusCode::BAD_REQUEST,
                2001,
                "Invalid Input Provided",
                &["Incident must be acknowledged to be snoozed".to_string()],
            )
            .into_response(),
            Some(i) => {
                i.snoozes.push((user, now, secs));
                json_value(
                    StatusCode::CREATED,
                    &json_macro!({ "incident": incident_json(i) }),
                )
            }
            None => pd_error(StatusCode::NOT_FOUND, 2100, "Not Found", &[]).into_response(),
        }
    })
    .await
}

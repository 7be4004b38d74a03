//! The demo incidents' notes and timelines, told from what happened to them: triggered by
//! the service, assigned through the escalation policy, acknowledged and resolved by whom.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json as json_macro, Value};

use super::incidents::{Incident, Status, ESCALATION_POLICY};
use super::{pd_error, service_ref, user_ref, with_incidents, Page, API};
use crate::http::{json_value, rfc3339_s, Params};
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
    let params = Params::from_request(q.as_deref(), &HeaderMap::new(), &[]);
    with_incidents(p, move |state, _| {
        let page = match Page::from_params(&params) {
            Ok(page) => page,
            Err(r) => return r.into_response(),
        };
        match state.incidents.iter().find(|i| i.id == id) {
            Some(i) => page.wrap("log_entries", log_entries(i)),
            None => pd_error(StatusCode::NOT_FOUND, 2100, "Not Found", &[]).into_response(),
        }
    })
    .await
}

/// The demo's incidents carry no notes yet: an empty list, said as such.
pub(super) async fn incident_notes(
    State(p): State<Arc<Platform>>,
    Path(id): Path<String>,
) -> Response {
    with_incidents(p, move |state, _| {
        if state.incidents.iter().any(|i| i.id == id) {
            json_value(StatusCode::OK, &json_macro!({ "notes": [] }))
        } else {
            pd_error(StatusCode::NOT_FOUND, 2100, "Not Found", &[]).into_response()
        }
    })
    .await
}

//! The PagerDuty REST v2 subset: incidents (one per paging Alertmanager group, as the
//! Events API integration would open them, plus a few from other sources), bulk
//! acknowledge/resolve with `From`, the acknowledgement timeout, `users/me` and on-call.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{Datelike, Duration as ChronoDuration, TimeZone, Utc};
use serde::Deserialize;
use serde_json::{json as json_macro, Value};

use super::alertmanager::current_alerts;
use super::http::{datetime, json_value, parse_time, rfc3339_s, Params};
use super::rules::RuleError;
use super::Platform;

mod incidents;
mod timeline;

pub use self::incidents::PdState;
use self::incidents::{Incident, Status, ESCALATION_POLICY, SCHEDULES, SERVICES, TEAM, USERS};

const WEB: &str = "https://mycrypto-demo.pagerduty.com";
const API: &str = "https://api.pagerduty.com";

/// At most this many incidents per bulk update, as PagerDuty enforces.
const MAX_BULK: usize = 250;

pub fn router(platform: Arc<Platform>) -> Router {
    Router::new()
        .route("/incidents", get(list_incidents).put(bulk_update))
        .route("/incidents/{id}", get(get_incident).put(update_incident))
        .route("/incidents/{id}/alerts", get(incident_alerts))
        .route(
            "/incidents/{id}/notes",
            get(timeline::incident_notes).post(timeline::add_note),
        )
        .route("/incidents/{id}/snooze", post(timeline::snooze))
        .route(
            "/incidents/{id}/log_entries",
            get(timeline::incident_log_entries),
        )
        .route("/users/me", get(me))
        .route("/oncalls", get(oncalls))
        .fallback(|| async { pd_error(StatusCode::NOT_FOUND, 2100, "Not Found", &[]) })
        .layer(middleware::from_fn(require_token))
        .with_state(platform)
}

/// An error answer in PagerDuty's shape: `{"error":{"message","code","errors"}}`.
struct PdError {
    status: StatusCode,
    code: u32,
    message: String,
    errors: Vec<String>,
}

impl IntoResponse for PdError {
    fn into_response(self) -> Response {
        json_value(
            self.status,
            &json_macro!({ "error": { "message": self.message, "code": self.code, "errors": self.errors } }),
        )
    }
}

fn pd_error(status: StatusCode, code: u32, message: &str, errors: &[String]) -> PdError {
    PdError {
        status,
        code,
        message: message.to_string(),
        errors: errors.to_vec(),
    }
}

/// Any `Token token=...` (API key) or `Bearer ...` (OAuth) is accepted; anything else is
/// refused as PagerDuty refuses it.
async fn require_token(request: Request, next: Next) -> Response {
    let ok = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let token = v
                .strip_prefix("Token token=")
                .or_else(|| v.strip_prefix("Bearer "));
            token.is_some_and(|t| !t.trim().is_empty())
        });
    if ok {
        next.run(request).await
    } else {
        pd_error(StatusCode::UNAUTHORIZED, 2006, "Authentication failed", &[]).into_response()
    }
}

/// Sync with Alertmanager, then run `work` on the incidents (off the async threads: the
/// sync evaluates rules).
async fn with_incidents(
    platform: Arc<Platform>,
    work: impl FnOnce(&mut PdState, i64) -> Response + Send + 'static,
) -> Response {
    tokio::task::spawn_blocking(move || {
        let now = platform.now();
        let alerts = match current_alerts(&platform, now) {
            Ok(a) => a,
            Err(e) => return internal(&e),
        };
        let Ok(mut state) = platform.pagerduty.lock() else {
            return internal(&RuleError::Poisoned);
        };
        state.sync(&alerts, now);
        work(&mut state, now)
    })
    .await
    .unwrap_or_else(|e| {
        pd_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            2000,
            &format!("demo task failed: {e}"),
            &[],
        )
        .into_response()
    })
}

fn internal(e: &RuleError) -> Response {
    pd_error(StatusCode::INTERNAL_SERVER_ERROR, 2000, &e.to_string(), &[]).into_response()
}

fn user_ref(i: usize) -> Value {
    let u = &USERS[i];
    json_macro!({
        "id": u.id, "type": "user_reference", "summary": u.name,
        "self": format!("{API}/users/{}", u.id), "html_url": format!("{WEB}/users/{}", u.id),
    })
}

fn user_json(i: usize) -> Value {
    let u = &USERS[i];
    json_macro!({
        "id": u.id, "type": "user", "summary": u.name, "name": u.name, "email": u.email,
        "time_zone": u.time_zone, "role": "user", "job_title": if i == 0 { "Site Reliability Engineer" } else { "SRE Lead" },
        "self": format!("{API}/users/{}", u.id), "html_url": format!("{WEB}/users/{}", u.id),
        "teams": [{ "id": TEAM.0, "type": "team_reference", "summary": TEAM.1 }],
    })
}

fn service_ref(i: usize) -> Value {
    let (id, name) = SERVICES[i];
    json_macro!({
        "id": id, "type": "service_reference", "summary": name,
        "self": format!("{API}/services/{id}"), "html_url": format!("{WEB}/service-directory/{id}"),
    })
}

/// The service as `include[]=services` expands it on an incident: the reference plus the
/// `acknowledgement_timeout` that drives the ack countdown (PagerDuty's default, 1800 s).
fn service_json(i: usize) -> Value {
    let mut service = service_ref(i);
    if let Some(o) = service.as_object_mut() {
        o.insert("type".into(), Value::from("service"));
        o.insert("acknowledgement_timeout".into(), Value::from(1800));
    }
    service
}

fn incident_json(i: &Incident) -> Value {
    let triggered = i
        .alerts
        .iter()
        .filter(|a| a.status != Status::Resolved)
        .count();
    json_macro!({
        "id": i.id,
        "type": "incident",
        "summary": i.reference_summary(),
        "self": format!("{API}/incidents/{}", i.id),
        "html_url": format!("{WEB}/incidents/{}", i.id),
        "incident_number": i.number,
        "title": i.title,
        "description": i.title,
        "created_at": rfc3339_s(i.created_at),
        "updated_at": rfc3339_s(i.last_status_change_at),
        "status": i.status.as_str(),
        "incident_key": i.incident_key,
        "service": service_json(i.service),
        "assignments": i.assignments.iter().map(|(u, at)| json_macro!({ "at": rfc3339_s(*at), "assignee": user_ref(*u) })).collect::<Vec<_>>(),
        "assigned_via": "escalation_policy",
        "last_status_change_at": rfc3339_s(i.last_status_change_at),
        "last_status_change_by": match i.last_status_change_by {
            Some(u) => user_ref(u),
            None => service_ref(i.service),
        },
        "acknowledgements": i.acknowledgements.iter().map(|(u, at)| json_macro!({ "at": rfc3339_s(*at), "acknowledger": user_ref(*u) })).collect::<Vec<_>>(),
        "alert_counts": { "all": i.alerts.len(), "triggered": triggered, "resolved": i.alerts.len() - triggered },
        "escalation_policy": { "id": ESCALATION_POLICY.0, "type": "escalation_policy_reference", "summary": ESCALATION_POLICY.1 },
        "teams": [{ "id": TEAM.0, "type": "team_reference", "summary": TEAM.1 }],
        "urgency": i.urgency,
        "priority": null,
        "resolve_reason": null,
        "conference_bridge": null,
        "is_mergeable": true,
        "pending_actions": [],
        "body": { "type": "incident_body", "details": i.resolution.clone().unwrap_or_default() },
    })
}

/// Classic pagination: `limit` (default 25, at most 100), `offset`, `more`, `total`.
struct Page {
    limit: usize,
    offset: usize,
    total: bool,
}

impl Page {
    fn from_params(params: &Params) -> Result<Page, PdError> {
        let number = |name: &str, default: usize| -> Result<usize, PdError> {
            match params.get(name) {
                None => Ok(default),
                Some(v) => v.parse().map_err(|_| {
                    pd_error(
                        StatusCode::BAD_REQUEST,
                        2001,
                        "Invalid Input Provided",
                        &[format!("{name} must be a number")],
                    )
                }),
            }
        };
        let limit = number("limit", 25)?.clamp(1, 100);
        let offset = number("offset", 0)?;
        if offset + limit > 10_000 {
            return Err(pd_error(
                StatusCode::BAD_REQUEST,
                2002,
                "Arguments Caused Error",
                &["Offset+limit exceeds maximum allowed value of 10000".to_string()],
            ));
        }
        Ok(Page {
            limit,
            offset,
            total: params.flag("total", false),
        })
    }

    fn wrap(&self, key: &str, items: Vec<Value>) -> Response {
        let total = items.len();
        let page: Vec<Value> = items
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .collect();
        json_value(
            StatusCode::OK,
            &json_macro!({
                key: page,
                "limit": self.limit,
                "offset": self.offset,
                "more": self.offset + self.limit < total,
                "total": if self.total { Some(total) } else { None },
            }),
        )
    }
}

async fn list_incidents(State(p): State<Arc<Platform>>, RawQuery(q): RawQuery) -> Response {
    let params = Params::from_request(q.as_deref(), &HeaderMap::new(), &[]);
    with_incidents(p, move |state, now| {
        let page = match Page::from_params(&params) {
            Ok(page) => page,
            Err(r) => return r.into_response(),
        };
        let statuses: Vec<&str> = params.all("statuses[]").collect();
        let urgencies: Vec<&str> = params.all("urgencies[]").collect();
        let users: Vec<&str> = params.all("user_ids[]").collect();
        let services: Vec<&str> = params.all("service_ids[]").collect();
        let key = params.get("incident_key");
        let all_dates = params.get("date_range") == Some("all");
        let until = params.get("until").and_then(parse_time).unwrap_or(now + 1);
        let since = params
            .get("since")
            .and_then(parse_time)
            .unwrap_or(now - 30 * 86_400_000);
        let mut selected: Vec<&Incident> = state
            .incidents
            .iter()
            .filter(|i| statuses.is_empty() || statuses.contains(&i.status.as_str()))
            .filter(|i| urgencies.is_empty() || urgencies.contains(&i.urgency))
            .filter(|i| {
                users.is_empty()
                    || i.assignments
                        .iter()
                        .any(|(u, _)| users.contains(&USERS[*u].id))
            })
            .filter(|i| services.is_empty() || services.contains(&SERVICES[i.service].0))
            .filter(|i| key.is_none() || i.incident_key.as_deref() == key)
            .filter(|i| all_dates || (since <= i.created_at && i.created_at < until))
            .collect();
        for spec in params
            .get("sort_by")
            .unwrap_or("created_at:asc")
            .split(',')
            .rev()
        {
            let (field, order) = spec.split_once(':').unwrap_or((spec, "asc"));
            let urgency_rank = |i: &Incident| if i.urgency == "high" { 1 } else { 0 };
            selected.sort_by(|a, b| {
                let ord = match field {
                    "incident_number" => a.number.cmp(&b.number),
                    "urgency" => urgency_rank(a).cmp(&urgency_rank(b)),
                    _ => a.created_at.cmp(&b.created_at),
                };
                if order == "desc" {
                    ord.reverse()
                } else {
                    ord
                }
            });
        }
        page.wrap(
            "incidents",
            selected.into_iter().map(incident_json).collect(),
        )
    })
    .await
}

async fn get_incident(State(p): State<Arc<Platform>>, Path(id): Path<String>) -> Response {
    with_incidents(p, move |state, _| {
        match state.incidents.iter().find(|i| i.id == id) {
            Some(i) => json_value(
                StatusCode::OK,
                &json_macro!({ "incident": incident_json(i) }),
            ),
            None => pd_error(StatusCode::NOT_FOUND, 2100, "Not Found", &[]).into_response(),
        }
    })
    .await
}

/// One page of a list belonging to incident `id` (its alerts, its log entries), under `key`;
/// 404 for an incident the demo does not have.
async fn incident_list(
    p: Arc<Platform>,
    id: String,
    q: Option<String>,
    key: &'static str,
    list: impl FnOnce(&Incident, &Params) -> Vec<Value> + Send + 'static,
) -> Response {
    let params = Params::from_request(q.as_deref(), &HeaderMap::new(), &[]);
    with_incidents(p, move |state, _| {
        let page = match Page::from_params(&params) {
            Ok(page) => page,
            Err(r) => return r.into_response(),
        };
        match state.incidents.iter().find(|i| i.id == id) {
            Some(incident) => page.wrap(key, list(incident, &params)),
            None => pd_error(StatusCode::NOT_FOUND, 2100, "Not Found", &[]).into_response(),
        }
    })
    .await
}

async fn incident_alerts(
    State(p): State<Arc<Platform>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    incident_list(p, id, q, "alerts", |incident, params| {
        let statuses: Vec<&str> = params.all("statuses[]").collect();
        incident
            .alerts
            .iter()
            .filter(|a| statuses.is_empty() || statuses.contains(&a.status.as_str()))
            .map(|a| {
                json_macro!({
                    "id": a.id, "type": "alert", "summary": a.summary,
                    "self": format!("{API}/alerts/{}", a.id),
                    "html_url": format!("{WEB}/alerts/{}", a.id),
                    "status": a.status.as_str(),
                    "alert_key": incident.incident_key,
                    "created_at": rfc3339_s(a.created_at),
                    "service": service_ref(incident.service),
                    "incident": { "id": incident.id, "type": "incident_reference", "summary": incident.reference_summary() },
                    "severity": if incident.urgency == "high" { "critical" } else { "warning" },
                    "suppressed": false,
                    "body": { "type": "alert_body", "contexts": [], "details": a.details },
                })
            })
            .collect()
    })
    .await
}

#[derive(Deserialize)]
struct IncidentUpdate {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    status: Option<String>,
    resolution: Option<String>,
    /// A level of the escalation policy to notify (1 to 3 in the demo).
    escalation_level: Option<u32>,
}

#[derive(Deserialize)]
struct BulkBody {
    incidents: Vec<IncidentUpdate>,
}

#[derive(Deserialize)]
struct SingleBody {
    incident: IncidentUpdate,
}

/// The `From` header every write needs: the acting user's email.
fn requester(headers: &HeaderMap) -> Result<usize, PdError> {
    let from = headers
        .get("from")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim();
    if !from.contains('@') {
        return Err(pd_error(
            StatusCode::BAD_REQUEST,
            2001,
            "Invalid Input Provided",
            &["You must specify a user's email address in the \"From\" header to perform this action".to_string()],
        ));
    }
    // Unknown addresses act as the token's user: the demo has no directory to check them.
    Ok(USERS
        .iter()
        .position(|u| u.email.eq_ignore_ascii_case(from))
        .unwrap_or(0))
}

fn invalid(message: String) -> PdError {
    pd_error(
        StatusCode::BAD_REQUEST,
        2001,
        "Invalid Input Provided",
        &[message],
    )
}

/// Check every update first, then apply them all: a bad item changes nothing.
fn apply(
    state: &mut PdState,
    updates: &[IncidentUpdate],
    user: usize,
    now: i64,
) -> Result<Vec<Value>, PdError> {
    let mut targets = Vec::with_capacity(updates.len());
    for u in updates {
        let Some(id) = u.id.as_deref() else {
            return Err(invalid("Incident id is required".into()));
        };
        if !matches!(
            u.kind.as_deref(),
            Some("incident_reference") | Some("incident")
        ) {
            return Err(invalid(format!(
                "Incident {id}: type must be incident_reference"
            )));
        }
        let status = match u.status.as_deref() {
            None => None,
            Some("acknowledged") => Some(Status::Acknowledged),
            Some("resolved") => Some(Status::Resolved),
            Some(other) => {
                return Err(pd_error(
                    StatusCode::BAD_REQUEST,
                    1003,
                    "Invalid Status",
                    &[format!(
                        "{other:?} is not a status an incident can be set to"
                    )],
                ));
            }
        };
        let Some(index) = state.incidents.iter().position(|i| i.id == id) else {
            return Err(invalid(format!("Incident {id} not found")));
        };
        if let Some(level) = u.escalation_level {
            if !(1..=3).contains(&level) {
                return Err(invalid(format!(
                    "escalation_level must be a level of the escalation policy (1 to 3), not {level}"
                )));
            }
            state.incidents[index].escalations.push((user, now, level));
        }
        match (status, state.incidents[index].status) {
            (Some(Status::Resolved), Status::Resolved) => {
                return Err(pd_error(
                    StatusCode::BAD_REQUEST,
                    1001,
                    "Incident Already Resolved",
                    &[format!("Incident {id} is already resolved")],
                ));
            }
            (Some(Status::Acknowledged), Status::Acknowledged) => {
                return Err(pd_error(
                    StatusCode::BAD_REQUEST,
                    1002,
                    "Incident Already Acknowledged",
                    &[format!("Incident {id} is already acknowledged")],
                ));
            }
            _ => {}
        }
        targets.push((index, status, u.resolution.clone()));
    }
    let mut out = Vec::with_capacity(targets.len());
    for (index, status, resolution) in targets {
        let i = &mut state.incidents[index];
        match status {
            Some(Status::Acknowledged) => {
                // Acknowledging a resolved incident reopens it.
                if i.status == Status::Resolved {
                    i.assignments = vec![(user, now)];
                    for a in i.alerts.iter_mut() {
                        a.status = Status::Triggered;
                    }
                }
                i.status = Status::Acknowledged;
                i.acknowledgements.push((user, now));
                i.last_status_change_at = now;
                i.last_status_change_by = Some(user);
            }
            Some(Status::Resolved) => {
                i.status = Status::Resolved;
                i.assignments.clear();
                i.acknowledgements.clear();
                i.resolution = resolution;
                i.last_status_change_at = now;
                i.last_status_change_by = Some(user);
                for a in i.alerts.iter_mut() {
                    a.status = Status::Resolved;
                }
            }
            _ => {}
        }
        out.push(incident_json(i));
    }
    Ok(out)
}

async fn bulk_update(State(p): State<Arc<Platform>>, headers: HeaderMap, body: Bytes) -> Response {
    let user = match requester(&headers) {
        Ok(u) => u,
        Err(r) => return r.into_response(),
    };
    let body: BulkBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return invalid(format!("The request body is not valid: {e}")).into_response(),
    };
    if body.incidents.len() > MAX_BULK {
        return pd_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            2001,
            "Invalid Input Provided",
            &[format!(
                "At most {MAX_BULK} incidents can be updated at once"
            )],
        )
        .into_response();
    }
    with_incidents(p, move |state, now| {
        match apply(state, &body.incidents, user, now) {
            Ok(incidents) => json_value(StatusCode::OK, &json_macro!({ "incidents": incidents })),
            Err(r) => r.into_response(),
        }
    })
    .await
}

async fn update_incident(
    State(p): State<Arc<Platform>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let user = match requester(&headers) {
        Ok(u) => u,
        Err(r) => return r.into_response(),
    };
    let mut body: SingleBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return invalid(format!("The request body is not valid: {e}")).into_response(),
    };
    body.incident.id = Some(id.clone());
    with_incidents(p, move |state, now| {
        if !state.incidents.iter().any(|i| i.id == id) {
            return pd_error(StatusCode::NOT_FOUND, 2100, "Not Found", &[]).into_response();
        }
        match apply(state, std::slice::from_ref(&body.incident), user, now) {
            Ok(mut incidents) => json_value(
                StatusCode::OK,
                &json_macro!({ "incident": incidents.pop() }),
            ),
            Err(r) => r.into_response(),
        }
    })
    .await
}

async fn me() -> Response {
    json_value(StatusCode::OK, &json_macro!({ "user": user_json(0) }))
}

async fn oncalls(State(p): State<Arc<Platform>>, RawQuery(q): RawQuery) -> Response {
    let params = Params::from_request(q.as_deref(), &HeaderMap::new(), &[]);
    let page = match Page::from_params(&params) {
        Ok(page) => page,
        Err(r) => return r.into_response(),
    };
    let users: Vec<&str> = params.all("user_ids[]").collect();
    let policies: Vec<&str> = params.all("escalation_policy_ids[]").collect();
    let levels: Vec<&str> = params.all("escalation_levels[]").collect();
    // Weekly rotations handing over on Monday 09:00 UTC; level 3 is a permanent escalation.
    let now = datetime(p.now());
    let monday =
        now.date_naive() - ChronoDuration::days(i64::from(now.weekday().num_days_from_monday()));
    let mut start = monday
        .and_hms_opt(9, 0, 0)
        .map(|d| Utc.from_utc_datetime(&d))
        .unwrap_or(now);
    if start > now {
        start -= ChronoDuration::days(7);
    }
    let end = start + ChronoDuration::days(7);
    let entries = [(0usize, 1u32, Some(0usize)), (1, 2, Some(1)), (2, 3, None)];
    let out: Vec<Value> = entries
        .iter()
        .filter(|(u, level, _)| {
            (users.is_empty() || users.contains(&USERS[*u].id))
                && (policies.is_empty() || policies.contains(&ESCALATION_POLICY.0))
                && (levels.is_empty() || levels.contains(&level.to_string().as_str()))
        })
        .map(|(u, level, schedule)| {
            let (start, end) = match schedule {
                Some(_) => (Some(start.timestamp_millis()), Some(end.timestamp_millis())),
                None => (None, None),
            };
            json_macro!({
                "user": user_ref(*u),
                "schedule": schedule.map(|s| json_macro!({ "id": SCHEDULES[s].0, "type": "schedule_reference", "summary": SCHEDULES[s].1, "html_url": format!("{WEB}/schedules/{}", SCHEDULES[s].0) })),
                "escalation_policy": { "id": ESCALATION_POLICY.0, "type": "escalation_policy_reference", "summary": ESCALATION_POLICY.1 },
                "escalation_level": level,
                "start": start.map(rfc3339_s),
                "end": end.map(rfc3339_s),
            })
        })
        .collect();
    page.wrap("oncalls", out)
}

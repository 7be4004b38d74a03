//! A PagerDuty REST v2 stand-in on loopback that enforces the documented contract
//! (apis.md 3.2): the exact `Authorization: Token token=…` form, the version-2 `Accept`,
//! `From` on writes, `limit`/`offset`/`more` pagination with the 10,000 cap, at most 250
//! incidents per bulk PUT, 1001/1002 for "already resolved/acknowledged", and 429 with
//! `ratelimit-reset` on demand. It records every request so tests can assert on the exact
//! calls a client made.
//!
//! Where PagerDuty's documentation leaves a detail open, the stand-in is the stricter
//! reading: a missing or different `Accept` is rejected (406), and a bulk PUT in which every
//! incident is already in the requested state answers 400 with code 1002/1001 (a bulk PUT
//! that changes at least one incident answers 200 with all of them).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};

use super::HttpServer;

pub const ACCEPT: &str = "application/vnd.pagerduty+json;version=2";
pub const MAX_BULK: usize = 250;
pub const OFFSET_CAP: usize = 10_000;

/// One request as the stand-in received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Decoded query pairs, in order (repeated keys like `statuses[]` appear repeatedly).
    pub query: Vec<(String, String)>,
    /// Header names are lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The status the stand-in answered.
    pub status: u16,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn query_all(&self, key: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone)]
pub struct Incident {
    pub id: String,
    pub number: u64,
    pub title: String,
    pub status: String,
    pub urgency: String,
    pub assignee: String,
    pub service: String,
    pub created_at: String,
}

/// What the Events API v2 (`POST /v2/enqueue`) attached to an incident it created.
#[derive(Debug, Clone)]
pub struct Enqueued {
    /// The event's `dedup_key`, shown as the incident's `incident_key`.
    pub dedup_key: String,
    /// The event's `payload.custom_details`, shown as its alert's `body.details`.
    pub details: Value,
}

struct PdState {
    token: String,
    users: Vec<User>,
    incidents: Vec<Incident>,
    /// By incident ID, for incidents made from events.
    enqueued: HashMap<String, Enqueued>,
    /// Every event received, in order.
    events: Vec<Value>,
    requests: Vec<RecordedRequest>,
    /// Answer the next N requests with 429.
    rate_limit_next: u32,
    /// Send `ratelimit-*` headers with those 429s (the docs warn they may be absent).
    rate_limit_headers: bool,
    /// By incident ID: its notes, and how many escalations its timeline has besides.
    notes: HashMap<String, Vec<Note>>,
    escalations: HashMap<String, usize>,
    /// Incidents snoozed, in order.
    snoozed: Vec<String>,
    /// `(incident, level)` of each escalation, in order.
    escalated: Vec<(String, u64)>,
}

use super::pagerduty_timeline::{log_entries_page, note_json, notes_json, Note};

pub struct PagerDutyStandin {
    server: HttpServer,
    state: Arc<Mutex<PdState>>,
}

/// The user the API token belongs to (`GET /users/me`).
pub const ME_ID: &str = "PUSER01";
pub const ME_EMAIL: &str = "ada@example.com";

impl PagerDutyStandin {
    /// A stand-in accepting `token`, holding `incidents` open incidents (see `incident_at`).
    pub fn start(token: &str, incidents: usize) -> PagerDutyStandin {
        let users = vec![
            User {
                id: ME_ID.into(),
                name: "Ada Oncall".into(),
                email: ME_EMAIL.into(),
            },
            User {
                id: "PUSER02".into(),
                name: "Bob Second".into(),
                email: "bob@example.com".into(),
            },
            User {
                id: "PUSER03".into(),
                name: "Cy Manager".into(),
                email: "cy@example.com".into(),
            },
        ];
        let state = Arc::new(Mutex::new(PdState {
            token: token.to_string(),
            users,
            incidents: (0..incidents).map(incident_at).collect(),
            enqueued: HashMap::new(),
            events: Vec::new(),
            requests: Vec::new(),
            rate_limit_next: 0,
            rate_limit_headers: true,
            notes: HashMap::new(),
            escalations: HashMap::new(),
            snoozed: Vec::new(),
            escalated: Vec::new(),
        }));
        let router = Router::new().fallback(handle).with_state(state.clone());
        PagerDutyStandin {
            server: HttpServer::start(router),
            state,
        }
    }

    /// `http://127.0.0.1:PORT` (the API base URL).
    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// Answer the next `n` requests with 429 (and, if `with_headers`, `ratelimit-reset: 1`).
    pub fn rate_limit_next(&self, n: u32, with_headers: bool) {
        let mut s = self.lock();
        s.rate_limit_next = n;
        s.rate_limit_headers = with_headers;
    }

    pub fn incident(&self, id: &str) -> Option<Incident> {
        self.lock().incidents.iter().find(|i| i.id == id).cloned()
    }

    pub fn incidents(&self) -> Vec<Incident> {
        self.lock().incidents.clone()
    }

    pub fn set_status(&self, id: &str, status: &str) {
        let mut s = self.lock();
        if let Some(i) = s.incidents.iter_mut().find(|i| i.id == id) {
            i.status = status.to_string();
        }
    }

    pub fn add_incident(&self, incident: Incident) {
        self.lock().incidents.push(incident);
    }

    /// The Events API v2 endpoint, as Alertmanager's `pagerduty_configs` `url:` wants it.
    pub fn events_url(&self) -> String {
        format!("{}/v2/enqueue", self.url())
    }

    /// The events received on `POST /v2/enqueue`, in order.
    pub fn events(&self) -> Vec<Value> {
        self.lock().events.clone()
    }

    /// The incident an event with this dedup key created, if any.
    pub fn incident_for_dedup_key(&self, dedup_key: &str) -> Option<Incident> {
        let s = self.lock();
        let id = s
            .enqueued
            .iter()
            .find(|(_, e)| e.dedup_key == dedup_key)
            .map(|(id, _)| id.clone())?;
        s.incidents.iter().find(|i| i.id == id).cloned()
    }

    /// A note on incident `id` by user `user` (an ID such as `ME_ID`).
    pub fn add_note(&self, id: &str, user: &str, at: &str, content: &str) {
        self.lock()
            .notes
            .entry(id.to_string())
            .or_default()
            .push(Note {
                user: user.into(),
                at: at.into(),
                content: content.into(),
            });
    }

    /// The notes incident `id` holds.
    pub fn notes(&self, id: &str) -> Vec<Note> {
        self.lock().notes.get(id).cloned().unwrap_or_default()
    }

    /// `(incident, level)` of each escalation, in order.
    pub fn escalated(&self) -> Vec<(String, u64)> {
        self.lock().escalated.clone()
    }

    /// The incidents snoozed, in order.
    pub fn snoozed(&self) -> Vec<String> {
        self.lock().snoozed.clone()
    }

    /// Give incident `id` `n` escalations in its timeline (more than one page).
    pub fn set_escalations(&self, id: &str, n: usize) {
        self.lock().escalations.insert(id.to_string(), n);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PdState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The generated incident number `i`: `P0000001`-style ids; every fifth acknowledged, the rest
/// triggered; even ones assigned to me (`PUSER01`), odd ones to `PUSER02`; every fourth low
/// urgency. Incident 3's title carries terminal escape sequences, as hostile input would.
pub fn incident_at(i: usize) -> Incident {
    let title = if i == 3 {
        "Disk full \u{1b}]52;c;ZWNobyBwd25lZA==\u{7}on \u{1b}[31mdb-3\u{1b}[0m".to_string()
    } else {
        format!("[FIRING:1] Incident {i} on api-{}", i % 10)
    };
    Incident {
        id: format!("P{:07}", i + 1),
        number: i as u64 + 1,
        title,
        status: if i % 5 == 4 {
            "acknowledged"
        } else {
            "triggered"
        }
        .into(),
        urgency: if i.is_multiple_of(4) { "low" } else { "high" }.into(),
        assignee: if i.is_multiple_of(2) {
            ME_ID
        } else {
            "PUSER02"
        }
        .into(),
        service: if i.is_multiple_of(2) {
            "PSVC001"
        } else {
            "PSVC002"
        }
        .into(),
        created_at: "2026-01-01T10:00:00Z".into(),
    }
}

fn pd_error(status: StatusCode, code: i64, message: &str, errors: &[&str]) -> Response {
    let body = json!({"error": {"message": message, "code": code, "errors": errors}});
    (status, axum::Json(body)).into_response()
}

/// The event's dedup key for incidents made from events, a fixed one for the others.
fn incident_key(i: &Incident, enqueued: &HashMap<String, Enqueued>) -> String {
    enqueued
        .get(&i.id)
        .map(|e| e.dedup_key.clone())
        .unwrap_or_else(|| format!("dedup-{}", i.id))
}

fn incident_json(i: &Incident, users: &[User], enqueued: &HashMap<String, Enqueued>) -> Value {
    let assignee = users.iter().find(|u| u.id == i.assignee);
    let incident_key = incident_key(i, enqueued);
    json!({
        "id": i.id,
        "type": "incident",
        "summary": format!("[#{}] {}", i.number, i.title),
        "self": format!("https://api.pagerduty.com/incidents/{}", i.id),
        "html_url": format!("https://example.pagerduty.com/incidents/{}", i.id),
        "incident_number": i.number,
        "title": i.title,
        "status": i.status,
        "urgency": i.urgency,
        "created_at": i.created_at,
        "updated_at": i.created_at,
        "last_status_change_at": i.created_at,
        "incident_key": incident_key,
        // As `include[]=services` expands it: with the ack timeout (null = acks never expire).
        "service": {
            "id": i.service, "type": "service",
            "summary": match i.service.as_str() {
                "PSVC001" => "checkout-api",
                "PSVC002" => "payments-db",
                // A test's own service: its ID is its name.
                other => other,
            },
            "acknowledgement_timeout": if i.service == "PSVC001" { json!(1800) } else { json!(null) },
        },
        "escalation_policy": {"id": "PPOL001", "type": "escalation_policy_reference", "summary": "Platform"},
        "assignments": [{
            "at": i.created_at,
            "assignee": {"id": i.assignee, "type": "user_reference", "summary": assignee.map(|u| u.name.as_str()).unwrap_or("unknown")}
        }],
        "acknowledgements": if i.status == "acknowledged" {
            json!([{"at": i.created_at, "acknowledger": {"id": i.assignee, "type": "user_reference"}}])
        } else { json!([]) },
        "teams": [],
        "priority": null,
        "alert_counts": {"all": 1, "triggered": if i.status == "resolved" { 0 } else { 1 }, "resolved": if i.status == "resolved" { 1 } else { 0 }},
    })
}

async fn handle(State(state): State<Arc<Mutex<PdState>>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = to_bytes(body, 16 * 1024 * 1024).await.unwrap_or_default();
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let mut record = RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query,
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
        status: 0,
    };
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    let resp = route(&mut s, &parts.method, &parts.headers, &record);
    record.status = resp.status().as_u16();
    s.requests.push(record);
    resp
}

fn route(s: &mut PdState, method: &Method, headers: &HeaderMap, req: &RecordedRequest) -> Response {
    // The Events API is another host in real life, authenticated by the routing key only.
    if req.path == "/v2/enqueue" {
        return if method == Method::POST {
            enqueue(s, req)
        } else {
            StatusCode::METHOD_NOT_ALLOWED.into_response()
        };
    }
    if s.rate_limit_next > 0 {
        s.rate_limit_next -= 1;
        let mut resp = pd_error(
            StatusCode::TOO_MANY_REQUESTS,
            2020,
            "Rate Limit Exceeded",
            &[],
        );
        if s.rate_limit_headers {
            let h = resp.headers_mut();
            h.insert("ratelimit-limit", "960".parse().expect("static header"));
            h.insert("ratelimit-remaining", "0".parse().expect("static header"));
            h.insert("ratelimit-reset", "1".parse().expect("static header"));
        }
        return resp;
    }
    let expected = format!("Token token={}", s.token);
    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        Some(v) if v == expected => {}
        _ => return pd_error(StatusCode::UNAUTHORIZED, 2006, "Authentication failed", &[]),
    }
    let accept_ok = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(',').any(|a| a.replace(' ', "") == ACCEPT))
        .unwrap_or(false);
    if !accept_ok {
        return pd_error(
            StatusCode::NOT_ACCEPTABLE,
            2001,
            "Invalid Input Provided",
            &["Accept must be application/vnd.pagerduty+json;version=2"],
        );
    }

    let segments: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["users", "me"]) => {
            let me = s.users[0].clone();
            axum::Json(json!({"user": {"id": me.id, "type": "user", "name": me.name, "email": me.email, "summary": me.name}})).into_response()
        }
        ("GET", ["incidents"]) => list_incidents(s, req),
        ("GET", ["incidents", id]) => match s.incidents.iter().find(|i| i.id == *id) {
            Some(i) => axum::Json(json!({"incident": incident_json(i, &s.users, &s.enqueued)}))
                .into_response(),
            None => pd_error(StatusCode::NOT_FOUND, 2100, "Not Found", &[]),
        },
        ("GET", ["incidents", id, "alerts"]) => incident_alerts(s, id),
        ("GET", ["incidents", id, "notes"]) => match s.incidents.iter().find(|i| i.id == *id) {
            Some(_) => {
                let notes = s.notes.get(*id).map(Vec::as_slice).unwrap_or(&[]);
                axum::Json(notes_json(&s.users, notes)).into_response()
            }
            None => pd_error(StatusCode::NOT_FOUND, 2100, "Not Found", &[]),
        },
        ("POST", ["incidents", id, "notes"]) => match check_write(s, headers, req) {
            Err(resp) => *resp,
            Ok(body) => add_note(s, id, &body, headers),
        },
        ("POST", ["incidents", id, "snooze"]) => match check_write(s, headers, req) {
            Err(resp) => *resp,
            Ok(body) => snooze(s, id, &body),
        },
        ("GET", ["incidents", id, "log_entries"]) => {
            let Some(i) = s.incidents.iter().find(|i| i.id == *id) else {
                return pd_error(StatusCode::NOT_FOUND, 2100, "Not Found", &[]);
            };
            let notes = s.notes.get(*id).map(Vec::as_slice).unwrap_or(&[]);
            let extra = s.escalations.get(*id).copied().unwrap_or(0);
            match log_entries_page(i, &s.users, notes, extra, req) {
                Ok(page) => axum::Json(page).into_response(),
                Err(e) => pd_error(
                    StatusCode::BAD_REQUEST,
                    2001,
                    "Invalid Input Provided",
                    &[&e],
                ),
            }
        }
        ("PUT", ["incidents"]) => match check_write(s, headers, req) {
            Err(resp) => *resp,
            Ok(body) => bulk_update(s, &body),
        },
        ("PUT", ["incidents", id]) => match check_write(s, headers, req) {
            Err(resp) => *resp,
            Ok(body) => single_update(s, id, &body),
        },
        ("GET", ["oncalls"]) => oncalls(),
        _ => pd_error(
            StatusCode::NOT_FOUND,
            2100,
            "Not Found",
            &[&format!("no route for {method} {}", req.path)],
        ),
    }
}

/// Events API v2: `trigger` opens an incident keyed by `dedup_key` (or updates the open one
/// with that key), `acknowledge` and `resolve` change it; answers 202 as PagerDuty does.
fn enqueue(s: &mut PdState, req: &RecordedRequest) -> Response {
    let event = req.json();
    let bad = |why: &str| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"status": "invalid event", "message": "Event object is invalid", "errors": [why]})),
        )
            .into_response()
    };
    let Some(routing_key) = event["routing_key"].as_str() else {
        return bad("'routing_key' is missing");
    };
    if routing_key.len() != 32 {
        return bad("'routing_key' must be 32 characters");
    }
    let Some(action) = event["event_action"].as_str() else {
        return bad("'event_action' is missing");
    };
    let Some(dedup_key) = event["dedup_key"].as_str().map(str::to_string) else {
        return bad("'dedup_key' is missing");
    };
    s.events.push(event.clone());
    let open = s.incidents.iter().position(|i| {
        i.status != "resolved"
            && s.enqueued.get(&i.id).map(|e| e.dedup_key.as_str()) == Some(dedup_key.as_str())
    });
    match (action, open) {
        ("trigger", Some(at)) => {
            let id = s.incidents[at].id.clone();
            if let Some(e) = s.enqueued.get_mut(&id) {
                e.details = event["payload"]["custom_details"].clone();
            }
        }
        ("trigger", None) => {
            let number = s.incidents.iter().map(|i| i.number).max().unwrap_or(0) + 1;
            let id = format!("PE{number:05}");
            s.incidents.push(Incident {
                id: id.clone(),
                number,
                title: event["payload"]["summary"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                status: "triggered".into(),
                urgency: "high".into(),
                assignee: ME_ID.into(),
                service: "PSVC001".into(),
                created_at: "2026-01-01T10:00:00Z".into(),
            });
            s.enqueued.insert(
                id,
                Enqueued {
                    dedup_key: dedup_key.clone(),
                    details: event["payload"]["custom_details"].clone(),
                },
            );
        }
        ("acknowledge" | "resolve", Some(at)) => {
            s.incidents[at].status = if action == "resolve" {
                "resolved"
            } else {
                "acknowledged"
            }
            .into();
        }
        ("acknowledge" | "resolve", None) => {}
        _ => return bad("'event_action' must be trigger, acknowledge or resolve"),
    }
    (
        StatusCode::ACCEPTED,
        axum::Json(
            json!({"status": "success", "message": "Event processed", "dedup_key": dedup_key}),
        ),
    )
        .into_response()
}

/// PagerDuty's 400 "Invalid Input Provided" (code 2001) with one reason. Boxed: a
/// `Response` is large and this is the cold path of the `Result`s below.
fn invalid(reason: &str) -> Box<Response> {
    Box::new(pd_error(
        StatusCode::BAD_REQUEST,
        2001,
        "Invalid Input Provided",
        &[reason],
    ))
}

/// What every write needs: a `From` naming a known user, a JSON content type and body.
fn check_write(
    s: &PdState,
    headers: &HeaderMap,
    req: &RecordedRequest,
) -> Result<Value, Box<Response>> {
    let from = headers
        .get("from")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if from.is_empty() {
        return Err(invalid(
            "You must specify a user's email address in the \"From\" header to perform this action",
        ));
    }
    if !s.users.iter().any(|u| u.email == from) {
        return Err(invalid("Requester User Not Found"));
    }
    let json_ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.starts_with("application/json"))
        .unwrap_or(false);
    if !json_ct {
        return Err(invalid("Content-Type must be application/json"));
    }
    serde_json::from_str(&req.body).map_err(|_| invalid("body is not JSON"))
}

/// `POST /incidents/{id}/notes`: `{"note": {"content": "…"}}`, non-empty; 201 with the note.
fn add_note(s: &mut PdState, id: &str, body: &Value, headers: &HeaderMap) -> Response {
    if !s.incidents.iter().any(|i| i.id == id) {
        return pd_error(StatusCode::NOT_FOUND, 2100, "Not Found", &[]);
    }
    let Some(content) = body.pointer("/note/content").and_then(Value::as_str) else {
        return *invalid("note.content is required");
    };
    if content.trim().is_empty() {
        return *invalid("Note content cannot be empty");
    }
    let from = headers
        .get("from")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let user = s
        .users
        .iter()
        .find(|u| u.email == from)
        .map(|u| u.id.clone())
        .unwrap_or_default();
    let note = Note {
        user,
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        content: content.to_string(),
    };
    let list = s.notes.entry(id.to_string()).or_default();
    list.push(note.clone());
    let n = list.len() - 1;
    (
        StatusCode::CREATED,
        axum::Json(json!({"note": note_json(&s.users, &note, n)})),
    )
        .into_response()
}

/// `POST /incidents/{id}/snooze`: `{"duration": 1..=604800}`, acknowledged incidents only
/// (400 otherwise); 201 with the incident.
fn snooze(s: &mut PdState, id: &str, body: &Value) -> Response {
    let Some(i) = s.incidents.iter().find(|i| i.id == id) else {
        return pd_error(StatusCode::NOT_FOUND, 2100, "Not Found", &[]);
    };
    let duration = body.get("duration").and_then(Value::as_u64);
    if !duration.is_some_and(|d| (1..=604_800).contains(&d)) {
        return *invalid("duration must be between 1 and 604800 seconds");
    }
    if i.status != "acknowledged" {
        return pd_error(
            StatusCode::BAD_REQUEST,
            2001,
            "Invalid Input Provided",
            &["Incident must be acknowledged to be snoozed"],
        );
    }
    let answer = json!({"incident": incident_json(i, &s.users, &s.enqueued)});
    s.snoozed.push(id.to_string());
    (StatusCode::CREATED, axum::Json(answer)).into_response()
}

fn list_incidents(s: &PdState, req: &RecordedRequest) -> Response {
    let statuses = req.query_all("statuses[]");
    let users = req.query_all("user_ids[]");
    let urgencies = req.query_all("urgencies[]");
    let number = |key: &str, default: usize| -> Result<usize, Box<Response>> {
        match req.query_all(key).first() {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| invalid(&format!("{key} must be a number"))),
        }
    };
    let limit = match number("limit", 25) {
        Ok(l) => l.clamp(1, 100),
        Err(r) => return *r,
    };
    let offset = match number("offset", 0) {
        Ok(o) => o,
        Err(r) => return *r,
    };
    if offset + limit > OFFSET_CAP {
        return pd_error(
            StatusCode::BAD_REQUEST,
            2002,
            "Arguments Caused Error",
            &["Offset+limit exceeds maximum allowed value of 10000"],
        );
    }
    for st in &statuses {
        if !["triggered", "acknowledged", "resolved"].contains(st) {
            return pd_error(
                StatusCode::BAD_REQUEST,
                2001,
                "Invalid Input Provided",
                &["Statuses has invalid value"],
            );
        }
    }
    let matching: Vec<&Incident> = s
        .incidents
        .iter()
        .filter(|i| statuses.is_empty() || statuses.contains(&i.status.as_str()))
        .filter(|i| users.is_empty() || users.contains(&i.assignee.as_str()))
        .filter(|i| urgencies.is_empty() || urgencies.contains(&i.urgency.as_str()))
        .filter(|i| match req.query_all("incident_key").first() {
            None => true,
            Some(key) => incident_key(i, &s.enqueued) == *key,
        })
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|i| incident_json(i, &s.users, &s.enqueued))
        .collect();
    let total = if req.query_all("total").first() == Some(&"true") {
        json!(matching.len())
    } else {
        Value::Null
    };
    axum::Json(json!({
        "incidents": page,
        "limit": limit,
        "offset": offset,
        "more": offset + limit < matching.len(),
        "total": total,
    }))
    .into_response()
}

/// Apply `status` to one incident: `Ok(true)` if it changed, `Err(code)` if it already was.
fn transition(i: &mut Incident, status: &str) -> Result<bool, (i64, &'static str)> {
    match (i.status.as_str(), status) {
        ("resolved", "resolved") => Err((1001, "Incident Already Resolved")),
        ("acknowledged", "acknowledged") => Err((1002, "Incident Already Acknowledged")),
        (_, "acknowledged" | "resolved" | "triggered") => {
            i.status = status.to_string();
            Ok(true)
        }
        _ => Err((1003, "Invalid Status Provided")),
    }
}

fn bulk_update(s: &mut PdState, body: &Value) -> Response {
    let Some(items) = body["incidents"].as_array() else {
        return pd_error(
            StatusCode::BAD_REQUEST,
            2001,
            "Invalid Input Provided",
            &["incidents must be an array"],
        );
    };
    if items.len() > MAX_BULK {
        return pd_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            2001,
            "Request Entity Too Large",
            &["At most 250 incidents may be updated in one request"],
        );
    }
    let mut updates = Vec::new();
    for item in items {
        let (Some(id), Some("incident_reference")) = (item["id"].as_str(), item["type"].as_str())
        else {
            return pd_error(
                StatusCode::BAD_REQUEST,
                2001,
                "Invalid Input Provided",
                &["each incident needs an id and type incident_reference"],
            );
        };
        let Some(status) = item["status"].as_str() else {
            return pd_error(
                StatusCode::BAD_REQUEST,
                2001,
                "Invalid Input Provided",
                &["status is required here"],
            );
        };
        if !s.incidents.iter().any(|i| i.id == id) {
            return pd_error(
                StatusCode::NOT_FOUND,
                2100,
                "Not Found",
                &[&format!("Incident {id} not found")],
            );
        }
        updates.push((id.to_string(), status.to_string()));
    }
    let mut changed = 0;
    let mut first_already = None;
    let mut snapshot = s.incidents.clone();
    for (id, status) in &updates {
        let Some(i) = snapshot.iter_mut().find(|i| &i.id == id) else {
            continue;
        };
        match transition(i, status) {
            Ok(_) => changed += 1,
            Err((1003, msg)) => return pd_error(StatusCode::BAD_REQUEST, 1003, msg, &[]),
            Err(e) => {
                first_already.get_or_insert(e);
            }
        }
    }
    if changed == 0 {
        if let Some((code, msg)) = first_already {
            return pd_error(StatusCode::BAD_REQUEST, code, msg, &[]);
        }
    }
    s.incidents = snapshot;
    let out: Vec<Value> = updates
        .iter()
        .filter_map(|(id, _)| s.incidents.iter().find(|i| &i.id == id))
        .map(|i| incident_json(i, &s.users, &s.enqueued))
        .collect();
    axum::Json(json!({"incidents": out})).into_response()
}

fn single_update(s: &mut PdState, id: &str, body: &Value) -> Response {
    let item = &body["incident"];
    if item["type"] != "incident_reference" {
        return pd_error(
            StatusCode::BAD_REQUEST,
            2001,
            "Invalid Input Provided",
            &["incident.type must be incident_reference"],
        );
    }
    if let Some(level) = item.get("escalation_level") {
        return escalate(s, id, level);
    }
    let Some(status) = item["status"].as_str() else {
        return pd_error(
            StatusCode::BAD_REQUEST,
            2001,
            "Invalid Input Provided",
            &["status is required here"],
        );
    };
    let users = s.users.clone();
    let Some(i) = s.incidents.iter_mut().find(|i| i.id == id) else {
        return pd_error(StatusCode::NOT_FOUND, 2100, "Not Found", &[]);
    };
    match transition(i, status) {
        Ok(_) => {
            axum::Json(json!({"incident": incident_json(i, &users, &s.enqueued)})).into_response()
        }
        Err((code, msg)) => pd_error(StatusCode::BAD_REQUEST, code, msg, &[]),
    }
}

/// `escalation_level` in `PUT /incidents/{id}`: a level the policy has (1 to 3 here), an
/// incident not resolved.
fn escalate(s: &mut PdState, id: &str, level: &Value) -> Response {
    let Some(i) = s.incidents.iter().find(|i| i.id == id) else {
        return pd_error(StatusCode::NOT_FOUND, 2100, "Not Found", &[]);
    };
    let Some(level) = level.as_u64().filter(|l| (1..=3).contains(l)) else {
        return pd_error(
            StatusCode::BAD_REQUEST,
            2001,
            "Invalid Input Provided",
            &["escalation_level must be a level of the escalation policy (1 to 3)"],
        );
    };
    if i.status == "resolved" {
        return pd_error(
            StatusCode::BAD_REQUEST,
            1001,
            "Incident Already Resolved",
            &[],
        );
    }
    let answer = json!({"incident": incident_json(i, &s.users, &s.enqueued)});
    s.escalated.push((id.to_string(), level));
    axum::Json(answer).into_response()
}

fn incident_alerts(s: &PdState, id: &str) -> Response {
    let Some(i) = s.incidents.iter().find(|i| i.id == id) else {
        return pd_error(StatusCode::NOT_FOUND, 2100, "Not Found", &[]);
    };
    if let Some(e) = s.enqueued.get(id) {
        return axum::Json(json!({
            "alerts": [{
                "id": format!("A{}", &i.id[1..]),
                "type": "alert",
                "summary": i.title,
                "status": if i.status == "resolved" { "resolved" } else { "triggered" },
                "alert_key": e.dedup_key,
                "created_at": i.created_at,
                "body": {"type": "alert_body", "details": e.details},
            }],
            "limit": 25, "offset": 0, "more": false, "total": null,
        }))
        .into_response();
    }
    axum::Json(json!({
        "alerts": [{
            "id": format!("A{}", &i.id[1..]),
            "type": "alert",
            "summary": i.title,
            "status": if i.status == "resolved" { "resolved" } else { "triggered" },
            "alert_key": format!("dedup-{}", i.id),
            "created_at": i.created_at,
            "body": {"type": "alert_body", "details": {
                "alertname": format!("Incident{}", i.number),
                "severity": if i.urgency == "high" { "critical" } else { "warning" },
                "firing": i.title,
            }},
        }],
        "limit": 25, "offset": 0, "more": false, "total": null,
    }))
    .into_response()
}

fn oncalls() -> Response {
    let entry = |level: u32, user: &str, name: &str, schedule: Option<&str>| {
        json!({
            "escalation_policy": {"id": "PPOL001", "type": "escalation_policy_reference", "summary": "Platform"},
            "escalation_level": level,
            "schedule": schedule.map(|s| json!({"id": format!("PSCH{level:03}"), "type": "schedule_reference", "summary": s})),
            "user": {"id": user, "type": "user_reference", "summary": name},
            "start": if schedule.is_some() { json!("2026-01-01T00:00:00Z") } else { Value::Null },
            "end": if schedule.is_some() { json!("2099-01-01T00:00:00Z") } else { Value::Null },
        })
    };
    axum::Json(json!({
        "oncalls": [
            entry(1, ME_ID, "Ada Oncall", Some("Primary")),
            entry(2, "PUSER02", "Bob Second", Some("Secondary")),
            entry(3, "PUSER03", "Cy Manager", None),
        ],
        "limit": 25, "offset": 0, "more": false, "total": null,
    }))
    .into_response()
}

/// A request to the stand-in with the right headers, for checking the stand-in itself.
pub fn raw_request(
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (u16, HashMap<String, String>, Value) {
    let url = url.to_string();
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    super::block_on(async move {
        let mut rb = super::http().request(method, &url);
        for (k, v) in headers {
            rb = rb.header(k, v);
        }
        if let Some(b) = body {
            rb = rb.body(b.to_string());
        }
        let resp = rb.send().await.expect("stand-in answers");
        let status = resp.status().as_u16();
        let hs = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let v = resp.json().await.unwrap_or(Value::Null);
        (status, hs, v)
    })
}

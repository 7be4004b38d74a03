//! The Alertmanager API v2 subset: alerts (from the demo's rules, plus any posted), groups,
//! silences that really mute, one inhibition rule, and the route tree that decides which
//! alerts page (the PagerDuty side reads the same routing).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::matcher::{ApiMatcher, CompiledMatcher, Matcher};

use super::http::{json, json_value, rfc3339_ms, text, Params};
use super::promql::Labels;
use super::Platform;

mod alerts;
mod silences;

pub use self::alerts::{current_alerts, format_label_set, AmAlert, AmState, PAGING_RECEIVER};
use self::alerts::{PostedAlert, CONFIG_YAML, DEFAULT_RECEIVER, RESOLVE_TIMEOUT_MS};
use self::silences::{filter_matches, Silence, SilenceError, SilenceRequest};

pub const VERSION: &str = "0.25.0-demo";

pub fn router(platform: Arc<Platform>) -> Router {
    Router::new()
        .route("/api/v2/status", get(status))
        .route("/api/v2/receivers", get(receivers))
        .route("/api/v2/alerts", get(list_alerts).post(post_alerts))
        .route("/api/v2/alerts/groups", get(groups))
        .route("/api/v2/silences", get(list_silences).post(post_silence))
        .route(
            "/api/v2/silence/{id}",
            get(get_silence).delete(expire_silence),
        )
        .route("/-/healthy", get(|| async { text(StatusCode::OK, "OK") }))
        .route("/-/ready", get(|| async { text(StatusCode::OK, "OK") }))
        .fallback(|| async { text(StatusCode::NOT_FOUND, "404 page not found\n") })
        .with_state(platform)
}

/// Alertmanager answers errors with a JSON string body.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    json_value(status, &message.into())
}

fn internal(e: impl std::fmt::Display) -> Response {
    error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

/// Run rule evaluation off the async threads: the demo shares its runtime with the UI.
async fn blocking(
    platform: Arc<Platform>,
    work: impl FnOnce(&Platform) -> Response + Send + 'static,
) -> Response {
    tokio::task::spawn_blocking(move || work(&platform))
        .await
        .unwrap_or_else(|e| internal(format!("demo task failed: {e}")))
}

async fn status(State(p): State<Arc<Platform>>) -> Response {
    #[derive(Serialize)]
    struct Peer {
        name: &'static str,
        address: &'static str,
    }
    #[derive(Serialize)]
    struct Cluster {
        name: &'static str,
        status: &'static str,
        peers: Vec<Peer>,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct VersionInfo {
        version: &'static str,
        revision: &'static str,
        branch: &'static str,
        build_user: &'static str,
        build_date: &'static str,
        go_version: &'static str,
    }
    #[derive(Serialize)]
    struct Config {
        original: &'static str,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Status {
        cluster: Cluster,
        version_info: VersionInfo,
        config: Config,
        uptime: String,
    }
    json_value(
        StatusCode::OK,
        &Status {
            cluster: Cluster {
                name: "01DEMO0NCA11C1USTER0000000",
                status: "ready",
                peers: vec![Peer {
                    name: "01DEMO0NCA11C1USTER0000000",
                    address: "127.0.0.1:9094",
                }],
            },
            version_info: VersionInfo {
                version: VERSION,
                revision: "oncall-demo",
                branch: "HEAD",
                build_user: "oncall@demo",
                build_date: "20221222-14:51:36",
                go_version: "go1.19.4",
            },
            config: Config {
                original: CONFIG_YAML,
            },
            uptime: rfc3339_ms(p.started),
        },
    )
}

async fn receivers() -> Response {
    #[derive(Serialize)]
    struct Receiver {
        name: &'static str,
    }
    let names = ["null", PAGING_RECEIVER, DEFAULT_RECEIVER.0];
    json_value(StatusCode::OK, &names.map(|name| Receiver { name }))
}

#[derive(Serialize)]
struct ReceiverJson {
    name: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AlertStatusJson<'a> {
    state: &'static str,
    silenced_by: &'a [String],
    inhibited_by: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GettableAlert<'a> {
    labels: &'a Labels,
    annotations: &'a Labels,
    receivers: [ReceiverJson; 1],
    fingerprint: &'a str,
    starts_at: String,
    updated_at: String,
    ends_at: String,
    #[serde(rename = "generatorURL")]
    generator_url: &'a str,
    status: AlertStatusJson<'a>,
}

fn gettable(a: &AmAlert) -> GettableAlert<'_> {
    GettableAlert {
        labels: &a.labels,
        annotations: &a.annotations,
        receivers: [ReceiverJson { name: a.receiver }],
        fingerprint: &a.fingerprint,
        starts_at: rfc3339_ms(a.starts_at),
        updated_at: rfc3339_ms(a.updated_at),
        ends_at: rfc3339_ms(a.ends_at),
        generator_url: &a.generator_url,
        status: AlertStatusJson {
            state: if a.suppressed() {
                "suppressed"
            } else {
                "active"
            },
            silenced_by: &a.silenced_by,
            inhibited_by: &a.inhibited_by,
        },
    }
}

/// The `filter`, `active`, `silenced`, `inhibited` and `receiver` parameters.
struct AlertFilter {
    matchers: Vec<CompiledMatcher>,
    active: bool,
    silenced: bool,
    inhibited: bool,
    receiver: Option<regex::Regex>,
}

impl AlertFilter {
    /// The filter, or Alertmanager's message for a bad parameter (a 400).
    fn from_params(params: &Params) -> Result<AlertFilter, String> {
        let matchers = params
            .all("filter")
            .map(|f| {
                Matcher::parse(f)
                    .and_then(|m| m.compile())
                    .map_err(|e| format!("bad matcher format: {f}: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let receiver = match params.get("receiver") {
            Some(r) => Some(
                regex::Regex::new(&format!("^(?:{r})$"))
                    .map_err(|e| format!("failed to parse receiver param: {e}"))?,
            ),
            None => None,
        };
        Ok(AlertFilter {
            matchers,
            active: params.flag("active", true),
            silenced: params.flag("silenced", true),
            inhibited: params.flag("inhibited", true),
            receiver,
        })
    }

    fn keeps(&self, a: &AmAlert) -> bool {
        if !self.silenced && !a.silenced_by.is_empty() {
            return false;
        }
        if !self.inhibited && !a.inhibited_by.is_empty() {
            return false;
        }
        if !self.active && !a.suppressed() {
            return false;
        }
        if let Some(re) = &self.receiver {
            if !re.is_match(a.receiver) {
                return false;
            }
        }
        self.matchers.iter().all(|m| m.matches(&a.labels))
    }
}

async fn list_alerts(State(p): State<Arc<Platform>>, RawQuery(q): RawQuery) -> Response {
    let params = Params::from_request(q.as_deref(), &HeaderMap::new(), &[]);
    blocking(p, move |p| {
        let filter = match AlertFilter::from_params(&params) {
            Ok(f) => f,
            Err(message) => return error(StatusCode::BAD_REQUEST, message),
        };
        match current_alerts(p, p.now()) {
            Ok(alerts) => {
                let out: Vec<GettableAlert> = alerts
                    .iter()
                    .filter(|a| filter.keeps(a))
                    .map(gettable)
                    .collect();
                json_value(StatusCode::OK, &out)
            }
            Err(e) => internal(e),
        }
    })
    .await
}

async fn groups(State(p): State<Arc<Platform>>, RawQuery(q): RawQuery) -> Response {
    let params = Params::from_request(q.as_deref(), &HeaderMap::new(), &[]);
    blocking(p, move |p| {
        let filter = match AlertFilter::from_params(&params) {
            Ok(f) => f,
            Err(message) => return error(StatusCode::BAD_REQUEST, message),
        };
        let alerts = match current_alerts(p, p.now()) {
            Ok(a) => a,
            Err(e) => return internal(e),
        };
        #[derive(Serialize)]
        struct Group<'a> {
            labels: Labels,
            receiver: ReceiverJson,
            alerts: Vec<GettableAlert<'a>>,
        }
        let mut groups: BTreeMap<(&'static str, String), Group> = BTreeMap::new();
        for a in alerts.iter().filter(|a| filter.keeps(a)) {
            let labels = a.group_labels();
            groups
                .entry((a.receiver, format_label_set(&labels)))
                .or_insert_with(|| Group {
                    labels,
                    receiver: ReceiverJson { name: a.receiver },
                    alerts: Vec::new(),
                })
                .alerts
                .push(gettable(a));
        }
        json_value(StatusCode::OK, &groups.into_values().collect::<Vec<_>>())
    })
    .await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostableAlert {
    #[serde(default)]
    labels: Labels,
    #[serde(default)]
    annotations: Labels,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    #[serde(rename = "generatorURL", default)]
    generator_url: String,
}

async fn post_alerts(State(p): State<Arc<Platform>>, body: Bytes) -> Response {
    let posted: Vec<PostableAlert> = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("parsing alerts body failed: {e}"),
            )
        }
    };
    let now = p.now();
    let mut accepted = Vec::with_capacity(posted.len());
    let mut problems = Vec::new();
    for a in posted {
        let ends = a.ends_at.map(|t| t.timestamp_millis());
        let starts = a
            .starts_at
            .map(|t| t.timestamp_millis())
            .or(ends)
            .unwrap_or(now);
        let ends = ends.unwrap_or(now + RESOLVE_TIMEOUT_MS);
        if a.labels.is_empty() {
            problems.push("at least one label pair required".to_string());
            continue;
        }
        if let Some(bad) = a.labels.keys().find(|k| !valid_label_name(k)) {
            problems.push(format!("invalid label set: invalid name {bad:?}"));
            continue;
        }
        if ends < starts {
            problems.push("start time must be before end time".to_string());
            continue;
        }
        accepted.push(PostedAlert {
            labels: a.labels,
            annotations: a.annotations,
            starts_at: starts,
            ends_at: ends,
            updated_at: now,
            generator_url: a.generator_url,
        });
    }
    let Ok(mut state) = p.alertmanager.lock() else {
        return internal("the Alertmanager state lock was poisoned");
    };
    for a in accepted {
        state.receive(a);
    }
    if problems.is_empty() {
        json(StatusCode::OK, String::new())
    } else {
        error(StatusCode::BAD_REQUEST, problems.join(";"))
    }
}

fn valid_label_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[derive(Serialize)]
struct StateJson {
    state: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GettableSilence {
    id: String,
    status: StateJson,
    updated_at: String,
    comment: String,
    created_by: String,
    ends_at: String,
    matchers: Vec<ApiMatcher>,
    starts_at: String,
}

fn gettable_silence(s: &Silence, now: i64) -> GettableSilence {
    GettableSilence {
        id: s.id.clone(),
        status: StateJson {
            state: s.state(now).as_str(),
        },
        updated_at: rfc3339_ms(s.updated_at),
        comment: s.comment.clone(),
        created_by: s.created_by.clone(),
        ends_at: rfc3339_ms(s.ends_at),
        matchers: s.matchers.iter().map(ApiMatcher::from).collect(),
        starts_at: rfc3339_ms(s.starts_at),
    }
}

async fn list_silences(State(p): State<Arc<Platform>>, RawQuery(q): RawQuery) -> Response {
    let params = Params::from_request(q.as_deref(), &HeaderMap::new(), &[]);
    let filters = match params
        .all("filter")
        .map(|f| Matcher::parse(f).and_then(|m| m.compile()))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("bad matcher format: {e}")),
    };
    let now = p.now();
    let Ok(state) = p.alertmanager.lock() else {
        return internal("the Alertmanager state lock was poisoned");
    };
    let out: Vec<GettableSilence> = state
        .silences
        .list(now)
        .into_iter()
        .filter(|s| filter_matches(s, &filters))
        .map(|s| gettable_silence(s, now))
        .collect();
    json_value(StatusCode::OK, &out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostableSilence {
    id: Option<String>,
    matchers: Option<Vec<ApiMatcher>>,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    created_by: Option<String>,
    comment: Option<String>,
}

async fn post_silence(State(p): State<Arc<Platform>>, body: Bytes) -> Response {
    let posted: PostableSilence = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("parsing silence body failed: {e}"),
            )
        }
    };
    // go-swagger's schema validation answers 422 with a code and message.
    let required = |field: &str| {
        #[derive(Serialize)]
        struct Invalid {
            code: u16,
            message: String,
        }
        json_value(
            StatusCode::UNPROCESSABLE_ENTITY,
            &Invalid {
                code: 602,
                message: format!("{field} in body is required"),
            },
        )
    };
    let (Some(matchers), Some(starts_at), Some(ends_at), Some(created_by), Some(comment)) = (
        posted.matchers,
        posted.starts_at,
        posted.ends_at,
        posted.created_by,
        posted.comment,
    ) else {
        return required("matchers, startsAt, endsAt, createdBy and comment");
    };
    let request = SilenceRequest {
        id: posted.id,
        matchers: matchers.into_iter().map(Matcher::from).collect(),
        starts_at: starts_at.timestamp_millis(),
        ends_at: ends_at.timestamp_millis(),
        created_by,
        comment,
    };
    let now = p.now();
    let Ok(mut state) = p.alertmanager.lock() else {
        return internal("the Alertmanager state lock was poisoned");
    };
    match state.silences.set(request, now) {
        Ok(id) => {
            #[derive(Serialize)]
            #[serde(rename_all = "camelCase")]
            struct Created {
                #[serde(rename = "silenceID")]
                silence_id: String,
            }
            json_value(StatusCode::OK, &Created { silence_id: id })
        }
        Err(e @ SilenceError::NotFound) => error(StatusCode::NOT_FOUND, e.to_string()),
        Err(e) => error(StatusCode::BAD_REQUEST, e.to_string()),
    }
}

async fn get_silence(State(p): State<Arc<Platform>>, Path(id): Path<String>) -> Response {
    let now = p.now();
    let Ok(state) = p.alertmanager.lock() else {
        return internal("the Alertmanager state lock was poisoned");
    };
    match state.silences.get(&id) {
        Some(s) => json_value(StatusCode::OK, &gettable_silence(s, now)),
        None => json(StatusCode::NOT_FOUND, String::new()),
    }
}

async fn expire_silence(State(p): State<Arc<Platform>>, Path(id): Path<String>) -> Response {
    let now = p.now();
    let Ok(mut state) = p.alertmanager.lock() else {
        return internal("the Alertmanager state lock was poisoned");
    };
    match state.silences.expire(&id, now) {
        Ok(()) => json(StatusCode::OK, String::new()),
        Err(e) => error(StatusCode::NOT_FOUND, e.to_string()),
    }
}

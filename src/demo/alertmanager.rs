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
use super::rules::{AlertState, RuleError};
use super::silences::{filter_matches, SilenceError, SilenceRequest, SilenceStore};
use super::Platform;

pub const VERSION: &str = "0.25.0-demo";

/// Alerts posted without an end resolve after this long (Alertmanager's `resolve_timeout`).
const RESOLVE_TIMEOUT_MS: i64 = 5 * 60_000;

/// Prometheus re-sends firing alerts valid for four times its resend delay (1 minute).
const ALERT_VALIDITY_MS: i64 = 4 * 60_000;

/// Alerts are grouped by these labels, per route.
pub const GROUP_BY: [&str; 2] = ["alertname", "service"];

/// The child routes, first match wins; `(receiver, label, value, route key)`.
const ROUTES: [(&str, &str, &str, &str); 2] = [
    ("null", "alertname", "Watchdog", "{}/{alertname=\"Watchdog\"}"),
    ("pagerduty-critical", "severity", "critical", "{}/{severity=\"critical\"}"),
];
const DEFAULT_RECEIVER: (&str, &str) = ("slack-platform", "{}");
pub const PAGING_RECEIVER: &str = "pagerduty-critical";

/// The inhibition rule: a firing HighErrorRate hides the ElevatedErrorRate of the same
/// service (the warning adds nothing while the critical alert is up).
const INHIBIT_SOURCE: &str = "HighErrorRate";
const INHIBIT_TARGET: &str = "ElevatedErrorRate";
const INHIBIT_EQUAL: &str = "service";

const CONFIG_YAML: &str = r#"global:
  resolve_timeout: 5m
route:
  receiver: slack-platform
  group_by: ['alertname', 'service']
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
  - receiver: 'null'
    matchers:
    - alertname="Watchdog"
  - receiver: pagerduty-critical
    matchers:
    - severity="critical"
inhibit_rules:
- source_matchers:
  - alertname="HighErrorRate"
  target_matchers:
  - alertname="ElevatedErrorRate"
  equal: ['service']
receivers:
- name: 'null'
- name: pagerduty-critical
  pagerduty_configs:
  - routing_key: <secret>
    send_resolved: true
- name: slack-platform
  slack_configs:
  - api_url: <secret>
    channel: '#platform-alerts'
    send_resolved: true
templates: []
"#;

/// What Alertmanager holds that the rules do not: silences and posted alerts.
pub struct AmState {
    pub silences: SilenceStore,
    posted: Vec<PostedAlert>,
}

#[derive(Debug, Clone)]
struct PostedAlert {
    labels: Labels,
    annotations: Labels,
    starts_at: i64,
    ends_at: i64,
    updated_at: i64,
    generator_url: String,
}

impl AmState {
    /// The platform's silence history: a planned change (active), a finished one (expired)
    /// and a drill next to come (pending).
    pub fn new(seed: u64, anchor: i64) -> Result<AmState, SilenceError> {
        let min = 60_000;
        let mut silences = SilenceStore::new(seed);
        let parse = |items: &[(&str, &str)]| -> Vec<Matcher> {
            items.iter().map(|(k, v)| Matcher::eq(*k, *v)).collect()
        };
        let regex = |name: &str, value: &str| Matcher {
            name: name.into(),
            op: crate::model::matcher::MatchOp::Re,
            value: value.into(),
        };
        let mut expired = parse(&[("instance", "postgres-replica:9187")]);
        expired.insert(0, regex("alertname", "DatabaseReplicationLagCritical|DatabaseDown"));
        silences.record_history(
            SilenceRequest {
                id: None,
                matchers: expired,
                starts_at: anchor - 26 * 60 * min,
                ends_at: anchor - 22 * 60 * min,
                created_by: "bob@mycrypto.example".into(),
                comment: "CHG-2207 PostgreSQL 15.8 minor upgrade on the replica".into(),
            },
            anchor - 26 * 60 * min,
        )?;
        silences.record_history(
            SilenceRequest {
                id: None,
                matchers: parse(&[("alertname", "HighCPUUsage"), ("instance", "node-4:9100")]),
                starts_at: anchor - 95 * min,
                ends_at: anchor + 100 * min,
                created_by: "alice@mycrypto.example".into(),
                comment: "CHG-2231 ledger reindex on node-4; CPU above 80% is expected until it finishes".into(),
            },
            anchor - 95 * min,
        )?;
        let mut drill = parse(&[("job", "redis-exporter")]);
        drill.insert(0, regex("alertname", "RedisDown|RedisMemory.*"));
        silences.record_history(
            SilenceRequest {
                id: None,
                matchers: drill,
                starts_at: anchor + 180 * min,
                ends_at: anchor + 240 * min,
                created_by: "carol@mycrypto.example".into(),
                comment: "CHG-2240 Redis failover drill".into(),
            },
            anchor - 300 * min,
        )?;
        Ok(AmState {
            silences,
            posted: Vec::new(),
        })
    }
}

/// An alert as Alertmanager reports it at one moment.
#[derive(Debug, Clone)]
pub struct AmAlert {
    pub labels: Labels,
    pub annotations: Labels,
    pub starts_at: i64,
    pub updated_at: i64,
    pub ends_at: i64,
    pub generator_url: String,
    pub fingerprint: String,
    pub receiver: &'static str,
    pub route_key: &'static str,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
}

impl AmAlert {
    pub fn suppressed(&self) -> bool {
        !self.silenced_by.is_empty() || !self.inhibited_by.is_empty()
    }

    /// The labels this alert is grouped by (those it has).
    pub fn group_labels(&self) -> Labels {
        GROUP_BY
            .iter()
            .filter_map(|k| self.labels.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect()
    }

    /// Alertmanager's group key, `<route key>:<group labels>`; PagerDuty's dedup key is
    /// its SHA-256.
    pub fn group_key(&self) -> String {
        format!("{}:{}", self.route_key, format_label_set(&self.group_labels()))
    }
}

/// `{a="1", b="2"}`, Go's `LabelSet.String()`.
pub fn format_label_set(labels: &Labels) -> String {
    let parts: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", parts.join(", "))
}

/// Alertmanager's fingerprint: FNV-1a over the sorted label pairs, each part followed by
/// the 0xff separator, printed as 16 hex digits.
pub fn fingerprint(labels: &Labels) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut add = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for (k, v) in labels {
        add(k.as_bytes());
        add(&[0xff]);
        add(v.as_bytes());
        add(&[0xff]);
    }
    format!("{h:016x}")
}

fn route(labels: &Labels) -> (&'static str, &'static str) {
    for (receiver, label, value, key) in ROUTES {
        if labels.get(label).map(String::as_str) == Some(value) {
            return (receiver, key);
        }
    }
    DEFAULT_RECEIVER
}

/// Every alert Alertmanager holds at `now` (resolved ones excluded), sorted by fingerprint,
/// with silences and inhibition applied.
pub fn current_alerts(p: &Platform, now: i64) -> Result<Vec<AmAlert>, RuleError> {
    let rules = p.rules.evaluate(&p.scenario, now)?;
    let mut alerts: BTreeMap<String, AmAlert> = BTreeMap::new();
    for rule in &rules {
        for a in rule.alerts.iter().filter(|a| a.state == AlertState::Firing) {
            let fp = fingerprint(&a.labels);
            let (receiver, route_key) = route(&a.labels);
            let evaluated = rule.last_evaluation;
            alerts.insert(
                fp.clone(),
                AmAlert {
                    labels: a.labels.clone(),
                    annotations: a.annotations.clone(),
                    starts_at: a.fired_at.unwrap_or(a.active_at),
                    updated_at: evaluated,
                    ends_at: evaluated + ALERT_VALIDITY_MS,
                    generator_url: p.generator_url(rule.def.expr),
                    fingerprint: fp,
                    receiver,
                    route_key,
                    silenced_by: Vec::new(),
                    inhibited_by: Vec::new(),
                },
            );
        }
    }
    let state = p.alertmanager.lock().map_err(|_| RuleError::Poisoned)?;
    for a in state.posted.iter().filter(|a| a.starts_at <= now && now < a.ends_at) {
        let fp = fingerprint(&a.labels);
        let (receiver, route_key) = route(&a.labels);
        alerts.insert(
            fp.clone(),
            AmAlert {
                labels: a.labels.clone(),
                annotations: a.annotations.clone(),
                starts_at: a.starts_at,
                updated_at: a.updated_at,
                ends_at: a.ends_at,
                generator_url: a.generator_url.clone(),
                fingerprint: fp,
                receiver,
                route_key,
                silenced_by: Vec::new(),
                inhibited_by: Vec::new(),
            },
        );
    }
    let mut out: Vec<AmAlert> = alerts.into_values().collect();
    for a in out.iter_mut() {
        a.silenced_by = state.silences.muting(&a.labels, now);
    }
    let sources: Vec<(String, Option<String>)> = out
        .iter()
        .filter(|a| a.labels.get("alertname").map(String::as_str) == Some(INHIBIT_SOURCE))
        .map(|a| (a.fingerprint.clone(), a.labels.get(INHIBIT_EQUAL).cloned()))
        .collect();
    for a in out.iter_mut() {
        if a.labels.get("alertname").map(String::as_str) != Some(INHIBIT_TARGET) {
            continue;
        }
        let equal = a.labels.get(INHIBIT_EQUAL).cloned();
        a.inhibited_by = sources
            .iter()
            .filter(|(fp, v)| *v == equal && *fp != a.fingerprint)
            .map(|(fp, _)| fp.clone())
            .collect();
    }
    Ok(out)
}

pub fn router(platform: Arc<Platform>) -> Router {
    Router::new()
        .route("/api/v2/status", get(status))
        .route("/api/v2/receivers", get(receivers))
        .route("/api/v2/alerts", get(list_alerts).post(post_alerts))
        .route("/api/v2/alerts/groups", get(groups))
        .route("/api/v2/silences", get(list_silences).post(post_silence))
        .route("/api/v2/silence/{id}", get(get_silence).delete(expire_silence))
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
async fn blocking(platform: Arc<Platform>, work: impl FnOnce(&Platform) -> Response + Send + 'static) -> Response {
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
            config: Config { original: CONFIG_YAML },
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
            state: if a.suppressed() { "suppressed" } else { "active" },
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
    fn from_params(params: &Params) -> Result<AlertFilter, Response> {
        let matchers = params
            .all("filter")
            .map(|f| {
                Matcher::parse(f)
                    .and_then(|m| m.compile())
                    .map_err(|e| error(StatusCode::BAD_REQUEST, format!("bad matcher format: {f}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let receiver = match params.get("receiver") {
            Some(r) => Some(regex::Regex::new(&format!("^(?:{r})$")).map_err(|e| {
                error(StatusCode::BAD_REQUEST, format!("failed to parse receiver param: {e}"))
            })?),
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
            Err(r) => return r,
        };
        match current_alerts(p, p.now()) {
            Ok(alerts) => {
                let out: Vec<GettableAlert> = alerts.iter().filter(|a| filter.keeps(a)).map(gettable).collect();
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
            Err(r) => return r,
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
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("parsing alerts body failed: {e}")),
    };
    let now = p.now();
    let mut accepted = Vec::with_capacity(posted.len());
    let mut problems = Vec::new();
    for a in posted {
        let ends = a.ends_at.map(|t| t.timestamp_millis());
        let starts = a.starts_at.map(|t| t.timestamp_millis()).or(ends).unwrap_or(now);
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
        match state.posted.iter_mut().find(|x| x.labels == a.labels) {
            Some(existing) => {
                if existing.ends_at > a.starts_at {
                    existing.starts_at = existing.starts_at.min(a.starts_at);
                } else {
                    existing.starts_at = a.starts_at;
                }
                existing.ends_at = a.ends_at;
                existing.annotations = a.annotations;
                existing.updated_at = a.updated_at;
                existing.generator_url = a.generator_url;
            }
            None => state.posted.push(a),
        }
    }
    if problems.is_empty() {
        json(StatusCode::OK, String::new())
    } else {
        error(StatusCode::BAD_REQUEST, problems.join(";"))
    }
}

fn valid_label_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
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

fn gettable_silence(s: &super::silences::Silence, now: i64) -> GettableSilence {
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
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("parsing silence body failed: {e}")),
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
    let (Some(matchers), Some(starts_at), Some(ends_at), Some(created_by), Some(comment)) =
        (posted.matchers, posted.starts_at, posted.ends_at, posted.created_by, posted.comment)
    else {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_follow_alertmanager() {
        // model.LabelSet{"alertname": "Watchdog"}.Fingerprint(), as Alertmanager prints it.
        let labels = Labels::from([("alertname".to_string(), "Watchdog".to_string())]);
        assert_eq!(fingerprint(&labels).len(), 16);
        assert_eq!(fingerprint(&labels), fingerprint(&labels.clone()));
        let other = Labels::from([("alertname".to_string(), "Watchdogs".to_string())]);
        assert_ne!(fingerprint(&labels), fingerprint(&other));
    }

    #[test]
    fn routing_and_group_keys() {
        let labels: Labels = [("alertname", "HighErrorRate"), ("service", "wallet-service"), ("severity", "critical")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(route(&labels), ("pagerduty-critical", "{}/{severity=\"critical\"}"));
        let a = AmAlert {
            fingerprint: fingerprint(&labels),
            labels,
            annotations: Labels::new(),
            starts_at: 0,
            updated_at: 0,
            ends_at: 0,
            generator_url: String::new(),
            receiver: "pagerduty-critical",
            route_key: "{}/{severity=\"critical\"}",
            silenced_by: Vec::new(),
            inhibited_by: Vec::new(),
        };
        assert_eq!(
            a.group_key(),
            "{}/{severity=\"critical\"}:{alertname=\"HighErrorRate\", service=\"wallet-service\"}"
        );
        let watchdog = Labels::from([("alertname".to_string(), "Watchdog".to_string())]);
        assert_eq!(route(&watchdog).0, "null");
        let warning = Labels::from([("severity".to_string(), "warning".to_string())]);
        assert_eq!(route(&warning).0, "slack-platform");
    }
}

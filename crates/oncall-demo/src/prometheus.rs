//! The Prometheus HTTP API subset the dashboards and triage views use, with Prometheus's
//! envelope, parameter checks and error messages.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use super::http::{json, json_value, parse_duration, parse_time, rfc3339_auto, text, Params};
use super::promql::{
    self, format_value, EvalError, Expr, InstantResult, LabelMatcher, Labels, Storage, ValueType,
};
use super::rules::{AlertState, RuleStatus, GROUPS};
use super::storage::View;
use super::template::format_e;
use super::Platform;

/// Prometheus refuses range queries that would return more points than this per series.
const MAX_POINTS: i64 = 11_000;

pub const VERSION: &str = "2.42.0-demo";

pub fn router(platform: Arc<Platform>) -> Router {
    Router::new()
        .route("/api/v1/query", get(query).post(query))
        .route("/api/v1/query_range", get(query_range).post(query_range))
        .route("/api/v1/labels", get(labels).post(labels))
        .route("/api/v1/label/{name}/values", get(label_values))
        .route("/api/v1/series", get(series).post(series))
        .route("/api/v1/alerts", get(alerts))
        .route("/api/v1/rules", get(rules))
        .route("/api/v1/status/buildinfo", get(buildinfo))
        .route("/api/v1/targets", get(super::targets::targets))
        .route(
            "/-/ready",
            get(|| async { text(StatusCode::OK, "Prometheus Server is Ready.\n") }),
        )
        .route(
            "/-/healthy",
            get(|| async { text(StatusCode::OK, "Prometheus Server is Healthy.\n") }),
        )
        .fallback(|| async { text(StatusCode::NOT_FOUND, "404 page not found\n") })
        .with_state(platform)
}

/// An API failure in Prometheus's envelope.
pub(super) struct ApiFailure {
    status: StatusCode,
    error_type: &'static str,
    message: String,
}

impl ApiFailure {
    fn bad_data(message: impl Into<String>) -> Self {
        ApiFailure {
            status: StatusCode::BAD_REQUEST,
            error_type: "bad_data",
            message: message.into(),
        }
    }

    fn bad_param(param: &str, message: impl std::fmt::Display) -> Self {
        Self::bad_data(format!("invalid parameter {param:?}: {message}"))
    }

    pub(super) fn internal(message: impl Into<String>) -> Self {
        ApiFailure {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error_type: "internal",
            message: message.into(),
        }
    }

    fn response(self) -> Response {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Envelope<'a> {
            status: &'a str,
            error_type: &'a str,
            error: &'a str,
        }
        json_value(
            self.status,
            &Envelope {
                status: "error",
                error_type: self.error_type,
                error: &self.message,
            },
        )
    }
}

impl From<EvalError> for ApiFailure {
    fn from(e: EvalError) -> Self {
        ApiFailure {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error_type: "execution",
            message: e.to_string(),
        }
    }
}

type ApiResult = Result<String, ApiFailure>;

/// Run CPU-bound work off the async threads: the demo shares its runtime with the UI.
pub(super) async fn blocking(
    platform: Arc<Platform>,
    work: impl FnOnce(&Platform) -> ApiResult + Send + 'static,
) -> Response {
    let result = tokio::task::spawn_blocking(move || work(&platform))
        .await
        .unwrap_or_else(|e| Err(ApiFailure::internal(format!("demo query task failed: {e}"))));
    match result {
        Ok(data) => json(
            StatusCode::OK,
            format!("{{\"status\":\"success\",\"data\":{data}}}"),
        ),
        Err(e) => e.response(),
    }
}

fn parse_query(params: &Params) -> Result<Expr, ApiFailure> {
    let q = params.get("query").unwrap_or("");
    promql::parse(q).map_err(|e| ApiFailure::bad_param("query", e.render(q)))
}

fn time_param(params: &Params, name: &str, default: Option<i64>) -> Result<i64, ApiFailure> {
    match params.get(name) {
        Some(s) => parse_time(s).ok_or_else(|| {
            ApiFailure::bad_param(name, format!("cannot parse {s:?} to a valid timestamp"))
        }),
        None => default
            .ok_or_else(|| ApiFailure::bad_param(name, "cannot parse \"\" to a valid timestamp")),
    }
}

async fn query(
    State(p): State<Arc<Platform>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_request(q.as_deref(), &headers, &body);
    blocking(p, move |p| {
        let now = p.now();
        let t = time_param(&params, "time", Some(now))?;
        let expr = parse_query(&params)?;
        let view = View {
            scenario: &p.scenario,
            now,
        };
        let result = promql::instant_query(&view, &expr, t)?;
        let mut out = String::new();
        match result {
            InstantResult::Scalar(v) => {
                out.push_str("{\"resultType\":\"scalar\",\"result\":");
                push_point(&mut out, t, v);
            }
            InstantResult::Str(s) => {
                out.push_str("{\"resultType\":\"string\",\"result\":[");
                push_timestamp(&mut out, t);
                out.push(',');
                push_json_string(&mut out, &s);
                out.push(']');
            }
            InstantResult::Vector(samples) => {
                out.push_str("{\"resultType\":\"vector\",\"result\":[");
                for (i, (labels, v)) in samples.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str("{\"metric\":");
                    push_labels(&mut out, labels);
                    out.push_str(",\"value\":");
                    push_point(&mut out, t, *v);
                    out.push('}');
                }
                out.push(']');
            }
            InstantResult::Matrix(series) => {
                out.push_str("{\"resultType\":\"matrix\",\"result\":");
                push_matrix(&mut out, &series);
            }
        }
        out.push('}');
        Ok(out)
    })
    .await
}

async fn query_range(
    State(p): State<Arc<Platform>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_request(q.as_deref(), &headers, &body);
    blocking(p, move |p| {
        let start = time_param(&params, "start", None)?;
        let end = time_param(&params, "end", None)?;
        if end < start {
            return Err(ApiFailure::bad_param("end", "end timestamp must not be before start time"));
        }
        let step_text = params.get("step").unwrap_or("");
        let step = parse_duration(step_text).ok_or_else(|| {
            ApiFailure::bad_param("step", format!("cannot parse {step_text:?} to a valid duration"))
        })?;
        if step <= 0 {
            return Err(ApiFailure::bad_param(
                "step",
                "zero or negative query resolution step widths are not accepted. Try a positive integer",
            ));
        }
        if (end - start) / step > MAX_POINTS {
            return Err(ApiFailure::bad_data(
                "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
            ));
        }
        let expr = parse_query(&params)?;
        let t = expr.value_type();
        if t != ValueType::Scalar && t != ValueType::Vector {
            return Err(ApiFailure::bad_data(format!(
                "invalid expression type \"{t}\" for range query, must be Scalar or instant Vector"
            )));
        }
        let view = View { scenario: &p.scenario, now: p.now() };
        let matrix = promql::range_query(&view, &expr, start, end, step)?;
        let mut out = String::with_capacity(64 + matrix.iter().map(|s| 32 * s.1.len() + 128).sum::<usize>());
        out.push_str("{\"resultType\":\"matrix\",\"result\":");
        push_matrix(&mut out, &matrix);
        out.push('}');
        Ok(out)
    })
    .await
}

/// The series selected by the `match[]` parameters (all series when there are none).
fn matched(p: &Platform, params: &Params) -> Result<Vec<Labels>, ApiFailure> {
    let view = View {
        scenario: &p.scenario,
        now: p.now(),
    };
    let selectors: Vec<&str> = params.all("match[]").collect();
    if selectors.is_empty() {
        return Ok(p.scenario.series.iter().map(|s| s.labels.clone()).collect());
    }
    let mut seen: BTreeSet<Labels> = BTreeSet::new();
    for s in selectors {
        for m in selector_matchers(s)? {
            seen.extend(view.select(&m).into_iter().map(|r| r.labels));
        }
    }
    Ok(seen.into_iter().collect())
}

fn selector_matchers(s: &str) -> Result<Vec<Vec<LabelMatcher>>, ApiFailure> {
    match promql::parse(s) {
        Ok(Expr::Vector(sel)) => Ok(vec![sel.matchers]),
        Ok(_) => Err(ApiFailure::bad_param(
            "match[]",
            format!("{s:?} is not a series selector"),
        )),
        Err(e) => Err(ApiFailure::bad_param("match[]", e.render(s))),
    }
}

async fn labels(
    State(p): State<Arc<Platform>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_request(q.as_deref(), &headers, &body);
    blocking(p, move |p| {
        let names: BTreeSet<String> = matched(p, &params)?
            .into_iter()
            .flat_map(|l| l.into_keys())
            .collect();
        serde_json::to_string(&names).map_err(|e| ApiFailure::internal(e.to_string()))
    })
    .await
}

async fn label_values(
    State(p): State<Arc<Platform>>,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let params = Params::from_request(q.as_deref(), &HeaderMap::new(), &[]);
    blocking(p, move |p| {
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(ApiFailure::bad_data(format!(
                "invalid label name: {name:?}"
            )));
        }
        let values: BTreeSet<String> = matched(p, &params)?
            .into_iter()
            .filter_map(|mut l| l.remove(&name))
            .collect();
        serde_json::to_string(&values).map_err(|e| ApiFailure::internal(e.to_string()))
    })
    .await
}

async fn series(
    State(p): State<Arc<Platform>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_request(q.as_deref(), &headers, &body);
    blocking(p, move |p| {
        if params.all("match[]").next().is_none() {
            return Err(ApiFailure::bad_data("no match[] parameter provided"));
        }
        serde_json::to_string(&matched(p, &params)?)
            .map_err(|e| ApiFailure::internal(e.to_string()))
    })
    .await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AlertJson<'a> {
    labels: &'a Labels,
    annotations: &'a Labels,
    state: &'static str,
    active_at: String,
    value: String,
}

fn alert_json(a: &super::rules::AlertInstance) -> AlertJson<'_> {
    AlertJson {
        labels: &a.labels,
        annotations: &a.annotations,
        state: match a.state {
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
        },
        active_at: rfc3339_auto(a.active_at),
        value: format_e(a.value),
    }
}

async fn alerts(State(p): State<Arc<Platform>>) -> Response {
    blocking(p, |p| {
        let rules = p
            .rules
            .evaluate(&p.scenario, p.now())
            .map_err(|e| ApiFailure::internal(e.to_string()))?;
        #[derive(Serialize)]
        struct Data<'a> {
            alerts: Vec<AlertJson<'a>>,
        }
        let data = Data {
            alerts: rules
                .iter()
                .flat_map(|r| r.alerts.iter().map(alert_json))
                .collect(),
        };
        serde_json::to_string(&data).map_err(|e| ApiFailure::internal(e.to_string()))
    })
    .await
}

async fn rules(State(p): State<Arc<Platform>>, RawQuery(q): RawQuery) -> Response {
    let params = Params::from_request(q.as_deref(), &HeaderMap::new(), &[]);
    blocking(p, move |p| {
        let rules = p
            .rules
            .evaluate(&p.scenario, p.now())
            .map_err(|e| ApiFailure::internal(e.to_string()))?;
        if params.get("type") == Some("record") {
            return Ok("{\"groups\":[]}".to_string());
        }
        let names: Vec<&str> = params.all("rule_name[]").collect();
        let groups: Vec<&str> = params.all("rule_group[]").collect();
        let files: Vec<&str> = params.all("file[]").collect();
        let exclude_alerts = params.flag("exclude_alerts", false);
        let keep = |r: &RuleStatus| names.is_empty() || names.contains(&r.def.name);

        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct RuleJson<'a> {
            #[serde(rename = "type")]
            kind: &'static str,
            name: &'static str,
            query: &'static str,
            duration: i64,
            keep_firing_for: i64,
            labels: BTreeMap<&'static str, &'static str>,
            annotations: BTreeMap<&'static str, String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            alerts: Option<Vec<AlertJson<'a>>>,
            health: &'static str,
            evaluation_time: f64,
            last_evaluation: String,
            state: &'static str,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct GroupJson<'a> {
            name: &'static str,
            file: &'static str,
            interval: i64,
            limit: i64,
            rules: Vec<RuleJson<'a>>,
            evaluation_time: f64,
            last_evaluation: String,
        }
        let mut out = Vec::new();
        for (gi, g) in GROUPS.iter().enumerate() {
            if (!groups.is_empty() && !groups.contains(&g.name))
                || (!files.is_empty() && !files.contains(&g.file))
            {
                continue;
            }
            let members: Vec<&RuleStatus> = rules
                .iter()
                .filter(|r| r.def.group == gi && keep(r))
                .collect();
            if members.is_empty() {
                continue;
            }
            let last = members.iter().map(|r| r.last_evaluation).max().unwrap_or(0);
            out.push(GroupJson {
                name: g.name,
                file: g.file,
                interval: super::rules::EVAL_INTERVAL_MS / 1000,
                limit: 0,
                evaluation_time: members.iter().map(|r| r.evaluation_secs).sum(),
                last_evaluation: rfc3339_auto(last),
                rules: members
                    .iter()
                    .map(|r| RuleJson {
                        kind: "alerting",
                        name: r.def.name,
                        query: r.def.expr,
                        duration: r.def.for_secs,
                        keep_firing_for: 0,
                        labels: BTreeMap::from([("severity", r.def.severity)]),
                        annotations: BTreeMap::from([
                            ("summary", r.def.summary.to_string()),
                            ("description", r.def.description.to_string()),
                            ("runbook_url", super::rules::runbook_url(r.def.name)),
                        ]),
                        alerts: (!exclude_alerts)
                            .then(|| r.alerts.iter().map(alert_json).collect()),
                        health: "ok",
                        evaluation_time: r.evaluation_secs,
                        last_evaluation: rfc3339_auto(r.last_evaluation),
                        state: r.state(),
                    })
                    .collect(),
            });
        }
        #[derive(Serialize)]
        struct Data<'a> {
            groups: Vec<GroupJson<'a>>,
        }
        serde_json::to_string(&Data { groups: out })
            .map_err(|e| ApiFailure::internal(e.to_string()))
    })
    .await
}

async fn buildinfo() -> Response {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct BuildInfo {
        version: &'static str,
        revision: &'static str,
        branch: &'static str,
        build_user: &'static str,
        build_date: &'static str,
        go_version: &'static str,
    }
    #[derive(Serialize)]
    struct Envelope {
        status: &'static str,
        data: BuildInfo,
    }
    json_value(
        StatusCode::OK,
        &Envelope {
            status: "success",
            data: BuildInfo {
                version: VERSION,
                revision: "oncall-demo",
                branch: "HEAD",
                build_user: "oncall@demo",
                build_date: "20230201-00:00:00",
                go_version: "go1.19.5",
            },
        },
    )
}

fn push_matrix(out: &mut String, series: &[(Labels, Vec<(i64, f64)>)]) {
    out.push('[');
    for (i, (labels, points)) in series.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"metric\":");
        push_labels(out, labels);
        out.push_str(",\"values\":[");
        for (j, &(t, v)) in points.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            push_point(out, t, v);
        }
        out.push_str("]}");
    }
    out.push(']');
}

fn push_labels(out: &mut String, labels: &Labels) {
    out.push('{');
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_string(out, k);
        out.push(':');
        push_json_string(out, v);
    }
    out.push('}');
}

/// `[<unix seconds>,"<value>"]`, the timestamp with at most millisecond precision.
fn push_point(out: &mut String, t: i64, v: f64) {
    out.push('[');
    push_timestamp(out, t);
    out.push_str(",\"");
    out.push_str(&format_value(v));
    out.push_str("\"]");
}

fn push_timestamp(out: &mut String, t: i64) {
    let (secs, ms) = (t.div_euclid(1000), t.rem_euclid(1000));
    if ms == 0 {
        let _ = write!(out, "{secs}");
    } else {
        let frac = format!("{ms:03}");
        let _ = write!(out, "{secs}.{}", frac.trim_end_matches('0'));
    }
}

fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_writers_escape_and_format() {
        let mut out = String::new();
        push_point(&mut out, 1_700_000_000_500, 0.25);
        push_point(&mut out, 1_700_000_000_000, f64::NAN);
        assert_eq!(out, "[1700000000.5,\"0.25\"][1700000000,\"NaN\"]");
        let mut out = String::new();
        push_json_string(&mut out, "a\"b\\c\n\u{1b}");
        assert_eq!(out, "\"a\\\"b\\\\c\\n\\u001b\"");
        let parsed: String = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed, "a\"b\\c\n\u{1b}");
    }
}

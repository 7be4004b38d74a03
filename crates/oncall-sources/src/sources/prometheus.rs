//! Prometheus HTTP API v1: instant and range queries, alerts, rules, label values, build info.
//! Also speaks to anything with the same API (Thanos, Mimir, Cortex, VictoriaMetrics).

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::de::{self, DeserializeOwned, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, SourceError};
use super::transport::{body_excerpt, Body, Endpoint, SourceKind, Transport};
use crate::model::series::{Point, Series};

/// A decoded answer with what came with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer<T> {
    pub data: T,
    /// Prometheus' `warnings` (and `infos`, prefixed `info: `), e.g. partial results.
    pub warnings: Vec<String>,
    /// Length of the response body, for the performance figures.
    pub bytes: usize,
}

impl<T> Answer<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Answer<U> {
        Answer {
            data: f(self.data),
            warnings: self.warnings,
            bytes: self.bytes,
        }
    }
}

/// The result of an instant query.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryData {
    Vector(Vec<Series>),
    Matrix(Vec<Series>),
    Scalar(Point),
    String(String),
}

impl QueryData {
    /// The series of a vector or matrix; a scalar becomes one unlabelled series.
    pub fn into_series(self) -> Vec<Series> {
        match self {
            QueryData::Vector(s) | QueryData::Matrix(s) => s,
            QueryData::Scalar(p) => vec![Series {
                labels: BTreeMap::new(),
                points: vec![p],
            }],
            QueryData::String(_) => Vec::new(),
        }
    }
}

/// A range query. Times in Unix milliseconds; `step_ms` must be positive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RangeQuery {
    pub expr: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub step_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertingState {
    #[default]
    Inactive,
    Pending,
    Firing,
    #[serde(other)]
    Unknown,
}

impl AlertingState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertingState::Inactive => "inactive",
            AlertingState::Pending => "pending",
            AlertingState::Firing => "firing",
            AlertingState::Unknown => "unknown",
        }
    }
}

/// An alert as Prometheus itself sees it (`/api/v1/alerts`, and inside alerting rules).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromAlert {
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub state: AlertingState,
    #[serde(default)]
    pub active_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub keep_firing_since: Option<DateTime<Utc>>,
    /// The expression's value when the alert was last evaluated ("1e+00" on the wire).
    #[serde(default = "nan", deserialize_with = "de_prom_f64_from_str")]
    pub value: f64,
}

fn nan() -> f64 {
    f64::NAN
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleKind {
    Alert,
    Record,
}

impl RuleKind {
    fn as_param(self) -> &'static str {
        match self {
            RuleKind::Alert => "alert",
            RuleKind::Record => "record",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleGroup {
    pub name: String,
    #[serde(default)]
    pub file: String,
    /// Evaluation interval in seconds.
    #[serde(default)]
    pub interval: f64,
    #[serde(default)]
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub evaluation_time: Option<f64>,
    #[serde(default)]
    pub last_evaluation: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Rule {
    Alerting(AlertingRule),
    Recording(RecordingRule),
}

impl Rule {
    pub fn name(&self) -> &str {
        match self {
            Rule::Alerting(r) => &r.name,
            Rule::Recording(r) => &r.name,
        }
    }

    pub fn health(&self) -> &str {
        match self {
            Rule::Alerting(r) => &r.health,
            Rule::Recording(r) => &r.health,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertingRule {
    pub name: String,
    #[serde(default)]
    pub query: String,
    /// `for`, in seconds.
    #[serde(default)]
    pub duration: f64,
    #[serde(default)]
    pub keep_firing_for: f64,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Raw templates; prefer the expanded annotations on `alerts`.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub alerts: Vec<PromAlert>,
    #[serde(default)]
    pub health: String,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub state: AlertingState,
    #[serde(default)]
    pub evaluation_time: Option<f64>,
    #[serde(default)]
    pub last_evaluation: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingRule {
    pub name: String,
    #[serde(default)]
    pub query: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub health: String,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub evaluation_time: Option<f64>,
    #[serde(default)]
    pub last_evaluation: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildInfo {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub revision: String,
    #[serde(default)]
    pub branch: String,
    #[serde(default)]
    pub build_user: String,
    #[serde(default)]
    pub build_date: String,
    #[serde(default)]
    pub go_version: String,
}

/// A Prometheus API client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PrometheusClient {
    transport: Transport,
}

impl PrometheusClient {
    pub fn new(endpoint: Endpoint) -> Result<Self, SourceError> {
        Ok(PrometheusClient {
            transport: Transport::new(endpoint, SourceKind::Prometheus)?,
        })
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// An instant query at `time` (the server's now when `None`).
    pub async fn query(
        &self,
        expr: &str,
        time: Option<DateTime<Utc>>,
    ) -> Result<Answer<QueryData>, SourceError> {
        let mut form = vec![("query", expr.to_string())];
        if let Some(t) = time {
            form.push(("time", format_seconds(t.timestamp_millis())));
        }
        // POST: long PromQL does not hit URL length limits in proxies.
        let rb = self
            .transport
            .request(Method::POST, "api/v1/query")
            .form(&form);
        let answer: Answer<RawQueryData> = self.call(rb).await?;
        Ok(answer.map(RawQueryData::into_query_data))
    }

    pub async fn query_range(&self, q: &RangeQuery) -> Result<Answer<Vec<Series>>, SourceError> {
        let rb = self.range_request(q)?;
        let answer: Answer<RawQueryData> = self.call(rb).await?;
        Ok(answer.map(|d| d.into_query_data().into_series()))
    }

    /// A range query for drawing: at most `max_bytes` of answer are read, and only the `N`
    /// series with the highest newest value are kept while it is decoded (with the count of
    /// all), so a query that returns tens of thousands of series costs little memory.
    pub async fn query_range_top<const N: usize>(
        &self,
        q: &RangeQuery,
        max_bytes: usize,
    ) -> Result<Answer<crate::sources::top_series::TopSeries<N>>, SourceError> {
        let rb = self.range_request(q)?;
        let body = self.transport.send_within(rb, max_bytes).await?;
        decode_answer(&self.transport, &body)
    }

    fn range_request(&self, q: &RangeQuery) -> Result<reqwest::RequestBuilder, SourceError> {
        if q.step_ms <= 0 {
            return Err(SourceError::Invalid {
                kind: SourceKind::Prometheus,
                detail: format!("range query step must be positive, got {} ms", q.step_ms),
            });
        }
        if q.end_ms < q.start_ms {
            return Err(SourceError::Invalid {
                kind: SourceKind::Prometheus,
                detail: "range query end is before its start".into(),
            });
        }
        Ok(self
            .transport
            .request(Method::POST, "api/v1/query_range")
            .form(&range_form(q)))
    }

    /// Every active (pending or firing) alert this Prometheus evaluates.
    pub async fn alerts(&self) -> Result<Answer<Vec<PromAlert>>, SourceError> {
        #[derive(Deserialize)]
        struct Data {
            // No default: `data: {}` is an error, never "none".
            alerts: Vec<PromAlert>,
        }
        let rb = self.transport.request(Method::GET, "api/v1/alerts");
        let answer: Answer<Data> = self.call(rb).await?;
        Ok(answer.map(|d| d.alerts))
    }

    pub async fn rules(
        &self,
        kind: Option<RuleKind>,
    ) -> Result<Answer<Vec<RuleGroup>>, SourceError> {
        #[derive(Deserialize)]
        struct Data {
            // No default: `data: {}` is an error, never "none".
            groups: Vec<RuleGroup>,
        }
        let mut rb = self.transport.request(Method::GET, "api/v1/rules");
        if let Some(kind) = kind {
            rb = rb.query(&[("type", kind.as_param())]);
        }
        let answer: Answer<Data> = self.call(rb).await?;
        Ok(answer.map(|d| d.groups))
    }

    /// Values of `label`, optionally only on series selected by `matchers` (series selectors
    /// such as `up{job="api"}`) and within a time window.
    pub async fn label_values(
        &self,
        label: &str,
        matchers: &[String],
        start_ms: Option<i64>,
        end_ms: Option<i64>,
    ) -> Result<Answer<Vec<String>>, SourceError> {
        // The name goes into the path: only classic names, so nothing can escape the segment.
        if !crate::model::matcher::is_classic_name(label) {
            return Err(SourceError::Invalid {
                kind: SourceKind::Prometheus,
                detail: format!(
                    "`{}` is not a label name oncall can look up (letters, digits and `_`)",
                    crate::sanitize::one_line(label)
                ),
            });
        }
        let rb = self
            .transport
            .request(Method::GET, &format!("api/v1/label/{label}/values"))
            .query(&label_values_params(matchers, start_ms, end_ms));
        self.call(rb).await
    }

    pub async fn buildinfo(&self) -> Result<Answer<BuildInfo>, SourceError> {
        let rb = self
            .transport
            .request(Method::GET, "api/v1/status/buildinfo");
        self.call(rb).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        rb: reqwest::RequestBuilder,
    ) -> Result<Answer<T>, SourceError> {
        let body = self.transport.send(rb).await?;
        decode_answer(&self.transport, &body)
    }
}

fn range_form(q: &RangeQuery) -> Vec<(&'static str, String)> {
    vec![
        ("query", q.expr.clone()),
        ("start", format_seconds(q.start_ms)),
        ("end", format_seconds(q.end_ms)),
        ("step", format_seconds(q.step_ms)),
    ]
}

fn label_values_params(
    matchers: &[String],
    start_ms: Option<i64>,
    end_ms: Option<i64>,
) -> Vec<(&'static str, String)> {
    let mut params: Vec<(&'static str, String)> =
        matchers.iter().map(|m| ("match[]", m.clone())).collect();
    if let Some(s) = start_ms {
        params.push(("start", format_seconds(s)));
    }
    if let Some(e) = end_ms {
        params.push(("end", format_seconds(e)));
    }
    params
}

/// Unix milliseconds as the decimal seconds Prometheus takes, exactly (`1700000000.250`).
fn format_seconds(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let frac = ms.rem_euclid(1000);
    if frac == 0 {
        secs.to_string()
    } else {
        format!("{secs}.{frac:03}")
    }
}

/// Prometheus' envelope around every answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<T> {
    status: String,
    #[serde(default = "Option::default")]
    data: Option<T>,
    #[serde(default)]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    infos: Vec<String>,
}

/// Map a response to an answer or to the right error: the error envelope (400/422/503 and
/// the odd 200) to `Api`, 401/403 to `Unauthorized`, other non-JSON failures to `Status`.
fn decode_answer<T: DeserializeOwned>(
    transport: &Transport,
    body: &Body,
) -> Result<Answer<T>, SourceError> {
    let kind = transport.kind();
    if body.status == 401 || body.status == 403 {
        return Err(SourceError::Unauthorized {
            kind,
            url: body.url.clone(),
            status: body.status,
            detail: error_detail(transport, body),
        });
    }
    if !(200..300).contains(&body.status) {
        return Err(match envelope_error(transport, body) {
            Some(api) => SourceError::Api {
                kind,
                url: body.url.clone(),
                status: body.status,
                api,
            },
            None => SourceError::Status {
                kind,
                url: body.url.clone(),
                status: body.status,
                body: body_excerpt(&body.bytes),
            },
        });
    }
    let env: Envelope<T> = transport.decode(body)?;
    if env.status != "success" {
        return Err(SourceError::Api {
            kind,
            url: body.url.clone(),
            status: body.status,
            api: ApiError::Prometheus {
                error_type: env.error_type.unwrap_or_else(|| "error".into()),
                error: env
                    .error
                    .unwrap_or_else(|| format!("status `{}` without an error message", env.status)),
            },
        });
    }
    let data = env.data.ok_or_else(|| SourceError::Decode {
        kind,
        url: body.url.clone(),
        path: "data".into(),
        detail: "missing field `data`".into(),
    })?;
    let mut warnings = env.warnings;
    warnings.extend(env.infos.into_iter().map(|i| format!("info: {i}")));
    Ok(Answer {
        data,
        warnings,
        bytes: body.bytes.len(),
    })
}

fn envelope_error(transport: &Transport, body: &Body) -> Option<ApiError> {
    let env: Envelope<de::IgnoredAny> = transport.decode(body).ok()?;
    match (env.error_type, env.error) {
        (None, None) => None,
        (t, e) => Some(ApiError::Prometheus {
            error_type: t.unwrap_or_else(|| "error".into()),
            error: e.unwrap_or_default(),
        }),
    }
}

fn error_detail(transport: &Transport, body: &Body) -> String {
    match envelope_error(transport, body) {
        Some(api) => api.to_string(),
        None => body_excerpt(&body.bytes),
    }
}

/// `data` of a query answer, decoded by `resultType`.
#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum RawQueryData {
    Vector(Vec<RawVectorSample>),
    Matrix(Vec<RawMatrixSeries>),
    Scalar(Sample),
    String(StringSample),
}

impl RawQueryData {
    fn into_query_data(self) -> QueryData {
        match self {
            RawQueryData::Vector(v) => QueryData::Vector(
                v.into_iter()
                    .map(|s| Series {
                        labels: s.metric,
                        // A native-histogram sample has no `value`: no point rather than a zero.
                        points: s.value.map(|p| vec![p.0]).unwrap_or_default(),
                    })
                    .collect(),
            ),
            RawQueryData::Matrix(m) => QueryData::Matrix(
                m.into_iter()
                    .map(|s| Series {
                        labels: s.metric,
                        points: s.values.into_iter().map(|p| p.0).collect(),
                    })
                    .collect(),
            ),
            RawQueryData::Scalar(p) => QueryData::Scalar(p.0),
            RawQueryData::String(s) => QueryData::String(s.0),
        }
    }
}

#[derive(Deserialize)]
struct RawVectorSample {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    value: Option<Sample>,
}

#[derive(Deserialize)]
struct RawMatrixSeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<Sample>,
}

/// `[1435781451.781, "1"]`: seconds as a number, value as a string ("NaN", "+Inf" included).
/// Decoded without allocating per point: range queries carry many thousands.
pub(crate) struct Sample(pub(crate) Point);

impl<'de> Deserialize<'de> for Sample {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Sample;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a [timestamp, \"value\"] pair")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Sample, A::Error> {
                let t: f64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let v: PromF64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                Ok(Sample((seconds_to_ms(t), v.0)))
            }
        }
        d.deserialize_seq(V)
    }
}

/// `[1435781451.781, "text"]`.
struct StringSample(String);

impl<'de> Deserialize<'de> for StringSample {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (_, s): (f64, String) = Deserialize::deserialize(d)?;
        Ok(StringSample(s))
    }
}

fn seconds_to_ms(t: f64) -> i64 {
    (t * 1000.0).round() as i64
}

/// A float that Prometheus writes as a string.
struct PromF64(f64);

impl<'de> Deserialize<'de> for PromF64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PromF64Visitor).map(PromF64)
    }
}

struct PromF64Visitor;

impl Visitor<'_> for PromF64Visitor {
    type Value = f64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number as a string, e.g. \"1.5\", \"NaN\" or \"+Inf\"")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<f64, E> {
        parse_prom_f64(s).ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &self))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
}

/// Go's float formatting: "NaN", "+Inf", "-Inf", "1e+00", "0.5".
fn parse_prom_f64(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok()
}

fn de_prom_f64_from_str<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    d.deserialize_any(PromF64Visitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transport() -> Transport {
        Transport::new(
            Endpoint::parse("http://prom:9090").unwrap(),
            SourceKind::Prometheus,
        )
        .unwrap()
    }

    fn body(status: u16, json: &str) -> Body {
        Body {
            status,
            headers: Default::default(),
            bytes: bytes::Bytes::copy_from_slice(json.as_bytes()),
            url: "http://prom:9090/api/v1/query".into(),
        }
    }

    fn decode_query(json: &str) -> Answer<QueryData> {
        let a: Answer<RawQueryData> = decode_answer(&transport(), &body(200, json)).unwrap();
        a.map(RawQueryData::into_query_data)
    }

    #[test]
    fn decodes_a_vector_with_nan_and_infinities() {
        let a = decode_query(
            r#"{"status":"success","data":{"resultType":"vector","result":[
                {"metric":{"__name__":"up","job":"api"},"value":[1435781451.781,"1"]},
                {"metric":{"job":"nan"},"value":[1435781451.781,"NaN"]},
                {"metric":{"job":"inf"},"value":[1435781451.781,"+Inf"]},
                {"metric":{"job":"-inf"},"value":[1435781451,"-Inf"]}]}}"#,
        );
        let QueryData::Vector(v) = a.data else {
            panic!("not a vector")
        };
        assert_eq!(v[0].labels["job"], "api");
        assert_eq!(v[0].points, vec![(1435781451781, 1.0)]);
        assert!(v[1].points[0].1.is_nan());
        assert_eq!(v[2].points[0].1, f64::INFINITY);
        assert_eq!(v[3].points[0], (1435781451000, f64::NEG_INFINITY));
        assert!(a.warnings.is_empty());
        assert!(a.bytes > 100);
    }

    #[test]
    fn decodes_matrix_scalar_and_string() {
        let a = decode_query(
            r#"{"status":"success","data":{"resultType":"matrix","result":[
                {"metric":{"job":"a"},"values":[[1700000000,"1"],[1700000015,"2.5"],[1700000045,"1e+00"]]}]},
                "warnings":["PromQL info: partial"],"infos":["metric might not be a counter"]}"#,
        );
        let QueryData::Matrix(m) = a.data else {
            panic!("not a matrix")
        };
        // The gap at 1700000030 stays a gap.
        assert_eq!(
            m[0].points,
            vec![
                (1700000000000, 1.0),
                (1700000015000, 2.5),
                (1700000045000, 1.0)
            ]
        );
        assert_eq!(
            a.warnings,
            vec![
                "PromQL info: partial".to_string(),
                "info: metric might not be a counter".into()
            ]
        );

        let a = decode_query(
            r#"{"status":"success","data":{"resultType":"scalar","result":[1700000000.5,"42"]}}"#,
        );
        assert_eq!(a.data, QueryData::Scalar((1700000000500, 42.0)));
        let a = decode_query(
            r#"{"status":"success","data":{"resultType":"string","result":[1700000000,"hello"]}}"#,
        );
        assert_eq!(a.data, QueryData::String("hello".into()));
    }

    #[test]
    fn native_histogram_samples_are_gaps_not_zeros() {
        let a = decode_query(
            r#"{"status":"success","data":{"resultType":"vector","result":[
                {"metric":{"job":"h"},"histogram":[1700000000,{"count":"3","sum":"1","buckets":[]}]}]}}"#,
        );
        assert_eq!(a.data.into_series()[0].points, vec![]);
    }

    #[test]
    fn a_bad_value_names_the_json_path() {
        let err = decode_answer::<RawQueryData>(
            &transport(),
            &body(200, r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x"]]}]}}"#),
        )
        .err()
        .unwrap();
        let SourceError::Decode { path, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(path.contains("data"), "{path}");
    }

    #[test]
    fn error_envelope_becomes_an_api_error() {
        for status in [400, 422, 503] {
            let err = decode_answer::<RawQueryData>(
                &transport(),
                &body(status, r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected <EOF>"}"#),
            )
            .err()
            .unwrap();
            assert_eq!(err.status(), Some(status));
            let SourceError::Api {
                api: ApiError::Prometheus { error_type, error },
                ..
            } = &err
            else {
                panic!("{err:?}")
            };
            assert_eq!(error_type, "bad_data");
            assert!(error.contains("parse error"));
            assert!(
                err.short().contains("bad_data: 1:5: parse error"),
                "{}",
                err.short()
            );
        }
    }

    #[test]
    fn auth_and_html_failures() {
        let err = decode_answer::<BuildInfo>(&transport(), &body(401, "Unauthorized\n"))
            .err()
            .unwrap();
        assert!(
            matches!(err, SourceError::Unauthorized { status: 401, .. }),
            "{err:?}"
        );
        let err = decode_answer::<BuildInfo>(&transport(), &body(403, "forbidden"))
            .err()
            .unwrap();
        assert!(
            matches!(err, SourceError::Unauthorized { status: 403, .. }),
            "{err:?}"
        );
        let err = decode_answer::<BuildInfo>(
            &transport(),
            &body(502, "<html><body>Bad Gateway</body></html>"),
        )
        .err()
        .unwrap();
        let SourceError::Status {
            status: 502,
            body: excerpt,
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert!(excerpt.contains("Bad Gateway"));
        // A 200 that is not Prometheus (a login page) is a decode error, not a panic.
        let err = decode_answer::<BuildInfo>(&transport(), &body(200, "<html>login</html>"))
            .err()
            .unwrap();
        assert!(matches!(err, SourceError::Decode { .. }), "{err:?}");
    }

    #[test]
    fn decodes_alerts_rules_and_buildinfo() {
        #[derive(Deserialize)]
        struct AlertsData {
            alerts: Vec<PromAlert>,
        }
        let a: Answer<AlertsData> = decode_answer(
            &transport(),
            &body(
                200,
                r#"{"status":"success","data":{"alerts":[{"labels":{"alertname":"HighLatency"},"annotations":{"runbook_url":"https://r/x"},
                "state":"firing","activeAt":"2026-08-20T09:00:00.123456789Z","value":"1e+00"},
                {"labels":{"alertname":"Other"},"annotations":{},"state":"pending","activeAt":"2026-08-20T09:00:00Z","value":"NaN"}]}}"#,
            ),
        )
        .unwrap();
        assert_eq!(a.data.alerts[0].state, AlertingState::Firing);
        assert_eq!(a.data.alerts[0].value, 1.0);
        assert!(a.data.alerts[1].value.is_nan());

        #[derive(Deserialize)]
        struct RulesData {
            groups: Vec<RuleGroup>,
        }
        let r: Answer<RulesData> = decode_answer(
            &transport(),
            &body(
                200,
                r#"{"status":"success","data":{"groups":[{"name":"kubernetes-apps","file":"/etc/prometheus/rules/x.yaml","interval":30,"limit":0,
                "evaluationTime":0.0012,"lastEvaluation":"2026-08-20T09:00:00Z",
                "rules":[{"type":"alerting","name":"KubePodCrashLooping","query":"x > 0","duration":900,"keepFiringFor":0,
                  "labels":{"severity":"warning"},"annotations":{"runbook_url":"https://r"},"alerts":[],
                  "health":"ok","evaluationTime":0.0003,"lastEvaluation":"2026-08-20T09:00:00Z","state":"inactive"},
                 {"type":"recording","name":"job:up:sum","query":"sum by (job) (up)","labels":{},"health":"err","lastError":"boom",
                  "evaluationTime":0,"lastEvaluation":"2026-08-20T09:00:00Z"}]}]}}"#,
            ),
        )
        .unwrap();
        let g = &r.data.groups[0];
        assert_eq!(g.interval, 30.0);
        let Rule::Alerting(ar) = &g.rules[0] else {
            panic!()
        };
        assert_eq!(ar.duration, 900.0);
        assert_eq!(g.rules[1].name(), "job:up:sum");
        assert_eq!(g.rules[1].health(), "err");

        let b: Answer<BuildInfo> = decode_answer(
            &transport(),
            &body(
                200,
                r#"{"status":"success","data":{"version":"2.42.0","revision":"abc","branch":"debian/sid","buildUser":"team@debian","buildDate":"20230301","goVersion":"go1.19.6"}}"#,
            ),
        )
        .unwrap();
        assert_eq!(b.data.version, "2.42.0");
        assert_eq!(b.data.go_version, "go1.19.6");
    }

    #[test]
    fn request_parameters() {
        assert_eq!(format_seconds(1700000000250), "1700000000.250");
        assert_eq!(format_seconds(1700000000000), "1700000000");
        assert_eq!(format_seconds(15000), "15");
        assert_eq!(format_seconds(-1500), "-2.500");
        let q = RangeQuery {
            expr: "rate(x[5m])".into(),
            start_ms: 1000,
            end_ms: 61_000,
            step_ms: 15_500,
        };
        assert_eq!(
            range_form(&q),
            vec![
                ("query", "rate(x[5m])".to_string()),
                ("start", "1".into()),
                ("end", "61".into()),
                ("step", "15.500".into())
            ]
        );
        assert_eq!(
            label_values_params(&["up{job=\"a\"}".into()], Some(1000), None),
            vec![
                ("match[]", "up{job=\"a\"}".to_string()),
                ("start", "1".into())
            ]
        );
    }

    mod http {
        use super::super::*;
        use crate::secret::Secret;
        use crate::sources::test_server::{Reply, TestServer};
        use crate::sources::transport::Auth;
        use std::time::Duration;

        const VECTOR: &str = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"api"},"value":[1700000000,"NaN"]}]},"warnings":["partial response"]}"#;

        async fn client(server: &TestServer) -> PrometheusClient {
            let mut ep = Endpoint::new(server.url.join("prefix/").unwrap());
            ep.auth = Auth::Basic {
                username: "bob".into(),
                password: Secret::new("pw"),
            };
            PrometheusClient::new(ep).unwrap()
        }

        #[tokio::test]
        async fn query_is_a_post_form_with_auth_under_the_path_prefix() {
            let server = TestServer::start(Duration::ZERO, |_| Reply::json(200, VECTOR)).await;
            let c = client(&server).await;
            let t: DateTime<Utc> = "2023-11-14T22:13:20.5Z".parse().unwrap();
            let a = c
                .query("sum by (job) (rate(x[5m]))", Some(t))
                .await
                .unwrap();
            assert_eq!(a.warnings, vec!["partial response".to_string()]);
            assert_eq!(a.bytes, VECTOR.len());
            let QueryData::Vector(v) = a.data else {
                panic!()
            };
            assert!(v[0].points[0].1.is_nan());

            let req = &server.requests()[0];
            assert_eq!(req.method, Method::POST);
            assert_eq!(req.path, "/prefix/api/v1/query");
            assert!(req
                .header("content-type")
                .unwrap()
                .starts_with("application/x-www-form-urlencoded"));
            assert_eq!(req.header("authorization"), Some("Basic Ym9iOnB3"));
            assert_eq!(
                req.form(),
                vec![
                    (
                        "query".to_string(),
                        "sum by (job) (rate(x[5m]))".to_string()
                    ),
                    ("time".into(), "1700000000.500".into())
                ]
            );
        }

        #[tokio::test]
        async fn query_range_sends_seconds_and_returns_series() {
            let server = TestServer::start(Duration::ZERO, |_| {
                Reply::json(
                    200,
                    r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"a"},"values":[[1700000000,"1"],[1700000030,"+Inf"]]}]}}"#,
                )
            })
            .await;
            let c = client(&server).await;
            let q = RangeQuery {
                expr: "up".into(),
                start_ms: 1_700_000_000_000,
                end_ms: 1_700_000_030_000,
                step_ms: 15_000,
            };
            let a = c.query_range(&q).await.unwrap();
            assert_eq!(
                a.data[0].points,
                vec![(1_700_000_000_000, 1.0), (1_700_000_030_000, f64::INFINITY)]
            );
            let req = &server.requests()[0];
            assert_eq!(req.path, "/prefix/api/v1/query_range");
            let form = req.form();
            assert!(form.contains(&("step".into(), "15".into())), "{form:?}");
            assert!(
                form.contains(&("start".into(), "1700000000".into())),
                "{form:?}"
            );

            let bad = RangeQuery { step_ms: 0, ..q };
            assert!(matches!(
                c.query_range(&bad).await,
                Err(SourceError::Invalid { .. })
            ));
        }

        #[tokio::test]
        async fn rules_alerts_labels_and_buildinfo_hit_their_endpoints() {
            let server = TestServer::start(Duration::ZERO, |req| match req.path.as_str() {
                "/prefix/api/v1/rules" => Reply::json(200, r#"{"status":"success","data":{"groups":[]}}"#),
                "/prefix/api/v1/alerts" => Reply::json(
                    200,
                    r#"{"status":"success","data":{"alerts":[{"labels":{"alertname":"A"},"annotations":{},"state":"firing","activeAt":"2026-01-01T00:00:00Z","value":"3"}]}}"#,
                ),
                "/prefix/api/v1/label/job/values" => Reply::json(200, r#"{"status":"success","data":["api","db"]}"#),
                "/prefix/api/v1/status/buildinfo" => {
                    Reply::json(200, r#"{"status":"success","data":{"version":"2.42.0"}}"#)
                }
                _ => Reply::json(404, r#"{"status":"error","errorType":"not_found","error":"no route"}"#),
            })
            .await;
            let c = client(&server).await;
            assert!(c
                .rules(Some(RuleKind::Alert))
                .await
                .unwrap()
                .data
                .is_empty());
            assert_eq!(c.alerts().await.unwrap().data[0].value, 3.0);
            let values = c
                .label_values(
                    "job",
                    &[r#"up{env="prod"}"#.into()],
                    Some(1_000),
                    Some(2_000),
                )
                .await
                .unwrap();
            assert_eq!(values.data, vec!["api", "db"]);
            assert_eq!(c.buildinfo().await.unwrap().data.version, "2.42.0");
            assert!(matches!(
                c.label_values("a/../b", &[], None, None).await,
                Err(SourceError::Invalid { .. })
            ));

            let reqs = server.requests();
            assert_eq!(reqs[0].param("type"), Some("alert"));
            assert_eq!(reqs[2].params("match[]"), vec![r#"up{env="prod"}"#]);
            assert_eq!(
                (reqs[2].param("start"), reqs[2].param("end")),
                (Some("1"), Some("2"))
            );
            assert_eq!(reqs.len(), 4, "the bad label name never reached the server");
        }

        #[tokio::test]
        async fn errors_map_to_api_unauthorized_and_status() {
            let server = TestServer::start(Duration::ZERO, |req| match req.form().first().map(|(_, v)| v.as_str()) {
                Some("bad(") => Reply::json(
                    400,
                    r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis"}"#,
                ),
                Some("slow") => Reply::json(
                    503,
                    r#"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#,
                ),
                Some("denied") => Reply::json(401, "no").with_header("www-authenticate", "Basic"),
                _ => Reply {
                    status: 500,
                    headers: vec![("content-type", "text/html".into())],
                    body: "<html><h1>Internal \u{1b}[31mError</h1></html>".into(),
                },
            })
            .await;
            let c = client(&server).await;
            let e = c.query("bad(", None).await.unwrap_err();
            assert_eq!(e.status(), Some(400));
            assert!(
                e.short().starts_with("bad_data: invalid parameter"),
                "{}",
                e.short()
            );
            let e = c.query("slow", None).await.unwrap_err();
            assert!(
                matches!(&e, SourceError::Api { status: 503, api: ApiError::Prometheus { error_type, .. }, .. } if error_type == "timeout")
            );
            let e = c.query("denied", None).await.unwrap_err();
            assert!(
                matches!(e, SourceError::Unauthorized { status: 401, .. }),
                "{e:?}"
            );
            let e = c.query("other", None).await.unwrap_err();
            let SourceError::Status {
                status: 500, body, ..
            } = &e
            else {
                panic!("{e:?}")
            };
            assert!(
                body.contains("Internal") && !body.contains('\u{1b}'),
                "{body}"
            );
        }

        #[tokio::test]
        async fn connection_refused_is_a_connect_error() {
            // Bind then drop: the port is free and nothing listens.
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let url = format!("http://{}/", listener.local_addr().unwrap());
            drop(listener);
            let c = PrometheusClient::new(Endpoint::parse(&url).unwrap()).unwrap();
            let e = c.buildinfo().await.unwrap_err();
            assert!(matches!(e, SourceError::Connect { .. }), "{e:?}");
        }
    }
}

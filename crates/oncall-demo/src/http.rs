//! Request plumbing shared by the three fake backends: parameters from the query string and
//! form bodies (repeatable, as `match[]` and `filter` are), time and duration parameters,
//! and JSON responses.

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};

use super::promql;

/// Every `name=value` pair of a request, from the query string and, for a form POST, the body.
#[derive(Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn from_request(raw_query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Params {
        let mut pairs: Vec<(String, String)> = raw_query
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if is_form {
            pairs.extend(url::form_urlencoded::parse(body).into_owned());
        }
        Params(pairs)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean parameter; absent or unparsable means `default`.
    pub fn flag(&self, name: &str, default: bool) -> bool {
        match self.get(name) {
            Some("true") | Some("1") => true,
            Some("false") | Some("0") => false,
            _ => default,
        }
    }
}

/// A Prometheus time parameter: Unix seconds (with fraction) or RFC 3339. Returns Unix ms.
pub fn parse_time(s: &str) -> Option<i64> {
    if let Ok(secs) = s.parse::<f64>() {
        if secs.is_finite() {
            return Some((secs * 1000.0).round() as i64);
        }
        return None;
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// A Prometheus duration parameter: seconds (with fraction) or `5m`/`1h30m`. Returns ms.
pub fn parse_duration(s: &str) -> Option<i64> {
    if let Ok(secs) = s.parse::<f64>() {
        return secs.is_finite().then(|| (secs * 1000.0).round() as i64);
    }
    promql::parse_duration(s)
}

/// RFC 3339 in UTC with milliseconds, as Alertmanager writes times.
pub fn rfc3339_ms(ms: i64) -> String {
    datetime(ms).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// RFC 3339 in UTC with whole seconds, as PagerDuty writes times.
pub fn rfc3339_s(ms: i64) -> String {
    datetime(ms).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// RFC 3339 with as many fraction digits as needed, as Prometheus writes times.
pub fn rfc3339_auto(ms: i64) -> String {
    datetime(ms).to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

pub fn datetime(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::UNIX_EPOCH)
}

/// A JSON body that is already serialized.
pub fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Serialize `value` as the JSON body. Serializing the demo's own types cannot fail; if it
/// ever did, the client gets a 500 naming the problem rather than a dropped connection.
pub fn json_value<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => json(status, body),
        Err(e) => json(
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::Value::String(format!("demo: cannot encode the response: {e}")).to_string(),
        ),
    }
}

pub fn text(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_params_from_query_and_form() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        let p = Params::from_request(
            Some("match%5B%5D=up&x=1"),
            &headers,
            b"match%5B%5D=node_load1&query=sum(rate(x%5B5m%5D))",
        );
        assert_eq!(
            p.all("match[]").collect::<Vec<_>>(),
            vec!["up", "node_load1"]
        );
        assert_eq!(p.get("query"), Some("sum(rate(x[5m]))"));
        assert!(p.flag("missing", true));
    }

    #[test]
    fn times_and_durations() {
        assert_eq!(parse_time("1700000000.5"), Some(1_700_000_000_500));
        assert_eq!(parse_time("2023-11-14T22:13:20Z"), Some(1_700_000_000_000));
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_duration("15"), Some(15_000));
        assert_eq!(parse_duration("1m30s"), Some(90_000));
        assert_eq!(parse_duration("0.5"), Some(500));
        assert_eq!(rfc3339_ms(1_700_000_000_000), "2023-11-14T22:13:20.000Z");
        assert_eq!(rfc3339_s(1_700_000_000_000), "2023-11-14T22:13:20Z");
    }
}

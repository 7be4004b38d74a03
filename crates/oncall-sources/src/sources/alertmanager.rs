//! Alertmanager API v2: status, alerts, alert groups, silences, posting alerts.
//!
//! One client talks to one Alertmanager; HA clusters (query every peer, dedupe by fingerprint,
//! POST silences once) are the caller's business.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, SourceError};
use super::transport::{body_excerpt, Body, Endpoint, SourceKind, Transport};
use crate::model::alert::{Alert, AlertGroup, PostableAlert};
use crate::model::alert_row::AlertRow;
use crate::model::matcher::Matcher;
use crate::model::route::{RouteError, RouteTree};
use crate::model::silence::{PostableSilence, Silence};

/// Why no route tree could be read from an Alertmanager.
#[derive(Debug, thiserror::Error)]
pub enum RouteTreeError {
    #[error("no Alertmanager is configured")]
    NoAlertmanager,
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("Alertmanager at {url} sent no config in /api/v2/status; incidents are matched by their alert details instead of dedup keys")]
    NoConfig { url: String },
    #[error("Alertmanager at {url}: {source}; incidents are matched by their alert details instead of dedup keys")]
    Route { url: String, source: RouteError },
}

/// The route tree of the first Alertmanager that gives one (HA peers share one config), or
/// the last failure.
pub async fn first_route_tree(members: &[AlertmanagerClient]) -> Result<RouteTree, RouteTreeError> {
    let mut last = RouteTreeError::NoAlertmanager;
    for am in members {
        match am.route_tree().await {
            Ok(tree) => return Ok(tree),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// `GET /api/v2/status`. The `config` field is deliberately not read: it can embed tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AmStatus {
    pub cluster: ClusterStatus,
    pub version_info: VersionInfo,
    pub uptime: DateTime<Utc>,
}

impl AmStatus {
    /// `(major, minor, patch)` of the server, when its version string is semver-like
    /// (`0.25.0`, `v0.27.0-rc.0`, `0.25.0+ds`).
    pub fn version(&self) -> Option<(u32, u32, u32)> {
        parse_version(&self.version_info.version)
    }

    /// Whether the server is at least `major.minor` (unknown versions count as old).
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        self.version()
            .is_some_and(|(ma, mi, _)| (ma, mi) >= (major, minor))
    }
}

fn parse_version(v: &str) -> Option<(u32, u32, u32)> {
    let v = v.trim().trim_start_matches('v');
    let core = v.split(['-', '+', '~']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u32>().ok());
    Some((
        parts.next()??,
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
    ))
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClusterStatus {
    /// Absent when clustering is disabled.
    #[serde(default)]
    pub name: Option<String>,
    pub status: ClusterState,
    #[serde(default)]
    pub peers: Vec<Peer>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterState {
    Ready,
    /// Just started: silences and notification log may be incomplete.
    Settling,
    #[default]
    Disabled,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Peer {
    pub name: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
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

/// Which alerts to list. `Default` lists everything, as Alertmanager does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertQuery {
    pub active: bool,
    pub silenced: bool,
    pub inhibited: bool,
    pub unprocessed: bool,
    /// Matchers, ANDed by the server.
    pub filter: Vec<Matcher>,
    /// Regex over receiver names (anchored by the server).
    pub receiver: Option<String>,
}

impl Default for AlertQuery {
    fn default() -> Self {
        AlertQuery {
            active: true,
            silenced: true,
            inhibited: true,
            unprocessed: true,
            filter: Vec::new(),
            receiver: None,
        }
    }
}

impl AlertQuery {
    /// Firing and needing attention: active, neither silenced nor inhibited.
    pub fn firing() -> Self {
        AlertQuery {
            silenced: false,
            inhibited: false,
            ..AlertQuery::default()
        }
    }

    pub fn with_filter(mut self, filter: Vec<Matcher>) -> Self {
        self.filter = filter;
        self
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = vec![
            ("active", self.active.to_string()),
            ("silenced", self.silenced.to_string()),
            ("inhibited", self.inhibited.to_string()),
            ("unprocessed", self.unprocessed.to_string()),
        ];
        p.extend(self.filter.iter().map(|m| ("filter", m.to_filter_param())));
        if let Some(r) = &self.receiver {
            p.push(("receiver", r.clone()));
        }
        p
    }
}

/// An Alertmanager API v2 client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AlertmanagerClient {
    transport: Transport,
}

#[derive(Deserialize)]
struct SilenceId {
    #[serde(rename = "silenceID")]
    silence_id: String,
}

impl AlertmanagerClient {
    pub fn new(endpoint: Endpoint) -> Result<Self, SourceError> {
        Ok(AlertmanagerClient {
            transport: Transport::new(endpoint, SourceKind::Alertmanager)?,
        })
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    pub async fn status(&self) -> Result<AmStatus, SourceError> {
        self.get_json(self.transport.request(Method::GET, "api/v2/status"))
            .await
    }

    /// The route tree from `/api/v2/status` `config.original`, for rebuilding PagerDuty dedup
    /// keys. Only the tree is kept: the rest of the config (receiver URLs, templates) may
    /// embed tokens and is dropped here.
    pub async fn route_tree(&self) -> Result<RouteTree, RouteTreeError> {
        #[derive(Deserialize)]
        struct StatusConfig {
            #[serde(default)]
            config: Option<ConfigField>,
        }
        #[derive(Deserialize)]
        struct ConfigField {
            #[serde(default)]
            original: String,
        }
        let url = redacted(&self.transport, "api/v2/status");
        let status: StatusConfig = self
            .get_json(self.transport.request(Method::GET, "api/v2/status"))
            .await?;
        let yaml = status
            .config
            .map(|c| c.original)
            .filter(|o| !o.trim().is_empty())
            .ok_or_else(|| RouteTreeError::NoConfig { url: url.clone() })?;
        RouteTree::from_config_yaml(&yaml).map_err(|source| RouteTreeError::Route { url, source })
    }

    pub async fn alerts(&self, q: &AlertQuery) -> Result<Vec<Alert>, SourceError> {
        let rb = self
            .transport
            .request(Method::GET, "api/v2/alerts")
            .query(&q.params());
        self.get_json(rb).await
    }

    /// As [`alerts`](Self::alerts), sharing every alert equal to one in `held` (this
    /// Alertmanager's previous answer) instead of holding a second copy of it; the body is
    /// dropped before the list is returned.
    pub async fn alerts_reusing(
        &self,
        q: &AlertQuery,
        held: &[std::sync::Arc<Alert>],
    ) -> Result<Vec<std::sync::Arc<Alert>>, SourceError> {
        let rb = self
            .transport
            .request(Method::GET, "api/v2/alerts")
            .query(&q.params());
        let body = self.transport.send(rb).await?;
        check_status(&body)?;
        match super::alert_reuse::decode_reusing(&body.bytes, held) {
            Ok(alerts) => Ok(alerts),
            // The plain decode fails at the same place and names its JSON path.
            Err(_) => self
                .transport
                .decode::<Vec<Alert>>(&body)
                .map(|alerts| alerts.into_iter().map(std::sync::Arc::new).collect()),
        }
    }

    /// The alerts exactly as Alertmanager sent them, for printing as JSON without a decode and
    /// re-encode (with 10,000 alerts that is most of the command's time). The body is checked
    /// to be one JSON array; anything else is reported as `alerts` would report it.
    pub async fn alerts_raw(&self, q: &AlertQuery) -> Result<bytes::Bytes, SourceError> {
        let rb = self
            .transport
            .request(Method::GET, "api/v2/alerts")
            .query(&q.params());
        let body = self.transport.send(rb).await?;
        check_status(&body)?;
        // Valid JSON cannot hold raw control characters in strings, so the bytes are as safe
        // to print as a re-encoding would be.
        if serde_json::from_slice::<Vec<serde::de::IgnoredAny>>(&body.bytes).is_err() {
            // Let the typed decode name the problem.
            let _: Vec<Alert> = self.transport.decode(&body)?;
        }
        Ok(body.bytes)
    }

    /// The alert list's body with its status checked, not decoded: for a caller that decodes
    /// only what it prints, borrowing from the body ([`decode_alert_rows`]).
    pub async fn alerts_body(&self, q: &AlertQuery) -> Result<Body, SourceError> {
        let rb = self
            .transport
            .request(Method::GET, "api/v2/alerts")
            .query(&q.params());
        let body = self.transport.send(rb).await?;
        check_status(&body)?;
        Ok(body)
    }

    pub async fn alert_groups(&self, q: &AlertQuery) -> Result<Vec<AlertGroup>, SourceError> {
        let rb = self
            .transport
            .request(Method::GET, "api/v2/alerts/groups")
            .query(&q.params());
        self.get_json(rb).await
    }

    pub async fn post_alerts(&self, alerts: &[PostableAlert]) -> Result<(), SourceError> {
        let rb = self
            .transport
            .request(Method::POST, "api/v2/alerts")
            .json(alerts);
        self.expect_ok(rb).await
    }

    /// Silences whose own matchers equal `filter` (not: silences that would mute alerts with
    /// these labels). Empty `filter` lists all, expired included.
    pub async fn silences(&self, filter: &[Matcher]) -> Result<Vec<Silence>, SourceError> {
        let params: Vec<(&str, String)> = filter
            .iter()
            .map(|m| ("filter", m.to_filter_param()))
            .collect();
        let rb = self
            .transport
            .request(Method::GET, "api/v2/silences")
            .query(&params);
        self.get_json(rb).await
    }

    /// One silence; an unknown ID is `SourceError::Api` with `status() == Some(404)`.
    pub async fn silence(&self, id: &str) -> Result<Silence, SourceError> {
        let id = checked_id(id)?;
        self.get_json(
            self.transport
                .request(Method::GET, &format!("api/v2/silence/{id}")),
        )
        .await
        .map_err(|e| not_found_names_the_silence(e, id))
    }

    /// Create a silence; returns its ID. Any `id` in `s` is ignored: this never updates.
    pub async fn create_silence(&self, s: &PostableSilence) -> Result<String, SourceError> {
        let body = PostableSilence {
            id: None,
            ..s.clone()
        };
        self.post_silence(&body).await
    }

    /// Update the silence `s.id`. Alertmanager keeps the ID only when it can update in place,
    /// otherwise it creates a new silence and expires the old one: the ID
    /// returned is the one to use from now on.
    pub async fn update_silence(&self, s: &PostableSilence) -> Result<String, SourceError> {
        match &s.id {
            Some(id) => {
                checked_id(id)?;
            }
            None => {
                return Err(SourceError::Invalid {
                    kind: SourceKind::Alertmanager,
                    detail: "updating a silence needs its ID; use create_silence for a new one"
                        .into(),
                })
            }
        }
        self.post_silence(s).await
    }

    /// Move the end of `s` to `new_end`, keeping matchers and start. Returns the ID
    /// Alertmanager answered, which is new when the silence had to be replaced.
    pub async fn extend_silence(
        &self,
        s: &Silence,
        new_end: DateTime<Utc>,
    ) -> Result<String, SourceError> {
        self.update_silence(&s.extended_to(new_end)).await
    }

    /// Expire a silence now (it stays visible as expired until retention passes).
    pub async fn expire_silence(&self, id: &str) -> Result<(), SourceError> {
        let id = checked_id(id)?;
        self.expect_ok(
            self.transport
                .request(Method::DELETE, &format!("api/v2/silence/{id}")),
        )
        .await
        .map_err(|e| not_found_names_the_silence(e, id))
    }

    async fn post_silence(&self, s: &PostableSilence) -> Result<String, SourceError> {
        let rb = self
            .transport
            .request(Method::POST, "api/v2/silences")
            .json(s);
        let answer: SilenceId = self.get_json(rb).await?;
        if answer.silence_id.is_empty() {
            // Never report a silence as made without an ID.
            return Err(SourceError::Decode {
                kind: SourceKind::Alertmanager,
                url: redacted(&self.transport, "api/v2/silences"),
                path: "silenceID".into(),
                detail: "empty silence ID".into(),
            });
        }
        Ok(answer.silence_id)
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        rb: reqwest::RequestBuilder,
    ) -> Result<T, SourceError> {
        let body = self.transport.send(rb).await?;
        check_status(&body)?;
        self.transport.decode(&body)
    }

    async fn expect_ok(&self, rb: reqwest::RequestBuilder) -> Result<(), SourceError> {
        let body = self.transport.send(rb).await?;
        check_status(&body)
    }
}

/// Alertmanager answers an unknown silence ID with a bare 404: say which silence.
fn not_found_names_the_silence(e: SourceError, id: &str) -> SourceError {
    match e {
        SourceError::Api {
            kind,
            url,
            status: 404,
            ..
        } => SourceError::Api {
            kind,
            url,
            status: 404,
            api: ApiError::Alertmanager {
                message: format!(
                    "no silence with ID {id} on this Alertmanager (`oncall silence ls` lists them)"
                ),
            },
        },
        other => other,
    }
}

fn redacted(t: &Transport, path: &str) -> String {
    super::transport::redact_url(&t.url(path))
}

/// Silence IDs go into the URL path: accept only what a UUID is made of, so an ID read from
/// a file or typed by hand cannot reach another endpoint.
fn checked_id(id: &str) -> Result<&str, SourceError> {
    let id = id.trim();
    if !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        Ok(id)
    } else {
        Err(SourceError::Invalid {
            kind: SourceKind::Alertmanager,
            detail: format!(
                "`{}` is not a silence ID (expected a UUID such as 0f6b0a47-5c1a-4b7c-9e2e-3c2a8b9d1e42; `oncall silence ls` lists them)",
                crate::sanitize::one_line(id)
            ),
        })
    }
}

/// 2xx passes; 401/403 is `Unauthorized`; Alertmanager's own error bodies (a plain string, a
/// JSON string or a JSON object) become `ApiError::Alertmanager`; an HTML page from a proxy
/// is `Status`.
/// The table rows of an [`AlertmanagerClient::alerts_body`] answer, their text borrowed from
/// it. A body that is not an alert list is named with its JSON path, as `alerts` names it.
pub fn decode_alert_rows(body: &Body) -> Result<Vec<AlertRow<'_>>, SourceError> {
    // As in `decode_json`: only a failed decode pays for tracking the path.
    if let Ok(rows) = serde_json::from_slice(&body.bytes) {
        return Ok(rows);
    }
    let de = &mut serde_json::Deserializer::from_slice(&body.bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        SourceError::Decode {
            kind: SourceKind::Alertmanager,
            url: body.url.clone(),
            path: if path.is_empty() { ".".into() } else { path },
            detail: e.inner().to_string(),
        }
    })
}

fn check_status(body: &Body) -> Result<(), SourceError> {
    if (200..300).contains(&body.status) {
        return Ok(());
    }
    let kind = SourceKind::Alertmanager;
    if body.status == 401 || body.status == 403 {
        return Err(SourceError::Unauthorized {
            kind,
            url: body.url.clone(),
            status: body.status,
            detail: body_excerpt(&body.bytes),
        });
    }
    match error_message(body) {
        Some(message) => Err(SourceError::Api {
            kind,
            url: body.url.clone(),
            status: body.status,
            api: ApiError::Alertmanager { message },
        }),
        None => Err(SourceError::Status {
            kind,
            url: body.url.clone(),
            status: body.status,
            body: body_excerpt(&body.bytes),
        }),
    }
}

fn error_message(body: &Body) -> Option<String> {
    let is_html = body
        .headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("html"));
    if is_html {
        return None;
    }
    let text = body.bytes.trim_ascii();
    if text.is_empty() {
        let reason = reqwest::StatusCode::from_u16(body.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("error");
        return Some(format!("{reason} (empty body)"));
    }
    let message = match serde_json::from_slice::<serde_json::Value>(text) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(map)) => ["message", "error", "msg"]
            .iter()
            .find_map(|k| map.get(*k).and_then(|v| v.as_str()).map(str::to_string))
            .unwrap_or_else(|| serde_json::Value::Object(map).to_string()),
        _ => return Some(body_excerpt(text)),
    };
    Some(crate::sanitize::one_line(&message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::matcher::MatchOp;

    fn body(status: u16, text: &str) -> Body {
        Body {
            status,
            headers: Default::default(),
            bytes: bytes::Bytes::copy_from_slice(text.as_bytes()),
            url: "http://am:9093/api/v2/silences".into(),
        }
    }

    #[test]
    fn query_params_quote_every_filter() {
        let q = AlertQuery::firing().with_filter(vec![
            Matcher::eq("alertname", "Disk full"),
            Matcher {
                name: "instance".into(),
                op: MatchOp::Re,
                value: r"a\.b".into(),
            },
        ]);
        assert_eq!(
            q.params(),
            vec![
                ("active", "true".to_string()),
                ("silenced", "false".into()),
                ("inhibited", "false".into()),
                ("unprocessed", "true".into()),
                ("filter", r#"alertname="Disk full""#.into()),
                ("filter", r#"instance=~"a\\.b""#.into()),
            ]
        );
        let all = AlertQuery::default();
        assert!(all.active && all.silenced && all.inhibited && all.unprocessed);
    }

    #[test]
    fn error_bodies_in_each_shape() {
        let e = check_status(&body(400, "\"start time must be before end time\"\n")).unwrap_err();
        let SourceError::Api {
            api: ApiError::Alertmanager { message },
            status: 400,
            ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!(message, "start time must be before end time");

        let e = check_status(&body(400, "bad matcher format: x\n")).unwrap_err();
        assert_eq!(e.short(), "bad matcher format: x");

        let e = check_status(&body(
            422,
            r#"{"code":602,"message":"matchers in body is required"}"#,
        ))
        .unwrap_err();
        assert_eq!(e.short(), "matchers in body is required");

        let e = check_status(&body(404, "")).unwrap_err();
        assert_eq!(e.status(), Some(404));
        assert!(matches!(e, SourceError::Api { .. }));
        assert!(e.short().contains("Not Found"), "{}", e.short());

        let e = check_status(&body(401, "Unauthorized")).unwrap_err();
        assert!(matches!(e, SourceError::Unauthorized { .. }));

        let mut html = body(502, "<html>Bad Gateway</html>");
        html.headers.insert(
            reqwest::header::CONTENT_TYPE,
            "text/html; charset=utf-8".parse().unwrap(),
        );
        assert!(matches!(
            check_status(&html).unwrap_err(),
            SourceError::Status { status: 502, .. }
        ));

        // Escape sequences in an error body never reach the terminal.
        let e = check_status(&body(500, "\"boom\\u001b]0;pwned\\u0007\"")).unwrap_err();
        assert!(!e.to_string().contains('\u{1b}'), "{e}");
        assert!(check_status(&body(200, "")).is_ok());
    }

    #[test]
    fn silence_ids_are_checked_before_reaching_the_path() {
        assert!(checked_id("0f6b0a47-5c1a-4b7c-9e2e-3c2a8b9d1e42").is_ok());
        for bad in ["", "../status", "a/b", "id?x=1", "a b"] {
            let e = checked_id(bad).unwrap_err();
            assert!(matches!(e, SourceError::Invalid { .. }), "{bad}");
        }
    }

    #[test]
    fn decodes_status_from_0_25_and_newer() {
        let s: AmStatus = serde_json::from_str(
            r#"{"cluster":{"name":"01HZX","peers":[{"address":"10.0.0.2:9094","name":"01HZX"}],"status":"ready"},
                "config":{"original":"global:\n  smtp_auth_password: <secret>\n"},
                "uptime":"2026-08-20T10:00:00.000Z",
                "versionInfo":{"branch":"debian/sid","buildDate":"20230120","buildUser":"team+pkg-go@tracker.debian.org","goVersion":"go1.19.5","revision":"0.25.0+ds-1","version":"0.25.0+ds"}}"#,
        )
        .unwrap();
        assert_eq!(s.cluster.status, ClusterState::Ready);
        assert_eq!(s.cluster.peers[0].address, "10.0.0.2:9094");
        assert_eq!(s.version(), Some((0, 25, 0)));
        assert!(s.at_least(0, 22) && !s.at_least(0, 32));
        let disabled: AmStatus = serde_json::from_str(
            r#"{"cluster":{"peers":[],"status":"disabled"},"uptime":"2026-08-20T10:00:00Z","versionInfo":{"version":"v0.27.0-rc.1"}}"#,
        )
        .unwrap();
        assert_eq!(disabled.cluster.name, None);
        assert_eq!(disabled.version(), Some((0, 27, 0)));
        assert_eq!(parse_version("main"), None);
    }

    #[test]
    fn alert_rows_decode_borrowing_and_name_a_bad_field() {
        let body = |json: &str| Body {
            status: 200,
            headers: Default::default(),
            bytes: bytes::Bytes::from(json.to_string()),
            url: "http://am/api/v2/alerts".into(),
        };
        let ok = body(
            r#"[{"labels":{"alertname":"A"},"fingerprint":"f1","startsAt":"2026-08-20T09:00:00Z","status":{"state":"active"}}]"#,
        );
        let rows = decode_alert_rows(&ok).unwrap();
        assert_eq!(rows[0].alertname(), "A");
        let bad = body(
            r#"[{"labels":{"alertname":"A"},"fingerprint":"f1","startsAt":"yesterday","status":{"state":"active"}}]"#,
        );
        match decode_alert_rows(&bad).unwrap_err() {
            SourceError::Decode { path, url, .. } => {
                assert_eq!(path, "[0].startsAt");
                assert_eq!(url, "http://am/api/v2/alerts");
            }
            other => panic!("{other:?}"),
        }
    }

    mod http {
        use super::super::*;
        use crate::model::silence::SilenceState;
        use crate::sources::test_server::{Reply, TestServer};
        use std::time::Duration;

        const ALERT: &str = r#"{"annotations":{"summary":"s"},"endsAt":"2026-11-21T22:21:30.327Z","fingerprint":"4a70cfed91c5789c","receivers":[{"name":"default"}],"startsAt":"2026-11-21T22:16:30.327Z","status":{"inhibitedBy":[],"silencedBy":[],"state":"active"},"updatedAt":"2026-11-21T22:16:30.327Z","labels":{"alertname":"Foo","severity":"critical"}}"#;
        const SILENCE: &str = r#"{"id":"11111111-1111-4111-8111-111111111111","matchers":[{"name":"alertname","value":"Foo","isRegex":false,"isEqual":true}],"startsAt":"2026-11-21T22:00:00.000Z","endsAt":"2026-11-21T23:00:00.000Z","createdBy":"alice","comment":"deploy","status":{"state":"active"},"updatedAt":"2026-11-21T22:00:00.000Z"}"#;
        const NEW_ID: &str = "22222222-2222-4222-8222-222222222222";

        async fn server() -> (TestServer, AlertmanagerClient) {
            let server = TestServer::start(Duration::ZERO, |req| match (req.method.as_str(), req.path.as_str()) {
                ("GET", "/am/api/v2/alerts") => Reply::json(200, format!("[{ALERT}]")),
                ("GET", "/am/api/v2/alerts/groups") => Reply::json(
                    200,
                    format!(r#"[{{"alerts":[{ALERT}],"labels":{{"alertname":"Foo"}},"receiver":{{"name":"default"}}}}]"#),
                ),
                ("POST", "/am/api/v2/alerts") => Reply::json(200, ""),
                ("GET", "/am/api/v2/silences") => Reply::json(200, format!("[{SILENCE}]")),
                ("GET", "/am/api/v2/silence/11111111-1111-4111-8111-111111111111") => Reply::json(200, SILENCE),
                ("DELETE", "/am/api/v2/silence/11111111-1111-4111-8111-111111111111") => Reply::json(200, ""),
                ("GET" | "DELETE", p) if p.starts_with("/am/api/v2/silence/") => Reply {
                    status: 404,
                    headers: vec![],
                    body: String::new(),
                },
                ("POST", "/am/api/v2/silences") => {
                    let body = req.json();
                    if body["endsAt"].as_str() < body["startsAt"].as_str() {
                        return Reply::json(400, r#""start time must be before end time""#);
                    }
                    // Like Alertmanager when it cannot update in place: a new ID.
                    let id = if body.get("id").is_some() { NEW_ID } else { "33333333-3333-4333-8333-333333333333" };
                    Reply::json(200, format!(r#"{{"silenceID":"{id}"}}"#))
                }
                _ => Reply::json(404, r#""not found""#),
            })
            .await;
            let c =
                AlertmanagerClient::new(Endpoint::new(server.url.join("am/").unwrap())).unwrap();
            (server, c)
        }

        #[tokio::test]
        async fn alerts_raw_passes_the_body_through_and_rejects_a_non_array() {
            let (_server, c) = server().await;
            let raw = c.alerts_raw(&AlertQuery::firing()).await.unwrap();
            assert_eq!(&raw[..], format!("[{ALERT}]").as_bytes());

            let proxy = TestServer::start(Duration::ZERO, |_| {
                Reply::json(200, "<html>log in to the proxy</html>")
            })
            .await;
            let c = AlertmanagerClient::new(Endpoint::new(proxy.url.clone())).unwrap();
            let err = c.alerts_raw(&AlertQuery::firing()).await.unwrap_err();
            assert!(matches!(err, SourceError::Decode { .. }), "{err:?}");
        }

        #[tokio::test]
        async fn alerts_and_groups_send_the_query_and_filters() {
            let (server, c) = server().await;
            let q = AlertQuery::firing()
                .with_filter(vec![Matcher::parse(r#"alertname="Disk full""#).unwrap()]);
            let alerts = c.alerts(&q).await.unwrap();
            assert_eq!(alerts[0].fingerprint, "4a70cfed91c5789c");
            let groups = c.alert_groups(&AlertQuery::default()).await.unwrap();
            assert_eq!(groups[0].alerts.len(), 1);
            let reqs = server.requests();
            assert_eq!(reqs[0].param("silenced"), Some("false"));
            assert_eq!(reqs[0].param("inhibited"), Some("false"));
            assert_eq!(reqs[0].params("filter"), vec![r#"alertname="Disk full""#]);
            assert_eq!(reqs[1].param("silenced"), Some("true"));
        }

        #[tokio::test]
        async fn silences_create_update_extend_expire() {
            let (server, c) = server().await;
            let list = c
                .silences(&[Matcher::eq("alertname", "Foo")])
                .await
                .unwrap();
            assert_eq!(list[0].status, SilenceState::Active);
            let s = c.silence(&list[0].id).await.unwrap();

            // Create: never sends an id, even when the caller left one in.
            let mut body = s.extended_to("2026-11-22T00:00:00Z".parse().unwrap());
            let created = c.create_silence(&body).await.unwrap();
            assert_eq!(created, "33333333-3333-4333-8333-333333333333");

            // Update and extend adopt whatever ID Alertmanager answers.
            assert_eq!(c.update_silence(&body).await.unwrap(), NEW_ID);
            let new_end = "2026-11-22T01:00:00Z".parse().unwrap();
            assert_eq!(c.extend_silence(&s, new_end).await.unwrap(), NEW_ID);
            body.id = None;
            assert!(matches!(
                c.update_silence(&body).await,
                Err(SourceError::Invalid { .. })
            ));

            c.expire_silence(&s.id).await.unwrap();

            let reqs = server.requests();
            assert_eq!(reqs[0].params("filter"), vec![r#"alertname="Foo""#]);
            let create = reqs[2].json();
            assert!(create.get("id").is_none(), "{create}");
            assert_eq!(
                create["matchers"][0],
                serde_json::json!({"name":"alertname","value":"Foo","isRegex":false,"isEqual":true})
            );
            let extend = reqs[4].json();
            assert_eq!(extend["id"], s.id.as_str());
            assert_eq!(
                extend["startsAt"], "2026-11-21T22:00:00Z",
                "extend keeps startsAt"
            );
            assert_eq!(extend["endsAt"], "2026-11-22T01:00:00Z");
            assert_eq!(extend["createdBy"], "alice");
            assert_eq!(reqs[5].method, Method::DELETE);
            assert_eq!(reqs[5].path, format!("/am/api/v2/silence/{}", s.id));
        }

        #[tokio::test]
        async fn unknown_silence_is_a_404_api_error_that_names_it() {
            let (_server, c) = server().await;
            let id = "99999999-9999-4999-8999-999999999999";
            let e = c.silence(id).await.unwrap_err();
            assert_eq!(e.status(), Some(404));
            assert!(matches!(e, SourceError::Api { .. }));
            assert!(e.short().contains(id), "{}", e.short());
            assert_eq!(c.expire_silence(id).await.unwrap_err().status(), Some(404));
            assert!(matches!(
                c.silence("../status").await,
                Err(SourceError::Invalid { .. })
            ));
        }

        #[tokio::test]
        async fn validation_errors_carry_alertmanagers_message() {
            let (_server, c) = server().await;
            let s: Silence = serde_json::from_str(SILENCE).unwrap();
            let backwards = PostableSilence {
                ends_at: "2026-11-21T21:00:00Z".parse().unwrap(),
                ..s.extended_to(s.ends_at)
            };
            let e = c.create_silence(&backwards).await.unwrap_err();
            assert_eq!(e.status(), Some(400));
            assert_eq!(e.short(), "start time must be before end time");
        }

        #[tokio::test]
        async fn post_alerts_sends_the_postable_shape() {
            let (server, c) = server().await;
            let alert = PostableAlert {
                labels: [("alertname".to_string(), "Test".to_string())].into(),
                ..Default::default()
            };
            c.post_alerts(&[alert]).await.unwrap();
            let req = &server.requests()[0];
            assert_eq!(req.header("content-type"), Some("application/json"));
            assert_eq!(
                req.json(),
                serde_json::json!([{"labels":{"alertname":"Test"}}])
            );
        }
    }
}

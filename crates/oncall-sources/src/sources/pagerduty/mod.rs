//! PagerDuty REST API v2: incidents, bulk acknowledge/resolve, on-calls, the current user,
//! an incident's alerts.
//!
//! PagerDuty asks clients to send one request at a time per token and to honour
//! `ratelimit-reset` on 429: every request of a client (and its clones) goes
//! through one lock, and 429s are retried here.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, OnceCell};

use super::error::{ApiError, SourceError};
use super::transport::{body_excerpt, Body, Endpoint, SourceKind, Transport};
use crate::model::incident::{Incident, IncidentStatus, OnCall, PdAlert, Urgency, User};

const ACCEPT_V2: &str = "application/vnd.pagerduty+json;version=2";
/// `limit` per page; PagerDuty's maximum.
const PAGE_LIMIT: usize = 100;
/// PagerDuty refuses `offset + limit` above this.
const OFFSET_CAP: usize = 10_000;
/// At most this many incidents per `PUT /incidents` (more is a 413).
pub const BULK_CHUNK: usize = 250;
/// Requests made for one call before giving up on 429s.
const MAX_ATTEMPTS: u32 = 4;
/// Longest wait honoured from `ratelimit-reset`.
const MAX_RESET_WAIT: Duration = Duration::from_secs(60);

/// Which incidents to list. Empty lists mean "no filter".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IncidentQuery {
    pub statuses: Vec<IncidentStatus>,
    pub urgencies: Vec<Urgency>,
    pub user_ids: Vec<String>,
    pub service_ids: Vec<String>,
    pub incident_key: Option<String>,
    /// Only incidents assigned to the token's user (resolved through `users/me`).
    pub mine: bool,
}

impl IncidentQuery {
    /// Triggered and acknowledged: what is open now.
    pub fn open() -> Self {
        IncidentQuery {
            statuses: vec![IncidentStatus::Triggered, IncidentStatus::Acknowledged],
            ..Default::default()
        }
    }

    fn params(&self, user_ids: &[String]) -> Vec<(&'static str, String)> {
        let mut p: Vec<(&'static str, String)> = Vec::new();
        p.extend(
            self.statuses
                .iter()
                .map(|s| ("statuses[]", s.as_str().to_string())),
        );
        p.extend(
            self.urgencies
                .iter()
                .map(|u| ("urgencies[]", u.as_str().to_string())),
        );
        p.extend(user_ids.iter().map(|u| ("user_ids[]", u.clone())));
        p.extend(
            self.service_ids
                .iter()
                .map(|s| ("service_ids[]", s.clone())),
        );
        if let Some(k) = &self.incident_key {
            p.push(("incident_key", k.clone()));
        }
        // Full service objects carry `acknowledgement_timeout`, for the ack countdown.
        p.push(("include[]", "services".into()));
        // Without a date range PagerDuty looks back one month only; an incident opened five
        // weeks ago and still open must not vanish. Open-only queries are small, so ask for all.
        let open_only =
            !self.statuses.is_empty() && !self.statuses.contains(&IncidentStatus::Resolved);
        if open_only {
            p.push(("date_range", "all".into()));
        }
        p
    }
}

/// The incidents found. `truncated` is set when PagerDuty had more than its 10,000
/// `offset + limit` cap lets anyone page through: narrow the query to see the rest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IncidentPage {
    pub incidents: Vec<Incident>,
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OnCallQuery {
    pub escalation_policy_ids: Vec<String>,
    /// Only the earliest on-call per (policy, level, user): who is on call now / next.
    pub earliest: bool,
}

/// What a bulk acknowledge or resolve did, per incident ID.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BulkOutcome {
    pub done: Vec<String>,
    /// Already acknowledged / resolved (PagerDuty codes 1001, 1002): nothing to do.
    pub already: Vec<String>,
    /// `(id, why)`.
    pub failed: Vec<(String, String)>,
}

impl BulkOutcome {
    pub fn is_success(&self) -> bool {
        self.failed.is_empty()
    }
}

/// A PagerDuty REST client. Clones share the request lock and the cached `users/me`.
#[derive(Clone)]
pub struct PagerDutyClient {
    transport: Transport,
    from: Option<String>,
    /// One request at a time per token, as PagerDuty asks.
    gate: Arc<Mutex<()>>,
    me: Arc<OnceCell<User>>,
    /// Unit of the 1 s, 2 s, 4 s back-off when a 429 carries no `ratelimit-reset`.
    backoff_unit: Duration,
}

impl fmt::Debug for PagerDutyClient {
    // `From` is an email address: keep it out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PagerDutyClient")
            .field("transport", &self.transport)
            .field("from", &self.from.as_ref().map(|_| "<set>"))
            .finish()
    }
}

#[derive(Deserialize)]
struct Paged<T> {
    #[serde(flatten)]
    items: T,
    #[serde(default)]
    more: bool,
}

#[derive(Deserialize)]
struct IncidentsField {
    // No default: an answer without its list is an error, never "none".
    incidents: Vec<Incident>,
}

#[derive(Deserialize)]
struct OnCallsField {
    // No default: an answer without its list is an error, never "none".
    oncalls: Vec<OnCall>,
}

#[derive(Deserialize)]
struct AlertsField {
    // No default: an answer without its list is an error, never "none".
    alerts: Vec<PdAlert>,
}

#[derive(Deserialize)]
struct IncidentField {
    incident: Incident,
}

#[derive(Deserialize)]
struct UserField {
    user: User,
}

#[derive(Serialize)]
struct BulkBody<'a> {
    incidents: Vec<BulkItem<'a>>,
}

#[derive(Serialize)]
struct BulkItem<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    status: &'static str,
}

#[derive(Deserialize)]
struct BulkAnswer {
    incidents: Vec<IdOnly>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

#[derive(Deserialize)]
struct PdErrorBody {
    error: PdError,
}

#[derive(Deserialize)]
struct PdError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    errors: Vec<String>,
}

impl PagerDutyClient {
    /// `endpoint.auth` should be `Auth::PagerDutyToken` (API keys) or `Auth::Bearer` (OAuth).
    /// `from` is the email sent as `From` on writes; when `None` it is read from `users/me`.
    pub fn new(endpoint: Endpoint, from: Option<String>) -> Result<Self, SourceError> {
        Ok(PagerDutyClient {
            transport: Transport::new(endpoint, SourceKind::PagerDuty)?,
            from: from.map(|f| f.trim().to_string()).filter(|f| !f.is_empty()),
            gate: Arc::new(Mutex::new(())),
            me: Arc::new(OnceCell::new()),
            backoff_unit: Duration::from_secs(1),
        })
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The user the token belongs to (`GET /users/me`); cached after the first success.
    /// Account-level keys have no user and get an error.
    pub async fn me(&self) -> Result<User, SourceError> {
        let user = self
            .me
            .get_or_try_init(|| async {
                let body = self.send(Method::GET, "users/me", &[], None).await?;
                let answer: UserField = self.decode(&body)?;
                Ok::<_, SourceError>(answer.user)
            })
            .await?;
        Ok(user.clone())
    }

    /// Incidents matching `q`, all pages (`limit=100`, `offset`, `more`) up to PagerDuty's
    /// 10,000 cap; `truncated` says when the cap cut the list.
    pub async fn incidents(&self, q: &IncidentQuery) -> Result<IncidentPage, SourceError> {
        let mut user_ids = q.user_ids.clone();
        if q.mine {
            let me = self
                .me()
                .await
                .map_err(|e| self.explain_me_failure(e, "--mine needs to know who you are"))?;
            if !user_ids.contains(&me.id) {
                user_ids.push(me.id);
            }
        }
        let params = q.params(&user_ids);
        let (items, truncated) = self
            .paginate("incidents", &params, |f: IncidentsField| f.incidents)
            .await?;
        Ok(IncidentPage {
            incidents: items,
            truncated,
        })
    }

    pub async fn acknowledge(&self, ids: &[String]) -> Result<BulkOutcome, SourceError> {
        self.bulk_status(ids, IncidentStatus::Acknowledged).await
    }

    pub async fn resolve(&self, ids: &[String]) -> Result<BulkOutcome, SourceError> {
        self.bulk_status(ids, IncidentStatus::Resolved).await
    }

    pub async fn oncalls(&self, q: &OnCallQuery) -> Result<Vec<OnCall>, SourceError> {
        let mut params: Vec<(&'static str, String)> = q
            .escalation_policy_ids
            .iter()
            .map(|id| ("escalation_policy_ids[]", id.clone()))
            .collect();
        if q.earliest {
            params.push(("earliest", "true".into()));
        }
        let (items, _) = self
            .paginate("oncalls", &params, |f: OnCallsField| f.oncalls)
            .await?;
        Ok(items)
    }

    /// One incident (`GET /incidents/{id}`), e.g. to see what a write did.
    pub async fn incident(&self, incident_id: &str) -> Result<Incident, SourceError> {
        let id = checked_id(incident_id)?;
        let body = self
            .send(Method::GET, &format!("incidents/{id}"), &[], None)
            .await?;
        let field: IncidentField = self.decode(&body)?;
        Ok(field.incident)
    }

    pub async fn incident_alerts(&self, incident_id: &str) -> Result<Vec<PdAlert>, SourceError> {
        let id = checked_id(incident_id)?;
        let (items, _) = self
            .paginate(&format!("incidents/{id}/alerts"), &[], |f: AlertsField| {
                f.alerts
            })
            .await?;
        Ok(items)
    }

    /// The `From` email for writes: configured, else the token's user.
    async fn sender_email(&self) -> Result<String, SourceError> {
        if let Some(f) = &self.from {
            return Ok(f.clone());
        }
        let me = self.me().await.map_err(|e| {
            self.explain_me_failure(e, "acknowledging or resolving needs a `From` email")
        })?;
        if me.email.is_empty() {
            return Err(missing_from("users/me returned no email"));
        }
        Ok(me.email)
    }

    /// `users/me` fails for account-level keys: say what to configure instead. Network and
    /// credential failures stay what they are.
    fn explain_me_failure(&self, e: SourceError, why: &str) -> SourceError {
        match e {
            SourceError::Api { api, .. } => {
                missing_from(&format!("{why}, and users/me could not tell ({api})"))
            }
            other => other,
        }
    }

    async fn bulk_status(
        &self,
        ids: &[String],
        status: IncidentStatus,
    ) -> Result<BulkOutcome, SourceError> {
        let mut outcome = BulkOutcome::default();
        if ids.is_empty() {
            return Ok(outcome);
        }
        for id in ids {
            checked_id(id)?;
        }
        // The same ID twice in one request is refused by PagerDuty; once is enough.
        let mut seen = HashSet::new();
        let ids: Vec<String> = ids
            .iter()
            .filter(|id| seen.insert(id.as_str()))
            .cloned()
            .collect();
        let from = self.sender_email().await?;
        let chunks: Vec<&[String]> = ids.chunks(BULK_CHUNK).collect();
        for (n, chunk) in chunks.iter().enumerate() {
            match self.put_chunk(chunk, status, &from).await {
                Ok(done) => {
                    let confirmed: HashSet<&str> = done.iter().map(String::as_str).collect();
                    for id in chunk.iter() {
                        if confirmed.contains(id.as_str()) {
                            outcome.done.push(id.clone());
                        } else {
                            outcome.failed.push((
                                id.clone(),
                                "PagerDuty's answer did not include this incident".into(),
                            ));
                        }
                    }
                }
                Err(e) if already_code(&e) && chunk.len() == 1 => {
                    outcome.already.push(chunk[0].clone())
                }
                Err(e) if already_code(&e) => {
                    // Which incident was already done is not said: ask one by one.
                    for id in chunk.iter() {
                        match self
                            .put_chunk(std::slice::from_ref(id), status, &from)
                            .await
                        {
                            Ok(_) => outcome.done.push(id.clone()),
                            Err(e) if already_code(&e) => outcome.already.push(id.clone()),
                            Err(e @ SourceError::Api { .. }) => {
                                outcome.failed.push((id.clone(), e.short()))
                            }
                            Err(e) => return self.abort(outcome, e, &chunks[n..]),
                        }
                    }
                }
                Err(e @ SourceError::Api { .. }) => {
                    let why = e.short();
                    outcome
                        .failed
                        .extend(chunk.iter().map(|id| (id.clone(), why.clone())));
                }
                Err(e) => return self.abort(outcome, e, &chunks[n..]),
            }
        }
        Ok(outcome)
    }

    /// A failure that is not about particular incidents (network, credentials, rate limit):
    /// an error when nothing happened yet, otherwise the rest is marked failed so what was
    /// already done is not lost.
    fn abort(
        &self,
        mut outcome: BulkOutcome,
        e: SourceError,
        rest: &[&[String]],
    ) -> Result<BulkOutcome, SourceError> {
        if outcome.done.is_empty() && outcome.already.is_empty() && outcome.failed.is_empty() {
            return Err(e);
        }
        let why = e.to_string();
        let seen: HashSet<String> = outcome
            .done
            .iter()
            .chain(outcome.already.iter())
            .chain(outcome.failed.iter().map(|(id, _)| id))
            .cloned()
            .collect();
        for id in rest.iter().flat_map(|c| c.iter()) {
            if !seen.contains(id) {
                outcome.failed.push((id.clone(), why.clone()));
            }
        }
        Ok(outcome)
    }

    /// One `PUT /incidents`; the IDs PagerDuty confirmed.
    async fn put_chunk(
        &self,
        chunk: &[String],
        status: IncidentStatus,
        from: &str,
    ) -> Result<Vec<String>, SourceError> {
        let body = bulk_body(chunk, status);
        let json = serde_json::to_vec(&body).map_err(|e| SourceError::Setup {
            kind: SourceKind::PagerDuty,
            detail: format!("could not encode the request: {e}"),
        })?;
        let answer = self
            .send(Method::PUT, "incidents", &[], Some((json, from)))
            .await?;
        let decoded: BulkAnswer = self.decode(&answer)?;
        Ok(decoded.incidents.into_iter().map(|i| i.id).collect())
    }

    async fn paginate<F, T>(
        &self,
        path: &str,
        params: &[(&'static str, String)],
        take: impl Fn(F) -> Vec<T>,
    ) -> Result<(Vec<T>, bool), SourceError>
    where
        F: DeserializeOwned,
    {
        let mut out = Vec::new();
        // Offsets restart at 0 for every query (srepd#24).
        let mut offset = 0usize;
        loop {
            let mut p = params.to_vec();
            p.push(("limit", PAGE_LIMIT.to_string()));
            p.push(("offset", offset.to_string()));
            let body = self.send(Method::GET, path, &p, None).await?;
            let page: Paged<F> = self.decode(&body)?;
            let items = take(page.items);
            let got = items.len();
            out.extend(items);
            if !page.more || got == 0 {
                return Ok((out, false));
            }
            offset += got;
            if offset + PAGE_LIMIT > OFFSET_CAP {
                return Ok((out, true));
            }
        }
    }

    fn decode<T: DeserializeOwned>(&self, body: &Body) -> Result<T, SourceError> {
        self.transport.decode(body)
    }

    /// One request, serialized with every other request of this client, retried on 429.
    /// `write` carries the JSON body and the `From` email. Non-2xx answers become errors.
    async fn send(
        &self,
        method: Method,
        path: &str,
        params: &[(&'static str, String)],
        write: Option<(Vec<u8>, &str)>,
    ) -> Result<Body, SourceError> {
        let _turn = self.gate.lock().await;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut rb = self
                .transport
                .request(method.clone(), path)
                .header(ACCEPT, HeaderValue::from_static(ACCEPT_V2));
            if !params.is_empty() {
                rb = rb.query(params);
            }
            if let Some((json, from)) = &write {
                let mut from_value = HeaderValue::from_str(from).map_err(|_| {
                    missing_from(
                        "the configured `from` email has characters HTTP headers cannot carry",
                    )
                })?;
                from_value.set_sensitive(true);
                rb = rb
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .header("From", from_value)
                    .body(json.clone());
            }
            let body = self.transport.send(rb).await?;
            if body.status == 429 {
                if attempt >= MAX_ATTEMPTS {
                    return Err(SourceError::RateLimited {
                        kind: SourceKind::PagerDuty,
                        url: body.url,
                        attempts: attempt,
                    });
                }
                tokio::time::sleep(retry_wait(&body, attempt, self.backoff_unit)).await;
                continue;
            }
            check_status(&body)?;
            return Ok(body);
        }
    }
}

fn bulk_body(chunk: &[String], status: IncidentStatus) -> BulkBody<'_> {
    BulkBody {
        incidents: chunk
            .iter()
            .map(|id| BulkItem {
                id,
                kind: "incident_reference",
                status: status.as_str(),
            })
            .collect(),
    }
}

fn missing_from(why: &str) -> SourceError {
    SourceError::Invalid {
        kind: SourceKind::PagerDuty,
        detail: format!(
            "{why}. Set `from` (your PagerDuty login email) in the pagerduty section of the config, or ONCALL_PAGERDUTY_FROM"
        ),
    }
}

/// How long to wait after the `attempt`-th 429: `ratelimit-reset` (or `retry-after`) seconds,
/// capped at a minute, else 1, 2, 4 units.
fn retry_wait(body: &Body, attempt: u32, unit: Duration) -> Duration {
    let header_secs = ["ratelimit-reset", "retry-after"].iter().find_map(|h| {
        body.headers
            .get(*h)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
    });
    match header_secs {
        Some(s) => Duration::from_secs_f64(s.min(MAX_RESET_WAIT.as_secs_f64())),
        None => unit * 2u32.saturating_pow(attempt.saturating_sub(1)),
    }
}

/// PagerDuty IDs (`PT4KHLK`) go into paths: letters and digits only.
fn checked_id(id: &str) -> Result<&str, SourceError> {
    if !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(id)
    } else {
        Err(SourceError::Invalid {
            kind: SourceKind::PagerDuty,
            detail: format!(
                "`{}` is not a PagerDuty incident ID (letters and digits, e.g. PT4KHLK; `oncall incidents` lists them)",
                crate::sanitize::one_line(id)
            ),
        })
    }
}

/// 1001 (already resolved) or 1002 (already acknowledged).
fn already_code(e: &SourceError) -> bool {
    matches!(
        e,
        SourceError::Api {
            api: ApiError::PagerDuty {
                code: Some(1001 | 1002),
                ..
            },
            ..
        }
    )
}

fn check_status(body: &Body) -> Result<(), SourceError> {
    if (200..300).contains(&body.status) {
        return Ok(());
    }
    let kind = SourceKind::PagerDuty;
    let api = serde_json::from_slice::<PdErrorBody>(&body.bytes)
        .ok()
        .map(|b| ApiError::PagerDuty {
            code: b.error.code,
            message: crate::sanitize::one_line(&b.error.message),
            errors: b
                .error
                .errors
                .iter()
                .map(|e| crate::sanitize::one_line(e))
                .collect(),
        });
    if body.status == 401 || body.status == 403 {
        return Err(SourceError::Unauthorized {
            kind,
            url: body.url.clone(),
            status: body.status,
            detail: api
                .map(|a| a.to_string())
                .unwrap_or_else(|| body_excerpt(&body.bytes)),
        });
    }
    Err(match api {
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
    })
}

mod timeline;
pub use timeline::MAX_SNOOZE_SECS;

#[cfg(test)]
mod tests;

//! One error type for every backend call. Each variant's message names the backend, the
//! URL (without credentials), what went wrong and, where there is one, the fix.

use std::time::Duration;

use super::transport::SourceKind;

/// The error body a backend returned, decoded into its own shape.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// Prometheus' envelope: `{"status":"error","errorType":"bad_data","error":"..."}`.
    Prometheus { error_type: String, error: String },
    /// Alertmanager answers errors with a plain string (or a JSON string) body.
    Alertmanager { message: String },
    /// PagerDuty's `{"error":{"message","code","errors":[...]}}`.
    PagerDuty {
        code: Option<i64>,
        message: String,
        errors: Vec<String>,
    },
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Prometheus { error_type, error } => write!(f, "{error_type}: {error}"),
            ApiError::Alertmanager { message } => f.write_str(message),
            ApiError::PagerDuty {
                code,
                message,
                errors,
            } => {
                if let Some(code) = code {
                    write!(f, "{message} (code {code})")?;
                } else {
                    f.write_str(message)?;
                }
                if !errors.is_empty() {
                    write!(f, ": {}", errors.join("; "))?;
                }
                Ok(())
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{kind} at {url} could not be reached: {detail}. Check that it is running and that the URL in your config (or {env}) is right")]
    Connect {
        kind: SourceKind,
        url: String,
        detail: String,
        env: &'static str,
        /// The request had been sent when the connection failed: it may have been applied.
        sent: bool,
    },

    #[error("{kind} at {url} did not answer within {after:?}. It may be overloaded; raise `timeout` for this context if it is just slow")]
    Timeout {
        kind: SourceKind,
        url: String,
        after: Duration,
        /// The request had been sent (the connection was made): it may have been applied.
        sent: bool,
    },

    #[error("TLS to {kind} at {url} failed: {detail}. {fix}")]
    Tls {
        kind: SourceKind,
        url: String,
        detail: String,
        /// What to change, for this failure (see `transport::tls_fix`).
        fix: String,
    },

    #[error("{kind} at {url} refused the credentials (HTTP {status}): {detail}. Check the token or password source for this context (`oncall config show`)")]
    Unauthorized {
        kind: SourceKind,
        url: String,
        status: u16,
        detail: String,
    },

    #[error("{kind} at {url} answered HTTP {status}: {api}")]
    Api {
        kind: SourceKind,
        url: String,
        status: u16,
        api: ApiError,
    },

    #[error("{kind} at {url} answered HTTP {status}: {body}")]
    Status {
        kind: SourceKind,
        url: String,
        status: u16,
        body: String,
    },

    #[error("{kind} at {url} sent a response oncall could not read, at `{path}`: {detail}. Is the URL pointing at {kind} itself (not a login page or a proxy)?")]
    Decode {
        kind: SourceKind,
        url: String,
        path: String,
        detail: String,
    },

    #[error("{kind} at {url} sent more than {limit} bytes; oncall stopped reading. Narrow the request (matchers, range) or raise `max_body_bytes`")]
    TooLarge {
        kind: SourceKind,
        url: String,
        limit: usize,
    },

    #[error("{kind} at {url} kept rate-limiting the requests (HTTP 429) after {attempts} attempts; try again in a minute")]
    RateLimited {
        kind: SourceKind,
        url: String,
        attempts: u32,
    },

    #[error("{kind} at {url} redirected (HTTP {status}) to another origin, {to}; oncall does not follow it, so credentials and headers stay with the configured host. If that is where {kind} lives, set the URL in your config (or {env}) to it")]
    Redirect {
        kind: SourceKind,
        url: String,
        status: u16,
        to: String,
        env: &'static str,
    },

    #[error("{kind}: {detail}")]
    Setup { kind: SourceKind, detail: String },

    #[error("{kind}: {detail}")]
    Invalid { kind: SourceKind, detail: String },
}

impl SourceError {
    /// HTTP status the server answered, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            SourceError::Unauthorized { status, .. }
            | SourceError::Redirect { status, .. }
            | SourceError::Api { status, .. }
            | SourceError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether a write that failed with this error may still have been applied: it was
    /// sent and then no answer came (a timeout, a connection lost mid-request). Such an
    /// outcome is unknown until a read says what is true; it must never be retried blindly.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            SourceError::Timeout { sent: true, .. } | SourceError::Connect { sent: true, .. }
        )
    }

    /// The backend's own message, e.g. a PromQL parse error, for drawing inside a panel.
    pub fn short(&self) -> String {
        match self {
            SourceError::Api { api, .. } => api.to_string(),
            SourceError::Status { status, body, .. } => format!("HTTP {status}: {body}"),
            SourceError::Connect { detail, .. } => format!("unreachable: {detail}"),
            SourceError::Timeout { after, .. } => format!("timed out after {after:?}"),
            SourceError::TooLarge { limit, .. } => format!("response over {limit} bytes"),
            SourceError::Decode { path, detail, .. } => {
                format!("bad response at `{path}`: {detail}")
            }
            other => other.to_string(),
        }
    }
}

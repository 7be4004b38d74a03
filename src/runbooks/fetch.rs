//! Fetching a runbook's Markdown from an http(s) link, only for allowlisted hosts.
//!
//! Fetched Markdown is as untrusted as the alert that linked it: it is parsed and shown like
//! any runbook, its steps still need label checks and confirmation, and redirects are not
//! followed so an allowed host cannot bounce the request somewhere else.

use std::time::Duration;

use futures::StreamExt;
use url::Url;

use super::resolve::host_allowed;

/// Runbooks are a few kilobytes; anything past this is not one.
pub const MAX_BYTES: usize = 1 << 20;
const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("{url} is not on runbook_allowed_hosts, so it is not fetched; open or copy the link, or add its host to runbook_allowed_hosts in the config")]
    NotAllowed { url: Url },
    #[error("cannot fetch {url}: {reason}")]
    Request { url: Url, reason: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: Url, status: u16 },
    #[error("{url} is larger than {MAX_BYTES} bytes; it is not a runbook")]
    TooLarge { url: Url },
    #[error("{url} is not UTF-8 text")]
    NotText { url: Url },
}

/// GET the Markdown at `url` if its host is allowed.
pub async fn fetch(url: &Url, allowed_hosts: &[String]) -> Result<String, FetchError> {
    if !host_allowed(url, allowed_hosts) {
        return Err(FetchError::NotAllowed { url: url.clone() });
    }
    let request_error = |e: reqwest::Error| FetchError::Request {
        url: url.clone(),
        reason: e.without_url().to_string(),
    };
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(request_error)?;
    let response = client
        .get(url.clone())
        .header("Accept", "text/markdown, text/plain")
        .send()
        .await
        .map_err(request_error)?;
    let status = response.status();
    if !status.is_success() {
        return Err(FetchError::Status {
            url: url.clone(),
            status: status.as_u16(),
        });
    }
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(request_error)?;
        if body.len() + chunk.len() > MAX_BYTES {
            return Err(FetchError::TooLarge { url: url.clone() });
        }
        body.extend_from_slice(&chunk);
    }
    String::from_utf8(body).map_err(|_| FetchError::NotText { url: url.clone() })
}

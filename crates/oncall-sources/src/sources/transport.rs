//! The HTTP layer shared by every client: TLS, auth, extra headers, proxy, timeouts,
//! a cap on body size, and decoding that names the JSON path that failed.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use url::Url;

use super::error::SourceError;
use crate::secret::Secret;

/// Which backend a transport talks to; used in every error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    Prometheus,
    Alertmanager,
    PagerDuty,
}

impl SourceKind {
    /// The environment variable that overrides this backend's URL.
    pub fn url_env(self) -> &'static str {
        match self {
            SourceKind::Prometheus => "ONCALL_PROMETHEUS_URL",
            SourceKind::Alertmanager => "ONCALL_ALERTMANAGER_URL",
            SourceKind::PagerDuty => "ONCALL_PAGERDUTY_URL",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceKind::Prometheus => "Prometheus",
            SourceKind::Alertmanager => "Alertmanager",
            SourceKind::PagerDuty => "PagerDuty",
        })
    }
}

/// How requests authenticate.
#[derive(Debug, Clone, Default)]
pub enum Auth {
    #[default]
    None,
    Basic {
        username: String,
        password: Secret,
    },
    Bearer(Secret),
    /// PagerDuty's `Authorization: Token token=...`.
    PagerDutyToken(Secret),
}

#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    pub ca_file: Option<PathBuf>,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub insecure_skip_verify: bool,
}

/// Everything needed to talk to one backend URL.
#[derive(Clone)]
pub struct Endpoint {
    pub base_url: Url,
    pub auth: Auth,
    /// Extra headers, e.g. `X-Scope-OrgID` for Mimir/Cortex tenants. Values are treated as secret.
    pub headers: Vec<(String, Secret)>,
    pub tls: TlsOptions,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub proxy: Option<Secret>,
    pub max_body_bytes: usize,
}

// The URL may carry a token in its query: Debug shows it redacted.
impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("base_url", &redact_url(&self.base_url))
            .field("auth", &self.auth)
            .field("headers", &self.headers)
            .field("tls", &self.tls)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("proxy", &self.proxy)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

impl Endpoint {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
    pub const DEFAULT_MAX_BODY: usize = 64 * 1024 * 1024;

    /// An endpoint with no auth and default limits.
    pub fn new(base_url: Url) -> Self {
        Endpoint {
            base_url,
            auth: Auth::None,
            headers: Vec::new(),
            tls: TlsOptions::default(),
            timeout: Self::DEFAULT_TIMEOUT,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            proxy: None,
            max_body_bytes: Self::DEFAULT_MAX_BODY,
        }
    }

    /// Parse a URL given by the user, naming it in the error.
    pub fn parse(url: &str) -> Result<Self, String> {
        let parsed = Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
        if parsed.scheme() != "http" && parsed.scheme() != "https" {
            return Err(format!("`{url}` must start with http:// or https://"));
        }
        Ok(Endpoint::new(parsed))
    }
}

/// The URL for messages and logs: no `user:password@`, and the value of every query
/// parameter whose name looks like a secret (`access_token`, `api_key`, `sig`, ...) replaced
/// by `REDACTED`. Other parameters stay: they tell the user which URL it was.
pub fn redact_url(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let v = if is_secret_key(&k) {
                    "REDACTED".to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        u.set_query(None);
        if !pairs.is_empty() {
            u.query_pairs_mut().extend_pairs(pairs);
        }
    }
    u.to_string()
}

/// [`redact_url`] for a URL as the user typed it; text that is not a URL has any query cut.
pub fn redact_url_text(text: &str) -> String {
    match Url::parse(text.trim()) {
        // Nothing to hide: quoted as typed, so the user recognises it.
        Ok(u)
            if u.username().is_empty()
                && u.password().is_none()
                && !u.query_pairs().any(|(k, _)| is_secret_key(&k)) =>
        {
            text.trim().to_string()
        }
        Ok(u) => redact_url(&u),
        Err(_) => text
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

/// Whether a query parameter name looks like it carries a credential.
fn is_secret_key(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    const WORDS: [&str; 10] = [
        "token",
        "key",
        "secret",
        "pass",
        "auth",
        "sig",
        "credential",
        "session",
        "code",
        "jwt",
    ];
    WORDS.iter().any(|w| n.contains(w))
}

/// Whether two URLs share scheme, host and port: credentials go only to the origin they
/// were configured for.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Redirects are followed only within the configured origin (at most 10): a 3xx elsewhere
/// comes back as it is and `Transport::send` refuses it, so auth, custom headers and `From`
/// never reach another host.
fn redirect_policy(origin: Url) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 10 {
            attempt.error("more than 10 redirects")
        } else if same_origin(attempt.url(), &origin) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// A configured HTTP client for one backend. Cheap to clone.
#[derive(Clone)]
pub struct Transport {
    client: reqwest::Client,
    endpoint: Arc<Endpoint>,
    kind: SourceKind,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("kind", &self.kind)
            .field("base_url", &redact_url(&self.endpoint.base_url))
            .finish()
    }
}

/// A response body that was read completely (within the size cap).
#[derive(Debug)]
pub struct Body {
    pub status: u16,
    pub headers: HeaderMap,
    pub bytes: bytes::Bytes,
    pub url: String,
}

impl Transport {
    pub fn new(endpoint: Endpoint, kind: SourceKind) -> Result<Self, SourceError> {
        let setup = |detail: String| SourceError::Setup { kind, detail };
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(endpoint.timeout)
            .connect_timeout(endpoint.connect_timeout)
            .redirect(redirect_policy(endpoint.base_url.clone()))
            .user_agent(concat!("oncall/", env!("CARGO_PKG_VERSION")));

        let mut headers = HeaderMap::new();
        for (name, value) in &endpoint.headers {
            let hn = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                setup(format!(
                    "header name `{name}` is not a valid HTTP header name"
                ))
            })?;
            let mut hv = HeaderValue::from_str(value.expose()).map_err(|_| {
                setup(format!(
                    "the value of header `{name}` has characters HTTP does not allow"
                ))
            })?;
            hv.set_sensitive(true);
            headers.insert(hn, hv);
        }
        builder = builder.default_headers(headers);

        if let Some(ca) = &endpoint.tls.ca_file {
            let pem = std::fs::read(ca)
                .map_err(|e| setup(format!("cannot read ca_file {}: {e}", ca.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                setup(format!(
                    "ca_file {} holds no PEM certificate: {e}",
                    ca.display()
                ))
            })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        match (&endpoint.tls.cert_file, &endpoint.tls.key_file) {
            (Some(cert), Some(key)) => {
                let mut pem = std::fs::read(cert)
                    .map_err(|e| setup(format!("cannot read cert_file {}: {e}", cert.display())))?;
                pem.push(b'\n');
                pem.extend(
                    std::fs::read(key).map_err(|e| {
                        setup(format!("cannot read key_file {}: {e}", key.display()))
                    })?,
                );
                let identity = reqwest::Identity::from_pem(&pem).map_err(|e| {
                    setup(format!(
                        "cert_file {} and key_file {} are not a PEM certificate and key: {e}",
                        cert.display(),
                        key.display()
                    ))
                })?;
                builder = builder.identity(identity);
            }
            (None, None) => {}
            _ => {
                return Err(setup(
                    "cert_file and key_file go together: set both for mTLS, or neither".into(),
                ))
            }
        }
        if endpoint.tls.insecure_skip_verify {
            builder = builder.danger_accept_invalid_certs(true);
        }
        if let Some(proxy) = &endpoint.proxy {
            let p = reqwest::Proxy::all(proxy.expose()).map_err(|_| {
                setup("proxy_url is not a valid proxy URL (http://, https:// or socks5://)".into())
            })?;
            builder = builder.proxy(p);
        }
        let client = builder
            .build()
            .map_err(|e| setup(format!("could not build the HTTP client: {e}")))?;
        Ok(Transport {
            client,
            endpoint: Arc::new(endpoint),
            kind,
        })
    }

    pub fn kind(&self) -> SourceKind {
        self.kind
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// `base_url` joined with `path`, keeping any path prefix the base has
    /// (`--web.route-prefix`, Mimir's `/alertmanager`).
    pub fn url(&self, path: &str) -> Url {
        let mut url = self.endpoint.base_url.clone();
        let base = url.path().trim_end_matches('/').to_string();
        url.set_path(&format!("{base}/{}", path.trim_start_matches('/')));
        url
    }

    /// A request with auth applied.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let rb = self.client.request(method, self.url(path));
        match &self.endpoint.auth {
            Auth::None => rb,
            Auth::Basic { username, password } => rb.basic_auth(username, Some(password.expose())),
            Auth::Bearer(token) => rb.bearer_auth(token.expose()),
            Auth::PagerDutyToken(token) => {
                let mut hv = HeaderValue::from_str(&format!("Token token={}", token.expose()))
                    .unwrap_or_else(|_| HeaderValue::from_static("Token token=invalid"));
                hv.set_sensitive(true);
                rb.header(reqwest::header::AUTHORIZATION, hv)
            }
        }
    }

    /// Send a request and read the whole body, up to `max_body_bytes`. Any HTTP status is
    /// returned as `Ok`: the client decides what an error body means.
    pub async fn send(&self, rb: RequestBuilder) -> Result<Body, SourceError> {
        self.send_within(rb, self.endpoint.max_body_bytes).await
    }

    /// [`Transport::send`] with a tighter cap on the body for this request (the endpoint's
    /// `max_body_bytes` still applies if it is smaller): a dashboard panel never needs the
    /// 64 MiB an Alertmanager list may.
    pub async fn send_within(&self, rb: RequestBuilder, limit: usize) -> Result<Body, SourceError> {
        let limit = limit.min(self.endpoint.max_body_bytes);
        let req = rb.build().map_err(|e| SourceError::Setup {
            kind: self.kind,
            detail: format!("could not build the request: {e}"),
        })?;
        let url = redact_url(req.url());
        let resp = self
            .client
            .execute(req)
            .await
            .map_err(|e| self.map_reqwest(e, &url))?;
        if resp.status().is_redirection() {
            return Err(self.refused_redirect(&resp, url));
        }
        self.read_body(resp, url, limit).await
    }

    /// A redirect the policy did not follow: it leads to another origin.
    fn refused_redirect(&self, resp: &Response, url: String) -> SourceError {
        let to = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| resp.url().join(l).ok());
        SourceError::Redirect {
            kind: self.kind,
            url,
            status: resp.status().as_u16(),
            to: to
                .as_ref()
                .map(redact_url)
                .map(|t| crate::sanitize::one_line(&t))
                .unwrap_or_else(|| "an unreadable Location".into()),
            env: self.kind.url_env(),
        }
    }

    async fn read_body(
        &self,
        resp: Response,
        url: String,
        limit: usize,
    ) -> Result<Body, SourceError> {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        if let Some(len) = resp.content_length() {
            if len as usize > limit {
                return Err(SourceError::TooLarge {
                    kind: self.kind,
                    url,
                    limit,
                });
            }
        }
        // The chunks are kept as they come and joined once at the end: Alertmanager sends no
        // Content-Length, and a growing buffer would copy the body about twice and hold up to
        // twice its size. Each chunk is freed once copied, so the memory in use during the
        // join stays near one copy of the body.
        let mut chunks: Vec<bytes::Bytes> = Vec::new();
        let mut total = 0usize;
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.map_reqwest(e, &url))?;
            total += chunk.len();
            if total > limit {
                return Err(SourceError::TooLarge {
                    kind: self.kind,
                    url,
                    limit,
                });
            }
            chunks.push(chunk);
        }
        let bytes = join_chunks(chunks, total);
        Ok(Body {
            status,
            headers,
            bytes,
            url,
        })
    }

    /// Decode a JSON body, naming the JSON path on failure.
    pub fn decode<T: DeserializeOwned>(&self, body: &Body) -> Result<T, SourceError> {
        decode_json(self.kind, &body.url, &body.bytes)
    }

    pub fn map_reqwest(&self, e: reqwest::Error, url: &str) -> SourceError {
        let kind = self.kind;
        let url = url.to_string();
        // A failure to connect (refused, DNS, connect timeout) means nothing was sent.
        let sent = !e.is_connect();
        if e.is_timeout() {
            return SourceError::Timeout {
                kind,
                url,
                after: self.endpoint.timeout,
                sent,
            };
        }
        // reqwest's message carries the URL with its query; `url` is the redacted one.
        let chain = error_chain(&e.without_url());
        let lower = chain.to_lowercase();
        if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
            let fix = tls_fix(&chain, self.endpoint.tls.ca_file.is_some());
            return SourceError::Tls {
                kind,
                url,
                detail: chain,
                fix,
            };
        }
        SourceError::Connect {
            kind,
            url,
            detail: chain,
            env: kind.url_env(),
            sent,
        }
    }
}

/// The fix for a TLS failure. A certificate made with `openssl req -x509` is its own CA
/// (`CA:TRUE`), and rustls refuses a CA certificate as a server's own even when `ca_file`
/// holds exactly it: the fix is then a server certificate signed by that CA, not `ca_file`.
pub fn tls_fix(detail: &str, has_ca_file: bool) -> String {
    let d = detail.to_ascii_lowercase();
    if d.contains("causedasendentity") {
        return "The server presents a CA certificate as its own (as `openssl req -x509` makes them without `-addext basicConstraints=critical,CA:FALSE`); TLS libraries refuse that. Give the server a certificate signed by that CA (keep it in `ca_file`), or re-make it with `-addext basicConstraints=critical,CA:FALSE -addext subjectAltName=DNS:HOST`, or, knowingly, set `insecure_skip_verify = true`".into();
    }
    if d.contains("notvalidforname") || d.contains("not valid for name") {
        return "The certificate does not name the host in the URL: use the name it was issued for (its subjectAltName), or re-issue it with this host".into();
    }
    if d.contains("expired") {
        return "The server's certificate has expired: renew it (check this machine's clock too)"
            .into();
    }
    match has_ca_file {
        true => "The `ca_file` set for it does not hold the CA that signed the server's certificate: point `ca_file` at that CA (or, knowingly, set `insecure_skip_verify = true`)".into(),
        false => "Set `ca_file` to the CA that signed its certificate (or, knowingly, `insecure_skip_verify = true`)".into(),
    }
}

/// The chunks of a body as one buffer of exactly `total` bytes; a body that came in one chunk
/// is passed through without a copy.
fn join_chunks(chunks: Vec<bytes::Bytes>, total: usize) -> bytes::Bytes {
    match <[bytes::Bytes; 1]>::try_from(chunks) {
        Ok([only]) => only,
        Err(chunks) => {
            let mut joined = Vec::with_capacity(total);
            for chunk in chunks {
                joined.extend_from_slice(&chunk);
            }
            joined.into()
        }
    }
}

/// Decode JSON with `serde_path_to_error`, so schema drift names e.g. `data.result[3].values`.
pub fn decode_json<T: DeserializeOwned>(
    kind: SourceKind,
    url: &str,
    bytes: &[u8],
) -> Result<T, SourceError> {
    // Path tracking doubles the decode time of a 10 MB alert list, so only a failed decode
    // pays for it: the second pass fails at the same place and names it.
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        SourceError::Decode {
            kind,
            url: url.to_string(),
            path: if path.is_empty() { ".".into() } else { path },
            detail: e.inner().to_string(),
        }
    })
}

/// The error and its causes on one line, deduplicated (reqwest nests hyper nests io).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let s = err.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    parts.join(": ")
}

/// A short, printable excerpt of an error body (bodies can be HTML pages or megabytes).
pub fn body_excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]);
    let clean = crate::sanitize::one_line(&text);
    if bytes.len() > 512 {
        format!("{clean}…")
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_keeps_the_path_prefix() {
        let ep = Endpoint::parse("http://mimir:8080/alertmanager/").unwrap();
        let t = Transport::new(ep, SourceKind::Alertmanager).unwrap();
        assert_eq!(
            t.url("/api/v2/alerts").as_str(),
            "http://mimir:8080/alertmanager/api/v2/alerts"
        );
    }

    #[test]
    fn redacted_url_has_no_credentials() {
        let u = Url::parse("http://bob:pw@host:9093/x?token=1").unwrap();
        assert_eq!(redact_url(&u), "http://host:9093/x?token=REDACTED");
        let u = Url::parse("https://h/p?access_token=s3cr3t&tenant=a&X-Amz-Signature=z").unwrap();
        let shown = redact_url(&u);
        assert_eq!(
            shown,
            "https://h/p?access_token=REDACTED&tenant=a&X-Amz-Signature=REDACTED"
        );
        assert!(!redact_url_text("http://h/?api_key=s3cr3t").contains("s3cr3t"));
        assert!(!redact_url_text("not a url ?api_key=s3cr3t").contains("s3cr3t"));
        let ep = Endpoint::parse("http://h/?access_token=s3cr3t").unwrap();
        assert!(!format!("{ep:?}").contains("s3cr3t"));
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let a = Url::parse("http://h:80/x").unwrap();
        assert!(same_origin(&a, &Url::parse("http://h/y?z").unwrap()));
        assert!(!same_origin(&a, &Url::parse("https://h/x").unwrap()));
        assert!(!same_origin(&a, &Url::parse("http://h:81/x").unwrap()));
        assert!(!same_origin(&a, &Url::parse("http://evil/x").unwrap()));
    }

    #[test]
    fn chunks_join_into_one_exact_buffer() {
        let parts = ["[{\"a\":", "1}", ",{}]"].map(|p| bytes::Bytes::from_static(p.as_bytes()));
        let joined = join_chunks(parts.to_vec(), 10);
        assert_eq!(&joined[..], b"[{\"a\":1},{}]");
        let one = bytes::Bytes::from_static(b"[]");
        let passed = join_chunks(vec![one.clone()], 2);
        assert_eq!(passed.as_ptr(), one.as_ptr(), "one chunk is not copied");
        assert!(join_chunks(Vec::new(), 0).is_empty());
    }

    #[test]
    fn decode_names_the_path() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Outer {
            data: Vec<Inner>,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Inner {
            n: u32,
        }
        let err = decode_json::<Outer>(
            SourceKind::Prometheus,
            "u",
            br#"{"data":[{"n":1},{"n":"x"}]}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("data[1].n"), "{err}");
    }
}

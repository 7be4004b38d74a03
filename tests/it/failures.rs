//! Failure cases, each with the message it must produce and (for the CLI) the exit code:
//! connection refused, a server that accepts and never answers, HTTP 500, malformed JSON,
//! a 50 MB body, TLS from an unknown CA, and a wrong token. Nothing here asserts on timing.

use crate::harness;

use std::time::Duration;

use harness::faulty::refused_url;
use harness::tls::{HttpsServer, TestPki};
use harness::FaultyServer;
use oncall::sources::{Endpoint, SourceError, SourceKind, Transport};

fn transport(url: &str, kind: SourceKind) -> Transport {
    Transport::new(Endpoint::parse(url).unwrap(), kind).unwrap()
}

fn get(t: &Transport, path: &str) -> Result<oncall::sources::transport::Body, SourceError> {
    let t = t.clone();
    let path = path.to_string();
    harness::block_on(async move { t.send(t.request(reqwest::Method::GET, &path)).await })
}

#[test]
fn transport_connection_refused_names_the_url_and_the_setting() {
    let url = refused_url();
    let err = get(&transport(&url, SourceKind::Prometheus), "/api/v1/query").unwrap_err();
    assert!(matches!(err, SourceError::Connect { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&url), "{msg}");
    assert!(msg.contains("could not be reached"), "{msg}");
    assert!(
        msg.contains("ONCALL_PROMETHEUS_URL"),
        "the fix names the setting: {msg}"
    );
}

#[test]
fn transport_times_out_on_a_server_that_never_answers() {
    let hole = FaultyServer::black_hole();
    let mut ep = Endpoint::parse(&hole.url()).unwrap();
    ep.timeout = Duration::from_secs(2);
    let t = Transport::new(ep, SourceKind::Alertmanager).unwrap();
    let err = get(&t, "/api/v2/alerts").unwrap_err();
    assert!(matches!(err, SourceError::Timeout { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("did not answer"), "{msg}");
    assert!(msg.contains("timeout"), "the fix names the setting: {msg}");
    assert!(
        hole.hits() >= 1,
        "the connection was accepted, so this is not a refusal"
    );
}

#[test]
fn transport_stops_reading_a_body_over_the_cap_with_or_without_content_length() {
    for announce in [true, false] {
        let big = FaultyServer::huge(50 * 1024 * 1024, announce);
        let mut ep = Endpoint::parse(&big.url()).unwrap();
        ep.max_body_bytes = 16 * 1024 * 1024;
        let t = Transport::new(ep, SourceKind::Alertmanager).unwrap();
        let err = get(&t, "/api/v2/alerts").unwrap_err();
        assert!(
            matches!(err, SourceError::TooLarge { .. }),
            "announce={announce}: {err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains("max_body_bytes"), "{msg}");
    }
}

#[test]
fn transport_reads_a_50_mb_body_under_the_default_cap() {
    // The default cap (64 MiB) admits a 50 MB answer: a huge but real Alertmanager must work.
    let big = FaultyServer::huge(50 * 1024 * 1024, false);
    let body = get(&transport(&big.url(), SourceKind::Alertmanager), "/").unwrap();
    assert_eq!(body.bytes.len(), 50 * 1024 * 1024);
}

#[test]
fn transport_refuses_a_certificate_from_an_unknown_ca_and_accepts_it_with_ca_file() {
    let pki = TestPki::generate();
    let router = axum::Router::new().fallback(|| async { "ok" });
    let server = HttpsServer::start(&pki, router);

    let err = get(&transport(&server.url(), SourceKind::Prometheus), "/").unwrap_err();
    assert!(matches!(err, SourceError::Tls { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("ca_file"), "the fix names the setting: {msg}");

    let mut ep = Endpoint::parse(&server.url()).unwrap();
    ep.tls.ca_file = Some(pki.ca_file());
    let t = Transport::new(ep, SourceKind::Prometheus).unwrap();
    let body = get(&t, "/").unwrap();
    assert_eq!(body.status, 200);
    assert_eq!(&body.bytes[..], b"ok");
}

#[test]
fn transport_decoding_malformed_json_names_the_place() {
    let bad = FaultyServer::malformed_json();
    let t = transport(&bad.url(), SourceKind::Prometheus);
    let body = get(&t, "/api/v1/query").unwrap();
    let err = t.decode::<serde_json::Value>(&body).unwrap_err();
    assert!(matches!(err, SourceError::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("could not read"), "{err}");
}

// ---------------------------------------------------------------------------------------
// The same failures through the clients: the error is typed and its message says what
// happened and what to do.

use oncall::secret::Secret;
use oncall::sources::alertmanager::{AlertQuery, AlertmanagerClient};
use oncall::sources::prometheus::PrometheusClient;
use oncall::sources::Auth;

#[tokio::test(flavor = "multi_thread")]
async fn client_http_500_with_a_text_body_shows_status_and_body() {
    let broken = FaultyServer::internal_error();
    let err = PrometheusClient::new(Endpoint::parse(&broken.url()).unwrap())
        .unwrap()
        .query("up", None)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("500") && msg.contains("upstream exploded"),
        "{msg}"
    );
    assert!(msg.contains(&broken.url()), "names the server: {msg}");

    let err = AlertmanagerClient::new(Endpoint::parse(&broken.url()).unwrap())
        .unwrap()
        .alerts(&AlertQuery::firing())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500), "{err:?}");
    assert!(err.to_string().contains("upstream exploded"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn client_malformed_json_and_html_are_decode_errors_that_suggest_the_url() {
    for server in [FaultyServer::malformed_json(), FaultyServer::html_page()] {
        let err = AlertmanagerClient::new(Endpoint::parse(&server.url()).unwrap())
            .unwrap()
            .alerts(&AlertQuery::firing())
            .await
            .unwrap_err();
        assert!(matches!(err, SourceError::Decode { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("Is the URL pointing at Alertmanager"), "{msg}");
        let err = PrometheusClient::new(Endpoint::parse(&server.url()).unwrap())
            .unwrap()
            .query("up", None)
            .await
            .unwrap_err();
        assert!(matches!(err, SourceError::Decode { .. }), "{err:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn client_rejected_credentials_never_echo_the_secret() {
    let secret = "s3cret-bearer-never-print";
    let proxy = FaultyServer::respond(401, "text/plain", "Unauthorized\n");
    let mut ep = Endpoint::parse(&proxy.url()).unwrap();
    ep.auth = Auth::Bearer(Secret::new(secret));
    ep.headers = vec![("X-Scope-OrgID".into(), Secret::new("tenant-secret-id"))];
    let c = PrometheusClient::new(ep).unwrap();
    let err = c.query("up", None).await.unwrap_err();
    assert!(
        matches!(err, SourceError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    let shown = format!("{err} / {err:?} / {c:?}");
    assert!(
        !shown.contains(secret) && !shown.contains("tenant-secret-id"),
        "{shown}"
    );
    assert!(shown.contains("refused the credentials"), "{shown}");

    let mut ep = Endpoint::parse(&proxy.url()).unwrap();
    ep.auth = Auth::Basic {
        username: "bob".into(),
        password: Secret::new(secret),
    };
    let err = AlertmanagerClient::new(ep)
        .unwrap()
        .alerts(&AlertQuery::firing())
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::Unauthorized { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains(secret));
}

#[tokio::test(flavor = "multi_thread")]
async fn client_a_url_with_credentials_never_prints_them() {
    let url = refused_url().replace("http://", "http://bob:hunter2pw@");
    let err = AlertmanagerClient::new(Endpoint::parse(&url).unwrap())
        .unwrap()
        .alerts(&AlertQuery::firing())
        .await
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains("hunter2pw"), "{err}");
}

// ---------------------------------------------------------------------------------------
// The same failures through the binary: exit code 1, one clear message, nothing leaked.

use harness::Oncall;

/// `oncall alerts` against `url`: exit 1 with a short message (never the body) that
/// contains every `needle`.
#[track_caller]
fn cli_alerts_fails(url: &str, needles: &[&str]) -> harness::cli::Run {
    let run = Oncall::new().alertmanager(url).run(&["alerts"]);
    run.expect_code(1);
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "missing `{needle}` in:\n{}",
            run.stderr
        );
    }
    assert!(
        run.stderr.len() < 4096,
        "the message is short, not a dump ({} bytes)",
        run.stderr.len()
    );
    run
}

#[test]
fn cli_connection_refused() {
    let url = refused_url();
    cli_alerts_fails(
        &url,
        &[&url, "could not be reached", "ONCALL_ALERTMANAGER_URL"],
    );
}

#[test]
fn cli_timeout_on_a_server_that_never_answers() {
    let hole = FaultyServer::black_hole();
    cli_alerts_fails(&hole.url(), &[&hole.url(), "did not answer", "timeout"]);
}

#[test]
fn cli_http_500() {
    let broken = FaultyServer::internal_error();
    cli_alerts_fails(&broken.url(), &["500", "upstream exploded"]);
}

#[test]
fn cli_malformed_json() {
    let bad = FaultyServer::malformed_json();
    cli_alerts_fails(&bad.url(), &["could not read", "Alertmanager"]);
}

#[test]
fn cli_a_50_mb_answer_fails_cleanly() {
    // 50 MB of a JSON array of numbers: not alerts. The program must read or refuse it
    // without falling over, and must not echo it.
    let big = FaultyServer::huge(50 * 1024 * 1024, false);
    cli_alerts_fails(&big.url(), &["Alertmanager", "could not read"]);
}

#[test]
fn cli_bad_tls() {
    let pki = TestPki::generate();
    let server = HttpsServer::start(&pki, axum::Router::new().fallback(|| async { "[]" }));
    cli_alerts_fails(&server.url(), &["TLS", "ca_file"]);
}

#[test]
fn cli_wrong_credentials_for_alertmanager_behind_a_proxy() {
    let proxy = FaultyServer::respond(401, "text/plain", "Unauthorized\n");
    cli_alerts_fails(&proxy.url(), &["401"]);
}

#[test]
fn cli_silence_add_against_a_down_alertmanager_creates_nothing_and_exits_1() {
    let url = refused_url();
    let run = Oncall::new().alertmanager(&url).run(&[
        "silence",
        "add",
        "alertname=X",
        "--duration",
        "1h",
        "--comment",
        "x",
    ]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("could not be reached"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stdout.to_lowercase().contains("created"),
        "never reports a silence it did not make"
    );
}

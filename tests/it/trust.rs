//! Trust where oncall acts or reassures, each case as it was reproduced against the real
//! Alertmanager (and Prometheus), the PagerDuty stand-in and the harness's faulty servers:
//! acks go to the right incident and say which; a write whose answer was lost is reconciled,
//! never duplicated; no answer is read as "none"; credentials never follow a redirect or
//! appear in a message; invisible characters never reach the terminal.

use crate::harness;

use std::time::Duration;

use harness::faulty::refused_url;
use harness::pagerduty::{incident_at, PagerDutyStandin, ME_EMAIL};
use harness::proxy::{redirecting, Recorder, SlowProxy};
use harness::{alert, Alertmanager, FaultyServer, Oncall};
use serde_json::Value;

const TOKEN: &str = "u+standin-token-123";

fn cli(am: &Alertmanager, pd: &PagerDutyStandin) -> Oncall {
    Oncall::new()
        .alertmanager(&am.url())
        .pagerduty(&pd.url(), TOKEN, ME_EMAIL)
}

fn puts(pd: &PagerDutyStandin) -> Vec<harness::pagerduty::RecordedRequest> {
    pd.requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect()
}

fn add(pd: &PagerDutyStandin, id: &str, number: u64, title: &str, service: &str) {
    let mut i = incident_at(0);
    (i.id, i.number, i.title, i.service) = (id.into(), number, title.into(), service.into());
    i.status = "triggered".into();
    pd.add_incident(i);
}

/// The reproduced case: kyc-service's ServiceDown firing in the real Alertmanager, and an
/// open PagerDuty incident #1001 titled for wallet-service.
fn kyc_alert_and_wallet_incident() -> (Alertmanager, PagerDutyStandin) {
    let am = Alertmanager::start();
    am.push(&[alert(
        &[("alertname", "ServiceDown"), ("job", "kyc-service")],
        &[],
    )]);
    am.wait_for_alerts("", 1);
    let pd = PagerDutyStandin::start(TOKEN, 0);
    add(
        &pd,
        "PWALLET",
        1001,
        "[FIRING:1] ServiceDown wallet-service",
        "wallet-service",
    );
    (am, pd)
}

/// The reproduced wrong ack: kyc-service's alert, wallet-service's incident by title.
#[test]
fn ack_never_takes_an_incident_that_names_another_service() {
    let (am, pd) = kyc_alert_and_wallet_incident();
    let run = cli(&am, &pd).run(&["ack", "-y", "--alert", "alertname=ServiceDown"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("no open incident belongs"),
        "{}",
        run.stderr
    );
    assert!(
        puts(&pd).is_empty(),
        "nothing acknowledged: {:?}",
        puts(&pd)
    );
}

/// A match by title alone is a proposal: shown with number, title and service, and acted
/// on only with `-y` (or `y` on a terminal). The log records number, title and alert.
#[test]
fn an_ack_matched_by_title_is_confirmed_and_logged_with_its_incident() {
    let (am, pd) = kyc_alert_and_wallet_incident();
    add(
        &pd,
        "PKYC",
        1002,
        "[FIRING:1] ServiceDown kyc-service",
        "kyc-service",
    );
    let oncall = cli(&am, &pd);

    let run = oncall.run(&["ack", "--alert", "alertname=ServiceDown"]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("proposal: #1002 PKYC [FIRING:1] ServiceDown kyc-service")
            && run.stderr.contains("service kyc-service")
            && run.stderr.contains("matched only by title"),
        "{}",
        run.stderr
    );
    assert!(puts(&pd).is_empty(), "not without a confirmation");

    let run = oncall.run(&["ack", "-y", "--alert", "alertname=ServiceDown"]);
    run.expect_code(0);
    let writes = puts(&pd);
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0].json()["incidents"][0]["id"], "PKYC");
    assert_eq!(pd.incident("PWALLET").unwrap().status, "triggered");

    let log = oncall.run(&["log", "-o", "json"]);
    log.expect_code(0);
    let entries = log.json();
    let ack = &entries.as_array().unwrap()[0];
    assert_eq!(ack["kind"], "ack");
    let detail = ack["detail"].as_str().unwrap();
    assert!(
        detail.contains("#1002")
            && detail.contains("[FIRING:1] ServiceDown kyc-service")
            && detail.contains("ServiceDown{job=\"kyc-service\"}"),
        "{detail}"
    );
}

#[test]
fn ack_and_resolve_take_the_numbers_the_tables_show() {
    let pd = PagerDutyStandin::start(TOKEN, 5);
    let oncall = Oncall::new().pagerduty(&pd.url(), TOKEN, ME_EMAIL);
    oncall.run(&["ack", "2", "#3"]).expect_code(0);
    assert_eq!(pd.incident("P0000002").unwrap().status, "acknowledged");
    assert_eq!(pd.incident("P0000003").unwrap().status, "acknowledged");
    oncall.run(&["resolve", "-y", "#2"]).expect_code(0);
    assert_eq!(pd.incident("P0000002").unwrap().status, "resolved");
    // A number no open incident has: exit 1, nothing sent; garbage: exit 2 before any request.
    pd.clear_requests();
    let run = oncall.run(&["ack", "4242"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("no open incident has number 4242"),
        "{}",
        run.stderr
    );
    assert!(puts(&pd).is_empty());
    pd.clear_requests();
    oncall.run(&["ack", "P1;rm"]).expect_code(2);
    assert!(pd.requests().is_empty());
}

/// The reproduced duplicate: Alertmanager applied the POST but answered after the timeout.
/// The outcome is unknown, then found by reading: created, with its ID, exactly once; a
/// retry says the silence exists and makes none.
#[test]
fn a_silence_applied_but_answered_late_is_found_and_never_made_twice() {
    let am = Alertmanager::start();
    am.push(&[alert(
        &[("alertname", "DiskFull"), ("instance", "db-1")],
        &[],
    )]);
    am.wait_for_alerts("", 1);
    let slow = SlowProxy::start(
        &am.url(),
        "POST",
        "/api/v2/silences",
        Duration::from_secs(6),
    );
    let oncall = Oncall::new();
    oncall.write_config(&format!(
        "current_context = \"t\"\n[contexts.t]\nalertmanagers = [{{ url = \"{}\", timeout = \"2s\" }}]\n",
        slow.url()
    ));
    let args = [
        "silence",
        "add",
        "alertname=DiskFull",
        "--duration",
        "1h",
        "--comment",
        "disk swap",
        "-y",
    ];
    let run = oncall.run(&args);
    run.expect_code(0);
    assert!(
        run.stderr.contains("outcome unknown, checking"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("created silence"), "{}", run.stderr);
    assert!(!run.stderr.contains("failed"), "{}", run.stderr);
    assert_eq!(slow.slowed(), 1);
    let made: Vec<Value> = am
        .silences()
        .into_iter()
        .filter(|s| s["status"]["state"] == "active")
        .collect();
    assert_eq!(made.len(), 1, "{made:?}");
    let id = made[0]["id"].as_str().unwrap().to_string();
    assert_eq!(run.stdout.trim(), id, "the ID is printed");

    let retry = oncall.run(&args);
    retry.expect_code(0);
    assert!(
        retry.stderr.contains("already exists") && retry.stderr.contains(&id),
        "{}",
        retry.stderr
    );
    assert_eq!(slow.slowed(), 1, "the retry sent no second POST");
    assert_eq!(am.silences().len(), 1);

    let log = oncall.run(&["log", "-o", "json"]).json();
    let silences: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "silence")
        .collect();
    assert_eq!(silences.len(), 1, "{log}");
    assert_eq!(silences[0]["target"], id.as_str());
}

/// The same for an expire whose answer is lost: read back, it is expired, so it is done.
#[test]
fn an_expire_answered_late_is_confirmed_by_reading() {
    let am = Alertmanager::start();
    let id = am.create_silence(&serde_json::json!({
        "matchers": [{"name": "alertname", "value": "X", "isRegex": false, "isEqual": true}],
        "startsAt": chrono::Utc::now().to_rfc3339(),
        "endsAt": (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339(),
        "createdBy": "tester", "comment": "c"
    }));
    let path = format!("/api/v2/silence/{id}");
    let slow = SlowProxy::start(&am.url(), "DELETE", &path, Duration::from_secs(6));
    let oncall = Oncall::new();
    oncall.write_config(&format!(
        "current_context = \"t\"\n[contexts.t]\nalertmanagers = [{{ url = \"{}\", timeout = \"2s\" }}]\n",
        slow.url()
    ));
    let run = oncall.run(&["silence", "expire", "-y", &id[..8]]);
    run.expect_code(0);
    assert!(
        run.stderr.contains("outcome unknown, checking"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("expired silence {id}")),
        "{}",
        run.stderr
    );
    assert_eq!(am.silence(&id)["status"]["state"], "expired");
}

#[test]
fn silence_id_prefixes_work_and_anything_else_is_a_usage_error() {
    let am = Alertmanager::start();
    let oncall = Oncall::new().alertmanager(&am.url());
    let run = oncall.run(&[
        "silence",
        "add",
        "alertname=Y",
        "--duration",
        "1h",
        "--comment",
        "c",
        "-y",
    ]);
    run.expect_code(0);
    let id = run.stdout.trim().to_string();
    let run = oncall.run(&["silence", "extend", &id[..8], "--duration", "1h"]);
    run.expect_code(0);
    oncall
        .run(&["silence", "expire", "-y", &id[..6]])
        .expect_code(0);
    assert_eq!(am.silence(&id)["status"]["state"], "expired");
    // Not a UUID: exit 2, and no request (a refused URL would have made it exit 1).
    let nowhere = Oncall::new().alertmanager(&refused_url());
    for bad in ["not-a-uuid", "abc", "../../x"] {
        let run = nowhere.run(&["silence", "expire", "-y", bad]);
        run.expect_code(2);
        assert!(run.stderr.contains("is not a silence ID"), "{}", run.stderr);
    }
}

/// The reproduced "no incidents" from `{}`: a list answer without its list is an error.
#[test]
fn an_answer_without_its_list_is_an_error_never_none() {
    let empty = FaultyServer::respond(200, "application/json", "{}");
    let oncall = Oncall::new().pagerduty(&empty.url(), TOKEN, ME_EMAIL);
    for args in [&["incidents"][..], &["who"][..]] {
        let run = oncall.run(args);
        run.expect_code(1);
        assert!(
            run.stderr.contains("could not read") && !run.stdout.contains("no incidents"),
            "{args:?}: {}",
            run.all_output()
        );
    }
}

/// The reproduced leak: a 307 to another host took the custom header (and `From`) along.
#[test]
fn credentials_never_follow_a_redirect_to_another_origin() {
    let elsewhere = Recorder::start("[]");
    let redirect = redirecting(307, &elsewhere.url());
    let oncall = Oncall::new();
    oncall.write_config(&format!(
        "current_context = \"t\"\n[contexts.t]\nalertmanagers = [{{ url = \"{}\", headers = {{ \"X-Api-Key\" = \"k-s3cr3t\" }} }}]\n[contexts.t.prometheus]\nurl = \"{}\"\nheaders = {{ \"X-Api-Key\" = \"k-s3cr3t\" }}\n",
        redirect.url(),
        redirect.url()
    ));
    let run = oncall.run(&["alerts"]);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("redirected (HTTP 307) to another origin"),
        "{}",
        run.stderr
    );
    let run = oncall.run(&["snapshot", "system-health", "--range", "5m"]);
    assert_ne!(run.code, 0, "{}", run.all_output());
    let pd = Oncall::new().pagerduty(&redirect.url(), TOKEN, ME_EMAIL);
    pd.run(&["ack", "PX1"]).expect_code(1);
    assert!(
        elsewhere.requests().is_empty(),
        "nothing reached the other origin: {:?}",
        elsewhere.requests()
    );
    // Within the same origin a redirect is still followed (a route prefix, say).
    let am = Alertmanager::start();
    let same = Oncall::new().alertmanager(&format!("{}/", am.url()));
    same.run(&["alerts"]).expect_code(0);
}

#[test]
fn a_token_in_the_url_query_is_never_printed() {
    let url = format!("{}/?access_token=s3cr3t-token&tenant=a", refused_url());
    let oncall = Oncall::new().alertmanager(&url).prometheus(&url);
    for args in [
        &["alerts"][..],
        &["config", "show"][..],
        &["silence", "ls"][..],
    ] {
        let run = oncall.run(args);
        let all = run.all_output();
        assert!(!all.contains("s3cr3t"), "{args:?}: {all}");
    }
    let run = oncall.run(&["alerts"]);
    assert!(
        run.stderr.contains("access_token=REDACTED"),
        "the URL is still recognisable: {}",
        run.stderr
    );
}

/// The reproduced corruption: zero-width and other invisible characters in labels.
#[test]
fn invisible_characters_never_reach_the_terminal() {
    let am = Alertmanager::start();
    let hostile = "kyc\u{200b}-ser\u{200d}vice\u{feff}\u{202e}lmth.exe\u{85}\u{2066}";
    am.push(&[alert(
        &[("alertname", "ServiceDown"), ("job", hostile)],
        &[("summary", "down \u{200b}\u{e0041}now")],
    )]);
    am.wait_for_alerts("", 1);
    let oncall = Oncall::new().alertmanager(&am.url());
    let unsafe_char = |c: char| oncall::sanitize::is_unsafe(c) && !matches!(c, '\n' | '\t');
    for args in [
        &["alerts"][..],
        &["alerts", "-o", "wide"][..],
        &["alerts", "-o", "json"][..],
    ] {
        let run = oncall.run(args);
        run.expect_code(0);
        let bad: Vec<String> = run
            .stdout
            .chars()
            .filter(|c| unsafe_char(*c))
            .map(|c| format!("U+{:04X}", c as u32))
            .collect();
        assert!(bad.is_empty(), "{args:?} printed {bad:?}");
    }
    // JSON keeps the value, escaped.
    let json = oncall.run(&["alerts", "-o", "json"]).json();
    assert_eq!(json[0]["labels"]["job"], hostile);
    let table = oncall.run(&["alerts"]).stdout;
    assert!(table.contains("kyc-service"), "{table}");
}

#[test]
fn the_demo_never_writes_to_the_real_incident_log() {
    let oncall = Oncall::new();
    oncall
        .run(&[
            "--demo",
            "silence",
            "add",
            "alertname=Demo",
            "--duration",
            "1h",
            "--comment",
            "c",
            "-y",
        ])
        .expect_code(0);
    let real = oncall.run(&["log", "-o", "json"]);
    real.expect_code(0);
    assert_eq!(real.json(), serde_json::json!([]), "{}", real.stdout);
    let demo = oncall.run(&["--demo", "log", "-o", "json"]).json();
    assert_eq!(demo.as_array().map(Vec::len), Some(1), "{demo}");
}

/// `ca_file` holding a self-signed certificate that is its own CA (what `openssl req -x509`
/// makes): TLS libraries refuse such a certificate as a server's; the message says so and
/// gives the real fix instead of "set ca_file" (which is already set).
#[test]
fn a_self_signed_ca_certificate_gets_the_real_fix() {
    use harness::tls::{HttpsServer, TestPki};
    let pki = TestPki::self_signed_ca_as_server();
    let server = HttpsServer::start(&pki, axum::Router::new().fallback(|| async { "[]" }));
    let oncall = Oncall::new();
    oncall.write_config(&format!(
        "current_context = \"t\"\n[contexts.t]\nalertmanagers = [{{ url = \"{}\", ca_file = \"{}\" }}]\n",
        server.url(),
        pki.ca_file().display()
    ));
    let run = oncall.run(&["alerts"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("presents a CA certificate as its own")
            && run.stderr.contains("basicConstraints=critical,CA:FALSE"),
        "{}",
        run.stderr
    );
    // A certificate signed by the CA in ca_file works.
    let pki = TestPki::generate();
    let server = HttpsServer::start(&pki, axum::Router::new().fallback(|| async { "[]" }));
    oncall.write_config(&format!(
        "current_context = \"t\"\n[contexts.t]\nalertmanagers = [{{ url = \"{}\", ca_file = \"{}\" }}]\n",
        server.url(),
        pki.ca_file().display()
    ));
    oncall.run(&["alerts"]).expect_code(0);
}

/// Every backend against every way a server fails: each is an error that names the problem
/// (never an empty answer), and nothing panics. Run with `--nocapture` for the table.
#[test]
fn fault_matrix_every_backend_fails_clearly() {
    use harness::tls::{HttpsServer, TestPki};
    use oncall::sources::alertmanager::{AlertQuery, AlertmanagerClient};
    use oncall::sources::pagerduty::{IncidentQuery, PagerDutyClient};
    use oncall::sources::prometheus::PrometheusClient;
    use oncall::sources::{Auth, Endpoint, SourceError};

    let pki = TestPki::generate();
    let elsewhere = Recorder::start("[]");
    let servers: Vec<(&str, String, Box<dyn std::any::Any>, &str)> = {
        let mut v: Vec<(&str, String, Box<dyn std::any::Any>, &str)> = Vec::new();
        v.push(("down", refused_url(), Box::new(()), "could not be reached"));
        let s = FaultyServer::internal_error();
        v.push(("500", s.url(), Box::new(s), "HTTP 500"));
        let s = FaultyServer::malformed_json();
        v.push(("garbage", s.url(), Box::new(s), "could not read"));
        let s = FaultyServer::respond(200, "application/json", r#"[{"unexpected":true}]"#);
        v.push(("wrong shape", s.url(), Box::new(s), "could not read"));
        let s = FaultyServer::respond(200, "application/json", "{}");
        v.push(("{}", s.url(), Box::new(s), "could not read"));
        let s = FaultyServer::huge(6 * 1024 * 1024, false);
        v.push(("huge body", s.url(), Box::new(s), "stopped reading"));
        let s = FaultyServer::black_hole();
        v.push(("stall", s.url(), Box::new(s), "did not answer"));
        let s = FaultyServer::respond(429, "text/plain", "slow down");
        v.push(("429", s.url(), Box::new(s), "429"));
        let s = redirecting(307, &elsewhere.url());
        v.push(("redirect elsewhere", s.url(), Box::new(s), "another origin"));
        let s = HttpsServer::start(&pki, axum::Router::new().fallback(|| async { "[]" }));
        v.push(("TLS unknown CA", s.url(), Box::new(s), "ca_file"));
        v
    };
    let endpoint = |url: &str| {
        let mut ep = Endpoint::parse(url).unwrap();
        ep.timeout = Duration::from_secs(1);
        ep.max_body_bytes = 4 * 1024 * 1024;
        ep.headers = vec![("X-Api-Key".into(), oncall::secret::Secret::new("k-s3cr3t"))];
        ep
    };
    let mut table = String::from("| backend | fault | result |\n|---|---|---|\n");
    let mut wrong = Vec::new();
    for backend in ["Prometheus", "Alertmanager", "PagerDuty"] {
        for (fault, url, _keep, needle) in &servers {
            let ep = endpoint(url);
            let result: Result<(), SourceError> = harness::block_on(async move {
                match backend {
                    "Prometheus" => PrometheusClient::new(ep)?.alerts().await.map(|_| ()),
                    "Alertmanager" => AlertmanagerClient::new(ep)?
                        .alerts(&AlertQuery::default())
                        .await
                        .map(|_| ()),
                    _ => {
                        let mut ep = ep;
                        ep.auth = Auth::PagerDutyToken(oncall::secret::Secret::new(TOKEN));
                        PagerDutyClient::new(ep, Some(ME_EMAIL.into()))?
                            .incidents(&IncidentQuery::open())
                            .await
                            .map(|_| ())
                    }
                }
            });
            let shown = match &result {
                Ok(()) => "ANSWERED AS IF FINE".to_string(),
                Err(e) => {
                    let text = e.to_string();
                    let kind = format!("{e:?}");
                    let kind = kind.split([' ', '{', '(']).next().unwrap_or("").to_string();
                    let named = text.contains(needle)
                        || (*fault == "429" && text.contains("rate-limiting"));
                    if !named {
                        wrong.push(format!("{backend} × {fault}: {text}"));
                    }
                    if text.contains("s3cr3t") || text.contains(TOKEN) {
                        wrong.push(format!("{backend} × {fault} shows a secret: {text}"));
                    }
                    kind
                }
            };
            if result.is_ok() {
                wrong.push(format!("{backend} × {fault}: no error"));
            }
            table.push_str(&format!("| {backend} | {fault} | {shown} |\n"));
        }
    }
    println!("{table}");
    assert!(wrong.is_empty(), "{}\n{table}", wrong.join("\n"));
    assert!(
        elsewhere.requests().is_empty(),
        "nothing followed a redirect"
    );
}

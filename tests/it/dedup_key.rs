//! The exact alert -> PagerDuty incident link against the real Alertmanager 0.25: it is
//! configured with a nested route tree and a PagerDuty receiver pointed at the stand-in's
//! Events API, so the dedup keys it sends are Alertmanager's own. The keys oncall computes from
//! `/api/v2/status` must equal them; `A` in the app must ack exactly the incident an alert
//! belongs to (one bulk PUT with `From`, no picker even when titles are ambiguous); and when
//! the route tree the UI sees differs from the one that paged, the match falls back to the
//! alert details PagerDuty holds.

use crate::harness;
use crate::tui_support;

use std::collections::{BTreeMap, BTreeSet};

use crossterm::event::KeyCode;
use harness::pagerduty::{incident_at, PagerDutyStandin, ME_EMAIL};
use harness::{alert, Alertmanager};
use oncall::secret::Secret;
use oncall::sources::alertmanager::AlertmanagerClient;
use oncall::sources::pagerduty::PagerDutyClient;
use oncall::sources::transport::Endpoint;
use oncall::sources::Auth;
use oncall::triage::group_key::group_keys;
use oncall::tui::action::ContextInfo;
use oncall::tui::app::{App, AppOptions};
use oncall::tui::runtime::Clients;
use serde_json::Value;
use tui_support::screen::{Background, Screen};

const TOKEN: &str = "u+standin-token-123";
const ROUTING_KEY: &str = "0123456789abcdef0123456789abcdef";

/// Root groups by alertname; critical alerts go to a child grouping by alertname and cluster;
/// a regex in `matchers` has a child of its own; a `match_re` child with `continue: true` lets the next sibling (a `match` on a value with
/// a tab, quote and backslash, grouping by everything) take the alert too.
fn paging_config(events_url: &str) -> String {
    format!(
        r#"route:
  receiver: pd
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - receiver: pd
      matchers: ['severity="critical"']
      group_by: [alertname, cluster]
    - receiver: pd
      matchers: ['env=~"stag.*"']
    - receiver: pd
      match_re:
        service: "api|web"
      continue: true
    - receiver: pd
      match:
        team: "db\tops \"x\" \\ y"
      group_by: ['...']
receivers:
  - name: pd
    pagerduty_configs:
      - routing_key: {ROUTING_KEY}
        url: {events_url}
"#
    )
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const TEAM: &str = "db\tops \"x\" \\ y";

/// The alerts of the scenario: two critical `Foo`s in different clusters (two incidents with
/// nearly the same title), one alert taken by the `continue` route and its sibling (two
/// groups), one that only the root takes, one for the `matchers` regex.
fn scenario() -> Vec<BTreeMap<String, String>> {
    vec![
        labels(&[
            ("alertname", "Foo"),
            ("severity", "critical"),
            ("cluster", "a"),
        ]),
        labels(&[
            ("alertname", "Foo"),
            ("severity", "critical"),
            ("cluster", "b"),
        ]),
        labels(&[("alertname", "Bar"), ("service", "api"), ("team", TEAM)]),
        labels(&[("alertname", "Qux"), ("severity", "warning")]),
        labels(&[("alertname", "Baz"), ("env", "staging")]),
    ]
}

fn push(am: &Alertmanager, alerts: &[BTreeMap<String, String>]) {
    let values: Vec<Value> = alerts
        .iter()
        .map(|l| {
            let pairs: Vec<(&str, &str)> =
                l.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            alert(&pairs, &[("summary", "it_dedup_key")])
        })
        .collect();
    am.push(&values);
}

fn client(am: &Alertmanager) -> AlertmanagerClient {
    AlertmanagerClient::new(Endpoint::parse(&am.url()).expect("url")).expect("client")
}

/// Wait until the stand-in has received `n` trigger events; their dedup keys.
fn sent_keys(pd: &PagerDutyStandin, n: usize) -> BTreeSet<String> {
    harness::wait_for(&format!("{n} PagerDuty events from Alertmanager"), || {
        let keys: BTreeSet<String> = pd
            .events()
            .iter()
            .filter(|e| e["event_action"] == "trigger")
            .filter_map(|e| e["dedup_key"].as_str().map(str::to_string))
            .collect();
        (keys.len() >= n).then_some(keys)
    })
}

/// Alertmanager paging the stand-in with the scenario's alerts; returns both and the keys it
/// sent (6 groups: Foo/a, Foo/b, Bar twice, Qux, Baz).
fn paged() -> (Alertmanager, PagerDutyStandin, BTreeSet<String>) {
    let pd = PagerDutyStandin::start(TOKEN, 0);
    let am = Alertmanager::with_config(&paging_config(&pd.events_url()));
    push(&am, &scenario());
    am.wait_for_alerts("", 5);
    let sent = sent_keys(&pd, 6);
    (am, pd, sent)
}

#[test]
fn computed_dedup_keys_equal_the_ones_alertmanager_sends() {
    let (am, pd, sent) = paged();
    let tree = harness::block_on(async move { client(&am).route_tree().await })
        .expect("the route tree from /api/v2/status");
    let mut computed = BTreeSet::new();
    for l in scenario() {
        let groups = group_keys(&tree, &l);
        let expected_groups = if l["alertname"] == "Bar" { 2 } else { 1 };
        assert_eq!(groups.len(), expected_groups, "{l:?}: {groups:?}");
        for g in groups {
            assert!(
                sent.contains(&g.dedup_key),
                "{l:?}: group key {:?} hashes to {}, which Alertmanager did not send (sent {sent:?})",
                g.group_key,
                g.dedup_key
            );
            computed.insert(g.dedup_key);
        }
    }
    assert_eq!(
        computed, sent,
        "every key Alertmanager sent is accounted for"
    );
    // Each key opened one incident on the stand-in.
    for key in &sent {
        assert!(pd.incident_for_dedup_key(key).is_some(), "{key}");
    }
}

/// The real runtime over the harness's Alertmanager and the PagerDuty stand-in.
fn start(am_url: &str, pd: &PagerDutyStandin) -> Background {
    let mut ep = Endpoint::parse(&pd.url()).expect("url");
    ep.auth = Auth::PagerDutyToken(Secret::new(TOKEN));
    let pagerduty = PagerDutyClient::new(ep, Some(ME_EMAIL.to_string())).expect("client");
    let context = ContextInfo {
        name: "test".into(),
        prometheus: false,
        alertmanagers: vec!["alertmanager".into()],
        pagerduty: true,
        insecure: vec![],
    };
    let clients = Clients {
        alertmanagers: vec![
            AlertmanagerClient::new(Endpoint::parse(am_url).expect("url")).expect("client"),
        ],
        pagerduty: Some(pagerduty),
        prometheus: None,
    };
    let mut opts = AppOptions::new(Vec::new(), context);
    opts.width = 140;
    opts.height = 40;
    opts.prefs.author = "it-dedup".into();
    Background::start(App::new(opts), clients)
}

/// Filter the alert list down to one alert, so the selection is that alert.
fn select(screen: &Screen, filter: &str) {
    screen.press(KeyCode::Char('/'));
    screen.typed(filter);
    screen.press(KeyCode::Enter);
}

/// A decoy whose title names `Foo`, so a title match alone would be ambiguous.
fn add_decoy(pd: &PagerDutyStandin) {
    let mut decoy = incident_at(0);
    decoy.id = "PDECOY1".into();
    decoy.number = 900;
    decoy.title = "[FIRING:1] Foo a (critical)".into();
    decoy.status = "triggered".into();
    pd.add_incident(decoy);
}

/// The PUTs the stand-in received since the last `clear_requests`.
fn puts(pd: &PagerDutyStandin) -> Vec<harness::pagerduty::RecordedRequest> {
    pd.requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect()
}

fn assert_one_bulk_ack(pd: &PagerDutyStandin, id: &str) {
    let writes = puts(pd);
    assert_eq!(writes.len(), 1, "one bulk PUT: {writes:?}");
    assert_eq!(writes[0].path, "/incidents");
    assert_eq!(writes[0].header("from"), Some(ME_EMAIL));
    let body = writes[0].json();
    assert_eq!(
        body["incidents"],
        serde_json::json!([{"id": id, "type": "incident_reference", "status": "acknowledged"}])
    );
    assert_eq!(
        pd.incident(id).map(|i| i.status),
        Some("acknowledged".into())
    );
}

#[test]
fn ack_in_the_app_acks_exactly_the_incident_of_the_dedup_key() {
    let (am, pd, _) = paged();
    add_decoy(&pd);
    let foo_a = labels(&[
        ("alertname", "Foo"),
        ("severity", "critical"),
        ("cluster", "a"),
    ]);
    let tree = harness::block_on({
        let c = client(&am);
        async move { c.route_tree().await }
    })
    .expect("route tree");
    let key = group_keys(&tree, &foo_a)[0].dedup_key.clone();
    let target = pd.incident_for_dedup_key(&key).expect("Foo/a's incident");

    let ui = start(&am.url(), &pd);
    ui.wait_for("the alerts", |t| t.contains("Qux"));
    select(&ui.screen, "cluster=a");
    ui.wait_for("the dedup match in the detail pane", |t| {
        t.contains(&format!("#{}", target.number)) && t.contains("by dedup key")
    });
    pd.clear_requests();
    ui.screen.press(KeyCode::Char('A'));
    let screen = ui.wait_for("the ack", |t| t.contains("1 incident acknowledged"));
    assert!(!screen.contains("Which incident"), "no picker: {screen}");
    assert_one_bulk_ack(&pd, &target.id);
    // The exact match needed no look at incident alerts.
    assert!(
        pd.requests().iter().all(|r| !r.path.ends_with("/alerts")),
        "{:?}",
        pd.requests()
    );
    ui.screen.press(KeyCode::Char('q'));
}

#[test]
fn when_the_routes_differ_the_alert_details_pick_the_incident() {
    let (_paging_am, pd, _) = paged();
    add_decoy(&pd);
    // The app talks to another Alertmanager: same alerts, a route tree that never paged, so
    // no computed key matches an incident and the details must decide.
    let other = Alertmanager::start();
    push(&other, &scenario());
    other.wait_for_alerts("", 5);
    let target = pd
        .incidents()
        .into_iter()
        .find(|i| i.title.contains("Foo") && i.title.contains(" b"))
        .expect("Foo/b's incident");

    let ui = start(&other.url(), &pd);
    ui.wait_for("the alerts", |t| t.contains("Qux"));
    select(&ui.screen, "cluster=b");
    ui.wait_for("the selected alert's detail", |t| {
        t.contains("cluster") && t.contains("incident")
    });
    pd.clear_requests();
    ui.screen.press(KeyCode::Char('A'));
    let screen = ui.wait_for("the ack", |t| t.contains("1 incident acknowledged"));
    assert!(!screen.contains("Which incident"), "no picker: {screen}");
    assert_one_bulk_ack(&pd, &target.id);
    let looked_at: Vec<String> = pd
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/alerts"))
        .map(|r| r.path.clone())
        .collect();
    assert!(!looked_at.is_empty(), "the details were fetched");
    assert!(looked_at.len() <= 20, "bounded: {looked_at:?}");
    ui.wait_for("how it was matched", |t| t.contains("by alert details"));
    ui.screen.press(KeyCode::Char('q'));
}

fn cli(am: &Alertmanager, pd: &PagerDutyStandin) -> harness::Oncall {
    harness::Oncall::new()
        .alertmanager(&am.url())
        .pagerduty(&pd.url(), TOKEN, ME_EMAIL)
}

#[test]
fn oncall_ack_alert_acks_the_incident_it_matched_and_says_how() {
    let (am, pd, _) = paged();
    add_decoy(&pd);
    let tree = harness::block_on({
        let c = client(&am);
        async move { c.route_tree().await }
    })
    .expect("route tree");
    let foo_a = labels(&[
        ("alertname", "Foo"),
        ("severity", "critical"),
        ("cluster", "a"),
    ]);
    let target = pd
        .incident_for_dedup_key(&group_keys(&tree, &foo_a)[0].dedup_key)
        .expect("Foo/a's incident");
    pd.clear_requests();
    let run = cli(&am, &pd).run(&["ack", "--alert", "alertname=Foo,cluster=a"]);
    run.expect_code(0);
    assert!(run.stderr.contains("by dedup key"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("#{} {}", target.number, target.id)),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout.trim(), target.id);
    assert_one_bulk_ack(&pd, &target.id);
}

#[test]
fn oncall_ack_alert_falls_back_to_details_and_refuses_to_guess() {
    let (_paging_am, pd, _) = paged();
    add_decoy(&pd);
    let other = Alertmanager::start();
    let mut alerts = scenario();
    // An alert no incident was made for: only titles name it, three of them.
    alerts.push(labels(&[
        ("alertname", "Foo"),
        ("severity", "critical"),
        ("cluster", "c"),
    ]));
    push(&other, &alerts);
    other.wait_for_alerts("", 6);
    let target = pd
        .incidents()
        .into_iter()
        .find(|i| i.title.contains("Foo") && i.title.contains(" b"))
        .expect("Foo/b's incident");

    // Every title names Foo, but of cluster a or b: none is Foo/c's incident.
    pd.clear_requests();
    let run = cli(&other, &pd).run(&["ack", "--alert", "alertname=Foo,cluster=c"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("no open incident belongs"),
        "{}",
        run.stderr
    );
    assert!(
        puts(&pd).is_empty(),
        "nothing acked on another cluster's title"
    );
    // Two titles that fit Foo/c: the candidates are listed and nothing is acked.
    for (id, number, title) in [
        ("PCEE001", 901, "[FIRING:1] Foo c"),
        ("PCEE002", 902, "[FIRING:2] Foo (c critical)"),
    ] {
        let mut fits = incident_at(0);
        (fits.id, fits.number, fits.title) = (id.into(), number, title.into());
        fits.status = "triggered".into();
        pd.add_incident(fits);
    }
    pd.clear_requests();
    let run = cli(&other, &pd).run(&["ack", "--alert", "alertname=Foo,cluster=c"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("matches 2 incidents by title"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("PCEE001") && run.stderr.contains("PCEE002"),
        "the candidates are listed: {}",
        run.stderr
    );
    assert!(puts(&pd).is_empty(), "nothing acked when ambiguous");

    pd.clear_requests();
    let run = cli(&other, &pd).run(&["ack", "--alert", "{alertname=\"Foo\", cluster=\"b\"}"]);
    run.expect_code(0);
    assert!(run.stderr.contains("by alert details"), "{}", run.stderr);
    assert_one_bulk_ack(&pd, &target.id);

    // Nothing fires for the selector: exit 1, nothing sent.
    pd.clear_requests();
    let run = cli(&other, &pd).run(&["ack", "--alert", "alertname=Nope"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("no firing alert matches"),
        "{}",
        run.stderr
    );
    assert!(puts(&pd).is_empty());
    // --alert is for ack only.
    cli(&other, &pd)
        .run(&["resolve", "--alert", "alertname=Foo"])
        .expect_code(2);
}

/// The paging Alertmanager behind a front that answers `/api/v2/status` with a
/// `config.original` that is not YAML, and passes every other request through.
fn with_broken_config(am: &Alertmanager) -> harness::HttpServer {
    use axum::extract::{Request, State};
    use axum::response::{IntoResponse, Response};
    async fn front(State(base): State<String>, req: Request) -> Response {
        let path = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default();
        let resp = harness::http()
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("the real Alertmanager answers");
        let status = resp.status().as_u16();
        let mut body: Value = resp.json().await.expect("JSON from Alertmanager");
        if path.starts_with("/api/v2/status") {
            body["config"]["original"] = Value::String("route: [unclosed\n  receiver: x".into());
        }
        (
            axum::http::StatusCode::from_u16(status).expect("status"),
            axum::Json(body),
        )
            .into_response()
    }
    harness::HttpServer::start(axum::Router::new().fallback(front).with_state(am.url()))
}

#[test]
fn an_unreadable_route_tree_is_shown_and_the_details_decide() {
    let (am, pd, _) = paged();
    add_decoy(&pd);
    let front = with_broken_config(&am);
    let err = harness::block_on({
        let c =
            AlertmanagerClient::new(Endpoint::parse(&front.url()).expect("url")).expect("client");
        async move { c.route_tree().await }
    })
    .expect_err("the config is not YAML");
    assert!(err.to_string().contains("not valid YAML"), "{err}");
    let target = pd
        .incidents()
        .into_iter()
        .find(|i| i.title.contains("Foo") && i.title.contains(" a"))
        .expect("Foo/a's incident");

    let ui = start(&front.url(), &pd);
    ui.wait_for("the alerts", |t| t.contains("Qux"));
    select(&ui.screen, "cluster=a");
    ui.wait_for("why there is no exact link", |t| {
        t.contains("routes") && t.contains("not valid YAML")
    });
    pd.clear_requests();
    ui.screen.press(KeyCode::Char('A'));
    let screen = ui.wait_for("the ack", |t| t.contains("1 incident acknowledged"));
    assert!(!screen.contains("Which incident"), "no picker: {screen}");
    assert_one_bulk_ack(&pd, &target.id);
    ui.wait_for("how it was matched", |t| t.contains("by alert details"));
    ui.screen.press(KeyCode::Char('q'));
}

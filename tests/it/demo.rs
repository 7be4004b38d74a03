//! The demo platform through the real clients of `oncall::sources`, over loopback HTTP, as
//! the UI and the CLI use it.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use oncall::dashboards::{self, plan, PlanOptions, Unit, VarValue};
use oncall::demo::{DemoPlatform, DEFAULT_SEED};
use oncall::model::matcher::Matcher;
use oncall::model::{IncidentStatus, PostableSilence};
use oncall::secret::Secret;
use oncall::sources::alertmanager::{AlertQuery, AlertmanagerClient};
use oncall::sources::pagerduty::{IncidentQuery, PagerDutyClient};
use oncall::sources::prometheus::{PrometheusClient, QueryData, RangeQuery};
use oncall::sources::{ApiError, Auth, Endpoint, SourceError};

/// A weekday afternoon, UTC: traffic near its daily peak.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 11, 27, 14, 30, 0)
        .single()
        .unwrap()
}

async fn demo() -> DemoPlatform {
    DemoPlatform::start_at(start(), DEFAULT_SEED).await.unwrap()
}

fn prometheus(d: &DemoPlatform) -> PrometheusClient {
    PrometheusClient::new(Endpoint::new(d.prometheus_url.clone())).unwrap()
}

fn alertmanager(d: &DemoPlatform) -> AlertmanagerClient {
    AlertmanagerClient::new(Endpoint::new(d.alertmanager_url.clone())).unwrap()
}

fn pagerduty(d: &DemoPlatform) -> PagerDutyClient {
    let mut ep = Endpoint::new(d.pagerduty_url.clone());
    ep.auth = Auth::PagerDutyToken(Secret::new("demo-token"));
    PagerDutyClient::new(ep, None).unwrap()
}

/// The bounds a panel's values must stay within to be plausible for its unit.
fn plausible(unit: &Unit, v: f64) -> bool {
    if !v.is_finite() {
        return false;
    }
    match unit {
        Unit::Percent => (0.0..=100.0).contains(&v),
        Unit::Ratio => (0.0..=1.0).contains(&v),
        Unit::Seconds => (0.0..600.0).contains(&v),
        Unit::Milliseconds => (0.0..600_000.0).contains(&v),
        Unit::Bytes | Unit::BytesPerSec => (0.0..1e15).contains(&v),
        // Net flows (deposits minus withdrawals) may be negative.
        Unit::Currency(_) => v.abs() < 1e13,
        _ => (0.0..1e12).contains(&v),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_panel_of_every_dashboard_has_plausible_data() {
    let d = demo().await;
    let client = prometheus(&d);
    let loaded = dashboards::load_embedded();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.dashboards.len(), 7);
    let opts = PlanOptions::default();
    let now = d.now().timestamp_millis();
    let mut queries = 0;
    for dash in &loaded.dashboards {
        let vars: BTreeMap<String, VarValue> = dash
            .variables
            .iter()
            .map(|v| (v.name.clone(), VarValue::All))
            .collect();
        for panel in &dash.panels {
            // Two widths: a narrow panel, and one full-screen on a wide terminal.
            for width in [40, 300] {
                let window = plan::plan_range(now, dash.range, width, &opts);
                for q in &panel.queries {
                    let expr = plan::expand(&q.expr, &vars, &window, opts.scrape_interval);
                    let answer = client
                        .query_range(&RangeQuery {
                            expr: expr.clone(),
                            start_ms: window.start_ms,
                            end_ms: window.end_ms,
                            step_ms: window.step_ms,
                        })
                        .await
                        .unwrap_or_else(|e| panic!("{}/{}: {expr}: {e}", dash.id, panel.title));
                    queries += 1;
                    let series = answer.data;
                    assert!(
                        !series.is_empty(),
                        "{} / {}: no series for {expr}",
                        dash.id,
                        panel.title
                    );
                    for s in &series {
                        assert!(
                            !s.points.is_empty(),
                            "{} / {}: empty series",
                            dash.id,
                            panel.title
                        );
                        assert!(s.points.len() as u64 <= window.points());
                        for &(t, v) in &s.points {
                            assert_eq!(
                                (t - window.start_ms) % window.step_ms,
                                0,
                                "points on the step grid"
                            );
                            assert!((window.start_ms..=window.end_ms).contains(&t));
                            assert!(
                                plausible(&panel.unit, v),
                                "{} / {} [{}]: {v} is not plausible for {:?} ({expr})",
                                dash.id,
                                panel.title,
                                q.legend.as_deref().unwrap_or(""),
                                panel.unit
                            );
                        }
                    }
                    // The newest point is close to now: panels show the present.
                    let newest = series
                        .iter()
                        .filter_map(|s| s.last())
                        .map(|p| p.0)
                        .max()
                        .unwrap();
                    assert!(
                        now - newest <= window.step_ms * 2,
                        "{} / {}: stale data",
                        dash.id,
                        panel.title
                    );
                }
            }
        }
    }
    assert!(queries > 100, "{queries} queries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_are_a_pure_function_of_time() {
    let d = demo().await;
    let client = prometheus(&d);
    let now = d.now().timestamp_millis();
    let expr = "sum by (job) (rate(http_requests_total[1m]))";
    let q = |start_ms: i64, end_ms: i64| RangeQuery {
        expr: expr.to_string(),
        start_ms,
        end_ms,
        step_ms: 15_000,
    };
    let end = now.div_euclid(15_000) * 15_000;
    let full = client
        .query_range(&q(end - 3_600_000, end))
        .await
        .unwrap()
        .data;
    let again = client
        .query_range(&q(end - 3_600_000, end))
        .await
        .unwrap()
        .data;
    assert_eq!(full, again);
    // A tail fetch of the last five minutes agrees point for point.
    let tail = client
        .query_range(&q(end - 300_000, end))
        .await
        .unwrap()
        .data;
    for s in &tail {
        let whole = full.iter().find(|f| f.labels == s.labels).unwrap();
        for p in &s.points {
            assert!(whole.points.contains(p), "{:?} {p:?}", s.labels);
        }
    }
    // And another platform with the same seed and start serves the same numbers.
    let other = demo().await;
    let same = prometheus(&other)
        .query_range(&q(end - 3_600_000, end))
        .await
        .unwrap()
        .data;
    assert_eq!(full, same);
}

#[tokio::test]
async fn bad_queries_get_prometheus_errors() {
    let d = demo().await;
    let client = prometheus(&d);
    let api_error = |e: SourceError| match e {
        SourceError::Api {
            status,
            api: ApiError::Prometheus { error_type, error },
            ..
        } => (status, error_type, error),
        other => panic!("expected a Prometheus API error, got {other:?}"),
    };
    let (status, kind, message) = api_error(
        client
            .query("sum(rate(http_requests_total[5m]", None)
            .await
            .unwrap_err(),
    );
    assert_eq!((status, kind.as_str()), (400, "bad_data"));
    assert!(
        message.starts_with("invalid parameter \"query\": 1:"),
        "{message}"
    );
    assert!(message.contains("parse error"), "{message}");

    let (_, _, message) = api_error(client.query("rate(up)", None).await.unwrap_err());
    assert!(
        message.contains(
            "expected type range vector in call to function \"rate\", got instant vector"
        ),
        "{message}"
    );

    let now = d.now().timestamp_millis();
    let too_many = RangeQuery {
        expr: "up".into(),
        start_ms: now - 86_400_000,
        end_ms: now,
        step_ms: 1_000,
    };
    let (status, kind, message) = api_error(client.query_range(&too_many).await.unwrap_err());
    assert_eq!((status, kind.as_str()), (400, "bad_data"));
    assert_eq!(
        message,
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"
    );

    // The raw envelope, as any Prometheus client sees it.
    let raw = reqwest::Client::new()
        .post(d.prometheus_url.join("api/v1/query").unwrap())
        .form(&[("query", "}garbage{")])
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    let body: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(body["status"], "error");
    assert_eq!(body["errorType"], "bad_data");
    assert!(body["error"].as_str().unwrap().contains("parse error"));
}

#[tokio::test]
async fn instant_queries_labels_and_alerts() {
    let d = demo().await;
    let client = prometheus(&d);
    let up = client
        .query("up{job=\"wallet-service\"}", None)
        .await
        .unwrap()
        .data;
    let QueryData::Vector(series) = up else {
        panic!("expected a vector")
    };
    let values: BTreeMap<String, f64> = series
        .iter()
        .map(|s| (s.labels["instance"].clone(), s.points[0].1))
        .collect();
    assert_eq!(values["wallet-service-0:3000"], 1.0);
    assert_eq!(
        values["wallet-service-1:3000"], 0.0,
        "the crashed replica is down"
    );

    let nodes = client
        .label_values("instance", &["node_uname_info".to_string()], None, None)
        .await
        .unwrap()
        .data;
    assert_eq!(
        nodes,
        vec!["node-1:9100", "node-2:9100", "node-3:9100", "node-4:9100"]
    );

    let alerts = client.alerts().await.unwrap().data;
    let disk = alerts
        .iter()
        .find(|a| a.labels.get("alertname").map(String::as_str) == Some("DiskSpaceLow"))
        .expect("DiskSpaceLow is pending");
    assert_eq!(disk.state.as_str(), "pending");
    assert_eq!(disk.labels["instance"], "node-3:9100");
    assert!(disk.value < 0.1);
    let errors = alerts
        .iter()
        .find(|a| a.labels.get("alertname").map(String::as_str) == Some("HighErrorRate"))
        .unwrap();
    assert_eq!(errors.state.as_str(), "firing");
    assert!(errors.annotations["description"].contains("wallet-service"));
    assert!(errors.annotations["runbook_url"].ends_with("/high-error-rate"));

    let groups = client.rules(None).await.unwrap().data;
    assert_eq!(groups.len(), 4);

    let build = client.buildinfo().await.unwrap().data;
    assert!(build.version.starts_with("2."));
}

fn silence_for(matchers: &[&str], start: DateTime<Utc>, end: DateTime<Utc>) -> PostableSilence {
    PostableSilence {
        id: None,
        matchers: matchers
            .iter()
            .map(|m| Matcher::parse(m).unwrap())
            .collect(),
        starts_at: start,
        ends_at: end,
        created_by: "test@oncall".into(),
        comment: "demo test".into(),
    }
}

#[tokio::test]
async fn silences_mute_alerts_and_follow_the_update_rule() {
    let d = demo().await;
    let am = alertmanager(&d);
    let status = am.status().await.unwrap();
    assert!(status.version_info.version.starts_with("0.25"));

    let target = vec![Matcher::parse("alertname=HighErrorRate").unwrap()];
    let firing = am
        .alerts(&AlertQuery::firing().with_filter(target.clone()))
        .await
        .unwrap();
    assert_eq!(firing.len(), 1);
    assert_eq!(firing[0].labels["service"], "wallet-service");

    // The planned reindex is silenced, the gateway's warning is not, and the wallet
    // warning is inhibited by its critical alert.
    let all = am.alerts(&AlertQuery::default()).await.unwrap();
    let cpu = all
        .iter()
        .find(|a| a.labels["alertname"] == "HighCPUUsage")
        .unwrap();
    assert_eq!(cpu.status.silenced_by.len(), 1);
    let elevated: Vec<_> = all
        .iter()
        .filter(|a| a.labels["alertname"] == "ElevatedErrorRate")
        .collect();
    let wallet = elevated
        .iter()
        .find(|a| a.labels["service"] == "wallet-service")
        .unwrap();
    assert_eq!(
        wallet.status.inhibited_by,
        vec![firing[0].fingerprint.clone()]
    );
    assert!(elevated
        .iter()
        .any(|a| a.labels["service"] == "api-gateway" && a.status.inhibited_by.is_empty()));

    let now = d.now();
    let one_hour = now + chrono::Duration::hours(1);
    let id = am
        .create_silence(&silence_for(
            &["alertname=HighErrorRate", "service=wallet-service"],
            now,
            one_hour,
        ))
        .await
        .unwrap();
    let muted = am
        .alerts(&AlertQuery::default().with_filter(target.clone()))
        .await
        .unwrap();
    assert_eq!(muted[0].status.state.as_str(), "suppressed");
    assert_eq!(muted[0].status.silenced_by, vec![id.clone()]);
    assert!(am
        .alerts(&AlertQuery::firing().with_filter(target.clone()))
        .await
        .unwrap()
        .is_empty());

    // Extending keeps the ID...
    let silence = am.silence(&id).await.unwrap();
    let extended = am
        .extend_silence(&silence, now + chrono::Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(extended, id);
    // ...editing the matchers replaces the silence and expires the old one.
    let mut edited = silence_for(&["alertname=HighErrorRate"], silence.starts_at, one_hour);
    edited.id = Some(id.clone());
    let replaced = am.update_silence(&edited).await.unwrap();
    assert_ne!(replaced, id);
    assert_eq!(am.silence(&id).await.unwrap().status.as_str(), "expired");

    // Alertmanager's own validation message comes back as the error.
    let past = am
        .create_silence(&silence_for(
            &["alertname=X"],
            now - chrono::Duration::hours(2),
            now - chrono::Duration::hours(1),
        ))
        .await
        .unwrap_err();
    assert!(
        past.to_string().contains("end time can't be in the past"),
        "{past}"
    );

    am.expire_silence(&replaced).await.unwrap();
    let active = am
        .alerts(&AlertQuery::firing().with_filter(target))
        .await
        .unwrap();
    assert_eq!(active.len(), 1, "expiring the silence unmutes the alert");

    let listed = am.silences(&[]).await.unwrap();
    assert!(listed.len() >= 5);
    assert_eq!(listed[0].status.as_str(), "active", "active silences first");
}

#[tokio::test]
async fn pagerduty_incidents_can_be_acknowledged_and_resolved() {
    let d = demo().await;
    let pd = pagerduty(&d);
    let me = pd.me().await.unwrap();
    assert_eq!(me.email, "oncall@mycrypto.example");

    let open = pd
        .incidents(&IncidentQuery::open())
        .await
        .unwrap()
        .incidents;
    let titles: Vec<&str> = open.iter().map(|i| i.title.as_str()).collect();
    assert!(
        titles
            .iter()
            .any(|t| t.contains("HighErrorRate wallet-service")),
        "{titles:?}"
    );
    assert!(
        titles
            .iter()
            .any(|t| t.contains("ServiceDown wallet-service")),
        "{titles:?}"
    );
    let page = open
        .iter()
        .find(|i| i.title.contains("HighErrorRate"))
        .unwrap();
    assert_eq!(page.status, IncidentStatus::Triggered);

    let acked = pd
        .acknowledge(std::slice::from_ref(&page.id))
        .await
        .unwrap();
    assert_eq!(acked.done, vec![page.id.clone()]);
    let again = pd
        .acknowledge(std::slice::from_ref(&page.id))
        .await
        .unwrap();
    assert_eq!(again.already, vec![page.id.clone()]);
    let query = IncidentQuery {
        incident_key: page.incident_key.clone(),
        ..IncidentQuery::default()
    };
    let now = pd.incidents(&query).await.unwrap().incidents;
    assert_eq!(now[0].status, IncidentStatus::Acknowledged);
    assert_eq!(now[0].acknowledgements.len(), 1);

    let resolved = pd.resolve(std::slice::from_ref(&page.id)).await.unwrap();
    assert!(resolved.is_success());
    let after = pd.incidents(&query).await.unwrap().incidents;
    assert_eq!(after[0].status, IncidentStatus::Resolved);
    let still_open = pd
        .incidents(&IncidentQuery::open())
        .await
        .unwrap()
        .incidents;
    assert!(still_open.iter().all(|i| i.id != page.id));

    let alerts = pd.incident_alerts(&page.id).await.unwrap();
    assert!(alerts[0].body.details["firing"]
        .as_str()
        .unwrap()
        .contains("alertname = HighErrorRate"));

    // A write without `From` is refused, as PagerDuty refuses it.
    let raw = reqwest::Client::new()
        .put(d.pagerduty_url.join("incidents").unwrap())
        .header("Authorization", "Token token=x")
        .json(&serde_json::json!({ "incidents": [{ "id": page.id, "type": "incident_reference", "status": "acknowledged" }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    let unauthorized = reqwest::Client::new()
        .get(d.pagerduty_url.join("incidents").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status().as_u16(), 401);
}

#[tokio::test]
async fn on_call_levels_one_and_two() {
    let d = demo().await;
    let oncalls = pagerduty(&d).oncalls(&Default::default()).await.unwrap();
    let levels: Vec<(u32, &str)> = oncalls
        .iter()
        .map(|o| (o.escalation_level, o.user.summary.as_str()))
        .collect();
    assert!(levels.contains(&(1, "Demo On-Call")));
    assert!(levels.contains(&(2, "Sam Rivera")));
}

#[tokio::test]
async fn shutdown_stops_the_servers() {
    let d = demo().await;
    let url = d.prometheus_url.join("-/ready").unwrap();
    assert!(reqwest::get(url.clone())
        .await
        .unwrap()
        .status()
        .is_success());
    d.shutdown().await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    assert!(client.get(url).send().await.is_err());
}

#[tokio::test]
async fn posted_alerts_groups_and_receivers() {
    let d = demo().await;
    let am = alertmanager(&d);
    let labels: BTreeMap<String, String> = [
        ("alertname", "DemoTestAlert"),
        ("severity", "warning"),
        ("service", "kyc-service"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let posted = oncall::model::PostableAlert {
        labels: labels.clone(),
        annotations: BTreeMap::from([("summary".to_string(), "posted by a test".to_string())]),
        starts_at: None,
        ends_at: None,
        generator_url: None,
    };
    am.post_alerts(&[posted]).await.unwrap();
    let filter = vec![Matcher::parse("alertname=DemoTestAlert").unwrap()];
    let found = am
        .alerts(&AlertQuery::default().with_filter(filter))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].labels, labels);
    assert_eq!(found[0].receivers[0].name, "slack-platform");

    let paging = AlertQuery {
        receiver: Some("pagerduty-.*".into()),
        ..AlertQuery::default()
    };
    let pages = am.alerts(&paging).await.unwrap();
    assert!(!pages.is_empty());
    assert!(pages.iter().all(|a| a.labels["severity"] == "critical"));

    let groups = am.alert_groups(&AlertQuery::default()).await.unwrap();
    let wallet_errors = groups
        .iter()
        .find(|g| g.labels.get("alertname").map(String::as_str) == Some("HighErrorRate"))
        .unwrap();
    assert_eq!(wallet_errors.labels["service"], "wallet-service");
    assert_eq!(wallet_errors.receiver.name, "pagerduty-critical");
}

#[tokio::test]
async fn pagerduty_filters_and_pages() {
    let d = demo().await;
    let pd = pagerduty(&d);
    let low = IncidentQuery {
        urgencies: vec![oncall::model::Urgency::Low],
        ..IncidentQuery::open()
    };
    let low = pd.incidents(&low).await.unwrap().incidents;
    assert_eq!(low.len(), 1);
    assert!(low[0].title.contains("kyc-ocr-sync"));
    let mine = IncidentQuery {
        mine: true,
        ..IncidentQuery::open()
    };
    let mine = pd.incidents(&mine).await.unwrap().incidents;
    assert!(mine.len() >= 4, "{} incidents assigned to me", mine.len());
    let acked: Vec<_> = mine
        .iter()
        .filter(|i| i.status == IncidentStatus::Acknowledged)
        .collect();
    assert_eq!(
        acked.len(),
        1,
        "the pool page was acknowledged before the demo began"
    );

    // Small pages, followed to the end.
    let raw: serde_json::Value = reqwest::Client::new()
        .get(
            d.pagerduty_url
                .join("incidents?limit=2&offset=0&total=true")
                .unwrap(),
        )
        .header("Authorization", "Token token=x")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["incidents"].as_array().unwrap().len(), 2);
    assert_eq!(raw["more"], true);
    assert!(raw["total"].as_u64().unwrap() >= 5);
}

/// The demo's route tree (served in `/api/v2/status`) and the incident keys of its PagerDuty
/// agree: every alert routes where the demo says, and every paging alert's incident is found
/// by dedup key, as `A` in the UI finds it.
#[tokio::test]
async fn incidents_match_their_alerts_by_dedup_key() {
    use oncall::triage::group_key::group_keys;
    use oncall::triage::incident_match::{related, MatchedBy};
    let d = demo().await;
    let am = alertmanager(&d);
    let tree = am.route_tree().await.unwrap();
    let alerts = am.alerts(&AlertQuery::default()).await.unwrap();
    let incidents = pagerduty(&d)
        .incidents(&IncidentQuery::open())
        .await
        .unwrap()
        .incidents;
    for a in &alerts {
        let groups = group_keys(&tree, &a.labels);
        assert_eq!(groups.len(), 1, "{:?}", a.labels);
        assert_eq!(
            groups[0].receiver.as_deref(),
            a.receivers.first().map(|r| r.name.as_str()),
            "{:?}",
            a.labels
        );
    }
    let paging: Vec<_> = alerts
        .iter()
        .filter(|a| a.receivers.iter().any(|r| r.name == "pagerduty-critical"))
        .filter(|a| !a.is_silenced() && !a.is_inhibited())
        .collect();
    assert!(!paging.is_empty(), "the scenario pages someone");
    for a in paging {
        let (by, found) = related(Some(&tree), a, &incidents, &alerts).expect("an incident");
        assert_eq!(by, MatchedBy::DedupKey, "{:?}", a.labels);
        assert_eq!(found.len(), 1, "{:?}", a.labels);
    }
}

/// The demo's PagerDuty takes notes and snoozes as the real one does: a note is stored and
/// logged, a triggered incident is not snoozed (400, with the way out).
#[test]
fn demo_takes_notes_and_refuses_to_snooze_a_triggered_incident() {
    let oncall = crate::harness::Oncall::new();
    let listed = oncall.run(&["--demo", "incidents", "-q"]);
    listed.expect_code(0);
    let number = listed
        .stdout
        .lines()
        .next()
        .expect("an open demo incident")
        .to_string();
    let note = oncall.run(&["--demo", "note", &number, "restarted the wallet pods", "-y"]);
    note.expect_code(0);
    assert!(note.stdout.trim().starts_with("QNOTE"), "{}", note.stdout);
    let log = oncall.run(&["--demo", "log", "-o", "json"]).json();
    assert!(
        log.as_array()
            .is_some_and(|a| a.iter().any(|e| e["kind"] == "note")),
        "{log}"
    );
    let snooze = oncall.run(&["--demo", "snooze", &number, "--for", "1h", "-y"]);
    snooze.expect_code(1);
    assert!(snooze.stderr.contains("oncall ack"), "{}", snooze.stderr);
}

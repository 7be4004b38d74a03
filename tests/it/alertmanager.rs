//! The Alertmanager client against Debian's real `prometheus-alertmanager` 0.25.

use crate::harness;

use std::collections::BTreeMap;

use chrono::{Duration as ChronoDuration, DurationRound, Utc};
use harness::alertmanager::{many_alerts, silence_noisy, suppression_alerts};
use harness::Alertmanager;
use oncall::model::alert::{AlertState, PostableAlert};
use oncall::model::matcher::{MatchOp, Matcher};
use oncall::model::silence::{PostableSilence, SilenceState};
use oncall::sources::alertmanager::{AlertQuery, AlertmanagerClient};
use oncall::sources::{Endpoint, SourceError};
use serde_json::json;

fn client(am: &Alertmanager) -> AlertmanagerClient {
    AlertmanagerClient::new(Endpoint::parse(&am.url()).unwrap()).unwrap()
}

fn m(s: &str) -> Matcher {
    Matcher::parse(s).unwrap()
}

#[test]
fn harness_pushes_ten_thousand_alerts() {
    let am = Alertmanager::start();
    am.push_many(&many_alerts(10_000));
    let all = am.wait_for_alerts("", 10_000);
    assert!(all.iter().all(|a| a["status"]["state"] == "active"));
}

/// Four alerts: a critical (routed to `pager`), a warning it inhibits (same cluster), a
/// warning in another cluster, and an info alert muted by a silence made here directly.
struct Scene {
    am: Alertmanager,
    silence_id: String,
}

fn scene() -> Scene {
    let am = Alertmanager::start();
    am.push(&suppression_alerts(&[], &[("summary", "a noisy alert")]));
    let silence_id = silence_noisy(&am);
    // Suppression is computed at query time, but alerts are "unprocessed" until the
    // dispatcher has seen them: wait until all four have a final state.
    am.wait_for_alerts("active=false", 2);
    am.wait_for_alerts("silenced=false&inhibited=false", 2);
    Scene { am, silence_id }
}

#[tokio::test(flavor = "multi_thread")]
async fn client_status_reports_version_and_no_cluster() {
    let am = Alertmanager::start();
    let status = client(&am).status().await.unwrap();
    assert_eq!(status.version_info.version, "0.25.0");
    assert_eq!(status.version(), Some((0, 25, 0)));
    assert!(status.at_least(0, 22) && !status.at_least(0, 32));
    assert!(status.cluster.peers.is_empty(), "gossip is disabled");
}

#[tokio::test(flavor = "multi_thread")]
async fn client_alerts_filters_active_silenced_inhibited_and_matchers() {
    let s = scene();
    let c = client(&s.am);
    let names = |alerts: &[oncall::model::alert::Alert]| {
        let mut v: Vec<String> = alerts
            .iter()
            .map(|a| {
                format!(
                    "{}/{}",
                    a.alertname(),
                    a.labels.get("cluster").map(String::as_str).unwrap_or("-")
                )
            })
            .collect();
        v.sort();
        v
    };

    let all = c.alerts(&AlertQuery::default()).await.unwrap();
    assert_eq!(
        names(&all),
        ["DiskFilling/eu", "DiskFilling/us", "DiskFull/eu", "Noisy/-"]
    );
    let api = s.am.alerts("");
    assert_eq!(all.len(), api.len());
    for (ours, theirs) in all.iter().zip(&api) {
        assert_eq!(
            ours.fingerprint, theirs["fingerprint"],
            "same order as the API (by fingerprint)"
        );
    }

    let firing = c.alerts(&AlertQuery::firing()).await.unwrap();
    assert_eq!(names(&firing), ["DiskFilling/us", "DiskFull/eu"]);
    assert!(firing.iter().all(|a| a.status.state == AlertState::Active));

    let full = firing.iter().find(|a| a.alertname() == "DiskFull").unwrap();
    assert_eq!(full.summary(), Some("Disk full on db-1"));
    assert_eq!(full.severity(), Some("critical"));
    assert_eq!(
        full.runbook_url(oncall::model::alert::DEFAULT_RUNBOOK_KEYS),
        Some("https://runbooks.example.com/DiskFull")
    );
    assert_eq!(
        full.receivers
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        ["pager"]
    );

    let suppressed = c
        .alerts(&AlertQuery {
            active: false,
            ..AlertQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(names(&suppressed), ["DiskFilling/eu", "Noisy/-"]);
    let inhibited = suppressed
        .iter()
        .find(|a| a.alertname() == "DiskFilling")
        .unwrap();
    assert_eq!(inhibited.status.state, AlertState::Suppressed);
    assert_eq!(
        inhibited.status.inhibited_by,
        std::slice::from_ref(&full.fingerprint)
    );
    assert!(inhibited.is_inhibited() && !inhibited.is_silenced());
    let silenced = suppressed
        .iter()
        .find(|a| a.alertname() == "Noisy")
        .unwrap();
    assert_eq!(
        silenced.status.silenced_by,
        std::slice::from_ref(&s.silence_id)
    );

    let only_silenced = c
        .alerts(&AlertQuery {
            active: false,
            inhibited: false,
            ..AlertQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(names(&only_silenced), ["Noisy/-"]);

    let warnings = c
        .alerts(&AlertQuery::default().with_filter(vec![m("severity=~\"warn.*\"")]))
        .await
        .unwrap();
    assert_eq!(names(&warnings), ["DiskFilling/eu", "DiskFilling/us"]);
    let anded = c
        .alerts(
            &AlertQuery::default().with_filter(vec![m("alertname=DiskFilling"), m("cluster!=eu")]),
        )
        .await
        .unwrap();
    assert_eq!(names(&anded), ["DiskFilling/us"]);
    let odd_value = c
        .alerts(
            &AlertQuery::default()
                .with_filter(vec![m("summary=\"a \\\"quoted\\\" value, with = and ~\"")]),
        )
        .await
        .unwrap();
    assert!(
        odd_value.is_empty(),
        "a value with quotes and operators is sent intact"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_groups_one_per_route_and_receiver() {
    let s = scene();
    // Groups come from the dispatcher, which sees new alerts a moment after the API does.
    harness::wait_for("the dispatcher to group all four alerts", || {
        let groups = s.am.get("alerts/groups");
        let n: usize = groups
            .as_array()?
            .iter()
            .map(|g| g["alerts"].as_array().map_or(0, Vec::len))
            .sum();
        (n == 4).then_some(())
    });
    let groups = client(&s.am)
        .alert_groups(&AlertQuery::default())
        .await
        .unwrap();
    let mut seen: Vec<(String, String, usize)> = groups
        .iter()
        .map(|g| {
            (
                g.receiver.name.clone(),
                g.labels["alertname"].clone(),
                g.alerts.len(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("blackhole".to_string(), "DiskFilling".to_string(), 2),
            ("blackhole".to_string(), "Noisy".to_string(), 1),
            ("pager".to_string(), "DiskFull".to_string(), 1),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_post_alerts_lands_in_alertmanager() {
    let am = Alertmanager::start();
    let now = Utc::now();
    let a = PostableAlert {
        labels: BTreeMap::from([
            ("alertname".to_string(), "OncallTest".to_string()),
            ("severity".to_string(), "info".to_string()),
        ]),
        annotations: BTreeMap::from([("summary".to_string(), "posted by the client".to_string())]),
        starts_at: Some(now),
        ends_at: Some(now + ChronoDuration::minutes(30)),
        generator_url: Some("http://127.0.0.1/test".into()),
    };
    client(&am).post_alerts(&[a]).await.unwrap();
    let got = am.wait_for_alerts("filter=alertname%3D%22OncallTest%22", 1);
    assert_eq!(got[0]["annotations"]["summary"], "posted by the client");
    assert_eq!(got[0]["generatorURL"], "http://127.0.0.1/test");
}

fn postable(
    matchers: Vec<Matcher>,
    start: chrono::DateTime<Utc>,
    end: chrono::DateTime<Utc>,
) -> PostableSilence {
    PostableSilence {
        id: None,
        matchers,
        starts_at: start,
        ends_at: end,
        created_by: "alice@example.com".into(),
        comment: "CHG-1234 maintenance".into(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn client_silence_create_get_list_expire() {
    let am = Alertmanager::start();
    let c = client(&am);
    // Whole seconds: what we send is exactly what Alertmanager echoes.
    let start = Utc::now()
        .duration_trunc(ChronoDuration::seconds(1))
        .unwrap()
        + ChronoDuration::seconds(1);
    let end = start + ChronoDuration::hours(2);
    let matchers = vec![
        m("alertname=DiskFull"),
        Matcher::new("cluster", MatchOp::Re, "eu|us").unwrap(),
        Matcher::new("instance", MatchOp::NotRe, "canary-.*").unwrap(),
        Matcher::new("team", MatchOp::NotEq, "dev").unwrap(),
    ];
    let id = c
        .create_silence(&postable(matchers.clone(), start, end))
        .await
        .unwrap();

    let got = c.silence(&id).await.unwrap();
    assert_eq!(got.id, id);
    assert_eq!(got.matchers, matchers);
    assert_eq!(got.starts_at, start);
    assert_eq!(got.ends_at, end);
    assert_eq!(got.created_by, "alice@example.com");
    assert_eq!(got.comment, "CHG-1234 maintenance");
    // The raw API agrees on the wire form of each matcher.
    let raw = am.silence(&id);
    assert_eq!(
        raw["matchers"][2],
        json!({"name": "instance", "value": "canary-.*", "isRegex": true, "isEqual": false})
    );

    let listed = c.silences(&[]).await.unwrap();
    assert!(listed.iter().any(|s| s.id == id));
    let by_matchers = c.silences(&[m("alertname=DiskFull")]).await.unwrap();
    assert!(by_matchers.iter().any(|s| s.id == id));

    c.expire_silence(&id).await.unwrap();
    harness::wait_for("the silence to read back as expired", || {
        (am.silence(&id)["status"]["state"] == "expired").then_some(())
    });
    assert_eq!(c.silence(&id).await.unwrap().status, SilenceState::Expired);
    c.expire_silence(&id)
        .await
        .expect("expiring an expired silence is a no-op");

    let err = c
        .silence("0f6b0a47-5c1a-4b7c-9e2e-3c2a8b9d1e42")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(
        err.to_string()
            .contains("0f6b0a47-5c1a-4b7c-9e2e-3c2a8b9d1e42"),
        "{err}"
    );
    let err = c.silence("../status").await.unwrap_err();
    assert!(matches!(err, SourceError::Invalid { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn client_silence_rejections_carry_alertmanager_message() {
    let am = Alertmanager::start();
    let c = client(&am);
    let now = Utc::now();
    let err = c
        .create_silence(&postable(
            vec![m("alertname=X")],
            now,
            now - ChronoDuration::minutes(5),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert!(
        err.to_string()
            .contains("start time must be before end time"),
        "{err}"
    );
    let err = c
        .create_silence(&postable(
            vec![Matcher::new("foo", MatchOp::Re, ".*").unwrap()],
            now,
            now + ChronoDuration::hours(1),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn client_extend_keeps_the_id_when_alertmanager_updates_in_place() {
    let am = Alertmanager::start();
    let c = client(&am);
    let now = Utc::now();
    // Active: same matchers, same start, later end -> updated in place.
    let active = c
        .create_silence(&postable(
            vec![m("alertname=A")],
            now - ChronoDuration::minutes(1),
            now + ChronoDuration::hours(1),
        ))
        .await
        .unwrap();
    let before = c.silence(&active).await.unwrap();
    assert_eq!(before.status, SilenceState::Active);
    let new_end = (now + ChronoDuration::hours(3))
        .duration_trunc(ChronoDuration::seconds(1))
        .unwrap();
    let id = c.extend_silence(&before, new_end).await.unwrap();
    assert_eq!(id, active, "an active silence is extended in place");
    let after = c.silence(&id).await.unwrap();
    assert_eq!(after.ends_at, new_end);
    assert_eq!(after.starts_at, before.starts_at);
    assert_eq!(after.status, SilenceState::Active);
    assert_eq!(am.silences().len(), 1, "no second silence was made");

    // Pending: start in the future -> updated in place too.
    let start = (now + ChronoDuration::hours(1))
        .duration_trunc(ChronoDuration::seconds(1))
        .unwrap();
    let pending = c
        .create_silence(&postable(
            vec![m("alertname=P")],
            start,
            start + ChronoDuration::hours(1),
        ))
        .await
        .unwrap();
    let p = c.silence(&pending).await.unwrap();
    assert_eq!(p.status, SilenceState::Pending);
    let id = c
        .extend_silence(&p, start + ChronoDuration::hours(4))
        .await
        .unwrap();
    assert_eq!(id, pending);
    assert_eq!(
        c.silence(&id).await.unwrap().ends_at,
        start + ChronoDuration::hours(4)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_extend_and_edit_adopt_the_new_id_when_alertmanager_replaces() {
    let am = Alertmanager::start();
    let c = client(&am);
    let now = Utc::now();

    // Expired: can never be updated -> a new silence with a new ID; the old stays expired.
    let old = c
        .create_silence(&postable(
            vec![m("alertname=E")],
            now,
            now + ChronoDuration::hours(1),
        ))
        .await
        .unwrap();
    c.expire_silence(&old).await.unwrap();
    harness::wait_for("the silence to be expired", || {
        (am.silence(&old)["status"]["state"] == "expired").then_some(())
    });
    let expired = c.silence(&old).await.unwrap();
    let new_end = now + ChronoDuration::hours(2);
    let new_id = c.extend_silence(&expired, new_end).await.unwrap();
    assert_ne!(new_id, old, "an expired silence is replaced");
    let replacement = c.silence(&new_id).await.unwrap();
    assert_eq!(replacement.matchers, expired.matchers);
    assert_eq!(replacement.status, SilenceState::Active);
    assert_eq!(c.silence(&old).await.unwrap().status, SilenceState::Expired);

    // Active with different matchers (an edit) -> replaced, and the old one expired.
    let mut edit = replacement.extended_to(new_end);
    edit.matchers.push(m("cluster=eu"));
    let edited = c.update_silence(&edit).await.unwrap();
    assert_ne!(edited, new_id);
    assert_eq!(c.silence(&edited).await.unwrap().matchers, edit.matchers);
    harness::wait_for("the replaced silence to be expired", || {
        (am.silence(&new_id)["status"]["state"] == "expired").then_some(())
    });
}

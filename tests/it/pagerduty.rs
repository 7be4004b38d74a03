//! PagerDuty: first the stand-in itself (it must enforce the contract, or the client tests
//! below prove nothing), then the client against it.

use crate::harness;

use harness::pagerduty::{raw_request, ACCEPT, ME_EMAIL};
use harness::PagerDutyStandin;
use reqwest::Method;
use serde_json::json;

const TOKEN: &str = "u+standin-token-123";

fn auth() -> String {
    format!("Token token={TOKEN}")
}

#[test]
fn standin_rejects_a_wrong_token_and_a_wrong_accept() {
    let pd = PagerDutyStandin::start(TOKEN, 3);
    let url = format!("{}/incidents", pd.url());
    let (status, _, body) = raw_request(
        Method::GET,
        &url,
        &[("authorization", "Token token=nope"), ("accept", ACCEPT)],
        None,
    );
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], 2006);
    let (status, _, _) = raw_request(
        Method::GET,
        &url,
        &[
            ("authorization", &format!("Bearer {TOKEN}")),
            ("accept", ACCEPT),
        ],
        None,
    );
    assert_eq!(
        status, 401,
        "only the exact `Token token=` form is accepted"
    );
    let (status, _, _) = raw_request(
        Method::GET,
        &url,
        &[("authorization", &auth()), ("accept", "application/json")],
        None,
    );
    assert_eq!(status, 406);
    let (status, _, body) = raw_request(
        Method::GET,
        &url,
        &[("authorization", &auth()), ("accept", ACCEPT)],
        None,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        pd.requests().len(),
        4,
        "every request is recorded, rejected ones too"
    );
}

#[test]
fn standin_paginates_with_more_and_caps_at_ten_thousand() {
    let pd = PagerDutyStandin::start(TOKEN, 250);
    let h = [("authorization", auth()), ("accept", ACCEPT.to_string())];
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut seen = 0;
    for (offset, more) in [(0, true), (100, true), (200, false)] {
        let url = format!(
            "{}/incidents?limit=100&offset={offset}&statuses[]=triggered&statuses[]=acknowledged",
            pd.url()
        );
        let (status, _, body) = raw_request(Method::GET, &url, &h, None);
        assert_eq!(status, 200);
        assert_eq!(body["more"], more);
        seen += body["incidents"].as_array().unwrap().len();
    }
    assert_eq!(seen, 250);
    let url = format!("{}/incidents?limit=100&offset=9950", pd.url());
    let (status, _, body) = raw_request(Method::GET, &url, &h, None);
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 2002);
    let url = format!(
        "{}/incidents?user_ids[]=PUSER01&statuses[]=acknowledged&limit=100",
        pd.url()
    );
    let (_, _, body) = raw_request(Method::GET, &url, &h, None);
    for i in body["incidents"].as_array().unwrap() {
        assert_eq!(i["status"], "acknowledged");
        assert_eq!(i["assignments"][0]["assignee"]["id"], "PUSER01");
    }
}

#[test]
fn standin_enforces_from_the_bulk_limit_and_already_acknowledged() {
    let pd = PagerDutyStandin::start(TOKEN, 300);
    let url = format!("{}/incidents", pd.url());
    let base = [
        ("authorization", auth()),
        ("accept", ACCEPT.to_string()),
        ("content-type", "application/json".to_string()),
    ];
    let h: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut with_from = h.clone();
    with_from.push(("from", ME_EMAIL));
    let ack = |ids: &[String]| json!({"incidents": ids.iter().map(|id| json!({"id": id, "type": "incident_reference", "status": "acknowledged"})).collect::<Vec<_>>()});
    let ids: Vec<String> = (0..300)
        .map(|i| harness::pagerduty::incident_at(i).id)
        .collect();

    let (status, _, body) = raw_request(Method::PUT, &url, &h, Some(ack(&ids[..2])));
    assert_eq!(status, 400, "a write without From is rejected");
    assert_eq!(body["error"]["code"], 2001);
    assert!(body["error"]["errors"][0]
        .as_str()
        .unwrap()
        .contains("From"));

    let (status, _, _) = raw_request(Method::PUT, &url, &with_from, Some(ack(&ids)));
    assert_eq!(status, 413, "more than 250 per request");

    let (status, _, body) = raw_request(Method::PUT, &url, &with_from, Some(ack(&ids[..2])));
    assert_eq!(status, 200, "{body}");
    assert_eq!(pd.incident(&ids[0]).unwrap().status, "acknowledged");

    let (status, _, body) = raw_request(Method::PUT, &url, &with_from, Some(ack(&ids[..2])));
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], 1002);
}

#[test]
fn standin_rate_limits_once_on_request() {
    let pd = PagerDutyStandin::start(TOKEN, 1);
    pd.rate_limit_next(1, true);
    let url = format!("{}/users/me", pd.url());
    let h = [("authorization", auth()), ("accept", ACCEPT.to_string())];
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, headers, body) = raw_request(Method::GET, &url, &h, None);
    assert_eq!(status, 429);
    assert_eq!(
        headers.get("ratelimit-reset").map(String::as_str),
        Some("1")
    );
    assert_eq!(body["error"]["code"], 2020);
    let (status, _, body) = raw_request(Method::GET, &url, &h, None);
    assert_eq!(status, 200);
    assert_eq!(body["user"]["email"], ME_EMAIL);
}

// ---------------------------------------------------------------------------------------
// The client against the stand-in.

use harness::pagerduty::{incident_at, RecordedRequest, ME_ID};
use oncall::model::incident::{IncidentStatus, Urgency};
use oncall::secret::Secret;
use oncall::sources::pagerduty::{IncidentQuery, OnCallQuery, PagerDutyClient};
use oncall::sources::{Auth, Endpoint, SourceError};

fn client_with(pd: &PagerDutyStandin, token: &str, from: Option<&str>) -> PagerDutyClient {
    let mut ep = Endpoint::parse(&pd.url()).unwrap();
    ep.auth = Auth::PagerDutyToken(Secret::new(token));
    PagerDutyClient::new(ep, from.map(str::to_string)).unwrap()
}

fn client(pd: &PagerDutyStandin) -> PagerDutyClient {
    client_with(pd, TOKEN, Some(ME_EMAIL))
}

fn ids(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| incident_at(i).id).collect()
}

fn puts(pd: &PagerDutyStandin) -> Vec<RecordedRequest> {
    pd.requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn client_reads_three_pages_of_incidents() {
    let pd = PagerDutyStandin::start(TOKEN, 250);
    let page = client(&pd).incidents(&IncidentQuery::open()).await.unwrap();
    assert_eq!(page.incidents.len(), 250);
    assert!(!page.truncated);
    let got: Vec<&str> = page.incidents.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(got, ids(0..250), "every incident once, in order");
    assert_eq!(page.incidents[4].status, IncidentStatus::Acknowledged);
    assert_eq!(page.incidents[0].urgency, Urgency::Low);

    let reqs = pd.requests();
    assert_eq!(reqs.len(), 3, "{reqs:#?}");
    for (r, offset) in reqs.iter().zip(["0", "100", "200"]) {
        assert_eq!(
            (r.method.as_str(), r.path.as_str(), r.status),
            ("GET", "/incidents", 200)
        );
        assert_eq!(r.query_all("offset"), [offset]);
        assert_eq!(r.query_all("limit"), ["100"]);
        assert_eq!(r.query_all("statuses[]"), ["triggered", "acknowledged"]);
        assert_eq!(r.header("accept"), Some(ACCEPT));
        assert_eq!(r.header("authorization"), Some(auth().as_str()));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn client_mine_asks_who_i_am_then_filters_by_my_user_id() {
    let pd = PagerDutyStandin::start(TOKEN, 250);
    let page = client(&pd)
        .incidents(&IncidentQuery {
            mine: true,
            ..IncidentQuery::open()
        })
        .await
        .unwrap();
    assert_eq!(page.incidents.len(), 125);
    assert!(page
        .incidents
        .iter()
        .all(|i| i.assignments[0].assignee.id == ME_ID));
    let reqs = pd.requests();
    assert_eq!(reqs[0].path, "/users/me");
    assert!(reqs[1..]
        .iter()
        .all(|r| r.query_all("user_ids[]") == [ME_ID]));
    assert_eq!(reqs.len(), 1 + 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn client_stops_at_the_ten_thousand_cap_and_says_so() {
    let pd = PagerDutyStandin::start(TOKEN, 10_050);
    let page = client(&pd).incidents(&IncidentQuery::open()).await.unwrap();
    assert!(page.truncated);
    assert_eq!(page.incidents.len(), 10_000);
    assert!(
        pd.requests().iter().all(|r| r.status == 200),
        "never asks past the cap"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_waits_out_a_429_then_succeeds() {
    let pd = PagerDutyStandin::start(TOKEN, 250);
    pd.rate_limit_next(1, true);
    let page = client(&pd).incidents(&IncidentQuery::open()).await.unwrap();
    assert_eq!(page.incidents.len(), 250);
    let statuses: Vec<u16> = pd.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 200, 200, 200]);
    let reqs = pd.requests();
    assert_eq!(
        reqs[0].query_all("offset"),
        reqs[1].query_all("offset"),
        "the same page is asked again"
    );

    // Without `ratelimit-reset` it backs off on its own.
    pd.clear_requests();
    pd.rate_limit_next(1, false);
    client(&pd).me().await.unwrap();
    let statuses: Vec<u16> = pd.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 200]);
}

#[tokio::test(flavor = "multi_thread")]
async fn client_gives_up_on_endless_429s_with_a_clear_error() {
    let pd = PagerDutyStandin::start(TOKEN, 1);
    pd.rate_limit_next(100, true);
    let err = client(&pd).me().await.unwrap_err();
    assert!(matches!(err, SourceError::RateLimited { .. }), "{err:?}");
    assert!(err.to_string().contains("429"), "{err}");
    let n = pd.requests().len();
    assert!(
        (2..=10).contains(&n),
        "a bounded number of attempts, got {n}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_bulk_ack_is_one_put_with_from() {
    let pd = PagerDutyStandin::start(TOKEN, 10);
    let targets = vec![incident_at(0).id, incident_at(1).id, incident_at(2).id];
    let outcome = client(&pd).acknowledge(&targets).await.unwrap();
    assert_eq!(outcome.done, targets);
    assert!(outcome.is_success());
    let puts = puts(&pd);
    assert_eq!(puts.len(), 1, "{puts:#?}");
    let put = &puts[0];
    assert_eq!(put.path, "/incidents");
    assert_eq!(put.header("from"), Some(ME_EMAIL));
    assert_eq!(put.header("accept"), Some(ACCEPT));
    assert!(put
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    let body = put.json();
    let items = body["incidents"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    for (item, id) in items.iter().zip(&targets) {
        assert_eq!(
            item,
            &json!({"id": id, "type": "incident_reference", "status": "acknowledged"})
        );
    }
    for id in &targets {
        assert_eq!(pd.incident(id).unwrap().status, "acknowledged");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn client_bulk_resolve_of_300_is_two_puts() {
    let pd = PagerDutyStandin::start(TOKEN, 300);
    let targets = ids(0..300);
    let outcome = client(&pd).resolve(&targets).await.unwrap();
    assert_eq!(outcome.done.len(), 300);
    assert!(outcome.is_success(), "{:?}", outcome.failed);
    let sizes: Vec<usize> = puts(&pd)
        .iter()
        .map(|p| p.json()["incidents"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [250, 50]);
    assert!(pd.incidents().iter().all(|i| i.status == "resolved"));
}

#[tokio::test(flavor = "multi_thread")]
async fn client_counts_already_acknowledged_as_done() {
    let pd = PagerDutyStandin::start(TOKEN, 10);
    // Incidents 4 and 9 start acknowledged.
    let acked = vec![incident_at(4).id, incident_at(9).id];
    let outcome = client(&pd).acknowledge(&acked).await.unwrap();
    assert!(outcome.is_success(), "{:?}", outcome.failed);
    let mut done: Vec<String> = outcome
        .done
        .iter()
        .chain(&outcome.already)
        .cloned()
        .collect();
    done.sort();
    assert_eq!(done, acked);
    assert!(
        puts(&pd).iter().any(|p| p.status == 400),
        "the stand-in did answer 1002"
    );

    // Mixed with a triggered one: all end up acknowledged, none failed.
    pd.clear_requests();
    let mixed = vec![incident_at(4).id, incident_at(5).id];
    let outcome = client(&pd).acknowledge(&mixed).await.unwrap();
    assert!(outcome.is_success(), "{:?}", outcome.failed);
    assert_eq!(outcome.done.len() + outcome.already.len(), 2);
    assert_eq!(pd.incident(&mixed[1]).unwrap().status, "acknowledged");
}

#[tokio::test(flavor = "multi_thread")]
async fn client_without_from_uses_the_token_users_email() {
    let pd = PagerDutyStandin::start(TOKEN, 3);
    let target = vec![incident_at(0).id];
    client_with(&pd, TOKEN, None)
        .acknowledge(&target)
        .await
        .unwrap();
    let reqs = pd.requests();
    assert_eq!(reqs[0].path, "/users/me");
    assert_eq!(puts(&pd)[0].header("from"), Some(ME_EMAIL));
}

#[tokio::test(flavor = "multi_thread")]
async fn client_write_with_an_unknown_from_is_rejected_with_pagerduty_reason() {
    let pd = PagerDutyStandin::start(TOKEN, 3);
    let target = vec![incident_at(0).id];
    let result = client_with(&pd, TOKEN, Some("nobody@example.com"))
        .acknowledge(&target)
        .await;
    let text = match result {
        Err(e) => e.to_string(),
        Ok(outcome) => {
            assert!(!outcome.is_success(), "the write must not count as done");
            format!("{:?}", outcome.failed)
        }
    };
    assert!(text.contains("Requester User Not Found"), "{text}");
    assert_eq!(pd.incident(&target[0]).unwrap().status, "triggered");
}

#[tokio::test(flavor = "multi_thread")]
async fn client_wrong_token_is_unauthorized_and_never_shows_the_token() {
    let pd = PagerDutyStandin::start(TOKEN, 3);
    let wrong = "u+wrong-token-do-not-print";
    let err = client_with(&pd, wrong, Some(ME_EMAIL))
        .incidents(&IncidentQuery::open())
        .await
        .unwrap_err();
    assert!(
        matches!(err, SourceError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    let shown = format!("{err} {err:?} {}", err.short());
    assert!(!shown.contains(wrong), "{shown}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(shown.contains("token"), "the fix names the token: {shown}");
    let c = client_with(&pd, wrong, Some(ME_EMAIL));
    assert!(!format!("{c:?}").contains(wrong));
}

#[tokio::test(flavor = "multi_thread")]
async fn client_oncalls_and_incident_alerts() {
    let pd = PagerDutyStandin::start(TOKEN, 3);
    let c = client(&pd);
    let oncalls = c.oncalls(&OnCallQuery::default()).await.unwrap();
    let levels: Vec<(u32, &str)> = oncalls
        .iter()
        .map(|o| (o.escalation_level, o.user.summary.as_str()))
        .collect();
    assert_eq!(
        levels,
        [(1, "Ada Oncall"), (2, "Bob Second"), (3, "Cy Manager")]
    );
    assert!(
        oncalls[2].start.is_none() && oncalls[2].schedule.is_none(),
        "a direct, permanent on-call"
    );

    let alerts = c.incident_alerts(&incident_at(1).id).await.unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].body.details["alertname"], "Incident2");
    assert_eq!(alerts[0].alert_key.as_deref(), Some("dedup-P0000002"));

    let me = c.me().await.unwrap();
    assert_eq!((me.id.as_str(), me.email.as_str()), (ME_ID, ME_EMAIL));
}

#[tokio::test(flavor = "multi_thread")]
async fn client_reads_notes_and_every_page_of_the_timeline() {
    let pd = PagerDutyStandin::start(TOKEN, 5);
    pd.add_note(
        "P0000005",
        ME_ID,
        "2026-01-01T10:05:00Z",
        "restarted the consumer",
    );
    pd.set_escalations("P0000005", 130);
    let c = client(&pd);
    let notes = c.notes("P0000005").await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].content, "restarted the consumer");
    assert_eq!(
        notes[0].user.as_ref().map(|u| u.summary.as_str()),
        Some("Ada Oncall")
    );
    let (entries, cut) = c.log_entries("P0000005").await.unwrap();
    assert!(!cut);
    // trigger, assign, 130 escalations, the ack, the note; no notifications (overview).
    assert_eq!(entries.len(), 134);
    assert!(entries.iter().all(|e| e.word() != "notify"));
    assert!(entries.iter().any(|e| e.word() == "annotate"));
    assert!(
        entries
            .windows(2)
            .all(|w| w[0].created_at >= w[1].created_at),
        "newest first"
    );
    let pages: Vec<RecordedRequest> = pd
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/log_entries"))
        .collect();
    assert_eq!(pages.len(), 2, "two pages of 100");
    assert_eq!(pages[1].query_all("offset"), ["100"]);
    assert_eq!(pages[0].query_all("is_overview"), ["true"]);
    // A garbage ID never reaches the server.
    assert!(c.notes("../users/me").await.is_err());
}

#[test]
fn standin_log_entries_refuse_a_limit_over_100() {
    let pd = PagerDutyStandin::start(TOKEN, 1);
    let url = format!("{}/incidents/P0000001/log_entries?limit=500", pd.url());
    let (status, _, body) = raw_request(
        Method::GET,
        &url,
        &[("authorization", &auth()), ("accept", ACCEPT)],
        None,
    );
    assert_eq!(status, 400, "{body}");
    let url = format!("{}/incidents/P0000001/log_entries", pd.url());
    let (status, _, body) = raw_request(
        Method::GET,
        &url,
        &[("authorization", &auth()), ("accept", ACCEPT)],
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(body["limit"], 25);
    assert_eq!(body["more"], false);
    assert!(body["total"].is_null());
}

//! The PagerDuty client against a stand-in made of canned answers.
use super::*;

fn body(status: u16, text: &str) -> Body {
    Body {
        status,
        headers: Default::default(),
        bytes: bytes::Bytes::copy_from_slice(text.as_bytes()),
        url: "https://api.pagerduty.com/incidents".into(),
    }
}

#[test]
fn incident_query_params() {
    let q = IncidentQuery {
        statuses: vec![IncidentStatus::Triggered, IncidentStatus::Acknowledged],
        urgencies: vec![Urgency::High],
        service_ids: vec!["PSVC1".into()],
        incident_key: Some("abc".into()),
        ..Default::default()
    };
    assert_eq!(
        q.params(&["PU1".into()]),
        vec![
            ("statuses[]", "triggered".to_string()),
            ("statuses[]", "acknowledged".into()),
            ("urgencies[]", "high".into()),
            ("user_ids[]", "PU1".into()),
            ("service_ids[]", "PSVC1".into()),
            ("incident_key", "abc".into()),
            ("include[]", "services".into()),
            ("date_range", "all".into()),
        ]
    );
    let with_resolved = IncidentQuery {
        statuses: vec![IncidentStatus::Resolved],
        ..Default::default()
    };
    assert!(!with_resolved
        .params(&[])
        .iter()
        .any(|(k, _)| *k == "date_range"));
}

#[test]
fn bulk_body_shape_and_chunking() {
    let ids: Vec<String> = (0..600).map(|i| format!("P{i}")).collect();
    let chunks: Vec<&[String]> = ids.chunks(BULK_CHUNK).collect();
    assert_eq!(
        chunks.iter().map(|c| c.len()).collect::<Vec<_>>(),
        vec![250, 250, 100]
    );
    let v = serde_json::to_value(bulk_body(&ids[..2], IncidentStatus::Acknowledged)).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"incidents":[
            {"id":"P0","type":"incident_reference","status":"acknowledged"},
            {"id":"P1","type":"incident_reference","status":"acknowledged"}]})
    );
}

#[test]
fn error_bodies() {
    let e = check_status(&body(400, r#"{"error":{"message":"Incident Already Acknowledged","code":1002,"errors":["Incident PT4KHLK is already acknowledged"]}}"#)).unwrap_err();
    assert!(already_code(&e));
    let SourceError::Api {
        api:
            ApiError::PagerDuty {
                code,
                message,
                errors,
            },
        ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(
        (*code, message.as_str()),
        (Some(1002), "Incident Already Acknowledged")
    );
    assert_eq!(errors.len(), 1);

    let e = check_status(&body(
        401,
        r#"{"error":{"message":"Authentication failed","code":2006}}"#,
    ))
    .unwrap_err();
    assert!(
        matches!(&e, SourceError::Unauthorized { detail, .. } if detail.contains("Authentication failed")),
        "{e:?}"
    );

    let e = check_status(&body(400, r#"{"error":{"message":"Invalid Input Provided","code":2001,"errors":["Offset+limit exceeds maximum allowed value of 10000"]}}"#)).unwrap_err();
    assert!(!already_code(&e));
    assert!(e.short().contains("Offset+limit"), "{}", e.short());

    let e = check_status(&body(502, "<html>bad gateway</html>")).unwrap_err();
    assert!(matches!(e, SourceError::Status { status: 502, .. }));
}

#[test]
fn retry_wait_honours_the_header_with_a_cap_and_backs_off_without() {
    let unit = Duration::from_secs(1);
    let mut b = body(429, "");
    assert_eq!(retry_wait(&b, 1, unit), Duration::from_secs(1));
    assert_eq!(retry_wait(&b, 2, unit), Duration::from_secs(2));
    assert_eq!(retry_wait(&b, 3, unit), Duration::from_secs(4));
    b.headers.insert("ratelimit-reset", "7".parse().unwrap());
    assert_eq!(retry_wait(&b, 1, unit), Duration::from_secs(7));
    b.headers.insert("ratelimit-reset", "3600".parse().unwrap());
    assert_eq!(retry_wait(&b, 1, unit), Duration::from_secs(60));
    b.headers.insert("ratelimit-reset", "soon".parse().unwrap());
    b.headers.insert("retry-after", "2".parse().unwrap());
    assert_eq!(retry_wait(&b, 1, unit), Duration::from_secs(2));
}

#[test]
fn ids_are_checked() {
    assert!(checked_id("PT4KHLK").is_ok());
    for bad in ["", "../users/me", "P 1", "P1?x"] {
        assert!(checked_id(bad).is_err(), "{bad}");
    }
}

#[test]
fn debug_hides_the_from_email() {
    let ep = Endpoint::parse("http://127.0.0.1:1").unwrap();
    let c = PagerDutyClient::new(ep, Some("alice@example.com".into())).unwrap();
    assert!(!format!("{c:?}").contains("alice"));
}

mod http {
    use super::super::*;
    use crate::secret::Secret;
    use crate::sources::test_server::{Reply, Seen, TestServer};
    use crate::sources::transport::Auth;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const TOKEN: &str = "u+secret-token";

    fn incident(id: &str, status: &str) -> String {
        format!(
            r#"{{"id":"{id}","incident_number":1,"title":"t {id}","status":"{status}","urgency":"high","created_at":"2026-08-20T09:00:00Z"}}"#
        )
    }

    fn page(ids: std::ops::Range<usize>, more: bool) -> String {
        let items: Vec<String> = ids
            .map(|i| incident(&format!("P{i}"), "triggered"))
            .collect();
        format!(
            r#"{{"incidents":[{}],"limit":100,"offset":0,"more":{more},"total":null}}"#,
            items.join(",")
        )
    }

    fn pd_error(status: u16, code: i64, message: &str) -> Reply {
        Reply::json(
            status,
            format!(
                r#"{{"error":{{"message":"{message}","code":{code},"errors":["{message}"]}}}}"#
            ),
        )
    }

    /// The documented contract every request must meet, checked before answering.
    fn contract(req: &Seen) -> Option<Reply> {
        if req.header("authorization") != Some(&format!("Token token={TOKEN}")) {
            return Some(pd_error(401, 2006, "Authentication failed"));
        }
        if req.header("accept") != Some(ACCEPT_V2) {
            return Some(pd_error(400, 2001, "missing Accept version header"));
        }
        if req.method == Method::PUT {
            if req.header("from").is_none() {
                return Some(pd_error(
                    400,
                    2001,
                    "You must specify a user's email address in the From header",
                ));
            }
            if req.header("content-type") != Some("application/json") {
                return Some(pd_error(400, 2001, "Content-Type must be application/json"));
            }
        }
        None
    }

    fn client(server: &TestServer, from: Option<&str>) -> PagerDutyClient {
        let mut ep = Endpoint::new(server.url.clone());
        ep.auth = Auth::PagerDutyToken(Secret::new(TOKEN));
        PagerDutyClient::new(ep, from.map(str::to_string)).unwrap()
    }

    fn me_reply() -> Reply {
        Reply::json(
            200,
            r#"{"user":{"id":"PME1","name":"Alice","email":"alice@example.com","summary":"Alice"}}"#,
        )
    }

    #[tokio::test]
    async fn incidents_follow_pages_with_the_right_headers() {
        let server = TestServer::start(Duration::ZERO, |req| {
            if let Some(r) = contract(req) {
                return r;
            }
            match req.param("offset") {
                Some("0") => Reply::json(200, page(0..100, true)),
                Some("100") => Reply::json(200, page(100..200, true)),
                Some("200") => Reply::json(200, page(200..237, false)),
                _ => pd_error(400, 2001, "unexpected offset"),
            }
        })
        .await;
        let c = client(&server, None);
        let got = c.incidents(&IncidentQuery::open()).await.unwrap();
        assert_eq!(got.incidents.len(), 237);
        assert!(!got.truncated);
        assert_eq!(got.incidents[236].id, "P236");
        let reqs = server.requests();
        assert_eq!(reqs.len(), 3);
        for r in &reqs {
            assert_eq!(r.path, "/incidents");
            assert_eq!(r.param("limit"), Some("100"));
            assert_eq!(r.params("statuses[]"), vec!["triggered", "acknowledged"]);
        }
    }

    #[tokio::test]
    async fn paging_stops_at_the_offset_cap_and_says_so() {
        let server = TestServer::start(Duration::ZERO, |req| {
            let offset: usize = req.param("offset").unwrap().parse().unwrap();
            let limit: usize = req.param("limit").unwrap().parse().unwrap();
            if offset + limit > OFFSET_CAP {
                return pd_error(
                    400,
                    2001,
                    "Offset+limit exceeds maximum allowed value of 10000",
                );
            }
            Reply::json(200, page(offset..offset + limit, true))
        })
        .await;
        let got = client(&server, None)
            .incidents(&IncidentQuery::default())
            .await
            .unwrap();
        assert!(got.truncated);
        assert_eq!(got.incidents.len(), OFFSET_CAP);
        assert_eq!(server.requests().len(), OFFSET_CAP / PAGE_LIMIT);
    }

    #[tokio::test]
    async fn mine_asks_users_me_once() {
        let server = TestServer::start(Duration::ZERO, |req| match req.path.as_str() {
            "/users/me" => me_reply(),
            _ => Reply::json(200, page(0..1, false)),
        })
        .await;
        let c = client(&server, None);
        let q = IncidentQuery {
            mine: true,
            ..IncidentQuery::open()
        };
        c.incidents(&q).await.unwrap();
        c.incidents(&q).await.unwrap();
        let reqs = server.requests();
        let paths: Vec<&str> = reqs.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, vec!["/users/me", "/incidents", "/incidents"]);
        assert_eq!(reqs[1].params("user_ids[]"), vec!["PME1"]);
    }

    #[tokio::test]
    async fn a_429_waits_for_ratelimit_reset_then_succeeds() {
        let calls = Arc::new(AtomicUsize::new(0));
        let n = calls.clone();
        let server = TestServer::start(Duration::ZERO, move |_| {
            if n.fetch_add(1, Ordering::SeqCst) == 0 {
                pd_error(429, 2020, "Rate Limit Exceeded").with_header("ratelimit-reset", "1")
            } else {
                me_reply()
            }
        })
        .await;
        let me = client(&server, None).me().await.unwrap();
        assert_eq!(me.email, "alice@example.com");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn endless_429s_give_up_after_four_attempts() {
        let server = TestServer::start(Duration::ZERO, |_| {
            pd_error(429, 2020, "Rate Limit Exceeded")
        })
        .await;
        let mut c = client(&server, None);
        c.backoff_unit = Duration::from_millis(1);
        let e = c.me().await.unwrap_err();
        assert!(
            matches!(e, SourceError::RateLimited { attempts: 4, .. }),
            "{e:?}"
        );
        assert_eq!(server.requests().len(), 4);
    }

    #[tokio::test]
    async fn bulk_ack_chunks_sends_from_and_treats_1002_as_done() {
        let server = TestServer::start(Duration::ZERO, |req| {
            if let Some(r) = contract(req) {
                return r;
            }
            let body = req.json();
            let items = body["incidents"].as_array().unwrap();
            if items.len() > BULK_CHUNK {
                return pd_error(413, 2001, "too many");
            }
            if items.iter().any(|i| i["id"] == "PACKED") {
                return pd_error(400, 1002, "Incident Already Acknowledged");
            }
            if items.iter().any(|i| i["id"] == "PGONE") {
                return pd_error(404, 2100, "Not Found");
            }
            let answered: Vec<String> = items
                .iter()
                .map(|i| incident(i["id"].as_str().unwrap(), i["status"].as_str().unwrap()))
                .collect();
            Reply::json(200, format!(r#"{{"incidents":[{}]}}"#, answered.join(",")))
        })
        .await;
        let c = client(&server, Some("oncall@example.com"));
        let mut ids: Vec<String> = (0..599).map(|i| format!("P{i}")).collect();
        ids.insert(300, "PACKED".into());
        ids.push("P5".into());
        let out = c.acknowledge(&ids).await.unwrap();
        assert_eq!(out.already, vec!["PACKED".to_string()]);
        assert_eq!(out.done.len(), 599);
        assert!(out.is_success());

        let reqs = server.requests();
        let sizes: Vec<usize> = reqs
            .iter()
            .map(|r| r.json()["incidents"].as_array().unwrap().len())
            .collect();
        // 250, then the chunk holding PACKED (refused whole, then one by one), then 100.
        assert_eq!(sizes[0], 250);
        assert_eq!(sizes[1], 250);
        assert!(sizes[2..252].iter().all(|&n| n == 1));
        assert_eq!(sizes[252], 100);
        for r in &reqs {
            assert_eq!(r.header("from"), Some("oncall@example.com"));
            assert_eq!(r.json()["incidents"][0]["type"], "incident_reference");
            assert_eq!(r.json()["incidents"][0]["status"], "acknowledged");
        }

        let out = c.resolve(&["P1".into(), "PGONE".into()]).await.unwrap();
        assert_eq!(out.done, Vec::<String>::new());
        assert_eq!(
            out.failed.len(),
            2,
            "the whole request was refused: {out:?}"
        );
        assert!(out.failed[0].1.contains("Not Found"));
    }

    #[tokio::test]
    async fn from_comes_from_users_me_or_a_clear_error() {
        let server = TestServer::start(Duration::ZERO, |req| {
            if let Some(r) = contract(req) {
                return r;
            }
            match req.path.as_str() {
                "/users/me" => me_reply(),
                _ => Reply::json(200, r#"{"incidents":[{"id":"P1"}]}"#),
            }
        })
        .await;
        let out = client(&server, None)
            .acknowledge(&["P1".into()])
            .await
            .unwrap();
        assert_eq!(out.done, vec!["P1".to_string()]);
        assert_eq!(
            server.requests()[1].header("from"),
            Some("alice@example.com")
        );

        // An account-level key: users/me cannot tell who is acting.
        let server = TestServer::start(Duration::ZERO, |_| {
            pd_error(400, 2001, "Because this request was made using an account-level access token, we were unable to determine the user")
        })
        .await;
        let e = client(&server, None)
            .acknowledge(&["P1".into()])
            .await
            .unwrap_err();
        let SourceError::Invalid { detail, .. } = &e else {
            panic!("{e:?}")
        };
        assert!(
            detail.contains("ONCALL_PAGERDUTY_FROM") && detail.contains("`from`"),
            "{detail}"
        );
        assert_eq!(server.requests().len(), 1, "no write was attempted");
    }

    #[tokio::test]
    async fn wrong_token_is_unauthorized() {
        let server =
            TestServer::start(Duration::ZERO, |req| contract(req).unwrap_or_else(me_reply)).await;
        let mut ep = Endpoint::new(server.url.clone());
        ep.auth = Auth::PagerDutyToken(Secret::new("wrong"));
        let c = PagerDutyClient::new(ep, Some("a@b".into())).unwrap();
        let e = c.incidents(&IncidentQuery::open()).await.unwrap_err();
        assert!(
            matches!(e, SourceError::Unauthorized { status: 401, .. }),
            "{e:?}"
        );
        assert!(
            !e.to_string().contains("wrong"),
            "the token never appears: {e}"
        );
        // A failure before anything was done is an error, not an outcome.
        assert!(matches!(
            c.acknowledge(&["P1".into()]).await,
            Err(SourceError::Unauthorized { .. })
        ));
    }

    #[tokio::test]
    async fn requests_of_one_client_never_overlap() {
        // One body for both endpoints: each list answer must carry its own list.
        let server = TestServer::start(Duration::from_millis(20), |_| {
            let mut both: serde_json::Value = serde_json::from_str(&page(0..1, false)).unwrap();
            both["oncalls"] = serde_json::json!([]);
            Reply::json(200, both.to_string())
        })
        .await;
        let c = client(&server, None);
        let clone = c.clone();
        let (all, open, who) = (
            IncidentQuery::default(),
            IncidentQuery::open(),
            OnCallQuery::default(),
        );
        let (a, b, d) = tokio::join!(c.incidents(&all), clone.incidents(&open), c.oncalls(&who));
        assert!(a.is_ok() && b.is_ok() && d.is_ok());
        assert_eq!(server.max_in_flight.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn oncalls_and_incident_alerts() {
        let server = TestServer::start(Duration::ZERO, |req| match req.path.as_str() {
            "/oncalls" if req.param("offset") == Some("0") => Reply::json(
                200,
                r#"{"oncalls":[{"user":{"id":"PU1","summary":"Bob"},"schedule":null,"escalation_policy":{"id":"PE1","summary":"Ops"},"escalation_level":1,"start":null,"end":null}],"more":true}"#,
            ),
            "/oncalls" => Reply::json(
                200,
                r#"{"oncalls":[{"user":{"id":"PU2","summary":"Carol"},"escalation_policy":{"id":"PE1"},"escalation_level":2,"start":"2026-08-20T00:00:00Z","end":"2026-08-21T00:00:00Z"}],"more":false}"#,
            ),
            "/incidents/PT4KHLK/alerts" => Reply::json(
                200,
                r#"{"alerts":[{"id":"PA1","status":"triggered","alert_key":"k","summary":"Foo","body":{"details":{"firing":"x"}}}],"more":false}"#,
            ),
            _ => pd_error(404, 2100, "Not Found"),
        })
        .await;
        let c = client(&server, None);
        let q = OnCallQuery {
            escalation_policy_ids: vec!["PE1".into()],
            earliest: true,
        };
        let oncalls = c.oncalls(&q).await.unwrap();
        assert_eq!(
            oncalls
                .iter()
                .map(|o| o.escalation_level)
                .collect::<Vec<_>>(),
            vec![1, 2]
        );
        let alerts = c.incident_alerts("PT4KHLK").await.unwrap();
        assert_eq!(alerts[0].body.details["firing"], "x");
        let reqs = server.requests();
        assert_eq!(reqs[0].params("escalation_policy_ids[]"), vec!["PE1"]);
        assert_eq!(reqs[0].param("earliest"), Some("true"));
        assert_eq!(reqs[1].param("offset"), Some("1"));
        assert!(matches!(
            c.incident_alerts("../x").await,
            Err(SourceError::Invalid { .. })
        ));
    }
}

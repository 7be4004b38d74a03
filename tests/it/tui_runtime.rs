//! The real event loop, driven by injected key events, drawing into a `TestBackend`, talking
//! to a stand-in Prometheus this test controls: up, down at start, going down while watched,
//! answering 500, answering garbage, answering a PromQL error, or taking ten seconds. In
//! every case the UI keeps taking keys and shows what is going on.

use crate::tui_support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use crossterm::event::KeyCode;
use oncall::sources::prometheus::PrometheusClient;
use oncall::sources::transport::Endpoint;
use oncall::tui::action::ContextInfo;
use oncall::tui::app::{App, AppOptions};
use oncall::tui::runtime::Clients;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tui_support::screen::{self, Screen, Task};

const OK: u8 = 0;
const FAIL_500: u8 = 1;
const GARBAGE: u8 = 2;
const SLOW: u8 = 3;
const BAD_QUERY: u8 = 4;

/// A Prometheus stand-in: `/api/v1/query_range` answers according to `mode`.
struct StandIn {
    url: String,
    mode: Arc<AtomicU8>,
    /// Answers sent (slow ones count when they finish).
    answered: Arc<AtomicUsize>,
    server: JoinHandle<()>,
}

#[derive(Clone)]
struct Shared {
    mode: Arc<AtomicU8>,
    answered: Arc<AtomicUsize>,
}

async fn query_range(State(s): State<Shared>, body: String) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let mode = s.mode.load(Ordering::SeqCst);
    if mode == SLOW {
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
    // `Connection: close`: no pooled connection survives the server going away, as with a
    // Prometheus that really went down.
    let close = [(header::CONNECTION, "close")];
    let response = match mode {
        FAIL_500 => (
            StatusCode::INTERNAL_SERVER_ERROR,
            close,
            r#"{"status":"error","errorType":"internal","error":"query processing would load too many samples into memory"}"#,
        )
            .into_response(),
        GARBAGE => (StatusCode::OK, close, "<html><body>Please log in to the proxy</body></html>").into_response(),
        BAD_QUERY => (
            StatusCode::BAD_REQUEST,
            close,
            r#"{"status":"error","errorType":"bad_data","error":"1:14: parse error: unexpected identifier \"oops\""}"#,
        )
            .into_response(),
        _ => {
            let num = |k: &str| form.get(k).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
            let (start, end, step) = (num("start"), num("end"), num("step").max(1.0));
            let mut values = Vec::new();
            let mut t = start;
            while t <= end {
                values.push(serde_json::json!([t, format!("{}", 0.25 + (t / step).sin().abs() * 0.5)]));
                t += step;
            }
            let body = serde_json::json!({
                "status": "success",
                "data": {"resultType": "matrix", "result": [{"metric": {"job": "api", "instance": "a:1", "le": "0.5", "status": "500", "mode": "idle", "side": "buy"}, "values": values}]}
            });
            (StatusCode::OK, close, axum::Json(body)).into_response()
        }
    };
    s.answered.fetch_add(1, Ordering::SeqCst);
    response
}

async fn stand_in(mode: u8) -> StandIn {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let shared = Shared {
        mode: Arc::new(AtomicU8::new(mode)),
        answered: Arc::new(AtomicUsize::new(0)),
    };
    let router = Router::new()
        .route("/api/v1/query_range", post(query_range))
        .with_state(shared.clone());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    StandIn {
        url,
        mode: shared.mode,
        answered: shared.answered,
        server,
    }
}

/// A URL where nothing listens.
async fn nothing_listening() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    drop(listener);
    url
}

fn app(width: u16, height: u16) -> App {
    let context = ContextInfo {
        name: "test".into(),
        prometheus: true,
        alertmanagers: vec![],
        pagerduty: false,
        insecure: vec![],
    };
    let mut opts = AppOptions::new(tui_support::dashboards(), context);
    opts.width = width;
    opts.height = height;
    App::new(opts)
}

/// Start the real runtime against `url`; returns the screen to drive it and its task.
fn start(url: &str) -> (Screen, Task) {
    let mut endpoint = Endpoint::parse(url).expect("url");
    endpoint.timeout = Duration::from_secs(10);
    let clients = Clients {
        prometheus: Some(PrometheusClient::new(endpoint).expect("client")),
        ..Clients::default()
    };
    let (runtime, ui, keys) = screen::attach(app(120, 36), clients);
    (ui, screen::spawn(runtime, keys))
}

#[tokio::test]
async fn data_arrives_and_every_view_answers_keys() {
    let prom = stand_in(OK).await;
    let (ui, task) = start(&prom.url);
    ui.wait_for("data in every panel", |t| {
        !t.contains("loading…") && t.contains("now") && t.contains("● prometheus")
    })
    .await;
    for (key, title) in [
        ('2', "Application Performance"),
        ('3', "Trading Engine"),
        ('7', "Infrastructure"),
    ] {
        ui.press(KeyCode::Char(key));
        ui.wait_for(title, |t| t.contains(title) && !t.contains("loading…"))
            .await;
    }
    ui.press(KeyCode::Char('8'));
    ui.wait_for("the alerts view", |t| t.contains("Alerts"))
        .await;
    ui.press(KeyCode::Char('?'));
    ui.wait_for("help", |t| t.contains("Zoom in (halve the time range)"))
        .await;
    ui.press(KeyCode::Esc);
    ui.press(KeyCode::Char('1'));
    ui.press(KeyCode::Char('+'));
    ui.wait_for("the zoomed range", |t| t.contains("last 3h"))
        .await;
    let summary = ui.quit(task).await;
    assert!(summary.panel_requests > 0 && summary.response_bytes > 0);
    prom.server.abort();
}

#[tokio::test]
async fn prometheus_down_at_start() {
    let url = nothing_listening().await;
    let (ui, task) = start(&url);
    let text = ui
        .wait_for("the panels' errors", |t| {
            t.contains("query failed") && t.contains("prometheus down")
        })
        .await;
    assert!(text.contains("unreachable"), "{text}");
    // Keys still work.
    ui.press(KeyCode::Char('2'));
    ui.wait_for("dashboard 2", |t| t.contains("Application Performance"))
        .await;
    ui.press(KeyCode::Char('?'));
    ui.wait_for("help", |t| t.contains("Everywhere")).await;
    // In help, q closes help; the second q quits.
    ui.press(KeyCode::Char('q'));
    ui.quit(task).await;
}

#[tokio::test]
async fn prometheus_goes_down_while_watching_keeps_the_data_as_stale() {
    let prom = stand_in(OK).await;
    let (ui, task) = start(&prom.url);
    ui.wait_for("data", |t| {
        !t.contains("loading…") && t.contains("● prometheus")
    })
    .await;
    // Prometheus goes away: its listener is closed once the server task is gone.
    prom.server.abort();
    let _ = prom.server.await;
    ui.press(KeyCode::Char('r'));
    let text = ui
        .wait_for("stale panels", |t| {
            t.contains("stale since") && t.contains("prometheus down")
        })
        .await;
    // The old data is still drawn: axis labels and legends are there.
    assert!(text.contains("now"), "{text}");
    assert!(
        !text.contains("query failed"),
        "no panel lost its data:\n{text}"
    );
    ui.press(KeyCode::Char('2'));
    ui.wait_for("dashboard 2 while down", |t| {
        t.contains("Application Performance")
    })
    .await;
    ui.quit(task).await;
}

#[tokio::test]
async fn prometheus_answering_500_shows_its_message() {
    let prom = stand_in(FAIL_500).await;
    let (ui, task) = start(&prom.url);
    let text = ui
        .wait_for("the 500", |t| {
            t.contains("query failed") && t.contains("prometheus down")
        })
        .await;
    assert!(
        text.contains("too many samples"),
        "Prometheus's own words:\n{text}"
    );
    ui.press(KeyCode::Char('j'));
    ui.press(KeyCode::Char('f'));
    ui.wait_for("full screen", |t| t.contains("full screen"))
        .await;
    ui.quit(task).await;
    prom.server.abort();
}

#[tokio::test]
async fn invalid_json_is_reported_not_crashed_on() {
    let prom = stand_in(GARBAGE).await;
    let (ui, task) = start(&prom.url);
    ui.wait_for("the decode error", |t| {
        t.contains("query failed") && t.contains("bad response")
    })
    .await;
    ui.press(KeyCode::Char('3'));
    ui.wait_for("dashboard 3", |t| t.contains("Trading Engine"))
        .await;
    ui.quit(task).await;
    prom.server.abort();
}

#[tokio::test]
async fn a_promql_error_is_the_panels_not_prometheus_health() {
    let prom = stand_in(BAD_QUERY).await;
    let (ui, task) = start(&prom.url);
    let text = ui
        .wait_for("the parse error", |t| t.contains("parse error"))
        .await;
    assert!(
        text.contains("● prometheus"),
        "Prometheus answered, so it is up:\n{text}"
    );
    ui.quit(task).await;
    prom.server.abort();
}

#[tokio::test]
async fn a_slow_prometheus_never_blocks_the_keys() {
    let prom = stand_in(SLOW).await;
    let (ui, task) = start(&prom.url);
    ui.wait_for("loading panels", |t| t.contains("loading…"))
        .await;
    // Every key is handled while the queries are still out.
    ui.press(KeyCode::Char('2'));
    ui.wait_for("dashboard 2", |t| {
        t.contains("Application Performance") && t.contains("loading…")
    })
    .await;
    ui.press(KeyCode::Char('?'));
    ui.wait_for("help", |t| t.contains("Everywhere")).await;
    ui.press(KeyCode::Esc);
    ui.press(KeyCode::Char('8'));
    ui.wait_for("the alerts view", |t| t.contains("Alerts"))
        .await;
    assert_eq!(
        prom.answered.load(Ordering::SeqCst),
        0,
        "all of that happened before any answer"
    );
    // Quitting does not wait for them either.
    ui.quit(task).await;
    assert_eq!(prom.answered.load(Ordering::SeqCst), 0);
    prom.mode.store(OK, Ordering::SeqCst);
    prom.server.abort();
}

#[tokio::test]
async fn the_loop_ends_when_input_ends() {
    let prom = stand_in(OK).await;
    let (ui, task) = start(&prom.url);
    drop(ui);
    let result = tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("ends")
        .expect("task");
    assert!(result.is_ok());
    prom.server.abort();
}

#[tokio::test]
async fn switching_context_moves_every_query_to_the_new_backends() {
    let first = stand_in(OK).await;
    let second = stand_in(BAD_QUERY).await;
    let client =
        |url: &str| PrometheusClient::new(Endpoint::parse(url).expect("url")).expect("client");
    let clients = Clients {
        prometheus: Some(client(&first.url)),
        ..Clients::default()
    };
    let second_url = second.url.clone();
    let loader: oncall::tui::runtime::ContextLoader = Arc::new(move |name: &str| {
        if name != "staging" {
            return Err(format!("no context `{name}`"));
        }
        let clients = Clients {
            prometheus: Some(client(&second_url)),
            ..Clients::default()
        };
        let info = ContextInfo {
            name: name.into(),
            prometheus: true,
            alertmanagers: vec![],
            pagerduty: false,
            insecure: vec![],
        };
        Ok((clients, info))
    });
    let (runtime, ui, keys) = screen::attach(app(120, 36), clients);
    let task = screen::spawn(runtime.with_context_loader(loader), keys);
    ui.wait_for("data from the first context", |t| {
        t.contains("ctx test") && !t.contains("loading…")
    })
    .await;
    ui.typed(":context staging");
    ui.press(KeyCode::Enter);
    let text = ui
        .wait_for("the second context's answers", |t| {
            t.contains("ctx staging") && t.contains("parse error")
        })
        .await;
    assert!(
        !text.contains("stale"),
        "nothing of the first context is shown as the second's:\n{text}"
    );
    // An unknown one is refused with the reason, and the current context stays.
    ui.typed(":context nope");
    ui.press(KeyCode::Enter);
    ui.wait_for("the refusal", |t| {
        t.contains("no context `nope`") && t.contains("ctx staging")
    })
    .await;
    ui.quit(task).await;
    first.server.abort();
    second.server.abort();
}

//! The real event loop, driven by injected key events, drawing into a `TestBackend`, talking
//! to a stand-in Prometheus this test controls: up, down at start, going down while watched,
//! answering 500, answering garbage, answering a PromQL error, or taking ten seconds. In
//! every case the UI keeps taking keys and shows what is going on.

mod tui_support;

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc::{unbounded, UnboundedSender};
use oncall::sources::prometheus::PrometheusClient;
use oncall::sources::transport::Endpoint;
use oncall::tui::action::ContextInfo;
use oncall::tui::app::{App, AppOptions};
use oncall::tui::runtime::{Clients, RunSummary, Runtime, RuntimeError};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::Terminal;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

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

struct Ui {
    keys: UnboundedSender<io::Result<Event>>,
    frames: watch::Receiver<Buffer>,
}

impl Ui {
    fn press(&self, c: char) {
        self.code(KeyCode::Char(c));
    }

    fn code(&self, code: KeyCode) {
        let _ = self
            .keys
            .unbounded_send(Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE))));
    }

    fn text(&self) -> String {
        let buf = self.frames.borrow();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    /// Wait until the screen satisfies `pred`; fail with the screen if it never does.
    async fn wait_for(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let text = self.text();
            if pred(&text) {
                return text;
            }
            if tokio::time::timeout_at(deadline, self.frames.changed())
                .await
                .is_err()
            {
                panic!("never saw {what}; the screen was:\n{text}");
            }
        }
    }
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

/// Start the real runtime against `url`; returns the handle to drive it and its task.
fn start(url: &str) -> (Ui, JoinHandle<Result<RunSummary, RuntimeError>>) {
    let (width, height) = (120, 36);
    let mut endpoint = Endpoint::parse(url).expect("url");
    endpoint.timeout = Duration::from_secs(10);
    let clients = Clients {
        prometheus: Some(PrometheusClient::new(endpoint).expect("client")),
        ..Clients::default()
    };
    let (keys, events) = unbounded();
    let (frames_tx, frames) = watch::channel(Buffer::empty(Rect::new(0, 0, width, height)));
    let terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    let mut runtime = Runtime::new(app(width, height), clients, terminal).with_frames(frames_tx);
    let task = tokio::spawn(async move { runtime.run(events).await });
    (Ui { keys, frames }, task)
}

async fn quit(ui: &Ui, task: JoinHandle<Result<RunSummary, RuntimeError>>) -> RunSummary {
    ui.press('q');
    let summary = tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("quit ends the loop")
        .expect("task")
        .expect("runtime ok");
    assert!(summary.frames > 0);
    summary
}

#[tokio::test]
async fn data_arrives_and_every_view_answers_keys() {
    let prom = stand_in(OK).await;
    let (mut ui, task) = start(&prom.url);
    ui.wait_for("data in every panel", |t| {
        !t.contains("loading…") && t.contains("now") && t.contains("● prometheus")
    })
    .await;
    for (key, title) in [
        ('2', "Application Performance"),
        ('3', "Trading Engine"),
        ('7', "Infrastructure"),
    ] {
        ui.press(key);
        ui.wait_for(title, |t| t.contains(title) && !t.contains("loading…"))
            .await;
    }
    ui.press('8');
    ui.wait_for("the alerts view", |t| t.contains("Alerts"))
        .await;
    ui.press('?');
    ui.wait_for("help", |t| t.contains("Zoom in (halve the time range)"))
        .await;
    ui.code(KeyCode::Esc);
    ui.press('1');
    ui.press('+');
    ui.wait_for("the zoomed range", |t| t.contains("last 3h"))
        .await;
    let summary = quit(&ui, task).await;
    assert!(summary.panel_requests > 0 && summary.response_bytes > 0);
    prom.server.abort();
}

#[tokio::test]
async fn prometheus_down_at_start() {
    let url = nothing_listening().await;
    let (mut ui, task) = start(&url);
    let text = ui
        .wait_for("the panels' errors", |t| {
            t.contains("query failed") && t.contains("prometheus down")
        })
        .await;
    assert!(text.contains("unreachable"), "{text}");
    // Keys still work.
    ui.press('2');
    ui.wait_for("dashboard 2", |t| t.contains("Application Performance"))
        .await;
    ui.press('?');
    ui.wait_for("help", |t| t.contains("Everywhere")).await;
    // In help, q closes help; the second q quits.
    ui.press('q');
    quit(&ui, task).await;
}

#[tokio::test]
async fn prometheus_goes_down_while_watching_keeps_the_data_as_stale() {
    let prom = stand_in(OK).await;
    let (mut ui, task) = start(&prom.url);
    ui.wait_for("data", |t| {
        !t.contains("loading…") && t.contains("● prometheus")
    })
    .await;
    // Prometheus goes away: its listener is closed once the server task is gone.
    prom.server.abort();
    let _ = prom.server.await;
    ui.press('r');
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
    ui.press('2');
    ui.wait_for("dashboard 2 while down", |t| {
        t.contains("Application Performance")
    })
    .await;
    quit(&ui, task).await;
}

#[tokio::test]
async fn prometheus_answering_500_shows_its_message() {
    let prom = stand_in(FAIL_500).await;
    let (mut ui, task) = start(&prom.url);
    let text = ui
        .wait_for("the 500", |t| {
            t.contains("query failed") && t.contains("prometheus down")
        })
        .await;
    assert!(
        text.contains("too many samples"),
        "Prometheus's own words:\n{text}"
    );
    ui.press('j');
    ui.press('f');
    ui.wait_for("full screen", |t| t.contains("full screen"))
        .await;
    quit(&ui, task).await;
    prom.server.abort();
}

#[tokio::test]
async fn invalid_json_is_reported_not_crashed_on() {
    let prom = stand_in(GARBAGE).await;
    let (mut ui, task) = start(&prom.url);
    ui.wait_for("the decode error", |t| {
        t.contains("query failed") && t.contains("bad response")
    })
    .await;
    ui.press('3');
    ui.wait_for("dashboard 3", |t| t.contains("Trading Engine"))
        .await;
    quit(&ui, task).await;
    prom.server.abort();
}

#[tokio::test]
async fn a_promql_error_is_the_panels_not_prometheus_health() {
    let prom = stand_in(BAD_QUERY).await;
    let (mut ui, task) = start(&prom.url);
    let text = ui
        .wait_for("the parse error", |t| t.contains("parse error"))
        .await;
    assert!(
        text.contains("● prometheus"),
        "Prometheus answered, so it is up:\n{text}"
    );
    quit(&ui, task).await;
    prom.server.abort();
}

#[tokio::test]
async fn a_slow_prometheus_never_blocks_the_keys() {
    let prom = stand_in(SLOW).await;
    let (mut ui, task) = start(&prom.url);
    ui.wait_for("loading panels", |t| t.contains("loading…"))
        .await;
    // Every key is handled while the queries are still out.
    ui.press('2');
    ui.wait_for("dashboard 2", |t| {
        t.contains("Application Performance") && t.contains("loading…")
    })
    .await;
    ui.press('?');
    ui.wait_for("help", |t| t.contains("Everywhere")).await;
    ui.code(KeyCode::Esc);
    ui.press('8');
    ui.wait_for("the alerts view", |t| t.contains("Alerts"))
        .await;
    assert_eq!(
        prom.answered.load(Ordering::SeqCst),
        0,
        "all of that happened before any answer"
    );
    // Quitting does not wait for them either.
    quit(&ui, task).await;
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
    let (width, height) = (120, 36);
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
    let (keys, events) = unbounded();
    let (frames_tx, frames) = watch::channel(Buffer::empty(Rect::new(0, 0, width, height)));
    let terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    let mut runtime = Runtime::new(app(width, height), clients, terminal)
        .with_frames(frames_tx)
        .with_context_loader(loader);
    let task = tokio::spawn(async move { runtime.run(events).await });
    let mut ui = Ui { keys, frames };
    ui.wait_for("data from the first context", |t| {
        t.contains("ctx test") && !t.contains("loading…")
    })
    .await;
    for c in ":context staging".chars() {
        ui.press(c);
    }
    ui.code(KeyCode::Enter);
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
    for c in ":context nope".chars() {
        ui.press(c);
    }
    ui.code(KeyCode::Enter);
    ui.wait_for("the refusal", |t| {
        t.contains("no context `nope`") && t.contains("ctx staging")
    })
    .await;
    quit(&ui, task).await;
    first.server.abort();
    second.server.abort();
}

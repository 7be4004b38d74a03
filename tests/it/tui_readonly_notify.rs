//! The real runtime against the harness's real Alertmanager: a read-only session shows
//! READ-ONLY and refuses `s` with its reason while Alertmanager gets no silence; `[ui] notify`
//! writes one OSC 9 sequence when a refresh brings a new critical alert, none for the first
//! load. The terminal's escape sequences are captured through the runtime's clipboard sink.

use crate::harness;
use crate::tui_support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use harness::{alert, Alertmanager};
use oncall::config::{NotifyMode, ReadOnly, ReadOnlyReason};
use oncall::sources::alertmanager::AlertmanagerClient;
use oncall::sources::transport::Endpoint;
use oncall::tui::action::ContextInfo;
use oncall::tui::app::{App, AppOptions};
use oncall::tui::runtime::Clients;
use tui_support::screen::{attach, Screen, SCREEN_WAIT};

/// The runtime on a tokio runtime of its own, its escape sequences in `sequences`.
struct Ui {
    screen: Screen,
    sequences: Arc<Mutex<Vec<u8>>>,
    rt: tokio::runtime::Runtime,
}

impl Ui {
    fn start(am_url: &str, adjust: impl FnOnce(&mut AppOptions)) -> Ui {
        let mut endpoint = Endpoint::parse(am_url).expect("url");
        endpoint.timeout = Duration::from_secs(5);
        let context = ContextInfo {
            name: "prod".into(),
            alertmanagers: vec!["alertmanager".into()],
            ..ContextInfo::default()
        };
        let clients = Clients {
            alertmanagers: vec![AlertmanagerClient::new(endpoint).expect("client")],
            ..Clients::default()
        };
        let mut opts = AppOptions::new(Vec::new(), context);
        opts.width = 120;
        opts.height = 40;
        opts.prefs.alerts_refresh = Duration::from_secs(1);
        adjust(&mut opts);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let sequences = Arc::new(Mutex::new(Vec::new()));
        let sink = sequences.clone();
        let (runtime, screen, keys) = attach(App::new(opts), clients);
        let mut runtime = runtime.with_clipboard(Box::new(move |bytes: &[u8]| {
            sink.lock()
                .map(|mut s| s.extend_from_slice(bytes))
                .map_err(|e| std::io::Error::other(e.to_string()))
        }));
        rt.spawn(async move { runtime.run(keys).await });
        Ui {
            screen,
            sequences,
            rt,
        }
    }

    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.rt.block_on(self.screen.wait_for(what, pred))
    }

    fn sequences(&self) -> Vec<u8> {
        self.sequences.lock().expect("lock").clone()
    }

    /// Wait (bounded) until something was written to the terminal besides frames.
    fn wait_for_sequence(&self) -> Vec<u8> {
        let deadline = Instant::now() + SCREEN_WAIT;
        loop {
            let got = self.sequences();
            if !got.is_empty() {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "no notification; the screen was:\n{}",
                self.screen.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn critical(name: &str) -> serde_json::Value {
    alert(&[("alertname", name), ("severity", "critical")], &[])
}

#[test]
fn a_read_only_session_says_so_and_creates_no_silence() {
    let am = Alertmanager::start();
    am.push(&[critical("DiskFull")]);
    am.wait_for_alerts("active=true", 1);
    let ui = Ui::start(&am.url(), |opts| {
        let mut readonly = ReadOnly::default();
        readonly.add(ReadOnlyReason::Flag);
        opts.prefs.readonly = readonly;
    });
    ui.screen.press(KeyCode::Char('8'));
    ui.wait_for("the alert, under READ-ONLY", |t| {
        t.contains("DiskFull") && t.lines().next().is_some_and(|l| l.contains("READ-ONLY"))
    });
    ui.screen.press(KeyCode::Char('s'));
    let screen = ui.wait_for("the refusal", |t| {
        t.contains("read-only (--readonly): silences are not created")
    });
    assert!(!screen.contains("New silence"), "no form opened:\n{screen}");
    assert!(am.silences().is_empty(), "{:?}", am.silences());
}

#[test]
fn a_new_critical_alert_sends_one_osc9_and_the_first_load_none() {
    let am = Alertmanager::start();
    am.push(&[critical("DiskFull")]);
    am.wait_for_alerts("active=true", 1);
    let ui = Ui::start(&am.url(), |opts| opts.prefs.notify = NotifyMode::Osc9);
    ui.screen.press(KeyCode::Char('8'));
    ui.wait_for("the first load", |t| t.contains("DiskFull"));
    assert!(ui.sequences().is_empty(), "{:?}", ui.sequences());

    am.push(&[
        critical("DiskFull"),
        critical("HighErrorRate"),
        alert(&[("alertname", "CpuWarm"), ("severity", "warning")], &[]),
    ]);
    am.wait_for_alerts("active=true", 3);
    let got = ui.wait_for_sequence();
    assert_eq!(
        String::from_utf8_lossy(&got),
        "\u{1b}]9;1 new critical alert: HighErrorRate\u{7}"
    );
    ui.wait_for("the new alerts listed", |t| {
        t.contains("HighErrorRate") && t.contains("CpuWarm")
    });
}

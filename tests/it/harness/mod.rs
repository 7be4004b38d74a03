//! Test harness shared by the integration tests: Debian's real `prometheus` and
//! `prometheus-alertmanager` on free loopback ports, a metrics endpoint the test controls,
//! a PagerDuty stand-in that enforces the documented contract, misbehaving servers for the
//! failure cases, and a runner for the built `oncall` binary.
//!
//! Everything here is synchronous from the test's point of view: HTTP servers run on one
//! shared background runtime (`rt()`), so a test may block (run the binary, poll) freely
//! whether it is a plain `#[test]` or a `#[tokio::test]`.
//!
//! Include it from each integration test file with `mod harness;`.

// Each test binary uses a different part of the harness.
#![allow(dead_code, unused_imports)]

pub mod alertmanager;
pub mod cli;
pub mod demo_history;
pub mod faulty;
pub mod metrics;
pub mod openmetrics;
pub mod pagerduty;
pub mod pagerduty_timeline;
pub mod process;
pub mod prometheus;
pub mod proxy;
pub mod tls;
pub mod tmux;

pub use alertmanager::{alert, Alertmanager};
pub use cli::Oncall;
pub use demo_history::demo_history;
pub use faulty::FaultyServer;
pub use metrics::MetricsServer;
pub use openmetrics::OpenMetrics;
pub use pagerduty::PagerDutyStandin;
pub use prometheus::Prometheus;
pub use tmux::TmuxSession;

use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long any wait in the harness may take before the test fails. Generous on purpose:
/// the tests run on a shared 2-core machine, and nothing here asserts on timing.
pub const WAIT: Duration = Duration::from_secs(90);

/// The runtime every harness HTTP server and helper request runs on. It lives for the whole
/// test binary, so servers outlive the test's own runtime and a blocked test cannot stall them.
pub fn rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("harness")
            .enable_all()
            .build()
            .expect("cannot start the harness runtime")
    })
}

/// Run a future on the harness runtime and wait for it. Works from sync tests and from
/// inside another runtime (it never nests `block_on`).
pub fn block_on<F>(fut: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    rt().spawn(async move {
        let _ = tx.send(fut.await);
    });
    rx.recv()
        .expect("a harness task panicked (see its message above)")
}

/// A port nothing listens on right now: bind :0, read the port, release it. Another process
/// can take it before the server binds it, so the servers retry on a clash.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("cannot bind a loopback port");
    l.local_addr().expect("bound socket has an address").port()
}

/// Poll `check` until it returns `Some`, or fail the test after `WAIT` naming `what`.
pub fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    wait_for_within(what, WAIT, &mut check)
}

pub fn wait_for_within<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    let mut pause = Duration::from_millis(50);
    loop {
        if let Some(v) = check() {
            return v;
        }
        if start.elapsed() > limit {
            panic!("gave up after {limit:?} waiting for {what}");
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

/// A running axum server on the harness runtime; stops when dropped.
pub struct HttpServer {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl HttpServer {
    /// Serve `router` on a fresh loopback port.
    pub fn start(router: axum::Router) -> HttpServer {
        let std_listener = TcpListener::bind("127.0.0.1:0").expect("cannot bind a loopback port");
        std_listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        let addr = std_listener
            .local_addr()
            .expect("bound socket has an address");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let _guard = rt().enter();
        let listener = tokio::net::TcpListener::from_std(std_listener).expect("tokio listener");
        rt().spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        HttpServer {
            addr,
            shutdown: Some(tx),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A reqwest client for the harness's own calls (never the code under test).
pub fn http() -> reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("harness HTTP client")
        })
        .clone()
}

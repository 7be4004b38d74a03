//! The built-in demo platform (`--demo`): a simulated crypto exchange in the middle of an
//! incident, served over loopback HTTP with the Prometheus, Alertmanager and PagerDuty API
//! subsets oncall uses, so the same clients and UI code run as against real backends.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let demo = oncall_demo::DemoPlatform::start().await?;
//! println!("Prometheus at {}", demo.prometheus_url);
//! demo.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! Metric values are a pure function of (series, time, seed): the same timestamp always
//! gives the same value, so refreshes and tail fetches agree. Alerts come from real rule
//! evaluation over those series; silences and incident state live in memory.

// The shared model and clients, under the names the demo's modules use.
pub(crate) use oncall_sources::model;

mod alertmanager;
mod http;
mod pagerduty;
mod prometheus;
pub mod promql;
mod rules;
mod scenario;
mod signals;
mod storage;
mod targets;
mod template;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use url::Url;

use self::alertmanager::AmState;
use self::pagerduty::PdState;
use self::rules::RuleEngine;
use self::scenario::Scenario;

/// The seed of the shipped scenario: the same story every time.
pub const DEFAULT_SEED: u64 = 20_251_130;

/// How the demo's clock runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoClock {
    /// Real time: the incident unfolds while you watch (the disk alert fires two minutes in).
    Live,
    /// Stopped at the start time: every answer is reproducible (tests, screenshots).
    Frozen,
}

#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// "Now" when the demo starts; the incident's timeline is relative to it.
    pub start: DateTime<Utc>,
    pub seed: u64,
    pub clock: DemoClock,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            start: Utc::now(),
            seed: DEFAULT_SEED,
            clock: DemoClock::Live,
        }
    }
}

/// Everything the three fake backends share.
pub(crate) struct Platform {
    pub scenario: Scenario,
    pub rules: RuleEngine,
    pub alertmanager: Mutex<AmState>,
    pub pagerduty: Mutex<PdState>,
    /// Unix ms the demo started (the scenario's anchor).
    pub started: i64,
    clock: DemoClock,
    prometheus_url: Url,
}

impl Platform {
    /// The demo's current time, Unix ms.
    pub fn now(&self) -> i64 {
        match self.clock {
            DemoClock::Live => Utc::now().timestamp_millis(),
            DemoClock::Frozen => self.started,
        }
    }

    /// The Prometheus graph link Alertmanager shows for an alert.
    pub fn generator_url(&self, expr: &str) -> String {
        let mut url = self.prometheus_url.clone();
        url.set_path("/graph");
        url.query_pairs_mut()
            .append_pair("g0.expr", expr)
            .append_pair("g0.tab", "1");
        url.to_string()
    }
}

/// The running demo: three HTTP servers on 127.0.0.1. Dropping it (or [`shutdown`]) stops
/// them.
///
/// [`shutdown`]: DemoPlatform::shutdown
pub struct DemoPlatform {
    pub prometheus_url: Url,
    pub alertmanager_url: Url,
    pub pagerduty_url: Url,
    platform: Arc<Platform>,
    stop: CancellationToken,
    servers: Vec<JoinHandle<()>>,
}

impl fmt::Debug for DemoPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoPlatform")
            .field("prometheus_url", &self.prometheus_url.as_str())
            .field("alertmanager_url", &self.alertmanager_url.as_str())
            .field("pagerduty_url", &self.pagerduty_url.as_str())
            .field("clock", &self.platform.clock)
            .finish()
    }
}

impl DemoPlatform {
    /// The shipped scenario on a live clock, starting now. Needs a tokio runtime; the
    /// servers run on it.
    pub async fn start() -> io::Result<DemoPlatform> {
        Self::start_with(DemoOptions::default()).await
    }

    /// A frozen demo at `now` with `seed`: every answer is reproducible.
    pub async fn start_at(now: DateTime<Utc>, seed: u64) -> io::Result<DemoPlatform> {
        Self::start_with(DemoOptions {
            start: now,
            seed,
            clock: DemoClock::Frozen,
        })
        .await
    }

    pub async fn start_with(options: DemoOptions) -> io::Result<DemoPlatform> {
        let listeners = [bind().await?, bind().await?, bind().await?];
        let urls = listeners
            .iter()
            .map(|l| l.local_addr().and_then(base_url))
            .collect::<io::Result<Vec<Url>>>()?;
        let (prometheus_url, alertmanager_url, pagerduty_url) =
            (urls[0].clone(), urls[1].clone(), urls[2].clone());

        let started = options.start.timestamp_millis();
        let rules = RuleEngine::new().map_err(io::Error::other)?;
        let am = AmState::new(options.seed, started).map_err(io::Error::other)?;
        let platform = Arc::new(Platform {
            scenario: Scenario::new(started, options.seed),
            rules,
            alertmanager: Mutex::new(am),
            pagerduty: Mutex::new(PdState::new(options.seed, started)),
            started,
            clock: options.clock,
            prometheus_url: prometheus_url.clone(),
        });

        let stop = CancellationToken::new();
        let routers = [
            prometheus::router(platform.clone()),
            alertmanager::router(platform.clone()),
            pagerduty::router(platform.clone()),
        ];
        let servers = listeners
            .into_iter()
            .zip(routers)
            .map(|(listener, router)| {
                let stop = stop.clone();
                tokio::spawn(async move {
                    // A failing accept loop ends this server; clients then see "connection
                    // refused", which the UI reports like any backend being down.
                    let _ = axum::serve(listener, router)
                        .with_graceful_shutdown(stop.cancelled_owned())
                        .await;
                })
            })
            .collect();
        Ok(DemoPlatform {
            prometheus_url,
            alertmanager_url,
            pagerduty_url,
            platform,
            stop,
            servers,
        })
    }

    /// The demo's current time.
    pub fn now(&self) -> DateTime<Utc> {
        http::datetime(self.platform.now())
    }

    /// When the demo started: the incident's timeline is relative to this.
    pub fn started(&self) -> DateTime<Utc> {
        http::datetime(self.platform.started)
    }

    /// Stop the servers and wait for them to finish their requests.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        for server in std::mem::take(&mut self.servers) {
            let _ = server.await;
        }
    }
}

impl Drop for DemoPlatform {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn bind() -> io::Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", 0)).await
}

fn base_url(addr: SocketAddr) -> io::Result<Url> {
    Url::parse(&format!("http://{addr}/")).map_err(io::Error::other)
}

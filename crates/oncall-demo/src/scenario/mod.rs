//! The simulated platform: a crypto exchange (API gateway, auth, wallet, trading and
//! matching engines, KYC, PostgreSQL, Redis, four Kubernetes nodes) and the incident it is
//! in the middle of. Every series is a function of time; this module says which series exist
//! and what shape each one has; the submodules fill in each part of the platform.
//!
//! The story, relative to the moment the demo starts ("now"):
//! - 40 min ago `wallet-service` v2.8.0 rolled out. It leaks database connections and memory:
//!   its connection pool fills within minutes, then 5xx responses climb to ~10 % and latency
//!   to seconds (HighErrorRate, HighLatency, DatabaseConnectionPoolExhausted fire).
//!   Withdrawals start failing, the API gateway's availability drops below its SLO.
//! - 18 min ago `wallet-service-1` was OOM-killed and is crash-looping (`up == 0`,
//!   ServiceDown); `wallet-service-0` carries all wallet traffic. The autoscaler's extra
//!   replica is stuck Pending.
//! - `/data` on node-3 has been filling for hours and crossed 90 % three minutes ago:
//!   DiskSpaceLow is pending and starts firing two minutes into the demo.
//! - node-4 runs a planned ledger reindex (HighCPUUsage, silenced by the change ticket).
//! - Earlier: a credential-stuffing burst five hours ago (failed logins, lockouts, rate
//!   limiting, new-location logins from BR) and an order spam burst on SOL_TRY two hours ago.

use std::collections::HashMap;
use std::sync::Arc;

use super::promql::Labels;
use super::signals::{key_of, lerp, mix, pulse, ramp, Latency};

mod datastores;
mod exchange;
mod infrastructure;
mod services;

/// Prometheus scrapes every target this often (the seeds' `scrape_interval: 15s`).
pub const SCRAPE_MS: i64 = 15_000;

/// A value as a function of time (Unix seconds).
pub type Shape = Arc<dyn Fn(f64) -> f64 + Send + Sync>;

/// A latency distribution as a function of time.
type LatencyShape = Arc<dyn Fn(f64) -> Latency + Send + Sync>;

/// A pod's phase as a function of time.
type PhaseShape = Arc<dyn Fn(f64) -> &'static str + Send + Sync>;

fn shape(f: impl Fn(f64) -> f64 + Send + Sync + 'static) -> Shape {
    Arc::new(f)
}

/// How a series produces samples.
pub enum Kind {
    /// A gauge: `value(t)` times `1 ± jitter` of per-scrape noise, rounded if `integer`.
    Gauge {
        value: Shape,
        jitter: f64,
        integer: bool,
    },
    /// A counter defined by its per-second rate. `level` is a typical rate, used for the
    /// raw cumulative value (which only needs to be plausible and increasing).
    Counter {
        rate: Shape,
        level: f64,
        /// Shared by all buckets of one histogram so their noise keeps them monotonic.
        noise_key: u64,
    },
    /// `up`: 1 while the target answers scrapes, 0 while it is down.
    Up,
}

pub struct SeriesDef {
    pub labels: Labels,
    pub target: usize,
    pub kind: Kind,
    pub key: u64,
    /// Unix ms during which the series exists (e.g. a pod created during the incident).
    pub exists: (i64, i64),
}

pub struct Target {
    pub job: String,
    pub instance: String,
    /// From this Unix ms on, scrapes fail: `up` is 0 and the target's other series vanish.
    pub down_from: Option<i64>,
    /// Scrape offset within the interval, so targets are not all scraped at once.
    pub phase: i64,
    /// Cumulative counters count from here (the process start), in Unix ms.
    pub started: i64,
}

impl Target {
    pub fn is_up(&self, t: i64) -> bool {
        match self.down_from {
            Some(d) => t < d,
            None => true,
        }
    }
}

/// Key moments of the incident, as Unix seconds.
#[derive(Debug, Clone, Copy)]
pub struct Timeline {
    anchor: f64,
}

impl Timeline {
    pub fn new(anchor_ms: i64) -> Self {
        Timeline {
            anchor: anchor_ms as f64 / 1000.0,
        }
    }

    /// `minutes` relative to the demo's start (negative: before it).
    pub fn at(&self, minutes: f64) -> f64 {
        self.anchor + minutes * 60.0
    }

    /// The bad wallet-service release rolled out.
    pub fn deploy(&self) -> f64 {
        self.at(-40.0)
    }

    /// 0..1: how full wallet-service's connection pool is beyond normal.
    pub fn wallet_pool(&self, t: f64) -> f64 {
        ramp(t, self.at(-39.0), self.at(-34.0))
    }

    /// 0..1: wallet-service's 5xx ratio from normal to incident level.
    pub fn wallet_errors(&self, t: f64) -> f64 {
        ramp(t, self.at(-35.0), self.at(-30.0))
    }

    /// 0..1: wallet-service's latency from normal to incident level.
    pub fn wallet_latency(&self, t: f64) -> f64 {
        ramp(t, self.at(-36.0), self.at(-31.0))
    }

    /// wallet-service-1 is OOM-killed and starts crash-looping.
    pub fn oom_kill(&self) -> f64 {
        self.at(-18.0)
    }

    /// Share of wallet traffic wallet-service-0 carries (half, then all).
    pub fn wallet0_share(&self, t: f64) -> f64 {
        lerp(0.5, 1.0, ramp(t, self.oom_kill(), self.oom_kill() + 30.0))
    }

    /// Fraction of node-3's `/data` that is used: 78 % six hours ago, 90 % three minutes
    /// ago, levelling off at 97 %.
    pub fn data_disk_used(&self, t: f64) -> f64 {
        let slope = (0.90 - 0.78) / (self.at(-3.0) - self.at(-360.0));
        (0.78 + slope * (t - self.at(-360.0))).clamp(0.70, 0.97)
    }

    /// 0..1: node-4's planned ledger reindex (CHG-2231).
    pub fn reindex(&self, t: f64) -> f64 {
        pulse(t, self.at(-90.0), self.at(90.0), 300.0)
    }

    /// 0..1: the credential-stuffing burst.
    pub fn brute_force(&self, t: f64) -> f64 {
        pulse(t, self.at(-310.0), self.at(-290.0), 120.0)
    }

    /// 0..1: the order spam burst on SOL_TRY.
    pub fn order_spam(&self, t: f64) -> f64 {
        pulse(t, self.at(-135.0), self.at(-125.0), 60.0)
    }
}

/// Every series of the platform, and the targets they are scraped from.
pub struct Scenario {
    pub targets: Vec<Target>,
    pub series: Vec<SeriesDef>,
    by_name: HashMap<String, Vec<usize>>,
}

impl Scenario {
    pub fn new(anchor_ms: i64, seed: u64) -> Scenario {
        let mut b = Builder {
            anchor_ms,
            seed,
            tl: Timeline::new(anchor_ms),
            targets: Vec::new(),
            series: Vec::new(),
        };
        b.services();
        b.nodes();
        b.kubernetes();
        b.postgres();
        b.redis();
        b.trading();
        b.business();
        b.meta();
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, s) in b.series.iter().enumerate() {
            if let Some(name) = s.labels.get("__name__") {
                by_name.entry(name.clone()).or_default().push(i);
            }
        }
        Scenario {
            targets: b.targets,
            series: b.series,
            by_name,
        }
    }

    /// Indexes of the series named `name`, or `None` for an unknown name.
    pub fn named(&self, name: &str) -> Option<&[usize]> {
        self.by_name.get(name).map(Vec::as_slice)
    }
}

fn fmt_le(le: f64) -> String {
    if le.is_infinite() {
        "+Inf".to_string()
    } else {
        format!("{le}")
    }
}

struct Builder {
    anchor_ms: i64,
    seed: u64,
    tl: Timeline,
    targets: Vec<Target>,
    series: Vec<SeriesDef>,
}

const FOREVER: (i64, i64) = (i64::MIN, i64::MAX);

impl Builder {
    fn target(&mut self, job: &str, instance: &str, down_from: Option<i64>) -> usize {
        let key = mix(key_of(instance) ^ self.seed);
        // Processes started between 1 and 9 days ago.
        let started = self.anchor_ms - 86_400_000 - (key % 8) as i64 * 86_400_000;
        self.targets.push(Target {
            job: job.to_string(),
            instance: instance.to_string(),
            down_from,
            phase: (key % SCRAPE_MS as u64) as i64,
            started,
        });
        let idx = self.targets.len() - 1;
        self.push(idx, "up", &[], Kind::Up, FOREVER, true);
        idx
    }

    /// Adds a series; `with_target` adds the target's `job` and `instance` labels.
    fn push(
        &mut self,
        target: usize,
        name: &str,
        labels: &[(&str, &str)],
        kind: Kind,
        exists: (i64, i64),
        with_target: bool,
    ) {
        let mut l = Labels::new();
        l.insert("__name__".into(), name.into());
        if with_target {
            let t = &self.targets[target];
            l.insert("job".into(), t.job.clone());
            l.insert("instance".into(), t.instance.clone());
            // Application targets carry `service` too (the seeds' relabelling does this).
            if services::is_application(&t.job) || t.job == "matching-engine" {
                l.insert("service".into(), t.job.clone());
            }
        }
        for (k, v) in labels {
            l.insert((*k).into(), (*v).into());
        }
        let text: Vec<String> = l.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let key = mix(key_of(&text.join(",")) ^ self.seed);
        self.series.push(SeriesDef {
            labels: l,
            target,
            kind,
            key,
            exists,
        });
    }

    fn gauge(
        &mut self,
        target: usize,
        name: &str,
        labels: &[(&str, &str)],
        jitter: f64,
        f: impl Fn(f64) -> f64 + Send + Sync + 'static,
    ) {
        self.push(
            target,
            name,
            labels,
            Kind::Gauge {
                value: shape(f),
                jitter,
                integer: false,
            },
            FOREVER,
            true,
        );
    }

    fn count_gauge(
        &mut self,
        target: usize,
        name: &str,
        labels: &[(&str, &str)],
        jitter: f64,
        f: impl Fn(f64) -> f64 + Send + Sync + 'static,
    ) {
        self.push(
            target,
            name,
            labels,
            Kind::Gauge {
                value: shape(f),
                jitter,
                integer: true,
            },
            FOREVER,
            true,
        );
    }

    fn counter(
        &mut self,
        target: usize,
        name: &str,
        labels: &[(&str, &str)],
        level: f64,
        f: impl Fn(f64) -> f64 + Send + Sync + 'static,
    ) {
        let noise_key = self.series.len() as u64 ^ self.seed.rotate_left(7);
        self.push(
            target,
            name,
            labels,
            Kind::Counter {
                rate: shape(f),
                level,
                noise_key: mix(noise_key),
            },
            FOREVER,
            true,
        );
    }

    /// A classic histogram: `<name>_bucket{le=...}`, `_sum` and `_count`.
    fn histogram(
        &mut self,
        target: usize,
        name: &str,
        buckets: &[f64],
        level: f64,
        rate: Shape,
        latency: LatencyShape,
    ) {
        let noise_key = mix(key_of(name) ^ key_of(&self.targets[target].instance) ^ self.seed);
        for &le in buckets {
            let (r, l) = (rate.clone(), latency.clone());
            let le_text = fmt_le(le);
            let f = shape(move |t| r(t) * l(t).share_below(le));
            self.push(
                target,
                &format!("{name}_bucket"),
                &[("le", &le_text)],
                Kind::Counter {
                    rate: f,
                    level,
                    noise_key,
                },
                FOREVER,
                true,
            );
        }
        let (r, l) = (rate.clone(), latency.clone());
        let sum = shape(move |t| r(t) * l(t).mean());
        self.push(
            target,
            &format!("{name}_sum"),
            &[],
            Kind::Counter {
                rate: sum,
                level: level * 0.05,
                noise_key,
            },
            FOREVER,
            true,
        );
        self.push(
            target,
            &format!("{name}_count"),
            &[],
            Kind::Counter {
                rate,
                level,
                noise_key,
            },
            FOREVER,
            true,
        );
    }

    fn meta(&mut self) {
        // `up` for Prometheus itself was added with its target; the Alertmanager target:
        self.target("alertmanager", "localhost:9093", None);
    }
}

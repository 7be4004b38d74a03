//! The simulated platform: a crypto exchange (API gateway, auth, wallet, trading and
//! matching engines, KYC, PostgreSQL, Redis, four Kubernetes nodes) and the incident it is
//! in the middle of. Every series is a function of time; this file says which series exist
//! and what shape each one has.
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
use super::signals::{diurnal, key_of, lerp, mix, pulse, ramp, wobble, Latency};

/// Prometheus scrapes every target this often (the seeds' `scrape_interval: 15s`).
pub const SCRAPE_MS: i64 = 15_000;

/// A value as a function of time (Unix seconds).
pub type Shape = Arc<dyn Fn(f64) -> f64 + Send + Sync>;

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

/// An application service: its traffic, routes and latency.
struct Service {
    job: &'static str,
    port: u16,
    replicas: usize,
    /// Requests per second at the daily peak, all replicas together.
    rps: f64,
    routes: &'static [(&'static str, &'static str, f64)],
    latency: Latency,
    /// Talks to PostgreSQL (pool, query histogram).
    database: bool,
    /// Resident memory per replica, MiB.
    memory_mib: f64,
    /// CPU cores per replica at peak.
    cores: f64,
}

const SERVICES: &[Service] = &[
    Service {
        job: "api-gateway",
        port: 8080,
        replicas: 2,
        rps: 420.0,
        routes: &[
            ("GET", "/api/v1/markets", 0.35),
            ("POST", "/api/v1/orders", 0.30),
            ("GET", "/api/v1/account", 0.35),
        ],
        latency: Latency { median: 0.035, sigma: 0.7 },
        database: false,
        memory_mib: 380.0,
        cores: 0.9,
    },
    Service {
        job: "auth-service",
        port: 3000,
        replicas: 2,
        rps: 120.0,
        routes: &[
            ("POST", "/auth/login", 0.45),
            ("POST", "/auth/refresh", 0.40),
            ("POST", "/auth/register", 0.15),
        ],
        latency: Latency { median: 0.025, sigma: 0.8 },
        database: true,
        memory_mib: 300.0,
        cores: 0.6,
    },
    Service {
        job: "wallet-service",
        port: 3000,
        replicas: 2,
        rps: 85.0,
        routes: &[
            ("GET", "/wallets/balance", 0.60),
            ("POST", "/wallets/withdrawals", 0.15),
            ("POST", "/wallets/deposits/confirm", 0.25),
        ],
        latency: Latency { median: 0.045, sigma: 0.7 },
        database: true,
        memory_mib: 420.0,
        cores: 0.5,
    },
    Service {
        job: "trading-engine",
        port: 8080,
        replicas: 2,
        rps: 260.0,
        routes: &[
            ("POST", "/orders", 0.55),
            ("DELETE", "/orders/{id}", 0.20),
            ("GET", "/orderbook", 0.25),
        ],
        latency: Latency { median: 0.02, sigma: 0.6 },
        database: true,
        memory_mib: 900.0,
        cores: 1.2,
    },
    Service {
        job: "kyc-service",
        port: 3000,
        replicas: 1,
        rps: 8.0,
        routes: &[("POST", "/kyc/documents", 0.4), ("GET", "/kyc/status", 0.6)],
        latency: Latency { median: 0.04, sigma: 0.8 },
        database: true,
        memory_mib: 350.0,
        cores: 0.2,
    },
];

const HTTP_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, f64::INFINITY];
const DB_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, f64::INFINITY];
const MATCHING_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, f64::INFINITY];

/// Trading pairs and their share of orders and volume.
const SYMBOLS: &[(&str, f64)] = &[("BTC_TRY", 0.42), ("ETH_TRY", 0.26), ("USDT_TRY", 0.22), ("SOL_TRY", 0.10)];

/// Kubernetes nodes: name, CPU share busy at peak, memory GiB, share of memory available.
const NODES: &[(&str, f64, f64, f64)] = &[
    ("node-1", 0.36, 32.0, 0.55),
    ("node-2", 0.46, 32.0, 0.48),
    ("node-3", 0.50, 32.0, 0.40),
    ("node-4", 0.30, 64.0, 0.62),
];

/// Pods: name, node, container, CPU cores at peak.
const PODS: &[(&str, &str, &str, f64)] = &[
    ("api-gateway-0", "node-1", "api-gateway", 0.9),
    ("api-gateway-1", "node-2", "api-gateway", 0.9),
    ("auth-service-0", "node-1", "auth-service", 0.6),
    ("auth-service-1", "node-2", "auth-service", 0.6),
    ("wallet-service-0", "node-2", "wallet-service", 0.5),
    ("wallet-service-1", "node-3", "wallet-service", 0.5),
    ("trading-engine-0", "node-1", "trading-engine", 1.2),
    ("trading-engine-1", "node-3", "trading-engine", 1.2),
    ("matching-engine-0", "node-3", "matching-engine", 1.8),
    ("kyc-service-0", "node-2", "kyc-service", 0.2),
    ("redis-master-0", "node-4", "redis", 0.7),
    ("ledger-reindex-28741", "node-4", "reindex", 3.2),
];

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
    fn push(&mut self, target: usize, name: &str, labels: &[(&str, &str)], kind: Kind, exists: (i64, i64), with_target: bool) {
        let mut l = Labels::new();
        l.insert("__name__".into(), name.into());
        if with_target {
            let t = &self.targets[target];
            l.insert("job".into(), t.job.clone());
            l.insert("instance".into(), t.instance.clone());
            // Application targets carry `service` too (the seeds' relabelling does this).
            if SERVICES.iter().any(|s| s.job == t.job) || t.job == "matching-engine" {
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

    fn gauge(&mut self, target: usize, name: &str, labels: &[(&str, &str)], jitter: f64, f: impl Fn(f64) -> f64 + Send + Sync + 'static) {
        self.push(target, name, labels, Kind::Gauge { value: shape(f), jitter, integer: false }, FOREVER, true);
    }

    fn count_gauge(&mut self, target: usize, name: &str, labels: &[(&str, &str)], jitter: f64, f: impl Fn(f64) -> f64 + Send + Sync + 'static) {
        self.push(target, name, labels, Kind::Gauge { value: shape(f), jitter, integer: true }, FOREVER, true);
    }

    fn counter(&mut self, target: usize, name: &str, labels: &[(&str, &str)], level: f64, f: impl Fn(f64) -> f64 + Send + Sync + 'static) {
        let noise_key = self.series.len() as u64 ^ self.seed.rotate_left(7);
        self.push(target, name, labels, Kind::Counter { rate: shape(f), level, noise_key: mix(noise_key) }, FOREVER, true);
    }

    /// A classic histogram: `<name>_bucket{le=...}`, `_sum` and `_count`.
    fn histogram(&mut self, target: usize, name: &str, labels: &[(&str, &str)], buckets: &[f64], level: f64, rate: Shape, latency: Arc<dyn Fn(f64) -> Latency + Send + Sync>) {
        let noise_key = mix(key_of(name) ^ key_of(&self.targets[target].instance) ^ self.seed);
        for &le in buckets {
            let (r, l) = (rate.clone(), latency.clone());
            let le_text = fmt_le(le);
            let mut all: Vec<(&str, &str)> = labels.to_vec();
            all.push(("le", &le_text));
            let f = shape(move |t| r(t) * l(t).share_below(le));
            self.push(target, &format!("{name}_bucket"), &all, Kind::Counter { rate: f, level, noise_key }, FOREVER, true);
        }
        let (r, l) = (rate.clone(), latency.clone());
        let sum = shape(move |t| r(t) * l(t).mean());
        self.push(target, &format!("{name}_sum"), labels, Kind::Counter { rate: sum, level: level * 0.05, noise_key }, FOREVER, true);
        self.push(target, &format!("{name}_count"), labels, Kind::Counter { rate, level, noise_key }, FOREVER, true);
    }

    fn services(&mut self) {
        let tl = self.tl;
        let seed = self.seed;
        for svc in SERVICES {
            let svc_key = mix(key_of(svc.job) ^ seed);
            // Traffic of the whole service: daily curve, minute-scale wobble.
            let traffic = move |t: f64| svc.rps * diurnal(t, 15.0, 0.55) * (1.0 + 0.08 * wobble(svc_key, t));
            let wallet = svc.job == "wallet-service";
            let gateway = svc.job == "api-gateway";
            // Share of 5xx: wallet-service is the incident; the gateway passes some of it on.
            let error_share = move |t: f64| -> f64 {
                let base = 0.0016 * (1.0 + 0.3 * wobble(svc_key ^ 5, t));
                if wallet {
                    let after_oom = 1.0 + 0.15 * ramp(t, tl.oom_kill(), tl.oom_kill() + 120.0);
                    lerp(base, 0.095 * after_oom * (1.0 + 0.12 * wobble(svc_key ^ 9, t)), tl.wallet_errors(t))
                } else if gateway {
                    base + 0.2 * 0.095 * tl.wallet_errors(t)
                } else {
                    base
                }
            };
            let latency = move |t: f64| -> Latency {
                let load = 0.9 + 0.1 * diurnal(t, 15.0, 0.55) + 0.05 * wobble(svc_key ^ 3, t);
                let base = Latency { median: svc.latency.median * load, sigma: svc.latency.sigma };
                if wallet {
                    let f = tl.wallet_latency(t);
                    Latency { median: lerp(base.median, 0.38 * (1.0 + 0.1 * wobble(svc_key ^ 4, t)), f), sigma: lerp(base.sigma, 0.85, f) }
                } else if gateway {
                    let f = tl.wallet_latency(t);
                    // Only the share of gateway traffic that waits on wallet-service slows down.
                    Latency { median: lerp(base.median, 0.045 * load, f), sigma: lerp(base.sigma, 0.8, f) }
                } else {
                    base
                }
            };
            let latency: Arc<dyn Fn(f64) -> Latency + Send + Sync> = Arc::new(latency);
            for replica in 0..svc.replicas {
                let instance = format!("{}-{replica}:{}", svc.job, svc.port);
                let down = (wallet && replica == 1).then(|| (tl.oom_kill() * 1000.0) as i64);
                let target = self.target(svc.job, &instance, down);
                let inst_key = mix(key_of(&instance) ^ seed);
                let replicas = svc.replicas as f64;
                let share = move |t: f64| -> f64 {
                    let even = (1.0 + 0.04 * wobble(inst_key, t)) / replicas;
                    if wallet && replica == 0 {
                        tl.wallet0_share(t) * (1.0 + 0.04 * wobble(inst_key, t))
                    } else {
                        even
                    }
                };
                let instance_rate = shape(move |t| traffic(t) * share(t));
                for &(method, endpoint, route_share) in svc.routes {
                    let ok = if method == "POST" { "201" } else { "200" };
                    let limited = if gateway { 0.01 } else { 0.005 };
                    let statuses: [(&str, f64); 6] = [(ok, 0.0), ("400", 0.012), ("401", 0.008), ("429", limited), ("500", 0.55), ("503", 0.45)];
                    for (status, weight) in statuses {
                        let r = instance_rate.clone();
                        let f = move |t: f64| -> f64 {
                            let err = error_share(t);
                            let client_errors = 0.012 + 0.008 + limited;
                            let s = match status {
                                "500" | "503" => err * weight,
                                "400" | "401" | "429" => weight,
                                _ => 1.0 - err - client_errors,
                            };
                            r(t) * route_share * s
                        };
                        let level = svc.rps / replicas * route_share * if weight == 0.0 { 0.95 } else { 0.005 };
                        self.counter(target, "http_requests_total", &[("method", method), ("endpoint", endpoint), ("status", status)], level, f);
                    }
                }
                self.histogram(target, "http_request_duration_seconds", &[], HTTP_BUCKETS, svc.rps / replicas, instance_rate.clone(), latency.clone());

                // Memory: wallet-service leaks after the deploy; replica 1 leaked faster.
                let mem_base = svc.memory_mib * 1024.0 * 1024.0;
                let tau = if replica == 1 { 12.0 * 60.0 } else { 25.0 * 60.0 };
                self.gauge(target, "process_resident_memory_bytes", &[], 0.01, move |t| {
                    let leak = if wallet && t > tl.deploy() { 1.75 * 1024.0 * 1024.0 * 1024.0 * (1.0 - (-(t - tl.deploy()) / tau).exp()) } else { 0.0 };
                    mem_base * (1.0 + 0.03 * wobble(inst_key ^ 11, t)) + leak
                });
                let cores = svc.cores;
                self.counter(target, "process_cpu_seconds_total", &[], cores * 0.7, move |t| {
                    let gc = if wallet { 1.0 + 1.6 * tl.wallet_latency(t) } else { 1.0 };
                    cores * (0.5 + 0.5 * diurnal(t, 15.0, 0.55)) * gc * (1.0 + 0.1 * wobble(inst_key ^ 12, t))
                });
                self.count_gauge(target, "process_open_fds", &[], 0.02, move |t| 180.0 + 60.0 * diurnal(t, 15.0, 0.55));

                if svc.database {
                    // The pool (50 connections per replica): wallet-service's fills up.
                    self.gauge(target, "database_connections_total", &[], 0.0, |_| 50.0);
                    self.count_gauge(target, "database_connections_active", &[], 0.04, move |t| {
                        let normal = 50.0 * (0.2 + 0.15 * diurnal(t, 15.0, 0.55));
                        if wallet {
                            lerp(normal, 49.0, tl.wallet_pool(t)).min(50.0)
                        } else {
                            normal
                        }
                    });
                    let qps = {
                        let r = instance_rate.clone();
                        let per_request = if wallet { 4.0 } else { 3.0 };
                        shape(move |t| r(t) * per_request)
                    };
                    let db_latency: Arc<dyn Fn(f64) -> Latency + Send + Sync> = Arc::new(move |t: f64| {
                        let base = Latency { median: 0.004 * (0.9 + 0.2 * diurnal(t, 15.0, 0.55)), sigma: 1.0 };
                        if wallet {
                            let f = tl.wallet_pool(t);
                            Latency { median: lerp(base.median, 0.08, f), sigma: lerp(1.0, 1.2, f) }
                        } else {
                            base
                        }
                    });
                    self.histogram(target, "database_query_duration_seconds", &[], DB_BUCKETS, svc.rps * 3.0 / replicas, qps, db_latency);
                    let r = instance_rate.clone();
                    self.counter(target, "cache_hits_total", &[], svc.rps * 2.0 / replicas, move |t| r(t) * 2.0 * 0.91);
                    let r = instance_rate.clone();
                    self.counter(target, "cache_misses_total", &[], svc.rps * 0.2 / replicas, move |t| {
                        let miss = if wallet { lerp(0.09, 0.16, tl.wallet_errors(t)) } else { 0.09 };
                        r(t) * 2.0 * miss
                    });
                }
            }
        }
    }

    fn nodes(&mut self) {
        let tl = self.tl;
        let seed = self.seed;
        for &(node, busy, mem_gib, avail) in NODES {
            let instance = format!("{node}:9100");
            let target = self.target("node-exporter", &instance, None);
            let node_key = mix(key_of(node) ^ seed);
            let incident_node = node == "node-3";
            let reindex_node = node == "node-4";
            let usage = move |t: f64| -> f64 {
                let mut u = busy * (0.75 + 0.25 * diurnal(t, 15.0, 0.55)) * (1.0 + 0.08 * wobble(node_key, t));
                if incident_node {
                    u += 0.18 * tl.wallet_latency(t);
                }
                if reindex_node {
                    u = lerp(u, 0.88 + 0.02 * wobble(node_key ^ 1, t), tl.reindex(t));
                }
                u.clamp(0.02, 0.99)
            };
            let release = "6.1.0-28-amd64";
            self.gauge(target, "node_uname_info", &[("nodename", node), ("sysname", "Linux"), ("release", release), ("machine", "x86_64")], 0.0, |_| 1.0);
            for cpu in 0..4 {
                let cpu_text = cpu.to_string();
                let cpu_key = mix(node_key ^ cpu as u64);
                for (mode, share) in [("idle", 0.0), ("user", 0.68), ("system", 0.22), ("iowait", 0.05), ("softirq", 0.03), ("steal", 0.02)] {
                    let f = move |t: f64| -> f64 {
                        let u = (usage(t) * (1.0 + 0.05 * wobble(cpu_key, t))).clamp(0.0, 1.0);
                        if mode == "idle" {
                            1.0 - u
                        } else {
                            u * share
                        }
                    };
                    let level = if mode == "idle" { 1.0 - busy } else { busy * share };
                    self.counter(target, "node_cpu_seconds_total", &[("cpu", &cpu_text), ("mode", mode)], level, f);
                }
            }
            let total = mem_gib * 1024.0 * 1024.0 * 1024.0;
            let available = move |t: f64| -> f64 {
                let mut a = avail * (1.0 - 0.06 * diurnal(t, 15.0, 0.55)) * (1.0 + 0.02 * wobble(node_key ^ 2, t));
                if incident_node {
                    a -= 0.08 * tl.wallet_latency(t);
                }
                total * a
            };
            self.gauge(target, "node_memory_MemTotal_bytes", &[], 0.0, move |_| total);
            self.gauge(target, "node_memory_MemAvailable_bytes", &[], 0.002, available);
            self.gauge(target, "node_memory_MemFree_bytes", &[], 0.004, move |t| available(t) * 0.35);
            self.gauge(target, "node_memory_Cached_bytes", &[], 0.002, move |t| available(t) * 0.55);
            self.gauge(target, "node_memory_Buffers_bytes", &[], 0.002, move |_| total * 0.03);

            let gib = 1024.0 * 1024.0 * 1024.0;
            let mut filesystems: Vec<(&str, &str, &str, f64, Shape)> = vec![
                ("/dev/nvme0n1p1", "ext4", "/", 100.0 * gib, shape(move |t| 0.41 + 0.04 * (node_key % 5) as f64 + 0.002 * ((t - tl.at(0.0)) / 86_400.0))),
                ("tmpfs", "tmpfs", "/run", 3.2 * gib, shape(|_| 0.012)),
            ];
            if node == "node-3" {
                filesystems.push(("/dev/nvme1n1", "xfs", "/data", 500.0 * gib, shape(move |t| tl.data_disk_used(t))));
            }
            if node == "node-2" {
                filesystems.push(("/dev/nvme1n1", "xfs", "/data", 500.0 * gib, shape(|_| 0.62)));
            }
            for (device, fstype, mountpoint, size, used) in filesystems {
                let labels = [("device", device), ("fstype", fstype), ("mountpoint", mountpoint)];
                self.gauge(target, "node_filesystem_size_bytes", &labels, 0.0, move |_| size);
                let u = used.clone();
                self.gauge(target, "node_filesystem_avail_bytes", &labels, 0.0005, move |t| size * (1.0 - u(t)));
                self.gauge(target, "node_filesystem_free_bytes", &labels, 0.0005, move |t| size * (1.0 - used(t)) + size * 0.05);
            }
            for (device, rx, tx) in [("eth0", 38e6, 24e6), ("lo", 2.5e6, 2.5e6), ("veth3f2a91c", 1.2e6, 0.9e6)] {
                let k = mix(node_key ^ key_of(device));
                self.counter(target, "node_network_receive_bytes_total", &[("device", device)], rx * busy, move |t| rx * usage(t) * (1.0 + 0.1 * wobble(k, t)));
                self.counter(target, "node_network_transmit_bytes_total", &[("device", device)], tx * busy, move |t| tx * usage(t) * (1.0 + 0.1 * wobble(k ^ 1, t)));
            }
            let write_boost = move |t: f64| if incident_node { 1.0 + 1.2 * tl.wallet_latency(t) } else { 1.0 } + if reindex_node { 2.5 * tl.reindex(t) } else { 0.0 };
            let dk = mix(node_key ^ 77);
            self.counter(target, "node_disk_reads_completed_total", &[("device", "nvme0n1")], 150.0, move |t| 150.0 * (0.4 + usage(t)) * (1.0 + 0.15 * wobble(dk, t)) * if reindex_node { 1.0 + 3.0 * tl.reindex(t) } else { 1.0 });
            self.counter(target, "node_disk_writes_completed_total", &[("device", "nvme0n1")], 420.0, move |t| 420.0 * (0.4 + usage(t)) * (1.0 + 0.15 * wobble(dk ^ 1, t)) * write_boost(t));
            self.counter(target, "node_disk_read_bytes_total", &[("device", "nvme0n1")], 6e6, move |t| 6e6 * (0.4 + usage(t)) * (1.0 + 0.15 * wobble(dk ^ 2, t)));
            self.counter(target, "node_disk_written_bytes_total", &[("device", "nvme0n1")], 14e6, move |t| 14e6 * (0.4 + usage(t)) * (1.0 + 0.15 * wobble(dk ^ 3, t)) * write_boost(t));
            self.counter(target, "node_disk_io_time_seconds_total", &[("device", "nvme0n1")], 0.2, move |t| (0.15 * (0.4 + usage(t)) * write_boost(t)).min(1.0));
            for (name, smoothing) in [("node_load1", 1.0), ("node_load5", 0.6), ("node_load15", 0.35)] {
                self.gauge(target, name, &[], 0.05 * smoothing, move |t| 4.0 * usage(t) * (1.0 + 0.1 * smoothing * wobble(node_key ^ 5, t)));
            }
            let boot = (tl.at(0.0) - 86_400.0 * (12.0 + (node_key % 20) as f64)).floor();
            self.gauge(target, "node_boot_time_seconds", &[], 0.0, move |_| boot);
        }
    }

    fn kubernetes(&mut self) {
        let tl = self.tl;
        let seed = self.seed;
        // cAdvisor through each node's kubelet: CPU per container and per pod.
        for &(node, ..) in NODES {
            let instance = format!("{node}:10250");
            let target = self.target("kubelet", &instance, None);
            for &(pod, pod_node, container, cores) in PODS {
                if pod_node != node {
                    continue;
                }
                let k = mix(key_of(pod) ^ seed);
                let wallet = container == "wallet-service";
                let reindex = container == "reindex";
                let crashed = pod == "wallet-service-1";
                let cpu = move |t: f64| -> f64 {
                    if reindex {
                        return cores * tl.reindex(t) * (1.0 + 0.05 * wobble(k, t));
                    }
                    if crashed && t >= tl.oom_kill() {
                        // Crash-looping: a few seconds of start-up work every restart.
                        return 0.05;
                    }
                    let gc = if wallet { 1.0 + 2.2 * tl.wallet_latency(t) } else { 1.0 };
                    cores * (0.5 + 0.5 * diurnal(t, 15.0, 0.55)) * gc * (1.0 + 0.1 * wobble(k, t))
                };
                let labels = [("namespace", "exchange"), ("pod", pod), ("container", container)];
                self.counter(target, "container_cpu_usage_seconds_total", &labels, cores, cpu);
                let labels = [("namespace", "exchange"), ("pod", pod), ("container", "")];
                self.counter(target, "container_cpu_usage_seconds_total", &labels, cores, move |t| cpu(t) * 1.02);
            }
        }

        // kube-state-metrics: one series per pod and phase, 1 for the current phase.
        let target = self.target("kube-state-metrics", "kube-state-metrics:8080", None);
        let reindex_end = tl.at(90.0);
        let pods: Vec<(String, Arc<dyn Fn(f64) -> &'static str + Send + Sync>, (i64, i64))> = {
            let ms = |s: f64| (s * 1000.0) as i64;
            let mut v: Vec<(String, Arc<dyn Fn(f64) -> &'static str + Send + Sync>, (i64, i64))> = PODS
                .iter()
                .filter(|p| p.2 != "reindex")
                .map(|p| (p.0.to_string(), Arc::new(|_: f64| "Running") as Arc<dyn Fn(f64) -> &'static str + Send + Sync>, FOREVER))
                .collect();
            v.push(("ledger-reindex-28741".into(), Arc::new(move |t: f64| if t < reindex_end { "Running" } else { "Succeeded" }), (ms(tl.at(-95.0)), i64::MAX)));
            // The autoscaler's third wallet replica: no node has the memory for it.
            v.push(("wallet-service-2".into(), Arc::new(|_: f64| "Pending"), (ms(tl.at(-25.0)), i64::MAX)));
            v.push(("kyc-ocr-sync-28736".into(), Arc::new(|_: f64| "Failed"), (ms(tl.at(-185.0)), i64::MAX)));
            for (i, start) in [-300.0, -240.0, -120.0, -60.0].iter().enumerate() {
                v.push((format!("backup-verify-2874{i}"), Arc::new(|_: f64| "Succeeded"), (ms(tl.at(*start)), i64::MAX)));
            }
            v
        };
        for (pod, phase_of, exists) in pods {
            for phase in ["Pending", "Running", "Succeeded", "Failed", "Unknown"] {
                let p = phase_of.clone();
                let kind = Kind::Gauge { value: shape(move |t| if p(t) == phase { 1.0 } else { 0.0 }), jitter: 0.0, integer: true };
                self.push(target, "kube_pod_status_phase", &[("namespace", "exchange"), ("pod", &pod), ("phase", phase)], kind, exists, true);
            }
        }
    }

    fn postgres(&mut self) {
        let tl = self.tl;
        let seed = self.seed;
        let gib = 1024.0 * 1024.0 * 1024.0;
        for (instance, primary) in [("postgres-primary:9187", true), ("postgres-replica:9187", false)] {
            let target = self.target("postgres-exporter", instance, None);
            let k = mix(key_of(instance) ^ seed);
            self.gauge(target, "pg_up", &[], 0.0, |_| 1.0);
            self.gauge(target, "pg_settings_max_connections", &[], 0.0, |_| 200.0);
            // Backends on the primary: the services' pools, wallet-service's filling up
            // until its second replica dies and lets go of its connections.
            let backends = move |t: f64| -> f64 {
                if !primary {
                    return 22.0 + 8.0 * diurnal(t, 15.0, 0.55);
                }
                let others = 48.0 + 30.0 * diurnal(t, 15.0, 0.55);
                let wallet_normal = 2.0 * 50.0 * (0.2 + 0.15 * diurnal(t, 15.0, 0.55));
                let wallet0 = lerp(wallet_normal / 2.0, 49.0, tl.wallet_pool(t));
                let wallet1 = if t < tl.oom_kill() { wallet0 } else { 0.0 };
                others + wallet0 + wallet1
            };
            self.count_gauge(target, "pg_stat_database_numbackends", &[("datname", "exchange")], 0.03, backends);
            self.count_gauge(target, "pg_stat_database_numbackends", &[("datname", "postgres")], 0.2, |_| 3.0);
            let scale = if primary { 1.0 } else { 0.3 };
            let load = move |t: f64| scale * (0.4 + 0.6 * diurnal(t, 15.0, 0.55)) * (1.0 + 0.08 * wobble(k, t));
            self.counter(target, "pg_stat_database_blks_hit", &[("datname", "exchange")], 12_000.0 * scale, move |t| 12_000.0 * load(t));
            self.counter(target, "pg_stat_database_blks_read", &[("datname", "exchange")], 90.0 * scale, move |t| {
                let incident = if primary { 1.0 + 3.5 * tl.wallet_pool(t) } else { 1.0 };
                90.0 * load(t) * incident * (1.0 + 0.2 * wobble(k ^ 1, t))
            });
            self.counter(target, "pg_stat_database_blks_hit", &[("datname", "postgres")], 40.0, |_| 40.0);
            self.counter(target, "pg_stat_database_blks_read", &[("datname", "postgres")], 0.2, |_| 0.2);
            self.counter(target, "pg_stat_database_xact_commit", &[("datname", "exchange")], 1800.0 * scale, move |t| 1800.0 * load(t));
            self.counter(target, "pg_stat_database_xact_rollback", &[("datname", "exchange")], 4.0 * scale, move |t| {
                4.0 * load(t) * if primary { 1.0 + 20.0 * tl.wallet_errors(t) } else { 1.0 }
            });
            self.counter(target, "pg_stat_database_deadlocks", &[("datname", "exchange")], 0.0005, move |t| {
                0.0005 + if primary { 0.01 * tl.wallet_pool(t) } else { 0.0 }
            });
            if !primary {
                self.gauge(target, "pg_replication_lag_seconds", &[], 0.15, move |t| {
                    (0.5 + 0.3 * wobble(k ^ 2, t) + 3.2 * tl.wallet_pool(t) * (1.0 + 0.3 * wobble(k ^ 3, t))).max(0.05)
                });
            } else {
                let days = move |t: f64| (t - tl.at(0.0)) / 86_400.0;
                let tables: [(&str, f64, f64); 7] = [
                    ("orders", 38.2, 0.42),
                    ("trades", 24.6, 0.31),
                    ("ledger_entries", 17.9, 0.22),
                    ("audit_log", 9.3, 0.15),
                    ("kyc_documents", 4.1, 0.02),
                    ("users", 1.2, 0.004),
                    ("wallets", 0.6, 0.001),
                ];
                for (relname, size, growth) in tables {
                    self.gauge(target, "pg_stat_user_tables_table_size_bytes", &[("datname", "exchange"), ("schemaname", "public"), ("relname", relname)], 0.0, move |t| (size + growth * days(t)) * gib);
                }
                for (datname, size) in [("exchange", 98.4), ("postgres", 0.008)] {
                    self.gauge(target, "pg_database_size_bytes", &[("datname", datname)], 0.0, move |t| (size + 1.1 * days(t).max(-60.0) * if datname == "exchange" { 1.0 } else { 0.0 }) * gib);
                }
            }
        }
    }

    fn redis(&mut self) {
        let tl = self.tl;
        let seed = self.seed;
        let target = self.target("redis-exporter", "redis-master:9121", None);
        let k = mix(key_of("redis") ^ seed);
        let gib = 1024.0 * 1024.0 * 1024.0;
        let load = move |t: f64| (0.35 + 0.65 * diurnal(t, 15.0, 0.55)) * (1.0 + 0.07 * wobble(k, t));
        self.gauge(target, "redis_up", &[], 0.0, |_| 1.0);
        self.gauge(target, "redis_memory_max_bytes", &[], 0.0, move |_| 4.0 * gib);
        self.gauge(target, "redis_memory_used_bytes", &[], 0.002, move |t| {
            (2.75 + 0.15 * diurnal(t, 17.0, 0.8) + 0.12 * tl.wallet_errors(t) + 0.03 * wobble(k ^ 1, t)) * gib
        });
        self.count_gauge(target, "redis_connected_clients", &[], 0.03, move |t| 110.0 + 40.0 * load(t) + 45.0 * tl.wallet_errors(t));
        self.counter(target, "redis_commands_processed_total", &[], 9_500.0, move |t| 9_500.0 * load(t));
        let miss = move |t: f64| lerp(0.06, 0.13, tl.wallet_errors(t)) * (1.0 + 0.1 * wobble(k ^ 2, t));
        self.counter(target, "redis_keyspace_hits_total", &[], 5_800.0, move |t| 6_200.0 * load(t) * (1.0 - miss(t)));
        self.counter(target, "redis_keyspace_misses_total", &[], 380.0, move |t| 6_200.0 * load(t) * miss(t));
        self.counter(target, "redis_evicted_keys_total", &[], 0.3, move |t| (0.3 + 0.25 * wobble(k ^ 3, t)).max(0.0) + 2.0 * tl.wallet_errors(t));
        self.counter(target, "redis_expired_keys_total", &[], 25.0, move |t| 25.0 * load(t));
        self.count_gauge(target, "redis_db_keys", &[("db", "db0")], 0.001, move |t| 1_200_000.0 * (0.9 + 0.1 * diurnal(t, 17.0, 0.8)));
    }

    fn trading(&mut self) {
        let tl = self.tl;
        let seed = self.seed;
        let orders = move |t: f64, symbol: &str, key: u64| -> f64 {
            let weight = SYMBOLS.iter().find(|s| s.0 == symbol).map(|s| s.1).unwrap_or(0.1);
            let spam = if symbol == "SOL_TRY" { 1.0 + 3.0 * tl.order_spam(t) } else { 1.0 };
            45.0 * weight * diurnal(t, 15.0, 0.5) * (1.0 + 0.12 * wobble(key, t)) * spam
        };
        let te_targets: Vec<usize> = self.targets.iter().enumerate().filter(|(_, t)| t.job == "trading-engine").map(|(i, _)| i).collect();
        for &target in &te_targets {
            for &(symbol, weight) in SYMBOLS {
                let k = mix(key_of(symbol) ^ seed);
                for side in ["buy", "sell"] {
                    let skew = if side == "buy" { 0.52 } else { 0.48 };
                    self.counter(target, "orders_created_total", &[("symbol", symbol), ("side", side)], 45.0 * weight * skew / 2.0, move |t| orders(t, symbol, k) * skew / 2.0);
                }
                self.counter(target, "orders_matched_total", &[("symbol", symbol)], 45.0 * weight * 0.36, move |t| {
                    // Spam orders are far from the market and rarely match.
                    let spam_share = if symbol == "SOL_TRY" { 3.0 * tl.order_spam(t) / (1.0 + 3.0 * tl.order_spam(t)) } else { 0.0 };
                    orders(t, symbol, k) / 2.0 * 0.72 * (1.0 - spam_share) * (1.0 + 0.03 * wobble(k ^ 1, t))
                });
                for (reason, share) in [("insufficient_balance", 0.012), ("price_out_of_band", 0.003), ("wallet_unavailable", 0.0)] {
                    self.counter(target, "orders_rejected_total", &[("symbol", symbol), ("reason", reason)], 45.0 * weight * share / 2.0, move |t| {
                        let s = if reason == "wallet_unavailable" { 0.0002 + 0.025 * tl.wallet_errors(t) } else { share };
                        orders(t, symbol, k) / 2.0 * s
                    });
                }
                let volume_per_order = match symbol {
                    "BTC_TRY" => 5200.0,
                    "ETH_TRY" => 3100.0,
                    "USDT_TRY" => 2400.0,
                    _ => 1800.0,
                };
                self.counter(target, "trade_volume_try", &[("symbol", symbol)], 45.0 * weight * 0.36 * volume_per_order, move |t| orders(t, symbol, k) / 2.0 * 0.72 * volume_per_order);
                self.counter(target, "trading_fees_collected_try", &[("symbol", symbol)], 45.0 * weight * 0.36 * volume_per_order * 0.001, move |t| {
                    orders(t, symbol, k) / 2.0 * 0.72 * volume_per_order * 0.001
                });
            }
        }
        let target = self.target("matching-engine", "matching-engine-0:8080", None);
        let k = mix(key_of("matching-engine") ^ seed);
        let rate = shape(move |t| SYMBOLS.iter().map(|s| orders(t, s.0, mix(key_of(s.0) ^ seed))).sum::<f64>());
        let latency: Arc<dyn Fn(f64) -> Latency + Send + Sync> = Arc::new(move |t: f64| Latency {
            median: 0.006 * (0.85 + 0.3 * diurnal(t, 15.0, 0.5)) * (1.0 + 0.05 * wobble(k, t)) * (1.0 + 0.5 * tl.order_spam(t)),
            sigma: 0.55,
        });
        self.histogram(target, "matching_engine_latency_seconds", &[], MATCHING_BUCKETS, 45.0, rate, latency);
        for &(symbol, weight) in SYMBOLS {
            let sk = mix(key_of(symbol) ^ seed ^ 99);
            for (side, depth) in [("buy", 30_000.0), ("sell", 27_500.0)] {
                self.count_gauge(target, "orders_active", &[("symbol", symbol), ("side", side)], 0.01, move |t| {
                    depth * weight * (0.8 + 0.2 * diurnal(t, 15.0, 0.5)) * (1.0 + 0.1 * wobble(sk ^ key_of(side), t))
                });
            }
        }
    }

    fn business(&mut self) {
        let tl = self.tl;
        let seed = self.seed;
        let prometheus = self.target("prometheus", "localhost:9090", None);
        let k = mix(key_of("business") ^ seed);
        let days = move |t: f64| (t - tl.at(0.0)) / 86_400.0;
        // Recording rules (seed 000's job:dau and job:mau), written by Prometheus itself.
        self.push(prometheus, "job:dau", &[("job", "auth-service")], Kind::Gauge { value: shape(move |t| 48_300.0 + 350.0 * days(t) + 900.0 * wobble(k, t / 6.0)), jitter: 0.0, integer: true }, FOREVER, false);
        self.push(prometheus, "job:mau", &[("job", "auth-service")], Kind::Gauge { value: shape(move |t| 412_000.0 + 2_100.0 * days(t) + 1_500.0 * wobble(k ^ 1, t / 24.0)), jitter: 0.0, integer: true }, FOREVER, false);

        let auth: Vec<usize> = self.targets.iter().enumerate().filter(|(_, t)| t.job == "auth-service").map(|(i, _)| i).collect();
        for &target in &auth {
            self.counter(target, "auth_registration_total", &[("status", "success")], 0.015, move |t| 0.015 * diurnal(t, 14.0, 0.7) * (1.0 + 0.2 * wobble(k ^ 2, t)));
            self.counter(target, "auth_registration_total", &[("status", "failure")], 0.0013, move |t| 0.0013 * diurnal(t, 14.0, 0.7));
            for (country, share) in [("TR", 0.78), ("AZ", 0.05), ("DE", 0.07), ("NL", 0.04), ("GB", 0.03), ("US", 0.03), ("BR", 0.0)] {
                let ck = mix(key_of(country) ^ seed);
                for new_location in ["false", "true"] {
                    let f = move |t: f64| -> f64 {
                        let logins = 1.1 * diurnal(t, 15.0, 0.6) * (1.0 + 0.1 * wobble(ck, t));
                        if country == "BR" {
                            // The credential-stuffing burst: logins from a country no user came from before.
                            return if new_location == "true" { 0.0004 + 0.2 * tl.brute_force(t) } else { 0.0004 };
                        }
                        logins * share * if new_location == "true" { 0.025 } else { 0.975 }
                    };
                    self.counter(target, "user_login_total", &[("country", country), ("new_location", new_location)], 1.1 * share.max(0.001), f);
                }
            }
            for (reason, share) in [("bad_password", 0.7), ("unknown_user", 0.3)] {
                self.counter(target, "auth_failed_login_attempts_total", &[("reason", reason)], 0.18 * share, move |t| {
                    (0.18 * diurnal(t, 15.0, 0.6) * (1.0 + 0.3 * wobble(k ^ 3, t)) + 3.0 * tl.brute_force(t)) * share
                });
            }
            self.counter(target, "auth_account_lockouts_total", &[], 0.001, move |t| 0.001 + 0.03 * tl.brute_force(t));
            self.counter(target, "auth_2fa_failed_total", &[], 0.0025, move |t| 0.0025 * diurnal(t, 15.0, 0.6) + 0.01 * tl.brute_force(t));
            self.counter(target, "http_requests_limited_total", &[], 0.15, move |t| 0.15 * diurnal(t, 15.0, 0.6) + 4.5 * tl.brute_force(t));
        }
        let gateways: Vec<usize> = self.targets.iter().enumerate().filter(|(_, t)| t.job == "api-gateway").map(|(i, _)| i).collect();
        for &target in &gateways {
            self.counter(target, "http_requests_limited_total", &[], 0.6, move |t| 0.6 * diurnal(t, 15.0, 0.6) * (1.0 + 0.3 * wobble(k ^ 4, t)) + 17.0 * tl.brute_force(t));
        }

        let wallets: Vec<(usize, usize)> = self.targets.iter().enumerate().filter(|(_, t)| t.job == "wallet-service").enumerate().map(|(replica, (i, _))| (i, replica)).collect();
        for &(target, replica) in &wallets {
            let share = move |t: f64| if replica == 0 { tl.wallet0_share(t) } else { 0.5 };
            let failed = move |t: f64| lerp(0.006, 0.14, tl.wallet_errors(t));
            let withdrawals = move |t: f64| 0.11 * diurnal(t, 16.0, 0.6) * (1.0 + 0.15 * wobble(k ^ 5, t)) * share(t);
            self.counter(target, "withdrawals_total", &[("status", "completed")], 0.05, move |t| withdrawals(t) * (0.97 - failed(t)));
            self.counter(target, "withdrawals_total", &[("status", "failed")], 0.0004, move |t| withdrawals(t) * failed(t));
            self.counter(target, "withdrawals_total", &[("status", "pending_review")], 0.0016, move |t| withdrawals(t) * 0.03);
            self.counter(target, "deposit_volume_try", &[], 170.0, move |t| 340.0 * diurnal(t, 13.0, 0.6) * (1.0 + 0.2 * wobble(k ^ 6, t)) * share(t) * (1.0 - 0.1 * tl.wallet_errors(t)));
            self.counter(target, "withdrawal_volume_try", &[], 145.0, move |t| 290.0 * diurnal(t, 17.0, 0.6) * (1.0 + 0.2 * wobble(k ^ 7, t)) * share(t) * (1.0 - failed(t)));
        }
        let kyc = self.targets.iter().position(|t| t.job == "kyc-service");
        if let Some(target) = kyc {
            self.count_gauge(target, "kyc_status", &[("status", "approved")], 0.0, move |t| 182_400.0 + 1_250.0 * days(t));
            self.count_gauge(target, "kyc_status", &[("status", "pending")], 0.0, move |t| {
                // Applications arrive by day and are reviewed in office hours: the backlog builds and drains.
                1_380.0 + 420.0 * (diurnal(t, 20.0, 1.0) - 0.5) + 60.0 * wobble(k ^ 8, t)
            });
            self.count_gauge(target, "kyc_status", &[("status", "rejected")], 0.0, move |t| 9_860.0 + 70.0 * days(t));
        }
    }

    fn meta(&mut self) {
        // `up` for Prometheus itself was added with its target; the Alertmanager target:
        self.target("alertmanager", "localhost:9093", None);
    }
}

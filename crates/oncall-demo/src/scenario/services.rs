//! The application services: HTTP traffic by route and status, latency histograms, process
//! metrics, database pools and query latency. wallet-service carries the incident.

use std::sync::Arc;

use super::{shape, Builder, LatencyShape};
use crate::signals::{diurnal, key_of, lerp, mix, ramp, wobble, Latency};

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
        latency: Latency {
            median: 0.035,
            sigma: 0.7,
        },
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
        latency: Latency {
            median: 0.025,
            sigma: 0.8,
        },
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
        latency: Latency {
            median: 0.045,
            sigma: 0.7,
        },
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
        latency: Latency {
            median: 0.02,
            sigma: 0.6,
        },
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
        latency: Latency {
            median: 0.03,
            sigma: 0.75,
        },
        database: true,
        memory_mib: 350.0,
        cores: 0.2,
    },
];

const HTTP_BUCKETS: &[f64] = &[
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    f64::INFINITY,
];
const DB_BUCKETS: &[f64] = &[
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    f64::INFINITY,
];

/// Whether `job` is one of the application services (their targets carry `service`).
pub(super) fn is_application(job: &str) -> bool {
    SERVICES.iter().any(|s| s.job == job)
}

impl Builder {
    pub(super) fn services(&mut self) {
        let tl = self.tl;
        let seed = self.seed;
        for svc in SERVICES {
            let svc_key = mix(key_of(svc.job) ^ seed);
            // Traffic of the whole service: daily curve, minute-scale wobble.
            let traffic =
                move |t: f64| svc.rps * diurnal(t, 15.0, 0.55) * (1.0 + 0.08 * wobble(svc_key, t));
            let wallet = svc.job == "wallet-service";
            let gateway = svc.job == "api-gateway";
            // Share of 5xx: wallet-service is the incident; the gateway passes some of it on.
            let error_share = move |t: f64| -> f64 {
                let base = 0.0016 * (1.0 + 0.3 * wobble(svc_key ^ 5, t));
                if wallet {
                    let after_oom = 1.0 + 0.15 * ramp(t, tl.oom_kill(), tl.oom_kill() + 120.0);
                    lerp(
                        base,
                        0.095 * after_oom * (1.0 + 0.12 * wobble(svc_key ^ 9, t)),
                        tl.wallet_errors(t),
                    )
                } else if gateway {
                    base + 0.2 * 0.095 * tl.wallet_errors(t)
                } else {
                    base
                }
            };
            let latency = move |t: f64| -> Latency {
                let load = 0.9 + 0.1 * diurnal(t, 15.0, 0.55) + 0.05 * wobble(svc_key ^ 3, t);
                let base = Latency {
                    median: svc.latency.median * load,
                    sigma: svc.latency.sigma,
                };
                if wallet {
                    let f = tl.wallet_latency(t);
                    Latency {
                        median: lerp(base.median, 0.38 * (1.0 + 0.1 * wobble(svc_key ^ 4, t)), f),
                        sigma: lerp(base.sigma, 0.85, f),
                    }
                } else if gateway {
                    let f = tl.wallet_latency(t);
                    // Only the share of gateway traffic that waits on wallet-service slows down.
                    Latency {
                        median: lerp(base.median, 0.038 * load, f),
                        sigma: lerp(base.sigma, 0.72, f),
                    }
                } else {
                    base
                }
            };
            let latency: LatencyShape = Arc::new(latency);
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
                    let statuses: [(&str, f64); 6] = [
                        (ok, 0.0),
                        ("400", 0.012),
                        ("401", 0.008),
                        ("429", limited),
                        ("500", 0.55),
                        ("503", 0.45),
                    ];
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
                        let level = svc.rps / replicas
                            * route_share
                            * if weight == 0.0 { 0.95 } else { 0.005 };
                        self.counter(
                            target,
                            "http_requests_total",
                            &[
                                ("method", method),
                                ("endpoint", endpoint),
                                ("status", status),
                            ],
                            level,
                            f,
                        );
                    }
                }
                self.histogram(
                    target,
                    "http_request_duration_seconds",
                    HTTP_BUCKETS,
                    svc.rps / replicas,
                    instance_rate.clone(),
                    latency.clone(),
                );

                // Memory: wallet-service leaks after the deploy; replica 1 leaked faster.
                let mem_base = svc.memory_mib * 1024.0 * 1024.0;
                let tau = if replica == 1 {
                    12.0 * 60.0
                } else {
                    25.0 * 60.0
                };
                self.gauge(
                    target,
                    "process_resident_memory_bytes",
                    &[],
                    0.01,
                    move |t| {
                        let leak = if wallet && t > tl.deploy() {
                            1.75 * 1024.0
                                * 1024.0
                                * 1024.0
                                * (1.0 - (-(t - tl.deploy()) / tau).exp())
                        } else {
                            0.0
                        };
                        mem_base * (1.0 + 0.03 * wobble(inst_key ^ 11, t)) + leak
                    },
                );
                let cores = svc.cores;
                self.counter(
                    target,
                    "process_cpu_seconds_total",
                    &[],
                    cores * 0.7,
                    move |t| {
                        let gc = if wallet {
                            1.0 + 1.6 * tl.wallet_latency(t)
                        } else {
                            1.0
                        };
                        cores
                            * (0.5 + 0.5 * diurnal(t, 15.0, 0.55))
                            * gc
                            * (1.0 + 0.1 * wobble(inst_key ^ 12, t))
                    },
                );
                self.count_gauge(target, "process_open_fds", &[], 0.02, move |t| {
                    180.0 + 60.0 * diurnal(t, 15.0, 0.55)
                });

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
                    let db_latency: LatencyShape = Arc::new(move |t: f64| {
                        let base = Latency {
                            median: 0.004 * (0.9 + 0.2 * diurnal(t, 15.0, 0.55)),
                            sigma: 1.0,
                        };
                        if wallet {
                            let f = tl.wallet_pool(t);
                            Latency {
                                median: lerp(base.median, 0.08, f),
                                sigma: lerp(1.0, 1.2, f),
                            }
                        } else {
                            base
                        }
                    });
                    self.histogram(
                        target,
                        "database_query_duration_seconds",
                        DB_BUCKETS,
                        svc.rps * 3.0 / replicas,
                        qps,
                        db_latency,
                    );
                    let r = instance_rate.clone();
                    self.counter(
                        target,
                        "cache_hits_total",
                        &[],
                        svc.rps * 2.0 / replicas,
                        move |t| r(t) * 2.0 * 0.91,
                    );
                    let r = instance_rate.clone();
                    self.counter(
                        target,
                        "cache_misses_total",
                        &[],
                        svc.rps * 0.2 / replicas,
                        move |t| {
                            let miss = if wallet {
                                lerp(0.09, 0.16, tl.wallet_errors(t))
                            } else {
                                0.09
                            };
                            r(t) * 2.0 * miss
                        },
                    );
                }
            }
        }
    }
}

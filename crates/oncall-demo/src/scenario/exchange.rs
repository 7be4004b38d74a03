//! The exchange's own metrics: orders, matching, volume and fees; users, logins and KYC;
//! deposits and withdrawals; and the security counters (failed logins, lockouts, rate limiting).

use std::sync::Arc;

use super::{shape, Builder, Kind, LatencyShape, FOREVER};
use crate::signals::{diurnal, key_of, lerp, mix, wobble, Latency};

const MATCHING_BUCKETS: &[f64] = &[
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    f64::INFINITY,
];

/// Trading pairs and their share of orders and volume.
const SYMBOLS: &[(&str, f64)] = &[
    ("BTC_TRY", 0.42),
    ("ETH_TRY", 0.26),
    ("USDT_TRY", 0.22),
    ("SOL_TRY", 0.10),
];

impl Builder {
    pub(super) fn trading(&mut self) {
        let tl = self.tl;
        let seed = self.seed;
        let orders = move |t: f64, symbol: &str, key: u64| -> f64 {
            let weight = SYMBOLS
                .iter()
                .find(|s| s.0 == symbol)
                .map(|s| s.1)
                .unwrap_or(0.1);
            let spam = if symbol == "SOL_TRY" {
                1.0 + 3.0 * tl.order_spam(t)
            } else {
                1.0
            };
            45.0 * weight * diurnal(t, 15.0, 0.5) * (1.0 + 0.12 * wobble(key, t)) * spam
        };
        let te_targets: Vec<usize> = self
            .targets
            .iter()
            .enumerate()
            .filter(|(_, t)| t.job == "trading-engine")
            .map(|(i, _)| i)
            .collect();
        for &target in &te_targets {
            for &(symbol, weight) in SYMBOLS {
                let k = mix(key_of(symbol) ^ seed);
                for side in ["buy", "sell"] {
                    let skew = if side == "buy" { 0.52 } else { 0.48 };
                    self.counter(
                        target,
                        "orders_created_total",
                        &[("symbol", symbol), ("side", side)],
                        45.0 * weight * skew / 2.0,
                        move |t| orders(t, symbol, k) * skew / 2.0,
                    );
                }
                self.counter(
                    target,
                    "orders_matched_total",
                    &[("symbol", symbol)],
                    45.0 * weight * 0.36,
                    move |t| {
                        // Spam orders are far from the market and rarely match.
                        let spam_share = if symbol == "SOL_TRY" {
                            3.0 * tl.order_spam(t) / (1.0 + 3.0 * tl.order_spam(t))
                        } else {
                            0.0
                        };
                        orders(t, symbol, k) / 2.0
                            * 0.72
                            * (1.0 - spam_share)
                            * (1.0 + 0.03 * wobble(k ^ 1, t))
                    },
                );
                for (reason, share) in [
                    ("insufficient_balance", 0.012),
                    ("price_out_of_band", 0.003),
                    ("wallet_unavailable", 0.0),
                ] {
                    self.counter(
                        target,
                        "orders_rejected_total",
                        &[("symbol", symbol), ("reason", reason)],
                        45.0 * weight * share / 2.0,
                        move |t| {
                            let s = if reason == "wallet_unavailable" {
                                0.0002 + 0.025 * tl.wallet_errors(t)
                            } else {
                                share
                            };
                            orders(t, symbol, k) / 2.0 * s
                        },
                    );
                }
                // Average filled order size in TRY (retail-heavy exchange).
                let volume_per_order = match symbol {
                    "BTC_TRY" => 1900.0,
                    "ETH_TRY" => 1100.0,
                    "USDT_TRY" => 850.0,
                    _ => 600.0,
                };
                self.counter(
                    target,
                    "trade_volume_try",
                    &[("symbol", symbol)],
                    45.0 * weight * 0.36 * volume_per_order,
                    move |t| orders(t, symbol, k) / 2.0 * 0.72 * volume_per_order,
                );
                self.counter(
                    target,
                    "trading_fees_collected_try",
                    &[("symbol", symbol)],
                    45.0 * weight * 0.36 * volume_per_order * 0.001,
                    move |t| orders(t, symbol, k) / 2.0 * 0.72 * volume_per_order * 0.001,
                );
            }
        }
        let target = self.target("matching-engine", "matching-engine-0:8080", None);
        let k = mix(key_of("matching-engine") ^ seed);
        let rate = shape(move |t| {
            SYMBOLS
                .iter()
                .map(|s| orders(t, s.0, mix(key_of(s.0) ^ seed)))
                .sum::<f64>()
        });
        let latency: LatencyShape = Arc::new(move |t: f64| Latency {
            median: 0.006
                * (0.85 + 0.3 * diurnal(t, 15.0, 0.5))
                * (1.0 + 0.05 * wobble(k, t))
                * (1.0 + 0.5 * tl.order_spam(t)),
            sigma: 0.55,
        });
        self.histogram(
            target,
            "matching_engine_latency_seconds",
            MATCHING_BUCKETS,
            45.0,
            rate,
            latency,
        );
        for &(symbol, weight) in SYMBOLS {
            let sk = mix(key_of(symbol) ^ seed ^ 99);
            for (side, depth) in [("buy", 30_000.0), ("sell", 27_500.0)] {
                self.count_gauge(
                    target,
                    "orders_active",
                    &[("symbol", symbol), ("side", side)],
                    0.01,
                    move |t| {
                        depth
                            * weight
                            * (0.8 + 0.2 * diurnal(t, 15.0, 0.5))
                            * (1.0 + 0.1 * wobble(sk ^ key_of(side), t))
                    },
                );
            }
        }
    }

    pub(super) fn business(&mut self) {
        let tl = self.tl;
        let seed = self.seed;
        let prometheus = self.target("prometheus", "localhost:9090", None);
        let k = mix(key_of("business") ^ seed);
        let days = move |t: f64| (t - tl.at(0.0)) / 86_400.0;
        // Recording rules (the exchange's job:dau and job:mau), written by Prometheus itself.
        self.push(
            prometheus,
            "job:dau",
            &[("job", "auth-service")],
            Kind::Gauge {
                value: shape(move |t| 48_300.0 + 350.0 * days(t) + 900.0 * wobble(k, t / 6.0)),
                jitter: 0.0,
                integer: true,
            },
            FOREVER,
            false,
        );
        self.push(
            prometheus,
            "job:mau",
            &[("job", "auth-service")],
            Kind::Gauge {
                value: shape(move |t| {
                    412_000.0 + 2_100.0 * days(t) + 1_500.0 * wobble(k ^ 1, t / 24.0)
                }),
                jitter: 0.0,
                integer: true,
            },
            FOREVER,
            false,
        );

        let auth: Vec<usize> = self
            .targets
            .iter()
            .enumerate()
            .filter(|(_, t)| t.job == "auth-service")
            .map(|(i, _)| i)
            .collect();
        for &target in &auth {
            self.counter(
                target,
                "auth_registration_total",
                &[("status", "success")],
                0.015,
                move |t| 0.015 * diurnal(t, 14.0, 0.7) * (1.0 + 0.2 * wobble(k ^ 2, t)),
            );
            self.counter(
                target,
                "auth_registration_total",
                &[("status", "failure")],
                0.0013,
                move |t| 0.0013 * diurnal(t, 14.0, 0.7),
            );
            for (country, share) in [
                ("TR", 0.78),
                ("AZ", 0.05),
                ("DE", 0.07),
                ("NL", 0.04),
                ("GB", 0.03),
                ("US", 0.03),
                ("BR", 0.0),
            ] {
                let ck = mix(key_of(country) ^ seed);
                for new_location in ["false", "true"] {
                    let f = move |t: f64| -> f64 {
                        let logins = 1.1 * diurnal(t, 15.0, 0.6) * (1.0 + 0.1 * wobble(ck, t));
                        if country == "BR" {
                            // The credential-stuffing burst: logins from a country no user came from before.
                            return if new_location == "true" {
                                0.0004 + 0.2 * tl.brute_force(t)
                            } else {
                                0.0004
                            };
                        }
                        logins * share * if new_location == "true" { 0.025 } else { 0.975 }
                    };
                    self.counter(
                        target,
                        "user_login_total",
                        &[("country", country), ("new_location", new_location)],
                        1.1 * share.max(0.001),
                        f,
                    );
                }
            }
            for (reason, share) in [("bad_password", 0.7), ("unknown_user", 0.3)] {
                self.counter(
                    target,
                    "auth_failed_login_attempts_total",
                    &[("reason", reason)],
                    0.18 * share,
                    move |t| {
                        (0.18 * diurnal(t, 15.0, 0.6) * (1.0 + 0.3 * wobble(k ^ 3, t))
                            + 3.0 * tl.brute_force(t))
                            * share
                    },
                );
            }
            self.counter(
                target,
                "auth_account_lockouts_total",
                &[],
                0.001,
                move |t| 0.001 + 0.03 * tl.brute_force(t),
            );
            self.counter(target, "auth_2fa_failed_total", &[], 0.0025, move |t| {
                0.0025 * diurnal(t, 15.0, 0.6) + 0.01 * tl.brute_force(t)
            });
            self.counter(target, "http_requests_limited_total", &[], 0.15, move |t| {
                0.15 * diurnal(t, 15.0, 0.6) + 4.5 * tl.brute_force(t)
            });
        }
        let gateways: Vec<usize> = self
            .targets
            .iter()
            .enumerate()
            .filter(|(_, t)| t.job == "api-gateway")
            .map(|(i, _)| i)
            .collect();
        for &target in &gateways {
            self.counter(target, "http_requests_limited_total", &[], 0.6, move |t| {
                0.6 * diurnal(t, 15.0, 0.6) * (1.0 + 0.3 * wobble(k ^ 4, t))
                    + 17.0 * tl.brute_force(t)
            });
        }

        let wallets: Vec<(usize, usize)> = self
            .targets
            .iter()
            .enumerate()
            .filter(|(_, t)| t.job == "wallet-service")
            .enumerate()
            .map(|(replica, (i, _))| (i, replica))
            .collect();
        for &(target, replica) in &wallets {
            let share = move |t: f64| {
                if replica == 0 {
                    tl.wallet0_share(t)
                } else {
                    0.5
                }
            };
            let failed = move |t: f64| lerp(0.006, 0.14, tl.wallet_errors(t));
            let withdrawals = move |t: f64| {
                0.11 * diurnal(t, 16.0, 0.6) * (1.0 + 0.15 * wobble(k ^ 5, t)) * share(t)
            };
            self.counter(
                target,
                "withdrawals_total",
                &[("status", "completed")],
                0.05,
                move |t| withdrawals(t) * (0.97 - failed(t)),
            );
            self.counter(
                target,
                "withdrawals_total",
                &[("status", "failed")],
                0.0004,
                move |t| withdrawals(t) * failed(t),
            );
            self.counter(
                target,
                "withdrawals_total",
                &[("status", "pending_review")],
                0.0016,
                move |t| withdrawals(t) * 0.03,
            );
            self.counter(target, "deposit_volume_try", &[], 170.0, move |t| {
                340.0
                    * diurnal(t, 13.0, 0.6)
                    * (1.0 + 0.2 * wobble(k ^ 6, t))
                    * share(t)
                    * (1.0 - 0.1 * tl.wallet_errors(t))
            });
            self.counter(target, "withdrawal_volume_try", &[], 145.0, move |t| {
                290.0
                    * diurnal(t, 17.0, 0.6)
                    * (1.0 + 0.2 * wobble(k ^ 7, t))
                    * share(t)
                    * (1.0 - failed(t))
            });
        }
        let kyc = self.targets.iter().position(|t| t.job == "kyc-service");
        if let Some(target) = kyc {
            self.count_gauge(
                target,
                "kyc_status",
                &[("status", "approved")],
                0.0,
                move |t| 182_400.0 + 1_250.0 * days(t),
            );
            self.count_gauge(
                target,
                "kyc_status",
                &[("status", "pending")],
                0.0,
                move |t| {
                    // Applications arrive by day and are reviewed in office hours: the backlog builds and drains.
                    1_380.0 + 420.0 * (diurnal(t, 20.0, 1.0) - 0.5) + 60.0 * wobble(k ^ 8, t)
                },
            );
            self.count_gauge(
                target,
                "kyc_status",
                &[("status", "rejected")],
                0.0,
                move |t| 9_860.0 + 70.0 * days(t),
            );
        }
    }
}

//! PostgreSQL (postgres_exporter) and Redis (redis_exporter): the primary's connections and
//! cache misses follow wallet-service's pool.

use super::Builder;
use crate::signals::{diurnal, key_of, lerp, mix, wobble};

impl Builder {
    pub(super) fn postgres(&mut self) {
        let tl = self.tl;
        let seed = self.seed;
        let gib = 1024.0 * 1024.0 * 1024.0;
        for (instance, primary) in [
            ("postgres-primary:9187", true),
            ("postgres-replica:9187", false),
        ] {
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
            self.count_gauge(
                target,
                "pg_stat_database_numbackends",
                &[("datname", "exchange")],
                0.03,
                backends,
            );
            self.count_gauge(
                target,
                "pg_stat_database_numbackends",
                &[("datname", "postgres")],
                0.2,
                |_| 3.0,
            );
            let scale = if primary { 1.0 } else { 0.3 };
            let load = move |t: f64| {
                scale * (0.4 + 0.6 * diurnal(t, 15.0, 0.55)) * (1.0 + 0.08 * wobble(k, t))
            };
            self.counter(
                target,
                "pg_stat_database_blks_hit",
                &[("datname", "exchange")],
                12_000.0 * scale,
                move |t| 12_000.0 * load(t),
            );
            self.counter(
                target,
                "pg_stat_database_blks_read",
                &[("datname", "exchange")],
                90.0 * scale,
                move |t| {
                    let incident = if primary {
                        1.0 + 3.5 * tl.wallet_pool(t)
                    } else {
                        1.0
                    };
                    90.0 * load(t) * incident * (1.0 + 0.2 * wobble(k ^ 1, t))
                },
            );
            self.counter(
                target,
                "pg_stat_database_blks_hit",
                &[("datname", "postgres")],
                40.0,
                |_| 40.0,
            );
            self.counter(
                target,
                "pg_stat_database_blks_read",
                &[("datname", "postgres")],
                0.2,
                |_| 0.2,
            );
            self.counter(
                target,
                "pg_stat_database_xact_commit",
                &[("datname", "exchange")],
                1800.0 * scale,
                move |t| 1800.0 * load(t),
            );
            self.counter(
                target,
                "pg_stat_database_xact_rollback",
                &[("datname", "exchange")],
                4.0 * scale,
                move |t| {
                    4.0 * load(t)
                        * if primary {
                            1.0 + 20.0 * tl.wallet_errors(t)
                        } else {
                            1.0
                        }
                },
            );
            self.counter(
                target,
                "pg_stat_database_deadlocks",
                &[("datname", "exchange")],
                0.0005,
                move |t| {
                    0.0005
                        + if primary {
                            0.01 * tl.wallet_pool(t)
                        } else {
                            0.0
                        }
                },
            );
            if !primary {
                self.gauge(target, "pg_replication_lag_seconds", &[], 0.15, move |t| {
                    (0.5 + 0.3 * wobble(k ^ 2, t)
                        + 3.2 * tl.wallet_pool(t) * (1.0 + 0.3 * wobble(k ^ 3, t)))
                    .max(0.05)
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
                    self.gauge(
                        target,
                        "pg_stat_user_tables_table_size_bytes",
                        &[
                            ("datname", "exchange"),
                            ("schemaname", "public"),
                            ("relname", relname),
                        ],
                        0.0,
                        move |t| (size + growth * days(t)) * gib,
                    );
                }
                for (datname, size) in [("exchange", 98.4), ("postgres", 0.008)] {
                    self.gauge(
                        target,
                        "pg_database_size_bytes",
                        &[("datname", datname)],
                        0.0,
                        move |t| {
                            (size
                                + 1.1
                                    * days(t).max(-60.0)
                                    * if datname == "exchange" { 1.0 } else { 0.0 })
                                * gib
                        },
                    );
                }
            }
        }
    }

    pub(super) fn redis(&mut self) {
        let tl = self.tl;
        let seed = self.seed;
        let target = self.target("redis-exporter", "redis-master:9121", None);
        let k = mix(key_of("redis") ^ seed);
        let gib = 1024.0 * 1024.0 * 1024.0;
        let load =
            move |t: f64| (0.35 + 0.65 * diurnal(t, 15.0, 0.55)) * (1.0 + 0.07 * wobble(k, t));
        self.gauge(target, "redis_up", &[], 0.0, |_| 1.0);
        self.gauge(target, "redis_memory_max_bytes", &[], 0.0, move |_| {
            4.0 * gib
        });
        self.gauge(target, "redis_memory_used_bytes", &[], 0.002, move |t| {
            (2.75
                + 0.15 * diurnal(t, 17.0, 0.8)
                + 0.12 * tl.wallet_errors(t)
                + 0.03 * wobble(k ^ 1, t))
                * gib
        });
        self.count_gauge(target, "redis_connected_clients", &[], 0.03, move |t| {
            110.0 + 40.0 * load(t) + 45.0 * tl.wallet_errors(t)
        });
        self.counter(
            target,
            "redis_commands_processed_total",
            &[],
            9_500.0,
            move |t| 9_500.0 * load(t),
        );
        let miss =
            move |t: f64| lerp(0.06, 0.13, tl.wallet_errors(t)) * (1.0 + 0.1 * wobble(k ^ 2, t));
        self.counter(
            target,
            "redis_keyspace_hits_total",
            &[],
            5_800.0,
            move |t| 6_200.0 * load(t) * (1.0 - miss(t)),
        );
        self.counter(
            target,
            "redis_keyspace_misses_total",
            &[],
            380.0,
            move |t| 6_200.0 * load(t) * miss(t),
        );
        self.counter(target, "redis_evicted_keys_total", &[], 0.3, move |t| {
            (0.3 + 0.25 * wobble(k ^ 3, t)).max(0.0) + 2.0 * tl.wallet_errors(t)
        });
        self.counter(target, "redis_expired_keys_total", &[], 25.0, move |t| {
            25.0 * load(t)
        });
        self.count_gauge(target, "redis_db_keys", &[("db", "db0")], 0.001, move |t| {
            1_200_000.0 * (0.9 + 0.1 * diurnal(t, 17.0, 0.8))
        });
    }
}

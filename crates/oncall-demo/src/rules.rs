//! The demo Prometheus's alerting rules (names, thresholds and `for` durations from the
//! seeds' rule files) and their evaluation. Alerts are not scripted: each rule's PromQL runs
//! against the simulated series on a 15 s evaluation grid, with Prometheus's
//! inactive -> pending -> firing state machine, so what alerts is what the graphs show.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use super::promql::{self, EvalError, Expr, Labels};
use super::scenario::Scenario;
use super::storage::View;
use super::template;

/// A series' points, consumed in time order while replaying evaluations.
type Cursor = std::iter::Peekable<std::vec::IntoIter<(i64, f64)>>;

/// How often rules are evaluated (the seeds' `evaluation_interval: 15s`).
pub const EVAL_INTERVAL_MS: i64 = 15_000;

/// History replayed on first use, so alerts that began before the demo started have their
/// real `activeAt`; replayed at a coarser step to keep the first request fast.
const BACKFILL_MS: i64 = 3 * 3_600_000;
const BACKFILL_STEP_MS: i64 = 60_000;

pub struct RuleGroup {
    pub name: &'static str,
    pub file: &'static str,
}

pub const GROUPS: &[RuleGroup] = &[
    RuleGroup {
        name: "platform-critical",
        file: "/etc/prometheus/rules/critical.yml",
    },
    RuleGroup {
        name: "platform-warning",
        file: "/etc/prometheus/rules/warning.yml",
    },
    RuleGroup {
        name: "business",
        file: "/etc/prometheus/rules/business.yml",
    },
    RuleGroup {
        name: "meta",
        file: "/etc/prometheus/rules/meta.yml",
    },
];

pub struct RuleDef {
    /// Index into [`GROUPS`].
    pub group: usize,
    pub name: &'static str,
    pub expr: &'static str,
    pub for_secs: i64,
    pub severity: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
}

const fn rule(
    group: usize,
    name: &'static str,
    expr: &'static str,
    for_secs: i64,
    severity: &'static str,
    summary: &'static str,
    description: &'static str,
) -> RuleDef {
    RuleDef {
        group,
        name,
        expr,
        for_secs,
        severity,
        summary,
        description,
    }
}

const CRITICAL: usize = 0;
const WARNING: usize = 1;
const BUSINESS: usize = 2;
const META: usize = 3;

pub const RULES: &[RuleDef] = &[
    rule(CRITICAL, "ServiceDown", "up == 0", 120, "critical",
        "Service {{ $labels.job }} is down",
        "{{ $labels.instance }} has been down for more than 2 minutes"),
    rule(CRITICAL, "HighErrorRate",
        "sum by (service) (rate(http_requests_total{status=~\"5..\"}[5m])) / sum by (service) (rate(http_requests_total[5m])) > 0.05",
        300, "critical",
        "High error rate on {{ $labels.service }}",
        "Error rate is {{ $value | humanizePercentage }} on {{ $labels.service }}"),
    rule(CRITICAL, "HighLatency",
        "histogram_quantile(0.95, sum by (le, service) (rate(http_request_duration_seconds_bucket[5m]))) > 0.2",
        600, "critical",
        "High latency on {{ $labels.service }}",
        "P95 latency is {{ $value | humanize }}s on {{ $labels.service }}"),
    rule(CRITICAL, "DatabaseConnectionPoolExhausted",
        "max by (service) (database_connections_active / database_connections_total) > 0.9",
        300, "critical",
        "Database connection pool nearly exhausted",
        "{{ $labels.service }} is using {{ $value | humanizePercentage }} of its connection pool"),
    rule(CRITICAL, "DiskSpaceLow",
        "node_filesystem_avail_bytes{fstype!~\"tmpfs|overlay\"} / node_filesystem_size_bytes{fstype!~\"tmpfs|overlay\"} < 0.1",
        300, "critical",
        "Disk space low on {{ $labels.instance }}",
        "Only {{ $value | humanizePercentage }} disk space remaining on {{ $labels.mountpoint }}"),
    rule(CRITICAL, "DiskSpaceCritical",
        "node_filesystem_avail_bytes{fstype!~\"tmpfs|overlay\"} / node_filesystem_size_bytes{fstype!~\"tmpfs|overlay\"} < 0.05",
        300, "critical",
        "Disk almost full on {{ $labels.instance }}",
        "Only {{ $value | humanizePercentage }} left on {{ $labels.mountpoint }}; writes will fail soon"),
    rule(CRITICAL, "MatchingEngineDown", "up{job=\"matching-engine\"} == 0", 60, "critical",
        "Matching engine is down",
        "{{ $labels.instance }} has not answered scrapes for more than a minute; no orders are matched"),
    rule(CRITICAL, "APIDown", "up{job=\"api-gateway\"} == 0", 60, "critical",
        "API gateway instance is down",
        "{{ $labels.instance }} has been down for more than 1 minute"),
    rule(CRITICAL, "DatabaseDown", "pg_up == 0", 60, "critical",
        "PostgreSQL is down",
        "{{ $labels.instance }} has been down for more than 1 minute"),
    rule(CRITICAL, "RedisDown", "redis_up == 0", 60, "critical",
        "Redis is down",
        "{{ $labels.instance }} has been down for more than 1 minute"),
    rule(CRITICAL, "DDoSDetected", "sum(rate(http_requests_limited_total[5m])) > 100", 120, "critical",
        "Possible DDoS: rate limiting is throttling heavily",
        "{{ $value | humanize }} requests/s are being rate limited"),
    rule(CRITICAL, "DatabaseReplicationLagCritical", "max by (instance) (pg_replication_lag_seconds) > 30", 120, "critical",
        "Replication lag on {{ $labels.instance }}",
        "The replica is {{ $value | humanizeDuration }} behind the primary"),
    rule(CRITICAL, "RedisMemoryCritical", "redis_memory_used_bytes / redis_memory_max_bytes > 0.95", 300, "critical",
        "Redis memory almost full on {{ $labels.instance }}",
        "Redis uses {{ $value | humanizePercentage }} of maxmemory; keys are being evicted"),
    rule(CRITICAL, "MatchingEngineLatencyHigh",
        "histogram_quantile(0.99, sum by (le) (rate(matching_engine_latency_seconds_bucket[5m]))) > 0.1",
        300, "critical",
        "Matching engine P99 latency above 100 ms",
        "P99 matching latency is {{ $value | humanize }}s (SLO: under 50 ms)"),
    rule(CRITICAL, "APILatencyCritical",
        "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job=\"api-gateway\"}[5m]))) > 2",
        300, "critical",
        "API gateway P99 latency above 2 s",
        "P99 latency is {{ $value | humanize }}s"),
    rule(WARNING, "ElevatedErrorRate",
        "sum by (service) (rate(http_requests_total{status=~\"5..\"}[5m])) / sum by (service) (rate(http_requests_total[5m])) > 0.01",
        900, "warning",
        "Elevated error rate on {{ $labels.service }}",
        "Error rate is {{ $value | humanizePercentage }} on {{ $labels.service }}"),
    rule(WARNING, "APILatencyWarning",
        "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job=\"api-gateway\"}[5m]))) > 1",
        300, "warning",
        "API gateway P95 latency above 1 s",
        "P95 latency is {{ $value | humanize }}s (SLO: under 500 ms)"),
    rule(WARNING, "HighMemoryUsage", "process_resident_memory_bytes / 1024 / 1024 / 1024 > 1.5", 600, "warning",
        "High memory usage on {{ $labels.instance }}",
        "{{ $labels.instance }} is using {{ $value | humanize }}GB of memory"),
    rule(WARNING, "SlowDatabaseQueries",
        "histogram_quantile(0.95, sum by (le) (rate(database_query_duration_seconds_bucket[5m]))) > 0.1",
        600, "warning",
        "Slow database queries detected",
        "P95 query time is {{ $value | humanize }}s"),
    rule(WARNING, "HighCPUUsage",
        "100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[5m]))) > 80",
        600, "warning",
        "High CPU usage on {{ $labels.instance }}",
        "CPU usage is {{ $value | humanize }}% on {{ $labels.instance }}"),
    rule(WARNING, "DatabaseConnectionPoolWarning",
        "100 * sum by (instance) (pg_stat_database_numbackends) / max by (instance) (pg_settings_max_connections) > 80",
        300, "warning",
        "PostgreSQL connections above 80% on {{ $labels.instance }}",
        "{{ $value | humanize }}% of max_connections are in use"),
    rule(WARNING, "RedisMemoryWarning", "redis_memory_used_bytes / redis_memory_max_bytes > 0.8", 600, "warning",
        "Redis memory above 80% on {{ $labels.instance }}",
        "Redis uses {{ $value | humanizePercentage }} of maxmemory"),
    rule(WARNING, "RedisCacheHitRateLow",
        "sum by (instance) (rate(redis_keyspace_hits_total[5m])) / (sum by (instance) (rate(redis_keyspace_hits_total[5m])) + sum by (instance) (rate(redis_keyspace_misses_total[5m]))) < 0.7",
        600, "warning",
        "Redis cache hit rate below 70%",
        "Hit rate is {{ $value | humanizePercentage }} on {{ $labels.instance }}"),
    rule(WARNING, "LowCacheHitRate",
        "sum by (service) (rate(cache_hits_total[5m])) / (sum by (service) (rate(cache_hits_total[5m])) + sum by (service) (rate(cache_misses_total[5m]))) < 0.7",
        600, "warning",
        "Low cache hit rate on {{ $labels.service }}",
        "Cache hit rate is {{ $value | humanizePercentage }}"),
    rule(WARNING, "HighRateLimitViolations", "sum by (job) (rate(http_requests_limited_total[5m])) > 20", 300, "warning",
        "Many rate-limited requests on {{ $labels.job }}",
        "{{ $value | humanize }} requests/s are rejected by rate limiting"),
    rule(WARNING, "SuspiciousLoginAttempts", "sum(rate(auth_failed_login_attempts_total[5m])) * 60 > 100", 120, "warning",
        "Suspicious number of failed logins",
        "{{ $value | humanize }} failed logins per minute (brute force or credential stuffing?)"),
    rule(WARNING, "UnusualOrderPattern",
        "sum by (symbol) (rate(orders_created_total[5m])) / sum by (symbol) (rate(orders_created_total[1h])) > 2",
        120, "warning",
        "Unusual order rate on {{ $labels.symbol }}",
        "Orders on {{ $labels.symbol }} are at {{ $value | humanize }}x their hourly average"),
    rule(WARNING, "HighWithdrawalFailureRate",
        "sum(rate(withdrawals_total{status=\"failed\"}[15m])) / sum(rate(withdrawals_total[15m])) > 0.05",
        600, "warning",
        "Withdrawals are failing",
        "{{ $value | humanizePercentage }} of withdrawals failed in the last 15 minutes"),
    rule(BUSINESS, "LowOrderMatchSuccessRate",
        "sum(rate(orders_matched_total[15m])) / sum(rate(orders_created_total[15m])) < 0.5",
        900, "warning",
        "Order match rate below 50%",
        "Only {{ $value | humanizePercentage }} of orders were matched in the last 15 minutes"),
    rule(BUSINESS, "HighOrderRejectionRate",
        "sum(rate(orders_rejected_total[5m])) / sum(rate(orders_created_total[5m])) > 0.05",
        600, "warning",
        "Order rejection rate above 5%",
        "{{ $value | humanizePercentage }} of orders are rejected"),
    rule(BUSINESS, "KYCBacklog", "sum(kyc_status{status=\"pending\"}) > 2000", 1800, "info",
        "KYC backlog building",
        "{{ $value }} KYC applications are waiting for review"),
    rule(BUSINESS, "LowKYCApprovalRate", "sum(kyc_status{status=\"approved\"}) / sum(kyc_status) < 0.8", 3600, "warning",
        "KYC approval rate below 80%",
        "Only {{ $value | humanizePercentage }} of KYC applications are approved"),
    rule(META, "Watchdog", "vector(1)", 0, "none",
        "An alert that should always be firing to certify that Alertmanager is working properly",
        "This is an alert meant to ensure that the entire alerting pipeline is functional."),
];

/// Where an alert's runbook lives: one page per alert, kebab-case.
pub fn runbook_url(alertname: &str) -> String {
    let chars: Vec<char> = alertname.chars().collect();
    let mut slug = String::with_capacity(chars.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        // A word starts at an upper-case letter after a lower-case one or a digit
        // (`HighError`), or at the last capital of an acronym (`CPUUsage` -> `cpu-usage`).
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        let starts_word = c.is_ascii_uppercase()
            && (prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(|p| p.is_ascii_uppercase())
                    && next.is_some_and(|n| n.is_ascii_lowercase())));
        if starts_word {
            slug.push('-');
        }
        slug.push(c.to_ascii_lowercase());
    }
    format!("https://wiki.example.com/runbooks/{slug}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertState {
    Pending,
    Firing,
}

/// One alert of a rule, as Prometheus reports it.
#[derive(Debug, Clone)]
pub struct AlertInstance {
    pub labels: Labels,
    pub annotations: Labels,
    pub state: AlertState,
    /// Unix ms when the condition became true.
    pub active_at: i64,
    /// Unix ms when it started firing.
    pub fired_at: Option<i64>,
    pub value: f64,
}

pub struct RuleStatus {
    pub def: &'static RuleDef,
    pub alerts: Vec<AlertInstance>,
    pub last_evaluation: i64,
    pub evaluation_secs: f64,
}

impl RuleStatus {
    /// `firing`, `pending` or `inactive`: the most urgent state among the rule's alerts.
    pub fn state(&self) -> &'static str {
        if self.alerts.iter().any(|a| a.state == AlertState::Firing) {
            "firing"
        } else if self.alerts.is_empty() {
            "inactive"
        } else {
            "pending"
        }
    }
}

#[derive(Debug, Clone)]
struct Active {
    active_at: i64,
    value: f64,
}

struct State {
    /// The last evaluation time.
    evaluated: Option<i64>,
    /// Per rule: the active alerts by their output labels.
    active: Vec<BTreeMap<Labels, Active>>,
    seconds: Vec<f64>,
}

/// The rules, parsed once, and their evaluation state.
pub struct RuleEngine {
    exprs: Vec<Expr>,
    state: Mutex<State>,
}

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("rule {name}: {message}")]
    Parse { name: &'static str, message: String },
    #[error("evaluating rule {name}: {source}")]
    Eval {
        name: &'static str,
        source: EvalError,
    },
    #[error("the rule state lock was poisoned by a panic in another request")]
    Poisoned,
}

impl RuleEngine {
    pub fn new() -> Result<RuleEngine, RuleError> {
        let exprs = RULES
            .iter()
            .map(|r| {
                promql::parse(r.expr).map_err(|e| RuleError::Parse {
                    name: r.name,
                    message: e.render(r.expr),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RuleEngine {
            state: Mutex::new(State {
                evaluated: None,
                active: vec![BTreeMap::new(); exprs.len()],
                seconds: vec![0.0; exprs.len()],
            }),
            exprs,
        })
    }

    /// Bring every rule up to `now` (rounded down to the evaluation grid) and report.
    pub fn evaluate(&self, scenario: &Scenario, now: i64) -> Result<Vec<RuleStatus>, RuleError> {
        let mut state = self.state.lock().map_err(|_| RuleError::Poisoned)?;
        let target = now.div_euclid(EVAL_INTERVAL_MS) * EVAL_INTERVAL_MS;
        match state.evaluated {
            Some(last) if target <= last => {}
            Some(last) if target - last <= BACKFILL_MS => {
                self.run(
                    &mut state,
                    scenario,
                    last + EVAL_INTERVAL_MS,
                    target,
                    EVAL_INTERVAL_MS,
                )?;
            }
            _ => {
                // First use, or the clock jumped (a suspended laptop): replay recent history.
                for a in state.active.iter_mut() {
                    a.clear();
                }
                let coarse_end = target.div_euclid(BACKFILL_STEP_MS) * BACKFILL_STEP_MS;
                self.run(
                    &mut state,
                    scenario,
                    coarse_end - BACKFILL_MS,
                    coarse_end,
                    BACKFILL_STEP_MS,
                )?;
                if target > coarse_end {
                    self.run(
                        &mut state,
                        scenario,
                        coarse_end + EVAL_INTERVAL_MS,
                        target,
                        EVAL_INTERVAL_MS,
                    )?;
                }
            }
        }
        state.evaluated = Some(target.max(state.evaluated.unwrap_or(i64::MIN)));
        let at = state.evaluated.unwrap_or(target);
        Ok(RULES
            .iter()
            .enumerate()
            .map(|(i, def)| RuleStatus {
                def,
                alerts: state.active[i]
                    .iter()
                    .map(|(labels, a)| instance(def, labels, a, at))
                    .collect(),
                last_evaluation: at,
                evaluation_secs: state.seconds[i],
            })
            .collect())
    }

    /// Evaluate every rule at `from, from + step, ..., to`, updating the state machine.
    fn run(
        &self,
        state: &mut State,
        scenario: &Scenario,
        from: i64,
        to: i64,
        step: i64,
    ) -> Result<(), RuleError> {
        if from > to {
            return Ok(());
        }
        let view = View { scenario, now: to };
        for (i, (def, expr)) in RULES.iter().zip(&self.exprs).enumerate() {
            let started = Instant::now();
            let matrix = promql::range_query(&view, expr, from, to, step).map_err(|source| {
                RuleError::Eval {
                    name: def.name,
                    source,
                }
            })?;
            let mut series: Vec<(Labels, Cursor)> = matrix
                .into_iter()
                .map(|(mut labels, points)| {
                    labels.remove("__name__");
                    (labels, points.into_iter().peekable())
                })
                .collect();
            let active = &mut state.active[i];
            let mut t = from;
            while t <= to {
                let mut present: BTreeMap<Labels, f64> = BTreeMap::new();
                for (labels, points) in series.iter_mut() {
                    while points.peek().is_some_and(|p| p.0 < t) {
                        points.next();
                    }
                    if let Some(&(pt, v)) = points.peek() {
                        if pt == t {
                            present.insert(labels.clone(), v);
                        }
                    }
                }
                active.retain(|labels, _| present.contains_key(labels));
                for (labels, value) in present {
                    active
                        .entry(labels)
                        .and_modify(|a| a.value = value)
                        .or_insert(Active {
                            active_at: t,
                            value,
                        });
                }
                t += step;
            }
            state.seconds[i] = started.elapsed().as_secs_f64();
        }
        Ok(())
    }
}

fn instance(def: &RuleDef, output: &Labels, a: &Active, at: i64) -> AlertInstance {
    let mut labels = output.clone();
    labels.insert("alertname".into(), def.name.into());
    labels.insert("severity".into(), def.severity.into());
    let mut annotations = Labels::new();
    annotations.insert(
        "summary".into(),
        template::expand(def.summary, &labels, a.value),
    );
    annotations.insert(
        "description".into(),
        template::expand(def.description, &labels, a.value),
    );
    annotations.insert("runbook_url".into(), runbook_url(def.name));
    let firing = at - a.active_at >= def.for_secs * 1000;
    AlertInstance {
        labels,
        annotations,
        state: if firing {
            AlertState::Firing
        } else {
            AlertState::Pending
        },
        active_at: a.active_at,
        fired_at: firing.then_some(a.active_at + def.for_secs * 1000),
        value: a.value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_parses() {
        RuleEngine::new().unwrap();
    }

    #[test]
    fn runbook_urls_are_kebab_case() {
        assert_eq!(
            runbook_url("HighErrorRate"),
            "https://wiki.example.com/runbooks/high-error-rate"
        );
        assert_eq!(
            runbook_url("HighCPUUsage"),
            "https://wiki.example.com/runbooks/high-cpu-usage"
        );
        assert_eq!(
            runbook_url("APIDown"),
            "https://wiki.example.com/runbooks/api-down"
        );
        assert_eq!(
            runbook_url("KYCBacklog"),
            "https://wiki.example.com/runbooks/kyc-backlog"
        );
        assert_eq!(
            runbook_url("DDoSDetected"),
            "https://wiki.example.com/runbooks/d-do-s-detected"
        );
    }

    /// The incident as the seeds' rules see it when the demo starts, whatever the time of
    /// day (traffic follows a daily curve, the alerts must not).
    #[test]
    fn the_incident_fires_the_expected_alerts() {
        let midnight = 1_763_769_600_000;
        for hour in [0, 5, 9, 14, 19, 23] {
            let anchor = midnight + hour * 3_600_000 + 17 * 60_000;
            let scenario = Scenario::new(anchor, crate::DEFAULT_SEED);
            let engine = RuleEngine::new().unwrap();
            let rules = engine.evaluate(&scenario, anchor).unwrap();
            let mut firing = Vec::new();
            let mut pending = Vec::new();
            for r in &rules {
                for a in &r.alerts {
                    let who = a
                        .labels
                        .get("service")
                        .or(a.labels.get("instance"))
                        .cloned()
                        .unwrap_or_default();
                    let entry = format!("{} {}", r.def.name, who);
                    match a.state {
                        AlertState::Firing => firing.push(entry),
                        AlertState::Pending => pending.push(entry),
                    }
                }
            }
            firing.sort();
            assert_eq!(
                firing,
                vec![
                    "DatabaseConnectionPoolExhausted wallet-service",
                    "ElevatedErrorRate api-gateway",
                    "ElevatedErrorRate wallet-service",
                    "HighCPUUsage node-4:9100",
                    "HighErrorRate wallet-service",
                    "HighLatency wallet-service",
                    "HighMemoryUsage wallet-service",
                    "HighWithdrawalFailureRate ",
                    "ServiceDown wallet-service",
                    "SlowDatabaseQueries ",
                    "Watchdog ",
                ],
                "at {hour}h"
            );
            assert_eq!(pending, vec!["DiskSpaceLow node-3:9100"], "at {hour}h");
        }
    }

    /// As the clock runs, alerts stay put (no flapping around thresholds) and the disk
    /// alert moves from pending to firing two minutes in.
    #[test]
    fn alerts_are_stable_as_the_demo_runs() {
        let anchor = 1_763_800_000_000;
        let scenario = Scenario::new(anchor, 42);
        let engine = RuleEngine::new().unwrap();
        let snapshot = |now: i64| -> Vec<(String, AlertState)> {
            let mut out: Vec<(String, AlertState)> = engine
                .evaluate(&scenario, now)
                .unwrap()
                .iter()
                .flat_map(|r| {
                    r.alerts
                        .iter()
                        .map(|a| (format!("{} {:?}", r.def.name, a.labels), a.state))
                })
                .collect();
            out.sort_by(|a, b| a.0.cmp(&b.0));
            out
        };
        let at_start = snapshot(anchor);
        let disk = |s: &[(String, AlertState)]| {
            s.iter()
                .find(|a| a.0.starts_with("DiskSpaceLow"))
                .map(|a| a.1)
        };
        assert_eq!(disk(&at_start), Some(AlertState::Pending));
        let mut previous = at_start.clone();
        for step in 1..=60 {
            let now = anchor + step * 30_000;
            let current = snapshot(now);
            let without_disk = |s: &[(String, AlertState)]| -> Vec<(String, AlertState)> {
                s.iter()
                    .filter(|a| !a.0.starts_with("DiskSpaceLow"))
                    .cloned()
                    .collect()
            };
            assert_eq!(
                without_disk(&current),
                without_disk(&previous),
                "alerts changed at +{}s",
                step * 30
            );
            // It crossed the threshold about three minutes before the start (`for: 5m`).
            let seconds = step * 30;
            let state = disk(&current);
            if seconds < 120 {
                assert_eq!(state, Some(AlertState::Pending), "at +{seconds}s");
            } else if seconds >= 210 || disk(&previous) == Some(AlertState::Firing) {
                assert_eq!(state, Some(AlertState::Firing), "at +{seconds}s");
            }
            previous = current;
        }
    }
}

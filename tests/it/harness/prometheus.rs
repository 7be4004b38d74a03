//! Debian's `prometheus` (2.42) with a config the test composes: scrape targets, alerting
//! rules, an Alertmanager, a query log, and optional hours of backfilled history.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use super::alertmanager::Alertmanager;
use super::metrics::MetricsServer;
use super::process::{require_binary, ServerProcess};

pub struct Prometheus {
    process: ServerProcess,
}

#[derive(Default)]
pub struct PrometheusBuilder {
    jobs: Vec<(String, Vec<String>)>,
    rules: Vec<String>,
    backfill: Option<String>,
    alertmanagers: Vec<String>,
    scrape_interval_s: Option<u32>,
}

impl Prometheus {
    pub fn builder() -> PrometheusBuilder {
        PrometheusBuilder::default()
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        self.process.url()
    }

    pub fn port(&self) -> u16 {
        self.process.port()
    }

    /// Where `global.query_log_file` points: every query Prometheus ran, one JSON per line.
    pub fn query_log_path(&self) -> PathBuf {
        self.process.dir().join("query.log")
    }

    pub fn query_log(&self) -> String {
        std::fs::read_to_string(self.query_log_path()).unwrap_or_default()
    }

    pub fn stderr_tail(&self, lines: usize) -> String {
        self.process.stderr_tail(lines)
    }

    /// `GET /api/v1/<path>` through the harness's own client; the `data` field.
    pub fn api(&self, path_and_query: &str) -> Value {
        let url = format!("{}/api/v1/{path_and_query}", self.url());
        super::block_on(async move {
            let resp = super::http()
                .get(&url)
                .send()
                .await
                .expect("Prometheus answers");
            let v: Value = resp.json().await.expect("Prometheus answers JSON");
            assert_eq!(v["status"], "success", "GET {url}: {v}");
            v["data"].clone()
        })
    }

    /// The active alerts (pending or firing) named `alertname`.
    pub fn alerts_named(&self, alertname: &str) -> Vec<Value> {
        self.api("alerts")["alerts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|a| a["labels"]["alertname"] == alertname)
            .collect()
    }

    /// Wait until Prometheus reports `alertname` in `state` (`pending` or `firing`).
    pub fn wait_for_alert(&self, alertname: &str, state: &str) -> Value {
        super::wait_for(
            &format!("Prometheus alert {alertname} to be {state}"),
            || {
                self.alerts_named(alertname)
                    .into_iter()
                    .find(|a| a["state"] == state)
            },
        )
    }

    /// Wait until the instant query `expr` returns at least one series.
    pub fn wait_for_series(&self, expr: &str) -> Vec<Value> {
        let q = url_encode(expr);
        super::wait_for(&format!("`{expr}` to return a series"), || {
            let r = self.api(&format!("query?query={q}"))["result"]
                .as_array()
                .cloned()?;
            (!r.is_empty()).then_some(r)
        })
    }

    /// Wait until `up` is 1 for every target of `job` (the first scrape has happened).
    pub fn wait_for_scrape(&self, job: &str) {
        self.wait_for_series(&format!("up{{job=\"{job}\"}} == 1"));
    }
}

impl PrometheusBuilder {
    /// Scrape the test's metrics server as job `app`.
    pub fn scrape(self, metrics: &MetricsServer) -> Self {
        self.scrape_job("app", &[metrics.target()])
    }

    /// Scrape `targets` (`host:port`) as `job`. A target nobody listens on gives `up == 0`.
    pub fn scrape_job(mut self, job: &str, targets: &[String]) -> Self {
        self.jobs.push((job.to_string(), targets.to_vec()));
        self
    }

    /// One rule file (YAML with `groups:`). May be called more than once.
    pub fn rules(mut self, yaml: &str) -> Self {
        self.rules.push(yaml.to_string());
        self
    }

    /// OpenMetrics text to write into the TSDB with promtool before Prometheus starts.
    pub fn backfill(mut self, openmetrics: String) -> Self {
        self.backfill = Some(openmetrics);
        self
    }

    /// Send alerts to this Alertmanager.
    pub fn alertmanager(mut self, am: &Alertmanager) -> Self {
        self.alertmanagers.push(format!("127.0.0.1:{}", am.port()));
        self
    }

    pub fn scrape_interval_s(mut self, s: u32) -> Self {
        self.scrape_interval_s = Some(s);
        self
    }

    pub fn start(self) -> Prometheus {
        let bin = require_binary("prometheus");
        let dir = tempfile::Builder::new()
            .prefix("oncall-prometheus-")
            .tempdir()
            .expect("temp dir");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).expect("create data dir");

        if let Some(text) = &self.backfill {
            backfill(dir.path(), &data, text);
        }

        let mut rule_paths = Vec::new();
        for (i, yaml) in self.rules.iter().enumerate() {
            let path = dir.path().join(format!("rules-{i}.yml"));
            std::fs::write(&path, yaml).expect("write rule file");
            rule_paths.push(path);
        }
        let config = self.config(dir.path(), &rule_paths);
        let config_path = dir.path().join("prometheus.yml");
        std::fs::write(&config_path, config).expect("write prometheus.yml");
        check_config(&config_path);

        let process = ServerProcess::start("prometheus", &bin, dir, move |port, dir| {
            vec![
                format!("--config.file={}", dir.join("prometheus.yml").display()),
                format!("--storage.tsdb.path={}", dir.join("data").display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
                "--storage.tsdb.retention.time=7d".into(),
                "--web.enable-lifecycle".into(),
                "--log.level=info".into(),
            ]
        });
        Prometheus { process }
    }

    fn config(&self, dir: &std::path::Path, rule_paths: &[PathBuf]) -> String {
        let interval = self.scrape_interval_s.unwrap_or(1);
        let mut y = format!(
            "global:\n  scrape_interval: {interval}s\n  scrape_timeout: {interval}s\n  evaluation_interval: {interval}s\n  query_log_file: {}\n",
            dir.join("query.log").display()
        );
        if !rule_paths.is_empty() {
            y.push_str("rule_files:\n");
            for p in rule_paths {
                y.push_str(&format!("  - {}\n", p.display()));
            }
        }
        if !self.alertmanagers.is_empty() {
            y.push_str("alerting:\n  alertmanagers:\n    - static_configs:\n        - targets:\n");
            for t in &self.alertmanagers {
                y.push_str(&format!("            - '{t}'\n"));
            }
        }
        y.push_str("scrape_configs:\n");
        for (job, targets) in &self.jobs {
            y.push_str(&format!(
                "  - job_name: '{job}'\n    static_configs:\n      - targets:\n"
            ));
            for t in targets {
                y.push_str(&format!("          - '{t}'\n"));
            }
        }
        if self.jobs.is_empty() {
            // A valid config needs the key; an empty list scrapes nothing.
            y.push_str("  []\n");
        }
        y
    }
}

/// `promtool check config` first, so a bad rule file fails with promtool's own message rather
/// than a readiness timeout.
fn check_config(path: &std::path::Path) {
    let promtool = require_binary("promtool");
    let out = Command::new(promtool)
        .args(["check", "config"])
        .arg(path)
        .output()
        .expect("run promtool check config");
    assert!(
        out.status.success(),
        "promtool check config rejected the harness config:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn backfill(dir: &std::path::Path, data: &std::path::Path, text: &str) {
    let promtool = require_binary("promtool");
    let input = dir.join("backfill.om");
    std::fs::write(&input, text).expect("write OpenMetrics file");
    let out = Command::new(promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics", "--quiet"])
        .arg(&input)
        .arg(data)
        .output()
        .expect("run promtool tsdb create-blocks-from openmetrics");
    assert!(
        out.status.success(),
        "promtool could not backfill the history:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Percent-encode a query parameter value.
pub fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

//! Debian's `prometheus-alertmanager` (0.25), gossip disabled, with helpers to push alerts in
//! bulk (10,000 in a few requests) and to read back what it holds.

use chrono::{Duration as ChronoDuration, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use super::process::{require_binary, ServerProcess};

/// Routes: everything to `blackhole`, `severity="critical"` to `pager`; neither sends anywhere.
/// The inhibit rule lets tests produce inhibited alerts: a critical alert mutes warnings with
/// the same `cluster`. Alerts without a `cluster` label are never inhibited (Alertmanager
/// counts two missing labels as equal, hence the explicit `cluster=~".+"`).
pub const DEFAULT_CONFIG: &str = r#"route:
  receiver: blackhole
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - receiver: pager
      matchers: ['severity="critical"']
receivers:
  - name: blackhole
  - name: pager
inhibit_rules:
  - source_matchers: ['severity="critical"', 'cluster=~".+"']
    target_matchers: ['severity="warning"', 'cluster=~".+"']
    equal: ['cluster']
"#;

pub struct Alertmanager {
    process: ServerProcess,
}

impl Alertmanager {
    pub fn start() -> Alertmanager {
        Self::with_config(DEFAULT_CONFIG)
    }

    pub fn with_config(yaml: &str) -> Alertmanager {
        let bin = require_binary("prometheus-alertmanager");
        let dir = tempfile::Builder::new()
            .prefix("oncall-alertmanager-")
            .tempdir()
            .expect("temp dir");
        std::fs::write(dir.path().join("alertmanager.yml"), yaml).expect("write alertmanager.yml");
        std::fs::create_dir_all(dir.path().join("data")).expect("create data dir");
        let process = ServerProcess::start("alertmanager", &bin, dir, |port, dir| {
            vec![
                format!("--config.file={}", dir.join("alertmanager.yml").display()),
                format!("--storage.path={}", dir.join("data").display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
                // Empty: no gossip, so no second port to clash on and no cluster settling.
                "--cluster.listen-address=".into(),
                "--log.level=info".into(),
            ]
        });
        Alertmanager { process }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        self.process.url()
    }

    pub fn port(&self) -> u16 {
        self.process.port()
    }

    pub fn stderr_tail(&self, lines: usize) -> String {
        self.process.stderr_tail(lines)
    }

    /// `POST /api/v2/alerts` with these alerts in one request.
    pub fn push(&self, alerts: &[Value]) {
        let url = format!("{}/api/v2/alerts", self.url());
        let body = Value::Array(alerts.to_vec());
        super::block_on(async move {
            let resp = super::http()
                .post(&url)
                .json(&body)
                .send()
                .await
                .expect("Alertmanager answers POST /api/v2/alerts");
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            assert!(status.is_success(), "POST {url}: HTTP {status}: {text}");
        });
    }

    /// Push any number of alerts in batches of 1,000 (10,000 alerts is ten requests).
    pub fn push_many(&self, alerts: &[Value]) {
        for batch in alerts.chunks(1000) {
            self.push(batch);
        }
    }

    /// `GET /api/v2/<path_and_query>` as JSON.
    pub fn get(&self, path_and_query: &str) -> Value {
        let url = format!("{}/api/v2/{path_and_query}", self.url());
        super::block_on(async move {
            let resp = super::http()
                .get(&url)
                .send()
                .await
                .expect("Alertmanager answers");
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            assert!(status.is_success(), "GET {url}: HTTP {status}: {text}");
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("GET {url}: not JSON ({e}): {text}"))
        })
    }

    /// `GET /api/v2/alerts?<query>`, e.g. `query = "silenced=false&filter=alertname%3D%22X%22"`.
    pub fn alerts(&self, query: &str) -> Vec<Value> {
        let path = if query.is_empty() {
            "alerts".to_string()
        } else {
            format!("alerts?{query}")
        };
        self.get(&path).as_array().cloned().unwrap_or_default()
    }

    /// Wait until `GET /api/v2/alerts?<query>` returns exactly `count` alerts.
    pub fn wait_for_alerts(&self, query: &str, count: usize) -> Vec<Value> {
        super::wait_for(
            &format!("Alertmanager to hold {count} alerts for `{query}`"),
            || {
                let a = self.alerts(query);
                (a.len() == count).then_some(a)
            },
        )
    }

    pub fn silences(&self) -> Vec<Value> {
        self.get("silences").as_array().cloned().unwrap_or_default()
    }

    pub fn silence(&self, id: &str) -> Value {
        self.get(&format!("silence/{id}"))
    }

    /// Create a silence directly (fixture setup, not the code under test). Returns its ID.
    pub fn create_silence(&self, silence: &Value) -> String {
        let url = format!("{}/api/v2/silences", self.url());
        let body = silence.clone();
        super::block_on(async move {
            let resp = super::http()
                .post(&url)
                .json(&body)
                .send()
                .await
                .expect("Alertmanager answers");
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            assert!(status.is_success(), "POST {url}: HTTP {status}: {text}");
            let v: Value = serde_json::from_str(&text).expect("silence response is JSON");
            v["silenceID"]
                .as_str()
                .expect("response has silenceID")
                .to_string()
        })
    }
}

/// An alert for `POST /api/v2/alerts`, started a minute ago and ending in an hour, so it is
/// active now and stays active for any test.
pub fn alert(labels: &[(&str, &str)], annotations: &[(&str, &str)]) -> Value {
    let now = Utc::now();
    json!({
        "labels": to_map(labels),
        "annotations": to_map(annotations),
        "startsAt": rfc3339(now - ChronoDuration::minutes(1)),
        "endsAt": rfc3339(now + ChronoDuration::hours(1)),
        "generatorURL": "http://127.0.0.1/graph?g0.expr=up",
    })
}

/// `n` distinct alerts (`alertname=Load<i % 50>`, `instance=host-<i>`, severities mixed),
/// the shape of a large, busy Alertmanager. No `cluster` label, so none is inhibited.
pub fn many_alerts(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let name = format!("Load{}", i % 50);
            let instance = format!("host-{i:05}");
            let severity = ["critical", "warning", "info"][i % 3];
            let region = format!("r{}", i % 7);
            alert(
                &[
                    ("alertname", &name),
                    ("instance", &instance),
                    ("severity", severity),
                    ("region", &region),
                    ("job", "load"),
                ],
                &[
                    ("summary", &format!("{name} on {instance}")),
                    ("runbook_url", "https://runbooks.example.com/load"),
                ],
            )
        })
        .collect()
}

pub fn rfc3339(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn to_map(pairs: &[(&str, &str)]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert((*k).to_string(), Value::String((*v).to_string()));
    }
    Value::Object(m)
}

/// Alerts that show each way an alert is suppressed, under `DEFAULT_CONFIG`'s inhibit rule: a
/// critical `DiskFull` on db-1 in cluster eu (with a summary and a runbook link), the
/// `DiskFilling` warning on the same host that it inhibits, a `DiskFilling` warning on db-9 in
/// cluster us that nothing inhibits (annotated with `db9_annotations`), and an info `Noisy`
/// (annotated with `noisy_annotations`) for `silence_noisy` to mute.
pub fn suppression_alerts(
    db9_annotations: &[(&str, &str)],
    noisy_annotations: &[(&str, &str)],
) -> Vec<Value> {
    vec![
        alert(
            &[
                ("alertname", "DiskFull"),
                ("severity", "critical"),
                ("cluster", "eu"),
                ("instance", "db-1"),
            ],
            &[
                ("summary", "Disk full on db-1"),
                ("runbook_url", "https://runbooks.example.com/DiskFull"),
            ],
        ),
        alert(
            &[
                ("alertname", "DiskFilling"),
                ("severity", "warning"),
                ("cluster", "eu"),
                ("instance", "db-1"),
            ],
            &[],
        ),
        alert(
            &[
                ("alertname", "DiskFilling"),
                ("severity", "warning"),
                ("cluster", "us"),
                ("instance", "db-9"),
            ],
            db9_annotations,
        ),
        alert(
            &[("alertname", "Noisy"), ("severity", "info")],
            noisy_annotations,
        ),
    ]
}

/// Mute `alertname=Noisy` with an hour-long silence made directly through the API; returns
/// its ID.
pub fn silence_noisy(am: &Alertmanager) -> String {
    let now = Utc::now();
    am.create_silence(&json!({
        "matchers": [{"name": "alertname", "value": "Noisy", "isRegex": false, "isEqual": true}],
        "startsAt": rfc3339(now),
        "endsAt": rfc3339(now + ChronoDuration::hours(1)),
        "createdBy": "harness", "comment": "fixture",
    }))
}

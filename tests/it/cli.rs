//! Every CLI command, run as the built binary against real Prometheus and Alertmanager and
//! the PagerDuty stand-in, configured only through `ONCALL_*` variables and a temp HOME.
//! Exit codes: 0 success, 1 server or network failure, 2 usage or config error.

use crate::harness;

use chrono::{DateTime, Duration as ChronoDuration, DurationRound, Utc};
use harness::alertmanager::{silence_noisy, suppression_alerts};
use harness::pagerduty::{incident_at, ME_EMAIL};
use harness::{alert, Alertmanager, Oncall, PagerDutyStandin};
use serde_json::Value;

const TOKEN: &str = "u+cli-token-must-never-print";

fn uuid_in(text: &str) -> Option<String> {
    let re =
        regex::Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").unwrap();
    re.find(text).map(|m| m.as_str().to_string())
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

/// The JSON list a listing command printed: a top-level array, or the one array inside a
/// top-level object (e.g. `{"alerts": [...]}`).
fn json_list(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        Value::Object(o) => o
            .into_iter()
            .find_map(|(_, v)| v.as_array().cloned())
            .expect("a JSON object holding a list"),
        other => panic!("expected a JSON list, got {other}"),
    }
}

/// Alertmanager with three firing alerts, one inhibited and one silenced.
fn busy_alertmanager() -> Alertmanager {
    let am = Alertmanager::start();
    let mut alerts = suppression_alerts(
        &[(
            "summary",
            "Disk \u{1b}]52;c;aGk=\u{7}filling \u{1b}[2Jon db-9",
        )],
        &[],
    );
    // Neither inhibited nor silenced.
    alerts.push(alert(
        &[
            ("alertname", "HighLatency"),
            ("severity", "warning"),
            ("service", "checkout"),
        ],
        &[],
    ));
    am.push(&alerts);
    silence_noisy(&am);
    am.wait_for_alerts("active=false", 2);
    am.wait_for_alerts("silenced=false&inhibited=false", 3);
    am
}

fn no_escapes(text: &str) {
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "terminal control characters reached the output: {text:?}"
    );
}

// ---------------------------------------------------------------------------------------
// oncall alerts

#[test]
fn alerts_json_holds_what_the_api_holds() {
    let am = busy_alertmanager();
    let run = Oncall::new()
        .alertmanager(&am.url())
        .run(&["alerts", "--output", "json"]);
    run.expect_code(0);
    let ours = json_list(run.json());
    let api = am.alerts("silenced=false&inhibited=false");
    let key = |a: &Value| {
        (
            a["fingerprint"].as_str().unwrap_or("").to_string(),
            a["labels"].clone(),
        )
    };
    let mut ours_keys: Vec<_> = ours.iter().map(key).collect();
    let mut api_keys: Vec<_> = api.iter().map(key).collect();
    ours_keys.sort_by(|a, b| a.0.cmp(&b.0));
    api_keys.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        ours_keys, api_keys,
        "same alerts, same fingerprints, same labels"
    );
    for a in &ours {
        let theirs = api
            .iter()
            .find(|t| t["fingerprint"] == a["fingerprint"])
            .unwrap();
        assert_eq!(a["annotations"], theirs["annotations"]);
        assert_eq!(time(&a["startsAt"]), time(&theirs["startsAt"]));
    }
}

#[test]
fn alerts_matchers_and_suppressed_flags() {
    let am = busy_alertmanager();
    let oncall = Oncall::new().alertmanager(&am.url());
    let names = |args: &[&str]| -> Vec<String> {
        let mut full = args.to_vec();
        full.extend(["--output", "json"]);
        let run = oncall.run(&full);
        run.expect_code(0);
        let mut v: Vec<String> = json_list(run.json())
            .iter()
            .map(|a| {
                format!(
                    "{}/{}",
                    a["labels"]["alertname"].as_str().unwrap(),
                    a["labels"]["cluster"].as_str().unwrap_or("-")
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names(&["alerts"]),
        ["DiskFilling/us", "DiskFull/eu", "HighLatency/-"]
    );
    assert_eq!(
        names(&["alerts", "DiskFilling"]),
        ["DiskFilling/us"],
        "a bare first argument is the alertname"
    );
    assert_eq!(
        names(&["alerts", "severity=~\"warn.*\""]),
        ["DiskFilling/us", "HighLatency/-"]
    );
    assert_eq!(
        names(&["alerts", "severity=warning", "cluster!=us"]),
        ["HighLatency/-"]
    );
    assert_eq!(
        names(&["alerts", "--silenced"]),
        ["DiskFilling/us", "DiskFull/eu", "HighLatency/-", "Noisy/-"]
    );
    assert_eq!(
        names(&["alerts", "--inhibited"]),
        [
            "DiskFilling/eu",
            "DiskFilling/us",
            "DiskFull/eu",
            "HighLatency/-"
        ]
    );
    assert_eq!(
        names(&["alerts", "--all"]),
        [
            "DiskFilling/eu",
            "DiskFilling/us",
            "DiskFull/eu",
            "HighLatency/-",
            "Noisy/-"
        ]
    );
}

#[test]
fn alerts_table_and_wide_show_the_essentials_without_escape_sequences() {
    let am = busy_alertmanager();
    let oncall = Oncall::new().alertmanager(&am.url());
    for format in ["table", "wide"] {
        let run = oncall.run(&["alerts", "--output", format]);
        run.expect_code(0);
        for needle in ["DiskFull", "critical", "Disk full on db-1", "HighLatency"] {
            assert!(
                run.stdout.contains(needle),
                "{format}: `{needle}` missing:\n{}",
                run.stdout
            );
        }
        assert!(
            !run.stdout.contains("Noisy"),
            "silenced alerts are hidden by default"
        );
        no_escapes(&run.all_output());
    }
    let wide = oncall.run(&["alerts", "--output", "wide"]);
    assert!(
        wide.stdout
            .contains("https://runbooks.example.com/DiskFull"),
        "{}",
        wide.stdout
    );
}

#[test]
fn alerts_table_from_one_alertmanager_prints_as_the_merged_path_does() {
    // One Alertmanager prints from rows borrowed from its answer; two holding the same alerts
    // (an HA pair) go through the full decode and merge. Both must print the same bytes.
    let (am, peer) = (Alertmanager::start(), Alertmanager::start());
    let mut alerts: Vec<Value> = vec![
        alert(
            &[
                ("alertname", "Disk\u{1b}[31mFull"),
                ("severity", "critical"),
                ("instance", "db-1\u{1b}]52;c;aGk=\u{7}"),
                ("team", "a\tb\nc"),
            ],
            &[
                ("description", "line\r\u{202e}evil \"quoted\""),
                ("runbook", "  "),
            ],
        ),
        alert(
            &[
                ("alertname", "日本語のアラート"),
                ("severity", "Warning"),
                ("pod", "🔥-1"),
            ],
            &[
                ("summary", "概要\u{9b}31m ok"),
                ("link", "https://wiki/\u{e9}"),
            ],
        ),
        alert(
            &[
                ("alertname", "NoSeverity"),
                ("x", "1"),
                ("y", "2"),
                ("z", "3"),
                ("w", "4"),
            ],
            &[],
        ),
    ];
    // Ages well away from an hour boundary, so two runs print the same AGE.
    let started = Utc::now() - ChronoDuration::days(2) - ChronoDuration::minutes(30);
    for a in &mut alerts {
        a["startsAt"] = Value::String(started.to_rfc3339());
    }
    for a in [&am, &peer] {
        a.push(&alerts);
        a.wait_for_alerts("silenced=false&inhibited=false", 3);
    }
    let one = Oncall::new().alertmanager(&am.url());
    let twice = Oncall::new().alertmanager(&format!("{},{}", am.url(), peer.url()));
    for format in ["table", "wide"] {
        let lean = one.run(&["alerts", "--all", "--output", format]);
        lean.expect_code(0);
        let full = twice.run(&["alerts", "--all", "--output", format]);
        full.expect_code(0);
        assert_eq!(lean.stdout, full.stdout, "{format}");
        assert!(lean.stdout.contains("DiskFull"), "{}", lean.stdout);
        no_escapes(&lean.stdout);
    }
}

// ---------------------------------------------------------------------------------------
// oncall silence

#[test]
fn silence_add_reads_back_exactly_from_alertmanager() {
    let am = busy_alertmanager();
    let oncall = Oncall::new().alertmanager(&am.url());
    let start = (Utc::now() + ChronoDuration::hours(1))
        .duration_trunc(ChronoDuration::seconds(1))
        .unwrap();
    let end = start + ChronoDuration::hours(2);
    let (start_s, end_s) = (start.to_rfc3339(), end.to_rfc3339());
    let run = oncall.run(&[
        "silence",
        "add",
        "alertname=DiskFilling",
        "cluster=~\"eu|us\"",
        "instance!~\"canary-.*\"",
        "--start",
        &start_s,
        "--end",
        &end_s,
        "--comment",
        "CHG-1234: disk migration",
        "--author",
        "alice@example.com",
    ]);
    run.expect_code(0);
    let id =
        uuid_in(&run.stdout).unwrap_or_else(|| panic!("no silence ID printed:\n{}", run.stdout));
    let s = am.silence(&id);
    assert_eq!(
        s["matchers"],
        serde_json::json!([
            {"name": "alertname", "value": "DiskFilling", "isRegex": false, "isEqual": true},
            {"name": "cluster", "value": "eu|us", "isRegex": true, "isEqual": true},
            {"name": "instance", "value": "canary-.*", "isRegex": true, "isEqual": false},
        ])
    );
    assert_eq!(time(&s["startsAt"]), start);
    assert_eq!(time(&s["endsAt"]), end);
    assert_eq!(s["createdBy"], "alice@example.com");
    assert_eq!(s["comment"], "CHG-1234: disk migration");
    assert_eq!(s["status"]["state"], "pending");
    assert_eq!(
        am.silences().len(),
        2,
        "exactly one silence was added to the fixture's one"
    );
}

#[test]
fn silence_add_with_duration_defaults_author_to_user_and_reports_matches() {
    let am = busy_alertmanager();
    let oncall = Oncall::new().alertmanager(&am.url());
    let before = Utc::now();
    let run = oncall.run(&[
        "silence",
        "add",
        "alertname=DiskFilling",
        "--duration",
        "2h",
        "--comment",
        "looking into it",
    ]);
    run.expect_code(0);
    let id =
        uuid_in(&run.stdout).unwrap_or_else(|| panic!("no silence ID printed:\n{}", run.stdout));
    // Two current alerts match (one of them inhibited): the count is shown before creating.
    assert!(
        run.all_output().contains("matches 2 current alerts"),
        "the match count is shown:\n{}",
        run.all_output()
    );
    let s = am.silence(&id);
    assert_eq!(s["createdBy"], "tester", "author defaults to $USER");
    assert_eq!(s["status"]["state"], "active");
    let (starts, ends) = (time(&s["startsAt"]), time(&s["endsAt"]));
    assert!(starts >= before - ChronoDuration::seconds(5), "{starts}");
    let length = ends - starts;
    assert!(
        (length - ChronoDuration::hours(2)).num_seconds().abs() <= 60,
        "a 2h silence, got {length}"
    );
    let now_silenced = am.alerts("filter=alertname%3D%22DiskFilling%22&active=false");
    assert!(now_silenced
        .iter()
        .any(|a| a["status"]["silencedBy"][0] == id.as_str()));
}

#[test]
fn silence_add_dry_run_creates_nothing() {
    let am = busy_alertmanager();
    let oncall = Oncall::new().alertmanager(&am.url());
    let run = oncall.run(&[
        "silence",
        "add",
        "alertname=DiskFull",
        "--duration",
        "1h",
        "--comment",
        "x",
        "--dry-run",
    ]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("DiskFull"),
        "shows what would be silenced:\n{}",
        run.stdout
    );
    assert_eq!(am.silences().len(), 1, "only the fixture's silence exists");
}

#[test]
fn silence_add_warns_about_broad_and_empty_silences() {
    let am = busy_alertmanager();
    let oncall = Oncall::new().alertmanager(&am.url());
    let broad = oncall.run(&[
        "silence",
        "add",
        "cluster=eu",
        "--duration",
        "1h",
        "--comment",
        "x",
        "--dry-run",
    ]);
    broad.expect_code(0);
    assert!(
        broad.all_output().contains("no alertname matcher"),
        "warns: no alertname matcher\n{}",
        broad.all_output()
    );
    let none = oncall.run(&[
        "silence",
        "add",
        "alertname=NoSuchAlert",
        "--duration",
        "1h",
        "--comment",
        "x",
        "--dry-run",
    ]);
    none.expect_code(0);
    let out = none.all_output();
    assert!(
        out.contains("matches no current alert"),
        "warns: matches nothing\n{out}"
    );
}

#[test]
fn silence_add_usage_errors_exit_2_and_create_nothing() {
    let am = busy_alertmanager();
    let oncall = Oncall::new().alertmanager(&am.url());
    let cases: &[&[&str]] = &[
        &["silence", "add", "alertname=X", "--duration", "1h"],
        &[
            "silence",
            "add",
            "--duration",
            "1h",
            "--comment",
            "no matchers",
        ],
        &["silence", "add", "alertname=X", "--comment", "no duration"],
        &[
            "silence",
            "add",
            "alertname=~\"(\"",
            "--duration",
            "1h",
            "--comment",
            "bad regex",
        ],
        &[
            "silence",
            "add",
            "alertname=X",
            "--duration",
            "soon",
            "--comment",
            "bad duration",
        ],
        &[
            "silence",
            "add",
            "alertname=X",
            "--start",
            "yesterday-ish",
            "--end",
            "+1h",
            "--comment",
            "bad time",
        ],
    ];
    for args in cases {
        let run = oncall.run(args);
        run.expect_code(2);
        assert!(!run.stderr.trim().is_empty(), "{args:?}: says why");
    }
    assert_eq!(am.silences().len(), 1);
}

#[test]
fn silence_ls_expire_and_extend() {
    let am = busy_alertmanager();
    let oncall = Oncall::new().alertmanager(&am.url());
    let add = oncall.run(&[
        "silence",
        "add",
        "alertname=HighLatency",
        "--duration",
        "1h",
        "--comment",
        "deploy",
    ]);
    add.expect_code(0);
    let id = uuid_in(&add.stdout).unwrap();

    let ls = oncall.run(&["silence", "ls", "--output", "json"]);
    ls.expect_code(0);
    let listed = json_list(ls.json());
    assert!(listed.iter().any(|s| s["id"] == id.as_str()), "{listed:?}");
    let ls = oncall.run(&["silence", "ls"]);
    ls.expect_code(0);
    assert!(
        ls.stdout.contains(&id[..8]) && ls.stdout.contains("deploy"),
        "{}",
        ls.stdout
    );
    let filtered = oncall.run(&["silence", "ls", "alertname=Noisy", "--output", "json"]);
    let filtered = json_list(filtered.json());
    assert_eq!(filtered.len(), 1);
    assert_ne!(filtered[0]["id"], id.as_str());

    // extend an active silence: Alertmanager updates it in place, so the ID stays.
    let new_end = (Utc::now() + ChronoDuration::hours(5))
        .duration_trunc(ChronoDuration::seconds(1))
        .unwrap();
    let ext = oncall.run(&["silence", "extend", &id, "--end", &new_end.to_rfc3339()]);
    ext.expect_code(0);
    assert_eq!(
        uuid_in(&ext.stdout).as_deref(),
        Some(id.as_str()),
        "{}",
        ext.stdout
    );
    assert_eq!(time(&am.silence(&id)["endsAt"]), new_end);
    let ext = oncall.run(&["silence", "extend", &id, "--duration", "1h"]);
    ext.expect_code(0);
    assert!(
        time(&am.silence(&id)["endsAt"]) > Utc::now(),
        "still in the future"
    );

    // expire
    let exp = oncall.run(&["silence", "expire", &id]);
    exp.expect_code(0);
    assert_eq!(am.silence(&id)["status"]["state"], "expired");
    let ls = oncall.run(&["silence", "ls", "--output", "json"]);
    assert!(
        !json_list(ls.json()).iter().any(|s| s["id"] == id.as_str()),
        "expired silences are hidden"
    );
    let ls = oncall.run(&["silence", "ls", "--expired", "--output", "json"]);
    assert!(json_list(ls.json())
        .iter()
        .any(|s| s["id"] == id.as_str() && s["status"]["state"] == "expired"));

    // extend an expired silence: Alertmanager makes a new one; the new ID is printed.
    let ext = oncall.run(&["silence", "extend", &id, "--duration", "1h"]);
    ext.expect_code(0);
    let replaced = ext
        .stdout
        .lines()
        .rev()
        .find_map(uuid_in)
        .unwrap_or_else(|| panic!("{}", ext.stdout));
    assert_ne!(
        replaced, id,
        "an expired silence is replaced:\n{}",
        ext.stdout
    );
    let s = am.silence(&replaced);
    assert_eq!(s["status"]["state"], "active");
    assert_eq!(s["matchers"][0]["value"], "HighLatency");
    assert_eq!(am.silence(&id)["status"]["state"], "expired");

    // unknown IDs are a server answer (404): exit 1, naming the ID
    let unknown = "0f6b0a47-5c1a-4b7c-9e2e-3c2a8b9d1e42";
    let run = oncall.run(&["silence", "expire", unknown]);
    run.expect_code(1);
    assert!(run.stderr.contains(unknown), "{}", run.stderr);
}

#[test]
fn silence_expire_takes_several_ids() {
    let am = busy_alertmanager();
    let oncall = Oncall::new().alertmanager(&am.url());
    let ids: Vec<String> = ["A", "B"]
        .iter()
        .map(|name| {
            let run = oncall.run(&[
                "silence",
                "add",
                &format!("alertname={name}"),
                "--duration",
                "1h",
                "--comment",
                "x",
            ]);
            run.expect_code(0);
            uuid_in(&run.stdout).unwrap()
        })
        .collect();
    oncall
        .run(&["silence", "expire", &ids[0], &ids[1]])
        .expect_code(0);
    for id in &ids {
        assert_eq!(am.silence(id)["status"]["state"], "expired");
    }
}

// ---------------------------------------------------------------------------------------
// oncall incidents / ack / resolve / who

fn pd_oncall(pd: &PagerDutyStandin) -> Oncall {
    Oncall::new().pagerduty(&pd.url(), TOKEN, ME_EMAIL)
}

#[test]
fn incidents_lists_all_pages_mine_and_status() {
    let pd = PagerDutyStandin::start(TOKEN, 250);
    let oncall = pd_oncall(&pd);
    let run = oncall.run(&["incidents", "--output", "json"]);
    run.expect_code(0);
    assert_eq!(json_list(run.json()).len(), 250);
    let run = oncall.run(&["incidents", "--mine", "--output", "json"]);
    run.expect_code(0);
    assert_eq!(json_list(run.json()).len(), 125);
    let run = oncall.run(&["incidents", "--status", "acknowledged", "--output", "json"]);
    run.expect_code(0);
    let acked = json_list(run.json());
    assert_eq!(acked.len(), 50);
    assert!(acked.iter().all(|i| i["status"] == "acknowledged"));
    let table = oncall.run(&["incidents"]);
    table.expect_code(0);
    assert!(
        table.stdout.contains("Incident 0 on api-0"),
        "{}",
        table.stdout
    );
    no_escapes(&table.all_output());
    assert!(!pd
        .requests()
        .iter()
        .any(|r| r.status == 406 || r.status == 401));
}

#[test]
fn ack_is_one_bulk_put_with_from_and_resolve_works() {
    let pd = PagerDutyStandin::start(TOKEN, 10);
    let oncall = pd_oncall(&pd);
    let (a, b) = (incident_at(0).id, incident_at(1).id);
    let run = oncall.run(&["ack", &a, &b]);
    run.expect_code(0);
    let puts: Vec<_> = pd
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 1, "{puts:#?}");
    assert_eq!(puts[0].header("from"), Some(ME_EMAIL));
    assert_eq!(pd.incident(&a).unwrap().status, "acknowledged");
    assert_eq!(pd.incident(&b).unwrap().status, "acknowledged");

    let run = oncall.run(&["ack", &a]);
    run.expect_code(0);
    let run = oncall.run(&["resolve", &a]);
    run.expect_code(0);
    assert_eq!(pd.incident(&a).unwrap().status, "resolved");
}

#[test]
fn who_shows_the_escalation_levels() {
    let pd = PagerDutyStandin::start(TOKEN, 1);
    let run = pd_oncall(&pd).run(&["who"]);
    run.expect_code(0);
    let (ada, bob, cy) = (
        run.stdout.find("Ada Oncall").expect("level 1"),
        run.stdout.find("Bob Second").expect("level 2"),
        run.stdout.find("Cy Manager").expect("level 3"),
    );
    assert!(
        ada < bob && bob < cy,
        "in escalation order:\n{}",
        run.stdout
    );
}

#[test]
fn pagerduty_token_never_appears_in_any_output() {
    let pd = PagerDutyStandin::start(TOKEN, 5);
    let oncall = pd_oncall(&pd);
    let mut outputs = Vec::new();
    for args in [
        &["incidents"][..],
        &["incidents", "--output", "json"],
        &["who"],
        &["ack", "P0000001"],
        &["config", "show"],
    ] {
        let run = oncall.run(args);
        outputs.push((args, run.all_output()));
    }
    let wrong = Oncall::new().pagerduty(&pd.url(), "u+wrong-token-also-secret", ME_EMAIL);
    let run = wrong.run(&["incidents"]);
    run.expect_code(1);
    assert!(
        run.stderr.to_lowercase().contains("token"),
        "names the fix: {}",
        run.stderr
    );
    outputs.push((&["incidents (wrong token)"][..], run.all_output()));
    for (args, out) in outputs {
        assert!(
            !out.contains(TOKEN) && !out.contains("wrong-token-also-secret"),
            "{args:?} printed a token:\n{out}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// config, usage, exit codes

#[test]
fn config_path_init_show() {
    let oncall = Oncall::new();
    let path = oncall.run(&["config", "path"]);
    path.expect_code(0);
    assert!(
        path.stdout.trim().ends_with("oncall/config.toml"),
        "{}",
        path.stdout
    );
    assert!(
        path.stdout.contains(oncall.home().to_str().unwrap()),
        "under the temp HOME: {}",
        path.stdout
    );
    oncall.run(&["config", "init"]).expect_code(0);
    assert!(oncall.config_path().is_file());
    let again = oncall.run(&["config", "init"]);
    assert_ne!(
        again.code, 0,
        "does not overwrite an existing config silently"
    );
    let show = Oncall::new()
        .alertmanager("http://127.0.0.1:9093")
        .pagerduty("http://127.0.0.1:1", TOKEN, ME_EMAIL)
        .run(&["config", "show"]);
    show.expect_code(0);
    assert!(
        show.stdout.contains("http://127.0.0.1:9093"),
        "{}",
        show.stdout
    );
    assert!(!show.stdout.contains(TOKEN));
}

#[test]
fn usage_and_config_errors_exit_2() {
    let oncall = Oncall::new();
    oncall.run(&["no-such-command"]).expect_code(2);
    oncall.run(&["alerts", "--output", "yaml"]).expect_code(2);
    let run = oncall.run(&["alerts"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("ONCALL_ALERTMANAGER_URL"),
        "no Alertmanager configured: says how\n{}",
        run.stderr
    );
    let run = Oncall::new().alertmanager("not a url").run(&["alerts"]);
    run.expect_code(2);
    let run = Oncall::new()
        .alertmanager("http://127.0.0.1:1")
        .run(&["alerts", "foo=~\"(\""]);
    run.expect_code(2);
    oncall.run(&["--help"]).expect_code(0);
    for cmd in [
        "alerts",
        "silence",
        "incidents",
        "ack",
        "resolve",
        "who",
        "config",
    ] {
        oncall.run(&[cmd, "--help"]).expect_code(0);
    }
}

#[test]
fn a_broken_config_file_names_file_line_and_key() {
    let oncall = Oncall::new();
    let path = oncall.write_config("current_context = \"prod\"\n\n[contexts.prod]\nalertmanagers = [{ url = \"http://127.0.0.1:9093\" }]\nno_such_key = 1\n");
    let run = oncall.run(&["alerts"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains(path.to_str().unwrap()),
        "names the file:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("no_such_key"),
        "names the key:\n{}",
        run.stderr
    );
    assert!(run.stderr.contains('5'), "names the line:\n{}", run.stderr);
}

#[test]
fn config_show_reports_the_backends_from_the_environment() {
    let (prom, am) = ("http://127.0.0.1:19090", "http://127.0.0.1:19093");
    let run = Oncall::new()
        .prometheus(prom)
        .alertmanager(am)
        .run(&["config", "show"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains(prom) && run.stdout.contains(am),
        "{}",
        run.stdout
    );
}

#[test]
fn alerts_from_several_alertmanagers_are_merged_by_fingerprint() {
    // Prometheus sends every alert to every Alertmanager; `oncall alerts` must show each once.
    let (a, b) = (Alertmanager::start(), Alertmanager::start());
    let shared = alert(&[("alertname", "Shared"), ("severity", "critical")], &[]);
    a.push(&[
        shared.clone(),
        alert(&[("alertname", "OnlyA"), ("severity", "warning")], &[]),
    ]);
    b.push(&[
        shared,
        alert(&[("alertname", "OnlyB"), ("severity", "warning")], &[]),
    ]);
    a.wait_for_alerts("silenced=false&inhibited=false", 2);
    b.wait_for_alerts("silenced=false&inhibited=false", 2);
    let run = Oncall::new()
        .alertmanager(&format!("{},{}", a.url(), b.url()))
        .run(&["alerts", "--output", "json"]);
    run.expect_code(0);
    let mut names: Vec<String> = json_list(run.json())
        .iter()
        .map(|x| x["labels"]["alertname"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["OnlyA", "OnlyB", "Shared"]);
}

#[test]
fn alerts_with_one_of_two_alertmanagers_down_still_lists_and_says_so() {
    let a = Alertmanager::start();
    a.push(&[alert(
        &[("alertname", "StillHere"), ("severity", "critical")],
        &[],
    )]);
    a.wait_for_alerts("silenced=false&inhibited=false", 1);
    let down = harness::faulty::refused_url();
    let run = Oncall::new()
        .alertmanager(&format!("{},{}", a.url(), down))
        .run(&["alerts"]);
    assert!(
        run.stdout.contains("StillHere"),
        "what one peer knows is shown:\n{}",
        run.all_output()
    );
    assert!(
        run.stderr.contains(&down),
        "the failing peer is named:\n{}",
        run.stderr
    );
}

#[test]
fn resolve_already_resolved_is_done_and_unknown_incident_fails() {
    let pd = PagerDutyStandin::start(TOKEN, 3);
    let oncall = pd_oncall(&pd);
    let id = incident_at(0).id;
    oncall.run(&["resolve", &id]).expect_code(0);
    oncall.run(&["resolve", &id]).expect_code(0);
    assert_eq!(pd.incident(&id).unwrap().status, "resolved");
    let run = oncall.run(&["ack", "PNOSUCH1"]);
    run.expect_code(1);
    assert!(
        run.all_output().contains("PNOSUCH1"),
        "{}",
        run.all_output()
    );
}

#[test]
fn login_on_a_host_without_a_keyring_names_the_other_token_sources() {
    let pd = PagerDutyStandin::start(TOKEN, 1);
    let run = Oncall::new()
        .env("ONCALL_PAGERDUTY_URL", &pd.url())
        .stdin(&format!("{TOKEN}\n"))
        .run(&["login", "pagerduty", "--no-verify"]);
    assert_ne!(run.code, 0, "without a keyring nothing can be stored");
    for source in ["ONCALL_PAGERDUTY_TOKEN", "token_file", "token_command"] {
        assert!(
            run.stderr.contains(source),
            "names `{source}`:\n{}",
            run.stderr
        );
    }
    assert!(!run.all_output().contains(TOKEN), "never echoes the token");
}

#[test]
fn completions_and_man_page() {
    let oncall = Oncall::new();
    for shell in ["bash", "zsh", "fish"] {
        let run = oncall.run(&["completions", shell]);
        run.expect_code(0);
        assert!(
            run.stdout.contains("silence"),
            "{shell} completion covers subcommands"
        );
    }
    let man = oncall.run(&["man"]);
    man.expect_code(0);
    assert!(man.stdout.contains(".TH"), "roff");
}

/// amtool's habit: `silence query -q` prints only IDs, so a pipe into `silence expire` expires
/// exactly the silences the filter selects; `-o wide` shows absolute times.
#[test]
fn silence_query_quiet_pipes_into_expire() {
    let am = Alertmanager::start();
    let oncall = Oncall::new().alertmanager(&am.url());
    let mut made = Vec::new();
    for (name, comment) in [("Foo", "one"), ("Foo", "two"), ("Bar", "three")] {
        let matcher = format!("alertname={name}");
        let run = oncall.run(&["silence", "add", &matcher, "-d", "1h", "-c", comment, "-y"]);
        run.expect_code(0);
        made.push((name, run.stdout.trim().to_string()));
    }
    let run = oncall.run(&["silence", "query", "-q", "alertname=Foo"]);
    run.expect_code(0);
    let mut ids: Vec<&str> = run.stdout.lines().collect();
    ids.sort();
    let mut foo: Vec<&str> = made
        .iter()
        .filter(|(n, _)| *n == "Foo")
        .map(|(_, id)| id.as_str())
        .collect();
    foo.sort();
    assert_eq!(ids, foo, "only IDs, one a line: {}", run.stdout);
    // `xargs oncall silence expire -y`
    let mut args = vec!["silence", "expire", "-y"];
    args.extend(ids.iter().copied());
    oncall.run(&args).expect_code(0);
    for (name, id) in &made {
        let state = am.silence(id)["status"]["state"].clone();
        let want = if *name == "Foo" { "expired" } else { "active" };
        assert_eq!(state, want, "{name} {id}");
    }
    let wide = oncall.run(&["silence", "ls", "-o", "wide"]);
    wide.expect_code(0);
    let year = chrono::Local::now().format("%Y-").to_string();
    assert!(
        wide.stdout.contains(&year),
        "absolute times: {}",
        wide.stdout
    );
}

#[test]
fn alerts_and_incidents_quiet_print_only_what_other_commands_take() {
    let am = busy_alertmanager();
    let pd = PagerDutyStandin::start(TOKEN, 3);
    let oncall = Oncall::new()
        .alertmanager(&am.url())
        .pagerduty(&pd.url(), TOKEN, ME_EMAIL);
    let alerts = oncall.run(&["alerts", "-q"]);
    alerts.expect_code(0);
    let fingerprints: Vec<&str> = alerts.stdout.lines().collect();
    assert!(!fingerprints.is_empty());
    assert!(
        fingerprints
            .iter()
            .all(|f| f.len() == 16 && f.chars().all(|c| c.is_ascii_hexdigit())),
        "{}",
        alerts.stdout
    );
    let incidents = oncall.run(&["incidents", "-q"]);
    incidents.expect_code(0);
    let mut numbers: Vec<u64> = incidents
        .stdout
        .lines()
        .map(|l| l.parse().expect("a number a line"))
        .collect();
    numbers.sort();
    assert_eq!(numbers, [1, 2, 3], "{}", incidents.stdout);
    // What `incidents -q` prints, `ack` takes.
    oncall.run(&["ack", "1", "2"]).expect_code(0);
}

/// `oncall man DIR` writes a page per command, and every page any of them refers to
/// (`oncall-silence-add(1)`) is among them, as is every page `oncall man` prints a reference to.
#[test]
fn man_pages_exist_for_every_page_referred_to() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("man1");
    let run = Oncall::new().run(&["man", &out.display().to_string()]);
    run.expect_code(0);
    let pages: Vec<String> = std::fs::read_dir(&out)
        .expect("the directory was made")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    assert!(pages.len() > 20, "{pages:?}");
    let printed = Oncall::new().run(&["man"]);
    printed.expect_code(0);
    let mut texts = vec![printed.stdout.clone()];
    for p in &pages {
        texts.push(std::fs::read_to_string(out.join(p)).expect("page"));
    }
    for text in &texts {
        let text = text.replace("\\-", "-");
        for (at, _) in text.match_indices("(1)") {
            let start = text[..at]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .map_or(0, |i| i + 1);
            let name = &text[start..at];
            if name.starts_with("oncall") {
                assert!(
                    pages.contains(&format!("{name}.1")),
                    "{name}(1) is referred to but not written: {pages:?}"
                );
            }
        }
    }
}

/// `silence add` when a silence with the same matchers already covers the window: warned,
/// and a script without --yes makes none (exit 2); --yes makes the second one on purpose.
#[test]
fn silence_add_asks_before_a_second_identical_silence() {
    let am = busy_alertmanager();
    let oncall = Oncall::new().alertmanager(&am.url());
    let add = |comment: &str, yes: bool| {
        let mut args = vec![
            "silence",
            "add",
            "alertname=TwinTest",
            "job=api",
            "--duration",
            "1h",
            "--comment",
            comment,
        ];
        if yes {
            args.push("--yes");
        }
        oncall.run(&args)
    };
    add("CHG-1: first", true).expect_code(0);
    let before = am.silences().len();
    let second = add("CHG-2: someone else, same thing", false);
    second.expect_code(2);
    assert!(
        second.stderr.contains("identical silence") && second.stderr.contains("--yes"),
        "{}",
        second.stderr
    );
    assert_eq!(am.silences().len(), before, "nothing was made");
    add("CHG-2: on purpose", true).expect_code(0);
    assert_eq!(am.silences().len(), before + 1);
}

/// A weekly maintenance window four times over, against the real Alertmanager: four pending
/// silences a week apart at the same clock time, tagged as one series, listed together, and
/// expired together with `--series`.
#[test]
fn silence_add_repeat_weekly_makes_a_series_expired_together() {
    let am = busy_alertmanager();
    let oncall = Oncall::new().alertmanager(&am.url());
    let before = am.silences().len();
    let run = oncall.run(&[
        "silence",
        "add",
        "alertname=NodeMaintenance",
        "cluster=eu",
        "--start",
        "sat 02:00",
        "--end",
        "sat 04:00",
        "--repeat",
        "weekly",
        "--count",
        "4",
        "--comment",
        "CHG-9 kernel patching",
        "--yes",
    ]);
    run.expect_code(0);
    let ids: Vec<String> = run.stdout.lines().map(str::to_string).collect();
    assert_eq!(ids.len(), 4, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("Repeats: 4 windows"), "{}", run.stderr);
    let made: Vec<serde_json::Value> = ids.iter().map(|id| am.silence(id)).collect();
    let starts: Vec<chrono::DateTime<Utc>> = made.iter().map(|s| time(&s["startsAt"])).collect();
    for pair in starts.windows(2) {
        assert_eq!(pair[1] - pair[0], ChronoDuration::days(7));
    }
    for (k, s) in made.iter().enumerate() {
        assert_eq!(s["status"]["state"], "pending");
        assert_eq!(
            time(&s["endsAt"]) - time(&s["startsAt"]),
            ChronoDuration::hours(2)
        );
        let comment = s["comment"].as_str().unwrap_or("");
        assert!(
            comment.starts_with("CHG-9 kernel patching [weekly ")
                && comment.contains(&format!("{}/4 · series", k + 1)),
            "{comment}"
        );
    }
    // Listed together, in order.
    let ls = oncall.run(&["silence", "ls", "-q", "alertname=NodeMaintenance"]);
    ls.expect_code(0);
    let listed: Vec<&str> = ls.stdout.lines().collect();
    assert_eq!(listed, ids.iter().map(String::as_str).collect::<Vec<_>>());
    // Expired together from any one of them.
    let expire = oncall.run(&["silence", "expire", "--series", "-y", &ids[2]]);
    expire.expect_code(0);
    for id in &ids {
        assert_eq!(am.silence(id)["status"]["state"], "expired", "{id}");
    }
    assert_eq!(am.silences().len(), before + 4);
}

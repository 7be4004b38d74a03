//! Read-only sessions, run as the built binary against the real Alertmanager and the
//! PagerDuty stand-in: `--readonly`, `ONCALL_READONLY=1` and a context's `readonly = true`
//! make every write command exit 2 with a message naming where read-only came from and how
//! to lift it, and nothing reaches the server; `silence add --dry-run` still previews.

use crate::harness;

use harness::alertmanager::silence_noisy;
use harness::pagerduty::{incident_at, ME_EMAIL};
use harness::{alert, Alertmanager, Oncall, PagerDutyStandin};

const TOKEN: &str = "u+readonly-token";

const ADD: [&str; 7] = [
    "silence",
    "add",
    "alertname=DiskFull",
    "--duration",
    "1h",
    "--comment",
    "CHG-1: disk swap",
];

fn firing() -> Alertmanager {
    let am = Alertmanager::start();
    am.push(&[alert(
        &[("alertname", "DiskFull"), ("severity", "critical")],
        &[],
    )]);
    am.wait_for_alerts("active=true", 1);
    am
}

fn with(args: &[&str], extra: &[&'static str]) -> Vec<String> {
    args.iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
}

fn run(oncall: &Oncall, args: Vec<String>) -> harness::cli::Run {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    oncall.run(&refs)
}

#[test]
fn the_flag_refuses_silence_add_and_nothing_is_created_but_a_dry_run_previews() {
    let am = firing();
    let oncall = Oncall::new().alertmanager(&am.url());

    let refused = run(&oncall, with(&["--readonly"], &ADD));
    refused.expect_code(2);
    assert!(
        refused
            .stderr
            .contains("read-only session (--readonly was given)")
            && refused.stderr.contains("silences are not created")
            && refused.stderr.contains("start without --readonly"),
        "{}",
        refused.stderr
    );
    assert!(am.silences().is_empty(), "{:?}", am.silences());

    let dry = run(
        &oncall,
        with(&["--readonly"], &ADD)
            .into_iter()
            .chain(["--dry-run".to_string()])
            .collect(),
    );
    dry.expect_code(0);
    assert!(
        dry.stdout.contains("dry run, nothing is created") && dry.stdout.contains("DiskFull"),
        "{}",
        dry.stdout
    );
    assert!(am.silences().is_empty(), "{:?}", am.silences());
}

#[test]
fn the_environment_refuses_expire_and_extend_and_the_silence_is_untouched() {
    let am = firing();
    let id = silence_noisy(&am);
    let before = am.silence(&id);
    let oncall = Oncall::new()
        .alertmanager(&am.url())
        .env("ONCALL_READONLY", "1");
    for args in [
        vec!["silence", "expire", id.as_str()],
        vec!["silence", "extend", id.as_str(), "--duration", "1h"],
    ] {
        let r = oncall.run(&args);
        r.expect_code(2);
        assert!(
            r.stderr
                .contains("the environment variable ONCALL_READONLY is set")
                && r.stderr.contains("unset ONCALL_READONLY"),
            "{args:?}: {}",
            r.stderr
        );
    }
    let after = am.silence(&id);
    assert_eq!(after["status"]["state"], "active");
    assert_eq!(after["endsAt"], before["endsAt"]);
    assert_eq!(am.silences().len(), 1);

    let bad = Oncall::new()
        .alertmanager(&am.url())
        .env("ONCALL_READONLY", "maybe")
        .run(&["silence", "expire", &id]);
    bad.expect_code(2);
    assert!(
        bad.stderr.contains("environment variable ONCALL_READONLY"),
        "{}",
        bad.stderr
    );
}

#[test]
fn a_read_only_context_is_named_with_its_file_and_line() {
    let am = firing();
    let oncall = Oncall::new();
    let path = oncall.write_config(&format!(
        "current_context = \"prod\"\n\n[contexts.prod]\nreadonly = true\n\n\
         [contexts.prod.alertmanagers]\nurl = \"{}\"\n\n\
         [contexts.staging.alertmanagers]\nurl = \"{}\"\n",
        am.url(),
        am.url()
    ));

    let refused = oncall.run(&ADD);
    refused.expect_code(2);
    let at = format!("{}:4:", path.display());
    assert!(
        refused
            .stderr
            .contains("the context `prod` sets readonly = true at ")
            && refused.stderr.contains(&at)
            && refused
                .stderr
                .contains("set readonly = false in [contexts.prod]"),
        "{}",
        refused.stderr
    );
    assert!(am.silences().is_empty(), "{:?}", am.silences());

    let dry = run(&oncall, with(&ADD, &["--dry-run"]));
    dry.expect_code(0);
    assert!(am.silences().is_empty());

    // Another context of the same file may write.
    let staging = run(&oncall, with(&["--context", "staging"], &ADD));
    staging.expect_code(0);
    assert_eq!(am.silences().len(), 1);

    let show = oncall.run(&["config", "show", "--output", "json"]);
    show.expect_code(0);
    let v = show.json();
    assert_eq!(v["readonly"], true, "{v}");
    assert_eq!(v["readonly_source"], "context prod", "{v}");
}

#[test]
fn ack_and_resolve_refuse_before_any_request() {
    let pd = PagerDutyStandin::start(TOKEN, 2);
    let oncall = Oncall::new().pagerduty(&pd.url(), TOKEN, ME_EMAIL);
    let id = incident_at(0).id;
    let before = pd.incident(&id).map(|i| i.status);
    for (command, what) in [
        ("ack", "incidents are not acknowledged"),
        ("resolve", "incidents are not resolved"),
    ] {
        let r = oncall.run(&["--readonly", command, &id]);
        r.expect_code(2);
        assert!(r.stderr.contains(what), "{command}: {}", r.stderr);
    }
    assert!(pd.requests().is_empty(), "{:#?}", pd.requests());
    assert_eq!(pd.incident(&id).map(|i| i.status), before);
}

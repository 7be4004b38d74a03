//! The incident log: entries round-trip through the file, `--since` filters, bad lines are
//! skipped, and `oncall log` prints the postmortem timeline.

use std::process::Command;

use chrono::{Duration, Utc};
use oncall::journal::{Entry, Journal, Kind, DEMO_FILE_NAME, FILE_NAME};

fn step_entry(minutes_ago: i64) -> Entry {
    let mut e = Entry::now(Kind::RunbookStep, "alice", "prod", "ServiceDown step 3");
    e.started = Utc::now() - Duration::minutes(minutes_ago);
    e.ended = e.started + Duration::seconds(4);
    e.argv = Some(vec!["kubectl".into(), "get".into(), "pods".into()]);
    e.exit_status = Some(1);
    e.detail = "List the pods behind the job.".into();
    e
}

#[test]
fn entries_round_trip_and_since_filters() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::at(dir.path().join("nested").join(FILE_NAME));
    let old = step_entry(180);
    let mut ack = Entry::now(Kind::Ack, "alice", "prod", "P1, P2");
    ack.error = Some("P3: not found".into());
    journal.append(&old).unwrap();
    journal.append(&ack).unwrap();

    let all = journal.read(None).unwrap();
    assert_eq!(all.entries, vec![old.clone(), ack.clone()]);
    assert_eq!(all.skipped, 0);
    let recent = journal.read(Some(Utc::now() - Duration::hours(2))).unwrap();
    assert_eq!(recent.entries, vec![ack]);
}

#[test]
fn a_torn_or_foreign_line_is_skipped_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let journal = Journal::at(&path);
    journal.append(&step_entry(1)).unwrap();
    std::fs::write(
        &path,
        format!(
            "{}{{\"kind\":\"ack\",\"sta\n",
            std::fs::read_to_string(&path).unwrap()
        ),
    )
    .unwrap();
    journal.append(&step_entry(0)).unwrap();
    let read = journal.read(None).unwrap();
    assert_eq!(read.entries.len(), 2);
    assert_eq!(read.skipped, 1);
}

#[test]
fn a_missing_log_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let read = Journal::at(dir.path().join(FILE_NAME)).read(None).unwrap();
    assert!(read.entries.is_empty());
}

#[test]
fn oncall_log_prints_the_timeline_from_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::at(dir.path().join(FILE_NAME));
    journal.append(&step_entry(300)).unwrap();
    journal
        .append(&Entry::now(Kind::Silence, "bob", "staging", "4f2a"))
        .unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_oncall"))
            .args(args)
            .env("ONCALL_DATA_DIR", dir.path())
            .env("ONCALL_CONFIG", dir.path().join("none.toml"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let md = run(&["log", "--markdown"]);
    assert!(md.starts_with("# Incident Postmortem"), "{md}");
    assert!(md.contains("## Timeline\n"), "{md}");
    assert!(
        md.contains("Ran ServiceDown step 3: `kubectl get pods`"),
        "{md}"
    );
    assert!(md.contains("Silenced 4f2a [bob@staging]"), "{md}");
    let recent = run(&["log", "--since", "1h"]);
    assert!(recent.contains("Silenced 4f2a"), "{recent}");
    assert!(!recent.contains("ServiceDown"), "{recent}");
    let json: Vec<serde_json::Value> = serde_json::from_str(&run(&["log", "-o", "json"])).unwrap();
    assert_eq!(json.len(), 2);
}

#[test]
fn silence_and_ack_from_the_cli_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let oncall = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_oncall"))
            .args(args)
            .env("ONCALL_DATA_DIR", dir.path())
            .env("ONCALL_CONFIG", dir.path().join("none.toml"))
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let silence_id = oncall(&[
        "--demo",
        "silence",
        "add",
        "ServiceDown",
        "-d",
        "1h",
        "-c",
        "INC-7",
        "--yes",
    ]);
    let incidents: serde_json::Value =
        serde_json::from_str(&oncall(&["--demo", "-o", "json", "incidents"])).unwrap();
    let incident = incidents
        .as_array()
        .and_then(|a| a.first())
        .or_else(|| incidents["incidents"].as_array().and_then(|a| a.first()))
        .and_then(|i| i["id"].as_str())
        .unwrap()
        .to_string();
    oncall(&["--demo", "ack", &incident]);

    // The demo logs apart: the real log stays empty.
    assert!(!dir.path().join(FILE_NAME).exists());
    let read = Journal::at(dir.path().join(DEMO_FILE_NAME))
        .read(None)
        .unwrap();
    let kinds: Vec<Kind> = read.entries.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [Kind::Silence, Kind::Ack]);
    assert_eq!(read.entries[0].target, silence_id.trim());
    assert!(read.entries[0].detail.contains("INC-7"));
    assert_eq!(read.entries[1].target, incident);
    assert_eq!(read.entries[1].context, "demo");
}

#[test]
fn oncall_log_prints_steps_run_in_the_pane_with_how_they_ended() {
    use oncall::pty::Exit;
    use oncall::tui::runtime::incident_log::{step_entry, StepRun};

    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::at(dir.path().join(FILE_NAME));
    let started = Utc::now() - Duration::minutes(3);
    let argv = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
    let (df, sleep) = (argv(&["df", "-h", "/"]), argv(&["sleep", "1000"]));
    let ended = |code, signal: Option<&str>| Exit {
        code,
        signal: signal.map(str::to_string),
    };
    for (argv, exit) in [(&df, ended(0, None)), (&sleep, ended(1, Some("Killed")))] {
        let run = StepRun {
            alertname: "DiskSpaceLow",
            title: "disk-space-low.md step 1",
            argv,
            exit: &exit,
            started,
            ended: started + Duration::seconds(5),
        };
        journal.append(&step_entry(run, "alice", "prod")).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_oncall"))
        .args(["log"])
        .env("ONCALL_DATA_DIR", dir.path())
        .env("ONCALL_CONFIG", dir.path().join("none.toml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "Ran DiskSpaceLow: `df -h /` (disk-space-low.md step 1), exit 0 [alice@prod]"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "Ran DiskSpaceLow: `sleep 1000` (disk-space-low.md step 1), failed: killed by signal 9 [alice@prod]"
        ),
        "{text}"
    );
}

//! Working an incident from the command line against the PagerDuty stand-in: `oncall note`
//! and `oncall snooze` send exactly the documented requests (`From`, JSON bodies), take an
//! incident by number, say what PagerDuty refused and why, and go to the incident log.

use crate::harness;

use harness::pagerduty::ME_EMAIL;
use harness::{Oncall, PagerDutyStandin};

const TOKEN: &str = "u+work-token-1234";

fn oncall(pd: &PagerDutyStandin) -> Oncall {
    Oncall::new().pagerduty(&pd.url(), TOKEN, ME_EMAIL)
}

#[test]
fn note_by_number_is_one_post_with_from_and_is_logged() {
    let pd = PagerDutyStandin::start(TOKEN, 5);
    let cli = oncall(&pd);
    let run = cli.run(&[
        "note",
        "#2",
        "rolled back to v1.4.2, error rate falling",
        "-y",
    ]);
    run.expect_code(0);
    let notes = pd.notes("P0000002");
    assert_eq!(notes.len(), 1);
    assert_eq!(
        notes[0].content,
        "rolled back to v1.4.2, error rate falling"
    );
    let posts: Vec<_> = pd
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0].path, "/incidents/P0000002/notes");
    assert_eq!(posts[0].header("from"), Some(ME_EMAIL));
    assert_eq!(
        posts[0].json(),
        serde_json::json!({"note": {"content": "rolled back to v1.4.2, error rate falling"}})
    );
    let log = cli.run(&["log", "-o", "json"]).json();
    let entry = log
        .as_array()
        .and_then(|a| a.iter().find(|e| e["kind"] == "note"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(entry["target"], "P0000002", "{log}");
    assert!(
        entry["detail"]
            .as_str()
            .unwrap_or("")
            .contains("rolled back"),
        "{log}"
    );
    // Nothing to say: refused before any request.
    let empty = cli.run(&["note", "2", " ", "-y"]);
    empty.expect_code(2);
    assert_eq!(pd.notes("P0000002").len(), 1);
}

#[test]
fn snooze_takes_acknowledged_incidents_and_says_why_not_otherwise() {
    let pd = PagerDutyStandin::start(TOKEN, 5);
    let cli = oncall(&pd);
    // The stand-in's fifth incident is acknowledged, the first triggered.
    let ok = cli.run(&["snooze", "5", "--for", "1h", "-y"]);
    ok.expect_code(0);
    assert_eq!(pd.snoozed(), ["P0000005"]);
    let post = pd
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("the snooze");
    assert_eq!(post.path, "/incidents/P0000005/snooze");
    assert_eq!(post.json(), serde_json::json!({"duration": 3600}));
    assert_eq!(post.header("from"), Some(ME_EMAIL));
    let triggered = cli.run(&["snooze", "1", "--for", "1h", "-y"]);
    triggered.expect_code(1);
    assert!(
        triggered.stderr.contains("acknowledged incidents only")
            && triggered.stderr.contains("oncall ack"),
        "{}",
        triggered.stderr
    );
    let week = cli.run(&["snooze", "5", "--for", "8d", "-y"]);
    week.expect_code(2);
    assert_eq!(pd.snoozed().len(), 1);
}

#[test]
fn timeline_merges_pagerdutys_log_entries_with_what_was_done_here() {
    let pd = PagerDutyStandin::start(TOKEN, 5);
    pd.set_escalations("P0000003", 120);
    let cli = oncall(&pd);
    cli.run(&["note", "3", "checked the disks", "-y"])
        .expect_code(0);
    let run = cli.run(&["timeline", "#3", "-o", "json"]);
    run.expect_code(0);
    let events = run.json();
    let events = events.as_array().expect("a list");
    // trigger, assign, 120 escalations (two pages), the note's annotate entry, our note.
    let pagerduty = events.iter().filter(|e| e["source"] == "pagerduty").count();
    assert_eq!(pagerduty, 123, "every page was read");
    assert!(events
        .iter()
        .any(|e| e["source"] == "pagerduty" && e["kind"] == "annotate"));
    assert!(events.iter().any(|e| e["source"] == "oncall"
        && e["kind"] == "note"
        && e["what"]
            .as_str()
            .unwrap_or("")
            .contains("checked the disks")));
    let times: Vec<chrono::DateTime<chrono::Utc>> = events
        .iter()
        .filter_map(|e| e["at"].as_str()?.parse().ok())
        .collect();
    assert_eq!(times.len(), events.len());
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    let table = cli.run(&["timeline", "3"]);
    table.expect_code(0);
    assert!(
        table.stdout.contains("annotate") && table.stdout.contains("oncall"),
        "{}",
        table.stdout
    );
}

#[test]
fn escalate_is_one_put_with_the_level_and_from() {
    let pd = PagerDutyStandin::start(TOKEN, 5);
    let cli = oncall(&pd);
    let run = cli.run(&["escalate", "#2", "--level", "2", "-y"]);
    run.expect_code(0);
    assert_eq!(pd.escalated(), [("P0000002".to_string(), 2)]);
    let put = pd
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .expect("the escalation");
    assert_eq!(put.path, "/incidents/P0000002");
    assert_eq!(
        put.json(),
        serde_json::json!({"incident": {"type": "incident_reference", "escalation_level": 2}})
    );
    assert_eq!(put.header("from"), Some(ME_EMAIL));
    // A level the policy does not have: PagerDuty's 400, said.
    let four = cli.run(&["escalate", "2", "--level", "4", "-y"]);
    four.expect_code(1);
    assert!(four.stderr.contains("escalation_level"), "{}", four.stderr);
    let log = cli.run(&["log", "-o", "json"]).json();
    assert!(
        log.as_array()
            .is_some_and(|a| a.iter().any(|e| e["kind"] == "escalate")),
        "{log}"
    );
}

//! `update` tests of the runbook beside an alert: opening it loads the captured alert's
//! runbook, late answers are dropped, steps are selected and planned with the captured
//! labels, hostile values stop at the status line, and only `y` sends a step to the pane.

use std::collections::BTreeMap;

use crossterm::event::KeyCode;

use crate::model::Alert;
use crate::runbooks::{parse, Found, LoadError, Loaded, Origin};
use crate::tui::action::{Action, Effect, PaneRequest};
use crate::tui::app::runbook::RunbookLoad;
use crate::tui::app::test_fixtures::{answer_alerts, options, press, started, Backends, NOW};
use crate::tui::app::{App, Overlay};
use crate::tui::keymap::Mode;

const MARKDOWN: &str = "# ServiceDown\n\n## Meaning\n\nThe target is down.\n\n\
## Diagnosis\n\n1. Ask it for its metrics.\n\n```sh\ncurl -s http://$instance/metrics\n```\n\n\
2. Read the last log lines.\n\n```sh\njournalctl -u $job | tail -n 50\n```\n\n\
## Mitigation\n\n- Restart it.\n\n```sh\nsystemctl restart $job\n```\n";

fn app_sized(width: u16, height: u16) -> App {
    let mut opts = options(Backends {
        alertmanager: true,
        ..Backends::default()
    });
    opts.width = width;
    opts.height = height;
    started(opts)
}

fn app() -> App {
    app_sized(160, 48)
}

fn alert(name: &str, fingerprint: &str, instance: &str, job: &str) -> Alert {
    serde_json::from_value(serde_json::json!({
        "labels": {"alertname": name, "severity": "critical", "instance": instance, "job": job},
        "annotations": {"summary": format!("{name} on {instance}")},
        "fingerprint": fingerprint,
        "startsAt": "2026-01-15T11:50:00Z", "updatedAt": "2026-01-15T11:50:00Z",
        "endsAt": "2026-01-15T13:00:00Z",
        "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}
    }))
    .expect("alert")
}

fn key(a: &mut App, c: char) -> Vec<Effect> {
    press(a, KeyCode::Char(c))
}

fn answer(a: &mut App, alerts: Vec<Alert>) {
    answer_alerts(a, alerts);
}

fn loaded() -> Loaded {
    Loaded {
        found: Found {
            origin: Origin::Shipped {
                stem: "service-down".into(),
            },
            markdown: MARKDOWN.into(),
        },
        runbook: parse(MARKDOWN).unwrap(),
        unfetched: None,
    }
}

/// The alerts view, flat, with two alerts, the cursor on `second`.
fn on_second_alert(second_instance: &str) -> App {
    let mut a = app();
    key(&mut a, '8');
    key(&mut a, 'g');
    answer(
        &mut a,
        vec![
            alert("ServiceDown", "a", "web-1:9100", "node"),
            alert("ServiceDown", "b", second_instance, "api"),
        ],
    );
    key(&mut a, 'j');
    assert_eq!(
        a.triage
            .selected_entry()
            .map(|e| e.alert.fingerprint.as_str()),
        Some("b")
    );
    a
}

/// `r`, then the loader's answer.
fn open(a: &mut App) {
    let fx = key(a, 'r');
    let generation = match fx.as_slice() {
        [Effect::LoadRunbook { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    a.update(
        Action::RunbookLoaded {
            generation,
            result: Ok(loaded()),
        },
        NOW,
    );
}

#[test]
fn r_loads_the_runbook_of_the_selected_alert_with_its_labels() {
    let mut a = on_second_alert("10.0.0.7:8080");
    let fx = key(&mut a, 'r');
    let labels: BTreeMap<String, String> = [
        ("alertname", "ServiceDown"),
        ("instance", "10.0.0.7:8080"),
        ("job", "api"),
        ("severity", "critical"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    match fx.as_slice() {
        [Effect::LoadRunbook {
            generation: 1,
            alertname,
            labels: sent,
            annotations,
        }] => {
            assert_eq!(alertname, "ServiceDown");
            assert_eq!(sent, &labels);
            assert_eq!(annotations["summary"], "ServiceDown on 10.0.0.7:8080");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(a.mode(), Mode::Runbook);
    let open = a.runbook.open.as_ref().unwrap();
    assert!(matches!(open.load, RunbookLoad::Loading));
    // The alert's labels, with the context's URLs for `${prometheus_url}` steps.
    assert_eq!(
        open.labels,
        crate::runbooks::context_urls::with_context_urls(labels, &Default::default())
    );
}

#[test]
fn r_refreshes_where_there_are_no_alerts() {
    let mut a = app();
    key(&mut a, '9');
    let before = a.triage.generation;
    let fx = key(&mut a, 'r');
    assert!(
        matches!(fx.as_slice(), [Effect::FetchAlerts { generation }] if *generation == before + 1),
        "{fx:?}"
    );
    assert!(a.runbook.open.is_none());
}

#[test]
fn late_and_older_answers_are_dropped() {
    let mut a = on_second_alert("10.0.0.7:8080");
    key(&mut a, 'r'); // generation 1
    press(&mut a, KeyCode::Esc);
    assert!(a.runbook.open.is_none());
    assert_eq!(a.mode(), Mode::List);
    key(&mut a, 'k');
    key(&mut a, 'r'); // generation 2, for the first alert
    let older = Action::RunbookLoaded {
        generation: 1,
        result: Ok(loaded()),
    };
    a.update(older.clone(), NOW);
    let open = a.runbook.open.as_ref().unwrap();
    assert!(
        matches!(open.load, RunbookLoad::Loading),
        "the older answer is dropped"
    );
    assert_eq!(open.labels["instance"], "web-1:9100");
    a.update(
        Action::RunbookLoaded {
            generation: 2,
            result: Err(LoadError::Interrupted),
        },
        NOW,
    );
    assert!(matches!(
        a.runbook.open.as_ref().unwrap().load,
        RunbookLoad::Failed(LoadError::Interrupted)
    ));
    // Closed: even the current generation's answer has nowhere to go.
    press(&mut a, KeyCode::Esc);
    a.update(
        Action::RunbookLoaded {
            generation: 2,
            result: Ok(loaded()),
        },
        NOW,
    );
    assert!(a.runbook.open.is_none());
}

#[test]
fn n_and_p_select_steps_and_scroll_them_into_view() {
    // A short terminal so the last step starts below the fold.
    let mut a = app_sized(160, 14);
    key(&mut a, '8');
    key(&mut a, 'g');
    answer(
        &mut a,
        vec![alert("ServiceDown", "a", "web-1:9100", "node")],
    );
    open(&mut a);
    let selected = |a: &App| a.runbook.open.as_ref().unwrap().selected;
    let scroll = |a: &App| a.runbook.open.as_ref().unwrap().scroll;
    assert_eq!(selected(&a), None, "no step is selected when loaded");
    assert_eq!(scroll(&a), 0);
    key(&mut a, 'x');
    assert!(a.overlay.is_none(), "x without a step only says so");
    assert!(a.message.as_ref().unwrap().text.contains("select a step"));
    key(&mut a, 'n');
    assert_eq!(selected(&a), Some(1));
    key(&mut a, 'n');
    key(&mut a, 'n');
    assert_eq!(selected(&a), Some(3));
    key(&mut a, 'n');
    assert_eq!(selected(&a), Some(3), "stays on the last step");
    let height = usize::from(a.runbook_text_area().height);
    let rendered = a
        .runbook
        .open
        .as_ref()
        .unwrap()
        .layout(a.runbook_text_area().width, &Default::default(), &a.prefs)
        .unwrap();
    let line = rendered.steps[2].start;
    assert!(line >= height, "the test needs step 3 below the fold");
    assert!(
        (scroll(&a)..scroll(&a) + height).contains(&line),
        "step 3 (line {line}) is in view from {}",
        scroll(&a)
    );
    key(&mut a, 'p');
    key(&mut a, 'p');
    key(&mut a, 'p');
    assert_eq!(selected(&a), Some(1));
    assert!(scroll(&a) <= rendered.steps[0].start);
    // j/k scroll a line, home/end the ends; the list's cursor does not move meanwhile.
    press(&mut a, KeyCode::End);
    assert_eq!(scroll(&a), rendered.lines.len() - height);
    press(&mut a, KeyCode::Home);
    assert_eq!(scroll(&a), 0);
    key(&mut a, 'j');
    assert_eq!(scroll(&a), 1);
    assert_eq!(a.triage.alerts_list.selected, 0);
}

#[test]
fn hostile_label_values_are_refused_with_the_reason_and_nothing_runs() {
    for (value, reason) in [
        ("; touch X", "does not match the allowed pattern"),
        ("--kubeconfig=/x", "starts with `-`"),
        ("web-1\nrm -rf /", "line break"),
    ] {
        let mut a = on_second_alert(value);
        open(&mut a);
        key(&mut a, 'n');
        let fx = key(&mut a, 'x');
        assert!(fx.is_empty(), "{value:?}: {fx:?}");
        assert!(a.overlay.is_none(), "{value:?}: no confirmation");
        let message = a.message.as_ref().expect("a message");
        assert!(message.error, "{value:?}");
        assert!(message.text.contains("`instance`"), "{}", message.text);
        assert!(message.text.contains(reason), "{}", message.text);
        assert!(!message.text.contains('\n'), "{}", message.text);
    }
}

#[test]
fn x_shows_the_argv_and_only_y_sends_exactly_that_plan() {
    let mut a = on_second_alert("10.0.0.7:8080");
    open(&mut a);
    key(&mut a, 'n');
    assert!(key(&mut a, 'x').is_empty());
    let confirm = match &a.overlay {
        Some(Overlay::ConfirmRun(c)) => c.as_ref().clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        confirm.plan.argv,
        vec!["curl", "-s", "http://10.0.0.7:8080/metrics"]
    );
    assert!(!confirm.plan.shell);
    assert!(
        confirm
            .lines
            .iter()
            .any(|l| l.contains("curl -s http://10.0.0.7:8080/metrics")),
        "{:?}",
        confirm.lines
    );
    assert_eq!(confirm.title, "service-down.md step 1");

    // n, Esc and any other key cancel without an effect.
    for cancel in [KeyCode::Char('n'), KeyCode::Esc, KeyCode::Char('x')] {
        a.overlay = Some(Overlay::ConfirmRun(Box::new(confirm.clone())));
        assert!(press(&mut a, cancel).is_empty(), "{cancel:?}");
        assert!(a.overlay.is_none(), "{cancel:?}");
    }

    a.overlay = Some(Overlay::ConfirmRun(Box::new(confirm.clone())));
    let fx = key(&mut a, 'y');
    assert_eq!(
        fx,
        vec![Effect::RunInPane(PaneRequest::Step {
            plan: confirm.plan.clone(),
            title: "service-down.md step 1".into(),
            alertname: "ServiceDown".into(),
        })]
    );
    assert!(a.overlay.is_none());
}

#[test]
fn a_shell_step_shows_its_environment() {
    let mut a = on_second_alert("10.0.0.7:8080");
    open(&mut a);
    key(&mut a, 'n');
    key(&mut a, 'n');
    key(&mut a, 'x');
    let Some(Overlay::ConfirmRun(c)) = &a.overlay else {
        panic!("{:?}", a.overlay)
    };
    assert!(c.plan.shell);
    assert_eq!(c.plan.argv[..2], ["sh".to_string(), "-c".to_string()]);
    assert!(c.lines.iter().any(|l| l.contains("sh -c")), "{:?}", c.lines);
    assert!(
        c.lines.iter().any(|l| l.contains("ONCALL_LABEL_job=api")),
        "{:?}",
        c.lines
    );
}

#[test]
fn the_runbook_stays_bound_to_the_alert_it_was_opened_for() {
    let mut a = on_second_alert("10.0.0.7:8080");
    open(&mut a);
    // The list refreshes: the alert is gone and another one sits under the cursor.
    answer(&mut a, vec![alert("ServiceDown", "c", "db-9:5432", "db")]);
    assert_eq!(
        a.triage
            .selected_entry()
            .map(|e| e.alert.fingerprint.as_str()),
        Some("c")
    );
    key(&mut a, 'n');
    key(&mut a, 'x');
    let Some(Overlay::ConfirmRun(c)) = &a.overlay else {
        panic!("{:?}", a.overlay)
    };
    assert_eq!(c.plan.argv[2], "http://10.0.0.7:8080/metrics");
    let open = a.runbook.open.as_ref().unwrap();
    assert_eq!(open.labels["job"], "api");
}

#[test]
fn u_offers_the_link_that_was_not_fetched() {
    let mut a = on_second_alert("10.0.0.7:8080");
    let fx = key(&mut a, 'r');
    let [Effect::LoadRunbook { generation, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let url = url::Url::parse("https://wiki.example.com/rb/service-down").unwrap();
    a.update(
        Action::RunbookLoaded {
            generation: *generation,
            result: Err(LoadError::NotAllowed {
                key: "runbook_url".into(),
                url: url.clone(),
            }),
        },
        NOW,
    );
    assert!(key(&mut a, 'u').is_empty(), "no OSC 52 unless enabled");
    let text = &a.message.as_ref().unwrap().text;
    assert!(text.contains(url.as_str()), "{text}");
    a.prefs.osc52 = true;
    assert_eq!(key(&mut a, 'u'), vec![Effect::Copy(url.to_string())]);
}

#[test]
fn the_help_and_the_status_line_list_the_runbook_keys() {
    let mut a = on_second_alert("10.0.0.7:8080");
    open(&mut a);
    let help: Vec<String> = crate::tui::view::overlay::help_lines(&a)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    let at = help
        .iter()
        .position(|l| l.starts_with("Runbook"))
        .expect("a runbook section");
    let section = help[at..].join("\n");
    assert!(section.contains("n "), "{section}");
    assert!(section.contains("Run the selected step"), "{section}");
    assert!(help
        .iter()
        .any(|l| l.contains("r ") && l.contains("where there are no alerts: refresh")));
    let hints = crate::tui::view::status::hints(&a, a.mode());
    assert!(hints.contains(&("np".to_string(), "step")), "{hints:?}");
    assert!(hints.contains(&("x".to_string(), "run")), "{hints:?}");
}

#[test]
fn n_scrolls_a_wrapped_step_and_its_notes_wholly_into_view() {
    // The last step wraps over several rows at this width and has a note under it (its
    // `pod` label is missing): `n` must bring every one of those rows on screen.
    let markdown = format!(
        "# ServiceDown\n\n## Meaning\n\n{}\n\n## Diagnosis\n\n1. Look.\n\n```sh\nid\n```\n\n\
         2. Then this.\n\n```sh\ncurl -s http://prometheus:9090/api/v1/query --data-urlencode \
         'query=up{{job=\"$job\",instance=\"$instance\",pod=\"$pod\"}}' --data-urlencode 'time=0'\n```\n",
        "Words to fill the pane. ".repeat(40)
    );
    let mut a = app_sized(60, 16);
    key(&mut a, '8');
    key(&mut a, 'g');
    answer(
        &mut a,
        vec![alert("ServiceDown", "a", "web-1:9100", "node")],
    );
    let fx = key(&mut a, 'r');
    let [Effect::LoadRunbook { generation, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let mut loaded = loaded();
    loaded.runbook = parse(&markdown).unwrap();
    a.update(
        Action::RunbookLoaded {
            generation: *generation,
            result: Ok(loaded),
        },
        NOW,
    );
    key(&mut a, 'n');
    key(&mut a, 'n');
    let area = a.runbook_text_area();
    let open = a.runbook.open.as_ref().unwrap();
    let rendered = open
        .layout(area.width, &Default::default(), &a.prefs)
        .unwrap();
    let rows = rendered.steps[1].clone();
    assert!(rows.len() >= 4, "the step wraps and has a note: {rows:?}");
    let text = |n: usize| -> String {
        rendered.lines[n]
            .spans
            .iter()
            .map(|s| s.content.as_ref())
            .collect()
    };
    assert!(text(rows.end - 1).contains("label pod missing"));
    let height = usize::from(area.height);
    assert!(
        open.scroll <= rows.start && rows.end <= open.scroll + height,
        "rows {rows:?} in view from {} ({height} high)",
        open.scroll
    );
    // And the screen shows them: the last wrapped row and the note.
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(60, 16)).unwrap();
    terminal.draw(|f| crate::tui::view::draw(f, &a)).unwrap();
    let buf = terminal.backend().buffer();
    let screen: String = (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                + "\n"
        })
        .collect();
    assert!(screen.contains("'time=0'"), "{screen}");
    assert!(screen.contains("! label pod missing"), "{screen}");
}

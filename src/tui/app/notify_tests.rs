//! `update` tests of `[ui] notify`: the first load of a context is silent; a refresh that
//! brings new critical alerts emits one `Effect::Notify` naming them; the same alerts next
//! time, warnings, silenced and inhibited alerts stay silent; with several Alertmanagers the
//! round is compared once all have answered; off emits nothing.

use crate::config::NotifyMode;
use crate::model::Alert;
use crate::tui::action::{Action, ContextInfo, Effect};
use crate::tui::app::test_fixtures::{context, options, started, Backends, NOW};
use crate::tui::app::triage::tests::alert;
use crate::tui::app::App;

const AM: Backends = Backends {
    prometheus: false,
    alertmanager: true,
    pagerduty: false,
};

fn app(mode: NotifyMode) -> App {
    let mut opts = options(AM);
    opts.prefs.notify = mode;
    started(opts)
}

/// Alertmanager `source`'s answer to the current round.
fn answer(a: &mut App, source: usize, alerts: Vec<Alert>) -> Vec<Effect> {
    let generation = a.triage.generation;
    a.update(
        Action::Alerts {
            source,
            generation,
            // `Into`: the action may carry the alerts shared (`Arc`) or owned.
            result: Ok(alerts.into_iter().map(Into::into).collect()),
        },
        NOW,
    )
}

/// The next refresh round.
fn refresh(a: &mut App) {
    let mut fx = Vec::new();
    a.fetch_alerts(&mut fx);
}

fn notifications(fx: &[Effect]) -> Vec<&str> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Notify(text) => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

fn inhibited(name: &str, fingerprint: &str) -> Alert {
    let mut a = alert(name, "critical", fingerprint, false);
    a.status.inhibited_by = vec!["x".into()];
    a
}

#[test]
fn the_first_load_is_silent_and_a_new_critical_alert_notifies_once() {
    let mut a = app(NotifyMode::Bell);
    let fx = answer(&mut a, 0, vec![alert("DiskFull", "critical", "d", false)]);
    assert!(notifications(&fx).is_empty(), "first load: {fx:?}");

    refresh(&mut a);
    let fx = answer(
        &mut a,
        0,
        vec![
            alert("DiskFull", "critical", "d", false),
            alert("HighErrorRate", "critical", "h1", false),
            alert("HighErrorRate", "critical", "h2", false),
            alert("Checkout", "page", "c", false),
        ],
    );
    assert_eq!(
        notifications(&fx),
        vec!["3 new critical alerts: Checkout, HighErrorRate"]
    );

    refresh(&mut a);
    let fx = answer(
        &mut a,
        0,
        vec![
            alert("DiskFull", "critical", "d", false),
            alert("HighErrorRate", "critical", "h1", false),
            alert("HighErrorRate", "critical", "h2", false),
            alert("Checkout", "page", "c", false),
        ],
    );
    assert!(notifications(&fx).is_empty(), "same alerts again: {fx:?}");
}

#[test]
fn warnings_silenced_and_inhibited_alerts_stay_silent() {
    let mut a = app(NotifyMode::Osc9);
    answer(&mut a, 0, vec![]);
    refresh(&mut a);
    let fx = answer(
        &mut a,
        0,
        vec![
            alert("CpuHigh", "warning", "w", false),
            alert("ErrorsUp", "error", "e", false),
            alert("DiskFull", "critical", "s", true),
            inhibited("NodeDown", "i"),
        ],
    );
    assert!(notifications(&fx).is_empty(), "{fx:?}");

    // One that was there silenced and now fires is not new either: it was in the list.
    refresh(&mut a);
    let fx = answer(&mut a, 0, vec![alert("DiskFull", "critical", "s", false)]);
    assert!(notifications(&fx).is_empty(), "{fx:?}");

    // Gone, then back: new again.
    refresh(&mut a);
    answer(&mut a, 0, vec![]);
    refresh(&mut a);
    let fx = answer(&mut a, 0, vec![alert("DiskFull", "critical", "s", false)]);
    assert_eq!(notifications(&fx), vec!["1 new critical alert: DiskFull"]);
}

#[test]
fn off_emits_nothing() {
    let mut a = app(NotifyMode::Off);
    answer(&mut a, 0, vec![]);
    refresh(&mut a);
    let fx = answer(&mut a, 0, vec![alert("DiskFull", "critical", "d", false)]);
    assert!(notifications(&fx).is_empty(), "{fx:?}");
}

#[test]
fn several_alertmanagers_make_one_notification_per_round() {
    let mut opts = options(AM);
    opts.context.alertmanagers = vec!["am1".into(), "am2".into()];
    opts.prefs.notify = NotifyMode::Bell;
    let mut a = started(opts);
    // The first round is both answers, and silent.
    assert!(notifications(&answer(&mut a, 0, vec![alert("A", "critical", "a", false)])).is_empty());
    assert!(notifications(&answer(&mut a, 1, vec![alert("B", "critical", "b", false)])).is_empty());

    refresh(&mut a);
    let first = answer(&mut a, 0, vec![alert("C", "critical", "c", false)]);
    assert!(
        notifications(&first).is_empty(),
        "waits for the round: {first:?}"
    );
    let second = answer(&mut a, 1, vec![alert("D", "critical", "d", false)]);
    assert_eq!(notifications(&second), vec!["2 new critical alerts: C, D"]);

    // A late answer to the old round changes nothing.
    let old = a.triage.generation - 1;
    let fx = a.update(
        Action::Alerts {
            source: 0,
            generation: old,
            result: Ok(vec![alert("E", "critical", "e", false).into()]),
        },
        NOW,
    );
    assert!(notifications(&fx).is_empty(), "{fx:?}");
}

#[test]
fn a_new_contexts_first_load_is_silent() {
    let mut a = app(NotifyMode::Bell);
    answer(&mut a, 0, vec![]);
    let info = ContextInfo {
        name: "staging".into(),
        ..context(AM)
    };
    a.update(Action::ContextSwitched(Ok(info)), NOW);
    let fx = answer(&mut a, 0, vec![alert("DiskFull", "critical", "d", false)]);
    assert!(notifications(&fx).is_empty(), "{fx:?}");
}

//! Grafana's variable rules in the app: a variable without "All" whose saved value is gone
//! is settled before any panel is asked, chained variables in order, and a new pick of the
//! first re-reads the second.

use crate::dashboards::model::{LabelValues, Variable};
use crate::dashboards::plan::VarValue;
use crate::tui::action::{Action, Effect};
use crate::tui::app::test_fixtures::{context, Backends, NOW};
use crate::tui::app::tests::dashboards;
use crate::tui::app::{App, AppOptions};

fn var(name: &str, selector: &str, default: Option<&str>) -> Variable {
    Variable {
        name: name.into(),
        label_values: LabelValues {
            label: name.into(),
            selector: Some(selector.into()),
        },
        default: default.map(str::to_string),
        include_all: false,
        all_value: None,
    }
}

fn label_requests(fx: &[Effect]) -> Vec<(usize, Option<String>)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::FetchLabelValues {
                variable, selector, ..
            } => Some((*variable, selector.clone())),
            _ => None,
        })
        .collect()
}

fn panel_requests(fx: &[Effect]) -> usize {
    fx.iter()
        .filter(|e| matches!(e, Effect::FetchPanel(_)))
        .count()
}

#[test]
fn variables_without_all_are_settled_in_order_before_the_panels() {
    let mut ds = dashboards();
    ds[0].variables = vec![
        var("job", "node_uname_info", Some("node")),
        var(
            "instance",
            "node_uname_info{job=\"$job\"}",
            Some("localhost:9100"),
        ),
    ];
    let mut a = App::new(AppOptions::new(
        ds,
        context(Backends {
            prometheus: true,
            alertmanager: false,
            pagerduty: false,
        }),
    ));
    let fx = a.start(NOW);
    assert_eq!(
        panel_requests(&fx),
        0,
        "no panel before its variables are settled"
    );
    assert_eq!(
        label_requests(&fx),
        vec![(0, Some("node_uname_info".into()))]
    );
    let answer = |variable, values: &[&str]| Action::LabelValues {
        dashboard: 0,
        variable,
        result: Ok(values.iter().map(|v| v.to_string()).collect()),
    };
    // The saved job is not known here: the first one is taken, and the instance's selector
    // is asked with it.
    let fx = a.update(answer(0, &["node-exporter", "windows"]), NOW);
    assert_eq!(
        label_requests(&fx),
        vec![(1, Some("node_uname_info{job=\"node-exporter\"}".into()))]
    );
    assert_eq!(panel_requests(&fx), 0);
    let fx = a.update(answer(1, &["node-1:9100", "node-2:9100"]), NOW);
    assert!(panel_requests(&fx) > 0, "then the panels");
    let d = &a.dashboards[0];
    assert_eq!(d.values["job"], VarValue::Literal("node-exporter".into()));
    assert_eq!(
        d.values["instance"],
        VarValue::Literal("node-1:9100".into())
    );
    // The picker offers no "All" for them.
    assert!(!a.value_options(0).contains(&"All".to_string()));
}

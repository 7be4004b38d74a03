//! Template variables follow Grafana's rules before any panel is asked: a saved value is
//! used only if Prometheus still has it, and a variable without "All" starts on the first
//! value its label has (never `.*` inside an `instance="…"` matcher, which matches nothing).

use crate::tui::action::Effect;

use super::dashboard::Choices;
use super::{App, Message};

impl App {
    /// The request for variable `j`'s values over dashboard `i`'s window, marking it loading.
    pub(super) fn ask_label_values(&mut self, i: usize, j: usize) -> Option<Effect> {
        let now = self.now_ms;
        let grid = self.grid_area();
        let opts = self.prefs.plan;
        let d = self.dashboards.get_mut(i)?;
        let var = d.def.variables.get(j)?.clone();
        let window = d
            .def
            .panels
            .first()
            .map(|p| d.window_for(p, grid.width, now, &opts))
            .map(|w| (w.start_ms, w.end_ms))
            .unwrap_or((now - d.range.span_ms, now));
        d.choices[j] = Some(Choices::Loading);
        // A selector may use the variables before it (`node_uname_info{job="$job"}`).
        let selector = var.label_values.selector.map(|s| {
            let w = crate::dashboards::plan::RangeWindow {
                start_ms: window.0,
                end_ms: window.1,
                step_ms: 60_000,
            };
            crate::dashboards::plan::expand(&s, &d.values, &w, opts.scrape_interval)
        });
        Some(Effect::FetchLabelValues {
            dashboard: i,
            variable: j,
            label: var.label_values.label,
            selector,
            start_ms: window.0,
            end_ms: window.1,
        })
    }

    /// Ask for the values of the variables still to be checked; whether all are settled (the
    /// panels may be asked).
    pub(super) fn variables_settled(&mut self, i: usize, fx: &mut Vec<Effect>) -> bool {
        let Some(d) = self.dashboards.get(i) else {
            return true;
        };
        // One at a time, in order: a later variable's selector may use an earlier one.
        let first =
            (0..d.def.variables.len()).find(|&j| d.unchecked.get(j).copied().unwrap_or(false));
        match first {
            None => true,
            Some(j) => {
                if self.dashboards[i].choices[j].is_none() {
                    fx.extend(self.ask_label_values(i, j));
                }
                false
            }
        }
    }

    /// Variable `j` of dashboard `i` changed: the variables after it whose values depend on
    /// it are read again (Grafana's chained variables).
    pub(super) fn dependents_changed(&mut self, i: usize, j: usize) {
        let Some(d) = self.dashboards.get_mut(i) else {
            return;
        };
        let Some(name) = d.def.variables.get(j).map(|v| v.name.clone()) else {
            return;
        };
        for k in j + 1..d.def.variables.len() {
            let uses = d.def.variables[k]
                .label_values
                .selector
                .as_deref()
                .is_some_and(|s| crate::dashboards::plan::referenced_variables(s).contains(&name));
            if uses {
                d.unchecked[k] = true;
                d.choices[k] = None;
            }
        }
    }

    /// A variable's values arrived: a variable still to be checked takes its value by
    /// Grafana's rule, and the panels are asked once all are settled.
    pub(super) fn variable_answered(&mut self, i: usize, j: usize, fx: &mut Vec<Effect>) {
        let Some(d) = self.dashboards.get_mut(i) else {
            return;
        };
        if !d.unchecked.get(j).copied().unwrap_or(false) {
            return;
        }
        let Some(var) = d.def.variables.get(j).cloned() else {
            return;
        };
        d.unchecked[j] = false;
        let current = d
            .values
            .get(&var.name)
            .cloned()
            .unwrap_or_else(|| var.initial());
        let problem = match &d.choices[j] {
            Some(Choices::Loaded(known)) => {
                let value = var.resolve(&current, known);
                let none = value == crate::dashboards::plan::VarValue::Unresolved;
                d.values.insert(var.name.clone(), value);
                none.then(|| {
                    format!(
                        "variable ${}: Prometheus has no values of `{}`; panels using it have no data",
                        var.name, var.label_values.label
                    )
                })
            }
            Some(Choices::Failed(e)) => Some(format!(
                "variable ${}: its values could not be read ({e}); using {}",
                var.name,
                match &current {
                    crate::dashboards::plan::VarValue::Value(v) => v.as_str(),
                    _ => "all",
                }
            )),
            _ => None,
        };
        if let Some(text) = problem {
            self.message = Some(Message {
                text: crate::sanitize::one_line(&text),
                error: true,
            });
        }
        self.refresh_dashboard(i, false, fx);
    }

    /// "All" only where the variable offers it (Grafana's `includeAll`).
    pub fn value_options(&self, variable: usize) -> Vec<String> {
        let include_all = self
            .active()
            .and_then(|d| d.def.variables.get(variable))
            .is_none_or(|v| v.include_all);
        let mut out = if include_all {
            vec!["All".to_string()]
        } else {
            Vec::new()
        };
        if let Some(Some(Choices::Loaded(values))) =
            self.active().and_then(|d| d.choices.get(variable))
        {
            out.extend(values.iter().cloned());
        }
        out
    }

    /// Enter on a variable in the picker: its values (read when not known yet).
    pub(super) fn open_values(&mut self, i: usize, variable: usize, fx: &mut Vec<Effect>) {
        let d = &self.dashboards[i];
        if variable >= d.def.variables.len() {
            return;
        }
        if !matches!(d.choices[variable], Some(Choices::Loaded(_))) {
            fx.extend(self.ask_label_values(i, variable));
        }
        self.overlay = Some(super::Overlay::Values {
            variable,
            selected: 0,
        });
    }

    /// Enter on a value: the variable takes it, the panels are asked again, and the
    /// variables whose values depend on it are read again.
    pub(super) fn choose_value(
        &mut self,
        i: usize,
        variable: usize,
        selected: usize,
        fx: &mut Vec<Effect>,
    ) {
        let options = self.value_options(variable);
        let Some(choice) = options.get(selected) else {
            return;
        };
        let d = &mut self.dashboards[i];
        let Some(var) = d.def.variables.get(variable).cloned() else {
            return;
        };
        let value = if var.include_all && selected == 0 {
            var.all()
        } else {
            var.value(choice.clone())
        };
        self.overlay = None;
        if d.values.get(&var.name) == Some(&value) {
            return;
        }
        d.values.insert(var.name, value);
        fx.push(Effect::CancelDashboard(i));
        d.cancel_in_flight();
        self.dependents_changed(i, variable);
        self.refresh_dashboard(i, false, fx);
    }
}

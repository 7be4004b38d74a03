//! Panel inspect (`i`) and ad-hoc queries (`:query`), as Grafana's inspector and Explore:
//! the panel's PromQL as sent, the step and range, its series' values, and a copy of the
//! query on the clipboard (OSC 52).

use crossterm::event::{KeyCode, KeyEvent};

use crate::dashboards::explore::{explore_dashboard, EXPLORE_ID};
use crate::tui::action::Effect;

use super::dashboard::{DashboardState, Fullscreen};
use super::{App, Message, Overlay, View};
use crate::tui::command::LegendMove;

impl App {
    /// `i` on a dashboard: the focused panel's inspector.
    pub(super) fn inspect_focused(&mut self) {
        let View::Dashboard(dashboard) = self.view else {
            return self.info("inspect works on a dashboard panel");
        };
        let d = &self.dashboards[dashboard];
        let panel = d.fullscreen.as_ref().map_or(d.focus, |f| f.panel);
        if panel < d.def.panels.len() {
            self.overlay = Some(Overlay::Inspect {
                dashboard,
                panel,
                scroll: 0,
            });
        }
    }

    /// Keys in the inspector: `y` copies the query, up/down scroll, anything else closes.
    pub(super) fn inspect_key(
        &mut self,
        dashboard: usize,
        panel: usize,
        scroll: u16,
        key: &KeyEvent,
        fx: &mut Vec<Effect>,
    ) {
        let reopen = |scroll: u16| Overlay::Inspect {
            dashboard,
            panel,
            scroll,
        };
        match key.code {
            KeyCode::Down | KeyCode::Char('j') => {
                self.overlay = Some(reopen(scroll.saturating_add(1)))
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.overlay = Some(reopen(scroll.saturating_sub(1)))
            }
            KeyCode::Char('y') | KeyCode::Char('c') => {
                let query = self.sent_queries(dashboard, panel).join("\n");
                let text = if self.prefs.osc52 {
                    fx.push(Effect::Copy(query));
                    "query copied (OSC 52)".to_string()
                } else {
                    "to copy with a key, set [ui] osc52 = true; the query is shown in full here"
                        .to_string()
                };
                self.message = Some(Message { text, error: false });
                self.overlay = Some(reopen(scroll));
            }
            _ => {}
        }
    }

    /// The panel's queries as last sent (variables and `$__rate_interval` filled in), else
    /// as written.
    pub fn sent_queries(&self, dashboard: usize, panel: usize) -> Vec<String> {
        let Some(d) = self.dashboards.get(dashboard) else {
            return Vec::new();
        };
        let sent = d
            .panels
            .get(panel)
            .and_then(|p| p.data.as_ref())
            .map(|data| data.exprs.clone())
            .filter(|e| !e.is_empty());
        sent.unwrap_or_else(|| {
            d.def
                .panels
                .get(panel)
                .map(|p| p.queries.iter().map(|q| q.expr.clone()).collect())
                .unwrap_or_default()
        })
    }

    /// `:query PROMQL`: an Explore dashboard with that one panel, full screen. A new query
    /// replaces the last one.
    pub(super) fn explore(&mut self, expr: &str, fx: &mut Vec<Effect>) -> Result<(), String> {
        if self.prometheus.is_none() {
            return Err(
                "no Prometheus is configured for this context (see `oncall config show`)".into(),
            );
        }
        let range = self
            .active()
            .map_or(std::time::Duration::from_secs(3600), |d| {
                std::time::Duration::from_millis(d.range.span_ms.max(60_000) as u64)
            });
        let mut state = DashboardState::new(explore_dashboard(expr, range), None, None);
        state.fullscreen = Some(Fullscreen {
            panel: 0,
            cursor: None,
        });
        let at = match self.dashboards.iter().position(|d| d.def.id == EXPLORE_ID) {
            Some(i) => {
                fx.push(Effect::CancelDashboard(i));
                self.dashboards[i] = state;
                i
            }
            None => {
                self.dashboards.push(state);
                self.dashboards.len() - 1
            }
        };
        self.show(View::Dashboard(at), fx);
        self.refresh_dashboard(at, true, fx);
        Ok(())
    }

    /// The full-screen panel's legend: select a series, hide it, or show only it.
    pub(super) fn legend(&mut self, m: LegendMove) {
        let View::Dashboard(i) = self.view else {
            return;
        };
        let d = &mut self.dashboards[i];
        let Some(panel) = d.fullscreen.map(|f| f.panel) else {
            return;
        };
        let names: Vec<String> = d.panels[panel]
            .data
            .as_ref()
            .map(|data| data.series.iter().map(|s| s.legend.clone()).collect())
            .unwrap_or_default();
        if names.is_empty() {
            return;
        }
        let legend = &mut d.legends[panel];
        let at = legend.selected.unwrap_or(0).min(names.len() - 1);
        match m {
            LegendMove::Next => legend.selected = Some((at + 1) % names.len()),
            LegendMove::Prev => legend.selected = Some((at + names.len() - 1) % names.len()),
            LegendMove::Toggle => {
                legend.selected = Some(at);
                if !legend.hidden.remove(&names[at]) {
                    legend.hidden.insert(names[at].clone());
                }
            }
            LegendMove::Only => {
                legend.selected = Some(at);
                let others: std::collections::BTreeSet<String> =
                    names.iter().filter(|n| **n != names[at]).cloned().collect();
                // Again on the one shown alone: everything back.
                legend.hidden = if legend.hidden == others {
                    Default::default()
                } else {
                    others
                };
            }
        }
    }
}

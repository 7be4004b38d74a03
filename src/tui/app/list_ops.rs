//! What the list views do besides selecting: sort by a column (`shift-letter`, `:sort`) and
//! mark rows (`space`) to act on together, as in k9s; group the alerts by a label.

use super::{App, View};
use crate::triage::alert_list::{Grouping, Row};
use crate::triage::sort::{ListKind, Sort, SortKey};
use crate::tui::command::ViewKind;

pub fn list_kind(kind: ViewKind) -> ListKind {
    match kind {
        ViewKind::Alerts => ListKind::Alerts,
        ViewKind::Silences => ListKind::Silences,
        ViewKind::Incidents => ListKind::Incidents,
    }
}

impl App {
    /// Sort the list shown by `key`: again reverses it, unless `reverse` says which way.
    pub(super) fn sort_by(&mut self, key: SortKey, reverse: Option<bool>) {
        let View::Triage(kind) = self.view else {
            return self
                .error("sorting applies to the alerts, silences and incidents views".into());
        };
        if !key.applies_to(list_kind(kind)) {
            let names = SortKey::names_for(list_kind(kind)).join(", ");
            return self.error(format!(
                "the {} view has no {key} column; sort by {names}",
                kind.name()
            ));
        }
        let mut sort = Sort::toggled(self.list(kind).sort, key);
        if let Some(reverse) = reverse {
            sort.reverse = reverse;
        }
        self.keeping_selection(|app| {
            app.list_mut(kind).sort = Some(sort);
            if kind == ViewKind::Alerts {
                app.triage.rebuild_rows();
            }
        });
        let way = if sort.reverse { "reversed" } else { "" };
        self.info(format!("sorted by {key} {way}").trim_end());
    }

    /// `space`: mark or unmark the selected row (a group header: all its alerts) and move on.
    pub(super) fn toggle_mark(&mut self) {
        let View::Triage(kind) = self.view else {
            return;
        };
        let ids = self.selected_ids(kind);
        if ids.is_empty() {
            return;
        }
        let marked = &mut self.list_mut(kind).marked;
        if ids.iter().all(|id| marked.contains(id)) {
            for id in &ids {
                marked.remove(id);
            }
        } else {
            marked.extend(ids);
        }
        let n = marked.len();
        self.select(crate::tui::command::SelectMove::Down);
        self.info(&match n {
            0 => "no rows marked".to_string(),
            n => format!("{n} marked (space marks more, esc clears)"),
        });
    }

    /// The IDs `space` marks on the selected row.
    fn selected_ids(&self, kind: ViewKind) -> Vec<String> {
        let tr = &self.triage;
        match kind {
            ViewKind::Alerts => match tr.rows.get(tr.alerts_list.selected) {
                Some(Row::Group { name, .. }) => tr
                    .entries
                    .iter()
                    .filter(|e| tr.grouping.key(&e.alert).as_deref() == Some(name.as_str()))
                    .map(|e| e.alert.fingerprint.clone())
                    .collect(),
                Some(row) => row
                    .alert()
                    .and_then(|i| tr.entries.get(i))
                    .map(|e| vec![e.alert.fingerprint.clone()])
                    .unwrap_or_default(),
                None => Vec::new(),
            },
            ViewKind::Silences => self.selected_silence().map(|s| s.id).into_iter().collect(),
            ViewKind::Incidents => self.selected_incident().map(|i| i.id).into_iter().collect(),
        }
    }

    /// Forget the marks of the view shown; whether there were any.
    pub(super) fn clear_marks(&mut self) -> bool {
        let View::Triage(kind) = self.view else {
            return false;
        };
        let marked = &mut self.list_mut(kind).marked;
        let had = !marked.is_empty();
        marked.clear();
        had
    }

    /// `:group-by LABEL`.
    pub(super) fn group_by(
        &mut self,
        grouping: Grouping,
        fx: &mut Vec<crate::tui::action::Effect>,
    ) {
        self.info(&format!("alerts {}", grouping.describe()));
        self.triage.set_grouping(grouping);
        if self.view != View::Triage(ViewKind::Alerts) {
            self.show(View::Triage(ViewKind::Alerts), fx);
        }
    }

    /// `:tz utc|local`: every clock on screen (header, lists, axes, details) follows.
    pub(super) fn set_clock(&mut self, utc: bool) {
        self.offset = if utc {
            chrono::FixedOffset::east_opt(0).unwrap_or(self.local_offset)
        } else {
            self.local_offset
        };
        self.info(if utc {
            "times in UTC"
        } else {
            "times in local time"
        });
    }

    /// The label names of the alerts, for completing `:group-by`.
    pub fn label_names(&self) -> Vec<String> {
        let mut names: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
        for a in self.triage.alerts.iter().take(1000) {
            names.extend(a.labels.keys().map(String::as_str));
        }
        names.into_iter().map(String::from).collect()
    }
}

//! The rows the silences and incidents views show, with their filters: the app acts on them
//! (the selected row, expire, ack) and the view draws them, so they live here, not in the view.

use crate::model::incident::Incident;
use crate::model::silence::Silence;
use crate::triage::silence_inventory::Flag;
use crate::tui::command::ViewKind;

use super::App;

fn matches(filter: &str, fields: &[&str]) -> bool {
    let needle = filter.trim().to_lowercase();
    needle.is_empty() || fields.iter().any(|f| f.to_lowercase().contains(&needle))
}

pub fn silence_rows(app: &App) -> Vec<&Silence> {
    let f = &app.triage.silences_list.filter;
    let inventory = &app.triage.inventory;
    app.triage
        .silences
        .iter()
        .filter(|s| {
            // The flag words (`stale`, `dup`, ...) and `ack` are searchable too.
            let tags = silence_tags(app, s).join(" ");
            let ack = match inventory.usage(&s.id) {
                Some(u) if u.ack => "ack",
                _ => "",
            };
            matches(
                f,
                &[
                    &s.matchers_display(),
                    &s.created_by,
                    &s.comment,
                    &s.id,
                    &tags,
                    ack,
                ],
            )
        })
        .collect()
}

/// The words of a silence's flags now, most pressing first.
pub fn silence_tags(app: &App, s: &Silence) -> Vec<&'static str> {
    app.triage
        .inventory
        .flags(s, app.now_ms)
        .into_iter()
        .map(Flag::word)
        .collect()
}

pub fn incident_rows<'a>(app: &'a App) -> Vec<&'a Incident> {
    let f = &app.triage.incidents_list.filter;
    let service = |i: &'a Incident| i.service.as_ref().map(|s| s.summary.as_str()).unwrap_or("");
    let me = app.triage.me.as_deref().filter(|_| app.triage.mine_only);
    app.triage
        .incidents
        .items
        .iter()
        .filter(|i| matches(f, &[&i.title, service(i), &i.id]))
        .filter(|i| match me {
            Some(me) => i.assignments.iter().any(|a| a.assignee.id == me),
            None => true,
        })
        .collect()
}

/// Rows the view shows with its filter.
pub fn row_count(app: &App, kind: ViewKind) -> usize {
    match kind {
        ViewKind::Alerts => app.triage.rows.len(),
        ViewKind::Silences => silence_rows(app).len(),
        ViewKind::Incidents => incident_rows(app).len(),
    }
}

/// The rows as the views ask for them: what the lists show is the app's to say.
impl App {
    pub fn silence_rows(&self) -> Vec<&Silence> {
        silence_rows(self)
    }

    pub fn incident_rows(&self) -> Vec<&Incident> {
        incident_rows(self)
    }

    pub fn silence_tags(&self, s: &Silence) -> Vec<&'static str> {
        silence_tags(self, s)
    }
}

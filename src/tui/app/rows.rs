//! The rows the silences and incidents views show, with their filters: the app acts on them
//! (the selected row, expire, ack) and the view draws them, so they live here, not in the view.

use std::cmp::Ordering;

use crate::model::incident::{Incident, IncidentStatus, Urgency};
use crate::model::silence::{Silence, SilenceState};
use crate::triage::silence_inventory::Flag;
use crate::triage::sort::SortKey;
use crate::tui::command::ViewKind;

use super::App;

fn matches(filter: &str, fields: &[&str]) -> bool {
    let needle = filter.trim().to_lowercase();
    needle.is_empty() || fields.iter().any(|f| f.to_lowercase().contains(&needle))
}

pub fn silence_rows(app: &App) -> Vec<&Silence> {
    let f = &app.triage.silences_list.filter;
    let inventory = &app.triage.inventory;
    let mut rows: Vec<&Silence> = app
        .triage
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
        .collect();
    match app.triage.silences_list.sort {
        Some(sort) => rows.sort_by(|a, b| sort.apply(compare_silences(sort.key, a, b))),
        // A recurring maintenance window's silences are one thing to the user.
        None => crate::triage::series::keep_together(&mut rows, |s| s.comment.as_str()),
    }
    rows
}

fn compare_silences(key: SortKey, a: &Silence, b: &Silence) -> Ordering {
    let state = |s: &Silence| match s.status {
        SilenceState::Active => 0,
        SilenceState::Pending => 1,
        SilenceState::Expired => 2,
    };
    match key {
        SortKey::State => state(a).cmp(&state(b)),
        SortKey::Name => a.matchers_display().cmp(&b.matchers_display()),
        SortKey::Age => b.starts_at.cmp(&a.starts_at),
        SortKey::Ends => a.ends_at.cmp(&b.ends_at),
        SortKey::Who => a.created_by.cmp(&b.created_by),
        _ => Ordering::Equal,
    }
}

/// Incidents by urgency (high first), then triggered before acknowledged, then newest.
fn default_incident_order(a: &Incident, b: &Incident) -> Ordering {
    compare_incidents(SortKey::Severity, a, b)
        .then(compare_incidents(SortKey::State, a, b))
        .then(compare_incidents(SortKey::Age, a, b))
}

fn compare_incidents(key: SortKey, a: &Incident, b: &Incident) -> Ordering {
    let urgency = |i: &Incident| u8::from(i.urgency != Urgency::High);
    let status = |i: &Incident| match i.status {
        IncidentStatus::Triggered => 0,
        IncidentStatus::Acknowledged => 1,
        _ => 2,
    };
    let service = |i: &Incident| i.service.as_ref().map(|s| s.summary.clone());
    match key {
        SortKey::Severity => urgency(a).cmp(&urgency(b)),
        SortKey::State => status(a).cmp(&status(b)),
        SortKey::Name => a.title.cmp(&b.title),
        SortKey::Age => b.created_at.cmp(&a.created_at),
        SortKey::Who => a.assignees().cmp(&b.assignees()),
        SortKey::Service => service(a).cmp(&service(b)),
        SortKey::Number => a.incident_number.cmp(&b.incident_number),
        _ => Ordering::Equal,
    }
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
    let mut rows: Vec<&Incident> = app
        .triage
        .incidents
        .items
        .iter()
        .filter(|i| matches(f, &[&i.title, service(i), &i.id]))
        .filter(|i| match me {
            Some(me) => i.assignments.iter().any(|a| a.assignee.id == me),
            None => true,
        })
        .collect();
    match app.triage.incidents_list.sort {
        Some(sort) => rows.sort_by(|a, b| sort.apply(compare_incidents(sort.key, a, b))),
        None => rows.sort_by(|a, b| default_incident_order(a, b)),
    }
    rows
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

//! The alerts, silences and incidents views, each filtered, kept on screen when their source
//! fails. Everything in them comes from outside and is sanitized before it is drawn. This
//! file holds what they share (the table, the title line, the empty states, the detail
//! pane's rule); each view is a file of its own.

mod alerts;
mod incident_detail;
mod incidents;
mod silences;
mod table;

use table::{fit, on_screen, render_table, window, Column, Table};

use alerts::render_alerts;
use incidents::render_incidents;
use silences::render_silences;

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::model::incident::{AckExpiry, Incident, IncidentStatus, Urgency};
use crate::model::silence::{Silence, SilenceState};
use crate::sanitize::one_line;
use crate::text::{distinct_width, width};
use crate::triage::alert_list::{label_summary, varying_keys, Entry, Grouping, Row, Shown};
use crate::triage::severity_rank;
use crate::triage::silence_inventory::{Flag, ENDS_SOON_MS};
use crate::triage::sort::SortKey;
use crate::tui::app::triage::Triage;
use crate::tui::app::App;
use crate::tui::command::{Command, ViewKind};
use crate::tui::keymap::Mode;
use crate::tui::state::HealthState;
use crate::tui::widgets::{format_age, format_clock, truncate};

pub(super) fn age(app: &App, t: DateTime<Utc>) -> String {
    format_age(app.now_ms - t.timestamp_millis())
}

/// Time until an ack runs out: `12m left`, `~12m left` when PagerDuty's default timeout is
/// assumed, `expired`, `never`, and a dash when the incident is not acknowledged.
pub fn ack_countdown(expiry: AckExpiry, now_ms: i64, ascii: bool) -> String {
    match expiry {
        AckExpiry::NotAcked => if ascii { "-" } else { "–" }.into(),
        AckExpiry::Never => "never".into(),
        AckExpiry::At { at, assumed } => {
            let left = at.timestamp_millis() - now_ms;
            if left <= 0 {
                "expired".into()
            } else {
                // Round up: "0s left" would read as expired.
                let left = format_age(left + 999);
                format!("{}{left} left", if assumed { "~" } else { "" })
            }
        }
    }
}

/// The first line of a list view: its title, counts and the source's state.
pub(super) fn title_line(
    app: &App,
    area: Rect,
    buf: &mut Buffer,
    title: &str,
    counts: String,
    health: Option<(HealthState, String)>,
) {
    let t = &app.theme;
    let mut spans = vec![
        Span::styled(format!(" {title} "), t.text.add_modifier(Modifier::BOLD)),
        Span::styled(counts, t.muted),
    ];
    if let Some((HealthState::Down, detail)) = health {
        spans.push(Span::styled(format!("  stale: {detail}"), t.stale));
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}

pub fn render(app: &App, kind: ViewKind, area: Rect, buf: &mut Buffer) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let title_area = Rect { height: 1, ..area };
    let body = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
        ..area
    };
    match kind {
        // An open runbook sits right of the list, or over all of it when narrow.
        ViewKind::Alerts if app.runbook.open.is_some() => {
            let (list, pane) = crate::tui::layout::runbook_split(body);
            render_alerts(
                app,
                title_area,
                list.unwrap_or(Rect { height: 0, ..body }),
                buf,
            );
            super::runbook::render(app, pane, buf);
        }
        ViewKind::Alerts => render_alerts(app, title_area, body, buf),
        ViewKind::Silences => render_silences(app, title_area, body, buf),
        ViewKind::Incidents => render_incidents(app, title_area, body, buf),
    }
}

pub(super) fn am_health(app: &App) -> Option<(HealthState, String)> {
    let down: Vec<String> = app
        .triage
        .health
        .iter()
        .filter_map(|h| {
            let (at, e) = h.last_error.as_ref()?;
            Some(format!(
                "{} failed at {}: {}",
                one_line(&h.name),
                format_clock(*at, app.offset),
                one_line(e)
            ))
        })
        .collect();
    if down.is_empty() {
        None
    } else {
        Some((HealthState::Down, down.join("; ")))
    }
}

pub(super) fn empty_state(
    app: &App,
    body: Rect,
    buf: &mut Buffer,
    configured: bool,
    loaded: bool,
    what: &str,
    filtered: bool,
) {
    let t = &app.theme;
    let text = if !configured {
        format!("no {what} source is configured for this context (see `oncall config show`)")
    } else if !loaded {
        "waiting for the first answer…".to_string()
    } else if filtered {
        "nothing matches the filter".to_string()
    } else {
        format!("no {what}")
    };
    buf.set_stringn(
        body.x + 1,
        body.y + 1.min(body.height.saturating_sub(1)),
        text,
        usize::from(body.width),
        t.muted,
    );
}

pub(super) fn severity_style(app: &App, severity: &str) -> Style {
    let t = &app.theme;
    match severity_rank(Some(severity)) {
        0 => t.critical.add_modifier(Modifier::BOLD),
        1 | 2 => t.warning,
        _ => t.text,
    }
}

pub(super) fn shown_style(app: &App, shown: Shown) -> Style {
    let t = &app.theme;
    match shown {
        Shown::Firing => t.critical,
        Shown::Pending => t.warning,
        Shown::Acknowledged => t.acknowledged,
        Shown::Silenced | Shown::Inhibited => t.silenced,
    }
}

/// "2 firing" for a group: the most pressing state and how many alerts show it.
pub(super) fn group_state(app: &App, worst: Shown, count: usize) -> (String, Style) {
    (
        format!("{count} {}", worst.as_str()),
        shown_style(app, worst),
    )
}

pub(super) const DETAIL_VALUE_MAX: usize = 512;

pub(super) fn clip(text: &str) -> String {
    let end = text
        .char_indices()
        .nth(DETAIL_VALUE_MAX)
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    one_line(&text[..end])
}

/// The rule that separates a list from its detail pane (the pane's first row).
pub(super) fn detail_rule(app: &App, area: Rect, buf: &mut Buffer) {
    let rule = if app.prefs.ascii { "-" } else { "─" };
    buf.set_stringn(
        area.x,
        area.y,
        rule.repeat(usize::from(area.width)),
        usize::from(area.width),
        app.theme.border,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_countdown_text() {
        let now = 1_768_478_400_000;
        let at = |ms: i64| DateTime::<Utc>::from_timestamp_millis(now + ms).unwrap_or_default();
        let exact = |ms| AckExpiry::At {
            at: at(ms),
            assumed: false,
        };
        assert_eq!(ack_countdown(exact(12 * 60_000), now, false), "12m left");
        assert_eq!(
            ack_countdown(
                AckExpiry::At {
                    at: at(30 * 60_000),
                    assumed: true
                },
                now,
                false
            ),
            "~30m left"
        );
        assert_eq!(ack_countdown(exact(0), now, false), "expired");
        assert_eq!(ack_countdown(exact(-5_000), now, false), "expired");
        assert_eq!(ack_countdown(exact(500), now, false), "1s left");
        assert_eq!(ack_countdown(AckExpiry::Never, now, false), "never");
        assert_eq!(ack_countdown(AckExpiry::NotAcked, now, false), "–");
        assert_eq!(ack_countdown(AckExpiry::NotAcked, now, true), "-");
    }
}

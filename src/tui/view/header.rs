//! The top two lines: context, backend health chips, insecure-TLS flag, range, refresh state
//! and clocks; then the tab bar with the firing-alert count by severity, on every view.
//!
//! The header is built from segments with a full and a short form; when the terminal is
//! narrow the least important segments shrink first, then go.

use chrono::FixedOffset;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use crate::tui::app::{App, View};
use crate::tui::command::{Command, ViewKind};
use crate::tui::keymap::Mode;
use crate::tui::state::{BackendHealth, HealthState};
use crate::tui::widgets::{format_clock, width};

/// A piece of the header: `full`, or `short` when space is tight; `keep` ones never go.
struct Segment {
    full: Vec<Span<'static>>,
    short: Option<Vec<Span<'static>>>,
    /// Higher shrinks and goes first.
    drop_order: u8,
    keep: bool,
}

fn spans_width(spans: &[Span]) -> usize {
    spans.iter().map(|s| width(&s.content)).sum()
}

/// Choose forms so that the segments fit `max` cells with `sep` between them. Returns the
/// survivors with their original positions.
fn fit(mut segments: Vec<Segment>, max: usize, sep: usize) -> Vec<(usize, Vec<Span<'static>>)> {
    let mut forms: Vec<Option<Vec<Span<'static>>>> =
        segments.iter().map(|s| Some(s.full.clone())).collect();
    let total = |forms: &[Option<Vec<Span<'static>>>]| {
        let present: Vec<usize> = forms.iter().flatten().map(|f| spans_width(f)).collect();
        present.iter().sum::<usize>() + sep * present.len().saturating_sub(1)
    };
    let mut order: Vec<usize> = (0..segments.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(segments[i].drop_order));
    // First shorten, then drop, least important first.
    for &i in &order {
        if total(&forms) <= max {
            break;
        }
        if let Some(short) = segments[i].short.take() {
            forms[i] = Some(short);
        }
    }
    for &i in &order {
        if total(&forms) <= max {
            break;
        }
        if !segments[i].keep {
            forms[i] = None;
        }
    }
    forms
        .into_iter()
        .enumerate()
        .filter_map(|(i, f)| f.map(|f| (i, f)))
        .collect()
}

fn chip(app: &App, label: &str, short: &str, health: &BackendHealth, interval_ms: i64) -> Segment {
    let t = app.theme.clone();
    let clock = |ms: i64| format_clock(ms, app.offset);
    // Unanswered for three refreshes: the numbers on screen are old.
    let stale = health
        .last_success_ms
        .is_some_and(|at| app.now_ms - at > 3 * interval_ms + 10_000);
    let (mark, style, text) = match health.state() {
        HealthState::Unknown => ("◌", t.muted, format!("{label} …")),
        HealthState::Ok if stale => (
            "◐",
            t.stale,
            format!(
                "{label} stale, ok {}",
                clock(health.last_success_ms.unwrap_or(0))
            ),
        ),
        HealthState::Ok => (
            "●",
            t.ok,
            format!("{label} {}", clock(health.last_success_ms.unwrap_or(0))),
        ),
        HealthState::Down => {
            let since = health
                .last_error
                .as_ref()
                .map(|e| clock(e.0))
                .unwrap_or_default();
            let last = health
                .last_success_ms
                .map(|s| format!(", ok {}", clock(s)))
                .unwrap_or_default();
            ("✖", t.critical, format!("{label} down {since}{last}"))
        }
    };
    // A backend in trouble is the last thing to shrink; one not heard from yet the first.
    let drop_order = match health.state() {
        HealthState::Down => 1,
        HealthState::Ok => 5,
        HealthState::Unknown => 6,
    };
    Segment {
        full: vec![
            Span::styled(format!("{mark} "), style),
            Span::styled(text, style),
        ],
        // Short, but still saying what it is: `prom ●`, `am ●`, `pd ✖`.
        short: Some(vec![Span::styled(format!("{short} {mark}"), style)]),
        drop_order,
        keep: false,
    }
}

pub fn render_header(app: &App, area: Rect, buf: &mut Buffer) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let t = &app.theme;
    buf.set_style(area, t.header);
    let mut left: Vec<Segment> = Vec::new();
    if app.demo {
        left.push(Segment {
            full: vec![Span::styled(" DEMO ", t.demo)],
            short: None,
            drop_order: 0,
            keep: true,
        });
    }
    if app.is_read_only() {
        // Writes are refused: say so where the eye goes first, and never drop it.
        left.push(Segment {
            full: vec![Span::styled(
                " READ-ONLY ",
                t.accent.add_modifier(Modifier::REVERSED),
            )],
            short: Some(vec![Span::styled(
                " RO ",
                t.accent.add_modifier(Modifier::REVERSED),
            )]),
            drop_order: 0,
            keep: true,
        });
    }
    left.push(Segment {
        full: vec![
            Span::styled("ctx ", t.muted),
            Span::styled(crate::sanitize::one_line(&app.context.name), t.accent),
        ],
        short: Some(vec![Span::styled(
            crate::sanitize::one_line(&app.context.name),
            t.accent,
        )]),
        drop_order: 3,
        keep: false,
    });
    let refresh_ms = app
        .active()
        .map(|d| d.refresh.as_millis() as i64)
        .unwrap_or(30_000);
    match &app.prometheus {
        Some(h) => left.push(chip(app, "prometheus", "prom", h, refresh_ms)),
        None => left.push(Segment {
            full: vec![Span::styled("no prometheus", t.muted)],
            short: Some(vec![Span::styled("no prom", t.muted)]),
            drop_order: 5,
            keep: false,
        }),
    }
    let alerts_ms = app.prefs.alerts_refresh.as_millis() as i64;
    for (i, h) in app.triage.health.iter().enumerate() {
        let name = if app.triage.health.len() == 1 {
            "alertmanager".to_string()
        } else {
            format!("am:{}", crate::sanitize::one_line(&h.name))
        };
        let short = match app.triage.health.len() {
            1 => "am".to_string(),
            _ => format!("am{}", i + 1),
        };
        left.push(chip(app, &name, &short, h, alerts_ms));
    }
    if let Some(h) = &app.triage.pagerduty {
        left.push(chip(
            app,
            "pagerduty",
            "pd",
            h,
            app.prefs.incidents_refresh.as_millis() as i64,
        ));
    }
    if !app.context.insecure.is_empty() {
        left.push(Segment {
            full: vec![Span::styled(
                format!(" ⚠ TLS NOT VERIFIED: {} ", app.context.insecure.join(", ")),
                t.critical.add_modifier(Modifier::REVERSED),
            )],
            short: Some(vec![Span::styled(
                " ⚠ INSECURE ",
                t.critical.add_modifier(Modifier::REVERSED),
            )]),
            drop_order: 0,
            keep: true,
        });
    }
    let mut right: Vec<Segment> = Vec::new();
    if app.triage.oncalls.is_some() {
        let level = |n: u32| {
            let names = app.triage.on_call_at(n);
            match names.as_slice() {
                [] => "-".to_string(),
                [one] => crate::sanitize::one_line(one),
                [first, rest @ ..] => {
                    format!("{} +{}", crate::sanitize::one_line(first), rest.len())
                }
            }
        };
        let (l1, l2) = (level(1), level(2));
        right.push(Segment {
            full: vec![
                Span::styled("on call ", t.muted),
                Span::styled(format!("L1 {l1}"), t.text),
                Span::styled(format!(" L2 {l2}"), t.muted),
            ],
            short: Some(vec![Span::styled(format!("L1 {l1}"), t.text)]),
            drop_order: 1,
            keep: false,
        });
    }
    if let Some(d) = app.active() {
        let state = if !d.range.is_live() {
            Span::styled("paused", t.warning)
        } else if d.any_loading() {
            Span::styled("⟳ loading", t.accent)
        } else {
            Span::styled(
                format!("⟳ {}", crate::duration::format_duration(d.refresh)),
                t.muted,
            )
        };
        let live = if d.range.is_live() { "live" } else { "panned" };
        right.push(Segment {
            full: vec![
                Span::styled(format!("{} {live} ", d.range.span_label()), t.text),
                state,
            ],
            short: Some(vec![Span::styled(d.range.span_label(), t.text)]),
            drop_order: 2,
            keep: false,
        });
    }
    let utc = FixedOffset::east_opt(0).unwrap_or(app.offset);
    let utc_clock = format_clock(app.now_ms, utc);
    let local = if app.offset.local_minus_utc() == 0 {
        None
    } else {
        Some(format_clock(app.now_ms, app.offset))
    };
    let mut clock_full = vec![Span::styled(format!("{utc_clock} UTC"), t.text)];
    if let Some(l) = &local {
        clock_full.push(Span::styled(format!("  {l} local"), t.muted));
    }
    right.push(Segment {
        full: clock_full,
        short: Some(vec![Span::styled(
            format!("{}Z", &utc_clock[..5.min(utc_clock.len())]),
            t.text,
        )]),
        drop_order: 4,
        keep: false,
    });
    let sep = 3;
    let left_count = left.len();
    let all: Vec<Segment> = left.into_iter().chain(right).collect();
    // Fit both sides together (the gap between them counts as one more separator), then
    // lay the right side out flush right.
    let fitted = fit(all, usize::from(area.width).saturating_sub(2 + sep), sep);
    let (l, r): (Vec<_>, Vec<_>) = fitted.into_iter().partition(|(i, _)| *i < left_count);
    let mut x = area.x + 1;
    for (n, (_, spans)) in l.into_iter().enumerate() {
        if n > 0 {
            buf.set_string(x, area.y, " │ ", t.muted);
            x += 3;
        }
        let (nx, _) = buf.set_line(
            x,
            area.y,
            &Line::from(spans),
            (area.x + area.width).saturating_sub(x),
        );
        x = nx;
    }
    let right_w: usize =
        r.iter().map(|(_, s)| spans_width(s)).sum::<usize>() + sep * r.len().saturating_sub(1);
    let mut rx = (area.x + area.width)
        .saturating_sub(right_w as u16 + 1)
        .max(x + 1);
    for (n, (_, spans)) in r.into_iter().enumerate() {
        if n > 0 {
            buf.set_string(rx, area.y, " │ ", t.muted);
            rx += 3;
        }
        let (nx, _) = buf.set_line(
            rx,
            area.y,
            &Line::from(spans),
            (area.x + area.width).saturating_sub(rx),
        );
        rx = nx;
    }
}

/// The tab bar: the key and name of each view, then the firing alerts by severity.
pub fn render_tabs(app: &App, area: Rect, buf: &mut Buffer) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let t = &app.theme;
    // Firing count first: it must always show, so the tabs get what is left.
    let mut alert_spans: Vec<Span> = Vec::new();
    // A missing answer is never "nothing firing": with an Alertmanager down the count is
    // unknown (nothing known yet) or stale (what it said last).
    let any_down = app
        .triage
        .health
        .iter()
        .any(|h| h.state() == HealthState::Down);
    if !app.triage.health.is_empty() && !app.triage.alerts_known() {
        match any_down {
            true => alert_spans.push(Span::styled("alerts unknown: alertmanager down", t.stale)),
            false => alert_spans.push(Span::styled("alerts …", t.muted)),
        }
    } else if app.triage.health.is_empty() {
        alert_spans.push(Span::styled("no alertmanager", t.muted));
    } else {
        let counts = app.triage.firing_by_severity();
        if counts.is_empty() && any_down {
            alert_spans.push(Span::styled("0 firing when last seen", t.stale));
        } else if counts.is_empty() {
            alert_spans.push(Span::styled("✓ nothing firing", t.ok));
        } else {
            alert_spans.push(Span::styled("▲ ", t.critical));
            for (i, (sev, n)) in counts.iter().enumerate() {
                let style = match crate::triage::severity_rank(Some(sev)) {
                    0 => t.critical,
                    1 | 2 => t.warning,
                    _ => t.text,
                };
                if i > 0 {
                    alert_spans.push(Span::raw(" "));
                }
                alert_spans.push(Span::styled(
                    format!("{n} {}", crate::sanitize::one_line(sev)),
                    style.add_modifier(Modifier::BOLD),
                ));
            }
        }
        if any_down {
            alert_spans.push(Span::styled(" (stale)", t.stale));
        }
    }
    let alerts_w = spans_width(&alert_spans) as u16;
    let alerts_x = (area.x + area.width).saturating_sub(alerts_w + 1);
    buf.set_line(
        alerts_x.max(area.x),
        area.y,
        &Line::from(alert_spans),
        area.width,
    );
    let room = usize::from(alerts_x.saturating_sub(area.x + 1));
    let views = app.views();
    let key_of = |v: &View| {
        let command = match v {
            View::Dashboard(i) => Command::Dashboard(u8::try_from(i + 1).unwrap_or(u8::MAX)),
            View::Triage(k) => Command::View(*k),
        };
        app.keymap
            .keys_for(Mode::Global, command)
            .first()
            .map(|k| k.to_string())
    };
    let title = |v: &View, form: u8| -> String {
        match v {
            View::Dashboard(i) => {
                let d = &app.dashboards[*i].def;
                match form {
                    0 => crate::sanitize::one_line(&d.title),
                    _ => crate::sanitize::one_line(d.id.split('-').next().unwrap_or(&d.id)),
                }
            }
            View::Triage(k) => match (form, k) {
                (0, _) | (1, _) => k.title().to_string(),
                (_, ViewKind::Alerts) => "Alrt".into(),
                (_, ViewKind::Silences) => "Sil".into(),
                (_, ViewKind::Incidents) => "Inc".into(),
            },
        }
    };
    // Full titles, then short ones, then numbers only for the views not shown.
    let build = |form: u8| -> Vec<Span<'static>> {
        let mut spans = Vec::new();
        for v in &views {
            let active = *v == app.view;
            let key = key_of(v);
            let name = if form >= 2 && !active {
                String::new()
            } else {
                title(v, form.min(1))
            };
            let text = match (key, name.is_empty()) {
                (Some(k), false) => format!(" {k} {name} "),
                (Some(k), true) => format!(" {k} "),
                (None, _) => format!(" {name} "),
            };
            let style = if active {
                t.accent.patch(t.selection).add_modifier(Modifier::BOLD)
            } else {
                t.muted
            };
            spans.push(Span::styled(text, style));
        }
        spans
    };
    let mut spans = build(0);
    for form in 1..=2 {
        if spans_width(&spans) <= room {
            break;
        }
        spans = build(form);
    }
    buf.set_line(
        area.x,
        area.y,
        &Line::from(spans),
        u16::try_from(room).unwrap_or(u16::MAX),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(text: &str, short: Option<&str>, drop_order: u8, keep: bool) -> Segment {
        Segment {
            full: vec![Span::raw(text.to_string())],
            short: short.map(|s| vec![Span::raw(s.to_string())]),
            drop_order,
            keep,
        }
    }

    fn texts(forms: Vec<(usize, Vec<Span<'static>>)>) -> Vec<String> {
        forms
            .into_iter()
            .map(|(_, f)| f.iter().map(|s| s.content.to_string()).collect())
            .collect()
    }

    #[test]
    fn shortens_then_drops_least_important_first() {
        let segs = || {
            vec![
                seg("DEMO", None, 0, true),
                seg("context prod", Some("prod"), 3, false),
                seg("clock 12:00:00", Some("12:00"), 4, false),
            ]
        };
        assert_eq!(
            texts(fit(segs(), 100, 3)),
            vec!["DEMO", "context prod", "clock 12:00:00"]
        );
        assert_eq!(
            texts(fit(segs(), 30, 3)),
            vec!["DEMO", "context prod", "12:00"]
        );
        assert_eq!(texts(fit(segs(), 20, 3)), vec!["DEMO", "prod", "12:00"]);
        assert_eq!(texts(fit(segs(), 12, 3)), vec!["DEMO", "prod"]);
        assert_eq!(texts(fit(segs(), 1, 3)), vec!["DEMO"]);
    }
}

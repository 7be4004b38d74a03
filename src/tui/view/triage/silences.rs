//! The silences view: the inventory (what each silence mutes, its flags) and the detail pane
//! of the selected silence.

use super::*;

pub(super) fn render_silences(app: &App, title: Rect, body: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let rows = app.silence_rows();
    let now = app.now_ms;
    let active = app
        .triage
        .silences
        .iter()
        .filter(|s| s.status == SilenceState::Active)
        .count();
    let mut counts = format!("{} shown · {active} active", rows.len());
    // The inventory at a glance: how many need a look, by flag (searchable with `/`).
    let mut flagged: Vec<(Flag, usize)> = Vec::new();
    for s in &app.triage.silences {
        for f in app.triage.inventory.flags(s, now) {
            match flagged.iter_mut().find(|(g, _)| *g == f) {
                Some((_, n)) => *n += 1,
                None => flagged.push((f, 1)),
            }
        }
    }
    flagged.sort();
    for (f, n) in flagged {
        counts.push_str(&format!(" · {n} {}", f.word()));
    }
    if !app.triage.silences_list.filter.is_empty() {
        counts.push_str(&format!(
            " · filter {}",
            truncate(&one_line(&app.triage.silences_list.filter), 30)
        ));
    }
    title_line(app, title, buf, "Silences", counts, am_health(app));
    if rows.is_empty() {
        let loaded = app.triage.silence_feeds.iter().any(|f| f.loaded);
        let filtered = !app.triage.silences_list.filter.is_empty();
        return empty_state(
            app,
            body,
            buf,
            !app.triage.health.is_empty(),
            loaded,
            "silences",
            filtered,
        );
    }
    let selected = app.triage.silences_list.selected.min(rows.len() - 1);
    // With room, the selected silence's details below the list, as in the alerts view.
    let detail_h = if body.height >= 16 {
        body.height / 2
    } else {
        0
    };
    let list = Rect {
        height: body.height - detail_h,
        ..body
    };
    let inventory = &app.triage.inventory;
    let state = |s: &&Silence| {
        let style = match s.status {
            SilenceState::Active => t.silenced.add_modifier(Modifier::BOLD),
            SilenceState::Pending => t.accent,
            SilenceState::Expired => t.muted,
        };
        (s.status.as_str().into(), style)
    };
    let ends = move |s: &&Silence| {
        let end = s.ends_at.timestamp_millis();
        if end > now {
            let style = if end - now < ENDS_SOON_MS {
                t.warning
            } else {
                t.text
            };
            (format!("in {}", format_age(end - now)), style)
        } else {
            (format!("{} ago", format_age(now - end)), t.muted)
        }
    };
    let mutes = |s: &&Silence| match (s.status, inventory.usage(&s.id)) {
        // Known only from the next refresh (a silence just made here).
        (_, None) => ("?".into(), t.muted),
        (SilenceState::Expired, _) => ("-".into(), t.muted),
        // Not started: what it will mute when it starts.
        (SilenceState::Pending, Some(u)) => (format!("({})", u.reach), t.muted),
        (SilenceState::Active, Some(u)) if u.mutes.is_empty() => {
            ("0".into(), t.warning.add_modifier(Modifier::BOLD))
        }
        (SilenceState::Active, Some(u)) => (u.mutes.len().to_string(), t.text),
    };
    let flags = |s: &&Silence| {
        let tags = app.silence_tags(s);
        let ack = inventory.usage(&s.id).is_some_and(|u| u.ack);
        let mut words: Vec<String> = Vec::new();
        if ack {
            words.push("ack".into());
        }
        // A recurring window's place in its series.
        if let Some(t) = crate::triage::series::tag_of(&s.comment) {
            words.push(format!("{}/{}", t.index, t.count));
        }
        words.extend(tags.iter().map(|t| t.to_string()));
        let text = words.join(" ");
        let style = if !tags.is_empty() {
            t.warning
        } else {
            t.acknowledged
        };
        (text, style)
    };
    let shown = on_screen(&rows, selected, list.height);
    let w = |title: &str, cap, f: &dyn Fn(&&Silence) -> (String, Style)| {
        fit(title, shown.iter().map(|s| f(s).0), cap)
    };
    // When it ends, as a clock time beside the countdown where there is room.
    let until = |s: &&Silence| {
        (
            format_clock(s.ends_at.timestamp_millis(), app.offset),
            t.muted,
        )
    };
    let columns: Vec<Column<&Silence>> = vec![
        Column::fixed("STATE", w("STATE", 8, &state), state).sorts(SortKey::State),
        Column::fixed("ENDS", w("ENDS", 10, &ends), ends).sorts(SortKey::Ends),
        Column::fixed("AT", 8, until).drop_order(40),
        Column::fixed("MUTES", 5, mutes),
        Column::fixed("FLAGS", w("FLAGS", 13, &flags), flags).drop_order(30),
        Column::flex("MATCHERS", 28, |s: &&Silence| {
            (s.matchers_display(), t.accent)
        })
        .distinct(0)
        .sorts(SortKey::Name),
        Column::fixed("BY", 14, |s: &&Silence| (s.created_by.clone(), t.muted))
            .sorts(SortKey::Who)
            .drop_order(50),
        // The comment is in the detail pane: at 80 columns the matchers keep the room.
        Column::flex("COMMENT", 24, |s: &&Silence| (s.comment.clone(), t.text)).drop_order(45),
    ];
    let marked = |s: &&Silence| app.triage.silences_list.marked.contains(&s.id);
    render_table(
        app,
        list,
        buf,
        columns,
        &rows,
        Table {
            selected,
            sort: app.triage.silences_list.sort,
            marked: &marked,
        },
    );
    if detail_h > 0 {
        render_silence_detail(
            app,
            rows[selected],
            Rect {
                y: list.y + list.height,
                height: detail_h,
                ..body
            },
            buf,
        );
    }
}

/// `ends in 12m (14:00:00)` or `ended 3m ago (11:57:00)`.
fn silence_end(app: &App, s: &Silence) -> String {
    let end = s.ends_at.timestamp_millis();
    let clock = format_clock(end, app.offset);
    if end > app.now_ms {
        format!("ends in {} ({clock})", format_age(end - app.now_ms))
    } else {
        format!("ended {} ago ({clock})", format_age(app.now_ms - end))
    }
}

/// The selected silence in full: when, flags, matchers, author and comment, where it is
/// held, and the alerts it mutes or would match with their key labels.
fn render_silence_detail(app: &App, s: &Silence, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let tr = &app.triage;
    detail_rule(app, area, buf);
    let kv = |k: &str, v: String, style: Style| {
        Line::from(vec![
            Span::styled(format!(" {:<13} ", truncate(k, 13)), t.muted),
            Span::styled(v, style),
        ])
    };
    let usage = tr.inventory.usage(&s.id);
    let ack = usage.is_some_and(|u| u.ack);
    let mut lines: Vec<Line> = Vec::new();
    let kind = match (ack, s.status) {
        (true, SilenceState::Active) => "active ack",
        (_, state) => state.as_str(),
    };
    let starts = s.starts_at.timestamp_millis();
    let start = if starts > app.now_ms {
        format!("starts in {}", format_age(starts - app.now_ms))
    } else {
        format!("started {} ago", format_age(app.now_ms - starts))
    };
    lines.push(kv(
        kind,
        format!(
            "{} · {start} ({})",
            silence_end(app, s),
            format_clock(starts, app.offset)
        ),
        t.text.add_modifier(Modifier::BOLD),
    ));
    for f in tr.inventory.flags(s, app.now_ms) {
        lines.push(kv(f.word(), f.describe().into(), t.warning));
    }
    lines.push(kv("matchers", clip(&s.matchers_display()), t.accent));
    lines.push(kv("by", clip(&s.created_by), t.text));
    lines.push(kv("comment", clip(&s.comment), t.text));
    // Mutes now, then what else its matchers select (muted by another silence, or pending
    // until it starts), each with the state it shows and its key labels.
    let (mutes, matches) = match usage {
        Some(u) if s.status != SilenceState::Expired => (u.mutes.clone(), u.matches.clone()),
        _ => (
            Vec::new(),
            crate::triage::silence_inventory::matching(s, tr.alerts.iter().map(|a| &**a)),
        ),
    };
    let alert_line = |e: &Entry| {
        format!(
            "{:<9} {} {}",
            e.shown.as_str(),
            clip(e.alert.alertname()),
            clip(&label_summary(&e.alert, false))
        )
    };
    // In the list's order; a set, as a silence may mute thousands of alerts.
    let listed = |fps: &[String]| -> Vec<&Entry> {
        let fps: std::collections::HashSet<&str> = fps.iter().map(String::as_str).collect();
        tr.entries
            .iter()
            .filter(|e| fps.contains(e.alert.fingerprint.as_str()))
            .collect()
    };
    let muted = listed(&mutes);
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let title = format!("mutes {}", muted.len());
    if muted.is_empty() && s.status == SilenceState::Active {
        lines.push(kv(&title, "no alert now".into(), t.warning));
    }
    for (i, e) in muted.iter().enumerate() {
        let k = if i == 0 { title.as_str() } else { "" };
        lines.push(kv(k, alert_line(e), shown_style(app, e.shown)));
    }
    let muted_now: std::collections::HashSet<&String> = mutes.iter().collect();
    let others: Vec<String> = matches
        .into_iter()
        .filter(|f| !muted_now.contains(f))
        .collect();
    let others = listed(&others);
    if !others.is_empty() {
        let title = match s.status {
            SilenceState::Active => format!("also matches {}", others.len()),
            _ => format!("would mute {}", others.len()),
        };
        for (i, e) in others.iter().enumerate() {
            let k = if i == 0 { title.as_str() } else { "" };
            lines.push(kv(k, alert_line(e), shown_style(app, e.shown)));
        }
    }
    if let Some(u) = usage.filter(|u| !u.duplicates.is_empty()) {
        lines.push(kv(
            &format!("duplicate{}", plural(u.duplicates.len())),
            clip(&u.duplicates.join(", ")),
            t.warning,
        ));
    }
    let held: Vec<String> = tr
        .silence_feeds
        .iter()
        .zip(&tr.health)
        .filter(|(f, _)| f.items.iter().any(|x| x.id == s.id))
        .map(|(_, h)| one_line(&h.name))
        .collect();
    if !held.is_empty() {
        lines.push(kv("held by", held.join(", "), t.muted));
    }
    lines.push(kv(
        "updated",
        format!(
            "{} ({} ago)",
            format_clock(s.updated_at.timestamp_millis(), app.offset),
            age(app, s.updated_at)
        ),
        t.muted,
    ));
    lines.push(kv("id", clip(&s.id), t.muted));
    for (i, line) in lines
        .into_iter()
        .take(usize::from(area.height.saturating_sub(1)))
        .enumerate()
    {
        buf.set_line(area.x, area.y + 1 + i as u16, &line, area.width);
    }
}

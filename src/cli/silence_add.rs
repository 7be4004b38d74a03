//! `oncall silence add`: matchers, a window and a comment become a silence, previewed with
//! the alerts it mutes and the warnings, confirmed, created once per Alertmanager cluster
//! and read back. With `--repeat weekly --count N`, the next N windows at once (a series).

use chrono::{DateTime, Local, SubsecRound, Utc};

use super::alerts::{label_summary, state};
use super::output::{self, Column, Table};
use super::silence::AddArgs;
use super::{confirmed, CliError, Globals, OutputFormat};
use crate::model::{parse_matchers, Matcher, PostableSilence, Silence};
use crate::sources::alertmanager::AlertQuery;
use crate::sources::fleet::{Fleet, MergedAlert};
use crate::timespec::silence_window;
use crate::triage::alert_list::people_order;
use crate::triage::broad_silence_warnings;

/// Preview shows at most this many of the alerts a new silence selects.
const PREVIEW_ALERTS: usize = 10;

pub(super) async fn add(globals: &Globals, args: AddArgs) -> Result<(), CliError> {
    // Everything the user typed is checked before any network call.
    let matchers = parse_matchers(&args.matchers)?;
    if matchers.iter().all(Matcher::matches_empty) {
        return Err(CliError::Usage(
            "every matcher also matches alerts that lack the label, so this would silence everything; \
             add a matcher that must match, such as alertname=NAME"
                .into(),
        ));
    }
    let comment = args.comment.trim().to_string();
    if comment.is_empty() {
        return Err(CliError::Usage(
            "--comment is empty; say why (a ticket, a change)".into(),
        ));
    }
    // Whole seconds: what is shown is exactly what is sent and read back.
    let now = Local::now().trunc_subsecs(0);
    let (starts_at, ends_at) =
        silence_window(args.start.as_ref(), args.end.as_ref(), args.duration, &now)
            .map_err(CliError::Usage)?;

    let session = globals.session().await?;
    let settings = &session.settings;
    if !args.dry_run {
        settings.require_writable("silences are not created (--dry-run still previews one)")?;
    }
    let author = args
        .author
        .as_deref()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| settings.author.clone());
    let fleet = Fleet::new(settings.require_alertmanagers()?)?;
    let bodies = windows(
        &args,
        &matchers,
        (starts_at, ends_at),
        &comment,
        &author,
        &now,
    );
    let body = bodies[0].clone();

    let preview_query = AlertQuery::default().with_filter(matchers.clone());
    // With --yes nothing waits between the preview and the POST, so the status requests that
    // find HA clusters go out with the preview: the wait is the slower of the two, not their
    // sum. After a prompt, which may sit for minutes, they are asked afresh; a dry run needs
    // none. Nothing is written before the confirmation either way.
    let clusters = async {
        match args.yes && !args.dry_run {
            true => Some(fleet.clusters().await),
            false => None,
        }
    };
    let (selected, clusters, existing) =
        tokio::join!(fleet.alerts(&preview_query), clusters, fleet.silences(&[]));
    let selected = selected?;
    // A silence with the same matchers over the same time already mutes these alerts: a
    // second one is almost always a mistake (a retry, two people at once), so it is asked.
    let twins: Vec<Silence> = existing
        .map(|g| g.items)
        .unwrap_or_default()
        .into_iter()
        .filter(|s| {
            s.status != crate::model::SilenceState::Expired
                && bodies
                    .iter()
                    .any(|b| s.starts_at < b.ends_at && b.starts_at < s.ends_at)
                && crate::writes::same_matchers(&s.matchers, &body.matchers)
        })
        .collect();
    let mut alerts = selected.items;
    alerts.sort_by_cached_key(|m| people_order(&m.alert));
    let muted: Vec<&crate::model::Alert> = alerts.iter().map(|m| &m.alert).collect();
    let warnings = broad_silence_warnings(
        &matchers,
        &muted,
        (ends_at - starts_at).to_std().unwrap_or_default(),
    );
    let mut preview = preview_text(
        &body,
        &alerts,
        fleet.len(),
        &warnings,
        now.with_timezone(&Utc),
        args.dry_run,
    );
    if bodies.len() > 1 {
        preview.push_str(&format!("Repeats: {} windows\n", bodies.len()));
        for b in &bodies {
            preview.push_str(&format!(
                "  {} to {}\n",
                output::local_time(b.starts_at),
                output::local_time(b.ends_at)
            ));
        }
    }
    for (_, e) in &selected.failures {
        eprintln!("oncall: warning: {e} (the preview lacks its alerts)");
    }

    for twin in &twins {
        eprintln!(
            "warning: an identical silence {} by {} already mutes these alerts until {} (\"{}\")",
            twin.id,
            crate::sanitize::one_line(&twin.created_by),
            output::local_time(twin.ends_at),
            crate::sanitize::one_line(&twin.comment)
        );
    }
    if args.dry_run {
        if globals.output == OutputFormat::Json {
            eprint!("{preview}");
            let matched: Vec<_> = alerts.iter().map(|m| &m.alert).collect();
            output::print_json(&serde_json::json!({
                "silence": body,
                "silences": bodies,
                "matching_alerts": matched,
                "warnings": warnings,
            }))?;
        } else {
            output::print(&preview)?;
        }
        return Ok(());
    }
    eprint!("{preview}");
    match (twins.first(), args.yes, super::interactive()) {
        (Some(twin), false, false) => {
            return Err(CliError::Usage(format!(
                "an identical silence {} already exists; nothing was created (add --yes to make a second one anyway)",
                twin.id
            )))
        }
        (Some(_), _, _) => confirmed(args.yes, "Create a second, identical silence?")?,
        (None, _, _) if bodies.len() > 1 => confirmed(
            args.yes,
            &format!("Create these {} silences?", bodies.len()),
        )?,
        (None, _, _) => confirmed(args.yes, "Create this silence?")?,
    }

    // The cluster lookup went out with the preview when nothing waited in between; the
    // write layer asks again (cheap, and after a prompt the answer may have changed).
    if let Some(Err(e)) = clusters {
        return Err(e.into());
    }
    let progress = |text: String| eprintln!("oncall: {text}");
    let mut placed: Vec<Silence> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let mut unknown = false;
    for body in &bodies {
        let done = crate::writes::create_silence(&fleet, body, &progress).await?;
        report(&done);
        // The incident log (`oncall log`), as the UI writes it.
        let write = crate::writes::Write::CreateSilence(body.clone());
        crate::writes::log::record(
            &write,
            &crate::writes::Written::SilencesCreated(done.clone()),
            "",
            settings,
        );
        placed.extend(done.silences().cloned());
        problems.extend(done.problems.iter().cloned());
        unknown |= done.unknown;
    }
    if !placed.is_empty() {
        match globals.output {
            OutputFormat::Json => output::print_json(&placed)?,
            _ => output::print(
                &placed
                    .iter()
                    .map(|s| format!("{}\n", s.id))
                    .collect::<String>(),
            )?,
        }
    }
    match (problems.is_empty(), unknown) {
        (true, _) => Ok(()),
        (false, true) => Err(CliError::Unknown(problems.join("; "))),
        (false, false) => Err(CliError::Backend(problems.join("; "))),
    }
}

/// What a creation did, on stderr.
fn report(done: &crate::writes::SilenceCreation) {
    for (url, s) in &done.created {
        eprintln!("created silence {} on {url}", s.id);
    }
    for id in &done.reconciled {
        eprintln!("(the answer for {id} was lost; it was found by reading the silences back)");
    }
    for (url, s) in &done.existing {
        eprintln!(
            "an identical silence {} by {} already exists on {url} (ends {}); no second one was made",
            s.id,
            s.created_by,
            output::local_time(s.ends_at)
        );
    }
}

/// The silence to make, or with --repeat the next windows, each tagged with its series.
fn windows(
    args: &AddArgs,
    matchers: &[Matcher],
    (starts_at, ends_at): (DateTime<Utc>, DateTime<Utc>),
    comment: &str,
    author: &str,
    now: &DateTime<Local>,
) -> Vec<PostableSilence> {
    use crate::triage::series::{occurrences, series_id, tagged};
    let body =
        |(starts_at, ends_at): (DateTime<Utc>, DateTime<Utc>), comment: String| PostableSilence {
            id: None,
            matchers: matchers.to_vec(),
            starts_at,
            ends_at,
            created_by: author.to_string(),
            comment,
        };
    let (Some(repeat), Some(count)) = (args.repeat, args.count) else {
        return vec![body((starts_at, ends_at), comment.to_string())];
    };
    let text: Vec<String> = matchers.iter().map(Matcher::to_string).collect();
    let id = series_id(starts_at, &text.join(","));
    occurrences(starts_at, ends_at, repeat, count, &now.timezone())
        .into_iter()
        .enumerate()
        .map(|(k, w)| body(w, tagged(comment, repeat, k as u32 + 1, count, &id)))
        .collect()
}

fn preview_text(
    body: &PostableSilence,
    selected: &[MergedAlert],
    members: usize,
    warnings: &[String],
    now: DateTime<Utc>,
    dry_run: bool,
) -> String {
    let mut out = String::new();
    out.push_str(if dry_run {
        "Silence (dry run, nothing is created):\n"
    } else {
        "Silence:\n"
    });
    let when = |t: DateTime<Utc>| {
        if (t - now).num_seconds().abs() < 2 {
            format!("{} (now)", output::local_time(t))
        } else {
            format!("{} ({})", output::local_time(t), output::relative(t, now))
        }
    };
    let matchers: Vec<String> = body.matchers.iter().map(Matcher::to_string).collect();
    out.push_str(&format!(
        "  matchers  {}\n",
        crate::sanitize::one_line(&matchers.join(" "))
    ));
    out.push_str(&format!("  starts    {}\n", when(body.starts_at)));
    out.push_str(&format!(
        "  ends      {}, lasting {}\n",
        when(body.ends_at),
        output::age(body.ends_at - body.starts_at)
    ));
    out.push_str(&format!(
        "  author    {}\n",
        crate::sanitize::one_line(&body.created_by)
    ));
    out.push_str(&format!(
        "  comment   {}\n",
        crate::sanitize::one_line(&body.comment)
    ));
    let already = selected
        .iter()
        .filter(|m| !m.alert.is_firing_unsuppressed())
        .count();
    match selected.len() {
        0 => out.push_str("It matches no current alert.\n"),
        n => {
            out.push_str(&format!(
                "It matches {n} current alert{}{}:\n",
                if n == 1 { "" } else { "s" },
                if already > 0 {
                    format!(" ({already} already silenced or inhibited)")
                } else {
                    String::new()
                }
            ));
            let mut t = Table::new(vec![
                Column::fixed("SEVERITY"),
                Column::fixed("ALERTNAME"),
                Column::fixed("LABELS"),
                Column::fixed("STATE"),
                Column::fixed("AGE"),
            ]);
            for m in selected.iter().take(PREVIEW_ALERTS) {
                t.push(vec![
                    m.alert.severity().unwrap_or("-").to_string(),
                    m.alert.alertname().to_string(),
                    label_summary(&m.alert, false),
                    state(m, members),
                    output::age(now - m.alert.starts_at),
                ]);
            }
            for line in t.render(None).lines() {
                out.push_str(&format!("  {line}\n"));
            }
            if n > PREVIEW_ALERTS {
                out.push_str(&format!("  … and {} more\n", n - PREVIEW_ALERTS));
            }
        }
    }
    for w in warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}

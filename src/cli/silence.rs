//! `oncall silence add|ls|expire|extend`.
//!
//! `add` shows what it will do before doing it: the alerts the matchers select now and any
//! sign that the silence is broader than meant. It POSTs once per Alertmanager cluster
//! (members share silences by gossip), reads the silence back from the member that took it,
//! and prints the ID on stdout only once the read-back matches.

use std::time::Duration;

use chrono::{DateTime, Local, SubsecRound, Utc};
use clap::Subcommand;

use super::alerts::{label_summary, partial_failure, state};
use super::output::{self, Column, Table};
use super::{block_on, confirmed, CliError, Globals, OutputFormat};
use crate::duration::parse_duration;
use crate::model::silence::SilenceRef;
use crate::model::{parse_matchers, Matcher, PostableSilence, Silence, SilenceState};
use crate::sources::alertmanager::AlertQuery;
use crate::sources::fleet::{Fleet, MergedAlert};
use crate::timespec::{silence_window, TimeSpec};
use crate::triage::alert_list::people_order;
use crate::triage::broad_silence_warnings;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: SilenceCommand,
}

#[derive(Debug, Subcommand)]
pub enum SilenceCommand {
    /// Create a silence, after showing which current alerts it selects.
    Add(AddArgs),
    /// List active and pending silences (--expired adds expired ones); `query` as in amtool.
    #[command(visible_aliases = ["list", "query"])]
    Ls(LsArgs),
    /// Expire silences now.
    Expire(ExpireArgs),
    /// Move the end of a silence; prints the ID to use from now on.
    Extend(ExtendArgs),
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "TIME is RFC 3339 (2026-08-20T22:00:00Z), a local HH:MM (the next one) or +DURATION (+30m).\n\
Matchers use amtool's syntax (alertname=Foo, severity=~\"crit.*\", job!=x); a bare first word is the alert name.\n\
Output: the new silence ID on stdout (one line per Alertmanager cluster); with -o json, the silences as read back.\n\
The preview and warnings go to stderr (stdout with --dry-run). On a terminal it asks before creating; --yes skips that."
)]
pub struct AddArgs {
    /// Label matchers; a bare first word is the alert name.
    #[arg(value_name = "MATCHER", required = true)]
    pub matchers: Vec<String>,
    /// How long, e.g. 2h or 1h30m (from --start, else from now).
    #[arg(long, short = 'd', value_parser = positive_duration, conflicts_with = "end", required_unless_present = "end")]
    pub duration: Option<Duration>,
    /// When it starts (default now).
    #[arg(long, value_name = "TIME")]
    pub start: Option<TimeSpec>,
    /// When it ends.
    #[arg(long, value_name = "TIME")]
    pub end: Option<TimeSpec>,
    /// Why (required): a ticket, a change, what you are doing.
    #[arg(long, short = 'c')]
    pub comment: String,
    /// Who is silencing (default: `author` in the config, else $USER).
    #[arg(long, short = 'a')]
    pub author: Option<String>,
    /// Show what would be silenced, create nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Matchers select silences that have those matchers themselves (Alertmanager's filter), \
not silences that would mute such alerts."
)]
pub struct LsArgs {
    /// Only silences with these matchers.
    #[arg(value_name = "MATCHER")]
    pub matchers: Vec<String>,
    /// Include expired silences.
    #[arg(long)]
    pub expired: bool,
    /// Print only the IDs, one a line (`oncall silence query -q alertname=Foo | xargs oncall
    /// silence expire -y`).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, clap::Args)]
pub struct ExpireArgs {
    /// Silence IDs, or their first characters (at least 4) as the tables show them.
    #[arg(value_name = "ID", required = true, value_parser = SilenceRef::parse)]
    pub ids: Vec<SilenceRef>,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Alertmanager keeps the ID when it can change the silence in place; otherwise (an expired \
silence, for one) it makes a new silence and expires the old. The ID printed is the one to use from now on."
)]
pub struct ExtendArgs {
    /// Silence ID, or its first characters (at least 4).
    #[arg(value_parser = SilenceRef::parse)]
    pub id: SilenceRef,
    /// Add this much to its end (an expired silence runs this long from now).
    #[arg(long, short = 'd', value_parser = positive_duration, conflicts_with = "end", required_unless_present = "end")]
    pub duration: Option<Duration>,
    /// New end.
    #[arg(long, value_name = "TIME")]
    pub end: Option<TimeSpec>,
}

fn positive_duration(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        d if d.is_zero() => Err("the duration must be longer than 0s".into()),
        d => Ok(d),
    }
}

pub fn run(globals: &Globals, args: Args) -> i32 {
    match args.command {
        SilenceCommand::Add(a) => block_on(add(globals, a)),
        SilenceCommand::Ls(a) => block_on(ls(globals, a)),
        SilenceCommand::Expire(a) => block_on(expire(globals, a)),
        SilenceCommand::Extend(a) => block_on(extend(globals, a)),
    }
}

/// Preview shows at most this many of the alerts a new silence selects.
const PREVIEW_ALERTS: usize = 10;

async fn add(globals: &Globals, args: AddArgs) -> Result<(), CliError> {
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
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| settings.author.clone());
    let fleet = Fleet::new(settings.require_alertmanagers()?)?;
    let body = PostableSilence {
        id: None,
        matchers: matchers.clone(),
        starts_at,
        ends_at,
        created_by: author,
        comment,
    };

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
                && s.starts_at < body.ends_at
                && body.starts_at < s.ends_at
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
    let preview = preview_text(
        &body,
        &alerts,
        fleet.len(),
        &warnings,
        now.with_timezone(&Utc),
        args.dry_run,
    );
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
        (None, _, _) => confirmed(args.yes, "Create this silence?")?,
    }

    // The cluster lookup went out with the preview when nothing waited in between; the
    // write layer asks again (cheap, and after a prompt the answer may have changed).
    if let Some(Err(e)) = clusters {
        return Err(e.into());
    }
    let progress = |text: String| eprintln!("oncall: {text}");
    let done = crate::writes::create_silence(&fleet, &body, &progress).await?;
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
    // The incident log (`oncall log`), as the UI writes it.
    let write = crate::writes::Write::CreateSilence(body.clone());
    crate::writes::log::record(
        &write,
        &crate::writes::Written::SilencesCreated(done.clone()),
        "",
        settings,
    );
    let placed: Vec<&Silence> = done.silences().collect();
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
    match (done.problems.is_empty(), done.unknown) {
        (true, _) => Ok(()),
        (false, true) => Err(CliError::Unknown(done.problems.join("; "))),
        (false, false) => Err(CliError::Backend(done.problems.join("; "))),
    }
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

async fn ls(globals: &Globals, args: LsArgs) -> Result<(), CliError> {
    let filter = parse_matchers(&args.matchers)?;
    let session = globals.session().await?;
    let fleet = Fleet::new(session.settings.require_alertmanagers()?)?;
    let gathered = fleet.silences(&filter).await?;
    let mut silences: Vec<Silence> = gathered
        .items
        .into_iter()
        .filter(|s| args.expired || s.status != SilenceState::Expired)
        .collect();
    sort_silences(&mut silences);
    match globals.output {
        _ if args.quiet => output::print(
            &silences
                .iter()
                .map(|s| format!("{}\n", s.id))
                .collect::<String>(),
        )?,
        OutputFormat::Json => output::print_json(&silences)?,
        format => {
            let t = silence_table(&silences, Utc::now(), format == OutputFormat::Wide);
            output::print(&t.render(output::table_width(format)))?;
            if silences.is_empty() {
                eprintln!(
                    "no {}silences",
                    if args.expired {
                        ""
                    } else {
                        "active or pending "
                    }
                );
            }
        }
    }
    partial_failure(&gathered.failures, fleet.len(), "silences")
}

/// Active (ending soonest first), then pending (starting soonest), then expired (most
/// recently ended first), as Alertmanager orders them.
pub fn sort_silences(silences: &mut [Silence]) {
    let rank = |s: &Silence| match s.status {
        SilenceState::Active => 0,
        SilenceState::Pending => 1,
        SilenceState::Expired => 2,
    };
    silences.sort_by(|a, b| {
        rank(a).cmp(&rank(b)).then_with(|| match a.status {
            SilenceState::Active => a.ends_at.cmp(&b.ends_at),
            SilenceState::Pending => a.starts_at.cmp(&b.starts_at),
            SilenceState::Expired => b.ends_at.cmp(&a.ends_at),
        })
    });
}

/// The silences as a table; `absolute` (`-o wide`) shows the local date and time of start and
/// end beside how far away they are.
pub fn silence_table(silences: &[Silence], now: DateTime<Utc>, absolute: bool) -> Table {
    let when = |t: DateTime<Utc>| match absolute {
        true => format!("{} ({})", output::local_time(t), output::relative(t, now)),
        false => output::relative(t, now),
    };
    let mut t = Table::new(vec![
        Column::fixed("ID"),
        Column::fixed("STATE"),
        Column::flexible("MATCHERS", 16),
        Column::fixed("STARTS"),
        Column::fixed("ENDS"),
        Column::flexible("CREATED BY", 8),
        Column::flexible("COMMENT", 12),
    ]);
    for s in silences {
        t.push(vec![
            s.id.clone(),
            s.status.to_string(),
            s.matchers_display(),
            when(s.starts_at),
            when(s.ends_at),
            s.created_by.clone(),
            s.comment.clone(),
        ]);
    }
    t
}

async fn expire(globals: &Globals, args: ExpireArgs) -> Result<(), CliError> {
    let session = globals.session().await?;
    session
        .settings
        .require_writable("silences are not expired")?;
    let fleet = Fleet::new(session.settings.require_alertmanagers()?)?;
    let mut found: Vec<(usize, Silence)> = Vec::new();
    let mut errors: Vec<CliError> = Vec::new();
    for id in &args.ids {
        match find_silence(&fleet, id).await {
            Ok(hit) if found.iter().any(|(_, s)| s.id == hit.1.id) => {}
            Ok(hit) => found.push(hit),
            Err(e) => errors.push(e),
        }
    }
    let live: Vec<&(usize, Silence)> = found
        .iter()
        .filter(|(_, s)| s.status != SilenceState::Expired)
        .collect();
    for (_, s) in found
        .iter()
        .filter(|(_, s)| s.status == SilenceState::Expired)
    {
        eprintln!("silence {} is already expired", s.id);
    }
    if !live.is_empty() {
        let now = Utc::now();
        eprint!(
            "{}",
            silence_table(
                &live.iter().map(|(_, s)| s.clone()).collect::<Vec<_>>(),
                now,
                false
            )
            .render(None)
        );
        confirmed(
            args.yes,
            &format!(
                "Expire {} silence{}?",
                live.len(),
                if live.len() == 1 { "" } else { "s" }
            ),
        )?;
    }
    let mut done: Vec<String> = found
        .iter()
        .filter(|(_, s)| s.status == SilenceState::Expired)
        .map(|(_, s)| s.id.clone())
        .collect();
    let progress = |text: String| eprintln!("oncall: {text}");
    for (_, s) in live {
        match crate::writes::expire_silence(&fleet, &s.id, &progress).await {
            Ok(()) => {
                eprintln!("expired silence {}", s.id);
                // The incident log (`oncall log`), as the UI writes it.
                let write = crate::writes::Write::ExpireSilence(s.id.clone());
                let written = crate::writes::Written::SilenceExpired(s.id.clone());
                crate::writes::log::record(&write, &written, "", &session.settings);
                done.push(s.id.clone());
            }
            Err(e) => errors.push(e.into()),
        }
    }
    output::print(&done.iter().map(|id| format!("{id}\n")).collect::<String>())?;
    report_all(errors)
}

/// The silence a whole ID or a prefix names, and the member that holds it. A prefix is
/// looked up in the silences every member lists; it must name exactly one.
async fn find_silence(fleet: &Fleet, id: &SilenceRef) -> Result<(usize, Silence), CliError> {
    let full = match id {
        SilenceRef::Id(full) => full.clone(),
        SilenceRef::Prefix(prefix) => {
            let listed = fleet.silences(&[]).await?;
            let mut hits: Vec<Silence> = listed
                .items
                .into_iter()
                .filter(|s| id.matches(&s.id))
                .collect();
            match hits.len() {
                1 => hits.remove(0).id,
                0 if !listed.failures.is_empty() => {
                    return Err(CliError::Backend(format!(
                        "no silence ID starts with {prefix} on the Alertmanagers that answered ({}); give the whole ID",
                        listed.failures.iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>().join("; ")
                    )))
                }
                0 => {
                    return Err(CliError::Backend(format!(
                        "no silence ID starts with {prefix} (`oncall silence ls --expired` lists them all)"
                    )))
                }
                n => {
                    sort_silences(&mut hits);
                    return Err(CliError::Usage(format!(
                        "{n} silences start with {prefix}: {}; give more of the ID",
                        hits.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(", ")
                    )));
                }
            }
        }
    };
    Ok(fleet.find_silence(&full).await?)
}

/// Print every error but the last, and return the last (its exit status wins).
fn report_all(errors: Vec<CliError>) -> Result<(), CliError> {
    let mut errors = errors.into_iter();
    let mut last = errors.next();
    for e in errors {
        if let Some(prev) = last.replace(e) {
            eprintln!("oncall: {prev}");
        }
    }
    last.map_or(Ok(()), Err)
}

async fn extend(globals: &Globals, args: ExtendArgs) -> Result<(), CliError> {
    let session = globals.session().await?;
    session
        .settings
        .require_writable("silences are not extended")?;
    let fleet = Fleet::new(session.settings.require_alertmanagers()?)?;
    let (_, silence) = find_silence(&fleet, &args.id).await?;
    let now = Local::now().trunc_subsecs(0);
    let new_end =
        new_end(&silence, args.duration, args.end.as_ref(), &now).map_err(CliError::Usage)?;
    let body = silence.extended_to(new_end);
    let progress = |text: String| eprintln!("oncall: {text}");
    let (_, back) = crate::writes::replace_silence(&fleet, &body, &progress).await?;
    let new_id = back.id.clone();
    if (back.ends_at - new_end).num_milliseconds().abs() >= 1000
        || back.status == SilenceState::Expired
    {
        return Err(CliError::Backend(format!(
            "silence {new_id} reads back ending {} ({}), not {}",
            back.ends_at.to_rfc3339(),
            back.status,
            new_end.to_rfc3339()
        )));
    }
    if new_id == silence.id {
        eprintln!("silence {new_id} now ends {}", output::local_time(new_end));
    } else {
        let why = if silence.status == SilenceState::Expired {
            "an expired silence cannot be changed"
        } else {
            "it could not change it in place"
        };
        eprintln!(
            "{} -> {new_id}: Alertmanager replaced the silence ({why}); it ends {}",
            silence.id,
            output::local_time(new_end)
        );
    }
    // The incident log (`oncall log`), as the UI writes it.
    let write = crate::writes::Write::ReplaceSilence(body);
    let written = crate::writes::Written::SilenceReplaced {
        old: silence.id.clone(),
        new: back.clone(),
    };
    crate::writes::log::record(&write, &written, "", &session.settings);
    match globals.output {
        OutputFormat::Json => output::print_json(&back),
        _ => output::print(&format!("{new_id}\n")),
    }
}

/// The end an `extend` asks for: `--end`, or the current end plus `--duration` (from now for
/// an expired silence, which can only be replaced).
pub fn new_end<Tz: chrono::TimeZone>(
    silence: &Silence,
    duration: Option<Duration>,
    end: Option<&TimeSpec>,
    now: &DateTime<Tz>,
) -> Result<DateTime<Utc>, String> {
    let now_utc = now.with_timezone(&Utc);
    let end = match (end, duration) {
        (Some(spec), None) => spec.resolve(now)?,
        (None, Some(d)) => {
            let d =
                chrono::Duration::from_std(d).map_err(|_| "--duration is too long".to_string())?;
            let from = if silence.status == SilenceState::Expired {
                now_utc
            } else {
                silence.ends_at.max(now_utc)
            };
            from + d
        }
        _ => return Err("give --duration or --end".into()),
    };
    if end <= now_utc {
        return Err(format!("the new end ({}) is in the past", end.to_rfc3339()));
    }
    Ok(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn silence(state: &str, starts: &str, ends: &str) -> Silence {
        serde_json::from_value(serde_json::json!({
            "id": format!("{state}-{ends}"), "matchers": [{"name": "alertname", "value": "A", "isRegex": false}],
            "startsAt": starts, "endsAt": ends, "createdBy": "me", "comment": "c",
            "status": {"state": state}, "updatedAt": starts
        }))
        .unwrap()
    }

    #[test]
    fn extend_adds_to_the_end_or_runs_from_now_when_expired() {
        let now: DateTime<Utc> = "2026-08-20T11:00:00Z".parse().unwrap();
        let active = silence("active", "2026-08-20T10:00:00Z", "2026-08-20T12:00:00Z");
        let end = new_end(&active, Some(HOUR), None, &now).unwrap();
        assert_eq!(end.to_rfc3339(), "2026-08-20T13:00:00+00:00");
        let expired = silence("expired", "2026-08-20T08:00:00Z", "2026-08-20T09:00:00Z");
        let end = new_end(&expired, Some(HOUR), None, &now).unwrap();
        assert_eq!(end.to_rfc3339(), "2026-08-20T12:00:00+00:00");
        let past: TimeSpec = "2026-08-20T10:30:00Z".parse().unwrap();
        assert!(new_end(&active, None, Some(&past), &now)
            .unwrap_err()
            .contains("in the past"));
    }

    #[test]
    fn silences_sort_active_pending_expired() {
        let mut v = vec![
            silence("expired", "2026-08-20T08:00:00Z", "2026-08-20T09:00:00Z"),
            silence("pending", "2026-08-20T14:00:00Z", "2026-08-20T15:00:00Z"),
            silence("active", "2026-08-20T10:00:00Z", "2026-08-20T13:00:00Z"),
            silence("active", "2026-08-20T10:00:00Z", "2026-08-20T12:00:00Z"),
            silence("expired", "2026-08-20T08:00:00Z", "2026-08-20T10:00:00Z"),
        ];
        sort_silences(&mut v);
        let order: Vec<String> = v.iter().map(|s| s.id.clone()).collect();
        assert_eq!(
            order,
            [
                "active-2026-08-20T12:00:00Z",
                "active-2026-08-20T13:00:00Z",
                "pending-2026-08-20T15:00:00Z",
                "expired-2026-08-20T10:00:00Z",
                "expired-2026-08-20T09:00:00Z"
            ]
        );
    }
}

//! `oncall silence add|ls|expire|extend`.
//!
//! `add` shows what it will do before doing it: the alerts the matchers select now and any
//! sign that the silence is broader than meant. It POSTs once per Alertmanager cluster
//! (members share silences by gossip), reads the silence back from the member that took it,
//! and prints the ID on stdout only once the read-back matches.

use std::time::Duration;

use chrono::{DateTime, Local, SubsecRound, Utc};
use clap::Subcommand;

use super::alerts::partial_failure;
use super::output::{self, Column, Table};
use super::{block_on, confirmed, CliError, Globals, OutputFormat};
use crate::duration::parse_duration;
use crate::model::silence::SilenceRef;
use crate::model::{parse_matchers, Silence, SilenceState};
use crate::sources::fleet::Fleet;
use crate::timespec::TimeSpec;

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
    after_help = "TIME is RFC 3339 (2026-08-20T22:00:00Z), a local HH:MM (the next one), a weekday and time (sat 02:00) or +DURATION (+30m).\n\
A maintenance window every week: --start 'sat 02:00' --end 'sat 04:00' --repeat weekly --count 4.\n\
Matchers use amtool's syntax (alertname=Foo, severity=~\"crit.*\", job!=x, foo=a\\\"b); a bare first word is the alert name.\n\
Unlike amtool, on purpose: one matcher per argument (no {...} lists); a malformed argument is an error, never an alert name; \
label names are never quoted; a silence whose every matcher also matches a missing label is refused.\n\
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
    /// Make the next windows at once (Alertmanager has no recurring silences): each a
    /// silence whose comment ends with `[weekly 2/4 · series ID]`, listed and expired together.
    #[arg(long, value_enum, requires = "count")]
    pub repeat: Option<crate::triage::series::Repeat>,
    /// How many windows --repeat makes, this one included (2 to 52).
    #[arg(long, requires = "repeat", value_parser = clap::value_parser!(u32).range(2..=52))]
    pub count: Option<u32>,
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
    /// Expire every silence of each one's recurring series (`silence add --repeat`).
    #[arg(long)]
    pub series: bool,
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
        SilenceCommand::Add(a) => block_on(super::silence_add::add(globals, a)),
        SilenceCommand::Ls(a) => block_on(ls(globals, a)),
        SilenceCommand::Expire(a) => block_on(expire(globals, a)),
        SilenceCommand::Extend(a) => block_on(extend(globals, a)),
    }
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
/// recently ended first), as Alertmanager orders them; a recurring series kept together.
pub fn sort_silences(silences: &mut Vec<Silence>) {
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
    crate::triage::series::keep_together(silences, |s| s.comment.as_str());
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
    if args.series {
        let all = fleet.silences(&[]).await?.items;
        let mut more: Vec<(usize, Silence)> = Vec::new();
        for (_, s) in &found {
            for m in crate::triage::series::members(s, &all) {
                if !found.iter().chain(&more).any(|(_, x)| x.id == m.id) {
                    more.push((0, m.clone()));
                }
            }
        }
        found.extend(more);
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

//! `oncall note INCIDENT TEXT` and `oncall snooze INCIDENT --for 1h`: working an incident
//! from the command line, through the same write layer as the UI (confirmed on a terminal,
//! reconciled when PagerDuty's answer is lost, written to the incident log).

use std::time::Duration;

use super::incident_target::{resolve_refs, IncidentRef, Target};
use super::incidents::client;
use super::{block_on, confirmed, output, CliError, Globals, OutputFormat};
use crate::duration::{format_duration, parse_positive_duration};
use crate::writes::{Write, Written};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "For example: oncall note 1001 \"rolled back to v1.4.2, error rate falling\""
)]
pub struct NoteArgs {
    /// The incident: its ID or number (1001, #1001).
    #[arg(value_parser = IncidentRef::parse)]
    pub incident: IncidentRef,
    /// The note.
    pub text: Vec<String>,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Only an acknowledged incident can be snoozed; it triggers again when the snooze ends."
)]
pub struct SnoozeArgs {
    /// The incident: its ID or number (1001, #1001).
    #[arg(value_parser = IncidentRef::parse)]
    pub incident: IncidentRef,
    /// How long, up to a week (e.g. 30m, 4h).
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_positive_duration)]
    pub duration: Duration,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "PagerDuty notifies whoever is on call at that level of the incident's escalation policy (`oncall who` lists them)."
)]
pub struct EscalateArgs {
    /// The incident: its ID or number (1001, #1001).
    #[arg(value_parser = IncidentRef::parse)]
    pub incident: IncidentRef,
    /// The escalation level to notify (1 is the first).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub level: u32,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

pub fn run_escalate(globals: &Globals, args: EscalateArgs) -> i32 {
    block_on(escalate(globals, args))
}

async fn escalate(globals: &Globals, args: EscalateArgs) -> Result<(), CliError> {
    let (session, client, target) = target(globals, &args.incident, "nothing is escalated").await?;
    eprintln!("Escalate {} to level {}", target.name(), args.level);
    confirmed(args.yes, "Escalate it?")?;
    let write = Write::Escalate {
        incident: target.id.clone(),
        level: args.level,
    };
    let progress = |t: String| eprintln!("oncall: {t}");
    let incident =
        crate::writes::incident_work::escalate(&client, &target.id, args.level, &progress).await?;
    crate::writes::log::record(
        &write,
        &Written::Escalated {
            incident: Box::new(incident.clone()),
            level: args.level,
        },
        &target.detail(),
        &session.settings,
    );
    eprintln!("escalated {} to level {}", target.name(), args.level);
    output::print(&format!("{}\n", incident.id))
}

pub fn run_note(globals: &Globals, args: NoteArgs) -> i32 {
    block_on(note(globals, args))
}

pub fn run_snooze(globals: &Globals, args: SnoozeArgs) -> i32 {
    block_on(snooze(globals, args))
}

/// The one incident an argument names, with its number and title for the prompt and the log.
async fn target(
    globals: &Globals,
    incident: &IncidentRef,
    not_done: &str,
) -> Result<
    (
        super::Session,
        crate::sources::pagerduty::PagerDutyClient,
        Target,
    ),
    CliError,
> {
    let session = globals.session().await?;
    session.settings.require_writable(not_done)?;
    let client = client(&session.settings).await?;
    let target = resolve_refs(&client, std::slice::from_ref(incident))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| CliError::Usage("no such incident".into()))?;
    Ok((session, client, target))
}

async fn note(globals: &Globals, args: NoteArgs) -> Result<(), CliError> {
    let text = args.text.join(" ").trim().to_string();
    if text.is_empty() {
        return Err(CliError::Usage(
            "the note is empty; say what was done or found".into(),
        ));
    }
    if text.chars().count() > 25_000 {
        return Err(CliError::Usage(
            "a PagerDuty note holds at most 25,000 characters".into(),
        ));
    }
    let (session, client, target) = target(globals, &args.incident, "no note is added").await?;
    eprintln!(
        "Note on {}:\n  {}",
        target.name(),
        crate::sanitize::one_line(&text)
    );
    confirmed(args.yes, "Add this note?")?;
    let write = Write::Note {
        incident: target.id.clone(),
        content: text.clone(),
    };
    let progress = |t: String| eprintln!("oncall: {t}");
    let note =
        crate::writes::incident_work::add_note(&client, &target.id, &text, &progress).await?;
    let written = Written::Noted {
        incident: target.id.clone(),
        note: note.clone(),
    };
    crate::writes::log::record(&write, &written, &target.detail(), &session.settings);
    eprintln!("note added to {}", target.name());
    match globals.output {
        OutputFormat::Json => output::print_json(&note),
        _ => output::print(&format!("{}\n", note.id)),
    }
}

async fn snooze(globals: &Globals, args: SnoozeArgs) -> Result<(), CliError> {
    let secs = args.duration.as_secs();
    if secs == 0 || secs > crate::sources::pagerduty::MAX_SNOOZE_SECS {
        return Err(CliError::Usage(format!(
            "--for {}: a snooze lasts 1 second to 1 week",
            format_duration(args.duration)
        )));
    }
    let (session, client, target) = target(globals, &args.incident, "nothing is snoozed").await?;
    eprintln!(
        "Snooze {} for {} (it triggers again then)",
        target.name(),
        format_duration(args.duration)
    );
    confirmed(args.yes, "Snooze it?")?;
    let write = Write::Snooze {
        incident: target.id.clone(),
        secs,
    };
    let progress = |t: String| eprintln!("oncall: {t}");
    let incident = crate::writes::incident_work::snooze(&client, &target.id, secs, &progress)
        .await
        .map_err(|e| match e.message.contains("HTTP 400") {
            true => CliError::Backend(format!(
                "{}: PagerDuty snoozes acknowledged incidents only; `oncall ack {}` first",
                e.message, target.id
            )),
            false => e.into(),
        })?;
    crate::writes::log::record(
        &write,
        &Written::Snoozed(Box::new(incident.clone())),
        &target.detail(),
        &session.settings,
    );
    eprintln!("snoozed {}", target.name());
    output::print(&format!("{}\n", incident.id))
}

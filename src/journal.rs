//! The incident log: every ack, resolve, silence, expire, extend and runbook step run,
//! appended as one JSON line to a file in the data dir, and printed back as a postmortem
//! timeline (`oncall log`).
//!
//! Appends are one `write` of one line to a file opened with `O_APPEND`, so entries from
//! several oncall processes never interleave within a line. A line that does not parse (a
//! crash mid-write, a newer version) is skipped and counted, never fatal.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Overrides the data dir (tests, or a shared incident folder).
pub const ENV_DATA_DIR: &str = "ONCALL_DATA_DIR";
/// The log's file name inside the data dir.
pub const FILE_NAME: &str = "incident-log.jsonl";
/// What `--demo` does is logged apart, so the demo's acks and steps never enter the real
/// incident log (and a postmortem made from it).
pub const DEMO_FILE_NAME: &str = "incident-log.demo.jsonl";

static DEMO: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// From now on this process logs to (and `oncall log` reads) the demo's own log. Set once
/// where the demo platform replaces the configured backends.
pub fn use_demo_log() {
    DEMO.store(true, std::sync::atomic::Ordering::SeqCst);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Ack,
    Resolve,
    Silence,
    Expire,
    Extend,
    RunbookStep,
    /// A note added to a PagerDuty incident.
    Note,
    Snooze,
    Escalate,
}

impl Kind {
    fn verb(self) -> &'static str {
        match self {
            Kind::Ack => "Acknowledged",
            Kind::Resolve => "Resolved",
            Kind::Silence => "Silenced",
            Kind::Expire => "Expired silence",
            Kind::Extend => "Extended silence",
            Kind::RunbookStep => "Ran",
            Kind::Note => "Noted on",
            Kind::Snooze => "Snoozed",
            Kind::Escalate => "Escalated",
        }
    }
}

/// One thing the on-call engineer did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub kind: Kind,
    pub started: DateTime<Utc>,
    pub ended: DateTime<Utc>,
    /// Who did it (the config's author or `$USER`).
    pub user: String,
    /// The config context it was done in.
    pub context: String,
    /// What it was done to: incident IDs, a silence ID, `ServiceDown step 3`.
    pub target: String,
    /// Free text: the silence's matchers and comment, the step's explanation.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// For runbook steps: exactly what ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub argv: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_status: Option<i32>,
    /// Why it failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Entry {
    /// An entry that started and ended now, with no detail; fill the rest with struct update.
    pub fn now(kind: Kind, user: &str, context: &str, target: impl Into<String>) -> Entry {
        let now = Utc::now();
        Entry {
            kind,
            started: now,
            ended: now,
            user: user.to_string(),
            context: context.to_string(),
            target: target.into(),
            detail: String::new(),
            argv: None,
            exit_status: None,
            error: None,
        }
    }

    /// One line for a timeline, untrusted parts sanitized.
    pub fn describe(&self) -> String {
        let clean = crate::sanitize::one_line;
        let mut line = format!("{} {}", self.kind.verb(), clean(&self.target));
        if let Some(argv) = &self.argv {
            line.push_str(&format!(": `{}`", clean(&argv.join(" "))));
        }
        if !self.detail.is_empty() {
            line.push_str(&format!(" ({})", clean(&self.detail)));
        }
        if let Some(status) = self.exit_status {
            line.push_str(&format!(", exit {status}"));
        }
        if let Some(error) = &self.error {
            line.push_str(&format!(", failed: {}", clean(error)));
        }
        line.push_str(&format!(
            " [{}@{}]",
            clean(&self.user),
            clean(&self.context)
        ));
        line
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("no data directory is known for this user; set {ENV_DATA_DIR} to a folder for the incident log")]
    NoDataDir,
    #[error("cannot write the incident log {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the incident log {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// An incident log file.
#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
}

/// What [`Journal::read`] found.
#[derive(Debug, Default)]
pub struct Read {
    pub entries: Vec<Entry>,
    /// Lines that did not parse, skipped.
    pub skipped: usize,
}

impl Journal {
    pub fn at(path: impl Into<PathBuf>) -> Journal {
        Journal { path: path.into() }
    }

    /// The log in `ONCALL_DATA_DIR`, else the platform data dir (`~/.local/share/oncall`).
    pub fn default_location() -> Result<Journal, JournalError> {
        let dir = match std::env::var_os(ENV_DATA_DIR).filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => directories::ProjectDirs::from("", "", "oncall")
                .map(|d| d.data_dir().to_path_buf())
                .ok_or(JournalError::NoDataDir)?,
        };
        let name = match DEMO.load(std::sync::atomic::Ordering::SeqCst) {
            true => DEMO_FILE_NAME,
            false => FILE_NAME,
        };
        Ok(Journal::at(dir.join(name)))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one entry as one line.
    pub fn append(&self, entry: &Entry) -> Result<(), JournalError> {
        let err = |source| JournalError::Write {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let mut line = serde_json::to_vec(entry).map_err(|e| err(e.into()))?;
        line.push(b'\n');
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            // The log names incidents and commands: keep it to its owner.
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&self.path).map_err(err)?;
        file.write_all(&line).map_err(err)
    }

    /// Entries that started at or after `since` (all when `None`), oldest first. A missing
    /// file is an empty log.
    pub fn read(&self, since: Option<DateTime<Utc>>) -> Result<Read, JournalError> {
        let file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Read::default()),
            Err(source) => {
                return Err(JournalError::Read {
                    path: self.path.clone(),
                    source,
                })
            }
        };
        let mut read = Read::default();
        for line in BufReader::new(file).lines() {
            let line = line.map_err(|source| JournalError::Read {
                path: self.path.clone(),
                source,
            })?;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Entry>(&line) {
                Ok(entry) if since.is_none_or(|s| entry.started >= s) => read.entries.push(entry),
                Ok(_) => {}
                Err(_) => read.skipped += 1,
            }
        }
        read.entries.sort_by_key(|e| e.started);
        Ok(read)
    }
}

/// Append to the default log. Callers warn on failure and carry on: what was done is done.
pub fn record(entry: &Entry) -> Result<(), JournalError> {
    Journal::default_location()?.append(entry)
}

/// [`record`], printing a warning on stderr when the log cannot be written.
pub fn record_or_warn(entry: &Entry) {
    if let Err(e) = record(entry) {
        eprintln!("oncall: warning: {e}");
    }
}

/// The entries as the Timeline of the platform's postmortem template, with the summary filled
/// in from the log and the sections only a person can write left for them.
pub fn markdown(entries: &[Entry]) -> String {
    let mut out = String::from("# Incident Postmortem: \n\n## Incident Summary\n");
    let (Some(first), Some(last)) = (
        entries.iter().map(|e| e.started).min(),
        entries.iter().map(|e| e.ended).max(),
    ) else {
        out.push_str("- Nothing was recorded in this period.\n");
        return out;
    };
    let same_day = first.date_naive() == last.date_naive();
    let minutes = (last - first).num_minutes();
    out.push_str(&format!("- **Date**: {}\n", first.format("%Y-%m-%d")));
    out.push_str(&format!(
        "- **Duration**: {} - {} UTC ({minutes} minutes)\n",
        first.format("%H:%M"),
        if same_day {
            last.format("%H:%M").to_string()
        } else {
            last.format("%Y-%m-%d %H:%M").to_string()
        }
    ));
    out.push_str("- **Severity**: \n- **Impact**: \n\n## Timeline\n");
    for entry in entries {
        let when = if same_day {
            entry.started.format("%H:%M")
        } else {
            entry.started.format("%Y-%m-%d %H:%M")
        };
        out.push_str(&format!("- {when}: {}\n", entry.describe()));
    }
    out.push_str(
        "\n## Root Cause\n\n## Resolution\n\n## Action Items\n- [ ] \n\n## Lessons Learned\n- \n",
    );
    out
}

/// The entries as plain lines: time, then what was done.
pub fn plain(entries: &[Entry]) -> String {
    entries
        .iter()
        .map(|e| {
            format!(
                "{}  {}\n",
                e.started.format("%Y-%m-%d %H:%M:%S UTC"),
                e.describe()
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hm: &str) -> DateTime<Utc> {
        format!("2025-10-15T{hm}:00Z").parse().unwrap()
    }

    #[test]
    fn markdown_follows_the_postmortem_template() {
        let mut ack = Entry::now(Kind::Ack, "alice", "prod", "P123");
        ack.started = at("10:35");
        ack.ended = at("10:35");
        let mut step = Entry::now(Kind::RunbookStep, "alice", "prod", "ServiceDown step 1");
        step.started = at("10:40");
        step.ended = at("11:15");
        step.argv = Some(vec!["kubectl".into(), "get".into(), "pods".into()]);
        step.exit_status = Some(0);
        let md = markdown(&[ack, step]);
        assert!(md.contains("- **Date**: 2025-10-15\n"), "{md}");
        assert!(
            md.contains("- **Duration**: 10:35 - 11:15 UTC (40 minutes)\n"),
            "{md}"
        );
        assert!(
            md.contains("## Timeline\n- 10:35: Acknowledged P123 [alice@prod]\n"),
            "{md}"
        );
        assert!(
            md.contains("- 10:40: Ran ServiceDown step 1: `kubectl get pods`, exit 0 [alice@prod]"),
            "{md}"
        );
        for section in [
            "## Root Cause",
            "## Resolution",
            "## Action Items",
            "## Lessons Learned",
        ] {
            assert!(md.contains(section));
        }
    }

    #[test]
    fn untrusted_text_is_sanitized_in_descriptions() {
        let mut e = Entry::now(Kind::Silence, "bob", "prod", "abc");
        e.detail = "evil\x1b]52;c;AAAA\x07 comment".into();
        assert!(!e.describe().contains('\x1b'));
    }
}

//! Read-only sessions: `readonly = true` in a context, `--readonly`, or `ONCALL_READONLY=1`.
//! Any of them makes every change (silences, acks, resolves, runbook steps) refuse, with a
//! message naming where read-only came from and how to lift it.

use super::error::{ConfigError, Origin};

/// The environment variable that makes any session read-only.
pub const ENV_READONLY: &str = "ONCALL_READONLY";

/// One reason the session may not change anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadOnlyReason {
    /// `readonly = true` in `[contexts.NAME]`, at `at` when read from a file.
    Context { name: String, at: Option<Origin> },
    /// `ONCALL_READONLY` is set.
    Env,
    /// `--readonly` was given.
    Flag,
}

impl ReadOnlyReason {
    /// Short, for the status line: `context prod`, `--readonly`, `ONCALL_READONLY`.
    fn label(&self) -> String {
        match self {
            ReadOnlyReason::Context { name, .. } => format!("context {name}"),
            ReadOnlyReason::Env => ENV_READONLY.to_string(),
            ReadOnlyReason::Flag => "--readonly".to_string(),
        }
    }

    /// Where it was set, in full, for the command line.
    fn detail(&self) -> String {
        match self {
            ReadOnlyReason::Context { name, at: Some(at) } => {
                format!("the context `{name}` sets readonly = true at {at}")
            }
            ReadOnlyReason::Context { name, at: None } => {
                format!("the context `{name}` sets readonly = true")
            }
            ReadOnlyReason::Env => format!("the environment variable {ENV_READONLY} is set"),
            ReadOnlyReason::Flag => "--readonly was given".to_string(),
        }
    }

    /// What lifts it.
    fn lift(&self) -> String {
        match self {
            ReadOnlyReason::Context { name, .. } => {
                format!("set readonly = false in [contexts.{name}]")
            }
            ReadOnlyReason::Env => format!("unset {ENV_READONLY}"),
            ReadOnlyReason::Flag => "start without --readonly".to_string(),
        }
    }
}

/// Why this session is read-only; empty means it may write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOnly {
    reasons: Vec<ReadOnlyReason>,
}

impl ReadOnly {
    pub fn is_set(&self) -> bool {
        !self.reasons.is_empty()
    }

    pub fn reasons(&self) -> &[ReadOnlyReason] {
        &self.reasons
    }

    /// Add a reason (once).
    pub fn add(&mut self, reason: ReadOnlyReason) {
        if !self.reasons.contains(&reason) {
            self.reasons.push(reason);
        }
    }

    /// The reasons that hold whatever the context: the flag and the environment.
    pub fn session_wide(&self) -> ReadOnly {
        ReadOnly {
            reasons: self
                .reasons
                .iter()
                .filter(|r| !matches!(r, ReadOnlyReason::Context { .. }))
                .cloned()
                .collect(),
        }
    }

    /// Whether any reason holds in context `name` (as `for_context(name).is_set()`, without
    /// building it: the UI asks on every frame).
    pub fn holds_in(&self, name: &str) -> bool {
        self.reasons.iter().any(|r| match r {
            ReadOnlyReason::Context { name: n, .. } => n == name,
            _ => true,
        })
    }

    /// The reasons that hold in context `name`: the session-wide ones and that context's own
    /// `readonly = true` (the reasons may name every read-only context of the file, so a
    /// context switch knows the new context's state).
    pub fn for_context(&self, name: &str) -> ReadOnly {
        ReadOnly {
            reasons: self
                .reasons
                .iter()
                .filter(|r| match r {
                    ReadOnlyReason::Context { name: n, .. } => n == name,
                    _ => true,
                })
                .cloned()
                .collect(),
        }
    }

    /// Short, for the header and status line: `context prod, --readonly`.
    pub fn label(&self) -> String {
        join(self.reasons.iter().map(ReadOnlyReason::label), ", ")
    }

    /// Everything that must change for writes to be allowed again.
    pub fn lift(&self) -> String {
        join(self.reasons.iter().map(ReadOnlyReason::lift), " and ")
    }

    /// The status line's refusal: `read-only (context prod): silences are not created; set
    /// readonly = false in [contexts.prod] to change it`.
    pub fn refusal(&self, what: &str) -> String {
        format!(
            "read-only ({}): {what}; {} to change it",
            self.label(),
            self.lift()
        )
    }

    /// `Ok` when writes are allowed; otherwise the command line's refusal, naming in full
    /// where read-only came from and how to lift it.
    pub fn check(&self, what: &str) -> Result<(), ConfigError> {
        if !self.is_set() {
            return Ok(());
        }
        let why = join(self.reasons.iter().map(ReadOnlyReason::detail), "; ");
        Err(ConfigError::ReadOnly {
            message: format!(
                "read-only session ({why}): {what}. To change it, {}",
                self.lift()
            ),
        })
    }
}

fn join(parts: impl Iterator<Item = String>, sep: &str) -> String {
    parts.collect::<Vec<_>>().join(sep)
}

/// `ONCALL_READONLY`: `1`/`true`/`yes`/`on` sets it, `0`/`false`/`no`/`off` or empty does
/// not; anything else is an error rather than a guess.
pub(super) fn from_env(value: Option<String>) -> Result<bool, ConfigError> {
    let Some(value) = value else {
        return Ok(false);
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::invalid(
            Origin::Env(ENV_READONLY.to_string()),
            format!(
                "`{}` is not a yes or no; set {ENV_READONLY}=1 for a read-only session, or unset it",
                crate::sanitize::one_line(&value)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn prod() -> ReadOnlyReason {
        ReadOnlyReason::Context {
            name: "prod".into(),
            at: Some(Origin::File {
                path: PathBuf::from("/etc/oncall/config.toml"),
                line: 4,
                column: 12,
            }),
        }
    }

    #[test]
    fn writable_unless_a_reason_is_added() {
        let mut ro = ReadOnly::default();
        assert!(ro.check("silences are not created").is_ok());
        ro.add(ReadOnlyReason::Flag);
        ro.add(ReadOnlyReason::Flag);
        assert_eq!(ro.reasons().len(), 1);
        let msg = ro
            .check("silences are not created")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("--readonly was given"), "{msg}");
        assert!(msg.contains("start without --readonly"), "{msg}");
    }

    #[test]
    fn the_refusal_names_file_line_and_every_way_out() {
        let mut ro = ReadOnly::default();
        ro.add(prod());
        ro.add(ReadOnlyReason::Env);
        let msg = ro
            .check("incidents are not acknowledged")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("the context `prod` sets readonly = true at /etc/oncall/config.toml:4:12"),
            "{msg}"
        );
        assert!(msg.contains("incidents are not acknowledged"), "{msg}");
        assert!(
            msg.contains("set readonly = false in [contexts.prod] and unset ONCALL_READONLY"),
            "{msg}"
        );
        assert_eq!(
            ro.refusal("silences are not created"),
            "read-only (context prod, ONCALL_READONLY): silences are not created; \
             set readonly = false in [contexts.prod] and unset ONCALL_READONLY to change it"
        );
        assert_eq!(ro.session_wide().reasons(), &[ReadOnlyReason::Env]);
        assert_eq!(ro.for_context("staging").reasons(), &[ReadOnlyReason::Env]);
        assert_eq!(ro.for_context("prod"), ro);
        let mut prod_only = ReadOnly::default();
        prod_only.add(prod());
        assert!(prod_only.holds_in("prod") && !prod_only.holds_in("staging"));
    }

    #[test]
    fn the_environment_is_a_yes_or_a_no() {
        assert!(!from_env(None).unwrap());
        assert!(from_env(Some("1".into())).unwrap());
        assert!(from_env(Some(" TRUE ".into())).unwrap());
        assert!(!from_env(Some("0".into())).unwrap());
        assert!(!from_env(Some(String::new())).unwrap());
        let msg = from_env(Some("maybe".into())).unwrap_err().to_string();
        assert!(
            msg.contains("environment variable ONCALL_READONLY"),
            "{msg}"
        );
    }
}

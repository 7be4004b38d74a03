//! Config errors. Each one names where the bad setting is (file:line:column, environment
//! variable or flag), what is wrong with it, and what would fix it. None carries a secret.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::sources::SourceKind;

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A position in a config file; line and column count from 1.
    File {
        path: PathBuf,
        line: usize,
        column: usize,
    },
    /// An environment variable.
    Env(String),
    /// A command-line flag.
    Flag(&'static str),
    /// Built in (the defaults, `--demo`).
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line, column } => {
                write!(f, "{}:{line}:{column}", display_path(path))
            }
            Origin::Env(var) => write!(f, "environment variable {var}"),
            Origin::Flag(flag) => write!(f, "{flag}"),
            Origin::Default => f.write_str("built-in default"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {} does not exist. Create it with `oncall config init{}`, or point --config (or ONCALL_CONFIG) at an existing file", display_path(path), init_flag(path, *explicit))]
    NotFound { path: PathBuf, explicit: bool },

    #[error("cannot read {}: {source}", display_path(path))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{origin}: {message}")]
    Invalid { origin: Origin, message: String },

    #[error("{}", unknown_context(name, from, known, path.as_deref()))]
    UnknownContext {
        name: String,
        /// What asked for it: `--context`, `ONCALL_CONTEXT` or `current_context`.
        from: String,
        known: Vec<String>,
        path: Option<PathBuf>,
    },

    #[error("{} defines several contexts ({}) and no current_context. Add `current_context = \"{}\"` to it, or pick one with --context NAME", display_path(path), known.join(", "), known.first().map(String::as_str).unwrap_or_default())]
    NoCurrentContext { path: PathBuf, known: Vec<String> },

    #[error("{origin}: `{key}` is a secret written inline, but {} can be read by group or others (mode {mode:04o}). Run `chmod 600 {}`, or move the secret to `{key}_file`", display_path(path), path.display())]
    ReadableSecret {
        origin: Origin,
        key: String,
        path: PathBuf,
        mode: u32,
    },

    #[error("{backend} is not configured for context `{context}`. Add a [contexts.{context}.{table}] section to the config (see `oncall config init`) or set {env}")]
    NotConfigured {
        backend: SourceKind,
        context: String,
        table: &'static str,
        env: &'static str,
    },

    #[error("PagerDuty token for context `{context}` ({source_desc}): {detail}")]
    Token {
        context: String,
        source_desc: String,
        detail: String,
    },

    #[error("no keyring service is reachable on this host ({detail}). This is usual over SSH and on servers. Give oncall the PagerDuty token another way, in order of preference: the ONCALL_PAGERDUTY_TOKEN environment variable; `token_file = \"~/.config/oncall/pagerduty-token\"` (a file only you can read, chmod 600); or `token_command = \"pass show pagerduty\"` in [contexts.{context}.pagerduty]")]
    KeyringUnavailable { context: String, detail: String },

    #[error(
        "the keyring refused to {action} the PagerDuty token for context `{context}`: {detail}"
    )]
    Keyring {
        context: String,
        action: &'static str,
        detail: String,
    },

    #[error("{} already exists; oncall will not overwrite it. Edit it, or pass --force to replace it with the example", display_path(path))]
    Exists { path: PathBuf },

    #[error("cannot write {}: {source}", display_path(path))]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },

    /// A write refused because the session is read-only (see `ReadOnly::check`).
    #[error("{message}")]
    ReadOnly { message: String },

    #[error("cannot tell where the config file lives: no home directory. Pass --config FILE or set ONCALL_CONFIG")]
    NoConfigDir,
}

impl ConfigError {
    pub(crate) fn invalid(origin: Origin, message: impl Into<String>) -> Self {
        ConfigError::Invalid {
            origin,
            message: message.into(),
        }
    }
}

fn init_flag(path: &Path, explicit: bool) -> String {
    if explicit {
        format!(" --config {}", path.display())
    } else {
        String::new()
    }
}

fn unknown_context(name: &str, from: &str, known: &[String], path: Option<&Path>) -> String {
    match (path, known.is_empty()) {
        (None, _) => format!(
            "there is no context `{name}` ({from}): no config file was read, so the only context is `default`. \
             Create a config with `oncall config init`, or unset {from}"
        ),
        (Some(path), true) => format!(
            "there is no context `{name}` ({from}): {} defines no contexts. Add a [contexts.{name}] section",
            display_path(path)
        ),
        (Some(path), false) => format!(
            "there is no context `{name}` ({from}) in {}; known contexts: {}",
            display_path(path),
            known.join(", ")
        ),
    }
}

/// A path as messages show it: in full, so it can be pasted into a shell or an editor.
pub fn display_path(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_context_lists_the_known_ones() {
        let err = ConfigError::UnknownContext {
            name: "prdo".into(),
            from: "--context".into(),
            known: vec!["prod".into(), "staging".into()],
            path: Some(PathBuf::from("/etc/oncall.toml")),
        };
        assert_eq!(
            err.to_string(),
            "there is no context `prdo` (--context) in /etc/oncall.toml; known contexts: prod, staging"
        );
    }

    #[test]
    fn readable_secret_gives_the_chmod() {
        let err = ConfigError::ReadableSecret {
            origin: Origin::File {
                path: "/tmp/c.toml".into(),
                line: 7,
                column: 1,
            },
            key: "password".into(),
            path: "/tmp/c.toml".into(),
            mode: 0o644,
        };
        let msg = err.to_string();
        assert!(msg.starts_with("/tmp/c.toml:7:1: `password`"), "{msg}");
        assert!(msg.contains("mode 0644"), "{msg}");
        assert!(msg.contains("chmod 600 /tmp/c.toml"), "{msg}");
    }
}

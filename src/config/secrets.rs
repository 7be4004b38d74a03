//! Where the PagerDuty token comes from, and reading it only when a command needs it: an
//! environment variable, a file, a command (`pass show pagerduty`, never through a shell),
//! an inline value in a private config file, or the OS keyring written by `oncall login`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::error::{display_path, ConfigError};
use super::values::CommandLine;
use crate::secret::Secret;

/// The keyring service every oncall secret is stored under.
pub const KEYRING_SERVICE: &str = "oncall";

/// How long a `token_command` may take (a pinentry prompt included) before it is stopped.
pub const TOKEN_COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// Keyring entries are per context, so `prod` and `staging` can hold different tokens.
pub fn keyring_user(context: &str) -> String {
    format!("pagerduty:{context}")
}

/// One place a token can come from. Choosing the source reads nothing; `resolve` does.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// An environment variable (`ONCALL_PAGERDUTY_TOKEN` or the configured `token_env`).
    Env { var: String },
    /// `token_file`: the first line of the file.
    File { path: PathBuf },
    /// `token_command`: the first line the command prints.
    Command { argv: CommandLine },
    /// `token` written in a config file that only its owner can read.
    Inline { secret: Secret },
    /// The OS keyring, service `oncall`, user `pagerduty:<context>`.
    Keyring { user: String },
    /// A fixed value, for `--demo`.
    Fixed { secret: Secret },
}

impl TokenSource {
    /// Where the token comes from, for `oncall config show` and messages. Never the value.
    pub fn describe(&self) -> String {
        match self {
            TokenSource::Env { var } => format!("environment variable {var}"),
            TokenSource::File { path } => format!("token_file {}", display_path(path)),
            TokenSource::Command { argv } => format!("token_command `{argv}`"),
            TokenSource::Inline { .. } => "token in the config file".into(),
            TokenSource::Keyring { user } => {
                format!("OS keyring (service {KEYRING_SERVICE}, user {user})")
            }
            TokenSource::Fixed { .. } => "built-in demo token".into(),
        }
    }

    /// Read the token. This may run a command or talk to the keyring, so it blocks; call it
    /// only when PagerDuty is about to be used, off the UI thread.
    pub fn resolve(&self, context: &str) -> Result<Secret, ConfigError> {
        let fail = |detail: String| ConfigError::Token {
            context: context.to_string(),
            source_desc: self.describe(),
            detail,
        };
        match self {
            TokenSource::Env { var } => match std::env::var(var) {
                Ok(v) if !v.trim().is_empty() => Ok(Secret::new(v.trim())),
                _ => Err(fail(format!(
                    "{var} is not set or is empty; export it, or configure another token source"
                ))),
            },
            TokenSource::File { path } => read_token_file(path).map_err(fail),
            TokenSource::Command { argv } => {
                run_token_command(argv, TOKEN_COMMAND_TIMEOUT).map_err(fail)
            }
            TokenSource::Inline { secret } | TokenSource::Fixed { secret } => Ok(secret.clone()),
            TokenSource::Keyring { user } => keyring_read(context, user),
        }
    }
}

/// The first line of a token file, surrounding whitespace removed.
fn read_token_file(path: &Path) -> Result<Secret, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", display_path(path)))?;
    first_line(&text).ok_or_else(|| {
        format!(
            "{} is empty; put the token on its first line",
            display_path(path)
        )
    })
}

fn first_line(text: &str) -> Option<Secret> {
    let line = text.lines().next().unwrap_or("").trim();
    (!line.is_empty()).then(|| Secret::new(line))
}

/// Run `argv` directly (no shell), wait at most `timeout`, and take the first line of what
/// it prints. Its stderr goes to ours so a prompt or an error from it stays visible; its
/// exit status and our message never include what it printed on stdout.
pub fn run_token_command(argv: &CommandLine, timeout: Duration) -> Result<Secret, String> {
    // Only the first line matters; the cap keeps a runaway command from eating memory.
    const MAX_OUTPUT: usize = 64 * 1024;
    let (program, args) = argv
        .0
        .split_first()
        .ok_or_else(|| "token_command is empty".to_string())?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                format!("`{program}` was not found; is it installed and on PATH?")
            }
            _ => format!("could not start `{program}`: {e}"),
        })?;
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| format!("could not read the output of `{program}`"))?;
    // Read on a thread so a command that prints a lot cannot block on a full pipe while we wait.
    let reader = std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            match stdout.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = MAX_OUTPUT.saturating_sub(kept.len());
                    kept.extend_from_slice(&chunk[..n.min(room)]);
                }
            }
        }
        kept
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`{argv}` did not finish within {}s and was stopped",
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("could not wait for `{program}`: {e}")),
        }
    };
    let output = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(format!(
            "`{argv}` failed ({status}); run it yourself to see why"
        ));
    }
    let text = String::from_utf8(output)
        .map_err(|_| format!("`{argv}` printed something that is not UTF-8"))?;
    first_line(&text).ok_or_else(|| {
        format!("`{argv}` printed nothing; it should print the token on its first line")
    })
}

/// Whether a keyring error means "there is no keyring here" rather than "it said no".
fn keyring_unreachable(e: &keyring::Error) -> bool {
    matches!(
        e,
        keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_)
    )
}

fn keyring_entry(context: &str, user: &str) -> Result<keyring::Entry, ConfigError> {
    keyring::Entry::new(KEYRING_SERVICE, user).map_err(|e| keyring_error(context, "open", e))
}

fn keyring_error(context: &str, action: &'static str, e: keyring::Error) -> ConfigError {
    if keyring_unreachable(&e) {
        ConfigError::KeyringUnavailable {
            context: context.to_string(),
            detail: one_line_error(&e),
        }
    } else {
        ConfigError::Keyring {
            context: context.to_string(),
            action,
            detail: one_line_error(&e),
        }
    }
}

/// keyring's platform errors nest D-Bus messages across lines.
fn one_line_error(e: &keyring::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        let s = inner.to_string();
        if !text.contains(&s) {
            text.push_str(": ");
            text.push_str(&s);
        }
        source = inner.source();
    }
    crate::sanitize::one_line(&text)
}

fn keyring_read(context: &str, user: &str) -> Result<Secret, ConfigError> {
    let entry = keyring_entry(context, user)?;
    match entry.get_password() {
        Ok(token) if !token.trim().is_empty() => Ok(Secret::new(token.trim())),
        Ok(_) | Err(keyring::Error::NoEntry) => Err(ConfigError::Token {
            context: context.to_string(),
            source_desc: TokenSource::Keyring { user: user.to_string() }.describe(),
            detail: format!(
                "no token is stored there. Run `oncall login pagerduty --context {context}`, or set ONCALL_PAGERDUTY_TOKEN, \
                 or add token_file or token_command to [contexts.{context}.pagerduty]"
            ),
        }),
        Err(e) => Err(keyring_error(context, "read", e)),
    }
}

/// Whether the keyring can be used on this host, and whether it already holds a token for
/// `context`. `login` asks this before reading a token, so a headless host says so at once.
pub fn keyring_status(context: &str) -> Result<bool, ConfigError> {
    let entry = keyring_entry(context, &keyring_user(context))?;
    match entry.get_password() {
        Ok(_) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(keyring_error(context, "read", e)),
    }
}

/// Store the PagerDuty token for `context` in the OS keyring.
pub fn keyring_store(context: &str, token: &Secret) -> Result<(), ConfigError> {
    let entry = keyring_entry(context, &keyring_user(context))?;
    entry
        .set_password(token.expose())
        .map_err(|e| keyring_error(context, "store", e))
}

/// The file's permission bits when group or others can read it (Unix only).
pub fn readable_by_others(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o7777;
        (mode & 0o044 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> CommandLine {
        CommandLine::parse(s).unwrap()
    }

    #[test]
    fn command_output_first_line_is_the_token() {
        let token = run_token_command(
            &argv("printf 'tok-123\\nsecond line\\n'"),
            Duration::from_secs(20),
        )
        .unwrap();
        assert_eq!(token.expose(), "tok-123");
    }

    #[test]
    fn command_is_not_run_through_a_shell() {
        // In a shell `$HOME` would expand and `;` would start a second command.
        let token = run_token_command(&argv("echo '$HOME;' rm"), Duration::from_secs(20)).unwrap();
        assert_eq!(token.expose(), "$HOME; rm");
    }

    #[test]
    fn command_failures_say_what_failed_without_the_output() {
        // The command line reads `leaked""-token`; only its output reads `leaked-token`.
        let err = run_token_command(
            &argv(r#"sh -c 'echo leaked""-token; exit 3'"#),
            Duration::from_secs(20),
        )
        .unwrap_err();
        assert!(err.contains("failed (exit status: 3)"), "{err}");
        assert!(!err.contains("leaked-token"), "{err}");
        let err = run_token_command(&argv("no-such-program-oncall"), Duration::from_secs(20))
            .unwrap_err();
        assert!(err.contains("was not found"), "{err}");
        let err = run_token_command(&argv("true"), Duration::from_secs(20)).unwrap_err();
        assert!(err.contains("printed nothing"), "{err}");
    }

    #[test]
    fn a_hung_command_is_stopped() {
        let err = run_token_command(&argv("sleep 30"), Duration::from_millis(200)).unwrap_err();
        assert!(err.contains("did not finish"), "{err}");
    }

    #[test]
    fn token_file_first_line_and_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t");
        std::fs::write(&path, "  abc \nrest\n").unwrap();
        let src = TokenSource::File { path: path.clone() };
        assert_eq!(src.resolve("prod").unwrap().expose(), "abc");
        std::fs::write(&path, "\n").unwrap();
        let err = src.resolve("prod").unwrap_err().to_string();
        assert!(err.contains("is empty"), "{err}");
        assert!(
            err.starts_with("PagerDuty token for context `prod` (token_file"),
            "{err}"
        );
    }

    #[test]
    fn describe_never_shows_the_value() {
        let src = TokenSource::Inline {
            secret: Secret::new("pd-inline-value"),
        };
        assert!(!src.describe().contains("pd-inline-value"));
        assert!(!format!("{src:?}").contains("pd-inline-value"));
    }

    #[cfg(unix)]
    #[test]
    fn readable_by_others_checks_group_and_world_bits() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c");
        std::fs::write(&path, "x").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(readable_by_others(&path), None);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert_eq!(readable_by_others(&path), Some(0o640));
    }
}

//! The environment handed to anything oncall starts (runbook steps, the pane's shell).
//!
//! It is built from an allowlist rather than by removing known secrets, so a token oncall
//! reads (`ONCALL_PAGERDUTY_TOKEN`) or any other credential in the user's environment never
//! reaches a child unless it is named here.

/// Variables passed through from oncall's own environment when set.
const PASSED: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "LC_MESSAGES",
    "TZ",
    "TMPDIR",
    "KUBECONFIG",
    "XDG_RUNTIME_DIR",
];

/// The terminal type the pane emulates (vt100 parses xterm sequences).
pub const TERM: &str = "xterm-256color";

/// The child environment derived from `vars` (oncall's environment, passed in for tests).
pub fn minimal_env<I>(vars: I) -> Vec<(String, String)>
where
    I: IntoIterator<Item = (String, String)>,
{
    let mut env: Vec<(String, String)> = vars
        .into_iter()
        .filter(|(k, _)| PASSED.contains(&k.as_str()) && !k.starts_with("ONCALL_"))
        .collect();
    env.sort();
    env.push(("TERM".into(), TERM.into()));
    env
}

/// [`minimal_env`] of this process's environment (non-UTF-8 variables are left out).
pub fn current() -> Vec<(String, String)> {
    minimal_env(
        std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_unknown_variables_are_left_out() {
        let env = minimal_env([
            ("PATH".to_string(), "/bin".to_string()),
            ("ONCALL_PAGERDUTY_TOKEN".to_string(), "secret".to_string()),
            ("AWS_SECRET_ACCESS_KEY".to_string(), "secret".to_string()),
            ("TERM".to_string(), "dumb".to_string()),
        ]);
        assert_eq!(
            env,
            [
                ("PATH".to_string(), "/bin".to_string()),
                ("TERM".to_string(), TERM.to_string())
            ]
        );
    }
}

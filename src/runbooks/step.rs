//! Turning a runbook step and an alert's labels into the exact argv that would run.
//!
//! The command is split into arguments first and each `$label` / `${label}` is replaced
//! inside its own argument, so a label value can never add an argument. Values are checked
//! before use. A step that needs a shell (pipes, `;`, `&&`, redirection, globs) runs a fixed
//! script with `sh -c`: the values travel as environment variables and the script text
//! contains only references to them.

use std::collections::{BTreeMap, HashMap};

use regex::Regex;
use serde::Serialize;

/// The pattern a label value must match unless [`ValuePolicy`] names another for the label.
pub const DEFAULT_VALUE_PATTERN: &str = "^[A-Za-z0-9._:/@=-]+$";

/// Prefix of the environment variables that carry label values into shell steps.
pub const ENV_PREFIX: &str = "ONCALL_LABEL_";

/// What a label value must look like to be substituted.
#[derive(Debug, Clone)]
pub struct ValuePolicy {
    default: Regex,
    per_label: HashMap<String, Regex>,
}

impl Default for ValuePolicy {
    fn default() -> Self {
        ValuePolicy {
            // A constant pattern, compiled in a test below: this cannot fail at runtime.
            default: Regex::new(DEFAULT_VALUE_PATTERN).expect("the default pattern compiles"),
            per_label: HashMap::new(),
        }
    }
}

impl ValuePolicy {
    /// Use `pattern` for values of `label`. It must match the whole value.
    pub fn with_pattern(mut self, label: &str, pattern: &str) -> Result<Self, regex::Error> {
        let anchored = format!("^(?:{pattern})$");
        self.per_label
            .insert(label.to_string(), Regex::new(&anchored)?);
        Ok(self)
    }

    /// The default policy plus per-label patterns (the config's `runbook_label_patterns`).
    pub fn from_patterns<'a>(
        patterns: impl IntoIterator<Item = (&'a String, &'a String)>,
    ) -> Result<Self, regex::Error> {
        patterns
            .into_iter()
            .try_fold(ValuePolicy::default(), |policy, (label, pattern)| {
                policy.with_pattern(label, pattern)
            })
    }

    /// Check one value; the reason it is refused otherwise.
    pub fn check(&self, label: &str, value: &str) -> Result<(), StepError> {
        let refuse = |reason: &str| {
            Err(StepError::Refused {
                label: label.to_string(),
                value: crate::sanitize::one_line(value),
                reason: reason.to_string(),
            })
        };
        if value.is_empty() {
            return refuse("it is empty");
        }
        if value.starts_with('-') {
            return refuse("it starts with `-` and would be read as an option");
        }
        if value.contains(['\n', '\r']) {
            return refuse("it contains a line break");
        }
        if value.contains('\0') {
            return refuse("it contains a NUL byte");
        }
        let pattern = self.per_label.get(label).unwrap_or(&self.default);
        if !pattern.is_match(value) {
            return refuse(&format!("it does not match the allowed pattern {pattern}"));
        }
        Ok(())
    }
}

/// Exactly what a step would run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub argv: Vec<String>,
    /// Label values passed to a shell step (empty for a direct step).
    pub env: BTreeMap<String, String>,
    /// Whether the step runs through `sh -c` (its script is `argv[2]`).
    pub shell: bool,
}

impl Plan {
    /// A process for this plan with the minimal child environment (no oncall tokens) plus
    /// the label variables of a shell step. Nothing runs until the caller spawns it.
    pub fn command(&self) -> Option<std::process::Command> {
        let (program, args) = self.argv.split_first()?;
        let mut command = std::process::Command::new(program);
        command
            .args(args)
            .env_clear()
            .envs(crate::pty::env::current())
            .envs(&self.env);
        Some(command)
    }

    /// The argv as one line for a confirmation prompt, each argument quoted as a shell would
    /// need it so what is shown is exactly what runs.
    pub fn display(&self) -> String {
        let argv = self
            .argv
            .iter()
            .map(|a| shlex::try_quote(a).map_or_else(|_| format!("{a:?}"), |q| q.into_owned()))
            .collect::<Vec<_>>()
            .join(" ");
        let env = self
            .env
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={} ",
                    shlex::try_quote(v).map_or_else(|_| format!("{v:?}"), |q| q.into_owned())
                )
            })
            .collect::<String>();
        format!("{env}{argv}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("the label `{label}` value {value:?} is refused: {reason}")]
    Refused {
        label: String,
        value: String,
        reason: String,
    },
    #[error("the step uses `${label}` but the alert has no `{label}` label; give it with --labels {label}=VALUE")]
    MissingLabel { label: String },
    #[error("the step's quoting is unbalanced, so it cannot be split into arguments")]
    Unsplittable,
    #[error("the step is empty")]
    Empty,
    #[error("the step's program name contains a placeholder; only arguments may come from labels")]
    PlaceholderInProgram,
    #[error("the step is a shell script with `${label}` inside single quotes, where the shell would not substitute it; rewrite the step to use double quotes")]
    SingleQuotedInShell { label: String },
}

/// The argv (and environment) `command` would run with these labels.
pub fn plan(
    command: &str,
    labels: &BTreeMap<String, String>,
    policy: &ValuePolicy,
) -> Result<Plan, StepError> {
    if needs_shell(command) {
        return plan_shell(command, labels, policy);
    }
    let words = shlex::split(command).ok_or(StepError::Unsplittable)?;
    if words.is_empty() {
        return Err(StepError::Empty);
    }
    if !placeholders(&words[0]).is_empty() {
        return Err(StepError::PlaceholderInProgram);
    }
    let argv = words
        .iter()
        .map(|word| substitute(word, labels, policy))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Plan {
        argv,
        env: BTreeMap::new(),
        shell: false,
    })
}

/// Whether the command uses shell syntax outside quotes: operators, redirection,
/// substitution, globs, a home-directory tilde or more than one line.
pub fn needs_shell(command: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut chars = command.trim().chars().peekable();
    let mut prev = ' ';
    while let Some(c) = chars.next() {
        match quote {
            Some('\'') => {
                if c == '\'' {
                    quote = None;
                }
            }
            Some(_) => match c {
                '"' => quote = None,
                '\\' => {
                    chars.next();
                }
                '`' => return true,
                '$' if chars.peek() == Some(&'(') => return true,
                _ => {}
            },
            None => match c {
                '\'' | '"' => quote = Some(c),
                '\\' => {
                    chars.next();
                }
                '|' | ';' | '&' | '<' | '>' | '(' | ')' | '`' | '*' | '?' | '\n' => return true,
                // `#` starts a comment and `~` a home directory only at the start of a word.
                '#' | '~' if prev.is_whitespace() => return true,
                _ => {}
            },
        }
        prev = c;
    }
    false
}

/// The label names referenced in `text` as `$name` or `${name}`, in order.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        if let Some((name, used)) = placeholder_name(rest) {
            names.push(name.to_string());
            rest = &rest[used..];
        }
    }
    names
}

/// Every `$name` / `${name}` written in `text`: its byte range (sigil and braces included)
/// and the name, in order.
pub fn placeholder_positions(text: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find('$').map(|i| from + i) {
        match placeholder_after(&text[at..]) {
            Some((name, len)) => {
                found.push((at..at + len, name.to_string()));
                from = at + len;
            }
            None => from = at + 1,
        }
    }
    found
}

/// The name after a `$` and how many bytes it used (braces included).
fn placeholder_name(after_dollar: &str) -> Option<(&str, usize)> {
    let braced = after_dollar.starts_with('{');
    let body = if braced {
        &after_dollar[1..]
    } else {
        after_dollar
    };
    let len = body
        .char_indices()
        .take_while(|(i, c)| c.is_ascii_alphabetic() || *c == '_' || (*i > 0 && c.is_ascii_digit()))
        .count();
    if len == 0 {
        return None;
    }
    if braced {
        body[len..]
            .starts_with('}')
            .then(|| (&body[..len], len + 2))
    } else {
        Some((&body[..len], len))
    }
}

/// Replace the placeholders inside one argument with checked values.
fn substitute(
    word: &str,
    labels: &BTreeMap<String, String>,
    policy: &ValuePolicy,
) -> Result<String, StepError> {
    let mut out = String::with_capacity(word.len());
    let mut rest = word;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        match placeholder_name(after) {
            Some((name, used)) => {
                out.push_str(value(name, labels, policy)?);
                rest = &after[used..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The checked value of label `name`, or why there is none: the one decision `plan` makes
/// for every placeholder, public so the runbook view shows exactly what would run.
pub fn value<'a>(
    name: &str,
    labels: &'a BTreeMap<String, String>,
    policy: &ValuePolicy,
) -> Result<&'a str, StepError> {
    let value = labels.get(name).ok_or_else(|| StepError::MissingLabel {
        label: name.to_string(),
    })?;
    policy.check(name, value)?;
    Ok(value)
}

/// A shell step: the script is the command with each placeholder turned into a quoted
/// reference to an environment variable; the values go only into that environment.
fn plan_shell(
    command: &str,
    labels: &BTreeMap<String, String>,
    policy: &ValuePolicy,
) -> Result<Plan, StepError> {
    let mut script = String::with_capacity(command.len());
    let mut env = BTreeMap::new();
    let mut quote: Option<char> = None;
    let mut rest = command.trim();
    while let Some(c) = rest.chars().next() {
        let mut used = c.len_utf8();
        match (quote, c) {
            (Some('\''), '\'') | (Some('"'), '"') => {
                quote = None;
                script.push(c);
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                script.push(c);
            }
            (Some('\''), _) => {
                if let Some((name, _)) = placeholder_after(rest) {
                    if labels.contains_key(name) || is_label_like(name) {
                        return Err(StepError::SingleQuotedInShell {
                            label: name.to_string(),
                        });
                    }
                }
                script.push(c);
            }
            (_, '\\') => {
                script.push(c);
                if let Some(next) = rest[1..].chars().next() {
                    script.push(next);
                    used += next.len_utf8();
                }
            }
            (_, '$') => match placeholder_after(rest) {
                // Label names are lower-case by convention; an all-capitals name the alert
                // does not carry (`$HOME`) is the shell's own variable and is left as written.
                Some((name, len)) if labels.contains_key(name) || is_label_like(name) => {
                    let var = format!("{ENV_PREFIX}{name}");
                    env.insert(var.clone(), value(name, labels, policy)?.to_string());
                    if quote.is_some() {
                        script.push_str(&format!("${{{var}}}"));
                    } else {
                        script.push_str(&format!("\"${{{var}}}\""));
                    }
                    used = len;
                }
                _ => script.push(c),
            },
            _ => script.push(c),
        }
        rest = &rest[used..];
    }
    Ok(Plan {
        argv: vec!["sh".into(), "-c".into(), script],
        env,
        shell: true,
    })
}

/// Whether a shell step treats `$name` as a label placeholder even when the alert lacks it
/// (lower-case letters); other names the alert does not carry are the shell's own variables.
pub fn is_label_like(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_lowercase())
}

/// A placeholder at the start of `s` (which begins with `$`): its name and total length.
fn placeholder_after(s: &str) -> Option<(&str, usize)> {
    let after = s.strip_prefix('$')?;
    placeholder_name(after).map(|(name, used)| (name, used + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_util::labels;

    #[test]
    fn the_default_pattern_compiles() {
        assert!(Regex::new(DEFAULT_VALUE_PATTERN).is_ok());
        assert!(ValuePolicy::default().check("job", "api-gateway").is_ok());
    }

    #[test]
    fn placeholders_are_replaced_inside_their_own_argument() {
        let p = plan(
            "curl -s http://prometheus:9090/api/v1/query --data-urlencode 'query=up{job=\"$job\"}'",
            &labels(&[("job", "api")]),
            &ValuePolicy::default(),
        )
        .unwrap();
        assert!(!p.shell);
        assert_eq!(p.argv[4], "query=up{job=\"api\"}");
        let p = plan(
            "kubectl logs deploy/${job}x",
            &labels(&[("job", "a")]),
            &ValuePolicy::default(),
        )
        .unwrap();
        assert_eq!(p.argv, ["kubectl", "logs", "deploy/ax"]);
    }

    #[test]
    fn hostile_values_are_refused_with_a_reason() {
        let policy = ValuePolicy::default();
        for bad in [
            "; touch X",
            "$(touch X)",
            "`id`",
            "--kubeconfig=/x",
            "a\nb",
            "a\0b",
            "",
            "a b",
        ] {
            let err = plan("echo $job", &labels(&[("job", bad)]), &policy).unwrap_err();
            assert!(matches!(err, StepError::Refused { .. }), "{bad:?}: {err}");
        }
        let err = plan("echo $job", &labels(&[("job", "-x")]), &policy).unwrap_err();
        assert!(err.to_string().contains("option"), "{err}");
    }

    #[test]
    fn a_missing_label_names_the_fix() {
        let err = plan("echo $pod", &labels(&[]), &ValuePolicy::default()).unwrap_err();
        assert!(err.to_string().contains("--labels pod=VALUE"), "{err}");
    }

    #[test]
    fn per_label_patterns_replace_the_default() {
        let policy = ValuePolicy::default()
            .with_pattern("namespace", "[a-z0-9-]+")
            .unwrap();
        assert!(policy.check("namespace", "prod-1").is_ok());
        assert!(policy.check("namespace", "Prod").is_err());
        assert!(policy.check("job", "Prod").is_ok());
    }

    #[test]
    fn shell_steps_get_values_only_through_the_environment() {
        let p = plan(
            "kubectl get pods -l app=$job | grep -c Running",
            &labels(&[("job", "api")]),
            &ValuePolicy::default(),
        )
        .unwrap();
        assert!(p.shell);
        assert_eq!(p.argv[..2], ["sh", "-c"]);
        assert_eq!(
            p.argv[2],
            "kubectl get pods -l app=\"${ONCALL_LABEL_job}\" | grep -c Running"
        );
        assert_eq!(
            p.env.get("ONCALL_LABEL_job").map(String::as_str),
            Some("api")
        );
        let p = plan(
            "echo \"$job\" && echo $HOME",
            &labels(&[("job", "api")]),
            &ValuePolicy::default(),
        )
        .unwrap();
        assert_eq!(p.argv[2], "echo \"${ONCALL_LABEL_job}\" && echo $HOME");
        let err = plan(
            "echo '$job' | cat",
            &labels(&[("job", "api")]),
            &ValuePolicy::default(),
        )
        .unwrap_err();
        assert!(matches!(err, StepError::SingleQuotedInShell { .. }));
    }

    #[test]
    fn shell_syntax_is_detected_outside_quotes_only() {
        assert!(needs_shell("a | b"));
        assert!(needs_shell("a; b"));
        assert!(needs_shell("a && b"));
        assert!(needs_shell("a > f"));
        assert!(needs_shell("ls *.log"));
        assert!(needs_shell("echo $(id)"));
        assert!(needs_shell("a\nb"));
        assert!(!needs_shell("curl 'q=a|b;c>d'"));
        assert!(!needs_shell("kubectl logs --tail=100 deploy/x"));
        assert!(!needs_shell("echo \"a|b\""));
    }

    #[test]
    fn the_program_never_comes_from_a_label() {
        let err = plan(
            "$job --help",
            &labels(&[("job", "sh")]),
            &ValuePolicy::default(),
        )
        .unwrap_err();
        assert_eq!(err, StepError::PlaceholderInProgram);
    }
}

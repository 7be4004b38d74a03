//! A step's command as it would run for one alert: each placeholder `plan` fills, with the
//! value it would get or why it gets none. The runbook view draws this, so what is shown is
//! what runs; when the text cannot show the argv faithfully, the argv itself is added.

use std::collections::{BTreeMap, BTreeSet};

use super::step::{self, StepError, ValuePolicy, ENV_PREFIX};

/// The alert a runbook is shown for: its labels and the policy that checks their values.
#[derive(Debug, Clone, Copy)]
pub struct ForAlert<'a> {
    pub labels: &'a BTreeMap<String, String>,
    pub policy: &'a ValuePolicy,
}

/// One piece of a command line. Nothing here is sanitized yet: the drawer does that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Text as written in the runbook.
    Text(String),
    /// A placeholder and the checked value that replaces it.
    Value { label: String, value: String },
    /// A placeholder that gets no value, as written (`$job`); the reason is a note.
    Refused { written: String, label: String },
}

/// A step's lines with its placeholders filled, and what keeps it from running as shown.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filled {
    pub lines: Vec<Vec<Piece>>,
    /// One short sentence each: a missing label, a refused value, `plan`'s own error, or the
    /// exact argv when the filled text would read differently from it.
    pub notes: Vec<String>,
}

/// Fill the code block `text` of the step whose command is `command` (the block trimmed).
pub fn fill(text: &str, command: &str, alert: ForAlert) -> Filled {
    let shell = step::needs_shell(command);
    // The same rule as `plan`: a shell step leaves `$NAME`s the alert lacks to the shell.
    let fills = |name: &str| !shell || alert.labels.contains_key(name) || step::is_label_like(name);
    let mut notes = Vec::new();
    let mut noted = BTreeSet::new();
    let mut lines = Vec::new();
    for line in text.lines() {
        let mut pieces = Vec::new();
        let mut from = 0;
        for (range, name) in step::placeholder_positions(line) {
            if !fills(&name) {
                continue;
            }
            if range.start > from {
                pieces.push(Piece::Text(line[from..range.start].to_string()));
            }
            match step::value(&name, alert.labels, alert.policy) {
                Ok(value) => pieces.push(Piece::Value {
                    label: name,
                    value: value.to_string(),
                }),
                Err(e) => {
                    if noted.insert(name.clone()) {
                        notes.push(reason(&e));
                    }
                    pieces.push(Piece::Refused {
                        written: line[range.clone()].to_string(),
                        label: name,
                    });
                }
            }
            from = range.end;
        }
        if from < line.len() || pieces.is_empty() {
            pieces.push(Piece::Text(line[from..].to_string()));
        }
        lines.push(pieces);
    }
    match step::plan(command, alert.labels, alert.policy) {
        Err(StepError::MissingLabel { label } | StepError::Refused { label, .. })
            if noted.contains(&label) => {}
        Err(e) => notes.push(e.to_string()),
        Ok(plan) => {
            let faithful = if plan.shell {
                // The values reach the script as variables: the ones shown must be those.
                let shown: BTreeSet<String> = values(&lines).map(|(label, _)| label).collect();
                let passed: BTreeSet<String> = plan
                    .env
                    .keys()
                    .filter_map(|k| k.strip_prefix(ENV_PREFIX).map(str::to_string))
                    .collect();
                shown == passed
            } else {
                shlex::split(&joined(&lines)).as_ref() == Some(&plan.argv)
            };
            if !faithful {
                notes.push(format!("runs as: {}", plan.display()));
            }
        }
    }
    Filled { lines, notes }
}

fn values(lines: &[Vec<Piece>]) -> impl Iterator<Item = (String, &str)> {
    lines.iter().flatten().filter_map(|p| match p {
        Piece::Value { label, value } => Some((label.clone(), value.as_str())),
        _ => None,
    })
}

/// The filled text, lines joined as written.
fn joined(lines: &[Vec<Piece>]) -> String {
    lines
        .iter()
        .map(|pieces| {
            pieces
                .iter()
                .map(|p| match p {
                    Piece::Text(t) => t.as_str(),
                    Piece::Value { value, .. } => value.as_str(),
                    Piece::Refused { written, .. } => written.as_str(),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Why a placeholder gets no value, short enough to sit under the step.
fn reason(e: &StepError) -> String {
    match e {
        StepError::MissingLabel { label } => format!("label {label} missing"),
        StepError::Refused {
            label,
            value,
            reason,
        } => {
            let mut shown: String = value.chars().take(40).collect();
            if shown.len() < value.len() {
                // Plain dots: this text is drawn in ASCII mode too.
                shown.push_str("...");
            }
            format!("value refused: {label}={shown:?}: {reason}")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_util::labels;

    fn run(command: &str, labels: &BTreeMap<String, String>) -> Filled {
        let policy = ValuePolicy::default();
        fill(
            command,
            command.trim(),
            ForAlert {
                labels,
                policy: &policy,
            },
        )
    }

    #[test]
    fn values_replace_placeholders_and_the_text_is_the_argv() {
        let l = labels(&[("job", "api"), ("instance", "10.0.0.7:8080")]);
        let f = run("curl -s 'q=up{job=\"$job\"}' http://${instance}/m", &l);
        assert!(f.notes.is_empty(), "{:?}", f.notes);
        assert_eq!(
            f.lines[0],
            vec![
                Piece::Text("curl -s 'q=up{job=\"".into()),
                Piece::Value {
                    label: "job".into(),
                    value: "api".into()
                },
                Piece::Text("\"}' http://".into()),
                Piece::Value {
                    label: "instance".into(),
                    value: "10.0.0.7:8080".into()
                },
                Piece::Text("/m".into()),
            ]
        );
    }

    #[test]
    fn missing_and_refused_labels_are_marked_with_one_note_each() {
        let l = labels(&[("instance", "--kubeconfig=/x")]);
        let f = run("kubectl logs -l app=$job --tail=5 $instance $job", &l);
        assert_eq!(f.notes.len(), 2, "{:?}", f.notes);
        assert_eq!(f.notes[0], "label job missing");
        assert!(f.notes[1].starts_with("value refused: instance=\"--kubeconfig=/x\""));
        assert!(f.lines[0].contains(&Piece::Refused {
            written: "$instance".into(),
            label: "instance".into()
        }));
    }

    #[test]
    fn a_long_refused_value_is_shortened_in_its_note() {
        let long = format!("{};x", "a".repeat(60));
        let l = labels(&[("job", &long)]);
        let f = run("echo $job", &l);
        let note = &f.notes[0];
        assert!(
            note.contains(&format!("job=\"{}...\"", "a".repeat(40))),
            "{note}"
        );
    }

    #[test]
    fn a_shell_step_leaves_the_shells_own_variables() {
        let l = labels(&[("job", "api")]);
        let f = run("echo \"$job\" && echo $HOME", &l);
        assert!(f.notes.is_empty(), "{:?}", f.notes);
        assert_eq!(
            f.lines[0].last(),
            Some(&Piece::Text("\" && echo $HOME".into()))
        );
    }

    #[test]
    fn plans_own_errors_are_notes() {
        let l = labels(&[("job", "api")]);
        let f = run("$job --help", &l);
        assert_eq!(f.notes, vec![StepError::PlaceholderInProgram.to_string()]);
        let f = run("echo '$job' | cat", &l);
        assert!(f.notes[0].contains("single quotes"), "{:?}", f.notes);
    }

    #[test]
    fn text_that_would_mislead_gets_the_argv() {
        // A value with a space is one argument, which the filled text cannot show.
        let policy = ValuePolicy::default()
            .with_pattern("pod", "[a-z ]+")
            .unwrap();
        let l = labels(&[("pod", "a b")]);
        let f = fill(
            "kubectl logs $pod",
            "kubectl logs $pod",
            ForAlert {
                labels: &l,
                policy: &policy,
            },
        );
        assert_eq!(f.notes, vec!["runs as: kubectl logs 'a b'".to_string()]);
    }
}

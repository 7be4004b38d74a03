//! oncall's matcher parser beside amtool 0.25's, on matchers in the forms Alertmanager's own
//! parser tests use (quotes, escapes, spacing, regexes, empty values, odd characters): each
//! is given to `amtool silence add` against the real Alertmanager and read back, and to
//! oncall's parser. They must agree, apart from the differences oncall makes on purpose,
//! which are listed here with the reason and said in `oncall silence add --help`.

use crate::harness;

use std::process::Command;

use harness::process::require_binary;
use harness::Alertmanager;
use oncall::model::{parse_matchers, MatchOp};
use serde_json::Value;

/// (input, why oncall differs) for the deliberate differences.
const DELIBERATE: &[(&str, &str)] = &[
    // amtool reads a list in braces as one argument; oncall takes one matcher per argument
    // and says to drop the braces, so `{a=b}` is never half-read.
    ("{foo=\"bar\"}", "braces"),
    ("{foo!~\"bar.*\"}", "braces"),
    // amtool quietly takes a malformed argument as an alert name; oncall says what is wrong.
    ("foo=\"bar", "no alertname fallback for malformed input"),
    // A quoted label name is not a label name in Alertmanager 0.25's model.
    ("\"foo\"=bar", "quoted label names"),
];

const CASES: &[&str] = &[
    "foo=bar",
    "foo=\"bar\"",
    "foo!=bar",
    "foo=~bar.*",
    "foo!~\"bar.*\"",
    "foo=~\"bar|baz\"",
    "statuscode=~\"5..\"",
    "tags=~\"^(.*,)?next-release(,.*)?$\"",
    "foo = bar",
    "foo= \"bar\"",
    "foo=\"bar,quux\"",
    "foo=\"bar baz\"",
    "foo=bar}",
    "foo=\"with \\\"quotes\\\"\"",
    "foo=a\\\"b",
    "trickier==\\\\=\\=\\\"",
    "quote=\"She said: \\\"Hi\\\"\"",
    "foo=\"\\\\\"",
    "foo=\"日本語\"",
    "instance=~\"some-api.*\"",
    "name_with_underscore=x",
    "foo=ba=r",
    "job=~\"value\"",
    "foo=\"bar\"",
    "{foo=\"bar\"}",
    "{foo!~\"bar.*\"}",
    "foo=\"bar",
    "\"foo\"=bar",
    "=bar",
    "foo",
    "foo==bar",
];

/// A matcher as Alertmanager stores it: (name, value, is regex, is equal).
type Stored = (String, String, bool, bool);

fn amtool_matchers(am: &Alertmanager, input: &str) -> Result<Vec<Stored>, String> {
    let before: Vec<String> = am
        .silences()
        .iter()
        .filter_map(|s| s["id"].as_str().map(str::to_string))
        .collect();
    let out = Command::new(require_binary("amtool"))
        .args([
            "silence",
            "add",
            "--alertmanager.url",
            &am.url(),
            "--comment",
            "parity",
            "--author",
            "parity",
            "--duration",
            "1h",
            // A matcher that never matches empty, so an all-negative input is still a silence.
            "parity=case",
            input,
        ])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let made = am
        .silences()
        .into_iter()
        .find(|s| {
            s["id"]
                .as_str()
                .is_some_and(|id| !before.iter().any(|b| b == id))
        })
        .ok_or("amtool said it made a silence that is not there")?;
    let mut got: Vec<Stored> = made["matchers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|m: &Value| {
            (
                m["name"].as_str().unwrap_or("").to_string(),
                m["value"].as_str().unwrap_or("").to_string(),
                m["isRegex"].as_bool().unwrap_or(false),
                m["isEqual"].as_bool().unwrap_or(true),
            )
        })
        .filter(|m| m.0 != "parity")
        .collect();
    got.sort();
    Ok(got)
}

fn oncall_matchers(input: &str) -> Result<Vec<Stored>, String> {
    // As `silence add parity=case INPUT` reads it: the input is not the first argument.
    let args = vec!["parity=case".to_string(), input.to_string()];
    let mut got: Vec<Stored> = parse_matchers(&args)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|m| m.name != "parity")
        .map(|m| {
            (
                m.name,
                m.value,
                matches!(m.op, MatchOp::Re | MatchOp::NotRe),
                matches!(m.op, MatchOp::Eq | MatchOp::Re),
            )
        })
        .collect();
    got.sort();
    Ok(got)
}

#[test]
fn matchers_parse_as_amtool_parses_them_but_for_the_deliberate_differences() {
    let am = Alertmanager::start();
    let mut agreed = 0;
    let mut report = Vec::new();
    for input in CASES {
        let theirs = amtool_matchers(&am, input);
        let ours = oncall_matchers(input);
        let same = match (&theirs, &ours) {
            (Ok(a), Ok(b)) => a == b,
            (Err(_), Err(_)) => true,
            _ => false,
        };
        if same {
            agreed += 1;
            continue;
        }
        match DELIBERATE.iter().find(|(i, _)| i == input) {
            Some((_, why)) => report.push(format!("deliberate ({why}): {input}")),
            None => panic!("{input:?}: amtool {theirs:?}, oncall {ours:?}"),
        }
    }
    eprintln!(
        "matcher parity with amtool 0.25: {agreed} of {} agree; {}",
        CASES.len(),
        report.join("; ")
    );
    assert!(agreed >= CASES.len() - DELIBERATE.len());
}

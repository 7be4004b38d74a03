//! Label matchers in amtool's syntax (`alertname=Foo`, `severity=~"crit.*"`, `job!=x`,
//! `instance!~"a|b"`), and in Alertmanager's JSON shape (`{name,value,isRegex,isEqual}`).
//!
//! # Syntax accepted by [`Matcher::parse`]
//!
//! `name OP value`, spaces around `OP` tolerated, where `OP` is `=`, `!=`, `=~` or `!~`.
//! The name is a classic label name (`[a-zA-Z_:][a-zA-Z0-9_:]*`) or, for UTF-8 names, a
//! double-quoted string. The value is either double-quoted or bare (the rest of the input,
//! trimmed). Escapes follow Alertmanager's classic parser: `\"` is a quote, `\\` a backslash,
//! `\n` a newline; any other backslash is kept as it is, so `instance=~"a\.b"` means the regex
//! `a\.b`. A bare value must not contain `"`.
//!
//! # Canonical form printed by `Display`
//!
//! `name OP "value"`: no spaces, the value always double-quoted (as amtool prints it), with `"`
//! written `\"`, a newline `\n`, and a backslash written `\\` only where it would otherwise be
//! read as an escape (before `"`, `\`, `n`, or at the end). So a canonical input such as
//! `instance=~"a\.b"` prints exactly as typed and `parse(m.to_string()) == m` for every matcher.
//! Names that are not classic label names are quoted the same way.
//!
//! [`Matcher::to_filter_param`] is stricter, for the `filter=` query parameter: every `\` and
//! `"` is escaped so both of Alertmanager's parsers (UTF-8 and classic) read it the same way
//!.

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// How a matcher compares the label value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchOp {
    /// `=`
    Eq,
    /// `!=`
    NotEq,
    /// `=~` (regex, fully anchored)
    Re,
    /// `!~` (regex, fully anchored)
    NotRe,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Eq => "=",
            MatchOp::NotEq => "!=",
            MatchOp::Re => "=~",
            MatchOp::NotRe => "!~",
        }
    }

    pub fn is_regex(self) -> bool {
        matches!(self, MatchOp::Re | MatchOp::NotRe)
    }

    /// `true` for `=` and `=~` (Alertmanager's `isEqual`).
    pub fn is_equal(self) -> bool {
        matches!(self, MatchOp::Eq | MatchOp::Re)
    }

    /// The operator for Alertmanager's `isRegex`/`isEqual` pair.
    pub fn from_flags(is_regex: bool, is_equal: bool) -> MatchOp {
        match (is_regex, is_equal) {
            (false, true) => MatchOp::Eq,
            (false, false) => MatchOp::NotEq,
            (true, true) => MatchOp::Re,
            (true, false) => MatchOp::NotRe,
        }
    }
}

impl fmt::Display for MatchOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One label matcher. Serializes to and from Alertmanager's JSON matcher.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "ApiMatcher", from = "ApiMatcher")]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
}

const EXPECTED: &str = "expected `name=value`, `name!=value`, `name=~regex` or `name!~regex`";

/// Why a matcher string was rejected. The input is quoted with control characters removed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatcherError {
    #[error("empty matcher: {EXPECTED}")]
    Empty,
    #[error("`{input}` has no operator: {EXPECTED}")]
    MissingOperator { input: String },
    #[error("`{input}`: give each matcher without braces, as its own argument (`foo!~\"bar.*\"`); braces belong to a matcher list such as `--alert '{{a=\"1\", b=\"2\"}}'`")]
    Braces { input: String },
    #[error("`{input}`: the label name is missing before `{op}`: {EXPECTED}")]
    MissingName { input: String, op: &'static str },
    #[error("`{input}`: `{name}` is not a valid label name (letters, digits, `_` and `:`, not starting with a digit; double-quote any other name)")]
    InvalidName { input: String, name: String },
    #[error("`{input}`: the closing double quote is missing")]
    UnterminatedQuote { input: String },
    #[error("`{input}`: unexpected `{rest}` after the closing quote; quote the whole value")]
    TrailingText { input: String, rest: String },
    #[error("`{input}`: the value contains a double quote; put the value in double quotes and write it as \\\"")]
    UnescapedQuote { input: String },
    #[error("`{input}`: `{value}` is not a valid regular expression: {error}")]
    InvalidRegex {
        input: String,
        value: String,
        error: String,
    },
}

/// Whether `text` holds a `"` that no backslash escapes.
fn has_bare_quote(text: &str) -> bool {
    let mut escaped = false;
    for c in text.chars() {
        match (c, escaped) {
            ('"', false) => return true,
            ('\\', false) => escaped = true,
            _ => escaped = false,
        }
    }
    false
}

/// Printable form of user input for error messages.
fn shown(input: &str) -> String {
    crate::sanitize::one_line(input)
}

impl Matcher {
    /// A matcher from its parts, checking that a regex value compiles.
    pub fn new(
        name: impl Into<String>,
        op: MatchOp,
        value: impl Into<String>,
    ) -> Result<Matcher, MatcherError> {
        let m = Matcher {
            name: name.into(),
            op,
            value: value.into(),
        };
        if op.is_regex() {
            anchored(&m.value).map_err(|e| MatcherError::InvalidRegex {
                input: shown(&m.to_string()),
                value: shown(&m.value),
                error: regex_error_line(&e),
            })?;
        }
        Ok(m)
    }

    /// `name="value"`, which cannot fail.
    pub fn eq(name: impl Into<String>, value: impl Into<String>) -> Matcher {
        Matcher {
            name: name.into(),
            op: MatchOp::Eq,
            value: value.into(),
        }
    }

    /// Parse one matcher in amtool's syntax (see the module documentation).
    pub fn parse(input: &str) -> Result<Matcher, MatcherError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(MatcherError::Empty);
        }
        if s.starts_with('{') {
            return Err(MatcherError::Braces { input: shown(s) });
        }
        let (name, rest) = if s.starts_with('"') {
            let (name, rest) = parse_quoted(s)
                .ok_or_else(|| MatcherError::UnterminatedQuote { input: shown(s) })?;
            if name.is_empty() {
                return Err(MatcherError::InvalidName {
                    input: shown(s),
                    name: String::new(),
                });
            }
            (name, rest)
        } else {
            let end = s
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(s.len());
            (s[..end].to_string(), &s[end..])
        };
        let rest = rest.trim_start();
        let (op, rest) = match split_op(rest) {
            Some(found) => found,
            None => {
                // Tell a bad name (`foo.bar=1`) apart from a missing operator (`foo`).
                return Err(if ["=", "!="].iter().any(|op| s.contains(op)) {
                    let bad_end = s.find(['=', '!']).unwrap_or(s.len());
                    MatcherError::InvalidName {
                        input: shown(s),
                        name: shown(s[..bad_end].trim()),
                    }
                } else {
                    MatcherError::MissingOperator { input: shown(s) }
                });
            }
        };
        if name.is_empty() {
            return Err(MatcherError::MissingName {
                input: shown(s),
                op: op.as_str(),
            });
        }
        if !s.starts_with('"') && !is_classic_name(&name) {
            return Err(MatcherError::InvalidName {
                input: shown(s),
                name: shown(&name),
            });
        }
        let rest = rest.trim();
        let value = if rest.starts_with('"') {
            let (value, after) = parse_quoted(rest)
                .ok_or_else(|| MatcherError::UnterminatedQuote { input: shown(s) })?;
            let after = after.trim();
            if !after.is_empty() {
                return Err(MatcherError::TrailingText {
                    input: shown(s),
                    rest: shown(after),
                });
            }
            value
        } else {
            // amtool takes `\"` in an unquoted value; a bare `"` is a mistake.
            if has_bare_quote(rest) {
                return Err(MatcherError::UnescapedQuote { input: shown(s) });
            }
            unescape(rest)
        };
        let m = Matcher { name, op, value };
        if op.is_regex() {
            anchored(&m.value).map_err(|e| MatcherError::InvalidRegex {
                input: shown(s),
                value: shown(&m.value),
                error: regex_error_line(&e),
            })?;
        }
        Ok(m)
    }

    /// Whether the label set satisfies this matcher. A missing label is the empty string, as in
    /// Alertmanager; regexes are fully anchored. A regex that does not compile (only possible
    /// for a matcher built by hand) matches nothing.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        match self.compile() {
            Ok(c) => c.matches(labels),
            Err(_) => false,
        }
    }

    /// Compile once, for matching many label sets.
    pub fn compile(&self) -> Result<CompiledMatcher, MatcherError> {
        let regex = if self.op.is_regex() {
            Some(
                anchored(&self.value).map_err(|e| MatcherError::InvalidRegex {
                    input: shown(&self.to_string()),
                    value: shown(&self.value),
                    error: regex_error_line(&e),
                })?,
            )
        } else {
            None
        };
        Ok(CompiledMatcher {
            matcher: self.clone(),
            regex,
        })
    }

    /// The matcher for Alertmanager's `filter=` parameter: value always double-quoted, every
    /// `\` and `"` escaped, so the UTF-8 and the classic parser agree.
    pub fn to_filter_param(&self) -> String {
        let mut out = String::with_capacity(self.name.len() + self.value.len() + 6);
        if is_classic_name(&self.name) {
            out.push_str(&self.name);
        } else {
            push_quoted_strict(&mut out, &self.name);
        }
        out.push_str(self.op.as_str());
        push_quoted_strict(&mut out, &self.value);
        out
    }

    /// Whether this matcher also matches a label that is absent (value ""). Alertmanager
    /// refuses a silence whose matchers all match the empty string.
    pub fn matches_empty(&self) -> bool {
        self.matches(&BTreeMap::new())
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::with_capacity(self.name.len() + self.value.len() + 6);
        if is_classic_name(&self.name) {
            out.push_str(&self.name);
        } else {
            push_quoted_minimal(&mut out, &self.name);
        }
        out.push_str(self.op.as_str());
        push_quoted_minimal(&mut out, &self.value);
        f.write_str(&out)
    }
}

impl std::str::FromStr for Matcher {
    type Err = MatcherError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Matcher::parse(s)
    }
}

/// Parse command-line matchers. A first argument without an operator is an alert name, as in
/// amtool: `oncall alerts KubePodCrashLooping namespace=prod`.
pub fn parse_matchers(args: &[String]) -> Result<Vec<Matcher>, MatcherError> {
    let mut out = Vec::with_capacity(args.len());
    for (i, arg) in args.iter().enumerate() {
        if i == 0 && is_bare_alertname(arg) {
            out.push(Matcher::eq("alertname", arg.trim()));
        } else {
            out.push(Matcher::parse(arg)?);
        }
    }
    Ok(out)
}

/// A bare first argument: no operator character and no quote, not empty.
fn is_bare_alertname(arg: &str) -> bool {
    let t = arg.trim();
    !t.is_empty() && !t.contains(['=', '!', '~', '"'])
}

/// Whether every matcher in the list matches the label set. Compiles each regex once.
pub fn matches_all(matchers: &[Matcher], labels: &BTreeMap<String, String>) -> bool {
    matchers.iter().all(|m| m.matches(labels))
}

/// A matcher with its regex compiled, for matching thousands of alerts.
#[derive(Debug, Clone)]
pub struct CompiledMatcher {
    matcher: Matcher,
    regex: Option<Regex>,
}

impl CompiledMatcher {
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let v = labels
            .get(&self.matcher.name)
            .map(String::as_str)
            .unwrap_or("");
        match (self.matcher.op, &self.regex) {
            (MatchOp::Eq, _) => v == self.matcher.value,
            (MatchOp::NotEq, _) => v != self.matcher.value,
            (MatchOp::Re, Some(re)) => re.is_match(v),
            (MatchOp::NotRe, Some(re)) => !re.is_match(v),
            // `compile` always sets the regex for regex operators.
            (MatchOp::Re | MatchOp::NotRe, None) => false,
        }
    }
}

/// A list of matchers compiled once; matches when all match (Alertmanager ANDs them).
#[derive(Debug, Clone, Default)]
pub struct MatcherSet {
    compiled: Vec<CompiledMatcher>,
}

impl MatcherSet {
    pub fn new(matchers: &[Matcher]) -> Result<MatcherSet, MatcherError> {
        Ok(MatcherSet {
            compiled: matchers
                .iter()
                .map(Matcher::compile)
                .collect::<Result<_, _>>()?,
        })
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.compiled.iter().all(|m| m.matches(labels))
    }
}

/// Alertmanager's JSON matcher. `isEqual` is absent before v0.22 and then means `true`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiMatcher {
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub is_regex: bool,
    #[serde(default = "default_true")]
    pub is_equal: bool,
}

fn default_true() -> bool {
    true
}

impl From<ApiMatcher> for Matcher {
    fn from(m: ApiMatcher) -> Matcher {
        Matcher {
            name: m.name,
            op: MatchOp::from_flags(m.is_regex, m.is_equal),
            value: m.value,
        }
    }
}

impl From<Matcher> for ApiMatcher {
    fn from(m: Matcher) -> ApiMatcher {
        ApiMatcher {
            is_regex: m.op.is_regex(),
            is_equal: m.op.is_equal(),
            name: m.name,
            value: m.value,
        }
    }
}

impl From<&Matcher> for ApiMatcher {
    fn from(m: &Matcher) -> ApiMatcher {
        ApiMatcher::from(m.clone())
    }
}

fn anchored(value: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{value})$"))
}

/// The regex crate's errors are multi-line drawings; keep the last line, which says what.
fn regex_error_line(e: &regex::Error) -> String {
    let text = e.to_string();
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(&text)
        .trim()
        .trim_start_matches("error: ")
        .to_string();
    shown(&line)
}

pub(crate) fn is_classic_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// The operator at the start of `s`, and what follows it. `=~` before `=`.
fn split_op(s: &str) -> Option<(MatchOp, &str)> {
    for (tok, op) in [
        ("=~", MatchOp::Re),
        ("!=", MatchOp::NotEq),
        ("!~", MatchOp::NotRe),
        ("=", MatchOp::Eq),
    ] {
        if let Some(rest) = s.strip_prefix(tok) {
            return Some((op, rest));
        }
    }
    None
}

/// `s` starts with `"`: the unescaped content up to the closing quote and the text after it,
/// or `None` when the closing quote is missing.
fn parse_quoted(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &body[i + 1..])),
            '\\' => match chars.clone().next() {
                Some((_, '"')) | Some((_, '\\')) => {
                    out.push(chars.next().map(|(_, c)| c).unwrap_or('\\'));
                }
                Some((_, 'n')) => {
                    chars.next();
                    out.push('\n');
                }
                // Classic parser: any other escape keeps its backslash (`\.` in a regex).
                _ => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    None
}

/// Escapes in a bare value, with the classic parser's rules.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                Some('n') => {
                    chars.next();
                    out.push('\n');
                }
                Some('"') => {
                    chars.next();
                    out.push('"');
                }
                _ => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Quote with the fewest escapes that still parse back to `value` (see module docs).
fn push_quoted_minimal(out: &mut String, value: &str) {
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\\' => match chars.peek() {
                Some('"') | Some('\\') | Some('n') | None => out.push_str("\\\\"),
                Some(_) => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Quote escaping every `\` and `"`, as Go's `strconv.Quote` would for these characters.
fn push_quoted_strict(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_escaped_quote_in_an_unquoted_value_and_braces() {
        let m = Matcher::parse(r#"foo=a\"b"#).unwrap();
        assert_eq!(m.value, "a\"b");
        assert!(matches!(
            Matcher::parse(r#"foo=a"b"#),
            Err(MatcherError::UnescapedQuote { .. })
        ));
        let e = Matcher::parse(r#"{foo!~"bar.*"}"#).unwrap_err();
        assert!(matches!(e, MatcherError::Braces { .. }), "{e:?}");
        assert!(e.to_string().contains("without braces"), "{e}");
    }
    use super::*;

    fn m(name: &str, op: MatchOp, value: &str) -> Matcher {
        Matcher {
            name: name.into(),
            op,
            value: value.into(),
        }
    }

    use crate::test_util::labels;

    #[test]
    fn parses_the_four_operators_bare_and_quoted() {
        assert_eq!(
            Matcher::parse("alertname=Foo").unwrap(),
            m("alertname", MatchOp::Eq, "Foo")
        );
        assert_eq!(
            Matcher::parse(r#"severity=~"crit.*""#).unwrap(),
            m("severity", MatchOp::Re, "crit.*")
        );
        assert_eq!(
            Matcher::parse("job!=x").unwrap(),
            m("job", MatchOp::NotEq, "x")
        );
        assert_eq!(
            Matcher::parse(r#"instance!~"a|b""#).unwrap(),
            m("instance", MatchOp::NotRe, "a|b")
        );
    }

    #[test]
    fn tolerates_spaces_around_the_operator_and_keeps_inner_spaces() {
        assert_eq!(
            Matcher::parse("  alertname = Disk full  ").unwrap(),
            m("alertname", MatchOp::Eq, "Disk full")
        );
        assert_eq!(
            Matcher::parse(r#"job !~ "a b""#).unwrap(),
            m("job", MatchOp::NotRe, "a b")
        );
        assert_eq!(
            Matcher::parse(r#"job=" padded ""#).unwrap(),
            m("job", MatchOp::Eq, " padded ")
        );
    }

    #[test]
    fn empty_values_are_allowed() {
        assert_eq!(Matcher::parse("team=").unwrap(), m("team", MatchOp::Eq, ""));
        assert_eq!(
            Matcher::parse(r#"team!="""#).unwrap(),
            m("team", MatchOp::NotEq, "")
        );
    }

    #[test]
    fn escapes_follow_the_classic_parser() {
        assert_eq!(
            Matcher::parse(r#"a="say \"hi\"""#).unwrap().value,
            r#"say "hi""#
        );
        assert_eq!(
            Matcher::parse(r#"a="back\\slash""#).unwrap().value,
            r"back\slash"
        );
        assert_eq!(
            Matcher::parse(r#"a="line\nbreak""#).unwrap().value,
            "line\nbreak"
        );
        // Unknown escapes keep their backslash, so regex escapes work as typed.
        assert_eq!(
            Matcher::parse(r#"a=~"host\.example\d""#).unwrap().value,
            r"host\.example\d"
        );
        assert_eq!(Matcher::parse(r"a=x\\y").unwrap().value, r"x\y");
        assert_eq!(Matcher::parse(r"a=x\.y").unwrap().value, r"x\.y");
    }

    #[test]
    fn quoted_utf8_names() {
        let parsed = Matcher::parse(r#""service.name"="api""#).unwrap();
        assert_eq!(parsed, m("service.name", MatchOp::Eq, "api"));
        assert_eq!(parsed.to_string(), r#""service.name"="api""#);
    }

    #[test]
    fn display_is_canonical_and_round_trips() {
        for canonical in [
            r#"alertname="Foo""#,
            r#"severity=~"crit.*""#,
            r#"job!="x""#,
            r#"instance!~"a|b""#,
            r#"instance=~"a\.b""#,
            r#"msg="say \"hi\"""#,
            r#"path="C:\\""#,
            r#"x="a\nb""#,
            r#"x="a\\nb""#,
            r#"x="""#,
        ] {
            let parsed = Matcher::parse(canonical).unwrap();
            assert_eq!(parsed.to_string(), canonical, "{canonical}");
        }
        assert_eq!(
            Matcher::parse("alertname = Foo").unwrap().to_string(),
            r#"alertname="Foo""#
        );
    }

    #[test]
    fn round_trip_holds_for_awkward_values() {
        let values = [
            "",
            "\\",
            "\\\\",
            "\"",
            "\\\"",
            "a\\",
            "\\n",
            "\n",
            "tab\there",
            "ünïcødé",
            "a\"b\\c\nd",
            "=~!",
            " lead",
            "trail ",
            "\\.",
            "\"\"",
        ];
        for op in [MatchOp::Eq, MatchOp::NotEq] {
            for v in values {
                let original = m("lbl", op, v);
                let printed = original.to_string();
                assert_eq!(
                    Matcher::parse(&printed).unwrap(),
                    original,
                    "printed as {printed}"
                );
            }
        }
        for name in ["a.b", "with space", "quo\"te", "0starts_with_digit"] {
            let original = m(name, MatchOp::Eq, "v");
            assert_eq!(Matcher::parse(&original.to_string()).unwrap(), original);
        }
    }

    #[test]
    fn filter_param_escapes_every_backslash_and_quote() {
        assert_eq!(
            m("alertname", MatchOp::Eq, "Disk full").to_filter_param(),
            r#"alertname="Disk full""#
        );
        assert_eq!(
            m("instance", MatchOp::Re, r"a\.b").to_filter_param(),
            r#"instance=~"a\\.b""#
        );
        assert_eq!(
            m("msg", MatchOp::NotEq, r#"say "hi""#).to_filter_param(),
            r#"msg!="say \"hi\"""#
        );
        assert_eq!(
            m("a.b", MatchOp::NotRe, "x").to_filter_param(),
            r#""a.b"!~"x""#
        );
        // And it parses back to the same matcher.
        let tricky = m("x", MatchOp::Re, r#"a\"b\\c"#);
        assert_eq!(Matcher::parse(&tricky.to_filter_param()).unwrap(), tricky);
    }

    #[test]
    fn errors_quote_the_input_and_say_what_is_expected() {
        let e = Matcher::parse("alertname").unwrap_err();
        assert!(matches!(e, MatcherError::MissingOperator { .. }));
        assert!(
            e.to_string().contains("`alertname`") && e.to_string().contains("name=value"),
            "{e}"
        );

        let e = Matcher::parse("=foo").unwrap_err();
        assert!(matches!(e, MatcherError::MissingName { .. }), "{e:?}");

        let e = Matcher::parse("foo.bar=1").unwrap_err();
        assert!(
            matches!(&e, MatcherError::InvalidName { name, .. } if name == "foo.bar"),
            "{e:?}"
        );
        assert!(e.to_string().contains("double-quote"), "{e}");

        let e = Matcher::parse("9lives=1").unwrap_err();
        assert!(matches!(e, MatcherError::InvalidName { .. }), "{e:?}");

        let e = Matcher::parse(r#"a="open"#).unwrap_err();
        assert!(matches!(e, MatcherError::UnterminatedQuote { .. }), "{e:?}");

        let e = Matcher::parse(r#"a="x" y"#).unwrap_err();
        assert!(
            matches!(&e, MatcherError::TrailingText { rest, .. } if rest == "y"),
            "{e:?}"
        );

        let e = Matcher::parse(r#"a=x"y"#).unwrap_err();
        assert!(matches!(e, MatcherError::UnescapedQuote { .. }), "{e:?}");

        let e = Matcher::parse(r#"a=~"(unclosed""#).unwrap_err();
        assert!(matches!(e, MatcherError::InvalidRegex { .. }), "{e:?}");
        assert!(e.to_string().contains("(unclosed"), "{e}");
        assert!(!e.to_string().contains('\n'), "one line: {e}");

        assert_eq!(Matcher::parse("   ").unwrap_err(), MatcherError::Empty);
    }

    #[test]
    fn errors_strip_control_characters_from_the_input() {
        let e = Matcher::parse("bad\u{1b}]52;c;x\u{7}name").unwrap_err();
        assert!(!e.to_string().contains('\u{1b}'), "{e}");
    }

    #[test]
    fn a_bare_first_argument_is_the_alertname() {
        let args: Vec<String> = ["KubePodCrashLooping", "namespace=prod"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            parse_matchers(&args).unwrap(),
            vec![
                m("alertname", MatchOp::Eq, "KubePodCrashLooping"),
                m("namespace", MatchOp::Eq, "prod")
            ]
        );
        // Only the first argument may be bare.
        let args: Vec<String> = ["namespace=prod", "Foo"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(matches!(
            parse_matchers(&args),
            Err(MatcherError::MissingOperator { .. })
        ));
        assert_eq!(parse_matchers(&[]).unwrap(), vec![]);
    }

    #[test]
    fn matching_follows_alertmanager() {
        let l = labels(&[
            ("alertname", "Foo"),
            ("severity", "critical"),
            ("instance", "a.b:9100"),
        ]);
        assert!(m("alertname", MatchOp::Eq, "Foo").matches(&l));
        assert!(!m("alertname", MatchOp::Eq, "Fo").matches(&l));
        assert!(m("alertname", MatchOp::NotEq, "Bar").matches(&l));
        // Fully anchored: a prefix does not match.
        assert!(!m("severity", MatchOp::Re, "crit").matches(&l));
        assert!(m("severity", MatchOp::Re, "crit.*").matches(&l));
        assert!(m("severity", MatchOp::Re, "warning|critical").matches(&l));
        assert!(m("severity", MatchOp::NotRe, "warning|info").matches(&l));
        assert!(!m("severity", MatchOp::NotRe, "crit.*").matches(&l));
        // Missing label is the empty string.
        assert!(m("team", MatchOp::Eq, "").matches(&l));
        assert!(!m("team", MatchOp::NotEq, "").matches(&l));
        assert!(m("team", MatchOp::Re, ".*").matches(&l));
        assert!(!m("team", MatchOp::Re, ".+").matches(&l));
        assert!(m("team", MatchOp::NotEq, "x").matches(&l));
        // A bad regex built by hand matches nothing rather than panicking.
        assert!(!m("x", MatchOp::Re, "(").matches(&l));
    }

    #[test]
    fn matcher_set_ands_its_matchers() {
        let l = labels(&[("alertname", "Foo"), ("severity", "critical")]);
        let set = MatcherSet::new(&[
            m("alertname", MatchOp::Eq, "Foo"),
            m("severity", MatchOp::Re, "crit.*"),
        ])
        .unwrap();
        assert!(set.matches(&l));
        let set = MatcherSet::new(&[
            m("alertname", MatchOp::Eq, "Foo"),
            m("severity", MatchOp::Eq, "warning"),
        ])
        .unwrap();
        assert!(!set.matches(&l));
        assert!(MatcherSet::new(&[m("x", MatchOp::Re, "(")]).is_err());
        assert!(matches_all(&[], &l));
    }

    #[test]
    fn matches_empty_spots_matchers_alertmanager_would_refuse_alone() {
        assert!(m("a", MatchOp::Re, ".*").matches_empty());
        assert!(!m("a", MatchOp::Re, ".+").matches_empty());
        assert!(!m("alertname", MatchOp::Eq, "Foo").matches_empty());
    }

    #[test]
    fn json_shape_and_is_equal_default() {
        let json = serde_json::to_value(m("pod", MatchOp::NotRe, "canary-.*")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"name":"pod","value":"canary-.*","isRegex":true,"isEqual":false})
        );
        let back: Matcher = serde_json::from_value(json).unwrap();
        assert_eq!(back, m("pod", MatchOp::NotRe, "canary-.*"));
        // Before v0.22 there is no isEqual: it means equal.
        let old: Matcher =
            serde_json::from_str(r#"{"name":"a","value":"b","isRegex":false}"#).unwrap();
        assert_eq!(old, m("a", MatchOp::Eq, "b"));
        let old: Matcher =
            serde_json::from_str(r#"{"name":"a","value":"b.*","isRegex":true}"#).unwrap();
        assert_eq!(old.op, MatchOp::Re);
        for op in [MatchOp::Eq, MatchOp::NotEq, MatchOp::Re, MatchOp::NotRe] {
            assert_eq!(MatchOp::from_flags(op.is_regex(), op.is_equal()), op);
        }
    }

    #[test]
    fn new_checks_the_regex() {
        assert!(Matcher::new("a", MatchOp::Re, "(").is_err());
        assert!(Matcher::new("a", MatchOp::Eq, "(").is_ok());
        assert_eq!(
            "job!=x".parse::<Matcher>().unwrap(),
            m("job", MatchOp::NotEq, "x")
        );
    }
}

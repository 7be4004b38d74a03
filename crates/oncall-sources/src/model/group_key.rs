//! Which Alertmanager groups an alert lands in, and the PagerDuty dedup key of each: the exact
//! link between an alert and its incident. Alertmanager 0.25 sends
//! `dedup_key = sha256hex(groupKey)` with `groupKey = "<route key>:<group labels>"`
//! (`dispatch/route.go` `Route.Key`, `dispatch/dispatch.go` `aggrGroup.GroupKey`,
//! `notify/pagerduty`), so the client can rebuild it from the route tree.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::model::matcher::Matcher;
use crate::model::route::{GroupBy, Route, RouteTree};

/// One group an alert belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertGroupKey {
    /// The receiver of the route that took the alert (inherited when the route names none).
    pub receiver: Option<String>,
    /// `<route key>:<group labels>`.
    pub group_key: String,
    /// What PagerDuty gets as `dedup_key` (and shows as the incident's `incident_key`).
    pub dedup_key: String,
}

/// The groups of an alert with these labels, in Alertmanager's order: a depth-first walk from
/// the root where the first matching child wins unless it says `continue: true`, and a route
/// with no matching child takes the alert itself.
pub fn group_keys(tree: &RouteTree, labels: &BTreeMap<String, String>) -> Vec<AlertGroupKey> {
    let root_opts = Inherited {
        receiver: tree.root.receiver.clone(),
        group_by: tree
            .root
            .group_by
            .clone()
            .unwrap_or(GroupBy::Labels(Vec::new())),
    };
    let mut out = Vec::new();
    // Alertmanager does not check the root's matchers against the alert for routing (the
    // config forbids root matchers), so the walk starts below the root's own check.
    walk(&tree.root, "", &root_opts, labels, true, &mut out);
    out.into_iter()
        .map(|(route_key, opts)| {
            let group_key = format!(
                "{route_key}:{}",
                label_set_string(&group_labels(labels, &opts.group_by))
            );
            AlertGroupKey {
                receiver: opts.receiver,
                dedup_key: dedup_key(&group_key),
                group_key,
            }
        })
        .collect()
}

/// What a route takes from its parent unless it sets it.
#[derive(Debug, Clone)]
struct Inherited {
    receiver: Option<String>,
    group_by: GroupBy,
}

/// `Route.Match`: returns whether this route matched; pushes `(route key, options)` for every
/// route that takes the alert.
fn walk(
    route: &Route,
    parent_key: &str,
    opts: &Inherited,
    labels: &BTreeMap<String, String>,
    is_root: bool,
    out: &mut Vec<(String, Inherited)>,
) -> bool {
    if !is_root && !route.matches(labels) {
        return false;
    }
    let key = if is_root {
        matchers_string(&route.matchers)
    } else {
        format!("{parent_key}/{}", matchers_string(&route.matchers))
    };
    let mine = if is_root {
        opts.clone()
    } else {
        Inherited {
            receiver: route.receiver.clone().or_else(|| opts.receiver.clone()),
            group_by: route
                .group_by
                .clone()
                .unwrap_or_else(|| opts.group_by.clone()),
        }
    };
    let before = out.len();
    for child in &route.routes {
        if walk(child, &key, &mine, labels, false, out) && !child.continue_matching {
            break;
        }
    }
    if out.len() == before {
        out.push((key, mine));
    }
    true
}

/// `labels.Matchers.String()`: `{name="value",...}`, values escaped as Alertmanager 0.25's
/// `openMetricsEscape` does (only `\`, newline and `"`).
pub fn matchers_string(matchers: &[Matcher]) -> String {
    let parts: Vec<String> = matchers
        .iter()
        .map(|m| format!("{}{}\"{}\"", m.name, m.op, open_metrics_escape(&m.value)))
        .collect();
    format!("{{{}}}", parts.join(","))
}

fn open_metrics_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('"', "\\\"")
}

/// The alert's labels named in `group_by` (all of them for `...`); missing ones are left out.
pub fn group_labels(
    labels: &BTreeMap<String, String>,
    group_by: &GroupBy,
) -> BTreeMap<String, String> {
    match group_by {
        GroupBy::All => labels.clone(),
        GroupBy::Labels(names) => labels
            .iter()
            .filter(|(k, _)| names.iter().any(|n| n == *k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

/// `model.LabelSet.String()`: `{a="1", b="2"}`. Go sorts the formatted `name="value"` strings,
/// not the names, so `a1` comes before `a` (`1` sorts before `=`).
pub fn label_set_string(labels: &BTreeMap<String, String>) -> String {
    let mut parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}={}", go_quote(v)))
        .collect();
    parts.sort();
    format!("{{{}}}", parts.join(", "))
}

/// PagerDuty's dedup key for an Alertmanager group: SHA-256 of the group key, in hex.
pub fn dedup_key(group_key: &str) -> String {
    Sha256::digest(group_key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Go's `%q` (`strconv.Quote`) for valid UTF-8: `\`, `"` and the C escapes, other
/// non-printable characters as `\xNN`, `\uNNNN` or `\UNNNNNNNN`; printable Unicode as is.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if go_printable(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Go's `unicode.IsPrint`, for the characters that occur in labels: controls, format
/// characters and separators other than the ASCII space are not printable. (Unassigned code
/// points, which Go also escapes, are not told apart here.)
fn go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c as u32,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB
        | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_util::labels;

    const TREE: &str = r#"
route:
  receiver: default
  group_by: [alertname]
  routes:
    - receiver: pager
      matchers: ['severity="critical"']
      group_by: [alertname, cluster]
      routes:
        - receiver: db-pager
          match: {team: db}
    - receiver: regex
      match_re: {service: "api|web"}
      continue: true
    - receiver: audit
      match_re: {service: ".+"}
      group_by: ['...']
"#;

    fn keys(l: &[(&str, &str)]) -> Vec<String> {
        let tree = RouteTree::from_config_yaml(TREE).unwrap();
        group_keys(&tree, &labels(l))
            .into_iter()
            .map(|g| g.group_key)
            .collect()
    }

    #[test]
    fn the_root_takes_what_no_child_matches() {
        assert_eq!(
            keys(&[("alertname", "Foo"), ("severity", "warning")]),
            vec!["{}:{alertname=\"Foo\"}"]
        );
    }

    #[test]
    fn first_match_wins_and_group_by_is_per_route() {
        assert_eq!(
            keys(&[
                ("alertname", "Foo"),
                ("severity", "critical"),
                ("cluster", "a"),
                ("service", "api")
            ]),
            vec!["{}/{severity=\"critical\"}:{alertname=\"Foo\", cluster=\"a\"}"]
        );
        // A missing group label is left out; a nested route inherits group_by.
        assert_eq!(
            keys(&[
                ("alertname", "Foo"),
                ("severity", "critical"),
                ("team", "db")
            ]),
            vec!["{}/{severity=\"critical\"}/{team=\"db\"}:{alertname=\"Foo\"}"]
        );
    }

    #[test]
    fn continue_adds_later_siblings_and_dots_group_by_everything() {
        let got = keys(&[("alertname", "Foo"), ("service", "web")]);
        assert_eq!(
            got,
            vec![
                "{}/{service=~\"^(?:api|web)$\"}:{alertname=\"Foo\"}".to_string(),
                "{}/{service=~\"^(?:.+)$\"}:{alertname=\"Foo\", service=\"web\"}".to_string(),
            ]
        );
    }

    #[test]
    fn receivers_are_inherited() {
        let tree = RouteTree::from_config_yaml(
            "route:\n  receiver: r\n  routes:\n    - matchers: [a=b]\n",
        )
        .unwrap();
        let g = group_keys(&tree, &labels(&[("a", "b")]));
        assert_eq!(g[0].receiver.as_deref(), Some("r"));
        assert_eq!(g[0].group_key, "{}/{a=\"b\"}:{}");
    }

    #[test]
    fn go_formatting_of_label_sets_and_matchers() {
        // Go sorts the formatted pairs: `a1="…"` before `a="…"`.
        assert_eq!(
            label_set_string(&labels(&[("a", "x"), ("a1", "y")])),
            "{a1=\"y\", a=\"x\"}"
        );
        assert_eq!(
            go_quote("tab\there \"q\" \\ é \u{1b}"),
            "\"tab\\there \\\"q\\\" \\\\ é \\x1b\""
        );
        assert_eq!(go_quote("\u{200b}\u{a0}"), "\"\\u200b\\u00a0\"");
        let m = vec![Matcher::eq("a", "say \"hi\"\n")];
        assert_eq!(matchers_string(&m), "{a=\"say \\\"hi\\\"\\n\"}");
    }

    #[test]
    fn dedup_key_is_sha256_hex() {
        // sha256("abc"), the FIPS 180-2 test vector.
        assert_eq!(
            dedup_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

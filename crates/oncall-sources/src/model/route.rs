//! Alertmanager's route tree, read from the YAML of `/api/v2/status` `config.original`. Only
//! what decides which groups an alert lands in is kept (matchers, `continue`, `group_by`,
//! the receiver); every other key is ignored, so any valid Alertmanager config parses.
//!
//! The matchers of a route are what Alertmanager 0.25 builds in `dispatch.NewRoute`: `match`
//! (`=`), `match_re` (`=~`) and `matchers` (amtool syntax, several per string allowed), sorted
//! by name, then value, then operator. A `match_re` value becomes `^(?:value)$`: Alertmanager
//! builds that matcher from the compiled regexp's `String()`, so the anchored text is what its
//! route key prints and sorts by (checked against the real 0.25 in `tests/it/dedup_key.rs`);
//! `matchers` values stay as written.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::matcher::{MatchOp, Matcher, MatcherError, MatcherSet};

/// Why `config.original` gave no route tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("the Alertmanager config is not valid YAML: {0}")]
    Yaml(String),
    #[error("the Alertmanager config has no `route`")]
    NoRoute,
    #[error("route {path}: {source}")]
    Matcher {
        /// Where in the tree, e.g. `route.routes[1]`.
        path: String,
        source: MatcherError,
    },
    #[error("route {path}: `{key}` must be a string, a number or a boolean")]
    NotScalar { path: String, key: String },
}

/// Which labels form a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupBy {
    /// These label names (an empty list: everything in one group).
    Labels(Vec<String>),
    /// `group_by: ['...']`: every label, so each alert is its own group.
    All,
}

/// One node of the route tree.
#[derive(Debug, Clone)]
pub struct Route {
    pub receiver: Option<String>,
    /// Sorted as Alertmanager sorts them (name, value, operator).
    pub matchers: Vec<Matcher>,
    /// `None`: inherited from the parent.
    pub group_by: Option<GroupBy>,
    /// `continue: true`: later siblings are tried too after this one matched.
    pub continue_matching: bool,
    pub routes: Vec<Route>,
    /// `matchers`, compiled once at parse time.
    compiled: MatcherSet,
}

impl PartialEq for Route {
    fn eq(&self, other: &Route) -> bool {
        // `compiled` is derived from `matchers`.
        self.receiver == other.receiver
            && self.matchers == other.matchers
            && self.group_by == other.group_by
            && self.continue_matching == other.continue_matching
            && self.routes == other.routes
    }
}

impl Route {
    /// Whether an alert with these labels satisfies this route's own matchers.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.compiled.matches(labels)
    }
}

/// The root route and everything below it.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteTree {
    pub root: Route,
}

impl RouteTree {
    /// Parse Alertmanager's config YAML and keep its route tree.
    pub fn from_config_yaml(yaml: &str) -> Result<RouteTree, RouteError> {
        let raw: RawConfig =
            serde_norway::from_str(yaml).map_err(|e| RouteError::Yaml(e.to_string()))?;
        let route = raw.route.ok_or(RouteError::NoRoute)?;
        Ok(RouteTree {
            root: build(route, "route")?,
        })
    }
}

#[derive(Deserialize)]
struct RawConfig {
    #[serde(default)]
    route: Option<RawRoute>,
}

#[derive(Deserialize)]
struct RawRoute {
    #[serde(default)]
    receiver: Option<String>,
    #[serde(default)]
    group_by: Option<Vec<String>>,
    #[serde(default, rename = "match")]
    match_eq: Option<BTreeMap<String, serde_norway::Value>>,
    #[serde(default)]
    match_re: Option<BTreeMap<String, serde_norway::Value>>,
    #[serde(default)]
    matchers: Option<Vec<String>>,
    #[serde(default, rename = "continue")]
    continue_matching: bool,
    #[serde(default)]
    routes: Option<Vec<RawRoute>>,
}

/// A YAML scalar as Go's YAML decoder turns it into a string (`500` is `"500"`).
fn scalar(v: &serde_norway::Value) -> Option<String> {
    match v {
        serde_norway::Value::String(s) => Some(s.clone()),
        serde_norway::Value::Number(n) => Some(n.to_string()),
        serde_norway::Value::Bool(b) => Some(b.to_string()),
        serde_norway::Value::Null => Some(String::new()),
        _ => None,
    }
}

fn build(raw: RawRoute, path: &str) -> Result<Route, RouteError> {
    let mut matchers = Vec::new();
    for (map, op) in [(&raw.match_eq, MatchOp::Eq), (&raw.match_re, MatchOp::Re)] {
        for (name, value) in map.iter().flatten() {
            let value = scalar(value).ok_or_else(|| RouteError::NotScalar {
                path: path.to_string(),
                key: name.clone(),
            })?;
            let value = match op {
                MatchOp::Re => format!("^(?:{value})$"),
                _ => value,
            };
            let m =
                Matcher::new(name.clone(), op, value).map_err(|source| RouteError::Matcher {
                    path: path.to_string(),
                    source,
                })?;
            matchers.push(m);
        }
    }
    for line in raw.matchers.iter().flatten() {
        for part in split_matcher_list(line) {
            let m = Matcher::parse(&part).map_err(|source| RouteError::Matcher {
                path: path.to_string(),
                source,
            })?;
            matchers.push(m);
        }
    }
    sort_matchers(&mut matchers);
    let compiled = MatcherSet::new(&matchers).map_err(|source| RouteError::Matcher {
        path: path.to_string(),
        source,
    })?;
    // Go's decoder leaves an empty `group_by: []` as "not set", so it inherits too.
    let group_by = raw.group_by.filter(|g| !g.is_empty()).map(|g| {
        if g.iter().any(|l| l == "...") {
            GroupBy::All
        } else {
            GroupBy::Labels(g)
        }
    });
    let routes = raw
        .routes
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, r)| build(r, &format!("{path}.routes[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Route {
        receiver: raw.receiver,
        matchers,
        group_by,
        continue_matching: raw.continue_matching,
        routes,
        compiled,
    })
}

/// `labels.Matchers.Less`: by name, then value, then operator (`=`, `!=`, `=~`, `!~`).
pub fn sort_matchers(matchers: &mut [Matcher]) {
    let rank = |op: MatchOp| match op {
        MatchOp::Eq => 0,
        MatchOp::NotEq => 1,
        MatchOp::Re => 2,
        MatchOp::NotRe => 3,
    };
    matchers.sort_by(|a, b| {
        (a.name.as_str(), a.value.as_str(), rank(a.op)).cmp(&(
            b.name.as_str(),
            b.value.as_str(),
            rank(b.op),
        ))
    });
}

/// One `matchers:` entry may hold several matchers, optionally in braces:
/// `{a="1", b=~"x,y"}`. Split on commas outside double quotes.
pub fn split_matcher_list(line: &str) -> Vec<String> {
    let t = line.trim();
    let inner = t
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or(t);
    let mut out = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut escaped) = (false, false);
    for c in inner.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current);
    out.retain(|m| !m.trim().is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NESTED: &str = r#"
global:
  resolve_timeout: 5m
route:
  receiver: default
  group_by: ['alertname']
  group_wait: 1s
  routes:
    - receiver: pager
      matchers: ['severity="critical"', 'team=~"db|infra", env!="dev"']
      group_by: [alertname, cluster]
      continue: true
      routes:
        - receiver: dba
          match:
            team: db
            code: 500
    - receiver: regex
      match_re:
        service: ^(api|web)$
    - receiver: everything
      group_by: ['...']
receivers:
  - name: default
    slack_configs:
      - api_url: <secret>
"#;

    #[test]
    fn parses_match_match_re_matchers_continue_and_nesting() {
        let tree = RouteTree::from_config_yaml(NESTED).unwrap();
        let root = &tree.root;
        assert_eq!(root.receiver.as_deref(), Some("default"));
        assert!(root.matchers.is_empty());
        assert_eq!(
            root.group_by,
            Some(GroupBy::Labels(vec!["alertname".into()]))
        );
        assert_eq!(root.routes.len(), 3);

        let pager = &root.routes[0];
        assert!(pager.continue_matching);
        // Sorted by name: env, severity, team; both matchers of one string are read.
        let shown: Vec<String> = pager.matchers.iter().map(|m| m.to_string()).collect();
        assert_eq!(
            shown,
            vec![
                "env!=\"dev\"",
                "severity=\"critical\"",
                "team=~\"db|infra\""
            ]
        );
        assert_eq!(
            pager.group_by,
            Some(GroupBy::Labels(vec!["alertname".into(), "cluster".into()]))
        );

        let dba = &pager.routes[0];
        assert_eq!(dba.receiver.as_deref(), Some("dba"));
        assert_eq!(dba.group_by, None, "inherited, not set");
        // A number in `match` is its decimal text, as Go's decoder reads it.
        assert_eq!(
            dba.matchers,
            vec![Matcher::eq("code", "500"), Matcher::eq("team", "db")]
        );

        let regex = &root.routes[1];
        // Anchored as Alertmanager's compiled `match_re` regexp prints itself.
        assert_eq!(regex.matchers[0].value, "^(?:^(api|web)$)$");
        assert_eq!(regex.matchers[0].op, MatchOp::Re);
        let labels = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(regex.matches(&labels(&[("service", "api")])));
        assert!(!regex.matches(&labels(&[("service", "api2")])));

        assert_eq!(root.routes[2].group_by, Some(GroupBy::All));
        assert!(!root.routes[2].continue_matching);
    }

    #[test]
    fn braces_and_quoted_commas_in_matchers() {
        assert_eq!(
            split_matcher_list(r#"{a="1, 2", b=~"x\",y"}"#),
            vec![r#"a="1, 2""#.to_string(), r#" b=~"x\",y""#.to_string()]
        );
    }

    #[test]
    fn matchers_sort_by_name_then_value_then_operator() {
        let mut ms = vec![
            Matcher::new("b", MatchOp::Re, "x").unwrap(),
            Matcher::new("a", MatchOp::NotEq, "y").unwrap(),
            Matcher::new("b", MatchOp::Eq, "x").unwrap(),
            Matcher::new("a", MatchOp::Eq, "z").unwrap(),
        ];
        sort_matchers(&mut ms);
        let shown: Vec<String> = ms.iter().map(|m| m.to_string()).collect();
        assert_eq!(shown, vec!["a!=\"y\"", "a=\"z\"", "b=\"x\"", "b=~\"x\""]);
    }

    #[test]
    fn clear_errors_for_broken_configs() {
        assert!(matches!(
            RouteTree::from_config_yaml("route: [unclosed"),
            Err(RouteError::Yaml(_))
        ));
        assert_eq!(
            RouteTree::from_config_yaml("receivers: []\n"),
            Err(RouteError::NoRoute)
        );
        let bad = "route:\n  routes:\n    - matchers: ['job=~\"(\"']\n";
        let e = RouteTree::from_config_yaml(bad).unwrap_err();
        assert!(e.to_string().starts_with("route route.routes[0]:"), "{e}");
        let nested = "route:\n  routes:\n    - match:\n        a: [1]\n";
        assert!(matches!(
            RouteTree::from_config_yaml(nested),
            Err(RouteError::NotScalar { .. })
        ));
    }

    #[test]
    fn empty_group_by_inherits() {
        let tree =
            RouteTree::from_config_yaml("route:\n  group_by: [a]\n  routes:\n    - group_by: []\n")
                .unwrap();
        assert_eq!(tree.root.routes[0].group_by, None);
    }
}

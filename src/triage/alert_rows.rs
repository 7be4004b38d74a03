//! The rows of the alert list: its entries filtered, sorted by the column chosen, and
//! grouped by alert name or any label (a group of one is that alert's own row), with the
//! labels a group shares and the labels that tell the rows on screen apart.

use std::collections::{BTreeSet, HashMap};

use super::alert_list::{AlertFilter, Entry, Shown, KEY_LABELS};
use super::severity::severity_rank;
use super::sort::{Sort, SortKey};
use crate::model::Alert;

/// How the alert list is grouped: flat, by alert name (the default), or by any label
/// (`:group-by cluster`), karma-style.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Grouping {
    Flat,
    #[default]
    ByName,
    ByLabel(String),
}

impl Grouping {
    /// The group an alert is in: its name, `label=value`, or `label unset`.
    pub fn key(&self, alert: &Alert) -> Option<String> {
        match self {
            Grouping::Flat => None,
            Grouping::ByName => Some(alert.alertname().to_string()),
            Grouping::ByLabel(label) => Some(match alert.labels.get(label) {
                Some(v) => format!("{label}={v}"),
                None => format!("{label} unset"),
            }),
        }
    }

    /// `:group-by` words: `name`/`alertname`, `none`/`flat`, or a label.
    pub fn parse(word: &str) -> Grouping {
        match word {
            "none" | "flat" | "off" => Grouping::Flat,
            "name" | "alertname" => Grouping::ByName,
            label => Grouping::ByLabel(label.to_string()),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Grouping::Flat => "not grouped".into(),
            Grouping::ByName => "grouped by alert name".into(),
            Grouping::ByLabel(l) => format!("grouped by {l}"),
        }
    }
}

/// One line of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// The header of a group of two or more alerts: how many it holds (after the filter),
    /// and whether they are hidden.
    Group {
        name: String,
        count: usize,
        collapsed: bool,
        /// The first entry of the group in the list's order.
        first: usize,
        /// The most pressing state among its alerts (after the filter) and how many show it,
        /// counted here so a frame does not scan every alert per group row.
        worst: Shown,
        worst_count: usize,
        /// The labels every alert of the group has with the same value (besides the name
        /// and severity): shown once in the header, not on each alert.
        shared: Vec<(String, String)>,
    },
    /// An entry, by position in the entry list, on its own (flat, or a group of one).
    Alert(usize),
    /// An entry under its group's header.
    Member(usize),
}

impl Row {
    /// What identifies the row across refreshes: the group's name or the alert's fingerprint.
    pub fn key(&self, entries: &[Entry]) -> String {
        match self {
            Row::Group { name, .. } => format!("group:{name}"),
            Row::Alert(i) | Row::Member(i) => entries
                .get(*i)
                .map(|e| e.alert.fingerprint.clone())
                .unwrap_or_default(),
        }
    }

    /// Whether [`Row::key`] would be `key`, without building it (the selection is looked up
    /// among 10,000 rows on every keystroke).
    pub fn has_key(&self, entries: &[Entry], key: &str) -> bool {
        match self {
            Row::Group { name, .. } => key.strip_prefix("group:") == Some(name.as_str()),
            Row::Alert(i) | Row::Member(i) => {
                entries.get(*i).is_some_and(|e| e.alert.fingerprint == key)
            }
        }
    }

    /// The entry of an alert row (not of a group header).
    pub fn alert(&self) -> Option<usize> {
        match self {
            Row::Alert(i) | Row::Member(i) => Some(*i),
            Row::Group { .. } => None,
        }
    }

    /// The entry the row stands for: its alert, or a header's first alert.
    pub fn entry(&self) -> usize {
        match self {
            Row::Alert(i) | Row::Member(i) | Row::Group { first: i, .. } => *i,
        }
    }
}

/// `a` against `b` by a sort key: the entries' default order is the tie-breaker.
fn compare(entries: &[Entry], key: SortKey, a: usize, b: usize) -> std::cmp::Ordering {
    let (x, y) = (&entries[a], &entries[b]);
    let ord = match key {
        SortKey::Severity => {
            severity_rank(x.alert.severity()).cmp(&severity_rank(y.alert.severity()))
        }
        SortKey::State => x.shown.cmp(&y.shown),
        SortKey::Name => x.alert.alertname().cmp(y.alert.alertname()),
        // Youngest first, as k9s lists ages.
        SortKey::Age => y.alert.starts_at.cmp(&x.alert.starts_at),
        SortKey::Labels => x.alert.labels.iter().cmp(y.alert.labels.iter()),
        _ => std::cmp::Ordering::Equal,
    };
    ord.then(a.cmp(&b))
}

/// The label names whose values tell `alerts` apart (not all the same, or not on all), but
/// for the name and severity: the key labels first in their order, then the rest by name.
pub fn varying_keys<'a>(alerts: impl Iterator<Item = &'a Alert> + Clone) -> Vec<String> {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for a in alerts.clone() {
        names.extend(a.labels.keys().map(String::as_str));
    }
    names.remove("alertname");
    names.remove("severity");
    let varies = |k: &str| {
        let mut values = alerts.clone().map(|a| a.labels.get(k));
        let first = values.next().flatten();
        values.any(|v| v != first)
    };
    let mut out: Vec<String> = KEY_LABELS
        .iter()
        .filter(|k| names.contains(*k) && varies(k))
        .map(|k| k.to_string())
        .collect();
    out.extend(
        names
            .iter()
            .filter(|k| !KEY_LABELS.contains(k) && varies(k))
            .map(|k| k.to_string()),
    );
    out
}

/// The labels all `alerts` have with the same value, but for the name and severity.
pub fn shared_labels<'a>(mut alerts: impl Iterator<Item = &'a Alert>) -> Vec<(String, String)> {
    let Some(first) = alerts.next() else {
        return Vec::new();
    };
    let mut shared: Vec<(&str, &str)> = first
        .labels
        .iter()
        .filter(|(k, _)| *k != "alertname" && *k != "severity")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    for a in alerts {
        shared.retain(|(k, v)| a.labels.get(*k).map(String::as_str) == Some(*v));
        if shared.is_empty() {
            break;
        }
    }
    shared
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The rows to show: flat, or one header per group (in the order of its first alert)
/// followed by its alerts unless collapsed; a group of one alert is that alert's row.
pub fn rows(
    entries: &[Entry],
    filter: &AlertFilter,
    grouping: &Grouping,
    collapsed: &BTreeSet<String>,
    sort: Option<Sort>,
) -> Vec<Row> {
    let mut kept: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| filter.matches(&e.alert))
        .map(|(i, _)| i)
        .collect();
    if let Some(sort) = sort {
        kept.sort_by(|&a, &b| sort.apply(compare(entries, sort.key, a, b)));
    }
    if *grouping == Grouping::Flat {
        return kept.into_iter().map(Row::Alert).collect();
    }
    let mut order: Vec<String> = Vec::new();
    let mut members: HashMap<String, Vec<usize>> = HashMap::new();
    for i in kept {
        let name = grouping.key(&entries[i].alert).unwrap_or_default();
        members
            .entry(name)
            .or_insert_with_key(|name| {
                order.push(name.clone());
                Vec::new()
            })
            .push(i);
    }
    let mut out = Vec::new();
    for name in order {
        let list = members.remove(&name).unwrap_or_default();
        let Some(worst) = list.iter().map(|&i| entries[i].shown).min() else {
            continue;
        };
        if let [only] = list.as_slice() {
            out.push(Row::Alert(*only));
            continue;
        }
        let is_collapsed = collapsed.contains(&name);
        out.push(Row::Group {
            count: list.len(),
            collapsed: is_collapsed,
            first: list.first().copied().unwrap_or(0),
            worst,
            worst_count: list.iter().filter(|&&i| entries[i].shown == worst).count(),
            shared: shared_labels(list.iter().map(|&i| &*entries[i].alert)),
            name,
        });
        if !is_collapsed {
            out.extend(list.into_iter().map(Row::Member));
        }
    }
    out
}

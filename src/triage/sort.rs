//! What a list is sorted by, as k9s does it: a column, and whether it is reversed. Each
//! view's rows sort themselves by these keys (`alert_list`, and the app's silence and
//! incident rows); the keys and their names are here so the keymap, `:sort` and the
//! column headers agree.

use std::cmp::Ordering;
use std::fmt;

/// A column a list can be sorted by. Not every view has every column: `applies_to` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortKey {
    /// Alerts: severity. Incidents: urgency.
    Severity,
    /// Alerts: firing, pending, acked... Silences: active, pending, expired. Incidents:
    /// triggered, then acknowledged.
    State,
    /// Alerts: the alert name. Silences: the matchers. Incidents: the title.
    Name,
    /// Alerts: since when. Silences: start. Incidents: created.
    Age,
    /// Silences: when they end.
    Ends,
    /// Silences: the author. Incidents: the assignees.
    Who,
    /// Incidents: the service.
    Service,
    /// Incidents: the number.
    Number,
    /// Alerts: the values of the labels that tell them apart.
    Labels,
}

/// The lists that can be sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Alerts,
    Silences,
    Incidents,
}

/// The name of each key, with the other words `:sort` takes for it.
const NAMES: &[(SortKey, &str, &[&str])] = &[
    (SortKey::Severity, "severity", &["urgency", "sev", "urg"]),
    (SortKey::State, "state", &["status"]),
    (SortKey::Name, "name", &["alert", "title", "matchers"]),
    (SortKey::Age, "age", &["created", "start", "since"]),
    (SortKey::Ends, "ends", &["end"]),
    (
        SortKey::Who,
        "who",
        &["by", "author", "assigned", "assignee"],
    ),
    (SortKey::Service, "service", &[]),
    (SortKey::Number, "number", &["#", "num"]),
    (SortKey::Labels, "labels", &["label"]),
];

impl SortKey {
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(k, _, _)| *k == self)
            .map_or("?", |(_, n, _)| n)
    }

    /// A key by its name or another word for it (`urgency`, `status`, `title`...).
    pub fn parse(word: &str) -> Result<SortKey, String> {
        let word = word.to_ascii_lowercase();
        NAMES
            .iter()
            .find(|(_, n, aliases)| *n == word || aliases.contains(&word.as_str()))
            .map(|(k, _, _)| *k)
            .ok_or_else(|| {
                let names: Vec<&str> = NAMES.iter().map(|(_, n, _)| *n).collect();
                format!("cannot sort by `{word}`; columns: {}", names.join(", "))
            })
    }

    pub fn applies_to(self, list: ListKind) -> bool {
        use SortKey::*;
        match list {
            ListKind::Alerts => matches!(self, Severity | State | Name | Age | Labels),
            ListKind::Silences => matches!(self, State | Name | Age | Ends | Who),
            ListKind::Incidents => {
                matches!(self, Severity | State | Name | Age | Who | Service | Number)
            }
        }
    }

    /// The keys a list can be sorted by, for messages.
    pub fn names_for(list: ListKind) -> Vec<&'static str> {
        NAMES
            .iter()
            .filter(|(k, _, _)| k.applies_to(list))
            .map(|(_, n, _)| *n)
            .collect()
    }
}

impl fmt::Display for SortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A list's order chosen by the user; lists without one keep their default order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub reverse: bool,
}

impl Sort {
    /// The order after choosing `key` again: the same column reverses, another starts
    /// in its natural direction.
    pub fn toggled(current: Option<Sort>, key: SortKey) -> Sort {
        match current {
            Some(s) if s.key == key => Sort {
                key,
                reverse: !s.reverse,
            },
            _ => Sort {
                key,
                reverse: false,
            },
        }
    }

    /// `a` against `b` in this direction.
    pub fn apply(self, ord: Ordering) -> Ordering {
        if self.reverse {
            ord.reverse()
        } else {
            ord
        }
    }

    /// The arrow a column header shows (`▲` natural, `▼` reversed).
    pub fn arrow(self, ascii: bool) -> &'static str {
        match (self.reverse, ascii) {
            (false, false) => "▲",
            (true, false) => "▼",
            (false, true) => "^",
            (true, true) => "v",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_say_which_columns_exist() {
        assert_eq!(SortKey::parse("urgency"), Ok(SortKey::Severity));
        assert_eq!(SortKey::parse("Status"), Ok(SortKey::State));
        let e = SortKey::parse("colour").unwrap_err();
        assert!(e.contains("colour") && e.contains("severity"), "{e}");
        assert!(!SortKey::Ends.applies_to(ListKind::Alerts));
        assert_eq!(
            SortKey::names_for(ListKind::Silences),
            ["state", "name", "age", "ends", "who"]
        );
    }

    #[test]
    fn choosing_the_same_column_again_reverses_it() {
        let s = Sort::toggled(None, SortKey::Age);
        assert!(!s.reverse);
        assert!(Sort::toggled(Some(s), SortKey::Age).reverse);
        assert!(!Sort::toggled(Some(s), SortKey::Name).reverse);
    }
}

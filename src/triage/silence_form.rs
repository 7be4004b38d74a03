//! The silence form's data: matchers in amtool syntax (one per line, any of `=`, `!=`, `=~`,
//! `!~`), a length (presets, or a custom start and end for a maintenance window), a required
//! comment and the author. It turns into a `PostableSilence` and previews which current
//! alerts it mutes and why it may be too broad. No drawing, no keys: the UI edits the fields.

use chrono::{DateTime, Duration as ChronoDuration, FixedOffset, NaiveTime, TimeZone, Utc};

use super::silence_checks::broad_silence_warnings;
use crate::model::matcher::MatcherSet;
use crate::model::{Alert, Matcher, PostableSilence};
use crate::timespec::{silence_window, TimeSpec};

/// How long a silence lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    Minutes(u32),
    /// Until the next 09:00 local time (the end of the night).
    UntilNine,
    /// The start and end fields.
    Custom,
}

pub const LENGTHS: [Length; 6] = [
    Length::Minutes(15),
    Length::Minutes(60),
    Length::Minutes(120),
    Length::Minutes(240),
    Length::UntilNine,
    Length::Custom,
];

impl Length {
    pub fn label(self) -> String {
        match self {
            Length::Minutes(m) if m % 60 == 0 => format!("{}h", m / 60),
            Length::Minutes(m) => format!("{m}m"),
            Length::UntilNine => "until 09:00".into(),
            Length::Custom => "custom".into(),
        }
    }
}

/// A field of the form, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Matcher(usize),
    Length,
    Start,
    End,
    Comment,
    Author,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SilenceForm {
    /// One matcher per entry, as typed: `alertname="DiskFull"`, `pod=~"api-.*"`.
    pub matchers: Vec<String>,
    /// Position in [`LENGTHS`].
    pub length: usize,
    /// Custom window, as `TimeSpec` text: `now`, `22:00`, `+2h`, RFC 3339.
    pub start: String,
    pub end: String,
    pub comment: String,
    pub author: String,
    /// Position in [`SilenceForm::fields`].
    pub focus: usize,
    /// Where typing goes in the focused text field: before this character, or at the end
    /// (`None`). Moving to another field puts it at that field's end.
    pub cursor: Option<usize>,
    /// The silence this edits (Alertmanager replaces it and answers with a new ID).
    pub replaces: Option<String>,
    /// The last failed submit's error; everything typed stays.
    pub error: Option<String>,
    /// Made from several marked alerts: each one's matchers, as `for_alert` would give them.
    pub per_alert: Vec<Vec<String>>,
    /// One silence per marked alert (`per_alert`), instead of one with `matchers`.
    pub one_each: bool,
}

/// What the silence would do to the alerts known now.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview<'a> {
    pub muted: Vec<&'a Alert>,
    pub warnings: Vec<String>,
    /// Why the form cannot be submitted as it stands.
    pub problem: Option<String>,
}

/// Labels that say where an alert comes from rather than what it is; a silence made from an
/// alert leaves them out so it survives a Prometheus restart or replica change.
const VOLATILE_LABELS: &[&str] = &["prometheus", "prometheus_replica", "receive", "tenant_id"];

fn quote(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| format!("\"{value}\""))
}

impl SilenceForm {
    pub fn new(author: &str) -> SilenceForm {
        SilenceForm {
            matchers: vec![String::new()],
            length: 1,
            start: "now".into(),
            end: "+2h".into(),
            comment: String::new(),
            author: author.to_string(),
            focus: 0,
            cursor: None,
            replaces: None,
            error: None,
            per_alert: Vec::new(),
            one_each: false,
        }
    }

    /// Prefilled with an alert's labels as equality matchers, alertname first. The cursor
    /// is on the comment: the only field left to fill.
    pub fn for_alert(alert: &Alert, author: &str) -> SilenceForm {
        let mut form = SilenceForm {
            matchers: alert_matchers(alert),
            ..SilenceForm::new(author)
        };
        form.focus_on(Field::Comment);
        form
    }

    /// For several marked alerts: one silence each (the default: it mutes exactly them), or
    /// one with the labels they all share (ctrl-t switches).
    pub fn for_alerts(alerts: &[&Alert], author: &str) -> SilenceForm {
        let per_alert: Vec<Vec<String>> = alerts.iter().map(|a| alert_matchers(a)).collect();
        let common: Vec<String> = match per_alert.split_first() {
            Some((first, rest)) => first
                .iter()
                .filter(|m| rest.iter().all(|other| other.contains(m)))
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        let mut form = SilenceForm {
            matchers: if common.is_empty() {
                vec![String::new()]
            } else {
                common
            },
            per_alert,
            one_each: true,
            ..SilenceForm::new(author)
        };
        form.focus_on(Field::Comment);
        form
    }

    /// Ctrl-t: one silence per marked alert, or one with their common matchers.
    pub fn toggle_one_each(&mut self) -> Result<(), String> {
        if self.per_alert.len() < 2 {
            return Err("one silence per alert needs several marked alerts (space marks)".into());
        }
        if self.one_each && self.matchers.iter().all(|m| m.trim().is_empty()) {
            return Err("the marked alerts share no label: one silence each it is".into());
        }
        let keep = self.focused();
        self.one_each = !self.one_each;
        self.focus_on(keep);
        Ok(())
    }

    /// Put the cursor on `field` (or the first field when it is not there).
    pub fn focus_on(&mut self, field: Field) {
        self.focus = self.fields().iter().position(|f| *f == field).unwrap_or(0);
        self.cursor = None;
    }

    /// Prefilled from an existing silence (edit or recreate): its matchers, comment, and a
    /// custom window from now to its end.
    pub fn for_silence(s: &crate::model::Silence, author: &str, edit: bool) -> SilenceForm {
        SilenceForm {
            matchers: s.matchers.iter().map(Matcher::to_string).collect(),
            length: LENGTHS.len() - 1,
            start: "now".into(),
            end: if edit {
                s.ends_at.to_rfc3339()
            } else {
                "+2h".into()
            },
            comment: s.comment.clone(),
            replaces: edit.then(|| s.id.clone()),
            ..SilenceForm::new(author)
        }
    }

    pub fn fields(&self) -> Vec<Field> {
        let mut out: Vec<Field> = match self.one_each {
            // Each marked alert's own matchers: not edited here.
            true => Vec::new(),
            false => (0..self.matchers.len()).map(Field::Matcher).collect(),
        };
        out.push(Field::Length);
        if LENGTHS.get(self.length) == Some(&Length::Custom) {
            out.push(Field::Start);
            out.push(Field::End);
        }
        out.push(Field::Comment);
        out.push(Field::Author);
        out
    }

    /// Tab: the next field, the matcher lines counting as one block (arrows move in it).
    pub fn next_block(&mut self, forward: bool) {
        let fields = self.fields();
        let n = fields.len();
        let block = |f: Field| match f {
            Field::Matcher(_) => Field::Matcher(0),
            other => other,
        };
        let here = block(self.focused());
        let mut i = self.focus.min(n - 1);
        for _ in 0..n {
            i = if forward {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            if block(fields[i]) != here {
                break;
            }
        }
        // Into the matchers from below: their first line.
        if let Field::Matcher(_) = fields[i] {
            i = 0;
        }
        self.focus = i;
        self.cursor = None;
    }

    /// Up/down: between matcher lines inside the block, between fields elsewhere.
    pub fn move_line(&mut self, down: bool) {
        let n = self.fields().len();
        self.focus = if down {
            (self.focus + 1).min(n - 1)
        } else {
            self.focus.saturating_sub(1)
        };
        self.cursor = None;
    }

    pub fn focused(&self) -> Field {
        let fields = self.fields();
        fields
            .get(self.focus.min(fields.len() - 1))
            .copied()
            .unwrap_or(Field::Comment)
    }

    pub fn next_field(&mut self, forward: bool) {
        let n = self.fields().len();
        self.focus = if forward {
            (self.focus + 1) % n
        } else {
            (self.focus + n - 1) % n
        };
        self.cursor = None;
    }

    /// The text of the focused field, when it is a text field.
    pub fn focused_text(&mut self) -> Option<&mut String> {
        self.focused_text_and_cursor().map(|(text, _)| text)
    }

    /// The focused text field and the cursor in it, to edit both at once.
    pub fn focused_text_and_cursor(&mut self) -> Option<(&mut String, &mut Option<usize>)> {
        let text = match self.focused() {
            Field::Matcher(i) => self.matchers.get_mut(i)?,
            Field::Start => &mut self.start,
            Field::End => &mut self.end,
            Field::Comment => &mut self.comment,
            Field::Author => &mut self.author,
            Field::Length => return None,
        };
        Some((text, &mut self.cursor))
    }

    /// The focused field's text split at the cursor, for drawing it there: before, the
    /// character under the cursor (none at the end), after.
    pub fn split_at_cursor(text: &str, cursor: Option<usize>) -> (&str, Option<char>, &str) {
        let Some(at) = cursor else {
            return (text, None, "");
        };
        match text.char_indices().nth(at) {
            Some((b, c)) => (&text[..b], Some(c), &text[b + c.len_utf8()..]),
            None => (text, None, ""),
        }
    }

    pub fn cycle_length(&mut self, forward: bool) {
        let n = LENGTHS.len();
        self.length = if forward {
            (self.length + 1) % n
        } else {
            (self.length + n - 1) % n
        };
    }

    /// A new empty matcher after the focused one (or at the end), focused.
    pub fn add_matcher(&mut self) {
        let at = match self.focused() {
            Field::Matcher(i) => i + 1,
            _ => self.matchers.len(),
        };
        self.matchers.insert(at, String::new());
        self.focus = at;
        self.cursor = None;
    }

    /// Remove the focused matcher (the last one stays, emptied).
    pub fn remove_matcher(&mut self) {
        if let Field::Matcher(i) = self.focused() {
            if self.matchers.len() > 1 {
                self.matchers.remove(i);
                self.focus = i.min(self.matchers.len() - 1);
            } else {
                self.matchers[0].clear();
            }
            self.cursor = None;
        }
    }

    /// The matchers, skipping empty lines; the first bad one is the error.
    pub fn parsed_matchers(&self) -> Result<Vec<Matcher>, String> {
        let matchers = self
            .matchers
            .iter()
            .filter(|m| !m.trim().is_empty())
            .map(|m| {
                Matcher::parse(m.trim())
                    .map_err(|e| format!("matcher `{}`: {e}", crate::sanitize::one_line(m)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if matchers.is_empty() {
            return Err("add at least one matcher".into());
        }
        if matchers.iter().all(Matcher::matches_empty) {
            return Err(
                "every matcher matches an empty label: this would silence everything".into(),
            );
        }
        Ok(matchers)
    }

    /// Start and end, seen from `now` in the user's time zone.
    pub fn window(
        &self,
        now: DateTime<FixedOffset>,
    ) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
        let start = now.with_timezone(&Utc);
        match LENGTHS.get(self.length).copied().unwrap_or(Length::Custom) {
            Length::Minutes(m) => Ok((start, start + ChronoDuration::minutes(i64::from(m)))),
            Length::UntilNine => {
                let nine = NaiveTime::from_hms_opt(9, 0, 0).ok_or("bad clock time")?;
                let end = TimeSpec::Clock(nine).resolve(&now)?;
                Ok((start, end))
            }
            Length::Custom => {
                let from: TimeSpec = self.start.parse()?;
                let to: TimeSpec = self.end.parse()?;
                silence_window(Some(&from), Some(&to), None, &now)
            }
        }
    }

    /// The matchers of each silence the form makes: one set, or one per marked alert.
    pub fn matcher_sets(&self) -> Result<Vec<Vec<Matcher>>, String> {
        if !self.one_each {
            return Ok(vec![self.parsed_matchers()?]);
        }
        self.per_alert
            .iter()
            .map(|lines| {
                SilenceForm {
                    matchers: lines.clone(),
                    ..SilenceForm::new("")
                }
                .parsed_matchers()
            })
            .collect()
    }

    /// The silences to POST (one, or one per marked alert), or why they cannot be made yet.
    pub fn to_postables(&self, now: DateTime<FixedOffset>) -> Result<Vec<PostableSilence>, String> {
        let first = self.to_postable_with(self.matcher_sets()?.remove(0), now)?;
        let mut out = vec![first.clone()];
        for matchers in self.matcher_sets()?.into_iter().skip(1) {
            out.push(PostableSilence {
                matchers,
                ..first.clone()
            });
        }
        Ok(out)
    }

    /// The silence to POST, or why it cannot be made yet.
    pub fn to_postable(&self, now: DateTime<FixedOffset>) -> Result<PostableSilence, String> {
        self.to_postable_with(self.parsed_matchers()?, now)
    }

    fn to_postable_with(
        &self,
        matchers: Vec<Matcher>,
        now: DateTime<FixedOffset>,
    ) -> Result<PostableSilence, String> {
        let (starts_at, ends_at) = self.window(now)?;
        if self.comment.trim().is_empty() {
            return Err("a comment is required: say why (a ticket, what you are doing)".into());
        }
        Ok(PostableSilence {
            id: self.replaces.clone(),
            matchers,
            starts_at,
            ends_at,
            created_by: self.author.clone(),
            comment: self.comment.trim().to_string(),
        })
    }

    /// Which of `alerts` the silence would mute now (pending ones as soon as they fire), and
    /// the broad-silence warnings.
    pub fn preview<'a>(
        &self,
        alerts: impl IntoIterator<Item = &'a Alert>,
        now: DateTime<FixedOffset>,
    ) -> Preview<'a> {
        let failed = |e: String| Preview {
            muted: Vec::new(),
            warnings: Vec::new(),
            problem: Some(e),
        };
        let matcher_sets = match self.matcher_sets() {
            Ok(m) => m,
            Err(e) => return failed(e),
        };
        let sets = match matcher_sets
            .iter()
            .map(|m| MatcherSet::new(m))
            .collect::<Result<Vec<_>, _>>()
        {
            Ok(s) => s,
            Err(e) => return failed(e.to_string()),
        };
        let muted: Vec<&Alert> = alerts
            .into_iter()
            .filter(|a| sets.iter().any(|set| set.matches(&a.labels)))
            .collect();
        let (length, problem) = match self.window(now) {
            Ok((s, e)) => ((e - s).to_std().unwrap_or_default(), None),
            Err(e) => (std::time::Duration::ZERO, Some(e)),
        };
        let problem = problem.or_else(|| {
            self.comment
                .trim()
                .is_empty()
                .then(|| "a comment is required".to_string())
        });
        let mut warnings: Vec<String> = Vec::new();
        for matchers in &matcher_sets {
            for w in broad_silence_warnings(matchers, &muted, length) {
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
        }
        Preview {
            warnings,
            muted,
            problem,
        }
    }
}

/// An alert's labels as equality matchers, alertname first, without the labels that say
/// which Prometheus sent it.
fn alert_matchers(alert: &Alert) -> Vec<String> {
    let mut matchers = vec![format!("alertname={}", quote(alert.alertname()))];
    matchers.extend(
        alert
            .labels
            .iter()
            .filter(|(k, _)| k.as_str() != "alertname" && !VOLATILE_LABELS.contains(&k.as_str()))
            .map(|(k, v)| format!("{k}={}", quote(v))),
    );
    matchers
}

/// `now` in the given offset, for the form's window.
pub fn local_now(now_ms: i64, offset: FixedOffset) -> DateTime<FixedOffset> {
    offset
        .timestamp_millis_opt(now_ms)
        .single()
        .unwrap_or_else(|| DateTime::<Utc>::UNIX_EPOCH.with_timezone(&offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(name: &str, pod: &str) -> Alert {
        serde_json::from_value(serde_json::json!({
            "labels": {"alertname": name, "severity": "critical", "pod": pod, "prometheus": "mon/k8s"},
            "fingerprint": format!("{name}{pod}"), "startsAt": "2026-01-15T11:00:00Z",
            "updatedAt": "2026-01-15T11:00:00Z", "endsAt": "2026-01-15T13:00:00Z",
            "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}
        }))
        .unwrap()
    }

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-01-15T12:00:00+01:00").unwrap()
    }

    #[test]
    fn several_alerts_make_one_silence_each_or_one_with_what_they_share() {
        let a = alert("DiskFull", "db-1");
        let b = alert("DiskFull", "db-2");
        let mut f = SilenceForm::for_alerts(&[&a, &b], "me");
        f.comment = "CHG-1".into();
        assert!(f.one_each);
        let each = f.to_postables(now()).unwrap();
        assert_eq!(each.len(), 2);
        assert!(each[0].matchers.iter().any(|m| m.value == "db-1"));
        assert!(each[1].matchers.iter().any(|m| m.value == "db-2"));
        assert_eq!(f.preview([&a, &b], now()).muted.len(), 2);
        f.toggle_one_each().unwrap();
        let one = f.to_postables(now()).unwrap();
        assert_eq!(one.len(), 1);
        assert!(one[0].matchers.iter().all(|m| m.value != "db-1"));
        assert_eq!(f.preview([&a, &b], now()).muted.len(), 2);
        // Only the severity in common: that is the one silence offered (the preview and
        // its broad-silence warning say how far it reaches).
        let c = alert("HostDown", "web-1");
        let apart = SilenceForm::for_alerts(&[&a, &c], "me");
        assert_eq!(apart.matchers, ["severity=\"critical\""]);
        let mut nothing = SilenceForm::for_alerts(&[&a, &c], "me");
        nothing.matchers = vec![String::new()];
        assert!(nothing.toggle_one_each().is_err());
        assert!(nothing.one_each);
    }

    #[test]
    fn the_cursor_belongs_to_the_focused_field() {
        let mut f = SilenceForm::for_alert(&alert("DiskFull", "db-1"), "me");
        // From an alert only the comment is left to fill: the cursor starts there.
        assert_eq!(f.focused(), Field::Comment);
        f.next_block(true);
        assert_eq!(f.focused(), Field::Author);
        f.next_block(true);
        assert_eq!(
            f.focused(),
            Field::Matcher(0),
            "tab wraps to the matchers block"
        );
        f.move_line(true);
        assert_eq!(
            f.focused(),
            Field::Matcher(1),
            "arrows move between matcher lines"
        );
        f.next_block(true);
        assert_eq!(f.focused(), Field::Length, "tab leaves the block");
        f.next_block(false);
        assert_eq!(f.focused(), Field::Matcher(0));
        {
            let (text, cursor) = f.focused_text_and_cursor().unwrap();
            assert_eq!(text.as_str(), "alertname=\"DiskFull\"");
            *cursor = Some(10);
        }
        assert_eq!(
            SilenceForm::split_at_cursor(&f.matchers[0], f.cursor),
            ("alertname=", Some('"'), "DiskFull\"")
        );
        // Another field: the cursor starts at its end.
        f.next_field(true);
        assert_eq!(f.cursor, None);
        assert_eq!(SilenceForm::split_at_cursor("abc", None), ("abc", None, ""));
        assert_eq!(
            SilenceForm::split_at_cursor("abc", Some(9)),
            ("abc", None, "")
        );
        f.cursor = Some(0);
        f.add_matcher();
        assert_eq!(f.cursor, None);
        f.cursor = Some(0);
        f.remove_matcher();
        assert_eq!(f.cursor, None);
        // The length field has no text.
        while f.focused() != Field::Length {
            f.next_field(true);
        }
        assert!(f.focused_text_and_cursor().is_none());
    }

    #[test]
    fn prefilled_from_an_alert_without_volatile_labels() {
        let f = SilenceForm::for_alert(&alert("DiskFull", "db \"1\""), "me");
        assert_eq!(
            f.matchers,
            vec![
                "alertname=\"DiskFull\"",
                "pod=\"db \\\"1\\\"\"",
                "severity=\"critical\""
            ]
        );
        let m = f.parsed_matchers().unwrap();
        assert_eq!(m[1].value, "db \"1\"");
    }

    #[test]
    fn preview_counts_muted_alerts_and_needs_a_comment() {
        let alerts = vec![
            alert("DiskFull", "a"),
            alert("DiskFull", "b"),
            alert("X", "a"),
        ];
        let mut f = SilenceForm::for_alert(&alerts[0], "me");
        f.matchers = vec!["alertname=DiskFull".into(), "pod=~\"a|b\"".into()];
        let p = f.preview(&alerts, now());
        assert_eq!(p.muted.len(), 2);
        assert_eq!(p.problem.as_deref(), Some("a comment is required"));
        assert!(f.to_postable(now()).unwrap_err().contains("comment"));
        f.comment = "disk swap".into();
        let body = f.to_postable(now()).unwrap();
        assert_eq!(body.ends_at - body.starts_at, ChronoDuration::hours(1));
        assert_eq!(body.created_by, "me");
        // No alertname: a warning; a bad regex: a problem.
        f.matchers = vec!["pod=a".into()];
        assert!(f.preview(&alerts, now()).warnings[0].contains("no alertname"));
        f.matchers = vec!["pod=~\"(\"".into()];
        assert!(f.preview(&alerts, now()).problem.unwrap().contains("pod"));
    }

    #[test]
    fn lengths_presets_until_nine_and_custom() {
        let mut f = SilenceForm::new("me");
        f.length = 4;
        let (s, e) = f.window(now()).unwrap();
        assert_eq!(
            e.to_rfc3339(),
            "2026-01-16T08:00:00+00:00",
            "09:00 tomorrow local"
        );
        assert_eq!(s, now().with_timezone(&Utc));
        f.cycle_length(true);
        assert_eq!(LENGTHS[f.length], Length::Custom);
        assert_eq!(
            f.fields(),
            vec![
                Field::Matcher(0),
                Field::Length,
                Field::Start,
                Field::End,
                Field::Comment,
                Field::Author
            ]
        );
        f.start = "+1h".into();
        f.end = "+3h".into();
        let (s, e) = f.window(now()).unwrap();
        assert_eq!(e - s, ChronoDuration::hours(2));
        f.end = "yesterday".into();
        assert!(f.window(now()).is_err());
    }

    #[test]
    fn matchers_are_added_and_removed_at_the_focus() {
        let mut f = SilenceForm::new("me");
        f.matchers = vec!["a=1".into(), "b=2".into()];
        f.focus = 0;
        f.add_matcher();
        assert_eq!(f.matchers, vec!["a=1", "", "b=2"]);
        assert_eq!(f.focused(), Field::Matcher(1));
        f.remove_matcher();
        assert_eq!(f.matchers, vec!["a=1", "b=2"]);
    }
}

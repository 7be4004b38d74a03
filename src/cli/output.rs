//! Printing results: tables that fit the terminal, JSON for scripts, short human ages.
//! Every table cell passes through `sanitize` here, so no command can forget it.

use std::io::{BufWriter, IsTerminal, Write};

use chrono::{DateTime, Utc};
use serde::Serialize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{CliError, OutputFormat};

/// One column: its header, and whether it may be shortened to fit (`min` is the shortest).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    pub shrink_to: Option<usize>,
}

impl Column {
    pub const fn fixed(header: &'static str) -> Column {
        Column {
            header,
            shrink_to: None,
        }
    }

    pub const fn flexible(header: &'static str, min: usize) -> Column {
        Column {
            header,
            shrink_to: Some(min),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Table {
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
}

const GAP: &str = "  ";

impl Table {
    pub fn new(columns: Vec<Column>) -> Table {
        Table {
            columns,
            rows: Vec::new(),
        }
    }

    /// Add a row; cells are untrusted text and are made printable on one line.
    pub fn push(&mut self, cells: Vec<String>) {
        self.rows
            .push(cells.iter().map(|c| crate::sanitize::one_line(c)).collect());
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as text, at most `width` columns wide when given (flexible columns are cut
    /// with `…`); `None` means never cut (pipes, `-o wide`).
    pub fn render(&self, width: Option<usize>) -> String {
        let widths = self.fit(width);
        let mut out = String::new();
        let header: Vec<String> = self.columns.iter().map(|c| c.header.to_string()).collect();
        for row in std::iter::once(&header).chain(self.rows.iter()) {
            let mut line = String::new();
            for (i, w) in widths.iter().enumerate() {
                let cell = row.get(i).map(String::as_str).unwrap_or("");
                let cut = truncate(cell, *w);
                let last = i + 1 == widths.len();
                line.push_str(&cut);
                if !last {
                    line.push_str(&" ".repeat(w.saturating_sub(cut.width())));
                    line.push_str(GAP);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// Column widths: natural widths, then flexible columns shortened until the row fits or
    /// none can give more (fixed columns are never cut; the row may then overflow).
    fn fit(&self, width: Option<usize>) -> Vec<usize> {
        let mut widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                self.rows
                    .iter()
                    .map(|r| r.get(i).map(|s| s.width()).unwrap_or(0))
                    .chain(std::iter::once(c.header.width()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let Some(limit) = width else { return widths };
        let total = |w: &[usize]| w.iter().sum::<usize>() + GAP.len() * w.len().saturating_sub(1);
        let mut excess = total(&widths).saturating_sub(limit);
        while excess > 0 {
            // Shorten the widest flexible column by one cell, so the cut is shared out.
            let widest = self
                .columns
                .iter()
                .enumerate()
                .filter(|(i, c)| {
                    c.shrink_to
                        .is_some_and(|min| widths[*i] > min.max(c.header.width()))
                })
                .max_by_key(|(i, _)| widths[*i])
                .map(|(i, _)| i);
            let Some(i) = widest else { break };
            widths[i] -= 1;
            excess -= 1;
        }
        widths
    }
}

/// Cut `text` to `width` terminal cells, ending with `…` when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// How wide tables may be: the terminal's width when stdout is one (or `$COLUMNS`), else
/// unlimited so piped output is never cut; `wide` is never cut.
pub fn table_width(format: OutputFormat) -> Option<usize> {
    if format == OutputFormat::Wide || !std::io::stdout().is_terminal() {
        return None;
    }
    if let Some(cols) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
    {
        return Some(cols);
    }
    crossterm::terminal::size()
        .ok()
        .map(|(w, _)| usize::from(w))
        .filter(|w| *w > 0)
}

/// Write text to stdout (buffered; a closed pipe surfaces as `BrokenPipe`).
pub fn print(text: &str) -> Result<(), CliError> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Write one JSON document to stdout, compact, with a final newline.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    serde_json::to_writer(&mut out, value).map_err(|e| CliError::Output(e.into()))?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// `45s`, `12m`, `3h04m`, `2d3h`: how long ago (or until) something is, compactly.
pub fn age(d: chrono::Duration) -> String {
    let secs = d.num_seconds().max(0);
    let (days, hours, minutes) = (secs / 86_400, (secs % 86_400) / 3_600, (secs % 3_600) / 60);
    match () {
        _ if secs < 60 => format!("{secs}s"),
        _ if secs < 3_600 => format!("{minutes}m"),
        _ if secs < 86_400 => format!("{hours}h{minutes:02}m"),
        _ => format!("{days}d{hours}h"),
    }
}

/// `in 1h20m` or `3m ago`.
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if t >= now {
        format!("in {}", age(t - now))
    } else {
        format!("{} ago", age(now - t))
    }
}

/// A time for people: local, to the minute, with the zone.
pub fn local_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        let mut t = Table::new(vec![
            Column::fixed("NAME"),
            Column::flexible("SUMMARY", 7),
            Column::fixed("AGE"),
        ]);
        t.push(vec![
            "DiskFull".into(),
            "The disk on db-1 is completely full".into(),
            "5m".into(),
        ]);
        t.push(vec!["X".into(), "short".into(), "2h03m".into()]);
        t
    }

    #[test]
    fn natural_width_when_unlimited() {
        let out = table().render(None);
        assert_eq!(
            out,
            "NAME      SUMMARY                              AGE\n\
             DiskFull  The disk on db-1 is completely full  5m\n\
             X         short                                2h03m\n"
        );
    }

    #[test]
    fn flexible_columns_shrink_to_fit() {
        let out = table().render(Some(32));
        for line in out.lines() {
            assert!(line.width() <= 32, "{line:?} is {} wide", line.width());
        }
        assert!(out.contains("DiskFull  The disk on db…  5m"), "{out}");
        assert!(out.contains("2h03m"), "fixed columns are never cut: {out}");
    }

    #[test]
    fn cells_are_sanitized_and_wide_chars_measured() {
        let mut t = Table::new(vec![Column::flexible("A", 2), Column::fixed("B")]);
        t.push(vec![
            "\u{1b}]52;c;aGk=\u{7}日本語テキスト".into(),
            "b".into(),
        ]);
        let out = t.render(Some(10));
        assert!(!out.contains('\u{1b}'));
        assert!(out.lines().all(|l| l.width() <= 10), "{out}");
    }

    #[test]
    fn ages() {
        let d = chrono::Duration::seconds;
        assert_eq!(age(d(42)), "42s");
        assert_eq!(age(d(600)), "10m");
        assert_eq!(age(d(3 * 3600 + 4 * 60)), "3h04m");
        assert_eq!(age(d(2 * 86_400 + 3 * 3600)), "2d3h");
        assert_eq!(age(d(-5)), "0s");
    }
}

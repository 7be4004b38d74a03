//! Printing results: tables that fit the terminal, JSON for scripts, short human ages.
//! Every table cell passes through `sanitize` here, so no command can forget it.

use std::io::{BufWriter, IsTerminal, Write};

use chrono::{DateTime, Utc};
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use super::{CliError, OutputFormat};
use crate::text::truncate;

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
    /// Every cell's printable text, one after another; `cells` says where each ends.
    text: String,
    /// `columns.len()` cells per row.
    cells: Vec<Cell>,
    rows: usize,
    /// The widest cell of each column so far, header included: kept up to date as rows are
    /// added, so fitting the table never walks the rows again.
    natural: Vec<usize>,
}

/// Where a cell's text ends in [`Table::text`], and how many terminal cells it takes.
#[derive(Debug, Clone, Copy)]
struct Cell {
    end: usize,
    width: usize,
}

const GAP: &str = "  ";

impl Table {
    pub fn new(columns: Vec<Column>) -> Table {
        Table {
            natural: columns.iter().map(|c| c.header.width()).collect(),
            columns,
            text: String::new(),
            cells: Vec::new(),
            rows: 0,
        }
    }

    /// Add a row; cells are untrusted text and are made printable on one line.
    pub fn push(&mut self, cells: Vec<String>) {
        self.push_row(cells.iter().map(String::as_str));
    }

    /// [`Table::push`] for borrowed cells. Missing cells are empty; cells beyond the last
    /// column are dropped.
    pub fn push_row<'s>(&mut self, cells: impl IntoIterator<Item = &'s str>) {
        let mut cells = cells.into_iter();
        for column in 0..self.columns.len() {
            let raw = cells.next().unwrap_or("");
            let start = self.text.len();
            if raw.chars().any(crate::sanitize::is_unsafe) {
                self.text.push_str(&crate::sanitize::one_line(raw));
            } else {
                // Nothing `sanitize` would change: copy it as it is, without a temporary.
                self.text.push_str(raw);
            }
            let width = self.text[start..].width();
            self.natural[column] = self.natural[column].max(width);
            self.cells.push(Cell {
                end: self.text.len(),
                width,
            });
        }
        self.rows += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The table as text, at most `width` columns wide when given (flexible columns are cut
    /// with `…`); `None` means never cut (pipes, `-o wide`).
    pub fn render(&self, width: Option<usize>) -> String {
        let mut out = String::new();
        let written = self.each_line(width, |line| {
            out.push_str(line);
            out.push('\n');
            Ok::<(), std::convert::Infallible>(())
        });
        match written {
            Ok(()) => out,
            Err(never) => match never {},
        }
    }

    /// [`Table::render`] written to `out` line by line, without building the whole text.
    pub fn write_to(&self, width: Option<usize>, out: &mut impl Write) -> std::io::Result<()> {
        self.each_line(width, |line| {
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")
        })
    }

    /// Each line of the table, header first, trailing blanks trimmed, without its newline.
    fn each_line<E>(
        &self,
        width: Option<usize>,
        mut emit: impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        let widths = self.fit(width);
        let mut line = String::new();
        let header = self.columns.iter().map(|c| (c.header, c.header.width()));
        lay_out(&widths, header, &mut line);
        emit(line.trim_end())?;
        let per_row = self.columns.len();
        let mut start = 0;
        for row in 0..self.rows {
            let cells = self.cells[row * per_row..(row + 1) * per_row]
                .iter()
                .map(|cell| {
                    let text = &self.text[start..cell.end];
                    start = cell.end;
                    (text, cell.width)
                });
            lay_out(&widths, cells, &mut line);
            emit(line.trim_end())?;
        }
        Ok(())
    }

    /// Column widths: natural widths, then flexible columns shortened until the row fits or
    /// none can give more (fixed columns are never cut; the row may then overflow).
    fn fit(&self, width: Option<usize>) -> Vec<usize> {
        let mut widths = self.natural.clone();
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

/// One line into `line` (cleared first): each `(text, its width)` cut or padded to its
/// column, columns apart by [`GAP`]; the last column is not padded.
fn lay_out<'s>(widths: &[usize], cells: impl Iterator<Item = (&'s str, usize)>, line: &mut String) {
    line.clear();
    for (i, ((text, text_width), &w)) in cells.zip(widths).enumerate() {
        let shown = if text_width <= w {
            line.push_str(text);
            text_width
        } else {
            let cut = truncate(text, w);
            line.push_str(&cut);
            cut.width()
        };
        if i + 1 < widths.len() {
            line.extend(std::iter::repeat_n(' ', w.saturating_sub(shown)));
            line.push_str(GAP);
        }
    }
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

/// Write a table to stdout through one buffer, never holding the whole text.
pub fn print_table(table: &Table, width: Option<usize>) -> Result<(), CliError> {
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    table.write_to(width, &mut out)?;
    out.flush()?;
    Ok(())
}

/// Write text to stdout (buffered; a closed pipe surfaces as `BrokenPipe`).
pub fn print(text: &str) -> Result<(), CliError> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Write one JSON document to stdout, compact, with a final newline; characters a terminal
/// must not see (C1 controls, bidi and zero-width characters) are `\u` escapes.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    let json = serde_json::to_vec(value).map_err(|e| CliError::Output(e.into()))?;
    print_json_bytes(&json)
}

/// A JSON document as it came (e.g. Alertmanager's own answer) on stdout, escaped as
/// `print_json` escapes, ending with a newline.
pub fn print_json_bytes(json: &[u8]) -> Result<(), CliError> {
    let escaped = terminal_safe_json(json);
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    out.write_all(&escaped)?;
    if !escaped.ends_with(b"\n") {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// JSON with what `sanitize::is_unsafe` flags escaped; ASCII (the usual case) passes
/// through without a copy. Invalid UTF-8 is left to the reader's JSON parser to refuse.
pub fn terminal_safe_json(json: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if json.is_ascii() {
        return std::borrow::Cow::Borrowed(json);
    }
    match std::str::from_utf8(json)
        .ok()
        .and_then(crate::sanitize::json_escape_unsafe)
    {
        Some(escaped) => std::borrow::Cow::Owned(escaped.into_bytes()),
        None => std::borrow::Cow::Borrowed(json),
    }
}

/// `45s`, `12m`, `3h04m`, `2d3h`: how long ago (or until) something is, compactly.
pub fn age(d: chrono::Duration) -> String {
    Age(d).to_string()
}

/// [`age`] as `Display`, for writing into a buffer that is reused row after row.
#[derive(Debug, Clone, Copy)]
pub struct Age(pub chrono::Duration);

impl std::fmt::Display for Age {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.0.num_seconds().max(0);
        let (days, hours, minutes) = (secs / 86_400, (secs % 86_400) / 3_600, (secs % 3_600) / 60);
        match () {
            _ if secs < 60 => write!(f, "{secs}s"),
            _ if secs < 3_600 => write!(f, "{minutes}m"),
            _ if secs < 86_400 => write!(f, "{hours}h{minutes:02}m"),
            _ => write!(f, "{days}d{hours}h"),
        }
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

    /// The table as it was rendered before cells were kept in one buffer: natural widths
    /// measured per column over every row, one `String` per cell and line.
    fn reference_render(columns: &[Column], rows: &[Vec<String>], widths: &[usize]) -> String {
        let mut out = String::new();
        let header: Vec<String> = columns.iter().map(|c| c.header.to_string()).collect();
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|c| crate::sanitize::one_line(c)).collect())
            .collect();
        for row in std::iter::once(&header).chain(rows.iter()) {
            let mut line = String::new();
            for (i, w) in widths.iter().enumerate() {
                let cell = row.get(i).map(String::as_str).unwrap_or("");
                let cut = truncate(cell, *w);
                line.push_str(&cut);
                if i + 1 != widths.len() {
                    line.push_str(&" ".repeat(w.saturating_sub(cut.width())));
                    line.push_str(GAP);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    #[test]
    fn renders_as_before_at_every_width() {
        let columns = vec![
            Column::fixed("SEV"),
            Column::flexible("NAME", 4),
            Column::flexible("TEXT", 6),
            Column::fixed("AGE"),
        ];
        let rows: Vec<Vec<String>> = vec![
            vec![
                "critical".into(),
                "Disk\u{1b}[31mFull".into(),
                "日本語テキスト\u{202e}x".into(),
                "5m".into(),
            ],
            vec![
                "".into(),
                "a\nb\tc".into(),
                "trailing\u{3000} ".into(),
                "".into(),
            ],
            vec!["warn".into(), "🔥🔥🔥".into()],
            vec![
                "x".into(),
                "y".into(),
                "z".into(),
                "1d2h".into(),
                "extra".into(),
            ],
            vec![
                "\u{1b}]52;c;aGk=\u{7}".into(),
                "\u{9b}1m".into(),
                "\u{a0}nbsp\u{a0}".into(),
                "2h".into(),
            ],
        ];
        let mut t = Table::new(columns.clone());
        for r in &rows {
            t.push(r.clone());
        }
        for width in [
            None,
            Some(0),
            Some(10),
            Some(20),
            Some(31),
            Some(40),
            Some(200),
        ] {
            let expected = reference_render(&columns, &rows, &t.fit(width));
            assert_eq!(t.render(width), expected, "width {width:?}");
            let mut written = Vec::new();
            t.write_to(width, &mut written).unwrap();
            assert_eq!(String::from_utf8(written).unwrap(), expected);
        }
        // The natural widths kept while pushing are what measuring every row gives.
        let measured: Vec<usize> = (0..columns.len())
            .map(|i| {
                rows.iter()
                    .map(|r| r.get(i).map_or(0, |c| crate::sanitize::one_line(c).width()))
                    .chain([columns[i].header.width()])
                    .max()
                    .unwrap()
            })
            .collect();
        assert_eq!(t.fit(None), measured);
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

//! The table the list views draw: a gutter that shows the selection (`▶`, readable without
//! colour) and marked rows, then columns that each say how much room they need. When the
//! screen is too narrow the least useful columns go (their values stay in the detail pane)
//! instead of being cut to `…`; a cell cut to fit keeps the part that tells it apart from
//! the other cells of its column.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use crate::sanitize::one_line;
use crate::text::{shorten_among, width};
use crate::triage::sort::{Sort, SortKey};
use crate::tui::app::App;
use crate::tui::widgets::truncate;

/// The text and style of one cell of a row.
type Cell<'a, T> = Box<dyn Fn(&T) -> (String, Style) + 'a>;

/// Columns left of the first one: the selection marker and the mark.
pub(super) const GUTTER: u16 = 2;

/// A column: header, room, when it is dropped, and how to draw its cell of a row.
pub(super) struct Column<'a, T> {
    pub(super) title: String,
    /// Cells wide; 0 shares what is left with the other flexible columns.
    width: u16,
    /// A flexible column given less than this is dropped rather than cut to nothing.
    min: u16,
    /// On a narrow screen the column with the highest number goes first; 0 stays.
    drop: u8,
    /// The sort key this column shows, for the header's arrow.
    sort: Option<SortKey>,
    /// Cut cells keep what differs from the other cells shown (`…de-17`, not `node-…`).
    distinct: bool,
    cell: Cell<'a, T>,
}

impl<'a, T> Column<'a, T> {
    pub(super) fn fixed(
        title: impl Into<String>,
        width: u16,
        cell: impl Fn(&T) -> (String, Style) + 'a,
    ) -> Self {
        Column {
            title: title.into(),
            width,
            min: width,
            drop: 0,
            sort: None,
            distinct: false,
            cell: Box::new(cell),
        }
    }

    pub(super) fn flex(
        title: impl Into<String>,
        min: u16,
        cell: impl Fn(&T) -> (String, Style) + 'a,
    ) -> Self {
        Column {
            width: 0,
            min,
            ..Column::fixed(title, 0, cell)
        }
    }

    pub(super) fn drop_order(mut self, drop: u8) -> Self {
        self.drop = drop;
        self
    }

    pub(super) fn sorts(mut self, key: SortKey) -> Self {
        self.sort = Some(key);
        self
    }

    /// Cut cells keep what differs from the other cells shown; the column may narrow to
    /// `min` cells (enough for that) before other columns are dropped.
    pub(super) fn distinct(mut self, min: u16) -> Self {
        self.distinct = true;
        if self.width > 0 {
            self.min = min.min(self.width);
        }
        self
    }
}

/// The first row shown so that `selected` is on screen, with `body` rows of room.
pub(super) fn window(len: usize, selected: usize, body: usize) -> usize {
    selected
        .saturating_sub(body.saturating_sub(1))
        .min(len.saturating_sub(1))
}

/// The rows a table of `height` lines (its header included) shows with `selected` in view.
pub(super) fn on_screen<T>(rows: &[T], selected: usize, height: u16) -> &[T] {
    let first = window(rows.len(), selected, usize::from(height.saturating_sub(1)));
    let shown = &rows[first.min(rows.len())..];
    &shown[..shown.len().min(usize::from(height))]
}

/// The widths of the columns that fit in `room` cells (`None` for a dropped one). Every
/// column kept gets its least; what is left widens the narrowed ones (leftmost first), then
/// is shared by the flexible ones.
fn layout<T>(columns: &[Column<'_, T>], room: u16) -> Vec<Option<u16>> {
    let mut kept: Vec<bool> = vec![true; columns.len()];
    // The last column needs no separator after it.
    let room = room + 1;
    let least = |kept: &[bool]| -> u16 {
        columns
            .iter()
            .zip(kept)
            .filter(|(_, k)| **k)
            .map(|(c, _)| c.min + 1)
            .sum()
    };
    // The highest drop number goes; among equals the rightmost.
    let victim = |kept: &[bool]| {
        columns
            .iter()
            .enumerate()
            .filter(|(i, c)| kept[*i] && c.drop > 0)
            .max_by_key(|(i, c)| (c.drop, *i))
            .map(|(i, _)| i)
    };
    let wanted = |kept: &[bool]| -> u16 {
        columns
            .iter()
            .zip(kept)
            .filter(|(_, k)| **k)
            .map(|(c, _)| c.width.max(c.min) + 1)
            .sum()
    };
    // First the columns that would rather go than have the narrowable ones narrowed...
    while wanted(&kept) > room {
        match victim(&kept) {
            Some(i) if columns[i].min == columns[i].width.max(columns[i].min) => kept[i] = false,
            _ => break,
        }
    }
    // ...then, narrowed as far as they go, whatever still does not fit.
    while least(&kept) > room {
        match victim(&kept) {
            Some(i) => kept[i] = false,
            None => break,
        }
    }
    let mut widths: Vec<Option<u16>> = columns
        .iter()
        .zip(&kept)
        .map(|(c, k)| k.then_some(c.min))
        .collect();
    let mut spare = room.saturating_sub(least(&kept));
    for (c, w) in columns.iter().zip(widths.iter_mut()) {
        if let Some(w) = w.as_mut().filter(|_| c.width > 0) {
            let more = (c.width - *w).min(spare);
            *w += more;
            spare -= more;
        }
    }
    let flex: Vec<usize> = (0..columns.len())
        .filter(|&i| kept[i] && columns[i].width == 0)
        .collect();
    let share = spare.checked_div(flex.len() as u16).unwrap_or(0);
    // The first flexible column takes the cells the division leaves over.
    let mut extra = spare.saturating_sub(share * flex.len() as u16);
    for i in flex {
        if let Some(w) = widths[i].as_mut() {
            *w += share + std::mem::take(&mut extra);
        }
    }
    widths
}

/// What a list table draws besides its rows.
pub(super) struct Table<'t, T> {
    pub(super) selected: usize,
    pub(super) sort: Option<Sort>,
    pub(super) marked: &'t dyn Fn(&T) -> bool,
}

pub(super) fn render_table<T>(
    app: &App,
    area: Rect,
    buf: &mut Buffer,
    columns: Vec<Column<'_, T>>,
    rows: &[T],
    table: Table<'_, T>,
) {
    if area.height < 2 || area.width < 10 {
        return;
    }
    let t = &app.theme;
    let ascii = app.prefs.ascii;
    let widths = layout(&columns, area.width.saturating_sub(GUTTER));
    let mut x = area.x + GUTTER;
    for (c, w) in columns.iter().zip(&widths) {
        let Some(w) = *w else { continue };
        let mut title = c.title.clone();
        if let Some(sort) = table.sort.filter(|s| Some(s.key) == c.sort) {
            title.push_str(sort.arrow(ascii));
        }
        let style = t.muted.add_modifier(Modifier::BOLD);
        buf.set_stringn(
            x,
            area.y,
            truncate(&title, usize::from(w)),
            usize::from(w),
            style,
        );
        x += w + 1;
    }
    let body = usize::from(area.height - 1);
    let first = window(rows.len(), table.selected, body);
    let shown = &rows[first.min(rows.len())..(first + body).min(rows.len())];
    // The texts of the columns that keep what differs, to compare each cell with.
    let texts: Vec<Option<Vec<String>>> = columns
        .iter()
        .map(|c| {
            c.distinct
                .then(|| shown.iter().map(|r| one_line(&(c.cell)(r).0)).collect())
        })
        .collect();
    for (n, row) in shown.iter().enumerate() {
        let y = area.y + 1 + n as u16;
        let is_selected = first + n == table.selected;
        let row_style = |style: Style| {
            if is_selected {
                style.patch(t.selection)
            } else {
                style
            }
        };
        if is_selected {
            buf.set_style(Rect::new(area.x, y, area.width, 1), t.selection);
            let mark = if ascii { ">" } else { "▶" };
            buf.set_string(area.x, y, mark, row_style(t.accent));
        }
        if (table.marked)(row) {
            let mark = if ascii { "*" } else { "✓" };
            buf.set_string(
                area.x + 1,
                y,
                mark,
                row_style(t.accent.add_modifier(Modifier::BOLD)),
            );
        }
        let mut x = area.x + GUTTER;
        for ((c, w), siblings) in columns.iter().zip(&widths).zip(&texts) {
            let Some(w) = *w else { continue };
            let (text, style) = (c.cell)(row);
            let text = one_line(&text);
            let cut = match siblings {
                Some(all) if width(&text) > usize::from(w) => {
                    let all: Vec<&str> = all.iter().map(String::as_str).collect();
                    shorten_among(&text, &all, usize::from(w))
                }
                _ => truncate(&text, usize::from(w)),
            };
            buf.set_stringn(x, y, cut, usize::from(w), row_style(style));
            x += w + 1;
        }
    }
}

/// The width a column needs for the texts it will show: the widest, at least its title's,
/// at most `cap`.
pub(super) fn fit<I: IntoIterator<Item = String>>(title: &str, texts: I, cap: u16) -> u16 {
    let widest = texts
        .into_iter()
        .map(|s| width(&one_line(&s)))
        .max()
        .unwrap_or(0);
    widest.max(width(title) + 1).min(usize::from(cap)) as u16
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Style;

    fn col(title: &str, width: u16, drop: u8) -> Column<'static, ()> {
        Column::fixed(title, width, |_: &()| (String::new(), Style::default())).drop_order(drop)
    }

    #[test]
    fn narrow_screens_drop_columns_instead_of_cutting_them_to_nothing() {
        let flex = |min| {
            Column::flex("SUMMARY", min, |_: &()| (String::new(), Style::default())).drop_order(9)
        };
        let columns = vec![col("A", 10, 0), col("B", 10, 5), flex(16)];
        let narrowing = |min| {
            vec![
                col("A", 10, 0),
                Column::fixed("HOST", 24, |_: &()| (String::new(), Style::default())).distinct(min),
            ]
        };
        // A distinct column narrows to what tells its cells apart before anything goes.
        assert_eq!(layout(&narrowing(6), 20), vec![Some(10), Some(9)]);
        assert_eq!(layout(&narrowing(6), 60), vec![Some(10), Some(24)]);
        // 10+1 + 10+1 + 16 = 38 fits in 40: the summary gets what is left.
        assert_eq!(layout(&columns, 40), vec![Some(10), Some(10), Some(18)]);
        // In 30 the summary would get 8 of its 16: it goes, B stays.
        assert_eq!(layout(&columns, 30), vec![Some(10), Some(10), None]);
        // In 15 B goes too; A never goes.
        assert_eq!(layout(&columns, 15), vec![Some(10), None, None]);
    }

    #[test]
    fn window_keeps_the_selection_on_screen() {
        assert_eq!(window(100, 0, 10), 0);
        assert_eq!(window(100, 9, 10), 0);
        assert_eq!(window(100, 10, 10), 1);
        assert_eq!(window(0, 0, 10), 0);
    }
}

//! Where things go on screen. Pure functions of the terminal size, shared by `update` (which
//! needs panel widths for query steps, and positions for moving between panels) and the views.

use ratatui::layout::Rect;

use crate::dashboards::model::{Panel, PanelKind, GRID_COLUMNS};

/// The fixed regions of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    pub header: Rect,
    pub tabs: Rect,
    pub main: Rect,
    pub status: Rect,
}

/// Split the terminal: header, tab bar, main area, status line. On very short terminals the
/// main area shrinks first, then the tab bar goes; the header (alerts count) and status line
/// stay as long as there is a row for them.
pub fn screen(area: Rect) -> Screen {
    let row = |y: u16| Rect {
        x: area.x,
        y,
        width: area.width,
        height: 1,
    };
    let empty = Rect {
        x: area.x,
        y: area.y,
        width: area.width,
        height: 0,
    };
    match area.height {
        0 => Screen {
            header: empty,
            tabs: empty,
            main: empty,
            status: empty,
        },
        1 => Screen {
            header: row(area.y),
            tabs: empty,
            main: empty,
            status: empty,
        },
        2 => Screen {
            header: row(area.y),
            tabs: empty,
            main: empty,
            status: row(area.y + 1),
        },
        3 => Screen {
            header: row(area.y),
            tabs: empty,
            main: Rect {
                y: area.y + 1,
                height: 1,
                ..area
            },
            status: row(area.y + 2),
        },
        h => Screen {
            header: row(area.y),
            tabs: row(area.y + 1),
            main: Rect {
                y: area.y + 2,
                height: h - 3,
                ..area
            },
            status: row(area.y + h - 1),
        },
    }
}

/// The dashboard's own regions inside the main area: a one-line bar (title, range, linked
/// alerts) and the panel grid.
pub fn dashboard(main: Rect) -> (Rect, Rect) {
    if main.height < 4 {
        return (Rect { height: 0, ..main }, main);
    }
    let bar = Rect { height: 1, ..main };
    let grid = Rect {
        y: main.y + 1,
        height: main.height - 1,
        ..main
    };
    (bar, grid)
}

/// Panels placed on a virtual canvas as wide as the grid area and as tall as they need;
/// the view scrolls a window of it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GridLayout {
    /// Panel index and its rectangle, with `x`/`y` relative to the grid's top left.
    pub cells: Vec<(usize, Rect)>,
    pub height: u16,
}

impl GridLayout {
    pub fn rect_of(&self, panel: usize) -> Option<Rect> {
        self.cells
            .iter()
            .find(|(i, _)| *i == panel)
            .map(|(_, r)| *r)
    }
}

/// Below this width, panels are stacked one per row instead of following the grid.
pub const STACK_BELOW_WIDTH: u16 = 60;
/// Largest number of terminal rows per grid row, so a short dashboard on a tall terminal
/// does not become a few giant panels.
const MAX_ROWS_PER_UNIT: f64 = 3.0;

/// Rows a panel of this kind needs to show anything useful (borders included).
pub fn min_rows(kind: PanelKind) -> u16 {
    match kind {
        PanelKind::Chart => 6,
        PanelKind::Sparkline => 4,
        PanelKind::Stat | PanelKind::Gauge | PanelKind::StatusGrid => 3,
    }
}

/// Lay out `visible` panels (indices into `panels`) in a grid area of `width` x `height`.
/// With `reflow` (a filter is active) they are packed in order rather than placed at their
/// grid positions, so hidden panels leave no holes.
pub fn grid(
    panels: &[Panel],
    visible: &[usize],
    width: u16,
    height: u16,
    reflow: bool,
) -> GridLayout {
    if width == 0 || visible.is_empty() {
        return GridLayout::default();
    }
    if width < STACK_BELOW_WIDTH {
        return stacked(panels, visible, width, height);
    }
    let positions: Vec<(usize, u16, u16, u16, u16)> = if reflow {
        packed(panels, visible)
    } else {
        visible
            .iter()
            .filter_map(|&i| {
                panels
                    .get(i)
                    .map(|p| (i, p.grid.x, p.grid.y, p.grid.w, p.grid.h))
            })
            .collect()
    };
    let total_units = positions
        .iter()
        .map(|p| p.2 + p.4.max(1))
        .max()
        .unwrap_or(1)
        .max(1);
    let fit = f64::from(height) / f64::from(total_units);
    let needed = positions
        .iter()
        .filter_map(|p| {
            panels
                .get(p.0)
                .map(|panel| f64::from(min_rows(panel.kind)) / f64::from(p.4.max(1)))
        })
        .fold(0.0, f64::max);
    let scale = fit.min(MAX_ROWS_PER_UNIT).max(needed);
    let col = |x: u16| -> u16 {
        let x = u32::from(x.min(GRID_COLUMNS));
        u16::try_from(x * u32::from(width) / u32::from(GRID_COLUMNS)).unwrap_or(width)
    };
    let row = |y: u16| -> u16 {
        let r = (f64::from(y) * scale).round();
        if r >= f64::from(u16::MAX) {
            u16::MAX
        } else {
            r as u16
        }
    };
    let mut cells = Vec::with_capacity(positions.len());
    let mut bottom = 0;
    for (i, x, y, w, h) in positions {
        let (x0, x1) = (col(x), col(x.saturating_add(w.max(1))));
        let (y0, y1) = (row(y), row(y.saturating_add(h.max(1))));
        if x1 <= x0 || y1 <= y0 {
            continue;
        }
        bottom = bottom.max(y1);
        cells.push((
            i,
            Rect {
                x: x0,
                y: y0,
                width: x1 - x0,
                height: y1 - y0,
            },
        ));
    }
    GridLayout {
        cells,
        height: bottom,
    }
}

/// Greedy left-to-right packing, keeping each panel's width and height.
fn packed(panels: &[Panel], visible: &[usize]) -> Vec<(usize, u16, u16, u16, u16)> {
    let mut out = Vec::new();
    let (mut x, mut y, mut row_h) = (0u16, 0u16, 0u16);
    let mut order: Vec<usize> = visible.to_vec();
    order.sort_by_key(|&i| {
        panels
            .get(i)
            .map(|p| (p.grid.y, p.grid.x))
            .unwrap_or((u16::MAX, 0))
    });
    for i in order {
        let Some(p) = panels.get(i) else { continue };
        let w = p.grid.w.clamp(1, GRID_COLUMNS);
        let h = p.grid.h.max(1);
        if x + w > GRID_COLUMNS {
            y += row_h;
            x = 0;
            row_h = 0;
        }
        out.push((i, x, y, w, h));
        x += w;
        row_h = row_h.max(h);
    }
    out
}

/// One panel per row, in reading order, each as tall as its kind needs (a little more when
/// there is room).
fn stacked(panels: &[Panel], visible: &[usize], width: u16, height: u16) -> GridLayout {
    let mut order: Vec<usize> = visible.to_vec();
    order.sort_by_key(|&i| {
        panels
            .get(i)
            .map(|p| (p.grid.y, p.grid.x))
            .unwrap_or((u16::MAX, 0))
    });
    let mut cells = Vec::with_capacity(order.len());
    let mut y: u16 = 0;
    for i in order {
        let Some(p) = panels.get(i) else { continue };
        let preferred = match p.kind {
            PanelKind::Chart => 8,
            PanelKind::Sparkline => 3 + u16::try_from(p.queries.len()).unwrap_or(1).min(4),
            PanelKind::StatusGrid => 5,
            PanelKind::Stat | PanelKind::Gauge => 4,
        };
        let h = preferred
            .min(height.max(min_rows(p.kind)))
            .max(min_rows(p.kind));
        cells.push((
            i,
            Rect {
                x: 0,
                y,
                width,
                height: h,
            },
        ));
        y = y.saturating_add(h);
    }
    GridLayout { cells, height: y }
}

/// The panel to move to from `from` in `dir`: the nearest one whose centre lies that way,
/// preferring ones that overlap on the other axis.
pub fn neighbour(
    layout: &GridLayout,
    from: usize,
    dir: super::command::Direction,
) -> Option<usize> {
    use super::command::Direction;
    let origin = layout.rect_of(from)?;
    let centre = |r: &Rect| {
        (
            i32::from(r.x) * 2 + i32::from(r.width),
            i32::from(r.y) * 2 + i32::from(r.height),
        )
    };
    let (ox, oy) = centre(&origin);
    let (left, right) = (i32::from(origin.x), i32::from(origin.x + origin.width));
    let (top, bottom) = (i32::from(origin.y), i32::from(origin.y + origin.height));
    layout
        .cells
        .iter()
        .filter(|(i, _)| *i != from)
        .filter_map(|(i, r)| {
            let (cx, cy) = centre(r);
            let (rl, rr) = (i32::from(r.x), i32::from(r.x + r.width));
            let (rt, rb) = (i32::from(r.y), i32::from(r.y + r.height));
            let overlap_x = rl < right && left < rr;
            let overlap_y = rt < bottom && top < rb;
            // Centres decide the direction; edges decide the distance, so the next row or
            // column wins over a farther panel that happens to be centred.
            let (along, gap, across, overlaps) = match dir {
                Direction::Right => (cx - ox, rl - right, (cy - oy).abs(), overlap_y),
                Direction::Left => (ox - cx, left - rr, (cy - oy).abs(), overlap_y),
                Direction::Down => (cy - oy, rt - bottom, (cx - ox).abs(), overlap_x),
                Direction::Up => (oy - cy, top - rb, (cx - ox).abs(), overlap_x),
            };
            (along > 0).then_some((*i, (!overlaps, gap.max(0), across)))
        })
        .min_by_key(|(_, score)| *score)
        .map(|(i, _)| i)
}

/// The scroll offset that keeps `rect` in a viewport of `view_h` rows, moving as little as
/// possible from `scroll`.
pub fn scroll_to(scroll: u16, rect: Rect, view_h: u16) -> u16 {
    if rect.y < scroll {
        rect.y
    } else if rect.y + rect.height > scroll + view_h {
        // A panel taller than the view shows its top.
        (rect.y + rect.height).saturating_sub(view_h).min(rect.y)
    } else {
        scroll
    }
}

/// Columns a panel of `kind` plots in when it is `width` cells wide, for the query step.
pub fn plot_cells(kind: PanelKind, width: u16) -> u16 {
    let inner = width.saturating_sub(2);
    match kind {
        // Minus the y-axis labels.
        PanelKind::Chart => inner.saturating_sub(8).max(8),
        // One point per cell, and the legend and value columns beside it: half a braille
        // chart's density.
        PanelKind::Sparkline => (inner.saturating_sub(24) / 2).max(8),
        PanelKind::Stat | PanelKind::Gauge => (inner / 2).max(8),
        // Only the newest value is drawn.
        PanelKind::StatusGrid => 8,
    }
}

/// A rectangle of `width` x `height` centred in `area`, clipped to it.
pub fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Below this many columns an open runbook takes the whole alerts body.
pub const RUNBOOK_BESIDE_MIN_WIDTH: u16 = 100;

/// The alerts body split for an open runbook: the list's part (`None` when the runbook takes
/// it all) and the runbook's.
pub fn runbook_split(body: Rect) -> (Option<Rect>, Rect) {
    if body.width < RUNBOOK_BESIDE_MIN_WIDTH {
        return (None, body);
    }
    let list_w = body.width * 2 / 5;
    let list = Rect {
        width: list_w,
        ..body
    };
    let pane = Rect {
        x: body.x + list_w,
        width: body.width - list_w,
        ..body
    };
    (Some(list), pane)
}

/// The runbook pane minus its left rule and `header` rows: where its text goes.
pub fn runbook_text(pane: Rect, header: u16) -> Rect {
    Rect {
        x: pane.x + 2,
        y: pane.y + header,
        width: pane.width.saturating_sub(2),
        height: pane.height.saturating_sub(header),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboards::model::{GridPos, Unit};
    use crate::tui::command::Direction;

    fn panel(kind: PanelKind, x: u16, y: u16, w: u16, h: u16) -> Panel {
        Panel {
            title: format!("{x},{y}"),
            kind,
            unit: Unit::Plain,
            decimals: None,
            thresholds: None,
            min: None,
            max: None,
            queries: vec![],
            alerts: vec![],
            grid: GridPos { x, y, w, h },
            description: None,
        }
    }

    fn system_health() -> Vec<Panel> {
        vec![
            panel(PanelKind::StatusGrid, 0, 0, 24, 4),
            panel(PanelKind::Chart, 0, 4, 12, 8),
            panel(PanelKind::Chart, 12, 4, 12, 8),
            panel(PanelKind::Sparkline, 0, 12, 8, 8),
            panel(PanelKind::Chart, 8, 12, 8, 8),
            panel(PanelKind::Chart, 16, 12, 8, 8),
        ]
    }

    #[test]
    fn screen_regions_for_every_height() {
        for h in 0..30 {
            let s = screen(Rect::new(0, 0, 80, h));
            let used = s.header.height + s.tabs.height + s.main.height + s.status.height;
            assert_eq!(used, h.min(h), "height {h}");
            assert!(used <= h);
        }
        let s = screen(Rect::new(0, 0, 80, 24));
        assert_eq!(
            (s.header.y, s.tabs.y, s.main.y, s.main.height, s.status.y),
            (0, 1, 2, 21, 23)
        );
    }

    #[test]
    fn grid_fits_80x24_without_scrolling_and_tiles_exactly() {
        let panels = system_health();
        let all: Vec<usize> = (0..panels.len()).collect();
        let l = grid(&panels, &all, 80, 20, false);
        assert_eq!(l.height, 20);
        assert_eq!(l.rect_of(0), Some(Rect::new(0, 0, 80, 4)));
        assert_eq!(l.rect_of(1), Some(Rect::new(0, 4, 40, 8)));
        assert_eq!(l.rect_of(2), Some(Rect::new(40, 4, 40, 8)));
        // Adjacent panels share edges: no gaps, no overlaps.
        assert_eq!(
            l.rect_of(3).map(|r| r.x + r.width),
            l.rect_of(4).map(|r| r.x)
        );
        let big = grid(&panels, &all, 160, 44, false);
        assert_eq!(big.height, 44);
        assert_eq!(big.rect_of(5).map(|r| r.x + r.width), Some(160));
    }

    #[test]
    fn short_terminals_keep_panels_readable_and_scroll() {
        let panels = system_health();
        let all: Vec<usize> = (0..panels.len()).collect();
        let l = grid(&panels, &all, 100, 8, false);
        for (i, r) in &l.cells {
            assert!(r.height >= min_rows(panels[*i].kind), "panel {i} {r:?}");
        }
        assert!(l.height > 8);
        let narrow = grid(&panels, &all, 30, 10, false);
        assert!(narrow.cells.iter().all(|(_, r)| r.width == 30 && r.x == 0));
        assert_eq!(narrow.cells.len(), 6);
    }

    #[test]
    fn reflow_packs_filtered_panels() {
        let panels = system_health();
        let l = grid(&panels, &[2, 5], 120, 30, true);
        assert_eq!(l.rect_of(2).map(|r| (r.x, r.y)), Some((0, 0)));
        assert_eq!(l.rect_of(5).map(|r| (r.x, r.y)), Some((60, 0)));
    }

    #[test]
    fn moves_between_neighbours() {
        let panels = system_health();
        let all: Vec<usize> = (0..panels.len()).collect();
        let l = grid(&panels, &all, 120, 40, false);
        assert_eq!(neighbour(&l, 1, Direction::Right), Some(2));
        assert_eq!(neighbour(&l, 2, Direction::Left), Some(1));
        assert_eq!(neighbour(&l, 1, Direction::Down), Some(3));
        assert_eq!(neighbour(&l, 2, Direction::Down), Some(5));
        assert_eq!(neighbour(&l, 4, Direction::Up), Some(1));
        assert_eq!(neighbour(&l, 1, Direction::Up), Some(0));
        assert_eq!(neighbour(&l, 0, Direction::Up), None);
        assert_eq!(neighbour(&l, 5, Direction::Right), None);
    }

    #[test]
    fn scrolling_keeps_the_target_in_view() {
        assert_eq!(scroll_to(0, Rect::new(0, 30, 10, 8), 20), 18);
        assert_eq!(scroll_to(18, Rect::new(0, 4, 10, 8), 20), 4);
        assert_eq!(scroll_to(5, Rect::new(0, 10, 10, 8), 20), 5);
        assert_eq!(scroll_to(0, Rect::new(0, 10, 10, 30), 5), 10);
    }
}

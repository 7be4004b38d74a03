//! Sparklines in eighth blocks, one column per time bucket, any number of rows high.
//! Values are floats scaled here (ratatui's `Sparkline` takes integers, which flattens
//! values below 1); a present value is at least the lowest block, a gap is blank.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::dashboards::plan::RangeWindow;
use crate::model::series::Point;

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Which value a column shows when several points fall into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// The largest: spikes of latency or errors stay visible.
    Max,
    /// The smallest: dips of a hit rate or availability stay visible.
    Min,
}

pub struct Sparkline<'a> {
    pub points: &'a [Point],
    pub window: RangeWindow,
    pub y: (f64, f64),
    pub pick: Pick,
    /// The style of a column showing value `v` (threshold colours).
    pub style: &'a dyn Fn(f64) -> Style,
}

impl Sparkline<'_> {
    /// One value per column, `None` where the series has a gap.
    pub fn columns(&self, n: u16) -> Vec<Option<f64>> {
        let n_cols = usize::from(n);
        let mut cols: Vec<Option<f64>> = vec![None; n_cols];
        if n_cols == 0 {
            return cols;
        }
        let start = self.window.start_ms;
        // Like the chart's time axis: up to the step boundary after the newest point.
        let end = self.window.axis_end_ms();
        let span = (end - start).max(1);
        let col_of = |t: i64| -> Option<usize> {
            if t < start || t > end {
                return None;
            }
            let c = ((t - start) as i128 * n_cols as i128 / (span as i128 + 1)) as usize;
            Some(c.min(n_cols - 1))
        };
        let combine = |a: f64, b: f64| match self.pick {
            Pick::Max => a.max(b),
            Pick::Min => a.min(b),
        };
        let mut last_point_col: Vec<Option<(i64, f64)>> = vec![None; n_cols];
        for &(t, v) in self.points {
            if !v.is_finite() {
                continue;
            }
            let Some(c) = col_of(t) else { continue };
            cols[c] = Some(cols[c].map_or(v, |old| combine(old, v)));
            last_point_col[c] = Some((t, v));
        }
        // Columns narrower than a step hold the previous value until the next point is due;
        // a point missing where one was due is a gap.
        let max_gap = self.window.step_ms.max(1) * 3 / 2;
        let col_start = |c: usize| start + (span as i128 * c as i128 / n_cols as i128) as i64;
        let mut held: Option<(i64, f64)> = None;
        for c in 0..n_cols {
            if let Some(p) = last_point_col[c] {
                held = Some(p);
                continue;
            }
            if let Some((t, v)) = held {
                // Hold only while no point was due inside this column.
                if col_start(c + 1) - t <= max_gap {
                    cols[c] = Some(v);
                } else {
                    held = None;
                }
            }
        }
        cols
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let (lo, hi) = self.y;
        let levels = u32::from(area.height) * 8;
        for (i, v) in self.columns(area.width).into_iter().enumerate() {
            let Some(v) = v else { continue };
            let f = if hi > lo {
                ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
            } else {
                0.5
            };
            // 1..=levels: the lowest present value still shows a sliver.
            let level = ((f * f64::from(levels)).round() as u32).clamp(1, levels);
            let style = (self.style)(v);
            let x = area.x + i as u16;
            for row in 0..area.height {
                let y = area.y + area.height - 1 - row;
                let below = u32::from(row) * 8;
                if level <= below {
                    break;
                }
                let fill = (level - below).min(8);
                if let Some(cell) = buf.cell_mut((x, y)) {
                    cell.set_char(BLOCKS[(fill - 1) as usize]);
                    cell.set_style(style);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(points: &[Point], pick: Pick, width: u16, height: u16) -> Vec<String> {
        line_in(points, pick, width, height, 9_000)
    }

    fn line_in(points: &[Point], pick: Pick, width: u16, height: u16, end_ms: i64) -> Vec<String> {
        let window = RangeWindow {
            start_ms: 0,
            end_ms,
            step_ms: 1_000,
        };
        let style = |_: f64| Style::new();
        let s = Sparkline {
            points,
            window,
            y: (0.0, 1.0),
            pick,
            style: &style,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, width, height));
        s.render(buf.area, &mut buf);
        (0..height)
            .map(|y| {
                (0..width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn fractions_draw_as_fractions_and_gaps_as_blank() {
        let pts: Vec<Point> = vec![
            (0, 0.0),
            (1_000, 0.5),
            (2_000, 1.0),
            (6_000, 0.25),
            (9_000, 0.75),
        ];
        let out = line(&pts, Pick::Max, 10, 1);
        let chars: Vec<char> = out[0].chars().collect();
        assert_eq!(chars[0], '▁', "zero is the lowest block, not blank");
        assert_eq!(chars[1], '▄');
        assert_eq!(chars[2], '█');
        assert_eq!(&chars[3..6], &[' ', ' ', ' '], "missing points are a gap");
        assert_eq!(chars[6], '▂');
        assert_eq!(chars[9], '▆');
    }

    #[test]
    fn several_rows_stack_full_blocks() {
        let out = line_in(&[(0, 1.0), (1_000, 0.5)], Pick::Max, 2, 2, 1_000);
        assert_eq!(out, vec!["█ ".to_string(), "██".to_string()]);
    }

    #[test]
    fn wide_columns_hold_between_points_and_pick_extremes() {
        let window = RangeWindow {
            start_ms: 0,
            end_ms: 4_000,
            step_ms: 2_000,
        };
        let style = |_: f64| Style::new();
        let pts = [(0, 0.1), (2_000, 0.9), (4_000, 0.2)];
        let s = Sparkline {
            points: &pts,
            window,
            y: (0.0, 1.0),
            pick: Pick::Max,
            style: &style,
        };
        let cols = s.columns(8);
        assert!(cols.iter().all(Option::is_some), "{cols:?}");
        let narrow = s.columns(2);
        assert_eq!(narrow, vec![Some(0.9), Some(0.2)]);
        let s = Sparkline {
            pick: Pick::Min,
            ..s
        };
        assert_eq!(s.columns(2), vec![Some(0.1), Some(0.2)]);
    }
}

//! A braille line chart with a y axis in the panel's unit, time labels, threshold lines and an
//! optional value cursor. Several series share the plot; a gap in a series stays a gap.

use chrono::FixedOffset;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::braille::BrailleCanvas;
use super::format_time;
use crate::dashboards::model::Unit;
use crate::dashboards::plan::RangeWindow;
use crate::model::series::Point;

pub struct ChartSeries<'a> {
    pub points: &'a [Point],
    pub style: Style,
}

pub struct Chart<'a> {
    pub window: RangeWindow,
    pub series: Vec<ChartSeries<'a>>,
    /// The y range drawn, low to high.
    pub y: (f64, f64),
    pub unit: &'a Unit,
    /// Horizontal lines (thresholds) with their styles, drawn under the series.
    pub lines: Vec<(f64, Style)>,
    pub axis_style: Style,
    /// A vertical cursor at this time, drawn over everything.
    pub cursor: Option<(i64, Style)>,
    pub offset: FixedOffset,
    /// Label the right end "now" (the range is live).
    pub live: bool,
}

/// The three axis labels (high, low, middle): values with their unit, or all of them as bare
/// numbers when any would be too wide (the unit is in the legend and the title).
fn axis_labels(unit: &Unit, y: (f64, f64), max: usize) -> [String; 3] {
    let values = [y.1, y.0, (y.0 + y.1) / 2.0];
    let full = values.map(|v| unit.format(v, None));
    if full
        .iter()
        .all(|l| unicode_width::UnicodeWidthStr::width(l.as_str()) <= max)
    {
        return full;
    }
    full.map(|l| super::truncate(l.split(' ').next().unwrap_or(&l), max))
}

/// Columns the y-axis labels take for these bounds, in a plot `width` wide.
pub fn axis_width(unit: &Unit, y: (f64, f64), width: u16) -> u16 {
    let max = usize::from((width / 4).clamp(3, 10));
    let w = axis_labels(unit, y, max)
        .iter()
        .map(|l| unicode_width::UnicodeWidthStr::width(l.as_str()))
        .max()
        .unwrap_or(1);
    u16::try_from(w).unwrap_or(10) + 1
}

/// The y range for data spanning `lo..hi`: fixed bounds where given, otherwise the data
/// padded a little, and widened to include thresholds close to the data so their lines show.
pub fn y_range(
    data: Option<(f64, f64)>,
    fixed_min: Option<f64>,
    fixed_max: Option<f64>,
    thresholds: &[f64],
) -> (f64, f64) {
    let (mut lo, mut hi) = data.unwrap_or((0.0, 1.0));
    for &t in thresholds {
        // A threshold far above the data would flatten it; show it only when near.
        if t.is_finite() && t <= hi.max(0.0) * 1.5 + f64::EPSILON && t >= lo.min(0.0) {
            hi = hi.max(t);
            lo = lo.min(t);
        }
    }
    // Most metrics are counts, rates or durations: start at zero unless the data is negative
    // or sits far from zero.
    if fixed_min.is_none() && lo > 0.0 && lo < hi * 0.5 {
        lo = 0.0;
    }
    if (hi - lo).abs() < f64::EPSILON * hi.abs().max(1.0) {
        // A flat line: centre it.
        let pad = if hi == 0.0 { 1.0 } else { hi.abs() * 0.1 };
        lo -= pad;
        hi += pad;
        if data.is_some_and(|(l, _)| l >= 0.0) && lo < 0.0 {
            lo = 0.0;
        }
    } else if fixed_max.is_none() {
        hi += (hi - lo) * 0.05;
    }
    (
        fixed_min.unwrap_or(lo),
        fixed_max
            .unwrap_or(hi)
            .max(fixed_min.unwrap_or(lo) + f64::EPSILON),
    )
}

impl Chart<'_> {
    /// The time at plot column `col` of a plot `plot_width` cells wide, and back.
    pub fn time_at(window: &RangeWindow, plot_width: u16, col: u16) -> i64 {
        let span = (window.axis_end_ms() - window.start_ms).max(1);
        let cols = i64::from(plot_width.max(2) - 1);
        window.start_ms + span * i64::from(col.min(plot_width.saturating_sub(1))) / cols
    }

    /// The plot area inside `area` once the axes are placed.
    pub fn plot_area(&self, area: Rect) -> Rect {
        let axis = axis_width(self.unit, self.y, area.width).min(area.width / 3);
        let x_labels = u16::from(area.height >= 4);
        Rect {
            x: area.x + axis,
            y: area.y,
            width: area.width.saturating_sub(axis),
            height: area.height.saturating_sub(x_labels),
        }
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        if area.width < 4 || area.height < 1 {
            return;
        }
        let plot = self.plot_area(area);
        if plot.width == 0 || plot.height == 0 {
            return;
        }
        self.render_axes(area, plot, buf);
        let mut canvas = BrailleCanvas::new(plot.width, plot.height);
        let (pw, ph) = (i64::from(canvas.px_width()), i64::from(canvas.px_height()));
        let (lo, hi) = self.y;
        // The axis ends at the step boundary after the newest point, which is drawn at its
        // own time, short of the edge.
        let axis_end = self.window.axis_end_ms();
        let span_t = (axis_end - self.window.start_ms).max(1);
        let x_of = |t: i64| {
            ((t - self.window.start_ms) as f64 * (pw - 1) as f64 / span_t as f64).round() as i64
        };
        let y_of = |v: f64| {
            let f = ((hi - v) / (hi - lo)).clamp(0.0, 1.0);
            (f * (ph - 1) as f64).round() as i64
        };
        for (v, style) in &self.lines {
            if *v >= lo && *v <= hi {
                canvas.dashed_row(y_of(*v), *style);
            }
        }
        // A missing step is a gap; allow a little jitter in timestamps.
        let max_gap = self.window.step_ms.max(1) * 3 / 2;
        for s in &self.series {
            let mut prev: Option<(i64, i64, i64)> = None;
            for &(t, v) in s.points {
                if !v.is_finite() || t < self.window.start_ms || t > axis_end {
                    prev = None;
                    continue;
                }
                let (x, y) = (x_of(t), y_of(v));
                match prev {
                    Some((pt, px, py)) if t - pt <= max_gap => {
                        canvas.line((px, py), (x, y), s.style)
                    }
                    _ => canvas.dot(x, y, s.style),
                }
                prev = Some((t, x, y));
            }
        }
        canvas.render(plot, buf);
        if let Some((t, style)) = self.cursor {
            if t >= self.window.start_ms && t <= axis_end {
                let col = u16::try_from(x_of(t) / 2).unwrap_or(0).min(plot.width - 1);
                for y in plot.y..plot.y + plot.height {
                    if let Some(cell) = buf.cell_mut((plot.x + col, y)) {
                        if cell.symbol() == " " {
                            cell.set_char('│');
                        }
                        cell.set_style(style);
                    }
                }
            }
        }
    }

    fn render_axes(&self, area: Rect, plot: Rect, buf: &mut Buffer) {
        let axis_w = plot.x - area.x;
        let (lo, hi) = self.y;
        if axis_w > 1 {
            let [high, low, middle] = axis_labels(self.unit, (lo, hi), usize::from(axis_w - 1));
            let put = |buf: &mut Buffer, y: u16, text: &str| {
                let w = unicode_width::UnicodeWidthStr::width(text) as u16;
                let x = area.x + (axis_w - 1).saturating_sub(w);
                buf.set_stringn(x, y, text, usize::from(axis_w - 1), self.axis_style);
            };
            put(buf, plot.y, &high);
            if plot.height >= 2 {
                put(buf, plot.y + plot.height - 1, &low);
            }
            if plot.height >= 7 {
                put(buf, plot.y + plot.height / 2, &middle);
            }
        }
        if plot.y + plot.height < area.y + area.height {
            let y = plot.y + plot.height;
            let long = self.window.range_ms() > 86_400_000;
            let left = format_time(self.window.start_ms, self.offset, long);
            let right = if self.live {
                "now".to_string()
            } else {
                format_time(self.window.axis_end_ms(), self.offset, long)
            };
            buf.set_stringn(plot.x, y, &left, usize::from(plot.width), self.axis_style);
            let rw = right.chars().count() as u16;
            if plot.width > rw + left.chars().count() as u16 + 1 {
                buf.set_string(plot.x + plot.width - rw, y, &right, self.axis_style);
            }
            if plot.width > 40 {
                let mid_t = self.window.start_ms + self.window.range_ms() / 2;
                let mid = format_time(mid_t, self.offset, long);
                let mw = mid.chars().count() as u16;
                buf.set_string(plot.x + (plot.width - mw) / 2, y, &mid, self.axis_style);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(chart: &Chart, w: u16, h: u16) -> Vec<String> {
        let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
        chart.render(buf.area, &mut buf);
        (0..h)
            .map(|y| {
                (0..w)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
            })
            .collect()
    }

    fn window() -> RangeWindow {
        RangeWindow {
            start_ms: 0,
            end_ms: 9 * 60_000,
            step_ms: 60_000,
        }
    }

    #[test]
    fn gaps_are_not_joined_and_small_values_are_not_zero() {
        // 0.2 .. 0.4 with a missing minute in the middle.
        let pts: Vec<Point> = vec![
            (0, 0.2),
            (60_000, 0.3),
            (120_000, 0.4),
            (180_000, 0.3),
            // 240_000 missing
            (300_000, 0.2),
            (360_000, 0.3),
            (420_000, 0.4),
            (480_000, 0.3),
            (540_000, 0.2),
        ];
        let unit = Unit::Seconds;
        let chart = Chart {
            window: window(),
            series: vec![ChartSeries {
                points: &pts,
                style: Style::new(),
            }],
            y: (0.0, 0.5),
            unit: &unit,
            lines: vec![],
            axis_style: Style::new(),
            cursor: None,
            offset: FixedOffset::east_opt(0).unwrap(),
            live: true,
        };
        let lines = render(&chart, 30, 5);
        let plot = chart.plot_area(Rect::new(0, 0, 30, 5));
        // The data sits in the upper part: nothing on the bottom plot row (value 0).
        let bottom = &lines[usize::from(plot.height - 1)];
        assert!(
            bottom.chars().skip(usize::from(plot.x)).all(|c| c == ' '),
            "{lines:#?}"
        );
        // The gap: some column in the middle has no dots at all.
        let col_empty = |x: u16| {
            (0..plot.height).all(|y| lines[usize::from(y)].chars().nth(usize::from(x)) == Some(' '))
        };
        let gap_col = (plot.x..plot.x + plot.width)
            .filter(|&x| col_empty(x))
            .count();
        assert!(gap_col >= 1, "{lines:#?}");
        assert!(lines[4].trim_start().starts_with("00:00"), "{lines:#?}");
        assert!(lines[4].ends_with("now"));
    }

    #[test]
    fn the_newest_point_is_drawn_at_its_time_short_of_the_axis_end() {
        // Grid to 8 min, the newest point at 8 min 30 s, the axis to 9 min.
        let window = RangeWindow {
            start_ms: 0,
            end_ms: 8 * 60_000 + 30_000,
            step_ms: 60_000,
        };
        assert_eq!(window.axis_end_ms(), 9 * 60_000);
        let pts: Vec<Point> = (0..=8)
            .map(|m| (m * 60_000, 0.1))
            .chain([(510_000, 0.9)])
            .collect();
        let unit = Unit::Plain;
        let chart = Chart {
            window,
            series: vec![ChartSeries {
                points: &pts,
                style: Style::new(),
            }],
            y: (0.0, 1.0),
            unit: &unit,
            lines: vec![],
            axis_style: Style::new(),
            cursor: None,
            offset: FixedOffset::east_opt(0).unwrap(),
            live: true,
        };
        let (w, h) = (40, 5);
        let lines = render(&chart, w, h);
        let plot = chart.plot_area(Rect::new(0, 0, w, h));
        // The top row holds only the newest point (0.9): in the column of 8:30, not the last.
        let top: Vec<char> = lines[usize::from(plot.y)].chars().collect();
        let lit: Vec<u16> = (plot.x..plot.x + plot.width)
            .filter(|&x| top[usize::from(x)] != ' ')
            .collect();
        let px = 2 * i64::from(plot.width);
        let expected = u16::try_from((510_000 * (px - 1) / 540_000) / 2).unwrap() + plot.x;
        assert_eq!(lit, vec![expected], "{lines:#?}");
        assert!(expected < plot.x + plot.width - 1);
    }

    #[test]
    fn y_range_starts_at_zero_and_includes_near_thresholds() {
        assert_eq!(y_range(Some((2.0, 10.0)), None, None, &[]), (0.0, 10.5));
        let (lo, hi) = y_range(Some((0.1, 0.2)), None, None, &[0.25, 2.0]);
        assert_eq!(lo, 0.0);
        assert!((0.25..0.3).contains(&hi), "{hi}");
        assert_eq!(
            y_range(Some((40.0, 60.0)), Some(0.0), Some(100.0), &[80.0]),
            (0.0, 100.0)
        );
        let (lo, hi) = y_range(Some((5.0, 5.0)), None, None, &[]);
        assert!(lo < 5.0 && hi > 5.0);
        assert_eq!(y_range(Some((0.0, 0.0)), None, None, &[]), (0.0, 1.0));
        let (lo, hi) = y_range(Some((99.0, 99.9)), None, None, &[]);
        assert!(lo > 98.0 && hi > 99.9, "{lo} {hi}");
    }
}

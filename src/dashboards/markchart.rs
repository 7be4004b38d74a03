//! A text chart of several series that tells them apart: each series draws with its own
//! marker (`*`, `+`, `o`, ...) on a character grid, and the listed series carry the same
//! marker, so a pasted snapshot shows which line is which without colour. One series keeps
//! the finer braille chart.

use std::fmt::Write;

use super::plan::RangeWindow;

/// The markers, in series order; more series than markers are not drawn.
pub const MARKS: [char; 10] = ['*', '+', 'o', 'x', '#', '@', '%', '=', '~', '$'];

/// The marker of series `i`, for the lines that list the series.
pub fn mark(i: usize) -> Option<char> {
    MARKS.get(i).copied()
}

/// The chart's size and axes.
pub struct Frame {
    pub cols: usize,
    pub rows: usize,
    /// The values at the bottom and the top.
    pub range: (f64, f64),
    /// Those values formatted, shown right of the bottom and top rows.
    pub labels: (String, String),
    /// The start and end times, under the chart.
    pub times: (String, String),
}

/// Each series' values as its marker on a grid of `frame.rows` lines by `frame.cols` cells.
pub fn render(out: &mut String, series: &[&[(i64, f64)]], w: RangeWindow, frame: &Frame) {
    let Frame {
        cols,
        rows,
        range: (lo, hi),
        labels,
        times,
    } = frame;
    let (lo, hi) = (*lo, *hi);
    let rows = (*rows).max(2);
    let cols = (*cols).max(8);
    let mut grid = vec![vec![' '; cols]; rows];
    let span = (w.end_ms - w.start_ms).max(1) as f64;
    for (i, points) in series.iter().enumerate() {
        let Some(m) = mark(i) else { break };
        for &(t, v) in points.iter() {
            if !v.is_finite() || t < w.start_ms || t > w.end_ms {
                continue;
            }
            let c = (((t - w.start_ms) as f64 / span) * (cols - 1) as f64).round() as usize;
            let frac = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
            let r = ((1.0 - frac.clamp(0.0, 1.0)) * (rows - 1) as f64).round() as usize;
            grid[r.min(rows - 1)][c.min(cols - 1)] = m;
        }
    }
    for (r, line) in grid.iter().enumerate() {
        let text: String = line.iter().collect();
        let label = match r {
            0 => labels.1.as_str(),
            _ if r == rows - 1 => labels.0.as_str(),
            _ => "",
        };
        let _ = writeln!(out, "{}", format!("  |{text}| {label}").trim_end());
    }
    let gap = (cols + 2).saturating_sub(times.0.len() + times.1.len());
    let _ = writeln!(out, "  {}{}{}", times.0, " ".repeat(gap), times.1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_series_draws_with_its_own_marker() {
        let w = RangeWindow {
            start_ms: 0,
            end_ms: 9_000,
            step_ms: 1_000,
        };
        let low: Vec<(i64, f64)> = (0..10).map(|i| (i * 1000, 1.0)).collect();
        let high: Vec<(i64, f64)> = (0..10).map(|i| (i * 1000, 9.0)).collect();
        let mut out = String::new();
        let frame = Frame {
            cols: 10,
            rows: 5,
            range: (0.0, 10.0),
            labels: ("0".into(), "10".into()),
            times: ("00:00".into(), "00:09".into()),
        };
        render(&mut out, &[&low, &high], w, &frame);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].contains("++++++++++"), "{out}");
        assert!(
            lines[4].contains("**********") || lines[3].contains("**********"),
            "{out}"
        );
        assert!(lines[0].ends_with("10"));
        assert!(lines
            .last()
            .is_some_and(|l| l.contains("00:00") && l.contains("00:09")));
    }
}

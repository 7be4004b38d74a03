//! One dashboard panel: its frame (title, loading mark, linked alerts firing, min/max over the
//! range, stale mark) and its body, drawn according to its kind and its state: loading, no
//! data, error (Prometheus's own words), data, or stale data with the time of the failure.

use chrono::FixedOffset;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Widget};

use super::chart::{y_range, Chart, ChartSeries};
use super::sparkline::{Pick, Sparkline};
use super::{format_clock, truncate, width, wrap};
use crate::dashboards::model::{Direction, Level, Panel, PanelKind, Unit};
use crate::sanitize::one_line;
use crate::tui::state::{FetchError, PanelData, PanelState, PanelView, PlotSeries};
use crate::tui::theme::Theme;

pub struct PanelWidget<'a> {
    pub panel: &'a Panel,
    pub state: &'a PanelState,
    pub theme: &'a Theme,
    pub focused: bool,
    /// Linked alerts firing now.
    pub firing: Vec<&'a str>,
    pub offset: FixedOffset,
    /// The range ends now.
    pub live: bool,
    /// Full-screen: a value cursor at this time, and a legend table.
    pub cursor: Option<i64>,
    pub expanded: bool,
    /// The series the legend hides, and its selected row (full screen).
    pub legend: Option<&'a crate::tui::app::dashboard::Legend>,
}

impl PanelWidget<'_> {
    fn hidden(&self, s: &PlotSeries) -> bool {
        self.legend.is_some_and(|l| l.hidden.contains(&s.legend))
    }

    fn selected_row(&self) -> Option<usize> {
        self.legend.and_then(|l| l.selected)
    }

    fn value(&self, v: f64) -> String {
        self.panel.unit.format(v, self.panel.decimals)
    }

    fn level_of(&self, v: f64) -> Option<Level> {
        self.panel.thresholds.map(|t| t.level(v))
    }

    fn level_style(&self, v: f64) -> Style {
        match self.level_of(v) {
            Some(level) => self.theme.level(level),
            None => self.theme.text,
        }
    }

    fn pick(&self) -> Pick {
        match self.panel.thresholds {
            Some(t) if t.bad == Direction::Low => Pick::Min,
            _ => Pick::Max,
        }
    }

    fn threshold_values(&self) -> Vec<f64> {
        self.panel
            .thresholds
            .map(|t| t.warning.into_iter().chain(t.critical).collect())
            .unwrap_or_default()
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let view = self.state.view();
        if area.width < 6 || area.height < 3 {
            // Too small for a frame: just say what it is.
            let text = truncate(&one_line(&self.panel.title), usize::from(area.width));
            buf.set_string(area.x, area.y, text, self.title_style());
            return;
        }
        let block = self.block(&view, area.width);
        let inner = block.inner(area);
        block.render(area, buf);
        match view {
            PanelView::Idle => centred_text(inner, buf, "waiting for Prometheus", self.theme.muted),
            PanelView::Loading => centred_text(inner, buf, "loading…", self.theme.muted),
            PanelView::NoData(d) => self.render_no_data(inner, buf, d),
            PanelView::Error(at, e) => self.render_error(inner, buf, at, e),
            PanelView::Data(d) => self.render_data(inner, buf, d),
            PanelView::Stale(d, _, _) => {
                self.render_data(inner, buf, d);
                // Old data stays readable but visibly not current.
                buf.set_style(inner, Style::new().add_modifier(Modifier::DIM));
            }
        }
    }

    fn title_style(&self) -> Style {
        let base = self.theme.text.add_modifier(Modifier::BOLD);
        if self.focused {
            base.patch(self.theme.selection)
        } else {
            base
        }
    }

    fn block(&self, view: &PanelView, width: u16) -> Block<'static> {
        let stale = matches!(view, PanelView::Stale(..));
        let border_style = if self.focused {
            self.theme.border_focus
        } else if !self.firing.is_empty() {
            self.theme.critical
        } else if stale {
            self.theme.stale
        } else {
            self.theme.border
        };
        let mut title = vec![Span::styled(
            format!(" {} ", one_line(&self.panel.title)),
            self.title_style(),
        )];
        if self.state.loading {
            title.push(Span::styled("⟳ ", self.theme.accent));
        }
        for name in &self.firing {
            title.push(Span::styled(
                format!("▲ {} ", one_line(name)),
                self.theme.critical,
            ));
        }
        let title_spans = title.clone();
        let block = Block::new()
            .borders(Borders::ALL)
            .border_type(if self.focused {
                BorderType::Thick
            } else {
                BorderType::Plain
            })
            .border_style(border_style)
            .title(Line::from(title_spans));
        // The corner summary only where it does not cover the title.
        let title_w: usize = title.iter().map(|s| super::width(&s.content)).sum();
        let room = usize::from(width).saturating_sub(title_w + 3);
        let summary = self.summary(view).and_then(|full| {
            let fits = |spans: &Vec<Span>| {
                spans
                    .iter()
                    .map(|s| super::width(&s.content))
                    .sum::<usize>()
                    <= room
            };
            if fits(&full) {
                return Some(full);
            }
            // Just the maximum.
            let short: Vec<Span> = full.into_iter().skip(2).collect();
            fits(&short).then_some(short)
        });
        let mut block = block;
        if let Some(summary) = summary {
            block = block.title_top(Line::from(summary).right_aligned());
        }
        match view {
            PanelView::Stale(_, at, e) => {
                let text = format!(
                    " stale since {}: {} ",
                    format_clock(*at, self.offset),
                    e.short
                );
                block = block.title_bottom(Line::from(Span::styled(text, self.theme.stale)));
            }
            PanelView::Data(d) if !d.warnings.is_empty() => {
                let text = format!(" ⚠ {} ", one_line(&d.warnings[0]));
                block = block.title_bottom(Line::from(Span::styled(text, self.theme.warning)));
            }
            _ => {}
        }
        block
    }

    /// The top-right corner: min and max over the range, or up/down counts.
    fn summary(&self, view: &PanelView) -> Option<Vec<Span<'static>>> {
        let data = match view {
            PanelView::Data(d) | PanelView::Stale(d, _, _) => *d,
            _ => return None,
        };
        if self.panel.kind == PanelKind::StatusGrid {
            let states: Vec<Option<Level>> = data
                .series
                .iter()
                .map(|s| self.status_of(s, data))
                .collect();
            let up = states.iter().filter(|s| **s == Some(Level::Ok)).count();
            let style = if up == states.len() {
                self.theme.ok
            } else {
                self.theme.critical
            };
            return Some(vec![Span::styled(
                format!(" {up}/{} up ", states.len()),
                style,
            )]);
        }
        let (lo, hi) = data.min_max()?;
        Some(vec![
            Span::styled(" ↓", self.theme.muted),
            Span::styled(self.value(lo), self.theme.text),
            Span::styled(" ↑", self.theme.muted),
            Span::styled(format!("{} ", self.value(hi)), self.theme.text),
        ])
    }

    fn render_no_data(&self, area: Rect, buf: &mut Buffer, d: &PanelData) {
        let mut lines = vec![(
            "no data".to_string(),
            self.theme.muted.add_modifier(Modifier::BOLD),
        )];
        if area.height >= 3 {
            lines.push(("the query returned no series".into(), self.theme.muted));
        }
        // The query as sent, variables filled in: what to paste into Prometheus to check.
        if let Some(expr) = d.exprs.first() {
            for l in wrap(
                &one_line(expr),
                usize::from(area.width),
                usize::from(area.height.saturating_sub(3)),
            ) {
                lines.push((l, self.theme.muted));
            }
        }
        centred_lines(area, buf, &lines);
    }

    fn render_error(&self, area: Rect, buf: &mut Buffer, at: i64, e: &FetchError) {
        let mut lines = vec![(
            format!("✖ query failed at {}", format_clock(at, self.offset)),
            self.theme.critical,
        )];
        let room = usize::from(area.height.saturating_sub(1));
        for l in wrap(&e.short, usize::from(area.width.saturating_sub(2)), room) {
            lines.push((l, self.theme.text));
        }
        centred_lines(area, buf, &lines);
    }

    fn render_data(&self, area: Rect, buf: &mut Buffer, d: &PanelData) {
        match self.panel.kind {
            PanelKind::Chart => self.render_chart(area, buf, d),
            PanelKind::Sparkline => self.render_sparklines(area, buf, d),
            PanelKind::Stat => self.render_stat(area, buf, d),
            PanelKind::Gauge => self.render_gauge(area, buf, d),
            PanelKind::StatusGrid => self.render_status_grid(area, buf, d),
        }
    }

    fn render_chart(&self, area: Rect, buf: &mut Buffer, d: &PanelData) {
        let n = d.series.len();
        let table = (self.expanded || area.height >= 12 + n as u16) && n <= 8 && area.height >= 6;
        let legend_rows = if area.height < 4 {
            0
        } else if table {
            u16::try_from(n + 1).unwrap_or(1).min(area.height / 2)
        } else {
            1
        };
        let chart_area = Rect {
            height: area.height - legend_rows,
            ..area
        };
        let legend_area = Rect {
            y: area.y + chart_area.height,
            height: legend_rows,
            ..area
        };
        // Hidden series leave the chart and its scale, not the legend.
        let shown = d
            .series
            .iter()
            .filter(|s| !self.hidden(s))
            .filter_map(PlotSeries::min_max)
            .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
        let y = y_range(
            shown,
            self.panel.min,
            self.panel.max,
            &self.threshold_values(),
        );
        let mut lines = Vec::new();
        if let Some(t) = self.panel.thresholds {
            if let Some(w) = t.warning {
                lines.push((w, self.theme.warning));
            }
            if let Some(c) = t.critical {
                lines.push((c, self.theme.critical));
            }
        }
        let chart = Chart {
            window: d.window,
            series: d
                .series
                .iter()
                .enumerate()
                .filter(|(_, s)| !self.hidden(s))
                .map(|(i, s)| ChartSeries {
                    points: &s.points,
                    style: self.theme.series(i),
                })
                .collect(),
            y,
            unit: &self.panel.unit,
            lines,
            axis_style: self.theme.muted,
            cursor: self.cursor.map(|t| (t, self.theme.accent)),
            offset: self.offset,
            live: self.live,
        };
        chart.render(chart_area, buf);
        if table {
            self.legend_table(legend_area, buf, d);
        } else if legend_rows > 0 {
            self.legend_line(legend_area, buf, d);
        }
    }

    /// `━ P50 120 ms  ━ P95 450 ms ...` on one line, as many as fit.
    fn legend_line(&self, area: Rect, buf: &mut Buffer, d: &PanelData) {
        let mut spans: Vec<Span> = Vec::new();
        let mut used = 0usize;
        let max = usize::from(area.width);
        for (i, s) in d.series.iter().enumerate() {
            let (value, vstyle) = match self.value_at(s, d) {
                Some(v) => (self.value(v), self.level_style(v)),
                None => ("—".to_string(), self.theme.muted),
            };
            let mut legend = legend_cut(d, &s.legend, 24);
            let mut w = 2 + width(&legend) + 1 + width(&value) + 2;
            if i == 0 && w > max {
                // The first entry always shows, its name cut to fit.
                legend = legend_cut(d, &s.legend, max.saturating_sub(5 + width(&value)));
                w = 2 + width(&legend) + 1 + width(&value) + 2;
            }
            if used + w > max && i > 0 {
                let rest = d.series.len() - i;
                let more = format!("+{rest}");
                if used + more.len() <= max {
                    spans.push(Span::styled(more, self.theme.muted));
                }
                break;
            }
            spans.push(Span::styled("━ ", self.theme.series(i)));
            spans.push(Span::styled(format!("{legend} "), self.theme.text));
            spans.push(Span::styled(format!("{value}  "), vstyle));
            used += w;
        }
        buf.set_line(area.x, area.y, &Line::from(spans), area.width);
    }

    /// One row per series: legend, now (or at the cursor), min, max.
    fn legend_table(&self, area: Rect, buf: &mut Buffer, d: &PanelData) {
        let col = 12usize;
        let value_cols = if self.cursor.is_some() { 4 } else { 3 };
        let legend_w = usize::from(area.width)
            .saturating_sub(col * value_cols + 2)
            .max(4);
        let mut header = format!("  {:<legend_w$}", "");
        if let Some(t) = self.cursor {
            header.push_str(&format!(
                "{:>col$}",
                format!("@{}", format_clock(t, self.offset))
            ));
        }
        header.push_str(&format!("{:>col$}{:>col$}{:>col$}", "now", "min", "max"));
        buf.set_stringn(
            area.x,
            area.y,
            &header,
            usize::from(area.width),
            self.theme.muted,
        );
        for (i, s) in d
            .series
            .iter()
            .enumerate()
            .take(usize::from(area.height.saturating_sub(1)))
        {
            let y = area.y + 1 + i as u16;
            let (mark, name_style) = if self.hidden(s) {
                ("· ", self.theme.muted)
            } else {
                ("━ ", self.theme.text)
            };
            let name_style = if self.selected_row() == Some(i) {
                name_style.add_modifier(Modifier::REVERSED)
            } else {
                name_style
            };
            let mut spans = vec![
                Span::styled(mark, self.theme.series(i)),
                Span::styled(
                    format!("{:<legend_w$}", legend_cut(d, &s.legend, legend_w)),
                    name_style,
                ),
            ];
            let cell = |v: Option<f64>| match v {
                Some(v) => Span::styled(format!("{:>col$}", self.value(v)), self.level_style(v)),
                None => Span::styled(format!("{:>col$}", "—"), self.theme.muted),
            };
            if let Some(t) = self.cursor {
                spans.push(cell(value_near(s, t, d.window.step_ms)));
            }
            let mm = s.min_max();
            spans.push(cell(s.current(&d.window)));
            spans.push(cell(mm.map(|m| m.0)));
            spans.push(cell(mm.map(|m| m.1)));
            buf.set_line(area.x, y, &Line::from(spans), area.width);
        }
    }

    /// The value shown in legends: at the cursor in full-screen, else the current one.
    fn value_at(&self, s: &PlotSeries, d: &PanelData) -> Option<f64> {
        match self.cursor {
            Some(t) => value_near(s, t, d.window.step_ms),
            None => s.current(&d.window),
        }
    }

    fn render_sparklines(&self, area: Rect, buf: &mut Buffer, d: &PanelData) {
        let n = d.series.len().max(1);
        let shown = n.min(usize::from(area.height));
        let overflow = n > shown;
        let rows_each = (area.height / shown as u16).max(1);
        // With room, a blank row above each sparkline keeps neighbours apart.
        let spark_rows = if rows_each >= 2 { rows_each - 1 } else { 1 };
        let values: Vec<(String, Style)> = d
            .series
            .iter()
            .map(|s| match self.value_at(s, d) {
                Some(v) => (self.value(v), self.level_style(v)),
                None => ("—".into(), self.theme.muted),
            })
            .collect();
        let value_w = values
            .iter()
            .map(|(t, _)| width(t))
            .max()
            .unwrap_or(1)
            .clamp(1, 12)
            .min(usize::from(area.width / 3)) as u16;
        let legend_w = d
            .series
            .iter()
            .map(|s| width(&s.legend))
            .max()
            .unwrap_or(0)
            .min(usize::from(area.width.saturating_sub(value_w)) / 3)
            .min(24) as u16;
        let y = y_range(d.min_max(), self.panel.min, self.panel.max, &[]);
        let style = |v: f64| self.level_style(v);
        for (i, s) in d
            .series
            .iter()
            .enumerate()
            .take(if overflow { shown - 1 } else { shown })
        {
            let top = area.y + i as u16 * rows_each + (rows_each - spark_rows);
            let row = Rect {
                x: area.x,
                y: top,
                width: area.width,
                height: spark_rows,
            };
            let label_y = row.y + spark_rows - 1;
            let legend = legend_cut(d, &s.legend, usize::from(legend_w));
            buf.set_string(row.x, label_y, &legend, self.theme.series(i));
            let gap = u16::from(legend_w > 0);
            let spark = Rect {
                x: row.x + legend_w + gap,
                width: row.width.saturating_sub(legend_w + gap + value_w + 1),
                ..row
            };
            let series_style = self.theme.series(i);
            let colour = |v: f64| match self.level_of(v) {
                Some(Level::Ok) | None => series_style,
                Some(_) => style(v),
            };
            Sparkline {
                points: &s.points,
                window: d.window,
                y,
                pick: self.pick(),
                style: &colour,
            }
            .render(spark, buf);
            let (text, vstyle) = &values[i];
            let text = truncate(text, usize::from(value_w));
            let x = row.x + row.width - width(&text) as u16;
            buf.set_string(x, label_y, &text, vstyle.add_modifier(Modifier::BOLD));
        }
        if overflow {
            let text = format!("+{} more", n - shown + 1);
            buf.set_string(area.x, area.y + area.height - 1, text, self.theme.muted);
        }
    }

    fn render_stat(&self, area: Rect, buf: &mut Buffer, d: &PanelData) {
        if d.series.len() > 1 {
            return self.render_value_rows(area, buf, d);
        }
        let Some(s) = d.series.first() else { return };
        let (text, style) = match self.value_at(s, d) {
            Some(v) => (self.value(v), self.level_style(v)),
            None => ("—".to_string(), self.theme.muted),
        };
        let style = style.add_modifier(Modifier::BOLD);
        let text = truncate(&text, usize::from(area.width));
        let x = area.x + (area.width - width(&text) as u16) / 2;
        if area.height < 3 {
            buf.set_string(x, area.y + (area.height - 1) / 2, &text, style);
            return;
        }
        buf.set_string(x, area.y, &text, style);
        let spark = Rect {
            y: area.y + 1,
            height: area.height - 1,
            ..area
        };
        let y = y_range(d.min_max(), self.panel.min, self.panel.max, &[]);
        let muted = self.theme.muted;
        let colour = |v: f64| match self.level_of(v) {
            Some(Level::Ok) | None => muted,
            Some(level) => self.theme.level(level),
        };
        Sparkline {
            points: &s.points,
            window: d.window,
            y,
            pick: self.pick(),
            style: &colour,
        }
        .render(spark, buf);
    }

    /// `legend ........ value` per series, for stats of several series.
    fn render_value_rows(&self, area: Rect, buf: &mut Buffer, d: &PanelData) {
        for (i, s) in d.series.iter().enumerate().take(usize::from(area.height)) {
            let y = area.y + i as u16;
            let (text, style) = match self.value_at(s, d) {
                Some(v) => (self.value(v), self.level_style(v)),
                None => ("—".to_string(), self.theme.muted),
            };
            let vw = width(&text).min(usize::from(area.width));
            let lw = usize::from(area.width).saturating_sub(vw + 1);
            buf.set_string(
                area.x,
                y,
                legend_cut(d, &s.legend, lw),
                self.theme.series(i),
            );
            buf.set_string(
                area.x + area.width - vw as u16,
                y,
                truncate(&text, vw),
                style.add_modifier(Modifier::BOLD),
            );
        }
    }

    fn gauge_range(&self, d: &PanelData) -> (f64, f64) {
        let lo = self.panel.min.unwrap_or(0.0);
        let hi = self.panel.max.unwrap_or_else(|| match self.panel.unit {
            Unit::Percent => 100.0,
            Unit::Ratio => 1.0,
            _ => {
                let data_hi = d.min_max().map(|m| m.1).unwrap_or(1.0);
                let t_hi = self.threshold_values().into_iter().fold(data_hi, f64::max);
                t_hi * 1.1
            }
        });
        (lo, if hi > lo { hi } else { lo + 1.0 })
    }

    fn render_gauge(&self, area: Rect, buf: &mut Buffer, d: &PanelData) {
        const PARTIAL: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
        let (lo, hi) = self.gauge_range(d);
        let n = d.series.len().max(1);
        let rows_each = (area.height / n as u16).max(1);
        let legend_w = if n > 1 {
            d.series
                .iter()
                .map(|s| width(&s.legend))
                .max()
                .unwrap_or(0)
                .min(usize::from(area.width / 4)) as u16
        } else {
            0
        };
        for (i, s) in d.series.iter().enumerate().take(usize::from(area.height)) {
            let y = area.y + i as u16 * rows_each + (rows_each - 1) / 2;
            if legend_w > 0 {
                buf.set_string(
                    area.x,
                    y,
                    legend_cut(d, &s.legend, usize::from(legend_w)),
                    self.theme.series(i),
                );
            }
            let v = self.value_at(s, d);
            let (text, style) = match v {
                Some(v) => (self.value(v), self.level_style(v)),
                None => ("—".to_string(), self.theme.muted),
            };
            let text = truncate(&text, usize::from(area.width.saturating_sub(1)));
            let vw = width(&text) as u16 + 1;
            let bar_x = area.x + legend_w + u16::from(legend_w > 0);
            let bar_w = area
                .width
                .saturating_sub(legend_w + u16::from(legend_w > 0) + vw);
            let eighths = v
                .map(|v| {
                    (((v - lo) / (hi - lo)).clamp(0.0, 1.0) * f64::from(bar_w) * 8.0).round() as u32
                })
                .unwrap_or(0);
            for c in 0..bar_w {
                let filled = eighths.saturating_sub(u32::from(c) * 8).min(8);
                let (ch, st) = match filled {
                    8 => ('█', style),
                    0 => ('·', self.theme.muted),
                    f => (PARTIAL[f as usize], style),
                };
                if let Some(cell) = buf.cell_mut((bar_x + c, y)) {
                    cell.set_char(ch);
                    cell.set_style(st);
                }
            }
            // Threshold ticks on the bar.
            for t in self.threshold_values() {
                if t > lo && t < hi && bar_w > 0 {
                    let c = ((t - lo) / (hi - lo) * f64::from(bar_w)).floor() as u16;
                    if let Some(cell) = buf.cell_mut((bar_x + c.min(bar_w - 1), y)) {
                        if cell.symbol() == "·" {
                            cell.set_char('┊');
                            cell.set_style(
                                self.theme.level(self.level_of(t).unwrap_or(Level::Warning)),
                            );
                        }
                    }
                }
            }
            buf.set_string(
                (area.x + area.width + 1).saturating_sub(vw),
                y,
                &text,
                style.add_modifier(Modifier::BOLD),
            );
        }
    }

    /// Up (ok), down, or unknown (no recent sample) for a status-grid series.
    fn status_of(&self, s: &PlotSeries, d: &PanelData) -> Option<Level> {
        let v = self.value_at(s, d)?;
        Some(match self.panel.thresholds {
            Some(t) => t.level(v),
            None if v >= 1.0 => Level::Ok,
            None => Level::Critical,
        })
    }

    fn render_status_grid(&self, area: Rect, buf: &mut Buffer, d: &PanelData) {
        let mut cells: Vec<(Option<Level>, &PlotSeries)> =
            d.series.iter().map(|s| (self.status_of(s, d), s)).collect();
        // Down first: that is what the on-call engineer looks for.
        let rank = |l: &Option<Level>| match l {
            Some(Level::Critical) => 0,
            Some(Level::Warning) => 1,
            None => 2,
            Some(Level::Ok) => 3,
        };
        cells.sort_by(|a, b| {
            rank(&a.0)
                .cmp(&rank(&b.0))
                .then_with(|| a.1.legend.cmp(&b.1.legend))
        });
        let longest = cells
            .iter()
            .map(|(_, s)| width(&s.legend))
            .max()
            .unwrap_or(1);
        let cell_w = (longest + 4).clamp(6, usize::from(area.width).max(6));
        let per_row = (usize::from(area.width) / cell_w).max(1);
        let capacity = per_row * usize::from(area.height);
        let overflow = cells.len() > capacity;
        let shown = if overflow {
            capacity.saturating_sub(1)
        } else {
            cells.len()
        };
        for (i, (level, s)) in cells.iter().take(shown).enumerate() {
            let x = area.x + ((i % per_row) * cell_w) as u16;
            let y = area.y + (i / per_row) as u16;
            let (mark, style) = match level {
                Some(Level::Ok) => ("●", self.theme.ok),
                Some(Level::Warning) => ("◐", self.theme.warning),
                Some(Level::Critical) => ("✖", self.theme.critical),
                None => ("?", self.theme.muted),
            };
            let text = format!(
                "{mark} {}",
                legend_cut(d, &s.legend, cell_w.saturating_sub(3))
            );
            let style = if *level == Some(Level::Critical) {
                style.add_modifier(Modifier::BOLD)
            } else {
                style
            };
            buf.set_stringn(
                x,
                y,
                text,
                cell_w.min(usize::from(area.x + area.width - x)),
                style,
            );
        }
        if overflow {
            let hidden = &cells[shown..];
            let down = hidden
                .iter()
                .filter(|(l, _)| *l == Some(Level::Critical))
                .count();
            let text = if down > 0 {
                format!("+{} ({down} down)", hidden.len())
            } else {
                format!("+{}", hidden.len())
            };
            let i = shown;
            let x = area.x + ((i % per_row) * cell_w) as u16;
            let y = area.y + (i / per_row) as u16;
            buf.set_stringn(
                x,
                y,
                text,
                usize::from(area.x + area.width - x),
                self.theme.muted,
            );
        }
    }
}

/// The value of `s` at time `t`: the point within half a step, else `None` (a gap).
/// A series' legend in `max` cells, keeping what tells it apart from the panel's other
/// series (`…de-17`, not `node-…`).
fn legend_cut(d: &PanelData, legend: &str, max: usize) -> String {
    if width(legend) <= max {
        return legend.to_string();
    }
    let all: Vec<&str> = d.series.iter().map(|s| s.legend.as_str()).collect();
    crate::text::shorten_among(legend, &all, max)
}

pub fn value_near(s: &PlotSeries, t: i64, step_ms: i64) -> Option<f64> {
    let i = s.points.partition_point(|p| p.0 < t);
    let candidates = [i.checked_sub(1), Some(i)];
    candidates
        .into_iter()
        .flatten()
        .filter_map(|j| s.points.get(j))
        .filter(|p| (p.0 - t).abs() <= step_ms / 2)
        .min_by_key(|p| (p.0 - t).abs())
        .map(|p| p.1)
}

fn centred_text(area: Rect, buf: &mut Buffer, text: &str, style: Style) {
    centred_lines(area, buf, &[(text.to_string(), style)]);
}

fn centred_lines(area: Rect, buf: &mut Buffer, lines: &[(String, Style)]) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let n = lines.len().min(usize::from(area.height));
    let top = area.y + (area.height - n as u16) / 2;
    for (i, (text, style)) in lines.iter().take(n).enumerate() {
        let text = truncate(text, usize::from(area.width));
        let x = area.x + (area.width - width(&text) as u16) / 2;
        buf.set_string(x, top + i as u16, text, *style);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn every_kind_and_state_draws_at_every_small_size_without_panicking() {
        use crate::dashboards::model::{GridPos, PanelQuery, Thresholds};
        use crate::dashboards::plan::RangeWindow;
        use crate::tui::state::FetchError;
        use crate::tui::theme::Theme;
        let theme = Theme::fallback();
        let window = RangeWindow {
            start_ms: 0,
            end_ms: 600_000,
            step_ms: 60_000,
        };
        let series = |n: usize| PlotSeries {
            query: 0,
            labels: BTreeMap::new(),
            legend: format!("série-{n} 日本語 a very long legend that will not fit anywhere"),
            points: (0..=10)
                .filter(|i| *i != 5)
                .map(|i| (i * 60_000, (i as f64 - 3.0) * 1e-3 * n as f64))
                .collect(),
        };
        let data = PanelData {
            window,
            exprs: vec!["up".into()],
            series: (0..7).map(series).collect(),
            warnings: vec!["partial response".into()],
            at_ms: 0,
        };
        let states = [
            PanelState::default(),
            PanelState {
                loading: true,
                ..PanelState::default()
            },
            PanelState {
                data: Some(data.clone()),
                ..PanelState::default()
            },
            PanelState {
                data: Some(PanelData {
                    series: vec![],
                    ..data.clone()
                }),
                ..PanelState::default()
            },
            PanelState {
                error: Some((
                    0,
                    FetchError::other("a rather long error message from Prometheus"),
                )),
                ..PanelState::default()
            },
            PanelState {
                data: Some(data),
                error: Some((0, FetchError::other("down"))),
                loading: true,
                generation: 1,
            },
        ];
        for kind in PanelKind::ALL {
            for unit in [
                Unit::Percent,
                Unit::Ratio,
                Unit::Seconds,
                Unit::Bytes,
                Unit::Currency("TRY".into()),
            ] {
                let panel = Panel {
                    title: "A title that is quite long for a panel".into(),
                    kind,
                    unit,
                    decimals: None,
                    thresholds: Some(Thresholds {
                        warning: Some(0.001),
                        critical: Some(0.004),
                        bad: Direction::High,
                    }),
                    min: None,
                    max: None,
                    queries: vec![PanelQuery {
                        expr: "up".into(),
                        legend: None,
                    }],
                    alerts: vec!["SomeAlert".into()],
                    grid: GridPos::default(),
                    description: None,
                };
                for state in &states {
                    for w in 0..34u16 {
                        for h in 0..12u16 {
                            let widget = PanelWidget {
                                panel: &panel,
                                state,
                                theme: &theme,
                                focused: w % 2 == 0,
                                firing: vec!["SomeAlert"],
                                offset: chrono::Offset::fix(&chrono::Utc),
                                live: true,
                                cursor: (h % 3 == 0).then_some(120_000),
                                expanded: h % 2 == 0,
                                legend: None,
                            };
                            let mut buf = Buffer::empty(Rect::new(3, 2, w, h));
                            widget.render(buf.area, &mut buf);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn sparkline_rows_keep_the_part_of_a_legend_that_differs() {
        use crate::dashboards::model::{GridPos, PanelQuery};
        use crate::dashboards::plan::RangeWindow;
        use crate::tui::theme::Theme;
        let theme = Theme::fallback();
        let window = RangeWindow {
            start_ms: 0,
            end_ms: 600_000,
            step_ms: 60_000,
        };
        let series = |n: usize| PlotSeries {
            query: 0,
            labels: BTreeMap::new(),
            legend: format!("ip-10-0-1-{n}.eu-west-1.compute.internal:9100"),
            points: (0..=10).map(|i| (i * 60_000, i as f64)).collect(),
        };
        let state = PanelState {
            data: Some(PanelData {
                window,
                exprs: vec!["up".into()],
                series: (17..21).map(series).collect(),
                warnings: vec![],
                at_ms: 0,
            }),
            ..PanelState::default()
        };
        let panel = Panel {
            title: "Disk Usage".into(),
            kind: PanelKind::Sparkline,
            unit: Unit::Percent,
            decimals: None,
            thresholds: None,
            min: None,
            max: None,
            queries: vec![PanelQuery {
                expr: "up".into(),
                legend: None,
            }],
            alerts: vec![],
            grid: GridPos::default(),
            description: None,
        };
        let widget = PanelWidget {
            panel: &panel,
            state: &state,
            theme: &theme,
            focused: false,
            firing: vec![],
            offset: chrono::Offset::fix(&chrono::Utc),
            live: true,
            cursor: None,
            expanded: false,
            legend: None,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 10));
        widget.render(buf.area, &mut buf);
        let text: String = buf.content().iter().map(|c| c.symbol()).collect();
        for n in 17..21 {
            assert!(
                text.contains(&format!("-{n}")),
                "row {n} is told apart:\n{text}"
            );
        }
    }

    #[test]
    fn value_near_finds_the_point_or_a_gap() {
        let s = PlotSeries {
            query: 0,
            labels: BTreeMap::new(),
            legend: "x".into(),
            points: vec![(0, 1.0), (60_000, 2.0), (180_000, 4.0)],
        };
        assert_eq!(value_near(&s, 55_000, 60_000), Some(2.0));
        assert_eq!(value_near(&s, 120_000, 60_000), None);
        assert_eq!(value_near(&s, 170_000, 60_000), Some(4.0));
        assert_eq!(value_near(&s, -100_000, 60_000), None);
    }
}

//! A panel's answers as series: the step grid and the newest point of one query come back as
//! separate range answers (`plan::RangeWindow::spans_from`); a series' newest point joins its
//! grid points (same query, same labels). The terminal UI and `oncall snapshot` both read
//! panels through this.

use std::collections::BTreeMap;

use super::model::{series_legend, Panel};
use crate::model::series::{Point, Series};

/// One series of a panel, its points sorted by time.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelSeries {
    /// Which of the panel's queries it came from.
    pub query: usize,
    pub labels: BTreeMap<String, String>,
    /// The legend, from the query's template or the labels.
    pub legend: String,
    pub points: Vec<Point>,
}

/// The answers of a panel's range queries, answer `i` for panel query `i % queries` (span by
/// span, as `range_queries` asks), merged into one series per query and label set.
pub fn merge_spans(panel: &Panel, per_query: Vec<Vec<Series>>) -> Vec<PanelSeries> {
    let per_panel_query = panel.queries.len().max(1);
    let mut merged: Vec<PanelSeries> = Vec::new();
    for (i, series) in per_query.into_iter().enumerate() {
        let q = i % per_panel_query;
        for Series { labels, points } in series {
            match merged
                .iter_mut()
                .find(|s| s.query == q && s.labels == labels)
            {
                Some(s) => s.points.extend(points),
                None => {
                    let legend = panel
                        .queries
                        .get(q)
                        .map(|pq| series_legend(pq, &labels))
                        .unwrap_or_default();
                    merged.push(PanelSeries {
                        query: q,
                        labels,
                        legend,
                        points,
                    });
                }
            }
        }
    }
    for s in &mut merged {
        s.points.sort_by_key(|p| p.0);
    }
    merged
}

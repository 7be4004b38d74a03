//! Time series as the dashboards hold them.

use std::collections::BTreeMap;

/// One sample: time in Unix milliseconds, and the value. A gap is a missing timestamp,
/// never a zero.
pub type Point = (i64, f64);

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub points: Vec<Point>,
}

impl Series {
    pub fn last(&self) -> Option<Point> {
        self.points.last().copied()
    }
}

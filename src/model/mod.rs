//! The types every part shares: alerts, silences, matchers, incidents, series.

pub mod series;

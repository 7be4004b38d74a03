//! Dashboards as data: TOML files (seven embedded, more in the config dir) become typed
//! `Dashboard`s; units format values; `plan` turns a panel's width and range into a range
//! query; `grafana` imports Grafana JSON.

pub mod explore;
pub mod file;
pub mod grafana;
pub mod grafana_units;
pub mod markchart;
pub mod merge;
pub mod model;
pub mod plan;
pub mod textplot;
pub mod units;

pub use file::{
    load_all, load_embedded, load_file, parse_dashboard, to_toml, DashboardError, DashboardWarning,
    Loaded,
};
pub use model::*;
pub use plan::{plan_range, tail_from, PlanOptions, RangeWindow, VarValue};

use std::path::{Path, PathBuf};

/// The folder of user dashboards: `dashboards/` next to the config file that was read (or
/// would be read by default).
pub fn user_dir(config_file: Option<&Path>) -> Option<PathBuf> {
    let file = match config_file {
        Some(f) => f.to_path_buf(),
        None => crate::config::default_config_path()?,
    };
    Some(file.parent()?.join("dashboards"))
}

/// Most bytes one panel query may answer: far more than a panel can draw (a few hundred
/// series of a few hundred points), far less than the 64 MiB an Alertmanager list may need.
/// A 50 MB answer is refused before it is decoded, so it never costs its size in memory.
pub const PANEL_MAX_BODY: usize = 8 * 1024 * 1024;

/// Most series of one panel query kept for drawing; the panel says how many it had.
pub const PANEL_MAX_SERIES: usize = 50;

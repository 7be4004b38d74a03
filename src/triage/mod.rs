//! Triage logic shared by the command line and the terminal UI, with no IO and no drawing:
//! ordering alerts, filtering and grouping the alert list, and checking silences.

pub mod alert_list;
pub mod alert_rows;
/// Alertmanager's group key and PagerDuty dedup key, with the model they compute from.
pub use oncall_sources::model::group_key;
pub mod incident_match;
pub mod series;
pub mod severity;
pub mod silence_checks;
pub mod silence_form;
pub mod silence_inventory;
pub mod sort;
pub mod targets;

pub use severity::{compare_for_people, severity_rank, sort_for_people};
pub use silence_checks::{broad_silence_warnings, read_back_differences};

//! The types every part shares: alerts, silences, matchers, incidents, series. No IO here.

pub mod alert;
pub mod alert_row;
pub mod group_key;
pub mod incident;
pub mod matcher;
pub mod route;
pub mod series;
pub mod silence;

pub use alert::{Alert, AlertGroup, AlertState, PostableAlert};
pub use incident::{Incident, IncidentStatus, LogEntry, Note, OnCall, PdAlert, Urgency, User};
pub use matcher::{parse_matchers, MatchOp, Matcher, MatcherError};
pub use series::{Point, Series};
pub use silence::{PostableSilence, Silence, SilenceState};

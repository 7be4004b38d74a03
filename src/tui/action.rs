//! Everything that can happen to the app (`Action`) and everything it can ask the runtime to
//! do (`Effect`). Results of effects come back as actions carrying the id and generation they
//! were made for, so late answers to old requests are recognised and dropped.

use crossterm::event::KeyEvent;

use super::command::Command;
use super::state::{FetchError, PanelFetch};
use crate::model::alert::Alert;
use crate::model::incident::Incident;
use crate::model::silence::{PostableSilence, Silence};
use crate::sources::prometheus::{PromAlert, RangeQuery};

/// A panel: its dashboard's position in the app and its position in the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PanelKey {
    pub dashboard: usize,
    pub panel: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Key(KeyEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// Once a second: the clock, refresh timers, relative ages.
    Tick,
    /// A command not from a key (tests, the command line).
    Command(Command),
    PanelData {
        key: PanelKey,
        generation: u64,
        result: Result<PanelFetch, FetchError>,
    },
    /// One Alertmanager's alerts (`source` is its position in the config).
    Alerts {
        source: usize,
        generation: u64,
        result: Result<Vec<Alert>, FetchError>,
    },
    /// Prometheus's alerts (`/api/v1/alerts`), fetched with Alertmanager's for their pending
    /// ones.
    PendingAlerts {
        generation: u64,
        result: Result<Vec<PromAlert>, FetchError>,
    },
    /// One Alertmanager's silences (fetched with its alerts).
    Silences {
        source: usize,
        generation: u64,
        result: Result<Vec<Silence>, FetchError>,
    },
    /// Open PagerDuty incidents.
    Incidents {
        generation: u64,
        result: Result<Vec<Incident>, FetchError>,
    },
    /// Who is on call now (PagerDuty `/oncalls`, earliest per level), fetched with incidents.
    OnCalls {
        generation: u64,
        result: Result<Vec<crate::model::OnCall>, FetchError>,
    },
    /// The PagerDuty user the token belongs to, for "mine".
    Me {
        generation: u64,
        result: Result<crate::model::User, FetchError>,
    },
    /// Values for a dashboard's template variable picker.
    LabelValues {
        dashboard: usize,
        variable: usize,
        result: Result<Vec<String>, FetchError>,
    },
    /// The answer to a write (`Effect::Write` with the same id).
    Written {
        id: u64,
        result: Result<Written, String>,
        /// Set when the change was made but could not be added to the incident log.
        journal_error: Option<String>,
    },
    /// The runtime switched to another context (or failed to).
    ContextSwitched(Result<ContextInfo, String>),
}

/// What the header needs to know about a context's backends.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContextInfo {
    pub name: String,
    pub prometheus: bool,
    /// A short name per Alertmanager (its host).
    pub alertmanagers: Vec<String>,
    pub pagerduty: bool,
    /// Backends whose TLS verification is switched off.
    pub insecure: Vec<String>,
}

/// A range query request for one panel.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelRequest {
    pub key: PanelKey,
    pub generation: u64,
    /// The panel's full window; the queries may ask for only its tail.
    pub window: crate::dashboards::plan::RangeWindow,
    pub tail_from_ms: Option<i64>,
    /// One per panel query, already expanded.
    pub queries: Vec<RangeQuery>,
}

/// A change to Alertmanager or PagerDuty. It carries the IDs and bodies captured when the user
/// started it, never "the selected row".
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// POST once per HA cluster, then read it back and compare.
    CreateSilence(PostableSilence),
    /// Update silence `id` (extend, edit) on the member that holds it; Alertmanager may answer
    /// with a new ID, which replaces the old one.
    ReplaceSilence(PostableSilence),
    ExpireSilence(String),
    /// One bulk PUT with the `From` header.
    AckIncidents(Vec<String>),
    ResolveIncidents(Vec<String>),
}

/// What a write did.
#[derive(Debug, Clone, PartialEq)]
pub enum Written {
    /// The silences as read back, one per cluster.
    SilencesCreated(Vec<Silence>),
    /// The silence as read back under the ID Alertmanager answered (new if it replaced it).
    SilenceReplaced {
        old: String,
        new: Silence,
    },
    SilenceExpired(String),
    /// A PagerDuty bulk change: the verb ("acknowledged", "resolved") and what it did.
    Incidents {
        verb: &'static str,
        outcome: crate::sources::pagerduty::BulkOutcome,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Confirmed (or an ack): send it. The answer comes back as `Action::Written { id }`.
    Write {
        id: u64,
        write: Write,
    },
    FetchPanel(PanelRequest),
    /// Abort the in-flight queries of a dashboard (range changed, dashboard left).
    CancelDashboard(usize),
    /// Ask every Alertmanager for its alerts and silences, and Prometheus for its pending
    /// alerts.
    FetchAlerts {
        generation: u64,
    },
    /// Ask PagerDuty for the open incidents and who is on call.
    FetchIncidents {
        generation: u64,
    },
    FetchLabelValues {
        dashboard: usize,
        variable: usize,
        label: String,
        selector: Option<String>,
        start_ms: i64,
        end_ms: i64,
    },
    SwitchContext(String),
    /// Put this text on the clipboard with OSC 52 (only when `[ui] osc52 = true`). The text
    /// is sanitized again before it is written.
    Copy(String),
    Quit,
}

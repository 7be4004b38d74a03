//! Everything that can happen to the app (`Action`) and everything it can ask the runtime to
//! do (`Effect`). Results of effects come back as actions carrying the id and generation they
//! were made for, so late answers to old requests are recognised and dropped.

use crossterm::event::KeyEvent;

use super::command::Command;
use super::state::{FetchError, PanelFetch};
use crate::model::alert::Alert;
use crate::model::incident::Incident;
use crate::model::silence::Silence;
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
    /// One Alertmanager's alerts (`source` is its position in the config). Shared: an alert
    /// unchanged since the last answer is the `Arc` already held, not a second copy.
    Alerts {
        source: usize,
        generation: u64,
        result: Result<Vec<std::sync::Arc<Alert>>, FetchError>,
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
    /// Alertmanager's route tree (`Effect::FetchRouteTree` with the same generation).
    RouteTree {
        generation: u64,
        result: Result<crate::model::route::RouteTree, String>,
    },
    /// The alerts of the incidents asked for by `Effect::FetchIncidentAlerts { id }`, as
    /// `(incident ID, its alerts)`.
    IncidentAlerts {
        id: u64,
        result: Result<Vec<(String, Vec<crate::model::PdAlert>)>, String>,
    },
    /// An incident's notes, timeline and alerts for the detail pane
    /// (`Effect::FetchIncidentDetail`).
    IncidentDetail {
        incident: String,
        detail: crate::tui::app::incident_detail::Fetched,
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
        result: Result<Written, WriteError>,
        /// Set when the change was made but could not be added to the incident log.
        journal_error: Option<String>,
    },
    /// An effect the runtime carried out itself failed (e.g. writing to the terminal): the
    /// sentence for the status line.
    EffectFailed(String),
    /// News of write `id` while it is under way ("no answer: outcome unknown, checking…").
    WriteProgress {
        id: u64,
        text: String,
    },
    /// The runtime switched to another context (or failed to).
    ContextSwitched(Result<ContextInfo, String>),
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    /// What the program in the embedded pane did.
    Pane(PaneEvent),
    /// The answer to `Effect::LoadRunbook` with the same generation.
    RunbookLoaded {
        generation: u64,
        result: Result<crate::runbooks::Loaded, crate::runbooks::LoadError>,
    },
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
    /// Already expanded: one per panel query for the grid, then one per panel query for the
    /// newest point when it is fetched apart (`dashboard::range_queries`).
    pub queries: Vec<RangeQuery>,
}

pub use crate::writes::{Write, WriteError, Written};

/// News from the embedded pane's host. `id` names the session it is about, so news of a
/// closed one is recognised and dropped.
#[derive(Debug, Clone, PartialEq)]
pub enum PaneEvent {
    /// A program started in the pane.
    Started {
        id: u64,
        /// Its screen, for drawing (and the key encoder's modes).
        screen: crate::pty::ScreenHandle,
        /// What the frame says runs.
        title: String,
        /// The argv as the confirmation showed it.
        argv: String,
        /// The `!` shell rather than a runbook step.
        shell: bool,
        /// The size it was started with (rows, cols).
        size: (u16, u16),
    },
    /// It wrote something: draw again.
    Output { id: u64 },
    /// It ended. `journal_error` is set when a step's end could not be logged.
    Exited {
        id: u64,
        exit: crate::pty::Exit,
        journal_error: Option<String>,
    },
    /// Nothing was started: a program is still running in the pane.
    Busy,
    /// Nothing was started, or input or a resize failed: the sentence for the status line.
    Failed(String),
}

/// What to run in the embedded terminal pane.
#[derive(Debug, Clone, PartialEq)]
pub enum PaneRequest {
    /// A runbook step the user confirmed, exactly as the confirmation showed it.
    Step {
        plan: crate::runbooks::Plan,
        /// What the pane's title says, e.g. "high-error-rate.md step 2".
        title: String,
        /// The alert the step was run for (for the incident log).
        alertname: String,
    },
    /// `!`: an interactive shell with the minimal environment.
    Shell,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Confirmed (or an ack): send it. The answer comes back as `Action::Written { id }`.
    Write {
        id: u64,
        write: Write,
        /// What the user saw of the objects when starting it (incident numbers and titles,
        /// the alert), for the incident log.
        detail: String,
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
    /// Ask the Alertmanagers (first that answers) for the route tree in their config.
    FetchRouteTree {
        generation: u64,
    },
    /// Ask PagerDuty for the alerts of these incidents (bounded by the caller), one after
    /// another. The answer comes back as `Action::IncidentAlerts { id }`.
    FetchIncidentAlerts {
        id: u64,
        incidents: Vec<String>,
    },
    /// Ask PagerDuty for one incident's notes, log entries and alerts (the detail pane).
    FetchIncidentDetail {
        incident: String,
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
    /// Start a program in the embedded terminal pane (a confirmed runbook step, or `!`'s
    /// shell). Its output and exit come back as actions.
    RunInPane(PaneRequest),
    /// Keys or a paste for the pane's program, already encoded.
    PaneInput(Vec<u8>),
    /// The pane's inner area changed: resize the parser and the PTY.
    PaneResize {
        rows: u16,
        cols: u16,
    },
    /// Kill the pane's program (confirmed): SIGHUP, then SIGKILL after a grace period.
    PaneKill,
    /// Close the pane (its program has ended).
    PaneClose,
    /// Find, fetch (allowlisted hosts only) and parse an alert's runbook off the UI thread.
    /// The answer comes back as `Action::RunbookLoaded { generation }`.
    LoadRunbook {
        generation: u64,
        alertname: String,
        /// The alert's labels as captured when `r` was pressed.
        labels: std::collections::BTreeMap<String, String>,
        annotations: std::collections::BTreeMap<String, String>,
    },
    /// Put this text on the clipboard with OSC 52 (only when `[ui] osc52 = true`). The text
    /// is sanitized again before it is written.
    Copy(String),
    /// Announce new critical alerts the way `[ui] notify` says (bell, OSC 9, OSC 777). The
    /// text is sanitized and capped again before it is written.
    Notify(String),
    Quit,
}

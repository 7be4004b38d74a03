//! The integration tests, one binary (each file a module, the harness compiled once): real
//! Prometheus and Alertmanager, the PagerDuty stand-in, faulty servers, and the terminal UI
//! driven through its real runtime. The tmux end-to-end tests of the built binary are the
//! other test binary, `tests/e2e`.

mod harness;
mod tui_support;

mod alert_reuse;
mod alertmanager;
mod cli;
mod config;
mod dashboards;
mod dedup_key;
mod demo;
mod failures;
mod incident_work;
mod journal;
mod matcher_parity;
mod merge_correctness;
mod pagerduty;
mod prometheus;
mod pty;
mod readonly;
mod runbooks;
mod triage;
mod trust;
mod tui_demo;
mod tui_explore;
mod tui_lists;
mod tui_pane;
mod tui_readonly_notify;
mod tui_runbook;
mod tui_runtime;
mod tui_silences;
mod tui_snapshots;
mod tui_triage;

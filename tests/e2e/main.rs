//! End to end: the built binary under tmux, as a person would drive it (`oncall --demo watch`,
//! keys sent, the screen read back). The harness is the integration tests' own.

#[path = "../it/harness/mod.rs"]
mod harness;

mod incidents;
mod pane;
mod runbook;
mod triage;
mod watch;

//! oncall: dashboards, alerts, silences, incidents and runbooks for the engineer on call.
//!
//! Split along the IO boundary: the clients, the shared model and the sanitizing of untrusted
//! text are the `oncall-sources` crate (re-exported here as `sources`, `model`, `sanitize`,
//! `secret`), with no terminal in it; `tui` never awaits the network.

pub use oncall_demo as demo;
pub use oncall_sources::{model, sanitize, secret, sources};

pub mod cli;
pub mod config;
pub mod dashboards;
pub mod duration;
pub mod journal;
pub mod pty;
pub mod runbooks;
pub mod text;
pub mod timespec;
pub mod triage;
pub mod tui;
pub mod writes;

#[cfg(test)]
pub(crate) use oncall_sources::test_util;

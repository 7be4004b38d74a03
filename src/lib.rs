//! oncall: dashboards, alerts, silences, incidents and runbooks for the engineer on call.
//!
//! The crate is split along the IO boundary: `sources` and `model` never touch the terminal,
//! `tui` never awaits the network.

pub mod cli;
pub mod config;
pub mod dashboards;
pub mod demo;
pub mod duration;
pub mod journal;
pub mod model;
pub mod pty;
pub mod runbooks;
pub mod sanitize;
pub mod secret;
pub mod sources;
pub mod text;
pub mod timespec;
pub mod triage;
pub mod tui;
pub mod writes;

#[cfg(test)]
pub(crate) mod test_util;

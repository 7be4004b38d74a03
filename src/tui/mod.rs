//! `oncall watch`: the terminal UI.
//!
//! `app` holds the state and the one `update` function (no IO, no clock, no terminal);
//! `runtime` runs the loop, the query workers and the effects (with its helpers: the pane's
//! host, runbook loading, the alert -> incident link fetch, the incident log, the terminal);
//! `view` draws the state;
//! `widgets` are the panel drawings; `keymap` and `theme` are data loaded from TOML.

pub mod action;
pub mod app;
pub mod command;
pub mod input;
pub mod keymap;
pub mod layout;
pub mod runtime;
pub mod state;
pub mod theme;
pub mod time_range;
pub mod view;
pub mod widgets;

//! Runbooks: finding the one for an alert, parsing it into blocks and numbered steps, and
//! turning a step plus the alert's labels into an argv that is safe to show and run.

pub mod context_urls;
pub mod document;
pub mod exit_reason;
pub mod fetch;
pub mod fill;
pub mod load;
pub mod name;
pub mod render;
pub mod resolve;
pub mod shipped;
pub mod step;

pub use document::{parse, Block, Inline, ListMarker, ParseError, Runbook, Step};
pub use load::{load, LoadError, Loaded};
pub use name::kebab_case;
pub use resolve::{resolve, Found, Lookup, Origin, Resolution};
pub use step::{plan, Plan, StepError, ValuePolicy};

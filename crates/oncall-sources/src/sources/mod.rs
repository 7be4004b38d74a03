//! Typed async clients for the backends oncall talks to. Nothing here depends on the UI:
//! the CLI, the TUI workers and the benchmarks all call these the same way.

pub mod alert_reuse;
pub mod alertmanager;
pub mod error;
pub mod fleet;
pub mod pagerduty;
pub mod prometheus;
#[cfg(any(test, feature = "test-server"))]
pub mod test_server;
pub mod top_series;
pub mod transport;

pub use error::{ApiError, SourceError};
pub use transport::{Auth, Endpoint, SourceKind, TlsOptions, Transport};

//! oncall's IO boundary: typed async clients for Prometheus, Alertmanager (one or a fleet)
//! and PagerDuty over one transport (auth, TLS, proxies, timeouts, body caps, same-origin
//! redirects), the model they share (alerts, silences, matchers, incidents, series, the route
//! tree), and the sanitizing of the untrusted text they carry. Nothing here draws or knows
//! about a terminal.

pub mod model;
pub mod sanitize;
pub mod secret;
pub mod sources;

/// Small builders shared by unit tests, here and in the crates built on this one.
#[doc(hidden)]
pub mod test_util;

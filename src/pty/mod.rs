//! The embedded terminal: a child process on a pseudo-terminal whose screen is kept by a
//! vt100 parser, for runbook steps and the `!` shell.

pub mod env;
pub mod keys;
pub mod scroll;
pub mod session;

pub use keys::{encode_key, encode_paste};
pub use scroll::{Extent, ScrollPos};
pub use session::{Event, Exit, PtyError, ScreenHandle, Scrolled, Session, Spawn};

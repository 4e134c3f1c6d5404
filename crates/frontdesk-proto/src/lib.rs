//! The chat wire protocol between the widget, the relay and the desk, and its end-to-end
//! crypto. `docs/protocol.md` is the written contract; these types are its Rust side.
//!
//! This crate depends on neither the relay nor the core: the relay knows nothing of clinic data
//! and the core reaches the relay only over the wire, both through these types.

pub mod crypto;
mod error;
pub mod ids;
pub mod wire;

pub use crypto::{Body, DeskKey, FileRef, Quote, Side};
pub use error::{Error, ErrorCode};

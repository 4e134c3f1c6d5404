//! The checkpoint clock: copies the clinic's write-ahead log into its database file every few
//! seconds on a connection of its own, so that no request pays for it (see the core's
//! checkpoint.rs).

use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::Clinic;

pub const EVERY: Duration = Duration::from_secs(2);

pub async fn run(clinic: Arc<Clinic>) {
    crate::clocks::every(EVERY, "checkpoint", clinic, Clinic::checkpoint).await
}

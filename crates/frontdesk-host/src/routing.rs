//! The routing clock: shifts start and answer times run out without any request arriving, so
//! the host asks the core to serve the queue and pass on late chats every few seconds.

use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::Clinic;

/// Short enough that a chat waiting for a shift to start is served within seconds of it, and
/// an answer time set in minutes is kept to within a few seconds.
pub const TICK: Duration = Duration::from_secs(5);

pub async fn run(clinic: Arc<Clinic>) {
    crate::clocks::every(TICK, "routing", clinic, Clinic::routing_tick).await
}

//! The reminder clock: reminders fall due as time passes, with no request to set them off, so
//! the host asks the core to queue the due ones twice a minute. The outbox senders (SMS and
//! mail) take them from there.

use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::Clinic;

pub const TICK: Duration = Duration::from_secs(30);

pub async fn run(clinic: Arc<Clinic>) {
    crate::clocks::every(TICK, "reminders", clinic, Clinic::reminders_tick).await
}

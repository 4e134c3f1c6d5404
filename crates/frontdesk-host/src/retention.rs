//! The privacy clock: closes an emergency (break-glass) account when its time is up and runs
//! the retention job once a day. The core decides whether a day has passed since the last run
//! (it records when), so a desk that is off at night catches up the next time it starts, and
//! a restart never runs the job twice.

use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::Clinic;

/// Often enough that an emergency account closes within a minute of its end.
pub const TICK: Duration = Duration::from_secs(60);

pub async fn run(clinic: Arc<Clinic>) {
    crate::clocks::every(TICK, "retention", clinic, Clinic::retention_tick).await
}

//! Running core work on a timer, off the async threads: the routing, reminder and checkpoint
//! clocks all need the same loop, and a failed or panicking round must never stop the next.

use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::Clinic;

/// Calls `work` every `period` (the first time at once); a round that overruns delays the
/// next instead of bunching them up. Failures are logged by code only.
pub(crate) async fn every<T: Send + 'static>(
    period: Duration,
    what: &'static str,
    clinic: Arc<Clinic>,
    work: fn(&Clinic) -> frontdesk_core::Result<T>,
) {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let c = clinic.clone();
        match tokio::task::spawn_blocking(move || work(&c)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(code = e.code(), what, "clock round failed"),
            Err(_) => tracing::warn!(what, "clock round panicked"),
        }
    }
}

//! The reminder clock: reminders fall due as time passes, with no request to set them off, so
//! the host asks the core to queue the due ones twice a minute. The outbox senders (SMS and
//! mail) take them from there.

use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::Clinic;

pub const TICK: Duration = Duration::from_secs(30);

pub async fn run(clinic: Arc<Clinic>) {
    let mut every = tokio::time::interval(TICK);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let c = clinic.clone();
        match tokio::task::spawn_blocking(move || c.reminders_tick()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(code = e.code(), "reminder tick failed"),
            Err(_) => tracing::warn!("reminder tick panicked"),
        }
    }
}

//! The checkpoint clock: copies the clinic's write-ahead log into its database file every few
//! seconds on a connection of its own, so that no request pays for it (see the core's
//! checkpoint.rs).

use std::sync::Arc;
use std::time::Duration;

use frontdesk_core::Clinic;

pub const EVERY: Duration = Duration::from_secs(2);

pub async fn run(clinic: Arc<Clinic>) {
    let mut every = tokio::time::interval(EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let c = clinic.clone();
        match tokio::task::spawn_blocking(move || c.checkpoint()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(code = e.code(), "checkpoint failed"),
            Err(_) => tracing::warn!("checkpoint panicked"),
        }
    }
}

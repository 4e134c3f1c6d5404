//! The core's events, carried from its std channel into the host's async tasks.

use frontdesk_core::{Clinic, Event};
use tokio::sync::broadcast;

pub(crate) type Events = broadcast::Sender<Event>;

pub(crate) fn bridge(clinic: &Clinic) -> Events {
    let (tx, _) = broadcast::channel(256);
    let rx = clinic.subscribe();
    let out = tx.clone();
    std::thread::Builder::new()
        .name("frontdesk-host-events".into())
        .spawn(move || {
            // Ends when the clinic is dropped and its listeners with it.
            while let Ok(ev) = rx.recv() {
                let _ = out.send(ev);
            }
        })
        .expect("a thread can be started");
    tx
}

//! Core events reach the UI as the Tauri event `frontdesk://event`, one JSON `Event` each.

use std::sync::mpsc::Receiver;

use frontdesk_core::Event;
use tauri::{AppHandle, Emitter, Runtime};

pub const CHANNEL: &str = "frontdesk://event";

/// Forwards until the clinic closes (its senders drop and the loop ends).
pub fn forward<R: Runtime>(app: AppHandle<R>, events: Receiver<Event>) {
    std::thread::Builder::new()
        .name("frontdesk-events".into())
        .spawn(move || {
            for ev in events {
                let _ = app.emit(CHANNEL, ev);
            }
        })
        .expect("could not start the event thread");
}

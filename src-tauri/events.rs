//! Core events reach the UI as the Tauri event `frontdesk://event`, one JSON `Event` each; the
//! desk also turns the ones meant for the person logged in here into OS popups
//! (`frontdesk_notify::alerts`).
//! A click on a popup reaches the UI as `frontdesk://open`, saying what to open.

use std::sync::mpsc::Receiver;

use frontdesk_core::Event;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};

pub const CHANNEL: &str = "frontdesk://event";
pub const OPEN: &str = "frontdesk://open";
/// A connected desk's link to its host changed (`LanLink`), or the host forgot the session:
/// the UI shows or clears the "host not reachable" banner and asks for the status again.
pub const LINK: &str = "frontdesk://link";

/// What a clicked popup asks the UI to open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "open", content = "id", rename_all = "snake_case")]
pub enum Open {
    Task(String),
    Conversation(String),
    /// The "my tasks" list (a grouped popup).
    Tasks,
}

impl From<frontdesk_notify::Target> for Open {
    fn from(t: frontdesk_notify::Target) -> Self {
        match t {
            frontdesk_notify::Target::Task(id) => Open::Task(id),
            frontdesk_notify::Target::Conversation(id) => Open::Conversation(id),
            frontdesk_notify::Target::Tasks => Open::Tasks,
        }
    }
}

/// Forwards until the clinic closes (its senders drop and the loop ends). `also` sees each
/// event after the UI has been told (the popups).
pub fn forward<R: Runtime>(
    app: AppHandle<R>,
    events: Receiver<Event>,
    also: impl Fn(&Event) + Send + 'static,
) {
    std::thread::Builder::new()
        .name("frontdesk-events".into())
        .spawn(move || {
            for ev in events {
                let _ = app.emit(CHANNEL, &ev);
                also(&ev);
            }
        })
        .expect("could not start the event thread");
}

/// What a connected desk's link brings: events go to the window like a host's own, and those
/// the host marked as this desk's also to `popup`.
pub fn remote<R: Runtime>(
    app: &AppHandle<R>,
    incoming: frontdesk_host::lan::Incoming,
    popup: impl Fn(&Event, &frontdesk_host::lan::PopupNotice),
) {
    use frontdesk_host::lan::Incoming;
    match incoming {
        Incoming::Event {
            event,
            popup: notice,
        } => {
            let _ = app.emit(CHANNEL, &event);
            if let Some(n) = notice {
                popup(&event, &n);
            }
        }
        Incoming::Link(link) => {
            let _ = app.emit(LINK, &link);
        }
        Incoming::SessionLost => {
            let _ = app.emit(LINK, ());
        }
    }
}

/// A popup was clicked: bring the window forward and tell the UI what to open.
pub fn open<R: Runtime>(app: &AppHandle<R>, target: frontdesk_notify::Target) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
    let _ = app.emit(OPEN, Open::from(target));
}

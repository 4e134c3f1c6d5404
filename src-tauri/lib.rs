//! The desk app: a thin Tauri shell over `frontdesk-core`. Only this crate knows Tauri.
//!
//! - `desk`: the long-lived state (clinic file, open clinic, who is logged in), Tauri-free;
//! - `remote`: the same for a desk connected to the clinic's host over the LAN;
//! - `rpc`: the one IPC entry, `rpc`, carrying the core's typed requests to the one door;
//! - `events`: core events forwarded to the UI;
//! - `config`: where the clinic lives and how the desk behaves, from the environment;
//! - `webkit`: how the web engine runs on Linux.

pub mod config;
pub mod desk;
pub mod error;
pub mod events;
pub mod export;
pub mod remote;
pub mod rpc;
pub mod webkit;

#[cfg(all(test, feature = "ts"))]
mod bindings;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Instant;

use tauri::{Manager, Runtime};

use crate::desk::{Desk, DeskConfig};
use crate::rpc::Started;

/// The app with its one command, on any runtime (the tests use the mock one). The desk
/// itself is attached to the built app by `attach`.
pub fn builder<R: Runtime>(started: Instant) -> tauri::Builder<R> {
    tauri::Builder::<R>::new()
        .manage(Started(started))
        .invoke_handler(tauri::generate_handler![rpc::rpc])
}

/// Gives the built app its desk, forwards each opened clinic's events to the window, and pops
/// up the ones meant for whoever is logged in here.
pub fn attach<R: Runtime>(app: &tauri::App<R>, config: DeskConfig) {
    let notifier = config.notifier.clone();
    let desk = Arc::new(Desk::new(config));
    let popups = notifier.map(|n| {
        let handle = app.handle().clone();
        Arc::new(frontdesk_notify::Popups::new(
            n,
            frontdesk_notify::GroupSettings::default(),
            Arc::new(move |target| events::open(&handle, target)),
        ))
    });
    let handle = app.handle().clone();
    let weak = Arc::downgrade(&desk);
    {
        let (handle, weak, popups) = (handle.clone(), weak.clone(), popups.clone());
        desk.on_remote(move |incoming| {
            events::remote(&handle, incoming, |ev, notice| {
                let (Some(desk), Some(popups)) = (weak.upgrade(), popups.as_ref()) else {
                    return;
                };
                if let Some(p) = desk.remote().and_then(|r| r.popup_for(ev, notice)) {
                    popups.push(p);
                }
            })
        });
    }
    desk.on_open(move |clinic| {
        let (weak, popups) = (weak.clone(), popups.clone());
        events::forward(handle.clone(), clinic.subscribe(), move |ev| {
            let (Some(desk), Some(popups)) = (weak.upgrade(), popups.as_ref()) else {
                return;
            };
            if let Some(p) = desk.popup_for(ev) {
                popups.push(p);
            }
        })
    });
    app.manage(desk);
}

/// Starts the desk window.
pub fn run() {
    let started = Instant::now();
    webkit::tune();
    let app = builder::<tauri::Wry>(started)
        .build(tauri::generate_context!())
        .expect("the Frontdesk window could not be started");
    let data_dir = app
        .path()
        .app_data_dir()
        .expect("this PC has no folder for application data");
    attach(&app, config::from_env(data_dir));
    app.run(|_, _| {});
}

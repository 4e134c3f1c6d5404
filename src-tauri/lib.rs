//! The desk app: a thin Tauri shell over `frontdesk-core`. Only this crate knows Tauri.
//!
//! - `desk`: the long-lived state (clinic file, open clinic, who is logged in), Tauri-free;
//! - `rpc`: the one IPC entry, `rpc`, carrying the core's typed requests to the one door;
//! - `events`: core events forwarded to the UI;
//! - `config`: where the clinic lives and how the desk behaves, from the environment.

pub mod config;
pub mod desk;
pub mod error;
pub mod events;
pub mod rpc;

#[cfg(all(test, feature = "ts"))]
mod bindings;

use std::sync::Arc;
use std::time::Instant;

use tauri::{Manager, Runtime};

use crate::desk::Desk;
use crate::rpc::Started;

/// The app with its state and its one command, on any runtime (the tests use the mock one).
pub fn builder<R: Runtime>(started: Instant) -> tauri::Builder<R> {
    tauri::Builder::<R>::new()
        .manage(Started(started))
        .invoke_handler(tauri::generate_handler![rpc::rpc])
        .setup(|app| {
            let data_dir = app.path().app_data_dir()?;
            let desk = Arc::new(Desk::new(config::from_env(data_dir)));
            let handle = app.handle().clone();
            desk.on_open(move |clinic| events::forward(handle.clone(), clinic.subscribe()));
            app.manage(desk);
            Ok(())
        })
}

/// Starts the desk window.
pub fn run() {
    let started = Instant::now();
    builder::<tauri::Wry>(started)
        .run(tauri::generate_context!())
        .expect("the Frontdesk window could not be started");
}

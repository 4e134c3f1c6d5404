//! The desk app: a thin Tauri shell over `frontdesk-core`. Only this crate knows Tauri.

/// Starts the desk window.
pub fn run() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("the Frontdesk window could not be started");
}

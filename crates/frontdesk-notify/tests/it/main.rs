//! The popups against a real D-Bus session: the real `DesktopNotifier` and `Popups`, and the
//! recording listener (`frontdesk_notify::listener`) as the notification server. They need a
//! private session bus and are ignored otherwise: run `tests/popups.sh`.
#![cfg(all(unix, not(target_os = "macos")))]

mod popups;
mod support;

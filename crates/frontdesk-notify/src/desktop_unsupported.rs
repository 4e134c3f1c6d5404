//! Where there is no freedesktop notification service (Windows, macOS): no popups yet, said the
//! same way as a Linux desktop without a notification daemon, so the desk handles both alike.

use crate::{Error, Notifier, Result, Shown, Target};

pub struct DesktopNotifier {
    _private: (),
}

impl DesktopNotifier {
    pub fn new() -> DesktopNotifier {
        DesktopNotifier { _private: () }
    }
}

impl Default for DesktopNotifier {
    fn default() -> Self {
        DesktopNotifier::new()
    }
}

impl Notifier for DesktopNotifier {
    fn show(&self, _n: &Shown, _on_click: Box<dyn FnOnce(Target) + Send>) -> Result<u32> {
        Err(Error::Unavailable(
            "desktop popups are not supported on this platform yet".into(),
        ))
    }
}

//! Frontdesk's desktop popups: a new chat or a task assigned to the signed-in user puts an OS
//! notification on screen (the freedesktop notification service, through notify-rust), and a
//! click on it opens what it is about.
//!
//! # Why leading edge plus one trailing replacement
//!
//! Two things pull in opposite directions. A single chat must pop up at once: a visitor waiting
//! on the clinic's website is who the desk answers first, so a popup that waits for a quiet
//! period (a plain debounce) would add the whole window to every reply time. A burst, though (a
//! reconnect that delivers twenty chats, a manager assigning a batch of tasks), must not stack
//! twenty popups on the screen and bury the desk's own window.
//!
//! So [`Grouper`] shows the first popup of a burst at once (the leading edge), holds whatever
//! arrives within [`GroupSettings::window`] after it, and when the window ends shows ONE grouped
//! notification ("20 new chats") that *replaces* the first one through the notification
//! server's `replaces_id`, rather than adding a second popup. A new window starts from there,
//! so a long steady stream costs at most one Notify call per window and keeps updating that
//! same popup, and once a window passes in silence the next popup is immediate again.
//!
//! [`alerts`] decides which of the core's events become a popup for the person logged in at a
//! desk, and words it. [`Popups`] drives the grouper on a thread of its own, so that a caller never waits on D-Bus;
//! [`DesktopNotifier`] is the real [`Notifier`]. With the `listener` feature, [`listener`] is a
//! recording notification server for tests on a real session bus.

pub mod alerts;
// The freedesktop notification service over D-Bus; other platforms have no popups yet.
#[cfg(all(unix, not(target_os = "macos")))]
mod desktop;
#[cfg(not(all(unix, not(target_os = "macos"))))]
#[path = "desktop_unsupported.rs"]
mod desktop;
mod error;
mod grouper;
#[cfg(all(feature = "listener", unix, not(target_os = "macos")))]
pub mod listener;
mod popups;

pub use desktop::DesktopNotifier;
pub use error::{Error, Result};
pub use grouper::{grouped_text, GroupSettings, Grouper};
pub use popups::Popups;

/// What a click on a popup opens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// One task, by id.
    Task(String),
    /// One chat conversation, by id.
    Conversation(String),
    /// The "my tasks" list: where a grouped popup leads.
    Tasks,
}

/// What a popup is about; grouped popups count each kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PopupKind {
    Chat,
    Task,
}

/// Something the desk wants to pop up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Popup {
    pub kind: PopupKind,
    pub summary: String,
    pub body: String,
    pub target: Target,
}

/// One notification to put on screen. `replaces` = the id of the notification it replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub summary: String,
    pub body: String,
    pub replaces: Option<u32>,
    pub target: Target,
}

/// Puts notifications on screen; [`DesktopNotifier`] is the real one, tests may fake it.
pub trait Notifier: Send + Sync + 'static {
    /// Shows it and returns the OS notification id. `on_click` is called (on any thread) when the
    /// user clicks it.
    fn show(&self, n: &Shown, on_click: Box<dyn FnOnce(Target) + Send>) -> Result<u32, Error>;
}

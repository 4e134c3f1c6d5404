//! The popups' one error type. Codes are stable (`notify.*`): the desk shell maps them to a
//! message, and they are what the logs carry. The details are D-Bus's words, never the popup's.

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// No session bus, or nothing on it serves `org.freedesktop.Notifications` (a server or a
    /// kiosk without a notification daemon), or a platform without support yet.
    #[error("no desktop notification service: {0}")]
    Unavailable(String),
    /// The service is there but the notification was not shown.
    #[error("the notification could not be shown: {0}")]
    Failed(String),
}

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unavailable(_) => "notify.unavailable",
            Error::Failed(_) => "notify.failed",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

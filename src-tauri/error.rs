//! The shell's one error type. Core errors pass through with their own codes; the shell adds
//! the few that come from the desk's own state. The UI receives `ErrorBody` either way.

use frontdesk_core::ErrorBody;

/// Codes of the shell's own errors, listed for the generated `ErrorCode` type.
pub const DESK_ERROR_CODES: &[&str] = &[
    "desk.not_set_up",
    "desk.already_set_up",
    "desk.not_unlocked",
    "desk.not_logged_in",
    "desk.busy",
    "desk.paired",
    "desk.save_failed",
];

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    Core(#[from] frontdesk_core::Error),
    #[error("no clinic is set up on this PC yet")]
    NotSetUp,
    #[error("a clinic is already set up on this PC")]
    AlreadySetUp,
    #[error("the clinic is not unlocked")]
    NotUnlocked,
    #[error("nobody is logged in")]
    NotLoggedIn,
    #[error("the desk is still working on the last request")]
    Busy,
    #[error("this PC is connected to a clinic's host; forget that first")]
    Paired,
    /// The LAN link to the host (unreachable, refused, or the host's own error).
    #[error(transparent)]
    Lan(frontdesk_host::Error),
    #[error(transparent)]
    Pdf(frontdesk_pdf::Error),
    /// A report file could not be saved (a full disk, a read-only folder).
    #[error("the file could not be saved: {0}")]
    Save(std::io::Error),
}

impl DeskError {
    pub fn code(&self) -> &'static str {
        match self {
            DeskError::Core(e) => e.code(),
            DeskError::NotSetUp => "desk.not_set_up",
            DeskError::AlreadySetUp => "desk.already_set_up",
            DeskError::NotUnlocked => "desk.not_unlocked",
            DeskError::NotLoggedIn => "desk.not_logged_in",
            DeskError::Busy => "desk.busy",
            DeskError::Paired => "desk.paired",
            DeskError::Lan(e) => e.code(),
            DeskError::Pdf(e) => e.code(),
            DeskError::Save(_) => "desk.save_failed",
        }
    }

    pub fn body(&self) -> ErrorBody {
        match self {
            DeskError::Core(e) => e.body(),
            DeskError::Lan(e) => e.body(),
            other => ErrorBody {
                code: other.code(),
                message: other.to_string(),
                field: None,
                retry_after_secs: None,
            },
        }
    }
}

pub type DeskResult<T> = Result<T, DeskError>;

//! The one error type of the core. Every variant has a stable code (`Error::code`) that the UI
//! maps to a localized message and that scripts may match on; the English text is for logs
//! and the CLI and never contains personal data.

use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    // Opening and keys.
    #[error("no Frontdesk database at {0}")]
    NoDatabase(String),
    #[error("a Frontdesk database already exists at {0}")]
    AlreadyExists(String),
    #[error("{0} is not a Frontdesk database")]
    NotFrontdesk(String),
    #[error("wrong recovery passphrase")]
    WrongPassphrase,
    #[error("the key does not open this database")]
    WrongKey,
    #[error("the OS keyring holds no key for this clinic")]
    KeyringMissing,
    #[error("the OS keyring is unavailable: {0}")]
    KeyringUnavailable(String),
    #[error("this database was written by a newer Frontdesk (schema {found}; this build knows up to {known})")]
    NewerSchema { found: i64, known: i64 },
    #[error("the disk is full; nothing was changed")]
    DiskFull,
    #[error("the database is busy in another program; try again")]
    Busy,
    #[error("the backup file is damaged or is not a Frontdesk backup")]
    BadBackup,
    #[error("the database file is damaged; restore it from a backup")]
    Corrupt,

    // Input.
    #[error("{field}: {reason}")]
    Invalid {
        field: String,
        code: &'static str,
        reason: String,
    },
    #[error("{kind} {id} was not found")]
    NotFound { kind: &'static str, id: String },
    #[error("{kind} {id} was changed by someone else; reload and try again")]
    Conflict { kind: &'static str, id: String },
    #[error("login {0} is taken")]
    LoginTaken(String),

    // Access.
    #[error("not permitted: {role} may not {permission}")]
    Forbidden {
        role: &'static str,
        permission: &'static str,
    },
    #[error("wrong login or password")]
    BadCredentials,
    #[error("too many failed attempts; try again in {retry_after_secs} s")]
    LockedOut { retry_after_secs: i64 },
    #[error("a one-time code from the authenticator app is required")]
    TotpRequired,
    #[error("wrong one-time code")]
    BadTotp,
    #[error("this account is deactivated")]
    AccountInactive,
    #[error("the session has ended; log in again")]
    SessionExpired,
    #[error("this needs the clinic's recovery passphrase")]
    OperatorOnly,

    // Everything else, without personal data.
    #[error("storage error: {0}")]
    Storage(String),
    #[error("file error: {0}")]
    Io(String),
}

impl Error {
    /// The stable code. Never change an existing one: the UI and scripts match on it.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NoDatabase(_) => "store.no_database",
            Error::AlreadyExists(_) => "store.already_exists",
            Error::NotFrontdesk(_) => "store.not_frontdesk",
            Error::WrongPassphrase => "key.wrong_passphrase",
            Error::WrongKey => "key.wrong_key",
            Error::KeyringMissing => "key.keyring_missing",
            Error::KeyringUnavailable(_) => "key.keyring_unavailable",
            Error::NewerSchema { .. } => "store.newer_schema",
            Error::DiskFull => "store.disk_full",
            Error::Busy => "store.busy",
            Error::BadBackup => "backup.bad_file",
            Error::Corrupt => "store.corrupt",
            Error::Invalid { code, .. } => code,
            Error::NotFound { .. } => "record.not_found",
            Error::Conflict { .. } => "record.conflict",
            Error::LoginTaken(_) => "staff.login_taken",
            Error::Forbidden { .. } => "access.forbidden",
            Error::BadCredentials => "auth.bad_credentials",
            Error::LockedOut { .. } => "auth.locked_out",
            Error::TotpRequired => "auth.totp_required",
            Error::BadTotp => "auth.bad_totp",
            Error::AccountInactive => "auth.inactive",
            Error::SessionExpired => "auth.session_expired",
            Error::OperatorOnly => "access.operator_only",
            Error::Storage(_) => "store.error",
            Error::Io(_) => "io.error",
        }
    }

    pub(crate) fn invalid(field: &str, code: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.to_string(),
            code,
            reason: reason.into(),
        }
    }

    /// The serializable form handed to UIs: code, English text, and the field it concerns.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code(),
            message: self.to_string(),
            field: match self {
                Error::Invalid { field, .. } => Some(field.clone()),
                _ => None,
            },
            retry_after_secs: match self {
                Error::LockedOut { retry_after_secs } => Some(*retry_after_secs),
                _ => None,
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorBody {
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub retry_after_secs: Option<i64>,
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::DiskFull) => Error::DiskFull,
            Some(C::DatabaseBusy) | Some(C::DatabaseLocked) => Error::Busy,
            Some(C::NotADatabase) => Error::WrongKey,
            Some(C::DatabaseCorrupt) => Error::Corrupt,
            // SQLite's messages name tables and constraints, never row values.
            _ => Error::Storage(e.to_string()),
        }
    }
}

impl From<rusqlite_migration::Error> for Error {
    fn from(e: rusqlite_migration::Error) -> Self {
        match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => err.into(),
            other => Error::Storage(other.to_string()),
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        if e.raw_os_error() == Some(28) {
            return Error::DiskFull;
        }
        Error::Io(e.to_string())
    }
}

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
    #[error("the screen is locked; give the password to carry on")]
    SessionLocked,
    #[error("this needs the clinic's recovery passphrase")]
    OperatorOnly,
    #[error("this record is restricted: only an admin who gives a reason may open it")]
    Restricted,

    // Desks on the LAN.
    #[error("this pairing code is wrong or was used already")]
    PairingWrongCode,
    #[error("this pairing code has expired; ask for a new one")]
    PairingExpired,
    #[error("this desk was removed from the clinic; pair it again")]
    DeviceRevoked,
    #[error("this desk is not paired with the clinic; pair it again")]
    DeviceUnknown,
    #[error("the host does not accept other desks yet: start it with the LAN service on")]
    LanOff,

    // Appointments.
    #[error("this time clashes with {count} thing(s) ({kinds}); check the warnings and give a reason to book anyway")]
    AppointmentConflict { count: usize, kinds: String },

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
            Error::SessionLocked => "auth.session_locked",
            Error::OperatorOnly => "access.operator_only",
            Error::Restricted => "privacy.restricted",
            Error::PairingWrongCode => "pair.wrong_code",
            Error::PairingExpired => "pair.code_expired",
            Error::DeviceRevoked => "device.revoked",
            Error::DeviceUnknown => "device.unknown",
            Error::LanOff => "device.lan_off",
            Error::AppointmentConflict { .. } => "appointment.conflict",
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

/// Every code `Error::code` can return, including the validation codes carried by
/// `Error::Invalid`. The desk UI's `ErrorCode` type is generated from this list, so a code
/// without a translation fails the UI's type check. A test keeps the list complete.
pub const ERROR_CODES: &[&str] = &[
    "store.no_database",
    "store.already_exists",
    "store.not_frontdesk",
    "key.wrong_passphrase",
    "key.wrong_key",
    "key.keyring_missing",
    "key.keyring_unavailable",
    "store.newer_schema",
    "store.disk_full",
    "store.busy",
    "backup.bad_file",
    "backup.exists",
    "store.corrupt",
    "record.not_found",
    "record.conflict",
    "staff.login_taken",
    "staff.last_admin",
    "access.forbidden",
    "auth.bad_credentials",
    "auth.locked_out",
    "auth.totp_required",
    "auth.bad_totp",
    "auth.inactive",
    "auth.session_expired",
    "auth.session_locked",
    "access.operator_only",
    "pair.wrong_code",
    "pair.code_expired",
    "device.revoked",
    "device.unknown",
    "device.lan_off",
    "store.error",
    "io.error",
    "appointment.conflict",
    "appointment.no_such_time",
    "appointment.end_before_start",
    "appointment.in_past",
    "appointment.rule_end",
    "appointment.rule_weekdays",
    "appointment.not_movable",
    "appointment.bad_transition",
    "appointment.backwards",
    "appointment.not_backwards",
    "appointment.not_yet",
    "reminder.placeholder",
    "report.period_order",
    "report.period_too_long",
    "validation.duration",
    "validation.colour",
    "validation.unknown_client",
    "validation.unknown_service",
    "validation.unknown_room",
    "validation.host",
    "validation.avatar",
    "validation.control_chars",
    "validation.date_in_future",
    "validation.date_too_old",
    "validation.email",
    "validation.hours_order",
    "validation.hours_overlap",
    "validation.id",
    "validation.language",
    "validation.login",
    "validation.no_account",
    "validation.out_of_range",
    "validation.passphrase_too_short",
    "validation.password_too_short",
    "validation.phone",
    "validation.region",
    "validation.required",
    "validation.role",
    "validation.source",
    "validation.time_zone",
    "validation.too_long",
    "validation.too_many",
    "validation.unknown_staff",
    "validation.url",
    "validation.questions",
    "validation.sms_gateway",
    "validation.desk_token",
    "validation.quote",
    "validation.max_file_mb",
    "attachment.too_large",
    "attachment.empty",
    "attachment.wrong_type",
    "attachment.corrupt",
    "attachment.too_many_pixels",
    "attachment.bad_base64",
    "attachment.missing",
    "attachment.not_delivered",
    "validation.not_own_message",
    "validation.not_automatic",
    "validation.no_higher_tier",
    "validation.not_your_task",
    "validation.date",
    "validation.task_kind",
    "validation.task_closed",
    "validation.task_unassigned",
    "validation.duplicate",
    "privacy.restricted",
    "privacy.erased",
    "privacy.not_restricted",
    "privacy.policy_exists",
    "privacy.totp_not_enrolled",
    "privacy.received_in_future",
    "privacy.bad_extension",
    "privacy.found_in_future",
    "consent.no_email",
    "consent.bad_code",
    "consent.superseded",
    "break_glass.login_taken",
];

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

#[cfg(test)]
mod tests {
    use super::ERROR_CODES;

    /// Every code literal handed to `Error::invalid` or returned by `Error::code` anywhere in
    /// the crate is listed, so the UI cannot meet a code it has no message for.
    #[test]
    fn every_code_in_the_sources_is_listed() {
        let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
        let mut files = Vec::new();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        let mut found = std::collections::BTreeSet::new();
        for path in files {
            let text = std::fs::read_to_string(path).unwrap();
            // Codes sit on the line after `Error::invalid(` or inline, always as the literal
            // that follows the field name; picking every "family.name" literal next to
            // `invalid` or `=>` catches both forms.
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                let near_invalid = (i.saturating_sub(3)..=i)
                    .any(|j| lines[j].contains("invalid(") || lines[j].contains("Error::Invalid"));
                let in_code_fn = line.trim_start().starts_with("Error::") && line.contains("=> \"");
                if !(near_invalid || in_code_fn) {
                    continue;
                }
                for lit in line.split('"').skip(1).step_by(2) {
                    let mut parts = lit.split('.');
                    let (Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next())
                    else {
                        continue;
                    };
                    let word = |w: &str| {
                        !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    };
                    if word(a)
                        && word(b)
                        && [
                            "validation",
                            "store",
                            "key",
                            "auth",
                            "access",
                            "record",
                            "staff",
                            "backup",
                            "io",
                            "pair",
                            "device",
                            "attachment",
                        ]
                        .contains(&a)
                    {
                        found.insert(lit.to_string());
                    }
                }
            }
        }
        let missing: Vec<_> = found
            .iter()
            .filter(|c| !ERROR_CODES.contains(&c.as_str()))
            .collect();
        assert!(found.len() > 40, "the scan found too little: {found:?}");
        assert!(
            missing.is_empty(),
            "codes missing from ERROR_CODES: {missing:?}"
        );
    }
}

//! The host's one error type. Codes are stable (`host.*` for the host itself, `lan.*` for the
//! LAN link between desks); the link status and the desk UI show them.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Core(#[from] frontdesk_core::Error),
    #[error("the built-in relay could not start: {0}")]
    Relay(#[from] frontdesk_relay::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the LAN service could not start on {0}: the address is taken or not on this PC")]
    LanBind(String),
    #[error("the host desk cannot be reached; your input is kept and sent when it is back")]
    Unreachable,
    #[error("the host's certificate is not the one this desk paired with: someone may be intercepting the connection, so it was refused")]
    CertMismatch,
    #[error("this request was sent already; the repeat was refused")]
    Replay,
    #[error("too many requests from this desk; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: i64 },
    #[error("the desk's proof of identity is wrong")]
    BadSignature,
    #[error("the host answered with something this desk does not understand: {0}")]
    Protocol(String),
    #[error("the host did not answer in time")]
    Timeout,
    #[error("this desk is not paired with a host")]
    NotPaired,
    /// An error the host sent back, with its own stable code.
    #[error("{}", .0.message)]
    Remote(crate::lan::WireError),
}

/// Every `lan.*` and `host.*` code, for UIs that map codes to messages.
pub const ERROR_CODES: &[&str] = &[
    "host.relay_failed",
    "host.io",
    "lan.bind_failed",
    "lan.unreachable",
    "lan.cert_mismatch",
    "lan.replay",
    "lan.rate_limited",
    "lan.bad_signature",
    "lan.protocol",
    "lan.timeout",
    "lan.not_paired",
];

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::Core(e) => e.code(),
            Error::Relay(_) => "host.relay_failed",
            Error::Io(_) => "host.io",
            Error::LanBind(_) => "lan.bind_failed",
            Error::Unreachable => "lan.unreachable",
            Error::CertMismatch => "lan.cert_mismatch",
            Error::Replay => "lan.replay",
            Error::RateLimited { .. } => "lan.rate_limited",
            Error::BadSignature => "lan.bad_signature",
            Error::Protocol(_) => "lan.protocol",
            Error::Timeout => "lan.timeout",
            Error::NotPaired => "lan.not_paired",
            Error::Remote(w) => static_code(&w.code),
        }
    }

    pub fn retry_after_secs(&self) -> Option<i64> {
        match self {
            Error::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            Error::Core(frontdesk_core::Error::LockedOut { retry_after_secs }) => {
                Some(*retry_after_secs)
            }
            Error::Remote(w) => w.retry_after_secs,
            _ => None,
        }
    }

    /// The body a UI shows, with a code from the known lists.
    pub fn body(&self) -> frontdesk_core::ErrorBody {
        match self {
            Error::Core(e) => e.body(),
            Error::Remote(w) => frontdesk_core::ErrorBody {
                code: static_code(&w.code),
                message: w.message.clone(),
                field: w.field.clone(),
                retry_after_secs: w.retry_after_secs,
            },
            other => frontdesk_core::ErrorBody {
                code: other.code(),
                message: other.to_string(),
                field: None,
                retry_after_secs: other.retry_after_secs(),
            },
        }
    }
}

/// A code received from the host, as one of the known static codes (an unknown one, from a
/// newer host, reads as a protocol error).
fn static_code(code: &str) -> &'static str {
    frontdesk_core::ERROR_CODES
        .iter()
        .chain(ERROR_CODES)
        .find(|c| **c == code)
        .copied()
        .unwrap_or("lan.protocol")
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

//! The host's one error type. Codes are stable (`host.*`); the link status shows them.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Core(#[from] frontdesk_core::Error),
    #[error("the built-in relay could not start: {0}")]
    Relay(#[from] frontdesk_relay::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::Core(e) => e.code(),
            Error::Relay(_) => "host.relay_failed",
            Error::Io(_) => "host.io",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

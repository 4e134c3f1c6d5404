//! The relay's one error type. Everything a client can cause maps to a stable `relay.*` code
//! from `frontdesk_proto::ErrorCode`; the rest are the operator's problems (files, ports).

use frontdesk_proto::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A refusal the client is told about, with its wire code.
    #[error("{message}")]
    Refused { code: ErrorCode, message: String },
    #[error("the relay store failed: {0}")]
    Store(#[from] rusqlite::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("configuration: {0}")]
    Config(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn refused(code: ErrorCode, message: impl Into<String>) -> Error {
        Error::Refused {
            code,
            message: message.into(),
        }
    }

    /// The code a client sees. Store and I/O failures are `relay.internal`: the client learns
    /// that nothing was acknowledged, not why.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Refused { code, .. } => *code,
            _ => ErrorCode::Internal,
        }
    }

    pub fn client_message(&self) -> String {
        match self {
            Error::Refused { message, .. } => message.clone(),
            _ => "the relay could not store this; nothing was acknowledged, please retry".into(),
        }
    }
}

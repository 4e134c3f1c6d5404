//! The relay's error codes, shared because the desk and the widget both show them.

use serde::{Deserialize, Serialize};

/// A stable error code on the wire (`relay.*`). The widget and the desk map it to a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&str", try_from = "String")]
pub enum ErrorCode {
    BadJson,
    BadUtf8,
    TooLarge,
    UnknownSite,
    SiteNotReady,
    BadToken,
    PowInvalid,
    PowReplayed,
    ConsentMissing,
    BotSuspected,
    RateLimited,
    BadSecret,
    UnknownConversation,
    OutOfOrder,
    BadRequest,
    Timeout,
    Internal,
    Conflict,
    UnknownFile,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 19] = [
        ErrorCode::BadJson,
        ErrorCode::BadUtf8,
        ErrorCode::TooLarge,
        ErrorCode::UnknownSite,
        ErrorCode::SiteNotReady,
        ErrorCode::BadToken,
        ErrorCode::PowInvalid,
        ErrorCode::PowReplayed,
        ErrorCode::ConsentMissing,
        ErrorCode::BotSuspected,
        ErrorCode::RateLimited,
        ErrorCode::BadSecret,
        ErrorCode::UnknownConversation,
        ErrorCode::OutOfOrder,
        ErrorCode::BadRequest,
        ErrorCode::Timeout,
        ErrorCode::Internal,
        ErrorCode::Conflict,
        ErrorCode::UnknownFile,
    ];

    /// The code as written on the wire, e.g. `relay.too_large`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadJson => "relay.bad_json",
            ErrorCode::BadUtf8 => "relay.bad_utf8",
            ErrorCode::TooLarge => "relay.too_large",
            ErrorCode::UnknownSite => "relay.unknown_site",
            ErrorCode::SiteNotReady => "relay.site_not_ready",
            ErrorCode::BadToken => "relay.bad_token",
            ErrorCode::PowInvalid => "relay.pow_invalid",
            ErrorCode::PowReplayed => "relay.pow_replayed",
            ErrorCode::ConsentMissing => "relay.consent_missing",
            ErrorCode::BotSuspected => "relay.bot_suspected",
            ErrorCode::RateLimited => "relay.rate_limited",
            ErrorCode::BadSecret => "relay.bad_secret",
            ErrorCode::UnknownConversation => "relay.unknown_conversation",
            ErrorCode::OutOfOrder => "relay.out_of_order",
            ErrorCode::BadRequest => "relay.bad_request",
            ErrorCode::Timeout => "relay.timeout",
            ErrorCode::Internal => "relay.internal",
            ErrorCode::Conflict => "relay.conflict",
            ErrorCode::UnknownFile => "relay.unknown_file",
        }
    }

    pub fn parse(code: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == code)
    }
}

/// Why a crypto or wire operation failed. Deliberately vague about crypto failures: a wrong key,
/// a tampered byte and a moved ciphertext all look the same to the caller.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("the key is not a valid P-256 public key")]
    BadKey,
    #[error("the envelope is not valid base64url or is too short")]
    BadEnvelope,
    #[error("the message could not be decrypted (wrong key, tampered or moved)")]
    Decrypt,
    #[error("the decrypted message is not a valid message body: {0}")]
    BadBody(String),
    #[error("the sealed file is shorter than a nonce and a tag")]
    BadFile,
}

impl From<ErrorCode> for &'static str {
    fn from(c: ErrorCode) -> &'static str {
        c.as_str()
    }
}

impl TryFrom<String> for ErrorCode {
    type Error = String;
    fn try_from(s: String) -> Result<ErrorCode, String> {
        ErrorCode::parse(&s).ok_or_else(|| format!("unknown error code {s}"))
    }
}

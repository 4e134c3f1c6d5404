//! The LAN protocol's frames: JSON text messages on a WebSocket over TLS (docs/lan.md). The
//! door's own `Request`, `Response` and `Event` travel unchanged; these frames only add the
//! handshake, the per-connection numbering and the replies' envelopes.

use frontdesk_core::{ClinicInfo, ErrorBody, Event, Request, Response, Role, Secret, TaskNotice};
use serde::{Deserialize, Serialize};

/// The path the host serves the LAN protocol on.
pub const PATH: &str = "/lan";

/// Host to desk.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum ToDesk {
    /// The first frame on every connection: what a paired desk signs to prove itself.
    Challenge { nonce: String, clinic: String },
    /// Pairing: the host's SPAKE2 message.
    PairStep { spake: String },
    /// Pairing done: the new device's id and the host's proof that it knew the code and holds
    /// the certificate the desk sees.
    Paired {
        device_id: String,
        name: String,
        confirm: String,
    },
    /// A paired desk was recognised.
    Welcome {
        device_id: String,
        name: String,
        clinic: ClinicInfo,
    },
    Reply {
        n: u64,
        #[serde(flatten)]
        result: WireResult,
    },
    Event {
        event: Event,
        /// Set when the event is a task for the person logged in at that desk: what its popup
        /// shows (no client data).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        popup: Option<PopupNotice>,
    },
    /// The host ends the connection, saying why.
    Refused { error: WireError },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireResult {
    Ok(RemoteReply),
    Err(WireError),
}

/// Desk to host.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum ToHost {
    /// Pairing, first step: which code (its first character), the desk's SPAKE2 message, the
    /// name the desk wants in the device list, and the public key it will sign with.
    Pair {
        slot: String,
        name: String,
        spake: String,
        public_key: String,
    },
    /// Pairing, second step: the desk's proof over the certificate it sees and its key.
    PairConfirm { mac: String },
    /// A paired desk answers the challenge.
    Hello {
        device_id: String,
        signature: String,
    },
    /// A call, numbered: `n` rises by one or more on every frame, so a repeated frame is
    /// refused as a replay.
    Call { n: u64, call: RemoteCall },
    /// The desk met a certificate other than the pinned one on its way here (and refused it):
    /// told to the genuine host afterwards so that it lands in the audit log.
    Report { cert_mismatch: CertMismatch },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CertMismatch {
    pub at: String,
    pub address: String,
    /// The fingerprint the desk was shown instead.
    pub seen: String,
}

/// What a connected desk can ask, all of it checked at the host.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "call", content = "args", rename_all = "snake_case")]
pub enum RemoteCall {
    /// The clinic's public info (name, time zone, idle lock) for the login screen.
    ClinicInfo,
    Login {
        login: String,
        password: Secret,
        #[serde(default)]
        totp_code: Option<String>,
    },
    /// Takes up the session this device held before the connection dropped.
    Resume {
        token: String,
    },
    /// Whether the session is locked (or gone: an error).
    SessionState,
    Lock,
    Unlock {
        password: Secret,
    },
    LogOut,
    KeepAlive,
    Door(Request),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum RemoteReply {
    Clinic(ClinicInfo),
    /// A login or unlock: the token is for `Resume` only and never reaches the web view.
    Session {
        token: String,
        session: SessionInfo,
    },
    Locked(bool),
    Door(Response),
    Done,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionInfo {
    pub staff_id: String,
    pub login: String,
    pub display_name: String,
    pub role: Role,
}

impl From<&frontdesk_core::Session> for SessionInfo {
    fn from(s: &frontdesk_core::Session) -> Self {
        SessionInfo {
            staff_id: s.staff_id.clone(),
            login: s.login.clone(),
            display_name: s.display_name.clone(),
            role: s.role,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PopupNotice {
    pub notice: TaskNotice,
    pub muted: bool,
    pub time_zone: String,
}

/// An error as it crosses the wire: the core's `ErrorBody` with an owned code.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct WireError {
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub retry_after_secs: Option<i64>,
}

impl From<ErrorBody> for WireError {
    fn from(b: ErrorBody) -> Self {
        WireError {
            code: b.code.to_owned(),
            message: b.message,
            field: b.field,
            retry_after_secs: b.retry_after_secs,
        }
    }
}

impl From<&frontdesk_core::Error> for WireError {
    fn from(e: &frontdesk_core::Error) -> Self {
        e.body().into()
    }
}

impl From<&crate::Error> for WireError {
    fn from(e: &crate::Error) -> Self {
        match e {
            crate::Error::Core(c) => c.into(),
            other => WireError {
                code: other.code().to_owned(),
                message: other.to_string(),
                field: None,
                retry_after_secs: other.retry_after_secs(),
            },
        }
    }
}

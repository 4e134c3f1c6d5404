//! The frames of docs/protocol.md. Every frame is a JSON object tagged by `t`.

use serde::{Deserialize, Serialize};

use crate::ErrorCode;

/// The most plaintext bytes per file a site takes when its desk's config doesn't say (10 MiB):
/// what desks that predate files get.
pub const DEFAULT_MAX_FILE: u64 = 10 * 1024 * 1024;

fn default_max_file() -> u64 {
    DEFAULT_MAX_FILE
}

/// What the desk publishes and the relay serves at `/v1/sites/{site}/config` (plus `site` and
/// `online`, which the relay adds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SiteConfig {
    pub clinic: String,
    #[serde(default)]
    pub logo: Option<String>,
    pub desk_key: String,
    pub time_zone: String,
    /// The next 14 days of opening hours as `[start, end)` pairs in UTC milliseconds.
    #[serde(default)]
    pub openings: Vec<[i64; 2]>,
    #[serde(default)]
    pub staff: Vec<StaffPresence>,
    #[serde(default)]
    pub questions: Vec<Question>,
    #[serde(default)]
    pub policy: Policy,
    #[serde(default)]
    pub offline_message: Option<String>,
    /// The most UTF-8 bytes of text one message may carry.
    pub max_text: u32,
    /// The most plaintext bytes of one file the clinic takes. The relay serves the smaller of
    /// this and its own cap, and refuses larger uploads.
    #[serde(default = "default_max_file")]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub max_file: u64,
    pub pow: bool,
}

impl Default for SiteConfig {
    fn default() -> SiteConfig {
        SiteConfig {
            clinic: String::new(),
            logo: None,
            desk_key: String::new(),
            time_zone: String::new(),
            openings: vec![],
            staff: vec![],
            questions: vec![],
            policy: Policy::default(),
            offline_message: None,
            max_text: 0,
            // The same as an absent field, so a default config means what an old one does.
            max_file: DEFAULT_MAX_FILE,
            pow: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StaffPresence {
    pub name: String,
    #[serde(default)]
    pub avatar: Option<String>,
    pub online: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Question {
    pub id: String,
    pub kind: QuestionKind,
    #[serde(default)]
    pub label: Option<String>,
    pub required: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Text,
    Tel,
    Email,
    Textarea,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Policy {
    pub url: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub privacy: bool,
    #[serde(default)]
    pub version: Option<String>,
}

/// Visitor → relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum VisitorIn {
    Start {
        conversation: String,
        secret: String,
        visitor_key: String,
        id: String,
        body: String,
        #[serde(default)]
        pow: Option<String>,
        #[serde(default)]
        consent: Option<Consent>,
        #[serde(default)]
        honeypot: Option<String>,
        #[serde(default)]
        fill_ms: Option<u64>,
    },
    Resume {
        conversation: String,
        secret: String,
        #[serde(default)]
        after: u64,
    },
    Send {
        id: String,
        body: String,
    },
}

/// Relay → visitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum VisitorOut {
    Ack {
        id: String,
        seq: u64,
        at: i64,
    },
    Msg {
        seq: u64,
        id: String,
        from: crate::Side,
        body: String,
        at: i64,
    },
    Deleted {
        seq: u64,
        id: String,
        at: i64,
    },
    Ready {
        online: bool,
    },
    Presence {
        online: bool,
    },
    Error {
        code: ErrorCode,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
}

/// Desk → relay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum DeskIn {
    Hello {
        after: u64,
        #[serde(default)]
        config: Option<SiteConfig>,
    },
    Ack {
        upto: u64,
    },
    Config {
        config: SiteConfig,
    },
    Reply {
        conversation: String,
        id: String,
        body: String,
    },
    /// Deletes one of the desk's replies. `files` names the files that reply carried (the relay
    /// can't read the reply to find them); the relay deletes those of the desk's uploads in
    /// this conversation along with the reply's ciphertext.
    Delete {
        conversation: String,
        id: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        files: Vec<String>,
    },
    Forget {
        conversation: String,
    },
}

/// Relay → desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum DeskOut {
    Event {
        seq: u64,
        at: i64,
        event: VisitorEvent,
    },
    Stored {
        id: String,
        seq: u64,
        at: i64,
    },
    Forgotten {
        conversation: String,
    },
    Error {
        code: ErrorCode,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
}

/// What happened on the visitor's side, in the order the relay committed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VisitorEvent {
    Started {
        conversation: String,
        visitor_key: String,
        ip: String,
        id: String,
        body: String,
    },
    Message {
        conversation: String,
        id: String,
        body: String,
    },
    Presence {
        conversation: String,
        online: bool,
    },
}

impl VisitorEvent {
    pub fn conversation(&self) -> &str {
        match self {
            VisitorEvent::Started { conversation, .. }
            | VisitorEvent::Message { conversation, .. }
            | VisitorEvent::Presence { conversation, .. } => conversation,
        }
    }
}

/// The JSON error body of an HTTP refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpError {
    pub code: ErrorCode,
    pub message: String,
}

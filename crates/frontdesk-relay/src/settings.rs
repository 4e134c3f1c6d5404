//! What an operator can tune, from flags or the config file (`relay.toml` in the data
//! directory, or `--config FILE`). Flags win over the file; the file wins over the defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};

/// The highest `max_file_bytes` an operator may set.
const MAX_FILE_CAP: u64 = 1 << 30;

#[derive(Debug, Clone)]
pub struct Settings {
    /// The most UTF-8 bytes of text in one message (the relay checks the envelope size that
    /// such a message can need; the widget checks the text itself).
    pub max_text: usize,
    /// ALTCHA difficulty: the largest number a visitor's browser may have to try.
    pub pow_max_number: u64,
    /// A form filled in faster than this was not filled in by a person.
    pub min_fill_ms: u64,
    pub new_conversations_per_ip_per_minute: u32,
    pub messages_per_conversation_per_minute: u32,
    /// Conversations with no activity for this long are deleted.
    pub retention_days: u32,
    /// A socket must say `start`, `resume` or `hello` within this time.
    pub first_frame_timeout: Duration,
    /// A client must finish sending its request headers within this time (slow-loris).
    pub header_timeout: Duration,
    /// Take the visitor's address from `X-Forwarded-For` (only behind your own proxy).
    pub trust_forwarded: bool,
    /// Serve a demo web page at `/demo` that embeds the widget for this site.
    pub demo_site: Option<String>,
    /// The relay's own cap on one file's plaintext bytes, whatever a desk's config says.
    pub max_file_bytes: u64,
    /// File uploads per conversation and minute (both sides together).
    pub files_per_conversation_per_minute: u32,
    /// Sealed bytes uploaded per conversation and day (both sides together).
    pub file_bytes_per_conversation_per_day: u64,
    /// Visitor file uploads per IP address and minute, over all conversations.
    pub file_uploads_per_ip_per_minute: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            max_text: 4096,
            pow_max_number: 50_000,
            min_fill_ms: 1500,
            new_conversations_per_ip_per_minute: 5,
            messages_per_conversation_per_minute: 30,
            retention_days: 30,
            first_frame_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            trust_forwarded: false,
            demo_site: None,
            max_file_bytes: 25 * 1024 * 1024,
            files_per_conversation_per_minute: 10,
            file_bytes_per_conversation_per_day: 100 * 1024 * 1024,
            file_uploads_per_ip_per_minute: 30,
        }
    }
}

/// `relay.toml`: every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<SocketAddr>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub allow_plain_http: Option<bool>,
    pub public_url: Option<String>,
    pub max_text: Option<usize>,
    pub pow_max_number: Option<u64>,
    pub min_fill_ms: Option<u64>,
    pub new_conversations_per_ip_per_minute: Option<u32>,
    pub messages_per_conversation_per_minute: Option<u32>,
    pub retention_days: Option<u32>,
    pub first_frame_timeout_secs: Option<u64>,
    pub header_timeout_secs: Option<u64>,
    pub trust_forwarded: Option<bool>,
    pub max_file_bytes: Option<u64>,
    pub files_per_conversation_per_minute: Option<u32>,
    pub file_bytes_per_conversation_per_day: Option<u64>,
    pub file_uploads_per_ip_per_minute: Option<u32>,
}

impl FileConfig {
    /// Reads `path`; a missing default file is an empty config, a missing named one an error.
    pub fn load(path: &Path, must_exist: bool) -> Result<FileConfig> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                toml::from_str(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
                Ok(FileConfig::default())
            }
            Err(e) => Err(Error::Config(format!("{}: {e}", path.display()))),
        }
    }

    pub fn apply(&self, s: &mut Settings) {
        let d = |secs: Option<u64>, v: &mut Duration| {
            if let Some(secs) = secs {
                *v = Duration::from_secs(secs)
            }
        };
        if let Some(v) = self.max_text {
            s.max_text = v;
        }
        if let Some(v) = self.pow_max_number {
            s.pow_max_number = v;
        }
        if let Some(v) = self.min_fill_ms {
            s.min_fill_ms = v;
        }
        if let Some(v) = self.new_conversations_per_ip_per_minute {
            s.new_conversations_per_ip_per_minute = v;
        }
        if let Some(v) = self.messages_per_conversation_per_minute {
            s.messages_per_conversation_per_minute = v;
        }
        if let Some(v) = self.retention_days {
            s.retention_days = v;
        }
        if let Some(v) = self.trust_forwarded {
            s.trust_forwarded = v;
        }
        if let Some(v) = self.max_file_bytes {
            s.max_file_bytes = v;
        }
        if let Some(v) = self.files_per_conversation_per_minute {
            s.files_per_conversation_per_minute = v;
        }
        if let Some(v) = self.file_bytes_per_conversation_per_day {
            s.file_bytes_per_conversation_per_day = v;
        }
        if let Some(v) = self.file_uploads_per_ip_per_minute {
            s.file_uploads_per_ip_per_minute = v;
        }
        d(self.first_frame_timeout_secs, &mut s.first_frame_timeout);
        d(self.header_timeout_secs, &mut s.header_timeout);
    }
}

impl Settings {
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::Config(m.to_owned()));
        if !(64..=65_536).contains(&self.max_text) {
            return bad("max-text must be between 64 and 65536 bytes");
        }
        if self.new_conversations_per_ip_per_minute == 0
            || self.messages_per_conversation_per_minute == 0
            || self.files_per_conversation_per_minute == 0
            || self.file_uploads_per_ip_per_minute == 0
        {
            return bad("rate limits must be at least 1 per minute");
        }
        if self.retention_days == 0 {
            return bad("retention-days must be at least 1");
        }
        // Files are held in memory while they are checked and stored: 1 GiB is far past any
        // picture or PDF a clinic chat needs.
        if !(1..=MAX_FILE_CAP).contains(&self.max_file_bytes) {
            return bad("max-file-bytes must be between 1 and 1073741824");
        }
        // The day's budget must hold at least one file of the largest size, and fit the rate
        // limiter's 32-bit counter.
        if self.file_bytes_per_conversation_per_day < self.max_sealed_file() as u64
            || self.file_bytes_per_conversation_per_day > u64::from(u32::MAX)
        {
            return bad(
                "file-bytes-per-conversation-per-day must be at least max-file-bytes (plus 28) \
                 and at most 4294967295",
            );
        }
        Ok(())
    }

    /// The largest sealed file the relay takes from anyone (a site may take less).
    pub fn max_sealed_file(&self) -> usize {
        frontdesk_proto::crypto::max_sealed_file_len(self.max_file_bytes as usize)
    }

    pub fn max_envelope(&self) -> usize {
        frontdesk_proto::crypto::max_envelope_len(self.max_text)
    }

    /// The largest frame worth reading: an envelope plus the JSON around it.
    pub fn max_frame(&self) -> usize {
        self.max_envelope() + 2048
    }
}

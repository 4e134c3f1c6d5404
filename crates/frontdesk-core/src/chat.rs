//! Website chat at the desk: the relay link's settings and the desk's key pair, conversations
//! and their messages (decrypted here, stored in the encrypted database), and what the desk
//! publishes to the relay as the site config.
//!
//! Two ways in:
//! - staff requests through the one door (`Request::Chat*`, `Conversation*`): list, read,
//!   reply, quote, delete one's own reply, link a conversation to a client;
//! - the host's relay link (`Clinic::ingest`, `Clinic::site_config`, the outbox in
//!   `outbox.rs`). These are the clinic's own machinery, not a staff member's action, so they
//!   pass no permission check; they never return message text to the host, only to the door.
//!
//! Ingesting is exactly-once by construction: every row is an upsert by the id the sender made,
//! and the cursor moves in the same transaction as the rows, so a batch seen twice (after a
//! crash before the ack) changes nothing the second time.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use frontdesk_proto::crypto::{Body, ConversationKey, DeskKey, FileRef, Quote, Side};
use frontdesk_proto::wire::{
    DeskIn, Policy, Question, QuestionKind, SiteConfig, StaffPresence, VisitorEvent,
};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::attachments::store::{self as files, ChatFile};
use crate::audit::Actor;
use crate::auth::Secret;
use crate::clients::{self, ClientFields, ClientSource, ClientSummary};
use crate::clinic::Clinic;
use crate::door::Ctx;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::staff::Avatar;
use crate::tasks::{self, Task};
use crate::{clock, outbox, routing, validate};

/// The most UTF-8 bytes of text in one message, both ways. The relay enforces the envelope
/// size a message of this length can need.
pub const MAX_TEXT: usize = 4096;
const QUOTE_CHARS: usize = 200;
const EXCERPT_CHARS: usize = 120;
const MAX_QUESTIONS: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SmsHeader {
    pub name: String,
    pub value: String,
}

/// A generic HTTP SMS gateway. `{to}` and `{text}` in the URL and body are replaced, escaped
/// for `body_format` (`json`: inside a JSON string; `form`: URL-encoded; `raw`: as is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SmsGateway {
    pub url: String,
    pub method: String,
    #[serde(default)]
    pub headers: Vec<SmsHeader>,
    #[serde(default)]
    pub body_template: String,
    pub body_format: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SmsRecipient {
    pub staff_id: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChatSettings {
    pub relay_url: Option<String>,
    /// Whether a desk token is stored (the token itself never leaves the database).
    pub token_set: bool,
    /// The desk's public key, as published; visitors encrypt to it.
    pub desk_public_key: String,
    pub questions: Vec<Question>,
    pub policy_url: String,
    pub policy_version: String,
    pub offline_message: Option<String>,
    /// Answer visitors by itself outside opening hours (on by default).
    pub after_hours_reply: bool,
    /// The most a file sent in chat may weigh, in MiB (1 to 25).
    pub max_file_mb: u32,
    pub logo: Option<Avatar>,
    pub sms_gateway: Option<SmsGateway>,
    pub sms_recipients: Vec<SmsRecipient>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChatSettingsInput {
    pub relay_url: Option<String>,
    /// A new desk token; `None` keeps the stored one, an empty one removes it.
    #[serde(default)]
    pub desk_token: Option<Secret>,
    pub questions: Vec<Question>,
    pub policy_url: String,
    pub policy_version: String,
    #[serde(default)]
    pub offline_message: Option<String>,
    #[serde(default = "on")]
    pub after_hours_reply: bool,
    #[serde(default = "default_max_file_mb")]
    pub max_file_mb: u32,
    #[serde(default)]
    pub logo: Option<Avatar>,
    #[serde(default)]
    pub sms_gateway: Option<SmsGateway>,
    #[serde(default)]
    pub sms_recipients: Vec<SmsRecipient>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ChatSide {
    Visitor,
    Desk,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChatQuote {
    pub id: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChatMessage {
    pub id: String,
    pub conversation_id: String,
    pub side: ChatSide,
    pub staff_id: Option<String>,
    pub sender: Option<String>,
    /// Empty once deleted.
    pub text: String,
    pub quote: Option<ChatQuote>,
    pub unreadable: bool,
    pub at: String,
    /// Desk messages: when the relay stored it for the visitor.
    pub delivered_at: Option<String>,
    pub deleted_at: Option<String>,
    // The fields below came with issue 11: a client export written before them still reads.
    /// Written by the desk itself (after hours, an FAQ answer), not by a person.
    #[serde(default)]
    pub auto: Option<Auto>,
    /// An FAQ answer: the entry it came from and how sure the match was, in percent.
    #[serde(default)]
    pub faq_id: Option<String>,
    #[serde(default)]
    pub score: Option<u8>,
    /// An automatic answer a person corrected: their reply, which replaced it at the visitor.
    #[serde(default)]
    pub corrected_by: Option<String>,
    /// The visitor asked for a person.
    #[serde(default)]
    pub handoff: bool,
    /// Pictures and documents the message carries (thumbnails only; `ChatFileGet` has the rest).
    #[serde(default)]
    pub files: Vec<ChatFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConversationSummary {
    pub id: String,
    pub client_id: Option<String>,
    pub client_name: Option<String>,
    pub visitor_name: Option<String>,
    pub last_message_at: String,
    pub last_text: String,
    pub last_side: ChatSide,
    pub unanswered: bool,
    pub visitor_online: bool,
    pub visitor_seen_at: Option<String>,
    /// Who answers it now; `None` with `queued` when it waits for someone to be free.
    pub assignee_id: Option<String>,
    pub assignee_name: Option<String>,
    pub queued: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Conversation {
    pub id: String,
    pub client_id: Option<String>,
    pub client_name: Option<String>,
    pub visitor_name: Option<String>,
    pub visitor_phone: Option<String>,
    pub visitor_email: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "Record<string, string>"))]
    pub answers: Map<String, Value>,
    pub page_url: Option<String>,
    pub lang: Option<String>,
    pub ip: Option<String>,
    pub marketing_opt_in: Option<bool>,
    pub policy_version: Option<String>,
    pub started_at: String,
    pub last_message_at: String,
    pub visitor_online: bool,
    pub visitor_seen_at: Option<String>,
    pub unanswered: bool,
    pub messages: Vec<ChatMessage>,
    /// Clients whose email or phone matches the answers, when none is linked yet.
    pub client_matches: Vec<ClientSummary>,
    /// The latest chat task, with its hand-overs: who answers this conversation, and why.
    pub task: Option<Box<Task>>,
}

/// What the host needs to connect: where, with which token, from which cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayLink {
    pub url: String,
    pub token: String,
    pub cursor: u64,
}

/// One committed relay entry as the desk received it.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub seq: u64,
    pub at: i64,
    pub event: VisitorEvent,
}

fn on() -> bool {
    true
}

fn default_max_file_mb() -> u32 {
    files::DEFAULT_MAX_FILE_MB
}

fn default_questions() -> Vec<Question> {
    let q = |id: &str, kind, required| Question {
        id: id.into(),
        kind,
        label: None,
        required,
    };
    vec![
        q("name", QuestionKind::Text, true),
        q("phone", QuestionKind::Tel, false),
        q("email", QuestionKind::Email, false),
        q("question", QuestionKind::Textarea, true),
    ]
}

/// The link row, made (with a fresh desk key) the first time anyone asks.
fn ensure_link(conn: &Connection, now: &str) -> Result<()> {
    let exists = conn.prepare_cached("SELECT 1 FROM chat_link")?.exists([])?;
    if !exists {
        let key = DeskKey::generate();
        conn.execute(
            "INSERT INTO chat_link (one, desk_key, questions, updated_at) VALUES (1, ?1, ?2, ?3)",
            params![
                key.to_bytes().as_slice(),
                serde_json::to_string(&default_questions()).expect("questions serialize"),
                now
            ],
        )?;
    }
    Ok(())
}

fn desk_key(conn: &Connection) -> Result<DeskKey> {
    let bytes: Vec<u8> = conn.query_row("SELECT desk_key FROM chat_link", [], |r| r.get(0))?;
    DeskKey::from_bytes(&bytes).map_err(|_| Error::Corrupt)
}

pub(crate) fn settings(conn: &Connection, now: &str) -> Result<ChatSettings> {
    ensure_link(conn, now)?;
    let key = desk_key(conn)?;
    let mut s = conn.query_row(
        "SELECT relay_url, desk_token IS NOT NULL, questions, policy_url, policy_version,
                offline_message, logo, logo_mime, sms_gateway, after_hours_reply, max_file_mb
           FROM chat_link",
        [],
        |r| {
            let logo: Option<Vec<u8>> = r.get(6)?;
            let mime: Option<String> = r.get(7)?;
            Ok(ChatSettings {
                relay_url: r.get(0)?,
                token_set: r.get(1)?,
                desk_public_key: String::new(),
                questions: serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or_default(),
                policy_url: r.get(3)?,
                policy_version: r.get(4)?,
                offline_message: r.get(5)?,
                after_hours_reply: r.get(9)?,
                max_file_mb: r.get(10)?,
                logo: logo.zip(mime).map(|(b, mime)| Avatar {
                    mime,
                    base64: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b),
                }),
                sms_gateway: r
                    .get::<_, Option<String>>(8)?
                    .and_then(|g| serde_json::from_str(&g).ok()),
                sms_recipients: vec![],
            })
        },
    )?;
    s.desk_public_key = key.public_b64();
    let mut st =
        conn.prepare_cached("SELECT staff_id, phone FROM chat_sms_recipients ORDER BY staff_id")?;
    s.sms_recipients = st
        .query_map([], |r| {
            Ok(SmsRecipient {
                staff_id: r.get(0)?,
                phone: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(s)
}

fn check_url(field: &str, url: &str, schemes: &[&str]) -> Result<String> {
    let url = url.trim();
    let ok = schemes.iter().any(|s| {
        url.strip_prefix(s)
            .and_then(|r| r.strip_prefix("://"))
            .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
    });
    if !ok || url.len() > 500 {
        return Err(Error::invalid(
            field,
            "validation.url",
            format!("must be a {} address", schemes.join(" or ")),
        ));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

fn check_questions(qs: &[Question]) -> Result<()> {
    if qs.is_empty() || qs.len() > MAX_QUESTIONS {
        return Err(Error::invalid(
            "questions",
            "validation.questions",
            format!("between 1 and {MAX_QUESTIONS} questions"),
        ));
    }
    for (i, q) in qs.iter().enumerate() {
        let id_ok = !q.id.is_empty()
            && q.id.len() <= 40
            && q.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !id_ok || qs[..i].iter().any(|o| o.id == q.id) {
            return Err(Error::invalid(
                "questions",
                "validation.questions",
                "each question needs its own id of lowercase letters, digits and _",
            ));
        }
        let standard = ["name", "phone", "email", "question"].contains(&q.id.as_str());
        if !standard && q.label.as_deref().is_none_or(|l| l.trim().is_empty()) {
            return Err(Error::invalid(
                "questions",
                "validation.questions",
                "a question of your own needs a label",
            ));
        }
        if let Some(l) = &q.label {
            validate::text("questions", l, 200, false)?;
        }
    }
    Ok(())
}

pub(crate) fn update_settings(
    conn: &Connection,
    ctx: &Ctx,
    input: &ChatSettingsInput,
) -> Result<ChatSettings> {
    let now = ctx.stamp();
    ensure_link(conn, &now)?;
    let relay_url = match input.relay_url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(u) => Some(check_url("relay_url", u, &["https", "http", "wss", "ws"])?),
    };
    check_questions(&input.questions)?;
    let policy_url = match input.policy_url.trim() {
        "" => String::new(),
        u => check_url("policy_url", u, &["https", "http"])?,
    };
    let policy_version = validate::required("policy_version", &input.policy_version, 40)?;
    let offline = validate::optional("offline_message", input.offline_message.as_deref(), 500)?;
    if !files::MAX_FILE_MB.contains(&input.max_file_mb) {
        return Err(Error::invalid(
            "max_file_mb",
            "validation.max_file_mb",
            format!(
                "must be between {} and {} MB",
                files::MAX_FILE_MB.start(),
                files::MAX_FILE_MB.end()
            ),
        ));
    }
    if let Some(g) = &input.sms_gateway {
        check_url("sms_gateway.url", &g.url, &["https", "http"])?;
        if !["GET", "POST", "PUT"].contains(&g.method.as_str()) {
            return Err(Error::invalid(
                "sms_gateway.method",
                "validation.sms_gateway",
                "must be GET, POST or PUT",
            ));
        }
        if !["json", "form", "raw"].contains(&g.body_format.as_str()) {
            return Err(Error::invalid(
                "sms_gateway.body_format",
                "validation.sms_gateway",
                "must be json, form or raw",
            ));
        }
        for h in &g.headers {
            let name_ok = !h.name.is_empty()
                && h.name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if !name_ok || h.value.contains(['\r', '\n']) {
                return Err(Error::invalid(
                    "sms_gateway.headers",
                    "validation.sms_gateway",
                    "a header name is letters, digits and -, and a value is one line",
                ));
            }
        }
        if !g.url.contains("{to}") && !g.body_template.contains("{to}") {
            return Err(Error::invalid(
                "sms_gateway.body_template",
                "validation.sms_gateway",
                "the URL or the body must contain {to}",
            ));
        }
    }
    let mut recipients = vec![];
    for r in &input.sms_recipients {
        crate::staff::get(conn, &r.staff_id)?;
        let p = validate::phone("sms_recipients", &r.phone, ctx.region)?;
        recipients.push((r.staff_id.clone(), p.e164));
    }
    let logo = match &input.logo {
        None => None,
        Some(a) => Some(crate::staff::check_avatar(a)?),
    };
    conn.execute(
        "UPDATE chat_link SET relay_url = ?1, questions = ?2, policy_url = ?3, policy_version = ?4,
                offline_message = ?5, logo = ?6, logo_mime = ?7, sms_gateway = ?8, updated_at = ?9,
                after_hours_reply = ?10, max_file_mb = ?11",
        params![
            relay_url,
            serde_json::to_string(&input.questions).expect("questions serialize"),
            policy_url,
            policy_version,
            offline,
            logo.as_ref().map(|(_, b)| b.as_slice()),
            logo.as_ref().map(|(m, _)| m.as_str()),
            input
                .sms_gateway
                .as_ref()
                .map(|g| serde_json::to_string(g).expect("serializes")),
            now,
            input.after_hours_reply,
            input.max_file_mb
        ],
    )?;
    match input
        .desk_token
        .as_ref()
        .map(|t| t.expose().trim().to_owned())
    {
        None => {}
        Some(t) if t.is_empty() => {
            conn.execute("UPDATE chat_link SET desk_token = NULL, cursor = 0", [])?;
        }
        Some(t) => {
            if !t.starts_with("fds_") || t.len() < 40 || t.len() > 100 {
                return Err(Error::invalid(
                    "desk_token",
                    "validation.desk_token",
                    "is not a desk token (it starts with fds_; `frontdesk-relay site add` prints it)",
                ));
            }
            // A new token may mean a new relay or site: start again from its beginning.
            conn.execute("UPDATE chat_link SET desk_token = ?1, cursor = 0", [t])?;
        }
    }
    conn.execute("DELETE FROM chat_sms_recipients", [])?;
    for (staff, phone) in recipients {
        conn.execute(
            "INSERT OR REPLACE INTO chat_sms_recipients (staff_id, phone) VALUES (?1, ?2)",
            params![staff, phone],
        )?;
    }
    settings(conn, &now)
}

/// Bytes of text allowed; counted as UTF-8 like the widget does.
fn check_text(text: &str) -> Result<String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Error::invalid("text", "validation.required", "is empty"));
    }
    if t.len() > MAX_TEXT {
        return Err(Error::invalid(
            "text",
            "validation.too_long",
            format!("is {} bytes; at most {MAX_TEXT}", t.len()),
        ));
    }
    Ok(t.to_owned())
}

fn excerpt(text: &str, chars: usize) -> String {
    let mut out: String = text.chars().take(chars).collect();
    if text.chars().count() > chars {
        out.push('…');
    }
    out
}

fn message_row(r: &Row) -> rusqlite::Result<ChatMessage> {
    let deleted_at: Option<String> = r.get("deleted_at")?;
    let side: String = r.get("side")?;
    let quote_id: Option<String> = r.get("quote_id")?;
    let quote_text: Option<String> = r.get("quote_text")?;
    Ok(ChatMessage {
        id: r.get("id")?,
        conversation_id: r.get("conversation_id")?,
        side: if side == "desk" {
            ChatSide::Desk
        } else {
            ChatSide::Visitor
        },
        staff_id: r.get("staff_id")?,
        sender: r.get("sender")?,
        text: if deleted_at.is_some() {
            String::new()
        } else {
            r.get("body")?
        },
        quote: quote_id.map(|id| ChatQuote {
            id,
            text: quote_text.unwrap_or_default(),
        }),
        unreadable: r.get("unreadable")?,
        at: r.get("at")?,
        delivered_at: r.get("delivered_at")?,
        deleted_at,
        auto: match r.get::<_, Option<String>>("auto")?.as_deref() {
            Some("after_hours") => Some(Auto::AfterHours),
            Some("faq") => Some(Auto::Faq),
            _ => None,
        },
        faq_id: r.get("faq_id")?,
        score: r
            .get::<_, Option<f64>>("score")?
            .map(|s| (s * 100.0).round().clamp(0.0, 100.0) as u8),
        corrected_by: r.get("corrected_by")?,
        handoff: r.get("handoff")?,
        files: vec![],
    })
}

fn message(conn: &Connection, id: &str) -> Result<ChatMessage> {
    let m = conn
        .query_row(
            "SELECT * FROM chat_messages WHERE id = ?1",
            [id],
            message_row,
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "message",
            id: id.to_owned(),
        })?;
    let mut one = [m];
    files::attach(conn, &mut one)?;
    let [m] = one;
    Ok(m)
}

pub(crate) fn message_with_files(conn: &Connection, id: &str) -> Result<ChatMessage> {
    message(conn, id)
}

/// The key a conversation's messages and files are sealed with.
pub(crate) fn conversation_key(
    conn: &Connection,
    conversation_id: &str,
) -> Result<ConversationKey> {
    let visitor_key: String = conn
        .query_row(
            "SELECT visitor_key FROM conversations WHERE id = ?1",
            [conversation_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "conversation",
            id: conversation_id.to_owned(),
        })?;
    desk_key(conn)?
        .conversation_key(&visitor_key, conversation_id)
        .map_err(|_| Error::Corrupt)
}

fn client_name(conn: &Connection, id: Option<&str>) -> Result<Option<String>> {
    let Some(id) = id else { return Ok(None) };
    Ok(conn
        .query_row("SELECT full_name FROM clients WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?)
}

pub(crate) fn list(
    conn: &Connection,
    unanswered_only: bool,
    limit: u32,
) -> Result<Vec<ConversationSummary>> {
    let mut st = conn.prepare_cached(
        "SELECT c.id, c.client_id, cl.full_name, c.visitor_name, c.last_message_at, c.unanswered,
                c.visitor_online, c.visitor_seen_at,
                (SELECT CASE WHEN m.deleted_at IS NULL THEN m.body ELSE '' END || char(31) || m.side
                   FROM chat_messages m WHERE m.conversation_id = c.id ORDER BY m.seq DESC LIMIT 1),
                t.assignee_id, s.display_name, t.id IS NOT NULL AND t.assignee_id IS NULL
           FROM conversations c LEFT JOIN clients cl ON cl.id = c.client_id
           LEFT JOIN tasks t ON t.conversation_id = c.id AND t.kind = 'chat'
                AND t.status IN ('open', 'in_progress')
           LEFT JOIN staff s ON s.id = t.assignee_id
          WHERE (?1 = 0 OR c.unanswered = 1) AND cl.restricted_at IS NULL
          ORDER BY c.unanswered DESC, c.last_message_at DESC LIMIT ?2",
    )?;
    let rows = st.query_map(params![unanswered_only as i64, limit], |r| {
        let last: Option<String> = r.get(8)?;
        let (text, side) = last
            .as_deref()
            .and_then(|l| l.rsplit_once('\u{1f}'))
            .map(|(t, s)| (t.to_owned(), s.to_owned()))
            .unwrap_or_default();
        Ok(ConversationSummary {
            id: r.get(0)?,
            client_id: r.get(1)?,
            client_name: r.get(2)?,
            visitor_name: r.get(3)?,
            last_message_at: r.get(4)?,
            unanswered: r.get(5)?,
            visitor_online: r.get(6)?,
            visitor_seen_at: r.get(7)?,
            assignee_id: r.get(9)?,
            assignee_name: r.get(10)?,
            queued: r.get(11)?,
            last_text: excerpt(&text, EXCERPT_CHARS),
            last_side: if side == "desk" {
                ChatSide::Desk
            } else {
                ChatSide::Visitor
            },
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn get(conn: &Connection, ctx: &Ctx, id: &str) -> Result<Conversation> {
    let mut c = conn
        .query_row("SELECT * FROM conversations WHERE id = ?1", [id], |r| {
            Ok(Conversation {
                id: r.get("id")?,
                client_id: r.get("client_id")?,
                client_name: None,
                visitor_name: r.get("visitor_name")?,
                visitor_phone: r.get("visitor_phone")?,
                visitor_email: r.get("visitor_email")?,
                answers: serde_json::from_str(&r.get::<_, String>("answers")?).unwrap_or_default(),
                page_url: r.get("page_url")?,
                lang: r.get("lang")?,
                ip: r.get("ip")?,
                marketing_opt_in: r.get("marketing_opt_in")?,
                policy_version: r.get("policy_version")?,
                started_at: r.get("started_at")?,
                last_message_at: r.get("last_message_at")?,
                visitor_online: r.get("visitor_online")?,
                visitor_seen_at: r.get("visitor_seen_at")?,
                unanswered: r.get("unanswered")?,
                messages: vec![],
                client_matches: vec![],
                task: None,
            })
        })
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "conversation",
            id: id.to_owned(),
        })?;
    c.client_name = client_name(conn, c.client_id.as_deref())?;
    let mut st = conn.prepare_cached(
        "SELECT * FROM chat_messages WHERE conversation_id = ?1 ORDER BY at, seq",
    )?;
    c.messages = st
        .query_map([id], message_row)?
        .collect::<rusqlite::Result<_>>()?;
    files::attach(conn, &mut c.messages)?;
    c.task = tasks::for_conversation(conn, ctx.now, id)?.map(Box::new);
    if c.client_id.is_none() {
        let ids = matching_clients(
            conn,
            ctx.region,
            c.visitor_email.as_deref(),
            c.visitor_phone.as_deref(),
        )?;
        let seqs: Vec<i64> = ids
            .iter()
            .filter_map(|id| {
                conn.query_row("SELECT seq FROM clients WHERE id = ?1", [id], |r| r.get(0))
                    .ok()
            })
            .collect();
        c.client_matches = clients::summaries(conn, &seqs)?;
    }
    Ok(c)
}

/// Clients whose email or phone matches, best first (both matching before either).
fn matching_clients(
    conn: &Connection,
    region: phonenumber::country::Id,
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<Vec<String>> {
    let email = email
        .and_then(|e| validate::email("email", Some(e)).ok().flatten())
        .map(|(_, n)| n);
    let e164 = phone
        .and_then(|p| validate::phone("phone", p, region).ok())
        .map(|p| p.e164);
    let mut by_email: Vec<String> = vec![];
    if let Some(n) = &email {
        let mut st = conn.prepare_cached("SELECT id FROM clients WHERE email_norm = ?1 LIMIT 5")?;
        by_email = st
            .query_map([n], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
    }
    let mut by_phone: Vec<String> = vec![];
    if let Some(p) = &e164 {
        let mut st = conn.prepare_cached(
            "SELECT DISTINCT client_id FROM client_phones WHERE e164 = ?1 LIMIT 5",
        )?;
        by_phone = st
            .query_map([p], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
    }
    let mut out: Vec<String> = by_email
        .iter()
        .filter(|id| by_phone.contains(id))
        .cloned()
        .collect();
    for id in by_email.into_iter().chain(by_phone) {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

pub(crate) fn for_client(conn: &Connection, client_id: &str) -> Result<Vec<ConversationSummary>> {
    clients::get(conn, client_id)?;
    let all = list_where(conn, client_id)?;
    Ok(all)
}

fn list_where(conn: &Connection, client_id: &str) -> Result<Vec<ConversationSummary>> {
    let ids: Vec<String> = conn
        .prepare_cached(
            "SELECT id FROM conversations WHERE client_id = ?1 ORDER BY last_message_at DESC",
        )?
        .query_map([client_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let everything = list(conn, false, u32::MAX)?;
    Ok(everything
        .into_iter()
        .filter(|s| ids.contains(&s.id))
        .collect())
}

pub(crate) fn reply(
    conn: &Connection,
    ctx: &Ctx,
    conversation_id: &str,
    id: Option<&str>,
    text: &str,
    quote_id: Option<&str>,
) -> Result<ChatMessage> {
    reply_inner(conn, ctx, conversation_id, id, text, quote_id, &[])
}

/// A reply carrying files (the text may then be empty). The caller stores the files and
/// queues their uploads in the same transaction; the reply frame waits for those uploads.
pub(crate) fn reply_files(
    conn: &Connection,
    ctx: &Ctx,
    conversation_id: &str,
    id: Option<&str>,
    text: &str,
    files: &[FileRef],
) -> Result<ChatMessage> {
    reply_inner(conn, ctx, conversation_id, id, text, None, files)
}

fn reply_inner(
    conn: &Connection,
    ctx: &Ctx,
    conversation_id: &str,
    id: Option<&str>,
    text: &str,
    quote_id: Option<&str>,
    files: &[FileRef],
) -> Result<ChatMessage> {
    let text = if files.is_empty() || !text.trim().is_empty() {
        check_text(text)?
    } else {
        String::new()
    };
    let id = match id {
        None => ulid::Ulid::new().to_string(),
        Some(given) => ulid::Ulid::from_string(given.trim())
            .map_err(|_| Error::invalid("id", "validation.id", "is not a ULID"))?
            .to_string(),
    };
    if let Ok(existing) = message(conn, &id) {
        // A retried reply: the first one stands.
        if existing.conversation_id == conversation_id && existing.text == text {
            return Ok(existing);
        }
        return Err(Error::Conflict {
            kind: "message",
            id,
        });
    }
    let key = conversation_key(conn, conversation_id)?;
    let quote = match quote_id {
        None => None,
        Some(q) => {
            let m = message(conn, q)?;
            if m.conversation_id != conversation_id || m.deleted_at.is_some() || m.unreadable {
                return Err(Error::invalid(
                    "quote_id",
                    "validation.quote",
                    "can't quote that message",
                ));
            }
            Some(Quote {
                id: m.id,
                text: excerpt(&m.text, QUOTE_CHARS),
            })
        }
    };
    let (staff_id, name) = author(conn, ctx)?;
    let body = Body {
        text: text.clone(),
        quote: quote.clone(),
        sender: name.clone(),
        files: files.to_vec(),
        ..Body::default()
    };
    let envelope = key.seal(&id, Side::Desk, &body);
    conn.execute(
        "INSERT INTO chat_messages (id, conversation_id, side, staff_id, sender, body, quote_id, quote_text, at)
         VALUES (?1, ?2, 'desk', ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id, conversation_id, staff_id, name, text, quote.as_ref().map(|q| &q.id), quote.as_ref().map(|q| &q.text), ctx.stamp()],
    )?;
    conn.execute(
        "UPDATE conversations SET unanswered = 0, last_message_at = ?2 WHERE id = ?1",
        params![conversation_id, ctx.stamp()],
    )?;
    tasks::chat_answered(conn, ctx, conversation_id)?;
    queue_reply(conn, ctx.now, conversation_id, &id, envelope)?;
    message(conn, &id)
}

/// A sealed desk message waits in the outbox until the relay has stored it.
fn queue_reply(
    conn: &Connection,
    now: DateTime<Utc>,
    conversation_id: &str,
    id: &str,
    envelope: String,
) -> Result<()> {
    outbox::push_relay(
        conn,
        now,
        id,
        &DeskIn::Reply {
            conversation: conversation_id.to_owned(),
            id: id.to_owned(),
            body: envelope,
        },
    )
}

/// A person's answer in place of an automatic one: sent as their reply, and the automatic
/// answer is taken back at the visitor (the desk keeps it, marked as corrected, so the FAQ
/// entry's misses can be counted and the entry mended).
pub(crate) fn correct(
    conn: &Connection,
    ctx: &Ctx,
    message_id: &str,
    id: Option<&str>,
    text: &str,
) -> Result<ChatMessage> {
    let m = message(conn, message_id)?;
    if let Some(done) = &m.corrected_by {
        // A retried correction: the first one stands.
        if id.is_none_or(|i| i == done) {
            return message(conn, done);
        }
    }
    if m.auto.is_none() || m.deleted_at.is_some() || m.corrected_by.is_some() {
        return Err(Error::invalid(
            "message_id",
            "validation.not_automatic",
            "only an automatic answer that stands can be corrected",
        ));
    }
    let fixed = reply(conn, ctx, &m.conversation_id, id, text, None)?;
    conn.execute(
        "UPDATE chat_messages SET corrected_by = ?2 WHERE id = ?1",
        params![message_id, fixed.id],
    )?;
    take_back(conn, ctx, &m.conversation_id, message_id, vec![])?;
    Ok(fixed)
}

/// Asks the relay to delete a desk message's ciphertext and its files: the visitor sees it as
/// deleted.
fn take_back(
    conn: &Connection,
    ctx: &Ctx,
    conversation_id: &str,
    message_id: &str,
    files: Vec<String>,
) -> Result<()> {
    outbox::push_relay(
        conn,
        ctx.now,
        &format!("{message_id}-delete"),
        &DeskIn::Delete {
            conversation: conversation_id.to_owned(),
            id: message_id.to_owned(),
            files,
        },
    )
}

/// Who writes a reply: the staff member and the name the visitor sees.
fn author(conn: &Connection, ctx: &Ctx) -> Result<(Option<String>, Option<String>)> {
    match &ctx.actor {
        Actor::Staff(id) => {
            let name: String =
                conn.query_row("SELECT display_name FROM staff WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
            Ok((Some(id.clone()), Some(name)))
        }
        _ => Ok((None, None)),
    }
}

pub(crate) fn delete(conn: &Connection, ctx: &Ctx, message_id: &str) -> Result<ChatMessage> {
    let m = message(conn, message_id)?;
    let own = match &ctx.actor {
        Actor::Staff(id) => m.staff_id.as_deref() == Some(id.as_str()),
        Actor::Operator => true,
        Actor::Anonymous | Actor::System => false,
    };
    if m.side != ChatSide::Desk || !own {
        return Err(Error::invalid(
            "message_id",
            "validation.not_own_message",
            "only your own replies can be deleted",
        ));
    }
    if m.deleted_at.is_some() {
        return Ok(m);
    }
    conn.execute(
        "UPDATE chat_messages SET deleted_at = ?2, deleted_by = ?3, body = '' WHERE id = ?1",
        params![message_id, ctx.stamp(), author(conn, ctx)?.0],
    )?;
    // The reply's files go with it, here and at the relay.
    let file_ids = files::delete_desk_files(conn, message_id)?;
    take_back(conn, ctx, &m.conversation_id, message_id, file_ids)?;
    message(conn, message_id)
}

pub(crate) fn link_client(
    conn: &Connection,
    ctx: &Ctx,
    id: &str,
    client_id: &str,
) -> Result<Conversation> {
    clients::get(conn, client_id)?;
    let n = conn.execute(
        "UPDATE conversations SET client_id = ?2 WHERE id = ?1",
        params![id, client_id],
    )?;
    if n == 0 {
        return Err(Error::NotFound {
            kind: "conversation",
            id: id.to_owned(),
        });
    }
    // What the visitor agreed to in the questionnaire becomes the client's consent record.
    crate::consents::from_chat(conn, ctx.now, ctx.staff_id(), id)?;
    get(conn, ctx, id)
}

/// One click: a new client from the questionnaire answers, linked to the conversation.
pub(crate) fn create_client(
    conn: &Connection,
    ctx: &Ctx,
    id: &str,
) -> Result<(Conversation, String)> {
    let c = get(conn, ctx, id)?;
    if let Some(existing) = &c.client_id {
        return Ok((c.clone(), existing.clone()));
    }
    let name = c
        .visitor_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| {
            Error::invalid(
                "full_name",
                "validation.required",
                "the visitor gave no name",
            )
        })?;
    let phone = c
        .visitor_phone
        .clone()
        .filter(|p| validate::phone("phone", p, ctx.region).is_ok());
    let email = c
        .visitor_email
        .clone()
        .filter(|e| validate::email("email", Some(e)).is_ok());
    // The conversation id makes the client id: a repeated click finds the same client.
    let client_id = ulid::Ulid::from_string(id)
        .map(|u| u.to_string())
        .unwrap_or_default();
    let fields = ClientFields {
        full_name: name,
        phones: phone.into_iter().collect(),
        email,
        preferred_language: c
            .lang
            .clone()
            .filter(|l| validate::language(Some(l)).is_ok()),
        source: ClientSource::WebChat,
        ..ClientFields::default()
    };
    let saved = clients::create(conn, ctx, Some(&client_id), &fields)?;
    let conv = link_client(conn, ctx, id, &saved.client.id)?;
    Ok((conv, saved.client.id))
}

fn answer(answers: &Map<String, Value>, key: &str) -> Option<String> {
    answers
        .get(key)
        .and_then(Value::as_str)
        .map(|s| s.trim().chars().take(500).collect::<String>())
        .filter(|s| !s.is_empty())
}

fn ms(at: i64) -> String {
    clock::stamp(DateTime::from_timestamp_millis(at).unwrap_or_default())
}

impl Clinic {
    /// The relay link the host should keep up, if one is configured.
    pub fn relay_link(&self) -> Result<Option<RelayLink>> {
        let conn = self.db();
        ensure_link(&conn, &clock::stamp(self.now()))?;
        Ok(conn.query_row(
            "SELECT relay_url, desk_token, cursor FROM chat_link",
            [],
            |r| {
                let url: Option<String> = r.get(0)?;
                let token: Option<String> = r.get(1)?;
                Ok(url.zip(token).map(|(url, token)| RelayLink {
                    url,
                    token,
                    cursor: r.get::<_, i64>(2).unwrap_or(0) as u64,
                }))
            },
        )?)
    }

    /// Pairs the desk with a relay (the admin CLI and the desk's built-in relay use this).
    pub fn set_relay_link(&self, url: &str, token: &str) -> Result<()> {
        let conn = self.db();
        ensure_link(&conn, &clock::stamp(self.now()))?;
        let url = check_url("relay_url", url, &["https", "http", "wss", "ws"])?;
        conn.execute(
            "UPDATE chat_link SET relay_url = ?1, desk_token = ?2, cursor = 0",
            params![url, token.trim()],
        )?;
        drop(conn);
        self.listeners.send(Event::ChatSettingsChanged);
        Ok(())
    }

    /// What the relay serves to the widget: public facts only.
    pub fn site_config(&self) -> Result<SiteConfig> {
        let now = self.now();
        let online = self.sessions.online_staff(now, self.idle_timeout()?);
        let conn = self.db();
        let info = Clinic::info(&conn)?;
        let s = settings(&conn, &clock::stamp(now))?;
        let tz = validate::time_zone(&info.time_zone)?;
        let staff = crate::staff::list(&conn, false)?;
        let openings = openings(&conn, &staff, tz, now, 14)?;
        let mut presence: Vec<StaffPresence> = staff
            .iter()
            .map(|st| StaffPresence {
                name: st.fields.display_name.clone(),
                avatar: st
                    .fields
                    .avatar
                    .as_ref()
                    .map(|a| format!("data:{};base64,{}", a.mime, a.base64)),
                online: online.contains(&st.id),
            })
            .collect();
        // The launcher shows a few faces: whoever is online first.
        presence.sort_by_key(|p| !p.online);
        presence.truncate(5);
        Ok(SiteConfig {
            clinic: info.name,
            logo: s
                .logo
                .map(|a| format!("data:{};base64,{}", a.mime, a.base64)),
            desk_key: s.desk_public_key,
            time_zone: tz.name().to_owned(),
            openings,
            staff: presence,
            questions: s.questions,
            policy: Policy {
                url: s.policy_url,
                version: s.policy_version,
            },
            offline_message: s.offline_message,
            max_text: MAX_TEXT as u32,
            max_file: files::max_bytes(&conn)? as u64,
            pow: true,
        })
    }

    /// Takes a batch of relay entries in one transaction and returns the new cursor, which the
    /// host acknowledges to the relay only after this returns.
    pub fn ingest(&self, batch: &[Incoming]) -> Result<u64> {
        let now = self.now();
        let online = self.sessions.online_staff(now, self.idle_timeout()?);
        let mut events = vec![];
        let cursor = {
            let mut conn = self.db();
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            ensure_link(&tx, &clock::stamp(now))?;
            let info = Clinic::info(&tx)?;
            let region = validate::region(&info.phone_region)?;
            let key = desk_key(&tx)?;
            let moment = routing::Moment {
                now,
                tz: validate::time_zone(&info.time_zone)?,
                online: &online,
            };
            let mut cursor: u64 =
                tx.query_row("SELECT cursor FROM chat_link", [], |r| r.get::<_, i64>(0))? as u64;
            for inc in batch {
                if inc.seq <= cursor {
                    continue;
                }
                if let Some(ev) = ingest_one(&tx, &key, region, now, inc)? {
                    if let Event::ChatMessage {
                        conversation_id,
                        message_id,
                    } = &ev
                    {
                        // A visitor is waiting: the automatic answer, the conversation's task
                        // and its assignee commit with the message.
                        events.extend(after_message(
                            &tx,
                            &moment,
                            &info,
                            region,
                            conversation_id,
                            message_id,
                        )?);
                    }
                    events.push(ev);
                }
                cursor = inc.seq;
            }
            tx.execute("UPDATE chat_link SET cursor = ?1", [cursor as i64])?;
            tx.commit()?;
            cursor
        };
        for ev in events {
            self.listeners.send(ev);
        }
        Ok(cursor)
    }
}

/// What follows a visitor's message: after hours, the automatic reply and a call-back task;
/// otherwise (or without a number to call) the conversation's chat task, routed.
fn after_message(
    tx: &Connection,
    moment: &routing::Moment,
    info: &crate::clinic::ClinicInfo,
    region: phonenumber::country::Id,
    conversation_id: &str,
    message_id: &str,
) -> Result<Vec<Event>> {
    if let Some(a) = crate::faq::assistant::answer(tx, conversation_id, message_id)? {
        send_auto(
            tx,
            moment.now,
            &info.name,
            conversation_id,
            &a.text,
            Auto::Faq,
            Some((&a.faq_id, a.score)),
        )?;
        // Answered: no task, nothing red. The visitor can still ask for a person.
        tx.execute(
            "UPDATE conversations SET unanswered = 0 WHERE id = ?1",
            [conversation_id],
        )?;
        return Ok(vec![Event::ConversationChanged {
            id: conversation_id.to_owned(),
        }]);
    }
    let text: String = tx.query_row(
        "SELECT body FROM chat_messages WHERE id = ?1",
        [message_id],
        |r| r.get(0),
    )?;
    let mut events = vec![];
    if let Some(out) = crate::after_hours::on_message(
        tx,
        moment,
        region,
        &info.phone_region,
        conversation_id,
        &text,
    )? {
        events.extend(out.events);
        if let Some(reply) = &out.reply {
            send_auto(
                tx,
                moment.now,
                &info.name,
                conversation_id,
                reply,
                Auto::AfterHours,
                None,
            )?;
        }
        if out.call_back {
            // The call-back task stands for the conversation until someone calls.
            return Ok(events);
        }
    }
    events.extend(routing::chat_arrived(tx, moment, conversation_id)?);
    Ok(events)
}

/// Why the desk wrote a message by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Auto {
    AfterHours,
    Faq,
}

impl Auto {
    fn as_str(self) -> &'static str {
        match self {
            Auto::AfterHours => "after_hours",
            Auto::Faq => "faq",
        }
    }
}

/// A desk message the desk writes by itself, in the caller's transaction: sealed to the
/// visitor, stored with why it was written (and for an FAQ answer, the entry and how sure the
/// match was), and queued for the relay.
#[allow(clippy::too_many_arguments)]
fn send_auto(
    tx: &Connection,
    now: DateTime<Utc>,
    clinic: &str,
    conversation_id: &str,
    text: &str,
    auto: Auto,
    faq: Option<(&str, f32)>,
) -> Result<String> {
    send_desk_own(tx, now, clinic, conversation_id, text, Some(auto), faq)
}

/// A short note from the desk itself that is no answer (a refused file): sent like an
/// automatic reply, but neither marked as one nor counting as answering the visitor.
pub(crate) fn send_notice(
    tx: &Connection,
    now: DateTime<Utc>,
    conversation_id: &str,
    text: &str,
) -> Result<String> {
    let clinic: String = tx.query_row("SELECT name FROM clinic", [], |r| r.get(0))?;
    send_desk_own(tx, now, &clinic, conversation_id, text, None, None)
}

fn send_desk_own(
    tx: &Connection,
    now: DateTime<Utc>,
    clinic: &str,
    conversation_id: &str,
    text: &str,
    auto: Option<Auto>,
    faq: Option<(&str, f32)>,
) -> Result<String> {
    let id = ulid::Ulid::new().to_string();
    let text: String = text.chars().take(MAX_TEXT).collect();
    let body = Body {
        text: text.clone(),
        sender: Some(clinic.to_owned()),
        auto: auto.map(|a| a.as_str().to_owned()),
        ..Body::default()
    };
    let envelope = conversation_key(tx, conversation_id)?.seal(&id, Side::Desk, &body);
    tx.execute(
        "INSERT INTO chat_messages (id, conversation_id, side, sender, body, at, auto, faq_id, score)
         VALUES (?1, ?2, 'desk', ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            conversation_id,
            clinic,
            text,
            clock::stamp(now),
            auto.map(Auto::as_str),
            faq.map(|f| f.0),
            faq.map(|f| f.1 as f64)
        ],
    )?;
    queue_reply(tx, now, conversation_id, &id, envelope)?;
    Ok(id)
}

fn ingest_one(
    tx: &Connection,
    key: &DeskKey,
    region: phonenumber::country::Id,
    now: DateTime<Utc>,
    inc: &Incoming,
) -> Result<Option<Event>> {
    let at = ms(inc.at);
    match &inc.event {
        VisitorEvent::Started {
            conversation,
            visitor_key,
            ip,
            id,
            body,
        } => {
            let known = tx
                .prepare_cached("SELECT 1 FROM conversations WHERE id = ?1")?
                .exists([conversation])?;
            let opened = key
                .conversation_key(visitor_key, conversation)
                .ok()
                .and_then(|k| k.open(id, Side::Visitor, body).ok());
            let answers = opened
                .as_ref()
                .and_then(|b| b.answers.clone())
                .unwrap_or_default();
            if !known {
                let name = answer(&answers, "name");
                let phone = answer(&answers, "phone");
                let email = answer(&answers, "email");
                let matches = matching_clients(tx, region, email.as_deref(), phone.as_deref())?;
                // Linked only when exactly one client matches; otherwise staff choose.
                let client = (matches.len() == 1).then(|| matches[0].clone());
                let marketing = answer(&answers, "marketing_opt_in").map(|v| v == "yes");
                let policy = answer(&answers, "policy_version");
                tx.execute(
                    "INSERT INTO conversations (id, visitor_key, client_id, visitor_name, visitor_phone,
                        visitor_email, answers, page_url, lang, ip, marketing_opt_in, policy_version,
                        started_at, last_message_at, visitor_online, visitor_seen_at, unanswered)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, 1, ?13, 1)",
                    params![
                        conversation,
                        visitor_key,
                        client,
                        name,
                        phone,
                        email,
                        serde_json::to_string(&answers).expect("answers serialize"),
                        opened.as_ref().and_then(|b| b.page.clone()),
                        opened.as_ref().and_then(|b| b.lang.clone()),
                        (!ip.is_empty()).then_some(ip),
                        marketing,
                        policy,
                        at
                    ],
                )?;
                outbox::sms_new_chat(tx, now, conversation)?;
                crate::consents::from_chat(tx, now, None, conversation)?;
            }
            insert_visitor_message(tx, now, conversation, id, opened, &at, inc.seq)
        }
        VisitorEvent::Message {
            conversation,
            id,
            body,
        } => {
            let visitor_key: Option<String> = tx
                .query_row(
                    "SELECT visitor_key FROM conversations WHERE id = ?1",
                    [conversation],
                    |r| r.get(0),
                )
                .optional()?;
            // A message for a conversation the desk deleted (erasure) stays deleted.
            let Some(visitor_key) = visitor_key else {
                return Ok(None);
            };
            let opened = key
                .conversation_key(&visitor_key, conversation)
                .ok()
                .and_then(|k| k.open(id, Side::Visitor, body).ok());
            insert_visitor_message(tx, now, conversation, id, opened, &at, inc.seq)
        }
        VisitorEvent::Presence {
            conversation,
            online,
        } => {
            let n = tx.execute(
                "UPDATE conversations SET visitor_online = ?2, visitor_seen_at = ?3 WHERE id = ?1",
                params![conversation, online, at],
            )?;
            Ok((n > 0).then(|| Event::ConversationChanged {
                id: conversation.clone(),
            }))
        }
    }
}

fn insert_visitor_message(
    tx: &Connection,
    now: DateTime<Utc>,
    conversation: &str,
    id: &str,
    opened: Option<Body>,
    at: &str,
    seq: u64,
) -> Result<Option<Event>> {
    let unreadable = opened.is_none();
    let body = opened.unwrap_or_default();
    let text: String = body.text.chars().take(MAX_TEXT).collect();
    let n = tx.execute(
        "INSERT OR IGNORE INTO chat_messages (id, conversation_id, side, body, quote_id, quote_text, unreadable, at, relay_seq, handoff)
         VALUES (?1, ?2, 'visitor', ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            conversation,
            text,
            body.quote.as_ref().map(|q| &q.id),
            body.quote.as_ref().map(|q| excerpt(&q.text, QUOTE_CHARS)),
            unreadable,
            at,
            seq as i64,
            body.handoff
        ],
    )?;
    if n == 0 {
        return Ok(None);
    }
    // The files it names wait, pending, for the host to fetch them.
    files::insert_visitor_refs(tx, &clock::stamp(now), conversation, id, &body.files)?;
    tx.execute(
        "UPDATE conversations SET unanswered = 1, last_message_at = max(last_message_at, ?2),
                visitor_online = 1, visitor_seen_at = ?2 WHERE id = ?1",
        params![conversation, at],
    )?;
    Ok(Some(Event::ChatMessage {
        conversation_id: conversation.to_owned(),
        message_id: id.to_owned(),
    }))
}

/// Opening hours for the next `days` days: the union of active staff's working time, in the
/// clinic's time zone, as UTC millisecond intervals. The schedules' exceptions count: a closed
/// day or a holiday opens nothing, leave takes a person out, extra hours add. DST gaps resolve
/// to the first moment after the gap.
pub(crate) fn openings(
    conn: &Connection,
    staff: &[crate::staff::Staff],
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
    days: i64,
) -> Result<Vec<[i64; 2]>> {
    let today: NaiveDate = now.with_timezone(&tz).date_naive();
    let mut spans: Vec<[i64; 2]> = vec![];
    for d in 0..days {
        spans.extend(
            day_openings(conn, staff, tz, today + Duration::days(d))?
                .into_iter()
                .filter(|s| s[1] > now.timestamp_millis()),
        );
    }
    spans.sort();
    let mut merged: Vec<[i64; 2]> = vec![];
    for s in spans {
        match merged.last_mut() {
            Some(last) if s[0] <= last[1] => last[1] = last[1].max(s[1]),
            _ => merged.push(s),
        }
    }
    Ok(merged)
}

/// The working spans of every active staff member on one local date, as UTC milliseconds,
/// unsorted and not merged.
pub(crate) fn day_openings(
    conn: &Connection,
    staff: &[crate::staff::Staff],
    tz: chrono_tz::Tz,
    date: NaiveDate,
) -> Result<Vec<[i64; 2]>> {
    let mut spans = vec![];
    for st in staff.iter().filter(|s| s.active) {
        let local = crate::schedules::spans_on(conn, &st.fields.working_hours, &st.id, date)?;
        for (a, b) in crate::schedules::utc_spans(tz, date, &local) {
            let (a, b) = (a.timestamp_millis(), b.timestamp_millis());
            if b > a {
                spans.push([a, b]);
            }
        }
    }
    Ok(spans)
}

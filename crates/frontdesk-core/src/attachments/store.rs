//! Chat files at the desk: the rows a message's `files` make, the visitor files the host
//! fetches from the relay, the desk's own files waiting to be uploaded, and what erasure,
//! retention and a deleted reply take away.
//!
//! A visitor file is known first from the decrypted message that names it (`pending`), then
//! fetched sealed by the host, opened here with the conversation key and judged by its bytes
//! alone ([`content::check`]): `stored` with a thumbnail, or `refused` with a stable code and
//! a short automatic message to the visitor so they are not left wondering. A desk file is
//! checked the same way before it is ever sealed, and the reply naming it waits in the outbox
//! until the relay has the file (see `chat_file_uploads` in migration 0012).

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use frontdesk_proto::crypto::{FileRef, Side};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::content::{self, Refusal};
use crate::chat::{self, ChatMessage};
use crate::clinic::Clinic;
use crate::clock;
use crate::door::Ctx;
use crate::error::{Error, Result};
use crate::events::Event;

/// The most files one message may name; more are ignored (visitor) or refused (desk).
pub const MAX_FILES_PER_MESSAGE: usize = 10;
/// The longest display name kept, in characters.
const MAX_NAME_CHARS: usize = 200;
/// The clinic's file size setting, in MiB: the default and the range the relay can carry.
pub const DEFAULT_MAX_FILE_MB: u32 = 10;
pub const MAX_FILE_MB: std::ops::RangeInclusive<u32> = 1..=25;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Named by a visitor's message, not fetched yet.
    Pending,
    Stored,
    Refused,
}

/// A file as a conversation shows it: never the full bytes (see `ChatFileGet`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChatFile {
    pub id: String,
    pub name: String,
    /// From the content once stored; the sender's claim while pending.
    pub mime: String,
    pub size: u32,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub status: FileStatus,
    /// An `attachment.*` code when refused.
    pub refusal: Option<String>,
    /// A small PNG of a picture, base64.
    pub thumb_base64: Option<String>,
}

/// A stored file's bytes, for showing a picture in full or saving a PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChatFileData {
    pub id: String,
    pub name: String,
    pub mime: String,
    pub base64: String,
}

/// A visitor file the host should fetch from the relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingFile {
    pub conversation_id: String,
    pub file_id: String,
}

/// A desk file the host should upload before the reply that names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileUpload {
    pub conversation_id: String,
    pub file_id: String,
    pub sealed: Vec<u8>,
}

/// What became of a fetched file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    Stored,
    /// With the refusal's code.
    Refused(String),
    /// Not pending (already settled, or its conversation was erased): nothing changed.
    Unknown,
}

/// A display name without any path or control characters, at most 200 characters.
pub(crate) fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && *c != '\u{202e}' && *c != '\u{202d}')
        .collect();
    cleaned.trim().chars().take(MAX_NAME_CHARS).collect()
}

fn ulid(s: &str) -> Option<String> {
    ulid::Ulid::from_string(s.trim())
        .ok()
        .map(|u| u.to_string())
}

/// The sender's claim, kept only if it is one of the four kinds chat carries.
fn claimed_mime(m: &str) -> &'static str {
    match m.trim() {
        "image/jpeg" => "image/jpeg",
        "image/png" => "image/png",
        "image/webp" => "image/webp",
        "application/pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// The clinic's limit on one file's plaintext bytes.
pub(crate) fn max_bytes(conn: &Connection) -> Result<usize> {
    let mb: u32 = conn.query_row("SELECT max_file_mb FROM chat_link", [], |r| r.get(0))?;
    Ok(mb.clamp(*MAX_FILE_MB.start(), *MAX_FILE_MB.end()) as usize * 1024 * 1024)
}

/// A visitor message's files, as `pending` rows, in the ingest's transaction. Malformed
/// references (no ULID, no name left) and any past the tenth are left out: the sender is a
/// stranger, and the message itself still counts.
pub(crate) fn insert_visitor_refs(
    tx: &Connection,
    now: &str,
    conversation: &str,
    message_id: &str,
    files: &[FileRef],
) -> Result<()> {
    for f in files.iter().take(MAX_FILES_PER_MESSAGE) {
        let Some(id) = ulid(&f.id) else { continue };
        let name = clean_name(&f.name);
        let name = if name.is_empty() { "file".into() } else { name };
        tx.execute(
            "INSERT OR IGNORE INTO chat_files (id, conversation_id, message_id, side, name, mime,
                size, status, next_attempt_at, created_at)
             VALUES (?1, ?2, ?3, 'visitor', ?4, ?5, ?6, 'pending', ?7, ?7)",
            params![
                id,
                conversation,
                message_id,
                name,
                claimed_mime(&f.mime),
                f.size.min(u32::MAX as u64) as i64,
                now
            ],
        )?;
    }
    Ok(())
}

/// The files of some messages, in the order they were named, keyed by message id.
pub(crate) fn attach(conn: &Connection, messages: &mut [ChatMessage]) -> Result<()> {
    let mut st = conn.prepare_cached(
        "SELECT id, name, mime, size, width, height, status, refusal, thumb
           FROM chat_files WHERE message_id = ?1 ORDER BY seq",
    )?;
    for m in messages.iter_mut() {
        m.files = st
            .query_map([&m.id], |r| {
                let status: String = r.get(6)?;
                Ok(ChatFile {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    mime: r.get(2)?,
                    size: r.get::<_, i64>(3)?.clamp(0, u32::MAX as i64) as u32,
                    width: r.get(4)?,
                    height: r.get(5)?,
                    status: match status.as_str() {
                        "stored" => FileStatus::Stored,
                        "refused" => FileStatus::Refused,
                        _ => FileStatus::Pending,
                    },
                    refusal: r.get(7)?,
                    thumb_base64: r.get::<_, Option<Vec<u8>>>(8)?.map(|t| B64.encode(t)),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(())
}

/// The desk's own files of a reply being deleted: gone here, and their ids for the delete
/// frame so the relay drops its sealed copies too.
pub(crate) fn delete_desk_files(conn: &Connection, message_id: &str) -> Result<Vec<String>> {
    let ids: Vec<String> = conn
        .prepare_cached("SELECT id FROM chat_files WHERE message_id = ?1 AND side = 'desk'")?
        .query_map([message_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    conn.execute(
        "DELETE FROM chat_file_uploads WHERE message_id = ?1",
        [message_id],
    )?;
    conn.execute(
        "DELETE FROM chat_files WHERE message_id = ?1 AND side = 'desk'",
        [message_id],
    )?;
    Ok(ids)
}

/// Every file of one conversation, both sides: erasure and retention. The rows go with their
/// bytes, thumbnails and names; the messages that named them stay, blanked, as they always did.
pub(crate) fn forget_conversation(conn: &Connection, conversation: &str) -> Result<i64> {
    conn.execute(
        "DELETE FROM chat_file_uploads WHERE conversation_id = ?1",
        [conversation],
    )?;
    Ok(conn.execute(
        "DELETE FROM chat_files WHERE conversation_id = ?1",
        [conversation],
    )? as i64)
}

/// A staff member's file, with an optional text, as one reply.
pub(crate) struct NewDeskFile<'a> {
    pub conversation_id: &'a str,
    pub id: Option<&'a str>,
    pub file_id: Option<&'a str>,
    pub name: &'a str,
    pub base64: &'a str,
    pub text: &'a str,
}

pub(crate) fn send(conn: &Connection, ctx: &Ctx, input: &NewDeskFile) -> Result<ChatMessage> {
    let file_id = match input.file_id {
        None => ulid::Ulid::new().to_string(),
        Some(f) => {
            ulid(f).ok_or_else(|| Error::invalid("file_id", "validation.id", "is not a ULID"))?
        }
    };
    // A retried send (the same message id) answers with the first one; any other message
    // under that id is a conflict, never a second copy of the file.
    if let Some(id) = input.id.and_then(ulid) {
        if let Ok(existing) = chat::message_with_files(conn, &id) {
            let retried = existing.conversation_id == input.conversation_id
                && !existing.files.is_empty()
                && input
                    .file_id
                    .is_none_or(|f| existing.files.iter().any(|x| x.id == f));
            if retried {
                return Ok(existing);
            }
            return Err(Error::Conflict {
                kind: "message",
                id,
            });
        }
    }
    let exists = conn
        .prepare_cached("SELECT 1 FROM chat_files WHERE id = ?1")?
        .exists([&file_id])?;
    if exists {
        return Err(Error::Conflict {
            kind: "file",
            id: file_id,
        });
    }
    let bytes = B64
        .decode(input.base64.trim())
        .map_err(|_| Error::invalid("base64", "attachment.bad_base64", "is not base64"))?;
    let checked = content::check(&bytes, max_bytes(conn)?).map_err(refusal_error)?;
    let name = clean_name(input.name);
    let name = if name.is_empty() {
        format!("file.{}", checked.kind.extension())
    } else {
        name
    };
    let file = FileRef {
        id: file_id.clone(),
        name: name.clone(),
        mime: checked.kind.mime().to_owned(),
        size: bytes.len() as u64,
    };
    let m = chat::reply_files(
        conn,
        ctx,
        input.conversation_id,
        input.id,
        input.text,
        std::slice::from_ref(&file),
    )?;
    let now = ctx.stamp();
    conn.execute(
        "INSERT INTO chat_files (id, conversation_id, message_id, side, name, mime, size, data,
            thumb, thumb_mime, width, height, status, next_attempt_at, created_at, stored_at)
         VALUES (?1, ?2, ?3, 'desk', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'stored', ?12, ?12, ?12)",
        params![
            file_id,
            input.conversation_id,
            m.id,
            name,
            checked.kind.mime(),
            bytes.len() as i64,
            bytes,
            checked.thumbnail,
            checked.thumbnail_mime,
            checked.width,
            checked.height,
            now
        ],
    )?;
    let sealed = chat::conversation_key(conn, input.conversation_id)?.seal_file(
        &file_id,
        Side::Desk,
        &bytes,
    );
    conn.execute(
        "INSERT INTO chat_file_uploads (file_id, conversation_id, message_id, sealed, created_at,
            next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![file_id, input.conversation_id, m.id, sealed, now],
    )?;
    chat::message_with_files(conn, &m.id)
}

fn refusal_error(r: Refusal) -> Error {
    Error::invalid("file", r.code(), r.to_string())
}

pub(crate) fn get(conn: &Connection, id: &str) -> Result<ChatFileData> {
    let not_found = || Error::NotFound {
        kind: "file",
        id: id.to_owned(),
    };
    let (name, mime, data): (String, String, Option<Vec<u8>>) = conn
        .query_row(
            "SELECT name, mime, data FROM chat_files WHERE id = ?1 AND status = 'stored'",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or_else(not_found)?;
    let data = data.ok_or_else(not_found)?;
    Ok(ChatFileData {
        id: id.to_owned(),
        name,
        mime,
        base64: B64.encode(data),
    })
}

/// Waits after the n-th failed fetch or upload: 5 s, 10 s, 20 s … at most 10 minutes.
fn backoff(attempts: i64) -> Duration {
    Duration::seconds((5 * 2i64.saturating_pow(attempts.clamp(1, 20) as u32 - 1)).min(600))
}

/// A short note to the visitor in their language: which file, and why not.
fn refusal_notice(lang: Option<&str>, name: &str, code: &str) -> String {
    let lang = lang
        .unwrap_or("en")
        .split(['-', '_'])
        .next()
        .unwrap_or("en");
    let (lead, why) = match lang {
        "km" => (
            format!("ឯកសារ {name} មិនអាចទទួលយកបានទេ៖"),
            match code {
                "attachment.too_large" => "ឯកសារធំពេក។",
                "attachment.empty" => "ឯកសារទទេ។",
                "attachment.wrong_type" => "អាចផ្ញើបានតែរូបភាព JPEG, PNG, WebP និងឯកសារ PDF ប៉ុណ្ណោះ។",
                "attachment.too_many_pixels" => "រូបភាពធំពេក។",
                "attachment.missing" => "ឯកសារមិនបានមកដល់ទេ។ សូមផ្ញើម្ដងទៀត។",
                _ => "ឯកសារខូច ឬមិនពេញលេញ។",
            },
        ),
        "vi" => (
            format!("Không thể nhận tệp {name}:"),
            match code {
                "attachment.too_large" => "tệp quá lớn.",
                "attachment.empty" => "tệp trống.",
                "attachment.wrong_type" => "chỉ gửi được ảnh JPEG, PNG, WebP và tài liệu PDF.",
                "attachment.too_many_pixels" => "ảnh quá lớn.",
                "attachment.missing" => "tệp không đến nơi. Vui lòng gửi lại.",
                _ => "tệp bị hỏng hoặc không đầy đủ.",
            },
        ),
        "ar" => (
            format!("تعذّر قبول الملف {name}:"),
            match code {
                "attachment.too_large" => "الملف كبير جدًا.",
                "attachment.empty" => "الملف فارغ.",
                "attachment.wrong_type" => "يمكن إرسال صور JPEG وPNG وWebP ومستندات PDF فقط.",
                "attachment.too_many_pixels" => "الصورة كبيرة جدًا.",
                "attachment.missing" => "لم يصل الملف. يُرجى إرساله مرة أخرى.",
                _ => "الملف تالف أو غير مكتمل.",
            },
        ),
        _ => (
            format!("The file {name} could not be accepted:"),
            match code {
                "attachment.too_large" => "it is too large.",
                "attachment.empty" => "it is empty.",
                "attachment.wrong_type" => {
                    "only JPEG, PNG and WebP pictures and PDF documents can be sent."
                }
                "attachment.too_many_pixels" => "the picture is too big.",
                "attachment.missing" => "it never arrived. Please send it again.",
                _ => "it is damaged or incomplete.",
            },
        ),
    };
    format!("{lead} {why}")
}

/// Marks a pending visitor file refused and tells the visitor, in one transaction.
fn refuse(
    clinic: &Clinic,
    now: DateTime<Utc>,
    conversation: &str,
    file: &str,
    code: &'static str,
) -> Result<FileOutcome> {
    {
        let mut conn = clinic.db();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let row: Option<(String, Option<String>)> = tx
            .query_row(
                "SELECT f.name, c.lang FROM chat_files f JOIN conversations c ON c.id = f.conversation_id
                  WHERE f.id = ?1 AND f.conversation_id = ?2 AND f.side = 'visitor'
                    AND f.status = 'pending'",
                params![file, conversation],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((name, lang)) = row else {
            return Ok(FileOutcome::Unknown);
        };
        tx.execute(
            "UPDATE chat_files SET status = 'refused', refusal = ?2, stored_at = ?3 WHERE id = ?1",
            params![file, code, clock::stamp(now)],
        )?;
        chat::send_notice(
            &tx,
            now,
            conversation,
            &refusal_notice(lang.as_deref(), &name, code),
        )?;
        tx.commit()?;
    }
    clinic.listeners.send(Event::ConversationChanged {
        id: conversation.to_owned(),
    });
    Ok(FileOutcome::Refused(code.to_owned()))
}

impl Clinic {
    /// Visitor files named by a message and not fetched yet, due now, oldest first.
    pub fn pending_files(&self) -> Result<Vec<PendingFile>> {
        let now = clock::stamp(self.now());
        let conn = self.db();
        let mut st = conn.prepare_cached(
            "SELECT conversation_id, id FROM chat_files
              WHERE status = 'pending' AND side = 'visitor' AND next_attempt_at <= ?1
              ORDER BY seq LIMIT 50",
        )?;
        let rows = st.query_map([now], |r| {
            Ok(PendingFile {
                conversation_id: r.get(0)?,
                file_id: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The relay's sealed bytes of a pending visitor file: opened, checked and stored, or
    /// refused (and the visitor told why).
    pub fn file_fetched(
        &self,
        conversation_id: &str,
        file_id: &str,
        sealed: &[u8],
    ) -> Result<FileOutcome> {
        let now = self.now();
        // The key and the limit first; the decoding, which can take a moment for a large
        // photo, runs without holding the database.
        let (key, max) = {
            let conn = self.db();
            let pending = conn
                .prepare_cached(
                    "SELECT 1 FROM chat_files WHERE id = ?1 AND conversation_id = ?2
                        AND side = 'visitor' AND status = 'pending'",
                )?
                .exists(params![file_id, conversation_id])?;
            if !pending {
                return Ok(FileOutcome::Unknown);
            }
            (
                chat::conversation_key(&conn, conversation_id)?,
                max_bytes(&conn)?,
            )
        };
        let Ok(plain) = key.open_file(file_id, Side::Visitor, sealed) else {
            return refuse(self, now, conversation_id, file_id, "attachment.corrupt");
        };
        let checked = match content::check(&plain, max) {
            Ok(c) => c,
            Err(r) => return refuse(self, now, conversation_id, file_id, r.code()),
        };
        let n = self.db().execute(
            "UPDATE chat_files SET status = 'stored', mime = ?3, size = ?4, data = ?5, thumb = ?6,
                    thumb_mime = ?7, width = ?8, height = ?9, stored_at = ?10
              WHERE id = ?1 AND conversation_id = ?2 AND status = 'pending'",
            params![
                file_id,
                conversation_id,
                checked.kind.mime(),
                plain.len() as i64,
                plain.as_slice(),
                checked.thumbnail,
                checked.thumbnail_mime,
                checked.width,
                checked.height,
                clock::stamp(now)
            ],
        )?;
        if n == 0 {
            // Erased or settled while it was being checked.
            return Ok(FileOutcome::Unknown);
        }
        self.listeners.send(Event::ConversationChanged {
            id: conversation_id.to_owned(),
        });
        Ok(FileOutcome::Stored)
    }

    /// The relay has no such file (404): it will not come, so the visitor is asked again.
    pub fn file_missing(&self, conversation_id: &str, file_id: &str) -> Result<FileOutcome> {
        refuse(
            self,
            self.now(),
            conversation_id,
            file_id,
            "attachment.missing",
        )
    }

    /// A fetch that failed for now (network, relay busy): tried again later.
    pub fn file_fetch_failed(&self, file_id: &str) -> Result<()> {
        let now = self.now();
        let conn = self.db();
        let attempts: Option<i64> = conn
            .query_row(
                "UPDATE chat_files SET attempts = attempts + 1 WHERE id = ?1 AND status = 'pending'
                 RETURNING attempts",
                [file_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(a) = attempts {
            conn.execute(
                "UPDATE chat_files SET next_attempt_at = ?2 WHERE id = ?1",
                params![file_id, clock::stamp(now + backoff(a))],
            )?;
        }
        Ok(())
    }

    /// Desk files to upload now, oldest first.
    pub fn file_uploads_due(&self, limit: u32) -> Result<Vec<FileUpload>> {
        let now = clock::stamp(self.now());
        let conn = self.db();
        let mut st = conn.prepare_cached(
            "SELECT conversation_id, file_id, sealed FROM chat_file_uploads
              WHERE next_attempt_at <= ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = st.query_map(params![now, limit], |r| {
            Ok(FileUpload {
                conversation_id: r.get(0)?,
                file_id: r.get(1)?,
                sealed: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The relay stored a desk file (201): the reply naming it may go.
    pub fn file_uploaded(&self, file_id: &str) -> Result<()> {
        let conversation: Option<String> = self
            .db()
            .query_row(
                "DELETE FROM chat_file_uploads WHERE file_id = ?1 RETURNING conversation_id",
                [file_id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = conversation {
            self.listeners.send(Event::ConversationChanged { id });
        }
        Ok(())
    }

    /// An upload that failed for now: tried again later, the reply still waiting.
    pub fn file_upload_failed(&self, file_id: &str, code: &str) -> Result<()> {
        let now = self.now();
        let conn = self.db();
        let attempts: Option<i64> = conn
            .query_row(
                "UPDATE chat_file_uploads SET attempts = attempts + 1, last_error = ?2
                  WHERE file_id = ?1 RETURNING attempts",
                params![file_id, code],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(a) = attempts {
            conn.execute(
                "UPDATE chat_file_uploads SET next_attempt_at = ?2 WHERE file_id = ?1",
                params![file_id, clock::stamp(now + backoff(a))],
            )?;
        }
        Ok(())
    }

    /// An upload the relay refused for good (too large for it, conversation gone): the file
    /// is marked as not delivered and the reply goes without it.
    pub fn file_upload_gave_up(&self, file_id: &str, code: &str) -> Result<()> {
        let conversation: Option<String> = {
            let mut conn = self.db();
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let c = tx
                .query_row(
                    "DELETE FROM chat_file_uploads WHERE file_id = ?1 RETURNING conversation_id",
                    [file_id],
                    |r| r.get(0),
                )
                .optional()?;
            tx.execute(
                "UPDATE chat_files SET status = 'refused', refusal = 'attachment.not_delivered'
                  WHERE id = ?1",
                [file_id],
            )?;
            tx.commit()?;
            tracing::warn!(code, "a desk file could not be uploaded to the relay");
            c
        };
        if let Some(id) = conversation {
            self.listeners.send(Event::ConversationChanged { id });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_control_characters() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\a\\x-ray.png"), "x-ray.png");
        assert_eq!(clean_name("a\u{0}b\n.pdf"), "ab.pdf");
        assert_eq!(clean_name(&"x".repeat(500)).chars().count(), 200);
        assert_eq!(clean_name("dir/"), "");
    }

    #[test]
    fn every_language_has_a_notice() {
        for lang in ["en", "km", "vi", "ar", "fr"] {
            let t = refusal_notice(Some(lang), "a.exe", "attachment.wrong_type");
            assert!(t.contains("a.exe"), "{t}");
        }
    }
}

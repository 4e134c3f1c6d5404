//! The relay's own small SQLite store: sites, conversations (hashes and public keys only),
//! the per-site log of entries (ciphertext plus the metadata PRIVACY.md lists) and sealed files
//! (ciphertext, its size and hash, who uploaded it and when).
//!
//! One writer thread owns the write connection and commits in groups: everything that queued up
//! while the previous commit was syncing goes into the next transaction. Each caller is answered
//! only after the commit that holds its write, which is what lets the relay acknowledge a
//! visitor "after its own commit" and still reach thousands of durable messages a second.

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex};
use std::time::Duration;

use frontdesk_proto::{ids, ErrorCode, Side};
use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::oneshot;

use crate::error::{Error, Result};

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS sites (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    config TEXT,
    created_at INTEGER NOT NULL,
    next_seq INTEGER NOT NULL DEFAULT 1,
    desk_cursor INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS conversations (
    site TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    visitor_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (site, id)
) WITHOUT ROWID;
-- kind: started | message | presence (visitor side); reply | deleted (desk side)
CREATE TABLE IF NOT EXISTS entries (
    site TEXT NOT NULL,
    seq INTEGER NOT NULL,
    conversation TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT,
    body TEXT,
    visitor_key TEXT,
    ip TEXT,
    online INTEGER,
    at INTEGER NOT NULL,
    PRIMARY KEY (site, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS entries_by_id ON entries(site, id, kind) WHERE id IS NOT NULL;
CREATE INDEX IF NOT EXISTS entries_by_conversation ON entries(site, conversation, seq);
-- Sealed chat files, one row each. A rowid table rather than WITHOUT ROWID: rows run to
-- megabytes, and SQLite keeps a rowid table's large values in overflow pages, out of the way of
-- the key lookups. The blob comes last so reading the other columns never touches it.
-- side: visitor | desk (who uploaded it).
CREATE TABLE IF NOT EXISTS files (
    site TEXT NOT NULL,
    conversation TEXT NOT NULL,
    id TEXT NOT NULL,
    side TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS files_by_id ON files(site, conversation, id);
CREATE TABLE IF NOT EXISTS pow_used (
    signature TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
"#;

/// One stored entry as the desk or a visitor receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub seq: u64,
    pub conversation: String,
    pub kind: Kind,
    pub id: Option<String>,
    pub body: Option<String>,
    pub visitor_key: Option<String>,
    pub ip: Option<String>,
    pub online: Option<bool>,
    pub at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Started,
    Message,
    Presence,
    Reply,
    Deleted,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Started => "started",
            Kind::Message => "message",
            Kind::Presence => "presence",
            Kind::Reply => "reply",
            Kind::Deleted => "deleted",
        }
    }
    fn parse(s: &str) -> Kind {
        match s {
            "started" => Kind::Started,
            "message" => Kind::Message,
            "presence" => Kind::Presence,
            "reply" => Kind::Reply,
            _ => Kind::Deleted,
        }
    }
    /// Which side wrote a message entry (for the visitor's history).
    pub fn side(self) -> Side {
        match self {
            Kind::Reply | Kind::Deleted => Side::Desk,
            _ => Side::Visitor,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Site {
    pub id: String,
    pub name: String,
    pub config: Option<String>,
    pub desk_cursor: u64,
}

/// The result of a write: the seq and commit time of the entry (the existing one when the write
/// was a repeat).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub seq: u64,
    pub at: i64,
}

/// A visitor's first frame, already checked for everything but its store-side rules.
#[derive(Debug, Clone)]
pub struct NewConversation {
    pub site: String,
    pub conversation: String,
    pub secret_hash: String,
    pub visitor_key: String,
    pub ip: String,
    pub id: String,
    pub body: String,
    /// The proof-of-work's signature and expiry, remembered so it can't be used twice.
    pub pow: Option<(String, i64)>,
}

/// A sealed file to store, already checked for size and authorization.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub site: String,
    pub conversation: String,
    pub id: String,
    pub side: Side,
    /// Hex SHA-256 of `data`: how a repeated upload is told from a different one.
    pub sha256: String,
    pub data: Vec<u8>,
}

/// What the store knows of a file without reading its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMeta {
    pub side: Side,
    pub size: u64,
    pub sha256: String,
}

pub enum Write {
    Start(NewConversation),
    Message {
        site: String,
        conversation: String,
        id: String,
        body: String,
    },
    Presence {
        site: String,
        conversation: String,
        online: bool,
    },
    Reply {
        site: String,
        conversation: String,
        id: String,
        body: String,
    },
    /// Deletes a desk reply's ciphertext, and the desk's files it names.
    Delete {
        site: String,
        conversation: String,
        id: String,
        files: Vec<String>,
    },
    /// Stores a sealed file; a repeat with the same bytes is a no-op, with other bytes refused.
    File(NewFile),
    Forget {
        site: String,
        conversation: String,
    },
    DeskAck {
        site: String,
        upto: u64,
    },
    Config {
        site: String,
        config: String,
    },
    Retention {
        before: i64,
    },
}

type Reply = oneshot::Sender<Result<Option<Stored>>>;

/// One committed entry, as the hub needs it to wake the right listeners.
#[derive(Debug, Clone)]
pub struct Committed {
    pub site: String,
    pub conversation: String,
    pub seq: u64,
    /// Written by the desk (a reply or a deletion): the visitor listens for these.
    pub desk_side: bool,
}

/// Called after each group commit with what it committed.
pub type OnCommit = Box<dyn Fn(&[Committed]) + Send>;

pub struct Store {
    path: PathBuf,
    writer: mpsc::Sender<(Write, Reply)>,
    reader: Mutex<Connection>,
}

fn open(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a commit is on disk before anyone is told it happened.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Deleted ciphertext is overwritten, not left in free pages.
    conn.pragma_update(None, "secure_delete", "ON")?;
    // A burst of large files makes a large WAL; past a checkpoint it is cut back to this
    // rather than kept at its largest size on disk.
    conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    Ok(conn)
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Store {
    pub fn open(dir: &Path, on_commit: OnCommit) -> Result<Store> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("relay.db");
        let conn = open(&path)?;
        conn.execute_batch(SCHEMA)?;
        let reader = open(&path)?;
        let (tx, rx) = mpsc::channel::<(Write, Reply)>();
        std::thread::Builder::new()
            .name("relay-writer".into())
            .spawn(move || writer(conn, rx, on_commit))?;
        Ok(Store {
            path,
            writer: tx,
            reader: Mutex::new(reader),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queues a write and waits for the commit that holds it.
    pub async fn write(&self, w: Write) -> Result<Option<Stored>> {
        let (tx, rx) = oneshot::channel();
        self.writer
            .send((w, tx))
            .map_err(|_| Error::Config("the relay store is shut down".into()))?;
        rx.await
            .map_err(|_| Error::Config("the relay store is shut down".into()))?
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        Ok(f(&conn)?)
    }

    /// Adds a site; returns its id and desk token (the token is not stored, only its hash).
    pub fn add_site(&self, name: &str) -> Result<(String, String)> {
        let id = ids::new_site_id();
        let token = ids::new_desk_token();
        self.read(|c| {
            c.execute(
                "INSERT INTO sites(id, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![id, name, ids::secret_hash(&token), now_ms()],
            )
        })?;
        Ok((id, token))
    }

    pub fn sites(&self) -> Result<Vec<Site>> {
        self.read(|c| {
            let mut st =
                c.prepare("SELECT id, name, config, desk_cursor FROM sites ORDER BY created_at")?;
            let rows = st.query_map([], site_row)?;
            rows.collect()
        })
    }

    pub fn remove_site(&self, id: &str) -> Result<bool> {
        self.read(|c| {
            c.execute("DELETE FROM files WHERE site = ?1", [id])?;
            c.execute("DELETE FROM entries WHERE site = ?1", [id])?;
            Ok(c.execute("DELETE FROM sites WHERE id = ?1", [id])? > 0)
        })
    }

    pub fn site(&self, id: &str) -> Result<Option<Site>> {
        self.read(|c| {
            c.query_row(
                "SELECT id, name, config, desk_cursor FROM sites WHERE id = ?1",
                [id],
                site_row,
            )
            .optional()
        })
    }

    pub fn site_by_token(&self, token: &str) -> Result<Option<Site>> {
        self.read(|c| {
            c.query_row(
                "SELECT id, name, config, desk_cursor FROM sites WHERE token_hash = ?1",
                [ids::secret_hash(token)],
                site_row,
            )
            .optional()
        })
    }

    /// The secret hash of a conversation, if the relay has it.
    pub fn conversation_secret(&self, site: &str, conversation: &str) -> Result<Option<String>> {
        self.read(|c| {
            c.query_row(
                "SELECT secret_hash FROM conversations WHERE site = ?1 AND id = ?2",
                [site, conversation],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// Visitor-side entries for the desk, after its cursor.
    pub fn desk_backlog(&self, site: &str, after: u64, limit: u32) -> Result<Vec<Entry>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT seq, conversation, kind, id, body, visitor_key, ip, online, at FROM entries
                 WHERE site = ?1 AND seq > ?2 AND kind IN ('started', 'message', 'presence')
                 ORDER BY seq LIMIT ?3",
            )?;
            let rows = st.query_map(params![site, after as i64, limit], entry_row)?;
            rows.collect()
        })
    }

    /// One conversation's messages and deletions after `after`, for a visitor.
    pub fn conversation_log(
        &self,
        site: &str,
        conversation: &str,
        after: u64,
        only_desk: bool,
    ) -> Result<Vec<Entry>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT seq, conversation, kind, id, body, visitor_key, ip, online, at FROM entries
                 WHERE site = ?1 AND conversation = ?2 AND seq > ?3 AND kind != 'presence'
                   AND (?4 = 0 OR kind IN ('reply', 'deleted'))
                 ORDER BY seq",
            )?;
            let rows = st.query_map(
                params![site, conversation, after as i64, only_desk as i64],
                entry_row,
            )?;
            rows.collect()
        })
    }

    /// A file's side, size and hash, without its bytes.
    pub fn file_meta(&self, site: &str, conversation: &str, id: &str) -> Result<Option<FileMeta>> {
        self.read(|c| file_meta(c, site, conversation, id))
    }

    /// A file's sealed bytes. Megabytes: call it off the async threads.
    pub fn file_data(&self, site: &str, conversation: &str, id: &str) -> Result<Option<Vec<u8>>> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT data FROM files WHERE site = ?1 AND conversation = ?2 AND id = ?3",
            )?
            .query_row([site, conversation, id], |r| r.get(0))
            .optional()
        })
    }

    pub fn pow_used(&self, signature: &str) -> Result<bool> {
        self.read(|c| {
            c.query_row(
                "SELECT 1 FROM pow_used WHERE signature = ?1",
                [signature],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
        })
    }
}

fn file_meta(
    c: &Connection,
    site: &str,
    conversation: &str,
    id: &str,
) -> rusqlite::Result<Option<FileMeta>> {
    c.prepare_cached(
        "SELECT side, size, sha256 FROM files WHERE site = ?1 AND conversation = ?2 AND id = ?3",
    )?
    .query_row([site, conversation, id], |r| {
        Ok(FileMeta {
            side: if r.get::<_, String>(0)? == "desk" {
                Side::Desk
            } else {
                Side::Visitor
            },
            size: r.get::<_, i64>(1)? as u64,
            sha256: r.get(2)?,
        })
    })
    .optional()
}

fn site_row(r: &rusqlite::Row) -> rusqlite::Result<Site> {
    Ok(Site {
        id: r.get(0)?,
        name: r.get(1)?,
        config: r.get(2)?,
        desk_cursor: r.get::<_, i64>(3)? as u64,
    })
}

fn entry_row(r: &rusqlite::Row) -> rusqlite::Result<Entry> {
    Ok(Entry {
        seq: r.get::<_, i64>(0)? as u64,
        conversation: r.get(1)?,
        kind: Kind::parse(&r.get::<_, String>(2)?),
        id: r.get(3)?,
        body: r.get(4)?,
        visitor_key: r.get(5)?,
        ip: r.get(6)?,
        online: r.get::<_, Option<i64>>(7)?.map(|v| v != 0),
        at: r.get(8)?,
    })
}

const GROUP: usize = 1024;

fn writer(mut conn: Connection, rx: mpsc::Receiver<(Write, Reply)>, on_commit: OnCommit) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < GROUP {
            match rx.try_recv() {
                Ok(w) => batch.push(w),
                Err(_) => break,
            }
        }
        let at = now_ms();
        let mut results: Vec<Result<Option<Stored>>> = Vec::with_capacity(batch.len());
        let mut touched: Vec<Committed> = vec![];
        let mut erased = false;
        let outcome = (|| -> rusqlite::Result<()> {
            let mut tx =
                conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for (w, _) in &batch {
                // Each write gets a savepoint so one refused write doesn't undo its neighbours.
                let sp = tx.savepoint()?;
                let mut erases = false;
                let r = apply(&sp, w, at, &mut erases);
                match &r {
                    Ok(Some(s)) => {
                        sp.commit()?;
                        if let Some((site, conversation, desk_side)) = origin(w) {
                            touched.push(Committed {
                                site: site.to_owned(),
                                conversation: conversation.to_owned(),
                                seq: s.seq,
                                desk_side,
                            });
                        }
                    }
                    Ok(None) => sp.commit()?,
                    Err(_) => drop(sp),
                }
                erased |= r.is_ok() && erases;
                results.push(r);
            }
            tx.commit()
        })();
        match outcome {
            Ok(()) => {
                // Erased ciphertext must not live on in the WAL's older frames: copy the pages
                // back (secure_delete has zeroed the freed cells) and empty the WAL before
                // anyone is told it is gone.
                if erased {
                    match conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                        r.get::<_, i64>(0)
                    }) {
                        Ok(0) => {}
                        Ok(_) => tracing::warn!("relay store checkpoint was blocked by a reader"),
                        Err(e) => tracing::error!(error = %e, "relay store checkpoint failed"),
                    }
                }
                if !touched.is_empty() {
                    on_commit(&touched);
                }
                for ((_, reply), r) in batch.into_iter().zip(results) {
                    let _ = reply.send(r);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "relay store commit failed");
                for (_, reply) in batch {
                    let _ = reply.send(Err(Error::Store(rusqlite::Error::InvalidQuery)));
                }
            }
        }
    }
}

fn origin(w: &Write) -> Option<(&str, &str, bool)> {
    match w {
        Write::Start(n) => Some((&n.site, &n.conversation, false)),
        Write::Message {
            site, conversation, ..
        }
        | Write::Presence {
            site, conversation, ..
        } => Some((site, conversation, false)),
        Write::Reply {
            site, conversation, ..
        }
        | Write::Delete {
            site, conversation, ..
        } => Some((site, conversation, true)),
        _ => None,
    }
}

fn next_seq(tx: &Connection, site: &str) -> rusqlite::Result<u64> {
    tx.query_row(
        "UPDATE sites SET next_seq = next_seq + 1 WHERE id = ?1 RETURNING next_seq - 1",
        [site],
        |r| r.get::<_, i64>(0),
    )
    .map(|s| s as u64)
}

fn existing(tx: &Connection, site: &str, id: &str, kind: Kind) -> rusqlite::Result<Option<Stored>> {
    tx.query_row(
        "SELECT seq, at FROM entries WHERE site = ?1 AND id = ?2 AND kind = ?3",
        params![site, id, kind.as_str()],
        |r| {
            Ok(Stored {
                seq: r.get::<_, i64>(0)? as u64,
                at: r.get(1)?,
            })
        },
    )
    .optional()
}

/// One row for `entries`; what a kind doesn't carry stays `None`.
struct NewEntry<'a> {
    conversation: &'a str,
    kind: Kind,
    id: Option<&'a str>,
    body: Option<&'a str>,
    visitor_key: Option<&'a str>,
    ip: Option<&'a str>,
    online: Option<bool>,
}

impl<'a> NewEntry<'a> {
    fn new(conversation: &'a str, kind: Kind) -> NewEntry<'a> {
        NewEntry {
            conversation,
            kind,
            id: None,
            body: None,
            visitor_key: None,
            ip: None,
            online: None,
        }
    }
}

fn insert(tx: &Connection, site: &str, e: NewEntry, at: i64) -> rusqlite::Result<Stored> {
    let seq = next_seq(tx, site)?;
    tx.prepare_cached(
        "INSERT INTO entries(site, seq, conversation, kind, id, body, visitor_key, ip, online, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        site,
        seq as i64,
        e.conversation,
        e.kind.as_str(),
        e.id,
        e.body,
        e.visitor_key,
        e.ip,
        e.online.map(i64::from),
        at
    ])?;
    if e.kind != Kind::Presence {
        tx.prepare_cached("UPDATE conversations SET last_at = ?3 WHERE site = ?1 AND id = ?2")?
            .execute(params![site, e.conversation, at])?;
    }
    Ok(Stored { seq, at })
}

/// A message from either side, stored once per id: a repeat answers with the first.
fn add_message(
    tx: &Connection,
    site: &str,
    conversation: &str,
    kind: Kind,
    id: &str,
    body: &str,
    at: i64,
) -> Result<Option<Stored>> {
    // A visitor's first message is stored as `started`; resent as a plain message, it is
    // found there.
    let first = match kind {
        Kind::Message => existing(tx, site, id, Kind::Started)?,
        _ => None,
    };
    if let Some(s) = existing(tx, site, id, kind)?.or(first) {
        return Ok(Some(s));
    }
    if !conversation_exists(tx, site, conversation)? {
        return Err(unknown_conversation());
    }
    let entry = NewEntry {
        id: Some(id),
        body: Some(body),
        ..NewEntry::new(conversation, kind)
    };
    Ok(Some(insert(tx, site, entry, at)?))
}

fn conversation_exists(tx: &Connection, site: &str, conversation: &str) -> rusqlite::Result<bool> {
    tx.prepare_cached("SELECT 1 FROM conversations WHERE site = ?1 AND id = ?2")?
        .exists([site, conversation])
}

fn file_conflict() -> Error {
    Error::refused(
        ErrorCode::Conflict,
        "a different file was uploaded under this id already",
    )
}

fn unknown_conversation() -> Error {
    Error::refused(
        ErrorCode::UnknownConversation,
        "the relay has no such conversation (it may have been deleted)",
    )
}

/// Runs one write. Sets `erases` when it removed ciphertext or an address, which must then be
/// gone from the WAL as well before anyone is told.
fn apply(tx: &Connection, w: &Write, at: i64, erases: &mut bool) -> Result<Option<Stored>> {
    *erases = matches!(
        w,
        Write::Delete { .. } | Write::Forget { .. } | Write::Retention { .. }
    );
    match w {
        Write::Start(n) => {
            let known: Option<(String, String)> = tx
                .query_row(
                    "SELECT secret_hash, visitor_key FROM conversations WHERE site = ?1 AND id = ?2",
                    [&n.site, &n.conversation],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match known {
                Some((secret, key)) if secret == n.secret_hash && key == n.visitor_key => {
                    // A repeat after a lost ack: answer with what is stored.
                    if let Some(s) = existing(tx, &n.site, &n.id, Kind::Started)? {
                        return Ok(Some(s));
                    }
                    return Err(Error::refused(
                        ErrorCode::BadRequest,
                        "this conversation was started with another first message",
                    ));
                }
                Some(_) => {
                    return Err(Error::refused(
                        ErrorCode::BadSecret,
                        "this conversation id belongs to someone else",
                    ))
                }
                None => {}
            }
            if let Some((sig, expires)) = &n.pow {
                let fresh = tx.execute(
                    "INSERT OR IGNORE INTO pow_used(signature, expires_at) VALUES (?1, ?2)",
                    params![sig, expires],
                )?;
                if fresh == 0 {
                    return Err(Error::refused(
                        ErrorCode::PowReplayed,
                        "this proof-of-work was used already; solve a new one",
                    ));
                }
            }
            tx.execute(
                "INSERT INTO conversations(site, id, secret_hash, visitor_key, created_at, last_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![n.site, n.conversation, n.secret_hash, n.visitor_key, at],
            )?;
            let entry = NewEntry {
                id: Some(&n.id),
                body: Some(&n.body),
                visitor_key: Some(&n.visitor_key),
                ip: Some(&n.ip),
                ..NewEntry::new(&n.conversation, Kind::Started)
            };
            let s = insert(tx, &n.site, entry, at)?;
            Ok(Some(s))
        }
        Write::Message {
            site,
            conversation,
            id,
            body,
        } => add_message(tx, site, conversation, Kind::Message, id, body, at),
        Write::Presence {
            site,
            conversation,
            online,
        } => {
            if !conversation_exists(tx, site, conversation)? {
                return Ok(None);
            }
            let entry = NewEntry {
                online: Some(*online),
                ..NewEntry::new(conversation, Kind::Presence)
            };
            let s = insert(tx, site, entry, at)?;
            Ok(Some(s))
        }
        Write::Reply {
            site,
            conversation,
            id,
            body,
        } => add_message(tx, site, conversation, Kind::Reply, id, body, at),
        Write::Delete {
            site,
            conversation,
            id,
            files,
        } => {
            if let Some(s) = existing(tx, site, id, Kind::Deleted)? {
                return Ok(Some(s));
            }
            if !conversation_exists(tx, site, conversation)? {
                return Err(unknown_conversation());
            }
            // The ciphertext goes at once; only the marker that it existed stays.
            let n = tx.execute(
                "UPDATE entries SET body = NULL
                  WHERE site = ?1 AND id = ?2 AND kind = 'reply' AND conversation = ?3",
                params![site, id, conversation],
            )?;
            if n == 0 {
                return Err(Error::refused(
                    ErrorCode::BadRequest,
                    "the desk can delete only its own replies in this conversation",
                ));
            }
            // Only the desk's own uploads: a reply can't take a visitor's file with it.
            let mut del = tx.prepare_cached(
                "DELETE FROM files
                  WHERE site = ?1 AND conversation = ?2 AND id = ?3 AND side = 'desk'",
            )?;
            for file in files {
                del.execute([site, conversation, file])?;
            }
            let entry = NewEntry {
                id: Some(id),
                ..NewEntry::new(conversation, Kind::Deleted)
            };
            let s = insert(tx, site, entry, at)?;
            Ok(Some(s))
        }
        Write::File(f) => {
            match file_meta(tx, &f.site, &f.conversation, &f.id)? {
                Some(m) if m.sha256 == f.sha256 && m.side == f.side => return Ok(None),
                Some(_) => return Err(file_conflict()),
                None => {}
            }
            if !conversation_exists(tx, &f.site, &f.conversation)? {
                return Err(unknown_conversation());
            }
            tx.prepare_cached(
                "INSERT INTO files(site, conversation, id, side, size, sha256, created_at, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                f.site,
                f.conversation,
                f.id,
                f.side.as_str(),
                f.data.len() as i64,
                f.sha256,
                at,
                f.data
            ])?;
            // An upload is activity: the retention clock restarts, so a file isn't swept in
            // the moment between its upload and the message that names it.
            tx.prepare_cached("UPDATE conversations SET last_at = ?3 WHERE site = ?1 AND id = ?2")?
                .execute(params![f.site, f.conversation, at])?;
            Ok(None)
        }
        Write::Forget { site, conversation } => {
            tx.execute(
                "DELETE FROM files WHERE site = ?1 AND conversation = ?2",
                [site, conversation],
            )?;
            tx.execute(
                "DELETE FROM entries WHERE site = ?1 AND conversation = ?2",
                [site, conversation],
            )?;
            tx.execute(
                "DELETE FROM conversations WHERE site = ?1 AND id = ?2",
                [site, conversation],
            )?;
            Ok(None)
        }
        Write::DeskAck { site, upto } => {
            tx.execute(
                "UPDATE sites SET desk_cursor = max(desk_cursor, ?2) WHERE id = ?1",
                params![site, *upto as i64],
            )?;
            // Once the desk has them, the relay needs neither the visitor's address nor the
            // presence trail.
            let forgotten = tx.execute(
                "UPDATE entries SET ip = NULL WHERE site = ?1 AND seq <= ?2 AND ip IS NOT NULL",
                params![site, *upto as i64],
            )?;
            // About once per conversation: then the address leaves the WAL too.
            *erases = forgotten > 0;
            tx.execute(
                "DELETE FROM entries WHERE site = ?1 AND seq <= ?2 AND kind = 'presence'",
                params![site, *upto as i64],
            )?;
            Ok(None)
        }
        Write::Config { site, config } => {
            tx.execute(
                "UPDATE sites SET config = ?2 WHERE id = ?1",
                params![site, config],
            )?;
            Ok(None)
        }
        Write::Retention { before } => {
            // Files go with their conversation, including uploads no message ever named.
            tx.execute(
                "DELETE FROM files WHERE (site, conversation) IN
                   (SELECT site, id FROM conversations WHERE last_at < ?1)",
                [before],
            )?;
            tx.execute(
                "DELETE FROM entries WHERE (site, conversation) IN
                   (SELECT site, id FROM conversations WHERE last_at < ?1)",
                [before],
            )?;
            tx.execute("DELETE FROM conversations WHERE last_at < ?1", [before])?;
            tx.execute(
                "DELETE FROM pow_used WHERE expires_at < ?1",
                [now_ms() / 1000],
            )?;
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(site: &str, conversation: &str, id: &str) -> Write {
        Write::Start(NewConversation {
            site: site.into(),
            conversation: conversation.into(),
            secret_hash: "h".into(),
            visitor_key: "k".into(),
            ip: "203.0.113.7".into(),
            id: id.into(),
            body: "ciphertext".into(),
            pow: None,
        })
    }

    #[tokio::test]
    async fn retention_and_forget_delete_everything_of_a_conversation() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Box::new(|_| {})).unwrap();
        let (site, _) = store.add_site("Clinic").unwrap();
        store.write(start(&site, "C1", "M1")).await.unwrap();
        store.write(start(&site, "C2", "M2")).await.unwrap();
        assert_eq!(
            store.conversation_log(&site, "C1", 0, false).unwrap().len(),
            1
        );

        store
            .write(Write::Forget {
                site: site.clone(),
                conversation: "C1".into(),
            })
            .await
            .unwrap();
        assert!(store
            .conversation_log(&site, "C1", 0, false)
            .unwrap()
            .is_empty());
        assert!(store.conversation_secret(&site, "C1").unwrap().is_none());
        assert_eq!(
            store.conversation_log(&site, "C2", 0, false).unwrap().len(),
            1,
            "others stay"
        );

        // Retention: a cut-off before the last activity keeps it, one after deletes it.
        store.write(Write::Retention { before: 0 }).await.unwrap();
        assert_eq!(
            store.conversation_log(&site, "C2", 0, false).unwrap().len(),
            1
        );
        store
            .write(Write::Retention {
                before: now_ms() + 1000,
            })
            .await
            .unwrap();
        assert!(store
            .conversation_log(&site, "C2", 0, false)
            .unwrap()
            .is_empty());
        assert!(store.conversation_secret(&site, "C2").unwrap().is_none());
    }

    fn file(site: &str, conversation: &str, id: &str, side: Side, data: &[u8]) -> Write {
        Write::File(NewFile {
            site: site.into(),
            conversation: conversation.into(),
            id: id.into(),
            side,
            sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(data)),
            data: data.to_vec(),
        })
    }

    #[tokio::test]
    async fn files_are_stored_once_and_go_with_their_conversation() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Box::new(|_| {})).unwrap();
        let (site, _) = store.add_site("Clinic").unwrap();
        let code = |r: Result<Option<Stored>>| r.unwrap_err().code();
        assert_eq!(
            code(
                store
                    .write(file(&site, "C1", "F1", Side::Visitor, b"x"))
                    .await
            ),
            ErrorCode::UnknownConversation
        );
        store.write(start(&site, "C1", "M1")).await.unwrap();
        store.write(start(&site, "C2", "M2")).await.unwrap();
        for w in [
            file(&site, "C1", "F1", Side::Visitor, b"sealed one"),
            file(&site, "C1", "F1", Side::Visitor, b"sealed one"),
            file(&site, "C1", "F2", Side::Desk, b"sealed two"),
            file(&site, "C2", "F1", Side::Visitor, b"another conversation"),
        ] {
            assert_eq!(store.write(w).await.unwrap(), None);
        }
        assert_eq!(
            code(
                store
                    .write(file(&site, "C1", "F1", Side::Visitor, b"other bytes"))
                    .await
            ),
            ErrorCode::Conflict
        );
        assert_eq!(
            code(
                store
                    .write(file(&site, "C1", "F1", Side::Desk, b"sealed one"))
                    .await
            ),
            ErrorCode::Conflict,
            "the other side can't claim it"
        );
        let meta = store.file_meta(&site, "C1", "F1").unwrap().unwrap();
        assert_eq!((meta.side, meta.size), (Side::Visitor, 10));
        assert_eq!(
            store.file_data(&site, "C1", "F1").unwrap().unwrap(),
            b"sealed one"
        );

        store
            .write(Write::Forget {
                site: site.clone(),
                conversation: "C1".into(),
            })
            .await
            .unwrap();
        assert!(store.file_data(&site, "C1", "F1").unwrap().is_none());
        assert!(store.file_meta(&site, "C1", "F2").unwrap().is_none());
        assert!(store.file_data(&site, "C2", "F1").unwrap().is_some());
        store
            .write(Write::Retention {
                before: now_ms() + 1000,
            })
            .await
            .unwrap();
        assert!(store.file_data(&site, "C2", "F1").unwrap().is_none());
    }

    #[tokio::test]
    async fn a_repeated_write_answers_with_the_first_seq() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Box::new(|_| {})).unwrap();
        let (site, _) = store.add_site("Clinic").unwrap();
        let a = store
            .write(start(&site, "C1", "M1"))
            .await
            .unwrap()
            .unwrap();
        let b = store
            .write(start(&site, "C1", "M1"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a, b);
        let m = || Write::Message {
            site: site.clone(),
            conversation: "C1".into(),
            id: "M2".into(),
            body: "x".into(),
        };
        let first = store.write(m()).await.unwrap().unwrap();
        assert_eq!(store.write(m()).await.unwrap().unwrap(), first);
        assert_eq!(store.desk_backlog(&site, 0, 100).unwrap().len(), 2);
    }
}

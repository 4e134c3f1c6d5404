//! The audit log: append-only (triggers refuse UPDATE and DELETE) and hash-chained.
//!
//! Each record's hash is SHA-256 over the previous record's hash followed by its own fields,
//! each length-prefixed so that no two different records encode alike. `verify` walks the
//! chain and names the first record whose link does not hold. Records carry ids, never names
//! or other personal data.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Result;

const GENESIS: [u8; 32] = [0; 32];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Actor {
    Staff(String),
    /// The clinic operator through the admin CLI (holder of the recovery passphrase).
    Operator,
    /// Someone not yet logged in (a failed login).
    Anonymous,
    /// The clinic's own scheduled work (reminders going out).
    System,
}

impl Actor {
    fn kind(&self) -> &'static str {
        match self {
            Actor::Staff(_) => "staff",
            Actor::Operator => "operator",
            Actor::Anonymous => "anonymous",
            Actor::System => "system",
        }
    }
    fn id(&self) -> Option<&str> {
        match self {
            Actor::Staff(id) => Some(id),
            _ => None,
        }
    }
    /// How history rows name who made a change.
    pub fn label(&self) -> String {
        match self {
            Actor::Staff(id) => id.clone(),
            Actor::Operator => "operator".into(),
            Actor::Anonymous => "anonymous".into(),
            Actor::System => "system".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Denied,
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// What one audit record says. `detail` is an error code or a count, never user text.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: &'a Actor,
    pub workstation: &'a str,
    pub action: &'a str,
    pub target_kind: Option<&'static str>,
    pub target_id: Option<String>,
    pub outcome: Outcome,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "AuditRecord"))]
pub struct Record {
    pub seq: i64,
    pub at: String,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub workstation: String,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VerifyReport {
    pub records: i64,
    pub first_broken: Option<BrokenLink>,
}

fn hash_record(prev: &[u8], r: &Record) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    let fields: [Option<&str>; 9] = [
        Some(&r.at),
        Some(&r.actor_kind),
        r.actor_id.as_deref(),
        Some(&r.workstation),
        Some(&r.action),
        r.target_kind.as_deref(),
        r.target_id.as_deref(),
        Some(&r.outcome),
        r.detail.as_deref(),
    ];
    h.update(r.seq.to_be_bytes());
    for f in fields {
        match f {
            None => h.update([0u8]),
            Some(s) => {
                h.update([1u8]);
                h.update((s.len() as u64).to_be_bytes());
                h.update(s.as_bytes());
            }
        }
    }
    h.finalize().into()
}

/// Appends one record. Call inside a write transaction (BEGIN IMMEDIATE) so that two writers
/// can never chain onto the same predecessor.
pub(crate) fn append(conn: &Connection, at: DateTime<Utc>, e: &Entry) -> Result<i64> {
    let last: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_vec()),
    };
    let rec = Record {
        seq,
        at: crate::clock::stamp(at),
        actor_kind: e.actor.kind().into(),
        actor_id: e.actor.id().map(str::to_string),
        workstation: e.workstation.to_string(),
        action: e.action.to_string(),
        target_kind: e.target_kind.map(str::to_string),
        target_id: e.target_id.clone(),
        outcome: e.outcome.as_str().into(),
        detail: e.detail.clone(),
    };
    let hash = hash_record(&prev, &rec);
    conn.prepare_cached(
        "INSERT INTO audit (seq, at, actor_kind, actor_id, workstation, action, target_kind,
                            target_id, outcome, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        rec.seq,
        rec.at,
        rec.actor_kind,
        rec.actor_id,
        rec.workstation,
        rec.action,
        rec.target_kind,
        rec.target_id,
        rec.outcome,
        rec.detail,
        prev,
        hash.to_vec()
    ])?;
    Ok(seq)
}

fn read_record(r: &rusqlite::Row) -> rusqlite::Result<Record> {
    Ok(Record {
        seq: r.get("seq")?,
        at: r.get("at")?,
        actor_kind: r.get("actor_kind")?,
        actor_id: r.get("actor_id")?,
        workstation: r.get("workstation")?,
        action: r.get("action")?,
        target_kind: r.get("target_kind")?,
        target_id: r.get("target_id")?,
        outcome: r.get("outcome")?,
        detail: r.get("detail")?,
    })
}

/// Walks the whole chain and reports the first record whose link does not hold.
pub(crate) fn verify(conn: &Connection) -> Result<VerifyReport> {
    let mut stmt = conn.prepare("SELECT * FROM audit ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut prev = GENESIS.to_vec();
    let mut expected_seq = 1;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        let rec = read_record(row)?;
        let stored_prev: Vec<u8> = row.get("prev_hash")?;
        let stored_hash: Vec<u8> = row.get("hash")?;
        let broken = |reason: &str| {
            Ok(VerifyReport {
                records: count,
                first_broken: Some(BrokenLink {
                    seq: rec.seq,
                    reason: reason.to_string(),
                }),
            })
        };
        if rec.seq != expected_seq {
            return broken(&format!(
                "records {expected_seq} to {} are missing",
                rec.seq - 1
            ));
        }
        if stored_prev != prev {
            return broken("its link to the previous record does not match");
        }
        if stored_hash != hash_record(&prev, &rec) {
            return broken("its content does not match its hash");
        }
        prev = stored_hash;
        expected_seq += 1;
        count += 1;
    }
    Ok(VerifyReport {
        records: count,
        first_broken: None,
    })
}

/// The newest records first, `limit` at most, before `before_seq` when paging back.
pub(crate) fn list(conn: &Connection, before_seq: Option<i64>, limit: u32) -> Result<Vec<Record>> {
    let mut stmt =
        conn.prepare_cached("SELECT * FROM audit WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2")?;
    let rows = stmt.query_map(params![before_seq.unwrap_or(i64::MAX), limit], read_record)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

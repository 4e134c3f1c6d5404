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
    // Retention may have removed the oldest records; the anchor keeps the last removed one's
    // hash, so the chain verifies from there.
    let anchor: Option<(i64, Vec<u8>)> = conn
        .query_row("SELECT through_seq, hash FROM audit_anchor", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let (mut expected_seq, mut prev) = match anchor {
        Some((through, hash)) => (through + 1, hash),
        None => (1, GENESIS.to_vec()),
    };
    let mut stmt = conn.prepare("SELECT * FROM audit ORDER BY seq")?;
    let mut rows = stmt.query([])?;
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

/// What the audit viewer narrows the log to. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditFilter {
    /// A staff id.
    #[serde(default)]
    pub staff_id: Option<String>,
    /// Any record's id: a client, a conversation, an appointment.
    #[serde(default)]
    pub target_id: Option<String>,
    /// An action, or its prefix ending in "." ("client." for every client action).
    #[serde(default)]
    pub action: Option<String>,
    /// UTC stamps, inclusive from, exclusive to.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
}

/// The newest records first, `limit` at most, before `before_seq` when paging back.
pub(crate) fn list(
    conn: &Connection,
    filter: &AuditFilter,
    before_seq: Option<i64>,
    limit: u32,
) -> Result<Vec<Record>> {
    let action = filter.action.as_deref().filter(|a| !a.is_empty());
    let (exact, prefix) = match action {
        Some(a) if a.ends_with('.') => (None, Some(a)),
        Some(a) => (Some(a), None),
        None => (None, None),
    };
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM audit
          WHERE seq < ?1
            AND (?3 IS NULL OR actor_id = ?3)
            AND (?4 IS NULL OR target_id = ?4)
            AND (?5 IS NULL OR action = ?5)
            AND (?6 IS NULL OR substr(action, 1, length(?6)) = ?6)
            AND (?7 IS NULL OR at >= ?7)
            AND (?8 IS NULL OR at < ?8)
          ORDER BY seq DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(
        params![
            before_seq.unwrap_or(i64::MAX),
            limit,
            filter.staff_id.as_deref().filter(|s| !s.is_empty()),
            filter.target_id.as_deref().filter(|s| !s.is_empty()),
            exact,
            prefix,
            filter.from.as_deref().filter(|s| !s.is_empty()),
            filter.to.as_deref().filter(|s| !s.is_empty()),
        ],
        read_record,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records as CSV for the audit viewer's export: UTF-8 with a BOM (spreadsheets then read it
/// as UTF-8). The fields are ids and codes, never user text.
pub(crate) fn csv(records: &[Record]) -> String {
    let mut out = String::from("\u{feff}seq,at,actor_kind,actor_id,workstation,action,target_kind,target_id,outcome,detail\r\n");
    for r in records {
        let cells = [
            r.seq.to_string(),
            r.at.clone(),
            r.actor_kind.clone(),
            r.actor_id.clone().unwrap_or_default(),
            r.workstation.clone(),
            r.action.clone(),
            r.target_kind.clone().unwrap_or_default(),
            r.target_id.clone().unwrap_or_default(),
            r.outcome.clone(),
            r.detail.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Quotes a cell when it needs it, and makes formula-like cells text (a workstation name is
/// typed by people).
fn csv_cell(c: &str) -> String {
    let c = if c.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{c}")
    } else {
        c.to_string()
    };
    if c.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c
    }
}

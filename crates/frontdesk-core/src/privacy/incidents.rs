//! The incident register: a suspected breach, when it was found, the records it may have
//! touched (read from the audit log for the time window and, if known, the suspected
//! account), and the 72-hour deadline for telling the supervisory authority.

use chrono::Duration;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::clock;
use crate::door::Ctx;
use crate::error::{Error, Result};
use crate::validate;

/// The authority must hear of a breach within this many hours of its discovery.
pub const NOTIFY_WITHIN_HOURS: i64 = 72;

/// One client whose records were touched in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AffectedClient {
    pub client_id: String,
    /// Audit records in the window about them or their chats, visits and tasks.
    pub accesses: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Incident {
    pub id: String,
    pub title: String,
    pub description: String,
    /// UTC.
    pub found_at: String,
    pub window_from: String,
    pub window_to: String,
    pub suspect_staff_id: Option<String>,
    pub affected: Vec<AffectedClient>,
    /// found_at + 72 hours.
    pub notify_by: String,
    pub authority_notified_at: Option<String>,
    /// Open, not yet told to the authority, and past `notify_by`.
    pub notification_late: bool,
    pub closed: bool,
    pub created_at: String,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IncidentInput {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub expected_version: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// UTC, RFC 3339.
    pub found_at: String,
    pub window_from: String,
    pub window_to: String,
    #[serde(default)]
    pub suspect_staff_id: Option<String>,
    #[serde(default)]
    pub authority_notified_at: Option<String>,
    #[serde(default)]
    pub closed: bool,
}

fn read(r: &Row, now: &str) -> rusqlite::Result<Incident> {
    let notify_by: String = r.get("notify_by")?;
    let notified: Option<String> = r.get("authority_notified_at")?;
    let closed = r.get::<_, String>("status")? == "closed";
    Ok(Incident {
        id: r.get("id")?,
        title: r.get("title")?,
        description: r.get("description")?,
        found_at: r.get("found_at")?,
        window_from: r.get("window_from")?,
        window_to: r.get("window_to")?,
        suspect_staff_id: r.get("suspect_staff_id")?,
        affected: serde_json::from_str(&r.get::<_, String>("affected")?).unwrap_or_default(),
        notification_late: notified.is_none() && !closed && now > notify_by.as_str(),
        notify_by,
        authority_notified_at: notified,
        closed,
        created_at: r.get("created_at")?,
        version: r.get("version")?,
    })
}

pub(crate) fn list(conn: &Connection, ctx: &Ctx) -> Result<Vec<Incident>> {
    let now = ctx.stamp();
    let mut st =
        conn.prepare_cached("SELECT * FROM incidents ORDER BY status = 'closed', seq DESC")?;
    let rows = st.query_map([], |r| read(r, &now))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn get(conn: &Connection, ctx: &Ctx, id: &str) -> Result<Incident> {
    let now = ctx.stamp();
    conn.prepare_cached("SELECT * FROM incidents WHERE id = ?1")?
        .query_row([id], |r| read(r, &now))
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "incident",
            id: id.to_string(),
        })
}

fn stamp_field(field: &str, v: &str) -> Result<String> {
    clock::parse(v.trim())
        .map(clock::stamp)
        .ok_or_else(|| Error::invalid(field, "validation.date", "is not a date and time"))
}

/// The clients whose records the audit log shows touched in the window (by the suspect, when
/// one is named). Conversations, appointments and tasks count for the client they belong to.
pub(crate) fn affected(
    conn: &Connection,
    from: &str,
    to: &str,
    suspect: Option<&str>,
) -> Result<Vec<AffectedClient>> {
    let mut st = conn.prepare(
        "WITH touched AS (
            SELECT a.target_kind AS kind, a.target_id AS id FROM audit a
             WHERE a.at >= ?1 AND a.at <= ?2 AND a.target_id IS NOT NULL
               AND (?3 IS NULL OR a.actor_id = ?3)
         ), owners AS (
            SELECT t.id AS client_id FROM touched t WHERE t.kind = 'client'
            UNION ALL
            SELECT c.client_id FROM touched t JOIN conversations c ON c.id = t.id
             WHERE t.kind = 'conversation' AND c.client_id IS NOT NULL
            UNION ALL
            SELECT p.client_id FROM touched t JOIN appointments p ON p.id = t.id
             WHERE t.kind = 'appointment'
            UNION ALL
            SELECT k.client_id FROM touched t JOIN tasks k ON k.id = t.id
             WHERE t.kind = 'task' AND k.client_id IS NOT NULL
         )
         SELECT client_id, count(*) FROM owners GROUP BY client_id ORDER BY 2 DESC, 1",
    )?;
    let rows = st.query_map(params![from, to, suspect], |r| {
        Ok(AffectedClient {
            client_id: r.get(0)?,
            accesses: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn save(conn: &Connection, ctx: &Ctx, input: &IncidentInput) -> Result<Incident> {
    let title = validate::required("title", &input.title, 200)?;
    let description = validate::text("description", &input.description, 20_000, true)?;
    let found_at = stamp_field("found_at", &input.found_at)?;
    let from = stamp_field("window_from", &input.window_from)?;
    let to = stamp_field("window_to", &input.window_to)?;
    if from > to {
        return Err(Error::invalid(
            "window_to",
            "report.period_order",
            "the window ends before it starts",
        ));
    }
    if found_at > ctx.stamp() {
        return Err(Error::invalid(
            "found_at",
            "privacy.found_in_future",
            "an incident cannot be found in the future",
        ));
    }
    let notified = match &input.authority_notified_at {
        Some(v) if !v.trim().is_empty() => Some(stamp_field("authority_notified_at", v)?),
        _ => None,
    };
    if let Some(s) = &input.suspect_staff_id {
        crate::staff::get(conn, s)?;
    }
    let notify_by = clock::stamp(
        clock::parse(&found_at).expect("stamped above") + Duration::hours(NOTIFY_WITHIN_HOURS),
    );
    let affected = serde_json::to_string(&affected(
        conn,
        &from,
        &to,
        input.suspect_staff_id.as_deref(),
    )?)
    .expect("affected serializes");
    let status = if input.closed { "closed" } else { "open" };
    let id = match &input.id {
        None => {
            let id = ulid::Ulid::new().to_string();
            conn.execute(
                "INSERT INTO incidents (id, title, description, found_at, window_from, window_to,
                        suspect_staff_id, affected, notify_by, authority_notified_at, status,
                        created_by, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
                params![
                    id,
                    title,
                    description,
                    found_at,
                    from,
                    to,
                    input.suspect_staff_id,
                    affected,
                    notify_by,
                    notified,
                    status,
                    ctx.staff_id(),
                    ctx.stamp()
                ],
            )?;
            id
        }
        Some(id) => {
            let current = get(conn, ctx, id)?;
            if Some(current.version) != input.expected_version {
                return Err(Error::Conflict {
                    kind: "incident",
                    id: id.clone(),
                });
            }
            conn.execute(
                "UPDATE incidents SET title = ?2, description = ?3, found_at = ?4,
                        window_from = ?5, window_to = ?6, suspect_staff_id = ?7, affected = ?8,
                        notify_by = ?9, authority_notified_at = ?10, status = ?11,
                        updated_at = ?12, version = version + 1
                  WHERE id = ?1",
                params![
                    id,
                    title,
                    description,
                    found_at,
                    from,
                    to,
                    input.suspect_staff_id,
                    affected,
                    notify_by,
                    notified,
                    status,
                    ctx.stamp()
                ],
            )?;
            id.clone()
        }
    };
    get(conn, ctx, &id)
}

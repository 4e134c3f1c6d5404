//! The waiting list: clients who want a service with no date yet, with the provider, days and
//! times they prefer. When a booking is cancelled or moved, the clients who would fit the freed
//! slot are offered to the receptionist; nobody is booked on their own.

use chrono::{Datelike, NaiveDateTime, NaiveTime, Weekday};
use rusqlite::{params, Connection, Row};
use serde::{Deserialize, Serialize};

use crate::appointments::Appointment;
use crate::door::Ctx;
use crate::error::{Error, Result};
use crate::recurrence::{parse_weekdays, weekdays_text};
use crate::validate;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WaitlistEntry {
    pub id: String,
    pub client_id: String,
    pub client_name: String,
    pub service_id: String,
    pub service_name: String,
    pub provider_id: Option<String>,
    pub provider_name: Option<String>,
    /// Empty: any day.
    pub weekdays: Vec<Weekday>,
    pub from_time: Option<NaiveTime>,
    pub to_time: Option<NaiveTime>,
    pub note: String,
    /// waiting, booked, removed.
    pub status: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewWaitlistEntry {
    pub client_id: String,
    pub service_id: String,
    #[serde(default)]
    pub provider_id: Option<String>,
    #[serde(default)]
    pub weekdays: Vec<Weekday>,
    #[serde(default)]
    pub from_time: Option<NaiveTime>,
    #[serde(default)]
    pub to_time: Option<NaiveTime>,
    #[serde(default)]
    pub note: String,
}

const SELECT: &str = "
    SELECT w.*, CASE WHEN c.restricted_at IS NULL THEN c.full_name ELSE '' END AS client_name, s.name AS service_name,
           s.duration_minutes AS duration, p.display_name AS provider_name
      FROM waitlist w
      JOIN clients c ON c.id = w.client_id
      JOIN services s ON s.id = w.service_id
      LEFT JOIN staff p ON p.id = w.provider_id";

fn row(r: &Row) -> rusqlite::Result<WaitlistEntry> {
    let t = |s: Option<String>| s.and_then(|s| NaiveTime::parse_from_str(&s, "%H:%M").ok());
    Ok(WaitlistEntry {
        id: r.get("id")?,
        client_id: r.get("client_id")?,
        client_name: r.get("client_name")?,
        service_id: r.get("service_id")?,
        service_name: r.get("service_name")?,
        provider_id: r.get("provider_id")?,
        provider_name: r.get("provider_name")?,
        weekdays: parse_weekdays(&r.get::<_, String>("weekdays")?),
        from_time: t(r.get("from_time")?),
        to_time: t(r.get("to_time")?),
        note: r.get("note")?,
        status: r.get("status")?,
        created_at: r.get("created_at")?,
    })
}

pub(crate) fn list(conn: &Connection) -> Result<Vec<WaitlistEntry>> {
    let mut st = conn.prepare_cached(&format!(
        "{SELECT} WHERE w.status = 'waiting' ORDER BY w.seq"
    ))?;
    let rows = st.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn get(conn: &Connection, id: &str) -> Result<WaitlistEntry> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE w.id = ?1"))?;
    let mut rows = st.query_map([id], row)?;
    match rows.next() {
        Some(r) => Ok(r?),
        None => Err(Error::NotFound {
            kind: "waitlist_entry",
            id: id.into(),
        }),
    }
}

pub(crate) fn add(conn: &Connection, ctx: &Ctx, n: &NewWaitlistEntry) -> Result<WaitlistEntry> {
    crate::clients::get(conn, &n.client_id)
        .map_err(|_| Error::invalid("client_id", "validation.unknown_client", "is not a client"))?;
    crate::services::get(conn, &n.service_id).map_err(|_| {
        Error::invalid(
            "service_id",
            "validation.unknown_service",
            "is not one of the clinic's services",
        )
    })?;
    if let Some(p) = &n.provider_id {
        let known = conn
            .prepare_cached("SELECT 1 FROM staff WHERE id = ?1 AND active = 1")?
            .exists([p])?;
        if !known {
            return Err(Error::invalid(
                "provider_id",
                "validation.unknown_staff",
                "is not an active staff member",
            ));
        }
    }
    if let (Some(a), Some(b)) = (n.from_time, n.to_time) {
        if b <= a {
            return Err(Error::invalid(
                "to_time",
                "appointment.end_before_start",
                "the latest time must be after the earliest",
            ));
        }
    }
    let note = validate::text("note", &n.note, validate::MAX_NAME * 5, true)?;
    let id = ulid::Ulid::new().to_string();
    let fmt = |t: Option<NaiveTime>| t.map(|t| t.format("%H:%M").to_string());
    conn.execute(
        "INSERT INTO waitlist (id, client_id, service_id, provider_id, weekdays, from_time,
                               to_time, note, created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        params![
            id,
            n.client_id,
            n.service_id,
            n.provider_id,
            weekdays_text(&n.weekdays),
            fmt(n.from_time),
            fmt(n.to_time),
            note,
            ctx.staff_id(),
            ctx.stamp()
        ],
    )?;
    get(conn, &id)
}

pub(crate) fn remove(conn: &Connection, ctx: &Ctx, id: &str) -> Result<WaitlistEntry> {
    let n = conn.execute(
        "UPDATE waitlist SET status = 'removed', updated_at = ?2 WHERE id = ?1 AND status = 'waiting'",
        params![id, ctx.stamp()],
    )?;
    if n == 0 {
        get(conn, id)?;
    }
    get(conn, id)
}

/// A booking for a client and service takes their waiting entries for it off the list.
pub(crate) fn booked(
    conn: &Connection,
    ctx: &Ctx,
    client: &str,
    service: &str,
    appointment: &str,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE waitlist SET status = 'booked', appointment_id = ?3, updated_at = ?4
          WHERE client_id = ?1 AND service_id = ?2 AND status = 'waiting'",
    )?
    .execute(params![client, service, appointment, ctx.stamp()])?;
    Ok(())
}

/// Waiting clients who fit a slot: the provider offers their service, it is short enough,
/// and the day and start time suit them.
pub(crate) fn matches(
    conn: &Connection,
    provider: &str,
    start: NaiveDateTime,
    minutes: i64,
    exclude_client: Option<&str>,
) -> Result<Vec<WaitlistEntry>> {
    let mut st = conn.prepare_cached(&format!(
        "{SELECT} WHERE w.status = 'waiting' AND (w.provider_id IS NULL OR w.provider_id = ?1)
            AND s.duration_minutes <= ?2 AND s.active = 1
            AND EXISTS (SELECT 1 FROM service_providers sp
                         WHERE sp.service_id = w.service_id AND sp.staff_id = ?1)
          ORDER BY w.seq"
    ))?;
    let rows = st.query_map(params![provider, minutes], row)?;
    let time = start.time();
    let mut out = vec![];
    for r in rows {
        let e = r?;
        let day_ok = e.weekdays.is_empty() || e.weekdays.contains(&start.weekday());
        let from_ok = e.from_time.is_none_or(|f| time >= f);
        let to_ok = e.to_time.is_none_or(|t| time < t);
        if day_ok && from_ok && to_ok && exclude_client != Some(e.client_id.as_str()) {
            out.push(e);
        }
    }
    Ok(out)
}

/// The waiting clients for the slots some appointments just gave up.
pub(crate) fn offers_for(
    conn: &Connection,
    ctx: &Ctx,
    freed: &[Appointment],
) -> Result<Vec<WaitlistEntry>> {
    let mut out: Vec<WaitlistEntry> = vec![];
    for a in freed {
        let (Some(s), Some(e)) = (
            crate::clock::parse(&a.starts_at),
            crate::clock::parse(&a.ends_at),
        ) else {
            continue;
        };
        if s < ctx.now {
            continue;
        }
        let start = s.with_timezone(&ctx.tz).naive_local();
        for m in matches(
            conn,
            &a.provider_id,
            start,
            (e - s).num_minutes(),
            Some(&a.client_id),
        )? {
            if !out.iter().any(|o| o.id == m.id) {
                out.push(m);
            }
        }
    }
    Ok(out)
}

//! Appointments: booking, moving, the status state machine, conflicts, repeating series and
//! the calendar's queries.
//!
//! Conflicts (the provider, the room or the client already booked; outside working hours; a
//! closed day; a service the provider does not offer) are warnings: the request fails with
//! `appointment.conflict` unless it carries an override reason, which the history row and the
//! audit record keep. The check runs inside the request's write transaction, so of two desks
//! booking one slot at the same moment one wins and the other is warned.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Offset, Utc};
use chrono_tz::Tz;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::clock;
use crate::door::Ctx;
use crate::error::{Error, Result};
use crate::recurrence::{self, Rule};
use crate::schedules::{self, WorkingHours};
use crate::services;
use crate::validate;
use crate::waitlist::{self, WaitlistEntry};

/// The longest visit plus the longest buffer, in hours: how far back an overlap can start.
const REACH_HOURS: i64 = 17;
/// Free slots start on these minute steps.
const SLOT_STEP_MINUTES: i64 = 5;
/// How far ahead "next free slot" looks.
const SEARCH_DAYS: i64 = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Booked,
    Confirmed,
    Arrived,
    InRoom,
    Done,
    CancelledClient,
    CancelledClinic,
    LateCancel,
    NoShow,
}

/// How one status may follow another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Forward,
    /// Undoing a recorded step: needs `appointment.revert`.
    Backward,
    Refused,
}

impl AppointmentStatus {
    pub const ALL: [AppointmentStatus; 9] = [
        AppointmentStatus::Booked,
        AppointmentStatus::Confirmed,
        AppointmentStatus::Arrived,
        AppointmentStatus::InRoom,
        AppointmentStatus::Done,
        AppointmentStatus::CancelledClient,
        AppointmentStatus::CancelledClinic,
        AppointmentStatus::LateCancel,
        AppointmentStatus::NoShow,
    ];

    pub fn as_str(self) -> &'static str {
        use AppointmentStatus::*;
        match self {
            Booked => "booked",
            Confirmed => "confirmed",
            Arrived => "arrived",
            InRoom => "in_room",
            Done => "done",
            CancelledClient => "cancelled_client",
            CancelledClinic => "cancelled_clinic",
            LateCancel => "late_cancel",
            NoShow => "no_show",
        }
    }

    pub(crate) fn parse(s: &str) -> AppointmentStatus {
        AppointmentStatus::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .unwrap_or(AppointmentStatus::Booked)
    }

    /// Whether the appointment still holds its time (and so can conflict). Cancelled and
    /// missed ones never do.
    pub fn holds(self) -> bool {
        self.rank().is_some()
    }

    /// The place on the visit's path; `None` for the ways a visit does not happen.
    fn rank(self) -> Option<u8> {
        use AppointmentStatus::*;
        match self {
            Booked => Some(0),
            Confirmed => Some(1),
            Arrived => Some(2),
            InRoom => Some(3),
            Done => Some(4),
            _ => None,
        }
    }

    /// The state machine: booked → confirmed → arrived → in room → done, with confirmed
    /// optional; a booked or confirmed visit may be cancelled (by the client, by the clinic,
    /// late) or marked a no-show. Anything that undoes a recorded step is `Backward`.
    pub fn step(self, to: AppointmentStatus) -> Step {
        use AppointmentStatus::*;
        if self == to {
            return Step::Refused;
        }
        match (self.rank(), to.rank()) {
            (Some(a), Some(b)) if b == a + 1 || (self == Booked && to == Arrived) => Step::Forward,
            (Some(a), Some(b)) if b < a => Step::Backward,
            (Some(_), Some(_)) => Step::Refused,
            // Calling off a visit that has not begun.
            (Some(a), None) if a <= 1 => Step::Forward,
            (Some(_), None) => Step::Refused,
            // Undoing a cancellation or a no-show (the client came after all).
            (None, Some(b)) if b <= 2 => Step::Backward,
            (None, Some(_)) => Step::Refused,
            // Correcting which kind of cancellation it was.
            (None, None) => Step::Backward,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// The provider has another appointment (or its buffer) then.
    Provider,
    Room,
    /// The client is booked elsewhere then.
    Client,
    OutsideHours,
    ClinicClosed,
    /// The provider does not offer this service.
    NotOffered,
}

impl ConflictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::Provider => "provider",
            ConflictKind::Room => "room",
            ConflictKind::Client => "client",
            ConflictKind::OutsideHours => "outside_hours",
            ConflictKind::ClinicClosed => "clinic_closed",
            ConflictKind::NotOffered => "not_offered",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Conflict {
    pub kind: ConflictKind,
    /// The local date it concerns (a series has many).
    pub date: NaiveDate,
    /// The appointment in the way, for the overlaps.
    pub other_id: Option<String>,
    pub other_start_local: Option<String>,
    pub other_end_local: Option<String>,
}

/// Which occurrences of a series a change applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    #[default]
    This,
    ThisAndFollowing,
    All,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppointmentHistoryEntry {
    pub at: String,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    /// booked, moved, status, edited, reminder.
    pub action: String,
    pub from_status: Option<AppointmentStatus>,
    pub to_status: Option<AppointmentStatus>,
    pub changes: Option<Value>,
    pub override_reason: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Appointment {
    pub id: String,
    pub client_id: String,
    pub client_name: String,
    pub service_id: String,
    pub service_name: String,
    pub colour: String,
    pub provider_id: String,
    pub provider_name: String,
    pub room_id: Option<String>,
    pub room_name: Option<String>,
    /// UTC.
    pub starts_at: String,
    pub ends_at: String,
    /// The clinic's wall-clock times, "2026-12-03T09:30".
    pub start_local: String,
    pub end_local: String,
    pub status: AppointmentStatus,
    pub note: String,
    pub series_id: Option<String>,
    pub occurrence: Option<i64>,
    /// A series occurrence changed on its own.
    pub detached: bool,
    pub arrived_at: Option<String>,
    pub seated_at: Option<String>,
    pub done_at: Option<String>,
    pub cancelled_at: Option<String>,
    /// Arrived to in room, in whole minutes.
    pub wait_minutes: Option<i64>,
    pub conversation_id: Option<String>,
    pub reminder_at: Option<String>,
    /// sent_sms, sent_email, no_consent, no_contact, disabled.
    pub reminder_outcome: Option<String>,
    pub created_at: String,
    pub version: i64,
    /// Filled by `AppointmentGet`; empty in lists.
    pub history: Vec<AppointmentHistoryEntry>,
}

/// What the receptionist fills in to book.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Booking {
    /// A ULID made where the form was opened, so a retried request books once.
    #[serde(default)]
    pub id: Option<String>,
    pub client_id: String,
    pub service_id: String,
    pub provider_id: String,
    #[serde(default)]
    pub room_id: Option<String>,
    /// The clinic's wall-clock time.
    pub start: NaiveDateTime,
    /// The service's duration when neither this nor `end` is given.
    #[serde(default)]
    pub duration_minutes: Option<i64>,
    /// The wall-clock end, instead of a duration.
    #[serde(default)]
    pub end: Option<NaiveDateTime>,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub conversation_id: Option<String>,
    #[serde(default)]
    pub recurrence: Option<Rule>,
    /// Given when the receptionist books despite the warnings; kept in the history and audit.
    #[serde(default)]
    pub override_reason: Option<String>,
    /// Recording a visit that already happened.
    #[serde(default)]
    pub allow_past: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Move {
    pub id: String,
    pub expected_version: i64,
    pub start: NaiveDateTime,
    #[serde(default)]
    pub duration_minutes: Option<i64>,
    /// The wall-clock end (a resize), instead of a duration.
    #[serde(default)]
    pub end: Option<NaiveDateTime>,
    #[serde(default)]
    pub provider_id: Option<String>,
    /// `Some(None)` is not expressible in JSON; an empty string clears the room.
    #[serde(default)]
    pub room_id: Option<String>,
    #[serde(default)]
    pub scope: Scope,
    #[serde(default)]
    pub override_reason: Option<String>,
    #[serde(default)]
    pub allow_past: bool,
}

/// The result of a booking or change: every appointment it touched, the warnings overridden,
/// and waiting-list clients who fit a slot it freed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppointmentSaved {
    pub appointments: Vec<Appointment>,
    pub overridden: Vec<Conflict>,
    pub offers: Vec<WaitlistEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClosedDay {
    pub date: NaiveDate,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CalendarProvider {
    pub id: String,
    pub name: String,
}

/// What the day, week and agenda views draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Calendar {
    pub from: NaiveDate,
    pub days: u32,
    pub providers: Vec<CalendarProvider>,
    pub appointments: Vec<Appointment>,
    pub hours: Vec<WorkingHours>,
    pub closed: Vec<ClosedDay>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FreeSlot {
    pub provider_id: String,
    pub provider_name: String,
    pub start: NaiveDateTime,
    pub starts_at: String,
    pub ends_at: String,
}

const SELECT: &str = "
    SELECT a.*, CASE WHEN c.restricted_at IS NULL THEN c.full_name ELSE '' END AS client_name, s.name AS service_name, s.colour AS colour,
           p.display_name AS provider_name, r.name AS room_name
      FROM appointments a
      JOIN clients c ON c.id = a.client_id
      JOIN services s ON s.id = a.service_id
      JOIN staff p ON p.id = a.provider_id
      LEFT JOIN rooms r ON r.id = a.room_id";

fn local(tz: Tz, stamp: &str) -> String {
    clock::parse(stamp)
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

fn row(r: &Row, tz: Tz) -> rusqlite::Result<Appointment> {
    let starts_at: String = r.get("starts_at")?;
    let ends_at: String = r.get("ends_at")?;
    let arrived_at: Option<String> = r.get("arrived_at")?;
    let seated_at: Option<String> = r.get("seated_at")?;
    let wait_minutes = match (
        arrived_at.as_deref().and_then(clock::parse),
        seated_at.as_deref().and_then(clock::parse),
    ) {
        (Some(a), Some(s)) => Some((s - a).num_minutes()),
        _ => None,
    };
    Ok(Appointment {
        id: r.get("id")?,
        client_id: r.get("client_id")?,
        client_name: r.get("client_name")?,
        service_id: r.get("service_id")?,
        service_name: r.get("service_name")?,
        colour: r.get("colour")?,
        provider_id: r.get("provider_id")?,
        provider_name: r.get("provider_name")?,
        room_id: r.get("room_id")?,
        room_name: r.get("room_name")?,
        start_local: local(tz, &starts_at),
        end_local: local(tz, &ends_at),
        starts_at,
        ends_at,
        status: AppointmentStatus::parse(&r.get::<_, String>("status")?),
        note: r.get("note")?,
        series_id: r.get("series_id")?,
        occurrence: r.get("occurrence")?,
        detached: r.get("detached")?,
        arrived_at,
        seated_at,
        done_at: r.get("done_at")?,
        cancelled_at: r.get("cancelled_at")?,
        wait_minutes,
        conversation_id: r.get("conversation_id")?,
        reminder_at: r.get("reminder_at")?,
        reminder_outcome: r.get("reminder_outcome")?,
        created_at: r.get("created_at")?,
        version: r.get("version")?,
        history: vec![],
    })
}

fn query(
    conn: &Connection,
    tz: Tz,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Appointment>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} {filter}"))?;
    let rows = st.query_map(args, |r| row(r, tz))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn history(conn: &Connection, id: &str) -> Result<Vec<AppointmentHistoryEntry>> {
    let mut st = conn.prepare_cached(
        "SELECT h.at, h.actor_id, s.display_name, h.action, h.from_status, h.to_status,
                h.changes, h.override_reason, h.note
           FROM appointment_history h LEFT JOIN staff s ON s.id = h.actor_id
          WHERE h.appointment_id = ?1 ORDER BY h.seq",
    )?;
    let rows = st.query_map([id], |r| {
        Ok(AppointmentHistoryEntry {
            at: r.get(0)?,
            actor_id: r.get(1)?,
            actor_name: r.get(2)?,
            action: r.get(3)?,
            from_status: r
                .get::<_, Option<String>>(4)?
                .map(|s| AppointmentStatus::parse(&s)),
            to_status: r
                .get::<_, Option<String>>(5)?
                .map(|s| AppointmentStatus::parse(&s)),
            changes: r
                .get::<_, Option<String>>(6)?
                .and_then(|c| serde_json::from_str(&c).ok()),
            override_reason: r.get(7)?,
            note: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn get(conn: &Connection, tz: Tz, id: &str) -> Result<Appointment> {
    let mut a = query(conn, tz, "WHERE a.id = ?1", &[&id])?
        .pop()
        .ok_or_else(|| Error::NotFound {
            kind: "appointment",
            id: id.to_owned(),
        })?;
    a.history = history(conn, id)?;
    Ok(a)
}

#[allow(clippy::too_many_arguments)]
fn write_history(
    conn: &Connection,
    ctx: &Ctx,
    id: &str,
    action: &str,
    from: Option<AppointmentStatus>,
    to: Option<AppointmentStatus>,
    changes: Option<&Map<String, Value>>,
    override_reason: Option<&str>,
    note: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO appointment_history (appointment_id, at, actor_id, action, from_status,
                                          to_status, changes, override_reason, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        id,
        ctx.stamp(),
        ctx.staff_id(),
        action,
        from.map(AppointmentStatus::as_str),
        to.map(AppointmentStatus::as_str),
        changes.map(|c| Value::Object(c.clone()).to_string()),
        override_reason,
        note
    ])?;
    Ok(())
}

/// The time one appointment would take, with everything it is checked against.
struct Slot<'a> {
    client: &'a str,
    service: &'a str,
    provider: &'a str,
    room: Option<&'a str>,
    date: NaiveDate,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    busy_until: DateTime<Utc>,
}

/// Everything in the way of a slot. `ignore` are appointments being moved (their old times
/// do not count against their new ones).
fn conflicts(conn: &Connection, tz: Tz, slot: &Slot, ignore: &[String]) -> Result<Vec<Conflict>> {
    let mut out = vec![];
    let from = clock::stamp(slot.starts - Duration::hours(REACH_HOURS));
    let starts = clock::stamp(slot.starts);
    let ends = clock::stamp(slot.ends);
    let busy = clock::stamp(slot.busy_until);
    let mut overlap = |kind: ConflictKind, sql: &str, who: &str, until: &str| -> Result<()> {
        let mut st = conn.prepare_cached(sql)?;
        let rows = st.query_map(params![who, from, until, starts], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for r in rows {
            let (id, s, e) = r?;
            if ignore.contains(&id) {
                continue;
            }
            out.push(Conflict {
                kind,
                date: slot.date,
                other_id: Some(id),
                other_start_local: Some(local(tz, &s)),
                other_end_local: Some(local(tz, &e)),
            });
        }
        Ok(())
    };
    overlap(
        ConflictKind::Provider,
        "SELECT id, starts_at, ends_at FROM appointments
          WHERE provider_id = ?1 AND holds = 1 AND starts_at > ?2 AND starts_at < ?3
            AND busy_until > ?4 ORDER BY starts_at",
        slot.provider,
        &busy,
    )?;
    if let Some(room) = slot.room {
        overlap(
            ConflictKind::Room,
            "SELECT id, starts_at, ends_at FROM appointments
              WHERE room_id = ?1 AND holds = 1 AND starts_at > ?2 AND starts_at < ?3
                AND busy_until > ?4 ORDER BY starts_at",
            room,
            &busy,
        )?;
    }
    overlap(
        ConflictKind::Client,
        "SELECT id, starts_at, ends_at FROM appointments
          WHERE client_id = ?1 AND holds = 1 AND starts_at > ?2 AND starts_at < ?3
            AND ends_at > ?4 ORDER BY starts_at",
        slot.client,
        &ends,
    )?;
    let plain = |kind| Conflict {
        kind,
        date: slot.date,
        other_id: None,
        other_start_local: None,
        other_end_local: None,
    };
    if schedules::closed_day(conn, slot.date)?.is_some() {
        out.push(plain(ConflictKind::ClinicClosed));
    } else {
        let shifts = schedules::weekly(conn, slot.provider)?;
        let spans = schedules::spans_on(conn, &shifts, slot.provider, slot.date)?;
        let inside = schedules::utc_spans(tz, slot.date, &spans)
            .iter()
            .any(|(a, b)| *a <= slot.starts && slot.ends <= *b);
        if !inside {
            out.push(plain(ConflictKind::OutsideHours));
        }
    }
    if !services::offered_by(conn, slot.service, slot.provider)? {
        out.push(plain(ConflictKind::NotOffered));
    }
    Ok(out)
}

/// The length from an explicit end, a duration, or the default, in that order.
fn length_of(
    start: NaiveDateTime,
    end: Option<NaiveDateTime>,
    minutes: Option<i64>,
    default: impl FnOnce() -> i64,
) -> Result<Duration> {
    if let Some(end) = end {
        if end <= start {
            return Err(Error::invalid(
                "end",
                "appointment.end_before_start",
                "the end must be after the start",
            ));
        }
        return duration("end", (end - start).num_minutes());
    }
    duration("duration_minutes", minutes.unwrap_or_else(default))
}

fn duration(field: &str, minutes: i64) -> Result<Duration> {
    if minutes <= 0 {
        return Err(Error::invalid(
            field,
            "validation.duration",
            "a visit must last at least a minute",
        ));
    }
    if minutes > 720 {
        return Err(Error::invalid(
            field,
            "validation.duration",
            "a visit lasts at most 12 hours",
        ));
    }
    Ok(Duration::minutes(minutes))
}

fn check_staff(conn: &Connection, id: &str) -> Result<()> {
    let active: Option<bool> = conn
        .query_row("SELECT active FROM staff WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    match active {
        Some(true) => Ok(()),
        _ => Err(Error::invalid(
            "provider_id",
            "validation.unknown_staff",
            "is not an active staff member",
        )),
    }
}

fn check_room(conn: &Connection, room: Option<&str>) -> Result<()> {
    if let Some(r) = room {
        let room = services::room(conn, r).map_err(|_| {
            Error::invalid(
                "room_id",
                "validation.unknown_room",
                "is not one of the clinic's rooms",
            )
        })?;
        if !room.active {
            return Err(Error::invalid(
                "room_id",
                "validation.unknown_room",
                "this room is no longer in use",
            ));
        }
    }
    Ok(())
}

fn override_reason(reason: Option<&str>) -> Result<Option<String>> {
    validate::optional("override_reason", reason, 500)
}

/// A booking checked and laid out: one slot per occurrence.
struct Plan {
    length: Duration,
    buffer: Duration,
    occurrences: Vec<(NaiveDate, DateTime<Utc>)>,
    conflicts: Vec<Conflict>,
}

fn plan(conn: &Connection, ctx: &Ctx, b: &Booking) -> Result<Plan> {
    crate::clients::get(conn, &b.client_id).map_err(|e| match e {
        Error::NotFound { .. } => {
            Error::invalid("client_id", "validation.unknown_client", "is not a client")
        }
        e => e,
    })?;
    let service = services::get(conn, &b.service_id).map_err(|e| match e {
        Error::NotFound { .. } => Error::invalid(
            "service_id",
            "validation.unknown_service",
            "is not one of the clinic's services",
        ),
        e => e,
    })?;
    if !service.fields.active {
        return Err(Error::invalid(
            "service_id",
            "validation.unknown_service",
            "this service is no longer offered",
        ));
    }
    check_staff(conn, &b.provider_id)?;
    check_room(conn, b.room_id.as_deref())?;
    validate::text("note", &b.note, validate::MAX_NOTES, true)?;
    let length = length_of(b.start, b.end, b.duration_minutes, || {
        service.fields.duration_minutes
    })?;
    let buffer = Duration::minutes(service.fields.buffer_minutes);
    let dates = match &b.recurrence {
        None => vec![b.start.date()],
        Some(rule) => rule.dates(b.start.date())?,
    };
    let mut occurrences = vec![];
    for d in dates {
        let starts = schedules::to_utc(ctx.tz, d.and_time(b.start.time()), "start")?;
        occurrences.push((d, starts));
    }
    if !b.allow_past && occurrences.first().is_some_and(|(_, s)| *s < ctx.now) {
        return Err(Error::invalid(
            "start",
            "appointment.in_past",
            "this time has passed; tick \"record an earlier visit\" to enter it anyway",
        ));
    }
    let mut found = vec![];
    for (d, starts) in &occurrences {
        let slot = Slot {
            client: &b.client_id,
            service: &b.service_id,
            provider: &b.provider_id,
            room: b.room_id.as_deref(),
            date: *d,
            starts: *starts,
            ends: *starts + length,
            busy_until: *starts + length + buffer,
        };
        found.extend(conflicts(conn, ctx.tz, &slot, &[])?);
    }
    Ok(Plan {
        length,
        buffer,
        occurrences,
        conflicts: found,
    })
}

/// The warnings a booking would raise, without booking.
pub(crate) fn check(conn: &Connection, ctx: &Ctx, b: &Booking) -> Result<Vec<Conflict>> {
    Ok(plan(conn, ctx, b)?.conflicts)
}

fn refuse_unless_overridden(found: &[Conflict], reason: &Option<String>) -> Result<()> {
    if !found.is_empty() && reason.is_none() {
        let mut kinds: Vec<&str> = found.iter().map(|c| c.kind.as_str()).collect();
        kinds.dedup();
        return Err(Error::AppointmentConflict {
            count: found.len(),
            kinds: kinds.join(","),
        });
    }
    Ok(())
}

fn first_id(given: Option<&str>) -> Result<ulid::Ulid> {
    match given {
        None => Ok(ulid::Ulid::new()),
        Some(g) => ulid::Ulid::from_string(g.trim())
            .map_err(|_| Error::invalid("id", "validation.id", "is not a ULID")),
    }
}

pub(crate) fn book(conn: &Connection, ctx: &Ctx, b: &Booking) -> Result<AppointmentSaved> {
    let first = first_id(b.id.as_deref())?;
    // A retried request finds what the first one booked.
    if let Ok(existing) = get(conn, ctx.tz, &first.to_string()) {
        if existing.client_id == b.client_id && existing.service_id == b.service_id {
            let appointments = match &existing.series_id {
                Some(s) => query(
                    conn,
                    ctx.tz,
                    "WHERE a.series_id = ?1 ORDER BY a.occurrence",
                    &[s],
                )?,
                None => vec![existing],
            };
            return Ok(AppointmentSaved {
                appointments,
                overridden: vec![],
                offers: vec![],
            });
        }
        return Err(Error::Conflict {
            kind: "appointment",
            id: first.to_string(),
        });
    }
    let reason = override_reason(b.override_reason.as_deref())?;
    let p = plan(conn, ctx, b)?;
    refuse_unless_overridden(&p.conflicts, &reason)?;
    if let Some(c) = &b.conversation_id {
        let known = conn
            .prepare_cached("SELECT 1 FROM conversations WHERE id = ?1")?
            .exists([c])?;
        if !known {
            return Err(Error::NotFound {
                kind: "conversation",
                id: c.clone(),
            });
        }
    }
    let note = validate::text("note", &b.note, validate::MAX_NOTES, true)?;
    let series_id = match &b.recurrence {
        None => None,
        Some(rule) => {
            let id = ulid::Ulid::new().to_string();
            conn.execute(
                "INSERT INTO series (id, every, unit, weekdays, until_date, count, created_by,
                                     created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    id,
                    rule.every,
                    rule.unit.as_str(),
                    recurrence::weekdays_text(&rule.weekdays),
                    rule.until.map(|d| d.to_string()),
                    rule.count,
                    ctx.staff_id(),
                    ctx.stamp()
                ],
            )?;
            Some(id)
        }
    };
    let mut ids = vec![];
    let mut next = first;
    for (i, (_, starts)) in p.occurrences.iter().enumerate() {
        let id = next.to_string();
        next = next.increment().unwrap_or_else(ulid::Ulid::new);
        conn.prepare_cached(
            "INSERT INTO appointments (id, client_id, service_id, provider_id, room_id, starts_at,
                                       ends_at, busy_until, note, series_id, occurrence,
                                       conversation_id, created_by, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
        )?
        .execute(params![
            id,
            b.client_id,
            b.service_id,
            b.provider_id,
            b.room_id,
            clock::stamp(*starts),
            clock::stamp(*starts + p.length),
            clock::stamp(*starts + p.length + p.buffer),
            note,
            series_id,
            series_id.as_ref().map(|_| i as i64 + 1),
            b.conversation_id,
            ctx.staff_id(),
            ctx.stamp()
        ])?;
        write_history(
            conn,
            ctx,
            &id,
            "booked",
            None,
            Some(AppointmentStatus::Booked),
            None,
            reason.as_deref(),
            None,
        )?;
        ids.push(id);
    }
    let mut appointments = vec![];
    for id in &ids {
        appointments.push(get(conn, ctx.tz, id)?);
    }
    // A booking made from the waiting list takes its entry off.
    waitlist::booked(conn, ctx, &b.client_id, &b.service_id, &ids[0])?;
    Ok(AppointmentSaved {
        appointments,
        overridden: if reason.is_some() {
            p.conflicts
        } else {
            vec![]
        },
        offers: vec![],
    })
}

/// The occurrences a series change applies to, in order.
fn in_scope(conn: &Connection, tz: Tz, a: &Appointment, scope: Scope) -> Result<Vec<Appointment>> {
    let Some(series) = &a.series_id else {
        return Ok(vec![a.clone()]);
    };
    let occ = a.occurrence.unwrap_or(0);
    let list = match scope {
        Scope::This => return Ok(vec![a.clone()]),
        Scope::ThisAndFollowing => query(
            conn,
            tz,
            "WHERE a.series_id = ?1 AND (a.occurrence >= ?2) AND (a.detached = 0 OR a.id = ?3)
             ORDER BY a.occurrence",
            &[series, &occ, &a.id],
        )?,
        Scope::All => query(
            conn,
            tz,
            "WHERE a.series_id = ?1 AND (a.detached = 0 OR a.id = ?2) ORDER BY a.occurrence",
            &[series, &a.id],
        )?,
    };
    // Occurrences already over are history: a series change leaves them be.
    Ok(list
        .into_iter()
        .filter(|x| x.id == a.id || (x.status.holds() && x.status.rank() <= Some(1)))
        .collect())
}

fn parse_local(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap_or_default()
}

fn check_version(a: &Appointment, expected: i64) -> Result<()> {
    if a.version != expected {
        return Err(Error::Conflict {
            kind: "appointment",
            id: a.id.clone(),
        });
    }
    Ok(())
}

/// Moves or resizes an appointment (and, for a series, this and the following, or all).
pub(crate) fn move_to(conn: &Connection, ctx: &Ctx, m: &Move) -> Result<AppointmentSaved> {
    let a = get(conn, ctx.tz, &m.id)?;
    check_version(&a, m.expected_version)?;
    if !a.status.holds() || a.status.rank() > Some(1) {
        return Err(Error::invalid(
            "status",
            "appointment.not_movable",
            "only a booked or confirmed appointment can be moved",
        ));
    }
    let reason = override_reason(m.override_reason.as_deref())?;
    let provider = m.provider_id.clone().unwrap_or(a.provider_id.clone());
    check_staff(conn, &provider)?;
    let room = match m.room_id.as_deref() {
        None => a.room_id.clone(),
        Some("") => None,
        Some(r) => Some(r.to_owned()),
    };
    check_room(conn, room.as_deref())?;
    let service = services::get(conn, &a.service_id)?;
    let old_start = parse_local(&a.start_local);
    let length = length_of(m.start, m.end, m.duration_minutes, || {
        (clock::parse(&a.ends_at).unwrap_or_default()
            - clock::parse(&a.starts_at).unwrap_or_default())
        .num_minutes()
    })?;
    let buffer = Duration::minutes(service.fields.buffer_minutes);
    let targets = in_scope(conn, ctx.tz, &a, m.scope)?;
    let day_shift = m.start.date() - old_start.date();
    let ignore: Vec<String> = targets.iter().map(|t| t.id.clone()).collect();
    let mut plans = vec![];
    let mut found = vec![];
    for t in &targets {
        let date = parse_local(&t.start_local).date() + day_shift;
        let starts = schedules::to_utc(ctx.tz, date.and_time(m.start.time()), "start")?;
        if t.id == a.id && !m.allow_past && starts < ctx.now {
            return Err(Error::invalid(
                "start",
                "appointment.in_past",
                "this time has passed; tick \"record an earlier visit\" to enter it anyway",
            ));
        }
        let slot = Slot {
            client: &a.client_id,
            service: &a.service_id,
            provider: &provider,
            room: room.as_deref(),
            date,
            starts,
            ends: starts + length,
            busy_until: starts + length + buffer,
        };
        found.extend(conflicts(conn, ctx.tz, &slot, &ignore)?);
        plans.push((t, starts));
    }
    refuse_unless_overridden(&found, &reason)?;
    let detach = a.series_id.is_some() && m.scope == Scope::This;
    let mut freed = vec![];
    for (t, starts) in &plans {
        let ends = *starts + length;
        let mut changes = Map::new();
        let mut note_change = |k: &str, from: Value, to: Value| {
            if from != to {
                changes.insert(k.into(), json!({"from": from, "to": to}));
            }
        };
        note_change(
            "starts_at",
            json!(t.starts_at),
            json!(clock::stamp(*starts)),
        );
        note_change("ends_at", json!(t.ends_at), json!(clock::stamp(ends)));
        note_change("provider_id", json!(t.provider_id), json!(provider));
        note_change("room_id", json!(t.room_id), json!(room));
        if changes.is_empty() {
            continue;
        }
        conn.prepare_cached(
            "UPDATE appointments SET starts_at = ?2, ends_at = ?3, busy_until = ?4,
                    provider_id = ?5, room_id = ?6, detached = detached OR ?7,
                    reminder_at = NULL, reminder_outcome = NULL,
                    updated_at = ?8, version = version + 1
              WHERE id = ?1",
        )?
        .execute(params![
            t.id,
            clock::stamp(*starts),
            clock::stamp(ends),
            clock::stamp(ends + buffer),
            provider,
            room,
            detach,
            ctx.stamp()
        ])?;
        write_history(
            conn,
            ctx,
            &t.id,
            "moved",
            None,
            None,
            Some(&changes),
            reason.as_deref(),
            None,
        )?;
        freed.push((*t).clone());
    }
    if m.scope == Scope::ThisAndFollowing && a.series_id.is_some() {
        split_series(conn, ctx, &a, &targets)?;
    }
    let mut appointments = vec![];
    for (t, _) in &plans {
        appointments.push(get(conn, ctx.tz, &t.id)?);
    }
    let offers = waitlist::offers_for(conn, ctx, &freed)?;
    Ok(AppointmentSaved {
        appointments,
        overridden: if reason.is_some() { found } else { vec![] },
        offers,
    })
}

/// "This and following" makes the changed occurrences a series of their own, so that a later
/// "all" on the old series leaves them alone.
fn split_series(
    conn: &Connection,
    ctx: &Ctx,
    a: &Appointment,
    moved: &[Appointment],
) -> Result<()> {
    let Some(old) = &a.series_id else {
        return Ok(());
    };
    if a.occurrence == Some(1) {
        return Ok(()); // the whole series moved: nothing to split
    }
    let new_id = ulid::Ulid::new().to_string();
    conn.execute(
        "INSERT INTO series (id, every, unit, weekdays, until_date, count, created_by, created_at)
         SELECT ?2, every, unit, weekdays, until_date, count, ?3, ?4 FROM series WHERE id = ?1",
        params![old, new_id, ctx.staff_id(), ctx.stamp()],
    )?;
    for m in moved {
        conn.execute(
            "UPDATE appointments SET series_id = ?2 WHERE id = ?1",
            params![m.id, new_id],
        )?;
    }
    Ok(())
}

/// A forward step (`revert` false) or an undo (`revert` true, which needs its permission and
/// is checked at the door). Cancelling a series occurrence may take the following or all.
#[allow(clippy::too_many_arguments)]
pub(crate) fn set_status(
    conn: &Connection,
    ctx: &Ctx,
    id: &str,
    expected_version: i64,
    to: AppointmentStatus,
    scope: Scope,
    note: Option<&str>,
    revert: bool,
) -> Result<AppointmentSaved> {
    let a = get(conn, ctx.tz, id)?;
    check_version(&a, expected_version)?;
    let note = validate::optional("note", note, validate::MAX_NAME * 5)?;
    let step = a.status.step(to);
    match (step, revert) {
        (Step::Refused, _) => {
            return Err(Error::invalid(
                "status",
                "appointment.bad_transition",
                format!("an appointment cannot go from {} to {}", a.status.as_str(), to.as_str()),
            ))
        }
        (Step::Backward, false) => {
            return Err(Error::invalid(
                "status",
                "appointment.backwards",
                format!(
                    "going back from {} to {} undoes a recorded step: it needs the permission to correct appointments",
                    a.status.as_str(),
                    to.as_str()
                ),
            ))
        }
        (Step::Forward, true) => {
            return Err(Error::invalid(
                "status",
                "appointment.not_backwards",
                "this is not a correction: set the status the usual way",
            ))
        }
        _ => {}
    }
    let starts = clock::parse(&a.starts_at).unwrap_or_default();
    if to == AppointmentStatus::NoShow && starts > ctx.now {
        return Err(Error::invalid(
            "status",
            "appointment.not_yet",
            "a visit that has not begun cannot be a no-show",
        ));
    }
    if matches!(
        to,
        AppointmentStatus::Arrived | AppointmentStatus::InRoom | AppointmentStatus::Done
    ) && starts - Duration::hours(12) > ctx.now
    {
        return Err(Error::invalid(
            "status",
            "appointment.not_yet",
            "this visit is not today",
        ));
    }
    let targets = if scope != Scope::This && !to.holds() {
        in_scope(conn, ctx.tz, &a, scope)?
            .into_iter()
            .filter(|t| t.id == a.id || t.status.step(to) == Step::Forward)
            .collect()
    } else {
        vec![a.clone()]
    };
    // An undo that puts an appointment back on the calendar must not double-book it.
    if to.holds() && !a.status.holds() {
        let slot = Slot {
            client: &a.client_id,
            service: &a.service_id,
            provider: &a.provider_id,
            room: a.room_id.as_deref(),
            date: parse_local(&a.start_local).date(),
            starts,
            ends: clock::parse(&a.ends_at).unwrap_or_default(),
            busy_until: clock::parse(&a.ends_at).unwrap_or_default()
                + Duration::minutes(services::get(conn, &a.service_id)?.fields.buffer_minutes),
        };
        let overlaps: Vec<Conflict> = conflicts(conn, ctx.tz, &slot, std::slice::from_ref(&a.id))?
            .into_iter()
            .filter(|c| {
                matches!(
                    c.kind,
                    ConflictKind::Provider | ConflictKind::Room | ConflictKind::Client
                )
            })
            .collect();
        if !overlaps.is_empty() {
            return Err(Error::AppointmentConflict {
                count: overlaps.len(),
                kinds: overlaps
                    .iter()
                    .map(|c| c.kind.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            });
        }
    }
    let now = ctx.stamp();
    let mut freed = vec![];
    for t in &targets {
        let from = t.status;
        // Stamps of the steps undone are cleared; the step taken is stamped.
        let rank = to.rank();
        conn.prepare_cached(
            "UPDATE appointments SET status = ?2, holds = ?3,
                    arrived_at = CASE WHEN ?4 THEN coalesce(arrived_at, ?8) WHEN ?5 THEN NULL ELSE arrived_at END,
                    seated_at = CASE WHEN ?6 THEN coalesce(seated_at, ?8) WHEN ?7 THEN NULL ELSE seated_at END,
                    done_at = CASE WHEN ?9 THEN ?8 WHEN ?10 THEN NULL ELSE done_at END,
                    cancelled_at = CASE WHEN ?11 THEN ?8 ELSE NULL END,
                    updated_at = ?8, version = version + 1
              WHERE id = ?1",
        )?
        .execute(params![
            t.id,
            to.as_str(),
            to.holds(),
            to == AppointmentStatus::Arrived,
            rank.is_none_or(|r| r < 2),
            to == AppointmentStatus::InRoom,
            rank.is_none_or(|r| r < 3),
            now,
            to == AppointmentStatus::Done,
            rank.is_none_or(|r| r < 4),
            !to.holds(),
        ])?;
        write_history(
            conn,
            ctx,
            &t.id,
            "status",
            Some(from),
            Some(to),
            None,
            None,
            note.as_deref(),
        )?;
        if from.holds() && !to.holds() {
            freed.push(t.clone());
        }
    }
    let mut appointments = vec![];
    for t in &targets {
        appointments.push(get(conn, ctx.tz, &t.id)?);
    }
    let offers = waitlist::offers_for(conn, ctx, &freed)?;
    Ok(AppointmentSaved {
        appointments,
        overridden: vec![],
        offers,
    })
}

pub(crate) fn set_note(
    conn: &Connection,
    ctx: &Ctx,
    id: &str,
    expected_version: i64,
    note: &str,
) -> Result<AppointmentSaved> {
    let a = get(conn, ctx.tz, id)?;
    check_version(&a, expected_version)?;
    let note = validate::text("note", note, validate::MAX_NOTES, true)?;
    if note != a.note {
        conn.execute(
            "UPDATE appointments SET note = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1",
            params![id, note, ctx.stamp()],
        )?;
        let mut changes = Map::new();
        changes.insert("note".into(), json!({"from": a.note, "to": note}));
        write_history(
            conn,
            ctx,
            id,
            "edited",
            None,
            None,
            Some(&changes),
            None,
            None,
        )?;
    }
    Ok(AppointmentSaved {
        appointments: vec![get(conn, ctx.tz, id)?],
        overridden: vec![],
        offers: vec![],
    })
}

/// Local midnight of a date in UTC (the first moment of the day, DST or not).
fn day_start(tz: Tz, d: NaiveDate) -> DateTime<Utc> {
    schedules::utc_spans(tz, d, &[(0, 0)])[0].0
}

pub(crate) fn calendar(
    conn: &Connection,
    tz: Tz,
    from: NaiveDate,
    days: u32,
    provider_ids: &[String],
    include_cancelled: bool,
) -> Result<Calendar> {
    let days = days.clamp(1, 62);
    let to = from + Duration::days(days as i64);
    let (a, b) = (
        clock::stamp(day_start(tz, from)),
        clock::stamp(day_start(tz, to)),
    );
    let mut st = conn.prepare_cached(
        "SELECT id, display_name FROM staff s
          WHERE active = 1 AND EXISTS (SELECT 1 FROM service_providers sp WHERE sp.staff_id = s.id)
          ORDER BY display_name, seq",
    )?;
    let mut providers: Vec<CalendarProvider> = st
        .query_map([], |r| {
            Ok(CalendarProvider {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    crate::collation::clinic_order(conn)?.sort_by(&mut providers, |p| &p.name);
    if !provider_ids.is_empty() {
        providers.retain(|p| provider_ids.contains(&p.id));
    }
    let mut appointments = query(
        conn,
        tz,
        "WHERE a.starts_at >= ?1 AND a.starts_at < ?2 AND (a.holds = 1 OR ?3)
         ORDER BY a.starts_at, a.seq",
        &[&a, &b, &include_cancelled],
    )?;
    if !provider_ids.is_empty() {
        appointments.retain(|x| provider_ids.contains(&x.provider_id));
    }
    // Each provider's weekly hours are read once, not once per day drawn.
    let weekly: Vec<_> = providers
        .iter()
        .map(|p| schedules::weekly(conn, &p.id).map(|s| (p, s)))
        .collect::<Result<_>>()?;
    let mut hours = vec![];
    let mut closed = vec![];
    for i in 0..days {
        let d = from + Duration::days(i as i64);
        if let Some(note) = schedules::closed_day(conn, d)? {
            closed.push(ClosedDay { date: d, note });
            continue;
        }
        for (p, shifts) in &weekly {
            for (x, y) in schedules::spans_on(conn, shifts, &p.id, d)? {
                hours.push(WorkingHours {
                    provider_id: p.id.clone(),
                    date: d,
                    from: schedules::hhmm(x),
                    to: schedules::hhmm(y),
                });
            }
        }
    }
    Ok(Calendar {
        from,
        days,
        providers,
        appointments,
        hours,
        closed,
    })
}

pub(crate) fn for_client(conn: &Connection, tz: Tz, client_id: &str) -> Result<Vec<Appointment>> {
    crate::clients::get(conn, client_id)?;
    query(
        conn,
        tz,
        "WHERE a.client_id = ?1 ORDER BY a.starts_at DESC LIMIT 500",
        &[&client_id],
    )
}

/// Booked or confirmed visits whose start passed more than the clinic's grace time ago with
/// no arrival: proposed to staff as no-shows, never marked on their own.
pub(crate) fn no_show_candidates(conn: &Connection, ctx: &Ctx) -> Result<Vec<Appointment>> {
    let grace: i64 = conn.query_row(
        "SELECT no_show_after_minutes FROM reminder_settings",
        [],
        |r| r.get(0),
    )?;
    let cut = clock::stamp(ctx.now - Duration::minutes(grace));
    let since = clock::stamp(ctx.now - Duration::days(14));
    query(
        conn,
        ctx.tz,
        "WHERE a.status IN ('booked', 'confirmed') AND a.starts_at >= ?1 AND a.starts_at <= ?2
         ORDER BY a.starts_at",
        &[&since, &cut],
    )
}

/// Up to the next step of the local clock, so that slots start at :00, :05 … in every zone.
fn round_up(t: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let offset = t.with_timezone(&tz).offset().fix().local_minus_utc() as i64;
    let mut local = t.timestamp() + offset;
    if t.timestamp_subsec_nanos() > 0 {
        local += 1;
    }
    let step = SLOT_STEP_MINUTES * 60;
    let rounded = (local + step - 1).div_euclid(step) * step;
    DateTime::from_timestamp(rounded - offset, 0).unwrap_or(t)
}

/// The first time from `after` (or now) when the provider (or, with none given, any provider
/// of the service) is free for the whole service and its buffer, within working hours.
pub(crate) fn next_free(
    conn: &Connection,
    ctx: &Ctx,
    service_id: &str,
    provider_id: Option<&str>,
    after: Option<NaiveDateTime>,
) -> Result<Option<FreeSlot>> {
    let service = services::get(conn, service_id)?;
    let providers = match provider_id {
        Some(p) => {
            check_staff(conn, p)?;
            vec![p.to_owned()]
        }
        None => services::providers_of(conn, service_id)?,
    };
    let length = Duration::minutes(service.fields.duration_minutes);
    let buffer = Duration::minutes(service.fields.buffer_minutes);
    let earliest = match after {
        Some(l) => schedules::to_utc(ctx.tz, l, "after")?.max(ctx.now),
        None => ctx.now,
    };
    let first_day = earliest.with_timezone(&ctx.tz).date_naive();
    let weekly: Vec<_> = providers
        .iter()
        .map(|p| schedules::weekly(conn, p).map(|s| (p, s)))
        .collect::<Result<_>>()?;
    let mut busy_st = conn.prepare_cached(
        "SELECT starts_at, busy_until FROM appointments
          WHERE provider_id = ?1 AND holds = 1 AND starts_at > ?2 AND starts_at < ?3
          ORDER BY starts_at",
    )?;
    for i in 0..SEARCH_DAYS {
        let d = first_day + Duration::days(i);
        if schedules::closed_day(conn, d)?.is_some() {
            continue;
        }
        let mut best: Option<(DateTime<Utc>, &String)> = None;
        for (p, shifts) in &weekly {
            let spans = schedules::utc_spans(ctx.tz, d, &schedules::spans_on(conn, shifts, p, d)?);
            let Some(last) = spans.last() else { continue };
            let from = clock::stamp(spans[0].0 - Duration::hours(REACH_HOURS));
            let to = clock::stamp(last.1 + buffer);
            let busy: Vec<(DateTime<Utc>, DateTime<Utc>)> = busy_st
                .query_map(params![p, from, to], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })?
                .filter_map(|r| r.ok())
                .filter_map(|(a, b)| Some((clock::parse(&a)?, clock::parse(&b)?)))
                .collect();
            'spans: for (s, e) in &spans {
                let mut at = round_up((*s).max(earliest), ctx.tz);
                loop {
                    if at + length > *e {
                        continue 'spans;
                    }
                    match busy
                        .iter()
                        .find(|(bs, be)| *bs < at + length + buffer && *be > at)
                    {
                        None => break,
                        Some((_, be)) => at = round_up(*be, ctx.tz),
                    }
                }
                if best.is_none_or(|(t, _)| at < t) {
                    best = Some((at, p));
                }
                break;
            }
        }
        if let Some((at, p)) = best {
            let name: String =
                conn.query_row("SELECT display_name FROM staff WHERE id = ?1", [p], |r| {
                    r.get(0)
                })?;
            return Ok(Some(FreeSlot {
                provider_id: p.clone(),
                provider_name: name,
                start: at.with_timezone(&ctx.tz).naive_local(),
                starts_at: clock::stamp(at),
                ends_at: clock::stamp(at + length),
            }));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::AppointmentStatus::*;
    use super::*;

    #[test]
    fn the_path_forward_and_the_ways_out() {
        assert_eq!(Booked.step(Confirmed), Step::Forward);
        assert_eq!(Booked.step(Arrived), Step::Forward);
        assert_eq!(Confirmed.step(Arrived), Step::Forward);
        assert_eq!(Arrived.step(InRoom), Step::Forward);
        assert_eq!(InRoom.step(Done), Step::Forward);
        assert_eq!(Booked.step(InRoom), Step::Refused);
        assert_eq!(Booked.step(Done), Step::Refused);
        assert_eq!(Arrived.step(NoShow), Step::Refused);
        assert_eq!(Done.step(CancelledClinic), Step::Refused);
        assert_eq!(NoShow.step(Booked), Step::Backward);
        assert_eq!(Done.step(InRoom), Step::Backward);
        assert_eq!(CancelledClient.step(LateCancel), Step::Backward);
        assert_eq!(NoShow.step(Done), Step::Refused);
        assert_eq!(Booked.step(Booked), Step::Refused);
    }
}

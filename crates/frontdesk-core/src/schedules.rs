//! When providers work: the weekly hours kept on each staff member (`staff.working_hours`),
//! changed on given dates by exceptions (leave, holidays, extra hours) and by the clinic's
//! closed days. Everything is reckoned in wall-clock minutes of the clinic's time zone and
//! turned into UTC only at the end, so that a DST change moves no one's 09:00.

use chrono::offset::LocalResult;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::door::Ctx;
use crate::error::{Error, Result};
use crate::staff::Shift;
use crate::validate;

/// Minutes since local midnight, end exclusive: [from, to).
pub(crate) type Span = (u32, u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// Not working: leave, a holiday, a closed day (the whole day, or between two times).
    Off,
    /// Working beyond the weekly hours.
    Extra,
}

impl ExceptionKind {
    fn as_str(self) -> &'static str {
        match self {
            ExceptionKind::Off => "off",
            ExceptionKind::Extra => "extra",
        }
    }
    fn parse(s: &str) -> ExceptionKind {
        if s == "extra" {
            ExceptionKind::Extra
        } else {
            ExceptionKind::Off
        }
    }
}

/// A departure from the weekly hours on one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScheduleException {
    pub id: String,
    /// `None`: the whole clinic (a closed day).
    pub staff_id: Option<String>,
    pub date: NaiveDate,
    pub kind: ExceptionKind,
    /// Both absent: the whole day.
    pub start: Option<NaiveTime>,
    pub end: Option<NaiveTime>,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewException {
    #[serde(default)]
    pub staff_id: Option<String>,
    pub date: NaiveDate,
    pub kind: ExceptionKind,
    #[serde(default)]
    pub start: Option<NaiveTime>,
    #[serde(default)]
    pub end: Option<NaiveTime>,
    #[serde(default)]
    pub note: String,
}

/// One provider's working time on one date, as local wall-clock times ("09:00").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WorkingHours {
    pub provider_id: String,
    pub date: NaiveDate,
    pub from: String,
    pub to: String,
}

pub(crate) fn minute_of(t: NaiveTime) -> u32 {
    // A shift ending 23:59:59 runs to midnight.
    if t.hour() == 23 && t.minute() == 59 && t.second() == 59 {
        return 24 * 60;
    }
    t.hour() * 60 + t.minute()
}

pub(crate) fn hhmm(m: u32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// Sorted, merged, non-empty spans.
fn normalize(mut spans: Vec<Span>) -> Vec<Span> {
    spans.retain(|(a, b)| b > a);
    spans.sort();
    let mut out: Vec<Span> = vec![];
    for (a, b) in spans {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn subtract(spans: Vec<Span>, cut: Span) -> Vec<Span> {
    let mut out = vec![];
    for (a, b) in spans {
        if cut.1 <= a || cut.0 >= b {
            out.push((a, b));
            continue;
        }
        if cut.0 > a {
            out.push((a, cut.0));
        }
        if cut.1 < b {
            out.push((cut.1, b));
        }
    }
    out
}

/// The weekly hours of each provider, parsed once per request.
pub(crate) fn weekly(conn: &Connection, provider: &str) -> Result<Vec<Shift>> {
    let raw: Option<String> = conn
        .query_row(
            "SELECT working_hours FROM staff WHERE id = ?1",
            [provider],
            |r| r.get(0),
        )
        .optional()?;
    Ok(raw
        .and_then(|h| serde_json::from_str(&h).ok())
        .unwrap_or_default())
}

fn exceptions_on(conn: &Connection, date: NaiveDate) -> Result<Vec<ScheduleException>> {
    let mut st = conn.prepare_cached(
        "SELECT id, staff_id, date, kind, start_time, end_time, note FROM schedule_exceptions
          WHERE date = ?1 ORDER BY seq",
    )?;
    let rows = st.query_map([date.to_string()], exception_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn exception_row(r: &rusqlite::Row) -> rusqlite::Result<ScheduleException> {
    let parse_t = |s: Option<String>| s.and_then(|s| NaiveTime::parse_from_str(&s, "%H:%M").ok());
    Ok(ScheduleException {
        id: r.get(0)?,
        staff_id: r.get(1)?,
        date: NaiveDate::parse_from_str(&r.get::<_, String>(2)?, "%Y-%m-%d").unwrap_or_default(),
        kind: ExceptionKind::parse(&r.get::<_, String>(3)?),
        start: parse_t(r.get(4)?),
        end: parse_t(r.get(5)?),
        note: r.get(6)?,
    })
}

/// A provider's working spans on a local date: weekly hours, plus extra hours, minus leave and
/// the clinic's closed times.
pub(crate) fn spans_on(
    conn: &Connection,
    shifts: &[Shift],
    provider: &str,
    date: NaiveDate,
) -> Result<Vec<Span>> {
    let mut spans: Vec<Span> = shifts
        .iter()
        .filter(|s| s.day == date.weekday())
        .map(|s| (minute_of(s.start), minute_of(s.end)))
        .collect();
    let exceptions = exceptions_on(conn, date)?;
    for e in &exceptions {
        if e.kind == ExceptionKind::Extra && e.staff_id.as_deref() == Some(provider) {
            if let (Some(a), Some(b)) = (e.start, e.end) {
                spans.push((minute_of(a), minute_of(b)));
            }
        }
    }
    let mut spans = normalize(spans);
    for e in &exceptions {
        let applies = e.staff_id.is_none() || e.staff_id.as_deref() == Some(provider);
        if e.kind == ExceptionKind::Off && applies {
            let cut = match (e.start, e.end) {
                (Some(a), Some(b)) => (minute_of(a), minute_of(b)),
                _ => (0, 24 * 60),
            };
            spans = subtract(spans, cut);
        }
    }
    Ok(spans)
}

/// Whether the whole clinic is closed on a date (a whole-day closure), with its note.
pub(crate) fn closed_day(conn: &Connection, date: NaiveDate) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT note FROM schedule_exceptions
              WHERE date = ?1 AND staff_id IS NULL AND kind = 'off' AND start_time IS NULL",
            [date.to_string()],
            |r| r.get(0),
        )
        .optional()?)
}

/// A wall-clock time that does not exist (the clocks skip it) is refused, naming the field.
/// An ambiguous one (the clocks fall back) means its first occurrence.
pub(crate) fn to_utc(tz: Tz, local: NaiveDateTime, field: &str) -> Result<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
        LocalResult::None => Err(Error::invalid(
            field,
            "appointment.no_such_time",
            format!(
                "{} does not exist in {}: the clocks skip it that day",
                local.format("%Y-%m-%d %H:%M"),
                tz.name()
            ),
        )),
    }
}

/// A span boundary that falls in a DST gap means the first moment after the gap.
fn boundary_utc(tz: Tz, date: NaiveDate, minute: u32) -> DateTime<Utc> {
    let mut local = date.and_time(NaiveTime::MIN) + chrono::Duration::minutes(minute as i64);
    for _ in 0..(4 * 60) {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
            LocalResult::None => local += chrono::Duration::minutes(1),
        }
    }
    Utc.from_utc_datetime(&local)
}

/// A provider's working spans on a date as UTC intervals.
pub(crate) fn utc_spans(
    tz: Tz,
    date: NaiveDate,
    spans: &[Span],
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    spans
        .iter()
        .map(|&(a, b)| (boundary_utc(tz, date, a), boundary_utc(tz, date, b)))
        .collect()
}

pub(crate) fn list(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ScheduleException>> {
    let mut st = conn.prepare_cached(
        "SELECT id, staff_id, date, kind, start_time, end_time, note FROM schedule_exceptions
          WHERE date >= ?1 AND date < ?2 ORDER BY date, seq",
    )?;
    let rows = st.query_map(params![from.to_string(), to.to_string()], exception_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn add(conn: &Connection, ctx: &Ctx, new: &NewException) -> Result<ScheduleException> {
    if let Some(s) = &new.staff_id {
        let known = conn
            .prepare_cached("SELECT 1 FROM staff WHERE id = ?1")?
            .exists([s])?;
        if !known {
            return Err(Error::invalid(
                "staff_id",
                "validation.unknown_staff",
                "is not a staff member",
            ));
        }
    }
    match (new.start, new.end) {
        (None, None) if new.kind == ExceptionKind::Extra => {
            return Err(Error::invalid(
                "start",
                "validation.required",
                "extra hours need a start and an end",
            ))
        }
        (None, None) => {}
        (Some(a), Some(b)) => {
            if minute_of(b) <= minute_of(a) {
                return Err(Error::invalid(
                    "end",
                    "appointment.end_before_start",
                    "the end must be after the start",
                ));
            }
        }
        _ => {
            return Err(Error::invalid(
                "end",
                "validation.required",
                "give both a start and an end, or neither for the whole day",
            ))
        }
    }
    if new.staff_id.is_none() && new.kind == ExceptionKind::Extra {
        return Err(Error::invalid(
            "staff_id",
            "validation.required",
            "extra hours belong to one person",
        ));
    }
    let note = validate::text("note", &new.note, validate::MAX_NAME, false)?;
    let id = ulid::Ulid::new().to_string();
    let fmt = |t: Option<NaiveTime>| t.map(|t| t.format("%H:%M").to_string());
    conn.execute(
        "INSERT INTO schedule_exceptions (id, staff_id, date, kind, start_time, end_time, note,
                                          created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            new.staff_id,
            new.date.to_string(),
            new.kind.as_str(),
            fmt(new.start),
            fmt(new.end),
            note,
            ctx.staff_id(),
            ctx.stamp()
        ],
    )?;
    Ok(ScheduleException {
        id,
        staff_id: new.staff_id.clone(),
        date: new.date,
        kind: new.kind,
        start: new.start,
        end: new.end,
        note,
    })
}

pub(crate) fn remove(conn: &Connection, id: &str) -> Result<()> {
    let n = conn.execute("DELETE FROM schedule_exceptions WHERE id = ?1", [id])?;
    if n == 0 {
        return Err(Error::NotFound {
            kind: "schedule_exception",
            id: id.into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_merge_and_cut() {
        assert_eq!(
            normalize(vec![(600, 700), (540, 620), (800, 900)]),
            vec![(540, 700), (800, 900)]
        );
        assert_eq!(
            subtract(vec![(540, 1020)], (720, 780)),
            vec![(540, 720), (780, 1020)]
        );
        assert_eq!(subtract(vec![(540, 1020)], (0, 1440)), vec![]);
    }

    #[test]
    fn a_skipped_time_is_refused_and_a_boundary_in_the_gap_moves_past_it() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        let gap = day.and_hms_opt(2, 30, 0).unwrap();
        let e = to_utc(tz, gap, "start").unwrap_err();
        assert_eq!(e.code(), "appointment.no_such_time");
        // 02:30 local does not exist; the span starts at 03:00 local = 01:00 UTC.
        let b = boundary_utc(tz, day, 150);
        assert_eq!(b.to_rfc3339(), "2026-03-29T01:00:00+00:00");
    }
}

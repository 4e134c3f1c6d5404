//! Data-subject requests: access, rectification, erasure, restriction and objection, each
//! with the day it came in and the day it is due (one calendar month later, extendable).
//! Open requests past their due day are overdue; admins see them first.

use chrono::{Months, NaiveDate};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::door::Ctx;
use crate::error::{Error, Result};
use crate::validate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Access,
    Rectify,
    Erase,
    Restrict,
    Object,
}

impl RequestKind {
    const ALL: [RequestKind; 5] = [
        RequestKind::Access,
        RequestKind::Rectify,
        RequestKind::Erase,
        RequestKind::Restrict,
        RequestKind::Object,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Access => "access",
            RequestKind::Rectify => "rectify",
            RequestKind::Erase => "erase",
            RequestKind::Restrict => "restrict",
            RequestKind::Object => "object",
        }
    }
    fn parse(s: &str) -> RequestKind {
        RequestKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or(RequestKind::Access)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Open,
    Done,
    Refused,
}

impl RequestStatus {
    fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::Done => "done",
            RequestStatus::Refused => "refused",
        }
    }
    fn parse(s: &str) -> RequestStatus {
        match s {
            "done" => RequestStatus::Done,
            "refused" => RequestStatus::Refused,
            _ => RequestStatus::Open,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrivacyRequest {
    pub id: String,
    pub client_id: Option<String>,
    pub client_name: Option<String>,
    pub kind: RequestKind,
    /// Who asked, as they gave it (a name, an email).
    pub requester: String,
    pub received_on: NaiveDate,
    /// One calendar month after it came in.
    pub due_on: NaiveDate,
    /// A later due day, when the clinic extended it (by up to two more months).
    pub extended_to: Option<NaiveDate>,
    pub status: RequestStatus,
    pub note: String,
    pub closed_at: Option<String>,
    /// Open, and today is past its (extended) due day.
    pub overdue: bool,
    pub created_at: String,
    pub version: i64,
}

/// A new request, or changes to one (`id` and `expected_version` given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrivacyRequestInput {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub expected_version: Option<i64>,
    #[serde(default)]
    pub client_id: Option<String>,
    pub kind: RequestKind,
    pub requester: String,
    pub received_on: NaiveDate,
    #[serde(default)]
    pub extended_to: Option<NaiveDate>,
    pub status: RequestStatus,
    #[serde(default)]
    pub note: String,
}

const SELECT: &str = "SELECT r.*, c.full_name AS client_name FROM privacy_requests r
                        LEFT JOIN clients c ON c.id = r.client_id";

fn read(r: &Row, today: NaiveDate) -> rusqlite::Result<PrivacyRequest> {
    let status = RequestStatus::parse(&r.get::<_, String>("status")?);
    let due_on: NaiveDate = r.get("due_on")?;
    let extended_to: Option<NaiveDate> = r.get("extended_to")?;
    Ok(PrivacyRequest {
        id: r.get("id")?,
        client_id: r.get("client_id")?,
        client_name: r.get("client_name")?,
        kind: RequestKind::parse(&r.get::<_, String>("kind")?),
        requester: r.get("requester")?,
        received_on: r.get("received_on")?,
        overdue: status == RequestStatus::Open && today > extended_to.unwrap_or(due_on),
        due_on,
        extended_to,
        status,
        note: r.get("note")?,
        closed_at: r.get("closed_at")?,
        created_at: r.get("created_at")?,
        version: r.get("version")?,
    })
}

/// Open requests first (overdue first among them, by due day), then the closed ones.
pub(crate) fn list(conn: &Connection, today: NaiveDate) -> Result<Vec<PrivacyRequest>> {
    let mut st = conn.prepare_cached(&format!(
        "{SELECT} ORDER BY r.status != 'open', coalesce(r.extended_to, r.due_on), r.seq LIMIT 1000"
    ))?;
    let rows = st.query_map([], |r| read(r, today))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn for_client(
    conn: &Connection,
    client: &str,
    today: NaiveDate,
) -> Result<Vec<PrivacyRequest>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} WHERE r.client_id = ?1 ORDER BY r.seq"))?;
    let rows = st.query_map([client], |r| read(r, today))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn get(conn: &Connection, id: &str, today: NaiveDate) -> Result<PrivacyRequest> {
    conn.prepare_cached(&format!("{SELECT} WHERE r.id = ?1"))?
        .query_row([id], |r| read(r, today))
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "privacy_request",
            id: id.to_string(),
        })
}

/// Open requests past their due day: what admins are told about.
pub(crate) fn overdue(conn: &Connection, today: NaiveDate) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM privacy_requests
          WHERE status = 'open' AND coalesce(extended_to, due_on) < ?1",
        [today],
        |r| r.get(0),
    )?)
}

pub(crate) fn save(
    conn: &Connection,
    ctx: &Ctx,
    input: &PrivacyRequestInput,
) -> Result<PrivacyRequest> {
    let today = ctx.today();
    let requester = validate::required("requester", &input.requester, 200)?;
    let note = validate::text("note", &input.note, 4000, true)?;
    if input.received_on > today {
        return Err(Error::invalid(
            "received_on",
            "privacy.received_in_future",
            "a request cannot arrive in the future",
        ));
    }
    if let Some(c) = &input.client_id {
        crate::clients::get(conn, c)?;
    }
    let due_on = input
        .received_on
        .checked_add_months(Months::new(1))
        .ok_or_else(|| Error::invalid("received_on", "validation.date", "is out of range"))?;
    if let Some(ext) = input.extended_to {
        // The law allows two further months at most.
        let limit = due_on.checked_add_months(Months::new(2)).unwrap_or(due_on);
        if ext <= due_on || ext > limit {
            return Err(Error::invalid(
                "extended_to",
                "privacy.bad_extension",
                "an extension moves the due day later, by two months at most",
            ));
        }
    }
    let closed_at = (input.status != RequestStatus::Open).then(|| ctx.stamp());
    let id = match (&input.id, input.expected_version) {
        (None, _) => {
            let id = ulid::Ulid::new().to_string();
            conn.execute(
                "INSERT INTO privacy_requests (id, client_id, kind, requester, received_on,
                        due_on, extended_to, status, note, closed_at, created_by, created_at,
                        updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
                params![
                    id,
                    input.client_id,
                    input.kind.as_str(),
                    requester,
                    input.received_on,
                    due_on,
                    input.extended_to,
                    input.status.as_str(),
                    note,
                    closed_at,
                    ctx.staff_id(),
                    ctx.stamp()
                ],
            )?;
            id
        }
        (Some(id), expected) => {
            let current = get(conn, id, today)?;
            if Some(current.version) != expected {
                return Err(Error::Conflict {
                    kind: "privacy_request",
                    id: id.clone(),
                });
            }
            conn.execute(
                "UPDATE privacy_requests SET client_id = ?2, kind = ?3, requester = ?4,
                        received_on = ?5, due_on = ?6, extended_to = ?7, status = ?8, note = ?9,
                        closed_at = CASE WHEN ?8 = 'open' THEN NULL
                                         ELSE coalesce(closed_at, ?10) END,
                        updated_at = ?11, version = version + 1
                  WHERE id = ?1",
                params![
                    id,
                    input.client_id,
                    input.kind.as_str(),
                    requester,
                    input.received_on,
                    due_on,
                    input.extended_to,
                    input.status.as_str(),
                    note,
                    closed_at,
                    ctx.stamp()
                ],
            )?;
            id.clone()
        }
    };
    get(conn, &id, today)
}

//! What the clinic offers (services: duration, buffer, price, colour, who offers it) and where
//! (rooms). Both are kept, never deleted, once booked: they are set inactive instead.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::door::Ctx;
use crate::error::{Error, Result};
use crate::validate;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ServiceFields {
    pub name: String,
    pub duration_minutes: i64,
    #[serde(default)]
    pub buffer_minutes: i64,
    /// In the currency's minor unit; `None`: no set price.
    #[serde(default)]
    pub price_minor: Option<i64>,
    /// `#rrggbb`.
    pub colour: String,
    pub provider_ids: Vec<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Service {
    pub id: String,
    #[serde(flatten)]
    pub fields: ServiceFields,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Room {
    pub id: String,
    pub name: String,
    pub active: bool,
    pub version: i64,
}

fn service_row(conn: &Connection, r: &Row) -> rusqlite::Result<Service> {
    let id: String = r.get("id")?;
    let mut st = conn.prepare_cached(
        "SELECT staff_id FROM service_providers WHERE service_id = ?1 ORDER BY staff_id",
    )?;
    let provider_ids = st
        .query_map([&id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Service {
        fields: ServiceFields {
            name: r.get("name")?,
            duration_minutes: r.get("duration_minutes")?,
            buffer_minutes: r.get("buffer_minutes")?,
            price_minor: r.get("price_minor")?,
            colour: r.get("colour")?,
            provider_ids,
            active: r.get("active")?,
        },
        id,
        version: r.get("version")?,
    })
}

pub(crate) fn list(conn: &Connection, include_inactive: bool) -> Result<Vec<Service>> {
    let mut st = conn.prepare_cached(
        "SELECT * FROM services WHERE active = 1 OR ?1 ORDER BY active DESC, name, seq",
    )?;
    let mut rows: Vec<Service> = st
        .query_map([include_inactive], |r| service_row(conn, r))?
        .collect::<rusqlite::Result<_>>()?;
    let order = crate::collation::clinic_order(conn)?;
    rows.sort_by(|a, b| {
        (b.fields.active.cmp(&a.fields.active)).then(order.compare(&a.fields.name, &b.fields.name))
    });
    Ok(rows)
}

pub(crate) fn get(conn: &Connection, id: &str) -> Result<Service> {
    let mut st = conn.prepare_cached("SELECT * FROM services WHERE id = ?1")?;
    st.query_row([id], |r| service_row(conn, r))
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "service",
            id: id.into(),
        })
}

fn check_colour(c: &str) -> Result<String> {
    let c = c.trim().to_ascii_lowercase();
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
    if !ok {
        return Err(Error::invalid(
            "colour",
            "validation.colour",
            "is not a colour like #3a7bd5",
        ));
    }
    Ok(c)
}

/// Creates (no `id`) or updates a service.
pub(crate) fn save(
    conn: &Connection,
    ctx: &Ctx,
    id: Option<&str>,
    expected_version: Option<i64>,
    f: &ServiceFields,
) -> Result<Service> {
    let name = validate::required("name", &f.name, validate::MAX_NAME)?;
    let duration =
        validate::in_range("duration_minutes", f.duration_minutes, 1, 720).map_err(|_| {
            Error::invalid(
                "duration_minutes",
                "validation.duration",
                "must be between 1 and 720 minutes",
            )
        })?;
    let buffer = validate::in_range("buffer_minutes", f.buffer_minutes, 0, 240)?;
    if f.price_minor.is_some_and(|p| p < 0) {
        return Err(Error::invalid(
            "price_minor",
            "validation.out_of_range",
            "a price cannot be negative",
        ));
    }
    let colour = check_colour(&f.colour)?;
    for p in &f.provider_ids {
        let known = conn
            .prepare_cached("SELECT 1 FROM staff WHERE id = ?1")?
            .exists([p])?;
        if !known {
            return Err(Error::invalid(
                "provider_ids",
                "validation.unknown_staff",
                "is not a staff member",
            ));
        }
    }
    let now = ctx.stamp();
    let id = match id {
        None => {
            let id = ulid::Ulid::new().to_string();
            conn.execute(
                "INSERT INTO services (id, name, duration_minutes, buffer_minutes, price_minor,
                                       colour, active, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
                params![
                    id,
                    name,
                    duration,
                    buffer,
                    f.price_minor,
                    colour,
                    f.active,
                    now
                ],
            )?;
            id
        }
        Some(id) => {
            let n = conn.execute(
                "UPDATE services SET name = ?2, duration_minutes = ?3, buffer_minutes = ?4,
                        price_minor = ?5, colour = ?6, active = ?7, updated_at = ?8,
                        version = version + 1
                  WHERE id = ?1 AND version = ?9",
                params![
                    id,
                    name,
                    duration,
                    buffer,
                    f.price_minor,
                    colour,
                    f.active,
                    now,
                    expected_version.unwrap_or(-1)
                ],
            )?;
            if n == 0 {
                get(conn, id)?;
                return Err(Error::Conflict {
                    kind: "service",
                    id: id.into(),
                });
            }
            conn.execute("DELETE FROM service_providers WHERE service_id = ?1", [id])?;
            id.to_owned()
        }
    };
    for p in &f.provider_ids {
        conn.execute(
            "INSERT OR IGNORE INTO service_providers (service_id, staff_id) VALUES (?1, ?2)",
            params![id, p],
        )?;
    }
    get(conn, &id)
}

pub(crate) fn offered_by(conn: &Connection, service: &str, provider: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM service_providers WHERE service_id = ?1 AND staff_id = ?2")?
        .exists(params![service, provider])?)
}

pub(crate) fn providers_of(conn: &Connection, service: &str) -> Result<Vec<String>> {
    let mut st = conn.prepare_cached(
        "SELECT sp.staff_id FROM service_providers sp JOIN staff s ON s.id = sp.staff_id
          WHERE sp.service_id = ?1 AND s.active = 1 ORDER BY s.display_name, s.seq",
    )?;
    let rows = st.query_map([service], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn room_row(r: &Row) -> rusqlite::Result<Room> {
    Ok(Room {
        id: r.get("id")?,
        name: r.get("name")?,
        active: r.get("active")?,
        version: r.get("version")?,
    })
}

pub(crate) fn rooms(conn: &Connection, include_inactive: bool) -> Result<Vec<Room>> {
    let mut st = conn.prepare_cached(
        "SELECT * FROM rooms WHERE active = 1 OR ?1 ORDER BY active DESC, name, seq",
    )?;
    let mut rows: Vec<Room> = st
        .query_map([include_inactive], room_row)?
        .collect::<rusqlite::Result<_>>()?;
    let order = crate::collation::clinic_order(conn)?;
    rows.sort_by(|a, b| {
        b.active
            .cmp(&a.active)
            .then(order.compare(&a.name, &b.name))
    });
    Ok(rows)
}

pub(crate) fn room(conn: &Connection, id: &str) -> Result<Room> {
    conn.prepare_cached("SELECT * FROM rooms WHERE id = ?1")?
        .query_row([id], room_row)
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "room",
            id: id.into(),
        })
}

pub(crate) fn save_room(
    conn: &Connection,
    ctx: &Ctx,
    id: Option<&str>,
    expected_version: Option<i64>,
    name: &str,
    active: bool,
) -> Result<Room> {
    let name = validate::required("name", name, validate::MAX_NAME)?;
    let now = ctx.stamp();
    match id {
        None => {
            let id = ulid::Ulid::new().to_string();
            conn.execute(
                "INSERT INTO rooms (id, name, active, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![id, name, active, now],
            )?;
            room(conn, &id)
        }
        Some(id) => {
            let n = conn.execute(
                "UPDATE rooms SET name = ?2, active = ?3, updated_at = ?4, version = version + 1
                  WHERE id = ?1 AND version = ?5",
                params![id, name, active, now, expected_version.unwrap_or(-1)],
            )?;
            if n == 0 {
                room(conn, id)?;
                return Err(Error::Conflict {
                    kind: "room",
                    id: id.into(),
                });
            }
            room(conn, id)
        }
    }
}

//! Staff members: who they are, their role, capacity and hours, and their credentials.

use base64::Engine;
use chrono::{NaiveTime, Weekday};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::auth::{self, Secret, TotpEnrollment};
use crate::error::{Error, Result};
use crate::permissions::Role;
use crate::validate;
use crate::Ctx;

pub const MAX_AVATAR_BYTES: usize = 256 * 1024;

/// One working period on a weekday, in the clinic's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Shift {
    pub day: Weekday,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Shift {
    /// The same hours on each of `days`.
    pub fn on(days: &[Weekday], start: NaiveTime, end: NaiveTime) -> Vec<Shift> {
        days.iter().map(|&day| Shift { day, start, end }).collect()
    }

    /// Every day, all day (to the last second): an online business, or a desk that must
    /// always take chats.
    pub fn around_the_clock() -> Vec<Shift> {
        use Weekday::*;
        Shift::on(
            &[Mon, Tue, Wed, Thu, Fri, Sat, Sun],
            NaiveTime::MIN,
            NaiveTime::from_hms_opt(23, 59, 59).expect("a valid time"),
        )
    }
}

/// A picture shown beside the name, as base64 PNG, JPEG or WebP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Avatar {
    pub mime: String,
    pub base64: String,
}

/// What an admin sets for a staff member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StaffFields {
    pub display_name: String,
    pub role: Role,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// 1 (trainee) to 5 (expert); routing may prefer the more experienced.
    pub experience: u8,
    /// 1 = first line, 2 = second line, and so on.
    pub support_tier: u8,
    /// How many chats this person takes at once.
    pub chat_capacity: u16,
    #[serde(default)]
    pub working_hours: Vec<Shift>,
    #[serde(default)]
    pub avatar: Option<Avatar>,
}

impl StaffFields {
    /// A sensible start: first line, three chats, Monday to Friday 09:00 to 17:00.
    pub fn new(display_name: &str, role: Role) -> Self {
        use Weekday::*;
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        let five = NaiveTime::from_hms_opt(17, 0, 0).unwrap();
        StaffFields {
            display_name: display_name.to_string(),
            role,
            email: None,
            phone: None,
            experience: 1,
            support_tier: 1,
            chat_capacity: 3,
            working_hours: Shift::on(&[Mon, Tue, Wed, Thu, Fri], nine, five),
            avatar: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewStaff {
    pub login: String,
    pub password: Secret,
    #[serde(flatten)]
    pub fields: StaffFields,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Staff {
    pub id: String,
    pub login: String,
    #[serde(flatten)]
    pub fields: StaffFields,
    pub active: bool,
    pub totp_enrolled: bool,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

/// The stored credentials and lockout state of one login.
pub(crate) struct Credentials {
    pub id: String,
    pub role: Role,
    pub active: bool,
    pub password_hash: String,
    pub totp_secret: Option<Vec<u8>>,
    pub totp_last_step: Option<i64>,
    pub failed_logins: i64,
    pub locked_until: Option<String>,
    /// The break-glass account, and until when it is open.
    pub break_glass: bool,
    pub break_glass_until: Option<String>,
}

struct Checked {
    display_name: String,
    email: Option<String>,
    phone: Option<String>,
    working_hours: String,
    avatar: Option<(String, Vec<u8>)>,
}

fn check(f: &StaffFields, region: phonenumber::country::Id) -> Result<Checked> {
    let display_name = validate::required("display_name", &f.display_name, validate::MAX_NAME)?;
    let email = validate::email("email", f.email.as_deref())?.map(|(e, _)| e);
    let phone = match validate::optional("phone", f.phone.as_deref(), validate::MAX_PHONE_CHARS)? {
        Some(p) => Some(validate::phone("phone", &p, region)?.e164),
        None => None,
    };
    validate::in_range("experience", f.experience as i64, 1, 5)?;
    validate::in_range("support_tier", f.support_tier as i64, 1, 9)?;
    validate::in_range("chat_capacity", f.chat_capacity as i64, 0, 50)?;
    if f.working_hours.len() > 7 * 4 {
        return Err(Error::invalid(
            "working_hours",
            "validation.too_many",
            "at most four periods a day",
        ));
    }
    for (i, s) in f.working_hours.iter().enumerate() {
        if s.start >= s.end {
            return Err(Error::invalid(
                "working_hours",
                "validation.hours_order",
                "each period must end after it starts",
            ));
        }
        let overlaps = f.working_hours[..i]
            .iter()
            .any(|o| o.day == s.day && o.start < s.end && s.start < o.end);
        if overlaps {
            return Err(Error::invalid(
                "working_hours",
                "validation.hours_overlap",
                "periods on the same day overlap",
            ));
        }
    }
    let avatar = match &f.avatar {
        None => None,
        Some(a) => Some(check_avatar(a)?),
    };
    Ok(Checked {
        display_name,
        email,
        phone,
        working_hours: serde_json::to_string(&f.working_hours).expect("shifts serialize"),
        avatar,
    })
}

pub(crate) fn check_avatar(a: &Avatar) -> Result<(String, Vec<u8>)> {
    let bad = |why: &str| Error::invalid("avatar", "validation.avatar", why.to_string());
    if a.base64.len() > MAX_AVATAR_BYTES * 4 / 3 + 4 {
        return Err(bad("the picture is larger than 256 KiB"));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(a.base64.trim())
        .map_err(|_| bad("the picture is not valid base64"))?;
    let sniffed = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else {
        return Err(bad("the picture must be PNG, JPEG or WebP"));
    };
    if bytes.len() > MAX_AVATAR_BYTES {
        return Err(bad("the picture is larger than 256 KiB"));
    }
    Ok((sniffed.to_string(), bytes))
}

fn read(r: &Row) -> rusqlite::Result<Staff> {
    let role: String = r.get("role")?;
    let hours: String = r.get("working_hours")?;
    let avatar: Option<Vec<u8>> = r.get("avatar")?;
    let mime: Option<String> = r.get("avatar_mime")?;
    Ok(Staff {
        id: r.get("id")?,
        login: r.get("login")?,
        fields: StaffFields {
            display_name: r.get("display_name")?,
            role: Role::parse(&role).unwrap_or(Role::Clinician),
            email: r.get("email")?,
            phone: r.get("phone")?,
            experience: r.get("experience")?,
            support_tier: r.get("support_tier")?,
            chat_capacity: r.get("chat_capacity")?,
            working_hours: serde_json::from_str(&hours).unwrap_or_default(),
            avatar: avatar.zip(mime).map(|(b, mime)| Avatar {
                mime,
                base64: base64::engine::general_purpose::STANDARD.encode(b),
            }),
        },
        active: r.get("active")?,
        totp_enrolled: r.get::<_, Option<Vec<u8>>>("totp_secret")?.is_some(),
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
        version: r.get("version")?,
    })
}

pub(crate) fn get(conn: &Connection, id: &str) -> Result<Staff> {
    conn.prepare_cached("SELECT * FROM staff WHERE id = ?1")?
        .query_row([id], read)
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "staff",
            id: id.to_string(),
        })
}

/// Role and active flag only: what every request checks, without the avatar and hours. The
/// break-glass account is the emergency role, and inactive once its time is up.
pub(crate) fn role_and_active(
    conn: &Connection,
    id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Role, bool)> {
    conn.prepare_cached(
        "SELECT role, active, break_glass, break_glass_until FROM staff WHERE id = ?1",
    )?
    .query_row([id], |r| {
        let role: String = r.get(0)?;
        let active: bool = r.get(1)?;
        if r.get::<_, bool>(2)? {
            let until: Option<String> = r.get(3)?;
            let open = until.is_some_and(|u| u > crate::clock::stamp(now));
            return Ok((Role::Emergency, active && open));
        }
        Ok((Role::parse(&role).unwrap_or(Role::Clinician), active))
    })
    .optional()?
    .ok_or_else(|| Error::NotFound {
        kind: "staff",
        id: id.to_string(),
    })
}

pub(crate) fn list(conn: &Connection, include_inactive: bool) -> Result<Vec<Staff>> {
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM staff WHERE (active = 1 OR ?1) AND break_glass = 0
          ORDER BY display_name COLLATE NOCASE, seq",
    )?;
    let mut rows: Vec<Staff> = stmt
        .query_map([include_inactive], read)?
        .collect::<rusqlite::Result<_>>()?;
    crate::collation::clinic_order(conn)?.sort_by(&mut rows, |s| &s.fields.display_name);
    Ok(rows)
}

pub(crate) fn create(
    conn: &Connection,
    ctx: &Ctx,
    new: &NewStaff,
) -> Result<(Staff, Option<TotpEnrollment>)> {
    let login = validate::login(&new.login)?;
    validate::password("password", new.password.expose())?;
    let c = check(&new.fields, ctx.region)?;
    let taken: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM staff WHERE login = ?1)",
        [&login],
        |r| r.get(0),
    )?;
    if taken {
        return Err(Error::LoginTaken(login));
    }
    let (secret, enrollment) = if new.fields.role.requires_totp() {
        let (s, e) = auth::new_totp(&login)?;
        (Some(s), Some(e))
    } else {
        (None, None)
    };
    let id = ulid::Ulid::new().to_string();
    let now = ctx.stamp();
    let (mime, avatar) = c.avatar.unzip();
    conn.execute(
        "INSERT INTO staff (id, login, display_name, role, email, phone, experience, support_tier,
                            chat_capacity, working_hours, avatar, avatar_mime, password_hash,
                            totp_secret, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15)",
        params![
            id,
            login,
            c.display_name,
            new.fields.role.as_str(),
            c.email,
            c.phone,
            new.fields.experience,
            new.fields.support_tier,
            new.fields.chat_capacity,
            c.working_hours,
            avatar,
            mime,
            auth::hash_password(new.password.expose())?,
            secret,
            now
        ],
    )?;
    Ok((get(conn, &id)?, enrollment))
}

fn active_admins_other_than(conn: &Connection, id: &str) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM staff WHERE role = 'admin' AND active = 1 AND id != ?1",
        [id],
        |r| r.get(0),
    )?)
}

fn keep_one_admin(conn: &Connection, current: &Staff) -> Result<()> {
    if current.fields.role == Role::Admin
        && current.active
        && active_admins_other_than(conn, &current.id)? == 0
    {
        return Err(Error::invalid(
            "role",
            "staff.last_admin",
            "the clinic's last active admin cannot be demoted or deactivated",
        ));
    }
    Ok(())
}

/// Saves new fields. A move into a role that needs TOTP enrolls it and returns the secret.
pub(crate) fn update(
    conn: &Connection,
    ctx: &Ctx,
    id: &str,
    expected_version: i64,
    fields: &StaffFields,
) -> Result<(Staff, Option<TotpEnrollment>)> {
    let current = get(conn, id)?;
    if current.version != expected_version {
        return Err(Error::Conflict {
            kind: "staff",
            id: id.to_string(),
        });
    }
    let c = check(fields, ctx.region)?;
    if fields.role != Role::Admin {
        keep_one_admin(conn, &current)?;
    }
    let mut enrollment = None;
    if fields.role.requires_totp() && !current.totp_enrolled {
        let (secret, e) = auth::new_totp(&current.login)?;
        conn.execute(
            "UPDATE staff SET totp_secret = ?2, totp_last_step = NULL WHERE id = ?1",
            params![id, secret],
        )?;
        enrollment = Some(e);
    }
    let (mime, avatar) = c.avatar.unzip();
    conn.execute(
        "UPDATE staff SET display_name = ?2, role = ?3, email = ?4, phone = ?5, experience = ?6,
                support_tier = ?7, chat_capacity = ?8, working_hours = ?9, avatar = ?10,
                avatar_mime = ?11, updated_at = ?12, version = version + 1
         WHERE id = ?1",
        params![
            id,
            c.display_name,
            fields.role.as_str(),
            c.email,
            c.phone,
            fields.experience,
            fields.support_tier,
            fields.chat_capacity,
            c.working_hours,
            avatar,
            mime,
            ctx.stamp()
        ],
    )?;
    Ok((get(conn, id)?, enrollment))
}

pub(crate) fn set_active(conn: &Connection, ctx: &Ctx, id: &str, active: bool) -> Result<Staff> {
    let current = get(conn, id)?;
    if !active {
        keep_one_admin(conn, &current)?;
    }
    conn.execute(
        "UPDATE staff SET active = ?2, updated_at = ?3, version = version + 1 WHERE id = ?1",
        params![id, active, ctx.stamp()],
    )?;
    get(conn, id)
}

pub(crate) fn set_password(conn: &Connection, ctx: &Ctx, id: &str, password: &str) -> Result<()> {
    validate::password("new_password", password)?;
    get(conn, id)?;
    conn.execute(
        "UPDATE staff SET password_hash = ?2, failed_logins = 0, locked_until = NULL,
                updated_at = ?3 WHERE id = ?1",
        params![id, auth::hash_password(password)?, ctx.stamp()],
    )?;
    Ok(())
}

pub(crate) fn reset_totp(conn: &Connection, ctx: &Ctx, id: &str) -> Result<TotpEnrollment> {
    let s = get(conn, id)?;
    let (secret, e) = auth::new_totp(&s.login)?;
    conn.execute(
        "UPDATE staff SET totp_secret = ?2, totp_last_step = NULL, updated_at = ?3 WHERE id = ?1",
        params![id, secret, ctx.stamp()],
    )?;
    Ok(e)
}

pub(crate) fn credentials(conn: &Connection, login: &str) -> Result<Option<Credentials>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, role, active, password_hash, totp_secret, totp_last_step, failed_logins,
                    locked_until, break_glass, break_glass_until FROM staff WHERE login = ?1",
        )?
        .query_row([login], |r| {
            let role: String = r.get(1)?;
            Ok(Credentials {
                id: r.get(0)?,
                role: Role::parse(&role).unwrap_or(Role::Clinician),
                active: r.get(2)?,
                password_hash: r.get(3)?,
                totp_secret: r.get(4)?,
                totp_last_step: r.get(5)?,
                failed_logins: r.get(6)?,
                locked_until: r.get(7)?,
                break_glass: r.get(8)?,
                break_glass_until: r.get(9)?,
            })
        })
        .optional()?)
}

pub(crate) fn record_failure(
    conn: &Connection,
    id: &str,
    failures: i64,
    locked_until: Option<String>,
) -> Result<()> {
    conn.execute(
        "UPDATE staff SET failed_logins = ?2, locked_until = ?3 WHERE id = ?1",
        params![id, failures, locked_until],
    )?;
    Ok(())
}

pub(crate) fn record_success(conn: &Connection, id: &str, totp_step: Option<i64>) -> Result<()> {
    conn.execute(
        "UPDATE staff SET failed_logins = 0, locked_until = NULL,
                totp_last_step = coalesce(?2, totp_last_step) WHERE id = ?1",
        params![id, totp_step],
    )?;
    Ok(())
}

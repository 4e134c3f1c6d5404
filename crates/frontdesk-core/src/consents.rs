//! What each client agreed to, per purpose. Every decision is a row; the latest one per
//! purpose is in force, so withdrawing takes effect at once and the record of what was agreed
//! before stays.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::door::Ctx;
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Care,
    ChatStorage,
    ReminderSms,
    ReminderEmail,
    Marketing,
}

impl Purpose {
    pub const ALL: [Purpose; 5] = [
        Purpose::Care,
        Purpose::ChatStorage,
        Purpose::ReminderSms,
        Purpose::ReminderEmail,
        Purpose::Marketing,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Care => "care",
            Purpose::ChatStorage => "chat_storage",
            Purpose::ReminderSms => "reminder_sms",
            Purpose::ReminderEmail => "reminder_email",
            Purpose::Marketing => "marketing",
        }
    }
    fn parse(s: &str) -> Purpose {
        Purpose::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .unwrap_or(Purpose::Care)
    }
}

/// How the client told the clinic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ConsentMethod {
    InPerson,
    Phone,
    WebChat,
    Written,
}

impl ConsentMethod {
    fn as_str(self) -> &'static str {
        match self {
            ConsentMethod::InPerson => "in_person",
            ConsentMethod::Phone => "phone",
            ConsentMethod::WebChat => "web_chat",
            ConsentMethod::Written => "written",
        }
    }
    fn parse(s: &str) -> ConsentMethod {
        match s {
            "phone" => ConsentMethod::Phone,
            "web_chat" => ConsentMethod::WebChat,
            "written" => ConsentMethod::Written,
            _ => ConsentMethod::InPerson,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Consent {
    pub purpose: Purpose,
    pub given: bool,
    pub method: ConsentMethod,
    pub recorded_by: Option<String>,
    pub recorded_by_name: Option<String>,
    pub at: String,
}

/// Whether the client's latest word on a purpose is yes.
pub(crate) fn given(conn: &Connection, client: &str, purpose: Purpose) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT given FROM consents WHERE client_id = ?1 AND purpose = ?2
              ORDER BY seq DESC LIMIT 1",
        )?
        .query_row(params![client, purpose.as_str()], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

/// Every decision, newest first.
pub(crate) fn list(conn: &Connection, client: &str) -> Result<Vec<Consent>> {
    crate::clients::get(conn, client)?;
    let mut st = conn.prepare_cached(
        "SELECT c.purpose, c.given, c.method, c.recorded_by, s.display_name, c.at
           FROM consents c LEFT JOIN staff s ON s.id = c.recorded_by
          WHERE c.client_id = ?1 ORDER BY c.seq DESC",
    )?;
    let rows = st.query_map([client], |r| {
        Ok(Consent {
            purpose: Purpose::parse(&r.get::<_, String>(0)?),
            given: r.get(1)?,
            method: ConsentMethod::parse(&r.get::<_, String>(2)?),
            recorded_by: r.get(3)?,
            recorded_by_name: r.get(4)?,
            at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn set(
    conn: &Connection,
    ctx: &Ctx,
    client: &str,
    purpose: Purpose,
    given: bool,
    method: ConsentMethod,
) -> Result<Vec<Consent>> {
    crate::clients::get(conn, client)?;
    conn.execute(
        "INSERT INTO consents (client_id, purpose, given, method, recorded_by, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            client,
            purpose.as_str(),
            given,
            method.as_str(),
            ctx.staff_id(),
            ctx.stamp()
        ],
    )?;
    list(conn, client)
}

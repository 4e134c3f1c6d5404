//! Erasure and restriction.
//!
//! Erasing a client anonymizes them everywhere in one transaction: the profile and its
//! history, phones, search entry, consents, their conversations' answers, page, IP address and
//! message texts, the notes of their tasks, appointments and waiting-list entries, reasons
//! given when their records were opened, and unsent or sent mail, SMS and relay frames about
//! them. The rows themselves stay with their times, people and statuses, so the reports'
//! counts do not change. The relay is asked to forget their conversations. A tombstone in
//! `erasures` records that it happened, when and by whom, never what.
//!
//! Where the clinic must keep medical records (`medical_record_years`), a client with a visit
//! in that period is restricted instead: hidden from search, lists and reminders, opened only
//! by an admin who gives a reason.
//!
//! After the commit the door copies the log into the file and truncates it; `secure_delete`
//! (and the search index's own `secure-delete`) have already zeroed the old bytes.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::clock;
use crate::error::{Error, Result};
use crate::outbox;
use frontdesk_proto::wire::DeskIn;

/// How long an admin's reason for opening a restricted record lasts.
pub const OPEN_FOR_MINUTES: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErasureKind {
    Erased,
    /// The clinic must keep the record: it was restricted instead.
    Restricted,
    Unrestricted,
}

impl ErasureKind {
    fn as_str(self) -> &'static str {
        match self {
            ErasureKind::Erased => "erased",
            ErasureKind::Restricted => "restricted",
            ErasureKind::Unrestricted => "unrestricted",
        }
    }
}

/// What an erasure touched, counted (never what it held).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErasureCounts {
    pub conversations: i64,
    pub messages: i64,
    pub tasks: i64,
    pub appointments: i64,
    pub consents: i64,
    pub outbox: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErasureOutcome {
    pub client_id: String,
    pub kind: ErasureKind,
    pub counts: ErasureCounts,
}

/// One tombstone: the record that an erasure or restriction happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Tombstone {
    pub client_id: String,
    pub kind: ErasureKind,
    pub at: String,
    /// A staff id, "operator" or "system".
    pub actor: String,
    pub actor_name: Option<String>,
    pub request_id: Option<String>,
}

/// Whether the law makes the clinic keep this client's record: a visit within the clinic's
/// medical-record period.
pub(crate) fn must_keep(conn: &Connection, client: &str, now: DateTime<Utc>) -> Result<bool> {
    let years: i64 = conn.query_row(
        "SELECT medical_record_years FROM privacy_settings",
        [],
        |r| r.get(0),
    )?;
    if years == 0 {
        return Ok(false);
    }
    let since = clock::stamp(now - Duration::days(years * 366));
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM appointments WHERE client_id = ?1 AND starts_at >= ?2
                          AND status IN ('arrived', 'in_room', 'done'))",
        params![client, since],
        |r| r.get(0),
    )?)
}

/// Erases the client, or restricts them when the law says the record must be kept.
pub(crate) fn erase(
    conn: &Connection,
    now: DateTime<Utc>,
    actor: &str,
    client: &str,
    request_id: Option<&str>,
) -> Result<ErasureOutcome> {
    let c = crate::clients::get(conn, client)?;
    if c.erased_at.is_some() {
        return Err(Error::invalid(
            "id",
            "privacy.erased",
            "this client was erased already",
        ));
    }
    if must_keep(conn, client, now)? {
        restrict(conn, now, actor, client, request_id)?;
        return Ok(ErasureOutcome {
            client_id: client.to_string(),
            kind: ErasureKind::Restricted,
            counts: ErasureCounts::default(),
        });
    }
    super::mark_scrub(conn)?;
    let counts = anonymize(conn, now, actor, client)?;
    tombstone(
        conn,
        now,
        actor,
        client,
        ErasureKind::Erased,
        request_id,
        &counts,
    )?;
    Ok(ErasureOutcome {
        client_id: client.to_string(),
        kind: ErasureKind::Erased,
        counts,
    })
}

/// Removes every personal field of the client and of what is about them. See the module doc.
pub(crate) fn anonymize(
    conn: &Connection,
    now: DateTime<Utc>,
    actor: &str,
    client: &str,
) -> Result<ErasureCounts> {
    let stamp = clock::stamp(now);
    let (seq, version, email): (i64, i64, Option<String>) = conn.query_row(
        "SELECT seq, version, email FROM clients WHERE id = ?1",
        [client],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let phones: Vec<(String, String)> = conn
        .prepare("SELECT phone, e164 FROM client_phones WHERE client_id = ?1")?
        .query_map([client], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut counts = ErasureCounts::default();

    // What was sent or waits to be sent to them (reminders, newsletter confirmations).
    let mut addresses: Vec<String> = phones
        .iter()
        .flat_map(|(p, e)| [p.clone(), e.clone()])
        .collect();
    addresses.extend(email.clone());
    for a in &addresses {
        counts.outbox += conn.execute(
            "DELETE FROM outbox WHERE kind IN ('sms', 'email')
               AND instr(payload, ?1) > 0",
            [serde_json::to_string(a).expect("strings serialize")],
        )? as i64;
    }
    counts.outbox += conn.execute(
        "DELETE FROM outbox WHERE id IN (SELECT id || '-reminder-sms' FROM appointments
                                          WHERE client_id = ?1
                                          UNION ALL
                                         SELECT id || '-reminder-email' FROM appointments
                                          WHERE client_id = ?1)",
        [client],
    )? as i64;

    // Their conversations: answers, page, IP address and every message text.
    let conversations: Vec<String> = conn
        .prepare("SELECT id FROM conversations WHERE client_id = ?1")?
        .query_map([client], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for conv in &conversations {
        counts.conversations += conn.execute(
            "UPDATE conversations SET visitor_name = NULL, visitor_phone = NULL,
                    visitor_email = NULL, answers = '{}', page_url = NULL, ip = NULL,
                    marketing_opt_in = NULL, erased_at = ?2
              WHERE id = ?1",
            params![conv, stamp],
        )? as i64;
        counts.messages += conn.execute(
            "UPDATE chat_messages SET body = '', quote_text = NULL,
                    sender = CASE side WHEN 'visitor' THEN NULL ELSE sender END
              WHERE conversation_id = ?1",
            [conv],
        )? as i64;
        // Pictures and documents of either side: bytes, thumbnails, names.
        crate::attachments::store::forget_conversation(conn, conv)?;
        let pattern = serde_json::to_string(conv).expect("strings serialize");
        counts.outbox += conn.execute(
            "DELETE FROM outbox WHERE kind = 'relay' AND instr(payload, ?1) > 0",
            [format!("\"conversation\":{pattern}")],
        )? as i64;
        // The relay may still hold ciphertext of it: ask it to forget the conversation.
        outbox::push_relay(
            conn,
            now,
            &format!("{conv}-forget"),
            &DeskIn::Forget {
                conversation: conv.clone(),
            },
        )?;
    }

    // Tasks about them or their chats: the titles and notes staff wrote.
    counts.tasks = conn.execute(
        "UPDATE tasks SET title = '', note = ''
          WHERE client_id = ?1
             OR conversation_id IN (SELECT id FROM conversations WHERE client_id = ?1)",
        [client],
    )? as i64;
    conn.execute(
        "UPDATE task_history SET note = NULL
          WHERE task_id IN (SELECT id FROM tasks WHERE client_id = ?1
                             OR conversation_id IN (SELECT id FROM conversations
                                                     WHERE client_id = ?1))",
        [client],
    )?;

    // Appointments stay (the reports count them), their words go.
    counts.appointments = conn.execute(
        "UPDATE appointments SET note = '' WHERE client_id = ?1",
        [client],
    )? as i64;
    conn.execute(
        "UPDATE appointment_history SET note = NULL, override_reason = NULL,
                changes = CASE action WHEN 'edited' THEN NULL ELSE changes END
          WHERE appointment_id IN (SELECT id FROM appointments WHERE client_id = ?1)",
        [client],
    )?;
    conn.execute(
        "UPDATE waitlist SET note = '' WHERE client_id = ?1",
        [client],
    )?;

    counts.consents = conn.execute("DELETE FROM consents WHERE client_id = ?1", [client])? as i64;
    conn.execute(
        "DELETE FROM restricted_access WHERE client_id = ?1",
        [client],
    )?;
    // The request itself stays (proof it was answered); who sent it and the notes go.
    conn.execute(
        "UPDATE privacy_requests SET requester = '', note = '' WHERE client_id = ?1",
        [client],
    )?;

    conn.execute("DELETE FROM client_phones WHERE client_id = ?1", [client])?;
    conn.execute("DELETE FROM client_history WHERE client_id = ?1", [client])?;
    conn.execute("DELETE FROM client_search WHERE rowid = ?1", [seq])?;
    conn.execute(
        "UPDATE clients SET full_name = '', name_fold = '', name_key = x'', email = NULL, email_norm = NULL,
                address = NULL, date_of_birth = NULL, preferred_language = NULL, notes = '',
                account_manager_id = NULL, restricted_at = NULL, erased_at = ?2,
                updated_at = ?2, updated_by = ?3, version = version + 1
          WHERE id = ?1",
        params![client, stamp, actor],
    )?;
    conn.execute(
        "INSERT INTO client_history (client_id, version, at, actor, changes)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            client,
            version + 1,
            stamp,
            actor,
            serde_json::json!({"erased": {"from": null, "to": stamp}}).to_string()
        ],
    )?;
    Ok(counts)
}

pub(crate) fn restrict(
    conn: &Connection,
    now: DateTime<Utc>,
    actor: &str,
    client: &str,
    request_id: Option<&str>,
) -> Result<()> {
    let c = crate::clients::get(conn, client)?;
    if c.erased_at.is_some() {
        return Err(Error::invalid(
            "id",
            "privacy.erased",
            "this client was erased",
        ));
    }
    if c.restricted_at.is_some() {
        return Ok(());
    }
    let seq: i64 = conn.query_row("SELECT seq FROM clients WHERE id = ?1", [client], |r| {
        r.get(0)
    })?;
    // Out of search and the name index: restricted records are in no list.
    conn.execute("DELETE FROM client_search WHERE rowid = ?1", [seq])?;
    conn.execute(
        "UPDATE clients SET restricted_at = ?2, name_fold = '', name_key = x'' WHERE id = ?1",
        params![client, clock::stamp(now)],
    )?;
    tombstone(
        conn,
        now,
        actor,
        client,
        ErasureKind::Restricted,
        request_id,
        &ErasureCounts::default(),
    )
}

/// Lifts a restriction (the reason to keep it hidden is gone): back in search and lists.
pub(crate) fn unrestrict(
    conn: &Connection,
    now: DateTime<Utc>,
    actor: &str,
    client: &str,
) -> Result<()> {
    let c = crate::clients::get(conn, client)?;
    if c.restricted_at.is_none() {
        return Ok(());
    }
    let seq: i64 = conn.query_row("SELECT seq FROM clients WHERE id = ?1", [client], |r| {
        r.get(0)
    })?;
    let region: String = conn.query_row("SELECT phone_region FROM clinic", [], |r| r.get(0))?;
    let order = crate::collation::NameOrder::for_region(&region);
    let region = crate::validate::region(&region)?;
    conn.execute(
        "UPDATE clients SET restricted_at = NULL, name_fold = ?2, name_key = ?3 WHERE id = ?1",
        params![
            client,
            crate::search::fold(&c.fields.full_name),
            crate::search::name_key(order, &c.fields.full_name)
        ],
    )?;
    let phones: Vec<crate::validate::Phone> = c
        .fields
        .phones
        .iter()
        .filter_map(|p| crate::validate::phone("phone", p, region).ok())
        .collect();
    crate::search::upsert_index(
        conn,
        seq,
        &crate::search::index_text(&c.fields.full_name, c.fields.email.as_deref(), &phones),
    )?;
    tombstone(
        conn,
        now,
        actor,
        client,
        ErasureKind::Unrestricted,
        None,
        &ErasureCounts::default(),
    )
}

fn tombstone(
    conn: &Connection,
    now: DateTime<Utc>,
    actor: &str,
    client: &str,
    kind: ErasureKind,
    request_id: Option<&str>,
    counts: &ErasureCounts,
) -> Result<()> {
    conn.execute(
        "INSERT INTO erasures (client_id, kind, at, actor, request_id, counts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            client,
            kind.as_str(),
            clock::stamp(now),
            actor,
            request_id,
            serde_json::to_string(counts).expect("counts serialize")
        ],
    )?;
    Ok(())
}

pub(crate) fn tombstones(conn: &Connection, client: Option<&str>) -> Result<Vec<Tombstone>> {
    let mut st = conn.prepare_cached(
        "SELECT e.client_id, e.kind, e.at, e.actor, s.display_name, e.request_id
           FROM erasures e LEFT JOIN staff s ON s.id = e.actor
          WHERE ?1 IS NULL OR e.client_id = ?1
          ORDER BY e.seq DESC LIMIT 500",
    )?;
    let rows = st.query_map([client], |r| {
        let kind: String = r.get(1)?;
        Ok(Tombstone {
            client_id: r.get(0)?,
            kind: match kind.as_str() {
                "erased" => ErasureKind::Erased,
                "restricted" => ErasureKind::Restricted,
                _ => ErasureKind::Unrestricted,
            },
            at: r.get(2)?,
            actor: r.get(3)?,
            actor_name: r.get(4)?,
            request_id: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records an admin's reason for opening a restricted record; it opens for them for
/// `OPEN_FOR_MINUTES`.
pub(crate) fn open_restricted(
    conn: &Connection,
    now: DateTime<Utc>,
    staff: Option<&str>,
    client: &str,
    reason: &str,
) -> Result<()> {
    let c = crate::clients::get(conn, client)?;
    if c.restricted_at.is_none() {
        return Err(Error::invalid(
            "id",
            "privacy.not_restricted",
            "this record is not restricted",
        ));
    }
    let reason = crate::validate::required("reason", reason, 1000)?;
    conn.execute(
        "INSERT INTO restricted_access (client_id, staff_id, at, reason) VALUES (?1, ?2, ?3, ?4)",
        params![client, staff, clock::stamp(now), reason],
    )?;
    Ok(())
}

/// Whether the staff member gave a reason to open this restricted record recently.
pub(crate) fn opened(
    conn: &Connection,
    now: DateTime<Utc>,
    staff: Option<&str>,
    client: &str,
) -> Result<bool> {
    let since = clock::stamp(now - Duration::minutes(OPEN_FOR_MINUTES));
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM restricted_access
              WHERE client_id = ?1 AND staff_id IS ?2 AND at >= ?3 LIMIT 1",
        )?
        .query_row(params![client, staff, since], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Whether a client is restricted (and not erased).
pub(crate) fn is_restricted(conn: &Connection, client: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT restricted_at IS NOT NULL FROM clients WHERE id = ?1")?
        .query_row([client], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

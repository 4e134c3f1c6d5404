//! The outbox: frames for the relay (replies, deletions) and SMS to staff, written in the same
//! transaction as the change they carry and sent by the host afterwards, with retries. Nothing
//! a staff member sends is lost when the relay or the SMS gateway is down: it waits here.

use chrono::{DateTime, Duration, Utc};
use frontdesk_proto::wire::DeskIn;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::chat::SmsGateway;
use crate::clinic::Clinic;
use crate::clock;
use crate::error::Result;
use crate::events::Event;

/// One SMS to one staff member. The text names no visitor: SMS gateways are outside the
/// clinic's control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sms {
    pub to: String,
    pub text: String,
    pub gateway: SmsGateway,
}

/// One email to one client (an appointment reminder), sent through the clinic's SMTP server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxKind {
    Relay,
    Sms,
    Email,
}

impl OutboxKind {
    fn as_str(self) -> &'static str {
        match self {
            OutboxKind::Relay => "relay",
            OutboxKind::Sms => "sms",
            OutboxKind::Email => "email",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum OutboxPayload {
    Relay(DeskIn),
    Sms(Sms),
    Email(Mail),
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    pub id: String,
    pub payload: OutboxPayload,
    pub attempts: i64,
}

/// What the relay said when it stored a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub seq: u64,
    pub at: i64,
}

pub(crate) fn push_relay(
    conn: &Connection,
    now: DateTime<Utc>,
    id: &str,
    frame: &DeskIn,
) -> Result<()> {
    push(
        conn,
        now,
        id,
        "relay",
        &serde_json::to_string(frame).expect("frames serialize"),
    )
}

pub(crate) fn push_sms(conn: &Connection, now: DateTime<Utc>, id: &str, sms: &Sms) -> Result<()> {
    push(
        conn,
        now,
        id,
        "sms",
        &serde_json::to_string(sms).expect("sms serializes"),
    )
}

pub(crate) fn push_mail(
    conn: &Connection,
    now: DateTime<Utc>,
    id: &str,
    mail: &Mail,
) -> Result<()> {
    push(
        conn,
        now,
        id,
        "email",
        &serde_json::to_string(mail).expect("mail serializes"),
    )
}

fn push(conn: &Connection, now: DateTime<Utc>, id: &str, kind: &str, payload: &str) -> Result<()> {
    let stamp = clock::stamp(now);
    conn.execute(
        "INSERT OR IGNORE INTO outbox (id, kind, payload, created_at, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![id, kind, payload, stamp],
    )?;
    Ok(())
}

/// An SMS to every staff member who asked for one on a new chat, if a gateway is set up.
pub(crate) fn sms_new_chat(
    conn: &Connection,
    now: DateTime<Utc>,
    conversation: &str,
) -> Result<()> {
    let gateway: Option<String> =
        conn.query_row("SELECT sms_gateway FROM chat_link", [], |r| r.get(0))?;
    let Some(gateway) = gateway.and_then(|g| serde_json::from_str::<SmsGateway>(&g).ok()) else {
        return Ok(());
    };
    let clinic: String = conn.query_row("SELECT name FROM clinic", [], |r| r.get(0))?;
    let mut st = conn.prepare_cached(
        "SELECT r.staff_id, r.phone FROM chat_sms_recipients r JOIN staff s ON s.id = r.staff_id
          WHERE s.active = 1 ORDER BY r.staff_id",
    )?;
    let recipients: Vec<(String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (staff, phone) in recipients {
        let sms = Sms {
            to: phone,
            text: format!("{clinic}: a new website chat is waiting in Frontdesk."),
            gateway: gateway.clone(),
        };
        push(
            conn,
            now,
            &format!("{conversation}-sms-{staff}"),
            "sms",
            &serde_json::to_string(&sms).expect("sms serializes"),
        )?;
    }
    Ok(())
}

/// Waits after the n-th failure: 2 s, 4 s, 8 s … at most 10 minutes.
fn backoff(attempts: i64) -> Duration {
    Duration::seconds(2i64.saturating_pow(attempts.clamp(1, 20) as u32).min(600))
}

impl Clinic {
    /// Items of one kind due now, oldest first.
    pub fn outbox_due(&self, kind: OutboxKind, limit: u32) -> Result<Vec<OutboxItem>> {
        let now = clock::stamp(self.now());
        let conn = self.db();
        let mut st = conn.prepare_cached(
            "SELECT id, kind, payload, attempts FROM outbox
              WHERE done_at IS NULL AND kind = ?3 AND next_attempt_at <= ?1
                -- A reply waits until the relay has the files it names.
                AND NOT EXISTS (SELECT 1 FROM chat_file_uploads u WHERE u.message_id = outbox.id)
              ORDER BY seq LIMIT ?2",
        )?;
        let rows = st.query_map(params![now, limit, kind.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get(3)?,
            ))
        })?;
        let mut out = vec![];
        for row in rows {
            let (id, kind, payload, attempts) = row?;
            let payload = match kind.as_str() {
                "relay" => serde_json::from_str(&payload)
                    .ok()
                    .map(OutboxPayload::Relay),
                "email" => serde_json::from_str(&payload)
                    .ok()
                    .map(OutboxPayload::Email),
                _ => serde_json::from_str(&payload).ok().map(OutboxPayload::Sms),
            };
            if let Some(payload) = payload {
                out.push(OutboxItem {
                    id,
                    payload,
                    attempts,
                });
            }
        }
        Ok(out)
    }

    /// When the next item of a kind falls due, for the sender's sleep.
    pub fn outbox_next_due(&self, kind: OutboxKind) -> Result<Option<DateTime<Utc>>> {
        let conn = self.db();
        let next: Option<String> = conn.query_row(
            "SELECT min(next_attempt_at) FROM outbox WHERE done_at IS NULL AND kind = ?1",
            [kind.as_str()],
            |r| r.get(0),
        )?;
        Ok(next.and_then(|n| clock::parse(&n)))
    }

    /// Marks an item sent. A reply records when the relay stored it.
    pub fn outbox_done(&self, id: &str, delivered: Option<Delivered>) -> Result<()> {
        let now = clock::stamp(self.now());
        let conversation: Option<String> = {
            let mut conn = self.db();
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute(
                "UPDATE outbox SET done_at = ?2 WHERE id = ?1",
                params![id, now],
            )?;
            let mut conv = None;
            if let Some(d) = delivered {
                let at = clock::stamp(DateTime::from_timestamp_millis(d.at).unwrap_or_default());
                let n = tx.execute(
                    "UPDATE chat_messages SET delivered_at = ?2, relay_seq = ?3 WHERE id = ?1 AND side = 'desk'",
                    params![id, at, d.seq as i64],
                )?;
                if n > 0 {
                    conv = tx.query_row(
                        "SELECT conversation_id FROM chat_messages WHERE id = ?1",
                        [id],
                        |r| r.get(0),
                    )?;
                }
            }
            tx.commit()?;
            conv
        };
        if let Some(id) = conversation {
            self.listeners.send(Event::ConversationChanged { id });
        }
        Ok(())
    }

    /// Gives up on an item the other side refused for good (its code is kept).
    pub fn outbox_gave_up(&self, id: &str, code: &str) -> Result<()> {
        let now = clock::stamp(self.now());
        self.db().execute(
            "UPDATE outbox SET done_at = ?2, last_error = ?3 WHERE id = ?1",
            params![id, now, code],
        )?;
        Ok(())
    }

    /// Records a failed attempt (by error code only) and when to try again.
    pub fn outbox_failed(&self, id: &str, code: &str) -> Result<()> {
        let now = self.now();
        let conn = self.db();
        let attempts: i64 = conn.query_row(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1 RETURNING attempts",
            params![id, code],
            |r| r.get(0),
        )?;
        conn.execute(
            "UPDATE outbox SET next_attempt_at = ?2 WHERE id = ?1",
            params![id, clock::stamp(now + backoff(attempts))],
        )?;
        Ok(())
    }
}

//! "Export this client": everything the clinic holds about one person, for their right of
//! access and portability. The JSON form is this struct serialized; docs/privacy/export-schema.md
//! documents every field. The desk renders the same struct as a readable PDF.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::appointments::{self, Appointment};
use crate::chat::{self, Conversation};
use crate::clients::{self, Client, HistoryEntry};
use crate::consents::{self, Consent};
use crate::door::Ctx;
use crate::error::Result;
use crate::tasks::{self, Task};
use crate::waitlist::WaitlistEntry;

use super::requests::{self, PrivacyRequest};

/// The schema's name and version, the first field of every export.
pub const SCHEMA: &str = "frontdesk.client-export/1";

/// Who looked at or changed this client's records, from the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AccessRecord {
    pub at: String,
    /// staff, operator, system or anonymous.
    pub actor_kind: String,
    pub actor_name: Option<String>,
    pub workstation: String,
    /// The audit log's action, "client.get", "chat.conversation_get", ...
    pub action: String,
    /// client, conversation, appointment or task.
    pub target_kind: Option<String>,
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClientExport {
    pub schema: String,
    pub clinic: String,
    /// UTC.
    pub made_at: String,
    pub made_by: String,
    pub client: Client,
    /// Every change to the profile: who, when, from what to what.
    pub history: Vec<HistoryEntry>,
    /// Every consent decision, newest first.
    pub consents: Vec<Consent>,
    /// With each one's history.
    pub appointments: Vec<Appointment>,
    pub waitlist: Vec<WaitlistEntry>,
    /// With every message, answer, page, IP address and language.
    pub conversations: Vec<Conversation>,
    /// Tasks about the client or their chats, with their logs.
    pub tasks: Vec<Task>,
    /// Their data-subject requests.
    pub requests: Vec<PrivacyRequest>,
    /// Who accessed their records (the audit log, newest first).
    pub access_log: Vec<AccessRecord>,
}

pub(crate) fn make(
    conn: &Connection,
    ctx: &Ctx,
    client_id: &str,
    made_by: &str,
) -> Result<ClientExport> {
    let client = clients::get(conn, client_id)?;
    let clinic: String = conn.query_row("SELECT name FROM clinic", [], |r| r.get(0))?;
    let mut appointments = appointments::for_client(conn, ctx.tz, client_id)?;
    for a in &mut appointments {
        a.history = appointments::history(conn, &a.id)?;
    }
    let waitlist = crate::waitlist::list(conn)?
        .into_iter()
        .filter(|w| w.client_id == client_id)
        .collect();
    let conversation_ids: Vec<String> = conn
        .prepare("SELECT id FROM conversations WHERE client_id = ?1 ORDER BY seq")?
        .query_map([client_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut conversations = Vec::with_capacity(conversation_ids.len());
    for id in &conversation_ids {
        let mut c = chat::get(conn, ctx, id)?;
        c.client_matches.clear();
        conversations.push(c);
    }
    let task_ids: Vec<String> = conn
        .prepare(
            "SELECT id FROM tasks WHERE client_id = ?1
                OR conversation_id IN (SELECT id FROM conversations WHERE client_id = ?1)
             ORDER BY seq",
        )?
        .query_map([client_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let tasks = task_ids
        .iter()
        .map(|id| tasks::get(conn, ctx.now, id))
        .collect::<Result<Vec<_>>>()?;
    let mut targets: Vec<String> = vec![client_id.to_string()];
    targets.extend(conversation_ids);
    targets.extend(appointments.iter().map(|a| a.id.clone()));
    targets.extend(task_ids);
    Ok(ClientExport {
        schema: SCHEMA.into(),
        clinic,
        made_at: ctx.stamp(),
        made_by: made_by.to_string(),
        history: clients::history(conn, client_id)?,
        consents: consents::list(conn, client_id)?,
        requests: requests::for_client(conn, client_id, ctx.today())?,
        access_log: access_log(conn, &targets)?,
        client,
        appointments,
        waitlist,
        conversations,
        tasks,
    })
}

fn access_log(conn: &Connection, targets: &[String]) -> Result<Vec<AccessRecord>> {
    let mut st = conn.prepare_cached(
        "SELECT a.seq, a.at, a.actor_kind, s.display_name, a.workstation, a.action,
                a.target_kind, a.outcome
           FROM audit a LEFT JOIN staff s ON s.id = a.actor_id
          WHERE a.target_id = ?1",
    )?;
    let mut out: Vec<(i64, AccessRecord)> = Vec::new();
    for t in targets {
        let rows = st.query_map([t], |r| {
            Ok((
                r.get(0)?,
                AccessRecord {
                    at: r.get(1)?,
                    actor_kind: r.get(2)?,
                    actor_name: r.get(3)?,
                    workstation: r.get(4)?,
                    action: r.get(5)?,
                    target_kind: r.get(6)?,
                    outcome: r.get(7)?,
                },
            ))
        })?;
        for row in rows {
            out.push(row?);
        }
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.0));
    Ok(out.into_iter().map(|(_, r)| r).collect())
}

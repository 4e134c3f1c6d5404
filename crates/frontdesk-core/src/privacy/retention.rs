//! The nightly retention job: forgets what the clinic no longer needs, by the periods in
//! `privacy_settings`, and writes what it did into the audit log (counts only).
//!
//! - chat transcripts of conversations quiet for `chat_days`: answers, page, IP address and
//!   message texts are erased; the rows stay for the reports' counts;
//! - visitors' IP addresses after `ip_days`;
//! - clients with no visit, chat or change for `inactive_client_years`: erased, or restricted
//!   while the law still makes the clinic keep their record;
//! - the audit log is kept whole (at least `audit_years`, six by default);
//! - sent mail and SMS (their texts) a week after they went.

use chrono::{DateTime, Duration, Months, Utc};
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::clock;
use crate::error::Result;

use super::erasure::{self, ErasureKind};

/// At most this many clients are erased in one night, so one run stays short; the rest go on
/// the following nights.
pub const CLIENTS_PER_RUN: usize = 5_000;

/// The job runs when the last run is at least this old.
pub const EVERY_HOURS: i64 = 20;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RetentionRun {
    pub at: String,
    /// Conversations whose transcripts were erased.
    pub transcripts: i64,
    /// Messages whose texts were erased with them.
    pub messages: i64,
    pub ip_addresses: i64,
    pub clients_erased: i64,
    pub clients_restricted: i64,
    pub audit_records: i64,
    pub sent_messages: i64,
}

impl RetentionRun {
    /// The audit record's detail: counts only.
    pub fn detail(&self) -> String {
        format!(
            "transcripts={} messages={} ips={} clients_erased={} clients_restricted={} audit={} sent={}",
            self.transcripts,
            self.messages,
            self.ip_addresses,
            self.clients_erased,
            self.clients_restricted,
            self.audit_records,
            self.sent_messages
        )
    }
}

pub(crate) fn due(conn: &Connection, now: DateTime<Utc>) -> Result<bool> {
    let last: Option<String> =
        conn.query_row("SELECT last_retention_at FROM privacy_settings", [], |r| {
            r.get(0)
        })?;
    Ok(match last.as_deref().and_then(clock::parse) {
        None => true,
        Some(t) => now - t >= Duration::hours(EVERY_HOURS),
    })
}

pub(crate) fn run(conn: &Connection, now: DateTime<Utc>) -> Result<RetentionRun> {
    let s = super::settings(conn)?;
    super::mark_scrub(conn)?;
    let stamp = clock::stamp(now);
    let mut out = RetentionRun {
        at: stamp.clone(),
        ..Default::default()
    };

    let chat_cutoff = clock::stamp(now - Duration::days(s.chat_days));
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS retention_quiet (id TEXT PRIMARY KEY) WITHOUT ROWID",
        [],
    )?;
    conn.execute("DELETE FROM temp.retention_quiet", [])?;
    out.transcripts = conn.execute(
        "INSERT INTO temp.retention_quiet (id)
         SELECT id FROM conversations WHERE last_message_at < ?1 AND erased_at IS NULL",
        [&chat_cutoff],
    )? as i64;
    if out.transcripts > 0 {
        out.messages = conn.execute(
            "UPDATE chat_messages SET body = '', quote_text = NULL,
                    sender = CASE side WHEN 'visitor' THEN NULL ELSE sender END
              WHERE conversation_id IN (SELECT id FROM temp.retention_quiet)",
            [],
        )? as i64;
        // Pictures and documents of either side go with the transcript.
        conn.execute(
            "DELETE FROM chat_file_uploads
              WHERE conversation_id IN (SELECT id FROM temp.retention_quiet)",
            [],
        )?;
        conn.execute(
            "DELETE FROM chat_files WHERE conversation_id IN (SELECT id FROM temp.retention_quiet)",
            [],
        )?;
        conn.execute(
            "UPDATE conversations SET visitor_name = NULL, visitor_phone = NULL,
                    visitor_email = NULL, answers = '{}', page_url = NULL, ip = NULL,
                    erased_at = ?1
              WHERE id IN (SELECT id FROM temp.retention_quiet)",
            [&stamp],
        )?;
        // A call-back made after hours carries the visitor's number as its title.
        conn.execute(
            "UPDATE tasks SET title = '' WHERE kind = 'call_back' AND created_by IS NULL
                AND conversation_id IN (SELECT id FROM temp.retention_quiet)",
            [],
        )?;
    }
    conn.execute("DELETE FROM temp.retention_quiet", [])?;

    let ip_cutoff = clock::stamp(now - Duration::days(s.ip_days));
    out.ip_addresses = conn.execute(
        "UPDATE conversations SET ip = NULL WHERE ip IS NOT NULL AND started_at < ?1",
        [&ip_cutoff],
    )? as i64;

    let years = u32::try_from(s.inactive_client_years).unwrap_or(100);
    let idle_cutoff = clock::stamp(
        now.checked_sub_months(Months::new(12 * years))
            .unwrap_or(now),
    );
    let idle: Vec<(String, bool)> = conn
        .prepare(
            "SELECT c.id, c.restricted_at IS NOT NULL FROM clients c
              WHERE c.erased_at IS NULL AND c.updated_at < ?1
                AND NOT EXISTS (SELECT 1 FROM appointments a
                                 WHERE a.client_id = c.id AND a.starts_at >= ?1)
                AND NOT EXISTS (SELECT 1 FROM conversations v
                                 WHERE v.client_id = c.id AND v.last_message_at >= ?1)
              ORDER BY c.seq LIMIT ?2",
        )?
        .query_map(params![idle_cutoff, CLIENTS_PER_RUN as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (client, was_restricted) in idle {
        if was_restricted && erasure::must_keep(conn, &client, now)? {
            continue;
        }
        match erasure::erase(conn, now, "system", &client, None)?.kind {
            ErasureKind::Erased => out.clients_erased += 1,
            ErasureKind::Restricted => out.clients_restricted += 1,
            ErasureKind::Unrestricted => {}
        }
    }

    // The audit log is kept whole: removing records past `audit_years` is not built yet
    // (the anchor in audit::verify is where it will start from).
    out.sent_messages = conn.execute(
        "DELETE FROM outbox WHERE done_at IS NOT NULL AND done_at < ?1 AND kind IN ('sms', 'email')",
        [clock::stamp(now - Duration::days(7))],
    )? as i64;

    conn.execute(
        "UPDATE privacy_settings SET last_retention_at = ?1",
        [&stamp],
    )?;
    Ok(out)
}

impl crate::clinic::Clinic {
    /// The host calls this every minute; it closes an emergency account whose time is up and
    /// runs the job once a day (see `EVERY_HOURS`). Returns the run when one happened.
    pub fn retention_tick(&self) -> Result<Option<RetentionRun>> {
        self.close_break_glass()?;
        let now = self.now();
        let run = {
            let mut conn = self.db();
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            if !due(&tx, now)? {
                return Ok(None);
            }
            let run = run(&tx, now)?;
            crate::audit::append(
                &tx,
                now,
                &crate::audit::Entry {
                    actor: &crate::audit::Actor::System,
                    workstation: "scheduler",
                    action: "privacy.retention",
                    target_kind: None,
                    target_id: None,
                    outcome: crate::audit::Outcome::Ok,
                    detail: Some(run.detail()),
                },
            )?;
            tx.commit()?;
            run
        };
        self.scrub();
        Ok(Some(run))
    }
}

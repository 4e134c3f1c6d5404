//! Break-glass access: one emergency account, prepared in advance and unusable until needed.
//!
//! An admin seals a one-time password (`seal`), prints it and keeps it in an envelope. The
//! account stays inactive. Logging in with it opens it for `break_glass_minutes`: it may then
//! read what care needs (restricted records too, with a reason) and change nothing. Opening
//! it is audited and sends every admin an urgent task, so their desks pop up. When its time is
//! up it closes on its next request (or within a minute, by the host's privacy clock) and its
//! password is spent.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor, Outcome};
use crate::auth::{self, Secret};
use crate::clinic::Clinic;
use crate::door::Ctx;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::tasks::{self, NewTask, Priority, TaskKind};
use crate::{clock, validate};

/// The emergency account's login.
pub const LOGIN: &str = "emergency";

/// The sealed password, shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BreakGlassSealed {
    pub staff_id: String,
    pub login: String,
    pub password: Secret,
    /// How long it stays open once used.
    pub minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BreakGlassState {
    /// A password is sealed and unused.
    pub sealed: bool,
    /// Open now, until then (UTC).
    pub open_until: Option<String>,
    /// When it was last opened.
    pub last_opened_at: Option<String>,
}

/// What needs an admin's eye on the privacy screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PrivacyOverview {
    pub overdue_requests: i64,
    pub open_requests: i64,
    pub open_incidents: i64,
    /// Open incidents not yet told to the authority past their 72 hours.
    pub late_incident_notices: i64,
    pub last_retention_at: Option<String>,
    pub break_glass: BreakGlassState,
}

/// The emergency account's id, active flag, password hash and open-until time.
type EmergencyRow = (String, bool, String, Option<String>);

fn emergency_row(conn: &Connection) -> Result<Option<EmergencyRow>> {
    Ok(conn
        .query_row(
            "SELECT id, active, password_hash, break_glass_until FROM staff WHERE break_glass = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?)
}

pub(crate) fn state(conn: &Connection, now: DateTime<Utc>) -> Result<BreakGlassState> {
    let last_opened_at: Option<String> = conn.query_row(
        "SELECT max(at) FROM audit WHERE action = 'break_glass.open' AND outcome = 'ok'",
        [],
        |r| r.get(0),
    )?;
    Ok(match emergency_row(conn)? {
        None => BreakGlassState {
            sealed: false,
            open_until: None,
            last_opened_at,
        },
        Some((_, active, hash, until)) => {
            let open = active
                && until
                    .as_deref()
                    .is_some_and(|u| u > clock::stamp(now).as_str());
            BreakGlassState {
                sealed: !active && hash != "!",
                open_until: if open { until } else { None },
                last_opened_at,
            }
        }
    })
}

pub(crate) fn overview(conn: &Connection, ctx: &Ctx) -> Result<PrivacyOverview> {
    let today = ctx.today();
    let now = ctx.stamp();
    Ok(PrivacyOverview {
        overdue_requests: crate::privacy::requests::overdue(conn, today)?,
        open_requests: conn.query_row(
            "SELECT count(*) FROM privacy_requests WHERE status = 'open'",
            [],
            |r| r.get(0),
        )?,
        open_incidents: conn.query_row(
            "SELECT count(*) FROM incidents WHERE status = 'open'",
            [],
            |r| r.get(0),
        )?,
        late_incident_notices: conn.query_row(
            "SELECT count(*) FROM incidents WHERE status = 'open'
                AND authority_notified_at IS NULL AND notify_by < ?1",
            [&now],
            |r| r.get(0),
        )?,
        last_retention_at: crate::privacy::settings(conn)?.last_retention_at,
        break_glass: state(conn, ctx.now)?,
    })
}

/// Seals a new password for the emergency account (made on first use), closing it if open.
pub(crate) fn seal(conn: &Connection, ctx: &Ctx) -> Result<BreakGlassSealed> {
    // 24 characters without look-alikes (120 bits), in groups of four: easy to type from paper.
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let groups: Vec<String> = (0..6)
        .map(|_| {
            (0..4)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect()
        })
        .collect();
    let password = groups.join("-");
    let hash = auth::hash_password(&password)?;
    let id = match emergency_row(conn)? {
        Some((id, ..)) => {
            conn.execute(
                "UPDATE staff SET password_hash = ?2, active = 0, break_glass_until = NULL,
                        failed_logins = 0, locked_until = NULL, updated_at = ?3
                  WHERE id = ?1",
                params![id, hash, ctx.stamp()],
            )?;
            id
        }
        None => {
            let taken: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM staff WHERE login = ?1)",
                [LOGIN],
                |r| r.get(0),
            )?;
            if taken {
                return Err(Error::invalid(
                    "login",
                    "break_glass.login_taken",
                    "a staff member already uses the login \"emergency\"; rename them first",
                ));
            }
            let id = ulid::Ulid::new().to_string();
            conn.execute(
                "INSERT INTO staff (id, login, display_name, role, experience, support_tier,
                        chat_capacity, working_hours, active, password_hash, created_at,
                        updated_at, break_glass)
                 VALUES (?1, ?2, 'Emergency access', 'clinician', 0, 1, 0, '[]', 0, ?3, ?4, ?4, 1)",
                params![id, LOGIN, hash, ctx.stamp()],
            )?;
            id
        }
    };
    let minutes = crate::privacy::settings(conn)?.break_glass_minutes;
    Ok(BreakGlassSealed {
        staff_id: id,
        login: LOGIN.into(),
        password: Secret::new(password),
        minutes,
    })
}

/// Called by login once the emergency password checked out: opens the account if it is
/// sealed, lets a second desk in while it is open, refuses it once its time is up.
pub(crate) fn on_login(
    conn: &Connection,
    id: &str,
    active: bool,
    until: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let stamp = clock::stamp(now);
    if active {
        if until.is_some_and(|u| u > stamp.as_str()) {
            return Ok(false);
        }
        close(conn, id)?;
        return Err(Error::AccountInactive);
    }
    let minutes = crate::privacy::settings(conn)?.break_glass_minutes;
    conn.execute(
        "UPDATE staff SET active = 1, break_glass_until = ?2 WHERE id = ?1",
        params![id, clock::stamp(now + Duration::minutes(minutes))],
    )?;
    Ok(true)
}

fn close(conn: &Connection, id: &str) -> Result<()> {
    // The password is spent: the next emergency needs a newly sealed one.
    conn.execute(
        "UPDATE staff SET active = 0, password_hash = '!', break_glass_until = NULL WHERE id = ?1",
        [id],
    )?;
    Ok(())
}

impl Clinic {
    /// Tells every active admin that the emergency account was opened: an urgent task each
    /// (their desks pop up) and a record in the audit log.
    pub(crate) fn break_glass_opened(&self, emergency_id: &str, workstation: &str) -> Result<()> {
        let now = self.now();
        let events = {
            let mut conn = self.db();
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let info = Clinic::info(&tx)?;
            let ctx = Ctx::new(
                now,
                Actor::Staff(emergency_id.to_string()),
                workstation.to_string(),
                validate::region(&info.phone_region)?,
                validate::time_zone(&info.time_zone)?,
            );
            let admins: Vec<String> = tx
                .prepare(
                    "SELECT id FROM staff WHERE role = 'admin' AND active = 1 AND break_glass = 0",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let until: Option<String> = tx.query_row(
                "SELECT break_glass_until FROM staff WHERE id = ?1",
                [emergency_id],
                |r| r.get(0),
            )?;
            let made = if admins.is_empty() {
                vec![]
            } else {
                tasks::create(
                    &tx,
                    &ctx,
                    &NewTask {
                        id: None,
                        kind: TaskKind::Custom,
                        title: "Emergency access was opened".into(),
                        note: format!(
                            "The break-glass account was opened at workstation {workstation}. \
                             It closes at {} (UTC). Check the audit log for what it did, and \
                             seal a new password afterwards.",
                            until.as_deref().unwrap_or("?")
                        ),
                        client_id: None,
                        conversation_id: None,
                        assignee_ids: admins.clone(),
                        due_at: None,
                        priority: Priority::Urgent,
                    },
                )?
            };
            audit::append(
                &tx,
                now,
                &audit::Entry {
                    actor: &ctx.actor,
                    workstation,
                    action: "break_glass.open",
                    target_kind: Some("staff"),
                    target_id: Some(emergency_id.to_string()),
                    outcome: Outcome::Ok,
                    detail: Some(format!(
                        "admins_told={} until={}",
                        admins.len(),
                        until.unwrap_or_default()
                    )),
                },
            )?;
            tx.commit()?;
            let mut events = ctx.events.take();
            events.extend(made.iter().map(|t| Event::TaskChanged { id: t.id.clone() }));
            events
        };
        for ev in events {
            self.listeners.send(ev);
        }
        Ok(())
    }

    /// Closes the emergency account once its time is up (its password is spent).
    pub(crate) fn close_break_glass(&self) -> Result<()> {
        let now = self.now();
        let mut conn = self.db();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some((id, active, _, until)) = emergency_row(&tx)? else {
            return Ok(());
        };
        if !active
            || until
                .as_deref()
                .is_some_and(|u| u > clock::stamp(now).as_str())
        {
            return Ok(());
        }
        close(&tx, &id)?;
        audit::append(
            &tx,
            now,
            &audit::Entry {
                actor: &Actor::System,
                workstation: "scheduler",
                action: "break_glass.close",
                target_kind: Some("staff"),
                target_id: Some(id.clone()),
                outcome: Outcome::Ok,
                detail: None,
            },
        )?;
        tx.commit()?;
        self.sessions.end_for(&id);
        Ok(())
    }
}

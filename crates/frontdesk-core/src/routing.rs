//! Routing: who answers a chat.
//!
//! # Specification
//!
//! Every website conversation that has a visitor message waiting gets exactly one open chat
//! task (a unique index enforces it). Routing gives that task an assignee, or leaves it in the
//! queue. It runs inside the transaction that stores the visitor's message, so the message,
//! the task, the assignment and the queue change commit together or not at all; concurrent
//! arrivals are serialized by the write transaction and can never double-assign or lose a chat.
//!
//! Words used below:
//! - *active*: the staff account is not deactivated;
//! - *on shift*: now falls inside one of the person's working periods, in the clinic's time
//!   zone;
//! - *online*: the person has a live, unlocked session on some desk;
//! - *load*: the person's open chat tasks (open or in progress), kept in `staff.open_chats` by
//!   triggers on every task change;
//! - *under capacity*: load < the person's chat capacity;
//! - *eligible*: active, on shift, online, under capacity, support tier ≥ the task's minimum
//!   tier (raised by an escalation), and not the person the task is being taken from.
//!
//! A new chat task is decided by the first rule that names someone:
//! 1. **Identify the client.** A returning visitor's conversation keeps its client; a new one
//!    is linked when exactly one client has the visitor's email or phone (chat.rs). Else the
//!    visitor is new and rules 2 and 3 are skipped.
//! 2. **Continuity** (`continuity`): the responsible person of the client's open tasks (any
//!    kind, newest first), then of this conversation's earlier chat task (a returning
//!    visitor), if that person is active, on shift and allowed by the tier. Capacity and
//!    presence are not asked: the client stays with the person who knows them. Someone off
//!    shift is never chosen, so a conversation reopened at night does not wait for them.
//! 3. **Account manager** (`account_manager`): the client's account manager, if active, on
//!    shift and under capacity.
//! 4. **The clinic's strategy**, among the eligible:
//!    - `least_loaded` (the default): the lowest load; ties go to whoever was given a chat
//!      longest ago (never before ahead of any time), then to the longest-serving account.
//!    - `most_experienced`: the highest experience; ties as for least loaded.
//!    - `tiered` (first line first): the lowest support tier that has someone eligible; within
//!      it, as for least loaded. "Escalate" raises the task's minimum tier above its current
//!      assignee's and routes it again, with a note in its history.
//!    - `round_robin`: the next eligible person after the one who got the last chat, in the
//!      order staff were added, wrapping around.
//! 5. **Queue** (`queued`): nobody is eligible; the task waits without an assignee.
//!
//! Waiting tasks are routed again, oldest first, whenever someone may have become free: a chat
//! task closes or is handed on, someone logs in, routing or staff settings change, and on the
//! host's periodic tick (shifts start). Queued tasks use rule 4 only: their client's people
//! were already asked when the chat arrived.
//!
//! **Answer time** (`sla`): when the clinic sets a number of minutes, a chat task whose
//! assignee has not replied within it is routed again by rule 4 without that person; both
//! people are told. With nobody else eligible it stays where it is. Off by default.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::clock;
use crate::error::{Error, Result};
use crate::events::Event;

/// How the clinic spreads chats that no rule above the strategy decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    LeastLoaded,
    MostExperienced,
    Tiered,
    RoundRobin,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::LeastLoaded => "least_loaded",
            Strategy::MostExperienced => "most_experienced",
            Strategy::Tiered => "tiered",
            Strategy::RoundRobin => "round_robin",
        }
    }

    fn parse(s: &str) -> Strategy {
        match s {
            "most_experienced" => Strategy::MostExperienced,
            "tiered" => Strategy::Tiered,
            "round_robin" => Strategy::RoundRobin,
            _ => Strategy::LeastLoaded,
        }
    }

    fn reason(self) -> Reason {
        match self {
            Strategy::LeastLoaded => Reason::LeastLoaded,
            Strategy::MostExperienced => Reason::MostExperienced,
            Strategy::Tiered => Reason::Tiered,
            Strategy::RoundRobin => Reason::RoundRobin,
        }
    }
}

/// The rule that gave a task its assignee: the "why" line on every task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Continuity,
    AccountManager,
    LeastLoaded,
    MostExperienced,
    Tiered,
    RoundRobin,
    /// Nobody was eligible: the task waits in the queue.
    Queued,
    /// A person chose the assignee (a task handed out, a chat reassigned or taken).
    Manual,
    Escalated,
    /// Passed on because its assignee did not answer in time.
    Sla,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Continuity => "continuity",
            Reason::AccountManager => "account_manager",
            Reason::LeastLoaded => "least_loaded",
            Reason::MostExperienced => "most_experienced",
            Reason::Tiered => "tiered",
            Reason::RoundRobin => "round_robin",
            Reason::Queued => "queued",
            Reason::Manual => "manual",
            Reason::Escalated => "escalated",
            Reason::Sla => "sla",
        }
    }

    pub(crate) fn parse(s: &str) -> Reason {
        [
            Reason::Continuity,
            Reason::AccountManager,
            Reason::LeastLoaded,
            Reason::MostExperienced,
            Reason::Tiered,
            Reason::RoundRobin,
            Reason::Queued,
            Reason::Manual,
            Reason::Escalated,
            Reason::Sla,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
        .unwrap_or(Reason::Manual)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RoutingSettings {
    pub strategy: Strategy,
    /// Minutes an assignee has to answer a chat before it is passed on; `None` = never.
    pub sla_minutes: Option<u16>,
}

pub(crate) fn settings(conn: &Connection) -> Result<RoutingSettings> {
    Ok(
        conn.query_row("SELECT strategy, sla_minutes FROM routing", [], |r| {
            Ok(RoutingSettings {
                strategy: Strategy::parse(&r.get::<_, String>(0)?),
                sla_minutes: r.get(1)?,
            })
        })?,
    )
}

pub(crate) fn update_settings(
    conn: &Connection,
    now: &str,
    s: &RoutingSettings,
) -> Result<RoutingSettings> {
    if let Some(m) = s.sla_minutes {
        crate::validate::in_range("sla_minutes", m as i64, 1, 1440)?;
    }
    conn.execute(
        "UPDATE routing SET strategy = ?1, sla_minutes = ?2, updated_at = ?3",
        params![s.strategy.as_str(), s.sla_minutes, now],
    )?;
    settings(conn)
}

/// What routing knows of the moment: the time, the clinic's zone, and who is online.
pub(crate) struct Moment<'a> {
    pub now: DateTime<Utc>,
    pub tz: chrono_tz::Tz,
    pub online: &'a [String],
}

impl Moment<'_> {
    fn stamp(&self) -> String {
        clock::stamp(self.now)
    }
}

/// One staff member as routing sees them at decision time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub id: String,
    pub seq: i64,
    pub experience: i64,
    pub tier: i64,
    pub capacity: i64,
    pub load: i64,
    /// RFC 3339; `None` (never given a chat) sorts first.
    pub last_assigned_at: Option<String>,
    pub on_shift: bool,
    pub online: bool,
}

impl Candidate {
    fn free(&self) -> bool {
        self.load < self.capacity
    }
}

/// The shift rule in Rust: the reference the SQL form (`ON_SHIFT_SQL`) is tested against.
/// `exceptions` are (staff id or None for the clinic, date, kind, start and end).
#[cfg(test)]
#[allow(clippy::type_complexity)]
fn on_shift(
    hours: &[crate::staff::Shift],
    exceptions: &[(
        Option<&str>,
        chrono::NaiveDate,
        &str,
        Option<(chrono::NaiveTime, chrono::NaiveTime)>,
    )],
    staff: &str,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> bool {
    let local = now.with_timezone(&tz);
    let (day, time, date) = (local.weekday(), local.time(), local.date_naive());
    let covers = |span: Option<(chrono::NaiveTime, chrono::NaiveTime)>| {
        span.is_none_or(|(a, b)| a <= time && time < b)
    };
    let today = exceptions.iter().filter(|e| e.1 == date);
    let extra = today
        .clone()
        .any(|e| e.0 == Some(staff) && e.2 == "extra" && covers(e.3));
    let off = today
        .clone()
        .any(|e| e.0.is_none_or(|s| s == staff) && e.2 == "off" && covers(e.3));
    (hours
        .iter()
        .any(|s| s.day == day && s.start <= time && time < s.end)
        || extra)
        && !off
}

/// Whether a staff row's working hours (JSON, as `staff.rs` writes them) cover `:day` and
/// `:time`, changed by the schedules' exceptions on `:date` as `schedules::spans_on` changes
/// them (extra hours add, leave and the clinic's closed days take away), in SQL: parsing every
/// colleague's hours in Rust for each decision cost more than the rest of the decision
/// together. `on_shift` is the same rule in Rust; a test holds them equal.
const ON_SHIFT_SQL: &str = "((EXISTS (SELECT 1 FROM json_each(s.working_hours) h
        WHERE h.value ->> '$.day' = :day
          AND h.value ->> '$.start' <= :time AND :time < h.value ->> '$.end')
      OR EXISTS (SELECT 1 FROM schedule_exceptions e
        WHERE e.date = :date AND e.staff_id = s.id AND e.kind = 'extra'
          AND e.start_time <= :time AND :time < e.end_time))
     AND NOT EXISTS (SELECT 1 FROM schedule_exceptions e
        WHERE e.date = :date AND (e.staff_id IS NULL OR e.staff_id = s.id) AND e.kind = 'off'
          AND (e.start_time IS NULL OR (e.start_time <= :time AND :time < e.end_time))))";

fn candidate_sql(filter: &str) -> String {
    format!(
        "SELECT s.id, s.seq, s.experience, s.support_tier, s.chat_capacity, {ON_SHIFT_SQL},
                s.last_assigned_at, s.open_chats
           FROM staff s WHERE s.active = 1 AND {filter}"
    )
}

/// The clinic's local weekday, time and date, as the working hours and exceptions are written.
fn local_day_time(m: &Moment) -> (String, String, String) {
    let local = m.now.with_timezone(&m.tz);
    (
        local.weekday().to_string(),
        local.time().format("%H:%M:%S%.f").to_string(),
        local.date_naive().to_string(),
    )
}

fn candidates(
    conn: &Connection,
    m: &Moment,
    filter: &str,
    key: &str,
    value: &str,
) -> Result<Vec<Candidate>> {
    let (day, time, date) = local_day_time(m);
    let online: HashSet<&str> = m.online.iter().map(String::as_str).collect();
    let mut st = conn.prepare_cached(&candidate_sql(filter))?;
    let rows = st.query_map(
        &[
            (":day", &day as &dyn rusqlite::ToSql),
            (":time", &time),
            (":date", &date),
            (key, &value),
        ][..],
        |r| {
            let id: String = r.get(0)?;
            Ok(Candidate {
                online: online.contains(id.as_str()),
                id,
                seq: r.get(1)?,
                experience: r.get(2)?,
                tier: r.get(3)?,
                capacity: r.get(4)?,
                on_shift: r.get(5)?,
                last_assigned_at: r.get(6)?,
                load: r.get(7)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One active staff member, or `None` if deactivated or unknown.
fn candidate(conn: &Connection, m: &Moment, id: &str) -> Result<Option<Candidate>> {
    Ok(candidates(conn, m, "s.id = :id", ":id", id)?.pop())
}

/// The online, active staff: the only ones a strategy may pick.
fn pool(conn: &Connection, m: &Moment) -> Result<Vec<Candidate>> {
    if m.online.is_empty() {
        return Ok(vec![]);
    }
    let ids = serde_json::to_string(m.online).expect("ids serialize");
    candidates(
        conn,
        m,
        "s.id IN (SELECT value FROM json_each(:ids))",
        ":ids",
        &ids,
    )
}

/// Rule 4: the strategy's pick among `pool`, which the caller has not yet filtered.
pub(crate) fn pick<'a>(
    strategy: Strategy,
    pool: &'a [Candidate],
    min_tier: i64,
    exclude: Option<&str>,
    round_robin_seq: i64,
) -> Option<&'a Candidate> {
    let eligible: Vec<&Candidate> = pool
        .iter()
        .filter(|c| {
            c.on_shift
                && c.online
                && c.free()
                && c.tier >= min_tier
                && Some(c.id.as_str()) != exclude
        })
        .collect();
    // Never given a chat sorts before any time; then the longest-serving account.
    let waited = |c: &&Candidate| {
        (
            c.last_assigned_at.clone().is_some(),
            c.last_assigned_at.clone(),
            c.seq,
        )
    };
    match strategy {
        Strategy::LeastLoaded => eligible.into_iter().min_by_key(|c| (c.load, waited(c))),
        Strategy::MostExperienced => eligible
            .into_iter()
            .min_by_key(|c| (-c.experience, c.load, waited(c))),
        Strategy::Tiered => {
            let lowest = eligible.iter().map(|c| c.tier).min()?;
            eligible
                .into_iter()
                .filter(|c| c.tier == lowest)
                .min_by_key(|c| (c.load, waited(c)))
        }
        Strategy::RoundRobin => {
            let next = eligible
                .iter()
                .filter(|c| c.seq > round_robin_seq)
                .min_by_key(|c| c.seq)
                .copied();
            next.or_else(|| eligible.into_iter().min_by_key(|c| c.seq))
        }
    }
}

/// What a decision needs to know about the task.
pub(crate) struct Facts<'a> {
    pub task_id: &'a str,
    pub client_id: Option<&'a str>,
    pub conversation_id: Option<&'a str>,
    pub min_tier: i64,
    /// The person the task is being taken from (escalation, answer time).
    pub exclude: Option<&'a str>,
    /// Rules 2 and 3 apply to a chat as it arrives, not to one waiting or being passed on.
    pub personal_rules: bool,
}

/// Rules 2 to 4. `None` means the queue.
pub(crate) fn decide(
    conn: &Connection,
    m: &Moment,
    f: &Facts,
    strategy_reason: Option<Reason>,
) -> Result<Option<(String, Reason)>> {
    let allowed = |c: &Candidate| c.tier >= f.min_tier && Some(c.id.as_str()) != f.exclude;
    if f.personal_rules {
        for id in responsible_people(conn, f)? {
            if let Some(c) = candidate(conn, m, &id)? {
                if c.on_shift && allowed(&c) {
                    return Ok(Some((c.id, Reason::Continuity)));
                }
            }
        }
        if let Some(client) = f.client_id {
            let manager: Option<String> = conn
                .query_row(
                    "SELECT account_manager_id FROM clients WHERE id = ?1",
                    [client],
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            if let Some(c) = match manager {
                Some(id) => candidate(conn, m, &id)?,
                None => None,
            } {
                if c.on_shift && c.free() && allowed(&c) {
                    return Ok(Some((c.id, Reason::AccountManager)));
                }
            }
        }
    }
    let s = settings(conn)?;
    let rr: i64 = conn.query_row("SELECT round_robin_seq FROM routing", [], |r| r.get(0))?;
    let pool = pool(conn, m)?;
    let Some(c) = pick(s.strategy, &pool, f.min_tier, f.exclude, rr) else {
        return Ok(None);
    };
    if s.strategy == Strategy::RoundRobin {
        conn.execute("UPDATE routing SET round_robin_seq = ?1", [c.seq])?;
    }
    Ok(Some((
        c.id.clone(),
        strategy_reason.unwrap_or(s.strategy.reason()),
    )))
}

/// Rule 2's people, most recent first: whoever holds the client's open tasks, then whoever
/// last held this conversation.
fn responsible_people(conn: &Connection, f: &Facts) -> Result<Vec<String>> {
    let mut out: Vec<String> = vec![];
    if let Some(client) = f.client_id {
        let mut st = conn.prepare_cached(
            "SELECT t.assignee_id FROM tasks t
              WHERE t.assignee_id IS NOT NULL AND t.status IN ('open', 'in_progress')
                AND t.id != ?2
                AND (t.client_id = ?1
                     OR t.conversation_id IN (SELECT id FROM conversations WHERE client_id = ?1))
              ORDER BY t.assigned_at DESC LIMIT 20",
        )?;
        out = st
            .query_map(params![client, f.task_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
    }
    if let Some(conv) = f.conversation_id {
        let last: Option<String> = conn
            .prepare_cached(
                "SELECT assignee_id FROM tasks
                  WHERE conversation_id = ?1 AND id != ?2 AND assignee_id IS NOT NULL
                  ORDER BY seq DESC LIMIT 1",
            )?
            .query_row(params![conv, f.task_id], |r| r.get(0))
            .optional()?;
        out.extend(last);
    }
    let mut seen = HashSet::new();
    out.retain(|id| seen.insert(id.clone()));
    Ok(out)
}

/// A hand-over, written the same way whoever makes it: the task row, the assignee's
/// tie-breaker, one history row, and the events the desks turn into popups.
pub(crate) struct Handover<'a> {
    pub task_id: &'a str,
    pub to: Option<&'a str>,
    pub reason: Reason,
    /// The staff member who acted; `None` when routing acted on its own.
    pub actor: Option<&'a str>,
    pub action: &'a str,
    pub note: Option<&'a str>,
    pub min_tier: Option<i64>,
}

pub(crate) fn hand_over(conn: &Connection, m: &Moment, h: &Handover) -> Result<Vec<Event>> {
    let (from, kind, status, conversation): (Option<String>, String, String, Option<String>) = conn
        .query_row(
            "SELECT assignee_id, kind, status, conversation_id FROM tasks WHERE id = ?1",
            [h.task_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
    let now = m.stamp();
    let chat = kind == "chat";
    // A chat passed on waits for the new person's first answer; other tasks keep their status.
    let status = if chat && h.to != from.as_deref() {
        "open".to_string()
    } else {
        status
    };
    conn.execute(
        "UPDATE tasks SET assignee_id = ?2, reason = ?3, assigned_at = ?4, status = ?5,
                answered_at = CASE WHEN ?6 THEN NULL ELSE answered_at END,
                min_tier = coalesce(?7, min_tier), updated_at = ?4, version = version + 1
          WHERE id = ?1",
        params![
            h.task_id,
            h.to,
            h.reason.as_str(),
            now,
            status,
            chat && h.to != from.as_deref(),
            h.min_tier
        ],
    )?;
    if let (Some(to), true) = (h.to, chat) {
        conn.execute(
            "UPDATE staff SET last_assigned_at = ?2 WHERE id = ?1",
            params![to, now],
        )?;
    }
    conn.execute(
        "INSERT INTO task_history (task_id, at, actor_id, action, from_staff, to_staff, reason, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            h.task_id,
            now,
            h.actor,
            h.action,
            from,
            h.to,
            h.reason.as_str(),
            h.note
        ],
    )?;
    let mut events = vec![Event::TaskChanged {
        id: h.task_id.to_owned(),
    }];
    if let Some(to) = h.to {
        events.push(Event::TaskAssigned {
            task_id: h.task_id.to_owned(),
            assignee_id: to.to_owned(),
            from: from.filter(|f| f != to),
            task_kind: crate::tasks::TaskKind::parse(&kind),
            reason: h.reason,
            conversation_id: conversation,
        });
    }
    Ok(events)
}

/// Routes a task that has none or must change hands, by rules 2 to 5.
pub(crate) fn route(
    conn: &Connection,
    m: &Moment,
    f: &Facts,
    actor: Option<&str>,
    action: &str,
    note: Option<&str>,
    reason_override: Option<Reason>,
) -> Result<Vec<Event>> {
    match decide(conn, m, f, reason_override)? {
        Some((to, reason)) => hand_over(
            conn,
            m,
            &Handover {
                task_id: f.task_id,
                to: Some(&to),
                reason,
                actor,
                action,
                note,
                min_tier: Some(f.min_tier),
            },
        ),
        None => hand_over(
            conn,
            m,
            &Handover {
                task_id: f.task_id,
                to: None,
                reason: Reason::Queued,
                actor,
                action: if action == "assigned" {
                    "queued"
                } else {
                    action
                },
                note,
                min_tier: Some(f.min_tier),
            },
        ),
    }
}

/// A visitor wrote: the conversation gets an open chat task if it has none, and routing
/// decides who answers. Called inside the transaction that stored the message.
pub(crate) fn chat_arrived(
    conn: &Connection,
    m: &Moment,
    conversation_id: &str,
) -> Result<Vec<Event>> {
    let open: bool = conn
        .prepare_cached(
            "SELECT 1 FROM tasks WHERE conversation_id = ?1 AND kind = 'chat'
                AND status IN ('open', 'in_progress')",
        )?
        .exists([conversation_id])?;
    if open {
        return Ok(vec![]);
    }
    let client: Option<String> = conn.query_row(
        "SELECT client_id FROM conversations WHERE id = ?1",
        [conversation_id],
        |r| r.get(0),
    )?;
    open_task(
        conn,
        m,
        "chat",
        "Website chat",
        client.as_deref(),
        conversation_id,
    )
}

/// A new task of a conversation, made by the desk itself (a chat, an after-hours call-back),
/// queued and routed at once by every rule: whoever it names, or the queue.
pub(crate) fn open_task(
    conn: &Connection,
    m: &Moment,
    kind: &str,
    title: &str,
    client: Option<&str>,
    conversation_id: &str,
) -> Result<Vec<Event>> {
    let id = ulid::Ulid::new().to_string();
    let now = m.stamp();
    conn.execute(
        "INSERT INTO tasks (id, kind, title, client_id, conversation_id, reason, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?6)",
        params![id, kind, title, client, conversation_id, now],
    )?;
    conn.execute(
        "INSERT INTO task_history (task_id, at, action) VALUES (?1, ?2, 'created')",
        params![id, now],
    )?;
    route(
        conn,
        m,
        &Facts {
            task_id: &id,
            client_id: client,
            conversation_id: Some(conversation_id),
            min_tier: 1,
            exclude: None,
            personal_rules: true,
        },
        None,
        "assigned",
        None,
        None,
    )
}

/// Gives waiting tasks to whoever is free now, oldest first, and passes on chats that were
/// not answered in time. Returns the events of every hand-over.
pub(crate) fn rebalance(conn: &Connection, m: &Moment) -> Result<Vec<Event>> {
    let mut events = vec![];
    let waiting = pending(
        conn,
        "WHERE assignee_id IS NULL AND status = 'open' ORDER BY seq LIMIT 500",
        [],
    )?;
    for t in &waiting {
        if let Some((to, reason)) = decide(conn, m, &t.facts(None), None)? {
            events.extend(hand_over(
                conn,
                m,
                &Handover {
                    task_id: &t.id,
                    to: Some(&to),
                    reason,
                    actor: None,
                    action: "assigned",
                    note: None,
                    min_tier: None,
                },
            )?);
        }
    }
    if let Some(minutes) = settings(conn)?.sla_minutes {
        let late = clock::stamp(m.now - Duration::minutes(minutes as i64));
        let overdue = pending(
            conn,
            "WHERE kind = 'chat' AND status = 'open' AND answered_at IS NULL
               AND assignee_id IS NOT NULL AND assigned_at <= ?1
             ORDER BY assigned_at LIMIT 500",
            [late],
        )?;
        for t in &overdue {
            if let Some((to, _)) = decide(conn, m, &t.facts(t.assignee_id.as_deref()), None)? {
                events.extend(hand_over(
                    conn,
                    m,
                    &Handover {
                        task_id: &t.id,
                        to: Some(&to),
                        reason: Reason::Sla,
                        actor: None,
                        action: "reassigned",
                        note: None,
                        min_tier: None,
                    },
                )?);
            }
        }
    }
    Ok(events)
}

/// An open task as routing needs it.
pub(crate) struct Pending {
    pub id: String,
    pub assignee_id: Option<String>,
    pub client_id: Option<String>,
    pub conversation_id: Option<String>,
    pub min_tier: i64,
}

impl Pending {
    /// Facts for routing it again (never by the personal rules), without `exclude`.
    pub fn facts<'a>(&'a self, exclude: Option<&'a str>) -> Facts<'a> {
        Facts {
            task_id: &self.id,
            client_id: self.client_id.as_deref(),
            conversation_id: self.conversation_id.as_deref(),
            min_tier: self.min_tier,
            exclude,
            personal_rules: false,
        }
    }
}

pub(crate) fn pending(
    conn: &Connection,
    filter: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<Pending>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT id, assignee_id, client_id, conversation_id, min_tier FROM tasks {filter}"
    ))?;
    let rows = st.query_map(args, |r| {
        Ok(Pending {
            id: r.get(0)?,
            assignee_id: r.get(1)?,
            client_id: r.get(2)?,
            conversation_id: r.get(3)?,
            min_tier: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Escalation: the next support tier above the current assignee's takes the task.
pub(crate) fn escalate(
    conn: &Connection,
    m: &Moment,
    task_id: &str,
    actor: Option<&str>,
    note: &str,
) -> Result<Vec<Event>> {
    let t = pending(conn, "WHERE id = ?1", [task_id])?
        .pop()
        .ok_or_else(|| Error::NotFound {
            kind: "task",
            id: task_id.to_owned(),
        })?;
    let (assignee, min_tier) = (t.assignee_id.as_deref(), t.min_tier);
    let current_tier: i64 = match assignee {
        Some(id) => conn.query_row("SELECT support_tier FROM staff WHERE id = ?1", [id], |r| {
            r.get(0)
        })?,
        None => min_tier - 1,
    };
    let next = current_tier.max(min_tier - 1) + 1;
    let higher: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM staff WHERE active = 1 AND support_tier >= ?1)",
        [next],
        |r| r.get(0),
    )?;
    if !higher {
        return Err(Error::invalid(
            "id",
            "validation.no_higher_tier",
            "nobody works at a higher support tier",
        ));
    }
    route(
        conn,
        m,
        &Facts {
            min_tier: next,
            ..t.facts(assignee)
        },
        actor,
        "escalated",
        Some(note),
        Some(Reason::Escalated),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::staff::Shift;

    fn c(id: &str, seq: i64) -> Candidate {
        Candidate {
            id: id.into(),
            seq,
            experience: 1,
            tier: 1,
            capacity: 3,
            load: 0,
            last_assigned_at: None,
            on_shift: true,
            online: true,
        }
    }

    fn with(mut x: Candidate, f: impl FnOnce(&mut Candidate)) -> Candidate {
        f(&mut x);
        x
    }

    /// One row per rule of rule 4: the pool, the strategy, and who must get the chat.
    #[test]
    #[allow(clippy::type_complexity)]
    fn each_strategy_picks_by_its_rule() {
        use Strategy::*;
        let t1 = Some("2026-03-02T02:00:00.000000Z".to_string());
        let t2 = Some("2026-03-02T03:00:00.000000Z".to_string());
        let cases: Vec<(
            &str,
            Strategy,
            Vec<Candidate>,
            i64,
            Option<&str>,
            Option<&str>,
        )> = vec![
            (
                "least loaded: fewest open chats",
                LeastLoaded,
                vec![
                    with(c("a", 1), |x| x.load = 2),
                    with(c("b", 2), |x| x.load = 1),
                ],
                1,
                None,
                Some("b"),
            ),
            (
                "least loaded tie: assigned longest ago",
                LeastLoaded,
                vec![
                    with(c("a", 1), |x| x.last_assigned_at = t2.clone()),
                    with(c("b", 2), |x| x.last_assigned_at = t1.clone()),
                ],
                1,
                None,
                Some("b"),
            ),
            (
                "least loaded tie: never assigned beats any time",
                LeastLoaded,
                vec![
                    with(c("a", 1), |x| x.last_assigned_at = t1.clone()),
                    c("b", 2),
                ],
                1,
                None,
                Some("b"),
            ),
            (
                "least loaded tie on everything: the longest-serving account",
                LeastLoaded,
                vec![c("b", 2), c("a", 1)],
                1,
                None,
                Some("a"),
            ),
            (
                "capacity: a full person is skipped even with the fewest",
                LeastLoaded,
                vec![
                    with(c("a", 1), |x| {
                        x.load = 1;
                        x.capacity = 1
                    }),
                    with(c("b", 2), |x| x.load = 2),
                ],
                1,
                None,
                Some("b"),
            ),
            (
                "capacity zero: takes no chats",
                LeastLoaded,
                vec![with(c("a", 1), |x| x.capacity = 0)],
                1,
                None,
                None,
            ),
            (
                "off shift: never picked",
                LeastLoaded,
                vec![
                    with(c("a", 1), |x| x.on_shift = false),
                    with(c("b", 2), |x| x.load = 2),
                ],
                1,
                None,
                Some("b"),
            ),
            (
                "offline: never picked",
                LeastLoaded,
                vec![with(c("a", 1), |x| x.online = false)],
                1,
                None,
                None,
            ),
            (
                "most experienced first",
                MostExperienced,
                vec![
                    with(c("a", 1), |x| x.experience = 2),
                    with(c("b", 2), |x| {
                        x.experience = 5;
                        x.load = 2
                    }),
                ],
                1,
                None,
                Some("b"),
            ),
            (
                "most experienced is full: the next most experienced",
                MostExperienced,
                vec![
                    with(c("a", 1), |x| x.experience = 2),
                    with(c("b", 2), |x| {
                        x.experience = 5;
                        x.load = 3
                    }),
                    with(c("c", 3), |x| x.experience = 4),
                ],
                1,
                None,
                Some("c"),
            ),
            (
                "tiered: first line first even when busier",
                Tiered,
                vec![
                    with(c("a", 1), |x| {
                        x.tier = 2;
                        x.load = 0
                    }),
                    with(c("b", 2), |x| x.load = 2),
                ],
                1,
                None,
                Some("b"),
            ),
            (
                "tiered: first line full, second line takes it",
                Tiered,
                vec![
                    with(c("a", 1), |x| x.tier = 2),
                    with(c("b", 2), |x| x.load = 3),
                ],
                1,
                None,
                Some("a"),
            ),
            (
                "escalated task: below the minimum tier is skipped",
                Tiered,
                vec![c("a", 1), with(c("b", 2), |x| x.tier = 3)],
                2,
                None,
                Some("b"),
            ),
            (
                "excluded person (passed on) is skipped",
                LeastLoaded,
                vec![c("a", 1), with(c("b", 2), |x| x.load = 2)],
                1,
                Some("a"),
                Some("b"),
            ),
        ];
        for (name, strategy, pool, min_tier, exclude, want) in cases {
            let got = pick(strategy, &pool, min_tier, exclude, 0).map(|c| c.id.as_str());
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn round_robin_goes_round_and_skips_the_ineligible() {
        let pool = vec![
            c("a", 1),
            with(c("b", 2), |x| x.on_shift = false),
            c("c", 3),
            with(c("d", 4), |x| x.load = 3),
        ];
        let mut last = 0;
        let mut order = vec![];
        for _ in 0..4 {
            let p = pick(Strategy::RoundRobin, &pool, 1, None, last).unwrap();
            last = p.seq;
            order.push(p.id.clone());
        }
        assert_eq!(order, ["a", "c", "a", "c"]);
    }

    /// The SQL form of the shift rule (used for every decision) and the Rust one agree, minute
    /// by minute around the edges, with seconds and fractions.
    #[test]
    fn the_sql_shift_rule_matches_the_rust_one() {
        use chrono::{NaiveDate, NaiveTime, TimeZone, Weekday};
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE staff (id TEXT, working_hours TEXT);
             CREATE TABLE schedule_exceptions (staff_id TEXT, date TEXT, kind TEXT,
                start_time TEXT, end_time TEXT);",
        )
        .unwrap();
        let tz: chrono_tz::Tz = "Asia/Ho_Chi_Minh".parse().unwrap();
        let hours = vec![
            Shift {
                day: Weekday::Mon,
                start: NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
                end: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
            },
            Shift {
                day: Weekday::Mon,
                start: NaiveTime::from_hms_opt(13, 0, 0).unwrap(),
                end: NaiveTime::from_hms_milli_opt(17, 30, 15, 500).unwrap(),
            },
            Shift {
                day: Weekday::Sun,
                start: NaiveTime::MIN,
                end: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            },
        ];
        conn.execute(
            "INSERT INTO staff VALUES ('s1', ?1)",
            [serde_json::to_string(&hours).unwrap()],
        )
        .unwrap();
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let (sun, mon) = (
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        );
        // The clinic closed for an hour on Monday, the person on leave for another, extra
        // hours on Sunday evening, and a colleague's leave that must change nothing here.
        let exceptions = [
            (None, mon, "off", Some((t(10, 0), t(11, 0)))),
            (Some("s1"), mon, "off", Some((t(15, 0), t(16, 0)))),
            (Some("s1"), sun, "extra", Some((t(20, 0), t(22, 30)))),
            (Some("s2"), mon, "off", None),
        ];
        for (staff, date, kind, span) in &exceptions {
            conn.execute(
                "INSERT INTO schedule_exceptions VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    staff,
                    date.to_string(),
                    kind,
                    span.map(|s| s.0.format("%H:%M").to_string()),
                    span.map(|s| s.1.format("%H:%M").to_string())
                ],
            )
            .unwrap();
        }
        let sql = format!("SELECT {ON_SHIFT_SQL} FROM staff s");
        let start = tz
            .with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let mut checked = 0;
        for step in 0..(2 * 24 * 60 * 2) {
            // Every 30 s over Sunday and Monday, plus a sub-second offset now and then.
            let now = start
                + Duration::seconds(step * 30)
                + Duration::milliseconds(if step % 7 == 0 { 500 } else { 0 });
            let m = Moment {
                now,
                tz,
                online: &[],
            };
            let (day, time, date) = local_day_time(&m);
            let in_sql: bool = conn
                .query_row(
                    &sql,
                    rusqlite::named_params! {":day": day, ":time": time, ":date": date},
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(
                in_sql,
                on_shift(&hours, &exceptions, "s1", tz, now),
                "{now}"
            );
            checked += in_sql as usize;
        }
        assert!(checked > 1000, "the shifts were found at all");
        let at = |d: NaiveDate, h, m| tz.from_local_datetime(&d.and_time(t(h, m))).unwrap();
        let hits = |d, h, mi| {
            on_shift(
                &hours,
                &exceptions,
                "s1",
                tz,
                at(d, h, mi).with_timezone(&Utc),
            )
        };
        assert!(!hits(mon, 10, 30), "the clinic's closed hour");
        assert!(!hits(mon, 15, 30), "leave");
        assert!(hits(sun, 21, 0), "extra hours");
        assert!(hits(mon, 9, 0));
    }

    #[test]
    fn shifts_are_read_in_the_clinic_time_zone() {
        use chrono::{NaiveTime, TimeZone, Weekday};
        let tz: chrono_tz::Tz = "Asia/Phnom_Penh".parse().unwrap();
        let hours = vec![Shift {
            day: Weekday::Mon,
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        }];
        // 02:00 UTC on Monday is 09:00 in Phnom Penh: the first minute of the shift.
        let at = |h, m| Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap();
        assert!(on_shift(&hours, &[], "s1", tz, at(2, 0)));
        assert!(!on_shift(&hours, &[], "s1", tz, at(1, 59)));
        // 17:00 local is the end, exclusive.
        assert!(on_shift(&hours, &[], "s1", tz, at(9, 59)));
        assert!(!on_shift(&hours, &[], "s1", tz, at(10, 0)));
    }
}

//! Tasks: answer a chat, call a client back, anything else one person asks of another. Every
//! task has one responsible person (or waits in the queue, chats only), a status, a priority,
//! an optional due time and a log of every hand-over and status change.
//!
//! Chat tasks are made by routing (routing.rs) when a visitor writes; people make the others
//! and may give the same task to several colleagues at once, which makes one task each (the
//! OpenEMR "dated reminder" precedent: who processed it is recorded per task).
//!
//! Who may do what, beyond the permission the door checks:
//! - anyone with `task.work` sees and works their own tasks and the ones they created;
//! - `task.manage` sees everyone's tasks and the queue and hands anyone's task to anyone;
//!   without it, a person may hand on only their own task, and take a waiting chat only for
//!   themselves.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::door::Ctx;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::routing::{self, Facts, Handover, Moment, Reason};
use crate::{clock, validate};

pub const MAX_TITLE: usize = 200;
pub const MAX_TASK_NOTE: usize = 4000;
pub const MAX_RECIPIENTS: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// Answer a website conversation; made by routing.
    Chat,
    CallBack,
    Custom,
}

impl TaskKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Chat => "chat",
            TaskKind::CallBack => "call_back",
            TaskKind::Custom => "custom",
        }
    }
    pub(crate) fn parse(s: &str) -> TaskKind {
        match s {
            "chat" => TaskKind::Chat,
            "call_back" => TaskKind::CallBack,
            _ => TaskKind::Custom,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Open,
    InProgress,
    Done,
    Cancelled,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
            TaskStatus::Cancelled => "cancelled",
        }
    }
    fn parse(s: &str) -> TaskStatus {
        match s {
            "in_progress" => TaskStatus::InProgress,
            "done" => TaskStatus::Done,
            "cancelled" => TaskStatus::Cancelled,
            _ => TaskStatus::Open,
        }
    }
    fn closed(self) -> bool {
        matches!(self, TaskStatus::Done | TaskStatus::Cancelled)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
    fn parse(s: &str) -> Priority {
        match s {
            "low" => Priority::Low,
            "high" => Priority::High,
            "urgent" => Priority::Urgent,
            _ => Priority::Normal,
        }
    }
}

/// One line of a task's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TaskHistoryEntry {
    pub at: String,
    /// `None`: routing acted on its own.
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    /// created, assigned, queued, reassigned, escalated, status, edited.
    pub action: String,
    pub from_id: Option<String>,
    pub from_name: Option<String>,
    pub to_id: Option<String>,
    pub to_name: Option<String>,
    pub status: Option<TaskStatus>,
    pub reason: Option<Reason>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Task {
    pub id: String,
    pub kind: TaskKind,
    pub title: String,
    pub note: String,
    pub client_id: Option<String>,
    pub client_name: Option<String>,
    pub conversation_id: Option<String>,
    /// The visitor's name from the chat questionnaire, when the conversation has no client.
    pub visitor_name: Option<String>,
    /// `None`: waiting in the queue.
    pub assignee_id: Option<String>,
    pub assignee_name: Option<String>,
    /// Why the assignee has it: the routing rule, or a person's choice.
    pub reason: Reason,
    pub min_tier: i64,
    pub priority: Priority,
    pub status: TaskStatus,
    pub due_at: Option<String>,
    /// Open past its due time (chats: past the answer time, when the clinic sets one).
    pub overdue: bool,
    pub created_by: Option<String>,
    pub created_by_name: Option<String>,
    pub created_at: String,
    pub assigned_at: Option<String>,
    pub answered_at: Option<String>,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    pub closed_by_name: Option<String>,
    pub updated_at: String,
    pub version: i64,
    /// Filled by `TaskGet` and in a conversation; empty in lists.
    pub history: Vec<TaskHistoryEntry>,
}

/// Which tasks a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TaskScope {
    /// Assigned to the caller, or created by them for someone else.
    Mine,
    /// Everyone's: the team board.
    Team,
    /// Chats waiting for someone to be free.
    Queue,
}

/// What a person writes when handing out a task.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewTask {
    /// A ULID made where the task is written, so a retried request makes no second task. With
    /// several recipients, the others' tasks take the ids that follow it.
    #[serde(default)]
    pub id: Option<String>,
    pub kind: TaskKind,
    pub title: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub conversation_id: Option<String>,
    pub assignee_ids: Vec<String>,
    /// RFC 3339.
    #[serde(default)]
    pub due_at: Option<String>,
    pub priority: Priority,
}

/// The parts of a task its people may edit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TaskFields {
    pub title: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub due_at: Option<String>,
    pub priority: Priority,
}

/// A person's own choices: they silence the popup or the sound, never the task; and the
/// language the desk speaks to them in, wherever they log in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Prefs {
    pub mute_popups: bool,
    pub mute_sounds: bool,
    /// "en", "km", "vi" or "ar"; none: the desk's language before login.
    #[serde(default)]
    pub ui_language: Option<String>,
}

/// The languages the desk has a catalogue for (ui/desk/src/locales).
pub const UI_LANGUAGES: [&str; 4] = ["en", "km", "vi", "ar"];

/// What a desk needs to put a popup on screen for a task, without any client's data: the
/// popup may linger in the OS's notification list on a shared PC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskNotice {
    pub kind: TaskKind,
    pub assignee_id: Option<String>,
    pub assignee_name: Option<String>,
    /// Who handed it out (a colleague's name, never a client's).
    pub from_name: Option<String>,
    pub priority: Priority,
    pub due_at: Option<String>,
}

const SELECT: &str = "
    SELECT t.*, CASE WHEN cl.restricted_at IS NULL THEN cl.full_name END AS client_name,
           CASE WHEN cl.restricted_at IS NULL THEN c.visitor_name END AS visitor_name,
           a.display_name AS assignee_name, cb.display_name AS created_by_name,
           xb.display_name AS closed_by_name
      FROM tasks t
      LEFT JOIN clients cl ON cl.id = t.client_id
      LEFT JOIN conversations c ON c.id = t.conversation_id
      LEFT JOIN staff a ON a.id = t.assignee_id
      LEFT JOIN staff cb ON cb.id = t.created_by
      LEFT JOIN staff xb ON xb.id = t.closed_by";

fn row(r: &Row, now: &str, sla_cutoff: Option<&str>) -> rusqlite::Result<Task> {
    let status = TaskStatus::parse(&r.get::<_, String>("status")?);
    let kind = TaskKind::parse(&r.get::<_, String>("kind")?);
    let due_at: Option<String> = r.get("due_at")?;
    let assigned_at: Option<String> = r.get("assigned_at")?;
    let answered_at: Option<String> = r.get("answered_at")?;
    let late_chat = kind == TaskKind::Chat
        && answered_at.is_none()
        && matches!((&assigned_at, sla_cutoff), (Some(a), Some(cut)) if a.as_str() <= cut);
    Ok(Task {
        overdue: !status.closed() && (due_at.as_deref().is_some_and(|d| d < now) || late_chat),
        id: r.get("id")?,
        kind,
        title: r.get("title")?,
        note: r.get("note")?,
        client_id: r.get("client_id")?,
        client_name: r.get("client_name")?,
        conversation_id: r.get("conversation_id")?,
        visitor_name: r.get("visitor_name")?,
        assignee_id: r.get("assignee_id")?,
        assignee_name: r.get("assignee_name")?,
        reason: Reason::parse(&r.get::<_, String>("reason")?),
        min_tier: r.get("min_tier")?,
        priority: Priority::parse(&r.get::<_, String>("priority")?),
        status,
        due_at,
        created_by: r.get("created_by")?,
        created_by_name: r.get("created_by_name")?,
        created_at: r.get("created_at")?,
        assigned_at,
        answered_at,
        closed_at: r.get("closed_at")?,
        closed_by: r.get("closed_by")?,
        closed_by_name: r.get("closed_by_name")?,
        updated_at: r.get("updated_at")?,
        version: r.get("version")?,
        history: vec![],
    })
}

/// The moment's stamps for `overdue`: now, and when a chat assigned before it is late.
fn cutoffs(conn: &Connection, now: DateTime<Utc>) -> Result<(String, Option<String>)> {
    let sla = routing::settings(conn)?.sla_minutes;
    Ok((
        clock::stamp(now),
        sla.map(|m| clock::stamp(now - chrono::Duration::minutes(m as i64))),
    ))
}

fn query(
    conn: &Connection,
    now: DateTime<Utc>,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Task>> {
    let (stamp, sla) = cutoffs(conn, now)?;
    let mut st = conn.prepare_cached(&format!("{SELECT} {filter}"))?;
    let rows = st.query_map(args, |r| row(r, &stamp, sla.as_deref()))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn history(conn: &Connection, task_id: &str) -> Result<Vec<TaskHistoryEntry>> {
    let mut st = conn.prepare_cached(
        "SELECT h.at, h.actor_id, a.display_name, h.action, h.from_staff, f.display_name,
                h.to_staff, t.display_name, h.status, h.reason, h.note
           FROM task_history h
           LEFT JOIN staff a ON a.id = h.actor_id
           LEFT JOIN staff f ON f.id = h.from_staff
           LEFT JOIN staff t ON t.id = h.to_staff
          WHERE h.task_id = ?1 ORDER BY h.seq",
    )?;
    let rows = st.query_map([task_id], |r| {
        Ok(TaskHistoryEntry {
            at: r.get(0)?,
            actor_id: r.get(1)?,
            actor_name: r.get(2)?,
            action: r.get(3)?,
            from_id: r.get(4)?,
            from_name: r.get(5)?,
            to_id: r.get(6)?,
            to_name: r.get(7)?,
            status: r
                .get::<_, Option<String>>(8)?
                .map(|s| TaskStatus::parse(&s)),
            reason: r.get::<_, Option<String>>(9)?.map(|s| Reason::parse(&s)),
            note: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn get(conn: &Connection, now: DateTime<Utc>, id: &str) -> Result<Task> {
    let mut t = query(conn, now, "WHERE t.id = ?1", &[&id])?
        .pop()
        .ok_or_else(|| Error::NotFound {
            kind: "task",
            id: id.to_owned(),
        })?;
    t.history = history(conn, id)?;
    Ok(t)
}

/// The latest chat task of a conversation, with its log: the conversation's header.
pub(crate) fn for_conversation(
    conn: &Connection,
    now: DateTime<Utc>,
    conversation_id: &str,
) -> Result<Option<Task>> {
    let id: Option<String> = conn
        .query_row(
            "SELECT id FROM tasks WHERE conversation_id = ?1 AND kind = 'chat'
              ORDER BY seq DESC LIMIT 1",
            [conversation_id],
            |r| r.get(0),
        )
        .optional()?;
    id.map(|id| get(conn, now, &id)).transpose()
}

/// What the caller may do beyond their own tasks.
pub(crate) struct Powers {
    /// `task.manage`: everyone's tasks, to read and to hand on.
    pub manage: bool,
}

pub(crate) fn list(
    conn: &Connection,
    ctx: &Ctx,
    scope: TaskScope,
    include_closed: bool,
    limit: u32,
) -> Result<Vec<Task>> {
    let open = if include_closed {
        ""
    } else {
        "AND t.status IN ('open', 'in_progress')"
    };
    // Open work first, the most pressing on top: overdue, then priority, then due time.
    let order = "ORDER BY t.status IN ('done', 'cancelled'),
                  CASE t.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END,
                  coalesce(t.due_at, '9999'), t.seq";
    match scope {
        TaskScope::Mine => {
            let me = ctx.staff_id().unwrap_or("");
            query(
                conn,
                ctx.now,
                &format!(
                    "WHERE (t.assignee_id = ?1 OR (t.created_by = ?1 AND t.kind != 'chat')) {open}
                     {order} LIMIT ?2"
                ),
                &[&me, &limit],
            )
        }
        TaskScope::Team => query(
            conn,
            ctx.now,
            &format!("WHERE 1 {open} {order} LIMIT ?1"),
            &[&limit],
        ),
        // Oldest first: the order the queue is served in.
        TaskScope::Queue => query(
            conn,
            ctx.now,
            "WHERE t.assignee_id IS NULL AND t.status = 'open' ORDER BY t.seq LIMIT ?1",
            &[&limit],
        ),
    }
}

/// Reading a task: its people, or anyone who sees the board.
pub(crate) fn get_for(conn: &Connection, ctx: &Ctx, powers: &Powers, id: &str) -> Result<Task> {
    let t = get(conn, ctx.now, id)?;
    check_involved(ctx, powers.manage, &t)?;
    Ok(t)
}

fn check_involved(ctx: &Ctx, may: bool, t: &Task) -> Result<()> {
    let me = ctx.staff_id();
    let involved = me.is_none() // the operator
        || t.assignee_id.as_deref() == me
        || t.created_by.as_deref() == me;
    if may || involved {
        Ok(())
    } else {
        Err(Error::invalid(
            "id",
            "validation.not_your_task",
            "this task is someone else's",
        ))
    }
}

fn check_due(due: Option<&str>) -> Result<Option<String>> {
    match due.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(None),
        Some(d) => clock::parse(d)
            .map(|t| Some(clock::stamp(t)))
            .ok_or_else(|| Error::invalid("due_at", "validation.date", "is not a date and time")),
    }
}

fn check_fields(f: &TaskFields) -> Result<(String, String, Option<String>)> {
    Ok((
        validate::required("title", &f.title, MAX_TITLE)?,
        validate::text("note", &f.note, MAX_TASK_NOTE, true)?,
        check_due(f.due_at.as_deref())?,
    ))
}

fn active_staff(conn: &Connection, id: &str) -> Result<()> {
    let active: Option<bool> = conn
        .query_row("SELECT active FROM staff WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    match active {
        Some(true) => Ok(()),
        _ => Err(Error::invalid(
            "assignee_ids",
            "validation.unknown_staff",
            "is not an active staff member",
        )),
    }
}

/// Ids for each recipient: the given one, then the ULIDs that follow it.
fn recipient_ids(given: Option<&str>, n: usize) -> Result<Vec<String>> {
    let first = match given {
        None => ulid::Ulid::new(),
        Some(g) => ulid::Ulid::from_string(g.trim())
            .map_err(|_| Error::invalid("id", "validation.id", "is not a ULID"))?,
    };
    Ok((0..n as u128)
        .map(|i| ulid::Ulid::from(first.0.wrapping_add(i)).to_string())
        .collect())
}

pub(crate) fn create(conn: &Connection, ctx: &Ctx, new: &NewTask) -> Result<Vec<Task>> {
    if new.kind == TaskKind::Chat {
        return Err(Error::invalid(
            "kind",
            "validation.task_kind",
            "chat tasks are made by routing when a visitor writes",
        ));
    }
    let (title, note, due) = check_fields(&TaskFields {
        title: new.title.clone(),
        note: new.note.clone(),
        due_at: new.due_at.clone(),
        priority: new.priority,
    })?;
    let mut seen = std::collections::HashSet::new();
    let recipients: Vec<String> = new
        .assignee_ids
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| seen.insert(s.clone()))
        .collect();
    if recipients.is_empty() {
        return Err(Error::invalid(
            "assignee_ids",
            "validation.required",
            "give the task to someone",
        ));
    }
    if recipients.len() > MAX_RECIPIENTS {
        return Err(Error::invalid(
            "assignee_ids",
            "validation.too_many",
            format!("at most {MAX_RECIPIENTS} people at once"),
        ));
    }
    for id in &recipients {
        active_staff(conn, id)?;
    }
    if let Some(c) = &new.client_id {
        crate::clients::get(conn, c)?;
    }
    if let Some(c) = &new.conversation_id {
        let exists = conn
            .prepare_cached("SELECT 1 FROM conversations WHERE id = ?1")?
            .exists([c])?;
        if !exists {
            return Err(Error::NotFound {
                kind: "conversation",
                id: c.clone(),
            });
        }
    }
    let ids = recipient_ids(new.id.as_deref(), recipients.len())?;
    let creator = ctx.staff_id().map(str::to_owned);
    let m = moment(ctx);
    let mut out = vec![];
    for (id, to) in ids.iter().zip(&recipients) {
        if let Ok(existing) = get(conn, ctx.now, id) {
            // A retried request: the first one stands, unless the id was reused for another task.
            if existing.title == title && existing.assignee_id.as_deref() == Some(to.as_str()) {
                out.push(existing);
                continue;
            }
            return Err(Error::Conflict {
                kind: "task",
                id: id.clone(),
            });
        }
        conn.execute(
            "INSERT INTO tasks (id, kind, title, note, client_id, conversation_id, reason, priority,
                                due_at, created_by, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'manual', ?7, ?8, ?9, ?10, ?10)",
            params![
                id,
                new.kind.as_str(),
                title,
                note,
                new.client_id,
                new.conversation_id,
                new.priority.as_str(),
                due,
                creator,
                ctx.stamp()
            ],
        )?;
        conn.execute(
            "INSERT INTO task_history (task_id, at, actor_id, action) VALUES (?1, ?2, ?3, 'created')",
            params![id, ctx.stamp(), creator],
        )?;
        ctx.emit_all(routing::hand_over(
            conn,
            &m,
            &Handover {
                task_id: id,
                to: Some(to),
                reason: Reason::Manual,
                actor: creator.as_deref(),
                action: "assigned",
                note: None,
                min_tier: None,
            },
        )?);
        out.push(get(conn, ctx.now, id)?);
    }
    Ok(out)
}

fn current(conn: &Connection, ctx: &Ctx, id: &str) -> Result<Task> {
    get(conn, ctx.now, id)
}

pub(crate) fn update(
    conn: &Connection,
    ctx: &Ctx,
    powers: &Powers,
    id: &str,
    expected_version: i64,
    f: &TaskFields,
) -> Result<Task> {
    let t = current(conn, ctx, id)?;
    check_involved(ctx, powers.manage, &t)?;
    if t.version != expected_version {
        return Err(Error::Conflict {
            kind: "task",
            id: id.to_owned(),
        });
    }
    let (title, note, due) = check_fields(f)?;
    if title == t.title && note == t.note && due == t.due_at && f.priority == t.priority {
        return Ok(t);
    }
    conn.execute(
        "UPDATE tasks SET title = ?2, note = ?3, due_at = ?4, priority = ?5, updated_at = ?6,
                version = version + 1 WHERE id = ?1",
        params![id, title, note, due, f.priority.as_str(), ctx.stamp()],
    )?;
    conn.execute(
        "INSERT INTO task_history (task_id, at, actor_id, action) VALUES (?1, ?2, ?3, 'edited')",
        params![id, ctx.stamp(), ctx.staff_id()],
    )?;
    ctx.emit(Event::TaskChanged { id: id.to_owned() });
    current(conn, ctx, id)
}

pub(crate) fn set_status(
    conn: &Connection,
    ctx: &Ctx,
    powers: &Powers,
    id: &str,
    status: TaskStatus,
    note: Option<&str>,
) -> Result<Task> {
    let t = current(conn, ctx, id)?;
    check_involved(ctx, powers.manage, &t)?;
    let note = validate::optional("note", note, MAX_TASK_NOTE)?;
    if t.status == status {
        return Ok(t);
    }
    if t.status.closed() && t.kind == TaskKind::Chat {
        // A closed chat reopens when the visitor writes again, as a new task.
        return Err(Error::invalid(
            "status",
            "validation.task_closed",
            "this chat task is closed; a new message from the visitor opens a new one",
        ));
    }
    if status != TaskStatus::Cancelled && status != TaskStatus::Done && t.assignee_id.is_none() {
        return Err(Error::invalid(
            "status",
            "validation.task_unassigned",
            "assign the task before working on it",
        ));
    }
    let me = ctx.staff_id();
    let closing = status.closed();
    conn.execute(
        "UPDATE tasks SET status = ?2, updated_at = ?3, version = version + 1,
                closed_at = CASE WHEN ?4 THEN ?3 ELSE NULL END,
                closed_by = CASE WHEN ?4 THEN ?5 ELSE NULL END
          WHERE id = ?1",
        params![id, status.as_str(), ctx.stamp(), closing, me],
    )?;
    conn.execute(
        "INSERT INTO task_history (task_id, at, actor_id, action, status, note)
         VALUES (?1, ?2, ?3, 'status', ?4, ?5)",
        params![id, ctx.stamp(), me, status.as_str(), note],
    )?;
    ctx.emit(Event::TaskChanged { id: id.to_owned() });
    if status == TaskStatus::Done && t.kind == TaskKind::CallBack {
        if let Some(conversation) = &t.conversation_id {
            // The visitor was called: their conversation no longer waits for an answer.
            conn.execute(
                "UPDATE conversations SET unanswered = 0 WHERE id = ?1",
                [conversation],
            )?;
            ctx.emit(Event::ConversationChanged {
                id: conversation.clone(),
            });
        }
    }
    if closing && t.kind == TaskKind::Chat {
        // Someone may have room now: serve the queue.
        ctx.emit_all(routing::rebalance(conn, &moment(ctx))?);
    }
    current(conn, ctx, id)
}

/// Hands a task to someone, or (`to` = None) back to routing.
pub(crate) fn assign(
    conn: &Connection,
    ctx: &Ctx,
    powers: &Powers,
    id: &str,
    to: Option<&str>,
    note: Option<&str>,
) -> Result<Task> {
    let t = current(conn, ctx, id)?;
    let note = validate::optional("note", note, MAX_TASK_NOTE)?;
    if t.status.closed() {
        return Err(Error::invalid(
            "id",
            "validation.task_closed",
            "this task is closed",
        ));
    }
    let me = ctx.staff_id();
    let own = me.is_none() || t.assignee_id.as_deref() == me;
    let taking = t.assignee_id.is_none() && to.is_some() && to == me;
    if !(powers.manage || own || taking) {
        return Err(Error::invalid(
            "id",
            "validation.not_your_task",
            "only your own tasks can be handed on",
        ));
    }
    let m = moment(ctx);
    let events = match to {
        Some(to) => {
            active_staff(conn, to)?;
            if t.assignee_id.as_deref() == Some(to) {
                return Ok(t);
            }
            routing::hand_over(
                conn,
                &m,
                &Handover {
                    task_id: id,
                    to: Some(to),
                    reason: Reason::Manual,
                    actor: me,
                    action: if t.assignee_id.is_some() {
                        "reassigned"
                    } else {
                        "assigned"
                    },
                    note: note.as_deref(),
                    min_tier: None,
                },
            )?
        }
        None => routing::route(
            conn,
            &m,
            &Facts {
                task_id: id,
                client_id: t.client_id.as_deref(),
                conversation_id: t.conversation_id.as_deref(),
                min_tier: t.min_tier,
                exclude: t.assignee_id.as_deref(),
                personal_rules: false,
            },
            me,
            "reassigned",
            note.as_deref(),
            None,
        )?,
    };
    ctx.emit_all(events);
    if t.kind == TaskKind::Chat && t.assignee_id.is_some() {
        ctx.emit_all(routing::rebalance(conn, &m)?);
    }
    current(conn, ctx, id)
}

pub(crate) fn escalate(
    conn: &Connection,
    ctx: &Ctx,
    powers: &Powers,
    id: &str,
    note: &str,
) -> Result<Task> {
    let t = current(conn, ctx, id)?;
    check_involved(ctx, powers.manage, &t)?;
    if t.status.closed() {
        return Err(Error::invalid(
            "id",
            "validation.task_closed",
            "this task is closed",
        ));
    }
    let note = validate::required("note", note, MAX_TASK_NOTE)?;
    let m = moment(ctx);
    ctx.emit_all(routing::escalate(conn, &m, id, ctx.staff_id(), &note)?);
    current(conn, ctx, id)
}

/// A staff reply answers the conversation's chat task; a waiting one goes to whoever answered.
pub(crate) fn chat_answered(conn: &Connection, ctx: &Ctx, conversation_id: &str) -> Result<()> {
    let Some(me) = ctx.staff_id() else {
        return Ok(());
    };
    let open: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT id, assignee_id FROM tasks WHERE conversation_id = ?1 AND kind = 'chat'
                AND status IN ('open', 'in_progress')",
            [conversation_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((id, assignee)) = open else {
        return Ok(());
    };
    if assignee.is_none() {
        ctx.emit_all(routing::hand_over(
            conn,
            &moment(ctx),
            &Handover {
                task_id: &id,
                to: Some(me),
                reason: Reason::Manual,
                actor: Some(me),
                action: "assigned",
                note: None,
                min_tier: None,
            },
        )?);
    }
    conn.execute(
        "UPDATE tasks SET answered_at = coalesce(answered_at, ?2),
                status = CASE status WHEN 'open' THEN 'in_progress' ELSE status END,
                updated_at = ?2, version = version + 1
          WHERE id = ?1",
        params![id, ctx.stamp()],
    )?;
    ctx.emit(Event::TaskChanged { id });
    Ok(())
}

/// A deactivated person's open chats go back to routing; their other tasks stay for a
/// manager to hand on, visible on the board.
pub(crate) fn release(conn: &Connection, ctx: &Ctx, staff: &str) -> Result<()> {
    let chats = routing::pending(
        conn,
        "WHERE assignee_id = ?1 AND kind = 'chat' AND status IN ('open', 'in_progress')",
        [staff],
    )?;
    let m = moment(ctx);
    for t in &chats {
        ctx.emit_all(routing::route(
            conn,
            &m,
            &t.facts(Some(staff)),
            ctx.staff_id(),
            "reassigned",
            None,
            None,
        )?);
    }
    Ok(())
}

pub(crate) fn prefs(conn: &Connection, ctx: &Ctx) -> Result<Prefs> {
    let me = ctx.staff_id().ok_or_else(|| {
        Error::invalid(
            "id",
            "validation.no_account",
            "the operator has no preferences",
        )
    })?;
    Ok(conn.query_row(
        "SELECT mute_popups, mute_sounds, ui_language FROM staff WHERE id = ?1",
        [me],
        |r| {
            Ok(Prefs {
                mute_popups: r.get(0)?,
                mute_sounds: r.get(1)?,
                ui_language: r.get(2)?,
            })
        },
    )?)
}

pub(crate) fn set_prefs(conn: &Connection, ctx: &Ctx, p: &Prefs) -> Result<Prefs> {
    prefs(conn, ctx)?;
    if let Some(l) = &p.ui_language {
        if !UI_LANGUAGES.contains(&l.as_str()) {
            return Err(Error::invalid(
                "ui_language",
                "validation.language",
                format!("the desk speaks {}", UI_LANGUAGES.join(", ")),
            ));
        }
    }
    conn.execute(
        "UPDATE staff SET mute_popups = ?2, mute_sounds = ?3, ui_language = ?4 WHERE id = ?1",
        params![ctx.staff_id(), p.mute_popups, p.mute_sounds, p.ui_language],
    )?;
    prefs(conn, ctx)
}

pub(crate) fn notice(conn: &Connection, id: &str) -> Result<Option<TaskNotice>> {
    Ok(conn
        .query_row(
            "SELECT t.kind, t.assignee_id, cb.display_name, t.priority, t.due_at,
                    a.display_name
               FROM tasks t
               LEFT JOIN staff cb ON cb.id = t.created_by
               LEFT JOIN staff a ON a.id = t.assignee_id
              WHERE t.id = ?1",
            [id],
            |r| {
                Ok(TaskNotice {
                    kind: TaskKind::parse(&r.get::<_, String>(0)?),
                    assignee_id: r.get(1)?,
                    assignee_name: r.get(5)?,
                    from_name: r.get(2)?,
                    priority: Priority::parse(&r.get::<_, String>(3)?),
                    due_at: r.get(4)?,
                })
            },
        )
        .optional()?)
}

pub(crate) fn moment(ctx: &Ctx) -> Moment<'_> {
    Moment {
        now: ctx.now,
        tz: ctx.tz,
        online: &ctx.online,
    }
}

impl crate::clinic::Clinic {
    /// Serves the queue and passes on chats not answered in time. The host calls it every few
    /// seconds, since shifts start and answer times run out without any request; logins and
    /// closed chats call it too. Returns how many tasks changed hands.
    pub fn routing_tick(&self) -> Result<usize> {
        let now = self.now();
        let online = self.sessions.online_staff(now, self.idle_timeout()?);
        let events = {
            let mut conn = self.db();
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let info = crate::clinic::Clinic::info(&tx)?;
            let m = Moment {
                now,
                tz: validate::time_zone(&info.time_zone)?,
                online: &online,
            };
            let events = routing::rebalance(&tx, &m)?;
            tx.commit()?;
            events
        };
        let moved = events
            .iter()
            .filter(|e| matches!(e, Event::TaskAssigned { .. }))
            .count();
        for e in events {
            self.listeners.send(e);
        }
        Ok(moved)
    }

    /// What a desk shows in a popup for a task: no client data, no audit record (it reveals
    /// nothing beyond the task's kind and a colleague's name).
    pub fn task_notice(&self, task_id: &str) -> Result<Option<TaskNotice>> {
        notice(&self.db(), task_id)
    }

    /// Whether a staff member silenced their popups (their tasks arrive all the same).
    pub fn popups_muted(&self, staff_id: &str) -> Result<bool> {
        Ok(self
            .db()
            .query_row(
                "SELECT mute_popups FROM staff WHERE id = ?1",
                [staff_id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false))
    }
}

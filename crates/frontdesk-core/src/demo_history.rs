//! Past work for a demo clinic: website chats with their replies and hand-overs, and
//! call-backs and other tasks done (some late), spread over the days before today. It gives
//! the workload reports a history to show, and the report benchmark its busy year.
//!
//! Rows are written directly, as the routing and task modules would have left them, because a
//! year of a busy clinic is a million messages: going through routing for each would take
//! hours and prove nothing about the reports.

use chrono::Duration;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::{clock, schedules, Ctx};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistorySpec {
    /// Days before today to fill.
    pub days: u32,
    pub chats_per_day: u32,
    /// Visitor and desk messages together, per chat.
    pub messages_per_chat: u32,
    /// Call-backs and custom tasks made per day.
    pub tasks_per_day: u32,
}

impl HistorySpec {
    /// What the demo clinic of `make run` gets: three months of a small clinic.
    pub const DEMO: HistorySpec = HistorySpec {
        days: 90,
        chats_per_day: 14,
        messages_per_chat: 8,
        tasks_per_day: 4,
    };
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryMade {
    pub chats: u32,
    pub messages: u32,
    pub tasks: u32,
}

const VISITOR_LINES: &[&str] = &[
    "Hello, can I book a check-up this week?",
    "What time do you open on Saturday?",
    "សួស្តី ខ្ញុំចង់ណាត់ជួបពេទ្យ។",
    "Cho tôi hỏi giá khám răng?",
    "مرحبا، هل يمكنني حجز موعد غدا؟",
    "Do I need to bring my previous results?",
    "Thank you!",
];
const DESK_LINES: &[&str] = &[
    "Hello! Yes, we have a free slot on Thursday at 10:00.",
    "We open at 8:00 on Saturdays.",
    "បាទ/ចាស យើងអាចណាត់ជូនបាននៅថ្ងៃព្រហស្បតិ៍។",
    "Dạ, giá khám là 200.000 đồng.",
    "نعم، لدينا موعد متاح غدا الساعة العاشرة.",
    "Please bring them, thank you.",
    "You're welcome, see you soon.",
];
const TASK_TITLES: &[&str] = &[
    "Call back about the test results",
    "Confirm the appointment",
    "Send the price list",
    "Prepare the file for the visit",
];

pub(crate) fn generate(
    conn: &rusqlite::Connection,
    ctx: &Ctx,
    rng: &mut StdRng,
    spec: &HistorySpec,
) -> Result<HistoryMade> {
    if spec.days > 3660
        || spec.chats_per_day > 2_000
        || spec.messages_per_chat > 200
        || spec.tasks_per_day > 2_000
    {
        return Err(Error::invalid(
            "history",
            "validation.out_of_range",
            "at most 3660 days, 2000 chats or tasks a day and 200 messages a chat",
        ));
    }
    // Who answers chats: receptionists mostly, clinicians sometimes; tier 2 takes escalations.
    let staff: Vec<(String, String, i64)> = conn
        .prepare(
            "SELECT id, role, support_tier FROM staff
              WHERE active = 1 AND chat_capacity > 0 AND role IN ('receptionist', 'clinician', 'manager')
              ORDER BY seq",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if staff.is_empty() {
        return Ok(HistoryMade::default());
    }
    let desk: Vec<&str> = staff
        .iter()
        .filter(|s| s.1 == "receptionist")
        .map(|s| s.0.as_str())
        .collect();
    let all: Vec<&str> = staff.iter().map(|s| s.0.as_str()).collect();
    let seniors: Vec<&str> = staff
        .iter()
        .filter(|s| s.2 >= 2)
        .map(|s| s.0.as_str())
        .collect();
    let mut conversation = conn.prepare(
        "INSERT INTO conversations (id, visitor_key, visitor_name, lang, started_at, last_message_at,
                                    unanswered)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut task = conn.prepare(
        "INSERT INTO tasks (id, kind, title, conversation_id, assignee_id, reason, status, due_at,
                            created_at, assigned_at, answered_at, closed_at, closed_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?12, ?13)",
    )?;
    let mut history = conn.prepare(
        "INSERT INTO task_history (task_id, at, action, from_staff, to_staff, status, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut message = conn.prepare(
        "INSERT INTO chat_messages (id, conversation_id, side, staff_id, body, at, delivered_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?;
    let today = ctx.today();
    let mut made = HistoryMade::default();
    for back in (1..=spec.days as i64).rev() {
        let date = today - Duration::days(back);
        let Ok(day_start) = schedules::to_utc(ctx.tz, date.and_hms_opt(0, 0, 0).unwrap(), "start")
        else {
            continue;
        };
        for _ in 0..spec.chats_per_day {
            // Most chats come in office hours; some in the evening.
            let minute = if rng.gen_bool(0.85) {
                rng.gen_range(8 * 60..18 * 60)
            } else {
                rng.gen_range(18 * 60..23 * 60)
            };
            let arrived =
                day_start + Duration::minutes(minute) + Duration::seconds(rng.gen_range(0..60));
            let conv = ulid::Ulid::from_datetime(arrived.into()).to_string();
            let task_id = ulid::Ulid::from_datetime(arrived.into()).to_string();
            // Who held the chat when: the first hand-out, and perhaps one hand-over before
            // anyone answered.
            let first = *pick(rng, if desk.is_empty() { &all } else { &desk });
            let mut handovers = vec![(
                arrived + Duration::seconds(rng.gen_range(1..5)),
                "assigned",
                None,
                first,
            )];
            let roll = rng.gen_range(0..100);
            if roll < 8 || (roll < 12 && !seniors.is_empty()) {
                let escalate = roll >= 8;
                let to = *pick(rng, if escalate { &seniors } else { &all });
                let at = handovers[0].0 + Duration::seconds(rng.gen_range(30..600));
                let action = if escalate { "escalated" } else { "reassigned" };
                handovers.push((at, action, Some(first), to));
            }
            let holder = handovers.last().expect("one hand-out").3;
            let unanswered = rng.gen_range(0..100) < 3;
            // First answers mostly within minutes, a tail of hours.
            let first_wait = match rng.gen_range(0..100) {
                0..=59 => rng.gen_range(15..180),
                60..=89 => rng.gen_range(180..900),
                90..=97 => rng.gen_range(900..3600),
                _ => rng.gen_range(3600..6 * 3600),
            };
            let mut t = arrived;
            let mut answered_at = None;
            let mut lines = Vec::new();
            for i in 0..spec.messages_per_chat.max(1) {
                let visitor = i % 2 == 0 || unanswered;
                if i > 0 {
                    t += if !visitor && answered_at.is_none() {
                        Duration::seconds(first_wait)
                    } else {
                        Duration::seconds(rng.gen_range(20..150))
                    };
                }
                lines.push(if visitor {
                    (t, "visitor", None, *pick(rng, VISITOR_LINES))
                } else {
                    answered_at.get_or_insert(t);
                    (t, "desk", Some(holder), *pick(rng, DESK_LINES))
                });
            }
            let closed = t + Duration::minutes(rng.gen_range(1..30));
            conversation.execute(rusqlite::params![
                conv,
                hex::encode(rng.gen::<[u8; 16]>()),
                None::<String>,
                pick(rng, &["en", "km", "vi", "ar"]),
                clock::stamp(arrived),
                clock::stamp(t),
                unanswered
            ])?;
            let status = if unanswered { "cancelled" } else { "done" };
            task.execute(rusqlite::params![
                task_id,
                "chat",
                "Website chat",
                conv,
                holder,
                "least_loaded",
                status,
                None::<String>,
                clock::stamp(arrived),
                answered_at.map(clock::stamp),
                clock::stamp(closed),
                holder,
                clock::stamp(closed)
            ])?;
            for (at, action, from, to) in handovers {
                history.execute(rusqlite::params![
                    task_id,
                    clock::stamp(at),
                    action,
                    from,
                    to,
                    None::<String>,
                    if action == "assigned" {
                        "least_loaded"
                    } else {
                        "manual"
                    }
                ])?;
            }
            history.execute(rusqlite::params![
                task_id,
                clock::stamp(closed),
                "status",
                None::<String>,
                None::<String>,
                status,
                None::<String>
            ])?;
            for (at, side, staff_id, body) in lines {
                message.execute(rusqlite::params![
                    ulid::Ulid::from_datetime(at.into()).to_string(),
                    conv,
                    side,
                    staff_id,
                    body,
                    clock::stamp(at)
                ])?;
                made.messages += 1;
            }
            made.chats += 1;
        }
        for _ in 0..spec.tasks_per_day {
            let created = day_start + Duration::minutes(rng.gen_range(8 * 60..18 * 60));
            let who = *pick(rng, &all);
            let id = ulid::Ulid::from_datetime(created.into()).to_string();
            let due = created + Duration::hours(rng.gen_range(4..72));
            let (status, closed) = match rng.gen_range(0..100) {
                // Most are done, some after they were due.
                0..=84 => (
                    "done",
                    Some(created + Duration::minutes(rng.gen_range(10..4 * 24 * 60))),
                ),
                85..=89 => (
                    "cancelled",
                    Some(created + Duration::hours(rng.gen_range(1..48))),
                ),
                _ => ("open", None),
            };
            let closed = closed.filter(|c| *c < ctx.now);
            let status = if closed.is_none() { "open" } else { status };
            task.execute(rusqlite::params![
                id,
                if rng.gen_bool(0.6) {
                    "call_back"
                } else {
                    "custom"
                },
                pick(rng, TASK_TITLES),
                None::<String>,
                who,
                "manual",
                status,
                clock::stamp(due),
                clock::stamp(created),
                None::<String>,
                closed.map(clock::stamp),
                closed.map(|_| who),
                clock::stamp(closed.unwrap_or(created))
            ])?;
            history.execute(rusqlite::params![
                id,
                clock::stamp(created),
                "assigned",
                None::<String>,
                who,
                None::<String>,
                "manual"
            ])?;
            made.tasks += 1;
        }
    }
    Ok(made)
}

fn pick<'a, T>(rng: &mut StdRng, list: &'a [T]) -> &'a T {
    list.choose(rng).expect("a non-empty list")
}

//! Routing through the real ingest path: every rule and strategy, the queue, answer times,
//! escalation, concurrent arrivals, and a property test of least loaded.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::mpsc::Receiver;

use chrono::{Duration, NaiveTime, Weekday};
use frontdesk_core::*;
use proptest::prelude::{any, prop_assert, prop_assert_eq, prop_oneof, Just};
use proptest::strategy::Strategy as _;
use serde_json::json;

use crate::support::*;

/// A clinic whose website chats arrive through `Clinic::ingest`, as the host hands them over.
struct Desk {
    f: Fixture,
    seq: Cell<u64>,
    events: Receiver<Event>,
}

impl Desk {
    fn new() -> Desk {
        let f = new_clinic();
        let events = f.clinic.subscribe();
        Desk {
            f,
            seq: Cell::new(0),
            events,
        }
    }

    fn next_seq(&self) -> u64 {
        self.seq.set(self.seq.get() + 1);
        self.seq.get()
    }

    /// A new visitor starts a chat; returns them (to write again) and the conversation id.
    fn chat(&self, answers: serde_json::Value) -> Visitor {
        let v = Visitor::new();
        let inc = v.started(&self.f, self.next_seq(), &id(), "Hello", answers);
        self.f.clinic.ingest(&[inc]).unwrap();
        v
    }

    fn write(&self, v: &Visitor, text: &str) {
        let inc = v.message(&self.f, self.next_seq(), &id(), text);
        self.f.clinic.ingest(&[inc]).unwrap();
    }

    fn task(&self, v: &Visitor) -> Task {
        self.task_of(&v.conversation)
    }

    fn task_of(&self, conversation: &str) -> Task {
        match self
            .f
            .clinic
            .handle(
                &operator(),
                Request::ConversationGet {
                    id: conversation.into(),
                },
            )
            .unwrap()
        {
            Response::Conversation(c) => *c.task.expect("every chat has a task"),
            other => panic!("unexpected {other:?}"),
        }
    }

    /// A staff member shaped by `edit`, logged in (so online).
    fn staff(&self, login: &str, edit: impl FnOnce(&mut StaffFields)) -> (Staff, Principal) {
        let s = self.offline_staff(login, |f| {
            f.role = Role::Receptionist;
            edit(f)
        });
        (s, self.login(login))
    }

    fn login(&self, login: &str) -> Principal {
        self.f.clock.advance(Duration::seconds(1));
        self.f.login(login)
    }

    /// A staff member shaped by `edit` who has not logged in.
    fn offline_staff(&self, login: &str, edit: impl FnOnce(&mut StaffFields)) -> Staff {
        let mut fields = StaffFields::new(login, Role::Clinician);
        edit(&mut fields);
        match self
            .f
            .clinic
            .handle(
                &operator(),
                Request::StaffCreate(NewStaff {
                    login: login.into(),
                    password: Secret::new(STAFF_PASSWORD),
                    fields,
                }),
            )
            .unwrap()
        {
            Response::StaffSaved { staff, .. } => staff,
            other => panic!("unexpected {other:?}"),
        }
    }

    fn strategy(&self, strategy: Strategy, sla_minutes: Option<u16>) {
        self.f
            .clinic
            .handle(
                &operator(),
                Request::RoutingUpdate(RoutingSettings {
                    strategy,
                    sla_minutes,
                }),
            )
            .unwrap();
    }

    fn close(&self, task: &str) {
        self.f
            .clinic
            .handle(
                &operator(),
                Request::TaskSetStatus {
                    id: task.into(),
                    status: TaskStatus::Done,
                    note: None,
                },
            )
            .unwrap();
    }

    fn queue(&self) -> Vec<Task> {
        match self
            .f
            .clinic
            .handle(
                &operator(),
                Request::TaskList {
                    scope: TaskScope::Queue,
                    include_closed: false,
                    limit: None,
                },
            )
            .unwrap()
        {
            Response::Tasks(t) => t,
            other => panic!("unexpected {other:?}"),
        }
    }

    /// Every `TaskAssigned` heard since the last call.
    fn assignments(&self) -> Vec<(String, String, Option<String>, Reason)> {
        self.events
            .try_iter()
            .filter_map(|e| match e {
                Event::TaskAssigned {
                    task_id,
                    assignee_id,
                    from,
                    reason,
                    ..
                } => Some((task_id, assignee_id, from, reason)),
                _ => None,
            })
            .collect()
    }

    fn client(&self, name: &str, email: &str, manager: Option<&str>) -> String {
        self.f
            .add_client(
                &operator(),
                ClientFields {
                    full_name: name.into(),
                    email: Some(email.into()),
                    account_manager_id: manager.map(Into::into),
                    ..Default::default()
                },
            )
            .client
            .id
    }

    fn give(&self, title: &str, client: Option<&str>, to: &str) -> Task {
        match self
            .f
            .clinic
            .handle(
                &operator(),
                Request::TaskCreate(NewTask {
                    id: None,
                    kind: TaskKind::CallBack,
                    title: title.into(),
                    note: String::new(),
                    client_id: client.map(Into::into),
                    conversation_id: None,
                    assignee_ids: vec![to.into()],
                    due_at: None,
                    priority: Priority::Normal,
                }),
            )
            .unwrap()
        {
            Response::Tasks(mut t) => t.remove(0),
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn id() -> String {
    ulid::Ulid::new().to_string()
}

fn hours(day: Weekday, from: u32, to: u32) -> Shift {
    Shift {
        day,
        start: NaiveTime::from_hms_opt(from, 0, 0).unwrap(),
        end: NaiveTime::from_hms_opt(to, 0, 0).unwrap(),
    }
}

#[test]
fn least_loaded_spreads_chats_and_breaks_ties_by_who_waited_longest() {
    let d = Desk::new();
    let (a, _) = d.staff("anna", |_| {});
    let (b, _) = d.staff("bora", |_| {});
    let first = d.task(&d.chat(json!({})));
    // Neither was ever given a chat: the longer-serving account wins the tie.
    assert_eq!(first.assignee_id.as_deref(), Some(a.id.as_str()));
    assert_eq!(first.reason, Reason::LeastLoaded);
    let second = d.task(&d.chat(json!({})));
    assert_eq!(
        second.assignee_id.as_deref(),
        Some(b.id.as_str()),
        "fewest open chats"
    );
    // One each: the tie goes to whoever was given a chat longest ago.
    d.f.clock.advance(Duration::seconds(5));
    let third = d.task(&d.chat(json!({})));
    assert_eq!(third.assignee_id.as_deref(), Some(a.id.as_str()));
    // Anna closes both of hers: she now has the fewest.
    d.close(&first.id);
    d.close(&third.id);
    let fourth = d.task(&d.chat(json!({})));
    assert_eq!(fourth.assignee_id.as_deref(), Some(a.id.as_str()));
    assert_eq!(d.assignments().len(), 4, "one assignment per chat");
}

#[test]
fn a_visitor_writing_again_does_not_make_a_second_task() {
    let d = Desk::new();
    let (a, _) = d.staff("anna", |_| {});
    let v = d.chat(json!({}));
    d.write(&v, "Are you there?");
    d.write(&v, "Hello?");
    let t = d.task(&v);
    assert_eq!(t.assignee_id.as_deref(), Some(a.id.as_str()));
    assert_eq!(d.assignments().len(), 1);
    let created = t.history.iter().filter(|h| h.action == "created").count();
    assert_eq!(created, 1);
}

#[test]
fn capacity_and_shifts_and_presence_decide_who_is_eligible() {
    let d = Desk::new();
    let (full, _) = d.staff("full", |f| f.chat_capacity = 1);
    let (_off, _) = d.staff("off", |f| {
        f.working_hours = vec![hours(Weekday::Tue, 9, 17)]
    });
    let _away = d.offline_staff("away", |_| {});
    let (free, _) = d.staff("free", |f| f.chat_capacity = 5);
    let t1 = d.task(&d.chat(json!({})));
    assert_eq!(t1.assignee_id.as_deref(), Some(full.id.as_str()));
    // "full" is at capacity, "off" is not on shift today, "away" is not logged in.
    for _ in 0..3 {
        let t = d.task(&d.chat(json!({})));
        assert_eq!(t.assignee_id.as_deref(), Some(free.id.as_str()));
    }
}

#[test]
fn a_client_with_an_open_request_goes_to_its_responsible_person() {
    let d = Desk::new();
    let (a, _) = d.staff("anna", |f| f.chat_capacity = 1);
    let (b, _) = d.staff("bora", |_| {});
    let k = d.client("Kim Sokha", "sokha@example.com", None);
    // Anna has a call-back open for this client and is at her chat capacity.
    d.give("Call back about results", Some(&k), &a.id);
    let busy = d.task(&d.chat(json!({})));
    assert_eq!(busy.assignee_id.as_deref(), Some(a.id.as_str()));
    let t = d.task(&d.chat(json!({"email": "sokha@example.com"})));
    assert_eq!(
        t.client_id.as_deref(),
        Some(k.as_str()),
        "identified by email"
    );
    assert_eq!(t.assignee_id.as_deref(), Some(a.id.as_str()));
    assert_eq!(
        t.reason,
        Reason::Continuity,
        "capacity does not break continuity"
    );
    let _ = b;
}

#[test]
fn continuity_never_picks_someone_off_shift() {
    let d = Desk::new();
    let (a, _) = d.staff("anna", |_| {});
    let k = d.client("Kim Sokha", "sokha@example.com", None);
    d.give("Prepare the file", Some(&k), &a.id);
    // Anna's shift is on Tuesdays only; today is Monday.
    let mut fields = match d
        .f
        .clinic
        .handle(&operator(), Request::StaffGet { id: a.id.clone() })
        .unwrap()
    {
        Response::Staff(s) => s,
        other => panic!("unexpected {other:?}"),
    };
    fields.fields.working_hours = vec![hours(Weekday::Tue, 9, 17)];
    d.f.clinic
        .handle(
            &operator(),
            Request::StaffUpdate {
                id: a.id.clone(),
                expected_version: fields.version,
                fields: fields.fields,
            },
        )
        .unwrap();
    let (b, _) = d.staff("bora", |_| {});
    let t = d.task(&d.chat(json!({"email": "sokha@example.com"})));
    assert_eq!(t.assignee_id.as_deref(), Some(b.id.as_str()));
    assert_eq!(t.reason, Reason::LeastLoaded);
}

#[test]
fn the_account_manager_gets_the_chat_while_on_shift_and_under_capacity() {
    let d = Desk::new();
    let (a, _) = d.staff("anna", |_| {});
    let (m, _) = d.staff("manager", |f| f.chat_capacity = 1);
    let k = d.client("Nguyen Lan", "lan@example.com", Some(&m.id));
    let t = d.task(&d.chat(json!({"email": "lan@example.com"})));
    assert_eq!(t.assignee_id.as_deref(), Some(m.id.as_str()));
    assert_eq!(t.reason, Reason::AccountManager);
    // At capacity now: the next chat from another of their clients goes by the strategy. (This
    // client's own next chat would stay with them by continuity.)
    let other = d.client("Tran Minh", "minh@example.com", Some(&m.id));
    let t2 = d.task(&d.chat(json!({"email": "minh@example.com"})));
    assert_eq!(t2.client_id.as_deref(), Some(other.as_str()));
    assert_eq!(t2.assignee_id.as_deref(), Some(a.id.as_str()));
    assert_eq!(t2.reason, Reason::LeastLoaded);
    let t3 = d.task(&d.chat(json!({"email": "lan@example.com"})));
    assert_eq!(t3.client_id.as_deref(), Some(k.as_str()));
    assert_eq!(t3.reason, Reason::Continuity);
}

#[test]
fn most_experienced_first_then_the_next_most_experienced() {
    let d = Desk::new();
    d.strategy(Strategy::MostExperienced, None);
    let (_junior, _) = d.staff("junior", |f| f.experience = 1);
    let (senior, _) = d.staff("senior", |f| {
        f.experience = 5;
        f.chat_capacity = 1
    });
    let (mid, _) = d.staff("mid", |f| f.experience = 3);
    let t = d.task(&d.chat(json!({})));
    assert_eq!(t.assignee_id.as_deref(), Some(senior.id.as_str()));
    assert_eq!(t.reason, Reason::MostExperienced);
    let t = d.task(&d.chat(json!({})));
    assert_eq!(t.assignee_id.as_deref(), Some(mid.id.as_str()));
}

#[test]
fn round_robin_takes_turns() {
    let d = Desk::new();
    d.strategy(Strategy::RoundRobin, None);
    let (a, _) = d.staff("anna", |f| f.chat_capacity = 10);
    let (b, _) = d.staff("bora", |f| f.chat_capacity = 10);
    let (c, _) = d.staff("chan", |f| f.chat_capacity = 10);
    let got: Vec<String> = (0..5)
        .map(|_| d.task(&d.chat(json!({}))).assignee_id.unwrap())
        .collect();
    assert_eq!(got, [&a.id, &b.id, &c.id, &a.id, &b.id].map(Clone::clone));
}

#[test]
fn first_line_first_and_escalation_hands_over_with_a_note() {
    let d = Desk::new();
    d.strategy(Strategy::Tiered, None);
    let (first, first_who) = d.staff("first", |f| f.support_tier = 1);
    let (second, second_who) = d.staff("second", |f| {
        f.support_tier = 2;
        f.experience = 5
    });
    let v = d.chat(json!({}));
    let t = d.task(&v);
    assert_eq!(t.assignee_id.as_deref(), Some(first.id.as_str()));
    assert_eq!(t.reason, Reason::Tiered);
    d.assignments();
    let Response::Task(t) =
        d.f.clinic
            .handle(
                &first_who,
                Request::TaskEscalate {
                    id: t.id.clone(),
                    note: "Asks about a prescription".into(),
                },
            )
            .unwrap()
    else {
        panic!()
    };
    assert_eq!(t.assignee_id.as_deref(), Some(second.id.as_str()));
    assert_eq!(t.reason, Reason::Escalated);
    assert_eq!(t.min_tier, 2);
    let told = d.assignments();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].2.as_deref(), Some(first.id.as_str()), "from");
    // The conversation's history shows the hand-over, who made it and the note.
    let t = d.task(&v);
    let h = t.history.iter().find(|h| h.action == "escalated").unwrap();
    assert_eq!(h.from_id.as_deref(), Some(first.id.as_str()));
    assert_eq!(h.to_id.as_deref(), Some(second.id.as_str()));
    assert_eq!(h.actor_id.as_deref(), Some(first.id.as_str()));
    assert_eq!(h.note.as_deref(), Some("Asks about a prescription"));
    // Nobody above the second line: refused, and nothing changes.
    let err =
        d.f.clinic
            .handle(
                &second_who,
                Request::TaskEscalate {
                    id: t.id.clone(),
                    note: "Even higher".into(),
                },
            )
            .unwrap_err();
    assert_eq!(err.code(), "validation.no_higher_tier");
    assert_eq!(d.task(&v).version, t.version);
    // An escalation needs a note.
    let err =
        d.f.clinic
            .handle(
                &second_who,
                Request::TaskEscalate {
                    id: t.id.clone(),
                    note: "  ".into(),
                },
            )
            .unwrap_err();
    assert_eq!(err.code(), "validation.required");
}

#[test]
fn chats_wait_in_the_queue_and_the_oldest_goes_first_when_someone_is_free() {
    let d = Desk::new();
    let older = d.chat(json!({}));
    d.f.clock.advance(Duration::seconds(10));
    let newer = d.chat(json!({}));
    let q = d.queue();
    assert_eq!(q.len(), 2);
    assert_eq!(
        q[0].conversation_id.as_deref(),
        Some(older.conversation.as_str())
    );
    assert_eq!(q[0].reason, Reason::Queued);
    assert!(q[0].assignee_id.is_none());
    // Someone with room for one logs in: the oldest is theirs, the newer keeps waiting.
    let (a, _) = d.staff("anna", |f| f.chat_capacity = 1);
    assert_eq!(d.task(&older).assignee_id.as_deref(), Some(a.id.as_str()));
    assert!(d.task(&newer).assignee_id.is_none());
    // Anna closes hers: the waiting one is served at once.
    d.close(&d.task(&older).id);
    assert_eq!(d.task(&newer).assignee_id.as_deref(), Some(a.id.as_str()));
    assert!(d.queue().is_empty());
}

#[test]
fn a_waiting_chat_goes_to_whoever_answers_it() {
    let d = Desk::new();
    let v = d.chat(json!({}));
    // Not on shift today, so routing gives her nothing; she answers anyway.
    let (a, who) = d.staff("anna", |f| f.working_hours = vec![]);
    assert!(d.task(&v).assignee_id.is_none());
    d.f.clinic
        .handle(
            &who,
            Request::ChatReply {
                conversation_id: v.conversation.clone(),
                id: None,
                text: "I can help".into(),
                quote_id: None,
            },
        )
        .unwrap();
    let t = d.task(&v);
    assert_eq!(t.assignee_id.as_deref(), Some(a.id.as_str()));
    assert_eq!(t.status, TaskStatus::InProgress);
    assert!(t.answered_at.is_some());
}

#[test]
fn an_unanswered_chat_is_passed_on_after_the_answer_time_and_both_are_told() {
    let d = Desk::new();
    d.strategy(Strategy::LeastLoaded, Some(5));
    let (a, a_who) = d.staff("anna", |_| {});
    let (b, _) = d.staff("bora", |_| {});
    let v = d.chat(json!({}));
    let answered = d.chat(json!({}));
    assert_eq!(d.task(&v).assignee_id.as_deref(), Some(a.id.as_str()));
    assert_eq!(
        d.task(&answered).assignee_id.as_deref(),
        Some(b.id.as_str())
    );
    d.assignments();
    // Bora answers hers in time; Anna does not.
    d.f.clock.advance(Duration::minutes(2));
    d.f.clinic.keep_alive(&token(&a_who)).unwrap();
    let b_who = d.login("bora");
    d.f.clinic
        .handle(
            &b_who,
            Request::ChatReply {
                conversation_id: answered.conversation.clone(),
                id: None,
                text: "Hello!".into(),
                quote_id: None,
            },
        )
        .unwrap();
    d.f.clock.advance(Duration::minutes(2));
    assert_eq!(d.f.clinic.routing_tick().unwrap(), 0, "not late yet");
    assert!(!d.task(&v).overdue);
    d.f.clock.advance(Duration::minutes(2));
    d.f.clinic.keep_alive(&token(&a_who)).unwrap();
    d.f.clinic.keep_alive(&token(&b_who)).unwrap();
    assert!(
        d.task(&v).overdue,
        "shown late before the tick passes it on"
    );
    assert_eq!(d.f.clinic.routing_tick().unwrap(), 1);
    let t = d.task(&v);
    assert_eq!(t.assignee_id.as_deref(), Some(b.id.as_str()));
    assert_eq!(t.reason, Reason::Sla);
    assert!(
        !t.overdue,
        "the answer time starts again for the new person"
    );
    let told = d.assignments();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].1, b.id, "the new person is told");
    assert_eq!(
        told[0].2.as_deref(),
        Some(a.id.as_str()),
        "and so is the old"
    );
    assert_eq!(
        d.task(&answered).assignee_id.as_deref(),
        Some(b.id.as_str())
    );
    // Off by default: with no answer time, nothing moves however long it waits.
    d.strategy(Strategy::LeastLoaded, None);
    d.f.clock.advance(Duration::minutes(9));
    d.f.clinic.keep_alive(&token(&a_who)).unwrap();
    assert_eq!(d.f.clinic.routing_tick().unwrap(), 0);
}

fn token(p: &Principal) -> String {
    match p {
        Principal::Session { token } => token.clone(),
        _ => unreachable!(),
    }
}

#[test]
fn a_reopened_conversation_goes_back_to_its_person_but_never_off_shift() {
    let d = Desk::new();
    let (a, a_who) = d.staff("anna", |_| {});
    let v = d.chat(json!({}));
    let first = d.task(&v);
    assert_eq!(first.assignee_id.as_deref(), Some(a.id.as_str()));
    d.f.clinic
        .handle(
            &a_who,
            Request::TaskSetStatus {
                id: first.id.clone(),
                status: TaskStatus::Done,
                note: None,
            },
        )
        .unwrap();
    // Someone newer and idle arrives, but the returning visitor goes back to Anna.
    let (b, _) = d.staff("bora", |_| {});
    d.write(&v, "One more question");
    let second = d.task(&v);
    assert_ne!(second.id, first.id, "a new task");
    assert_eq!(second.assignee_id.as_deref(), Some(a.id.as_str()));
    assert_eq!(second.reason, Reason::Continuity);
    d.close(&second.id);
    // 19:00 in Phnom Penh: Anna's shift ended at 17:00. An evening colleague logs in.
    d.f.clock.advance(Duration::hours(10));
    let (evening, _) = d.staff("evening", |f| {
        f.working_hours = vec![hours(Weekday::Mon, 17, 22)]
    });
    d.write(&v, "Back again tonight");
    let third = d.task(&v);
    assert_eq!(third.assignee_id.as_deref(), Some(evening.id.as_str()));
    let _ = b;
}

#[test]
fn deactivating_someone_sends_their_chats_back_to_routing() {
    let d = Desk::new();
    let (a, _) = d.staff("anna", |_| {});
    let v = d.chat(json!({}));
    let (b, _) = d.staff("bora", |_| {});
    assert_eq!(d.task(&v).assignee_id.as_deref(), Some(a.id.as_str()));
    d.f.clinic
        .handle(
            &operator(),
            Request::StaffSetActive {
                id: a.id.clone(),
                active: false,
            },
        )
        .unwrap();
    assert_eq!(d.task(&v).assignee_id.as_deref(), Some(b.id.as_str()));
}

#[test]
fn the_same_arrivals_delivered_concurrently_are_assigned_exactly_once() {
    let d = Desk::new();
    for n in 0..4 {
        d.staff(&format!("s{n}"), |f| f.chat_capacity = 50);
    }
    let visitors: Vec<Visitor> = (0..200).map(|_| Visitor::new()).collect();
    let batch: Vec<Incoming> = visitors
        .iter()
        .enumerate()
        .map(|(i, v)| v.started(&d.f, i as u64 + 1, &id(), "Hi", json!({})))
        .collect();
    d.assignments();
    // Four deliveries of the same entries at once, as after a reconnect racing a retry.
    std::thread::scope(|s| {
        for k in 0..4 {
            let clinic = &d.f.clinic;
            let batch = &batch;
            s.spawn(move || {
                for chunk in batch.chunks(10 + k * 7) {
                    clinic.ingest(chunk).unwrap();
                }
            });
        }
    });
    let told = d.assignments();
    let mut per_task: HashMap<String, usize> = HashMap::new();
    for (task, ..) in &told {
        *per_task.entry(task.clone()).or_default() += 1;
    }
    assert_eq!(per_task.len(), 200, "every chat assigned");
    assert!(per_task.values().all(|n| *n == 1), "none twice");
    let conn = d.f.raw_connection();
    let (tasks, convs, unassigned): (i64, i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM tasks), (SELECT count(DISTINCT conversation_id) FROM tasks),
                    (SELECT count(*) FROM tasks WHERE assignee_id IS NULL)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((tasks, convs, unassigned), (200, 200, 0));
    // Least loaded spread them evenly.
    let loads: Vec<i64> = conn
        .prepare("SELECT count(*) FROM tasks GROUP BY assignee_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(loads, [50, 50, 50, 50]);
    let counted: Vec<i64> = conn
        .prepare("SELECT open_chats FROM staff WHERE open_chats > 0")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(counted, [50, 50, 50, 50], "the load counter agrees");
}

#[derive(Debug, Clone)]
enum Op {
    Arrive,
    /// Closes the n-th open chat task (modulo how many there are).
    Complete(usize),
}

fn ops(with_completions: bool) -> proptest::strategy::BoxedStrategy<Vec<Op>> {
    let op = if with_completions {
        prop_oneof![3 => Just(Op::Arrive), 2 => (0usize..64).prop_map(Op::Complete)].boxed()
    } else {
        Just(Op::Arrive).boxed()
    };
    proptest::collection::vec(op, 1..40).boxed()
}

/// Open chat loads per staff id, and the waiting count.
fn loads(conn: &rusqlite::Connection) -> (HashMap<String, i64>, i64) {
    let mut m = HashMap::new();
    let mut st = conn
        .prepare(
            "SELECT assignee_id, count(*) FROM tasks
              WHERE kind = 'chat' AND status IN ('open', 'in_progress') GROUP BY assignee_id",
        )
        .unwrap();
    let mut queued = 0;
    for row in st
        .query_map([], |r| {
            Ok((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1)?))
        })
        .unwrap()
    {
        match row.unwrap() {
            (Some(id), n) => {
                m.insert(id, n);
            }
            (None, n) => queued = n,
        }
    }
    (m, queued)
}

/// Under random arrivals and completions: every arrival goes to an eligible person with the
/// lowest load; nobody ever exceeds their capacity; nothing waits while someone has room; with
/// arrivals alone, the loads of those with room stay within one of each other.
#[test]
fn least_loaded_properties_hold_under_random_arrivals_and_completions() {
    let d = Desk::new();
    let staff: Vec<Staff> = (0..4)
        .map(|n| d.staff(&format!("p{n}"), |_| {}).0)
        .collect();
    let conn = d.f.raw_connection();
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: 48,
        failure_persistence: None,
        ..Default::default()
    });
    let case = (
        proptest::collection::vec(1u16..5, 4),
        any::<bool>().prop_flat_map(|c| (Just(c), ops(c))),
    );
    runner
        .run(&case, |(caps, (completions, ops))| {
            // A clean slate for the case: close every open chat, set the capacities.
            conn.execute(
                "UPDATE tasks SET status = 'cancelled' WHERE status IN ('open', 'in_progress')",
                [],
            )
            .unwrap();
            for (s, cap) in staff.iter().zip(&caps) {
                conn.execute(
                    "UPDATE staff SET chat_capacity = ?2 WHERE id = ?1",
                    rusqlite::params![s.id, cap],
                )
                .unwrap();
            }
            let cap_of: HashMap<String, i64> = staff
                .iter()
                .zip(&caps)
                .map(|(s, c)| (s.id.clone(), *c as i64))
                .collect();
            for op in ops {
                let (before, _) = loads(&conn);
                let load = |id: &str, m: &HashMap<String, i64>| *m.get(id).unwrap_or(&0);
                match op {
                    Op::Arrive => {
                        let t = d.task(&d.chat(json!({})));
                        let room: Vec<&Staff> = staff
                            .iter()
                            .filter(|s| load(&s.id, &before) < cap_of[&s.id])
                            .collect();
                        match &t.assignee_id {
                            Some(to) => {
                                let lowest =
                                    room.iter().map(|s| load(&s.id, &before)).min().unwrap();
                                prop_assert_eq!(load(to, &before), lowest);
                            }
                            None => prop_assert!(room.is_empty(), "queued while someone had room"),
                        }
                    }
                    Op::Complete(n) => {
                        let open: Vec<String> = conn
                            .prepare(
                                "SELECT id FROM tasks WHERE kind = 'chat' AND assignee_id IS NOT NULL
                                   AND status IN ('open', 'in_progress') ORDER BY seq",
                            )
                            .unwrap()
                            .query_map([], |r| r.get(0))
                            .unwrap()
                            .map(Result::unwrap)
                            .collect();
                        if !open.is_empty() {
                            d.close(&open[n % open.len()]);
                        }
                    }
                }
                let (after, queued) = loads(&conn);
                for s in &staff {
                    prop_assert!(load(&s.id, &after) <= cap_of[&s.id], "over capacity");
                }
                let with_room: Vec<i64> = staff
                    .iter()
                    .filter(|s| load(&s.id, &after) < cap_of[&s.id])
                    .map(|s| load(&s.id, &after))
                    .collect();
                if queued > 0 {
                    prop_assert!(with_room.is_empty(), "a chat waits while someone has room");
                }
                if !completions && !with_room.is_empty() {
                    let spread = with_room.iter().max().unwrap() - with_room.iter().min().unwrap();
                    prop_assert!(spread <= 1, "loads drifted apart: {:?}", after);
                }
                // No conversation ever holds two open chat tasks.
                let doubled: i64 = conn
                    .query_row(
                        "SELECT count(*) FROM (SELECT conversation_id FROM tasks
                           WHERE kind = 'chat' AND status IN ('open', 'in_progress')
                           GROUP BY conversation_id HAVING count(*) > 1)",
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                prop_assert_eq!(doubled, 0);
                // The load counter the decisions read agrees with the tasks themselves.
                let drift: i64 = conn
                    .query_row(
                        "SELECT count(*) FROM staff s WHERE s.open_chats != (SELECT count(*)
                           FROM tasks t WHERE t.assignee_id = s.id AND t.kind = 'chat'
                            AND t.status IN ('open', 'in_progress'))",
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                prop_assert_eq!(drift, 0, "staff.open_chats drifted");
            }
            Ok(())
        })
        .unwrap();
}

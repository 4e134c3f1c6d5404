//! After hours through the real ingest path: the automatic reply once a day per conversation,
//! in the visitor's language and naming the first opening after a closed day, and the call-back
//! task that waits for the first shift.

use std::sync::mpsc::Receiver;

use chrono::{Duration, NaiveDate};
use frontdesk_core::*;
use serde_json::json;

use crate::support::*;

fn autos(c: &Conversation) -> Vec<&ChatMessage> {
    c.messages
        .iter()
        .filter(|m| m.auto == Some(Auto::AfterHours))
        .collect()
}

fn tasks(f: &Fixture) -> Vec<Task> {
    match ok(
        f,
        &operator(),
        Request::TaskList {
            scope: TaskScope::Team,
            include_closed: true,
            limit: None,
        },
    ) {
        Response::Tasks(t) => t,
        other => panic!("unexpected {other:?}"),
    }
}

fn assigned(events: &Receiver<Event>) -> Vec<(String, TaskKind)> {
    events
        .try_iter()
        .filter_map(|e| match e {
            Event::TaskAssigned {
                assignee_id,
                task_kind,
                ..
            } => Some((assignee_id, task_kind)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_night_visitor_gets_one_reply_a_day_and_a_call_back_for_the_first_shift_after_a_holiday() {
    let f = new_clinic();
    let events = f.clinic.subscribe();
    // Everyone works Monday to Friday, 9 to 5 (the default); Tuesday 3 March is a holiday.
    let (dara, _) = f.staff_session("dara", Role::Receptionist);
    ok(
        &f,
        &operator(),
        Request::ScheduleExceptionAdd(schedules_closed(
            NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
        )),
    );
    // Monday 22:00 in Phnom Penh.
    f.clock.advance(Duration::hours(13));
    let v = Visitor::new();
    f.clinic
        .ingest(&[v.started(
            &f,
            1,
            &id(),
            "Do you have a dentist?",
            json!({"name": "Sok", "phone": "012 345 678"}),
        )])
        .unwrap();
    let c = conversation(&f, &v.conversation);
    let replies = autos(&c);
    assert_eq!(replies.len(), 1);
    // The visitor wrote in Khmer (`lang: km`): the reply is Khmer, and names Wednesday 9:00.
    assert!(replies[0].text.starts_with("សូមអរគុណ"), "{}", replies[0].text);
    assert!(replies[0].text.contains("ពុធ"), "{}", replies[0].text);
    assert!(replies[0].text.contains("09:00"), "{}", replies[0].text);
    assert_eq!(replies[0].side, ChatSide::Desk);
    assert!(c.unanswered, "an automatic reply answers nothing");

    // Writing again that night: no second reply, no second task.
    f.clock.advance(Duration::minutes(20));
    f.clinic
        .ingest(&[v.message(&f, 2, &id(), "Hello?")])
        .unwrap();
    assert_eq!(autos(&conversation(&f, &v.conversation)).len(), 1);
    let all = tasks(&f);
    assert_eq!(all.len(), 1, "{all:?}");
    let call = &all[0];
    assert_eq!(call.kind, TaskKind::CallBack);
    assert_eq!(call.title, "+85512345678");
    assert_eq!(
        call.conversation_id.as_deref(),
        Some(v.conversation.as_str())
    );
    assert_eq!(call.assignee_id, None, "nobody is on shift at night");

    // The holiday: Dara logs in at 10:00 on Tuesday, but the clinic is closed; the routing
    // clock gives her nothing. The visitor writes again: a new day, a new reply.
    f.clock.advance(Duration::hours(11) + Duration::minutes(40));
    let _dara = f.login("dara");
    f.clinic.routing_tick().unwrap();
    assert_eq!(tasks(&f)[0].assignee_id, None, "a holiday is no shift");
    f.clinic
        .ingest(&[v.message(&f, 3, &id(), "Are you open today?")])
        .unwrap();
    assert_eq!(autos(&conversation(&f, &v.conversation)).len(), 2);
    assert!(assigned(&events).is_empty());

    // Wednesday 8:59: she logs in again; at 9:00 her shift starts and the routing clock hands
    // her the call-back, which pops up on her desk.
    f.clock.advance(Duration::hours(22) + Duration::minutes(59));
    let dara_wed = f.login("dara");
    f.clinic.routing_tick().unwrap();
    assert_eq!(tasks(&f)[0].assignee_id, None, "not before her shift");
    f.clock.advance(Duration::minutes(1));
    f.clinic.routing_tick().unwrap();
    let call = tasks(&f).remove(0);
    assert_eq!(call.assignee_id.as_deref(), Some(dara.id.as_str()));
    assert!(assigned(&events).contains(&(dara.id.clone(), TaskKind::CallBack)));

    // She calls and marks it done: the conversation no longer waits.
    ok(
        &f,
        &dara_wed,
        Request::TaskSetStatus {
            id: call.id.clone(),
            status: TaskStatus::Done,
            note: None,
        },
    );
    assert!(!conversation(&f, &v.conversation).unanswered);
}

fn schedules_closed(date: NaiveDate) -> NewException {
    NewException {
        staff_id: None,
        date,
        kind: ExceptionKind::Off,
        start: None,
        end: None,
        note: "Holiday".into(),
    }
}

#[test]
fn without_a_number_the_night_chat_waits_as_a_chat_and_the_day_gets_no_automatic_reply() {
    let f = new_clinic();
    // Monday 09:00: open. No automatic reply; a chat task as ever.
    let day = Visitor::new();
    f.clinic
        .ingest(&[day.started(&f, 1, &id(), "Hi", json!({"name": "Dara"}))])
        .unwrap();
    assert!(autos(&conversation(&f, &day.conversation)).is_empty());
    // Monday 18:00: closed, no number anywhere: the reply, and a chat task in the queue.
    f.clock.advance(Duration::hours(9));
    let night = Visitor::new();
    f.clinic
        .ingest(&[night.started(&f, 2, &id(), "Hi there", json!({"name": "Lina"}))])
        .unwrap();
    let c = conversation(&f, &night.conversation);
    assert_eq!(autos(&c).len(), 1);
    assert!(
        autos(&c)[0].text.contains("ថ្ងៃអង្គារ"),
        "Tuesday: {}",
        autos(&c)[0].text
    );
    let task = c.task.expect("a chat task");
    assert_eq!(task.kind, TaskKind::Chat);
    assert_eq!(task.assignee_id, None);
    // A number written in the message is enough for a call-back.
    let v = Visitor::new();
    f.clinic
        .ingest(&[v.started(
            &f,
            3,
            &id(),
            "call me on ០១២ ៣៤៥ ៦៧៩",
            json!({"name": "Vy"}),
        )])
        .unwrap();
    assert!(tasks(&f)
        .iter()
        .any(|t| t.kind == TaskKind::CallBack && t.title == "+85512345679"));
}

#[test]
fn the_widget_is_told_the_hours_without_the_holiday() {
    let f = new_clinic();
    ok(
        &f,
        &operator(),
        Request::ScheduleExceptionAdd(schedules_closed(
            NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
        )),
    );
    let config = f.clinic.site_config().unwrap();
    // Monday's hours, then none on Tuesday: the next span starts Wednesday 9:00 (02:00 UTC).
    let wednesday = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 4, 2, 0, 0)
        .unwrap()
        .timestamp_millis();
    assert_eq!(config.openings[1][0], wednesday, "{:?}", config.openings);
}

//! Tasks people hand out: several recipients, retries, who may see and change what, status and
//! its log, overdue, bad input, and the popup's notice.

use chrono::Duration;
use frontdesk_core::*;

use crate::support::*;

fn new_task(title: &str, to: &[&str]) -> NewTask {
    NewTask {
        id: None,
        kind: TaskKind::Custom,
        title: title.into(),
        note: "Bring the X-ray file".into(),
        client_id: None,
        conversation_id: None,
        assignee_ids: to.iter().map(|s| s.to_string()).collect(),
        due_at: None,
        priority: Priority::High,
    }
}

fn tasks(r: Result<Response>) -> Vec<Task> {
    match r.unwrap() {
        Response::Tasks(t) => t,
        other => panic!("unexpected {other:?}"),
    }
}

fn task(r: Result<Response>) -> Task {
    match r.unwrap() {
        Response::Task(t) => *t,
        other => panic!("unexpected {other:?}"),
    }
}

fn list(f: &Fixture, who: &Principal, scope: TaskScope) -> Vec<Task> {
    tasks(f.clinic.handle(
        who,
        Request::TaskList {
            scope,
            include_closed: false,
            limit: None,
        },
    ))
}

fn count_tasks(f: &Fixture) -> i64 {
    f.raw_connection()
        .query_row("SELECT count(*) FROM tasks", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_task_for_several_people_makes_one_each_and_a_retry_makes_none() {
    let f = new_clinic();
    let (rec, rec_who) = f.staff_session("reception", Role::Receptionist);
    let (a, a_who) = f.staff_session("anna", Role::Clinician);
    let (b, _) = f.staff_session("bora", Role::Clinician);
    let events = f.clinic.subscribe();
    let mut req = new_task("Prepare the file", &[&a.id, &b.id]);
    req.id = Some(ulid::Ulid::new().to_string());
    let made = tasks(f.clinic.handle(&rec_who, Request::TaskCreate(req.clone())));
    assert_eq!(made.len(), 2);
    assert_eq!(made[0].assignee_id.as_deref(), Some(a.id.as_str()));
    assert_eq!(made[1].assignee_id.as_deref(), Some(b.id.as_str()));
    assert_eq!(made[0].created_by.as_deref(), Some(rec.id.as_str()));
    assert_eq!(made[0].reason, Reason::Manual);
    assert_eq!(made[0].priority, Priority::High);
    let popups: Vec<_> = events
        .try_iter()
        .filter_map(|e| match e {
            Event::TaskAssigned { assignee_id, .. } => Some(assignee_id),
            _ => None,
        })
        .collect();
    assert_eq!(
        popups,
        [a.id.clone(), b.id.clone()],
        "each recipient is told once"
    );
    // The same request again (a retry after a lost connection): nothing new.
    let again = tasks(f.clinic.handle(&rec_who, Request::TaskCreate(req)));
    assert_eq!(
        again.iter().map(|t| &t.id).collect::<Vec<_>>(),
        made.iter().map(|t| &t.id).collect::<Vec<_>>()
    );
    assert_eq!(count_tasks(&f), 2);
    // Anna sees hers, the receptionist sees both as their creator and on the board.
    let mine = list(&f, &a_who, TaskScope::Mine);
    assert_eq!(mine.len(), 1);
    assert_eq!(list(&f, &rec_who, TaskScope::Mine).len(), 2);
    assert_eq!(list(&f, &rec_who, TaskScope::Team).len(), 2);
    // The popup's notice holds a colleague's name and the kind, nothing about a client.
    let n = f.clinic.task_notice(&made[0].id).unwrap().unwrap();
    assert_eq!(n.kind, TaskKind::Custom);
    assert_eq!(n.from_name.as_deref(), Some("reception"));
    assert_eq!(n.assignee_id.as_deref(), Some(a.id.as_str()));
}

#[test]
fn status_changes_are_logged_with_who_processed_the_task() {
    let f = new_clinic();
    let (a, a_who) = f.staff_session("anna", Role::Clinician);
    let t = tasks(f.clinic.handle(
        &operator(),
        Request::TaskCreate(new_task("Call back", &[&a.id])),
    ))
    .remove(0);
    let t = task(f.clinic.handle(
        &a_who,
        Request::TaskSetStatus {
            id: t.id.clone(),
            status: TaskStatus::InProgress,
            note: None,
        },
    ));
    assert_eq!(t.status, TaskStatus::InProgress);
    let t = task(f.clinic.handle(
        &a_who,
        Request::TaskSetStatus {
            id: t.id.clone(),
            status: TaskStatus::Done,
            note: Some("Left a message".into()),
        },
    ));
    assert_eq!(t.status, TaskStatus::Done);
    assert_eq!(t.closed_by.as_deref(), Some(a.id.as_str()));
    assert!(t.closed_at.is_some());
    let t = task(
        f.clinic
            .handle(&a_who, Request::TaskGet { id: t.id.clone() }),
    );
    let actions: Vec<&str> = t.history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(actions, ["created", "assigned", "status", "status"]);
    assert_eq!(t.history[3].note.as_deref(), Some("Left a message"));
    assert_eq!(t.history[3].status, Some(TaskStatus::Done));
    // Closed tasks leave the open lists.
    assert!(list(&f, &a_who, TaskScope::Mine).is_empty());
}

#[test]
fn people_see_and_change_only_their_own_tasks_unless_they_manage_tasks() {
    let f = new_clinic();
    let (a, a_who) = f.staff_session("anna", Role::Clinician);
    let (b, b_who) = f.staff_session("bora", Role::Clinician);
    let (_, rec_who) = f.staff_session("reception", Role::Receptionist);
    let t = tasks(
        f.clinic
            .handle(&rec_who, Request::TaskCreate(new_task("Prepare", &[&a.id]))),
    )
    .remove(0);
    let err = f
        .clinic
        .handle(&b_who, Request::TaskGet { id: t.id.clone() })
        .unwrap_err();
    assert_eq!(err.code(), "validation.not_your_task");
    let err = f
        .clinic
        .handle(
            &b_who,
            Request::TaskSetStatus {
                id: t.id.clone(),
                status: TaskStatus::Done,
                note: None,
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "validation.not_your_task");
    // Bora may not take Anna's task for herself.
    let err = f
        .clinic
        .handle(
            &b_who,
            Request::TaskAssign {
                id: t.id.clone(),
                staff_id: Some(b.id.clone()),
                note: None,
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "validation.not_your_task");
    // Clinicians have no team board.
    let err = f
        .clinic
        .handle(
            &b_who,
            Request::TaskList {
                scope: TaskScope::Team,
                include_closed: false,
                limit: None,
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "access.forbidden");
    // Anna may hand her own task on, with a note; the log shows it.
    let handed = task(f.clinic.handle(
        &a_who,
        Request::TaskAssign {
            id: t.id.clone(),
            staff_id: Some(b.id.clone()),
            note: Some("I'm off this afternoon".into()),
        },
    ));
    assert_eq!(handed.assignee_id.as_deref(), Some(b.id.as_str()));
    let h = handed.history.last().unwrap();
    assert_eq!(
        (h.action.as_str(), h.from_id.as_deref(), h.to_id.as_deref()),
        ("reassigned", Some(a.id.as_str()), Some(b.id.as_str()))
    );
    // A receptionist hands anyone's task to anyone.
    let back = task(f.clinic.handle(
        &rec_who,
        Request::TaskAssign {
            id: t.id.clone(),
            staff_id: Some(a.id.clone()),
            note: None,
        },
    ));
    assert_eq!(back.assignee_id.as_deref(), Some(a.id.as_str()));
    // Everything refused above was audited as a failure.
    let failed = f
        .audit()
        .iter()
        .filter(|r| r.action.starts_with("task.") && r.outcome != "ok")
        .count();
    assert_eq!(failed, 4);
}

#[test]
fn bad_input_is_refused_by_field_and_changes_nothing() {
    let f = new_clinic();
    let (a, a_who) = f.staff_session("anna", Role::Receptionist);
    let (gone, _) = f.staff_session("gone", Role::Clinician);
    f.clinic
        .handle(
            &operator(),
            Request::StaffSetActive {
                id: gone.id.clone(),
                active: false,
            },
        )
        .unwrap();
    let cases: Vec<(NewTask, &str, &str)> = vec![
        (new_task("  ", &[&a.id]), "title", "validation.required"),
        (
            new_task(&"x".repeat(201), &[&a.id]),
            "title",
            "validation.too_long",
        ),
        (new_task("Call", &[]), "assignee_ids", "validation.required"),
        (
            new_task("Call", &["nobody"]),
            "assignee_ids",
            "validation.unknown_staff",
        ),
        (
            new_task("Call", &[&gone.id]),
            "assignee_ids",
            "validation.unknown_staff",
        ),
        (
            NewTask {
                due_at: Some("next tuesday".into()),
                ..new_task("Call", &[&a.id])
            },
            "due_at",
            "validation.date",
        ),
        (
            NewTask {
                kind: TaskKind::Chat,
                ..new_task("Call", &[&a.id])
            },
            "kind",
            "validation.task_kind",
        ),
        (
            NewTask {
                id: Some("not-a-ulid".into()),
                ..new_task("Call", &[&a.id])
            },
            "id",
            "validation.id",
        ),
    ];
    for (req, field, code) in cases {
        let err = f
            .clinic
            .handle(&a_who, Request::TaskCreate(req))
            .unwrap_err();
        assert_eq!(err.code(), code, "{field}");
        assert_eq!(err.body().field.as_deref(), Some(field));
    }
    let err = f
        .clinic
        .handle(
            &a_who,
            Request::TaskCreate(NewTask {
                client_id: Some("01J000000000000000000000ZZ".into()),
                ..new_task("Call", &[&a.id])
            }),
        )
        .unwrap_err();
    assert_eq!(err.code(), "record.not_found");
    assert_eq!(count_tasks(&f), 0);
    // A stale edit is refused as a conflict.
    let t = tasks(
        f.clinic
            .handle(&a_who, Request::TaskCreate(new_task("Call", &[&a.id]))),
    )
    .remove(0);
    let err = f
        .clinic
        .handle(
            &a_who,
            Request::TaskUpdate {
                id: t.id.clone(),
                expected_version: t.version - 1,
                fields: TaskFields {
                    title: "Changed".into(),
                    note: String::new(),
                    due_at: None,
                    priority: Priority::Low,
                },
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "record.conflict");
    let same = task(
        f.clinic
            .handle(&a_who, Request::TaskGet { id: t.id.clone() }),
    );
    assert_eq!(same.title, "Call");
}

#[test]
fn a_task_past_its_due_time_is_overdue_until_closed() {
    let f = new_clinic();
    let (a, a_who) = f.staff_session("anna", Role::Receptionist);
    use frontdesk_core::clock::Clock;
    let due = (f.clock.now() + Duration::hours(1)).to_rfc3339();
    let t = tasks(f.clinic.handle(
        &a_who,
        Request::TaskCreate(NewTask {
            due_at: Some(due),
            ..new_task("Call back", &[&a.id])
        }),
    ))
    .remove(0);
    assert!(!t.overdue);
    f.clock.advance(Duration::minutes(61));
    let a_who = {
        // The session idled out during the hour; log in again.
        let s = f
            .clinic
            .login(&LoginRequest {
                login: "anna".into(),
                password: Secret::new(STAFF_PASSWORD),
                totp_code: None,
                workstation: "desk-2".into(),
            })
            .unwrap();
        let _ = a_who;
        session(&s.token)
    };
    let mine = list(&f, &a_who, TaskScope::Mine);
    assert!(mine[0].overdue);
    let t = task(f.clinic.handle(
        &a_who,
        Request::TaskSetStatus {
            id: t.id.clone(),
            status: TaskStatus::Done,
            note: None,
        },
    ));
    assert!(!t.overdue);
}

#[test]
fn mute_choices_are_each_persons_own() {
    let f = new_clinic();
    let (_, a_who) = f.staff_session("anna", Role::Clinician);
    let (b, b_who) = f.staff_session("bora", Role::Clinician);
    let p = Prefs {
        ui_language: None,
        mute_popups: true,
        mute_sounds: false,
    };
    match f
        .clinic
        .handle(&a_who, Request::PrefsUpdate(p.clone()))
        .unwrap()
    {
        Response::Prefs(got) => assert_eq!(got, p),
        other => panic!("unexpected {other:?}"),
    }
    match f.clinic.handle(&b_who, Request::PrefsGet).unwrap() {
        Response::Prefs(got) => assert!(!got.mute_popups && !got.mute_sounds),
        other => panic!("unexpected {other:?}"),
    }
    // Muting hides the popup, never the task.
    let t = tasks(f.clinic.handle(
        &b_who,
        Request::TaskCreate(new_task("For Anna", &[&f.staff_id("anna")])),
    ))
    .remove(0);
    let n = f.clinic.task_notice(&t.id).unwrap().unwrap();
    assert!(f.clinic.popups_muted(&f.staff_id("anna")).unwrap());
    assert_eq!(n.from_name.as_deref(), Some(b.fields.display_name.as_str()));
}

#[test]
fn each_person_keeps_their_own_ui_language_and_an_unknown_one_changes_nothing() {
    let f = new_clinic();
    let (_, a_who) = f.staff_session("anna", Role::Clinician);
    let (_, b_who) = f.staff_session("bora", Role::Receptionist);
    let khmer = Prefs {
        mute_popups: false,
        mute_sounds: false,
        ui_language: Some("km".into()),
    };
    let Response::Prefs(got) = f
        .clinic
        .handle(&a_who, Request::PrefsUpdate(khmer.clone()))
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(got, khmer);
    let err = f
        .clinic
        .handle(
            &a_who,
            Request::PrefsUpdate(Prefs {
                ui_language: Some("fr".into()),
                mute_sounds: true,
                ..khmer.clone()
            }),
        )
        .unwrap_err();
    assert_eq!(err.code(), "validation.language");
    let Response::Prefs(mine) = f.clinic.handle(&a_who, Request::PrefsGet).unwrap() else {
        panic!()
    };
    assert_eq!(mine, khmer, "the refused change changed nothing");
    let Response::Prefs(theirs) = f.clinic.handle(&b_who, Request::PrefsGet).unwrap() else {
        panic!()
    };
    assert_eq!(theirs.ui_language, None, "a colleague keeps their own");
}

#[test]
fn the_demo_clinic_hands_out_tasks_some_of_them_overdue() {
    let f = new_clinic();
    let Response::Demo(summary) = f
        .clinic
        .handle(
            &operator(),
            Request::DemoGenerate(DemoSpec {
                clients: 40,
                seed: Some(7),
                staff_password: Secret::new(STAFF_PASSWORD),
                appointment_days: None,
                history: None,
            }),
        )
        .unwrap()
    else {
        panic!("expected a demo summary")
    };
    assert_eq!(summary.tasks, 24);
    let all = list(&f, &operator(), TaskScope::Team);
    assert_eq!(all.len(), 24);
    assert!(all
        .iter()
        .all(|t| t.assignee_id.is_some() && t.client_id.is_some()));
    let overdue = all.iter().filter(|t| t.overdue).count();
    assert!(overdue > 0 && overdue < 24, "{overdue} overdue");
}

//! Appointments through the one door: the state machine cell by cell, conflicts (the cancelled
//! case included), bad times, series across DST and month ends, the waiting list, next free
//! slot, and reminders only with consent. The clinic's clock starts on Monday 2 March 2026,
//! 09:00 in Phnom Penh.

use chrono::{Duration, NaiveDate, NaiveDateTime, Weekday};
use frontdesk_core::*;

use crate::support::*;

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, min, 0)
        .unwrap()
}

struct Desk {
    f: Fixture,
    /// A manager (may correct statuses) and a receptionist (may not).
    manager: Principal,
    reception: Principal,
    provider: String,
    other_provider: String,
    service: Service,
    client: String,
    other_client: String,
}

fn saved(r: Response) -> AppointmentSaved {
    match r {
        Response::AppointmentSaved(s) => s,
        other => panic!("unexpected {other:?}"),
    }
}

/// The clinic's zone, with sessions that outlast the hours these tests move the clock.
fn settings(f: &Fixture, zone: &str) {
    ok(
        f,
        &operator(),
        Request::ClinicUpdate(ClinicSettings {
            name: "Sunrise Clinic".into(),
            time_zone: zone.into(),
            phone_region: "KH".into(),
            idle_timeout_minutes: 240,
        }),
    );
}

fn desk() -> Desk {
    let f = new_clinic();
    settings(&f, "Asia/Phnom_Penh");
    let (_, manager) = f.staff_session("mgr", Role::Manager);
    let (_, reception) = f.staff_session("rec", Role::Receptionist);
    let (a, _) = f.staff_session("dr-a", Role::Clinician);
    let (b, _) = f.staff_session("dr-b", Role::Clinician);
    let Response::Service(service) = ok(
        &f,
        &manager,
        Request::ServiceSave {
            id: None,
            expected_version: None,
            fields: ServiceFields {
                name: "Check-up".into(),
                duration_minutes: 30,
                buffer_minutes: 10,
                price_minor: Some(2500),
                colour: "#3A7BD5".into(),
                provider_ids: vec![a.id.clone(), b.id.clone()],
                active: true,
            },
        },
    ) else {
        panic!()
    };
    let first = f.add_client(&reception, client("Sokha Chan")).client.id;
    let other_client = f.add_client(&reception, client("Nguyen Van An")).client.id;
    Desk {
        f,
        manager,
        reception,
        provider: a.id,
        other_provider: b.id,
        service,
        client: first,
        other_client,
    }
}

impl Desk {
    fn booking(&self, start: NaiveDateTime) -> Booking {
        Booking {
            id: None,
            client_id: self.client.clone(),
            service_id: self.service.id.clone(),
            provider_id: self.provider.clone(),
            room_id: None,
            start,
            duration_minutes: None,
            end: None,
            note: String::new(),
            conversation_id: None,
            recurrence: None,
            override_reason: None,
            allow_past: false,
        }
    }

    fn book(&self, b: Booking) -> Result<AppointmentSaved> {
        self.f
            .clinic
            .handle(&self.reception, Request::AppointmentBook(b))
            .map(saved)
    }

    fn check(&self, b: Booking) -> Vec<Conflict> {
        match ok(&self.f, &self.reception, Request::AppointmentCheck(b)) {
            Response::Conflicts(c) => c,
            other => panic!("unexpected {other:?}"),
        }
    }

    fn get(&self, id: &str) -> Appointment {
        match ok(
            &self.f,
            &self.reception,
            Request::AppointmentGet { id: id.into() },
        ) {
            Response::Appointment(a) => *a,
            other => panic!("unexpected {other:?}"),
        }
    }

    fn status(&self, who: &Principal, id: &str, to: AppointmentStatus) -> Result<AppointmentSaved> {
        let v = self.get(id).version;
        self.f
            .clinic
            .handle(
                who,
                Request::AppointmentSetStatus {
                    id: id.into(),
                    expected_version: v,
                    status: to,
                    scope: Scope::This,
                    note: None,
                },
            )
            .map(saved)
    }

    fn revert(&self, who: &Principal, id: &str, to: AppointmentStatus) -> Result<AppointmentSaved> {
        let v = self.get(id).version;
        self.f
            .clinic
            .handle(
                who,
                Request::AppointmentRevert {
                    id: id.into(),
                    expected_version: v,
                    status: to,
                    note: "entered on the wrong visit".into(),
                },
            )
            .map(saved)
    }

    fn count(&self) -> i64 {
        self.f
            .raw_connection()
            .query_row("SELECT count(*) FROM appointments", [], |r| r.get(0))
            .unwrap()
    }

    fn tz(&self, zone: &str) {
        settings(&self.f, zone);
    }
}

use AppointmentStatus::*;

/// The rules, written out by hand from the issue rather than taken from the code under test.
fn expected(from: AppointmentStatus, to: AppointmentStatus) -> &'static str {
    let forward = [
        (Booked, Confirmed),
        (Booked, Arrived),
        (Confirmed, Arrived),
        (Arrived, InRoom),
        (InRoom, Done),
        (Booked, CancelledClient),
        (Booked, CancelledClinic),
        (Booked, LateCancel),
        (Booked, NoShow),
        (Confirmed, CancelledClient),
        (Confirmed, CancelledClinic),
        (Confirmed, LateCancel),
        (Confirmed, NoShow),
    ];
    let path = [Booked, Confirmed, Arrived, InRoom, Done];
    let off = [CancelledClient, CancelledClinic, LateCancel, NoShow];
    let pos = |s| path.iter().position(|x| *x == s);
    if forward.contains(&(from, to)) {
        return "forward";
    }
    let backward = match (pos(from), pos(to)) {
        (Some(a), Some(b)) => b < a,
        (None, Some(b)) => b <= 2, // back to booked, confirmed or arrived
        (None, None) => from != to && off.contains(&to), // another kind of cancellation
        (Some(_), None) => false,
    };
    if backward {
        "backward"
    } else {
        "refused"
    }
}

/// A fresh appointment in the past (so every status is reachable), driven to `s`.
fn appointment_at(d: &Desk, k: i64, s: AppointmentStatus) -> String {
    let start = at(2026, 3, 2, 9, 0) - Duration::minutes(30 * (k + 1));
    let mut b = d.booking(start);
    b.duration_minutes = Some(20);
    b.allow_past = true;
    b.override_reason = Some("entering past visits".into());
    let id = d.book(b).unwrap().appointments[0].id.clone();
    let path: Vec<AppointmentStatus> = match s {
        Booked => vec![],
        Arrived => vec![Arrived],
        InRoom => vec![Arrived, InRoom],
        Done => vec![Arrived, InRoom, Done],
        other => vec![other],
    };
    for step in path {
        d.status(&d.reception, &id, step).unwrap();
    }
    assert_eq!(d.get(&id).status, s);
    id
}

#[test]
fn every_status_change_is_allowed_corrected_or_refused_as_the_rules_say() {
    let d = desk();
    let mut k = 0;
    let mut seen = std::collections::HashMap::new();
    for from in AppointmentStatus::ALL {
        for to in AppointmentStatus::ALL {
            let id = appointment_at(&d, k, from);
            k += 1;
            let want = expected(from, to);
            *seen.entry(want).or_insert(0) += 1;
            let set = d.status(&d.reception, &id, to);
            match want {
                "forward" => {
                    let a = &set
                        .unwrap_or_else(|e| panic!("{from:?}→{to:?}: {e}"))
                        .appointments[0];
                    assert_eq!(a.status, to);
                    let h = a
                        .history
                        .last()
                        .cloned()
                        .unwrap_or_else(|| d.get(&id).history.last().cloned().unwrap());
                    assert_eq!((h.from_status, h.to_status), (Some(from), Some(to)));
                }
                "backward" => {
                    assert_eq!(
                        set.unwrap_err().code(),
                        "appointment.backwards",
                        "{from:?}→{to:?}"
                    );
                    // A receptionist may not correct; a manager may, with a reason.
                    let e = d.revert(&d.reception, &id, to).unwrap_err();
                    assert_eq!(e.code(), "access.forbidden");
                    let a = &d.revert(&d.manager, &id, to).unwrap().appointments[0];
                    assert_eq!(a.status, to, "{from:?}→{to:?}");
                    let h = d.get(&id).history.pop().unwrap();
                    assert_eq!(h.note.as_deref(), Some("entered on the wrong visit"));
                }
                _ => {
                    assert_eq!(
                        set.unwrap_err().code(),
                        "appointment.bad_transition",
                        "{from:?}→{to:?}"
                    );
                    let e = d.revert(&d.manager, &id, to).unwrap_err();
                    assert_eq!(e.code(), "appointment.bad_transition", "{from:?}→{to:?}");
                    assert_eq!(d.get(&id).status, from, "a refusal changes nothing");
                }
            }
        }
    }
    assert_eq!(seen["forward"], 13);
    assert_eq!(seen["backward"], 34);
    assert_eq!(seen["refused"], 34);
}

#[test]
fn arrival_seating_and_completion_are_stamped_and_give_the_wait() {
    let d = desk();
    let id = d
        .book(d.booking(at(2026, 3, 2, 10, 0)))
        .unwrap()
        .appointments[0]
        .id
        .clone();
    d.f.clock.advance(Duration::minutes(55));
    d.status(&d.reception, &id, Arrived).unwrap();
    d.f.clock.advance(Duration::minutes(12));
    d.status(&d.reception, &id, InRoom).unwrap();
    d.f.clock.advance(Duration::minutes(25));
    let a = &d.status(&d.reception, &id, Done).unwrap().appointments[0];
    assert_eq!(a.wait_minutes, Some(12));
    assert!(a.arrived_at.is_some() && a.seated_at.is_some() && a.done_at.is_some());
    // Undoing "done" clears its stamp and keeps the earlier ones.
    let a = &d.revert(&d.manager, &id, InRoom).unwrap().appointments[0];
    assert_eq!(a.done_at, None);
    assert_eq!(a.wait_minutes, Some(12));
    let actions: Vec<String> = d
        .get(&id)
        .history
        .iter()
        .map(|h| h.action.clone())
        .collect();
    assert_eq!(actions, ["booked", "status", "status", "status", "status"]);
}

#[test]
fn conflicts_are_found_warned_and_overridden_only_with_a_reason() {
    let d = desk();
    let ten = at(2026, 3, 3, 10, 0);
    let first = d.book(d.booking(ten)).unwrap().appointments[0].clone();
    assert_eq!(first.start_local, "2026-03-03T10:00");
    assert_eq!(first.end_local, "2026-03-03T10:30");

    // The same provider at 10:35 is inside the 10-minute buffer.
    let mut b = d.booking(at(2026, 3, 3, 10, 35));
    b.client_id = d.other_client.clone();
    let c = d.check(b.clone());
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].kind, ConflictKind::Provider);
    assert_eq!(c[0].other_id.as_deref(), Some(first.id.as_str()));
    let before = d.count();
    let e = d.book(b.clone()).unwrap_err();
    assert_eq!(e.code(), "appointment.conflict");
    assert_eq!(d.count(), before, "a warned booking writes nothing");
    // At 10:40 the buffer is over.
    let mut free = b.clone();
    free.start = at(2026, 3, 3, 10, 40);
    assert!(d.check(free).is_empty());

    // The same client with another provider at the same time.
    let mut same_client = d.booking(ten);
    same_client.provider_id = d.other_provider.clone();
    let kinds: Vec<ConflictKind> = d.check(same_client).iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [ConflictKind::Client]);

    // Outside working hours (07:00), on a closed day, and a provider who does not offer it.
    let kinds = |b: Booking| d.check(b).iter().map(|c| c.kind).collect::<Vec<_>>();
    let mut early = d.booking(at(2026, 3, 4, 7, 0));
    early.client_id = d.other_client.clone();
    assert_eq!(kinds(early), [ConflictKind::OutsideHours]);
    ok(
        &d.f,
        &d.manager,
        Request::ScheduleExceptionAdd(NewException {
            staff_id: None,
            date: NaiveDate::from_ymd_opt(2026, 3, 5).unwrap(),
            kind: ExceptionKind::Off,
            start: None,
            end: None,
            note: "Public holiday".into(),
        }),
    );
    assert_eq!(
        kinds(d.booking(at(2026, 3, 5, 10, 0))),
        [ConflictKind::ClinicClosed]
    );
    let (nurse, _) = d.f.staff_session("nurse", Role::Clinician);
    let mut not_offered = d.booking(at(2026, 3, 4, 10, 0));
    not_offered.provider_id = nurse.id;
    assert_eq!(kinds(not_offered), [ConflictKind::NotOffered]);

    // The override: booked, with the reason in the history and the audit log.
    let mut forced = b;
    forced.override_reason = Some("Dr A agreed to squeeze them in".into());
    let s = d.book(forced).unwrap();
    assert_eq!(s.overridden.len(), 1);
    let h = &d.get(&s.appointments[0].id).history[0];
    assert_eq!(
        h.override_reason.as_deref(),
        Some("Dr A agreed to squeeze them in")
    );
    let rec =
        d.f.audit()
            .into_iter()
            .find(|r| r.action == "appointment.book")
            .unwrap();
    let detail = rec.detail.unwrap();
    assert!(detail.contains("override=provider"), "{detail}");
    // The words stay in the history (erasable); the append-only log proves them by hash.
    use sha2::Digest;
    let hash = hex::encode(sha2::Sha256::digest(b"Dr A agreed to squeeze them in"));
    assert!(
        detail.contains(&format!("reason_sha256={hash}")),
        "{detail}"
    );
    assert!(!detail.contains("squeeze"), "{detail}");
}

#[test]
fn a_cancelled_appointment_never_causes_a_conflict() {
    let d = desk();
    let ten = at(2026, 3, 3, 10, 0);
    let id = d.book(d.booking(ten)).unwrap().appointments[0].id.clone();
    let mut other = d.booking(ten);
    other.client_id = d.other_client.clone();
    assert_eq!(d.check(other.clone()).len(), 1);
    for (i, how) in [CancelledClient, CancelledClinic, LateCancel]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            d.revert(&d.manager, &id, Booked).unwrap();
            assert_eq!(
                d.check(other.clone()).len(),
                1,
                "back on the calendar, it holds the time"
            );
        }
        d.status(&d.reception, &id, how).unwrap();
        assert!(
            d.check(other.clone()).is_empty(),
            "{how:?} still blocks the slot"
        );
        // Nor does it count against the same client, nor hide in the room's calendar.
        assert!(d.check(d.booking(ten)).is_empty());
    }
    d.book(other).unwrap();
    // Undoing the cancellation now would double-book: refused, nothing changes.
    let e = d.revert(&d.manager, &id, Booked).unwrap_err();
    assert_eq!(e.code(), "appointment.conflict");
    assert_eq!(d.get(&id).status, LateCancel);
}

#[test]
fn two_desks_booking_one_slot_at_once_one_wins_and_the_other_is_warned() {
    let d = desk();
    let (_, second) = d.f.staff_session("rec2", Role::Receptionist);
    let ten = at(2026, 3, 3, 10, 0);
    let mut a = d.booking(ten);
    let mut b = d.booking(ten);
    b.client_id = d.other_client.clone();
    a.note = "desk one".into();
    let results: Vec<Result<AppointmentSaved>> = std::thread::scope(|s| {
        let h1 = s.spawn(|| {
            d.f.clinic
                .handle(&d.reception, Request::AppointmentBook(a))
                .map(saved)
        });
        let h2 = s.spawn(|| {
            d.f.clinic
                .handle(&second, Request::AppointmentBook(b))
                .map(saved)
        });
        vec![h1.join().unwrap(), h2.join().unwrap()]
    });
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1);
    let loser = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert_eq!(loser.code(), "appointment.conflict");
    assert_eq!(d.count(), 1);
}

#[test]
fn bad_times_get_clear_errors_and_change_nothing() {
    let d = desk();
    let before = d.count();
    let mut b = d.booking(at(2026, 3, 3, 10, 0));
    b.end = Some(at(2026, 3, 3, 9, 30));
    assert_eq!(
        d.book(b).unwrap_err().code(),
        "appointment.end_before_start"
    );
    let mut b = d.booking(at(2026, 3, 3, 10, 0));
    b.duration_minutes = Some(0);
    assert_eq!(d.book(b).unwrap_err().code(), "validation.duration");
    let mut b = d.booking(at(2026, 3, 3, 10, 0));
    b.duration_minutes = Some(-15);
    assert_eq!(d.book(b).unwrap_err().code(), "validation.duration");
    // In the past: refused unless the receptionist records an earlier visit on purpose.
    let past = d.booking(at(2026, 3, 2, 8, 0));
    let e = d.book(past.clone()).unwrap_err();
    assert_eq!(e.code(), "appointment.in_past");
    assert_eq!(d.count(), before);
    let mut on_purpose = past;
    on_purpose.allow_past = true;
    on_purpose.override_reason = Some("recording this morning's visit".into());
    d.book(on_purpose).unwrap();
    // A time the clocks skip on a DST day.
    d.tz("Europe/Berlin");
    let e = d.book(d.booking(at(2026, 3, 29, 2, 30))).unwrap_err();
    assert_eq!(e.code(), "appointment.no_such_time");
    assert_eq!(e.body().field.as_deref(), Some("start"));
    assert_eq!(d.count(), before + 1);
}

#[test]
fn a_weekly_series_keeps_its_wall_clock_time_across_dst_and_month_ends() {
    let d = desk();
    d.tz("Europe/Berlin");
    // Thursdays 10:00 from 19 March 2026, six times: DST starts on 29 March, and the series
    // runs from March into April.
    let mut b = d.booking(at(2026, 3, 19, 10, 0));
    b.recurrence = Some(Rule {
        every: 1,
        unit: Unit::Week,
        weekdays: vec![Weekday::Thu],
        until: None,
        count: Some(6),
    });
    let s = d.book(b).unwrap();
    let locals: Vec<&str> = s
        .appointments
        .iter()
        .map(|a| a.start_local.as_str())
        .collect();
    assert_eq!(
        locals,
        [
            "2026-03-19T10:00",
            "2026-03-26T10:00",
            "2026-04-02T10:00",
            "2026-04-09T10:00",
            "2026-04-16T10:00",
            "2026-04-23T10:00"
        ]
    );
    // Winter time is UTC+1, summer time UTC+2.
    assert!(s.appointments[1]
        .starts_at
        .starts_with("2026-03-26T09:00:00"));
    assert!(s.appointments[2]
        .starts_at
        .starts_with("2026-04-02T08:00:00"));
    let series = s.appointments[0].series_id.clone().unwrap();
    assert!(s
        .appointments
        .iter()
        .all(|a| a.series_id.as_deref() == Some(&series)));
    let ids: Vec<String> = s.appointments.iter().map(|a| a.id.clone()).collect();

    let mv = |id: &str, start: NaiveDateTime, scope: Scope| {
        let v = d.get(id).version;
        d.f.clinic.handle(
            &d.reception,
            Request::AppointmentMove(Move {
                id: id.into(),
                expected_version: v,
                start,
                duration_minutes: None,
                end: None,
                provider_id: None,
                room_id: None,
                scope,
                override_reason: None,
                allow_past: false,
            }),
        )
    };
    // This one only: the 2nd moves to 11:00 and is detached.
    mv(&ids[1], at(2026, 3, 26, 11, 0), Scope::This).unwrap();
    assert!(d.get(&ids[1]).detached);
    assert_eq!(d.get(&ids[2]).start_local, "2026-04-02T10:00");
    // This and following from the 4th: to Fridays at 09:00.
    let s = saved(mv(&ids[3], at(2026, 4, 10, 9, 0), Scope::ThisAndFollowing).unwrap());
    let locals: Vec<&str> = s
        .appointments
        .iter()
        .map(|a| a.start_local.as_str())
        .collect();
    assert_eq!(
        locals,
        ["2026-04-10T09:00", "2026-04-17T09:00", "2026-04-24T09:00"]
    );
    let new_series = s.appointments[0].series_id.clone().unwrap();
    assert_ne!(new_series, series);
    // All of the old series: the 1st and 3rd move to 10:30; the detached 2nd stays at 11:00.
    let s = saved(mv(&ids[0], at(2026, 3, 19, 10, 30), Scope::All).unwrap());
    let locals: Vec<&str> = s
        .appointments
        .iter()
        .map(|a| a.start_local.as_str())
        .collect();
    assert_eq!(locals, ["2026-03-19T10:30", "2026-04-02T10:30"]);
    assert_eq!(d.get(&ids[1]).start_local, "2026-03-26T11:00");
    assert_eq!(d.get(&ids[4]).start_local, "2026-04-17T09:00");
    // Cancelling the new series' first and following cancels all three.
    let v = d.get(&ids[3]).version;
    let s = saved(ok(
        &d.f,
        &d.reception,
        Request::AppointmentSetStatus {
            id: ids[3].clone(),
            expected_version: v,
            status: CancelledClinic,
            scope: Scope::ThisAndFollowing,
            note: None,
        },
    ));
    assert_eq!(s.appointments.len(), 3);
    assert!(s.appointments.iter().all(|a| a.status == CancelledClinic));
    assert_eq!(d.get(&ids[2]).status, Booked);
    // Series and exceptions are rows, not a blob.
    let conn = d.f.raw_connection();
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM series", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 2);
}

#[test]
fn a_daily_series_over_a_month_end_and_a_series_into_a_skipped_hour_is_refused() {
    let d = desk();
    d.tz("Europe/Berlin");
    let mut b = d.booking(at(2026, 1, 30, 10, 0));
    b.allow_past = true;
    b.override_reason = Some("back-entering".into());
    b.recurrence = Some(Rule {
        every: 2,
        unit: Unit::Day,
        weekdays: vec![],
        until: Some(NaiveDate::from_ymd_opt(2026, 2, 5).unwrap()),
        count: None,
    });
    let s = d.book(b).unwrap();
    let days: Vec<&str> = s
        .appointments
        .iter()
        .map(|a| &a.start_local[..10])
        .collect();
    assert_eq!(
        days,
        ["2026-01-30", "2026-02-01", "2026-02-03", "2026-02-05"]
    );
    // A weekly 02:30 series that reaches 29 March, when 02:30 does not exist.
    let before = d.count();
    let mut b = d.booking(at(2026, 3, 15, 2, 30));
    b.override_reason = Some("night clinic".into());
    b.recurrence = Some(Rule {
        every: 1,
        unit: Unit::Week,
        weekdays: vec![],
        until: None,
        count: Some(3),
    });
    assert_eq!(d.book(b).unwrap_err().code(), "appointment.no_such_time");
    assert_eq!(d.count(), before);
}

#[test]
fn a_freed_slot_is_offered_to_the_matching_waiting_clients() {
    let d = desk();
    let waiting = |weekdays: Vec<Weekday>, provider: Option<String>| -> WaitlistEntry {
        let c =
            d.f.add_client(&d.reception, client("Waiting Person"))
                .client
                .id;
        match ok(
            &d.f,
            &d.reception,
            Request::WaitlistAdd(NewWaitlistEntry {
                client_id: c,
                service_id: d.service.id.clone(),
                provider_id: provider,
                weekdays,
                from_time: chrono::NaiveTime::from_hms_opt(9, 0, 0),
                to_time: chrono::NaiveTime::from_hms_opt(12, 0, 0),
                note: String::new(),
            }),
        ) {
            Response::WaitlistEntry(e) => e,
            other => panic!("{other:?}"),
        }
    };
    let tuesday_mornings = waiting(vec![Weekday::Tue], None);
    let wednesdays = waiting(vec![Weekday::Wed], None);
    let other_doctor = waiting(vec![], Some(d.other_provider.clone()));
    // Tuesday 3 March, 10:00 with provider A, then cancelled.
    let id = d
        .book(d.booking(at(2026, 3, 3, 10, 0)))
        .unwrap()
        .appointments[0]
        .id
        .clone();
    let s = d.status(&d.reception, &id, CancelledClient).unwrap();
    let offered: Vec<&str> = s.offers.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(offered, [tuesday_mornings.id.as_str()]);
    assert!(!offered.contains(&wednesdays.id.as_str()));
    assert!(!offered.contains(&other_doctor.id.as_str()));
    // Booking the offered client takes them off the list.
    let mut b = d.booking(at(2026, 3, 3, 10, 0));
    b.client_id = tuesday_mornings.client_id.clone();
    d.book(b).unwrap();
    let Response::Waitlist(list) = ok(&d.f, &d.reception, Request::WaitlistList) else {
        panic!()
    };
    let left: Vec<&str> = list.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(left, [wednesdays.id.as_str(), other_doctor.id.as_str()]);
}

#[test]
fn next_free_slot_skips_bookings_buffers_breaks_and_leave() {
    let d = desk();
    let next = |provider: Option<&str>, after: NaiveDateTime| -> FreeSlot {
        match ok(
            &d.f,
            &d.reception,
            Request::AppointmentNextFree {
                service_id: d.service.id.clone(),
                provider_id: provider.map(str::to_owned),
                after: Some(after),
            },
        ) {
            Response::FreeSlot(Some(s)) => s,
            other => panic!("{other:?}"),
        }
    };
    let a = Some(d.provider.as_str());
    // Tuesday 09:00 is free.
    assert_eq!(next(a, at(2026, 3, 3, 9, 0)).start, at(2026, 3, 3, 9, 0));
    d.book(d.booking(at(2026, 3, 3, 9, 0))).unwrap();
    // 09:00–09:30 plus a 10-minute buffer: 09:40.
    assert_eq!(next(a, at(2026, 3, 3, 9, 0)).start, at(2026, 3, 3, 9, 40));
    // From 16:45 nothing fits before 17:00: Wednesday 09:00.
    assert_eq!(next(a, at(2026, 3, 3, 16, 45)).start, at(2026, 3, 4, 9, 0));
    // Provider A is on leave on Wednesday; any provider finds B at 09:00 on Tuesday.
    ok(
        &d.f,
        &d.manager,
        Request::ScheduleExceptionAdd(NewException {
            staff_id: Some(d.provider.clone()),
            date: NaiveDate::from_ymd_opt(2026, 3, 4).unwrap(),
            kind: ExceptionKind::Off,
            start: None,
            end: None,
            note: "Leave".into(),
        }),
    );
    assert_eq!(next(a, at(2026, 3, 3, 16, 45)).start, at(2026, 3, 5, 9, 0));
    let any = next(None, at(2026, 3, 3, 9, 0));
    assert_eq!(
        (any.provider_id.as_str(), any.start),
        (d.other_provider.as_str(), at(2026, 3, 3, 9, 0))
    );
    // A slot found is a slot without warnings.
    let mut b = d.booking(next(a, at(2026, 3, 3, 9, 0)).start);
    b.client_id = d.other_client.clone();
    assert!(d.check(b).is_empty());
}

#[test]
fn the_calendar_shows_the_days_appointments_hours_and_closed_days() {
    let d = desk();
    d.book(d.booking(at(2026, 3, 3, 10, 0))).unwrap();
    let id = d
        .book({
            let mut b = d.booking(at(2026, 3, 3, 11, 0));
            b.provider_id = d.other_provider.clone();
            b.client_id = d.other_client.clone();
            b
        })
        .unwrap()
        .appointments[0]
        .id
        .clone();
    d.status(&d.reception, &id, CancelledClient).unwrap();
    ok(
        &d.f,
        &d.manager,
        Request::ScheduleExceptionAdd(NewException {
            staff_id: None,
            date: NaiveDate::from_ymd_opt(2026, 3, 4).unwrap(),
            kind: ExceptionKind::Off,
            start: None,
            end: None,
            note: "Closed".into(),
        }),
    );
    let cal = |cancelled| match ok(
        &d.f,
        &d.reception,
        Request::AppointmentCalendar {
            from: NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
            days: 2,
            provider_ids: vec![],
            include_cancelled: cancelled,
        },
    ) {
        Response::Calendar(c) => c,
        other => panic!("{other:?}"),
    };
    let c = cal(false);
    assert_eq!(c.providers.len(), 2);
    assert_eq!(c.appointments.len(), 1);
    assert_eq!(c.appointments[0].client_name, "Sokha Chan");
    assert_eq!(cal(true).appointments.len(), 2);
    assert_eq!(c.closed.len(), 1);
    assert_eq!(c.closed[0].note, "Closed");
    let tuesday: Vec<(&str, &str)> = c
        .hours
        .iter()
        .filter(|h| h.provider_id == d.provider)
        .map(|h| (h.from.as_str(), h.to.as_str()))
        .collect();
    assert_eq!(tuesday, [("09:00", "17:00")]);
    // The client's card lists their own appointment only (the cancelled one is the other client's).
    let Response::Appointments(list) = ok(
        &d.f,
        &d.reception,
        Request::ClientAppointments {
            client_id: d.client.clone(),
        },
    ) else {
        panic!()
    };
    assert_eq!(list.len(), 1);
}

#[test]
fn no_shows_are_proposed_never_set() {
    let d = desk();
    let id = d
        .book(d.booking(at(2026, 3, 2, 10, 0)))
        .unwrap()
        .appointments[0]
        .id
        .clone();
    let proposed = |d: &Desk| match ok(&d.f, &d.reception, Request::AppointmentNoShows) {
        Response::Appointments(l) => l.into_iter().map(|a| a.id).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    d.f.clock.advance(Duration::minutes(70)); // 10:10: within the 15-minute grace
    assert!(proposed(&d).is_empty());
    d.f.clock.advance(Duration::minutes(10));
    assert_eq!(proposed(&d), [id.clone()]);
    d.f.clinic.reminders_tick().unwrap();
    assert_eq!(
        d.get(&id).status,
        Booked,
        "nothing marks a no-show on its own"
    );
    d.status(&d.reception, &id, NoShow).unwrap();
    assert!(proposed(&d).is_empty());
}

fn consent(d: &Desk, client: &str, purpose: Purpose, given: bool) {
    ok(
        &d.f,
        &d.reception,
        Request::ConsentSet {
            text_shown: None,
            client_id: client.into(),
            purpose,
            given,
            method: ConsentMethod::InPerson,
        },
    );
}

fn outbox(d: &Desk) -> Vec<(String, String, String)> {
    let conn = d.f.raw_connection();
    let mut st = conn
        .prepare("SELECT id, kind, payload FROM outbox ORDER BY seq")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn reminders_go_out_only_on_consented_channels_in_the_clients_language() {
    let d = desk();
    let phone_client = |name: &str, lang: &str, email: &str| {
        let mut c = client(name);
        c.phones = vec!["012 345 678".into()];
        c.email = Some(email.into());
        c.preferred_language = Some(lang.into());
        d.f.add_client(&d.reception, c).client.id
    };
    let yes = phone_client("Consented Person", "km", "yes@example.com");
    let no = phone_client("Silent Person", "en", "no@example.com");
    let withdrew = phone_client("Changed Mind", "en", "withdrew@example.com");
    consent(&d, &yes, Purpose::ReminderSms, true);
    consent(&d, &withdrew, Purpose::ReminderSms, true);
    consent(&d, &withdrew, Purpose::ReminderSms, false);
    // An SMS gateway and an SMTP server are set up; email consent is given by nobody.
    use_test_sms_gateway(&d.f);
    let Response::ReminderSettings(rs) = ok(&d.f, &d.manager, Request::ReminderSettingsGet) else {
        panic!()
    };
    assert!(!rs.enabled);
    let khmer = "{clinic}: ការណាត់ជួបរបស់អ្នកនៅ{date} ម៉ោង {time}";
    ok(
        &d.f,
        &d.manager,
        Request::ReminderSettingsUpdate(ReminderSettingsInput {
            enabled: true,
            hours_before: 48,
            sms: true,
            email: true,
            smtp: Some(SmtpServer {
                host: "127.0.0.1".into(),
                port: 2525,
                security: SmtpSecurity::None,
                from: "Sunrise Clinic <desk@sunrise.example>".into(),
                username: None,
            }),
            smtp_password: None,
            late_cancel_hours: 24,
            no_show_after_minutes: 15,
            templates: vec![ReminderTemplate {
                language: "km".into(),
                channel: Channel::Sms,
                subject: String::new(),
                body: khmer.into(),
            }],
        }),
    );
    for (i, c) in [&yes, &no, &withdrew].into_iter().enumerate() {
        let mut b = d.booking(at(2026, 3, 3, 10 + i as u32, 0));
        b.client_id = c.clone();
        d.book(b).unwrap();
    }
    // A visit three days away is not due yet (48 hours before).
    let mut later = d.booking(at(2026, 3, 5, 10, 0));
    later.client_id = yes.clone();
    let later = d.book(later).unwrap().appointments[0].id.clone();
    assert_eq!(d.f.clinic.reminders_tick().unwrap(), 3);
    let out = outbox(&d);
    assert_eq!(out.len(), 1, "{out:?}");
    let (_, kind, payload) = &out[0];
    assert_eq!(kind, "sms");
    let sms: serde_json::Value = serde_json::from_str(payload).unwrap();
    assert_eq!(sms["to"], "+85512345678");
    assert_eq!(
        sms["text"],
        "Sunrise Clinic: ការណាត់ជួបរបស់អ្នកនៅថ្ងៃអង្គារ ទី3 ខែមីនា ម៉ោង 10:00"
    );
    // Once only.
    assert_eq!(d.f.clinic.reminders_tick().unwrap(), 0);
    let Response::Appointments(list) = ok(
        &d.f,
        &d.reception,
        Request::ClientAppointments {
            client_id: no.clone(),
        },
    ) else {
        panic!()
    };
    assert_eq!(list[0].reminder_outcome.as_deref(), Some("no_consent"));
    assert!(d.get(&later).reminder_at.is_none());
    // The audit log records each outcome, never the text.
    let rec: Vec<_> =
        d.f.audit()
            .into_iter()
            .filter(|r| r.action == "appointment.reminder")
            .collect();
    assert_eq!(rec.len(), 3);
    assert!(rec
        .iter()
        .all(|r| !r.detail.as_deref().unwrap_or("").contains("ការ")));
    // Email consent: the next due visit goes out by email, in the built-in Khmer (the clinic
    // keeps no "km" email text).
    consent(&d, &yes, Purpose::ReminderEmail, true);
    consent(&d, &yes, Purpose::ReminderSms, false);
    // Sessions end after a long idle time; the reminder job needs none.
    d.f.clock.advance(Duration::days(2));
    assert_eq!(d.f.clinic.reminders_tick().unwrap(), 1);
    let out = outbox(&d);
    let (_, kind, payload) = out.last().unwrap();
    assert_eq!(kind, "email");
    let mail: Mail = serde_json::from_str(payload).unwrap();
    assert_eq!(mail.to, "yes@example.com");
    assert_eq!(
        mail.subject,
        "ការណាត់ជួបរបស់លោកអ្នក នៅថ្ងៃព្រហស្បតិ៍ ទី5 ខែមីនា ម៉ោង 10:00"
    );
}

#[test]
fn reminder_templates_with_unknown_placeholders_and_bad_services_are_refused() {
    let d = desk();
    let e =
        d.f.clinic
            .handle(
                &d.manager,
                Request::ReminderSettingsUpdate(ReminderSettingsInput {
                    enabled: true,
                    hours_before: 24,
                    sms: true,
                    email: false,
                    smtp: None,
                    smtp_password: None,
                    late_cancel_hours: 24,
                    no_show_after_minutes: 15,
                    templates: vec![ReminderTemplate {
                        language: "en".into(),
                        channel: Channel::Sms,
                        subject: String::new(),
                        body: "Hi {name}, see you at {time}".into(),
                    }],
                }),
            )
            .unwrap_err();
    assert_eq!(e.code(), "reminder.placeholder");
    let bad = |f: ServiceFields| {
        d.f.clinic
            .handle(
                &d.manager,
                Request::ServiceSave {
                    id: None,
                    expected_version: None,
                    fields: f,
                },
            )
            .unwrap_err()
            .code()
    };
    let mut f = d.service.fields.clone();
    f.duration_minutes = 0;
    assert_eq!(bad(f), "validation.duration");
    let mut f = d.service.fields.clone();
    f.colour = "blue".into();
    assert_eq!(bad(f), "validation.colour");
    // Receptionists book but do not set up services.
    let e =
        d.f.clinic
            .handle(
                &d.reception,
                Request::ServiceSave {
                    id: None,
                    expected_version: None,
                    fields: d.service.fields.clone(),
                },
            )
            .unwrap_err();
    assert_eq!(e.code(), "access.forbidden");
}

//! Workload reports: a seeded week with figures computed by hand (tests/fixtures/report_week.sql
//! explains each chat, task and visit), the filters, the CSV, who may see a report, and bad input.

use chrono::{NaiveDate, TimeZone, Utc};
use frontdesk_core::reports::csv;
use frontdesk_core::*;

use crate::support::*;

const FIXTURE: &str = include_str!("../../../../tests/fixtures/report_week.sql");

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

struct Week {
    f: Fixture,
    manager: Principal,
    receptionist: Principal,
    ids: std::collections::HashMap<&'static str, String>,
}

fn seeded_week() -> Week {
    let f = new_clinic();
    let mut ids = std::collections::HashMap::new();
    let mut receptionist = None;
    for (login, role) in [
        ("alice", Role::Receptionist),
        ("bao", Role::Receptionist),
        ("chan", Role::Clinician),
        ("dina", Role::Clinician),
    ] {
        let (s, p) = f.staff_session(login, role);
        ids.insert(login, s.id);
        if login == "alice" {
            receptionist = Some(p);
        }
    }
    f.raw_connection().execute_batch(FIXTURE).unwrap();
    // Tuesday 10 March: every day of the week is over.
    f.clock.advance(
        Utc.with_ymd_and_hms(2026, 3, 10, 2, 0, 0).unwrap() - {
            use frontdesk_core::clock::Clock;
            f.clock.now()
        },
    );
    let (_, manager) = f.staff_session("mia", Role::Manager);
    f.raw_connection()
        .execute("UPDATE staff SET chat_capacity = 0 WHERE login = 'mia'", [])
        .unwrap();
    // alice logged in a week ago; her session has idled out since, so log her in again.
    let receptionist = {
        let _ = receptionist;
        let s = f
            .clinic
            .login(&LoginRequest {
                login: "alice".into(),
                password: Secret::new(STAFF_PASSWORD),
                totp_code: None,
                workstation: "desk-3".into(),
            })
            .unwrap();
        session(&s.token)
    };
    Week {
        f,
        manager,
        receptionist,
        ids,
    }
}

fn filter(from: NaiveDate, to: NaiveDate, bucket: Bucket) -> ReportFilter {
    ReportFilter {
        from,
        to,
        bucket,
        staff_ids: vec![],
        team: None,
        service_id: None,
    }
}

fn make(w: &Week, who: &Principal, filter: ReportFilter) -> Result<Report> {
    match w.f.clinic.handle(
        who,
        Request::ReportMake {
            filter,
            output: ReportOutput::Screen,
        },
    )? {
        Response::Report(r) => Ok(*r),
        other => panic!("unexpected {other:?}"),
    }
}

fn person<'a>(r: &'a Report, w: &Week, login: &str) -> &'a StaffReport {
    r.staff
        .iter()
        .find(|s| s.id == w.ids[login])
        .unwrap_or_else(|| panic!("{login} is in the report"))
}

#[test]
fn a_seeded_week_gives_the_hand_computed_figures() {
    let w = seeded_week();
    let r = make(&w, &w.manager, filter(day(3, 2), day(3, 8), Bucket::Day)).unwrap();
    let t = &r.totals;
    // Chats: t1..t5 were handed out this week (t2 and t3 to two people each).
    assert_eq!(t.chats_assigned, 5);
    // Replies d1–d6 and d8 (Monday 00:30 clinic time); d7 was the week before, d9 after.
    assert_eq!(t.replies, 7);
    assert_eq!(t.chats_handled, 5, "conv-1, 2, 3, 4 and 6");
    // First responses 60, 300, 1800, 30600 s: nearest-rank median is the 2nd, p90 the 4th.
    assert_eq!(t.first_response_median_s, Some(300));
    assert_eq!(t.first_response_p90_s, Some(30_600));
    assert_eq!((t.chats_escalated, t.chats_reassigned), (1, 1));
    assert_eq!(t.chats_unanswered_eod, 2, "t3 on Tuesday, t5 on Thursday");
    // Tasks: k1, k3, k4 handed out; k1 (2 h) and k2 (3 days) done; k2 (late) and k3 overdue.
    assert_eq!(t.tasks_assigned, 3);
    assert_eq!(t.tasks_done, 2);
    assert_eq!(t.task_done_median_s, Some(7_200));
    assert_eq!(t.tasks_overdue, 2);
    // Visits a1–a7 (a8 is on Monday 9 March in clinic time).
    assert_eq!(t.appts_booked, 7);
    assert_eq!(t.appts_completed, 3);
    assert_eq!(
        (
            t.appts_cancelled_client,
            t.appts_cancelled_clinic,
            t.appts_late_cancel,
            t.appts_no_show
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(t.no_show_rate, Some(0.25));
    assert_eq!(t.wait_avg_s, Some(640), "(600 + 1200 + 120) / 3");
    assert_eq!(t.visit_avg_s, Some(2_100), "(1800 + 1800 + 2700) / 3");

    // The week before: t6 only, and k2 and k5 handed out.
    assert_eq!((r.previous_from, r.previous_to), (day(2, 23), day(3, 1)));
    let p = &r.previous;
    assert_eq!((p.chats_assigned, p.chats_handled, p.replies), (1, 1, 1));
    assert_eq!(p.first_response_median_s, Some(120));
    assert_eq!((p.tasks_assigned, p.tasks_done, p.tasks_overdue), (2, 0, 0));
    assert_eq!(p.appts_booked, 0);

    let alice = person(&r, &w, "alice");
    assert_eq!(alice.name, "Alice Martin");
    let m = &alice.measures;
    assert_eq!((m.chats_assigned, m.chats_handled, m.replies), (3, 3, 4));
    assert_eq!(
        (m.first_response_median_s, m.first_response_p90_s),
        (Some(60), Some(1_800))
    );
    assert_eq!(
        (
            m.chats_escalated,
            m.chats_reassigned,
            m.chats_unanswered_eod
        ),
        (0, 1, 0)
    );
    assert_eq!((m.tasks_assigned, m.tasks_done, m.tasks_overdue), (2, 1, 0));
    assert_eq!(m.task_done_median_s, Some(7_200));
    let bao = person(&r, &w, "bao");
    assert_eq!(bao.name, "Nguyễn Văn Bảo");
    let m = &bao.measures;
    assert_eq!((m.chats_assigned, m.chats_handled, m.replies), (3, 2, 2));
    assert_eq!(m.first_response_median_s, Some(300));
    assert_eq!(
        (
            m.chats_escalated,
            m.chats_reassigned,
            m.chats_unanswered_eod
        ),
        (1, 0, 1)
    );
    assert_eq!(
        (m.tasks_done, m.tasks_overdue, m.task_done_median_s),
        (1, 1, Some(259_200))
    );
    let chan = person(&r, &w, "chan");
    assert_eq!(chan.name, "សុខ ចាន់ធា");
    let m = &chan.measures;
    assert_eq!((m.chats_assigned, m.chats_handled, m.replies), (1, 1, 1));
    assert_eq!(m.first_response_median_s, Some(30_600));
    assert_eq!(m.chats_unanswered_eod, 1, "chan held t3 at Tuesday's end");
    assert_eq!((m.tasks_assigned, m.tasks_overdue), (1, 1));
    assert_eq!(
        (m.appts_booked, m.appts_completed, m.appts_no_show),
        (3, 1, 1)
    );
    assert_eq!(m.no_show_rate, Some(0.5));
    assert_eq!((m.wait_avg_s, m.visit_avg_s), (Some(600), Some(1_800)));
    let dina = person(&r, &w, "dina");
    assert_eq!(dina.name, "ليلى حداد");
    let m = &dina.measures;
    assert_eq!(
        (m.appts_booked, m.appts_completed, m.appts_no_show),
        (4, 2, 0)
    );
    assert_eq!(m.no_show_rate, Some(0.0));
    assert_eq!((m.wait_avg_s, m.visit_avg_s), (Some(660), Some(2_250)));
    assert_eq!(m.chats_assigned, 0);

    // Load balance: 7 hand-outs among the three who take chats.
    assert!((alice.chat_share - 3.0 / 7.0).abs() < 1e-9);
    assert!((chan.chat_share - 1.0 / 7.0).abs() < 1e-9);
    assert!((alice.even_share - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(dina.even_share, 0.0, "dina takes no chats");

    // Teams: the front desk is alice and bao.
    let desk = r
        .teams
        .iter()
        .find(|t| t.team == Role::Receptionist)
        .unwrap();
    assert_eq!(desk.staff, 2);
    assert_eq!(
        desk.measures.chats_assigned, 5,
        "t1, t2, t4 (alice) and t2, t3, t5 (bao): t2 once"
    );
    assert_eq!(
        desk.measures.chats_handled, 4,
        "conv-1, 2, 4 and 6; conv-4 once"
    );
    assert_eq!(desk.measures.replies, 6);

    // Day buckets in clinic time.
    assert_eq!(r.buckets.len(), 7);
    let mon = &r.buckets[0];
    assert_eq!((mon.from, mon.to), (day(3, 2), day(3, 2)));
    assert_eq!((mon.measures.chats_assigned, mon.measures.replies), (2, 4));
    assert_eq!(
        mon.measures.chats_handled, 3,
        "conv-6 at 00:30, conv-1, conv-2"
    );
    assert_eq!(mon.measures.first_response_median_s, Some(60));
    let tue = &r.buckets[1].measures;
    assert_eq!(
        (tue.chats_assigned, tue.replies, tue.chats_unanswered_eod),
        (1, 0, 1)
    );
    assert_eq!(tue.appts_no_show, 1);
    let wed = &r.buckets[2].measures;
    assert_eq!(
        (wed.replies, wed.chats_handled),
        (3, 2),
        "chan's 01:30 reply is Wednesday's"
    );
    assert_eq!((wed.tasks_done, wed.tasks_overdue), (1, 0));
    assert_eq!(r.buckets[3].measures.chats_unanswered_eod, 1);
    assert_eq!(
        r.buckets[4].measures.tasks_overdue, 1,
        "k3 was due on Friday"
    );
    assert_eq!(r.buckets[6].measures.appts_completed, 1);

    // Chats by hour of the week, clinic time, Monday first.
    let hm = &r.heatmap;
    assert_eq!((hm.len(), hm[0].len()), (7, 24));
    assert_eq!(
        (hm[0][9], hm[0][10], hm[1][17], hm[2][8], hm[3][16]),
        (1, 1, 1, 1, 1)
    );
    assert_eq!(hm.iter().flatten().sum::<u32>(), 5);

    assert_eq!(r.clinic_name, "Sunrise Clinic");
    assert_eq!(r.made_by, "mia");
}

#[test]
fn weeks_and_filters_narrow_the_figures() {
    let w = seeded_week();
    // One week bucket holds the same figures as the whole period.
    let r = make(&w, &w.manager, filter(day(3, 2), day(3, 8), Bucket::Week)).unwrap();
    assert_eq!(r.buckets.len(), 1);
    assert_eq!(r.buckets[0].measures, r.totals);

    let mut f = filter(day(3, 2), day(3, 8), Bucket::Day);
    f.team = Some(Role::Clinician);
    let r = make(&w, &w.manager, f).unwrap();
    let names: Vec<&str> = r.staff.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let t = &r.totals;
    assert_eq!((t.chats_assigned, t.replies, t.chats_handled), (1, 1, 1));
    assert_eq!(
        t.chats_escalated, 0,
        "bao escalated, and bao is not a clinician"
    );
    assert_eq!(t.chats_unanswered_eod, 1, "t5 was bao's");
    assert_eq!((t.tasks_assigned, t.tasks_overdue), (1, 1));
    assert_eq!(t.appts_booked, 7);
    // The heat map is for planning shifts: every arrival, whatever the filter.
    assert_eq!(r.heatmap.iter().flatten().sum::<u32>(), 5);

    let mut f = filter(day(3, 2), day(3, 8), Bucket::Day);
    f.staff_ids = vec![w.ids["alice"].clone()];
    let r = make(&w, &w.manager, f).unwrap();
    assert_eq!(r.staff.len(), 1);
    assert_eq!(r.totals.replies, 4);
    assert_eq!(r.totals.chats_unanswered_eod, 0);

    let mut f = filter(day(3, 2), day(3, 8), Bucket::Day);
    f.service_id = Some("svc-checkup".into());
    let r = make(&w, &w.manager, f).unwrap();
    assert_eq!(r.service_name.as_deref(), Some("Check-up"));
    let t = &r.totals;
    assert_eq!(
        (t.appts_booked, t.appts_completed, t.appts_no_show),
        (4, 2, 1)
    );
    assert_eq!(t.appts_cancelled_clinic, 1);
    assert_eq!(t.wait_avg_s, Some(900));
    assert_eq!(t.replies, 7, "a service narrows appointments only");
}

#[test]
fn the_csv_holds_the_same_figures_with_a_byte_order_mark() {
    let w = seeded_week();
    let r = make(&w, &w.manager, filter(day(3, 2), day(3, 8), Bucket::Day)).unwrap();
    let bytes = csv::render(&r);
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte-order mark");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let rows: Vec<Vec<&str>> = text
        .split("\r\n")
        .take_while(|l| !l.is_empty())
        .map(|l| l.split(',').collect())
        .collect();
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let row = |scope: &str, name: &str| {
        rows.iter()
            .find(|r| r[0] == scope && r[1] == name)
            .unwrap_or_else(|| panic!("a {scope} row for {name}"))
    };
    let clinic = row("clinic", "Sunrise Clinic");
    assert_eq!(clinic[col("replies")], "7");
    assert_eq!(clinic[col("first_response_median_s")], "300");
    assert_eq!(clinic[col("first_response_p90_s")], "30600");
    assert_eq!(clinic[col("no_show_rate")], "0.2500");
    assert_eq!(clinic[col("wait_avg_s")], "640");
    assert_eq!(clinic[col("from")], "2026-03-02");
    let previous = row("previous", "Sunrise Clinic");
    assert_eq!(previous[col("first_response_median_s")], "120");
    let chan = row("staff", "សុខ ចាន់ធា");
    assert_eq!(chan[col("team")], "clinician");
    assert_eq!(chan[col("chats_unanswered_end_of_day")], "1");
    assert_eq!(chan[col("appointments_no_show")], "1");
    let bao = row("staff", "Nguyễn Văn Bảo");
    assert_eq!(bao[col("task_done_median_s")], "259200");
    let dina = row("staff", "ليلى حداد");
    assert_eq!(dina[col("visit_avg_s")], "2250");
    assert_eq!(dina[col("first_response_median_s")], "", "nothing measured");
    let tuesday = rows
        .iter()
        .find(|r| r[0] == "day" && r[3] == "2026-03-03")
        .unwrap();
    assert_eq!(tuesday[col("chats_unanswered_end_of_day")], "1");
    // The heat map follows the figures.
    let heat: Vec<&str> = text
        .split("\r\n")
        .skip_while(|l| !l.starts_with("chats_by_hour"))
        .collect();
    assert_eq!(heat[1].split(',').nth(10), Some("1"), "Monday 09:00");
    assert!(heat[2].starts_with("tue,"));
}

#[test]
fn a_csv_cell_that_a_spreadsheet_would_run_is_made_text() {
    let w = seeded_week();
    w.f.raw_connection()
        .execute(
            "UPDATE staff SET display_name = '=HYPERLINK(\"http://x\",\"a, b\")' WHERE login = 'alice'",
            [],
        )
        .unwrap();
    let r = make(&w, &w.manager, filter(day(3, 2), day(3, 8), Bucket::Day)).unwrap();
    let text = String::from_utf8(csv::render(&r)).unwrap();
    assert!(text.contains(r#"staff,"'=HYPERLINK(""http://x"",""a, b"")",receptionist"#));
}

#[test]
fn only_managers_and_admins_see_reports_and_each_one_is_audited() {
    let w = seeded_week();
    let err = make(
        &w,
        &w.receptionist,
        filter(day(3, 2), day(3, 8), Bucket::Day),
    )
    .unwrap_err();
    assert_eq!(err.code(), "access.forbidden");
    let mut f = filter(day(3, 2), day(3, 8), Bucket::Week);
    f.staff_ids = vec![w.ids["chan"].clone(), w.ids["dina"].clone()];
    w.f.clinic
        .handle(
            &w.manager,
            Request::ReportMake {
                filter: f,
                output: ReportOutput::Pdf,
            },
        )
        .unwrap();
    let audit = w.f.audit();
    let made: Vec<&AuditRecord> = audit.iter().filter(|a| a.action == "report.make").collect();
    assert_eq!(made.len(), 2, "{made:?}");
    assert!(made.iter().any(|a| a.outcome == "denied"));
    let ok = made.iter().find(|a| a.outcome == "ok").unwrap();
    let detail = ok.detail.as_deref().unwrap();
    assert_eq!(
        detail,
        "output=pdf from=2026-03-02 to=2026-03-08 bucket=week staff=2 team=all service=all"
    );
    for name in ["សុខ", "ليلى", "chan", "dina"] {
        assert!(
            !detail.contains(name),
            "no names in the audit log: {detail}"
        );
    }
}

#[test]
fn bad_filters_are_refused_with_their_reason() {
    let w = seeded_week();
    let before = w.f.audit().len();
    let e = make(&w, &w.manager, filter(day(3, 8), day(3, 2), Bucket::Day)).unwrap_err();
    assert_eq!(e.code(), "report.period_order");
    let e = make(
        &w,
        &w.manager,
        filter(
            day(1, 1),
            NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
            Bucket::Month,
        ),
    )
    .unwrap_err();
    assert_eq!(e.code(), "report.period_too_long");
    let mut f = filter(day(3, 2), day(3, 8), Bucket::Day);
    f.staff_ids = vec!["01NOSUCHSTAFF".into()];
    assert_eq!(
        make(&w, &w.manager, f).unwrap_err().code(),
        "validation.unknown_staff"
    );
    let mut f = filter(day(3, 2), day(3, 8), Bucket::Day);
    f.service_id = Some("svc-none".into());
    assert_eq!(
        make(&w, &w.manager, f).unwrap_err().code(),
        "validation.unknown_service"
    );
    // Each refusal is in the audit log, as a failure (after the first look at the log).
    let audit = w.f.audit();
    assert_eq!(audit.len(), before + 1 + 4);
    assert!(audit[..4]
        .iter()
        .all(|a| a.action == "report.make" && a.outcome == "failed"));
}

#[test]
fn a_reply_removed_for_good_leaves_the_figures_and_the_first_reply_is_found_again() {
    let w = seeded_week();
    let conn = w.f.raw_connection();
    // d1 (02:01) and d2 (02:05) share a quarter hour; without d1, t1's first reply is d2.
    conn.execute("DELETE FROM chat_messages WHERE id = 'd1'", [])
        .unwrap();
    let r = make(&w, &w.manager, filter(day(3, 2), day(3, 8), Bucket::Day)).unwrap();
    let alice = person(&r, &w, "alice");
    assert_eq!(alice.measures.replies, 3);
    assert_eq!(
        alice.measures.first_response_median_s,
        Some(300),
        "d2 came 300 s after t1"
    );
    conn.execute("DELETE FROM chat_messages WHERE id = 'd2'", [])
        .unwrap();
    let r = make(&w, &w.manager, filter(day(3, 2), day(3, 8), Bucket::Day)).unwrap();
    let alice = person(&r, &w, "alice");
    assert_eq!(
        (alice.measures.replies, alice.measures.chats_handled),
        (2, 2)
    );
}

#[test]
fn a_chat_arriving_between_two_replies_of_one_quarter_hour_gets_the_later_one() {
    let w = seeded_week();
    // conv-1 again at 02:03 (t7), between alice's replies at 02:01 and 02:05: the quarter
    // hour's earliest reply is before it, its answer is the 02:05 one, 120 s later.
    w.f.raw_connection()
        .execute(
            "INSERT INTO tasks (id, kind, title, conversation_id, assignee_id, reason, status, created_at, updated_at)
             VALUES ('t7', 'chat', 'Chat', 'conv-1', (SELECT id FROM staff WHERE login = 'alice'), 'manual', 'open',
                     '2026-03-02T02:03:00.000000Z', '2026-03-02T02:03:00.000000Z')",
            [],
        )
        .unwrap();
    let r = make(&w, &w.manager, filter(day(3, 2), day(3, 8), Bucket::Day)).unwrap();
    let alice = person(&r, &w, "alice");
    // 60 s (t1), 120 s (t7), 1800 s (t4).
    assert_eq!(alice.measures.first_response_median_s, Some(120));
    assert_eq!(alice.measures.first_response_p90_s, Some(1_800));
}

#[test]
fn the_clinic_logo_goes_on_the_report_when_it_is_a_png() {
    let w = seeded_week();
    let png = include_bytes!("../../../../icons/32x32.png");
    let r = make(&w, &w.manager, filter(day(3, 2), day(3, 8), Bucket::Day)).unwrap();
    assert!(
        r.logo.is_none() && r.logo_png().is_none(),
        "no logo set yet"
    );
    let conn = w.f.raw_connection();
    conn.execute(
        "INSERT INTO chat_link (one, desk_key, questions, updated_at, logo, logo_mime)
         VALUES (1, x'00', '[]', '2026-03-01T00:00:00.000000Z', ?1, 'image/png')
         ON CONFLICT (one) DO UPDATE SET logo = excluded.logo, logo_mime = excluded.logo_mime",
        [png.as_slice()],
    )
    .unwrap();
    let r = make(&w, &w.manager, filter(day(3, 2), day(3, 8), Bucket::Day)).unwrap();
    assert_eq!(r.logo_png().as_deref(), Some(png.as_slice()));
    conn.execute("UPDATE chat_link SET logo_mime = 'image/jpeg'", [])
        .unwrap();
    let r = make(&w, &w.manager, filter(day(3, 2), day(3, 8), Bucket::Day)).unwrap();
    assert!(r.logo.is_some());
    assert_eq!(r.logo_png(), None, "the PDF draws PNG logos only");
}

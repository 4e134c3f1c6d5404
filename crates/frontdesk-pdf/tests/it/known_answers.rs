//! The known-answer week (tests/fixtures/report_week.sql) made by the real core on a real
//! SQLCipher file, rendered, and read back with pdftotext: the hand-computed figures, as the
//! core's own test finds them, are printed in the PDF.

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use frontdesk_core::clock::ManualClock;
use frontdesk_core::*;
use frontdesk_pdf::Paper;

use crate::support::{normalise, pdf, pdftotext};

const FIXTURE: &str = include_str!("../../../../tests/fixtures/report_week.sql");
const PASSPHRASE: &str = "known answers recovery passphrase";

fn week_report() -> Report {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clinic.db");
    let keyring = Arc::new(MemoryKeyStore::new());
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 10, 2, 0, 0).unwrap());
    let opts = || Options {
        clock: Arc::new(clock.clone()),
        keyring: Some(keyring.clone() as Arc<dyn KeyStore>),
    };
    let created = Clinic::create(
        &path,
        &NewClinic {
            name: "Sunrise Clinic".into(),
            time_zone: "Asia/Phnom_Penh".into(),
            phone_region: "KH".into(),
            admin_login: "admin".into(),
            admin_name: "Admin".into(),
            admin_password: Secret::new("admin-password-1"),
            recovery_passphrase: Secret::new(PASSPHRASE),
        },
        opts(),
    )
    .unwrap();
    drop(created.clinic);
    let clinic = Clinic::open_as_operator(&path, PASSPHRASE, opts()).unwrap();
    let op = Principal::Operator {
        workstation: "pdf-test".into(),
    };
    for (login, role) in [
        ("alice", Role::Receptionist),
        ("bao", Role::Receptionist),
        ("chan", Role::Clinician),
        ("dina", Role::Clinician),
    ] {
        clinic
            .handle(
                &op,
                Request::StaffCreate(NewStaff {
                    login: login.into(),
                    password: Secret::new("staff-password-1"),
                    fields: StaffFields::new(login, role),
                }),
            )
            .unwrap();
    }
    let key = keyring.load(clinic.id()).unwrap().unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\";",
        hex::encode(key.as_bytes())
    ))
    .unwrap();
    raw.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    raw.execute_batch(FIXTURE).unwrap();
    drop(raw);
    let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    match clinic
        .handle(
            &op,
            Request::ReportMake {
                filter: ReportFilter {
                    from: day(2),
                    to: day(8),
                    bucket: Bucket::Day,
                    staff_ids: vec![],
                    team: None,
                    service_id: None,
                },
                output: ReportOutput::Pdf,
            },
        )
        .unwrap()
    {
        Response::Report(r) => *r,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn the_seeded_week_prints_its_hand_computed_figures() {
    let report = week_report();
    let text = normalise(&pdftotext(&pdf(&report, Paper::A4), false, None));
    for name in [
        "Alice Martin",
        "Nguyễn Văn Bảo",
        "សុខ ចាន់ធា",
        "ليلى حداد",
        "Sunrise Clinic",
    ] {
        assert!(text.contains(name), "{name} is in the PDF");
    }
    // The tiles, two rows of labels each followed by its values: 5 chats handled, first
    // responses 300 s and 30,600 s, 2 unanswered at day end, 2 tasks done; 2 overdue, 3 visits,
    // a 25 % no-show rate and 640 s average wait.
    for row in [
        "Chats handled First response (median) First response (p90) Unanswered at day end Tasks done 5 5 min 00 s 8 h 30 min 2 2 ",
        "Tasks overdue Visits completed No-show rate Average wait 2 3 25.0 % 10 min 40 s ",
    ] {
        assert!(text.contains(row), "the tiles «{row}» in: {text}");
    }
    // The clinic's row of the team table: 5 people, 5 chats assigned and handled, 7 replies.
    assert!(
        text.contains("All teams 5 5 5 7 5 min 00 s 8 h 30 min"),
        "{text}"
    );
    // The people's rows: alice's 60 s median and 1,800 s p90, chan's 30,600 s.
    assert!(text.contains("1 min 00 s"), "alice's median");
    assert!(text.contains("30 min 00 s"), "alice's p90");
    assert!(
        text.contains("Period 2026-03-02 – 2026-03-08, by day"),
        "the period"
    );
}

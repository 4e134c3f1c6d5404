//! Privacy: export, erasure (proved on the decrypted pages of the file, the log and a backup),
//! restriction, retention with an injected clock, consents and the newsletter's double opt-in,
//! the audit viewer's filters and pruning, and break-glass access.

use chrono::{Duration, NaiveDate};
use frontdesk_core::*;
use serde_json::json;

use crate::support::*;

fn now_stamp(f: &Fixture) -> String {
    use frontdesk_core::clock::Clock;
    f.clock.now().to_rfc3339()
}

/// Every planted string of one client: none may survive an erasure.
const PLANTED: [&str; 9] = [
    "Zelphinia Quarrington",
    "zelphinia@planted.example",
    "Flat 9 Marigold Lane",
    "allergic to plantedcillin",
    "PLANTED-ANSWER-question",
    "PLANTED-VISITOR-MESSAGE",
    "PLANTED-DESK-REPLY",
    "PLANTED-TASK-NOTE",
    "PLANTED-APPOINTMENT-NOTE",
];

struct Planted {
    client: String,
    conversation: String,
    appointment: String,
    admin: Principal,
    reception: Principal,
}

fn admin_session(f: &Fixture) -> Principal {
    f.clock.advance(Duration::seconds(30));
    let s = f
        .clinic
        .login(&LoginRequest {
            login: "admin".into(),
            password: Secret::new(ADMIN_PASSWORD),
            totp_code: Some(totp_code(&f.admin_totp, "admin", &f.clock)),
            workstation: "desk-1".into(),
        })
        .unwrap();
    session(&s.token)
}

/// A code the admin's authenticator shows half a minute on (a code is good once).
fn fresh_code(f: &Fixture) -> Secret {
    f.clock.advance(Duration::seconds(30));
    Secret::new(totp_code(&f.admin_totp, "admin", &f.clock))
}

fn plant(f: &Fixture) -> Planted {
    ok(
        f,
        &operator(),
        Request::ClinicUpdate(ClinicSettings {
            name: "Sunrise Clinic".into(),
            time_zone: "Asia/Phnom_Penh".into(),
            phone_region: "KH".into(),
            idle_timeout_minutes: 240,
        }),
    );
    let admin = admin_session(f);
    let (_, reception) = f.staff_session("rec", Role::Receptionist);
    let (doctor, _) = f.staff_session("dr", Role::Clinician);
    // The visitor writes through the website chat; the desk makes the client from it.
    let v = Visitor::new();
    f.clinic
        .ingest(&[
            v.started(
                f,
                1,
                &ulid::Ulid::new().to_string(),
                "PLANTED-VISITOR-MESSAGE please call",
                json!({"name": PLANTED[0], "email": PLANTED[1], "phone": "012 987 654",
                       "question": PLANTED[4], "marketing_opt_in": "yes",
                       "policy_version": "1"}),
            ),
            v.message(
                f,
                2,
                &ulid::Ulid::new().to_string(),
                "PLANTED-VISITOR-MESSAGE again",
            ),
        ])
        .unwrap();
    let Response::Conversation(_) = ok(
        f,
        &reception,
        Request::ConversationCreateClient {
            id: v.conversation.clone(),
        },
    ) else {
        panic!()
    };
    let client: String = f
        .raw_connection()
        .query_row(
            "SELECT client_id FROM conversations WHERE id = ?1",
            [&v.conversation],
            |r| r.get(0),
        )
        .unwrap();
    ok(
        f,
        &reception,
        Request::ChatReply {
            conversation_id: v.conversation.clone(),
            id: None,
            text: "PLANTED-DESK-REPLY we will call".into(),
            quote_id: None,
        },
    );
    let Response::Client(c) = ok(f, &reception, Request::ClientGet { id: client.clone() }) else {
        panic!()
    };
    let mut fields = c.fields.clone();
    fields.address = Some(PLANTED[2].into());
    fields.notes = PLANTED[3].into();
    ok(
        f,
        &reception,
        Request::ClientUpdate {
            id: client.clone(),
            expected_version: c.version,
            fields,
        },
    );
    ok(
        f,
        &reception,
        Request::TaskCreate(NewTask {
            id: None,
            kind: TaskKind::CallBack,
            title: "Call back about the cream".into(),
            note: PLANTED[7].into(),
            client_id: Some(client.clone()),
            conversation_id: None,
            assignee_ids: vec![doctor.id.clone()],
            due_at: None,
            priority: Priority::Normal,
        }),
    );
    let service = checkup_service(f, &admin, &doctor.id);
    let Response::AppointmentSaved(saved) = ok(
        f,
        &reception,
        Request::AppointmentBook(Booking {
            id: None,
            client_id: client.clone(),
            service_id: service.id,
            provider_id: doctor.id,
            room_id: None,
            start: NaiveDate::from_ymd_opt(2026, 3, 4)
                .unwrap()
                .and_hms_opt(10, 0, 0)
                .unwrap(),
            duration_minutes: None,
            end: None,
            note: PLANTED[8].into(),
            conversation_id: None,
            recurrence: None,
            override_reason: Some("test".into()),
            allow_past: false,
        }),
    ) else {
        panic!()
    };
    Planted {
        client,
        conversation: v.conversation,
        appointment: saved.appointments[0].id.clone(),
        admin,
        reception,
    }
}

/// Which planted texts the decrypted pages of the file, its log and `backups` still hold,
/// through the door's scan, as the admin would ask.
fn found_on_disk(f: &Fixture, backups: &[&std::path::Path]) -> Vec<(&'static str, String)> {
    let Response::Scan(r) = ok(
        f,
        &operator(),
        Request::PrivacyScan {
            texts: PLANTED.iter().map(|p| Secret::new(*p)).collect(),
            backups: backups
                .iter()
                .map(|b| b.to_string_lossy().into_owned())
                .collect(),
        },
    ) else {
        panic!()
    };
    assert!(
        r.searched
            .iter()
            .any(|p| p.place == "database" && p.pages > 0),
        "{r:?}"
    );
    for b in backups {
        assert!(r.searched.iter().any(|p| p.place == b.to_string_lossy()));
    }
    r.found
        .into_iter()
        .map(|x| (PLANTED[x.text as usize], x.place))
        .collect()
}

fn report_totals(f: &Fixture, who: &Principal) -> (u32, u32, u32, u32) {
    let Response::Report(r) = ok(
        f,
        who,
        Request::ReportMake {
            filter: ReportFilter {
                from: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
                to: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
                bucket: Bucket::Week,
                staff_ids: vec![],
                team: None,
                service_id: None,
            },
            output: ReportOutput::Screen,
        },
    ) else {
        panic!()
    };
    let t = &r.totals;
    (
        t.chats_assigned,
        t.replies,
        t.tasks_assigned,
        t.appts_booked,
    )
}

#[test]
fn export_holds_every_planted_item_and_needs_a_fresh_code() {
    let f = new_clinic();
    let p = plant(&f);
    // A wrong code is refused, audited, and exports nothing.
    let err = f
        .clinic
        .handle(
            &p.admin,
            Request::ClientExport {
                id: p.client.clone(),
                totp: Secret::new("000000"),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "auth.bad_totp");
    let last = f.audit().into_iter().next().unwrap();
    assert_eq!(
        (last.action.as_str(), last.outcome.as_str()),
        ("client.export", "failed")
    );
    // A receptionist may not export at all.
    let err = f
        .clinic
        .handle(
            &p.reception,
            Request::ClientExport {
                id: p.client.clone(),
                totp: Secret::new("000000"),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "access.forbidden");
    let Response::ClientExport(export) = ok(
        &f,
        &p.admin,
        Request::ClientExport {
            id: p.client.clone(),
            totp: fresh_code(&f),
        },
    ) else {
        panic!()
    };
    assert_eq!(export.schema, "frontdesk.client-export/1");
    let json = serde_json::to_string(&export).unwrap();
    for planted in PLANTED {
        assert!(json.contains(planted), "{planted} missing from the export");
    }
    assert_eq!(export.conversations[0].id, p.conversation);
    assert_eq!(export.conversations[0].ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(export.appointments[0].id, p.appointment);
    // The consents from the chat questionnaire, with the policy version.
    let purposes: Vec<_> = export.consents.iter().map(|c| c.purpose).collect();
    assert!(purposes.contains(&Purpose::ChatStorage) && purposes.contains(&Purpose::Marketing));
    assert!(export
        .consents
        .iter()
        .all(|c| c.policy_version.as_deref() == Some("1")));
    // Who looked: the card opened by the receptionist is in the access log.
    assert!(export
        .access_log
        .iter()
        .any(|a| a.action == "client.get" && a.actor_name.as_deref() == Some("rec")));
    // The same code cannot be used twice.
    let code = fresh_code(&f);
    ok(
        &f,
        &p.admin,
        Request::ClientExport {
            id: p.client.clone(),
            totp: code.clone(),
        },
    );
    let err = f
        .clinic
        .handle(
            &p.admin,
            Request::ClientExport {
                id: p.client.clone(),
                totp: code,
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "auth.bad_totp");
}

#[test]
fn erasure_leaves_no_planted_byte_in_the_file_the_log_or_a_later_backup() {
    let f = new_clinic();
    let p = plant(&f);
    let totals = report_totals(&f, &p.admin);
    assert_eq!(totals.1, 1, "one desk reply");
    // The control: before the erasure, the decrypted pages do hold the planted text.
    f.clinic.checkpoint().unwrap();
    let before = found_on_disk(&f, &[]);
    for planted in PLANTED {
        assert!(
            before.iter().any(|(p, _)| p == &planted),
            "{planted} not found before: {before:?}"
        );
    }
    let before_search = search_all(&f.clinic, "zelphinia").len();
    assert_eq!(before_search, 1);

    let Response::Erasure(outcome) = ok(
        &f,
        &p.admin,
        Request::ClientErase {
            id: p.client.clone(),
            totp: fresh_code(&f),
            request_id: None,
        },
    ) else {
        panic!()
    };
    assert_eq!(outcome.kind, ErasureKind::Erased);
    assert_eq!(outcome.counts.messages, 3);
    assert_eq!(outcome.counts.conversations, 1);

    let left = found_on_disk(&f, &[]);
    assert!(left.is_empty(), "still in the file or its log: {left:?}");
    assert_eq!(scrub_mark(&f), 0, "the scrub finished, so no mark is left");
    assert!(search_all(&f.clinic, "zelphinia").is_empty());
    // The reports count the same work.
    assert_eq!(report_totals(&f, &p.admin), totals);
    // The tombstone says it happened, and who did it, not what.
    let Response::Tombstones(t) = ok(
        &f,
        &p.admin,
        Request::ErasureList {
            client_id: Some(p.client.clone()),
        },
    ) else {
        panic!()
    };
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].kind, ErasureKind::Erased);
    assert_eq!(t[0].actor_name.as_deref(), Some("Admin"));
    // The relay is asked to forget the conversation.
    let forget: i64 = f
        .raw_connection()
        .query_row(
            "SELECT count(*) FROM outbox WHERE kind = 'relay' AND payload LIKE '%forget%'
               AND instr(payload, ?1) > 0",
            [&p.conversation],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(forget, 1);
    // The record is still there, as an erased client nobody can change.
    let Response::Client(c) = ok(
        &f,
        &p.reception,
        Request::ClientGet {
            id: p.client.clone(),
        },
    ) else {
        panic!()
    };
    assert!(c.erased_at.is_some() && c.fields.full_name.is_empty() && c.fields.phones.is_empty());
    let err = f
        .clinic
        .handle(
            &p.reception,
            Request::ClientUpdate {
                id: p.client.clone(),
                expected_version: c.version,
                fields: client("Back Again"),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "privacy.erased");

    // A backup made afterwards holds none of it either.
    let backup = f.dir.path().join("after.fdbackup");
    ok(
        &f,
        &operator(),
        Request::Backup {
            path: backup.to_string_lossy().into(),
        },
    );
    let left = found_on_disk(&f, &[&backup]);
    assert!(left.is_empty(), "in the backup: {left:?}");
}

#[test]
fn where_the_law_keeps_the_record_erasure_restricts_it_and_only_an_admin_opens_it() {
    let f = new_clinic();
    let p = plant(&f);
    let Response::PrivacySettings(s) = ok(&f, &p.admin, Request::PrivacySettingsGet) else {
        panic!()
    };
    ok(
        &f,
        &p.admin,
        Request::PrivacySettingsUpdate(PrivacySettingsInput {
            chat_days: s.chat_days,
            ip_days: s.ip_days,
            inactive_client_years: s.inactive_client_years,
            audit_years: s.audit_years,
            medical_record_years: 10,
            break_glass_minutes: s.break_glass_minutes,
        }),
    );
    // The visit took place: now there is a medical record.
    let conn = f.raw_connection();
    conn.execute(
        "UPDATE appointments SET status = 'done' WHERE id = ?1",
        [&p.appointment],
    )
    .unwrap();
    let Response::Erasure(outcome) = ok(
        &f,
        &p.admin,
        Request::ClientErase {
            id: p.client.clone(),
            totp: fresh_code(&f),
            request_id: None,
        },
    ) else {
        panic!()
    };
    assert_eq!(outcome.kind, ErasureKind::Restricted);
    // Hidden from search, lists and the chat list.
    assert!(search_all(&f.clinic, "zelphinia").is_empty());
    assert!(search_all(&f.clinic, "ze").is_empty());
    let Response::Conversations(list) = ok(
        &f,
        &p.reception,
        Request::ConversationList {
            unanswered_only: false,
            limit: None,
        },
    ) else {
        panic!()
    };
    assert!(list.iter().all(|c| c.id != p.conversation));
    // Nobody but an admin opens it, and the admin only with a reason.
    for who in [&p.reception, &p.admin] {
        let err = f
            .clinic
            .handle(
                who,
                Request::ClientGet {
                    id: p.client.clone(),
                },
            )
            .unwrap_err();
        assert_eq!(err.code(), "privacy.restricted");
    }
    let err = f
        .clinic
        .handle(
            &p.reception,
            Request::RestrictedOpen {
                id: p.client.clone(),
                reason: "curious".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "access.forbidden");
    let err = f
        .clinic
        .handle(
            &p.admin,
            Request::RestrictedOpen {
                id: p.client.clone(),
                reason: "  ".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "validation.required");
    ok(
        &f,
        &p.admin,
        Request::RestrictedOpen {
            id: p.client.clone(),
            reason: "Court order 2026/17".into(),
        },
    );
    let Response::Client(c) = ok(
        &f,
        &p.admin,
        Request::ClientGet {
            id: p.client.clone(),
        },
    ) else {
        panic!()
    };
    assert_eq!(c.fields.full_name, PLANTED[0], "restricted, not erased");
    let opened = f
        .audit()
        .into_iter()
        .find(|r| r.action == "client.open_restricted")
        .unwrap();
    let detail = opened.detail.unwrap();
    assert!(detail.starts_with("reason_sha256=") && !detail.contains("Court"));
    // The opening lasts half an hour.
    f.clock.advance(Duration::minutes(31));
    let err = f
        .clinic
        .handle(
            &p.admin,
            Request::ClientGet {
                id: p.client.clone(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "privacy.restricted");
    // Lifting the restriction brings the client back to search.
    ok(
        &f,
        &p.admin,
        Request::ClientUnrestrict {
            id: p.client.clone(),
        },
    );
    assert_eq!(search_all(&f.clinic, "zelphinia").len(), 1);
}

#[test]
fn retention_forgets_on_schedule_with_an_injected_clock() {
    let f = new_clinic();
    let p = plant(&f);
    let conn = f.raw_connection();
    let ip = |conn: &rusqlite::Connection| -> Option<String> {
        conn.query_row(
            "SELECT ip FROM conversations WHERE id = ?1",
            [&p.conversation],
            |r| r.get(0),
        )
        .unwrap()
    };
    // The first run finds nothing old yet.
    let run = f.clinic.retention_tick().unwrap().expect("first run");
    assert_eq!(
        (run.ip_addresses, run.transcripts, run.clients_erased),
        (0, 0, 0)
    );
    assert!(ip(&conn).is_some());
    // It runs once a day, not on every tick.
    f.clock.advance(Duration::hours(2));
    assert!(f.clinic.retention_tick().unwrap().is_none());
    // 31 days on: the IP address goes (30 days by default), the transcript stays (2 years).
    f.clock.advance(Duration::days(31));
    let run = f.clinic.retention_tick().unwrap().expect("a day passed");
    assert_eq!(run.ip_addresses, 1);
    assert_eq!(run.transcripts, 0);
    assert!(ip(&conn).is_none());
    let audit = f.audit();
    let record = audit
        .iter()
        .find(|r| r.action == "privacy.retention")
        .unwrap();
    assert_eq!(record.actor_kind, "system");
    assert!(record.detail.as_deref().unwrap().contains("ips=1"));
    // Two years on: the transcript goes, its counts stay.
    f.clock.advance(Duration::days(2 * 366));
    let run = f.clinic.retention_tick().unwrap().unwrap();
    assert_eq!((run.transcripts, run.messages), (1, 3));
    let bodies: Vec<String> = conn
        .prepare("SELECT body FROM chat_messages WHERE conversation_id = ?1")
        .unwrap()
        .query_map([&p.conversation], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(bodies, ["", "", ""]);
    assert_eq!(run.clients_erased, 0, "the client was active two years ago");
    // Ten years without a visit, a chat or a change: the client is erased.
    f.clock.advance(Duration::days(8 * 366));
    let run = f.clinic.retention_tick().unwrap().unwrap();
    assert_eq!(run.clients_erased, 1);
    let erased: Option<String> = conn
        .query_row(
            "SELECT erased_at FROM clients WHERE id = ?1",
            [&p.client],
            |r| r.get(0),
        )
        .unwrap();
    assert!(erased.is_some());
    // The audit log stays whole and verifies.
    assert_eq!(run.audit_records, 0);
    let Response::AuditReport(v) = ok(&f, &operator(), Request::AuditVerify) else {
        panic!()
    };
    assert!(v.first_broken.is_none(), "{v:?}");
    // Audit records cannot be deleted.
    let err = conn.execute(
        "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)",
        [],
    );
    assert!(err.is_err());
}

#[test]
fn newsletter_needs_a_confirmed_address_and_a_withdrawal_wins() {
    let f = new_clinic();
    let p = plant(&f);
    // The chat questionnaire's tick asked for a confirmation mail; nothing is in force yet.
    let audience = |f: &Fixture| match ok(f, &p.admin, Request::NewsletterAudience) {
        Response::NewsletterAudience(l) => l,
        other => panic!("{other:?}"),
    };
    assert!(audience(&f).is_empty());
    let conn = f.raw_connection();
    let (to, body): (String, String) = conn
        .query_row(
            "SELECT json_extract(payload, '$.to'), json_extract(payload, '$.body') FROM outbox
              WHERE kind = 'email' AND id LIKE '%-newsletter-confirm'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(to, PLANTED[1]);
    let code = body
        .split_whitespace()
        .find(|w| w.len() == 9 && w.as_bytes()[4] == b'-')
        .unwrap()
        .to_string();
    let err = f
        .clinic
        .handle(
            &p.reception,
            Request::ConsentConfirm {
                code: "AAAA-AAAA".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "consent.bad_code");
    ok(
        &f,
        &p.reception,
        Request::ConsentConfirm {
            code: code.to_lowercase(),
        },
    );
    assert_eq!(audience(&f).len(), 1);
    assert_eq!(audience(&f)[0].email, PLANTED[1]);
    // One click withdraws it, at once.
    ok(
        &f,
        &p.reception,
        Request::ConsentSet {
            client_id: p.client.clone(),
            purpose: Purpose::Marketing,
            given: false,
            method: ConsentMethod::Phone,
            text_shown: None,
        },
    );
    assert!(audience(&f).is_empty());
    // A new policy version marks the old consents as outdated.
    ok(
        &f,
        &p.admin,
        Request::PolicyPublish(NewPolicyVersion {
            version: "2".into(),
            texts: vec![PolicyText {
                language: "en".into(),
                text: "We keep your data for your care.".into(),
            }],
        }),
    );
    let Response::Consents(list) = ok(
        &f,
        &p.reception,
        Request::ConsentList {
            client_id: p.client.clone(),
        },
    ) else {
        panic!()
    };
    let storage = list
        .iter()
        .find(|c| c.purpose == Purpose::ChatStorage)
        .unwrap();
    assert!(storage.policy_outdated);
    let err = f
        .clinic
        .handle(
            &p.admin,
            Request::PolicyPublish(NewPolicyVersion {
                version: "2".into(),
                texts: vec![PolicyText {
                    language: "en".into(),
                    text: "changed".into(),
                }],
            }),
        )
        .unwrap_err();
    assert_eq!(err.code(), "privacy.policy_exists");
}

#[test]
fn requests_are_due_in_a_month_and_overdue_ones_are_counted() {
    let f = new_clinic();
    let p = plant(&f);
    let save = |input: PrivacyRequestInput| match f
        .clinic
        .handle(&p.admin, Request::PrivacyRequestSave(input))
    {
        Ok(Response::PrivacyRequest(r)) => Ok(r),
        Ok(other) => panic!("{other:?}"),
        Err(e) => Err(e),
    };
    let input = |received: NaiveDate| PrivacyRequestInput {
        id: None,
        expected_version: None,
        client_id: Some(p.client.clone()),
        kind: RequestKind::Access,
        requester: "By email".into(),
        received_on: received,
        extended_to: None,
        status: RequestStatus::Open,
        note: String::new(),
    };
    // The fixture's clock reads 2026-03-02 in Phnom Penh.
    let r = save(input(NaiveDate::from_ymd_opt(2026, 1, 31).unwrap())).unwrap();
    assert_eq!(r.due_on, NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
    assert!(r.overdue);
    let fresh = save(input(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap())).unwrap();
    assert!(!fresh.overdue);
    let err = save(input(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap())).unwrap_err();
    assert_eq!(err.code(), "privacy.received_in_future");
    let Response::PrivacyOverview(o) = ok(&f, &p.admin, Request::PrivacyOverview) else {
        panic!()
    };
    assert_eq!((o.overdue_requests, o.open_requests), (1, 2));
    // Extending moves the due day (by two months at most); closing takes it off the count.
    let mut ext = input(r.received_on);
    ext.id = Some(r.id.clone());
    ext.expected_version = Some(r.version);
    ext.extended_to = NaiveDate::from_ymd_opt(2026, 6, 1);
    assert_eq!(
        save(ext.clone()).unwrap_err().code(),
        "privacy.bad_extension"
    );
    ext.extended_to = NaiveDate::from_ymd_opt(2026, 4, 28);
    let r = save(ext).unwrap();
    assert!(!r.overdue);
}

#[test]
fn an_incident_takes_its_affected_clients_from_the_audit_log() {
    let f = new_clinic();
    let p = plant(&f);
    let (snoop, snoop_who) = f.staff_session("snoop", Role::Receptionist);
    let from = now_stamp(&f);
    ok(
        &f,
        &snoop_who,
        Request::ClientGet {
            id: p.client.clone(),
        },
    );
    ok(
        &f,
        &snoop_who,
        Request::ConversationGet {
            id: p.conversation.clone(),
        },
    );
    f.clock.advance(Duration::minutes(5));
    let to = now_stamp(&f);
    let Response::Incident(i) = ok(
        &f,
        &p.admin,
        Request::IncidentSave(IncidentInput {
            id: None,
            expected_version: None,
            title: "Records looked at without a reason".into(),
            description: String::new(),
            found_at: to.clone(),
            window_from: from,
            window_to: to,
            suspect_staff_id: Some(snoop.id),
            authority_notified_at: None,
            closed: false,
        }),
    ) else {
        panic!()
    };
    assert_eq!(i.affected.len(), 1);
    assert_eq!(i.affected[0].client_id, p.client);
    assert_eq!(i.affected[0].accesses, 2);
    assert!(!i.notification_late);
    f.clock.advance(Duration::hours(73));
    let Response::PrivacyOverview(o) = ok(&f, &operator(), Request::PrivacyOverview) else {
        panic!()
    };
    assert_eq!(o.late_incident_notices, 1);
}

#[test]
fn break_glass_opens_once_for_a_while_tells_the_admins_and_changes_nothing() {
    let f = new_clinic();
    let p = plant(&f);
    // Not sealed: the emergency login does not exist yet.
    let login = |password: &str| {
        f.clinic.login(&LoginRequest {
            login: "emergency".into(),
            password: Secret::new(password),
            totp_code: None,
            workstation: "ward-pc".into(),
        })
    };
    assert_eq!(
        login("anything").unwrap_err().code(),
        "auth.bad_credentials"
    );
    let Response::BreakGlassSealed(sealed) = ok(&f, &p.admin, Request::BreakGlassSeal) else {
        panic!()
    };
    assert_eq!(sealed.password.expose().len(), 29);
    // Not in the staff list, and routing never picks it.
    let Response::StaffList(staff) = ok(
        &f,
        &p.admin,
        Request::StaffList {
            include_inactive: true,
        },
    ) else {
        panic!()
    };
    assert!(staff.iter().all(|s| s.login != "emergency"));
    let s = login(sealed.password.expose()).unwrap();
    assert_eq!(s.role, Role::Emergency);
    let glass = session(&s.token);
    // The admin got an urgent task, and the log says so.
    let Response::Tasks(tasks) = ok(
        &f,
        &p.admin,
        Request::TaskList {
            scope: TaskScope::Mine,
            include_closed: false,
            limit: None,
        },
    ) else {
        panic!()
    };
    assert!(tasks
        .iter()
        .any(|t| t.priority == Priority::Urgent && t.title.contains("Emergency")));
    assert!(f.audit().iter().any(|r| r.action == "break_glass.open"));
    // It reads, restricted records too with a reason, and changes nothing.
    ok(
        &f,
        &glass,
        Request::ClientGet {
            id: p.client.clone(),
        },
    );
    let err = f
        .clinic
        .handle(
            &glass,
            Request::ClientUpdate {
                id: p.client.clone(),
                expected_version: 1,
                fields: client("X"),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "access.forbidden");
    // After its time, it closes and its password is spent.
    f.clock.advance(Duration::minutes(sealed.minutes + 1));
    let err = f
        .clinic
        .handle(
            &glass,
            Request::ClientGet {
                id: p.client.clone(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "auth.session_expired");
    assert_eq!(
        login(sealed.password.expose()).unwrap_err().code(),
        "auth.bad_credentials"
    );
    assert!(f.audit().iter().any(|r| r.action == "break_glass.close"));
}

#[test]
fn the_audit_viewer_filters_by_staff_record_action_and_time() {
    let f = new_clinic();
    let p = plant(&f);
    let list = |filter: AuditFilter| match ok(
        &f,
        &p.admin,
        Request::AuditList {
            filter,
            before_seq: None,
            limit: Some(200),
        },
    ) {
        Response::AuditRecords(r) => r,
        other => panic!("{other:?}"),
    };
    let about = list(AuditFilter {
        target_id: Some(p.client.clone()),
        ..Default::default()
    });
    assert!(!about.is_empty());
    assert!(about
        .iter()
        .all(|r| r.target_id.as_deref() == Some(p.client.as_str())));
    let clients = list(AuditFilter {
        action: Some("client.".into()),
        ..Default::default()
    });
    assert!(clients.iter().all(|r| r.action.starts_with("client.")));
    assert!(clients.iter().any(|r| r.action == "client.update"));
    let rec = f.staff_id("rec");
    let by_rec = list(AuditFilter {
        staff_id: Some(rec.clone()),
        action: Some("client.update".into()),
        ..Default::default()
    });
    assert_eq!(by_rec.len(), 1);
    let later = list(AuditFilter {
        from: Some("2099-01-01T00:00:00.000000Z".into()),
        ..Default::default()
    });
    assert!(later.is_empty());
    // Managers see the log now, and may export it.
    let (_, manager) = f.staff_session("mgr", Role::Manager);
    let Response::Csv(csv) = ok(
        &f,
        &manager,
        Request::AuditExport {
            filter: AuditFilter {
                target_id: Some(p.client.clone()),
                ..Default::default()
            },
        },
    ) else {
        panic!()
    };
    assert!(csv.starts_with("\u{feff}seq,at,actor_kind"));
    assert_eq!(
        csv.lines().count(),
        about.len() + 1,
        "the header and the records"
    );
}

fn scrub_mark(f: &Fixture) -> i64 {
    f.raw_connection()
        .query_row("SELECT scrub_pending FROM privacy_settings", [], |r| {
            r.get(0)
        })
        .unwrap()
}

#[test]
fn the_scan_refuses_no_texts_a_foreign_file_and_a_reception_caller() {
    let f = new_clinic();
    let p = plant(&f);
    let err = f
        .clinic
        .handle(
            &operator(),
            Request::PrivacyScan {
                texts: vec![Secret::new("  ")],
                backups: vec![],
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "validation.required");
    let foreign = f.dir.path().join("notes.txt");
    std::fs::write(
        &foreign,
        "FRONTDESK-BACKUP/1\n{}\n".to_string() + &"x".repeat(8192),
    )
    .unwrap();
    let err = f
        .clinic
        .handle(
            &operator(),
            Request::PrivacyScan {
                texts: vec![Secret::new(PLANTED[0])],
                backups: vec![foreign.to_string_lossy().into()],
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "store.not_frontdesk", "{err}");
    let err = f
        .clinic
        .handle(
            &p.reception,
            Request::PrivacyScan {
                texts: vec![Secret::new(PLANTED[0])],
                backups: vec![],
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "access.forbidden");
}

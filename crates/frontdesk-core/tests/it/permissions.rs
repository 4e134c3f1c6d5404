//! Every cell of the permission matrix, driven from the matrix itself.

use frontdesk_core::*;

use crate::support::*;

/// A request that needs exactly `p`. The match is exhaustive, so a new permission cannot be
/// added without a request that exercises it here.
fn sample(p: Permission, client_id: &str, staff_id: &str, dir: &std::path::Path) -> Request {
    match p {
        Permission::ClinicRead => Request::ClinicGet,
        Permission::ClinicConfigure => Request::ClinicUpdate(ClinicSettings {
            name: "Sunrise Clinic".into(),
            time_zone: "Asia/Phnom_Penh".into(),
            phone_region: "KH".into(),
            idle_timeout_minutes: 10,
        }),
        Permission::ClientSearch => Request::ClientSearch {
            query: "Matrix".into(),
            cursor: None,
            limit: None,
        },
        Permission::ClientRead => Request::ClientGet {
            id: client_id.into(),
        },
        Permission::ClientCreate => Request::ClientCreate {
            id: None,
            fields: client("Matrix Created"),
        },
        Permission::ClientUpdate => Request::ClientUpdate {
            id: client_id.into(),
            // A stale version: a permitted caller gets a conflict, never a refusal.
            expected_version: 999,
            fields: client("Matrix Target"),
        },
        Permission::StaffRead => Request::StaffList {
            include_inactive: false,
        },
        Permission::StaffManage => Request::StaffResetTotp {
            id: staff_id.into(),
        },
        Permission::OwnAccount => Request::PasswordChange {
            current: Secret::new("not-the-password"),
            new: Secret::new("whatever-new-password"),
        },
        Permission::AuditRead => Request::AuditList {
            filter: Default::default(),
            before_seq: None,
            limit: Some(1),
        },
        Permission::AuditVerify => Request::AuditVerify,
        Permission::DeviceManage => Request::DeviceList,
        Permission::Backup => Request::Backup {
            path: dir
                .join(format!("b-{}.backup", ulid::Ulid::new()))
                .display()
                .to_string(),
        },
        Permission::KeyManage => Request::PassphraseChange {
            current: Secret::new("not the passphrase at all"),
            new: Secret::new("another long passphrase"),
        },
        Permission::DemoGenerate => Request::DemoGenerate(DemoSpec {
            clients: 0,
            seed: Some(1),
            staff_password: Secret::new("x"), // too short: a permitted caller gets a validation error
            appointment_days: None,
            history: None,
        }),
        Permission::ChatRead => Request::ConversationList {
            unanswered_only: false,
            limit: None,
        },
        // No such message: a permitted caller gets "not found", never a refusal.
        Permission::ChatReply => Request::ChatDelete {
            message_id: ulid::Ulid::new().to_string(),
        },
        Permission::ChatConfigure => Request::ChatSettingsGet,
        // No such task: a permitted caller gets "not found", never a refusal.
        Permission::TaskWork => Request::TaskGet {
            id: ulid::Ulid::new().to_string(),
        },
        Permission::TaskManage => Request::TaskList {
            scope: TaskScope::Team,
            include_closed: false,
            limit: None,
        },
        Permission::RoutingConfigure => Request::RoutingGet,
        Permission::AppointmentRead => Request::AppointmentNoShows,
        // No such service: a permitted caller gets a validation error, never a refusal.
        Permission::AppointmentBook => Request::AppointmentCheck(Booking {
            id: None,
            client_id: client_id.into(),
            service_id: "no-such-service".into(),
            provider_id: staff_id.into(),
            room_id: None,
            start: chrono::NaiveDate::from_ymd_opt(2026, 3, 3)
                .unwrap()
                .and_hms_opt(10, 0, 0)
                .unwrap(),
            duration_minutes: None,
            end: None,
            note: String::new(),
            conversation_id: None,
            recurrence: None,
            override_reason: None,
            allow_past: false,
        }),
        Permission::AppointmentRevert => Request::AppointmentRevert {
            id: ulid::Ulid::new().to_string(),
            expected_version: 1,
            status: AppointmentStatus::Booked,
            note: "entered by mistake".into(),
        },
        Permission::ScheduleConfigure => Request::ReminderSettingsGet,
        Permission::ReportRead => Request::ReportMake {
            filter: ReportFilter {
                from: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
                to: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
                bucket: Bucket::Day,
                staff_ids: vec![],
                team: None,
                service_id: None,
            },
            output: ReportOutput::Screen,
        },
        Permission::ClientExport => Request::ClientExport {
            id: client_id.into(),
            totp: Secret::new("000000"),
        },
        Permission::ClientErase => Request::ClientErase {
            id: client_id.into(),
            totp: Secret::new("000000"),
            request_id: None,
        },
        Permission::ClientOpenRestricted => Request::RestrictedOpen {
            id: client_id.into(),
            reason: "matrix".into(),
        },
        Permission::PrivacyManage => Request::PrivacySettingsGet,
    }
}

#[test]
fn every_cell_of_the_matrix_is_enforced_and_audited() {
    let f = new_clinic();
    let target = f.add_client(&operator(), client("Matrix Target")).client.id;
    let sessions: Vec<(Role, Principal)> = Role::ALL
        .iter()
        .map(|r| (*r, f.staff_session(&format!("m-{}", r.as_str()), *r).1))
        .collect();
    let victim = f.staff_session("m-victim", Role::Clinician).0.id;
    let mut cells = 0;
    for (permission, row) in MATRIX {
        for (col, (role, who)) in sessions.iter().enumerate() {
            assert_eq!(allowed(*role, *permission), row[col]);
            let req = sample(*permission, &target, &victim, f.dir.path());
            assert_eq!(req.permission(), *permission);
            let action = req.action();
            let before = count_clients(&f);
            let result = f.clinic.handle(who, req);
            let last = f.audit().into_iter().next().unwrap();
            assert_eq!(last.action, action, "{permission:?} {role:?} audited");
            if row[col] {
                if let Err(e) = &result {
                    assert_ne!(e.code(), "access.forbidden", "{permission:?} for {role:?}");
                }
                assert_ne!(last.outcome, "denied");
            } else {
                let e = result
                    .err()
                    .unwrap_or_else(|| panic!("{permission:?} let {role:?} in"));
                assert_eq!(e.code(), "access.forbidden", "{permission:?} for {role:?}");
                assert_eq!(last.outcome, "denied");
                assert_eq!(count_clients(&f), before, "a refusal changes nothing");
            }
            cells += 1;
        }
    }
    assert_eq!(cells, MATRIX.len() * 4);
    // Every permission has exactly one row: 30 permissions, none listed twice.
    let seen: std::collections::HashSet<Permission> = MATRIX.iter().map(|(p, _)| *p).collect();
    assert_eq!(seen.len(), MATRIX.len(), "a permission is listed twice");
    assert_eq!(MATRIX.len(), 30);
}

#[test]
fn the_operator_principal_needs_the_passphrase() {
    let f = new_clinic();
    drop(f.clinic);
    let c = Clinic::open_with_keyring(&f.path, opts(&f.keyring, &f.clock)).unwrap();
    let err = c.handle(&operator(), Request::ClinicGet).err().unwrap();
    assert_eq!(err.code(), "access.operator_only");
    drop(c);
    // The desk app's passphrase fallback does not make it the operator either.
    let c = Clinic::open_with_passphrase(&f.path, PASSPHRASE, opts(&f.keyring, &f.clock)).unwrap();
    let err = c.handle(&operator(), Request::ClinicGet).err().unwrap();
    assert_eq!(err.code(), "access.operator_only");
    drop(c);
    let c = Clinic::open_as_operator(&f.path, PASSPHRASE, opts(&f.keyring, &f.clock)).unwrap();
    assert!(c.handle(&operator(), Request::ClinicGet).is_ok());
}

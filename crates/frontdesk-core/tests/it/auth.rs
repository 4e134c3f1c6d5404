//! Logins: passwords, TOTP, lockout with a growing delay, idle sessions.

use chrono::Duration;
use frontdesk_core::*;

use crate::support::*;

fn login(f: &Fixture, login: &str, password: &str, code: Option<String>) -> Result<Session> {
    f.clinic.login(&LoginRequest {
        login: login.into(),
        password: Secret::new(password),
        totp_code: code,
        workstation: "desk-1".into(),
    })
}

#[test]
fn admins_need_a_totp_code_and_a_code_cannot_be_replayed() {
    let f = new_clinic();
    let err = login(&f, "admin", ADMIN_PASSWORD, None).err().unwrap();
    assert_eq!(err.code(), "auth.totp_required");
    let err = login(&f, "admin", ADMIN_PASSWORD, Some("000000".into()))
        .err()
        .unwrap();
    let right = totp_code(&f.admin_totp, "admin", &f.clock);
    if right != "000000" {
        assert_eq!(err.code(), "auth.bad_totp");
    }
    let s = login(&f, "admin", ADMIN_PASSWORD, Some(right.clone())).unwrap();
    assert_eq!(s.role, Role::Admin);
    // The same code again, within its 30 seconds, is refused.
    let err = login(&f, "admin", ADMIN_PASSWORD, Some(right))
        .err()
        .unwrap();
    assert_eq!(err.code(), "auth.bad_totp");
    f.clock.advance(Duration::seconds(30));
    let fresh = totp_code(&f.admin_totp, "admin", &f.clock);
    login(&f, "admin", ADMIN_PASSWORD, Some(fresh)).unwrap();
}

#[test]
fn wrong_login_and_wrong_password_look_the_same() {
    let f = new_clinic();
    f.staff_session("desk", Role::Receptionist);
    let a = login(&f, "nobody", STAFF_PASSWORD, None).err().unwrap();
    let b = login(&f, "desk", "wrong-password!", None).err().unwrap();
    assert_eq!(a.code(), "auth.bad_credentials");
    assert_eq!(b.code(), "auth.bad_credentials");
    assert_eq!(a.to_string(), b.to_string());
}

#[test]
fn five_failures_lock_the_account_with_a_growing_delay() {
    let f = new_clinic();
    f.staff_session("desk", Role::Receptionist);
    for _ in 0..4 {
        assert_eq!(
            login(&f, "desk", "wrong-password!", None)
                .err()
                .unwrap()
                .code(),
            "auth.bad_credentials"
        );
    }
    let fifth = login(&f, "desk", "wrong-password!", None).err().unwrap();
    assert!(
        matches!(
            fifth,
            Error::LockedOut {
                retry_after_secs: 30
            }
        ),
        "{fifth:?}"
    );
    // Even the right password waits out the lock, and is told how long.
    f.clock.advance(Duration::seconds(10));
    match login(&f, "desk", STAFF_PASSWORD, None) {
        Err(Error::LockedOut { retry_after_secs }) => assert_eq!(retry_after_secs, 20),
        other => panic!("{other:?}"),
    }
    // After the lock, another failure locks for twice as long.
    f.clock.advance(Duration::seconds(21));
    let sixth = login(&f, "desk", "wrong-password!", None).err().unwrap();
    assert!(
        matches!(
            sixth,
            Error::LockedOut {
                retry_after_secs: 60
            }
        ),
        "{sixth:?}"
    );
    f.clock.advance(Duration::seconds(61));
    let seventh = login(&f, "desk", "wrong-password!", None).err().unwrap();
    assert!(
        matches!(
            seventh,
            Error::LockedOut {
                retry_after_secs: 120
            }
        ),
        "{seventh:?}"
    );
    // The right password after the lock works and resets the count.
    f.clock.advance(Duration::seconds(121));
    login(&f, "desk", STAFF_PASSWORD, None).unwrap();
    assert_eq!(
        login(&f, "desk", "wrong-password!", None)
            .err()
            .unwrap()
            .code(),
        "auth.bad_credentials"
    );
    // Failures are audited without the password.
    let denied: Vec<_> = f
        .audit()
        .into_iter()
        .filter(|r| r.action == "auth.login" && r.outcome == "denied")
        .collect();
    assert!(denied.len() >= 8);
    assert!(denied
        .iter()
        .all(|r| !format!("{r:?}").contains("wrong-password")));
}

#[test]
fn idle_sessions_end_and_deactivated_staff_are_logged_out() {
    let f = new_clinic();
    let (staff, who) = f.staff_session("desk", Role::Receptionist);
    f.clinic.handle(&who, Request::ClinicGet).unwrap();
    // Activity keeps it alive ...
    f.clock.advance(Duration::minutes(9));
    f.clinic.handle(&who, Request::ClinicGet).unwrap();
    f.clock.advance(Duration::minutes(9));
    f.clinic.handle(&who, Request::ClinicGet).unwrap();
    // ... ten idle minutes (the default) end it.
    f.clock
        .advance(Duration::minutes(10) + Duration::seconds(1));
    let err = f.clinic.handle(&who, Request::ClinicGet).err().unwrap();
    assert_eq!(err.code(), "auth.session_expired");

    let (_, again) = {
        f.clock.advance(Duration::seconds(1));
        let s = login(&f, "desk", STAFF_PASSWORD, None).unwrap();
        (s.clone(), session(&s.token))
    };
    f.clinic.handle(&again, Request::ClinicGet).unwrap();
    f.clinic
        .handle(
            &operator(),
            Request::StaffSetActive {
                id: staff.id.clone(),
                active: false,
            },
        )
        .unwrap();
    assert_eq!(
        f.clinic
            .handle(&again, Request::ClinicGet)
            .err()
            .unwrap()
            .code(),
        "auth.session_expired"
    );
    assert_eq!(
        login(&f, "desk", STAFF_PASSWORD, None)
            .err()
            .unwrap()
            .code(),
        "auth.inactive"
    );
}

#[test]
fn the_last_admin_cannot_be_removed_and_staff_fields_are_checked() {
    let f = new_clinic();
    let err = f
        .clinic
        .handle(
            &operator(),
            Request::StaffSetActive {
                id: f.admin.id.clone(),
                active: false,
            },
        )
        .err()
        .unwrap();
    assert_eq!(err.code(), "staff.last_admin");
    let mut fields = StaffFields::new("Bad Hours", Role::Clinician);
    fields.working_hours[0].end = fields.working_hours[0].start;
    let err = f
        .clinic
        .handle(
            &operator(),
            Request::StaffCreate(NewStaff {
                login: "bad".into(),
                password: Secret::new(STAFF_PASSWORD),
                fields,
            }),
        )
        .err()
        .unwrap();
    assert_eq!(err.code(), "validation.hours_order");
    let err = f
        .clinic
        .handle(
            &operator(),
            Request::StaffCreate(NewStaff {
                login: "admin".into(),
                password: Secret::new(STAFF_PASSWORD),
                fields: StaffFields::new("Dup", Role::Clinician),
            }),
        )
        .err()
        .unwrap();
    assert_eq!(err.code(), "staff.login_taken");
    let err = f
        .clinic
        .handle(
            &operator(),
            Request::StaffCreate(NewStaff {
                login: "short".into(),
                password: Secret::new("short"),
                fields: StaffFields::new("Short", Role::Clinician),
            }),
        )
        .err()
        .unwrap();
    assert_eq!(err.code(), "validation.password_too_short");
}

#[test]
fn promotion_to_manager_enrolls_totp() {
    let f = new_clinic();
    let (s, _) = f.staff_session("rise", Role::Receptionist);
    assert!(!s.totp_enrolled);
    let mut fields = s.fields.clone();
    fields.role = Role::Manager;
    let Response::StaffSaved { staff, totp } = f
        .clinic
        .handle(
            &operator(),
            Request::StaffUpdate {
                id: s.id.clone(),
                expected_version: s.version,
                fields,
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert!(staff.totp_enrolled);
    let totp = totp.expect("enrollment shown once");
    f.clock.advance(Duration::seconds(30));
    assert_eq!(
        login(&f, "rise", STAFF_PASSWORD, None)
            .err()
            .unwrap()
            .code(),
        "auth.totp_required"
    );
    login(
        &f,
        "rise",
        STAFF_PASSWORD,
        Some(totp_code(&totp, "rise", &f.clock)),
    )
    .unwrap();
}

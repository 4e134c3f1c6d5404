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
fn idle_sessions_lock_and_deactivated_staff_are_logged_out() {
    let f = new_clinic();
    let (staff, who) = f.staff_session("desk", Role::Receptionist);
    f.clinic.handle(&who, Request::ClinicGet).unwrap();
    // Activity keeps it alive ...
    f.clock.advance(Duration::minutes(9));
    f.clinic.handle(&who, Request::ClinicGet).unwrap();
    f.clock.advance(Duration::minutes(9));
    f.clinic.handle(&who, Request::ClinicGet).unwrap();
    // ... ten idle minutes (the default) lock it.
    f.clock
        .advance(Duration::minutes(10) + Duration::seconds(1));
    let Principal::Session { token } = &who else {
        unreachable!()
    };
    assert!(
        f.clinic.session_locked(token).unwrap(),
        "idle is locked before any request"
    );
    let err = f.clinic.handle(&who, Request::ClinicGet).err().unwrap();
    assert_eq!(err.code(), "auth.session_locked");

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

fn token(p: &Principal) -> String {
    match p {
        Principal::Session { token } => token.clone(),
        _ => unreachable!(),
    }
}

#[test]
fn a_locked_session_serves_nothing_until_its_own_password_is_given() {
    let f = new_clinic();
    let (_, who) = f.staff_session("desk", Role::Receptionist);
    let t = token(&who);
    f.clinic.lock_session(&t).unwrap();
    assert_eq!(
        f.clinic
            .handle(&who, Request::ClinicGet)
            .err()
            .unwrap()
            .code(),
        "auth.session_locked"
    );
    // Another person's password does not open it.
    let (_, _other) = f.staff_session("nurse", Role::Clinician);
    let err = f
        .clinic
        .unlock_session(&t, &Secret::new(ADMIN_PASSWORD))
        .err()
        .unwrap();
    assert_eq!(err.code(), "auth.bad_credentials");
    assert!(f.clinic.handle(&who, Request::ClinicGet).is_err());

    let s = f
        .clinic
        .unlock_session(&t, &Secret::new(STAFF_PASSWORD))
        .unwrap();
    assert_eq!((s.token.as_str(), s.login.as_str()), (t.as_str(), "desk"));
    f.clinic.handle(&who, Request::ClinicGet).unwrap();

    let actions: Vec<_> = f
        .audit()
        .into_iter()
        .filter(|r| r.action == "auth.lock" || r.action == "auth.unlock")
        .map(|r| (r.action, r.outcome))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("auth.unlock".to_string(), "ok".to_string()),
            ("auth.unlock".to_string(), "denied".to_string()),
            ("auth.lock".to_string(), "ok".to_string()),
        ]
    );
}

#[test]
fn wrong_unlock_passwords_count_towards_the_lockout() {
    let f = new_clinic();
    let (_, who) = f.staff_session("desk", Role::Receptionist);
    let t = token(&who);
    f.clinic.lock_session(&t).unwrap();
    for _ in 0..(MAX_FAILURES - 1) {
        let e = f
            .clinic
            .unlock_session(&t, &Secret::new("nope nope nope"))
            .err()
            .unwrap();
        assert_eq!(e.code(), "auth.bad_credentials");
    }
    let e = f
        .clinic
        .unlock_session(&t, &Secret::new("nope nope nope"))
        .err()
        .unwrap();
    assert_eq!(e.body().retry_after_secs, Some(FIRST_LOCK_SECS));
    // Even the right password waits for the lock to pass ...
    let e = f
        .clinic
        .unlock_session(&t, &Secret::new(STAFF_PASSWORD))
        .err()
        .unwrap();
    assert_eq!(e.code(), "auth.locked_out");
    assert!(e.body().retry_after_secs.unwrap() <= FIRST_LOCK_SECS);
    // ... and a fresh login is locked the same way.
    assert_eq!(
        login(&f, "desk", STAFF_PASSWORD, None)
            .err()
            .unwrap()
            .code(),
        "auth.locked_out"
    );
    f.clock.advance(Duration::seconds(FIRST_LOCK_SECS + 1));
    f.clinic
        .unlock_session(&t, &Secret::new(STAFF_PASSWORD))
        .unwrap();
    f.clinic.handle(&who, Request::ClinicGet).unwrap();
}

#[test]
fn switching_user_ends_the_locked_session() {
    let f = new_clinic();
    let (_, who) = f.staff_session("desk", Role::Receptionist);
    let t = token(&who);
    f.clinic.lock_session(&t).unwrap();
    f.clinic.end_session(&t).unwrap();
    assert_eq!(
        f.clinic
            .handle(&who, Request::ClinicGet)
            .err()
            .unwrap()
            .code(),
        "auth.session_expired"
    );
    assert_eq!(
        f.clinic
            .unlock_session(&t, &Secret::new(STAFF_PASSWORD))
            .err()
            .unwrap()
            .code(),
        "auth.session_expired"
    );
    assert!(f.audit().iter().any(|r| r.action == "auth.logout"));
}

#[test]
fn recovery_passphrases_are_long_random_and_accepted() {
    let a = generate_recovery_passphrase();
    let b = generate_recovery_passphrase();
    assert_ne!(a, b);
    assert_eq!(a.len(), 8 * 4 + 7);
    assert!(a.split('-').all(|g| g.len() == 4
        && g.chars()
            .all(|c| c.is_ascii_alphanumeric() && !"01OIL".contains(c))));
    let tmp = tempfile::tempdir().unwrap();
    let mut setup = setup("Clinic");
    setup.recovery_passphrase = Secret::new(a.clone());
    let created = Clinic::create(&tmp.path().join("c.db"), &setup, Options::default()).unwrap();
    drop(created);
    Clinic::open_with_passphrase(&tmp.path().join("c.db"), &a, Options::default()).unwrap();
}

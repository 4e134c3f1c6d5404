//! Desk pairing records: codes, single use, expiry, the device list and revocation, at the
//! core's level (the host's LAN tests cover the network side).

use frontdesk_core::*;

use crate::support::*;

fn identity() -> LanIdentity {
    LanIdentity {
        cert_der: vec![1, 2, 3],
        key_der: vec![4, 5, 6],
        fingerprint: "ab".repeat(32),
    }
}

fn code(f: &Fixture, who: &Principal) -> Result<PairingCode> {
    match f.clinic.handle(who, Request::DevicePairStart)? {
        Response::PairingCode(c) => Ok(c),
        other => panic!("expected a code, got {other:?}"),
    }
}

#[test]
fn no_codes_before_the_lan_service_made_its_certificate() {
    let f = new_clinic();
    assert_eq!(code(&f, &operator()).unwrap_err().code(), "device.lan_off");
    let kept = f.clinic.keep_lan_identity(&identity()).unwrap();
    // A second identity never replaces the first: desks have pinned it.
    let other = LanIdentity {
        fingerprint: "cd".repeat(32),
        ..identity()
    };
    assert_eq!(
        f.clinic.keep_lan_identity(&other).unwrap().fingerprint,
        kept.fingerprint
    );
    let c = code(&f, &operator()).unwrap();
    assert_eq!(c.fingerprint, kept.fingerprint);
}

#[test]
fn codes_are_short_distinct_in_their_first_character_and_limited_to_thirty_two_open() {
    let f = new_clinic();
    f.clinic.keep_lan_identity(&identity()).unwrap();
    let mut slots = std::collections::HashSet::new();
    for _ in 0..32 {
        let c = code(&f, &operator()).unwrap();
        let chars: Vec<char> = c.code.chars().collect();
        assert_eq!(chars.len(), 11);
        assert_eq!((chars[3], chars[7]), ('-', '-'));
        assert!(c
            .code
            .chars()
            .filter(|c| *c != '-')
            .all(|c| "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c)));
        assert!(
            slots.insert(chars[0]),
            "two open codes share a first character"
        );
    }
    assert_eq!(
        code(&f, &operator()).unwrap_err().code(),
        "validation.too_many"
    );
    // Once they expire, their characters are free again.
    f.clock.advance(chrono::Duration::minutes(CODE_MINUTES + 1));
    code(&f, &operator()).unwrap();
}

#[test]
fn only_admins_pair_list_and_revoke_and_a_code_pairs_one_device_once() {
    let f = new_clinic();
    f.clinic.keep_lan_identity(&identity()).unwrap();
    let (_, reception) = f.staff_session("rita", Role::Receptionist);
    assert_eq!(code(&f, &reception).unwrap_err().code(), "access.forbidden");
    assert_eq!(
        f.clinic
            .handle(&reception, Request::DeviceList)
            .unwrap_err()
            .code(),
        "access.forbidden"
    );

    let c = code(&f, &operator()).unwrap();
    let open = f
        .clinic
        .pairing_code(&c.code[..1].to_lowercase(), "192.0.2.7")
        .unwrap();
    assert_eq!(open.secret, c.code[1..].replace('-', ""));
    let d = f
        .clinic
        .pair_device(&open.id, "Consult room 2", &[9; 65], "192.0.2.7")
        .unwrap();
    assert_eq!(
        f.clinic
            .pair_device(&open.id, "Second", &[9; 65], "192.0.2.8")
            .unwrap_err()
            .code(),
        "pair.wrong_code"
    );
    assert_eq!(
        f.clinic
            .pairing_code(&c.code[..1], "192.0.2.8")
            .unwrap_err()
            .code(),
        "pair.wrong_code",
        "a used code is gone"
    );
    let (seen, key) = f.clinic.device_hello(&d.id, "192.0.2.9").unwrap();
    assert_eq!(key, vec![9; 65]);
    assert_eq!(seen.last_seen_from.as_deref(), Some("192.0.2.9"));

    let Response::Device(revoked) = f
        .clinic
        .handle(&operator(), Request::DeviceRevoke { id: d.id.clone() })
        .unwrap()
    else {
        panic!()
    };
    assert!(revoked.revoked_at.is_some());
    assert!(!f.clinic.device_active(&d.id).unwrap());
    assert_eq!(
        f.clinic
            .device_hello(&d.id, "192.0.2.9")
            .unwrap_err()
            .code(),
        "device.revoked"
    );
    assert_eq!(
        f.clinic
            .device_hello("01NOSUCHDEVICE00000000000", "192.0.2.9")
            .unwrap_err()
            .code(),
        "device.unknown"
    );
    let audit = f.audit();
    let denied: Vec<_> = audit
        .iter()
        .filter(|r| r.outcome == "denied" && r.action.starts_with("device."))
        .map(|r| (r.action.as_str(), r.detail.as_deref().unwrap_or("")))
        .collect();
    assert!(denied.contains(&("device.pair", "pair.wrong_code")));
    assert!(denied.contains(&("device.connect", "device.revoked")));
    assert!(denied.contains(&("device.connect", "device.unknown")));
    assert!(audit.iter().any(|r| r.action == "device.pair"
        && r.outcome == "ok"
        && r.target_id.as_deref() == Some(&d.id)));
    // The audit log never holds a code's secret.
    assert!(audit
        .iter()
        .all(|r| !format!("{r:?}").contains(&open.secret)));
}

#[test]
fn five_wrong_proofs_burn_a_code() {
    let f = new_clinic();
    f.clinic.keep_lan_identity(&identity()).unwrap();
    let c = code(&f, &operator()).unwrap();
    let open = f.clinic.pairing_code(&c.code[..1], "192.0.2.7").unwrap();
    for _ in 0..CODE_MAX_FAILURES {
        f.clinic.pairing_failed(&open.id, "192.0.2.7").unwrap();
    }
    assert_eq!(
        f.clinic
            .pairing_code(&c.code[..1], "192.0.2.7")
            .unwrap_err()
            .code(),
        "pair.wrong_code"
    );
    assert_eq!(
        f.clinic
            .pair_device(&open.id, "Late", &[9; 65], "192.0.2.7")
            .unwrap_err()
            .code(),
        "pair.wrong_code"
    );
}

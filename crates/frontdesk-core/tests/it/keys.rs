//! The recovery passphrase and key rotation.

use frontdesk_core::*;

use crate::support::*;

#[test]
fn changing_the_passphrase_keeps_the_data_and_drops_the_old_one() {
    let f = new_clinic();
    f.add_client(&operator(), client("Kept Through Changes"));
    let err = f
        .clinic
        .handle(
            &operator(),
            Request::PassphraseChange {
                current: Secret::new("wrong passphrase here"),
                new: Secret::new("a brand new passphrase"),
            },
        )
        .err()
        .unwrap();
    assert_eq!(err.code(), "key.wrong_passphrase");
    let err = f
        .clinic
        .handle(
            &operator(),
            Request::PassphraseChange {
                current: Secret::new(PASSPHRASE),
                new: Secret::new("short"),
            },
        )
        .err()
        .unwrap();
    assert_eq!(err.code(), "validation.passphrase_too_short");
    f.clinic
        .handle(
            &operator(),
            Request::PassphraseChange {
                current: Secret::new(PASSPHRASE),
                new: Secret::new("a brand new passphrase"),
            },
        )
        .unwrap();
    drop(f.clinic);
    let o = Options::default();
    let err = Clinic::open_as_operator(&f.path, PASSPHRASE, o.clone())
        .err()
        .unwrap();
    assert_eq!(err.code(), "key.wrong_passphrase");
    let c = Clinic::open_as_operator(&f.path, "a brand new passphrase", o).unwrap();
    let p = search_all(&c, "Kept");
    assert_eq!(p.len(), 1);
}

#[test]
fn rotating_the_key_re_encrypts_and_updates_keyring_and_key_file() {
    let f = new_clinic();
    f.add_client(&operator(), client("Rotated Person"));
    let old = f.keyring.load(f.clinic.id()).unwrap().unwrap();
    let err = f
        .clinic
        .handle(
            &operator(),
            Request::KeyRotate {
                passphrase: Secret::new("wrong one, sorry"),
            },
        )
        .err()
        .unwrap();
    assert_eq!(err.code(), "key.wrong_passphrase");
    f.clinic
        .handle(
            &operator(),
            Request::KeyRotate {
                passphrase: Secret::new(PASSPHRASE),
            },
        )
        .unwrap();
    // Still usable on the open connection.
    f.add_client(&operator(), client("After Rotation"));
    let new = f.keyring.load(f.clinic.id()).unwrap().unwrap();
    assert_ne!(old.as_bytes(), new.as_bytes());
    let id = f.clinic.id().to_string();
    drop(f.clinic);

    // The old key no longer opens the file; the new one (keyring) and the passphrase do.
    f.keyring.store(&id, &old).unwrap();
    let err = Clinic::open_with_keyring(&f.path, opts(&f.keyring, &f.clock))
        .err()
        .unwrap();
    assert_eq!(err.code(), "key.wrong_key");
    f.keyring.store(&id, &new).unwrap();
    drop(Clinic::open_with_keyring(&f.path, opts(&f.keyring, &f.clock)).unwrap());
    let c = Clinic::open_as_operator(&f.path, PASSPHRASE, Options::default()).unwrap();
    let p = search_all(&c, "Rotat");
    assert_eq!(p.len(), 2);
}

#[test]
fn an_interrupted_rotation_still_opens_with_the_passphrase() {
    let f = new_clinic();
    f.add_client(&operator(), client("Survivor"));
    let current = f.keyring.load(f.clinic.id()).unwrap().unwrap();
    drop(f.clinic);
    // As if the process died after step 1: the key file holds the old key and a new key
    // that was never applied to the database.
    let kf = KeyFile::read(&f.path).unwrap();
    let never_applied = DbKey::random();
    KeyFile::new(&kf.clinic_id, PASSPHRASE, &[&current, &never_applied])
        .unwrap()
        .write(&f.path)
        .unwrap();
    let c = Clinic::open_as_operator(&f.path, PASSPHRASE, Options::default()).unwrap();
    let p = search_all(&c, "Survivor");
    assert_eq!(p.len(), 1);
    // The key file was tidied to the one key that works.
    let tidy = KeyFile::read(&f.path)
        .unwrap()
        .unwrap_keys(PASSPHRASE)
        .unwrap();
    assert_eq!(tidy.len(), 1);
    assert_eq!(tidy[0].as_bytes(), current.as_bytes());
}

#[test]
#[ignore = "needs a Secret Service (gnome-keyring on a D-Bus session): tests/os_keyring.sh runs it"]
fn the_os_keyring_keeps_the_key_and_the_passphrase_repairs_it() {
    let keyring: std::sync::Arc<dyn KeyStore> = std::sync::Arc::new(OsKeyring::new());
    let o = Options {
        keyring: Some(keyring.clone()),
        ..Options::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clinic.db");
    let created = Clinic::create(&path, &setup("Keyring Clinic"), o.clone()).unwrap();
    assert!(created.key_in_keyring, "the Secret Service took the key");
    let id = created.clinic.id().to_string();
    drop(created.clinic);
    assert!(keyring.load(&id).unwrap().is_some());
    drop(Clinic::open_with_keyring(&path, o.clone()).unwrap());

    keyring.remove(&id).unwrap();
    let err = Clinic::open_with_keyring(&path, o.clone()).err().unwrap();
    assert_eq!(err.code(), "key.keyring_missing");
    drop(Clinic::open_with_passphrase(&path, PASSPHRASE, o.clone()).unwrap());
    drop(Clinic::open_with_keyring(&path, o).unwrap());
    keyring.remove(&id).unwrap();
    assert!(keyring.load(&id).unwrap().is_none());
}

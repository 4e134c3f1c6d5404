//! The encrypted file: nothing readable on disk, clear errors for wrong or foreign files,
//! migrations, a full disk, and two processes at once.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use frontdesk_core::*;
use sha2::{Digest, Sha256};

use crate::support::*;

fn grep_finds(needle: &str, file: &Path) -> bool {
    let out = Command::new("grep")
        .args(["-a", "-c", "-F", needle])
        .arg(file)
        .output()
        .expect("grep runs");
    out.status.success()
}

fn strings_finds(needle: &str, file: &Path) -> bool {
    let out = Command::new("strings")
        .args(["-a", "-n", "6"])
        .arg(file)
        .output()
        .expect("strings runs (binutils)");
    String::from_utf8_lossy(&out.stdout).contains(needle)
}

fn file_hash(p: &Path) -> Vec<u8> {
    Sha256::digest(std::fs::read(p).unwrap()).to_vec()
}

#[test]
fn planted_strings_are_nowhere_on_disk() {
    let f = new_clinic();
    let name = "Plantedname Qzxwv";
    let notes = "plantednote-7c1f-secret-diagnosis";
    let saved = f.add_client(
        &operator(),
        ClientFields {
            full_name: name.into(),
            notes: notes.into(),
            phones: vec!["+855 12 345 678".into()],
            email: Some("planted.mail@example.com".into()),
            ..Default::default()
        },
    );
    let needles = [
        "Plantedname",
        "plantedname",
        "plantednote-7c1f",
        "85512345678",
        "12 345 678",
        "planted.mail",
    ];
    // The grep and strings used here do find a planted string when it is there.
    let control = f.dir.path().join("control.txt");
    std::fs::write(&control, format!("xx {notes} yy")).unwrap();
    assert!(grep_finds("plantednote-7c1f", &control));
    assert!(strings_finds("plantednote-7c1f", &control));

    let wal = f.dir.path().join("clinic.db-wal");
    assert!(wal.exists(), "the write is in the WAL before a checkpoint");
    let backup = f.dir.path().join("clinic.backup");
    f.clinic
        .handle(
            &operator(),
            Request::Backup {
                path: backup.display().to_string(),
            },
        )
        .unwrap();
    // Read the card so that it is also in the page cache and the WAL index.
    f.clinic
        .handle(
            &operator(),
            Request::ClientGet {
                id: saved.client.id.clone(),
            },
        )
        .unwrap();
    let key_file = f.dir.path().join("clinic.db.key");
    for file in [&f.path, &wal, &backup, &key_file] {
        for n in needles {
            assert!(
                !grep_finds(n, file),
                "{n} found by grep in {}",
                file.display()
            );
            assert!(
                !strings_finds(n, file),
                "{n} found by strings in {}",
                file.display()
            );
        }
    }
    // Nor is the raw key in the key file.
    let key = f.keyring.load(f.clinic.id()).unwrap().unwrap();
    assert!(!grep_finds(&hex::encode(key.as_bytes()), &key_file));
}

#[test]
fn keyring_paths_wrong_key_missing_key_and_repair() {
    let f = new_clinic();
    let id = f.clinic.id().to_string();
    let (path, keyring, clock, dir) = (f.path.clone(), f.keyring.clone(), f.clock.clone(), f.dir);
    drop(f.clinic);
    let before = file_hash(&path);

    // Wrong key in the keyring.
    keyring.store(&id, &DbKey::random()).unwrap();
    let err = Clinic::open_with_keyring(&path, opts(&keyring, &clock))
        .err()
        .unwrap();
    assert_eq!(err.code(), "key.wrong_key");

    // No key in the keyring at all.
    keyring.remove(&id).unwrap();
    let err = Clinic::open_with_keyring(&path, opts(&keyring, &clock))
        .err()
        .unwrap();
    assert_eq!(err.code(), "key.keyring_missing");

    // A wrong passphrase.
    let err = Clinic::open_with_passphrase(&path, "not the passphrase", opts(&keyring, &clock))
        .err()
        .unwrap();
    assert_eq!(err.code(), "key.wrong_passphrase");
    assert_eq!(
        file_hash(&path),
        before,
        "failed opens leave the file as it was"
    );

    // The passphrase opens it and puts the key back into the keyring ...
    let c = Clinic::open_with_passphrase(&path, PASSPHRASE, opts(&keyring, &clock)).unwrap();
    drop(c);
    // ... so the next start needs no passphrase.
    let c = Clinic::open_with_keyring(&path, opts(&keyring, &clock)).unwrap();
    assert_eq!(c.id(), id);
    drop(dir);
}

#[test]
fn foreign_files_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let o = Options::default();

    let missing = dir.path().join("nothing.db");
    let err = Clinic::open_as_operator(&missing, PASSPHRASE, o.clone())
        .err()
        .unwrap();
    assert_eq!(err.code(), "store.no_database");

    // Random bytes with no key file.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![7u8; 8192]).unwrap();
    let err = Clinic::open_as_operator(&junk, PASSPHRASE, o.clone())
        .err()
        .unwrap();
    assert_eq!(err.code(), "store.not_frontdesk");
    assert!(err.to_string().contains("key file"), "{err}");

    // A plain SQLite database beside a real key file.
    let f = new_clinic();
    let plain = dir.path().join("plain.db");
    rusqlite::Connection::open(&plain)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    std::fs::copy(
        f.dir.path().join("clinic.db.key"),
        dir.path().join("plain.db.key"),
    )
    .unwrap();
    let before = file_hash(&plain);
    let err = Clinic::open_as_operator(&plain, PASSPHRASE, o.clone())
        .err()
        .unwrap();
    assert_eq!(err.code(), "store.not_frontdesk");
    assert!(err.to_string().contains("unencrypted"), "{err}");
    assert_eq!(file_hash(&plain), before);

    // Another clinic's key file beside this clinic's database.
    let g = new_clinic();
    drop(g.clinic);
    drop(f.clinic);
    std::fs::copy(
        g.dir.path().join("clinic.db.key"),
        f.dir.path().join("clinic.db.key"),
    )
    .unwrap();
    let before = file_hash(&f.path);
    let err = Clinic::open_as_operator(&f.path, PASSPHRASE, o)
        .err()
        .unwrap();
    assert_eq!(err.code(), "store.not_frontdesk");
    assert_eq!(file_hash(&f.path), before);
}

#[test]
fn a_database_from_a_newer_version_is_refused_untouched() {
    let f = new_clinic();
    let raw = f.raw_connection();
    raw.pragma_update(None, "user_version", 99).unwrap();
    drop(raw);
    drop(f.clinic);
    let err = Clinic::open_with_keyring(&f.path, opts(&f.keyring, &f.clock))
        .err()
        .unwrap();
    assert_eq!(err.code(), "store.newer_schema");
    assert!(err.to_string().contains("99"), "{err}");
    let id = KeyFile::read(&f.path).unwrap().clinic_id;
    let raw = raw_connection(&f.path, &f.keyring, &id);
    let v: i64 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 99);
}

#[test]
fn migrations_apply_from_empty_and_from_every_earlier_version() {
    migrations().validate().unwrap();
    let n = schema_version();
    for start in 0..n {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        let m = migrations();
        m.to_version(&mut conn, start as usize).unwrap();
        m.to_latest(&mut conn).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, n, "from version {start}");
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name IN ('clients', 'staff', 'audit')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 3);
    }
}

#[test]
fn every_migration_file_is_embedded_in_order() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    on_disk.sort();
    let embedded: Vec<String> = MIGRATION_FILES.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(on_disk, embedded);
}

/// A real full disk: a 3 MiB tmpfs. Needs root (CI runs as root).
struct Mount(std::path::PathBuf);
impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_gives_a_clear_error_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=3m", "tmpfs"])
        .arg(&mnt)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "mounting a small tmpfs needs root; run the tests as CI does"
    );
    let _guard = Mount(mnt.clone());

    let path = mnt.join("clinic.db");
    let created = Clinic::create(&path, &setup("Tiny"), Options::default()).unwrap();
    drop(created.clinic);
    let clinic = Clinic::open_as_operator(&path, PASSPHRASE, Options::default()).unwrap();
    let notes: String = (0..9000)
        .map(|i| char::from(b'a' + (i * 7 % 26) as u8))
        .collect();
    let mut added = 0;
    let err = loop {
        let r = clinic.handle(
            &operator(),
            Request::ClientCreate {
                id: None,
                fields: ClientFields {
                    full_name: format!("Filler {added}"),
                    notes: notes.clone(),
                    ..Default::default()
                },
            },
        );
        match r {
            Ok(_) => added += 1,
            Err(e) => break e,
        }
        assert!(added < 2000, "the disk never filled");
    };
    assert_eq!(err.code(), "store.disk_full", "{err}");
    assert!(added > 0);
    // A read is audited: on a full disk it is either served and recorded, or refused with the
    // same clear error (whether the audit record still fits depends on free pages), never
    // served unrecorded.
    let read = clinic.handle(
        &operator(),
        Request::ClientSearch {
            query: "Filler".into(),
            cursor: None,
            limit: None,
        },
    );
    let read_served = match &read {
        Ok(_) => true,
        Err(e) => {
            assert_eq!(e.code(), "store.disk_full");
            false
        }
    };
    // Nothing of the failed request was kept, and what was saved before is all there.
    let key = KeyFile::read(&path)
        .unwrap()
        .unwrap_keys(PASSPHRASE)
        .unwrap()
        .remove(0);
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\";",
        hex::encode(key.as_bytes())
    ))
    .unwrap();
    let names: Vec<String> = raw
        .prepare("SELECT full_name FROM clients")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(names.len(), added);
    assert!(!names.contains(&format!("Filler {added}")));
    let history: i64 = raw
        .query_row("SELECT count(*) FROM client_history", [], |r| r.get(0))
        .unwrap();
    assert_eq!(history as usize, added);
    let searches_recorded: i64 = raw
        .query_row(
            "SELECT count(*) FROM audit WHERE action = 'client.search' AND outcome = 'ok'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(searches_recorded, read_served as i64);
}

#[test]
fn two_connections_writing_at_once_keep_everything_and_the_chain() {
    let f = new_clinic();
    let second = Arc::new(
        Clinic::open_as_operator(&f.path, PASSPHRASE, opts(&f.keyring, &f.clock)).unwrap(),
    );
    let first = Arc::new(f.clinic);
    let handles: Vec<_> = [first.clone(), second.clone()]
        .into_iter()
        .enumerate()
        .map(|(w, c)| {
            std::thread::spawn(move || {
                for i in 0..40 {
                    c.handle(
                        &operator(),
                        Request::ClientCreate {
                            id: None,
                            fields: client(&format!("Writer{w} Client{i}")),
                        },
                    )
                    .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let Response::AuditReport(r) = first.handle(&operator(), Request::AuditVerify).unwrap() else {
        panic!()
    };
    assert_eq!(r.first_broken, None);
    assert!(r.records >= 81);
    let n: i64 = raw_connection(&f.path, &f.keyring, first.id())
        .query_row("SELECT count(*) FROM clients", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 80);
}

#[test]
fn checkpoints_copy_the_log_on_their_own_connection_and_follow_a_key_rotation() {
    let f = new_clinic();
    for n in 0..30 {
        f.add_client(&operator(), client(&format!("Checkpoint {n}")));
    }
    let c = f.clinic.checkpoint().unwrap();
    assert!(c.log_pages > 0, "the writes are in the log");
    assert_eq!(c.copied_pages, c.log_pages, "and all of them are copied");
    f.clinic
        .handle(
            &operator(),
            Request::KeyRotate {
                passphrase: Secret::new(PASSPHRASE),
            },
        )
        .unwrap();
    f.add_client(&operator(), client("After the rotation"));
    // The old connection's key is stale: it reopens with the new one and carries on.
    let c = f.clinic.checkpoint().unwrap();
    assert_eq!(c.copied_pages, c.log_pages);
    let id = f.clinic.id().to_string();
    drop(f.clinic);
    // Everything is there under the new key.
    let n: i64 = raw_connection(&f.path, &f.keyring, &id)
        .query_row("SELECT count(*) FROM clients", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 31);
}

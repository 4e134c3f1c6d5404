//! Backup and restore, including while another connection keeps writing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use frontdesk_core::*;

use crate::support::*;

#[test]
fn backup_and_restore_round_trip_while_another_connection_writes() {
    let f = new_clinic();
    for i in 0..50 {
        f.add_client(&operator(), client(&format!("Before {i}")));
    }
    let writer = Clinic::open_as_operator(&f.path, PASSPHRASE, opts(&f.keyring, &f.clock)).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let handle = std::thread::spawn(move || {
        let mut n = 0;
        while !s.load(Ordering::Relaxed) || n < 20 {
            writer
                .handle(
                    &operator(),
                    Request::ClientCreate {
                        id: None,
                        fields: client(&format!("During {n}")),
                    },
                )
                .unwrap();
            n += 1;
            // SQLite's write lock is not queued fairly: a writer that takes it again the
            // instant it lets go can starve the backup's own audit record past the busy
            // timeout. No desk writes like that; a short pause between writes is still a
            // steady stream during the backup.
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        n
    });
    // Let the writer get going, then back up in the middle of it.
    while count_clients(&f) < 60 {
        std::thread::yield_now();
    }
    let out = f.dir.path().join("mid.backup");
    let Response::BackupWritten { bytes, .. } = f
        .clinic
        .handle(
            &operator(),
            Request::Backup {
                path: out.display().to_string(),
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert!(bytes > 0);
    stop.store(true, Ordering::Relaxed);
    let written = handle.join().unwrap();
    let total = count_clients(&f);
    assert_eq!(total, 50 + written as i64);

    // A second backup to the same name is refused rather than overwritten.
    let err = f
        .clinic
        .handle(
            &operator(),
            Request::Backup {
                path: out.display().to_string(),
            },
        )
        .err()
        .unwrap();
    assert_eq!(err.code(), "backup.exists");

    // Restore somewhere new: a consistent snapshot, between the before and after counts.
    let target = f.dir.path().join("restored.db");
    let report = restore(&out, &target, PASSPHRASE, Options::default()).unwrap();
    assert!(
        report.clients >= 60 && report.clients <= total,
        "{report:?}"
    );
    assert_eq!(report.previous_moved_to, None);
    let r = Clinic::open_as_operator(&target, PASSPHRASE, Options::default()).unwrap();
    let Response::AuditReport(v) = r.handle(&operator(), Request::AuditVerify).unwrap() else {
        panic!()
    };
    assert_eq!(v.first_broken, None);
    let restored_ids: Vec<String> = raw_ids(&target);
    let original_ids: Vec<String> = raw_ids(&f.path);
    assert!(!restored_ids.is_empty());
    assert!(restored_ids.iter().all(|id| original_ids.contains(id)));
    assert!(r
        .handle(
            &operator(),
            Request::AuditList {
                filter: Default::default(),
                before_seq: None,
                limit: Some(5)
            }
        )
        .is_ok());
}

/// The ids of the clients added during the backup, read through a fresh connection.
fn raw_ids(path: &std::path::Path) -> Vec<String> {
    let conn = Clinic::open_as_operator(path, PASSPHRASE, Options::default()).unwrap();
    search_all(&conn, "During")
        .into_iter()
        .map(|c| c.id)
        .collect()
}

#[test]
fn restore_over_an_existing_database_moves_it_aside_and_checks_first() {
    let f = new_clinic();
    f.add_client(&operator(), client("In Backup"));
    let out = f.dir.path().join("one.backup");
    f.clinic
        .handle(
            &operator(),
            Request::Backup {
                path: out.display().to_string(),
            },
        )
        .unwrap();
    f.add_client(&operator(), client("After Backup"));
    drop(f.clinic);

    // Wrong passphrase and a damaged file: refused, nothing touched.
    let before = std::fs::read(&f.path).unwrap();
    let err = restore(&out, &f.path, "not the passphrase", Options::default())
        .err()
        .unwrap();
    assert_eq!(err.code(), "key.wrong_passphrase");
    let mut damaged = std::fs::read(&out).unwrap();
    let n = damaged.len();
    damaged[n - 3000..n - 1000].fill(0x55);
    let bad = f.dir.path().join("damaged.backup");
    std::fs::write(&bad, damaged).unwrap();
    let err = restore(&bad, &f.path, PASSPHRASE, Options::default())
        .err()
        .unwrap();
    assert_eq!(err.code(), "backup.bad_file", "{err}");
    let junk = f.dir.path().join("junk.backup");
    std::fs::write(&junk, b"hello").unwrap();
    assert_eq!(
        restore(&junk, &f.path, PASSPHRASE, Options::default())
            .err()
            .unwrap()
            .code(),
        "backup.bad_file"
    );
    assert_eq!(std::fs::read(&f.path).unwrap(), before);

    let report = restore(&out, &f.path, PASSPHRASE, Options::default()).unwrap();
    assert_eq!(report.clients, 1);
    let aside = report.previous_moved_to.expect("the old database is kept");
    // The old database, with the client added after the backup, is still whole.
    let old =
        Clinic::open_as_operator(std::path::Path::new(&aside), PASSPHRASE, Options::default())
            .unwrap();
    let p = search_all(&old, "After Backup");
    assert_eq!(p.len(), 1);
    let now = Clinic::open_as_operator(&f.path, PASSPHRASE, Options::default()).unwrap();
    let records = match now
        .handle(
            &operator(),
            Request::AuditList {
                filter: Default::default(),
                before_seq: None,
                limit: Some(3),
            },
        )
        .unwrap()
    {
        Response::AuditRecords(r) => r,
        _ => panic!(),
    };
    assert!(records.iter().any(|r| r.action == "backup.restore"));
}

//! "Erase this client", killed midway with SIGKILL (a crash, a power cut): the clinic then
//! holds either the whole record or the finished erasure, never half; and an erasure that did
//! commit leaves nothing on disk once the clinic is opened again, even when the process died
//! before it could empty the write-ahead log.
//!
//! Each run erases a fresh copy of one clinic through `frontdesk-admin call`, watches the log
//! file, and kills the process a set time after the erasure's first page reaches it. The log
//! then tells whether the kill came while the transaction was being written (frames, none of
//! them a commit), after the commit, or after the scrub.

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use frontdesk_core::{ClientFields, Incoming, Options, Principal, Request, Response};
use frontdesk_proto::crypto::{Body, Side, VisitorKey};
use frontdesk_proto::wire::VisitorEvent;

use super::*;

const NAME: &str = "Oriel Vantablack";
const EMAIL: &str = "oriel@planted.example";
const TEXT: &str = "PLANTED-KILL-MESSAGE";
/// Enough that the erasure's commit writes hundreds of pages to the log.
const MESSAGES: usize = 3_000;
const PAGE: u64 = 4096;

/// A clinic whose client wrote `MESSAGES` messages in a chat linked to them. Closed cleanly,
/// everything is in the file; with `in_the_log`, it is a copy taken while the clinic was
/// open, so the client's text is in the write-ahead log as well, as on a desk in use.
fn clinic_with_a_big_client(in_the_log: bool) -> (super::Clinic, String) {
    let c = init();
    let clinic =
        frontdesk_core::Clinic::open_as_operator(&c.db, PASSPHRASE, Options::default()).unwrap();
    let who = Principal::Operator {
        workstation: "test".into(),
    };
    let Response::ClientSaved(saved) = clinic
        .handle(
            &who,
            Request::ClientCreate {
                id: None,
                fields: ClientFields {
                    full_name: NAME.into(),
                    email: Some(EMAIL.into()),
                    notes: "PLANTED-KILL-NOTE".into(),
                    ..Default::default()
                },
            },
        )
        .unwrap()
    else {
        panic!()
    };
    let desk_key = clinic.site_config().unwrap().desk_key;
    let key = VisitorKey::generate();
    let conversation = ulid::Ulid::new().to_string();
    let sealer = key.conversation_key(&desk_key, &conversation).unwrap();
    let mut batch = Vec::with_capacity(MESSAGES);
    for n in 0..MESSAGES {
        let id = ulid::Ulid::new().to_string();
        let mut body = Body {
            text: format!("{TEXT} {n}: the knee again, and the letter for my employer"),
            ..Body::default()
        };
        if n == 0 {
            let mut answers = serde_json::Map::new();
            answers.insert("name".into(), NAME.into());
            answers.insert("email".into(), EMAIL.into());
            body.answers = Some(answers);
        }
        let body = sealer.seal(&id, Side::Visitor, &body);
        let event = if n == 0 {
            VisitorEvent::Started {
                conversation: conversation.clone(),
                visitor_key: key.public_b64(),
                ip: "203.0.113.77".into(),
                id,
                body,
            }
        } else {
            VisitorEvent::Message {
                conversation: conversation.clone(),
                id,
                body,
            }
        };
        batch.push(Incoming {
            seq: n as u64 + 1,
            at: chrono::Utc::now().timestamp_millis(),
            event,
        });
    }
    for chunk in batch.chunks(500) {
        clinic.ingest(chunk).unwrap();
    }
    if in_the_log {
        let dir = tempfile::tempdir().unwrap();
        let copy = super::Clinic {
            db: dir.path().join("clinic.db"),
            dir,
        };
        std::fs::copy(&c.db, &copy.db).unwrap();
        std::fs::copy(wal(&c.db), wal(&copy.db)).unwrap();
        std::fs::copy(
            frontdesk_core::KeyFile::path_for(&c.db),
            frontdesk_core::KeyFile::path_for(&copy.db),
        )
        .unwrap();
        assert!(frames(&copy.db).1 > 0, "the text is in the log");
        return (copy, saved.client.id);
    }
    drop(clinic);
    (c, saved.client.id)
}

fn wal(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-wal");
    p.into()
}

/// The log's length, its whole frames, and whether any of them ends a transaction (a non-zero
/// "database size after commit" in its header).
fn frames(db: &Path) -> (usize, u64, bool) {
    frames_from(db, 0)
}

/// The same, counting only the frames after the first `skip`.
fn frames_from(db: &Path, skip: u64) -> (usize, u64, bool) {
    let bytes = std::fs::read(wal(db)).unwrap_or_default();
    let (mut n, mut commit, mut at) = (0, false, 32usize);
    while at + 24 + PAGE as usize <= bytes.len() {
        if n >= skip {
            commit |= bytes[at + 4..at + 8] != [0, 0, 0, 0];
        }
        n += 1;
        at += 24 + PAGE as usize;
    }
    (bytes.len(), n.saturating_sub(skip), commit)
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum State {
    Intact,
    Erased,
}

/// What the clinic holds about the client, read the way the desk reads it after a restart.
fn state(c: &super::Clinic, client: &str) -> State {
    let conn = c.raw();
    let (name, erased, notes): (String, Option<String>, String) = conn
        .query_row(
            "SELECT full_name, erased_at, notes FROM clients WHERE id = ?1",
            [client],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let with_text: i64 = conn
        .query_row(
            "SELECT count(*) FROM chat_messages WHERE body LIKE ?1",
            [format!("{TEXT}%")],
            |r| r.get(0),
        )
        .unwrap();
    let tombstones: i64 = conn
        .query_row(
            "SELECT count(*) FROM erasures WHERE client_id = ?1",
            [client],
            |r| r.get(0),
        )
        .unwrap();
    match (name.as_str(), erased.is_some(), notes.as_str(), with_text, tombstones) {
        (NAME, false, "PLANTED-KILL-NOTE", n, 0) if n == MESSAGES as i64 => State::Intact,
        ("", true, "", 0, 1) => State::Erased,
        half => panic!("half an erasure: name {:?}, erased {}, notes {:?}, {} messages with text, {} tombstones", half.0, half.1, half.2, half.3, half.4),
    }
}

fn scan(c: &super::Clinic) -> Output {
    with_input(
        c.cmd(&["--json", "privacy", "scan"]),
        &format!("{NAME}\n{EMAIL}\n{TEXT}\nPLANTED-KILL-NOTE\n"),
    )
}

/// `frontdesk-admin call` erasing the client, started and left running.
fn start_erasure(db: &Path, client: &str) -> std::process::Child {
    let mut child = admin(db)
        .arg("call")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let request = format!(r#"{{"op":"client_erase","args":{{"id":"{client}","totp":""}}}}"#);
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.as_bytes())
        .unwrap();
    child
}

/// Runs the erasure on `db` and kills it `after` its first bytes reached the log. Returns
/// what the log held then, and whether the process had already finished.
fn erase_and_kill(db: &Path, client: &str, after: Duration) -> ((usize, u64, bool), bool) {
    let mut child = start_erasure(db, client);
    let log = wal(db);
    let end = Instant::now() + Duration::from_secs(60);
    let mut finished = false;
    // Spin rather than sleep: the commit writes its pages within milliseconds.
    while std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0) == 0 {
        if child.try_wait().unwrap().is_some() {
            finished = true;
            break;
        }
        assert!(Instant::now() < end, "the erasure never wrote");
    }
    let seen = Instant::now();
    while !finished && seen.elapsed() < after {
        finished = child.try_wait().unwrap().is_some();
    }
    let _ = child.kill(); // SIGKILL
    child.wait().unwrap();
    (frames(db), finished)
}

/// Runs the erasure while another connection holds an old snapshot, which keeps the scrub from
/// emptying the log, and kills it once the commit is in the log: the moment between the
/// erasure's commit and its scrub, made to last.
/// The reader is handed back still open: closing the last connection would fold the log into
/// the file and hide what the scrub must do.
fn erase_and_kill_before_the_scrub(
    c: &super::Clinic,
    client: &str,
) -> ((usize, u64, bool), rusqlite::Connection) {
    let already = frames(&c.db).1;
    let reader = c.raw();
    reader
        .execute_batch("BEGIN; SELECT count(*) FROM clients;")
        .unwrap();
    let mut child = start_erasure(&c.db, client);
    let end = Instant::now() + Duration::from_secs(60);
    while !frames_from(&c.db, already).2 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished despite the reader"
        );
        assert!(Instant::now() < end, "the erasure never committed");
        std::thread::sleep(Duration::from_millis(5));
    }
    // The commit frame's header is written before its page: give the write time to end. The
    // scrub keeps trying for a second while the reader holds on.
    std::thread::sleep(Duration::from_millis(150));
    assert!(
        child.try_wait().unwrap().is_none(),
        "finished despite the reader"
    );
    let _ = child.kill();
    child.wait().unwrap();
    let log = frames_from(&c.db, already);
    reader.execute_batch("COMMIT;").unwrap();
    (log, reader)
}

#[test]
fn an_erasure_killed_after_its_commit_is_scrubbed_when_the_clinic_opens_again() {
    let (c, client) = clinic_with_a_big_client(true);
    let ((_, frames, committed), reader) = erase_and_kill_before_the_scrub(&c, &client);
    assert!(
        committed && frames > 0,
        "the commit was in the log when it was killed"
    );
    // The erased text is still in the log's older frames: the scrub has not run. Opening the
    // clinic runs it, before anything else.
    let scanned = scan(&c);
    drop(reader);
    assert!(
        scanned.status.success(),
        "the erased text is still on disk: {}",
        String::from_utf8_lossy(&scanned.stdout)
    );
    assert_eq!(state(&c, &client), State::Erased);
    let mark: i64 = c
        .raw()
        .query_row("SELECT scrub_pending FROM privacy_settings", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(mark, 0, "the scrub cleared its mark");
}

#[test]
fn an_erasure_killed_midway_leaves_the_whole_record_or_the_whole_erasure() {
    let (pristine, client) = clinic_with_a_big_client(false);
    let key_file = frontdesk_core::KeyFile::path_for(&pristine.db);
    assert!(
        !wal(&pristine.db).exists(),
        "closed cleanly: the log is folded in"
    );

    let delays_us = [
        0u64, 0, 100, 300, 1_000, 3_000, 10_000, 30_000, 200_000, 5_000_000,
    ];
    let mut outcomes = vec![];
    let mut runs = vec![];
    for (i, us) in delays_us.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let run = super::Clinic {
            db: dir.path().join("clinic.db"),
            dir,
        };
        std::fs::copy(&pristine.db, &run.db).unwrap();
        std::fs::copy(&key_file, frontdesk_core::KeyFile::path_for(&run.db)).unwrap();

        let ((log_bytes, frames, committed), finished) =
            erase_and_kill(&run.db, &client, Duration::from_micros(*us));
        // The log had begun (its header, perhaps some frames) but holds no commit: the kill
        // came while the erasure's transaction was being written.
        let cut_while_writing = log_bytes > 0 && !committed && !finished;
        // Opening the clinic (as the scan does) recovers the log and finishes a scrub that
        // the killed process left undone; without that, the file would still hold the text.
        let scanned = scan(&run);
        let after = state(&run, &client);
        let found = String::from_utf8_lossy(&scanned.stdout).into_owned();
        match after {
            State::Intact => {
                assert!(!committed, "run {i}: a committed erasure was undone");
                assert!(
                    !scanned.status.success(),
                    "run {i}: the intact record is on disk: {found}"
                );
            }
            State::Erased => assert!(
                scanned.status.success(),
                "run {i}: the erased text is still on disk: {found}"
            ),
        }
        outcomes.push((*us, frames, committed, finished, cut_while_writing, after));
        runs.push(run);
    }
    eprintln!(
        "(delay µs, log frames, committed, finished, cut while writing, state): {outcomes:?}"
    );
    assert!(
        outcomes.iter().any(|o| o.4 && o.5 == State::Intact),
        "no run was killed while the erasure was being written: {outcomes:?}"
    );
    assert!(
        outcomes.iter().any(|o| o.5 == State::Erased),
        "no run got as far as the commit: {outcomes:?}"
    );

    // A record that survived a cut-off erasure is erased cleanly on the next try.
    let (i, _) = outcomes
        .iter()
        .enumerate()
        .find(|(_, o)| o.5 == State::Intact)
        .unwrap();
    let again = &runs[i];
    let (_, finished) = erase_and_kill(&again.db, &client, Duration::from_secs(60));
    assert!(finished);
    assert_eq!(state(again, &client), State::Erased);
    assert!(scan(again).status.success());
}

//! Backups: one self-contained, encrypted file.
//!
//! Layout: the line `FRONTDESK-BACKUP/1`, the key file (JSON, one line: the database key
//! wrapped by the recovery passphrase), then the SQLCipher database itself, still encrypted
//! page by page. Nothing in it is readable without the passphrase.
//!
//! The copy is taken with SQLite's online backup API from a separate connection in one step,
//! which reads one consistent snapshot while other connections keep writing (WAL mode).

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::Backup;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor, Outcome};
use crate::clinic::{Clinic, Options};
use crate::error::{Error, Result};
use crate::fsutil;
use crate::keys::KeyFile;
use crate::store::{self, Mode};

const MAGIC: &str = "FRONTDESK-BACKUP/1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RestoreReport {
    pub clients: i64,
    pub audit_records: i64,
    /// Where the database that was replaced now lives, if there was one.
    pub previous_moved_to: Option<String>,
}

impl Clinic {
    /// Writes a backup of the whole clinic to `out`, atomically. Returns its size in bytes.
    pub(crate) fn backup_to(&self, out: &Path) -> Result<u64> {
        if out.exists() {
            return Err(Error::invalid(
                "path",
                "backup.exists",
                format!("{} exists already; choose a new file name", out.display()),
            ));
        }
        let dir = parent_of(out);
        let key = self.key.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let key_file = KeyFile::read(&self.path)?;
        let (snapshot_path, snapshot_file) = fsutil::tempfile_in(&dir, out)?;
        drop(snapshot_file);
        let result = (|| -> Result<u64> {
            {
                let src = store::open(&self.path, Some(&key), Mode::Existing)?;
                let mut dst = Connection::open(&snapshot_path)?;
                dst.execute_batch(&key.pragma("key"))?;
                copy_in_one_step(&src, &mut dst)?;
                dst.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
            }
            let (tmp_out, mut f) = fsutil::tempfile_in(&dir, out)?;
            let written = (|| -> Result<u64> {
                writeln!(f, "{MAGIC}")?;
                writeln!(f, "{}", key_file.to_json())?;
                let n = std::io::copy(&mut File::open(&snapshot_path)?, &mut f)?;
                f.sync_all()?;
                fs::rename(&tmp_out, out)?;
                fsutil::sync_dir(&dir);
                Ok(n)
            })();
            if written.is_err() {
                let _ = fs::remove_file(&tmp_out);
            }
            written?;
            Ok(fs::metadata(out)?.len())
        })();
        let _ = fs::remove_file(&snapshot_path);
        result
    }
}

/// Copies every page in one step: one read transaction on the source, so one consistent
/// snapshot however busy the other connections are. A step that finds the source or the
/// destination locked is retried for a while rather than leaving a partial copy.
fn copy_in_one_step(src: &Connection, dst: &mut Connection) -> Result<()> {
    use rusqlite::backup::StepResult;
    let backup = Backup::new(src, dst)?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => continue,
            StepResult::Busy | StepResult::Locked if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20))
            }
            _ => return Err(Error::Busy),
        }
    }
}

fn parent_of(p: &Path) -> PathBuf {
    p.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Restores `backup` to `db`. The backup is fully checked (passphrase, integrity, audit
/// chain) before anything at `db` is touched; an existing database there is moved aside,
/// never deleted. Run it while no desk app has the clinic open.
pub fn restore(backup: &Path, db: &Path, passphrase: &str, opts: Options) -> Result<RestoreReport> {
    let file = File::open(backup).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Io(format!("no file at {}", backup.display())),
        _ => e.into(),
    })?;
    let mut reader = BufReader::new(file);
    let mut line = String::new();
    reader
        .by_ref()
        .take(64)
        .read_line(&mut line)
        .map_err(|_| Error::BadBackup)?;
    if line.trim_end() != MAGIC {
        return Err(Error::BadBackup);
    }
    line.clear();
    reader
        .by_ref()
        .take(64 * 1024)
        .read_line(&mut line)
        .map_err(|_| Error::BadBackup)?;
    let key_file = KeyFile::parse(line.trim_end()).ok_or(Error::BadBackup)?;
    let key = key_file
        .unwrap_keys(passphrase)?
        .into_iter()
        .next()
        .ok_or(Error::BadBackup)?;

    let dir = parent_of(db);
    let (staged, mut staged_file) = fsutil::tempfile_in(&dir, db)?;
    let checked = (|| -> Result<(i64, i64)> {
        std::io::copy(&mut reader, &mut staged_file)?;
        staged_file.sync_all()?;
        let conn = store::open(&staged, Some(&key), Mode::Existing)?;
        let ok: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if ok != "ok" {
            return Err(Error::BadBackup);
        }
        let report = audit::verify(&conn)?;
        if report.first_broken.is_some() {
            return Err(Error::BadBackup);
        }
        let clients = conn.query_row("SELECT count(*) FROM clients", [], |r| r.get(0))?;
        conn.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
        Ok((clients, report.records))
    })()
    .map_err(|e| match e {
        // Only the disk itself is not the backup's fault.
        Error::DiskFull | Error::Io(_) => e,
        _ => Error::BadBackup,
    });
    let (clients, audit_records) = match checked {
        Ok(v) => v,
        Err(e) => {
            for s in ["", "-wal", "-shm"] {
                let _ = fs::remove_file(with_suffix(&staged, s));
            }
            return Err(e);
        }
    };

    let mut previous_moved_to = None;
    if db.exists() {
        let stamp = opts.clock.now().format("%Y%m%dT%H%M%SZ");
        let aside = with_suffix(db, &format!(".pre-restore-{stamp}"));
        for s in ["-wal", "-shm", ".key", ""] {
            let from = with_suffix(db, s);
            if from.exists() {
                fs::rename(&from, with_suffix(&aside, s))?;
            }
        }
        previous_moved_to = Some(aside.display().to_string());
    }
    fs::rename(&staged, db)?;
    key_file.write(db)?;
    fsutil::sync_dir(&dir);

    // The restore itself goes into the restored clinic's audit log.
    let clinic = Clinic::open_with_passphrase(db, passphrase, opts)?;
    {
        let mut conn = clinic.db();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        audit::append(
            &tx,
            clinic.now(),
            &audit::Entry {
                actor: &Actor::Operator,
                workstation: "restore",
                action: "backup.restore",
                target_kind: None,
                target_id: None,
                outcome: Outcome::Ok,
                detail: Some(format!("clients={clients}")),
            },
        )?;
        tx.commit()?;
    }
    Ok(RestoreReport {
        clients,
        audit_records: audit_records + 1,
        previous_moved_to,
    })
}

//! Opening the SQLCipher file: the raw key, the connection settings, the schema migrations.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{Migrations, M};

use crate::error::{Error, Result};
use crate::keys::DbKey;

/// Written into the SQLite header so that another program's encrypted database is told apart.
pub(crate) const APPLICATION_ID: i64 = 0x4644_4b31; // "FDK1"

/// The migrations, embedded from `migrations/*.sql` in order. A test checks that every file in
/// that folder is listed here.
pub const MIGRATION_FILES: &[(&str, &str)] = &[
    (
        "0001_init.sql",
        include_str!("../../../migrations/0001_init.sql"),
    ),
    (
        "0002_chat.sql",
        include_str!("../../../migrations/0002_chat.sql"),
    ),
    (
        "0003_tasks.sql",
        include_str!("../../../migrations/0003_tasks.sql"),
    ),
    (
        "0004_devices.sql",
        include_str!("../../../migrations/0004_devices.sql"),
    ),
    (
        "0005_appointments.sql",
        include_str!("../../../migrations/0005_appointments.sql"),
    ),
    (
        "0006_reports.sql",
        include_str!("../../../migrations/0006_reports.sql"),
    ),
    (
        "0007_privacy.sql",
        include_str!("../../../migrations/0007_privacy.sql"),
    ),
    (
        "0008_scrub.sql",
        include_str!("../../../migrations/0008_scrub.sql"),
    ),
    (
        "0009_staff_language.sql",
        include_str!("../../../migrations/0009_staff_language.sql"),
    ),
    (
        "0010_name_order.sql",
        include_str!("../../../migrations/0010_name_order.sql"),
    ),
    (
        "0011_after_hours_faq.sql",
        include_str!("../../../migrations/0011_after_hours_faq.sql"),
    ),
    (
        "0012_chat_files.sql",
        include_str!("../../../migrations/0012_chat_files.sql"),
    ),
];

pub fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATION_FILES.iter().map(|(_, sql)| M::up(sql)).collect())
}

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    MIGRATION_FILES.len() as i64
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Create,
    Existing,
}

/// Opens (or creates) the database with the raw key, then applies settings and migrations.
/// `key` is `None` only for the plaintext benchmark twin.
pub(crate) fn open(path: &Path, key: Option<&DbKey>, mode: Mode) -> Result<Connection> {
    match mode {
        Mode::Create if path.exists() => {
            return Err(Error::AlreadyExists(path.display().to_string()))
        }
        Mode::Existing if !path.exists() => {
            return Err(Error::NoDatabase(path.display().to_string()))
        }
        Mode::Existing if key.is_some() && is_plain_sqlite(path) => {
            return Err(Error::NotFrontdesk(format!(
                "{} (an unencrypted SQLite database)",
                path.display()
            )))
        }
        _ => {}
    }
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if mode == Mode::Create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let mut conn = Connection::open_with_flags(path, flags)?;
    // Before the first read: while another connection commits or checkpoints, the key check
    // below can meet a locked WAL index, and without a timeout that is an instant `Busy`
    // (a backup taken while the desk writes failed on it).
    conn.busy_timeout(Duration::from_secs(10))?;
    // SQLCipher would otherwise print its own notices to stderr (a wrong key, say); our
    // errors already say what happened.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    if let Some(key) = key {
        conn.execute_batch(&key.pragma("key"))?;
    }
    // The first read is where SQLCipher checks the key.
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => {}
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            return Err(Error::WrongKey)
        }
        Err(e) => return Err(e.into()),
    }
    configure(&conn)?;

    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if mode == Mode::Existing && (version == 0 || app_id != APPLICATION_ID) {
        return Err(Error::NotFrontdesk(path.display().to_string()));
    }
    if version > schema_version() {
        return Err(Error::NewerSchema {
            found: version,
            known: schema_version(),
        });
    }
    migrations().to_latest(&mut conn)?;
    if mode == Mode::Create {
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    }
    // Derived search data made by an older build (or before the clinic's country was known)
    // is rebuilt before anyone searches; the common case is one read.
    if crate::search::is_stale(&conn)? {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        crate::search::ensure_current(&tx)?;
        tx.commit()?;
    }
    Ok(conn)
}

/// Settings every connection needs. `synchronous = FULL` makes each commit durable in WAL mode.
pub(crate) fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::Storage(format!(
            "could not switch to WAL mode ({mode})"
        )));
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA cache_size = -65536;
         PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY;",
    )?;
    conn.pragma_update(
        None,
        "wal_autocheckpoint",
        crate::checkpoint::SAFETY_NET_PAGES,
    )?;
    Ok(())
}

fn is_plain_sqlite(path: &Path) -> bool {
    let mut head = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .map(|_| &head == b"SQLite format 3\0")
        .unwrap_or(false)
}

//! Moving the write-ahead log into the database file off the request path.
//!
//! In WAL mode every commit appends to `<db>-wal`, and now and then the pages must be copied
//! into the database file and synced. Left to SQLite, that copy runs inside whichever request
//! happens to cross the threshold, and a chat arriving at that moment waits several
//! milliseconds longer (BENCHMARKS.md, "Routing and tasks"). So the host copies them every few
//! seconds on a second connection of its own, which does not block the one that serves
//! requests; the serving connection still copies on its own past a large threshold, for a
//! clinic opened without a host (the admin CLI).

use rusqlite::Connection;

use crate::clinic::Clinic;
use crate::error::Result;
use crate::keys::DbKey;
use crate::store::{self, Mode};

/// The serving connection copies the log itself only past this many pages (about 40 MiB).
pub(crate) const SAFETY_NET_PAGES: i64 = 10_000;

/// The checkpoint connection and the key it was opened with.
#[derive(Default)]
pub(crate) struct Checkpointer(Option<(Connection, DbKey)>);

/// What one checkpoint did, as SQLite counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// Pages in the log.
    pub log_pages: i64,
    /// Of those, how many are now in the database file.
    pub copied_pages: i64,
}

impl Clinic {
    /// Copies what it can of the write-ahead log into the database file without waiting for
    /// anyone (a `PASSIVE` checkpoint). The host calls it every few seconds.
    pub fn checkpoint(&self) -> Result<Checkpoint> {
        // Holding the key's lock keeps this apart from a key rotation, and tells whether the
        // connection still has the current key.
        let key = self.key.lock().unwrap_or_else(|p| p.into_inner());
        let mut cp = self.checkpointer.lock().unwrap_or_else(|p| p.into_inner());
        let stale = match &cp.0 {
            Some((_, k)) => k.as_bytes() != key.as_bytes(),
            None => true,
        };
        if stale {
            cp.0 = None;
            let conn = store::open(&self.path, Some(&key), Mode::Existing)?;
            cp.0 = Some((conn, key.clone()));
        }
        let (conn, _) = cp.0.as_ref().expect("opened above");
        let (log_pages, copied_pages) =
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get(1)?, r.get(2)?))
            })?;
        Ok(Checkpoint {
            log_pages,
            copied_pages,
        })
    }
}

impl Clinic {
    /// After an erasure: copies the whole log into the file and truncates it, so the erased
    /// bytes are in neither (`secure_delete` has zeroed them in the pages). A reader holding
    /// an old snapshot can delay it; it is tried a few times, and otherwise the mark the
    /// erasure left (`scrub_pending`) has the next open try again.
    pub(crate) fn scrub(&self) {
        for _ in 0..20 {
            let conn = self.db();
            let done = conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                    r.get::<_, i64>(0)
                })
                .map(|busy| busy == 0)
                .unwrap_or(false);
            if done {
                // Cleared only now, so a crash before this line leaves the mark for the next
                // open. The log this write starts holds none of the erased pages.
                if conn
                    .execute(
                        "UPDATE privacy_settings SET scrub_pending = 0 WHERE scrub_pending = 1",
                        [],
                    )
                    .is_err()
                {
                    tracing::warn!(
                        "the scrub mark could not be cleared; the next open scrubs again"
                    );
                }
                return;
            }
            drop(conn);
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        tracing::warn!("the log could not be truncated after an erasure; the next open will");
    }

    /// An erasure or retention run whose process died between its commit and its scrub left
    /// the erased text in older log frames: finish that scrub before anything else.
    pub(crate) fn scrub_if_pending(&self) {
        let pending: bool = self
            .db()
            .query_row("SELECT scrub_pending FROM privacy_settings", [], |r| {
                r.get(0)
            })
            .unwrap_or(false);
        if pending {
            self.scrub();
        }
    }
}

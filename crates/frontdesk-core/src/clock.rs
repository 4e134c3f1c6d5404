//! Time. Stored as UTC RFC 3339 text with microseconds, which sorts as it reads; shown in the
//! clinic's time zone by the UI. The clock is injectable so lockout and idle timeouts can be
//! tested without waiting.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved; for tests and demos.
#[derive(Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock(Arc::new(Mutex::new(start)))
    }
    pub fn advance(&self, by: chrono::Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

pub(crate) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A clock set from a file, for demonstrations and end-to-end tests of the work that waits for
/// the clock (after-hours replies, the first shift of the morning): the file holds an RFC 3339
/// time, and the clock runs on in real time from the moment the file was written. Without the
/// file, or with one that does not hold a time, it is the system clock.
pub struct FileClock {
    path: std::path::PathBuf,
    read: Mutex<Option<(std::time::SystemTime, DateTime<Utc>)>>,
}

impl FileClock {
    pub fn new(path: impl Into<std::path::PathBuf>) -> FileClock {
        FileClock {
            path: path.into(),
            read: Mutex::new(None),
        }
    }

    fn base(&self) -> Option<(std::time::SystemTime, DateTime<Utc>)> {
        let written = std::fs::metadata(&self.path).ok()?.modified().ok()?;
        let mut read = self.read.lock().unwrap();
        if let Some(r) = *read {
            if r.0 == written {
                return Some(r);
            }
        }
        let text = std::fs::read_to_string(&self.path).ok()?;
        let at = parse(text.trim())?;
        *read = Some((written, at));
        Some((written, at))
    }
}

impl Clock for FileClock {
    fn now(&self) -> DateTime<Utc> {
        match self.base() {
            Some((written, at)) => {
                let since = std::time::SystemTime::now()
                    .duration_since(written)
                    .unwrap_or_default();
                at + chrono::Duration::from_std(since).unwrap_or_default()
            }
            None => Utc::now(),
        }
    }
}

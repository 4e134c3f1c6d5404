//! One notification server per test, one test at a time: the tests share one session bus and
//! the one name `org.freedesktop.Notifications`.

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use frontdesk_notify::listener::{Listener, SERVICE};
use serde_json::Value;

/// How long to wait for something that should happen; generous, as it only runs out on failure.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// The bus for this test alone. Panics when there is no session bus to use.
pub fn bus() -> MutexGuard<'static, ()> {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        panic!(
            "DBUS_SESSION_BUS_ADDRESS is unset: these tests need a private D-Bus session with a \
             stand-in notification server; run tests/popups.sh"
        );
    }
    static BUS: Mutex<()> = Mutex::new(());
    BUS.lock().unwrap_or_else(PoisonError::into_inner)
}

pub struct Server {
    pub listener: Listener,
    _dir: tempfile::TempDir,
}

/// Starts the recording listener on the session bus.
pub fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let listener = Listener::start(dir.path().join("notify.jsonl")).unwrap_or_else(|e| {
        panic!(
            "could not own {SERVICE} on the session bus ({e}); a real notification server \
             probably runs there: run tests/popups.sh, which gives the tests a private bus"
        )
    });
    Server {
        listener,
        _dir: dir,
    }
}

impl Server {
    pub fn records(&self) -> Vec<Value> {
        read_records(self.listener.record())
    }

    /// The records once there are at least `n`.
    pub fn wait_for(&self, n: usize) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let records = self.records();
            if records.len() >= n {
                return records;
            }
            if start.elapsed() > PATIENCE {
                panic!(
                    "expected {n} Notify calls, got {}: {records:#?}",
                    records.len()
                );
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Clicks through the click file, as a script would, and waits for the listener to take it.
    pub fn click(&self, id: u32) {
        let click = self.listener.click_file();
        let staged = click.with_extension("staged");
        std::fs::write(&staged, id.to_string()).unwrap();
        std::fs::rename(&staged, &click).unwrap();
        let start = Instant::now();
        while click.exists() {
            assert!(
                start.elapsed() < PATIENCE,
                "the listener never took the click"
            );
            thread::sleep(Duration::from_millis(10));
        }
    }
}

fn read_records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Whether anything on the bus serves notifications or could be started to.
pub fn notification_service_on_bus() -> bool {
    zbus::block_on(async {
        let conn = zbus::Connection::session().await.unwrap();
        let bus = zbus::fdo::DBusProxy::new(&conn).await.unwrap();
        let name = zbus::names::BusName::try_from(SERVICE).unwrap();
        bus.name_has_owner(name).await.unwrap()
            || bus
                .list_activatable_names()
                .await
                .unwrap()
                .iter()
                .any(|n| n.as_str() == SERVICE)
    })
}

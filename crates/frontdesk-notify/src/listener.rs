//! A recording stand-in for the desktop's notification server, for tests on a real (private)
//! session bus: it owns `org.freedesktop.Notifications`, answers like a server that supports
//! actions, and appends one JSON line per Notify call to a record file:
//!
//! `{"at_ms": 1767225600123.456, "app_name": "Frontdesk", "replaces_id": 0, "id": 1,
//!   "summary": "…", "body": "…", "actions": ["default", "Open"], "category": "im.received",
//!   "sender_pid": 4242}`
//!
//! A click is simulated by writing a notification id to `<record>.click` (write it elsewhere and
//! rename it there, so it is never read half-written): the listener emits
//! `ActionInvoked(id, "default")` and deletes the file.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use zbus::object_server::SignalEmitter;
use zbus::{connection, Connection, OwnedVariant};

pub const SERVICE: &str = "org.freedesktop.Notifications";
pub const PATH: &str = "/org/freedesktop/Notifications";

/// How often `<record>.click` is looked for.
const CLICK_POLL: Duration = Duration::from_millis(50);

struct Server {
    record: File,
    last_id: u32,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Server {
    #[zbus(out_args("capabilities"))]
    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".into(), "body".into()]
    }

    #[zbus(out_args("name", "vendor", "version", "spec_version"))]
    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "frontdesk-notify-listener".into(),
            "Frontdesk".into(),
            env!("CARGO_PKG_VERSION").into(),
            "1.2".into(),
        )
    }

    #[allow(clippy::too_many_arguments)]
    #[zbus(out_args("id"))]
    async fn notify(
        &mut self,
        app_name: String,
        replaces_id: u32,
        app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, OwnedVariant>,
        expire_timeout: i32,
        #[zbus(header)] header: zbus::message::Header<'_>,
        #[zbus(connection)] conn: &Connection,
    ) -> zbus::fdo::Result<u32> {
        // Which process asked: with two desks on one bus, a test tells their popups apart.
        let sender_pid = match header.sender() {
            Some(sender) => match zbus::fdo::DBusProxy::new(conn).await {
                Ok(bus) => bus
                    .get_connection_unix_process_id(sender.clone().into())
                    .await
                    .ok(),
                Err(_) => None,
            },
            None => None,
        };
        // Named for the introspection data, which scripts may read; not recorded.
        let _ = (app_icon, expire_timeout);
        let at_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as f64
            / 1e6;
        // As the spec says: a replacement keeps the id of what it replaces.
        let id = if replaces_id != 0 {
            replaces_id
        } else {
            self.last_id += 1;
            self.last_id
        };
        let category = hints
            .get("category")
            .and_then(|v| String::try_from(&**v).ok());
        let line = serde_json::json!({
            "at_ms": at_ms,
            "app_name": app_name,
            "replaces_id": replaces_id,
            "id": id,
            "summary": summary,
            "body": body,
            "actions": actions,
            "category": category,
            "sender_pid": sender_pid,
        });
        // One write per line, so that a reader polling the file sees whole lines only.
        self.record
            .write_all(format!("{line}\n").as_bytes())
            .map_err(|e| zbus::fdo::Error::Failed(format!("could not record: {e}")))?;
        Ok(id)
    }

    async fn close_notification(
        &self,
        id: u32,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> zbus::fdo::Result<()> {
        // Reason 3: closed by a call to CloseNotification.
        Server::notification_closed(&emitter, id, 3).await?;
        Ok(())
    }

    #[zbus(signal)]
    async fn action_invoked(
        emitter: &SignalEmitter<'_>,
        id: u32,
        action_key: &str,
    ) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn notification_closed(
        emitter: &SignalEmitter<'_>,
        id: u32,
        reason: u32,
    ) -> zbus::Result<()>;
}

/// The running listener. Dropping it gives the name up, so that the next one (or a test of "no
/// notification server") finds the bus as it was.
pub struct Listener {
    conn: Connection,
    record: PathBuf,
    stop: Arc<AtomicBool>,
    clicker: Option<JoinHandle<()>>,
}

impl Listener {
    /// Connects to the session bus (`DBUS_SESSION_BUS_ADDRESS`) and owns the service name; the
    /// name is owned when this returns. Fails if another server already owns it.
    pub fn start(record: impl Into<PathBuf>) -> zbus::Result<Listener> {
        let record = record.into();
        let file = OpenOptions::new().create(true).append(true).open(&record)?;
        let server = Server {
            record: file,
            last_id: 0,
        };
        let conn = zbus::block_on(
            connection::Builder::session()
                .name(SERVICE)
                .serve_at(PATH, server)
                .build(),
        )?;
        let stop = Arc::new(AtomicBool::new(false));
        let clicker = {
            let conn = conn.clone();
            let stop = stop.clone();
            let click_file = click_file(&record);
            thread::Builder::new()
                .name("notify-listener-clicks".into())
                .spawn(move || watch_clicks(&conn, &click_file, &stop))?
        };
        Ok(Listener {
            conn,
            record,
            stop,
            clicker: Some(clicker),
        })
    }

    /// The file the Notify calls are recorded in.
    pub fn record(&self) -> &Path {
        &self.record
    }

    /// Where a test writes an id to click that notification.
    pub fn click_file(&self) -> PathBuf {
        click_file(&self.record)
    }

    /// Emits `ActionInvoked(id, "default")`, as a click on the notification would.
    pub fn click(&self, id: u32) -> zbus::Result<()> {
        zbus::block_on(emit_click(&self.conn, id))
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(clicker) = self.clicker.take() {
            let _ = clicker.join();
        }
        let _ = zbus::block_on(self.conn.release_name(SERVICE));
    }
}

fn click_file(record: &Path) -> PathBuf {
    let mut name = OsString::from(record.as_os_str());
    name.push(".click");
    PathBuf::from(name)
}

async fn emit_click(conn: &Connection, id: u32) -> zbus::Result<()> {
    let emitter = SignalEmitter::new(conn, PATH)?;
    Server::action_invoked(&emitter, id, "default").await
}

fn watch_clicks(conn: &Connection, click_file: &Path, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        thread::sleep(CLICK_POLL);
        let Ok(text) = std::fs::read_to_string(click_file) else {
            continue;
        };
        if text.trim().is_empty() {
            continue; // being written
        }
        match text.trim().parse::<u32>() {
            Ok(id) => {
                if let Err(e) = zbus::block_on(emit_click(conn, id)) {
                    eprintln!("frontdesk-notify-listener: could not emit the click: {e}");
                }
            }
            Err(_) => {
                eprintln!("frontdesk-notify-listener: {click_file:?} holds no notification id")
            }
        }
        let _ = std::fs::remove_file(click_file);
    }
}

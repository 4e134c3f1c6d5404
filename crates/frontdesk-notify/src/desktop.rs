//! The real notifier: the freedesktop notification service on the session bus, via notify-rust.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

use notify_rust::{Hint, Notification, Timeout};

use crate::{Error, Notifier, Result, Shown, Target};

const APP_NAME: &str = "Frontdesk";
const SERVICE: &str = "org.freedesktop.Notifications";

/// Shows notifications through the desktop's notification server. Each call blocks on D-Bus
/// (a connection and one method call), which is why the desk goes through [`crate::Popups`].
///
/// notify-rust's zbus backend drives D-Bus with `zbus::block_on`, so `show` must not be called
/// from inside a task of zbus or of another async runtime.
pub struct DesktopNotifier {
    /// Which `show` call owns each notification id now. A replacement keeps the id of what it
    /// replaces, so the waiter of the replaced notification hears the same click; only the
    /// latest one may answer it, or a click on "20 new chats" would also open the first chat.
    owners: Arc<Mutex<HashMap<u32, u64>>>,
    calls: AtomicU64,
}

impl DesktopNotifier {
    pub fn new() -> DesktopNotifier {
        DesktopNotifier {
            owners: Arc::default(),
            calls: AtomicU64::new(0),
        }
    }
}

impl Default for DesktopNotifier {
    fn default() -> Self {
        DesktopNotifier::new()
    }
}

impl Notifier for DesktopNotifier {
    fn show(&self, n: &Shown, on_click: Box<dyn FnOnce(Target) + Send>) -> Result<u32> {
        let call = self.calls.fetch_add(1, Ordering::Relaxed);
        let mut notification = Notification::new();
        notification
            .appname(APP_NAME)
            .summary(&n.summary)
            .body(&n.body)
            .action("default", "Open")
            .hint(Hint::Category(category(&n.target).to_owned()))
            .timeout(Timeout::Default);
        if let Some(id) = n.replaces {
            notification.id(id);
        }
        let handle = notification.show().map_err(classify)?;
        let id = handle.id();
        lock(&self.owners).insert(id, call);

        let owners = self.owners.clone();
        let target = n.target.clone();
        let waiter = thread::Builder::new()
            .name("frontdesk-popup-click".into())
            .spawn(move || {
                let mut clicked = false;
                // Ends on a click, on another action, or when the server reports the
                // notification closed (expired or dismissed).
                handle.wait_for_action(|action| clicked = action == "default");
                let latest = {
                    let mut owners = lock(&owners);
                    let latest = owners.get(&id) == Some(&call);
                    if latest {
                        owners.remove(&id);
                    }
                    latest
                };
                // Called after `wait_for_action` has returned, not inside its closure: that
                // closure runs within `zbus::block_on`, where a callback that shows another
                // notification would panic.
                if clicked && latest {
                    on_click(target);
                }
            });
        if let Err(e) = waiter {
            // The popup is on screen; only its click is lost.
            tracing::warn!(error = %e, "no thread to wait for a popup's click");
        }
        Ok(id)
    }
}

fn category(target: &Target) -> &'static str {
    match target {
        Target::Conversation(_) => "im.received",
        Target::Task(_) | Target::Tasks => "x-frontdesk.task",
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// notify-rust's error says nothing structured about why (its kind is private), so ask the bus
/// itself: no session bus, or nobody owning or able to start the service, is `unavailable`.
fn classify(e: notify_rust::error::Error) -> Error {
    if service_reachable() {
        Error::Failed(e.to_string())
    } else {
        Error::Unavailable(e.to_string())
    }
}

fn service_reachable() -> bool {
    zbus::block_on(async {
        let Ok(conn) = zbus::Connection::session().await else {
            return false;
        };
        let Ok(bus) = zbus::fdo::DBusProxy::new(&conn).await else {
            return false;
        };
        let Ok(name) = zbus::names::BusName::try_from(SERVICE) else {
            return false;
        };
        if bus.name_has_owner(name).await.unwrap_or(false) {
            return true;
        }
        bus.list_activatable_names()
            .await
            .is_ok_and(|names| names.iter().any(|n| n.as_str() == SERVICE))
    })
}

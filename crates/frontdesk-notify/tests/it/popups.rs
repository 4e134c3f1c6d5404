use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use frontdesk_notify::{
    DesktopNotifier, GroupSettings, Notifier, Popup, PopupKind, Popups, Shown, Target,
};
use serde_json::{json, Value};

use crate::support;

/// Short enough for fast tests; the bursts below are pushed within microseconds.
const SHORT: Duration = Duration::from_millis(300);
/// So long that a popup that was held instead of shown at once would never arrive.
const LONG: Duration = Duration::from_secs(60);

fn popups(window: Duration) -> (Popups, mpsc::Receiver<Target>) {
    let (tx, clicks) = mpsc::channel();
    let popups = Popups::new(
        Arc::new(DesktopNotifier::new()),
        GroupSettings { window },
        Arc::new(move |target| {
            let _ = tx.send(target);
        }),
    );
    (popups, clicks)
}

fn chat(n: usize) -> Popup {
    Popup {
        kind: PopupKind::Chat,
        summary: format!("Chat from visitor {n}"),
        body: format!("Hello, is the clinic open today? ({n})"),
        target: Target::Conversation(format!("conv-{n}")),
    }
}

fn task(id: &str) -> Popup {
    Popup {
        kind: PopupKind::Task,
        summary: "New task for you".into(),
        body: format!("Call back about {id}"),
        target: Target::Task(id.into()),
    }
}

fn id_of(record: &Value) -> u32 {
    record["id"].as_u64().unwrap() as u32
}

/// Clicks `id` until the callback answers: the click waiter subscribes to the bus just after
/// Notify returns, so a click emitted in that instant would go unheard (a person cannot click
/// that fast, a test can).
fn click_until_answered(
    server: &support::Server,
    id: u32,
    clicks: &mpsc::Receiver<Target>,
) -> Target {
    for _ in 0..10 {
        server.click(id);
        if let Ok(target) = clicks.recv_timeout(Duration::from_secs(1)) {
            return target;
        }
    }
    panic!("clicking notification {id} never reached on_click");
}

#[test]
#[ignore = "needs a D-Bus session: tests/popups.sh"]
fn one_push_is_one_notify_at_once() {
    let _bus = support::bus();
    let server = support::server();
    let (popups, _clicks) = popups(LONG);

    popups.push(chat(1));

    let records = server.wait_for(1);
    let r = &records[0];
    assert_eq!(r["app_name"], "Frontdesk");
    assert_eq!(r["summary"], "Chat from visitor 1");
    assert_eq!(r["body"], "Hello, is the clinic open today? (1)");
    assert_eq!(r["replaces_id"], 0);
    assert_eq!(r["actions"], json!(["default", "Open"]));
    assert_eq!(r["category"], "im.received");
    assert_eq!(
        r["sender_pid"],
        std::process::id(),
        "the record names the process that asked"
    );
    assert!(
        r["at_ms"].as_f64().unwrap() > 1.6e12,
        "at_ms is unix ms: {r}"
    );
    thread::sleep(SHORT);
    assert_eq!(server.records().len(), 1, "exactly one Notify");
}

#[test]
#[ignore = "needs a D-Bus session: tests/popups.sh"]
fn a_burst_of_twenty_is_one_notify_and_one_grouped_replacement() {
    let _bus = support::bus();
    let server = support::server();
    let (popups, _clicks) = popups(SHORT);

    for n in 0..20 {
        popups.push(chat(n));
    }

    let records = server.wait_for(2);
    // Past the window that the grouped one started, for anything that should not come.
    thread::sleep(SHORT * 2);
    let records_after = server.records();
    assert_eq!(
        records_after.len(),
        2,
        "one immediate and one grouped Notify: {records_after:#?}"
    );
    let (first, grouped) = (&records[0], &records[1]);
    assert_eq!(first["summary"], "Chat from visitor 0");
    assert_eq!(first["replaces_id"], 0);
    assert_eq!(grouped["app_name"], "Frontdesk");
    assert_eq!(grouped["summary"], "20 new chats");
    assert_eq!(grouped["body"], "Open Frontdesk to see them.");
    assert_eq!(
        grouped["replaces_id"], first["id"],
        "the grouped one replaces the first"
    );
    assert_eq!(grouped["id"], first["id"]);
}

#[test]
#[ignore = "needs a D-Bus session: tests/popups.sh"]
fn a_click_opens_the_popups_target() {
    let _bus = support::bus();
    let server = support::server();
    let (popups, clicks) = popups(LONG);

    popups.push(task("task-42"));

    let records = server.wait_for(1);
    assert_eq!(records[0]["category"], "x-frontdesk.task");
    let target = click_until_answered(&server, id_of(&records[0]), &clicks);
    assert_eq!(target, Target::Task("task-42".into()));
    assert_eq!(
        clicks.recv_timeout(SHORT),
        Err(mpsc::RecvTimeoutError::Timeout),
        "one click, one callback"
    );
}

#[test]
#[ignore = "needs a D-Bus session: tests/popups.sh"]
fn a_click_on_a_grouped_popup_opens_the_task_list_only() {
    let _bus = support::bus();
    let server = support::server();
    let (popups, clicks) = popups(SHORT);

    popups.push(task("task-1"));
    popups.push(task("task-2"));

    let records = server.wait_for(2);
    assert_eq!(records[1]["summary"], "2 new tasks");
    // The first popup's click waiter is still listening for this same id: it must stay quiet.
    let target = click_until_answered(&server, id_of(&records[1]), &clicks);
    assert_eq!(target, Target::Tasks);
    assert_eq!(
        clicks.recv_timeout(SHORT),
        Err(mpsc::RecvTimeoutError::Timeout),
        "the replaced popup must not answer the click too"
    );
}

#[test]
#[ignore = "needs a D-Bus session: tests/popups.sh"]
fn no_notification_server_is_unavailable() {
    let _bus = support::bus();
    assert!(
        !support::notification_service_on_bus(),
        "something on this bus serves or can start org.freedesktop.Notifications; run \
         tests/popups.sh, whose private bus has none"
    );
    let shown = Shown {
        summary: "Chat from visitor 1".into(),
        body: "Hello".into(),
        replaces: None,
        target: Target::Conversation("conv-1".into()),
    };
    let err = DesktopNotifier::new()
        .show(&shown, Box::new(|_| {}))
        .expect_err("no server to show it");
    assert_eq!(err.code(), "notify.unavailable", "{err}");

    // And the popups thread shrugs it off: with a server back, the next popup shows.
    let (popups, _clicks) = popups(SHORT);
    popups.push(chat(1));
    thread::sleep(SHORT * 2);
    let server = support::server();
    popups.push(chat(2));
    let records = server.wait_for(1);
    assert_eq!(records[0]["summary"], "Chat from visitor 2");
}

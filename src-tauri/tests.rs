//! The shell through its real IPC path on Tauri's mock runtime: the `rpc` command, the
//! capability that admits it, the managed desk, and events forwarded from the core.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use frontdesk_core::MemoryKeyStore;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, MockRuntime};
use tauri::webview::InvokeRequest;
use tauri::{Listener, WebviewWindow, WebviewWindowBuilder};

use crate::desk::DeskConfig;

const PASSWORD: &str = "correct horse 42";

struct Shell {
    app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    events: Arc<Mutex<Vec<Value>>>,
    _dir: tempfile::TempDir,
}

fn shell() -> Shell {
    shell_with(None)
}

fn shell_with(notifier: Option<Arc<dyn frontdesk_notify::Notifier>>) -> Shell {
    shell_on(notifier, None)
}

fn shell_on(
    notifier: Option<Arc<dyn frontdesk_notify::Notifier>>,
    lan: Option<frontdesk_host::lan::LanOptions>,
) -> Shell {
    let dir = tempfile::tempdir().unwrap();
    let config = DeskConfig {
        db_path: dir.path().join("clinic.db"),
        keyring: Some(Arc::new(MemoryKeyStore::new())),
        workstation: "desk-test".into(),
        idle_lock_secs: None,
        relay: None,
        notifier,
        lan,
        pairing_path: dir.path().join("lan-desk.json"),
        clock: None,
    };
    // The real context: the capability in tauri.conf.json decides what the window may call.
    let app = crate::builder::<MockRuntime>(Instant::now())
        .build(tauri::generate_context!())
        .unwrap();
    crate::attach(&app, config);
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    app.listen(crate::events::CHANNEL, move |e| {
        sink.lock()
            .unwrap()
            .push(serde_json::from_str(e.payload()).unwrap());
    });
    Shell {
        app,
        window,
        events,
        _dir: dir,
    }
}

impl Shell {
    fn invoke_from(&self, url: &str, call: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.window,
            InvokeRequest {
                cmd: "rpc".into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                // On Linux the app's own pages are served from tauri://localhost.
                url: url.parse().unwrap(),
                body: InvokeBody::Json(json!({ "call": call })),
                headers: Default::default(),
                invoke_key: self.app.invoke_key().to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().unwrap())
    }

    fn rpc(&self, call: Value) -> Result<Value, Value> {
        self.invoke_from("tauri://localhost", call)
    }

    fn ok(&self, call: Value) -> Value {
        self.rpc(call.clone())
            .unwrap_or_else(|e| panic!("{call} failed: {e}"))
    }

    fn err_code(&self, call: Value) -> String {
        let e = self
            .rpc(call.clone())
            .expect_err(&format!("{call} succeeded"));
        e["code"].as_str().unwrap_or_default().to_string()
    }

    fn stage(&self) -> String {
        self.ok(json!({"call": "status"}))["data"]["stage"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Sets up a clinic and logs its admin in, returning the TOTP secret.
    fn set_up_and_log_in(&self) -> String {
        let secret = self.set_up();
        self.log_in(&totp_now(&secret));
        secret
    }

    /// Sets up a clinic with its admin, returning the admin's TOTP secret.
    fn set_up(&self) -> String {
        let passphrase = self.ok(json!({"call": "suggest_passphrase"}))["data"]
            .as_str()
            .unwrap()
            .to_string();
        let set_up = self.ok(json!({"call": "set_up", "args": {
            "name": "Mekong Family Clinic", "time_zone": "Asia/Phnom_Penh", "phone_region": "KH",
            "admin_login": "amara", "admin_name": "Amara", "admin_password": PASSWORD,
            "recovery_passphrase": passphrase,
        }}));
        assert_eq!(set_up["kind"], "set_up");
        assert_eq!(set_up["data"]["key_in_keyring"], true);
        let secret = set_up["data"]["totp"]["secret_base32"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(self.stage(), "login");
        secret
    }

    fn log_in(&self, totp_code: &str) {
        let session = self.ok(json!({"call": "login", "args": {
            "login": "amara", "password": PASSWORD, "totp_code": totp_code,
        }}));
        assert_eq!(session["data"]["login"], "amara");
    }
}

fn totp_now(secret_base32: &str) -> String {
    totp_at(secret_base32, totp_step_now())
}

fn totp_step_now() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    now.as_secs() as i64 / 30
}

fn totp_at(secret_base32: &str, step: i64) -> String {
    let secret = totp_rs::Secret::Encoded(secret_base32.into())
        .to_bytes()
        .unwrap();
    totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        0,
        30,
        secret,
        None,
        "amara".into(),
    )
    .unwrap()
    .generate(step as u64 * 30)
}

/// Fresh codes for requests that ask for one after login. The door takes each step once and
/// accepts the steps either side of now, so a test that logs in with the previous step's code
/// has two more codes at hand without waiting half a minute.
struct Codes {
    secret: String,
    last: i64,
}

impl Codes {
    /// Logs in with the previous step's code.
    fn log_in_a_step_early(s: &Shell, secret: String) -> Codes {
        // Far enough from the step's end that the code is still in the window when checked.
        while (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            % 30)
            > 24
        {
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        let last = totp_step_now() - 1;
        s.log_in(&totp_at(&secret, last));
        Codes { secret, last }
    }

    fn next(&mut self) -> frontdesk_core::Secret {
        self.last = (self.last + 1).max(totp_step_now() - 1);
        frontdesk_core::Secret::new(totp_at(&self.secret, self.last))
    }
}

fn contains_key(v: &Value, key: &str) -> bool {
    match v {
        Value::Object(m) => m.contains_key(key) || m.values().any(|x| contains_key(x, key)),
        Value::Array(a) => a.iter().any(|x| contains_key(x, key)),
        _ => false,
    }
}

#[test]
fn a_new_pc_starts_at_setup_and_nothing_else_works_yet() {
    let s = shell();
    assert_eq!(s.stage(), "setup");
    assert_eq!(
        s.err_code(json!({"call": "door", "args": {"op": "clinic_get"}})),
        "desk.not_set_up"
    );
    assert_eq!(
        s.err_code(json!({"call": "login", "args": {"login": "a", "password": "b"}})),
        "desk.not_set_up"
    );
}

#[test]
fn setup_login_and_door_requests_go_through_the_one_entry_without_exposing_the_token() {
    let s = shell();
    s.set_up_and_log_in();
    let status = s.ok(json!({"call": "status"}));
    assert_eq!(status["data"]["stage"], "ready");
    assert_eq!(status["data"]["workstation"], "desk-test");
    assert!(
        !contains_key(&status, "token"),
        "the session token stays in the shell: {status}"
    );

    let saved = s.ok(
        json!({"call": "door", "args": {"op": "client_create", "args": {
            "id": null, "fields": {"full_name": "សុខ ដារ៉ា", "phones": ["012 345 678"]},
        }}}),
    );
    assert_eq!(saved["data"]["kind"], "client_saved");
    let id = saved["data"]["data"]["client"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let page = s.ok(
        json!({"call": "door", "args": {"op": "client_search", "args": {
            "query": "សុខ",
        }}}),
    );
    assert_eq!(page["data"]["data"]["items"][0]["id"], id.as_str());

    // The change reached the UI's event channel (from the event thread), carrying the id and
    // nothing personal.
    wait_until("the event", || !s.events.lock().unwrap().is_empty());
    let events = s.events.lock().unwrap().clone();
    assert_eq!(
        events,
        vec![json!({"kind": "client_changed", "id": id, "version": 1})]
    );

    // Bad input comes back as the core's error body, with the field.
    let bad = s
        .rpc(
            json!({"call": "door", "args": {"op": "client_create", "args": {
                "fields": {"full_name": "X", "email": "not-an-email"},
            }}}),
        )
        .unwrap_err();
    assert_eq!(bad["code"], "validation.email");
    assert_eq!(bad["field"], "email");
}

#[test]
fn a_locked_desk_serves_nothing_until_the_same_password_is_given() {
    let s = shell();
    s.set_up_and_log_in();
    s.ok(json!({"call": "lock"}));
    assert_eq!(s.stage(), "locked");
    assert_eq!(
        s.err_code(
            json!({"call": "door", "args": {"op": "client_search", "args": {"query": "a"}}})
        ),
        "auth.session_locked"
    );
    assert_eq!(
        s.err_code(json!({"call": "unlock", "args": {"password": "wrong password"}})),
        "auth.bad_credentials"
    );
    assert_eq!(s.stage(), "locked");
    s.ok(json!({"call": "unlock", "args": {"password": PASSWORD}}));
    assert_eq!(s.stage(), "ready");
    // Switching user ends the session; the desk goes back to the login screen.
    s.ok(json!({"call": "lock"}));
    s.ok(json!({"call": "log_out"}));
    assert_eq!(s.stage(), "login");
    assert_eq!(
        s.err_code(json!({"call": "door", "args": {"op": "clinic_get"}})),
        "desk.not_logged_in"
    );
}

#[test]
fn malformed_calls_are_refused_before_reaching_the_desk() {
    let s = shell();
    let e = s.rpc(json!({"call": "drop_everything"})).unwrap_err();
    assert!(e.to_string().contains("drop_everything"), "{e}");
    let e = s
        .rpc(json!({"call": "door", "args": {"op": "backup", "args": {}}}))
        .unwrap_err();
    assert!(e.to_string().contains("path"), "{e}");
    assert_eq!(s.stage(), "setup");
}

#[test]
fn pages_from_elsewhere_cannot_call_the_desk() {
    let s = shell();
    let e = s
        .invoke_from("https://evil.example", json!({"call": "status"}))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("rpc not allowed on window \\\"main\\\""),
        "a remote origin must be refused: {e}"
    );
}

type Click = Box<dyn FnOnce(frontdesk_notify::Target) + Send>;

/// Records what would be put on screen, and keeps each popup's click for the test to make.
#[derive(Default)]
struct Recorder {
    shown: Mutex<Vec<frontdesk_notify::Shown>>,
    clicks: Mutex<Vec<Click>>,
}

impl frontdesk_notify::Notifier for Recorder {
    fn show(&self, n: &frontdesk_notify::Shown, on_click: Click) -> frontdesk_notify::Result<u32> {
        let mut shown = self.shown.lock().unwrap();
        shown.push(n.clone());
        self.clicks.lock().unwrap().push(on_click);
        Ok(shown.len() as u32)
    }
}

#[test]
fn a_task_given_to_whoever_is_logged_in_pops_up_and_a_click_opens_it() {
    let recorder = Arc::new(Recorder::default());
    let s = shell_with(Some(recorder.clone()));
    s.set_up_and_log_in();
    let opened = Arc::new(Mutex::new(Vec::<Value>::new()));
    let sink = opened.clone();
    s.app.listen(crate::events::OPEN, move |e| {
        sink.lock()
            .unwrap()
            .push(serde_json::from_str(e.payload()).unwrap());
    });
    let me = s.ok(json!({"call": "status"}))["data"]["session"]["staff_id"]
        .as_str()
        .unwrap()
        .to_string();
    let made = s.ok(
        json!({"call": "door", "args": {"op": "task_create", "args": {
            "kind": "call_back", "title": "Call Mr Sok about his results",
            "assignee_ids": [me], "priority": "normal",
        }}}),
    );
    let task = made["data"]["data"][0]["id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + std::time::Duration::from_secs(5);
    while recorder.shown.lock().unwrap().is_empty() && Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    {
        let shown = recorder.shown.lock().unwrap();
        assert_eq!(shown.len(), 1, "one popup");
        assert_eq!(shown[0].summary, "New call-back task");
        // The popup names no client: the title stays inside the app.
        assert!(!shown[0].body.contains("Sok"), "{}", shown[0].body);
    }
    let click = recorder.clicks.lock().unwrap().pop().unwrap();
    click(frontdesk_notify::Target::Task(task.clone()));
    assert_eq!(
        opened.lock().unwrap().clone(),
        vec![json!({"open": "task", "id": task})]
    );
    // Muted: the next task arrives, silently.
    s.ok(
        json!({"call": "door", "args": {"op": "prefs_update", "args": {
            "mute_popups": true, "mute_sounds": false,
        }}}),
    );
    s.ok(
        json!({"call": "door", "args": {"op": "task_create", "args": {
            "kind": "custom", "title": "Prepare the file", "assignee_ids": [me], "priority": "low",
        }}}),
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(recorder.shown.lock().unwrap().len(), 1);
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + std::time::Duration::from_secs(10);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_second_pc_pairs_with_the_host_and_gets_its_own_popups_until_it_is_revoked() {
    let (host_popups, desk_popups) = (Arc::new(Recorder::default()), Arc::new(Recorder::default()));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let host = shell_on(
        Some(host_popups.clone()),
        Some(frontdesk_host::lan::LanOptions {
            listen: ([127, 0, 0, 1], port).into(),
            advertise: false,
            ..Default::default()
        }),
    );
    host.set_up_and_log_in();
    let dara = host.ok(
        json!({"call": "door", "args": {"op": "staff_create", "args": {
            "login": "dara", "password": "front desk 2026", "display_name": "Dara",
            "role": "receptionist", "experience": 3, "support_tier": 1, "chat_capacity": 3,
        }}}),
    );
    let dara_id = dara["data"]["data"]["staff"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let offer = host.ok(json!({"call": "pairing_offer"}))["data"].clone();
    assert_eq!(offer["addresses"], json!([format!("127.0.0.1:{port}")]));
    let qr = offer["qr_text"].as_str().unwrap().to_string();
    assert!(qr.starts_with("frontdesk-pair:v1?host=127.0.0.1:"), "{qr}");

    // The new PC: the QR code's text carries the address and pins the certificate.
    let desk = shell_with(Some(desk_popups.clone()));
    assert_eq!(desk.stage(), "setup");
    assert_eq!(
        desk.err_code(json!({"call": "pair", "args": {"text": "ZZZ-ZZZ-ZZZ"}})),
        "validation.required",
        "a typed code needs the host's address"
    );
    let status = desk.ok(json!({"call": "pair", "args": {"text": qr, "name": "Consult room 2"}}));
    assert_eq!(status["data"]["stage"], "login");
    assert_eq!(status["data"]["clinic"]["name"], "Mekong Family Clinic");
    assert_eq!(status["data"]["workstation"], "Consult room 2");
    assert_eq!(status["data"]["lan"]["phase"], "connected");
    assert_eq!(
        desk.err_code(json!({"call": "set_up", "args": {
            "name": "Other", "time_zone": "Asia/Phnom_Penh", "phone_region": "KH",
            "admin_login": "x", "admin_name": "x", "admin_password": PASSWORD,
            "recovery_passphrase": "a long enough passphrase for this",
        }})),
        "desk.paired"
    );

    let session = desk.ok(json!({"call": "login", "args": {
        "login": "dara", "password": "front desk 2026",
    }}));
    assert_eq!(session["data"]["staff_id"], dara_id.as_str());
    assert!(
        !contains_key(&session, "token"),
        "the web view never sees the token"
    );
    assert_eq!(desk.stage(), "ready");
    let found =
        desk.ok(json!({"call": "door", "args": {"op": "client_search", "args": {"query": ""}}}));
    assert_eq!(found["data"]["kind"], "client_page");

    // The admin at the host gives Dara a task: Dara's PC pops up, the host does not.
    host.ok(
        json!({"call": "door", "args": {"op": "task_create", "args": {
            "kind": "call_back", "title": "Call Mrs Chan back", "assignee_ids": [dara_id],
            "priority": "high",
        }}}),
    );
    wait_until("the popup on Dara's PC", || {
        !desk_popups.shown.lock().unwrap().is_empty()
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(desk_popups.shown.lock().unwrap().len(), 1);
    assert_eq!(
        desk_popups.shown.lock().unwrap()[0].summary,
        "New call-back task"
    );
    assert!(
        host_popups.shown.lock().unwrap().is_empty(),
        "not on the host"
    );
    assert!(
        desk.events
            .lock()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "task_assigned"),
        "the connected window hears of it too"
    );

    // Revoked: the desk is cut off and says so; forgetting the host brings back the set-up.
    let devices = host.ok(json!({"call": "door", "args": {"op": "device_list"}}));
    let id = devices["data"]["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(devices["data"]["data"][0]["name"], "Consult room 2");
    host.ok(json!({"call": "door", "args": {"op": "device_revoke", "args": {"id": id}}}));
    wait_until("the desk to be refused", || desk.stage() == "remote");
    let status = desk.ok(json!({"call": "status"}));
    assert_eq!(status["data"]["link"]["phase"], "refused");
    assert_eq!(status["data"]["link"]["last_error"], "device.revoked");
    let status = desk.ok(json!({"call": "unpair"}));
    assert_eq!(status["data"]["stage"], "setup");
}

#[test]
fn a_protected_client_export_is_one_aes_zip_that_7zip_opens_with_its_one_time_password_only() {
    use crate::export::tests::{assert_sealed, unzip};
    use crate::export::{export_client_in, save_client};
    use frontdesk_core::{Request, Response};
    use tauri::Manager;

    let s = shell();
    let secret = s.set_up();
    let mut codes = Codes::log_in_a_step_early(&s, secret);
    let name = "Planted Sreyneang Chanthou";
    let email = "planted.sreyneang@example.com";
    let saved = s.ok(
        json!({"call": "door", "args": {"op": "client_create", "args": {
            "id": null, "fields": {"full_name": name, "phones": ["012 345 678"], "email": email},
        }}}),
    );
    let id = saved["data"]["data"]["client"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let desk = s.app.state::<Arc<crate::desk::Desk>>().inner().clone();
    let dir = tempfile::tempdir().unwrap();
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };

    // The whole path: the door (with a fresh code), the JSON and PDF, the zip, the one file.
    let done = export_client_in(&desk, dir.path(), id.clone(), codes.next(), true).unwrap();
    let password = done
        .password
        .clone()
        .expect("a protected export has a password");
    let zip = dir.path().join(format!("client-{id}.zip"));
    assert_eq!(done.paths, vec![zip.display().to_string()]);
    assert_eq!(
        listing(),
        vec![format!("client-{id}.zip")],
        "only the zip is written: no JSON, PDF or partial file beside it"
    );
    assert_sealed(
        &zip,
        2,
        &[name.as_bytes(), email.as_bytes(), b"%PDF", b"\"schema\""],
    );
    let out = unzip(&zip, &password).expect("the password shown opens the zip");
    let json = std::fs::read(out.path().join(format!("client-{id}.json"))).unwrap();
    let parsed: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(parsed["client"]["id"], id.as_str());
    assert!(String::from_utf8_lossy(&json).contains(name));
    let pdf = std::fs::read(out.path().join(format!("client-{id}.pdf"))).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 2);
    assert!(unzip(&zip, "K7QM-2XRT-9HWD-4NPB-6JCV").is_err());

    // The JSON inside is the door's, byte for byte; a second export has its own name and its
    // own password, which the first one's does not open.
    let export = match desk
        .door(Request::ClientExport {
            id: id.clone(),
            totp: codes.next(),
        })
        .unwrap()
    {
        Response::ClientExport(e) => e,
        other => panic!("not an export: {other:?}"),
    };
    let again = save_client(dir.path(), &export, true).unwrap();
    let zip2 = dir.path().join(format!("client-{id} (2).zip"));
    assert_eq!(again.paths, vec![zip2.display().to_string()]);
    let password2 = again.password.clone().unwrap();
    assert_ne!(password2, password);
    let out2 = unzip(&zip2, &password2).unwrap();
    assert_eq!(
        std::fs::read(out2.path().join(format!("client-{id}.json"))).unwrap(),
        serde_json::to_vec_pretty(&export).unwrap()
    );
    assert!(unzip(&zip2, &password).is_err());
    assert!(unzip(&zip, &password2).is_err());

    // Unprotected, as before: the two files, and no password.
    let plain = save_client(dir.path(), &export, false).unwrap();
    assert_eq!(plain.password, None);
    assert_eq!(
        plain.paths,
        vec![
            dir.path()
                .join(format!("client-{id}.json"))
                .display()
                .to_string(),
            dir.path()
                .join(format!("client-{id}.pdf"))
                .display()
                .to_string(),
        ]
    );
    assert_eq!(
        std::fs::read(&plain.paths[0]).unwrap(),
        serde_json::to_vec_pretty(&export).unwrap()
    );
}

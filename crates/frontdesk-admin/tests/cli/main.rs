//! `frontdesk-admin` as operators and scripts use it: a real process on a real SQLCipher file.

mod erasure_kill;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PASSPHRASE: &str = "cli test recovery passphrase";

struct Clinic {
    dir: tempfile::TempDir,
    db: PathBuf,
}

fn admin(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_frontdesk-admin"));
    c.arg("--db").arg(db);
    c.env("FRONTDESK_PASSPHRASE", PASSPHRASE);
    c.env_remove("FRONTDESK_DB");
    c
}

/// Runs `c` with `input` on its standard input.
fn with_input(mut c: Command, input: &str) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("frontdesk-admin runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn run(mut c: Command) -> Output {
    c.output().expect("frontdesk-admin runs")
}

fn ok(c: Command) -> String {
    let out = run(c);
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The error line of a failed run; it must fail, on one line, with the code.
fn fails(c: Command, code: &str) -> String {
    let out = run(c);
    assert!(!out.status.success(), "expected a failure with {code}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(&format!("[{code}]")), "{err}");
    err
}

fn init() -> Clinic {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clinic.db");
    let mut c = admin(&db);
    c.args(["init", "--clinic", "Mekong Clinic", "--admin", "boss"])
        .env("FRONTDESK_ADMIN_PASSWORD", "boss-password-123");
    let out = ok(c);
    assert!(out.contains("otpauth://totp/"), "{out}");
    Clinic { dir, db }
}

impl Clinic {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = admin(&self.db);
        c.args(args);
        c
    }
    fn ok(&self, args: &[&str]) -> String {
        ok(self.cmd(args))
    }
    fn add(&self, name: &str, extra: &[&str]) -> String {
        let mut args = vec!["client", "add", "--name", name];
        args.extend_from_slice(extra);
        self.ok(&args).trim().to_string()
    }
    fn raw(&self) -> rusqlite::Connection {
        let kf = frontdesk_core::KeyFile::read(&self.db).unwrap();
        let key = kf.unwrap_keys(PASSPHRASE).unwrap().remove(0);
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA key = \"x'{}'\";",
            hex::encode(key.as_bytes())
        ))
        .unwrap();
        conn
    }
}

#[test]
fn init_add_find_show_and_verify() {
    let c = init();
    let id = c.add(
        "ស៊ុន សុភា",
        &[
            "--phone",
            "012 345 678",
            "--email",
            "sophea@example.com",
            "--notes",
            "Allergic",
        ],
    );
    assert_eq!(id.len(), 26, "a ULID: {id}");
    let found = c.ok(&["client", "find", "សុភា"]);
    assert_eq!(found.lines().count(), 1);
    assert!(
        found.starts_with(&id) && found.contains("ស៊ុន សុភា"),
        "{found}"
    );
    let card = c.ok(&["client", "show", &id]);
    assert!(card.contains("name: ស៊ុន សុភា"), "{card}");
    assert!(card.contains("email: sophea@example.com"));
    assert!(card.contains("notes: Allergic"));
    c.ok(&["client", "edit", &id, "--notes", "Allergic to penicillin"]);
    let history = c.ok(&["client", "history", &id]);
    assert_eq!(history.lines().count(), 2, "{history}");
    assert!(history.lines().nth(1).unwrap().contains("penicillin"));
    let verify = c.ok(&["audit", "verify"]);
    assert!(verify.starts_with("OK"), "{verify}");
    let log = c.ok(&["audit", "list"]);
    assert!(
        log.contains("client.get") && log.contains("operator"),
        "{log}"
    );
    assert!(!log.contains("Allergic") && !log.contains("សុភា"));
}

#[test]
fn staff_add_and_list_with_totp_for_managers() {
    let c = init();
    let mut add = c.cmd(&[
        "staff",
        "add",
        "--login",
        "lan",
        "--name",
        "Nguyễn Thị Lan",
        "--role",
        "clinician",
    ]);
    add.env("FRONTDESK_STAFF_PASSWORD", "lan-password-123");
    let out = ok(add);
    assert!(!out.contains("otpauth"));
    let mut add = c.cmd(&[
        "staff", "add", "--login", "mgr", "--name", "Manager", "--role", "manager",
    ]);
    add.env("FRONTDESK_STAFF_PASSWORD", "mgr-password-123");
    assert!(ok(add).contains("otpauth://"));
    let list = c.ok(&["staff", "list"]);
    assert_eq!(list.lines().count(), 3, "{list}");
    assert!(list.contains("Nguyễn Thị Lan\tclinician\tactive"));
    let mut bad = c.cmd(&[
        "staff", "add", "--login", "x", "--name", "X", "--role", "wizard",
    ]);
    bad.env("FRONTDESK_STAFF_PASSWORD", "x-password-123");
    fails(bad, "validation.role");
}

#[test]
fn bad_input_fails_on_one_line_and_changes_nothing() {
    let c = init();
    fails(
        c.cmd(&["client", "add", "--name", "A", "--email", "nope"]),
        "validation.email",
    );
    fails(
        c.cmd(&["client", "add", "--name", "A", "--phone", "123"]),
        "validation.phone",
    );
    let long = "x".repeat(201);
    fails(
        c.cmd(&["client", "add", "--name", &long]),
        "validation.too_long",
    );
    assert_eq!(c.ok(&["client", "find", "A"]), "");
    fails(
        c.cmd(&["client", "show", "01JNOSUCHCLIENT0000000000"]),
        "record.not_found",
    );

    let mut wrong = c.cmd(&["client", "find", "x"]);
    wrong.env("FRONTDESK_PASSPHRASE", "wrong passphrase!!");
    fails(wrong, "key.wrong_passphrase");

    // Secrets are never taken from arguments.
    let err = fails(
        c.cmd(&["--passphrase", PASSPHRASE, "client", "find", "x"]),
        "usage",
    );
    assert!(
        err.contains("--passphrase") && !err.contains(PASSPHRASE),
        "{err}"
    );

    // Without the env var and without a terminal, it says how to give the secret.
    let mut none = c.cmd(&["client", "find", "x"]);
    none.env_remove("FRONTDESK_PASSPHRASE")
        .stdin(std::process::Stdio::null());
    let err = fails(none, "io.error");
    assert!(err.contains("FRONTDESK_PASSPHRASE"), "{err}");

    // init refuses to overwrite, and refuses weak secrets before creating anything.
    let mut again = c.cmd(&["init", "--clinic", "X", "--admin", "y"]);
    again.env("FRONTDESK_ADMIN_PASSWORD", "another-password-1");
    fails(again, "store.already_exists");
    let fresh = c.dir.path().join("fresh.db");
    let mut weak = admin(&fresh);
    weak.args(["init", "--clinic", "X", "--admin", "y"])
        .env("FRONTDESK_PASSPHRASE", "short")
        .env("FRONTDESK_ADMIN_PASSWORD", "another-password-1");
    fails(weak, "validation.passphrase_too_short");
    let mut tz = admin(&fresh);
    tz.args([
        "init",
        "--clinic",
        "X",
        "--admin",
        "y",
        "--time-zone",
        "Mars/Olympus",
    ])
    .env("FRONTDESK_ADMIN_PASSWORD", "another-password-1");
    fails(tz, "validation.time_zone");
    assert!(!fresh.exists());
    assert!(!c.dir.path().join("fresh.db.key").exists());

    // Not a Frontdesk database.
    let junk = c.dir.path().join("junk.db");
    std::fs::write(&junk, b"hello, not a database").unwrap();
    let mut j = admin(&junk);
    j.args(["client", "find", "x"]);
    fails(j, "store.not_frontdesk");
}

#[test]
fn audit_verify_names_the_first_tampered_record_and_fails() {
    let c = init();
    for i in 0..5 {
        c.add(&format!("Person {i}"), &[]);
    }
    let raw = c.raw();
    raw.execute_batch("DROP TRIGGER audit_no_update;").unwrap();
    raw.execute("UPDATE audit SET outcome = 'denied' WHERE seq = 4", [])
        .unwrap();
    drop(raw);
    let out = run(c.cmd(&["audit", "verify"]));
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("BROKEN at record 4"), "{text}");
}

#[test]
fn backup_and_restore_through_the_cli() {
    let c = init();
    let id = c.add("Backed Up", &["--phone", "+855 96 555 1234"]);
    let out = c.dir.path().join("clinic.backup");
    let written = c.ok(&["backup", out.to_str().unwrap()]);
    assert!(written.contains("backup written"), "{written}");
    let elsewhere = c.dir.path().join("elsewhere.db");
    let mut r = admin(&elsewhere);
    r.args(["restore", out.to_str().unwrap()]);
    let report = ok(r);
    assert!(report.contains("1 clients"), "{report}");
    let mut show = admin(&elsewhere);
    show.args(["client", "show", &id]);
    assert!(ok(show).contains("name: Backed Up"));
    let mut wrong = admin(&elsewhere);
    wrong
        .args(["restore", out.to_str().unwrap()])
        .env("FRONTDESK_PASSPHRASE", "wrong passphrase!!");
    fails(wrong, "key.wrong_passphrase");
}

#[test]
fn demo_fills_a_clinic_in_four_scripts() {
    let c = init();
    let out = c.ok(&["demo", "--clients", "400", "--seed", "3"]);
    assert!(out.contains("400 clients"), "{out}");
    assert!(out.contains("demo login: demo.dara"));
    for q in ["Nguyễn", "nguyen", "ដារ៉ា", "حداد", "Wilson"] {
        let found = c.ok(&["client", "find", q, "--limit", "200"]);
        assert!(found.lines().count() > 0, "{q}");
    }
    let staff = c.ok(&["staff", "list"]);
    assert_eq!(staff.lines().count(), 7, "{staff}");
    // Running it again adds clients but not the same staff twice.
    c.ok(&["demo", "--clients", "10"]);
    assert_eq!(c.ok(&["staff", "list"]).lines().count(), 7);
}

#[test]
fn two_processes_writing_at_once_lose_nothing() {
    let c = init();
    let children: Vec<_> = (0..2)
        .map(|w| {
            let db = c.db.clone();
            std::thread::spawn(move || {
                for i in 0..15 {
                    let mut cmd = admin(&db);
                    cmd.args(["client", "add", "--name", &format!("Proc{w} N{i}")]);
                    let out = run(cmd);
                    assert!(
                        out.status.success(),
                        "{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            })
        })
        .collect();
    for ch in children {
        ch.join().unwrap();
    }
    let found = c.ok(&["client", "find", "Proc", "--limit", "100"]);
    assert_eq!(found.lines().count(), 30);
    assert!(c.ok(&["audit", "verify"]).starts_with("OK"));
}

#[test]
fn key_rotation_and_passphrase_change() {
    let c = init();
    let id = c.add("Rotated", &[]);
    c.ok(&["key", "rotate"]);
    let mut change = c.cmd(&["key", "change-passphrase"]);
    change.env("FRONTDESK_NEW_PASSPHRASE", "the second passphrase");
    ok(change);
    fails(c.cmd(&["client", "show", &id]), "key.wrong_passphrase");
    let mut show = c.cmd(&["client", "show", &id]);
    show.env("FRONTDESK_PASSPHRASE", "the second passphrase");
    assert!(ok(show).contains("name: Rotated"));
}

#[test]
fn a_report_counts_the_demo_history_and_saves_csv_and_pdf_never_over_a_file() {
    let c = init();
    c.ok(&[
        "demo",
        "--clients",
        "50",
        "--history-days",
        "10",
        "--chats-per-day",
        "6",
        "--messages-per-chat",
        "4",
        "--tasks-per-day",
        "2",
    ]);
    // A period that holds all of it, counted again straight from the database.
    let today = chrono::Utc::now().date_naive();
    let from = (today - chrono::Duration::days(40)).to_string();
    let to = (today + chrono::Duration::days(1)).to_string();
    let out = c.ok(&[
        "--json", "report", "--from", &from, "--to", &to, "--bucket", "day",
    ]);
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let raw = c.raw();
    let count =
        |sql: &str| -> u64 { raw.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as u64 };
    assert_eq!(
        r["totals"]["replies"].as_u64().unwrap(),
        count("SELECT count(*) FROM chat_messages WHERE side = 'desk' AND staff_id IS NOT NULL")
    );
    assert_eq!(
        r["totals"]["chats_assigned"].as_u64().unwrap(),
        count("SELECT count(*) FROM tasks WHERE kind = 'chat'")
    );
    assert_eq!(r["totals"]["chats_assigned"].as_u64().unwrap(), 60);
    assert_eq!(
        r["heatmap"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| d.as_array().unwrap())
            .map(|n| n.as_u64().unwrap())
            .sum::<u64>(),
        60
    );

    let csv = c.dir.path().join("week.csv");
    let pdf = c.dir.path().join("week.pdf");
    let csv_s = csv.display().to_string();
    let pdf_s = pdf.display().to_string();
    c.ok(&["report", "--from", &from, "--to", &to, "--csv", &csv_s]);
    c.ok(&[
        "report", "--from", &from, "--to", &to, "--pdf", &pdf_s, "--paper", "letter",
    ]);
    assert!(std::fs::read(&csv)
        .unwrap()
        .starts_with(b"\xEF\xBB\xBFscope,"));
    let pdf_bytes = std::fs::read(&pdf).unwrap();
    assert!(pdf_bytes.starts_with(b"%PDF"));
    // An existing file is never replaced.
    fails(
        c.cmd(&["report", "--from", &from, "--to", &to, "--pdf", &pdf_s]),
        "io.error",
    );
    assert_eq!(std::fs::read(&pdf).unwrap(), pdf_bytes);
    // The totals on the terminal; last week by default for a weekly job.
    let text = c.ok(&["report", "--last-week"]);
    assert!(text.contains("chats:"), "{text}");
    fails(
        c.cmd(&["report", "--from", &to, "--to", &from]),
        "report.period_order",
    );
}

/// `call` and `privacy scan` take their input on standard input; bad input fails on one line
/// and changes nothing.
#[test]
fn call_and_privacy_scan_read_standard_input_and_refuse_bad_input() {
    let c = init();
    let id = c.add("Thandiwe Okonkwo-Reyes", &["--phone", "012 345 678"]);
    let with_input = |args: &[&str], input: &str| with_input(c.cmd(args), input);
    let got = with_input(
        &["call"],
        &format!(r#"{{"op":"client_get","args":{{"id":"{id}"}}}}"#),
    );
    assert!(got.status.success());
    let v: serde_json::Value = serde_json::from_slice(&got.stdout).unwrap();
    assert_eq!(v["kind"], "client");
    assert_eq!(v["data"]["full_name"], "Thandiwe Okonkwo-Reyes");

    let bad = with_input(&["call"], "{\"op\":\"client_gett\"}");
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8(bad.stderr).unwrap();
    assert!(
        err.contains("[usage]") && err.trim_end().lines().count() == 1,
        "{err}"
    );

    // The name is in the file: found, by line number only, and the exit code says so.
    let found = with_input(&["privacy", "scan"], "nobody by this name\nOkonkwo-Reyes\n");
    assert_eq!(found.status.code(), Some(1));
    let out = String::from_utf8(found.stdout).unwrap();
    assert!(out.contains("text on line 2 found in"), "{out}");
    assert!(
        !out.contains("Okonkwo") && !out.contains("text on line 1 "),
        "{out}"
    );

    let empty = with_input(&["privacy", "scan"], "\n  \n");
    assert!(!empty.status.success());
    assert!(String::from_utf8(empty.stderr)
        .unwrap()
        .contains("[validation.required]"));
    let nothing = with_input(
        &["privacy", "scan", "--backup", "/nonexistent/b.fdbackup"],
        "x\n",
    );
    assert!(!nothing.status.success());
    assert!(String::from_utf8(nothing.stderr)
        .unwrap()
        .contains("[store."));
}

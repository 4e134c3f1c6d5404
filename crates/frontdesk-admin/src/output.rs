//! What the CLI prints: one record per line for lists, `key: value` lines for cards, or JSON
//! with --json. Output goes to stdout only; it is the operator's own terminal or script.

use std::path::Path;

use frontdesk_core::{
    AuditRecord, Client, ClientPage, ClientSaved, Created, DemoSummary, HistoryEntry,
    RestoreReport, Staff, TotpEnrollment, VerifyReport,
};
use serde::Serialize;

fn json_out<T: Serialize + ?Sized>(v: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("output serializes")
    );
}

pub fn line(json: bool, v: &serde_json::Value, text: impl FnOnce() -> String) {
    if json {
        json_out(v)
    } else {
        println!("{}", text())
    }
}

pub fn totp(t: &TotpEnrollment, json: bool) {
    if json {
        return json_out(t);
    }
    println!("TOTP secret (add it to an authenticator app now; it is shown once):");
    println!("  secret: {}", t.secret_base32);
    println!("  {}", t.otpauth_url);
}

pub fn created(c: &Created, db: &Path, json: bool) {
    if json {
        return json_out(&serde_json::json!({
            "clinic_id": c.clinic.id(),
            "db": db.display().to_string(),
            "admin": c.admin,
            "admin_totp": c.admin_totp,
        }));
    }
    println!("clinic created at {} (id {})", db.display(), c.clinic.id());
    println!("first admin: {} (id {})", c.admin.login, c.admin.id);
    totp(&c.admin_totp, false);
    println!(
        "Keep the recovery passphrase safe: without it the data cannot be opened on another PC."
    );
}

pub fn restored(r: &RestoreReport, db: &Path, json: bool) {
    if json {
        return json_out(r);
    }
    println!(
        "restored to {}: {} clients, audit chain of {} records verified",
        db.display(),
        r.clients,
        r.audit_records
    );
    if let Some(p) = &r.previous_moved_to {
        println!("the database that was there is kept at {p}");
    }
}

pub fn client_added(saved: &ClientSaved, json: bool) {
    if json {
        return json_out(saved);
    }
    println!("{}", saved.client.id);
    for d in &saved.possible_duplicates {
        eprintln!(
            "warning: possible duplicate of {} (same phone or email)",
            d.id
        );
    }
}

pub fn client(c: &Client, json: bool) {
    if json {
        return json_out(c);
    }
    let f = &c.fields;
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    println!("id: {}", c.id);
    println!("name: {}", f.full_name);
    println!("phones: {}", f.phones.join(", "));
    println!("email: {}", opt(&f.email));
    println!("address: {}", opt(&f.address));
    println!(
        "date_of_birth: {}",
        f.date_of_birth.map(|d| d.to_string()).unwrap_or_default()
    );
    println!("preferred_language: {}", opt(&f.preferred_language));
    println!("account_manager: {}", opt(&f.account_manager_id));
    println!("source: {}", f.source.as_str());
    println!("notes: {}", f.notes.replace('\n', "\n  "));
    println!("created: {} by {}", c.created_at, c.created_by);
    println!("updated: {} by {}", c.updated_at, c.updated_by);
    println!("version: {}", c.version);
}

pub fn client_page(p: &ClientPage, json: bool) {
    if json {
        return json_out(p);
    }
    for c in &p.items {
        println!(
            "{}\t{}\t{}\t{}",
            c.id,
            c.full_name,
            c.phone.as_deref().unwrap_or(""),
            c.email.as_deref().unwrap_or("")
        );
    }
}

pub fn history(h: &[HistoryEntry], json: bool) {
    if json {
        return json_out(h);
    }
    for e in h {
        println!("v{} {} by {}: {}", e.version, e.at, e.actor, e.changes);
    }
}

pub fn staff_added(s: &Staff, t: Option<&TotpEnrollment>, json: bool) {
    if json {
        return json_out(&serde_json::json!({ "staff": s, "totp": t }));
    }
    println!("{}", s.id);
    if let Some(t) = t {
        totp(t, false);
    }
}

pub fn staff_list(list: &[Staff], json: bool) {
    if json {
        return json_out(list);
    }
    for s in list {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            s.id,
            s.login,
            s.fields.display_name,
            s.fields.role.as_str(),
            if s.active { "active" } else { "inactive" }
        );
    }
}

pub fn verify(r: &VerifyReport, json: bool) {
    if json {
        return json_out(r);
    }
    match &r.first_broken {
        None => println!("OK: audit chain of {} records holds", r.records),
        Some(b) => println!("BROKEN at record {}: {}", b.seq, b.reason),
    }
}

pub fn scan(r: &frontdesk_core::ScanReport, json: bool) {
    if json {
        return json_out(r);
    }
    for p in &r.searched {
        println!("searched {} ({} pages)", p.place, p.pages);
    }
    if r.found.is_empty() {
        println!("none of the texts is on disk");
    }
    // Texts by their line number only: they are personal data.
    for f in &r.found {
        println!("text on line {} found in {}", f.text + 1, f.place);
    }
}

pub fn audit_records(records: &[AuditRecord], json: bool) {
    if json {
        return json_out(records);
    }
    for r in records {
        println!(
            "{}\t{}\t{}:{}\t{}\t{}\t{}\t{}\t{}",
            r.seq,
            r.at,
            r.actor_kind,
            r.actor_id.as_deref().unwrap_or("-"),
            r.workstation,
            r.action,
            r.target_id.as_deref().unwrap_or("-"),
            r.outcome,
            r.detail.as_deref().unwrap_or("")
        );
    }
}

pub fn demo(s: &DemoSummary, json: bool) {
    if json {
        return json_out(s);
    }
    println!(
        "demo clinic filled: {} clients, {} history entries, {} tasks, {} appointments",
        s.clients, s.history_entries, s.tasks, s.appointments
    );
    if s.history.chats + s.history.tasks > 0 {
        println!(
            "past work for the reports: {} chats with {} messages, {} tasks",
            s.history.chats, s.history.messages, s.history.tasks
        );
    }
    for l in &s.staff_created {
        println!("demo login: {} ({})", l.login, l.role.as_str());
        if let Some(t) = &l.totp {
            totp(t, false);
        }
    }
    if !s.staff_created.is_empty() {
        println!(
            "demo logins use the password from FRONTDESK_DEMO_PASSWORD (default: frontdesk-demo)"
        );
    }
}

/// Chat responses as text: one conversation per line, or one message per line.
pub fn chat_text(resp: &frontdesk_core::Response) -> String {
    use frontdesk_core::{ChatSide, Response};
    let side = |s: &ChatSide| {
        if *s == ChatSide::Desk {
            "desk"
        } else {
            "visitor"
        }
    };
    match resp {
        Response::Conversations(list) => list
            .iter()
            .map(|c| {
                format!(
                    "{}\t{}\t{}\t{}",
                    c.id,
                    if c.unanswered {
                        "unanswered"
                    } else {
                        "answered"
                    },
                    c.client_name
                        .as_deref()
                        .or(c.visitor_name.as_deref())
                        .unwrap_or("-"),
                    c.last_text
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Response::Conversation(c) => c
            .messages
            .iter()
            .map(|m| {
                let text = if m.deleted_at.is_some() {
                    "(deleted)"
                } else {
                    m.text.as_str()
                };
                format!("{}\t{}\t{}\t{}", m.id, m.at, side(&m.side), text)
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Response::ChatMessage(m) => m.id.clone(),
        Response::FaqEntry(e) => e.id.clone(),
        Response::FaqEntries(list) => list
            .iter()
            .map(|e| {
                format!(
                    "{}\t{}\t{}\tanswered {}, corrected {}",
                    e.id, e.lang, e.question, e.uses, e.corrections
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// Devices as text: one per line, id, name, last seen, and whether revoked.
pub fn devices_text(resp: &frontdesk_core::Response) -> String {
    use frontdesk_core::Response;
    let one = |d: &frontdesk_core::Device| {
        format!(
            "{}\t{}\tlast seen {}\t{}",
            d.id,
            d.name,
            d.last_seen_at.as_deref().unwrap_or("never"),
            if d.revoked_at.is_some() {
                "revoked"
            } else {
                "active"
            }
        )
    };
    match resp {
        Response::Devices(list) if list.is_empty() => "No desks are paired.".into(),
        Response::Devices(list) => list.iter().map(one).collect::<Vec<_>>().join("\n"),
        Response::Device(d) => one(d),
        _ => String::new(),
    }
}

/// A QR code drawn with block characters, for a terminal.
pub fn qr(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::unicode::Dense1x2>()
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

//! A client's copy of everything the clinic holds about them (the right of access), as a
//! readable PDF: the same `ClientExport` the JSON export serializes, section by section.
//!
//! Text goes through the report's shaping and pages ([`Doc`]), so a Khmer note or an Arabic
//! chat message is drawn and copies out as it was written; long texts wrap, and tables
//! continue across pages under their header.

use chrono::DateTime;
use frontdesk_core::{
    Appointment, ChatMessage, ChatSide, ClientExport, Consent, ConsentMethod, Conversation,
    Purpose, RequestStatus, Task,
};
use serde_json::Value;

use crate::page::{Align, Doc, Style, ACCENT, MUTED, RULE};
use crate::report::{cover_lines, heading, title_block};
use crate::table::{Column, Table};
use crate::{logo, Error, Options};

/// Renders `export` as a PDF on `opts.paper`, with `opts.logo_png` on the title line.
///
/// Times are shown as the export holds them: UTC (to the second), except appointments, which
/// keep the clinic's wall-clock times and say so. The same export always gives the same bytes.
pub fn render_client_export(export: &ClientExport, opts: &Options) -> Result<Vec<u8>, Error> {
    let logo = opts.logo_png.map(logo::decode).transpose()?;
    let mut doc = Doc::new(opts.paper);
    let who = person(export);
    title_block(
        &mut doc,
        logo,
        &format!("Personal data held by {}", export.clinic),
        "A copy of the personal data the clinic holds (right of access)",
    );
    cover_lines(
        &mut doc,
        &[
            format!("About: {who} (client record {})", export.client.id),
            format!("Made {} by {}", utc_label(&export.made_at), export.made_by),
            format!("Schema: {}", export.schema),
            "Times are UTC unless marked as the clinic's local time.".to_string(),
        ],
    );

    profile(&mut doc, export);
    changes(&mut doc, export);
    consents(&mut doc, &export.consents);
    appointments(&mut doc, &export.appointments);
    waitlist(&mut doc, export);
    conversations(&mut doc, &export.conversations);
    tasks(&mut doc, &export.tasks);
    requests(&mut doc, export);
    access_log(&mut doc, export);

    let title = format!("Personal data held by {} about {who}", export.clinic);
    let footer = format!(
        "{} · Personal data of {who} · made {}",
        export.clinic,
        utc_label(&export.made_at)
    );
    let made_at = DateTime::parse_from_rfc3339(&export.made_at)
        .map(|t| t.timestamp())
        .unwrap_or(0);
    let page = |page: usize, pages: usize| format!("Page {page} of {pages}");
    doc.finish(&title, &footer, &page, made_at)
}

/// Who the export is about, as the cover and footer name them.
fn person(export: &ClientExport) -> String {
    let name = export.client.fields.full_name.trim();
    match (name.is_empty(), &export.client.erased_at) {
        (false, _) => name.to_string(),
        (true, Some(_)) => "an erased client".to_string(),
        (true, None) => "a client without a name".to_string(),
    }
}

const BODY: Style = Style::new(8.5);
const LINE_H: f32 = 8.5 * 1.35;
/// The width of the key column of key/value lines.
const KEY_W: f32 = 130.0;
/// What an absent value shows.
const NONE: &str = "–";

/// A part of the document: a title over a rule, kept with the start of what follows it
/// (a line of "None" when `empty`).
fn section(doc: &mut Doc, title: &str, empty: bool) {
    doc.ensure(if empty { 50.0 } else { 100.0 });
    doc.y += 10.0;
    doc.text(
        doc.left,
        doc.y + 12.0,
        title,
        Style::new(13.0).bold().color(ACCENT),
        Align::Left,
    );
    doc.y += 17.0;
    doc.hline(doc.left, doc.right, doc.y, RULE, 0.6);
    doc.y += 6.0;
}

/// The line an empty section has.
fn none(doc: &mut Doc) {
    doc.ensure(LINE_H);
    doc.text(
        doc.left,
        doc.y + BODY.size,
        "None",
        BODY.color(MUTED),
        Align::Left,
    );
    doc.y += LINE_H + 4.0;
}

/// One key/value line: the value wraps beside its key and flows onto the next page; a
/// paragraph that reads right to left is set against the right margin.
fn field(doc: &mut Doc, key: &str, value: &str) {
    let x = doc.left + KEY_W;
    let width = doc.right - x;
    let mut lines: Vec<(String, Align)> = doc.wrap_paragraphs(value, BODY, width);
    if lines.is_empty() {
        lines.push((NONE.to_string(), Align::Left));
    }
    doc.ensure(LINE_H);
    doc.text_fit(
        doc.left,
        doc.y + BODY.size,
        KEY_W - 8.0,
        key,
        BODY.color(MUTED),
        Align::Left,
    );
    for (i, (line, align)) in lines.iter().enumerate() {
        if i > 0 {
            doc.ensure(LINE_H);
        }
        let anchor = match align {
            Align::Right => doc.right,
            _ => x,
        };
        doc.text_fit(anchor, doc.y + BODY.size, width, line, BODY, *align);
        doc.y += LINE_H;
    }
    doc.y += 1.5;
}

fn profile(doc: &mut Doc, export: &ClientExport) {
    section(doc, "Profile", false);
    let c = &export.client;
    let f = &c.fields;
    let rows: [(&str, String); 15] = [
        ("Full name", f.full_name.clone()),
        ("Phone numbers", f.phones.join(", ")),
        ("Email", opt(&f.email)),
        ("Address", opt(&f.address)),
        (
            "Date of birth",
            f.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
        ),
        ("Preferred language", opt(&f.preferred_language)),
        ("Notes", f.notes.clone()),
        ("How they first came", words(f.source.as_str())),
        ("Account manager", opt(&f.account_manager_id)),
        ("Client record", c.id.clone()),
        (
            "Created",
            format!("{} by {}", utc_label(&c.created_at), c.created_by),
        ),
        (
            "Last changed",
            format!("{} by {}", utc_label(&c.updated_at), c.updated_by),
        ),
        ("Version", c.version.to_string()),
        ("Restricted", when_or_no(&c.restricted_at)),
        ("Erased", when_or_no(&c.erased_at)),
    ];
    for (key, value) in &rows {
        field(doc, key, value);
    }
}

fn changes(doc: &mut Doc, export: &ClientExport) {
    section(doc, "Changes to the profile", export.history.is_empty());
    let mut rows = Vec::new();
    for h in &export.history {
        let mut push = |field: String, change: String| {
            rows.push(vec![
                utc(&h.at),
                h.version.to_string(),
                h.actor.clone(),
                field,
                change,
            ]);
        };
        match h.changes.as_object() {
            Some(fields) if !fields.is_empty() => {
                for (name, change) in fields {
                    push(words(name), from_to(change));
                }
            }
            _ => push(NONE.to_string(), json_text(&h.changes)),
        }
    }
    if rows.is_empty() {
        return none(doc);
    }
    Table {
        title: "Every change, oldest first as recorded",
        columns: &[
            Column::text("When (UTC)"),
            Column::number("Version"),
            Column::wrap("By"),
            Column::wrap("Field"),
            Column::wrap("Change"),
        ],
        rows: &rows,
        total: None,
        empty: "None",
    }
    .draw(doc);
}

/// A `{"from": .., "to": ..}` change as two lines.
fn from_to(change: &Value) -> String {
    match (change.get("from"), change.get("to")) {
        (Some(from), Some(to)) => format!("From: {}\nTo: {}", json_text(from), json_text(to)),
        _ => json_text(change),
    }
}

fn consents(doc: &mut Doc, consents: &[Consent]) {
    section(doc, "Consents", consents.is_empty());
    if consents.is_empty() {
        return none(doc);
    }
    let rows: Vec<Vec<String>> = consents
        .iter()
        .map(|c| {
            let mut wording = vec![c.text_shown.clone().unwrap_or_else(|| NONE.into())];
            if c.awaiting_confirmation {
                wording.push("Waiting for the client to confirm their email address.".into());
            }
            if let Some(at) = &c.confirmed_at {
                wording.push(format!("Confirmed {}.", utc_label(at)));
            }
            if c.policy_outdated {
                wording.push("The privacy policy has changed since.".into());
            }
            vec![
                utc(&c.at),
                purpose(c.purpose).to_string(),
                if c.given { "Given" } else { "Refused" }.to_string(),
                method(c.method).to_string(),
                c.recorded_by_name
                    .clone()
                    .or_else(|| c.recorded_by.clone())
                    .unwrap_or_else(|| NONE.into()),
                opt(&c.policy_version),
                wording.join("\n"),
            ]
        })
        .collect();
    Table {
        title: "Consent decisions, newest first",
        columns: &[
            Column::text("When (UTC)"),
            Column::wrap("Purpose"),
            Column::text("Decision"),
            Column::text("How"),
            Column::wrap("Recorded by"),
            Column::wrap("Policy"),
            Column::wrap("What the client was shown or told"),
        ],
        rows: &rows,
        total: None,
        empty: "None",
    }
    .draw(doc);
}

fn purpose(p: Purpose) -> &'static str {
    match p {
        Purpose::Care => "Care",
        Purpose::ChatStorage => "Keeping chat transcripts",
        Purpose::ReminderSms => "Reminders by SMS",
        Purpose::ReminderEmail => "Reminders by email",
        Purpose::Marketing => "Newsletter",
    }
}

fn method(m: ConsentMethod) -> &'static str {
    match m {
        ConsentMethod::InPerson => "In person",
        ConsentMethod::Phone => "By phone",
        ConsentMethod::WebChat => "Website chat",
        ConsentMethod::Written => "In writing",
    }
}

fn appointments(doc: &mut Doc, appointments: &[Appointment]) {
    section(doc, "Appointments", appointments.is_empty());
    if appointments.is_empty() {
        return none(doc);
    }
    let rows: Vec<Vec<String>> = appointments
        .iter()
        .map(|a| {
            let mut details: Vec<String> = Vec::new();
            if !a.note.trim().is_empty() {
                details.push(a.note.clone());
            }
            for (label, at) in [
                ("Arrived", &a.arrived_at),
                ("In the room", &a.seated_at),
                ("Done", &a.done_at),
                ("Cancelled", &a.cancelled_at),
            ] {
                if let Some(at) = at {
                    details.push(format!("{label} {}", utc_label(at)));
                }
            }
            if let Some(m) = a.wait_minutes {
                details.push(format!("Waited {m} min"));
            }
            if a.reminder_at.is_some() || a.reminder_outcome.is_some() {
                details.push(format!(
                    "Reminder: {}{}",
                    a.reminder_outcome.as_deref().map(words).unwrap_or_default(),
                    a.reminder_at
                        .as_deref()
                        .map(|t| format!(" {}", utc_label(t)))
                        .unwrap_or_default()
                ));
            }
            vec![
                local(&a.start_local),
                local(&a.end_local),
                a.service_name.clone(),
                a.provider_name.clone(),
                opt(&a.room_name),
                words(a.status.as_str()),
                details.join("\n"),
            ]
        })
        .collect();
    Table {
        title: "Visits (the clinic's local time)",
        columns: &[
            Column::text("Start"),
            Column::text("End"),
            Column::wrap("Service"),
            Column::wrap("With"),
            Column::wrap("Room"),
            Column::text("Status"),
            Column::wrap("Note and details"),
        ],
        rows: &rows,
        total: None,
        empty: "None",
    }
    .draw(doc);

    let history: Vec<Vec<String>> = appointments
        .iter()
        .flat_map(|a| a.history.iter().map(move |h| (a, h)))
        .map(|(a, h)| {
            let mut details = Vec::new();
            match (h.from_status, h.to_status) {
                (Some(from), Some(to)) => details.push(format!(
                    "From {} to {}",
                    words(from.as_str()),
                    words(to.as_str())
                )),
                (None, Some(to)) => details.push(format!("To {}", words(to.as_str()))),
                _ => {}
            }
            if let Some(changes) = &h.changes {
                details.push(changes_text(changes));
            }
            if let Some(reason) = &h.override_reason {
                details.push(format!("Overridden because: {reason}"));
            }
            if let Some(note) = &h.note {
                details.push(note.clone());
            }
            vec![
                local(&a.start_local),
                utc(&h.at),
                h.actor_name
                    .clone()
                    .or_else(|| h.actor_id.clone())
                    .unwrap_or_else(|| NONE.into()),
                words(&h.action),
                details.join("\n"),
            ]
        })
        .collect();
    if !history.is_empty() {
        Table {
            title: "What happened to each visit",
            columns: &[
                Column::text("Visit (local)"),
                Column::text("When (UTC)"),
                Column::wrap("By"),
                Column::text("What"),
                Column::wrap("Details"),
            ],
            rows: &history,
            total: None,
            empty: "None",
        }
        .draw(doc);
    }
}

fn waitlist(doc: &mut Doc, export: &ClientExport) {
    section(doc, "Waiting list", export.waitlist.is_empty());
    if export.waitlist.is_empty() {
        return none(doc);
    }
    let rows: Vec<Vec<String>> = export
        .waitlist
        .iter()
        .map(|w| {
            let days = if w.weekdays.is_empty() {
                "Any day".to_string()
            } else {
                w.weekdays
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let times = match (w.from_time, w.to_time) {
                (None, None) => "Any time".to_string(),
                (from, to) => format!(
                    "{} – {}",
                    from.map(|t| t.format("%H:%M").to_string())
                        .unwrap_or_default(),
                    to.map(|t| t.format("%H:%M").to_string())
                        .unwrap_or_default()
                ),
            };
            vec![
                utc(&w.created_at),
                w.service_name.clone(),
                opt(&w.provider_name),
                days,
                times,
                words(&w.status),
                w.note.clone(),
            ]
        })
        .collect();
    Table {
        title: "Waiting for a visit",
        columns: &[
            Column::text("Added (UTC)"),
            Column::wrap("Service"),
            Column::wrap("With"),
            Column::wrap("Days"),
            Column::text("Times (local)"),
            Column::text("Status"),
            Column::wrap("Note"),
        ],
        rows: &rows,
        total: None,
        empty: "None",
    }
    .draw(doc);
}

fn conversations(doc: &mut Doc, conversations: &[Conversation]) {
    section(doc, "Website conversations", conversations.is_empty());
    if conversations.is_empty() {
        return none(doc);
    }
    let n = conversations.len();
    for (i, c) in conversations.iter().enumerate() {
        doc.ensure(80.0);
        heading(
            doc,
            &format!(
                "Conversation {} of {n}, started {}",
                i + 1,
                utc_label(&c.started_at)
            ),
        );
        let details: [(&str, String); 11] = [
            ("Started", utc_label(&c.started_at)),
            ("Last message", utc_label(&c.last_message_at)),
            ("Web page", opt(&c.page_url)),
            ("Language", opt(&c.lang)),
            ("IP address", opt(&c.ip)),
            ("Name given", opt(&c.visitor_name)),
            ("Phone given", opt(&c.visitor_phone)),
            ("Email given", opt(&c.visitor_email)),
            ("Newsletter", yes_no(c.marketing_opt_in)),
            ("Privacy policy shown", opt(&c.policy_version)),
            ("Conversation record", c.id.clone()),
        ];
        for (key, value) in &details {
            field(doc, key, value);
        }
        if c.answers.is_empty() {
            field(doc, "Answers", "None");
        }
        for (key, answer) in &c.answers {
            field(doc, &format!("Answer: {}", words(key)), &json_text(answer));
        }
        doc.y += 4.0;
        let rows: Vec<Vec<String>> = c
            .messages
            .iter()
            .map(|m| vec![utc(&m.at), sender(m), message_text(m)])
            .collect();
        Table {
            title: &format!("Messages of conversation {}", i + 1),
            columns: &[
                Column::text("Time (UTC)"),
                Column::wrap("From"),
                Column::wrap("Text"),
            ],
            rows: &rows,
            total: None,
            empty: "None",
        }
        .draw(doc);
    }
}

fn sender(m: &ChatMessage) -> String {
    let side = match m.side {
        ChatSide::Visitor => "Visitor",
        ChatSide::Desk => "Clinic",
    };
    match m.sender.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => format!("{side}: {name}"),
        _ => side.to_string(),
    }
}

fn message_text(m: &ChatMessage) -> String {
    let mut parts = Vec::new();
    if let Some(q) = &m.quote {
        parts.push(format!("Replying to: {}", q.text));
    }
    if !m.text.is_empty() {
        parts.push(m.text.clone());
    }
    if m.unreadable {
        parts.push("(The message could not be read.)".to_string());
    }
    if let Some(at) = &m.deleted_at {
        parts.push(format!("(Deleted {})", utc_label(at)));
    }
    parts.join("\n")
}

fn tasks(doc: &mut Doc, tasks: &[Task]) {
    section(doc, "Tasks", tasks.is_empty());
    if tasks.is_empty() {
        return none(doc);
    }
    let rows: Vec<Vec<String>> = tasks
        .iter()
        .map(|t| {
            let mut text = vec![t.title.clone()];
            if !t.note.trim().is_empty() {
                text.push(t.note.clone());
            }
            if let Some(by) = t.created_by_name.as_ref().or(t.created_by.as_ref()) {
                text.push(format!("Made by {by}"));
            }
            if let Some(at) = &t.closed_at {
                let by = t
                    .closed_by_name
                    .as_ref()
                    .or(t.closed_by.as_ref())
                    .map(|b| format!(" by {b}"))
                    .unwrap_or_default();
                text.push(format!("Closed {}{by}", utc_label(at)));
            }
            vec![
                utc(&t.created_at),
                text.join("\n"),
                words(t.kind.as_str()),
                words(t.priority.as_str()),
                words(t.status.as_str()),
                t.assignee_name
                    .clone()
                    .or_else(|| t.assignee_id.clone())
                    .unwrap_or_else(|| "Waiting in the queue".into()),
                t.due_at.as_deref().map(utc).unwrap_or_else(|| NONE.into()),
            ]
        })
        .collect();
    Table {
        title: "Tasks about the client or their conversations",
        columns: &[
            Column::text("Made (UTC)"),
            Column::wrap("Task and note"),
            Column::text("Kind"),
            Column::text("Priority"),
            Column::text("Status"),
            Column::wrap("Assigned to"),
            Column::text("Due (UTC)"),
        ],
        rows: &rows,
        total: None,
        empty: "None",
    }
    .draw(doc);

    let log: Vec<Vec<String>> = tasks
        .iter()
        .flat_map(|t| t.history.iter().map(move |h| (t, h)))
        .map(|(t, h)| {
            let mut details = Vec::new();
            let from = h.from_name.as_ref().or(h.from_id.as_ref());
            let to = h.to_name.as_ref().or(h.to_id.as_ref());
            match (from, to) {
                (Some(f), Some(t)) => details.push(format!("From {f} to {t}")),
                (None, Some(t)) => details.push(format!("To {t}")),
                (Some(f), None) => details.push(format!("From {f}")),
                (None, None) => {}
            }
            if let Some(s) = h.status {
                details.push(format!("Status {}", words(s.as_str()).to_lowercase()));
            }
            if let Some(r) = h.reason {
                details.push(format!("Why: {}", words(r.as_str()).to_lowercase()));
            }
            if let Some(note) = &h.note {
                details.push(note.clone());
            }
            vec![
                t.title.clone(),
                utc(&h.at),
                h.actor_name
                    .clone()
                    .or_else(|| h.actor_id.clone())
                    .unwrap_or_else(|| "Routing".into()),
                words(&h.action),
                details.join("\n"),
            ]
        })
        .collect();
    if !log.is_empty() {
        Table {
            title: "What happened to each task",
            columns: &[
                Column::wrap("Task"),
                Column::text("When (UTC)"),
                Column::wrap("By"),
                Column::text("What"),
                Column::wrap("Details"),
            ],
            rows: &log,
            total: None,
            empty: "None",
        }
        .draw(doc);
    }
}

fn requests(doc: &mut Doc, export: &ClientExport) {
    section(doc, "Privacy requests", export.requests.is_empty());
    if export.requests.is_empty() {
        return none(doc);
    }
    let rows: Vec<Vec<String>> = export
        .requests
        .iter()
        .map(|r| {
            let due = match r.extended_to {
                Some(d) => format!("{d} (extended)"),
                None => r.due_on.to_string(),
            };
            let status = match r.status {
                RequestStatus::Open if r.overdue => "Open, overdue",
                RequestStatus::Open => "Open",
                RequestStatus::Done => "Done",
                RequestStatus::Refused => "Refused",
            };
            vec![
                r.received_on.to_string(),
                words(r.kind.as_str()),
                r.requester.clone(),
                status.to_string(),
                due,
                r.closed_at
                    .as_deref()
                    .map(utc)
                    .unwrap_or_else(|| NONE.into()),
                r.note.clone(),
            ]
        })
        .collect();
    Table {
        title: "Requests about the client's data",
        columns: &[
            Column::text("Received"),
            Column::text("Kind"),
            Column::wrap("Asked by"),
            Column::text("Status"),
            Column::text("Due"),
            Column::text("Closed (UTC)"),
            Column::wrap("Note"),
        ],
        rows: &rows,
        total: None,
        empty: "None",
    }
    .draw(doc);
}

fn access_log(doc: &mut Doc, export: &ClientExport) {
    section(
        doc,
        "Who accessed the records",
        export.access_log.is_empty(),
    );
    if export.access_log.is_empty() {
        return none(doc);
    }
    let rows: Vec<Vec<String>> = export
        .access_log
        .iter()
        .map(|a| {
            vec![
                utc(&a.at),
                a.actor_name.clone().unwrap_or_else(|| NONE.into()),
                words(&a.actor_kind),
                a.workstation.clone(),
                a.action.clone(),
                a.target_kind.as_deref().map(words).unwrap_or_default(),
                words(&a.outcome),
            ]
        })
        .collect();
    Table {
        title: "Access log, newest first",
        columns: &[
            Column::text("When (UTC)"),
            Column::wrap("Who"),
            Column::text("As"),
            Column::wrap("Workstation"),
            Column::wrap("Action"),
            Column::text("Record"),
            Column::text("Outcome"),
        ],
        rows: &rows,
        total: None,
        empty: "None",
    }
    .draw(doc);
}

/// A stored UTC time to the second, "2025-03-01 10:15:00"; anything else as given.
fn utc(at: &str) -> String {
    match DateTime::parse_from_rfc3339(at) {
        Ok(t) => t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string(),
        Err(_) => at.to_string(),
    }
}

/// A UTC time in running text, labelled.
fn utc_label(at: &str) -> String {
    match DateTime::parse_from_rfc3339(at) {
        Ok(_) => format!("{} UTC", utc(at)),
        Err(_) => at.to_string(),
    }
}

/// The clinic's wall-clock time, "2026-12-03T09:30", as "2026-12-03 09:30".
fn local(at: &str) -> String {
    at.replacen('T', " ", 1)
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn when_or_no(at: &Option<String>) -> String {
    at.as_deref().map(utc_label).unwrap_or_else(|| "No".into())
}

fn yes_no(v: Option<bool>) -> String {
    match v {
        Some(true) => "Yes".into(),
        Some(false) => "No".into(),
        None => String::new(),
    }
}

/// A code as words: "cancelled_client" → "Cancelled client".
fn words(code: &str) -> String {
    let spaced = code.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A stored value as text: strings as they are, lists joined, nothing as a dash.
fn json_text(v: &Value) -> String {
    match v {
        Value::Null => NONE.to_string(),
        Value::String(s) if s.is_empty() => NONE.to_string(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "Yes".to_string(),
        Value::Bool(false) => "No".to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) if items.is_empty() => NONE.to_string(),
        Value::Array(items) => items.iter().map(json_text).collect::<Vec<_>>().join(", "),
        Value::Object(_) => v.to_string(),
    }
}

/// An appointment's recorded changes, `{"field": {"from", "to"}}`, one line per field.
fn changes_text(changes: &Value) -> String {
    match changes.as_object() {
        Some(fields) => fields
            .iter()
            .map(
                |(name, change)| match (change.get("from"), change.get("to")) {
                    (Some(from), Some(to)) => format!(
                        "{}: from {} to {}",
                        words(name),
                        json_text(from),
                        json_text(to)
                    ),
                    _ => format!("{}: {}", words(name), json_text(change)),
                },
            )
            .collect::<Vec<_>>()
            .join("\n"),
        None => json_text(changes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_codes_and_values_read_as_words() {
        assert_eq!(utc("2025-03-01T10:15:00.123456Z"), "2025-03-01 10:15:00");
        assert_eq!(utc("2025-03-01T17:15:00+07:00"), "2025-03-01 10:15:00");
        assert_eq!(utc_label("2025-03-01T10:15:00Z"), "2025-03-01 10:15:00 UTC");
        assert_eq!(utc("yesterday"), "yesterday");
        assert_eq!(local("2026-12-03T09:30"), "2026-12-03 09:30");
        assert_eq!(words("cancelled_client"), "Cancelled client");
        assert_eq!(words(""), "");
        assert_eq!(
            from_to(&serde_json::json!({"from": null, "to": ["+855 12", "+855 13"]})),
            "From: –\nTo: +855 12, +855 13"
        );
        assert_eq!(
            changes_text(&serde_json::json!({"starts_at": {"from": "a", "to": "b"}})),
            "Starts at: from a to b"
        );
    }
}

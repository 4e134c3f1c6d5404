//! A client's copy of their data, rendered and read back with poppler: every planted string
//! comes out of the text layer, Khmer and Arabic messages are drawn with HarfBuzz's glyphs,
//! long conversations continue across numbered pages, and the pages have ink.

use frontdesk_core::ClientExport;
use frontdesk_pdf::{render_client_export, Error, Face, Options, Paper};
use serde_json::{json, Value};

use crate::rendering::{dark, rasterise, words, DPI};
use crate::support::{hb_shape, normalise, outlines, page_count, pdftotext, Parsed};

const CLINIC: &str = "Riverside Family Clinic";
const NAME: &str = "Nguyễn Thị Hương";
const ADDRESS: &str = "Số 12 đường Lê Lợi, Phnom Penh";
const PROFILE_NOTE: &str = "Planted profile note: allergic to penicillin, prefers mornings";
const EMAIL: &str = "huong.planted@example.org";
const CONSENT_TEXT: &str = "Planted consent wording: the clinic may text me reminders";
const APPOINTMENT_NOTE: &str = "Planted appointment note: bring the old x-rays";
const ANSWER: &str = "Planted answer: knee pain since March";
const MESSAGE: &str = "Planted message: can I move my visit to Friday?";
const ARABIC: &str = "أود تغيير موعدي من فضلك";
const KHMER: &str = "សូមប្តូរការណាត់ជួប";
const TASK_NOTE: &str = "Planted task note: call back about the invoice";
const ACCESS_NAME: &str = "Planted Auditor Sokha";
const WORKSTATION: &str = "planted-desk-07";
const PAGE_URL: &str = "https://riverside.example/book?from=planted";

/// About 3,000 characters of numbered words: any one lost or reordered shows.
fn long_message() -> String {
    let text = (0..300)
        .map(|i| format!("long{i:03}word"))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.len() > 3000);
    text
}

fn message(id: &str, conversation: &str, side: &str, at: &str, text: &str) -> Value {
    json!({
        "id": id, "conversation_id": conversation, "side": side,
        "staff_id": if side == "desk" { json!("s1") } else { Value::Null },
        "sender": if side == "desk" { json!("Anna Smith") } else { Value::Null },
        "text": text, "quote": null, "unreadable": false, "at": at,
        "delivered_at": null, "deleted_at": null
    })
}

fn conversation(id: &str, messages: Vec<Value>, answers: Value) -> Value {
    json!({
        "id": id, "client_id": "c1", "client_name": NAME, "visitor_name": "Hương",
        "visitor_phone": "+85512345678", "visitor_email": EMAIL, "answers": answers,
        "page_url": PAGE_URL, "lang": "vi", "ip": "203.0.113.9", "marketing_opt_in": false,
        "policy_version": "2025-01", "started_at": "2025-03-01T10:14:59.123456Z",
        "last_message_at": "2025-03-01T10:30:00.000000Z", "visitor_online": false,
        "visitor_seen_at": null, "unanswered": false, "messages": messages,
        "client_matches": [], "task": null
    })
}

/// An export with one of everything, and the planted strings in their places.
fn export_json() -> Value {
    let messages = vec![
        message(
            "m1",
            "v1",
            "visitor",
            "2025-03-01T10:15:00.000000Z",
            MESSAGE,
        ),
        message(
            "m2",
            "v1",
            "desk",
            "2025-03-01T10:16:00.000000Z",
            &long_message(),
        ),
        message("m3", "v1", "visitor", "2025-03-01T10:17:00.000000Z", ARABIC),
        message("m4", "v1", "visitor", "2025-03-01T10:18:00.000000Z", KHMER),
    ];
    let client = json!({
        "id": "c1", "full_name": NAME, "phones": ["+85512345678"], "email": EMAIL,
        "address": ADDRESS, "date_of_birth": "1990-05-17", "preferred_language": "vi",
        "notes": PROFILE_NOTE, "account_manager_id": "s1", "source": "web_chat",
        "created_at": "2025-01-02T03:04:05.000000Z", "created_by": "s1",
        "updated_at": "2025-02-02T03:04:05.000000Z", "updated_by": "s2", "version": 3,
        "restricted_at": null, "erased_at": null
    });
    let history = json!([
        {"version": 2, "at": "2025-02-02T03:04:05.000000Z", "actor": "s2",
         "changes": {"address": {"from": null, "to": ADDRESS},
                     "phones": {"from": [], "to": ["+85512345678"]}}}
    ]);
    let consents = json!([
        {"purpose": "reminder_sms", "given": true, "method": "in_person",
         "recorded_by": "s1", "recorded_by_name": "Anna Smith",
         "at": "2025-01-02T03:05:00.000000Z", "policy_version": "2025-01",
         "text_shown": CONSENT_TEXT, "policy_outdated": false,
         "awaiting_confirmation": false, "confirmed_at": null}
    ]);
    let visit_history = json!([{
        "at": "2025-03-07T02:25:00Z", "actor_id": "s1", "actor_name": "Anna Smith",
        "action": "status", "from_status": "confirmed", "to_status": "arrived",
        "changes": null, "override_reason": null, "note": null
    }]);
    let appointment = json!({
        "id": "a1", "client_id": "c1", "client_name": NAME, "service_id": "sv1",
        "service_name": "Physiotherapy", "colour": "#2563a6", "provider_id": "s3",
        "provider_name": "Dr Chan Dara", "room_id": "r1", "room_name": "Room 2",
        "starts_at": "2025-03-07T02:30:00Z", "ends_at": "2025-03-07T03:00:00Z",
        "start_local": "2025-03-07T09:30", "end_local": "2025-03-07T10:00",
        "status": "done", "note": APPOINTMENT_NOTE, "series_id": null,
        "occurrence": null, "detached": false,
        "arrived_at": "2025-03-07T02:25:00Z", "seated_at": "2025-03-07T02:35:00Z",
        "done_at": "2025-03-07T03:00:00Z", "cancelled_at": null, "wait_minutes": 10,
        "conversation_id": "v1", "reminder_at": "2025-03-06T02:30:00Z",
        "reminder_outcome": "sent_sms", "created_at": "2025-03-01T10:20:00Z",
        "version": 4, "history": visit_history
    });
    let waiting = json!({
        "id": "w1", "client_id": "c1", "client_name": NAME, "service_id": "sv1",
        "service_name": "Physiotherapy", "provider_id": null, "provider_name": null,
        "weekdays": ["Mon", "Fri"], "from_time": "08:00:00", "to_time": "12:00:00",
        "note": "Mornings only", "status": "waiting", "created_at": "2025-03-02T01:00:00Z"
    });
    let task_log = json!([{
        "at": "2025-03-01T10:40:00Z", "actor_id": "s2", "actor_name": "Bao Tran",
        "action": "assigned", "from_id": null, "from_name": null, "to_id": "s1",
        "to_name": "Anna Smith", "status": null, "reason": "manual", "note": null
    }]);
    let task = json!({
        "id": "t1", "kind": "call_back", "title": "Call Hương back", "note": TASK_NOTE,
        "client_id": "c1", "client_name": NAME, "conversation_id": "v1",
        "visitor_name": null, "assignee_id": "s1", "assignee_name": "Anna Smith",
        "reason": "manual", "min_tier": 0, "priority": "high", "status": "done",
        "due_at": "2025-03-02T10:00:00Z", "overdue": false, "created_by": "s2",
        "created_by_name": "Bao Tran", "created_at": "2025-03-01T10:40:00Z",
        "assigned_at": "2025-03-01T10:40:00Z", "answered_at": null,
        "closed_at": "2025-03-01T12:00:00Z", "closed_by": "s1",
        "closed_by_name": "Anna Smith", "updated_at": "2025-03-01T12:00:00Z",
        "version": 2, "history": task_log
    });
    let request = json!({
        "id": "p1", "client_id": "c1", "client_name": NAME, "kind": "access",
        "requester": "Hương by email", "received_on": "2025-03-30",
        "due_on": "2025-04-30", "extended_to": null, "status": "open",
        "note": "Asked for a copy of everything", "closed_at": null, "overdue": false,
        "created_at": "2025-03-30T05:00:00Z", "version": 1
    });
    let access = json!({
        "at": "2025-03-31T08:00:00.000000Z", "actor_kind": "staff",
        "actor_name": ACCESS_NAME, "workstation": WORKSTATION, "action": "client.get",
        "target_kind": "client", "outcome": "ok"
    });
    json!({
        "schema": "frontdesk.client-export/1",
        "clinic": CLINIC,
        "made_at": "2025-04-01T02:30:00.000000Z",
        "made_by": "Anna Smith",
        "client": client,
        "history": history,
        "consents": consents,
        "appointments": [appointment],
        "waitlist": [waiting],
        "conversations": [conversation("v1", messages, json!({"reason": ANSWER}))],
        "tasks": [task],
        "requests": [request],
        "access_log": [access]
    })
}

fn export() -> ClientExport {
    serde_json::from_value(export_json()).expect("the export parses")
}

fn render(export: &ClientExport, paper: Paper) -> Vec<u8> {
    render_client_export(
        export,
        &Options {
            paper,
            logo_png: None,
        },
    )
    .expect("the export renders")
}

#[test]
fn every_planted_string_reads_back() {
    let bytes = render(&export(), Paper::A4);
    let pages = page_count(&bytes);
    let layout = normalise(&pdftotext(&bytes, true, None));
    let raw = normalise(&pdftotext(&bytes, false, None));
    let long = long_message();
    let wanted = [
        format!("Personal data held by {CLINIC}"),
        format!("About: {NAME} (client record c1)"),
        "Made 2025-04-01 02:30:00 UTC by Anna Smith".to_string(),
        "Schema: frontdesk.client-export/1".to_string(),
        NAME.to_string(),
        ADDRESS.to_string(),
        PROFILE_NOTE.to_string(),
        EMAIL.to_string(),
        CONSENT_TEXT.to_string(),
        APPOINTMENT_NOTE.to_string(),
        ANSWER.to_string(),
        MESSAGE.to_string(),
        ARABIC.to_string(),
        KHMER.to_string(),
        TASK_NOTE.to_string(),
        ACCESS_NAME.to_string(),
        WORKSTATION.to_string(),
        PAGE_URL.to_string(),
        "Date of birth 1990-05-17".to_string(),
        "From: – To: Số 12 đường Lê Lợi, Phnom Penh".to_string(),
        "2025-03-01 10:15:00".to_string(),
        format!("Page 1 of {pages}"),
        format!("Page {pages} of {pages}"),
    ];
    for (mode, text) in [("-layout", &layout), ("raw", &raw)] {
        for w in &wanted {
            assert!(
                text.contains(w.as_str()),
                "{mode}: {w:?} missing from:\n{text}"
            );
        }
    }
    // The long message wraps onto many lines (and may go on on the next page), and reads
    // back whole and in order.
    let flowing = without_footers(&bytes).replace(
        " Messages of conversation 1 (continued) Time (UTC) From Text",
        "",
    );
    assert!(
        flowing.contains(&long),
        "the long message is not whole in:\n{flowing}"
    );
    // Something not in the export is not in the PDF either: the check can fail.
    assert!(!layout.contains("long300word"));
}

/// The whole text, with the page footers taken out where the pages meet.
fn without_footers(bytes: &[u8]) -> String {
    let mut text = normalise(&pdftotext(bytes, true, None));
    let pages = page_count(bytes);
    for p in 1..=pages {
        let footer = format!(
            "{CLINIC} · Personal data of {NAME} · made 2025-04-01 02:30:00 UTC Page {p} of {pages}"
        );
        assert!(text.contains(&footer), "no footer {footer:?} in:\n{text}");
        text = text.replace(&format!(" {footer}"), "");
    }
    text
}

#[test]
fn sections_come_in_order_and_empty_ones_say_none() {
    let mut value = export_json();
    for list in [
        "history",
        "consents",
        "appointments",
        "waitlist",
        "conversations",
        "tasks",
        "requests",
        "access_log",
    ] {
        value[list] = json!([]);
    }
    let empty: ClientExport = serde_json::from_value(value).unwrap();
    let text = without_footers(&render(&empty, Paper::Letter));
    let sections = "Changes to the profile None Consents None Appointments None Waiting list \
                    None Website conversations None Tasks None Privacy requests None Who \
                    accessed the records None";
    assert!(text.contains(sections), "{text}");
    let profile = text
        .find("Profile Full name")
        .expect("the profile comes first");
    assert!(profile < text.find("Changes to the profile").unwrap());

    // With data, the same headings in the same order, and no "None" under them.
    let full = without_footers(&render(&export(), Paper::A4));
    let order = [
        "Profile",
        "Changes to the profile",
        "Consents",
        "Appointments",
        "Waiting list",
        "Website conversations",
        "Tasks",
        "Privacy requests",
        "Who accessed the records",
    ];
    let mut at = 0;
    for heading in order {
        let found = full[at..]
            .find(&format!("{heading} "))
            .unwrap_or_else(|| panic!("{heading:?} missing after byte {at}:\n{full}"));
        at += found + heading.len();
        assert!(
            !full[at..].starts_with(" None"),
            "{heading} says None:\n{full}"
        );
    }
}

#[test]
fn arabic_and_khmer_messages_are_shaped_like_the_reports_names() {
    let bytes = render(&export(), Paper::A4);
    let parsed = Parsed::new(&bytes);
    let runs = parsed.glyph_runs();
    for (text, face) in [(ARABIC, Face::Arabic), (KHMER, Face::Khmer)] {
        let expected = hb_shape(face.file_name(), text);
        let want = outlines(face.bytes().to_vec(), &expected);
        let resource = crate::shaping::face_resource(face);
        let found = runs
            .iter()
            .filter(|r| r.font == resource && r.codes.len() == expected.len())
            .filter(|r| outlines(parsed.font_program(r.page, &r.font), &r.codes) == want)
            .inspect(|r| {
                if face != Face::Arabic {
                    assert_eq!(r.actual_text.as_deref(), Some(text));
                }
            })
            .count();
        assert_eq!(
            found, 1,
            "{text}: drawn {found} times with HarfBuzz's glyphs"
        );
    }
}

/// 300 numbered messages: every one once, on numbered pages under a repeated header.
#[test]
fn a_long_conversation_continues_across_numbered_pages() {
    let messages: Vec<Value> = (1..=300)
        .map(|i| {
            let side = if i % 2 == 0 { "desk" } else { "visitor" };
            let at = format!("2025-03-01T{:02}:{:02}:00.000000Z", 8 + i / 60, i % 60);
            message(
                &format!("m{i}"),
                "v1",
                side,
                &at,
                &format!("Numbered message {i:03} here"),
            )
        })
        .collect();
    let mut value = export_json();
    value["conversations"] = json!([conversation("v1", messages, json!({}))]);
    let bytes = render(&serde_json::from_value(value).unwrap(), Paper::A4);
    let pages = page_count(&bytes);
    assert!(pages > 3, "{pages} page(s)");

    let mut seen = vec![0; 301];
    let mut message_pages = 0;
    for p in 1..=pages {
        let raw = pdftotext(&bytes, true, Some(p));
        let text = normalise(&raw);
        assert!(
            text.contains(&format!("Page {p} of {pages}")),
            "page {p} lacks its number:\n{text}"
        );
        let mut here = 0;
        for line in raw.lines().map(normalise) {
            if let Some(rest) = line.split("Numbered message ").nth(1) {
                let n: usize = rest[..3].parse().unwrap();
                seen[n] += 1;
                here += 1;
            }
        }
        if here > 0 {
            message_pages += 1;
            assert!(
                text.contains("Time (UTC) From Text"),
                "page {p} has messages but no header:\n{text}"
            );
        }
    }
    assert!(
        seen[1..].iter().all(|&n| n == 1),
        "each message once: {seen:?}"
    );
    assert!(message_pages >= 3, "{message_pages} pages of messages");
    let all = normalise(&pdftotext(&bytes, true, None));
    assert!(
        all.contains("Messages of conversation 1 (continued)"),
        "{all}"
    );
    // In order: 001 before 150 before 300.
    let pos = |n: &str| all.find(&format!("Numbered message {n}")).unwrap();
    assert!(pos("001") < pos("150") && pos("150") < pos("300"));
}

/// A message taller than a page (many short lines) is split line by line, none lost.
#[test]
fn a_message_taller_than_a_page_is_split_between_pages() {
    let text: String = (1..=150)
        .map(|i| format!("Tall line {i:03}"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut value = export_json();
    let messages = vec![message(
        "m1",
        "v1",
        "visitor",
        "2025-03-01T10:15:00Z",
        &text,
    )];
    value["conversations"] = json!([conversation("v1", messages, json!({}))]);
    let bytes = render(&serde_json::from_value(value).unwrap(), Paper::Letter);
    let all = normalise(&pdftotext(&bytes, true, None));
    let mut at = 0;
    for i in 1..=150 {
        let line = format!("Tall line {i:03}");
        let found = all[at..]
            .find(&line)
            .unwrap_or_else(|| panic!("{line:?} missing or out of order"));
        at += found + line.len();
        assert_eq!(all.matches(&line).count(), 1, "{line} drawn more than once");
    }
    let pages_with_lines = (1..=page_count(&bytes))
        .filter(|&p| pdftotext(&bytes, true, Some(p)).contains("Tall line"))
        .count();
    assert!(
        pages_with_lines >= 2,
        "the message fits {pages_with_lines} page"
    );
}

#[test]
fn pages_have_ink_and_scripts_are_drawn() {
    let bytes = render(&export(), Paper::A4);
    let pages = page_count(&bytes);
    let mut drawn = Vec::new();
    for p in 1..=pages {
        let (image, stderr) = rasterise(&bytes, p);
        assert!(stderr.trim().is_empty(), "pdftoppm complained: {stderr}");
        let whole = (0.0, 0.0, 595.0, 842.0);
        let ink = image.count(whole, dark);
        assert!(ink > 2000, "page {p} has only {ink} dark pixels");
        // Nothing runs into the right margin.
        assert_eq!(
            image.count((575.0, 60.0, 595.0, 780.0), dark),
            0,
            "page {p}"
        );
        for (w, b) in words(&bytes, p) {
            drawn.push((image.count(b, dark), (b.2 - b.0) * (b.3 - b.1), w));
        }
    }
    for word in ["موعدي", "សូមប្តូរការណាត់ជួប", "Hương", "Lợi"]
    {
        let backwards: String = word.chars().rev().collect();
        let hits: Vec<_> = drawn
            .iter()
            .filter(|(_, _, w)| w.contains(word) || w.contains(&backwards))
            .collect();
        assert!(!hits.is_empty(), "{word:?} is on no page");
        for (ink, area, w) in hits {
            let area = area * (DPI / 72.0).powi(2);
            assert!(
                *ink >= 25 && *ink as f32 > area * 0.03,
                "{w:?}: only {ink} dark pixels of {area}"
            );
        }
    }
}

#[test]
fn a4_and_letter_have_their_sizes() {
    let (w, h) = crate::pages::size(&render(&export(), Paper::A4));
    assert!(
        (w - 595.28).abs() < 0.05 && (h - 841.89).abs() < 0.05,
        "A4 is {w}×{h}"
    );
    let (w, h) = crate::pages::size(&render(&export(), Paper::Letter));
    assert!(
        (w - 612.0).abs() < 0.05 && (h - 792.0).abs() < 0.05,
        "Letter is {w}×{h}"
    );
}

#[test]
fn the_same_export_gives_the_same_bytes() {
    let e = export();
    let (a, b) = (render(&e, Paper::A4), render(&e, Paper::A4));
    assert!(a == b, "two renders differ");
    let mut other = e.clone();
    other.client.fields.notes = "Another note".into();
    assert_ne!(render(&e, Paper::A4), render(&other, Paper::A4));
}

#[test]
fn a_bad_logo_is_refused() {
    let err = render_client_export(
        &export(),
        &Options {
            paper: Paper::A4,
            logo_png: Some(b"not a png"),
        },
    )
    .expect_err("a bad logo is an error");
    assert!(matches!(err, Error::BadLogo), "{err:?}");
}

//! Website chat at the desk: ingesting the relay's entries exactly once, replies and deletions
//! through the outbox, encrypted so that only the visitor can read them, and the settings.

use frontdesk_core::*;
use frontdesk_proto::crypto::Side;
use frontdesk_proto::wire::{DeskIn, VisitorEvent};
use serde_json::json;

use crate::support::*;

fn id() -> String {
    ulid::Ulid::new().to_string()
}

fn conversation(f: &Fixture, who: &Principal, id: &str) -> Conversation {
    match f
        .clinic
        .handle(who, Request::ConversationGet { id: id.into() })
        .unwrap()
    {
        Response::Conversation(c) => c,
        other => panic!("unexpected {other:?}"),
    }
}

fn reply(
    f: &Fixture,
    who: &Principal,
    conv: &str,
    text: &str,
    quote: Option<&str>,
) -> Result<ChatMessage> {
    f.clinic
        .handle(
            who,
            Request::ChatReply {
                conversation_id: conv.into(),
                id: None,
                text: text.into(),
                quote_id: quote.map(Into::into),
            },
        )
        .map(|r| match r {
            Response::ChatMessage(m) => m,
            other => panic!("unexpected {other:?}"),
        })
}

#[test]
fn a_batch_is_ingested_once_with_the_visitor_the_page_and_the_matching_client() {
    let f = new_clinic();
    let known = f.add_client(
        &operator(),
        ClientFields {
            phones: vec!["012 345 678".into()],
            ..client("Sok Dara")
        },
    );
    let v = Visitor::new();
    let first = id();
    let batch = vec![
        v.started(
            &f,
            7,
            &first,
            "សួស្តី <b>hello</b>",
            json!({"name": "Sok", "phone": "+855 12 345 678", "marketing_opt_in": "no"}),
        ),
        v.message(&f, 8, &id(), "second"),
        Incoming {
            seq: 9,
            at: 1_772_417_000_000,
            event: VisitorEvent::Presence {
                conversation: v.conversation.clone(),
                online: false,
            },
        },
    ];
    assert_eq!(f.clinic.ingest(&batch).unwrap(), 9);
    // The same batch again (the desk crashed before its ack reached the relay): no change.
    assert_eq!(f.clinic.ingest(&batch).unwrap(), 9);
    let c = conversation(&f, &operator(), &v.conversation);
    let texts: Vec<&str> = c.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["សួស្តី <b>hello</b>", "second"]);
    assert_eq!(
        c.client_id.as_deref(),
        Some(known.client.id.as_str()),
        "the one client with that phone"
    );
    assert_eq!(c.visitor_name.as_deref(), Some("Sok"));
    assert_eq!(
        c.page_url.as_deref(),
        Some("https://clinic.example/contact")
    );
    assert_eq!(c.ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(c.marketing_opt_in, Some(false));
    assert!(c.unanswered);
    assert!(!c.visitor_online);
    assert_eq!(
        c.messages[0].at, "2026-03-02T02:00:00.123000Z",
        "the relay's exact time"
    );
    // The client's card lists the conversation.
    let Response::Conversations(on_card) = f
        .clinic
        .handle(
            &operator(),
            Request::ClientConversations {
                client_id: known.client.id.clone(),
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(on_card.len(), 1);
}

#[test]
fn a_tampered_message_is_kept_as_unreadable_and_does_not_stop_the_cursor() {
    let f = new_clinic();
    let v = Visitor::new();
    let mut started = v.started(&f, 1, &id(), "hi", json!({"name": "A"}));
    f.clinic.ingest(std::slice::from_ref(&started)).unwrap();
    let mut bad = v.message(&f, 2, &id(), "secret");
    if let VisitorEvent::Message { body, .. } = &mut bad.event {
        body.replace_range(20..24, "AAAA");
    }
    if let VisitorEvent::Started { id, .. } = &mut started.event {
        *id = "ignored".into();
    }
    assert_eq!(f.clinic.ingest(&[bad]).unwrap(), 2);
    let c = conversation(&f, &operator(), &v.conversation);
    assert_eq!(c.messages.len(), 2);
    assert!(c.messages[1].unreadable);
    assert_eq!(c.messages[1].text, "");
}

#[test]
fn a_reply_is_encrypted_for_the_visitor_quoted_queued_and_deletable_by_its_author_only() {
    let f = new_clinic();
    let (_, dara) = f.staff_session("dara", Role::Receptionist);
    let (_, lina) = f.staff_session("lina", Role::Clinician);
    let v = Visitor::new();
    let first = id();
    f.clinic
        .ingest(&[v.started(&f, 1, &first, "Can I come Friday?", json!({"name": "Sok"}))])
        .unwrap();

    let m = reply(&f, &dara, &v.conversation, "Yes, 10:00.", Some(&first)).unwrap();
    assert_eq!(
        m.quote.as_ref().map(|q| q.text.as_str()),
        Some("Can I come Friday?")
    );
    assert!(!conversation(&f, &dara, &v.conversation).unanswered);

    let due = f.clinic.outbox_due(OutboxKind::Relay, 10).unwrap();
    assert_eq!(due.len(), 1);
    let OutboxPayload::Relay(DeskIn::Reply {
        conversation: conv,
        id: rid,
        body,
    }) = &due[0].payload
    else {
        panic!("{:?}", due[0].payload)
    };
    assert_eq!(
        (conv.as_str(), rid.as_str()),
        (v.conversation.as_str(), m.id.as_str())
    );
    let desk_key = f.clinic.site_config().unwrap().desk_key;
    let opened = v
        .key
        .conversation_key(&desk_key, &v.conversation)
        .unwrap()
        .open(&m.id, Side::Desk, body)
        .unwrap();
    assert_eq!(opened.text, "Yes, 10:00.");
    assert_eq!(opened.quote.unwrap().id, first);
    assert_eq!(opened.sender.as_deref(), Some("dara"));

    // Delivered: the relay's time is recorded and the item leaves the outbox.
    f.clinic
        .outbox_done(
            &m.id,
            Some(Delivered {
                seq: 2,
                at: 1_772_417_000_000,
            }),
        )
        .unwrap();
    assert!(f
        .clinic
        .outbox_due(OutboxKind::Relay, 10)
        .unwrap()
        .is_empty());
    assert!(conversation(&f, &dara, &v.conversation).messages[1]
        .delivered_at
        .is_some());

    // Too long: refused, nothing written.
    let e = reply(&f, &dara, &v.conversation, &"ស".repeat(1400), None).unwrap_err();
    assert_eq!(e.code(), "validation.too_long");
    assert_eq!(conversation(&f, &dara, &v.conversation).messages.len(), 2);

    // Only its author deletes a reply.
    let e = f
        .clinic
        .handle(
            &lina,
            Request::ChatDelete {
                message_id: m.id.clone(),
            },
        )
        .unwrap_err();
    assert_eq!(e.code(), "validation.not_own_message");
    f.clinic
        .handle(
            &dara,
            Request::ChatDelete {
                message_id: m.id.clone(),
            },
        )
        .unwrap();
    let c = conversation(&f, &dara, &v.conversation);
    assert!(c.messages[1].deleted_at.is_some());
    assert_eq!(c.messages[1].text, "");
    let due = f.clinic.outbox_due(OutboxKind::Relay, 10).unwrap();
    assert!(
        matches!(&due[0].payload, OutboxPayload::Relay(DeskIn::Delete { id, .. }) if *id == m.id)
    );
}

#[test]
fn a_retried_reply_with_the_same_id_is_stored_once() {
    let f = new_clinic();
    let v = Visitor::new();
    f.clinic
        .ingest(&[v.started(&f, 1, &id(), "hi", json!({}))])
        .unwrap();
    let rid = id();
    for _ in 0..2 {
        f.clinic
            .handle(
                &operator(),
                Request::ChatReply {
                    conversation_id: v.conversation.clone(),
                    id: Some(rid.clone()),
                    text: "once".into(),
                    quote_id: None,
                },
            )
            .unwrap();
    }
    assert_eq!(
        conversation(&f, &operator(), &v.conversation)
            .messages
            .len(),
        2
    );
    assert_eq!(f.clinic.outbox_due(OutboxKind::Relay, 10).unwrap().len(), 1);
}

fn settings_input(token: Option<&str>) -> ChatSettingsInput {
    let Response::ChatSettings(s) = new_clinic()
        .clinic
        .handle(&operator(), Request::ChatSettingsGet)
        .unwrap()
    else {
        panic!()
    };
    ChatSettingsInput {
        relay_url: Some("https://chat.example.org".into()),
        desk_token: token.map(Secret::new),
        questions: s.questions,
        policy_url: "https://clinic.example/privacy".into(),
        policy_version: "3".into(),
        offline_message: Some("We answer at 8.".into()),
        after_hours_reply: true,
        max_file_mb: 10,
        logo: None,
        sms_gateway: None,
        sms_recipients: vec![],
    }
}

#[test]
fn settings_are_checked_and_a_bad_one_changes_nothing() {
    let f = new_clinic();
    let good = settings_input(Some(&format!("fds_{}", "a".repeat(43))));
    f.clinic
        .handle(&operator(), Request::ChatSettingsUpdate(good.clone()))
        .unwrap();
    let link = f.clinic.relay_link().unwrap().unwrap();
    assert_eq!(link.url, "https://chat.example.org");
    let mut bad = good.clone();
    bad.relay_url = Some("chat.example.org".into());
    bad.policy_version = "4".into();
    let e = f
        .clinic
        .handle(&operator(), Request::ChatSettingsUpdate(bad))
        .unwrap_err();
    assert_eq!(
        (e.code(), e.body().field.as_deref()),
        ("validation.url", Some("relay_url"))
    );
    let mut bad = good.clone();
    bad.desk_token = Some(Secret::new("not-a-token"));
    assert_eq!(
        f.clinic
            .handle(&operator(), Request::ChatSettingsUpdate(bad))
            .unwrap_err()
            .code(),
        "validation.desk_token"
    );
    let cfg = f.clinic.site_config().unwrap();
    assert_eq!(
        cfg.policy.version, "3",
        "the refused updates changed nothing"
    );
    assert_eq!(cfg.offline_message.as_deref(), Some("We answer at 8."));
}

#[test]
fn the_site_config_publishes_opening_hours_in_utc_and_who_is_online() {
    let f = new_clinic();
    let (_, _dara) = f.staff_session("dara", Role::Receptionist);
    let cfg = f.clinic.site_config().unwrap();
    assert_eq!(cfg.time_zone, "Asia/Phnom_Penh");
    assert!(cfg.staff.iter().any(|s| s.name == "dara" && s.online));
    // Default working hours are Monday to Friday 08:00–17:00 in Phnom Penh (UTC+7):
    // the clock stands at Monday 09:00 there, so the first span is open now.
    let now = 1_772_416_800_000; // 2026-03-02T02:00:00Z
    let first = cfg.openings[0];
    assert!(first[0] <= now && now < first[1], "{:?}", cfg.openings);
    assert_eq!(first[1], 1_772_445_600_000, "17:00 Phnom Penh is 10:00 UTC");
}

#[test]
fn a_new_chat_queues_an_sms_to_staff_who_asked_for_one_without_visitor_data() {
    let f = new_clinic();
    let (dara, _) = f.staff_session("dara", Role::Receptionist);
    let mut input = settings_input(None);
    input.sms_gateway = Some(SmsGateway {
        url: "http://127.0.0.1:9/sms".into(),
        method: "POST".into(),
        headers: vec![SmsHeader {
            name: "X-Api-Key".into(),
            value: "k".into(),
        }],
        body_template: r#"{"to":"{to}","text":"{text}"}"#.into(),
        body_format: "json".into(),
    });
    input.sms_recipients = vec![SmsRecipient {
        staff_id: dara.id.clone(),
        phone: "012 345 678".into(),
    }];
    f.clinic
        .handle(&operator(), Request::ChatSettingsUpdate(input))
        .unwrap();
    let v = Visitor::new();
    let batch = [v.started(
        &f,
        1,
        &id(),
        "PLANTED private question",
        json!({"name": "PLANTED Sok"}),
    )];
    f.clinic.ingest(&batch).unwrap();
    f.clinic.ingest(&batch).unwrap();
    let due = f.clinic.outbox_due(OutboxKind::Sms, 10).unwrap();
    assert_eq!(
        due.len(),
        1,
        "one SMS per new chat, even when the batch comes twice"
    );
    let OutboxPayload::Sms(sms) = &due[0].payload else {
        panic!()
    };
    assert_eq!(sms.to, "+85512345678");
    assert!(!sms.text.contains("PLANTED"), "{}", sms.text);
    // A failure waits and is retried later, not dropped.
    f.clinic
        .outbox_failed(&due[0].id, "sms.gateway_unreachable")
        .unwrap();
    assert!(f.clinic.outbox_due(OutboxKind::Sms, 10).unwrap().is_empty());
    f.clock.advance(chrono::Duration::seconds(3));
    assert_eq!(f.clinic.outbox_due(OutboxKind::Sms, 10).unwrap().len(), 1);
}

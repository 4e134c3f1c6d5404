//! The FAQ assistant through the real ingest path: an answer by itself while no person is in
//! the conversation, "talk to a person" going to routing, a person's correction replacing the
//! automatic answer at the visitor, and entries refused for bad input.

use frontdesk_core::*;
use frontdesk_proto::crypto::Body;
use frontdesk_proto::wire::VisitorEvent;
use serde_json::json;

use crate::support::*;

fn entry(f: &Fixture, lang: &str, question: &str, alternates: &[&str], answer: &str) -> FaqEntry {
    match ok(
        f,
        &operator(),
        Request::FaqSave(FaqInput {
            id: None,
            lang: lang.into(),
            question: question.into(),
            alternates: alternates.iter().map(|a| a.to_string()).collect(),
            answer: answer.into(),
            active: true,
        }),
    ) {
        Response::FaqEntry(e) => e,
        other => panic!("unexpected {other:?}"),
    }
}

/// The visitor presses "talk to a person".
fn handoff(f: &Fixture, v: &Visitor, seq: u64) -> Incoming {
    let desk_key = f.clinic.site_config().unwrap().desk_key;
    let mid = id();
    Incoming {
        seq,
        at: 1_772_416_950_000,
        event: VisitorEvent::Message {
            conversation: v.conversation.clone(),
            id: mid.clone(),
            body: v.seal(
                &desk_key,
                &mid,
                &Body {
                    text: "ខ្ញុំចង់និយាយជាមួយបុគ្គលិក។".into(),
                    handoff: true,
                    ..Body::default()
                },
            ),
        },
    }
}

#[test]
fn a_matching_question_is_answered_by_itself_until_the_visitor_asks_for_a_person() {
    let f = new_clinic();
    let hours = entry(
        &f,
        "km",
        "តើគ្លីនិកបើកម៉ោងប៉ុន្មាន?",
        &["គ្លីនិកបើកថ្ងៃណាខ្លះ"],
        "យើងបើកពីថ្ងៃច័ន្ទដល់ថ្ងៃសុក្រ ម៉ោង ៨ ព្រឹក ដល់ ៥ ល្ងាច។",
    );
    entry(
        &f,
        "km",
        "តើមានកន្លែងចតឡានទេ?",
        &[],
        "មានកន្លែងចតឡានឥតគិតថ្លៃនៅខាងក្រោយគ្លីនិក។",
    );
    // The visitor writes in Khmer (`lang: km`), with a greeting in front.
    let v = Visitor::new();
    f.clinic
        .ingest(&[v.started(&f, 1, &id(), "សួស្តី តើគ្លីនិកបើកម៉ោងប៉ុន្មាន?", json!({"name": "Sok"}))])
        .unwrap();
    let c = conversation(&f, &v.conversation);
    let auto: Vec<_> = c
        .messages
        .iter()
        .filter(|m| m.auto == Some(Auto::Faq))
        .collect();
    assert_eq!(auto.len(), 1, "{:?}", c.messages);
    assert_eq!(auto[0].text, hours.answer);
    assert_eq!(auto[0].faq_id.as_deref(), Some(hours.id.as_str()));
    assert!(auto[0].score.unwrap() >= (THRESHOLD * 100.0) as u8);
    assert!(!c.unanswered, "answered");
    assert!(c.task.is_none(), "nobody is asked to answer it");

    // "Talk to a person": routing as usual, and no automatic answer from now on.
    f.clinic.ingest(&[handoff(&f, &v, 2)]).unwrap();
    f.clinic
        .ingest(&[v.message(&f, 3, &id(), "តើមានកន្លែងចតឡានទេ?")])
        .unwrap();
    let c = conversation(&f, &v.conversation);
    assert!(c.messages.iter().any(|m| m.handoff));
    assert_eq!(
        c.messages
            .iter()
            .filter(|m| m.auto == Some(Auto::Faq))
            .count(),
        1,
        "after a person was asked for, people answer"
    );
    assert!(c.unanswered);
    assert_eq!(c.task.expect("a chat task").kind, TaskKind::Chat);
}

#[test]
fn an_unknown_question_goes_to_a_person_and_a_correction_replaces_the_answer() {
    let f = new_clinic();
    let (_, dara) = f.staff_session("dara", Role::Receptionist);
    let price = entry(
        &f,
        "km",
        "តើការពិនិត្យសុខភាពទូទៅតម្លៃប៉ុន្មាន?",
        &[],
        "ការពិនិត្យសុខភាពទូទៅតម្លៃ ២០ ដុល្លារ។",
    );
    let other = Visitor::new();
    f.clinic
        .ingest(&[other.started(&f, 1, &id(), "កូនខ្ញុំក្តៅខ្លួនតាំងពីម្សិលមិញ", json!({"name": "Vy"}))])
        .unwrap();
    let c = conversation(&f, &other.conversation);
    assert!(c.messages.iter().all(|m| m.auto.is_none()));
    assert!(c.task.is_some() && c.unanswered);

    let v = Visitor::new();
    f.clinic
        .ingest(&[v.started(
            &f,
            2,
            &id(),
            "តើការពិនិត្យសុខភាពទូទៅតម្លៃប៉ុន្មាន?",
            json!({"name": "Lina"}),
        )])
        .unwrap();
    let answer = conversation(&f, &v.conversation)
        .messages
        .into_iter()
        .find(|m| m.auto == Some(Auto::Faq))
        .expect("answered from the FAQ");
    // A visitor's own message can't be "corrected", nor can a wrong id.
    let first = conversation(&f, &v.conversation).messages[0].id.clone();
    let refused = f
        .clinic
        .handle(
            &dara,
            Request::ChatCorrect {
                message_id: first,
                id: None,
                text: "x".into(),
            },
        )
        .unwrap_err();
    assert_eq!(refused.code(), "validation.not_automatic");
    let fixed = match ok(
        &f,
        &dara,
        Request::ChatCorrect {
            message_id: answer.id.clone(),
            id: None,
            text: "The check-up is $25 since November.".into(),
        },
    ) {
        Response::ChatMessage(m) => m,
        other => panic!("unexpected {other:?}"),
    };
    let c = conversation(&f, &v.conversation);
    let old = c.messages.iter().find(|m| m.id == answer.id).unwrap();
    assert_eq!(old.corrected_by.as_deref(), Some(fixed.id.as_str()));
    assert_eq!(old.text, answer.text, "the desk keeps what was sent");
    assert!(c
        .messages
        .iter()
        .any(|m| m.id == fixed.id && m.auto.is_none()));
    // The visitor's copy is taken back: a delete frame for it waits for the relay.
    let conn = f.raw_connection();
    let frames: Vec<String> = conn
        .prepare("SELECT payload FROM outbox WHERE kind = 'relay'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(frames
        .iter()
        .any(|p| p.contains("\"t\":\"delete\"") && p.contains(&answer.id)));
    let listed = match ok(&f, &operator(), Request::FaqList) {
        Response::FaqEntries(e) => e,
        other => panic!("unexpected {other:?}"),
    };
    let e = listed.iter().find(|e| e.id == price.id).unwrap();
    assert_eq!((e.uses, e.corrections), (1, 1));
}

#[test]
fn bad_entries_are_refused_and_change_nothing_and_a_question_can_be_tried() {
    let f = new_clinic();
    let bad = |lang: &str, question: &str, answer: &str| {
        f.clinic
            .handle(
                &operator(),
                Request::FaqSave(FaqInput {
                    id: None,
                    lang: lang.into(),
                    question: question.into(),
                    alternates: vec![],
                    answer: answer.into(),
                    active: true,
                }),
            )
            .unwrap_err()
            .body()
            .field
    };
    assert_eq!(bad("en", "Where are you?", "  ").as_deref(), Some("answer"));
    assert_eq!(bad("en", "", "Here").as_deref(), Some("question"));
    assert_eq!(bad("english!", "Where?", "Here").as_deref(), Some("lang"));
    assert!(
        matches!(ok(&f, &operator(), Request::FaqList), Response::FaqEntries(e) if e.is_empty())
    );
    let e = entry(
        &f,
        "vi",
        "Phòng khám ở đâu?",
        &["Địa chỉ phòng khám là gì?"],
        "Số 12 Lê Lợi, Quận 1.",
    );
    let tried = |text: &str| match ok(
        &f,
        &operator(),
        Request::FaqTry {
            text: text.into(),
            lang: "vi".into(),
        },
    ) {
        Response::FaqMatch(t) => t,
        other => panic!("unexpected {other:?}"),
    };
    // Without tones, as many type it.
    assert_eq!(tried("dia chi phong kham la gi").id, Some(e.id.clone()));
    assert_eq!(tried("con toi bi sot").id, None);
}

//! What the relay keeps on disk: ciphertext, hashes and (until the desk has it) the visitor's
//! address; never a message's text, the questionnaire answers, secrets or tokens.

use frontdesk_proto::crypto::Body;
use frontdesk_proto::ids::secret_hash;
use frontdesk_proto::wire::DeskIn;
use serde_json::Value;

use crate::support::{contains, seq, ulid, RelayProc, TestDesk, TestVisitor};

#[tokio::test]
async fn the_store_holds_ciphertext_only_and_forgets_addresses_once_delivered() {
    let relay = RelayProc::start(&[]);
    let mut desk = TestDesk::hello(&relay).await;
    let mut v = TestVisitor::new(&desk.key.public_b64());

    // The first message with planted text and answers, then one more message.
    let mut first = TestVisitor::first_body("PLANTED-MSG-7c1f can I come today?");
    let answers = first.answers.as_mut().unwrap();
    answers.insert("name".into(), "PLANTED-ANSWER-99ab".into());
    answers.insert("email".into(), "planted-answer-e2d4@example.org".into());
    first.page = Some("https://clinic.example/PLANTED-PAGE-31d0".into());
    let pow = relay.pow().await;
    v.connect(&relay).await;
    let m = ulid();
    v.send(&v.start_frame(&m, &first, pow)).await;
    assert_eq!(v.answer_for(&m).await["t"], "ack");
    let (m2, ack2) = v.say("PLANTED-MSG-2-5e6a second message").await;
    assert_eq!(ack2["t"], "ack");

    // The desk got and read them (so the planted strings really went through the relay).
    let started = desk.event_for(&m).await;
    assert_eq!(desk.open(&started), first);
    let second = desk.event_for(&m2).await;
    assert!(desk.open(&second).text.starts_with("PLANTED-MSG-2-5e6a"));
    let (r, stored) = desk
        .reply(
            &v.conversation,
            &Body {
                text: "PLANTED-REPLY-0b3c see you at 3".into(),
                sender: Some("Dara".into()),
                ..Body::default()
            },
        )
        .await;
    assert_eq!(stored["t"], "stored");
    let reply = v.next_where("the reply", |f| f["t"] == "msg").await;
    assert_eq!(reply["id"], r.as_str());

    // Until the desk acknowledges, the address is kept (the desk still has to get it).
    let ips = |relay: &RelayProc| -> Vec<Option<String>> {
        relay
            .db()
            .prepare("SELECT ip FROM entries WHERE kind = 'started'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(ips(&relay), [Some("127.0.0.1".to_owned())], "control");
    assert!(
        contains(&relay.db_bytes(), "127.0.0.1"),
        "control: the address is on disk"
    );

    let bytes = relay.db_bytes();
    // Control: the search finds what is there, the envelopes of all three messages.
    for (what, envelope) in [
        ("start", &started["event"]["body"]),
        ("message", &second["event"]["body"]),
        ("reply", &reply["body"]),
    ] {
        let envelope = envelope.as_str().unwrap();
        assert!(
            contains(&bytes, envelope),
            "control: the {what} envelope is in the store"
        );
    }
    for planted in [
        "PLANTED-MSG-7c1f",
        "PLANTED-ANSWER-99ab",
        "planted-answer-e2d4",
        "PLANTED-PAGE-31d0",
        "PLANTED-MSG-2-5e6a",
        "PLANTED-REPLY-0b3c",
    ] {
        assert!(
            !contains(&bytes, planted),
            "{planted} is in the relay's files"
        );
    }
    // Secrets: only their hashes.
    assert!(contains(&bytes, &secret_hash(&v.secret)), "control");
    assert!(!contains(&bytes, &v.secret), "the conversation secret");
    assert!(contains(&bytes, &secret_hash(&relay.token)), "control");
    assert!(!contains(&bytes, &relay.token), "the desk token");

    // Once the desk has acknowledged, the address is gone.
    desk.ack(seq(&second)).await;
    desk.sync().await;
    assert_eq!(ips(&relay), [None]);
    let left: i64 = relay
        .db()
        .query_row("SELECT count(ip) FROM entries", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
    assert!(
        !contains(&relay.db_bytes(), "127.0.0.1"),
        "the address is gone from the database and its WAL"
    );
}

#[tokio::test]
async fn deleted_replies_and_forgotten_conversations_leave_no_ciphertext_behind() {
    let relay = RelayProc::start(&[]);
    let mut desk = TestDesk::hello(&relay).await;
    let mut v = TestVisitor::new(&desk.key.public_b64());
    let (m, ack) = v.start(&relay, "hello").await;
    assert_eq!(ack["t"], "ack");
    let started = desk.event_for(&m).await;
    let first = started["event"]["body"].as_str().unwrap().to_owned();
    let (r, stored) = desk
        .reply(
            &v.conversation,
            &Body {
                text: "sent to the wrong person".into(),
                ..Body::default()
            },
        )
        .await;
    assert_eq!(stored["t"], "stored");
    let reply: Value = v.next_where("the reply", |f| f["t"] == "msg").await;
    let envelope = reply["body"].as_str().unwrap().to_owned();
    assert!(contains(&relay.db_bytes(), &envelope), "control");

    assert_eq!(desk.delete(&v.conversation, &r).await["t"], "stored");
    let bytes = relay.db_bytes();
    assert!(
        !contains(&bytes, &envelope),
        "the deleted reply's ciphertext is still in relay.db or relay.db-wal"
    );

    // The desk asks the relay to forget the whole conversation: the visitor's ciphertext and
    // the conversation's secret hash go too, and the conversation can't be resumed.
    assert!(contains(&bytes, &first), "control");
    assert!(contains(&bytes, &secret_hash(&v.secret)), "control");
    desk.send(&DeskIn::Forget {
        conversation: v.conversation.clone(),
    })
    .await;
    let done = desk
        .next_where("forgotten", |f| f["t"] == "forgotten")
        .await;
    assert_eq!(done["conversation"], v.conversation.as_str());
    let bytes = relay.db_bytes();
    assert!(
        !contains(&bytes, &first),
        "the forgotten conversation's ciphertext"
    );
    assert!(
        !contains(&bytes, &secret_hash(&v.secret)),
        "its secret's hash"
    );
    let frames = v.resume(&relay, 0).await;
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0]["code"], "relay.unknown_conversation");
}

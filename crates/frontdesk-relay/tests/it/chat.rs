//! The chat itself: a visitor and a desk through the relay, end to end encrypted, exactly once.

use frontdesk_proto::crypto::{Body, Quote};
use serde_json::Value;

use crate::support::{seq, ulid, RelayProc, TestDesk, TestVisitor};

/// How many times two copies of one start race (see below).
const RACES: u64 = 100;

#[tokio::test]
async fn a_visitor_and_the_desk_talk_end_to_end() {
    let relay = RelayProc::start(&[]);
    let mut desk = TestDesk::hello(&relay).await;
    let mut visitor = TestVisitor::new(&desk.key.public_b64());

    // The visitor starts: proof-of-work, consent, time spent on the form; acknowledged with a seq
    // only after the relay committed it.
    let first = TestVisitor::first_body("Can I book for Friday?");
    let pow = relay.pow().await;
    visitor.connect(&relay).await;
    let m = ulid();
    let frame = visitor.start_frame(&m, &first, pow);
    visitor.send(&frame).await;
    let ack = visitor.answer_for(&m).await;
    assert_eq!(ack["t"], "ack", "{ack}");
    let start_seq = seq(&ack);
    assert!(start_seq > 0);
    assert!(ack["at"].as_i64().unwrap() > 1_700_000_000_000);

    // The desk gets it with the visitor's address and key, and reads it with its own key.
    let started = desk.event_for(&m).await;
    assert_eq!(seq(&started), start_seq);
    assert_eq!(started["at"], ack["at"]);
    let e = &started["event"];
    assert_eq!(e["kind"], "started");
    assert_eq!(e["conversation"], visitor.conversation.as_str());
    assert_eq!(e["visitor_key"], visitor.key.public_b64().as_str());
    assert_eq!(e["ip"], "127.0.0.1");
    let read = desk.open(&started);
    assert_eq!(read, first, "text, answers, page and language all arrive");
    assert_eq!(read.answers.unwrap()["phone"], "+85512345678");
    desk.ack(start_seq).await;

    // The desk replies, quoting the visitor.
    let reply = Body {
        text: "Yes, Friday at 10:00 works.".into(),
        quote: Some(Quote {
            id: m.clone(),
            text: "Can I book for Friday?".into(),
        }),
        sender: Some("Dara".into()),
        ..Body::default()
    };
    let (r, stored) = desk.reply(&visitor.conversation, &reply).await;
    assert_eq!(stored["t"], "stored", "{stored}");
    let reply_seq = seq(&stored);
    assert!(reply_seq > start_seq);

    let msg = visitor.next_where("the reply", |f| f["t"] == "msg").await;
    assert_eq!(msg["id"], r.as_str());
    assert_eq!(msg["from"], "desk");
    assert_eq!(seq(&msg), reply_seq);
    assert_eq!(msg["at"], stored["at"]);
    assert_eq!(
        visitor.open(&msg),
        reply,
        "the visitor reads the reply and its quote"
    );

    // The desk deletes its reply: the visitor is told.
    let deleted = desk.delete(&visitor.conversation, &r).await;
    assert_eq!(deleted["t"], "stored", "{deleted}");
    let delete_seq = seq(&deleted);
    assert!(delete_seq > reply_seq);
    let marker = visitor
        .next_where("the deletion", |f| f["t"] == "deleted")
        .await;
    assert_eq!(marker["id"], r.as_str());
    assert_eq!(seq(&marker), delete_seq);

    // A reload: a new socket resumes from the beginning. It gets its own message, the deletion
    // marker and `ready`, and never the deleted reply's ciphertext.
    let frames = visitor.resume(&relay, 0).await;
    let kinds: Vec<(&str, &str)> = frames
        .iter()
        .map(|f| (f["t"].as_str().unwrap(), f["id"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        kinds,
        [("msg", m.as_str()), ("deleted", r.as_str()), ("ready", "")],
        "{frames:?}"
    );
    assert_eq!(frames[0]["from"], "visitor");
    assert_eq!(seq(&frames[0]), start_seq);
    assert_eq!(visitor.open(&frames[0]), first);
    assert_eq!(seq(&frames[1]), delete_seq);
    assert_eq!(frames[2]["online"], true);
    assert!(
        frames.iter().all(|f| f["body"] != msg["body"]),
        "the deleted reply's ciphertext is replayed"
    );

    // Resuming after what it has shown: only the newer marker.
    let frames = visitor.resume(&relay, reply_seq).await;
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert_eq!(frames[0]["t"], "deleted");
    assert_eq!(frames[1]["t"], "ready");

    // The resumed socket is bound: the visitor writes on, the desk reads it.
    let (m2, ack2) = visitor.say("Thank you!").await;
    assert_eq!(ack2["t"], "ack");
    assert!(seq(&ack2) > delete_seq);
    let event = desk.event_for(&m2).await;
    assert_eq!(event["event"]["kind"], "message");
    assert_eq!(seq(&event), seq(&ack2));
    assert_eq!(desk.open(&event).text, "Thank you!");
}

/// Message events (started/message) in the queue, as (kind, id, seq).
fn messages(frames: &[Value]) -> Vec<(String, String, u64)> {
    frames
        .iter()
        .filter(|f| f["t"] == "event" && f["event"]["kind"] != "presence")
        .map(|f| {
            (
                f["event"]["kind"].as_str().unwrap().to_owned(),
                f["event"]["id"].as_str().unwrap().to_owned(),
                seq(f),
            )
        })
        .collect()
}

fn assert_increasing(frames: &[Value]) {
    let seqs: Vec<u64> = frames
        .iter()
        .filter(|f| f["t"] == "event")
        .map(seq)
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "events out of order: {seqs:?}"
    );
}

#[tokio::test]
async fn retries_are_stored_once_and_the_desk_resumes_from_its_cursor() {
    let relay = RelayProc::start(&[]);
    let mut desk = TestDesk::hello(&relay).await;
    let mut visitor = TestVisitor::new(&desk.key.public_b64());
    let m = ulid();
    let start = visitor.start_frame(&m, &TestVisitor::first_body("first"), relay.pow().await);

    // The start is sent and the socket dies before the ack arrives; the widget sends the same
    // start (same ids, same spent proof-of-work) again on its next socket, and again after that.
    visitor.connect(&relay).await;
    visitor.send(&start).await;
    visitor.ws = None;
    let mut acks = vec![];
    for _ in 0..2 {
        visitor.connect(&relay).await;
        visitor.send(&start).await;
        let ack = visitor.answer_for(&m).await;
        assert_eq!(
            ack["t"], "ack",
            "a repeated start is acknowledged again: {ack}"
        );
        acks.push(seq(&ack));
    }
    assert_eq!(acks[0], acks[1]);
    let s = acks[0];

    // Two copies of one start racing on two sockets (a retry while the first is in flight):
    // both are acknowledged with the same seq, neither is taken for a replayed proof-of-work.
    for i in 0..RACES {
        let other = TestVisitor::new(&desk.key.public_b64());
        let id = ulid();
        let frame = other.start_frame(&id, &TestVisitor::first_body("race"), relay.pow().await);
        let (mut a, mut b) = (other.twin(), other);
        a.connect(&relay).await;
        b.connect(&relay).await;
        a.send(&frame).await;
        // The second copy goes 0 to 2 ms later: somewhere in there the first one's commit
        // (an fsync) lands while the second is being checked.
        let gap = std::time::Instant::now() + std::time::Duration::from_micros(i * 2000 / RACES);
        while std::time::Instant::now() < gap {
            std::hint::spin_loop();
        }
        b.send(&frame).await;
        let (x, y) = (a.answer_for(&id).await, b.answer_for(&id).await);
        assert_eq!(
            (x["t"].as_str(), y["t"].as_str()),
            (Some("ack"), Some("ack")),
            "{x} {y}"
        );
        assert_eq!(seq(&x), seq(&y));
    }

    // A message sent twice on one socket, and again after a reconnect and resume.
    let m1 = ulid();
    let send1 = visitor.send_frame(&m1, "one");
    visitor.send(&send1).await;
    let a1 = seq(&visitor.answer_for(&m1).await);
    visitor.send(&send1).await;
    assert_eq!(seq(&visitor.answer_for(&m1).await), a1);
    let history = visitor.resume(&relay, 0).await;
    assert_eq!(
        history
            .iter()
            .filter(|f| f["t"] == "msg")
            .map(|f| f["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [m.as_str(), m1.as_str()],
        "one copy of each in the history"
    );
    visitor.send(&send1).await;
    assert_eq!(seq(&visitor.answer_for(&m1).await), a1);
    let (m2, ack2) = visitor.say("two").await;
    let a2 = seq(&ack2);
    assert!(s < a1 && a1 < a2);

    // The desk saw each id once, with the seq the visitor was given, in order.
    let mine = |frames: &[Value]| -> Vec<(String, String, u64)> {
        let frames: Vec<Value> = frames
            .iter()
            .filter(|f| f["event"]["conversation"] == visitor.conversation.as_str())
            .cloned()
            .collect();
        assert_increasing(&frames);
        messages(&frames)
    };
    desk.event_for(&m2).await;
    desk.sync().await;
    assert_eq!(
        mine(&desk.take_queued()),
        [
            ("started".to_owned(), m.clone(), s),
            ("message".to_owned(), m1.clone(), a1)
        ]
    );

    // A desk that committed up to the start reconnects: only what came after, in order.
    let key = desk.key.clone();
    drop(desk);
    let mut desk = TestDesk::connect(&relay, key.clone(), s, None)
        .await
        .unwrap();
    let frames = desk.take_queued();
    assert!(frames.iter().all(|f| seq(f) > s), "{frames:?}");
    assert_increasing(&frames);
    assert_eq!(
        mine(&frames),
        [
            ("message".to_owned(), m1.clone(), a1),
            ("message".to_owned(), m2.clone(), a2)
        ]
    );

    // One that has everything gets nothing already committed again.
    let last = frames.iter().map(seq).max().unwrap();
    drop(desk);
    let mut desk = TestDesk::connect(&relay, key.clone(), last, None)
        .await
        .unwrap();
    assert!(messages(&desk.take_queued()).is_empty());

    // Acks move the relay's copy of the desk cursor, never backwards; what is acknowledged
    // loses its presence trail and the visitor's address.
    let cursor = |relay: &RelayProc| -> u64 {
        relay
            .db()
            .query_row("SELECT desk_cursor FROM sites", [], |r| r.get::<_, i64>(0))
            .unwrap() as u64
    };
    assert_eq!(cursor(&relay), 0);
    desk.ack(a1).await;
    desk.sync().await;
    assert_eq!(cursor(&relay), a1);
    desk.ack(s).await;
    desk.sync().await;
    assert_eq!(
        cursor(&relay),
        a1,
        "an older ack does not move the cursor back"
    );
    let left = |relay: &RelayProc, cmp: &str| -> (i64, i64) {
        relay
            .db()
            .query_row(
                &format!(
                    "SELECT count(*) FILTER (WHERE kind = 'presence'), count(ip) FROM entries
                     WHERE seq {cmp} ?1"
                ),
                [a1 as i64],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    assert_eq!(left(&relay, "<="), (0, 0));
    let (presence_after, _) = left(&relay, ">");
    assert!(presence_after > 0, "control: unacknowledged presence stays");

    // The desk's writes are idempotent too: a reply or a deletion sent twice is stored once,
    // and the visitor sees the reply once.
    desk.know(&visitor.conversation, &visitor.key.public_b64());
    let body = Body {
        text: "once".into(),
        ..Body::default()
    };
    let r = ulid();
    let st1 = desk.reply_with_id(&visitor.conversation, &r, &body).await;
    let st2 = desk.reply_with_id(&visitor.conversation, &r, &body).await;
    assert_eq!(
        (st1["t"].as_str(), st2["t"].as_str()),
        (Some("stored"), Some("stored"))
    );
    assert_eq!(seq(&st1), seq(&st2));
    let msg = visitor.next_where("the reply", |f| f["t"] == "msg").await;
    assert_eq!(
        (msg["id"].as_str(), seq(&msg)),
        (Some(r.as_str()), seq(&st1))
    );
    let d1 = desk.delete(&visitor.conversation, &r).await;
    let d2 = desk.delete(&visitor.conversation, &r).await;
    assert_eq!(seq(&d1), seq(&d2));
    let marker = visitor
        .next_where("the deletion", |f| f["t"] == "deleted")
        .await;
    assert_eq!(seq(&marker), seq(&d1));
    let extra: Vec<Value> = visitor
        .take_queued()
        .into_iter()
        .filter(|f| f["t"] == "msg" || f["t"] == "deleted")
        .collect();
    assert!(extra.is_empty(), "sent twice: {extra:?}");
    let history = visitor.resume(&relay, a2).await;
    let ids: Vec<(&str, &str)> = history
        .iter()
        .map(|f| (f["t"].as_str().unwrap(), f["id"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(ids, [("deleted", r.as_str()), ("ready", "")]);
}

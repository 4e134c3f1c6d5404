//! Bad input gets its own code, changes nothing, and leaves the relay serving others: after each
//! refusal a fresh conversation still goes through end to end.

use std::time::{Duration, Instant};

use frontdesk_proto::wire::{Consent, DeskIn, VisitorIn};
use futures_util::SinkExt;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::{self, Message};

use crate::support::{
    assert_serving, b64, closes_within, recv, send_json, seq, ulid, unb64, ws_connect, RelayProc,
    TestDesk, TestVisitor,
};

/// The `code` of an error frame.
fn code(f: &Value) -> &str {
    assert_eq!(f["t"], "error", "expected an error, got {f}");
    f["code"].as_str().unwrap()
}

/// Spoils one field of a good start frame.
fn spoil(frame: VisitorIn, f: impl FnOnce(&mut VisitorIn)) -> VisitorIn {
    let mut frame = frame;
    f(&mut frame);
    frame
}

/// A field of a start frame (`frame: &mut VisitorIn`).
macro_rules! field {
    ($frame:expr, $field:ident) => {
        match &mut *$frame {
            VisitorIn::Start { $field, .. } => $field,
            _ => unreachable!(),
        }
    };
}

#[tokio::test]
async fn malformed_and_oversized_frames_get_their_codes() {
    // 256 bytes of text: the largest envelope is 6,184 bytes, the largest frame read 8,232, and
    // frames past four times that are not read at all.
    let relay = RelayProc::start(&["--max-text", "256"]);
    let mut desk = TestDesk::hello(&relay).await;
    let dk = desk.key.public_b64();
    let mut v = TestVisitor::new(&dk);
    v.connect(&relay).await;

    v.send_raw(Message::text("{not json")).await;
    assert_eq!(code(&v.next_error().await), "relay.bad_json");
    assert_serving(&relay, &mut desk).await;

    v.send_raw(Message::text(r#"{"t":"hello","after":0}"#))
        .await;
    assert_eq!(
        code(&v.next_error().await),
        "relay.bad_json",
        "not a visitor frame"
    );
    v.send_raw(Message::text(r#"{"t":"start","conversation":"x"}"#))
        .await;
    assert_eq!(
        code(&v.next_error().await),
        "relay.bad_json",
        "fields missing"
    );
    assert_serving(&relay, &mut desk).await;

    v.send_raw(Message::binary(vec![0xff, 0xfe, 0x00, 0x80]))
        .await;
    assert_eq!(code(&v.next_error().await), "relay.bad_utf8");
    v.send_raw(Message::binary(br#"{"t":"resume"}"#.to_vec()))
        .await;
    assert_eq!(
        code(&v.next_error().await),
        "relay.bad_json",
        "binary frames are refused even when they are UTF-8"
    );
    assert_serving(&relay, &mut desk).await;

    // `send` before the socket has a conversation.
    let id = ulid();
    let frame = v.send_frame(&id, "too early");
    v.send(&frame).await;
    let e = v.answer_for(&id).await;
    assert_eq!(code(&e), "relay.out_of_order");
    assert_serving(&relay, &mut desk).await;

    // Malformed fields.
    let pow = relay.pow().await;
    let id = ulid();
    let good = v.start_frame(&id, &TestVisitor::first_body("hi"), pow);
    for (what, frame) in [
        (
            "conversation",
            spoil(good.clone(), |f| {
                *field!(f, conversation) = "not-a-ulid".into()
            }),
        ),
        (
            "body",
            spoil(good.clone(), |f| {
                *field!(f, body) = "not base64url!".repeat(5)
            }),
        ),
        (
            "visitor_key",
            spoil(good.clone(), |f| *field!(f, visitor_key) = b64("not a key")),
        ),
        (
            "secret",
            spoil(good.clone(), |f| *field!(f, secret) = "short".into()),
        ),
    ] {
        v.send(&frame).await;
        let e = v.answer_for(&id).await;
        assert_eq!(code(&e), "relay.bad_request", "{what}: {e}");
        assert!(e["message"].as_str().unwrap().contains(what), "{e}");
    }
    assert_serving(&relay, &mut desk).await;

    // A body longer than 256 bytes of text can need, in a frame of acceptable size.
    let big = spoil(good.clone(), |f| *field!(f, body) = "A".repeat(7000));
    v.send(&big).await;
    let e = v.answer_for(&id).await;
    assert_eq!(code(&e), "relay.too_large");
    assert_serving(&relay, &mut desk).await;

    // A frame over the frame limit is read and refused; the socket stays usable.
    v.send_raw(Message::text(format!(
        r#"{{"t":"send","id":"{}","body":"{}"}}"#,
        ulid(),
        "A".repeat(20_000)
    )))
    .await;
    assert_eq!(code(&v.next_error().await), "relay.too_large");
    assert_serving(&relay, &mut desk).await;

    // After all that, this socket still starts its conversation (nothing above was stored).
    v.send(&good).await;
    let ack = v.answer_for(&id).await;
    assert_eq!(ack["t"], "ack", "{ack}");
    let started = desk.event_for(&id).await;
    assert_eq!(desk.open(&started).text, "hi");

    // On a bound socket: an oversized message is refused with its id, a good one goes through.
    let long = ulid();
    v.send(&VisitorIn::Send {
        id: long.clone(),
        body: "A".repeat(6200),
    })
    .await;
    assert_eq!(code(&v.answer_for(&long).await), "relay.too_large");
    let (fits, ack) = v.say(&"x".repeat(256)).await;
    assert_eq!(ack["t"], "ack", "256 bytes of text fit: {ack}");
    desk.event_for(&fits).await;

    // A frame far past the limit is not read: the socket is closed.
    v.send_raw(Message::text("A".repeat(40_000))).await;
    let (closed, _) = closes_within(v.ws(), Duration::from_secs(5)).await;
    assert!(closed, "a huge frame closes the socket");
    assert_serving(&relay, &mut desk).await;

    // Nothing refused reached the desk.
    desk.sync().await;
    let leaked: Vec<Value> = desk
        .take_queued()
        .into_iter()
        .filter(|f| f["t"] == "event" && f["event"]["kind"] != "presence")
        .collect();
    assert!(leaked.is_empty(), "{leaked:?}");
}

#[tokio::test]
async fn wrong_sites_and_wrong_desk_tokens_are_refused() {
    let relay = RelayProc::start(&[]);
    let mut desk = TestDesk::hello(&relay).await;

    for site in ["aaaaaaaaaaaaaaaa", "Not-A-Site"] {
        let url = relay.ws_url(&format!("/v1/sites/{site}/visitor"));
        match ws_connect(tungstenite::client::IntoClientRequest::into_client_request(url).unwrap())
            .await
        {
            Err(tungstenite::Error::Http(resp)) => {
                assert_eq!(resp.status(), 404);
                let body = String::from_utf8(resp.body().clone().unwrap_or_default()).unwrap();
                assert!(body.contains("relay.unknown_site"), "{body}");
            }
            other => panic!("a visitor socket on an unknown site must be refused: {other:?}"),
        }
        assert_serving(&relay, &mut desk).await;
    }

    let mut basic = relay.desk_request(None);
    basic.headers_mut().insert(
        "authorization",
        format!("Basic {}", relay.token).parse().unwrap(),
    );
    let wrong = format!("{}x", relay.token);
    for (what, req) in [
        ("wrong", relay.desk_request(Some(&wrong))),
        ("missing", relay.desk_request(None)),
        ("not bearer", basic),
    ] {
        match ws_connect(req).await {
            Err(tungstenite::Error::Http(resp)) => {
                assert_eq!(resp.status(), 401, "{what}");
                let body = String::from_utf8(resp.body().clone().unwrap_or_default()).unwrap();
                assert!(body.contains("relay.bad_token"), "{what}: {body}");
            }
            other => panic!("a {what} desk token must be refused, got {other:?}"),
        }
        assert_serving(&relay, &mut desk).await;
    }

    // Bad frames on a desk socket: each answered, the socket and the relay keep going.
    let mut ws = ws_connect(relay.desk_request(Some(&relay.token)))
        .await
        .unwrap();
    send_json(
        &mut ws,
        &DeskIn::Reply {
            conversation: ulid(),
            id: ulid(),
            body: "A".repeat(60),
        },
    )
    .await;
    assert_eq!(
        code(&recv(&mut ws).await),
        "relay.out_of_order",
        "reply before hello"
    );
    ws.send(Message::text("{nope")).await.unwrap();
    assert_eq!(code(&recv(&mut ws).await), "relay.bad_json");
    drop(ws);
    assert_serving(&relay, &mut desk).await;

    desk.send_raw(Message::binary(vec![0xc3, 0x28])).await;
    let e = desk.next_where("an error", |f| f["t"] == "error").await;
    assert_eq!(code(&e), "relay.bad_utf8");
    desk.send(&DeskIn::Hello {
        after: 0,
        config: None,
    })
    .await;
    let e = desk.next_where("an error", |f| f["t"] == "error").await;
    assert_eq!(code(&e), "relay.out_of_order", "hello twice");
    let mut v = TestVisitor::new(&desk.key.public_b64());
    let (_, ack) = v.start(&relay, "hi").await;
    assert_eq!(ack["t"], "ack");
    desk.know(&v.conversation, &v.key.public_b64());
    let r = ulid();
    desk.send(&DeskIn::Reply {
        conversation: v.conversation.clone(),
        id: r.clone(),
        body: "A".repeat(20_000),
    })
    .await;
    assert_eq!(code(&desk.answer_for(&r).await), "relay.too_large");
    desk.send(&DeskIn::Reply {
        conversation: "nope".into(),
        id: r.clone(),
        body: "A".repeat(60),
    })
    .await;
    assert_eq!(code(&desk.answer_for(&r).await), "relay.bad_request");
    assert_serving(&relay, &mut desk).await;
}

#[tokio::test]
async fn proof_of_work_consent_and_bot_checks() {
    let relay = RelayProc::start(&[]);
    let mut desk = TestDesk::hello(&relay).await;
    let dk = desk.key.public_b64();
    let mut refused = vec![];

    // Each case: a fresh visitor whose otherwise good start has one thing wrong.
    let mut check = async |what: &str, want: &str, spoil_it: &dyn Fn(&mut VisitorIn)| {
        let mut v = TestVisitor::new(&dk);
        let id = ulid();
        let mut frame = v.start_frame(&id, &TestVisitor::first_body("hi"), relay.pow().await);
        spoil_it(&mut frame);
        v.connect(&relay).await;
        v.send(&frame).await;
        let e = v.answer_for(&id).await;
        assert_eq!(code(&e), want, "{what}: {e}");
        // Nothing was stored: there is no such conversation.
        let history = v.resume(&relay, 0).await;
        assert_eq!(code(&history[0]), "relay.unknown_conversation", "{what}");
        refused.push(v.conversation.clone());
        assert_serving(&relay, &mut desk).await;
    };

    check("no pow", "relay.pow_invalid", &|f| *field!(f, pow) = None).await;
    check("garbage pow", "relay.pow_invalid", &|f| {
        *field!(f, pow) = Some(b64("not a pow"))
    })
    .await;
    let tamper = |key: &'static str, change: fn(&mut Value)| {
        move |f: &mut VisitorIn| {
            let pow = field!(f, pow);
            let mut p: Value = serde_json::from_slice(&unb64(pow.as_deref().unwrap())).unwrap();
            assert!(!p[key].is_null());
            change(&mut p[key]);
            *pow = Some(b64(p.to_string()));
        }
    };
    check(
        "wrong number",
        "relay.pow_invalid",
        &tamper("number", |n| *n = (n.as_u64().unwrap() + 1).into()),
    )
    .await;
    check(
        "tampered signature",
        "relay.pow_invalid",
        &tamper("signature", |s| {
            let mut t = s.as_str().unwrap().to_owned();
            let last = if t.ends_with('0') { "1" } else { "0" };
            t.replace_range(t.len() - 1.., last);
            *s = t.into();
        }),
    )
    .await;
    check(
        "a longer expiry than signed",
        "relay.pow_invalid",
        &tamper("salt", |s| {
            *s = s.as_str().unwrap().replace("expires=", "expires=9").into()
        }),
    )
    .await;
    check("no consent", "relay.consent_missing", &|f| {
        *field!(f, consent) = None
    })
    .await;
    check("consent refused", "relay.consent_missing", &|f| {
        *field!(f, consent) = Some(Consent {
            privacy: false,
            version: Some("1".into()),
        })
    })
    .await;
    check("honeypot", "relay.bot_suspected", &|f| {
        *field!(f, honeypot) = Some("http://spam.example".into())
    })
    .await;
    check("too fast", "relay.bot_suspected", &|f| {
        *field!(f, fill_ms) = Some(40)
    })
    .await;
    check("no fill time", "relay.bot_suspected", &|f| {
        *field!(f, fill_ms) = None
    })
    .await;

    // A replayed proof-of-work: good for one conversation, refused for the next.
    let pow = relay.pow().await;
    let mut first = TestVisitor::new(&dk);
    let id = ulid();
    first.connect(&relay).await;
    first
        .send(&first.start_frame(&id, &TestVisitor::first_body("first"), pow.clone()))
        .await;
    assert_eq!(first.answer_for(&id).await["t"], "ack");
    check("replayed pow", "relay.pow_replayed", &move |f| {
        *field!(f, pow) = Some(pow.clone())
    })
    .await;

    // None of the refused conversations reached the desk.
    desk.sync().await;
    for f in desk.take_queued() {
        let c = f["event"]["conversation"].as_str().unwrap_or_default();
        assert!(
            !refused.iter().any(|r| r == c),
            "refused but delivered: {f}"
        );
    }
}

#[tokio::test]
async fn conversation_secrets_guard_resume_and_start() {
    let relay = RelayProc::start(&[]);
    let mut desk = TestDesk::hello(&relay).await;
    let dk = desk.key.public_b64();
    let mut owner = TestVisitor::new(&dk);
    let (m, ack) = owner.start(&relay, "mine").await;
    assert_eq!(ack["t"], "ack");

    // Someone who knows the conversation id but not its secret.
    let mut intruder = TestVisitor::new(&dk);
    intruder.conversation = owner.conversation.clone();
    let frames = intruder.resume(&relay, 0).await;
    assert_eq!(frames.len(), 1, "nothing replayed: {frames:?}");
    assert_eq!(code(&frames[0]), "relay.bad_secret");
    assert_serving(&relay, &mut desk).await;

    // …and who then tries to start it anew with a proof-of-work of their own.
    let (_, e) = intruder.start(&relay, "let me in").await;
    assert_eq!(code(&e), "relay.bad_secret");
    assert_serving(&relay, &mut desk).await;
    // The right secret with another visitor key is not the owner either.
    intruder.secret = owner.secret.clone();
    let (_, e) = intruder.start(&relay, "let me in").await;
    assert_eq!(code(&e), "relay.bad_secret");
    assert_serving(&relay, &mut desk).await;

    // A conversation the relay never had.
    let mut stranger = TestVisitor::new(&dk);
    let frames = stranger.resume(&relay, 0).await;
    assert_eq!(code(&frames[0]), "relay.unknown_conversation");
    assert_serving(&relay, &mut desk).await;

    // The owner's conversation holds the owner's message only.
    let frames = owner.resume(&relay, 0).await;
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert_eq!(frames[0]["id"], m.as_str());
    assert_eq!(owner.open(&frames[0]).text, "mine");
    desk.sync().await;
    let started: Vec<Value> = desk
        .take_queued()
        .into_iter()
        .filter(|f| {
            f["event"]["kind"] == "started"
                && f["event"]["conversation"] == owner.conversation.as_str()
        })
        .collect();
    assert_eq!(started.len(), 1);
    assert_eq!(seq(&started[0]), seq(&ack));
}

#[tokio::test]
async fn floods_are_rate_limited() {
    let relay = RelayProc::start(&[
        "--trust-forwarded",
        "--new-conversations-per-ip-per-minute",
        "3",
        "--messages-per-conversation-per-minute",
        "4",
    ]);
    let mut desk = TestDesk::hello(&relay).await;
    let dk = desk.key.public_b64();

    // Four new conversations from one address (behind the operator's proxy): the fourth waits.
    let mut answers = vec![];
    for _ in 0..4 {
        let mut v = TestVisitor::new(&dk);
        let id = ulid();
        let frame = v.start_frame(&id, &TestVisitor::first_body("hi"), relay.pow().await);
        v.connect_with(&relay, relay.visitor_request(Some("203.0.113.7")))
            .await;
        v.send(&frame).await;
        let a = v.answer_for(&id).await;
        if a["t"] == "ack" {
            let e = desk.event_for(&id).await;
            assert_eq!(e["event"]["ip"], "203.0.113.7");
        }
        answers.push(a["code"].as_str().unwrap_or("ack").to_owned());
    }
    assert_eq!(answers, ["ack", "ack", "ack", "relay.rate_limited"]);
    // Other addresses are served meanwhile.
    assert_serving(&relay, &mut desk).await;

    // Messages in one conversation: the fifth within a minute is refused, with its id, and not
    // stored; another conversation is not affected.
    let mut v = TestVisitor::new(&dk);
    let id = ulid();
    let frame = v.start_frame(&id, &TestVisitor::first_body("hi"), relay.pow().await);
    v.connect_with(&relay, relay.visitor_request(Some("203.0.113.9")))
        .await;
    v.send(&frame).await;
    assert_eq!(v.answer_for(&id).await["t"], "ack");
    let mut answers = vec![];
    let mut last = String::new();
    for i in 0..5 {
        let (id, a) = v.say(&format!("m{i}")).await;
        answers.push(a["code"].as_str().unwrap_or("ack").to_owned());
        last = id;
    }
    assert_eq!(answers, ["ack", "ack", "ack", "ack", "relay.rate_limited"]);
    let mut other = TestVisitor::new(&dk);
    let (_, a) = other.start(&relay, "other").await;
    assert_eq!(a["t"], "ack");
    let (id, a) = other.say("not limited").await;
    assert_eq!(a["t"], "ack", "{a}");
    desk.event_for(&id).await;
    desk.sync().await;
    assert!(
        desk.take_queued()
            .iter()
            .all(|f| f["event"]["id"] != last.as_str()),
        "the refused message was not stored"
    );
}

async fn read_until_closed(r: &mut (impl AsyncRead + Unpin)) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![];
    r.read_to_end(&mut buf).await.map(|_| buf)
}

#[tokio::test]
async fn silent_and_slow_clients_are_cut_off_while_others_are_served() {
    let relay = RelayProc::start(&[
        "--first-frame-timeout-secs",
        "1",
        "--header-timeout-secs",
        "1",
    ]);
    let mut desk = TestDesk::hello(&relay).await;

    // A visitor socket that never says start or resume, and a desk that never says hello.
    let began = Instant::now();
    let mut silent = relay.visitor_ws().await;
    let mut silent_desk = ws_connect(relay.desk_request(Some(&relay.token)))
        .await
        .unwrap();
    for ws in [&mut silent, &mut silent_desk] {
        let (closed, frames) = closes_within(ws, Duration::from_secs(5)).await;
        assert!(closed, "the silent socket is closed");
        assert_eq!(frames.len(), 1, "{frames:?}");
        assert_eq!(code(&frames[0]), "relay.timeout");
    }
    let waited = began.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(4),
        "{waited:?}"
    );
    assert_serving(&relay, &mut desk).await;

    // Slow-loris: one connection drips its request line and headers a byte at a time, another
    // sends nothing at all. Both are dropped after the header timeout; others are served
    // throughout.
    let drip = tokio::net::TcpStream::connect(("127.0.0.1", relay.port))
        .await
        .unwrap();
    let (mut drip_read, mut drip_write) = drip.into_split();
    let dripper = tokio::spawn(async move {
        let request = format!(
            "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: {}\r\n\r\n",
            "z".repeat(200)
        );
        for b in request.bytes() {
            if drip_write.write_all(&[b]).await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    });
    let mut mute = tokio::net::TcpStream::connect(("127.0.0.1", relay.port))
        .await
        .unwrap();
    let began = Instant::now();
    let mut served = 0;
    let cut_off = |r: std::io::Result<Vec<u8>>| match r {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes).to_string();
            assert!(
                bytes.is_empty() || text.starts_with("HTTP/1.1 408"),
                "a slow client must not be served: {text}"
            );
        }
        Err(e) => assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            ),
            "{e}"
        ),
    };
    let slow = async {
        let a = read_until_closed(&mut drip_read).await;
        let b = read_until_closed(&mut mute).await;
        (a, b, began.elapsed())
    };
    let serving = async {
        while began.elapsed() < Duration::from_millis(1500) {
            assert_eq!(relay.get("/healthz").await.status, 200);
            served += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let ((a, b, elapsed), ()) = tokio::time::timeout(Duration::from_secs(8), async {
        tokio::join!(slow, serving)
    })
    .await
    .expect("the slow connections are closed by the relay");
    cut_off(a);
    cut_off(b);
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(4),
        "closed after {elapsed:?}"
    );
    assert!(served >= 5, "others were served meanwhile ({served})");
    dripper.abort();
    assert_serving(&relay, &mut desk).await;
}

//! Bad input gets a clear, specific code, changes nothing, and leaves the relay serving others.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use frontdesk_proto::crypto::{Body, Side};
use frontdesk_proto::wire::{DeskIn, VisitorIn};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{recv, send, send_raw, Relay, Start};

fn code(v: &Option<Value>) -> &str {
    v.as_ref()
        .and_then(|v| v["code"].as_str())
        .unwrap_or("<none>")
}

/// A good conversation still works: the relay is serving.
async fn still_serving(relay: &Relay, desk_key: &str) {
    let s = Start::new();
    let mut ws = relay.visitor_socket().await;
    send(&mut ws, &s.frame(desk_key, "still here", relay.pow())).await;
    let ack = recv(&mut ws).await.unwrap();
    assert_eq!(ack["t"], "ack", "{ack}");
    assert_eq!(relay.get("/healthz").0, 200);
}

#[tokio::test]
async fn each_bad_frame_gets_its_own_code() {
    let relay = Relay::start(&["--max-text", "256"]);
    let (_desk, key) = relay.desk().await;
    let dk = key.public_b64();

    let mut ws = relay.visitor_socket().await;
    send_raw(&mut ws, Message::text("{not json")).await;
    assert_eq!(code(&recv(&mut ws).await), "relay.bad_json");
    send_raw(&mut ws, Message::binary(vec![0xff, 0xfe, 0x00])).await;
    assert_eq!(code(&recv(&mut ws).await), "relay.bad_utf8");
    send(
        &mut ws,
        &VisitorIn::Send {
            id: ulid::Ulid::new().to_string(),
            body: "A".repeat(64),
        },
    )
    .await;
    assert_eq!(code(&recv(&mut ws).await), "relay.out_of_order");

    // Oversized: an envelope bigger than 256 bytes of text can need.
    let s = Start::new();
    let mut f = s.frame(&dk, "x", relay.pow());
    if let VisitorIn::Start { body, .. } = &mut f {
        *body = "A".repeat(8000);
    }
    send(&mut ws, &f).await;
    assert_eq!(code(&recv(&mut ws).await), "relay.too_large");

    // No consent.
    let mut f = Start::new().frame(&dk, "x", relay.pow());
    if let VisitorIn::Start { consent, .. } = &mut f {
        *consent = None;
    }
    send(&mut ws, &f).await;
    assert_eq!(code(&recv(&mut ws).await), "relay.consent_missing");

    // A honeypot that was filled in, and a form filled faster than a person can.
    let mut f = Start::new().frame(&dk, "x", relay.pow());
    if let VisitorIn::Start { honeypot, .. } = &mut f {
        *honeypot = Some("http://spam.example".into());
    }
    send(&mut ws, &f).await;
    assert_eq!(code(&recv(&mut ws).await), "relay.bot_suspected");
    let mut f = Start::new().frame(&dk, "x", relay.pow());
    if let VisitorIn::Start { fill_ms, .. } = &mut f {
        *fill_ms = Some(40);
    }
    send(&mut ws, &f).await;
    assert_eq!(code(&recv(&mut ws).await), "relay.bot_suspected");

    // A forged proof-of-work: garbage, and a real one with its number changed.
    send(
        &mut ws,
        &Start::new().frame(&dk, "x", "bm90IGEgcG93".into()),
    )
    .await;
    assert_eq!(code(&recv(&mut ws).await), "relay.pow_invalid");
    let real = relay.pow();
    let mut payload: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &real).unwrap(),
    )
    .unwrap();
    payload["number"] = (payload["number"].as_u64().unwrap() + 1).into();
    let forged = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        payload.to_string(),
    );
    send(&mut ws, &Start::new().frame(&dk, "x", forged)).await;
    assert_eq!(code(&recv(&mut ws).await), "relay.pow_invalid");

    // A replayed proof-of-work: good once, refused for a second conversation.
    let pow = relay.pow();
    let mut first = relay.visitor_socket().await;
    send(&mut first, &Start::new().frame(&dk, "first", pow.clone())).await;
    assert_eq!(recv(&mut first).await.unwrap()["t"], "ack");
    send(&mut ws, &Start::new().frame(&dk, "again", pow)).await;
    assert_eq!(code(&recv(&mut ws).await), "relay.pow_replayed");

    // Resume: an unknown conversation, and a known one with the wrong secret.
    send(
        &mut ws,
        &VisitorIn::Resume {
            conversation: ulid::Ulid::new().to_string(),
            secret: "x".repeat(40),
            after: 0,
        },
    )
    .await;
    assert_eq!(code(&recv(&mut ws).await), "relay.unknown_conversation");
    let s = Start::new();
    let mut owner = relay.visitor_socket().await;
    send(&mut owner, &s.frame(&dk, "mine", relay.pow())).await;
    assert_eq!(recv(&mut owner).await.unwrap()["t"], "ack");
    send(
        &mut ws,
        &VisitorIn::Resume {
            conversation: s.conversation.clone(),
            secret: "y".repeat(43),
            after: 0,
        },
    )
    .await;
    assert_eq!(code(&recv(&mut ws).await), "relay.bad_secret");

    still_serving(&relay, &dk).await;
}

#[tokio::test]
async fn wrong_site_and_wrong_desk_token_are_refused() {
    let relay = Relay::start(&[]);
    let (status, body) = relay.get("/v1/sites/aaaaaaaaaaaaaaaa/config");
    assert_eq!(status, 404);
    assert!(body.contains("relay.unknown_site"), "{body}");
    let url = format!(
        "ws://127.0.0.1:{}/v1/sites/aaaaaaaaaaaaaaaa/visitor",
        relay.port
    );
    assert!(tokio_tungstenite::connect_async(url).await.is_err());
    for token in [Some("fds_wrong"), None] {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = format!("ws://127.0.0.1:{}/v1/desk", relay.port)
            .into_client_request()
            .unwrap();
        if let Some(t) = token {
            req.headers_mut()
                .insert("authorization", format!("Bearer {t}").parse().unwrap());
        }
        match tokio_tungstenite::connect_async(req).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                assert_eq!(resp.status(), 401);
                let body = String::from_utf8(resp.body().clone().unwrap_or_default()).unwrap();
                assert!(body.contains("relay.bad_token"), "{body}");
            }
            other => panic!("a wrong token must be refused, got {other:?}"),
        }
    }
    let (_desk, key) = relay.desk().await;
    still_serving(&relay, &key.public_b64()).await;
}

#[tokio::test]
async fn floods_are_rate_limited() {
    let relay = Relay::start(&[
        "--new-conversations-per-ip-per-minute",
        "3",
        "--messages-per-conversation-per-minute",
        "4",
    ]);
    let (_desk, key) = relay.desk().await;
    let dk = key.public_b64();
    let mut codes = vec![];
    let mut ws = relay.visitor_socket().await;
    for _ in 0..4 {
        send(&mut ws, &Start::new().frame(&dk, "hi", relay.pow())).await;
        let f = recv(&mut ws).await.unwrap();
        codes.push(f["code"].as_str().unwrap_or("ack").to_owned());
        if f["t"] == "ack" {
            ws = relay.visitor_socket().await;
        }
    }
    assert_eq!(codes, ["ack", "ack", "ack", "relay.rate_limited"]);

    // Messages within one conversation (opened before the flood, on a fresh relay state for
    // messages): the fifth in a minute is refused, with its id.
    let relay = Relay::start(&["--messages-per-conversation-per-minute", "4"]);
    let (_desk, key) = relay.desk().await;
    let s = Start::new();
    let mut ws = relay.visitor_socket().await;
    send(&mut ws, &s.frame(&key.public_b64(), "hi", relay.pow())).await;
    assert_eq!(recv(&mut ws).await.unwrap()["t"], "ack");
    let ck = s
        .key
        .conversation_key(&key.public_b64(), &s.conversation)
        .unwrap();
    let mut last = Value::Null;
    for i in 0..5 {
        let id = ulid::Ulid::new().to_string();
        let body = ck.seal(
            &id,
            Side::Visitor,
            &Body {
                text: format!("m{i}"),
                ..Body::default()
            },
        );
        send(&mut ws, &VisitorIn::Send { id, body }).await;
        last = recv(&mut ws).await.unwrap();
    }
    assert_eq!(last["code"], "relay.rate_limited");
}

#[tokio::test]
async fn silent_and_slow_clients_are_cut_off_while_others_are_served() {
    let relay = Relay::start(&[
        "--first-frame-timeout-secs",
        "1",
        "--header-timeout-secs",
        "1",
    ]);
    let mut ws = relay.visitor_socket().await;
    assert_eq!(code(&recv(&mut ws).await), "relay.timeout");
    assert!(
        recv(&mut ws).await.is_none(),
        "the socket is closed after the timeout"
    );

    // Slow-loris: headers that never finish.
    let mut slow = std::net::TcpStream::connect(("127.0.0.1", relay.port)).unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = Instant::now();
    assert_eq!(relay.get("/healthz").0, 200, "others are served meanwhile");
    let mut buf = [0u8; 256];
    let n = slow.read(&mut buf).unwrap_or(0);
    let answer = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(
        n == 0 || answer.starts_with("HTTP/1.1 408"),
        "the slow connection is dropped, not served: {answer}"
    );
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[tokio::test]
async fn the_relay_stores_ciphertext_only_and_forgets_addresses_once_delivered() {
    let relay = Relay::start(&[]);
    let (mut desk, key) = relay.desk().await;
    let s = Start::new();
    let mut ws = relay.visitor_socket().await;
    send(
        &mut ws,
        &s.frame(
            &key.public_b64(),
            "PLANTED-MSG-7c1f the answer PLANTED-ANSWER-99ab",
            relay.pow(),
        ),
    )
    .await;
    assert_eq!(recv(&mut ws).await.unwrap()["t"], "ack");
    let ev = recv(&mut desk).await.unwrap();
    assert_eq!(ev["event"]["kind"], "started");
    assert_eq!(ev["event"]["ip"], "127.0.0.1");
    let envelope = ev["event"]["body"].as_str().unwrap().to_owned();
    let body = key
        .conversation_key(&s.key.public_b64(), &s.conversation)
        .unwrap()
        .open(&s.id, Side::Visitor, &envelope)
        .unwrap();
    assert!(body.text.starts_with("PLANTED-MSG-7c1f"));
    send(
        &mut desk,
        &DeskIn::Ack {
            upto: ev["seq"].as_u64().unwrap(),
        },
    )
    .await;

    // A reply to a conversation the relay doesn't have is refused with its id.
    let id = ulid::Ulid::new().to_string();
    send(
        &mut desk,
        &DeskIn::Reply {
            conversation: ulid::Ulid::new().to_string(),
            id: id.clone(),
            body: "A".repeat(60),
        },
    )
    .await;
    // Presence events may come first.
    let mut r = recv(&mut desk).await.unwrap();
    while r["t"] == "event" {
        r = recv(&mut desk).await.unwrap();
    }
    assert_eq!(
        (r["code"].as_str(), r["id"].as_str()),
        (Some("relay.unknown_conversation"), Some(id.as_str()))
    );

    let bytes = relay.db_bytes();
    let has = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        has(&envelope[..40]),
        "control: the search finds what is there"
    );
    assert!(!has("PLANTED-MSG-7c1f"));
    assert!(!has("PLANTED-ANSWER-99ab"));
    let db = rusqlite::Connection::open(relay.db_path()).unwrap();
    let ips: Vec<Option<String>> = db
        .prepare("SELECT ip FROM entries WHERE kind = 'started'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ips, vec![None], "the address is gone once the desk has it");
}

#[test]
fn the_command_line_refuses_what_it_cannot_do_safely() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(crate::support::BIN)
        .arg("--data")
        .arg(dir.path())
        .args(["site", "add", "  "])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("site name"));
    let out = std::process::Command::new(crate::support::BIN)
        .arg("--data")
        .arg(dir.path())
        .args(["serve", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-cert"));
}

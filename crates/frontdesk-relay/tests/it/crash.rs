//! kill -9 in the middle of a conversation: what was acknowledged survives, and after both sides
//! reconnect (the visitor resending whatever was not acknowledged, like the widget; the desk
//! resuming from its cursor) the desk has every message exactly once, in the visitor's order.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use frontdesk_proto::crypto::{DeskKey, Side};
use frontdesk_proto::wire::{DeskIn, VisitorIn};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{seq, ulid, RelayProc, TestDesk, TestVisitor, Ws};

const MESSAGES: usize = 200;
const BURST: usize = 10;

/// Connects, retrying while the relay is down.
async fn reconnect(url: &str, token: Option<&str>) -> Ws {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let mut req = url.into_client_request().unwrap();
        if let Some(t) = token {
            req.headers_mut()
                .insert("authorization", format!("Bearer {t}").parse().unwrap());
        }
        if let Ok(Ok((ws, _))) = tokio::time::timeout(
            Duration::from_secs(2),
            tokio_tungstenite::connect_async(req),
        )
        .await
        {
            return ws;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the relay never came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn text(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

/// The widget's side: sends the messages one after another without waiting for acks; after
/// each reconnect resumes the conversation and sends every message not yet acknowledged again.
/// `acked` starts with the conversation's first message. Returns how many acknowledged messages
/// were sent again (and acknowledged again with the same seq).
async fn visitor(
    url: String,
    resume: Value,
    frames: Vec<(String, String)>,
    acked: Arc<Mutex<HashMap<String, u64>>>,
    progress: watch::Sender<usize>,
) -> usize {
    let mut next = 0; // how many messages were handed to a socket at least once
    let mut sockets = 0;
    let mut again = 0;
    let all = frames.len() + 1;
    // Acknowledged messages sent again on the current socket, whose second ack is awaited.
    let mut replayed: HashSet<String> = HashSet::new();
    while acked.lock().unwrap().len() < all || !replayed.is_empty() {
        let mut ws = reconnect(&url, None).await;
        sockets += 1;
        assert!(sockets < 20, "too many reconnects");
        if ws.send(Message::text(text(&resume))).await.is_err() {
            continue;
        }
        // History first, then `ready`.
        let ready = loop {
            match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => {
                    let f: Value = serde_json::from_str(&t).unwrap();
                    assert_ne!(f["t"], "error", "{f}");
                    if f["t"] == "ready" {
                        break true;
                    }
                }
                Ok(Some(Ok(_))) => {}
                _ => break false,
            }
        };
        if !ready {
            continue;
        }
        // Every message sent and not acknowledged goes again, and so do the last few that
        // were (as from a widget whose tab closed before it saved those acks): the relay has
        // those from before the kill and must answer them with their first seq.
        let mut queue: VecDeque<usize> = {
            let acked = acked.lock().unwrap();
            let last_acked = (0..next).filter(|&i| acked.contains_key(&frames[i].0));
            let replay: HashSet<usize> = last_acked.rev().take(10).collect();
            replayed = replay.iter().map(|&i| frames[i].0.clone()).collect();
            (0..next)
                .filter(|&i| replay.contains(&i) || !acked.contains_key(&frames[i].0))
                .collect()
        };
        // Bursts, so that a kill finds several messages in flight: some committed but not yet
        // acknowledged, some not yet read.
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        'socket: loop {
            tokio::select! {
                _ = tick.tick() => {
                    for _ in 0..BURST {
                        let i = match queue.pop_front() {
                            Some(i) => i,
                            None if next < frames.len() => {
                                next += 1;
                                next - 1
                            }
                            None => break,
                        };
                        if ws.feed(Message::text(frames[i].1.clone())).await.is_err() {
                            break 'socket;
                        }
                    }
                    if ws.flush().await.is_err() {
                        break;
                    }
                }
                f = ws.next() => {
                    let Some(Ok(Message::Text(t))) = f else {
                        match f {
                            Some(Ok(_)) => continue,
                            _ => break,
                        }
                    };
                    let f: Value = serde_json::from_str(&t).unwrap();
                    match f["t"].as_str() {
                        Some("ack") => {
                            let id = f["id"].as_str().unwrap().to_owned();
                            let mut acked = acked.lock().unwrap();
                            if let Some(before) = acked.insert(id.clone(), seq(&f)) {
                                assert_eq!(before, seq(&f), "{id} acknowledged with two seqs");
                                again += 1;
                            }
                            replayed.remove(&id);
                            progress.send_replace(acked.len());
                            if acked.len() == all && replayed.is_empty() {
                                return again;
                            }
                        }
                        Some("error") => panic!("the relay refused a message: {f}"),
                        _ => {}
                    }
                }
            }
        }
    }
    again
}

/// The desk's side: resumes from its cursor after each reconnect, acknowledges every event it
/// takes, and records them in the order received until it has all of `want`.
async fn desk(
    url: String,
    token: String,
    key: DeskKey,
    want: HashSet<String>,
) -> Vec<(u64, String, String)> {
    let mut cursor = 0;
    let mut got: Vec<(u64, String, String)> = vec![];
    let mut visitor_keys: HashMap<String, String> = HashMap::new();
    let mut seen = HashSet::new();
    loop {
        let mut ws = reconnect(&url, Some(&token)).await;
        let hello = DeskIn::Hello {
            after: cursor,
            config: None,
        };
        if ws
            .send(Message::text(serde_json::to_string(&hello).unwrap()))
            .await
            .is_err()
        {
            continue;
        }
        loop {
            let f = match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => serde_json::from_str::<Value>(&t).unwrap(),
                Ok(Some(Ok(_))) => continue,
                Ok(_) => break,
                Err(_) => panic!("the desk heard nothing for 10 s; it has {}", seen.len()),
            };
            assert_eq!(f["t"], "event", "{f}");
            let s = seq(&f);
            assert!(s > cursor, "event {s} sent again after cursor {cursor}");
            cursor = s;
            let e = &f["event"];
            let kind = e["kind"].as_str().unwrap().to_owned();
            if kind != "presence" {
                let conversation = e["conversation"].as_str().unwrap();
                if kind == "started" {
                    visitor_keys.insert(
                        conversation.to_owned(),
                        e["visitor_key"].as_str().unwrap().to_owned(),
                    );
                }
                let id = e["id"].as_str().unwrap().to_owned();
                let body = key
                    .conversation_key(&visitor_keys[conversation], conversation)
                    .unwrap()
                    .open(&id, Side::Visitor, e["body"].as_str().unwrap())
                    .expect("intact ciphertext");
                got.push((s, id.clone(), body.text));
                seen.insert(id);
            }
            // The desk commits, then acknowledges.
            let ack = DeskIn::Ack { upto: cursor };
            if ws
                .send(Message::text(serde_json::to_string(&ack).unwrap()))
                .await
                .is_err()
            {
                break;
            }
            if want.is_subset(&seen) {
                return got;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_conversation_loses_nothing_acknowledged_and_duplicates_nothing() {
    let mut relay = RelayProc::start(&[]);
    let desk_hello = TestDesk::hello(&relay).await;
    let key = desk_hello.key.clone();
    drop(desk_hello);

    let mut v = TestVisitor::new(&key.public_b64());
    let (start_id, ack) = v.start(&relay, "message 0").await;
    assert_eq!(ack["t"], "ack");
    let frames: Vec<(String, String)> = (1..=MESSAGES)
        .map(|i| {
            let id = ulid();
            let f = v.send_frame(&id, &format!("message {i}"));
            (id.clone(), serde_json::to_string(&f).unwrap())
        })
        .collect();
    let resume = serde_json::to_value(VisitorIn::Resume {
        conversation: v.conversation.clone(),
        secret: v.secret.clone(),
        after: 0,
    })
    .unwrap();
    let mut order = vec![start_id.clone()];
    order.extend(frames.iter().map(|(id, _)| id.clone()));

    let acked = Arc::new(Mutex::new(HashMap::from([(start_id.clone(), seq(&ack))])));
    let (progress, mut watch_progress) = watch::channel(1);
    let visitor_task = tokio::spawn(visitor(
        relay.ws_url(&relay.visitor_path()),
        resume,
        frames,
        acked.clone(),
        progress,
    ));
    let desk_task = tokio::spawn(desk(
        relay.ws_url("/v1/desk"),
        relay.token.clone(),
        key.clone(),
        order.iter().cloned().collect(),
    ));

    // Kill the relay while the visitor is mid-way.
    tokio::time::timeout(
        Duration::from_secs(20),
        watch_progress.wait_for(|&n| n >= 80),
    )
    .await
    .expect("80 acks in time")
    .unwrap();
    let before: HashMap<String, u64> = acked.lock().unwrap().clone();
    relay.kill9();
    assert!(
        before.len() < order.len(),
        "the relay was killed mid-way (acked {} of {})",
        before.len(),
        order.len()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    relay.restart();

    let again = tokio::time::timeout(Duration::from_secs(40), visitor_task)
        .await
        .expect("the visitor gets every message acknowledged")
        .unwrap();
    assert!(
        again >= 10,
        "messages stored before the kill were sent again ({again})"
    );
    let got = tokio::time::timeout(Duration::from_secs(40), desk_task)
        .await
        .expect("the desk gets every message")
        .unwrap();

    // Exactly once, in the visitor's order, with the seq the visitor was told, intact.
    let ids: Vec<&str> = got.iter().map(|(_, id, _)| id.as_str()).collect();
    assert_eq!(ids, order.iter().map(String::as_str).collect::<Vec<_>>());
    let acked = acked.lock().unwrap().clone();
    for (i, (s, id, text)) in got.iter().enumerate() {
        assert_eq!(
            acked[id], *s,
            "message {i}: the desk's seq is the visitor's ack"
        );
        assert_eq!(*text, format!("message {i}"));
    }
    // Everything acknowledged before the kill survived with its seq.
    for (id, s) in &before {
        assert_eq!(acked[id], *s, "{id} kept its seq across the crash");
    }

    // And the restarted relay's store holds all of it: a desk replaying from 0 gets the same.
    let mut replay = TestDesk::connect(&relay, key, 0, None).await.unwrap();
    let from_store: Vec<(u64, String)> = replay
        .take_queued()
        .iter()
        .filter(|f| f["event"]["kind"] != "presence")
        .map(|f| (seq(f), f["event"]["id"].as_str().unwrap().to_owned()))
        .collect();
    let expected: Vec<(u64, String)> = got.iter().map(|(s, id, _)| (*s, id.clone())).collect();
    assert_eq!(from_store, expected);
}

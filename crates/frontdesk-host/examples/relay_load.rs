//! The relay's load generator (BENCHMARKS.md, "Website chat"). It starts a real
//! `frontdesk-relay` process on 127.0.0.1 and a real desk in this process (a SQLCipher clinic
//! with its host and relay link), then measures:
//!
//! - `latency`: a visitor message to its commit in the desk's database, through the relay;
//! - `throughput`: messages per second the relay acknowledges (each after its own durable
//!   commit), and how many per second reach the desk's database;
//! - `sockets`: how many visitor WebSockets the relay holds at once, and its resident memory;
//! - `popup` (not part of `all`; needs a D-Bus session, e.g. under `dbus-run-session`): a new
//!   chat from a visitor to the Notify call of its popup on the assignee's desk, through the
//!   relay, the desk's commit and routing, the popup rules and the real notification client,
//!   recorded by a notification server on the same session bus.
//!
//! `cargo run --release -p frontdesk-host --example relay_load -- RELAY_BIN [latency|throughput|sockets|popup] [N]`

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use frontdesk_core::{Clinic, Event, NewClinic, Options, Secret};
use frontdesk_proto::crypto::{Body, ConversationKey, Side, VisitorKey};
use frontdesk_proto::wire::{Consent, VisitorIn};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Stack {
    relay: std::process::Child,
    port: u16,
    site: String,
    clinic: Arc<Clinic>,
    _host: frontdesk_host::Host,
    _dir: tempfile::TempDir,
}

fn stack(relay_bin: &str) -> Stack {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("relay");
    let out = Command::new(relay_bin)
        .arg("--data")
        .arg(&data)
        .args(["site", "add", "Load"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let field = |n: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(n))
            .unwrap()
            .trim()
            .to_owned()
    };
    let (site, token) = (field("site id:"), field("desk token:"));
    let mut relay = Command::new(relay_bin)
        .arg("--data")
        .arg(&data)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--pow-max-number",
            "10",
            "--min-fill-ms",
            "0",
        ])
        .args(["--new-conversations-per-ip-per-minute", "1000000"])
        .args(["--messages-per-conversation-per-minute", "1000000"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(relay.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().rsplit(':').next().unwrap().parse().unwrap();
    let path = dir.path().join("clinic.db");
    let passphrase = "load test recovery passphrase";
    Clinic::create(
        &path,
        &NewClinic {
            name: "Load Clinic".into(),
            time_zone: "Asia/Phnom_Penh".into(),
            phone_region: "KH".into(),
            admin_login: "boss".into(),
            admin_name: "Boss".into(),
            admin_password: Secret::new("load-password-1"),
            recovery_passphrase: Secret::new(passphrase),
        },
        Options {
            keyring: None,
            ..Options::default()
        },
    )
    .unwrap();
    let clinic = Arc::new(Clinic::open_as_operator(&path, passphrase, Options::default()).unwrap());
    clinic
        .set_relay_link(&format!("http://127.0.0.1:{port}"), &token)
        .unwrap();
    let host = frontdesk_host::Host::start(clinic.clone(), None, None).unwrap();
    Stack {
        relay,
        port,
        site,
        clinic,
        _host: host,
        _dir: dir,
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = self.relay.kill();
        let _ = self.relay.wait();
    }
}

async fn http_get(port: u16, path: &str) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).await.ok()?;
    buf.starts_with("HTTP/1.1 200")
        .then(|| buf.split_once("\r\n\r\n").unwrap().1.to_owned())
}

struct Visitor {
    ws: Ws,
    key: ConversationKey,
    /// When the Start frame left, as Unix milliseconds.
    started_ms: f64,
}

fn unix_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

async fn desk_key(port: u16, site: &str) -> String {
    loop {
        if let Some(b) = http_get(port, &format!("/v1/sites/{site}/config")).await {
            let v: serde_json::Value = serde_json::from_str(&b).unwrap();
            return v["desk_key"].as_str().unwrap().to_owned();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn open_visitor(port: u16, site: &str, desk_key: &str) -> Visitor {
    let challenge = http_get(port, &format!("/v1/sites/{site}/challenge"))
        .await
        .unwrap();
    let c: altcha_lib_rs::Challenge = serde_json::from_str(&challenge).unwrap();
    let n = altcha_lib_rs::solve_challenge(
        &c.challenge,
        &c.salt,
        Some(c.algorithm),
        Some(c.maxnumber),
        0,
    )
    .unwrap();
    let pow = base64::engine::general_purpose::STANDARD.encode(
        serde_json::json!({"algorithm": c.algorithm, "challenge": c.challenge, "number": n, "salt": c.salt, "signature": c.signature}).to_string(),
    );
    let vk = VisitorKey::generate();
    let conversation = ulid::Ulid::new().to_string();
    let key = vk.conversation_key(desk_key, &conversation).unwrap();
    let id = ulid::Ulid::new().to_string();
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/v1/sites/{site}/visitor"))
            .await
            .unwrap();
    let start = VisitorIn::Start {
        conversation,
        secret: frontdesk_proto::ids::random_b64(32),
        visitor_key: vk.public_b64(),
        id: id.clone(),
        body: key.seal(
            &id,
            Side::Visitor,
            &Body {
                text: "hello".into(),
                ..Body::default()
            },
        ),
        pow: Some(pow),
        consent: Some(Consent {
            privacy: true,
            version: None,
        }),
        honeypot: None,
        fill_ms: Some(5000),
    };
    let started_ms = unix_ms();
    ws.send(Message::text(serde_json::to_string(&start).unwrap()))
        .await
        .unwrap();
    loop {
        if let Some(Ok(Message::Text(t))) = ws.next().await {
            if t.contains("\"ack\"") {
                break;
            }
        }
    }
    Visitor {
        ws,
        key,
        started_ms,
    }
}

fn message(v: &Visitor, text: &str) -> (String, Message) {
    let id = ulid::Ulid::new().to_string();
    let body = v.key.seal(
        &id,
        Side::Visitor,
        &Body {
            text: text.into(),
            ..Body::default()
        },
    );
    (
        id.clone(),
        Message::text(serde_json::to_string(&VisitorIn::Send { id, body }).unwrap()),
    )
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    kb / 1024.0
}

/// Desk commit times by message id, from the clinic's own events (sent after each commit).
fn watch_commits(clinic: &Clinic) -> Arc<Mutex<HashMap<String, Instant>>> {
    let seen = Arc::new(Mutex::new(HashMap::new()));
    let rx = clinic.subscribe();
    let out = seen.clone();
    std::thread::spawn(move || {
        while let Ok(ev) = rx.recv() {
            if let Event::ChatMessage { message_id, .. } = ev {
                out.lock().unwrap().insert(message_id, Instant::now());
            }
        }
    });
    seen
}

async fn latency(s: &Stack, n: usize) {
    let dk = desk_key(s.port, &s.site).await;
    let commits = watch_commits(&s.clinic);
    let visitors = 10;
    let mut vs = vec![];
    for _ in 0..visitors {
        vs.push(open_visitor(s.port, &s.site, &dk).await);
    }
    let mut sent: Vec<(String, Instant)> = vec![];
    // Paced: 100 messages a second across ten visitors, like a busy clinic's peak, not a flood.
    for i in 0..n {
        let v = &mut vs[i % visitors];
        let (id, msg) = message(v, &format!("latency {i}"));
        sent.push((id, Instant::now()));
        v.ws.send(msg).await.unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let end = Instant::now() + Duration::from_secs(30);
    while commits.lock().unwrap().len() < n + visitors && Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let c = commits.lock().unwrap();
    let mut ms: Vec<f64> = sent
        .iter()
        .filter_map(|(id, t)| c.get(id).map(|d| (*d - *t).as_secs_f64() * 1000.0))
        .collect();
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "latency: {} of {n} messages committed at the desk; visitor send -> desk commit p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms.len(),
        pct(&ms, 0.5),
        pct(&ms, 0.99),
        ms.last().unwrap()
    );
}

async fn throughput(s: &Stack, n: usize) {
    let dk = desk_key(s.port, &s.site).await;
    let commits = watch_commits(&s.clinic);
    let visitors = 100;
    let mut vs = vec![];
    for _ in 0..visitors {
        vs.push(open_visitor(s.port, &s.site, &dk).await);
    }
    let per = n / visitors;
    // Seal everything first so the clock measures the relay, not this process's AES.
    let mut prepared: Vec<Vec<Message>> = vs
        .iter()
        .map(|v| (0..per).map(|i| message(v, &format!("t {i}")).1).collect())
        .collect();
    let started = Instant::now();
    let mut tasks = vec![];
    for (v, msgs) in vs.into_iter().zip(prepared.drain(..)) {
        tasks.push(tokio::spawn(async move {
            let (mut tx, mut rx) = v.ws.split();
            let sender = tokio::spawn(async move {
                for m in msgs {
                    tx.send(m).await.unwrap();
                }
                tx
            });
            let mut acks = 0;
            while acks < per {
                match rx.next().await {
                    Some(Ok(Message::Text(t))) if t.contains("\"ack\"") => acks += 1,
                    Some(Ok(_)) => {}
                    _ => break,
                }
            }
            let _ = sender.await;
            acks
        }));
    }
    let mut acked = 0;
    for t in tasks {
        acked += t.await.unwrap();
    }
    let relay_secs = started.elapsed().as_secs_f64();
    let end = Instant::now() + Duration::from_secs(120);
    while commits.lock().unwrap().len() < acked + visitors && Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let desk_secs = started.elapsed().as_secs_f64();
    println!(
        "throughput: {acked} messages from {visitors} visitors acknowledged by the relay (each after its durable commit) in {relay_secs:.2} s = {:.0} msg/s; all in the desk's database after {desk_secs:.2} s = {:.0} msg/s end to end",
        acked as f64 / relay_secs,
        (commits.lock().unwrap().len() - visitors) as f64 / desk_secs
    );
}

async fn sockets(s: &Stack, n: usize) {
    let dk = desk_key(s.port, &s.site).await;
    let before = rss_mib(s.relay.id());
    let mut held = Vec::with_capacity(n);
    let started = Instant::now();
    for i in 0..n {
        held.push(open_visitor(s.port, &s.site, &dk).await);
        if (i + 1) % 2000 == 0 {
            eprintln!(
                "  {} sockets open, relay RSS {:.0} MiB",
                i + 1,
                rss_mib(s.relay.id())
            );
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_mib(s.relay.id());
    // Every socket still works: one message each, acknowledged.
    let mut ok = 0;
    for v in held.iter_mut() {
        let (_, m) = message(v, "still here");
        v.ws.send(m).await.unwrap();
    }
    for v in held.iter_mut() {
        while let Some(Ok(msg)) = v.ws.next().await {
            if matches!(&msg, Message::Text(t) if t.contains("\"ack\"")) {
                ok += 1;
                break;
            }
        }
    }
    println!(
        "sockets: {n} visitor WebSockets open at once (each bound to its own conversation) in {:.1} s; {ok} answered a message afterwards; relay RSS {before:.0} MiB before, {after:.0} MiB with all open",
        started.elapsed().as_secs_f64()
    );
}

/// Every chat goes to one logged-in receptionist whose desk pops it up; each is closed once its
/// popup is recorded, and the next starts after the grouping window, so that every sample is
/// a first popup (shown at once), the path a lone chat takes.
async fn popup(s: &Stack, n: usize) {
    use frontdesk_core::*;
    let op = Principal::Operator {
        workstation: "load".into(),
    };
    let mut fields = StaffFields::new("Dara", Role::Receptionist);
    fields.chat_capacity = 50;
    fields.working_hours = Shift::around_the_clock();
    let Response::StaffSaved { staff, .. } = s
        .clinic
        .handle(
            &op,
            Request::StaffCreate(NewStaff {
                login: "dara".into(),
                password: Secret::new("load-password-2"),
                fields,
            }),
        )
        .unwrap()
    else {
        unreachable!()
    };
    s.clinic
        .login(&LoginRequest {
            login: "dara".into(),
            password: Secret::new("load-password-2"),
            totp_code: None,
            workstation: "pc-dara".into(),
        })
        .unwrap();
    let record = tempfile::NamedTempFile::new().unwrap();
    let _server = frontdesk_notify::listener::Listener::start(record.path())
        .expect("a D-Bus session bus (run under dbus-run-session)");
    let window = Duration::from_millis(50);
    let popups = Arc::new(frontdesk_notify::Popups::new(
        Arc::new(frontdesk_notify::DesktopNotifier::new()),
        frontdesk_notify::GroupSettings { window },
        Arc::new(|_| {}),
    ));
    // What the desk shell does with the clinic's events (src-tauri/lib.rs `attach`).
    let events = s.clinic.subscribe();
    let clinic = s.clinic.clone();
    let me = staff.id.clone();
    let p = popups.clone();
    std::thread::spawn(move || {
        let tz = "Asia/Phnom_Penh".parse().unwrap();
        for ev in events {
            let notice = |id: &str| clinic.task_notice(id).ok().flatten();
            let here = frontdesk_notify::alerts::Here {
                me: &me,
                tz,
                notice: &notice,
                muted: false,
            };
            if let Some(popup) = frontdesk_notify::alerts::popup(&ev, &here) {
                p.push(popup);
            }
        }
    });
    let dk = desk_key(s.port, &s.site).await;
    let recorded = |path: &std::path::Path| -> Vec<serde_json::Value> {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    };
    let mut ms = vec![];
    for _ in 0..n {
        let before = recorded(record.path()).len();
        let v = open_visitor(s.port, &s.site, &dk).await;
        let end = Instant::now() + Duration::from_secs(10);
        let mut lines = recorded(record.path());
        while lines.len() == before && Instant::now() < end {
            tokio::time::sleep(Duration::from_millis(1)).await;
            lines = recorded(record.path());
        }
        let Some(line) = lines.get(before) else {
            panic!("no popup within 10 s");
        };
        assert_eq!(line["summary"], "New website chat");
        ms.push(line["at_ms"].as_f64().unwrap() - v.started_ms);
        // Close it so the receptionist never fills up, and wait out the grouping window.
        let Response::Tasks(open) = s
            .clinic
            .handle(
                &op,
                Request::TaskList {
                    scope: TaskScope::Team,
                    include_closed: false,
                    limit: None,
                },
            )
            .unwrap()
        else {
            unreachable!()
        };
        for t in open {
            s.clinic
                .handle(
                    &op,
                    Request::TaskSetStatus {
                        id: t.id,
                        status: TaskStatus::Done,
                        note: None,
                    },
                )
                .unwrap();
        }
        tokio::time::sleep(window * 3).await;
    }
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "popup: {n} chats; visitor's first message sent -> Notify call on the assignee's desk p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(&ms, 0.5),
        pct(&ms, 0.99),
        ms.last().unwrap()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let relay_bin = args
        .first()
        .expect("usage: relay_load RELAY_BIN [latency|throughput|sockets|popup] [N]");
    let what = args.get(1).map(String::as_str).unwrap_or("all");
    let n: Option<usize> = args.get(2).and_then(|n| n.parse().ok());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    for scenario in ["latency", "throughput", "sockets", "popup"] {
        let named = what == scenario || (what == "all" && scenario != "popup");
        if !named {
            continue;
        }
        let s = stack(relay_bin);
        rt.block_on(async {
            match scenario {
                "latency" => latency(&s, n.unwrap_or(2000)).await,
                "throughput" => throughput(&s, n.unwrap_or(20_000)).await,
                "popup" => popup(&s, n.unwrap_or(300)).await,
                _ => sockets(&s, n.unwrap_or(10_000)).await,
            }
        });
    }
}

//! Chat files: sealed by the sender, stored and served by the relay as they came, refused when
//! they are too many, too large or not the asker's, and gone with their conversation.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use frontdesk_proto::crypto::{Body, FileRef, Side};
use frontdesk_proto::ids::secret_hash;
use frontdesk_proto::wire::{DeskIn, SiteConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{
    contains, http_request, parse_response, site_config, ulid, HttpResponse, RelayProc, TestDesk,
    TestVisitor, WAIT,
};

const SECRET: &str = "X-Frontdesk-Secret";

fn visitor_path(relay: &RelayProc, conversation: &str, file: &str) -> String {
    format!("/v1/sites/{}/files/{conversation}/{file}", relay.site)
}

fn desk_path(conversation: &str, file: &str) -> String {
    format!("/v1/desk/files/{conversation}/{file}")
}

async fn visitor_put(relay: &RelayProc, v: &TestVisitor, file: &str, bytes: &[u8]) -> HttpResponse {
    put_as_visitor(relay, &v.conversation, &v.secret, file, bytes).await
}

async fn put_as_visitor(
    relay: &RelayProc,
    conversation: &str,
    secret: &str,
    file: &str,
    bytes: &[u8],
) -> HttpResponse {
    http_request(
        relay.port,
        "PUT",
        &visitor_path(relay, conversation, file),
        &[
            (SECRET, secret),
            ("Content-Type", "application/octet-stream"),
        ],
        Some(bytes),
    )
    .await
}

async fn visitor_get(relay: &RelayProc, v: &TestVisitor, file: &str) -> HttpResponse {
    http_request(
        relay.port,
        "GET",
        &visitor_path(relay, &v.conversation, file),
        &[(SECRET, &v.secret)],
        None,
    )
    .await
}

async fn desk_put(relay: &RelayProc, conversation: &str, file: &str, bytes: &[u8]) -> HttpResponse {
    let auth = format!("Bearer {}", relay.token);
    http_request(
        relay.port,
        "PUT",
        &desk_path(conversation, file),
        &[("Authorization", &auth)],
        Some(bytes),
    )
    .await
}

async fn desk_get(relay: &RelayProc, conversation: &str, file: &str) -> HttpResponse {
    let auth = format!("Bearer {}", relay.token);
    http_request(
        relay.port,
        "GET",
        &desk_path(conversation, file),
        &[("Authorization", &auth)],
        None,
    )
    .await
}

fn assert_refused(r: &HttpResponse, status: u16, code: &str, what: &str) {
    assert_eq!(
        (r.status, r.code().as_str()),
        (status, code),
        "{what}: {}",
        r.text()
    );
}

fn assert_created(r: &HttpResponse, id: &str, size: usize) {
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json(), serde_json::json!({"id": id, "size": size}));
}

/// A desk that said hello and a visitor whose conversation it has seen start.
async fn conversation(relay: &RelayProc) -> (TestDesk, TestVisitor) {
    let mut desk = TestDesk::hello(relay).await;
    let mut v = TestVisitor::new(&desk.key.public_b64());
    let (id, ack) = v.start(relay, "hello").await;
    assert_eq!(ack["t"], "ack", "{ack}");
    desk.event_for(&id).await;
    (desk, v)
}

/// The relay's rows for its files: (conversation, id, side, size, sha256, data).
type FileRow = (String, String, String, i64, String, Vec<u8>);

fn file_rows(relay: &RelayProc) -> Vec<FileRow> {
    relay
        .db()
        .prepare(
            "SELECT conversation, id, side, size, sha256, data FROM files ORDER BY created_at, id",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Every file under the relay's data directory (the database, its WAL and journal, its keys,
/// the test's logs), as bytes.
fn every_file_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(every_file_under(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
    out
}

/// A picture-sized plaintext with a marker all through it.
fn planted(marker: &str, len: usize) -> Vec<u8> {
    marker.bytes().cycle().take(len).collect()
}

#[tokio::test]
async fn both_sides_upload_and_download_and_the_relay_keeps_only_ciphertext() {
    let relay = RelayProc::start(&[]);
    let (mut desk, mut v) = conversation(&relay).await;

    // The visitor uploads a sealed 200 KB picture, then sends the message that names it.
    let picture = planted("PLANTED-FILE-VISITOR-4b1e ", 200_000);
    let vf = ulid();
    let sealed_v = v.conversation_key().seal_file(&vf, Side::Visitor, &picture);
    assert!(!contains(&sealed_v, "PLANTED-FILE-VISITOR"), "control");
    assert_created(
        &visitor_put(&relay, &v, &vf, &sealed_v).await,
        &vf,
        sealed_v.len(),
    );
    let file_ref = FileRef {
        id: vf.clone(),
        name: "x-ray.png".into(),
        mime: "image/png".into(),
        size: picture.len() as u64,
    };
    let m = ulid();
    let body = Body {
        text: "my x-ray".into(),
        files: vec![file_ref.clone()],
        ..Body::default()
    };
    v.send(&frontdesk_proto::wire::VisitorIn::Send {
        id: m.clone(),
        body: v.seal(&m, &body),
    })
    .await;
    assert_eq!(v.answer_for(&m).await["t"], "ack");

    // The desk reads the message, learns the file from it, fetches and opens it.
    let event = desk.event_for(&m).await;
    assert_eq!(desk.open(&event).files, [file_ref]);
    let got = desk_get(&relay, &v.conversation, &vf).await;
    assert_eq!(got.status, 200, "{}", got.text());
    assert_eq!(got.header("content-type"), Some("application/octet-stream"));
    assert_eq!(got.header("cache-control"), Some("no-store"));
    assert!(got.body == sealed_v, "the desk gets the bytes as uploaded");
    let dk = desk
        .key
        .conversation_key(&v.key.public_b64(), &v.conversation)
        .unwrap();
    assert_eq!(
        *dk.open_file(&vf, Side::Visitor, &got.body).unwrap(),
        picture
    );

    // The desk uploads a small PDF and replies with it; the visitor fetches both files.
    let pdf = b"%PDF-1.4 PLANTED-FILE-DESK-93c2 instructions %%EOF".to_vec();
    let df = ulid();
    let sealed_d = dk.seal_file(&df, Side::Desk, &pdf);
    assert_created(
        &desk_put(&relay, &v.conversation, &df, &sealed_d).await,
        &df,
        sealed_d.len(),
    );
    let (r, stored) = desk
        .reply(
            &v.conversation,
            &Body {
                text: "instructions attached".into(),
                files: vec![FileRef {
                    id: df.clone(),
                    name: "instructions.pdf".into(),
                    mime: "application/pdf".into(),
                    size: pdf.len() as u64,
                }],
                ..Body::default()
            },
        )
        .await;
    assert_eq!(stored["t"], "stored");
    let reply = v.next_where("the reply", |f| f["t"] == "msg").await;
    assert_eq!(reply["id"], r.as_str());
    assert_eq!(v.open(&reply).files[0].id, df);
    let got = visitor_get(&relay, &v, &df).await;
    assert_eq!(got.status, 200, "{}", got.text());
    assert_eq!(got.header("cache-control"), Some("no-store"));
    assert_eq!(
        *v.conversation_key()
            .open_file(&df, Side::Desk, &got.body)
            .unwrap(),
        pdf
    );
    // After a reload the widget fetches its own files too.
    assert!(visitor_get(&relay, &v, &vf).await.body == sealed_v);

    // What the relay holds: the sealed bytes as uploaded, their size, hash and side.
    let rows = file_rows(&relay);
    assert_eq!(rows.len(), 2);
    for ((conv, id, side, size, sha, data), (want_id, want_side, want)) in rows
        .iter()
        .zip([(&vf, "visitor", &sealed_v), (&df, "desk", &sealed_d)])
    {
        assert_eq!(
            (conv, id, side.as_str()),
            (&v.conversation, want_id, want_side)
        );
        assert_eq!(*size as usize, want.len());
        assert_eq!(*sha, hex_sha(want));
        assert!(data == want, "the stored bytes are the sealed bytes");
    }
    // Control: the search finds what is there (the small file sits whole in one page).
    assert!(contains(&relay.db_bytes(), &hex_sha(&sealed_d)), "control");
    assert!(
        relay
            .db_bytes()
            .windows(sealed_d.len())
            .any(|w| w == sealed_d.as_slice()),
        "control: the desk's sealed file is in relay.db or its WAL"
    );
    // No plaintext in any file under the data directory.
    for (path, bytes) in every_file_under(relay.dir.path()) {
        for marker in ["PLANTED-FILE-VISITOR", "PLANTED-FILE-DESK", "x-ray.png"] {
            assert!(
                !contains(&bytes, marker),
                "{marker} is in {}",
                path.display()
            );
        }
    }
}

fn hex_sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test]
async fn wrong_askers_bad_ids_and_bad_bodies_are_refused() {
    let relay = RelayProc::start(&[]);
    let (_desk, v) = conversation(&relay).await;
    let key = v.conversation_key();
    let f = ulid();
    let sealed = key.seal_file(&f, Side::Visitor, b"a small picture");

    // Who asks: the conversation's secret, the site's desk token.
    let wrong_secret = frontdesk_proto::ids::random_b64(32);
    let r = put_as_visitor(&relay, &v.conversation, &wrong_secret, &f, &sealed).await;
    assert_refused(&r, 403, "relay.bad_secret", "wrong secret");
    let r = http_request(
        relay.port,
        "PUT",
        &visitor_path(&relay, &v.conversation, &f),
        &[],
        Some(&sealed),
    )
    .await;
    assert_refused(&r, 403, "relay.bad_secret", "no secret");
    let r = http_request(
        relay.port,
        "PUT",
        &desk_path(&v.conversation, &f),
        &[("Authorization", &format!("Bearer {}x", relay.token))],
        Some(&sealed),
    )
    .await;
    assert_refused(&r, 401, "relay.bad_token", "wrong token");
    let r = http_request(
        relay.port,
        "GET",
        &desk_path(&v.conversation, &f),
        &[],
        None,
    )
    .await;
    assert_refused(&r, 401, "relay.bad_token", "no token");
    let r = put_as_visitor(&relay, &ulid(), &v.secret, &f, &sealed).await;
    assert_refused(
        &r,
        404,
        "relay.unknown_conversation",
        "unknown conversation",
    );
    let r = desk_put(&relay, &ulid(), &f, &sealed).await;
    assert_refused(
        &r,
        404,
        "relay.unknown_conversation",
        "desk: unknown conversation",
    );
    let r = http_request(
        relay.port,
        "PUT",
        &format!("/v1/sites/aaaaaaaaaaaaaaaa/files/{}/{f}", v.conversation),
        &[(SECRET, &v.secret)],
        Some(&sealed),
    )
    .await;
    assert_refused(&r, 404, "relay.unknown_site", "unknown site");

    // Ids must be ULIDs.
    let r = put_as_visitor(&relay, &v.conversation, &v.secret, "not-a-ulid", &sealed).await;
    assert_refused(&r, 400, "relay.bad_request", "bad file id");
    let r = put_as_visitor(&relay, "not-a-ulid", &v.secret, &f, &sealed).await;
    assert_refused(&r, 400, "relay.bad_request", "bad conversation id");
    let r = desk_put(&relay, &v.conversation, "../etc/passwd", &sealed).await;
    assert!(matches!(r.status, 400 | 404), "{}", r.status);

    // Bodies: empty, too short to be sealed.
    let r = visitor_put(&relay, &v, &f, b"").await;
    assert_refused(&r, 400, "relay.bad_request", "empty");
    let r = visitor_put(&relay, &v, &f, &[1u8; 27]).await;
    assert_refused(
        &r,
        400,
        "relay.bad_request",
        "shorter than a nonce and a tag",
    );

    // Nothing of the above was stored.
    assert_refused(
        &visitor_get(&relay, &v, &f).await,
        404,
        "relay.unknown_file",
        "unknown file",
    );
    assert_refused(
        &desk_get(&relay, &v.conversation, &f).await,
        404,
        "relay.unknown_file",
        "desk: unknown file",
    );
    assert!(file_rows(&relay).is_empty());

    // Stored once; the same bytes again are answered the same, other bytes are a conflict.
    assert_created(
        &visitor_put(&relay, &v, &f, &sealed).await,
        &f,
        sealed.len(),
    );
    assert_created(
        &visitor_put(&relay, &v, &f, &sealed).await,
        &f,
        sealed.len(),
    );
    let other = key.seal_file(&f, Side::Visitor, b"another picture");
    assert_refused(
        &visitor_put(&relay, &v, &f, &other).await,
        409,
        "relay.conflict",
        "other bytes, same id",
    );
    // The desk can't overwrite the visitor's file either (nor store the same bytes as its own).
    assert_refused(
        &desk_put(&relay, &v.conversation, &f, &sealed).await,
        409,
        "relay.conflict",
        "the desk, same id",
    );
    let rows = file_rows(&relay);
    assert_eq!(rows.len(), 1, "one copy");
    assert!(rows[0].5 == sealed);
    // A wrong secret reads nothing either.
    let r = http_request(
        relay.port,
        "GET",
        &visitor_path(&relay, &v.conversation, &f),
        &[(SECRET, &wrong_secret)],
        None,
    )
    .await;
    assert_refused(&r, 403, "relay.bad_secret", "download, wrong secret");
}

#[tokio::test]
async fn the_browser_may_call_the_visitor_file_endpoints_from_the_clinic_page() {
    let relay = RelayProc::start(&[]);
    let (_desk, v) = conversation(&relay).await;
    let f = ulid();
    let preflight = http_request(
        relay.port,
        "OPTIONS",
        &visitor_path(&relay, &v.conversation, &f),
        &[
            ("Origin", "https://clinic.example"),
            ("Access-Control-Request-Method", "PUT"),
            (
                "Access-Control-Request-Headers",
                "x-frontdesk-secret, content-type",
            ),
        ],
        None,
    )
    .await;
    assert_eq!(preflight.status, 200, "{}", preflight.text());
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    let methods = preflight
        .header("access-control-allow-methods")
        .unwrap_or_default()
        .to_ascii_uppercase();
    assert!(
        methods.contains("PUT") && methods.contains("GET"),
        "{methods}"
    );
    let allowed = preflight
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        allowed.contains("x-frontdesk-secret") && allowed.contains("content-type"),
        "{allowed}"
    );

    let sealed = v
        .conversation_key()
        .seal_file(&f, Side::Visitor, b"picture");
    let r = http_request(
        relay.port,
        "PUT",
        &visitor_path(&relay, &v.conversation, &f),
        &[(SECRET, &v.secret), ("Origin", "https://clinic.example")],
        Some(&sealed),
    )
    .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
}

/// Sends the head of a PUT and then up to `total` bytes of body, chunked when `declared` is
/// `None`, while reading the answer; returns it, how many body bytes had been written when it
/// came, and how many the relay let through in all before it closed the connection.
async fn put_streaming(
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
    declared: Option<usize>,
    total: usize,
) -> (HttpResponse, usize, usize) {
    let s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let (mut rd, mut wr) = s.into_split();
    let mut head = format!("PUT {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    match declared {
        Some(n) => head.push_str(&format!("Content-Length: {n}\r\n\r\n")),
        None => head.push_str("Transfer-Encoding: chunked\r\n\r\n"),
    }
    wr.write_all(head.as_bytes()).await.unwrap();
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let chunked = declared.is_none();
    let writer = tokio::spawn(async move {
        let chunk = vec![0x5au8; 64 * 1024];
        let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
        framed.extend_from_slice(&chunk);
        framed.extend_from_slice(b"\r\n");
        while counter.load(Ordering::SeqCst) < total {
            let w = if chunked {
                wr.write_all(&framed).await
            } else {
                wr.write_all(&chunk).await
            };
            if w.is_err() {
                return;
            }
            counter.fetch_add(chunk.len(), Ordering::SeqCst);
        }
        if chunked {
            let _ = wr.write_all(b"0\r\n\r\n").await;
        }
    });
    // Read until the head and the (small) JSON body are in.
    let mut raw = vec![];
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + WAIT;
    let sent_then = loop {
        let n = tokio::time::timeout_at(deadline, rd.read(&mut buf))
            .await
            .expect("an answer in time")
            .unwrap_or(0);
        raw.extend_from_slice(&buf[..n]);
        let complete = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .is_some_and(|p| raw[p + 4..].ends_with(b"}"));
        if complete || n == 0 {
            break sent.load(Ordering::SeqCst);
        }
    };
    // The relay closes the connection rather than draining the rest: the writer fails.
    tokio::time::timeout(WAIT, writer)
        .await
        .expect("the writer stops: the relay closed the connection")
        .unwrap();
    (parse_response(&raw), sent_then, sent.load(Ordering::SeqCst))
}

#[tokio::test]
async fn an_oversized_file_is_refused_without_reading_it_whole() {
    let relay = RelayProc::start(&[]);
    let (mut desk, v) = conversation(&relay).await;
    let path = visitor_path(&relay, &v.conversation, &ulid());
    let headers = [(SECRET, v.secret.as_str())];
    const FIFTY_MB: usize = 50_000_000;

    // A declared 50 MB: refused on the head. (What was sent meanwhile sits in socket buffers,
    // a few MB on loopback at most.)
    let (r, sent, total) =
        put_streaming(relay.port, &path, &headers, Some(FIFTY_MB), FIFTY_MB).await;
    assert_refused(&r, 413, "relay.too_large", "declared 50 MB");
    assert!(sent < FIFTY_MB / 4, "the answer came after {sent} bytes");
    assert!(total < FIFTY_MB / 4, "{total} bytes went through");

    // 50 MB with no declared length: the relay stops at its limit (10 MiB + 28 by default).
    let (r, sent, total) = put_streaming(relay.port, &path, &headers, None, FIFTY_MB).await;
    assert_refused(&r, 413, "relay.too_large", "chunked 50 MB");
    assert!(sent < FIFTY_MB / 2, "the answer came after {sent} bytes");
    assert!(total < FIFTY_MB / 2, "{total} bytes went through");
    assert!(file_rows(&relay).is_empty());

    // The site's own limit: the desk takes at most 1,000 bytes per file (the relay serves it).
    let config = relay.config().await.json();
    assert_eq!(config["max_file"], 10_485_760, "the default");
    desk.send(&DeskIn::Config {
        config: SiteConfig {
            max_file: 1000,
            ..site_config(&desk.key, true)
        },
    })
    .await;
    desk.sync().await;
    assert_eq!(relay.config().await.json()["max_file"], 1000);
    let key = v.conversation_key();
    let f = ulid();
    let fits = key.seal_file(&f, Side::Visitor, &[7u8; 1000]);
    assert_created(&visitor_put(&relay, &v, &f, &fits).await, &f, 1028);
    let g = ulid();
    let over = key.seal_file(&g, Side::Visitor, &[7u8; 1001]);
    assert_refused(
        &visitor_put(&relay, &v, &g, &over).await,
        413,
        "relay.too_large",
        "1,001 bytes",
    );
    let r = desk_put(&relay, &v.conversation, &g, &over).await;
    assert_refused(&r, 413, "relay.too_large", "the desk too");
}

#[tokio::test]
async fn a_desk_cannot_raise_the_relays_file_cap() {
    let relay = RelayProc::start(&["--max-file-bytes", "2000"]);
    let (mut desk, v) = conversation(&relay).await;
    desk.send(&DeskIn::Config {
        config: SiteConfig {
            max_file: 50_000_000,
            ..site_config(&desk.key, true)
        },
    })
    .await;
    desk.sync().await;
    assert_eq!(relay.config().await.json()["max_file"], 2000);
    let f = ulid();
    let over = v
        .conversation_key()
        .seal_file(&f, Side::Visitor, &[1u8; 2001]);
    assert_refused(
        &visitor_put(&relay, &v, &f, &over).await,
        413,
        "relay.too_large",
        "over the relay's cap",
    );
}

#[tokio::test]
async fn upload_floods_are_limited_per_conversation_per_address_and_per_day() {
    // Ten a minute per conversation (the default); the eleventh waits.
    let relay = RelayProc::start(&[]);
    let (_desk, v) = conversation(&relay).await;
    let key = v.conversation_key();
    for n in 0..10 {
        let f = ulid();
        let sealed = key.seal_file(&f, Side::Visitor, b"picture");
        assert_eq!(
            visitor_put(&relay, &v, &f, &sealed).await.status,
            201,
            "{n}"
        );
    }
    let f = ulid();
    let sealed = key.seal_file(&f, Side::Visitor, b"picture");
    let r = visitor_put(&relay, &v, &f, &sealed).await;
    assert_refused(&r, 429, "relay.rate_limited", "the eleventh");
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    // The desk shares the conversation's budget.
    let r = desk_put(&relay, &v.conversation, &f, &sealed).await;
    assert_refused(&r, 429, "relay.rate_limited", "the desk in the same minute");
    assert_eq!(file_rows(&relay).len(), 10);

    // Per address, over conversations.
    let relay = RelayProc::start(&["--file-uploads-per-ip-per-minute", "3"]);
    let (desk, a) = conversation(&relay).await;
    let mut b = TestVisitor::new(&desk.key.public_b64());
    assert_eq!(b.start(&relay, "hi").await.1["t"], "ack");
    for (n, v) in [&a, &b, &a].into_iter().enumerate() {
        let f = ulid();
        let sealed = v.conversation_key().seal_file(&f, Side::Visitor, b"p");
        assert_eq!(visitor_put(&relay, v, &f, &sealed).await.status, 201, "{n}");
    }
    let f = ulid();
    let sealed = b.conversation_key().seal_file(&f, Side::Visitor, b"p");
    let r = visitor_put(&relay, &b, &f, &sealed).await;
    assert_refused(&r, 429, "relay.rate_limited", "the fourth from one address");
    assert!(r.header("retry-after").is_some());
    // The desk is not a visitor address.
    assert_eq!(
        desk_put(&relay, &b.conversation, &f, &sealed).await.status,
        201
    );

    // Bytes per day: room for two files of 1,028 sealed bytes.
    let relay = RelayProc::start(&[
        "--max-file-bytes",
        "1000",
        "--file-bytes-per-conversation-per-day",
        "2100",
    ]);
    let (_desk, v) = conversation(&relay).await;
    let key = v.conversation_key();
    let first = ulid();
    let first_sealed = key.seal_file(&first, Side::Visitor, &[3u8; 1000]);
    assert_eq!(
        visitor_put(&relay, &v, &first, &first_sealed).await.status,
        201
    );
    let f = ulid();
    let sealed = key.seal_file(&f, Side::Visitor, &[3u8; 1000]);
    assert_eq!(visitor_put(&relay, &v, &f, &sealed).await.status, 201);
    let f = ulid();
    let sealed = key.seal_file(&f, Side::Visitor, &[3u8; 1000]);
    let r = visitor_put(&relay, &v, &f, &sealed).await;
    assert_refused(&r, 429, "relay.rate_limited", "past the day's bytes");
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(wait >= 1, "Retry-After {wait}");
    // A retry of a stored upload is answered from the store and costs nothing.
    assert_created(
        &visitor_put(&relay, &v, &first, &first_sealed).await,
        &first,
        1028,
    );
}

/// Whether any stretch of `sealed` (64 bytes, sampled every 4 KB across it) is still in the
/// relay's database or its WAL.
fn any_of_it_on_disk(relay: &RelayProc, sealed: &[u8]) -> bool {
    let disk = relay.db_bytes();
    let n = sealed.len().min(64);
    (0..=sealed.len() - n)
        .step_by(4096)
        .any(|at| disk.windows(n).any(|w| w == &sealed[at..at + n]))
}

#[tokio::test]
async fn deleting_a_reply_and_forgetting_a_conversation_delete_its_files() {
    let relay = RelayProc::start(&[]);
    let (mut desk, v) = conversation(&relay).await;
    let vk = v.conversation_key();
    let dk = desk
        .key
        .conversation_key(&v.key.public_b64(), &v.conversation)
        .unwrap();
    let vf = ulid();
    let visitor_file = vk.seal_file(&vf, Side::Visitor, &planted("VISITOR ", 30_000));
    assert_eq!(
        visitor_put(&relay, &v, &vf, &visitor_file).await.status,
        201
    );
    let (d1, d2) = (ulid(), ulid());
    let desk_1 = dk.seal_file(&d1, Side::Desk, b"the first desk file");
    let desk_2 = dk.seal_file(&d2, Side::Desk, b"the second desk file");
    for (id, bytes) in [(&d1, &desk_1), (&d2, &desk_2)] {
        assert_eq!(
            desk_put(&relay, &v.conversation, id, bytes).await.status,
            201
        );
    }
    let (r, stored) = desk
        .reply(
            &v.conversation,
            &Body {
                text: "wrong file, sorry".into(),
                ..Body::default()
            },
        )
        .await;
    assert_eq!(stored["t"], "stored");
    assert!(any_of_it_on_disk(&relay, &desk_1), "control");

    // Deleting the reply takes the desk's files it names, not the visitor's.
    let answer = desk
        .delete_with_files(&v.conversation, &r, &[&d1, &vf])
        .await;
    assert_eq!(answer["t"], "stored", "{answer}");
    assert_refused(
        &desk_get(&relay, &v.conversation, &d1).await,
        404,
        "relay.unknown_file",
        "the deleted reply's file",
    );
    assert!(!any_of_it_on_disk(&relay, &desk_1), "its bytes are gone");
    assert_eq!(desk_get(&relay, &v.conversation, &d2).await.status, 200);
    assert_eq!(desk_get(&relay, &v.conversation, &vf).await.status, 200);
    // Malformed file ids in a delete are refused, and nothing is deleted.
    desk.send(&DeskIn::Delete {
        conversation: v.conversation.clone(),
        id: r.clone(),
        files: vec!["nope".into()],
    })
    .await;
    // (A delete already done is answered as stored; this one is refused before the store.)
    assert_eq!(desk.answer_for(&r).await["code"], "relay.bad_request");

    // Forgetting the conversation takes all of its files, from the database and its WAL.
    assert!(any_of_it_on_disk(&relay, &visitor_file), "control");
    desk.send(&DeskIn::Forget {
        conversation: v.conversation.clone(),
    })
    .await;
    desk.next_where("forgotten", |f| f["t"] == "forgotten")
        .await;
    for id in [&vf, &d2] {
        assert_refused(
            &desk_get(&relay, &v.conversation, id).await,
            404,
            "relay.unknown_file",
            "after forget",
        );
    }
    assert_refused(
        &visitor_get(&relay, &v, &vf).await,
        404,
        "relay.unknown_conversation",
        "the visitor after forget",
    );
    assert!(file_rows(&relay).is_empty());
    for (what, bytes) in [("visitor", &visitor_file), ("desk", &desk_2)] {
        assert!(!any_of_it_on_disk(&relay, bytes), "the {what} file's bytes");
    }
    assert!(!contains(&relay.db_bytes(), &hex_sha(&visitor_file)));
    assert!(!contains(&relay.db_bytes(), &secret_hash(&v.secret)));
}

#[tokio::test]
async fn the_retention_sweep_deletes_an_idle_conversations_files() {
    let relay = RelayProc::in_process().await;
    let (_desk, v) = conversation(&relay).await;
    let (_desk2, w) = conversation(&relay).await;
    let key = v.conversation_key();
    // One file a message named and one never named: both go with the conversation.
    let (named, unnamed) = (ulid(), ulid());
    let sealed_named = key.seal_file(&named, Side::Visitor, &planted("NAMED ", 10_000));
    let sealed_unnamed = key.seal_file(&unnamed, Side::Visitor, b"never named");
    for (id, bytes) in [(&named, &sealed_named), (&unnamed, &sealed_unnamed)] {
        assert_eq!(visitor_put(&relay, &v, id, bytes).await.status, 201);
    }
    let keep = ulid();
    let sealed_keep = w
        .conversation_key()
        .seal_file(&keep, Side::Visitor, b"still active");
    assert_eq!(
        visitor_put(&relay, &w, &keep, &sealed_keep).await.status,
        201
    );

    // A sweep now keeps everything; once v's conversation is past retention, it goes.
    let inner = relay.relay.clone().unwrap();
    inner.retention().await.unwrap();
    assert_eq!(file_rows(&relay).len(), 3);
    {
        let db = rusqlite::Connection::open(relay.db_path()).unwrap();
        db.busy_timeout(Duration::from_secs(10)).unwrap();
        db.execute(
            "UPDATE conversations SET last_at = 0 WHERE id = ?1",
            [&v.conversation],
        )
        .unwrap();
    }
    inner.retention().await.unwrap();
    let rows = file_rows(&relay);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1, keep);
    assert_refused(
        &desk_get(&relay, &v.conversation, &named).await,
        404,
        "relay.unknown_file",
        "after retention",
    );
    assert_eq!(visitor_get(&relay, &w, &keep).await.status, 200);
    assert!(!any_of_it_on_disk(&relay, &sealed_named));
    assert!(!any_of_it_on_disk(&relay, &sealed_unnamed));
}

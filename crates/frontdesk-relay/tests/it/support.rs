//! The pieces every test uses: the real relay binary as a child process, a raw HTTP/1.1 client,
//! and a desk and a visitor that speak the wire protocol the way the desk app and the widget do.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use frontdesk_proto::crypto::{Body, ConversationKey, DeskKey, Side, VisitorKey};
use frontdesk_proto::wire::{Consent, DeskIn, SiteConfig, StaffPresence, VisitorIn};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::Message;

pub const BIN: &str = env!("CARGO_BIN_EXE_frontdesk-relay");

/// How long any single wait in a test may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// Serve flags every test relay gets unless the test gives its own value: fast proofs-of-work
/// and limits far above what a test does by accident (the tests all come from 127.0.0.1).
const DEFAULTS: [(&str, &str); 5] = [
    ("--pow-max-number", "1000"),
    ("--min-fill-ms", "500"),
    ("--new-conversations-per-ip-per-minute", "1000"),
    ("--messages-per-conversation-per-minute", "1000"),
    ("--file-uploads-per-ip-per-minute", "1000"),
];

pub fn ulid() -> String {
    ulid::Ulid::new().to_string()
}

/// Runs `frontdesk-relay --data DIR ARGS…` to completion.
pub fn run_cli(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("--data")
        .arg(dir)
        .args(args)
        .output()
        .expect("run frontdesk-relay")
}

/// `site add NAME`: the site id and desk token it printed.
pub fn site_add(dir: &Path, name: &str) -> (String, String) {
    let out = run_cli(dir, &["site", "add", name]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "site add failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_else(|| panic!("no `{name}` line in: {text}"))
            .trim()
            .to_owned()
    };
    (field("site id:"), field("desk token:"))
}

/// The relay binary serving a data directory, killed (SIGKILL) when dropped.
pub struct RelayProc {
    child: Option<Child>,
    /// Kept open so the relay can never hit a closed stdout.
    _stdout: Option<BufReader<ChildStdout>>,
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub site: String,
    pub token: String,
    pub https: bool,
    /// The client side of TLS (trusting the test's certificate) for an https relay.
    pub client_tls: Option<Arc<rustls::ClientConfig>>,
    args: Vec<String>,
    starts: usize,
    /// Set for a relay run inside the test (`in_process`), which a test can call directly.
    pub relay: Option<Arc<frontdesk_relay::Relay>>,
    handle: Option<frontdesk_relay::Handle<std::net::SocketAddr>>,
}

impl Drop for RelayProc {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.shutdown();
        }
        self.kill9();
        if std::thread::panicking() {
            for n in 0..self.starts {
                if let Ok(log) = std::fs::read_to_string(self.log(n)) {
                    if !log.is_empty() {
                        eprintln!("--- relay stderr (start {n}) ---\n{log}");
                    }
                }
            }
        }
    }
}

impl RelayProc {
    /// A fresh data directory with one site ("Test Clinic"), served on 127.0.0.1 with the test
    /// defaults and `flags`.
    pub fn start(flags: &[&str]) -> RelayProc {
        RelayProc::start_on("127.0.0.1:0", flags)
    }

    /// The same on another listen address.
    pub fn start_on(listen: &str, flags: &[&str]) -> RelayProc {
        let dir = tempfile::tempdir().unwrap();
        let (site, token) = site_add(dir.path(), "Test Clinic");
        let mut args: Vec<String> = vec![];
        for (flag, value) in DEFAULTS {
            if !flags.contains(&flag) {
                args.extend([flag.to_owned(), value.to_owned()]);
            }
        }
        args.extend(flags.iter().map(|f| f.to_string()));
        let https = flags.contains(&"--tls-cert");
        let mut relay = RelayProc {
            child: None,
            _stdout: None,
            dir,
            port: 0,
            site,
            token,
            https,
            client_tls: None,
            args,
            starts: 0,
            relay: None,
            handle: None,
        };
        relay.spawn(listen);
        relay
    }

    /// The relay inside this test's runtime on 127.0.0.1, with the test defaults, for what
    /// only the library can be asked (a retention sweep now). It can't be killed or restarted.
    pub async fn in_process() -> RelayProc {
        let dir = tempfile::tempdir().unwrap();
        let settings = frontdesk_relay::Settings {
            pow_max_number: 1000,
            min_fill_ms: 500,
            new_conversations_per_ip_per_minute: 1000,
            messages_per_conversation_per_minute: 1000,
            file_uploads_per_ip_per_minute: 1000,
            ..frontdesk_relay::Settings::default()
        };
        let relay = frontdesk_relay::open(dir.path(), settings).unwrap();
        let (site, token) = relay.add_site("Test Clinic").unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = frontdesk_relay::Handle::new();
        tokio::spawn(frontdesk_relay::serve(
            relay.clone(),
            listener,
            frontdesk_relay::Listen::Plain,
            handle.clone(),
        ));
        RelayProc {
            child: None,
            _stdout: None,
            dir,
            port,
            site,
            token,
            https: false,
            client_tls: None,
            args: vec![],
            starts: 0,
            relay: Some(relay),
            handle: Some(handle),
        }
    }

    fn log(&self, n: usize) -> PathBuf {
        self.dir.path().join(format!("stderr-{n}.log"))
    }

    fn spawn(&mut self, listen: &str) {
        // A port just freed by a killed relay can take a moment to be bindable again.
        let deadline = Instant::now() + WAIT;
        loop {
            let log = std::fs::File::create(self.log(self.starts)).unwrap();
            self.starts += 1;
            let mut child = Command::new(BIN)
                .arg("--data")
                .arg(self.dir.path())
                .args(["serve", "--listen", listen])
                .args(&self.args)
                .stdout(Stdio::piped())
                .stderr(log)
                .spawn()
                .expect("spawn frontdesk-relay");
            let mut stdout = BufReader::new(child.stdout.take().unwrap());
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            if let Some(addr) = line.trim().strip_prefix("frontdesk-relay listening on ") {
                let scheme = if self.https { "https://" } else { "http://" };
                let addr = addr
                    .strip_prefix(scheme)
                    .unwrap_or_else(|| panic!("expected a {scheme} address: {line}"));
                self.port = addr.rsplit(':').next().unwrap().parse().unwrap();
                self.child = Some(child);
                self._stdout = Some(stdout);
                return;
            }
            let _ = child.kill();
            let _ = child.wait();
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(self.log(self.starts - 1)).unwrap_or_default();
                panic!("the relay did not start: {line:?} {log}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGKILL: no shutdown, no flush; what was committed is all that survives.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self._stdout = None;
    }

    /// Starts the relay again on the same data directory and port.
    pub fn restart(&mut self) {
        self.kill9();
        let listen = format!("127.0.0.1:{}", self.port);
        self.spawn(&listen);
    }

    pub fn ws_url(&self, path: &str) -> String {
        let scheme = if self.https { "wss" } else { "ws" };
        format!("{scheme}://127.0.0.1:{}{path}", self.port)
    }

    pub fn visitor_path(&self) -> String {
        format!("/v1/sites/{}/visitor", self.site)
    }

    /// An HTTP (or, on an https relay, HTTPS) GET on this relay.
    pub async fn get(&self, path: &str) -> HttpResponse {
        match &self.client_tls {
            Some(tls) => {
                let (port, path, tls) = (self.port, path.to_owned(), tls.clone());
                tokio::task::spawn_blocking(move || https_get(port, &path, tls))
                    .await
                    .unwrap()
            }
            None => http_get(self.port, path, &[]).await,
        }
    }

    /// Opens a WebSocket on this relay (through TLS on an https relay).
    pub async fn ws(&self, req: Request) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
        let connector = self
            .client_tls
            .clone()
            .map(tokio_tungstenite::Connector::Rustls);
        tokio::time::timeout(
            WAIT,
            tokio_tungstenite::connect_async_tls_with_config(req, None, false, connector),
        )
        .await
        .expect("WebSocket handshake in time")
        .map(|(ws, _)| ws)
    }

    pub async fn config(&self) -> HttpResponse {
        self.get(&format!("/v1/sites/{}/config", self.site)).await
    }

    /// A solved proof-of-work for this relay, as the widget sends it.
    pub async fn pow(&self) -> String {
        let r = self
            .get(&format!("/v1/sites/{}/challenge", self.site))
            .await;
        assert_eq!(r.status, 200, "challenge: {}", r.text());
        solve_pow(&r.text())
    }

    /// A new visitor socket (not yet bound to a conversation).
    pub async fn visitor_ws(&self) -> Ws {
        self.ws(self.visitor_request(None)).await.unwrap()
    }

    /// The visitor socket request, optionally as if a proxy said the visitor is at `ip`.
    pub fn visitor_request(&self, forwarded_for: Option<&str>) -> Request {
        let mut req = self
            .ws_url(&self.visitor_path())
            .into_client_request()
            .unwrap();
        if let Some(ip) = forwarded_for {
            req.headers_mut()
                .insert("x-forwarded-for", ip.parse().unwrap());
        }
        req
    }

    /// The desk socket request with `Authorization: Bearer TOKEN`.
    pub fn desk_request(&self, token: Option<&str>) -> Request {
        let mut req = self.ws_url("/v1/desk").into_client_request().unwrap();
        if let Some(t) = token {
            req.headers_mut()
                .insert("authorization", format!("Bearer {t}").parse().unwrap());
        }
        req
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("relay.db")
    }

    /// relay.db and relay.db-wal, as bytes.
    pub fn db_bytes(&self) -> Vec<u8> {
        let mut all = vec![];
        for f in ["relay.db", "relay.db-wal"] {
            if let Ok(b) = std::fs::read(self.dir.path().join(f)) {
                all.extend(b);
            }
        }
        all
    }

    /// A read-only look into the relay's database (while it runs).
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(
            self.db_path(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap()
    }
}

/// Whether `needle` occurs anywhere in `haystack`.
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Solves an ALTCHA challenge (the JSON the relay served) and builds the payload the widget
/// sends: base64 of `{algorithm, challenge, number, salt, signature}`.
pub fn solve_pow(challenge_json: &str) -> String {
    let c: altcha_lib_rs::Challenge = serde_json::from_str(challenge_json).unwrap();
    let number = altcha_lib_rs::solve_challenge(
        &c.challenge,
        &c.salt,
        Some(c.algorithm),
        Some(c.maxnumber),
        0,
    )
    .unwrap();
    let payload = serde_json::json!({"algorithm": c.algorithm, "challenge": c.challenge,
        "number": number, "salt": c.salt, "signature": c.signature});
    b64(payload.to_string())
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn unb64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// HTTP

pub struct HttpResponse {
    pub status: u16,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The `code` of a JSON error body.
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or("<none>").to_owned()
    }
}

/// The same GET over TLS (rustls, blocking).
pub fn https_get(port: u16, path: &str, tls: Arc<rustls::ClientConfig>) -> HttpResponse {
    use std::io::{Read, Write};
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let conn = rustls::ClientConnection::new(tls, name).unwrap();
    let sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(WAIT)).unwrap();
    let mut s = rustls::StreamOwned::new(conn, sock);
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = vec![];
    match s.read_to_end(&mut raw) {
        Ok(_) => {}
        // A server may close without a TLS close_notify after `Connection: close`.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !raw.is_empty() => {}
        Err(e) => panic!("HTTPS GET {path}: {e}"),
    }
    parse_response(&raw)
}

/// A hand-written HTTP/1.1 GET to 127.0.0.1:port (Connection: close).
pub async fn http_get(port: u16, path: &str, headers: &[(&str, &str)]) -> HttpResponse {
    http_request(port, "GET", path, headers, None).await
}

/// Any method, with a body (sent with its Content-Length) or none.
pub async fn http_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> HttpResponse {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    if let Some(body) = body {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    if let Some(body) = body {
        s.write_all(body).await.unwrap();
    }
    let mut raw = vec![];
    tokio::time::timeout(WAIT, s.read_to_end(&mut raw))
        .await
        .expect("HTTP answer in time")
        .unwrap();
    parse_response(&raw)
}

pub fn parse_response(raw: &[u8]) -> HttpResponse {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP head in {:?}", String::from_utf8_lossy(raw)));
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    if chunked {
        let mut out = vec![];
        let mut rest = &body[..];
        loop {
            let eol = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size_text = std::str::from_utf8(&rest[..eol]).unwrap();
            let size =
                usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
            rest = &rest[eol + 2..];
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[..size]);
            rest = &rest[size + 2..];
        }
        body = out;
    }
    HttpResponse {
        status,
        headers,
        body,
    }
}

// ---------------------------------------------------------------------------------------------
// WebSocket

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn ws_connect(req: Request) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(req))
        .await
        .expect("WebSocket handshake in time")
        .map(|(ws, _)| ws)
}

pub async fn send_json<T: serde::Serialize>(ws: &mut Ws, frame: &T) {
    ws.send(Message::text(serde_json::to_string(frame).unwrap()))
        .await
        .unwrap();
}

/// What one wait on a socket gave.
#[derive(Debug)]
pub enum Recv {
    Frame(Value),
    Closed,
    Quiet,
}

/// The next JSON text frame within `within`.
pub async fn recv_within(ws: &mut Ws, within: Duration) -> Recv {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return Recv::Quiet,
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return Recv::Closed,
            Ok(Some(Ok(Message::Text(t)))) => {
                return Recv::Frame(
                    serde_json::from_str(&t).unwrap_or_else(|e| panic!("not JSON ({e}): {t}")),
                )
            }
            Ok(Some(Ok(_))) => continue,
        }
    }
}

/// The next frame; fails the test on close or silence.
pub async fn recv(ws: &mut Ws) -> Value {
    match recv_within(ws, WAIT).await {
        Recv::Frame(v) => v,
        other => panic!("expected a frame, got {other:?}"),
    }
}

/// Whether the relay closes the socket within `within` (frames before the close are returned).
pub async fn closes_within(ws: &mut Ws, within: Duration) -> (bool, Vec<Value>) {
    let deadline = tokio::time::Instant::now() + within;
    let mut frames = vec![];
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match recv_within(ws, left).await {
            Recv::Frame(f) => frames.push(f),
            Recv::Closed => return (true, frames),
            Recv::Quiet => return (false, frames),
        }
    }
}

/// Frames read from a socket and not yet taken by the test, so a test can wait for one kind of
/// frame without losing the others.
#[derive(Default)]
struct Inbox {
    queue: VecDeque<Value>,
}

impl Inbox {
    async fn next_where(
        &mut self,
        ws: &mut Ws,
        what: &str,
        pred: impl Fn(&Value) -> bool,
        mut seen: impl FnMut(&Value),
    ) -> Value {
        if let Some(i) = self.queue.iter().position(&pred) {
            return self.queue.remove(i).unwrap();
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match recv_within(ws, left).await {
                Recv::Frame(f) => {
                    seen(&f);
                    if pred(&f) {
                        return f;
                    }
                    self.queue.push_back(f);
                }
                other => panic!(
                    "waiting for {what}: {other:?}; unclaimed frames: {:?}",
                    self.queue
                ),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The desk

/// The site config a desk publishes: its key and one staff member.
pub fn site_config(key: &DeskKey, staff_online: bool) -> SiteConfig {
    SiteConfig {
        clinic: "Test Clinic".into(),
        desk_key: key.public_b64(),
        time_zone: "Asia/Phnom_Penh".into(),
        staff: vec![StaffPresence {
            name: "Dara".into(),
            avatar: None,
            online: staff_online,
        }],
        max_text: 4096,
        pow: true,
        ..SiteConfig::default()
    }
}

/// A clinic desk on the desk socket.
pub struct TestDesk {
    pub ws: Ws,
    pub key: DeskKey,
    inbox: Inbox,
    /// Visitor keys by conversation, learned from `started` events.
    visitors: HashMap<String, String>,
}

impl TestDesk {
    /// A desk with a fresh key and one person online, from the start of the log.
    pub async fn hello(relay: &RelayProc) -> TestDesk {
        let key = DeskKey::generate();
        let config = site_config(&key, true);
        TestDesk::connect(relay, key, 0, Some(config))
            .await
            .expect("desk connects")
    }

    /// Connects, says `hello after` (with the config, if any) and waits until the relay has
    /// taken the hello.
    pub async fn connect(
        relay: &RelayProc,
        key: DeskKey,
        after: u64,
        config: Option<SiteConfig>,
    ) -> Result<TestDesk, tokio_tungstenite::tungstenite::Error> {
        let ws = relay.ws(relay.desk_request(Some(&relay.token))).await?;
        let mut desk = TestDesk {
            ws,
            key,
            inbox: Inbox::default(),
            visitors: HashMap::new(),
        };
        desk.send(&DeskIn::Hello { after, config }).await;
        desk.sync().await;
        Ok(desk)
    }

    pub async fn send(&mut self, frame: &DeskIn) {
        send_json(&mut self.ws, frame).await;
    }

    pub async fn send_raw(&mut self, msg: Message) {
        self.ws.send(msg).await.unwrap();
    }

    /// The first frame (queued or new) that `pred` accepts.
    pub async fn next_where(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let visitors = &mut self.visitors;
        self.inbox
            .next_where(&mut self.ws, what, pred, |f| {
                if f["event"]["kind"] == "started" {
                    visitors.insert(
                        f["event"]["conversation"].as_str().unwrap().to_owned(),
                        f["event"]["visitor_key"].as_str().unwrap().to_owned(),
                    );
                }
            })
            .await
    }

    /// The event with this message id.
    pub async fn event_for(&mut self, id: &str) -> Value {
        self.next_where(&format!("the event of {id}"), |f| {
            f["t"] == "event" && f["event"]["id"] == id
        })
        .await
    }

    /// A round trip: every frame the relay sent before the answer is queued, and every frame
    /// this desk sent before has been handled (the relay handles a desk's frames in order).
    pub async fn sync(&mut self) {
        let id = ulid();
        self.send(&DeskIn::Delete {
            conversation: ulid(),
            id: id.clone(),
            files: vec![],
        })
        .await;
        let answer = self
            .next_where("the sync answer", |f| f["id"] == id.as_str())
            .await;
        assert_eq!(answer["code"], "relay.unknown_conversation", "{answer}");
    }

    /// Takes every queued frame (call `sync` first to have everything sent so far).
    pub fn take_queued(&mut self) -> Vec<Value> {
        self.inbox.queue.drain(..).collect()
    }

    /// Tells this desk a conversation's visitor key (as the desk's database would know it).
    pub fn know(&mut self, conversation: &str, visitor_key: &str) {
        self.visitors
            .insert(conversation.to_owned(), visitor_key.to_owned());
    }

    pub async fn ack(&mut self, upto: u64) {
        self.send(&DeskIn::Ack { upto }).await;
    }

    /// Decrypts a `started` or `message` event.
    pub fn open(&self, event: &Value) -> Body {
        let e = &event["event"];
        let conversation = e["conversation"].as_str().unwrap();
        let visitor = self
            .visitors
            .get(conversation)
            .expect("the conversation's started event was seen");
        self.key
            .conversation_key(visitor, conversation)
            .unwrap()
            .open(
                e["id"].as_str().unwrap(),
                Side::Visitor,
                e["body"].as_str().unwrap(),
            )
            .expect("the desk can read what the visitor wrote")
    }

    /// Sends a reply; returns its id and the relay's answer (`stored` or `error`).
    pub async fn reply(&mut self, conversation: &str, body: &Body) -> (String, Value) {
        let id = ulid();
        let answer = self.reply_with_id(conversation, &id, body).await;
        (id, answer)
    }

    pub async fn reply_with_id(&mut self, conversation: &str, id: &str, body: &Body) -> Value {
        let visitor = self.visitors[conversation].clone();
        let envelope = self
            .key
            .conversation_key(&visitor, conversation)
            .unwrap()
            .seal(id, Side::Desk, body);
        self.send(&DeskIn::Reply {
            conversation: conversation.to_owned(),
            id: id.to_owned(),
            body: envelope,
        })
        .await;
        self.answer_for(id).await
    }

    pub async fn delete(&mut self, conversation: &str, id: &str) -> Value {
        self.delete_with_files(conversation, id, &[]).await
    }

    /// Deletes a reply and the files it carried.
    pub async fn delete_with_files(
        &mut self,
        conversation: &str,
        id: &str,
        files: &[&str],
    ) -> Value {
        self.send(&DeskIn::Delete {
            conversation: conversation.to_owned(),
            id: id.to_owned(),
            files: files.iter().map(|f| f.to_string()).collect(),
        })
        .await;
        self.answer_for(id).await
    }

    /// The `stored` or `error` frame for a reply or deletion id.
    pub async fn answer_for(&mut self, id: &str) -> Value {
        self.next_where(&format!("the answer for {id}"), |f| {
            (f["t"] == "stored" || f["t"] == "error") && f["id"] == id
        })
        .await
    }
}

// ---------------------------------------------------------------------------------------------
// The visitor

/// A visitor with its key pair, conversation id and secret, as the widget keeps them.
pub struct TestVisitor {
    pub key: VisitorKey,
    pub conversation: String,
    pub secret: String,
    pub desk_key: String,
    pub ws: Option<Ws>,
    inbox: Inbox,
}

impl TestVisitor {
    pub fn new(desk_key: &str) -> TestVisitor {
        TestVisitor {
            key: VisitorKey::generate(),
            conversation: ulid(),
            secret: frontdesk_proto::ids::random_b64(32),
            desk_key: desk_key.to_owned(),
            ws: None,
            inbox: Inbox::default(),
        }
    }

    /// Another socket of the same conversation (same id and secret, as a second tab of the
    /// same browser would have). It sends frames made by the original; it has its own key, so
    /// it can't decrypt.
    pub fn twin(&self) -> TestVisitor {
        TestVisitor {
            conversation: self.conversation.clone(),
            secret: self.secret.clone(),
            ..TestVisitor::new(&self.desk_key)
        }
    }

    pub fn conversation_key(&self) -> ConversationKey {
        self.key
            .conversation_key(&self.desk_key, &self.conversation)
            .unwrap()
    }

    pub fn seal(&self, id: &str, body: &Body) -> String {
        self.conversation_key().seal(id, Side::Visitor, body)
    }

    /// Decrypts a `msg` frame (either side's).
    pub fn open(&self, msg: &Value) -> Body {
        let from = match msg["from"].as_str() {
            Some("desk") => Side::Desk,
            Some("visitor") => Side::Visitor,
            other => panic!("msg from {other:?}"),
        };
        self.conversation_key()
            .open(
                msg["id"].as_str().unwrap(),
                from,
                msg["body"].as_str().unwrap(),
            )
            .expect("the visitor can read the message")
    }

    /// The first message's body as the widget makes it: text, answers, page, language.
    pub fn first_body(text: &str) -> Body {
        let answers = serde_json::json!({"name": "Sok", "phone": "+85512345678",
            "email": null, "question": text, "marketing_opt_in": "no", "policy_version": "1"});
        Body {
            text: text.into(),
            answers: Some(answers.as_object().unwrap().clone()),
            page: Some("https://clinic.example/contact".into()),
            lang: Some("km".into()),
            ..Body::default()
        }
    }

    /// A `start` frame that passes every check (tests spoil one field at a time).
    pub fn start_frame(&self, id: &str, body: &Body, pow: String) -> VisitorIn {
        VisitorIn::Start {
            conversation: self.conversation.clone(),
            secret: self.secret.clone(),
            visitor_key: self.key.public_b64(),
            id: id.to_owned(),
            body: self.seal(id, body),
            pow: Some(pow),
            consent: Some(Consent {
                privacy: true,
                version: Some("1".into()),
            }),
            honeypot: Some(String::new()),
            fill_ms: Some(5400),
        }
    }

    pub fn send_frame(&self, id: &str, text: &str) -> VisitorIn {
        VisitorIn::Send {
            id: id.to_owned(),
            body: self.seal(
                id,
                &Body {
                    text: text.into(),
                    ..Body::default()
                },
            ),
        }
    }

    /// A new socket (the old one, if any, is dropped).
    pub async fn connect(&mut self, relay: &RelayProc) {
        self.ws = Some(relay.visitor_ws().await);
        self.inbox = Inbox::default();
    }

    pub async fn connect_with(&mut self, relay: &RelayProc, req: Request) {
        self.ws = Some(relay.ws(req).await.unwrap());
        self.inbox = Inbox::default();
    }

    pub fn ws(&mut self) -> &mut Ws {
        self.ws.as_mut().expect("connected")
    }

    pub async fn send<T: serde::Serialize>(&mut self, frame: &T) {
        send_json(self.ws(), frame).await;
    }

    pub async fn send_raw(&mut self, msg: Message) {
        self.ws().send(msg).await.unwrap();
    }

    pub async fn next(&mut self) -> Value {
        self.next_where("any frame", |_| true).await
    }

    pub async fn next_where(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let ws = self.ws.as_mut().expect("connected");
        self.inbox.next_where(ws, what, pred, |_| {}).await
    }

    /// The `ack` or `error` for a message id.
    pub async fn answer_for(&mut self, id: &str) -> Value {
        self.next_where(&format!("the answer for {id}"), |f| {
            (f["t"] == "ack" || f["t"] == "error") && f["id"] == id
        })
        .await
    }

    /// Takes every frame received and not yet taken.
    pub fn take_queued(&mut self) -> Vec<Value> {
        self.inbox.queue.drain(..).collect()
    }

    /// The next `error` frame (for frames the relay can't tie to an id).
    pub async fn next_error(&mut self) -> Value {
        self.next_where("an error", |f| f["t"] == "error").await
    }

    /// Starts the conversation on a new socket with a fresh proof-of-work; returns the first
    /// message's id and the relay's answer.
    pub async fn start(&mut self, relay: &RelayProc, text: &str) -> (String, Value) {
        let pow = relay.pow().await;
        self.connect(relay).await;
        let id = ulid();
        let frame = self.start_frame(&id, &TestVisitor::first_body(text), pow);
        self.send(&frame).await;
        let answer = self.answer_for(&id).await;
        (id, answer)
    }

    /// Sends a message on the bound socket; returns its id and the relay's answer.
    pub async fn say(&mut self, text: &str) -> (String, Value) {
        let id = ulid();
        let frame = self.send_frame(&id, text);
        self.send(&frame).await;
        let answer = self.answer_for(&id).await;
        (id, answer)
    }

    /// A new socket that resumes after `after`: every frame up to and including `ready`.
    pub async fn resume(&mut self, relay: &RelayProc, after: u64) -> Vec<Value> {
        self.connect(relay).await;
        let frame = VisitorIn::Resume {
            conversation: self.conversation.clone(),
            secret: self.secret.clone(),
            after,
        };
        self.send(&frame).await;
        let mut frames = vec![];
        loop {
            let f = self.next().await;
            let done = f["t"] == "ready" || f["t"] == "error";
            frames.push(f);
            if done {
                return frames;
            }
        }
    }
}

/// A conversation that works end to end right now: a fresh visitor starts, is acknowledged, and
/// the desk receives and reads it. Bad-input tests call this after each refusal.
pub async fn assert_serving(relay: &RelayProc, desk: &mut TestDesk) {
    let mut v = TestVisitor::new(&desk.key.public_b64());
    let (id, ack) = v.start(relay, "still serving?").await;
    assert_eq!(
        ack["t"], "ack",
        "a good conversation is acknowledged: {ack}"
    );
    let event = desk.event_for(&id).await;
    assert_eq!(event["seq"], ack["seq"]);
    assert_eq!(desk.open(&event).text, "still serving?");
    let health = relay.get("/healthz").await;
    assert_eq!(health.status, 200);
}

pub fn seq(frame: &Value) -> u64 {
    frame["seq"]
        .as_u64()
        .unwrap_or_else(|| panic!("no seq in {frame}"))
}

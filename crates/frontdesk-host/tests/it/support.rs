//! Processes and a scripted visitor for the fault tests.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use frontdesk_proto::crypto::{Body, ConversationKey, Side, VisitorKey};
use frontdesk_proto::wire::{Consent, SiteConfig, VisitorIn, VisitorOut};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

pub const PASSPHRASE: &str = "host fault tests passphrase";

/// The workspace's binaries sit next to the test binary's `deps` directory.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: build the workspace's binaries first (cargo build --workspace)",
        path.display()
    );
    path
}

pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Proc {
    /// Kills the process the hard way: no chance to flush or say goodbye.
    pub fn kill9(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_until(mut cmd: Command, ready: &str) -> Proc {
    let mut child = cmd
        .env("FRONTDESK_PASSPHRASE", PASSPHRASE)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = lines
            .next()
            .expect("the process printed its ready line")
            .unwrap();
        if line.contains(ready) {
            break;
        }
    }
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Proc(child)
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Stack {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub site: String,
    pub db: PathBuf,
}

impl Stack {
    /// A relay data dir with one site, and a clinic paired with it.
    pub fn new() -> Stack {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(bin("frontdesk-relay"))
            .args(["--data"])
            .arg(dir.path().join("relay"))
            .args(["site", "add", "Fault Clinic"])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .unwrap()
                .trim()
                .to_owned()
        };
        let (site, token) = (field("site id:"), field("desk token:"));
        let port = free_port();
        let db = dir.path().join("clinic.db");
        let admin = |args: &[&str], env: &[(&str, &str)]| {
            let out = Command::new(bin("frontdesk-admin"))
                .arg("--db")
                .arg(&db)
                .args(args)
                .env("FRONTDESK_PASSPHRASE", PASSPHRASE)
                .env("FRONTDESK_ADMIN_PASSWORD", "fault-admin-password")
                .envs(env.iter().copied())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        admin(
            &["init", "--clinic", "Fault Clinic", "--admin", "boss"],
            &[],
        );
        admin(
            &["chat", "link", &format!("http://127.0.0.1:{port}")],
            &[("FRONTDESK_DESK_TOKEN", &token)],
        );
        // These tests count every message of a conversation at any hour of the day; the
        // after-hours reply is tested with a set clock (core's tests/it/after_hours.rs and the
        // desk's real-window test).
        admin(&["chat", "after-hours", "off"], &[]);
        Stack {
            dir,
            port,
            site,
            db,
        }
    }

    pub fn relay(&self) -> Proc {
        self.relay_with(&[])
    }

    /// The relay with extra `serve` flags (say, a higher limit on new chats from one address).
    pub fn relay_with(&self, extra: &[&str]) -> Proc {
        let mut cmd = Command::new(bin("frontdesk-relay"));
        cmd.arg("--data")
            .arg(self.dir.path().join("relay"))
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .args(["--pow-max-number", "50", "--min-fill-ms", "0"])
            .args(["--messages-per-conversation-per-minute", "1000000"])
            .args(extra);
        spawn_until(cmd, "listening on")
    }

    pub fn desk(&self) -> Proc {
        let mut cmd = Command::new(bin("frontdesk-admin"));
        cmd.arg("--db").arg(&self.db).args(["serve", "--no-lan"]);
        spawn_until(cmd, "serving")
    }

    /// Waits until the desk has published the site config to the relay.
    pub fn wait_for_config(&self) {
        use std::io::{Read, Write};
        let end = Instant::now() + Duration::from_secs(30);
        while Instant::now() < end {
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                let req = format!(
                    "GET /v1/sites/{}/config HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    self.site
                );
                let mut buf = String::new();
                if s.write_all(req.as_bytes()).is_ok()
                    && s.read_to_string(&mut buf).is_ok()
                    && buf.starts_with("HTTP/1.1 200")
                {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the desk never published its config");
    }

    /// The texts of a conversation's messages at the desk, in the desk's order.
    pub fn desk_texts(&self, conversation: &str) -> Vec<String> {
        let out = Command::new(bin("frontdesk-admin"))
            .arg("--db")
            .arg(&self.db)
            .args(["--json", "chat", "show", conversation])
            .env("FRONTDESK_PASSPHRASE", PASSPHRASE)
            .output()
            .unwrap();
        if !out.status.success() {
            return vec![];
        }
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap().to_owned())
            .collect()
    }

    pub fn wait_for_texts(&self, conversation: &str, n: usize, within: Duration) -> Vec<String> {
        let end = Instant::now() + within;
        loop {
            let texts = self.desk_texts(conversation);
            if texts.len() >= n || Instant::now() > end {
                return texts;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A visitor that behaves like the widget: every frame waits in `pending` until the relay
/// acknowledges its id, and after a reconnect everything pending is sent again, in order.
pub struct Visitor {
    pub port: u16,
    pub site: String,
    pub conversation: String,
    secret: String,
    key: VisitorKey,
    conv_key: Option<ConversationKey>,
    pub pending: VecDeque<(String, String)>,
    pub acked: Vec<String>,
    started: bool,
    ws: Option<Ws>,
}

async fn http_get(port: u16, path: &str) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).await.ok()?;
    let body = buf.split_once("\r\n\r\n")?.1.to_owned();
    buf.starts_with("HTTP/1.1 200").then_some(body)
}

impl Visitor {
    pub fn new(port: u16, site: &str) -> Visitor {
        Visitor {
            port,
            site: site.to_owned(),
            conversation: ulid::Ulid::new().to_string(),
            secret: frontdesk_proto::ids::random_b64(32),
            key: VisitorKey::generate(),
            conv_key: None,
            pending: VecDeque::new(),
            acked: vec![],
            started: false,
            ws: None,
        }
    }

    async fn config(&self) -> SiteConfig {
        loop {
            if let Some(body) =
                http_get(self.port, &format!("/v1/sites/{}/config", self.site)).await
            {
                return serde_json::from_str(&body).unwrap();
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn pow(&self) -> String {
        let body = http_get(self.port, &format!("/v1/sites/{}/challenge", self.site))
            .await
            .expect("a challenge");
        let c: altcha_lib_rs::Challenge = serde_json::from_str(&body).unwrap();
        let n = altcha_lib_rs::solve_challenge(
            &c.challenge,
            &c.salt,
            Some(c.algorithm),
            Some(c.maxnumber),
            0,
        )
        .unwrap();
        let payload = serde_json::json!({"algorithm": c.algorithm, "challenge": c.challenge,
            "number": n, "salt": c.salt, "signature": c.signature});
        base64::engine::general_purpose::STANDARD.encode(payload.to_string())
    }

    async fn connect(&mut self) {
        loop {
            let url = format!(
                "ws://127.0.0.1:{}/v1/sites/{}/visitor",
                self.port, self.site
            );
            if let Ok((ws, _)) = tokio_tungstenite::connect_async(url).await {
                self.ws = Some(ws);
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn send_frame(&mut self, frame: &VisitorIn) -> bool {
        let text = serde_json::to_string(frame).unwrap();
        match self.ws.as_mut() {
            Some(ws) => ws.send(Message::text(text)).await.is_ok(),
            None => false,
        }
    }

    /// Opens the conversation with its first message.
    pub async fn start(&mut self, text: &str) {
        let config = self.config().await;
        self.conv_key = Some(
            self.key
                .conversation_key(&config.desk_key, &self.conversation)
                .unwrap(),
        );
        let id = ulid::Ulid::new().to_string();
        let body = self.seal(&id, text);
        let frame = VisitorIn::Start {
            conversation: self.conversation.clone(),
            secret: self.secret.clone(),
            visitor_key: self.key.public_b64(),
            id: id.clone(),
            body,
            pow: Some(self.pow().await),
            consent: Some(Consent {
                privacy: true,
                version: Some("1".into()),
            }),
            honeypot: Some(String::new()),
            fill_ms: Some(5000),
        };
        self.connect().await;
        assert!(self.send_frame(&frame).await);
        loop {
            if let Some(VisitorOut::Ack { id: acked, .. }) = self.next().await {
                assert_eq!(acked, id);
                self.acked.push(acked);
                break;
            }
        }
        self.started = true;
    }

    fn seal(&self, id: &str, text: &str) -> String {
        let body = Body {
            text: text.to_owned(),
            ..Body::default()
        };
        self.conv_key
            .as_ref()
            .unwrap()
            .seal(id, Side::Visitor, &body)
    }

    async fn next(&mut self) -> Option<VisitorOut> {
        let ws = self.ws.as_mut()?;
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => serde_json::from_str(&t).ok(),
            Ok(Some(Ok(_))) => None,
            _ => {
                self.ws = None;
                None
            }
        }
    }

    /// The conversation's key and secret, for the file endpoints.
    pub fn conversation_key(&self) -> &ConversationKey {
        self.conv_key.as_ref().expect("started")
    }

    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// Queues a message naming files (uploaded before) and sends it if the socket is up.
    pub async fn send_files(&mut self, text: &str, files: Vec<frontdesk_proto::crypto::FileRef>) {
        let id = ulid::Ulid::new().to_string();
        let body = Body {
            text: text.to_owned(),
            files,
            ..Body::default()
        };
        let body = self.conversation_key().seal(&id, Side::Visitor, &body);
        self.pending.push_back((id.clone(), body.clone()));
        self.send_frame(&VisitorIn::Send { id, body }).await;
    }

    /// Queues a message and sends it if the socket is up.
    pub async fn send(&mut self, text: &str) {
        let id = ulid::Ulid::new().to_string();
        let body = self.seal(&id, text);
        self.pending.push_back((id.clone(), body.clone()));
        self.send_frame(&VisitorIn::Send { id, body }).await;
    }

    /// Reads acknowledgements; after a lost connection reconnects, resumes and resends.
    pub async fn pump(&mut self, until_acked: usize, within: Duration) {
        let end = Instant::now() + within;
        while self.acked.len() < until_acked && Instant::now() < end {
            if self.ws.is_none() {
                self.reconnect().await;
                continue;
            }
            if let Some(VisitorOut::Ack { id, .. }) = self.next().await {
                if let Some(pos) = self.pending.iter().position(|(p, _)| *p == id) {
                    self.pending.remove(pos);
                    self.acked.push(id);
                }
            }
        }
    }

    async fn reconnect(&mut self) {
        self.connect().await;
        let resume = VisitorIn::Resume {
            conversation: self.conversation.clone(),
            secret: self.secret.clone(),
            after: 0,
        };
        if !self.send_frame(&resume).await {
            self.ws = None;
            return;
        }
        loop {
            match self.next().await {
                Some(VisitorOut::Ready { .. }) => break,
                Some(_) => {}
                None => return,
            }
        }
        let again: Vec<_> = self.pending.iter().cloned().collect();
        for (id, body) in again {
            if !self.send_frame(&VisitorIn::Send { id, body }).await {
                return;
            }
        }
    }
}

pub fn expected(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix} {i:04}")).collect()
}

/// A new clinic in `dir`, opened as the operator (no keyring: the recovery passphrase).
pub fn clinic(dir: &std::path::Path) -> std::sync::Arc<frontdesk_core::Clinic> {
    use frontdesk_core::*;
    let path = dir.join("clinic.db");
    let passphrase = "host test recovery passphrase";
    Clinic::create(
        &path,
        &NewClinic {
            name: "Sunrise Clinic".into(),
            time_zone: "Asia/Phnom_Penh".into(),
            phone_region: "KH".into(),
            admin_login: "boss".into(),
            admin_name: "Boss".into(),
            admin_password: Secret::new("boss-password-1"),
            recovery_passphrase: Secret::new(passphrase),
        },
        Options {
            keyring: None,
            ..Options::default()
        },
    )
    .unwrap();
    std::sync::Arc::new(Clinic::open_as_operator(&path, passphrase, Options::default()).unwrap())
}

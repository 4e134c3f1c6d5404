//! A relay process and raw clients for the tests.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use frontdesk_proto::crypto::{Body, DeskKey, Side, VisitorKey};
use frontdesk_proto::wire::{Consent, DeskIn, SiteConfig, StaffPresence, VisitorIn};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

pub const BIN: &str = env!("CARGO_BIN_EXE_frontdesk-relay");

pub struct Relay {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub site: String,
    pub token: String,
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Relay {
    pub fn start(flags: &[&str]) -> Relay {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(BIN)
            .arg("--data")
            .arg(dir.path())
            .args(["site", "add", "Test Clinic"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let field = |n: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(n))
                .unwrap()
                .trim()
                .to_owned()
        };
        let (site, token) = (field("site id:"), field("desk token:"));
        let mut child = Command::new(BIN)
            .arg("--data")
            .arg(dir.path())
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--pow-max-number",
                "100",
                "--min-fill-ms",
                "500",
            ])
            .args(flags)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().rsplit(':').next().unwrap().parse().unwrap();
        Relay {
            child,
            port,
            dir,
            site,
            token,
        }
    }

    pub fn db_bytes(&self) -> Vec<u8> {
        let mut all = vec![];
        for f in ["relay.db", "relay.db-wal"] {
            if let Ok(b) = std::fs::read(self.dir.path().join(f)) {
                all.extend(b);
            }
        }
        all
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("relay.db")
    }

    /// A plain HTTP GET: status code and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut buf = String::new();
        s.read_to_string(&mut buf).unwrap();
        let status = buf[9..12].parse().unwrap();
        (
            status,
            buf.split_once("\r\n\r\n")
                .map(|(_, b)| b.to_owned())
                .unwrap_or_default(),
        )
    }

    pub async fn visitor_socket(&self) -> Ws {
        let url = format!(
            "ws://127.0.0.1:{}/v1/sites/{}/visitor",
            self.port, self.site
        );
        tokio_tungstenite::connect_async(url).await.unwrap().0
    }

    /// A desk that said hello with a fresh key and one person online.
    pub async fn desk(&self) -> (Ws, DeskKey) {
        let mut req = format!("ws://127.0.0.1:{}/v1/desk", self.port)
            .into_client_request()
            .unwrap();
        req.headers_mut().insert(
            "authorization",
            format!("Bearer {}", self.token).parse().unwrap(),
        );
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
        let key = DeskKey::generate();
        let config = SiteConfig {
            clinic: "Test Clinic".into(),
            desk_key: key.public_b64(),
            time_zone: "Asia/Phnom_Penh".into(),
            staff: vec![StaffPresence {
                name: "Dara".into(),
                avatar: None,
                online: true,
            }],
            max_text: 4096,
            pow: true,
            ..SiteConfig::default()
        };
        send(
            &mut ws,
            &DeskIn::Hello {
                after: 0,
                config: Some(config),
            },
        )
        .await;
        // The config is stored when the relay answers anything after it; the endpoint shows it.
        for _ in 0..50 {
            if self.get(&format!("/v1/sites/{}/config", self.site)).0 == 200 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        (ws, key)
    }

    pub fn pow(&self) -> String {
        let (_, body) = self.get(&format!("/v1/sites/{}/challenge", self.site));
        let c: altcha_lib_rs::Challenge = serde_json::from_str(&body).unwrap();
        let n = altcha_lib_rs::solve_challenge(
            &c.challenge,
            &c.salt,
            Some(c.algorithm),
            Some(c.maxnumber),
            0,
        )
        .unwrap();
        let p = serde_json::json!({"algorithm": c.algorithm, "challenge": c.challenge, "number": n,
            "salt": c.salt, "signature": c.signature});
        base64::engine::general_purpose::STANDARD.encode(p.to_string())
    }
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn send<T: serde::Serialize>(ws: &mut Ws, frame: &T) {
    ws.send(Message::text(serde_json::to_string(frame).unwrap()))
        .await
        .unwrap();
}

pub async fn send_raw(ws: &mut Ws, msg: Message) {
    ws.send(msg).await.unwrap();
}

/// The next JSON frame, or None when the socket closed.
pub async fn recv(ws: &mut Ws) -> Option<serde_json::Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .ok()??
        {
            Ok(Message::Text(t)) => return serde_json::from_str(&t).ok(),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

/// A conversation's first frame, valid in every way unless the test spoils it.
pub struct Start {
    pub key: VisitorKey,
    pub conversation: String,
    pub secret: String,
    pub id: String,
}

impl Start {
    pub fn new() -> Start {
        Start {
            key: VisitorKey::generate(),
            conversation: ulid::Ulid::new().to_string(),
            secret: frontdesk_proto::ids::random_b64(32),
            id: ulid::Ulid::new().to_string(),
        }
    }

    pub fn frame(&self, desk_key: &str, text: &str, pow: String) -> VisitorIn {
        let ck = self
            .key
            .conversation_key(desk_key, &self.conversation)
            .unwrap();
        VisitorIn::Start {
            conversation: self.conversation.clone(),
            secret: self.secret.clone(),
            visitor_key: self.key.public_b64(),
            id: self.id.clone(),
            body: ck.seal(
                &self.id,
                Side::Visitor,
                &Body {
                    text: text.into(),
                    ..Body::default()
                },
            ),
            pow: Some(pow),
            consent: Some(Consent {
                privacy: true,
                version: Some("1".into()),
            }),
            honeypot: Some(String::new()),
            fill_ms: Some(5000),
        }
    }
}

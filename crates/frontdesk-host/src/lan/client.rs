//! The connected desk's side of the LAN link: pairing with a host, then one connection kept
//! open (and reopened, forever, after any drop) over which calls go and events come back.
//! The desk keeps no copy of the clinic: while the host is away, calls fail at once with
//! `lan.unreachable` and the UI keeps what the user typed until the link is back.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use frontdesk_core::{ClinicInfo, Event};
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::Connector;

use super::pin::Pinned;
use super::proof;
use super::wire::{
    CertMismatch, PopupNotice, RemoteCall, RemoteReply, ToDesk, ToHost, WireResult, PATH,
};
use crate::error::{Error, Result};

/// What a paired desk keeps on its disk: where the host is, the certificate it pinned, and
/// the key that proves this device. Nothing of the clinic's data.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PairedHost {
    /// `host:port`.
    pub address: String,
    pub fingerprint: String,
    pub device_id: String,
    pub device_name: String,
    pub clinic: String,
    /// The device's P-256 private key (base64 of the scalar).
    pub key: String,
}

impl std::fmt::Debug for PairedHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PairedHost")
            .field("address", &self.address)
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

/// What the pairing screen may be given: a typed code, or the QR code's whole text
/// (`frontdesk-pair:v1?host=…&fp=…&code=…`), which also pins the certificate up front.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingInput {
    pub address: Option<String>,
    pub fingerprint: Option<String>,
    pub code: String,
}

pub const QR_PREFIX: &str = "frontdesk-pair:v1?";

/// The QR code's text for a pairing code.
pub fn qr_text(address: &str, fingerprint: &str, code: &str) -> String {
    format!("{QR_PREFIX}host={address}&fp={fingerprint}&code={code}")
}

impl PairingInput {
    pub fn parse(text: &str) -> PairingInput {
        let text = text.trim();
        let Some(query) = text.strip_prefix(QR_PREFIX) else {
            return PairingInput {
                address: None,
                fingerprint: None,
                code: text.to_owned(),
            };
        };
        let mut input = PairingInput {
            address: None,
            fingerprint: None,
            code: String::new(),
        };
        for part in query.split('&') {
            match part.split_once('=') {
                Some(("host", v)) => input.address = Some(v.to_owned()),
                Some(("fp", v)) => input.fingerprint = Some(v.to_ascii_lowercase()),
                Some(("code", v)) => input.code = v.to_owned(),
                _ => {}
            }
        }
        input
    }
}

/// `host` or `host:port`, with the default port.
pub fn with_port(address: &str) -> String {
    let a = address.trim();
    let has_port = match a.rsplit_once(':') {
        Some((h, p)) => !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) && !h.ends_with(':'),
        None => false,
    };
    if has_port && !(a.starts_with('[') && a.ends_with(']')) {
        a.to_owned()
    } else {
        format!("{a}:{}", super::DEFAULT_PORT)
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open(address: &str, pin: &Arc<Pinned>) -> Result<Socket> {
    let url = format!("wss://{address}{PATH}");
    let connector = Connector::Rustls(Arc::new(pin.client_config()));
    let connect =
        tokio_tungstenite::connect_async_tls_with_config(url, None, true, Some(connector));
    match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Err(_) => Err(Error::Unreachable),
        Ok(Ok((ws, _))) => Ok(ws),
        Ok(Err(_)) if pin.mismatched() => Err(Error::CertMismatch),
        Ok(Err(_)) => Err(Error::Unreachable),
    }
}

async fn next(ws: &mut Socket) -> Result<ToDesk> {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .map_err(|_| Error::Timeout)?
            .ok_or(Error::Unreachable)?
            .map_err(|_| Error::Unreachable)?;
        match msg {
            Message::Text(t) => {
                let frame: ToDesk =
                    serde_json::from_str(&t).map_err(|e| Error::Protocol(e.to_string()))?;
                if let ToDesk::Refused { error } = frame {
                    return Err(Error::Remote(error));
                }
                return Ok(frame);
            }
            Message::Close(_) => return Err(Error::Unreachable),
            _ => continue,
        }
    }
}

async fn put(ws: &mut Socket, frame: &ToHost) -> Result<()> {
    let text = serde_json::to_string(frame).map_err(|e| Error::Protocol(e.to_string()))?;
    ws.send(Message::Text(text.into()))
        .await
        .map_err(|_| Error::Unreachable)
}

/// Pairs this PC with the host at `address` using the code an admin gave. A fingerprint from
/// the QR code must match the certificate; without one, SPAKE2's proofs bind the certificate
/// to the code, so a man in the middle who does not know the code fails either way.
pub async fn pair(address: &str, input: &PairingInput, name: &str) -> Result<PairedHost> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    // The QR code's own address wins over one typed beside it.
    let address = with_port(input.address.as_deref().unwrap_or(address));
    let code = frontdesk_core::normalize_code(&input.code);
    if code.len() != 9 {
        return Err(Error::Core(frontdesk_core::Error::PairingWrongCode));
    }
    let pin = Pinned::new(input.fingerprint.clone());
    let mut ws = open(&address, &pin).await?;
    let fingerprint = pin.seen().ok_or(Error::CertMismatch)?;
    let ToDesk::Challenge { clinic, .. } = next(&mut ws).await? else {
        return Err(Error::Protocol("expected a challenge".into()));
    };
    let key = proof::new_device_key();
    let public_key = proof::public_key(&key);
    let (exchange, msg) = proof::desk_start(&code[1..]);
    put(
        &mut ws,
        &ToHost::Pair {
            slot: code[..1].to_owned(),
            name: name.to_owned(),
            spake: proof::b64(&msg),
            public_key: proof::b64(&public_key),
        },
    )
    .await?;
    let ToDesk::PairStep { spake } = next(&mut ws).await? else {
        return Err(Error::Protocol("expected pair_step".into()));
    };
    let shared = proof::unb64(&spake)
        .and_then(|theirs| exchange.finish(&theirs))
        .ok_or_else(|| Error::Protocol("the host's pairing message is malformed".into()))?;
    put(
        &mut ws,
        &ToHost::PairConfirm {
            mac: proof::b64(&proof::desk_mac(&shared, &fingerprint, &public_key)),
        },
    )
    .await?;
    let ToDesk::Paired {
        device_id,
        name,
        confirm,
    } = next(&mut ws).await?
    else {
        return Err(Error::Protocol("expected paired".into()));
    };
    if !proof::host_mac_ok(
        &shared,
        &fingerprint,
        &device_id,
        &proof::unb64(&confirm).unwrap_or_default(),
    ) {
        return Err(Error::CertMismatch);
    }
    let _ = ws.close(None).await;
    Ok(PairedHost {
        address,
        fingerprint,
        device_id,
        device_name: name,
        clinic,
        key: proof::b64(&key.to_bytes()),
    })
}

/// The link as the desk shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LinkPhase {
    Connecting,
    Connected,
    /// The host is away (off, crashed, network down): retrying.
    Unreachable,
    /// The host refused this desk for good (revoked): pair again.
    Refused,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LanLink {
    pub phase: LinkPhase,
    pub address: String,
    pub clinic: String,
    pub device_name: String,
    /// Why the last attempt failed, as a stable code (lan.unreachable, lan.cert_mismatch,
    /// device.revoked…).
    pub last_error: Option<String>,
}

/// What the link tells the desk as it happens.
#[derive(Debug, Clone)]
pub enum Incoming {
    Event {
        event: Event,
        popup: Option<PopupNotice>,
    },
    Link(LanLink),
    /// The host no longer knows this desk's session (it restarted): log in again.
    SessionLost,
}

type Waiter = std::sync::mpsc::Sender<WireResult>;

struct Inner {
    paired: PairedHost,
    on: Box<dyn Fn(Incoming) + Send + Sync>,
    out: Mutex<Option<mpsc::UnboundedSender<ToHost>>>,
    waiting: Mutex<HashMap<u64, Waiter>>,
    n: AtomicU64,
    link: Mutex<LanLink>,
    token: Mutex<Option<String>>,
    clinic: Mutex<Option<ClinicInfo>>,
    mismatches: Mutex<Vec<CertMismatch>>,
}

/// A running link to the host. Dropping it closes the link.
pub struct LanClient {
    runtime: Option<tokio::runtime::Runtime>,
    inner: Arc<Inner>,
}

/// How long a call may take before the desk gives up on it (the host may still do it; the
/// request's own id makes a retry safe).
const CALL_TIMEOUT: Duration = Duration::from_secs(20);
/// The desk pings the host this often; silence for three pings means the link is dead.
const PING: Duration = Duration::from_secs(2);

impl LanClient {
    pub fn start(
        paired: PairedHost,
        on: impl Fn(Incoming) + Send + Sync + 'static,
    ) -> Result<Self> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("frontdesk-lan")
            .enable_all()
            .build()?;
        let inner = Arc::new(Inner {
            link: Mutex::new(LanLink {
                phase: LinkPhase::Connecting,
                address: paired.address.clone(),
                clinic: paired.clinic.clone(),
                device_name: paired.device_name.clone(),
                last_error: None,
            }),
            paired,
            on: Box::new(on),
            out: Mutex::new(None),
            waiting: Mutex::new(HashMap::new()),
            n: AtomicU64::new(0),
            token: Mutex::new(None),
            clinic: Mutex::new(None),
            mismatches: Mutex::new(Vec::new()),
        });
        runtime.spawn(run(inner.clone()));
        Ok(LanClient {
            runtime: Some(runtime),
            inner,
        })
    }

    pub fn paired(&self) -> &PairedHost {
        &self.inner.paired
    }

    pub fn link(&self) -> LanLink {
        self.inner.link.lock().unwrap().clone()
    }

    /// The clinic's public info as of the last connection.
    pub fn clinic(&self) -> Option<ClinicInfo> {
        self.inner.clinic.lock().unwrap().clone()
    }

    /// Whether this desk holds a session at the host.
    pub fn logged_in(&self) -> bool {
        self.inner.token.lock().unwrap().is_some()
    }

    /// One call to the host, waiting for its answer. Fails at once with `lan.unreachable`
    /// while the link is down.
    pub fn call(&self, call: RemoteCall) -> Result<RemoteReply> {
        let forget = matches!(call, RemoteCall::LogOut)
            || matches!(call, RemoteCall::Door(frontdesk_core::Request::Logout));
        let result = self.inner.call(call);
        match &result {
            Ok(RemoteReply::Session { token, .. }) => {
                *self.inner.token.lock().unwrap() = Some(token.clone());
            }
            Ok(_) if forget => *self.inner.token.lock().unwrap() = None,
            Err(Error::Remote(w))
                if w.code == "auth.session_expired" || w.code == "auth.inactive" =>
            {
                *self.inner.token.lock().unwrap() = None;
            }
            _ => {}
        }
        result
    }

    /// Sends a raw frame, bypassing the numbering (for the replay test and the benchmarks'
    /// bad-actor runs).
    #[doc(hidden)]
    pub fn send_raw(&self, frame: ToHost) -> Result<()> {
        let out = self
            .inner
            .out
            .lock()
            .unwrap()
            .clone()
            .ok_or(Error::Unreachable)?;
        out.send(frame).map_err(|_| Error::Unreachable)
    }
}

impl Drop for LanClient {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

impl Inner {
    fn call(&self, call: RemoteCall) -> Result<RemoteReply> {
        // Until the session is taken up again after a reconnect, nothing else may run: it
        // would run as nobody.
        if !matches!(call, RemoteCall::Resume { .. })
            && self.link.lock().unwrap().phase != LinkPhase::Connected
        {
            return Err(Error::Unreachable);
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let n = {
            let out = self.out.lock().unwrap();
            let out = out.as_ref().ok_or(Error::Unreachable)?;
            let n = self.n.fetch_add(1, Ordering::SeqCst) + 1;
            self.waiting.lock().unwrap().insert(n, tx);
            out.send(ToHost::Call { n, call })
                .map_err(|_| Error::Unreachable)?;
            n
        };
        let got = rx.recv_timeout(CALL_TIMEOUT);
        self.waiting.lock().unwrap().remove(&n);
        match got {
            Ok(WireResult::Ok(r)) => Ok(r),
            Ok(WireResult::Err(e)) if e.code == "lan.unreachable" => Err(Error::Unreachable),
            Ok(WireResult::Err(e)) => Err(Error::Remote(e)),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(Error::Timeout),
            Err(_) => Err(Error::Unreachable),
        }
    }

    fn set_link(&self, phase: LinkPhase, error: Option<&Error>) {
        let link = {
            let mut l = self.link.lock().unwrap();
            let code = error.map(|e| e.code().to_owned());
            if l.phase == phase && l.last_error == code {
                return;
            }
            l.phase = phase;
            l.last_error = code;
            l.clone()
        };
        (self.on)(Incoming::Link(link));
    }

    /// Ends every call in flight: the link went down under them.
    fn fail_waiting(&self) {
        for (_, w) in self.waiting.lock().unwrap().drain() {
            let _ = w.send(WireResult::Err(super::WireError::from(&Error::Unreachable)));
        }
    }
}

async fn run(inner: Arc<Inner>) {
    let mut backoff = Duration::from_millis(250);
    loop {
        match session(&inner).await {
            Ok(()) => backoff = Duration::from_millis(250),
            Err(e) => {
                *inner.out.lock().unwrap() = None;
                inner.fail_waiting();
                let refused = matches!(&e, Error::Remote(w)
                    if w.code == "device.revoked" || w.code == "device.unknown");
                if refused {
                    // Revoked for good: nothing to retry until the desk is paired again.
                    inner.set_link(LinkPhase::Refused, Some(&e));
                    *inner.token.lock().unwrap() = None;
                    return;
                }
                inner.set_link(LinkPhase::Unreachable, Some(&e));
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}

/// One connection, from the handshake until it drops.
async fn session(inner: &Arc<Inner>) -> Result<()> {
    let pin = Pinned::new(Some(inner.paired.fingerprint.clone()));
    let mut ws = match open(&inner.paired.address, &pin).await {
        Ok(ws) => ws,
        Err(Error::CertMismatch) => {
            // Refused here; told to the genuine host, for its audit log, once it is back.
            let mut m = inner.mismatches.lock().unwrap();
            if m.len() < 10 {
                m.push(CertMismatch {
                    at: chrono::Utc::now().to_rfc3339(),
                    address: inner.paired.address.clone(),
                    seen: pin.seen().unwrap_or_default(),
                });
            }
            return Err(Error::CertMismatch);
        }
        Err(e) => return Err(e),
    };
    let ToDesk::Challenge { nonce, .. } = next(&mut ws).await? else {
        return Err(Error::Protocol("expected a challenge".into()));
    };
    let key_bytes = proof::unb64(&inner.paired.key).ok_or(Error::NotPaired)?;
    let key = p256::ecdsa::SigningKey::from_slice(&key_bytes).map_err(|_| Error::NotPaired)?;
    let nonce = proof::unb64(&nonce).ok_or_else(|| Error::Protocol("bad nonce".into()))?;
    put(
        &mut ws,
        &ToHost::Hello {
            device_id: inner.paired.device_id.clone(),
            signature: proof::b64(&proof::sign_hello(
                &key,
                &nonce,
                &inner.paired.fingerprint,
                &inner.paired.device_id,
            )),
        },
    )
    .await?;
    let ToDesk::Welcome { clinic, .. } = next(&mut ws).await? else {
        return Err(Error::Protocol("expected welcome".into()));
    };
    *inner.clinic.lock().unwrap() = Some(clinic);
    let reports = std::mem::take(&mut *inner.mismatches.lock().unwrap());
    for m in reports {
        put(&mut ws, &ToHost::Report { cert_mismatch: m }).await?;
    }
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<ToHost>();
    *inner.out.lock().unwrap() = Some(out_tx);
    // Take the session up again before anyone else may call, so that the first call after
    // the link returns runs as the person who was logged in.
    let token = inner.token.lock().unwrap().clone();
    let resume = token.map(|token| {
        let inner = inner.clone();
        tokio::task::spawn_blocking(move || inner.call(RemoteCall::Resume { token }))
    });
    let mut ping = tokio::time::interval(PING);
    let mut silent = 0u32;
    let mut resume = resume;
    let mut announced = false;
    if resume.is_none() {
        inner.set_link(LinkPhase::Connected, None);
        announced = true;
    }
    loop {
        tokio::select! {
            msg = ws.next() => {
                let Some(Ok(msg)) = msg else { return Err(Error::Unreachable) };
                silent = 0;
                let Message::Text(t) = msg else { continue };
                match serde_json::from_str::<ToDesk>(&t) {
                    Ok(ToDesk::Reply { n, result }) => {
                        if let Some(w) = inner.waiting.lock().unwrap().remove(&n) {
                            let _ = w.send(result);
                        }
                    }
                    Ok(ToDesk::Event { event, popup }) => (inner.on)(Incoming::Event { event, popup }),
                    Ok(ToDesk::Refused { error }) => return Err(Error::Remote(error)),
                    Ok(_) => {}
                    Err(e) => return Err(Error::Protocol(e.to_string())),
                }
            }
            Some(frame) = out_rx.recv() => put(&mut ws, &frame).await?,
            done = async { resume.as_mut().unwrap().await }, if resume.is_some() => {
                resume = None;
                match done {
                    Ok(Ok(_)) => {}
                    Ok(Err(Error::Unreachable)) | Err(_) => return Err(Error::Unreachable),
                    Ok(Err(_)) => {
                        *inner.token.lock().unwrap() = None;
                        (inner.on)(Incoming::SessionLost);
                    }
                }
                if !announced {
                    inner.set_link(LinkPhase::Connected, None);
                    announced = true;
                }
            }
            _ = ping.tick() => {
                silent += 1;
                if silent > 3 { return Err(Error::Unreachable) }
                ws.send(Message::Ping(Vec::new().into())).await.map_err(|_| Error::Unreachable)?;
            }
        }
    }
}

//! The host's LAN service: other desks' connections, each a WebSocket over TLS carrying the
//! frames of wire.rs. A connection proves its device (or pairs a new one), then carries calls
//! to the one door under the staff member logged in on it, and the clinic's events back.
//!
//! What the host refuses, it audits: a wrong or expired code, an unknown or revoked device, a
//! bad signature, a replayed frame, a flood (once a minute per device, not once per frame).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use frontdesk_core::{Clinic, Device, Error as CoreError, Event, LoginRequest, Principal};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rand::RngCore;
use tokio::sync::mpsc;

use super::proof;
use super::wire::{
    PopupNotice, RemoteCall, RemoteReply, SessionInfo, ToDesk, ToHost, WireError, WireResult, PATH,
};
use crate::error::Error;
use crate::events::Events;

/// How the LAN service listens and how much it takes.
#[derive(Debug, Clone)]
pub struct LanOptions {
    pub listen: SocketAddr,
    /// Calls per second one device may make, and the burst above that.
    pub requests_per_second: u32,
    pub burst: u32,
    /// Pairing attempts per minute from one address: enough for typos, too few to guess a
    /// code.
    pub pairings_per_minute: u32,
    /// Announce the host on the LAN (mDNS) so that new desks find it.
    pub advertise: bool,
}

/// The port desks connect to unless the clinic chooses another.
pub const DEFAULT_PORT: u16 = 7745;

impl Default for LanOptions {
    fn default() -> Self {
        LanOptions {
            listen: SocketAddr::from(([0, 0, 0, 0], DEFAULT_PORT)),
            requests_per_second: 100,
            burst: 200,
            pairings_per_minute: 5,
            advertise: true,
        }
    }
}

/// A connection must prove itself (or pair) this fast.
const HANDSHAKE: Duration = Duration::from_secs(10);
/// The host pings each desk this often, so that a desk on a dead link is dropped.
const PING: Duration = Duration::from_secs(15);

pub(crate) struct Shared {
    clinic: Arc<Clinic>,
    pub fingerprint: String,
    events: Events,
    /// Sessions opened over the LAN, by token: which device holds each. A token can only be
    /// taken up again from the device it was opened on.
    sessions: Mutex<HashMap<String, String>>,
    per_device: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    /// When a device's flood was last audited.
    flood_audited: Mutex<HashMap<String, Instant>>,
}

pub(crate) fn router(
    clinic: Arc<Clinic>,
    fingerprint: String,
    opts: &LanOptions,
    events: Events,
) -> Router {
    let nz = |n: u32| NonZeroU32::new(n.max(1)).expect("at least one");
    let shared = Arc::new(Shared {
        clinic,
        fingerprint,
        events,
        sessions: Mutex::new(HashMap::new()),
        per_device: RateLimiter::keyed(
            Quota::per_second(nz(opts.requests_per_second)).allow_burst(nz(opts.burst)),
        ),
        per_address: RateLimiter::keyed(Quota::per_minute(nz(opts.pairings_per_minute))),
        flood_audited: Mutex::new(HashMap::new()),
    });
    Router::new().route(PATH, get(upgrade)).with_state(shared)
}

async fn upgrade(
    ws: WebSocketUpgrade,
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> impl IntoResponse {
    ws.max_message_size(4 << 20)
        .on_upgrade(move |socket| async move {
            if let Err(e) = connection(socket, shared, peer.ip()).await {
                tracing::debug!(code = e.code(), "a LAN connection ended");
            }
        })
}

/// Runs blocking core work off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, CoreError> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| Error::Protocol("the host's worker stopped".into()))?
        .map_err(Error::Core)
}

async fn send(ws: &mut WebSocket, frame: &ToDesk) -> Result<(), Error> {
    let text = serde_json::to_string(frame).map_err(|e| Error::Protocol(e.to_string()))?;
    ws.send(Message::Text(text.into()))
        .await
        .map_err(|_| Error::Unreachable)
}

async fn refuse(ws: &mut WebSocket, e: &Error) -> Result<(), Error> {
    let _ = send(
        ws,
        &ToDesk::Refused {
            error: WireError::from(e),
        },
    )
    .await;
    let _ = ws.send(Message::Close(None)).await;
    Ok(())
}

/// The next frame from the desk, within `limit`.
async fn receive(ws: &mut WebSocket, limit: Duration) -> Result<ToHost, Error> {
    loop {
        let msg = tokio::time::timeout(limit, ws.recv())
            .await
            .map_err(|_| Error::Timeout)?
            .ok_or(Error::Unreachable)?
            .map_err(|_| Error::Unreachable)?;
        match msg {
            Message::Text(t) => {
                return serde_json::from_str(&t).map_err(|e| Error::Protocol(e.to_string()))
            }
            Message::Close(_) => return Err(Error::Unreachable),
            _ => continue,
        }
    }
}

async fn connection(mut ws: WebSocket, shared: Arc<Shared>, ip: IpAddr) -> Result<(), Error> {
    let from = ip.to_string();
    let mut nonce = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let clinic = shared.clinic.clone();
    let info = blocking(move || clinic.public_info()).await?;
    send(
        &mut ws,
        &ToDesk::Challenge {
            nonce: proof::b64(&nonce),
            clinic: info.name,
        },
    )
    .await?;
    match receive(&mut ws, HANDSHAKE).await? {
        ToHost::Pair {
            slot,
            name,
            spake,
            public_key,
        } => pair(ws, &shared, &from, ip, slot, name, spake, public_key).await,
        ToHost::Hello {
            device_id,
            signature,
        } => {
            let clinic = shared.clinic.clone();
            let (id, f) = (device_id.clone(), from.clone());
            let (device, key) = match blocking(move || clinic.device_hello(&id, &f)).await {
                Ok(found) => found,
                Err(e) => return refuse(&mut ws, &e).await,
            };
            let sig = proof::unb64(&signature).unwrap_or_default();
            if !proof::hello_ok(&key, &nonce, &shared.fingerprint, &device.id, &sig) {
                let (clinic, d, f) = (shared.clinic.clone(), device.clone(), from.clone());
                let _ = blocking(move || {
                    clinic.lan_refused(Some(&d), &f, "device.connect", "lan.bad_signature")
                })
                .await;
                return refuse(&mut ws, &Error::BadSignature).await;
            }
            let clinic = shared.clinic.clone();
            let info = blocking(move || clinic.public_info()).await?;
            send(
                &mut ws,
                &ToDesk::Welcome {
                    device_id: device.id.clone(),
                    name: device.name.clone(),
                    clinic: info,
                },
            )
            .await?;
            serve(ws, shared, device, from).await
        }
        _ => {
            refuse(
                &mut ws,
                &Error::Protocol("a connection starts with pair or hello".into()),
            )
            .await
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn pair(
    mut ws: WebSocket,
    shared: &Arc<Shared>,
    from: &str,
    ip: IpAddr,
    slot: String,
    name: String,
    spake: String,
    public_key: String,
) -> Result<(), Error> {
    if shared.per_address.check_key(&ip).is_err() {
        let (clinic, f) = (shared.clinic.clone(), from.to_owned());
        let _ =
            blocking(move || clinic.lan_refused(None, &f, "device.pair", "lan.rate_limited")).await;
        return refuse(
            &mut ws,
            &Error::RateLimited {
                retry_after_secs: 60,
            },
        )
        .await;
    }
    let (clinic, f) = (shared.clinic.clone(), from.to_owned());
    let code = match blocking(move || clinic.pairing_code(&slot, &f)).await {
        Ok(c) => c,
        Err(e) => return refuse(&mut ws, &e).await,
    };
    let (exchange, msg) = proof::host_start(&code.secret);
    send(
        &mut ws,
        &ToDesk::PairStep {
            spake: proof::b64(&msg),
        },
    )
    .await?;
    let ToHost::PairConfirm { mac } = receive(&mut ws, HANDSHAKE).await? else {
        return refuse(&mut ws, &Error::Protocol("expected pair_confirm".into())).await;
    };
    let public_key = proof::unb64(&public_key).unwrap_or_default();
    let key = proof::unb64(&spake).and_then(|theirs| exchange.finish(&theirs));
    let proven = key.as_ref().is_some_and(|k| {
        proof::desk_mac_ok(
            k,
            &shared.fingerprint,
            &public_key,
            &proof::unb64(&mac).unwrap_or_default(),
        )
    }) && p256::PublicKey::from_sec1_bytes(&public_key).is_ok();
    let Some(key) = key.filter(|_| proven) else {
        let (clinic, f, id) = (shared.clinic.clone(), from.to_owned(), code.id.clone());
        blocking(move || clinic.pairing_failed(&id, &f)).await?;
        return refuse(&mut ws, &Error::Core(CoreError::PairingWrongCode)).await;
    };
    let (clinic, f, id) = (shared.clinic.clone(), from.to_owned(), code.id.clone());
    let device = match blocking(move || clinic.pair_device(&id, &name, &public_key, &f)).await {
        Ok(d) => d,
        Err(e) => return refuse(&mut ws, &e).await,
    };
    send(
        &mut ws,
        &ToDesk::Paired {
            confirm: proof::b64(&proof::host_mac(&key, &shared.fingerprint, &device.id)),
            device_id: device.id,
            name: device.name,
        },
    )
    .await?;
    let _ = ws.send(Message::Close(None)).await;
    Ok(())
}

/// Who is logged in on one connection.
#[derive(Clone)]
struct Held {
    token: String,
    staff_id: String,
}

struct Conn {
    shared: Arc<Shared>,
    device: Device,
    held: Mutex<Option<Held>>,
    /// Set when a call found the device revoked (by another process, say the admin CLI on a
    /// headless host, whose event this process never hears): the connection then ends.
    revoked: std::sync::atomic::AtomicBool,
}

async fn serve(
    mut ws: WebSocket,
    shared: Arc<Shared>,
    device: Device,
    from: String,
) -> Result<(), Error> {
    let conn = Arc::new(Conn {
        shared: shared.clone(),
        device,
        held: Mutex::new(None),
        revoked: Default::default(),
    });
    let mut events = shared.events.subscribe();
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<ToDesk>();
    let mut last_n = 0u64;
    let mut ping = tokio::time::interval(PING);
    let mut last_heard = Instant::now();
    let result = loop {
        tokio::select! {
            msg = ws.recv() => {
                let Some(Ok(msg)) = msg else { break Ok(()) };
                last_heard = Instant::now();
                let text = match msg {
                    Message::Text(t) => t,
                    Message::Close(_) => break Ok(()),
                    _ => continue,
                };
                let frame: ToHost = match serde_json::from_str(&text) {
                    Ok(f) => f,
                    Err(e) => break refuse(&mut ws, &Error::Protocol(e.to_string())).await,
                };
                match frame {
                    ToHost::Call { n, call } => {
                        if n <= last_n {
                            conn.refused("lan.call", "lan.replay", &from).await;
                            reply(&out_tx, n, Err(WireError::from(&Error::Replay)));
                            continue;
                        }
                        last_n = n;
                        if shared.per_device.check_key(&conn.device.id).is_err() {
                            conn.flood(&from).await;
                            let e = Error::RateLimited { retry_after_secs: 1 };
                            reply(&out_tx, n, Err(WireError::from(&e)));
                            continue;
                        }
                        let (conn, out) = (conn.clone(), out_tx.clone());
                        tokio::task::spawn_blocking(move || {
                            let result = conn.run(call).map_err(|e| WireError::from(&e));
                            reply(&out, n, result);
                        });
                    }
                    ToHost::Report { cert_mismatch } => {
                        // Which address showed the wrong certificate is worth keeping; the
                        // fingerprint itself goes to the log of the desk that saw it.
                        let _ = cert_mismatch;
                        conn.refused("lan.cert_mismatch", "lan.cert_mismatch", &from).await;
                    }
                    _ => break refuse(&mut ws, &Error::Protocol("unexpected frame".into())).await,
                }
            }
            Some(frame) = out_rx.recv() => {
                if send(&mut ws, &frame).await.is_err() { break Ok(()) }
                if conn.revoked.load(std::sync::atomic::Ordering::SeqCst) {
                    break refuse(&mut ws, &Error::Core(CoreError::DeviceRevoked)).await;
                }
            }
            ev = events.recv() => {
                let ev = match ev {
                    Ok(ev) => ev,
                    // A slow desk missed some events; its lists refresh on the next ones.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => break Ok(()),
                };
                if let Event::DeviceChanged { id, revoked: true } = &ev {
                    if *id == conn.device.id {
                        conn.cut_off();
                        break refuse(&mut ws, &Error::Core(CoreError::DeviceRevoked)).await;
                    }
                }
                let Some(held) = conn.held.lock().unwrap().clone() else { continue };
                if !Conn::concerns(&ev, &held) {
                    if send(&mut ws, &ToDesk::Event { event: ev, popup: None }).await.is_err() {
                        break Ok(());
                    }
                    continue;
                }
                let (c, out) = (conn.clone(), out_tx.clone());
                // A popup needs a read of the task; keep it off the socket loop.
                tokio::task::spawn_blocking(move || {
                    let popup = c.popup(&ev, &held);
                    let _ = out.send(ToDesk::Event { event: ev, popup });
                });
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > PING * 3 { break Ok(()) }
                let (clinic, id) = (shared.clinic.clone(), conn.device.id.clone());
                if !blocking(move || clinic.device_active(&id)).await.unwrap_or(true) {
                    conn.cut_off();
                    break refuse(&mut ws, &Error::Core(CoreError::DeviceRevoked)).await;
                }
                if ws.send(Message::Ping(Vec::new().into())).await.is_err() { break Ok(()) }
            }
        }
    };
    result
}

fn reply(out: &mpsc::UnboundedSender<ToDesk>, n: u64, result: Result<RemoteReply, WireError>) {
    let _ = out.send(ToDesk::Reply {
        n,
        result: match result {
            Ok(r) => WireResult::Ok(r),
            Err(e) => WireResult::Err(e),
        },
    });
}

impl Conn {
    async fn refused(self: &Arc<Self>, action: &'static str, code: &'static str, from: &str) {
        let (c, f) = (self.clone(), from.to_owned());
        let _ = blocking(move || {
            c.shared
                .clinic
                .lan_refused(Some(&c.device), &f, action, code)
        })
        .await;
    }

    /// Audits a flood once a minute per device, so that the flood cannot flood the log.
    async fn flood(self: &Arc<Self>, from: &str) {
        let due = {
            let mut map = self.shared.flood_audited.lock().unwrap();
            let due = map
                .get(&self.device.id)
                .is_none_or(|t| t.elapsed() > Duration::from_secs(60));
            if due {
                map.insert(self.device.id.clone(), Instant::now());
            }
            due
        };
        if due {
            self.refused("lan.call", "lan.rate_limited", from).await;
        }
    }

    /// A revoked device: its sessions end with it.
    fn cut_off(&self) {
        let mut map = self.shared.sessions.lock().unwrap();
        let tokens: Vec<String> = map
            .iter()
            .filter(|(_, d)| **d == self.device.id)
            .map(|(t, _)| t.clone())
            .collect();
        for t in tokens {
            map.remove(&t);
            let _ = self.shared.clinic.end_session(&t);
        }
    }

    fn token(&self) -> Result<String, Error> {
        self.held
            .lock()
            .unwrap()
            .as_ref()
            .map(|h| h.token.clone())
            .ok_or(Error::Core(CoreError::SessionExpired))
    }

    /// Forgets a session that the core says is gone.
    fn note(&self, e: &CoreError) {
        if matches!(e, CoreError::SessionExpired | CoreError::AccountInactive) {
            if let Some(h) = self.held.lock().unwrap().take() {
                self.shared.sessions.lock().unwrap().remove(&h.token);
            }
        }
    }

    fn hold(&self, s: &frontdesk_core::Session) -> RemoteReply {
        let old = self.held.lock().unwrap().replace(Held {
            token: s.token.clone(),
            staff_id: s.staff_id.clone(),
        });
        let mut map = self.shared.sessions.lock().unwrap();
        if let Some(old) = old.filter(|o| o.token != s.token) {
            map.remove(&old.token);
            let _ = self.shared.clinic.end_session(&old.token);
        }
        map.insert(s.token.clone(), self.device.id.clone());
        RemoteReply::Session {
            token: s.token.clone(),
            session: SessionInfo::from(s),
        }
    }

    fn run(&self, call: RemoteCall) -> Result<RemoteReply, Error> {
        let clinic = &self.shared.clinic;
        // Checked on every call, so that a revocation made elsewhere takes effect at once.
        if !clinic.device_active(&self.device.id)? {
            self.revoked
                .store(true, std::sync::atomic::Ordering::SeqCst);
            self.cut_off();
            return Err(Error::Core(CoreError::DeviceRevoked));
        }
        let r = match call {
            RemoteCall::ClinicInfo => Ok(RemoteReply::Clinic(clinic.public_info()?)),
            RemoteCall::Login {
                login,
                password,
                totp_code,
            } => {
                // The workstation is the device's name as paired, never what the desk claims.
                let s = clinic.login(&LoginRequest {
                    login,
                    password,
                    totp_code,
                    workstation: self.device.name.clone(),
                })?;
                Ok(self.hold(&s))
            }
            RemoteCall::Resume { token } => {
                let ours = self.shared.sessions.lock().unwrap().get(&token).cloned();
                if ours.as_deref() != Some(self.device.id.as_str()) {
                    return Err(Error::Core(CoreError::SessionExpired));
                }
                match clinic.session(&token) {
                    Ok(s) => Ok(self.hold(&s)),
                    Err(e) => {
                        self.shared.sessions.lock().unwrap().remove(&token);
                        Err(e.into())
                    }
                }
            }
            RemoteCall::SessionState => Ok(RemoteReply::Locked(
                clinic
                    .session_locked(&self.token()?)
                    .inspect_err(|e| self.note(e))?,
            )),
            RemoteCall::Lock => {
                clinic
                    .lock_session(&self.token()?)
                    .inspect_err(|e| self.note(e))?;
                Ok(RemoteReply::Done)
            }
            RemoteCall::Unlock { password } => {
                let s = clinic
                    .unlock_session(&self.token()?, &password)
                    .inspect_err(|e| self.note(e))?;
                Ok(self.hold(&s))
            }
            RemoteCall::LogOut => {
                let held = self.held.lock().unwrap().take();
                if let Some(h) = held {
                    self.shared.sessions.lock().unwrap().remove(&h.token);
                    clinic.end_session(&h.token)?;
                }
                Ok(RemoteReply::Done)
            }
            RemoteCall::KeepAlive => {
                clinic
                    .keep_alive(&self.token()?)
                    .inspect_err(|e| self.note(e))?;
                Ok(RemoteReply::Done)
            }
            RemoteCall::Door(req) => {
                let logout = matches!(req, frontdesk_core::Request::Logout);
                let token = self.token()?;
                let resp = clinic
                    .handle(&Principal::Session { token }, req)
                    .inspect_err(|e| self.note(e))?;
                if logout {
                    self.note(&CoreError::SessionExpired);
                }
                Ok(RemoteReply::Door(resp))
            }
        };
        r
    }

    /// Whether the event is a task for the person logged in here, or one taken from them
    /// (alerts.rs decides which of those pops up).
    fn concerns(ev: &Event, held: &Held) -> bool {
        matches!(ev, Event::TaskAssigned { assignee_id, from, .. }
            if *assignee_id == held.staff_id || from.as_deref() == Some(held.staff_id.as_str()))
    }

    /// What the popup for a task shows, when the task concerns the person logged in here.
    fn popup(&self, ev: &Event, held: &Held) -> Option<PopupNotice> {
        let Event::TaskAssigned { task_id, .. } = ev else {
            return None;
        };
        if !Conn::concerns(ev, held) {
            return None;
        }
        let clinic = &self.shared.clinic;
        Some(PopupNotice {
            notice: clinic.task_notice(task_id).ok()??,
            muted: clinic.popups_muted(&held.staff_id).unwrap_or(false),
            time_zone: clinic.public_info().ok()?.time_zone,
        })
    }
}

//! The desk's long-lived state: which clinic file this PC uses, whether it is open, and who is
//! logged in. Tauri-free, so that it can be tested as plain Rust; rpc.rs puts it behind the
//! one IPC entry.
//!
//! The session token never leaves this struct: the UI learns who is logged in, never the
//! token, so nothing in the web view can act as someone else.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use frontdesk_core::{
    allowed, generate_recovery_passphrase, Clinic, ClinicInfo, Error, ErrorBody, Event, KeyFile,
    KeyStore, LoginRequest, NewClinic, Options, Permission, Principal, Request, Response, Role,
    Secret, Session, Staff, TotpEnrollment, MATRIX,
};
use serde::{Deserialize, Serialize};

use crate::error::{DeskError, DeskResult};
use crate::remote::{self, Remote, Sink};
use frontdesk_host::lan::{self as lan, LanLink, PairingInput};

/// How this PC's desk is set up (from the environment, see config.rs).
pub struct DeskConfig {
    pub db_path: PathBuf,
    pub keyring: Option<Arc<dyn KeyStore>>,
    pub workstation: String,
    /// Locks the screen after this many idle seconds instead of the clinic's setting (a kiosk
    /// or a test may want it shorter).
    pub idle_lock_secs: Option<u64>,
    /// Run a relay inside the desk (LAN, kiosk, demo) and pair the clinic with it.
    pub relay: Option<frontdesk_host::RelayOptions>,
    /// Where task popups go; `None`: no popups on this desk.
    pub notifier: Option<Arc<dyn frontdesk_notify::Notifier>>,
    /// The LAN service other desks connect to, when this desk holds the clinic; `None`: off.
    pub lan: Option<frontdesk_host::lan::LanOptions>,
    /// Where a desk connected to a host keeps its pairing (see remote.rs).
    pub pairing_path: PathBuf,
    /// The clinic's clock; `None`: the system clock.
    pub clock: Option<Arc<dyn frontdesk_core::clock::Clock>>,
}

/// What an admin shows a new desk: the code, where to find this host, and the QR code's text.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PairingOffer {
    pub code: frontdesk_core::PairingCode,
    /// Addresses (ip:port) the new desk can reach the host on; the first is in the QR code.
    pub addresses: Vec<String>,
    pub qr_text: String,
}

/// The host's LAN service, for the devices screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LanInfo {
    /// Running and taking desks.
    pub running: bool,
    pub addresses: Vec<String>,
    pub fingerprint: Option<String>,
    /// Why it is not running (lan.bind_failed…), or None when it was switched off.
    pub error: Option<String>,
    /// Set on a connected desk: the link to its host.
    pub link: Option<LanLink>,
}

/// The website chat's connection, as the UI shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChatStatus {
    /// off, connecting, connected, retrying, or failed (the host could not start).
    pub state: String,
    pub relay_url: Option<String>,
    /// A stable code, e.g. relay.bad_token or host.unreachable.
    pub last_error: Option<String>,
    /// The relay running inside this desk, if any: its address and the demo page.
    pub built_in_url: Option<String>,
    pub demo_page: Option<String>,
}

/// Who is logged in, as the UI may see it: no token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionView {
    pub staff_id: String,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    /// What this person may do, so the UI can leave out what would be refused anyway.
    pub permissions: Vec<Permission>,
}

impl SessionView {
    fn of(s: &Session) -> Self {
        SessionView {
            staff_id: s.staff_id.clone(),
            login: s.login.clone(),
            display_name: s.display_name.clone(),
            role: s.role,
            permissions: MATRIX
                .iter()
                .map(|(p, _)| *p)
                .filter(|p| allowed(s.role, *p))
                .collect(),
        }
    }
}

/// Where the desk is, which decides the screen the UI shows.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// No clinic on this PC: the first-run wizard.
    Setup,
    /// The keyring could not open the clinic: ask for the recovery passphrase.
    Unlock {
        reason: ErrorBody,
    },
    Login {
        clinic: ClinicInfo,
    },
    Locked {
        clinic: ClinicInfo,
        session: SessionView,
    },
    Ready {
        clinic: ClinicInfo,
        session: SessionView,
    },
    /// The clinic cannot be opened (file missing, damaged, newer, disk full): a clear screen
    /// with what to do, never a blank window.
    Broken {
        error: ErrorBody,
        db_path: String,
    },
    /// A desk paired with a host that it has not reached yet (or that refused it): connecting,
    /// host not reachable, or removed from the clinic.
    Remote {
        link: LanLink,
    },
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeskStatus {
    #[serde(flatten)]
    pub stage: Stage,
    pub workstation: String,
    /// Seconds without input after which the UI blanks and locks the screen.
    pub idle_lock_seconds: u32,
    /// Set on a desk connected to a host: the link, for the "host not reachable" banner.
    pub lan: Option<LanLink>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SetUpClinic {
    pub admin: Staff,
    /// Shown once in the wizard, as a QR code and as text.
    pub totp: TotpEnrollment,
    /// False when the OS keyring refused the key: then every start asks for the passphrase.
    pub key_in_keyring: bool,
}

#[derive(Default)]
struct State {
    clinic: Option<Arc<Clinic>>,
    /// Why the last open failed, when it did.
    open_error: Option<Error>,
    tried_keyring: bool,
    /// Who is logged in. Whether the session is locked is the core's to say.
    held: Option<Session>,
    /// The relay link and senders, running while the clinic is open.
    host: Option<frontdesk_host::Host>,
    host_error: Option<String>,
    /// Set when this PC is a desk connected to a host instead of holding the clinic.
    remote: Option<Arc<Remote>>,
    tried_pairing: bool,
}

type OpenHook = Box<dyn Fn(&Clinic) + Send + Sync>;

pub struct Desk {
    cfg: DeskConfig,
    state: Mutex<State>,
    on_open: Mutex<Option<OpenHook>>,
    sink: Mutex<Option<Sink>>,
}

impl Desk {
    pub fn new(cfg: DeskConfig) -> Self {
        Desk {
            cfg,
            state: Mutex::new(State::default()),
            on_open: Mutex::new(None),
            sink: Mutex::new(None),
        }
    }

    /// Where a connected desk's link reports events and its own changes.
    pub fn on_remote(&self, sink: impl Fn(lan::Incoming) + Send + Sync + 'static) {
        *self.sink.lock().unwrap() = Some(Arc::new(sink));
    }

    fn start_remote(&self, st: &mut State, paired: lan::PairedHost) -> DeskResult<()> {
        let sink = self
            .sink
            .lock()
            .unwrap()
            .clone()
            .unwrap_or_else(|| Arc::new(|_| {}));
        st.remote = Some(Remote::start(paired, sink)?);
        Ok(())
    }

    /// The link to the host, on a connected desk.
    pub fn remote(&self) -> Option<Arc<Remote>> {
        let mut st = self.state();
        if st.remote.is_none() && !st.tried_pairing && st.clinic.is_none() {
            st.tried_pairing = true;
            if let Some(p) = remote::load(&self.cfg.pairing_path) {
                if let Err(e) = self.start_remote(&mut st, p) {
                    tracing_free_log(&e);
                }
            }
        }
        st.remote.clone()
    }

    /// Runs whenever a clinic is opened (the shell subscribes to its events there).
    pub fn on_open(&self, hook: impl Fn(&Clinic) + Send + Sync + 'static) {
        *self.on_open.lock().unwrap() = Some(Box::new(hook));
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn opts(&self) -> Options {
        let defaults = Options::default();
        Options {
            keyring: self.cfg.keyring.clone(),
            clock: self.cfg.clock.clone().unwrap_or(defaults.clock),
        }
    }

    fn opened(&self, st: &mut State, clinic: Clinic) {
        if let Some(hook) = self.on_open.lock().unwrap().as_ref() {
            hook(&clinic);
        }
        let clinic = Arc::new(clinic);
        match frontdesk_host::Host::start(
            clinic.clone(),
            self.cfg.relay.clone(),
            self.cfg.lan.clone(),
        ) {
            Ok(h) => st.host = Some(h),
            // The desk works without the chat; the chat status says why it is down.
            Err(e) => st.host_error = Some(e.code().to_owned()),
        }
        st.clinic = Some(clinic);
        st.open_error = None;
    }

    /// The website chat's connection.
    pub fn chat_status(&self) -> DeskResult<ChatStatus> {
        if self.remote().is_some() {
            // The host desk runs the relay link; this desk only sees its conversations.
            return Ok(ChatStatus {
                state: "host".into(),
                relay_url: None,
                last_error: None,
                built_in_url: None,
                demo_page: None,
            });
        }
        self.token()?;
        let st = self.state();
        Ok(match &st.host {
            None => ChatStatus {
                state: "failed".into(),
                relay_url: None,
                last_error: st.host_error.clone(),
                built_in_url: None,
                demo_page: None,
            },
            Some(h) => {
                let s = h.status();
                let state = serde_json::to_value(s.state)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                ChatStatus {
                    state,
                    relay_url: s.relay_url,
                    last_error: s.last_error,
                    built_in_url: h.relay().map(|r| r.url.clone()),
                    demo_page: h.relay().map(|r| format!("{}/demo", r.url)),
                }
            }
        })
    }

    /// Where the desk stands. The first call tries the keyring, so that a normal start goes
    /// straight to the login screen.
    pub fn status(&self) -> DeskResult<DeskStatus> {
        if let Some(r) = self.remote() {
            // Just started: give the host a moment, so the first screen is the login screen.
            r.settle(std::time::Duration::from_secs(2));
            let link = r.link();
            let stage = match (r.clinic(), r.session()) {
                (Some(clinic), Some(session)) if r.locked() => Stage::Locked { clinic, session },
                (Some(clinic), Some(session)) => Stage::Ready { clinic, session },
                (Some(clinic), None) if link.phase != lan::LinkPhase::Refused => {
                    Stage::Login { clinic }
                }
                _ => Stage::Remote { link: link.clone() },
            };
            let idle = match (&self.cfg.idle_lock_secs, r.clinic()) {
                (Some(s), _) => *s,
                (None, Some(c)) => c.idle_timeout_minutes as u64 * 60,
                _ => 600,
            };
            return Ok(DeskStatus {
                stage,
                workstation: r.paired().device_name.clone(),
                idle_lock_seconds: idle.min(u32::MAX as u64) as u32,
                lan: Some(link),
            });
        }
        let mut st = self.state();
        if st.clinic.is_none() && !st.tried_keyring {
            st.tried_keyring = true;
            if self.cfg.db_path.exists() || KeyFile::path_for(&self.cfg.db_path).exists() {
                match Clinic::open_with_keyring(&self.cfg.db_path, self.opts()) {
                    Ok(c) => self.opened(&mut st, c),
                    Err(e) => st.open_error = Some(e),
                }
            }
        }
        let stage = self.stage(&st)?;
        let idle = match (&self.cfg.idle_lock_secs, &stage) {
            (Some(s), _) => *s,
            (None, Stage::Login { clinic } | Stage::Ready { clinic, .. })
            | (None, Stage::Locked { clinic, .. }) => clinic.idle_timeout_minutes as u64 * 60,
            _ => 600,
        };
        Ok(DeskStatus {
            stage,
            workstation: self.cfg.workstation.clone(),
            idle_lock_seconds: idle.min(u32::MAX as u64) as u32,
            lan: None,
        })
    }

    fn stage(&self, st: &State) -> DeskResult<Stage> {
        let Some(clinic) = &st.clinic else {
            let db = &self.cfg.db_path;
            let key_file = KeyFile::path_for(db);
            return Ok(match &st.open_error {
                None if !db.exists() && !key_file.exists() => Stage::Setup,
                None => Stage::Unlock {
                    reason: Error::KeyringMissing.body(),
                },
                Some(
                    e @ (Error::KeyringMissing | Error::KeyringUnavailable(_) | Error::WrongKey),
                ) => Stage::Unlock { reason: e.body() },
                Some(e) => Stage::Broken {
                    error: e.body(),
                    db_path: db.display().to_string(),
                },
            });
        };
        let info = clinic.public_info()?;
        let Some(held) = &st.held else {
            return Ok(Stage::Login { clinic: info });
        };
        let session = SessionView::of(held);
        Ok(match clinic.session_locked(&held.token) {
            Ok(true) => Stage::Locked {
                clinic: info,
                session,
            },
            Ok(false) => Stage::Ready {
                clinic: info,
                session,
            },
            // Ended elsewhere (deactivated, password reset): log in again.
            Err(_) => Stage::Login { clinic: info },
        })
    }

    /// Tries to open the clinic again after the user fixed what the broken screen said.
    pub fn retry(&self) -> DeskResult<DeskStatus> {
        {
            let mut st = self.state();
            if st.clinic.is_none() {
                st.tried_keyring = false;
                st.open_error = None;
            }
        }
        self.status()
    }

    pub fn suggest_passphrase(&self) -> String {
        generate_recovery_passphrase()
    }

    /// The first-run wizard's last step: creates the clinic and its first admin.
    pub fn set_up(&self, setup: &NewClinic) -> DeskResult<SetUpClinic> {
        if self.remote().is_some() {
            return Err(DeskError::Paired);
        }
        let mut st = self.state();
        if st.clinic.is_some() || self.cfg.db_path.exists() {
            return Err(DeskError::AlreadySetUp);
        }
        if let Some(dir) = self.cfg.db_path.parent() {
            std::fs::create_dir_all(dir).map_err(Error::from)?;
        }
        let created = Clinic::create(&self.cfg.db_path, setup, self.opts())?;
        self.opened(&mut st, created.clinic);
        Ok(SetUpClinic {
            admin: created.admin,
            totp: created.admin_totp,
            key_in_keyring: created.key_in_keyring,
        })
    }

    /// Opens the clinic with the recovery passphrase (and puts the key back in the keyring).
    pub fn unlock_clinic(&self, passphrase: &Secret) -> DeskResult<DeskStatus> {
        {
            let mut st = self.state();
            if st.clinic.is_none() {
                match Clinic::open_with_passphrase(
                    &self.cfg.db_path,
                    passphrase.expose(),
                    self.opts(),
                ) {
                    Ok(c) => self.opened(&mut st, c),
                    Err(e @ Error::WrongPassphrase) => return Err(e.into()),
                    Err(e) => {
                        st.open_error = Some(e);
                    }
                }
            }
        }
        self.status()
    }

    fn clinic(&self) -> DeskResult<Arc<Clinic>> {
        let st = self.state();
        match &st.clinic {
            Some(c) => Ok(c.clone()),
            None if st.open_error.is_none() && !self.cfg.db_path.exists() => {
                Err(DeskError::NotSetUp)
            }
            None => Err(DeskError::NotUnlocked),
        }
    }

    pub fn login(
        &self,
        login: &str,
        password: Secret,
        totp_code: Option<String>,
    ) -> DeskResult<SessionView> {
        if let Some(r) = self.remote() {
            return r.login(login, password, totp_code);
        }
        let clinic = self.clinic()?;
        let session = clinic.login(&LoginRequest {
            login: login.to_string(),
            password,
            totp_code,
            workstation: self.cfg.workstation.clone(),
        })?;
        let view = SessionView::of(&session);
        let old = self.state().held.replace(session);
        if let Some(old) = old {
            let _ = clinic.end_session(&old.token);
        }
        Ok(view)
    }

    fn token(&self) -> DeskResult<String> {
        self.state()
            .held
            .as_ref()
            .map(|h| h.token.clone())
            .ok_or(DeskError::NotLoggedIn)
    }

    /// Forgets the session when the core says it is gone.
    fn note(&self, err: &Error) {
        if matches!(err, Error::SessionExpired | Error::AccountInactive) {
            self.state().held = None;
        }
    }

    pub fn lock(&self) -> DeskResult<()> {
        if let Some(r) = self.remote() {
            return r.lock();
        }
        let clinic = self.clinic()?;
        let token = self.token()?;
        clinic.lock_session(&token).inspect_err(|e| self.note(e))?;
        Ok(())
    }

    pub fn unlock(&self, password: &Secret) -> DeskResult<SessionView> {
        if let Some(r) = self.remote() {
            return r.unlock(password.clone());
        }
        let clinic = self.clinic()?;
        let token = self.token()?;
        let session = clinic
            .unlock_session(&token, password)
            .inspect_err(|e| self.note(e))?;
        let view = SessionView::of(&session);
        if let Some(h) = self.state().held.as_mut() {
            *h = session;
        }
        Ok(view)
    }

    /// Ends the session, locked or not, and returns to the login screen.
    pub fn log_out(&self) -> DeskResult<()> {
        if let Some(r) = self.remote() {
            return r.log_out();
        }
        let clinic = self.clinic()?;
        let held = self.state().held.take();
        if let Some(h) = held {
            clinic.end_session(&h.token)?;
        }
        Ok(())
    }

    pub fn keep_alive(&self) -> DeskResult<()> {
        if let Some(r) = self.remote() {
            return r.keep_alive();
        }
        let clinic = self.clinic()?;
        let token = self.token()?;
        clinic.keep_alive(&token).inspect_err(|e| self.note(e))?;
        Ok(())
    }

    /// The popup an event makes on this desk, for whoever is logged in here.
    pub fn popup_for(&self, ev: &Event) -> Option<frontdesk_notify::Popup> {
        if !matches!(ev, Event::TaskAssigned { .. }) {
            return None;
        }
        let (clinic, me) = {
            let st = self.state();
            (st.clinic.clone()?, st.held.as_ref()?.staff_id.clone())
        };
        let tz = clinic.public_info().ok()?.time_zone.parse().ok()?;
        let notice = |id: &str| clinic.task_notice(id).ok().flatten();
        frontdesk_notify::alerts::popup(
            ev,
            &frontdesk_notify::alerts::Here {
                me: &me,
                tz,
                notice: &notice,
                muted: clinic.popups_muted(&me).unwrap_or(false),
            },
        )
    }

    /// The one door, as the logged-in staff member.
    pub fn door(&self, req: Request) -> DeskResult<Response> {
        if let Some(r) = self.remote() {
            return r.door(req);
        }
        let clinic = self.clinic()?;
        let token = self.token()?;
        let logout = matches!(req, Request::Logout);
        let resp = clinic
            .handle(&Principal::Session { token }, req)
            .inspect_err(|e| self.note(e))?;
        if logout {
            self.state().held = None;
        }
        Ok(resp)
    }
}

/// Pairing and the LAN, on both kinds of desk.
impl Desk {
    /// Hosts announcing themselves on the LAN, for the connect screen.
    pub fn discover(&self) -> Vec<lan::Found> {
        lan::discover(std::time::Duration::from_millis(1500))
    }

    /// Pairs this PC with a host: `text` is the typed code or the QR code's text; `address`
    /// is needed unless the QR text carries it.
    pub fn pair(
        &self,
        text: &str,
        address: Option<&str>,
        name: Option<&str>,
    ) -> DeskResult<DeskStatus> {
        {
            let st = self.state();
            if st.clinic.is_some() || self.cfg.db_path.exists() {
                return Err(DeskError::AlreadySetUp);
            }
        }
        if self.remote().is_some() {
            return Err(DeskError::Paired);
        }
        let input = PairingInput::parse(text);
        let address = input
            .address
            .clone()
            .or_else(|| address.map(str::to_owned))
            .filter(|a| !a.trim().is_empty())
            .ok_or_else(|| {
                DeskError::Core(frontdesk_core::Error::Invalid {
                    field: "address".into(),
                    code: "validation.required",
                    reason: "give the host desk's address (shown with the code)".into(),
                })
            })?;
        let name = name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.cfg.workstation)
            .to_owned();
        let paired = block_on(lan::pair(&address, &input, &name)).map_err(DeskError::Lan)?;
        remote::save(&self.cfg.pairing_path, &paired)?;
        {
            let mut st = self.state();
            st.tried_pairing = true;
            self.start_remote(&mut st, paired)?;
        }
        if let Some(r) = self.remote() {
            r.settle(std::time::Duration::from_secs(5));
        }
        self.status()
    }

    /// Points a connected desk at the host's new address (the host PC moved or got a new IP);
    /// the pinned certificate still has to match.
    pub fn change_host(&self, address: &str) -> DeskResult<DeskStatus> {
        let Some(r) = self.remote() else {
            return Err(DeskError::NotSetUp);
        };
        let mut paired = r.paired().clone();
        paired.address = lan::with_port(address);
        remote::save(&self.cfg.pairing_path, &paired)?;
        {
            let mut st = self.state();
            st.remote = None;
            self.start_remote(&mut st, paired)?;
        }
        if let Some(r) = self.remote() {
            r.settle(std::time::Duration::from_secs(5));
        }
        self.status()
    }

    /// Forgets the pairing (after a revocation, or to set this PC up differently).
    pub fn unpair(&self) -> DeskResult<DeskStatus> {
        if let Some(r) = self.remote() {
            let _ = r.log_out();
        }
        {
            let mut st = self.state();
            st.remote = None;
        }
        match std::fs::remove_file(&self.cfg.pairing_path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(frontdesk_core::Error::from(e).into()),
        }
        self.status()
    }

    /// A pairing code for a new desk, with where to find this host.
    pub fn pairing_offer(&self) -> DeskResult<PairingOffer> {
        let code = match self.door(Request::DevicePairStart)? {
            Response::PairingCode(c) => c,
            _ => unreachable!("device.pair_start answers with a code"),
        };
        let addresses = self.lan_info()?.addresses;
        let qr_text = lan::qr_text(
            addresses.first().map(String::as_str).unwrap_or(""),
            &code.fingerprint,
            &code.code,
        );
        Ok(PairingOffer {
            code,
            addresses,
            qr_text,
        })
    }

    pub fn lan_info(&self) -> DeskResult<LanInfo> {
        if let Some(r) = self.remote() {
            return Ok(LanInfo {
                running: false,
                addresses: vec![r.paired().address.clone()],
                fingerprint: Some(r.paired().fingerprint.clone()),
                error: None,
                link: Some(r.link()),
            });
        }
        self.token()?;
        let st = self.state();
        let host = st.host.as_ref();
        Ok(LanInfo {
            running: host.and_then(|h| h.lan()).is_some(),
            addresses: host
                .and_then(|h| h.lan())
                .map(|l| l.addresses())
                .unwrap_or_default(),
            fingerprint: host.and_then(|h| h.lan()).map(|l| l.fingerprint.clone()),
            error: host.and_then(|h| h.lan_error()).map(str::to_owned),
            link: None,
        })
    }
}

/// Runs a future to completion on a runtime of its own: the caller is a plain or blocking
/// thread (the IPC's), where entering the host's runtime is not allowed.
fn block_on<F: std::future::Future + Send>(f: F) -> F::Output
where
    F::Output: Send,
{
    std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for one call")
                .block_on(f)
        })
        .join()
        .expect("the pairing thread does not panic")
    })
}

/// A pairing file that cannot start a link: the desk shows the set-up screen instead.
fn tracing_free_log(e: &DeskError) {
    eprintln!(
        "frontdesk: the saved pairing could not be used ({})",
        e.code()
    );
}

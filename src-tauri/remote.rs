//! A desk connected to the clinic's host over the LAN: the same calls as a host desk, carried
//! by `frontdesk_host::lan::LanClient` to the host's one door. Tauri-free like desk.rs.
//!
//! This PC keeps only the pairing (host address, pinned certificate, device key) in a file
//! readable by its user alone, and who is logged in, in memory. The session token stays in
//! the link, never in the web view.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use frontdesk_core::{allowed, ClinicInfo, Event, Request, Response, Secret, MATRIX};
use frontdesk_host::lan::{
    Incoming, LanClient, LanLink, LinkPhase, PairedHost, PopupNotice, RemoteCall, RemoteReply,
    SessionInfo,
};

use crate::desk::SessionView;
use crate::error::{DeskError, DeskResult};

/// What the link hands the shell (events for the window and popups, link changes).
pub type Sink = Arc<dyn Fn(Incoming) + Send + Sync>;

pub struct Remote {
    client: LanClient,
    session: Mutex<Option<SessionView>>,
    /// Locked here while the host was away (the idle lock must blank the screen even then);
    /// only the host can check the password that unlocks it.
    locked_here: std::sync::atomic::AtomicBool,
}

impl SessionView {
    pub(crate) fn from_info(s: &SessionInfo) -> Self {
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

/// The pairing file next to where a host desk would keep its database.
pub fn pairing_path(db_path: &Path) -> PathBuf {
    db_path.with_file_name("lan-desk.json")
}

pub fn load(path: &Path) -> Option<PairedHost> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Writes the pairing so that only this PC's user can read it, replacing the old one whole.
pub fn save(path: &Path, paired: &PairedHost) -> DeskResult<()> {
    let text = serde_json::to_string_pretty(paired).expect("a pairing serializes");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(frontdesk_core::Error::from)?;
    }
    let tmp = path.with_extension("json.tmp");
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&tmp).map_err(frontdesk_core::Error::from)?;
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(frontdesk_core::Error::from)?;
    }
    std::fs::rename(&tmp, path).map_err(frontdesk_core::Error::from)?;
    Ok(())
}

impl Remote {
    pub fn start(paired: PairedHost, sink: Sink) -> DeskResult<Arc<Remote>> {
        let client = LanClient::start(paired, move |inc| sink(inc)).map_err(DeskError::Lan)?;
        Ok(Arc::new(Remote {
            client,
            session: Mutex::new(None),
            locked_here: Default::default(),
        }))
    }

    pub fn paired(&self) -> &PairedHost {
        self.client.paired()
    }

    pub fn link(&self) -> LanLink {
        self.client.link()
    }

    /// Waits (a little) for the link's first answer, so that a desk just paired opens on the
    /// login screen rather than on "connecting".
    pub fn settle(&self, within: std::time::Duration) {
        let end = std::time::Instant::now() + within;
        while self.link().phase == LinkPhase::Connecting && std::time::Instant::now() < end {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    pub fn clinic(&self) -> Option<ClinicInfo> {
        self.client.clinic()
    }

    pub fn session(&self) -> Option<SessionView> {
        let s = self.session.lock().unwrap().clone();
        // The link forgets the token when the host does; so does the screen.
        s.filter(|_| self.client.logged_in())
    }

    fn call(&self, call: RemoteCall) -> DeskResult<RemoteReply> {
        let r = self.client.call(call);
        if let Err(frontdesk_host::Error::Remote(w)) = &r {
            if w.code == "auth.session_expired" || w.code == "auth.inactive" {
                *self.session.lock().unwrap() = None;
            }
        }
        r.map_err(DeskError::Lan)
    }

    fn took(&self, reply: RemoteReply) -> DeskResult<SessionView> {
        match reply {
            RemoteReply::Session { session, .. } => {
                self.locked_here
                    .store(false, std::sync::atomic::Ordering::SeqCst);
                let view = SessionView::from_info(&session);
                *self.session.lock().unwrap() = Some(view.clone());
                Ok(view)
            }
            _ => Err(unexpected()),
        }
    }

    /// Whether the session is locked; while the host is away the screen stays as it was.
    pub fn locked(&self) -> bool {
        if self.link().phase != LinkPhase::Connected {
            return false;
        }
        matches!(
            self.call(RemoteCall::SessionState),
            Ok(RemoteReply::Locked(true))
        )
    }

    pub fn login(
        &self,
        login: &str,
        password: Secret,
        totp: Option<String>,
    ) -> DeskResult<SessionView> {
        let reply = self.call(RemoteCall::Login {
            login: login.to_owned(),
            password,
            totp_code: totp,
        })?;
        self.took(reply)
    }

    pub fn lock(&self) -> DeskResult<()> {
        match self.call(RemoteCall::Lock) {
            Ok(_) => Ok(()),
            // The host is away: lock the screen here all the same.
            Err(DeskError::Lan(
                frontdesk_host::Error::Unreachable | frontdesk_host::Error::Timeout,
            )) => {
                self.locked_here
                    .store(true, std::sync::atomic::Ordering::SeqCst);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    pub fn unlock(&self, password: Secret) -> DeskResult<SessionView> {
        let reply = self.call(RemoteCall::Unlock { password })?;
        let view = self.took(reply)?;
        self.locked_here
            .store(false, std::sync::atomic::Ordering::SeqCst);
        Ok(view)
    }

    pub fn log_out(&self) -> DeskResult<()> {
        *self.session.lock().unwrap() = None;
        self.locked_here
            .store(false, std::sync::atomic::Ordering::SeqCst);
        self.call(RemoteCall::LogOut).map(|_| ())
    }

    pub fn keep_alive(&self) -> DeskResult<()> {
        self.call(RemoteCall::KeepAlive).map(|_| ())
    }

    pub fn door(&self, req: Request) -> DeskResult<Response> {
        let logout = matches!(req, Request::Logout);
        match self.call(RemoteCall::Door(req))? {
            RemoteReply::Door(r) => {
                if logout {
                    *self.session.lock().unwrap() = None;
                }
                Ok(r)
            }
            _ => Err(unexpected()),
        }
    }

    /// The popup for an event the host marked as this desk's.
    pub fn popup_for(&self, ev: &Event, notice: &PopupNotice) -> Option<frontdesk_notify::Popup> {
        let me = self.session()?.staff_id;
        let tz = notice.time_zone.parse().ok()?;
        let n = |_: &str| Some(notice.notice.clone());
        frontdesk_notify::alerts::popup(
            ev,
            &frontdesk_notify::alerts::Here {
                me: &me,
                tz,
                notice: &n,
                muted: notice.muted,
            },
        )
    }
}

fn unexpected() -> DeskError {
    DeskError::Lan(frontdesk_host::Error::Protocol(
        "the host answered with the wrong kind of reply".into(),
    ))
}

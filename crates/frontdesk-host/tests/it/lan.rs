//! Desks on the LAN, end to end on 127.0.0.1: a real host (the LAN service over TLS on a real
//! SQLCipher clinic) and real desk links (`LanClient`), so pairing, the pinned certificate,
//! the hello signature, the one door and the events all run as they do between two PCs.

use std::net::SocketAddr;
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

use frontdesk_core::clock::ManualClock;
use frontdesk_core::*;
use frontdesk_host::lan::{
    self, Incoming, LanClient, LanOptions, LinkPhase, PairedHost, PairingInput, RemoteCall,
    RemoteReply, ToHost,
};
use frontdesk_host::Host;

use crate::support::free_port;

const PASSPHRASE: &str = "lan test recovery passphrase";
const PASSWORD: &str = "lan-test-password";

fn operator() -> Principal {
    Principal::Operator {
        workstation: "lan-test".into(),
    }
}

struct Site {
    dir: tempfile::TempDir,
    clock: ManualClock,
    clinic: Arc<Clinic>,
    host: Option<Host>,
    addr: SocketAddr,
    opts: LanOptions,
}

fn open(path: &std::path::Path, clock: &ManualClock) -> Arc<Clinic> {
    Arc::new(
        Clinic::open_as_operator(
            path,
            PASSPHRASE,
            Options {
                clock: Arc::new(clock.clone()),
                keyring: None,
            },
        )
        .unwrap(),
    )
}

impl Site {
    fn new() -> Site {
        Site::with(LanOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], free_port())),
            advertise: false,
            ..LanOptions::default()
        })
    }

    fn with(opts: LanOptions) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clinic.db");
        Clinic::create(
            &path,
            &NewClinic {
                name: "Sunrise Clinic".into(),
                time_zone: "Asia/Phnom_Penh".into(),
                phone_region: "KH".into(),
                admin_login: "boss".into(),
                admin_name: "Boss".into(),
                admin_password: Secret::new("boss-password-1"),
                recovery_passphrase: Secret::new(PASSPHRASE),
            },
            Options::default(),
        )
        .unwrap();
        let clock = ManualClock::new(chrono::Utc::now());
        let clinic = open(&path, &clock);
        for login in ["rita", "sam"] {
            let mut fields = StaffFields::new(login, Role::Receptionist);
            fields.working_hours = Shift::around_the_clock();
            clinic
                .handle(
                    &operator(),
                    Request::StaffCreate(NewStaff {
                        login: login.into(),
                        password: Secret::new(PASSWORD),
                        fields,
                    }),
                )
                .unwrap();
        }
        let host = Host::start(clinic.clone(), None, Some(opts.clone())).unwrap();
        let addr = host.lan().expect("the LAN service runs").addr;
        Site {
            dir,
            clock,
            clinic,
            host: Some(host),
            addr,
            opts,
        }
    }

    fn code(&self) -> PairingCode {
        match self
            .clinic
            .handle(&operator(), Request::DevicePairStart)
            .unwrap()
        {
            Response::PairingCode(c) => c,
            other => panic!("expected a code, got {other:?}"),
        }
    }

    fn pair(&self, name: &str) -> PairedHost {
        let code = self.code();
        pair(&self.addr.to_string(), &code.code, name).expect("pairing works")
    }

    fn staff_id(&self, login: &str) -> String {
        let Response::StaffList(list) = self
            .clinic
            .handle(
                &operator(),
                Request::StaffList {
                    include_inactive: false,
                },
            )
            .unwrap()
        else {
            panic!()
        };
        list.into_iter().find(|s| s.login == login).unwrap().id
    }

    fn audit(&self) -> Vec<AuditRecord> {
        let Response::AuditRecords(r) = self
            .clinic
            .handle(
                &operator(),
                Request::AuditList {
                    filter: Default::default(),
                    before_seq: None,
                    limit: Some(200),
                },
            )
            .unwrap()
        else {
            panic!()
        };
        r
    }

    fn refusals(&self, action: &str, code: &str) -> Vec<AuditRecord> {
        self.audit()
            .into_iter()
            .filter(|r| r.action == action && r.detail.as_deref() == Some(code))
            .collect()
    }

    /// Stops the host the hard way (as a crash would), keeping the database file.
    fn stop(&mut self) {
        self.host = None;
    }

    /// Starts the host again on the same address; `fresh` reopens the clinic as a restarted
    /// process would, forgetting every session.
    fn restart(&mut self, fresh: bool) {
        if fresh {
            self.clinic = open(&self.dir.path().join("clinic.db"), &self.clock);
        }
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            let h = Host::start(self.clinic.clone(), None, Some(self.opts.clone())).unwrap();
            if h.lan().is_some() {
                self.host = Some(h);
                return;
            }
            assert!(Instant::now() < end, "the port never came free");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn pair(address: &str, text: &str, name: &str) -> Result<PairedHost, frontdesk_host::Error> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(lan::pair(address, &PairingInput::parse(text), name))
}

struct Desk {
    client: LanClient,
    rx: Receiver<Incoming>,
}

impl Desk {
    fn connect(paired: PairedHost) -> Desk {
        let (tx, rx) = channel();
        let tx = std::sync::Mutex::new(tx);
        let client = LanClient::start(paired, move |i| {
            let _ = tx.lock().unwrap().send(i);
        })
        .unwrap();
        let d = Desk { client, rx };
        d.wait_phase(LinkPhase::Connected);
        d
    }

    fn wait_phase(&self, phase: LinkPhase) {
        let end = Instant::now() + Duration::from_secs(15);
        while self.client.link().phase != phase {
            assert!(
                Instant::now() < end,
                "the link stayed {:?}, not {phase:?}",
                self.client.link()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn login(&self, login: &str) -> RemoteReply {
        self.client
            .call(RemoteCall::Login {
                login: login.into(),
                password: Secret::new(PASSWORD),
                totp_code: None,
            })
            .expect("login works")
    }

    fn door(&self, req: Request) -> Result<Response, frontdesk_host::Error> {
        match self.client.call(RemoteCall::Door(req))? {
            RemoteReply::Door(r) => Ok(r),
            other => panic!("expected a door reply, got {other:?}"),
        }
    }

    /// The next event the host pushed, skipping link changes.
    fn next_event(&self, within: Duration) -> Option<(Event, Option<lan::PopupNotice>)> {
        let end = Instant::now() + within;
        loop {
            let left = end.checked_duration_since(Instant::now())?;
            match self.rx.recv_timeout(left) {
                Ok(Incoming::Event { event, popup }) => return Some((event, popup)),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }

    fn drain(&self) {
        while self.rx.try_recv().is_ok() {}
    }
}

fn code_of(e: &frontdesk_host::Error) -> &'static str {
    e.code()
}

#[test]
fn a_paired_desk_logs_in_and_uses_the_door_and_the_audit_names_it() {
    let site = Site::new();
    let desk = Desk::connect(site.pair("Consult room 2"));

    // The device alone reads nothing.
    let e = desk.door(Request::ClientSearch {
        query: String::new(),
        cursor: None,
        limit: None,
    });
    assert_eq!(code_of(&e.unwrap_err()), "auth.session_expired");
    assert!(matches!(
        desk.client.call(RemoteCall::ClinicInfo).unwrap(),
        RemoteReply::Clinic(c) if c.name == "Sunrise Clinic"
    ));

    let RemoteReply::Session { session, .. } = desk.login("rita") else {
        panic!("expected a session")
    };
    assert_eq!(session.login, "rita");
    let Response::ClientSaved(saved) = desk
        .door(Request::ClientCreate {
            id: None,
            fields: ClientFields {
                full_name: "Chan Dara".into(),
                ..ClientFields::default()
            },
        })
        .unwrap()
    else {
        panic!()
    };
    // Permissions are the host's: a receptionist may not list the audit log from any desk.
    let e = desk
        .door(Request::AuditList {
            filter: Default::default(),
            before_seq: None,
            limit: None,
        })
        .unwrap_err();
    assert_eq!(code_of(&e), "access.forbidden");

    let audit = site.audit();
    let created = audit
        .iter()
        .find(|r| r.action == "client.create" && r.target_id.as_deref() == Some(&saved.client.id))
        .expect("the create is audited");
    assert_eq!(created.workstation, "Consult room 2");
    let login = audit
        .iter()
        .find(|r| r.action == "auth.login" && r.outcome == "ok")
        .unwrap();
    assert_eq!(login.workstation, "Consult room 2");
    let denied = audit
        .iter()
        .find(|r| r.action == "audit.list" && r.outcome == "denied")
        .unwrap();
    assert_eq!(denied.workstation, "Consult room 2");

    let Response::Devices(list) = site
        .clinic
        .handle(&operator(), Request::DeviceList)
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name, "Consult room 2");
    assert!(list[0].last_seen_at.is_some());
    assert_eq!(list[0].last_seen_from.as_deref(), Some("127.0.0.1"));
}

#[test]
fn wrong_used_and_expired_codes_are_refused_and_audited() {
    let site = Site::new();
    let addr = site.addr.to_string();
    let code = site.code();
    assert_eq!(code.code.len(), 11, "shown as XXX-XXX-XXX");

    // The right slot, a wrong secret.
    let mut wrong: Vec<char> = code.code.chars().collect();
    wrong[10] = if wrong[10] == '7' { '8' } else { '7' };
    let wrong: String = wrong.into_iter().collect();
    let e = pair(&addr, &wrong, "Guess").unwrap_err();
    assert_eq!(code_of(&e), "pair.wrong_code");

    // The right code, typed loosely, works once.
    let loose = code.code.to_lowercase().replace('-', " ");
    pair(&addr, &loose, "Reception 2").expect("the right code pairs");
    let e = pair(&addr, &code.code, "Reception 3").unwrap_err();
    assert_eq!(code_of(&e), "pair.wrong_code", "a code is single-use");

    // Ten minutes later a fresh code is no good either.
    let late = site.code();
    site.clock.advance(chrono::Duration::minutes(11));
    let e = pair(&addr, &late.code, "Late").unwrap_err();
    assert_eq!(code_of(&e), "pair.code_expired");

    assert_eq!(site.refusals("device.pair", "pair.wrong_code").len(), 2);
    assert_eq!(site.refusals("device.pair", "pair.code_expired").len(), 1);
    let Response::Devices(list) = site
        .clinic
        .handle(&operator(), Request::DeviceList)
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(
        list.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        ["Reception 2"],
        "refused attempts leave no device behind"
    );
}

#[test]
fn pairing_attempts_from_one_address_are_rate_limited() {
    let site = Site::new();
    let addr = site.addr.to_string();
    let mut codes = vec![];
    for _ in 0..8 {
        let e = pair(&addr, "ZZZ-ZZZ-ZZZ", "Guess").unwrap_err();
        codes.push(code_of(&e));
    }
    assert_eq!(&codes[..5], ["pair.wrong_code"; 5]);
    assert_eq!(&codes[5..], ["lan.rate_limited"; 3]);
    assert_eq!(site.refusals("device.pair", "lan.rate_limited").len(), 3);
}

#[test]
fn a_revoked_desk_is_cut_off_at_once_and_refused_afterwards() {
    let site = Site::new();
    let paired = site.pair("Old laptop");
    let desk = Desk::connect(paired.clone());
    let RemoteReply::Session { token, .. } = desk.login("rita") else {
        panic!()
    };
    site.clinic
        .handle(
            &operator(),
            Request::DeviceRevoke {
                id: paired.device_id.clone(),
            },
        )
        .unwrap();
    desk.wait_phase(LinkPhase::Refused);
    assert_eq!(
        desk.client.link().last_error.as_deref(),
        Some("device.revoked")
    );
    assert_eq!(
        site.clinic.session(&token).unwrap_err().code(),
        "auth.session_expired",
        "the device's session ended with it"
    );
    // A new connection with the same credential is refused and audited.
    let again = {
        let (tx, _rx) = channel();
        let tx = std::sync::Mutex::new(tx);
        LanClient::start(paired, move |i| {
            let _ = tx.lock().unwrap().send(i);
        })
        .unwrap()
    };
    let end = Instant::now() + Duration::from_secs(10);
    while again.link().phase != LinkPhase::Refused {
        assert!(Instant::now() < end);
        std::thread::sleep(Duration::from_millis(20));
    }
    let refused = site.refusals("device.connect", "device.revoked");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].workstation, "Old laptop");
}

#[test]
fn another_certificate_on_the_hosts_address_is_refused_and_reported_later() {
    let mut site = Site::new();
    let paired = site.pair("Front desk 2");
    let desk = Desk::connect(paired.clone());
    desk.login("rita");

    // A stranger takes the host's address: a different certificate.
    site.stop();
    desk.wait_phase(LinkPhase::Unreachable);
    let impostor = Site::with(site.opts.clone());
    let end = Instant::now() + Duration::from_secs(15);
    while desk.client.link().last_error.as_deref() != Some("lan.cert_mismatch") {
        assert!(Instant::now() < end, "{:?}", desk.client.link());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        impostor
            .audit()
            .iter()
            .all(|r| r.action != "device.connect"),
        "the desk never said hello to the impostor"
    );
    // Pairing with the QR code's fingerprint refuses the impostor before any code is sent.
    let qr = lan::qr_text(&site.addr.to_string(), &paired.fingerprint, "ABC-DEF-GHJ");
    assert_eq!(
        code_of(&pair(&site.addr.to_string(), &qr, "x").unwrap_err()),
        "lan.cert_mismatch"
    );
    drop(impostor);

    // The genuine host returns: the desk reconnects and the mismatch lands in its audit log.
    site.restart(false);
    desk.wait_phase(LinkPhase::Connected);
    let end = Instant::now() + Duration::from_secs(10);
    while site
        .refusals("lan.cert_mismatch", "lan.cert_mismatch")
        .is_empty()
    {
        assert!(Instant::now() < end, "the mismatch was not reported");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        site.refusals("lan.cert_mismatch", "lan.cert_mismatch")[0].workstation,
        "Front desk 2"
    );
}

#[test]
fn a_replayed_frame_is_refused_and_audited() {
    let site = Site::new();
    let desk = Desk::connect(site.pair("Desk R"));
    let frame = ToHost::Call {
        n: 1_000,
        call: RemoteCall::ClinicInfo,
    };
    desk.client.send_raw(frame.clone()).unwrap();
    desk.client.send_raw(frame).unwrap();
    let end = Instant::now() + Duration::from_secs(10);
    while site.refusals("lan.call", "lan.replay").is_empty() {
        assert!(Instant::now() < end, "the replay was not audited");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The desk's own next call carries a lower number than the injected one: refused too.
    let e = desk.client.call(RemoteCall::ClinicInfo).unwrap_err();
    assert_eq!(code_of(&e), "lan.replay");
    assert_eq!(site.refusals("lan.call", "lan.replay").len(), 2);
}

#[test]
fn a_flood_of_requests_is_refused_and_audited_once() {
    let site = Site::with(LanOptions {
        listen: SocketAddr::from(([127, 0, 0, 1], free_port())),
        requests_per_second: 5,
        burst: 5,
        advertise: false,
        ..LanOptions::default()
    });
    let desk = Desk::connect(site.pair("Busy desk"));
    let mut refused = 0;
    for _ in 0..40 {
        match desk.client.call(RemoteCall::ClinicInfo) {
            Ok(_) => {}
            Err(e) => {
                assert_eq!(code_of(&e), "lan.rate_limited");
                assert_eq!(e.retry_after_secs(), Some(1));
                refused += 1;
            }
        }
    }
    assert!(refused >= 25, "only {refused} of 40 were refused");
    assert_eq!(
        site.refusals("lan.call", "lan.rate_limited").len(),
        1,
        "a flood is audited once a minute, not once a frame"
    );
    // After the flood the desk is served again.
    std::thread::sleep(Duration::from_millis(1200));
    desk.client.call(RemoteCall::ClinicInfo).unwrap();
}

#[test]
fn a_task_pops_up_on_the_desk_of_its_assignee_only() {
    let site = Site::new();
    let rita_desk = Desk::connect(site.pair("Rita's PC"));
    let sam_desk = Desk::connect(site.pair("Sam's PC"));
    let idle_desk = Desk::connect(site.pair("Nobody's PC"));
    rita_desk.login("rita");
    sam_desk.login("sam");
    for d in [&rita_desk, &sam_desk, &idle_desk] {
        d.drain();
    }
    let rita = site.staff_id("rita");
    // Sam hands Rita a call-back from his desk.
    sam_desk
        .door(Request::TaskCreate(NewTask {
            id: None,
            kind: TaskKind::CallBack,
            title: "Call back about the test results".into(),
            note: String::new(),
            client_id: None,
            conversation_id: None,
            assignee_ids: vec![rita.clone()],
            due_at: None,
            priority: Priority::Normal,
        }))
        .unwrap();

    let assigned = |d: &Desk| loop {
        match d.next_event(Duration::from_secs(5)) {
            Some((Event::TaskAssigned { assignee_id, .. }, popup)) => {
                return Some((assignee_id, popup))
            }
            Some(_) => continue,
            None => return None,
        }
    };
    let (to, popup) = assigned(&rita_desk).expect("Rita's desk hears of it");
    assert_eq!(to, rita);
    let popup = popup.expect("with a popup for Rita");
    assert_eq!(popup.notice.assignee_name.as_deref(), Some("rita"));
    assert_eq!(popup.time_zone, "Asia/Phnom_Penh");
    let (_, popup) = assigned(&sam_desk).expect("Sam's list refreshes too");
    assert!(popup.is_none(), "but Sam gets no popup");
    assert!(
        idle_desk.next_event(Duration::from_millis(500)).is_none(),
        "a desk nobody is logged in on hears nothing"
    );
}

/// A cable between a desk and the host that the test can pull out and plug back in.
struct Cable {
    rt: tokio::runtime::Runtime,
    addr: SocketAddr,
    cut: Arc<std::sync::atomic::AtomicBool>,
    links: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Cable {
    fn to(host: SocketAddr) -> Cable {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let cut = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let links = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (c, l) = (cut.clone(), links.clone());
        rt.spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if c.load(std::sync::atomic::Ordering::SeqCst) {
                    continue; // dropped: the desk sees the connection fail
                }
                l.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut out) = tokio::net::TcpStream::connect(host).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                }));
            }
        });
        Cable {
            rt,
            addr,
            cut,
            links,
        }
    }

    fn pull(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        for h in self.links.lock().unwrap().drain(..) {
            h.abort();
        }
    }

    fn plug(&self) {
        self.cut.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for Cable {
    fn drop(&mut self) {
        self.pull();
        let _ = &self.rt;
    }
}

#[test]
fn a_pulled_cable_fails_calls_at_once_and_the_link_comes_back_with_its_session() {
    let site = Site::new();
    let cable = Cable::to(site.addr);
    let mut paired = site.pair("Reception 2");
    paired.address = cable.addr.to_string();
    let desk = Desk::connect(paired);
    desk.login("rita");

    cable.pull();
    desk.wait_phase(LinkPhase::Unreachable);
    let t = Instant::now();
    let e = desk
        .door(Request::ClientSearch {
            query: String::new(),
            cursor: None,
            limit: None,
        })
        .unwrap_err();
    assert_eq!(code_of(&e), "lan.unreachable");
    assert!(t.elapsed() < Duration::from_secs(1), "nothing hangs");

    cable.plug();
    desk.wait_phase(LinkPhase::Connected);
    assert!(desk.client.logged_in());
    desk.door(Request::ClientSearch {
        query: String::new(),
        cursor: None,
        limit: None,
    })
    .expect("the session was taken up again");
}

#[test]
fn a_restarted_host_asks_the_desk_for_a_login_again() {
    let mut site = Site::new();
    let desk = Desk::connect(site.pair("Reception 2"));
    desk.login("rita");

    // A restarted host process has forgotten every session: the desk is told to log in.
    site.stop();
    desk.wait_phase(LinkPhase::Unreachable);
    desk.drain();
    site.restart(true);
    desk.wait_phase(LinkPhase::Connected);
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        match desk.rx.recv_timeout(Duration::from_millis(100)) {
            Ok(Incoming::SessionLost) => break,
            _ => assert!(Instant::now() < end, "the desk was not told to log in"),
        }
    }
    assert!(!desk.client.logged_in());
    desk.login("rita");
    desk.door(Request::ClientSearch {
        query: String::new(),
        cursor: None,
        limit: None,
    })
    .unwrap();
}

#[test]
fn a_new_desk_finds_the_host_on_the_lan() {
    let site = Site::with(LanOptions {
        listen: SocketAddr::from(([0, 0, 0, 0], free_port())),
        advertise: true,
        ..LanOptions::default()
    });
    let fingerprint = site
        .host
        .as_ref()
        .unwrap()
        .lan()
        .unwrap()
        .fingerprint
        .clone();
    let end = Instant::now() + Duration::from_secs(20);
    let found = loop {
        let found = lan::discover(Duration::from_secs(2));
        if let Some(f) = found.into_iter().find(|f| {
            fingerprint.starts_with(&f.fingerprint_prefix) && !f.fingerprint_prefix.is_empty()
        }) {
            break f;
        }
        assert!(Instant::now() < end, "the host was not found by mDNS");
    };
    assert_eq!(found.clinic, "Sunrise Clinic");
    assert!(found.address.ends_with(&format!(":{}", site.addr.port())));
    // What was found is enough to pair.
    let code = site.code();
    pair(&found.address, &code.code, "Found desk").expect("pairs at the found address");
}

/// `frontdesk-admin` on the test's clinic, returning its standard output.
fn admin(db: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new(crate::support::bin("frontdesk-admin"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("FRONTDESK_PASSPHRASE", PASSPHRASE)
        .env("FRONTDESK_ADMIN_PASSWORD", "boss-password-1")
        .env("FRONTDESK_STAFF_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "frontdesk-admin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn serve(db: &std::path::Path, addr: &str) -> crate::support::Proc {
    use std::io::BufRead;
    let mut child = std::process::Command::new(crate::support::bin("frontdesk-admin"))
        .arg("--db")
        .arg(db)
        .args(["serve", "--lan-listen", addr])
        .env("FRONTDESK_PASSPHRASE", PASSPHRASE)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let lan = lines
        .by_ref()
        .map(|l| l.unwrap())
        .find(|l| l.starts_with("lan listening on") || l.contains("serving"))
        .unwrap();
    assert!(
        lan.starts_with(&format!("lan listening on {addr} certificate ")),
        "{lan}"
    );
    std::thread::spawn(move || for _ in lines {});
    crate::support::Proc(child)
}

#[test]
fn a_headless_host_takes_desks_and_a_desk_outlives_a_killed_host() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clinic.db");
    admin(&db, &["init", "--clinic", "Box Clinic", "--admin", "boss"]);
    admin(
        &db,
        &[
            "staff",
            "add",
            "--login",
            "rita",
            "--name",
            "Rita",
            "--role",
            "receptionist",
        ],
    );
    let addr = format!("127.0.0.1:{}", free_port());
    let host = serve(&db, &addr);
    let offer: serde_json::Value = serde_json::from_str(&admin(
        &db,
        &["--json", "device", "pair", "--address", &addr],
    ))
    .unwrap();
    assert_eq!(offer["addresses"][0], addr.as_str());
    let qr = offer["qr_text"].as_str().unwrap();
    assert!(qr.contains(&format!("host={addr}")));
    // The QR code's text alone is enough: it carries the address and the certificate.
    let desk = Desk::connect(pair("", qr, "Clinician PC").unwrap());
    desk.login("rita");
    let listed = admin(&db, &["device", "list"]);
    assert!(
        listed.contains("Clinician PC") && listed.contains("active"),
        "{listed}"
    );

    // The host process dies mid-session: calls fail at once, the link retries, and the
    // restarted host asks the desk for a login before anything else runs.
    host.kill9();
    desk.wait_phase(LinkPhase::Unreachable);
    assert_eq!(
        code_of(&desk.client.call(RemoteCall::ClinicInfo).unwrap_err()),
        "lan.unreachable"
    );
    desk.drain();
    let _host = serve(&db, &addr);
    desk.wait_phase(LinkPhase::Connected);
    let end = Instant::now() + Duration::from_secs(10);
    while !matches!(
        desk.rx.recv_timeout(Duration::from_millis(100)),
        Ok(Incoming::SessionLost)
    ) {
        assert!(Instant::now() < end, "the desk was not told to log in");
    }
    desk.login("rita");
    assert!(matches!(
        desk.door(Request::ClinicGet).unwrap(),
        Response::Clinic(c) if c.name == "Box Clinic"
    ));

    // Revoked from the command line, a different process from the host: the next call is
    // refused and the link ends for good.
    let id = listed.split('\t').next().unwrap().to_owned();
    admin(&db, &["device", "revoke", &id]);
    assert_eq!(
        code_of(&desk.client.call(RemoteCall::ClinicInfo).unwrap_err()),
        "device.revoked"
    );
    desk.wait_phase(LinkPhase::Refused);
}

//! The LAN service's load generator (BENCHMARKS.md, "LAN desks"). It makes a SQLCipher clinic
//! with 30 staff, starts the real headless host (`frontdesk-admin serve`) on 127.0.0.1, pairs
//! 30 desk links (`LanClient`, as the desk app uses) and logs each in as its own staff member,
//! then measures:
//!
//! - `rtt`: a call's round trip from a connected desk, for a call that only crosses the wire
//!   (`clinic_info`) and for a door request (`clinic_get`: session check, permission, audit
//!   record, commit), paced at 50 calls a second as a busy desk would be;
//! - `fanout`: an event reaching all 30 desks: a desk creates a task, and the time from sending
//!   that request to each desk receiving the task's event is taken, 200 times;
//! - `idle`: the host process's CPU time over 30 s while the 30 desks stay connected.
//!
//! `cargo run --release -p frontdesk-host --example lan_load -- ADMIN_BIN [rtt|fanout|idle|all]`

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use frontdesk_core::*;
use frontdesk_host::lan::{self, Incoming, LanClient, LinkPhase, PairingInput, RemoteCall};

const PASSPHRASE: &str = "lan load recovery passphrase";
const PASSWORD: &str = "lan-load-password";
const DESKS: usize = 30;

type Arrivals = Arc<Mutex<HashMap<String, Vec<Instant>>>>;

struct Host {
    child: std::process::Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "{name}: n={} p50={:.2} ms p90={:.2} ms p99={:.2} ms max={:.2} ms",
        ms.len(),
        pct(&ms, 0.50),
        pct(&ms, 0.90),
        pct(&ms, 0.99),
        ms[ms.len() - 1]
    );
}

/// The clinic with its staff and one pairing code per desk, then the host serving it.
fn host(admin: &str) -> (Host, Vec<String>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("clinic.db");
    Clinic::create(
        &db,
        &NewClinic {
            name: "Load Clinic".into(),
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
    let op = Principal::Operator {
        workstation: "lan-load".into(),
    };
    let logins = {
        let clinic = Clinic::open_as_operator(&db, PASSPHRASE, Options::default()).unwrap();
        let mut logins = vec![];
        for i in 0..DESKS {
            let login = format!("staff{i:02}");
            let mut fields = StaffFields::new(&login, Role::Receptionist);
            fields.working_hours = Shift::around_the_clock();
            clinic
                .handle(
                    &op,
                    Request::StaffCreate(NewStaff {
                        login: login.clone(),
                        password: Secret::new(PASSWORD),
                        fields,
                    }),
                )
                .unwrap();
            logins.push(login);
        }
        logins
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(admin)
        .arg("--db")
        .arg(&db)
        .args(["serve", "--lan-listen", &addr])
        // Thirty PCs paired at once from one address: more than the default allows.
        .args(["--lan-pairings-per-minute", "100"])
        .env("FRONTDESK_PASSPHRASE", PASSPHRASE)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        if line.unwrap().contains("serving") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    // Codes once the host has made its certificate (the admin CLI would do the same).
    let clinic = Clinic::open_as_operator(&db, PASSPHRASE, Options::default()).unwrap();
    let codes = (0..DESKS)
        .map(
            |_| match clinic.handle(&op, Request::DevicePairStart).unwrap() {
                Response::PairingCode(c) => c.code,
                _ => panic!(),
            },
        )
        .collect();
    (
        Host {
            child,
            addr,
            _dir: dir,
        },
        logins,
        codes,
    )
}

fn desks(host: &Host, logins: &[String], codes: &[String], arrivals: &Arrivals) -> Vec<LanClient> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut out = vec![];
    for (i, (login, code)) in logins.iter().zip(codes).enumerate() {
        let paired = rt
            .block_on(lan::pair(
                &host.addr,
                &PairingInput::parse(code),
                &format!("Desk {i:02}"),
            ))
            .unwrap();
        let arrivals = arrivals.clone();
        let client = LanClient::start(paired, move |inc| {
            if let Incoming::Event {
                event: Event::TaskChanged { id },
                ..
            } = inc
            {
                let now = Instant::now();
                arrivals.lock().unwrap().entry(id).or_default().push(now);
            }
        })
        .unwrap();
        let end = Instant::now() + Duration::from_secs(10);
        while client.link().phase != LinkPhase::Connected {
            assert!(Instant::now() < end, "desk {i} did not connect");
            std::thread::sleep(Duration::from_millis(5));
        }
        client
            .call(RemoteCall::Login {
                login: login.clone(),
                password: Secret::new(PASSWORD),
                totp_code: None,
            })
            .unwrap();
        out.push(client);
    }
    out
}

fn rtt(desk: &LanClient) {
    for (name, call) in [
        ("rtt clinic_info (wire only)", RemoteCall::ClinicInfo),
        (
            "rtt clinic_get (the door)",
            RemoteCall::Door(Request::ClinicGet),
        ),
    ] {
        let mut ms = vec![];
        for i in 0..1100 {
            let t = Instant::now();
            desk.call(call.clone()).unwrap();
            if i >= 100 {
                ms.push(t.elapsed().as_secs_f64() * 1e3);
            }
            // 50 calls a second: well inside one desk's allowance (100/s).
            std::thread::sleep(Duration::from_millis(20).saturating_sub(t.elapsed()));
        }
        report(name, ms);
    }
}

fn fanout(desks: &[LanClient], arrivals: &Arrivals, me: &str) {
    let mut ms = vec![];
    let mut incomplete = 0;
    for round in 0..220 {
        let id = ulid::Ulid::new().to_string();
        let t = Instant::now();
        desks[round % desks.len()]
            .call(RemoteCall::Door(Request::TaskCreate(NewTask {
                id: Some(id.clone()),
                kind: TaskKind::Custom,
                title: format!("Fan-out {round}"),
                note: String::new(),
                client_id: None,
                conversation_id: None,
                assignee_ids: vec![me.to_owned()],
                due_at: None,
                priority: Priority::Normal,
            })))
            .unwrap();
        let end = Instant::now() + Duration::from_secs(5);
        loop {
            let n = arrivals.lock().unwrap().get(&id).map_or(0, Vec::len);
            if n >= desks.len() || Instant::now() > end {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let got = arrivals.lock().unwrap().remove(&id).unwrap_or_default();
        if got.len() < desks.len() {
            incomplete += 1;
        }
        if round >= 20 {
            ms.extend(got.iter().map(|a| (*a - t).as_secs_f64() * 1e3));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    report(
        &format!(
            "fanout to {} desks (request sent -> event at each desk)",
            desks.len()
        ),
        ms,
    );
    println!("fanout rounds where a desk missed the event: {incomplete}");
}

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split(' ').collect();
    // Fields 14 and 15 of stat(5), counted after the command name.
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn idle(host: &Host) {
    std::thread::sleep(Duration::from_secs(3));
    let pid = host.child.id();
    let (c0, t0) = (cpu_seconds(pid), Instant::now());
    std::thread::sleep(Duration::from_secs(30));
    let (c1, t1) = (cpu_seconds(pid), Instant::now());
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:").map(|v| v.trim().to_owned()))
        .unwrap_or_default();
    println!(
        "idle host with {DESKS} desks: {:.2} % of one core over {:.0} s (rss {rss})",
        (c1 - c0) / (t1 - t0).as_secs_f64() * 100.0,
        (t1 - t0).as_secs_f64()
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let admin = args
        .next()
        .expect("usage: lan_load ADMIN_BIN [rtt|fanout|idle|all]");
    let what = args.next().unwrap_or_else(|| "all".into());
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (host, logins, codes) = host(&admin);
    let arrivals: Arrivals = Arc::default();
    let desks = desks(&host, &logins, &codes, &arrivals);
    let me = match desks[0]
        .call(RemoteCall::Door(Request::StaffList {
            include_inactive: false,
        }))
        .unwrap()
    {
        lan::RemoteReply::Door(Response::StaffList(l)) => {
            l.into_iter().find(|s| s.login == logins[0]).unwrap().id
        }
        _ => panic!(),
    };
    if what == "rtt" || what == "all" {
        rtt(&desks[0]);
    }
    if what == "fanout" || what == "all" {
        fanout(&desks, &arrivals, &me);
    }
    if what == "idle" || what == "all" {
        idle(&host);
    }
}

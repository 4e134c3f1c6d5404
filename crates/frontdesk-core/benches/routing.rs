//! Routing under a busy clinic (BENCHMARKS.md, "Routing and tasks"): 200 staff, all logged in
//! and on shift, with 10,000 open tasks (5,000 chats being answered and 5,000 call-backs and
//! other tasks, half of them linked to clients). One sample is one new chat arriving through
//! `Clinic::ingest`, as the host hands it over: decrypting it, storing it, identifying the
//! client, deciding the assignee and writing the task, its history and the assignee's
//! tie-breaker, all in one durable SQLCipher transaction. Half the arrivals come from known
//! clients (the continuity and account-manager rules run), half from new visitors.
//!
//! Run: `cargo bench -p frontdesk-core --bench routing`

use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;
use support::{ms, percentile};

use criterion::Criterion;
use frontdesk_core::*;
use frontdesk_proto::crypto::{Body, Side, VisitorKey};
use frontdesk_proto::wire::VisitorEvent;

const PASSPHRASE: &str = "routing benchmark passphrase";
const PASSWORD: &str = "routing-benchmark-password";
const STAFF: usize = 200;
const OPEN_CHATS: usize = 5_000;
const OTHER_TASKS: usize = 5_000;
const CLIENTS: usize = 1_000;

struct Bench {
    clinic: Arc<Clinic>,
    desk_key: String,
    seq: u64,
    clients: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Bench {
    fn arrival(&mut self, email: Option<&str>) -> Incoming {
        self.seq += 1;
        let key = VisitorKey::generate();
        let conversation = ulid::Ulid::new().to_string();
        let id = ulid::Ulid::new().to_string();
        let mut answers = serde_json::Map::new();
        answers.insert("name".into(), "Visitor".into());
        if let Some(e) = email {
            answers.insert("email".into(), e.into());
        }
        let body = key
            .conversation_key(&self.desk_key, &conversation)
            .unwrap()
            .seal(
                &id,
                Side::Visitor,
                &Body {
                    text: "Hello, can I book for tomorrow?".into(),
                    answers: Some(answers),
                    ..Body::default()
                },
            );
        Incoming {
            seq: self.seq,
            at: chrono::Utc::now().timestamp_millis(),
            event: VisitorEvent::Started {
                conversation,
                visitor_key: key.public_b64(),
                ip: "203.0.113.9".into(),
                id,
                body,
            },
        }
    }

    /// A further message in a conversation that already has its open task: stored and
    /// committed like an arrival, but routing has nothing to decide.
    fn follow_up(&mut self, inc: &Incoming) -> Incoming {
        let VisitorEvent::Started {
            conversation,
            visitor_key,
            ..
        } = &inc.event
        else {
            unreachable!()
        };
        let _ = visitor_key;
        self.seq += 1;
        let id = ulid::Ulid::new().to_string();
        // Sealed under a fresh key: the desk stores it as unreadable, which costs the same.
        let body = VisitorKey::generate()
            .conversation_key(&self.desk_key, conversation)
            .unwrap()
            .seal(&id, Side::Visitor, &Body::default());
        Incoming {
            seq: self.seq,
            at: chrono::Utc::now().timestamp_millis(),
            event: VisitorEvent::Message {
                conversation: conversation.clone(),
                id,
                body,
            },
        }
    }

    /// Every other arrival is a known client.
    fn next(&mut self, n: usize) -> Incoming {
        let email = n
            .is_multiple_of(2)
            .then(|| format!("client{}@example.com", (n / 2) % CLIENTS));
        self.arrival(email.as_deref())
    }
}

fn setup() -> Bench {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clinic.db");
    let created = Clinic::create(
        &path,
        &NewClinic {
            name: "Routing Bench".into(),
            time_zone: "Asia/Phnom_Penh".into(),
            phone_region: "KH".into(),
            admin_login: "admin".into(),
            admin_name: "Admin".into(),
            admin_password: Secret::new(PASSWORD),
            recovery_passphrase: Secret::new(PASSPHRASE),
        },
        Options::default(),
    )
    .unwrap();
    drop(created.clinic);
    let clinic = Arc::new(Clinic::open_as_operator(&path, PASSPHRASE, Options::default()).unwrap());
    let op = Principal::Operator {
        workstation: "bench".into(),
    };
    let t = Instant::now();
    let mut staff = vec![];
    for n in 0..STAFF {
        let login = format!("staff{n}");
        let mut fields = StaffFields::new(&login, Role::Receptionist);
        fields.chat_capacity = 50;
        fields.experience = (n % 5 + 1) as u8;
        fields.support_tier = (n % 3 + 1) as u8;
        fields.working_hours = Shift::around_the_clock();
        let Response::StaffSaved { staff: s, .. } = clinic
            .handle(
                &op,
                Request::StaffCreate(NewStaff {
                    login: login.clone(),
                    password: Secret::new(PASSWORD),
                    fields,
                }),
            )
            .unwrap()
        else {
            unreachable!()
        };
        clinic
            .login(&LoginRequest {
                login,
                password: Secret::new(PASSWORD),
                totp_code: None,
                workstation: format!("pc-{n}"),
            })
            .unwrap();
        staff.push(s.id);
    }
    let mut clients = vec![];
    for n in 0..CLIENTS {
        let Response::ClientSaved(c) = clinic
            .handle(
                &op,
                Request::ClientCreate {
                    id: None,
                    fields: ClientFields {
                        full_name: format!("Client {n}"),
                        email: Some(format!("client{n}@example.com")),
                        account_manager_id: (n % 3 == 0).then(|| staff[n % STAFF].clone()),
                        ..Default::default()
                    },
                },
            )
            .unwrap()
        else {
            unreachable!()
        };
        clients.push(c.client.id);
    }
    let desk_key = clinic.site_config().unwrap().desk_key;
    let mut b = Bench {
        clinic,
        desk_key,
        seq: 0,
        clients,
        _dir: dir,
    };
    // The open chats, in batches as the host delivers them.
    let batch: Vec<Incoming> = (0..OPEN_CHATS).map(|_| b.arrival(None)).collect();
    for chunk in batch.chunks(200) {
        b.clinic.ingest(chunk).unwrap();
    }
    for n in 0..OTHER_TASKS {
        b.clinic
            .handle(
                &op,
                Request::TaskCreate(NewTask {
                    id: None,
                    kind: if n % 2 == 0 {
                        TaskKind::CallBack
                    } else {
                        TaskKind::Custom
                    },
                    title: format!("Task {n}"),
                    note: String::new(),
                    client_id: (n % 2 == 0).then(|| b.clients[n % CLIENTS].clone()),
                    conversation_id: None,
                    assignee_ids: vec![staff[(n * 7) % STAFF].clone()],
                    due_at: None,
                    priority: Priority::Normal,
                }),
            )
            .unwrap();
    }
    eprintln!(
        "routing bench: {STAFF} staff online, {} open tasks, set up in {:.1} s",
        OPEN_CHATS + OTHER_TASKS,
        t.elapsed().as_secs_f64()
    );
    b
}

fn main() {
    let mut b = setup();
    // The desk's host copies the write-ahead log every 2 s on a connection of its own (the
    // core's checkpoint.rs); do the same here, so that arrivals are measured as deployed.
    let clinic = b.clinic.clone();
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_secs(2));
        let _ = clinic.checkpoint();
    });
    // The figure the target is about: p50/p99 over many single arrivals, and the same
    // transaction without a routing decision (a follow-up message), to see what routing adds.
    let (mut arrivals, mut follow_ups) = (vec![], vec![]);
    for n in 0..std::env::var("N")
        .map(|v| v.parse().unwrap())
        .unwrap_or(2_000)
    {
        let inc = b.next(n);
        let t = Instant::now();
        b.clinic.ingest(std::slice::from_ref(&inc)).unwrap();
        arrivals.push(t.elapsed());
        let more = b.follow_up(&inc);
        let t = Instant::now();
        b.clinic.ingest(std::slice::from_ref(&more)).unwrap();
        follow_ups.push(t.elapsed());
    }
    for (name, mut samples) in [
        ("routing/arrival (new chat: store, route, commit)", arrivals),
        ("routing/follow-up (store and commit only)", follow_ups),
    ] {
        samples.sort();
        println!(
            "{name}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {} samples",
            ms(percentile(&samples, 0.5)),
            ms(percentile(&samples, 0.99)),
            ms(*samples.last().unwrap()),
            samples.len()
        );
    }
    let b = Arc::new(std::sync::Mutex::new(b));
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(50)
        .measurement_time(Duration::from_secs(10));
    let mut n = 10_000;
    c.bench_function("routing/arrival", |bench| {
        bench.iter_batched(
            || {
                n += 1;
                b.lock().unwrap().next(n)
            },
            |inc| b.lock().unwrap().clinic.ingest(&[inc]).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
    c.final_summary();
}

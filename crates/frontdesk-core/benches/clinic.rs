//! The foundation's benchmarks on a 100,000-client demo clinic with history, each run on
//! SQLCipher and on an unencrypted twin in the same run:
//! - search-as-you-type, one query per keystroke (criterion, plus p50/p99 over many keystrokes);
//! - opening a client card (an audited read);
//! - adding a client;
//! - opening the database with the raw key from the keyring.
//!
//! Run: `cargo bench -p frontdesk-core --features bench-plaintext --bench clinic`
//! (FRONTDESK_BENCH_CLIENTS changes the clinic size.)

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;
use support::{ms, percentile, timed};

use criterion::{BenchmarkId, Criterion};
use frontdesk_core::*;

const PASSPHRASE: &str = "benchmark recovery passphrase";
const PASSWORD: &str = "benchmark-password";

/// What a receptionist types, one prefix per keystroke, in all four scripts and for phones.
const TYPED: &[&str] = &[
    "Nguyễn Văn",
    "nguyen thi lan",
    "ដារ៉ា",
    "សុខ សុភា",
    "فاطمة حداد",
    "Emma Wilson",
    "+855 12",
    "097 12",
    "oliver.clarke",
];

fn keystrokes() -> Vec<String> {
    let mut out = Vec::new();
    for word in TYPED {
        let chars: Vec<char> = word.chars().collect();
        for n in 1..=chars.len() {
            let q: String = chars[..n].iter().collect();
            if !q.trim().is_empty() && !q.ends_with(' ') {
                out.push(q);
            }
        }
    }
    out
}

struct World {
    _dir: tempfile::TempDir,
    path: PathBuf,
    clinic: Clinic,
    who: Principal,
    ids: Vec<String>,
    keyring: Arc<MemoryKeyStore>,
    encrypted: bool,
}

fn setup(encrypted: bool, clients: u32) -> World {
    let dir =
        tempfile::tempdir_in(std::env::var_os("FRONTDESK_BENCH_DIR").unwrap_or_else(|| ".".into()))
            .unwrap();
    let path = dir.path().join("bench.db");
    let keyring = Arc::new(MemoryKeyStore::new());
    let opts = Options {
        keyring: Some(keyring.clone() as Arc<dyn KeyStore>),
        ..Options::default()
    };
    let setup = NewClinic {
        name: "Bench Clinic".into(),
        time_zone: "Asia/Phnom_Penh".into(),
        phone_region: "KH".into(),
        admin_login: "admin".into(),
        admin_name: "Admin".into(),
        admin_password: Secret::new(PASSWORD),
        recovery_passphrase: Secret::new(PASSPHRASE),
    };
    let created = if encrypted {
        Clinic::create(&path, &setup, opts).unwrap()
    } else {
        Clinic::create_plaintext_benchmark_twin(&path, &setup, opts).unwrap()
    };
    drop(created.clinic);
    let as_operator = Options {
        keyring: Some(keyring.clone() as Arc<dyn KeyStore>),
        ..Options::default()
    };
    let clinic = if encrypted {
        Clinic::open_as_operator(&path, PASSPHRASE, as_operator).unwrap()
    } else {
        Clinic::open_plaintext_benchmark_twin(&path, as_operator).unwrap()
    };
    let op = Principal::Operator {
        workstation: "bench".into(),
    };
    let t = Instant::now();
    let summary = clinic
        .handle(
            &op,
            Request::DemoGenerate(DemoSpec {
                clients,
                seed: Some(42),
                staff_password: Secret::new(PASSWORD),
                appointment_days: None,
                history: None,
            }),
        )
        .unwrap();
    let Response::Demo(summary) = summary else {
        unreachable!()
    };
    eprintln!(
        "[{}] demo clinic of {clients} clients ({} history entries) generated in {:.1} s",
        label(encrypted),
        summary.history_entries,
        t.elapsed().as_secs_f64()
    );
    // Measure the clinic as the desk app sees it: freshly opened, not on the connection that
    // just wrote 100,000 clients in one transaction.
    drop(clinic);
    let reopen = Options {
        keyring: Some(keyring.clone() as Arc<dyn KeyStore>),
        ..Options::default()
    };
    let clinic = if encrypted {
        Clinic::open_with_keyring(&path, reopen).unwrap()
    } else {
        Clinic::open_plaintext_benchmark_twin(&path, reopen).unwrap()
    };
    let session = clinic
        .login(&LoginRequest {
            login: "demo.dara".into(),
            password: Secret::new(PASSWORD),
            totp_code: None,
            workstation: "bench-desk".into(),
        })
        .unwrap();
    let who = Principal::Session {
        token: session.token,
    };
    let mut ids = Vec::new();
    for q in ["a", "n", "e", "o", "t"] {
        if let Response::ClientPage(p) = clinic
            .handle(
                &who,
                Request::ClientSearch {
                    query: q.into(),
                    cursor: None,
                    limit: Some(200),
                },
            )
            .unwrap()
        {
            ids.extend(p.items.into_iter().map(|c| c.id));
        }
    }
    World {
        _dir: dir,
        path,
        clinic,
        who,
        ids,
        keyring,
        encrypted,
    }
}

fn label(encrypted: bool) -> &'static str {
    if encrypted {
        "sqlcipher"
    } else {
        "plain"
    }
}

fn search(w: &World, q: &str) {
    let r = w
        .clinic
        .handle(
            &w.who,
            Request::ClientSearch {
                query: q.into(),
                cursor: None,
                limit: Some(25),
            },
        )
        .unwrap();
    std::hint::black_box(r);
}

fn card(w: &World, id: &str) {
    std::hint::black_box(
        w.clinic
            .handle(&w.who, Request::ClientGet { id: id.into() })
            .unwrap(),
    );
}

fn add(w: &World, n: u64) {
    let r = w
        .clinic
        .handle(
            &w.who,
            Request::ClientCreate {
                id: None,
                fields: ClientFields {
                    full_name: format!("Bench Added {n}"),
                    phones: vec![format!("+855 12 {:06}", n % 1_000_000)],
                    email: Some(format!("bench{n}@example.com")),
                    notes: "Added by the benchmark.".into(),
                    ..Default::default()
                },
            },
        )
        .unwrap();
    std::hint::black_box(r);
}

fn open(w: &World) -> Clinic {
    let opts = Options {
        keyring: Some(w.keyring.clone() as Arc<dyn KeyStore>),
        ..Options::default()
    };
    if w.encrypted {
        Clinic::open_with_keyring(&w.path, opts).unwrap()
    } else {
        Clinic::open_plaintext_benchmark_twin(&w.path, opts).unwrap()
    }
}

fn main() {
    let clients: u32 = std::env::var("FRONTDESK_BENCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let worlds = [setup(true, clients), setup(false, clients)];
    let typed = keystrokes();
    let mut c = Criterion::default()
        .sample_size(50)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();

    let mut g = c.benchmark_group("search_keystroke");
    for w in &worlds {
        g.bench_function(BenchmarkId::from_parameter(label(w.encrypted)), |b| {
            let mut i = 0;
            b.iter(|| {
                search(w, &typed[i % typed.len()]);
                i += 1;
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("client_card_audited");
    for w in &worlds {
        g.bench_function(BenchmarkId::from_parameter(label(w.encrypted)), |b| {
            let mut i = 0;
            b.iter(|| {
                card(w, &w.ids[i % w.ids.len()]);
                i += 1;
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("client_add");
    for w in &worlds {
        g.bench_function(BenchmarkId::from_parameter(label(w.encrypted)), |b| {
            let mut n = 0u64;
            b.iter(|| {
                add(w, n);
                n += 1;
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("open_database");
    for w in &worlds {
        g.bench_function(BenchmarkId::from_parameter(label(w.encrypted)), |b| {
            b.iter(|| drop(open(w)))
        });
    }
    g.finish();

    // Percentiles and the SQLCipher / plain ratio, in one table.
    println!("\nworkload on {clients} clients       sqlcipher p50 / p99      plain p50 / p99     ratio (p50)");
    let rows: [(&str, usize); 4] = [
        ("search per keystroke", 3000),
        ("client card, audited", 2000),
        ("add client", 1000),
        ("open database", 100),
    ];
    for (name, rounds) in rows {
        let mut r = Vec::new();
        for w in &worlds {
            let mut n = 10_000_000u64 * (1 + w.encrypted as u64);
            let samples = timed(rounds, |i| match name {
                "search per keystroke" => search(w, &typed[i % typed.len()]),
                "client card, audited" => card(w, &w.ids[(i * 7) % w.ids.len()]),
                "add client" => {
                    add(w, n);
                    n += 1;
                }
                _ => drop(open(w)),
            });
            r.push((percentile(&samples, 0.5), percentile(&samples, 0.99)));
        }
        println!(
            "{name:<30} {:>8.3} / {:>7.3} ms   {:>8.3} / {:>7.3} ms   {:.2}x",
            ms(r[0].0),
            ms(r[0].1),
            ms(r[1].0),
            ms(r[1].1),
            ms(r[0].0) / ms(r[1].0)
        );
    }
    c.final_summary();

    // The first open after an upgrade whose fold differs (or a change of the clinic's country):
    // every client's folded name, sort key and search text is rebuilt before the desk serves.
    let w = &worlds[0];
    let key = w.keyring.load(w.clinic.id()).unwrap().unwrap();
    let raw = rusqlite::Connection::open(&w.path).unwrap();
    raw.execute_batch(&format!(
        "PRAGMA key = \"x'{}'\"; UPDATE search_state SET fold_version = 1;",
        hex::encode(key.as_bytes())
    ))
    .unwrap();
    drop(raw);
    let t = Instant::now();
    drop(open(w));
    println!(
        "first open after an upgrade, search data of {clients} clients rebuilt: {:.2} s",
        t.elapsed().as_secs_f64()
    );
}

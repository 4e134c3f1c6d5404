//! Timing helpers shared by the benchmarks: each measurement timed on its own, for the
//! percentiles criterion does not give.

use std::time::{Duration, Instant};

/// The nearest-rank percentile `p` (0 to 1) of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Runs `f(0..rounds)`, timing each call; the durations come back sorted.
#[allow(dead_code)] // not every benchmark times its rounds this way
pub fn timed(rounds: usize, mut f: impl FnMut(usize)) -> Vec<Duration> {
    let mut v: Vec<Duration> = (0..rounds)
        .map(|i| {
            let t = Instant::now();
            f(i);
            t.elapsed()
        })
        .collect();
    v.sort();
    v
}

pub const PASSPHRASE: &str = "benchmark recovery passphrase";
pub const PASSWORD: &str = "benchmark-password";

/// A new encrypted clinic for a benchmark, in FRONTDESK_BENCH_DIR (default: here), with its
/// key in an in-memory keyring.
#[allow(dead_code)] // not every benchmark makes its clinic this way
pub struct BenchClinic {
    pub dir: tempfile::TempDir,
    pub path: std::path::PathBuf,
    keyring: std::sync::Arc<frontdesk_core::MemoryKeyStore>,
}

#[allow(dead_code)]
impl BenchClinic {
    /// Creates "Bench Clinic" (Phnom Penh, admin/PASSWORD) and opens it as the operator.
    pub fn create() -> (BenchClinic, frontdesk_core::Clinic) {
        use frontdesk_core::{Clinic, NewClinic, Secret};
        let dir = tempfile::tempdir_in(
            std::env::var_os("FRONTDESK_BENCH_DIR").unwrap_or_else(|| ".".into()),
        )
        .unwrap();
        let bench = BenchClinic {
            path: dir.path().join("bench.db"),
            dir,
            keyring: std::sync::Arc::new(frontdesk_core::MemoryKeyStore::new()),
        };
        let created = Clinic::create(
            &bench.path,
            &NewClinic {
                name: "Bench Clinic".into(),
                time_zone: "Asia/Phnom_Penh".into(),
                phone_region: "KH".into(),
                admin_login: "admin".into(),
                admin_name: "Admin".into(),
                admin_password: Secret::new(PASSWORD),
                recovery_passphrase: Secret::new(PASSPHRASE),
            },
            bench.options(),
        )
        .unwrap();
        drop(created.clinic);
        let clinic = bench.operator();
        (bench, clinic)
    }

    pub fn options(&self) -> frontdesk_core::Options {
        frontdesk_core::Options {
            keyring: Some(self.keyring.clone() as std::sync::Arc<dyn frontdesk_core::KeyStore>),
            ..frontdesk_core::Options::default()
        }
    }

    /// The clinic opened afresh as the operator (a new connection, a cold page cache).
    pub fn operator(&self) -> frontdesk_core::Clinic {
        frontdesk_core::Clinic::open_as_operator(&self.path, PASSPHRASE, self.options()).unwrap()
    }
}

/// Fills a clinic with `clients` demo clients and one busy year: 110 website chats a day of
/// 25 messages each (about 1,000,000 messages), 27 tasks a day, and a year of appointments.
#[allow(dead_code)] // not every benchmark needs a busy year
pub fn busy_year(
    clinic: &frontdesk_core::Clinic,
    who: &frontdesk_core::Principal,
    clients: u32,
    seed: u64,
) -> frontdesk_core::DemoSummary {
    use frontdesk_core::{DemoSpec, HistorySpec, Request, Response, Secret};
    let r = clinic
        .handle(
            who,
            Request::DemoGenerate(DemoSpec {
                clients,
                seed: Some(seed),
                staff_password: Secret::new(PASSWORD),
                appointment_days: Some(365),
                history: Some(HistorySpec {
                    days: 365,
                    chats_per_day: 110,
                    messages_per_chat: 25,
                    tasks_per_day: 27,
                }),
            }),
        )
        .unwrap();
    match r {
        Response::Demo(summary) => summary,
        _ => unreachable!(),
    }
}

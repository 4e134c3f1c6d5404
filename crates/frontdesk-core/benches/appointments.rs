//! The calendar's benchmarks on ten providers with about 150,000 appointments (years of a busy
//! clinic), on SQLCipher, through the one door as a receptionist:
//! - the week view query (all providers, and one provider);
//! - a day view's data;
//! - "find the next free slot" for a service, for one provider and for any provider;
//! - booking with the conflict check.
//!
//! Run: `cargo bench -p frontdesk-core --bench appointments`
//! (FRONTDESK_BENCH_APPOINTMENT_DAYS changes how many past days are filled; 2,000 by default.)

use std::time::{Duration, Instant};

mod support;
use support::{ms, percentile, timed, BenchClinic, PASSWORD};

use chrono::{Datelike, NaiveDate};
use criterion::Criterion;
use frontdesk_core::*;

struct World {
    _bench: BenchClinic,
    clinic: Clinic,
    who: Principal,
    today: NaiveDate,
    service: String,
    provider: String,
    client: String,
    appointments: i64,
}

fn setup(days: u32) -> World {
    let (bench, clinic) = BenchClinic::create();
    let op = Principal::Operator {
        workstation: "bench".into(),
    };
    // The demo has three clinicians; seven more make ten providers.
    for i in 0..7 {
        clinic
            .handle(
                &op,
                Request::StaffCreate(NewStaff {
                    login: format!("provider{i}"),
                    password: Secret::new(PASSWORD),
                    fields: StaffFields::new(&format!("Provider {i}"), Role::Clinician),
                }),
            )
            .unwrap();
    }
    let t = Instant::now();
    let Response::Demo(summary) = clinic
        .handle(
            &op,
            Request::DemoGenerate(DemoSpec {
                clients: 20_000,
                seed: Some(7),
                staff_password: Secret::new(PASSWORD),
                appointment_days: Some(days),
                history: None,
            }),
        )
        .unwrap()
    else {
        unreachable!()
    };
    eprintln!(
        "demo clinic: {} appointments over {days} past days generated in {:.1} s",
        summary.appointments,
        t.elapsed().as_secs_f64()
    );
    drop(clinic);
    let clinic = Clinic::open_with_keyring(&bench.path, bench.options()).unwrap();
    let session = clinic
        .login(&LoginRequest {
            login: "demo.dara".into(),
            password: Secret::new(PASSWORD),
            totp_code: None,
            workstation: "bench".into(),
        })
        .unwrap();
    let who = Principal::Session {
        token: session.token.clone(),
    };
    let Response::Services(services) = clinic
        .handle(
            &who,
            Request::ServiceList {
                include_inactive: false,
            },
        )
        .unwrap()
    else {
        unreachable!()
    };
    let Response::ClientPage(page) = clinic
        .handle(
            &who,
            Request::ClientSearch {
                query: "a".into(),
                cursor: None,
                limit: Some(1),
            },
        )
        .unwrap()
    else {
        unreachable!()
    };
    let Response::Clinic(info) = clinic.handle(&who, Request::ClinicGet).unwrap() else {
        unreachable!()
    };
    let tz: chrono_tz::Tz = info.time_zone.parse().unwrap();
    World {
        _bench: bench,
        today: chrono::Utc::now().with_timezone(&tz).date_naive(),
        service: services[0].id.clone(),
        provider: services[0].fields.provider_ids[0].clone(),
        client: page.items[0].id.clone(),
        appointments: summary.appointments as i64,
        clinic,
        who,
    }
}

fn week_start(d: NaiveDate) -> NaiveDate {
    d - chrono::Duration::days(d.weekday().num_days_from_monday() as i64)
}

fn week(w: &World, i: usize, one_provider: bool) {
    // Weeks spread over the filled years, so the cache does not answer every time.
    let from = week_start(w.today) - chrono::Duration::weeks((i % 150) as i64 * 7);
    let r = w
        .clinic
        .handle(
            &w.who,
            Request::AppointmentCalendar {
                from,
                days: 7,
                provider_ids: if one_provider {
                    vec![w.provider.clone()]
                } else {
                    vec![]
                },
                include_cancelled: false,
            },
        )
        .unwrap();
    assert!(matches!(r, Response::Calendar(_)));
}

fn day(w: &World, i: usize) {
    let from = w.today - chrono::Duration::days((i % 1000) as i64);
    w.clinic
        .handle(
            &w.who,
            Request::AppointmentCalendar {
                from,
                days: 1,
                provider_ids: vec![],
                include_cancelled: false,
            },
        )
        .unwrap();
}

fn next_free(w: &World, i: usize, any: bool) {
    let after = (w.today + chrono::Duration::days((i % 9) as i64))
        .and_hms_opt(8 + (i % 9) as u32, 0, 0)
        .unwrap();
    let r = w
        .clinic
        .handle(
            &w.who,
            Request::AppointmentNextFree {
                service_id: w.service.clone(),
                provider_id: (!any).then(|| w.provider.clone()),
                after: Some(after),
            },
        )
        .unwrap();
    assert!(matches!(r, Response::FreeSlot(Some(_))));
}

fn check(w: &World, i: usize) {
    let start = (w.today + chrono::Duration::days(1 + (i % 7) as i64))
        .and_hms_opt(9 + (i % 8) as u32, 0, 0)
        .unwrap();
    w.clinic
        .handle(
            &w.who,
            Request::AppointmentCheck(Booking {
                id: None,
                client_id: w.client.clone(),
                service_id: w.service.clone(),
                provider_id: w.provider.clone(),
                room_id: None,
                start,
                duration_minutes: None,
                end: None,
                note: String::new(),
                conversation_id: None,
                recurrence: None,
                override_reason: None,
                allow_past: false,
            }),
        )
        .unwrap();
}

fn main() {
    let days: u32 = std::env::var("FRONTDESK_BENCH_APPOINTMENT_DAYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let w = setup(days);
    let mut c = Criterion::default()
        .sample_size(30)
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();
    let mut i = 0;
    c.bench_function("week_view_all_providers", |b| {
        b.iter(|| {
            week(&w, i, false);
            i += 1
        })
    });
    c.bench_function("week_view_one_provider", |b| {
        b.iter(|| {
            week(&w, i, true);
            i += 1
        })
    });
    c.bench_function("day_view_data", |b| {
        b.iter(|| {
            day(&w, i);
            i += 1
        })
    });
    c.bench_function("next_free_slot_any_provider", |b| {
        b.iter(|| {
            next_free(&w, i, true);
            i += 1
        })
    });
    c.bench_function("booking_conflict_check", |b| {
        b.iter(|| {
            check(&w, i);
            i += 1
        })
    });

    println!(
        "\n{} appointments, 10 providers                 p50 / p99",
        w.appointments
    );
    let rows: [(&str, usize); 6] = [
        ("week view, all providers", 300),
        ("week view, one provider", 300),
        ("day view data", 300),
        ("next free slot, one provider", 300),
        ("next free slot, any provider", 300),
        ("booking conflict check", 300),
    ];
    for (name, rounds) in rows {
        let s = timed(rounds, |i| match name {
            "week view, all providers" => week(&w, i, false),
            "week view, one provider" => week(&w, i, true),
            "day view data" => day(&w, i),
            "next free slot, one provider" => next_free(&w, i, false),
            "next free slot, any provider" => next_free(&w, i, true),
            _ => check(&w, i),
        });
        println!(
            "{name:<44} {:>7.3} / {:>7.3} ms",
            ms(percentile(&s, 0.5)),
            ms(percentile(&s, 0.99))
        );
    }
}

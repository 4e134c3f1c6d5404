//! The workload report's benchmark on one year of a busy clinic, on SQLCipher, through the one
//! door: 30 staff, about 1,000,000 chat messages, 50,000 tasks and 15,000 appointments.
//! - the on-screen report of the year by week and of a month by day (target ≤ 300 ms);
//! - the year's report is also written as JSON (FRONTDESK_BENCH_REPORT_OUT) for the PDF
//!   benchmark in frontdesk-pdf, which renders that same report.
//!
//! Run: `cargo bench -p frontdesk-core --bench reports`

use std::time::{Duration, Instant};

mod support;
use support::{busy_year, ms, percentile, timed, BenchClinic, PASSWORD};

use chrono::NaiveDate;
use criterion::Criterion;
use frontdesk_core::*;

struct World {
    _bench: BenchClinic,
    clinic: Clinic,
    who: Principal,
    yesterday: NaiveDate,
}

fn setup() -> World {
    let (bench, clinic) = BenchClinic::create();
    let who = Principal::Operator {
        workstation: "bench".into(),
    };
    // The admin and the demo's six, plus three clinicians and twenty at the front desk: 30.
    for i in 0..23 {
        let role = if i < 3 {
            Role::Clinician
        } else {
            Role::Receptionist
        };
        clinic
            .handle(
                &who,
                Request::StaffCreate(NewStaff {
                    login: format!("staff{i}"),
                    password: Secret::new(PASSWORD),
                    fields: StaffFields::new(&format!("Staff {i}"), role),
                }),
            )
            .unwrap();
    }
    let t = Instant::now();
    let summary = busy_year(&clinic, &who, 2_000, 8);
    let Response::Clinic(info) = clinic.handle(&who, Request::ClinicGet).unwrap() else {
        unreachable!()
    };
    let Response::StaffList(staff) = clinic
        .handle(
            &who,
            Request::StaffList {
                include_inactive: true,
            },
        )
        .unwrap()
    else {
        unreachable!()
    };
    eprintln!(
        "busy year: {} staff, {} chats with {} messages, {} tasks ({} of them chats), {} appointments; generated in {:.0} s",
        staff.len(),
        summary.history.chats,
        summary.history.messages,
        summary.history.tasks + summary.history.chats + summary.tasks,
        summary.history.chats,
        summary.appointments,
        t.elapsed().as_secs_f64()
    );
    let tz: chrono_tz::Tz = info.time_zone.parse().unwrap();
    // A fresh connection, as the desk has after a restart; the first report warms its cache.
    drop(clinic);
    let clinic = bench.operator();
    World {
        _bench: bench,
        clinic,
        who,
        yesterday: chrono::Utc::now().with_timezone(&tz).date_naive() - chrono::Duration::days(1),
    }
}

fn report(w: &World, days: i64, bucket: Bucket) -> Report {
    let r = w
        .clinic
        .handle(
            &w.who,
            Request::ReportMake {
                filter: ReportFilter {
                    from: w.yesterday - chrono::Duration::days(days - 1),
                    to: w.yesterday,
                    bucket,
                    staff_ids: vec![],
                    team: None,
                    service_id: None,
                },
                output: ReportOutput::Screen,
            },
        )
        .unwrap();
    match r {
        Response::Report(r) => *r,
        _ => unreachable!(),
    }
}

fn main() {
    let w = setup();
    let year = report(&w, 365, Bucket::Week);
    eprintln!(
        "the year's report: {} replies, {} chats handled, {} tasks done, {} visits booked, {} weeks",
        year.totals.replies,
        year.totals.chats_handled,
        year.totals.tasks_done,
        year.totals.appts_booked,
        year.buckets.len()
    );
    if let Some(out) = std::env::var_os("FRONTDESK_BENCH_REPORT_OUT") {
        std::fs::write(&out, serde_json::to_vec(&year).unwrap()).unwrap();
    }
    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();
    c.bench_function("report_year_by_week", |b| {
        b.iter(|| report(&w, 365, Bucket::Week))
    });
    c.bench_function("report_month_by_day", |b| {
        b.iter(|| report(&w, 30, Bucket::Day))
    });
    println!("\nbusy year, 30 staff                          p50 / p95");
    for (name, days, bucket) in [
        ("year by week (and the year before)", 365, Bucket::Week),
        ("30 days by day (and the 30 before)", 30, Bucket::Day),
    ] {
        let s = timed(20, |_| {
            report(&w, days, bucket);
        });
        println!(
            "{name:<44} {:>7.1} ms / {:>7.1} ms",
            ms(percentile(&s, 0.5)),
            ms(percentile(&s, 0.95))
        );
    }
}

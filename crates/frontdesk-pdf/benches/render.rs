//! How long the report PDF takes for the benchmark's shape: 30 people, a year of weekly
//! buckets and a full heat map. The target is a second for the whole PDF, report included.
//! With FRONTDESK_BENCH_REPORT naming the JSON that `cargo bench -p frontdesk-core --bench
//! reports` writes (FRONTDESK_BENCH_REPORT_OUT), it renders that real year's report too.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use frontdesk_core::{
    Bucket, BucketReport, Measures, Report, ReportFilter, Role, StaffReport, TeamReport,
};
use frontdesk_pdf::{render, Options, Paper};

const NAMES: [&str; 6] = [
    "Anna Smith",
    "Sokha សុខា",
    "សុខ ចាន់ធា",
    "Nguyễn Thị Hương",
    "ليلى حداد",
    "Omar Khalil عمر",
];

fn measures(k: u32) -> Measures {
    let k = k % 23;
    Measures {
        chats_assigned: 80 + k * 5,
        chats_handled: 75 + k * 5,
        replies: 240 + k * 11,
        first_response_median_s: Some(i64::from(120 + k * 13)),
        first_response_p90_s: Some(i64::from(800 + k * 41)),
        chats_escalated: k % 5,
        chats_reassigned: k % 7,
        chats_unanswered_eod: k % 3,
        tasks_assigned: 30 + k,
        tasks_done: 28 + k,
        tasks_overdue: k % 4,
        task_done_median_s: Some(7200),
        appts_booked: 70 + k,
        appts_completed: 60 + k,
        appts_cancelled_client: 3,
        appts_cancelled_clinic: 1,
        appts_late_cancel: 1,
        appts_no_show: k % 6,
        no_show_rate: Some(f64::from(k % 6) / f64::from(60 + k + k % 6)),
        wait_avg_s: Some(i64::from(400 + k * 7)),
        visit_avg_s: Some(1600),
    }
}

fn year_report() -> Report {
    let from = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let teams = [
        Role::Receptionist,
        Role::Clinician,
        Role::Manager,
        Role::Admin,
    ];
    let staff: Vec<StaffReport> = (0..30u32)
        .map(|i| StaffReport {
            id: format!("s{i:02}"),
            name: format!("{} {}", NAMES[i as usize % NAMES.len()], i + 1),
            team: teams[i as usize % teams.len()],
            measures: measures(i),
            chat_share: f64::from(1 + i % 4) / 75.0,
            even_share: 1.0 / 30.0,
        })
        .collect();
    Report {
        clinic_name: "Riverside Family Clinic".into(),
        logo: None,
        time_zone: "Asia/Phnom_Penh".into(),
        made_at: Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 0).unwrap(),
        made_by: "Anna Smith".into(),
        filter: ReportFilter {
            from,
            to: from + Duration::days(53 * 7 - 1),
            bucket: Bucket::Week,
            staff_ids: Vec::new(),
            team: None,
            service_id: None,
        },
        service_name: None,
        previous_from: from - Duration::days(53 * 7),
        previous_to: from - Duration::days(1),
        totals: measures(3),
        previous: measures(4),
        staff,
        teams: teams
            .iter()
            .map(|&team| TeamReport {
                team,
                staff: 8,
                measures: measures(team as u32),
            })
            .collect(),
        buckets: (0..53)
            .map(|w| BucketReport {
                from: from + Duration::days(w * 7),
                to: from + Duration::days(w * 7 + 6),
                measures: measures(w as u32),
            })
            .collect(),
        heatmap: (0..7)
            .map(|d| (0..24).map(|h| ((d * 24 + h) * 7 % 41) as u32).collect())
            .collect(),
    }
}

fn bench(c: &mut Criterion) {
    let report = year_report();
    let opts = Options {
        paper: Paper::A4,
        logo_png: None,
    };
    c.bench_function("render 30 staff x 53 weeks", |b| {
        b.iter(|| render(black_box(&report), &opts).unwrap())
    });
    if let Some(path) = std::env::var_os("FRONTDESK_BENCH_REPORT") {
        let real: Report = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        c.bench_function("render the busy year's report", |b| {
            b.iter(|| render(black_box(&real), &opts).unwrap())
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Writes a sample workload report PDF for a demo clinic (the reference image in
//! docs/reports/ is its first page):
//!
//!     cargo run -p frontdesk-pdf --example sample -- /tmp/sample.pdf [a4|letter] [en|km|vi|ar]

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use frontdesk_core::{
    Bucket, BucketReport, Measures, Report, ReportFilter, Role, StaffReport, TeamReport,
};
use frontdesk_pdf::{render_in, Options, Paper};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: sample <out.pdf> [a4|letter] [en|km|vi|ar]");
        std::process::exit(2);
    };
    let paper = match args.next().as_deref() {
        Some("letter") => Paper::Letter,
        _ => Paper::A4,
    };
    let language = args.next().unwrap_or_else(|| "en".into());
    let logo = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../icons/128x128.png"
    ))
    .expect("the app icon is in the repository");
    let pdf = render_in(
        &demo_report(),
        &Options {
            paper,
            logo_png: Some(&logo),
        },
        &language,
    )
    .expect("the sample renders");
    std::fs::write(&path, &pdf).expect("the PDF is written");
    println!("{path}: {} bytes", pdf.len());
}

/// A small deterministic generator: the sample must look the same on every run.
struct Dice(u64);

impl Dice {
    fn next(&mut self, below: u32) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % u64::from(below.max(1))) as u32
    }
}

fn demo_report() -> Report {
    let mut dice = Dice(7);
    let people = [
        ("Anna Smith", Role::Receptionist, 1.3),
        ("Sokha សុខា", Role::Receptionist, 1.1),
        ("សុខ ចាន់ធា", Role::Receptionist, 0.9),
        ("Nguyễn Thị Hương", Role::Clinician, 0.7),
        ("Trần Văn Đức", Role::Clinician, 0.5),
        ("ليلى حداد", Role::Clinician, 0.6),
        ("Omar Khalil عمر", Role::Manager, 0.3),
        ("David Chen", Role::Admin, 0.0),
    ];
    let from = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
    let weeks = 12;
    let to = from + Duration::days(weeks * 7 - 1);

    let mut staff = Vec::new();
    let mut totals = Measures::default();
    let takers = people.iter().filter(|p| p.2 > 0.0).count() as f64;
    let assigned: Vec<u32> = people
        .iter()
        .map(|p| (p.2 * 140.0) as u32 + dice.next(20))
        .collect();
    let all: u32 = assigned.iter().sum();
    for (p, &asg) in people.iter().zip(&assigned) {
        let m = measures(&mut dice, asg, p.1);
        add(&mut totals, &m);
        staff.push(StaffReport {
            id: format!("s{}", staff.len()),
            name: p.0.to_string(),
            team: p.1,
            measures: m,
            chat_share: f64::from(asg) / f64::from(all),
            even_share: if p.2 > 0.0 { 1.0 / takers } else { 0.0 },
        });
    }
    totals.first_response_median_s = Some(245);
    totals.first_response_p90_s = Some(1130);
    totals.no_show_rate = Some(
        f64::from(totals.appts_no_show) / f64::from(totals.appts_no_show + totals.appts_completed),
    );
    totals.wait_avg_s = Some(512);
    totals.visit_avg_s = Some(1710);

    let teams = [
        Role::Admin,
        Role::Manager,
        Role::Receptionist,
        Role::Clinician,
    ]
    .into_iter()
    .map(|team| {
        let mut m = Measures::default();
        let members: Vec<&StaffReport> = staff.iter().filter(|s| s.team == team).collect();
        for s in &members {
            add(&mut m, &s.measures);
        }
        m.first_response_median_s = members
            .iter()
            .find_map(|s| s.measures.first_response_median_s);
        m.first_response_p90_s = members.iter().find_map(|s| s.measures.first_response_p90_s);
        m.no_show_rate = rate(&m);
        TeamReport {
            team,
            staff: members.len() as u32,
            measures: m,
        }
    })
    .collect();

    let buckets = (0..weeks)
        .map(|w| {
            let start = from + Duration::days(w * 7);
            let season = 1.0 + 0.25 * ((w as f64) / 2.0).sin();
            let mut m = Measures::default();
            m.chats_handled = (f64::from(60 + dice.next(30)) * season) as u32;
            m.chats_assigned = m.chats_handled + dice.next(6);
            m.replies = m.chats_handled * 3 + dice.next(40);
            m.first_response_median_s = Some(i64::from(150 + dice.next(200)));
            m.first_response_p90_s = Some(i64::from(700 + dice.next(900)));
            m.chats_unanswered_eod = dice.next(5);
            m.tasks_done = 20 + dice.next(15);
            m.tasks_overdue = dice.next(4);
            m.appts_booked = 70 + dice.next(20);
            m.appts_completed = m.appts_booked - 8 - dice.next(6);
            m.appts_no_show = 2 + dice.next(5);
            m.no_show_rate = rate(&m);
            m.wait_avg_s = Some(i64::from(300 + dice.next(400)));
            BucketReport {
                from: start,
                to: start + Duration::days(6),
                measures: m,
            }
        })
        .collect();

    let mut previous = totals.clone();
    previous.chats_handled = totals.chats_handled - 37;
    previous.first_response_median_s = Some(262);
    previous.first_response_p90_s = Some(1090);
    previous.chats_unanswered_eod = totals.chats_unanswered_eod + 4;
    previous.tasks_done = totals.tasks_done + 12;
    previous.appts_completed = totals.appts_completed - 20;
    previous.no_show_rate = totals.no_show_rate.map(|r| r + 0.012);
    previous.wait_avg_s = Some(540);

    let mut heatmap = vec![vec![0u32; 24]; 7];
    for (d, row) in heatmap.iter_mut().enumerate() {
        for (h, v) in row.iter_mut().enumerate() {
            let open = (8..19).contains(&h) && d < 6;
            let peak = if (9..12).contains(&h) || (14..16).contains(&h) {
                2
            } else {
                1
            };
            *v = if open {
                (4 + dice.next(9)) * peak / if d == 5 { 2 } else { 1 }
            } else {
                dice.next(3) / 2
            };
        }
    }

    Report {
        clinic_name: "Riverside Family Clinic".into(),
        logo: None,
        time_zone: "Asia/Phnom_Penh".into(),
        made_at: Utc.with_ymd_and_hms(2025, 4, 1, 2, 30, 0).unwrap(),
        made_by: "Anna Smith".into(),
        filter: ReportFilter {
            from,
            to,
            bucket: Bucket::Week,
            staff_ids: Vec::new(),
            team: None,
            service_id: None,
        },
        service_name: None,
        previous_from: from - Duration::days(weeks * 7),
        previous_to: from - Duration::days(1),
        totals,
        previous,
        staff,
        teams,
        buckets,
        heatmap,
    }
}

fn measures(dice: &mut Dice, assigned: u32, team: Role) -> Measures {
    let takes_chats = assigned > 0 && team != Role::Admin;
    let handled = if takes_chats {
        assigned - dice.next(assigned / 10 + 1)
    } else {
        0
    };
    let visits = if team == Role::Clinician {
        180 + dice.next(60)
    } else {
        0
    };
    let no_shows = if visits > 0 { 6 + dice.next(10) } else { 0 };
    let mut m = Measures {
        chats_assigned: assigned,
        chats_handled: handled,
        replies: handled * 3 + dice.next(30),
        first_response_median_s: takes_chats.then(|| i64::from(120 + dice.next(300))),
        first_response_p90_s: takes_chats.then(|| i64::from(600 + dice.next(1200))),
        chats_escalated: dice.next(6),
        chats_reassigned: dice.next(9),
        chats_unanswered_eod: dice.next(4),
        tasks_assigned: 30 + dice.next(30),
        tasks_done: 25 + dice.next(30),
        tasks_overdue: dice.next(5),
        task_done_median_s: Some(i64::from(3600 + dice.next(20000))),
        appts_booked: visits + no_shows + dice.next(12),
        appts_completed: visits,
        appts_no_show: no_shows,
        wait_avg_s: (visits > 0).then(|| i64::from(300 + dice.next(500))),
        visit_avg_s: (visits > 0).then(|| i64::from(1200 + dice.next(900))),
        ..Measures::default()
    };
    m.no_show_rate = rate(&m);
    m
}

fn rate(m: &Measures) -> Option<f64> {
    let seen = m.appts_completed + m.appts_no_show;
    (seen > 0).then(|| f64::from(m.appts_no_show) / f64::from(seen))
}

fn add(total: &mut Measures, m: &Measures) {
    total.chats_assigned += m.chats_assigned;
    total.chats_handled += m.chats_handled;
    total.replies += m.replies;
    total.chats_escalated += m.chats_escalated;
    total.chats_reassigned += m.chats_reassigned;
    total.chats_unanswered_eod += m.chats_unanswered_eod;
    total.tasks_assigned += m.tasks_assigned;
    total.tasks_done += m.tasks_done;
    total.tasks_overdue += m.tasks_overdue;
    total.appts_booked += m.appts_booked;
    total.appts_completed += m.appts_completed;
    total.appts_no_show += m.appts_no_show;
}

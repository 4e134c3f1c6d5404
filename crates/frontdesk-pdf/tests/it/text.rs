use frontdesk_core::reports::format;
use frontdesk_core::{Bucket, Measures, Role};
use frontdesk_pdf::Paper;

use crate::support::{normalise, page_count, pdf, pdftotext, report};

pub const NAMES: [(&str, Role); 6] = [
    ("Anna Smith", Role::Receptionist),
    ("Sokha សុខា", Role::Receptionist),
    ("សុខ ចាន់ធា", Role::Receptionist),
    ("Nguyễn Thị Hương", Role::Clinician),
    ("ليلى حداد", Role::Clinician),
    ("កែវ ស្រីពៅ", Role::Manager),
];

#[test]
fn names_figures_and_page_numbers_read_back() {
    let r = report(&NAMES, 12);
    let bytes = pdf(&r, Paper::A4);
    let pages = page_count(&bytes);
    for layout in [true, false] {
        let text = normalise(&pdftotext(&bytes, layout, None));
        let mode = if layout { "-layout" } else { "raw" };
        for (name, _) in NAMES {
            assert!(
                text.contains(name),
                "{mode}: {name:?} missing from:\n{text}"
            );
        }
        let wanted = [
            "Riverside Family Clinic".to_string(),
            "2025-01-06 – 2025-03-30".to_string(),
            "Made 2025-04-01 09:30 by Anna Smith".to_string(),
            format::duration(Some(245)),
            format::percent(Some(0.125)),
            format::duration(r.staff[3].measures.first_response_p90_s),
            "+3 vs previous".to_string(),
            format!("Page 1 of {pages}"),
            format!("Page {pages} of {pages}"),
        ];
        for w in &wanted {
            assert!(
                text.contains(w.as_str()),
                "{mode}: {w:?} missing from:\n{text}"
            );
        }
    }
    // The figures come from the report, not from the layout: another value reads back as
    // itself.
    let mut other = r.clone();
    other.totals.first_response_median_s = Some(7380);
    let text = normalise(&pdftotext(&pdf(&other, Paper::A4), true, Some(1)));
    assert!(text.contains("2 h 03 min"), "{text}");
    assert!(!text.contains("4 min 05 s"), "{text}");
}

#[test]
fn filters_show_on_the_cover_line() {
    let mut r = report(&NAMES[..2], 4);
    r.filter.team = Some(Role::Receptionist);
    r.filter.service_id = Some("svc1".into());
    r.service_name = Some("Physiotherapy".into());
    r.filter.staff_ids = vec!["s00".into(), "s01".into()];
    r.filter.bucket = Bucket::Day;
    let text = normalise(&pdftotext(&pdf(&r, Paper::A4), true, Some(1)));
    for w in [
        "team Front desk",
        "service Physiotherapy",
        "2 people",
        "by day",
    ] {
        assert!(text.contains(w), "{w:?} missing from:\n{text}");
    }
}

#[test]
fn an_empty_report_still_reads() {
    let mut r = report(&[], 0);
    r.buckets.clear();
    r.teams.clear();
    r.totals = Measures::default();
    r.previous = Measures::default();
    r.heatmap = vec![vec![0; 24]; 7];
    let bytes = pdf(&r, Paper::Letter);
    let pages = page_count(&bytes);
    assert!(pages >= 1);
    let text = normalise(&pdftotext(&bytes, false, None));
    // The tiles, a row of labels over a row of figures: five, then four.
    for w in [
        "Riverside Family Clinic",
        "Chats handled First response (median) First response (p90) Unanswered at day end \
         Tasks done 0 – – 0 0",
        "Tasks overdue Visits completed No-show rate Average wait 0 0 – –",
        "All teams 0 0 0 0 – – 0",
        "No one in this report.",
        "No chats arrived in this period.",
    ] {
        assert!(text.contains(w), "{w:?} missing from:\n{text}");
    }
    assert!(text.contains(&format!("Page 1 of {pages}")), "{text}");
}

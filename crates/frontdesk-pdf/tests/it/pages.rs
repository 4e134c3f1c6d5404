use frontdesk_core::Role;
use frontdesk_pdf::Paper;

use crate::support::{normalise, page_count, pdf, pdfinfo, pdftotext, report};

const STAFF_HEADER: &str =
    "Name Team Asgn Hndl Repl FR med FR p90 Esc Reas Unans T done T over Visits No-sh Share Even";
const WEEK_HEADER: &str =
    "Period Hndl Repl FR med FR p90 Unans T done T over Booked Visits No-sh No-show rate Avg wait";

fn thirty() -> Vec<(String, Role)> {
    (1..=30)
        .map(|i| {
            let team = [Role::Receptionist, Role::Clinician, Role::Manager][i % 3];
            (format!("Person {i:02}"), team)
        })
        .collect()
}

#[test]
fn a_year_of_weeks_and_thirty_people_break_across_pages_under_repeated_headers() {
    let people = thirty();
    let refs: Vec<(&str, Role)> = people.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    let r = report(&refs, 53);
    let bytes = pdf(&r, Paper::A4);
    let pages = page_count(&bytes);
    assert!(pages > 1, "{pages} page(s)");

    let mut staff_rows = vec![0; 30];
    let mut week_rows = vec![0; 53];
    let mut staff_pages = 0;
    let mut week_pages = 0;
    for p in 1..=pages {
        let raw = pdftotext(&bytes, true, Some(p));
        let text = normalise(&raw);
        assert!(
            text.contains(&format!("Page {p} of {pages}")),
            "page {p} lacks its number:\n{text}"
        );
        let mut has_staff = false;
        let mut has_weeks = false;
        for line in raw.lines().map(normalise) {
            // A staff row: the name, then the team column.
            if let Some(i) = (0..30)
                .find(|&i| line.starts_with(&format!("{} {}", people[i].0, team(people[i].1))))
            {
                staff_rows[i] += 1;
                has_staff = true;
            }
            if let Some(w) = (0..53).find(|&w| line.starts_with(&r.buckets[w].from.to_string())) {
                week_rows[w] += 1;
                has_weeks = true;
            }
        }
        if has_staff {
            staff_pages += 1;
            assert!(
                text.contains(STAFF_HEADER),
                "page {p} has staff rows but no header:\n{text}"
            );
        }
        if has_weeks {
            week_pages += 1;
            assert!(
                text.contains(WEEK_HEADER),
                "page {p} has weeks but no header:\n{text}"
            );
        }
    }
    assert!(
        staff_rows.iter().all(|&n| n == 1),
        "each person once: {staff_rows:?}"
    );
    assert!(
        week_rows.iter().all(|&n| n == 1),
        "each week once: {week_rows:?}"
    );
    assert!(week_pages >= 2, "53 weeks need more than one page");
    assert!(staff_pages >= 1);
    let all = normalise(&pdftotext(&bytes, true, None));
    assert!(all.contains("By week (continued)"), "{all}");
}

/// The desk's names of the teams (`report.team.*` in its English catalogue).
fn team(role: Role) -> &'static str {
    match role {
        Role::Admin => "Admins",
        Role::Manager => "Managers",
        Role::Receptionist => "Front desk",
        Role::Clinician => "Clinicians",
        Role::Emergency => "Emergency access",
    }
}

pub fn size(bytes: &[u8]) -> (f64, f64) {
    let field = pdfinfo(bytes, "Page size:");
    let mut nums = field
        .split_whitespace()
        .filter_map(|w| w.parse::<f64>().ok());
    (nums.next().unwrap(), nums.next().unwrap())
}

#[test]
fn a4_and_letter_have_their_sizes() {
    let r = report(&crate::text::NAMES, 6);
    let (w, h) = size(&pdf(&r, Paper::A4));
    assert!(
        (w - 595.28).abs() < 0.05 && (h - 841.89).abs() < 0.05,
        "A4 is {w}×{h}"
    );
    let (w, h) = size(&pdf(&r, Paper::Letter));
    assert!(
        (w - 612.0).abs() < 0.05 && (h - 792.0).abs() < 0.05,
        "Letter is {w}×{h}"
    );
}

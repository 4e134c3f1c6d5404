//! The report's order on paper: cover line, KPI tiles, charts, heat map, then the tables.

use chrono::NaiveDate;
use chrono_tz::Tz;
use frontdesk_core::reports::format;
use frontdesk_core::{Bucket, Measures, Report, Role};

use crate::charts::{self, Series, TimeLine};
use crate::logo::Logo;
use crate::page::{Align, Doc, Rgb3, Style, ACCENT, ACCENT_2, BAD, GOOD, INK, MUTED, RULE};
use crate::table::{Column, Table};

pub(crate) fn layout(doc: &mut Doc, report: &Report, logo: Option<Logo>) {
    cover(doc, report, logo);
    tiles(doc, report);
    // Who carried the chats comes first: it is what the report is mostly read for.
    let shares: Vec<(String, f64, f64)> = report
        .staff
        .iter()
        .map(|s| (s.name.clone(), s.chat_share, s.even_share))
        .collect();
    charts::shares(doc, "Share of chats, by person", &shares);

    let labels: Vec<String> = report
        .buckets
        .iter()
        .map(|b| bucket_tick(report.filter.bucket, b.from))
        .collect();
    let per_bucket = |f: fn(&Measures) -> u32| -> Vec<f64> {
        report
            .buckets
            .iter()
            .map(|b| f64::from(f(&b.measures)))
            .collect()
    };
    charts::bars(
        doc,
        &format!(
            "Chats handled and first response, by {}",
            report.filter.bucket.as_str()
        ),
        &labels,
        &[Series {
            label: "Chats handled",
            color: ACCENT,
            values: per_bucket(|m| m.chats_handled),
        }],
        Some(&TimeLine {
            label: "First response (median)",
            color: ACCENT_2,
            values: report
                .buckets
                .iter()
                .map(|b| b.measures.first_response_median_s.map(|s| s as f64))
                .collect(),
        }),
    );
    charts::bars(
        doc,
        &format!(
            "Visits completed and no-shows, by {}",
            report.filter.bucket.as_str()
        ),
        &labels,
        &[
            Series {
                label: "Visits completed",
                color: Rgb3::hex(0x3f8f6b),
                values: per_bucket(|m| m.appts_completed),
            },
            Series {
                label: "No-shows",
                color: Rgb3::hex(0xd64545),
                values: per_bucket(|m| m.appts_no_show),
            },
        ],
        None,
    );
    crate::heatmap::draw(doc, &report.heatmap, &report.time_zone);

    staff_table(doc, report);
    team_table(doc, report);
    bucket_table(doc, report);
}

/// A section title, with a little air above it.
pub(crate) fn heading(doc: &mut Doc, title: &str) {
    doc.y += 6.0;
    doc.text(
        doc.left,
        doc.y + 9.0,
        title,
        Style::new(10.0).bold(),
        Align::Left,
    );
    doc.y += 16.0;
}

/// The text under the title: for the PDF's document title and its footer.
pub(crate) fn period(report: &Report) -> String {
    format!("{} – {}", report.filter.from, report.filter.to)
}

fn cover(doc: &mut Doc, report: &Report, logo: Option<Logo>) {
    title_block(doc, logo, &report.clinic_name, "Workload report");
    let zone: Option<Tz> = report.time_zone.parse().ok();
    let made = match zone {
        Some(tz) => report.made_at.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        None => report.made_at.format("%Y-%m-%d %H:%M"),
    };
    let lines = [
        format!(
            "Period {}, by {} · compared with {} – {}",
            period(report),
            report.filter.bucket.as_str(),
            report.previous_from,
            report.previous_to
        ),
        format!("Filters: {}", filters(report)),
        format!("Made {made} by {}", report.made_by),
    ];
    cover_lines(doc, &lines);
}

/// The top of a first page: the logo if there is one, a title and what the document is.
pub(crate) fn title_block(doc: &mut Doc, logo: Option<Logo>, title: &str, subtitle: &str) {
    let top = doc.y;
    let mut x = doc.left;
    let logo_h = 40.0;
    if let Some(logo) = logo {
        let w = (logo_h * logo.aspect).min(120.0);
        let h = w / logo.aspect;
        let id = doc.add_image(logo.image);
        doc.image(&id, x, top + (logo_h - h) / 2.0, w, h);
        x += w + 12.0;
    }
    let width = doc.right - x;
    doc.text_fit(
        x,
        top + 18.0,
        width,
        title,
        Style::new(18.0).bold(),
        Align::Left,
    );
    doc.text(
        x,
        top + 34.0,
        subtitle,
        Style::new(11.0).color(ACCENT),
        Align::Left,
    );
    doc.y = top + logo_h + 12.0;
}

/// Small lines under the title block (what, when, by whom), then a rule.
pub(crate) fn cover_lines(doc: &mut Doc, lines: &[String]) {
    for line in lines {
        doc.text_fit(
            doc.left,
            doc.y + 8.0,
            doc.content_width(),
            line,
            Style::new(8.5).color(MUTED),
            Align::Left,
        );
        doc.y += 12.0;
    }
    doc.y += 4.0;
    doc.hline(doc.left, doc.right, doc.y, RULE, 0.8);
    doc.y += 6.0;
}

fn filters(report: &Report) -> String {
    let f = &report.filter;
    let mut parts = Vec::new();
    if let Some(team) = f.team {
        parts.push(format!("team {}", team_name(team)));
    }
    if let Some(service) = &report.service_name {
        parts.push(format!("service {service}"));
    } else if f.service_id.is_some() {
        parts.push("one service".to_string());
    }
    if !f.staff_ids.is_empty() {
        let n = f.staff_ids.len();
        parts.push(format!("{n} {}", if n == 1 { "person" } else { "people" }));
    }
    if parts.is_empty() {
        "none (everyone, all services)".to_string()
    } else {
        parts.join(" · ")
    }
}

pub(crate) fn team_name(team: Role) -> &'static str {
    match team {
        Role::Admin => "Admin",
        Role::Manager => "Manager",
        Role::Receptionist => "Front desk",
        Role::Clinician => "Clinician",
        Role::Emergency => "Emergency access",
    }
}

/// How one tile's figure moved since the previous period, and whether that is good news.
enum Change {
    Count(u32, u32, bool),
    Time(Option<i64>, Option<i64>),
    Rate(Option<f64>, Option<f64>),
}

impl Change {
    /// The text under the figure, and its colour.
    fn describe(&self) -> (String, Rgb3) {
        let (text, delta, up_is_good) = match *self {
            Change::Count(now, before, up_is_good) => {
                let d = i64::from(now) - i64::from(before);
                (
                    format::change(now.into(), before.into()),
                    d as f64,
                    up_is_good,
                )
            }
            Change::Time(Some(now), Some(before)) => {
                let text = match format::change(now, before) {
                    c if c == "0" => c,
                    c => {
                        let sign: String = c.chars().take(1).collect();
                        format!("{sign}{}", format::duration(Some((now - before).abs())))
                    }
                };
                (text, (now - before) as f64, false)
            }
            Change::Rate(Some(now), Some(before)) => {
                let d = now - before;
                let text = if d.abs() < 0.0005 {
                    "0".to_string()
                } else {
                    let sign = if d > 0.0 { "+" } else { "−" };
                    format!("{sign}{}", format::percent(Some(d.abs())))
                };
                (text, d, false)
            }
            Change::Time(..) | Change::Rate(..) => return ("no figure to compare".into(), MUTED),
        };
        let color = if delta == 0.0 || text == "0" {
            MUTED
        } else if (delta > 0.0) == up_is_good {
            GOOD
        } else {
            BAD
        };
        (format!("{text} vs previous"), color)
    }
}

/// The change for the tile that `format::tiles` labels `label`.
fn change_for(label: &str, now: &Measures, before: &Measures) -> Option<Change> {
    Some(match label {
        "Chats handled" => Change::Count(now.chats_handled, before.chats_handled, true),
        "First response (median)" => {
            Change::Time(now.first_response_median_s, before.first_response_median_s)
        }
        "First response (p90)" => {
            Change::Time(now.first_response_p90_s, before.first_response_p90_s)
        }
        "Unanswered at day end" => {
            Change::Count(now.chats_unanswered_eod, before.chats_unanswered_eod, false)
        }
        "Tasks done" => Change::Count(now.tasks_done, before.tasks_done, true),
        "Tasks overdue" => Change::Count(now.tasks_overdue, before.tasks_overdue, false),
        "Visits completed" => Change::Count(now.appts_completed, before.appts_completed, true),
        "No-show rate" => Change::Rate(now.no_show_rate, before.no_show_rate),
        "Average wait" => Change::Time(now.wait_avg_s, before.wait_avg_s),
        _ => return None,
    })
}

fn tiles(doc: &mut Doc, report: &Report) {
    let tiles = format::tiles(&report.totals);
    let per_row = 5;
    let gap = 6.0;
    let w = (doc.content_width() - gap * (per_row as f32 - 1.0)) / per_row as f32;
    let h = 46.0;
    doc.y += 4.0;
    for (row, chunk) in tiles.chunks(per_row).enumerate() {
        let y = doc.y + row as f32 * (h + gap);
        for (i, (label, value)) in chunk.iter().enumerate() {
            let x = doc.left + i as f32 * (w + gap);
            doc.fill_rect(x, y, w, h, Rgb3::hex(0xf3f6f9));
            doc.fill_rect(x, y, 2.0, h, ACCENT);
            doc.text_fit(
                x + 8.0,
                y + 11.0,
                w - 12.0,
                label,
                Style::new(6.8).color(MUTED),
                Align::Left,
            );
            doc.text_fit(
                x + 8.0,
                y + 27.0,
                w - 12.0,
                value,
                Style::new(13.0).bold().color(INK),
                Align::Left,
            );
            if let Some(change) = change_for(label, &report.totals, &report.previous) {
                let (text, color) = change.describe();
                doc.text_fit(
                    x + 8.0,
                    y + 39.0,
                    w - 12.0,
                    &text,
                    Style::new(6.5).color(color),
                    Align::Left,
                );
            }
        }
    }
    let rows = tiles.len().div_ceil(per_row) as f32;
    doc.y += rows * (h + gap) + 2.0;
}

/// The work columns the staff and team tables share, after each table's own first two.
/// Headers are short so sixteen columns fit portrait paper; the legend spells them out.
const WORK_COLUMNS: [Column; 12] = [
    Column::number("Asgn"),
    Column::number("Hndl"),
    Column::number("Repl"),
    Column::number("FR med"),
    Column::number("FR p90"),
    Column::number("Esc"),
    Column::number("Reas"),
    Column::number("Unans"),
    Column::number("T done"),
    Column::number("T over"),
    Column::number("Visits"),
    Column::number("No-sh"),
];

/// A table's columns: its own first ones, the shared work columns, then its own last ones.
fn columns(first: [Column; 2], last: &[Column]) -> Vec<Column> {
    first
        .into_iter()
        .chain(WORK_COLUMNS)
        .chain(last.iter().copied())
        .collect()
}

/// The cells under `WORK_COLUMNS`.
fn work_cells(m: &Measures) -> [String; 12] {
    [
        m.chats_assigned.to_string(),
        m.chats_handled.to_string(),
        m.replies.to_string(),
        format::duration(m.first_response_median_s),
        format::duration(m.first_response_p90_s),
        m.chats_escalated.to_string(),
        m.chats_reassigned.to_string(),
        m.chats_unanswered_eod.to_string(),
        m.tasks_done.to_string(),
        m.tasks_overdue.to_string(),
        m.appts_completed.to_string(),
        m.appts_no_show.to_string(),
    ]
}

const LEGEND: &str = "Asgn chats assigned · Hndl chats handled · Repl replies sent · \
     FR med / FR p90 first response, median and 90th percentile · Esc escalated · \
     Reas reassigned · Unans unanswered at the end of the day · T done / T over tasks done / \
     overdue · Visits visits completed · No-sh no-shows · Share share of chats assigned · \
     Even an even share among those who take chats.";

fn staff_table(doc: &mut Doc, report: &Report) {
    let rows: Vec<Vec<String>> = report
        .staff
        .iter()
        .map(|s| {
            let even = if s.even_share > 0.0 {
                format::percent(Some(s.even_share))
            } else {
                "–".to_string()
            };
            [s.name.clone(), team_name(s.team).to_string()]
                .into_iter()
                .chain(work_cells(&s.measures))
                .chain([format::percent(Some(s.chat_share)), even])
                .collect()
        })
        .collect();
    let columns = columns(
        [Column::flex("Name"), Column::text("Team")],
        &[Column::number("Share"), Column::number("Even")],
    );
    Table {
        title: "Staff",
        columns: &columns,
        rows: &rows,
        total: None,
        empty: "No one in this report.",
    }
    .draw(doc);
    doc.paragraph(LEGEND, Style::new(6.5).color(MUTED));
    doc.y += 6.0;
}

fn team_row(name: String, staff: String, m: &Measures) -> Vec<String> {
    [name, staff]
        .into_iter()
        .chain(work_cells(m))
        .chain([format::percent(m.no_show_rate)])
        .collect()
}

fn team_table(doc: &mut Doc, report: &Report) {
    let rows: Vec<Vec<String>> = report
        .teams
        .iter()
        .map(|t| {
            team_row(
                team_name(t.team).to_string(),
                t.staff.to_string(),
                &t.measures,
            )
        })
        .collect();
    let staff: u32 = report.teams.iter().map(|t| t.staff).sum();
    let total = team_row("All teams".into(), staff.to_string(), &report.totals);
    let columns = columns(
        [Column::flex("Team"), Column::number("Staff")],
        &[Column::number("No-show rate")],
    );
    Table {
        title: "Teams",
        columns: &columns,
        rows: &rows,
        total: Some(&total),
        empty: "No teams in this report.",
    }
    .draw(doc);
}

const BUCKET_COLUMNS: [Column; 13] = [
    Column::flex("Period"),
    Column::number("Hndl"),
    Column::number("Repl"),
    Column::number("FR med"),
    Column::number("FR p90"),
    Column::number("Unans"),
    Column::number("T done"),
    Column::number("T over"),
    Column::number("Booked"),
    Column::number("Visits"),
    Column::number("No-sh"),
    Column::number("No-show rate"),
    Column::number("Avg wait"),
];

fn bucket_table(doc: &mut Doc, report: &Report) {
    let rows: Vec<Vec<String>> = report
        .buckets
        .iter()
        .map(|b| {
            let m = &b.measures;
            vec![
                bucket_name(report.filter.bucket, b.from, b.to),
                m.chats_handled.to_string(),
                m.replies.to_string(),
                format::duration(m.first_response_median_s),
                format::duration(m.first_response_p90_s),
                m.chats_unanswered_eod.to_string(),
                m.tasks_done.to_string(),
                m.tasks_overdue.to_string(),
                m.appts_booked.to_string(),
                m.appts_completed.to_string(),
                m.appts_no_show.to_string(),
                format::percent(m.no_show_rate),
                format::duration(m.wait_avg_s),
            ]
        })
        .collect();
    let title = match report.filter.bucket {
        Bucket::Day => "By day",
        Bucket::Week => "By week",
        Bucket::Month => "By month",
    };
    Table {
        title,
        columns: &BUCKET_COLUMNS,
        rows: &rows,
        total: None,
        empty: "No buckets in this period.",
    }
    .draw(doc);
}

/// A bucket in the table: its whole span, since the first and last may be clipped.
fn bucket_name(bucket: Bucket, from: NaiveDate, to: NaiveDate) -> String {
    match bucket {
        Bucket::Day => from.format("%a %Y-%m-%d").to_string(),
        Bucket::Week | Bucket::Month if from == to => from.to_string(),
        Bucket::Week | Bucket::Month => format!("{from} – {to}"),
    }
}

/// A bucket under a chart's bar: as short as still tells it apart.
fn bucket_tick(bucket: Bucket, from: NaiveDate) -> String {
    match bucket {
        Bucket::Day | Bucket::Week => from.format("%m-%d").to_string(),
        Bucket::Month => from.format("%b %y").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tile_has_its_change() {
        let m = Measures::default();
        for (label, _) in format::tiles(&m) {
            assert!(
                change_for(label, &m, &m).is_some(),
                "no change for {label:?}"
            );
        }
    }

    #[test]
    fn changes_read_as_the_format_module_writes_them() {
        let (text, color) = Change::Count(5, 2, true).describe();
        assert_eq!((text.as_str(), color), ("+3 vs previous", GOOD));
        let (text, color) = Change::Count(5, 2, false).describe();
        assert_eq!((text.as_str(), color), ("+3 vs previous", BAD));
        let (text, color) = Change::Time(Some(245), Some(262)).describe();
        assert_eq!((text.as_str(), color), ("−17 s vs previous", GOOD));
        let (text, _) = Change::Time(Some(400), Some(100)).describe();
        assert_eq!(text, "+5 min 00 s vs previous");
        let (text, color) = Change::Rate(Some(0.10), Some(0.125)).describe();
        assert_eq!((text.as_str(), color), ("−2.5 % vs previous", GOOD));
        let (text, color) = Change::Time(None, Some(3)).describe();
        assert_eq!((text.as_str(), color), ("no figure to compare", MUTED));
        assert_eq!(Change::Count(4, 4, true).describe().1, MUTED);
    }

    #[test]
    fn buckets_are_named_by_their_span() {
        let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
        assert_eq!(bucket_name(Bucket::Day, d(1, 6), d(1, 6)), "Mon 2025-01-06");
        assert_eq!(
            bucket_name(Bucket::Week, d(1, 6), d(1, 12)),
            "2025-01-06 – 2025-01-12"
        );
        assert_eq!(bucket_tick(Bucket::Month, d(2, 1)), "Feb 25");
        assert_eq!(bucket_tick(Bucket::Week, d(2, 3)), "02-03");
    }
}

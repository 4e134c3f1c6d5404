//! The report's order on paper: cover line, KPI tiles, charts, heat map, then the tables.

use chrono::NaiveDate;
use chrono_tz::Tz;
use frontdesk_core::reports::format;
use frontdesk_core::{Bucket, Measures, Report};

use crate::charts::{self, Series, TimeLine};
use crate::labels::{lower_first, Labels, Text};
use crate::logo::Logo;
use crate::page::{Align, Doc, Rgb3, Style, ACCENT, ACCENT_2, BAD, GOOD, INK, MUTED, RULE};
use crate::table::{Column, Table};

pub(crate) fn layout(doc: &mut Doc, report: &Report, logo: Option<Logo>, labels: &Labels) {
    doc.continued = labels.pdf(Text::Continued);
    cover(doc, report, logo, labels);
    tiles(doc, report, labels);
    // Who carried the chats comes first: it is what the report is mostly read for.
    let shares: Vec<(String, f64, f64)> = report
        .staff
        .iter()
        .map(|s| (s.name.clone(), s.chat_share, s.even_share))
        .collect();
    let share_title = labels.titled(
        labels.desk("report.share"),
        &lower_first(labels.desk("report.by_person")),
    );
    charts::shares(doc, labels, &share_title, &shares);

    let ticks: Vec<String> = report
        .buckets
        .iter()
        .map(|b| bucket_tick(labels, report.filter.bucket, b.from))
        .collect();
    let by = labels.by_bucket(report.filter.bucket);
    let per_bucket = |f: fn(&Measures) -> u32| -> Vec<f64> {
        report
            .buckets
            .iter()
            .map(|b| f64::from(f(&b.measures)))
            .collect()
    };
    charts::bars(
        doc,
        labels,
        &labels.titled(labels.desk("report.chart.chats"), &by),
        &ticks,
        &[Series {
            label: labels.measure("chats_handled"),
            color: ACCENT,
            values: per_bucket(|m| m.chats_handled),
        }],
        Some(&TimeLine {
            label: labels.measure("first_response_median_s"),
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
        labels,
        &labels.titled(labels.pdf(Text::VisitsChart), &by),
        &ticks,
        &[
            Series {
                label: labels.measure("appts_completed"),
                color: Rgb3::hex(0x3f8f6b),
                values: per_bucket(|m| m.appts_completed),
            },
            Series {
                label: labels.measure("appts_no_show"),
                color: Rgb3::hex(0xd64545),
                values: per_bucket(|m| m.appts_no_show),
            },
        ],
        None,
    );
    crate::heatmap::draw(doc, labels, &report.heatmap, &report.time_zone);

    staff_table(doc, report, labels);
    team_table(doc, report, labels);
    bucket_table(doc, report, labels);
}

/// A section title, with a little air above it.
pub(crate) fn heading(doc: &mut Doc, title: &str) {
    doc.y += 6.0;
    let (x, align) = doc.lead();
    doc.text(x, doc.y + 9.0, title, Style::new(10.0).bold(), align);
    doc.y += 16.0;
}

/// The text under the title: for the PDF's document title and its footer.
pub(crate) fn period(report: &Report) -> String {
    format!("{} – {}", report.filter.from, report.filter.to)
}

fn cover(doc: &mut Doc, report: &Report, logo: Option<Logo>, labels: &Labels) {
    title_block(
        doc,
        logo,
        &report.clinic_name,
        labels.pdf(Text::WorkloadReport),
    );
    let zone: Option<Tz> = report.time_zone.parse().ok();
    let made = match zone {
        Some(tz) => report.made_at.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        None => report.made_at.format("%Y-%m-%d %H:%M"),
    };
    let previous = format!("{} – {}", report.previous_from, report.previous_to);
    let lines = [
        labels.pdf_with(
            Text::CoverPeriod,
            &[
                ("period", &period(report)),
                ("by", &labels.by_bucket(report.filter.bucket)),
                (
                    "compared",
                    &labels.desk_with("report.compared", &[("period", &previous)]),
                ),
            ],
        ),
        labels.pdf_with(Text::Filters, &[("filters", &filters(report, labels))]),
        labels.pdf_with(
            Text::Made,
            &[("when", &made.to_string()), ("who", &report.made_by)],
        ),
    ];
    cover_lines(doc, &lines);
}

/// The top of a first page: the logo if there is one, a title and what the document is.
pub(crate) fn title_block(doc: &mut Doc, logo: Option<Logo>, title: &str, subtitle: &str) {
    let top = doc.y;
    // The logo goes where the reader starts: the left edge, or the right one in a
    // right-to-left document, with the title beside it.
    let (mut left, mut right) = (doc.left, doc.right);
    let logo_h = 40.0;
    if let Some(logo) = logo {
        let w = (logo_h * logo.aspect).min(120.0);
        let h = w / logo.aspect;
        let id = doc.add_image(logo.image);
        let x = if doc.rtl { right - w } else { left };
        doc.image(&id, x, top + (logo_h - h) / 2.0, w, h);
        if doc.rtl {
            right -= w + 12.0;
        } else {
            left += w + 12.0;
        }
    }
    let width = right - left;
    let (x, align) = if doc.rtl {
        (right, Align::Right)
    } else {
        (left, Align::Left)
    };
    doc.text_fit(x, top + 18.0, width, title, Style::new(18.0).bold(), align);
    doc.text(
        x,
        top + 34.0,
        subtitle,
        Style::new(11.0).color(ACCENT),
        align,
    );
    doc.y = top + logo_h + 12.0;
}

/// Small lines under the title block (what, when, by whom), then a rule.
pub(crate) fn cover_lines(doc: &mut Doc, lines: &[String]) {
    let (x, align) = doc.lead();
    for line in lines {
        doc.text_fit(
            x,
            doc.y + 8.0,
            doc.content_width(),
            line,
            Style::new(8.5).color(MUTED),
            align,
        );
        doc.y += 12.0;
    }
    doc.y += 4.0;
    doc.hline(doc.left, doc.right, doc.y, RULE, 0.8);
    doc.y += 6.0;
}

fn filters(report: &Report, labels: &Labels) -> String {
    let f = &report.filter;
    let mut parts = Vec::new();
    if let Some(team) = f.team {
        parts.push(labels.pdf_with(Text::FilterTeam, &[("team", labels.team(team))]));
    }
    if let Some(service) = &report.service_name {
        parts.push(labels.pdf_with(Text::FilterService, &[("service", service)]));
    } else if f.service_id.is_some() {
        parts.push(labels.pdf(Text::OneService).to_string());
    }
    if !f.staff_ids.is_empty() {
        parts.push(labels.people(f.staff_ids.len()));
    }
    if parts.is_empty() {
        labels.pdf(Text::NoFilters).to_string()
    } else {
        parts.join(" · ")
    }
}

/// How one tile's figure moved since the previous period, and whether that is good news.
/// How one tile's figure moved since the previous period, and whether that is good news.
enum Change {
    Count(u32, u32, bool),
    Time(Option<i64>, Option<i64>),
    Rate(Option<f64>, Option<f64>),
}

impl Change {
    /// The text under the figure, and its colour.
    fn describe(&self, labels: &Labels) -> (String, Rgb3) {
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
                        format!("{sign}{}", labels.duration(Some((now - before).abs())))
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
            Change::Time(..) | Change::Rate(..) => {
                return (labels.pdf(Text::NoFigure).to_string(), MUTED)
            }
        };
        let color = if delta == 0.0 || text == "0" {
            MUTED
        } else if (delta > 0.0) == up_is_good {
            GOOD
        } else {
            BAD
        };
        (
            labels.pdf_with(Text::VsPrevious, &[("change", &text)]),
            color,
        )
    }
}

/// The tiles' figures, in `format::tiles`'s order, by their `Measures` field names (which
/// name them in the catalogues too: `report.m.<field>`).
const TILES: [&str; 9] = [
    "chats_handled",
    "first_response_median_s",
    "first_response_p90_s",
    "chats_unanswered_eod",
    "tasks_done",
    "tasks_overdue",
    "appts_completed",
    "no_show_rate",
    "wait_avg_s",
];

/// A tile's figure, and its change since the previous period.
fn tile(key: &str, now: &Measures, before: &Measures, labels: &Labels) -> Option<(String, Change)> {
    let count = |n: u32| n.to_string();
    Some(match key {
        "chats_handled" => (
            count(now.chats_handled),
            Change::Count(now.chats_handled, before.chats_handled, true),
        ),
        "first_response_median_s" => (
            labels.duration(now.first_response_median_s),
            Change::Time(now.first_response_median_s, before.first_response_median_s),
        ),
        "first_response_p90_s" => (
            labels.duration(now.first_response_p90_s),
            Change::Time(now.first_response_p90_s, before.first_response_p90_s),
        ),
        "chats_unanswered_eod" => (
            count(now.chats_unanswered_eod),
            Change::Count(now.chats_unanswered_eod, before.chats_unanswered_eod, false),
        ),
        "tasks_done" => (
            count(now.tasks_done),
            Change::Count(now.tasks_done, before.tasks_done, true),
        ),
        "tasks_overdue" => (
            count(now.tasks_overdue),
            Change::Count(now.tasks_overdue, before.tasks_overdue, false),
        ),
        "appts_completed" => (
            count(now.appts_completed),
            Change::Count(now.appts_completed, before.appts_completed, true),
        ),
        "no_show_rate" => (
            format::percent(now.no_show_rate),
            Change::Rate(now.no_show_rate, before.no_show_rate),
        ),
        "wait_avg_s" => (
            labels.duration(now.wait_avg_s),
            Change::Time(now.wait_avg_s, before.wait_avg_s),
        ),
        _ => return None,
    })
}

fn tiles(doc: &mut Doc, report: &Report, labels: &Labels) {
    let per_row = 5;
    let gap = 6.0;
    let w = (doc.content_width() - gap * (per_row as f32 - 1.0)) / per_row as f32;
    let h = 46.0;
    doc.y += 4.0;
    for (row, chunk) in TILES.chunks(per_row).enumerate() {
        let y = doc.y + row as f32 * (h + gap);
        for (i, key) in chunk.iter().enumerate() {
            let Some((value, change)) = tile(key, &report.totals, &report.previous, labels) else {
                continue;
            };
            // Right to left, the first tile is the rightmost, its stripe and text on the right.
            let x = if doc.rtl {
                doc.right - w - i as f32 * (w + gap)
            } else {
                doc.left + i as f32 * (w + gap)
            };
            doc.fill_rect(x, y, w, h, Rgb3::hex(0xf3f6f9));
            let (stripe, anchor, align) = if doc.rtl {
                (x + w - 2.0, x + w - 8.0, Align::Right)
            } else {
                (x, x + 8.0, Align::Left)
            };
            doc.fill_rect(stripe, y, 2.0, h, ACCENT);
            doc.text_fit(
                anchor,
                y + 11.0,
                w - 12.0,
                labels.measure(key),
                Style::new(6.8).color(MUTED),
                align,
            );
            doc.text_fit(
                anchor,
                y + 27.0,
                w - 12.0,
                &value,
                Style::new(13.0).bold().color(INK),
                align,
            );
            let (text, color) = change.describe(labels);
            doc.text_fit(
                anchor,
                y + 39.0,
                w - 12.0,
                &text,
                Style::new(6.5).color(color),
                align,
            );
        }
    }
    let rows = TILES.len().div_ceil(per_row) as f32;
    doc.y += rows * (h + gap) + 2.0;
}

/// The work columns the staff and team tables share, after each table's own first two:
/// their short heads, and the figures the legend spells them out as.
const WORK_COLUMNS: [(Text, &str); 12] = [
    (Text::ColAssigned, "chats_assigned"),
    (Text::ColHandled, "chats_handled"),
    (Text::ColReplies, "replies"),
    (Text::ColFirstMedian, "first_response_median_s"),
    (Text::ColFirstP90, "first_response_p90_s"),
    (Text::ColEscalated, "chats_escalated"),
    (Text::ColReassigned, "chats_reassigned"),
    (Text::ColUnanswered, "chats_unanswered_eod"),
    (Text::ColTasksDone, "tasks_done"),
    (Text::ColTasksOverdue, "tasks_overdue"),
    (Text::ColVisits, "appts_completed"),
    (Text::ColNoShows, "appts_no_show"),
];

/// A table's columns: its own first ones, the shared work columns, then its own last ones.
/// Headers are short so sixteen columns fit portrait paper; the legend spells them out.
fn columns(labels: &Labels, first: [Column; 2], last: &[Column]) -> Vec<Column> {
    first
        .into_iter()
        .chain(
            WORK_COLUMNS
                .iter()
                .map(|(head, _)| Column::number(labels.pdf(*head))),
        )
        .chain(last.iter().copied())
        .collect()
}

/// The cells under `WORK_COLUMNS`.
fn work_cells(m: &Measures, labels: &Labels) -> [String; 12] {
    [
        m.chats_assigned.to_string(),
        m.chats_handled.to_string(),
        m.replies.to_string(),
        labels.duration(m.first_response_median_s),
        labels.duration(m.first_response_p90_s),
        m.chats_escalated.to_string(),
        m.chats_reassigned.to_string(),
        m.chats_unanswered_eod.to_string(),
        m.tasks_done.to_string(),
        m.tasks_overdue.to_string(),
        m.appts_completed.to_string(),
        m.appts_no_show.to_string(),
    ]
}

/// What each short head stands for, in the desk's full names of the figures.
fn legend(labels: &Labels) -> String {
    let entry = |short: &str, long: &str| {
        labels.pdf_with(Text::LegendEntry, &[("short", short), ("long", long)])
    };
    WORK_COLUMNS
        .iter()
        .map(|(head, key)| entry(labels.pdf(*head), labels.measure(key)))
        .chain([
            entry(labels.pdf(Text::ColShare), labels.desk("report.share")),
            entry(labels.pdf(Text::ColEven), labels.desk("report.even_share")),
            entry(labels.pdf(Text::ColAvgWait), labels.measure("wait_avg_s")),
        ])
        .collect::<Vec<_>>()
        .join(" · ")
}

fn staff_table(doc: &mut Doc, report: &Report, labels: &Labels) {
    let rows: Vec<Vec<String>> = report
        .staff
        .iter()
        .map(|s| {
            let even = if s.even_share > 0.0 {
                format::percent(Some(s.even_share))
            } else {
                "–".to_string()
            };
            [s.name.clone(), labels.team(s.team).to_string()]
                .into_iter()
                .chain(work_cells(&s.measures, labels))
                .chain([format::percent(Some(s.chat_share)), even])
                .collect()
        })
        .collect();
    let columns = columns(
        labels,
        [
            Column::flex(labels.pdf(Text::ColName)),
            Column::text(labels.desk("report.col.team")),
        ],
        &[
            Column::number(labels.pdf(Text::ColShare)),
            Column::number(labels.pdf(Text::ColEven)),
        ],
    );
    Table {
        title: labels.desk("report.staff"),
        columns: &columns,
        rows: &rows,
        total: None,
        empty: labels.pdf(Text::NoOne),
    }
    .draw(doc);
    doc.paragraph(&legend(labels), Style::new(6.5).color(MUTED));
    doc.y += 6.0;
}

fn team_row(name: String, staff: String, m: &Measures, labels: &Labels) -> Vec<String> {
    [name, staff]
        .into_iter()
        .chain(work_cells(m, labels))
        .chain([format::percent(m.no_show_rate)])
        .collect()
}

fn team_table(doc: &mut Doc, report: &Report, labels: &Labels) {
    let rows: Vec<Vec<String>> = report
        .teams
        .iter()
        .map(|t| {
            team_row(
                labels.team(t.team).to_string(),
                t.staff.to_string(),
                &t.measures,
                labels,
            )
        })
        .collect();
    let staff: u32 = report.teams.iter().map(|t| t.staff).sum();
    let total = team_row(
        labels.desk("report.team.all").to_string(),
        staff.to_string(),
        &report.totals,
        labels,
    );
    let columns = columns(
        labels,
        [
            Column::flex(labels.desk("report.col.team")),
            Column::number(labels.desk("report.col.people")),
        ],
        &[Column::number(labels.desk("report.col.no_show_rate"))],
    );
    Table {
        title: labels.desk("report.by_team"),
        columns: &columns,
        rows: &rows,
        total: Some(&total),
        empty: labels.pdf(Text::NoTeams),
    }
    .draw(doc);
}

fn bucket_table(doc: &mut Doc, report: &Report, labels: &Labels) {
    let rows: Vec<Vec<String>> = report
        .buckets
        .iter()
        .map(|b| {
            let m = &b.measures;
            vec![
                bucket_name(labels, report.filter.bucket, b.from, b.to),
                m.chats_handled.to_string(),
                m.replies.to_string(),
                labels.duration(m.first_response_median_s),
                labels.duration(m.first_response_p90_s),
                m.chats_unanswered_eod.to_string(),
                m.tasks_done.to_string(),
                m.tasks_overdue.to_string(),
                m.appts_booked.to_string(),
                m.appts_completed.to_string(),
                m.appts_no_show.to_string(),
                format::percent(m.no_show_rate),
                labels.duration(m.wait_avg_s),
            ]
        })
        .collect();
    let head = |text: Text| Column::number(labels.pdf(text));
    let columns = [
        Column::flex(labels.desk("report.col.period")),
        head(Text::ColHandled),
        head(Text::ColReplies),
        head(Text::ColFirstMedian),
        head(Text::ColFirstP90),
        head(Text::ColUnanswered),
        head(Text::ColTasksDone),
        head(Text::ColTasksOverdue),
        Column::number(labels.desk("report.col.appts_booked")),
        head(Text::ColVisits),
        head(Text::ColNoShows),
        Column::number(labels.desk("report.col.no_show_rate")),
        head(Text::ColAvgWait),
    ];
    Table {
        title: labels.desk(&format!(
            "report.by_bucket.{}",
            report.filter.bucket.as_str()
        )),
        columns: &columns,
        rows: &rows,
        total: None,
        empty: labels.desk("report.no_rows"),
    }
    .draw(doc);
}

/// A bucket in the table: its whole span, since the first and last may be clipped.
fn bucket_name(labels: &Labels, bucket: Bucket, from: NaiveDate, to: NaiveDate) -> String {
    match bucket {
        Bucket::Day => labels.day(from),
        Bucket::Week | Bucket::Month if from == to => from.to_string(),
        Bucket::Week | Bucket::Month => format!("{from} – {to}"),
    }
}

/// A bucket under a chart's bar: as short as still tells it apart.
fn bucket_tick(labels: &Labels, bucket: Bucket, from: NaiveDate) -> String {
    match bucket {
        Bucket::Day | Bucket::Week => from.format("%m-%d").to_string(),
        Bucket::Month => labels.month_tick(from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::{desk_message, Language};

    #[test]
    fn every_tile_has_its_figure_named_as_the_core_names_it() {
        let m = Measures::default();
        let en = Labels::default();
        let core: Vec<&str> = format::tiles(&m).into_iter().map(|(l, _)| l).collect();
        let ours: Vec<&str> = TILES.iter().map(|k| en.measure(k)).collect();
        assert_eq!(ours, core);
        for (key, (_, value)) in TILES.iter().zip(format::tiles(&m)) {
            let (ours, _) = tile(key, &m, &m, &en).expect(key);
            assert_eq!(ours, value, "{key}");
        }
        for lang in Language::ALL {
            for key in TILES {
                assert!(!desk_message(lang, &format!("report.m.{key}")).is_empty());
            }
        }
    }

    #[test]
    fn changes_read_as_the_format_module_writes_them() {
        let en = Labels::default();
        let (text, color) = Change::Count(5, 2, true).describe(&en);
        assert_eq!((text.as_str(), color), ("+3 vs previous", GOOD));
        let (text, color) = Change::Count(5, 2, false).describe(&en);
        assert_eq!((text.as_str(), color), ("+3 vs previous", BAD));
        let (text, color) = Change::Time(Some(245), Some(262)).describe(&en);
        assert_eq!((text.as_str(), color), ("−17 s vs previous", GOOD));
        let (text, _) = Change::Time(Some(400), Some(100)).describe(&en);
        assert_eq!(text, "+5 min 00 s vs previous");
        let (text, color) = Change::Rate(Some(0.10), Some(0.125)).describe(&en);
        assert_eq!((text.as_str(), color), ("−2.5 % vs previous", GOOD));
        let (text, color) = Change::Time(None, Some(3)).describe(&en);
        assert_eq!((text.as_str(), color), ("no figure to compare", MUTED));
        assert_eq!(Change::Count(4, 4, true).describe(&en).1, MUTED);
        let vi = Labels::new(Language::Vi);
        let (text, _) = Change::Time(Some(400), Some(100)).describe(&vi);
        assert_eq!(text, "+5 phút 00 giây so với kỳ trước");
    }

    #[test]
    fn buckets_are_named_by_their_span() {
        let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
        let en = Labels::default();
        assert_eq!(
            bucket_name(&en, Bucket::Day, d(1, 6), d(1, 6)),
            "Mon 2025-01-06"
        );
        assert_eq!(
            bucket_name(&en, Bucket::Week, d(1, 6), d(1, 12)),
            "2025-01-06 – 2025-01-12"
        );
        assert_eq!(bucket_tick(&en, Bucket::Month, d(2, 1)), "Feb 25");
        assert_eq!(bucket_tick(&en, Bucket::Week, d(2, 3)), "02-03");
        let km = Labels::new(Language::Km);
        assert_eq!(
            bucket_name(&km, Bucket::Day, d(1, 6), d(1, 6)),
            "ច័ន្ទ 2025-01-06"
        );
        assert_eq!(bucket_tick(&km, Bucket::Month, d(2, 1)), "កុម្ភៈ 25");
    }
}

//! The report as CSV: UTF-8 with a byte-order mark, so spreadsheet programs read Khmer and
//! Arabic names correctly. Times are whole seconds and rates fractions, for sums and charts;
//! one table of figures (clinic, previous period, teams, people, buckets), then the heat map.

use super::{Measures, Report};

/// The measure columns, in order; the names are stable for scripts that read the file.
pub const COLUMNS: [&str; 21] = [
    "chats_assigned",
    "chats_handled",
    "replies",
    "first_response_median_s",
    "first_response_p90_s",
    "chats_escalated",
    "chats_reassigned",
    "chats_unanswered_end_of_day",
    "tasks_assigned",
    "tasks_done",
    "tasks_overdue",
    "task_done_median_s",
    "appointments_booked",
    "appointments_completed",
    "appointments_cancelled_client",
    "appointments_cancelled_clinic",
    "appointments_late_cancel",
    "appointments_no_show",
    "no_show_rate",
    "wait_avg_s",
    "visit_avg_s",
];

pub fn render(r: &Report) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let mut header = vec!["scope", "name", "team", "from", "to"];
    header.extend(COLUMNS);
    line(&mut out, header.iter().map(|s| s.to_string()));
    let (from, to) = (r.filter.from.to_string(), r.filter.to.to_string());
    row(
        &mut out,
        "clinic",
        &r.clinic_name,
        "",
        &from,
        &to,
        &r.totals,
    );
    row(
        &mut out,
        "previous",
        &r.clinic_name,
        "",
        &r.previous_from.to_string(),
        &r.previous_to.to_string(),
        &r.previous,
    );
    for t in &r.teams {
        row(
            &mut out,
            "team",
            "",
            t.team.as_str(),
            &from,
            &to,
            &t.measures,
        );
    }
    for s in &r.staff {
        row(
            &mut out,
            "staff",
            &s.name,
            s.team.as_str(),
            &from,
            &to,
            &s.measures,
        );
    }
    for b in &r.buckets {
        let (f, t) = (b.from.to_string(), b.to.to_string());
        row(
            &mut out,
            r.filter.bucket.as_str(),
            "",
            "",
            &f,
            &t,
            &b.measures,
        );
    }
    out.push_str("\r\n");
    line(
        &mut out,
        std::iter::once("chats_by_hour".to_string()).chain((0..24).map(|h| format!("{h:02}"))),
    );
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    for (day, hours) in DAYS.iter().zip(&r.heatmap) {
        line(
            &mut out,
            std::iter::once(day.to_string()).chain(hours.iter().map(|n| n.to_string())),
        );
    }
    out.into_bytes()
}

fn row(out: &mut String, scope: &str, name: &str, team: &str, from: &str, to: &str, m: &Measures) {
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut cells = vec![
        scope.to_string(),
        name.to_string(),
        team.to_string(),
        from.to_string(),
        to.to_string(),
    ];
    cells.extend([
        m.chats_assigned.to_string(),
        m.chats_handled.to_string(),
        m.replies.to_string(),
        opt(m.first_response_median_s),
        opt(m.first_response_p90_s),
        m.chats_escalated.to_string(),
        m.chats_reassigned.to_string(),
        m.chats_unanswered_eod.to_string(),
        m.tasks_assigned.to_string(),
        m.tasks_done.to_string(),
        m.tasks_overdue.to_string(),
        opt(m.task_done_median_s),
        m.appts_booked.to_string(),
        m.appts_completed.to_string(),
        m.appts_cancelled_client.to_string(),
        m.appts_cancelled_clinic.to_string(),
        m.appts_late_cancel.to_string(),
        m.appts_no_show.to_string(),
        m.no_show_rate
            .map(|v| format!("{v:.4}"))
            .unwrap_or_default(),
        opt(m.wait_avg_s),
        opt(m.visit_avg_s),
    ]);
    line(out, cells.into_iter());
}

/// One CSV line (RFC 4180). A cell that a spreadsheet would run as a formula gets a leading
/// apostrophe: staff choose their own display names.
fn line(out: &mut String, cells: impl Iterator<Item = String>) {
    let mut first = true;
    for c in cells {
        if !first {
            out.push(',');
        }
        first = false;
        let c = if c.starts_with(['=', '+', '-', '@', '\t', '\r']) && c.parse::<f64>().is_err() {
            format!("'{c}")
        } else {
            c
        };
        if c.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&c.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&c);
        }
    }
    out.push_str("\r\n");
}

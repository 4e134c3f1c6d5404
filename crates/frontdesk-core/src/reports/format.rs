//! How figures read in the PDF (English until the reports are translated): short, fixed forms
//! that the known-answer test can read back with `pdftotext`.

use super::Measures;

/// "–" for nothing measured, "45 s", "4 min 05 s", "2 h 03 min".
pub fn duration(secs: Option<i64>) -> String {
    match secs {
        None => "–".into(),
        Some(s) if s < 60 => format!("{s} s"),
        Some(s) if s < 3600 => format!("{} min {:02} s", s / 60, s % 60),
        Some(s) => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

/// A fraction as a percentage with one decimal: "12.5 %".
pub fn percent(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(v) => format!("{:.1} %", v * 100.0),
    }
}

/// The change from the previous period: "+3", "−2", "0"; for times, in the same units.
pub fn change(now: i64, before: i64) -> String {
    match now - before {
        0 => "0".into(),
        d if d > 0 => format!("+{d}"),
        d => format!("−{}", -d),
    }
}

/// The figures the PDF's KPI tiles show, with labels, in order.
pub fn tiles(m: &Measures) -> Vec<(&'static str, String)> {
    vec![
        ("Chats handled", m.chats_handled.to_string()),
        (
            "First response (median)",
            duration(m.first_response_median_s),
        ),
        ("First response (p90)", duration(m.first_response_p90_s)),
        ("Unanswered at day end", m.chats_unanswered_eod.to_string()),
        ("Tasks done", m.tasks_done.to_string()),
        ("Tasks overdue", m.tasks_overdue.to_string()),
        ("Visits completed", m.appts_completed.to_string()),
        ("No-show rate", percent(m.no_show_rate)),
        ("Average wait", duration(m.wait_avg_s)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(None), "–");
        assert_eq!(duration(Some(45)), "45 s");
        assert_eq!(duration(Some(245)), "4 min 05 s");
        assert_eq!(duration(Some(7380)), "2 h 03 min");
        assert_eq!(percent(Some(0.125)), "12.5 %");
        assert_eq!(change(5, 7), "−2");
    }
}

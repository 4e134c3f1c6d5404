//! `frontdesk-admin report`: the workload report from the command line, for a manager without
//! the desk at hand or a weekly cron job that files a PDF.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate};
use frontdesk_core::reports::csv;
use frontdesk_core::{
    Bucket, Clinic, Error, Principal, Report, ReportFilter, ReportOutput, Request, Response,
};

pub struct Args<'a> {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub bucket: &'a str,
    pub csv: Option<PathBuf>,
    pub pdf: Option<PathBuf>,
    pub paper: &'a str,
}

pub fn run(clinic: &Clinic, who: &Principal, a: Args, json: bool) -> Result<(), Error> {
    let (from, to) = match (a.from, a.to) {
        (Some(f), Some(t)) => (f, t),
        _ => last_week(clinic, who)?,
    };
    let bucket = match a.bucket {
        "day" => Bucket::Day,
        "month" => Bucket::Month,
        _ => Bucket::Week,
    };
    let output = if a.pdf.is_some() {
        ReportOutput::Pdf
    } else if a.csv.is_some() {
        ReportOutput::Csv
    } else {
        ReportOutput::Screen
    };
    let filter = ReportFilter {
        from,
        to,
        bucket,
        staff_ids: vec![],
        team: None,
        service_id: None,
    };
    let Response::Report(report) = clinic.handle(who, Request::ReportMake { filter, output })?
    else {
        unreachable!("a report request is answered with a report")
    };
    if let Some(path) = &a.csv {
        save(path, &csv::render(&report))?;
        println!("saved {}", path.display());
    }
    if let Some(path) = &a.pdf {
        let paper = if a.paper == "letter" {
            frontdesk_pdf::Paper::Letter
        } else {
            frontdesk_pdf::Paper::A4
        };
        let logo = report.logo_png();
        let opts = frontdesk_pdf::Options {
            paper,
            logo_png: logo.as_deref(),
        };
        let bytes = frontdesk_pdf::render(&report, &opts)
            .map_err(|e| Error::Io(format!("{}: {e}", e.code())))?;
        save(path, &bytes)?;
        println!("saved {}", path.display());
    }
    if a.csv.is_none() && a.pdf.is_none() {
        summary(&report, json);
    }
    Ok(())
}

/// Monday to Sunday of the week before this one, in the clinic's time zone.
fn last_week(clinic: &Clinic, who: &Principal) -> Result<(NaiveDate, NaiveDate), Error> {
    let Response::Clinic(info) = clinic.handle(who, Request::ClinicGet)? else {
        unreachable!("a clinic request is answered with the clinic")
    };
    let tz: chrono_tz::Tz = info
        .time_zone
        .parse()
        .map_err(|_| Error::Io("the clinic's time zone is not known".into()))?;
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let monday = today - Duration::days(today.weekday().num_days_from_monday() as i64 + 7);
    Ok((monday, monday + Duration::days(6)))
}

/// A new file only: a report never replaces an earlier one.
fn save(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::Io(format!("{}: {e}", path.display())))
}

fn summary(r: &Report, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(r).expect("a report serializes")
        );
        return;
    }
    use frontdesk_core::reports::format::{duration, percent};
    let t = &r.totals;
    println!(
        "{} – {} ({} staff)",
        r.filter.from,
        r.filter.to,
        r.staff.len()
    );
    println!(
        "chats: {} assigned, {} handled, {} replies; first response median {}, p90 {}; {} unanswered at day end",
        t.chats_assigned,
        t.chats_handled,
        t.replies,
        duration(t.first_response_median_s),
        duration(t.first_response_p90_s),
        t.chats_unanswered_eod
    );
    println!(
        "tasks: {} assigned, {} done, {} overdue",
        t.tasks_assigned, t.tasks_done, t.tasks_overdue
    );
    println!(
        "appointments: {} booked, {} completed, {} no-shows ({}), average wait {}",
        t.appts_booked,
        t.appts_completed,
        t.appts_no_show,
        percent(t.no_show_rate),
        duration(t.wait_avg_s)
    );
}

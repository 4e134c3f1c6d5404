//! Workload reports: who did how much and how fast, per staff member, team and clinic, by day,
//! week or month, with the previous period beside it. Only staff work is reported: no client's
//! name, message or note ever enters a `Report`.
//!
//! Periods are whole days in the clinic's time zone. The database keeps UTC stamps that sort
//! as text, so every period and bucket edge is turned into a stamp once and compared as text.
//!
//! What each figure counts (the operator guide says the same in plain words):
//! - chats assigned: distinct chat tasks handed to the person (by routing or by hand);
//! - chats handled: distinct conversations the person replied to;
//! - first response: from a chat's arrival to the first desk reply (nearest-rank median and
//!   90th percentile), counted for whoever replied first;
//! - escalated / reassigned: hand-overs away from the person;
//! - unanswered at the end of the day: chats that arrived that day and had no reply by
//!   midnight, counted for whoever held them then;
//! - tasks (call-backs and custom tasks): assigned, done (for who closed them), overdue (due in
//!   the period and not done by then), and the median time from creation to done;
//! - appointments by their start, for the provider: booked (any outcome), completed, cancelled
//!   by client or clinic, late cancels, no-shows, the no-show rate (no-shows over completed
//!   plus no-shows), average wait (arrived to in room) and visit length (in room to done).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::clock;

pub mod csv;
pub mod format;
use crate::error::{Error, Result};
use crate::permissions::Role;
use crate::staff::Avatar;

/// The longest period one report covers: three years of day buckets is already more than a
/// screen can show.
pub const MAX_DAYS: i64 = 3 * 366;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    Day,
    #[default]
    Week,
    Month,
}

impl Bucket {
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
        }
    }
}

/// Where a report goes: the audit log tells a look at the screen from a file taken away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ReportOutput {
    #[default]
    Screen,
    Csv,
    Pdf,
}

impl ReportOutput {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportOutput::Screen => "screen",
            ReportOutput::Csv => "csv",
            ReportOutput::Pdf => "pdf",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReportFilter {
    /// First day, in the clinic's time zone.
    pub from: NaiveDate,
    /// Last day, included.
    pub to: NaiveDate,
    #[serde(default)]
    pub bucket: Bucket,
    /// Only these people; empty for everyone.
    #[serde(default)]
    pub staff_ids: Vec<String>,
    /// Only this team. Teams are the staff roles (front desk, clinicians, managers, admins).
    #[serde(default)]
    pub team: Option<Role>,
    /// Only appointments for this service (the other figures do not depend on a service).
    #[serde(default)]
    pub service_id: Option<String>,
}

/// One set of figures. Times are whole seconds; `None` where there was nothing to measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Measures {
    pub chats_assigned: u32,
    pub chats_handled: u32,
    pub replies: u32,
    pub first_response_median_s: Option<i64>,
    pub first_response_p90_s: Option<i64>,
    pub chats_escalated: u32,
    pub chats_reassigned: u32,
    pub chats_unanswered_eod: u32,
    pub tasks_assigned: u32,
    pub tasks_done: u32,
    pub tasks_overdue: u32,
    pub task_done_median_s: Option<i64>,
    pub appts_booked: u32,
    pub appts_completed: u32,
    pub appts_cancelled_client: u32,
    pub appts_cancelled_clinic: u32,
    pub appts_late_cancel: u32,
    pub appts_no_show: u32,
    /// No-shows over completed visits plus no-shows, 0 to 1.
    pub no_show_rate: Option<f64>,
    pub wait_avg_s: Option<i64>,
    pub visit_avg_s: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StaffReport {
    pub id: String,
    pub name: String,
    pub team: Role,
    pub measures: Measures,
    /// This person's share of the chats assigned in the period, 0 to 1.
    pub chat_share: f64,
    /// What an even share would be among the people in the report who take chats; 0 for
    /// someone who takes none.
    pub even_share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TeamReport {
    pub team: Role,
    pub staff: u32,
    pub measures: Measures,
}

/// One day, week or month of the period (clipped to the period at its ends).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BucketReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub measures: Measures,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Report {
    pub clinic_name: String,
    /// The clinic's logo, as set for the website chat, for the cover line.
    pub logo: Option<Avatar>,
    pub time_zone: String,
    pub made_at: DateTime<Utc>,
    pub made_by: String,
    pub filter: ReportFilter,
    /// The chosen service's name, when the report is for one.
    pub service_name: Option<String>,
    /// The same number of days just before the period, for comparison.
    pub previous_from: NaiveDate,
    pub previous_to: NaiveDate,
    pub totals: Measures,
    pub previous: Measures,
    pub staff: Vec<StaffReport>,
    pub teams: Vec<TeamReport>,
    pub buckets: Vec<BucketReport>,
    /// Chats arriving, by weekday (Monday first) and hour, in the clinic's time zone: 7 rows
    /// of 24. All arrivals, whatever the staff filter, since it is for planning shifts.
    pub heatmap: Vec<Vec<u32>>,
}

impl Report {
    /// The logo's bytes when it is a PNG, the one format the PDF draws; JPEG and WebP logos
    /// are left off the cover.
    pub fn logo_png(&self) -> Option<Vec<u8>> {
        use base64::Engine;
        let logo = self.logo.as_ref().filter(|l| l.mime == "image/png")?;
        base64::engine::general_purpose::STANDARD
            .decode(&logo.base64)
            .ok()
    }
}

/// Who asked, and when: stamped on the report's cover.
pub struct Maker<'a> {
    pub name: &'a str,
    pub now: DateTime<Utc>,
    pub tz: Tz,
}

pub fn make(conn: &Connection, maker: &Maker, filter: &ReportFilter) -> Result<Report> {
    let days = check(filter)?;
    let (clinic_name, time_zone): (String, String) =
        conn.query_row("SELECT name, time_zone FROM clinic", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let service_name = match &filter.service_id {
        None => None,
        Some(id) => Some(
            conn.query_row("SELECT name FROM services WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| {
                Error::invalid(
                    "service_id",
                    "validation.unknown_service",
                    "no such service",
                )
            })?,
        ),
    };
    let logo = conn
        .query_row("SELECT logo, logo_mime FROM chat_link", [], |r| {
            Ok((
                r.get::<_, Option<Vec<u8>>>(0)?,
                r.get::<_, Option<String>>(1)?,
            ))
        })
        .optional()?
        .and_then(|(bytes, mime)| bytes.zip(mime))
        .map(|(bytes, mime)| {
            use base64::Engine;
            Avatar {
                mime,
                base64: base64::engine::general_purpose::STANDARD.encode(bytes),
            }
        });
    let people = selection(conn, filter)?;
    let previous_to = filter.from - Duration::days(1);
    let previous_from = filter.from - Duration::days(days);

    let current = Tally::run(conn, maker, &people, filter, filter.from, filter.to)?;
    let before = Tally::run(conn, maker, &people, filter, previous_from, previous_to)?;

    let takers = people
        .list
        .iter()
        .filter(|p| p.takes_chats || !current.staff[p.index].assigned.is_empty())
        .count();
    let all_assigned: usize = current.staff.iter().map(|a| a.assigned.len()).sum();
    let mut staff: Vec<StaffReport> = people
        .list
        .iter()
        .filter(|p| p.active || !current.staff[p.index].is_empty())
        .map(|p| {
            let acc = &current.staff[p.index];
            let taker = p.takes_chats || !acc.assigned.is_empty();
            StaffReport {
                id: p.id.clone(),
                name: p.name.clone(),
                team: p.team,
                measures: acc.measures(),
                chat_share: ratio(acc.assigned.len(), all_assigned),
                even_share: if taker && takers > 0 {
                    1.0 / takers as f64
                } else {
                    0.0
                },
            }
        })
        .collect();
    staff.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.id.cmp(&b.id))
    });
    let teams = Role::ALL
        .into_iter()
        .filter_map(|team| {
            let n = people.list.iter().filter(|p| p.team == team).count() as u32;
            (n > 0).then(|| TeamReport {
                team,
                staff: n,
                measures: current.teams[team as usize].measures(),
            })
        })
        .collect();
    let buckets = current
        .buckets
        .iter()
        .zip(&current.edges)
        .map(|(acc, e)| BucketReport {
            from: e.from,
            to: e.to,
            measures: acc.measures(),
        })
        .collect();
    Ok(Report {
        clinic_name,
        logo,
        time_zone,
        made_at: maker.now,
        made_by: maker.name.to_string(),
        filter: filter.clone(),
        service_name,
        previous_from,
        previous_to,
        totals: current.total.measures(),
        previous: before.total.measures(),
        staff,
        teams,
        buckets,
        heatmap: current.heatmap.iter().map(|row| row.to_vec()).collect(),
    })
}

/// The period's length in days, or why the filter cannot make a report.
fn check(f: &ReportFilter) -> Result<i64> {
    let days = (f.to - f.from).num_days() + 1;
    if days < 1 {
        return Err(Error::invalid(
            "to",
            "report.period_order",
            "the period ends before it starts",
        ));
    }
    if days > MAX_DAYS {
        return Err(Error::invalid(
            "to",
            "report.period_too_long",
            format!("a report covers at most {MAX_DAYS} days"),
        ));
    }
    if f.staff_ids.len() > 500 {
        return Err(Error::invalid(
            "staff_ids",
            "validation.too_many",
            "too many people",
        ));
    }
    Ok(days)
}

struct Person {
    index: usize,
    id: String,
    name: String,
    team: Role,
    active: bool,
    takes_chats: bool,
}

/// The people a report is about, and whether it is narrowed to some of them (then work done
/// by no one in particular, such as a chat waiting in the queue, is left out of the totals).
struct People {
    list: Vec<Person>,
    by_id: HashMap<String, usize>,
    narrowed: bool,
}

fn selection(conn: &Connection, f: &ReportFilter) -> Result<People> {
    let mut stmt = conn.prepare(
        "SELECT id, display_name, role, active, chat_capacity FROM staff
              WHERE break_glass = 0 ORDER BY seq",
    )?;
    let all = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for id in &f.staff_ids {
        if !all.iter().any(|(sid, ..)| sid == id) {
            return Err(Error::invalid(
                "staff_ids",
                "validation.unknown_staff",
                "no such staff member",
            ));
        }
    }
    let mut list = Vec::new();
    for (id, name, role, active, capacity) in all {
        let team = Role::parse(&role)?;
        if (!f.staff_ids.is_empty() && !f.staff_ids.contains(&id))
            || f.team.is_some_and(|t| t != team)
        {
            continue;
        }
        list.push(Person {
            index: list.len(),
            id,
            name,
            team,
            active,
            takes_chats: active && capacity > 0,
        });
    }
    let by_id = list.iter().map(|p| (p.id.clone(), p.index)).collect();
    Ok(People {
        list,
        by_id,
        narrowed: !f.staff_ids.is_empty() || f.team.is_some(),
    })
}

/// One bucket's days and where it starts as a stored stamp.
struct Edge {
    from: NaiveDate,
    to: NaiveDate,
    start: String,
}

/// The stamp of local midnight starting `day`. A midnight skipped by a DST change starts the
/// day at the first instant that exists.
pub(crate) fn day_start(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let mut t = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    for _ in 0..4 {
        if let Some(x) = tz.from_local_datetime(&t).earliest() {
            return x.with_timezone(&Utc);
        }
        t += Duration::minutes(30);
    }
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight exists"))
}

fn edges(tz: Tz, from: NaiveDate, to: NaiveDate, bucket: Bucket) -> Vec<Edge> {
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        let natural_end = match bucket {
            Bucket::Day => start,
            Bucket::Week => {
                start + Duration::days(6 - start.weekday().num_days_from_monday() as i64)
            }
            Bucket::Month => {
                let (y, m) = if start.month() == 12 {
                    (start.year() + 1, 1)
                } else {
                    (start.year(), start.month() + 1)
                };
                NaiveDate::from_ymd_opt(y, m, 1).expect("first of a month") - Duration::days(1)
            }
        };
        let end = natural_end.min(to);
        out.push(Edge {
            from: start,
            to: end,
            start: clock::stamp(day_start(tz, start)),
        });
        start = end + Duration::days(1);
    }
    out
}

/// Which bucket a stamp falls in (the stamp is inside the period).
fn bucket_of(edges: &[Edge], at: &str) -> usize {
    edges
        .partition_point(|e| e.start.as_str() <= at)
        .saturating_sub(1)
}

/// The running counts behind one `Measures`.
#[derive(Default)]
struct Acc {
    assigned: HashSet<i64>,
    handled: u32,
    replies: u32,
    first_response: Vec<i64>,
    escalated: u32,
    reassigned: u32,
    unanswered: u32,
    tasks_assigned: HashSet<i64>,
    tasks_done: u32,
    tasks_overdue: u32,
    task_done: Vec<i64>,
    booked: u32,
    completed: u32,
    cancelled_client: u32,
    cancelled_clinic: u32,
    late_cancel: u32,
    no_show: u32,
    wait: (i64, i64),
    visit: (i64, i64),
}

impl Acc {
    fn is_empty(&self) -> bool {
        self.assigned.is_empty()
            && self.handled == 0
            && self.replies == 0
            && self.escalated == 0
            && self.reassigned == 0
            && self.unanswered == 0
            && self.tasks_assigned.is_empty()
            && self.tasks_done == 0
            && self.tasks_overdue == 0
            && self.booked == 0
    }

    fn measures(&self) -> Measures {
        let mut fr = self.first_response.clone();
        fr.sort_unstable();
        let mut td = self.task_done.clone();
        td.sort_unstable();
        Measures {
            chats_assigned: self.assigned.len() as u32,
            chats_handled: self.handled,
            replies: self.replies,
            first_response_median_s: nearest_rank(&fr, 50),
            first_response_p90_s: nearest_rank(&fr, 90),
            chats_escalated: self.escalated,
            chats_reassigned: self.reassigned,
            chats_unanswered_eod: self.unanswered,
            tasks_assigned: self.tasks_assigned.len() as u32,
            tasks_done: self.tasks_done,
            tasks_overdue: self.tasks_overdue,
            task_done_median_s: nearest_rank(&td, 50),
            appts_booked: self.booked,
            appts_completed: self.completed,
            appts_cancelled_client: self.cancelled_client,
            appts_cancelled_clinic: self.cancelled_clinic,
            appts_late_cancel: self.late_cancel,
            appts_no_show: self.no_show,
            no_show_rate: (self.completed + self.no_show > 0)
                .then(|| self.no_show as f64 / (self.completed + self.no_show) as f64),
            wait_avg_s: average(self.wait),
            visit_avg_s: average(self.visit),
        }
    }
}

/// The nearest-rank percentile of sorted values: the smallest value with at least `pct` % of
/// the values at or below it.
pub fn nearest_rank(sorted: &[i64], pct: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (pct * sorted.len()).div_ceil(100).max(1);
    Some(sorted[rank - 1])
}

/// A mean in whole seconds, halves rounded up.
fn average((sum, n): (i64, i64)) -> Option<i64> {
    (n > 0).then(|| (2 * sum + n).div_euclid(2 * n))
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The quarter hour a stamp falls in, as `reply_slots` writes it: "2026-03-02T02:15".
fn slot_of(stamp: &str) -> String {
    let quarter = match stamp.get(14..16).and_then(|m| m.parse::<u32>().ok()) {
        Some(m) => m / 15 * 15,
        None => 0,
    };
    format!("{}{quarter:02}", &stamp[..14.min(stamp.len())])
}

/// A text column borrowed from the row, without copying it.
fn text<'a>(r: &'a rusqlite::Row, i: usize) -> Result<&'a str> {
    r.get_ref(i)?.as_str().map_err(|e| {
        Error::from(rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            Box::new(e),
        ))
    })
}

fn secs(from: &str, to: &str) -> Option<i64> {
    Some((clock::parse(to)? - clock::parse(from)?).num_seconds())
}

/// A chat that arrived in the period, and its first reply by a person (when, and who).
struct Arrival {
    task: i64,
    created: String,
    closed: Option<String>,
    first: Option<(String, String)>,
    /// An earlier reply shares the arrival's quarter hour, so a later one in that slot may be
    /// the answer: looked up exactly.
    unsure: bool,
}

impl Arrival {
    /// Offers a slot's earliest reply: the answer is the earliest at or after the arrival and
    /// not after the chat was closed (a later one belongs to a later chat).
    fn answer(&mut self, first_at: &str, staff: &str, slot: &str) {
        if first_at < self.created.as_str() {
            if slot_of(&self.created) == slot {
                self.unsure = true;
            }
            return;
        }
        if self.closed.as_deref().is_some_and(|c| first_at > c) {
            return;
        }
        if self
            .first
            .as_ref()
            .is_none_or(|(f, _)| first_at < f.as_str())
        {
            self.first = Some((first_at.to_string(), staff.to_string()));
        }
    }
}
#[derive(Default)]
struct Arrivals {
    chats: Vec<Arrival>,
    by_conversation: HashMap<Vec<u8>, Vec<usize>>,
}

/// One period's counts, kept for the whole selection, each person, each team and each bucket.
struct Tally {
    edges: Vec<Edge>,
    total: Acc,
    staff: Vec<Acc>,
    teams: Vec<Acc>,
    buckets: Vec<Acc>,
    heatmap: [[u32; 24]; 7],
}

/// Whose work a fact is: a selected person, or no one in particular.
#[derive(Clone, Copy)]
enum Who {
    Person(usize, Role),
    Nobody,
}

impl Tally {
    fn run(
        conn: &Connection,
        maker: &Maker,
        people: &People,
        f: &ReportFilter,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Tally> {
        let tz = maker.tz;
        let mut t = Tally {
            edges: edges(tz, from, to, f.bucket),
            total: Acc::default(),
            staff: (0..people.list.len()).map(|_| Acc::default()).collect(),
            teams: (0..Role::ALL.len()).map(|_| Acc::default()).collect(),
            buckets: Vec::new(),
            heatmap: [[0; 24]; 7],
        };
        t.buckets = (0..t.edges.len()).map(|_| Acc::default()).collect();
        let start = clock::stamp(day_start(tz, from));
        let end = clock::stamp(day_start(tz, to + Duration::days(1)));
        let now = clock::stamp(maker.now);
        t.hand_overs(conn, people, &start, &end)?;
        let mut arrivals = Self::arrivals(conn, &start, &end)?;
        t.replies(conn, people, &mut arrivals, &start, &end)?;
        t.first_responses(conn, people, tz, &arrivals, &now)?;
        t.tasks(conn, people, &start, &end, &now)?;
        t.appointments(conn, people, f, &start, &end)?;
        Ok(t)
    }

    fn who(people: &People, staff_id: Option<&str>) -> Option<Who> {
        match staff_id.and_then(|id| people.by_id.get(id)) {
            Some(&i) => Some(Who::Person(i, people.list[i].team)),
            // Someone outside the selection, or no one: only a report about everyone counts it.
            None if people.narrowed => None,
            None => Some(Who::Nobody),
        }
    }

    /// Applies `f` to the totals, the person and their team, and the bucket.
    fn each(&mut self, who: Who, bucket: usize, mut f: impl FnMut(&mut Acc)) {
        f(&mut self.total);
        f(&mut self.buckets[bucket]);
        if let Who::Person(i, team) = who {
            f(&mut self.staff[i]);
            f(&mut self.teams[team as usize]);
        }
    }

    /// Hand-outs and hand-overs in the period.
    fn hand_overs(
        &mut self,
        conn: &Connection,
        people: &People,
        start: &str,
        end: &str,
    ) -> Result<()> {
        let mut stmt = conn.prepare_cached(
            "SELECT h.at, h.action, h.from_staff, h.to_staff, t.seq, t.kind
               FROM task_history h INDEXED BY task_history_at
               JOIN tasks t INDEXED BY tasks_id_kind ON t.id = h.task_id
              WHERE h.action IN ('assigned', 'reassigned', 'escalated')
                AND h.at >= ?1 AND h.at < ?2
              ORDER BY h.at",
        )?;
        let mut rows = stmt.query(params![start, end])?;
        while let Some(r) = rows.next()? {
            let at = text(r, 0)?;
            let action = text(r, 1)?;
            let from_staff = r.get_ref(2)?.as_str_or_null().ok().flatten();
            let to_staff = r.get_ref(3)?.as_str_or_null().ok().flatten();
            let task: i64 = r.get(4)?;
            let chat = text(r, 5)? == "chat";
            let b = bucket_of(&self.edges, at);
            if let Some(who) = Self::who(people, to_staff) {
                if to_staff.is_some() {
                    self.each(who, b, |a| {
                        if chat {
                            a.assigned.insert(task);
                        } else {
                            a.tasks_assigned.insert(task);
                        }
                    });
                }
            }
            if chat && action != "assigned" && from_staff.is_some() {
                if let Some(who) = Self::who(people, from_staff) {
                    let escalated = action == "escalated";
                    self.each(who, b, |a| {
                        if escalated {
                            a.escalated += 1
                        } else {
                            a.reassigned += 1
                        }
                    });
                }
            }
        }
        Ok(())
    }

    /// The chats that arrived in the period, by conversation, waiting for their first reply.
    fn arrivals(conn: &Connection, start: &str, end: &str) -> Result<Arrivals> {
        let mut out = Arrivals::default();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, created_at, closed_at, conversation_id FROM tasks INDEXED BY tasks_created
              WHERE kind = 'chat' AND created_at >= ?1 AND created_at < ?2",
        )?;
        let mut rows = stmt.query(params![start, end])?;
        while let Some(r) = rows.next()? {
            let conversation: Option<String> = r.get(3)?;
            let i = out.chats.len();
            out.chats.push(Arrival {
                task: r.get(0)?,
                created: r.get(1)?,
                closed: r.get(2)?,
                first: None,
                unsure: false,
            });
            if let Some(c) = conversation {
                out.by_conversation
                    .entry(c.into_bytes())
                    .or_default()
                    .push(i);
            }
        }
        Ok(out)
    }

    /// Replies and the conversations they answered, and each arrival's first reply. They are
    /// read from `reply_slots` (replies per quarter hour, person and conversation; see
    /// migrations/0006_reports.sql), a tenth of the rows of a year's messages, in time order,
    /// and counted as they stream by, remembering per conversation only the last bucket it was
    /// counted in.
    fn replies(
        &mut self,
        conn: &Connection,
        people: &People,
        arrivals: &mut Arrivals,
        start: &str,
        end: &str,
    ) -> Result<()> {
        #[derive(Default)]
        struct Seen {
            total: usize,
            teams: [usize; 4],
            staff: Vec<usize>,
        }
        let mut conversations: HashMap<Vec<u8>, Seen> = HashMap::default();
        let mut stmt = conn.prepare_cached(
            "SELECT slot, staff_id, conversation_id, replies, first_at FROM reply_slots
              WHERE slot >= ?1 AND slot < ?2 ORDER BY slot",
        )?;
        // Periods and buckets start at local midnights, which are whole quarter hours in UTC.
        let starts: Vec<String> = self.edges.iter().map(|e| slot_of(&e.start)).collect();
        let mut rows = stmt.query(params![slot_of(start), slot_of(end)])?;
        let mut bucket = 0;
        let mut last_staff: Option<(Vec<u8>, Option<Who>)> = None;
        while let Some(r) = rows.next()? {
            let at = text(r, 0)?;
            while bucket + 1 < starts.len() && starts[bucket + 1].as_str() <= at {
                bucket += 1;
            }
            let staff = text(r, 1)?;
            let conversation = text(r, 2)?.as_bytes();
            let replies: u32 = r.get(3)?;
            let first_at = text(r, 4)?;
            if let Some(waiting) = arrivals.by_conversation.get(conversation) {
                for &i in waiting {
                    arrivals.chats[i].answer(first_at, staff, at);
                }
            }
            let who = match &last_staff {
                Some((id, who)) if id.as_slice() == staff.as_bytes() => *who,
                _ => {
                    let who = Self::who(people, Some(staff));
                    last_staff = Some((staff.as_bytes().to_vec(), who));
                    who
                }
            };
            let Some(who) = who else { continue };
            let seen = match conversations.get_mut(conversation) {
                Some(s) => s,
                None => conversations.entry(conversation.to_vec()).or_default(),
            };
            // Buckets are counted from 1 here, so 0 means "not yet".
            let mark = bucket + 1;
            if seen.total == 0 {
                self.total.handled += 1;
            }
            if seen.total != mark {
                self.buckets[bucket].handled += 1;
                seen.total = mark;
            }
            self.total.replies += replies;
            self.buckets[bucket].replies += replies;
            if let Who::Person(i, team) = who {
                self.staff[i].replies += replies;
                self.teams[team as usize].replies += replies;
                let t = team as usize;
                if seen.teams[t] == 0 {
                    self.teams[t].handled += 1;
                    seen.teams[t] = mark;
                }
                if !seen.staff.contains(&i) {
                    seen.staff.push(i);
                    self.staff[i].handled += 1;
                }
            }
        }
        // The exact first reply where the slots cannot tell: a chat answered after the period,
        // or one whose arrival shares a quarter hour with an earlier reply.
        let mut exact = conn.prepare_cached(
            "SELECT at, staff_id FROM chat_messages INDEXED BY chat_messages_conversation
              WHERE conversation_id = ?1 AND side = 'desk' AND staff_id IS NOT NULL AND at >= ?2
              ORDER BY at LIMIT 1",
        )?;
        for (conversation, waiting) in &arrivals.by_conversation {
            for &i in waiting {
                let chat = &mut arrivals.chats[i];
                if chat.first.is_some() && !chat.unsure {
                    continue;
                }
                let conversation = std::str::from_utf8(conversation).unwrap_or_default();
                chat.first = None;
                let mut rows = exact.query(params![conversation, chat.created])?;
                if let Some(r) = rows.next()? {
                    let (at, staff): (String, String) = (r.get(0)?, r.get(1)?);
                    if chat.closed.as_deref().is_none_or(|c| at.as_str() <= c) {
                        chat.first = Some((at, staff));
                    }
                }
            }
        }
        Ok(())
    }

    /// First responses, chats unanswered at midnight, and the heat map, from the arrivals.
    fn first_responses(
        &mut self,
        conn: &Connection,
        people: &People,
        tz: Tz,
        arrivals: &Arrivals,
        now: &str,
    ) -> Result<()> {
        // Who held a chat at midnight: asked only for the few left unanswered.
        let mut holder = conn.prepare_cached(
            "SELECT h.to_staff FROM task_history h JOIN tasks t ON t.id = h.task_id
              WHERE t.seq = ?1 AND h.action IN ('assigned', 'reassigned', 'escalated')
                AND h.at < ?2
              ORDER BY h.at DESC, h.seq DESC LIMIT 1",
        )?;
        for chat in &arrivals.chats {
            let Some(arrived) = clock::parse(&chat.created) else {
                continue;
            };
            let local = arrived.with_timezone(&tz);
            let (day, hour) = (local.weekday().num_days_from_monday(), local.hour());
            self.heatmap[day as usize][hour as usize] += 1;
            let b = bucket_of(&self.edges, &chat.created);
            if let Some((reply, by)) = &chat.first {
                if let (Some(s), Some(who)) =
                    (secs(&chat.created, reply), Self::who(people, Some(by)))
                {
                    self.each(who, b, |a| a.first_response.push(s));
                }
            }
            let midnight = clock::stamp(day_start(tz, local.date_naive() + Duration::days(1)));
            let day_over = midnight.as_str() <= now;
            let open_at_midnight = chat.closed.as_ref().is_none_or(|c| *c >= midnight);
            let unanswered = chat.first.as_ref().is_none_or(|(a, _)| *a >= midnight);
            if day_over && open_at_midnight && unanswered {
                let held: Option<String> = holder
                    .query_row(params![chat.task, midnight], |r| r.get(0))
                    .optional()?
                    .flatten();
                if let Some(who) = Self::who(people, held.as_deref()) {
                    self.each(who, b, |a| a.unanswered += 1);
                }
            }
        }
        Ok(())
    }

    fn tasks(
        &mut self,
        conn: &Connection,
        people: &People,
        start: &str,
        end: &str,
        now: &str,
    ) -> Result<()> {
        let mut stmt = conn.prepare_cached(
            "SELECT assignee_id, closed_by, status, created_at, due_at, closed_at
               FROM tasks INDEXED BY tasks_work
              WHERE kind IN ('call_back', 'custom')
                AND ((closed_at >= ?1 AND closed_at < ?2) OR (due_at >= ?1 AND due_at < ?2))",
        )?;
        let mut rows = stmt.query(params![start, end])?;
        while let Some(r) = rows.next()? {
            let assignee: Option<String> = r.get(0)?;
            let closed_by: Option<String> = r.get(1)?;
            let status: String = r.get(2)?;
            let created: String = r.get(3)?;
            let due: Option<String> = r.get(4)?;
            let closed: Option<String> = r.get(5)?;
            let done = status == "done";
            if let Some(c) = closed
                .as_ref()
                .filter(|c| done && c.as_str() >= start && c.as_str() < end)
            {
                let by = closed_by.as_deref().or(assignee.as_deref());
                if let Some(who) = Self::who(people, by) {
                    let took = secs(&created, c);
                    self.each(who, bucket_of(&self.edges, c), |a| {
                        a.tasks_done += 1;
                        a.task_done.extend(took);
                    });
                }
            }
            if let Some(d) = due
                .as_ref()
                .filter(|d| d.as_str() >= start && d.as_str() < end && d.as_str() < now)
            {
                let late = status != "cancelled"
                    && match &closed {
                        None => true,
                        Some(c) => !done || c > d,
                    };
                if late {
                    if let Some(who) = Self::who(people, assignee.as_deref()) {
                        self.each(who, bucket_of(&self.edges, d), |a| a.tasks_overdue += 1);
                    }
                }
            }
        }
        Ok(())
    }

    fn appointments(
        &mut self,
        conn: &Connection,
        people: &People,
        f: &ReportFilter,
        start: &str,
        end: &str,
    ) -> Result<()> {
        let mut stmt = conn.prepare_cached(
            "SELECT provider_id, status, starts_at, arrived_at, seated_at, done_at
               FROM appointments INDEXED BY appointments_report
              WHERE starts_at >= ?1 AND starts_at < ?2 AND (?3 IS NULL OR service_id = ?3)",
        )?;
        let mut rows = stmt.query(params![start, end, f.service_id])?;
        while let Some(r) = rows.next()? {
            let provider: String = r.get(0)?;
            let status: String = r.get(1)?;
            let starts: String = r.get(2)?;
            let arrived: Option<String> = r.get(3)?;
            let seated: Option<String> = r.get(4)?;
            let done_at: Option<String> = r.get(5)?;
            let Some(who) = Self::who(people, Some(&provider)) else {
                continue;
            };
            let wait = arrived.zip(seated.clone()).and_then(|(a, s)| secs(&a, &s));
            let visit = seated.zip(done_at).and_then(|(s, d)| secs(&s, &d));
            self.each(who, bucket_of(&self.edges, &starts), |a| {
                a.booked += 1;
                match status.as_str() {
                    "done" => a.completed += 1,
                    "cancelled_client" => a.cancelled_client += 1,
                    "cancelled_clinic" => a.cancelled_clinic += 1,
                    "late_cancel" => a.late_cancel += 1,
                    "no_show" => a.no_show += 1,
                    _ => {}
                }
                if let Some(w) = wait {
                    a.wait.0 += w;
                    a.wait.1 += 1;
                }
                if let Some(v) = visit {
                    a.visit.0 += v;
                    a.visit.1 += 1;
                }
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_picks_a_real_value() {
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&[1, 2, 3, 4], 50), Some(2));
        assert_eq!(nearest_rank(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90), Some(9));
        assert_eq!(
            nearest_rank(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90),
            Some(10)
        );
    }

    #[test]
    fn slots_are_quarter_hours() {
        assert_eq!(slot_of("2026-03-02T02:00:00.000000Z"), "2026-03-02T02:00");
        assert_eq!(slot_of("2026-03-02T02:14:59.999999Z"), "2026-03-02T02:00");
        assert_eq!(slot_of("2026-03-02T02:15:00.000000Z"), "2026-03-02T02:15");
        assert_eq!(slot_of("2026-03-02T23:59:00.000000Z"), "2026-03-02T23:45");
    }

    #[test]
    fn averages_round_halves_up() {
        assert_eq!(average((0, 0)), None);
        assert_eq!(average((5, 2)), Some(3));
        assert_eq!(average((4, 3)), Some(1));
        assert_eq!(average((5, 3)), Some(2));
    }

    #[test]
    fn weeks_and_months_are_clipped_to_the_period() {
        let tz: Tz = "Asia/Phnom_Penh".parse().unwrap();
        let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let w = edges(tz, d(11, 4), d(11, 20), Bucket::Week);
        let spans: Vec<_> = w.iter().map(|e| (e.from, e.to)).collect();
        assert_eq!(
            spans,
            vec![
                (d(11, 4), d(11, 8)),
                (d(11, 9), d(11, 15)),
                (d(11, 16), d(11, 20))
            ]
        );
        let m = edges(tz, d(1, 15), d(3, 2), Bucket::Month);
        let spans: Vec<_> = m.iter().map(|e| (e.from, e.to)).collect();
        assert_eq!(
            spans,
            vec![
                (d(1, 15), d(1, 31)),
                (d(2, 1), d(2, 28)),
                (d(3, 1), d(3, 2))
            ]
        );
        // Phnom Penh is UTC+7: its midnight is 17:00 the day before in UTC.
        assert_eq!(w[0].start, "2026-11-03T17:00:00.000000Z");
        assert_eq!(bucket_of(&w, "2026-11-08T16:59:59.000000Z"), 0);
        assert_eq!(bucket_of(&w, "2026-11-08T17:00:00.000000Z"), 1);
    }
}

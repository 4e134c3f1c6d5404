//! A realistic demo clinic of any size: staff and clients with names in English, Khmer,
//! Vietnamese and Arabic, local phone numbers, emails, notes, and a history of edits spread
//! over three years. Deterministic for a given seed, so tests and benchmarks can rely on it.

use chrono::{Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::audit::Actor;
use crate::auth::{Secret, TotpEnrollment};
use crate::clients::{self, ClientFields, ClientSource};
use crate::demo_history::{self, HistoryMade, HistorySpec};
use crate::error::{Error, Result};
use crate::permissions::Role;
use crate::schedules;
use crate::services::{self, ServiceFields};
use crate::staff::{self, NewStaff, StaffFields};
use crate::tasks::{self, NewTask, Priority, TaskKind};
use crate::{clock, validate, Ctx};

pub const MAX_DEMO_CLIENTS: u32 = 1_000_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DemoSpec {
    pub clients: u32,
    #[serde(default)]
    pub seed: Option<u64>,
    /// The password of the demo staff logins it creates.
    pub staff_password: Secret,
    /// Days of past appointments to fill the calendar with (the next ten days are always
    /// filled); 5 when absent.
    #[serde(default)]
    pub appointment_days: Option<u32>,
    /// Past chats and tasks for the reports; none when absent.
    #[serde(default)]
    pub history: Option<HistorySpec>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DemoLogin {
    pub login: String,
    pub role: Role,
    /// For the roles that need TOTP: shown once, so the demo manager can log in.
    pub totp: Option<TotpEnrollment>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DemoSummary {
    pub clients: u32,
    pub history_entries: u32,
    /// Call-backs and other tasks handed out among the demo staff, some of them overdue.
    pub tasks: u32,
    /// Services, rooms, and appointments on the calendar around today.
    pub appointments: u32,
    pub staff_created: Vec<DemoLogin>,
    /// Past chats, their messages, and tasks (from `DemoSpec::history`).
    pub history: HistoryMade,
}

#[derive(Clone, Copy)]
enum Market {
    English,
    Khmer,
    Vietnamese,
    Arabic,
}

const EN_GIVEN: &[&str] = &[
    "Emma", "Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Mia", "Noah", "Grace",
    "Leo", "Sophie", "Thomas", "Chloe", "James", "Lily", "William", "Ella", "Samuel",
];
const EN_FAMILY: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke",
];
const KM_FAMILY: &[&str] = &[
    "សុខ",
    "ចាន់",
    "ហេង",
    "លី",
    "គឹម",
    "ស៊ុន",
    "ម៉ៅ",
    "ពេជ្រ",
    "ឈឹម",
    "សែម",
    "អ៊ុំ",
    "ទេព",
];
const KM_GIVEN: &[&str] = &[
    "ដារ៉ា",
    "សុភា",
    "វណ្ណា",
    "ចន្ទា",
    "បុប្ផា",
    "រតនា",
    "សុខា",
    "ពិសិដ្ឋ",
    "វិចិត្រ",
    "សំណាង",
    "ស្រីនាង",
    "សុវណ្ណ",
    "ធីតា",
    "មករា",
    "កញ្ញា",
    "ពិសី",
];
const VI_FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương",
];
const VI_MIDDLE: &[&str] = &["Văn", "Thị", "Minh", "Ngọc", "Đức", "Thu", "Hữu", "Thanh"];
const VI_GIVEN: &[&str] = &[
    "An", "Bình", "Châu", "Dũng", "Hạnh", "Hương", "Lan", "Linh", "Phúc", "Quang", "Thảo", "Tuấn",
    "Trang", "Khánh", "Nhung", "Sơn",
];
const AR_GIVEN: &[&str] = &[
    "محمد",
    "أحمد",
    "فاطمة",
    "عائشة",
    "علي",
    "حسن",
    "مريم",
    "يوسف",
    "خديجة",
    "عمر",
    "ليلى",
    "إبراهيم",
    "نور",
    "سارة",
    "خالد",
    "زينب",
];
const AR_FAMILY: &[&str] = &[
    "العلي",
    "الحسيني",
    "المصري",
    "الخطيب",
    "النجار",
    "حداد",
    "السيد",
    "الشامي",
    "القاسم",
    "العمري",
];
/// What receptionists ask of colleagues, in the clinic's working language.
const TASK_TITLES: &[&str] = &[
    "Call back about the test results",
    "Confirm tomorrow's appointment",
    "Prepare the file for the next visit",
    "Send the price list",
    "Ask about the insurance form",
    "Book a follow-up in two weeks",
];
/// At most this many demo tasks, whatever the clinic's size: a desk's worth, not a history.
const MAX_DEMO_TASKS: u32 = 24;

const NOTES: &[&str] = &[
    "Prefers morning appointments.",
    "Allergic to penicillin.",
    "ចូលចិត្តការណាត់ជួបពេលព្រឹក។",
    "Khách hàng thích được gọi điện trước.",
    "يفضل التواصل عبر الهاتف.",
    "Bring previous X-ray results.",
    "Needs an interpreter.",
    "",
];

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or("")
}

fn name(rng: &mut StdRng, m: Market) -> String {
    match m {
        Market::English => format!("{} {}", pick(rng, EN_GIVEN), pick(rng, EN_FAMILY)),
        Market::Khmer => format!("{} {}", pick(rng, KM_FAMILY), pick(rng, KM_GIVEN)),
        Market::Vietnamese => format!(
            "{} {} {}",
            pick(rng, VI_FAMILY),
            pick(rng, VI_MIDDLE),
            pick(rng, VI_GIVEN)
        ),
        Market::Arabic => format!("{} {}", pick(rng, AR_GIVEN), pick(rng, AR_FAMILY)),
    }
}

fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.gen_range(0..10)))
        .collect()
}

/// A valid mobile number of the market, in international form.
fn phone(rng: &mut StdRng, m: Market) -> Option<String> {
    for _ in 0..20 {
        let candidate = match m {
            Market::Khmer => format!(
                "+855 {} {}",
                pick(
                    rng,
                    &["12", "17", "77", "89", "92", "96", "97", "98", "15", "16"]
                ),
                digits(rng, 6)
            ),
            Market::Vietnamese => format!(
                "+84 {} {}",
                pick(
                    rng,
                    &["90", "91", "93", "94", "96", "97", "98", "32", "35", "86", "88"]
                ),
                digits(rng, 7)
            ),
            Market::Arabic => format!("+962 7{} {}", pick(rng, &["7", "8", "9"]), digits(rng, 7)),
            Market::English => format!(
                "+44 7{} {}",
                pick(rng, &["4", "5", "7", "8", "9"]),
                digits(rng, 8)
            ),
        };
        let ok = phonenumber::parse(None, &candidate)
            .map(|n| n.is_valid())
            .unwrap_or(false);
        if ok {
            return Some(candidate);
        }
    }
    None
}

fn language(m: Market) -> &'static str {
    match m {
        Market::English => "en",
        Market::Khmer => "km",
        Market::Vietnamese => "vi",
        Market::Arabic => "ar",
    }
}

fn email(rng: &mut StdRng, m: Market, name: &str, n: u32) -> Option<String> {
    if rng.gen_bool(0.35) {
        return None;
    }
    let local = match m {
        Market::English | Market::Vietnamese => crate::search::fold(name)
            .split(' ')
            .filter(|w| w.chars().all(|c| c.is_ascii_alphanumeric()))
            .collect::<Vec<_>>()
            .join("."),
        _ => String::new(),
    };
    let local = if local.is_empty() {
        format!("client{n}")
    } else {
        format!("{local}{n}")
    };
    let domain = pick(rng, &["example.com", "example.org", "example.net"]);
    Some(format!("{local}@{domain}"))
}

const DEMO_STAFF: &[(&str, &str, Role, u8, u8)] = &[
    ("demo.manager", "Sophea Chan", Role::Manager, 5, 2),
    ("demo.dara", "សុខ ដារ៉ា", Role::Receptionist, 3, 1),
    ("demo.emma", "Emma Wilson", Role::Receptionist, 2, 1),
    ("demo.lan", "Nguyễn Thị Lan", Role::Clinician, 4, 2),
    ("demo.layla", "ليلى حداد", Role::Clinician, 5, 2),
    ("demo.minh", "Trần Minh Quang", Role::Clinician, 2, 1),
];

pub(crate) fn generate(
    conn: &rusqlite::Connection,
    ctx: &Ctx,
    spec: &DemoSpec,
) -> Result<DemoSummary> {
    if spec.clients > MAX_DEMO_CLIENTS {
        return Err(Error::invalid(
            "clients",
            "validation.out_of_range",
            format!("at most {MAX_DEMO_CLIENTS} demo clients"),
        ));
    }
    validate::password("staff_password", spec.staff_password.expose())?;
    let mut rng = StdRng::seed_from_u64(spec.seed.unwrap_or(0x00F0_0D5E_ED00));

    let mut staff_created = Vec::new();
    for (login, display, role, experience, tier) in DEMO_STAFF {
        if staff::credentials(conn, login)?.is_some() {
            continue;
        }
        let mut fields = StaffFields::new(display, *role);
        fields.experience = *experience;
        fields.support_tier = *tier;
        let (_, totp) = staff::create(
            conn,
            ctx,
            &NewStaff {
                login: login.to_string(),
                password: spec.staff_password.clone(),
                fields,
            },
        )?;
        staff_created.push(DemoLogin {
            login: login.to_string(),
            role: *role,
            totp,
        });
    }
    let staff_ids: Vec<String> = staff::list(conn, false)?
        .into_iter()
        .map(|s| s.id)
        .collect();

    let markets = [
        Market::English,
        Market::Khmer,
        Market::Vietnamese,
        Market::Arabic,
    ];
    let mut history_entries = 0;
    let mut task_clients = vec![];
    for n in 0..spec.clients {
        let m = markets[(n % 4) as usize];
        let full_name = name(&mut rng, m);
        let mut phones: Vec<String> = phone(&mut rng, m).into_iter().collect();
        if rng.gen_bool(0.15) {
            phones.extend(phone(&mut rng, m));
        }
        let age_days = rng.gen_range(0..3 * 365);
        let author = Actor::Staff(staff_ids.choose(&mut rng).cloned().unwrap_or_default());
        let at = ctx.now - Duration::days(age_days) - Duration::minutes(rng.gen_range(0..600));
        let born = NaiveDate::from_ymd_opt(
            rng.gen_range(1940..2020),
            rng.gen_range(1..=12),
            rng.gen_range(1..=28),
        );
        let fields = ClientFields {
            email: email(&mut rng, m, &full_name, n),
            full_name,
            phones,
            address: None,
            date_of_birth: born.filter(|_| rng.gen_bool(0.7)),
            preferred_language: Some(language(m).to_string()),
            notes: pick(&mut rng, NOTES).to_string(),
            account_manager_id: staff_ids
                .choose(&mut rng)
                .cloned()
                .filter(|_| rng.gen_bool(0.7)),
            source: *[
                ClientSource::WalkIn,
                ClientSource::Phone,
                ClientSource::WebChat,
            ]
            .choose(&mut rng)
            .unwrap(),
        };
        let born_ctx = Ctx::new(at, author, ctx.workstation.clone(), ctx.region, ctx.tz);
        let saved = clients::create(conn, &born_ctx, None, &fields)?;
        history_entries += 1;
        if (task_clients.len() as u32) < MAX_DEMO_TASKS {
            task_clients.push(saved.client.id.clone());
        }
        let edits = if rng.gen_bool(0.3) {
            rng.gen_range(1..=3)
        } else {
            0
        };
        let mut current = saved.client;
        for e in 0..edits {
            let mut f = current.fields.clone();
            match e % 3 {
                0 => {
                    f.notes = format!("{} {}", f.notes, pick(&mut rng, NOTES))
                        .trim()
                        .to_string()
                }
                1 => f.phones.extend(phone(&mut rng, m)),
                _ => f.account_manager_id = staff_ids.choose(&mut rng).cloned(),
            }
            f.phones.truncate(validate::MAX_PHONES);
            let edit_ctx = Ctx::new(
                (at + Duration::days(rng.gen_range(1..=age_days.max(1)))).min(ctx.now),
                Actor::Staff(staff_ids.choose(&mut rng).cloned().unwrap_or_default()),
                ctx.workstation.clone(),
                ctx.region,
                ctx.tz,
            );
            let before = current.version;
            current = clients::update(conn, &edit_ctx, &current.id, current.version, &f)?.client;
            if current.version > before {
                history_entries += 1;
            }
        }
    }
    // Tasks handed out among the staff, due from yesterday to next week: a few are overdue.
    for (i, client) in task_clients.iter().enumerate() {
        let to = staff_ids[i % staff_ids.len().max(1)].clone();
        tasks::create(
            conn,
            ctx,
            &NewTask {
                id: None,
                kind: if i % 3 == 0 {
                    TaskKind::Custom
                } else {
                    TaskKind::CallBack
                },
                title: pick(&mut rng, TASK_TITLES).to_string(),
                note: String::new(),
                client_id: Some(client.clone()),
                conversation_id: None,
                assignee_ids: vec![to],
                due_at: Some(clock::stamp(
                    ctx.now + Duration::hours(rng.gen_range(-24..7 * 24)),
                )),
                priority: *[
                    Priority::Low,
                    Priority::Normal,
                    Priority::Normal,
                    Priority::High,
                ]
                .choose(&mut rng)
                .unwrap(),
            },
        )?;
    }
    let appointments = calendar(conn, ctx, &mut rng, spec.appointment_days.unwrap_or(5))?;
    let history = match &spec.history {
        Some(h) => demo_history::generate(conn, ctx, &mut rng, h)?,
        None => HistoryMade::default(),
    };
    Ok(DemoSummary {
        history,
        clients: spec.clients,
        history_entries,
        tasks: task_clients.len() as u32,
        appointments,
        staff_created,
    })
}

/// Most visits a demo calendar may hold in the past: ten years.
pub const MAX_DEMO_APPOINTMENT_DAYS: u32 = 3660;

const DEMO_SERVICES: &[(&str, i64, i64, i64, &str)] = &[
    ("Check-up", 30, 5, 2500, "#3a7bd5"),
    ("Consultation", 20, 0, 1500, "#2a9d8f"),
    ("Dental cleaning", 45, 10, 4000, "#e76f51"),
    ("Vaccination", 15, 5, 1000, "#8e44ad"),
];

/// Services offered by the clinicians, two rooms, and a calendar from `past_days` ago to ten
/// days ahead: past visits done, missed or cancelled, today's under way, future ones booked.
/// Rows are written directly (the generator lays them out without overlaps), with a history
/// row each, as a booking would.
fn calendar(
    conn: &rusqlite::Connection,
    ctx: &Ctx,
    rng: &mut StdRng,
    past_days: u32,
) -> Result<u32> {
    use crate::appointments::AppointmentStatus as S;
    if past_days > MAX_DEMO_APPOINTMENT_DAYS {
        return Err(Error::invalid(
            "appointment_days",
            "validation.out_of_range",
            format!("at most {MAX_DEMO_APPOINTMENT_DAYS} days"),
        ));
    }
    let mut st =
        conn.prepare("SELECT id FROM staff WHERE active = 1 AND role = 'clinician' ORDER BY seq")?;
    let providers: Vec<String> = st
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let clients: Vec<String> = conn
        .prepare("SELECT id FROM clients ORDER BY seq LIMIT 5000")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if providers.is_empty() || clients.is_empty() {
        return Ok(0);
    }
    let existing: i64 = conn.query_row("SELECT count(*) FROM services", [], |r| r.get(0))?;
    if existing == 0 {
        for (name, minutes, buffer, price, colour) in DEMO_SERVICES {
            services::save(
                conn,
                ctx,
                None,
                None,
                &ServiceFields {
                    name: name.to_string(),
                    duration_minutes: *minutes,
                    buffer_minutes: *buffer,
                    price_minor: Some(*price),
                    colour: colour.to_string(),
                    provider_ids: providers.clone(),
                    active: true,
                },
            )?;
        }
        for room in ["Room 1", "Room 2"] {
            services::save_room(conn, ctx, None, None, room, true)?;
        }
    }
    let offered = services::list(conn, false)?;
    let rooms = services::rooms(conn, false)?;
    let mut insert = conn.prepare(
        "INSERT INTO appointments (id, client_id, service_id, provider_id, room_id, starts_at,
                                   ends_at, busy_until, status, holds, arrived_at, seated_at,
                                   done_at, cancelled_at, created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16)",
    )?;
    let mut history = conn.prepare(
        "INSERT INTO appointment_history (appointment_id, at, actor_id, action, to_status)
         VALUES (?1, ?2, ?3, 'booked', 'booked')",
    )?;
    let receptionist = ctx.staff_id().map(str::to_owned);
    let weekly: Vec<_> = providers
        .iter()
        .map(|p| schedules::weekly(conn, p).map(|s| (p, s)))
        .collect::<Result<_>>()?;
    let today = ctx.today();
    let mut made = 0u32;
    for offset in -(past_days as i64)..10 {
        let date = today + Duration::days(offset);
        for (p, shifts) in &weekly {
            for (from, to) in schedules::spans_on(conn, shifts, p, date)? {
                let mut minute = from as i64;
                while minute < to as i64 {
                    let svc = &offered[rng.gen_range(0..offered.len())];
                    let len = svc.fields.duration_minutes;
                    if minute + len > to as i64 {
                        break;
                    }
                    if !rng.gen_bool(0.7) {
                        minute += 30;
                        continue;
                    }
                    let local = date.and_hms_opt(0, 0, 0).unwrap() + Duration::minutes(minute);
                    let Ok(starts) = schedules::to_utc(ctx.tz, local, "start") else {
                        minute += 30;
                        continue;
                    };
                    let ends = starts + Duration::minutes(len);
                    let busy = ends + Duration::minutes(svc.fields.buffer_minutes);
                    minute += len + svc.fields.buffer_minutes;
                    let roll = rng.gen_range(0..100);
                    let status = if ends < ctx.now {
                        match roll {
                            0..=69 => S::Done,
                            70..=77 => S::NoShow,
                            78..=87 => S::CancelledClient,
                            88..=91 => S::LateCancel,
                            92..=94 => S::CancelledClinic,
                            _ => S::Done,
                        }
                    } else if starts < ctx.now {
                        S::InRoom
                    } else if roll < 30 {
                        S::Confirmed
                    } else if roll < 36 {
                        S::CancelledClient
                    } else {
                        S::Booked
                    };
                    let minutes = |m: i64| Some(clock::stamp(starts + Duration::minutes(m)));
                    let went = matches!(status, S::Done | S::InRoom);
                    let arrived = went.then(|| minutes(-rng.gen_range(0..15))).flatten();
                    let seated = went.then(|| minutes(rng.gen_range(0..20))).flatten();
                    let done = (status == S::Done)
                        .then(|| minutes(len + rng.gen_range(-5..10)))
                        .flatten();
                    let cancelled = (!status.holds() && status != S::NoShow)
                        .then(|| clock::stamp(starts - Duration::hours(rng.gen_range(1..72))));
                    let booked_at = clock::stamp(starts - Duration::days(rng.gen_range(1..30)));
                    let id = ulid::Ulid::new().to_string();
                    let room = rooms
                        .get(rng.gen_range(0..rooms.len() + 1))
                        .map(|r| r.id.clone());
                    insert.execute(rusqlite::params![
                        id,
                        clients[rng.gen_range(0..clients.len())],
                        svc.id,
                        p,
                        room,
                        clock::stamp(starts),
                        clock::stamp(ends),
                        clock::stamp(busy),
                        status.as_str(),
                        status.holds(),
                        arrived,
                        seated,
                        done,
                        cancelled,
                        receptionist,
                        booked_at
                    ])?;
                    history.execute(rusqlite::params![id, booked_at, receptionist])?;
                    made += 1;
                }
            }
        }
    }
    Ok(made)
}

//! Appointment reminders: a set time before each visit, by SMS (the clinic's gateway) or email
//! (its SMTP server), in the client's language, only on a channel the client consented to.
//! The host calls `Clinic::reminders_tick` every minute; it queues the messages in the outbox
//! in the same transaction as the mark on the appointment, so a reminder is queued once, and
//! the outbox sends it with retries.
//!
//! The text is the clinic's own for the client's language, else the built-in one (English,
//! Khmer, Vietnamese, Arabic: `templates`), with the date and time written in the text's
//! language (`dates`).

use chrono::Duration;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor, Outcome};
use crate::auth::Secret;
use crate::chat::SmsGateway;
use crate::clinic::Clinic;
use crate::consents::{self, Purpose};
use crate::door::Ctx;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::outbox::{self, Mail, Sms};
use crate::{clock, validate};

pub(crate) mod dates;
mod templates;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// TLS from the first byte (port 465).
    Tls,
    /// Plain, then STARTTLS (port 587).
    StartTls,
    /// No encryption: only for a relay on the same machine or LAN.
    None,
}

/// The clinic's mail server. The password is kept apart and never shown again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SmtpServer {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// The sender, "Sunrise Clinic <desk@sunrise.example>".
    pub from: String,
    #[serde(default)]
    pub username: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Sms,
    Email,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReminderTemplate {
    /// A BCP 47 language tag: "en", "km", "vi", "ar".
    pub language: String,
    pub channel: Channel,
    /// Email only.
    #[serde(default)]
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReminderSettings {
    pub enabled: bool,
    pub hours_before: i64,
    pub sms: bool,
    pub email: bool,
    pub smtp: Option<SmtpServer>,
    pub smtp_password_set: bool,
    /// A client's cancellation this close to the visit is a late cancel.
    pub late_cancel_hours: i64,
    /// A visit not arrived this long after its start is proposed as a no-show.
    pub no_show_after_minutes: i64,
    pub templates: Vec<ReminderTemplate>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReminderSettingsInput {
    pub enabled: bool,
    pub hours_before: i64,
    pub sms: bool,
    pub email: bool,
    #[serde(default)]
    pub smtp: Option<SmtpServer>,
    /// Absent: keep the stored one. Empty: remove it.
    #[serde(default)]
    pub smtp_password: Option<Secret>,
    pub late_cancel_hours: i64,
    pub no_show_after_minutes: i64,
    #[serde(default)]
    pub templates: Vec<ReminderTemplate>,
}

/// The stored form of the SMTP column.
#[derive(Serialize, Deserialize)]
struct StoredSmtp {
    server: SmtpServer,
    password: Option<String>,
}

/// What the host needs to send mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpAccount {
    pub server: SmtpServer,
    pub password: Option<String>,
}

fn channel_str(c: &Channel) -> &'static str {
    match c {
        Channel::Sms => "sms",
        Channel::Email => "email",
    }
}

fn stored_smtp(conn: &Connection) -> Result<Option<StoredSmtp>> {
    let raw: Option<String> =
        conn.query_row("SELECT smtp FROM reminder_settings", [], |r| r.get(0))?;
    Ok(raw.and_then(|s| serde_json::from_str(&s).ok()))
}

pub(crate) fn settings(conn: &Connection) -> Result<ReminderSettings> {
    let smtp = stored_smtp(conn)?;
    let mut st = conn.prepare_cached(
        "SELECT language, channel, subject, body FROM reminder_templates ORDER BY language, channel",
    )?;
    let templates = st
        .query_map([], |r| {
            Ok(ReminderTemplate {
                language: r.get(0)?,
                channel: if r.get::<_, String>(1)? == "sms" {
                    Channel::Sms
                } else {
                    Channel::Email
                },
                subject: r.get(2)?,
                body: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(conn.query_row(
        "SELECT enabled, hours_before, sms, email, late_cancel_hours, no_show_after_minutes
           FROM reminder_settings",
        [],
        |r| {
            Ok(ReminderSettings {
                enabled: r.get(0)?,
                hours_before: r.get(1)?,
                sms: r.get(2)?,
                email: r.get(3)?,
                smtp_password_set: smtp.as_ref().is_some_and(|s| s.password.is_some()),
                smtp: smtp.as_ref().map(|s| s.server.clone()),
                late_cancel_hours: r.get(4)?,
                no_show_after_minutes: r.get(5)?,
                templates,
            })
        },
    )?)
}

const PLACEHOLDERS: [&str; 5] = ["{clinic}", "{service}", "{provider}", "{date}", "{time}"];

fn check_template(i: usize, t: &ReminderTemplate) -> Result<ReminderTemplate> {
    let field = format!("templates.{i}.body");
    let language = validate::language(Some(&t.language))?.ok_or_else(|| {
        Error::invalid(
            &format!("templates.{i}.language"),
            "validation.required",
            "is required",
        )
    })?;
    let body = validate::text(&field, &t.body, 4000, true)?;
    if body.is_empty() {
        return Err(Error::invalid(&field, "validation.required", "is required"));
    }
    // A brace that is not one of ours would go out to the client as is.
    let mut rest = body.clone();
    for p in PLACEHOLDERS {
        rest = rest.replace(p, "");
    }
    if rest.contains('{') || rest.contains('}') {
        return Err(Error::invalid(
            &field,
            "reminder.placeholder",
            "only {clinic}, {service}, {provider}, {date} and {time} can be filled in",
        ));
    }
    Ok(ReminderTemplate {
        language,
        channel: t.channel.clone(),
        subject: validate::text(&format!("templates.{i}.subject"), &t.subject, 200, false)?,
        body,
    })
}

pub(crate) fn update(
    conn: &Connection,
    ctx: &Ctx,
    s: &ReminderSettingsInput,
) -> Result<ReminderSettings> {
    let hours = validate::in_range("hours_before", s.hours_before, 1, 336)?;
    let late = validate::in_range("late_cancel_hours", s.late_cancel_hours, 0, 336)?;
    let grace = validate::in_range("no_show_after_minutes", s.no_show_after_minutes, 1, 1440)?;
    let templates: Vec<ReminderTemplate> = s
        .templates
        .iter()
        .enumerate()
        .map(|(i, t)| check_template(i, t))
        .collect::<Result<_>>()?;
    let smtp = match &s.smtp {
        None => None,
        Some(server) => {
            let host = validate::required("smtp.host", &server.host, 253)?;
            if host.contains(['/', ' ', ':']) {
                return Err(Error::invalid(
                    "smtp.host",
                    "validation.host",
                    "is not a host name",
                ));
            }
            if server.port == 0 {
                return Err(Error::invalid(
                    "smtp.port",
                    "validation.out_of_range",
                    "is not a port",
                ));
            }
            let from = validate::required("smtp.from", &server.from, 320)?;
            // "Name <address>" or a bare address.
            let address = match (from.rfind('<'), from.ends_with('>')) {
                (Some(i), true) => &from[i + 1..from.len() - 1],
                _ => from.as_str(),
            };
            if validate::email("smtp.from", Some(address)).is_err() {
                return Err(Error::invalid(
                    "smtp.from",
                    "validation.email",
                    "is not a sender like Sunrise Clinic <desk@sunrise.example>",
                ));
            }
            let old = stored_smtp(conn)?.and_then(|o| o.password);
            let password = match &s.smtp_password {
                None => old,
                Some(p) if p.expose().is_empty() => None,
                Some(p) => Some(p.expose().to_owned()),
            };
            Some(StoredSmtp {
                server: SmtpServer {
                    host,
                    port: server.port,
                    security: server.security,
                    from,
                    username: validate::optional("smtp.username", server.username.as_deref(), 320)?,
                },
                password,
            })
        }
    };
    conn.execute(
        "UPDATE reminder_settings SET enabled = ?1, hours_before = ?2, sms = ?3, email = ?4,
                smtp = ?5, late_cancel_hours = ?6, no_show_after_minutes = ?7, updated_at = ?8",
        params![
            s.enabled,
            hours,
            s.sms,
            s.email,
            smtp.map(|x| serde_json::to_string(&x).expect("smtp serializes")),
            late,
            grace,
            ctx.stamp()
        ],
    )?;
    conn.execute("DELETE FROM reminder_templates", [])?;
    for t in templates {
        conn.execute(
            "INSERT OR REPLACE INTO reminder_templates (language, channel, subject, body, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![t.language, channel_str(&t.channel), t.subject, t.body, ctx.stamp()],
        )?;
    }
    settings(conn)
}

fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = text.to_owned();
    for (k, v) in values {
        out = out.replace(k, v);
    }
    out
}

struct Due {
    id: String,
    client: String,
    starts_at: String,
    service: String,
    provider: String,
    language: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

/// Queues the reminders that fall due; returns each handled appointment with its outcome.
fn queue_due(
    conn: &Connection,
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
    region: &str,
) -> Result<Vec<(String, String)>> {
    let s = settings(conn)?;
    if !s.enabled {
        return Ok(vec![]);
    }
    let horizon = clock::stamp(now + Duration::hours(s.hours_before));
    let mut st = conn.prepare_cached(
        "SELECT a.id, a.client_id, a.starts_at, sv.name, p.display_name, c.preferred_language,
                (SELECT e164 FROM client_phones ph WHERE ph.client_id = c.id ORDER BY position LIMIT 1),
                c.email
           FROM appointments a
           JOIN clients c ON c.id = a.client_id
           JOIN services sv ON sv.id = a.service_id
           JOIN staff p ON p.id = a.provider_id
          WHERE a.holds = 1 AND a.reminder_at IS NULL AND a.status IN ('booked', 'confirmed')
            AND c.restricted_at IS NULL AND c.erased_at IS NULL
            AND a.starts_at > ?1 AND a.starts_at <= ?2
          ORDER BY a.starts_at LIMIT 200",
    )?;
    let due: Vec<Due> = st
        .query_map(params![clock::stamp(now), horizon], |r| {
            Ok(Due {
                id: r.get(0)?,
                client: r.get(1)?,
                starts_at: r.get(2)?,
                service: r.get(3)?,
                provider: r.get(4)?,
                language: r.get(5)?,
                phone: r.get(6)?,
                email: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    if due.is_empty() {
        return Ok(vec![]);
    }
    let clinic: String = conn.query_row("SELECT name FROM clinic", [], |r| r.get(0))?;
    let gateway: Option<SmsGateway> = conn
        .query_row("SELECT sms_gateway FROM chat_link", [], |r| {
            r.get::<_, Option<String>>(0)
        })
        .optional()?
        .flatten()
        .and_then(|g| serde_json::from_str(&g).ok());
    let smtp_ready = s.smtp.is_some();
    let mut done = vec![];
    for d in due {
        let starts = clock::parse(&d.starts_at).unwrap_or(now).with_timezone(&tz);
        // The date and time follow the language the chosen text is written in, which may be
        // English for a client whose language has no text.
        let render = |chosen: templates::Chosen| {
            let when = dates::when(starts, now.with_timezone(&tz), &chosen.language, region);
            let values = [
                ("{clinic}", clinic.as_str()),
                ("{service}", d.service.as_str()),
                ("{provider}", d.provider.as_str()),
                ("{date}", when.date.as_str()),
                ("{time}", when.time.as_str()),
            ];
            (fill(&chosen.subject, &values), fill(&chosen.body, &values))
        };
        let language = d.language.clone().unwrap_or_else(|| "en".into());
        let mut sent = vec![];
        let mut consented = false;
        if s.sms && consents::given(conn, &d.client, Purpose::ReminderSms)? {
            consented = true;
            if let (Some(phone), Some(g)) = (&d.phone, &gateway) {
                let (_, text) = render(templates::template(conn, &language, &Channel::Sms)?);
                outbox::push_sms(
                    conn,
                    now,
                    &format!("{}-reminder-sms", d.id),
                    &Sms {
                        to: phone.clone(),
                        text,
                        gateway: g.clone(),
                    },
                )?;
                sent.push("sms");
            }
        }
        if s.email && consents::given(conn, &d.client, Purpose::ReminderEmail)? {
            consented = true;
            if let (Some(email), true) = (&d.email, smtp_ready) {
                let (subject, body) =
                    render(templates::template(conn, &language, &Channel::Email)?);
                outbox::push_mail(
                    conn,
                    now,
                    &format!("{}-reminder-email", d.id),
                    &Mail {
                        to: email.clone(),
                        subject,
                        body,
                    },
                )?;
                sent.push("email");
            }
        }
        let outcome = if !sent.is_empty() {
            sent.join(",")
        } else if consented {
            "no_contact".into()
        } else {
            "no_consent".into()
        };
        conn.execute(
            "UPDATE appointments SET reminder_at = ?2, reminder_outcome = ?3 WHERE id = ?1",
            params![d.id, clock::stamp(now), outcome],
        )?;
        conn.execute(
            "INSERT INTO appointment_history (appointment_id, at, action, note)
             VALUES (?1, ?2, 'reminder', ?3)",
            params![d.id, clock::stamp(now), outcome],
        )?;
        done.push((d.id, outcome));
    }
    Ok(done)
}

impl Clinic {
    /// Queues due reminders; each handled appointment gets an audit record (by the system) of
    /// the outcome, never the text. Returns how many were handled.
    pub fn reminders_tick(&self) -> Result<usize> {
        let now = self.now();
        let done = {
            let mut conn = self.db();
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let info = Clinic::info(&tx)?;
            let tz = validate::time_zone(&info.time_zone)?;
            let done = queue_due(&tx, now, tz, &info.phone_region)?;
            for (id, outcome) in &done {
                audit::append(
                    &tx,
                    now,
                    &audit::Entry {
                        actor: &Actor::System,
                        workstation: "scheduler",
                        action: "appointment.reminder",
                        target_kind: Some("appointment"),
                        target_id: Some(id.clone()),
                        outcome: Outcome::Ok,
                        detail: Some(format!("outcome={outcome}")),
                    },
                )?;
            }
            tx.commit()?;
            done
        };
        for (id, _) in &done {
            self.listeners
                .send(Event::AppointmentChanged { id: id.clone() });
        }
        Ok(done.len())
    }

    /// The mail server and its password, for the host's sender.
    pub fn smtp_account(&self) -> Result<Option<SmtpAccount>> {
        Ok(stored_smtp(&self.db())?.map(|s| SmtpAccount {
            server: s.server,
            password: s.password,
        }))
    }
}

//! After hours: when the clinic is closed, a visitor's message gets an honest answer at once
//! (when the clinic will answer), at most once a day per conversation, and a visitor who left
//! a phone number gets a call-back task that routing gives to the first person on shift.
//!
//! "Closed" is read from the same opening hours the widget shows (`chat::openings`): staff's
//! weekly hours with the schedules' exceptions, so a holiday or a closed day entered in the
//! calendar closes the chat too, and the reply names the first opening after it.
//!
//! The built-in Khmer, Vietnamese and Arabic texts were written by the development team and
//! wait for a native speaker's review (docs/translations/*-review.md). The clinic's own
//! offline message, when it has one, follows them.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Result;
use crate::events::Event;
use crate::reminders::dates;
use crate::{chat, routing, search, validate};

/// Days looked ahead for the next opening: a clinic closed longer says "as soon as we can".
const LOOK_AHEAD_DAYS: i64 = 14;

struct Texts {
    language: &'static str,
    /// `{date}` and `{time}` as `reminders::dates` writes them in the language.
    closed_until: &'static str,
    closed: &'static str,
    call_back: &'static str,
}

const TEXTS: [Texts; 4] = [
    Texts {
        language: "en",
        closed_until:
            "Thank you for your message. We are closed now and will answer from {date} at {time}.",
        closed: "Thank you for your message. We are closed now and will answer as soon as we can.",
        call_back: "We will call you back on the number you gave us.",
    },
    Texts {
        language: "km",
        closed_until: "សូមអរគុណសម្រាប់សាររបស់លោកអ្នក។ ពេលនេះយើងខ្ញុំបិទ ហើយនឹងឆ្លើយតបចាប់ពី{date} ម៉ោង {time}។",
        closed: "សូមអរគុណសម្រាប់សាររបស់លោកអ្នក។ ពេលនេះយើងខ្ញុំបិទ ហើយនឹងឆ្លើយតបឱ្យបានឆាប់តាមដែលអាចធ្វើបាន។",
        call_back: "យើងខ្ញុំនឹងទូរស័ព្ទទៅលោកអ្នកវិញ តាមលេខដែលលោកអ្នកបានផ្ដល់ឱ្យ។",
    },
    Texts {
        language: "vi",
        closed_until:
            "Cảm ơn bạn đã nhắn tin. Hiện chúng tôi đã đóng cửa và sẽ trả lời từ {time} {date}.",
        closed: "Cảm ơn bạn đã nhắn tin. Hiện chúng tôi đã đóng cửa và sẽ trả lời sớm nhất có thể.",
        call_back: "Chúng tôi sẽ gọi lại cho bạn theo số điện thoại bạn đã để lại.",
    },
    Texts {
        language: "ar",
        closed_until: "شكرًا لرسالتك. نحن مغلقون الآن وسنرد ابتداءً من {date} الساعة {time}.",
        closed: "شكرًا لرسالتك. نحن مغلقون الآن وسنرد في أقرب وقت ممكن.",
        call_back: "سنتصل بك على الرقم الذي تركته.",
    },
];

/// The texts in the visitor's language (its base language), else English.
fn texts(lang: Option<&str>) -> &'static Texts {
    let base = lang
        .and_then(|l| l.split(['-', '_']).next())
        .unwrap_or("en")
        .to_ascii_lowercase();
    TEXTS
        .iter()
        .find(|t| t.language == base)
        .unwrap_or(&TEXTS[0])
}

/// `None` while the clinic is open; when it is closed, the next opening if one is in sight.
pub(crate) fn closed(
    conn: &Connection,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<Option<Option<DateTime<Utc>>>> {
    let staff = crate::staff::list(conn, false)?;
    if staff
        .iter()
        .all(|s| !s.active || s.fields.working_hours.is_empty())
    {
        // No one has working hours: the clinic has not said when it is open, so it is never
        // "closed" to a visitor.
        return Ok(None);
    }
    let ms = now.timestamp_millis();
    let today = now.with_timezone(&tz).date_naive();
    // Day by day, so that the usual case (open now, or opening tomorrow) reads one or two days.
    for day in 0..LOOK_AHEAD_DAYS {
        let spans = chat::day_openings(conn, &staff, tz, today + Duration::days(day))?;
        if spans.iter().any(|s| s[0] <= ms && ms < s[1]) {
            return Ok(None);
        }
        if let Some(next) = spans.iter().map(|s| s[0]).filter(|&a| a > ms).min() {
            return Ok(Some(DateTime::from_timestamp_millis(next)));
        }
    }
    Ok(Some(None))
}

/// The reply's text in the visitor's language.
pub(crate) fn reply_text(
    lang: Option<&str>,
    next: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    region: &str,
    call_back: bool,
    offline_message: Option<&str>,
) -> String {
    let t = texts(lang);
    let mut out = match next {
        Some(at) => {
            let w = dates::when(
                at.with_timezone(&tz),
                now.with_timezone(&tz),
                t.language,
                region,
            );
            t.closed_until
                .replace("{date}", &w.date)
                .replace("{time}", &w.time)
        }
        None => t.closed.to_owned(),
    };
    if call_back {
        out.push(' ');
        out.push_str(t.call_back);
    }
    if let Some(m) = offline_message.map(str::trim).filter(|m| !m.is_empty()) {
        out.push_str("\n\n");
        out.push_str(m);
    }
    out
}

/// A phone number to call back: the one the visitor gave in the questionnaire, else the linked
/// client's, else one written in the message ("please call 012 345 678"), in E.164.
pub(crate) fn phone_to_call(
    conn: &Connection,
    region: phonenumber::country::Id,
    conversation_id: &str,
    message: &str,
) -> Result<Option<String>> {
    let (given, client): (Option<String>, Option<String>) = conn.query_row(
        "SELECT visitor_phone, client_id FROM conversations WHERE id = ?1",
        [conversation_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if let Some(p) = given.and_then(|g| validate::phone("phone", &g, region).ok()) {
        return Ok(Some(p.e164));
    }
    if let Some(client) = client {
        let e164: Option<String> = conn
            .query_row(
                "SELECT e164 FROM client_phones WHERE client_id = ?1 ORDER BY position LIMIT 1",
                [client],
                |r| r.get(0),
            )
            .optional()?;
        if e164.is_some() {
            return Ok(e164);
        }
    }
    Ok(phone_in_text(message, region))
}

/// The first run of digits (in any script) with the separators people type between them that
/// makes a valid number for the clinic's country.
fn phone_in_text(text: &str, region: phonenumber::country::Id) -> Option<String> {
    let folded = search::fold_digits(text);
    let mut run = String::new();
    let mut runs = vec![];
    for c in folded.chars().chain(std::iter::once('\n')) {
        if c.is_ascii_digit() || (c == '+' && run.trim().is_empty()) || " -.()".contains(c) {
            run.push(c);
        } else {
            runs.push(std::mem::take(&mut run));
        }
    }
    runs.into_iter()
        .map(|r| r.trim().trim_end_matches(['-', '.', '(']).to_owned())
        .filter(|r| r.chars().filter(char::is_ascii_digit).count() >= 8)
        .find_map(|r| validate::phone("phone", &r, region).ok())
        .map(|p| p.e164)
}

/// What the after-hours rule did with one visitor message.
pub(crate) struct Outcome {
    /// The automatic reply, when one was due today.
    pub reply: Option<String>,
    /// Whether a call-back task now stands for the conversation (instead of a chat task).
    pub call_back: bool,
    pub events: Vec<Event>,
}

/// Runs inside the ingest transaction, after the visitor's message is stored. `None` while the
/// clinic is open: the message goes to routing as usual.
pub(crate) fn on_message(
    tx: &Connection,
    moment: &routing::Moment,
    region: phonenumber::country::Id,
    region_code: &str,
    conversation_id: &str,
    text: &str,
) -> Result<Option<Outcome>> {
    let on: bool = tx.query_row("SELECT after_hours_reply FROM chat_link", [], |r| r.get(0))?;
    if !on {
        return Ok(None);
    }
    let Some(next) = closed(tx, moment.tz, moment.now)? else {
        return Ok(None);
    };
    let today = moment
        .now
        .with_timezone(&moment.tz)
        .date_naive()
        .to_string();
    let (lang, replied_on): (Option<String>, Option<String>) = tx.query_row(
        "SELECT lang, after_hours_on FROM conversations WHERE id = ?1",
        [conversation_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let phone = phone_to_call(tx, region, conversation_id, text)?;
    let mut events = vec![];
    if let Some(phone) = &phone {
        events.extend(call_back_task(tx, moment, conversation_id, phone)?);
    }
    let mut reply = None;
    if replied_on.as_deref() != Some(today.as_str()) {
        let offline: Option<String> =
            tx.query_row("SELECT offline_message FROM chat_link", [], |r| r.get(0))?;
        reply = Some(reply_text(
            lang.as_deref(),
            next,
            moment.now,
            moment.tz,
            region_code,
            phone.is_some(),
            offline.as_deref(),
        ));
        tx.execute(
            "UPDATE conversations SET after_hours_on = ?2 WHERE id = ?1",
            params![conversation_id, today],
        )?;
    }
    Ok(Some(Outcome {
        reply,
        call_back: phone.is_some(),
        events,
    }))
}

/// One open call-back task per conversation, made queued and routed like a chat task: nobody
/// is on shift now, so it waits, and the routing clock hands it to the first person whose
/// shift starts (with their popup).
fn call_back_task(
    tx: &Connection,
    m: &routing::Moment,
    conversation_id: &str,
    phone: &str,
) -> Result<Vec<Event>> {
    let open = tx
        .prepare_cached(
            "SELECT 1 FROM tasks WHERE conversation_id = ?1 AND kind = 'call_back'
                AND status IN ('open', 'in_progress') AND created_by IS NULL",
        )?
        .exists([conversation_id])?;
    if open {
        return Ok(vec![]);
    }
    let client: Option<String> = tx.query_row(
        "SELECT client_id FROM conversations WHERE id = ?1",
        [conversation_id],
        |r| r.get(0),
    )?;
    routing::open_task(
        tx,
        m,
        "call_back",
        phone,
        client.as_deref(),
        conversation_id,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_number_in_the_text_is_found_in_any_digits() {
        let kh = phonenumber::country::Id::KH;
        assert_eq!(
            phone_in_text("please call me on 012 345 678 after 5", kh).as_deref(),
            Some("+85512345678")
        );
        assert_eq!(
            phone_in_text("សូមទូរស័ព្ទមក ០១២ ៣៤៥ ៦៧៨", kh).as_deref(),
            Some("+85512345678")
        );
        assert_eq!(phone_in_text("I was born in 1990, room 12", kh), None);
    }

    #[test]
    fn the_reply_names_the_next_opening_in_the_visitors_language() {
        let tz = chrono_tz::Asia::Phnom_Penh;
        let now = tz.with_ymd_and_hms(2026, 12, 7, 22, 0, 0).unwrap();
        let next = tz.with_ymd_and_hms(2026, 12, 9, 8, 0, 0).unwrap();
        let r = |lang| {
            reply_text(
                Some(lang),
                Some(next.with_timezone(&Utc)),
                now.with_timezone(&Utc),
                tz,
                "KH",
                true,
                Some("For emergencies call 119."),
            )
        };
        assert_eq!(
            r("en"),
            "Thank you for your message. We are closed now and will answer from Wednesday, \
             December 9 at 8:00 AM. We will call you back on the number you gave us.\n\n\
             For emergencies call 119."
        );
        assert!(
            r("vi").contains("từ 08:00 Thứ Tư, 9 tháng 12"),
            "{}",
            r("vi")
        );
        assert!(r("km-KH").contains("ម៉ោង 08:00"), "{}", r("km-KH"));
        assert!(r("ar").starts_with("شكرًا"), "{}", r("ar"));
        assert!(r("fr").starts_with("Thank you"));
    }
}

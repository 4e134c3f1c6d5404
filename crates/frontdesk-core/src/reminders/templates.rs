//! The reminder texts: the clinic's own per language and channel, else the built-in ones.
//!
//! Built-in texts exist for English, Khmer, Vietnamese and Arabic. The Khmer, Vietnamese and
//! Arabic ones were written by the development team and wait for a native speaker's review
//! (docs/translations/{km,vi,ar}-review.md). They are worded around what `dates` puts in
//! {date} ("Thursday, December 3", "ថ្ងៃព្រហស្បតិ៍ ទី3 ខែធ្នូ", "Thứ Năm, 3 tháng 12",
//! "الخميس، ٣ كانون الأول"): the date carries its own weekday word, so no "on the day" before it.

use rusqlite::{params, Connection, OptionalExtension};

use super::{channel_str, Channel};
use crate::error::Result;

/// One language's built-in texts.
pub(super) struct Builtin {
    pub language: &'static str,
    pub sms: &'static str,
    pub subject: &'static str,
    pub email: &'static str,
}

pub(super) const BUILTIN: [Builtin; 4] = [
    Builtin {
        language: "en",
        sms: "{clinic}: a reminder of your appointment ({service}) on {date} at {time}.",
        subject: "Your appointment on {date} at {time}",
        email: "Hello,\n\nthis is a reminder of your appointment at {clinic}: {service} with {provider} on {date} at {time}.\n\nIf you cannot come, please let us know.\n\n{clinic}",
    },
    // Polite "លោកអ្នក" (you, to any adult); "នៅ{date}" reads "on Thursday the 3rd of December".
    Builtin {
        language: "km",
        sms: "{clinic}៖ សូមរំលឹកពីការណាត់ជួបរបស់លោកអ្នក ({service}) នៅ{date} ម៉ោង {time}។ សូមអរគុណ។",
        subject: "ការណាត់ជួបរបស់លោកអ្នក នៅ{date} ម៉ោង {time}",
        email: "សូមជម្រាបសួរ,\n\nយើងខ្ញុំសូមរំលឹកពីការណាត់ជួបរបស់លោកអ្នកនៅ {clinic} ({service}) ជាមួយ {provider} នៅ{date} ម៉ោង {time}។\n\nប្រសិនបើលោកអ្នកមិនអាចមកបានទេ សូមជូនដំណឹងមកយើងខ្ញុំផង។\n\nសូមអរគុណ,\n{clinic}",
    },
    // "Quý khách" is the courteous form a clinic uses for any client; the time comes before
    // the day, as Vietnamese says it ("lúc 14:30 Thứ Năm, 3 tháng 12").
    Builtin {
        language: "vi",
        sms: "{clinic} xin nhắc Quý khách lịch hẹn ({service}) lúc {time} {date}. Xin cảm ơn!",
        subject: "Lịch hẹn của Quý khách lúc {time} {date}",
        email: "Kính gửi Quý khách,\n\n{clinic} xin nhắc Quý khách lịch hẹn {service} với {provider} lúc {time} {date}.\n\nNếu Quý khách không thể đến, xin vui lòng báo cho chúng tôi.\n\nTrân trọng,\n{clinic}",
    },
    // Modern Standard Arabic, the polite plural ("موعدكم") that also leaves the client's gender
    // unsaid. Each text opens with an Arabic word, never with {clinic}: a phone lays a message
    // out right to left only when its first letter is right-to-left, and the clinic's name may
    // be in Latin letters. Arabic words stand between every name and the date and time.
    Builtin {
        language: "ar",
        sms: "تذكير من {clinic}: موعدكم ({service}) يوم {date} الساعة {time}. مع الشكر.",
        subject: "تذكير بموعدكم يوم {date} الساعة {time}",
        email: "تحية طيبة،\n\nنذكّركم بموعدكم ({service}) مع {provider} في {clinic} يوم {date} الساعة {time}.\n\nإذا تعذّر عليكم الحضور، يُرجى إبلاغنا.\n\nمع التحية،\n{clinic}",
    },
];

pub(super) fn builtin(language: &str) -> Option<&'static Builtin> {
    BUILTIN.iter().find(|b| b.language == language)
}

/// The text a reminder goes out with, and the language it is written in (a base language:
/// "vi" for a "vi-vn" client), which the date and time follow.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Chosen {
    pub language: String,
    pub subject: String,
    pub body: String,
}

fn stored(conn: &Connection, language: &str, channel: &Channel) -> Result<Option<Chosen>> {
    let found: Option<(String, String)> = conn
        .query_row(
            "SELECT subject, body FROM reminder_templates WHERE language = ?1 AND channel = ?2",
            params![language, channel_str(channel)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(found.map(|(subject, body)| Chosen {
        language: base(language).to_owned(),
        subject,
        body,
    }))
}

fn built_in(b: &Builtin, channel: &Channel) -> Chosen {
    let (subject, body) = match channel {
        Channel::Sms => ("", b.sms),
        Channel::Email => (b.subject, b.email),
    };
    Chosen {
        language: b.language.into(),
        subject: subject.into(),
        body: body.into(),
    }
}

/// "vi" for "vi-vn".
pub(super) fn base(language: &str) -> &str {
    language.split('-').next().unwrap_or(language)
}

/// The template for a client's language (lower case, as `validate::language` keeps it): the
/// clinic's own for the language, then for its base language ("vi" for "vi-vn"), then the
/// built-in one for that language, then the clinic's English, then the built-in English. A
/// clinic's own text for a language always wins over the built-in one.
pub(super) fn template(conn: &Connection, language: &str, channel: &Channel) -> Result<Chosen> {
    let base = base(language);
    if let Some(t) = stored(conn, language, channel)? {
        return Ok(t);
    }
    if base != language {
        if let Some(t) = stored(conn, base, channel)? {
            return Ok(t);
        }
    }
    if let Some(b) = builtin(base) {
        if b.language != "en" {
            return Ok(built_in(b, channel));
        }
    }
    if let Some(t) = stored(conn, "en", channel)? {
        return Ok(t);
    }
    Ok(built_in(&BUILTIN[0], channel))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reminders::{check_template, ReminderTemplate};

    #[test]
    fn every_built_in_text_is_one_the_settings_would_accept_and_names_the_date_and_time() {
        for b in &BUILTIN {
            for (channel, subject, body) in [
                (Channel::Sms, "", b.sms),
                (Channel::Email, b.subject, b.email),
            ] {
                let t = ReminderTemplate {
                    language: b.language.into(),
                    channel,
                    subject: subject.into(),
                    body: body.into(),
                };
                let checked = check_template(0, &t).unwrap();
                assert_eq!(checked, t, "{}", b.language);
                for p in ["{date}", "{time}"] {
                    assert!(body.contains(p), "{} {body}", b.language);
                }
                assert!(body.contains("{clinic}"), "{} {body}", b.language);
            }
            assert!(b.subject.contains("{date}"), "{}", b.language);
        }
        // Each in its own script: no English words left in the others.
        for b in &BUILTIN[1..] {
            assert!(!b.sms.contains("appointment") && !b.email.contains("Hello"));
        }
        assert_eq!(base("vi-vn"), "vi");
        assert_eq!(base("km"), "km");
    }
}

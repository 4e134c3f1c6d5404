//! Reminder texts in the client's language: the built-in Khmer, Vietnamese and Arabic texts,
//! the date and time in that language (weekday and month by name, Arabic-Indic digits in
//! Jordan), a clinic's own text winning over the built-in one, "vi-VN" falling back to "vi",
//! and a language without any text getting English. The visits are on Thursday 3 December
//! 2026 at 14:30; the clinic's clock stands at Tuesday 1 December, 09:00.

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use frontdesk_core::clock::Clock;
use frontdesk_core::*;

use crate::support::*;

fn thursday(h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 12, 3)
        .unwrap()
        .and_hms_opt(h, min, 0)
        .unwrap()
}

/// An SMS: to, text.
type Texted = (String, String);
/// An email: to, subject, body.
type Mailed = (String, String, String);

struct Desk {
    f: Fixture,
    manager: Principal,
    reception: Principal,
    provider: String,
    service: String,
}

/// A clinic in `region` and `zone`, on 1 December 2026 at 09:00 there, with an SMS gateway,
/// a mail server, and reminders 72 hours ahead.
fn desk(region: &str, zone: &str, templates: Vec<ReminderTemplate>) -> Desk {
    let f = new_clinic();
    let tz: chrono_tz::Tz = zone.parse().unwrap();
    let morning = tz
        .with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    f.clock.advance(morning - f.clock.now());
    ok(
        &f,
        &operator(),
        Request::ClinicUpdate(ClinicSettings {
            name: "Sunrise Clinic".into(),
            time_zone: zone.into(),
            phone_region: region.into(),
            idle_timeout_minutes: 240,
        }),
    );
    let (_, manager) = f.staff_session("mgr", Role::Manager);
    let (_, reception) = f.staff_session("rec", Role::Receptionist);
    let (dr, _) = f.staff_session("dr-lee", Role::Clinician);
    let service = checkup_service(&f, &manager, &dr.id);
    use_test_sms_gateway(&f);
    ok(
        &f,
        &manager,
        Request::ReminderSettingsUpdate(ReminderSettingsInput {
            enabled: true,
            hours_before: 72,
            sms: true,
            email: true,
            smtp: Some(SmtpServer {
                host: "127.0.0.1".into(),
                port: 2525,
                security: SmtpSecurity::None,
                from: "Sunrise Clinic <desk@sunrise.example>".into(),
                username: None,
            }),
            smtp_password: None,
            late_cancel_hours: 24,
            no_show_after_minutes: 15,
            templates,
        }),
    );
    Desk {
        f,
        manager,
        reception,
        provider: dr.id,
        service: service.id,
    }
}

impl Desk {
    /// A client with `language`, a phone and an email, who consented to both reminders and
    /// is booked on Thursday 3 December at 14:30 (the provider sees them all at once).
    fn booked(&self, name: &str, language: &str, phone: &str) -> String {
        let mut c = client(name);
        c.phones = vec![phone.into()];
        c.email = Some(format!(
            "{}@example.com",
            name.to_lowercase().replace(' ', ".")
        ));
        c.preferred_language = Some(language.into());
        let id = self.f.add_client(&self.reception, c).client.id;
        for purpose in [Purpose::ReminderSms, Purpose::ReminderEmail] {
            ok(
                &self.f,
                &self.reception,
                Request::ConsentSet {
                    text_shown: None,
                    client_id: id.clone(),
                    purpose,
                    given: true,
                    method: ConsentMethod::InPerson,
                },
            );
        }
        ok(
            &self.f,
            &self.reception,
            Request::AppointmentBook(Booking {
                id: None,
                client_id: id.clone(),
                service_id: self.service.clone(),
                provider_id: self.provider.clone(),
                room_id: None,
                start: thursday(14, 30),
                duration_minutes: None,
                end: None,
                note: String::new(),
                conversation_id: None,
                recurrence: None,
                override_reason: Some("family seen together".into()),
                allow_past: false,
            }),
        );
        id
    }

    /// Runs the reminder job; returns each queued SMS text and email (subject, body) by the
    /// client's phone and address.
    fn sent(&self, expected: usize) -> (Vec<Texted>, Vec<Mailed>) {
        assert_eq!(self.f.clinic.reminders_tick().unwrap(), expected);
        let conn = self.f.raw_connection();
        let mut st = conn
            .prepare("SELECT kind, payload FROM outbox ORDER BY seq")
            .unwrap();
        let rows: Vec<(String, String)> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let (mut sms, mut mail) = (vec![], vec![]);
        for (kind, payload) in rows {
            let v: serde_json::Value = serde_json::from_str(&payload).unwrap();
            let s = |k: &str| v[k].as_str().unwrap().to_owned();
            match kind.as_str() {
                "sms" => sms.push((s("to"), s("text"))),
                "email" => mail.push((s("to"), s("subject"), s("body"))),
                other => panic!("{other}"),
            }
        }
        (sms, mail)
    }
}

fn text_to<'a>(sms: &'a [Texted], phone: &str) -> &'a str {
    &sms.iter()
        .find(|(to, _)| to == phone)
        .unwrap_or_else(|| panic!("no SMS to {phone}: {sms:?}"))
        .1
}

fn mail_to<'a>(mail: &'a [Mailed], to: &str) -> (&'a str, &'a str) {
    let m = mail
        .iter()
        .find(|m| m.0 == to)
        .unwrap_or_else(|| panic!("no email to {to}: {mail:?}"));
    (&m.1, &m.2)
}

#[test]
fn reminders_speak_khmer_vietnamese_arabic_and_english_with_the_date_in_that_language() {
    let d = desk("KH", "Asia/Phnom_Penh", vec![]);
    d.booked("Sokha Chan", "km", "012 345 601");
    d.booked("Nguyen Van An", "vi", "012 345 602");
    d.booked("Layla Haddad", "ar", "012 345 603");
    d.booked("Jane Smith", "en", "012 345 604");
    d.booked("Tran Thi Mai", "vi-VN", "012 345 605");
    d.booked("Marie Dubois", "fr", "012 345 606");
    let (sms, mail) = d.sent(6);
    assert_eq!((sms.len(), mail.len()), (6, 6));
    assert_eq!(
        text_to(&sms, "+85512345601"),
        "Sunrise Clinic៖ សូមរំលឹកពីការណាត់ជួបរបស់លោកអ្នក (Check-up) នៅថ្ងៃព្រហស្បតិ៍ ទី3 ខែធ្នូ ម៉ោង 14:30។ សូមអរគុណ។"
    );
    assert_eq!(
        text_to(&sms, "+85512345602"),
        "Sunrise Clinic xin nhắc Quý khách lịch hẹn (Check-up) lúc 14:30 Thứ Năm, 3 tháng 12. Xin cảm ơn!"
    );
    // An Arabic client in Cambodia: the Gregorian month names, and Latin digits like every
    // other number the clinic writes there.
    assert_eq!(
        text_to(&sms, "+85512345603"),
        "تذكير من Sunrise Clinic: موعدكم (Check-up) يوم الخميس، 3 ديسمبر الساعة 2:30 م. مع الشكر."
    );
    assert_eq!(
        text_to(&sms, "+85512345604"),
        "Sunrise Clinic: a reminder of your appointment (Check-up) on Thursday, December 3 at 2:30 PM."
    );
    // "vi-VN" has no text of its own: the Vietnamese one.
    assert_eq!(text_to(&sms, "+85512345605"), text_to(&sms, "+85512345602"));
    // French has none at all: English, with the date in English too.
    assert_eq!(text_to(&sms, "+85512345606"), text_to(&sms, "+85512345604"));

    // The emails: subject and body in the same language, the provider named.
    let (subject, body) = mail_to(&mail, "sokha.chan@example.com");
    assert_eq!(subject, "ការណាត់ជួបរបស់លោកអ្នក នៅថ្ងៃព្រហស្បតិ៍ ទី3 ខែធ្នូ ម៉ោង 14:30");
    assert!(
        body.starts_with("សូមជម្រាបសួរ,") && body.contains("ជាមួយ dr-lee នៅថ្ងៃព្រហស្បតិ៍ ទី3 ខែធ្នូ ម៉ោង 14:30។"),
        "{body}"
    );
    let (subject, body) = mail_to(&mail, "nguyen.van.an@example.com");
    assert_eq!(
        subject,
        "Lịch hẹn của Quý khách lúc 14:30 Thứ Năm, 3 tháng 12"
    );
    assert!(
        body.contains("lịch hẹn Check-up với dr-lee lúc 14:30 Thứ Năm, 3 tháng 12."),
        "{body}"
    );
    assert_eq!(
        mail_to(&mail, "tran.thi.mai@example.com").0,
        "Lịch hẹn của Quý khách lúc 14:30 Thứ Năm, 3 tháng 12"
    );
    let (subject, body) = mail_to(&mail, "layla.haddad@example.com");
    assert_eq!(subject, "تذكير بموعدكم يوم الخميس، 3 ديسمبر الساعة 2:30 م");
    assert!(
        body.contains("في Sunrise Clinic يوم الخميس، 3 ديسمبر الساعة 2:30 م."),
        "{body}"
    );
    for to in ["jane.smith@example.com", "marie.dubois@example.com"] {
        assert_eq!(
            mail_to(&mail, to).0,
            "Your appointment on Thursday, December 3 at 2:30 PM"
        );
    }
    // No text went out in English words to the Khmer, Vietnamese or Arabic clients.
    for to in [
        "+85512345601",
        "+85512345602",
        "+85512345603",
        "+85512345605",
    ] {
        let t = text_to(&sms, to);
        assert!(!t.contains("appointment") && !t.contains("December"), "{t}");
    }
}

#[test]
fn reminders_in_jordan_write_arabic_with_arabic_indic_digits_and_levantine_months() {
    let d = desk("JO", "Asia/Amman", vec![]);
    d.booked("Layla Haddad", "ar", "079 123 4567");
    d.booked("Jane Smith", "en", "079 123 4568");
    let (sms, mail) = d.sent(2);
    assert_eq!(
        text_to(&sms, "+962791234567"),
        "تذكير من Sunrise Clinic: موعدكم (Check-up) يوم الخميس، ٣ كانون الأول الساعة ٢:٣٠ م. مع الشكر."
    );
    assert_eq!(
        mail_to(&mail, "layla.haddad@example.com").0,
        "تذكير بموعدكم يوم الخميس، ٣ كانون الأول الساعة ٢:٣٠ م"
    );
    // English in Jordan keeps its own digits and names.
    assert_eq!(
        text_to(&sms, "+962791234568"),
        "Sunrise Clinic: a reminder of your appointment (Check-up) on Thursday, December 3 at 2:30 PM."
    );
}

#[test]
fn reminders_use_the_clinics_own_vietnamese_text_over_the_built_in_one() {
    let own = |channel: Channel, subject: &str, body: &str| ReminderTemplate {
        language: "vi".into(),
        channel,
        subject: subject.into(),
        body: body.into(),
    };
    let d = desk(
        "KH",
        "Asia/Phnom_Penh",
        vec![
            own(
                Channel::Sms,
                "",
                "{clinic}: hẹn gặp Quý khách {date}, {time}.",
            ),
            own(
                Channel::Email,
                "Hẹn {date}",
                "{service} với {provider}, {date} {time}",
            ),
        ],
    );
    d.booked("Nguyen Van An", "vi", "012 345 602");
    d.booked("Tran Thi Mai", "vi-VN", "012 345 605");
    // Khmer has no text of the clinic's: the built-in Khmer one.
    d.booked("Sokha Chan", "km", "012 345 601");
    let (sms, mail) = d.sent(3);
    for phone in ["+85512345602", "+85512345605"] {
        assert_eq!(
            text_to(&sms, phone),
            "Sunrise Clinic: hẹn gặp Quý khách Thứ Năm, 3 tháng 12, 14:30."
        );
    }
    assert_eq!(
        mail_to(&mail, "tran.thi.mai@example.com"),
        (
            "Hẹn Thứ Năm, 3 tháng 12",
            "Check-up với dr-lee, Thứ Năm, 3 tháng 12 14:30"
        )
    );
    assert!(text_to(&sms, "+85512345601").contains("ខែធ្នូ"));
    // The settings list the clinic's own texts only, never the built-in ones.
    let Response::ReminderSettings(rs) = ok(&d.f, &d.manager, Request::ReminderSettingsGet) else {
        panic!()
    };
    assert_eq!(rs.templates.len(), 2);
    assert!(rs.templates.iter().all(|t| t.language == "vi"));
}

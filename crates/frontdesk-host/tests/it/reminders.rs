//! Appointment reminders leave the running host by the clinic's real channels: SMS through the
//! recorded HTTP gateway (which refuses the first attempt) and email to a local SMTP server,
//! each only for a client who consented to that channel, in the client's language.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{Timelike, Utc};
use frontdesk_core::*;
use mailin_embedded::response::OK;
use mailin_embedded::{Handler, Response as SmtpResponse, Server, SslConfig};

/// One accepted message: the envelope recipients and the raw text.
type Received = Arc<Mutex<Vec<(Vec<String>, String)>>>;

/// Every message the SMTP server accepted.
#[derive(Clone, Default)]
struct Sink {
    current: Arc<Mutex<(Vec<String>, Vec<u8>)>>,
    received: Received,
}

impl Handler for Sink {
    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> SmtpResponse {
        *self.current.lock().unwrap() = (to.to_vec(), vec![]);
        OK
    }
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.lock().unwrap().1.extend_from_slice(buf);
        Ok(())
    }
    fn data_end(&mut self) -> SmtpResponse {
        let (to, raw) = std::mem::take(&mut *self.current.lock().unwrap());
        self.received
            .lock()
            .unwrap()
            .push((to, String::from_utf8_lossy(&raw).into_owned()));
        OK
    }
}

fn smtp_sink() -> (u16, Received) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let sink = Sink::default();
    let received = sink.received.clone();
    let mut server = Server::new(sink);
    server
        .with_name("sink.test")
        .with_ssl(SslConfig::None)
        .unwrap()
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (port, received)
}

fn ok(clinic: &Clinic, req: Request) -> Response {
    let op = Principal::Operator {
        workstation: "test".into(),
    };
    clinic.handle(&op, req).unwrap()
}

#[test]
fn a_due_reminder_goes_out_by_sms_and_email_only_where_the_client_consented() {
    let dir = tempfile::tempdir().unwrap();
    let clinic = crate::support::clinic(dir.path());
    let (sms_port, sms_seen) = crate::sms::gateway();
    let (smtp_port, mail_seen) = smtp_sink();
    let Response::ChatSettings(s) = ok(&clinic, Request::ChatSettingsGet) else {
        panic!()
    };
    ok(
        &clinic,
        Request::ChatSettingsUpdate(ChatSettingsInput {
            relay_url: None,
            desk_token: None,
            questions: s.questions,
            policy_url: String::new(),
            policy_version: "1".into(),
            offline_message: None,
            after_hours_reply: true,
            max_file_mb: 10,
            logo: None,
            sms_gateway: Some(SmsGateway {
                url: format!("http://127.0.0.1:{sms_port}/send?to={{to}}"),
                method: "POST".into(),
                headers: vec![],
                body_template: "{text}".into(),
                body_format: "raw".into(),
            }),
            sms_recipients: vec![],
        }),
    );
    ok(
        &clinic,
        Request::ReminderSettingsUpdate(ReminderSettingsInput {
            enabled: true,
            hours_before: 24,
            sms: true,
            email: true,
            smtp: Some(SmtpServer {
                host: "127.0.0.1".into(),
                port: smtp_port,
                security: SmtpSecurity::None,
                from: "Sunrise Clinic <desk@sunrise.example>".into(),
                username: None,
            }),
            smtp_password: None,
            late_cancel_hours: 24,
            no_show_after_minutes: 15,
            templates: vec![ReminderTemplate {
                language: "vi".into(),
                channel: Channel::Sms,
                subject: String::new(),
                body: "{clinic}: nhắc lịch hẹn {service} lúc {time} ngày {date}".into(),
            }],
        }),
    );
    // A provider who works around the clock, so the test runs at any hour.
    let mut fields = StaffFields::new("Dr Lan", Role::Clinician);
    fields.working_hours = Shift::around_the_clock();
    let Response::StaffSaved { staff, .. } = ok(
        &clinic,
        Request::StaffCreate(NewStaff {
            login: "dr-lan".into(),
            password: Secret::new("clinician-password-1"),
            fields,
        }),
    ) else {
        panic!()
    };
    let Response::Service(service) = ok(
        &clinic,
        Request::ServiceSave {
            id: None,
            expected_version: None,
            fields: ServiceFields {
                name: "Khám tổng quát".into(),
                duration_minutes: 30,
                buffer_minutes: 0,
                price_minor: None,
                colour: "#2a9d8f".into(),
                provider_ids: vec![staff.id.clone()],
                active: true,
            },
        },
    ) else {
        panic!()
    };
    let mut client_ids = vec![];
    for (name, email, consent) in [
        ("Trần Thị Mai", "mai@example.com", true),
        ("Lê Văn Nam", "nam@example.com", false),
    ] {
        let Response::ClientSaved(c) = ok(
            &clinic,
            Request::ClientCreate {
                id: None,
                fields: ClientFields {
                    full_name: name.into(),
                    phones: vec!["012 345 678".into()],
                    email: Some(email.into()),
                    preferred_language: Some("vi".into()),
                    ..Default::default()
                },
            },
        ) else {
            panic!()
        };
        if consent {
            for purpose in [Purpose::ReminderSms, Purpose::ReminderEmail] {
                ok(
                    &clinic,
                    Request::ConsentSet {
                        text_shown: None,
                        client_id: c.client.id.clone(),
                        purpose,
                        given: true,
                        method: ConsentMethod::Phone,
                    },
                );
            }
        }
        client_ids.push(c.client.id);
    }
    // Both visits in three hours, on the hour (Phnom Penh is UTC+7 all year).
    let tz = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
    let start = (Utc::now() + chrono::Duration::hours(3)).with_timezone(&tz);
    let start = start
        .naive_local()
        .with_minute(0)
        .unwrap()
        .with_second(0)
        .unwrap()
        .with_nanosecond(0)
        .unwrap();
    for (i, c) in client_ids.iter().enumerate() {
        ok(
            &clinic,
            Request::AppointmentBook(Booking {
                id: None,
                client_id: c.clone(),
                service_id: service.id.clone(),
                provider_id: staff.id.clone(),
                room_id: None,
                start: start + chrono::Duration::minutes(30 * i as i64),
                duration_minutes: None,
                end: None,
                note: String::new(),
                conversation_id: None,
                recurrence: None,
                override_reason: None,
                allow_past: false,
            }),
        );
    }

    let _host = frontdesk_host::Host::start(clinic.clone(), None, None).unwrap();
    let end = Instant::now() + Duration::from_secs(30);
    while (sms_seen.lock().unwrap().len() < 2 || mail_seen.lock().unwrap().is_empty())
        && Instant::now() < end
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    // Give a wrongly sent second message the time to show up.
    std::thread::sleep(Duration::from_secs(2));
    let sms = sms_seen.lock().unwrap().clone();
    assert_eq!(
        sms.len(),
        2,
        "one refused attempt and its retry, for Mai only: {sms:?}"
    );
    assert!(
        sms[1].starts_with("POST /send?to=%2B85512345678 HTTP/1.1"),
        "{}",
        sms[1]
    );
    let text = sms[1].rsplit('\n').next().unwrap();
    // The clinic's own Vietnamese text, with the date written out in Vietnamese.
    let lead = format!(
        "Sunrise Clinic: nhắc lịch hẹn Khám tổng quát lúc {} ngày ",
        start.format("%H:%M")
    );
    assert!(text.starts_with(&lead), "{text}");
    assert_vietnamese_date(&text[lead.len()..], &start);
    let mail = mail_seen.lock().unwrap().clone();
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0].0, ["mai@example.com"]);
    assert!(
        mail[0]
            .1
            .contains("From: \"Sunrise Clinic\" <desk@sunrise.example>"),
        "{}",
        mail[0].1
    );
    assert!(mail[0].1.contains("To: mai@example.com"), "{}", mail[0].1);
    // No Vietnamese email text is kept, so the built-in Vietnamese one goes out.
    let subject = subject_of(&mail[0].1);
    let lead = format!("Lịch hẹn của Quý khách lúc {} ", start.format("%H:%M"));
    assert!(subject.starts_with(&lead), "{subject}");
    assert_vietnamese_date(&subject[lead.len()..], &start);
}

/// "Thứ Năm, 3 tháng 12" for that day (and the year after it when it is another year's).
fn assert_vietnamese_date(date: &str, day: &chrono::NaiveDateTime) {
    use chrono::Datelike;
    let weekday = [
        "Thứ Hai",
        "Thứ Ba",
        "Thứ Tư",
        "Thứ Năm",
        "Thứ Sáu",
        "Thứ Bảy",
        "Chủ Nhật",
    ][day.weekday().num_days_from_monday() as usize];
    let expected = format!("{weekday}, {} tháng {}", day.day(), day.month());
    assert!(date.starts_with(&expected), "{date:?} is not {expected:?}");
}

/// The Subject header as the reader sees it: continuation lines joined, RFC 2047 words decoded.
fn subject_of(raw: &str) -> String {
    use base64::Engine;
    let mut lines = raw
        .split("\r\n")
        .skip_while(|l| !l.starts_with("Subject: "));
    let mut header = lines.next().expect("a Subject header")["Subject: ".len()..].to_string();
    for l in lines.take_while(|l| l.starts_with(' ') || l.starts_with('\t')) {
        header.push_str(l);
    }
    // Space between two encoded words is not part of the text; any other space is.
    let mut out = String::new();
    let mut last_encoded = false;
    for w in header.split_whitespace() {
        let encoded = w
            .strip_prefix("=?utf-8?b?")
            .or_else(|| w.strip_prefix("=?UTF-8?B?"))
            .and_then(|w| w.strip_suffix("?="));
        if !out.is_empty() && !(last_encoded && encoded.is_some()) {
            out.push(' ');
        }
        match encoded {
            Some(b64) => out.push_str(
                &String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(b64)
                        .expect("base64 in an encoded word"),
                )
                .expect("UTF-8 in an encoded word"),
            ),
            None => out.push_str(w),
        }
        last_encoded = encoded.is_some();
    }
    out
}

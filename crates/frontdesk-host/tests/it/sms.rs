//! SMS to staff on a new chat, through a generic HTTP gateway: here a local HTTP server that
//! records what it receives and refuses the first attempt, so the retry is exercised too.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use frontdesk_core::*;
use frontdesk_proto::crypto::{Body, Side, VisitorKey};
use frontdesk_proto::wire::VisitorEvent;

/// Answers 503 to the first request and 200 after; keeps every request line, header and body.
pub(crate) fn gateway() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(vec![]));
    let log = seen.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            let mut len = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
                if line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            log.lock()
                .unwrap()
                .push(format!("{head}\n{}", String::from_utf8(body).unwrap()));
            let status = if n == 0 {
                "503 Service Unavailable"
            } else {
                "200 OK"
            };
            write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
        }
    });
    (port, seen)
}

#[test]
fn a_new_chat_sends_an_sms_through_the_gateway_and_retries_a_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let clinic = crate::support::clinic(dir.path());
    let op = Principal::Operator {
        workstation: "test".into(),
    };
    let Response::StaffList(staff) = clinic
        .handle(
            &op,
            Request::StaffList {
                include_inactive: false,
            },
        )
        .unwrap()
    else {
        panic!()
    };
    let Response::ChatSettings(s) = clinic.handle(&op, Request::ChatSettingsGet).unwrap() else {
        panic!()
    };
    let (port, seen) = gateway();
    clinic
        .handle(
            &op,
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
                    url: format!("http://127.0.0.1:{port}/send?to={{to}}"),
                    method: "POST".into(),
                    headers: vec![SmsHeader {
                        name: "X-Api-Key".into(),
                        value: "secret-key".into(),
                    }],
                    body_template: r#"{"to":"{to}","message":"{text}"}"#.into(),
                    body_format: "json".into(),
                }),
                sms_recipients: vec![SmsRecipient {
                    staff_id: staff[0].id.clone(),
                    phone: "012 345 678".into(),
                }],
            }),
        )
        .unwrap();
    let _host = frontdesk_host::Host::start(clinic.clone(), None, None).unwrap();

    let visitor = VisitorKey::generate();
    let conversation = ulid::Ulid::new().to_string();
    let id = ulid::Ulid::new().to_string();
    let desk_key = clinic.site_config().unwrap().desk_key;
    let body = visitor
        .conversation_key(&desk_key, &conversation)
        .unwrap()
        .seal(
            &id,
            Side::Visitor,
            &Body {
                text: "hello".into(),
                ..Body::default()
            },
        );
    clinic
        .ingest(&[Incoming {
            seq: 1,
            at: 0,
            event: VisitorEvent::Started {
                conversation,
                visitor_key: visitor.public_b64(),
                ip: String::new(),
                id,
                body,
            },
        }])
        .unwrap();

    let end = Instant::now() + Duration::from_secs(20);
    while seen.lock().unwrap().len() < 2 && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(100));
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "one refused attempt, one retry: {seen:?}");
    assert_eq!(seen[0], seen[1], "the retry sends the same SMS");
    let req = &seen[1];
    assert!(
        req.starts_with("POST /send?to=%2B85512345678 HTTP/1.1"),
        "{req}"
    );
    assert!(
        req.to_ascii_lowercase().contains("x-api-key: secret-key"),
        "{req}"
    );
    assert!(
        req.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{req}"
    );
    let json: serde_json::Value = serde_json::from_str(req.rsplit('\n').next().unwrap()).unwrap();
    assert_eq!(json["to"], "+85512345678");
    assert_eq!(
        json["message"],
        "Sunrise Clinic: a new website chat is waiting in Frontdesk."
    );
}

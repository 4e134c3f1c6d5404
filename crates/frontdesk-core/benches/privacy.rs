//! The privacy work on a large clinic (BENCHMARKS.md, "Privacy"), on SQLCipher, through the one
//! door: 100,000 demo clients and a busy year of website chat (about 1,000,000 messages), plus
//! a few clients who each wrote 1,000 messages in a chat linked to them.
//! - "Export this client" for one of those clients (target ≤ 500 ms);
//! - erasing such a client, the checkpoint that clears the log included (target ≤ 1 s);
//! - the retention job's first run after the chat transcripts' period is cut to 180 days, which
//!   erases about half the year's transcripts in one night (target ≤ 30 s).
//!
//! The operator makes the requests, so the one-time code (an HMAC) is not checked; everything
//! else is the desk's path.
//!
//! Run: `cargo bench -p frontdesk-core --bench privacy`

use std::time::{Duration, Instant};

mod support;
use support::{busy_year, ms, percentile, timed, BenchClinic};

use criterion::Criterion;
use frontdesk_core::*;
use frontdesk_proto::crypto::{Body, Side, VisitorKey};
use frontdesk_proto::wire::VisitorEvent;

const CLIENTS: u32 = 100_000;
/// Clients with 1,000 messages each: one erased per sample.
const WRITERS: usize = 12;
const MESSAGES: usize = 1_000;

struct World {
    _bench: BenchClinic,
    clinic: Clinic,
    who: Principal,
    writers: Vec<String>,
}

/// A conversation of `MESSAGES` visitor messages from `email`, which links it to that client.
fn chat_from(desk_key: &str, email: &str, seq: &mut u64) -> Vec<Incoming> {
    let key = VisitorKey::generate();
    let conversation = ulid::Ulid::new().to_string();
    let sealer = key.conversation_key(desk_key, &conversation).unwrap();
    let mut out = Vec::with_capacity(MESSAGES);
    for n in 0..MESSAGES {
        *seq += 1;
        let id = ulid::Ulid::new().to_string();
        let mut body = Body {
            text: format!(
                "Message {n}: my knee still hurts after the last visit, can I come again?"
            ),
            ..Body::default()
        };
        if n == 0 {
            let mut answers = serde_json::Map::new();
            answers.insert("name".into(), "Visitor".into());
            answers.insert("email".into(), email.into());
            body.answers = Some(answers);
        }
        let body = sealer.seal(&id, Side::Visitor, &body);
        let event = if n == 0 {
            VisitorEvent::Started {
                conversation: conversation.clone(),
                visitor_key: key.public_b64(),
                ip: "203.0.113.9".into(),
                id,
                body,
            }
        } else {
            VisitorEvent::Message {
                conversation: conversation.clone(),
                id,
                body,
            }
        };
        out.push(Incoming {
            seq: *seq,
            at: chrono::Utc::now().timestamp_millis(),
            event,
        });
    }
    out
}

fn setup() -> World {
    let (bench, clinic) = BenchClinic::create();
    let who = Principal::Operator {
        workstation: "bench".into(),
    };
    let t = Instant::now();
    let summary = busy_year(&clinic, &who, CLIENTS, 9);
    let desk_key = clinic.site_config().unwrap().desk_key;
    let mut seq = 0;
    let mut writers = vec![];
    for n in 0..WRITERS {
        let email = format!("writer{n}@example.com");
        let Response::ClientSaved(c) = clinic
            .handle(
                &who,
                Request::ClientCreate {
                    id: None,
                    fields: ClientFields {
                        full_name: format!("Writer {n}"),
                        email: Some(email.clone()),
                        notes: "Knee surgery in March; allergic to penicillin.".into(),
                        ..Default::default()
                    },
                },
            )
            .unwrap()
        else {
            unreachable!()
        };
        for chunk in chat_from(&desk_key, &email, &mut seq).chunks(200) {
            clinic.ingest(chunk).unwrap();
        }
        writers.push(c.client.id);
    }
    eprintln!(
        "{} clients, {} chats with {} messages, and {WRITERS} clients with {MESSAGES} messages each; made in {:.0} s",
        summary.clients,
        summary.history.chats,
        summary.history.messages,
        t.elapsed().as_secs_f64()
    );
    // A fresh connection, as the desk has after a restart.
    drop(clinic);
    let clinic = bench.operator();
    World {
        _bench: bench,
        clinic,
        who,
        writers,
    }
}

fn export(w: &World, id: &str) -> ClientExport {
    match w
        .clinic
        .handle(
            &w.who,
            Request::ClientExport {
                id: id.into(),
                totp: Secret::new(""),
            },
        )
        .unwrap()
    {
        Response::ClientExport(e) => *e,
        _ => unreachable!(),
    }
}

fn main() {
    let w = setup();
    let first = export(&w, &w.writers[0]);
    let messages: usize = first.conversations.iter().map(|c| c.messages.len()).sum();
    assert_eq!(messages, MESSAGES, "the writer's chat is linked to them");
    eprintln!(
        "one export: {} conversations, {messages} messages, {} access records, {} bytes of JSON",
        first.conversations.len(),
        first.access_log.len(),
        serde_json::to_vec(&first).unwrap().len()
    );

    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();
    c.bench_function("client_export_1000_messages", |b| {
        b.iter(|| export(&w, &w.writers[0]))
    });

    println!("\n100,000 clients, 1,000,000 messages            p50 / p95 (max)");
    let s = timed(20, |_| {
        export(&w, &w.writers[1]);
    });
    println!(
        "export one client (1,000 messages, JSON)  {:>9.1} ms / {:>7.1} ms ({:.1} ms)",
        ms(percentile(&s, 0.5)),
        ms(percentile(&s, 0.95)),
        ms(s[s.len() - 1])
    );
    // Each sample erases another client; the writers past the first two are spare.
    let s = timed(WRITERS - 2, |i| {
        let r = w
            .clinic
            .handle(
                &w.who,
                Request::ClientErase {
                    id: w.writers[i + 2].clone(),
                    totp: Secret::new(""),
                    request_id: None,
                },
            )
            .unwrap();
        let Response::Erasure(e) = r else {
            unreachable!("{r:?}")
        };
        assert_eq!(e.counts.messages, MESSAGES as i64);
    });
    println!(
        "erase one client (1,000 messages)         {:>9.1} ms / {:>7.1} ms ({:.1} ms)",
        ms(percentile(&s, 0.5)),
        ms(percentile(&s, 0.95)),
        ms(s[s.len() - 1])
    );

    let Response::PrivacySettings(p) = w
        .clinic
        .handle(&w.who, Request::PrivacySettingsGet)
        .unwrap()
    else {
        unreachable!()
    };
    w.clinic
        .handle(
            &w.who,
            Request::PrivacySettingsUpdate(PrivacySettingsInput {
                chat_days: 180,
                ip_days: p.ip_days,
                inactive_client_years: p.inactive_client_years,
                audit_years: p.audit_years,
                medical_record_years: p.medical_record_years,
                break_glass_minutes: p.break_glass_minutes,
            }),
        )
        .unwrap();
    let t = Instant::now();
    let run = w.clinic.retention_tick().unwrap().expect("the first run");
    let took = t.elapsed();
    println!(
        "retention, first run at 180 days          {:>9.1} s: {} transcripts, {} messages, {} IP addresses, {} clients",
        took.as_secs_f64(),
        run.transcripts,
        run.messages,
        run.ip_addresses,
        run.clients_erased + run.clients_restricted
    );
    let t = Instant::now();
    let again = w.clinic.handle(&w.who, Request::RetentionRun).unwrap();
    let Response::Retention(again) = again else {
        unreachable!()
    };
    println!(
        "retention, run again at once (nothing due) {:>8.1} s: {} transcripts",
        t.elapsed().as_secs_f64(),
        again.transcripts
    );
}

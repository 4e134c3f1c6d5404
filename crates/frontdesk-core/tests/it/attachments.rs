//! Chat files at the desk: a visitor's file named by a message, fetched sealed and judged by
//! its bytes; the desk's own files, checked, stored and queued for upload before their reply;
//! and what erasure and retention leave of them.

use base64::Engine;
use chrono::Duration;
use frontdesk_core::*;
use frontdesk_proto::crypto::{Body, FileRef, Side};
use frontdesk_proto::wire::{DeskIn, VisitorEvent};
use serde_json::json;

use crate::support::*;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut out = std::io::Cursor::new(vec![]);
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in bytes {
        crc ^= *b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A real PNG whose header claims a 60,000-pixel square (with a correct checksum).
fn huge_png_header() -> Vec<u8> {
    let mut p = png(4, 4);
    // IHDR's data starts after the signature (8), the length (4) and the type (4).
    p[16..20].copy_from_slice(&60_000u32.to_be_bytes());
    p[20..24].copy_from_slice(&60_000u32.to_be_bytes());
    let crc = crc32(&p[12..29]);
    p[29..33].copy_from_slice(&crc.to_be_bytes());
    p
}

fn pdf() -> Vec<u8> {
    let body = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n";
    let xref = body.len();
    format!("{body}xref\n0 3\n0000000000 65535 f \ntrailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").into_bytes()
}

struct Chat {
    f: Fixture,
    v: Visitor,
    desk_key: String,
    seq: u64,
}

impl Chat {
    fn new() -> Chat {
        let f = new_clinic();
        let v = Visitor::new();
        let desk_key = f.clinic.site_config().unwrap().desk_key;
        f.clinic
            .ingest(&[v.started(&f, 1, &id(), "Hello", json!({"name": "Sok"}))])
            .unwrap();
        Chat {
            f,
            v,
            desk_key,
            seq: 1,
        }
    }

    /// A visitor message naming files; returns the message id.
    fn send_files(&mut self, files: Vec<FileRef>) -> String {
        self.seq += 1;
        let mid = id();
        let body = Body {
            text: "see attached".into(),
            files,
            ..Body::default()
        };
        self.f
            .clinic
            .ingest(&[Incoming {
                seq: self.seq,
                at: 1_772_416_900_000 + self.seq as i64,
                event: VisitorEvent::Message {
                    conversation: self.v.conversation.clone(),
                    id: mid.clone(),
                    body: self.v.seal(&self.desk_key, &mid, &body),
                },
            }])
            .unwrap();
        mid
    }

    fn sealed(&self, file: &str, bytes: &[u8]) -> Vec<u8> {
        self.v
            .key
            .conversation_key(&self.desk_key, &self.v.conversation)
            .unwrap()
            .seal_file(file, Side::Visitor, bytes)
    }

    fn conversation(&self) -> Conversation {
        match ok(
            &self.f,
            &operator(),
            Request::ConversationGet {
                id: self.v.conversation.clone(),
            },
        ) {
            Response::Conversation(c) => c,
            other => panic!("{other:?}"),
        }
    }

    fn file(&self, file: &str) -> ChatFile {
        self.conversation()
            .messages
            .iter()
            .flat_map(|m| m.files.clone())
            .find(|f| f.id == file)
            .expect("the file is listed")
    }

    fn count(&self, sql: &str) -> i64 {
        self.f
            .raw_connection()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    }
}

fn file_ref(name: &str, mime: &str, size: u64) -> FileRef {
    FileRef {
        id: id(),
        name: name.into(),
        mime: mime.into(),
        size,
    }
}

#[test]
fn a_visitor_picture_is_pending_then_fetched_checked_and_stored_with_a_thumbnail() {
    let mut c = Chat::new();
    let bytes = png(640, 480);
    let r = file_ref("../../x-ray.png", "image/png", bytes.len() as u64);
    c.send_files(vec![r.clone()]);

    let pending = c.f.clinic.pending_files().unwrap();
    assert_eq!(
        pending,
        vec![PendingFile {
            conversation_id: c.v.conversation.clone(),
            file_id: r.id.clone()
        }]
    );
    let f = c.file(&r.id);
    assert_eq!(
        (f.status, f.name.as_str()),
        (FileStatus::Pending, "x-ray.png")
    );

    let out =
        c.f.clinic
            .file_fetched(&c.v.conversation, &r.id, &c.sealed(&r.id, &bytes))
            .unwrap();
    assert_eq!(out, FileOutcome::Stored);
    let f = c.file(&r.id);
    assert_eq!(f.status, FileStatus::Stored);
    assert_eq!((f.width, f.height), (Some(640), Some(480)));
    assert_eq!(f.mime, "image/png");
    let thumb = B64.decode(f.thumb_base64.unwrap()).unwrap();
    assert!(thumb.starts_with(b"\x89PNG"));
    assert!(c.f.clinic.pending_files().unwrap().is_empty());
    // The full bytes come through the door, for reading.
    let (_, reception) = c.f.staff_session("rec", Role::Receptionist);
    let Response::ChatFile(data) = ok(&c.f, &reception, Request::ChatFileGet { id: r.id.clone() })
    else {
        panic!()
    };
    assert_eq!(B64.decode(data.base64).unwrap(), bytes);
    // A second fetch of the same file changes nothing.
    let again =
        c.f.clinic
            .file_fetched(&c.v.conversation, &r.id, &c.sealed(&r.id, &bytes))
            .unwrap();
    assert_eq!(again, FileOutcome::Unknown);
}

#[test]
fn a_renamed_page_or_program_is_refused_and_the_visitor_is_told_in_their_language() {
    let mut c = Chat::new();
    let html = b"<!doctype html><script>alert(1)</script>".to_vec();
    let exe = {
        let mut e = b"MZ\x90\x00".to_vec();
        e.extend_from_slice(&[0u8; 200]);
        e
    };
    let a = file_ref("scan.png", "image/png", html.len() as u64);
    let b = file_ref("report.pdf", "application/pdf", exe.len() as u64);
    c.send_files(vec![a.clone(), b.clone()]);
    for (r, bytes) in [(&a, &html), (&b, &exe)] {
        let out =
            c.f.clinic
                .file_fetched(&c.v.conversation, &r.id, &c.sealed(&r.id, bytes))
                .unwrap();
        assert_eq!(out, FileOutcome::Refused("attachment.wrong_type".into()));
        let f = c.file(&r.id);
        assert_eq!(f.status, FileStatus::Refused);
        assert_eq!(f.refusal.as_deref(), Some("attachment.wrong_type"));
        assert!(f.thumb_base64.is_none());
    }
    assert_eq!(
        c.count("SELECT count(*) FROM chat_files WHERE data IS NOT NULL"),
        0,
        "no refused byte is kept"
    );
    // Two automatic notes to the visitor, in Khmer (the visitor's language), sealed to them.
    let due = c.f.clinic.outbox_due(OutboxKind::Relay, 10).unwrap();
    let notes: Vec<String> = due
        .iter()
        .filter_map(|i| match &i.payload {
            OutboxPayload::Relay(DeskIn::Reply { id, body, .. }) => Some(
                c.v.key
                    .conversation_key(&c.desk_key, &c.v.conversation)
                    .unwrap()
                    .open(id, Side::Desk, body)
                    .unwrap()
                    .text,
            ),
            _ => None,
        })
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].contains("scan.png") && notes[0].contains("ឯកសារ"),
        "{notes:?}"
    );
}

#[test]
fn a_giant_picture_header_an_oversized_file_and_a_bad_seal_are_refused() {
    let mut c = Chat::new();
    // The clinic takes at most 1 MB.
    let Response::ChatSettings(s) = ok(&c.f, &operator(), Request::ChatSettingsGet) else {
        panic!()
    };
    assert_eq!(s.max_file_mb, 10);
    assert_eq!(c.f.clinic.site_config().unwrap().max_file, 10 * 1024 * 1024);
    let input = |mb| ChatSettingsInput {
        relay_url: None,
        desk_token: None,
        questions: s.questions.clone(),
        policy_url: s.policy_url.clone(),
        policy_version: s.policy_version.clone(),
        offline_message: None,
        after_hours_reply: true,
        max_file_mb: mb,
        logo: None,
        sms_gateway: None,
        sms_recipients: vec![],
    };
    for bad in [0, 26] {
        let err =
            c.f.clinic
                .handle(&operator(), Request::ChatSettingsUpdate(input(bad)))
                .unwrap_err();
        assert_eq!(err.code(), "validation.max_file_mb");
    }
    ok(&c.f, &operator(), Request::ChatSettingsUpdate(input(1)));
    assert_eq!(c.f.clinic.site_config().unwrap().max_file, 1024 * 1024);

    let giant = huge_png_header();
    let big = {
        let mut p = pdf();
        p.splice(9..9, std::iter::repeat_n(b' ', 1024 * 1024 + 1));
        p
    };
    let (g, o, w, t) = (
        file_ref("pano.png", "image/png", 1),
        file_ref("big.pdf", "application/pdf", 1),
        file_ref("a.png", "image/png", 1),
        file_ref("b.png", "image/png", 1),
    );
    c.send_files(vec![g.clone(), o.clone(), w.clone(), t.clone()]);
    let fetch = |r: &FileRef, sealed: Vec<u8>| {
        c.f.clinic
            .file_fetched(&c.v.conversation, &r.id, &sealed)
            .unwrap()
    };
    assert_eq!(
        fetch(&g, c.sealed(&g.id, &giant)),
        FileOutcome::Refused("attachment.too_many_pixels".into())
    );
    assert_eq!(
        fetch(&o, c.sealed(&o.id, &big)),
        FileOutcome::Refused("attachment.too_large".into())
    );
    // Sealed for another file id (the wrong AAD), and bytes flipped in transit.
    assert_eq!(
        fetch(&w, c.sealed(&id(), &png(2, 2))),
        FileOutcome::Refused("attachment.corrupt".into())
    );
    let mut flipped = c.sealed(&t.id, &png(2, 2));
    flipped[20] ^= 1;
    assert_eq!(
        fetch(&t, flipped),
        FileOutcome::Refused("attachment.corrupt".into())
    );
    // A file the relay does not have is refused as missing.
    let m = file_ref("lost.pdf", "application/pdf", 10);
    c.send_files(vec![m.clone()]);
    assert_eq!(
        c.f.clinic.file_missing(&c.v.conversation, &m.id).unwrap(),
        FileOutcome::Refused("attachment.missing".into())
    );
    assert!(c.f.clinic.pending_files().unwrap().is_empty());
}

#[test]
fn malformed_references_are_left_out_and_at_most_ten_are_taken() {
    let mut c = Chat::new();
    let mut refs: Vec<FileRef> = (0..12)
        .map(|i| file_ref(&format!("p{i}.png"), "image/png", 5))
        .collect();
    refs[0].id = "not-a-ulid".into();
    refs[1].name = "a/b\u{0}c/\u{7}".into();
    c.send_files(refs);
    let names: Vec<String> = c.conversation().messages[1]
        .files
        .iter()
        .map(|f| f.name.clone())
        .collect();
    assert_eq!(names.len(), 9, "{names:?}");
    assert_eq!(names[0], "file");
}

fn send_file(
    c: &Chat,
    who: &Principal,
    name: &str,
    bytes: &[u8],
    text: &str,
) -> Result<ChatMessage> {
    c.f.clinic
        .handle(
            who,
            Request::ChatSendFile {
                conversation_id: c.v.conversation.clone(),
                id: None,
                file_id: None,
                name: name.into(),
                base64: B64.encode(bytes),
                text: text.into(),
            },
        )
        .map(|r| match r {
            Response::ChatMessage(m) => m,
            other => panic!("{other:?}"),
        })
}

#[test]
fn a_desk_file_is_checked_stored_uploaded_before_its_reply_and_deletable() {
    let c = Chat::new();
    let (_, dara) = c.f.staff_session("dara", Role::Receptionist);
    let bytes = pdf();
    let m = send_file(&c, &dara, "C:\\letters\\referral.pdf", &bytes, "").unwrap();
    assert_eq!(m.text, "");
    assert_eq!(m.files.len(), 1);
    let f = &m.files[0];
    assert_eq!(
        (f.name.as_str(), f.mime.as_str(), f.status, f.size as usize),
        (
            "referral.pdf",
            "application/pdf",
            FileStatus::Stored,
            bytes.len()
        )
    );
    // The upload is queued with the sealed bytes; the reply waits for it.
    let ups = c.f.clinic.file_uploads_due(10).unwrap();
    assert_eq!(ups.len(), 1);
    assert_eq!(ups[0].file_id, f.id);
    let conv_key =
        c.v.key
            .conversation_key(&c.desk_key, &c.v.conversation)
            .unwrap();
    let opened = conv_key
        .open_file(&f.id, Side::Desk, &ups[0].sealed)
        .unwrap();
    assert_eq!(opened.as_slice(), bytes.as_slice());
    assert!(c
        .f
        .clinic
        .outbox_due(OutboxKind::Relay, 10)
        .unwrap()
        .is_empty());
    // A failed upload keeps the reply waiting; a stored one lets it go, naming the file.
    c.f.clinic
        .file_upload_failed(&f.id, "host.unreachable")
        .unwrap();
    assert!(c.f.clinic.file_uploads_due(10).unwrap().is_empty());
    c.f.clock.advance(Duration::seconds(10));
    assert_eq!(c.f.clinic.file_uploads_due(10).unwrap().len(), 1);
    assert!(c
        .f
        .clinic
        .outbox_due(OutboxKind::Relay, 10)
        .unwrap()
        .is_empty());
    c.f.clinic.file_uploaded(&f.id).unwrap();
    let due = c.f.clinic.outbox_due(OutboxKind::Relay, 10).unwrap();
    assert_eq!(due.len(), 1);
    let OutboxPayload::Relay(DeskIn::Reply { id: rid, body, .. }) = &due[0].payload else {
        panic!()
    };
    let body = conv_key.open(rid, Side::Desk, body).unwrap();
    assert_eq!(body.files.len(), 1);
    assert_eq!(
        (
            body.files[0].id.as_str(),
            body.files[0].name.as_str(),
            body.files[0].size
        ),
        (f.id.as_str(), "referral.pdf", bytes.len() as u64)
    );
    // Audited like a reply (the message it made), never with the file's content.
    let rec =
        c.f.audit()
            .into_iter()
            .find(|r| r.action == "chat.send_file")
            .unwrap();
    assert_eq!(rec.target_id.as_deref(), Some(m.id.as_str()));
    assert!(rec.detail.is_none());

    // Deleting the reply removes the file here and names it for the relay.
    c.f.clinic.outbox_done(rid, None).unwrap();
    ok(
        &c.f,
        &dara,
        Request::ChatDelete {
            message_id: m.id.clone(),
        },
    );
    assert_eq!(c.count("SELECT count(*) FROM chat_files"), 0);
    let due = c.f.clinic.outbox_due(OutboxKind::Relay, 10).unwrap();
    let OutboxPayload::Relay(DeskIn::Delete { files, .. }) = &due[0].payload else {
        panic!("{due:?}")
    };
    assert_eq!(files, &vec![f.id.clone()]);
}

#[test]
fn a_picture_with_text_is_one_reply_and_bad_files_store_nothing() {
    let c = Chat::new();
    let (_, dara) = c.f.staff_session("dara", Role::Receptionist);
    let m = send_file(&c, &dara, "", &png(300, 200), "Your x-ray").unwrap();
    assert_eq!(m.text, "Your x-ray");
    let f = &m.files[0];
    assert_eq!(
        (f.name.as_str(), f.width, f.height),
        ("file.png", Some(300), Some(200))
    );
    assert!(f.thumb_base64.is_some());

    let bad_b64 =
        c.f.clinic
            .handle(
                &dara,
                Request::ChatSendFile {
                    conversation_id: c.v.conversation.clone(),
                    id: None,
                    file_id: None,
                    name: "x.png".into(),
                    base64: "%%% not base64".into(),
                    text: String::new(),
                },
            )
            .unwrap_err();
    assert_eq!(bad_b64.code(), "attachment.bad_base64");
    // A retried send with the same message id is stored once.
    let again =
        c.f.clinic
            .handle(
                &dara,
                Request::ChatSendFile {
                    conversation_id: c.v.conversation.clone(),
                    id: Some(m.id.clone()),
                    file_id: None,
                    name: "other.png".into(),
                    base64: B64.encode(png(10, 10)),
                    text: "Your x-ray".into(),
                },
            )
            .unwrap();
    let Response::ChatMessage(again) = again else {
        panic!()
    };
    assert_eq!(again.files, m.files);
    let html = send_file(&c, &dara, "x.png", b"<html><body>hi</body></html>", "").unwrap_err();
    assert_eq!(html.code(), "attachment.wrong_type");
    let empty = send_file(&c, &dara, "x.png", b"", "").unwrap_err();
    assert_eq!(empty.code(), "attachment.empty");
    assert_eq!(c.count("SELECT count(*) FROM chat_files"), 1);
    assert_eq!(c.count("SELECT count(*) FROM chat_file_uploads"), 1);
    assert_eq!(
        c.count("SELECT count(*) FROM chat_messages WHERE side = 'desk'"),
        1
    );
    // Reading needs ChatRead; a stored file's bytes come back, an unknown id is not found.
    let err =
        c.f.clinic
            .handle(&dara, Request::ChatFileGet { id: id() })
            .unwrap_err();
    assert_eq!(err.code(), "record.not_found");
}

/// A conversation with a stored visitor picture and a desk PDF, linked to a client.
fn with_files(c: &mut Chat) -> (String, Vec<u8>) {
    let (_, rec) = c.f.staff_session("rec", Role::Receptionist);
    let Response::Conversation(conv) = ok(
        &c.f,
        &rec,
        Request::ConversationCreateClient {
            id: c.v.conversation.clone(),
        },
    ) else {
        panic!()
    };
    let mut marked = png(64, 64);
    // A marker in a PNG text chunk would be re-encoded away in the thumbnail but kept in
    // the data: plant it in the raw bytes by appending after IEND (decoders ignore it).
    marked.extend_from_slice(b"PLANTED-FILE-BYTES");
    let r = file_ref("PLANTED-NAME.png", "image/png", marked.len() as u64);
    c.send_files(vec![r.clone()]);
    let out =
        c.f.clinic
            .file_fetched(&c.v.conversation, &r.id, &c.sealed(&r.id, &marked))
            .unwrap();
    assert_eq!(out, FileOutcome::Stored);
    send_file(c, &rec, "PLANTED-DESK.pdf", &pdf(), "").unwrap();
    (conv.client_id.unwrap(), marked)
}

fn planted_left(c: &Chat) -> i64 {
    c.count(
        "SELECT count(*) FROM chat_files WHERE instr(data, CAST('PLANTED-FILE-BYTES' AS BLOB)) > 0
            OR name LIKE 'PLANTED%' OR thumb IS NOT NULL OR data IS NOT NULL",
    ) + c.count("SELECT count(*) FROM chat_file_uploads")
}

#[test]
fn erasing_the_client_takes_their_conversations_files() {
    let mut c = Chat::new();
    let (client, _) = with_files(&mut c);
    assert!(planted_left(&c) > 0, "the control: planted before");
    c.f.clock.advance(Duration::seconds(30));
    let s =
        c.f.clinic
            .login(&LoginRequest {
                login: "admin".into(),
                password: Secret::new(ADMIN_PASSWORD),
                totp_code: Some(totp_code(&c.f.admin_totp, "admin", &c.f.clock)),
                workstation: "desk-1".into(),
            })
            .unwrap();
    c.f.clock.advance(Duration::seconds(30));
    ok(
        &c.f,
        &session(&s.token),
        Request::ClientErase {
            id: client,
            totp: Secret::new(totp_code(&c.f.admin_totp, "admin", &c.f.clock)),
            request_id: None,
        },
    );
    assert_eq!(planted_left(&c), 0);
    assert_eq!(c.count("SELECT count(*) FROM chat_files"), 0);
}

#[test]
fn retention_takes_the_files_of_quiet_conversations() {
    let mut c = Chat::new();
    with_files(&mut c);
    assert!(planted_left(&c) > 0);
    c.f.clinic.retention_tick().unwrap();
    assert!(
        planted_left(&c) > 0,
        "a recent conversation keeps its files"
    );
    c.f.clock.advance(Duration::days(3 * 366));
    let run = c.f.clinic.retention_tick().unwrap().unwrap();
    assert_eq!(run.transcripts, 1);
    assert_eq!(planted_left(&c), 0);
}

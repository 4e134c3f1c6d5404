//! Chat files through a real relay process: a visitor's sealed upload reaches the desk
//! decrypted and checked; the desk's file is at the relay before the reply that names it; and
//! the relay's disk never holds a plaintext byte of either.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use frontdesk_core::*;
use frontdesk_proto::crypto::{FileRef, Side};

use crate::support::{Stack, Visitor, PASSPHRASE};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A whole PNG with a marker after its end (decoders stop at IEND; the bytes stay in the file).
fn marked_png() -> Vec<u8> {
    let mut p = vec![];
    let img = image::RgbImage::from_fn(32, 24, |x, y| image::Rgb([x as u8 * 8, y as u8 * 8, 7]));
    img.write_to(&mut std::io::Cursor::new(&mut p), image::ImageFormat::Png)
        .unwrap();
    p.extend_from_slice(b"PLANTED-VISITOR-PIXELS");
    p
}

fn marked_pdf() -> Vec<u8> {
    let body = "%PDF-1.4\n% PLANTED-DESK-LETTER\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n";
    let xref = body.len();
    format!("{body}xref\n0 3\n0000000000 65535 f \ntrailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").into_bytes()
}

fn conversation(clinic: &Clinic, id: &str) -> Option<Conversation> {
    let op = Principal::Operator {
        workstation: "test".into(),
    };
    match clinic.handle(&op, Request::ConversationGet { id: id.into() }) {
        Ok(Response::Conversation(c)) => Some(c),
        _ => None,
    }
}

fn wait_until<T>(within: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + within;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    let mut dirs = vec![dir.to_owned()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn files_travel_sealed_both_ways_and_the_relay_keeps_no_plaintext() {
    let stack = Stack::new();
    let _relay = stack.relay();
    let clinic = Arc::new(
        Clinic::open_as_operator(
            &stack.db,
            PASSPHRASE,
            Options {
                keyring: None,
                ..Options::default()
            },
        )
        .unwrap(),
    );
    let _host = frontdesk_host::Host::start(clinic.clone(), None, None).unwrap();
    stack.wait_for_config();
    let http = reqwest::Client::new();
    let base = format!(
        "http://127.0.0.1:{}/v1/sites/{}/files",
        stack.port, stack.site
    );

    // The visitor uploads a sealed picture, then sends the message naming it.
    let png = marked_png();
    let file_id = ulid::Ulid::new().to_string();
    let mut v = Visitor::new(stack.port, &stack.site);
    rt().block_on(async {
        v.start("hello").await;
        let sealed = v
            .conversation_key()
            .seal_file(&file_id, Side::Visitor, &png);
        let resp = http
            .put(format!("{base}/{}/{file_id}", v.conversation))
            .header("x-frontdesk-secret", v.secret())
            .header("content-type", "application/octet-stream")
            .body(sealed)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201);
        v.send_files(
            "my x-ray",
            vec![FileRef {
                id: file_id.clone(),
                name: "x-ray.png".into(),
                mime: "image/png".into(),
                size: png.len() as u64,
            }],
        )
        .await;
        v.pump(2, Duration::from_secs(20)).await;
    });
    // The host fetches it; the desk has it decrypted, checked, with a thumbnail.
    let stored = wait_until(Duration::from_secs(30), || {
        let c = conversation(&clinic, &v.conversation)?;
        c.messages
            .iter()
            .flat_map(|m| m.files.clone())
            .find(|f| f.id == file_id && f.status == FileStatus::Stored)
    })
    .expect("the desk fetched and stored the visitor's file");
    assert_eq!((stored.width, stored.height), (Some(32), Some(24)));
    assert!(stored.thumb_base64.is_some());
    let op = Principal::Operator {
        workstation: "test".into(),
    };
    let Response::ChatFile(data) = clinic
        .handle(
            &op,
            Request::ChatFileGet {
                id: file_id.clone(),
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(B64.decode(data.base64).unwrap(), png);

    // The desk sends a PDF: uploaded first, then the reply; the visitor can fetch and open it.
    let pdf = marked_pdf();
    let Response::ChatMessage(m) = clinic
        .handle(
            &op,
            Request::ChatSendFile {
                conversation_id: v.conversation.clone(),
                id: None,
                file_id: None,
                name: "letter.pdf".into(),
                base64: B64.encode(&pdf),
                text: "Your referral".into(),
            },
        )
        .unwrap()
    else {
        panic!()
    };
    let desk_file = m.files[0].id.clone();
    wait_until(Duration::from_secs(30), || {
        let c = conversation(&clinic, &v.conversation)?;
        c.messages
            .iter()
            .find(|x| x.id == m.id && x.delivered_at.is_some())
            .map(|_| ())
    })
    .expect("the reply was delivered");
    rt().block_on(async {
        // The reply is delivered, so its file is there already.
        let resp = http
            .get(format!("{base}/{}/{desk_file}", v.conversation))
            .header("x-frontdesk-secret", v.secret())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let sealed = resp.bytes().await.unwrap();
        let opened = v
            .conversation_key()
            .open_file(&desk_file, Side::Desk, &sealed)
            .unwrap();
        assert_eq!(opened.as_slice(), pdf.as_slice());
    });

    // Nothing at the relay, in any file it wrote, holds either plaintext.
    let relay_files = files_under(&stack.dir.path().join("relay"));
    assert!(!relay_files.is_empty());
    for p in relay_files {
        let bytes = std::fs::read(&p).unwrap();
        for planted in [&b"PLANTED-VISITOR-PIXELS"[..], b"PLANTED-DESK-LETTER"] {
            assert!(
                !contains(&bytes, planted),
                "{} holds plaintext",
                p.display()
            );
        }
    }
}

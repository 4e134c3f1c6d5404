//! The shared test vectors (vectors/e2e.json): the widget's tests check the same file, so the
//! TypeScript and Rust sides provably agree on every byte. Regenerate with
//! `FRONTDESK_WRITE_VECTORS=1 cargo test -p frontdesk-proto --test vectors`.

use frontdesk_proto::crypto::{self, Body, FileRef, Quote, Side, NONCE_LEN};
use frontdesk_proto::Error;
use p256::SecretKey;
use serde_json::{json, Value};

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/e2e.json");

fn secret(seed: u8) -> SecretKey {
    // Fixed, valid scalars: a vector must never change between runs.
    let mut bytes = [seed; 32];
    bytes[0] = 0x11;
    SecretKey::from_slice(&bytes).unwrap()
}

fn nonce(seed: u8) -> [u8; NONCE_LEN] {
    std::array::from_fn(|i| seed.wrapping_mul(31).wrapping_add(i as u8))
}

fn body_json(body: &Body) -> String {
    serde_json::to_string(body).unwrap()
}

fn generate() -> Value {
    let cases = [
        (
            1u8,
            2u8,
            "01JD0000000000000000000000",
            "latin, first message with answers",
        ),
        (
            3,
            4,
            "01JD0000000000000000000001",
            "Khmer and Arabic text, a quote",
        ),
    ];
    let mut out = vec![];
    for (n, (d, v, conv, name)) in cases.into_iter().enumerate() {
        let desk = secret(d);
        let visitor = secret(v);
        let key = crypto::conversation_key(&visitor, &desk.public_key(), conv).unwrap();
        // One small file per case: a picture from the visitor, a PDF from the desk.
        let file = if n == 0 {
            let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
            png.extend_from_slice(b"\0\0\0\rIHDR a small test picture");
            (
                "01JD0000000000000000000030",
                Side::Visitor,
                png,
                FileRef {
                    id: "01JD0000000000000000000030".into(),
                    name: "x-ray (1).png".into(),
                    mime: "image/png".into(),
                    size: 0,
                },
            )
        } else {
            (
                "01JD0000000000000000000031",
                Side::Desk,
                "%PDF-1.4\n% تعليمات ما قبل الزيارة\n%%EOF\n"
                    .as_bytes()
                    .to_vec(),
                FileRef {
                    id: "01JD0000000000000000000031".into(),
                    name: "تعليمات.pdf".into(),
                    mime: "application/pdf".into(),
                    size: 0,
                },
            )
        };
        let (file_id, file_side, file_plain, mut file_ref) = file;
        file_ref.size = file_plain.len() as u64;
        let bodies: Vec<(String, Side, Body)> = if n == 0 {
            let mut answers = serde_json::Map::new();
            answers.insert("name".into(), json!("Sok Dara"));
            answers.insert("phone".into(), json!("+855 12 345 678"));
            answers.insert("marketing_opt_in".into(), json!("no"));
            vec![
                (
                    "01JD0000000000000000000010".into(),
                    Side::Visitor,
                    Body {
                        text: "Hello, can I book for Friday? <b>bold</b>".into(),
                        answers: Some(answers),
                        page: Some("https://clinic.example/contact?x=1".into()),
                        lang: Some("en".into()),
                        ..Body::default()
                    },
                ),
                (
                    "01JD0000000000000000000011".into(),
                    Side::Desk,
                    Body {
                        text: "Yes, Friday 10:00 is free.".into(),
                        sender: Some("Dara".into()),
                        ..Body::default()
                    },
                ),
                (
                    "01JD0000000000000000000012".into(),
                    Side::Visitor,
                    Body {
                        text: "Here is my x-ray; can a person look at it?".into(),
                        files: vec![file_ref.clone()],
                        handoff: true,
                        ..Body::default()
                    },
                ),
            ]
        } else {
            vec![
                (
                    "01JD0000000000000000000020".into(),
                    Side::Visitor,
                    Body {
                        text: "សួស្តី ខ្ញុំចង់ណាត់ជួប — مرحبا، أريد موعدا".into(),
                        lang: Some("km".into()),
                        ..Body::default()
                    },
                ),
                (
                    "01JD0000000000000000000021".into(),
                    Side::Desk,
                    Body {
                        text: "نعم".into(),
                        quote: Some(Quote {
                            id: "01JD0000000000000000000020".into(),
                            text: "សួស្តី ខ្ញុំចង់ណាត់ជួប".into(),
                        }),
                        sender: Some("ليلى".into()),
                        ..Body::default()
                    },
                ),
                (
                    "01JD0000000000000000000022".into(),
                    Side::Desk,
                    Body {
                        text: "التعليمات مرفقة".into(),
                        files: vec![file_ref.clone()],
                        auto: Some("faq".into()),
                        ..Body::default()
                    },
                ),
            ]
        };
        let messages: Vec<Value> = bodies
            .iter()
            .enumerate()
            .map(|(i, (id, side, body))| {
                let plaintext = body_json(body);
                let nonce = nonce((n * 10 + i) as u8);
                let envelope = key.seal_raw(id, *side, plaintext.as_bytes(), &nonce);
                json!({"id": id, "from": side.as_str(), "nonce_hex": hex::encode(nonce),
                       "plaintext": plaintext, "envelope": envelope})
            })
            .collect();
        let file_nonce = nonce((n * 10 + 5) as u8);
        let sealed = key.seal_file_raw(file_id, file_side, &file_plain, &file_nonce);
        let files = vec![json!({"id": file_id, "from": file_side.as_str(),
            "nonce_hex": hex::encode(file_nonce), "plaintext_hex": hex::encode(&file_plain),
            "sealed_hex": hex::encode(&sealed)})];
        let jwk = |k: &SecretKey| serde_json::from_str::<Value>(&k.to_jwk_string()).unwrap();
        out.push(json!({
            "name": name,
            "desk_private_jwk": jwk(&desk),
            "visitor_private_jwk": jwk(&visitor),
            "desk_public": crypto::public_b64(&desk.public_key()),
            "visitor_public": crypto::public_b64(&visitor.public_key()),
            "conversation": conv,
            "shared_secret_hex": hex::encode(crypto::shared_secret(&visitor, &desk.public_key())),
            "conversation_key_hex": hex::encode(key.bytes()),
            "messages": messages,
            "files": files,
        }));
    }
    json!({"salt": "frontdesk-e2e-v1", "cases": out})
}

#[test]
fn vectors_file_matches_the_rust_side() {
    let fresh = generate();
    if std::env::var_os("FRONTDESK_WRITE_VECTORS").is_some() {
        std::fs::create_dir_all(std::path::Path::new(FILE).parent().unwrap()).unwrap();
        std::fs::write(FILE, serde_json::to_string_pretty(&fresh).unwrap() + "\n").unwrap();
    }
    let stored: Value = serde_json::from_str(
        &std::fs::read_to_string(FILE).expect("vectors/e2e.json exists (see the module doc)"),
    )
    .unwrap();
    assert_eq!(stored, fresh, "vectors/e2e.json is stale; regenerate it");
}

#[test]
fn both_sides_open_every_vector_and_reject_moved_or_tampered_ones() {
    let v = generate();
    for case in v["cases"].as_array().unwrap() {
        let conv = case["conversation"].as_str().unwrap();
        let desk_jwk = serde_json::to_string(&case["desk_private_jwk"]).unwrap();
        let desk = frontdesk_proto::DeskKey::from_bytes(
            &SecretKey::from_jwk_str(&desk_jwk).unwrap().to_bytes(),
        )
        .unwrap();
        let desk_side = desk
            .conversation_key(case["visitor_public"].as_str().unwrap(), conv)
            .unwrap();
        assert_eq!(
            hex::encode(desk_side.bytes()),
            case["conversation_key_hex"].as_str().unwrap()
        );
        for m in case["messages"].as_array().unwrap() {
            let id = m["id"].as_str().unwrap();
            let from = if m["from"] == "desk" {
                Side::Desk
            } else {
                Side::Visitor
            };
            let env = m["envelope"].as_str().unwrap();
            let body = desk_side.open(id, from, env).unwrap();
            assert_eq!(body_json(&body), m["plaintext"].as_str().unwrap());
            let other = if from == Side::Desk {
                Side::Visitor
            } else {
                Side::Desk
            };
            assert_eq!(desk_side.open(id, other, env).unwrap_err(), Error::Decrypt);
            assert_eq!(
                desk_side
                    .open("01JD00000000000000000000ZZ", from, env)
                    .unwrap_err(),
                Error::Decrypt
            );
            let mut raw =
                base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, env)
                    .unwrap();
            *raw.last_mut().unwrap() ^= 1;
            let tampered =
                base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, raw);
            assert_eq!(
                desk_side.open(id, from, &tampered).unwrap_err(),
                Error::Decrypt
            );
            assert_eq!(
                desk_side.open(id, from, "AAAA").unwrap_err(),
                Error::BadEnvelope
            );
        }
        for f in case["files"].as_array().unwrap() {
            let id = f["id"].as_str().unwrap();
            let from = if f["from"] == "desk" {
                Side::Desk
            } else {
                Side::Visitor
            };
            let sealed = hex::decode(f["sealed_hex"].as_str().unwrap()).unwrap();
            let plain = hex::decode(f["plaintext_hex"].as_str().unwrap()).unwrap();
            assert_eq!(sealed.len(), crypto::max_sealed_file_len(plain.len()));
            assert_eq!(*desk_side.open_file(id, from, &sealed).unwrap(), plain);
            let other = if from == Side::Desk {
                Side::Visitor
            } else {
                Side::Desk
            };
            assert_eq!(
                desk_side.open_file(id, other, &sealed).unwrap_err(),
                Error::Decrypt
            );
            assert_eq!(
                desk_side
                    .open_file("01JD00000000000000000000ZZ", from, &sealed)
                    .unwrap_err(),
                Error::Decrypt
            );
            let mut tampered = sealed.clone();
            tampered[NONCE_LEN] ^= 1;
            assert_eq!(
                desk_side.open_file(id, from, &tampered).unwrap_err(),
                Error::Decrypt
            );
        }
        let other_conv = desk
            .conversation_key(
                case["visitor_public"].as_str().unwrap(),
                "01JD0000000000000000000099",
            )
            .unwrap();
        let m = &case["messages"][0];
        assert_eq!(
            other_conv
                .open(
                    m["id"].as_str().unwrap(),
                    Side::Visitor,
                    m["envelope"].as_str().unwrap()
                )
                .unwrap_err(),
            Error::Decrypt
        );
    }
}

#[test]
fn a_fresh_seal_uses_a_fresh_nonce_and_round_trips() {
    let desk = frontdesk_proto::DeskKey::generate();
    let visitor = crypto::VisitorKey::generate();
    let conv = "01JD0000000000000000000042";
    let vk = visitor.conversation_key(&desk.public_b64(), conv).unwrap();
    let dk = desk.conversation_key(&visitor.public_b64(), conv).unwrap();
    let body = Body {
        text: "hi".into(),
        ..Body::default()
    };
    let a = vk.seal("01JD0000000000000000000050", Side::Visitor, &body);
    let b = vk.seal("01JD0000000000000000000050", Side::Visitor, &body);
    assert_ne!(
        a, b,
        "two seals of the same body must differ (fresh nonces)"
    );
    assert_eq!(
        dk.open("01JD0000000000000000000050", Side::Visitor, &a)
            .unwrap(),
        body
    );
    assert_eq!(
        desk.conversation_key("not a key", conv).unwrap_err(),
        Error::BadKey
    );
}

//! Sealed files (docs/protocol.md, "Files") and the message fields added with them: a file
//! opens only as the file it was sealed as, and old bodies and configs still parse.

use frontdesk_proto::crypto::{self, Body, FileRef, Side, VisitorKey, FILE_OVERHEAD, NONCE_LEN};
use frontdesk_proto::wire::{DeskIn, SiteConfig, DEFAULT_MAX_FILE};
use frontdesk_proto::{DeskKey, Error};

const CONV: &str = "01JD0000000000000000000042";
const FILE: &str = "01JD0000000000000000000050";

fn keys(conversation: &str) -> (crypto::ConversationKey, crypto::ConversationKey) {
    let desk = DeskKey::generate();
    let visitor = VisitorKey::generate();
    (
        visitor
            .conversation_key(&desk.public_b64(), conversation)
            .unwrap(),
        desk.conversation_key(&visitor.public_b64(), conversation)
            .unwrap(),
    )
}

#[test]
fn a_sealed_file_round_trips_and_opens_only_where_it_was_sealed() {
    let (vk, dk) = keys(CONV);
    let plain: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    let sealed = vk.seal_file(FILE, Side::Visitor, &plain);
    assert_eq!(sealed.len(), crypto::max_sealed_file_len(plain.len()));
    assert_eq!(crypto::max_sealed_file_len(10), 10 + FILE_OVERHEAD);
    assert_eq!(FILE_OVERHEAD, 28);
    assert!(
        !sealed.windows(64).any(|w| w == &plain[1000..1064]),
        "the plaintext shows through"
    );
    assert_eq!(*dk.open_file(FILE, Side::Visitor, &sealed).unwrap(), plain);
    assert_ne!(
        vk.seal_file(FILE, Side::Visitor, &plain)[..NONCE_LEN],
        sealed[..NONCE_LEN],
        "a fresh nonce per seal"
    );

    // Another file id, the other side, another conversation (same key pair): refused.
    assert_eq!(
        dk.open_file("01JD0000000000000000000051", Side::Visitor, &sealed)
            .unwrap_err(),
        Error::Decrypt
    );
    assert_eq!(
        dk.open_file(FILE, Side::Desk, &sealed).unwrap_err(),
        Error::Decrypt
    );
    let (other_conv, _) = keys("01JD0000000000000000000043");
    assert_eq!(
        other_conv
            .open_file(FILE, Side::Visitor, &sealed)
            .unwrap_err(),
        Error::Decrypt
    );
    // A changed byte anywhere, a cut-off end, too short to hold a nonce and a tag.
    for i in [0, NONCE_LEN, sealed.len() / 2, sealed.len() - 1] {
        let mut t = sealed.clone();
        t[i] ^= 0x80;
        assert_eq!(
            dk.open_file(FILE, Side::Visitor, &t).unwrap_err(),
            Error::Decrypt,
            "byte {i}"
        );
    }
    assert_eq!(
        dk.open_file(FILE, Side::Visitor, &sealed[..sealed.len() - 1])
            .unwrap_err(),
        Error::Decrypt
    );
    assert_eq!(
        dk.open_file(FILE, Side::Visitor, &sealed[..FILE_OVERHEAD - 1])
            .unwrap_err(),
        Error::BadFile
    );

    // An empty file seals to just the nonce and the tag, and opens again.
    let empty = dk.seal_file(FILE, Side::Desk, b"");
    assert_eq!(empty.len(), FILE_OVERHEAD);
    assert!(vk.open_file(FILE, Side::Desk, &empty).unwrap().is_empty());
}

#[test]
fn a_file_and_a_message_envelope_cannot_stand_in_for_each_other() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let (vk, dk) = keys(CONV);
    // The same id, the same side and the same bytes as a message's plaintext and as a file.
    let body = Body {
        text: "hi".into(),
        ..Body::default()
    };
    let plain = serde_json::to_vec(&body).unwrap();
    let nonce = [7u8; NONCE_LEN];
    let envelope = vk.seal_raw(FILE, Side::Visitor, &plain, &nonce);
    let sealed = vk.seal_file_raw(FILE, Side::Visitor, &plain, &nonce);
    assert_ne!(URL_SAFE_NO_PAD.decode(&envelope).unwrap(), sealed);
    assert_eq!(
        dk.open_file(
            FILE,
            Side::Visitor,
            &URL_SAFE_NO_PAD.decode(&envelope).unwrap()
        )
        .unwrap_err(),
        Error::Decrypt
    );
    assert_eq!(
        dk.open(FILE, Side::Visitor, &URL_SAFE_NO_PAD.encode(&sealed))
            .unwrap_err(),
        Error::Decrypt
    );
}

#[test]
fn the_new_body_fields_are_optional_both_ways() {
    // A body from before files: parses, and the new fields are their defaults.
    let old = r#"{"text":"hi","quote":null,"answers":null,"page":null,"lang":null,"sender":null}"#;
    let body: Body = serde_json::from_str(old).unwrap();
    assert!(body.files.is_empty() && body.auto.is_none() && !body.handoff);
    // ...and writes exactly as before.
    assert_eq!(serde_json::to_string(&body).unwrap(), old);

    let with = Body {
        text: "see attached".into(),
        files: vec![FileRef {
            id: FILE.into(),
            name: "scan.pdf".into(),
            mime: "application/pdf".into(),
            size: 1234,
        }],
        auto: Some("after_hours".into()),
        handoff: true,
        ..Body::default()
    };
    let json = serde_json::to_value(&with).unwrap();
    assert_eq!(
        json["files"],
        serde_json::json!([{"id": FILE, "name": "scan.pdf", "mime": "application/pdf", "size": 1234}])
    );
    assert_eq!(json["auto"], "after_hours");
    assert_eq!(json["handoff"], true);
    assert_eq!(serde_json::from_value::<Body>(json).unwrap(), with);
}

#[test]
fn max_file_defaults_for_older_desks_and_delete_files_are_optional() {
    let old = r#"{"clinic":"C","desk_key":"k","time_zone":"UTC","max_text":4096,"pow":true}"#;
    let c: SiteConfig = serde_json::from_str(old).unwrap();
    assert_eq!(c.max_file, DEFAULT_MAX_FILE);
    assert_eq!(DEFAULT_MAX_FILE, 10_485_760);
    assert_eq!(SiteConfig::default().max_file, DEFAULT_MAX_FILE);
    let c: SiteConfig =
        serde_json::from_str(&old.replace("\"pow\"", "\"max_file\":5,\"pow\"")).unwrap();
    assert_eq!(c.max_file, 5);

    let d: DeskIn = serde_json::from_str(r#"{"t":"delete","conversation":"C","id":"R"}"#).unwrap();
    assert_eq!(
        d,
        DeskIn::Delete {
            conversation: "C".into(),
            id: "R".into(),
            files: vec![]
        }
    );
    // Without files, the frame is what an older relay expects.
    assert_eq!(
        serde_json::to_string(&d).unwrap(),
        r#"{"t":"delete","conversation":"C","id":"R"}"#
    );
    let d: DeskIn =
        serde_json::from_str(r#"{"t":"delete","conversation":"C","id":"R","files":["F"]}"#)
            .unwrap();
    assert!(matches!(d, DeskIn::Delete { files, .. } if files == ["F"]));
}

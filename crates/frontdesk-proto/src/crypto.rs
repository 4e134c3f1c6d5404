//! End-to-end encryption between the widget and the desk (docs/protocol.md, "End-to-end
//! encryption"): P-256 ECDH, HKDF-SHA256 to one AES-256-GCM key per conversation, a fresh nonce
//! per message, and the conversation, message id and side bound in as associated data so the
//! relay cannot move a ciphertext anywhere else.
//!
//! Files (pictures, PDFs) are sealed with the same conversation key, as raw bytes rather than
//! base64 (they travel over HTTP, not in JSON frames), with their own associated data that ends
//! in `|file`, so a file can't pass for a message envelope or the other way round.

use aes_gcm::aead::{Aead, AeadInPlace, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hkdf::Hkdf;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::Error;

pub const HKDF_SALT: &[u8] = b"frontdesk-e2e-v1";
pub const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// What sealing adds to a file: the nonce in front and the tag at the end.
pub const FILE_OVERHEAD: usize = NONCE_LEN + TAG_LEN;

/// Which side wrote a message; part of the associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Visitor,
    Desk,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Visitor => "visitor",
            Side::Desk => "desk",
        }
    }
}

/// A quoted message: its id and the start of its text, so the quote shows even where the
/// original is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub id: String,
    pub text: String,
}

/// A file a message carries. The file itself is sealed apart (`ConversationKey::seal_file`) and
/// uploaded to the relay under `id` before the message that names it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// A ULID made by the sender; the relay's name for the sealed file.
    pub id: String,
    /// The file's display name (at most 200 characters), never a path.
    pub name: String,
    /// The type as the sender claims it (`image/jpeg`, `image/png`, `image/webp`,
    /// `application/pdf`). A claim only: the receiver checks the content itself before showing
    /// or opening anything.
    pub mime: String,
    /// The plaintext size in bytes.
    pub size: u64,
}

/// The largest display name of a file, in characters.
pub const MAX_FILE_NAME_CHARS: usize = 200;

/// The plaintext of one message.
///
/// Fields added after the first release are left out of the JSON when empty, so a message that
/// doesn't use them encrypts to the same bytes as before (the shared vectors pin this).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    pub text: String,
    #[serde(default)]
    pub quote: Option<Quote>,
    /// The questionnaire answers, on a conversation's first message only.
    #[serde(default)]
    pub answers: Option<serde_json::Map<String, serde_json::Value>>,
    /// The page the chat started on (first message only).
    #[serde(default)]
    pub page: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
    /// The staff member's display name on desk replies.
    #[serde(default)]
    pub sender: Option<String>,
    /// Files sent with this message, each uploaded to the relay before the message was sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileRef>,
    /// Set on a desk reply that no person wrote: `after_hours` (the out-of-hours answer) or
    /// `faq` (an answer to a common question). The widget may show such replies differently.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto: Option<String>,
    /// Set on a visitor message that asks for a person rather than an automatic answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub handoff: bool,
}

/// The desk's long-term key pair. The secret is kept in the clinic's encrypted database.
#[derive(Clone)]
pub struct DeskKey {
    secret: SecretKey,
}

impl std::fmt::Debug for DeskKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeskKey")
            .field("public", &self.public_b64())
            .finish_non_exhaustive()
    }
}

impl DeskKey {
    pub fn generate() -> DeskKey {
        DeskKey {
            secret: SecretKey::random(&mut rand::thread_rng()),
        }
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<DeskKey, Error> {
        SecretKey::from_slice(bytes)
            .map(|secret| DeskKey { secret })
            .map_err(|_| Error::BadKey)
    }

    /// The 32-byte scalar, for storing in the encrypted database.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.secret.to_bytes().to_vec())
    }

    /// The public key as WebCrypto's raw export: SEC1 uncompressed, base64url.
    pub fn public_b64(&self) -> String {
        public_b64(&self.secret.public_key())
    }

    /// The AES key of one conversation with the visitor whose public key is `visitor_b64`.
    pub fn conversation_key(
        &self,
        visitor_b64: &str,
        conversation: &str,
    ) -> Result<ConversationKey, Error> {
        conversation_key(&self.secret, &parse_public(visitor_b64)?, conversation)
    }
}

pub fn public_b64(key: &PublicKey) -> String {
    URL_SAFE_NO_PAD.encode(key.to_encoded_point(false).as_bytes())
}

pub fn parse_public(b64: &str) -> Result<PublicKey, Error> {
    let raw = URL_SAFE_NO_PAD.decode(b64).map_err(|_| Error::BadKey)?;
    PublicKey::from_sec1_bytes(&raw).map_err(|_| Error::BadKey)
}

/// Either side's derivation: own secret, the other side's public key.
pub fn conversation_key(
    own: &SecretKey,
    other: &PublicKey,
    conversation: &str,
) -> Result<ConversationKey, Error> {
    let shared = p256::ecdh::diffie_hellman(own.to_nonzero_scalar(), other.as_affine());
    let hk = Hkdf::<Sha256>::new(Some(HKDF_SALT), shared.raw_secret_bytes());
    let mut key = Zeroizing::new([0u8; 32]);
    hk.expand(conversation.as_bytes(), key.as_mut())
        .map_err(|_| Error::BadKey)?;
    Ok(ConversationKey {
        key,
        conversation: conversation.to_owned(),
    })
}

/// The shared secret (the ECDH x coordinate), exposed for the test vectors only.
pub fn shared_secret(own: &SecretKey, other: &PublicKey) -> Vec<u8> {
    p256::ecdh::diffie_hellman(own.to_nonzero_scalar(), other.as_affine())
        .raw_secret_bytes()
        .to_vec()
}

/// One conversation's AES-256-GCM key.
pub struct ConversationKey {
    key: Zeroizing<[u8; 32]>,
    conversation: String,
}

impl std::fmt::Debug for ConversationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConversationKey")
            .field("conversation", &self.conversation)
            .finish_non_exhaustive()
    }
}

impl ConversationKey {
    pub fn bytes(&self) -> &[u8; 32] {
        &self.key
    }

    fn aad(&self, id: &str, from: Side) -> Vec<u8> {
        format!("{}|{}|{}", self.conversation, id, from.as_str()).into_bytes()
    }

    /// Encrypts a body with a fresh random nonce.
    pub fn seal(&self, id: &str, from: Side, body: &Body) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let plaintext = serde_json::to_vec(body).expect("a body always serializes");
        self.seal_raw(id, from, &plaintext, &nonce)
    }

    /// Encrypts given bytes with a given nonce. Only the test vectors choose their nonce.
    pub fn seal_raw(
        &self,
        id: &str,
        from: Side,
        plaintext: &[u8],
        nonce: &[u8; NONCE_LEN],
    ) -> String {
        let cipher = Aes256Gcm::new_from_slice(self.key.as_ref()).expect("32-byte key");
        let aad = self.aad(id, from);
        let ct = cipher
            .encrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .expect("AES-GCM encryption of a bounded message cannot fail");
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(nonce);
        out.extend_from_slice(&ct);
        URL_SAFE_NO_PAD.encode(out)
    }

    pub fn open_raw(
        &self,
        id: &str,
        from: Side,
        envelope: &str,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let raw = URL_SAFE_NO_PAD
            .decode(envelope)
            .map_err(|_| Error::BadEnvelope)?;
        if raw.len() < NONCE_LEN + TAG_LEN {
            return Err(Error::BadEnvelope);
        }
        let cipher = Aes256Gcm::new_from_slice(self.key.as_ref()).expect("32-byte key");
        let aad = self.aad(id, from);
        cipher
            .decrypt(
                Nonce::from_slice(&raw[..NONCE_LEN]),
                Payload {
                    msg: &raw[NONCE_LEN..],
                    aad: &aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| Error::Decrypt)
    }

    pub fn open(&self, id: &str, from: Side, envelope: &str) -> Result<Body, Error> {
        let plain = self.open_raw(id, from, envelope)?;
        serde_json::from_slice(&plain).map_err(|e| Error::BadBody(e.to_string()))
    }

    /// A file's associated data: the message form plus `|file`, so a sealed file can't be
    /// taken for an envelope of a message with the same id, nor the other way round.
    fn file_aad(&self, file_id: &str, from: Side) -> Vec<u8> {
        format!("{}|{}|{}|file", self.conversation, file_id, from.as_str()).into_bytes()
    }

    /// Encrypts a file with a fresh random nonce: `nonce(12) || ciphertext-with-tag`, raw bytes.
    pub fn seal_file(&self, file_id: &str, from: Side, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        self.seal_file_raw(file_id, from, plain, &nonce)
    }

    /// Encrypts a file with a given nonce. Only the test vectors choose their nonce.
    pub fn seal_file_raw(
        &self,
        file_id: &str,
        from: Side,
        plain: &[u8],
        nonce: &[u8; NONCE_LEN],
    ) -> Vec<u8> {
        let cipher = Aes256Gcm::new_from_slice(self.key.as_ref()).expect("32-byte key");
        let aad = self.file_aad(file_id, from);
        // In place, so a 10 MB picture is held once, not three times.
        let mut out = Vec::with_capacity(plain.len() + FILE_OVERHEAD);
        out.extend_from_slice(nonce);
        out.extend_from_slice(plain);
        // AES-GCM fails only past 64 GiB of plaintext, far beyond any file limit here.
        let tag = cipher
            .encrypt_in_place_detached(Nonce::from_slice(nonce), &aad, &mut out[NONCE_LEN..])
            .expect("AES-GCM encryption of a bounded file cannot fail");
        out.extend_from_slice(&tag);
        out
    }

    /// Decrypts a sealed file. A wrong key, conversation, file id or side, and any changed
    /// byte, all give `Error::Decrypt`; input shorter than a nonce and a tag `Error::BadFile`.
    pub fn open_file(
        &self,
        file_id: &str,
        from: Side,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        if sealed.len() < FILE_OVERHEAD {
            return Err(Error::BadFile);
        }
        let cipher = Aes256Gcm::new_from_slice(self.key.as_ref()).expect("32-byte key");
        let aad = self.file_aad(file_id, from);
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let (ct, tag) = rest.split_at(rest.len() - TAG_LEN);
        let mut plain = Zeroizing::new(ct.to_vec());
        cipher
            .decrypt_in_place_detached(
                Nonce::from_slice(nonce),
                &aad,
                &mut plain,
                Tag::from_slice(tag),
            )
            .map_err(|_| Error::Decrypt)?;
        Ok(plain)
    }
}

/// A visitor's side, for tests and the load generator (the real visitor is the widget).
pub struct VisitorKey {
    secret: SecretKey,
}

impl VisitorKey {
    pub fn generate() -> VisitorKey {
        VisitorKey {
            secret: SecretKey::random(&mut rand::thread_rng()),
        }
    }

    pub fn from_secret(secret: SecretKey) -> VisitorKey {
        VisitorKey { secret }
    }

    pub fn public_b64(&self) -> String {
        public_b64(&self.secret.public_key())
    }

    pub fn conversation_key(
        &self,
        desk_b64: &str,
        conversation: &str,
    ) -> Result<ConversationKey, Error> {
        conversation_key(&self.secret, &parse_public(desk_b64)?, conversation)
    }
}

/// The largest envelope a body of `max_text` bytes of text can need: the text, a quote, the
/// questionnaire and the JSON around them, then the nonce, the tag and base64.
pub fn max_envelope_len(max_text: usize) -> usize {
    let plain = max_text * 2 + 4096;
    (plain + NONCE_LEN + TAG_LEN).div_ceil(3) * 4
}

/// The largest sealed file a file of at most `max_plain` bytes gives: the nonce and tag more.
pub fn max_sealed_file_len(max_plain: usize) -> usize {
    max_plain + FILE_OVERHEAD
}

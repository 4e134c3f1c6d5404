//! Identifier and secret formats. Ids are ULIDs made by the sender; secrets are random bytes
//! the relay keeps only hashes of.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A site id: 16 lowercase base32 characters, public (it goes into the embed snippet).
pub fn new_site_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[(*b & 31) as usize] as char)
        .collect()
}

pub fn is_site_id(s: &str) -> bool {
    s.len() == 16
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
}

/// A desk token: `fds_` and 32 random bytes, base64url.
pub fn new_desk_token() -> String {
    format!("fds_{}", random_b64(32))
}

pub fn random_b64(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the relay stores instead of a token or conversation secret.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Ids are ULIDs in their 26-character Crockford form.
pub fn is_ulid(s: &str) -> bool {
    s.len() == 26 && ulid::Ulid::from_string(s).is_ok()
}

pub fn new_ulid() -> String {
    ulid::Ulid::new().to_string()
}

//! The cryptography of pairing and of a paired desk's hello, all from RustCrypto and the
//! `spake2` crate: SPAKE2 (Ed25519 group) turns the short code into a shared key without
//! sending it, HMAC-SHA256 proofs bind that key to the certificate each side sees, and a
//! P-256 ECDSA signature over the host's fresh challenge proves a paired desk.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use sha2::Sha256;
use spake2::{Ed25519Group, Identity, Password, Spake2};

const DESK: &[u8] = b"frontdesk desk";
const HOST: &[u8] = b"frontdesk host";

pub struct Exchange(Spake2<Ed25519Group>);

/// The desk's side: its state and its first message.
pub fn desk_start(secret: &str) -> (Exchange, Vec<u8>) {
    let (s, msg) = Spake2::<Ed25519Group>::start_a(
        &Password::new(secret.as_bytes()),
        &Identity::new(DESK),
        &Identity::new(HOST),
    );
    (Exchange(s), msg)
}

pub fn host_start(secret: &str) -> (Exchange, Vec<u8>) {
    let (s, msg) = Spake2::<Ed25519Group>::start_b(
        &Password::new(secret.as_bytes()),
        &Identity::new(DESK),
        &Identity::new(HOST),
    );
    (Exchange(s), msg)
}

impl Exchange {
    /// The shared key; differs on the two sides unless both used the same code.
    pub fn finish(self, theirs: &[u8]) -> Option<Vec<u8>> {
        self.0.finish(theirs).ok()
    }
}

fn mac(key: &[u8], parts: &[&[u8]]) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        m.update(&(p.len() as u32).to_be_bytes());
        m.update(p);
    }
    m
}

/// The desk's proof: it knows the code, sees this certificate, and will sign with this key.
pub fn desk_mac(key: &[u8], fingerprint: &str, public_key: &[u8]) -> Vec<u8> {
    mac(key, &[b"desk", fingerprint.as_bytes(), public_key])
        .finalize()
        .into_bytes()
        .to_vec()
}

pub fn desk_mac_ok(key: &[u8], fingerprint: &str, public_key: &[u8], got: &[u8]) -> bool {
    mac(key, &[b"desk", fingerprint.as_bytes(), public_key])
        .verify_slice(got)
        .is_ok()
}

/// The host's proof: it knows the code and holds the certificate the desk saw.
pub fn host_mac(key: &[u8], fingerprint: &str, device_id: &str) -> Vec<u8> {
    mac(
        key,
        &[b"host", fingerprint.as_bytes(), device_id.as_bytes()],
    )
    .finalize()
    .into_bytes()
    .to_vec()
}

pub fn host_mac_ok(key: &[u8], fingerprint: &str, device_id: &str, got: &[u8]) -> bool {
    mac(
        key,
        &[b"host", fingerprint.as_bytes(), device_id.as_bytes()],
    )
    .verify_slice(got)
    .is_ok()
}

fn hello_message(nonce: &[u8], fingerprint: &str, device_id: &str) -> Vec<u8> {
    let mut m = b"frontdesk-lan hello v1\0".to_vec();
    for p in [nonce, fingerprint.as_bytes(), device_id.as_bytes()] {
        m.extend_from_slice(&(p.len() as u32).to_be_bytes());
        m.extend_from_slice(p);
    }
    m
}

pub fn new_device_key() -> SigningKey {
    SigningKey::random(&mut rand::rngs::OsRng)
}

pub fn public_key(key: &SigningKey) -> Vec<u8> {
    key.verifying_key()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec()
}

pub fn sign_hello(key: &SigningKey, nonce: &[u8], fingerprint: &str, device_id: &str) -> Vec<u8> {
    let sig: Signature = key.sign(&hello_message(nonce, fingerprint, device_id));
    sig.to_der().as_bytes().to_vec()
}

pub fn hello_ok(
    public_key: &[u8],
    nonce: &[u8],
    fingerprint: &str,
    device_id: &str,
    signature: &[u8],
) -> bool {
    let (Ok(key), Ok(sig)) = (
        VerifyingKey::from_sec1_bytes(public_key),
        Signature::from_der(signature),
    ) else {
        return false;
    };
    key.verify(&hello_message(nonce, fingerprint, device_id), &sig)
        .is_ok()
}

pub fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

pub fn unb64(s: &str) -> Option<Vec<u8>> {
    B64.decode(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_code_gives_both_sides_the_same_key_and_a_wrong_one_does_not() {
        let (d, dm) = desk_start("ABCDEFGH");
        let (h, hm) = host_start("ABCDEFGH");
        let (kd, kh) = (d.finish(&hm).unwrap(), h.finish(&dm).unwrap());
        assert_eq!(kd, kh);
        let mac = desk_mac(&kd, "fp", b"pk");
        assert!(desk_mac_ok(&kh, "fp", b"pk", &mac));
        // A man in the middle shows the desk another certificate: the proof does not hold.
        assert!(!desk_mac_ok(&kh, "other-fp", b"pk", &mac));

        let (d, dm) = desk_start("ABCDEFGH");
        let (h, hm) = host_start("ABCDEFGX");
        let (kd, kh) = (d.finish(&hm).unwrap(), h.finish(&dm).unwrap());
        assert_ne!(kd, kh);
        assert!(!desk_mac_ok(&kh, "fp", b"pk", &desk_mac(&kd, "fp", b"pk")));
    }

    #[test]
    fn a_hello_signature_holds_for_its_own_challenge_only() {
        let key = new_device_key();
        let pk = public_key(&key);
        let sig = sign_hello(&key, b"nonce-1", "fp", "dev");
        assert!(hello_ok(&pk, b"nonce-1", "fp", "dev", &sig));
        assert!(!hello_ok(&pk, b"nonce-2", "fp", "dev", &sig));
        assert!(!hello_ok(&pk, b"nonce-1", "fp", "other", &sig));
        let stranger = public_key(&new_device_key());
        assert!(!hello_ok(&stranger, b"nonce-1", "fp", "dev", &sig));
    }
}

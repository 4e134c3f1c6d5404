//! Proof-of-work, ALTCHA-compatible: the relay hands out signed challenges and checks solutions
//! with altcha-lib-rs, and remembers each used solution until it expires so it works once.

use std::path::Path;

use altcha_lib_rs::{create_challenge, verify_solution, Challenge, ChallengeOptions, Payload};
use base64::Engine;
use frontdesk_proto::ErrorCode;

use crate::error::{Error, Result};

pub const VALID_FOR_SECS: i64 = 600;

pub struct Pow {
    key: String,
    max_number: u64,
}

impl Pow {
    /// Loads the HMAC key from the data directory, making it on first start.
    pub fn load(dir: &Path, max_number: u64) -> Result<Pow> {
        let path = dir.join("pow.key");
        let key = match std::fs::read_to_string(&path) {
            Ok(k) if k.trim().len() >= 32 => k.trim().to_owned(),
            _ => {
                let k = frontdesk_proto::ids::random_b64(32);
                crate::files::write_private(&path, k.as_bytes())?;
                k
            }
        };
        Ok(Pow { key, max_number })
    }

    pub fn challenge(&self) -> Result<Challenge> {
        create_challenge(ChallengeOptions {
            hmac_key: &self.key,
            max_number: Some(self.max_number),
            expires: Some(chrono::Utc::now() + chrono::TimeDelta::seconds(VALID_FOR_SECS)),
            ..Default::default()
        })
        .map_err(|e| Error::Config(format!("could not make a challenge: {e}")))
    }

    /// Checks a base64 ALTCHA payload; returns its signature and expiry (unix seconds) for the
    /// replay check that the store makes atomically with the conversation.
    pub fn verify(&self, payload_b64: Option<&str>) -> Result<(String, i64)> {
        let invalid = |m: &str| Error::refused(ErrorCode::PowInvalid, m.to_owned());
        let b64 = payload_b64.ok_or_else(|| invalid("a proof-of-work is required"))?;
        let json = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|_| invalid("the proof-of-work is not base64"))?;
        let payload: Payload = serde_json::from_slice(&json)
            .map_err(|_| invalid("the proof-of-work is not an ALTCHA payload"))?;
        let expires = payload
            .salt
            .split_once("expires=")
            .and_then(|(_, rest)| rest.split('&').next()?.parse::<i64>().ok())
            .ok_or_else(|| invalid("the proof-of-work has no expiry"))?;
        verify_solution(&payload, &self.key, true)
            .map_err(|_| invalid("the proof-of-work is wrong or expired"))?;
        Ok((payload.signature, expires))
    }
}

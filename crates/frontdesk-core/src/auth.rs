//! Staff credentials: Argon2id password hashes, TOTP, lockout, and the in-memory sessions.

use std::collections::HashMap;
use std::sync::Mutex;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use totp_rs::{Algorithm, TOTP};

use crate::error::{Error, Result};
use crate::permissions::Role;

/// Failures allowed before the account locks.
pub const MAX_FAILURES: i64 = 5;
/// The first lock lasts this long; each further failure doubles it, up to `MAX_LOCK`.
pub const FIRST_LOCK_SECS: i64 = 30;
pub const MAX_LOCK_SECS: i64 = 3600;

/// A secret typed by a person. Never printed by `Debug`.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct Secret(pub String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

pub(crate) fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Storage(format!("password hashing failed: {e}")))
}

pub(crate) fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the same time as a real check, so a wrong login cannot be told from a wrong password.
pub(crate) fn burn_password_check(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let h = DUMMY.get_or_init(|| hash_password("frontdesk-dummy-password").unwrap_or_default());
    let _ = verify_password(h, password);
}

/// Shown once when TOTP is enrolled: the secret for manual entry and the otpauth:// URL that
/// a QR code carries.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TotpEnrollment {
    pub secret_base32: String,
    pub otpauth_url: String,
}

impl std::fmt::Debug for TotpEnrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpEnrollment(..)")
    }
}

fn totp(secret: &[u8], login: &str) -> Result<TOTP> {
    TOTP::new(
        Algorithm::SHA1,
        6,
        0,
        30,
        secret.to_vec(),
        Some("Frontdesk".into()),
        login.to_string(),
    )
    .map_err(|e| Error::Storage(format!("TOTP setup failed: {e}")))
}

pub(crate) fn new_totp(login: &str) -> Result<(Vec<u8>, TotpEnrollment)> {
    let mut secret = vec![0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let t = totp(&secret, login)?;
    let enrollment = TotpEnrollment {
        secret_base32: t.get_secret_base32(),
        otpauth_url: t.get_url(),
    };
    Ok((secret, enrollment))
}

/// The time step the code belongs to (one step of clock drift either way is accepted), if it
/// is valid and newer than the last one used, so that a code cannot be replayed.
pub(crate) fn check_totp(
    secret: &[u8],
    login: &str,
    code: &str,
    now: DateTime<Utc>,
    last_step: Option<i64>,
) -> Result<Option<i64>> {
    let t = totp(secret, login)?;
    let code: String = crate::search::fold_digits(code)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let step_now = now.timestamp().div_euclid(30);
    for step in [step_now - 1, step_now, step_now + 1] {
        if step <= last_step.unwrap_or(i64::MIN) || step < 0 {
            continue;
        }
        if t.check(&code, (step * 30) as u64) {
            return Ok(Some(step));
        }
    }
    Ok(None)
}

/// How long the account stays locked after `failures` consecutive failures.
pub(crate) fn lock_for(failures: i64) -> Option<Duration> {
    if failures < MAX_FAILURES {
        return None;
    }
    let doublings = (failures - MAX_FAILURES).min(20) as u32;
    let secs = FIRST_LOCK_SECS
        .saturating_mul(1i64 << doublings)
        .min(MAX_LOCK_SECS);
    Some(Duration::seconds(secs))
}

/// Who a session belongs to. The token is what the UI holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Session {
    pub token: String,
    pub staff_id: String,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub workstation: String,
    /// Minutes without a request after which the session ends.
    pub idle_timeout_minutes: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct SessionState {
    pub staff_id: String,
    pub workstation: String,
    pub last_seen: DateTime<Utc>,
    /// A locked session keeps its place (the desk keeps unsaved input) but serves nothing
    /// until its own staff member gives the password again.
    pub locked: bool,
}

#[derive(Default)]
pub(crate) struct Sessions(Mutex<HashMap<String, SessionState>>);

impl Sessions {
    pub fn start(&self, staff_id: &str, workstation: &str, now: DateTime<Utc>) -> String {
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let token = hex::encode(raw);
        self.0.lock().unwrap().insert(
            token.clone(),
            SessionState {
                staff_id: staff_id.to_string(),
                workstation: workstation.to_string(),
                last_seen: now,
                locked: false,
            },
        );
        token
    }

    /// The session behind `token` if it is unlocked and has not been idle too long; touching
    /// it. Idling past the timeout locks the session rather than ending it, so that the desk's
    /// unsaved input survives and the same person can carry on after giving the password.
    pub fn touch(&self, token: &str, now: DateTime<Utc>, idle: Duration) -> Result<SessionState> {
        let mut map = self.0.lock().unwrap();
        let Some(s) = map.get_mut(token) else {
            return Err(Error::SessionExpired);
        };
        if s.locked {
            return Err(Error::SessionLocked);
        }
        if now - s.last_seen > idle {
            s.locked = true;
            return Err(Error::SessionLocked);
        }
        s.last_seen = now;
        Ok(s.clone())
    }

    /// The session as it is, locked or not, without touching it.
    pub fn get(&self, token: &str) -> Result<SessionState> {
        self.0
            .lock()
            .unwrap()
            .get(token)
            .cloned()
            .ok_or(Error::SessionExpired)
    }

    pub fn set_locked(&self, token: &str, locked: bool, now: DateTime<Utc>) -> Result<()> {
        let mut map = self.0.lock().unwrap();
        let s = map.get_mut(token).ok_or(Error::SessionExpired)?;
        s.locked = locked;
        s.last_seen = now;
        Ok(())
    }

    pub fn end(&self, token: &str) {
        self.0.lock().unwrap().remove(token);
    }

    /// Staff with a live, unlocked session: who can answer a chat now.
    pub fn online_staff(&self, now: DateTime<Utc>, idle: Duration) -> Vec<String> {
        let map = self.0.lock().unwrap();
        let mut ids: Vec<String> = map
            .values()
            .filter(|s| !s.locked && now - s.last_seen <= idle)
            .map(|s| s.staff_id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// Ends every session of one staff member (deactivated, password reset).
    pub fn end_for(&self, staff_id: &str) {
        self.0.lock().unwrap().retain(|_, s| s.staff_id != staff_id);
    }
}

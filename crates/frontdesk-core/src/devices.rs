//! Desks that connect to this host over the LAN: the host's TLS identity, pairing codes, and
//! the paired devices with their public keys. The network side (TLS, SPAKE2, signatures) lives
//! in `frontdesk-host`'s `lan` module; this module only keeps the records and decides what a
//! code or a device is still good for, auditing every refusal.
//!
//! A device credential opens a connection, never data: every request on it still needs a
//! staff login and passes the one door.

use chrono::Duration;
use rand::Rng;
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor, Outcome};
use crate::clinic::Clinic;
use crate::clock;
use crate::door::Ctx;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::validate;

/// How long a pairing code stays good.
pub const CODE_MINUTES: i64 = 10;
/// Wrong guesses after which a code is burnt, however much time it has left.
pub const CODE_MAX_FAILURES: i64 = 5;
/// Crockford's base 32: no I, L, O or U, so a code read aloud or typed is not misread.
const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The host's TLS certificate and key (DER) and the certificate's SHA-256 fingerprint.
#[derive(Clone)]
pub struct LanIdentity {
    pub cert_der: Vec<u8>,
    pub key_der: Vec<u8>,
    pub fingerprint: String,
}

impl std::fmt::Debug for LanIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LanIdentity")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// A code to show to the person setting up a new desk (as text and as a QR code).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PairingCode {
    /// Nine characters shown as `XXX-XXX-XXX`.
    pub code: String,
    pub expires_at: String,
    /// The host certificate's SHA-256: the new desk pins it.
    pub fingerprint: String,
}

/// A code as the host's pairing step needs it: which record, and its secret part.
#[derive(Debug, Clone)]
pub struct OpenCode {
    pub id: String,
    pub secret: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Device {
    pub id: String,
    pub name: String,
    pub paired_at: String,
    pub paired_by_name: Option<String>,
    pub last_seen_at: Option<String>,
    pub last_seen_from: Option<String>,
    pub revoked_at: Option<String>,
    pub revoked_by_name: Option<String>,
}

/// Upper case, no separators, and the letters Crockford reads as digits.
pub fn normalize_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

fn random_chars(rng: &mut impl Rng, n: usize) -> String {
    (0..n)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

const DEVICE_COLUMNS: &str = "d.id, d.name, d.paired_at, p.display_name, d.last_seen_at,
    d.last_seen_from, d.revoked_at, r.display_name
    FROM devices d LEFT JOIN staff p ON p.id = d.paired_by LEFT JOIN staff r ON r.id = d.revoked_by";

fn device_row(r: &rusqlite::Row) -> rusqlite::Result<Device> {
    Ok(Device {
        id: r.get(0)?,
        name: r.get(1)?,
        paired_at: r.get(2)?,
        paired_by_name: r.get(3)?,
        last_seen_at: r.get(4)?,
        last_seen_from: r.get(5)?,
        revoked_at: r.get(6)?,
        revoked_by_name: r.get(7)?,
    })
}

pub(crate) fn list(tx: &Transaction) -> Result<Vec<Device>> {
    let mut st = tx.prepare(&format!(
        "SELECT {DEVICE_COLUMNS} ORDER BY d.revoked_at IS NOT NULL, d.name, d.seq"
    ))?;
    let rows = st.query_map([], device_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn get(conn: &rusqlite::Connection, id: &str) -> Result<Device> {
    conn.query_row(
        &format!("SELECT {DEVICE_COLUMNS} WHERE d.id = ?1"),
        [id],
        device_row,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound {
        kind: "device",
        id: id.to_owned(),
    })
}

fn fingerprint(conn: &rusqlite::Connection) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT fingerprint FROM lan_identity", [], |r| r.get(0))
        .optional()?)
}

/// A new code, in a slot no live code holds.
pub(crate) fn start_pairing(tx: &Transaction, ctx: &Ctx) -> Result<(PairingCode, String)> {
    let fingerprint = fingerprint(tx)?.ok_or(Error::LanOff)?;
    let now = ctx.stamp();
    let mut st = tx.prepare(
        "SELECT slot FROM pairing_codes WHERE used_at IS NULL AND expires_at > ?1
           AND failures < ?2",
    )?;
    let taken: Vec<String> = st
        .query_map(params![now, CODE_MAX_FAILURES], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut rng = rand::thread_rng();
    let free: Vec<char> = ALPHABET
        .iter()
        .map(|b| *b as char)
        .filter(|c| !taken.iter().any(|t| t.starts_with(*c)))
        .collect();
    if free.is_empty() {
        return Err(Error::invalid(
            "code",
            "validation.too_many",
            "32 pairing codes are open already; use one or wait 10 minutes",
        ));
    }
    let slot = free[rng.gen_range(0..free.len())].to_string();
    let secret = random_chars(&mut rng, 8);
    let id = ulid::Ulid::new().to_string();
    let expires = clock::stamp(ctx.now + Duration::minutes(CODE_MINUTES));
    let by = match &ctx.actor {
        Actor::Staff(s) => Some(s.clone()),
        _ => None,
    };
    tx.execute(
        "INSERT INTO pairing_codes (id, slot, secret, created_at, created_by, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, slot, secret, now, by, expires],
    )?;
    let code = format!("{slot}{}-{}-{}", &secret[..2], &secret[2..5], &secret[5..]);
    Ok((
        PairingCode {
            code,
            expires_at: expires,
            fingerprint,
        },
        id,
    ))
}

pub(crate) fn revoke(tx: &Transaction, ctx: &Ctx, id: &str) -> Result<Device> {
    let by = match &ctx.actor {
        Actor::Staff(s) => Some(s.clone()),
        _ => None,
    };
    let device = get(tx, id)?;
    if device.revoked_at.is_none() {
        tx.execute(
            "UPDATE devices SET revoked_at = ?2, revoked_by = ?3 WHERE id = ?1",
            params![id, ctx.stamp(), by],
        )?;
        ctx.emit(Event::DeviceChanged {
            id: id.to_owned(),
            revoked: true,
        });
    }
    get(tx, id)
}

/// Where a LAN refusal or a pairing came from, for the audit record's workstation.
fn lan_workstation(from: &str) -> String {
    format!("lan {from}").chars().take(100).collect()
}

impl Clinic {
    /// The host's TLS identity, if the LAN service has made one.
    pub fn lan_identity(&self) -> Result<Option<LanIdentity>> {
        Ok(self
            .db()
            .query_row(
                "SELECT cert_der, key_der, fingerprint FROM lan_identity",
                [],
                |r| {
                    Ok(LanIdentity {
                        cert_der: r.get(0)?,
                        key_der: r.get(1)?,
                        fingerprint: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Keeps the identity the host made, unless one exists already; returns the one in force.
    pub fn keep_lan_identity(&self, id: &LanIdentity) -> Result<LanIdentity> {
        self.db().execute(
            "INSERT INTO lan_identity (one, cert_der, key_der, fingerprint, created_at)
             VALUES (1, ?1, ?2, ?3, ?4) ON CONFLICT (one) DO NOTHING",
            params![
                id.cert_der,
                id.key_der,
                id.fingerprint,
                clock::stamp(self.now())
            ],
        )?;
        self.lan_identity()?
            .ok_or_else(|| Error::Storage("the LAN identity was not kept".into()))
    }

    /// The open code whose first character is `slot` (the desk proves the rest with SPAKE2,
    /// never sending it). A wrong, used, burnt or expired code is refused and audited.
    pub fn pairing_code(&self, slot: &str, from: &str) -> Result<OpenCode> {
        let slot = normalize_code(slot);
        let now = self.now();
        let found: Option<(String, String, String, Option<String>, i64)> = if slot.len() == 1 {
            self.db()
                .query_row(
                    // rowid breaks a tie: two codes made within one clock tick (a used one
                    // and a new one in its freed slot) must still resolve to the newer.
                    "SELECT id, secret, expires_at, used_at, failures FROM pairing_codes
                     WHERE slot = ?1 ORDER BY created_at DESC, rowid DESC LIMIT 1",
                    [&slot],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?
        } else {
            None
        };
        let result = match found {
            None => Err(Error::PairingWrongCode),
            Some((_, _, _, Some(_), _)) => Err(Error::PairingWrongCode),
            Some((_, _, _, _, f)) if f >= CODE_MAX_FAILURES => Err(Error::PairingWrongCode),
            Some((_, _, exp, _, _)) if clock::parse(&exp).is_none_or(|e| e <= now) => {
                Err(Error::PairingExpired)
            }
            Some((id, secret, ..)) => Ok(OpenCode { id, secret }),
        };
        if let Err(e) = &result {
            self.lan_refused(None, from, "device.pair", e.code())?;
        }
        result
    }

    /// The desk's proof did not match the code: one more failure, audited; the fifth burns it.
    pub fn pairing_failed(&self, code_id: &str, from: &str) -> Result<()> {
        self.db().execute(
            "UPDATE pairing_codes SET failures = failures + 1 WHERE id = ?1",
            [code_id],
        )?;
        self.lan_refused(None, from, "device.pair", Error::PairingWrongCode.code())
    }

    /// Uses the code (once: a second desk with the same code is refused) and records the
    /// device with its public key.
    pub fn pair_device(
        &self,
        code_id: &str,
        name: &str,
        public_key: &[u8],
        from: &str,
    ) -> Result<Device> {
        let name = validate::required("name", name, 100)?;
        let device_id = ulid::Ulid::new().to_string();
        let now = self.now();
        let stamp = clock::stamp(now);
        let mut conn = self.db();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let by: Option<Option<String>> = tx
            .query_row(
                "UPDATE pairing_codes SET used_at = ?2, device_id = ?3
                 WHERE id = ?1 AND used_at IS NULL AND expires_at > ?2 AND failures < ?4
                 RETURNING created_by",
                params![code_id, stamp, device_id, CODE_MAX_FAILURES],
                |r| r.get(0),
            )
            .optional()?;
        let Some(by) = by else {
            drop(tx);
            drop(conn);
            self.lan_refused(None, from, "device.pair", Error::PairingWrongCode.code())?;
            return Err(Error::PairingWrongCode);
        };
        tx.execute(
            "INSERT INTO devices (id, name, public_key, paired_at, paired_by, last_seen_at,
                                  last_seen_from)
             VALUES (?1, ?2, ?3, ?4, ?5, ?4, ?6)",
            params![device_id, name, public_key, stamp, by, from],
        )?;
        audit::append(
            &tx,
            now,
            &audit::Entry {
                actor: &by.clone().map(Actor::Staff).unwrap_or(Actor::Operator),
                workstation: &lan_workstation(from),
                action: "device.pair",
                target_kind: Some("device"),
                target_id: Some(device_id.clone()),
                outcome: Outcome::Ok,
                detail: None,
            },
        )?;
        let device = get(&tx, &device_id)?;
        tx.commit()?;
        drop(conn);
        self.listeners.send(Event::DeviceChanged {
            id: device_id,
            revoked: false,
        });
        Ok(device)
    }

    /// A paired desk connects: its public key, if it is still allowed. A revoked or unknown
    /// device is refused and audited. The last-seen time and address are updated.
    pub fn device_hello(&self, id: &str, from: &str) -> Result<(Device, Vec<u8>)> {
        let key: Option<(Vec<u8>, Option<String>)> = self
            .db()
            .query_row(
                "SELECT public_key, revoked_at FROM devices WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match key {
            None => {
                self.lan_refused(None, from, "device.connect", Error::DeviceUnknown.code())?;
                Err(Error::DeviceUnknown)
            }
            Some((_, Some(_))) => {
                let d = get(&self.db(), id)?;
                self.lan_refused(
                    Some(&d),
                    from,
                    "device.connect",
                    Error::DeviceRevoked.code(),
                )?;
                Err(Error::DeviceRevoked)
            }
            Some((key, None)) => {
                self.device_seen(id, from)?;
                Ok((get(&self.db(), id)?, key))
            }
        }
    }

    /// Notes that the device is connected now (the device list's "last seen").
    pub fn device_seen(&self, id: &str, from: &str) -> Result<()> {
        self.db().execute(
            "UPDATE devices SET last_seen_at = ?2, last_seen_from = ?3 WHERE id = ?1",
            params![id, clock::stamp(self.now()), from],
        )?;
        Ok(())
    }

    /// Is the device still allowed? (Checked again on every request, so a revocation cuts
    /// a connection that is already open.)
    pub fn device_active(&self, id: &str) -> Result<bool> {
        Ok(self
            .db()
            .query_row(
                "SELECT revoked_at IS NULL FROM devices WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// Audits something the LAN service refused before anyone logged in (a wrong code, a
    /// revoked device, a replay, a flood, a certificate mismatch a desk reported).
    pub fn lan_refused(
        &self,
        device: Option<&Device>,
        from: &str,
        action: &str,
        code: &str,
    ) -> Result<()> {
        let workstation = match device {
            Some(d) => d.name.clone(),
            None => lan_workstation(from),
        };
        self.audit_now(&audit::Entry {
            actor: &Actor::Anonymous,
            workstation: &workstation,
            action,
            target_kind: device.map(|_| "device"),
            target_id: device.map(|d| d.id.clone()),
            outcome: Outcome::Denied,
            detail: Some(code.to_owned()),
        })
    }
}

//! The database key and where it is kept.
//!
//! The SQLCipher key is 32 random bytes used as a raw key, so opening needs no KDF. It lives
//! in the OS keyring (`KeyStore`) and, wrapped by the recovery passphrase, in the key file
//! beside the database (`KeyFile`), so losing the keyring never loses the clinic's data.
//! The wrap is AES-256-GCM under a key derived with Argon2id; the clinic id is the AAD, so a
//! key file cannot be swapped between clinics unnoticed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::fsutil;

pub const MIN_PASSPHRASE_CHARS: usize = 12;
const KEY_FILE_FORMAT: &str = "frontdesk-key/1";

/// A 256-bit SQLCipher key. Zeroed on drop, never printed.
#[derive(Clone)]
pub struct DbKey(Zeroizing<[u8; 32]>);

impl DbKey {
    pub fn random() -> Self {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(k.as_mut());
        DbKey(k)
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        DbKey(Zeroizing::new(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The statement that hands this raw key to SQLCipher (no KDF on open).
    pub(crate) fn pragma(&self, verb: &str) -> Zeroizing<String> {
        Zeroizing::new(format!("PRAGMA {verb} = \"x'{}'\";", hex::encode(*self.0)))
    }
}

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(..)")
    }
}

/// Where the raw key is kept on this PC, by clinic id.
pub trait KeyStore: Send + Sync {
    fn load(&self, clinic_id: &str) -> Result<Option<DbKey>>;
    fn store(&self, clinic_id: &str, key: &DbKey) -> Result<()>;
    fn remove(&self, clinic_id: &str) -> Result<()>;
}

/// For tests and for a kiosk that must forget the key when it exits.
#[derive(Default)]
pub struct MemoryKeyStore(Mutex<HashMap<String, DbKey>>);

impl MemoryKeyStore {
    pub fn new() -> Self {
        Self::default()
    }
}

impl KeyStore for MemoryKeyStore {
    fn load(&self, clinic_id: &str) -> Result<Option<DbKey>> {
        Ok(self.0.lock().unwrap().get(clinic_id).cloned())
    }
    fn store(&self, clinic_id: &str, key: &DbKey) -> Result<()> {
        self.0
            .lock()
            .unwrap()
            .insert(clinic_id.to_string(), key.clone());
        Ok(())
    }
    fn remove(&self, clinic_id: &str) -> Result<()> {
        self.0.lock().unwrap().remove(clinic_id);
        Ok(())
    }
}

/// The operating system's keyring (Secret Service on Linux, Keychain, Credential Manager).
pub struct OsKeyring {
    service: String,
}

impl OsKeyring {
    pub fn new() -> Self {
        OsKeyring {
            service: "frontdesk".into(),
        }
    }

    fn entry(&self, clinic_id: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, clinic_id)
            .map_err(|e| Error::KeyringUnavailable(e.to_string()))
    }
}

impl Default for OsKeyring {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyStore for OsKeyring {
    fn load(&self, clinic_id: &str) -> Result<Option<DbKey>> {
        match self.entry(clinic_id)?.get_password() {
            Ok(hex_key) => {
                let hex_key = Zeroizing::new(hex_key);
                let mut bytes = [0u8; 32];
                hex::decode_to_slice(hex_key.as_bytes(), &mut bytes)
                    .map_err(|_| Error::WrongKey)?;
                Ok(Some(DbKey::from_bytes(bytes)))
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(Error::KeyringUnavailable(e.to_string())),
        }
    }
    fn store(&self, clinic_id: &str, key: &DbKey) -> Result<()> {
        let hex_key = Zeroizing::new(hex::encode(key.as_bytes()));
        self.entry(clinic_id)?
            .set_password(&hex_key)
            .map_err(|e| Error::KeyringUnavailable(e.to_string()))
    }
    fn remove(&self, clinic_id: &str) -> Result<()> {
        match self.entry(clinic_id)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(Error::KeyringUnavailable(e.to_string())),
        }
    }
}

pub fn check_passphrase_strength(passphrase: &str) -> Result<()> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::invalid(
            "passphrase",
            "validation.passphrase_too_short",
            format!("the recovery passphrase needs at least {MIN_PASSPHRASE_CHARS} characters"),
        ));
    }
    Ok(())
}

/// A new recovery passphrase: eight groups of four characters from an alphabet without
/// look-alikes (no 0/O, 1/I/L), about 158 bits, easy to copy onto paper and type back.
pub fn generate_recovery_passphrase() -> String {
    use rand::seq::SliceRandom;
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut rng = rand::rngs::OsRng;
    (0..8)
        .map(|_| {
            (0..4)
                .map(|_| *ALPHABET.choose(&mut rng).unwrap() as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Kdf {
    alg: String,
    m_kib: u32,
    t: u32,
    p: u32,
    salt: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Wrapped {
    nonce: String,
    ciphertext: String,
}

/// The key file beside the database: the raw key wrapped by the recovery passphrase.
///
/// It may hold two wrapped keys for a moment during key rotation (old and new), so a crash
/// between `PRAGMA rekey` and rewriting the file still opens with the passphrase.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyFile {
    format: String,
    pub clinic_id: String,
    kdf: Kdf,
    keys: Vec<Wrapped>,
}

impl KeyFile {
    pub fn path_for(db: &Path) -> PathBuf {
        let mut s = db.as_os_str().to_owned();
        s.push(".key");
        PathBuf::from(s)
    }

    pub fn new(clinic_id: &str, passphrase: &str, keys: &[&DbKey]) -> Result<Self> {
        check_passphrase_strength(passphrase)?;
        let mut salt = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        let kdf = Kdf {
            alg: "argon2id".into(),
            m_kib: 64 * 1024,
            t: 3,
            p: 1,
            salt: hex::encode(salt),
        };
        let kek = derive_kek(&kdf, passphrase)?;
        let cipher = Aes256Gcm::new_from_slice(kek.as_ref()).expect("32-byte key");
        let keys = keys
            .iter()
            .map(|k| {
                let mut nonce = [0u8; 12];
                rand::rngs::OsRng.fill_bytes(&mut nonce);
                let ct = cipher
                    .encrypt(
                        Nonce::from_slice(&nonce),
                        Payload {
                            msg: k.as_bytes(),
                            aad: clinic_id.as_bytes(),
                        },
                    )
                    .expect("AES-GCM encryption cannot fail for small inputs");
                Wrapped {
                    nonce: hex::encode(nonce),
                    ciphertext: hex::encode(ct),
                }
            })
            .collect();
        Ok(KeyFile {
            format: KEY_FILE_FORMAT.into(),
            clinic_id: clinic_id.to_string(),
            kdf,
            keys,
        })
    }

    /// Every key this file holds, newest first. A wrong passphrase fails the GCM tag.
    pub fn unwrap_keys(&self, passphrase: &str) -> Result<Vec<DbKey>> {
        let kek = derive_kek(&self.kdf, passphrase)?;
        let cipher = Aes256Gcm::new_from_slice(kek.as_ref()).expect("32-byte key");
        let mut out = Vec::new();
        for w in self.keys.iter().rev() {
            let nonce = hex::decode(&w.nonce).map_err(|_| self.damaged())?;
            let ct = hex::decode(&w.ciphertext).map_err(|_| self.damaged())?;
            if nonce.len() != 12 {
                return Err(self.damaged());
            }
            let pt = Zeroizing::new(
                cipher
                    .decrypt(
                        Nonce::from_slice(&nonce),
                        Payload {
                            msg: &ct,
                            aad: self.clinic_id.as_bytes(),
                        },
                    )
                    .map_err(|_| Error::WrongPassphrase)?,
            );
            let bytes: [u8; 32] = pt.as_slice().try_into().map_err(|_| self.damaged())?;
            out.push(DbKey::from_bytes(bytes));
        }
        if out.is_empty() {
            return Err(self.damaged());
        }
        Ok(out)
    }

    fn damaged(&self) -> Error {
        Error::NotFrontdesk("the key file".into())
    }

    pub fn read(db: &Path) -> Result<Self> {
        let path = Self::path_for(db);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(if db.exists() {
                    Error::NotFrontdesk(format!(
                        "{} (its key file {} is missing)",
                        db.display(),
                        path.display()
                    ))
                } else {
                    Error::NoDatabase(db.display().to_string())
                });
            }
            Err(e) => return Err(e.into()),
        };
        Self::parse(&text).ok_or_else(|| Error::NotFrontdesk(path.display().to_string()))
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        let kf: KeyFile = serde_json::from_str(text).ok()?;
        (kf.format == KEY_FILE_FORMAT && kf.kdf.alg == "argon2id").then_some(kf)
    }

    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string(self).expect("key file serializes")
    }

    /// Replaces the key file atomically: a crash leaves either the old or the new file.
    pub fn write(&self, db: &Path) -> Result<()> {
        fsutil::write_atomic(&Self::path_for(db), self.to_json().as_bytes())
    }
}

fn derive_kek(kdf: &Kdf, passphrase: &str) -> Result<Zeroizing<[u8; 32]>> {
    let salt = hex::decode(&kdf.salt).map_err(|_| Error::NotFrontdesk("the key file".into()))?;
    let params = argon2::Params::new(kdf.m_kib, kdf.t, kdf.p, Some(32))
        .map_err(|_| Error::NotFrontdesk("the key file".into()))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.as_bytes(), &salt, out.as_mut())
        .map_err(|_| Error::NotFrontdesk("the key file".into()))?;
    Ok(out)
}

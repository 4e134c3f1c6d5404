//! Key rotation and the recovery passphrase change.
//!
//! Rotation order, so that a crash at any point still opens with the passphrase:
//! 1. the key file gets the new key beside the old one;
//! 2. `PRAGMA rekey` re-encrypts every page;
//! 3. the key file keeps only the new key, and the keyring gets it.
//!
//! `Clinic::open_with_passphrase` tries every key in the file, so between 1 and 3 either works.

use crate::clinic::Clinic;
use crate::error::Result;
use crate::keys::{self, DbKey, KeyFile};

impl Clinic {
    pub(crate) fn rotate_key(&self, passphrase: &str) -> Result<()> {
        let kf = KeyFile::read(&self.path)?;
        kf.unwrap_keys(passphrase)?;
        let mut key = self.key.lock().unwrap_or_else(|p| p.into_inner());
        let new = DbKey::random();
        KeyFile::new(&self.clinic_id, passphrase, &[&key, &new])?.write(&self.path)?;
        {
            let conn = self.db();
            // A checkpoint first, so every page is in the main file when it is re-encrypted.
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            conn.execute_batch(&new.pragma("rekey"))?;
        }
        KeyFile::new(&self.clinic_id, passphrase, &[&new])?.write(&self.path)?;
        if let Some(k) = &self.keyring {
            let _ = k.store(&self.clinic_id, &new);
        }
        *key = new;
        Ok(())
    }

    pub(crate) fn change_passphrase(&self, current: &str, new: &str) -> Result<()> {
        keys::check_passphrase_strength(new)?;
        let kf = KeyFile::read(&self.path)?;
        kf.unwrap_keys(current)?;
        let key = self.key.lock().unwrap_or_else(|p| p.into_inner());
        KeyFile::new(&self.clinic_id, new, &[&key])?.write(&self.path)
    }
}

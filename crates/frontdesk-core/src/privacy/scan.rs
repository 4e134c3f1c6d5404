//! Looking for texts in the decrypted pages of the clinic's files: the database, its
//! write-ahead log, and backups. A query shows what the tables hold; this shows what the disk
//! holds, free pages and old log frames included, which is what an erasure must have cleared.
//! The admin runs it after erasing a client to prove to them that nothing of theirs is left.
//!
//! SQLCipher 4 with a raw key: every page is AES-256-CBC under the key itself (no KDF), over
//! all but the page's reserve, whose first 16 bytes are the page's IV; page 1 starts with the
//! 16-byte salt in clear. The HMAC in the reserve is not checked: a page that does not decrypt
//! to a SQLite header is reported as a wrong key, never as "nothing found".

use std::path::Path;

use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, KeyIvInit};
use serde::{Deserialize, Serialize};

use crate::auth::Secret;
use crate::clinic::Clinic;
use crate::error::{Error, Result};

const PAGE: usize = 4096;
const RESERVE: usize = 80;
const SALT: usize = 16;
const WAL_HEADER: usize = 32;
const FRAME_HEADER: usize = 24;
/// A backup's two header lines come before its SQLCipher file (backup.rs).
const BACKUP_HEADER_LINES: usize = 2;

/// One text found in one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScanFinding {
    /// Which of the texts asked for (from 0): the answer never repeats them.
    pub text: u32,
    /// "database", "log", or the backup's path.
    pub place: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScanReport {
    /// Every place read, with how many pages were decrypted there.
    pub searched: Vec<ScannedPlace>,
    pub found: Vec<ScanFinding>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScannedPlace {
    pub place: String,
    pub pages: u64,
}

impl Clinic {
    /// Reads the database file, its log and each backup with the clinic's key, and says which
    /// texts appear where. Matching ignores ASCII case; each text is also looked for in the
    /// folded form the search index keeps ("Nguyễn" as "nguyen").
    pub(crate) fn scan(&self, texts: &[Secret], backups: &[String]) -> Result<ScanReport> {
        if texts.iter().all(|t| t.expose().trim().is_empty()) {
            return Err(Error::invalid(
                "texts",
                "validation.required",
                "give at least one text to look for",
            ));
        }
        let key: [u8; 32] = *self
            .key
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_bytes();
        let needles: Vec<Vec<Vec<u8>>> = texts.iter().map(|t| forms(t.expose())).collect();
        let mut report = ScanReport {
            searched: vec![],
            found: vec![],
        };
        let mut look = |place: String, plain: Vec<u8>, pages: u64| {
            let hay = plain.to_ascii_lowercase();
            for (i, forms) in needles.iter().enumerate() {
                if forms.iter().any(|n| contains(&hay, n)) {
                    report.found.push(ScanFinding {
                        text: i as u32,
                        place: place.clone(),
                    });
                }
            }
            report.searched.push(ScannedPlace { place, pages });
        };

        let db = read(&self.path)?;
        let (plain, pages) = decrypt_db(&key, &db).ok_or_else(|| wrong_key("the database"))?;
        look("database".into(), plain, pages);
        let wal_path = wal_of(&self.path);
        if wal_path.exists() {
            let (plain, pages) = decrypt_wal(&key, &read(&wal_path)?)?;
            look("log".into(), plain, pages);
        }
        for b in backups {
            let bytes = read(Path::new(b))?;
            let start = after_lines(&bytes, BACKUP_HEADER_LINES)
                .filter(|_| bytes.starts_with(b"FRONTDESK-BACKUP/"))
                .ok_or_else(|| Error::NotFrontdesk(format!("{b} (not a Frontdesk backup)")))?;
            let (plain, pages) = decrypt_db(&key, &bytes[start..]).ok_or_else(|| {
                wrong_key(&format!("{b} (a backup made before the last key rotation)"))
            })?;
            look(b.clone(), plain, pages);
        }
        Ok(report)
    }
}

fn wrong_key(what: &str) -> Error {
    Error::NotFrontdesk(format!("the clinic's key does not open {what}"))
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::Storage(format!("{}: {e}", path.display())))
}

fn wal_of(db: &Path) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    name.into()
}

/// The text as typed, and as the search index folds it, both lower-cased.
fn forms(text: &str) -> Vec<Vec<u8>> {
    let t = text.trim();
    if t.is_empty() {
        return vec![];
    }
    let mut out = vec![t.as_bytes().to_ascii_lowercase()];
    let folded = crate::search::fold(t).into_bytes();
    if !folded.is_empty() && !out.contains(&folded) {
        out.push(folded);
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

fn after_lines(bytes: &[u8], n: usize) -> Option<usize> {
    let mut seen = 0;
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' {
            seen += 1;
            if seen == n {
                return Some(i + 1);
            }
        }
    }
    None
}

fn decrypt_page(key: &[u8; 32], page_no: u64, page: &[u8]) -> Vec<u8> {
    let start = if page_no == 1 { SALT } else { 0 };
    let iv = &page[PAGE - RESERVE..PAGE - RESERVE + 16];
    let mut buf = page[start..PAGE - RESERVE].to_vec();
    cbc::Decryptor::<aes::Aes256>::new(key.into(), iv.into())
        .decrypt_padded_mut::<NoPadding>(&mut buf)
        .expect("a page is whole AES blocks");
    buf
}

/// Page 1 decrypted: the SQLite header from byte 16 on (page size 4096, reserve 80, and the
/// fixed payload fractions 64/32/32). Anything else means the key is not this file's.
fn is_header(plain_page_1: &[u8]) -> bool {
    plain_page_1.len() >= 8
        && plain_page_1[0..2] == [0x10, 0x00]
        && plain_page_1[4..8] == [RESERVE as u8, 64, 32, 32]
}

fn decrypt_db(key: &[u8; 32], bytes: &[u8]) -> Option<(Vec<u8>, u64)> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut pages = 0;
    for (i, page) in bytes.chunks_exact(PAGE).enumerate() {
        let plain = decrypt_page(key, i as u64 + 1, page);
        if i == 0 && !is_header(&plain) {
            return None;
        }
        out.extend(plain);
        pages += 1;
    }
    (pages > 0).then_some((out, pages))
}

/// Every frame of the log, committed or not, current or overwritten: all of it is on disk.
fn decrypt_wal(key: &[u8; 32], bytes: &[u8]) -> Result<(Vec<u8>, u64)> {
    let mut out = vec![];
    let mut pages = 0;
    let mut at = WAL_HEADER;
    while at + FRAME_HEADER + PAGE <= bytes.len() {
        let page_no = u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as u64;
        let plain = decrypt_page(
            key,
            page_no,
            &bytes[at + FRAME_HEADER..at + FRAME_HEADER + PAGE],
        );
        if page_no == 1 && !is_header(&plain) {
            return Err(wrong_key("the database's log"));
        }
        out.extend(plain);
        pages += 1;
        at += FRAME_HEADER + PAGE;
    }
    Ok((out, pages))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_found_as_typed_and_as_the_index_folds_it() {
        let hay = b"...client nguyen van an, phone 012...".to_ascii_lowercase();
        let f = forms("Nguyễn Văn An");
        assert!(f.iter().any(|n| contains(&hay, n)));
        assert!(forms("  ").is_empty());
        assert!(!contains(&hay, b""));
    }

    #[test]
    fn a_backup_starts_after_its_two_header_lines() {
        assert_eq!(after_lines(b"A\nB\nrest", 2), Some(4));
        assert_eq!(after_lines(b"A only", 2), None);
    }
}

//! Looking for texts in the decrypted pages of the clinic's files: the database, its
//! write-ahead log, and backups. A query shows what the tables hold; this shows what the disk
//! holds, free pages and old log frames included, which is what an erasure must have cleared.
//! The admin runs it after erasing a client to prove to them that nothing of theirs is left.
//!
//! SQLCipher 4 with a raw key: every page is AES-256-CBC under the key itself (no KDF), over
//! all but the page's reserve, whose first 16 bytes are the page's IV; page 1 starts with the
//! 16-byte salt in clear. The HMAC in the reserve is not checked: a page that does not decrypt
//! to a SQLite header is reported as a wrong key, never as "nothing found".

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, KeyIvInit};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

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
        let key = Zeroizing::new(
            *self
                .key
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_bytes(),
        );
        let needles: Vec<Vec<Vec<u8>>> = texts.iter().map(|t| forms(t.expose())).collect();
        let mut report = ScanReport {
            searched: vec![],
            found: vec![],
        };
        let mut record = |place: String, f: Finder| {
            for (i, hit) in f.hits.iter().enumerate() {
                if *hit {
                    report.found.push(ScanFinding {
                        text: i as u32,
                        place: place.clone(),
                    });
                }
            }
            report.searched.push(ScannedPlace {
                place,
                pages: f.pages,
            });
        };

        let mut f = Finder::new(&needles);
        scan_db(&key, open(&self.path)?, &mut f)?.ok_or_else(|| wrong_key("the database"))?;
        record("database".into(), f);
        let wal_path = wal_of(&self.path);
        if wal_path.exists() {
            let mut f = Finder::new(&needles);
            scan_wal(&key, open(&wal_path)?, &mut f)?;
            record("log".into(), f);
        }
        for b in backups {
            let mut r = open(Path::new(b))?;
            let not_backup = || Error::NotFrontdesk(format!("{b} (not a Frontdesk backup)"));
            for n in 0..BACKUP_HEADER_LINES {
                let mut line = vec![];
                r.read_until(b'\n', &mut line).map_err(io)?;
                if !line.ends_with(b"\n") || (n == 0 && !line.starts_with(b"FRONTDESK-BACKUP/")) {
                    return Err(not_backup());
                }
            }
            let mut f = Finder::new(&needles);
            scan_db(&key, r, &mut f)?.ok_or_else(|| {
                wrong_key(&format!("{b} (a backup made before the last key rotation)"))
            })?;
            record(b.clone(), f);
        }
        Ok(report)
    }
}

fn wrong_key(what: &str) -> Error {
    Error::NotFrontdesk(format!("the clinic's key does not open {what}"))
}

fn io(e: std::io::Error) -> Error {
    Error::Storage(e.to_string())
}

fn open(path: &Path) -> Result<BufReader<File>> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|e| Error::Storage(format!("{}: {e}", path.display())))
}

fn wal_of(db: &Path) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    name.into()
}

/// Looks for every text page by page, in constant memory whatever the file's size. The end of
/// each page is kept in front of the next, so a text that runs across a page boundary in the
/// plaintext is found too.
struct Finder<'a> {
    needles: &'a [Vec<Vec<u8>>],
    keep: usize,
    tail: Vec<u8>,
    hits: Vec<bool>,
    pages: u64,
}

impl<'a> Finder<'a> {
    fn new(needles: &'a [Vec<Vec<u8>>]) -> Self {
        let longest = needles.iter().flatten().map(Vec::len).max().unwrap_or(0);
        Finder {
            needles,
            keep: longest.saturating_sub(1),
            tail: vec![],
            hits: vec![false; needles.len()],
            pages: 0,
        }
    }

    fn feed(&mut self, plain: &[u8]) {
        let mut window = Zeroizing::new(std::mem::take(&mut self.tail));
        window.extend(plain.iter().map(u8::to_ascii_lowercase));
        for (i, forms) in self.needles.iter().enumerate() {
            if !self.hits[i] && forms.iter().any(|n| contains(&window, n)) {
                self.hits[i] = true;
            }
        }
        self.tail = window[window.len().saturating_sub(self.keep)..].to_vec();
        self.pages += 1;
    }
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

/// Fills `buf`; false when the input ends first.
fn read_page(r: &mut impl Read, buf: &mut [u8]) -> Result<bool> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]).map_err(io)? {
            // The end, or a partial last page: nothing whole is left to decrypt.
            0 => return Ok(false),
            n => got += n,
        }
    }
    Ok(true)
}

fn decrypt_page(key: &[u8; 32], page_no: u64, page: &[u8]) -> Zeroizing<Vec<u8>> {
    let start = if page_no == 1 { SALT } else { 0 };
    let iv = &page[PAGE - RESERVE..PAGE - RESERVE + 16];
    let mut buf = Zeroizing::new(page[start..PAGE - RESERVE].to_vec());
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

/// Every page of a database file (or the SQLCipher part of a backup). `None` when its first
/// page is not this key's.
fn scan_db(key: &[u8; 32], mut r: impl Read, f: &mut Finder) -> Result<Option<()>> {
    let mut page = vec![0u8; PAGE];
    let mut n = 0u64;
    while read_page(&mut r, &mut page)? {
        n += 1;
        let plain = decrypt_page(key, n, &page);
        if n == 1 && !is_header(&plain) {
            return Ok(None);
        }
        f.feed(&plain);
    }
    Ok((n > 0).then_some(()))
}

/// Every frame of the log, committed or not, current or overwritten: all of it is on disk.
fn scan_wal(key: &[u8; 32], mut r: impl Read, f: &mut Finder) -> Result<()> {
    let mut header = [0u8; WAL_HEADER];
    if !read_page(&mut r, &mut header)? {
        return Ok(());
    }
    let mut frame = vec![0u8; FRAME_HEADER + PAGE];
    while read_page(&mut r, &mut frame)? {
        let page_no = u32::from_be_bytes(frame[..4].try_into().expect("4 bytes")) as u64;
        let plain = decrypt_page(key, page_no, &frame[FRAME_HEADER..]);
        if page_no == 1 && !is_header(&plain) {
            return Err(wrong_key("the database's log"));
        }
        f.feed(&plain);
    }
    Ok(())
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
    fn a_text_cut_by_a_page_boundary_is_found() {
        let needles = vec![forms("Zelphinia")];
        let mut f = Finder::new(&needles);
        f.feed(b"....... zelph");
        assert_eq!(f.hits, [false]);
        f.feed(b"inia quarrington ....");
        assert_eq!((f.hits.as_slice(), f.pages), (&[true][..], 2));
        let mut g = Finder::new(&needles);
        g.feed(b"zelph");
        g.feed(b"xinia");
        assert_eq!(g.hits, [false]);
    }
}

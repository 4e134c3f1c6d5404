//! Report files taken away from the desk. The door makes the report and audits it; this PC
//! renders the file and saves it in the user's Downloads folder, so that a desk connected to a
//! host saves on its own PC, where the person asking sits.

use std::path::{Path, PathBuf};

use frontdesk_core::reports::csv;
use frontdesk_core::{Report, ReportFilter, ReportOutput, Request, Response};
use frontdesk_pdf::{Options, Paper};
use serde::{Deserialize, Serialize};

use crate::desk::Desk;
use crate::error::{DeskError, DeskResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ReportFile {
    Csv,
    PdfA4,
    PdfLetter,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Saved {
    pub path: String,
    pub bytes: u64,
}

/// Saves the report as `file`; a PDF is printed in `language` (the desk's locale code), in
/// English when none is given. The CSV keeps its English column names, which spreadsheets and
/// scripts key on.
pub fn export(
    desk: &Desk,
    filter: ReportFilter,
    file: ReportFile,
    language: Option<&str>,
) -> DeskResult<Saved> {
    let output = match file {
        ReportFile::Csv => ReportOutput::Csv,
        ReportFile::PdfA4 | ReportFile::PdfLetter => ReportOutput::Pdf,
    };
    let report = match desk.door(Request::ReportMake { filter, output })? {
        Response::Report(r) => r,
        other => unreachable!("the door answers a report request with a report, not {other:?}"),
    };
    let (bytes, ext) = match file {
        ReportFile::Csv => (csv::render(&report), "csv"),
        ReportFile::PdfA4 | ReportFile::PdfLetter => {
            let paper = if file == ReportFile::PdfA4 {
                Paper::A4
            } else {
                Paper::Letter
            };
            let logo = report.logo_png();
            let opts = Options {
                paper,
                logo_png: logo.as_deref(),
            };
            (
                frontdesk_pdf::render_in(&report, &opts, language.unwrap_or("en"))
                    .map_err(DeskError::Pdf)?,
                "pdf",
            )
        }
    };
    let dir = folder();
    std::fs::create_dir_all(&dir).map_err(DeskError::Save)?;
    let path = free_name(&dir, &stem(&report), ext);
    write_new(&path, &bytes).map_err(DeskError::Save)?;
    Ok(Saved {
        path: path.display().to_string(),
        bytes: bytes.len() as u64,
    })
}

/// Files of a client export.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ClientExported {
    pub paths: Vec<String>,
    /// When protection was asked for: the one-time password of the one AES-256 zip in `paths`,
    /// to be shown once and given to the client apart from the file. It is kept nowhere else.
    pub password: Option<String>,
}

/// The filtered audit log as CSV, made (and audited) by the door, saved on this PC.
pub fn export_audit(desk: &Desk, filter: frontdesk_core::AuditFilter) -> DeskResult<Saved> {
    let csv = match desk.door(Request::AuditExport { filter })? {
        Response::Csv(c) => c,
        other => unreachable!("the door answers an audit export with CSV, not {other:?}"),
    };
    let dir = folder();
    std::fs::create_dir_all(&dir).map_err(DeskError::Save)?;
    let path = free_name(&dir, "audit-log", "csv");
    write_new(&path, csv.as_bytes()).map_err(DeskError::Save)?;
    Ok(Saved {
        path: path.display().to_string(),
        bytes: csv.len() as u64,
    })
}

/// A chat file from the door (which checked its type by content and audits the read), saved in
/// the Downloads folder under its own name with the extension its content has: a file named
/// "x.exe" that is a PDF is saved as "x.pdf", and nothing is ever run.
pub fn save_chat_file(desk: &Desk, id: String) -> DeskResult<Saved> {
    let f = match desk.door(Request::ChatFileGet { id })? {
        Response::ChatFile(f) => f,
        other => unreachable!("the door answers a file request with a file, not {other:?}"),
    };
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &f.base64)
        .map_err(|_| DeskError::Save(std::io::Error::other("the file's bytes are damaged")))?;
    let ext = match f.mime.as_str() {
        "application/pdf" => "pdf",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        _ => "bin",
    };
    let stem: String = Path::new(&f.name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control() && !"/\\:*?\"<>|".contains(*c))
        .take(100)
        .collect();
    let stem = if stem.trim().is_empty() {
        "chat-file".to_owned()
    } else {
        stem.trim().to_owned()
    };
    let dir = folder();
    std::fs::create_dir_all(&dir).map_err(DeskError::Save)?;
    let path = free_name(&dir, &stem, ext);
    write_new(&path, &bytes).map_err(DeskError::Save)?;
    Ok(Saved {
        path: path.display().to_string(),
        bytes: bytes.len() as u64,
    })
}

/// Everything about one client as JSON (the documented schema) and as a readable PDF; with
/// `encrypt`, both inside one AES-256 zip whose one-time password comes back in the reply.
pub fn export_client(
    desk: &Desk,
    id: String,
    totp: frontdesk_core::Secret,
    encrypt: bool,
) -> DeskResult<ClientExported> {
    export_client_in(desk, &folder(), id, totp, encrypt)
}

/// `export_client` into `dir`: the tests' own folder, as the export folder is process-wide.
pub(crate) fn export_client_in(
    desk: &Desk,
    dir: &Path,
    id: String,
    totp: frontdesk_core::Secret,
    encrypt: bool,
) -> DeskResult<ClientExported> {
    let export = match desk.door(Request::ClientExport { id, totp })? {
        Response::ClientExport(e) => e,
        other => unreachable!("the door answers an export with an export, not {other:?}"),
    };
    save_client(dir, &export, encrypt)
}

/// Renders a client export made by the door and saves it in `dir`: two files, or one
/// protected zip. Nothing is written before every byte is made, so a rendering failure
/// leaves no file; with `encrypt` the zip is sealed in memory, so no plaintext copy, not
/// even a partial one, ever reaches the disk.
pub(crate) fn save_client(
    dir: &Path,
    export: &frontdesk_core::ClientExport,
    encrypt: bool,
) -> DeskResult<ClientExported> {
    let json = serde_json::to_vec_pretty(export).expect("exports serialize");
    let pdf = frontdesk_pdf::render_client_export(
        export,
        &Options {
            paper: Paper::A4,
            logo_png: None,
        },
    )
    .map_err(DeskError::Pdf)?;
    std::fs::create_dir_all(dir).map_err(DeskError::Save)?;
    let stem = format!("client-{}", export.client.id);
    if encrypt {
        let password = one_time_password();
        let zip = protect(
            &[
                (format!("{stem}.json").as_str(), json.as_slice()),
                (format!("{stem}.pdf").as_str(), pdf.as_slice()),
            ],
            &password,
        )?;
        let path = free_name(dir, &stem, "zip");
        write_new(&path, &zip).map_err(DeskError::Save)?;
        return Ok(ClientExported {
            paths: vec![path.display().to_string()],
            password: Some(password),
        });
    }
    let mut paths = vec![];
    for (bytes, ext) in [(json.as_slice(), "json"), (pdf.as_slice(), "pdf")] {
        let path = free_name(dir, &stem, ext);
        write_new(&path, bytes).map_err(DeskError::Save)?;
        paths.push(path.display().to_string());
    }
    Ok(ClientExported {
        paths,
        password: None,
    })
}

/// What a one-time password is made of: digits and capitals without 0/O, 1/I/L, which are
/// misread on screen and misheard over the phone.
const PASSWORD_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// 5 groups of 4 from 31 symbols: 99 bits, out of reach of guessing even offline, where the
/// zip's key derivation (PBKDF2, 1,000 rounds) slows an attacker very little.
const PASSWORD_GROUPS: usize = 5;
const PASSWORD_GROUP_LEN: usize = 4;

/// A fresh password such as `K7QM-2XRT-9HWD-4NPB-6JCV`, from the operating system's CSPRNG,
/// each symbol drawn uniformly (no modulo bias).
pub(crate) fn one_time_password() -> String {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    (0..PASSWORD_GROUPS)
        .map(|_| {
            (0..PASSWORD_GROUP_LEN)
                .map(|_| PASSWORD_ALPHABET[rng.gen_range(0..PASSWORD_ALPHABET.len())] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The files as one zip, each encrypted with AES-256 (WinZip AE-2), built in memory.
///
/// AE-2 on purpose: the crate's seekable writer switches files of 20 bytes or more to AE-1,
/// which stores each file's plaintext CRC-32 in the clear; the streaming writer keeps AE-2,
/// where the CRC is zero and integrity rests on the HMAC. File names are not encrypted in a
/// zip, which is why they carry the client's id and nothing personal.
pub(crate) fn protect(files: &[(&str, &[u8])], password: &str) -> DeskResult<Vec<u8>> {
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    let failed = |e: zip::result::ZipError| DeskError::Save(std::io::Error::other(e));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip_now())
        .with_aes_encryption(zip::AesMode::Aes256, password);
    let mut zip = zip::ZipWriter::new_stream(Vec::new());
    for (name, bytes) in files {
        zip.start_file(*name, options).map_err(failed)?;
        zip.write_all(bytes).map_err(DeskError::Save)?;
    }
    Ok(zip.finish().map_err(failed)?.into_inner())
}

/// The local time as a zip stamps it, so the unpacked files show when they were exported.
fn zip_now() -> zip::DateTime {
    use chrono::{Datelike, Timelike};
    let now = chrono::Local::now();
    zip::DateTime::from_date_and_time(
        u16::try_from(now.year()).unwrap_or(1980),
        now.month() as u8,
        now.day() as u8,
        now.hour() as u8,
        now.minute() as u8,
        now.second() as u8,
    )
    .unwrap_or_default()
}

/// `FRONTDESK_EXPORT_DIR` (kiosks, tests), else the user's Downloads folder, else home.
fn folder() -> PathBuf {
    std::env::var_os("FRONTDESK_EXPORT_DIR")
        .map(PathBuf::from)
        .or_else(dirs::download_dir)
        .or_else(dirs::home_dir)
        .unwrap_or_else(std::env::temp_dir)
}

/// "frontdesk-report-2026-11-01-to-2026-11-30": dates only, nothing personal in a file name.
fn stem(r: &Report) -> String {
    format!("frontdesk-report-{}-to-{}", r.filter.from, r.filter.to)
}

fn free_name(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    let first = dir.join(format!("{stem}.{ext}"));
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| dir.join(format!("{stem} ({n}).{ext}")))
        .find(|p| !p.exists())
        .expect("some name is free")
}

/// Written beside the target and renamed into place, never over an existing file: a crash
/// leaves no half report under the real name.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("part");
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    if path.exists() {
        let _ = std::fs::remove_file(&tmp);
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "a file with that name appeared meanwhile",
        ));
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::process::{Command, Output};

    /// 7-Zip (Debian's `p7zip-full`, installed by scripts/setup.sh): a reader written by
    /// others, so a zip both sides misread the same way cannot pass.
    pub(crate) fn seven_zip(args: &[&str]) -> Output {
        Command::new("7z").args(args).output().unwrap_or_else(|e| {
            panic!("7z could not run ({e}); install p7zip-full (scripts/setup.sh)")
        })
    }

    /// Unpacks `zip` into a new folder with 7-Zip; the folder, or 7-Zip's complaint.
    pub(crate) fn unzip(zip: &Path, password: &str) -> Result<tempfile::TempDir, String> {
        let out = tempfile::tempdir().unwrap();
        let r = seven_zip(&[
            "x",
            "-y",
            &format!("-p{password}"),
            &format!("-o{}", out.path().display()),
            &zip.display().to_string(),
        ]);
        if r.status.success() {
            Ok(out)
        } else {
            Err(format!(
                "{}{}",
                String::from_utf8_lossy(&r.stdout),
                String::from_utf8_lossy(&r.stderr)
            ))
        }
    }

    /// Checks what the zip's own bytes say: every entry AES-256 in AE-2 (no plaintext CRC),
    /// nothing in the clear, and 7-Zip lists each one as AES-256 over deflate.
    pub(crate) fn assert_sealed(zip: &Path, entries: usize, planted: &[&[u8]]) {
        let raw = std::fs::read(zip).unwrap();
        let count = |needle: &[u8]| raw.windows(needle.len()).filter(|w| *w == needle).count();
        // The AES extra field (0x9901, 7 bytes): vendor version 2, "AE", strength 3 (256
        // bits), then deflate; in each local header and again in the central directory.
        let ae2 = [
            0x01, 0x99, 0x07, 0x00, 0x02, 0x00, b'A', b'E', 0x03, 0x08, 0x00,
        ];
        assert_eq!(count(&ae2), 2 * entries, "every entry is AES-256, AE-2");
        assert_eq!(count(&[0x01, 0x99, 0x07, 0x00, 0x01, 0x00]), 0, "no AE-1");
        for p in planted {
            assert_eq!(
                count(p),
                0,
                "{:?} is in the zip in the clear",
                String::from_utf8_lossy(p)
            );
        }
        let list = seven_zip(&[
            "l",
            "-slt",
            "-pnot-needed-to-list",
            &zip.display().to_string(),
        ]);
        let list = String::from_utf8_lossy(&list.stdout);
        assert_eq!(list.matches("Encrypted = +").count(), entries, "{list}");
        assert_eq!(
            list.matches("Method = AES-256 Deflate").count(),
            entries,
            "{list}"
        );
    }

    #[test]
    fn a_one_time_password_is_five_groups_of_four_unambiguous_symbols_new_each_time() {
        let made: Vec<String> = (0..2000).map(|_| one_time_password()).collect();
        for p in &made {
            let groups: Vec<&str> = p.split('-').collect();
            assert_eq!(groups.len(), 5, "{p}");
            assert!(groups.iter().all(|g| g.len() == 4), "{p}");
            assert!(
                p.bytes()
                    .filter(|b| *b != b'-')
                    .all(|b| PASSWORD_ALPHABET.contains(&b)),
                "{p}"
            );
        }
        let distinct: std::collections::HashSet<&String> = made.iter().collect();
        assert_eq!(distinct.len(), made.len(), "no password comes twice");
        // Every symbol turns up (40,000 draws from 31), and only those: a generator stuck on
        // part of the alphabet would fail here.
        let seen: std::collections::BTreeSet<u8> = made
            .iter()
            .flat_map(|p| p.bytes())
            .filter(|b| *b != b'-')
            .collect();
        assert_eq!(seen, PASSWORD_ALPHABET.iter().copied().collect());
        for ambiguous in b"0O1IL" {
            assert!(!PASSWORD_ALPHABET.contains(ambiguous));
        }
        let bits =
            (PASSWORD_ALPHABET.len() as f64).log2() * (PASSWORD_GROUPS * PASSWORD_GROUP_LEN) as f64;
        assert!(bits > 99.0, "{bits} bits");
    }

    #[test]
    fn a_protected_zip_opens_in_7zip_with_its_password_and_not_without() {
        let name = "Planted Chanthou Sreyneang";
        let json = format!("{{\"client\": {{\"full_name\": \"{name}\"}}}}\n").repeat(200);
        let pdf = format!("%PDF-1.7 {name} ").repeat(300);
        let password = one_time_password();
        let zip = protect(
            &[
                ("client-X.json", json.as_bytes()),
                ("client-X.pdf", pdf.as_bytes()),
            ],
            &password,
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("client-X.zip");
        std::fs::write(&path, &zip).unwrap();

        assert_sealed(&path, 2, &[name.as_bytes(), b"full_name", b"%PDF"]);

        let out = unzip(&path, &password).unwrap();
        assert_eq!(
            std::fs::read(out.path().join("client-X.json")).unwrap(),
            json.as_bytes()
        );
        assert_eq!(
            std::fs::read(out.path().join("client-X.pdf")).unwrap(),
            pdf.as_bytes()
        );

        let wrong = one_time_password();
        let err = unzip(&path, &wrong).expect_err("a wrong password opens nothing");
        assert!(err.to_lowercase().contains("password"), "{err}");
        // Nor a right password in other letters: it is exactly what was shown.
        assert!(unzip(&path, &password.to_lowercase()).is_err());
    }

    #[test]
    fn a_second_export_of_the_same_period_gets_its_own_name() {
        let dir = tempfile::tempdir().unwrap();
        let a = free_name(dir.path(), "r", "csv");
        write_new(&a, b"1").unwrap();
        let b = free_name(dir.path(), "r", "csv");
        assert_ne!(a, b);
        assert_eq!(b.file_name().unwrap(), "r (2).csv");
        assert!(
            write_new(&a, b"2").is_err(),
            "an existing file is never overwritten"
        );
        assert_eq!(std::fs::read(&a).unwrap(), b"1");
    }
}

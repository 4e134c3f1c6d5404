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

pub fn export(desk: &Desk, filter: ReportFilter, file: ReportFile) -> DeskResult<Saved> {
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
                frontdesk_pdf::render(&report, &opts).map_err(DeskError::Pdf)?,
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
    /// The one-time password protecting the files, when asked for (not available yet).
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

/// Everything about one client as JSON (the documented schema) and as a readable PDF.
pub fn export_client(
    desk: &Desk,
    id: String,
    totp: frontdesk_core::Secret,
    encrypt: bool,
) -> DeskResult<ClientExported> {
    if encrypt {
        // Refused before anything is made: a copy the person believes protected must not
        // be written in the clear.
        return Err(DeskError::Save(std::io::Error::other(
            "password-protected exports are not available yet",
        )));
    }
    let export = match desk.door(Request::ClientExport { id, totp })? {
        Response::ClientExport(e) => e,
        other => unreachable!("the door answers an export with an export, not {other:?}"),
    };
    let json = serde_json::to_vec_pretty(&export).expect("exports serialize");
    let pdf = frontdesk_pdf::render_client_export(
        &export,
        &Options {
            paper: Paper::A4,
            logo_png: None,
        },
    )
    .map_err(DeskError::Pdf)?;
    let dir = folder();
    std::fs::create_dir_all(&dir).map_err(DeskError::Save)?;
    let stem = format!("client-{}", export.client.id);
    let mut paths = vec![];
    for (bytes, ext) in [(json.as_slice(), "json"), (pdf.as_slice(), "pdf")] {
        let path = free_name(&dir, &stem, ext);
        write_new(&path, bytes).map_err(DeskError::Save)?;
        paths.push(path.display().to_string());
    }
    Ok(ClientExported {
        paths,
        password: None,
    })
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
mod tests {
    use super::*;

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

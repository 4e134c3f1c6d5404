//! The workload report, and a client's copy of their data ([`render_client_export`]), as
//! PDFs (printpdf 0.12).
//!
//! Text is shaped here ([`shape`]) rather than by printpdf, so Khmer, Vietnamese and Arabic
//! names come out right, and each string carries its own text for copying and search.

use frontdesk_core::Report;
use serde::{Deserialize, Serialize};

mod charts;
mod client_export;
mod fonts;
mod heatmap;
mod logo;
mod page;
mod report;
pub mod shape;
mod table;

pub use client_export::render_client_export;
pub use fonts::Face;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Paper {
    #[default]
    A4,
    Letter,
}

pub struct Options<'a> {
    pub paper: Paper,
    /// A PNG drawn on the cover line, when the clinic has one.
    pub logo_png: Option<&'a [u8]>,
}

/// Codes of this crate's errors, listed for the desk UI's generated `ErrorCode` type.
pub const ERROR_CODES: &[&str] = &["pdf.bad_logo", "pdf.render"];

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the logo is not a readable PNG image")]
    BadLogo,
    #[error("the PDF could not be made: {0}")]
    Render(String),
}

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadLogo => "pdf.bad_logo",
            Error::Render(_) => "pdf.render",
        }
    }
}

pub fn render(report: &Report, opts: &Options) -> Result<Vec<u8>, Error> {
    // The logo is checked first: a bad one is the caller's to fix, whatever else happens.
    let logo = opts.logo_png.map(logo::decode).transpose()?;
    let mut doc = page::Doc::new(opts.paper);
    report::layout(&mut doc, report, logo);
    let title = format!(
        "{} workload report {}",
        report.clinic_name,
        report::period(report)
    );
    let footer = format!(
        "{} · Workload report {} · by {}",
        report.clinic_name,
        report::period(report),
        report.filter.bucket.as_str()
    );
    doc.finish(&title, &footer, report.made_at.timestamp())
}

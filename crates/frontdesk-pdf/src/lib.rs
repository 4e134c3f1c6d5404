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
mod labels;
mod logo;
mod page;
mod report;
pub mod shape;
mod table;

pub use client_export::render_client_export;
pub use fonts::Face;
pub use labels::Language;

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

/// The workload report in English.
pub fn render(report: &Report, opts: &Options) -> Result<Vec<u8>, Error> {
    render_in(report, opts, "en")
}

/// The workload report in `language`, a locale code as the desk keeps it ("km", "vi", "ar";
/// with or without a region). Codes it has no words for print in English.
pub fn render_in(report: &Report, opts: &Options, language: &str) -> Result<Vec<u8>, Error> {
    // The logo is checked first: a bad one is the caller's to fix, whatever else happens.
    let logo = opts.logo_png.map(logo::decode).transpose()?;
    let labels = labels::Labels::new(Language::from_code(language));
    let mut doc = page::Doc::new(opts.paper);
    doc.rtl = labels.lang.rtl();
    report::layout(&mut doc, report, logo, &labels);
    let period = report::period(report);
    let title = labels.pdf_with(
        labels::Text::DocTitle,
        &[("clinic", &report.clinic_name), ("period", &period)],
    );
    let footer = labels.pdf_with(
        labels::Text::Footer,
        &[
            ("clinic", &report.clinic_name),
            ("period", &period),
            ("by", &labels.by_bucket(report.filter.bucket)),
        ],
    );
    let page = |page: usize, pages: usize| {
        labels.pdf_with(
            labels::Text::Page,
            &[("page", &page.to_string()), ("pages", &pages.to_string())],
        )
    };
    doc.finish(&title, &footer, &page, report.made_at.timestamp())
}

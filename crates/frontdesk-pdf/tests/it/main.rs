//! The report PDF read back with independent tools: poppler (pdftotext, pdftoppm, pdfinfo)
//! for text, pages and pixels, HarfBuzz's hb-shape for the glyphs, lopdf for the streams.

mod client_export;
mod known_answers;
mod languages;
mod logo;
mod mirroring;
mod pages;
mod rendering;
mod shaping;
mod support;
mod text;

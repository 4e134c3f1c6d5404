//! The report in the desk's other languages: its headings are the desk catalogue's words,
//! read back by poppler, with no English left over; Khmer and Arabic labels carry
//! HarfBuzz's glyphs; Arabic pages are set from the right.

use frontdesk_pdf::{Face, Paper};

use crate::rendering::words;
use crate::shaping::drawn_as_hb_shapes;
use crate::support::{
    catalogue, normalise, pdf, pdf_in, pdftotext, report, without_harakat, Parsed,
};
use crate::text::NAMES;

/// Headings and labels the report takes from the desk's catalogues.
const KEYS: [&str; 8] = [
    "report.staff",
    "report.by_team",
    "report.by_bucket.week",
    "report.chart.chats",
    "report.m.chats_handled",
    "report.m.first_response_median_s",
    "report.team.all",
    "report.col.period",
];

/// What the English report prints that no other language should.
const ENGLISH: [&str; 14] = [
    "Workload report",
    "Staff",
    "By team",
    "By week",
    "Chats handled",
    "First response",
    "All teams",
    "Front desk",
    "Page 1 of",
    "vs previous",
    "Share of chats",
    "No-show rate",
    "Busiest",
    "Filters",
];

#[test]
fn each_language_prints_the_desks_words_and_no_english() {
    let r = report(&NAMES, 12);
    for lang in ["km", "vi", "ar"] {
        let bytes = pdf_in(&r, Paper::A4, lang);
        for layout in [true, false] {
            let mode = if layout { "-layout" } else { "raw" };
            let text = without_harakat(&normalise(&pdftotext(&bytes, layout, None)));
            for key in KEYS {
                let want = without_harakat(&catalogue(lang, key));
                assert!(
                    text.contains(&want),
                    "{lang} {mode}: {key} {want:?} missing from:\n{text}"
                );
            }
            for english in ENGLISH {
                assert!(
                    !text.contains(english),
                    "{lang} {mode}: English {english:?} left in:\n{text}"
                );
            }
            // Names and figures are still there, in Latin digits.
            for (name, _) in NAMES {
                assert!(text.contains(name), "{lang} {mode}: {name:?} missing");
            }
            assert!(text.contains("2025-01-06"), "{lang} {mode}: the period");
        }
    }
}

#[test]
fn without_a_language_the_report_is_english() {
    let r = report(&NAMES[..2], 4);
    let english = pdf(&r, Paper::A4);
    assert_eq!(pdf_in(&r, Paper::A4, "en"), english);
    // A language the report has no words for prints in English rather than failing.
    assert_eq!(pdf_in(&r, Paper::A4, "fr"), english);
    assert_ne!(pdf_in(&r, Paper::A4, "km"), english);
    let text = normalise(&pdftotext(&english, true, None));
    for key in KEYS {
        assert!(text.contains(&catalogue("en", key)), "{key} in:\n{text}");
    }
}

#[test]
fn khmer_and_arabic_labels_are_drawn_with_hb_shapes_glyphs() {
    let r = report(&NAMES, 4);
    // Each a heading drawn alone in one face, so hb-shape sees the same run.
    for (lang, face) in [("km", Face::Khmer), ("ar", Face::Arabic)] {
        let bytes = pdf_in(&r, Paper::A4, lang);
        let parsed = Parsed::new(&bytes);
        let runs = parsed.glyph_runs();
        for key in ["report.by_team", "report.staff", "report.by_bucket.week"] {
            let text = catalogue(lang, key);
            let found = drawn_as_hb_shapes(&parsed, &runs, &text, face);
            assert!(
                found >= 1,
                "{lang} {key} {text:?}: not drawn with HarfBuzz's glyphs"
            );
        }
    }
}

#[test]
fn arabic_headings_are_set_against_the_right_margin() {
    let r = report(&NAMES, 4);
    let right = 210.0 / 25.4 * 72.0 - 36.0;
    // poppler's word boxes hold right-to-left words in drawing order, letters reversed.
    let at_right = |bytes: &[u8], word: &str| {
        let drawn: String = word.chars().rev().collect();
        (1..=crate::support::page_count(bytes)).any(|p| {
            words(bytes, p)
                .iter()
                .any(|(w, b)| (*w == word || *w == drawn) && (b.2 - right).abs() < 1.0)
        })
    };
    let ar = pdf_in(&r, Paper::A4, "ar");
    // The first word of each heading in reading order is its rightmost, at the margin.
    for key in ["report.by_team", "report.staff", "report.by_bucket.week"] {
        let heading = catalogue("ar", key);
        let first = heading.split_whitespace().next().unwrap();
        assert!(
            at_right(&ar, first),
            "{key}: {first:?} not at the right margin"
        );
    }
    // In English the same headings start at the left margin.
    let en = pdf(&r, Paper::A4);
    assert!(!at_right(&en, "By"));
    assert!(!at_right(&en, "Staff"));
}

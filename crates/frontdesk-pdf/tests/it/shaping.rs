//! The glyphs in the PDF are HarfBuzz's: compared with `hb-shape` (the C library, an
//! independent implementation) both as the crate's shaper returns them and as the content
//! stream draws them, through the renumbering of the embedded subset fonts.

use frontdesk_pdf::shape::shape_text;
use frontdesk_pdf::{Face, Paper};

use crate::support::{cmap_glyphs, hb_shape, outlines, pdf, report, GlyphRun, Parsed};

/// Texts shaped alone in one face (so hb-shape sees the same run).
const CASES: [(&str, Face); 4] = [
    ("ليلى حداد", Face::Arabic),
    ("សុខ ចាន់ធា", Face::Khmer),
    ("កែវ ស្រីពៅ", Face::Khmer),
    ("Nguyễn Thị Hương", Face::Sans),
];

#[test]
fn the_shaper_agrees_with_hb_shape() {
    for (text, face) in CASES {
        let line = shape_text(text);
        assert_eq!(line.runs.len(), 1, "{text}: one run, got {line:?}");
        assert_eq!(line.runs[0].face, face, "{text}");
        let ours: Vec<u16> = line.runs[0].glyphs.iter().map(|g| g.id).collect();
        assert_eq!(ours, hb_shape(face.file_name(), text), "{text}");
    }
}

#[test]
fn shaping_changes_what_is_drawn() {
    // Arabic: joined contextual forms, not the isolated letters the cmap gives (reversed,
    // as an unshaped right-to-left drawing would place them).
    let text = "ليلى حداد";
    let mut plain = cmap_glyphs(Face::Arabic.file_name(), text);
    plain.reverse();
    let shaped = hb_shape(Face::Arabic.file_name(), text);
    assert_ne!(shaped, plain);
    let ours: Vec<u16> = shape_text(text).runs[0]
        .glyphs
        .iter()
        .map(|g| g.id)
        .collect();
    assert_ne!(ours, plain);

    // Khmer: coeng + RO becomes a subscript glyph no character maps to, and the vowel ែ is
    // drawn before its consonant.
    let text = "កែវ ស្រីពៅ";
    let nominal = cmap_glyphs(Face::Khmer.file_name(), text);
    let ours: Vec<u16> = shape_text(text).runs[0]
        .glyphs
        .iter()
        .map(|g| g.id)
        .collect();
    assert!(
        ours.iter().any(|g| !nominal.contains(g)),
        "no shaped-only glyph in {ours:?} (nominal {nominal:?})"
    );
    let vowel_e = cmap_glyphs(Face::Khmer.file_name(), "ែ")[0];
    let ka = cmap_glyphs(Face::Khmer.file_name(), "ក")[0];
    let pos = |g: u16| ours.iter().position(|&x| x == g);
    assert!(pos(vowel_e) < pos(ka), "ែ before ក in {ours:?}");
}

#[test]
fn the_pdf_draws_hb_shapes_glyphs() {
    let people: Vec<(&str, frontdesk_core::Role)> = crate::text::NAMES.to_vec();
    let bytes = pdf(&report(&people, 4), Paper::A4);
    let parsed = Parsed::new(&bytes);
    let runs = parsed.glyph_runs();
    for (text, face) in CASES {
        // Every place the name is drawn (share chart and staff table) uses these glyphs.
        let found = drawn_as_hb_shapes(&parsed, &runs, text, face);
        assert!(
            found >= 2,
            "{text}: drawn {found} times with HarfBuzz's glyphs"
        );
    }
}

/// How many times `text`, shaped alone in `face`, is drawn in the PDF with exactly the glyphs
/// `hb-shape` gives (matched by outline, through the subset font's renumbering).
pub fn drawn_as_hb_shapes(parsed: &Parsed, runs: &[GlyphRun], text: &str, face: Face) -> usize {
    let expected = hb_shape(face.file_name(), text);
    let want = outlines(face.bytes().to_vec(), &expected);
    let mut found = 0;
    for run in runs.iter().filter(|r| r.font == face_resource(face)) {
        if run.codes.len() != expected.len() {
            continue;
        }
        let program = parsed.font_program(run.page, &run.font);
        if outlines(program, &run.codes) == want {
            found += 1;
            if face != Face::Arabic {
                // Left-to-right runs carry their text for copying.
                assert_eq!(run.actual_text.as_deref(), Some(text));
            }
        }
    }
    found
}

pub fn face_resource(face: Face) -> &'static str {
    match face {
        Face::Sans => "FSans",
        Face::SansBold => "FSansBold",
        Face::Khmer => "FKhmer",
        Face::Arabic => "FArabic",
    }
}

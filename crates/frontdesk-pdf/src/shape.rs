//! Text to positioned glyphs: bidi ordering, a face per run, and shaping.
//!
//! printpdf's own text path maps characters to glyphs one by one, which is wrong for Khmer
//! (reordered vowels, stacked subscript consonants) and Arabic (joined contextual forms, right
//! to left). So every string is shaped here with HarfRust, the HarfBuzz port, and the pages
//! place the glyph ids themselves.

use std::collections::HashMap;
use std::rc::Rc;
use std::str::FromStr;

use harfrust::{
    Buffer, BufferFlags, Direction, Language, Script, ShapeOptions, ShapePlan, ShaperFont,
};
use unicode_bidi::BidiInfo;

use crate::fonts::Face;

/// One glyph, placed relative to the start of the line's baseline, in ems of the font size.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// The glyph id in the face's font file (before the PDF's subsetting renumbers it).
    pub id: u16,
    pub x: f32,
    pub y: f32,
    /// The characters this glyph stands for in copied text (several for a ligature, none for
    /// the second glyph of a split vowel).
    pub text: String,
    /// Where the glyph's cluster starts in the line's text, in bytes: a line may be broken
    /// before a cluster, never inside one (a Khmer syllable, a letter and its marks).
    pub cluster: usize,
}

/// A piece of the line in one face and one direction, with its glyphs in visual order.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub face: Face,
    pub rtl: bool,
    /// The characters of the run, in logical order.
    pub text: String,
    pub glyphs: Vec<Glyph>,
}

/// A shaped line, runs in visual order (left to right on the page).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Line {
    pub runs: Vec<Run>,
    /// The advance of the whole line, in ems.
    pub width: f32,
}

/// Shapes `text` as the report does (regular weight), for checking the glyphs it draws.
pub fn shape_text(text: &str) -> Line {
    Shaper::default().line(text, false).as_ref().clone()
}

/// Shaping state kept for one report: plans are costly to build and a report repeats the same
/// few strings (numbers, "–", team names) hundreds of times.
#[derive(Default)]
pub(crate) struct Shaper {
    fonts: HashMap<Face, ShaperFont<'static, 'static>>,
    plans: HashMap<PlanKey, ShapePlan>,
    lines: HashMap<(String, bool), Rc<Line>>,
}

#[derive(PartialEq, Eq, Hash)]
struct PlanKey {
    face: Face,
    script: Script,
    rtl: bool,
    vietnamese: bool,
}

impl Shaper {
    pub fn line(&mut self, text: &str, bold: bool) -> Rc<Line> {
        if let Some(line) = self.lines.get(&(text.to_string(), bold)) {
            return line.clone();
        }
        let line = Rc::new(self.shape_uncached(text, bold));
        self.lines.insert((text.to_string(), bold), line.clone());
        line
    }

    /// The advance of `text` in ems, without keeping its shapes: wrapping measures every
    /// candidate line once, and only the lines it settles on are drawn.
    pub fn width(&mut self, text: &str, bold: bool) -> f32 {
        match self.lines.get(&(text.to_string(), bold)) {
            Some(line) => line.width,
            None => self.shape_uncached(text, bold).width,
        }
    }

    /// The byte offsets where `text` may be broken inside a word: the starts of its clusters
    /// after the first, ascending.
    pub fn cluster_starts(&mut self, text: &str, bold: bool) -> Vec<usize> {
        let line = self.shape_uncached(text, bold);
        let mut starts: Vec<usize> = line
            .runs
            .iter()
            .flat_map(|r| &r.glyphs)
            .map(|g| g.cluster)
            .filter(|&c| c > 0 && c < text.len() && text.is_char_boundary(c))
            .filter(|&c| breakable_before(text, c))
            .collect();
        starts.sort_unstable();
        starts.dedup();
        starts
    }

    fn shape_uncached(&mut self, text: &str, bold: bool) -> Line {
        // A line is one line: breaks and tabs in a name would otherwise start new bidi
        // paragraphs and draw as .notdef boxes.
        let clean: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let text = clean.as_str();
        let base = if bold { Face::SansBold } else { Face::Sans };
        let faces = choose_faces(text, base);
        let vietnamese = text.chars().any(is_vietnamese);

        let mut line = Line::default();
        for (range, rtl) in visual_runs(text) {
            let mut pieces = pieces_of(&faces, range);
            if rtl {
                // Within a right-to-left run the logically first piece is the rightmost one.
                pieces.reverse();
            }
            for (face, piece) in pieces {
                let run = self.shape_piece(text, piece, face, rtl, vietnamese, &mut line.width);
                line.runs.push(run);
            }
        }
        line
    }

    fn shape_piece(
        &mut self,
        text: &str,
        range: std::ops::Range<usize>,
        face: Face,
        rtl: bool,
        vietnamese: bool,
        pen: &mut f32,
    ) -> Run {
        let piece = &text[range.clone()];
        let script = script_of(piece, face);
        let direction = if rtl {
            Direction::RightToLeft
        } else {
            Direction::LeftToRight
        };
        let vietnamese = vietnamese && script == Script::LATIN;
        let language = vietnamese.then(|| Language::from_str("vi").expect("valid tag"));

        let shaper_font = self
            .fonts
            .entry(face)
            .or_insert_with(|| ShaperFont::new(face.font()));
        let plan = self
            .plans
            .entry(PlanKey {
                face,
                script,
                rtl,
                vietnamese,
            })
            .or_insert_with(|| {
                ShapePlan::new(face.font(), direction, Some(script), language.as_ref(), &[])
            });

        let mut buffer = Buffer::new();
        for (i, c) in piece.char_indices() {
            buffer.push(stand_in(c) as u32, i as u32);
        }
        // Context lets Arabic letters join across a change of face (a Latin digit in a
        // name), as they would in one run.
        buffer.set_pre_context(&text[..range.start]);
        buffer.set_post_context(&text[range.end..]);
        buffer.set_direction(direction);
        buffer.set_script(Some(script));
        buffer.set_language(language);
        let mut flags = BufferFlags::empty();
        if range.start == 0 {
            flags |= BufferFlags::BEGINNING_OF_TEXT;
        }
        if range.end == text.len() {
            flags |= BufferFlags::END_OF_TEXT;
        }
        buffer.set_flags(flags);
        let upem = face.units_per_em();
        let mut glyphs = Vec::new();
        match harfrust::shape(
            shaper_font,
            &mut buffer,
            ShapeOptions::new().plan(Some(plan)),
        ) {
            Ok(()) => {
                let infos = buffer.glyph_infos();
                let positions = buffer.glyph_positions();
                let texts = cluster_texts(piece, infos.iter().map(|g| g.cluster as usize), rtl);
                for ((info, pos), text) in infos.iter().zip(positions).zip(texts) {
                    glyphs.push(Glyph {
                        id: u16::try_from(info.glyph_id).unwrap_or(0),
                        x: *pen + pos.x_offset as f32 / upem,
                        y: pos.y_offset as f32 / upem,
                        text,
                        cluster: range.start + info.cluster as usize,
                    });
                    *pen += pos.x_advance as f32 / upem;
                }
            }
            // Only a plan made for other properties fails, which the key rules out; should it
            // happen, the characters' plain glyphs are still better than a missing name.
            Err(_) => {
                let mut chars: Vec<(usize, char)> = piece.char_indices().collect();
                if rtl {
                    chars.reverse();
                }
                for (i, c) in chars {
                    let id = shaper_font.nominal_glyph(stand_in(c) as u32);
                    let id = id.map(|g| g.to_u32()).unwrap_or(0);
                    glyphs.push(Glyph {
                        id: u16::try_from(id).unwrap_or(0),
                        x: *pen,
                        y: 0.0,
                        text: c.to_string(),
                        cluster: range.start + i,
                    });
                    *pen += shaper_font.glyph_h_advance(harfrust::GlyphId::new(id)) as f32 / upem;
                }
            }
        }
        Run {
            face,
            rtl,
            text: piece.to_string(),
            glyphs,
        }
    }
}

/// The text each glyph carries for copy and paste: a cluster's characters go with its first
/// glyph in reading order, so a reordered Khmer vowel or an Arabic ligature still copies once.
/// Left to right that is the first glyph drawn; right to left the last, which is the base
/// letter: a zero-width Arabic vowel mark drawn before it would otherwise carry the letter,
/// and extractors, which order by position, would set it apart from its word.
fn cluster_texts(piece: &str, clusters: impl Iterator<Item = usize>, rtl: bool) -> Vec<String> {
    let clusters: Vec<usize> = clusters.collect();
    let mut starts: Vec<usize> = clusters.clone();
    starts.sort_unstable();
    starts.dedup();
    let mut seen = std::collections::HashSet::new();
    let text_of = |c: usize, seen: &mut std::collections::HashSet<usize>| {
        if !seen.insert(c) {
            return String::new();
        }
        let end = starts
            .iter()
            .copied()
            .find(|&s| s > c)
            .unwrap_or(piece.len());
        piece.get(c..end).unwrap_or_default().to_string()
    };
    if rtl {
        let mut texts: Vec<String> = clusters
            .iter()
            .rev()
            .map(|&c| text_of(c, &mut seen))
            .collect();
        texts.reverse();
        texts
    } else {
        clusters.iter().map(|&c| text_of(c, &mut seen)).collect()
    }
}

/// Whether a break before byte `at` keeps every character with its cluster, whatever the
/// shaper's clusters say: never before a combining mark or joiner, nor after a Khmer coeng
/// (it stacks the next consonant under the previous one) or a zero-width joiner.
fn breakable_before(text: &str, at: usize) -> bool {
    let next = text[at..].chars().next();
    let prev = text[..at].chars().next_back();
    match (prev, next) {
        (Some(p), Some(n)) => {
            harfrust::unicode::combining_class(n as u32) == 0
                && !is_joiner(n)
                && !matches!(p, '\u{17D2}' | '\u{200D}')
        }
        _ => false,
    }
}

/// Whether a paragraph reads right to left: its first strong character is Arabic or Hebrew.
pub(crate) fn reads_rtl(text: &str) -> bool {
    unicode_bidi::get_base_direction(text) == unicode_bidi::Direction::Rtl
}

/// The line's runs of one direction, in visual order, as byte ranges of `text`.
fn visual_runs(text: &str) -> Vec<(std::ops::Range<usize>, bool)> {
    if text.is_empty() {
        return Vec::new();
    }
    let bidi = BidiInfo::new(text, None);
    if !bidi.has_rtl() {
        return vec![(0..text.len(), false)];
    }
    let mut out = Vec::new();
    for para in &bidi.paragraphs {
        let (levels, runs) = bidi.visual_runs(para, para.range.clone());
        for run in runs {
            let rtl = levels[run.start].is_rtl();
            out.push((run, rtl));
        }
    }
    out
}

/// The face for each character (by byte offset): by script, with the neighbour's face for
/// spaces, punctuation and combining marks so a run is not split needlessly, then the first
/// face that has the character if the chosen one lacks it.
fn choose_faces(text: &str, base: Face) -> Vec<(usize, Face)> {
    let mut out: Vec<(usize, Face)> = Vec::with_capacity(text.len());
    let mut prev: Option<Face> = None;
    for (i, c) in text.char_indices() {
        let c = stand_in(c);
        let script = harfrust::unicode::script(c as u32);
        let wanted = if script == Script::ARABIC {
            Face::Arabic
        } else if script == Script::KHMER {
            Face::Khmer
        } else if script == Script::INHERITED || is_joiner(c) {
            prev.unwrap_or(base)
        } else if script == Script::COMMON {
            match prev {
                Some(p) if p.has_char(c) => p,
                _ => base,
            }
        } else {
            base
        };
        let face = if wanted.has_char(c) || is_joiner(c) || script == Script::INHERITED {
            wanted
        } else {
            [base, Face::Sans, Face::Khmer, Face::Arabic]
                .into_iter()
                .find(|f| f.has_char(c))
                .unwrap_or(wanted)
        };
        out.push((i, face));
        prev = Some(face);
    }
    out
}

/// Splits a range into pieces of one face, in logical order.
fn pieces_of(
    faces: &[(usize, Face)],
    range: std::ops::Range<usize>,
) -> Vec<(Face, std::ops::Range<usize>)> {
    let mut pieces: Vec<(Face, std::ops::Range<usize>)> = Vec::new();
    let first = faces.partition_point(|&(i, _)| i < range.start);
    for (k, &(i, face)) in faces[first..].iter().enumerate() {
        if i >= range.end {
            break;
        }
        let end = faces
            .get(first + k + 1)
            .map(|&(j, _)| j)
            .unwrap_or(usize::MAX)
            .min(range.end);
        match pieces.last_mut() {
            Some((f, r)) if *f == face => r.end = end,
            _ => pieces.push((face, i..end)),
        }
    }
    pieces
}

fn script_of(piece: &str, face: Face) -> Script {
    piece
        .chars()
        .map(|c| harfrust::unicode::script(c as u32))
        .find(|s| *s != Script::COMMON && *s != Script::INHERITED && *s != Script::UNKNOWN)
        .unwrap_or(match face {
            Face::Arabic => Script::ARABIC,
            Face::Khmer => Script::KHMER,
            Face::Sans | Face::SansBold => Script::LATIN,
        })
}

/// A look-alike to draw for a character none of the faces has; the copied text keeps the
/// original. `format::change` writes negative changes with U+2212, which Noto Sans lacks.
fn stand_in(c: char) -> char {
    match c {
        '\u{2212}' => '\u{2013}',
        c => c,
    }
}

/// Zero-width joiners and non-joiners belong to the run they sit in.
fn is_joiner(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}')
}

/// Letters only Vietnamese uses among Latin scripts: with them the font's Vietnamese forms
/// (stacked tone marks) apply.
fn is_vietnamese(c: char) -> bool {
    matches!(
        c,
        '\u{1EA0}'..='\u{1EF9}' | 'ơ' | 'Ơ' | 'ư' | 'Ư' | 'đ' | 'Đ' | 'ă' | 'Ă'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_line_keeps_logical_pieces_in_visual_order() {
        let line = shape_text("Dr ليلى حداد 2");
        let faces: Vec<Face> = line.runs.iter().map(|r| r.face).collect();
        assert_eq!(faces.first(), Some(&Face::Sans));
        assert!(faces.contains(&Face::Arabic));
        // The Arabic run reads right to left, and its logical text is intact.
        let arabic = line.runs.iter().find(|r| r.text.contains("ليلى")).unwrap();
        assert_eq!(arabic.face, Face::Arabic);
        assert!(arabic.rtl);
        // The digit after the Arabic words is drawn to their left.
        let two = line.runs.iter().position(|r| r.text.contains('2')).unwrap();
        let words = line
            .runs
            .iter()
            .position(|r| r.text.contains("ليلى"))
            .unwrap();
        assert!(two < words, "{line:?}");
        let xs: Vec<f32> = line
            .runs
            .iter()
            .flat_map(|r| &r.glyphs)
            .map(|g| g.x)
            .collect();
        assert!(xs.windows(2).all(|w| w[1] >= w[0] - 0.5), "{xs:?}");
    }

    #[test]
    fn khmer_gets_its_own_face_and_latin_falls_back() {
        let line = shape_text("Sokha សុខា");
        assert_eq!(line.runs.len(), 2, "{line:?}");
        assert_eq!(line.runs[0].face, Face::Sans);
        assert_eq!(line.runs[1].face, Face::Khmer);
        assert!(line.width > 3.0);
    }

    #[test]
    fn cluster_text_goes_with_the_first_glyph() {
        assert_eq!(
            cluster_texts("abc", [0usize, 0, 1, 2].into_iter(), false),
            vec!["a", "", "b", "c"]
        );
        assert_eq!(
            cluster_texts("ab", [1usize, 0].into_iter(), false),
            vec!["b", "a"]
        );
        // Right to left, the cluster's last glyph drawn (its base letter) carries it.
        assert_eq!(
            cluster_texts("ab", [1usize, 0, 0].into_iter(), true),
            vec!["b", "", "a"]
        );
    }
}

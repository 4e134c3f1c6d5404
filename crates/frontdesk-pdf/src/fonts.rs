//! The embedded Noto faces (OFL, see fonts/README.md at the repository root) and their
//! subsetting for the PDF.
//!
//! The fonts are compiled in so a report looks the same on every desk, whatever the machine
//! has installed. Only the glyphs a report draws go into the PDF: the four faces are 1.4 MB
//! whole, a report's subsets a few tens of kilobytes.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use harfrust::Font;

use crate::Error;

/// One embedded face.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Face {
    Sans,
    SansBold,
    Khmer,
    Arabic,
}

static SANS: &[u8] = include_bytes!("../../../fonts/NotoSans-Regular.ttf");
static SANS_BOLD: &[u8] = include_bytes!("../../../fonts/NotoSans-Bold.ttf");
static KHMER: &[u8] = include_bytes!("../../../fonts/NotoSansKhmer-Regular.ttf");
static ARABIC: &[u8] = include_bytes!("../../../fonts/NotoSansArabic-Regular.ttf");

impl Face {
    pub const ALL: [Face; 4] = [Face::Sans, Face::SansBold, Face::Khmer, Face::Arabic];

    /// The face's file in the repository's fonts/ folder.
    pub fn file_name(self) -> &'static str {
        match self {
            Face::Sans => "NotoSans-Regular.ttf",
            Face::SansBold => "NotoSans-Bold.ttf",
            Face::Khmer => "NotoSansKhmer-Regular.ttf",
            Face::Arabic => "NotoSansArabic-Regular.ttf",
        }
    }

    /// The whole font file, as embedded.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Face::Sans => SANS,
            Face::SansBold => SANS_BOLD,
            Face::Khmer => KHMER,
            Face::Arabic => ARABIC,
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The parsed font, shared by every report: parsing caches the layout tables, which is
    /// most of the cost of shaping the first line.
    pub(crate) fn font(self) -> &'static Font {
        static PARSED: [OnceLock<Font>; 4] = [
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
        ];
        PARSED[self.index()].get_or_init(|| {
            // The bytes are compiled in and known good; a failure here is a broken build.
            Font::new(self.bytes(), 0).expect("embedded font parses")
        })
    }

    pub(crate) fn has_char(self, c: char) -> bool {
        self.font().charmap().map_unicode(c).is_some()
    }

    pub(crate) fn units_per_em(self) -> f32 {
        f32::from(self.font().units_per_em())
    }

    /// The resource name the page content uses for this face.
    pub(crate) fn resource_name(self) -> &'static str {
        match self {
            Face::Sans => "FSans",
            Face::SansBold => "FSansBold",
            Face::Khmer => "FKhmer",
            Face::Arabic => "FArabic",
        }
    }
}

/// The glyphs of one face that a report draws, and the subset font made from them.
pub(crate) struct Subset {
    pub bytes: Vec<u8>,
    remapper: subsetter::GlyphRemapper,
}

impl Subset {
    /// Glyph ids are renumbered in ascending order of the original ids, so the same report
    /// always gives the same PDF.
    pub fn new(face: Face, used: &BTreeSet<u16>) -> Result<Subset, Error> {
        let glyphs: Vec<u16> = used.iter().copied().collect();
        let remapper = subsetter::GlyphRemapper::new_from_glyphs_sorted(&glyphs);
        let bytes = subsetter::subset(face.bytes(), 0, &remapper)
            .map_err(|e| Error::Render(format!("subsetting {}: {e}", face.file_name())))?;
        Ok(Subset { bytes, remapper })
    }

    /// The PDF name of the subset: a tag of six capitals (ISO 32000-1, 9.6.4) that differs
    /// when the glyph complement does, then the PostScript name.
    pub fn base_font_name(&self, face: Face) -> String {
        // FNV-1a over the kept glyphs: stable from run to run, unlike the std hasher.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for g in self.remapper.remapped_gids() {
            for b in g.to_be_bytes() {
                hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        let tag: String = (0..6)
            .map(|i| char::from(b'A' + ((hash >> (i * 5)) % 26) as u8))
            .collect();
        let postscript = face.file_name().trim_end_matches(".ttf");
        format!("{tag}+{postscript}")
    }

    pub fn new_id(&self, original: u16) -> u16 {
        // Every drawn glyph was recorded before subsetting; .notdef is the safe answer for a
        // glyph that somehow was not.
        self.remapper.get(original).unwrap_or(0)
    }
}

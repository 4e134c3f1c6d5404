//! Pages: size and margins, a cursor that flows down the page and breaks to the next, drawing
//! in top-left coordinates, and the last pass that numbers the pages and writes the PDF.

use std::collections::{BTreeMap, BTreeSet};

use printpdf::{
    Codepoint, Color, CurTransMat, DictItem, FontId, Line, LinePoint, Op, PaintMode, PdfDocument,
    PdfFont, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, RawImage,
    Rect, Rgb, TextItem, TextMatrix, WindingOrder, XObjectId, XObjectTransform,
};

use crate::fonts::{Face, Subset};
use crate::shape::{reads_rtl, Line as ShapedLine, Shaper};
use crate::{Error, Paper};

/// An RGB colour, 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rgb3(pub f32, pub f32, pub f32);

impl Rgb3 {
    pub const fn hex(v: u32) -> Rgb3 {
        Rgb3(
            ((v >> 16) & 0xff) as f32 / 255.0,
            ((v >> 8) & 0xff) as f32 / 255.0,
            (v & 0xff) as f32 / 255.0,
        )
    }

    /// This colour mixed towards white: `t` 0 is the colour, 1 is white.
    pub fn tint(self, t: f32) -> Rgb3 {
        Rgb3(
            self.0 + (1.0 - self.0) * t,
            self.1 + (1.0 - self.1) * t,
            self.2 + (1.0 - self.2) * t,
        )
    }

    fn color(self) -> Color {
        Color::Rgb(Rgb {
            r: self.0,
            g: self.1,
            b: self.2,
            icc_profile: None,
        })
    }
}

pub(crate) const INK: Rgb3 = Rgb3::hex(0x1f2933);
pub(crate) const MUTED: Rgb3 = Rgb3::hex(0x616e7c);
pub(crate) const RULE: Rgb3 = Rgb3::hex(0xcbd2d9);
pub(crate) const GRID: Rgb3 = Rgb3::hex(0xe4e7eb);
pub(crate) const ACCENT: Rgb3 = Rgb3::hex(0x2563a6);
pub(crate) const ACCENT_2: Rgb3 = Rgb3::hex(0xe07b39);
pub(crate) const GOOD: Rgb3 = Rgb3::hex(0x1e7a46);
pub(crate) const BAD: Rgb3 = Rgb3::hex(0xb42318);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub size: f32,
    pub bold: bool,
    pub color: Rgb3,
}

impl Style {
    pub const fn new(size: f32) -> Style {
        Style {
            size,
            bold: false,
            color: INK,
        }
    }
    pub const fn bold(self) -> Style {
        Style { bold: true, ..self }
    }
    pub const fn color(self, color: Rgb3) -> Style {
        Style { color, ..self }
    }
}

/// Charts and the heat map are laid out once, in reading order: `x` grows from where a line
/// starts. A right-to-left reader starts at the right edge, so there the drawing is mirrored
/// about the middle of the content area; text is only placed (its anchor and alignment),
/// never reversed, so digits, dates and Latin names read as they do anywhere else. Left to
/// right, every mapping is the identity and the page is drawn exactly as written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mirror {
    on: bool,
    /// `left + right` of the content area: x maps to `axis - x`.
    axis: f32,
}

impl Mirror {
    /// A point's x on paper.
    pub fn x(self, x: f32) -> f32 {
        if self.on {
            self.axis - x
        } else {
            x
        }
    }

    /// The left edge on paper of a box `w` wide that starts at `x` in reading order.
    pub fn span(self, x: f32, w: f32) -> f32 {
        if self.on {
            self.axis - x - w
        } else {
            x
        }
    }

    /// Text keeps its side of the anchor in reading order: a label that lies before its
    /// anchor (`Right`, left to right) lies before it right to left too, which on paper is
    /// to the anchor's right (`Left`).
    pub fn align(self, align: Align) -> Align {
        match (self.on, align) {
            (true, Align::Left) => Align::Right,
            (true, Align::Right) => Align::Left,
            (_, align) => align,
        }
    }

    pub fn points(self, points: &[(f32, f32)]) -> Vec<(f32, f32)> {
        points.iter().map(|&(x, y)| (self.x(x), y)).collect()
    }
}

/// The report being laid out: finished pages, the page being drawn and the cursor on it.
/// Coordinates are points from the page's top-left corner; PDF's bottom-left origin is only
/// dealt with when an operation is written.
pub(crate) struct Doc {
    pub width: f32,
    pub height: f32,
    pub left: f32,
    pub right: f32,
    pub top: f32,
    /// Content stops here; the footer sits below.
    pub bottom: f32,
    /// Where the next block goes.
    pub y: f32,
    /// The document reads right to left: headings, lines and table columns start at the
    /// right edge.
    pub rtl: bool,
    /// A heading again on the next page: `{title}` in the reader's words for "(continued)".
    pub continued: &'static str,
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    shaper: Shaper,
    used: BTreeMap<Face, BTreeSet<u16>>,
    images: Vec<(XObjectId, RawImage)>,
}

impl Doc {
    pub fn new(paper: Paper) -> Doc {
        // ISO 216 and ANSI sizes, in points (1/72 in).
        let (width, height) = match paper {
            Paper::A4 => (210.0 / 25.4 * 72.0, 297.0 / 25.4 * 72.0),
            Paper::Letter => (612.0, 792.0),
        };
        let margin = 36.0;
        Doc {
            width,
            height,
            left: margin,
            right: width - margin,
            top: 40.0,
            bottom: height - 44.0,
            y: 40.0,
            rtl: false,
            continued: "{title} (continued)",
            pages: Vec::new(),
            ops: Vec::new(),
            shaper: Shaper::default(),
            used: BTreeMap::new(),
            images: Vec::new(),
        }
    }

    pub fn content_width(&self) -> f32 {
        self.right - self.left
    }

    /// `title` again at the top of another page.
    pub fn continued(&self, title: &str) -> String {
        crate::labels::fill(self.continued, &[("title", title)])
    }

    /// The edge a line starts from, and the alignment that sets it against that edge.
    pub fn lead(&self) -> (f32, Align) {
        if self.rtl {
            (self.right, Align::Right)
        } else {
            (self.left, Align::Left)
        }
    }

    /// Horizontal positions for a drawing laid out in reading order (see [`Mirror`]).
    pub fn mirror(&self) -> Mirror {
        Mirror {
            on: self.rtl,
            axis: self.left + self.right,
        }
    }

    pub fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.ops));
        self.y = self.top;
    }

    /// Starts a new page unless `height` still fits on this one (or this one is still empty,
    /// where a taller block has to go anyway).
    pub fn ensure(&mut self, height: f32) {
        if self.y + height > self.bottom && self.y > self.top {
            self.new_page();
        }
    }

    pub fn shape(&mut self, text: &str, bold: bool) -> std::rc::Rc<ShapedLine> {
        self.shaper.line(text, bold)
    }

    pub fn measure(&mut self, text: &str, style: Style) -> f32 {
        self.shape(text, style.bold).width * style.size
    }

    /// Draws one line of text with its baseline at `y`; `x` is the left edge, the centre or
    /// the right edge by `align`. Returns the width drawn.
    pub fn text(&mut self, x: f32, y: f32, text: &str, style: Style, align: Align) -> f32 {
        let line = self.shape(text, style.bold);
        let width = line.width * style.size;
        let x0 = match align {
            Align::Left => x,
            Align::Center => x - width / 2.0,
            Align::Right => x - width,
        };
        self.draw_line(x0, y, &line, style);
        width
    }

    /// Like [`Doc::text`], but shrinks the text (to 70 %) to fit `max_width`, then clips it:
    /// a long name must not run into the next column.
    pub fn text_fit(
        &mut self,
        x: f32,
        y: f32,
        max_width: f32,
        text: &str,
        style: Style,
        align: Align,
    ) {
        let natural = self.measure(text, style);
        if natural <= max_width {
            self.text(x, y, text, style, align);
            return;
        }
        let size = (style.size * max_width / natural).max(style.size * 0.7);
        let fitted = natural * size / style.size;
        let style = Style { size, ..style };
        if fitted <= max_width + 0.01 {
            self.text(x, y, text, style, align);
            return;
        }
        let left = match align {
            Align::Left => x,
            Align::Center => x - max_width / 2.0,
            Align::Right => x - max_width,
        };
        self.ops.push(Op::SaveGraphicsState);
        self.ops.push(Op::DrawRectangle {
            rectangle: Rect {
                mode: Some(PaintMode::Clip),
                winding_order: Some(WindingOrder::NonZero),
                ..Rect::from_xywh(
                    Pt(left),
                    Pt(self.height - y - size * 1.2),
                    Pt(max_width),
                    Pt(size * 2.4),
                )
            },
        });
        self.text(left, y, text, style, Align::Left);
        self.ops.push(Op::RestoreGraphicsState);
    }

    /// Text wrapped at spaces to the content width, flowing onto the next page if need be.
    pub fn paragraph(&mut self, text: &str, style: Style) {
        let width = self.content_width();
        let line_h = style.size * 1.35;
        let (x, align) = self.lead();
        for line in self.wrap(text, style, width) {
            self.ensure(line_h);
            self.text(x, self.y + style.size, &line, style, align);
            self.y += line_h;
        }
    }

    /// The width of `text` in points, without keeping its shapes for drawing.
    pub fn width(&mut self, text: &str, style: Style) -> f32 {
        self.shaper.width(text, style.bold) * style.size
    }

    /// `text` in lines no wider than `width`: broken at its line breaks, then between words,
    /// and a word wider than a line between two of its clusters (Khmer writes words without
    /// spaces between them; a web address has none either). Blank lines inside are kept,
    /// trailing ones dropped: an empty text has no lines.
    pub fn wrap(&mut self, text: &str, style: Style, width: f32) -> Vec<String> {
        self.wrap_paragraphs(text, style, width)
            .into_iter()
            .map(|(line, _)| line)
            .collect()
    }

    /// Like [`Doc::wrap`], each line with the edge it is set against: the right one when its
    /// paragraph reads right to left.
    pub fn wrap_paragraphs(
        &mut self,
        text: &str,
        style: Style,
        width: f32,
    ) -> Vec<(String, Align)> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            // Tabs and other controls would draw as nothing or a box: a space stands in.
            let para: String = para
                .trim_end_matches('\r')
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let align = if reads_rtl(&para) {
                Align::Right
            } else {
                Align::Left
            };
            let mut broken = Vec::new();
            let mut line = String::new();
            for word in para.split(' ') {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, style) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    broken.push(std::mem::take(&mut line));
                }
                line = self.break_word(word, style, width, &mut broken);
            }
            broken.push(line);
            lines.extend(broken.into_iter().map(|l| (l, align)));
        }
        while lines.last().is_some_and(|(l, _)| l.trim().is_empty()) {
            lines.pop();
        }
        lines
    }

    /// Puts the lines of whole clusters of `word` that fill `width` into `lines`, and returns
    /// the rest, which fits. A cluster wider than the line still gets one of its own.
    fn break_word(
        &mut self,
        word: &str,
        style: Style,
        width: f32,
        lines: &mut Vec<String>,
    ) -> String {
        let mut rest = word;
        while self.width(rest, style) > width {
            let starts = self.shaper.cluster_starts(rest, style.bold);
            // Prefixes grow with the cut, so the longest that fits is found by bisection.
            let fitting = starts.partition_point(|&cut| self.width(&rest[..cut], style) <= width);
            let cut = match fitting.checked_sub(1).map(|i| starts[i]) {
                Some(cut) => cut,
                None => match starts.first() {
                    Some(&cut) => cut,
                    None => break,
                },
            };
            lines.push(rest[..cut].to_string());
            rest = &rest[cut..];
        }
        rest.to_string()
    }

    fn draw_line(&mut self, x: f32, y: f32, line: &ShapedLine, style: Style) {
        if line.runs.is_empty() {
            return;
        }
        let base_y = self.height - y;
        self.ops.push(Op::StartTextSection);
        self.ops.push(Op::SetFillColor {
            col: style.color.color(),
        });
        for run in &line.runs {
            // A left-to-right run carries its characters as ActualText: its glyphs alone
            // cannot say that a Khmer vowel drawn first is read after its consonant. A
            // right-to-left run is left to the glyphs' own mapping, because extractors read
            // it by position and reorder it themselves (ActualText would come out reversed).
            let span = !run.rtl;
            if span {
                self.ops.push(Op::BeginMarkedContentWithProperties {
                    tag: "Span".into(),
                    properties: DictItem::Dict {
                        map: BTreeMap::from([(
                            "ActualText".to_string(),
                            pdf_text_string(&run.text),
                        )]),
                    },
                });
            }
            let face = run.face;
            self.ops.push(Op::SetFont {
                font: PdfFontHandle::External(FontId(face.resource_name().into())),
                size: Pt(style.size),
            });
            let used = self.used.entry(face).or_default();
            for g in &run.glyphs {
                used.insert(g.id);
                // One placement per glyph keeps the shaper's positions exactly; printpdf folds
                // consecutive glyphs on one baseline back into a single TJ.
                self.ops.push(Op::SetTextMatrix {
                    matrix: TextMatrix::Translate(
                        Pt(x + g.x * style.size),
                        Pt(base_y + g.y * style.size),
                    ),
                });
                // Extractors (poppler, pdf.js) reverse a right-to-left line character by
                // character, including the several characters of one ligature glyph, so those
                // are stored backwards to come out in reading order.
                let cid = if run.rtl {
                    g.text.chars().rev().collect()
                } else {
                    g.text.clone()
                };
                self.ops.push(Op::ShowText {
                    items: vec![TextItem::GlyphIds(vec![Codepoint {
                        gid: g.id,
                        offset: 0.0,
                        cid: Some(cid),
                    }])],
                });
            }
            if span {
                self.ops.push(Op::EndMarkedContentWithProperties);
            }
        }
        self.ops.push(Op::EndTextSection);
    }

    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb3) {
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        self.ops.push(Op::SetFillColor { col: color.color() });
        self.ops.push(Op::DrawRectangle {
            rectangle: Rect {
                mode: Some(PaintMode::Fill),
                ..Rect::from_xywh(Pt(x), Pt(self.height - y - h), Pt(w), Pt(h))
            },
        });
    }

    pub fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb3, width: f32) {
        self.set_stroke(color, width);
        self.ops.push(Op::DrawRectangle {
            rectangle: Rect {
                mode: Some(PaintMode::Stroke),
                ..Rect::from_xywh(Pt(x), Pt(self.height - y - h), Pt(w), Pt(h))
            },
        });
    }

    fn set_stroke(&mut self, color: Rgb3, width: f32) {
        self.ops.push(Op::SetOutlineColor { col: color.color() });
        self.ops.push(Op::SetOutlineThickness { pt: Pt(width) });
    }

    pub fn polyline(&mut self, points: &[(f32, f32)], color: Rgb3, width: f32) {
        if points.len() < 2 {
            return;
        }
        self.set_stroke(color, width);
        self.ops.push(Op::DrawLine {
            line: Line {
                points: points.iter().map(|&(x, y)| self.point(x, y)).collect(),
                is_closed: false,
            },
        });
    }

    pub fn hline(&mut self, x0: f32, x1: f32, y: f32, color: Rgb3, width: f32) {
        self.polyline(&[(x0, y), (x1, y)], color, width);
    }

    pub fn vline(&mut self, x: f32, y0: f32, y1: f32, color: Rgb3, width: f32) {
        self.polyline(&[(x, y0), (x, y1)], color, width);
    }

    pub fn polygon(&mut self, points: &[(f32, f32)], color: Rgb3) {
        self.ops.push(Op::SetFillColor { col: color.color() });
        self.ops.push(Op::DrawPolygon {
            polygon: Polygon {
                rings: vec![PolygonRing {
                    points: points.iter().map(|&(x, y)| self.point(x, y)).collect(),
                }],
                mode: PaintMode::Fill,
                winding_order: WindingOrder::NonZero,
            },
        });
    }

    fn point(&self, x: f32, y: f32) -> LinePoint {
        LinePoint {
            p: Point {
                x: Pt(x),
                y: Pt(self.height - y),
            },
            bezier: false,
        }
    }

    pub fn add_image(&mut self, image: RawImage) -> XObjectId {
        let id = XObjectId(format!("Im{}", self.images.len() + 1));
        self.images.push((id.clone(), image));
        id
    }

    pub fn image(&mut self, id: &XObjectId, x: f32, y: f32, w: f32, h: f32) {
        self.ops.push(Op::SaveGraphicsState);
        self.ops.push(Op::SetTransformationMatrix {
            matrix: CurTransMat::Raw([w, 0.0, 0.0, h, x, self.height - y - h]),
        });
        self.ops.push(Op::UseXobject {
            id: id.clone(),
            transform: XObjectTransform {
                no_auto_scale: true,
                ..Default::default()
            },
        });
        self.ops.push(Op::RestoreGraphicsState);
    }

    /// Numbers the pages (`page_label(page, pages)`), embeds the glyphs used and writes the
    /// file.
    pub fn finish(
        mut self,
        title: &str,
        footer: &str,
        page_label: &dyn Fn(usize, usize) -> String,
        made_at: i64,
    ) -> Result<Vec<u8>, Error> {
        self.pages.push(std::mem::take(&mut self.ops));
        let total = self.pages.len();
        let small = Style::new(7.0).color(MUTED);
        for i in 0..total {
            // Footers are drawn into their page after the fact, once the count is known.
            let body = std::mem::take(&mut self.pages[i]);
            self.ops = body;
            let y = self.height - 24.0;
            self.hline(self.left, self.right, y - 10.0, RULE, 0.5);
            let footer_width = self.content_width() - 80.0;
            let (x, align) = self.lead();
            self.text_fit(x, y, footer_width, footer, small, align);
            let page = page_label(i + 1, total);
            let (x, align) = if self.rtl {
                (self.left, Align::Left)
            } else {
                (self.right, Align::Right)
            };
            self.text(x, y, &page, small, align);
            self.pages[i] = std::mem::take(&mut self.ops);
        }

        let mut subsets = BTreeMap::new();
        for (face, glyphs) in &self.used {
            subsets.insert(*face, Subset::new(*face, glyphs)?);
        }
        let mut pages = Vec::with_capacity(total);
        for mut ops in std::mem::take(&mut self.pages) {
            renumber_glyphs(&mut ops, &subsets);
            pages.push(PdfPage::new(
                printpdf::Mm(self.width * 25.4 / 72.0),
                printpdf::Mm(self.height * 25.4 / 72.0),
                ops,
            ));
        }

        let mut doc = PdfDocument::new(title);
        doc.metadata.info.creator = "Frontdesk".into();
        doc.metadata.info.producer = "Frontdesk (printpdf)".into();
        if let Ok(made) = printpdf::OffsetDateTime::from_unix_timestamp(made_at) {
            doc.metadata.info.creation_date = made;
            doc.metadata.info.modification_date = made;
            doc.metadata.info.metadata_date = made;
        }
        for (face, subset) in &subsets {
            let mut warnings = Vec::new();
            let mut parsed = printpdf::ParsedFont::from_bytes(&subset.bytes, 0, &mut warnings)
                .ok_or_else(|| {
                    Error::Render(format!("subset of {} unreadable", face.file_name()))
                })?;
            parsed.font_name = Some(subset.base_font_name(*face));
            doc.resources
                .fonts
                .map
                .insert(FontId(face.resource_name().into()), PdfFont::new(parsed));
        }
        for (id, image) in std::mem::take(&mut self.images) {
            doc.resources
                .xobjects
                .map
                .insert(id, printpdf::XObject::Image(image));
        }
        doc.with_pages(pages);
        let mut warnings = Vec::new();
        let opts = PdfSaveOptions {
            optimize: true,
            subset_fonts: false,
            secure: true,
            image_optimization: None,
        };
        let mut bytes = doc.save(&opts, &mut warnings);
        if bytes.is_empty() {
            return Err(Error::Render("printpdf wrote nothing".into()));
        }
        content_id(&mut bytes);
        Ok(bytes)
    }
}

/// printpdf names each file (the trailer's /ID) from a counter that runs on through the
/// process, so a second PDF made of the same data in one process differs from the first. The
/// names are replaced by a hash of everything before them, of the same length, so the
/// cross-reference offsets stay right and the same data always gives the same bytes.
fn content_id(bytes: &mut [u8]) {
    const KEY: &[u8] = b"/ID[(";
    const LEN: usize = 32;
    let Some(start) = bytes.windows(KEY.len()).rposition(|w| w == KEY) else {
        return;
    };
    let first = start + KEY.len();
    let second = first + LEN + 2;
    let shaped = bytes.len() > second + LEN
        && bytes[first + LEN..second] == *b")("
        && bytes[second + LEN] == b')';
    if !shaped {
        return;
    }
    // FNV-1a, twice with different starting values, for 128 bits.
    let mut hashes: [u64; 2] = [0xcbf2_9ce4_8422_2325, 0x6c62_272e_07bb_0142];
    for &b in &bytes[..start] {
        for h in &mut hashes {
            *h = (*h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    let id: Vec<u8> = (0..LEN)
        .map(|i| b'A' + ((hashes[i / 16] >> ((i % 16) * 4)) & 0xf) as u8)
        .collect();
    bytes[first..first + LEN].copy_from_slice(&id);
    bytes[second..second + LEN].copy_from_slice(&id);
}

/// Glyph ids were recorded as in the whole font; the embedded subsets number them anew.
fn renumber_glyphs(ops: &mut [Op], subsets: &BTreeMap<Face, Subset>) {
    let mut current: Option<&Subset> = None;
    for op in ops {
        match op {
            Op::SetFont {
                font: PdfFontHandle::External(id),
                ..
            } => {
                current = Face::ALL
                    .into_iter()
                    .find(|f| f.resource_name() == id.0)
                    .and_then(|f| subsets.get(&f));
            }
            Op::ShowText { items } => {
                let Some(subset) = current else { continue };
                for item in items {
                    if let TextItem::GlyphIds(glyphs) = item {
                        for g in glyphs {
                            g.gid = subset.new_id(g.gid);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// A PDF text string: UTF-16BE with a byte-order mark, so any script survives.
fn pdf_text_string(text: &str) -> DictItem {
    let mut data = vec![0xfe, 0xff];
    for unit in text.encode_utf16() {
        data.extend_from_slice(&unit.to_be_bytes());
    }
    DictItem::String {
        data,
        literal: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_breaks_between_words_then_between_clusters() {
        let mut doc = Doc::new(Paper::A4);
        let style = Style::new(8.0);
        let words = "one two three four five six seven eight nine ten eleven twelve";
        let lines = doc.wrap(words, style, 60.0);
        assert!(lines.len() > 2, "{lines:?}");
        assert_eq!(lines.join(" "), words);
        for line in &lines {
            assert!(doc.width(line, style) <= 60.0, "{line:?}");
        }

        // Khmer runs words together: it breaks between syllables, never after a coeng
        // (U+17D2) or before a vowel sign, and nothing is lost.
        let khmer = "ខ្ញុំចង់ប្តូរការណាត់ជួបរបស់ខ្ញុំទៅថ្ងៃសុក្រក្រោយព្រោះខ្ញុំមានការងារច្រើនណាស់";
        let lines = doc.wrap(khmer, style, 50.0);
        assert!(lines.len() > 2, "{lines:?}");
        assert_eq!(lines.concat(), khmer);
        for pair in lines.windows(2) {
            let before = pair[0].chars().last().unwrap();
            let after = pair[1].chars().next().unwrap();
            assert_ne!(before, '\u{17D2}', "{lines:?}");
            assert!(!('\u{17B6}'..='\u{17D3}').contains(&after), "{lines:?}");
        }
        for line in &lines {
            assert!(doc.width(line, style) <= 50.0, "{line:?}");
        }

        // Line breaks are kept, blank lines inside too, trailing ones dropped.
        assert_eq!(doc.wrap("a\n\nb\n\n", style, 100.0), vec!["a", "", "b"]);
        assert!(doc.wrap("", style, 100.0).is_empty());
        // Each paragraph keeps its own direction.
        assert_eq!(
            doc.wrap_paragraphs("Hello\nليلى حداد", style, 100.0),
            vec![
                ("Hello".to_string(), Align::Left),
                ("ليلى حداد".to_string(), Align::Right)
            ]
        );
    }
}

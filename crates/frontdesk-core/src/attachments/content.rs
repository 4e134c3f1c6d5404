//! The verdict on an attachment's bytes: which of the four kinds it is, and whether it is whole.

use std::fmt;
use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use super::thumbs;

/// The size limit a clinic has until it sets its own: enough for a phone photo or a scanned
/// letter of a few pages.
// The clinic's setting (`max_file_mb`) is what counts; this is the tests' yardstick.
#[allow(dead_code)]
pub(crate) const DEFAULT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// The longest side a picture may have. Phone cameras stay well under it (8,160 pixels in
/// their 50-megapixel modes); past it are stitched panoramas and crafted files.
pub(crate) const MAX_SIDE: u32 = 10_000;

/// The most pixels a picture may have: a little over the 50-megapixel modes of current phones
/// (8,160 × 6,144 = 50.1 MP), so that their full-size photos go through. Decoded with an alpha
/// channel that is 208 MB, inside [`MAX_ALLOC`].
pub(crate) const MAX_PIXELS: u64 = 52_000_000;

/// What a decoder may allocate for the pixels. A picture of 16 bits a channel near
/// [`MAX_PIXELS`] needs more and is refused as too big, which such a file (a scan for print,
/// not a chat picture) may well be.
pub(crate) const MAX_ALLOC: u64 = 256 * 1024 * 1024;

/// Acrobat's tolerance, which the other readers copied: the `%PDF-` header anywhere in the
/// first 1024 bytes, the `%%EOF` marker anywhere in the last 1024.
const PDF_WINDOW: usize = 1024;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The four kinds of file chat carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileKind {
    Jpeg,
    Png,
    Webp,
    Pdf,
}

impl FileKind {
    pub(crate) fn mime(&self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Webp => "image/webp",
            FileKind::Pdf => "application/pdf",
        }
    }

    /// The extension a saved copy gets, whatever the sender's name for it ended in, so that
    /// the program that opens it is the one for what it really is.
    pub(crate) fn extension(&self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
            FileKind::Webp => "webp",
            FileKind::Pdf => "pdf",
        }
    }

    // Kept with the kinds for callers that choose between a picture and a document view.
    #[allow(dead_code)]
    pub(crate) fn is_image(&self) -> bool {
        !matches!(self, FileKind::Pdf)
    }

    /// The format's name as people know it, for messages.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            FileKind::Jpeg => "JPEG",
            FileKind::Png => "PNG",
            FileKind::Webp => "WebP",
            FileKind::Pdf => "PDF",
        }
    }

    /// The kind the bytes announce, or `None` for anything else. Announcing is not being:
    /// [`check`] goes on to make sure.
    pub(crate) fn sniff(bytes: &[u8]) -> Option<FileKind> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileKind::Jpeg)
        } else if bytes.starts_with(PNG_SIGNATURE) {
            Some(FileKind::Png)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(FileKind::Webp)
        } else if find(head(bytes), b"%PDF-").is_some() {
            Some(FileKind::Pdf)
        } else {
            None
        }
    }

    fn image_format(self) -> Option<ImageFormat> {
        match self {
            FileKind::Jpeg => Some(ImageFormat::Jpeg),
            FileKind::Png => Some(ImageFormat::Png),
            FileKind::Webp => Some(ImageFormat::WebP),
            FileKind::Pdf => None,
        }
    }
}

/// An attachment the desk takes, with what the conversation shows of it.
#[derive(Clone, Debug)]
pub(crate) struct Checked {
    pub kind: FileKind,
    /// The picture's size as it is meant to be seen, that is after the turn its Exif
    /// orientation asks for. `None` for a PDF.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// At most [`thumbs::MAX_SIDE`] pixels on the long side, turned upright, encoded afresh.
    /// `None` for a PDF, which is never rendered here.
    pub thumbnail: Option<Vec<u8>>,
    pub thumbnail_mime: Option<&'static str>,
    /// Always `None` for now: counting a PDF's pages means parsing its objects, and that can
    /// cost a great deal more than the file's size (see `check_pdf`).
    #[allow(dead_code)]
    pub pages: Option<u32>,
}

/// Why the desk refuses an attachment. [`Refusal::code`] is stable, for the UI's translated
/// messages; the English text is for the rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    TooLarge {
        size: usize,
        max: usize,
    },
    Empty,
    UnknownType,
    /// The format's name ("JPEG", "PDF", ...).
    Corrupt(&'static str),
    TooManyPixels {
        width: u32,
        height: u32,
    },
}

impl Refusal {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Refusal::TooLarge { .. } => "attachment.too_large",
            Refusal::Empty => "attachment.empty",
            Refusal::UnknownType => "attachment.wrong_type",
            Refusal::Corrupt(_) => "attachment.corrupt",
            Refusal::TooManyPixels { .. } => "attachment.too_many_pixels",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Rounded apart, so that a file a byte over the limit never reads as the limit.
            Refusal::TooLarge { size, max } => write!(
                f,
                "The file is {}; the limit is {}.",
                human_size(*size, Round::Up),
                human_size(*max, Round::Down)
            ),
            Refusal::Empty => f.write_str("The file is empty."),
            Refusal::UnknownType => {
                f.write_str("Only JPEG, PNG and WebP pictures and PDF documents can be sent.")
            }
            Refusal::Corrupt(format) => write!(
                f,
                "This {format} file is damaged or incomplete and cannot be opened."
            ),
            Refusal::TooManyPixels { width, height } => write!(
                f,
                "The picture is {width} × {height} pixels; pictures can have at most {} \
                 megapixels and {MAX_SIDE} pixels on a side.",
                MAX_PIXELS / 1_000_000
            ),
        }
    }
}

impl std::error::Error for Refusal {}

/// Decides what the bytes are and whether the desk takes them, and makes a picture's
/// thumbnail. Nothing here trusts the sender: the name and claimed type are not even asked for.
pub(crate) fn check(bytes: &[u8], max_bytes: usize) -> Result<Checked, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    // First, before any parsing: the size is the one cost a sender sets outright.
    if bytes.len() > max_bytes {
        return Err(Refusal::TooLarge {
            size: bytes.len(),
            max: max_bytes,
        });
    }
    match FileKind::sniff(bytes).ok_or(Refusal::UnknownType)? {
        FileKind::Pdf => check_pdf(bytes),
        kind => check_image(bytes, kind),
    }
}

fn check_image(bytes: &[u8], kind: FileKind) -> Result<Checked, Refusal> {
    let corrupt = Refusal::Corrupt(kind.name());
    let Some(format) = kind.image_format() else {
        return Err(Refusal::UnknownType);
    };
    // zune-jpeg, in the lenient mode the image crate runs it in, decodes a JPEG whose end is
    // missing without a word, so the container must be whole before the pixels are believed.
    // The PNG and WebP decoders notice a cut themselves; walking their chunks costs nothing
    // and does not depend on how lenient they are.
    let whole = match kind {
        FileKind::Jpeg => jpeg_is_whole(bytes),
        FileKind::Png => png_is_whole(bytes),
        FileKind::Webp => webp_is_whole(bytes),
        FileKind::Pdf => false,
    };
    if !whole {
        return Err(corrupt);
    }

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // Without side limits for the header: with them, a bomb would be refused without saying
    // how big it claims to be. Nothing the size of the picture is allocated yet.
    reader.limits(limits(None));
    let mut decoder = reader.into_decoder().map_err(|_| corrupt.clone())?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(corrupt);
    }
    let too_many = Refusal::TooManyPixels { width, height };
    if width > MAX_SIDE
        || height > MAX_SIDE
        || u64::from(width) * u64::from(height) > MAX_PIXELS
        || decoder.total_bytes() > MAX_ALLOC
    {
        return Err(too_many);
    }
    // The same bounds handed to the decoder itself, which passes them on to the codec.
    decoder
        .set_limits(limits(Some(MAX_SIDE)))
        .map_err(|_| too_many.clone())?;
    // A damaged Exif block is no reason to refuse a picture whose pixels are sound: it is then
    // shown the way it is stored.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        ImageError::Limits(_) => too_many,
        _ => corrupt,
    })?;

    let (width, height) = if thumbs::swaps_sides(orientation) {
        (height, width)
    } else {
        (width, height)
    };
    // The picture itself is sound; a thumbnail that fails to encode is our fault, not the
    // sender's, and the conversation can show a placeholder.
    let thumbnail = match thumbs::make(image, orientation) {
        Ok(png) => Some(png),
        Err(e) => {
            tracing::warn!("attachment thumbnail not made: {e}");
            None
        }
    };
    Ok(Checked {
        kind,
        width: Some(width),
        height: Some(height),
        thumbnail_mime: thumbnail.as_ref().map(|_| thumbs::MIME),
        thumbnail,
        pages: None,
    })
}

fn limits(max_side: Option<u32>) -> Limits {
    // Limits is non-exhaustive: no struct literal outside the image crate.
    let mut limits = Limits::default();
    limits.max_image_width = max_side;
    limits.max_image_height = max_side;
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

/// Walks the segments from SOI to EOI, stepping over each scan's entropy-coded data. A file
/// cut anywhere has no EOI to reach. Bytes after EOI are left alone: phones append their
/// motion-photo video there.
fn jpeg_is_whole(b: &[u8]) -> bool {
    let mut at = 2;
    loop {
        // Stray bytes before a marker are tolerated, as libjpeg does; so are fill bytes.
        while at < b.len() && b[at] != 0xFF {
            at += 1;
        }
        while at < b.len() && b[at] == 0xFF {
            at += 1;
        }
        let Some(&marker) = b.get(at) else {
            return false;
        };
        at += 1;
        match marker {
            0xD9 => return true,
            // Markers that stand alone, without a length (FF 00 is not a marker at all).
            0x00 | 0x01 | 0xD0..=0xD8 => continue,
            _ => {}
        }
        let Some(len) = b.get(at..at + 2) else {
            return false;
        };
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        if len < 2 {
            return false;
        }
        at += len;
        if at > b.len() {
            return false;
        }
        if marker == 0xDA {
            // Inside a scan a 0xFF is either stuffed (FF 00) or a restart marker; anything
            // else ends the scan.
            loop {
                while at < b.len() && b[at] != 0xFF {
                    at += 1;
                }
                match b.get(at + 1) {
                    None => return false,
                    Some(0x00 | 0xD0..=0xD7) => at += 2,
                    Some(_) => break,
                }
            }
        }
    }
}

/// Walks the chunks from the signature to IEND, each of which must fit in the file.
fn png_is_whole(b: &[u8]) -> bool {
    let mut at = PNG_SIGNATURE.len();
    while let Some(chunk) = b.get(at..at + 8) {
        let len = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        let Some(end) = usize::try_from(len)
            .ok()
            .and_then(|len| at.checked_add(12)?.checked_add(len))
        else {
            return false;
        };
        if end > b.len() {
            return false;
        }
        if &chunk[4..8] == b"IEND" {
            return true;
        }
        at = end;
    }
    false
}

/// A WebP is one RIFF chunk, whose size the file must hold.
fn webp_is_whole(b: &[u8]) -> bool {
    let declared = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
    usize::try_from(declared)
        .ok()
        .and_then(|d| d.checked_add(8))
        .is_some_and(|end| end <= b.len())
}

/// A PDF passes when it has a version header, an end-of-file marker, and a `startxref` that
/// points at a cross-reference section. That is what a reader needs to find anything in the
/// file, and what a cut-off download lacks.
///
/// It is deliberately not parsed further. Parsing the objects (as lopdf does on load) inflates
/// every object stream and builds a tree of the file: even with lopdf's limit per stream, a
/// file of many small compressed streams makes gigabytes, and an uncompressed array of
/// numbers costs many times its size. So a PDF gets no page count for now.
fn check_pdf(bytes: &[u8]) -> Result<Checked, Refusal> {
    let corrupt = Refusal::Corrupt(FileKind::Pdf.name());
    let start = find(head(bytes), b"%PDF-").ok_or(corrupt.clone())?;
    if !pdf_version_known(&bytes[start + 5..]) {
        return Err(corrupt);
    }
    let tail_start = bytes.len().saturating_sub(PDF_WINDOW).max(start);
    let tail = &bytes[tail_start..];
    let eof = rfind(tail, b"%%EOF").ok_or(corrupt.clone())?;
    let startxref = rfind(&tail[..eof], b"startxref").ok_or(corrupt.clone())?;
    let offset = pdf_number(&tail[startxref + b"startxref".len()..eof]).ok_or(corrupt.clone())?;
    // Offsets count from the file's first byte; where bytes come before the header, Acrobat
    // counts from the header instead, and so may the writer have.
    let xref_found = [0, start].into_iter().any(|base| {
        base.checked_add(offset)
            .and_then(|at| bytes.get(at..))
            .is_some_and(starts_xref_section)
    });
    if !xref_found {
        return Err(corrupt);
    }
    Ok(Checked {
        kind: FileKind::Pdf,
        width: None,
        height: None,
        thumbnail: None,
        thumbnail_mime: None,
        pages: None,
    })
}

/// 1.0 to 1.7, and 2.0: every version published.
fn pdf_version_known(v: &[u8]) -> bool {
    let known = match v {
        [b'1', b'.', minor, ..] => (b'0'..=b'7').contains(minor),
        [b'2', b'.', b'0', ..] => true,
        _ => false,
    };
    known && !v.get(3).is_some_and(u8::is_ascii_digit)
}

/// Either a classic table (`xref`) or a cross-reference stream, which is an object
/// (`12 0 obj`).
fn starts_xref_section(s: &[u8]) -> bool {
    let s = skip_pdf_space(s);
    if s.starts_with(b"xref") {
        return true;
    }
    let Some(s) = skip_digits(s) else {
        return false;
    };
    let Some(s) = skip_digits(skip_pdf_space(s)) else {
        return false;
    };
    skip_pdf_space(s).starts_with(b"obj")
}

fn pdf_number(s: &[u8]) -> Option<usize> {
    let s = skip_pdf_space(s);
    let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
    // Ten digits already pass any file this module accepts.
    if digits == 0 || digits > 10 {
        return None;
    }
    std::str::from_utf8(&s[..digits]).ok()?.parse().ok()
}

fn skip_digits(s: &[u8]) -> Option<&[u8]> {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    (n > 0).then(|| &s[n..])
}

fn skip_pdf_space(s: &[u8]) -> &[u8] {
    let n = s
        .iter()
        .take_while(|c| matches!(c, b'\0' | b'\t' | b'\n' | b'\x0C' | b'\r' | b' '))
        .count();
    &s[n..]
}

fn head(bytes: &[u8]) -> &[u8] {
    &bytes[..bytes.len().min(PDF_WINDOW)]
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

#[derive(Clone, Copy)]
enum Round {
    Up,
    Down,
}

/// Sizes the way file managers show them: binary units under the familiar names, one decimal
/// for megabytes and none where it is zero.
fn human_size(bytes: usize, round: Round) -> String {
    const KB: usize = 1024;
    const MB: usize = 1024 * 1024;
    let div = |n: usize, d: usize| match round {
        Round::Up => n.div_ceil(d),
        Round::Down => n / d,
    };
    if bytes >= MB {
        let tenths = div(bytes.saturating_mul(10), MB);
        match tenths % 10 {
            0 => format!("{} MB", tenths / 10),
            t => format!("{}.{t} MB", tenths / 10),
        }
    } else if bytes >= KB {
        format!("{} KB", div(bytes, KB))
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {

    use image::codecs::jpeg::JpegEncoder;
    use image::codecs::png::PngEncoder;
    use image::codecs::webp::WebPEncoder;
    use image::{ExtendedColorType, ImageEncoder, ImageFormat, RgbImage};

    use super::*;

    /// Left half red, right half blue, with a ripple so the codecs have something to do.
    fn picture(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            let ripple = ((x * 7 + y * 3) % 32) as u8;
            if x < width / 2 {
                image::Rgb([220 + ripple, 20, 20])
            } else {
                image::Rgb([20, 20, 220 + ripple])
            }
        })
    }

    fn jpeg_with_exif(width: u32, height: u32, exif: Option<Vec<u8>>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = JpegEncoder::new_with_quality(&mut out, 85);
        if let Some(exif) = exif {
            encoder.set_exif_metadata(exif).unwrap();
        }
        encoder
            .encode_image(&DynamicImage::ImageRgb8(picture(width, height)))
            .unwrap();
        out
    }

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        jpeg_with_exif(width, height, None)
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(
                picture(width, height).as_raw(),
                width,
                height,
                ExtendedColorType::Rgb8,
            )
            .unwrap();
        out
    }

    fn webp(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        WebPEncoder::new_lossless(&mut out)
            .write_image(
                picture(width, height).as_raw(),
                width,
                height,
                ExtendedColorType::Rgb8,
            )
            .unwrap();
        out
    }

    fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.finalize().to_be_bytes());
    }

    /// A well-formed PNG of a few dozen bytes whose header claims the given size: the shape
    /// of a decompression bomb, whose pixels would come from a small, very compressible IDAT.
    fn png_claiming(width: u32, height: u32) -> Vec<u8> {
        let mut out = PNG_SIGNATURE.to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        // 8-bit RGB, deflate, adaptive filtering, not interlaced.
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        png_chunk(&mut out, b"IHDR", &ihdr);
        // zlib's stream for one zero byte.
        png_chunk(
            &mut out,
            b"IDAT",
            &[0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
        );
        png_chunk(&mut out, b"IEND", &[]);
        out
    }

    /// A one-page PDF whose cross-reference table gives each object's true offset.
    fn pdf() -> Vec<u8> {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
             /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length 42 >>\nstream\nBT /F1 24 Tf 72 720 Td (Lab results) Tj ET\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ];
        let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
        );
        for offset in offsets {
            out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    /// A big-endian Exif block: the given orientation, and a GPS position of the kind a phone
    /// writes into every photo.
    fn exif(orientation: u16) -> Vec<u8> {
        let mut e = b"MM\0\x2A\0\0\0\x08".to_vec();
        e.extend_from_slice(&[0, 2]);
        e.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
        e.extend_from_slice(&orientation.to_be_bytes());
        e.extend_from_slice(&[0, 0]);
        // GPSInfo, pointing just past this IFD.
        e.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]);
        e.extend_from_slice(&[0, 0, 0, 0]);
        assert_eq!(e.len(), 38);
        // GPSLatitudeRef "N", GPSLatitude 11° 33' 0".
        e.extend_from_slice(&[0, 2]);
        e.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
        e.extend_from_slice(&[0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 68]);
        e.extend_from_slice(&[0, 0, 0, 0]);
        assert_eq!(e.len(), 68);
        for (num, den) in [(11u32, 1u32), (33, 1), (0, 1)] {
            e.extend_from_slice(&num.to_be_bytes());
            e.extend_from_slice(&den.to_be_bytes());
        }
        e
    }

    /// The bytes with the first `from` replaced: PDFs are edited as bytes, since their
    /// binary comment line is not UTF-8 and a lossy round trip would move every offset.
    fn replaced(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
        let at = find(bytes, from.as_bytes()).unwrap();
        [&bytes[..at], to.as_bytes(), &bytes[at + from.len()..]].concat()
    }

    fn thumbnail_of(checked: &Checked) -> DynamicImage {
        assert_eq!(checked.thumbnail_mime, Some("image/png"));
        let png = checked
            .thumbnail
            .as_deref()
            .expect("a picture gets a thumbnail");
        image::load_from_memory_with_format(png, ImageFormat::Png).unwrap()
    }

    fn refusal(bytes: &[u8]) -> Refusal {
        check(bytes, DEFAULT_MAX_BYTES).expect_err("should be refused")
    }

    #[test]
    fn the_three_pictures_pass_with_their_size_and_a_png_thumbnail() {
        for (bytes, kind) in [
            (jpeg(64, 48), FileKind::Jpeg),
            (png(64, 48), FileKind::Png),
            (webp(64, 48), FileKind::Webp),
        ] {
            let checked = check(&bytes, DEFAULT_MAX_BYTES).unwrap();
            assert_eq!(checked.kind, kind);
            assert!(kind.is_image());
            assert_eq!((checked.width, checked.height), (Some(64), Some(48)));
            assert_eq!(checked.pages, None);
            // Small pictures are not blown up.
            let thumb = thumbnail_of(&checked);
            assert_eq!((thumb.width(), thumb.height()), (64, 48));
        }
    }

    #[test]
    fn a_well_formed_pdf_passes_without_a_thumbnail() {
        let checked = check(&pdf(), DEFAULT_MAX_BYTES).unwrap();
        assert_eq!(checked.kind, FileKind::Pdf);
        assert!(!checked.kind.is_image());
        assert_eq!(
            (checked.kind.mime(), checked.kind.extension()),
            ("application/pdf", "pdf")
        );
        assert_eq!(checked.thumbnail, None);
        assert_eq!(checked.thumbnail_mime, None);
        assert_eq!((checked.width, checked.height), (None, None));
    }

    #[test]
    fn the_content_decides_not_the_name() {
        // The sender called the first "scan.pdf" and the second "photo.jpg"; check is never
        // told, and the bytes win.
        assert_eq!(
            check(&jpeg(16, 16), DEFAULT_MAX_BYTES).unwrap().kind,
            FileKind::Jpeg
        );
        let pdf = check(&pdf(), DEFAULT_MAX_BYTES).unwrap();
        assert_eq!(pdf.kind, FileKind::Pdf);
        assert_eq!(pdf.kind.extension(), "pdf");
        assert_eq!(FileKind::Jpeg.mime(), "image/jpeg");
        assert_eq!(FileKind::Webp.extension(), "webp");
    }

    #[test]
    fn anything_else_is_the_wrong_type() {
        let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\
                    \x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
        let html = b"<!DOCTYPE html><html><body><script>fetch('/steal')</script></body></html>";
        let svg = b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
                    width=\"10\" height=\"10\"><script>alert(1)</script></svg>";
        let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00";
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program";
        let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00!\x00photo.png";
        // HEIC, iPhones' own format, is not one of the four.
        let heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic";
        let wav = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00";
        let text = "Bonjour, voici la photo".as_bytes();
        for bytes in [
            &gif[..],
            &html[..],
            &svg[..],
            &elf[..],
            &exe[..],
            &zip[..],
            &heic[..],
            &wav[..],
            text,
        ] {
            assert_eq!(refusal(bytes), Refusal::UnknownType, "{:?}", &bytes[..8]);
        }
        // A PDF header further in than readers look for one.
        let mut late = vec![b' '; PDF_WINDOW];
        late.extend_from_slice(&pdf());
        assert_eq!(refusal(&late), Refusal::UnknownType);
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert_eq!(refusal(&[]), Refusal::Empty);
        assert_eq!(Refusal::Empty.code(), "attachment.empty");
    }

    #[test]
    fn a_file_over_the_limit_is_refused_before_anything_is_read() {
        // A PNG signature followed by zeros would be refused as damaged if it were parsed.
        let max = 1024;
        let mut bytes = PNG_SIGNATURE.to_vec();
        bytes.resize(max + 1, 0);
        assert_eq!(
            check(&bytes, max).unwrap_err(),
            Refusal::TooLarge { size: max + 1, max }
        );
        bytes.truncate(max);
        assert_eq!(check(&bytes, max).unwrap_err(), Refusal::Corrupt("PNG"));
        // A real picture, too, once the limit is below it.
        let jpeg = jpeg(32, 32);
        assert!(matches!(
            check(&jpeg, jpeg.len() - 1),
            Err(Refusal::TooLarge { .. })
        ));
        assert!(check(&jpeg, jpeg.len()).is_ok());
    }

    #[test]
    fn a_png_claiming_60000_pixels_square_is_refused_at_once() {
        let bomb = png_claiming(60_000, 60_000);
        assert!(bomb.len() < 100);
        assert_eq!(
            refusal(&bomb),
            Refusal::TooManyPixels {
                width: 60_000,
                height: 60_000
            }
        );
        // Decoding would mean allocating 10.8 GB: the refusal comes from the header alone.
    }

    #[test]
    fn too_many_pixels_within_the_side_limit_is_refused_too() {
        let bomb = png_claiming(9_000, 9_000);
        assert_eq!(
            refusal(&bomb),
            Refusal::TooManyPixels {
                width: 9_000,
                height: 9_000
            }
        );
        // A long strip: few pixels, one side too long.
        assert_eq!(
            refusal(&png_claiming(20_000, 10)),
            Refusal::TooManyPixels {
                width: 20_000,
                height: 10
            }
        );
    }

    #[test]
    fn a_jpeg_claiming_60000_pixels_square_is_refused_at_once() {
        let mut bomb = jpeg(16, 16);
        // The baseline frame header: FF C0, length, precision, height, width.
        let sof = find(&bomb, &[0xFF, 0xC0]).unwrap();
        bomb[sof + 5..sof + 7].copy_from_slice(&60_000u16.to_be_bytes());
        bomb[sof + 7..sof + 9].copy_from_slice(&60_000u16.to_be_bytes());
        assert_eq!(
            refusal(&bomb),
            Refusal::TooManyPixels {
                width: 60_000,
                height: 60_000
            }
        );
    }

    #[test]
    fn cut_off_pictures_are_corrupt() {
        let jpeg = jpeg(64, 64);
        assert_eq!(refusal(&jpeg[..jpeg.len() / 2]), Refusal::Corrupt("JPEG"));
        assert_eq!(refusal(&jpeg[..jpeg.len() - 2]), Refusal::Corrupt("JPEG"));

        let png = png(64, 64);
        assert_eq!(refusal(&png[..png.len() / 2]), Refusal::Corrupt("PNG"));
        // Even when only IEND is missing.
        assert_eq!(refusal(&png[..png.len() - 12]), Refusal::Corrupt("PNG"));

        let webp = webp(64, 64);
        assert_eq!(refusal(&webp[..webp.len() / 2]), Refusal::Corrupt("WebP"));
        // A signature and nothing after.
        assert_eq!(refusal(&webp[..12]), Refusal::Corrupt("WebP"));
        assert_eq!(refusal(PNG_SIGNATURE), Refusal::Corrupt("PNG"));
        assert_eq!(refusal(&[0xFF, 0xD8, 0xFF]), Refusal::Corrupt("JPEG"));
    }

    #[test]
    fn garbage_after_a_sound_header_is_corrupt() {
        // The container is whole, so only decoding can tell.
        let good = png(64, 64);
        let ihdr_end = PNG_SIGNATURE.len() + 8 + 13 + 4;
        let mut bytes = good[..ihdr_end].to_vec();
        let garbage: Vec<u8> = (0..4000u32).map(|i| (i * 131 % 251) as u8).collect();
        png_chunk(&mut bytes, b"IDAT", &garbage);
        png_chunk(&mut bytes, b"IEND", &[]);
        assert_eq!(refusal(&bytes), Refusal::Corrupt("PNG"));

        // A chunk whose checksum does not match is damage too.
        let mut flipped = good.clone();
        let last_idat_byte = flipped.len() - 12 - 5;
        flipped[last_idat_byte] ^= 0xFF;
        assert_eq!(refusal(&flipped), Refusal::Corrupt("PNG"));

        // WebP: the RIFF size is right, the bitstream is not.
        let mut webp = webp(64, 64);
        for b in &mut webp[30..] {
            *b = 0xA5;
        }
        assert_eq!(refusal(&webp), Refusal::Corrupt("WebP"));
    }

    #[test]
    fn bytes_after_the_end_of_a_picture_are_left_alone() {
        // Phones append the video of a motion photo after a JPEG's EOI.
        let mut motion = jpeg(32, 32);
        motion.extend_from_slice(b"\0\0\0\x18ftypmp42 and then a video");
        assert_eq!(
            check(&motion, DEFAULT_MAX_BYTES).unwrap().kind,
            FileKind::Jpeg
        );
    }

    #[test]
    fn a_landscape_thumbnail_is_320_wide_and_keeps_the_aspect() {
        for bytes in [jpeg(1200, 800), png(1200, 800), webp(1200, 800)] {
            let checked = check(&bytes, DEFAULT_MAX_BYTES).unwrap();
            assert_eq!((checked.width, checked.height), (Some(1200), Some(800)));
            let thumb = thumbnail_of(&checked);
            assert_eq!(thumb.width(), 320);
            assert!((213..=214).contains(&thumb.height()), "{}", thumb.height());
        }
    }

    #[test]
    fn a_portrait_thumbnail_is_at_most_320_tall() {
        let checked = check(&jpeg(600, 1000), DEFAULT_MAX_BYTES).unwrap();
        let thumb = thumbnail_of(&checked);
        assert_eq!((thumb.width(), thumb.height()), (192, 320));
    }

    #[test]
    fn the_thumbnail_is_turned_upright_and_carries_no_exif() {
        // Stored 1200 × 800, to be shown turned a quarter clockwise: what a phone held upright
        // writes.
        let bytes = jpeg_with_exif(1200, 800, Some(exif(6)));
        assert!(find(&bytes, b"Exif\0\0").is_some());
        let checked = check(&bytes, DEFAULT_MAX_BYTES).unwrap();
        assert_eq!((checked.width, checked.height), (Some(800), Some(1200)));
        let thumb = thumbnail_of(&checked);
        assert!((213..=214).contains(&thumb.width()), "{}", thumb.width());
        assert_eq!(thumb.height(), 320);
        // Turned clockwise, the red left half is now on top.
        let thumb = thumb.to_rgb8();
        let top = thumb.get_pixel(thumb.width() / 2, 10);
        let bottom = thumb.get_pixel(thumb.width() / 2, thumb.height() - 10);
        assert!(top[0] > 150 && top[2] < 100, "{top:?}");
        assert!(bottom[2] > 150 && bottom[0] < 100, "{bottom:?}");

        let png = checked.thumbnail.unwrap();
        assert!(find(&png, b"Exif").is_none());
        assert!(find(&png, b"eXIf").is_none());
        assert!(find(&png, b"GPS").is_none());
    }

    #[test]
    fn a_pdf_cut_off_or_malformed_is_corrupt() {
        let good = pdf();
        let corrupt = Refusal::Corrupt("PDF");
        assert_eq!(refusal(&good[..good.len() / 2]), corrupt);
        // Cut just before the end marker.
        assert_eq!(refusal(&good[..good.len() - 6]), corrupt);
        // Only a header.
        assert_eq!(refusal(b"%PDF-1.7\n"), corrupt);

        for (from, to) in [
            // A version no one published.
            ("%PDF-1.4", "%PDF-1.9"),
            ("%PDF-1.4", "%PDF-3.0"),
            ("%PDF-1.4", "%PDF-x.y"),
            // startxref pointing into the middle of an object, or past the end.
            ("startxref\n", "startxref\n1"),
            ("startxref\n", "startxref\n9999999"),
            ("startxref\n", "startxref\nabc"),
            ("startxref", "startxrex"),
        ] {
            assert_eq!(refusal(&replaced(&good, from, to)), corrupt, "{to}");
        }
    }

    #[test]
    fn a_pdf_may_have_bytes_before_its_header_and_after_its_end() {
        let mut prefixed = b"\xEF\xBB\xBF junk a mail gateway left\n".to_vec();
        prefixed.extend_from_slice(&pdf());
        assert_eq!(
            check(&prefixed, DEFAULT_MAX_BYTES).unwrap().kind,
            FileKind::Pdf
        );

        let mut padded = pdf();
        padded.extend_from_slice(&[0u8; 500]);
        assert_eq!(
            check(&padded, DEFAULT_MAX_BYTES).unwrap().kind,
            FileKind::Pdf
        );

        let version_2 = replaced(&pdf(), "%PDF-1.4", "%PDF-2.0");
        assert!(check(&version_2, DEFAULT_MAX_BYTES).is_ok());
    }

    #[test]
    fn a_startxref_may_point_at_a_cross_reference_stream() {
        // PDF 1.5 and later may keep the table in a stream object; startxref then points at
        // the object, whose contents the check does not read.
        let good = pdf();
        let xref_at = find(&good, b"xref\n0 6").unwrap();
        let mut bytes = good[..xref_at].to_vec();
        bytes.extend_from_slice(
            format!(
                "6 0 obj\n<< /Type /XRef /Size 7 /W [1 2 1] /Root 1 0 R /Length 0 >>\n\
                 stream\n\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n"
            )
            .as_bytes(),
        );
        assert!(check(&bytes, DEFAULT_MAX_BYTES).is_ok());
        // The same bytes with the object's keyword damaged point at nothing.
        let damaged = replaced(&bytes, "6 0 obj", "6 0 ojb");
        assert_eq!(refusal(&damaged), Refusal::Corrupt("PDF"));
    }

    #[test]
    fn refusals_have_stable_codes_and_readable_messages() {
        let mb = 1024 * 1024;
        let too_large = Refusal::TooLarge {
            size: 13_002_342,
            max: 10 * mb,
        };
        assert_eq!(too_large.code(), "attachment.too_large");
        assert_eq!(
            too_large.to_string(),
            "The file is 12.4 MB; the limit is 10 MB."
        );
        assert_eq!(
            Refusal::TooLarge {
                size: 10 * mb + 1,
                max: 10 * mb
            }
            .to_string(),
            "The file is 10.1 MB; the limit is 10 MB."
        );
        assert_eq!(
            Refusal::TooLarge {
                size: 1025,
                max: 1024
            }
            .to_string(),
            "The file is 2 KB; the limit is 1 KB."
        );
        assert_eq!(Refusal::UnknownType.code(), "attachment.wrong_type");
        assert_eq!(
            Refusal::UnknownType.to_string(),
            "Only JPEG, PNG and WebP pictures and PDF documents can be sent."
        );
        assert_eq!(Refusal::Corrupt("PDF").code(), "attachment.corrupt");
        assert_eq!(
            Refusal::Corrupt("PDF").to_string(),
            "This PDF file is damaged or incomplete and cannot be opened."
        );
        let pixels = Refusal::TooManyPixels {
            width: 60_000,
            height: 60_000,
        };
        assert_eq!(pixels.code(), "attachment.too_many_pixels");
        assert_eq!(
            pixels.to_string(),
            "The picture is 60000 × 60000 pixels; pictures can have at most 52 megapixels \
             and 10000 pixels on a side."
        );
        assert_eq!(Refusal::Empty.to_string(), "The file is empty.");
    }
}

//! The clinic's logo: a PNG decoded to RGBA pixels that the PDF embeds as an image with a
//! soft mask (so a transparent logo stays transparent on the page).

use std::io::Cursor;

use printpdf::{RawImage, RawImageData, RawImageFormat};

use crate::Error;

/// The logo is drawn about 40 pt tall; more pixels than this only make the file bigger.
const MAX_SIDE: u32 = 256;

pub(crate) struct Logo {
    pub image: RawImage,
    /// Width over height, to place it without distortion.
    pub aspect: f32,
}

pub(crate) fn decode(png_bytes: &[u8]) -> Result<Logo, Error> {
    // A logo larger than 16 MiB decoded is not a logo; the limit also stops a crafted file
    // from making the desk allocate gigabytes.
    let limits = png::Limits {
        bytes: 16 * 1024 * 1024,
    };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(png_bytes), limits);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|_| Error::BadLogo)?;
    let size = reader.output_buffer_size().ok_or(Error::BadLogo)?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(|_| Error::BadLogo)?;
    if info.width == 0 || info.height == 0 || info.bit_depth != png::BitDepth::Eight {
        return Err(Error::BadLogo);
    }
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        // Palettes are expanded by the transformation above.
        png::ColorType::Indexed => return Err(Error::BadLogo),
    };
    let (w, h) = (info.width as usize, info.height as usize);
    let mut rgba = Vec::with_capacity(w * h * 4);
    for row in buf.chunks(info.line_size).take(h) {
        for px in row.chunks_exact(channels).take(w) {
            let (r, g, b, a) = match channels {
                1 => (px[0], px[0], px[0], 255),
                2 => (px[0], px[0], px[0], px[1]),
                3 => (px[0], px[1], px[2], 255),
                _ => (px[0], px[1], px[2], px[3]),
            };
            rgba.extend_from_slice(&[r, g, b, a]);
        }
    }
    if rgba.len() != w * h * 4 {
        return Err(Error::BadLogo);
    }
    let (rgba, w, h) = shrink(rgba, w, h);
    Ok(Logo {
        aspect: w as f32 / h as f32,
        image: RawImage {
            pixels: RawImageData::U8(rgba),
            width: w,
            height: h,
            data_format: RawImageFormat::RGBA8,
            tag: Vec::new(),
        },
    })
}

/// Box-filters the image down so its longer side is at most `MAX_SIDE` pixels.
fn shrink(rgba: Vec<u8>, w: usize, h: usize) -> (Vec<u8>, usize, usize) {
    let longest = w.max(h) as u32;
    if longest <= MAX_SIDE {
        return (rgba, w, h);
    }
    let factor = longest.div_ceil(MAX_SIDE) as usize;
    let (nw, nh) = (w.div_ceil(factor), h.div_ceil(factor));
    let mut out = Vec::with_capacity(nw * nh * 4);
    for ny in 0..nh {
        for nx in 0..nw {
            let mut sum = [0u32; 4];
            let mut n = 0;
            for y in ny * factor..((ny + 1) * factor).min(h) {
                for x in nx * factor..((nx + 1) * factor).min(w) {
                    let i = (y * w + x) * 4;
                    for (s, v) in sum.iter_mut().zip(&rgba[i..i + 4]) {
                        *s += u32::from(*v);
                    }
                    n += 1;
                }
            }
            out.extend(sum.iter().map(|s| (s / n.max(1)) as u8));
        }
    }
    (out, nw, nh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_images_are_shrunk() {
        let (px, w, h) = shrink(vec![200; 1000 * 10 * 4], 1000, 10);
        assert_eq!((w, h), (250, 3));
        assert_eq!(px.len(), w * h * 4);
        assert!(px.iter().all(|&v| v == 200));
    }

    #[test]
    fn garbage_is_a_bad_logo() {
        assert!(matches!(decode(b"not a png"), Err(Error::BadLogo)));
    }
}

//! The small picture a conversation shows in place of the full one.
//!
//! It is encoded afresh from the decoded pixels, so nothing of the sender's file survives in it
//! but the picture: no Exif block (a phone writes where the photo was taken into every one), no
//! comments, no bytes hidden after the end.

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::metadata::Orientation;
use image::{ColorType, DynamicImage, ImageResult};

/// The long side of a thumbnail: sharp in a chat bubble on a high-density screen.
pub(crate) const MAX_SIDE: u32 = 320;

/// PNG because every webview and browser shows it, the website's visitors' included.
pub(crate) const MIME: &str = "image/png";

/// Shrinks the picture to fit [`MAX_SIDE`] (never enlarging it), turns it the way its Exif
/// asks, and encodes it as PNG.
pub(crate) fn make(image: DynamicImage, orientation: Orientation) -> ImageResult<Vec<u8>> {
    // Shrink first: turning then moves a hundred thousand pixels instead of millions.
    // `thumbnail` averages every source pixel into its target, which keeps fine detail from
    // turning into noise and costs one pass.
    let small = if image.width() > MAX_SIDE || image.height() > MAX_SIDE {
        image.thumbnail(MAX_SIDE, MAX_SIDE)
    } else {
        image
    };
    let mut small = eight_bits(small);
    small.apply_orientation(orientation);

    let mut png = Vec::new();
    small.write_with_encoder(PngEncoder::new_with_quality(
        &mut png,
        // Made once, stored and sent many times: worth the better compression.
        CompressionType::Best,
        FilterType::Adaptive,
    ))?;
    Ok(png)
}

/// Whether the orientation turns the picture a quarter, so that its width becomes its height.
pub(crate) fn swaps_sides(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// A thumbnail gains nothing from 16 bits a channel but a file twice the size.
fn eight_bits(image: DynamicImage) -> DynamicImage {
    match image.color() {
        ColorType::L8 | ColorType::La8 | ColorType::Rgb8 | ColorType::Rgba8 => image,
        c if c.has_color() && c.has_alpha() => image.to_rgba8().into(),
        c if c.has_color() => image.to_rgb8().into(),
        c if c.has_alpha() => image.to_luma_alpha8().into(),
        _ => image.to_luma8().into(),
    }
}

#[cfg(test)]
mod tests {
    use image::{ImageBuffer, ImageFormat, Rgba};

    use super::*;

    fn decode(png: &[u8]) -> DynamicImage {
        image::load_from_memory_with_format(png, ImageFormat::Png).unwrap()
    }

    #[test]
    fn a_large_picture_shrinks_to_320_on_its_long_side() {
        let png = make(DynamicImage::new_rgb8(1200, 800), Orientation::NoTransforms).unwrap();
        let thumb = decode(&png);
        assert_eq!((thumb.width(), thumb.height()), (320, 213));

        let png = make(DynamicImage::new_rgb8(500, 4000), Orientation::NoTransforms).unwrap();
        let thumb = decode(&png);
        assert_eq!((thumb.width(), thumb.height()), (40, 320));
    }

    #[test]
    fn a_small_picture_keeps_its_size() {
        let png = make(DynamicImage::new_rgb8(100, 40), Orientation::NoTransforms).unwrap();
        let thumb = decode(&png);
        assert_eq!((thumb.width(), thumb.height()), (100, 40));
    }

    #[test]
    fn a_quarter_turn_swaps_the_sides() {
        for orientation in [Orientation::Rotate90, Orientation::Rotate270FlipH] {
            assert!(swaps_sides(orientation));
            let png = make(DynamicImage::new_rgb8(1200, 800), orientation).unwrap();
            let thumb = decode(&png);
            assert_eq!((thumb.width(), thumb.height()), (213, 320));
        }
        for orientation in [Orientation::Rotate180, Orientation::FlipHorizontal] {
            assert!(!swaps_sides(orientation));
            let png = make(DynamicImage::new_rgb8(1200, 800), orientation).unwrap();
            assert_eq!(decode(&png).width(), 320);
        }
    }

    #[test]
    fn sixteen_bits_become_eight_and_transparency_stays() {
        let deep: ImageBuffer<Rgba<u16>, Vec<u16>> =
            ImageBuffer::from_pixel(400, 400, Rgba([65535, 0, 0, 32768]));
        let png = make(DynamicImage::ImageRgba16(deep), Orientation::NoTransforms).unwrap();
        let thumb = decode(&png);
        assert_eq!(thumb.color(), ColorType::Rgba8);
        assert_eq!((thumb.width(), thumb.height()), (320, 320));
        let pixel = thumb.to_rgba8().get_pixel(5, 5).0;
        assert_eq!(pixel[0], 255);
        assert!((127..=128).contains(&pixel[3]), "{pixel:?}");
    }
}

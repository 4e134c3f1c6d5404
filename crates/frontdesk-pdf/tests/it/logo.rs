use frontdesk_pdf::{render, Error, Options, Paper, ERROR_CODES};

use crate::support::{normalise, pdftotext, report, Parsed};

fn icon() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../icons/32x32.png"
    ))
    .unwrap()
}

#[test]
fn a_bad_logo_is_refused_with_its_code() {
    let r = report(&crate::text::NAMES[..1], 2);
    let mut truncated = icon();
    truncated.truncate(truncated.len() / 2);
    for bad in [b"GIF89a not a png".to_vec(), Vec::new(), truncated] {
        let err = render(
            &r,
            &Options {
                paper: Paper::A4,
                logo_png: Some(&bad),
            },
        )
        .expect_err("a bad logo is an error");
        assert!(matches!(err, Error::BadLogo), "{err:?}");
        assert_eq!(err.code(), "pdf.bad_logo");
        assert!(ERROR_CODES.contains(&err.code()));
    }
}

#[test]
fn a_good_logo_is_embedded_as_an_image() {
    let r = report(&crate::text::NAMES[..1], 2);
    let without = render(
        &r,
        &Options {
            paper: Paper::A4,
            logo_png: None,
        },
    )
    .unwrap();
    assert!(Parsed::new(&without).images().is_empty());

    let icon = icon();
    let with = render(
        &r,
        &Options {
            paper: Paper::A4,
            logo_png: Some(&icon),
        },
    )
    .unwrap();
    assert_eq!(Parsed::new(&with).images(), vec![(32, 32)]);
    assert!(normalise(&pdftotext(&with, true, Some(1))).contains("Riverside Family Clinic"));
}

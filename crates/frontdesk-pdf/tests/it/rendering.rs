//! The pages rasterised by poppler: names and charts leave ink where the text layer says they
//! are, and poppler has nothing to complain about (no missing or broken fonts).

use frontdesk_pdf::Paper;

use crate::support::{file, pdf, report, run};

pub const DPI: f32 = 100.0;

/// A box in points from the page's top-left corner: x0, y0, x1, y1.
pub type Area = (f32, f32, f32, f32);

pub struct Page {
    pub width: usize,
    pub height: usize,
    rgb: Vec<u8>,
}

impl Page {
    fn pixel(&self, x: usize, y: usize) -> (u8, u8, u8) {
        let i = (y * self.width + x) * 3;
        (self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])
    }

    /// Pixels in a box given in points that satisfy `pred`.
    pub fn count(&self, b: Area, pred: impl Fn((u8, u8, u8)) -> bool) -> usize {
        let px = |v: f32| (v * DPI / 72.0).round().max(0.0) as usize;
        let (x0, y0) = (px(b.0), px(b.1));
        let (x1, y1) = (px(b.2).min(self.width), px(b.3).min(self.height));
        let mut n = 0;
        for y in y0..y1 {
            for x in x0..x1 {
                if pred(self.pixel(x, y)) {
                    n += 1;
                }
            }
        }
        n
    }
}

/// Ink: darker than any of the pale fills behind text (row stripes, tiles, headers).
pub fn dark(p: (u8, u8, u8)) -> bool {
    u16::from(p.0) + u16::from(p.1) + u16::from(p.2) < 500
}

/// Near the chart's bar blue (#2563a6) or line orange (#e07b39).
pub fn near(target: (u8, u8, u8)) -> impl Fn((u8, u8, u8)) -> bool {
    move |p| {
        (i16::from(p.0) - i16::from(target.0)).abs() < 30
            && (i16::from(p.1) - i16::from(target.1)).abs() < 30
            && (i16::from(p.2) - i16::from(target.2)).abs() < 30
    }
}

pub fn rasterise(pdf: &[u8], page: usize) -> (Page, String) {
    let f = file(pdf, ".pdf");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("page");
    let p = page.to_string();
    let r = run(
        "pdftoppm",
        &[
            "-r",
            "100",
            "-png",
            "-singlefile",
            "-f",
            &p,
            "-l",
            &p,
            f.path().to_str().unwrap(),
            out.to_str().unwrap(),
        ],
    );
    let png = std::fs::read(dir.path().join("page.png")).unwrap();
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.line_size / info.width as usize;
    let rgb = buf
        .chunks(channels)
        .take(info.width as usize * info.height as usize)
        .flat_map(|c| [c[0], c[1], c[2]])
        .collect();
    (
        Page {
            width: info.width as usize,
            height: info.height as usize,
            rgb,
        },
        r.stderr,
    )
}

/// Word boxes from `pdftotext -bbox`, in points from the top-left corner.
pub fn words(pdf: &[u8], page: usize) -> Vec<(String, Area)> {
    let f = file(pdf, ".pdf");
    let p = page.to_string();
    let html = run(
        "pdftotext",
        &["-bbox", "-f", &p, "-l", &p, f.path().to_str().unwrap(), "-"],
    )
    .stdout;
    let attr = |tag: &str, name: &str| -> f32 {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[start..].split('"').next().unwrap().parse().unwrap()
    };
    html.split("<word ")
        .skip(1)
        .map(|w| {
            let (tag, rest) = w.split_once('>').unwrap();
            let text = rest.split("</word>").next().unwrap().to_string();
            let b = (
                attr(tag, "xMin"),
                attr(tag, "yMin"),
                attr(tag, "xMax"),
                attr(tag, "yMax"),
            );
            (text, b)
        })
        .collect()
}

#[test]
fn names_and_charts_leave_ink_where_they_should() {
    let r = report(&crate::text::NAMES, 12);
    let bytes = pdf(&r, Paper::A4);
    let pages: Vec<(Page, Vec<(String, Area)>)> = (1..=crate::support::page_count(&bytes))
        .map(|p| {
            let (image, stderr) = rasterise(&bytes, p);
            assert!(stderr.trim().is_empty(), "pdftoppm complained: {stderr}");
            (image, words(&bytes, p))
        })
        .collect();
    let on_page = |word: &str| {
        pages
            .iter()
            .find_map(|(image, words)| {
                words
                    .iter()
                    .find(|(w, _)| w.contains(word))
                    .map(|(_, b)| (image, *b))
            })
            .unwrap_or_else(|| panic!("{word:?} is on no page"))
    };

    // The first chart: blue bars and an orange line under its title.
    let (image, title) = on_page("and first response");
    let chart = (36.0, title.3 + 10.0, 560.0, title.3 + 140.0);
    assert!(
        image.count(chart, near((0x25, 0x63, 0xa6))) > 2000,
        "no bars"
    );
    assert!(
        image.count(chart, near((0xe0, 0x7b, 0x39))) > 150,
        "no line"
    );
    // The share chart: a bar per person.
    let (image, title) = on_page("Share of chats, by person");
    let bars = (150.0, title.3 + 30.0, 560.0, title.3 + 30.0 + 11.0 * 6.0);
    assert!(
        image.count(bars, near((0x25, 0x63, 0xa6))) > 1000,
        "no share bars"
    );
    // The heat map's cells.
    let (image, title) = on_page("Chats arriving");
    let grid = (60.0, title.3 + 10.0, 560.0, title.3 + 100.0);
    assert!(
        image.count(grid, near((0x25, 0x63, 0xa6))) > 500,
        "no heat map"
    );
    // Blank paper stays blank: the right margin.
    for (image, _) in &pages {
        assert_eq!(image.count((575.0, 100.0, 595.0, 800.0), dark), 0);
    }

    // The names, wherever the text layer puts them (chart and table).
    for word in ["حداد", "ليلى", "ចាន់ធា", "ស្រីពៅ", "Hương"] {
        // The box words keep poppler's visual order, so right-to-left ones read backwards.
        let backwards: String = word.chars().rev().collect();
        let mut seen = 0;
        for (p, (image, words)) in pages.iter().enumerate() {
            for (w, b) in words {
                if w.contains(word) || w.contains(&backwards) {
                    let ink = image.count(*b, dark);
                    let area = (b.2 - b.0) * (b.3 - b.1) * (DPI / 72.0).powi(2);
                    assert!(
                        ink >= 25 && ink as f32 > area * 0.03,
                        "{word:?} on page {} at {b:?}: only {ink} dark pixels of {area}",
                        p + 1
                    );
                    seen += 1;
                }
            }
        }
        assert!(seen >= 2, "{word:?} drawn {seen} times");
    }
}

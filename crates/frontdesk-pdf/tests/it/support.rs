//! Reports to render, and ways to read the PDF back: poppler's command-line tools (an
//! independent reader) and lopdf for the content streams and embedded fonts.

use std::io::Write;
use std::process::Command;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use frontdesk_core::{
    Bucket, BucketReport, Measures, Report, ReportFilter, Role, StaffReport, TeamReport,
};
use frontdesk_pdf::{render, render_in, Options, Paper};

pub const FROM: (i32, u32, u32) = (2025, 1, 6);

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Figures that differ from person to person and bucket to bucket.
pub fn measures(seed: u32) -> Measures {
    let k = seed % 17;
    let completed = 40 + k * 3;
    let no_show = k % 5;
    Measures {
        chats_assigned: 50 + k * 7,
        chats_handled: 45 + k * 7,
        replies: 140 + k * 20,
        first_response_median_s: Some(i64::from(100 + k * 11)),
        first_response_p90_s: Some(i64::from(700 + k * 43)),
        chats_escalated: k % 4,
        chats_reassigned: k % 6,
        chats_unanswered_eod: k % 3,
        tasks_assigned: 20 + k,
        tasks_done: 18 + k,
        tasks_overdue: k % 4,
        task_done_median_s: Some(5000),
        appts_booked: completed + no_show + 3,
        appts_completed: completed,
        appts_cancelled_client: 2,
        appts_cancelled_clinic: 1,
        appts_late_cancel: 1,
        appts_no_show: no_show,
        no_show_rate: Some(f64::from(no_show) / f64::from(completed + no_show)),
        wait_avg_s: Some(i64::from(300 + k * 9)),
        visit_avg_s: Some(1500),
    }
}

/// A report over `weeks` weekly buckets from 2025-01-06, for these people.
pub fn report(people: &[(&str, Role)], weeks: i64) -> Report {
    let from = day(FROM.0, FROM.1, FROM.2);
    let to = from + Duration::days(weeks.max(1) * 7 - 1);
    let n = people.len().max(1) as f64;
    let staff: Vec<StaffReport> = people
        .iter()
        .enumerate()
        .map(|(i, (name, team))| StaffReport {
            id: format!("s{i:02}"),
            name: name.to_string(),
            team: *team,
            measures: measures(i as u32),
            chat_share: (1.0 + (i % 3) as f64) / (2.0 * n),
            even_share: 1.0 / n,
        })
        .collect();
    let teams = Role::ALL
        .into_iter()
        .filter_map(|team| {
            let count = people.iter().filter(|p| p.1 == team).count() as u32;
            (count > 0).then(|| TeamReport {
                team,
                staff: count,
                measures: measures(count + 3),
            })
        })
        .collect();
    let buckets = (0..weeks)
        .map(|w| BucketReport {
            from: from + Duration::days(w * 7),
            to: from + Duration::days(w * 7 + 6),
            measures: measures(w as u32 + 5),
        })
        .collect();
    let mut heatmap = vec![vec![0u32; 24]; 7];
    for (d, row) in heatmap.iter_mut().enumerate() {
        for (h, v) in row.iter_mut().enumerate() {
            *v = ((d * 24 + h) % 13) as u32;
        }
    }
    let mut totals = measures(1);
    totals.first_response_median_s = Some(245);
    totals.no_show_rate = Some(0.125);
    totals.chats_handled = 812;
    let mut previous = measures(2);
    previous.chats_handled = 809;
    Report {
        clinic_name: "Riverside Family Clinic".into(),
        logo: None,
        time_zone: "Asia/Phnom_Penh".into(),
        made_at: Utc.with_ymd_and_hms(2025, 4, 1, 2, 30, 0).unwrap(),
        made_by: "Anna Smith".into(),
        filter: ReportFilter {
            from,
            to,
            bucket: Bucket::Week,
            staff_ids: Vec::new(),
            team: None,
            service_id: None,
        },
        service_name: None,
        previous_from: from - Duration::days(weeks.max(1) * 7),
        previous_to: from - Duration::days(1),
        totals,
        previous,
        staff,
        teams,
        buckets,
        heatmap,
    }
}

pub fn pdf(report: &Report, paper: Paper) -> Vec<u8> {
    render(
        report,
        &Options {
            paper,
            logo_png: None,
        },
    )
    .expect("the report renders")
}

/// The report in `language` (a desk locale code).
pub fn pdf_in(report: &Report, paper: Paper, language: &str) -> Vec<u8> {
    render_in(
        report,
        &Options {
            paper,
            logo_png: None,
        },
        language,
    )
    .expect("the report renders")
}

/// The desk's message `key` in `language`, read from its catalogue file (not through the
/// crate), so the test checks the PDF against the desk's own words.
pub fn catalogue(language: &str, key: &str) -> String {
    let path = format!(
        "{}/../../ui/desk/src/locales/{language}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    json[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not in {path}"))
        .to_string()
}

/// A temporary file holding `bytes`, for the command-line tools.
pub fn file(bytes: &[u8], suffix: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(suffix).tempfile().unwrap();
    f.write_all(bytes).unwrap();
    f.flush().unwrap();
    f
}

pub struct Run {
    pub stdout: String,
    pub stderr: String,
}

pub fn run(program: &str, args: &[&str]) -> Run {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed (scripts/setup.sh): {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Run {
        stdout: String::from_utf8(out.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `pdftotext` of the whole document or of one page (1-based).
pub fn pdftotext(pdf: &[u8], layout: bool, page: Option<usize>) -> String {
    let f = file(pdf, ".pdf");
    let page = page.map(|p| p.to_string());
    let mut args = vec!["-enc", "UTF-8"];
    if layout {
        args.push("-layout");
    }
    if let Some(p) = &page {
        args.extend(["-f", p.as_str(), "-l", p.as_str()]);
    }
    let path = f.path().to_str().unwrap();
    args.extend([path, "-"]);
    run("pdftotext", &args).stdout
}

/// Without Arabic's vowel marks: the PDF maps each glyph to one text, so a letter drawn
/// with a mark in one word and without in another copies without it (the drawing keeps it).
pub fn without_harakat(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{064B}'..='\u{0652}' | '\u{0670}'))
        .collect()
}

/// Whitespace collapsed to single spaces, and without the bidi control characters poppler
/// wraps right-to-left text in.
pub fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn page_count(pdf: &[u8]) -> usize {
    pdfinfo(pdf, "Pages:").trim().parse().unwrap()
}

/// One field of `pdfinfo`'s report.
pub fn pdfinfo(pdf: &[u8], field: &str) -> String {
    let f = file(pdf, ".pdf");
    let out = run("pdfinfo", &[f.path().to_str().unwrap()]).stdout;
    out.lines()
        .find_map(|l| l.strip_prefix(field))
        .unwrap_or_else(|| panic!("pdfinfo has no {field}: {out}"))
        .trim()
        .to_string()
}

/// The glyph codes drawn with each font, in stream order: one entry per stretch between a
/// `Tf` and the next `Tf` or `ET`.
pub struct GlyphRun {
    pub page: u32,
    pub font: String,
    pub codes: Vec<u16>,
    /// The ActualText of the marked-content span around the run, if any.
    pub actual_text: Option<String>,
}

pub struct Parsed {
    pub doc: lopdf::Document,
}

impl Parsed {
    pub fn new(pdf: &[u8]) -> Parsed {
        Parsed {
            doc: lopdf::Document::load_mem(pdf).expect("lopdf reads the PDF"),
        }
    }

    pub fn glyph_runs(&self) -> Vec<GlyphRun> {
        let mut runs = Vec::new();
        for (page, id) in self.doc.get_pages() {
            let content = self.doc.get_page_content(id);
            let ops = lopdf::content::Content::decode(&content)
                .expect("content stream parses")
                .operations;
            let mut font: Option<String> = None;
            let mut actual: Vec<Option<String>> = Vec::new();
            let mut current: Option<GlyphRun> = None;
            for op in ops {
                match op.operator.as_str() {
                    "Tf" | "ET" => {
                        if let Some(r) = current.take() {
                            runs.push(r);
                        }
                        if op.operator == "Tf" {
                            font = op.operands[0]
                                .as_name()
                                .ok()
                                .map(|n| String::from_utf8_lossy(n).into_owned());
                        }
                    }
                    "BDC" => {
                        let text = op
                            .operands
                            .get(1)
                            .and_then(|o| o.as_dict().ok())
                            .and_then(|d| d.get(b"ActualText").ok())
                            .and_then(|o| o.as_str().ok())
                            .map(utf16_text);
                        actual.push(text);
                    }
                    "BMC" => actual.push(None),
                    "EMC" => {
                        if let Some(r) = current.take() {
                            runs.push(r);
                        }
                        actual.pop();
                    }
                    "TJ" | "Tj" => {
                        let run = current.get_or_insert_with(|| GlyphRun {
                            page,
                            font: font.clone().unwrap_or_default(),
                            codes: Vec::new(),
                            actual_text: actual.last().cloned().flatten(),
                        });
                        let strings: Vec<&lopdf::Object> = match op.operands.first() {
                            Some(lopdf::Object::Array(items)) => items.iter().collect(),
                            Some(o) => vec![o],
                            None => vec![],
                        };
                        for s in strings {
                            if let Ok(bytes) = s.as_str() {
                                run.codes.extend(
                                    bytes
                                        .chunks_exact(2)
                                        .map(|b| u16::from_be_bytes([b[0], b[1]])),
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        runs
    }

    /// The embedded (subset) font program behind a page's font resource.
    pub fn font_program(&self, page: u32, resource: &str) -> Vec<u8> {
        let page_id = self.doc.get_pages()[&page];
        let fonts = self.doc.get_page_fonts(page_id).unwrap();
        let font = fonts[resource.as_bytes()];
        let descendant = font.get(b"DescendantFonts").unwrap();
        let (_, descendant) = self.doc.dereference(descendant).unwrap();
        let first = &descendant.as_array().unwrap()[0];
        let (_, cid_font) = self.doc.dereference(first).unwrap();
        let descriptor = cid_font.as_dict().unwrap().get(b"FontDescriptor").unwrap();
        let (_, descriptor) = self.doc.dereference(descriptor).unwrap();
        let file = descriptor.as_dict().unwrap().get(b"FontFile2").unwrap();
        let (_, stream) = self.doc.dereference(file).unwrap();
        stream
            .as_stream()
            .unwrap()
            .decompressed_content()
            .unwrap_or_else(|_| stream.as_stream().unwrap().content.clone())
    }

    /// Image XObjects anywhere in the file, as (width, height).
    pub fn images(&self) -> Vec<(i64, i64)> {
        self.doc
            .objects
            .values()
            .filter_map(|o| o.as_stream().ok())
            .filter(|s| {
                s.dict.get(b"Subtype").and_then(|t| t.as_name()).ok() == Some(b"Image".as_slice())
                    && s.dict.get(b"SMask").is_ok()
            })
            .map(|s| {
                (
                    s.dict.get(b"Width").unwrap().as_i64().unwrap(),
                    s.dict.get(b"Height").unwrap().as_i64().unwrap(),
                )
            })
            .collect()
    }
}

fn utf16_text(bytes: &[u8]) -> String {
    let body = bytes.strip_prefix(&[0xfe, 0xff]).unwrap_or(bytes);
    let units: Vec<u16> = body
        .chunks_exact(2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .collect();
    String::from_utf16(&units).unwrap()
}

/// The glyph ids HarfBuzz's own `hb-shape` gives, in visual order.
pub fn hb_shape(font_file: &str, text: &str) -> Vec<u16> {
    let path = format!("{}/../../fonts/{font_file}", env!("CARGO_MANIFEST_DIR"));
    let out = run(
        "hb-shape",
        &[
            "--no-glyph-names",
            "--no-positions",
            "--no-clusters",
            "--no-advances",
            &path,
            text,
        ],
    )
    .stdout;
    // "[59|91|26]"
    out.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split('|')
        .map(|g| g.parse().unwrap_or_else(|_| panic!("hb-shape said {out}")))
        .collect()
}

/// Each glyph's outline as SVG path data, so a subset font's renumbered glyphs can be matched
/// with the original font's.
pub fn outlines(font_bytes: Vec<u8>, glyphs: &[u16]) -> Vec<String> {
    use harfrust::font::glyph::outline::{DrawMemory, DrawOptions, SvgSink};
    let font = harfrust::Font::new(font_bytes, 0).expect("font parses");
    let outlines = font.outline_glyphs();
    glyphs
        .iter()
        .map(|&g| {
            let glyph = outlines
                .get(harfrust::GlyphId::new(u32::from(g)))
                .unwrap_or_else(|| panic!("glyph {g} exists"));
            let mut sink = SvgSink::new();
            glyph
                .draw(&DrawOptions::new(), DrawMemory::Scratch, &mut sink)
                .unwrap();
            sink.to_string()
        })
        .collect()
}

/// The nominal glyph of each character (what an unshaped renderer would draw).
pub fn cmap_glyphs(font_file: &str, text: &str) -> Vec<u16> {
    let path = format!("{}/../../fonts/{font_file}", env!("CARGO_MANIFEST_DIR"));
    let font = harfrust::Font::new(std::fs::read(path).unwrap(), 0).unwrap();
    text.chars()
        .map(|c| {
            font.charmap()
                .map_unicode(c)
                .map(|g| g.to_u32() as u16)
                .unwrap_or(0)
        })
        .collect()
}

//! Arabic charts and heat map are the mirror image of the others, read back from poppler's
//! word boxes (`pdftotext -bbox`) and pixels (`pdftoppm`): time runs from the right, the
//! counts' axis, the names and the weekdays stand at the right, and share bars grow
//! leftwards. Left-to-right languages keep the opposite, and every label still reads as
//! written (an "01-06" is not drawn as "60-10").

use frontdesk_pdf::Paper;

use crate::rendering::{near, rasterise, words, Area};
use crate::support::{catalogue, page_count, pdf_in, report};
use crate::text::NAMES;

/// Each language, and whether it reads right to left.
const LANGUAGES: [(&str, bool); 4] = [("en", false), ("km", false), ("vi", false), ("ar", true)];

/// A word poppler read, with its page. The report draws each label as one shaped line, which
/// poppler reads as one word, spaces and all ("2 min", "Anna Smith").
struct Word {
    page: usize,
    text: String,
    b: Area,
}

impl Word {
    fn centre(&self) -> f32 {
        (self.b.0 + self.b.2) / 2.0
    }

    /// On the same baseline as `other` (poppler's boxes of one line share their top).
    fn beside(&self, other: &Word) -> bool {
        self.page == other.page && (self.b.1 - other.b.1).abs() < 1.5
    }

    /// Poppler keeps right-to-left words in drawing order, letters reversed.
    fn is(&self, word: &str) -> bool {
        self.text == word || self.text == word.chars().rev().collect::<String>()
    }
}

fn all_words(bytes: &[u8]) -> Vec<Word> {
    (1..=page_count(bytes))
        .flat_map(|page| {
            words(bytes, page)
                .into_iter()
                .map(move |(text, b)| Word { page, text, b })
        })
        .collect()
}

/// "01-06": a weekly bucket under a chart's bar.
fn is_tick(w: &str) -> bool {
    w.len() == 5 && w.as_bytes()[2] == b'-' && w.bytes().filter(u8::is_ascii_digit).count() == 4
}

/// The rows of bucket labels under the two charts, each sorted left to right on paper: the
/// rows that hold the first week's label and the last's.
fn tick_rows<'a>(words: &'a [Word], first: &str, last: &str) -> Vec<Vec<&'a Word>> {
    words
        .iter()
        .filter(|w| w.text == first)
        .filter(|w| words.iter().any(|o| o.text == last && o.beside(w)))
        .map(|w| {
            let mut row: Vec<&Word> = words
                .iter()
                .filter(|o| o.beside(w) && is_tick(&o.text))
                .collect();
            row.sort_by(|a, b| a.b.0.total_cmp(&b.b.0));
            row
        })
        .collect()
}

#[test]
fn time_axes_run_from_the_right_in_arabic_only() {
    let r = report(&NAMES, 12);
    for (lang, rtl) in LANGUAGES {
        let bytes = pdf_in(&r, Paper::A4, lang);
        let words = all_words(&bytes);
        // Weekly buckets from 2025-01-06: the labels are dates, the same in every language.
        let rows = tick_rows(&words, "01-06", "03-24");
        assert_eq!(rows.len(), 2, "{lang}: two charts with week labels");
        for row in rows {
            let on_paper: Vec<&str> = row.iter().map(|w| w.text.as_str()).collect();
            let mut in_time = on_paper.clone();
            in_time.sort();
            if rtl {
                in_time.reverse();
            }
            assert_eq!(
                on_paper, in_time,
                "{lang}: week labels left to right on paper"
            );
            assert!(on_paper.len() >= 6, "{lang}: {on_paper:?}");
        }
    }
}

#[test]
fn value_axes_stand_at_the_right_in_arabic_only() {
    let r = report(&NAMES, 12);
    // The line's axis counts in minutes: "{n} min" in each language's words.
    let minutes = |lang: &str| match lang {
        "km" => "នាទី",
        "vi" => "phút",
        "ar" => "د",
        _ => "min",
    };
    for (lang, rtl) in LANGUAGES {
        let bytes = pdf_in(&r, Paper::A4, lang);
        let words = all_words(&bytes);
        let rows = tick_rows(&words, "01-06", "03-24");
        assert_eq!(rows.len(), 2, "{lang}");
        for (chart, row) in rows.iter().enumerate() {
            let plot_left = row.iter().map(|w| w.b.0).fold(f32::MAX, f32::min);
            let plot_right = row.iter().map(|w| w.b.2).fold(f32::MIN, f32::max);
            // The plot is 118 pt tall and its week labels sit just under it.
            let under = row[0];
            let in_plot = |w: &&Word| {
                let mid = (w.b.1 + w.b.3) / 2.0;
                w.page == under.page && mid < under.b.1 && mid > under.b.1 - 130.0
            };
            // The count axis: 50, 100, 150… (its 0 is shared with the line's axis).
            let counts: Vec<&Word> = words
                .iter()
                .filter(in_plot)
                .filter(|w| w.text.len() >= 2 && w.text.bytes().all(|b| b.is_ascii_digit()))
                .collect();
            let times: Vec<&Word> = words
                .iter()
                .filter(in_plot)
                .filter(|w| w.text.split_whitespace().any(|t| t == minutes(lang)))
                .collect();
            assert!(counts.len() >= 2, "{lang} chart {chart}: count axis");
            // Only the first chart has a line, and so a second axis.
            assert_eq!(
                times.is_empty(),
                chart == 1,
                "{lang} chart {chart}: time axis"
            );
            for w in &counts {
                let side_ok = if rtl {
                    w.b.0 > plot_right
                } else {
                    w.b.2 < plot_left
                };
                assert!(
                    side_ok,
                    "{lang} chart {chart}: count {:?} at {:?}, weeks span {plot_left}–{plot_right}",
                    w.text, w.b
                );
            }
            for w in &times {
                let side_ok = if rtl {
                    w.b.2 < plot_left
                } else {
                    w.b.0 > plot_right
                };
                assert!(
                    side_ok,
                    "{lang}: time label at {:?}, weeks span {plot_left}–{plot_right}",
                    w.b
                );
            }
        }
    }
}

#[test]
fn the_heat_map_reads_from_the_right_in_arabic_only() {
    let r = report(&NAMES, 12);
    for (lang, rtl) in LANGUAGES {
        let bytes = pdf_in(&r, Paper::A4, lang);
        let words = all_words(&bytes);
        let midnight = words
            .iter()
            .find(|w| w.text == "00" && words.iter().any(|o| o.text == "23" && o.beside(w)))
            .unwrap_or_else(|| panic!("{lang}: no row of hours"));
        let mut hours: Vec<&Word> = words
            .iter()
            .filter(|w| w.beside(midnight) && w.text.bytes().all(|b| b.is_ascii_digit()))
            .collect();
        hours.sort_by(|a, b| a.b.0.total_cmp(&b.b.0));
        let on_paper: Vec<&str> = hours.iter().map(|w| w.text.as_str()).collect();
        let mut in_time: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
        if rtl {
            in_time.reverse();
        }
        assert_eq!(on_paper, in_time, "{lang}: hours left to right on paper");

        // The hours are centred over their columns: the grid is half a column wider.
        let (first, last) = (hours[0].centre(), hours[23].centre());
        let column = (last - first) / 23.0;
        let (grid_left, grid_right) = (first - column / 2.0, last + column / 2.0);
        // Rows of the grid: the seven weekdays, then the key (a weekday also names the
        // busiest hour in the note beside the key, which is not a row head).
        let below = |w: &&Word, depth: f32| {
            w.page == midnight.page && w.b.1 > midnight.b.3 && w.b.1 < midnight.b.3 + depth
        };
        let days: Vec<String> = match lang {
            "en" => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
                .map(String::from)
                .to_vec(),
            // The report's short weekdays are the desk's own in Arabic.
            "ar" => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
                .map(|d| catalogue("ar", &format!("day.{d}")))
                .to_vec(),
            _ => continue,
        };
        for day in &days {
            let heads: Vec<&Word> = words
                .iter()
                .filter(|w| below(w, 7.0 * 13.0) && w.is(day))
                .collect();
            assert_eq!(heads.len(), 1, "{lang}: {day:?} heads one row");
            let w = heads[0];
            let side_ok = if rtl {
                w.b.0 > grid_right
            } else {
                w.b.2 < grid_left
            };
            assert!(
                side_ok,
                "{lang}: {day:?} at {:?}, grid {grid_left}–{grid_right}",
                w.b
            );
        }

        // The key reads "fewer ■■■■■■ more" from where the lines start.
        let (fewer, more) = match lang {
            "ar" => ("أقل", "أكثر"),
            _ => ("Fewer", "More"),
        };
        let find = |word: &str| {
            words
                .iter()
                .find(|w| below(w, 7.0 * 13.0 + 20.0) && w.is(word))
                .unwrap_or_else(|| panic!("{lang}: {word:?} not under the heat map"))
        };
        let (fewer, more) = (find(fewer), find(more));
        if rtl {
            assert!(
                fewer.b.0 > more.b.2,
                "{lang}: key {:?} {:?}",
                fewer.b,
                more.b
            );
            assert!(
                (fewer.b.2 - grid_right).abs() < 2.0,
                "{lang}: key at the right"
            );
        } else {
            assert!(
                fewer.b.2 < more.b.0,
                "{lang}: key {:?} {:?}",
                fewer.b,
                more.b
            );
            assert!(
                (fewer.b.0 - grid_left).abs() < 2.0,
                "{lang}: key at the left"
            );
        }
    }
}

#[test]
fn share_bars_grow_from_the_names_side() {
    let r = report(&NAMES, 12);
    let accent = near((0x25, 0x63, 0xa6));
    for (lang, rtl) in LANGUAGES {
        let bytes = pdf_in(&r, Paper::A4, lang);
        let words = all_words(&bytes);
        // Anna is named with a figure beside her in the chart, then in the staff table after
        // it; the cover names her too, as the report's maker, beside a date.
        let share = |name: &Word| {
            words
                .iter()
                .find(|w| w.beside(name) && w.text.ends_with('%'))
        };
        let (name, percent) = words
            .iter()
            .filter(|w| w.text == "Anna Smith")
            .find_map(|w| share(w).map(|p| (w, p)))
            .unwrap_or_else(|| panic!("{lang}: no Anna beside her share"));
        assert_eq!(
            percent.text, "8.3 %",
            "{lang}: Anna's share, digits in order"
        );

        // Columns of the page (1 pt wide) where Anna's bar is blue.
        let (image, _) = rasterise(&bytes, name.page);
        let band = |x: f32| (x, name.b.1 + 1.0, x + 1.0, name.b.3 - 1.0);
        let blue: Vec<f32> = (0..596)
            .map(|x| x as f32)
            .filter(|&x| image.count(band(x), &accent) > 0)
            .collect();
        let (bar_left, bar_right) = match (blue.first(), blue.last()) {
            (Some(&l), Some(&r)) => (l, r + 1.0),
            _ => panic!("{lang}: no bar beside Anna"),
        };
        assert!(
            bar_right - bar_left > 20.0,
            "{lang}: bar {bar_left}–{bar_right}"
        );
        let (name_x, percent_x) = (name.centre(), percent.centre());
        if rtl {
            assert!(
                percent_x < bar_left && bar_right < name_x,
                "{lang}: share {percent_x}, bar {bar_left}–{bar_right}, name {name_x}"
            );
            // The bars start at the axis beside the names: the right edge less their 118 pt.
            assert!((bar_right - (595.28 - 36.0 - 118.0)).abs() < 2.0, "{lang}");
        } else {
            assert!(
                name_x < bar_left && bar_right < percent_x,
                "{lang}: name {name_x}, bar {bar_left}–{bar_right}, share {percent_x}"
            );
            assert!((bar_left - (36.0 + 118.0)).abs() < 2.0, "{lang}");
        }
    }
}

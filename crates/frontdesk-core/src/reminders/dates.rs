//! {date} and {time} in the language the reminder is written in, from chrono's locale tables
//! (glibc's data): the weekday and the month by name, the year only when the visit falls in
//! another year than today, and the time as that language usually writes it.
//!
//! | language | locale | {date} | {time} |
//! | --- | --- | --- | --- |
//! | en | en_US | Thursday, December 3 | 2:30 PM |
//! | km | km_KH | ថ្ងៃព្រហស្បតិ៍ ទី3 ខែធ្នូ | 14:30 |
//! | vi | vi_VN | Thứ Năm, 3 tháng 12 | 14:30 |
//! | ar | ar_JO… | الخميس، ٣ كانون الأول | ٢:٣٠ م |
//!
//! Khmer and Vietnamese keep Latin digits, as the rest of the clinic's messages do. Any other
//! language (a clinic's own "fr" text) keeps the unambiguous 2026-12-03 and 14:30.

use chrono::{DateTime, Datelike, Locale};
use chrono_tz::Tz;

pub(crate) struct When {
    pub date: String,
    pub time: String,
}

/// The Arabic locale for the clinic's country: the Levant and Iraq name the months the Syriac
/// way (كانون الأول), Morocco its own way; everywhere else, Arab or not, the Gregorian names
/// (ديسمبر) that every Arabic reader knows. Saudi Arabia's glibc table has no AM/PM words, so
/// it takes Egypt's, whose names are the same.
fn arabic_locale(region: &str) -> Locale {
    match region {
        "JO" | "PS" => Locale::ar_JO,
        "SY" => Locale::ar_SY,
        "LB" => Locale::ar_LB,
        "IQ" => Locale::ar_IQ,
        "MA" => Locale::ar_MA,
        _ => Locale::ar_EG,
    }
}

/// Countries whose Arabic is written with Arabic-Indic digits (٠١٢…), as CLDR has them: the
/// Mashriq and the Gulf. The Maghreb and the Emirates write Latin digits, and so does a clinic
/// outside the Arab world, whose other messages and signs use them.
fn arabic_indic_digits(region: &str) -> bool {
    matches!(
        region,
        "JO" | "PS" | "SY" | "LB" | "IQ" | "EG" | "SD" | "SA" | "KW" | "BH" | "QA" | "OM" | "YE"
    )
}

fn to_arabic_indic(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) if c.is_ascii_digit() => char::from_u32(0x0660 + d).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Upper-cases the first letter of each word: "Thứ năm" → "Thứ Năm".
fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The visit's date and time for a reminder written in `language` (a base language tag), for
/// a clinic in `region` (its two-letter phone region); `today` is now, in the clinic's zone.
///
/// No bidi isolates (U+2068 … U+2069) go around the Arabic date and time. Within Arabic text
/// they are Arabic words and digits, which every phone's bidi algorithm keeps in reading order
/// (a digit after an Arabic letter is read as an Arabic number, and "٢:٣٠" stays whole); the
/// built-in Arabic texts start with an Arabic word, so the phone lays the message out right to
/// left, and put Arabic words between a Latin clinic, service or provider name and the date or
/// time, so a Latin name never borrows the date's digits. Isolates would not help that
/// display, but they came with Unicode 6.3: older phones and SMS apps draw them as boxes, and
/// each costs one of the 70 characters of an Arabic SMS part.
pub(crate) fn when(
    starts: DateTime<Tz>,
    today: DateTime<Tz>,
    language: &str,
    region: &str,
) -> When {
    let year = starts.year() != today.year();
    let region = region.trim().to_ascii_uppercase();
    let fmt = |f: &str, l: Locale| starts.format_localized(f, l).to_string();
    match language {
        "en" => When {
            date: fmt(
                if year { "%A, %B %-d, %Y" } else { "%A, %B %-d" },
                Locale::en_US,
            ),
            time: fmt("%-I:%M %p", Locale::en_US),
        },
        // glibc's km_KH writes the time on 24 hours (its T_FMT), as Cambodian clinics and
        // timetables do; its 12-hour PM word, ល្ងាច, means "evening" and would misname 14:30.
        // Its weekday names hold a zero-width space ("ថ្ងៃ\u{200b}ព្រហស្បតិ៍") that only marks a
        // line-break point: dropped, so the SMS holds what a person would type.
        "km" => When {
            date: fmt(
                if year {
                    "%A ទី%-d ខែ%B ឆ្នាំ%Y"
                } else {
                    "%A ទី%-d ខែ%B"
                },
                Locale::km_KH,
            )
            .replace('\u{200b}', ""),
            time: fmt("%H:%M", Locale::km_KH),
        },
        // glibc's vi_VN writes "Thứ năm" and "Tháng 12"; Vietnamese running text (and CLDR)
        // writes the weekday's name with a capital and the month in lower case: "Thứ Năm,
        // 3 tháng 12". The time on 24 hours.
        "vi" => When {
            date: format!(
                "{}, {}",
                title_case(&fmt("%A", Locale::vi_VN)),
                fmt(if year { "%-d %B năm %Y" } else { "%-d %B" }, Locale::vi_VN).to_lowercase()
            ),
            time: fmt("%H:%M", Locale::vi_VN),
        },
        // 12-hour with ص / م, as Arabic clocks and CLDR's Arabic have it.
        "ar" => {
            let locale = arabic_locale(&region);
            let date = fmt(
                if year {
                    "%A، %-d %B %Y"
                } else {
                    "%A، %-d %B"
                },
                locale,
            );
            let time = fmt("%-I:%M %p", locale);
            if arabic_indic_digits(&region) {
                When {
                    date: to_arabic_indic(&date),
                    time: to_arabic_indic(&time),
                }
            } else {
                When { date, time }
            }
        }
        _ => When {
            date: starts.format("%Y-%m-%d").to_string(),
            time: starts.format("%H:%M").to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Tz> {
        chrono_tz::Asia::Phnom_Penh
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
    }

    #[test]
    fn each_language_names_the_day_and_month_its_own_way() {
        let visit = at(2026, 12, 3, 14, 30);
        let today = at(2026, 12, 1, 9, 0);
        let w = |lang: &str, region: &str| {
            let w = when(visit, today, lang, region);
            (w.date, w.time)
        };
        assert_eq!(
            w("en", "KH"),
            ("Thursday, December 3".into(), "2:30 PM".into())
        );
        assert_eq!(w("km", "KH"), ("ថ្ងៃព្រហស្បតិ៍ ទី3 ខែធ្នូ".into(), "14:30".into()));
        assert_eq!(
            w("vi", "VN"),
            ("Thứ Năm, 3 tháng 12".into(), "14:30".into())
        );
        assert_eq!(
            w("ar", "JO"),
            ("الخميس، ٣ كانون الأول".into(), "٢:٣٠ م".into())
        );
        assert_eq!(w("ar", "jo"), w("ar", "JO"));
        assert_eq!(w("ar", "KH"), ("الخميس، 3 ديسمبر".into(), "2:30 م".into()));
        assert_eq!(w("ar", "SA"), ("الخميس، ٣ ديسمبر".into(), "٢:٣٠ م".into()));
        assert_eq!(w("ar", "MA"), ("الخميس، 3 دجنبر".into(), "2:30 م".into()));
        assert_eq!(w("fr", "KH"), ("2026-12-03".into(), "14:30".into()));
        // The year only when it is not this one; midnight and noon on a 12-hour clock.
        let w = when(at(2027, 1, 4, 0, 5), today, "en", "KH");
        assert_eq!(
            (w.date.as_str(), w.time.as_str()),
            ("Monday, January 4, 2027", "12:05 AM")
        );
        let w = when(at(2027, 1, 4, 12, 5), today, "vi", "VN");
        assert_eq!(
            (w.date.as_str(), w.time.as_str()),
            ("Thứ Hai, 4 tháng 1 năm 2027", "12:05")
        );
        let w = when(at(2027, 1, 3, 9, 0), today, "km", "KH");
        assert_eq!(w.date, "ថ្ងៃអាទិត្យ ទី3 ខែមករា ឆ្នាំ2027");
        let w = when(at(2027, 1, 3, 9, 0), today, "ar", "EG");
        assert_eq!(
            (w.date.as_str(), w.time.as_str()),
            ("الأحد، ٣ يناير ٢٠٢٧", "٩:٠٠ ص")
        );
    }
}

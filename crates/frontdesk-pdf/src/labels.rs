//! Every word the workload report prints, in the reader's language.
//!
//! The desk's own catalogues (`ui/desk/src/locales/*.json`) are the source wherever the
//! screen already names the same thing, so a translator fixes a word once and both the
//! screen and the paper change. Only what the paper alone says (its abbreviated column heads,
//! the page footer, the cover's sentences) is in the small table at the end of this file.
//!
//! The catalogues are ICU MessageFormat; the report uses only messages with plain `{name}`
//! arguments, and counts are worded here rather than through plural rules.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use frontdesk_core::{Bucket, Role};

/// A language the report can be printed in; anything else prints in English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    #[default]
    En,
    Km,
    Vi,
    Ar,
}

impl Language {
    pub const ALL: [Language; 4] = [Language::En, Language::Km, Language::Vi, Language::Ar];

    /// The language of a locale code as the desk keeps it ("km"), also with a region
    /// ("ar-JO", "vi_VN"); unknown codes give English rather than an error, since a report in
    /// English is better than none.
    pub fn from_code(code: &str) -> Language {
        let primary = code
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match primary.as_str() {
            "km" => Language::Km,
            "vi" => Language::Vi,
            "ar" => Language::Ar,
            _ => Language::En,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Km => "km",
            Language::Vi => "vi",
            Language::Ar => "ar",
        }
    }

    pub fn rtl(self) -> bool {
        self == Language::Ar
    }

    fn index(self) -> usize {
        self as usize
    }
}

const CATALOGUES: [&str; 4] = [
    include_str!("../../../ui/desk/src/locales/en.json"),
    include_str!("../../../ui/desk/src/locales/km.json"),
    include_str!("../../../ui/desk/src/locales/vi.json"),
    include_str!("../../../ui/desk/src/locales/ar.json"),
];

type Catalogue = HashMap<String, String>;

fn catalogues() -> &'static [Catalogue; 4] {
    static PARSED: OnceLock<[Catalogue; 4]> = OnceLock::new();
    PARSED.get_or_init(|| {
        CATALOGUES.map(|json| {
            // A catalogue that does not parse costs its language, not the report: its
            // messages fall back to English.
            serde_json::from_str::<HashMap<String, serde_json::Value>>(json)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
                .collect()
        })
    })
}

/// The desk's message `key` in `lang`, else in English; empty only if English lacks it too,
/// which the tests rule out for every key the report uses.
pub fn desk_message(lang: Language, key: &str) -> &'static str {
    let all = catalogues();
    all[lang.index()]
        .get(key)
        .or_else(|| all[Language::En.index()].get(key))
        .map(String::as_str)
        .unwrap_or_default()
}

/// `{name}` arguments filled in. Nothing else of ICU is understood, so only plain messages
/// may come through here.
pub(crate) fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The first letter in lower case, for a heading's words used inside a sentence ("By week"
/// becomes "by week"); scripts without case are left as they are.
pub(crate) fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The labels of one report.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Labels {
    pub lang: Language,
}

impl Labels {
    pub fn new(lang: Language) -> Labels {
        Labels { lang }
    }

    pub fn desk(&self, key: &str) -> &'static str {
        desk_message(self.lang, key)
    }

    pub fn desk_with(&self, key: &str, args: &[(&str, &str)]) -> String {
        fill(self.desk(key), args)
    }

    pub fn pdf(&self, text: Text) -> &'static str {
        text.words()[self.lang.index()]
    }

    pub fn pdf_with(&self, text: Text, args: &[(&str, &str)]) -> String {
        fill(self.pdf(text), args)
    }

    /// "by week", for the middle of a sentence.
    pub fn by_bucket(&self, bucket: Bucket) -> String {
        lower_first(self.desk(&format!("report.by_bucket.{}", bucket.as_str())))
    }

    /// A title narrowed by something: "Chats handled and first response, by week".
    pub fn titled(&self, what: &str, by: &str) -> String {
        self.pdf_with(Text::Titled, &[("what", what), ("by", by)])
    }

    pub fn team(&self, team: Role) -> &'static str {
        self.desk(match team {
            Role::Admin => "report.team.admin",
            Role::Manager => "report.team.manager",
            Role::Receptionist => "report.team.receptionist",
            Role::Clinician => "report.team.clinician",
            Role::Emergency => "report.team.emergency",
        })
    }

    /// A figure's full name, as the screen's tiles and help have it.
    pub fn measure(&self, key: &str) -> &'static str {
        self.desk(&format!("report.m.{key}"))
    }

    /// "45 s", "4 min 05 s", "2 h 03 min" in the language's units; "–" for nothing measured.
    pub fn duration(&self, secs: Option<i64>) -> String {
        match secs {
            None => "–".into(),
            Some(s) if s < 60 => self.desk_with("report.dur_s", &[("s", &s.to_string())]),
            Some(s) if s < 3600 => self.desk_with(
                "report.dur_min_s",
                &[
                    ("m", &(s / 60).to_string()),
                    ("s", &format!("{:02}", s % 60)),
                ],
            ),
            Some(s) => self.desk_with(
                "report.dur_h_min",
                &[
                    ("h", &(s / 3600).to_string()),
                    ("m", &format!("{:02}", (s % 3600) / 60)),
                ],
            ),
        }
    }

    /// Weekday `d`, Monday first, short enough for the heat map's row heads.
    pub fn weekday(&self, d: usize) -> &'static str {
        WEEKDAYS[self.lang.index()][d % 7]
    }

    /// "Feb 25": a month under a chart's bar.
    pub fn month_tick(&self, date: NaiveDate) -> String {
        let month = MONTHS[self.lang.index()][date.month0() as usize];
        format!("{month} {:02}", date.year().rem_euclid(100))
    }

    /// "Mon 2025-01-06": dates stay ISO, which reads the same in every language.
    pub fn day(&self, date: NaiveDate) -> String {
        format!(
            "{} {date}",
            self.weekday(date.weekday().num_days_from_monday() as usize)
        )
    }

    /// "3 people", worded without the catalogue's plural rules.
    pub fn people(&self, n: usize) -> String {
        if n == 1 {
            self.pdf(Text::OnePerson).to_string()
        } else {
            self.pdf_with(Text::People, &[("n", &n.to_string())])
        }
    }

    pub fn chats(&self, n: u32) -> String {
        if n == 1 {
            self.pdf(Text::OneChat).to_string()
        } else {
            self.pdf_with(Text::Chats, &[("n", &n.to_string())])
        }
    }
}

/// What only the paper says, in English, Khmer, Vietnamese and Arabic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Text {
    WorkloadReport,
    DocTitle,
    Footer,
    Page,
    CoverPeriod,
    Filters,
    FilterTeam,
    FilterService,
    OneService,
    OnePerson,
    People,
    NoFilters,
    Made,
    VsPrevious,
    NoFigure,
    Continued,
    Titled,
    VisitsChart,
    NoOne,
    NoTeams,
    HeatmapTitle,
    Fewer,
    More,
    Busiest,
    NoChats,
    OneChat,
    Chats,
    AxisMinutes,
    AxisHours,
    ColName,
    ColAssigned,
    ColHandled,
    ColReplies,
    ColFirstMedian,
    ColFirstP90,
    ColEscalated,
    ColReassigned,
    ColUnanswered,
    ColTasksDone,
    ColTasksOverdue,
    ColVisits,
    ColNoShows,
    ColShare,
    ColEven,
    ColAvgWait,
    LegendEntry,
}

impl Text {
    #[cfg(test)]
    pub const ALL: [Text; 46] = [
        Text::WorkloadReport,
        Text::DocTitle,
        Text::Footer,
        Text::Page,
        Text::CoverPeriod,
        Text::Filters,
        Text::FilterTeam,
        Text::FilterService,
        Text::OneService,
        Text::OnePerson,
        Text::People,
        Text::NoFilters,
        Text::Made,
        Text::VsPrevious,
        Text::NoFigure,
        Text::Continued,
        Text::Titled,
        Text::VisitsChart,
        Text::NoOne,
        Text::NoTeams,
        Text::HeatmapTitle,
        Text::Fewer,
        Text::More,
        Text::Busiest,
        Text::NoChats,
        Text::OneChat,
        Text::Chats,
        Text::AxisMinutes,
        Text::AxisHours,
        Text::ColName,
        Text::ColAssigned,
        Text::ColHandled,
        Text::ColReplies,
        Text::ColFirstMedian,
        Text::ColFirstP90,
        Text::ColEscalated,
        Text::ColReassigned,
        Text::ColUnanswered,
        Text::ColTasksDone,
        Text::ColTasksOverdue,
        Text::ColVisits,
        Text::ColNoShows,
        Text::ColShare,
        Text::ColEven,
        Text::ColAvgWait,
        Text::LegendEntry,
    ];

    /// English, Khmer, Vietnamese, Arabic.
    fn words(self) -> [&'static str; 4] {
        match self {
            Text::WorkloadReport => [
                "Workload report",
                "របាយការណ៍បន្ទុកការងារ",
                "Báo cáo khối lượng công việc",
                "تقرير عبء العمل",
            ],
            Text::DocTitle => [
                "{clinic} workload report {period}",
                "{clinic} របាយការណ៍បន្ទុកការងារ {period}",
                "{clinic} báo cáo khối lượng công việc {period}",
                "{clinic} تقرير عبء العمل {period}",
            ],
            Text::Footer => [
                "{clinic} · Workload report {period} · {by}",
                "{clinic} · របាយការណ៍បន្ទុកការងារ {period} · {by}",
                "{clinic} · Báo cáo khối lượng công việc {period} · {by}",
                "{clinic} · تقرير عبء العمل {period} · {by}",
            ],
            Text::Page => [
                "Page {page} of {pages}",
                "ទំព័រ {page} នៃ {pages}",
                "Trang {page}/{pages}",
                "الصفحة {page} من {pages}",
            ],
            Text::CoverPeriod => [
                "Period {period}, {by} · {compared}",
                "រយៈពេល {period} {by} · {compared}",
                "Khoảng thời gian {period}, {by} · {compared}",
                "الفترة {period}، {by} · {compared}",
            ],
            Text::Filters => [
                "Filters: {filters}",
                "តម្រង៖ {filters}",
                "Bộ lọc: {filters}",
                "عوامل التصفية: {filters}",
            ],
            Text::FilterTeam => ["team {team}", "ក្រុម {team}", "nhóm {team}", "الفريق {team}"],
            Text::FilterService => [
                "service {service}",
                "សេវា {service}",
                "dịch vụ {service}",
                "الخدمة {service}",
            ],
            Text::OneService => ["one service", "សេវាមួយ", "một dịch vụ", "خدمة واحدة"],
            Text::OnePerson => ["1 person", "1 នាក់", "1 người", "شخص واحد"],
            // Arabic counts change the noun's form with the number: "number of people: n"
            // reads right for every n.
            Text::People => ["{n} people", "{n} នាក់", "{n} người", "عدد الأشخاص: {n}"],
            Text::NoFilters => [
                "none (everyone, all services)",
                "គ្មាន (គ្រប់គ្នា សេវាទាំងអស់)",
                "không có (mọi người, tất cả dịch vụ)",
                "لا شيء (الجميع، كل الخدمات)",
            ],
            Text::Made => [
                "Made {when} by {who}",
                "បង្កើតនៅ {when} ដោយ {who}",
                "Lập lúc {when} bởi {who}",
                "أُعدّ في {when} بواسطة {who}",
            ],
            Text::VsPrevious => [
                "{change} vs previous",
                "{change} ធៀបនឹងមុន",
                "{change} so với kỳ trước",
                "{change} عن الفترة السابقة",
            ],
            Text::NoFigure => [
                "no figure to compare",
                "គ្មានតួលេខសម្រាប់ប្រៀបធៀប",
                "không có số liệu để so sánh",
                "لا رقم للمقارنة",
            ],
            Text::Continued => [
                "{title} (continued)",
                "{title} (បន្ត)",
                "{title} (tiếp theo)",
                "{title} (تابع)",
            ],
            Text::Titled => [
                "{what}, {by}",
                "{what} {by}",
                "{what}, {by}",
                "{what}، {by}",
            ],
            Text::VisitsChart => [
                "Visits completed and no-shows",
                "ការមកជួបដែលបានបញ្ចប់ និងការមិនមកតាមណាត់",
                "Lượt khám hoàn thành và không đến",
                "الزيارات المكتملة وحالات عدم الحضور",
            ],
            Text::NoOne => [
                "No one in this report.",
                "គ្មាននរណាម្នាក់ក្នុងរបាយការណ៍នេះទេ។",
                "Không có ai trong báo cáo này.",
                "لا أحد في هذا التقرير.",
            ],
            Text::NoTeams => [
                "No teams in this report.",
                "គ្មានក្រុមក្នុងរបាយការណ៍នេះទេ។",
                "Không có nhóm nào trong báo cáo này.",
                "لا فرق في هذا التقرير.",
            ],
            Text::HeatmapTitle => [
                "Chats arriving by weekday and hour",
                "ការជជែកដែលមកដល់ តាមថ្ងៃ និងម៉ោង",
                "Chat đến theo thứ và giờ",
                "المحادثات الواردة حسب اليوم والساعة",
            ],
            Text::Fewer => ["Fewer", "តិច", "Ít hơn", "أقل"],
            Text::More => ["More", "ច្រើន", "Nhiều hơn", "أكثر"],
            Text::Busiest => [
                "Busiest: {day} {from}–{to}, {chats}. Times in {zone}.",
                "មមាញឹកបំផុត៖ {day} {from}–{to} {chats}។ ម៉ោងតាម {zone}។",
                "Đông nhất: {day} {from}–{to}, {chats}. Giờ theo {zone}.",
                "الأكثر ازدحامًا: {day} {from}–{to}، {chats}. الأوقات بتوقيت {zone}.",
            ],
            Text::NoChats => [
                "No chats arrived in this period. Times in {zone}.",
                "គ្មានការជជែកមកដល់ក្នុងរយៈពេលនេះទេ។ ម៉ោងតាម {zone}។",
                "Không có chat nào đến trong khoảng thời gian này. Giờ theo {zone}.",
                "لم تصل أي محادثة في هذه الفترة. الأوقات بتوقيت {zone}.",
            ],
            Text::OneChat => ["1 chat", "ការជជែក 1", "1 chat", "محادثة واحدة"],
            Text::Chats => ["{n} chats", "ការជជែក {n}", "{n} chat", "عدد المحادثات: {n}"],
            Text::AxisMinutes => ["{n} min", "{n} នាទី", "{n} phút", "{n} د"],
            Text::AxisHours => ["{n} h", "{n} ម៉ោង", "{n} giờ", "{n} س"],
            Text::ColName => ["Name", "ឈ្មោះ", "Tên", "الاسم"],
            // Column heads are short so sixteen columns fit portrait paper; the legend under
            // the table spells each out with the desk's full name of the figure.
            Text::ColAssigned => ["Asgn", "ចាត់", "Giao", "مسندة"],
            Text::ColHandled => ["Hndl", "ដោះស្រាយ", "X.lý", "معالجة"],
            Text::ColReplies => ["Repl", "ឆ្លើយ", "T.lời", "ردود"],
            Text::ColFirstMedian => ["FR med", "ដំបូង មេដ្យាន", "PH đầu TV", "أول رد، وسيط"],
            Text::ColFirstP90 => ["FR p90", "ដំបូង p90", "PH đầu p90", "أول رد، م90"],
            Text::ColEscalated => ["Esc", "បញ្ជូន", "Ch.tuyến", "مصعّدة"],
            Text::ColReassigned => ["Reas", "ចាត់ឡើងវិញ", "Giao lại", "مُعاد إسنادها"],
            Text::ColUnanswered => ["Unans", "មិនទាន់ឆ្លើយ", "Chưa TL", "بلا رد"],
            Text::ColTasksDone => ["T done", "កិច្ចការរួច", "CV xong", "مهام منجزة"],
            Text::ColTasksOverdue => ["T over", "កិច្ចការហួស", "CV trễ", "مهام متأخرة"],
            Text::ColVisits => ["Visits", "មកជួប", "Khám", "زيارات"],
            Text::ColNoShows => ["No-sh", "មិនមក", "K.đến", "غياب"],
            Text::ColShare => ["Share", "ចំណែក", "Tỷ phần", "الحصة"],
            Text::ColEven => ["Even", "ស្មើ", "Đều", "متساوية"],
            Text::ColAvgWait => ["Avg wait", "រង់ចាំ", "Chờ TB", "الانتظار"],
            Text::LegendEntry => [
                "{short}: {long}",
                "{short}៖ {long}",
                "{short}: {long}",
                "{short}: {long}",
            ],
        }
    }
}

/// Monday first. Arabic's short weekday names are its full ones.
const WEEKDAYS: [[&str; 7]; 4] = [
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    ["ច័ន្ទ", "អង្គារ", "ពុធ", "ព្រហ", "សុក្រ", "សៅរ៍", "អាទិត្យ"],
    ["T2", "T3", "T4", "T5", "T6", "T7", "CN"],
    [
        "الاثنين",
        "الثلاثاء",
        "الأربعاء",
        "الخميس",
        "الجمعة",
        "السبت",
        "الأحد",
    ],
];

const MONTHS: [[&str; 12]; 4] = [
    [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    [
        "មករា",
        "កុម្ភៈ",
        "មីនា",
        "មេសា",
        "ឧសភា",
        "មិថុនា",
        "កក្កដា",
        "សីហា",
        "កញ្ញា",
        "តុលា",
        "វិច្ឆិកា",
        "ធ្នូ",
    ],
    [
        "Th1", "Th2", "Th3", "Th4", "Th5", "Th6", "Th7", "Th8", "Th9", "Th10", "Th11", "Th12",
    ],
    [
        "يناير",
        "فبراير",
        "مارس",
        "أبريل",
        "مايو",
        "يونيو",
        "يوليو",
        "أغسطس",
        "سبتمبر",
        "أكتوبر",
        "نوفمبر",
        "ديسمبر",
    ],
];

/// Every desk key the report prints, for the test that each is in every catalogue.
#[cfg(test)]
pub(crate) const DESK_KEYS: &[&str] = &[
    "report.by_bucket.day",
    "report.by_bucket.week",
    "report.by_bucket.month",
    "report.by_person",
    "report.chart.chats",
    "report.compared",
    "report.col.appts_booked",
    "report.col.no_show_rate",
    "report.col.people",
    "report.col.period",
    "report.col.team",
    "report.dur_s",
    "report.dur_min_s",
    "report.dur_h_min",
    "report.even_share",
    "report.no_rows",
    "report.share",
    "report.staff",
    "report.team.all",
    "report.team.admin",
    "report.team.manager",
    "report.team.receptionist",
    "report.team.clinician",
    "report.team.emergency",
    "report.by_team",
    "report.m.chats_assigned",
    "report.m.chats_handled",
    "report.m.replies",
    "report.m.first_response_median_s",
    "report.m.first_response_p90_s",
    "report.m.chats_escalated",
    "report.m.chats_reassigned",
    "report.m.chats_unanswered_eod",
    "report.m.tasks_done",
    "report.m.tasks_overdue",
    "report.m.appts_completed",
    "report.m.appts_no_show",
    "report.m.no_show_rate",
    "report.m.wait_avg_s",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_desk_key_is_in_every_catalogue_and_plain() {
        for lang in Language::ALL {
            let own = &catalogues()[lang.index()];
            assert!(own.len() > 100, "{lang:?} catalogue parsed");
            for key in DESK_KEYS {
                let text = own
                    .get(*key)
                    .unwrap_or_else(|| panic!("{key} missing in {lang:?}"));
                // Plurals and selects would need an ICU engine, which `fill` is not.
                assert!(!text.contains(", plural,"), "{key} in {lang:?}");
                assert!(!text.contains(", select,"), "{key} in {lang:?}");
            }
        }
    }

    #[test]
    fn a_missing_key_falls_back_to_english_never_to_the_key() {
        // Present in English, looked up in a language through the same path.
        let en = desk_message(Language::En, "report.staff");
        assert_eq!(en, "Staff");
        assert_ne!(desk_message(Language::Km, "report.staff"), en);
        let all = catalogues();
        let only_english = all[0].keys().find(|k| !all[1].contains_key(*k)).cloned();
        if let Some(key) = only_english {
            assert_eq!(desk_message(Language::Km, &key), all[0][&key]);
        }
        assert_eq!(desk_message(Language::Km, "report.no.such.key"), "");
    }

    #[test]
    fn every_pdf_text_has_all_four_languages_with_the_same_arguments() {
        let args = |s: &str| -> Vec<String> {
            let mut names: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                .collect();
            names.sort();
            names
        };
        for text in Text::ALL {
            let words = text.words();
            for (lang, w) in Language::ALL.iter().zip(words) {
                assert!(!w.trim().is_empty(), "{text:?} in {lang:?}");
                if *lang != Language::En {
                    assert_eq!(args(w), args(words[0]), "{text:?} in {lang:?}");
                }
            }
        }
    }

    #[test]
    fn codes_and_units() {
        assert_eq!(Language::from_code("ar-JO"), Language::Ar);
        assert_eq!(Language::from_code("km_KH"), Language::Km);
        assert_eq!(Language::from_code("VI"), Language::Vi);
        assert_eq!(Language::from_code("fr"), Language::En);
        assert_eq!(Language::from_code(""), Language::En);
        let en = Labels::default();
        for s in [None, Some(45), Some(245), Some(7380)] {
            assert_eq!(en.duration(s), frontdesk_core::reports::format::duration(s));
        }
        let km = Labels::new(Language::Km);
        assert_eq!(km.duration(Some(245)), "4 នាទី 05 វិនាទី");
        assert_eq!(en.by_bucket(Bucket::Week), "by week");
        assert_eq!(
            Labels::new(Language::Vi).by_bucket(Bucket::Day),
            "theo ngày"
        );
        let d = NaiveDate::from_ymd_opt(2025, 2, 3).unwrap();
        assert_eq!(en.month_tick(d), "Feb 25");
        assert_eq!(Labels::new(Language::Ar).month_tick(d), "فبراير 25");
        assert_eq!(Labels::new(Language::Vi).day(d), "T2 2025-02-03");
    }
}

//! Names in the order the clinic's language sorts them (ICU4X collation, CLDR tailorings).
//!
//! A clinic's names are mostly in its place's script, so the order follows the clinic's
//! country rather than each person's screen language: in Hanoi "Đặng" comes after every
//! "Dương" (Đ is a letter of its own in Vietnamese), in Phnom Penh Khmer names follow the Khmer
//! alphabet rather than code point order, and everyone at the desk sees the same list.
//!
//! Small lists (staff, services, rooms) are sorted after the query with [`NameOrder::sort_by`].
//! Clients are too many for that: each row keeps its ICU sort key (`clients.name_key`), so the
//! name list is an index walk compared with `memcmp`. The keys are rebuilt when the clinic's
//! country changes ([`crate::search::ensure_current`]).

use std::cmp::Ordering;
use std::sync::OnceLock;

use icu_collator::options::CollatorOptions;
use icu_collator::{CollatorBorrowed, CollatorPreferences};
use icu_locale_core::{locale, Locale};
use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;

/// Whose alphabet the clinic's names are sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameOrder {
    /// CLDR's root order: right for English and a fair default for any other place.
    Root,
    Khmer,
    Vietnamese,
    Arabic,
}

/// Countries whose clinics write Arabic names (the Arab League's members).
const ARABIC_REGIONS: &[&str] = &[
    "AE", "BH", "DJ", "DZ", "EG", "IQ", "JO", "KM", "KW", "LB", "LY", "MA", "MR", "OM", "PS", "QA",
    "SA", "SD", "SO", "SY", "TN", "YE",
];

impl NameOrder {
    pub const ALL: [NameOrder; 4] = [
        NameOrder::Root,
        NameOrder::Khmer,
        NameOrder::Vietnamese,
        NameOrder::Arabic,
    ];

    /// The order for a clinic in `region` (ISO 3166 code, as kept in `clinic.phone_region`).
    pub fn for_region(region: &str) -> Self {
        match region.to_ascii_uppercase().as_str() {
            "KH" => NameOrder::Khmer,
            "VN" => NameOrder::Vietnamese,
            r if ARABIC_REGIONS.contains(&r) => NameOrder::Arabic,
            _ => NameOrder::Root,
        }
    }

    /// The stable name kept in `search_state.name_order`.
    pub fn as_str(self) -> &'static str {
        match self {
            NameOrder::Root => "root",
            NameOrder::Khmer => "km",
            NameOrder::Vietnamese => "vi",
            NameOrder::Arabic => "ar",
        }
    }

    fn locale(self) -> Locale {
        match self {
            NameOrder::Root => locale!("und"),
            NameOrder::Khmer => locale!("km"),
            NameOrder::Vietnamese => locale!("vi"),
            NameOrder::Arabic => locale!("ar"),
        }
    }

    fn collator(self) -> &'static CollatorBorrowed<'static> {
        static COLLATORS: [OnceLock<CollatorBorrowed<'static>>; 4] = [
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
        ];
        COLLATORS[self as usize].get_or_init(|| {
            // Compiled-in CLDR data for these four locales is part of the binary, so this
            // cannot fail at run time; a failure here is a build that lost its data.
            CollatorBorrowed::try_new(
                CollatorPreferences::from(&self.locale()),
                CollatorOptions::default(),
            )
            .expect("collation data for en, km, vi and ar is compiled in")
        })
    }

    pub fn compare(self, a: &str, b: &str) -> Ordering {
        self.collator().compare(a, b)
    }

    /// The ICU sort key of `name`: keys compare byte by byte as the names compare.
    pub fn key(self, name: &str) -> Vec<u8> {
        let mut key = Vec::with_capacity(name.len() * 3);
        let Ok(()) = self.collator().write_sort_key_to(name, &mut key);
        key
    }

    /// Sorts by name, keeping the query's order (its `seq`) among equal names.
    pub fn sort_by<T>(self, items: &mut [T], name: impl Fn(&T) -> &str) {
        items.sort_by(|a, b| self.compare(name(a), name(b)));
    }
}

/// The clinic's order; [`NameOrder::Root`] before the clinic is set up.
pub(crate) fn clinic_order(conn: &Connection) -> Result<NameOrder> {
    let region: Option<String> = conn
        .query_row("SELECT phone_region FROM clinic", [], |r| r.get(0))
        .optional()?;
    Ok(region.map_or(NameOrder::Root, |r| NameOrder::for_region(&r)))
}

#[cfg(test)]
mod tests {
    use super::NameOrder;

    fn sorted(order: NameOrder, names: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        order.sort_by(&mut v, |s| s.as_str());
        v
    }

    #[test]
    fn vietnamese_letters_with_marks_follow_their_base_letter() {
        // Ă, Â, Đ, Ư are letters of their own in Vietnamese, after A, D and U.
        let names = [
            "Ân Mai",
            "Anh Thư",
            "Ưng Hoàng",
            "Uyên Lê",
            "Đặng Thu",
            "Dương Lan",
        ];
        assert_eq!(
            sorted(NameOrder::Vietnamese, &names),
            [
                "Anh Thư",
                "Ân Mai",
                "Dương Lan",
                "Đặng Thu",
                "Uyên Lê",
                "Ưng Hoàng"
            ]
        );
        // In the root order the marks only break ties: "Ân" before "Anh", "Ưng" before "Uyên".
        let root = sorted(NameOrder::Root, &names);
        assert_eq!(root[0], "Ân Mai");
        let (ung, uyen) = (
            root.iter().position(|n| n == "Ưng Hoàng"),
            root.iter().position(|n| n == "Uyên Lê"),
        );
        assert!(ung < uyen, "{root:?}");
    }

    #[test]
    fn keys_compare_as_the_names_do() {
        for order in NameOrder::ALL {
            let names = [
                "Nguyễn Văn An",
                "nguyen van an",
                "Ngô Bảo",
                "សុខ ដារា",
                "ليلى حداد",
                "Zed",
            ];
            for a in names {
                for b in names {
                    assert_eq!(
                        order.key(a).cmp(&order.key(b)),
                        order.compare(a, b),
                        "{order:?}: {a} vs {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn regions_pick_their_language() {
        assert_eq!(NameOrder::for_region("KH"), NameOrder::Khmer);
        assert_eq!(NameOrder::for_region("vn"), NameOrder::Vietnamese);
        assert_eq!(NameOrder::for_region("JO"), NameOrder::Arabic);
        assert_eq!(NameOrder::for_region("US"), NameOrder::Root);
    }
}

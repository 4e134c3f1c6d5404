//! Search in every script, and on a 100,000-client demo clinic.

use std::sync::OnceLock;

use frontdesk_core::*;

use crate::support::*;

fn names(v: &[ClientSummary]) -> Vec<String> {
    let mut n: Vec<String> = v.iter().map(|c| c.full_name.clone()).collect();
    n.sort();
    n
}

const PEOPLE: &[&str] = &[
    "សុខ ដារ៉ា",
    "ចាន់ សុភា",
    "Nguyễn Văn Đức",
    "Trần Thị Hương",
    "مُحَمَّد الخطيب",
    "فاطمة حداد",
    "Emma Wilson",
    "Oliver Wilde",
];

fn small() -> Fixture {
    let f = new_clinic();
    for p in PEOPLE {
        f.add_client(&operator(), client(p));
    }
    f.add_client(
        &operator(),
        ClientFields {
            phones: vec!["+84 90 123 4567".into()],
            email: Some("huong.tran@example.net".into()),
            ..client("Hương Trần")
        },
    );
    f
}

#[test]
fn khmer_vietnamese_arabic_and_latin_queries_find_the_right_people() {
    let f = small();
    let c = &f.clinic;
    // Khmer, no spaces between words: substrings match.
    assert_eq!(names(&search_all(c, "ដារ៉ា")), vec!["សុខ ដារ៉ា"]);
    assert_eq!(names(&search_all(c, "សុខ")), vec!["សុខ ដារ៉ា"]);
    assert_eq!(names(&search_all(c, "សុភា")), vec!["ចាន់ សុភា"]);
    // Vietnamese with and without diacritics, đ included.
    assert_eq!(names(&search_all(c, "Nguyễn")), vec!["Nguyễn Văn Đức"]);
    assert_eq!(
        names(&search_all(c, "nguyen van duc")),
        vec!["Nguyễn Văn Đức"]
    );
    assert_eq!(names(&search_all(c, "Đức")), vec!["Nguyễn Văn Đức"]);
    assert_eq!(
        names(&search_all(c, "huong")),
        vec!["Hương Trần", "Trần Thị Hương"]
    );
    // Arabic with and without harakat, ta marbuta folded.
    assert_eq!(names(&search_all(c, "محمد")), vec!["مُحَمَّد الخطيب"]);
    assert_eq!(names(&search_all(c, "الخطيب")), vec!["مُحَمَّد الخطيب"]);
    assert_eq!(names(&search_all(c, "فاطمه")), vec!["فاطمة حداد"]);
    // Latin, any case, substrings, and short words of a longer query.
    assert_eq!(names(&search_all(c, "WILSON")), vec!["Emma Wilson"]);
    assert_eq!(
        names(&search_all(c, "wil")),
        vec!["Emma Wilson", "Oliver Wilde"]
    );
    assert_eq!(names(&search_all(c, "oliver wi")), vec!["Oliver Wilde"]);
    // One or two letters: names that start with them.
    assert_eq!(names(&search_all(c, "O")), vec!["Oliver Wilde"]);
    assert_eq!(names(&search_all(c, "tr")), vec!["Trần Thị Hương"]);
    // Phone and email.
    assert_eq!(names(&search_all(c, "090 123")), vec!["Hương Trần"]);
    assert_eq!(names(&search_all(c, "+84 90 123 4567")), vec!["Hương Trần"]);
    assert_eq!(names(&search_all(c, "huong.tran@")), vec!["Hương Trần"]);
    // Nothing for what is not there; quotes and FTS syntax are just text.
    assert!(search_all(c, "zzzq").is_empty());
    assert!(search_all(c, "\"wil\" OR *").is_empty());
    assert!(search_all(c, "   ").is_empty());
}

#[test]
fn edits_move_a_client_in_the_index() {
    let f = small();
    let id = search_all(&f.clinic, "Emma").remove(0).id;
    let Response::Client(c) = f
        .clinic
        .handle(&operator(), Request::ClientGet { id: id.clone() })
        .unwrap()
    else {
        panic!()
    };
    let mut fields = c.fields.clone();
    fields.full_name = "Emma Thompson".into();
    f.clinic
        .handle(
            &operator(),
            Request::ClientUpdate {
                id,
                expected_version: c.version,
                fields,
            },
        )
        .unwrap();
    assert!(search_all(&f.clinic, "wilson").is_empty());
    assert_eq!(
        names(&search_all(&f.clinic, "thomp")),
        vec!["Emma Thompson"]
    );
}

struct Big {
    _dir: tempfile::TempDir,
    clinic: Clinic,
    expected: Vec<(&'static str, String)>,
}

/// One 100,000-client demo clinic shared by the tests that need it, plus a few planted
/// clients whose names the demo never uses.
fn big() -> &'static Big {
    static BIG: OnceLock<Big> = OnceLock::new();
    BIG.get_or_init(|| {
        // A static is never dropped, so a TempDir would leak 300 MB per run: use one fixed
        // folder under the target dir instead and clear it first.
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("search-100k");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let f = new_clinic_in(&dir);
        f.clinic
            .handle(
                &operator(),
                Request::DemoGenerate(DemoSpec {
                    clients: 100_000,
                    seed: Some(7),
                    staff_password: Secret::new(STAFF_PASSWORD),
                    appointment_days: None,
                    history: None,
                }),
            )
            .unwrap();
        let planted = [
            // Khmer writers often put a zero-width space between words; a query without it still finds it.
            ("ពេជ្រ\u{200B}ចិន្តា", "ពេជ្រចិន្តា"),
            ("Nguyễn Thị Xuyến", "xuyen"),
            ("عبد الرَّحمن الزُّبيري", "الزبيري"),
            ("Quentin Zebedee", "zebed"),
        ];
        let mut expected = Vec::new();
        for (name, query) in planted {
            f.add_client(&operator(), client(name));
            expected.push((query, name.to_string()));
        }
        Big {
            _dir: f.dir,
            clinic: f.clinic,
            expected,
        }
    })
}

#[test]
fn search_on_100000_demo_clients_finds_the_right_ones() {
    let b = big();
    for (q, name) in &b.expected {
        let hits = search_all(&b.clinic, q);
        assert_eq!(names(&hits), vec![name.clone()], "query {q}");
    }
    // Common names page through every match, with no repeats, all matching.
    let all = search_all(&b.clinic, "Nguyễn");
    assert!(all.len() > 1000, "{}", all.len());
    let mut ids: Vec<_> = all.iter().map(|c| c.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all.len());
    assert!(all
        .iter()
        .all(|c| search::fold(&c.full_name).contains("nguyen")));
    // Without diacritics finds the same people.
    assert_eq!(search_all(&b.clinic, "nguyen").len(), all.len());
    let khmer = search_all(&b.clinic, "ដារ៉ា");
    assert!(!khmer.is_empty() && khmer.iter().all(|c| c.full_name.contains("ដារ៉ា")));
    let arabic = search_all(&b.clinic, "حداد");
    assert!(!arabic.is_empty() && arabic.iter().all(|c| c.full_name.contains("حداد")));
}

#[test]
fn khmer_and_persian_spellings_typed_either_way_find_the_client() {
    let f = new_clinic();
    for p in ["ឧត្ដម ចន្ទ្រា", "کریمی هادی"] {
        f.add_client(&operator(), client(p));
    }
    let c = &f.clinic;
    // Subscript TA for the name's subscript DA, and the RO typed first in its cluster.
    assert_eq!(names(&search_all(c, "ឧត្តម")), vec!["ឧត្ដម ចន្ទ្រា"]);
    assert_eq!(names(&search_all(c, "ចន្រ្ទា")), vec!["ឧត្ដម ចន្ទ្រា"]);
    // Arabic kaf and yeh for the Persian keheh and yeh, and the other way round.
    assert_eq!(names(&search_all(c, "كريمي")), vec!["کریمی هادی"]);
    assert_eq!(names(&search_all(c, "هادي")), vec!["کریمی هادی"]);
}

/// The short-query list in page order, one client per page, so the cursor is used each time.
fn listed(clinic: &Clinic, q: &str) -> Vec<String> {
    search_pages(clinic, q, 1)
        .into_iter()
        .map(|c| c.full_name)
        .collect()
}

fn move_clinic_to(f: &Fixture, region: &str, time_zone: &str) {
    let Response::Clinic(info) = f.clinic.handle(&operator(), Request::ClinicGet).unwrap() else {
        panic!()
    };
    f.clinic
        .handle(
            &operator(),
            Request::ClinicUpdate(ClinicSettings {
                name: info.name,
                time_zone: time_zone.into(),
                phone_region: region.into(),
                idle_timeout_minutes: info.idle_timeout_minutes,
            }),
        )
        .unwrap();
}

#[test]
fn names_are_listed_in_the_clinics_alphabet_and_follow_a_change_of_country() {
    let f = new_clinic();
    for p in ["Ân Mai", "Anh Thư", "An Bình", "Ưng Hoàng", "Uyên Lê"] {
        f.add_client(&operator(), client(p));
    }
    // Cambodia: Latin names in the root order, where the marks only break ties.
    assert_eq!(listed(&f.clinic, "a"), ["An Bình", "Ân Mai", "Anh Thư"]);
    assert_eq!(listed(&f.clinic, "u"), ["Ưng Hoàng", "Uyên Lê"]);
    // Vietnam: Â and Ư are letters of their own, after A and U.
    move_clinic_to(&f, "VN", "Asia/Ho_Chi_Minh");
    assert_eq!(listed(&f.clinic, "a"), ["An Bình", "Anh Thư", "Ân Mai"]);
    assert_eq!(listed(&f.clinic, "u"), ["Uyên Lê", "Ưng Hoàng"]);
    // A client added after the move gets the new order's key too.
    f.add_client(&operator(), client("Âu Cơ"));
    assert_eq!(
        listed(&f.clinic, "a"),
        ["An Bình", "Anh Thư", "Ân Mai", "Âu Cơ"]
    );
    // Staff lists follow the same alphabet.
    for (login, name) in [("uyen", "Uyên Lê"), ("ung", "Ưng Hoàng")] {
        f.clinic
            .handle(
                &operator(),
                Request::StaffCreate(NewStaff {
                    login: login.into(),
                    password: Secret::new(STAFF_PASSWORD),
                    fields: StaffFields::new(name, Role::Receptionist),
                }),
            )
            .unwrap();
    }
    let Response::StaffList(staff) = f
        .clinic
        .handle(
            &operator(),
            Request::StaffList {
                include_inactive: false,
            },
        )
        .unwrap()
    else {
        panic!()
    };
    let staff: Vec<&str> = staff
        .iter()
        .map(|s| s.fields.display_name.as_str())
        .collect();
    let (uyen, ung) = (
        staff.iter().position(|n| *n == "Uyên Lê").unwrap(),
        staff.iter().position(|n| *n == "Ưng Hoàng").unwrap(),
    );
    assert!(uyen < ung, "{staff:?}");
}

#[test]
fn names_folded_by_an_older_build_are_rebuilt_at_open() {
    let f = new_clinic();
    for p in ["ឧត្ដម ចន្ទ្រា", "Trần Thị Hương", "An Bình"] {
        f.add_client(&operator(), client(p));
    }
    // What an older build left: other folds, no keys, no search text.
    let raw = f.raw_connection();
    raw.execute_batch(
        "UPDATE clients SET name_fold = 'stale', name_key = x'';
         DELETE FROM client_search;
         UPDATE search_state SET fold_version = 1;",
    )
    .unwrap();
    drop(raw);
    assert!(search_all(&f.clinic, "ឧត្តម").is_empty());
    let path = f.path.clone();
    let keyring = f.keyring.clone();
    let clock = f.clock.clone();
    drop(f.clinic);
    let clinic = Clinic::open_as_operator(&path, PASSPHRASE, opts(&keyring, &clock)).unwrap();
    assert_eq!(names(&search_all(&clinic, "ឧត្តម")), vec!["ឧត្ដម ចន្ទ្រា"]);
    assert_eq!(names(&search_all(&clinic, "huong")), vec!["Trần Thị Hương"]);
    assert_eq!(listed(&clinic, "an"), ["An Bình"]);
}

//! Search-as-you-type over clients' names, phones and emails, in any script.
//!
//! Khmer has no spaces between words, so matching is by substring: an FTS5 table with the
//! trigram tokenizer. Names and queries are first folded to one form so that "Nguyen" finds
//! "Nguyễn", "محمد" finds "مُحَمَّد" and native digits find phone numbers:
//! - NFKD, then Latin and Arabic combining marks removed (Khmer signs are letters of the word
//!   and stay), and zero-width spaces and joiners dropped (Khmer separates words with them);
//! - letters with strokes that have no decomposition mapped (đ → d, ł → l, ø → o);
//! - Arabic: tatweel removed, alef wasla to alef, alef maqsura to ya, ta marbuta to ha, and
//!   the Persian keheh, yeh and heh that Persian and Urdu keyboards type to the Arabic letters;
//! - Khmer: the forms that look alike and are typed either way made one: subscript DA to
//!   subscript TA, a subscript RO moved after the other subscript of its cluster, the
//!   deprecated independent vowels to their current spelling, the invisible inherent vowels
//!   dropped, and the variant letter OO TYPE TWO to OO TYPE ONE;
//! - Arabic-Indic, Persian and Khmer digits to ASCII digits;
//! - lower case, runs of white space to one space.
//!
//! Words of three or more characters use the trigram index (as `LIKE '%word%'`, which FTS5
//! answers from trigrams alone, so the index needs no positions: `detail = none`); a query of
//! only shorter words matches the start of the name through an ordinary index, listed in the
//! clinic's alphabetical order (`collation.rs`). Pages are keyed, not offset, so page 50 costs
//! what page 1 costs.
//!
//! The folded names, the trigram text and the sort keys are derived data: when the fold
//! ([`FOLD_VERSION`]) or the clinic's country changes, [`ensure_current`] rebuilds them.

use rusqlite::{params, Connection, OptionalExtension};
use unicode_normalization::UnicodeNormalization;

use crate::collation::{self, NameOrder};
use crate::error::Result;

/// Raised whenever [`fold`] changes what it gives for some text, so that stored folds made by
/// the old one are rebuilt at the next open.
pub const FOLD_VERSION: i64 = 2;

fn is_dropped_mark(c: char) -> bool {
    matches!(c as u32,
        // Zero-width space, joiners, word joiner, BOM: Khmer puts them between words.
        0x200B..=0x200D | 0x2060 | 0xFEFF |
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F
        // Arabic harakat, Quranic marks, superscript alef, tatweel.
        | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06DC | 0x06DF..=0x06E8
        | 0x06EA..=0x06ED | 0x0640)
}

fn ascii_digit(c: char) -> Option<char> {
    let base = match c as u32 {
        0x0660..=0x0669 => 0x0660,
        0x06F0..=0x06F9 => 0x06F0,
        0x17E0..=0x17E9 => 0x17E0,
        _ => return None,
    };
    char::from_digit(c as u32 - base, 10)
}

/// The one form names and queries are compared in.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    for c in s.nfkd() {
        if is_dropped_mark(c) {
            continue;
        }
        let mapped = match c {
            'đ' | 'Đ' => 'd',
            'ł' | 'Ł' => 'l',
            'ø' | 'Ø' => 'o',
            'ı' => 'i',
            'ٱ' => 'ا',
            'ى' => 'ي',
            'ة' => 'ه',
            'ک' => 'ك',
            'ی' => 'ي',
            'ھ' => 'ه',
            c if c.is_whitespace() => ' ',
            c => ascii_digit(c).unwrap_or(c),
        };
        if mapped == ' ' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        out.extend(mapped.to_lowercase());
    }
    if out.ends_with(' ') {
        out.pop();
    }
    if out.chars().any(is_khmer) {
        fold_khmer(&out)
    } else {
        out
    }
}

fn is_khmer(c: char) -> bool {
    ('\u{1780}'..='\u{17FF}').contains(&c)
}

const COENG: char = '\u{17D2}';
const RO: char = '\u{179A}';

/// Khmer spellings that render alike (or are obsolete) to one form; see the module comment.
fn fold_khmer(s: &str) -> String {
    let mut v: Vec<char> = Vec::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{17B4}' | '\u{17B5}' => {}
            '\u{17A3}' => v.push('\u{17A2}'),
            '\u{17A4}' => v.extend(['\u{17A2}', '\u{17B6}']),
            '\u{17B2}' => v.push('\u{17B1}'),
            '\u{178A}' if v.last() == Some(&COENG) => v.push('\u{178F}'),
            c => v.push(c),
        }
    }
    // The standard order puts subscript RO last in its cluster; people type it first as often.
    let mut i = 0;
    while i + 3 < v.len() {
        if v[i] == COENG && v[i + 1] == RO && v[i + 2] == COENG && v[i + 3] != RO {
            v.swap(i + 1, i + 3);
            i += 4;
        } else {
            i += 1;
        }
    }
    v.into_iter().collect()
}

/// Native digits to ASCII, everything else as is; for phone parsing.
pub(crate) fn fold_digits(s: &str) -> String {
    s.chars().map(|c| ascii_digit(c).unwrap_or(c)).collect()
}

/// When the query looks like a phone number, its digits ("+855 12-34" → "8551234").
fn phone_digits(folded: &str) -> Option<String> {
    let looks_like_phone = folded
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let digits: String = folded.chars().filter(char::is_ascii_digit).collect();
    (looks_like_phone && digits.len() >= 3).then_some(digits)
}

/// The text the trigram index holds for one client.
pub(crate) fn index_text(
    name: &str,
    email: Option<&str>,
    phones: &[crate::validate::Phone],
) -> String {
    let mut t = fold(name);
    if let Some(e) = email {
        t.push_str(" | ");
        t.push_str(&fold(e));
    }
    for p in phones {
        t.push_str(" | ");
        t.push_str(p.e164.trim_start_matches('+'));
        t.push(' ');
        t.push_str(&p.national_digits);
    }
    t
}

pub(crate) fn upsert_index(conn: &Connection, seq: i64, text: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM client_search WHERE rowid = ?1")?
        .execute([seq])?;
    conn.prepare_cached("INSERT INTO client_search (rowid, text) VALUES (?1, ?2)")?
        .execute(params![seq, text])?;
    Ok(())
}

/// `term` as a LIKE pattern that matches it anywhere. `%` and `_` inside it stay wildcards
/// (FTS5 only uses the trigram index for LIKE without ESCAPE), so every LIKE is paired with an
/// exact `instr` check.
fn like_anywhere(term: &str) -> String {
    format!("%{term}%")
}

/// A page of matching client `seq`s, and the cursor for the next page if there is one.
pub(crate) fn find(
    conn: &Connection,
    query: &str,
    cursor: Option<&str>,
    limit: u32,
) -> Result<(Vec<i64>, Option<String>)> {
    let folded = fold(query);
    if folded.is_empty() {
        return Ok((Vec::new(), None));
    }
    let terms: Vec<String> = match phone_digits(&folded) {
        Some(digits) => vec![digits],
        None => folded.split(' ').map(str::to_string).collect(),
    };
    let indexed: Vec<&String> = terms.iter().filter(|t| t.chars().count() >= 3).collect();
    if indexed.is_empty() {
        return prefix(conn, &folded, cursor, limit);
    }
    // Every word must occur somewhere; the trigram index finds the candidates for the long
    // words (newest first, so a page stops as soon as it is full), `instr` confirms each word.
    let mut sql = String::from("SELECT rowid FROM client_search WHERE rowid < ?1");
    let mut values: Vec<rusqlite::types::Value> = vec![parse_seq_cursor(cursor).into()];
    for t in &indexed {
        values.push(like_anywhere(t).into());
        sql.push_str(&format!(" AND text LIKE ?{}", values.len()));
    }
    for t in &terms {
        values.push(t.clone().into());
        sql.push_str(&format!(" AND instr(text, ?{}) > 0", values.len()));
    }
    values.push((limit as i64 + 1).into());
    sql.push_str(&format!(" ORDER BY rowid DESC LIMIT ?{}", values.len()));
    let mut seqs: Vec<i64> = conn
        .prepare_cached(&sql)?
        .query_map(rusqlite::params_from_iter(values), |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let next = more(&mut seqs, limit).map(|last| format!("s{last}"));
    Ok((seqs, next))
}

/// Too short for trigrams: names that start with it, in the clinic's alphabetical order.
fn prefix(
    conn: &Connection,
    folded: &str,
    cursor: Option<&str>,
    limit: u32,
) -> Result<(Vec<i64>, Option<String>)> {
    let (after_key, after_seq) = parse_key_cursor(cursor);
    let mut upper = folded.to_string();
    upper.push(char::MAX);
    let rows: Vec<(i64, Vec<u8>)> = conn
        .prepare_cached(
            "SELECT seq, name_key FROM clients
             WHERE name_fold >= ?1 AND name_fold < ?2 AND (name_key, seq) > (?3, ?4)
             ORDER BY name_key, seq LIMIT ?5",
        )?
        .query_map(
            params![folded, upper, after_key, after_seq, limit as i64 + 1],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<rusqlite::Result<_>>()?;
    let has_more = rows.len() > limit as usize;
    let page = &rows[..rows.len().min(limit as usize)];
    let next = if has_more {
        page.last()
            .map(|(s, k)| format!("k{}:{}", s, hex::encode(k)))
    } else {
        None
    };
    Ok((page.iter().map(|(s, _)| *s).collect(), next))
}

fn more(seqs: &mut Vec<i64>, limit: u32) -> Option<i64> {
    if seqs.len() > limit as usize {
        seqs.truncate(limit as usize);
        seqs.last().copied()
    } else {
        None
    }
}

fn parse_seq_cursor(cursor: Option<&str>) -> i64 {
    cursor
        .and_then(|c| c.strip_prefix('s'))
        .and_then(|s| s.parse().ok())
        .unwrap_or(i64::MAX)
}

fn parse_key_cursor(cursor: Option<&str>) -> (Vec<u8>, i64) {
    cursor
        .and_then(|c| c.strip_prefix('k'))
        .and_then(|c| c.split_once(':'))
        .and_then(|(s, k)| Some((hex::decode(k).ok()?, s.parse().ok()?)))
        .unwrap_or((Vec::new(), 0))
}

/// Rebuilds every client's folded name, sort key and search text when they were made by
/// another fold or for another country than now; true if it did. Runs at every open (after
/// the migrations) and after the clinic's country changes, inside the caller's transaction
/// when there is one. Restricted and erased clients stay out of search and lists.
pub(crate) fn ensure_current(conn: &Connection) -> Result<bool> {
    if !is_stale(conn)? {
        return Ok(false);
    }
    let region: Option<String> = conn
        .query_row("SELECT phone_region FROM clinic", [], |r| r.get(0))
        .optional()?;
    let order = region
        .as_deref()
        .map_or(NameOrder::Root, NameOrder::for_region);
    let region = region.map(|r| crate::validate::region(&r)).transpose()?;
    let clients: Vec<(i64, String, String, Option<String>)> = conn
        .prepare(
            "SELECT seq, id, full_name, email FROM clients
              WHERE restricted_at IS NULL AND erased_at IS NULL",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut phones_of =
        conn.prepare("SELECT phone FROM client_phones WHERE client_id = ?1 ORDER BY position")?;
    let mut update =
        conn.prepare("UPDATE clients SET name_fold = ?2, name_key = ?3 WHERE seq = ?1")?;
    for (seq, id, name, email) in clients {
        update.execute(params![seq, fold(&name), name_key(order, &name)])?;
        let phones: Vec<crate::validate::Phone> = match region {
            Some(region) => phones_of
                .query_map([&id], |r| r.get::<_, String>(0))?
                .filter_map(|p| crate::validate::phone("phone", &p.ok()?, region).ok())
                .collect(),
            None => Vec::new(),
        };
        upsert_index(conn, seq, &index_text(&name, email.as_deref(), &phones))?;
    }
    conn.execute(
        "UPDATE search_state SET fold_version = ?1, name_order = ?2",
        params![FOLD_VERSION, order.as_str()],
    )?;
    Ok(true)
}

pub(crate) fn is_stale(conn: &Connection) -> Result<bool> {
    let (version, stored): (i64, String) = conn.query_row(
        "SELECT fold_version, name_order FROM search_state",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(version != FOLD_VERSION || stored != collation::clinic_order(conn)?.as_str())
}

/// The sort key stored with a client's name (empty for no name: erased or restricted).
pub(crate) fn name_key(order: NameOrder, name: &str) -> Vec<u8> {
    if name.is_empty() {
        Vec::new()
    } else {
        order.key(name)
    }
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_vietnamese_arabic_and_digits() {
        assert_eq!(fold("Nguyễn Văn  Đức"), "nguyen van duc");
        assert_eq!(fold("مُحَمَّد"), "محمد");
        assert_eq!(fold("أحمد"), "احمد");
        assert_eq!(fold("فاطمة"), "فاطمه");
        assert_eq!(fold("٠١٢٣"), "0123");
        assert_eq!(fold("០១២"), "012");
        // Khmer vowel signs and the coeng are part of the word and stay.
        assert_eq!(fold("សុខ ដារ៉ា"), "សុខ ដារ៉ា");
        assert_eq!(fold("ពេជ្រ\u{200B}ចិន្តា"), "ពេជ្រចិន្តា");
    }

    #[test]
    fn khmer_spellings_that_look_alike_fold_to_one() {
        // Subscript DA and subscript TA are drawn the same.
        assert_eq!(fold("ឧត្ដម"), fold("ឧត្តម"));
        // Subscript RO typed before the other subscript of its cluster.
        assert_eq!(fold("ចន្រ្ទា"), fold("ចន្ទ្រា"));
        assert_eq!(fold("ចន្ទ្រា"), "ចន្ទ្រា");
        // Deprecated independent vowels and the invisible inherent vowels.
        assert_eq!(fold("\u{17A3}ក"), fold("\u{17A2}ក"));
        assert_eq!(fold("\u{17A4}"), "\u{17A2}\u{17B6}");
        assert_eq!(fold("ក\u{17B4}ខ"), "កខ");
        assert_eq!(fold("ឲ្យ"), fold("ឱ្យ"));
        // A DA that is not subscript is another letter and stays.
        assert_ne!(fold("ដា"), fold("តា"));
    }

    #[test]
    fn persian_letters_fold_to_arabic() {
        assert_eq!(fold("کریمی"), fold("كريمي"));
        assert_eq!(fold("ھدى"), fold("هدي"));
    }
}

//! The clinic's question-and-answer entries, kept per language at the desk, and how often each
//! answered a visitor by itself and was corrected by a person.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::matcher::FaqQuestion;
use crate::door::Ctx;
use crate::error::{Error, Result};
use crate::validate;

const MAX_QUESTION: usize = 300;
const MAX_ALTERNATES: usize = 20;
const MAX_ANSWER: usize = 2000;
/// Enough for any clinic's FAQ; the matcher is built from all of them for each message.
const MAX_ENTRIES: i64 = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FaqEntry {
    pub id: String,
    /// "en", "km", "vi", "ar" or another language tag: visitors writing in it are matched.
    pub lang: String,
    pub question: String,
    /// Other ways people ask the same thing.
    pub alternates: Vec<String>,
    pub answer: String,
    /// An inactive entry is kept but answers no one.
    pub active: bool,
    /// Automatic answers it gave, and how many of them a person corrected.
    pub uses: u32,
    pub corrections: u32,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FaqInput {
    /// `None` adds an entry; a ULID made at the desk makes a retried add land once.
    #[serde(default)]
    pub id: Option<String>,
    pub lang: String,
    pub question: String,
    #[serde(default)]
    pub alternates: Vec<String>,
    pub answer: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

const SELECT: &str = "SELECT f.*,
        (SELECT count(*) FROM chat_messages m WHERE m.faq_id = f.id) AS uses,
        (SELECT count(*) FROM chat_messages m WHERE m.faq_id = f.id AND m.corrected_by IS NOT NULL)
            AS corrections
   FROM faq_entries f";

fn row(r: &Row) -> rusqlite::Result<FaqEntry> {
    let alternates: String = r.get("alternates")?;
    Ok(FaqEntry {
        id: r.get("id")?,
        lang: r.get("lang")?,
        question: r.get("question")?,
        alternates: alternates
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        answer: r.get("answer")?,
        active: r.get("active")?,
        uses: r.get("uses")?,
        corrections: r.get("corrections")?,
        updated_at: r.get("updated_at")?,
    })
}

pub(crate) fn list(conn: &Connection) -> Result<Vec<FaqEntry>> {
    let mut st = conn.prepare_cached(&format!("{SELECT} ORDER BY f.lang, f.seq"))?;
    let rows = st.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn get(conn: &Connection, id: &str) -> Result<FaqEntry> {
    conn.prepare_cached(&format!("{SELECT} WHERE f.id = ?1"))?
        .query_row([id], row)
        .optional()?
        .ok_or_else(|| Error::NotFound {
            kind: "faq_entry",
            id: id.to_owned(),
        })
}

/// The language an entry is for, as the widget sends it ("km-KH" → "km").
pub(crate) fn base_lang(lang: &str) -> String {
    lang.split(['-', '_'])
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

pub(crate) fn save(conn: &Connection, ctx: &Ctx, input: &FaqInput) -> Result<FaqEntry> {
    let lang = base_lang(&input.lang);
    if lang.len() < 2 || lang.len() > 3 || !lang.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(Error::invalid(
            "lang",
            "validation.language",
            "is not a language code like en, km, vi or ar",
        ));
    }
    let question = validate::required("question", &input.question, MAX_QUESTION)?;
    let answer = validate::text("answer", &input.answer, MAX_ANSWER, true)?;
    if answer.is_empty() {
        return Err(Error::invalid(
            "answer",
            "validation.required",
            "is required",
        ));
    }
    if input.alternates.len() > MAX_ALTERNATES {
        return Err(Error::invalid(
            "alternates",
            "validation.too_many",
            format!("at most {MAX_ALTERNATES} other ways of asking"),
        ));
    }
    let mut alternates = vec![];
    for a in &input.alternates {
        let a = validate::text("alternates", a, MAX_QUESTION, false)?;
        if !a.is_empty() && !alternates.contains(&a) {
            alternates.push(a);
        }
    }
    let now = ctx.stamp();
    let id = match &input.id {
        None => ulid::Ulid::new().to_string(),
        Some(given) => ulid::Ulid::from_string(given.trim())
            .map_err(|_| Error::invalid("id", "validation.id", "is not a ULID"))?
            .to_string(),
    };
    let exists = conn
        .prepare_cached("SELECT 1 FROM faq_entries WHERE id = ?1")?
        .exists([&id])?;
    if !exists {
        let count: i64 = conn.query_row("SELECT count(*) FROM faq_entries", [], |r| r.get(0))?;
        if count >= MAX_ENTRIES {
            return Err(Error::invalid(
                "question",
                "validation.too_many",
                format!("at most {MAX_ENTRIES} entries"),
            ));
        }
    }
    conn.execute(
        "INSERT INTO faq_entries (id, lang, question, alternates, answer, active, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
         ON CONFLICT (id) DO UPDATE SET lang = ?2, question = ?3, alternates = ?4, answer = ?5,
                active = ?6, updated_at = ?7",
        params![id, lang, question, alternates.join("\n"), answer, input.active, now],
    )?;
    get(conn, &id)
}

pub(crate) fn delete(conn: &Connection, id: &str) -> Result<()> {
    let n = conn.execute("DELETE FROM faq_entries WHERE id = ?1", [id])?;
    if n == 0 {
        return Err(Error::NotFound {
            kind: "faq_entry",
            id: id.to_owned(),
        });
    }
    Ok(())
}

/// The active entries as the matcher takes them, with their answers by id.
pub(crate) fn for_matching(conn: &Connection) -> Result<Vec<(FaqQuestion, String)>> {
    let mut st = conn.prepare_cached(
        "SELECT id, lang, question, alternates, answer FROM faq_entries WHERE active = 1
          ORDER BY seq",
    )?;
    let rows = st.query_map([], |r| {
        let alternates: String = r.get(3)?;
        Ok((
            FaqQuestion {
                id: r.get(0)?,
                lang: r.get(1)?,
                question: r.get(2)?,
                alternates: alternates.lines().map(str::to_owned).collect(),
            },
            r.get::<_, String>(4)?,
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

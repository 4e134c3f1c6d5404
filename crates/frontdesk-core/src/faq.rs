//! The FAQ assistant: the clinic's question-and-answer entries per language (`entries`), which
//! entry answers a visitor's chat message, if any (`matcher`), and when the desk may answer by
//! itself (`assistant`). Everything runs on the desk: the relay only ever carries the answer
//! sealed to the visitor.

pub(crate) mod assistant;
pub(crate) mod entries;
pub(crate) mod matcher;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

pub use entries::{FaqEntry, FaqInput};

use crate::error::Result;

/// What the FAQ would do with a message: the entry that answers it (`None`: a person does), and
/// the best score in percent, so a clinic can see how near a miss was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FaqTried {
    pub id: Option<String>,
    pub score: u8,
}

pub(crate) fn try_match(conn: &Connection, text: &str, lang: &str) -> Result<FaqTried> {
    crate::validate::text("text", text, crate::chat::MAX_TEXT, true)?;
    let questions: Vec<_> = entries::for_matching(conn)?
        .into_iter()
        .map(|(q, _)| q)
        .collect();
    let m = matcher::Matcher::new(&questions);
    let lang = entries::base_lang(lang);
    let top = m.top(text, Some(&lang));
    let best = m.best(text, Some(&lang));
    Ok(FaqTried {
        id: best.map(|b| b.id),
        score: top
            .map(|t| (t.score * 100.0).round().clamp(0.0, 100.0) as u8)
            .unwrap_or(0),
    })
}

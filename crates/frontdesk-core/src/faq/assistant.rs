//! Whether a visitor's message is answered from the FAQ by itself. Only while no person is in
//! the conversation: once someone at the desk has written, or the visitor has asked for a
//! person, every message goes to people.

use rusqlite::Connection;

use super::{entries, matcher::Matcher};
use crate::error::Result;

pub(crate) struct Answer {
    pub faq_id: String,
    pub text: String,
    /// How sure the match is, 0 to 1.
    pub score: f32,
}

pub(crate) fn answer(
    tx: &Connection,
    conversation_id: &str,
    message_id: &str,
) -> Result<Option<Answer>> {
    let (text, handoff): (String, bool) = tx.query_row(
        "SELECT body, handoff FROM chat_messages WHERE id = ?1",
        [message_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if handoff || text.trim().is_empty() {
        return Ok(None);
    }
    let people = tx
        .prepare_cached(
            "SELECT 1 FROM chat_messages WHERE conversation_id = ?1
                AND ((side = 'desk' AND auto IS NULL) OR handoff = 1)",
        )?
        .exists([conversation_id])?;
    if people {
        return Ok(None);
    }
    let all = entries::for_matching(tx)?;
    if all.is_empty() {
        return Ok(None);
    }
    let lang: Option<String> = tx.query_row(
        "SELECT lang FROM conversations WHERE id = ?1",
        [conversation_id],
        |r| r.get(0),
    )?;
    let questions: Vec<_> = all.iter().map(|(q, _)| q.clone()).collect();
    let lang = lang.map(|l| entries::base_lang(&l));
    let Some(found) = Matcher::new(&questions).best(&text, lang.as_deref()) else {
        return Ok(None);
    };
    Ok(all
        .into_iter()
        .find(|(q, _)| q.id == found.id)
        .map(|(q, answer)| Answer {
            faq_id: q.id,
            text: answer,
            score: found.score,
        }))
}

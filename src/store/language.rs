//! The CM's correction of an item's language: the item is rescored in the new language
//! (or left unscored when hark has no lexicon for it) and the change is an event.

use rusqlite::{params, Connection, OptionalExtension};

use super::events::{self, Event, EventKind};
use super::state::ACTOR_USER;
use super::Result;
use crate::domain::{ItemId, UnixTime};
use crate::sentiment::Analyzer;

/// Sets the language of `ids` to `lang` as the CM's choice (re-detection never overrides
/// it), rescoring their automatic sentiment in that language; each change is an event.
/// Returns how many items changed.
pub fn set_manual(
    conn: &mut Connection,
    ids: &[ItemId],
    lang: &str,
    analyzer: &Analyzer,
    now: UnixTime,
) -> Result<usize> {
    let tx = conn.transaction()?;
    let mut changed = 0;
    {
        let mut current =
            tx.prepare_cached("SELECT body, lang, lang_manual FROM items WHERE id = ?")?;
        let mut update = tx.prepare_cached(
            "UPDATE items SET lang = ?2, lang_manual = 1, sentiment_auto = ?3,
                 sentiment_label_auto = ?4
             WHERE id = ?1",
        )?;
        for &id in ids {
            let found: Option<(String, Option<String>, bool)> = current
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            let Some((body, from, manual)) = found else {
                continue;
            };
            if manual && from.as_deref() == Some(lang) {
                continue;
            }
            let auto = crate::ingest::auto_sentiment(analyzer, &body, lang);
            update.execute(params![
                id,
                lang,
                auto.map(|s| s.compound),
                auto.map(|s| s.label.as_str())
            ])?;
            let detail = serde_json::json!({ "from": from, "to": lang });
            events::record(
                &tx,
                &Event::new(EventKind::Language, ACTOR_USER, Some(id)).detail(detail),
                now,
            )?;
            changed += 1;
        }
    }
    tx.commit()?;
    Ok(changed)
}

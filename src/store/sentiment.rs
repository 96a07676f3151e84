//! The CM's own sentiment labels, kept apart from the automatic ones so accuracy can be
//! measured, and rescoring the automatic ones when the lexicon changes.

use rusqlite::{params, Connection};

use super::events::{self, Event, EventKind};
use super::state::ACTOR_USER;
use super::Result;
use crate::domain::{ItemId, SentimentLabel, UnixTime};
use crate::language::Languages;
use crate::sentiment::Analyzer;

/// Sets (or with `None` clears) the manual label of `ids`; each change is an event.
/// Returns how many items changed.
pub fn set_manual(
    conn: &mut Connection,
    ids: &[ItemId],
    label: Option<SentimentLabel>,
    now: UnixTime,
) -> Result<usize> {
    let tx = conn.transaction()?;
    let mut changed = 0;
    {
        let mut current = tx.prepare_cached("SELECT sentiment_manual FROM items WHERE id = ?")?;
        let mut update = tx.prepare_cached("UPDATE items SET sentiment_manual = ? WHERE id = ?")?;
        let to = label.map(SentimentLabel::as_str);
        for &id in ids {
            let Ok(from) = current.query_row([id], |r| r.get::<_, Option<String>>(0)) else {
                continue;
            };
            if from.as_deref() == to {
                continue;
            }
            update.execute(params![to, id])?;
            let detail = serde_json::json!({ "from": from, "to": to });
            events::record(
                &tx,
                &Event::new(EventKind::Sentiment, ACTOR_USER, Some(id)).detail(detail),
                now,
            )?;
            changed += 1;
        }
    }
    tx.commit()?;
    Ok(changed)
}

/// What a rescore did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rescored {
    pub scored: usize,
    /// Automatic labels that changed (including scored ↔ unscored).
    pub changed: usize,
    /// Items whose language was unknown (stored before languages existed) and now is.
    pub languages_filled: usize,
}

/// Rescores every item's automatic sentiment with `analyzer`, in batches so readers are
/// never blocked for long, in each item's language: detected again among `languages`
/// unless the CM set it. Manual labels are never touched; an item in a language without
/// a lexicon loses its automatic score.
pub fn rescore(
    conn: &mut Connection,
    analyzer: &Analyzer,
    languages: &Languages,
) -> Result<Rescored> {
    const BATCH: i64 = 5_000;
    let mut done = Rescored::default();
    let mut after = 0i64;
    loop {
        type Row = (i64, String, Option<String>, Option<String>, bool);
        let rows: Vec<Row> = conn
            .prepare_cached(
                "SELECT id, body, sentiment_label_auto, lang, lang_manual FROM items
                 WHERE id > ? ORDER BY id LIMIT ?",
            )?
            .query_map(params![after, BATCH], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        let tx = conn.transaction()?;
        {
            let mut update = tx.prepare_cached(
                "UPDATE items SET sentiment_auto = ?, sentiment_label_auto = ?, lang = ? WHERE id = ?",
            )?;
            for (id, body, old, lang, manual) in &rows {
                let lang = match lang {
                    Some(l) if *manual => l.as_str(),
                    _ => languages.detect(body),
                };
                let auto = crate::ingest::auto_sentiment(analyzer, body, lang);
                let label = auto.map(|s| s.label.as_str());
                update.execute(params![auto.map(|s| s.compound), label, lang, id])?;
                done.scored += 1;
                if old.as_deref() != label {
                    done.changed += 1;
                }
            }
            done.languages_filled += rows.iter().filter(|r| r.3.is_none()).count();
        }
        tx.commit()?;
    }
    Ok(done)
}

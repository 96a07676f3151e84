//! The CM's own sentiment labels, kept apart from the automatic ones so accuracy can be
//! measured, and rescoring the automatic ones when the lexicon changes.

use rusqlite::{params, Connection};

use super::events::{self, Event, EventKind};
use super::state::ACTOR_USER;
use super::Result;
use crate::domain::{ItemId, SentimentLabel, UnixTime};
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

/// Rescores every item's automatic sentiment with `analyzer`, in batches so readers are
/// never blocked for long. Manual labels are never touched. Returns (scored, changed).
pub fn rescore(conn: &mut Connection, analyzer: &Analyzer) -> Result<(usize, usize)> {
    const BATCH: i64 = 5_000;
    let (mut scored, mut changed) = (0, 0);
    let mut after = 0i64;
    loop {
        let rows: Vec<(i64, String, Option<String>)> = conn
            .prepare_cached(
                "SELECT id, body, sentiment_label_auto FROM items WHERE id > ? ORDER BY id LIMIT ?",
            )?
            .query_map(params![after, BATCH], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        let tx = conn.transaction()?;
        {
            let mut update = tx.prepare_cached(
                "UPDATE items SET sentiment_auto = ?, sentiment_label_auto = ? WHERE id = ?",
            )?;
            for (id, body, old) in &rows {
                let result = analyzer.analyze(body);
                let label = result.label.as_str();
                update.execute(params![result.scores.compound, label, id])?;
                scored += 1;
                if old.as_deref() != Some(label) {
                    changed += 1;
                }
            }
        }
        tx.commit()?;
    }
    Ok((scored, changed))
}

//! While a spike incident is open, the detector is cooling down and opens nothing; the
//! crisis goes on all the same. Each newly ingested negative item (as the detector counts
//! them) that carries any of an open spike incident's terms joins that incident, through
//! the CM's attach path: one escalation per item, no notice of its own (the incident's
//! next notice carries it in its digest).

use rusqlite::Connection;

use super::spike_topic::{self, Doc};
use crate::domain::{ItemId, UnixTime};
use crate::escalation::{incident, EscalationConfig, SpikeConfig};
use crate::store::{incidents, rules as store_rules, Result};

const HOUR: i64 = 3600;

/// Attaches the negative ones of `ids` carrying an open spike incident's terms to it (the
/// newest such incident first); returns how many items joined.
pub fn join_open(
    conn: &Connection,
    ids: &[ItemId],
    spike: &SpikeConfig,
    escalations: &EscalationConfig,
    now: UnixTime,
) -> Result<usize> {
    let since = now - escalations.group_within.as_secs() as i64;
    let open = incidents::open_with_topic(conn, "spike:", since)?;
    if open.is_empty() || ids.is_empty() {
        return Ok(0);
    }
    let tag = spike.tag.clone().unwrap_or_default();
    let actor = format!("rule:{}", spike.name);
    // An item written in the spike's hour or the detector's window before it (where a
    // crisis builds up) is the crisis's, even when a network delivers it late; older talk
    // arriving in a backfill is not.
    let lead = HOUR + spike.window.as_secs() as i64;
    let mut joined = 0;
    for ((id, author, body, lang), created_at) in store_rules::negative_texts(conn, &tag, ids)? {
        let doc = Doc {
            id,
            author,
            body,
            lang,
        };
        let found = spike_topic::features(&doc);
        for (incident_id, topic, _) in &open {
            let terms = incident::spike_terms(topic);
            if !terms.iter().any(|t| found.contains(*t)) {
                continue;
            }
            let Some(opened) = incidents::get(conn, *incident_id)?.map(|i| i.opened_at) else {
                continue;
            };
            if created_at > opened - lead {
                joined +=
                    incident::attach(conn, *incident_id, &[doc.id], &actor, escalations, now)?;
            }
            break;
        }
    }
    Ok(joined)
}

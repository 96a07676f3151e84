//! The spike rule: negative items in the last hour against the hourly counts of a rolling
//! baseline before it. Fires at most once per cooldown and opens one escalation titled
//! with the spike's topic (see [`super::spike_topic`]), linking only the items that carry it.

use rusqlite::Connection;

use super::spike_topic::{Doc, SpikeTopic};
use crate::domain::{ItemId, UnixTime};
use crate::escalation::{self, EscalationConfig, NewEscalation, SpikeConfig, Topic};
use crate::store::rules as store_rules;
use crate::store::Result;

const HOUR: i64 = 3600;

/// Whether `current` (the last hour) is a spike over `baseline` (earlier hours).
pub fn is_spike(baseline: &[u64], current: u64, config: &SpikeConfig) -> bool {
    if current < config.min_count {
        return false;
    }
    let n = baseline.len().max(1) as f64;
    let mean = baseline.iter().sum::<u64>() as f64 / n;
    let var = baseline
        .iter()
        .map(|&x| (x as f64 - mean).powi(2))
        .sum::<f64>()
        / n;
    // A perfectly steady baseline has no spread; count noise of one item per hour.
    let sd = var.sqrt().max(1.0);
    let by_multiple = config
        .multiple
        .is_some_and(|m| current as f64 >= m * mean.max(1.0));
    let by_z = config
        .z_score
        .is_some_and(|z| (current as f64 - mean) / sd >= z);
    by_multiple || by_z
}

/// Runs the detector over an hourly series as time passes, with the cooldown: the hours
/// at which it would fire. (The store runs the same check on every ingest.)
pub fn scan(series: &[u64], config: &SpikeConfig) -> Vec<usize> {
    let window = (config.window.as_secs() as i64 / HOUR).max(1) as usize;
    let cooldown = config.cooldown.as_secs() as i64;
    let mut fired = Vec::new();
    let mut last: Option<usize> = None;
    for hour in 0..series.len() {
        if last.is_some_and(|l| ((hour - l) as i64) * HOUR < cooldown) {
            continue;
        }
        let start = hour.saturating_sub(window);
        if is_spike(&series[start..hour], series[hour], config) {
            fired.push(hour);
            last = Some(hour);
        }
    }
    fired
}

/// Checks the last hour before `now` in the store; opens an escalation when it spikes
/// and the cooldown allows. Returns the escalation's id.
pub fn check(
    conn: &Connection,
    config: &SpikeConfig,
    escalations: &EscalationConfig,
    now: UnixTime,
) -> Result<Option<i64>> {
    let last = store_rules::spike_last_fired(conn, &config.name)?;
    if last.is_some_and(|l| now - l < config.cooldown.as_secs() as i64) {
        return Ok(None);
    }
    let window = (config.window.as_secs() as i64 / HOUR).max(1);
    let tag = config.tag.clone().unwrap_or_default();
    let mut baseline = vec![0u64; window as usize];
    for (h, n) in store_rules::spike_baseline(conn, &tag, now, window)? {
        if (1..=window).contains(&h) {
            baseline[(window - h) as usize] = n as u64;
        }
    }
    let items = store_rules::spike_last_hour(conn, &tag, now)?;
    if !is_spike(&baseline, items.len() as u64, config) {
        return Ok(None);
    }
    let mean = baseline.iter().sum::<u64>() as f64 / baseline.len().max(1) as f64;
    let topic = topic(conn, &items, now, window)?;
    if topic.terms.is_empty() {
        // Unrelated complaints that happen to be recent are no crisis: nothing opens, and
        // no cooldown starts, so a real topic can still fire.
        tracing::info!(rule = %config.name, items = items.len(), "spike without a shared topic; not escalated");
        return Ok(None);
    }
    let about = topic.terms.join(", ");
    let reason = format!(
        "{}: {about} ({} of {} negative items in the last hour; baseline {:.1}/h over {}h)",
        config.name,
        topic.items.len(),
        items.len(),
        mean,
        window
    );
    let topic_key = Topic::Spike(topic.terms.clone());
    let opened = escalation::open(
        conn,
        &NewEscalation {
            item_id: topic.items.last().copied(),
            linked: topic.items,
            severity: config.severity,
            reason,
            actor: format!("rule:{}", config.name),
            topic: topic_key,
        },
        escalations,
        now,
    )?;
    store_rules::spike_fired(conn, &config.name, now)?;
    Ok(Some(opened.escalation))
}

/// How many baseline items the topic is compared with at most (the newest).
const BASELINE_ITEMS: usize = 20_000;
/// How far before the detector's window the topic's baseline reaches: a week holds the
/// brand's ordinary talk, weekdays and weekend alike.
const HISTORY: i64 = 7 * 24 * HOUR;
/// The days before the window are the baseline only when they hold this many items (a
/// fresh cache has little else to compare with).
const MIN_HISTORY_ITEMS: usize = 30;

/// The spike's topic: what its items say more than the brand's ordinary talk.
///
/// A crisis builds up before its volume spikes: the first reports trickle in during the
/// hours (or day) the detector's window covers. Compared with that window, the crisis's
/// own words are not over-represented and the topic falls back on whatever else the spike
/// repeats. So the baseline is the week before the window; only when that holds too
/// little (a fresh cache) does the window itself join it.
fn topic(conn: &Connection, items: &[ItemId], now: UnixTime, window: i64) -> Result<SpikeTopic> {
    let doc = |(id, author, body, lang): store_rules::SpikeText| Doc {
        id,
        author,
        body,
        lang,
    };
    let spike: Vec<Doc> = store_rules::texts(conn, items)?
        .into_iter()
        .map(doc)
        .collect();
    let last_hour = now - HOUR;
    let window_start = last_hour - window * HOUR;
    let mut baseline =
        store_rules::baseline_texts(conn, window_start - HISTORY, window_start, BASELINE_ITEMS)?;
    if baseline.len() < MIN_HISTORY_ITEMS {
        baseline =
            store_rules::baseline_texts(conn, window_start - HISTORY, last_hour, BASELINE_ITEMS)?;
    }
    let baseline: Vec<Doc> = baseline.into_iter().map(doc).collect();
    Ok(super::spike_topic::find(&spike, &baseline))
}

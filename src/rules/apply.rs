//! Running the rules: on ingest (inside the ingest's transaction, right after the new
//! items are inserted, so an item is never visible without its rule actions) and as a
//! dry run over the cache for `hark rules test`.

use rusqlite::Connection;

use super::{Rule, RuleSet};
use crate::domain::{ItemId, UnixTime};
use crate::escalation::{self, EscalationConfig, NewEscalation};
use crate::platform::kinds;
use crate::store::events::{self, Event, EventKind};
use crate::store::rules as store_rules;
use crate::store::{moderation, Result};

/// Everything the ingest needs to apply rules: compiled once at start-up.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    pub rules: RuleSet,
    pub escalation: EscalationConfig,
}

impl Engine {
    /// Compiles `[[rule]]`s beside the `[escalation]` settings their actions and the spike
    /// check use.
    pub fn new(rules: &[super::RuleConfig], escalation: &EscalationConfig) -> Result<Engine> {
        let rules =
            RuleSet::compile(rules).map_err(|e| crate::store::Error::Invalid(e.to_string()))?;
        Ok(Engine {
            rules,
            escalation: escalation.clone(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.escalation.spike.is_none()
    }
}

/// What rules did to one ingest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// (rule name, item) for every match.
    pub matches: Vec<(String, ItemId)>,
    pub spike: Option<i64>,
}

pub use crate::store::rules::facts;

/// Applies every matching rule to each of `ids`, in rule order, then the spike check.
/// Call it with the ingest's transaction.
pub fn apply_on_ingest(
    conn: &Connection,
    ids: &[ItemId],
    engine: &Engine,
    now: UnixTime,
) -> Result<Applied> {
    let mut applied = Applied::default();
    for &id in ids {
        let Some(facts) = facts(conn, id)? else {
            continue;
        };
        // The brand's own posts are context; rules are for what others write.
        if facts.kind == crate::domain::ItemKind::Post {
            continue;
        }
        for rule in engine.rules.matching(&facts) {
            apply_rule(conn, id, rule, &engine.escalation, now)?;
            applied.matches.push((rule.name.clone(), id));
        }
    }
    if let Some(spike) = &engine.escalation.spike {
        if !ids.is_empty() {
            // Before the check: an item joining a spike already open is not new volume
            // for another incident of the same topic (the check would join it anyway).
            super::spike_join::join_open(conn, ids, spike, &engine.escalation, now)?;
            applied.spike = super::spike::check(conn, spike, &engine.escalation, now)?;
        }
    }
    Ok(applied)
}

fn apply_rule(
    conn: &Connection,
    id: ItemId,
    rule: &Rule,
    escalations: &EscalationConfig,
    now: UnixTime,
) -> Result<()> {
    let actor = rule.actor();
    let a = &rule.actions;
    for tag in &a.tag {
        if let Some(tag) = moderation::normal_tag(tag) {
            moderation::tag_in(conn, id, &tag, &actor, now)?;
        }
    }
    if a.spam {
        store_rules::mark_spam(conn, id)?;
        events::record(
            conn,
            &Event::new(EventKind::Moderation, &actor, Some(id))
                .detail(serde_json::json!({"action": "spam"})),
            now,
        )?;
    }
    if a.done {
        let from = store_rules::item_state(conn, id)?;
        if from == "new" || from == "open" {
            store_rules::set_done(conn, id)?;
            events::record(conn, &Event::state(&actor, id, &from, "done"), now)?;
        }
    }
    // Hidden already, or a hide on its way (the state changes when the platform confirms).
    let hidden = || store_rules::hidden_or_hiding(conn, id);
    // Two rules hiding the same item send one hide.
    if a.hide && !hidden()? {
        moderation::queue_in(
            conn,
            id,
            kinds::HIDE,
            &serde_json::json!({}),
            &actor,
            None,
            now,
        )?;
    }
    if let Some(cm) = &a.assign {
        // A rule gives an item its first CM; it never takes one from a CM who has it.
        if store_rules::unassigned(conn, id)? {
            crate::store::team::assign_in(conn, &[id], Some(cm), &actor, None, now)?;
        }
    }
    if let Some(flag) = &a.flag {
        escalation::open(
            conn,
            &NewEscalation {
                item_id: Some(id),
                linked: Vec::new(),
                severity: flag.severity,
                reason: flag.reason.clone(),
                actor,
                topic: Default::default(),
            },
            escalations,
            now,
        )?;
    }
    Ok(())
}

/// What one rule would have done over the cache.
#[derive(Debug, Clone, PartialEq)]
pub struct DryRun {
    pub rule: String,
    pub count: usize,
    /// Up to five (item id, author, text) examples, newest first.
    pub sample: Vec<(ItemId, String, String)>,
}

/// Runs the rules over items created since `since` without writing anything (`conn`
/// should be read-only). Also returns the hours at which the spike rule would fire.
pub fn dry_run(
    conn: &Connection,
    rules: &RuleSet,
    spike: Option<&crate::escalation::SpikeConfig>,
    since: UnixTime,
    now: UnixTime,
) -> Result<(Vec<DryRun>, Vec<UnixTime>)> {
    let mut out: Vec<DryRun> = rules
        .rules
        .iter()
        .map(|r| DryRun {
            rule: r.name.clone(),
            count: 0,
            sample: Vec::new(),
        })
        .collect();
    store_rules::for_each_since(conn, since, |id, facts| {
        for (i, rule) in rules.rules.iter().enumerate() {
            if rule.matches(&facts) {
                out[i].count += 1;
                if out[i].sample.len() < 5 {
                    out[i]
                        .sample
                        .push((id, facts.author_handle.clone(), facts.body.clone()));
                }
            }
        }
        Ok(())
    })?;
    let mut fired = Vec::new();
    if let Some(spike) = spike {
        // Hourly counts of negative (or spike-tagged, or tagged by a matching rule) items.
        let start_hour = since.div_euclid(3600);
        let hours = (now.div_euclid(3600) - start_hour + 1).max(1) as usize;
        let mut series = vec![0u64; hours];
        let tag = spike.tag.clone().unwrap_or_default();
        store_rules::for_each_spike_candidate(conn, since, &tag, |id, at, mut negative| {
            if !negative && !tag.is_empty() {
                // A rule that would tag it with the spike's tag counts too.
                if let Some(f) = facts(conn, id)? {
                    negative = rules.matching(&f).any(|r| r.actions.tag.contains(&tag));
                }
            }
            let h = (at.div_euclid(3600) - start_hour) as usize;
            if negative && h < hours {
                series[h] += 1;
            }
            Ok(())
        })?;
        fired = super::spike::scan(&series, spike)
            .into_iter()
            .map(|h| (start_hour + h as i64) * 3600)
            .collect();
    }
    Ok((out, fired))
}

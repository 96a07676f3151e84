//! Incidents: an escalation belongs to one. A rule or the spike detector matching again
//! while an incident of the same topic is young attaches the item to it; the protocol
//! notifies per incident (opened, severity raised, resolved) with a digest of the items
//! no notice told yet, never once per item. Items attached while a notice has not gone
//! out yet are folded into it.

use rusqlite::Connection;

use super::checklist;
use super::{step, EscalationConfig};
use crate::domain::{ItemId, Severity, UnixTime};
use crate::store::escalations::{self, NewEscalation, Topic};
use crate::store::incidents;
use crate::store::{notifications, Error, Result};

/// What opening an escalation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened {
    pub escalation: i64,
    pub incident: i64,
    /// A new incident was opened (otherwise the item was attached to one).
    pub new_incident: bool,
}

/// The topic key a spike's terms make.
pub fn spike_topic(terms: &[String]) -> String {
    format!("spike:{}", terms.join("|"))
}

/// The terms a spike topic key holds (none for any other topic).
pub fn spike_terms(topic: &str) -> Vec<&str> {
    topic
        .strip_prefix("spike:")
        .map(|t| t.split('|').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default()
}

/// The incident `new` belongs to: an open one of the same topic opened within the
/// window, or none. A spike matches a spike incident sharing any of its terms.
fn find(
    conn: &Connection,
    new: &NewEscalation,
    config: &EscalationConfig,
    now: UnixTime,
) -> Result<Option<i64>> {
    let since = now - config.group_within.as_secs() as i64;
    Ok(match &new.topic {
        Topic::Incident(id) => match incidents::get(conn, *id)? {
            Some(i) if i.resolved_at.is_none() => Some(*id),
            _ => return Err(Error::Invalid(format!("incident #{id} is not open"))),
        },
        Topic::Spike(terms) => incidents::open_with_topic(conn, "spike:", since)?
            .into_iter()
            .find(|(_, topic, _)| {
                spike_terms(topic)
                    .iter()
                    .any(|t| terms.iter().any(|x| x == t))
            })
            .map(|(id, ..)| id),
        Topic::FromSource => {
            let topic = source_topic(new);
            incidents::open_with_topic(conn, &topic, since)?
                .into_iter()
                .find(|(_, t, _)| *t == topic)
                .map(|(id, ..)| id)
        }
    })
}

/// A rule's escalations group by the rule; the CM's by the reason given.
fn source_topic(new: &NewEscalation) -> String {
    if new.actor.starts_with("rule:") {
        new.actor.clone()
    } else {
        format!("reason:{}", new.reason)
    }
}

/// Opens an escalation on `conn` (call it inside the caller's transaction): it joins the
/// incident of its topic when one is open and young, or opens one. An opened incident,
/// or one whose severity this raises, gets a notice.
pub fn open(
    conn: &Connection,
    new: &NewEscalation,
    config: &EscalationConfig,
    now: UnixTime,
) -> Result<Opened> {
    let (incident, new_incident) = match find(conn, new, config, now)? {
        Some(id) => (id, false),
        None => {
            let (topic, title) = match &new.topic {
                // Titled with what it is about; the reason keeps the counts.
                Topic::Spike(terms) => (
                    spike_topic(terms),
                    format!(
                        "{}: {}",
                        new.actor.trim_start_matches("rule:"),
                        terms.join(", ")
                    ),
                ),
                _ => (source_topic(new), new.reason.clone()),
            };
            (
                incidents::create(conn, &topic, &title, new.severity, now)?,
                true,
            )
        }
    };
    let (escalation, items) = escalations::insert(conn, new, incident, now)?;
    incidents::add_items(conn, incident, &items, &new.actor, now)?;
    let raised = !new_incident && incidents::raise(conn, incident, new.severity, now)?;
    if new_incident {
        notice(conn, incident, "opened", config, now)?;
    } else if raised {
        notice(conn, incident, "raised", config, now)?;
    } else {
        fold(conn, incident, config, now)?;
    }
    Ok(Opened {
        escalation,
        incident,
        new_incident,
    })
}

/// Queues notice `kind` about incident `id` on every channel of its severity's protocol,
/// carrying the items no notice told yet. Nothing is queued (and nothing counts as told)
/// when that severity has no channel.
pub fn notice(
    conn: &Connection,
    id: i64,
    kind: &str,
    config: &EscalationConfig,
    now: UnixTime,
) -> Result<()> {
    let Some(incident) = incidents::get(conn, id)? else {
        return Ok(());
    };
    let Some(protocol) = config.protocol.get(&incident.severity) else {
        return Ok(());
    };
    let channels = step::channels(protocol);
    let Some(escalation) = incidents::first_escalation(conn, id)? else {
        return Ok(());
    };
    if channels.is_empty() {
        return Ok(());
    }
    let number = incidents::begin_notice(conn, id, now)?;
    let payload = payload(conn, id, kind, number, config, now)?.to_string();
    for channel in channels {
        notifications::insert_notice(
            conn,
            escalation,
            id,
            kind,
            number,
            channel,
            &step::name(incident.severity, channel),
            &payload,
            protocol.max_attempts,
            now,
        )?;
    }
    Ok(())
}

/// Items attached while the incident's last notice has not gone out join it.
fn fold(conn: &Connection, id: i64, config: &EscalationConfig, now: UnixTime) -> Result<()> {
    if let Some((number, kind)) = notifications::unsent_notice(conn, id)? {
        if incidents::fold_into(conn, id, number)? > 0 {
            let payload = payload(conn, id, &kind, number, config, now)?.to_string();
            notifications::rewrite_notice(conn, id, number, &payload)?;
        }
    }
    Ok(())
}

/// How many items of a digest a notice spells out.
const DIGEST_ITEMS: usize = 20;

/// The JSON a notice carries: the incident, the digest of items it tells, the checklist
/// with what is done and the next step.
pub fn payload(
    conn: &Connection,
    id: i64,
    kind: &str,
    number: i64,
    config: &EscalationConfig,
    now: UnixTime,
) -> Result<serde_json::Value> {
    let incident =
        incidents::get(conn, id)?.ok_or_else(|| Error::Invalid(format!("no incident #{id}")))?;
    let added = incidents::notice_items(conn, id, number)?;
    let steps = config
        .protocol
        .get(&incident.severity)
        .map(|p| p.checklist.clone())
        .unwrap_or_default();
    let done = incidents::steps_done(conn, id)?;
    let checklist: Vec<serde_json::Value> =
        checklist::states(&steps, &done, incident.opened_at, now)
            .into_iter()
            .map(|(i, state)| step_json(&steps[i].text, &state))
            .collect();
    let next =
        checklist::next(&steps, &done, incident.opened_at, now).map(|(i, _)| steps[i].text.clone());
    Ok(serde_json::json!({
        "incident_id": id,
        "notice": kind,
        "notice_number": number,
        "title": incident.title,
        "topic": incident.topic,
        "severity": incident.severity.as_str(),
        "opened_at": incident.opened_at,
        "resolved_at": incident.resolved_at,
        "outcome": incident.outcome,
        "item_count": incident.items,
        "added_count": added.len(),
        "added": escalations::describe(conn, &added, DIGEST_ITEMS)?,
        "checklist": checklist,
        "next_step": next,
    }))
}

fn step_json(text: &str, state: &checklist::StepState) -> serde_json::Value {
    use checklist::StepState::*;
    match state {
        Done { by, at } => serde_json::json!({"step": text, "done": true, "by": by, "at": at}),
        Open { due } => serde_json::json!({"step": text, "done": false, "due": due}),
        Missed { due } => {
            serde_json::json!({"step": text, "done": false, "due": due, "missed": true})
        }
    }
}

/// Resolves the open incidents that hold any of `items` (with a notice each); returns
/// how many.
pub fn resolve_items(
    conn: &mut Connection,
    items: &[ItemId],
    outcome: &str,
    actor: &str,
    config: &EscalationConfig,
    now: UnixTime,
) -> Result<usize> {
    crate::store::incidents::in_transaction(conn, |tx| {
        let ids = incidents::open_of_items(tx, items)?;
        for &id in &ids {
            resolve(tx, id, outcome, actor, config, now)?;
        }
        Ok(ids.len())
    })
}

/// Resolves incident `id` and notifies; false when it was not open.
pub fn resolve(
    conn: &Connection,
    id: i64,
    outcome: &str,
    actor: &str,
    config: &EscalationConfig,
    now: UnixTime,
) -> Result<bool> {
    let done = incidents::resolve(conn, id, outcome, actor, now)?;
    if done {
        notice(conn, id, "resolved", config, now)?;
    }
    Ok(done)
}

/// The CM attaches `items` to open incident `id`: an escalation of the incident's
/// severity per item, no notice (the next one carries them). Returns how many were new.
pub fn attach(
    conn: &Connection,
    id: i64,
    items: &[ItemId],
    actor: &str,
    config: &EscalationConfig,
    now: UnixTime,
) -> Result<usize> {
    let incident = incidents::get(conn, id)?
        .filter(|i| i.resolved_at.is_none())
        .ok_or_else(|| Error::Invalid(format!("incident #{id} is not open")))?;
    let mut added = 0;
    for &item in items {
        let before = incident_items_of(conn, id, item)?;
        if before {
            continue;
        }
        open(
            conn,
            &NewEscalation {
                item_id: Some(item),
                linked: Vec::new(),
                severity: incident.severity,
                reason: incident.title.clone(),
                actor: actor.into(),
                topic: Topic::Incident(id),
            },
            config,
            now,
        )?;
        added += 1;
    }
    Ok(added)
}

fn incident_items_of(conn: &Connection, id: i64, item: ItemId) -> Result<bool> {
    Ok(incidents::open_of_items(conn, &[item])?.contains(&id))
}

/// The next step of incident `id` and where it stands, from the protocol of its severity.
pub fn next_step(
    conn: &Connection,
    incident: &incidents::Incident,
    config: &EscalationConfig,
    now: UnixTime,
) -> Result<Option<(usize, String, checklist::StepState)>> {
    let steps = config
        .protocol
        .get(&incident.severity)
        .map(|p| p.checklist.as_slice())
        .unwrap_or_default();
    let done = incidents::steps_done(conn, incident.id)?;
    Ok(checklist::next(steps, &done, incident.opened_at, now)
        .map(|(i, s)| (i, steps[i].text.clone(), s)))
}

/// Ticks the next step of incident `id` as done by `who`; returns its text, or `None`
/// when every step is done.
pub fn tick_next(
    conn: &Connection,
    id: i64,
    who: &str,
    config: &EscalationConfig,
    now: UnixTime,
) -> Result<Option<String>> {
    let incident =
        incidents::get(conn, id)?.ok_or_else(|| Error::Invalid(format!("no incident #{id}")))?;
    let Some((i, text, _)) = next_step(conn, &incident, config, now)? else {
        return Ok(None);
    };
    incidents::tick(conn, id, i, &text, who, now)?;
    Ok(Some(text))
}

/// The severity order for sorting (most severe first).
pub fn rank(s: Severity) -> u8 {
    match s {
        Severity::Critical => 0,
        Severity::High => 1,
        Severity::Low => 2,
    }
}

pub use incidents::{open_views, IncidentView};

// The protocol belongs to the escalation config, the incident to the store: the next
// step is the config's answer about an incident (the store imports nothing from here).
impl EscalationConfig {
    /// The next step of `incident` from the protocol for its severity, with where it
    /// stands.
    pub fn next_step(
        &self,
        incident: &IncidentView,
        now: UnixTime,
    ) -> Option<(String, checklist::StepState)> {
        let steps = self
            .protocol
            .get(&incident.incident.severity)
            .map(|p| p.checklist.as_slice())
            .unwrap_or_default();
        checklist::next(steps, &incident.done, incident.incident.opened_at, now)
            .map(|(i, s)| (steps[i].text.clone(), s))
    }
}

/// What the CM does to the incidents of some items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op<'a> {
    Detach(&'a [ItemId]),
    Merge(&'a [ItemId], i64),
    Split(&'a [ItemId], &'a str),
    Tick(ItemId),
}

/// Applies `op` on `conn` (inside the caller's transaction) as `who`; returns what
/// happened, for the status line.
pub fn apply(
    conn: &Connection,
    op: Op<'_>,
    who: &str,
    config: &EscalationConfig,
    now: UnixTime,
) -> Result<String> {
    let none = || Error::Invalid("not in an open incident".into());
    Ok(match op {
        Op::Detach(ids) => {
            let mut n = 0;
            for &item in ids {
                for id in incidents::open_of_items(conn, &[item])? {
                    n += usize::from(incidents::detach(conn, id, item, who, now)?);
                }
            }
            if n == 0 {
                return Err(none());
            }
            format!(
                "{n} item{} detached from {}",
                plural(n),
                if n == 1 {
                    "its incident"
                } else {
                    "their incidents"
                }
            )
        }
        Op::Merge(ids, into) => {
            let from: Vec<i64> = incidents::open_of_items(conn, ids)?
                .into_iter()
                .filter(|&i| i != into)
                .collect();
            if from.is_empty() {
                return Err(Error::Invalid(format!(
                    "these items are in no other open incident than #{into}"
                )));
            }
            for &id in &from {
                incidents::merge(conn, id, into, who, now)?;
            }
            let list: Vec<String> = from.iter().map(|i| format!("#{i}")).collect();
            format!("incident {} merged into #{into}", list.join(", "))
        }
        Op::Split(ids, title) => {
            let from = *incidents::open_of_items(conn, ids)?
                .first()
                .ok_or_else(none)?;
            let id = incidents::split(conn, from, ids, title, who, now)?;
            format!("split off incident #{id} from #{from}")
        }
        Op::Tick(item) => {
            let id = *incidents::open_of_items(conn, &[item])?
                .first()
                .ok_or_else(none)?;
            match tick_next(conn, id, who, config, now)? {
                Some(step) => format!("✓ {step} (incident #{id}, {who})"),
                None => format!("every step of incident #{id} is done"),
            }
        }
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

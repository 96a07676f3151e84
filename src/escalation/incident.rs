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

#[cfg(test)]
mod tests {
    //! Incidents: grouping by topic within the window, the CM's attach, detach, merge and
    //! split, one notice per change with a digest, ticking steps and deadlines, the spike's
    //! topic, and a crisis in another domain than the demo's.

    use std::time::Duration;

    use rusqlite::Connection;

    use crate::domain::{ItemId, ItemKind, NewAuthor, NewItem};
    use crate::escalation::incident::{self, Op};
    use crate::escalation::*;
    use crate::store::incidents;

    const HOUR: i64 = 3600;

    fn store() -> (tempfile::TempDir, Connection, i64) {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::store::open_rw(&dir.path().join("hark.db")).unwrap();
        let account = crate::store::ingest::ensure_account(&conn, "a", "chirp", "@rail").unwrap();
        (dir, conn, account)
    }

    fn post(
        conn: &mut Connection,
        account: i64,
        n: usize,
        author: &str,
        body: &str,
        at: i64,
    ) -> ItemId {
        let item = crate::store::ingest::Incoming::from(NewItem {
            external_id: format!("x{n}"),
            kind: ItemKind::Mention,
            parent_external_id: None,
            thread_external_id: None,
            author: NewAuthor {
                external_id: author.into(),
                handle: author.into(),
                display_name: author.into(),
                followers: Some(100 + n as i64),
            },
            body: body.into(),
            url: None,
            created_at: at,
            raw_json: None,
            room: None,
        });
        crate::store::ingest::ingest(conn, account, &[item], None, at)
            .unwrap()
            .inserted[0]
    }

    /// A protocol that notifies high and critical by command, with a checklist whose first
    /// step is due within 30 minutes.
    fn config() -> EscalationConfig {
        let mut config = EscalationConfig::default();
        for severity in [Severity::High, Severity::Critical] {
            config.protocol.insert(
                severity,
                Protocol {
                    notify_command: Some("true".into()),
                    max_attempts: 3,
                    checklist: vec![
                        ChecklistStep {
                            text: "Post the holding line".into(),
                            within: Some(Duration::from_secs(30 * 60)),
                        },
                        "Tell the operations desk".into(),
                    ],
                    ..Protocol::default()
                },
            );
        }
        config
    }

    fn flag(
        conn: &Connection,
        item: ItemId,
        severity: Severity,
        rule: &str,
        config: &EscalationConfig,
        now: i64,
    ) -> Opened {
        open(
            conn,
            &NewEscalation {
                item_id: Some(item),
                linked: vec![],
                severity,
                reason: rule.into(),
                actor: format!("rule:{rule}"),
                topic: Default::default(),
            },
            config,
            now,
        )
        .unwrap()
    }

    /// (notice, notice number, payload) of every notification row, in order.
    fn notices(conn: &Connection) -> Vec<(String, i64, serde_json::Value)> {
        crate::store::peek::notifications(conn)
            .into_iter()
            .map(|n| {
                (
                    n.notice.unwrap_or_default(),
                    n.notice_no.unwrap_or_default(),
                    serde_json::from_str(&n.payload).unwrap(),
                )
            })
            .collect()
    }

    fn mark_sent(conn: &Connection) {
        crate::store::peek::mark_notifications_sent(conn);
    }

    #[test]
    fn a_rule_matching_again_within_the_window_attaches_to_its_incident() {
        let (_d, mut conn, acc) = store();
        let config = config();
        let a = post(&mut conn, acc, 1, "@ana", "derailment at Dunmore", 1000);
        let b = post(&mut conn, acc, 2, "@ben", "derailment, stuck", 1100);
        let first = flag(&conn, a, Severity::High, "safety", &config, 1000);
        let second = flag(
            &conn,
            b,
            Severity::High,
            "safety",
            &config,
            1000 + 23 * HOUR,
        );
        assert!(first.new_incident);
        assert!(!second.new_incident);
        assert_eq!(first.incident, second.incident);
        assert_eq!(
            incidents::get(&conn, first.incident)
                .unwrap()
                .unwrap()
                .items,
            2
        );
        // Another rule is another topic.
        let other = flag(&conn, b, Severity::High, "big account", &config, 1200);
        assert_ne!(other.incident, first.incident);
        // Past the window, the same rule opens a new incident.
        let c = post(
            &mut conn,
            acc,
            3,
            "@cy",
            "derailment again",
            1000 + 25 * HOUR,
        );
        let later = flag(
            &conn,
            c,
            Severity::High,
            "safety",
            &config,
            1000 + 25 * HOUR,
        );
        assert!(later.new_incident);
    }

    #[test]
    fn one_notice_per_change_with_a_digest_of_what_was_added_since() {
        let (_d, mut conn, acc) = store();
        let config = config();
        let items: Vec<ItemId> = (0..4)
            .map(|n| {
                post(
                    &mut conn,
                    acc,
                    n,
                    &format!("@p{n}"),
                    "signal failure",
                    1000 + n as i64,
                )
            })
            .collect();
        let id = flag(&conn, items[0], Severity::High, "safety", &config, 1000).incident;
        // Items attached before the opening notice went out are folded into it.
        flag(&conn, items[1], Severity::High, "safety", &config, 1001);
        let rows = notices(&conn);
        assert_eq!(rows.len(), 1, "one notice, not one per item");
        assert_eq!(rows[0].2["added_count"], 2);
        mark_sent(&conn);
        // After it went out, new items wait for the next change: no notice per item.
        flag(&conn, items[2], Severity::High, "safety", &config, 1002);
        assert_eq!(notices(&conn).len(), 1);
        // Severity raised: a notice with only what was added since the last one.
        let raised = open(
            &conn,
            &NewEscalation {
                item_id: Some(items[3]),
                linked: vec![],
                severity: Severity::Critical,
                reason: "safety".into(),
                actor: "rule:safety".into(),
                topic: Default::default(),
            },
            &config,
            1003,
        )
        .unwrap();
        assert_eq!(raised.incident, id);
        let rows = notices(&conn);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[1].0.as_str(), rows[1].1), ("raised", 2));
        assert_eq!(rows[1].2["severity"], "critical");
        let added: Vec<i64> = rows[1].2["added"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["id"].as_i64().unwrap())
            .collect();
        assert_eq!(added, vec![items[2], items[3]]);
        mark_sent(&conn);
        // Resolved: one notice for the incident.
        assert_eq!(
            resolve_items(
                &mut conn,
                &[items[1]],
                "line reopened",
                "user",
                &config,
                2000
            )
            .unwrap(),
            1
        );
        let rows = notices(&conn);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2].0, "resolved");
        assert_eq!(rows[2].2["outcome"], "line reopened");
        assert_eq!(rows[2].2["added_count"], 0);
    }

    #[test]
    fn the_cm_attaches_detaches_merges_and_splits() {
        let (_d, mut conn, acc) = store();
        let config = config();
        let items: Vec<ItemId> = (0..5)
            .map(|n| {
                post(
                    &mut conn,
                    acc,
                    n,
                    &format!("@p{n}"),
                    "flooded station",
                    1000 + n as i64,
                )
            })
            .collect();
        let a = flag(&conn, items[0], Severity::High, "safety", &config, 1000).incident;
        flag(&conn, items[1], Severity::High, "safety", &config, 1001);
        let b = flag(&conn, items[2], Severity::Critical, "press", &config, 1002).incident;
        // Attach: `!` with `#N`.
        let n = incident::attach(&conn, a, &[items[3], items[4]], "user", &config, 1003).unwrap();
        assert_eq!(n, 2);
        assert_eq!(incidents::get(&conn, a).unwrap().unwrap().items, 4);
        // Detach one: it leaves the incident and the Escalated view.
        incident::apply(&conn, Op::Detach(&[items[4]]), "kim", &config, 1004).unwrap();
        assert_eq!(incidents::get(&conn, a).unwrap().unwrap().items, 3);
        assert!(incidents::open_of_items(&conn, &[items[4]])
            .unwrap()
            .is_empty());
        assert!(!crate::store::peek::in_view(
            &conn,
            &crate::store::View::Escalated,
            items[4]
        ));
        // Merge a into b: one incident, b keeps the higher severity, a is resolved as merged.
        incident::apply(&conn, Op::Merge(&[items[0]], b), "kim", &config, 1005).unwrap();
        let merged = incidents::get(&conn, a).unwrap().unwrap();
        assert_eq!(merged.merged_into, Some(b));
        assert!(merged.resolved_at.is_some());
        let into = incidents::get(&conn, b).unwrap().unwrap();
        assert_eq!((into.items, into.severity), (4, Severity::Critical));
        assert_eq!(incidents::open_list(&conn).unwrap().len(), 1);
        // Split two items off into a new incident.
        let msg = incident::apply(
            &conn,
            Op::Split(&[items[0], items[1]], "flooding at Quay St"),
            "kim",
            &config,
            1006,
        )
        .unwrap();
        assert!(msg.starts_with("split off incident #"), "{msg}");
        let open = incidents::open_list(&conn).unwrap();
        assert_eq!(open.len(), 2);
        let new = open
            .iter()
            .find(|i| i.title == "flooding at Quay St")
            .unwrap();
        assert_eq!(new.items, 2);
        assert_eq!(incidents::get(&conn, b).unwrap().unwrap().items, 2);
        // Splitting off every item is refused with the reason.
        let err = incident::apply(
            &conn,
            Op::Split(&[items[0], items[1]], "again"),
            "kim",
            &config,
            1007,
        )
        .unwrap_err();
        assert!(err.to_string().contains("every item"), "{err}");
    }

    #[test]
    fn steps_are_ticked_by_someone_and_a_missed_deadline_shows() {
        let (_d, mut conn, acc) = store();
        let config = config();
        let item = post(&mut conn, acc, 1, "@ana", "derailment", 1000);
        let id = flag(&conn, item, Severity::High, "safety", &config, 1000).incident;
        let view = |conn: &Connection| incidents::open_views(conn).unwrap().remove(0);
        // Before the deadline: due; after it: missed.
        let (step, state) = config.next_step(&view(&conn), 1000 + 60).unwrap();
        assert_eq!(step, "Post the holding line");
        assert_eq!(
            state,
            checklist::StepState::Open {
                due: Some(1000 + 1800)
            }
        );
        let (_, state) = config.next_step(&view(&conn), 1000 + 1801).unwrap();
        assert_eq!(state, checklist::StepState::Missed { due: 1000 + 1800 });
        // Ticked: by whom and when; the next step is the next one.
        let msg = incident::apply(&conn, Op::Tick(item), "kim", &config, 2000).unwrap();
        assert!(
            msg.contains("Post the holding line") && msg.contains("kim"),
            "{msg}"
        );
        let done = incidents::steps_done(&conn, id).unwrap();
        assert_eq!((done[0].by.as_str(), done[0].at), ("kim", 2000));
        let (step, _) = config.next_step(&view(&conn), 2001).unwrap();
        assert_eq!(step, "Tell the operations desk");
        incident::apply(&conn, Op::Tick(item), "kim", &config, 2002).unwrap();
        assert!(config.next_step(&view(&conn), 2003).is_none());
    }

    #[test]
    fn a_checklist_step_with_a_deadline_parses_and_a_bad_one_is_refused() {
        let config = crate::config::Config::parse(
        "[escalation]\ngroup_within = \"2h\"\n[escalation.protocol.high]\nchecklist = [\"call\", { step = \"holding line\", within = \"30m\" }]\n",
        std::path::Path::new("c.toml"),
    )
    .unwrap();
        let steps = &config.escalation.protocol[&Severity::High].checklist;
        assert_eq!(steps[1].within, Some(Duration::from_secs(1800)));
        assert_eq!(config.escalation.group_within, Duration::from_secs(7200));
        let err = crate::config::Config::parse(
            "[escalation.protocol.high]\nchecklist = [{ step = \"x\", within = \"soon\" }]\n",
            std::path::Path::new("c.toml"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("checklist"), "{err}");
    }

    /// A crisis far from coffee: a rail operator whose trains stop after a signal failure,
    /// amid ordinary complaints. The spike incident is titled with the failure's words and
    /// holds only the items that carry them.
    #[test]
    fn a_rail_crisis_spike_is_titled_with_its_topic_and_holds_only_its_items() {
        let (_d, mut conn, acc) = store();
        let now = 100 * HOUR;
        let mut n = 0;
        let mut next = |conn: &mut Connection, author: &str, body: &str, at: i64| {
            n += 1;
            post(conn, acc, n, author, body, at)
        };
        // A day of ordinary talk, a little of it tagged as a problem.
        for h in 1..24 {
            next(
                &mut conn,
                &format!("@c{h}"),
                "the 7:40 was late again and the carriage was packed",
                now - h * HOUR - 60,
            );
            next(
                &mut conn,
                &format!("@d{h}"),
                "lovely views on the coast line this morning",
                now - h * HOUR - 120,
            );
        }
        let rules = crate::config::Config::parse(
            r#"
[[rule]]
name = "service problems"
any = { keywords = ["stuck", "stranded", "cancelled", "useless"] }
then = { tag = ["problem"] }

[escalation.spike]
multiple = 3.0
min_count = 5
tag = "problem"
"#,
            std::path::Path::new("rail.toml"),
        )
        .unwrap();
        let engine = crate::rules::apply::Engine::new(&rules.rules, &rules.escalation).unwrap();
        let mut crisis = Vec::new();
        for (i, who) in ["@amy", "@bo", "@cal", "@dee", "@eli", "@fay"]
            .iter()
            .enumerate()
        {
            crisis.push(next(
                &mut conn,
                who,
                &format!(
                    "stuck outside Harwick tunnel for {} min, signal failure they say",
                    20 + i
                ),
                now - 50 * 60 + i as i64 * 60,
            ));
        }
        let noise = [
            next(
                &mut conn,
                "@gus",
                "app is useless, cannot buy a ticket",
                now - 40 * 60,
            ),
            next(
                &mut conn,
                "@hal",
                "my 9:15 got cancelled, no reason given",
                now - 30 * 60,
            ),
        ];
        let ids: Vec<ItemId> = crisis.iter().chain(noise.iter()).copied().collect();
        crate::rules::apply::apply_on_ingest(&conn, &ids, &engine, now).unwrap();
        let open = incidents::open_list(&conn).unwrap();
        assert_eq!(open.len(), 1, "{open:?}");
        let spike = &open[0];
        assert!(
            spike.title.contains("signal failure") || spike.title.contains("harwick"),
            "{}",
            spike.title
        );
        let held: Vec<ItemId> = incidents::items_in_order(&conn, spike.id, 100)
            .unwrap()
            .iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(held, crisis, "only the items that carry the topic");
    }

    /// A product recall far from coffee and rail: e-bike batteries that overheat. The first
    /// reports trickle in all day before the spike, so in the spike hour the battery talk is
    /// no more frequent than in the day before; the week before that is the brand's ordinary
    /// talk, and against it the battery's words stand out. The spike is titled with them and
    /// holds the battery reports, not the unrelated complaints of the same hour.
    #[test]
    fn a_recall_spike_built_up_over_the_day_is_titled_with_what_built_up() {
        let (_d, mut conn, acc) = store();
        let now = 400 * HOUR;
        let mut n = 0;
        let mut next = |conn: &mut Connection, author: &str, body: &str, at: i64| {
            n += 1;
            post(conn, acc, n, author, body, at)
        };
        let ordinary = [
            "how do I adjust the saddle height on the city model",
            "commute on the Voltra took twenty minutes today, lovely",
            "the Leeds shop fixed my gears while I waited",
            "delivery of my helmet was slow but it arrived",
            "is there a winter discount on panniers",
        ];
        // A week of ordinary talk before the day the detector looks at.
        for h in (26..26 + 7 * 24).step_by(4) {
            let body = ordinary[(h as usize / 4) % ordinary.len()];
            next(&mut conn, &format!("@o{h}"), body, now - h * HOUR);
        }
        // The day before the spike: ordinary talk, and the first battery reports.
        for h in 2..24 {
            let at = now - h * HOUR;
            next(&mut conn, &format!("@w{h}"), ordinary[h as usize % 5], at);
            if h % 2 == 0 {
                next(
                    &mut conn,
                    &format!("@early{h}"),
                    "battery overheating while charging, smelled of smoke",
                    at - 600,
                );
            }
        }
        let rules = crate::config::Config::parse(
            r#"
[[rule]]
name = "safety and anger"
any = { keywords = ["smoke", "overheating", "statement", "useless", "refund"] }
then = { tag = ["problem"] }

[escalation.spike]
multiple = 3.0
min_count = 5
tag = "problem"
"#,
            std::path::Path::new("recall.toml"),
        )
        .unwrap();
        let engine = crate::rules::apply::Engine::new(&rules.rules, &rules.escalation).unwrap();
        let mut battery = Vec::new();
        let mut angry = Vec::new();
        for i in 0..6i64 {
            battery.push(next(
                &mut conn,
                &format!("@b{i}"),
                "battery overheating while charging, smelled of smoke again",
                now - 55 * 60 + i * 60,
            ));
            angry.push(next(
                &mut conn,
                &format!("@s{i}"),
                "still no statement from Voltra, people deserve to know",
                now - 45 * 60 + i * 60,
            ));
        }
        let noise = [
            next(
                &mut conn,
                "@gus",
                "app is useless, cannot log in",
                now - 20 * 60,
            ),
            next(
                &mut conn,
                "@hal",
                "waiting three weeks for a refund",
                now - 10 * 60,
            ),
        ];
        let ids: Vec<ItemId> = battery
            .iter()
            .chain(&angry)
            .chain(&noise)
            .copied()
            .collect();
        crate::rules::apply::apply_on_ingest(&conn, &ids, &engine, now).unwrap();
        let open = incidents::open_list(&conn).unwrap();
        assert_eq!(open.len(), 1, "{open:?}");
        let spike = &open[0];
        assert!(spike.title.contains("battery"), "{}", spike.title);
        let held: Vec<ItemId> = incidents::items_in_order(&conn, spike.id, 100)
            .unwrap()
            .iter()
            .map(|i| i.id)
            .collect();
        for id in &battery {
            assert!(held.contains(id), "battery report {id} not in {held:?}");
        }
        for id in &noise {
            assert!(!held.contains(id), "unrelated {id} in {held:?}");
        }
    }

    /// A surge of unrelated complaints has no topic: nothing opens and no cooldown starts, so
    /// the real crisis an hour later still fires.
    #[test]
    fn a_spike_of_unrelated_complaints_opens_nothing_and_leaves_room_for_the_real_one() {
        let (_d, mut conn, acc) = store();
        let now = 100 * HOUR;
        let rules = crate::config::Config::parse(
            r#"
[[rule]]
name = "service problems"
any = { keywords = ["broken", "dirty", "rude", "slow", "cold", "closed"] }
then = { tag = ["problem"] }

[escalation.spike]
multiple = 3.0
min_count = 5
tag = "problem"
"#,
            std::path::Path::new("rail.toml"),
        )
        .unwrap();
        let engine = crate::rules::apply::Engine::new(&rules.rules, &rules.escalation).unwrap();
        let mut n = 0;
        let mut next = |conn: &mut Connection, body: &str, at: i64| {
            n += 1;
            post(conn, acc, n, &format!("@u{n}"), body, at)
        };
        for h in 1..24 {
            next(&mut conn, "quiet commute today", now - h * HOUR - 60);
        }
        let unrelated: Vec<ItemId> = [
            "broken seat in coach C",
            "dirty toilets again",
            "rude guard this morning",
            "slow wifi onboard",
            "cold tea from the trolley",
        ]
        .iter()
        .enumerate()
        .map(|(i, b)| next(&mut conn, b, now - 600 + i as i64))
        .collect();
        let applied =
            crate::rules::apply::apply_on_ingest(&conn, &unrelated, &engine, now).unwrap();
        assert_eq!(applied.matches.len(), 5, "every complaint is tagged");
        assert!(incidents::open_list(&conn).unwrap().is_empty());
        let later = now + HOUR;
        let crisis: Vec<ItemId> = (0..6)
            .map(|i| {
                next(
                    &mut conn,
                    &format!("bridge closed at Elmford, {i}h stuck"),
                    later - 600 + i,
                )
            })
            .collect();
        crate::rules::apply::apply_on_ingest(&conn, &crisis, &engine, later).unwrap();
        let open = incidents::open_list(&conn).unwrap();
        assert_eq!(open.len(), 1);
        assert!(
            open[0].title.contains("bridge closed") || open[0].title.contains("elmford"),
            "{}",
            open[0].title
        );
    }

    /// A water utility's contamination scare: the spike opens an incident about the brown
    /// water in Kelso, and the detector then cools down. Complaints about it that arrive in
    /// the next hours join that incident quietly; complaints about something else, items that
    /// carry its words without being a complaint, and old talk delivered late stay out.
    #[test]
    fn complaints_with_the_spike_topic_arriving_during_its_cooldown_join_its_incident() {
        let (_d, mut conn, acc) = store();
        let now = 200 * HOUR;
        let mut n = 0;
        let mut next = |conn: &mut Connection, author: &str, body: &str, at: i64| {
            n += 1;
            post(conn, acc, n, author, body, at)
        };
        for h in 1..24 {
            next(
                &mut conn,
                &format!("@q{h}"),
                "when is the next meter reading due",
                now - h * HOUR - 60,
            );
        }
        let rules = crate::config::Config::parse(
            r#"
[[rule]]
name = "complaints"
any = { keywords = ["disgusting", "useless", "undrinkable"] }
then = { tag = ["complaint"] }

[escalation.spike]
multiple = 3.0
min_count = 5
tag = "complaint"
"#,
            std::path::Path::new("water.toml"),
        )
        .unwrap();
        // The protocol that notifies, so a notice per joined item would show.
        let mut escalation = config();
        escalation.spike = rules.escalation.spike.clone();
        let engine = crate::rules::apply::Engine::new(&rules.rules, &escalation).unwrap();
        let scare: Vec<ItemId> = (0..6)
            .map(|i| {
                next(
                    &mut conn,
                    &format!("@r{i}"),
                    "brown water from every tap in Kelso, disgusting",
                    now - 40 * 60 + i * 60,
                )
            })
            .collect();
        crate::rules::apply::apply_on_ingest(&conn, &scare, &engine, now).unwrap();
        let open = incidents::open_list(&conn).unwrap();
        assert_eq!(open.len(), 1, "{open:?}");
        let spike = open[0].id;
        let notices_before = notices(&conn).len();
        assert_eq!(notices_before, 1, "the spike's opening is told");

        // Two hours later, well within the 6h cooldown.
        let later = now + 2 * HOUR;
        let topical = [
            next(
                &mut conn,
                "@s1",
                "still brown water in Kelso this morning, undrinkable",
                later - 300,
            ),
            next(
                &mut conn,
                "@s2",
                "the brown water is back, kids can't bathe, useless",
                later - 200,
            ),
        ];
        let off_topic = next(
            &mut conn,
            "@s3",
            "billing portal is useless, cannot pay",
            later - 150,
        );
        // Carries the words but is no complaint (unscored and untagged).
        let neutral = next(
            &mut conn,
            "@s4",
            "is the brown water in Kelso safe to boil?",
            later - 100,
        );
        // Old talk with the words, delivered late by a backfill.
        let old = next(
            &mut conn,
            "@s5",
            "brown water in Kelso after the mains repair, disgusting",
            now - 5 * 24 * HOUR,
        );
        let ids = [topical[0], topical[1], off_topic, neutral, old];
        let applied = crate::rules::apply::apply_on_ingest(&conn, &ids, &engine, later).unwrap();
        assert_eq!(applied.spike, None, "the detector is cooling down");
        let held: Vec<ItemId> = incidents::items_in_order(&conn, spike, 100)
            .unwrap()
            .iter()
            .map(|i| i.id)
            .collect();
        for id in topical {
            assert!(held.contains(&id), "complaint {id} not in {held:?}");
        }
        for id in [off_topic, neutral, old] {
            assert!(!held.contains(&id), "{id} in {held:?}");
        }
        assert_eq!(held.len(), scare.len() + topical.len());
        assert_eq!(
            incidents::open_list(&conn).unwrap().len(),
            1,
            "no second incident"
        );
        assert_eq!(notices(&conn).len(), notices_before, "no notice per item");
        // Each joined with an escalation of its own, by the spike rule.
        let by_spike = crate::store::peek::escalations(&conn)
            .into_iter()
            .filter(|e| {
                e.source == "rule:negative spike"
                    && e.item_id.is_some_and(|i| topical[..2].contains(&i))
            })
            .count();
        assert_eq!(by_spike, 2);
    }
}

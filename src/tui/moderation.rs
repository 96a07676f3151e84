//! The moderation, tag, escalation and note popups: their state, their keys and the
//! writes they ask for. The key handling is pure like [`super::model::update`]; only
//! [`run_write`], which the runtime calls on the writer's connection, touches the store.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rusqlite::Connection;

use super::keymap::Action;
use super::model::{Effect, Model};
use crate::domain::{ItemId, Severity, UnixTime};
use crate::escalation::{EscalationConfig, IncidentView, NewEscalation};
use crate::platform::kinds;
use crate::store::moderation::{self, ModerationInfo};

/// What the UI knows at start-up: no I/O is needed later to offer the right actions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Setup {
    /// Platform name → the outbox kinds of the moderation actions it supports.
    pub capabilities: BTreeMap<String, Vec<&'static str>>,
    /// Platform name → the report categories it takes (name, description).
    pub report_categories: BTreeMap<String, Vec<(&'static str, &'static str)>>,
    /// `[tags]`: name → description.
    pub tags: Vec<(String, String)>,
    pub escalation: EscalationConfig,
}

impl Setup {
    /// Builds the capability map from the connectors the pollers and the outbox use (built
    /// with the data directory, so an account whose token lives there counts too).
    pub fn from_workspace(
        workspace: &crate::workspace::Workspace,
        connectors: &crate::outbox::worker::SharedConnectors,
    ) -> Setup {
        let capabilities = connectors
            .iter()
            .map(|(_, c, _)| (c.platform().to_string(), c.capabilities().moderation))
            .collect();
        let report_categories = connectors
            .iter()
            .map(|(_, c, _)| (c.platform().to_string(), c.report_categories().to_vec()))
            .collect();
        Setup {
            capabilities,
            report_categories,
            tags: workspace
                .config
                .tags
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            escalation: workspace.config.escalation.clone(),
        }
    }
}

/// What a text popup is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    Tag,
    FlagReason(Severity),
    Resolve,
    Note,
    /// Which of the report categories the items' platform takes (name, description).
    ReportCategory(Vec<(&'static str, &'static str)>),
    /// Why, in the chosen category.
    ReportReason(String),
    /// `#N`: the incident to merge the items' incidents into.
    MergeInto,
    /// The title of the incident split off with the items.
    SplitTitle,
}

/// The popup on top of the panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Popup {
    /// The moderation actions the items' platform supports.
    Actions {
        ids: Vec<ItemId>,
        actions: Vec<&'static str>,
    },
    /// A destructive action waiting for `y`.
    Confirm {
        ids: Vec<ItemId>,
        kind: &'static str,
    },
    /// `!`: pick a severity.
    Severity { ids: Vec<ItemId> },
    /// A line of text, with completion from `choices`.
    Input {
        purpose: Purpose,
        ids: Vec<ItemId>,
        text: String,
    },
}

/// The moderation part of the model.
#[derive(Debug, Clone, Default)]
pub struct ModerationState {
    pub setup: Setup,
    pub popup: Option<Popup>,
    /// Notes, outbox actions and escalations of the item in the detail pane.
    pub info: Option<(ItemId, ModerationInfo)>,
    pub tags_in_use: Vec<(String, u64)>,
    /// Open incidents, most severe first (the Escalated view shows them).
    pub incidents: Vec<IncidentView>,
}

/// A write the popups ask for.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteJob {
    Moderate {
        ids: Vec<ItemId>,
        kind: &'static str,
        payload: serde_json::Value,
    },
    Tag {
        ids: Vec<ItemId>,
        tag: String,
        remove: bool,
    },
    Flag {
        ids: Vec<ItemId>,
        severity: Severity,
        reason: String,
        config: Box<EscalationConfig>,
    },
    Resolve {
        ids: Vec<ItemId>,
        outcome: String,
        config: Box<EscalationConfig>,
    },
    /// Detach, merge, split or tick a step of the incidents of the items.
    Incident {
        op: IncidentOp,
        config: Box<EscalationConfig>,
    },
    Note {
        id: ItemId,
        body: String,
    },
    /// Put failed escalation notifications back in the queue (those whose step the
    /// config still has).
    RetryNotifications {
        config: Box<EscalationConfig>,
    },
}

/// What the CM does to an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncidentOp {
    /// Take the items out of their incidents.
    Detach { ids: Vec<ItemId> },
    /// Merge the items' incidents into incident `into`.
    Merge { ids: Vec<ItemId>, into: i64 },
    /// Move the items out of their incident into a new one titled `title`.
    Split { ids: Vec<ItemId>, title: String },
    /// Tick the next step of the item's incidents.
    Tick { id: ItemId },
}

/// Every moderation kind with its key in the popup, its label and whether it confirms.
pub const ACTIONS: &[(&str, char, &str, bool)] = &[
    (kinds::HIDE, 'h', "hide from the public", false),
    (kinds::UNHIDE, 'u', kinds::UNHIDE, false),
    (kinds::DELETE, 'x', kinds::DELETE, true),
    (kinds::BLOCK, 'b', "block the author", true),
    (kinds::MUTE, 'M', "mute the author", false),
    (kinds::MUTE_THREAD, 'T', "mute this thread", false),
    (kinds::REPORT, 'r', "report to the platform…", false),
    (kinds::APPROVE, 'A', "approve (held for review)", false),
    (kinds::DISMISS, 'D', "dismiss the notification", false),
    (
        kinds::ACCEPT_REQUEST,
        'a',
        "accept (filtered by the platform)",
        false,
    ),
    (
        kinds::DISMISS_REQUEST,
        'X',
        "dismiss the request (filtered by the platform)",
        true,
    ),
];

/// Kinds that answer a platform's notification request: offered only for held items.
const REQUEST_KINDS: &[&str] = &[kinds::ACCEPT_REQUEST, kinds::DISMISS_REQUEST];

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The items a verb applies to (marked, or the one under the cursor).
fn targets(model: &Model) -> Vec<ItemId> {
    if model.marks.is_empty() {
        model.list.current_id().into_iter().collect()
    } else {
        let mut ids: Vec<ItemId> = model.marks.iter().copied().collect();
        ids.sort_unstable();
        ids
    }
}

/// The platforms of `ids` (sorted, once each).
fn platforms_of<'a>(model: &'a Model, ids: &[ItemId]) -> Vec<&'a str> {
    let mut platforms: Vec<&str> = model
        .list
        .rows
        .iter()
        .filter(|r| ids.contains(&r.id))
        .map(|r| r.platform.as_str())
        .collect();
    platforms.sort_unstable();
    platforms.dedup();
    platforms
}

/// The report categories every platform of `ids` takes, in the first one's order.
fn report_categories(model: &Model, ids: &[ItemId]) -> Vec<(&'static str, &'static str)> {
    let known = &model.moderation.setup.report_categories;
    let fallback = vec![("other", "something else")];
    let lists: Vec<&Vec<(&str, &str)>> = platforms_of(model, ids)
        .iter()
        .map(|p| known.get(*p).unwrap_or(&fallback))
        .collect();
    let Some(first) = lists.first() else {
        return fallback;
    };
    let common: Vec<_> = first
        .iter()
        .filter(|(name, _)| lists.iter().all(|l| l.iter().any(|(n, _)| n == name)))
        .copied()
        .collect();
    if common.is_empty() {
        fallback
    } else {
        common
    }
}

/// Opens the popup for one of the moderation actions.
pub fn start(model: &mut Model, action: Action, effects: &mut Vec<Effect>) {
    let ids = targets(model);
    if ids.is_empty() {
        model.status.message = Some("no item here".into());
        return;
    }
    let popup = match action {
        Action::Moderate => {
            // Only actions every involved platform supports.
            let platforms = platforms_of(model, &ids);
            let caps = &model.moderation.setup.capabilities;
            let supported =
                !platforms.is_empty() && platforms.iter().all(|p| caps.contains_key(*p));
            // Whether the item in the detail pane is held by its platform's filter (the
            // store skips any marked item that is not).
            let held = model
                .detail
                .item
                .as_ref()
                .is_some_and(|d| d.filtered && ids.contains(&d.row.id));
            let actions: Vec<&'static str> = allowed_actions(model, &ids)
                .into_iter()
                .filter(|kind| held || !REQUEST_KINDS.contains(kind))
                .collect();
            if actions.is_empty() {
                model.status.message = Some(if supported {
                    // The platform moderates, but not this item (someone else's post, a
                    // top-level mention...).
                    format!(
                        "{} allows no moderation from hark on {}",
                        platforms.join(", "),
                        if ids.len() == 1 {
                            "this item"
                        } else {
                            "all of these items"
                        }
                    )
                } else {
                    format!(
                        "no moderation on {} from hark",
                        if platforms.is_empty() {
                            "this item".into()
                        } else {
                            platforms.join(", ")
                        }
                    )
                });
                return;
            }
            Popup::Actions { ids, actions }
        }
        Action::Tag => Popup::Input {
            purpose: Purpose::Tag,
            ids,
            text: String::new(),
        },
        Action::Flag => Popup::Severity { ids },
        Action::Resolve => Popup::Input {
            purpose: Purpose::Resolve,
            ids,
            text: String::new(),
        },
        Action::MergeIncident => Popup::Input {
            purpose: Purpose::MergeInto,
            ids,
            text: String::new(),
        },
        Action::SplitIncident => Popup::Input {
            purpose: Purpose::SplitTitle,
            ids,
            text: String::new(),
        },
        Action::DetachIncident | Action::TickStep => {
            let op = if action == Action::TickStep {
                IncidentOp::Tick { id: ids[0] }
            } else {
                IncidentOp::Detach { ids }
            };
            model.marks.clear();
            effects.push(Effect::Write(WriteJob::Incident {
                op,
                config: Box::new(model.moderation.setup.escalation.clone()),
            }));
            return;
        }
        Action::AddNote => Popup::Input {
            purpose: Purpose::Note,
            // A note belongs to one item: the one under the cursor.
            ids: model.list.current_id().into_iter().collect(),
            text: String::new(),
        },
        _ => return,
    };
    model.moderation.popup = Some(popup);
}

/// The actions every one of `ids` allows: its platform's connector supports it and the
/// platform's rules accept it on that item (own vs others', reply vs top-level, DM vs
/// public; see [`crate::platform::actions_for`]).
pub fn allowed_actions(model: &Model, ids: &[ItemId]) -> Vec<&'static str> {
    let caps = &model.moderation.setup.capabilities;
    let rows: Vec<_> = model
        .list
        .rows
        .iter()
        .filter(|r| ids.contains(&r.id))
        .collect();
    if rows.is_empty() {
        return Vec::new();
    }
    let per_item: Vec<Vec<&'static str>> = rows
        .iter()
        .map(|r| {
            let supported = caps.get(r.platform.as_str()).cloned().unwrap_or_default();
            crate::platform::actions_for(&r.platform, &r.facts, &supported)
        })
        .collect();
    ACTIONS
        .iter()
        .map(|a| a.0)
        .filter(|kind| per_item.iter().all(|allowed| allowed.contains(kind)))
        .collect()
}

/// The listed items with a moderation action on its way: (item, kind).
pub fn pending(model: &Model) -> Vec<(ItemId, String)> {
    model
        .list
        .rows
        .iter()
        .filter_map(|r| r.marks.pending.clone().map(|k| (r.id, k)))
        .collect()
}

/// After the list reloads: an action that was pending and is no longer says how it ended
/// on the status line (the platform's reason when it refused).
pub fn note_outcomes(model: &mut Model, before: &[(ItemId, String)]) {
    for (id, kind) in before {
        let Some(row) = model.list.rows.iter().find(|r| r.id == *id) else {
            continue;
        };
        if row.marks.pending.is_some() {
            continue;
        }
        model.status.message = Some(match &row.marks.refused {
            Some((refused, reason)) if refused == kind => format!(
                "{kind} not applied: {} refused ({}); the item stays where it was",
                row.platform,
                crate::sanitize::inert_line(reason)
            ),
            _ => format!("{kind} confirmed by {}", row.platform),
        });
    }
}

/// Completion candidates for a text popup: (value, description).
pub fn choices(model: &Model, purpose: &Purpose) -> Vec<(String, String)> {
    match purpose {
        Purpose::Tag => {
            let mut out: Vec<(String, String)> = model.moderation.setup.tags.clone();
            for (tag, n) in &model.moderation.tags_in_use {
                if !out.iter().any(|(t, _)| t == tag) {
                    out.push((tag.clone(), format!("{n} item{}", plural(*n as usize))));
                }
            }
            out
        }
        // A new incident's reason, or `#N` to attach to an open incident.
        Purpose::FlagReason(_) => model
            .moderation
            .setup
            .escalation
            .reasons
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .chain(open_incidents(model))
            .collect(),
        Purpose::MergeInto => open_incidents(model).collect(),
        Purpose::ReportCategory(offered) => offered
            .iter()
            .map(|(n, d)| (n.to_string(), d.to_string()))
            .collect(),
        _ => Vec::new(),
    }
}

/// Open incidents as `#N` with their title, to attach to or merge into.
fn open_incidents(model: &Model) -> impl Iterator<Item = (String, String)> + '_ {
    model.moderation.incidents.iter().map(|v| {
        (
            format!("#{}", v.incident.id),
            format!(
                "{} ({})",
                crate::sanitize::inert_line(&v.incident.title),
                v.incident.items
            ),
        )
    })
}

/// `#N` → N.
fn incident_ref(text: &str) -> Option<i64> {
    text.trim().strip_prefix('#')?.parse().ok()
}

/// The candidates that start with what was typed.
pub fn matching(model: &Model, purpose: &Purpose, text: &str) -> Vec<(String, String)> {
    let typed = text.trim().trim_start_matches(['#', '-']).to_lowercase();
    choices(model, purpose)
        .into_iter()
        .filter(|(v, _)| v.trim_start_matches('#').to_lowercase().starts_with(&typed))
        .collect()
}

/// Keys while a popup is open.
pub fn on_key(model: &mut Model, key: KeyEvent, effects: &mut Vec<Effect>) {
    let Some(popup) = model.moderation.popup.take() else {
        return;
    };
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    if key.code == KeyCode::Esc || ctrl_c {
        model.status.message = Some("cancelled".into());
        return;
    }
    match popup {
        Popup::Actions { ids, actions } => {
            let chosen = ACTIONS
                .iter()
                .find(|a| key.code == KeyCode::Char(a.1) && actions.contains(&a.0));
            match chosen {
                Some(&(kind, _, _, true)) => {
                    model.moderation.popup = Some(Popup::Confirm { ids, kind })
                }
                Some(&(kinds::REPORT, ..)) => {
                    // A category first, from what the platform takes; a platform with
                    // one goes straight to the reason.
                    let offered = report_categories(model, &ids);
                    let purpose = match offered.as_slice() {
                        [(only, _)] => Purpose::ReportReason(only.to_string()),
                        _ => Purpose::ReportCategory(offered),
                    };
                    model.moderation.popup = Some(Popup::Input {
                        purpose,
                        ids,
                        text: String::new(),
                    })
                }
                Some(&(kind, ..)) => queue(model, ids, kind, serde_json::json!({}), effects),
                None => model.moderation.popup = Some(Popup::Actions { ids, actions }),
            }
        }
        Popup::Confirm { ids, kind } => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                queue(model, ids, kind, serde_json::json!({}), effects)
            }
            _ => model.status.message = Some(format!("{kind} cancelled")),
        },
        Popup::Severity { ids } => {
            let severity = match key.code {
                KeyCode::Char('l') => Some(Severity::Low),
                KeyCode::Char('h') => Some(Severity::High),
                KeyCode::Char('c') => Some(Severity::Critical),
                _ => None,
            };
            model.moderation.popup = Some(match severity {
                Some(s) => Popup::Input {
                    purpose: Purpose::FlagReason(s),
                    ids,
                    text: String::new(),
                },
                None => Popup::Severity { ids },
            });
        }
        Popup::Input {
            purpose,
            ids,
            mut text,
        } => {
            match key.code {
                KeyCode::Enter => return submit(model, purpose, ids, text, effects),
                KeyCode::Tab => {
                    if let Some((value, _)) = matching(model, &purpose, &text).into_iter().next() {
                        text = if text.starts_with('-') {
                            format!("-{value}")
                        } else {
                            value
                        };
                    }
                }
                KeyCode::Backspace => {
                    text.pop();
                }
                KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => text.clear(),
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => text.push(c),
                _ => {}
            }
            model.moderation.popup = Some(Popup::Input { purpose, ids, text });
        }
    }
}

fn queue(
    model: &mut Model,
    ids: Vec<ItemId>,
    kind: &'static str,
    payload: serde_json::Value,
    effects: &mut Vec<Effect>,
) {
    model.marks.clear();
    effects.push(Effect::Write(WriteJob::Moderate { ids, kind, payload }));
}

fn submit(
    model: &mut Model,
    purpose: Purpose,
    ids: Vec<ItemId>,
    text: String,
    effects: &mut Vec<Effect>,
) {
    let text = text.trim().to_string();
    let keep_open =
        |model: &mut Model, why: &str, purpose: Purpose, ids: Vec<ItemId>, text: String| {
            model.status.message = Some(why.to_string());
            model.moderation.popup = Some(Popup::Input { purpose, ids, text });
        };
    match purpose {
        Purpose::Tag => {
            let (remove, name) = match text.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, text.as_str()),
            };
            match moderation::normal_tag(name) {
                Some(tag) => {
                    model.marks.clear();
                    effects.push(Effect::Write(WriteJob::Tag { ids, tag, remove }));
                }
                None => keep_open(
                    model,
                    "a tag is one word (-tag removes it)",
                    Purpose::Tag,
                    ids,
                    text,
                ),
            }
        }
        Purpose::FlagReason(severity) => {
            if text.is_empty() {
                return keep_open(model, "give a reason (tab completes)", purpose, ids, text);
            }
            if let Some(incident) = incident_ref(&text) {
                model.marks.clear();
                effects.push(Effect::Write(WriteJob::Flag {
                    ids,
                    severity,
                    reason: format!("#{incident}"),
                    config: Box::new(model.moderation.setup.escalation.clone()),
                }));
                return;
            }
            // A configured reason's name stands for its description.
            let reason = model
                .moderation
                .setup
                .escalation
                .reasons
                .get(&text)
                .cloned()
                .unwrap_or(text);
            model.marks.clear();
            effects.push(Effect::Write(WriteJob::Flag {
                ids,
                severity,
                reason,
                config: Box::new(model.moderation.setup.escalation.clone()),
            }));
        }
        Purpose::Resolve => {
            if text.is_empty() {
                return keep_open(
                    model,
                    "how did it end? (the outcome goes in the report)",
                    purpose,
                    ids,
                    text,
                );
            }
            model.marks.clear();
            effects.push(Effect::Write(WriteJob::Resolve {
                ids,
                outcome: text,
                config: Box::new(model.moderation.setup.escalation.clone()),
            }));
        }
        Purpose::MergeInto => {
            let Some(into) = incident_ref(&text) else {
                return keep_open(
                    model,
                    "which incident? #N (tab completes)",
                    purpose,
                    ids,
                    text,
                );
            };
            model.marks.clear();
            effects.push(Effect::Write(WriteJob::Incident {
                op: IncidentOp::Merge { ids, into },
                config: Box::new(model.moderation.setup.escalation.clone()),
            }));
        }
        Purpose::SplitTitle => {
            if text.trim().is_empty() {
                return keep_open(model, "give the new incident a title", purpose, ids, text);
            }
            model.marks.clear();
            effects.push(Effect::Write(WriteJob::Incident {
                op: IncidentOp::Split { ids, title: text },
                config: Box::new(model.moderation.setup.escalation.clone()),
            }));
        }
        Purpose::Note => {
            if text.is_empty() {
                model.status.message = Some("empty note not saved".into());
                return;
            }
            if let Some(&id) = ids.first() {
                effects.push(Effect::Write(WriteJob::Note { id, body: text }));
            }
        }
        Purpose::ReportCategory(offered) => {
            let typed = text.to_lowercase();
            match offered.iter().find(|(name, _)| *name == typed) {
                Some((name, _)) => {
                    model.moderation.popup = Some(Popup::Input {
                        purpose: Purpose::ReportReason(name.to_string()),
                        ids,
                        text: String::new(),
                    })
                }
                None => {
                    let names: Vec<&str> = offered.iter().map(|(n, _)| *n).collect();
                    let why = format!("pick a category: {} (tab completes)", names.join(", "));
                    keep_open(model, &why, Purpose::ReportCategory(offered), ids, text)
                }
            }
        }
        Purpose::ReportReason(category) => {
            if text.is_empty() {
                return keep_open(
                    model,
                    "say why you report it",
                    Purpose::ReportReason(category),
                    ids,
                    text,
                );
            }
            let payload = serde_json::json!({"category": category, "reason": text});
            queue(model, ids, kinds::REPORT, payload, effects);
        }
    }
}

/// Runs a write on the writer's connection; returns the message for the status line.
pub fn run_write(
    conn: &mut Connection,
    job: &WriteJob,
    now: UnixTime,
) -> crate::store::Result<String> {
    let user = crate::store::state::ACTOR_USER;
    Ok(match job {
        WriteJob::Moderate { ids, kind, payload } => {
            let queued = moderation::queue(conn, ids, kind, payload, user, now)?;
            format!(
                "{kind} pending for {} item{} · applied when the platform confirms",
                queued.len(),
                plural(queued.len())
            )
        }
        WriteJob::Tag { ids, tag, remove } => {
            let n = moderation::set_tag(conn, ids, tag, *remove, user, now)?;
            if *remove {
                format!("#{tag} removed from {n} item{}", plural(n))
            } else {
                format!("#{tag} added to {n} item{}", plural(n))
            }
        }
        WriteJob::Flag {
            ids,
            severity,
            reason,
            config,
        } => {
            if let Some(incident) = incident_ref(reason) {
                let n = crate::store::incidents::in_transaction(conn, |tx| {
                    crate::escalation::incident::attach(tx, incident, ids, user, config, now)
                })?;
                return Ok(format!(
                    "{n} item{} attached to incident #{incident}",
                    plural(n)
                ));
            }
            let opened = crate::store::incidents::in_transaction(conn, |tx| {
                let mut last = None;
                for &id in ids {
                    last = Some(crate::escalation::open(
                        tx,
                        &NewEscalation {
                            item_id: Some(id),
                            linked: Vec::new(),
                            severity: *severity,
                            reason: reason.clone(),
                            actor: user.into(),
                            topic: Default::default(),
                        },
                        config,
                        now,
                    )?);
                }
                Ok(last)
            })?;
            format!(
                "{} item{} escalated ({severity}){} · E resolves",
                ids.len(),
                plural(ids.len()),
                opened
                    .map(|o| format!(" in incident #{}", o.incident))
                    .unwrap_or_default()
            )
        }
        WriteJob::Resolve {
            ids,
            outcome,
            config,
        } => match crate::escalation::resolve_items(conn, ids, outcome, user, config, now)? {
            0 => "no open incident on this item".into(),
            n => format!("{n} incident{} resolved", plural(n)),
        },
        WriteJob::Incident { op, config } => {
            let who = config.who();
            crate::store::incidents::in_transaction(conn, |tx| {
                crate::escalation::incident::apply(tx, op_of(op), &who, config, now)
            })?
        }
        WriteJob::Note { id, body } => {
            moderation::add_note(conn, *id, body, now)?;
            "note added (kept local)".into()
        }
        WriteJob::RetryNotifications { config } => {
            crate::escalation::notify::retry_failed(conn, config, now)?.to_string()
        }
    })
}

fn op_of(op: &IncidentOp) -> crate::escalation::incident::Op<'_> {
    use crate::escalation::incident::Op;
    match op {
        IncidentOp::Detach { ids } => Op::Detach(ids),
        IncidentOp::Merge { ids, into } => Op::Merge(ids, *into),
        IncidentOp::Split { ids, title } => Op::Split(ids, title),
        IncidentOp::Tick { id } => Op::Tick(*id),
    }
}

#[cfg(test)]
#[path = "moderation_tests.rs"]
mod tests;

//! The popups' keys and the writes they ask for (as store [`Command`]s). The key
//! handling is pure like [`crate::tui::model::update`]; the store carries the writes out.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::state::*;
use crate::command::{incident_ref, Command, Done, IncidentOp};
use crate::domain::{ItemId, Severity};
use crate::platform::kinds;
use crate::store::moderation;
use crate::tui::keymap::{Action, Layer};
use crate::tui::model::{Effect, Model};

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
        Action::PersonNote => match crate::tui::people::note_target(model) {
            Some(person) => Popup::Input {
                purpose: Purpose::PersonNote(person),
                ids,
                text: String::new(),
            },
            None => {
                model.status.message = Some("the item is still loading · try again".into());
                return;
            }
        },
        Action::Snooze => Popup::Input {
            purpose: Purpose::Snooze,
            ids,
            text: String::new(),
        },
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
            effects.push(Effect::Write(Command::Incident {
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
        Purpose::Snooze => crate::tui::snooze::choices(model),
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
    let layer = match &popup {
        Popup::Actions { .. } => Layer::Moderate,
        Popup::Confirm { .. } => Layer::Confirm,
        Popup::Severity { .. } => Layer::Escalate,
        Popup::Input { .. } => Layer::Popup,
    };
    let action = model.keymap.action(layer, &key);
    // Any key but a move starts the choices at the top again.
    let choice = std::mem::take(&mut model.moderation.choice);
    if action == Some(Action::Help) {
        model.moderation.popup = Some(popup);
        model.moderation.choice = choice;
        return crate::tui::help::open(model);
    }
    if action == Some(Action::Close) {
        model.status.message = Some("cancelled".into());
        return;
    }
    match popup {
        Popup::Actions { ids, actions } => {
            let chosen = ACTIONS
                .iter()
                .find(|a| action == Some(a.1) && actions.contains(&a.0));
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
        Popup::Confirm { ids, kind } => match action {
            Some(Action::Yes) => queue(model, ids, kind, serde_json::json!({}), effects),
            _ => model.status.message = Some(format!("{kind} cancelled")),
        },
        Popup::Severity { ids } => {
            let severity = match action {
                Some(Action::Low) => Some(Severity::Low),
                Some(Action::High) => Some(Severity::High),
                Some(Action::Critical) => Some(Severity::Critical),
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
            match action {
                Some(Action::Submit) => return submit(model, purpose, ids, text, effects),
                Some(Action::MoveDown) => {
                    let found = matching(model, &purpose, &text).len();
                    model.moderation.choice = (choice + 1).min(found.saturating_sub(1));
                }
                Some(Action::MoveUp) => model.moderation.choice = choice.saturating_sub(1),
                Some(Action::Complete) => {
                    let found = matching(model, &purpose, &text);
                    let picked = found.get(choice).or(found.first()).cloned();
                    if let Some((value, _)) = picked {
                        text = if text.starts_with('-') {
                            format!("-{value}")
                        } else {
                            value
                        };
                    }
                }
                Some(Action::ClearLine) => text.clear(),
                _ => match key.code {
                    KeyCode::Backspace => {
                        text.pop();
                    }
                    KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                        text.push(c)
                    }
                    _ => {}
                },
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
    effects.push(Effect::Write(Command::Moderate { ids, kind, payload }));
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
        Purpose::PersonNote(person) => match crate::tui::people::note(person, &text) {
            Ok(write) => effects.push(write),
            Err(why) => keep_open(model, &why, Purpose::PersonNote(person), ids, text),
        },
        Purpose::Snooze => match crate::tui::snooze::submit(model, ids.clone(), &text) {
            Ok(write) => {
                model.marks.clear();
                effects.push(write);
            }
            Err(why) => keep_open(model, &why, Purpose::Snooze, ids, text),
        },
        Purpose::Tag => {
            let (remove, name) = match text.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, text.as_str()),
            };
            match moderation::normal_tag(name) {
                Some(tag) => {
                    model.marks.clear();
                    effects.push(Effect::Write(Command::Tag { ids, tag, remove }));
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
                effects.push(Effect::Write(Command::Flag {
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
            effects.push(Effect::Write(Command::Flag {
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
            effects.push(Effect::Write(Command::Resolve {
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
            effects.push(Effect::Write(Command::Incident {
                op: IncidentOp::Merge { ids, into },
                config: Box::new(model.moderation.setup.escalation.clone()),
            }));
        }
        Purpose::SplitTitle => {
            if text.trim().is_empty() {
                return keep_open(model, "give the new incident a title", purpose, ids, text);
            }
            model.marks.clear();
            effects.push(Effect::Write(Command::Incident {
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
                effects.push(Effect::Write(Command::Note { id, body: text }));
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

/// The status line after a moderation, tag, escalation or note write.
pub fn done_message(done: &Done) -> String {
    match done {
        Done::Moderated { kind, count } => format!(
            "{kind} pending for {count} item{} · applied when the platform confirms",
            plural(*count)
        ),
        Done::Tagged {
            tag,
            remove: true,
            count,
        } => format!("#{tag} removed from {count} item{}", plural(*count)),
        Done::Tagged { tag, count, .. } => {
            format!("#{tag} added to {count} item{}", plural(*count))
        }
        Done::Flagged {
            count,
            severity,
            incident,
        } => format!(
            "{count} item{} escalated ({severity}){} · E resolves",
            plural(*count),
            incident
                .map(|n| format!(" in incident #{n}"))
                .unwrap_or_default()
        ),
        Done::Attached { count, incident } => {
            format!(
                "{count} item{} attached to incident #{incident}",
                plural(*count)
            )
        }
        Done::IncidentChanged(message) => message.clone(),
        Done::Resolved(0) => "no open incident on this item".into(),
        Done::Resolved(n) => format!("{n} incident{} resolved", plural(*n)),
        Done::Noted => "note added (kept local)".into(),
        Done::Snoozed { count: 0, .. } => "nothing to snooze: only new and open items sleep".into(),
        Done::Snoozed { count, until } => format!(
            "{count} item{} snoozed until {until} · back as new then · u undoes",
            plural(*count)
        ),
        Done::PersonNoted => "note on the author added (kept local)".into(),
        Done::Linked(Some(_)) => "joined: one person now, their items in one author view".into(),
        Done::Linked(None) => "already one person".into(),
        Done::Advocate(true) => "marked as an advocate".into(),
        Done::Advocate(false) => "no longer marked as an advocate".into(),
        Done::Woken(count) => format!("{count} snoozed item{} back as new", plural(*count)),
        Done::Retried(retried) => retried.to_string(),
        Done::LangSet {
            lang,
            count,
            scored,
        } => format!(
            "language {lang} set on {count} item{} · {}",
            plural(*count),
            if *scored {
                "rescored"
            } else {
                "unscored: hark has no lexicon for it"
            }
        ),
        _ => "saved".into(),
    }
}

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;

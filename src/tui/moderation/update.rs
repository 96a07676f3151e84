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

/// The actions every one of `ids` allows: its platform's connector supports it, the
/// platform's rules accept it on that item (own vs others', reply vs top-level, DM vs
/// public; see [`crate::platform::actions_for`]) and, in a chat room, the account's power
/// level there is enough (as the last sync left it in the store).
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
            let mut allowed = crate::platform::actions_for(&r.platform, &r.facts, &supported);
            if let Some(levels) = power_over(r) {
                allowed.retain(|kind| levels.refusal(kind).is_none());
            }
            allowed
        })
        .collect();
    ACTIONS
        .iter()
        .map(|a| a.0)
        .filter(|kind| per_item.iter().all(|allowed| allowed.contains(kind)))
        .collect()
}

/// The account's levels against the author of someone else's chat item, when its room's
/// power levels are known. Its own messages need no level.
fn power_over(row: &crate::store::read::ItemRow) -> Option<crate::domain::PowerLevels> {
    if row.facts.own() {
        return None;
    }
    row.marks.room.as_ref()?.power
}

/// What the moderation menu says of the power level, for items in one chat room whose
/// levels are known: the account's level and what each action needs, then the actions the
/// level withholds.
pub fn power_lines(model: &Model, ids: &[ItemId]) -> Vec<String> {
    let rows: Vec<_> = model
        .list
        .rows
        .iter()
        .filter(|r| ids.contains(&r.id))
        .collect();
    let rooms: Vec<_> = rows.iter().filter_map(|r| r.marks.room.as_ref()).collect();
    let (Some(room), true) = (rooms.first(), rooms.len() == rows.len()) else {
        return Vec::new();
    };
    let Some(p) = room.power else {
        return Vec::new();
    };
    if rooms.iter().any(|r| r.label != room.label) {
        return vec!["power levels differ between these rooms: only what all allow".into()];
    }
    let mut lines = vec![
        format!(
            "power level {} in {}",
            p.mine,
            crate::sanitize::inert_line(&room.label)
        ),
        format!(
            "needed: redact {} · kick {} · ban {}",
            p.redact, p.kick, p.ban
        ),
    ];
    let withheld: Vec<&str> = ACTIONS
        .iter()
        .map(|a| a.0)
        .filter(|kind| {
            rows.iter()
                .any(|r| power_over(r).is_some_and(|l| l.refusal(kind).is_some()))
        })
        .collect();
    if !withheld.is_empty() {
        lines.push(format!("not offered: {}", withheld.join(", ")));
    }
    lines
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
        Purpose::Assign => crate::tui::team::choices(model),
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
        Purpose::Assign => match crate::tui::team::submit(model, ids.clone(), &text) {
            Ok(write) => {
                model.marks.clear();
                effects.push(write);
            }
            Err(why) => keep_open(model, &why, Purpose::Assign, ids, text),
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
    if let Some(message) = crate::tui::team::done_message(done) {
        return message;
    }
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
mod tests {
    //! The moderation keys on the pure update: popups, confirmations, the writes they ask for.

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::domain::{ItemKind, ItemState};
    use crate::store::read::ItemRow;
    use crate::tui::model::{update, Msg};

    fn row(n: i64, platform: &str) -> ItemRow {
        ItemRow {
            id: 100 - n,
            created_at: 10_000 - n,
            platform: platform.into(),
            kind: ItemKind::Mention,
            state: ItemState::Open,
            author: format!("@user{n}"),
            snippet: format!("item {n}"),
            sentiment: None,
            sentiment_manual: false,
            needs_reply: true,
            flag: None,
            marks: Default::default(),
            facts: crate::platform::ItemFacts::of(ItemKind::Mention),
            lang: None,
        }
    }

    fn model() -> Model {
        let mut model = crate::tui::test_support::started_with(vec![
            row(0, "chirp"),
            row(1, "chirp"),
            row(2, "forum"),
        ]);
        model.moderation.setup.capabilities = [
            (
                "chirp".to_string(),
                vec!["hide", "unhide", "delete", "block", "mute", "report"],
            ),
            ("forum".to_string(), vec!["hide", "unhide", "report"]),
        ]
        .into_iter()
        .collect();
        model.moderation.setup.tags = vec![
            ("feedback".into(), "menu team".into()),
            ("support".into(), "support team".into()),
        ];
        model
            .moderation
            .setup
            .escalation
            .reasons
            .insert("health".into(), "Health or safety claim".into());
        model
    }

    fn press(model: &mut Model, code: KeyCode) -> Vec<Effect> {
        update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn chars(model: &mut Model, text: &str) -> Vec<Effect> {
        let mut all = Vec::new();
        for c in text.chars() {
            all.extend(press(model, KeyCode::Char(c)));
        }
        all
    }

    /// Runs a command as the writer does and words its answer as the status line does.
    fn run_write(
        conn: &mut rusqlite::Connection,
        command: &Command,
        now: crate::domain::UnixTime,
    ) -> crate::store::Result<String> {
        command
            .clone()
            .apply(conn, now)
            .map(|done| done_message(&done))
    }

    fn writes(effects: Vec<Effect>) -> Vec<Command> {
        effects
            .into_iter()
            .filter_map(|e| match e {
                Effect::Write(job) => Some(job),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn m_offers_only_what_the_platform_supports_and_hide_is_queued_at_once() {
        let mut m = model();
        chars(&mut m, "m");
        assert_eq!(
            m.moderation.popup,
            Some(Popup::Actions {
                ids: vec![100],
                actions: vec!["hide", "unhide", "delete", "block", "mute", "report"]
            })
        );
        let jobs = writes(chars(&mut m, "h"));
        assert_eq!(
            jobs,
            vec![Command::Moderate {
                ids: vec![100],
                kind: "hide",
                payload: serde_json::json!({})
            }]
        );
        assert_eq!(m.moderation.popup, None);
    }

    #[test]
    fn marked_items_on_two_platforms_get_the_actions_both_support() {
        let mut m = model();
        chars(&mut m, "  "); // mark items 0 and 1 (chirp)
        chars(&mut m, " "); // and 2 (forum)
        chars(&mut m, "m");
        let Some(Popup::Actions { ids, actions }) = &m.moderation.popup else {
            panic!("{:?}", m.moderation.popup);
        };
        assert_eq!(ids, &vec![98, 99, 100]);
        assert_eq!(actions, &vec!["hide", "unhide", "report"]);
        // Delete is not offered, so its key does nothing.
        assert!(writes(chars(&mut m, "x")).is_empty());
        assert!(m.moderation.popup.is_some());
    }

    #[test]
    fn destructive_actions_ask_first_and_anything_but_y_cancels() {
        let mut m = model();
        chars(&mut m, "mx");
        assert_eq!(
            m.moderation.popup,
            Some(Popup::Confirm {
                ids: vec![100],
                kind: "delete"
            })
        );
        assert!(writes(chars(&mut m, "n")).is_empty());
        assert_eq!(m.moderation.popup, None);
        assert_eq!(m.status.message.as_deref(), Some("delete cancelled"));
        chars(&mut m, "mb");
        let jobs = writes(chars(&mut m, "y"));
        assert_eq!(
            jobs,
            vec![Command::Moderate {
                ids: vec![100],
                kind: "block",
                payload: serde_json::json!({})
            }]
        );
    }

    #[test]
    fn report_asks_for_a_reason() {
        let mut m = model();
        chars(&mut m, "mr");
        assert!(
            writes(press(&mut m, KeyCode::Enter)).is_empty(),
            "no reason, no report"
        );
        chars(&mut m, "threats");
        let jobs = writes(press(&mut m, KeyCode::Enter));
        assert_eq!(
            jobs,
            vec![Command::Moderate {
                ids: vec![100],
                kind: "report",
                payload: serde_json::json!({"category": "other", "reason": "threats"})
            }]
        );
    }

    #[test]
    fn t_completes_tags_from_config_and_use_and_tags_every_marked_item() {
        let mut m = model();
        m.moderation.tags_in_use = vec![("bug".into(), 4), ("feedback".into(), 2)];
        chars(&mut m, "  t");
        let Some(Popup::Input {
            purpose: Purpose::Tag,
            ..
        }) = &m.moderation.popup
        else {
            panic!("{:?}", m.moderation.popup);
        };
        let all: Vec<String> = choices(&m, &Purpose::Tag)
            .into_iter()
            .map(|c| c.0)
            .collect();
        assert_eq!(all, vec!["feedback", "support", "bug"]);
        chars(&mut m, "f");
        press(&mut m, KeyCode::Tab);
        let jobs = writes(press(&mut m, KeyCode::Enter));
        assert_eq!(
            jobs,
            vec![Command::Tag {
                ids: vec![99, 100],
                tag: "feedback".into(),
                remove: false
            }]
        );
        assert!(m.marks.is_empty());
        chars(&mut m, "t-bug");
        let jobs = writes(press(&mut m, KeyCode::Enter));
        assert_eq!(
            jobs,
            vec![Command::Tag {
                ids: vec![98],
                tag: "bug".into(),
                remove: true
            }]
        );
    }

    #[test]
    fn bang_asks_severity_then_reason_and_a_configured_reason_stands_for_its_description() {
        let mut m = model();
        chars(&mut m, "!");
        assert_eq!(m.moderation.popup, Some(Popup::Severity { ids: vec![100] }));
        chars(&mut m, "zc");
        chars(&mut m, "he");
        press(&mut m, KeyCode::Tab);
        let jobs = writes(press(&mut m, KeyCode::Enter));
        let [Command::Flag {
            ids,
            severity,
            reason,
            ..
        }] = jobs.as_slice()
        else {
            panic!("{jobs:?}");
        };
        assert_eq!(
            (ids.as_slice(), *severity, reason.as_str()),
            (&[100][..], Severity::Critical, "Health or safety claim")
        );
        chars(&mut m, "!l");
        chars(&mut m, "rude barista");
        let jobs = writes(press(&mut m, KeyCode::Enter));
        assert!(
            matches!(&jobs[..], [Command::Flag { severity: Severity::Low, reason, .. }] if reason == "rude barista")
        );
    }

    #[test]
    fn e_resolves_with_an_outcome_and_a_adds_a_note_and_esc_cancels() {
        let mut m = model();
        chars(&mut m, "E");
        assert!(
            writes(press(&mut m, KeyCode::Enter)).is_empty(),
            "an outcome is required"
        );
        chars(&mut m, "refund sent");
        assert_eq!(
            writes(press(&mut m, KeyCode::Enter)),
            vec![Command::Resolve {
                ids: vec![100],
                outcome: "refund sent".into(),
                config: Box::new(m.moderation.setup.escalation.clone()),
            }]
        );
        chars(&mut m, "a");
        chars(&mut m, "called her back");
        assert_eq!(
            writes(press(&mut m, KeyCode::Enter)),
            vec![Command::Note {
                id: 100,
                body: "called her back".into()
            }]
        );
        chars(&mut m, "a");
        chars(&mut m, "dq");
        assert!(writes(press(&mut m, KeyCode::Esc)).is_empty());
        assert_eq!(m.moderation.popup, None);
        assert!(!m.quit, "keys typed in a popup are text, not verbs");
    }

    #[test]
    fn writes_run_against_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::store::open_rw(&dir.path().join("hark.db")).unwrap();
        let account = crate::store::ingest::ensure_account(&conn, "a", "chirp", "@b").unwrap();
        let item = crate::store::ingest::Incoming::from(crate::domain::NewItem {
            external_id: "1".into(),
            kind: ItemKind::Mention,
            parent_external_id: None,
            thread_external_id: None,
            author: crate::domain::NewAuthor {
                external_id: "u".into(),
                handle: "@u".into(),
                display_name: "U".into(),
                followers: None,
            },
            body: "hi".into(),
            url: None,
            created_at: 1,
            raw_json: None,
            room: None,
        });
        let id = crate::store::ingest::ingest(&mut conn, account, &[item], None, 1)
            .unwrap()
            .inserted[0];
        let flag = Command::Flag {
            ids: vec![id],
            severity: Severity::High,
            reason: "press".into(),
            config: Box::default(),
        };
        assert_eq!(
            run_write(&mut conn, &flag, 5).unwrap(),
            "1 item escalated (high) in incident #1 · E resolves"
        );
        let resolve = Command::Resolve {
            ids: vec![id],
            outcome: "answered".into(),
            config: Box::default(),
        };
        assert_eq!(
            run_write(&mut conn, &resolve, 6).unwrap(),
            "1 incident resolved"
        );
        assert_eq!(
            run_write(&mut conn, &resolve, 7).unwrap(),
            "no open incident on this item"
        );
        let hide = Command::Moderate {
            ids: vec![id],
            kind: "hide",
            payload: serde_json::json!({}),
        };
        assert_eq!(
            run_write(&mut conn, &hide, 8).unwrap(),
            "hide pending for 1 item · applied when the platform confirms"
        );
        assert_eq!(
            run_write(
                &mut conn,
                &Command::RetryNotifications {
                    config: Box::default()
                },
                9
            )
            .unwrap(),
            "no failed notifications"
        );
        let info = crate::store::moderation::info(&conn, id).unwrap();
        assert_eq!(info.outbox[0].kind, "hide");
        assert_eq!(info.outbox[0].state, "queued");
        assert_eq!(info.escalations[0].outcome.as_deref(), Some("answered"));
    }

    #[test]
    fn a_mastodon_account_whose_token_is_in_the_data_directory_gets_its_moderation_menu() {
        // `hark account add mastodon` keeps the token in the data directory only.
        let dir = tempfile::tempdir().unwrap();
        let account = crate::config::AccountConfig {
            name: "brand-masto".into(),
            platform: "mastodon".into(),
            handle: "@brand".into(),
            interval: None,
            server: Some("https://social.example".into()),
            token_env: None,
            token_cmd: None,
            network: None,
            allow_insecure: false,
            chat: None,
            graph: None,
            linkedin: None,
            discord: None,
            slack: None,
        };
        crate::secrets::store_token_file(
            dir.path(),
            "brand-masto",
            &crate::secrets::Secret::new("t0ken"),
        )
        .unwrap();
        let mut config = crate::config::Config::default();
        config.accounts.push(account);
        let workspace =
            crate::workspace::Workspace::new(config, "c.toml".into(), dir.path().into());
        let shared = crate::outbox::worker::connect_all(&workspace.config.accounts, |a| {
            crate::platform::connect_in(a, Some(dir.path()))
        })
        .unwrap();
        let setup = Setup::new(
            &workspace.config.tags,
            &workspace.config.escalation,
            workspace.config.sentiment_settings(),
            &shared,
        );
        let actions = setup
            .capabilities
            .get("mastodon")
            .expect("mastodon actions");
        assert!(actions.contains(&"block"), "{actions:?}");
    }

    /// A row as the store reads it, with the facts the per-item menu needs.
    fn item(n: i64, platform: &str, facts: crate::platform::ItemFacts) -> ItemRow {
        ItemRow {
            kind: facts.kind,
            facts,
            lang: None,
            ..row(n, platform)
        }
    }

    fn menu(
        rows: Vec<ItemRow>,
        platform: &str,
        caps: &[&'static str],
    ) -> Result<Vec<&'static str>, String> {
        let mut m = crate::tui::test_support::started_with(rows);
        m.moderation.setup.capabilities = [(platform.to_string(), caps.to_vec())]
            .into_iter()
            .collect();
        press(&mut m, KeyCode::Char('m'));
        match m.moderation.popup {
            Some(Popup::Actions { actions, .. }) => Ok(actions),
            _ => Err(m.status.message.unwrap_or_default()),
        }
    }

    #[test]
    fn the_menu_offers_per_item_only_what_its_platform_allows() {
        use crate::platform::ItemFacts;
        let masto = crate::platform::mastodon::MODERATION;
        let bsky: &[&str] = &[
            "hide",
            "unhide",
            "delete",
            "block",
            "mute",
            "mute-thread",
            "report",
        ];
        // Someone else's status on Mastodon: no delete (the server answers 404 to anyone else).
        let others = menu(
            vec![item(0, "mastodon", ItemFacts::of(ItemKind::Mention))],
            "mastodon",
            masto,
        )
        .unwrap();
        assert!(!others.contains(&"delete"), "{others:?}");
        assert!(
            others.contains(&"block") && others.contains(&"report"),
            "{others:?}"
        );
        // The brand's own status: delete, and no blocking or reporting itself.
        let own = menu(
            vec![item(0, "mastodon", ItemFacts::of(ItemKind::Post))],
            "mastodon",
            masto,
        )
        .unwrap();
        assert!(own.contains(&"delete"), "{own:?}");
        assert!(
            !own.contains(&"block") && !own.contains(&"report"),
            "{own:?}"
        );
        // A Matrix room: others' messages can be kicked or banned, the brand's own not.
        let matrix = &["delete", "kick", "block", "report"];
        let theirs = menu(
            vec![item(0, "matrix", ItemFacts::of(ItemKind::Mention))],
            "matrix",
            matrix,
        )
        .unwrap();
        assert_eq!(theirs, ["delete", "block", "kick", "report"]);
        let own = menu(
            vec![item(0, "matrix", ItemFacts::of(ItemKind::Post))],
            "matrix",
            matrix,
        )
        .unwrap();
        assert_eq!(own, ["delete"]);
        // A top-level Bluesky mention cannot be hidden (only replies in the brand's threads).
        let top = menu(
            vec![item(0, "bluesky", ItemFacts::of(ItemKind::Mention))],
            "bluesky",
            bsky,
        )
        .unwrap();
        assert!(
            !top.contains(&"hide") && !top.contains(&"delete"),
            "{top:?}"
        );
        let reply = ItemFacts {
            kind: ItemKind::Comment,
            reply: true,
            in_own_thread: true,
        };
        let in_thread = menu(vec![item(0, "bluesky", reply)], "bluesky", bsky).unwrap();
        assert!(in_thread.contains(&"hide"), "{in_thread:?}");
        // A reply in someone else's thread, and a DM: no hide, and a DM has no thread to mute.
        let elsewhere = ItemFacts {
            in_own_thread: false,
            ..reply
        };
        let elsewhere = menu(vec![item(0, "bluesky", elsewhere)], "bluesky", bsky).unwrap();
        assert!(!elsewhere.contains(&"hide"), "{elsewhere:?}");
        let dm = menu(
            vec![item(0, "bluesky", ItemFacts::of(ItemKind::Dm))],
            "bluesky",
            bsky,
        )
        .unwrap();
        assert!(
            !dm.contains(&"hide") && !dm.contains(&"mute-thread"),
            "{dm:?}"
        );
        assert!(dm.contains(&"block"), "{dm:?}");
        // Marked items get only what every one of them allows.
        let mut m = crate::tui::test_support::started_with(vec![
            item(0, "bluesky", reply),
            item(1, "bluesky", ItemFacts::of(ItemKind::Mention)),
        ]);
        m.moderation.setup.capabilities = [("bluesky".to_string(), bsky.to_vec())]
            .into_iter()
            .collect();
        assert_eq!(
            allowed_actions(&m, &[100, 99]),
            vec!["block", "mute", "mute-thread", "report"]
        );
        // Nothing allowed on this item: said so, no empty popup.
        let none = menu(
            vec![item(0, "mastodon", ItemFacts::of(ItemKind::Post))],
            "mastodon",
            &["block"],
        );
        assert_eq!(
            none,
            Err("mastodon allows no moderation from hark on this item".into())
        );
    }

    /// The list reloads after a store change, with `rows` as the store now reads them.
    fn reload(m: &mut Model, rows: Vec<ItemRow>) {
        let effects = update(m, Msg::Changed(crate::store::Changes::ALL));
        let generation = effects
            .iter()
            .find_map(|e| match e {
                Effect::Query(crate::tui::query::Request::List(
                    crate::tui::inbox::list::ListRequest::Window { generation, .. },
                )) => Some(*generation),
                _ => None,
            })
            .expect("a store change reloads the list");
        let total = rows.len();
        update(
            m,
            Msg::Loaded(crate::tui::query::Response::Window {
                generation,
                result: crate::tui::inbox::list::WindowResult {
                    rows,
                    offset: 0,
                    total,
                    focus: 0,
                    counting: false,
                },
            }),
        );
    }

    #[test]
    fn a_refused_action_is_said_on_the_status_line_with_the_platforms_reason() {
        let mut pending = row(0, "bluesky");
        pending.marks.pending = Some("hide".into());
        let mut m = crate::tui::test_support::started_with(vec![pending.clone()]);
        let mut refused = row(0, "bluesky");
        refused.marks.refused = Some((
            "hide".into(),
            "the platform refused: only replies can be hidden on Bluesky".into(),
        ));
        reload(&mut m, vec![refused]);
        let status = m.status.message.clone().unwrap_or_default();
        assert!(
            status.starts_with("hide not applied: bluesky refused"),
            "{status}"
        );
        assert!(status.contains("only replies can be hidden"), "{status}");
        assert_eq!(
            m.list.rows[0].state,
            ItemState::Open,
            "the item stays where it was"
        );
    }

    #[test]
    fn report_asks_for_a_category_the_platform_takes_then_a_reason() {
        let mut m = model();
        m.moderation.setup.report_categories = [(
            "chirp".to_string(),
            crate::platform::mastodon::moderation::REPORT_CATEGORIES.to_vec(),
        )]
        .into_iter()
        .collect();
        chars(&mut m, "mr");
        let offered: Vec<String> = match &m.moderation.popup {
            Some(Popup::Input { purpose, .. }) => choices(&m, purpose)
                .into_iter()
                .map(|(name, _)| name)
                .collect(),
            other => panic!("{other:?}"),
        };
        assert_eq!(offered, ["spam", "legal", "other"]);
        chars(&mut m, "harassment");
        assert!(writes(press(&mut m, KeyCode::Enter)).is_empty());
        assert_eq!(
            m.status.message.as_deref(),
            Some("pick a category: spam, legal, other (tab completes)")
        );
        update(
            &mut m,
            Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
        );
        chars(&mut m, "sp");
        press(&mut m, KeyCode::Tab);
        assert!(
            writes(press(&mut m, KeyCode::Enter)).is_empty(),
            "then a reason"
        );
        chars(&mut m, "bot replies to every post");
        assert_eq!(
            writes(press(&mut m, KeyCode::Enter)),
            vec![Command::Moderate {
                ids: vec![100],
                kind: "report",
                payload: serde_json::json!({"category": "spam", "reason": "bot replies to every post"})
            }]
        );
    }

    #[test]
    fn incident_keys_attach_detach_merge_split_and_tick() {
        use super::IncidentOp;
        let mut m = model();
        let config = Box::new(m.moderation.setup.escalation.clone());
        let current = m.list.current_id().unwrap();
        // `c` ticks the next step of the item's incident; `D` detaches it.
        assert_eq!(
            writes(chars(&mut m, "c")),
            vec![Command::Incident {
                op: IncidentOp::Tick { id: current },
                config: config.clone()
            }]
        );
        assert_eq!(
            writes(chars(&mut m, "D")),
            vec![Command::Incident {
                op: IncidentOp::Detach { ids: vec![current] },
                config: config.clone()
            }]
        );
        // `J` asks which incident to merge into; `S` asks the new incident's title.
        chars(&mut m, "J");
        assert!(
            writes(press(&mut m, KeyCode::Enter)).is_empty(),
            "#N is required"
        );
        chars(&mut m, "#7");
        assert_eq!(
            writes(press(&mut m, KeyCode::Enter)),
            vec![Command::Incident {
                op: IncidentOp::Merge {
                    ids: vec![current],
                    into: 7
                },
                config: config.clone()
            }]
        );
        chars(&mut m, "S");
        chars(&mut m, "Quay St flooding");
        assert_eq!(
            writes(press(&mut m, KeyCode::Enter)),
            vec![Command::Incident {
                op: IncidentOp::Split {
                    ids: vec![current],
                    title: "Quay St flooding".into()
                },
                config: config.clone()
            }]
        );
        // `!` offers open incidents: `#N` attaches.
        chars(&mut m, "!h#7");
        assert_eq!(
            writes(press(&mut m, KeyCode::Enter)),
            vec![Command::Flag {
                ids: vec![current],
                severity: Severity::High,
                reason: "#7".into(),
                config
            }]
        );
    }
}

//! Team mode's keys: `A` assigns the marked items (or the one under the cursor) to a CM
//! through the popup's line input with Tab completion; `Y` / `X` let a moderator approve or
//! reject the destructive moderation another CM asked for; `:away` / `:back`. Without
//! `[team]` none of it shows, and the keys only say how to turn it on.

use crate::command::{Command, Done};
use crate::domain::ItemId;
use crate::tui::keymap::Action;
use crate::tui::model::{Effect, Model};
use crate::tui::moderation::{Popup, Purpose};

/// What the UI knows of `[team]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamUi {
    pub me: String,
    /// Every CM `A` offers, in the config's order (this CM among them).
    pub names: Vec<String>,
    pub moderators: Vec<String>,
}

impl TeamUi {
    pub fn new(config: &crate::team::config::TeamConfig) -> TeamUi {
        TeamUi {
            me: config.me.trim().to_string(),
            names: crate::team::names(config),
            moderators: config.moderators.clone(),
        }
    }

    fn is_moderator(&self) -> bool {
        self.moderators.contains(&self.me)
    }
}

const OFF: &str = "team mode is off: add a [team] section to config.toml";

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

/// Runs a team key.
pub fn apply(model: &mut Model, action: Action, effects: &mut Vec<Effect>) {
    let Some(team) = &model.team else {
        model.status.message = Some(OFF.into());
        return;
    };
    let ids = targets(model);
    if ids.is_empty() {
        model.status.message = Some("no item here".into());
        return;
    }
    match action {
        Action::Assign => {
            model.moderation.popup = Some(Popup::Input {
                purpose: Purpose::Assign,
                ids,
                text: String::new(),
            })
        }
        Action::ApproveHeld | Action::RejectHeld => {
            if !team.is_moderator() {
                model.status.message = Some(format!(
                    "only moderators approve or reject ({} is not in [team] moderators)",
                    crate::sanitize::inert_line(&team.me)
                ));
                return;
            }
            model.marks.clear();
            effects.push(Effect::Write(Command::Decide {
                ids,
                approve: action == Action::ApproveHeld,
            }));
        }
        _ => {}
    }
}

/// The assign popup's choices: every CM, this one and the moderators said.
pub fn choices(model: &Model) -> Vec<(String, String)> {
    let Some(team) = &model.team else {
        return Vec::new();
    };
    team.names
        .iter()
        .map(|name| {
            let mut about = Vec::new();
            if *name == team.me {
                about.push("you");
            }
            if team.moderators.contains(name) {
                about.push("moderator");
            }
            (name.clone(), about.join(" · "))
        })
        .collect()
}

/// The popup's answer: the write, or why the name is not one (the popup stays).
/// `-` unassigns; `me` is this CM; names match in any case.
pub fn submit(model: &Model, ids: Vec<ItemId>, text: &str) -> Result<Effect, String> {
    let team = model.team.as_ref().ok_or(OFF)?;
    let text = text.trim();
    let to = match text {
        "" => return Err("name a CM (tab completes) · - unassigns".into()),
        "-" => None,
        "me" => Some(team.me.clone()),
        name => Some(
            team.names
                .iter()
                .find(|n| n.eq_ignore_ascii_case(name))
                .cloned()
                .ok_or_else(|| {
                    format!(
                        "`{}` is not in [team] members (tab completes)",
                        crate::sanitize::inert_line(name)
                    )
                })?,
        ),
    };
    Ok(Effect::Write(Command::Assign { ids, to }))
}

/// The command line's team words: `:away`, `:back`. Returns whether `word` was one.
pub fn command(model: &mut Model, word: &str, effects: &mut Vec<Effect>) -> bool {
    let away = match word {
        "away" => true,
        "back" => false,
        _ => return false,
    };
    if model.team.is_none() {
        model.status.message = Some(OFF.into());
    } else {
        effects.push(Effect::Write(Command::SetAway { away }));
    }
    true
}

/// The status line after a team write; `None` for other writes.
pub fn done_message(done: &Done) -> Option<String> {
    let s = |n: usize| if n == 1 { "" } else { "s" };
    Some(match done {
        Done::Assigned { count: 0, to } => match to {
            Some(cm) => format!("already assigned to {}", crate::sanitize::inert_line(cm)),
            None => "nothing to unassign".into(),
        },
        Done::Assigned { count, to } => match to {
            Some(cm) => format!(
                "{count} item{} assigned to {} · u undoes",
                s(*count),
                crate::sanitize::inert_line(cm)
            ),
            None => format!("{count} item{} unassigned · u undoes", s(*count)),
        },
        Done::Away { away: true, .. } => {
            "you are away: round-robin skips you until :back".into()
        }
        Done::Away { away: false, .. } => "you are back: round-robin includes you".into(),
        Done::Held { kind, count: 0 } => format!("{kind} already waits for a moderator"),
        Done::Held { kind, count } => format!(
            "{kind} on {count} item{} waits for a moderator (Approvals view) · nothing is sent before",
            s(*count)
        ),
        Done::Decided { approve, count: 0 } => format!(
            "nothing here waits for a moderator to {}",
            if *approve { "approve" } else { "reject" }
        ),
        Done::Decided {
            approve: true,
            count,
        } => format!(
            "{count} held action{} approved · sent through the outbox",
            s(*count)
        ),
        Done::Decided {
            approve: false,
            count,
        } => format!("{count} held action{} rejected · nothing sent", s(*count)),
        _ => return None,
    })
}

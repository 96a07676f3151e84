//! Find and act: the limit (`l`), marks by pattern (`T`), mark all (`*`), invert (`~`),
//! unmark all (`U`), and the confirmation before a verb touches many marked items.
//!
//! Patterns are parsed by [`crate::pattern`]; the ids a mark command needs are read on
//! the query worker ([`Request::Ids`]), so marking a big view never blocks a key.

use crossterm::event::KeyEvent;

use super::keymap::{Action, Layer};
use super::model::{Effect, Model, Prompt};
use super::query::{IdsFor, Request};
use crate::domain::ItemId;
use crate::pattern::Pattern;
use crate::store::read::{ListQuery, Sort};
use crate::store::View;

/// `[find]` in the config.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindConfig {
    /// A verb on more marked items than this asks first.
    #[serde(default = "default_confirm_above")]
    pub confirm_above: usize,
}

impl Default for FindConfig {
    fn default() -> Self {
        FindConfig {
            confirm_above: default_confirm_above(),
        }
    }
}

fn default_confirm_above() -> usize {
    20
}

/// Marking stops at this many items: acting on more at once is a job for the CLI.
pub const MARK_CAP: usize = 50_000;

/// The find feature's state (one field of the model).
#[derive(Debug, Clone, Default)]
pub struct FindState {
    /// The limit as the CM typed it, for the list's title and the next `l`.
    pub limit: Option<String>,
    /// What was last typed after `l` or `T` (also when it did not parse), to edit.
    pub draft: String,
    /// A verb waiting for `y` because it would touch many marked items: (verb, count).
    pub confirm: Option<(Action, usize)>,
    /// Set while a confirmed verb runs.
    confirmed: bool,
    /// The prompt's history and Tab completion.
    pub memory: prompt::PromptMemory,
    /// `[[view]]`s of the config and their counts.
    pub saved: saved::Saved,
    /// The order chosen for each view (by its `:view` name), kept across restarts.
    pub sorts: std::collections::HashMap<String, Sort>,
    pub config: FindConfig,
}

/// Verbs that act on the marked items.
fn acts_on_marks(action: Action) -> bool {
    matches!(
        action,
        Action::MarkDone
            | Action::Reopen
            | Action::MarkPositive
            | Action::MarkNeutral
            | Action::MarkNegative
            | Action::ClearSentiment
            | Action::Moderate
            | Action::Tag
            | Action::Flag
            | Action::Resolve
            | Action::DetachIncident
            | Action::MergeIncident
            | Action::SplitIncident
    )
}

/// Before `action` runs: true when it must wait for the CM's `y` (it was put on hold).
pub fn hold_for_confirm(model: &mut Model, action: Action) -> bool {
    let count = model.marks.len();
    if model.find.confirmed || !acts_on_marks(action) || count <= model.find.config.confirm_above {
        return false;
    }
    model.find.confirm = Some((action, count));
    model.status.message = Some(format!(
        "{} on {count} marked items? y does it · any other key cancels",
        action.name()
    ));
    true
}

/// A key while a verb waits for confirmation.
pub fn on_confirm_key(model: &mut Model, key: KeyEvent, effects: &mut Vec<Effect>) {
    let Some((action, count)) = model.find.confirm.take() else {
        return;
    };
    if model.keymap.action(Layer::Confirm, &key) == Some(Action::Yes) {
        model.status.message = None;
        model.find.confirmed = true;
        super::model::apply(model, action, effects);
        model.find.confirmed = false;
    } else {
        model.status.message = Some(format!(
            "cancelled: {} on {count} items · the marks stay",
            action.name()
        ));
    }
}

/// Runs the find actions; false for any other action.
pub fn apply(model: &mut Model, action: Action, effects: &mut Vec<Effect>) -> bool {
    match action {
        Action::Limit => {
            let text = model
                .find
                .limit
                .clone()
                .unwrap_or_else(|| model.find.draft.clone());
            model.prompt = Some(Prompt::Limit(text));
        }
        Action::MarkPattern => model.prompt = Some(Prompt::MarkPattern(String::new())),
        Action::MarkAll => ask_ids(model, IdsFor::Mark, None, effects),
        Action::InvertMarks => ask_ids(model, IdsFor::Invert, None, effects),
        Action::Sort => {
            let sort = match model.list.query.sort {
                Sort::Newest => Sort::Oldest,
                Sort::Oldest => Sort::Newest,
            };
            let view = view_name(model.current_view());
            model.find.sorts.insert(view.clone(), sort);
            let query = ListQuery {
                sort,
                ..model.list.query.clone()
            };
            let request = model.list.replace_query(query);
            effects.push(Effect::Query(Request::List(request)));
            effects.push(Effect::Write(crate::command::Command::SetViewSort {
                view,
                sort,
            }));
            model.status.message = Some(format!("{} first", sort.as_str()));
        }
        Action::UnmarkAll => {
            let n = model.marks.len();
            model.marks.clear();
            model.status.message = Some(format!("{n} unmarked"));
        }
        _ => return false,
    }
    true
}

/// The order kept for `view` (newest first unless the CM chose otherwise).
pub fn sort_of(model: &Model, view: &View) -> Sort {
    model
        .find
        .sorts
        .get(&view_name(view))
        .copied()
        .unwrap_or_default()
}

/// Whether `:view TEXT` means a pattern rather than a view's name.
pub fn looks_like_pattern(text: &str) -> bool {
    text.contains(['~', '!', '|', '(', '"'])
}

/// The one view whose name starts with `text` (`:view needs`), among the sidebar's and
/// the built-in ones.
pub fn view_by_prefix(model: &Model, text: &str) -> Option<View> {
    let text = text.trim().to_lowercase();
    if text.is_empty() {
        return None;
    }
    let names: Vec<(String, View)> = View::FIXED
        .iter()
        .chain(model.sidebar.views.iter().map(|(v, _)| v))
        .map(|v| (view_name(v), v.clone()))
        .collect();
    if let Some((_, exact)) = names.iter().find(|(name, _)| name.to_lowercase() == text) {
        return Some(exact.clone());
    }
    let mut found = names
        .into_iter()
        .filter(|(name, _)| name.to_lowercase().starts_with(&text));
    let first = found.next()?;
    found.all(|(_, v)| v == first.1).then_some(first.1)
}

/// A view's name on the command line.
pub fn view_name(view: &View) -> String {
    match view {
        View::Inbox => "inbox".into(),
        View::NeedsReply => "needs-reply".into(),
        View::Escalated => "escalated".into(),
        View::Done => "done".into(),
        View::All => "all".into(),
        View::Platform(p) => format!("platform:{p}"),
        View::Tag(t) => format!("#{t}"),
        View::Incident(n) => format!("incident:{n}"),
        View::Saved(name) => name.clone(),
    }
}

/// Parses `text`, or says where it is wrong.
fn parsed(model: &mut Model, text: &str) -> Result<Option<Pattern>, ()> {
    model.find.draft = text.to_string();
    crate::pattern::parse(text).map_err(|e| {
        model.status.message = Some(format!("pattern: {e}"));
    })
}

/// `l` submitted: the list shows only what `text` selects (empty: everything again).
pub fn set_limit(model: &mut Model, text: &str, effects: &mut Vec<Effect>) {
    let Ok(pattern) = parsed(model, text) else {
        return;
    };
    model.find.limit = pattern.as_ref().map(|_| text.trim().to_string());
    limit_list(model, pattern, effects);
}

/// Shows the current view narrowed by `pattern` (on top of a saved view's own query).
pub fn limit_list(model: &mut Model, pattern: Option<Pattern>, effects: &mut Vec<Effect>) {
    let limit = match (saved::base(model, model.current_view()), pattern) {
        (Some(base), Some(pattern)) => Some(Pattern::And(vec![base, pattern])),
        (base, pattern) => pattern.or(base),
    };
    let query = ListQuery {
        limit,
        ..model.list.query.clone()
    };
    let request = model.list.replace_query(query);
    effects.push(Effect::Query(Request::List(request)));
}

/// `T` submitted: marks what `text` selects in the list as it is shown.
pub fn mark_pattern(model: &mut Model, text: &str, effects: &mut Vec<Effect>) {
    match parsed(model, text) {
        Ok(Some(pattern)) => ask_ids(model, IdsFor::Mark, Some(pattern), effects),
        Ok(None) => {}
        Err(()) => {}
    }
}

/// Asks the worker for the ids of the list as shown, narrowed by `pattern`.
fn ask_ids(
    model: &mut Model,
    purpose: IdsFor,
    pattern: Option<Pattern>,
    effects: &mut Vec<Effect>,
) {
    let mut query = model.list.query.clone();
    if let Some(pattern) = pattern {
        query.limit = Some(match query.limit.take() {
            Some(current) => Pattern::And(vec![current, pattern]),
            None => pattern,
        });
    }
    effects.push(Effect::Query(Request::Ids { query, purpose }));
}

/// The worker's answer to [`ask_ids`].
pub fn on_ids(model: &mut Model, purpose: IdsFor, ids: Vec<ItemId>, capped: bool) {
    let before = model.marks.len();
    match purpose {
        IdsFor::Mark => model.marks.extend(ids.iter().copied()),
        IdsFor::Invert => {
            for id in &ids {
                if !model.marks.remove(id) {
                    model.marks.insert(*id);
                }
            }
        }
    }
    let now = model.marks.len();
    let mut message = match purpose {
        IdsFor::Mark => format!(
            "{} marked ({now} in all)",
            now.saturating_sub(before).min(ids.len())
        ),
        IdsFor::Invert => format!("marks inverted: {now} marked"),
    };
    if capped {
        message.push_str(&format!(" · stopped at the first {MARK_CAP}"));
    }
    model.status.message = Some(message);
}

pub mod prompt;
pub mod saved;

#[cfg(test)]
mod tests;

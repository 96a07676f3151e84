//! The prompt's history (↑ ↓, one per kind of prompt) and Tab completion of the command
//! line (`:view` names, command names).

use super::super::keymap::{Action, Layer};
use super::super::model::{Effect, Model, Prompt};

/// Lines kept per kind of prompt.
const HISTORY: usize = 100;

/// History and completion in progress.
#[derive(Debug, Clone, Default)]
pub struct PromptMemory {
    /// (prompt kind, line), oldest first.
    lines: Vec<(char, String)>,
    /// Where ↑ has got to: an index into the lines of the prompt's kind, and what was
    /// being typed before (↓ past the newest brings it back).
    browsing: Option<(usize, String)>,
    /// Tab's candidates for the line as typed, and the one shown.
    completing: Option<(String, Vec<String>, usize)>,
    /// Where the lines are kept across restarts (see [`super::history`]).
    file: Option<std::path::PathBuf>,
}

impl PromptMemory {
    /// The history kept in `file`, which every submitted line then updates.
    pub fn kept_in(file: std::path::PathBuf) -> PromptMemory {
        let mut lines = super::history::load(&file);
        // Each kind to its bound, the newest kept (a file from a hark with a larger bound).
        let mut kept = std::collections::HashMap::new();
        lines.reverse();
        lines.retain(|(kind, _)| {
            let n = kept.entry(*kind).or_insert(0);
            *n += 1;
            *n <= HISTORY
        });
        lines.reverse();
        PromptMemory {
            lines,
            file: Some(file),
            ..PromptMemory::default()
        }
    }
}

fn kind(prompt: &Prompt) -> (char, &String) {
    match prompt {
        Prompt::Search(t) => ('/', t),
        Prompt::Command(t) => (':', t),
        Prompt::Limit(t) => ('l', t),
        Prompt::MarkPattern(t) => ('T', t),
    }
}

fn text_mut(prompt: &mut Prompt) -> &mut String {
    match prompt {
        Prompt::Search(t) | Prompt::Command(t) | Prompt::Limit(t) | Prompt::MarkPattern(t) => t,
    }
}

/// Remembers a submitted line (not twice in a row, not empty); where the history is kept
/// across restarts, the effect that saves it.
pub fn remember(model: &mut Model, prompt: &Prompt) -> Option<Effect> {
    let (kind, text) = kind(prompt);
    let text = text.trim();
    let memory = &mut model.find.memory;
    memory.browsing = None;
    memory.completing = None;
    if text.is_empty()
        || memory
            .lines
            .last()
            .is_some_and(|(k, l)| *k == kind && l == text)
    {
        return None;
    }
    memory.lines.push((kind, text.to_string()));
    let of_kind = memory.lines.iter().filter(|(k, _)| *k == kind).count();
    if of_kind > HISTORY {
        if let Some(oldest) = memory.lines.iter().position(|(k, _)| *k == kind) {
            memory.lines.remove(oldest);
        }
    }
    memory.file.clone().map(|path| Effect::SaveHistory {
        path,
        text: super::history::render(&memory.lines),
    })
}

/// ↑ (`older` true) or ↓ in the prompt's history.
pub fn browse(model: &mut Model, older: bool) {
    let Some(prompt) = model.prompt.open.as_mut() else {
        return;
    };
    let (kind, current) = kind(prompt);
    let current = current.clone();
    let memory = &mut model.find.memory;
    memory.completing = None;
    let lines: Vec<&String> = memory
        .lines
        .iter()
        .filter(|(k, _)| *k == kind)
        .map(|(_, l)| l)
        .collect();
    let next = match (&memory.browsing, older) {
        (None, true) => lines.len().checked_sub(1).map(|i| (i, current)),
        (None, false) => None,
        (Some((i, typed)), true) => Some((i.saturating_sub(1), typed.clone())),
        (Some((i, typed)), false) if i + 1 < lines.len() => Some((i + 1, typed.clone())),
        (Some((_, typed)), false) => {
            // Past the newest: back to what was being typed.
            *text_mut(prompt) = typed.clone();
            memory.browsing = None;
            return;
        }
    };
    if let Some((i, typed)) = next {
        *text_mut(prompt) = lines[i].clone();
        memory.browsing = Some((i, typed));
    }
}

/// Any other key ends browsing and completing.
pub fn typed(model: &mut Model) {
    model.find.memory.browsing = None;
    model.find.memory.completing = None;
}

/// Tab on the command line: the next name that completes the word being typed.
pub fn complete(model: &mut Model) {
    let names = view_names(model);
    let team = model.team.is_some();
    let Some(Prompt::Command(text)) = model.prompt.open.as_mut() else {
        return;
    };
    let memory = &mut model.find.memory;
    let (typed, candidates, shown) = match memory.completing.take() {
        // Tab again: the next candidate, round.
        Some((typed, candidates, shown)) => {
            let next = (shown + 1) % candidates.len();
            (typed, candidates, next)
        }
        None => {
            let typed = text.clone();
            let candidates = candidates_for(&typed, &names, team);
            if candidates.is_empty() {
                return;
            }
            (typed, candidates, 0)
        }
    };
    *text = candidates[shown].clone();
    memory.completing = Some((typed, candidates, shown));
}

/// Whole lines that complete `typed`: a command's name, or a view after `view `. Team
/// mode's commands only with `team`.
fn candidates_for(typed: &str, view_names: &[String], team: bool) -> Vec<String> {
    match typed.split_once(' ') {
        Some((word @ ("view" | "v"), rest)) => {
            let rest = rest.trim_start().to_lowercase();
            let mut found: Vec<String> = view_names
                .iter()
                .filter(|n| n.to_lowercase().starts_with(&rest))
                .map(|n| format!("{word} {n}"))
                .collect();
            found.dedup();
            found
        }
        Some(_) => Vec::new(),
        None => {
            let mut names: Vec<String> = ["view", "search", "lang", "retry-notifications", "quit"]
                .iter()
                .map(|s| s.to_string())
                .chain(
                    Layer::Inbox
                        .bindings()
                        .iter()
                        .filter(|b| !matches!(b.action, Action::Canned(_)))
                        .filter(|b| team || b.group != crate::tui::keymap::TEAM_GROUP)
                        .map(|b| b.action.name().to_string()),
                )
                .chain(
                    ["away", "back"]
                        .into_iter()
                        .filter(|_| team)
                        .map(str::to_string),
                )
                .filter(|n| n.starts_with(typed))
                .collect();
            names.sort();
            names.dedup();
            names
        }
    }
}

/// Every name `:view` knows: the built-in views, the sidebar's, the saved ones.
fn view_names(model: &Model) -> Vec<String> {
    let mut names: Vec<String> = crate::store::View::FIXED
        .iter()
        .chain(model.sidebar.views.iter().map(|(v, _)| v))
        .map(super::view_name)
        .collect();
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    names
}

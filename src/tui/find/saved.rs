//! Saved views (`[[view]] name, key, query` in the config): a limit pattern with a name,
//! in the sidebar beside the built-in views, with a count kept fresh off the UI thread.
//!
//! Counts are asked of the query worker at most every [`REFRESH_SECS`] after a change;
//! while an answer is due the old counts show, marked stale.

use std::collections::HashMap;

use super::super::keymap::{Key, Keymap, Layer};
use super::super::model::{Effect, Model};
use super::super::query::Request;
use crate::domain::UnixTime;
use crate::store::pattern::Pattern;
use crate::store::read::ListQuery;
use crate::store::View;

/// At most one count refresh per this many seconds.
pub const REFRESH_SECS: i64 = 2;

/// One `[[view]]` of the config.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedViewConfig {
    pub name: String,
    /// A key of the inbox that opens the view ("alt-1", "F").
    #[serde(default)]
    pub key: Option<String>,
    /// A limit pattern (`~t bug ~s neg !~r`).
    pub query: String,
    /// "newest" (default), "oldest" or "sla-due" first, until the CM turns it with `s`.
    #[serde(default)]
    pub sort: Option<String>,
}

/// A saved view, parsed.
#[derive(Debug, Clone)]
pub struct SavedView {
    pub name: String,
    pub key: Option<Key>,
    pub pattern: Pattern,
    pub sort: Option<crate::store::read::Sort>,
}

/// The saved views and their counts.
#[derive(Debug, Clone, Default)]
pub struct Saved {
    pub views: Vec<SavedView>,
    pub counts: HashMap<String, crate::store::read::Count>,
    /// A count request is on its way: the counts shown are stale.
    pub counting: bool,
    /// Something changed since the last count.
    dirty: bool,
    asked_at: UnixTime,
}

/// Checks every `[[view]]`: a name, a pattern that parses, a key free in the inbox (with
/// the keymap in use; without one, only that the key is a key).
pub fn validate(
    configs: &[SavedViewConfig],
    keymap: Option<&Keymap>,
) -> Result<Vec<SavedView>, String> {
    let mut views: Vec<SavedView> = Vec::new();
    for config in configs {
        let name = config.name.trim();
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err("[[view]] needs a name".into());
        }
        if views.iter().any(|v| v.name.eq_ignore_ascii_case(name)) || View::parse(name).is_some() {
            return Err(format!("[[view]] `{name}`: the name is taken"));
        }
        let pattern = crate::store::pattern::parse(&config.query)
            .map_err(|e| format!("[[view]] `{name}` query: {}", e.pointed(&config.query)))?
            .ok_or_else(|| format!("[[view]] `{name}` has an empty query"))?;
        let key = match &config.key {
            None => None,
            Some(text) => {
                let key = Key::parse(text)
                    .ok_or_else(|| format!("[[view]] `{name}`: `{text}` is not a key"))?;
                let event = crossterm::event::KeyEvent::new(key.code, key.mods);
                if let Some(action) = keymap.and_then(|k| k.action(Layer::Inbox, &event)) {
                    return Err(format!(
                        "[[view]] `{name}`: key `{text}` is already {action} in the inbox"
                    ));
                }
                if views.iter().any(|v| v.key == Some(key)) {
                    return Err(format!(
                        "[[view]] `{name}`: key `{text}` opens another view"
                    ));
                }
                Some(key)
            }
        };
        let sort = match &config.sort {
            None => None,
            Some(text) => Some(crate::store::read::Sort::parse(text).ok_or_else(|| {
                format!("[[view]] `{name}`: sort is \"newest\", \"oldest\" or \"sla-due\", not `{text}`")
            })?),
        };
        views.push(SavedView {
            name: name.to_string(),
            key,
            pattern,
            sort,
        });
    }
    Ok(views)
}

/// The saved view called `name`.
fn find<'a>(model: &'a Model, name: &str) -> Option<&'a SavedView> {
    model.find.saved.views.iter().find(|v| v.name == name)
}

/// The pattern a view brings of its own (a saved view's query).
pub fn base(model: &Model, view: &View) -> Option<Pattern> {
    match view {
        View::Saved(name) => find(model, name).map(|v| v.pattern.clone()),
        _ => None,
    }
}

/// What the list shows for `view`.
pub fn query_for(model: &Model, view: &View) -> ListQuery {
    ListQuery {
        limit: base(model, view),
        sort: super::sort_of(model, view),
        ..ListQuery::view(view.clone())
    }
}

/// The sidebar's views with the saved ones right after the built-in ones.
pub fn into_sidebar(model: &Model, views: &mut Vec<(View, Option<u64>)>) {
    views.retain(|(v, _)| !matches!(v, View::Saved(_)));
    let at = views
        .iter()
        .position(|(v, _)| !View::FIXED.contains(v))
        .unwrap_or(views.len());
    let saved = model.find.saved.views.iter().map(|v| {
        (
            View::Saved(v.name.clone()),
            model.find.saved.counts.get(&v.name).map(|c| c.n),
        )
    });
    views.splice(at..at, saved);
}

/// The view a key opens, if any.
pub fn by_key(model: &Model, event: &crossterm::event::KeyEvent) -> Option<View> {
    let key = Key::from_event(event);
    model
        .find
        .saved
        .views
        .iter()
        .find(|v| v.key == Some(key))
        .map(|v| View::Saved(v.name.clone()))
}

/// The store changed: counts are due (asked on a tick, at most every [`REFRESH_SECS`]).
pub fn changed(model: &mut Model) {
    model.find.saved.dirty = true;
}

/// On a tick (and at start): asks for fresh counts when due.
pub fn maybe_count(model: &mut Model, effects: &mut Vec<Effect>) {
    let saved = &mut model.find.saved;
    if saved.views.is_empty()
        || !saved.dirty
        || saved.counting
        || model.now < saved.asked_at + REFRESH_SECS
    {
        return;
    }
    saved.dirty = false;
    saved.counting = true;
    saved.asked_at = model.now;
    effects.push(Effect::Query(Request::SavedCounts(
        saved
            .views
            .iter()
            .map(|v| (v.name.clone(), v.pattern.clone()))
            .collect(),
    )));
}

/// The worker's counts.
pub fn on_counts(model: &mut Model, counts: Vec<(String, crate::store::read::Count)>) {
    model.find.saved.counting = false;
    for (name, n) in counts {
        if let Some(entry) = model
            .sidebar
            .views
            .iter_mut()
            .find(|(v, _)| matches!(v, View::Saved(s) if *s == name))
        {
            entry.1 = Some(n.n);
        }
        model.find.saved.counts.insert(name, n);
    }
}

/// Starts the saved views: their sidebar rows and a first count.
pub fn start(model: &mut Model, effects: &mut Vec<Effect>) {
    let mut views = std::mem::take(&mut model.sidebar.views);
    into_sidebar(model, &mut views);
    model.sidebar.views = views;
    for view in &model.find.saved.views {
        if let Some(sort) = view.sort {
            // The CM's own choice, kept from an earlier run, wins.
            model.find.sorts.entry(view.name.clone()).or_insert(sort);
        }
    }
    model.find.saved.dirty = true;
    model.find.saved.asked_at = UnixTime::MIN / 2;
    maybe_count(model, effects);
}

//! Find and act: the limit (`l`), marks by pattern (`T`), mark all (`*`), invert (`~`),
//! unmark all (`U`), and the confirmation before a verb touches many marked items.
//!
//! Patterns are parsed by [`crate::store::pattern`]; the ids a mark command needs are read on
//! the query worker ([`Request::Ids`]), so marking a big view never blocks a key.

use crossterm::event::KeyEvent;

use super::keymap::{Action, Layer};
use super::model::{Effect, Model, Prompt};
use super::query::{IdsFor, Request};
use crate::domain::ItemId;
use crate::store::pattern::Pattern;
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
            | Action::Assign
            | Action::ApproveHeld
            | Action::RejectHeld
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
            model.prompt.open = Some(Prompt::Limit(text));
        }
        Action::MarkPattern => model.prompt.open = Some(Prompt::MarkPattern(String::new())),
        Action::MarkAll => ask_ids(model, IdsFor::Mark, None, effects),
        Action::InvertMarks => ask_ids(model, IdsFor::Invert, None, effects),
        Action::Sort => {
            let sort = match model.list.query.sort {
                Sort::Newest => Sort::Oldest,
                Sort::Oldest => Sort::SlaDue,
                Sort::SlaDue => Sort::Newest,
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
            model.status.message = Some(sort.label().to_string());
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
        View::Snoozed => "snoozed".into(),
        View::Posts => "posts".into(),
        View::Author { person, .. } => format!("author:{person}"),
        View::Mine => "mine".into(),
        View::Unassigned => "unassigned".into(),
        View::Approvals => "approvals".into(),
    }
}

/// Parses `text`, or says where it is wrong.
fn parsed(model: &mut Model, text: &str) -> Result<Option<Pattern>, ()> {
    model.find.draft = text.to_string();
    crate::store::pattern::parse(text).map_err(|e| {
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

pub mod history;
pub mod prompt;
pub mod saved;

#[cfg(test)]
mod tests {
    //! The find keys on the pure update: limit, marks by pattern, confirmation.

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    use super::*;
    use crate::domain::{ItemKind, ItemState, SentimentLabel};
    use crate::store::read::ItemRow;
    use crate::tui::inbox::list::ListRequest;
    use crate::tui::model::{update, Msg};
    use crate::tui::moderation::Popup;
    use crate::tui::query::Response;

    fn row(n: i64) -> ItemRow {
        ItemRow {
            id: 100 - n,
            created_at: 10_000 - n,
            platform: "chirp".into(),
            kind: ItemKind::Mention,
            state: ItemState::Open,
            author: format!("@user{n}"),
            snippet: format!("item {n}"),
            sentiment: Some(SentimentLabel::Neutral),
            sentiment_manual: false,
            needs_reply: true,
            flag: None,
            marks: Default::default(),
            facts: crate::platform::ItemFacts::of(ItemKind::Mention),
            lang: None,
        }
    }

    fn model_with(n: i64) -> Model {
        crate::tui::test_support::started_with((0..n).map(row).collect())
    }

    fn key(model: &mut Model, code: KeyCode) -> Vec<Effect> {
        update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn typed(model: &mut Model, text: &str) -> Vec<Effect> {
        let mut effects = Vec::new();
        for c in text.chars() {
            effects = key(model, KeyCode::Char(c));
        }
        effects
    }

    /// The list load the effects end with.
    fn list_query(effects: &[Effect]) -> Option<ListQuery> {
        effects.iter().rev().find_map(|e| match e {
            Effect::Query(Request::List(ListRequest::Window { query, .. })) => Some(query.clone()),
            _ => None,
        })
    }

    fn ids_request(effects: &[Effect]) -> Option<(ListQuery, IdsFor)> {
        effects.iter().find_map(|e| match e {
            Effect::Query(Request::Ids { query, purpose }) => Some((query.clone(), *purpose)),
            _ => None,
        })
    }

    fn title(model: &Model) -> String {
        let mut terminal = Terminal::new(TestBackend::new(100, 20)).unwrap();
        terminal
            .draw(|f| crate::tui::inbox::view::render(f, f.area(), model))
            .unwrap();
        let buffer = terminal.backend().buffer();
        (0..buffer.area.width)
            .map(|x| buffer[(x, 0)].symbol().to_string())
            .collect()
    }

    #[test]
    fn a_count_cut_short_shows_at_least_and_the_exact_count_follows() {
        let mut model = model_with(5);
        key(&mut model, KeyCode::Char('l'));
        typed(&mut model, "~t bug");
        let effects = key(&mut model, KeyCode::Enter);
        let generation = effects
            .iter()
            .find_map(|e| match e {
                Effect::Query(Request::List(ListRequest::Window { generation, .. })) => {
                    Some(*generation)
                }
                _ => None,
            })
            .unwrap();
        let effects = update(
            &mut model,
            Msg::Loaded(Response::Window {
                generation,
                result: crate::tui::inbox::list::WindowResult {
                    rows: (0..5).map(row).collect(),
                    offset: 0,
                    total: 1_234,
                    focus: 0,
                    counting: true,
                },
            }),
        );
        assert!(
            title(&model).contains("· 1/1,234+ counting… "),
            "{}",
            title(&model)
        );
        let count = effects.iter().find_map(|e| match e {
            Effect::Query(Request::List(ListRequest::Count { generation, query })) => {
                Some((*generation, query.clone()))
            }
            _ => None,
        });
        let (asked, query) = count.expect("the exact count is asked for");
        assert_eq!(asked, generation);
        assert_eq!(query.limit, crate::store::pattern::parse("~t bug").unwrap());
        // A count for a list since replaced is dropped; the list's own is shown.
        update(
            &mut model,
            Msg::Loaded(Response::Counted {
                generation: generation + 1_000,
                total: 9,
            }),
        );
        assert!(title(&model).contains("counting…"), "{}", title(&model));
        update(
            &mut model,
            Msg::Loaded(Response::Counted {
                generation,
                total: 4_321,
            }),
        );
        assert!(title(&model).contains("· 1/4,321 "), "{}", title(&model));
    }

    #[test]
    fn l_limits_the_list_to_a_pattern_and_esc_lifts_it() {
        let mut model = model_with(5);
        key(&mut model, KeyCode::Char('l'));
        assert_eq!(model.prompt.open, Some(Prompt::Limit(String::new())));
        typed(&mut model, "~t bug ~s neg");
        let effects = key(&mut model, KeyCode::Enter);
        let query = list_query(&effects).expect("the list reloads");
        assert_eq!(
            query.limit,
            crate::store::pattern::parse("~t bug ~s neg").unwrap(),
            "{query:?}"
        );
        assert_eq!(query.view, crate::store::View::Inbox);
        assert!(
            title(&model).contains("l ~t bug ~s neg"),
            "{}",
            title(&model)
        );

        // A search narrows the limited list further, keeping the limit.
        key(&mut model, KeyCode::Char('/'));
        typed(&mut model, "refund");
        let effects = key(&mut model, KeyCode::Enter);
        let query = list_query(&effects).unwrap();
        assert!(query.limit.is_some() && query.search.is_some(), "{query:?}");

        // `l` again offers the limit to edit.
        key(&mut model, KeyCode::Char('l'));
        assert_eq!(
            model.prompt.open,
            Some(Prompt::Limit("~t bug ~s neg".into()))
        );
        key(&mut model, KeyCode::Esc);

        // esc clears the search first, then the limit.
        key(&mut model, KeyCode::Esc);
        assert!(model.prompt.search.is_none() && model.find.limit.is_some());
        let effects = key(&mut model, KeyCode::Esc);
        assert_eq!(list_query(&effects).unwrap().limit, None);
        assert_eq!(model.find.limit, None);
    }

    #[test]
    fn a_bad_limit_says_where_and_keeps_the_list() {
        let mut model = model_with(5);
        key(&mut model, KeyCode::Char('l'));
        typed(&mut model, "~t bug ~q x");
        let effects = key(&mut model, KeyCode::Enter);
        assert_eq!(list_query(&effects), None);
        let message = model.status.message.clone().unwrap();
        assert!(
            message.contains("unknown field `~q`") && message.contains("column 8"),
            "{message}"
        );
        // The next `l` offers the text to fix.
        key(&mut model, KeyCode::Char('l'));
        assert_eq!(model.prompt.open, Some(Prompt::Limit("~t bug ~q x".into())));
    }

    #[test]
    fn star_marks_the_whole_list_and_t_marks_by_pattern_within_it() {
        let mut model = model_with(5);
        key(&mut model, KeyCode::Char('l'));
        typed(&mut model, "~p chirp");
        key(&mut model, KeyCode::Enter);

        let effects = key(&mut model, KeyCode::Char('*'));
        let (query, purpose) = ids_request(&effects).expect("asks the worker for ids");
        assert_eq!(purpose, IdsFor::Mark);
        assert_eq!(
            query.limit,
            crate::store::pattern::parse("~p chirp").unwrap()
        );
        update(
            &mut model,
            Msg::Loaded(Response::Ids {
                purpose,
                ids: vec![1, 2, 3],
                capped: false,
            }),
        );
        assert_eq!(model.marks.len(), 3);
        assert!(title(&model).contains("3 marked"), "{}", title(&model));

        // `T` narrows the list as shown by its pattern.
        let effects = {
            key(&mut model, KeyCode::Char('T'));
            typed(&mut model, "~s neg");
            key(&mut model, KeyCode::Enter)
        };
        let (query, _) = ids_request(&effects).unwrap();
        let expected = crate::store::pattern::Pattern::And(vec![
            crate::store::pattern::parse("~p chirp").unwrap().unwrap(),
            crate::store::pattern::parse("~s neg").unwrap().unwrap(),
        ]);
        assert_eq!(query.limit, Some(expected));
        update(
            &mut model,
            Msg::Loaded(Response::Ids {
                purpose: IdsFor::Mark,
                ids: vec![3, 4],
                capped: false,
            }),
        );
        assert_eq!(model.marks.len(), 4);

        // `~` inverts against the list; `U` unmarks all.
        key(&mut model, KeyCode::Char('~'));
        update(
            &mut model,
            Msg::Loaded(Response::Ids {
                purpose: IdsFor::Invert,
                ids: vec![1, 2, 3, 4, 5],
                capped: false,
            }),
        );
        assert_eq!(model.marks.iter().copied().collect::<Vec<_>>(), [5]);
        key(&mut model, KeyCode::Char('U'));
        assert!(model.marks.is_empty());
    }

    fn mark(model: &mut Model, n: i64) {
        update(
            model,
            Msg::Loaded(Response::Ids {
                purpose: IdsFor::Mark,
                ids: (1..=n).collect(),
                capped: false,
            }),
        );
    }

    #[test]
    fn a_verb_on_more_marks_than_the_threshold_asks_first() {
        let mut model = model_with(5);
        mark(&mut model, 21);
        let effects = key(&mut model, KeyCode::Char('d'));
        assert!(!effects.iter().any(|e| matches!(e, Effect::Write(_))));
        assert!(
            model
                .status
                .message
                .as_deref()
                .unwrap()
                .contains("21 marked"),
            "{:?}",
            model.status.message
        );
        assert_eq!(model.layer(), Layer::Confirm);
        // Any other key cancels, keeping the marks.
        key(&mut model, KeyCode::Char('n'));
        assert_eq!(model.marks.len(), 21);
        assert_eq!(model.find.confirm, None);

        key(&mut model, KeyCode::Char('d'));
        let effects = key(&mut model, KeyCode::Char('y'));
        match &effects[..] {
            [Effect::Write(crate::command::Command::SetState { ids, to, .. })] => {
                assert_eq!((ids.len(), *to), (21, ItemState::Done));
            }
            other => panic!("{other:?}"),
        }

        // `t` confirms before the tag popup opens.
        mark(&mut model, 30);
        key(&mut model, KeyCode::Char('t'));
        assert!(model.moderation.popup.is_none());
        key(&mut model, KeyCode::Char('y'));
        assert!(
            matches!(&model.moderation.popup, Some(Popup::Input { ids, .. }) if ids.len() == 30),
            "{:?}",
            model.moderation.popup
        );
    }

    #[test]
    fn up_to_the_threshold_no_question_and_it_is_configurable() {
        let mut model = model_with(5);
        mark(&mut model, 20);
        let effects = key(&mut model, KeyCode::Char('d'));
        assert!(matches!(&effects[..], [Effect::Write(_)]), "{effects:?}");

        model.find.config.confirm_above = 2;
        mark(&mut model, 3);
        let effects = key(&mut model, KeyCode::Char('d'));
        assert!(effects.is_empty(), "{effects:?}");
    }

    #[test]
    fn view_takes_a_pattern_or_the_start_of_a_name() {
        let mut model = model_with(5);
        key(&mut model, KeyCode::Char(':'));
        typed(&mut model, "view needs");
        let effects = key(&mut model, KeyCode::Enter);
        assert_eq!(
            list_query(&effects).unwrap().view,
            crate::store::View::NeedsReply
        );

        key(&mut model, KeyCode::Char(':'));
        typed(&mut model, "view ~t bug !~r");
        let effects = key(&mut model, KeyCode::Enter);
        let query = list_query(&effects).unwrap();
        assert_eq!(query.view, crate::store::View::All);
        assert_eq!(
            query.limit,
            crate::store::pattern::parse("~t bug !~r").unwrap()
        );
        assert_eq!(model.find.limit.as_deref(), Some("~t bug !~r"));

        // A bad pattern is named, not taken for a view.
        key(&mut model, KeyCode::Char(':'));
        typed(&mut model, "view ~s angry");
        key(&mut model, KeyCode::Enter);
        let message = model.status.message.clone().unwrap();
        assert!(message.contains("pos|neu|neg|unscored"), "{message}");
        // An ambiguous or unknown name says what exists.
        key(&mut model, KeyCode::Char(':'));
        typed(&mut model, "view xyz");
        key(&mut model, KeyCode::Enter);
        assert!(model
            .status
            .message
            .clone()
            .unwrap()
            .contains("no view `xyz`"));
    }

    /// The bottom line as drawn.
    fn prompt_line(model: &Model) -> String {
        let mut terminal = Terminal::new(TestBackend::new(80, 1)).unwrap();
        terminal
            .draw(|f| crate::tui::status::view::render_prompt(f, f.area(), model))
            .unwrap();
        let buffer = terminal.backend().buffer();
        let line: String = (0..buffer.area.width)
            .map(|x| buffer[(x, 0)].symbol().to_string())
            .collect();
        line.split('█').next().unwrap_or_default().to_string()
    }

    #[test]
    fn tab_completes_view_names_and_commands_round_robin() {
        let mut model = model_with(3);
        model
            .sidebar
            .views
            .push((crate::store::View::Platform("chirp".into()), Some(3)));
        key(&mut model, KeyCode::Char(':'));
        typed(&mut model, "view ne");
        key(&mut model, KeyCode::Tab);
        assert_eq!(prompt_line(&model), ":view needs-reply");
        key(&mut model, KeyCode::Enter);
        assert_eq!(model.current_view(), &crate::store::View::NeedsReply);

        // Several candidates: each Tab shows the next, round.
        key(&mut model, KeyCode::Char(':'));
        typed(&mut model, "view ");
        let mut seen = Vec::new();
        for _ in 0..9 {
            key(&mut model, KeyCode::Tab);
            seen.push(prompt_line(&model));
        }
        assert_eq!(
            seen,
            [
                ":view inbox",
                ":view needs-reply",
                ":view escalated",
                ":view snoozed",
                ":view done",
                ":view all",
                ":view posts",
                ":view platform:chirp",
                ":view inbox"
            ]
        );
        // Typing starts over from what is typed.
        key(&mut model, KeyCode::Backspace);
        typed(&mut model, "x");
        assert_eq!(prompt_line(&model), ":view inbox");
        key(&mut model, KeyCode::Esc);

        key(&mut model, KeyCode::Char(':'));
        typed(&mut model, "mark-d");
        key(&mut model, KeyCode::Tab);
        assert_eq!(prompt_line(&model), ":mark-done");
    }

    #[test]
    fn up_and_down_walk_each_prompts_own_history() {
        let mut model = model_with(3);
        for line in ["view done", "view all"] {
            key(&mut model, KeyCode::Char(':'));
            typed(&mut model, line);
            key(&mut model, KeyCode::Enter);
        }
        key(&mut model, KeyCode::Char('l'));
        key(&mut model, KeyCode::Char('~'));
        key(&mut model, KeyCode::Char('x'));
        key(&mut model, KeyCode::Enter);

        key(&mut model, KeyCode::Char(':'));
        typed(&mut model, "vi");
        key(&mut model, KeyCode::Up);
        assert_eq!(prompt_line(&model), ":view all");
        key(&mut model, KeyCode::Up);
        assert_eq!(prompt_line(&model), ":view done");
        key(&mut model, KeyCode::Up);
        assert_eq!(prompt_line(&model), ":view done", "stops at the oldest");
        key(&mut model, KeyCode::Down);
        assert_eq!(prompt_line(&model), ":view all");
        key(&mut model, KeyCode::Down);
        assert_eq!(prompt_line(&model), ":vi", "back to what was typed");
        key(&mut model, KeyCode::Esc);

        // The limit prompt has its own.
        key(&mut model, KeyCode::Char('l'));
        update(
            &mut model,
            Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
        );
        assert_eq!(prompt_line(&model), "limit: ");
        key(&mut model, KeyCode::Up);
        assert_eq!(prompt_line(&model), "limit: ~x");
    }

    #[test]
    fn the_command_line_and_search_history_outlive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let file = history::path(dir.path());
        let session = || {
            let mut model = model_with(3);
            model.find.memory = prompt::PromptMemory::kept_in(file.clone());
            model
        };
        // Run the effects as the runtime does: the saves write the file.
        let run = |effects: Vec<Effect>| {
            for effect in effects {
                if let Effect::SaveHistory { path, text } = effect {
                    history::save(&path, &text).unwrap();
                }
            }
        };
        let mut model = session();
        for (prompt, line) in [
            (':', "view done"),
            ('/', "refund | return"),
            (':', "view all"),
        ] {
            key(&mut model, KeyCode::Char(prompt));
            typed(&mut model, line);
            run(key(&mut model, KeyCode::Enter));
            key(&mut model, KeyCode::Esc);
        }
        drop(model);

        // The next start: ↑ brings back the last session's lines, each prompt its own.
        let mut model = session();
        key(&mut model, KeyCode::Char(':'));
        key(&mut model, KeyCode::Up);
        assert_eq!(prompt_line(&model), ":view all");
        key(&mut model, KeyCode::Up);
        assert_eq!(prompt_line(&model), ":view done");
        key(&mut model, KeyCode::Esc);
        key(&mut model, KeyCode::Char('/'));
        key(&mut model, KeyCode::Up);
        assert_eq!(prompt_line(&model), "/refund | return");
        key(&mut model, KeyCode::Esc);

        // Bounded: the newest hundred of a kind are kept, in the file too.
        for n in 0..120 {
            key(&mut model, KeyCode::Char('/'));
            typed(&mut model, &format!("word{n}"));
            run(key(&mut model, KeyCode::Enter));
            key(&mut model, KeyCode::Esc);
        }
        let kept = history::load(&file);
        let searches: Vec<&String> = kept
            .iter()
            .filter(|(k, _)| *k == '/')
            .map(|(_, l)| l)
            .collect();
        assert_eq!(searches.len(), 100);
        assert_eq!(searches[0], "word20");
        assert_eq!(kept.iter().filter(|(k, _)| *k == ':').count(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the history is the CM's own");
        }
    }

    fn saved_model() -> (Model, Vec<Effect>) {
        let mut model = Model::new(
            crate::tui::keymap::Keymap::defaults(),
            "Brand".into(),
            10_000,
        );
        let configs: Vec<saved::SavedViewConfig> = toml::from_str::<toml::Table>(
            r#"
            [[view]]
            name = "Angry bugs"
            key = "alt-1"
            query = "~t bug ~s neg"
            [[view]]
            name = "VIP"
            query = "~a vip"
            sort = "oldest"
            "#,
        )
        .unwrap()["view"]
            .clone()
            .try_into()
            .unwrap();
        model.find.saved.views = saved::validate(&configs, Some(&model.keymap)).unwrap();
        let effects = model.start();
        update(&mut model, Msg::Resize { list_rows: 10 });
        (model, effects)
    }

    fn sidebar(model: &Model) -> Vec<String> {
        let mut terminal = Terminal::new(TestBackend::new(22, 12)).unwrap();
        terminal
            .draw(|f| crate::tui::sidebar::view::render(f, f.area(), model))
            .unwrap();
        let buffer = terminal.backend().buffer();
        (1..buffer.area.height - 1)
            .map(|y| {
                (1..buffer.area.width - 1)
                    .map(|x| buffer[(x, y)].symbol().to_string())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .filter(|l| !l.is_empty())
            .collect()
    }

    fn exactly(n: u64) -> crate::store::read::Count {
        crate::store::read::Count { n, complete: true }
    }

    fn saved_counts(effects: &[Effect]) -> Option<Vec<String>> {
        effects.iter().find_map(|e| match e {
            Effect::Query(Request::SavedCounts(views)) => {
                Some(views.iter().map(|(n, _)| n.clone()).collect())
            }
            _ => None,
        })
    }

    #[test]
    fn saved_views_sit_beside_the_built_in_ones_with_counts_off_the_ui_thread() {
        let (mut model, effects) = saved_model();
        assert_eq!(
            saved_counts(&effects),
            Some(vec!["Angry bugs".to_string(), "VIP".to_string()])
        );
        update(
            &mut model,
            Msg::Loaded(Response::Sidebar {
                views: crate::store::View::FIXED
                    .iter()
                    .map(|v| (v.clone(), 5))
                    .chain([(crate::store::View::Platform("chirp".into()), 5)])
                    .collect(),
                aside: (0, 0),
            }),
        );
        update(
            &mut model,
            Msg::Loaded(Response::SavedCounts(vec![
                ("Angry bugs".into(), exactly(7)),
                ("VIP".into(), exactly(12_345)),
            ])),
        );
        assert_eq!(
            sidebar(&model),
            [
                "Inbox              5",
                "Needs reply        5",
                "Escalated          5",
                "Snoozed            5",
                "Done               5",
                "All                5",
                "Our posts          5",
                "Angry bugs         7",
                "VIP          10,000+",
                "chirp              5",
            ]
        );

        // A change asks again, but not within two seconds of the last ask.
        update(
            &mut model,
            Msg::Changed(crate::store::Changes::of(&[crate::store::Change::Items])),
        );
        let effects = update(&mut model, Msg::Tick(10_001));
        assert_eq!(saved_counts(&effects), None);
        let effects = update(&mut model, Msg::Tick(10_002));
        assert!(saved_counts(&effects).is_some());
        // While the answer is due the old counts show, marked stale; no second ask.
        assert!(
            sidebar(&model).contains(&"Angry bugs        ~7".to_string()),
            "{:?}",
            sidebar(&model)
        );
        update(
            &mut model,
            Msg::Changed(crate::store::Changes::of(&[crate::store::Change::Items])),
        );
        assert_eq!(saved_counts(&update(&mut model, Msg::Tick(10_005))), None);
        update(
            &mut model,
            Msg::Loaded(Response::SavedCounts(vec![(
                "Angry bugs".into(),
                exactly(8),
            )])),
        );
        assert!(sidebar(&model).contains(&"Angry bugs         8".to_string()));
        // Nothing changed since: no ask.
        // A change came while counting: asked again, then quiet.
        assert!(saved_counts(&update(&mut model, Msg::Tick(10_009))).is_some());
        update(&mut model, Msg::Loaded(Response::SavedCounts(vec![])));
        assert_eq!(saved_counts(&update(&mut model, Msg::Tick(10_015))), None);
    }

    #[test]
    fn a_saved_view_count_cut_by_its_budget_shows_at_least() {
        let (mut model, _) = saved_model();
        update(
            &mut model,
            Msg::Loaded(Response::SavedCounts(vec![
                (
                    "Angry bugs".into(),
                    crate::store::read::Count {
                        n: 4_321,
                        complete: false,
                    },
                ),
                ("VIP".into(), exactly(12)),
            ])),
        );
        let lines = sidebar(&model);
        assert!(
            lines.contains(&"Angry bugs    4,321+".to_string()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"VIP               12".to_string()),
            "{lines:?}"
        );
    }

    #[test]
    fn a_saved_view_opens_by_key_name_or_sidebar_and_a_limit_narrows_it() {
        let (mut model, _) = saved_model();
        let effects = update(
            &mut model,
            Msg::Key(KeyEvent::new(KeyCode::Char('1'), KeyModifiers::ALT)),
        );
        let query = list_query(&effects)
            .unwrap_or_else(|| panic!("{effects:?} {:?}", model.status.message));
        assert_eq!(query.view, crate::store::View::Saved("Angry bugs".into()));
        assert_eq!(
            query.limit,
            crate::store::pattern::parse("~t bug ~s neg").unwrap()
        );

        // `l` narrows the saved view; esc goes back to the view's own query.
        key(&mut model, KeyCode::Char('l'));
        typed(&mut model, "~p chirp");
        let query = list_query(&key(&mut model, KeyCode::Enter)).unwrap();
        assert_eq!(
            query.limit,
            Some(crate::store::pattern::Pattern::And(vec![
                crate::store::pattern::parse("~t bug ~s neg")
                    .unwrap()
                    .unwrap(),
                crate::store::pattern::parse("~p chirp").unwrap().unwrap(),
            ]))
        );
        let query = list_query(&key(&mut model, KeyCode::Esc)).unwrap();
        assert_eq!(
            query.limit,
            crate::store::pattern::parse("~t bug ~s neg").unwrap()
        );

        key(&mut model, KeyCode::Char(':'));
        typed(&mut model, "view vi");
        key(&mut model, KeyCode::Tab);
        let query = list_query(&key(&mut model, KeyCode::Enter)).unwrap();
        assert_eq!(query.view, crate::store::View::Saved("VIP".into()));
        assert_eq!(query.sort, Sort::Oldest, "the view's sort from the config");
    }

    #[test]
    fn a_bad_saved_view_is_a_config_error_naming_it() {
        let config = |text: &str| -> Vec<saved::SavedViewConfig> {
            toml::from_str::<toml::Table>(text).unwrap()["view"]
                .clone()
                .try_into()
                .unwrap()
        };
        let keymap = crate::tui::keymap::Keymap::defaults();
        let err = saved::validate(
            &config("[[view]]\nname = \"x\"\nquery = \"~s angry\""),
            Some(&keymap),
        )
        .unwrap_err();
        assert!(
            err.contains("`x` query") && err.contains("pos|neu|neg"),
            "{err}"
        );
        let err = saved::validate(
            &config("[[view]]\nname = \"x\"\nkey = \"d\"\nquery = \"~x\""),
            Some(&keymap),
        )
        .unwrap_err();
        assert!(err.contains("already mark-done"), "{err}");
        let err = saved::validate(&config("[[view]]\nname = \"Done\"\nquery = \"~x\""), None)
            .unwrap_err();
        assert!(err.contains("taken"), "{err}");
    }

    #[test]
    fn s_turns_the_list_oldest_first_and_each_view_keeps_its_order() {
        let mut model = model_with(3);
        let effects = key(&mut model, KeyCode::Char('s'));
        assert_eq!(list_query(&effects).unwrap().sort, Sort::Oldest);
        assert!(
            effects.contains(&Effect::Write(crate::command::Command::SetViewSort {
                view: "inbox".into(),
                sort: Sort::Oldest
            }))
        );
        assert!(title(&model).contains("oldest first"), "{}", title(&model));

        // Another view has its own order; coming back brings the Inbox's.
        let effects = key(&mut model, KeyCode::Char(']'));
        assert_eq!(list_query(&effects).unwrap().sort, Sort::Newest);
        let effects = key(&mut model, KeyCode::Char('['));
        assert_eq!(list_query(&effects).unwrap().sort, Sort::Oldest);

        // Kept across restarts: a new model started with the remembered orders.
        let mut model = Model::new(
            crate::tui::keymap::Keymap::defaults(),
            "Brand".into(),
            10_000,
        );
        model.find.sorts.insert("inbox".into(), Sort::Oldest);
        let effects = model.start();
        assert_eq!(list_query(&effects).unwrap().sort, Sort::Oldest);
    }

    #[test]
    fn s_turns_on_to_sla_due_first_and_back_to_newest_and_the_order_is_kept() {
        let mut model = model_with(3);
        key(&mut model, KeyCode::Char('s'));
        let effects = key(&mut model, KeyCode::Char('s'));
        assert_eq!(list_query(&effects).unwrap().sort, Sort::SlaDue);
        assert!(
            effects.contains(&Effect::Write(crate::command::Command::SetViewSort {
                view: "inbox".into(),
                sort: Sort::SlaDue
            }))
        );
        assert!(
            title(&model).contains("· SLA due first "),
            "{}",
            title(&model)
        );
        assert_eq!(model.status.message.as_deref(), Some("SLA due first"));
        // Kept as the store keeps it, and read back the same.
        assert_eq!(Sort::parse(Sort::SlaDue.as_str()), Some(Sort::SlaDue));
        let effects = key(&mut model, KeyCode::Char('s'));
        assert_eq!(list_query(&effects).unwrap().sort, Sort::Newest);
        assert!(!title(&model).contains("first"), "{}", title(&model));
    }
}

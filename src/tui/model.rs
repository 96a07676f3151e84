//! The UI's state, split by pane, and the pure `update` that turns messages into new
//! state and effects. No I/O happens here, so every key's behaviour is tested without a
//! terminal.

use std::collections::HashSet;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::inbox::list::{Anchor, ListRequest, ListWindow};
use super::keymap::{Action, Keymap, Layer};
use super::query::{Request, Response};
use crate::command::Command;
use crate::domain::{ItemId, ItemState, SentimentLabel, UnixTime};
use crate::poller::{PollStatus, StatusUpdate};
use crate::store::read::ListQuery;
use crate::store::state::Undone;
use crate::store::view::fts_query;
use crate::store::View;
use crate::store::{Change, Changes};

// Each feature keeps its state in its folder; the model holds one field per feature.
pub use super::item::Detail;
pub use super::sidebar::Sidebar;
pub use super::status::{Prompt, Status};

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Sidebar,
    List,
    Detail,
}

/// Everything the UI shows.
pub struct Model {
    pub keymap: Keymap,
    pub brand: String,
    /// No account is configured: the config file's path, for the empty inbox's "how to
    /// start" lines.
    pub first_run: Option<String>,
    /// `NO_COLOR` is set: frames are drawn without colours (every state also has a mark).
    pub no_color: bool,
    pub focus: Focus,
    pub sidebar: Sidebar,
    pub list: ListWindow,
    pub marks: HashSet<ItemId>,
    pub detail: Detail,
    pub status: Status,
    pub prompt: Option<Prompt>,
    /// The search the list is filtered by, as typed.
    pub search: Option<String>,
    pub show_help: bool,
    /// The help's scroll.
    pub help: super::help::HelpState,
    /// Moderation, tags, escalations and notes (see [`super::moderation`]).
    pub moderation: super::moderation::ModerationState,
    /// Where snooze times are read (see [`super::snooze`]).
    pub snooze: super::snooze::SnoozeState,
    /// The author view's person card (see [`super::people`]).
    pub people: super::people::PeopleState,
    pub now: UnixTime,
    /// Advances on every tick; drives the spinner.
    pub frame: u64,
    pub quit: bool,
    /// Canned replies, voice rules and platform limits.
    pub kit: super::composer::ReplyKit,
    pub composer: Option<super::composer::Composer>,
    pub picker: Option<super::composer::Picker>,
    pub outbox: Option<super::outbox::OutboxPane>,
    /// The draft and sends of the item in the detail pane.
    pub item_outbox: Option<(ItemId, crate::outbox::read::ItemOutbox)>,
}

/// Input to [`update`].
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    /// The list pane's height in rows changed.
    Resize {
        list_rows: usize,
    },
    Tick(UnixTime),
    /// The store changed: re-read what these changes touch.
    Changed(Changes),
    Loaded(Response),
    Poll(StatusUpdate),
    Wrote(WriteOutcome),
    Reply(super::composer::update::ReplyMsg),
    /// About fetching an opened item's conversation.
    Thread(crate::threads::ThreadNews),
}

/// The result of a write the UI asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    StateChanged {
        count: usize,
        to: ItemState,
    },
    SentimentSet {
        count: usize,
        label: Option<crate::domain::SentimentLabel>,
    },
    Undone(Option<Undone>),
    /// A moderation, tag, escalation or note write, with its message.
    Done(String),
    Failed(String),
}

/// Work for the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Query(Request),
    /// Every write goes to the store's writer as one command.
    Write(Command),
    /// Edit this text in `$EDITOR` (the event loop suspends the UI).
    Editor(String),
    /// Fetch the item's conversation from its platform (kept in the store).
    FetchThread(ItemId),
    Quit,
}

impl Model {
    pub fn new(keymap: Keymap, brand: String, now: UnixTime) -> Model {
        Model {
            keymap,
            brand,
            first_run: None,
            no_color: false,
            focus: Focus::List,
            sidebar: Sidebar {
                views: View::FIXED.iter().map(|v| (v.clone(), None)).collect(),
                selected: 0,
            },
            list: ListWindow::new(ListQuery::view(View::Inbox)),
            marks: HashSet::new(),
            detail: Detail::default(),
            status: Status::default(),
            prompt: None,
            search: None,
            show_help: false,
            help: Default::default(),
            moderation: Default::default(),
            snooze: Default::default(),
            people: Default::default(),
            now,
            frame: 0,
            quit: false,
            kit: Default::default(),
            composer: None,
            picker: None,
            outbox: None,
            item_outbox: None,
        }
    }

    /// Adds the canned replies, voice rules and platform limits.
    pub fn with_replies(mut self, kit: super::composer::ReplyKit) -> Model {
        self.kit = kit;
        self
    }

    /// The first effects: load the list and the sidebar.
    pub fn start(&mut self) -> Vec<Effect> {
        vec![
            Effect::Query(Request::List(self.list.load(Anchor::Top))),
            Effect::Query(Request::Sidebar),
            Effect::Query(Request::OpenEscalations),
            Effect::Query(Request::OutboxAttention),
        ]
    }

    pub fn current_view(&self) -> &View {
        &self.list.query.view
    }

    /// Items a verb applies to: the marked ones, or the one under the cursor.
    fn targets(&self) -> Vec<ItemId> {
        if self.marks.is_empty() {
            self.list.current_id().into_iter().collect()
        } else {
            let mut ids: Vec<ItemId> = self.marks.iter().copied().collect();
            ids.sort_unstable();
            ids
        }
    }

    /// Where the keyboard is: which layer of the keymap reads the next key.
    pub fn layer(&self) -> Layer {
        if self.show_help {
            Layer::Help
        } else {
            self.layer_under_help()
        }
    }

    /// The layer below the help (the one `?` lists first).
    pub fn layer_under_help(&self) -> Layer {
        use super::moderation::Popup;
        match (&self.moderation.popup, &self.prompt) {
            (Some(Popup::Actions { .. }), _) => Layer::Moderate,
            (Some(Popup::Confirm { .. }), _) => Layer::Confirm,
            (Some(Popup::Severity { .. }), _) => Layer::Escalate,
            (Some(Popup::Input { .. }), _) => Layer::Popup,
            (None, Some(_)) => Layer::Prompt,
            (None, None) if self.picker.is_some() => Layer::Picker,
            (None, None) if self.composer.is_some() => Layer::Composer,
            (None, None) if self.outbox.is_some() => Layer::Outbox,
            (None, None) => Layer::Inbox,
        }
    }

    /// True while any poller is fetching (the spinner turns).
    pub fn polling(&self) -> bool {
        self.status
            .accounts
            .values()
            .any(|s| matches!(s, PollStatus::Polling | PollStatus::Starting))
    }
}

/// Applies one message; returns the effects to run.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    let mut effects = Vec::new();
    match msg {
        Msg::Key(key) => on_key(model, key, &mut effects),
        Msg::Resize { list_rows } => model.list.set_height(list_rows),
        Msg::Tick(now) => {
            model.now = now;
            model.frame = model.frame.wrapping_add(1);
            super::composer::update::on_tick(model, &mut effects);
        }
        Msg::Changed(changes) => requery(model, changes, &mut effects),
        Msg::Reply(msg) => super::composer::update::on_reply_msg(model, msg, &mut effects),
        Msg::Thread(news) => model.detail.thread = Some(news),
        Msg::Loaded(response) => on_loaded(model, response, &mut effects),
        Msg::Poll(update) => {
            if let PollStatus::Error { message, .. } = &update.status {
                model.status.last_error = Some(format!("{}: {message}", update.account));
            }
            if let Some(notice) = &update.notice {
                model.status.message = Some(format!("{}: {notice}", update.account));
            }
            match update.budget {
                Some(budget) => model.status.budgets.insert(update.account.clone(), budget),
                None => model.status.budgets.remove(&update.account),
            };
            model.status.accounts.insert(update.account, update.status);
        }
        Msg::Wrote(outcome) => {
            model.status.message = Some(match outcome {
                WriteOutcome::StateChanged { count: 0, to } => format!("nothing to mark {to}"),
                WriteOutcome::StateChanged { count, to } => {
                    format!("{count} item{} {to} · u undoes", plural(count))
                }
                WriteOutcome::SentimentSet { count, label } => match label {
                    Some(label) => format!("{count} item{} marked {label}", plural(count)),
                    None => format!("{count} item{} back to the automatic label", plural(count)),
                },
                WriteOutcome::Undone(Some(undone)) => format!(
                    "undid: {} item{} no longer {}",
                    undone.items.len(),
                    plural(undone.items.len()),
                    undone.was
                ),
                WriteOutcome::Undone(None) => "nothing to undo".into(),
                WriteOutcome::Done(message) => message,
                WriteOutcome::Failed(e) => {
                    model.status.last_error = Some(e.clone());
                    format!("not saved: {e}")
                }
            });
        }
    }
    sync_detail(model, &mut effects);
    effects
}

/// Re-reads only what `changes` touch; each pane names the changes it shows.
fn requery(model: &mut Model, changes: Changes, effects: &mut Vec<Effect>) {
    use Change::*;
    let mut read = |wanted: bool, request: Request| {
        if wanted {
            effects.push(Effect::Query(request));
        }
    };
    // A tag view lists by tag; the others only by what the items are.
    let tag_view = matches!(model.current_view(), View::Tag(_));
    if changes.any(&[Items, Outbox]) || (tag_view && changes.contains(Tags)) {
        if let Some(request) = model.list.refresh() {
            read(true, Request::List(request));
        }
    }
    read(
        changes.any(&[Counts, Tags, Accounts, Aside]),
        Request::Sidebar,
    );
    read(changes.any(&[Escalations, Tags]), Request::OpenEscalations);
    read(changes.contains(Outbox), Request::OutboxAttention);
    if let Some(person) = super::people::viewed(model) {
        read(
            changes.any(&[Items, Counts, Notes]),
            Request::Person(person),
        );
    }
    if let Some(id) = model.detail.wanted {
        read(changes.any(&[Items, Threads]), Request::Detail(id));
        read(
            changes.any(&[Items, Notes, Outbox, Escalations, Tags]),
            Request::Moderation(id),
        );
        read(changes.any(&[Outbox, Drafts]), Request::ItemOutbox(id));
    }
    read(
        model.outbox.is_some() && changes.contains(Outbox),
        Request::Outbox,
    );
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn list_effect(effects: &mut Vec<Effect>, request: Option<ListRequest>) {
    if let Some(request) = request {
        effects.push(Effect::Query(Request::List(request)));
    }
}

/// Asks for the detail of the item under the cursor when it changed.
fn sync_detail(model: &mut Model, effects: &mut Vec<Effect>) {
    let current = model.list.current_id();
    if current != model.detail.wanted {
        model.detail.wanted = current;
        model.detail.scroll = 0;
        if let Some(id) = current {
            effects.push(Effect::Query(Request::Detail(id)));
            effects.push(Effect::Query(Request::Moderation(id)));
            effects.push(Effect::Query(Request::ItemOutbox(id)));
        } else {
            model.detail.item = None;
        }
    }
}

fn on_loaded(model: &mut Model, response: Response, effects: &mut Vec<Effect>) {
    match response {
        Response::Window { generation, result } => {
            let pending = super::moderation::pending(model);
            list_effect(effects, model.list.apply_window(generation, result));
            super::moderation::note_outcomes(model, &pending);
        }
        Response::Extended {
            generation,
            direction,
            rows,
        } => list_effect(
            effects,
            model.list.apply_extend(generation, direction, rows),
        ),
        Response::Person(card) => {
            if super::people::viewed(model) == Some(card.person) {
                model.people.card = Some(card);
            }
        }
        Response::OutboxAttention { failed, unknown } => {
            model.status.outbox_attention = (failed, unknown);
        }
        Response::Sidebar { views, aside } => {
            model.status.aside = aside;
            let selected = model.current_view().clone();
            model.sidebar.views = views.into_iter().map(|(v, n)| (v, Some(n))).collect();
            if let Some(i) = model.sidebar.views.iter().position(|(v, _)| *v == selected) {
                model.sidebar.selected = i;
            }
        }
        Response::Detail {
            id,
            detail,
            explanation,
        } => {
            if Some(id) == model.detail.wanted {
                model.detail.item = detail;
                model.detail.explanation = explanation;
            }
        }
        Response::Moderation { id, info } => {
            if Some(id) == model.detail.wanted {
                model.moderation.info = Some((id, info));
            }
        }
        Response::OpenEscalations { incidents, tags } => {
            model.moderation.incidents = incidents;
            model.moderation.tags_in_use = tags;
        }
        Response::ItemOutbox { id, outbox } => {
            if Some(id) == model.detail.wanted {
                model.item_outbox = Some((id, outbox));
            }
        }
        Response::Outbox(rows) => {
            if let Some(pane) = model.outbox.as_mut() {
                pane.selected = pane.selected.min(rows.len().saturating_sub(1));
                pane.rows = rows;
            }
        }
        Response::Failed(e) => model.status.last_error = Some(e),
    }
}

fn on_key(model: &mut Model, key: KeyEvent, effects: &mut Vec<Effect>) {
    if model.show_help {
        super::help::on_key(model, key);
        return;
    }
    if model.moderation.popup.is_some() {
        super::moderation::on_key(model, key, effects);
        return;
    }
    if model.prompt.is_some() {
        on_prompt_key(model, key, effects);
        return;
    }
    if super::composer::update::on_key(model, key, effects) {
        return;
    }
    model.status.message = None;
    match model.keymap.action(Layer::Inbox, &key) {
        Some(action) => {
            model.list.touched = true;
            apply(model, action, effects)
        }
        None => {
            if let KeyCode::Char(c) = key.code {
                if !key.modifiers.contains(KeyModifiers::CONTROL) {
                    model.status.message =
                        Some(format!("`{c}` does nothing here · ? shows the keys"));
                }
            }
        }
    }
}

fn on_prompt_key(model: &mut Model, key: KeyEvent, effects: &mut Vec<Effect>) {
    let Some(prompt) = model.prompt.as_mut() else {
        return;
    };
    let text = match prompt {
        Prompt::Search(t) | Prompt::Command(t) => t,
    };
    match model.keymap.action(Layer::Prompt, &key) {
        Some(Action::Close) => model.prompt = None,
        Some(Action::ClearLine) => text.clear(),
        Some(Action::Help) => super::help::open(model),
        Some(Action::Submit) => match model.prompt.take() {
            Some(Prompt::Search(text)) => set_search(model, Some(text), effects),
            Some(Prompt::Command(text)) => run_command(model, &text, effects),
            None => {}
        },
        _ => match key.code {
            KeyCode::Backspace if text.pop().is_none() => model.prompt = None,
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => text.push(c),
            _ => {}
        },
    }
}

fn set_search(model: &mut Model, text: Option<String>, effects: &mut Vec<Effect>) {
    let query = text.as_deref().and_then(fts_query);
    model.search = query.as_ref().and(text);
    let view = model.current_view().clone();
    let request = model.list.replace_query(ListQuery {
        view,
        search: query,
    });
    list_effect(effects, Some(request));
}

fn switch_view(model: &mut Model, index: usize, effects: &mut Vec<Effect>) {
    let Some((view, _)) = model.sidebar.views.get(index) else {
        return;
    };
    model.sidebar.selected = index;
    let request = model.list.replace_query(ListQuery::view(view.clone()));
    model.search = None;
    model.marks.clear();
    list_effect(effects, Some(request));
}

fn run_command(model: &mut Model, text: &str, effects: &mut Vec<Effect>) {
    let text = text.trim();
    let (word, rest) = text.split_once(' ').unwrap_or((text, ""));
    match word {
        "" => {}
        "q" | "quit" => apply(model, Action::Quit, effects),
        "view" | "v" => match View::parse(rest) {
            Some(view) => match model.sidebar.views.iter().position(|(v, _)| *v == view) {
                Some(i) => switch_view(model, i, effects),
                None => {
                    model.sidebar.views.push((view, None));
                    let i = model.sidebar.views.len() - 1;
                    switch_view(model, i, effects);
                    effects.push(Effect::Query(Request::Sidebar));
                }
            },
            None => {
                model.status.message = Some(format!(
                    "no view `{rest}` (try inbox, needs-reply, escalated, done, all, #tag, platform:NAME, incident:N)"
                ))
            }
        },
        "search" | "s" => set_search(model, Some(rest.to_string()), effects),
        "lang" => set_lang(model, rest, effects),
        word if super::people::command(model, word, effects) => {}
        "retry-notifications" => effects.push(Effect::Write(Command::RetryNotifications {
            config: Box::new(model.moderation.setup.escalation.clone()),
        })),
        // The inbox's commands, and the composer's two the flat `[keys]` always named.
        name => match Action::from_name(name).filter(|a| {
            Layer::Inbox.help_of(*a).is_some()
                || matches!(a, Action::SendReply | Action::ExternalEditor)
        }) {
            Some(action) => apply(model, action, effects),
            None => model.status.message = Some(format!("unknown command `{name}` · ? lists actions")),
        },
    }
}

/// Performs one action.
pub fn apply(model: &mut Model, action: Action, effects: &mut Vec<Effect>) {
    let page = model.list.height.max(1) as isize;
    match action {
        Action::MoveDown | Action::MoveUp if model.focus == Focus::Sidebar => {
            let n = model.sidebar.views.len();
            if n > 0 {
                let next = if action == Action::MoveDown {
                    (model.sidebar.selected + 1) % n
                } else {
                    (model.sidebar.selected + n - 1) % n
                };
                switch_view(model, next, effects);
            }
        }
        Action::MoveDown | Action::MoveUp if model.focus == Focus::Detail => {
            let scroll = &mut model.detail.scroll;
            *scroll = if action == Action::MoveDown {
                scroll.saturating_add(1)
            } else {
                scroll.saturating_sub(1)
            };
        }
        Action::MoveDown => list_effect(effects, model.list.move_by(1)),
        Action::MoveUp => list_effect(effects, model.list.move_by(-1)),
        Action::PageDown => list_effect(effects, model.list.move_by(page)),
        Action::PageUp => list_effect(effects, model.list.move_by(-page)),
        Action::GoTop => list_effect(effects, model.list.go_top()),
        Action::GoBottom => list_effect(effects, model.list.go_bottom()),
        Action::NextPane | Action::PrevPane => {
            let order = [Focus::Sidebar, Focus::List, Focus::Detail];
            let i = order.iter().position(|f| *f == model.focus).unwrap_or(1);
            let step = if action == Action::NextPane { 1 } else { 2 };
            model.focus = order[(i + step) % 3];
        }
        Action::NextView | Action::PrevView => {
            let n = model.sidebar.views.len().max(1);
            let step = if action == Action::NextView { 1 } else { n - 1 };
            switch_view(model, (model.sidebar.selected + step) % n, effects);
        }
        Action::OpenItem => {
            if model.focus == Focus::Sidebar {
                model.focus = Focus::List;
                return;
            }
            model.focus = Focus::Detail;
            if let Some(row) = model.list.current() {
                effects.push(Effect::FetchThread(row.id));
                if row.state == ItemState::New {
                    effects.push(Effect::Write(Command::SetState {
                        ids: vec![row.id],
                        to: ItemState::Open,
                        only_from: Some(vec![ItemState::New]),
                        actor: crate::store::state::ACTOR_VIEW,
                    }));
                }
            }
        }
        Action::Back => {
            if model.focus != Focus::List {
                model.focus = Focus::List;
            } else if !model.marks.is_empty() {
                model.marks.clear();
            } else if model.search.is_some() {
                set_search(model, None, effects);
            }
        }
        Action::MarkPositive => set_sentiment(model, Some(SentimentLabel::Positive), effects),
        Action::MarkNeutral => set_sentiment(model, Some(SentimentLabel::Neutral), effects),
        Action::MarkNegative => set_sentiment(model, Some(SentimentLabel::Negative), effects),
        Action::ClearSentiment => set_sentiment(model, None, effects),
        Action::Explain => model.detail.show_explanation = !model.detail.show_explanation,
        Action::MarkDone => set_state(model, ItemState::Done, effects),
        Action::Reopen => set_state(model, ItemState::Open, effects),
        Action::Undo => effects.push(Effect::Write(Command::Undo)),
        Action::ToggleMark => {
            if let Some(id) = model.list.current_id() {
                if !model.marks.remove(&id) {
                    model.marks.insert(id);
                }
                list_effect(effects, model.list.move_by(1));
            }
        }
        Action::Search => model.prompt = Some(Prompt::Search(String::new())),
        Action::SearchNext | Action::SearchPrev => {
            if model.search.is_none() {
                model.status.message = Some("no search · press / to search".into());
                return;
            }
            let last = model.list.total.saturating_sub(1);
            let at_end = if action == Action::SearchNext {
                model.list.cursor >= last
            } else {
                model.list.cursor == 0
            };
            let request = match (action, at_end) {
                (Action::SearchNext, true) => model.list.go_top(),
                (Action::SearchNext, false) => model.list.move_by(1),
                (_, true) => model.list.go_bottom(),
                (_, false) => model.list.move_by(-1),
            };
            list_effect(effects, request);
        }
        Action::Moderate
        | Action::Tag
        | Action::Flag
        | Action::Resolve
        | Action::AddNote
        | Action::DetachIncident
        | Action::MergeIncident
        | Action::SplitIncident
        | Action::TickStep
        | Action::Snooze
        | Action::PersonNote => super::moderation::start(model, action, effects),
        Action::Author => super::people::open(model, effects),
        Action::CommandLine => model.prompt = Some(Prompt::Command(String::new())),
        Action::Help => super::help::open(model),
        Action::Reply
        | Action::PickReply
        | Action::SendReply
        | Action::ExternalEditor
        | Action::Canned(_)
        | Action::Outbox => super::composer::update::apply(model, action, effects),
        Action::Quit => {
            model.quit = true;
            effects.push(Effect::Quit);
        }
        // Commands of the other layers: their own key handlers run them.
        _ => {}
    }
}

/// `:lang es`: the CM corrects the language of the marked items (or this one).
fn set_lang(model: &mut Model, code: &str, effects: &mut Vec<Effect>) {
    let code = code.trim().to_ascii_lowercase();
    if !crate::language::is_code(&code) {
        model.status.message = Some(if code.is_empty() {
            "`:lang` needs a language code, such as `:lang es`".into()
        } else {
            format!("unknown language code `{code}` (use ISO 639-1 codes such as es, fr, de)")
        });
        return;
    }
    let ids = model.targets();
    if ids.is_empty() {
        model.status.message = Some("no item here".into());
        return;
    }
    model.marks.clear();
    effects.push(Effect::Write(Command::SetLang {
        ids,
        lang: code,
        sentiment: Box::new(model.moderation.setup.sentiment.clone()),
    }));
}

fn set_sentiment(model: &mut Model, label: Option<SentimentLabel>, effects: &mut Vec<Effect>) {
    let ids = model.targets();
    if ids.is_empty() {
        model.status.message = Some("no item here".into());
        return;
    }
    model.marks.clear();
    effects.push(Effect::Write(Command::SetSentiment { ids, label }));
}

fn set_state(model: &mut Model, to: ItemState, effects: &mut Vec<Effect>) {
    let ids = model.targets();
    if ids.is_empty() {
        model.status.message = Some("no item here".into());
        return;
    }
    model.marks.clear();
    effects.push(Effect::Write(Command::SetState {
        ids,
        to,
        only_from: None,
        actor: crate::store::state::ACTOR_USER,
    }));
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;

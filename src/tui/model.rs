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
pub use super::status::{Prompt, PromptLine, Status};

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
    /// The prompt line and the search it applied.
    pub prompt: PromptLine,
    /// Whether the help shows, and its scroll.
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
    /// Canned replies and voice, the composer and the picker.
    pub composer: super::composer::ComposerState,
    /// The Outbox pane and the detail pane's item's outbox rows.
    pub outbox: super::outbox::OutboxState,
    /// Limit, marks by pattern, confirmation of verbs on many marks.
    pub find: super::find::FindState,
    /// `[team]`, when configured (see [`super::team`]): assignment and approvals.
    pub team: Option<super::team::TeamUi>,
    /// Team mode: who else views or replies to which item (see [`super::presence`]).
    pub presence: super::presence::PresenceState,
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
    /// Team mode: the other CMs on each item now.
    Presence(crate::team::presence::Others),
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
    /// Keep the prompts' history across restarts: `text` replaces the file at `path`.
    SaveHistory {
        path: std::path::PathBuf,
        text: String,
    },
    /// Team mode: tell the team what this CM views or replies to now.
    Presence(crate::team::presence::Doing),
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
            prompt: Default::default(),
            help: Default::default(),
            moderation: Default::default(),
            snooze: Default::default(),
            people: Default::default(),
            now,
            frame: 0,
            quit: false,
            composer: Default::default(),
            outbox: Default::default(),
            find: Default::default(),
            team: None,
            presence: super::presence::PresenceState {
                last_key: now,
                ..Default::default()
            },
        }
    }

    /// Adds the canned replies, voice rules and platform limits.
    pub fn with_replies(mut self, kit: super::composer::ReplyKit) -> Model {
        self.composer.kit = kit;
        self
    }

    /// The first effects: load the list and the sidebar.
    pub fn start(&mut self) -> Vec<Effect> {
        self.list.query.sort = super::find::sort_of(self, self.current_view());
        let mut effects = vec![
            Effect::Query(Request::List(self.list.load(Anchor::Top))),
            Effect::Query(Request::Sidebar),
            Effect::Query(Request::OpenEscalations),
            Effect::Query(Request::OutboxAttention),
        ];
        super::find::saved::start(self, &mut effects);
        effects
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
        if self.help.open {
            Layer::Help
        } else {
            self.layer_under_help()
        }
    }

    /// The layer below the help (the one `?` lists first).
    pub fn layer_under_help(&self) -> Layer {
        use super::moderation::Popup;
        match (&self.moderation.popup, &self.prompt.open) {
            (Some(Popup::Actions { .. }), _) => Layer::Moderate,
            (Some(Popup::Confirm { .. }), _) => Layer::Confirm,
            (Some(Popup::Severity { .. }), _) => Layer::Escalate,
            (Some(Popup::Input { .. }), _) => Layer::Popup,
            (None, Some(_)) => Layer::Prompt,
            (None, None) if self.find.confirm.is_some() => Layer::Confirm,
            (None, None)
                if self
                    .composer
                    .open
                    .as_ref()
                    .is_some_and(|c| c.stale.is_some()) =>
            {
                Layer::Confirm
            }
            (None, None) if self.composer.picker.is_some() => Layer::Picker,
            (None, None) if self.composer.open.is_some() => Layer::Composer,
            (None, None) if self.outbox.pane.is_some() => Layer::Outbox,
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
        Msg::Key(key) => {
            model.presence.last_key = model.now;
            on_key(model, key, &mut effects)
        }
        Msg::Resize { list_rows } => model.list.set_height(list_rows),
        Msg::Tick(now) => {
            model.now = now;
            model.frame = model.frame.wrapping_add(1);
            super::find::saved::maybe_count(model, &mut effects);
            super::composer::update::on_tick(model, &mut effects);
        }
        Msg::Changed(changes) => requery(model, changes, &mut effects),
        Msg::Reply(msg) => super::composer::update::on_reply_msg(model, msg, &mut effects),
        Msg::Thread(news) => model.detail.thread = Some(news),
        Msg::Presence(others) => model.presence.others = others,
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
            match update.note {
                Some(note) => model.status.notes.insert(update.account.clone(), note),
                None => model.status.notes.remove(&update.account),
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
                WriteOutcome::Undone(Some(undone)) => {
                    let n = undone.items.len();
                    if let Some(cm) = &undone.assigned {
                        return_undone_assign(n, cm.as_deref())
                    } else {
                        match &undone.tag {
                            Some((tag, true)) => {
                                format!("undid: {n} item{} no longer tagged #{tag}", plural(n))
                            }
                            Some((tag, false)) => {
                                format!("undid: {n} item{} tagged #{tag} again", plural(n))
                            }
                            None => {
                                format!("undid: {n} item{} no longer {}", plural(n), undone.was)
                            }
                        }
                    }
                }
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
    super::presence::tell(model, &mut effects);
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
    if changes.any(&[Items, Counts, Tags, Escalations]) {
        super::find::saved::changed(model);
    }
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
        model.outbox.pane.is_some() && changes.contains(Outbox),
        Request::Outbox,
    );
    // Team mode: the composer's item may have left the list (another CM answered it):
    // its outbox is read for the composer all the same.
    if let Some(c) = &model.composer.open {
        if model.team.is_some() && Some(c.item_id) != model.detail.wanted {
            read(changes.contains(Outbox), Request::ItemOutbox(c.item_id));
        }
    }
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
            list_effect(effects, model.list.exact_count());
            super::moderation::note_outcomes(model, &pending);
        }
        Response::Counted { generation, total } => {
            list_effect(effects, model.list.apply_count(generation, total))
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
        Response::OutboxAttention {
            failed,
            unknown,
            team_waiting,
        } => {
            model.status.outbox_attention = (failed, unknown);
            model.status.team_waiting = team_waiting;
        }
        Response::Sidebar { views, aside } => {
            model.status.aside = aside;
            let selected = model.current_view().clone();
            let mut views: Vec<(View, Option<u64>)> =
                views.into_iter().map(|(v, n)| (v, Some(n))).collect();
            super::find::saved::into_sidebar(model, &mut views);
            model.sidebar.views = views;
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
            super::composer::stale::on_item_outbox(model, id, &outbox);
            if Some(id) == model.detail.wanted {
                model.outbox.item = Some((id, outbox));
            }
        }
        Response::Outbox(rows) => {
            if let Some(pane) = model.outbox.pane.as_mut() {
                pane.selected = pane.selected.min(rows.len().saturating_sub(1));
                pane.rows = rows;
            }
        }
        Response::SavedCounts(counts) => super::find::saved::on_counts(model, counts),
        Response::Ids {
            purpose,
            ids,
            capped,
        } => super::find::on_ids(model, purpose, ids, capped),
        Response::Failed(e) => model.status.last_error = Some(e),
    }
}

fn on_key(model: &mut Model, key: KeyEvent, effects: &mut Vec<Effect>) {
    if model.help.open {
        super::help::on_key(model, key);
        return;
    }
    if model.find.confirm.is_some() {
        super::find::on_confirm_key(model, key, effects);
        return;
    }
    if model.moderation.popup.is_some() {
        super::moderation::on_key(model, key, effects);
        return;
    }
    if model.prompt.open.is_some() {
        on_prompt_key(model, key, effects);
        return;
    }
    if super::composer::update::on_key(model, key, effects) {
        return;
    }
    model.status.message = None;
    if let Some(view) = super::find::saved::by_key(model, &key) {
        return open_view(model, view, effects);
    }
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
    if model.prompt.open.is_none() {
        return;
    }
    // History and completion, kept by the find feature.
    match model.keymap.action(Layer::Prompt, &key) {
        Some(Action::Complete) => return super::find::prompt::complete(model),
        Some(Action::MoveUp) => return super::find::prompt::browse(model, true),
        Some(Action::MoveDown) => return super::find::prompt::browse(model, false),
        _ => super::find::prompt::typed(model),
    }
    let Some(prompt) = model.prompt.open.as_mut() else {
        return;
    };
    let text = match prompt {
        Prompt::Search(t) | Prompt::Command(t) | Prompt::Limit(t) | Prompt::MarkPattern(t) => t,
    };
    match model.keymap.action(Layer::Prompt, &key) {
        Some(Action::Close) => model.prompt.open = None,
        Some(Action::ClearLine) => text.clear(),
        Some(Action::Help) => super::help::open(model),
        Some(Action::Submit) => match model
            .prompt
            .open
            .take()
            .inspect(|p| effects.extend(super::find::prompt::remember(model, p)))
        {
            Some(Prompt::Search(text)) => set_search(model, Some(text), effects),
            Some(Prompt::Command(text)) => run_command(model, &text, effects),
            Some(Prompt::Limit(text)) => super::find::set_limit(model, &text, effects),
            Some(Prompt::MarkPattern(text)) => super::find::mark_pattern(model, &text, effects),
            None => {}
        },
        _ => match key.code {
            KeyCode::Backspace if text.pop().is_none() => model.prompt.open = None,
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => text.push(c),
            _ => {}
        },
    }
}

fn set_search(model: &mut Model, text: Option<String>, effects: &mut Vec<Effect>) {
    let query = text.as_deref().and_then(fts_query);
    if let Some(Err(e)) = text.as_deref().map(crate::store::view::search_query) {
        model.status.message = Some(format!("search: {e} · searched the words as typed"));
    }
    model.prompt.search = query.as_ref().and(text);
    let request = model.list.replace_query(ListQuery {
        search: query,
        ..model.list.query.clone()
    });
    list_effect(effects, Some(request));
}

pub(super) fn switch_view(model: &mut Model, index: usize, effects: &mut Vec<Effect>) {
    let Some((view, _)) = model.sidebar.views.get(index) else {
        return;
    };
    model.sidebar.selected = index;
    let query = super::find::saved::query_for(model, view);
    let request = model.list.replace_query(query);
    model.prompt.search = None;
    model.find.limit = None;
    model.marks.clear();
    list_effect(effects, Some(request));
}

fn run_command(model: &mut Model, text: &str, effects: &mut Vec<Effect>) {
    let text = text.trim();
    let (word, rest) = text.split_once(' ').unwrap_or((text, ""));
    match word {
        "" => {}
        "q" | "quit" => apply(model, Action::Quit, effects),
        "view" | "v" => match View::parse(rest).or_else(|| super::find::view_by_prefix(model, rest)) {
            Some(view) => open_view(model, view, effects),
            None if super::find::looks_like_pattern(rest) => {
                open_view(model, View::All, effects);
                super::find::set_limit(model, rest, effects);
            }
            None => {
                model.status.message = Some(format!(
                    "no view `{rest}` (try inbox, needs-reply, escalated, done, all, #tag, platform:NAME, incident:N, or a pattern like ~t bug)"
                ))
            }
        },
        "search" | "s" => set_search(model, Some(rest.to_string()), effects),
        "lang" => set_lang(model, rest, effects),
        word if super::people::command(model, word, effects) => {}
        word if super::team::command(model, word, effects) => {}
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

/// Shows `view`, adding it to the sidebar when it is not there.
fn open_view(model: &mut Model, view: View, effects: &mut Vec<Effect>) {
    match model.sidebar.views.iter().position(|(v, _)| *v == view) {
        Some(i) => switch_view(model, i, effects),
        None => {
            model.sidebar.views.push((view, None));
            let i = model.sidebar.views.len() - 1;
            switch_view(model, i, effects);
            effects.push(Effect::Query(Request::Sidebar));
        }
    }
}

/// Performs one action.
pub fn apply(model: &mut Model, action: Action, effects: &mut Vec<Effect>) {
    if super::find::hold_for_confirm(model, action) || super::find::apply(model, action, effects) {
        return;
    }
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
            } else if model.prompt.search.is_some() {
                set_search(model, None, effects);
            } else if model.find.limit.is_some() {
                model.find.limit = None;
                super::find::limit_list(model, None, effects);
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
        Action::Search => model.prompt.open = Some(Prompt::Search(String::new())),
        Action::SearchNext | Action::SearchPrev => {
            if model.prompt.search.is_none() {
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
        Action::Assign | Action::ApproveHeld | Action::RejectHeld => {
            super::team::apply(model, action, effects)
        }
        Action::CommandLine => model.prompt.open = Some(Prompt::Command(String::new())),
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

/// The status line after `u` took back an assignment to `cm` (`None`: an unassignment).
fn return_undone_assign(n: usize, cm: Option<&str>) -> String {
    match cm {
        Some(cm) => format!(
            "undid: {n} item{} no longer assigned to {}",
            plural(n),
            crate::sanitize::inert_line(cm)
        ),
        None => format!("undid: {n} item{} assigned again", plural(n)),
    }
}

#[cfg(test)]
mod tests {
    //! The pure update: keys in, state and effects out — no terminal, no database.

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::domain::{ItemKind, SentimentLabel};
    use crate::store::read::{Direction, ItemRow};

    fn row(n: i64) -> ItemRow {
        ItemRow {
            id: 100 - n,
            created_at: 10_000 - n,
            platform: "chirp".into(),
            kind: ItemKind::Mention,
            state: if n == 0 {
                ItemState::New
            } else {
                ItemState::Open
            },
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

    /// A model showing `n` inbox items, with the start-up effects already answered.
    fn model_with(n: i64) -> Model {
        crate::tui::test_support::started_with((0..n).map(row).collect())
    }

    fn key(code: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn press(model: &mut Model, c: char) -> Vec<Effect> {
        update(model, key(KeyCode::Char(c)))
    }

    fn type_text(model: &mut Model, text: &str) {
        for c in text.chars() {
            press(model, c);
        }
    }

    #[test]
    fn j_and_k_move_the_cursor_and_load_the_item_under_it() {
        let mut model = model_with(5);
        let effects = press(&mut model, 'j');
        assert_eq!(model.list.cursor, 1);
        assert!(
            effects.contains(&Effect::Query(Request::Detail(99))),
            "{effects:?}"
        );
        press(&mut model, 'k');
        press(&mut model, 'k');
        assert_eq!(model.list.cursor, 0, "k stops at the top");
    }

    #[test]
    fn enter_opens_a_new_item_and_marks_it_seen_but_not_an_open_one() {
        let mut model = model_with(3);
        let effects = update(&mut model, key(KeyCode::Enter));
        assert_eq!(model.focus, Focus::Detail);
        assert_eq!(
            effects,
            vec![
                Effect::FetchThread(100),
                Effect::Write(Command::SetState {
                    ids: vec![100],
                    to: ItemState::Open,
                    only_from: Some(vec![ItemState::New]),
                    actor: crate::store::state::ACTOR_VIEW
                })
            ],
            "opening asks the platform for the conversation and marks the item seen"
        );
        update(&mut model, key(KeyCode::Esc));
        assert_eq!(model.focus, Focus::List);
        press(&mut model, 'j');
        let effects = update(&mut model, key(KeyCode::Enter));
        assert!(
            effects
                .iter()
                .all(|e| !matches!(e, Effect::Write(Command::SetState { .. }))),
            "{effects:?}"
        );
    }

    #[test]
    fn d_marks_the_marked_items_done_together_or_else_the_current_one() {
        let mut model = model_with(5);
        let effects = press(&mut model, 'd');
        assert!(
            matches!(&effects[..], [Effect::Write(Command::SetState { ids, to: ItemState::Done, .. })] if ids == &vec![100])
        );

        press(&mut model, ' ');
        press(&mut model, ' ');
        assert_eq!(model.marks.len(), 2);
        assert_eq!(model.list.cursor, 2, "space marks and moves down");
        let effects = press(&mut model, 'd');
        match &effects[..] {
            [Effect::Write(Command::SetState {
                ids,
                to: ItemState::Done,
                actor,
                ..
            })] => {
                assert_eq!(ids, &vec![99, 100]);
                assert_eq!(*actor, crate::store::state::ACTOR_USER);
            }
            other => panic!("{other:?}"),
        }
        assert!(model.marks.is_empty(), "marks are used up by the verb");
    }

    #[test]
    fn o_reopens_and_u_undoes() {
        let mut model = model_with(2);
        assert!(matches!(
            &press(&mut model, 'o')[..],
            [Effect::Write(Command::SetState {
                to: ItemState::Open,
                ..
            })]
        ));
        assert_eq!(press(&mut model, 'u'), vec![Effect::Write(Command::Undo)]);
        update(&mut model, Msg::Wrote(WriteOutcome::Undone(None)));
        assert_eq!(model.status.message.as_deref(), Some("nothing to undo"));
    }

    #[test]
    fn slash_search_filters_the_view_and_esc_clears_it() {
        let mut model = model_with(5);
        press(&mut model, '/');
        type_text(&mut model, "cold brew");
        assert_eq!(model.prompt.open, Some(Prompt::Search("cold brew".into())));
        let effects = update(&mut model, key(KeyCode::Enter));
        assert_eq!(model.prompt.open, None);
        assert_eq!(model.prompt.search.as_deref(), Some("cold brew"));
        match &effects[..] {
            [Effect::Query(Request::List(ListRequest::Window {
                query,
                anchor: Anchor::Top,
                ..
            }))] => {
                assert_eq!(query.view, View::Inbox);
                assert_eq!(query.search.as_deref(), Some("\"cold\" \"brew\"*"));
            }
            other => panic!("{other:?}"),
        }
        let effects = update(&mut model, key(KeyCode::Esc));
        assert_eq!(model.prompt.search, None);
        assert!(
            matches!(&effects[..], [Effect::Query(Request::List(ListRequest::Window { query, .. }))] if query.search.is_none())
        );
    }

    #[test]
    fn n_and_shift_n_step_through_results_and_wrap() {
        let mut model = model_with(3);
        press(&mut model, 'n');
        assert_eq!(
            model.status.message.as_deref(),
            Some("no search · press / to search")
        );
        model.prompt.search = Some("x".into());
        press(&mut model, 'n');
        press(&mut model, 'n');
        assert_eq!(model.list.cursor, 2);
        press(&mut model, 'n');
        assert_eq!(model.list.cursor, 0, "wraps to the first result");
        press(&mut model, 'N');
        assert_eq!(model.list.cursor, 2, "wraps back to the last");
    }

    #[test]
    fn the_command_line_switches_views_and_runs_actions_by_name() {
        let mut model = model_with(3);
        press(&mut model, ':');
        type_text(&mut model, "view done");
        let effects = update(&mut model, key(KeyCode::Enter));
        assert_eq!(*model.current_view(), View::Done);
        assert!(matches!(
            &effects[..],
            [Effect::Query(Request::List(_)), ..]
        ));

        press(&mut model, ':');
        type_text(&mut model, "quit");
        let effects = update(&mut model, key(KeyCode::Enter));
        assert!(effects.contains(&Effect::Quit));

        let mut model = model_with(3);
        press(&mut model, ':');
        type_text(&mut model, "fly");
        update(&mut model, key(KeyCode::Enter));
        assert!(model
            .status
            .message
            .as_deref()
            .unwrap()
            .contains("unknown command `fly`"));
    }

    #[test]
    fn backspace_on_an_empty_prompt_closes_it() {
        let mut model = model_with(1);
        press(&mut model, '/');
        update(&mut model, key(KeyCode::Backspace));
        assert_eq!(model.prompt.open, None);
    }

    #[test]
    fn tab_cycles_panes_and_j_in_the_sidebar_switches_views() {
        let mut model = model_with(3);
        update(&mut model, key(KeyCode::Tab));
        assert_eq!(model.focus, Focus::Detail);
        update(&mut model, key(KeyCode::Tab));
        assert_eq!(model.focus, Focus::Sidebar);
        let effects = press(&mut model, 'j');
        assert_eq!(*model.current_view(), View::NeedsReply);
        assert!(matches!(
            &effects[..],
            [Effect::Query(Request::List(_)), ..]
        ));
    }

    #[test]
    fn question_mark_shows_help_and_any_key_closes_it_without_acting() {
        let mut model = model_with(3);
        press(&mut model, '?');
        assert!(model.help.open);
        let effects = press(&mut model, 'd');
        assert!(!model.help.open);
        assert!(
            effects.is_empty(),
            "the key that closes help does nothing else"
        );
    }

    #[test]
    fn q_quits() {
        let mut model = model_with(1);
        assert_eq!(press(&mut model, 'q'), vec![Effect::Quit]);
        assert!(model.quit);
    }

    #[test]
    fn a_store_change_reloads_the_list_counts_and_the_open_item() {
        let mut model = model_with(3);
        press(&mut model, 'j');
        let effects = update(&mut model, Msg::Changed(crate::store::Changes::ALL));
        assert!(matches!(
            effects[0],
            Effect::Query(Request::List(ListRequest::Window {
                anchor: Anchor::At(_),
                ..
            }))
        ));
        assert!(effects.contains(&Effect::Query(Request::Sidebar)));
        assert!(effects.contains(&Effect::Query(Request::Detail(99))));
    }

    #[test]
    fn an_extension_for_a_replaced_view_is_dropped() {
        let mut model = model_with(3);
        press(&mut model, ']');
        let before = model.list.rows.len();
        update(
            &mut model,
            Msg::Loaded(Response::Extended {
                generation: 1,
                direction: Direction::Older,
                rows: vec![row(7)],
            }),
        );
        assert_eq!(model.list.rows.len(), before);
    }

    #[test]
    fn a_poll_error_shows_in_the_status_line() {
        let mut model = model_with(1);
        update(
            &mut model,
            Msg::Poll(StatusUpdate {
                account: "masto".into(),
                status: PollStatus::Error {
                    message: "timeout".into(),
                    retry_at: 10_030,
                },
                new_items: 0,
                budget: Some((3, 300)),
                notice: None,
                note: None,
            }),
        );
        assert_eq!(model.status.last_error.as_deref(), Some("masto: timeout"));
        assert_eq!(model.status.budgets.get("masto"), Some(&(3, 300)));
    }

    #[test]
    fn a_pollers_notice_shows_once_in_the_status_line() {
        let mut model = model_with(1);
        let poll = |notice: Option<&str>| {
            Msg::Poll(StatusUpdate {
                account: "sky".into(),
                status: PollStatus::Ok { at: 10_000 },
                new_items: 0,
                budget: None,
                notice: notice.map(str::to_string),
                note: None,
            })
        };
        update(&mut model, poll(Some("DMs unavailable (HTTP 400)")));
        assert_eq!(
            model.status.message.as_deref(),
            Some("sky: DMs unavailable (HTTP 400)")
        );
        model.status.message = None;
        update(&mut model, poll(None));
        assert_eq!(model.status.message, None);
    }

    #[test]
    fn plus_equals_minus_set_the_cms_label_and_zero_clears_it() {
        let mut model = model_with(3);
        assert_eq!(
            press(&mut model, '+'),
            vec![Effect::Write(Command::SetSentiment {
                ids: vec![100],
                label: Some(SentimentLabel::Positive)
            })]
        );
        press(&mut model, ' ');
        press(&mut model, ' ');
        assert_eq!(
            press(&mut model, '-'),
            vec![Effect::Write(Command::SetSentiment {
                ids: vec![99, 100],
                label: Some(SentimentLabel::Negative)
            })]
        );
        assert!(matches!(
            &press(&mut model, '0')[..],
            [Effect::Write(Command::SetSentiment { label: None, .. })]
        ));
        assert!(matches!(
            &press(&mut model, '=')[..],
            [Effect::Write(Command::SetSentiment {
                label: Some(SentimentLabel::Neutral),
                ..
            })]
        ));
        update(
            &mut model,
            Msg::Wrote(WriteOutcome::SentimentSet {
                count: 2,
                label: Some(SentimentLabel::Negative),
            }),
        );
        assert_eq!(
            model.status.message.as_deref(),
            Some("2 items marked negative")
        );
        press(&mut model, 'e');
        assert!(model.detail.show_explanation);
    }

    /// The reads a change notice asks for, by kind (list windows only by their kind).
    fn reads_for(model: &mut Model, changes: &[Change]) -> Vec<&'static str> {
        update(model, Msg::Changed(Changes::of(changes)))
            .iter()
            .map(|e| match e {
                Effect::Query(Request::List(_)) => "list",
                Effect::Query(Request::Sidebar) => "sidebar",
                Effect::Query(Request::OpenEscalations) => "escalations",
                Effect::Query(Request::OutboxAttention) => "outbox attention",
                Effect::Query(Request::Detail(_)) => "detail",
                Effect::Query(Request::Moderation(_)) => "moderation",
                Effect::Query(Request::ItemOutbox(_)) => "item outbox",
                Effect::Query(Request::Outbox) => "outbox",
                other => panic!("a notice asked for {other:?}"),
            })
            .collect()
    }

    #[test]
    fn each_notice_rereads_only_the_panes_that_show_it() {
        // A fresh model each time: a list refresh already on its way is not asked twice.
        let reads = |changes: &[Change]| {
            let mut model = model_with(3);
            press(&mut model, 'j');
            reads_for(&mut model, changes)
        };
        assert!(reads(&[Change::Polled]).is_empty());
        assert_eq!(
            reads(&[Change::Tags]),
            ["sidebar", "escalations", "moderation"]
        );
        assert_eq!(
            reads(&[Change::Outbox]),
            ["list", "outbox attention", "moderation", "item outbox"]
        );
        assert_eq!(reads(&[Change::Drafts]), ["item outbox"]);
        assert_eq!(reads(&[Change::Threads]), ["detail"]);
        assert_eq!(
            reads(&[Change::Items, Change::Counts]),
            ["list", "sidebar", "detail", "moderation"]
        );
        // In a tag's view, a tag decides what the list holds.
        let mut model = model_with(3);
        press(&mut model, ':');
        type_text(&mut model, "view #bug");
        let generation = update(&mut model, key(KeyCode::Enter))
            .iter()
            .find_map(|e| match e {
                Effect::Query(Request::List(ListRequest::Window { generation, .. })) => {
                    Some(*generation)
                }
                _ => None,
            })
            .expect("the view loads");
        let rows = vec![row(0)];
        update(
            &mut model,
            Msg::Loaded(Response::Window {
                generation,
                result: crate::tui::inbox::list::WindowResult {
                    rows,
                    offset: 0,
                    total: 1,
                    focus: 0,
                    counting: false,
                },
            }),
        );
        assert!(reads_for(&mut model, &[Change::Tags]).contains(&"list"));
    }
}

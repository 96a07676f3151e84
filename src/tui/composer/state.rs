//! The reply composer and the canned-reply picker: their state, the text checks and the
//! picker's fuzzy match.

use std::collections::HashMap;

use crossterm::event::KeyEvent;
use tui_textarea::{CursorMove, TextArea};

use crate::domain::{ItemId, ItemKind};
use crate::outbox::read::{ItemOutbox, OutboxRow};
use crate::outbox::OutboxId;
use crate::replies::{
    self, length, AfterSend, CannedReply, ExpandError, Vars, VoiceConfig, Warning,
};
use crate::store::read::ItemDetail;

/// What the replies work needs from config and the connectors.
#[derive(Debug, Clone, Default)]
pub struct ReplyKit {
    pub canned: Vec<CannedReply>,
    pub voice: VoiceConfig,
    pub after_send: AfterSend,
    /// The first-response target and its clock (`[sla]`).
    pub sla: Option<crate::sla::Sla>,
    /// Per platform: the reply length limit, where no connector in `sources` says.
    pub limits: HashMap<String, Option<length::Limit>>,
    /// The connectors, asked when a composer opens: a Mastodon instance names its own
    /// limit only once the first poll has asked it, after the UI started.
    pub sources: LimitSources,
}

/// The connectors whose current reply limits the composer uses.
#[derive(Clone, Default)]
pub struct LimitSources(pub Vec<std::sync::Arc<dyn crate::platform::Connector>>);

impl std::fmt::Debug for LimitSources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|c| c.platform()))
            .finish()
    }
}

impl ReplyKit {
    /// The kit from its config sections (`Config::reply_kit` assembles them); no
    /// connector yet.
    pub fn new(
        canned: Vec<CannedReply>,
        voice: VoiceConfig,
        after_send: AfterSend,
        sla: Option<crate::sla::Sla>,
    ) -> ReplyKit {
        ReplyKit {
            canned,
            voice,
            after_send,
            sla,
            limits: HashMap::new(),
            sources: LimitSources::default(),
        }
    }

    /// The messaging window for a DM on `platform` to a person who last wrote at
    /// `last_inbound`, where that platform's connector has one.
    pub fn window_for(
        &self,
        platform: &str,
        last_inbound: crate::domain::UnixTime,
        now: crate::domain::UnixTime,
    ) -> Option<crate::platform::window::MessagingWindow> {
        self.sources
            .0
            .iter()
            .find(|c| c.platform() == platform)
            .and_then(|c| c.messaging_window(last_inbound, now))
    }

    /// The reply limit on `platform` as its connector knows it now.
    pub fn limit_for(&self, platform: &str) -> Option<length::Limit> {
        match self.sources.0.iter().find(|c| c.platform() == platform) {
            Some(connector) => connector.capabilities().reply_limit,
            None => self.limits.get(platform).copied().flatten(),
        }
    }
}

/// The replies feature's part of the model: what it works with and what is open.
#[derive(Default)]
pub struct ComposerState {
    /// Canned replies, voice rules and platform limits.
    pub kit: ReplyKit,
    /// The composer, while one is open.
    pub open: Option<Composer>,
    /// The canned-reply picker, while it is open.
    pub picker: Option<Picker>,
}

/// The open composer.
pub struct Composer {
    pub item_id: ItemId,
    pub platform: String,
    pub author: String,
    pub author_name: String,
    pub url: Option<String>,
    /// A direct message rather than a public reply.
    pub dm: bool,
    pub limit: Option<length::Limit>,
    pub textarea: TextArea<'static>,
    /// Ctrl-S was pressed with warnings showing: the next Ctrl-S sends anyway.
    pub armed: bool,
    /// The failed outbox row this reply replaces (editing a failed send).
    pub replaces: Option<OutboxId>,
    /// Why the last send was refused, or a snippet could not be filled.
    pub error: Option<String>,
    /// Changed since the draft was last saved (saved on the next tick).
    pub dirty: bool,
    /// Sent to the outbox, waiting for the row to be committed: the composer closes only
    /// then, so a failed write (disk full, database locked) keeps the text here.
    pub queueing: bool,
    /// The platform said the post replied to is gone (deleted there).
    pub gone: bool,
    /// The item's language: picks canned replies' variants, sign-off and banned words.
    pub lang: Option<String>,
    /// A DM on a platform with a messaging window (Meta): how long it stays open, or why
    /// nothing can be sent; checked before the reply is queued.
    pub window: Option<crate::platform::window::MessagingWindow>,
    /// The first wrapped row on screen: the view moves it only to keep the cursor in view.
    pub scroll: std::cell::Cell<usize>,
    /// Team mode: the item's outbox as the composer saw it when it opened; a reply by
    /// another CM beyond it makes the send ask first.
    pub seen: crate::store::answered::Seen,
    /// Team mode: the send found that reply of another CM and asks whether to send anyway.
    pub stale: Option<crate::store::answered::OtherReply>,
    /// Team mode: another CM's reply that reached the item while the composer is open.
    pub arrived: Option<crate::store::answered::OtherReply>,
}

/// Shown when an edit withdraws the send-anyway offer.
pub const WITHDRAWN: &str =
    "edited · send-anyway withdrawn: the next send checks the warnings again";

/// The fuzzy picker over canned replies (`R`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Picker {
    pub query: String,
    pub selected: usize,
}

impl Composer {
    /// Opens on `item`, starting from `initial` (a draft) or the author's handle where the
    /// platform threads replies by mention.
    pub fn open(item: &ItemDetail, kit: &ReplyKit, initial: Option<&str>) -> Composer {
        let platform = item.row.platform.clone();
        let dm = item.row.kind == ItemKind::Dm;
        let handle = item.author.handle.clone();
        let start = match initial {
            Some(text) => text.to_string(),
            // Chirp-like networks need the @handle to address a reply; forums and DMs do not.
            None if !dm && length::url_weight(&platform).is_some() => format!("{handle} "),
            None => String::new(),
        };
        let mut textarea =
            TextArea::from(start.split('\n').map(str::to_string).collect::<Vec<_>>());
        textarea.move_cursor(CursorMove::Bottom);
        textarea.move_cursor(CursorMove::End);
        Composer {
            item_id: item.row.id,
            limit: kit.limit_for(&platform),
            platform,
            author: handle,
            author_name: item.author.display_name.clone(),
            url: item.url.clone(),
            dm,
            textarea,
            armed: false,
            replaces: None,
            error: None,
            dirty: false,
            queueing: false,
            gone: item.row.marks.gone,
            lang: item.row.lang.clone(),
            window: None,
            scroll: Default::default(),
            seen: Default::default(),
            stale: None,
            arrived: None,
        }
    }

    /// Opens on a failed outbox row to edit and resend it.
    pub fn for_row(row: &OutboxRow, kit: &ReplyKit) -> Composer {
        let mut composer = Composer {
            item_id: row.item_id,
            platform: row.platform.clone(),
            author: row.author.clone(),
            author_name: String::new(),
            url: None,
            dm: row.item_kind == ItemKind::Dm,
            limit: kit.limit_for(&row.platform),
            textarea: TextArea::default(),
            armed: false,
            replaces: None,
            error: None,
            dirty: false,
            queueing: false,
            gone: false,
            lang: None,
            window: None,
            scroll: Default::default(),
            seen: Default::default(),
            stale: None,
            arrived: None,
        };
        composer.set_text(&row.text);
        composer
    }

    pub fn text(&self) -> String {
        self.textarea.lines().join("\n")
    }

    pub fn set_text(&mut self, text: &str) {
        self.textarea = TextArea::from(text.split('\n').map(str::to_string).collect::<Vec<_>>());
        self.textarea.move_cursor(CursorMove::Bottom);
        self.textarea.move_cursor(CursorMove::End);
    }

    /// The brand's voice in the item's language.
    pub fn voice(&self, kit: &ReplyKit) -> VoiceConfig {
        kit.voice.for_lang(self.lang.as_deref())
    }

    pub fn vars(&self, kit: &ReplyKit, brand: &str) -> Vars {
        Vars::for_item(
            &self.voice(kit),
            brand,
            &self.platform,
            &self.author,
            &self.author_name,
            self.url.as_deref(),
        )
    }

    /// Inserts a canned reply at the cursor, its variables filled. Returns the problem
    /// when one has no value (the text is then not inserted).
    pub fn insert(
        &mut self,
        reply: &CannedReply,
        kit: &ReplyKit,
        brand: &str,
    ) -> Result<(), ExpandError> {
        let known = |n: &str| Vars::is_known(n, &kit.voice);
        let body = reply.body_for(self.lang.as_deref());
        let text = replies::expand(body, &self.vars(kit, brand), &known)?;
        // Stacking at the end: one sign-off, at the very end.
        let signoff = self.voice(kit).signoff.unwrap_or_default();
        let at_end = {
            let (row, col) = self.textarea.cursor();
            let lines = self.textarea.lines();
            row + 1 == lines.len() && col == lines[row].chars().count()
        };
        let current = self.text();
        if at_end
            && !signoff.trim().is_empty()
            && text.trim_end().ends_with(signoff.trim())
            && current.trim_end().ends_with(signoff.trim())
        {
            let kept = current.trim_end();
            let kept = kept[..kept.len() - signoff.trim().len()]
                .trim_end()
                .to_string();
            self.set_text(&kept);
        }
        // The pre-filled handle and the snippet's own {author} would say it twice.
        let current = self.text();
        let text = if current.trim() == self.author && text.starts_with(&self.author) {
            self.set_text("");
            text
        } else if !current.is_empty() && !current.ends_with([' ', '\n']) {
            format!(" {text}")
        } else {
            text
        };
        self.textarea.insert_str(text);
        self.dirty = true;
        self.error = None;
        self.edited();
        Ok(())
    }

    /// The text changed: a send-anyway already offered is withdrawn, and the composer
    /// says so where the offer was (the warnings it answered may no longer be the same).
    pub fn edited(&mut self) {
        if std::mem::take(&mut self.armed) {
            self.error = Some(WITHDRAWN.into());
        }
    }

    /// The length as the platform counts it.
    pub fn length(&self) -> usize {
        length::count(&self.text(), &self.platform)
    }

    /// The counter under the text (`12/500`, with bytes where they bind) and whether the
    /// text is over a limit.
    pub fn counter(&self) -> (String, bool) {
        let text = self.text();
        match self.limit {
            Some(limit) => (
                limit.counter(&text, &self.platform),
                limit.exceeded_by(&text, &self.platform),
            ),
            None => (self.length().to_string(), false),
        }
    }

    pub fn warnings(&self, kit: &ReplyKit) -> Vec<Warning> {
        let mut warnings = replies::check(
            &self.text(),
            &self.voice(kit),
            &self.platform,
            self.limit,
            !self.dm,
        );
        if self.gone {
            // First: it matters more than the wording.
            warnings.insert(0, Warning::PostGone);
        }
        warnings
    }

    /// The text to send with its variables filled; an unfilled variable blocks sending.
    pub fn final_text(&self, kit: &ReplyKit, brand: &str) -> Result<String, String> {
        let known = |n: &str| Vars::is_known(n, &kit.voice);
        let text = self.text();
        match replies::expand(&text, &self.vars(kit, brand), &known) {
            Ok(filled) => Ok(filled.trim_end().to_string()),
            Err(e @ ExpandError::Missing(_)) => Err(e.to_string()),
            // Braces the CM typed on purpose are text, not variables.
            Err(_) => Ok(text.trim_end().to_string()),
        }
    }
}

/// Does `query` match `reply` fuzzily (the query's letters in order in the name, tags or
/// body)? Returns a score: lower is better.
pub fn fuzzy_score(query: &str, reply: &CannedReply) -> Option<usize> {
    if query.is_empty() {
        return Some(0);
    }
    let fields = [
        reply.name.as_str(),
        &reply.tags.join(" "),
        reply.body.as_str(),
    ];
    fields.iter().enumerate().find_map(|(rank, field)| {
        let hay = field.to_lowercase();
        let mut chars = hay.char_indices();
        let mut first = None;
        let mut last = 0;
        for q in query.to_lowercase().chars() {
            let (i, _) = chars.find(|&(_, c)| c == q)?;
            first.get_or_insert(i);
            last = i;
        }
        // Tight matches in the name beat loose ones in the body.
        Some(rank * 1000 + (last - first.unwrap_or(0)))
    })
}

/// The replies the picker offers for `platform`, best match first.
pub fn matches<'a>(
    query: &str,
    canned: &'a [CannedReply],
    platform: Option<&str>,
) -> Vec<&'a CannedReply> {
    let mut found: Vec<(usize, usize, &CannedReply)> = canned
        .iter()
        .enumerate()
        .filter(|(_, r)| platform.is_none_or(|p| r.applies_to(p)))
        .filter_map(|(i, r)| fuzzy_score(query, r).map(|s| (s, i, r)))
        .collect();
    found.sort_by_key(|&(s, i, _)| (s, i));
    found.into_iter().map(|(_, _, r)| r).collect()
}

/// A composer key: true when the key was a text edit (the draft changed).
pub fn edit_key(composer: &mut Composer, key: KeyEvent) -> bool {
    let before = composer.textarea.lines().to_vec();
    composer.textarea.input(key);
    let changed = composer.textarea.lines() != before.as_slice();
    if changed {
        composer.dirty = true;
        composer.edited();
    }
    changed
}

/// What a composer opening on `id` has seen of its outbox: the rows the detail pane
/// shows (nothing when they are not loaded yet: every reply of another CM then asks).
pub fn seen_of(outbox: &Option<(ItemId, ItemOutbox)>, id: ItemId) -> crate::store::answered::Seen {
    let up_to = match outbox {
        Some((i, o)) if *i == id => o.rows.iter().map(|r| r.id).max().unwrap_or(0),
        _ => 0,
    };
    crate::store::answered::Seen {
        up_to,
        told: Vec::new(),
    }
}

/// The draft for the item, if the detail's outbox data is for it.
pub fn draft_for(outbox: &Option<(ItemId, ItemOutbox)>, id: ItemId) -> Option<String> {
    match outbox {
        Some((i, o)) if *i == id => o.draft.as_ref().map(|d| d.body.clone()),
        _ => None,
    }
}

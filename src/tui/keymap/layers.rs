//! The key layers and their commands: one table per layer with each command's default
//! keys and help, so the keymap, the `:` command line, the hint line and `?` can never
//! disagree. Like yazi's `keymap-default.toml`, a layer is where the keyboard is: the
//! inbox, the composer, a popup… A command may sit in several layers (`close`,
//! `move-down`) with keys of its own in each.

use std::fmt;

/// Declares the commands with their config names.
macro_rules! actions {
    ($($variant:ident => $name:literal,)+) => {
        /// Something the CM can do with one key.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $($variant,)+
            /// Canned reply N (1–9): reply with it, or add it at the composer's cursor.
            Canned(u8),
        }

        impl Action {
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)+
                    Action::Canned(n) => CANNED_NAMES[(n.clamp(1, 9) - 1) as usize],
                }
            }

            /// The command called `name`, in whichever layer.
            pub fn from_name(name: &str) -> Option<Action> {
                match name {
                    $($name => Some(Action::$variant),)+
                    _ => CANNED_NAMES
                        .iter()
                        .position(|n| *n == name)
                        .map(|i| Action::Canned(i as u8 + 1)),
                }
            }
        }
    };
}

const CANNED_NAMES: [&str; 9] = [
    "canned-1", "canned-2", "canned-3", "canned-4", "canned-5", "canned-6", "canned-7", "canned-8",
    "canned-9",
];

actions! {
    MoveDown => "move-down",
    MoveUp => "move-up",
    PageDown => "page-down",
    PageUp => "page-up",
    GoTop => "go-top",
    GoBottom => "go-bottom",
    NextPane => "next-pane",
    PrevPane => "prev-pane",
    NextView => "next-view",
    PrevView => "prev-view",
    OpenItem => "open-item",
    Back => "back",
    MarkDone => "mark-done",
    Reopen => "reopen",
    Undo => "undo",
    ToggleMark => "toggle-mark",
    Limit => "limit",
    MarkAll => "mark-all",
    MarkPattern => "mark-pattern",
    InvertMarks => "invert-marks",
    UnmarkAll => "unmark-all",
    Sort => "sort",
    MarkPositive => "mark-positive",
    MarkNeutral => "mark-neutral",
    MarkNegative => "mark-negative",
    ClearSentiment => "clear-sentiment",
    Explain => "explain",
    Reply => "reply",
    PickReply => "pick-reply",
    Outbox => "outbox",
    SendReply => "send-reply",
    ExternalEditor => "external-editor",
    Search => "search",
    SearchNext => "search-next",
    SearchPrev => "search-prev",
    Moderate => "moderate",
    Tag => "tag",
    Snooze => "snooze",
    Author => "author",
    PersonNote => "person-note",
    Assign => "assign",
    ApproveHeld => "approve-held",
    RejectHeld => "reject-held",
    Flag => "flag",
    Resolve => "resolve",
    AddNote => "add-note",
    DetachIncident => "detach-incident",
    MergeIncident => "merge-incident",
    SplitIncident => "split-incident",
    TickStep => "tick-step",
    CommandLine => "command-line",
    Help => "help",
    Quit => "quit",
    Close => "close",
    Choose => "choose",
    Submit => "submit",
    Complete => "complete",
    ClearLine => "clear-line",
    Retry => "retry",
    CancelSend => "cancel-send",
    ConfirmSent => "confirm-sent",
    EditReply => "edit-reply",
    Hide => "hide",
    Unhide => "unhide",
    Delete => "delete",
    Block => "block",
    Kick => "kick",
    Mute => "mute",
    MuteThread => "mute-thread",
    Report => "report",
    Approve => "approve",
    Dismiss => "dismiss",
    AcceptRequest => "accept-request",
    DismissRequest => "dismiss-request",
    Yes => "yes",
    Low => "low",
    High => "high",
    Critical => "critical",
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the keyboard is. The order is the order of `?` after the active layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// The views, the list and the item.
    Inbox,
    /// The reply composer (letters are text).
    Composer,
    /// The canned-reply picker (letters filter).
    Picker,
    /// The Outbox pane.
    Outbox,
    /// The moderation menu (`m`).
    Moderate,
    /// "Delete 2 items on the platform?"
    Confirm,
    /// The escalation severity (`!`).
    Escalate,
    /// The one-line popups: tag, escalation reason, outcome, note, report (letters are text).
    Popup,
    /// The search and command line at the bottom (letters are text).
    Prompt,
    /// This help.
    Help,
}

impl Layer {
    pub const ALL: [Layer; 10] = [
        Layer::Inbox,
        Layer::Composer,
        Layer::Picker,
        Layer::Outbox,
        Layer::Moderate,
        Layer::Confirm,
        Layer::Escalate,
        Layer::Popup,
        Layer::Prompt,
        Layer::Help,
    ];

    /// The name in `[keys.<name>]`.
    pub fn name(self) -> &'static str {
        match self {
            Layer::Inbox => "inbox",
            Layer::Composer => "composer",
            Layer::Picker => "picker",
            Layer::Outbox => "outbox",
            Layer::Moderate => "moderate",
            Layer::Confirm => "confirm",
            Layer::Escalate => "escalate",
            Layer::Popup => "popup",
            Layer::Prompt => "prompt",
            Layer::Help => "help",
        }
    }

    pub fn from_name(name: &str) -> Option<Layer> {
        Layer::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The heading in `?`.
    pub fn title(self) -> &'static str {
        match self {
            Layer::Inbox => "Inbox: views, list, item",
            Layer::Composer => "Composer (letters type)",
            Layer::Picker => "Canned-reply picker (letters filter)",
            Layer::Outbox => "Outbox pane",
            Layer::Moderate => "Moderation menu (m)",
            Layer::Confirm => "Confirm a delete, block or kick",
            Layer::Escalate => "Escalate: severity (!)",
            Layer::Popup => "Tag, reason, outcome, note (letters type)",
            Layer::Prompt => "Search / and command line : (letters type)",
            Layer::Help => "This help",
        }
    }

    /// The layer's commands with their default keys.
    pub fn bindings(self) -> &'static [Binding] {
        match self {
            Layer::Inbox => INBOX,
            Layer::Composer => COMPOSER,
            Layer::Picker => PICKER,
            Layer::Outbox => OUTBOX,
            Layer::Moderate => MODERATE,
            Layer::Confirm => CONFIRM,
            Layer::Escalate => ESCALATE,
            Layer::Popup => POPUP,
            Layer::Prompt => PROMPT,
            Layer::Help => HELP,
        }
    }

    /// The help text of `action` in this layer.
    pub fn help_of(self, action: Action) -> Option<&'static str> {
        self.bindings()
            .iter()
            .find(|b| b.action == action)
            .map(|b| b.help)
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One command of a layer: its default keys, its group in `?` and what it does.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub action: Action,
    pub keys: &'static [&'static str],
    /// A heading inside the layer's help ("Move", "Mood"); empty for none.
    pub group: &'static str,
    pub help: &'static str,
}

const fn b(
    action: Action,
    keys: &'static [&'static str],
    group: &'static str,
    help: &'static str,
) -> Binding {
    Binding {
        action,
        keys,
        group,
        help,
    }
}

/// The inbox keys of team mode: `?` lists them only with `[team]`.
pub const TEAM_GROUP: &str = "Team";

const INBOX: &[Binding] = &[
    b(Action::MoveDown, &["j", "down"], "Move", "next item"),
    b(Action::MoveUp, &["k", "up"], "Move", "previous item"),
    b(
        Action::PageDown,
        &["pgdn", "ctrl-d"],
        "Move",
        "one screen down",
    ),
    b(Action::PageUp, &["pgup", "ctrl-u"], "Move", "one screen up"),
    b(Action::GoTop, &["g", "home"], "Move", "first item"),
    b(Action::GoBottom, &["G", "end"], "Move", "last item"),
    b(Action::NextPane, &["tab"], "Move", "next pane"),
    b(Action::PrevPane, &["backtab"], "Move", "previous pane"),
    b(Action::NextView, &["]"], "Move", "next view"),
    b(Action::PrevView, &["["], "Move", "previous view"),
    b(Action::OpenItem, &["enter"], "Item", "open (marks it seen)"),
    b(Action::Back, &["esc"], "Item", "back · clear search/marks"),
    b(
        Action::MarkDone,
        &["d"],
        "Item",
        "mark done (marked or this)",
    ),
    b(Action::Reopen, &["o"], "Item", "reopen"),
    b(
        Action::Undo,
        &["u"],
        "Item",
        "undo the last change (state, tagging, snooze)",
    ),
    b(
        Action::ToggleMark,
        &["space"],
        "Item",
        "mark/unmark, move down",
    ),
    b(
        Action::MarkPositive,
        &["+"],
        "Mood",
        "mood: positive (yours wins)",
    ),
    b(Action::MarkNeutral, &["="], "Mood", "mood: neutral"),
    b(Action::MarkNegative, &["-"], "Mood", "mood: negative"),
    b(
        Action::ClearSentiment,
        &["0"],
        "Mood",
        "mood: back to automatic",
    ),
    b(Action::Explain, &["e"], "Mood", "why this mood (words)"),
    b(Action::Reply, &["r"], "Reply", "reply"),
    b(Action::PickReply, &["R"], "Reply", "pick a canned reply"),
    b(
        Action::Canned(1),
        &["1"],
        "Reply",
        "reply with canned reply 1",
    ),
    b(
        Action::Canned(2),
        &["2"],
        "Reply",
        "reply with canned reply 2",
    ),
    b(
        Action::Canned(3),
        &["3"],
        "Reply",
        "reply with canned reply 3",
    ),
    b(
        Action::Canned(4),
        &["4"],
        "Reply",
        "reply with canned reply 4",
    ),
    b(
        Action::Canned(5),
        &["5"],
        "Reply",
        "reply with canned reply 5",
    ),
    b(
        Action::Canned(6),
        &["6"],
        "Reply",
        "reply with canned reply 6",
    ),
    b(
        Action::Canned(7),
        &["7"],
        "Reply",
        "reply with canned reply 7",
    ),
    b(
        Action::Canned(8),
        &["8"],
        "Reply",
        "reply with canned reply 8",
    ),
    b(
        Action::Canned(9),
        &["9"],
        "Reply",
        "reply with canned reply 9",
    ),
    b(Action::Outbox, &["O"], "Reply", "outbox: sends, retries"),
    b(Action::Search, &["/"], "Find", "full-text search"),
    b(
        Action::Limit,
        &["l"],
        "Find",
        "limit to a pattern (~a ~b ~t ~s ~d ! |)",
    ),
    b(Action::SearchNext, &["n"], "Find", "next search result"),
    b(Action::SearchPrev, &["N"], "Find", "previous search result"),
    b(
        Action::MarkAll,
        &["*"],
        "Find",
        "mark all in the list (as limited)",
    ),
    b(
        Action::MarkPattern,
        &["T"],
        "Find",
        "mark by pattern (~t bug ~s neg)",
    ),
    b(Action::InvertMarks, &["~"], "Find", "invert the marks"),
    b(Action::UnmarkAll, &["U"], "Find", "unmark all"),
    b(
        Action::Sort,
        &["s"],
        "Find",
        "newest / oldest / SLA due first (kept per view)",
    ),
    b(Action::Moderate, &["m"], "Moderate", "moderation actions"),
    b(Action::Tag, &["t"], "Moderate", "tag (-tag removes)"),
    b(
        Action::Author,
        &["p"],
        "Moderate",
        "author: every item from them, notes",
    ),
    b(Action::PersonNote, &["P"], "Moderate", "note on the author"),
    b(
        Action::Snooze,
        &["z"],
        "Moderate",
        "snooze until 2h, tomorrow 9:00, mon…",
    ),
    b(
        Action::Flag,
        &["!"],
        "Moderate",
        "escalate: severity, reason",
    ),
    b(Action::Resolve, &["E"], "Moderate", "resolve its incident"),
    b(Action::AddNote, &["a"], "Moderate", "internal note"),
    b(
        Action::DetachIncident,
        &["D"],
        "Incident",
        "detach from its incident",
    ),
    b(
        Action::MergeIncident,
        &["J"],
        "Incident",
        "merge its incident into #N",
    ),
    b(
        Action::SplitIncident,
        &["S"],
        "Incident",
        "split off into a new one",
    ),
    b(Action::TickStep, &["c"], "Incident", "tick the next step"),
    b(
        Action::Assign,
        &["A"],
        TEAM_GROUP,
        "assign to a CM (tab completes, - unassigns)",
    ),
    b(
        Action::ApproveHeld,
        &["Y"],
        TEAM_GROUP,
        "moderator: approve the held delete/block/report",
    ),
    b(
        Action::RejectHeld,
        &["X"],
        TEAM_GROUP,
        "moderator: reject the held action",
    ),
    b(
        Action::CommandLine,
        &[":"],
        "Other",
        "command line (:view done)",
    ),
    b(Action::Help, &["?", "f1"], "Other", "this help"),
    b(Action::Quit, &["q", "ctrl-c"], "Other", "quit"),
];

const COMPOSER: &[Binding] = &[
    b(
        Action::SendReply,
        &["ctrl-s"],
        "",
        "send (again: despite warnings)",
    ),
    b(Action::Close, &["esc"], "", "close, keeping a draft"),
    b(
        Action::ExternalEditor,
        &["ctrl-e"],
        "",
        "edit the reply in $EDITOR",
    ),
    b(
        Action::PickReply,
        &["ctrl-p"],
        "",
        "snippet from the picker",
    ),
    b(
        Action::Canned(1),
        &["alt-1"],
        "",
        "add canned reply 1 at the cursor",
    ),
    b(
        Action::Canned(2),
        &["alt-2"],
        "",
        "add canned reply 2 at the cursor",
    ),
    b(
        Action::Canned(3),
        &["alt-3"],
        "",
        "add canned reply 3 at the cursor",
    ),
    b(
        Action::Canned(4),
        &["alt-4"],
        "",
        "add canned reply 4 at the cursor",
    ),
    b(
        Action::Canned(5),
        &["alt-5"],
        "",
        "add canned reply 5 at the cursor",
    ),
    b(
        Action::Canned(6),
        &["alt-6"],
        "",
        "add canned reply 6 at the cursor",
    ),
    b(
        Action::Canned(7),
        &["alt-7"],
        "",
        "add canned reply 7 at the cursor",
    ),
    b(
        Action::Canned(8),
        &["alt-8"],
        "",
        "add canned reply 8 at the cursor",
    ),
    b(
        Action::Canned(9),
        &["alt-9"],
        "",
        "add canned reply 9 at the cursor",
    ),
    b(Action::Help, &["f1"], "", "this help"),
];

const PICKER: &[Binding] = &[
    b(
        Action::MoveDown,
        &["down", "tab", "ctrl-n"],
        "",
        "next reply",
    ),
    b(
        Action::MoveUp,
        &["up", "backtab", "ctrl-p"],
        "",
        "previous reply",
    ),
    b(Action::Choose, &["enter"], "", "insert the reply"),
    b(Action::Close, &["esc", "ctrl-c"], "", "close"),
    b(Action::Help, &["f1"], "", "this help"),
];

const OUTBOX: &[Binding] = &[
    b(Action::MoveDown, &["j", "down"], "", "next row"),
    b(Action::MoveUp, &["k", "up"], "", "previous row"),
    b(Action::Retry, &["r"], "", "retry (unknown: asks first)"),
    b(
        Action::CancelSend,
        &["x"],
        "",
        "cancel a queued or failed row",
    ),
    b(Action::EditReply, &["e"], "", "edit a failed reply"),
    b(Action::ConfirmSent, &["s"], "", "an unknown row was sent"),
    b(Action::Close, &["esc", "q", "O"], "", "close"),
    b(Action::Help, &["?", "f1"], "", "this help"),
];

const MODERATE: &[Binding] = &[
    b(Action::Hide, &["h"], "", "hide from the public"),
    b(Action::Unhide, &["u"], "", "unhide"),
    b(Action::Delete, &["x"], "", "delete (asks first)"),
    b(Action::Block, &["b"], "", "block the author (asks first)"),
    b(Action::Kick, &["K"], "", "kick the author (asks first)"),
    b(Action::Mute, &["M"], "", "mute the author"),
    b(Action::MuteThread, &["T"], "", "mute this thread"),
    b(Action::Report, &["r"], "", "report to the platform…"),
    b(Action::Approve, &["A"], "", "approve (held for review)"),
    b(Action::Dismiss, &["D"], "", "dismiss the notification"),
    b(
        Action::AcceptRequest,
        &["a"],
        "",
        "accept a filtered request",
    ),
    b(
        Action::DismissRequest,
        &["X"],
        "",
        "dismiss a filtered request",
    ),
    b(Action::Close, &["esc", "ctrl-c"], "", "cancel"),
    b(Action::Help, &["?", "f1"], "", "this help"),
];

const CONFIRM: &[Binding] = &[
    b(
        Action::Yes,
        &["y", "Y"],
        "",
        "yes, do it (any other key: no)",
    ),
    b(Action::Help, &["f1"], "", "this help"),
];

const ESCALATE: &[Binding] = &[
    b(Action::Low, &["l"], "", "low"),
    b(Action::High, &["h"], "", "high"),
    b(Action::Critical, &["c"], "", "critical"),
    b(Action::Close, &["esc", "ctrl-c"], "", "cancel"),
    b(Action::Help, &["?", "f1"], "", "this help"),
];

const POPUP: &[Binding] = &[
    b(Action::Submit, &["enter"], "", "save / go on"),
    b(Action::Complete, &["tab"], "", "complete from the list"),
    b(
        Action::MoveDown,
        &["down", "ctrl-n"],
        "",
        "next choice in the list",
    ),
    b(
        Action::MoveUp,
        &["up", "ctrl-p"],
        "",
        "previous choice in the list",
    ),
    b(Action::ClearLine, &["ctrl-u"], "", "clear the line"),
    b(Action::Close, &["esc", "ctrl-c"], "", "cancel"),
    b(Action::Help, &["f1"], "", "this help"),
];

const PROMPT: &[Binding] = &[
    b(Action::Submit, &["enter"], "", "search / run the command"),
    b(
        Action::Complete,
        &["tab"],
        "",
        "complete :view names, commands",
    ),
    b(Action::MoveUp, &["up"], "", "older line (history)"),
    b(Action::MoveDown, &["down"], "", "newer line (history)"),
    b(Action::ClearLine, &["ctrl-u"], "", "clear the line"),
    b(Action::Close, &["esc", "ctrl-c"], "", "cancel"),
    b(Action::Help, &["f1"], "", "this help"),
];

const HELP: &[Binding] = &[
    b(Action::MoveDown, &["j", "down"], "", "scroll down"),
    b(Action::MoveUp, &["k", "up"], "", "scroll up"),
    b(
        Action::PageDown,
        &["pgdn", "ctrl-d", "space"],
        "",
        "one page down",
    ),
    b(Action::PageUp, &["pgup", "ctrl-u"], "", "one page up"),
    b(Action::GoTop, &["g", "home"], "", "top"),
    b(Action::GoBottom, &["G", "end"], "", "bottom"),
    b(
        Action::Close,
        &["esc", "q", "?"],
        "",
        "close (any other key too)",
    ),
];

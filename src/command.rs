//! The one write route from the UI: every change the CM asks for is a [`Command`], run on
//! the writer's connection by [`Command::apply`], each in its own transaction. What it
//! changed reaches every reader as a change notice (see [`crate::store::change`]); what it did
//! comes back as a [`Done`] for the status line.

use rusqlite::Connection;

use crate::domain::{ItemId, ItemState, SentimentLabel, Severity, UnixTime};
use crate::escalation::{EscalationConfig, NewEscalation};
use crate::outbox::OutboxId;
use crate::platform::kinds;

use crate::store::notifications::Retried;
use crate::store::state::{Undone, ACTOR_USER};
use crate::store::Result;

/// What the CM can do to an outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxOp {
    Retry,
    Cancel,
    /// The CM says an `unknown` row did reach the platform.
    ConfirmSent,
}

/// What the CM does to an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncidentOp {
    /// Take the items out of their incidents.
    Detach { ids: Vec<ItemId> },
    /// Merge the items' incidents into incident `into`.
    Merge { ids: Vec<ItemId>, into: i64 },
    /// Move the items out of their incident into a new one titled `title`.
    Split { ids: Vec<ItemId>, title: String },
    /// Tick the next step of the item's incidents.
    Tick { id: ItemId },
}

impl IncidentOp {
    fn as_op(&self) -> crate::escalation::incident::Op<'_> {
        use crate::escalation::incident::Op;
        match self {
            IncidentOp::Detach { ids } => Op::Detach(ids),
            IncidentOp::Merge { ids, into } => Op::Merge(ids, *into),
            IncidentOp::Split { ids, title } => Op::Split(ids, title),
            IncidentOp::Tick { id } => Op::Tick(*id),
        }
    }
}

/// `#12` names incident 12.
pub fn incident_ref(text: &str) -> Option<i64> {
    text.trim().strip_prefix('#')?.parse().ok()
}

/// A write the UI asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    SetState {
        ids: Vec<ItemId>,
        to: ItemState,
        only_from: Option<Vec<ItemState>>,
        actor: &'static str,
    },
    /// Undo the CM's last state change (a whole batch).
    Undo,
    /// Sets the CM's sentiment label (`None` clears it).
    SetSentiment {
        ids: Vec<ItemId>,
        label: Option<SentimentLabel>,
    },
    /// Queue a moderation action (sent through the outbox).
    Moderate {
        ids: Vec<ItemId>,
        kind: &'static str,
        payload: serde_json::Value,
    },
    Tag {
        ids: Vec<ItemId>,
        tag: String,
        remove: bool,
    },
    Flag {
        ids: Vec<ItemId>,
        severity: Severity,
        reason: String,
        config: Box<EscalationConfig>,
    },
    Resolve {
        ids: Vec<ItemId>,
        outcome: String,
        config: Box<EscalationConfig>,
    },
    /// Detach, merge, split or tick a step of the incidents of the items.
    Incident {
        op: IncidentOp,
        config: Box<EscalationConfig>,
    },
    Note {
        id: ItemId,
        body: String,
    },
    /// Put failed escalation notifications back in the queue (those whose step the
    /// config still has).
    RetryNotifications {
        config: Box<EscalationConfig>,
    },
    /// `:lang es`: the CM's language for the items, rescored with `sentiment`.
    SetLang {
        ids: Vec<ItemId>,
        lang: String,
        sentiment: Box<crate::sentiment::SentimentConfig>,
    },
    /// Keep the composer's text for the item (empty removes the draft).
    SaveDraft {
        item_id: ItemId,
        body: String,
    },
    /// Write the reply to the outbox (the worker sends it).
    QueueReply {
        item_id: ItemId,
        text: String,
        replaces: Option<OutboxId>,
    },
    /// Team mode's send: [`Command::QueueReply`], unless another CM answered the item
    /// since the composer opened (`seen`); then nothing is queued and the answer names
    /// that reply, for the CM to decide.
    QueueReplyUnanswered {
        item_id: ItemId,
        text: String,
        replaces: Option<OutboxId>,
        seen: crate::store::answered::Seen,
    },
    Outbox {
        id: OutboxId,
        op: OutboxOp,
    },
    /// Remember the order the CM chose for a view.
    SetViewSort {
        view: String,
        sort: crate::store::read::Sort,
    },
    /// Snooze the items until a time (`shown` is that time as the CM reads it).
    Snooze {
        ids: Vec<ItemId>,
        until: UnixTime,
        shown: String,
    },
    /// Bring back as new every snoozed item whose time has come.
    WakeSnoozed,
    /// A note on a person (kept local).
    PersonNote {
        person: i64,
        body: String,
    },
    /// Join the authors of these items into one person.
    LinkAuthors {
        items: Vec<ItemId>,
    },
    SetAdvocate {
        person: i64,
        on: bool,
    },
    /// Mark the person's open items done (one batch, `u` undoes).
    DoneAuthorItems {
        person: i64,
    },
    /// Team mode: assign the items to a CM (`None` unassigns); one batch, `u` undoes.
    Assign {
        ids: Vec<ItemId>,
        to: Option<String>,
    },
    /// Team mode: `:away` / `:back` for this CM (round-robin skips CMs who are away).
    SetAway {
        away: bool,
    },
    /// Team mode: a moderator approves (sends) or rejects the actions held on the items.
    Decide {
        ids: Vec<ItemId>,
        approve: bool,
    },
}

/// What a command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    StateChanged {
        count: usize,
        to: ItemState,
    },
    SentimentSet {
        count: usize,
        label: Option<SentimentLabel>,
    },
    Undone(Option<Undone>),
    Moderated {
        kind: &'static str,
        count: usize,
    },
    Tagged {
        tag: String,
        remove: bool,
        count: usize,
    },
    Flagged {
        count: usize,
        severity: Severity,
        /// The incident the last item joined.
        incident: Option<i64>,
    },
    Attached {
        count: usize,
        incident: i64,
    },
    /// An incident operation, with what it did in words.
    IncidentChanged(String),
    Resolved(usize),
    Noted,
    Retried(Retried),
    LangSet {
        lang: String,
        count: usize,
        scored: bool,
    },
    DraftSaved,
    ViewSortKept,
    Queued(OutboxId),
    /// Not queued: another CM answered the item since the composer opened.
    AnsweredMeanwhile(crate::store::answered::OtherReply),
    Snoozed {
        count: usize,
        until: String,
    },
    /// How many snoozed items came back.
    Woken(usize),
    PersonNoted,
    /// The person the authors now are; `None` when they were one already.
    Linked(Option<i64>),
    Advocate(bool),
    /// Whether the row was in a state the operation applies to.
    OutboxChanged {
        op: OutboxOp,
        moved: bool,
    },
    /// How many items changed assignee, and to whom.
    Assigned {
        count: usize,
        to: Option<String>,
    },
    /// Whether this CM is now away, and whether that changed anything.
    Away {
        away: bool,
        changed: bool,
    },
    /// A destructive action held for a moderator's approval (nothing sent yet).
    Held {
        kind: &'static str,
        count: usize,
    },
    /// How many held actions a moderator approved or rejected.
    Decided {
        approve: bool,
        count: usize,
    },
}

impl Command {
    /// Carries the command out on the writer's connection.
    pub fn apply(self, conn: &mut Connection, now: UnixTime) -> Result<Done> {
        let user = ACTOR_USER;
        Ok(match self {
            Command::SetState {
                ids,
                to,
                only_from,
                actor,
            } => {
                let changed = crate::store::state::set_state(
                    conn,
                    &ids,
                    to,
                    only_from.as_deref(),
                    actor,
                    now,
                )?;
                Done::StateChanged {
                    count: changed.len(),
                    to,
                }
            }
            Command::Undo => Done::Undone(crate::store::state::undo_last(conn, now)?),
            Command::SetSentiment { ids, label } => Done::SentimentSet {
                count: crate::store::sentiment::set_manual(conn, &ids, label, now)?,
                label,
            },
            // A CM who is not a moderator asks one first for what cannot be taken back.
            Command::Moderate { ids, kind, payload }
                if crate::store::team::must_hold(conn, kind)? =>
            {
                Done::Held {
                    kind,
                    count: crate::store::team::hold(conn, &ids, kind, &payload, now)?,
                }
            }
            Command::Moderate { ids, kind, payload } => Done::Moderated {
                kind,
                count: crate::store::moderation::queue(conn, &ids, kind, &payload, user, now)?
                    .len(),
            },
            Command::Assign { ids, to } => Done::Assigned {
                count: crate::store::team::assign(conn, &ids, to.as_deref(), user, now)?.len(),
                to,
            },
            Command::SetAway { away } => Done::Away {
                away,
                changed: crate::store::team::set_away(conn, away, now)?,
            },
            Command::Decide { ids, approve } => Done::Decided {
                approve,
                count: crate::store::team::decide(conn, &ids, approve, now)?,
            },
            Command::Tag { ids, tag, remove } => Done::Tagged {
                count: crate::store::moderation::set_tag(conn, &ids, &tag, remove, user, now)?,
                tag,
                remove,
            },
            Command::Flag {
                ids,
                severity,
                reason,
                config,
            } => {
                // `#N` as the reason attaches the items to open incident N.
                if let Some(incident) = incident_ref(&reason) {
                    let count = crate::store::incidents::in_transaction(conn, |tx| {
                        crate::escalation::incident::attach(tx, incident, &ids, user, &config, now)
                    })?;
                    return Ok(Done::Attached { count, incident });
                }
                let opened = crate::store::incidents::in_transaction(conn, |tx| {
                    let mut last = None;
                    for &id in &ids {
                        last = Some(crate::escalation::open(
                            tx,
                            &NewEscalation {
                                item_id: Some(id),
                                linked: Vec::new(),
                                severity,
                                reason: reason.clone(),
                                actor: user.into(),
                                topic: Default::default(),
                            },
                            &config,
                            now,
                        )?);
                    }
                    Ok(last)
                })?;
                Done::Flagged {
                    count: ids.len(),
                    severity,
                    incident: opened.map(|o| o.incident),
                }
            }
            Command::Resolve {
                ids,
                outcome,
                config,
            } => Done::Resolved(crate::escalation::resolve_items(
                conn, &ids, &outcome, user, &config, now,
            )?),
            Command::Incident { op, config } => {
                let who = config.who();
                Done::IncidentChanged(crate::store::incidents::in_transaction(conn, |tx| {
                    crate::escalation::incident::apply(tx, op.as_op(), &who, &config, now)
                })?)
            }
            Command::SetViewSort { view, sort } => {
                crate::store::view_sort::set(conn, &view, sort.as_str())?;
                Done::ViewSortKept
            }
            Command::Note { id, body } => {
                crate::store::moderation::add_note(conn, id, &body, now)?;
                Done::Noted
            }
            Command::RetryNotifications { config } => {
                Done::Retried(crate::escalation::notify::retry_failed(conn, &config, now)?)
            }
            Command::SetLang {
                ids,
                lang,
                sentiment,
            } => {
                let analyzer = crate::sentiment::Analyzer::new(&sentiment);
                let count = crate::store::language::set_manual(conn, &ids, &lang, &analyzer, now)?;
                Done::LangSet {
                    scored: analyzer.scores(&lang),
                    lang,
                    count,
                }
            }
            Command::SaveDraft { item_id, body } => {
                crate::store::outbox::save_draft(conn, item_id, &body, now)?;
                Done::DraftSaved
            }
            Command::QueueReply {
                item_id,
                text,
                replaces,
            } => {
                let payload = serde_json::json!({ "text": text });
                Done::Queued(crate::store::outbox::enqueue(
                    conn,
                    item_id,
                    kinds::REPLY,
                    &payload,
                    replaces,
                    user,
                    now,
                )?)
            }
            Command::QueueReplyUnanswered {
                item_id,
                text,
                replaces,
                seen,
            } => match crate::store::answered::answered_since(conn, item_id, &seen)? {
                Some(other) => Done::AnsweredMeanwhile(other),
                None => Command::QueueReply {
                    item_id,
                    text,
                    replaces,
                }
                .apply(conn, now)?,
            },
            Command::Snooze { ids, until, shown } => Done::Snoozed {
                count: crate::store::snooze::snooze(conn, &ids, until, now)?.len(),
                until: shown,
            },
            Command::PersonNote { person, body } => {
                crate::store::people::add_note(conn, person, &body, now)?;
                Done::PersonNoted
            }
            Command::LinkAuthors { items } => {
                let authors = crate::store::people::authors_of_items(conn, &items)?;
                Done::Linked(crate::store::people::link(conn, &authors)?)
            }
            Command::SetAdvocate { person, on } => {
                crate::store::people::update_marks(conn, person, |m| m.advocate = on)?;
                Done::Advocate(on)
            }
            Command::DoneAuthorItems { person } => Done::StateChanged {
                count: crate::store::people::done_open_items(conn, person, now)?,
                to: ItemState::Done,
            },
            Command::WakeSnoozed => Done::Woken(crate::store::snooze::wake_due(conn, now)?.len()),
            Command::Outbox { id, op } => Done::OutboxChanged {
                op,
                moved: match op {
                    OutboxOp::Retry => crate::store::outbox::retry(conn, id, now)?,
                    OutboxOp::Cancel => crate::store::outbox::cancel(conn, id, now)?,
                    OutboxOp::ConfirmSent => crate::store::outbox::confirm_sent(conn, id, now)?,
                },
            },
        })
    }
}

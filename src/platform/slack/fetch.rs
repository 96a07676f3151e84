//! Ingest by polling: `conversations.list` for the channels and DMs the bot is in, then
//! per watched channel `conversations.history` from its mark, and per followed thread
//! `conversations.replies` from its mark, each paged with Slack's cursors.
//!
//! A round is a queue of units (a channel, a thread), each read a page at a time; one
//! fetch returns as soon as a page changed something, with `more` while units remain, so
//! the poller stores each page with its cursor. When a method's budget for the minute is
//! spent (one read a minute for a limited app), the round ends and the rest of the queue
//! waits for the next one: nothing is skipped, it only arrives later.

use std::collections::VecDeque;

use serde_json::Value;

use super::cursor::{later, Mark, Scan, State};
use super::messages::{self, Msg, Read};
use super::tiers::{self, Access};
use super::{Me, SlackConnector};
use crate::domain::ItemKind;
use crate::platform::chat::{Message, Room};
use crate::platform::{FetchPage, PlatformError};

/// One piece of a round's work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    Channel(String),
    /// `<channel>/<thread_ts>`.
    Thread(String),
}

impl Unit {
    fn method(&self) -> &'static str {
        match self {
            Unit::Channel(_) => "conversations.history",
            Unit::Thread(_) => "conversations.replies",
        }
    }
}

pub async fn fetch(c: &SlackConnector, cursor: Option<&str>) -> Result<FetchPage, PlatformError> {
    let me = c.me().await?;
    c.start_socket();
    let mut state = State::parse(cursor);
    match c.access {
        Access::Internal => state.limited = false,
        Access::Limited => state.limited = true,
        Access::Auto => {}
    }
    c.note_access(state.limited);
    let rooms = c.rooms().await?;
    // Threads the bot replied in since the last fetch are followed from its reply on.
    let replied = std::mem::take(&mut *c.replied.lock().unwrap());
    for (key, ts) in replied {
        state.follow(key.clone(), &ts, Some(&ts));
        if let Some(thread) = state.threads.get_mut(&key) {
            thread.own = true;
        }
        let unit = Unit::Thread(key);
        let mut queue = c.queue.lock().unwrap();
        if !queue.is_empty() && !queue.contains(&unit) {
            queue.push_back(unit);
        }
    }
    let before = state.clone();
    let mut page = FetchPage {
        // The list names each item's channel by these labels.
        rooms: super::rooms::stored(&rooms, &c.watch),
        ..FetchPage::default()
    };
    if c.queue.lock().unwrap().is_empty() {
        *c.queue.lock().unwrap() = plan(c, &state, &rooms);
    }
    let mut paused = false;
    loop {
        let Some(unit) = c.queue.lock().unwrap().front().cloned() else {
            break;
        };
        if c.pacer.budget(unit.method(), state.limited).0 == 0 {
            // The minute's reads are spent: the rest of the round waits for the next.
            paused = true;
            break;
        }
        let done = match &unit {
            Unit::Channel(id) => match rooms.iter().find(|r| r.id == *id) {
                Some(room) => {
                    let followed: Vec<String> = state.threads.keys().cloned().collect();
                    let done = read_channel(c, &me, room, &mut state, &mut page).await?;
                    // Threads found on this page are read in this round too.
                    let mut queue = c.queue.lock().unwrap();
                    for key in state.threads.keys() {
                        if !followed.contains(key) {
                            queue.push_back(Unit::Thread(key.clone()));
                        }
                    }
                    done
                }
                None => true,
            },
            Unit::Thread(key) => read_thread(c, &me, &rooms, key, &mut state, &mut page).await?,
        };
        if done {
            c.queue.lock().unwrap().pop_front();
        }
        if state != before || !page.items.is_empty() || !page.unreadable.is_empty() {
            break;
        }
    }
    c.note_access(state.limited);
    // More right now only when the next unit's method has budget left this minute.
    let next = c.queue.lock().unwrap().front().map(Unit::method);
    page.more = !paused && next.is_some_and(|m| c.pacer.budget(m, state.limited).0 > 0);
    page.next_cursor = Some(state.encode());
    pushed(c, &me, &rooms, &mut page);
    c.name_authors(&mut page.items).await;
    page.items
        .sort_by_key(|item| std::cmp::Reverse(item.created_at));
    Ok(page)
}

/// Mentions and DMs Socket Mode pushed since the last fetch, as items (the history read
/// finds them again later; the store keeps one).
fn pushed(c: &SlackConnector, me: &Me, rooms: &[Room], page: &mut FetchPage) {
    let events = std::mem::take(&mut *c.pushed.lock().unwrap());
    for (channel, raw) in events {
        let Some(room) = rooms.iter().find(|r| r.id == channel) else {
            continue;
        };
        let Read::Message(msg) = messages::read(&channel, &raw) else {
            continue;
        };
        let id = messages::id(&channel, &msg.ts);
        if page.items.iter().any(|i| i.external_id == id) {
            continue;
        }
        if let Some(kind) = classify(c, me, room, &msg, false) {
            page.items.push(msg.item(kind, me.url.as_deref()));
        }
    }
}

/// The round's units: every watched channel, then every followed thread of one.
fn plan(c: &SlackConnector, state: &State, rooms: &[Room]) -> VecDeque<Unit> {
    let watched: Vec<&Room> = rooms.iter().filter(|r| c.watch.watches(r)).collect();
    let mut units: VecDeque<Unit> = watched
        .iter()
        .map(|r| Unit::Channel(r.id.clone()))
        .collect();
    units.extend(
        state
            .threads
            .keys()
            .filter(|k| {
                messages::split_id(k).is_some_and(|(ch, _)| watched.iter().any(|r| r.id == ch))
            })
            .map(|k| Unit::Thread(k.clone())),
    );
    units
}

fn page_size(state: &State) -> u32 {
    if state.limited {
        tiers::LIMITED_PAGE
    } else {
        tiers::FULL_PAGE
    }
}

/// One `conversations.history` page of `room`; true when the channel is read up to now.
async fn read_channel(
    c: &SlackConnector,
    me: &Me,
    room: &Room,
    state: &mut State,
    page: &mut FetchPage,
) -> Result<bool, PlatformError> {
    let mark = state.channels.get(&room.id).cloned().unwrap_or_default();
    let size = page_size(state);
    let mut args = vec![("channel", room.id.clone()), ("limit", size.to_string())];
    if let Some(m) = &mark.mark {
        args.push(("oldest", m.clone()));
    }
    if let Some(scan) = &mark.scan {
        args.push(("cursor", scan.cursor.clone()));
    }
    let answer = match c.read("conversations.history", state.limited, &args).await {
        Err(PlatformError::Permanent(e)) if e.contains("invalid_cursor") && mark.scan.is_some() => {
            // The saved page cursor expired: read again from the mark.
            state.channels.entry(room.id.clone()).or_default().scan = None;
            return Ok(false);
        }
        other => other?,
    };
    let raws = answer["messages"].as_array().cloned().unwrap_or_default();
    let has_more = answer["has_more"].as_bool().unwrap_or(false);
    let next = next_cursor(&answer);
    if c.access == Access::Auto && !state.limited && tiers::clamped(size, raws.len(), has_more) {
        state.limited = true;
    }
    let mut top = mark.scan.as_ref().map(|s| s.top.clone());
    for raw in &raws {
        if let Some(ts) = raw["ts"].as_str() {
            top = Some(later(top.as_deref(), ts));
        }
        match messages::read(&room.id, raw) {
            Read::Skip => {}
            Read::Unreadable(u) => page.unreadable.push(u),
            Read::Message(msg) => {
                if msg.reply_count > 0 {
                    let key = messages::id(&room.id, &msg.ts);
                    // New replies since the channel's mark (all of them for a new thread).
                    let from = mark
                        .mark
                        .as_deref()
                        .filter(|m| messages::ts_cmp(m, &msg.ts).is_gt())
                        .unwrap_or(&msg.ts);
                    state.follow(key.clone(), from, msg.latest_reply.as_deref());
                    if msg.reply_users.contains(&me.user_id) || is_own(me, &msg) {
                        if let Some(t) = state.threads.get_mut(&key) {
                            t.own = true;
                        }
                    }
                }
                if let Some(kind) = classify(c, me, room, &msg, false) {
                    page.items.push(msg.item(kind, me.url.as_deref()));
                }
            }
        }
    }
    let entry = state.channels.entry(room.id.clone()).or_default();
    let first_read = mark.mark.is_none() && mark.scan.is_none();
    Ok(finish(entry, top, has_more && !first_read, next))
}

/// One `conversations.replies` page of a followed thread; true when it is read up to now.
async fn read_thread(
    c: &SlackConnector,
    me: &Me,
    rooms: &[Room],
    key: &str,
    state: &mut State,
    page: &mut FetchPage,
) -> Result<bool, PlatformError> {
    let Some((channel, thread_ts)) = messages::split_id(key) else {
        state.threads.remove(key);
        return Ok(true);
    };
    let Some(room) = rooms.iter().find(|r| r.id == channel) else {
        return Ok(true);
    };
    let mark = state.threads.get(key).cloned().unwrap_or_default();
    let mut args = vec![
        ("channel", channel.to_string()),
        ("ts", thread_ts.to_string()),
        ("limit", page_size(state).to_string()),
    ];
    if let Some(m) = &mark.mark {
        args.push(("oldest", m.clone()));
    }
    if let Some(scan) = &mark.scan {
        args.push(("cursor", scan.cursor.clone()));
    }
    let answer = match c.read("conversations.replies", state.limited, &args).await {
        Err(PlatformError::NotFound(_)) => {
            // The thread's first message was deleted: nothing more to follow.
            state.threads.remove(key);
            return Ok(true);
        }
        Err(PlatformError::Permanent(e)) if e.contains("invalid_cursor") && mark.scan.is_some() => {
            if let Some(t) = state.threads.get_mut(key) {
                t.scan = None;
            }
            return Ok(false);
        }
        other => other?,
    };
    let raws = answer["messages"].as_array().cloned().unwrap_or_default();
    let has_more = answer["has_more"].as_bool().unwrap_or(false);
    let next = next_cursor(&answer);
    let mut own = mark.own;
    let mut top = mark.scan.as_ref().map(|s| s.top.clone());
    for raw in &raws {
        match messages::read(channel, raw) {
            Read::Skip => {}
            Read::Unreadable(u) => page.unreadable.push(u),
            Read::Message(msg) if msg.ts == thread_ts => {
                // The thread's first message, read with the channel: who replied so far.
                own |= is_own(me, &msg) || msg.reply_users.contains(&me.user_id);
            }
            Read::Message(msg) => {
                let newer = mark
                    .mark
                    .as_deref()
                    .is_none_or(|m| messages::ts_cmp(&msg.ts, m).is_gt());
                if !newer {
                    continue;
                }
                top = Some(later(top.as_deref(), &msg.ts));
                if let Some(kind) = classify(c, me, room, &msg, own) {
                    page.items.push(msg.item(kind, me.url.as_deref()));
                }
                own |= is_own(me, &msg);
            }
        }
    }
    let Some(entry) = state.threads.get_mut(key) else {
        return Ok(true);
    };
    entry.own = own;
    Ok(finish(entry, top, has_more, next))
}

/// Moves `entry` after a page: on to the next page, or the mark up to the newest seen.
fn finish(entry: &mut Mark, top: Option<String>, more: bool, next: Option<String>) -> bool {
    match (more, next, top) {
        (true, Some(cursor), Some(top)) => {
            entry.scan = Some(Scan { cursor, top });
            false
        }
        (_, _, top) => {
            if let Some(top) = top {
                entry.mark = Some(later(entry.mark.as_deref(), &top));
            }
            entry.scan = None;
            true
        }
    }
}

fn next_cursor(answer: &Value) -> Option<String> {
    answer["response_metadata"]["next_cursor"]
        .as_str()
        .filter(|c| !c.is_empty())
        .map(str::to_string)
}

pub fn is_own(me: &Me, msg: &Msg) -> bool {
    msg.user.as_deref() == Some(me.user_id.as_str())
        || (msg.bot_id.is_some() && msg.bot_id == me.bot_id)
}

/// The item kind of `msg` under `[account.chat]`, if it is one.
pub fn classify(
    c: &SlackConnector,
    me: &Me,
    room: &Room,
    msg: &Msg,
    in_own_thread: bool,
) -> Option<ItemKind> {
    let body = messages::plain(&msg.text);
    let message = Message {
        room: Some(room),
        own: is_own(me, msg),
        mentions_account: msg.mentions(&me.user_id),
        body: &body,
        in_own_thread,
    };
    let mut names = vec![];
    if let Some(name) = me.name.as_deref() {
        names.push(name);
    }
    c.watch.classify(&message, &names)
}

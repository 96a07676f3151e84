//! Slack messages (docs "Message objects" / "Formatting text: retrieving messages") read
//! into facts for the chat model, and made into items.
//!
//! A message is known by its channel and its `ts`, which is also its time (seconds with
//! six decimals, stamped by Slack). Items' external ids are `<channel>/<ts>`, so a thread
//! (`thread_ts`) is `<channel>/<thread_ts>`.

use serde_json::{json, Value};

use crate::domain::{ItemKind, NewAuthor, NewItem, Unreadable};

/// What hark reads of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub channel: String,
    pub ts: String,
    /// The author's user id (`U…`/`W…`); bots may have only `bot_id`.
    pub user: Option<String>,
    pub bot_id: Option<String>,
    /// A name the message itself carries (a bot's `username`, a `user_profile`).
    pub name: Option<String>,
    /// As Slack stores it: `<@U123>`, `&amp;`.
    pub text: String,
    pub thread_ts: Option<String>,
    pub reply_count: u64,
    pub reply_users: Vec<String>,
    pub latest_reply: Option<String>,
    pub raw: Value,
}

pub enum Read {
    Message(Box<Msg>),
    /// A channel event (joins, topic changes): not a message anyone wrote.
    Skip,
    Unreadable(Unreadable),
}

/// Subtypes that are messages someone wrote (docs "Message subtypes"); the rest are events.
const WRITTEN: &[&str] = &[
    "bot_message",
    "thread_broadcast",
    "file_share",
    "me_message",
];

pub fn read(channel: &str, raw: &Value) -> Read {
    if let Some(subtype) = raw["subtype"].as_str() {
        if !WRITTEN.contains(&subtype) {
            return Read::Skip;
        }
    }
    let unreadable = |reason: &str| {
        Read::Unreadable(Unreadable {
            source: "slack message".into(),
            key: raw["ts"].as_str().map(|ts| format!("{channel}/{ts}")),
            reason: reason.into(),
            raw: raw.to_string(),
        })
    };
    let Some(ts) = raw["ts"].as_str().filter(|ts| seconds(ts).is_some()) else {
        return unreadable("no ts (a message's id and time)");
    };
    let Some(text) = raw["text"].as_str() else {
        return unreadable("no text");
    };
    let user = raw["user"].as_str().map(str::to_string);
    let bot_id = raw["bot_id"].as_str().map(str::to_string);
    if user.is_none() && bot_id.is_none() {
        return unreadable("no author (user or bot_id)");
    }
    let name = raw["user_profile"]["display_name"]
        .as_str()
        .filter(|n| !n.is_empty())
        .or_else(|| raw["user_profile"]["real_name"].as_str())
        .or_else(|| raw["username"].as_str())
        .or_else(|| raw["bot_profile"]["name"].as_str())
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    Read::Message(Box::new(Msg {
        channel: channel.to_string(),
        ts: ts.to_string(),
        user,
        bot_id,
        name,
        text: text.to_string(),
        thread_ts: raw["thread_ts"].as_str().map(str::to_string),
        reply_count: raw["reply_count"].as_u64().unwrap_or(0),
        reply_users: raw["reply_users"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|u| u.as_str().map(str::to_string))
            .collect(),
        latest_reply: raw["latest_reply"].as_str().map(str::to_string),
        raw: raw.clone(),
    }))
}

/// The whole seconds of a `ts` ("1512085950.000216").
pub fn seconds(ts: &str) -> Option<i64> {
    let (whole, frac) = ts.split_once('.').unwrap_or((ts, ""));
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    whole.parse().ok().filter(|s: &i64| *s >= 0)
}

/// Orders two `ts` values (they compare as decimals, not as text).
pub fn ts_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |ts: &str| {
        let (whole, frac) = ts.split_once('.').unwrap_or((ts, ""));
        (whole.parse::<u64>().unwrap_or(0), format!("{frac:0<6}"))
    };
    key(a).cmp(&key(b))
}

pub fn id(channel: &str, ts: &str) -> String {
    format!("{channel}/{ts}")
}

/// `(channel, ts)` of an item's external id.
pub fn split_id(external: &str) -> Option<(&str, &str)> {
    external
        .split_once('/')
        .filter(|(c, t)| !c.is_empty() && seconds(t).is_some())
}

impl Msg {
    /// A reply inside a thread (not the thread's first message).
    pub fn in_thread(&self) -> bool {
        self.thread_ts.as_deref().is_some_and(|t| t != self.ts)
    }

    /// The message mentions `user` with Slack's `<@U123>` markup.
    pub fn mentions(&self, user: &str) -> bool {
        self.text.contains(&format!("<@{user}>")) || self.text.contains(&format!("<@{user}|"))
    }

    /// The item this message becomes; `workspace` is the team's URL, for links.
    pub fn item(&self, kind: ItemKind, workspace: Option<&str>) -> NewItem {
        let author = self
            .user
            .clone()
            .or_else(|| self.bot_id.clone())
            .unwrap_or_default();
        let thread = self
            .in_thread()
            .then(|| id(&self.channel, self.thread_ts.as_deref().unwrap_or_default()));
        let mut raw = self.raw.clone();
        raw["channel"] = json!(self.channel);
        NewItem {
            external_id: id(&self.channel, &self.ts),
            kind,
            parent_external_id: thread.clone(),
            thread_external_id: thread,
            author: NewAuthor {
                external_id: author.clone(),
                handle: author.clone(),
                display_name: self.name.clone().unwrap_or(author),
                followers: None,
            },
            body: plain(&self.text),
            url: workspace.map(|w| permalink(w, &self.channel, &self.ts)),
            created_at: seconds(&self.ts).unwrap_or_default(),
            raw_json: Some(raw.to_string()),
            room: Some(self.channel.clone()),
        }
    }
}

/// `https://team.slack.com/archives/C123/p1512085950000216`, the form Slack's own links take.
pub fn permalink(workspace: &str, channel: &str, ts: &str) -> String {
    format!(
        "{}/archives/{channel}/p{}",
        workspace.trim_end_matches('/'),
        ts.replace('.', "")
    )
}

/// Slack's markup made readable (docs "Formatting text: retrieving messages"): `<@U1>` and
/// `<@U1|ana>` become `@U1` and `@ana`, `<#C1|general>` `#general`, `<!here>` `@here`,
/// `<https://x|label>` `label (https://x)`; `&amp;` `&lt;` `&gt;` are decoded last.
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let inner = &rest[open + 1..open + close];
        let (target, label) = match inner.split_once('|') {
            Some((t, l)) => (t, Some(l)),
            None => (inner, None),
        };
        let shown = if let Some(user) = target.strip_prefix('@') {
            format!("@{}", label.unwrap_or(user))
        } else if let Some(channel) = target.strip_prefix('#') {
            format!("#{}", label.unwrap_or(channel))
        } else if let Some(special) = target.strip_prefix('!') {
            let word = special.split('^').next().unwrap_or(special);
            label.map_or_else(|| format!("@{word}"), str::to_string)
        } else {
            match label {
                Some(l) if l != target => format!("{l} ({target})"),
                _ => target.to_string(),
            }
        };
        out.push_str(&shown);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    unescape(&out)
}

pub fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn slack_markup_reads_as_plain_text() {
        assert_eq!(
            plain("<@U0BRAND> is the <#C01|general> cold brew &amp; tea? &lt;3 <!here>"),
            "@U0BRAND is the #general cold brew & tea? <3 @here"
        );
        assert_eq!(
            plain("see <https://nimbus.example/menu|the menu> or <https://x.example>"),
            "see the menu (https://nimbus.example/menu) or https://x.example"
        );
        assert_eq!(plain("a < b"), "a < b", "an unclosed bracket stays");
        assert_eq!(plain("&amp;lt;"), "&lt;", "decoded once");
    }

    #[test]
    fn ts_orders_as_a_decimal_and_gives_the_seconds() {
        assert_eq!(seconds("1512085950.000216"), Some(1512085950));
        assert_eq!(seconds("x.1"), None);
        assert_eq!(
            ts_cmp("1512085950.000216", "1512085950.00022"),
            Ordering::Less
        );
        assert_eq!(ts_cmp("999.9", "1000.0"), Ordering::Less);
        assert_eq!(
            split_id("C1/1512085950.000216"),
            Some(("C1", "1512085950.000216"))
        );
        assert_eq!(split_id("C1"), None);
    }

    #[test]
    fn a_message_without_ts_is_set_aside_and_a_join_is_not_a_message() {
        let r = read(
            "C1",
            &json!({"type": "message", "user": "U1", "text": "hi"}),
        );
        assert!(matches!(r, Read::Unreadable(u) if u.reason.contains("no ts")));
        let join = json!({"type": "message", "subtype": "channel_join", "ts": "1.0",
            "user": "U1", "text": "<@U1> has joined the channel"});
        assert!(matches!(read("C1", &join), Read::Skip));
        let reply = json!({"type": "message", "user": "U1", "text": "one island",
            "thread_ts": "1482960137.003543", "parent_user_id": "U2", "ts": "1483037603.017503"});
        let Read::Message(m) = read("C1", &reply) else {
            panic!()
        };
        let item = m.item(ItemKind::Comment, Some("https://nimbus.slack.com/"));
        assert_eq!(item.external_id, "C1/1483037603.017503");
        assert_eq!(
            item.thread_external_id.as_deref(),
            Some("C1/1482960137.003543")
        );
        assert_eq!(
            item.url.as_deref(),
            Some("https://nimbus.slack.com/archives/C1/p1483037603017503")
        );
        assert_eq!(item.created_at, 1483037603);
    }
}

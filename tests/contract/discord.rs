//! The kit's Discord: a local API speaking v10 as the developer docs document it
//! (Resources: "Message" (Get Channel Messages, Create Message, Delete Message), "Guild"
//! (Get Guild, Get Guild Member, Get Guild Channels, List Active Guild Threads, Modify
//! Guild Member, Remove Guild Member, Create Guild Ban), "User" (Get Current User),
//! "Application" (Get Current Application); Topics: "Rate Limits", "Opcodes and Status
//! Codes"). Shapes come from tests/fixtures/discord/, each naming its page.
//!
//! One guild, one text channel. `after` answers the messages right after it, newest first,
//! as many as `limit` asks. Replies are appended to the channel as the bot's messages; a
//! repeated nonce with `enforce_nonce` answers the first message while the nonce window
//! lasts (`nonce_window`; the kit runs with it over, so a resend after a crash is kept
//! from posting twice by the read-back alone). Deletes, time-outs, kicks and bans are
//! sets; a second delete or kick finds nothing (Unknown Message / Unknown Member).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use hark::domain::{ItemKind, NewAuthor, NewItem};
use hark::platform::discord::{DiscordConnector, Settings};
use hark::platform::Connector;
use hark::secrets::Secret;
use serde_json::{json, Value};
use tokio::sync::Notify;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::harness::{
    arrival, iso, json_answer, query, Platform, RateLimit, Record, Scripted, SLOW,
};

pub const GUILD: &str = "197038439483310086";
pub const CHANNEL: &str = "290926798999357250";
pub const BOT: &str = "80351110224678912";
pub const BOT_ROLE: &str = "41771983423143936";
/// Message ids grow from here (snowflakes grow with time).
const FIRST_ID: u64 = 1_180_000_000_000_000_000;

/// Every permission hark uses: read, send, manage messages, time out, kick, ban.
pub const MODERATOR: u64 =
    (1 << 1) | (1 << 2) | (1 << 10) | (1 << 11) | (1 << 13) | (1 << 16) | (1 << 38) | (1 << 40);

pub fn fixture(name: &str) -> Value {
    crate::harness::fixture_json("discord", name)
}

/// A Discord JSON error of tests/fixtures/discord/errors.json.
pub fn error(status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json")
        .set_body_string(fixture("errors.json")[name].to_string())
}

/// The docs' example message, by `author` (id), saying `content`, at `at`.
pub fn message(id: u64, author: &str, content: &str, at: i64) -> Value {
    let mut m = fixture("message.json");
    m["id"] = json!(id.to_string());
    m["channel_id"] = json!(CHANNEL);
    m["author"]["id"] = json!(author);
    m["author"]["username"] = json!(format!("user{}", &author[author.len().saturating_sub(3)..]));
    m["content"] = json!(content);
    m["timestamp"] = json!(iso(at));
    m["reactions"] = json!([]);
    m
}

/// The channel message of record `r`: a fan pinging the bot.
fn record(id: u64, r: &Record) -> Value {
    let (n, created) = match r {
        Record::Mention(m) => (m.n, m.created_at),
        Record::Malformed(n) => (*n, arrival(*n)),
    };
    let mut m = message(
        id,
        &format!("{}", 7_000 + n),
        &format!("<@{BOT}> contract mention {n}"),
        created,
    );
    m["mentions"] = json!([{"id": BOT, "username": "Nelly"}]);
    if matches!(r, Record::Malformed(_)) {
        m.as_object_mut().unwrap().remove("author");
    }
    m
}

#[derive(Default)]
pub struct State {
    /// The channel's messages, oldest first.
    pub timeline: Vec<Value>,
    next_id: u64,
    pub outage_after: Option<usize>,
    pub rate_limit: Option<ResponseTemplate>,
    pub refused: HashMap<String, ResponseTemplate>,
    pub garble: bool,
    pub slow: Option<Arc<Notify>>,
    pub writes: HashMap<String, usize>,
    /// Effects: deleted messages, timed-out, kicked and banned members.
    pub effects: HashMap<String, Vec<String>>,
    /// Discord still remembers nonces (a resend within minutes).
    pub nonce_window: bool,
    /// The bot's role's permissions.
    pub bot_perms: u64,
    /// Channel overwrites of the text channel.
    pub overwrites: Vec<Value>,
    /// The application's Message Content intent is on.
    pub content_intent: bool,
    /// Requests seen: (method, path?query).
    pub requests: Vec<String>,
    /// Answers of the message list carry these bucket headers (name, value).
    pub list_headers: Vec<(String, String)>,
    /// Active threads (thread channel objects) and the bot's thread memberships.
    pub threads: Vec<Value>,
    pub thread_members: Vec<Value>,
    /// Channels whose messages the bot may not read (403 Missing Access).
    pub forbidden: Vec<String>,
    /// The JSON bodies of writes, by kind.
    pub bodies: Vec<(String, Value)>,
    /// The `X-Audit-Log-Reason` of writes, by kind, as sent.
    pub audit: Vec<(String, String)>,
    /// Public archived threads (thread channel objects), listed per parent channel.
    pub archived: Vec<Value>,
    /// The gateway address `GET /gateway/bot` answers (a local websocket server).
    pub gateway_url: Option<String>,
}

impl State {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        FIRST_ID + self.next_id
    }

    /// Appends a message (its id given here) to the channel.
    pub fn push(&mut self, mut m: Value) -> String {
        let id = self.id().to_string();
        m["id"] = json!(id);
        self.timeline.push(m);
        id
    }

    fn list_trouble(&mut self) -> Option<ResponseTemplate> {
        if let Some(n) = self.outage_after.as_mut() {
            if *n == 0 {
                self.outage_after = None;
                return Some(ResponseTemplate::new(502).set_body_string("Bad Gateway"));
            }
            *n -= 1;
        }
        self.rate_limit.take()
    }

    /// The newest message id of `channel`.
    fn last_id(&self, channel: &str) -> Value {
        self.timeline
            .iter()
            .rev()
            .find(|m| m["channel_id"] == channel)
            .map_or(Value::Null, |m| m["id"].clone())
    }

    fn messages(&mut self, request: &Request, channel: &str) -> ResponseTemplate {
        if let Some(trouble) = self.list_trouble() {
            return trouble;
        }
        if self.forbidden.iter().any(|c| c == channel) {
            return error(403, "missing_access");
        }
        let timeline: Vec<Value> = self
            .timeline
            .iter()
            .filter(|m| m["channel_id"] == channel)
            .cloned()
            .collect();
        let limit: usize = query(request, "limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(50);
        let id = |m: &Value| m["id"].as_str().unwrap_or("0").parse::<u64>().unwrap_or(0);
        let mut page: Vec<Value> = match query(request, "after") {
            Some(after) => {
                let after: u64 = after.parse().unwrap_or(0);
                timeline
                    .iter()
                    .filter(|m| id(m) > after)
                    .take(limit)
                    .cloned()
                    .collect()
            }
            None => {
                let skip = timeline.len().saturating_sub(limit);
                timeline[skip..].to_vec()
            }
        };
        page.reverse();
        let mut answer = json_answer(Value::Array(page));
        for (k, v) in &self.list_headers {
            answer = answer.insert_header(k.as_str(), v.as_str());
        }
        answer
    }

    fn channels(&self) -> ResponseTemplate {
        let mut c = fixture("channel.json");
        c["id"] = json!(CHANNEL);
        c["guild_id"] = json!(GUILD);
        c["name"] = json!("help");
        c.as_object_mut().unwrap().remove("parent_id");
        c["permission_overwrites"] = json!(self.overwrites);
        c["last_message_id"] = self.last_id(CHANNEL);
        json_answer(json!([c]))
    }

    fn guild(&self) -> ResponseTemplate {
        let mut g = fixture("guild.json");
        g["id"] = json!(GUILD);
        g["roles"][0]["id"] = json!(GUILD);
        // @everyone may read and write; the bot's role carries the rest.
        g["roles"][0]["permissions"] = json!(((1u64 << 10) | (1 << 11) | (1 << 16)).to_string());
        g["roles"][1]["id"] = json!(BOT_ROLE);
        g["roles"][1]["permissions"] = json!(self.bot_perms.to_string());
        json_answer(g)
    }

    fn write(&mut self, request: &Request) -> ResponseTemplate {
        let path = request
            .url
            .path()
            .trim_start_matches("/api/v10")
            .to_string();
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let (kind, effect) = match (request.method.as_str(), parts.as_slice()) {
            ("POST", ["channels", _, "messages"]) => ("reply", String::new()),
            ("DELETE", ["channels", _, "messages", id]) => ("delete", id.to_string()),
            ("PATCH", ["guilds", _, "members", user]) => ("mute", user.to_string()),
            ("DELETE", ["guilds", _, "members", user]) => ("kick", user.to_string()),
            ("PUT", ["guilds", _, "bans", user]) => ("block", user.to_string()),
            _ => {
                return ResponseTemplate::new(404)
                    .set_body_string(r#"{"message": "404: Not Found", "code": 0}"#)
            }
        };
        *self.writes.entry(kind.into()).or_default() += 1;
        self.bodies.push((kind.to_string(), body.clone()));
        if let Some(reason) = request.headers.get("x-audit-log-reason") {
            let reason = reason.to_str().unwrap_or("(not ASCII)").to_string();
            self.audit.push((kind.to_string(), reason));
        }
        if let Some(refusal) = self.refused.get(kind) {
            return refusal.clone();
        }
        let answer = match kind {
            "reply" => {
                let nonce = body["nonce"].clone();
                let known = self
                    .timeline
                    .iter()
                    .find(|m| {
                        self.nonce_window && body["enforce_nonce"] == true && m["nonce"] == nonce
                    })
                    .cloned();
                match known {
                    Some(first) => json_answer(first),
                    None => {
                        let mut m = message(
                            0,
                            BOT,
                            body["content"].as_str().unwrap_or(""),
                            hark::domain::now(),
                        );
                        m["type"] = json!(19);
                        m["channel_id"] = json!(parts[1]);
                        m["nonce"] = nonce;
                        m["message_reference"] = body["message_reference"].clone();
                        let id = self.push(m);
                        self.effects
                            .entry("reply".into())
                            .or_default()
                            .push(id.clone());
                        let sent = self.timeline.last().unwrap().clone();
                        json_answer(sent)
                    }
                }
            }
            _ => {
                let effects = self.effects.entry(kind.into()).or_default();
                let gone = effects.contains(&effect);
                if !gone {
                    effects.push(effect);
                }
                match kind {
                    "delete" if gone => return error(404, "unknown_message"),
                    "kick" if gone => return error(404, "unknown_member"),
                    "mute" => {
                        let mut member = fixture("member.json");
                        member["communication_disabled_until"] =
                            body["communication_disabled_until"].clone();
                        json_answer(member)
                    }
                    _ => ResponseTemplate::new(204),
                }
            }
        };
        if self.garble {
            return ResponseTemplate::new(200).set_body_string("<html>502 Bad Gatew");
        }
        match &self.slow {
            Some(taken) => {
                taken.notify_one();
                answer.set_delay(SLOW)
            }
            None => answer,
        }
    }
}

#[derive(Clone)]
pub struct Api(pub Arc<Mutex<State>>);

impl Respond for Api {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        let path = request
            .url
            .path()
            .trim_start_matches("/api/v10")
            .to_string();
        s.requests.push(format!(
            "{} {path}{}",
            request.method,
            request
                .url
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default()
        ));
        let guild = format!("/guilds/{GUILD}");
        match request.method.as_str() {
            "GET" if path == "/users/@me" => {
                let mut me = fixture("user.json");
                me["id"] = json!(BOT);
                json_answer(me)
            }
            "GET" if path == "/applications/@me" => {
                let mut app = fixture("application.json");
                if !s.content_intent {
                    app["flags"] = json!(0);
                }
                json_answer(app)
            }
            "GET" if path == guild => s.guild(),
            "GET" if path == "/gateway/bot" => {
                let mut g = fixture("gateway.json")["get_gateway_bot"].clone();
                if let Some(url) = &s.gateway_url {
                    g["url"] = json!(url);
                }
                json_answer(g)
            }
            "GET" if path == format!("{guild}/members/{BOT}") => {
                let mut m = fixture("member.json");
                m["user"] = json!({"id": BOT, "username": "Nelly"});
                m["roles"] = json!([BOT_ROLE]);
                json_answer(m)
            }
            "GET" if path == format!("{guild}/channels") => s.channels(),
            "GET" if path == format!("{guild}/threads/active") => {
                let threads: Vec<Value> = s
                    .threads
                    .iter()
                    .map(|t| {
                        let mut t = t.clone();
                        t["last_message_id"] = s.last_id(t["id"].as_str().unwrap_or(""));
                        t
                    })
                    .collect();
                json_answer(json!({"threads": threads, "members": s.thread_members}))
            }
            "GET"
                if path.starts_with("/channels/") && path.ends_with("/threads/archived/public") =>
            {
                let parent = path.split('/').nth(2).unwrap_or("");
                let threads: Vec<Value> = s
                    .archived
                    .iter()
                    .filter(|t| t["parent_id"] == parent)
                    .map(|t| {
                        let mut t = t.clone();
                        t["last_message_id"] = s.last_id(t["id"].as_str().unwrap_or(""));
                        t["thread_metadata"]["archived"] = json!(true);
                        t
                    })
                    .collect();
                json_answer(json!({"threads": threads, "members": s.thread_members,
                    "has_more": false}))
            }
            "GET" if path.starts_with("/channels/") && path.ends_with("/messages") => {
                let channel = path.split('/').nth(2).unwrap_or("").to_string();
                s.messages(request, &channel)
            }
            "GET" => error(404, "unknown_message"),
            _ => s.write(request),
        }
    }
}

pub struct Discord {
    pub server: MockServer,
    pub api: Api,
}

impl Discord {
    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.api.0.lock().unwrap()
    }

    /// A connector reading two messages per request, watching `watch`.
    pub fn connector_with(&self, watch: &str) -> DiscordConnector {
        self.connector_in(watch, None)
    }

    /// The same, with a data directory: DMs come over the gateway.
    pub fn connector_in(
        &self,
        watch: &str,
        data_dir: Option<std::path::PathBuf>,
    ) -> DiscordConnector {
        DiscordConnector::new(Settings {
            api_base: format!("{}/api/v10", self.server.uri()),
            guild_id: GUILD.into(),
            token: Secret::new("kit-bot-token"),
            watch: toml::from_str(watch).unwrap(),
            page_limit: 2,
            timeout: std::time::Duration::from_secs(3600),
            moderator: "sam".into(),
            data_dir,
        })
        .unwrap()
    }
}

#[async_trait]
impl Platform for Discord {
    const NAME: &'static str = "discord";

    async fn start() -> Discord {
        let server = MockServer::start().await;
        let api = Api(Arc::new(Mutex::new(State {
            bot_perms: MODERATOR,
            content_intent: true,
            ..State::default()
        })));
        Mock::given(wiremock::matchers::any())
            .respond_with(api.clone())
            .mount(&server)
            .await;
        Discord { server, api }
    }

    fn connector(&self) -> Arc<dyn Connector> {
        Arc::new(self.connector_with(""))
    }

    fn target(&self, _kind: &str, n: u32) -> NewItem {
        let mut s = self.state();
        let id = s.id();
        let raw = record(id, &crate::harness::mention(n));
        NewItem {
            external_id: id.to_string(),
            kind: ItemKind::Mention,
            parent_external_id: None,
            thread_external_id: None,
            author: NewAuthor {
                external_id: raw["author"]["id"].as_str().unwrap().to_string(),
                handle: format!("fan{n}"),
                display_name: format!("fan{n}"),
                followers: None,
            },
            body: format!("contract mention {n}"),
            url: None,
            created_at: arrival(n),
            raw_json: Some(raw.to_string()),
            room: None,
        }
    }

    async fn slow_connector(&self) -> (Arc<dyn Connector>, Arc<Notify>) {
        let taken = Arc::new(Notify::new());
        self.state().slow = Some(taken.clone());
        (self.connector(), taken)
    }

    async fn prompt(&self) {
        let mut s = self.state();
        s.slow = None;
        s.garble = false;
    }

    async fn writes(&self, kind: &str) -> usize {
        self.state().writes.get(kind).copied().unwrap_or(0)
    }

    async fn copies(&self, kind: &str) -> usize {
        self.state().effects.get(kind).map_or(0, Vec::len)
    }
}

#[async_trait]
impl Scripted for Discord {
    async fn publish(&self, records: &[Record]) {
        let mut s = self.state();
        for r in records {
            let id = s.id();
            s.timeline.push(record(id, r));
        }
    }

    async fn outage_after(&self, ok: usize) {
        self.state().outage_after = Some(ok);
    }

    fn rate_limits(&self) -> Vec<RateLimit> {
        let f = fixture("rate_limits.json");
        let with = |headers: &Value, body: &Value| {
            let mut t = ResponseTemplate::new(429)
                .insert_header("content-type", "application/json")
                .set_body_string(body.to_string());
            for (k, v) in headers.as_object().unwrap() {
                t = t.insert_header(k.as_str(), v.as_str().unwrap());
            }
            t
        };
        let mut shared = f["route_headers"].clone();
        shared["x-ratelimit-scope"] = json!("shared");
        let mut thirty = f["route_body"].clone();
        thirty["retry_after"] = json!(30.0);
        vec![
            RateLimit {
                form: "per-route 429 (bucket headers, retry_after 64.57)",
                template: with(&f["route_headers"], &f["route_body"]),
                wait: 65,
            },
            RateLimit {
                form: "global 429 (X-RateLimit-Global, global: true)",
                template: with(&f["global_headers"], &f["global_body"]),
                wait: 65,
            },
            RateLimit {
                form: "shared-scope 429 (retry_after 30)",
                template: with(&shared, &thirty),
                wait: 30,
            },
        ]
    }

    async fn rate_limit_next_list(&self, limit: &RateLimit) {
        self.state().rate_limit = Some(limit.template.clone());
    }

    async fn refuse(&self, kind: &str) -> String {
        self.state()
            .refused
            .insert(kind.into(), error(403, "missing_permissions"));
        "Missing Permissions".into()
    }

    async fn garble(&self) {
        self.state().garble = true;
    }
}

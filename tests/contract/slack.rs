//! The kit's Slack: a local Web API speaking as Slack's method docs show it
//! (docs.slack.dev, methods auth.test, conversations.list, conversations.history,
//! conversations.replies, chat.postMessage, chat.delete, conversations.kick; errors as
//! "Web API basics" and "Rate limits" describe them). Shapes come from
//! tests/fixtures/slack/, each naming its page.
//!
//! One channel the bot is in. History pages hold two messages, newest first, with an
//! offset cursor; a thread's replies come oldest first. Slack stamps each message's `ts`
//! itself, so a backdated mention still sorts by its arrival. Posting has no key: every
//! post is a new message. A second delete of one message answers `message_not_found`,
//! a second removal `not_in_channel`, as Slack does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use hark::domain::{ItemKind, NewAuthor, NewItem};
use hark::platform::slack::{tiers::Access, Settings, SlackConnector};
use hark::platform::Connector;
use hark::secrets::Secret;
use serde_json::{json, Value};
use tokio::sync::Notify;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::harness::{
    arrival, fixture_json, json_answer, query, Platform, RateLimit, Record, Scripted, SLOW,
};

const PAGE: usize = 2;
/// `#random` of the conversations.list example: a channel people can be removed from.
pub const CHANNEL: &str = "C061EG9T2";
/// The bot of the auth.test example.
pub const BOT_USER: &str = "W23456789";
pub const BOT_ID: &str = "BZYBOTHED";

pub fn fixture(name: &str) -> Value {
    fixture_json("slack", name)
}

/// Slack's `ts` for arrival `n`: its second, and `n` in the decimals.
pub fn ts(n: u32) -> String {
    format!("{}.{n:06}", arrival(n))
}

/// The message of record `r`, from the conversations.history example.
fn message(r: &Record) -> Value {
    let mut m = fixture("conversations_history.json")["messages"][0].clone();
    let n = r.n();
    m["user"] = json!(format!("U0FAN{n}"));
    m["text"] = json!(format!("<@{BOT_USER}> contract mention {n}"));
    m["ts"] = json!(ts(n));
    if matches!(r, Record::Malformed(_)) {
        m.as_object_mut().unwrap().remove("ts");
    }
    m
}

pub fn slack_error(name: &str) -> ResponseTemplate {
    json_answer(fixture("errors.json")[name].clone())
}

#[derive(Default)]
struct State {
    /// (ts, message) in the order Slack stored them; the ts also for one whose JSON lacks it.
    messages: Vec<(String, Value)>,
    outage_after: Option<usize>,
    rate_limit: Option<ResponseTemplate>,
    refused: HashMap<String, ResponseTemplate>,
    garble: bool,
    slow: Option<Arc<Notify>>,
    writes: HashMap<String, usize>,
    deleted: Vec<String>,
    removed: Vec<String>,
    reports: usize,
    next_post: u32,
}

#[derive(Clone, Default)]
struct Workspace(Arc<Mutex<State>>);

fn ts_key(ts: &str) -> (u64, String) {
    let (whole, frac) = ts.split_once('.').unwrap_or((ts, ""));
    (whole.parse().unwrap_or(0), format!("{frac:0<6}"))
}

/// An answer's page of `list` from the offset `cursor` names.
fn paged(request: &Request, list: Vec<Value>) -> (Vec<Value>, Option<String>) {
    let from: usize = query(request, "cursor")
        .and_then(|c| c.strip_prefix("off:").and_then(|n| n.parse().ok()))
        .unwrap_or(0);
    let limit: usize = query(request, "limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(100);
    let take = limit.min(PAGE);
    let page: Vec<Value> = list.iter().skip(from).take(take).cloned().collect();
    let next = (from + take < list.len()).then(|| format!("off:{}", from + take));
    (page, next)
}

impl State {
    fn list_trouble(&mut self) -> Option<ResponseTemplate> {
        if let Some(n) = self.outage_after.as_mut() {
            if *n == 0 {
                self.outage_after = None;
                return Some(ResponseTemplate::new(503).set_body_string("upstream error"));
            }
            *n -= 1;
        }
        self.rate_limit.take()
    }

    fn newer(&self, request: &Request) -> impl Iterator<Item = &(String, Value)> {
        let oldest = query(request, "oldest").map(|o| ts_key(&o));
        self.messages
            .iter()
            .filter(move |(ts, _)| oldest.as_ref().is_none_or(|o| ts_key(ts) > *o))
    }

    fn history(&mut self, request: &Request) -> ResponseTemplate {
        if let Some(trouble) = self.list_trouble() {
            return trouble;
        }
        let mut list: Vec<Value> = self
            .newer(request)
            .filter(|(ts, m)| m["thread_ts"].as_str().is_none_or(|t| t == ts))
            .map(|(_, m)| m.clone())
            .collect();
        list.reverse();
        let (page, next) = paged(request, list);
        let mut answer = fixture("conversations_history.json");
        answer["messages"] = json!(page);
        answer["has_more"] = json!(next.is_some());
        answer["response_metadata"]["next_cursor"] = json!(next.unwrap_or_default());
        json_answer(answer)
    }

    fn replies(&mut self, request: &Request) -> ResponseTemplate {
        let root = query(request, "ts").unwrap_or_default();
        let Some(parent) = self
            .messages
            .iter()
            .find(|(ts, _)| *ts == root)
            .map(|(_, m)| m.clone())
        else {
            return json_answer(json!({"ok": false, "error": "thread_not_found"}));
        };
        let mut list = vec![parent];
        list.extend(
            self.newer(request)
                .filter(|(ts, m)| m["thread_ts"] == root.as_str() && *ts != root)
                .map(|(_, m)| m.clone()),
        );
        let (page, next) = paged(request, list);
        let mut answer = fixture("conversations_replies.json");
        answer["messages"] = json!(page);
        answer["has_more"] = json!(next.is_some());
        answer["response_metadata"]["next_cursor"] = json!(next.unwrap_or_default());
        json_answer(answer)
    }

    fn write(&mut self, method: &str, body: &Value) -> ResponseTemplate {
        let kind = match method {
            "chat.postMessage" => "reply",
            "chat.delete" => "delete",
            "conversations.kick" => "block",
            _ => return json_answer(json!({"ok": false, "error": "unknown_method"})),
        };
        *self.writes.entry(kind.into()).or_default() += 1;
        if let Some(refusal) = self.refused.get(kind) {
            return refusal.clone();
        }
        let answer = match kind {
            "reply" => {
                self.next_post += 1;
                let posted_ts = format!(
                    "{}.{:06}",
                    arrival(9_000 + self.next_post),
                    900_000 + self.next_post
                );
                let mut posted = fixture("chat_post_message.json");
                posted["channel"] = json!(CHANNEL);
                posted["ts"] = json!(posted_ts);
                let mut m = posted["message"].clone();
                m.as_object_mut().unwrap().remove("attachments");
                m.as_object_mut().unwrap().remove("subtype");
                m["ts"] = json!(posted_ts);
                m["user"] = json!(BOT_USER);
                m["bot_id"] = json!(BOT_ID);
                m["text"] = body["text"].clone();
                if let Some(thread) = body["thread_ts"].as_str() {
                    m["thread_ts"] = json!(thread);
                }
                posted["message"] = m.clone();
                self.messages.push((posted_ts, m));
                posted
            }
            "delete" => {
                let ts = body["ts"].as_str().unwrap_or_default().to_string();
                if self.deleted.contains(&ts) {
                    return slack_error("message_not_found");
                }
                self.deleted.push(ts.clone());
                let mut done = fixture("chat_delete.json");
                done["channel"] = json!(CHANNEL);
                done["ts"] = json!(ts);
                done
            }
            _ => {
                let user = body["user"].as_str().unwrap_or_default().to_string();
                if self.removed.contains(&user) {
                    return slack_error("not_in_channel");
                }
                self.removed.push(user);
                fixture("conversations_kick.json")
            }
        };
        if self.garble {
            return ResponseTemplate::new(200).set_body_string("<html>502 Bad Gatew");
        }
        let answer = json_answer(answer);
        match &self.slow {
            Some(taken) => {
                taken.notify_one();
                answer.set_delay(SLOW)
            }
            None => answer,
        }
    }
}

impl Respond for Workspace {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        let method = request.url.path().trim_start_matches("/api/").to_string();
        let bearer = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !bearer.starts_with("Bearer xox") {
            return slack_error("generic");
        }
        match method.as_str() {
            "auth.test" => {
                let mut me = fixture("auth_test.json");
                if bearer.starts_with("Bearer xoxp-") {
                    me["user"] = json!("admin");
                    me["user_id"] = json!("W0ADMIN");
                    me.as_object_mut().unwrap().remove("bot_id");
                }
                json_answer(me)
            }
            "conversations.list" => {
                let mut list = fixture("conversations_list.json");
                let random = list["channels"][1].clone();
                list["channels"] = json!([random]);
                list["response_metadata"]["next_cursor"] = json!("");
                json_answer(list)
            }
            "conversations.history" => s.history(request),
            "conversations.replies" => s.replies(request),
            _ => {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
                s.write(&method, &body)
            }
        }
    }
}

pub struct Slack {
    server: MockServer,
    workspace: Workspace,
}

impl Slack {
    pub fn settings(&self) -> Settings {
        Settings {
            base: self.server.uri(),
            token: Secret::new("xoxb-kit-bot-token"),
            user_token: Some(Secret::new("xoxp-kit-admin-token")),
            app_token: None,
            watch: Default::default(),
            access: Access::Auto,
        }
    }
}

#[async_trait]
impl Platform for Slack {
    const NAME: &'static str = "slack";

    async fn start() -> Slack {
        let server = MockServer::start().await;
        let workspace = Workspace::default();
        Mock::given(wiremock::matchers::any())
            .respond_with(workspace.clone())
            .mount(&server)
            .await;
        Slack { server, workspace }
    }

    fn connector(&self) -> Arc<dyn Connector> {
        Arc::new(SlackConnector::new(self.settings()).unwrap())
    }

    fn target(&self, _kind: &str, n: u32) -> NewItem {
        let record = crate::harness::mention(n);
        let mut raw = message(&record);
        // The message is on the workspace, as the fetch that stored it saw it.
        self.workspace
            .0
            .lock()
            .unwrap()
            .messages
            .push((ts(n), raw.clone()));
        raw["channel"] = json!(CHANNEL);
        NewItem {
            external_id: format!("{CHANNEL}/{}", ts(n)),
            kind: ItemKind::Mention,
            parent_external_id: None,
            thread_external_id: None,
            author: NewAuthor {
                external_id: format!("U0FAN{n}"),
                handle: format!("U0FAN{n}"),
                display_name: format!("fan{n}"),
                followers: None,
            },
            body: format!("@{BOT_USER} contract mention {n}"),
            url: None,
            created_at: arrival(n),
            raw_json: Some(raw.to_string()),
            room: None,
        }
    }

    async fn slow_connector(&self) -> (Arc<dyn Connector>, Arc<Notify>) {
        let taken = Arc::new(Notify::new());
        self.workspace.0.lock().unwrap().slow = Some(taken.clone());
        (self.connector(), taken)
    }

    async fn prompt(&self) {
        let mut s = self.workspace.0.lock().unwrap();
        s.slow = None;
        s.garble = false;
    }

    async fn writes(&self, kind: &str) -> usize {
        let s = self.workspace.0.lock().unwrap();
        s.writes.get(kind).copied().unwrap_or(0)
    }

    async fn copies(&self, kind: &str) -> usize {
        let s = self.workspace.0.lock().unwrap();
        match kind {
            "reply" => s
                .messages
                .iter()
                .filter(|(_, m)| m["user"] == BOT_USER)
                .count(),
            "delete" => s.deleted.len(),
            "block" => s.removed.len(),
            _ => s.reports,
        }
    }
}

#[async_trait]
impl Scripted for Slack {
    async fn publish(&self, records: &[Record]) {
        let mut s = self.workspace.0.lock().unwrap();
        s.messages
            .extend(records.iter().map(|r| (ts(r.n()), message(r))));
    }

    async fn outage_after(&self, ok: usize) {
        self.workspace.0.lock().unwrap().outage_after = Some(ok);
    }

    fn rate_limits(&self) -> Vec<RateLimit> {
        let limited = fixture("errors.json")["ratelimited"].to_string();
        vec![
            RateLimit {
                form: "429 with Retry-After and ratelimited",
                template: ResponseTemplate::new(429)
                    .insert_header("retry-after", "30")
                    .set_body_string(limited),
                wait: 30,
            },
            RateLimit {
                form: "429 with Retry-After, no body",
                template: ResponseTemplate::new(429).insert_header("retry-after", "45"),
                wait: 45,
            },
        ]
    }

    async fn rate_limit_next_list(&self, limit: &RateLimit) {
        self.workspace.0.lock().unwrap().rate_limit = Some(limit.template.clone());
    }

    async fn refuse(&self, kind: &str) -> String {
        let reason = match kind {
            "delete" => "cant_delete_message",
            _ => "restricted_action",
        };
        let mut s = self.workspace.0.lock().unwrap();
        s.refused.insert(kind.into(), slack_error(reason));
        reason.into()
    }

    async fn garble(&self) {
        self.workspace.0.lock().unwrap().garble = true;
    }
}

//! The kit's X: a local API v2 as X's reference documents it (docs.x.com: user mention
//! timeline, manage Posts, hide replies, manage mutes, rate limits; fixtures in
//! tests/fixtures/x/ name their pages).
//!
//! Mentions come newest first by id (ids grow with arrival, as X's do), two per page,
//! after `since_id`, paged by `pagination_token`. X takes no idempotency key: every
//! `POST /2/tweets` is a new post, found again by reading the brand's own posts back.
//! Hides, unhides and mutes are sets; deleting a deleted post is a 404.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use hark::domain::{ItemKind, NewAuthor, NewItem};
use hark::platform::x::token::Auth;
use hark::platform::x::XConnector;
use hark::platform::Connector;
use hark::secrets::Secret;
use serde_json::{json, Value};
use tokio::sync::Notify;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::harness::{arrival, iso, query, Platform, RateLimit, Record, Scripted, SLOW};

const PAGE: usize = 2;
const ME: &str = "2244994945";
const BRAND_ROOT: &str = "1700000000000000001";

fn fixture(name: &str) -> Value {
    crate::harness::fixture_json("x", name)
}

/// Post ids grow with arrival, like X's snowflakes.
fn post_id(n: u32) -> u64 {
    arrival(n) as u64 * 1000 + n as u64
}

fn post(r: &Record) -> Value {
    let mut v = fixture("mentions_page1.json")["data"][0].clone();
    let (n, created) = match r {
        Record::Mention(m) => (m.n, m.created_at),
        Record::Malformed(n) => (*n, arrival(*n)),
    };
    let id = post_id(n).to_string();
    v["id"] = json!(id);
    v["conversation_id"] = json!(id);
    v["edit_history_tweet_ids"] = json!([id]);
    v["author_id"] = json!(format!("{}", 500 + n));
    v["text"] = json!(format!("@nimbuscoffee contract mention {n}"));
    v["created_at"] = json!(iso(created));
    if matches!(r, Record::Malformed(_)) {
        v.as_object_mut().unwrap().remove("created_at");
    }
    v
}

fn user(n: u32) -> Value {
    json!({"id": format!("{}", 500 + n), "username": format!("fan{n}"), "name": format!("Fan {n}"),
        "public_metrics": {"followers_count": n}})
}

#[derive(Default)]
struct State {
    /// Mentions in arrival (id) order.
    timeline: Vec<(u64, u32, Value)>,
    /// The brand's replies: (id, replied-to id, text).
    replies: Vec<(u64, String, String)>,
    outage_after: Option<usize>,
    rate_limit: Option<ResponseTemplate>,
    refused: HashMap<String, ResponseTemplate>,
    garble: bool,
    slow: Option<Arc<Notify>>,
    writes: HashMap<String, usize>,
    effects: HashMap<String, BTreeSet<String>>,
}

#[derive(Clone, Default)]
struct Api(Arc<Mutex<State>>);

fn answer(status: u16, v: Value) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json")
        .insert_header("x-rate-limit-limit", "450")
        .insert_header("x-rate-limit-remaining", "449")
        .insert_header(
            "x-rate-limit-reset",
            (hark::domain::now() + 900).to_string().as_str(),
        )
        .set_body_string(v.to_string())
}

fn problem(status: u16, title: &str, detail: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/problem+json")
        .set_body_string(
            json!({"title": title, "detail": detail, "type": "about:blank", "status": status})
                .to_string(),
        )
}

impl Api {
    fn mentions(&self, s: &mut State, request: &Request) -> ResponseTemplate {
        if let Some(n) = s.outage_after.as_mut() {
            if *n == 0 {
                s.outage_after = None;
                return problem(503, "Service Unavailable", "Service Unavailable");
            }
            *n -= 1;
        }
        if let Some(limit) = s.rate_limit.take() {
            return limit;
        }
        let since: u64 = query(request, "since_id")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let below: u64 = query(request, "pagination_token")
            .and_then(|v| v.parse().ok())
            .unwrap_or(u64::MAX);
        let newer: Vec<&(u64, u32, Value)> = s
            .timeline
            .iter()
            .rev()
            .filter(|(id, _, _)| *id > since && *id < below)
            .collect();
        let page: Vec<&(u64, u32, Value)> = newer.iter().take(PAGE).copied().collect();
        let mut meta = json!({"result_count": page.len()});
        if let (Some(first), Some(last)) = (page.first(), page.last()) {
            meta["newest_id"] = json!(first.0.to_string());
            meta["oldest_id"] = json!(last.0.to_string());
            if newer.len() > PAGE {
                meta["next_token"] = json!(last.0.to_string());
            }
        }
        let data: Vec<Value> = page.iter().map(|(_, _, v)| v.clone()).collect();
        let users: Vec<Value> = page.iter().map(|(_, n, _)| user(*n)).collect();
        let mut body = json!({"meta": meta});
        if !data.is_empty() {
            body["data"] = json!(data);
            body["includes"] = json!({"users": users});
        }
        answer(200, body)
    }

    fn own_posts(&self, s: &State, request: &Request) -> ResponseTemplate {
        let since: u64 = query(request, "since_id")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let data: Vec<Value> = s
            .replies
            .iter()
            .rev()
            .filter(|(id, _, _)| *id > since)
            .map(|(id, to, text)| {
                json!({"id": id.to_string(), "text": text,
                    "referenced_tweets": [{"type": "replied_to", "id": to}]})
            })
            .collect();
        answer(
            200,
            json!({"data": data, "meta": {"result_count": data.len()}}),
        )
    }

    fn write(&self, s: &mut State, request: &Request) -> ResponseTemplate {
        let path = request.url.path().to_string();
        let parts: Vec<&str> = path.trim_start_matches("/2/").split('/').collect();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let (kind, effect) = match (request.method.as_str(), parts.as_slice()) {
            ("POST", ["tweets"]) => ("reply", String::new()),
            ("PUT", ["tweets", id, "hidden"]) => {
                let hidden = body["hidden"].as_bool().unwrap_or(false);
                (if hidden { "hide" } else { "unhide" }, id.to_string())
            }
            ("DELETE", ["tweets", id]) => ("delete", id.to_string()),
            ("POST", ["users", _, "muting"]) => (
                "mute",
                body["target_user_id"].as_str().unwrap_or("").to_string(),
            ),
            _ => return problem(404, "Not Found Error", "Could not find the route"),
        };
        *s.writes.entry(kind.into()).or_default() += 1;
        if let Some(refusal) = s.refused.get(kind) {
            return refusal.clone();
        }
        let reply = match kind {
            "reply" => {
                let id = 1_800_000_000_000_000_000u64 + s.replies.len() as u64;
                let to = body["reply"]["in_reply_to_tweet_id"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                let text = body["text"].as_str().unwrap_or("").to_string();
                s.replies.push((id, to, text.clone()));
                s.effects
                    .entry("reply".into())
                    .or_default()
                    .insert(id.to_string());
                let mut created = fixture("tweet_created.json");
                created["data"]["id"] = json!(id.to_string());
                created["data"]["text"] = json!(text);
                created
            }
            "delete" => {
                let gone = s.effects.entry("delete".into()).or_default();
                if !gone.insert(effect) {
                    return problem(404, "Not Found Error", "Could not find tweet");
                }
                fixture("deleted.json")
            }
            "hide" | "unhide" => {
                s.effects.entry(kind.into()).or_default().insert(effect);
                let mut v = fixture("hidden.json");
                v["data"]["hidden"] = json!(kind == "hide");
                v
            }
            _ => {
                s.effects.entry(kind.into()).or_default().insert(effect);
                fixture("muting.json")
            }
        };
        if s.garble {
            return ResponseTemplate::new(200).set_body_string("<html>502 Bad Gatew");
        }
        let status = if kind == "reply" { 201 } else { 200 };
        let out = answer(status, reply);
        match &s.slow {
            Some(taken) => {
                taken.notify_one();
                out.set_delay(SLOW)
            }
            None => out,
        }
    }
}

impl Respond for Api {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        let path = request.url.path();
        match request.method.as_str() {
            "GET" if path == "/2/users/me" => answer(200, fixture("users_me.json")),
            "GET" if path == format!("/2/users/{ME}/mentions") => self.mentions(&mut s, request),
            "GET" if path == format!("/2/users/{ME}/tweets") => self.own_posts(&s, request),
            "GET" if path == "/2/dm_events" => answer(200, json!({"meta": {"result_count": 0}})),
            "GET" => problem(404, "Not Found Error", "Could not find the route"),
            _ => self.write(&mut s, request),
        }
    }
}

pub struct X {
    server: MockServer,
    api: Api,
}

#[async_trait]
impl Platform for X {
    const NAME: &'static str = "x";

    async fn start() -> X {
        let server = MockServer::start().await;
        let api = Api::default();
        Mock::given(wiremock::matchers::any())
            .respond_with(api.clone())
            .mount(&server)
            .await;
        X { server, api }
    }

    fn connector(&self) -> Arc<dyn Connector> {
        Arc::new(
            XConnector::new(&self.server.uri(), Auth::Fixed(Secret::new("kit-token"))).unwrap(),
        )
    }

    fn target(&self, kind: &str, n: u32) -> NewItem {
        let raw = post(&crate::harness::mention(n));
        let mut item = NewItem {
            external_id: post_id(n).to_string(),
            kind: ItemKind::Mention,
            parent_external_id: None,
            thread_external_id: Some(post_id(n).to_string()),
            author: NewAuthor {
                external_id: format!("{}", 500 + n),
                handle: format!("@fan{n}"),
                display_name: format!("Fan {n}"),
                followers: None,
            },
            body: format!("contract mention {n}"),
            url: None,
            created_at: arrival(n),
            raw_json: Some(raw.to_string()),
            room: None,
        };
        match kind {
            // Replies in a conversation the brand started can be hidden.
            "hide" | "unhide" => {
                item.kind = ItemKind::Comment;
                item.parent_external_id = Some(BRAND_ROOT.into());
                item.thread_external_id = Some(BRAND_ROOT.into());
            }
            // Only the brand's own posts can be deleted.
            "delete" => {
                item.kind = ItemKind::Post;
                item.author.external_id = ME.into();
                item.author.handle = "@nimbuscoffee".into();
            }
            _ => {}
        }
        item
    }

    async fn slow_connector(&self) -> (Arc<dyn Connector>, Arc<Notify>) {
        let taken = Arc::new(Notify::new());
        self.api.0.lock().unwrap().slow = Some(taken.clone());
        (self.connector(), taken)
    }

    async fn prompt(&self) {
        let mut s = self.api.0.lock().unwrap();
        s.slow = None;
        s.garble = false;
    }

    async fn writes(&self, kind: &str) -> usize {
        self.api
            .0
            .lock()
            .unwrap()
            .writes
            .get(kind)
            .copied()
            .unwrap_or(0)
    }

    async fn copies(&self, kind: &str) -> usize {
        self.api
            .0
            .lock()
            .unwrap()
            .effects
            .get(kind)
            .map_or(0, BTreeSet::len)
    }
}

#[async_trait]
impl Scripted for X {
    async fn publish(&self, records: &[Record]) {
        let mut s = self.api.0.lock().unwrap();
        s.timeline
            .extend(records.iter().map(|r| (post_id(r.n()), r.n(), post(r))));
    }

    async fn outage_after(&self, ok: usize) {
        self.api.0.lock().unwrap().outage_after = Some(ok);
    }

    fn rate_limits(&self) -> Vec<RateLimit> {
        // docs.x.com/fundamentals/rate-limits: x-rate-limit-reset is a unix second.
        let reset = hark::domain::now() + 120;
        vec![RateLimit {
            form: "429 with x-rate-limit-reset in unix seconds",
            template: ResponseTemplate::new(429)
                .insert_header("content-type", "application/json")
                .insert_header("x-rate-limit-limit", "10")
                .insert_header("x-rate-limit-remaining", "0")
                .insert_header("x-rate-limit-reset", reset.to_string().as_str())
                .set_body_string(fixture("rate_limited.json").to_string()),
            wait: 120,
        }]
    }

    async fn rate_limit_next_list(&self, limit: &RateLimit) {
        self.api.0.lock().unwrap().rate_limit = Some(limit.template.clone());
    }

    async fn refuse(&self, kind: &str) -> String {
        let reason = match kind {
            "hide" | "unhide" => "You can only hide replies to conversations you started.",
            "delete" => "You are not allowed to delete this Post.",
            _ => "You are not permitted to perform this action.",
        };
        self.api
            .0
            .lock()
            .unwrap()
            .refused
            .insert(kind.into(), problem(403, "Forbidden", reason));
        reason.into()
    }

    async fn garble(&self) {
        self.api.0.lock().unwrap().garble = true;
    }
}

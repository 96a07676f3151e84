//! The kit's LinkedIn: a local Community Management API as LinkedIn's reference documents
//! it (learn.microsoft.com/linkedin: Posts API "Find Posts by Authors", Comments API "Get
//! Comments on Shares", "Create a Comment", "Delete a Comment"; rate limits; fixtures in
//! tests/fixtures/linkedin/ name their pages).
//!
//! The organization has one post. The kit's mentions take turns by number: a comment on
//! that post (n % 3 = 0), a member's post that mentions the organization (1), a comment
//! that mentions it under a member's post (2); the last two are listed in the
//! organization's notifications (Organization Social Action Notifications, "Pull
//! Organizational Notifications": `timeRange` in milliseconds, kept inclusive here, with a
//! `next` link and no total) at their arrival time, and read one by one. Lists come two per
//! page whatever `count` asks, in arrival order; comments carry `paging.total`. Replies are
//! comments (nested under a comment, or on a member's post), created anew by every `POST`
//! (no idempotency key) and found again by reading them back. Deleting a deleted comment is
//! a 404.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use hark::domain::{ItemKind, NewItem};
use hark::platform::linkedin::token::Auth;
use hark::platform::linkedin::{LinkedInConnector, LinkedInSettings};
use hark::platform::Connector;
use hark::secrets::Secret;
use serde_json::{json, Value};
use tokio::sync::Notify;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::harness::{arrival, json_answer, query, Platform, RateLimit, Record, Scripted, SLOW};

const PAGE: usize = 2;
const ORG: &str = "urn:li:organization:2414183";
const POST: &str = "urn:li:share:7140000000000000001";
const ACTIVITY: &str = "urn:li:activity:7140000000000000000";

fn fixture(name: &str) -> Value {
    crate::harness::fixture_json("linkedin", name)
}

fn comment_urn(id: u64) -> String {
    format!("urn:li:comment:({ACTIVITY},{id})")
}

/// The kit's comment ids grow with arrival, like LinkedIn's.
fn comment_id(n: u32) -> u64 {
    arrival(n) as u64 * 1000 + n as u64
}

/// What the kit's mention `n` is (see the module's note).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Comment,
    Post,
    CommentMention,
}

fn form(r: &Record) -> Form {
    match r {
        Record::Mention(m) if m.n % 3 == 1 => Form::Post,
        Record::Mention(m) if m.n % 3 == 2 => Form::CommentMention,
        _ => Form::Comment,
    }
}

fn member_post(n: u32) -> String {
    format!("urn:li:share:{}", 7_300_000_000_000_000_000u64 + n as u64)
}

fn member_activity(n: u32) -> String {
    format!(
        "urn:li:activity:{}",
        7_310_000_000_000_000_000u64 + n as u64
    )
}

fn mention_comment_urn(n: u32) -> String {
    format!("urn:li:comment:({},{})", member_activity(n), comment_id(n))
}

/// A member's post that mentions the organization, as `GET /rest/posts/{urn}` answers.
fn post(m: &crate::harness::Mention) -> Value {
    let mut v = fixture("post_mention.json");
    v["id"] = json!(member_post(m.n));
    v["author"] = json!(format!("urn:li:person:fan{}", m.n));
    v["commentary"] = json!(format!("@[Nimbus Coffee]({ORG}) contract mention {}", m.n));
    v["createdAt"] = json!(m.created_at * 1000);
    v["publishedAt"] = json!(m.created_at * 1000);
    v
}

/// A comment that mentions the organization under a member's post.
fn mention_comment(m: &crate::harness::Mention) -> Value {
    let mut v = comment(&Record::Mention(m.clone()));
    v["commentUrn"] = json!(mention_comment_urn(m.n));
    v["object"] = json!(member_activity(m.n));
    v
}

/// The notification of mention `m`, noted when it arrived.
fn notification(m: &crate::harness::Mention, form: Form) -> Value {
    let mut v = fixture("notifications_page1.json")["elements"]
        [if form == Form::Post { 0 } else { 1 }]
    .clone();
    v["notificationId"] = json!(m.n);
    v["lastModifiedAt"] = json!(crate::harness::arrival(m.n) * 1000);
    if form == Form::Post {
        let urn = member_post(m.n);
        v["sourcePost"] = json!(urn);
        v["generatedActivity"] = json!(urn);
        v["decoratedSourcePost"]["entity"] = json!(urn);
        v["decoratedGeneratedActivity"]["share"]["entity"] = json!(urn);
    } else {
        let urn = mention_comment_urn(m.n);
        v["sourcePost"] = json!(member_activity(m.n));
        v["decoratedSourcePost"]["entity"] = json!(member_post(m.n));
        v["generatedActivity"] = json!(urn);
        v["decoratedGeneratedActivity"]["comment"]["entity"] = json!(urn);
        v["decoratedGeneratedActivity"]["comment"]["object"] = json!(member_activity(m.n));
    }
    v
}

fn comment(r: &Record) -> Value {
    let mut v = fixture("comments_page1.json")["elements"][1].clone();
    let (n, created) = match r {
        Record::Mention(m) => (m.n, m.created_at),
        Record::Malformed(n) => (*n, arrival(*n)),
    };
    let id = comment_id(n);
    let actor = format!("urn:li:person:fan{n}");
    v["id"] = json!(id.to_string());
    v["commentUrn"] = json!(comment_urn(id));
    v["actor"] = json!(actor);
    v["message"]["text"] = json!(format!("@Nimbus Coffee contract mention {n}"));
    v["created"] = json!({"actor": actor, "time": created * 1000});
    if matches!(r, Record::Malformed(_)) {
        v.as_object_mut().unwrap().remove("created");
    }
    v
}

/// A URN path segment as LinkedIn's Rest.li 2.0 encodes it, decoded.
fn decoded(segment: &str) -> String {
    url::form_urlencoded::parse(format!("u={segment}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[derive(Default)]
struct State {
    comments: Vec<Value>,
    notifications: Vec<Value>,
    /// The member posts and comments that mention the organization, by URN.
    mentions: HashMap<String, Value>,
    /// The organization's nested replies: (id, parent comment URN, text).
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

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json")
        .set_body_string(json!({"status": status, "message": message}).to_string())
}

fn page(elements: Vec<Value>, start: usize, total: usize) -> ResponseTemplate {
    json_answer(json!({
        "paging": {"start": start, "count": PAGE, "links": [], "total": total},
        "elements": elements,
    }))
}

/// A list request's outage or rate limit, if one is due.
fn list_trouble(s: &mut State) -> Option<ResponseTemplate> {
    if let Some(n) = s.outage_after.as_mut() {
        if *n == 0 {
            s.outage_after = None;
            return Some(error(503, "Service Unavailable"));
        }
        *n -= 1;
    }
    s.rate_limit.take()
}

impl Api {
    fn notifications(&self, s: &mut State, request: &Request) -> ResponseTemplate {
        if let Some(trouble) = list_trouble(s) {
            return trouble;
        }
        let range = query(request, "timeRange").unwrap_or_default();
        let bounds = range
            .strip_prefix("(start:")
            .and_then(|r| r.strip_suffix(')'))
            .and_then(|r| r.split_once(",end:"))
            .and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.parse::<i64>().ok()?)));
        let Some((from, to)) = bounds else {
            return error(400, "Invalid timeRange");
        };
        let inside: Vec<Value> = s
            .notifications
            .iter()
            .filter(|n| (from..=to).contains(&n["lastModifiedAt"].as_i64().unwrap_or(0)))
            .cloned()
            .collect();
        let start: usize = query(request, "start")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let elements: Vec<Value> = inside.iter().skip(start).take(PAGE).cloned().collect();
        let links = if start + PAGE < inside.len() {
            json!([{"rel": "next", "href": format!("?start={}", start + PAGE)}])
        } else {
            json!([])
        };
        json_answer(json!({
            "paging": {"start": start, "count": PAGE, "links": links},
            "elements": elements,
        }))
    }

    fn post_comments(&self, s: &mut State, request: &Request) -> ResponseTemplate {
        if let Some(trouble) = list_trouble(s) {
            return trouble;
        }
        let start: usize = query(request, "start")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let elements = s.comments.iter().skip(start).take(PAGE).cloned().collect();
        page(elements, start, s.comments.len())
    }

    fn replies_under(&self, s: &State, parent: &str) -> ResponseTemplate {
        let elements: Vec<Value> = s
            .replies
            .iter()
            .filter(|(_, p, _)| p == parent)
            .map(|(id, p, text)| {
                let mut v = fixture("comment_created.json");
                v["id"] = json!(id.to_string());
                v["commentUrn"] = json!(comment_urn(*id));
                v["parentComment"] = json!(p);
                v["message"]["text"] = json!(text);
                v
            })
            .collect();
        let total = elements.len();
        page(elements, 0, total)
    }

    fn write(&self, s: &mut State, request: &Request) -> ResponseTemplate {
        let path = request.url.path().to_string();
        let parts: Vec<&str> = path.trim_start_matches("/rest/").split('/').collect();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let (kind, effect) = match (request.method.as_str(), parts.as_slice()) {
            ("POST", ["socialActions", on, "comments"]) => ("reply", decoded(on)),
            ("DELETE", ["socialActions", _, "comments", id])
                if query(request, "actor").as_deref() == Some(ORG) =>
            {
                ("delete", id.to_string())
            }
            _ => return error(404, "Not found"),
        };
        *s.writes.entry(kind.into()).or_default() += 1;
        if let Some(refusal) = s.refused.get(kind) {
            return refusal.clone();
        }
        let (status, answer) = match kind {
            "reply" => {
                let id = 7_200_000_000_000_000_000u64 + s.replies.len() as u64;
                let text = body["message"]["text"].as_str().unwrap_or("").to_string();
                // Nested under the comment it names, or on the post it names.
                let parent = body["parentComment"]
                    .as_str()
                    .or_else(|| body["object"].as_str())
                    .unwrap_or("")
                    .to_string();
                assert_eq!(parent, effect, "written where it says");
                assert_eq!(body["actor"], ORG, "as the organization");
                s.replies.push((id, parent, text.clone()));
                s.effects
                    .entry("reply".into())
                    .or_default()
                    .insert(id.to_string());
                let mut created = fixture("comment_created.json");
                created["id"] = json!(id.to_string());
                created["commentUrn"] = json!(comment_urn(id));
                created["message"]["text"] = json!(text);
                (201, created.to_string())
            }
            _ => {
                if !s.effects.entry("delete".into()).or_default().insert(effect) {
                    return error(404, "Comment not found");
                }
                (204, String::new())
            }
        };
        if s.garble {
            return ResponseTemplate::new(201).set_body_string("<html>502 Bad Gatew");
        }
        let out = ResponseTemplate::new(status)
            .insert_header("content-type", "application/json")
            .set_body_string(answer);
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
        let path = request.url.path().to_string();
        let parts: Vec<&str> = path.trim_start_matches("/rest/").split('/').collect();
        match (request.method.as_str(), parts.as_slice()) {
            ("GET", ["posts"]) if query(request, "author").as_deref() == Some(ORG) => {
                let mut posts = fixture("posts_by_author.json");
                posts["elements"][0]["id"] = json!(POST);
                json_answer(posts)
            }
            ("GET", ["organizationalEntityNotifications"])
                if query(request, "organizationalEntity").as_deref() == Some(ORG) =>
            {
                self.notifications(&mut s, request)
            }
            ("GET", ["posts", urn]) => match s.mentions.get(&decoded(urn)) {
                Some(post) => json_answer(post.clone()),
                None => error(404, "Not found"),
            },
            ("GET", ["socialActions", object, "comments", id]) => {
                let urn = format!("urn:li:comment:({},{id})", decoded(object));
                match s.mentions.get(&urn) {
                    Some(comment) => json_answer(comment.clone()),
                    None => error(404, "Not found"),
                }
            }
            ("GET", ["socialActions", object, "comments"]) => {
                let object = decoded(object);
                if object == POST {
                    self.post_comments(&mut s, request)
                } else {
                    self.replies_under(&s, &object)
                }
            }
            ("GET", _) => error(404, "Not found"),
            _ => self.write(&mut s, request),
        }
    }
}

pub struct LinkedIn {
    server: MockServer,
    api: Api,
}

#[async_trait]
impl Platform for LinkedIn {
    const NAME: &'static str = "linkedin";

    async fn start() -> LinkedIn {
        let server = MockServer::start().await;
        let api = Api::default();
        Mock::given(wiremock::matchers::any())
            .respond_with(api.clone())
            .mount(&server)
            .await;
        LinkedIn { server, api }
    }

    fn connector(&self) -> Arc<dyn Connector> {
        let settings = LinkedInSettings {
            organization: ORG.into(),
            version: "202510".into(),
            posts: 10,
            // The fixtures are dated in the past: all of it is within reach.
            lookback: std::time::Duration::from_secs(20 * 365 * 86_400),
        };
        Arc::new(
            LinkedInConnector::new(
                &self.server.uri(),
                settings,
                Auth::Fixed(Secret::new("kit-token")),
            )
            .unwrap(),
        )
    }

    fn target(&self, kind: &str, n: u32) -> NewItem {
        let raw = comment(&crate::harness::mention(n));
        let mut item = NewItem {
            external_id: comment_urn(comment_id(n)),
            kind: ItemKind::Comment,
            parent_external_id: Some(POST.into()),
            thread_external_id: Some(POST.into()),
            author: hark::platform::linkedin::convert::author(&format!("urn:li:person:fan{n}")),
            body: format!("contract mention {n}"),
            url: None,
            created_at: arrival(n),
            raw_json: Some(raw.to_string()),
            room: None,
        };
        // Replies also go to mentions: on the member's post, or under the comment.
        match (kind, form(&crate::harness::mention(n))) {
            ("reply", Form::Post) => {
                item.external_id = member_post(n);
                item.kind = ItemKind::Mention;
                item.parent_external_id = None;
                item.thread_external_id = Some(member_post(n));
            }
            ("reply", Form::CommentMention) => {
                item.external_id = mention_comment_urn(n);
                item.kind = ItemKind::Mention;
                item.parent_external_id = Some(member_post(n));
                item.thread_external_id = Some(member_post(n));
            }
            _ => {}
        }
        // Only the organization's own comments can be deleted.
        if kind == "delete" {
            item.kind = ItemKind::Post;
            item.author.external_id = ORG.into();
            item.author.handle = ORG.into();
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
impl Scripted for LinkedIn {
    async fn publish(&self, records: &[Record]) {
        let mut s = self.api.0.lock().unwrap();
        for r in records {
            match (form(r), r) {
                (Form::Post, Record::Mention(m)) => {
                    s.mentions.insert(member_post(m.n), post(m));
                    s.notifications.push(notification(m, Form::Post));
                }
                (Form::CommentMention, Record::Mention(m)) => {
                    s.mentions
                        .insert(mention_comment_urn(m.n), mention_comment(m));
                    s.notifications.push(notification(m, Form::CommentMention));
                }
                _ => s.comments.push(comment(r)),
            }
        }
    }

    async fn outage_after(&self, ok: usize) {
        self.api.0.lock().unwrap().outage_after = Some(ok);
    }

    fn rate_limits(&self) -> Vec<RateLimit> {
        // LinkedIn names no reset: its daily limits end at midnight UTC; hark asks again
        // then, or within the hour if that comes first.
        let now = hark::domain::now();
        let wait = (86_400 - now.rem_euclid(86_400)).min(3600) as u64;
        vec![RateLimit {
            form: "429 naming the application's daily limit",
            template: ResponseTemplate::new(429)
                .insert_header("content-type", "application/json")
                .set_body_string(fixture("throttled.json").to_string()),
            wait,
        }]
    }

    async fn rate_limit_next_list(&self, limit: &RateLimit) {
        self.api.0.lock().unwrap().rate_limit = Some(limit.template.clone());
    }

    async fn refuse(&self, kind: &str) -> String {
        let reason = "Caller is not authorized to delete this comment";
        self.api
            .0
            .lock()
            .unwrap()
            .refused
            .insert(kind.into(), error(403, reason));
        reason.into()
    }

    async fn garble(&self) {
        self.api.0.lock().unwrap().garble = true;
    }
}

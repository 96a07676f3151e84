//! The kit's LinkedIn: a local Community Management API as LinkedIn's reference documents
//! it (learn.microsoft.com/linkedin: Posts API "Find Posts by Authors", Comments API "Get
//! Comments on Shares", "Create a Comment", "Delete a Comment"; rate limits; fixtures in
//! tests/fixtures/linkedin/ name their pages).
//!
//! The organization has one post; the kit's mentions are comments on it, listed in arrival
//! order, two per page whatever `count` asks, with `paging.total`. Replies are nested
//! comments, created anew by every `POST` (no idempotency key) and found again by reading the
//! comment's replies. Deleting a deleted comment is a 404.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use hark::domain::{ItemKind, NewAuthor, NewItem};
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

impl Api {
    fn post_comments(&self, s: &mut State, request: &Request) -> ResponseTemplate {
        if let Some(n) = s.outage_after.as_mut() {
            if *n == 0 {
                s.outage_after = None;
                return error(503, "Service Unavailable");
            }
            *n -= 1;
        }
        if let Some(limit) = s.rate_limit.take() {
            return limit;
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
            ("POST", ["socialActions", parent, "comments"]) => ("reply", decoded(parent)),
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
                let parent = body["parentComment"].as_str().unwrap_or("").to_string();
                assert_eq!(parent, effect, "nested under the comment it names");
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
            author: NewAuthor {
                external_id: format!("urn:li:person:fan{n}"),
                handle: format!("urn:li:person:fan{n}"),
                display_name: format!("LinkedIn member fan{n}"),
                followers: None,
            },
            body: format!("contract mention {n}"),
            url: None,
            created_at: arrival(n),
            raw_json: Some(raw.to_string()),
            room: None,
        };
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
        s.comments.extend(records.iter().map(comment));
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

//! The kit's Mastodon: a local instance speaking the REST API as documented
//! (github.com/mastodon/documentation, content/en/methods/notifications.md, statuses.md,
//! accounts.md, reports.md; errors as app/controllers/api/base_controller.rb renders them).
//!
//! Notifications page by `min_id` like Mastodon (the page just newer than it, newest first,
//! with a `Link` header), two per page so a few mentions straddle pages. Replies honour
//! `Idempotency-Key` (one status per key); blocks, mutes and dismissals are sets; every
//! report is a new report; deleting a deleted status is a 404.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use hark::domain::{ItemKind, NewAuthor, NewItem};
use hark::platform::mastodon::MastodonConnector;
use hark::platform::Connector;
use hark::secrets::Secret;
use serde_json::{json, Value};
use tokio::sync::Notify;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::harness::{arrival, iso, json_answer, Platform, RateLimit, Record, Scripted, SLOW};

const PAGE: usize = 2;

fn fixture(name: &str) -> Value {
    crate::harness::fixture_json("mastodon", name)
}

/// The notification of record `r`, from the documentation's example.
fn notification(r: &Record) -> Value {
    let mut n = fixture("notifications_page1.json")[0].clone();
    let (k, created) = match r {
        Record::Mention(m) => (m.n, m.created_at),
        Record::Malformed(n) => (*n, arrival(*n)),
    };
    n["id"] = json!(format!("{}", 5000 + k));
    n["created_at"] = json!(iso(arrival(k)));
    let account = json!({"id": format!("{}", 300 + k), "username": format!("fan{k}"),
        "acct": format!("fan{k}"), "display_name": format!("Fan {k}"),
        "url": format!("https://nimbus.social/@fan{k}")});
    n["account"] = account.clone();
    let s = &mut n["status"];
    // Status ids are snowflakes of the status's own time; notification ids of arrival.
    s["id"] = json!(format!("{}{k:03}", created));
    s["created_at"] = json!(iso(created));
    s["account"] = account;
    s["in_reply_to_id"] = Value::Null;
    s["in_reply_to_account_id"] = Value::Null;
    s["content"] = json!(format!("<p>@nimbuscoffee contract mention {k}</p>"));
    if matches!(r, Record::Malformed(_)) {
        // A required field missing, as in the reported page that failed forever.
        s.as_object_mut().unwrap().remove("created_at");
    }
    n
}

#[derive(Default)]
struct State {
    /// Notifications in arrival (id) order.
    timeline: Vec<Value>,
    outage_after: Option<usize>,
    rate_limit: Option<ResponseTemplate>,
    refused: HashMap<String, ResponseTemplate>,
    garble: bool,
    slow: Option<Arc<Notify>>,
    writes: HashMap<String, usize>,
    /// Effects: reply keys, blocked/muted ids, deleted statuses, reports.
    effects: HashMap<String, Vec<String>>,
}

#[derive(Clone, Default)]
struct Instance(Arc<Mutex<State>>);

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json")
        .set_body_string(json!({ "error": message }).to_string())
}

impl Instance {
    fn list(&self, s: &mut State, request: &Request, base: &str) -> ResponseTemplate {
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
        let id = |v: &Value| v["id"].as_str().unwrap().parse::<u64>().unwrap();
        let min_id = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "min_id")
            .and_then(|(_, v)| v.parse::<u64>().ok());
        let mut page: Vec<Value> = match min_id {
            Some(min) => s
                .timeline
                .iter()
                .filter(|v| id(v) > min)
                .take(PAGE)
                .cloned()
                .collect(),
            None => s.timeline.iter().rev().take(PAGE).rev().cloned().collect(),
        };
        page.reverse();
        let mut answer = json_answer(Value::Array(page.clone()));
        if let (Some(newest), Some(oldest)) = (page.first(), page.last()) {
            let route = format!("{base}/api/v1/notifications");
            answer = answer.insert_header(
                "link",
                format!(
                    "<{route}?max_id={}>; rel=\"next\", <{route}?min_id={}>; rel=\"prev\"",
                    id(oldest),
                    id(newest)
                )
                .as_str(),
            );
        }
        answer
    }

    fn write(&self, s: &mut State, request: &Request) -> ResponseTemplate {
        let path = request.url.path().to_string();
        let parts: Vec<&str> = path.trim_start_matches("/api/v1/").split('/').collect();
        let delete = request.method.as_str() == "DELETE";
        let (kind, effect, body) = match parts.as_slice() {
            ["statuses"] => {
                let key = request
                    .headers
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("no-key-{}", s.writes.len()));
                ("reply", key, None)
            }
            ["statuses", id] if delete => ("delete", id.to_string(), None),
            ["statuses", id, "mute"] => ("mute-thread", id.to_string(), None),
            ["accounts", id, verb] => (*verb, id.to_string(), None),
            ["reports"] => ("report", String::new(), Some(fixture("report.json"))),
            ["notifications", id, "dismiss"] => ("dismiss", id.to_string(), Some(json!({}))),
            _ => return error(404, "Record not found"),
        };
        *s.writes.entry(kind.into()).or_default() += 1;
        if let Some(refusal) = s.refused.get(kind) {
            return refusal.clone();
        }
        let effects = s.effects.entry(kind.into()).or_default();
        let body = match kind {
            "reply" => {
                let index = effects
                    .iter()
                    .position(|k| *k == effect)
                    .unwrap_or_else(|| {
                        effects.push(effect.clone());
                        effects.len() - 1
                    });
                let mut status = fixture("status_created.json");
                status["id"] = json!(format!("{}", 7000 + index));
                status
            }
            "delete" if effects.contains(&effect) => return error(404, "Record not found"),
            "report" => {
                effects.push(format!("report-{}", effects.len()));
                body.unwrap()
            }
            _ => {
                if !effects.contains(&effect) {
                    effects.push(effect.clone());
                }
                body.unwrap_or_else(|| fixture("relationship.json"))
            }
        };
        if s.garble {
            return ResponseTemplate::new(200).set_body_string("<html>502 Bad Gatew");
        }
        let answer = json_answer(body);
        match &s.slow {
            Some(taken) => {
                taken.notify_one();
                answer.set_delay(SLOW)
            }
            None => answer,
        }
    }
}

/// Respond needs the base URL for `Link`; it is set once the server has started.
struct Routes {
    instance: Instance,
    base: String,
}

impl Respond for Routes {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.instance.0.lock().unwrap();
        match (request.method.as_str(), request.url.path()) {
            ("GET", "/api/v1/accounts/verify_credentials") => {
                json_answer(fixture("verify_credentials.json"))
            }
            ("GET", "/api/v2/instance") => json_answer(fixture("instance.json")),
            ("GET", "/api/v1/notifications") => self.instance.list(&mut s, request, &self.base),
            ("GET", "/api/v1/conversations") => json_answer(json!([])),
            ("GET", _) => error(404, "Record not found"),
            _ => self.instance.write(&mut s, request),
        }
    }
}

pub struct Mastodon {
    server: MockServer,
    instance: Instance,
}

#[async_trait]
impl Platform for Mastodon {
    const NAME: &'static str = "mastodon";

    async fn start() -> Mastodon {
        let server = MockServer::start().await;
        let instance = Instance::default();
        Mock::given(wiremock::matchers::any())
            .respond_with(Routes {
                instance: instance.clone(),
                base: server.uri(),
            })
            .mount(&server)
            .await;
        Mastodon { server, instance }
    }

    fn connector(&self) -> Arc<dyn Connector> {
        Arc::new(MastodonConnector::new(&self.server.uri(), Secret::new("kit-token")).unwrap())
    }

    fn target(&self, kind: &str, n: u32) -> NewItem {
        let raw = notification(&crate::harness::mention(n));
        let mut item = NewItem {
            external_id: raw["status"]["id"].as_str().unwrap().to_string(),
            kind: ItemKind::Mention,
            parent_external_id: None,
            thread_external_id: None,
            author: NewAuthor {
                external_id: raw["account"]["id"].as_str().unwrap().to_string(),
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
        if kind == "delete" {
            // Only the brand's own posts can be deleted.
            let mut status = raw["status"].clone();
            status["account"] = fixture("verify_credentials.json");
            item.kind = ItemKind::Post;
            item.raw_json = Some(status.to_string());
        }
        item
    }

    async fn slow_connector(&self) -> (Arc<dyn Connector>, Arc<Notify>) {
        let taken = Arc::new(Notify::new());
        self.instance.0.lock().unwrap().slow = Some(taken.clone());
        (self.connector(), taken)
    }

    async fn prompt(&self) {
        let mut s = self.instance.0.lock().unwrap();
        s.slow = None;
        s.garble = false;
    }

    async fn writes(&self, kind: &str) -> usize {
        let s = self.instance.0.lock().unwrap();
        s.writes.get(kind).copied().unwrap_or(0)
    }

    async fn copies(&self, kind: &str) -> usize {
        let s = self.instance.0.lock().unwrap();
        s.effects.get(kind).map_or(0, Vec::len)
    }
}

#[async_trait]
impl Scripted for Mastodon {
    async fn publish(&self, records: &[Record]) {
        let mut s = self.instance.0.lock().unwrap();
        s.timeline.extend(records.iter().map(notification));
    }

    async fn outage_after(&self, ok: usize) {
        self.instance.0.lock().unwrap().outage_after = Some(ok);
    }

    fn rate_limits(&self) -> Vec<RateLimit> {
        // Documented in content/en/api/rate-limits.md: X-RateLimit-Reset is an ISO 8601
        // time; proxies in front of Mastodon answer with Retry-After.
        let reset = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(120);
        vec![
            RateLimit {
                form: "429 with X-RateLimit-Reset as an ISO time",
                template: error(429, "Too many requests")
                    .insert_header("x-ratelimit-limit", "300")
                    .insert_header("x-ratelimit-remaining", "0")
                    .insert_header("x-ratelimit-reset", reset.to_string().as_str()),
                wait: 120,
            },
            RateLimit {
                form: "429 with Retry-After seconds",
                template: error(429, "Too many requests").insert_header("retry-after", "30"),
                wait: 30,
            },
        ]
    }

    async fn rate_limit_next_list(&self, limit: &RateLimit) {
        self.instance.0.lock().unwrap().rate_limit = Some(limit.template.clone());
    }

    async fn refuse(&self, kind: &str) -> String {
        // Validation fails with 422 (reports); anything the account may not do is a 403.
        let (status, reason) = match kind {
            "report" => (422, "Validation failed: Comment is too long"),
            _ => (403, "This action is not allowed"),
        };
        let mut s = self.instance.0.lock().unwrap();
        s.refused.insert(kind.into(), error(status, reason));
        reason.into()
    }

    async fn garble(&self) {
        self.instance.0.lock().unwrap().garble = true;
    }
}

//! The kit's Bluesky: a local PDS + AppView speaking XRPC as the lexicons define it
//! (atproto lexicons app/bsky/notification/listNotifications.json, com/atproto/repo/*.json,
//! com/atproto/moderation/createReport.json; rate-limit headers as
//! docs.bsky.app/docs/advanced-guides/rate-limits describes them).
//!
//! Notifications come newest first by their sort time, which is the record's `createdAt`
//! when that is earlier than its arrival (as the AppView's `sortAt`), two per page behind
//! an opaque cursor. A post rkey exists once (a second create is the PDS's 500); blocks are
//! records, one more per create; every report is a new report.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use hark::domain::{ItemKind, NewAuthor, NewItem};
use hark::platform::bluesky::{BlueskyConnector, Secret, Settings, CHAT_PROXY};
use hark::platform::Connector;
use serde_json::{json, Value};
use tokio::sync::Notify;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::harness::{arrival, iso, Platform, RateLimit, Record, Scripted, SLOW};

const PAGE: usize = 2;
const BRAND: &str = "did:plc:brand";
const BRAND_ROOT: &str = "at://did:plc:brand/app.bsky.feed.post/3kbrandroot00";

fn fixture(name: &str) -> Value {
    crate::harness::fixture_json("bluesky", name)
}

fn uri(n: u32) -> String {
    format!("at://did:plc:fan{n}/app.bsky.feed.post/3kcontract{n:04}")
}

/// The notification view of record `r`, from the lexicon-shaped fixture; its sort time.
fn notification(r: &Record) -> (i64, Value) {
    let mut v = fixture("notifications_page1.json")["notifications"][0].clone();
    let (n, created) = match r {
        Record::Mention(m) => (m.n, m.created_at),
        Record::Malformed(n) => (*n, arrival(*n)),
    };
    let sort = created.min(arrival(n));
    v["uri"] = json!(uri(n));
    v["cid"] = json!(format!("bafyreicontract{n}"));
    v["author"] = json!({"did": format!("did:plc:fan{n}"), "handle": format!("fan{n}.test"),
        "displayName": format!("Fan {n}"), "labels": []});
    v["record"] = json!({"$type": "app.bsky.feed.post",
        "text": format!("@brand.test contract mention {n}"), "createdAt": iso(created)});
    v["indexedAt"] = json!(iso(sort));
    if matches!(r, Record::Malformed(_)) {
        let o = v.as_object_mut().unwrap();
        o.remove("author");
        o.insert("record".into(), json!(42));
    }
    (sort, v)
}

#[derive(Default)]
struct State {
    /// (sort time, arrival, notification view).
    timeline: Vec<(i64, u32, Value)>,
    outage_after: Option<usize>,
    rate_limit: Option<ResponseTemplate>,
    refused: HashMap<String, String>,
    garble: bool,
    slow: Option<Arc<Notify>>,
    writes: HashMap<String, usize>,
    effects: HashMap<String, Vec<String>>,
    /// The brand thread's threadgate `hiddenReplies`, once written.
    gate: Option<Vec<Value>>,
}

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

fn xrpc_error(status: u16, error: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"error": error, "message": message}))
}

#[derive(Clone, Default)]
struct Pds(Arc<Mutex<State>>);

impl Pds {
    fn list(s: &mut State, request: &Request) -> ResponseTemplate {
        if let Some(n) = s.outage_after.as_mut() {
            if *n == 0 {
                s.outage_after = None;
                return xrpc_error(503, "InternalServerError", "upstream unavailable");
            }
            *n -= 1;
        }
        if let Some(limit) = s.rate_limit.take() {
            return limit;
        }
        let offset: usize = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "cursor")
            .and_then(|(_, v)| v.trim_start_matches('c').parse().ok())
            .unwrap_or(0);
        let mut sorted: Vec<&(i64, u32, Value)> = s.timeline.iter().collect();
        sorted.sort_by_key(|e| std::cmp::Reverse((e.0, e.1)));
        let page: Vec<Value> = sorted
            .iter()
            .skip(offset)
            .take(PAGE)
            .map(|e| e.2.clone())
            .collect();
        let mut body = json!({ "notifications": page });
        if offset + PAGE < sorted.len() {
            body["cursor"] = json!(format!("c{}", offset + PAGE));
        }
        ok(body)
    }

    fn get_record(s: &State, request: &Request) -> ResponseTemplate {
        let q: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
        let (collection, rkey) = (q["collection"].as_str(), q["rkey"].as_str());
        let uri = format!("at://{BRAND}/{collection}/{rkey}");
        let found = match collection {
            "app.bsky.feed.post" => s
                .effects
                .get("reply")
                .is_some_and(|keys| keys.iter().any(|k| k == rkey)),
            _ => s.gate.is_some(),
        };
        if !found {
            return xrpc_error(
                400,
                "RecordNotFound",
                &format!("Could not locate record: {uri}"),
            );
        }
        let value = match collection {
            "app.bsky.feed.post" => json!({"$type": collection, "text": "kit reply"}),
            _ => json!({"$type": collection, "post": BRAND_ROOT, "createdAt": iso(arrival(0)),
                        "hiddenReplies": s.gate.clone().unwrap_or_default()}),
        };
        ok(json!({"uri": uri, "cid": "bafyreigate", "value": value}))
    }

    fn write(s: &mut State, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let nsid = request.url.path().trim_start_matches("/xrpc/");
        let collection = body["collection"].as_str().unwrap_or("");
        let (kind, effect) = match (nsid, collection) {
            ("com.atproto.repo.createRecord", "app.bsky.feed.post") => {
                ("reply", body["rkey"].as_str().unwrap_or("").to_string())
            }
            ("com.atproto.repo.createRecord", "app.bsky.graph.block") => (
                "block",
                format!("block-{}", s.writes.get("block").unwrap_or(&0)),
            ),
            ("com.atproto.repo.putRecord", _) => {
                let hidden = body["record"]["hiddenReplies"].as_array().cloned();
                let before = s.gate.as_ref().map_or(0, Vec::len);
                let kind = if hidden.as_ref().map_or(0, Vec::len) > before {
                    "hide"
                } else {
                    "unhide"
                };
                (kind, "gate".to_string())
            }
            ("com.atproto.repo.deleteRecord", _) => {
                ("delete", body["rkey"].as_str().unwrap_or("").to_string())
            }
            ("app.bsky.graph.muteActor", _) => ("mute", body["actor"].to_string()),
            ("app.bsky.graph.muteThread", _) => ("mute-thread", body["root"].to_string()),
            ("com.atproto.moderation.createReport", _) => (
                "report",
                format!("report-{}", s.writes.get("report").unwrap_or(&0)),
            ),
            _ => return xrpc_error(501, "MethodNotImplemented", nsid),
        };
        *s.writes.entry(kind.into()).or_default() += 1;
        if let Some(reason) = s.refused.get(kind) {
            return xrpc_error(400, "InvalidRequest", reason);
        }
        let effects = s.effects.entry(kind.into()).or_default();
        if kind == "reply" && effects.contains(&effect) {
            // The PDS answers a duplicate rkey with a 500, not a conflict.
            return xrpc_error(500, "InternalServerError", "Internal Server Error");
        }
        if !effects.contains(&effect) {
            effects.push(effect.clone());
        }
        if kind == "hide" || kind == "unhide" {
            s.gate = body["record"]["hiddenReplies"].as_array().cloned();
        }
        if s.garble {
            return ResponseTemplate::new(200).set_body_string("<html>502 Bad Gatew");
        }
        let answer = match kind {
            "reply" | "block" => ok(json!({
                "uri": format!("at://{BRAND}/{collection}/{effect}"), "cid": "bafyreinew"})),
            "hide" | "unhide" => ok(json!({"uri": "at://x/y/z", "cid": "bafyreigate2"})),
            "report" => ok(
                json!({"id": effects.len(), "reasonType": body["reasonType"],
                "subject": body["subject"], "reportedBy": BRAND, "createdAt": iso(arrival(0))}),
            ),
            _ => ResponseTemplate::new(200),
        };
        match &s.slow {
            Some(taken) => {
                taken.notify_one();
                answer.set_delay(SLOW)
            }
            None => answer,
        }
    }
}

impl Respond for Pds {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        let nsid = request.url.path().trim_start_matches("/xrpc/");
        match nsid {
            "com.atproto.server.createSession" => ok(fixture("session.json")),
            "app.bsky.notification.listNotifications" => Pds::list(&mut s, request),
            "chat.bsky.convo.listConvos" => ok(json!({"convos": []})),
            "app.bsky.actor.getProfiles" => ok(json!({"profiles": []})),
            "com.atproto.repo.getRecord" => Pds::get_record(&s, request),
            _ => Pds::write(&mut s, request),
        }
    }
}

pub struct Bluesky {
    server: MockServer,
    pds: Pds,
}

#[async_trait]
impl Platform for Bluesky {
    const NAME: &'static str = "bluesky";

    async fn start() -> Bluesky {
        let server = MockServer::start().await;
        let pds = Pds::default();
        Mock::given(wiremock::matchers::any())
            .respond_with(pds.clone())
            .mount(&server)
            .await;
        Bluesky { server, pds }
    }

    fn connector(&self) -> Arc<dyn Connector> {
        Arc::new(
            BlueskyConnector::new(Settings {
                service: self.server.uri(),
                handle: "brand.test".into(),
                password: Secret::new("kit-app-password"),
                session_file: None,
                chat_proxy: CHAT_PROXY.into(),
            })
            .unwrap(),
        )
    }

    fn target(&self, kind: &str, n: u32) -> NewItem {
        let (_, mut raw) = notification(&crate::harness::mention(n));
        let mut item = NewItem {
            external_id: uri(n),
            kind: ItemKind::Mention,
            parent_external_id: None,
            thread_external_id: None,
            author: NewAuthor {
                external_id: format!("did:plc:fan{n}"),
                handle: format!("@fan{n}.test"),
                display_name: format!("Fan {n}"),
                followers: None,
            },
            body: format!("contract mention {n}"),
            url: None,
            created_at: arrival(n),
            raw_json: None,
            room: None,
        };
        match kind {
            // Hiding works on replies in the brand's own thread; one to unhide is hidden.
            "hide" | "unhide" => {
                if kind == "unhide" {
                    let mut s = self.pds.0.lock().unwrap();
                    s.gate.get_or_insert_with(Vec::new).push(json!(uri(n)));
                }
                let root = json!({"uri": BRAND_ROOT, "cid": "bafyreibrandroot"});
                raw["record"]["reply"] = json!({"root": root, "parent": root});
                item.kind = ItemKind::Comment;
                item.parent_external_id = Some(BRAND_ROOT.into());
                item.thread_external_id = Some(BRAND_ROOT.into());
            }
            // Only the brand's own posts can be deleted.
            "delete" => {
                let own = format!("at://{BRAND}/app.bsky.feed.post/3kown{n:08}");
                raw["uri"] = json!(own);
                raw["author"]["did"] = json!(BRAND);
                item.external_id = own;
                item.kind = ItemKind::Post;
                item.author.external_id = BRAND.into();
            }
            _ => {}
        }
        item.raw_json = Some(raw.to_string());
        item
    }

    async fn slow_connector(&self) -> (Arc<dyn Connector>, Arc<Notify>) {
        let taken = Arc::new(Notify::new());
        self.pds.0.lock().unwrap().slow = Some(taken.clone());
        (self.connector(), taken)
    }

    async fn prompt(&self) {
        let mut s = self.pds.0.lock().unwrap();
        s.slow = None;
        s.garble = false;
    }

    async fn writes(&self, kind: &str) -> usize {
        self.pds
            .0
            .lock()
            .unwrap()
            .writes
            .get(kind)
            .copied()
            .unwrap_or(0)
    }

    async fn copies(&self, kind: &str) -> usize {
        let s = self.pds.0.lock().unwrap();
        s.effects.get(kind).map_or(0, Vec::len)
    }
}

#[async_trait]
impl Scripted for Bluesky {
    async fn publish(&self, records: &[Record]) {
        let mut s = self.pds.0.lock().unwrap();
        for r in records {
            let (sort, view) = notification(r);
            s.timeline.push((sort, r.n(), view));
        }
    }

    async fn outage_after(&self, ok: usize) {
        self.pds.0.lock().unwrap().outage_after = Some(ok);
    }

    fn rate_limits(&self) -> Vec<RateLimit> {
        let reset = jiff::Timestamp::now().as_second() + 120;
        vec![
            RateLimit {
                form: "429 with RateLimit-Reset in epoch seconds",
                template: xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded")
                    .insert_header("ratelimit-limit", "3000")
                    .insert_header("ratelimit-remaining", "0")
                    .insert_header("ratelimit-reset", reset.to_string().as_str())
                    .insert_header("ratelimit-policy", "3000;w=300"),
                wait: 120,
            },
            RateLimit {
                form: "429 with RateLimit-Remaining 0 and no reset",
                template: xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded")
                    .insert_header("ratelimit-remaining", "0"),
                wait: 60,
            },
        ]
    }

    async fn rate_limit_next_list(&self, limit: &RateLimit) {
        self.pds.0.lock().unwrap().rate_limit = Some(limit.template.clone());
    }

    async fn refuse(&self, kind: &str) -> String {
        let reason = format!("kit: the PDS refuses {kind} on this record");
        let mut s = self.pds.0.lock().unwrap();
        s.refused.insert(kind.into(), reason.clone());
        reason
    }

    async fn garble(&self) {
        self.pds.0.lock().unwrap().garble = true;
    }
}

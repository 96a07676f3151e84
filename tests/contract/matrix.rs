//! The kit's Matrix: a local homeserver speaking the client-server API as the spec
//! documents it (spec.matrix.org, Client-Server API: "Syncing", "Getting events for a
//! room", "Sending events to a room", "Redactions", "Banning users in a room", "Kicking users", "Reporting
//! content", "m.room.power_levels"; errors as "Standard error response" and "Rate
//! limiting"). Shapes come from tests/fixtures/matrix/, each naming its section.
//!
//! One room. A sync from `s<pos>` carries at most two events: more than that is a
//! `limited` timeline whose `prev_batch` the client reads backwards with `/messages`, two
//! events per page, down to its old token. A transaction id is sent once (a resend answers
//! the first event, as the spec requires); redactions, kicks and bans are sets; every report is a
//! new report.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use hark::domain::{ItemKind, NewAuthor, NewItem};
use hark::platform::matrix::{MatrixConnector, Settings};
use hark::platform::Connector;
use hark::secrets::Secret;
use serde_json::{json, Value};
use tokio::sync::Notify;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::harness::{arrival, json_answer, query, Platform, RateLimit, Record, Scripted, SLOW};

const PAGE: usize = 2;
pub const ROOM: &str = "!support:nimbus.test";
pub const BRAND: &str = "@brand:nimbus.test";

pub fn fixture(name: &str) -> Value {
    crate::harness::fixture_json("matrix", name)
}

/// The room event of record `r`, from the spec's m.room.message example.
fn event(r: &Record) -> Value {
    let mut e = fixture("messages.json")["chunk"][0].clone();
    let (n, created) = match r {
        Record::Mention(m) => (m.n, m.created_at),
        Record::Malformed(n) => (*n, arrival(*n)),
    };
    e.as_object_mut().unwrap().remove("room_id");
    e["event_id"] = json!(format!("$contract{n}:nimbus.test"));
    e["sender"] = json!(format!("@fan{n}:nimbus.test"));
    // The homeserver stamps its own time; a backdated mention keeps its author's claim.
    e["origin_server_ts"] = json!(created * 1000);
    e["content"] = json!({"msgtype": "m.text",
        "body": format!("Brand: contract mention {n}"),
        "m.mentions": {"user_ids": [BRAND]}});
    if matches!(r, Record::Malformed(_)) {
        e.as_object_mut().unwrap().remove("origin_server_ts");
    }
    e
}

pub fn error(status: u16, errcode: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json")
        .set_body_string(json!({"errcode": errcode, "error": message}).to_string())
}

#[derive(Default)]
struct State {
    /// The room's timeline in stream order; an event's position is its index + 1.
    timeline: Vec<Value>,
    outage_after: Option<usize>,
    rate_limit: Option<ResponseTemplate>,
    refused: HashMap<String, ResponseTemplate>,
    garble: bool,
    slow: Option<Arc<Notify>>,
    writes: HashMap<String, usize>,
    /// Effects: transaction ids sent, redacted events, banned users, reports.
    effects: HashMap<String, Vec<String>>,
}

#[derive(Clone, Default)]
struct Homeserver(Arc<Mutex<State>>);

fn token_pos(token: &str, prefix: char) -> Option<usize> {
    token.strip_prefix(prefix)?.parse().ok()
}

impl State {
    /// Counts one list request; `Some` answer when it fails instead.
    fn list_trouble(&mut self) -> Option<ResponseTemplate> {
        if let Some(n) = self.outage_after.as_mut() {
            if *n == 0 {
                self.outage_after = None;
                return Some(error(502, "M_UNKNOWN", "Bad Gateway"));
            }
            *n -= 1;
        }
        self.rate_limit.take()
    }

    fn sync(&mut self, request: &Request) -> ResponseTemplate {
        if let Some(trouble) = self.list_trouble() {
            return trouble;
        }
        let since = query(request, "since").and_then(|s| token_pos(&s, 's'));
        let end = self.timeline.len();
        let from = since.unwrap_or(0);
        let new = &self.timeline[from.min(end)..];
        let shown = new.len().min(PAGE);
        let first = end - shown;
        let mut answer = fixture("sync.json");
        answer["next_batch"] = json!(format!("s{end}"));
        let room = &mut answer["rooms"]["join"];
        let mut entry = room["!726s6s6q:example.com"].take();
        room.as_object_mut().unwrap().clear();
        entry["state"]["events"] = json!([]);
        entry["timeline"] = json!({
            "events": self.timeline[first..].to_vec(),
            "limited": new.len() > shown,
            "prev_batch": format!("t{first}"),
        });
        if since.is_some() && new.is_empty() {
            // Nothing new: the room is left out of the answer.
            return json_answer(answer);
        }
        room[ROOM] = entry;
        json_answer(answer)
    }

    fn messages(&mut self, request: &Request) -> ResponseTemplate {
        if let Some(trouble) = self.list_trouble() {
            return trouble;
        }
        let from = query(request, "from")
            .and_then(|s| token_pos(&s, 't'))
            .unwrap_or(0);
        let to = query(request, "to")
            .and_then(|s| token_pos(&s, 's'))
            .unwrap_or(0);
        let mut answer = fixture("messages.json");
        let take = from.saturating_sub(to).min(PAGE);
        let chunk: Vec<Value> = self.timeline[from - take..from]
            .iter()
            .rev()
            .cloned()
            .collect();
        answer["start"] = json!(format!("t{from}"));
        if take == 0 {
            answer.as_object_mut().unwrap().remove("end");
        } else {
            answer["end"] = json!(format!("t{}", from - take));
        }
        answer["chunk"] = Value::Array(chunk);
        json_answer(answer)
    }

    fn write(&mut self, request: &Request) -> ResponseTemplate {
        let path = request.url.path().to_string();
        let parts: Vec<String> = path
            .trim_start_matches("/_matrix/client/v3/rooms/")
            .split('/')
            .map(percent_decode)
            .collect();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        let (kind, effect) = match parts.as_slice() {
            [_, "send", "m.room.message", txn] => ("reply", txn.to_string()),
            [_, "redact", event, _txn] => ("delete", event.to_string()),
            [_, "ban"] => ("block", body["user_id"].as_str().unwrap_or("").to_string()),
            [_, "kick"] => ("kick", body["user_id"].as_str().unwrap_or("").to_string()),
            [_, "report", event] => ("report", event.to_string()),
            _ => return error(404, "M_UNRECOGNIZED", "Unrecognized request"),
        };
        *self.writes.entry(kind.into()).or_default() += 1;
        if let Some(refusal) = self.refused.get(kind) {
            return refusal.clone();
        }
        let effects = self.effects.entry(kind.into()).or_default();
        let answer = match kind {
            "reply" | "delete" => {
                let index = effects
                    .iter()
                    .position(|k| *k == effect)
                    .unwrap_or_else(|| {
                        effects.push(effect.clone());
                        effects.len() - 1
                    });
                let mut sent = fixture("send_response.json");
                sent["event_id"] = json!(format!("$sent{index}-{kind}:nimbus.test"));
                sent
            }
            "report" => {
                effects.push(format!("report-{}", effects.len()));
                json!({})
            }
            _ => {
                if !effects.contains(&effect) {
                    effects.push(effect);
                }
                json!({})
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

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

impl Respond for Homeserver {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        let path = request.url.path();
        let rooms = "/_matrix/client/v3/rooms/";
        match request.method.as_str() {
            "GET" if path == "/_matrix/client/v3/sync" => s.sync(request),
            "GET" if path.ends_with("/messages") => s.messages(request),
            "GET" if path.ends_with("/state/m.room.canonical_alias/") => {
                json_answer(json!({"alias": "#support:nimbus.test"}))
            }
            "GET" if path.ends_with("/state/m.room.name/") => {
                error(404, "M_NOT_FOUND", "Event not found.")
            }
            "GET" if path.ends_with("/state/m.room.power_levels/") => {
                let mut levels = fixture("power_levels.json");
                levels["users"][BRAND] = json!(100);
                json_answer(levels)
            }
            "GET" if path.ends_with("/joined_members") => json_answer(json!({"joined": {
                BRAND: {}, "@fan1:nimbus.test": {}, "@fan2:nimbus.test": {}}})),
            "GET" if path == "/_matrix/client/v3/account/whoami" => {
                let mut me = fixture("whoami.json");
                me["user_id"] = json!(BRAND);
                json_answer(me)
            }
            "GET" if path.contains("/state/m.room.member/") => {
                // Content of the spec's m.room.member example ("m.room.member"): whoever
                // was kicked or banned here has left.
                let user = percent_decode(path.rsplit('/').next().unwrap_or_default());
                let gone = |kind: &str| s.effects.get(kind).is_some_and(|e| e.contains(&user));
                let membership = if gone("block") {
                    "ban"
                } else if gone("kick") {
                    "leave"
                } else {
                    "join"
                };
                json_answer(json!({"membership": membership}))
            }
            "GET" => error(404, "M_NOT_FOUND", "Event not found."),
            _ if path.starts_with(rooms) => s.write(request),
            _ => error(404, "M_UNRECOGNIZED", "Unrecognized request"),
        }
    }
}

pub struct Matrix {
    server: MockServer,
    homeserver: Homeserver,
}

#[async_trait]
impl Platform for Matrix {
    const NAME: &'static str = "matrix";

    async fn start() -> Matrix {
        let server = MockServer::start().await;
        let homeserver = Homeserver::default();
        Mock::given(wiremock::matchers::any())
            .respond_with(homeserver.clone())
            .mount(&server)
            .await;
        Matrix { server, homeserver }
    }

    fn connector(&self) -> Arc<dyn Connector> {
        Arc::new(
            MatrixConnector::new(Settings {
                homeserver: self.server.uri(),
                user_id: BRAND.into(),
                token: Secret::new("kit-token"),
                watch: Default::default(),
            })
            .unwrap(),
        )
    }

    fn target(&self, _kind: &str, n: u32) -> NewItem {
        let mut raw = event(&crate::harness::mention(n));
        raw["room_id"] = json!(ROOM);
        NewItem {
            external_id: raw["event_id"].as_str().unwrap().to_string(),
            kind: ItemKind::Mention,
            parent_external_id: None,
            thread_external_id: None,
            author: NewAuthor {
                external_id: format!("@fan{n}:nimbus.test"),
                handle: format!("@fan{n}:nimbus.test"),
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
        self.homeserver.0.lock().unwrap().slow = Some(taken.clone());
        (self.connector(), taken)
    }

    async fn prompt(&self) {
        let mut s = self.homeserver.0.lock().unwrap();
        s.slow = None;
        s.garble = false;
    }

    async fn writes(&self, kind: &str) -> usize {
        let s = self.homeserver.0.lock().unwrap();
        s.writes.get(kind).copied().unwrap_or(0)
    }

    async fn copies(&self, kind: &str) -> usize {
        let s = self.homeserver.0.lock().unwrap();
        s.effects.get(kind).map_or(0, Vec::len)
    }
}

#[async_trait]
impl Scripted for Matrix {
    async fn publish(&self, records: &[Record]) {
        let mut s = self.homeserver.0.lock().unwrap();
        s.timeline.extend(records.iter().map(event));
    }

    async fn outage_after(&self, ok: usize) {
        self.homeserver.0.lock().unwrap().outage_after = Some(ok);
    }

    fn rate_limits(&self) -> Vec<RateLimit> {
        let limited = fixture("errors.json")["limit_exceeded"].clone();
        let mut thirty = limited.clone();
        thirty["retry_after_ms"] = json!(30_000);
        let mut bare = limited;
        bare.as_object_mut().unwrap().remove("retry_after_ms");
        vec![
            RateLimit {
                form: "429 M_LIMIT_EXCEEDED with retry_after_ms",
                template: ResponseTemplate::new(429).set_body_string(thirty.to_string()),
                wait: 30,
            },
            RateLimit {
                form: "429 M_LIMIT_EXCEEDED with Retry-After (spec v1.10)",
                template: ResponseTemplate::new(429)
                    .insert_header("retry-after", "45")
                    .set_body_string(bare.to_string()),
                wait: 45,
            },
        ]
    }

    async fn rate_limit_next_list(&self, limit: &RateLimit) {
        self.homeserver.0.lock().unwrap().rate_limit = Some(limit.template.clone());
    }

    async fn refuse(&self, kind: &str) -> String {
        let reason = match kind {
            "block" => "You do not have a high enough power level to ban from this room.",
            "kick" => "You cannot kick user @fan1:nimbus.test.",
            "delete" => "You cannot redact this event.",
            _ => "You are not allowed to report this event.",
        };
        let mut s = self.homeserver.0.lock().unwrap();
        s.refused
            .insert(kind.into(), error(403, "M_FORBIDDEN", reason));
        reason.into()
    }

    async fn garble(&self) {
        self.homeserver.0.lock().unwrap().garble = true;
    }
}

//! The kit's Facebook Page and Instagram account: a local Graph API answering as the
//! reference documents it (fixtures in tests/fixtures/meta name their pages).
//!
//! Facebook: the Page's feed holds one post; the kit's mentions are comments on it,
//! listed newest first (`order=reverse_chronological`), two per page with
//! `paging.cursors.after` and `paging.next`. Instagram: the account has one media whose
//! `comments_count` grows; its comments come two per page. Graph stamps comments itself
//! (`created_time`, `timestamp`): a client cannot date one, so a "backdated" kit mention
//! carries the time it reached the platform.
//!
//! Writes: replies are new comments by the brand, read back from the comment's replies;
//! hide/unhide, delete and block are sets; deleting a deleted comment is Graph's 100/33.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use hark::domain::{ItemKind, NewAuthor, NewItem};
use hark::platform::meta::{MetaConnector, Network, Settings};
use hark::platform::Connector;
use hark::secrets::Secret;
use serde_json::{json, Value};
use tokio::sync::Notify;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::harness::{arrival, json_answer, Platform, RateLimit, Record, Scripted, SLOW};

pub const PAGE: &str = "104000000000001";
pub const POST: &str = "104000000000001_880000000000002";
pub const IG_USER: &str = "17841400000000001";
pub const MEDIA: &str = "17918195224117851";
pub const VERSION: &str = "v21.0";
const PER_PAGE: usize = 2;

pub fn fixture(name: &str) -> Value {
    crate::harness::fixture_json("meta", name)
}

fn iso(t: i64) -> String {
    jiff::Timestamp::from_second(t)
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%S+0000")
        .to_string()
}

/// A Graph error answer with `code` and `message`.
pub fn graph_error(status: u16, code: i64, message: &str) -> ResponseTemplate {
    let mut body = fixture("error_refused.json");
    body["error"]["code"] = json!(code);
    body["error"]["message"] = json!(message);
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json")
        .set_body_string(body.to_string())
}

/// The comment id of kit mention `n` on `network`.
pub fn comment_id(network: Network, n: u32) -> String {
    match network {
        Network::Facebook => format!("880000000000002_{}", 5000 + n),
        Network::Instagram => format!("1787344045914{}", 1000 + n),
    }
}

/// Kit record `r` as a Graph comment.
fn comment(network: Network, r: &Record) -> Value {
    let n = r.n();
    let mut c = match network {
        Network::Facebook => fixture("post_comments.json")["data"][0].clone(),
        Network::Instagram => fixture("ig_comments.json")["data"][0].clone(),
    };
    let body = format!("@Nimbus contract mention {n}");
    c["id"] = json!(comment_id(network, n));
    match network {
        Network::Facebook => {
            c["message"] = json!(body);
            c["created_time"] = json!(iso(arrival(n)));
            c["from"] = json!({"id": format!("{}", 6_200_000_000_000_000u64 + n as u64), "name": format!("Fan {n}")});
            if matches!(r, Record::Malformed(_)) {
                c.as_object_mut().unwrap().remove("created_time");
            }
        }
        Network::Instagram => {
            c["text"] = json!(body);
            c["timestamp"] = json!(iso(arrival(n)));
            c["username"] = json!(format!("fan{n}"));
            c["from"] = json!({"id": format!("{}", 17_841_400_000_001_000u64 + n as u64), "username": format!("fan{n}")});
            if matches!(r, Record::Malformed(_)) {
                c.as_object_mut().unwrap().remove("timestamp");
            }
        }
    }
    c
}

#[derive(Default)]
pub struct State {
    /// Comments on the post or media, in arrival order.
    pub timeline: Vec<Value>,
    pub outage_after: Option<usize>,
    pub rate_limit: Option<ResponseTemplate>,
    pub refused: HashMap<String, ResponseTemplate>,
    pub garble: bool,
    pub slow: Option<Arc<Notify>>,
    pub writes: HashMap<String, usize>,
    /// Effects per kind: hidden/unhidden/deleted ids, blocked people.
    pub effects: HashMap<String, Vec<String>>,
    /// Replies by the brand, per comment.
    pub replies: HashMap<String, Vec<Value>>,
}

#[derive(Clone)]
pub struct Graph {
    pub network: Network,
    pub state: Arc<Mutex<State>>,
}

fn offset(request: &Request) -> usize {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == "after")
        .and_then(|(_, v)| v.strip_prefix("o").and_then(|o| o.parse().ok()))
        .unwrap_or(0)
}

/// One page of `all` from the request's `after`, Graph-shaped.
pub fn paged(all: &[Value], request: &Request) -> Value {
    let from = offset(request).min(all.len());
    let to = (from + PER_PAGE).min(all.len());
    let mut body = json!({"data": all[from..to].to_vec()});
    if to > from {
        body["paging"] =
            json!({"cursors": {"before": format!("o{from}"), "after": format!("o{to}")}});
    }
    if to < all.len() {
        body["paging"]["next"] = json!(format!("{}?after=o{to}", request.url.path()));
    }
    body
}

impl Graph {
    fn list(&self, s: &mut State, request: &Request) -> ResponseTemplate {
        if let Some(n) = s.outage_after.as_mut() {
            if *n == 0 {
                s.outage_after = None;
                return graph_error(500, 2, "Service temporarily unavailable");
            }
            *n -= 1;
        }
        if let Some(limit) = s.rate_limit.take() {
            return limit;
        }
        let path = request
            .url
            .path()
            .trim_start_matches(&format!("/{VERSION}/"))
            .to_string();
        let newest = s
            .timeline
            .iter()
            .filter_map(|c| c.get("created_time").or(c.get("timestamp")))
            .filter_map(Value::as_str)
            .max()
            .map(str::to_string);
        match (self.network, path.as_str()) {
            (Network::Facebook, p) if p == format!("{PAGE}/feed") => {
                let mut post = fixture("page_feed.json")["data"][0].clone();
                post["id"] = json!(POST);
                post["created_time"] = json!(iso(arrival(0)));
                post["updated_time"] = json!(newest.unwrap_or_else(|| iso(arrival(0))));
                json_answer(json!({"data": [post]}))
            }
            (Network::Facebook, p) if p == format!("{PAGE}/conversations") => {
                json_answer(json!({"data": []}))
            }
            (Network::Facebook, p) if p == format!("{PAGE}/tagged") => {
                json_answer(json!({"data": []}))
            }
            (Network::Facebook, p) if p == format!("{POST}/comments") => {
                let mut all = s.timeline.clone();
                all.reverse();
                json_answer(paged(&all, request))
            }
            (Network::Instagram, p) if p == format!("{IG_USER}/media") => {
                let mut media = fixture("ig_media.json")["data"][0].clone();
                media["id"] = json!(MEDIA);
                media["timestamp"] = json!(iso(arrival(0)));
                media["comments_count"] = json!(s.timeline.len());
                json_answer(json!({"data": [media]}))
            }
            (Network::Instagram, p) if p == format!("{IG_USER}/tags") => {
                json_answer(json!({"data": []}))
            }
            (Network::Instagram, p) if p == format!("{MEDIA}/comments") => {
                json_answer(paged(&s.timeline, request))
            }
            _ => graph_error(400, 100, "Unsupported get request"),
        }
    }

    fn read_back(&self, s: &State, id: &str, request: &Request) -> ResponseTemplate {
        let replies = s.replies.get(id).cloned().unwrap_or_default();
        json_answer(paged(&replies, request))
    }

    fn write(&self, s: &mut State, request: &Request) -> ResponseTemplate {
        let path = request
            .url
            .path()
            .trim_start_matches(&format!("/{VERSION}/"))
            .to_string();
        let form: HashMap<String, String> = url::form_urlencoded::parse(&request.body)
            .into_owned()
            .collect();
        let parts: Vec<&str> = path.split('/').collect();
        let delete = request.method.as_str() == "DELETE";
        let (kind, target) = match parts.as_slice() {
            [id, "comments" | "replies"] => ("reply", id.to_string()),
            [page, "blocked"] if *page == PAGE => {
                ("block", form.get("user").cloned().unwrap_or_default())
            }
            [id] if delete => ("delete", id.to_string()),
            [id] => {
                let value = form
                    .get("is_hidden")
                    .or(form.get("hide"))
                    .cloned()
                    .unwrap_or_default();
                (
                    if value == "true" { "hide" } else { "unhide" },
                    id.to_string(),
                )
            }
            _ => return graph_error(400, 100, "Unsupported post request"),
        };
        *s.writes.entry(kind.into()).or_default() += 1;
        if let Some(refusal) = s.refused.get(kind) {
            return refusal.clone();
        }
        let body = match kind {
            "reply" => {
                let replies = s.replies.entry(target.clone()).or_default();
                let id = format!("{}_{}", target, 9000 + replies.len());
                let own = match self.network {
                    Network::Facebook => json!({"id": PAGE, "name": "Nimbus Coffee"}),
                    Network::Instagram => json!({"id": IG_USER, "username": "nimbuscoffee"}),
                };
                let text = form.get("message").cloned().unwrap_or_default();
                replies.push(json!({"id": id, "message": text, "text": text, "from": own,
                    "created_time": iso(hark::domain::now()), "timestamp": iso(hark::domain::now())}));
                s.effects
                    .entry("reply".into())
                    .or_default()
                    .push(id.clone());
                json!({"id": id})
            }
            "delete" => {
                let effects = s.effects.entry("delete".into()).or_default();
                if effects.contains(&target) {
                    let mut gone = fixture("error_refused.json");
                    gone["error"] = json!({"message": format!("Unsupported delete request. Object with ID '{target}' does not exist"),
                        "type": "GraphMethodException", "code": 100, "error_subcode": 33, "fbtrace_id": "AGone"});
                    return ResponseTemplate::new(400).set_body_string(gone.to_string());
                }
                effects.push(target);
                json!({"success": true})
            }
            "block" => {
                let effects = s.effects.entry("block".into()).or_default();
                if !effects.contains(&target) {
                    effects.push(target.clone());
                }
                json!({ target: true })
            }
            _ => {
                let effects = s.effects.entry(kind.into()).or_default();
                if !effects.contains(&target) {
                    effects.push(target);
                }
                json!({"success": true})
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

impl Respond for Graph {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap();
        let path = request.url.path().to_string();
        let Some(rest) = path.strip_prefix(&format!("/{VERSION}/")) else {
            return graph_error(400, 2500, "Unknown path components");
        };
        if request.method.as_str() == "GET" {
            if rest == "debug_token" {
                return json_answer(fixture("debug_token.json"));
            }
            let parts: Vec<&str> = rest.split('/').collect();
            if let [id, "comments" | "replies"] = parts.as_slice() {
                if *id != POST && *id != MEDIA {
                    let id = id.to_string();
                    return self.read_back(&s, &id, request);
                }
            }
            return self.list(&mut s, request);
        }
        self.write(&mut s, request)
    }
}

/// A Graph connector of `network` against `server`, reading everything since the kit's
/// first arrival (its clock starts in the past).
pub fn connector(network: Network, server: &str) -> MetaConnector {
    MetaConnector::new(Settings {
        network,
        server: server.to_string(),
        version: VERSION.to_string(),
        id: match network {
            Network::Facebook => PAGE.to_string(),
            Network::Instagram => IG_USER.to_string(),
        },
        handle: match network {
            Network::Facebook => "Nimbus Coffee".to_string(),
            Network::Instagram => "nimbuscoffee".to_string(),
        },
        token: Secret::new("EAAkitTOKENvalue0123456789"),
        lookback: std::time::Duration::from_secs(20 * 365 * 86_400),
        page: (network == Network::Facebook).then(|| PAGE.to_string()),
        human_agent: false,
    })
    .unwrap()
}

pub struct Meta<const IG: bool> {
    server: MockServer,
    graph: Graph,
}

pub type Facebook = Meta<false>;
pub type Instagram = Meta<true>;

impl<const IG: bool> Meta<IG> {
    fn network() -> Network {
        if IG {
            Network::Instagram
        } else {
            Network::Facebook
        }
    }
}

#[async_trait]
impl<const IG: bool> Platform for Meta<IG> {
    const NAME: &'static str = if IG { "instagram" } else { "facebook" };

    async fn start() -> Self {
        let server = MockServer::start().await;
        let graph = Graph {
            network: Self::network(),
            state: Arc::default(),
        };
        Mock::given(wiremock::matchers::any())
            .respond_with(graph.clone())
            .mount(&server)
            .await;
        Meta { server, graph }
    }

    fn connector(&self) -> Arc<dyn Connector> {
        Arc::new(connector(Self::network(), &self.server.uri()))
    }

    fn target(&self, _kind: &str, n: u32) -> NewItem {
        let network = Self::network();
        let raw = comment(network, &crate::harness::mention(n));
        let (thread, author) = match network {
            Network::Facebook => (POST, raw["from"]["id"].as_str().unwrap().to_string()),
            Network::Instagram => (MEDIA, raw["from"]["id"].as_str().unwrap().to_string()),
        };
        NewItem {
            external_id: comment_id(network, n),
            kind: ItemKind::Comment,
            parent_external_id: Some(thread.to_string()),
            thread_external_id: Some(thread.to_string()),
            author: NewAuthor {
                external_id: author,
                handle: format!("Fan {n}"),
                display_name: format!("Fan {n}"),
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
        self.graph.state.lock().unwrap().slow = Some(taken.clone());
        (self.connector(), taken)
    }

    async fn prompt(&self) {
        let mut s = self.graph.state.lock().unwrap();
        s.slow = None;
        s.garble = false;
    }

    async fn writes(&self, kind: &str) -> usize {
        self.graph
            .state
            .lock()
            .unwrap()
            .writes
            .get(kind)
            .copied()
            .unwrap_or(0)
    }

    async fn copies(&self, kind: &str) -> usize {
        let s = self.graph.state.lock().unwrap();
        s.effects.get(kind).map_or(0, Vec::len)
    }
}

#[async_trait]
impl<const IG: bool> Scripted for Meta<IG> {
    async fn publish(&self, records: &[Record]) {
        let mut s = self.graph.state.lock().unwrap();
        s.timeline
            .extend(records.iter().map(|r| comment(Self::network(), r)));
    }

    async fn outage_after(&self, ok: usize) {
        self.graph.state.lock().unwrap().outage_after = Some(ok);
    }

    fn rate_limits(&self) -> Vec<RateLimit> {
        // The Graph API's rate-limiting guide: throttled calls fail with codes 4, 17, 32,
        // 613 or 80001–80014; the usage headers name minutes until access returns.
        let buc = r#"{"104000000000001":[{"type":"pages","call_count":100,"total_cputime":20,"total_time":20,"estimated_time_to_regain_access":2}]}"#;
        vec![
            RateLimit {
                form: "32 with X-Business-Use-Case-Usage naming 2 minutes",
                template: graph_error(400, 32, "(#32) Page request limit reached")
                    .insert_header("x-business-use-case-usage", buc),
                wait: 120,
            },
            RateLimit {
                form: "4 with X-App-Usage at 100% and no estimate",
                template: graph_error(400, 4, "(#4) Application request limit reached")
                    .insert_header(
                        "x-app-usage",
                        r#"{"call_count":100,"total_time":40,"total_cputime":40}"#,
                    ),
                wait: 900,
            },
            RateLimit {
                form: "17 without usage headers",
                template: graph_error(400, 17, "(#17) User request limit reached"),
                wait: 900,
            },
            RateLimit {
                form: "613 without usage headers",
                template: graph_error(400, 613, "Calls to this api have exceeded the rate limit."),
                wait: 300,
            },
            RateLimit {
                form: "80001 with X-Business-Use-Case-Usage naming 2 minutes",
                template: graph_error(
                    400,
                    80001,
                    "There have been too many calls to this Page account.",
                )
                .insert_header("x-business-use-case-usage", buc),
                wait: 120,
            },
        ]
    }

    async fn rate_limit_next_list(&self, limit: &RateLimit) {
        self.graph.state.lock().unwrap().rate_limit = Some(limit.template.clone());
    }

    async fn refuse(&self, kind: &str) -> String {
        let reason = "(#100) This comment cannot be changed";
        self.graph
            .state
            .lock()
            .unwrap()
            .refused
            .insert(kind.into(), graph_error(400, 100, reason));
        reason.into()
    }

    async fn garble(&self) {
        self.graph.state.lock().unwrap().garble = true;
    }
}

//! Shared set-up of the Bluesky fixture tests: a wiremock PDS and a connector pointed at it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use hark::platform::bluesky::{BlueskyConnector, Secret, Settings, CHAT_PROXY};
use serde_json::Value;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const PASSWORD: &str = "app-pass-SECRET-1234";

/// A fixture from tests/fixtures/bluesky/ without its `_source` note.
pub fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/bluesky/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    if let Some(o) = v.as_object_mut() {
        o.remove("_source");
    }
    v
}

pub fn session(access: &str, refresh: &str) -> Value {
    let mut s = fixture("session.json");
    s["accessJwt"] = access.into();
    s["refreshJwt"] = refresh.into();
    s
}

pub fn connector(server: &MockServer) -> BlueskyConnector {
    connector_with_file(server, None)
}

pub fn connector_with_file(
    server: &MockServer,
    file: Option<std::path::PathBuf>,
) -> BlueskyConnector {
    BlueskyConnector::new(Settings {
        service: server.uri(),
        handle: "brand.test".into(),
        password: Secret::new(PASSWORD),
        session_file: file,
        chat_proxy: CHAT_PROXY.into(),
    })
    .unwrap()
}

/// createSession answering access-1 / refresh-1; returns how many logins happened.
pub async fn mount_login(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(ResponseTemplate::new(200).set_body_json(session("access-1", "refresh-1")))
        .mount(server)
        .await;
}

pub fn xrpc_error(status: u16, error: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(serde_json::json!({"error": error, "message": format!("{error} (test)")}))
}

/// Answers with the next template of a list, repeating the last one.
pub struct Sequence {
    pub answers: Vec<ResponseTemplate>,
    pub calls: Arc<AtomicUsize>,
}

impl Respond for Sequence {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        self.answers[n.min(self.answers.len() - 1)].clone()
    }
}

/// Answers that need a bearer token.
pub fn authed(token: &str) -> wiremock::matchers::HeaderExactMatcher {
    header("authorization", format!("Bearer {token}").as_str())
}

/// Bodies of the requests made to `nsid`, in order.
pub async fn bodies(server: &MockServer, nsid: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == format!("/xrpc/{nsid}"))
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

pub async fn count(server: &MockServer, nsid: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == format!("/xrpc/{nsid}"))
        .count()
}

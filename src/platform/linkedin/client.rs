//! HTTP to LinkedIn's versioned REST API (`/rest/…`): the bearer token (refreshed on expiry
//! and once on a 401), the `LinkedIn-Version` and `X-Restli-Protocol-Version: 2.0.0`
//! headers on every request, and errors sorted into [`PlatformError`]s.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use super::errors;
use super::token::Auth;
use crate::platform::network::describe;
use crate::platform::PlatformError;

/// A URN as one path segment: Rest.li 2.0 wants `:`, `(`, `)` and `,` percent-encoded.
pub fn encode(urn: &str) -> String {
    url::form_urlencoded::byte_serialize(urn.as_bytes()).collect()
}

/// A request: method, path (after the base, with URNs already [`encode`]d), query, body.
pub struct Call {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl Call {
    pub fn get(path: String) -> Call {
        Call {
            method: Method::GET,
            path,
            query: Vec::new(),
            body: None,
        }
    }

    pub fn with(mut self, method: Method, body: Option<Value>) -> Call {
        self.method = method;
        self.body = body;
        self
    }

    pub fn param(mut self, key: &str, value: impl Into<String>) -> Call {
        self.query.push((key.to_string(), value.into()));
        self
    }
}

/// A 2xx answer: its body (`null` when empty) and the `x-restli-id` header of a create.
pub struct Answer {
    pub body: Value,
    pub restli_id: Option<String>,
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    auth: Auth,
    version: String,
    clock: fn() -> i64,
    /// Which limit the last 429 named (see [`errors::limit_named`]).
    last_limit: std::sync::Mutex<Option<&'static str>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("version", &self.version)
            .field("auth", &self.auth)
            .finish()
    }
}

impl Client {
    pub fn new(base: &str, version: &str, auth: Auth) -> Result<Client, PlatformError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("hark/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| PlatformError::Permanent(format!("cannot build an HTTP client: {e}")))?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            auth,
            version: version.to_string(),
            clock: crate::domain::now,
            last_limit: std::sync::Mutex::new(None),
        })
    }

    /// Sends `call`; retries once after a 401 with a refreshed token.
    pub async fn send(&self, what: &str, call: &Call) -> Result<Answer, PlatformError> {
        let mut stale = None;
        for attempt in 0..2 {
            let token = match &self.auth {
                Auth::Fixed(secret) => secret.clone(),
                Auth::Stored(store) => store.access(stale.as_ref()).await?,
            };
            let mut request = self
                .http
                .request(call.method.clone(), format!("{}{}", self.base, call.path))
                .bearer_auth(token.expose())
                .header("LinkedIn-Version", &self.version)
                .header("X-Restli-Protocol-Version", "2.0.0")
                .query(&call.query);
            if let Some(body) = &call.body {
                request = request.json(body);
            }
            let response = request
                .send()
                .await
                .map_err(|e| PlatformError::Transient(format!("{what}: {}", describe(e))))?;
            let status = response.status().as_u16();
            let restli_id = response
                .headers()
                .get("x-restli-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = response
                .bytes()
                .await
                .map_err(|e| PlatformError::Transient(format!("{what}: {}", describe(e))))?;
            if (200..300).contains(&status) {
                let body = if body.iter().all(u8::is_ascii_whitespace) {
                    Value::Null
                } else {
                    serde_json::from_slice(&body).map_err(|e| {
                        PlatformError::Malformed(format!(
                            "{what}: not JSON (line {} column {})",
                            e.line(),
                            e.column()
                        ))
                    })?
                };
                return Ok(Answer { body, restli_id });
            }
            if status == 401 && attempt == 0 && matches!(self.auth, Auth::Stored(_)) {
                stale = Some(token);
                continue;
            }
            if status == 429 {
                *self.last_limit.lock().expect("limit lock") = Some(errors::limit_named(&body));
            }
            return Err(errors::error_for(
                what,
                status,
                &body,
                &self.version,
                (self.clock)(),
            ));
        }
        unreachable!("the loop returns")
    }
}

impl Client {
    /// The limit the last 429 named, once.
    pub fn take_limit(&self) -> Option<&'static str> {
        self.last_limit.lock().expect("limit lock").take()
    }
}

//! The XRPC transport: one HTTP call, its error body and its rate-limit headers.
//!
//! Errors keep the lexicon's `error` name (`ExpiredToken`, `RecordNotFound`) so the
//! session layer can refresh and the reply layer can tell "not found" from a failure.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::platform::{rate_limit, PlatformError};

/// The header that routes a call through the PDS to another service (the chat service).
pub const PROXY_HEADER: &str = "atproto-proxy";

/// How long to wait after a 429 that names no time.
const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// Never trust a reset further away than this (a wrong clock must not park hark for days).
const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(24 * 3600);

/// Why an XRPC call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XrpcError {
    /// The server answered with an error status; `error` is the lexicon error name.
    Status {
        status: u16,
        error: Option<String>,
        message: Option<String>,
    },
    RateLimited {
        wait: Duration,
    },
    Network(String),
    Malformed(String),
}

impl XrpcError {
    pub fn is_named(&self, name: &str) -> bool {
        matches!(self, XrpcError::Status { error: Some(e), .. } if e == name)
    }

    /// An expired access token: refresh and try once more. Only `ExpiredToken`: other
    /// token errors (an app password without DM access answers `InvalidToken`) would
    /// otherwise burn the 30-per-5-minutes login budget.
    pub fn is_expired_token(&self) -> bool {
        self.is_named("ExpiredToken")
    }

    pub fn into_platform(self, what: &str) -> PlatformError {
        match self {
            XrpcError::RateLimited { wait } => PlatformError::RateLimited { wait },
            XrpcError::Network(e) => PlatformError::Transient(format!("{what}: {e}")),
            XrpcError::Malformed(e) => PlatformError::Malformed(format!("{what}: {e}")),
            XrpcError::Status {
                status,
                error,
                message,
            } => {
                // getPostThread says `NotFound`, getRecord `RecordNotFound`: the post is gone.
                let gone = matches!(error.as_deref(), Some("NotFound" | "RecordNotFound"));
                let text = format!(
                    "{what}: HTTP {status}{}{}",
                    error.map(|e| format!(" {e}")).unwrap_or_default(),
                    message.map(|m| format!(": {m}")).unwrap_or_default()
                );
                match status {
                    401 | 403 => PlatformError::Auth(text),
                    400..=499 if gone => PlatformError::NotFound(text),
                    400..=499 => PlatformError::Permanent(text),
                    _ => PlatformError::Transient(text),
                }
            }
        }
    }
}

/// One call to make.
pub struct Call<'a> {
    pub method: Method,
    pub nsid: &'a str,
    pub query: Vec<(&'a str, String)>,
    pub body: Option<Value>,
    pub bearer: Option<String>,
    pub proxy: Option<&'a str>,
}

impl<'a> Call<'a> {
    pub fn get(nsid: &'a str) -> Call<'a> {
        Call {
            method: Method::GET,
            nsid,
            query: Vec::new(),
            body: None,
            bearer: None,
            proxy: None,
        }
    }

    pub fn post(nsid: &'a str, body: Value) -> Call<'a> {
        Call {
            method: Method::POST,
            nsid,
            query: Vec::new(),
            body: Some(body),
            bearer: None,
            proxy: None,
        }
    }

    pub fn param(mut self, key: &'a str, value: impl Into<String>) -> Self {
        self.query.push((key, value.into()));
        self
    }
}

/// An XRPC client for one service (the account's PDS).
pub struct Xrpc {
    http: reqwest::Client,
    service: String,
    /// Per method, when the server said its window is used up (`RateLimit-Remaining: 0`):
    /// the epoch second its `RateLimit-Reset` names. Calls wait instead of earning a 429.
    /// Per method because the PDS limits some (createSession) far tighter than others.
    exhausted_until: Mutex<HashMap<String, i64>>,
}

impl Xrpc {
    pub fn new(service: &str) -> Result<Xrpc, PlatformError> {
        let service = service.trim_end_matches('/').to_string();
        if !(service.starts_with("https://") || service.starts_with("http://")) {
            return Err(PlatformError::Permanent(format!(
                "the Bluesky service `{service}` is not an http(s) URL"
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("hark/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PlatformError::Transient(format!("cannot build an HTTP client: {e}")))?;
        Ok(Xrpc {
            http,
            service,
            exhausted_until: Mutex::new(HashMap::new()),
        })
    }

    /// Sends `call`; a success gives the JSON body (`null` for an empty body).
    pub async fn send(&self, call: Call<'_>) -> Result<Value, XrpcError> {
        let now = crate::domain::now();
        let until = self
            .exhausted_until
            .lock()
            .expect("rate-limit lock")
            .get(call.nsid)
            .copied();
        if let Some(until) = until {
            if until > now {
                return Err(XrpcError::RateLimited {
                    wait: Duration::from_secs((until - now) as u64),
                });
            }
        }
        let url = format!("{}/xrpc/{}", self.service, call.nsid);
        let mut request = self.http.request(call.method, &url).query(&call.query);
        if let Some(token) = &call.bearer {
            request = request.bearer_auth(token);
        }
        if let Some(proxy) = call.proxy {
            request = request.header(PROXY_HEADER, proxy);
        }
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| XrpcError::Network(without_url(e)))?;
        let status = response.status();
        let headers = response.headers().clone();
        self.note_limits(call.nsid, &headers, status, now);
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(XrpcError::RateLimited {
                wait: rate_limit_wait(&headers, now),
            });
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| XrpcError::Network(without_url(e)))?;
        if !status.is_success() {
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            return Err(XrpcError::Status {
                status: status.as_u16(),
                error: body
                    .get("error")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                message: body
                    .get("message")
                    .and_then(Value::as_str)
                    .map(|m| m.chars().take(300).collect()),
            });
        }
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| XrpcError::Malformed(format!("{} answered invalid JSON: {e}", call.nsid)))
    }

    fn note_limits(
        &self,
        nsid: &str,
        headers: &reqwest::header::HeaderMap,
        status: StatusCode,
        now: i64,
    ) {
        let remaining = header_i64(headers, "ratelimit-remaining");
        let reset =
            header_str(headers, "ratelimit-reset").and_then(|v| rate_limit::reset_at(v, now));
        let mut limits = self.exhausted_until.lock().expect("rate-limit lock");
        match (remaining, reset) {
            (Some(0), Some(reset)) if status.is_success() => {
                limits.insert(nsid.to_string(), reset);
            }
            _ => {
                limits.remove(nsid);
            }
        }
    }
}

fn header_str<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok()
}

fn header_i64(headers: &reqwest::header::HeaderMap, name: &str) -> Option<i64> {
    header_str(headers, name)?.trim().parse().ok()
}

/// How long a 429 asks us to wait: `Retry-After` (seconds or an HTTP date), else
/// `RateLimit-Reset` (epoch seconds, or a delta from servers that send one), else a minute.
pub fn rate_limit_wait(headers: &reqwest::header::HeaderMap, now: i64) -> Duration {
    ["retry-after", "ratelimit-reset"]
        .into_iter()
        .find_map(|name| rate_limit::reset_at(header_str(headers, name)?, now))
        .map_or(DEFAULT_RATE_LIMIT_WAIT, |reset| {
            rate_limit::wait_until(reset, now)
        })
        .min(MAX_RATE_LIMIT_WAIT)
}

/// reqwest's errors name the URL; ours never carry query strings (cursors, handles).
fn without_url(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    format!("{kind}: {}", e.without_url())
}

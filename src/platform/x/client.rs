//! HTTP to X's API v2: the bearer token (refreshed on expiry and once on a 401), the
//! per-endpoint budget from `x-rate-limit-*`, and errors sorted into [`PlatformError`]s.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::Value;

use super::errors;
use super::token::Auth;
use crate::platform::network::describe;
use crate::platform::{rate_limit, PlatformError};

/// The wait after a 429 that names no reset (X's windows are 15 minutes).
const DEFAULT_RATE_WAIT: Duration = Duration::from_secs(60);

/// One endpoint's budget as X last reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub limit: u32,
    pub remaining: u32,
    /// Unix second the window refills.
    pub reset: Option<i64>,
}

/// A request: method, path (with `/2/…`), query and JSON body.
pub struct Call {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    /// The budget this call spends ("mentions", "post", "hide"…): X limits per endpoint.
    pub endpoint: &'static str,
}

impl Call {
    pub fn get(endpoint: &'static str, path: String) -> Call {
        Call {
            method: Method::GET,
            path,
            query: Vec::new(),
            body: None,
            endpoint,
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

pub struct Client {
    http: reqwest::Client,
    base: String,
    auth: Auth,
    budgets: Mutex<HashMap<&'static str, Budget>>,
    clock: fn() -> i64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("auth", &self.auth)
            .finish()
    }
}

impl Client {
    pub fn new(base: &str, auth: Auth) -> Result<Client, PlatformError> {
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
            budgets: Mutex::new(HashMap::new()),
            clock: crate::domain::now,
        })
    }

    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The lowest budget left of any endpoint, for the status bar: (remaining, limit).
    pub fn tightest(&self) -> Option<(u32, u32)> {
        let budgets = self.budgets.lock().unwrap();
        budgets
            .values()
            .min_by(|a, b| {
                (a.remaining as u64 * b.limit as u64).cmp(&(b.remaining as u64 * a.limit as u64))
            })
            .map(|b| (b.remaining, b.limit))
    }

    pub fn budget(&self, endpoint: &str) -> Option<Budget> {
        self.budgets.lock().unwrap().get(endpoint).copied()
    }

    /// Sends `call`: waits out a spent budget, refreshes an expired token, retries once
    /// after a 401 with a fresh token. 2xx gives the body (`null` when empty).
    pub async fn send(&self, what: &str, call: &Call) -> Result<Value, PlatformError> {
        if let Some(wait) = self.spent(call.endpoint) {
            tracing::info!(
                what,
                secs = wait.as_secs(),
                "x: budget spent, waiting for the window"
            );
            return Err(PlatformError::RateLimited { wait });
        }
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
                .query(&call.query);
            if let Some(body) = &call.body {
                request = request.json(body);
            }
            let response = request
                .send()
                .await
                .map_err(|e| PlatformError::Transient(format!("{what}: {}", describe(e))))?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            self.note_budget(call.endpoint, &headers);
            let body = response
                .bytes()
                .await
                .map_err(|e| PlatformError::Transient(format!("{what}: {}", describe(e))))?;
            if (200..300).contains(&status) {
                if body.iter().all(u8::is_ascii_whitespace) {
                    return Ok(Value::Null);
                }
                return serde_json::from_slice(&body).map_err(|e| {
                    PlatformError::Malformed(format!("{what}: not JSON ({})", at(&e)))
                });
            }
            if status == 401 && attempt == 0 && matches!(self.auth, Auth::Stored(_)) {
                stale = Some(token);
                continue;
            }
            return Err(errors::error_for(what, status, &body, || {
                self.wait_from(&headers).unwrap_or(DEFAULT_RATE_WAIT)
            }));
        }
        unreachable!("the loop returns")
    }

    /// The wait before `endpoint` may be called again, when X said its budget is spent.
    fn spent(&self, endpoint: &str) -> Option<Duration> {
        let budget = self.budget(endpoint)?;
        if budget.remaining > 0 {
            return None;
        }
        let now = (self.clock)();
        let reset = budget.reset.filter(|&r| r > now)?;
        Some(rate_limit::wait_until(reset, now))
    }

    fn wait_from(&self, headers: &HeaderMap) -> Option<Duration> {
        let now = (self.clock)();
        ["x-rate-limit-reset", "retry-after"]
            .into_iter()
            .find_map(|name| rate_limit::reset_at(header(headers, name)?, now))
            .map(|reset| rate_limit::wait_until(reset, now))
    }

    fn note_budget(&self, endpoint: &'static str, headers: &HeaderMap) {
        let number = |name| header(headers, name).and_then(|v| v.trim().parse::<u32>().ok());
        let (Some(limit), Some(remaining)) = (
            number("x-rate-limit-limit"),
            number("x-rate-limit-remaining"),
        ) else {
            return;
        };
        let now = (self.clock)();
        let reset =
            header(headers, "x-rate-limit-reset").and_then(|v| rate_limit::reset_at(v, now));
        tracing::debug!(endpoint, limit, remaining, "x rate budget");
        self.budgets.lock().unwrap().insert(
            endpoint,
            Budget {
                limit,
                remaining,
                reset,
            },
        );
    }
}

/// Where a body stopped being JSON, without quoting it.
fn at(e: &serde_json::Error) -> String {
    format!("line {} column {}", e.line(), e.column())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

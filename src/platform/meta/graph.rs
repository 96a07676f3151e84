//! One HTTP client for Meta's Graph API, shared by the Facebook and Instagram connectors:
//! the API version in every path, the token in a header (never in a URL hark logs),
//! errors sorted into named causes ([`super::error`]), the usage headers honoured before
//! the next read ([`super::usage`]), and `paging.cursors.after` paging.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::{Method, RequestBuilder};
use serde_json::Value;

use super::error::{platform_error, GraphError};
use super::usage::Usage;
use crate::platform::network::describe;
use crate::platform::PlatformError;
use crate::secrets::Secret;

/// Where Graph lives unless an account's `server` says otherwise (tests).
pub const DEFAULT_SERVER: &str = "https://graph.facebook.com";
/// The API version used unless `[account.graph] version` names another.
pub const DEFAULT_VERSION: &str = "v21.0";
/// The wait for an HTTP 429 without `Retry-After` (Graph rarely sends one).
const DEFAULT_429_WAIT: Duration = Duration::from_secs(15 * 60);

/// Whether a request is a read (held back as usage climbs) or a write (a CM's reply or
/// moderation: sent, and stopped only by Graph itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Read,
    Write,
}

/// One page of an edge: its records, and the `after` cursor when Graph has more.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub data: Vec<Value>,
    pub after: Option<String>,
}

pub struct Graph {
    http: reqwest::Client,
    base: String,
    version: String,
    token: Secret,
    /// The last usage reported, and until when reads wait because of it.
    usage: Mutex<Option<(Usage, Option<Instant>)>>,
}

impl std::fmt::Debug for Graph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Graph")
            .field("base", &self.base)
            .field("version", &self.version)
            .field("token", &self.token)
            .finish()
    }
}

/// `v21.0`: what Graph accepts as a version segment.
pub fn check_version(version: &str) -> Result<&str, String> {
    let v = version.trim();
    let ok = v
        .strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(major, minor)| {
            !major.is_empty()
                && !minor.is_empty()
                && major.bytes().all(|b| b.is_ascii_digit())
                && minor.bytes().all(|b| b.is_ascii_digit())
        });
    if ok {
        Ok(v)
    } else {
        Err(format!(
            "Graph API version `{v}` is not a version: write it as Meta does, like `{DEFAULT_VERSION}`"
        ))
    }
}

/// A Graph id as it may appear in a path: digits, `_` in Page post ids (`<page id>_<post
/// id>`), letters and `-` in conversation and message ids (`t_…`, `m_…`); never `/`, `.`
/// or `?`.
pub fn path_id(id: &str) -> Result<&str, PlatformError> {
    if !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        Ok(id)
    } else {
        Err(PlatformError::Permanent(format!(
            "`{}` is not a Graph id",
            crate::sanitize::inert_line(id)
        )))
    }
}

impl Graph {
    /// A client for `server` (checked by the caller) and API `version`.
    pub fn new(server: &str, version: &str, token: Secret) -> Result<Graph, PlatformError> {
        let version = check_version(version).map_err(PlatformError::Permanent)?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("hark/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| PlatformError::Permanent(format!("cannot build an HTTP client: {e}")))?;
        Ok(Graph {
            http,
            base: server.trim_end_matches('/').to_string(),
            version: version.to_string(),
            token,
            usage: Mutex::new(None),
        })
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// The last usage Graph reported.
    pub fn usage(&self) -> Option<Usage> {
        self.usage.lock().expect("usage lock").map(|(u, _)| u)
    }

    /// A request to `path` (an id or `id/edge`) under the configured version.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let url = format!(
            "{}/{}/{}",
            self.base,
            self.version,
            path.trim_start_matches('/')
        );
        self.http
            .request(method, url)
            .bearer_auth(self.token.expose())
    }

    /// `debug_token` needs the token as a query value (`input_token`): the one request
    /// where it is in a URL, which hark's errors never show.
    pub fn debug_token(&self) -> RequestBuilder {
        self.request(Method::GET, "debug_token")
            .query(&[("input_token", self.token.expose())])
    }

    /// Sends `request`; a 2xx JSON body comes back, anything else a [`PlatformError`].
    pub async fn send(
        &self,
        what: &str,
        purpose: Purpose,
        request: RequestBuilder,
    ) -> Result<Value, PlatformError> {
        if purpose == Purpose::Read {
            if let Some(wait) = self.read_wait() {
                tracing::info!(
                    what,
                    secs = wait.as_secs(),
                    "graph: slowing down before the limit"
                );
                return Err(PlatformError::RateLimited { wait });
            }
        }
        let response = request.send().await.map_err(|e| {
            PlatformError::Transient(self.redact(&format!("{what}: {}", describe(e))))
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let usage = Usage::from_headers(&headers);
        if let Some(u) = usage {
            tracing::debug!(percent = u.percent, "graph usage");
            let until = u.pause().map(|p| Instant::now() + p);
            *self.usage.lock().expect("usage lock") = Some((u, until));
        }
        let body = response.bytes().await.map_err(|e| {
            PlatformError::Transient(self.redact(&format!("{what}: {}", describe(e))))
        })?;
        let regain = usage.and_then(|u| u.regain);
        if let Some(error) = GraphError::parse(&body) {
            return Err(self.redact_error(platform_error(what, &error, regain)));
        }
        if status.as_u16() == 429 {
            let wait = headers
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    let now = crate::domain::now();
                    crate::platform::rate_limit::reset_at(v, now)
                        .map(|r| crate::platform::rate_limit::wait_until(r, now))
                })
                .or(regain)
                .unwrap_or(DEFAULT_429_WAIT);
            return Err(PlatformError::RateLimited { wait });
        }
        if !status.is_success() {
            let text = format!("{what}: HTTP {}", status.as_u16());
            return Err(match status.as_u16() {
                401 => PlatformError::Auth(text),
                404 | 410 => PlatformError::NotFound(text),
                400..=499 => PlatformError::Permanent(text),
                _ => PlatformError::Transient(text),
            });
        }
        serde_json::from_slice(&body)
            .map_err(|e| PlatformError::Malformed(format!("{what}: the answer is not JSON ({e})")))
    }

    /// One page of the edge at `path` with `query`, from `after` (the first page when
    /// `None`). A next page is only announced when Graph gives both `paging.next` and an
    /// `after` cursor; hark builds the next request itself rather than follow `next`, so
    /// the token never goes where a response points.
    pub async fn page(
        &self,
        what: &str,
        path: &str,
        query: &[(&str, String)],
        after: Option<&str>,
    ) -> Result<Page, PlatformError> {
        let mut request = self.request(Method::GET, path).query(query);
        if let Some(after) = after {
            request = request.query(&[("after", after)]);
        }
        let body = self.send(what, Purpose::Read, request).await?;
        page_of(what, body)
    }

    /// How long reads still wait because of the last usage reported.
    fn read_wait(&self) -> Option<Duration> {
        let (_, until) = (*self.usage.lock().expect("usage lock"))?;
        let left = until?.checked_duration_since(Instant::now())?;
        Some(Duration::from_secs(
            left.as_secs_f64().ceil().max(1.0) as u64
        ))
    }

    /// Removes the token from a text that may quote it (Graph's "Malformed access token
    /// …" messages can).
    fn redact(&self, text: &str) -> String {
        let token = self.token.expose();
        if token.len() >= 8 {
            text.replace(token, "[token]")
        } else {
            text.to_string()
        }
    }

    fn redact_error(&self, error: PlatformError) -> PlatformError {
        match error {
            PlatformError::Auth(t) => PlatformError::Auth(self.redact(&t)),
            PlatformError::Permanent(t) => PlatformError::Permanent(self.redact(&t)),
            PlatformError::Transient(t) => PlatformError::Transient(self.redact(&t)),
            PlatformError::NotFound(t) => PlatformError::NotFound(self.redact(&t)),
            PlatformError::Malformed(t) => PlatformError::Malformed(self.redact(&t)),
            other => other,
        }
    }
}

/// `{"data": [...], "paging": {"cursors": {"after": "…"}, "next": "…"}}` as a [`Page`].
pub fn page_of(what: &str, body: Value) -> Result<Page, PlatformError> {
    let data = match body.get("data") {
        Some(Value::Array(items)) => items.clone(),
        _ => {
            return Err(PlatformError::Malformed(format!(
                "{what}: the answer has no `data` list"
            )))
        }
    };
    let paging = body.get("paging");
    let has_next = paging
        .and_then(|p| p.get("next"))
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    let after = paging
        .and_then(|p| p.pointer("/cursors/after"))
        .and_then(Value::as_str)
        .filter(|a| has_next && !a.is_empty())
        .map(str::to_string);
    Ok(Page { data, after })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_ids_are_checked_before_they_reach_a_path() {
        assert_eq!(check_version(" v21.0 "), Ok("v21.0"));
        for bad in ["21.0", "v21", "v21.x", "v21.0/../me", ""] {
            assert!(check_version(bad).is_err(), "{bad}");
        }
        assert!(path_id("104_2201").is_ok());
        assert!(path_id("t_10161234567890").is_ok());
        assert!(path_id("me/../x").is_err());
        assert!(path_id("1?fields=x").is_err());
        assert!(path_id("").is_err());
    }

    #[test]
    fn a_next_page_needs_both_next_and_an_after_cursor() {
        let page = page_of(
            "t",
            serde_json::json!({"data": [{"id": "1"}], "paging": {"cursors": {"before": "B", "after": "A"}, "next": "https://graph.example/x"}}),
        )
        .unwrap();
        assert_eq!(page.after.as_deref(), Some("A"));
        let last = page_of(
            "t",
            serde_json::json!({"data": [], "paging": {"cursors": {"before": "B", "after": "A"}}}),
        )
        .unwrap();
        assert_eq!(last.after, None);
        assert!(page_of("t", serde_json::json!({"error": 1})).is_err());
    }
}

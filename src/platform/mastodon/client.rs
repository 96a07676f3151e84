//! HTTP to one Mastodon instance: the bearer token, status codes sorted into
//! [`PlatformError`]s, the rate-limit budget from `X-RateLimit-*` headers, and `Link`
//! pagination.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, StatusCode};

use crate::platform::network::describe;
use crate::platform::{rate_limit, PlatformError};
use crate::secrets::Secret;

/// The wait when a 429 carries no usable reset time (Mastodon's windows are 5 minutes).
const DEFAULT_RATE_WAIT: Duration = Duration::from_secs(60);

/// Reads stop when this share of the budget is left, keeping a reserve for replies and
/// moderation, which only stop at a 429.
const READ_RESERVE: f64 = 0.1;

/// The rate-limit budget the instance last reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateBudget {
    pub limit: u32,
    pub remaining: u32,
    /// When the budget refills.
    pub reset: Option<Timestamp>,
}

/// A clock, so tests can fix "now".
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// What a request is for: reads keep a reserve of the budget for writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Read,
    Write,
}

/// A response body with the headers hark reads.
pub struct Response {
    pub body: Vec<u8>,
    pub headers: HeaderMap,
}

/// The HTTP client for one instance and one token.
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<Secret>,
    budget: Mutex<Option<RateBudget>>,
    clock: Clock,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("token", &self.token)
            .finish()
    }
}

impl Client {
    /// A client for `base` (the instance URL, such as `https://example.social`).
    pub fn new(base: &str, token: Option<Secret>) -> Result<Client, PlatformError> {
        let base = normalize_base(base).map_err(PlatformError::Permanent)?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("hark/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| PlatformError::Permanent(format!("cannot build an HTTP client: {e}")))?;
        Ok(Client {
            http,
            base,
            token,
            budget: Mutex::new(None),
            clock: Arc::new(Timestamp::now),
        })
    }

    /// Replaces the clock (tests).
    pub fn with_clock(mut self, clock: Clock) -> Client {
        self.clock = clock;
        self
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The last reported rate-limit budget.
    pub fn budget(&self) -> Option<RateBudget> {
        *self.budget.lock().unwrap()
    }

    /// A request to `path` (starting with `/`) on this instance, with the token.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let builder = self.http.request(method, format!("{}{}", self.base, path));
        match &self.token {
            Some(token) => builder.bearer_auth(token.expose()),
            None => builder,
        }
    }

    /// Sends `request`, honouring the budget; 2xx gives the body, anything else an error.
    pub async fn send(
        &self,
        what: &str,
        purpose: Purpose,
        request: RequestBuilder,
    ) -> Result<Response, PlatformError> {
        if purpose == Purpose::Read {
            if let Some(wait) = self.reserve_wait() {
                tracing::info!(
                    what,
                    secs = wait.as_secs(),
                    "mastodon: slowing down before the rate limit"
                );
                return Err(PlatformError::RateLimited { wait });
            }
        }
        let response = request
            .send()
            .await
            .map_err(|e| PlatformError::Transient(format!("{what}: {}", describe(e))))?;
        let status = response.status();
        let headers = response.headers().clone();
        self.note_budget(&headers);
        let body = response
            .bytes()
            .await
            .map_err(|e| PlatformError::Transient(format!("{what}: {}", describe(e))))?
            .to_vec();
        if status.is_success() {
            return Ok(Response { body, headers });
        }
        Err(self.error_for(what, status, &headers, &body))
    }

    fn error_for(
        &self,
        what: &str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> PlatformError {
        let detail = error_message(body);
        let text = match &detail {
            Some(d) => format!("{what}: HTTP {} ({d})", status.as_u16()),
            None => format!("{what}: HTTP {}", status.as_u16()),
        };
        match status.as_u16() {
            429 => PlatformError::RateLimited {
                wait: self.wait_from(headers).unwrap_or(DEFAULT_RATE_WAIT),
            },
            401 => PlatformError::Auth(text),
            // 403 is either the token (missing scope, login disabled) or a refusal of this
            // one action ("This action is not allowed"): only the first is an auth problem.
            403 if detail.as_deref().is_some_and(token_problem) => PlatformError::Auth(text),
            // A status (or the status replied to) that was deleted answers 404.
            404 | 410 => PlatformError::NotFound(text),
            400..=499 => PlatformError::Permanent(text),
            _ => PlatformError::Transient(text),
        }
    }

    /// How long to wait before the next read, when the budget is down to its reserve.
    fn reserve_wait(&self) -> Option<Duration> {
        let budget = self.budget()?;
        let reserve = (budget.limit as f64 * READ_RESERVE).ceil() as u32;
        if budget.remaining > reserve {
            return None;
        }
        let reset = budget.reset?;
        let wait = reset.duration_since((self.clock)());
        let secs = wait.as_secs_f64();
        (secs > 0.0).then(|| Duration::from_secs_f64(secs.ceil()))
    }

    /// The wait until the reset a 429 names (`X-RateLimit-Reset`, else `Retry-After`).
    fn wait_from(&self, headers: &HeaderMap) -> Option<Duration> {
        let now = (self.clock)().as_second();
        ["x-ratelimit-reset", "retry-after"]
            .into_iter()
            .find_map(|name| rate_limit::reset_at(header(headers, name)?, now))
            .map(|reset| rate_limit::wait_until(reset, now))
    }

    fn note_budget(&self, headers: &HeaderMap) {
        let number = |name| header(headers, name).and_then(|v| v.trim().parse::<u32>().ok());
        let (Some(limit), Some(remaining)) =
            (number("x-ratelimit-limit"), number("x-ratelimit-remaining"))
        else {
            return;
        };
        let now = (self.clock)().as_second();
        let reset = header(headers, "x-ratelimit-reset")
            .and_then(|v| rate_limit::reset_at(v, now))
            .and_then(|s| Timestamp::from_second(s).ok());
        tracing::debug!(limit, remaining, "mastodon rate budget");
        *self.budget.lock().unwrap() = Some(RateBudget {
            limit,
            remaining,
            reset,
        });
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Mastodon's error body is `{"error": "..."}`; keep a short, single-line excerpt.
fn error_message(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let text = value.get("error")?.as_str()?;
    let line: String = text
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    Some(crate::sanitize::inert_line(&line))
}

/// `https://example.social/` → `https://example.social`; a bare `example.social` means
/// https; anything but http(s) is refused.
pub fn normalize_base(base: &str) -> Result<String, String> {
    let trimmed = base.trim();
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    let url = url::Url::parse(&with_scheme)
        .map_err(|e| format!("`{base}` is not a server address: {e}"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(format!("`{base}` is not an http(s) server address"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// The value of query parameter `param` in the `Link` header's URL with relation `rel`.
///
/// hark builds its own request from that value rather than following the URL as given, so
/// a Link header can never send the token to another host.
pub fn link_param(headers: &HeaderMap, rel: &str, param: &str) -> Option<String> {
    let link = header(headers, "link")?;
    for part in link.split(',') {
        let mut pieces = part.split(';');
        let target = pieces.next()?.trim();
        let is_rel = pieces.any(|p| {
            let p = p.trim();
            p == format!("rel=\"{rel}\"") || p == format!("rel={rel}")
        });
        if !is_rel {
            continue;
        }
        let url = url::Url::parse(target.trim_start_matches('<').trim_end_matches('>')).ok()?;
        return url
            .query_pairs()
            .find(|(k, _)| k == param)
            .map(|(_, v)| v.into_owned());
    }
    None
}

/// Whether a 403's message is about the token rather than the action (Mastodon's texts:
/// "This action is outside the authorized scopes", "Your login is currently disabled",
/// "This method requires an authenticated user", "…missing a confirmed e-mail address").
fn token_problem(detail: &str) -> bool {
    let d = detail.to_ascii_lowercase();
    ["scope", "login", "authenticated", "e-mail"]
        .iter()
        .any(|w| d.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_params_come_from_the_named_relation() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "link",
            "<https://mastodon.example/api/v1/notifications?max_id=34975535>; rel=\"next\", <https://mastodon.example/api/v1/notifications?min_id=34975861>; rel=\"prev\""
                .parse()
                .unwrap(),
        );
        assert_eq!(
            link_param(&headers, "prev", "min_id").as_deref(),
            Some("34975861")
        );
        assert_eq!(
            link_param(&headers, "next", "max_id").as_deref(),
            Some("34975535")
        );
        assert_eq!(link_param(&headers, "prev", "max_id"), None);
    }

    #[test]
    fn base_urls_are_normalized_and_non_http_refused() {
        assert_eq!(
            normalize_base("https://example.social/").unwrap(),
            "https://example.social"
        );
        assert_eq!(
            normalize_base("example.social").unwrap(),
            "https://example.social"
        );
        assert!(normalize_base("https://").is_err());
        assert!(normalize_base("file:///etc/passwd").is_err());
    }
}

//! HTTP to Discord's API v10 as a bot: per-route buckets, the global limit, and errors
//! sorted into [`PlatformError`]s (developer docs, "Rate Limits" and "Opcodes and Status
//! Codes" → "JSON Error Codes").
//!
//! A route's bucket is learnt from `X-RateLimit-Bucket`; routes sharing a bucket share its
//! budget, kept per top-level resource (the channel, guild or webhook in the path). A
//! spent bucket is waited out before the request when the wait is short, and otherwise
//! reported as a rate limit without asking Discord; a global 429 holds every route.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::pace::Pacer;
use crate::platform::PlatformError;
use crate::secrets::Secret;

/// Discord's API, version 10.
pub const API_BASE: &str = "https://discord.com/api/v10";
/// A spent bucket resetting within this is waited out in place.
const SHORT_WAIT: Duration = Duration::from_secs(2);
/// The wait after a 429 that names none.
const DEFAULT_RATE_WAIT: Duration = Duration::from_secs(5);
/// Never trust a wait longer than this.
const MAX_RATE_WAIT: Duration = Duration::from_secs(24 * 3600);

/// JSON error code: the bot lacks a permission for the action.
pub const MISSING_PERMISSIONS: u64 = 50013;

/// One bucket's budget as Discord last reported it.
#[derive(Debug, Clone, Copy)]
struct Budget {
    limit: u32,
    remaining: u32,
    reset: Instant,
}

#[derive(Default)]
struct Limits {
    /// Route (method and path with its top-level resource kept) → bucket hash.
    routes: HashMap<String, String>,
    /// (bucket hash, top-level resource) → budget.
    buckets: HashMap<(String, String), Budget>,
    /// No request at all before this (a global 429).
    global_until: Option<Instant>,
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Secret,
    limits: Mutex<Limits>,
    /// Every request of the account, ahead of the global 50 a second.
    pacer: Pacer,
}

impl Client {
    pub fn new(base: &str, token: Secret) -> Result<Client, PlatformError> {
        let http = reqwest::Client::builder()
            // Discord asks bots for `DiscordBot (url, version)`.
            .user_agent(concat!(
                "DiscordBot (hark, ",
                env!("CARGO_PKG_VERSION"),
                ")"
            ))
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| PlatformError::Permanent(format!("cannot build an HTTP client: {e}")))?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            token,
            limits: Mutex::default(),
            pacer: Pacer::default(),
        })
    }

    pub async fn get(
        &self,
        what: &str,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Value, PlatformError> {
        self.call(what, Method::GET, path, query, None).await
    }

    /// The API is reached without TLS (a local server in tests).
    pub fn plain(&self) -> bool {
        self.base.starts_with("http://")
    }

    /// The lowest budget left of any bucket, for the status bar: (remaining, limit).
    pub fn tightest(&self) -> Option<(u32, u32)> {
        let now = Instant::now();
        let limits = self.limits.lock().unwrap();
        limits
            .buckets
            .values()
            .filter(|b| b.reset > now)
            .min_by(|a, b| {
                (a.remaining as u64 * b.limit as u64).cmp(&(b.remaining as u64 * a.limit as u64))
            })
            .map(|b| (b.remaining, b.limit))
    }

    /// One call; `path` is below the API base (`/channels/1/messages`). 2xx gives the
    /// body (`null` for 204).
    pub async fn call(
        &self,
        what: &str,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<Value, PlatformError> {
        self.request(what, method, path, query, body, None).await
    }

    /// A moderation call, with `reason` for the server's audit log (`X-Audit-Log-Reason`,
    /// URL-encoded, as the docs ask for any text beyond ASCII).
    pub async fn call_audited(
        &self,
        what: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        reason: &str,
    ) -> Result<Value, PlatformError> {
        self.request(what, method, path, &[], body, Some(reason))
            .await
    }

    async fn request(
        &self,
        what: &str,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Value>,
        reason: Option<&str>,
    ) -> Result<Value, PlatformError> {
        let route = route_of(&method, path);
        let major = major_of(path);
        if let Some(wait) = self.wait_before(&route, &major) {
            if wait > SHORT_WAIT {
                tracing::info!(what, secs = wait.as_secs(), "discord: bucket spent");
                return Err(PlatformError::RateLimited {
                    wait: ceil_secs(wait),
                });
            }
            tokio::time::sleep(wait).await;
        }
        self.pacer.take().await;
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("authorization", format!("Bot {}", self.token.expose()))
            .query(query);
        if let Some(body) = body {
            request = request.json(&body);
        }
        if let Some(reason) = reason {
            request = request.header("x-audit-log-reason", audit_reason(reason));
        }
        let response = request
            .send()
            .await
            .map_err(|e| PlatformError::Transient(format!("{what}: {}", e.without_url())))?;
        let status = response.status();
        let headers = response.headers().clone();
        self.note(&route, &major, &headers);
        let text = response
            .bytes()
            .await
            .map_err(|e| PlatformError::Transient(format!("{what}: {}", e.without_url())))?;
        if status.is_success() {
            if text.iter().all(u8::is_ascii_whitespace) {
                return Ok(Value::Null);
            }
            return serde_json::from_slice(&text).map_err(|e| {
                PlatformError::Malformed(format!(
                    "{what}: not JSON (line {} column {})",
                    e.line(),
                    e.column()
                ))
            });
        }
        let json: Option<Value> = serde_json::from_slice(&text).ok();
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(self.limited(what, &route, &major, &headers, json.as_ref()));
        }
        Err(error_of(what, status, json.as_ref()))
    }

    /// How long to wait before `route` may be called: the global hold, or its spent bucket.
    fn wait_before(&self, route: &str, major: &str) -> Option<Duration> {
        let now = Instant::now();
        let limits = self.limits.lock().unwrap();
        let global = limits.global_until.filter(|&t| t > now).map(|t| t - now);
        let bucket = limits
            .routes
            .get(route)
            .and_then(|hash| limits.buckets.get(&(hash.clone(), major.to_string())))
            .filter(|b| b.remaining == 0 && b.reset > now)
            .map(|b| b.reset - now);
        global.max(bucket)
    }

    /// Records the bucket headers of any answer.
    fn note(&self, route: &str, major: &str, headers: &HeaderMap) {
        let Some(hash) = header(headers, "x-ratelimit-bucket") else {
            return;
        };
        let number = |name| header(headers, name).and_then(|v| v.trim().parse::<f64>().ok());
        let mut limits = self.limits.lock().unwrap();
        limits.routes.insert(route.to_string(), hash.to_string());
        if let (Some(limit), Some(remaining), Some(after)) = (
            number("x-ratelimit-limit"),
            number("x-ratelimit-remaining"),
            number("x-ratelimit-reset-after"),
        ) {
            limits.buckets.insert(
                (hash.to_string(), major.to_string()),
                Budget {
                    limit: limit as u32,
                    remaining: remaining as u32,
                    reset: Instant::now() + secs_f64(after),
                },
            );
        }
    }

    /// A 429: the body's `retry_after` (seconds, with decimals), else `Retry-After`. A
    /// global one holds every route; a per-route one spends its bucket.
    fn limited(
        &self,
        what: &str,
        route: &str,
        major: &str,
        headers: &HeaderMap,
        body: Option<&Value>,
    ) -> PlatformError {
        let wait = body
            .and_then(|b| b["retry_after"].as_f64())
            .or_else(|| header(headers, "retry-after").and_then(|v| v.trim().parse().ok()))
            .map(secs_f64)
            .unwrap_or(DEFAULT_RATE_WAIT)
            .min(MAX_RATE_WAIT);
        let scope = header(headers, "x-ratelimit-scope").unwrap_or("user");
        let global = body.is_some_and(|b| b["global"] == true)
            || header(headers, "x-ratelimit-global").is_some_and(|v| v == "true")
            || scope == "global";
        let until = Instant::now() + wait;
        let mut limits = self.limits.lock().unwrap();
        if global {
            limits.global_until = Some(until);
        } else if let Some(hash) = limits.routes.get(route).cloned() {
            let budget = limits
                .buckets
                .entry((hash, major.to_string()))
                .or_insert(Budget {
                    limit: 1,
                    remaining: 0,
                    reset: until,
                });
            budget.remaining = 0;
            budget.reset = budget.reset.max(until);
        }
        tracing::info!(
            what,
            scope,
            global,
            secs = wait.as_secs_f64(),
            "discord: rate limited"
        );
        PlatformError::RateLimited {
            wait: ceil_secs(wait),
        }
    }
}

/// The docs' longest audit-log reason, in characters.
const AUDIT_REASON_LIMIT: usize = 512;

/// A reason as the header carries it: cut to 512 characters, then percent-encoded (UTF-8;
/// a header holds no line breaks or non-ASCII bytes of its own).
pub fn audit_reason(reason: &str) -> String {
    let cut: String = reason.trim().chars().take(AUDIT_REASON_LIMIT).collect();
    let mut out = String::with_capacity(cut.len());
    for b in cut.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn secs_f64(s: f64) -> Duration {
    if s.is_finite() && s > 0.0 {
        Duration::from_secs_f64(s.min(MAX_RATE_WAIT.as_secs_f64()))
    } else {
        Duration::ZERO
    }
}

/// Whole seconds, at least one (the poller and outbox wait in seconds).
fn ceil_secs(d: Duration) -> Duration {
    Duration::from_secs((d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The top-level resource of a path (the docs' "major parameter"): the id after
/// `channels`, `guilds` or `webhooks`.
fn major_of(path: &str) -> String {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        [kind @ ("channels" | "guilds" | "webhooks"), id, ..] => format!("{kind}/{id}"),
        _ => String::new(),
    }
}

/// A route: the method and the path with every id but the top-level one masked, so
/// `DELETE /channels/1/messages/2` and `…/messages/3` are one route.
fn route_of(method: &Method, path: &str) -> String {
    let mut out = format!("{method} ");
    for (i, part) in path.trim_start_matches('/').split('/').enumerate() {
        out.push('/');
        let id = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        out.push_str(if id && i != 1 { ":id" } else { part });
    }
    out
}

/// Sorts an error answer (`{"code": 50013, "message": "Missing Permissions"}`) by what
/// the caller should do.
fn error_of(what: &str, status: StatusCode, body: Option<&Value>) -> PlatformError {
    let code = body.and_then(|b| b["code"].as_u64()).unwrap_or(0);
    let message = body
        .and_then(|b| b["message"].as_str())
        .map(crate::sanitize::inert_line)
        .unwrap_or_default();
    let text = format!(
        "{what}: HTTP {}{}{}",
        status.as_u16(),
        if code == 0 {
            String::new()
        } else {
            format!(" code {code}")
        },
        if message.is_empty() {
            String::new()
        } else {
            format!(": {message}")
        }
    );
    match code {
        MISSING_PERMISSIONS => PlatformError::Permanent(format!(
            "{what}: missing permission (Discord {code}: {message}); the bot's role lacks \
             it here, or the member's highest role is above the bot's"
        )),
        // Unknown channel, message, member, user.
        10003 | 10007 | 10008 | 10013 => PlatformError::NotFound(text),
        _ if status == StatusCode::UNAUTHORIZED => PlatformError::Auth(format!(
            "{text} (the bot token was rejected: reset it in the Developer Portal and update \
             the account's token)"
        )),
        _ if status.is_server_error() => PlatformError::Transient(text),
        _ if status.is_client_error() => PlatformError::Permanent(text),
        _ => PlatformError::Transient(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_keeps_its_top_level_resource_and_masks_other_ids() {
        assert_eq!(
            route_of(&Method::DELETE, "/channels/12/messages/34"),
            route_of(&Method::DELETE, "/channels/12/messages/56")
        );
        assert_eq!(
            route_of(&Method::GET, "/channels/12/messages"),
            "GET /channels/12/messages"
        );
        assert_eq!(major_of("/guilds/7/members/9"), "guilds/7");
        assert_eq!(major_of("/users/@me"), "");
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn a_spent_bucket_holds_every_route_sharing_it_in_that_channel_only() {
        let c = Client::new("http://127.0.0.1:1", Secret::new("t")).unwrap();
        let list = route_of(&Method::GET, "/channels/1/messages");
        let one = route_of(&Method::GET, "/channels/1/messages/5");
        let spent = headers(&[
            ("x-ratelimit-bucket", "abcd1234"),
            ("x-ratelimit-limit", "5"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset-after", "30"),
        ]);
        c.note(&list, "channels/1", &spent);
        // Another route learnt to share the bucket (its own answer named it).
        c.note(
            &one,
            "channels/1",
            &headers(&[("x-ratelimit-bucket", "abcd1234")]),
        );
        let wait = c.wait_before(&one, "channels/1").unwrap();
        assert!(wait > Duration::from_secs(29), "{wait:?}");
        assert_eq!(c.wait_before(&list, "channels/2"), None, "another channel");
        assert_eq!(
            c.wait_before(
                &route_of(&Method::POST, "/channels/1/messages"),
                "channels/1"
            ),
            None,
            "a route never seen in that bucket"
        );
        assert_eq!(c.tightest(), Some((0, 5)));
    }

    #[test]
    fn an_audit_reason_is_percent_encoded_and_cut_to_512_characters() {
        assert_eq!(
            audit_reason("hark: ban by Zoë"),
            "hark%3A%20ban%20by%20Zo%C3%AB"
        );
        assert_eq!(audit_reason("a\r\nb"), "a%0D%0Ab");
        let long = "é".repeat(600);
        assert_eq!(audit_reason(&long), "%C3%A9".repeat(512));
    }

    #[test]
    fn a_missing_permission_says_so_and_unknown_things_are_not_found() {
        let e = error_of(
            "ban",
            StatusCode::FORBIDDEN,
            Some(&serde_json::json!({"code": 50013, "message": "Missing Permissions"})),
        );
        assert!(
            matches!(&e, PlatformError::Permanent(t) if t.contains("missing permission")),
            "{e:?}"
        );
        let e = error_of(
            "delete",
            StatusCode::NOT_FOUND,
            Some(&serde_json::json!({"code": 10008, "message": "Unknown Message"})),
        );
        assert!(matches!(e, PlatformError::NotFound(_)));
        let e = error_of(
            "me",
            StatusCode::UNAUTHORIZED,
            Some(&serde_json::json!({"code": 0, "message": "401: Unauthorized"})),
        );
        assert!(matches!(e, PlatformError::Auth(_)));
    }
}

//! The client-server API transport: one authenticated call, its `errcode` and its rate limit.
//!
//! Errors follow the spec's "Standard error response" (`{"errcode": "M_…", "error": …}`);
//! a 429 carries `M_LIMIT_EXCEEDED` with `retry_after_ms`, and since v1.10 a `Retry-After`
//! header, which wins where both are present.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::platform::{rate_limit, PlatformError};
use crate::secrets::Secret;

/// How long to wait after a 429 that names no time.
const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(30);
/// Never trust a wait longer than this (a wrong value must not park hark for days).
const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(24 * 3600);

/// The `/_matrix/client` API of one homeserver, as one user.
pub struct Client {
    http: reqwest::Client,
    base: String,
    /// `None` before login.
    token: Option<Secret>,
}

/// Percent-encodes one path segment (room ids hold `!` and `:`, event ids `$`).
pub fn seg(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

impl Client {
    pub fn new(homeserver: &str, token: Secret) -> Result<Client, PlatformError> {
        Client::build(homeserver, Some(token))
    }

    /// A client without a token, for `POST /login`.
    pub fn anonymous(homeserver: &str) -> Result<Client, PlatformError> {
        Client::build(homeserver, None)
    }

    fn build(homeserver: &str, token: Option<Secret>) -> Result<Client, PlatformError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("hark/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PlatformError::Transient(format!("cannot build an HTTP client: {e}")))?;
        Ok(Client {
            http,
            base: format!("{}/_matrix/client", homeserver.trim_end_matches('/')),
            token,
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

    pub async fn put(&self, what: &str, path: &str, body: Value) -> Result<Value, PlatformError> {
        self.call(what, Method::PUT, path, &[], Some(body)).await
    }

    pub async fn post(&self, what: &str, path: &str, body: Value) -> Result<Value, PlatformError> {
        self.call(what, Method::POST, path, &[], Some(body)).await
    }

    /// One call; `path` is below `/_matrix/client` with its version (`/v3/sync`), its
    /// segments already encoded.
    pub async fn call(
        &self,
        what: &str,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<Value, PlatformError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .query(query);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.expose());
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| {
            // reqwest's message names the URL, never the token (it travels in a header).
            PlatformError::Transient(format!("{what}: {}", e.without_url()))
        })?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = response
            .text()
            .await
            .map_err(|e| PlatformError::Transient(format!("{what}: {e}")))?;
        let json: Option<Value> = serde_json::from_str(&text).ok();
        if status.is_success() {
            return match json {
                Some(v @ Value::Object(_)) => Ok(v),
                _ => Err(PlatformError::Malformed(format!(
                    "{what}: the answer is not a JSON object"
                ))),
            };
        }
        Err(error_of(
            what,
            status,
            json.as_ref(),
            retry_after.as_deref(),
        ))
    }
}

/// Sorts an error answer by what the caller should do.
fn error_of(
    what: &str,
    status: StatusCode,
    body: Option<&Value>,
    retry_after: Option<&str>,
) -> PlatformError {
    let errcode = body.and_then(|b| b["errcode"].as_str()).unwrap_or_default();
    let message = body.and_then(|b| b["error"].as_str()).unwrap_or_default();
    if status == StatusCode::TOO_MANY_REQUESTS || errcode == "M_LIMIT_EXCEEDED" {
        let now = crate::domain::now();
        let from_header = retry_after
            .and_then(|v| rate_limit::reset_at(v, now))
            .map(|at| rate_limit::wait_until(at, now));
        let from_body = body
            .and_then(|b| b["retry_after_ms"].as_u64())
            .map(|ms| Duration::from_millis(ms).max(Duration::from_secs(1)));
        let wait = from_header
            .or(from_body)
            .unwrap_or(DEFAULT_RATE_LIMIT_WAIT)
            .min(MAX_RATE_LIMIT_WAIT);
        return PlatformError::RateLimited { wait };
    }
    let text = format!(
        "{what}: HTTP {}{}{}",
        status.as_u16(),
        if errcode.is_empty() {
            String::new()
        } else {
            format!(" {errcode}")
        },
        if message.is_empty() {
            String::new()
        } else {
            format!(": {}", crate::sanitize::inert_line(message))
        }
    );
    match errcode {
        "M_UNKNOWN_TOKEN" | "M_MISSING_TOKEN" => PlatformError::Auth(format!(
            "{text} (the access token was rejected: log in again and update the account's token)"
        )),
        "M_NOT_FOUND" => PlatformError::NotFound(text),
        _ if status.is_server_error() => PlatformError::Transient(text),
        _ if status == StatusCode::UNAUTHORIZED => PlatformError::Auth(text),
        _ if status.is_client_error() => PlatformError::Permanent(text),
        _ => PlatformError::Transient(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_rate_limit_waits_as_the_header_or_the_body_says() {
        let body = json!({"errcode": "M_LIMIT_EXCEEDED", "error": "Too many requests",
            "retry_after_ms": 2000});
        let wait = |e| match e {
            PlatformError::RateLimited { wait } => wait.as_secs(),
            other => panic!("{other:?}"),
        };
        let e = error_of("x", StatusCode::TOO_MANY_REQUESTS, Some(&body), None);
        assert_eq!(wait(e), 2);
        let e = error_of("x", StatusCode::TOO_MANY_REQUESTS, Some(&body), Some("40"));
        assert_eq!(wait(e), 40, "Retry-After wins");
        let e = error_of("x", StatusCode::TOO_MANY_REQUESTS, None, None);
        assert_eq!(wait(e), 30);
    }

    #[test]
    fn an_unknown_token_is_an_auth_failure_and_a_forbidden_a_refusal() {
        let body = json!({"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token passed.",
            "soft_logout": false});
        let e = error_of("sync", StatusCode::UNAUTHORIZED, Some(&body), None);
        assert!(
            matches!(&e, PlatformError::Auth(m) if m.contains("M_UNKNOWN_TOKEN")),
            "{e}"
        );
        let body = json!({"errcode": "M_FORBIDDEN", "error": "You don't have permission to ban"});
        let e = error_of("ban", StatusCode::FORBIDDEN, Some(&body), None);
        assert!(matches!(&e, PlatformError::Permanent(m) if m.contains("permission to ban")));
        let e = error_of(
            "get",
            StatusCode::NOT_FOUND,
            Some(&json!({"errcode": "M_NOT_FOUND"})),
            None,
        );
        assert!(matches!(e, PlatformError::NotFound(_)));
        let e = error_of("get", StatusCode::BAD_GATEWAY, None, None);
        assert!(matches!(e, PlatformError::Transient(_)));
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(seg("!room:ex.org"), "%21room%3Aex.org");
        assert_eq!(seg("$ev/ent+1"), "%24ev%2Fent%2B1");
    }
}

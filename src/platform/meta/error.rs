//! Graph API errors (developers.facebook.com/docs/graph-api/guides/error-handling), sorted
//! into named causes and then into what hark does next.
//!
//! A Graph error body is `{"error": {"message", "type", "code", "error_subcode",
//! "fbtrace_id"}}`; the code, not the HTTP status, says what happened.

use std::time::Duration;

use serde::Deserialize;

use crate::platform::PlatformError;

/// The `error` object of a Graph answer.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct GraphError {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub code: i64,
    #[serde(default)]
    pub error_subcode: Option<i64>,
    #[serde(default)]
    pub error_user_msg: Option<String>,
}

/// What a Graph error means for hark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// 190 (and 102): the token expired, was revoked or changed; a new one is needed.
    TokenExpired,
    /// 10, 200–299 (and 3): the token lacks a permission, or the app a feature.
    MissingPermission,
    /// 4 (app), 17 (user), 32 (Page), 613 (custom) and 80001–80014 (business use case)
    /// limits, and 341 (application limit): waited out, never retried at once.
    Throttled(Throttle),
    /// 1, 2: Meta's own trouble; retry with backoff.
    Temporary,
    /// 100/33 and 803: the object is gone (deleted) or never existed.
    Gone,
    /// Anything else: the platform said no to this request.
    Refused,
}

/// Which limit was hit: each has its own documented window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    App,
    User,
    Page,
    Custom,
    BusinessUseCase,
}

impl Throttle {
    /// The wait when the answer carries no estimate of its own (no usage header naming an
    /// `estimated_time_to_regain_access`): platform limits roll over an hour, so a
    /// quarter of it; a custom (613) limit is short-lived.
    pub fn default_wait(self) -> Duration {
        match self {
            Throttle::App | Throttle::User | Throttle::Page | Throttle::BusinessUseCase => {
                Duration::from_secs(15 * 60)
            }
            Throttle::Custom => Duration::from_secs(5 * 60),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Throttle::App => "the app's call limit (Graph error 4)",
            Throttle::User => "the user's call limit (Graph error 17)",
            Throttle::Page => "the Page's call limit (Graph error 32)",
            Throttle::Custom => "a call-rate limit (Graph error 613)",
            Throttle::BusinessUseCase => "the business use case limit (Graph error 8000x)",
        }
    }
}

impl GraphError {
    /// The error inside an answer body, if it is one.
    pub fn parse(body: &[u8]) -> Option<GraphError> {
        #[derive(Deserialize)]
        struct Envelope {
            error: GraphError,
        }
        serde_json::from_slice::<Envelope>(body)
            .ok()
            .map(|e| e.error)
    }

    pub fn cause(&self) -> Cause {
        match self.code {
            190 | 102 => Cause::TokenExpired,
            3 | 10 | 200..=299 => Cause::MissingPermission,
            4 => Cause::Throttled(Throttle::App),
            17 => Cause::Throttled(Throttle::User),
            32 => Cause::Throttled(Throttle::Page),
            613 => Cause::Throttled(Throttle::Custom),
            341 | 80001..=80014 => Cause::Throttled(Throttle::BusinessUseCase),
            1 | 2 => Cause::Temporary,
            100 if self.error_subcode == Some(33) => Cause::Gone,
            803 => Cause::Gone,
            _ => Cause::Refused,
        }
    }

    /// `Graph error 190/463: Error validating access token: …`, one line, short, inert.
    pub fn describe(&self) -> String {
        let code = match self.error_subcode {
            Some(sub) => format!("{}/{sub}", self.code),
            None => self.code.to_string(),
        };
        let message: String = self
            .message
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect();
        crate::sanitize::inert_line(&format!("Graph error {code}: {message}"))
    }
}

/// Part of every missing-permission error's text, so a caller can tell it from an
/// expired token (both are authentication failures).
pub const MISSING_PERMISSION: &str = "the token lacks a permission this needs";

/// The [`PlatformError`] for a Graph error on `what`; `wait` is the usage headers' own
/// estimate, when they gave one.
pub fn platform_error(what: &str, error: &GraphError, wait: Option<Duration>) -> PlatformError {
    let text = format!("{what}: {}", error.describe());
    match error.cause() {
        Cause::TokenExpired => PlatformError::Auth(format!(
            "{text} (the token has expired or was revoked: create a new one and run \
             `hark account add` again)"
        )),
        Cause::MissingPermission => PlatformError::Auth(format!("{text} ({MISSING_PERMISSION})")),
        Cause::Throttled(limit) => {
            let wait = wait.unwrap_or_else(|| limit.default_wait());
            tracing::info!(
                what,
                limit = limit.name(),
                secs = wait.as_secs(),
                "graph: throttled"
            );
            PlatformError::RateLimited { wait }
        }
        Cause::Temporary => PlatformError::Transient(text),
        Cause::Gone => PlatformError::NotFound(text),
        Cause::Refused => PlatformError::Permanent(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: i64, sub: Option<i64>) -> GraphError {
        GraphError {
            message: "m".into(),
            code,
            error_subcode: sub,
            error_user_msg: None,
        }
    }

    #[test]
    fn each_documented_code_names_its_cause() {
        assert_eq!(error(190, Some(463)).cause(), Cause::TokenExpired);
        assert_eq!(error(200, None).cause(), Cause::MissingPermission);
        assert_eq!(error(10, None).cause(), Cause::MissingPermission);
        assert_eq!(error(4, None).cause(), Cause::Throttled(Throttle::App));
        assert_eq!(error(17, None).cause(), Cause::Throttled(Throttle::User));
        assert_eq!(error(32, None).cause(), Cause::Throttled(Throttle::Page));
        assert_eq!(error(613, None).cause(), Cause::Throttled(Throttle::Custom));
        assert_eq!(
            error(80001, None).cause(),
            Cause::Throttled(Throttle::BusinessUseCase)
        );
        assert_eq!(error(2, None).cause(), Cause::Temporary);
        assert_eq!(error(100, Some(33)).cause(), Cause::Gone);
        assert_eq!(error(100, None).cause(), Cause::Refused);
    }

    #[test]
    fn an_error_body_that_is_not_graphs_is_none_and_messages_stay_one_line() {
        assert_eq!(GraphError::parse(b"<html>"), None);
        let e = GraphError::parse(
            br#"{"error":{"message":"Bad\nsecond line","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"A"}}"#,
        )
        .unwrap();
        assert_eq!(e.describe(), "Graph error 190/463: Bad");
    }
}

//! X's error answers read into [`PlatformError`]s, with the access-tier answers explained.
//!
//! X answers in three shapes: a problem document (`title`, `detail`, `type`, `reason` —
//! "client-not-enrolled" when the app's tier lacks the endpoint), the older
//! `{"errors": [{"code", "message"}]}` (code 453: "access to a subset of endpoints", the
//! reduced access of the free tier), and OAuth's `{"error", "error_description"}`.

use serde_json::Value;

use crate::platform::PlatformError;

/// What a not-enrolled or reduced-access answer means for the CM.
pub const TIER_HELP: &str =
    "the X app's access tier does not include this (reading mentions and posts needs the Basic tier or above; see README \"X\")";

/// A short, single-line, inert description of an X error body.
pub fn describe(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let text = v["detail"]
        .as_str()
        .or_else(|| v["title"].as_str())
        .or_else(|| v["errors"][0]["message"].as_str())
        .or_else(|| v["errors"][0]["detail"].as_str())
        .or_else(|| v["error_description"].as_str())
        .or_else(|| v["error"].as_str())?;
    Some(inert(text))
}

/// The OAuth error of a token endpoint answer (`invalid_grant: …`).
pub fn oauth_error(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    match (v["error"].as_str(), v["error_description"].as_str()) {
        (Some(e), Some(d)) => Some(inert(&format!("{e}: {d}"))),
        (Some(e), None) => Some(inert(e)),
        _ => describe(body),
    }
}

/// True for the answers that mean "your app's access tier does not cover this endpoint".
pub fn is_tier_answer(body: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    v["reason"].as_str() == Some("client-not-enrolled")
        || v["errors"]
            .as_array()
            .is_some_and(|errors| errors.iter().any(|e| e["code"].as_i64() == Some(453)))
}

/// The error for a non-2xx answer to `what`; `wait` is the rate-limit wait the headers name.
pub fn error_for(
    what: &str,
    status: u16,
    body: &[u8],
    wait: impl FnOnce() -> std::time::Duration,
) -> PlatformError {
    let detail = describe(body);
    let text = match &detail {
        Some(d) => format!("{what}: HTTP {status} ({d})"),
        None => format!("{what}: HTTP {status}"),
    };
    if is_tier_answer(body) {
        return PlatformError::Permanent(format!("{what}: {TIER_HELP} [HTTP {status}]"));
    }
    match status {
        429 => PlatformError::RateLimited { wait: wait() },
        401 => PlatformError::Auth(text),
        404 | 410 => PlatformError::NotFound(text),
        400..=499 => PlatformError::Permanent(text),
        _ => PlatformError::Transient(text),
    }
}

fn inert(text: &str) -> String {
    let line: String = text
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(240)
        .collect();
    crate::sanitize::inert_line(&line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_shape_is_read_and_the_tier_answers_explained() {
        let enrolled = br#"{"title":"Client Forbidden","reason":"client-not-enrolled","detail":"needs a Project","type":"https://api.x.com/2/problems/client-forbidden"}"#;
        let reduced =
            br#"{"errors":[{"code":453,"message":"You have access to a subset of endpoints"}]}"#;
        for body in [&enrolled[..], &reduced[..]] {
            assert!(is_tier_answer(body));
            let e = error_for("mentions", 403, body, Default::default);
            assert!(
                matches!(&e, PlatformError::Permanent(t) if t.contains("Basic tier")),
                "{e:?}"
            );
        }
        let other = br#"{"title":"Forbidden","detail":"You are not allowed to delete this Tweet.","type":"about:blank","status":403}"#;
        assert!(!is_tier_answer(other));
        assert_eq!(
            error_for("delete", 403, other, Default::default).to_string(),
            "the platform refused: delete: HTTP 403 (You are not allowed to delete this Tweet.)"
        );
        assert_eq!(
            oauth_error(br#"{"error":"invalid_request","error_description":"Value passed for the token was invalid."}"#).as_deref(),
            Some("invalid_request: Value passed for the token was invalid.")
        );
    }
}

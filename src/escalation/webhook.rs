//! POSTs an escalation to a configured webhook.
//!
//! Redirects are never followed: the escalation (customer posts, names) goes only to the
//! URL the config names, and a receiver that answers a POST with a redirect is a config
//! to fix, not a hop to take (following even a same-host 307 would re-send the body to a
//! path nobody configured). No `Referer` is sent, so the URL (which may hold a token)
//! never travels. Errors name their kind (TLS, refused, timeout) but never the URL.

use std::time::Duration;

use super::notify::Attempt;

/// The notifier's HTTP client.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .build()
        .unwrap_or_else(|e| {
            // Only a broken TLS backend gets here; a default client still never follows
            // redirects for us because `post` refuses 3xx answers itself.
            tracing::error!(error = %e, "webhook client");
            reqwest::Client::new()
        })
}

pub async fn post(
    client: &reqwest::Client,
    url: &str,
    payload: &str,
    timeout: Duration,
) -> Attempt {
    let result = client
        .post(url)
        .header("content-type", "application/json")
        .body(payload.to_string())
        .timeout(timeout)
        .send()
        .await;
    let resp = match result {
        Ok(resp) => resp,
        Err(e) => {
            return Attempt {
                error: Some(describe(&e)),
                ..Attempt::default()
            }
        }
    };
    let status = resp.status();
    let http_status = Some(status.as_u16());
    if status.is_success() {
        return Attempt {
            ok: true,
            http_status,
            ..Attempt::default()
        };
    }
    let error = if status.is_redirection() {
        let to = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| resp.url().join(l).ok())
            .and_then(|u| {
                let host = u.host_str()?.to_string();
                Some(match u.port() {
                    Some(p) => format!("{host}:{p}"),
                    None => host,
                })
            })
            .unwrap_or_else(|| "an unreadable location".into());
        format!("the webhook answered {status}, redirected to {to}; not followed")
    } else {
        format!("the webhook answered {status}")
    };
    Attempt {
        ok: false,
        http_status,
        exit_status: None,
        error: Some(error),
    }
}

/// What went wrong, from the error's causes: reqwest's own text names the URL, so only
/// the kind and the innermost cause are kept.
fn describe(e: &reqwest::Error) -> String {
    let mut chain: Vec<&(dyn std::error::Error + 'static)> = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        chain.push(cause);
        source = cause.source();
    }
    // An io::Error hides the error it wraps from `source()`: look inside it too.
    let mut io_kinds = Vec::new();
    for cause in &chain {
        let mut io = cause.downcast_ref::<std::io::Error>();
        while let Some(e) = io {
            io_kinds.push(e.kind());
            io = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<std::io::Error>());
        }
    }
    let has = |kind| io_kinds.contains(&kind);
    let innermost = chain.last().map(|c| c.to_string()).unwrap_or_default();
    let detail = |what: &str| {
        if innermost.is_empty() {
            format!("the webhook {what}")
        } else {
            format!("the webhook {what}: {innermost}")
        }
    };
    if e.is_timeout() || has(std::io::ErrorKind::TimedOut) {
        return "the webhook did not answer in time (timeout)".into();
    }
    // The TLS layer reports a failed handshake or a refused certificate as invalid data
    // on the connection; a plain network failure has a kind of its own.
    if e.is_connect() && has(std::io::ErrorKind::InvalidData) {
        return detail("failed TLS (the secure connection could not be set up)");
    }
    if e.is_connect() {
        return detail("could not be reached");
    }
    detail("request failed")
}

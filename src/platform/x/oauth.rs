//! OAuth 2.0 Authorization Code with PKCE, as X runs it: the authorize address, the
//! loopback redirect (`http://127.0.0.1:PORT/callback`) or a pasted code, and the code
//! exchanged for the first token pair.

use super::token::{TokenAnswer, Tokens};
use crate::platform::signin::loopback;
pub use crate::platform::signin::loopback::{challenge, redirect_uri, Pkce};
use crate::secrets::Secret;

/// The scopes hark asks for: read posts, users and DMs; post replies and DMs; hide replies; mute;
/// and `offline.access` for a refresh token (without it the sign-in dies in two hours).
pub const SCOPES: &[&str] = &[
    "tweet.read",
    "tweet.write",
    "tweet.moderate.write",
    "users.read",
    "mute.write",
    "dm.read",
    "dm.write",
    "offline.access",
];

/// X's consent page.
pub const AUTHORIZE_URL: &str = "https://x.com/i/oauth2/authorize";

/// The address the CM opens to let hark in.
pub fn authorize_url(client_id: &str, redirect_uri: &str, pkce: &Pkce) -> String {
    let mut url = url::Url::parse(AUTHORIZE_URL).expect("constant URL");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", &SCOPES.join(" "))
        .append_pair("state", &pkce.state)
        .append_pair("code_challenge", &pkce.challenge)
        .append_pair("code_challenge_method", "S256");
    url.to_string()
}

/// The redirect's code, its state checked (the loopback half is shared with LinkedIn).
pub fn code_from_query(query: &str, state: &str) -> Result<String, String> {
    loopback::code_from_query(query, state, "X")
}

/// What the CM pasted: the whole redirect address (state checked) or the bare code.
pub fn code_from_paste(pasted: &str, state: &str) -> Result<String, String> {
    loopback::code_from_paste(pasted, state, "X")
}

/// Waits for X's redirect on `listener` and returns the code.
pub async fn wait_for_redirect(
    listener: tokio::net::TcpListener,
    state: &str,
) -> Result<String, String> {
    loopback::wait_for_redirect(listener, state, "X").await
}

/// Exchanges `code` at `token_url` for the first token pair.
pub async fn exchange(
    token_url: &str,
    client_id: &str,
    client_secret: Option<&Secret>,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
    now: i64,
) -> Result<Tokens, String> {
    let http = reqwest::Client::new();
    let mut request = http.post(token_url).form(&[
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier),
        ("client_id", client_id),
    ]);
    if let Some(secret) = client_secret {
        request = request.basic_auth(client_id, Some(secret.expose()));
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("cannot reach X's token endpoint: {}", e.without_url()))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if !status.is_success() {
        return Err(format!(
            "X refused the code (HTTP {}{})",
            status.as_u16(),
            super::errors::oauth_error(&body)
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        ));
    }
    let answer: TokenAnswer = serde_json::from_slice(&body)
        .map_err(|_| "X's token answer could not be read".to_string())?;
    let blank = Tokens {
        client_id: client_id.to_string(),
        access_token: String::new(),
        refresh_token: None,
        expires_at: 0,
        scope: String::new(),
        user_id: String::new(),
        username: String::new(),
    };
    Ok(answer.into_tokens(&blank, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_or_pasted_code_is_taken_only_with_its_state() {
        assert_eq!(code_from_query("state=s1&code=abc", "s1").unwrap(), "abc");
        assert!(code_from_query("state=other&code=abc", "s1")
            .unwrap_err()
            .contains("does not match"));
        assert!(code_from_query("error=access_denied&state=s1", "s1")
            .unwrap_err()
            .contains("access_denied"));
        assert_eq!(
            code_from_paste("http://127.0.0.1:8765/callback?state=s1&code=xyz", "s1").unwrap(),
            "xyz"
        );
        assert_eq!(code_from_paste("  xyz \n", "s1").unwrap(), "xyz");
        let url = authorize_url("cid", &redirect_uri(8765), &Pkce::new());
        assert!(url.contains("code_challenge_method=S256"));
        assert!(url.contains("offline.access"));
        assert!(url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback"));
    }
}

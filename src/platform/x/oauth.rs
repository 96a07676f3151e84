//! OAuth 2.0 Authorization Code with PKCE, as X runs it: the authorize address, the
//! loopback redirect (`http://127.0.0.1:PORT/callback`) or a pasted code, and the code
//! exchanged for the first token pair.

use base64::Engine;
use rand::Rng;
use sha2::Digest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::token::{TokenAnswer, Tokens};
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

/// One sign-in attempt's secrets: the PKCE verifier and the anti-forgery state.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
    pub state: String,
}

impl Pkce {
    pub fn new() -> Pkce {
        let verifier = random(64);
        Pkce {
            challenge: challenge(&verifier),
            verifier,
            state: random(32),
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Pkce::new()
    }
}

/// RFC 7636 S256: base64url (no padding) of the verifier's SHA-256.
pub fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
}

fn random(len: usize) -> String {
    const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| UNRESERVED[rng.gen_range(0..UNRESERVED.len())] as char)
        .collect()
}

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

/// The loopback redirect hark listens on.
pub fn redirect_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}/callback")
}

/// The code from a redirect's query (`?state=…&code=…`), checking the state; X's
/// `error=access_denied` becomes a plain sentence.
pub fn code_from_query(query: &str, state: &str) -> Result<String, String> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if let Some(error) = get("error") {
        return Err(format!(
            "X did not let hark in ({}); nothing was stored",
            crate::sanitize::inert_line(&error)
        ));
    }
    if get("state").as_deref() != Some(state) {
        return Err("the answer's state does not match this sign-in (an old or forged redirect); nothing was stored".into());
    }
    get("code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| "the redirect carries no code".into())
}

/// What the CM pasted: the whole redirect address (state checked) or the bare code.
pub fn code_from_paste(pasted: &str, state: &str) -> Result<String, String> {
    let pasted = pasted.trim();
    match pasted.split_once('?') {
        Some((_, query)) => code_from_query(query, state),
        None if !pasted.is_empty() => Ok(pasted.to_string()),
        None => Err("nothing was pasted".into()),
    }
}

/// Waits for X's redirect on `listener` and returns the code. The browser is told it may
/// close the tab; anything but the callback path is answered 404 and waited past.
pub async fn wait_for_redirect(
    listener: tokio::net::TcpListener,
    state: &str,
) -> Result<String, String> {
    loop {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|e| format!("the loopback redirect failed: {e}"))?;
        let mut buf = vec![0u8; 8192];
        let n = stream.read(&mut buf).await.unwrap_or(0);
        let request = String::from_utf8_lossy(&buf[..n]);
        let target = request
            .lines()
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("");
        let Some(query) = target.strip_prefix("/callback?") else {
            let _ = stream
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
            continue;
        };
        let result = code_from_query(query, state);
        let page = match &result {
            Ok(_) => "hark is signed in to X. You can close this tab.",
            Err(_) => "hark could not sign in to X; see the terminal.",
        };
        let _ = stream
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                    page.len()
                )
                .as_bytes(),
            )
            .await;
        return result;
    }
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
    fn the_challenge_is_rfc7636_s256() {
        // base64url(SHA-256(verifier)) without padding, computed independently.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWeGPiEiM"),
            "Ecj0KQax7PSZRvj3CLKxe7SfIeXmrUwiKDJUFY9fdw4"
        );
        let pkce = Pkce::new();
        assert_eq!(pkce.verifier.len(), 64);
        assert_ne!(Pkce::new().state, pkce.state);
    }

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

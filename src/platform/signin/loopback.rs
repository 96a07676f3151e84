//! The browser half of an OAuth authorization-code sign-in: a PKCE verifier and state, the
//! loopback redirect (`http://127.0.0.1:PORT/callback`) hark listens on, or a pasted code.

use base64::Engine;
use rand::Rng;
use sha2::Digest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

/// The loopback redirect hark listens on.
pub fn redirect_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}/callback")
}

/// The code from a redirect's query (`?state=…&code=…`), checking the state; the
/// platform's `error=access_denied` becomes a plain sentence naming `platform`.
pub fn code_from_query(query: &str, state: &str, platform: &str) -> Result<String, String> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if let Some(error) = get("error") {
        return Err(format!(
            "{platform} did not let hark in ({}); nothing was stored",
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
pub fn code_from_paste(pasted: &str, state: &str, platform: &str) -> Result<String, String> {
    let pasted = pasted.trim();
    match pasted.split_once('?') {
        Some((_, query)) => code_from_query(query, state, platform),
        None if !pasted.is_empty() => Ok(pasted.to_string()),
        None => Err("nothing was pasted".into()),
    }
}

/// Waits for the platform's redirect on `listener` and returns the code. The browser is
/// told it may close the tab; anything but the callback path is answered 404 and waited
/// past.
pub async fn wait_for_redirect(
    listener: tokio::net::TcpListener,
    state: &str,
    platform: &str,
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
        let result = code_from_query(query, state, platform);
        let page = match &result {
            Ok(_) => format!("hark is signed in to {platform}. You can close this tab."),
            Err(_) => format!("hark could not sign in to {platform}; see the terminal."),
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

/// Binds the loopback port, or says how to choose another or paste instead.
pub async fn listen(port: u16) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot listen on 127.0.0.1:{port} ({e}); choose the app's callback port with --port, or use --paste"
            )
        })
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
        assert_eq!(
            code_from_query("state=s1&code=abc", "s1", "X").unwrap(),
            "abc"
        );
        assert!(code_from_query("state=other&code=abc", "s1", "X")
            .unwrap_err()
            .contains("does not match"));
        let refused = code_from_query("error=access_denied&state=s1", "s1", "LinkedIn");
        assert!(refused
            .unwrap_err()
            .starts_with("LinkedIn did not let hark in (access_denied)"));
        assert_eq!(
            code_from_paste(
                "http://127.0.0.1:8765/callback?state=s1&code=xyz",
                "s1",
                "X"
            )
            .unwrap(),
            "xyz"
        );
        assert_eq!(code_from_paste("  xyz \n", "s1", "X").unwrap(), "xyz");
    }
}

//! The X account's OAuth 2.0 tokens: kept in hark's own 0600 file in the data directory,
//! refreshed before they expire, and rotated safely.
//!
//! X hands out a new refresh token with every refresh and the old one stops working, so
//! the file is the account: it is only ever replaced whole (written beside, synced, then
//! renamed), a refresh runs under a file lock so two hark processes never spend the same
//! refresh token, and a process that finds the file already rotated by another takes that.
//! If the new pair cannot be saved, it is kept in memory and saved again before the next
//! request, so the old file is never the only copy of a pair X still honours.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::platform::signin::token_file::{self, FileLock};
use crate::platform::PlatformError;
use crate::secrets::Secret;

/// Refresh this long before the access token expires (X's last for two hours).
const EARLY: i64 = 120;

/// What the token file holds.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tokens {
    /// The app's OAuth 2.0 client id (public; the secret, if any, comes from the config).
    pub client_id: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// Unix second the access token expires.
    pub expires_at: i64,
    #[serde(default)]
    pub scope: String,
    /// The brand's X user id and username, learnt at sign-in.
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub username: String,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("client_id", &self.client_id)
            .field("expires_at", &self.expires_at)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

/// X's answer from `POST /2/oauth2/token`.
#[derive(Deserialize)]
pub struct TokenAnswer {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub expires_in: Option<i64>,
    #[serde(default)]
    pub scope: Option<String>,
}

impl TokenAnswer {
    /// The tokens after this answer; fields X did not send are kept from `before`.
    pub fn into_tokens(self, before: &Tokens, now: i64) -> Tokens {
        Tokens {
            client_id: before.client_id.clone(),
            access_token: self.access_token,
            refresh_token: self.refresh_token.or_else(|| before.refresh_token.clone()),
            expires_at: now + self.expires_in.unwrap_or(7200),
            scope: self.scope.unwrap_or_else(|| before.scope.clone()),
            user_id: before.user_id.clone(),
            username: before.username.clone(),
        }
    }
}

/// Where an X account's tokens live: `<data dir>/tokens/<name>.x-oauth.json`.
pub fn token_path(data_dir: &Path, account: &str) -> PathBuf {
    data_dir
        .join("tokens")
        .join(format!("{account}.x-oauth.json"))
}

/// Reads a token file; refuses one others can read, and says what to do when it is absent.
pub fn load(path: &Path, account: &str) -> Result<Tokens, String> {
    token_file::load(
        path,
        account,
        &format!("hark account add x --name {account}"),
    )
}

/// Replaces the token file whole (see [`token_file::save`]).
pub fn save(path: &Path, tokens: &Tokens) -> std::io::Result<()> {
    token_file::save(path, tokens)
}

/// Where the access token comes from: fixed (tests, a token pasted for one run) or the
/// account's token file, refreshed as needed.
#[derive(Clone)]
pub enum Auth {
    Fixed(Secret),
    Stored(Arc<TokenStore>),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Fixed(_) => f.write_str("Auth::Fixed([redacted])"),
            Auth::Stored(s) => write!(f, "Auth::Stored({})", s.path.display()),
        }
    }
}

/// The token file of one account, with what it takes to refresh it.
pub struct TokenStore {
    path: PathBuf,
    account: String,
    token_url: String,
    client_secret: Option<Secret>,
    http: reqwest::Client,
    state: Mutex<State>,
    clock: fn() -> i64,
}

struct State {
    tokens: Tokens,
    /// A rotated pair that could not be written yet.
    unsaved: bool,
}

impl TokenStore {
    /// Loads `path`; `token_url` is X's token endpoint; `client_secret` only for an app
    /// registered as a confidential client.
    pub fn open(
        path: PathBuf,
        account: &str,
        token_url: String,
        client_secret: Option<Secret>,
    ) -> Result<TokenStore, String> {
        let tokens = load(&path, account)?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("hark/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
        Ok(TokenStore {
            path,
            account: account.to_string(),
            token_url,
            client_secret,
            http,
            state: Mutex::new(State {
                tokens,
                unsaved: false,
            }),
            clock: crate::domain::now,
        })
    }

    /// Replaces the clock (tests).
    pub fn with_clock(mut self, clock: fn() -> i64) -> TokenStore {
        self.clock = clock;
        self
    }

    /// The brand's user id and username as stored at sign-in.
    pub async fn me(&self) -> (String, String) {
        let s = self.state.lock().await;
        (s.tokens.user_id.clone(), s.tokens.username.clone())
    }

    /// An access token good for the next request: refreshed first when it is about to
    /// expire, or when `stale` (X just answered 401 to it).
    pub async fn access(&self, stale: Option<&Secret>) -> Result<Secret, PlatformError> {
        let mut state = self.state.lock().await;
        if state.unsaved {
            self.persist(&mut state)?;
        }
        let now = (self.clock)();
        let rejected = stale.is_some_and(|s| s.expose() == state.tokens.access_token);
        if !rejected && state.tokens.expires_at - EARLY > now {
            return Ok(Secret::new(state.tokens.access_token.clone()));
        }
        self.refresh(&mut state, now).await?;
        Ok(Secret::new(state.tokens.access_token.clone()))
    }

    async fn refresh(&self, state: &mut State, now: i64) -> Result<(), PlatformError> {
        let lock_failed = |e: std::io::Error| {
            PlatformError::Transient(format!("cannot lock the X token file: {e}"))
        };
        let path = self.path.clone();
        let lock = tokio::task::spawn_blocking(move || FileLock::take(&path))
            .await
            .map_err(|e| PlatformError::Transient(e.to_string()))?
            .map_err(lock_failed)?;
        // Another process may have rotated the pair while we waited: take its result.
        if let Ok(on_disk) = load(&self.path, &self.account) {
            if on_disk.refresh_token != state.tokens.refresh_token
                && on_disk.expires_at - EARLY > now
            {
                state.tokens = on_disk;
                drop(lock);
                return Ok(());
            }
        }
        let Some(refresh_token) = state.tokens.refresh_token.clone() else {
            return Err(PlatformError::Auth(format!(
                "the X sign-in of `{}` has expired and has no refresh token (was `offline.access` granted?); run `hark account add x --name {}`",
                self.account, self.account
            )));
        };
        let form = vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", refresh_token),
            ("client_id", state.tokens.client_id.clone()),
        ];
        let mut request = self.http.post(&self.token_url);
        // A confidential client authenticates with its secret; a public one by its id alone.
        if let Some(secret) = &self.client_secret {
            request = request.basic_auth(&state.tokens.client_id, Some(secret.expose()));
        }
        let response = request.form(&form).send().await.map_err(|e| {
            PlatformError::Transient(format!("X token refresh: {}", e.without_url()))
        })?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| {
            PlatformError::Transient(format!("X token refresh: {}", e.without_url()))
        })?;
        if !status.is_success() {
            let detail = super::errors::oauth_error(&body);
            let text = format!(
                "X refused to refresh the sign-in of `{}` (HTTP {}{}); run `hark account add x --name {}` to sign in again",
                self.account,
                status.as_u16(),
                detail.map(|d| format!(": {d}")).unwrap_or_default(),
                self.account
            );
            return Err(match status.as_u16() {
                400 | 401 | 403 => PlatformError::Auth(text),
                429 => PlatformError::RateLimited {
                    wait: Duration::from_secs(60),
                },
                _ => PlatformError::Transient(text),
            });
        }
        let answer: TokenAnswer = serde_json::from_slice(&body).map_err(|e| {
            PlatformError::Malformed(format!(
                "X token refresh: {}",
                token_file::unreadable_at(&e)
            ))
        })?;
        state.tokens = answer.into_tokens(&state.tokens, now);
        state.unsaved = true;
        self.persist(state)?;
        drop(lock);
        Ok(())
    }

    fn persist(&self, state: &mut State) -> Result<(), PlatformError> {
        match save(&self.path, &state.tokens) {
            Ok(()) => {
                state.unsaved = false;
                Ok(())
            }
            Err(e) => {
                tracing::error!(account = %self.account, error = %e, "x: the rotated sign-in could not be saved; kept in memory");
                Err(PlatformError::Transient(format!(
                    "the rotated X sign-in could not be saved to {} ({e}); hark keeps it in memory and tries again",
                    self.path.display()
                )))
            }
        }
    }
}

//! The LinkedIn sign-in: an access token (60 days) and, for apps LinkedIn gave
//! programmatic refresh, a refresh token (a year), kept in the account's 0600 token file
//! and refreshed shortly before the access token expires, under the file's lock.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::platform::signin::token_file::{self, FileLock};
use crate::platform::PlatformError;
use crate::secrets::Secret;

/// Refresh this long before the access token expires.
const EARLY: i64 = 24 * 3600;

#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tokens {
    pub client_id: String,
    pub access_token: String,
    pub expires_at: i64,
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Unix second the refresh token itself expires (LinkedIn's refresh tokens do).
    #[serde(default)]
    pub refresh_expires_at: Option<i64>,
    #[serde(default)]
    pub scope: String,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("client_id", &self.client_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// LinkedIn's answer from `POST /oauth/v2/accessToken`.
#[derive(Deserialize)]
pub struct TokenAnswer {
    pub access_token: String,
    #[serde(default)]
    pub expires_in: Option<i64>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub refresh_token_expires_in: Option<i64>,
    #[serde(default)]
    pub scope: Option<String>,
}

impl TokenAnswer {
    pub fn into_tokens(self, client_id: &str, before: Option<&Tokens>, now: i64) -> Tokens {
        Tokens {
            client_id: client_id.to_string(),
            access_token: self.access_token,
            expires_at: now + self.expires_in.unwrap_or(60 * 86_400),
            refresh_expires_at: self
                .refresh_token_expires_in
                .map(|s| now + s)
                .or_else(|| before.and_then(|b| b.refresh_expires_at)),
            refresh_token: self
                .refresh_token
                .or_else(|| before.and_then(|b| b.refresh_token.clone())),
            scope: self
                .scope
                .unwrap_or_else(|| before.map(|b| b.scope.clone()).unwrap_or_default()),
        }
    }
}

/// `<data dir>/tokens/<name>.linkedin-oauth.json`.
pub fn token_path(data_dir: &Path, account: &str) -> PathBuf {
    data_dir
        .join("tokens")
        .join(format!("{account}.linkedin-oauth.json"))
}

fn add_command(account: &str) -> String {
    format!("hark account add linkedin --name {account} …")
}

pub fn load(path: &Path, account: &str) -> Result<Tokens, String> {
    token_file::load(path, account, &add_command(account))
}

/// Where the access token comes from: fixed (tests) or the account's token file.
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

pub struct TokenStore {
    path: PathBuf,
    account: String,
    token_url: String,
    client_secret: Option<Secret>,
    http: reqwest::Client,
    tokens: Mutex<Tokens>,
    clock: fn() -> i64,
}

impl TokenStore {
    /// `client_secret` is the app's secret (LinkedIn wants it to refresh).
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
            tokens: Mutex::new(tokens),
            clock: crate::domain::now,
        })
    }

    pub fn with_clock(mut self, clock: fn() -> i64) -> TokenStore {
        self.clock = clock;
        self
    }

    /// An access token good for the next request: refreshed first when about to expire
    /// or when `stale` (LinkedIn just answered 401 to it).
    pub async fn access(&self, stale: Option<&Secret>) -> Result<Secret, PlatformError> {
        let mut tokens = self.tokens.lock().await;
        let now = (self.clock)();
        let rejected = stale.is_some_and(|s| s.expose() == tokens.access_token);
        if !rejected && tokens.expires_at - EARLY > now {
            return Ok(Secret::new(tokens.access_token.clone()));
        }
        let can_refresh =
            tokens.refresh_token.is_some() && tokens.refresh_expires_at.is_none_or(|at| at > now);
        if !can_refresh {
            // Still usable for a while: keep using it; the doctor says when it ends.
            if !rejected && tokens.expires_at > now {
                return Ok(Secret::new(tokens.access_token.clone()));
            }
            return Err(PlatformError::Auth(format!(
                "the LinkedIn sign-in of `{}` has expired and cannot be refreshed; run `{}`",
                self.account,
                add_command(&self.account)
            )));
        }
        self.refresh(&mut tokens, now).await?;
        Ok(Secret::new(tokens.access_token.clone()))
    }

    async fn refresh(&self, tokens: &mut Tokens, now: i64) -> Result<(), PlatformError> {
        let lock = FileLock::take_async(&self.path).await.map_err(|e| {
            PlatformError::Transient(format!("cannot lock the LinkedIn token file: {e}"))
        })?;
        // Another process may have refreshed while we waited: take its result.
        if let Ok(on_disk) = load(&self.path, &self.account) {
            if on_disk.access_token != tokens.access_token && on_disk.expires_at - EARLY > now {
                *tokens = on_disk;
                drop(lock);
                return Ok(());
            }
        }
        let Some(secret) = &self.client_secret else {
            return Err(PlatformError::Auth(format!(
                "refreshing the LinkedIn sign-in of `{}` needs the app's client secret (`token_env` or `token_cmd` of the account)",
                self.account
            )));
        };
        let form = [
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                tokens.refresh_token.as_deref().unwrap_or(""),
            ),
            ("client_id", tokens.client_id.as_str()),
            ("client_secret", secret.expose()),
        ];
        let response = self
            .http
            .post(&self.token_url)
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                PlatformError::Transient(format!("LinkedIn token refresh: {}", e.without_url()))
            })?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| {
            PlatformError::Transient(format!("LinkedIn token refresh: {}", e.without_url()))
        })?;
        if !status.is_success() {
            let text = format!(
                "LinkedIn refused to refresh the sign-in of `{}` (HTTP {}{}); run `{}` to sign in again",
                self.account,
                status.as_u16(),
                super::errors::describe(&body)
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default(),
                add_command(&self.account)
            );
            return Err(match status.as_u16() {
                400 | 401 | 403 => PlatformError::Auth(text),
                _ => PlatformError::Transient(text),
            });
        }
        let answer: TokenAnswer = serde_json::from_slice(&body).map_err(|e| {
            PlatformError::Malformed(format!(
                "LinkedIn token refresh: {}",
                token_file::unreadable_at(&e)
            ))
        })?;
        *tokens = answer.into_tokens(&tokens.client_id, Some(tokens), now);
        // Kept in memory either way: LinkedIn does not end the old refresh token, so a
        // file that could not be written still holds a pair that works.
        if let Err(e) = token_file::save(&self.path, tokens) {
            tracing::error!(account = %self.account, error = %e, "linkedin: the refreshed sign-in could not be saved; kept in memory");
        }
        drop(lock);
        Ok(())
    }
}

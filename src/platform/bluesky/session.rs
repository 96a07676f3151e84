//! The login session: `createSession` once, `refreshSession` when the access token
//! expires, a new login only when the refresh fails. createSession is limited to 30 per
//! 5 minutes, so a poll never logs in by itself: the session lives in memory and the
//! refresh token in a 0600 file in the data directory, so a restart refreshes instead.

use std::path::PathBuf;

use serde_json::{json, Value};
use tokio::sync::Mutex;

use super::xrpc::{Call, Xrpc, XrpcError};
use crate::platform::PlatformError;
use crate::secrets::Secret;

/// A live session.
#[derive(Clone)]
pub struct SessionData {
    pub access_jwt: String,
    pub refresh_jwt: String,
    pub did: String,
    pub handle: String,
}

impl std::fmt::Debug for SessionData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionData")
            .field("did", &self.did)
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}

pub struct Session {
    identifier: String,
    password: Secret,
    file: Option<PathBuf>,
    current: Mutex<Option<SessionData>>,
}

impl Session {
    pub fn new(identifier: &str, password: Secret, file: Option<PathBuf>) -> Session {
        Session {
            identifier: identifier.trim_start_matches('@').to_string(),
            password,
            file,
            current: Mutex::new(None),
        }
    }

    /// The live session, resuming from the saved refresh token or logging in if needed.
    pub async fn get(&self, xrpc: &Xrpc) -> Result<SessionData, PlatformError> {
        let mut current = self.current.lock().await;
        if let Some(s) = current.as_ref() {
            return Ok(s.clone());
        }
        let fresh = match self.saved_refresh_token() {
            Some(token) => match refresh(xrpc, &token).await {
                Ok(s) => s,
                Err(XrpcError::RateLimited { wait }) => {
                    return Err(PlatformError::RateLimited { wait })
                }
                Err(e) => {
                    tracing::info!(error = ?redact(&e), "saved Bluesky session unusable, logging in");
                    self.login(xrpc).await?
                }
            },
            None => self.login(xrpc).await?,
        };
        self.save(&fresh);
        *current = Some(fresh.clone());
        Ok(fresh)
    }

    /// Called after a call failed with an expired token: refresh (or log in again) unless
    /// another task already did since `stale` was handed out.
    pub async fn renew(
        &self,
        xrpc: &Xrpc,
        stale: &SessionData,
    ) -> Result<SessionData, PlatformError> {
        let mut current = self.current.lock().await;
        if let Some(s) = current.as_ref() {
            if s.access_jwt != stale.access_jwt {
                return Ok(s.clone());
            }
        }
        let fresh = match refresh(xrpc, &stale.refresh_jwt).await {
            Ok(s) => s,
            Err(XrpcError::RateLimited { wait }) => {
                return Err(PlatformError::RateLimited { wait })
            }
            Err(e) => {
                tracing::info!(error = ?redact(&e), "Bluesky refresh failed, logging in again");
                self.login(xrpc).await?
            }
        };
        self.save(&fresh);
        *current = Some(fresh.clone());
        Ok(fresh)
    }

    async fn login(&self, xrpc: &Xrpc) -> Result<SessionData, PlatformError> {
        tracing::info!(handle = %self.identifier, "Bluesky createSession");
        let body = json!({"identifier": self.identifier, "password": self.password.expose()});
        let answer = xrpc
            .send(Call::post("com.atproto.server.createSession", body))
            .await
            .map_err(|e| match e {
                XrpcError::Status {
                    status: 400..=401,
                    error,
                    ..
                } => PlatformError::Auth(format!(
                    "Bluesky login as {} refused ({}): check the handle and the app password",
                    self.identifier,
                    error.unwrap_or_else(|| "no reason given".into())
                )),
                other => other.into_platform("createSession"),
            })?;
        parse_session(&answer)
    }

    fn saved_refresh_token(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.file.as_ref()?).ok()?;
        let value: Value = serde_json::from_str(&text).ok()?;
        if value.get("identifier")?.as_str()? != self.identifier {
            return None;
        }
        Some(value.get("refreshJwt")?.as_str()?.to_string())
    }

    fn save(&self, session: &SessionData) {
        let Some(path) = &self.file else { return };
        let text = json!({
            "identifier": self.identifier,
            "did": session.did,
            "refreshJwt": session.refresh_jwt,
        })
        .to_string();
        if let Err(e) = write_private(path, &text) {
            tracing::warn!(error = %e, "cannot save the Bluesky session");
        }
    }
}

async fn refresh(xrpc: &Xrpc, refresh_jwt: &str) -> Result<SessionData, XrpcError> {
    let mut call = Call::post("com.atproto.server.refreshSession", Value::Null);
    call.body = None;
    call.bearer = Some(refresh_jwt.to_string());
    let answer = xrpc.send(call).await?;
    parse_session(&answer).map_err(|e| XrpcError::Malformed(e.to_string()))
}

fn parse_session(v: &Value) -> Result<SessionData, PlatformError> {
    let field = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| PlatformError::Malformed(format!("the session answer has no `{k}`")))
    };
    Ok(SessionData {
        access_jwt: field("accessJwt")?,
        refresh_jwt: field("refreshJwt")?,
        did: field("did")?,
        handle: field("handle")?,
    })
}

/// Error text without anything a token could hide in.
fn redact(e: &XrpcError) -> String {
    match e {
        XrpcError::Status { status, error, .. } => format!("HTTP {status} {error:?}"),
        XrpcError::RateLimited { wait } => format!(
            "rate limited {}",
            crate::platform::rate_limit::until_local(*wait)
        ),
        XrpcError::Network(m) => m.clone(),
        XrpcError::Malformed(_) => "malformed answer".into(),
    }
}

/// Writes `text` to `path` readable by its owner only (created 0600, then renamed).
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(tmp, path)
}

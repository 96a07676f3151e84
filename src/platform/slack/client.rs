//! The Web API transport: `GET`/`POST https://slack.com/api/<method>` with a bearer token,
//! the answer's `ok` checked (HTTP 200 with `"ok": false` is an error), each call paced
//! by its method's tier.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use super::errors;
use super::tiers::Pacer;
use crate::platform::PlatformError;
use crate::secrets::Secret;

/// Slack's Web API, unless the account's `server` says otherwise (a local server in tests).
pub const API_BASE: &str = "https://slack.com";

pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Secret,
    /// The token's scopes as the last answer listed them (`x-oauth-scopes`).
    scopes: std::sync::Mutex<Option<String>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).finish()
    }
}

impl Client {
    pub fn new(base: &str, token: Secret) -> Result<Client, PlatformError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("hark/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PlatformError::Transient(format!("cannot build an HTTP client: {e}")))?;
        Ok(Client {
            http,
            base: format!("{}/api", base.trim_end_matches('/')),
            token,
            scopes: Default::default(),
        })
    }

    /// The scopes the token has, as Slack's last answer listed them.
    pub fn scopes(&self) -> Option<Vec<String>> {
        let scopes = self.scopes.lock().expect("scopes lock");
        scopes.as_ref().map(|s| {
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
    }

    /// A read: the arguments go in the query string.
    pub async fn get(
        &self,
        pacer: &Pacer,
        limited: bool,
        method: &str,
        args: &[(&str, String)],
    ) -> Result<Value, PlatformError> {
        self.call(pacer, limited, method, Method::GET, args, None)
            .await
    }

    /// A write: the arguments as a JSON body.
    pub async fn post(
        &self,
        pacer: &Pacer,
        method: &str,
        body: Value,
    ) -> Result<Value, PlatformError> {
        self.call(pacer, false, method, Method::POST, &[], Some(body))
            .await
    }

    async fn call(
        &self,
        pacer: &Pacer,
        limited: bool,
        method: &str,
        verb: Method,
        args: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<Value, PlatformError> {
        if let Err(wait) = pacer.take(method, limited) {
            return Err(PlatformError::RateLimited { wait });
        }
        let mut request = self
            .http
            .request(verb, format!("{}/{method}", self.base))
            .bearer_auth(self.token.expose())
            .query(args);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| PlatformError::Transient(format!("{method}: {}", e.without_url())))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if let Some(scopes) = response
            .headers()
            .get("x-oauth-scopes")
            .and_then(|v| v.to_str().ok())
        {
            *self.scopes.lock().expect("scopes lock") = Some(scopes.to_string());
        }
        let text = response
            .text()
            .await
            .map_err(|e| PlatformError::Transient(format!("{method}: {e}")))?;
        let json: Option<Value> = serde_json::from_str(&text).ok();
        if !(200..300).contains(&status) {
            return Err(errors::from_status(
                method,
                status,
                json.as_ref(),
                retry_after.as_deref(),
            ));
        }
        match json {
            Some(v) if v["ok"] == true => Ok(v),
            Some(v) if v["ok"] == false => {
                Err(errors::from_answer(method, &v, retry_after.as_deref()))
            }
            _ => Err(PlatformError::Malformed(format!(
                "{method}: the answer is not a Slack API answer (no \"ok\")"
            ))),
        }
    }
}

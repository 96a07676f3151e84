//! `hark account add x`: OAuth 2.0 with PKCE. hark prints X's consent address, takes the
//! answer on a loopback redirect (`http://127.0.0.1:PORT/callback`, the port matching the
//! app's registered callback) or as a pasted code, stores the token pair in the account's
//! 0600 token file and prints the `[[account]]` block.

use std::io::{BufRead, Write};
use std::path::Path;
use std::time::Duration;

use super::oauth::{self, Pkce};
use super::token;
use crate::secrets::Secret;

/// How long hark waits for the browser's redirect.
const REDIRECT_WAIT: Duration = Duration::from_secs(600);

/// Arguments of `hark account add x`.
#[derive(Debug, Clone, clap::Args)]
pub struct AddArgs {
    /// The OAuth 2.0 Client ID of your X app (developer portal, "Keys and tokens").
    #[arg(long)]
    pub client_id: String,
    /// The account's name in hark (default: x-<username>).
    #[arg(long)]
    pub name: Option<String>,
    /// The loopback port of the app's registered callback, http://127.0.0.1:PORT/callback.
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
    /// Paste the code (or the whole redirect address) instead of listening on the port.
    #[arg(long)]
    pub paste: bool,
    /// For an app registered as a confidential client: the environment variable holding its
    /// client secret (written to the block as `token_env`).
    #[arg(long, value_name = "VAR")]
    pub client_secret_env: Option<String>,
    /// The API's address (a local server for tests).
    #[arg(long, default_value = super::API_BASE, hide = true)]
    pub api: String,
}

/// Signs in and returns the `[[account]]` block; `input` is where a pasted code is read.
pub async fn add(
    args: &AddArgs,
    data_dir: &Path,
    input: &mut (dyn BufRead + Send),
    out: &mut (dyn Write + Send),
) -> anyhow::Result<String> {
    let api = args.api.trim_end_matches('/');
    let secret = match &args.client_secret_env {
        Some(var) => Some(Secret::new(
            std::env::var(var)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| anyhow::anyhow!("environment variable {var} is not set or empty"))?
                .trim(),
        )),
        None => None,
    };
    let pkce = Pkce::new();
    let redirect = oauth::redirect_uri(args.port);
    let listener = if args.paste {
        None
    } else {
        Some(
            tokio::net::TcpListener::bind(("127.0.0.1", args.port))
                .await
                .map_err(|e| {
                    anyhow::anyhow!(
                        "cannot listen on 127.0.0.1:{} ({e}); choose the app's callback port with --port, or use --paste",
                        args.port
                    )
                })?,
        )
    };
    writeln!(
        out,
        "Open this address, sign in as the brand and allow hark:\n\n  {}\n",
        oauth::authorize_url(&args.client_id, &redirect, &pkce)
    )?;
    let code = match listener {
        Some(listener) => {
            writeln!(
                out,
                "Waiting for X to send the browser back to {redirect} …"
            )?;
            tokio::time::timeout(
                REDIRECT_WAIT,
                oauth::wait_for_redirect(listener, &pkce.state),
            )
            .await
            .map_err(|_| {
                anyhow::anyhow!("no answer from the browser in 10 minutes; run the command again")
            })?
            .map_err(anyhow::Error::msg)?
        }
        None => {
            writeln!(
                out,
                "Paste the address X sent the browser to (or its code):"
            )?;
            out.flush()?;
            let mut line = String::new();
            input.read_line(&mut line)?;
            oauth::code_from_paste(&line, &pkce.state).map_err(anyhow::Error::msg)?
        }
    };
    let now = crate::domain::now();
    let mut tokens = oauth::exchange(
        &format!("{api}/2/oauth2/token"),
        &args.client_id,
        secret.as_ref(),
        &code,
        &redirect,
        &pkce.verifier,
        now,
    )
    .await
    .map_err(anyhow::Error::msg)?;
    if tokens.refresh_token.is_none() {
        writeln!(
            out,
            "Note: X gave no refresh token (offline.access not granted): the sign-in ends in two hours."
        )?;
    }
    let (id, username) = who_am_i(api, &tokens.access_token).await?;
    tokens.user_id = id;
    tokens.username = username.clone();
    let name = args.name.clone().unwrap_or_else(|| format!("x-{username}"));
    let path = token::token_path(data_dir, &name);
    token::save(&path, &tokens)?;
    writeln!(
        out,
        "Signed in as @{username}; the sign-in is kept in {}.",
        path.display()
    )?;
    let mut block =
        format!("[[account]]\nname = \"{name}\"\nplatform = \"x\"\nhandle = \"@{username}\"\n");
    if api != super::API_BASE {
        block.push_str(&format!("server = \"{api}\"\n"));
    }
    if let Some(var) = &args.client_secret_env {
        block.push_str(&format!(
            "token_env = \"{var}\"  # the app's client secret\n"
        ));
    }
    Ok(block)
}

async fn who_am_i(api: &str, access: &str) -> anyhow::Result<(String, String)> {
    let response = reqwest::Client::new()
        .get(format!("{api}/2/users/me"))
        .bearer_auth(access)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot reach X: {}", e.without_url()))?;
    let status = response.status();
    let body = response.bytes().await?;
    if !status.is_success() {
        anyhow::bail!(
            "X refused to name the signed-in account (HTTP {}{})",
            status.as_u16(),
            super::errors::describe(&body)
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        );
    }
    let v: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|_| anyhow::anyhow!("X's users/me answer could not be read"))?;
    match (v["data"]["id"].as_str(), v["data"]["username"].as_str()) {
        (Some(id), Some(username)) => Ok((id.to_string(), username.to_string())),
        _ => anyhow::bail!("X's users/me answer names no account"),
    }
}

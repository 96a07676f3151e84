//! `hark account add linkedin --org URN`: 3-legged OAuth for an admin of the organization.
//! hark prints LinkedIn's consent address, takes the answer on the loopback redirect or as a
//! pasted code (shared with X: `platform::signin::loopback`, state checked), exchanges it
//! with the app's client secret, stores the tokens in the account's 0600 token file, checks
//! that LinkedIn lets the app read the organization's posts, and prints the block.

use std::io::{BufRead, Write};
use std::path::Path;
use std::time::Duration;

use super::token::{self, Auth, TokenAnswer};
use super::{LinkedInConnector, LinkedInSettings};
use crate::platform::signin::{loopback, token_file};
use crate::secrets::Secret;

/// What hark asks for: the organization's posts and comments, read and written, and its
/// notifications (the mentions of it: `rw_organization_admin`).
pub const SCOPES: &[&str] = &[
    "r_organization_social",
    "w_organization_social",
    "rw_organization_admin",
];

const REDIRECT_WAIT: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, clap::Args)]
pub struct AddArgs {
    /// The organization's URN (urn:li:organization:<id>) or id; you must be its ADMINISTRATOR.
    #[arg(long, value_name = "URN")]
    pub org: String,
    /// The Client ID of your LinkedIn app (developer portal, "Auth").
    #[arg(long)]
    pub client_id: String,
    /// The environment variable holding the app's client secret (written to the block as
    /// `token_env`; LinkedIn wants it to refresh the sign-in).
    #[arg(long, value_name = "VAR")]
    pub client_secret_env: String,
    /// The account's name in hark (default: linkedin-<organization id>).
    #[arg(long)]
    pub name: Option<String>,
    /// The loopback port of the app's authorized redirect URL, http://127.0.0.1:PORT/callback.
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
    /// Paste the code (or the whole redirect address) instead of listening on the port.
    #[arg(long)]
    pub paste: bool,
    /// The API version (LinkedIn-Version, YYYYMM); default: two months before this one.
    #[arg(long)]
    pub version: Option<String>,
    /// Where LinkedIn's API and sign-in live (a local server for tests).
    #[arg(long, hide = true)]
    pub api: Option<String>,
}

/// A version LinkedIn still serves: two months back (it keeps about a year of them).
pub fn default_version(now: i64) -> String {
    let date = jiff::Timestamp::from_second(now)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let months = date.year() as i32 * 12 + date.month() as i32 - 1 - 2;
    format!("{:04}{:02}", months / 12, months % 12 + 1)
}

/// LinkedIn's consent page address.
pub fn authorize_url(oauth: &str, client_id: &str, redirect: &str, state: &str) -> String {
    let mut url =
        url::Url::parse(&format!("{oauth}/oauth/v2/authorization")).unwrap_or_else(|_| {
            url::Url::parse("https://www.linkedin.com/oauth/v2/authorization")
                .expect("constant URL")
        });
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect)
        .append_pair("state", state)
        .append_pair("scope", &SCOPES.join(" "));
    url.to_string()
}

pub async fn add(
    args: &AddArgs,
    data_dir: &Path,
    input: &mut (dyn BufRead + Send),
    out: &mut (dyn Write + Send),
) -> anyhow::Result<String> {
    let organization = super::organization_urn(&args.org).map_err(anyhow::Error::msg)?;
    let version = args
        .version
        .clone()
        .unwrap_or_else(|| default_version(crate::domain::now()));
    let (api, oauth) = match &args.api {
        Some(api) => (
            api.trim_end_matches('/').to_string(),
            api.trim_end_matches('/').to_string(),
        ),
        None => (super::API_BASE.to_string(), super::OAUTH_BASE.to_string()),
    };
    let var = &args.client_secret_env;
    let secret = Secret::new(
        std::env::var(var)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| anyhow::anyhow!("environment variable {var} is not set or empty"))?
            .trim(),
    );
    let state = loopback::Pkce::new().state;
    let redirect = loopback::redirect_uri(args.port);
    let listener = match args.paste {
        true => None,
        false => Some(loopback::listen(args.port).await?),
    };
    writeln!(
        out,
        "Open this address, sign in as an administrator of the organization and allow hark:\n\n  {}\n",
        authorize_url(&oauth, &args.client_id, &redirect, &state)
    )?;
    let code = match listener {
        Some(listener) => {
            writeln!(
                out,
                "Waiting for LinkedIn to send the browser back to {redirect} …"
            )?;
            tokio::time::timeout(
                REDIRECT_WAIT,
                loopback::wait_for_redirect(listener, &state, "LinkedIn"),
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
                "Paste the address LinkedIn sent the browser to (or its code):"
            )?;
            out.flush()?;
            let mut line = String::new();
            input.read_line(&mut line)?;
            loopback::code_from_paste(&line, &state, "LinkedIn").map_err(anyhow::Error::msg)?
        }
    };
    let now = crate::domain::now();
    let tokens = exchange(&oauth, &args.client_id, &secret, &code, &redirect, now).await?;
    if tokens.refresh_token.is_none() {
        writeln!(
            out,
            "Note: LinkedIn gave no refresh token (programmatic refresh is granted per app): the sign-in ends in {} days; `hark doctor` warns before.",
            (tokens.expires_at - now) / 86_400
        )?;
    }
    let id = organization.rsplit(':').next().unwrap_or("org").to_string();
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("linkedin-{id}"));
    let path = token::token_path(data_dir, &name);
    token_file::save(&path, &tokens)?;
    let settings = LinkedInSettings {
        organization: organization.clone(),
        version: version.clone(),
        posts: super::DEFAULT_POSTS,
        lookback: super::DEFAULT_LOOKBACK,
    };
    let connector = LinkedInConnector::new(
        &api,
        settings,
        Auth::Fixed(Secret::new(tokens.access_token.clone())),
    )?;
    connector
        .verify()
        .await
        .map_err(|e| anyhow::anyhow!("signed in, but {e}"))?;
    writeln!(
        out,
        "Signed in; LinkedIn lets hark read {organization}. The sign-in is kept in {}.",
        path.display()
    )?;
    let mut block = format!(
        "[[account]]\nname = \"{name}\"\nplatform = \"linkedin\"\nhandle = \"{organization}\"\ntoken_env = \"{var}\"  # the app's client secret\n"
    );
    if args.api.is_some() {
        block.push_str(&format!("server = \"{api}\"\n"));
    }
    block.push_str(&format!(
        "[account.linkedin]\norganization = \"{organization}\"\nversion = \"{version}\"\n"
    ));
    Ok(block)
}

async fn exchange(
    oauth: &str,
    client_id: &str,
    secret: &Secret,
    code: &str,
    redirect: &str,
    now: i64,
) -> anyhow::Result<token::Tokens> {
    let response = reqwest::Client::new()
        .post(format!("{oauth}/oauth/v2/accessToken"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("client_id", client_id),
            ("client_secret", secret.expose()),
        ])
        .send()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot reach LinkedIn's token endpoint: {}",
                e.without_url()
            )
        })?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| anyhow::anyhow!(e.without_url().to_string()))?;
    if !status.is_success() {
        anyhow::bail!(
            "LinkedIn refused the code (HTTP {}{})",
            status.as_u16(),
            super::errors::describe(&body)
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        );
    }
    let answer: TokenAnswer = serde_json::from_slice(&body)
        .map_err(|_| anyhow::anyhow!("LinkedIn's token answer could not be read"))?;
    Ok(answer.into_tokens(client_id, None, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_version_is_two_months_back() {
        // 2026-12-06 → 202610; 2027-01-15 → 202611; 2027-02-01 → 202612.
        assert_eq!(default_version(1_796_515_200), "202610");
        assert_eq!(default_version(1_800_000_000), "202611");
        assert_eq!(default_version(1_801_440_000), "202612");
        let url = authorize_url(
            "https://www.linkedin.com",
            "cid",
            &loopback::redirect_uri(8765),
            "s1",
        );
        assert!(
            url.contains("scope=r_organization_social+w_organization_social+rw_organization_admin"),
            "{url}"
        );
        assert!(url.contains("state=s1"));
    }
}

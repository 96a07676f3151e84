//! `hark account add mastodon`: register hark as an app on the instance, let the CM
//! authorize it in a browser and paste the code back (or paste a personal access token),
//! check the token, store it in a private token file, and print the `[[account]]` block.

use std::io::{BufRead, Write};
use std::path::Path;

use reqwest::Method;

use super::client::{Client, Purpose};
use super::entities::{self, Account, Application, Token};
use crate::platform::PlatformError;
use crate::secrets::{self, Secret};

/// What hark asks for: reading mentions, statuses, DMs and the brand's own account; posting
/// replies; blocking, muting, reporting; dismissing notifications and marking DMs read.
pub const SCOPES: &str = "read:accounts read:notifications read:statuses write:statuses \
write:blocks write:mutes write:reports write:notifications write:conversations";

/// The out-of-band redirect: the instance shows the code for the CM to copy.
pub const REDIRECT_URI: &str = "urn:ietf:wg:oauth:2.0:oob";

/// Registers hark on the instance (`POST /api/v1/apps`).
pub async fn register_app(client: &Client) -> Result<Application, PlatformError> {
    let request = client.request(Method::POST, "/api/v1/apps").form(&[
        ("client_name", "hark"),
        ("redirect_uris", REDIRECT_URI),
        ("scopes", SCOPES),
    ]);
    let response = client.send("register app", Purpose::Write, request).await?;
    entities::parse("register app", &response.body).map_err(PlatformError::Malformed)
}

/// The page where the CM authorizes hark.
pub fn authorize_url(base: &str, app: &Application) -> String {
    let mut url =
        url::Url::parse(&format!("{base}/oauth/authorize")).expect("a normalized base is a URL");
    url.query_pairs_mut()
        .append_pair("client_id", &app.client_id)
        .append_pair("scope", SCOPES)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("response_type", "code");
    url.to_string()
}

/// Exchanges the pasted authorization code for a token (`POST /oauth/token`).
pub async fn exchange_code(
    client: &Client,
    app: &Application,
    code: &str,
) -> Result<Secret, PlatformError> {
    let request = client.request(Method::POST, "/oauth/token").form(&[
        ("grant_type", "authorization_code"),
        ("code", code.trim()),
        ("client_id", app.client_id.as_str()),
        ("client_secret", app.client_secret.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("scope", SCOPES),
    ]);
    let response = client
        .send("exchange code", Purpose::Write, request)
        .await?;
    let token: Token =
        entities::parse("token", &response.body).map_err(PlatformError::Malformed)?;
    Ok(Secret::new(token.access_token))
}

/// Checks a token: the account it belongs to (`GET /api/v1/accounts/verify_credentials`).
pub async fn verify(base: &str, token: &Secret) -> Result<Account, PlatformError> {
    let client = Client::new(base, Some(token.clone()))?;
    let request = client.request(Method::GET, "/api/v1/accounts/verify_credentials");
    let response = client
        .send("verify credentials", Purpose::Read, request)
        .await?;
    entities::parse("verify credentials", &response.body).map_err(PlatformError::Malformed)
}

/// The `[[account]]` block for the config file.
pub fn account_block(name: &str, base: &str, handle: &str) -> String {
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    format!(
        "[[account]]\nname = {}\nplatform = \"mastodon\"\nhandle = {}\nserver = {}\n",
        quote(name),
        quote(handle),
        quote(base)
    )
}

/// How the CM proves who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// Authorize in a browser and paste the code.
    OAuth,
    /// Paste a personal access token (Preferences → Development on the instance).
    PersonalToken,
}

/// Where pasted codes and tokens come from.
pub trait Input {
    /// One line; `hidden` asks a terminal not to echo it (a token).
    fn line(&mut self, hidden: bool) -> std::io::Result<String>;
}

impl<T: BufRead> Input for T {
    fn line(&mut self, _hidden: bool) -> std::io::Result<String> {
        let mut line = String::new();
        self.read_line(&mut line)?;
        Ok(line)
    }
}

/// The whole `account add` conversation. `input` gives the pasted code or token; `out`
/// gets the instructions and the config block, never the token.
pub async fn add_account(
    instance: &str,
    name: Option<&str>,
    method: AuthMethod,
    data_dir: &Path,
    input: &mut dyn Input,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let base = super::client::normalize_base(instance).map_err(anyhow::Error::msg)?;
    let client = Client::new(&base, None)?;
    let token = match method {
        AuthMethod::OAuth => {
            let app = register_app(&client).await?;
            writeln!(
                out,
                "Open this address, sign in as the brand and authorize hark:\n"
            )?;
            writeln!(out, "  {}\n", authorize_url(&base, &app))?;
            write!(out, "Paste the authorization code here: ")?;
            out.flush()?;
            let code = read_line(input, false)?;
            exchange_code(&client, &app, &code).await?
        }
        AuthMethod::PersonalToken => {
            writeln!(
                out,
                "Create a token under Preferences → Development → New application on {base}\nwith the scopes: {SCOPES}"
            )?;
            write!(out, "Paste the access token here: ")?;
            out.flush()?;
            Secret::new(read_line(input, true)?)
        }
    };
    let account = verify(&base, &token).await?;
    let host = url::Url::parse(&base)?
        .host_str()
        .unwrap_or_default()
        .to_string();
    let handle = super::convert::handle(&account.acct, &host);
    let name = name
        .map(str::to_string)
        .unwrap_or_else(|| format!("mastodon-{}", account.username));
    let path = secrets::store_token_file(data_dir, &name, &token)?;
    writeln!(out, "\nSigned in as {handle}.")?;
    writeln!(
        out,
        "The token is stored in {} (readable by you only).",
        path.display()
    )?;
    writeln!(
        out,
        "Add this to your config file, then run `hark config check`:\n"
    )?;
    write!(out, "{}", account_block(&name, &base, &handle))?;
    writeln!(
        out,
        "\n(To keep the token in a password manager instead, delete that file and add\n token_cmd = \"pass show hark/mastodon\" or token_env = \"VARIABLE\" to the block.)"
    )?;
    Ok(())
}

fn read_line(input: &mut dyn Input, hidden: bool) -> anyhow::Result<String> {
    let line = input.line(hidden)?.trim().to_string();
    if line.is_empty() {
        anyhow::bail!("nothing was pasted; no account was added");
    }
    Ok(line)
}

/// Standard input; a hidden line on a terminal is read without echo.
pub struct Stdin;

impl Input for Stdin {
    fn line(&mut self, hidden: bool) -> std::io::Result<String> {
        use std::io::IsTerminal;
        if !hidden || !std::io::stdin().is_terminal() {
            return std::io::stdin().lock().line(false);
        }
        crossterm::terminal::enable_raw_mode()?;
        let result = read_unechoed();
        crossterm::terminal::disable_raw_mode()?;
        println!();
        result
    }
}

fn read_unechoed() -> std::io::Result<String> {
    use crossterm::event::{read, Event, KeyCode, KeyEventKind, KeyModifiers};
    let mut line = String::new();
    loop {
        if let Event::Key(key) = read()? {
            if key.kind != KeyEventKind::Press {
                continue;
            }
            match key.code {
                KeyCode::Enter => return Ok(line),
                KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                    return Ok(String::new())
                }
                KeyCode::Char(c) => line.push(c),
                KeyCode::Backspace => {
                    line.pop();
                }
                _ => {}
            }
        }
    }
}

//! `hark account add matrix`: checks the access token (or logs in once with a password),
//! keeps the account's device id in the data directory, and prints the `[[account]]`
//! block to paste into config.toml.
//!
//! The device matters: a homeserver scopes transaction ids to the device (spec
//! "Transaction identifiers"), so replies resent after a crash are deduplicated only while
//! hark keeps using the same device. A login passes the kept device id, so logging in
//! again replaces that device's token instead of adding a device.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::client::Client;
use super::{MatrixConnector, Settings};
use crate::secrets::{Secret, TokenSource};

/// Arguments of `hark account add matrix`.
#[derive(Debug, Clone, clap::Args)]
pub struct AddArgs {
    /// The homeserver's URL (https://matrix.example.org).
    #[arg(long, value_name = "URL")]
    pub homeserver: String,
    /// The brand's user id (@brand:example.org).
    #[arg(long)]
    pub user: String,
    /// The account's name in hark (default: matrix-<localpart>).
    #[arg(long)]
    pub name: Option<String>,
    /// Environment variable holding the access token.
    #[arg(long, conflicts_with_all = ["token_cmd", "password_env"])]
    pub token_env: Option<String>,
    /// A command printing the access token (`pass show hark/matrix`).
    #[arg(long, conflicts_with = "password_env")]
    pub token_cmd: Option<String>,
    /// Log in with the password in this environment variable; the access token is kept
    /// in the data directory's token file (0600).
    #[arg(long)]
    pub password_env: Option<String>,
    /// Allow a plain-http homeserver that is not on this machine.
    #[arg(long)]
    pub allow_insecure: bool,
}

/// Where an account's device id is kept.
pub fn device_file(data_dir: &Path, account: &str) -> PathBuf {
    data_dir.join(format!("matrix-{account}.device"))
}

/// The account's device id: the one kept in the data directory, or a new one kept there.
pub fn device_id(data_dir: &Path, account: &str) -> anyhow::Result<String> {
    let path = device_file(data_dir, account);
    if let Ok(text) = std::fs::read_to_string(&path) {
        let id = text.trim();
        if !id.is_empty() {
            return Ok(id.to_string());
        }
    }
    use rand::Rng;
    let mut rng = rand::thread_rng();
    let id: String = (0..10)
        .map(|_| char::from(b'A' + rng.gen_range(0..26u8)))
        .collect();
    let id = format!("HARK{id}");
    crate::private_fs::create_private_dir(data_dir)?;
    std::fs::write(&path, format!("{id}\n"))?;
    Ok(id)
}

/// Verifies the account and returns the `[[account]]` block.
pub async fn add(args: &AddArgs, data_dir: &Path) -> anyhow::Result<String> {
    let user = args.user.trim().to_string();
    let local = super::events::localpart(&user);
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("matrix-{local}"));
    let homeserver = crate::platform::server::check(&args.homeserver, args.allow_insecure)
        .map_err(anyhow::Error::msg)?;
    let device = device_id(data_dir, &name)?;
    let (token, secret_line) = match &args.password_env {
        Some(var) => {
            let password = std::env::var(var)
                .ok()
                .filter(|p| !p.is_empty())
                .ok_or_else(|| anyhow::anyhow!("the environment variable {var} is not set"))?;
            let token = login(&homeserver, &user, &password, &device).await?;
            let path = crate::secrets::store_token_file(data_dir, &name, &token)?;
            (token, format!("# access token kept in {}", path.display()))
        }
        None => {
            let var = args
                .token_env
                .clone()
                .filter(|_| args.token_cmd.is_none())
                .unwrap_or_else(|| "HARK_MATRIX_TOKEN".into());
            let source = TokenSource {
                account: &name,
                env: args.token_cmd.is_none().then_some(var.as_str()),
                cmd: args.token_cmd.as_deref(),
            };
            let token = crate::secrets::resolve_token(source, Some(data_dir))?;
            let line = match &args.token_cmd {
                Some(cmd) => format!("token_cmd = {}", toml_string(cmd)),
                None => format!("token_env = {}", toml_string(&var)),
            };
            (token, line)
        }
    };
    let connector = MatrixConnector::new(Settings {
        homeserver: homeserver.clone(),
        user_id: user.clone(),
        token,
        watch: Default::default(),
    })?;
    let (me, token_device) = connector
        .whoami()
        .await
        .map_err(|e| anyhow::anyhow!("cannot check the token at {homeserver}: {e}"))?;
    if me != user {
        anyhow::bail!("the access token belongs to {me}, not {user}");
    }
    let mut note = String::new();
    if let Some(token_device) = token_device.filter(|d| *d != device) {
        // The token's device is the one hark uses from now on.
        std::fs::write(device_file(data_dir, &name), format!("{token_device}\n"))?;
        note = format!("# the token's device {token_device} is kept as this account's device\n");
    }
    let insecure = if args.allow_insecure {
        "allow_insecure = true\n"
    } else {
        ""
    };
    Ok(format!(
        "# logged in as {me}\n{note}[[account]]\nname = {}\nplatform = \"matrix\"\nhandle = {}\nserver = {}\n{secret_line}\n{insecure}# Rooms to watch (all joined rooms when left out); see the README, Matrix.\n# [account.chat]\n# rooms = [\"#support:example.org\"]\n# modes = {{ \"#support:example.org\" = \"support\" }}\n",
        toml_string(&name),
        toml_string(&user),
        toml_string(&homeserver),
    ))
}

/// `POST /login` with a password (spec "Password-based" login), as the kept device.
async fn login(
    homeserver: &str,
    user: &str,
    password: &str,
    device: &str,
) -> anyhow::Result<Secret> {
    let client = Client::anonymous(homeserver)?;
    let body = json!({
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": user},
        "password": password,
        "device_id": device,
        "initial_device_display_name": "hark",
    });
    let answer = client
        .post("login", "/v3/login", body)
        .await
        .map_err(|e| anyhow::anyhow!("cannot log in to {homeserver}: {e}"))?;
    let token = answer["access_token"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("the login answer has no access_token"))?;
    Ok(Secret::new(token))
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

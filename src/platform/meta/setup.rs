//! `hark account add facebook --page PAGE` and `hark account add instagram --account
//! IG_USER`: take a long-lived Page token or a system-user token (from `--token-env`,
//! `--token-cmd`, or pasted and kept in a 0600 token file), check it with `debug_token`,
//! name every missing permission, say when it expires, and print the `[[account]]` block.

use std::io::Write;
use std::path::Path;

use reqwest::Method;
use serde_json::Value;

use super::graph::{self, Graph, Purpose};
use super::token::{self, TokenInfo};
use super::Network;
use crate::platform::mastodon::setup::Input;
use crate::secrets::{self, Secret, TokenSource};

/// Arguments shared by both networks.
#[derive(Debug, Clone, clap::Args)]
pub struct TokenArgs {
    /// The account's name in hark (default: facebook-<page> or instagram-<username>).
    #[arg(long)]
    pub name: Option<String>,
    /// Environment variable holding the Page or system-user token.
    #[arg(long, conflicts_with = "token_cmd")]
    pub token_env: Option<String>,
    /// A command printing the token (`pass show hark/facebook`). Without either, the
    /// token is pasted and kept in a token file readable by you only.
    #[arg(long)]
    pub token_cmd: Option<String>,
    /// The Graph API version.
    #[arg(long, default_value = graph::DEFAULT_VERSION)]
    pub graph_version: String,
    /// Graph's address (a test server).
    #[arg(long, default_value = graph::DEFAULT_SERVER, hide = true)]
    pub server: String,
}

/// `hark account add facebook`.
#[derive(Debug, Clone, clap::Args)]
pub struct FacebookArgs {
    /// The Page's id (or its username).
    #[arg(long)]
    pub page: String,
    #[command(flatten)]
    pub token: TokenArgs,
}

/// `hark account add instagram`.
#[derive(Debug, Clone, clap::Args)]
pub struct InstagramArgs {
    /// The Instagram professional account's user id (linked to a Facebook Page).
    #[arg(long)]
    pub account: String,
    #[command(flatten)]
    pub token: TokenArgs,
}

/// Who the token reads for: (numeric id, name or username).
async fn identify(graph: &Graph, network: Network, id: &str) -> anyhow::Result<(String, String)> {
    let fields = match network {
        Network::Facebook => "id,name",
        Network::Instagram => "id,username",
    };
    let request = graph.request(Method::GET, id).query(&[("fields", fields)]);
    let body: Value = graph
        .send("look up the account", Purpose::Read, request)
        .await?;
    let found = body
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow::anyhow!("Graph answered without an id for `{id}`"))?;
    let label = body
        .get(if network == Network::Facebook {
            "name"
        } else {
            "username"
        })
        .and_then(Value::as_str)
        .unwrap_or(found);
    Ok((found.to_string(), label.to_string()))
}

/// A Page username or id as typed: letters, digits and dots only (it goes in a path).
fn check_lookup(id: &str) -> anyhow::Result<&str> {
    let id = id.trim();
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.') {
        Ok(id)
    } else {
        anyhow::bail!(
            "`{}` is not a Page or account id",
            crate::sanitize::inert_line(id)
        )
    }
}

/// The whole `account add` conversation for `network`; `who` is `--page` or `--account`.
pub async fn add(
    network: Network,
    who: &str,
    args: &TokenArgs,
    data_dir: &Path,
    input: &mut dyn Input,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let version = graph::check_version(&args.graph_version).map_err(anyhow::Error::msg)?;
    let server = crate::platform::server::check(&args.server, false).map_err(anyhow::Error::msg)?;
    let who = check_lookup(who)?;
    let pasted = args.token_env.is_none() && args.token_cmd.is_none();
    let token = if pasted {
        writeln!(
            out,
            "Paste a long-lived Page access token (or a system-user token) for {who}:"
        )?;
        out.flush()?;
        let line = input.line(true)?.trim().to_string();
        if line.is_empty() {
            anyhow::bail!("nothing was pasted; no account was added");
        }
        Secret::new(line)
    } else {
        secrets::resolve_token(
            TokenSource {
                account: args.name.as_deref().unwrap_or(network.name()),
                env: args.token_env.as_deref(),
                cmd: args.token_cmd.as_deref(),
            },
            None,
        )?
    };
    let graph = Graph::new(&server, version, token.clone())?;
    let info = token::inspect(&graph)
        .await
        .map_err(|e| anyhow::anyhow!("cannot check the token with debug_token: {e}"))?;
    check_token(&info, network)?;
    let (id, label) = identify(&graph, network, who).await?;
    if network == Network::Facebook {
        if let Some(page) = info.profile_id.as_deref().filter(|p| *p != id) {
            anyhow::bail!(
                "this token belongs to Page {page}, not {label} ({id}): use a token of that Page"
            );
        }
    }
    let name = args.name.clone().unwrap_or_else(|| {
        let slug: String = label
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        format!("{}-{}", network.name(), slug.trim_matches('-'))
    });
    writeln!(out, "The token reads {} {label} ({id}).", network.name())?;
    for (scope, why) in token::lacking(&info, token::for_messages(network)) {
        writeln!(
            out,
            "Without {scope} hark cannot {why}: direct messages will not be read."
        )?;
    }
    match token::ends_at(&info) {
        Some(end) => writeln!(
            out,
            "It expires {}; hark says so in the status bar a week before.",
            crate::platform::rate_limit::clock_in(
                end,
                crate::domain::now(),
                &jiff::tz::TimeZone::system()
            )
        )?,
        None => writeln!(out, "It does not expire.")?,
    }
    let secret_line = if pasted {
        let path = secrets::store_token_file(data_dir, &name, &token)?;
        writeln!(
            out,
            "The token is stored in {} (readable by you only).",
            path.display()
        )?;
        String::new()
    } else if let Some(cmd) = &args.token_cmd {
        format!("token_cmd = {}\n", toml_string(cmd))
    } else {
        format!(
            "token_env = {}\n",
            toml_string(args.token_env.as_deref().unwrap_or_default())
        )
    };
    let server_line = if server == graph::DEFAULT_SERVER {
        String::new()
    } else {
        format!("server = {}\n", toml_string(&server))
    };
    writeln!(
        out,
        "Add this to your config file, then run `hark config check`:\n"
    )?;
    // Instagram DMs go through the Page the account is linked to: a Page token names it.
    let page_line = match (network, info.profile_id.as_deref()) {
        (Network::Instagram, Some(page)) => format!("page = {}\n", toml_string(page)),
        _ => String::new(),
    };
    write!(
        out,
        "[[account]]\nname = {}\nplatform = \"{}\"\nhandle = {}\n# every round costs several Graph calls from the Page's daily budget\ninterval = \"2m\"\n{server_line}{secret_line}[account.graph]\nid = {}\nversion = {}\n{page_line}",
        toml_string(&name),
        network.name(),
        toml_string(&label),
        toml_string(&id),
        toml_string(version),
    )?;
    Ok(())
}

/// A valid token with every permission the network needs; the error names each missing one.
pub fn check_token(info: &TokenInfo, network: Network) -> anyhow::Result<()> {
    if !info.is_valid {
        anyhow::bail!(
            "debug_token says this token is not valid (expired or revoked): create a new one"
        );
    }
    let missing = token::missing(info, network);
    if !missing.is_empty() {
        let list: Vec<String> = missing
            .iter()
            .map(|(scope, why)| format!("  {scope}: to {why}"))
            .collect();
        anyhow::bail!(
            "the token lacks {} permission{} hark needs:\n{}\nGrant {} to the app (App Review for apps used by other businesses) and create the token again",
            missing.len(),
            if missing.len() == 1 { "" } else { "s" },
            list.join("\n"),
            if missing.len() == 1 { "it" } else { "them" },
        );
    }
    Ok(())
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

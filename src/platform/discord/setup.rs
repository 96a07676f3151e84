//! `hark account add discord --guild ID`: checks the bot token with `GET /users/@me`, that
//! the bot is in the guild, and whether its Message Content intent is on; shows what the
//! bot may do in each channel; prints the `[[account]]` block to paste into config.toml.

use super::{DiscordConnector, Settings, API_BASE, DEFAULT_TIMEOUT, PAGE_LIMIT};
use crate::secrets::TokenSource;

/// Arguments of `hark account add discord`.
#[derive(Debug, Clone, clap::Args)]
pub struct AddArgs {
    /// The server (guild) id: Developer Mode on, right-click the server → Copy Server ID.
    #[arg(long)]
    pub guild: String,
    /// The account's name in hark (default: discord-<bot name>).
    #[arg(long)]
    pub name: Option<String>,
    /// Environment variable holding the bot token (default HARK_DISCORD_TOKEN).
    #[arg(long, conflicts_with = "token_cmd")]
    pub token_env: Option<String>,
    /// A command printing the bot token (`pass show hark/discord`).
    #[arg(long)]
    pub token_cmd: Option<String>,
    /// Another API base (a local test server); Discord's own by default.
    #[arg(long, value_name = "URL", hide = true)]
    pub api: Option<String>,
}

/// Verifies the bot and returns what to print: the findings, then the `[[account]]` block.
pub async fn add(args: &AddArgs, data_dir: &std::path::Path) -> anyhow::Result<String> {
    let var = args
        .token_env
        .clone()
        .unwrap_or_else(|| "HARK_DISCORD_TOKEN".into());
    let provisional = args.name.clone().unwrap_or_else(|| "discord".into());
    let source = TokenSource {
        account: &provisional,
        env: args.token_cmd.is_none().then_some(var.as_str()),
        cmd: args.token_cmd.as_deref(),
    };
    let token = crate::secrets::resolve_token(source, Some(data_dir))?;
    let api = match &args.api {
        Some(api) => crate::platform::server::check(api, false).map_err(anyhow::Error::msg)?,
        None => API_BASE.to_string(),
    };
    let connector = DiscordConnector::new(Settings {
        api_base: api.clone(),
        guild_id: args.guild.clone(),
        token,
        watch: Default::default(),
        page_limit: PAGE_LIMIT,
        timeout: DEFAULT_TIMEOUT,
        moderator: String::new(),
        data_dir: None,
    })?;
    let me = connector
        .me()
        .await
        .map_err(|e| anyhow::anyhow!("cannot check the bot token: {e}"))?;
    let lines = connector.permission_lines().await.map_err(|e| {
        anyhow::anyhow!(
            "the bot {} cannot read server {}: {e} (invite it with the bot scope first)",
            me.username,
            args.guild
        )
    })?;
    let intent = match connector.content_intent().await {
        Ok(true) => "# Message Content intent: on\n".to_string(),
        Ok(false) => "# Message Content intent: OFF: messages that do not mention the bot arrive \
                      without text; turn it on (Developer Portal → the app → Bot → Privileged \
                      Gateway Intents)\n"
            .to_string(),
        Err(e) => format!("# Message Content intent: unknown ({e})\n"),
    };
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("discord-{}", me.username.to_lowercase()));
    let secret_line = match &args.token_cmd {
        Some(cmd) => format!("token_cmd = {}", toml_string(cmd)),
        None => format!("token_env = {}", toml_string(&var)),
    };
    let server = match &args.api {
        Some(_) => format!("server = {}\n", toml_string(&api)),
        None => String::new(),
    };
    let mut out = format!(
        "# signed in as the bot {} ({})\n{intent}",
        me.username, me.id
    );
    out.push_str("# what the bot may do, per channel:\n");
    for line in lines {
        out.push_str(&format!("#   {}\n", crate::sanitize::inert_line(&line)));
    }
    out.push_str(&format!(
        "[[account]]\nname = {}\nplatform = \"discord\"\nhandle = {}\n{secret_line}\n{server}\
         [account.discord]\nguild = {}\n# timeout = \"1h\"   # how long `mute` times a member out\n\
         # moderator = \"sam\"   # who the server's audit log says acted (default: your login)\n\
         # Channels to watch (all the bot can read when left out); see the README, Discord.\n\
         # [account.chat]\n# rooms = [\"#help\", \"#general\"]\n# modes = {{ \"#help\" = \"support\" }}\n",
        toml_string(&name),
        toml_string(&me.username),
        toml_string(&args.guild),
    ));
    Ok(out)
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

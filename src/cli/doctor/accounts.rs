//! Per account: the token found (never printed), and the server reachable and accepting
//! it, with one cheap authenticated call and a short timeout.

use std::path::Path;
use std::time::Duration;

use super::Check;
use crate::platform::AccountConfig;
use crate::platform::PlatformError;

/// How long one server may take to answer the doctor.
const TIMEOUT: Duration = Duration::from_secs(10);

pub async fn all(accounts: &[AccountConfig], data_dir: &Path) -> Vec<Check> {
    let mut out = Vec::new();
    for account in accounts {
        out.extend(one(account, data_dir).await);
    }
    out
}

async fn one(account: &AccountConfig, data_dir: &Path) -> Vec<Check> {
    let token = format!("token {}", account.name);
    let server = format!("server {}", account.name);
    match account.platform.as_str() {
        "demo" => vec![Check::pass(
            format!("account {}", account.name),
            "simulated network, nothing to check",
        )],
        "mastodon" => mastodon(account, data_dir, token, server).await,
        "bluesky" => bluesky(account, token, server).await,
        "matrix" => matrix(account, data_dir, token, server).await,
        "x" => x(account, data_dir, token, server).await,
        "linkedin" => linkedin(account, data_dir, token, server).await,
        "discord" => discord(account, data_dir, token, server).await,
        "slack" => slack(account, data_dir, token, server).await,
        "facebook" | "instagram" => meta(account, data_dir, token, server).await,
        other => vec![Check::fail(
            format!("account {}", account.name),
            format!("platform `{other}` is not supported"),
            format!(
                "use one of: {}",
                crate::platform::KNOWN_PLATFORMS.join(", ")
            ),
        )],
    }
}

async fn mastodon(
    account: &AccountConfig,
    data_dir: &Path,
    token_name: String,
    server_name: String,
) -> Vec<Check> {
    let secret = match crate::secrets::resolve_token(account.token_source(), Some(data_dir)) {
        Ok(secret) => secret,
        Err(e) => return vec![Check::fail(token_name, e.to_string(), token_fix(account))],
    };
    let token = Check::pass(token_name, source(account));
    let Some(server) = account.server.as_deref() else {
        let fix = "set `server` to the instance's address, https://…";
        return vec![token, Check::fail(server_name, "no server set", fix)];
    };
    let base = match crate::platform::server::check(server, account.allow_insecure) {
        Ok(base) => base,
        Err(e) => return vec![token, Check::fail(server_name, e, "correct `server`")],
    };
    let verified = tokio::time::timeout(
        TIMEOUT,
        crate::platform::mastodon::setup::verify(&base, &secret),
    )
    .await;
    let check = match verified {
        Ok(Ok(me)) => Check::pass(
            server_name,
            format!("{base} accepts the token (@{})", me.acct),
        ),
        Ok(Err(e)) => refused(server_name, &base, &e, "hark account add mastodon"),
        Err(_) => unreachable(server_name, &base),
    };
    vec![token, check]
}

async fn bluesky(account: &AccountConfig, token_name: String, server_name: String) -> Vec<Check> {
    // No session file: the check logs in afresh and leaves nothing behind.
    let connector = match crate::platform::bluesky::BlueskyConnector::from_account(account, None) {
        Ok(c) => c,
        Err(e) => {
            return vec![Check::fail(
                token_name,
                crate::cli::error_text(&e),
                token_fix(account),
            )]
        }
    };
    let token = Check::pass(token_name, source(account));
    let base = account.server.as_deref().unwrap_or("https://bsky.social");
    let check = match tokio::time::timeout(TIMEOUT, connector.verify()).await {
        Ok(Ok((_, handle))) => {
            Check::pass(server_name, format!("{base} accepts the login (@{handle})"))
        }
        Ok(Err(e)) => refused(server_name, base, &e, "create a new app password"),
        Err(_) => unreachable(server_name, base),
    };
    vec![token, check]
}

async fn matrix(
    account: &AccountConfig,
    data_dir: &Path,
    token_name: String,
    server_name: String,
) -> Vec<Check> {
    let connector =
        match crate::platform::matrix::MatrixConnector::from_account(account, Some(data_dir)) {
            Ok(c) => c,
            Err(e) => {
                let fix = token_fix(account);
                return vec![Check::fail(token_name, crate::cli::error_text(&e), fix)];
            }
        };
    let token = Check::pass(token_name, source(account));
    let base = account.server.as_deref().unwrap_or_default();
    let check = match tokio::time::timeout(TIMEOUT, connector.whoami()).await {
        Ok(Ok((user, _))) if user == account.handle => {
            Check::pass(server_name, format!("{base} accepts the token ({user})"))
        }
        Ok(Ok((user, _))) => Check::fail(
            server_name,
            format!("the token belongs to {user}, not {}", account.handle),
            "set `handle` to the token's user, or use the brand's token",
        ),
        Ok(Err(e)) => refused(server_name, base, &e, "hark account add matrix"),
        Err(_) => unreachable(server_name, base),
    };
    vec![token, check]
}

async fn x(
    account: &AccountConfig,
    data_dir: &Path,
    token_name: String,
    server_name: String,
) -> Vec<Check> {
    let connector = match crate::platform::x::XConnector::from_account(account, Some(data_dir)) {
        Ok(c) => c,
        Err(e) => {
            let fix = format!(
                "run `hark account add x --client-id … --name {}`",
                account.name
            );
            return vec![Check::fail(token_name, crate::cli::error_text(&e), fix)];
        }
    };
    let token = Check::pass(token_name, "its sign-in is stored, readable by you only");
    let base = account
        .server
        .as_deref()
        .unwrap_or(crate::platform::x::API_BASE);
    let renew = format!("hark account add x --name {}", account.name);
    let check = match tokio::time::timeout(TIMEOUT, connector.verify()).await {
        Ok(Ok(me)) => Check::pass(
            server_name,
            format!("{base} accepts the sign-in (@{})", me.username),
        ),
        Ok(Err(e)) => refused(server_name, base, &e, &renew),
        Err(_) => unreachable(server_name, base),
    };
    vec![token, check]
}

/// Slack: `auth.test` with the bot token, and with the admin's user token when set.
async fn slack(
    account: &AccountConfig,
    data_dir: &Path,
    token_name: String,
    server_name: String,
) -> Vec<Check> {
    use crate::platform::slack;
    let connector = match slack::SlackConnector::from_account(account, Some(data_dir)) {
        Ok(c) => c,
        Err(e) => {
            let fix = token_fix(account);
            return vec![Check::fail(token_name, crate::cli::error_text(&e), fix)];
        }
    };
    let token = Check::pass(token_name, source(account));
    let base = account.server.as_deref().unwrap_or(slack::client::API_BASE);
    let renew = "create a new bot token in the app's OAuth & Permissions";
    let mut checks = vec![token];
    checks.push(
        match tokio::time::timeout(TIMEOUT, connector.verify()).await {
            Ok(Ok(me)) if me.bot_id.is_none() => Check::fail(
                server_name.clone(),
                format!("the token is a user's ({}), not a bot's", me.user_id),
                "use the app's Bot User OAuth Token (xoxb-…)",
            ),
            Ok(Ok(me)) => Check::pass(
                server_name.clone(),
                format!(
                    "{base} accepts the bot token ({} in {})",
                    me.name.as_deref().unwrap_or(&me.user_id),
                    me.team.as_deref().unwrap_or("the workspace")
                ),
            ),
            Ok(Err(e)) => refused(server_name.clone(), base, &e, renew),
            Err(_) => unreachable(server_name.clone(), base),
        },
    );
    if let Ok(Some(admin)) = tokio::time::timeout(TIMEOUT, connector.verify_admin()).await {
        let name = format!("user token {}", account.name);
        checks.push(match admin {
            Ok(me) => Check::pass(
                name,
                format!(
                    "{base} accepts it ({})",
                    me.name.as_deref().unwrap_or(&me.user_id)
                ),
            ),
            Err(e) => refused(name, base, &e, "create a new user token for the admin"),
        });
    }
    if let Ok(Some(socket)) = tokio::time::timeout(TIMEOUT, connector.verify_socket()).await {
        let name = format!("socket mode {}", account.name);
        checks.push(match socket {
            Ok(()) => Check::pass(name, "the app-level token opens a connection"),
            Err(e) => refused(
                name,
                base,
                &e,
                "create an app-level token with connections:write and turn Socket Mode on",
            ),
        });
    }
    checks
}

/// Discord: the token is a bot's (`/users/@me`), its Message Content intent is on, and
/// what it may do in each watched channel.
async fn discord(
    account: &AccountConfig,
    data_dir: &Path,
    token_name: String,
    server_name: String,
) -> Vec<Check> {
    use crate::platform::discord;
    let connector = match discord::DiscordConnector::from_account(account, Some(data_dir)) {
        Ok(c) => c,
        Err(e) => {
            let fix = token_fix(account);
            return vec![Check::fail(token_name, crate::cli::error_text(&e), fix)];
        }
    };
    let token = Check::pass(token_name, source(account));
    let base = account.server.as_deref().unwrap_or(discord::API_BASE);
    let renew = "reset the token in the Developer Portal (the app → Bot) and update it";
    let me = match tokio::time::timeout(TIMEOUT, connector.me()).await {
        Ok(Ok(me)) => me,
        Ok(Err(e)) => return vec![token, refused(server_name, base, &e, renew)],
        Err(_) => return vec![token, unreachable(server_name, base)],
    };
    let mut out = vec![
        token,
        Check::pass(
            server_name,
            format!("{base} accepts the token (bot {})", me.username),
        ),
    ];
    let intent = format!("intent {}", account.name);
    out.push(
        match tokio::time::timeout(TIMEOUT, connector.content_intent()).await {
            Ok(Ok(true)) => Check::pass(intent, "Message Content intent on: message text arrives"),
            Ok(Ok(false)) => Check::fail(
                intent,
                "Message Content intent off: messages that do not mention the bot arrive empty",
                "Developer Portal → the app → Bot → Privileged Gateway Intents → Message Content",
            ),
            Ok(Err(e)) => Check::fail(intent, e.to_string(), "check the bot token"),
            Err(_) => unreachable(intent, base),
        },
    );
    let perms = format!("permissions {}", account.name);
    out.push(
        match tokio::time::timeout(TIMEOUT, connector.permission_lines()).await {
            Ok(Ok(lines)) if lines.is_empty() => Check::fail(
                perms,
                "no watched channel the bot can see",
                "check [account.chat] rooms, and the bot's roles in the server",
            ),
            Ok(Ok(lines)) => Check::pass(
                perms,
                lines
                    .iter()
                    .map(|l| crate::sanitize::inert_line(l))
                    .collect::<Vec<_>>()
                    .join(" · "),
            ),
            Ok(Err(e)) => Check::fail(
                perms,
                e.to_string(),
                "invite the bot to the server and check [account.discord] guild",
            ),
            Err(_) => unreachable(perms, base),
        },
    );
    out
}

/// LinkedIn: the stored sign-in, the organization's latest post readable with it (a
/// refusal names the Community Management API approval), and its notifications (the
/// mentions; a refusal names their scope).
async fn linkedin(
    account: &AccountConfig,
    data_dir: &Path,
    token_name: String,
    server_name: String,
) -> Vec<Check> {
    let renew = format!(
        "hark account add linkedin --org … --client-id … --client-secret-env … --name {}",
        account.name
    );
    let connector =
        match crate::platform::linkedin::LinkedInConnector::from_account(account, Some(data_dir)) {
            Ok(c) => c,
            Err(e) => {
                return vec![Check::fail(token_name, crate::cli::error_text(&e), renew)];
            }
        };
    let token = Check::pass(token_name, "its sign-in is stored, readable by you only");
    let base = account
        .server
        .as_deref()
        .unwrap_or(crate::platform::linkedin::API_BASE);
    let check = match tokio::time::timeout(TIMEOUT, connector.verify()).await {
        Ok(Ok(())) => Check::pass(
            server_name,
            format!(
                "{base} lets hark read {}'s posts and comments",
                connector.organization()
            ),
        ),
        Ok(Err(crate::platform::PlatformError::Permanent(text)))
            if text.contains(crate::platform::linkedin::errors::APPROVAL_HELP) =>
        {
            Check::fail(
                server_name,
                format!("{base}: {text}"),
                "request the Community Management API for the app (LinkedIn developer portal, Products), and sign in as an ADMINISTRATOR of the organization",
            )
        }
        Ok(Err(e)) => refused(server_name, base, &e, &renew),
        Err(_) => unreachable(server_name, base),
    };
    if !check.ok {
        return vec![token, check];
    }
    let mentions_name = format!("mentions {}", account.name);
    let mentions = match tokio::time::timeout(TIMEOUT, connector.verify_mentions()).await {
        Ok(Ok(())) => Check::pass(
            mentions_name,
            "LinkedIn lets hark read the organization's notifications (mentions)",
        ),
        Ok(Err(e)) if crate::platform::linkedin::mentions::refused(&e) => {
            Check::fail(mentions_name, format!("{base}: {e}"), renew)
        }
        Ok(Err(e)) => refused(mentions_name, base, &e, &renew),
        Err(_) => unreachable(mentions_name, base),
    };
    vec![token, check, mentions]
}

/// Facebook and Instagram: `debug_token` says the token is valid, carries every
/// permission hark needs, and is not about to expire.
async fn meta(
    account: &AccountConfig,
    data_dir: &Path,
    token_name: String,
    server_name: String,
) -> Vec<Check> {
    use crate::platform::meta;
    let connector = match meta::MetaConnector::from_account(account, Some(data_dir)) {
        Ok(c) => c,
        Err(e) => {
            return vec![Check::fail(
                token_name,
                crate::cli::error_text(&e),
                token_fix(account),
            )]
        }
    };
    let token = Check::pass(token_name, source(account));
    let base = account
        .server
        .as_deref()
        .unwrap_or(meta::graph::DEFAULT_SERVER);
    let renew = format!(
        "create a new token and run `hark account add {}`",
        account.platform
    );
    let check = match tokio::time::timeout(TIMEOUT, connector.inspect_token()).await {
        Ok(Ok(info)) => match connector.token_problem(&info, crate::domain::now()) {
            None => Check::pass(server_name, format!("{base} accepts the token")),
            Some(problem) => Check::fail(server_name, problem, renew),
        },
        Ok(Err(e)) => refused(server_name, base, &e, &renew),
        Err(_) => unreachable(server_name, base),
    };
    vec![token, check]
}

/// Where the token came from, never its value.
fn source(account: &AccountConfig) -> String {
    match (&account.token_env, &account.token_cmd) {
        (Some(var), _) => format!("found in ${var}"),
        (None, Some(_)) => "token_cmd printed one".into(),
        (None, None) => "found in its token file".into(),
    }
}

fn token_fix(account: &AccountConfig) -> String {
    match (&account.token_env, &account.token_cmd) {
        (Some(var), _) => format!("export {var}=… before running hark"),
        (None, Some(_)) => "make token_cmd print the token on its first line".into(),
        (None, None) => format!("run `hark account add {}`", account.platform),
    }
}

fn refused(name: String, base: &str, e: &PlatformError, renew: &str) -> Check {
    match e {
        PlatformError::Auth(_) => Check::fail(
            name,
            format!("{base} refused the token: {e}"),
            format!("the token expired or was revoked: {renew}"),
        ),
        PlatformError::Transient(_) => Check::fail(
            name,
            format!("{base} is unreachable: {e}"),
            "check the address in `server` and the network",
        ),
        _ => Check::fail(
            name,
            format!("{base}: {e}"),
            "check the address in `server`",
        ),
    }
}

fn unreachable(name: String, base: &str) -> Check {
    Check::fail(
        name,
        format!("{base} did not answer within {} s", TIMEOUT.as_secs()),
        "check the address in `server` and the network",
    )
}

//! `hark account add`: sign in to a platform and print the config block.

use super::{runtime, AddPlatform};

pub fn add_account(platform: AddPlatform, data_dir: &std::path::Path) -> anyhow::Result<()> {
    use crate::platform::mastodon::setup;
    let (instance, name, personal_token) = match platform {
        AddPlatform::Mastodon {
            instance,
            name,
            personal_token,
        } => (instance, name, personal_token),
        AddPlatform::Bluesky(args) => return add_bluesky_account(&args),
        AddPlatform::Matrix(args) => {
            return print_block(
                runtime()?.block_on(crate::platform::matrix::setup::add(&args, data_dir)),
            )
        }
        AddPlatform::X(args) => {
            return print_block(runtime()?.block_on(crate::platform::x::setup::add(
                &args,
                data_dir,
                &mut std::io::BufReader::new(std::io::stdin()),
                &mut std::io::stdout(),
            )))
        }
        AddPlatform::Linkedin(args) => {
            return print_block(runtime()?.block_on(crate::platform::linkedin::setup::add(
                &args,
                data_dir,
                &mut std::io::BufReader::new(std::io::stdin()),
                &mut std::io::stdout(),
            )))
        }
        AddPlatform::Discord(args) => {
            return print_block(
                runtime()?.block_on(crate::platform::discord::setup::add(&args, data_dir)),
            )
        }
        AddPlatform::Slack(args) => {
            return print_block(runtime()?.block_on(crate::platform::slack::setup::add(&args)))
        }
        AddPlatform::Facebook(args) => {
            return add_meta_account(Network::Facebook, &args.page, &args.token, data_dir)
        }
        AddPlatform::Instagram(args) => {
            return add_meta_account(Network::Instagram, &args.account, &args.token, data_dir)
        }
    };
    let method = if personal_token {
        setup::AuthMethod::PersonalToken
    } else {
        setup::AuthMethod::OAuth
    };
    runtime()?.block_on(setup::add_account(
        &instance,
        name.as_deref(),
        method,
        data_dir,
        &mut setup::Stdin,
        &mut std::io::stdout(),
    ))
}

pub fn add_bluesky_account(args: &crate::platform::bluesky::setup::AddArgs) -> anyhow::Result<()> {
    let block = runtime()?.block_on(crate::platform::bluesky::setup::add(args))?;
    print!("{block}");
    Ok(())
}

use crate::platform::meta::Network;

fn add_meta_account(
    network: Network,
    who: &str,
    args: &crate::platform::meta::setup::TokenArgs,
    data_dir: &std::path::Path,
) -> anyhow::Result<()> {
    runtime()?.block_on(crate::platform::meta::setup::add(
        network,
        who,
        args,
        data_dir,
        &mut crate::platform::mastodon::setup::Stdin,
        &mut std::io::stdout(),
    ))
}

/// One row of `hark account list` (also its `--json` shape: see the README).
#[derive(Debug, serde::Serialize)]
pub struct AccountLine {
    pub name: String,
    pub platform: String,
    pub handle: String,
    /// Unix seconds of the last poll, successful or not; absent before the first.
    pub last_poll_at: Option<i64>,
    /// Unix seconds of the last successful poll.
    pub last_ok_at: Option<i64>,
    /// Why the last poll failed; absent when it succeeded.
    pub last_error: Option<String>,
}

/// `hark account list`: the config's accounts with what the cache knows of their polls.
pub fn list(workspace: &crate::workspace::Workspace, json: bool) -> anyhow::Result<()> {
    let polls = polls(workspace)?;
    let lines: Vec<AccountLine> = workspace
        .config
        .accounts
        .iter()
        .map(|a| {
            let (last_poll_at, last_ok_at, last_error) =
                polls.get(&a.name).cloned().unwrap_or_default();
            AccountLine {
                name: a.name.clone(),
                platform: a.platform.clone(),
                handle: a.handle.clone(),
                last_poll_at,
                last_ok_at,
                last_error,
            }
        })
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&lines)?);
        return Ok(());
    }
    if lines.is_empty() {
        println!(
            "no [[account]] in {}: try `hark demo`, or `hark account add \
             mastodon|bluesky|matrix|x|facebook|instagram|linkedin|discord|slack`",
            workspace.config_path.display()
        );
    }
    let now = crate::domain::now();
    for line in &lines {
        println!("{}", text_line(line, now));
    }
    Ok(())
}

type Poll = crate::store::read::AccountPoll;

/// Last poll per account name, from the cache when there is one.
fn polls(
    workspace: &crate::workspace::Workspace,
) -> anyhow::Result<std::collections::HashMap<String, Poll>> {
    if !workspace.db_path().exists() {
        return Ok(Default::default());
    }
    let conn = super::cache::read_only(workspace)?;
    Ok(crate::store::read::account_polls(&conn)?)
}

fn text_line(line: &AccountLine, now: i64) -> String {
    use crate::sanitize::inert_line;
    let state = match (&line.last_error, line.last_poll_at) {
        (Some(e), _) => format!("✗ last poll failed: {}", inert_line(e)),
        (None, Some(at)) => format!("✓ last poll ok {} ago", crate::tui::format::age(now, at)),
        (None, None) => "· not polled yet".to_string(),
    };
    format!(
        "{}  {}  {}  {state}",
        inert_line(&line.name),
        line.platform,
        inert_line(&line.handle)
    )
}

/// Prints the `[[account]]` block a platform's sign-in produced.
fn print_block(block: anyhow::Result<String>) -> anyhow::Result<()> {
    print!("{}", block?);
    Ok(())
}

//! `hark demo`: a throwaway workspace fed by the simulated networks.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::{AccountConfig, Config, PollConfig};
use crate::platform::demo::{DemoConnector, Release, NETWORKS};
use crate::platform::Connector;
use crate::store::{ingest, WriterHandle};
use crate::workspace::Workspace;

/// The demo brand (the simulated networks' own name for it).
pub use crate::platform::demo::BRAND;

/// The demo's configuration: one account per simulated network, polled every few seconds
/// so new items visibly arrive.
pub fn config() -> Config {
    let accounts = NETWORKS
        .iter()
        .zip([3u64, 5, 8, 6])
        .map(|(network, secs)| AccountConfig {
            name: format!("demo-{network}"),
            platform: "demo".into(),
            handle: "@nimbuscoffee".into(),
            interval: Some(Duration::from_secs(secs)),
            server: None,
            token_env: None,
            token_cmd: None,
            network: Some(network.to_string()),
            allow_insecure: false,
            chat: None,
            graph: None,
            linkedin: None,
            discord: None,
            slack: None,
        })
        .collect();
    let moderation = Config::parse(MODERATION, std::path::Path::new("demo moderation"))
        .expect("the demo's rules are valid");
    Config {
        brand: BRAND.into(),
        poll: PollConfig::default(),
        accounts,
        keys: Default::default(),
        sentiment: Default::default(),
        tags: moderation.tags,
        rules: moderation.rules,
        escalation: moderation.escalation,
        // The brand hears from its cities' languages; English is the fallback.
        languages: crate::language::config::LanguagesConfig {
            expected: ["en", "es", "fr", "ca", "it", "de", "pt"]
                .map(String::from)
                .to_vec(),
        },
        ..replies_config()
    }
}

/// The shipped canned replies and voice rules (`assets/replies.example.toml`).
pub fn replies_config() -> Config {
    Config::parse(
        include_str!("../assets/replies.example.toml"),
        std::path::Path::new("assets/replies.example.toml"),
    )
    .expect("the shipped replies example parses")
}

/// The demo's tags, rules and escalation protocol: they catch the simulated spam (links
/// from tiny accounts, airdrops, gift-card "winners") and the cold-brew crisis.
pub const MODERATION: &str = r#"
[tags]
feedback = "Product feedback: goes to the menu team"
support = "Orders, deliveries, refunds: goes to customer support"
crisis = "Health, safety or legal: follow the escalation protocol"
spam = "Caught by a spam rule"
cheer = "Emoji-only cheers, nothing to answer"
pii = "Shares an email or phone number: hide it if public"

[[rule]]
name = "link spam"
all = { contains_link = true, followers_below = 50 }
then = { tag = ["spam"], spam = true, hide = true }

[[rule]]
name = "scam words"
any = { keywords = ["airdrop", "gift card winner", "real followers", "followers for", "claim before", "entitled to"] }
then = { tag = ["spam"], spam = true, hide = true }

[[rule]]
name = "health or legal claim"
any = { keywords = ["food poisoning", "lawsuit", "class action", "recall"] }
then = { tag = ["crisis"], flag = { severity = "high", reason = "health or legal claim" } }

[[rule]]
name = "illness reports"
any = { keywords = ["sick", "vomited", "vomiting", "nausea", "cramps", "illness", "A&E", "hospital"] }
then = { tag = ["crisis"] }

[[rule]]
name = "big account unhappy"
all = { followers_above = 10000, sentiment_below = -0.3 }
then = { flag = { severity = "high", reason = "negative post from a large account" } }

[[rule]]
name = "support requests"
any = { regex = '#NC-\d+|\border\b|tracking|refund' }
then = { tag = ["support"] }

[[rule]]
name = "menu feedback"
any = { keywords = ["gluten-free", "vegan", "decaf", "lactose", "dairy"] }
then = { tag = ["feedback"] }

[[rule]]
name = "emoji cheers"
all = { only_emoji = true }
then = { tag = ["cheer"], done = true }

[[rule]]
name = "contact details"
all = { contains_contact = true }
then = { tag = ["pii"] }

[escalation.reasons]
health = "Health or safety claim"
legal = "Legal threat"
press = "Press or large account"
outage = "App, payment or delivery outage"

[escalation.spike]
name = "negative spike"
window = "24h"
multiple = 3.0
min_count = 5
cooldown = "6h"
severity = "critical"
tag = "crisis"

[escalation.protocol.critical]
checklist = ["Page the SMM on call now", "Pause scheduled posts", "Post the holding statement from the crisis doc", "Log every affected shop and time"]

[escalation.protocol.high]
checklist = ["Reply within 30 minutes with the holding line", "Move to DM for details (receipt, shop, time)", "Add an internal note with what you learned"]

[escalation.protocol.low]
checklist = ["Answer normally; mention it in the weekly report"]
"#;

/// The demo workspace in `data_dir`, or in a fresh temporary directory (removed when the
/// returned guard drops).
/// The throwaway workspace is as private as a real one (hark runs on unix terminals).
fn private() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(0o700)
}

pub fn workspace(
    data_dir: Option<PathBuf>,
) -> anyhow::Result<(Workspace, Option<tempfile::TempDir>)> {
    let (dir, guard) = match data_dir {
        Some(dir) => (dir, None),
        None => {
            let temp = tempfile::Builder::new()
                .prefix("hark-demo-")
                .permissions(private())
                .tempdir()?;
            (temp.path().to_path_buf(), Some(temp))
        }
    };
    let config_path = dir.join("demo-config.toml");
    let mut config = config();
    // Critical and high escalations are "sent" to a log in the workspace.
    let log = dir.join("escalations.jsonl");
    let command = format!(
        "cat >> '{}' && echo >> '{}'",
        log.display().to_string().replace('\'', ""),
        log.display().to_string().replace('\'', "")
    );
    for severity in [
        crate::domain::Severity::Critical,
        crate::domain::Severity::High,
    ] {
        if let Some(p) = config.escalation.protocol.get_mut(&severity) {
            p.notify_command = Some(command.clone());
        }
    }
    Ok((Workspace::new(config, config_path, dir), guard))
}

/// Loads every demo item at once (for `hark demo --no-tui`); returns how many are stored.
pub async fn load_all(workspace: &Workspace, writer: &WriterHandle) -> anyhow::Result<usize> {
    let pipeline = std::sync::Arc::new(workspace.pipeline()?);
    let mut stored = 0;
    for account in &workspace.config.accounts {
        let network = account.network.clone().unwrap_or_default();
        let connector = DemoConnector::new(&network, Release::All)?;
        let (name, handle) = (account.name.clone(), account.handle.clone());
        let platform = connector.platform().to_string();
        let account_id = writer
            .call(move |c| ingest::ensure_account(c, &name, &platform, &handle))
            .await?;
        let cursor = writer.call(move |c| ingest::cursor(c, account_id)).await?;
        let page = connector.fetch(cursor.as_deref()).await?;
        let incoming = pipeline.prepare(page.items);
        let next = page.next_cursor;
        let pipeline = std::sync::Arc::clone(&pipeline);
        let report = writer
            .call(move |c| {
                pipeline.store(
                    c,
                    account_id,
                    &incoming,
                    next.as_deref(),
                    crate::domain::now(),
                )
            })
            .await?;
        stored += report.inserted.len();
    }
    Ok(stored)
}

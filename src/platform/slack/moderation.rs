//! Moderation where the tokens allow it (docs "chat.delete", "conversations.kick"): the
//! bot token deletes the bot's own messages; a workspace admin's user token, when
//! configured, deletes anyone's and removes a person from the channel. Only what the
//! account's tokens can do is offered.

use serde_json::json;

use super::messages;
use super::SlackConnector;
use crate::domain::{kinds, ItemFacts, ItemKind};
use crate::platform::{ModerationAction, PlatformError, Target};

/// The kinds a Slack account supports: removing people needs the admin's token, so its
/// presence in the list also says the admin token is there.
pub fn supported(admin: bool) -> Vec<&'static str> {
    if admin {
        vec![kinds::DELETE, kinds::BLOCK]
    } else {
        vec![kinds::DELETE]
    }
}

/// The kinds `supported` (see [`supported`]) allows on one item.
pub fn actions_for(facts: &ItemFacts, supported: &[&'static str]) -> Vec<&'static str> {
    let admin = supported.contains(&kinds::BLOCK);
    supported
        .iter()
        .copied()
        .filter(|kind| match *kind {
            kinds::DELETE => facts.own() || admin,
            kinds::BLOCK => admin && !facts.own() && facts.kind != ItemKind::Dm,
            _ => false,
        })
        .collect()
}

pub async fn moderate(
    c: &SlackConnector,
    target: &Target,
    action: ModerationAction,
) -> Result<(), PlatformError> {
    let (channel, ts) = messages::split_id(&target.external_id).ok_or_else(|| {
        PlatformError::Permanent(format!(
            "`{}` is not a Slack message id (channel/ts)",
            target.external_id
        ))
    })?;
    let me = c.me().await?;
    let own = target.kind == ItemKind::Post
        || target.author_external_id == me.user_id
        || Some(&target.author_external_id) == me.bot_id.as_ref();
    let admin = || {
        c.admin.as_ref().ok_or_else(|| {
            PlatformError::Permanent(
                "this needs a workspace admin's user token ([account.slack] user_token_env); \
                 the bot token only deletes the bot's own messages"
                    .into(),
            )
        })
    };
    match action {
        ModerationAction::Delete => {
            let client = if own { &c.client } else { admin()? };
            let body = json!({"channel": channel, "ts": ts});
            match client.post(&c.pacer, "chat.delete", body).await {
                // Deleted already (a resend after a crash): the effect holds.
                Ok(_) | Err(PlatformError::NotFound(_)) => Ok(()),
                Err(e) => Err(e),
            }
        }
        ModerationAction::BlockAuthor => {
            if own {
                return Err(PlatformError::Permanent(
                    "the bot does not remove itself".into(),
                ));
            }
            let body = json!({"channel": channel, "user": target.author_external_id});
            match admin()?.post(&c.pacer, "conversations.kick", body).await {
                Err(PlatformError::Permanent(e)) if e.ends_with("not_in_channel") => Ok(()),
                other => other.map(|_| ()),
            }
        }
        other => Err(PlatformError::Unsupported(other.kind())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bot_deletes_its_own_and_an_admin_token_adds_others_and_removal() {
        let own = ItemFacts::of(ItemKind::Post);
        let theirs = ItemFacts::of(ItemKind::Mention);
        let dm = ItemFacts::of(ItemKind::Dm);
        let bot = supported(false);
        assert_eq!(actions_for(&own, &bot), [kinds::DELETE]);
        assert!(actions_for(&theirs, &bot).is_empty(), "nothing on others'");
        let admin = supported(true);
        assert_eq!(actions_for(&theirs, &admin), [kinds::DELETE, kinds::BLOCK]);
        assert_eq!(actions_for(&own, &admin), [kinds::DELETE]);
        assert_eq!(
            actions_for(&dm, &admin),
            [kinds::DELETE],
            "no removal from a DM"
        );
    }
}

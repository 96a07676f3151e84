//! Moderation as the bot's permissions allow (developer docs, "Message" → "Delete
//! Message"; "Guild" → "Modify Guild Member" (`communication_disabled_until`), "Remove
//! Guild Member", "Create Guild Ban"):
//!
//! | outbox kind | Discord | permission |
//! | --- | --- | --- |
//! | `delete` | delete the message | Manage Messages in its channel (own messages: none) |
//! | `mute` | time the member out for `[account.discord] timeout` | Moderate Members |
//! | `kick` | remove the member from the server | Kick Members |
//! | `block` | ban the member | Ban Members |
//!
//! The permissions the last round computed are checked first, so an action the bot may
//! not take is refused with the permission named, without asking; Discord's own 403
//! (code 50013, also for a member whose highest role is above the bot's) says "missing
//! permission" too. Every action is a set: doing it twice is doing it once, and a
//! message or member already gone counts as done. Each action carries an audit-log reason
//! ("hark: ban by sam"), so the server's moderators see who acted through the bot.

use reqwest::Method;
use serde_json::json;

use super::permissions::{self, BAN_MEMBERS, KICK_MEMBERS, MANAGE_MESSAGES, MODERATE_MEMBERS};
use super::{channel_of, DiscordConnector};
use crate::domain::{kinds, ItemFacts, ItemKind};
use crate::platform::{ModerationAction, PlatformError, Target};

/// The outbox kinds Discord takes, in the menu's order.
pub const MODERATION: &[&str] = &[kinds::DELETE, kinds::MUTE, kinds::KICK, kinds::BLOCK];

/// What Discord allows on an item: any message in the server can be deleted (the bot's
/// own always; others' with Manage Messages), but in a DM only the bot's own; the bot does
/// not time out, kick or ban itself, and a DM is no server's to act on.
pub fn allows(facts: &ItemFacts, kind: &str) -> bool {
    match kind {
        kinds::DELETE => facts.kind != ItemKind::Dm,
        kinds::MUTE | kinds::KICK | kinds::BLOCK => !facts.own() && facts.kind != ItemKind::Dm,
        _ => false,
    }
}

pub async fn moderate(
    c: &DiscordConnector,
    target: &Target,
    action: ModerationAction,
) -> Result<(), PlatformError> {
    let me = c.me().await?;
    let own = target.kind == ItemKind::Post || target.author_external_id == me.id;
    let guild = format!("/guilds/{}", c.guild_id);
    let member = format!("{guild}/members/{}", target.author_external_id);
    let (what, method, path, body, need) = match action {
        ModerationAction::Delete => {
            let channel = channel_of(target)?;
            let path = format!("/channels/{channel}/messages/{}", target.external_id);
            let need = (!own).then_some(MANAGE_MESSAGES);
            ("delete", Method::DELETE, path, None, need)
        }
        ModerationAction::MuteAuthor => {
            let until = crate::domain::now() + c.timeout.as_secs() as i64;
            let until = jiff::Timestamp::from_second(until)
                .map_err(|e| PlatformError::Permanent(format!("time out: {e}")))?;
            let body = json!({"communication_disabled_until": until.to_string()});
            (
                "time out",
                Method::PATCH,
                member,
                Some(body),
                Some(MODERATE_MEMBERS),
            )
        }
        ModerationAction::KickAuthor => ("kick", Method::DELETE, member, None, Some(KICK_MEMBERS)),
        ModerationAction::BlockAuthor => {
            let path = format!("{guild}/bans/{}", target.author_external_id);
            let body = json!({"delete_message_seconds": 0});
            ("ban", Method::PUT, path, Some(body), Some(BAN_MEMBERS))
        }
        other => return Err(PlatformError::Unsupported(other.kind())),
    };
    if own && what != "delete" {
        return Err(PlatformError::Permanent(format!(
            "{what}: the item is the bot's own"
        )));
    }
    if let Some(need) = need {
        check(c, target, what, need).await?;
    }
    let reason = audit_reason(what, &c.moderator);
    match c
        .client
        .call_audited(what, method, &path, body, &reason)
        .await
    {
        Ok(_) => Ok(()),
        // Deleted or gone already: the effect is there.
        Err(PlatformError::NotFound(_)) if what == "delete" || what == "kick" => Ok(()),
        Err(e) => Err(e),
    }
}

/// The audit log's reason: the server's other moderators read who acted through the bot.
pub fn audit_reason(what: &str, moderator: &str) -> String {
    format!("hark: {what} by {moderator}")
}

/// Refuses where the last round saw the bot lacks `need` (in the item's channel for a
/// delete, guild-wide for member actions).
async fn check(
    c: &DiscordConnector,
    target: &Target,
    what: &str,
    need: u64,
) -> Result<(), PlatformError> {
    let perms = |layout: &super::Layout| -> Result<Option<u64>, PlatformError> {
        Ok(if need == MANAGE_MESSAGES {
            layout.source(&channel_of(target)?).map(|s| s.perms)
        } else {
            Some(layout.base)
        })
    };
    let lacks = |p: Option<u64>| p.is_some_and(|p| p & need == 0);
    if !lacks(perms(&*c.known_layout().await?)?) {
        return Ok(());
    }
    // Roles may have changed since they were read: ask once more before refusing.
    if lacks(perms(&*c.fresh_layout().await?)?) {
        return Err(PlatformError::Permanent(format!(
            "{what}: missing permission: the bot's roles do not grant {}",
            permissions::name(need)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bot_deletes_its_own_messages_but_never_acts_on_itself() {
        let own = ItemFacts::of(ItemKind::Post);
        assert!(allows(&own, kinds::DELETE));
        for kind in [kinds::MUTE, kinds::KICK, kinds::BLOCK] {
            assert!(!allows(&own, kind), "{kind}");
            assert!(allows(&ItemFacts::of(ItemKind::Mention), kind), "{kind}");
        }
        assert!(!allows(&ItemFacts::of(ItemKind::Mention), kinds::REPORT));
        // Nobody deletes another's message in a DM, not even a bot.
        for kind in MODERATION {
            assert!(!allows(&ItemFacts::of(ItemKind::Dm), kind), "{kind}");
        }
    }
}

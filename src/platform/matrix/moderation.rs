//! Moderation within the account's power level (spec "Room events: m.room.power_levels"):
//! redact a message (`PUT /rooms/{roomId}/redact/{eventId}/{txnId}`), kick its sender
//! (`POST /rooms/{roomId}/kick`) or ban them (`POST /rooms/{roomId}/ban`), report it to
//! the homeserver's admins (`POST /rooms/{roomId}/report/{eventId}`).
//!
//! The moderation menu offers only what the room's power levels allow, as syncs keep them
//! in the store ([`power_of`]). At send time the levels are read again, the last guard: an
//! action above the account's level is refused with both levels named, without asking the
//! homeserver to do what it will refuse.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::client::seg;
use super::{room_of, MatrixConnector};
use crate::domain::{kinds, ItemFacts, ItemKind, RoomPower};
use crate::platform::{ModerationAction, PlatformError, Target};

/// Matrix reports carry free text only; the category leads it.
pub const REPORT_CATEGORIES: &[(&str, &str)] = &[
    ("spam", "unsolicited advertising, scams"),
    ("abuse", "harassment, hate, threats"),
    ("illegal", "content against the law"),
    ("other", "something else"),
];

/// What Matrix allows on an item: any message can be redacted (the account's own always;
/// others' with the power level, checked when sent); the account does not ban or report
/// itself.
pub fn allows(facts: &ItemFacts, kind: &str) -> bool {
    match kind {
        kinds::DELETE => true,
        kinds::BLOCK | kinds::KICK | kinds::REPORT => !facts.own(),
        _ => false,
    }
}

/// The room's `m.room.power_levels` content as it bears on `me`, with the spec's defaults
/// for what it leaves out.
pub fn power_of(power_levels: &Value, me: &str) -> RoomPower {
    let level = |key: &str, default: i64| power_levels[key].as_i64().unwrap_or(default);
    let users_default = level("users_default", 0);
    let users: BTreeMap<String, i64> = power_levels["users"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(user, l)| Some((user.clone(), l.as_i64()?)))
        .collect();
    RoomPower {
        mine: users.get(me).copied().unwrap_or(users_default),
        redact: level("redact", 50),
        kick: level("kick", 50),
        ban: level("ban", 50),
        users_default,
        users,
    }
}

pub async fn moderate(
    c: &MatrixConnector,
    target: &Target,
    action: ModerationAction,
) -> Result<(), PlatformError> {
    let room = room_of(target)?;
    let own = target.kind == ItemKind::Post || target.author_external_id == c.user_id;
    let kind = action.kind();
    if !own && matches!(kind, kinds::BLOCK | kinds::KICK | kinds::DELETE) {
        let path = format!("/v3/rooms/{}/state/m.room.power_levels/", seg(&room));
        let levels = c.client.get("power levels", &path, &[]).await?;
        let levels = power_of(&levels, &c.user_id).over(&target.author_external_id);
        if let Some(why) = levels.refusal(kind) {
            return Err(PlatformError::Permanent(why));
        }
    }
    match action {
        ModerationAction::Delete => {
            // The event id makes the transaction id: redacting twice is one redaction.
            let path = format!(
                "/v3/rooms/{}/redact/{}/{}",
                seg(&room),
                seg(&target.external_id),
                seg(&format!("hark-redact-{}", target.external_id))
            );
            c.client.put("redact", &path, json!({})).await?;
        }
        ModerationAction::BlockAuthor => {
            let path = format!("/v3/rooms/{}/ban", seg(&room));
            let body = json!({"user_id": target.author_external_id});
            c.client.post("ban", &path, body).await?;
        }
        ModerationAction::KickAuthor => kick(c, &room, &target.author_external_id).await?,
        ModerationAction::Report { category, reason } => {
            let path = format!(
                "/v3/rooms/{}/report/{}",
                seg(&room),
                seg(&target.external_id)
            );
            let text = if reason.trim().is_empty() {
                category
            } else {
                format!("{category}: {reason}")
            };
            c.client
                .post("report", &path, json!({ "reason": text }))
                .await?;
        }
        other => return Err(PlatformError::Unsupported(other.kind())),
    }
    Ok(())
}

/// Kicks `user` from `room`. Someone no longer in the room (left, kicked, banned) is
/// already where a kick puts them: done, without sending a second leave event.
async fn kick(c: &MatrixConnector, room: &str, user: &str) -> Result<(), PlatformError> {
    if !in_room(c, room, user).await? {
        return Ok(());
    }
    let path = format!("/v3/rooms/{}/kick", seg(room));
    match c
        .client
        .post("kick", &path, json!({ "user_id": user }))
        .await
    {
        Ok(_) => Ok(()),
        // They may have left between the two calls: the refusal then means "done".
        Err(e @ (PlatformError::Permanent(_) | PlatformError::NotFound(_))) => {
            match in_room(c, room, user).await {
                Ok(false) => Ok(()),
                _ => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

/// Whether `user` is in `room` or on its way in (joined, invited, knocking), from their
/// `m.room.member` state; no such state means they never were.
async fn in_room(c: &MatrixConnector, room: &str, user: &str) -> Result<bool, PlatformError> {
    let path = format!("/v3/rooms/{}/state/m.room.member/{}", seg(room), seg(user));
    match c.client.get("membership", &path, &[]).await {
        Ok(member) => Ok(matches!(
            member["membership"].as_str(),
            Some("join" | "invite" | "knock")
        )),
        Err(PlatformError::NotFound(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moderator_may_ban_a_member_but_not_a_peer_and_a_member_may_do_neither() {
        // The power levels example of the spec's m.room.power_levels section.
        let pl = json!({"ban": 50, "events": {"m.room.name": 100, "m.room.power_levels": 100},
            "events_default": 0, "invite": 50, "kick": 50, "redact": 50, "state_default": 50,
            "users": {"@example:localhost": 100, "@mod:localhost": 50}, "users_default": 0});
        let m = power_of(&pl, "@mod:localhost").over("@fan:localhost");
        assert_eq!(m.refusal(kinds::BLOCK), None);
        assert_eq!(m.refusal(kinds::DELETE), None);
        let peer = power_of(&pl, "@mod:localhost").over("@mod:localhost");
        assert!(peer.refusal(kinds::BLOCK).unwrap().contains("not below"));
        let member = power_of(&pl, "@fan:localhost").over("@other:localhost");
        assert_eq!(
            member.refusal(kinds::BLOCK).unwrap(),
            "the account's power level in this room is 0; banning needs 50"
        );
        assert!(member.refusal(kinds::DELETE).unwrap().contains("needs 50"));
        assert_eq!(
            member.refusal(kinds::KICK).unwrap(),
            "the account's power level in this room is 0; kicking needs 50"
        );
        assert_eq!(m.refusal(kinds::KICK), None);
        assert!(peer.refusal(kinds::KICK).unwrap().contains("not below"));
        assert_eq!(member.refusal(kinds::REPORT), None);
    }

    #[test]
    fn the_brand_does_not_ban_or_report_itself() {
        let own = ItemFacts::of(ItemKind::Post);
        assert!(allows(&own, kinds::DELETE));
        assert!(!allows(&own, kinds::BLOCK));
        let theirs = ItemFacts::of(ItemKind::Mention);
        assert!(allows(&theirs, kinds::BLOCK) && allows(&theirs, kinds::REPORT));
        assert!(allows(&theirs, kinds::KICK) && !allows(&own, kinds::KICK));
        assert!(!allows(&theirs, kinds::HIDE));
    }
}

//! Moderation out, where X's API still offers it to a brand: hide and unhide replies in the
//! brand's conversations (`PUT /2/tweets/:id/hidden`), delete the brand's own posts
//! (`DELETE /2/tweets/:id`), mute an author (`POST /2/users/:id/muting`). Blocking is
//! Enterprise-only in API v2, and X has no report endpoint: neither is offered.

use reqwest::Method;
use serde_json::json;

use super::client::Call;
use super::XConnector;
use crate::domain::{kinds, ItemFacts, ItemKind, ModerationAction, Target};
use crate::platform::PlatformError;

/// What X offers a brand, in the order menus list it.
pub const MODERATION: &[&str] = &[kinds::HIDE, kinds::UNHIDE, kinds::DELETE, kinds::MUTE];

/// Which of those apply to one item:
/// - `hide`/`unhide`: someone else's reply in a conversation the brand started;
/// - `delete`: the brand's own posts only;
/// - `mute`: someone else's post.
pub fn allows(facts: &ItemFacts, kind: &str) -> bool {
    let dm = facts.kind == ItemKind::Dm;
    match kind {
        kinds::HIDE | kinds::UNHIDE => facts.reply && facts.in_own_thread && !facts.own() && !dm,
        kinds::DELETE => facts.own(),
        kinds::MUTE => !facts.own(),
        _ => false,
    }
}

impl XConnector {
    pub(super) async fn apply(
        &self,
        target: &Target,
        action: ModerationAction,
    ) -> Result<(), PlatformError> {
        let id = &target.external_id;
        let (what, call) = match action {
            ModerationAction::Hide | ModerationAction::Unhide => {
                let hidden = matches!(action, ModerationAction::Hide);
                (
                    if hidden { "hide" } else { "unhide" },
                    Call::get("hide", format!("/2/tweets/{id}/hidden"))
                        .with(Method::PUT, Some(json!({ "hidden": hidden }))),
                )
            }
            ModerationAction::Delete => (
                "delete",
                Call::get("delete", format!("/2/tweets/{id}")).with(Method::DELETE, None),
            ),
            ModerationAction::MuteAuthor => {
                let me = self.me().await?;
                (
                    "mute",
                    Call::get("mute", format!("/2/users/{}/muting", me.id)).with(
                        Method::POST,
                        Some(json!({ "target_user_id": target.author_external_id })),
                    ),
                )
            }
            _ => return Err(PlatformError::Unsupported("this moderation action")),
        };
        match self.call(what, &call).await {
            Ok(_) => Ok(()),
            // Deleting a post that is already gone leaves what the CM asked for.
            Err(PlatformError::NotFound(_)) if what == "delete" => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_x_allows_on_the_item_is_offered() {
        let reply_in_own = ItemFacts {
            kind: ItemKind::Comment,
            reply: true,
            in_own_thread: true,
        };
        let offered: Vec<_> = MODERATION
            .iter()
            .filter(|k| allows(&reply_in_own, k))
            .collect();
        assert_eq!(offered, [&kinds::HIDE, &kinds::UNHIDE, &kinds::MUTE]);
        let own = ItemFacts::of(ItemKind::Post);
        let offered: Vec<_> = MODERATION.iter().filter(|k| allows(&own, k)).collect();
        assert_eq!(offered, [&kinds::DELETE]);
        let mention = ItemFacts::of(ItemKind::Mention);
        assert!(
            !allows(&mention, kinds::HIDE),
            "not in the brand's conversation"
        );
        assert!(
            !allows(&mention, kinds::BLOCK),
            "blocking is Enterprise-only"
        );
    }
}

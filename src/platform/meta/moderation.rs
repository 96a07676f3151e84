//! Moderation through Graph: hide/unhide and delete comments on both networks, block a
//! person from a Facebook Page. Graph has no way to report, mute or dismiss, so those are
//! not offered.

use reqwest::Method;

use super::graph::{path_id, Purpose};
use super::{MetaConnector, Network};
use crate::domain::ItemKind;
use crate::platform::kinds;
use crate::platform::{ItemFacts, ModerationAction, PlatformError, Target};

/// What Facebook allows on an item:
/// - `hide`, `unhide`: someone's comment or reply on the Page's posts;
/// - `delete`: such a comment, or the Page's own comment (its posts need a permission
///   hark does not ask for);
/// - `block`: the person behind a comment, visitor post or message.
pub fn allows_facebook(facts: &ItemFacts, kind: &str) -> bool {
    match kind {
        kinds::HIDE | kinds::UNHIDE => facts.kind == ItemKind::Comment,
        kinds::DELETE => facts.kind == ItemKind::Comment || (facts.own() && facts.reply),
        kinds::BLOCK => matches!(
            facts.kind,
            ItemKind::Comment | ItemKind::Mention | ItemKind::Dm
        ),
        _ => false,
    }
}

/// What Instagram allows: hide, unhide and delete comments on the account's media, and
/// delete the account's own comments (never its media: Graph cannot).
pub fn allows_instagram(facts: &ItemFacts, kind: &str) -> bool {
    match kind {
        kinds::HIDE | kinds::UNHIDE => facts.kind == ItemKind::Comment,
        kinds::DELETE => facts.kind == ItemKind::Comment || (facts.own() && facts.reply),
        _ => false,
    }
}

impl MetaConnector {
    pub(super) async fn apply(
        &self,
        target: &Target,
        action: ModerationAction,
    ) -> Result<(), PlatformError> {
        let id = path_id(&target.external_id)?;
        let hide_field = match self.network {
            Network::Facebook => "is_hidden",
            Network::Instagram => "hide",
        };
        let (what, request) = match &action {
            ModerationAction::Hide | ModerationAction::Unhide => {
                let hidden = if action == ModerationAction::Hide {
                    "true"
                } else {
                    "false"
                };
                (
                    if hidden == "true" {
                        "hide comment"
                    } else {
                        "unhide comment"
                    },
                    self.graph
                        .request(Method::POST, id)
                        .form(&[(hide_field, hidden)]),
                )
            }
            ModerationAction::Delete => ("delete comment", self.graph.request(Method::DELETE, id)),
            ModerationAction::BlockAuthor if self.network == Network::Facebook => {
                let person = path_id(&target.author_external_id)?;
                let page = path_id(&self.id)?;
                (
                    "block from the Page",
                    self.graph
                        .request(Method::POST, &format!("{page}/blocked"))
                        .form(&[("user", person)]),
                )
            }
            other => return Err(PlatformError::Unsupported(other.kind())),
        };
        let body = self.graph.send(what, Purpose::Write, request).await?;
        // Graph answers `{"success": true}` (or `{"<id>": true}` for a block); an explicit
        // false is a refusal without an error object.
        let refused = body.get("success").and_then(|v| v.as_bool()) == Some(false);
        if refused {
            return Err(PlatformError::Permanent(format!(
                "{what}: Graph answered success=false"
            )));
        }
        tracing::info!(
            network = self.network.name(),
            action = action.kind(),
            id,
            "graph: moderation applied"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(kind: ItemKind, reply: bool) -> ItemFacts {
        ItemFacts {
            kind,
            reply,
            in_own_thread: true,
        }
    }

    #[test]
    fn the_menu_offers_only_what_each_network_takes() {
        let comment = facts(ItemKind::Comment, true);
        let own_comment = facts(ItemKind::Post, true);
        let own_post = facts(ItemKind::Post, false);
        let visitor_post = facts(ItemKind::Mention, false);
        for kind in [kinds::HIDE, kinds::UNHIDE, kinds::DELETE, kinds::BLOCK] {
            assert!(allows_facebook(&comment, kind), "{kind}");
        }
        assert!(allows_facebook(&own_comment, kinds::DELETE));
        assert!(!allows_facebook(&own_comment, kinds::HIDE));
        assert!(!allows_facebook(&own_post, kinds::DELETE));
        assert!(allows_facebook(&visitor_post, kinds::BLOCK));
        assert!(!allows_facebook(&visitor_post, kinds::HIDE));
        assert!(!allows_instagram(&comment, kinds::BLOCK));
        assert!(allows_instagram(&comment, kinds::HIDE));
        assert!(
            !allows_instagram(&own_post, kinds::DELETE),
            "media cannot be deleted"
        );
        assert!(!allows_facebook(&comment, kinds::REPORT));
    }
}

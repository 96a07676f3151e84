//! Moderation out: LinkedIn lets an organization delete its own comments
//! (`DELETE /rest/socialActions/{object}/comments/{id}?actor={organization}`), and little
//! else through the API, so the menu offers only that, and only on the organization's own.

use reqwest::Method;

use super::client::{encode, Call};
use super::{convert, LinkedInConnector};
use crate::domain::{kinds, ItemFacts, ModerationAction, Target};
use crate::platform::PlatformError;

pub const MODERATION: &[&str] = &[kinds::DELETE];

/// `delete` on the organization's own comments only.
pub fn allows(facts: &ItemFacts, kind: &str) -> bool {
    kind == kinds::DELETE && facts.own()
}

impl LinkedInConnector {
    pub(super) async fn apply(
        &self,
        target: &Target,
        action: ModerationAction,
    ) -> Result<(), PlatformError> {
        if !matches!(action, ModerationAction::Delete) {
            return Err(PlatformError::Unsupported(
                "this moderation action on LinkedIn",
            ));
        }
        let Some((object, id)) = convert::parts(&target.external_id) else {
            return Err(PlatformError::Permanent(format!(
                "delete: `{}` is not a LinkedIn comment",
                crate::sanitize::inert_line(&target.external_id)
            )));
        };
        let call = Call::get(format!(
            "/rest/socialActions/{}/comments/{id}",
            encode(object)
        ))
        .param("actor", self.settings.organization.clone())
        .with(Method::DELETE, None);
        match self.send("delete", &call).await {
            Ok(_) => Ok(()),
            // A comment already gone is what the CM asked for.
            Err(PlatformError::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ItemKind;

    #[test]
    fn only_the_organizations_own_comments_can_be_deleted() {
        assert!(allows(&ItemFacts::of(ItemKind::Post), kinds::DELETE));
        assert!(!allows(&ItemFacts::of(ItemKind::Comment), kinds::DELETE));
        assert!(!allows(&ItemFacts::of(ItemKind::Post), kinds::HIDE));
    }
}

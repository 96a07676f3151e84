//! People's names (`users.info`, docs "users.info"; scope `users:read`), asked once per
//! person and kept for the process: an item shows `@display_name` and the real name, not
//! a bare `U…` id. A lookup that fails leaves the id; it is never a reason to hold a page.

use serde_json::Value;

use super::SlackConnector;
use crate::domain::NewItem;

/// (handle, display name) of a person.
pub type Name = (String, String);

/// The names `users.info` gives: the display name (else the username) as the handle, the
/// real name as the name shown.
pub fn name_of(answer: &Value) -> Option<Name> {
    let user = &answer["user"];
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
    let handle = text(&user["profile"]["display_name"]).or_else(|| text(&user["name"]))?;
    let shown = text(&user["profile"]["real_name"])
        .or_else(|| text(&user["real_name"]))
        .unwrap_or_else(|| handle.clone());
    Some((format!("@{handle}"), shown))
}

impl SlackConnector {
    /// Puts names on `items`' authors, asking Slack for the ones not known yet while the
    /// method's budget lasts.
    pub(super) async fn name_authors(&self, items: &mut [NewItem]) {
        for item in items.iter_mut() {
            let id = item.author.external_id.clone();
            if !id.starts_with(['U', 'W']) {
                continue;
            }
            let known = self.names.lock().unwrap().get(&id).cloned();
            let name = match known {
                Some(name) => name,
                None => {
                    if self.pacer.budget("users.info", false).0 == 0 {
                        continue;
                    }
                    let found = self
                        .read("users.info", false, &[("user", id.clone())])
                        .await
                        .ok()
                        .and_then(|a| name_of(&a));
                    if found.is_none() {
                        tracing::debug!(user = %id, "slack: no name for a user");
                    }
                    self.names.lock().unwrap().insert(id.clone(), found.clone());
                    found
                }
            };
            if let Some((handle, shown)) = name {
                item.author.handle = handle;
                item.author.display_name = shown;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_person_shows_by_display_name_and_real_name() {
        // The shape of the users.info example.
        let answer = json!({"ok": true, "user": {"id": "W012A3CDE", "name": "spengler",
            "real_name": "Egon Spengler",
            "profile": {"real_name": "Egon Spengler", "display_name": "spengler"}}});
        assert_eq!(
            name_of(&answer),
            Some(("@spengler".into(), "Egon Spengler".into()))
        );
        let bare = json!({"ok": true, "user": {"id": "W1", "name": "egon", "profile": {"display_name": ""}}});
        assert_eq!(name_of(&bare), Some(("@egon".into(), "egon".into())));
        assert_eq!(name_of(&json!({"ok": true})), None);
    }
}

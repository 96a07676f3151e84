//! Spaces named in `[account.chat]` (`spaces`, and `ignore` entries without `*`): each is
//! resolved once per process to the rooms under it, through `GET
//! /directory/room/{roomAlias}` for an alias and `GET /_matrix/client/v1/rooms/{roomId}/
//! hierarchy` (spec "Spaces"), sub-spaces included.

use std::collections::HashMap;

use super::client::seg;
use super::MatrixConnector;
use crate::platform::PlatformError;

/// Pages of one space's hierarchy read at most (100 rooms a page).
const MAX_PAGES: usize = 20;

/// Room id → the config entries naming a space it is in.
pub type Groups = HashMap<String, Vec<String>>;

impl MatrixConnector {
    /// The groups of every room under a named space (computed once per process).
    pub(super) async fn groups(&self) -> Result<Groups, PlatformError> {
        self.groups
            .get_or_try_init(|| async {
                let mut groups = Groups::new();
                let named = self.watch.spaces.iter().chain(&self.watch.ignore);
                for entry in named.filter(|e| !e.contains('*')) {
                    for room in self.rooms_under(entry).await? {
                        groups.entry(room).or_default().push(entry.clone());
                    }
                }
                Ok(groups)
            })
            .await
            .cloned()
    }

    /// The rooms in the space `entry` names (itself included); none when it is not found.
    async fn rooms_under(&self, entry: &str) -> Result<Vec<String>, PlatformError> {
        let id = if entry.starts_with('#') {
            let path = format!("/v3/directory/room/{}", seg(entry));
            match self.client.get("space alias", &path, &[]).await {
                Ok(v) => match v["room_id"].as_str() {
                    Some(id) => id.to_string(),
                    None => return Ok(Vec::new()),
                },
                Err(PlatformError::NotFound(_)) => {
                    tracing::warn!(space = entry, "a space in [account.chat] does not exist");
                    return Ok(Vec::new());
                }
                Err(e) => return Err(e),
            }
        } else {
            entry.to_string()
        };
        let path = format!("/v1/rooms/{}/hierarchy", seg(&id));
        let mut rooms = vec![id.clone()];
        let mut from: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = vec![("limit", "100".to_string())];
            if let Some(from) = &from {
                query.push(("from", from.clone()));
            }
            let page = match self.client.get("space rooms", &path, &query).await {
                Ok(page) => page,
                // Not a space, or not visible to the account: only the room itself.
                Err(PlatformError::NotFound(_) | PlatformError::Permanent(_)) => break,
                Err(e) => return Err(e),
            };
            rooms.extend(
                page["rooms"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r["room_id"].as_str().map(str::to_string)),
            );
            match page["next_batch"].as_str() {
                Some(next) if !next.is_empty() => from = Some(next.to_string()),
                _ => break,
            }
        }
        rooms.dedup();
        Ok(rooms)
    }
}

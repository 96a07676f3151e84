//! The text of quoted posts. A notification's record carries only a reference to the post
//! it quotes (`app.bsky.embed.record`, `recordWithMedia`); `app.bsky.feed.getPosts` gives
//! that post, and its text replaces the bare `[quoting at://…]` line of the body.

use std::collections::HashMap;

use serde_json::Value;

use super::xrpc::Call;
use super::BlueskyConnector;
use crate::domain::NewItem;

/// getPosts takes at most this many URIs.
const BATCH: usize = 25;

/// The URI a record's embed quotes, if any.
pub fn quoted_uri(record: &Value) -> Option<&str> {
    let embed = record.get("embed")?;
    match embed.get("$type")?.as_str()? {
        "app.bsky.embed.record" => embed.pointer("/record/uri")?.as_str(),
        "app.bsky.embed.recordWithMedia" => embed.pointer("/record/record/uri")?.as_str(),
        _ => None,
    }
}

/// The line [`super::text::readable`] leaves for a quote whose text it does not have.
pub fn placeholder(uri: &str) -> String {
    format!("[quoting {uri}]")
}

/// The quote block of a `postView` or an embed's `viewRecord` (`author.handle`, and the
/// text in `record` or `value`).
pub fn block_of_view(view: &Value) -> Option<String> {
    let handle = view.pointer("/author/handle")?.as_str()?;
    let text = view
        .pointer("/record/text")
        .or_else(|| view.pointer("/value/text"))?
        .as_str()?;
    Some(crate::platform::quote::block(handle, text))
}

/// The quote block of a post view's `embed` (a thread's posts carry the quoted post).
pub fn block_of_embed_view(embed: &Value) -> Option<String> {
    let record = match embed.get("$type")?.as_str()? {
        "app.bsky.embed.record#view" => embed.get("record")?,
        "app.bsky.embed.recordWithMedia#view" => embed.pointer("/record/record")?,
        _ => return None,
    };
    block_of_view(record)
}

/// `body` with the quoted post's text where the record quotes one and `view` (a post
/// view) carries it.
pub fn with_viewed_quote(body: String, record: &Value, view: &Value) -> String {
    match (
        quoted_uri(record),
        view.get("embed").and_then(block_of_embed_view),
    ) {
        (Some(uri), Some(block)) => body.replacen(&placeholder(uri), &block, 1),
        _ => body,
    }
}

/// Puts the quoted posts' text into the items that quote one. A failed lookup keeps the
/// `[quoting …]` line: the items matter more than the quotes.
pub async fn fill(conn: &BlueskyConnector, items: &mut [NewItem]) {
    let quoted: Vec<(usize, String)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let raw: Value = serde_json::from_str(item.raw_json.as_deref()?).ok()?;
            Some((i, quoted_uri(raw.get("record")?)?.to_string()))
        })
        .collect();
    let mut uris: Vec<&str> = quoted.iter().map(|(_, u)| u.as_str()).collect();
    uris.sort_unstable();
    uris.dedup();
    let mut blocks: HashMap<String, String> = HashMap::new();
    for batch in uris.chunks(BATCH) {
        let answer = conn
            .call("getPosts", || {
                let mut call = Call::get("app.bsky.feed.getPosts");
                for uri in batch {
                    call = call.param("uris", uri.to_string());
                }
                call
            })
            .await;
        match answer {
            Ok(v) => {
                for post in v
                    .get("posts")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let (Some(uri), Some(block)) =
                        (post.get("uri").and_then(Value::as_str), block_of_view(post))
                    {
                        blocks.insert(uri.to_string(), block);
                    }
                }
            }
            Err(e) => tracing::info!(error = %e, "Bluesky quoted posts not read"),
        }
    }
    for (i, uri) in quoted {
        if let Some(block) = blocks.get(&uri) {
            let body = &mut items[i].body;
            *body = body.replacen(&placeholder(&uri), block, 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn a_thread_post_view_gives_the_quoted_text_with_its_media() {
        let record = json!({
            "text": "look",
            "embed": {
                "$type": "app.bsky.embed.recordWithMedia",
                "media": {"$type": "app.bsky.embed.images", "images": [{"alt": "a cup"}]},
                "record": {"record": {"uri": "at://did:plc:b/app.bsky.feed.post/1", "cid": "c"}}
            }
        });
        let view = json!({"embed": {
            "$type": "app.bsky.embed.recordWithMedia#view",
            "record": {"record": {
                "$type": "app.bsky.embed.record#viewRecord",
                "uri": "at://did:plc:b/app.bsky.feed.post/1",
                "author": {"did": "did:plc:b", "handle": "b.test"},
                "value": {"text": "our new cup"}
            }}
        }});
        let body = super::super::text::readable(&record);
        assert_eq!(
            body,
            "look\n[image: a cup]\n[quoting at://did:plc:b/app.bsky.feed.post/1]"
        );
        assert_eq!(
            super::with_viewed_quote(body, &record, &view),
            "look\n[image: a cup]\n> @b.test: our new cup"
        );
    }
}

//! Replies: an `app.bsky.feed.post` with strong refs to the thread's root and parent,
//! written under an rkey derived from the outbox idempotency key. Before writing, a
//! `getRecord` for that rkey tells whether an earlier attempt already landed (the PDS
//! answers a duplicate rkey with a 500, not a conflict).

use serde_json::{json, Value};

use super::xrpc::Call;
use super::{now_rfc3339, parse_at_uri, text, tid, BlueskyConnector};
use crate::platform::{PlatformError, Target};

const POST: &str = "app.bsky.feed.post";

/// A strong reference: the record's URI and the CID of the exact version replied to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrongRef {
    pub uri: String,
    pub cid: String,
}

impl StrongRef {
    fn json(&self) -> Value {
        json!({"uri": self.uri, "cid": self.cid})
    }

    fn from_json(v: Option<&Value>) -> Option<StrongRef> {
        let v = v?;
        Some(StrongRef {
            uri: v.get("uri")?.as_str()?.to_string(),
            cid: v.get("cid")?.as_str()?.to_string(),
        })
    }
}

/// The parent and root refs of a reply to `target`: from the notification kept at ingest,
/// else from `getRecord` on the target's URI.
pub async fn thread_refs(
    conn: &BlueskyConnector,
    target: &Target,
) -> Result<(StrongRef, StrongRef), PlatformError> {
    let stored: Option<Value> = target
        .raw_json
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok());
    if let Some(raw) = &stored {
        if let Some(parent) = StrongRef::from_json(Some(raw)) {
            if parent.uri == target.external_id {
                let root = StrongRef::from_json(raw.pointer("/record/reply/root"))
                    .unwrap_or_else(|| parent.clone());
                return Ok((parent, root));
            }
        }
    }
    let (repo, collection, rkey) = parse_at_uri(&target.external_id).ok_or_else(|| {
        PlatformError::Permanent(format!(
            "`{}` is not a Bluesky post URI",
            target.external_id
        ))
    })?;
    let answer = conn
        .call("getRecord", || {
            Call::get("com.atproto.repo.getRecord")
                .param("repo", repo)
                .param("collection", collection)
                .param("rkey", rkey)
        })
        .await?;
    let parent = StrongRef::from_json(Some(&answer))
        .ok_or_else(|| PlatformError::Malformed("getRecord: no uri/cid".into()))?;
    let root =
        StrongRef::from_json(answer.pointer("/value/reply/root")).unwrap_or_else(|| parent.clone());
    Ok((parent, root))
}

/// Facets for the links and resolvable @mentions in `text`.
pub async fn facets(conn: &BlueskyConnector, body: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for span in text::spans(body) {
        match span {
            text::Span::Link { start, end, uri } => out.push(text::link_facet(start, end, &uri)),
            text::Span::Mention { start, end, handle } => {
                let resolved = conn
                    .call("resolveHandle", || {
                        Call::get("com.atproto.identity.resolveHandle")
                            .param("handle", handle.clone())
                    })
                    .await;
                match resolved
                    .ok()
                    .and_then(|v| v.get("did").and_then(Value::as_str).map(str::to_string))
                {
                    Some(did) => out.push(text::mention_facet(start, end, &did)),
                    None => tracing::debug!("mention without a resolvable handle left as text"),
                }
            }
        }
    }
    out
}

pub fn check_length(body: &str) -> Result<(), PlatformError> {
    let n = text::grapheme_count(body);
    if n > text::MAX_GRAPHEMES {
        return Err(PlatformError::Permanent(format!(
            "the reply is {n} graphemes; Bluesky allows {}",
            text::MAX_GRAPHEMES
        )));
    }
    if body.len() > text::MAX_BYTES {
        return Err(PlatformError::Permanent(format!(
            "the reply is {} bytes; Bluesky allows {}",
            body.len(),
            text::MAX_BYTES
        )));
    }
    if body.trim().is_empty() {
        return Err(PlatformError::Permanent("the reply is empty".into()));
    }
    Ok(())
}

/// Returns the URI of the brand's post with `rkey`, if it exists.
pub async fn existing(
    conn: &BlueskyConnector,
    did: &str,
    rkey: &str,
) -> Result<Option<String>, PlatformError> {
    let answer = conn
        .call_raw(|| {
            Call::get("com.atproto.repo.getRecord")
                .param("repo", did)
                .param("collection", POST)
                .param("rkey", rkey)
        })
        .await;
    match answer {
        Ok(v) => Ok(Some(
            v.get("uri")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("at://{did}/{POST}/{rkey}")),
        )),
        Err(e) if e.is_named("RecordNotFound") => Ok(None),
        Err(e) => Err(e.into_platform("getRecord")),
    }
}

/// The PDS accepts a reply to a deleted post (it would stand alone, an orphan), so the
/// parent is looked up first: `getPosts` leaves out posts that are gone. Only a clear
/// "not there" stops the reply; a failed lookup leaves the decision to `createRecord`.
async fn ensure_exists(conn: &BlueskyConnector, uri: &str) -> Result<(), PlatformError> {
    let answer = conn
        .call_raw(|| Call::get("app.bsky.feed.getPosts").param("uris", uri.to_string()))
        .await;
    match answer {
        Ok(v) => match v.get("posts").and_then(Value::as_array) {
            Some(posts) if posts.is_empty() => Err(PlatformError::NotFound(format!(
                "the post replied to ({uri}) was deleted on Bluesky"
            ))),
            _ => Ok(()),
        },
        Err(e) => {
            tracing::debug!(error = ?e, "getPosts before a reply failed; replying anyway");
            Ok(())
        }
    }
}

pub async fn reply(
    conn: &BlueskyConnector,
    target: &Target,
    body: &str,
    idempotency_key: &str,
) -> Result<String, PlatformError> {
    check_length(body)?;
    let me = conn.me().await?;
    let rkey = tid::from_key(idempotency_key);
    if let Some(uri) = existing(conn, &me.did, &rkey).await? {
        tracing::info!(%uri, "Bluesky reply already posted by an earlier attempt");
        return Ok(uri);
    }
    let (parent, root) = thread_refs(conn, target).await?;
    ensure_exists(conn, &parent.uri).await?;
    let mut record = json!({
        "$type": POST,
        "text": body,
        "createdAt": now_rfc3339(),
        "reply": {"root": root.json(), "parent": parent.json()},
    });
    let facets = facets(conn, body).await;
    if !facets.is_empty() {
        record["facets"] = Value::Array(facets);
    }
    let answer = conn
        .call("createRecord", || {
            Call::post(
                "com.atproto.repo.createRecord",
                json!({"repo": me.did, "collection": POST, "rkey": rkey, "record": record}),
            )
        })
        .await;
    match answer {
        Ok(v) => v
            .get("uri")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| PlatformError::Malformed("createRecord: no uri".into())),
        // A 500 here can mean the rkey exists after all (a race with an earlier attempt).
        Err(PlatformError::Transient(e)) => match existing(conn, &me.did, &rkey).await {
            Ok(Some(uri)) => Ok(uri),
            _ => Err(PlatformError::Transient(e)),
        },
        Err(e) => Err(e),
    }
}

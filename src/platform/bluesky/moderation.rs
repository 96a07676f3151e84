//! Moderation on Bluesky: hide/unhide a reply through the thread's threadgate (only on the
//! brand's own threads), mute, mute thread, block (a graph record), report, delete own post.

use serde_json::{json, Value};

use super::xrpc::Call;
use super::{now_rfc3339, parse_at_uri, BlueskyConnector};
use crate::domain::ItemKind;
use crate::platform::kinds;
use crate::platform::{ItemFacts, ModerationAction, PlatformError, Target};

/// Whether Bluesky accepts `kind` on this item (the menu offers nothing else):
/// - `hide`, `unhide`: a reply in a thread the brand started (the thread's threadgate
///   `hiddenReplies` belongs to the root's author); never a top-level mention or a DM;
/// - `delete`: only the brand's own records (`deleteRecord` on its own repo);
/// - `block`, `mute`, `report`: someone else's post or DM;
/// - `mute-thread`: a public thread (a DM has none).
pub fn allows(facts: &ItemFacts, kind: &str) -> bool {
    let dm = facts.kind == ItemKind::Dm;
    match kind {
        kinds::HIDE | kinds::UNHIDE => facts.reply && facts.in_own_thread && !facts.own() && !dm,
        kinds::DELETE => facts.own(),
        kinds::BLOCK | kinds::MUTE | kinds::REPORT => !facts.own(),
        kinds::MUTE_THREAD => !dm,
        _ => false,
    }
}

const THREADGATE: &str = "app.bsky.feed.threadgate";

pub async fn moderate(
    conn: &BlueskyConnector,
    target: &Target,
    action: ModerationAction,
) -> Result<(), PlatformError> {
    let me = conn.me().await?;
    match action {
        ModerationAction::Hide => set_hidden(conn, &me.did, target, true).await,
        ModerationAction::Unhide => set_hidden(conn, &me.did, target, false).await,
        ModerationAction::MuteAuthor => {
            conn.call("muteActor", || {
                Call::post(
                    "app.bsky.graph.muteActor",
                    json!({"actor": target.author_external_id}),
                )
            })
            .await?;
            Ok(())
        }
        ModerationAction::MuteThread => {
            let root = thread_root(target);
            conn.call("muteThread", || {
                Call::post("app.bsky.graph.muteThread", json!({"root": root}))
            })
            .await?;
            Ok(())
        }
        ModerationAction::BlockAuthor => {
            let record = json!({
                "$type": "app.bsky.graph.block",
                "subject": target.author_external_id,
                "createdAt": now_rfc3339(),
            });
            conn.call("block", || {
                Call::post(
                    "com.atproto.repo.createRecord",
                    json!({"repo": me.did, "collection": "app.bsky.graph.block", "record": record}),
                )
            })
            .await?;
            Ok(())
        }
        ModerationAction::Report { category, reason } => {
            let subject = match (target.kind, post_ref(target)) {
                (crate::domain::ItemKind::Dm, _) | (_, None) => json!({
                    "$type": "com.atproto.admin.defs#repoRef",
                    "did": target.author_external_id,
                }),
                (_, Some((uri, cid))) => json!({
                    "$type": "com.atproto.repo.strongRef",
                    "uri": uri,
                    "cid": cid,
                }),
            };
            let body = json!({
                "reasonType": reason_type(&category),
                "reason": reason,
                "subject": subject,
            });
            conn.call("createReport", || {
                Call::post("com.atproto.moderation.createReport", body.clone())
            })
            .await?;
            Ok(())
        }
        ModerationAction::Delete => {
            let (repo, collection, rkey) = parse_at_uri(&target.external_id)
                .filter(|(repo, _, _)| *repo == me.did)
                .ok_or_else(|| {
                    PlatformError::Permanent(
                        "on Bluesky hark can delete only the brand's own posts".into(),
                    )
                })?;
            conn.call("deleteRecord", || {
                Call::post(
                    "com.atproto.repo.deleteRecord",
                    json!({"repo": repo, "collection": collection, "rkey": rkey}),
                )
            })
            .await?;
            Ok(())
        }
        ModerationAction::Approve => Err(PlatformError::Unsupported("approving")),
        ModerationAction::KickAuthor => Err(PlatformError::Unsupported("kicking")),
        ModerationAction::AcceptRequest { .. } | ModerationAction::DismissRequest { .. } => Err(
            PlatformError::Unsupported("answering notification requests"),
        ),
        ModerationAction::DismissNotification => {
            Err(PlatformError::Unsupported("dismissing notifications"))
        }
    }
}

/// The categories offered when reporting, one per `com.atproto.moderation.defs#reason*`.
pub const REPORT_CATEGORIES: &[(&str, &str)] = &[
    ("spam", "spam or unwanted promotion"),
    ("violation", "breaks the rules (harassment, threats)"),
    ("misleading", "misleading, a scam or impersonation"),
    ("sexual", "unlabelled sexual content"),
    ("rude", "rude or uncivil"),
    ("other", "something else"),
];

/// The lexicon's report reason for hark's category names.
pub fn reason_type(category: &str) -> &'static str {
    match category.to_ascii_lowercase().as_str() {
        "spam" => "com.atproto.moderation.defs#reasonSpam",
        "violation" | "abuse" | "harassment" => "com.atproto.moderation.defs#reasonViolation",
        "misleading" | "scam" => "com.atproto.moderation.defs#reasonMisleading",
        "sexual" | "nsfw" => "com.atproto.moderation.defs#reasonSexual",
        "rude" => "com.atproto.moderation.defs#reasonRude",
        _ => "com.atproto.moderation.defs#reasonOther",
    }
}

fn raw(target: &Target) -> Option<Value> {
    serde_json::from_str(target.raw_json.as_deref()?).ok()
}

fn post_ref(target: &Target) -> Option<(String, String)> {
    let raw = raw(target)?;
    let uri = raw.get("uri")?.as_str()?;
    (uri == target.external_id)
        .then(|| Some((uri.to_string(), raw.get("cid")?.as_str()?.to_string())))?
}

fn thread_root(target: &Target) -> String {
    raw(target)
        .and_then(|r| {
            r.pointer("/record/reply/root/uri")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .or_else(|| target.thread_external_id.clone())
        .unwrap_or_else(|| target.external_id.clone())
}

/// Adds or removes the target in `hiddenReplies` of its thread's threadgate, keeping the
/// rest of an existing threadgate (who may reply) as it is.
async fn set_hidden(
    conn: &BlueskyConnector,
    me: &str,
    target: &Target,
    hide: bool,
) -> Result<(), PlatformError> {
    let root = thread_root(target);
    if root == target.external_id {
        return Err(PlatformError::Permanent(
            "only replies can be hidden on Bluesky".into(),
        ));
    }
    let (repo, _, root_rkey) = parse_at_uri(&root)
        .ok_or_else(|| PlatformError::Permanent(format!("`{root}` is not a Bluesky post URI")))?;
    if repo != me {
        return Err(PlatformError::Permanent(
            "Bluesky lets the brand hide replies only in threads it started".into(),
        ));
    }
    let existing = conn
        .call_raw(|| {
            Call::get("com.atproto.repo.getRecord")
                .param("repo", me)
                .param("collection", THREADGATE)
                .param("rkey", root_rkey)
        })
        .await;
    let (mut gate, swap) = match existing {
        Ok(v) => {
            let value = v
                .get("value")
                .filter(|g| g.is_object())
                .cloned()
                .ok_or_else(|| {
                    PlatformError::Malformed("getRecord: the threadgate has no value".into())
                })?;
            (
                value,
                v.get("cid").and_then(Value::as_str).map(str::to_string),
            )
        }
        Err(e) if e.is_named("RecordNotFound") => {
            // No `allow` key: everyone may still reply (an empty list would mean no one).
            (
                json!({"$type": THREADGATE, "post": root, "createdAt": now_rfc3339()}),
                None,
            )
        }
        Err(e) => return Err(e.into_platform("getRecord threadgate")),
    };
    let mut hidden: Vec<Value> = gate
        .get("hiddenReplies")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let uri = Value::String(target.external_id.clone());
    if hide {
        if hidden.contains(&uri) {
            return Ok(());
        }
        hidden.push(uri);
    } else {
        if !hidden.contains(&uri) {
            return Ok(());
        }
        hidden.retain(|u| *u != uri);
    }
    gate["hiddenReplies"] = Value::Array(hidden);
    let mut body = json!({"repo": me, "collection": THREADGATE, "rkey": root_rkey, "record": gate});
    if let Some(cid) = swap {
        // Fails instead of overwriting if someone changed the threadgate meanwhile.
        body["swapRecord"] = Value::String(cid);
    }
    conn.call("putRecord threadgate", || {
        Call::post("com.atproto.repo.putRecord", body.clone())
    })
    .await?;
    Ok(())
}

#[cfg(test)]
mod category_tests {
    use super::{reason_type, REPORT_CATEGORIES};

    #[test]
    fn every_offered_category_is_its_own_lexicon_reason() {
        let mut reasons: Vec<&str> = REPORT_CATEGORIES
            .iter()
            .map(|(name, _)| reason_type(name))
            .collect();
        reasons.sort_unstable();
        reasons.dedup();
        assert_eq!(reasons.len(), 6);
        assert!(reasons.contains(&"com.atproto.moderation.defs#reasonRude"));
    }
}

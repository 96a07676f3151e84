//! Follower counts via `app.bsky.actor.getProfiles`, 25 actors a call, cached for hours
//! (notifications carry only the basic profile, without counts).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::xrpc::Call;
use super::BlueskyConnector;

/// getProfiles takes at most this many actors.
const BATCH: usize = 25;
const TTL: Duration = Duration::from_secs(6 * 3600);

#[derive(Default)]
pub struct ProfileCache {
    entries: Mutex<HashMap<String, (Option<i64>, Instant)>>,
}

impl ProfileCache {
    fn fresh(&self, did: &str) -> Option<Option<i64>> {
        let entries = self.entries.lock().expect("profile cache lock");
        entries
            .get(did)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(f, _)| *f)
    }

    fn put(&self, did: String, followers: Option<i64>) {
        let mut entries = self.entries.lock().expect("profile cache lock");
        if entries.len() > 50_000 {
            entries.retain(|_, (_, at)| at.elapsed() < TTL);
        }
        entries.insert(did, (followers, Instant::now()));
    }
}

/// Follower counts for `dids`. A failed lookup leaves counts unknown rather than failing
/// the poll: the items matter more than their authors' reach.
pub async fn followers(conn: &BlueskyConnector, dids: &[String]) -> HashMap<String, Option<i64>> {
    let mut out = HashMap::new();
    let mut missing: Vec<String> = Vec::new();
    for did in dids {
        if out.contains_key(did) || missing.contains(did) {
            continue;
        }
        match conn.profiles.fresh(did) {
            Some(f) => {
                out.insert(did.clone(), f);
            }
            None => missing.push(did.clone()),
        }
    }
    for batch in missing.chunks(BATCH) {
        let answer = conn
            .call("getProfiles", || {
                let mut call = Call::get("app.bsky.actor.getProfiles");
                for did in batch {
                    call = call.param("actors", did.clone());
                }
                call
            })
            .await;
        match answer {
            Ok(v) => {
                for p in v
                    .get("profiles")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(did) = p.get("did").and_then(Value::as_str) {
                        let count = p.get("followersCount").and_then(Value::as_i64);
                        conn.profiles.put(did.to_string(), count);
                        out.insert(did.to_string(), count);
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "Bluesky getProfiles failed; follower counts unknown")
            }
        }
    }
    out
}

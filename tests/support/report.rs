//! A fixture cache for the report tests, built through the store's real ingest and
//! set_state, with direct inserts for what other features write (outbox, escalations,
//! notes, tags, events).

use hark::domain::{ItemKind, ItemState, NewAuthor, NewItem, SentimentLabel};
use hark::store::ingest::{self, AutoSentiment, Incoming};
use hark::store::{state, Writer};
use rusqlite::Connection;

/// Monday 2026-11-16 00:00 in Madrid (UTC+1): the start of 2026-W47.
pub const W47: i64 = 1_794_783_600;

/// Local Madrid time in November 2026 (UTC+1, no DST change): day of month, hour, minute.
pub fn nov(day: i64, hour: i64, minute: i64) -> i64 {
    W47 + (day - 16) * 86_400 + hour * 3600 + minute * 60
}

pub struct Fixture {
    _dir: tempfile::TempDir,
    pub path: std::path::PathBuf,
    pub writer: Writer,
}

pub struct Post<'a> {
    pub id: &'a str,
    pub kind: ItemKind,
    pub author: &'a str,
    pub body: &'a str,
    pub at: i64,
    pub auto: Option<SentimentLabel>,
    /// The detected language; `None` stores it unknown.
    pub lang: Option<&'a str>,
}

pub fn post<'a>(
    id: &'a str,
    kind: ItemKind,
    author: &'a str,
    at: i64,
    auto: Option<SentimentLabel>,
    body: &'a str,
) -> Post<'a> {
    Post {
        id,
        kind,
        author,
        body,
        at,
        auto,
        lang: None,
    }
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hark.db");
        let writer = Writer::spawn(&path).unwrap();
        Fixture {
            _dir: dir,
            path,
            writer,
        }
    }

    /// Stores `posts` on the account named after `platform`; returns their ids in order.
    pub fn ingest(&self, platform: &str, posts: &[Post]) -> Vec<i64> {
        self.ingest_on(platform, platform, posts)
    }

    /// Stores `posts` on the account `account` of `platform` (a platform may have several).
    pub fn ingest_on(&self, account: &str, platform: &str, posts: &[Post]) -> Vec<i64> {
        let account_name = account.to_string();
        let platform = platform.to_string();
        let incoming: Vec<Incoming> = posts
            .iter()
            .map(|p| Incoming {
                item: NewItem {
                    external_id: p.id.into(),
                    kind: p.kind,
                    parent_external_id: None,
                    thread_external_id: None,
                    author: NewAuthor {
                        external_id: p.author.to_lowercase(),
                        handle: p.author.into(),
                        display_name: p.author.trim_start_matches('@').into(),
                        followers: Some(10),
                    },
                    body: p.body.into(),
                    url: Some(format!("https://{platform}.example/{}", p.id)),
                    created_at: p.at,
                    raw_json: None,
                    room: None,
                },
                sentiment: p.auto.map(|label| AutoSentiment {
                    compound: match label {
                        SentimentLabel::Positive => 0.6,
                        SentimentLabel::Neutral => 0.0,
                        SentimentLabel::Negative => -0.6,
                    },
                    label,
                }),
                lang: p.lang.map(str::to_string),
            })
            .collect();
        self.writer
            .handle()
            .call_blocking(move |c| {
                let account = ingest::ensure_account(c, &account_name, &platform, "@brand")?;
                Ok(ingest::ingest(c, account, &incoming, None, 0)?.inserted)
            })
            .unwrap()
    }

    pub fn set_state(&self, id: i64, to: ItemState, at: i64) {
        self.writer
            .handle()
            .call_blocking(move |c| state::set_state(c, &[id], to, None, state::ACTOR_USER, at))
            .unwrap();
    }

    /// Runs SQL with parameters on the writer's connection.
    pub fn exec(&self, sql: &'static str, values: Vec<rusqlite::types::Value>) {
        self.writer
            .handle()
            .call_blocking(move |c| {
                c.execute(sql, rusqlite::params_from_iter(values))?;
                Ok(())
            })
            .unwrap();
    }

    pub fn first_response(&self, id: i64, at: i64) {
        self.exec(
            "UPDATE items SET first_response_at = ?2 WHERE id = ?1",
            vec![id.into(), at.into()],
        );
    }

    pub fn manual(&self, id: i64, label: &str) {
        self.exec(
            "UPDATE items SET sentiment_manual = ?2 WHERE id = ?1",
            vec![id.into(), label.to_string().into()],
        );
    }

    pub fn outbox(&self, id: i64, kind: &str, state: &str, created: i64, sent: Option<i64>) {
        self.exec(
            "INSERT INTO outbox (item_id, account_id, kind, payload, idempotency_key, state,
                 next_attempt_at, created_at, sent_at)
             SELECT ?1, account_id, ?2, '{}', ?2 || '-' || ?1 || '-' || ?4, ?3, ?4, ?4, ?5
             FROM items WHERE id = ?1",
            vec![
                id.into(),
                kind.to_string().into(),
                state.to_string().into(),
                created.into(),
                sent.into(),
            ],
        );
    }

    pub fn event(&self, id: i64, at: i64, kind: &str, actor: &str, detail: &str) {
        self.exec(
            "INSERT INTO events (item_id, at, kind, actor, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            vec![
                id.into(),
                at.into(),
                kind.to_string().into(),
                actor.to_string().into(),
                detail.to_string().into(),
            ],
        );
    }

    pub fn reader(&self) -> Connection {
        hark::store::open_ro(&self.path).unwrap()
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Fixture::new()
    }
}

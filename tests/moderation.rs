//! Rules on ingest, moderation through the outbox, tags, notes, the spike rule against
//! the store, `rules test` and the export: the cache as the CM's tools leave it.

use std::sync::Arc;

use hark::config::Config;
use hark::domain::{ItemKind, NewAuthor, NewItem};
use hark::ingest::Pipeline;
use hark::rules::apply::{dry_run, Engine};
use hark::store::ingest::{self, Incoming};
use hark::store::moderation;
use hark::store::read::ListQuery;
use hark::store::{Reader, View, Writer};

const NOW: i64 = 1_764_000_000;

/// The process that claims rows in these tests (the worker's lease owner).
static OWNER: std::sync::LazyLock<hark::outbox::lease::Owner> =
    std::sync::LazyLock::new(hark::outbox::lease::Owner::new);
const LEASE: i64 = hark::store::outbox::LEASE_SECS;

fn item(id: &str, handle: &str, followers: i64, body: &str, at: i64) -> Incoming {
    Incoming::from(NewItem {
        external_id: id.into(),
        kind: ItemKind::Mention,
        parent_external_id: None,
        thread_external_id: None,
        author: NewAuthor {
            external_id: format!("u-{handle}"),
            handle: handle.into(),
            display_name: handle.trim_start_matches('@').into(),
            followers: Some(followers),
        },
        body: body.into(),
        url: None,
        created_at: at,
        raw_json: None,
        room: None,
    })
}

const RULES: &str = r#"
[[rule]]
name = "link spam"
all = { contains_link = true, followers_below = 50 }
then = { tag = ["spam"], spam = true, hide = true }

[[rule]]
name = "scam words"
any = { keywords = ["airdrop", "gift card winner"] }
then = { tag = ["spam"], hide = true }

[[rule]]
name = "crisis"
any = { keywords = ["food poisoning", "lawsuit"] }
then = { tag = ["crisis"], flag = { severity = "critical", reason = "health or legal claim" } }

[[rule]]
name = "cheers"
all = { only_emoji = true }
then = { tag = ["cheer"], done = true }

[escalation.protocol.critical]
notify_command = "true"
webhook = "http://127.0.0.1:1/hook"
checklist = ["call the SMM"]
"#;

struct Cache {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    writer: Writer,
    account: i64,
    pipeline: Arc<Pipeline>,
}

fn cache(config: &str) -> Cache {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hark.db");
    let writer = Writer::spawn(&path).unwrap();
    let account = writer
        .handle()
        .call_blocking(|c| ingest::ensure_account(c, "brand", "chirp", "@brand"))
        .unwrap();
    let config = Config::parse(config, std::path::Path::new("config.toml")).unwrap();
    let engine = Engine::new(&config.rules, &config.escalation).unwrap();
    Cache {
        _dir: dir,
        path,
        writer,
        account,
        pipeline: Arc::new(Pipeline::default().with_rules(Arc::new(engine))),
    }
}

impl Cache {
    fn ingest(&self, items: Vec<Incoming>, now: i64) -> Vec<i64> {
        let (account, pipeline) = (self.account, self.pipeline.clone());
        self.writer
            .handle()
            .call_blocking(move |c| pipeline.store(c, account, &items, None, now))
            .unwrap()
            .inserted
    }

    fn rows<T: rusqlite::types::FromSql + Send + 'static>(&self, sql: &'static str) -> Vec<T> {
        self.writer
            .handle()
            .call_blocking(move |c| {
                Ok(c.prepare(sql)?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<Vec<T>>>()?)
            })
            .unwrap()
    }

    fn count(&self, view: View) -> u64 {
        Reader::open(&self.path)
            .unwrap()
            .count(&ListQuery::view(view))
            .unwrap()
    }
}

#[test]
fn rules_apply_on_ingest_and_every_action_names_its_rule() {
    let cache = cache(RULES);
    let ids = cache.ingest(
        vec![
            item(
                "1",
                "@btc_drop",
                3,
                "FREE airdrop at http://btc.example.xyz/claim",
                NOW - 50,
            ),
            item(
                "2",
                "@dana",
                48_000,
                "readers report food poisoning after the cold brew",
                NOW - 40,
            ),
            item("3", "@fan", 300, "😍☕", NOW - 30),
            item("4", "@sam", 300, "what are your opening hours?", NOW - 20),
        ],
        NOW,
    );
    assert_eq!(ids.len(), 4);

    // Both spam rules matched item 1 (every rule applies, not just the first) but only
    // one hide goes out.
    let actors: Vec<String> = cache.rows(
        "SELECT kind || ' ' || actor || ' ' || coalesce(to_state, detail, '') FROM events
         WHERE actor LIKE 'rule:%' ORDER BY id",
    );
    let has = |s: &str| actors.iter().any(|a| a.contains(s));
    assert!(
        has("tag rule:link spam {\"op\":\"add\",\"tag\":\"spam\"}")
            || has("tag rule:link spam {\"tag\":\"spam\",\"op\":\"add\"}"),
        "{actors:#?}"
    );
    assert!(
        has("moderation rule:link spam {\"action\":\"spam\"}"),
        "{actors:#?}"
    );
    assert!(
        has("moderation rule:link spam {\"action\":\"hide\""),
        "{actors:#?}"
    );
    // The hide waits for the platform: the item is hidden when the outbox confirms it.
    assert!(!has("state rule:link spam hidden"), "{actors:#?}");
    assert!(has("tag rule:crisis"), "{actors:#?}");
    assert!(has("escalation rule:crisis"), "{actors:#?}");
    assert!(has("state rule:cheers done"), "{actors:#?}");
    assert!(
        !actors
            .iter()
            .any(|a| a.contains("rule:scam words") && a.contains("hide")),
        "one hide per item: {actors:#?}"
    );

    let outbox: Vec<String> =
        cache.rows("SELECT kind || ' ' || state || ' ' || item_id FROM outbox");
    assert_eq!(outbox, vec![format!("hide queued {}", ids[0])]);
    let spam: Vec<i64> = cache.rows("SELECT id FROM items WHERE spam = 1");
    assert_eq!(spam, vec![ids[0]]);
    let escalations: Vec<String> =
        cache.rows("SELECT severity || ' ' || source || ' ' || reason FROM escalations");
    assert_eq!(
        escalations,
        vec!["critical rule:crisis health or legal claim"]
    );
    let notifications: Vec<String> =
        cache.rows("SELECT channel || ' ' || state FROM notifications ORDER BY id");
    assert_eq!(notifications, vec!["command pending", "webhook pending"]);

    // The done cheer left the Inbox; the spam stays until the platform confirms its hide.
    assert_eq!(cache.count(View::Inbox), 3);
    assert_eq!(cache.count(View::All), 4);
    assert_eq!(cache.count(View::Escalated), 1);
    assert_eq!(cache.count(View::Tag("spam".into())), 1);
}

#[test]
fn items_already_stored_are_not_ruled_again() {
    let cache = cache(RULES);
    let first = vec![item("1", "@x", 3, "airdrop http://a.example.xyz", NOW)];
    cache.ingest(first.clone(), NOW);
    cache.ingest(first, NOW + 60);
    let tags: Vec<i64> = cache.rows("SELECT count(*) FROM events WHERE kind = 'tag'");
    assert_eq!(tags, vec![1]);
}

#[test]
fn a_moderation_action_is_a_queued_outbox_row_and_changes_the_item_only_when_confirmed() {
    let cache = cache("");
    let ids = cache.ingest(
        vec![
            item("1", "@troll", 10, "you are all idiots", NOW),
            item("2", "@troll", 10, "idiots", NOW + 1),
        ],
        NOW,
    );
    let for_write = ids.clone();
    let outbox = cache
        .writer
        .handle()
        .call_blocking(move |c| {
            moderation::queue(
                c,
                &for_write,
                "delete",
                &serde_json::json!({}),
                "user",
                NOW + 5,
            )
        })
        .unwrap();
    assert_eq!(outbox.len(), 2);
    let rows: Vec<String> = cache.rows(
        "SELECT item_id || ' ' || account_id || ' ' || kind || ' ' || payload || ' ' || state || ' ' || attempts || ' ' || next_attempt_at || ' ' || created_at FROM outbox ORDER BY id",
    );
    assert_eq!(
        rows,
        vec![
            format!(
                "{} {} delete {{}} queued 0 {} {}",
                ids[0],
                cache.account,
                NOW + 5,
                NOW + 5
            ),
            format!(
                "{} {} delete {{}} queued 0 {} {}",
                ids[1],
                cache.account,
                NOW + 5,
                NOW + 5
            ),
        ]
    );
    let keys: Vec<String> = cache.rows("SELECT idempotency_key FROM outbox");
    assert_ne!(keys[0], keys[1], "a fresh idempotency key per row");
    let events: Vec<String> = cache.rows(
        "SELECT kind || ' ' || actor || ' ' || coalesce(detail, from_state || '>' || to_state) FROM events ORDER BY id",
    );
    assert!(
        events.contains(&format!(
            "moderation user {{\"action\":\"delete\",\"outbox_id\":{}}}",
            outbox[0]
        )),
        "{events:#?}"
    );
    // Pending: the posts are still public, so the items stay in the Inbox.
    assert!(
        !events.iter().any(|e| e.starts_with("state")),
        "{events:#?}"
    );
    assert_eq!(cache.count(View::Inbox), 2);
    // The platform confirms: now they are deleted here too.
    cache
        .writer
        .handle()
        .call_blocking(|c| {
            for job in hark::store::outbox::claim_due_except(c, NOW + 6, 16, &[], &OWNER, LEASE)? {
                hark::store::outbox::mark_sent(c, job.id, &OWNER, None, NOW + 6)?;
            }
            Ok(())
        })
        .unwrap();
    let events: Vec<String> = cache.rows(
        "SELECT kind || ' ' || actor || ' ' || coalesce(detail, from_state || '>' || to_state) FROM events ORDER BY id",
    );
    assert!(
        events.contains(&"state outbox new>deleted".to_string()),
        "{events:#?}"
    );
    // `u` does not revert what the platform did.
    let undone = cache
        .writer
        .handle()
        .call_blocking(|c| hark::store::state::undo_last(c, NOW + 6))
        .unwrap();
    assert_eq!(undone, None);
    assert_eq!(cache.count(View::Inbox), 0);
    assert_eq!(cache.count(View::All), 2);

    // A report carries its reason; unhide brings back only hidden items.
    let one = vec![ids[0]];
    cache
        .writer
        .handle()
        .call_blocking(move |c| {
            moderation::queue(
                c,
                &one,
                "report",
                &serde_json::json!({"category": "other", "reason": "abuse"}),
                "user",
                NOW + 9,
            )?;
            moderation::queue(c, &one, "unhide", &serde_json::json!({}), "user", NOW + 9)
        })
        .unwrap();
    let report: Vec<String> = cache.rows("SELECT payload FROM outbox WHERE kind = 'report'");
    assert_eq!(report, vec![r#"{"category":"other","reason":"abuse"}"#]);
    let states: Vec<String> = cache.rows("SELECT state FROM items ORDER BY id");
    assert_eq!(states, vec!["deleted", "deleted"]);
}

/// The list row of `id` as the Inbox reads it, if it is there.
/// The CM's reply "yes" to `item`, queued at `NOW`.
fn queue_reply(c: &mut rusqlite::Connection, item: i64) -> hark::store::Result<i64> {
    hark::store::outbox::enqueue(
        c,
        item,
        "reply",
        &serde_json::json!({"text": "yes"}),
        None,
        "user",
        NOW,
    )
}

fn inbox_row(cache: &Cache, id: i64) -> Option<hark::store::read::ItemRow> {
    let reader = Reader::open(&cache.path).unwrap();
    reader
        .page(
            &ListQuery::view(View::Inbox),
            None,
            hark::store::read::Direction::Older,
            50,
        )
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
}

#[test]
fn a_refused_moderation_action_leaves_the_item_where_it_was_with_the_reason() {
    let cache = cache("");
    let ids = cache.ingest(
        vec![item("1", "@troll", 10, "you are all idiots", NOW)],
        NOW,
    );
    let id = ids[0];
    let one = ids.clone();
    cache
        .writer
        .handle()
        .call_blocking(move |c| {
            moderation::queue(c, &one, "hide", &serde_json::json!({}), "user", NOW)
        })
        .unwrap();
    let row = inbox_row(&cache, id).expect("a pending hide keeps the item in the Inbox");
    assert_eq!(row.marks.pending.as_deref(), Some("hide"));
    assert_eq!(row.state, hark::domain::ItemState::New);
    cache
        .writer
        .handle()
        .call_blocking(|c| {
            let job =
                hark::store::outbox::claim_due_except(c, NOW + 1, 1, &[], &OWNER, LEASE)?.remove(0);
            hark::store::outbox::mark_failed(
                c,
                job.id,
                &OWNER,
                "the platform refused: only replies can be hidden on Bluesky",
                NOW + 1,
            )
        })
        .unwrap();
    let row = inbox_row(&cache, id).expect("a refused hide leaves the item in the Inbox");
    assert_eq!(row.state, hark::domain::ItemState::New);
    assert_eq!(row.marks.pending, None);
    let (kind, reason) = row.marks.refused.expect("the refusal is on the item");
    assert_eq!(kind, "hide");
    assert!(reason.contains("only replies can be hidden"), "{reason}");
    let hidden: Vec<String> = cache.rows("SELECT state FROM items");
    assert_eq!(hidden, vec!["new"]);
}

#[test]
fn a_failed_reply_returns_to_needs_reply_and_an_auth_failure_is_retried_when_the_account_works() {
    let cache = cache("");
    let ids = cache.ingest(vec![item("1", "@sam", 10, "is it open today?", NOW)], NOW);
    let id = ids[0];
    let account = cache.account;
    cache
        .writer
        .handle()
        .call_blocking(move |c| {
            queue_reply(c, id)?;
            let job =
                hark::store::outbox::claim_due_except(c, NOW + 1, 1, &[], &OWNER, LEASE)?.remove(0);
            hark::store::outbox::mark_failed(
                c,
                job.id,
                &OWNER,
                "authentication failed: HTTP 401",
                NOW + 1,
            )?;
            hark::outbox::truth::set_failure(c, job.id, hark::outbox::truth::FAILURE_AUTH)
        })
        .unwrap();
    assert_eq!(cache.count(View::NeedsReply), 1, "back in Needs reply");
    let row = inbox_row(&cache, id).unwrap();
    assert!(row.marks.reply_failed, "the list marks the failed reply");
    // A later call on the account works: the row goes again, with its key.
    let requeued = cache
        .writer
        .handle()
        .call_blocking(move |c| hark::outbox::truth::requeue_auth_failed(c, account, NOW + 60))
        .unwrap();
    assert_eq!(requeued, 1);
    let rows: Vec<String> = cache.rows("SELECT state FROM outbox");
    assert_eq!(rows, vec!["queued"]);
    assert_eq!(
        cache.count(View::NeedsReply),
        0,
        "answered again while it goes out"
    );
}

/// A reply and a moderation action enter the outbox the same way: one key generator, so
/// every row's idempotency key has one form (128 random bits) and none repeats.
#[test]
fn replies_and_moderation_actions_get_idempotency_keys_of_one_form() {
    let cache = cache("");
    let ids = cache.ingest(
        vec![
            item("1", "@sam", 10, "is it open today?", NOW),
            item("2", "@troll", 10, "idiots", NOW + 1),
        ],
        NOW,
    );
    let (reply_on, moderate) = (ids[0], ids[1]);
    cache
        .writer
        .handle()
        .call_blocking(move |c| {
            queue_reply(c, reply_on)?;
            moderation::queue(c, &[moderate], "block", &serde_json::json!({}), "user", NOW)
        })
        .unwrap();
    let keys: Vec<String> =
        cache.rows("SELECT kind || ' ' || idempotency_key FROM outbox ORDER BY id");
    assert_eq!(keys.len(), 2, "{keys:?}");
    for row in &keys {
        let key = row.split(' ').nth(1).unwrap();
        let bits = key.strip_prefix("hark-").unwrap_or("");
        assert!(
            bits.len() == 32 && bits.chars().all(|c| c.is_ascii_hexdigit()),
            "{keys:?}"
        );
    }
}

#[test]
fn tags_and_notes() {
    let cache = cache("");
    let ids = cache.ingest(
        vec![
            item("1", "@a", 10, "please add oat milk", NOW),
            item("2", "@b", 10, "and decaf", NOW + 1),
        ],
        NOW,
    );
    let both = ids.clone();
    let first = ids[0];
    cache
        .writer
        .handle()
        .call_blocking(move |c| {
            assert_eq!(
                moderation::set_tag(c, &both, "#Feedback", false, "user", NOW)?,
                2
            );
            assert_eq!(
                moderation::set_tag(c, &both, "feedback", false, "user", NOW)?,
                0
            );
            assert_eq!(
                moderation::set_tag(c, &[both[1]], "feedback", true, "user", NOW)?,
                1
            );
            moderation::add_note(c, first, "asked the menu team", NOW)?;
            assert!(moderation::add_note(c, first, "  ", NOW).is_err());
            Ok(())
        })
        .unwrap();
    let events: Vec<String> = cache.rows("SELECT kind || ' ' || detail FROM events ORDER BY id");
    assert_eq!(
        events[..3],
        [
            "tag {\"op\":\"add\",\"tag\":\"feedback\"}".to_string(),
            "tag {\"op\":\"add\",\"tag\":\"feedback\"}".to_string(),
            "tag {\"op\":\"remove\",\"tag\":\"feedback\"}".to_string(),
        ]
    );
    assert!(events[3].starts_with("note {\"note_id\":"));
    let reader = Reader::open(&cache.path).unwrap();
    let info = moderation::info(reader.conn(), first).unwrap();
    assert_eq!(info.notes, vec![(NOW, "asked the menu team".to_string())]);
    assert_eq!(
        moderation::tags_in_use(reader.conn()).unwrap(),
        vec![("feedback".to_string(), 1)]
    );
}

const SPIKE: &str = r#"
[[rule]]
name = "crisis"
any = { keywords = ["sick"] }
then = { tag = ["crisis"] }

[escalation.spike]
name = "cold brew spike"
window = "24h"
multiple = 3.0
min_count = 5
cooldown = "6h"
tag = "crisis"
"#;

#[test]
fn the_spike_rule_opens_one_escalation_linking_its_items_and_waits_out_its_cooldown() {
    let cache = cache(SPIKE);
    // A quiet day: one complaint every few hours.
    let mut n = 0;
    let mut next = |at: i64, body: &str| {
        n += 1;
        item(&n.to_string(), &format!("@u{n}"), 100, body, at)
    };
    let quiet: Vec<Incoming> = (0..8)
        .map(|h| next(NOW - 86_000 + h * 10_000, "a bit sick of queues"))
        .collect();
    cache.ingest(quiet, NOW - 10_000);
    assert_eq!(
        cache.rows::<i64>("SELECT count(*) FROM escalations"),
        vec![0]
    );
    // Then six in half an hour.
    let burst: Vec<Incoming> = (0..6)
        .map(|m| next(NOW - 1_800 + m * 300, "got sick after the cold brew"))
        .collect();
    let burst_ids = cache.ingest(burst, NOW);
    let opened: Vec<String> =
        cache.rows("SELECT severity || ' ' || source || ' ' || reason FROM escalations");
    assert_eq!(opened.len(), 1);
    assert!(
        opened[0].starts_with(
            "critical rule:cold brew spike cold brew spike: cold brew (6 of 6 negative items in the last hour"
        ),
        "{opened:?}"
    );
    // "sick" was in the quiet day too: the incident is titled with what is new.
    assert_eq!(
        cache.rows::<String>("SELECT title FROM incidents"),
        vec!["cold brew spike: cold brew".to_string()]
    );
    let linked: Vec<i64> = cache.rows("SELECT item_id FROM escalation_items ORDER BY item_id");
    assert_eq!(linked, burst_ids);
    assert_eq!(cache.count(View::Escalated), 6);
    // More of the same within the cooldown: no second escalation.
    let more: Vec<Incoming> = (0..6)
        .map(|m| next(NOW + 600 + m * 60, "sick sick sick"))
        .collect();
    cache.ingest(more, NOW + 1_200);
    assert_eq!(
        cache.rows::<i64>("SELECT count(*) FROM escalations"),
        vec![1]
    );
}

#[test]
fn rules_test_changes_nothing_and_counts_per_rule() {
    // Items stored with no rules configured, then tested against the rules.
    let plain = cache("");
    plain.ingest(
        vec![
            item("1", "@btc", 3, "airdrop http://x.example.xyz", NOW - 100),
            item("2", "@gc", 4, "you are a gift card winner", NOW - 90),
            item("3", "@ok", 400, "love it", NOW - 80),
            item("4", "@old", 3, "airdrop from last month", NOW - 40 * 86_400),
        ],
        NOW,
    );
    let events_before: Vec<i64> = plain.rows("SELECT count(*) FROM events");
    let config = Config::parse(RULES, std::path::Path::new("c.toml")).unwrap();
    let rules = hark::rules::RuleSet::compile(&config.rules).unwrap();
    let conn = hark::store::open_ro(&plain.path).unwrap();
    let (report, _) = dry_run(&conn, &rules, None, NOW - 7 * 86_400, NOW).unwrap();
    let counts: Vec<(&str, usize)> = report.iter().map(|r| (r.rule.as_str(), r.count)).collect();
    assert_eq!(
        counts,
        vec![
            ("link spam", 1),
            ("scam words", 2),
            ("crisis", 0),
            ("cheers", 0)
        ]
    );
    assert_eq!(report[1].sample[0].1, "@gc");
    let text = hark::cli::rules::format_dry_run(&report, &[], "7d");
    assert!(
        text.contains("scam words: 2 items") && text.contains("@btc: airdrop"),
        "{text}"
    );
    drop(conn);
    assert_eq!(
        plain.rows::<i64>("SELECT count(*) FROM events"),
        events_before
    );
    assert_eq!(plain.rows::<i64>("SELECT count(*) FROM tags"), vec![0]);
    assert_eq!(plain.rows::<i64>("SELECT count(*) FROM outbox"), vec![0]);
    assert_eq!(
        plain.rows::<i64>("SELECT count(*) FROM items WHERE state != 'new' OR spam = 1"),
        vec![0]
    );
}

#[test]
fn export_writes_one_row_per_tagged_item() {
    let cache = cache("");
    let ids = cache.ingest(
        vec![
            item("1", "@a", 10, "please, add \"oat\" milk", NOW - 100),
            item("2", "@b", 10, "=HYPERLINK(\"x\")\nsecond line", NOW - 50),
            item("3", "@c", 10, "not feedback", NOW - 10),
            item("4", "@d", 10, "old feedback", NOW - 30 * 86_400),
        ],
        NOW,
    );
    let tagged = vec![ids[0], ids[1], ids[3]];
    cache
        .writer
        .handle()
        .call_blocking(move |c| {
            moderation::set_tag(c, &tagged, "feedback", false, "user", NOW).map(|_| ())
        })
        .unwrap();
    let conn = hark::store::open_ro(&cache.path).unwrap();
    let rows = hark::export::rows(&conn, "feedback", NOW - 7 * 86_400).unwrap();
    assert_eq!(rows.len(), 2);
    let mut csv = Vec::new();
    hark::export::write(&mut csv, &rows, hark::export::Format::Csv, "feedback").unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("id,created_at,platform,kind,author"));
    assert!(
        lines[1].contains("\"please, add \"\"oat\"\" milk\""),
        "{csv}"
    );
    assert!(
        lines[2].contains("'=HYPERLINK"),
        "no formula reaches a spreadsheet: {csv}"
    );
    let mut jsonl = Vec::new();
    hark::export::write(&mut jsonl, &rows, hark::export::Format::Jsonl, "feedback").unwrap();
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8(jsonl).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(first["author"], "@a");
    assert_eq!(first["tags"], "feedback");
    let mut md = Vec::new();
    hark::export::write(&mut md, &rows, hark::export::Format::Md, "feedback").unwrap();
    let md = String::from_utf8(md).unwrap();
    assert!(md.starts_with("# #feedback · 2 items"), "{md}");
    assert_eq!(
        md.lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| id"))
            .count(),
        2
    );
}

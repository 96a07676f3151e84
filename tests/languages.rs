//! A multilingual inbox: each item's language is detected at ingest, stored, scored only
//! when hark has a lexicon for it, usable by rules, correctable by the CM (`:lang`), and
//! filled in by `hark sentiment --rescore` on a cache from before languages existed.

mod support;
use std::sync::Arc;
use support::cache::{cache, Cache};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hark::config::Config;
use hark::domain::{ItemKind, NewAuthor, NewItem};
use hark::ingest::Pipeline;
use hark::language::Languages;
use hark::sentiment::Analyzer;
use hark::store::ingest::{self, Incoming};
use hark::store::WriterHandle;

/// A language hark has no lexicon for (and none is planned): Dutch.
const DUTCH: &str = "Wat een slechte service :( nooit meer, echt verschrikkelijk!! De koffie was koud en het personeel was onbeleefd.";

fn item(id: &str, body: &str, followers: i64) -> NewItem {
    NewItem {
        external_id: id.into(),
        kind: ItemKind::Mention,
        parent_external_id: None,
        thread_external_id: None,
        author: NewAuthor {
            external_id: format!("u-{id}"),
            handle: format!("@user{id}"),
            display_name: "Someone".into(),
            followers: Some(followers),
        },
        body: body.into(),
        url: None,
        created_at: 1_000,
        raw_json: None,
        room: None,
    }
}

impl Cache {
    fn handle(&self) -> WriterHandle {
        self.writer.handle()
    }

    fn store(&self, pipeline: Arc<Pipeline>, items: Vec<Incoming>) -> Vec<i64> {
        let account = self.account;
        self.handle()
            .call_blocking(move |c| pipeline.store(c, account, &items, None, 1_000))
            .unwrap()
            .inserted
    }

    /// (lang, lang set by the CM, automatic label) of item `id`.
    fn lang_of(&self, id: i64) -> (Option<String>, bool, Option<String>) {
        rusqlite::Connection::open(&self.path)
            .unwrap()
            .query_row(
                "SELECT lang, lang_manual, sentiment_label_auto FROM items WHERE id = ?",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
    }

    fn count(&self, sql: &str) -> i64 {
        rusqlite::Connection::open(&self.path)
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    }
}

fn languages(codes: &[&str]) -> Languages {
    Languages::new(&codes.iter().map(|c| c.to_string()).collect::<Vec<_>>()).unwrap()
}

#[test]
fn very_short_text_falls_back_to_the_primary_language_and_stays_scored() {
    let pipeline = Pipeline::default().with_languages(languages(&["en", "es", "fr", "nl"]));
    let prepared = pipeline.prepare(vec![item("1", "love it!!", 10), item("2", "👍", 10)]);
    for p in &prepared {
        assert_eq!(p.lang.as_deref(), Some("en"), "{:?}", p.item.body);
    }
    assert_eq!(
        prepared[0].sentiment.map(|s| s.label.as_str()),
        Some("positive")
    );
    assert!(prepared[1].sentiment.is_some(), "an emoji stays scored");

    // A primary language other than English is the fallback when it is first.
    let spanish_first = Pipeline::default().with_languages(languages(&["es", "en"]));
    let prepared = spanish_first.prepare(vec![item("3", "👍", 10)]);
    assert_eq!(prepared[0].lang.as_deref(), Some("es"));
}

#[test]
fn the_default_languages_detect_beyond_english() {
    let pipeline = Pipeline::default();
    let prepared = pipeline.prepare(vec![item("1", DUTCH, 10)]);
    assert_eq!(prepared[0].lang.as_deref(), Some("nl"));
    assert_eq!(prepared[0].sentiment, None, "no Dutch lexicon: unscored");
}

#[test]
fn an_unscored_language_skips_a_sentiment_rule_and_is_stored_unscored() {
    let config = Config::parse(
        r#"
[languages]
expected = ["en", "nl"]

[[rule]]
name = "big account unhappy"
all = { followers_above = 10000, sentiment_below = -0.3 }
then = { flag = { severity = "high", reason = "negative post from a large account" } }
"#,
        std::path::Path::new("config.toml"),
    )
    .unwrap();
    let pipeline = Arc::new(hark::workspace::pipeline_of(&config).unwrap());
    let cache = cache();
    let prepared = pipeline.prepare(vec![
        item("nl", DUTCH, 50_000),
        item(
            "en",
            "Terrible service, the coffee was cold and the staff were rude. Never again!",
            50_000,
        ),
    ]);
    let ids = cache.store(pipeline, prepared);
    assert_eq!(cache.lang_of(ids[0]), (Some("nl".into()), false, None));
    assert_eq!(
        cache.lang_of(ids[1]),
        (Some("en".into()), false, Some("negative".into()))
    );
    let escalated: Vec<i64> = rusqlite::Connection::open(&cache.path)
        .unwrap()
        .prepare("SELECT item_id FROM escalations ORDER BY item_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        escalated,
        vec![ids[1]],
        "only the scored English post escalates"
    );
}

#[test]
fn a_lang_rule_condition_tags_items_by_detected_language() {
    let config = Config::parse(
        r#"
[languages]
expected = ["en", "nl"]

[[rule]]
name = "dutch desk"
any = { lang = ["nl"] }
then = { tag = ["nl-desk"] }
"#,
        std::path::Path::new("config.toml"),
    )
    .unwrap();
    let pipeline = Arc::new(hark::workspace::pipeline_of(&config).unwrap());
    let cache = cache();
    let prepared = pipeline.prepare(vec![
        item("nl", DUTCH, 10),
        item("en", "the oat latte was lovely this morning, thanks", 10),
    ]);
    let ids = cache.store(pipeline, prepared);
    let tagged = cache.count("SELECT item_id FROM tags WHERE tag = 'nl-desk'");
    assert_eq!(tagged, ids[0]);
    assert_eq!(cache.count("SELECT count(*) FROM tags"), 1);
}

#[test]
fn rescoring_a_cache_from_before_languages_fills_them_and_unscores_other_languages() {
    let cache = cache();
    // Stored the old way: no language, and everything scored with the English lexicon.
    let analyzer = Analyzer::social();
    let old: Vec<Incoming> = [
        item("nl", DUTCH, 10),
        item("en", "love the new oat latte, amazing", 10),
    ]
    .into_iter()
    .map(|i| {
        let s = analyzer.analyze(&i.body);
        Incoming {
            sentiment: Some(ingest::AutoSentiment {
                compound: s.scores.compound,
                label: s.label,
            }),
            lang: None,
            item: i,
        }
    })
    .collect();
    let ids = cache.store(Arc::new(Pipeline::default()), old);
    assert_eq!(
        cache.lang_of(ids[0]),
        (None, false, Some("negative".into()))
    );

    let langs = languages(&["en", "nl"]);
    let done = cache
        .handle()
        .call_blocking(move |c| hark::store::sentiment::rescore(c, &Analyzer::social(), &langs))
        .unwrap();
    assert_eq!(done.scored, 2);
    assert_eq!(done.languages_filled, 2);
    assert_eq!(done.changed, 1, "the Dutch post loses its English score");
    assert_eq!(cache.lang_of(ids[0]), (Some("nl".into()), false, None));
    assert_eq!(
        cache.lang_of(ids[1]),
        (Some("en".into()), false, Some("positive".into()))
    );
}

#[test]
fn the_cms_language_is_kept_rescored_recorded_and_survives_a_rescore() {
    let cache = cache();
    let pipeline = Arc::new(Pipeline::default().with_languages(languages(&["en", "nl"])));
    let text = "bad day, the cup was great";
    let prepared = pipeline.prepare(vec![item("1", text, 10)]);
    let ids = cache.store(pipeline, prepared);
    let id = ids[0];
    assert_eq!(cache.lang_of(id).0.as_deref(), Some("en"));
    assert!(cache.lang_of(id).2.is_some());

    let changed = cache
        .handle()
        .call_blocking(move |c| {
            hark::store::language::set_manual(c, &[id], "nl", &Analyzer::social(), 2_000)
        })
        .unwrap();
    assert_eq!(changed, 1);
    assert_eq!(cache.lang_of(id), (Some("nl".into()), true, None));
    assert_eq!(
        cache.count(
            "SELECT count(*) FROM events WHERE kind = 'language' AND actor = 'user'
               AND detail = '{\"from\":\"en\",\"to\":\"nl\"}'"
        ),
        1
    );
    // Re-detection never overrides the CM.
    let langs = languages(&["en", "nl"]);
    cache
        .handle()
        .call_blocking(move |c| hark::store::sentiment::rescore(c, &Analyzer::social(), &langs))
        .unwrap();
    assert_eq!(cache.lang_of(id), (Some("nl".into()), true, None));
    // Back to English: scored again.
    cache
        .handle()
        .call_blocking(move |c| {
            hark::store::language::set_manual(c, &[id], "en", &Analyzer::social(), 3_000)
        })
        .unwrap();
    assert!(cache.lang_of(id).2.is_some());
}

fn type_text(session: &mut hark::tui::app::headless::Headless, text: &str) {
    for c in text.chars() {
        session
            .key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
            .unwrap();
    }
    session
        .press(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
        .unwrap();
}

#[test]
fn lang_command_corrects_the_item_shown_in_the_list_and_the_item_pane() {
    let cache = cache();
    let pipeline = Arc::new(Pipeline::default().with_languages(languages(&["en", "nl"])));
    let prepared = pipeline.prepare(vec![item("1", "bad day, the cup was great", 10)]);
    let ids = cache.store(pipeline, prepared);
    let mut session =
        hark::tui::app::headless::Headless::open(cache.handle(), &cache.path, 100, 30).unwrap();
    session
        .press(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
        .unwrap();
    let screen = session.screen();
    assert!(
        screen.contains(" lg "),
        "the list has a language column:\n{screen}"
    );
    assert!(screen.contains("lang en · sentiment"), "{screen}");

    type_text(&mut session, ":lang xx");
    assert!(session.screen().contains("unknown language code `xx`"));
    assert_eq!(cache.lang_of(ids[0]).0.as_deref(), Some("en"));

    type_text(&mut session, ":lang nl");
    let screen = session.screen();
    assert_eq!(cache.lang_of(ids[0]), (Some("nl".into()), true, None));
    assert!(
        screen.contains("lang nl (set by you) · sentiment unscored (no nl lexicon)"),
        "{screen}"
    );
    assert!(screen.contains("language nl set on 1 item"), "{screen}");
    let row = screen
        .lines()
        .find(|l| l.contains("bad day, the cup"))
        .unwrap()
        .to_string();
    assert!(row.contains(" nl "), "{row}");
}

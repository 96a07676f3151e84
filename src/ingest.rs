//! What happens to fetched items on their way into the store: the derived fields
//! (automatic sentiment) are computed here, on the poller's task, so the single writer
//! only writes; the rules run inside the ingest's transaction (they need item ids).

use std::sync::Arc;

use rusqlite::Connection;

use crate::domain::{AccountId, NewItem, UnixTime};
use crate::language::Languages;
use crate::rules::apply::{apply_on_ingest, Engine};
use crate::sentiment::Analyzer;
use crate::store::aside::{self, PageExtras};
use crate::store::ingest::{AutoSentiment, Incoming, IngestReport};

/// Turns fetched items into rows ready to store, and stores them with the rules applied.
pub struct Pipeline {
    analyzer: Arc<Analyzer>,
    languages: Arc<Languages>,
    rules: Option<Arc<Engine>>,
}

/// `text`'s automatic sentiment in `lang`, or `None` when hark has no lexicon for it.
pub fn auto_sentiment(analyzer: &Analyzer, text: &str, lang: &str) -> Option<AutoSentiment> {
    analyzer.analyze_in(text, lang).map(|s| AutoSentiment {
        compound: s.scores.compound,
        label: s.label,
    })
}

impl Pipeline {
    pub fn new(analyzer: Arc<Analyzer>) -> Pipeline {
        Pipeline {
            analyzer,
            languages: Arc::new(Languages::default()),
            rules: None,
        }
    }

    /// The same pipeline, detecting among `languages` (default: every supported one).
    pub fn with_languages(mut self, languages: Languages) -> Pipeline {
        self.languages = Arc::new(languages);
        self
    }

    /// The same pipeline, also applying `engine`'s rules and spike check to new items.
    pub fn with_rules(mut self, engine: Arc<Engine>) -> Pipeline {
        self.rules = (!engine.is_empty()).then_some(engine);
        self
    }

    pub fn analyzer(&self) -> &Arc<Analyzer> {
        &self.analyzer
    }

    pub fn languages(&self) -> &Arc<Languages> {
        &self.languages
    }

    /// Detects each item's language and scores its sentiment in that language; an item
    /// in a language without a lexicon stays unscored.
    pub fn prepare(&self, items: Vec<NewItem>) -> Vec<Incoming> {
        items
            .into_iter()
            .map(|item| {
                let lang = self.languages.detect(&item.body).to_string();
                Incoming {
                    sentiment: auto_sentiment(&self.analyzer, &item.body, &lang),
                    lang: Some(lang),
                    item,
                }
            })
            .collect()
    }

    /// Stores a prepared page (see [`crate::store::ingest::ingest`]) and applies the
    /// rules to the newly inserted items in the same transaction.
    pub fn store(
        &self,
        conn: &mut Connection,
        account_id: AccountId,
        items: &[Incoming],
        cursor: Option<&str>,
        now: UnixTime,
    ) -> crate::store::Result<IngestReport> {
        self.store_page(conn, account_id, items, cursor, &PageExtras::default(), now)
    }

    /// [`Pipeline::store`] with what the fetch set aside (unreadable records, filtered
    /// items, items older than the look-back), in the same transaction as the cursor.
    pub fn store_page(
        &self,
        conn: &mut Connection,
        account_id: AccountId,
        items: &[Incoming],
        cursor: Option<&str>,
        extras: &PageExtras,
        now: UnixTime,
    ) -> crate::store::Result<IngestReport> {
        crate::store::ingest::ingest_with(conn, account_id, items, cursor, now, &|tx, report| {
            if let Some(engine) = &self.rules {
                let applied = apply_on_ingest(tx, &report.inserted, engine, now)?;
                if let Some(id) = applied.spike {
                    tracing::warn!(escalation = id, "negative spike escalated");
                }
            }
            // Team mode: new items owing an answer go to the CMs in turn.
            crate::store::team::round_robin(tx, &report.inserted, now)?;
            if !extras.is_empty() {
                aside::record(tx, account_id, extras, report, now)?;
            }
            Ok(())
        })
    }
}

impl Default for Pipeline {
    /// Social-mode sentiment and no rules.
    fn default() -> Self {
        Pipeline::new(Arc::new(Analyzer::social()))
    }
}

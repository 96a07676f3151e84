//! What happens to fetched items on their way into the store: the derived fields
//! (automatic sentiment; later, rules) are computed here, on the poller's task, so the
//! single writer only writes.

use std::sync::Arc;

use crate::config::Config;
use crate::domain::{NewItem, SentimentLabel};
use crate::sentiment::{Analyzer, Label};
use crate::store::ingest::{AutoSentiment, Incoming};

/// Turns fetched items into rows ready to store.
pub struct Pipeline {
    analyzer: Arc<Analyzer>,
}

/// The engine's label as the store's.
pub fn label_of(label: Label) -> SentimentLabel {
    match label {
        Label::Negative => SentimentLabel::Negative,
        Label::Neutral => SentimentLabel::Neutral,
        Label::Positive => SentimentLabel::Positive,
    }
}

impl Pipeline {
    pub fn new(analyzer: Arc<Analyzer>) -> Pipeline {
        Pipeline { analyzer }
    }

    /// The pipeline a workspace's config describes.
    pub fn from_config(config: &Config) -> Pipeline {
        Pipeline::new(Arc::new(Analyzer::new(&config.sentiment_settings())))
    }

    pub fn analyzer(&self) -> &Arc<Analyzer> {
        &self.analyzer
    }

    pub fn prepare(&self, items: Vec<NewItem>) -> Vec<Incoming> {
        items
            .into_iter()
            .map(|item| {
                let scored = self.analyzer.analyze(&item.body);
                Incoming {
                    sentiment: Some(AutoSentiment {
                        compound: scored.scores.compound,
                        label: label_of(scored.label),
                    }),
                    item,
                }
            })
            .collect()
    }
}

impl Default for Pipeline {
    fn default() -> Self {
        Pipeline::new(Arc::new(Analyzer::social()))
    }
}

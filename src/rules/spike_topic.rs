//! What a spike is about: the terms (words, two-word phrases) and authors over-represented
//! in the spike's items against the baseline's, by the log-odds ratio with a uniform
//! prior, z-scored (so a term needs both a clear lead and enough items). The incident is
//! titled with them and holds only the items that carry them.

use std::collections::{BTreeSet, HashMap};

use crate::domain::ItemId;

/// One item as the topic finder reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub id: ItemId,
    pub author: String,
    pub body: String,
    /// ISO 639-1, for the language's function words; `None` when not detected.
    pub lang: Option<String>,
}

/// The topic of a spike: its terms, best first (authors as `@handle`), and the items that
/// carry any of them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpikeTopic {
    pub terms: Vec<String>,
    pub items: Vec<ItemId>,
}

/// Prior count added to every term on both sides.
const PRIOR: f64 = 0.5;
/// A term must lead by this many standard errors.
const MIN_Z: f64 = 1.96;
/// At most this many terms make the topic.
const MAX_TERMS: usize = 5;

/// The features of one document: its terms and its author (what a spike's terms are
/// drawn from, and what an item must carry to join a spike incident).
pub fn features(doc: &Doc) -> BTreeSet<String> {
    let mut f = crate::report::terms::terms(&doc.body, doc.lang.as_deref());
    f.insert(author_key(&doc.author));
    f
}

fn author_key(handle: &str) -> String {
    format!("@{}", handle.trim_start_matches('@').to_lowercase())
}

/// The terms over-represented in `spike` against `baseline`, and the spike's items that
/// carry them. Empty when nothing stands out: then no item is the spike's.
pub fn find(spike: &[Doc], baseline: &[Doc]) -> SpikeTopic {
    if spike.is_empty() {
        return SpikeTopic::default();
    }
    let spike_features: Vec<BTreeSet<String>> = spike.iter().map(features).collect();
    let mut a: HashMap<&str, u64> = HashMap::new();
    for f in &spike_features {
        for t in f {
            *a.entry(t.as_str()).or_insert(0) += 1;
        }
    }
    let mut b: HashMap<String, u64> = HashMap::new();
    for doc in baseline {
        for t in features(doc) {
            if a.contains_key(t.as_str()) {
                *b.entry(t).or_insert(0) += 1;
            }
        }
    }
    let (n1, n0) = (spike.len() as f64, baseline.len() as f64);
    // A term (or an author) is the spike's only if a fair share of its items carry it.
    let min_items = 3u64.max((n1 * 0.1).ceil() as u64);
    let mut scored: Vec<(f64, &str, u64)> = a
        .iter()
        .filter(|(_, &count)| count >= min_items)
        .filter_map(|(&term, &count)| {
            let x = count as f64;
            let y = b.get(term).copied().unwrap_or(0) as f64;
            let odds = |k: f64, n: f64| ((k + PRIOR) / (n - k + PRIOR)).ln();
            let delta = odds(x, n1) - odds(y, n0);
            let se = (1.0 / (x + PRIOR) + 1.0 / (y + PRIOR)).sqrt();
            let z = delta / se;
            (z >= MIN_Z).then_some((z, term, count))
        })
        .collect();
    scored.sort_by(|l, r| {
        r.0.partial_cmp(&l.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(r.2.cmp(&l.2))
            .then(l.1.cmp(r.1))
    });
    let mut terms: Vec<(String, u64)> = Vec::new();
    for (_, term, count) in scored {
        let words: Vec<&str> = term.split(' ').collect();
        if words.len() > 1 {
            // A phrase that nearly always carries a chosen word says it better ("cold
            // brew" for "brew"); its other words then go too.
            let inside: Vec<usize> = (0..terms.len())
                .filter(|&i| words.contains(&terms[i].0.as_str()))
                .collect();
            if !inside.is_empty() {
                if inside.iter().all(|&i| count * 10 >= terms[i].1 * 8) {
                    terms[inside[0]] = (term.to_string(), count);
                    for &i in inside[1..].iter().rev() {
                        terms.remove(i);
                    }
                }
                continue;
            }
            // A bridge between chosen phrases ("oat cold" between "maple oat" and "cold
            // brew") says nothing new.
            let shown = |w: &&str| terms.iter().any(|(t, _)| t.split(' ').any(|c| c == *w));
            if words.iter().all(shown) {
                continue;
            }
        } else if terms.iter().any(|(t, _)| t.split(' ').any(|w| w == term)) {
            continue; // inside a chosen phrase
        }
        if terms.len() < MAX_TERMS {
            terms.push((term.to_string(), count));
        }
    }
    let terms: Vec<String> = terms.into_iter().map(|(t, _)| t).collect();
    let items = spike
        .iter()
        .zip(&spike_features)
        .filter(|(_, f)| terms.iter().any(|t| f.contains(t)))
        .map(|(d, _)| d.id)
        .collect();
    SpikeTopic { terms, items }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: ItemId, author: &str, body: &str) -> Doc {
        Doc {
            id,
            author: author.into(),
            body: body.into(),
            lang: None,
        }
    }

    #[test]
    fn the_topic_is_what_the_spike_says_more_than_usual_and_only_its_items_join() {
        let baseline: Vec<Doc> = (0..40)
            .map(|i| {
                doc(
                    100 + i,
                    &format!("u{i}"),
                    "the train was late again this morning, platform crowded",
                )
            })
            .chain((0..10).map(|i| {
                doc(
                    200 + i,
                    &format!("v{i}"),
                    "lovely new carriages on the coast line",
                )
            }))
            .collect();
        let mut spike: Vec<Doc> = (0..8)
            .map(|i| {
                doc(
                    i,
                    &format!("p{i}"),
                    &format!("signal failure near Dunmore junction, stuck {i} hours, train late"),
                )
            })
            .collect();
        // Recent and negative, but about something else: never the spike's.
        spike.push(doc(50, "q1", "the app logs me out every time, useless"));
        spike.push(doc(51, "q2", "ticket machine ate my card"));
        let topic = find(&spike, &baseline);
        assert!(
            topic
                .terms
                .iter()
                .any(|t| t.contains("signal failure") || t.contains("dunmore")),
            "{:?}",
            topic.terms
        );
        // "train" and "late" are everyday words here: not the topic.
        assert!(
            !topic.terms.iter().any(|t| t == "train" || t == "late"),
            "{:?}",
            topic.terms
        );
        assert_eq!(topic.items, (0..8).collect::<Vec<_>>());
    }

    #[test]
    fn an_author_posting_again_and_again_is_part_of_the_topic() {
        let baseline: Vec<Doc> = (0..30)
            .map(|i| doc(100 + i, &format!("u{i}"), "nice weather for a ride"))
            .collect();
        let mut spike: Vec<Doc> = (0..5)
            .map(|i| {
                doc(
                    i,
                    "@angry_rider",
                    &format!("complaint number {i} about everything"),
                )
            })
            .collect();
        spike.push(doc(9, "someone", "meh"));
        let topic = find(&spike, &baseline);
        assert!(
            topic.terms.contains(&"@angry_rider".to_string()),
            "{:?}",
            topic.terms
        );
        assert_eq!(topic.items, (0..5).collect::<Vec<_>>());
    }

    #[test]
    fn a_phrase_bridging_two_chosen_phrases_is_not_a_term_of_its_own() {
        let baseline: Vec<Doc> = (0..30)
            .map(|i| doc(100 + i, &format!("u{i}"), "nice weather for a ride"))
            .collect();
        // "loop signal" only where the two phrases happen to meet.
        let spike: Vec<Doc> = (0..6)
            .map(|i| {
                let body = if i < 4 {
                    "northern loop signal failure again"
                } else {
                    "signal failure on the northern loop"
                };
                doc(i, &format!("p{i}"), body)
            })
            .collect();
        let topic = find(&spike, &baseline);
        assert!(
            topic.terms.contains(&"northern loop".to_string()),
            "{:?}",
            topic.terms
        );
        assert!(
            topic.terms.contains(&"signal failure".to_string()),
            "{:?}",
            topic.terms
        );
        assert!(
            !topic.terms.contains(&"loop signal".to_string()),
            "{:?}",
            topic.terms
        );
    }

    #[test]
    fn nothing_shared_means_no_topic_and_no_items() {
        let baseline: Vec<Doc> = (0..30)
            .map(|i| doc(100 + i, &format!("u{i}"), "fine day"))
            .collect();
        let spike: Vec<Doc> = [
            "slow checkout",
            "rude driver",
            "parcel crushed",
            "wrong size",
            "late refund",
        ]
        .iter()
        .enumerate()
        .map(|(i, b)| doc(i as i64, &format!("p{i}"), b))
        .collect();
        let topic = find(&spike, &baseline);
        assert!(topic.terms.is_empty(), "{:?}", topic.terms);
        assert!(topic.items.is_empty());
    }
}

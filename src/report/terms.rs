//! Section 6: recurring problems: words and two-word phrases over-represented in this
//! week's negative items compared with the four weeks before.
//!
//! Each term counts once per item. The score is a smoothed log-ratio of the share of
//! negative items containing it now and before, so a term new this week scores high and
//! an everyday complaint does not. The baseline is smoothed as if the four weeks before
//! held [`PRIOR_ITEMS`] more negative items without the term: an empty or thin history
//! then means "rare before", not "in half the items before", and a term new this week
//! ranks on its own count (the demo's first crisis had no negative item before it).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;

use serde::Serialize;

use super::stopwords::Stopwords;
use super::{md, Ctx};
use crate::store::report::{Items, Names, Text};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Term {
    pub term: String,
    pub items: u64,
    /// Items containing it among the previous four weeks' negative items.
    pub before: u64,
    /// No negative item of the four weeks before carried it.
    pub new: bool,
    pub example: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recurring {
    pub negative_items: u64,
    pub negative_before: u64,
    pub terms: Vec<Term>,
}

const MAX_TERMS: usize = 8;
const MIN_ITEMS: u64 = 2;
/// A term must be this many times more frequent than before to count as recurring more.
const MIN_RATIO: f64 = 1.5;
/// Pseudo-items added to the baseline (see the module comment).
const PRIOR_ITEMS: f64 = 20.0;

/// How much more often a term appears in negative items now than before: the log of the
/// ratio of its smoothed shares. Above zero means over-represented now.
pub fn score(now: u64, n_now: u64, before: u64, n_before: u64) -> f64 {
    let share_now = (now as f64 + 0.5) / (n_now as f64 + 1.0);
    let share_before = (before as f64 + 0.5) / (n_before as f64 + PRIOR_ITEMS);
    share_now.ln() - share_before.ln()
}

/// Lower-case words of three letters or more, without handles, links and numbers.
pub fn words(body: &str) -> Vec<String> {
    let mut split = Words::default();
    split.read(body);
    split.iter().map(str::to_string).collect()
}

/// The words of one text (see [`words`]) in one buffer: weeks of history are split
/// into words, and a string per word would be most of that work.
#[derive(Default)]
struct Words {
    text: String,
    spans: Vec<std::ops::Range<usize>>,
}

impl Words {
    fn read(&mut self, body: &str) {
        self.text.clear();
        self.spans.clear();
        let words = body
            .split_whitespace()
            .filter(|w| !w.starts_with('@') && !w.starts_with("http") && !w.starts_with('#'))
            .flat_map(|w| w.split(|c: char| !(c.is_alphanumeric() || c == '\'')));
        for part in words {
            let part = part.trim_matches('\'');
            let start = self.text.len();
            if part.is_ascii() {
                self.text.push_str(part);
                self.text[start..].make_ascii_lowercase();
            } else {
                self.text.push_str(&part.to_lowercase());
            }
            let word = &self.text[start..];
            // Lower case can change the length outside ASCII, so the rule reads the result.
            let long = if word.is_ascii() {
                word.len() >= 3
            } else {
                word.chars().count() >= 3
            };
            if long && !word.bytes().all(|b| b.is_ascii_digit()) {
                self.spans.push(start..self.text.len());
            } else {
                self.text.truncate(start);
            }
        }
    }

    fn len(&self) -> usize {
        self.spans.len()
    }

    fn get(&self, n: usize) -> &str {
        &self.text[self.spans[n].clone()]
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        self.spans.iter().map(|s| &self.text[s.clone()])
    }
}

/// The distinct terms (words and adjacent-word phrases) of one item written in `lang`
/// (`None`: unknown), without that language's function words.
pub fn terms(body: &str, lang: Option<&str>) -> BTreeSet<String> {
    term_list(body, lang).into_iter().collect()
}

/// [`terms`] as a sorted vector (cheaper to build and search than a set).
fn term_list(body: &str, lang: Option<&str>) -> Vec<String> {
    let mut words = Words::default();
    words.read(body);
    let stop = Stopwords::of(lang);
    let keep: Vec<bool> = words.iter().map(|w| !stop.contains(w)).collect();
    let mut out: Vec<String> = words
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(w, _)| w.to_string())
        .collect();
    for n in 1..words.len() {
        if keep[n - 1] && keep[n] {
            out.push(format!("{} {}", words.get(n - 1), words.get(n)));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// In how many of the history's texts each of `wanted` appears (only this week's
/// candidates are looked up, so weeks of history build no large table, and a text's
/// phrases are built in one buffer, not one string each). Terms no text carries are absent.
fn history_counts(texts: &[Text], wanted: &BTreeMap<String, u64>) -> HashMap<String, u64> {
    // foldhash: fast on short words, and seeded per process, so terms chosen by posters
    // cannot be made to collide.
    let index: foldhash::HashMap<&str, usize> = wanted
        .keys()
        .enumerate()
        .map(|(i, term)| (term.as_str(), i))
        .collect();
    // Making weeks of text inert and splitting it into words is most of the report's
    // work: the texts are shared out over the cores.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let chunk = texts.len().div_ceil(threads).max(1);
    let counts = std::thread::scope(|scope| {
        let index = &index;
        let parts: Vec<_> = texts
            .chunks(chunk)
            .map(|part| scope.spawn(move || count_part(part, index)))
            .collect();
        let mut counts = vec![0u64; wanted.len()];
        for part in parts {
            let part = part.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            for (total, n) in counts.iter_mut().zip(part) {
                *total += n;
            }
        }
        counts
    });
    wanted
        .keys()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(term, n)| (term.clone(), n))
        .collect()
}

/// [`history_counts`] over some of the texts: a count per term of `index`.
fn count_part(texts: &[Text], index: &foldhash::HashMap<&str, usize>) -> Vec<u64> {
    let mut counts = vec![0u64; index.len()];
    let (mut found, mut pair, mut words) = (Vec::<usize>::new(), String::new(), Words::default());
    let mut keep = Vec::<bool>::new();
    for text in texts {
        words.read(&crate::sanitize::inert(&text.raw));
        keep.clear();
        let stop = Stopwords::of(text.lang.as_deref());
        keep.extend(words.iter().map(|w| !stop.contains(w)));
        found.clear();
        for (w, _) in words.iter().zip(&keep).filter(|(_, k)| **k) {
            found.extend(index.get(w));
        }
        for n in 1..words.len() {
            if keep[n - 1] && keep[n] {
                pair.clear();
                pair.push_str(words.get(n - 1));
                pair.push(' ');
                pair.push_str(words.get(n));
                found.extend(index.get(pair.as_str()));
            }
        }
        // Each term once per text.
        found.sort_unstable();
        found.dedup();
        for &i in &found {
            counts[i] += 1;
        }
    }
    counts
}

pub fn compute(ctx: &Ctx) -> rusqlite::Result<Recurring> {
    name(rank(&ctx.this, &ctx.names, &ctx.history), ctx)
}

/// Recurring problems before their examples are named: counted from the loaded rows
/// alone, with no connection, so it runs on its own thread while the other sections
/// query the cache.
#[derive(Debug)]
pub struct Ranked {
    negative_items: u64,
    negative_before: u64,
    terms: Vec<RankedTerm>,
}

#[derive(Debug)]
struct RankedTerm {
    term: String,
    items: u64,
    before: u64,
    new: bool,
    /// The first negative item that carries it: a position in `Items::negative`.
    example: Option<usize>,
}

/// The terms of this period's negative items that recur more than in `history`.
pub fn rank(this: &Items, names: &Names, history: &[Text]) -> Ranked {
    // Each negative item's terms, once.
    let now: Vec<Vec<String>> = this
        .negative
        .iter()
        .map(|(at, body)| term_list(body, names.lang(&this.rows[*at])))
        .collect();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    {
        let mut by_term: HashMap<&str, u64> = HashMap::new();
        for terms in &now {
            for term in terms {
                *by_term.entry(term.as_str()).or_insert(0) += 1;
            }
        }
        counts.extend(by_term.into_iter().map(|(t, n)| (t.to_string(), n)));
    }
    let previous = history_counts(history, &counts);
    let (n_now, n_before) = (now.len() as u64, history.len() as u64);
    let mut scored: Vec<(f64, &String, u64)> = counts
        .iter()
        .filter(|(_, &c)| c >= MIN_ITEMS)
        .map(|(term, &c)| {
            let b = previous.get(term).copied().unwrap_or(0);
            (score(c, n_now, b, n_before), term, c)
        })
        .filter(|(score, _, _)| *score > MIN_RATIO.ln())
        .collect();
    // A word only inside an equally frequent phrase adds nothing: keep the phrase.
    let phrases: Vec<(&String, u64)> = scored
        .iter()
        .filter(|(_, t, _)| t.contains(' '))
        .map(|(_, t, c)| (*t, *c))
        .collect();
    scored.retain(|(_, t, c)| {
        t.contains(' ')
            || !phrases
                .iter()
                .any(|(p, pc)| pc == c && p.split(' ').any(|w| w == t.as_str()))
    });
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.2.cmp(&a.2)).then(a.1.cmp(b.1)));
    let terms = scored
        .into_iter()
        .take(MAX_TERMS)
        .map(|(_, term, c)| RankedTerm {
            term: term.clone(),
            items: c,
            before: previous.get(term).copied().unwrap_or(0),
            new: !previous.contains_key(term),
            example: now.iter().position(|t| t.binary_search(term).is_ok()),
        })
        .collect();
    Ranked {
        negative_items: n_now,
        negative_before: n_before,
        terms,
    }
}

/// Names each term's example with its author's handle (one lookup per term shown).
pub fn name(ranked: Ranked, ctx: &Ctx) -> rusqlite::Result<Recurring> {
    let mut terms = Vec::with_capacity(ranked.terms.len());
    for t in ranked.terms {
        let example = match t.example {
            Some(at) => {
                let (row, body) = &ctx.this.negative[at];
                let item = &ctx.this.rows[*row];
                let author = crate::store::report::handle(ctx.conn, item.author_id)?;
                format!("{}: {}", author.unwrap_or_default(), body)
            }
            None => String::new(),
        };
        terms.push(Term {
            term: t.term,
            items: t.items,
            before: t.before,
            new: t.new,
            example,
        });
    }
    Ok(Recurring {
        negative_items: ranked.negative_items,
        negative_before: ranked.negative_before,
        terms,
    })
}

pub fn render(r: &Recurring, w: &super::Wording, out: &mut String) {
    out.push_str("## 6. Recurring problems\n\n");
    if r.negative_items == 0 {
        let _ = writeln!(
            out,
            "No item {} is labelled negative, so there are no recurring problems to extract.\n",
            w.this
        );
        return;
    }
    let _ = writeln!(
        out,
        "Terms found in more of the {} negative items posted {} than in the previous four weeks' {}.\n",
        r.negative_items, w.this, r.negative_before
    );
    if r.terms.is_empty() {
        out.push_str("No term appears in two or more negative items more often than before.\n\n");
        return;
    }
    let rows: Vec<Vec<String>> = r
        .terms
        .iter()
        .map(|t| {
            vec![
                md::text(&t.term),
                t.items.to_string(),
                if t.new {
                    format!("0, new {}", w.this)
                } else {
                    t.before.to_string()
                },
                md::snippet(&t.example, 100),
            ]
        })
        .collect();
    md::text_table(
        out,
        &["term", "negative items", "previous 4 weeks", "example"],
        &rows,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_skip_handles_links_numbers_and_stopwords() {
        let t = terms(
            "@nimbus the Cold brew is WARM again https://x.y 2026 cold-brew",
            Some("en"),
        );
        assert!(t.contains("cold brew"), "{t:?}");
        assert!(t.contains("warm"));
        assert!(!t.iter().any(|w| w.contains("nimbus") || w.contains("http")));
        assert!(!t.contains("the") && !t.contains("2026"));
    }

    #[test]
    fn a_term_new_this_week_ranks_even_with_no_history() {
        // 40 negative items now, 12 of them about the new drink; nothing negative before.
        assert!(score(12, 40, 0, 0) > 1.0);
        // Even a small cluster ranks when it never happened before.
        assert!(score(3, 40, 0, 0) > 0.0);
        // An everyday complaint at its usual share does not.
        assert!(score(10, 40, 40, 160) < MIN_RATIO.ln());
        assert!(score(2, 40, 0, 0) > MIN_RATIO.ln());
        // More items about it now rank higher.
        assert!(score(12, 40, 0, 0) > score(4, 40, 0, 0));
    }
}

#[cfg(test)]
mod language_tests {
    use super::*;

    #[test]
    fn function_words_of_the_items_language_never_become_terms() {
        let es = terms(
            "Seguimos igual, con fiebre los dos y nadie nos contesta porque están de vacaciones",
            Some("es"),
        );
        assert!(es.contains("fiebre"), "{es:?}");
        for w in ["con", "los", "nos", "porque", "están", "nadie"] {
            assert!(
                !es.iter().any(|t| t.split(' ').any(|p| p == w)),
                "{w}: {es:?}"
            );
        }
        let fr = terms(
            "C'est une honte, toujours pas de réponse pour mon remboursement",
            Some("fr"),
        );
        assert!(
            fr.contains("honte") && fr.contains("remboursement"),
            "{fr:?}"
        );
        assert!(!fr.contains("c'est") && !fr.contains("pour") && !fr.contains("pas"));
        let de = terms(
            "Der Kaffee war nicht heiß und die Bestellung kam nicht",
            Some("de"),
        );
        assert!(de.contains("kaffee") && !de.contains("nicht") && !de.contains("die"));
    }
}

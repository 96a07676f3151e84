//! Sentiment in the languages other than English: accuracy on hark's
//! multilingual development set and its held-out split
//! (tests/data/sentiment/multilingual_*.tsv), and the rules carried over from
//! VADER per language: negation, boosters, contrast words.

use hark::sentiment::metrics::{evaluate, evaluate_by_language, parse_ground_truth, RatedText};
use hark::sentiment::{Analyzer, Label};

fn items(file: &str) -> Vec<RatedText> {
    let path = format!("{}/tests/data/sentiment/{file}", env!("CARGO_MANIFEST_DIR"));
    parse_ground_truth(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn check(file: &str, overall: f64, each: f64) {
    let a = Analyzer::social();
    let all = items(file);
    if std::env::var_os("HARK_SHOW_MISSES").is_some() {
        for it in &all {
            let s = a.analyze_in(&it.text, it.lang.as_deref().unwrap()).unwrap();
            let truth = hark::sentiment::metrics::human_label(it.mean);
            if s.label != truth {
                let (_, rows) = a.explain_in(&it.text, it.lang.as_deref().unwrap()).unwrap();
                eprintln!(
                    "MISS {} {truth} -> {} {:.3}  {}  [{}]",
                    it.id,
                    s.label,
                    s.scores.compound,
                    it.text,
                    hark::sentiment::format_contributions(&rows)
                );
            }
        }
    }
    let r = evaluate(&a, &all);
    eprintln!("{file}: overall {r:?}");
    let mut failures = Vec::new();
    for (lang, lr) in evaluate_by_language(&a, &all) {
        eprintln!(
            "{file}: {lang} accuracy {:.3} macro-F1 {:.3} ({} items)",
            lr.accuracy, lr.macro_f1, lr.items
        );
        if lr.accuracy < each {
            failures.push(format!("{lang} {:.3}", lr.accuracy));
        }
    }
    assert!(r.accuracy >= overall, "{file}: overall {:.3}", r.accuracy);
    assert!(failures.is_empty(), "{file}: {failures:?}");
}

#[test]
fn development_set_meets_the_targets() {
    check("multilingual_dev.tsv", 0.80, 0.70);
}

#[test]
fn held_out_split_meets_the_targets() {
    check("multilingual_holdout.tsv", 0.80, 0.70);
}

fn label(text: &str, lang: &str) -> Label {
    Analyzer::social().analyze_in(text, lang).unwrap().label
}

fn compound(text: &str, lang: &str) -> f64 {
    Analyzer::social()
        .analyze_in(text, lang)
        .unwrap()
        .scores
        .compound
}

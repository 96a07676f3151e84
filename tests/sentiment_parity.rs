//! Reference mode must equal vaderSentiment 3.3.2 on every development text.
//! Oracle: the `vader-parity` crate, which reproduces 3.3.2 exactly
//! (compound to 4 decimals, proportions to 3).

use hark::sentiment::Analyzer;
use vader_parity::SentimentIntensityAnalyzer;

const FILES: [&str; 4] = [
    "tweets_GroundTruth.txt",
    "movieReviewSnippets_GroundTruth.txt",
    "amazonReviewSnippets_GroundTruth.txt",
    "nytEditorialSnippets_GroundTruth.txt",
];

fn texts(file: &str) -> Vec<String> {
    let path = format!("{}/tests/data/sentiment/{file}", env!("CARGO_MANIFEST_DIR"));
    let content = std::fs::read_to_string(&path).expect("ground-truth file");
    hark::sentiment::metrics::parse_ground_truth(&content)
        .expect("parse")
        .into_iter()
        .map(|r| r.text)
        .collect()
}

#[test]
fn reference_mode_matches_vader_332_on_all_development_texts() {
    let ours = Analyzer::reference();
    let oracle = SentimentIntensityAnalyzer::new();
    let (mut total, mut compound_diff, mut prop_diff) = (0usize, Vec::new(), 0usize);
    for file in FILES {
        for text in texts(file) {
            total += 1;
            let a = ours.analyze(&text).scores;
            let b = oracle.polarity_scores(&text);
            if a.compound != b.compound {
                compound_diff.push(format!(
                    "{file}: {text:?}: {} vs {}",
                    a.compound, b.compound
                ));
            }
            if (a.pos, a.neu, a.neg) != (b.pos, b.neu, b.neg) {
                prop_diff += 1;
            }
        }
    }
    assert_eq!(total, 23_703, "development set size");
    assert!(
        compound_diff.is_empty(),
        "{} of {total} compounds differ:\n{}",
        compound_diff.len(),
        compound_diff
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(prop_diff, 0, "pos/neu/neg differ on {prop_diff} texts");
}

#[test]
fn reference_mode_matches_on_tricky_inputs() {
    let ours = Analyzer::reference();
    let oracle = SentimentIntensityAnalyzer::new();
    let cases = [
        "",
        "   ",
        "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
        "The plot was good, but the characters are uncompelling and the dialog is not great.",
        "Today only kinda sux! But I'll get by, lol",
        "Catch utf-8 emoji such as 💘 and 💋 and 😁",
        "I love ❤️ this 👍🏽 but 😡😡",
        "he is at least smart",
        "these are the shittiest of times",
        "no no good, not bad, never so good, without doubt great",
        "it was the bomb but yeah right kiss of death",
        "ÉTÉ GOOD bad Ǆ",
        "good\u{1c}bad\u{a0}ok\u{3000}great",
        "kind of good, sort of bad, at least fine, very least nice",
        "good good but good bad bad",
        "???!!!! great?? terrible!!!!!",
    ];
    for text in cases {
        let a = ours.analyze(text).scores;
        let b = oracle.polarity_scores(text);
        assert_eq!(
            (a.compound, a.pos, a.neu, a.neg),
            (b.compound, b.pos, b.neu, b.neg),
            "{text:?}"
        );
    }
}

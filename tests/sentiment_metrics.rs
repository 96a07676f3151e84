//! Social mode must stay at least as good as the reference on the VADER tweet
//! ground truth (human classes at |mean| >= 0.5, labels at ±0.05).

use hark::sentiment::metrics::{evaluate, parse_ground_truth, EvalReport};
use hark::sentiment::{Analyzer, SentimentConfig};

fn report(analyzer: &Analyzer, file: &str) -> EvalReport {
    let path = format!("{}/tests/data/sentiment/{file}", env!("CARGO_MANIFEST_DIR"));
    let items = parse_ground_truth(&std::fs::read_to_string(path).unwrap()).unwrap();
    evaluate(analyzer, &items)
}

#[test]
fn reference_reproduces_published_tweet_figures() {
    let r = report(&Analyzer::reference(), "tweets_GroundTruth.txt");
    eprintln!("reference tweets: {r:?}");
    assert_eq!(r.items, 4200);
    assert!((r.pearson_r - 0.872).abs() < 0.0005, "{r:?}");
    assert!((r.accuracy - 0.824).abs() < 0.0005, "{r:?}");
    assert!((r.macro_f1 - 0.702).abs() < 0.0005, "{r:?}");
    assert!((r.polar_accuracy - 0.960).abs() < 0.0005, "{r:?}");
}

#[test]
fn social_mode_meets_tweet_targets() {
    let s = report(&Analyzer::social(), "tweets_GroundTruth.txt");
    let r = report(&Analyzer::reference(), "tweets_GroundTruth.txt");
    eprintln!("social tweets: {s:?}");
    assert!(s.pearson_r >= 0.865, "{s:?}");
    assert!(s.accuracy >= 0.815, "{s:?}");
    assert!(s.macro_f1 >= 0.69, "{s:?}");
    // no worse than the reference beyond noise
    assert!(
        s.pearson_r >= r.pearson_r - 0.005 && s.accuracy >= r.accuracy - 0.005,
        "{s:?} vs {r:?}"
    );
}

#[test]
fn social_mode_holds_up_on_the_other_development_sets() {
    for file in [
        "movieReviewSnippets_GroundTruth.txt",
        "amazonReviewSnippets_GroundTruth.txt",
        "nytEditorialSnippets_GroundTruth.txt",
    ] {
        let s = report(&Analyzer::social(), file);
        let r = report(&Analyzer::reference(), file);
        eprintln!("{file}: social {s:?}\n{file}: reference {r:?}");
        assert!(s.pearson_r >= r.pearson_r - 0.01, "{file}: {s:?} vs {r:?}");
        assert!(s.accuracy >= r.accuracy - 0.01, "{file}: {s:?} vs {r:?}");
    }
}

#[test]
fn default_config_is_social_with_vader_thresholds() {
    let cfg = SentimentConfig::default();
    assert_eq!(cfg.mode, hark::sentiment::Mode::Social);
    assert_eq!(
        (cfg.positive_threshold, cfg.negative_threshold),
        (0.05, -0.05)
    );
}

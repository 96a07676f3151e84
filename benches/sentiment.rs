//! `cargo bench --bench sentiment`: single-thread items/s for both modes over
//! the VADER tweet ground truth (or the file in HARK_BENCH_INPUT), plus the
//! vader-parity crate for comparison. Plain std::time, no harness.

use std::hint::black_box;
use std::time::{Duration, Instant};

use hark::sentiment::{metrics, Analyzer};

/// Items per second of `f` over `texts`, repeating passes for at least `min`.
fn rate(texts: &[String], min: Duration, mut f: impl FnMut(&str) -> f64) -> f64 {
    for t in texts {
        black_box(f(t)); // warm-up: lexicon init, scratch buffers
    }
    let start = Instant::now();
    let mut items = 0usize;
    while start.elapsed() < min {
        for t in texts {
            black_box(f(black_box(t)));
        }
        items += texts.len();
    }
    items as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let path = std::env::var("HARK_BENCH_INPUT").unwrap_or_else(|_| {
        format!(
            "{}/tests/data/sentiment/tweets_GroundTruth.txt",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let content = std::fs::read_to_string(&path).expect("benchmark input");
    let texts: Vec<String> = metrics::parse_ground_truth(&content)
        .expect("ground-truth format")
        .into_iter()
        .map(|r| r.text)
        .collect();
    let min = Duration::from_millis(
        std::env::var("HARK_BENCH_MS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3000),
    );
    let reference = Analyzer::reference();
    let social = Analyzer::social();
    let oracle = vader_parity::SentimentIntensityAnalyzer::new();
    let r = rate(&texts, min, |t| reference.analyze(t).scores.compound);
    let s = rate(&texts, min, |t| social.analyze(t).scores.compound);
    let p = rate(&texts, min, |t| oracle.polarity_scores(t).compound);
    println!("input\t{} texts", texts.len());
    println!("reference\t{r:.0} items/s");
    println!("social\t{s:.0} items/s");
    println!("vader-parity\t{p:.0} items/s");
    println!("social/reference\t{:.2}", s / r);
}

//! Language detection speed: short posts per second on one core, among the demo brand's
//! languages and among every supported one (the default).

use std::time::Instant;

use super::measure::Figure;
use crate::language::Languages;

/// Detects the demo's posts, over and over on this thread, for about `min_posts`.
pub fn posts_per_second(min_posts: usize) -> anyhow::Result<Vec<Figure>> {
    let posts = super::generate::corpus();
    anyhow::ensure!(!posts.is_empty(), "the demo corpus is empty");
    let brand: Vec<String> = crate::demo::config().languages.expected;
    let mut figures = Vec::new();
    for (what, languages) in [
        (
            format!("{} languages", brand.len()),
            Languages::new(&brand)?,
        ),
        ("every supported language".to_string(), Languages::default()),
    ] {
        let rounds = min_posts.div_ceil(posts.len()).max(1);
        let mut seen = 0usize;
        let started = Instant::now();
        for _ in 0..rounds {
            for post in &posts {
                // Keeps the optimiser from dropping the call.
                seen += std::hint::black_box(languages.detect(post)).len();
            }
        }
        let rate = (rounds * posts.len()) as f64 / started.elapsed().as_secs_f64();
        std::hint::black_box(seen);
        figures.push(Figure {
            what: format!("language detection, {what}, one core"),
            value: format!("{rate:.0} posts/s"),
            budget: ">= 100000 posts/s".into(),
            ok: Some(rate >= 100_000.0),
        });
    }
    Ok(figures)
}

//! Social mode fixes what the reference gets wrong on customer-service style
//! posts (mentions, links, entities, emoji with modifiers, brand names).

use hark::sentiment::{Analyzer, Label, Mode, SentimentConfig};

fn cases() -> Vec<(Label, String)> {
    let path = format!(
        "{}/tests/data/sentiment/social_cases.tsv",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (label, text) = l.split_once('\t').unwrap();
            (label.parse().unwrap(), text.to_string())
        })
        .collect()
}

fn analyzer(mode: Mode) -> Analyzer {
    Analyzer::new(&SentimentConfig {
        mode,
        neutral_terms: vec!["Best Buy".into()],
        ..SentimentConfig::default()
    })
}

#[test]
fn social_mode_gets_every_case_right_and_the_reference_does_not() {
    let cases = cases();
    assert!(cases.len() >= 25);
    let (social, reference) = (analyzer(Mode::Social), analyzer(Mode::Reference));
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(want, text)| {
            let got = social.analyze(text).label;
            (got != *want).then(|| format!("{text:?}: {got}, want {want}"))
        })
        .collect();
    assert!(wrong.is_empty(), "social mode:\n{}", wrong.join("\n"));
    let reference_right = cases
        .iter()
        .filter(|(want, text)| reference.analyze(text).label == *want)
        .count();
    eprintln!("reference right on {reference_right} of {}", cases.len());
    // the reference misses at least a third (17 of 28 right when written)
    assert!(
        reference_right * 3 <= cases.len() * 2,
        "reference right on {reference_right}"
    );
}

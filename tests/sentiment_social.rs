//! Social mode: what social posts need beyond the reference.

use std::collections::BTreeMap;

use hark::sentiment::{Analyzer, Label, Mode, SentimentConfig};

fn social_with(neutral: &[&str], lexicon: &[(&str, f64)]) -> Analyzer {
    Analyzer::new(&SentimentConfig {
        neutral_terms: neutral.iter().map(|s| s.to_string()).collect(),
        lexicon: lexicon.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        ..SentimentConfig::default()
    })
}

fn compound(a: &Analyzer, text: &str) -> f64 {
    a.analyze(text).scores.compound
}

#[test]
fn mentions_and_urls_are_neutral() {
    let social = Analyzer::social();
    let reference = Analyzer::reference();
    for text in [
        "@Happy where is my parcel",
        "@best order 1234 status",
        ".@LOVE hi",
        "cc @Great",
    ] {
        assert_eq!(social.analyze(text).label, Label::Neutral, "{text}");
        assert_ne!(
            reference.analyze(text).label,
            Label::Neutral,
            "reference: {text}"
        );
    }
    // URLs: no words and no "?"/"!" emphasis from inside a link
    let link = "love it https://example.com/a?b=1?c=2!";
    assert_eq!(compound(&social, link), compound(&reference, "love it"));
    assert!(compound(&reference, link) > compound(&reference, "love it"));
    assert_eq!(
        social
            .analyze("www.example.com/x?y?z http://t.co/abc")
            .label,
        Label::Neutral
    );
    // the rest of the post still counts, with mentions removed
    assert_eq!(
        compound(&social, "@united thanks for nothing, worst flight ever"),
        compound(&reference, "thanks for nothing, worst flight ever")
    );
    // e-mail addresses are not mentions
    assert_eq!(
        compound(&social, "write to love@example.com"),
        compound(&reference, "write to love@example.com")
    );
}

#[test]
fn html_entities_are_decoded() {
    let social = Analyzer::social();
    assert_eq!(social.analyze("&lt;3 you guys").label, Label::Positive);
    assert_eq!(
        Analyzer::reference().analyze("&lt;3 you guys").label,
        Label::Neutral
    );
    assert_eq!(
        compound(&social, "good &amp; fast"),
        compound(&Analyzer::reference(), "good & fast")
    );
}

#[test]
fn brand_names_and_handles_from_config_are_neutral() {
    let plain = Analyzer::social();
    let branded = social_with(&["Best Buy", "@GoodLife", "Zappos"], &[]);
    // "best" (+3.2) inside a brand name must not make the post positive
    assert_eq!(
        plain.analyze("went to Best Buy for a cable").label,
        Label::Positive
    );
    assert_eq!(
        branded.analyze("went to Best Buy for a cable").label,
        Label::Neutral
    );
    assert_eq!(
        branded.analyze("went to best buy for a cable").label,
        Label::Neutral
    );
    assert_eq!(
        branded.analyze("#GoodLife gym opening hours").label,
        Label::Neutral
    );
    // the words keep their meaning outside the brand name
    assert_eq!(branded.analyze("best service ever").label, Label::Positive);
    // and sentiment about the brand is still scored
    assert_eq!(
        branded.analyze("Best Buy support was awful").label,
        Label::Negative
    );
}

#[test]
fn lexicon_overrides_from_config() {
    let plain = Analyzer::social();
    let tuned = social_with(&[], &[("outage", -2.5), ("Sick", 2.0), ("killer", 1.5)]);
    assert!(compound(&tuned, "another outage today") < compound(&plain, "another outage today"));
    assert_eq!(
        tuned.analyze("that new feature is sick").label,
        Label::Positive
    );
    assert_eq!(
        plain.analyze("that new feature is sick").label,
        Label::Negative
    );
    // overrides go through the VADER rules like any lexicon word
    assert_eq!(tuned.analyze("not a killer feature").label, Label::Negative);
    // reference mode ignores overrides: it stays identical to vaderSentiment
    let reference = Analyzer::new(&SentimentConfig {
        mode: Mode::Reference,
        lexicon: BTreeMap::from([("outage".to_string(), -2.5)]),
        ..SentimentConfig::default()
    });
    assert_eq!(
        reference.analyze("another outage today").label,
        Label::Neutral
    );
}

#[test]
fn emoji_are_not_negated_by_preceding_words() {
    let social = Analyzer::social();
    assert_eq!(social.analyze("never again 💔").label, Label::Negative);
    assert_eq!(social.analyze("nothing arrived 😡").label, Label::Negative);
    assert_eq!(
        social.analyze("no problem at all 👍").label,
        Label::Positive
    );
    // words keep VADER's negation
    assert_eq!(social.analyze("not good").label, Label::Negative);
}

#[test]
fn thresholds_are_configurable() {
    let strict = Analyzer::new(&SentimentConfig {
        positive_threshold: 0.5,
        negative_threshold: -0.5,
        ..SentimentConfig::default()
    });
    assert_eq!(Analyzer::social().analyze("ok").label, Label::Positive); // "ok" +0.2961
    assert_eq!(strict.analyze("ok").label, Label::Neutral);
}

#[test]
fn explanation_sums_to_the_compound() {
    let normalize = |x: f64| x / (x * x + 15.0).sqrt();
    for a in [Analyzer::reference(), Analyzer::social()] {
        for text in [
            "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
            "The plot was good, but the characters are uncompelling and the dialog is not great.",
            "@acme not happy 😡 with the refund &amp; the wait??",
            "Not bad at all",
            "nothing to see here",
        ] {
            let (s, rows) = a.explain(text);
            assert_eq!(s, a.analyze(text), "{text}");
            let sum: f64 = rows.iter().map(|r| r.valence).sum();
            assert!(
                (normalize(sum) - s.scores.compound).abs() <= 0.00005 + 1e-12,
                "{text}: {rows:?} vs {s:?}"
            );
            assert!(rows.iter().all(|r| r.valence != 0.0 && !r.token.is_empty()));
        }
    }
    let (_, rows) = Analyzer::reference().explain("The book was not good!");
    let good = rows.iter().find(|r| r.token == "good").expect("good row");
    assert!((good.valence - 1.9 * -0.74).abs() < 1e-9, "{rows:?}");
    assert_eq!(rows.last().map(|r| r.token.as_str()), Some("!?"));
    assert!(Analyzer::reference().explain("the book").1.is_empty());
}

#[test]
fn config_deserializes_from_toml() {
    let cfg: SentimentConfig = toml::from_str(
        r#"
        mode = "reference"
        positive_threshold = 0.1
        neutral_terms = ["Acme"]
        [lexicon]
        "outage" = -2.5
        "#,
    )
    .unwrap();
    assert_eq!(cfg.mode, Mode::Reference);
    assert_eq!(cfg.positive_threshold, 0.1);
    assert_eq!(cfg.negative_threshold, -0.05);
    assert_eq!(cfg.lexicon["outage"], -2.5);
    assert!(toml::from_str::<SentimentConfig>("mood = \"social\"").is_err());
    assert_eq!(
        toml::from_str::<SentimentConfig>("").unwrap(),
        SentimentConfig::default()
    );
}

#[test]
fn analyzer_is_shareable_across_threads() {
    let a = std::sync::Arc::new(Analyzer::social());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let a = a.clone();
            std::thread::spawn(move || {
                a.analyze(if i % 2 == 0 {
                    "great 👍"
                } else {
                    "awful 😡"
                })
                .label
            })
        })
        .collect();
    let labels: Vec<Label> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(
        labels,
        [
            Label::Positive,
            Label::Negative,
            Label::Positive,
            Label::Negative
        ]
    );
}

fn social_label(text: &str) -> Label {
    Analyzer::social().analyze(text).label
}

#[test]
fn ratings_carry_the_valence_of_their_score() {
    for (text, want) in [
        ("the new bagel: 9/10", Label::Positive),
        ("gave the brunch 4.5 stars", Label::Positive),
        ("this cafe is a 2/10 for me", Label::Negative),
        ("1 star. the order was late", Label::Negative),
        ("the soup was a 5/10", Label::Neutral),
        ("open 24/7 near the station", Label::Neutral),
    ] {
        assert_eq!(social_label(text), want, "{text}");
    }
    // the reference knows nothing of ratings
    assert_eq!(
        Analyzer::reference().analyze("the new bagel: 9/10").label,
        Label::Neutral
    );
}

#[test]
fn a_danger_adverb_before_praise_intensifies_it() {
    let a = Analyzer::social();
    for text in [
        "the brownies are dangerously good",
        "insanely tasty ramen at the new place",
        "stupidly comfortable chairs in the lounge",
        "ridiculously friendly staff today",
    ] {
        assert_eq!(a.analyze(text).label, Label::Positive, "{text}");
    }
    // it boosts a negative word the same way, and alone it stays negative
    assert!(compound(&a, "insanely rude staff") < compound(&a, "rude staff"));
    assert_eq!(a.analyze("he drove dangerously").label, Label::Negative);
}

#[test]
fn would_again_is_an_endorsement_unless_negated() {
    for (text, want) in [
        ("would order again", Label::Positive),
        (
            "the tacos were messy, would eat them again",
            Label::Positive,
        ),
        ("would never go back again", Label::Negative),
        ("would not buy again", Label::Negative),
    ] {
        assert_eq!(social_label(text), want, "{text}");
    }
}

#[test]
fn a_plain_question_stays_neutral() {
    for text in [
        "is the oat latte very sweet? my sister is obsessed",
        "does the chai have dairy in it?",
        "I'm obsessed with cold brew, which one has the most caffeine?",
    ] {
        assert_eq!(social_label(text), Label::Neutral, "{text}");
    }
}

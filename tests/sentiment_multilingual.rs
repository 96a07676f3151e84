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

/// Written after the lexicons were frozen and measured once (77.8% overall);
/// 82.2% after the complaint patterns and questions (not tuned to it; fr 73.3% lowest).
#[test]
fn fresh_posts_stay_above_the_measured_floor() {
    check("multilingual_fresh.tsv", 0.80, 0.70);
}

/// Written before the second tuning round (short complaints without a
/// sentiment word, conjugated verbs, short posts) and never read while tuning.
#[test]
fn second_fresh_set_meets_the_targets() {
    // 87.5% before the round (ca 75%), 91.7% after (de and ca 85%)
    check("multilingual_fresh2.tsv", 0.80, 0.70);
}

/// Both fresh sets end to end: the language detected among the brand's
/// languages, then scored in it (a misdetected post is scored in the wrong language).
#[test]
fn fresh_sets_with_detected_languages() {
    let codes: Vec<String> = ["en", "es", "fr", "pt", "de", "it", "ca"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let langs = hark::language::Languages::new(&codes).unwrap();
    let a = Analyzer::social();
    for file in ["multilingual_fresh.tsv", "multilingual_fresh2.tsv"] {
        let all = items(file);
        let mut by: std::collections::BTreeMap<String, (usize, usize, usize)> = Default::default();
        for it in &all {
            let lang = it.lang.clone().unwrap();
            let got = langs.detect(&it.text);
            let right = a
                .analyze_in(&it.text, got)
                .is_some_and(|s| s.label == hark::sentiment::metrics::human_label(it.mean));
            let e = by.entry(lang).or_default();
            e.0 += 1;
            e.1 += usize::from(got == it.lang.as_deref().unwrap());
            e.2 += usize::from(right);
        }
        let (n, d, r) = by
            .values()
            .fold((0, 0, 0), |a, e| (a.0 + e.0, a.1 + e.1, a.2 + e.2));
        eprintln!(
            "{file} detected: overall {:.3} (detection {d}/{n})",
            r as f64 / n as f64
        );
        let mut below = Vec::new();
        for (l, (n, d, r)) in &by {
            let acc = *r as f64 / *n as f64;
            eprintln!("{file} detected: {l} {acc:.3} (detection {d}/{n})");
            if acc < 0.70 {
                below.push(format!("{l} {acc:.3}"));
            }
        }
        // the issue's floor per language holds end to end, not only with given languages
        assert!(
            below.is_empty(),
            "{file} with detected languages: {below:?}"
        );
    }
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

/// (language, positive, negated, boosted, "positive CONTRAST negative")
const RULE_CASES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "es",
        "El café es bueno",
        "El café no es bueno",
        "El café es muy bueno",
        "El café es bueno pero el servicio es horrible",
    ),
    (
        "fr",
        "Le café est bon",
        "Le café n'est pas bon",
        "Le café est très bon",
        "Le café est bon mais le service est horrible",
    ),
    (
        "pt",
        "O café é bom",
        "O café não é bom",
        "O café é muito bom",
        "O café é bom mas o atendimento é horrível",
    ),
    (
        "de",
        "Der Kaffee ist gut",
        "Der Kaffee ist nicht gut",
        "Der Kaffee ist sehr gut",
        "Der Kaffee ist gut, aber der Service ist schrecklich",
    ),
    (
        "it",
        "Il caffè è buono",
        "Il caffè non è buono",
        "Il caffè è molto buono",
        "Il caffè è buono ma il servizio è orribile",
    ),
    (
        "ca",
        "El cafè és bo",
        "El cafè no és bo",
        "El cafè és molt bo",
        "El cafè és bo però el servei és horrible",
    ),
];

#[test]
fn negation_flips_the_valence_in_every_language() {
    for (lang, pos, neg, _, _) in RULE_CASES {
        assert_eq!(label(pos, lang), Label::Positive, "{lang}: {pos}");
        assert_eq!(label(neg, lang), Label::Negative, "{lang}: {neg}");
    }
}

#[test]
fn intensifiers_strengthen_in_every_language() {
    for (lang, pos, _, boosted, _) in RULE_CASES {
        assert!(
            compound(boosted, lang) > compound(pos, lang),
            "{lang}: {boosted}"
        );
    }
}

#[test]
fn the_clause_after_the_contrast_word_weighs_more_in_every_language() {
    for (lang, _, _, _, mixed) in RULE_CASES {
        assert_eq!(label(mixed, lang), Label::Negative, "{lang}: {mixed}");
    }
    // and the other way round
    assert_eq!(
        label("El servicio es horrible pero el café es bueno", "es"),
        Label::Positive
    );
    assert_eq!(
        label("Le service est horrible mais le café est très bon", "fr"),
        Label::Positive
    );
}

#[test]
fn caps_punctuation_and_emoji_apply_too() {
    assert!(compound("El café es BUENO", "es") > compound("El café es bueno", "es"));
    assert!(compound("El café es bueno!!!", "es") > compound("El café es bueno", "es"));
    assert_eq!(label("Llegó el pedido 😡", "es"), Label::Negative);
    assert_eq!(label("Llegó el pedido 🥰", "es"), Label::Positive);
}

#[test]
fn language_specific_negation_forms() {
    // French: "ne … pas" flips once; dropped "ne"; elided "n'"
    assert_eq!(label("Je ne suis pas content", "fr"), Label::Negative);
    assert_eq!(label("J'aime pas ce café", "fr"), Label::Negative);
    assert_eq!(label("Je n'aime pas ce café", "fr"), Label::Negative);
    assert_eq!(label("Pas mal du tout", "fr"), Label::Positive);
    // German: negation after the verb, but "leider nicht" stays negative
    assert_eq!(
        label("Der Kuchen schmeckt mir nicht", "de"),
        Label::Negative
    );
    assert_eq!(label("Leider nicht", "de"), Label::Negative);
    // a negation does not cross a clause boundary
    assert_eq!(label("No, me encanta", "es"), Label::Positive);
    // "without problems" is good news
    assert_eq!(
        label("Sin problemas con la devolución", "es"),
        Label::Positive
    );
    assert_eq!(label("Ha dejado de funcionar", "es"), Label::Negative);
}

#[test]
fn accents_inflections_and_set_phrases() {
    assert_eq!(label("que decepcion", "es"), Label::Negative);
    assert_eq!(label("las tazas llegaron rotas", "es"), Label::Negative);
    assert_eq!(label("Tardó pero merece la pena", "es"), Label::Positive);
    assert_eq!(
        label("C'était long mais ça valait la peine", "fr"),
        Label::Positive
    );
    assert_eq!(label("Nie wieder", "de"), Label::Negative);
}

#[test]
fn the_issue_examples_get_their_mood() {
    assert_eq!(
        label("Seguimos igual, con fiebre los dos", "es"),
        Label::Negative
    );
    assert_eq!(label("C'est une honte…", "fr"), Label::Negative);
    assert_eq!(
        label("ENFIN 😭 je serai là à 8h pile", "fr"),
        Label::Positive
    );
}

#[test]
fn a_language_without_a_lexicon_is_not_scored() {
    let a = Analyzer::social();
    assert!(a
        .analyze_in("Mijn bestelling is nog niet aangekomen", "nl")
        .is_none());
    assert!(a
        .explain_in("Mijn bestelling is nog niet aangekomen", "nl")
        .is_none());
    assert!(!a.scores("nl"));
    for l in ["en", "es", "fr", "pt", "de", "it", "ca"] {
        assert!(a.scores(l), "{l}");
        assert!(a.lexicon_name(l).is_some(), "{l}");
    }
    assert_eq!(a.lexicon_name("nl"), None);
    // English goes through VADER exactly as before
    assert_eq!(
        a.analyze_in("love it!!", "en"),
        Some(a.analyze("love it!!"))
    );
}

#[test]
fn brand_terms_and_overrides_apply_in_every_language() {
    let cfg = hark::sentiment::SentimentConfig {
        neutral_terms: vec!["Bueno Coffee".into()],
        lexicon: [("cutrísimo".to_string(), -3.0)].into_iter().collect(),
        ..Default::default()
    };
    let a = Analyzer::new(&cfg);
    let s = a.analyze_in("Vamos a Bueno Coffee", "es").unwrap();
    assert_eq!(s.label, Label::Neutral);
    assert_eq!(
        a.analyze_in("un sitio cutrisimo", "es").unwrap().label,
        Label::Negative
    );
}

/// Complaints with no sentiment word: a wait with its duration, "still not",
/// a repeated failure; and a duration without a wait stays neutral.
#[test]
fn complaints_without_a_sentiment_word_are_negative() {
    for (lang, text) in [
        ("es", "llevamos dos horas esperando la mesa"),
        ("es", "el paquete todavía no aparece"),
        ("es", "otra vez el mismo error en la factura"),
        ("fr", "ça fait dix jours que j'attends une réponse"),
        ("fr", "le colis n'est toujours pas là"),
        ("pt", "faz três semanas que aguardo o estorno"),
        ("pt", "ainda não recebi o cupom"),
        ("pt", "de novo a cobrança duplicada"),
        ("de", "wir warten seit drei Tagen auf den Techniker"),
        ("de", "die Gutschrift fehlt schon wieder"),
        ("it", "aspetto da dieci giorni la fattura"),
        ("it", "il rimborso ancora non è arrivato"),
        ("ca", "fa tres dies que espero el paquet"),
        ("ca", "encara no funciona la targeta"),
    ] {
        assert_eq!(label(text, lang), Label::Negative, "{lang}: {text}");
    }
    for (lang, text) in [
        ("es", "el envío suele llegar en dos días"),
        ("es", "abrimos dos horas antes el sábado"),
        ("de", "wir haben sieben Tage die Woche geöffnet"),
        ("it", "consegna in due giorni"),
    ] {
        assert_eq!(label(text, lang), Label::Neutral, "{lang}: {text}");
    }
}

/// A question about a quality is not praise: "does it work?" asks, it does not say.
#[test]
fn a_question_does_not_praise() {
    for (lang, text) in [
        ("es", "¿la app funciona sin conexión?"),
        ("fr", "la carte cadeau est gratuite ?"),
        ("pt", "a entrega é boa para o interior?"),
        ("it", "il wifi funziona bene nel negozio?"),
        ("de", "ist der Versand kostenlos?"),
        ("ca", "la targeta regal funciona a totes les botigues?"),
    ] {
        assert_eq!(label(text, lang), Label::Neutral, "{lang}: {text}");
    }
    // a complaining question stays a complaint
    assert_eq!(
        label("¿por qué es todo tan lento y caro?", "es"),
        Label::Negative
    );
}

/// A verb form the lexicon does not list finds its listed form through the
/// language's conjugation endings (imperfect "encantaba" -> "encanta").
#[test]
fn conjugated_verbs_find_their_lexicon_form() {
    for (lang, text) in [
        ("es", "nos encantaba ese sitio"),
        ("ca", "ens encantava aquell lloc"),
    ] {
        assert_eq!(label(text, lang), Label::Positive, "{lang}: {text}");
    }
}

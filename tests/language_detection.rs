//! Language detection on short customer-service posts, among the brand's
//! languages, and the fallback to the primary language for text too short to tell.

use hark::language::Languages;
use hark::sentiment::metrics::parse_ground_truth;

fn brand() -> Languages {
    let codes: Vec<String> = ["en", "es", "fr", "pt", "de", "it", "ca"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    Languages::new(&codes).unwrap()
}

fn data(file: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/data/sentiment/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// (language, text) of every post with a language column, plus English tweets.
fn posts() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for file in ["multilingual_dev.tsv", "multilingual_holdout.tsv"] {
        for it in parse_ground_truth(&data(file)).unwrap() {
            out.push((it.lang.unwrap(), it.text));
        }
    }
    // English: the tweets with at least four words (shorter ones fall back to English anyway)
    for it in parse_ground_truth(&data("tweets_GroundTruth.txt")).unwrap() {
        if it.text.split_whitespace().count() >= 4 {
            out.push(("en".into(), it.text));
        }
    }
    out
}

#[test]
fn short_posts_are_detected_per_language() {
    let langs = brand();
    let posts = posts();
    let mut failures = Vec::new();
    for code in ["en", "es", "fr", "pt", "de", "it", "ca"] {
        let mine: Vec<&(String, String)> = posts.iter().filter(|(l, _)| l == code).collect();
        let right = mine.iter().filter(|(_, t)| langs.detect(t) == code).count();
        let acc = right as f64 / mine.len() as f64;
        eprintln!("detection {code}: {acc:.3} of {} posts", mine.len());
        if std::env::var_os("HARK_SHOW_MISSES").is_some() {
            for (_, t) in mine
                .iter()
                .filter(|(_, t)| langs.detect(t) != code)
                .take(15)
            {
                eprintln!("  {code} -> {}: {t}", langs.detect(t));
            }
        }
        if acc < 0.9 {
            failures.push(format!("{code} {acc:.3}"));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn one_short_post_per_language() {
    let langs = brand();
    for (text, code) in [
        ("No me ha llegado el pedido", "es"),
        ("Je n'ai toujours pas reçu ma commande", "fr"),
        ("Meu pedido ainda não chegou", "pt"),
        ("Meine Bestellung ist noch nicht da", "de"),
        ("Il mio ordine non è ancora arrivato", "it"),
        ("Encara no m'ha arribat la comanda", "ca"),
        ("My order still hasn't arrived", "en"),
        ("@nimbuscoffee gracias!! https://t.co/x", "es"),
        ("merci beaucoup ☕", "fr"),
    ] {
        assert_eq!(langs.detect(text), code, "{text}");
    }
}

/// Portuguese typed without accents still has its own function words ("eu", "sem",
/// "tudo") and spellings (lh and nh, -eito, the past in -ou and -uei); Catalan's "com"
/// is its own word, not Portuguese "with".
#[test]
fn portuguese_without_accents_is_told_from_spanish_and_catalan() {
    let langs = brand();
    for (text, code) in [
        ("eu paguei e nada chegou", "pt"),
        ("sem gelo, por favor", "pt"),
        ("o trabalho da loja foi perfeito", "pt"),
        ("a minha filha adorou o bolo", "pt"),
        ("o atendente foi bem educado", "pt"),
        ("com sempre, molt bo", "ca"),
        ("el got era brut com sempre", "ca"),
        ("como siempre, perfecto", "es"),
        ("no me contestan los mensajes", "es"),
        ("malheureusement le colis est perdu", "fr"),
        ("the barista was so unhelpful today", "en"),
        ("die Einheit war leider kaputt", "de"),
    ] {
        assert_eq!(langs.detect(text), code, "{text}");
    }
}

#[test]
fn too_short_or_unclear_text_gets_the_primary_language() {
    let langs = brand();
    for text in [
        "love it!!",
        "👍",
        "ok",
        "",
        "!!!",
        "@nimbuscoffee",
        "top 🔥🔥",
        "10/10",
    ] {
        assert_eq!(langs.detect(text), "en", "{text:?}");
    }
    let spanish_first = Languages::new(&["es".to_string(), "en".to_string()]).unwrap();
    assert_eq!(spanish_first.primary(), "es");
    for text in ["👍", "ok", "top!!"] {
        assert_eq!(spanish_first.detect(text), "es", "{text:?}");
    }
    // a language outside the brand's list is never returned
    let en_es = Languages::new(&["en".to_string(), "es".to_string()]).unwrap();
    let d = en_es.detect("Meine Bestellung ist noch nicht angekommen, sehr ärgerlich");
    assert!(d == "en" || d == "es", "{d}");
}

#[test]
fn the_default_list_detects_any_language() {
    let langs = Languages::default();
    assert_eq!(langs.primary(), "en");
    assert_eq!(
        langs.detect("Il mio ordine non è ancora arrivato, che delusione"),
        "it"
    );
    assert_eq!(
        langs.detect("Mijn bestelling is nog steeds niet aangekomen, heel vervelend"),
        "nl"
    );
    assert_eq!(langs.detect("👍"), "en");
}

/// With every language possible, a word or two shared with a hinted language ("was",
/// "de") does not make a Dutch, Danish or Romanian post one of ours, and a post dense with
/// our function words needs no trigram statistics to be told.
#[test]
fn the_default_list_is_not_fooled_by_a_shared_word() {
    let langs = Languages::default();
    for (text, want) in [
        (
            "Wat een slechte service :( nooit meer, echt verschrikkelijk!! De koffie was koud en het personeel was onbeleefd.",
            "nl",
        ),
        (
            "Min ordre er stadig ikke kommet, og kundeservice svarer ikke. Det er virkelig for dårligt.",
            "da",
        ),
        (
            "Comanda mea nu a ajuns nici acum, iar serviciul clienți nu răspunde deloc.",
            "ro",
        ),
        (
            "Terrible service, the coffee was cold and the staff were rude. Never again!",
            "en",
        ),
        ("my order never arrived, where is it?", "en"),
        ("C'est une honte, toujours pas de remboursement", "fr"),
    ] {
        assert_eq!(langs.detect(text), want, "{text}");
    }
}

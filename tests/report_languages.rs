//! The report by language: volume and net sentiment per language, unscored items counted
//! apart, and recurring problems free of each language's function words.

mod support;

use hark::domain::ItemKind::Mention;
use hark::domain::SentimentLabel::{Negative, Neutral, Positive};
use hark::report::{self, Format, Options, Spec};
use support::report::{nov, post, Fixture, Post};

fn options() -> Options {
    Options {
        spec: Spec::Week("2026-W47".into()),
        tz: "Europe/Madrid".into(),
        target_secs: 3600,
        brand: "Nimbus Coffee".into(),
        now: 0,
        clock: hark::sla::Clock::wall(),
    }
}

fn in_lang<'a>(lang: &'a str, p: Post<'a>) -> Post<'a> {
    Post {
        lang: Some(lang),
        ..p
    }
}

#[test]
fn the_report_has_a_language_table_with_unscored_items_apart() {
    let fx = Fixture::new();
    let es = |id, at, label, body| in_lang("es", post(id, Mention, "@ines", at, label, body));
    fx.ingest(
        "chirp",
        &[
            // W46: one Spanish item before.
            es(
                "b1",
                nov(10, 9, 0),
                Some(Neutral),
                "hola, ¿abrís el domingo?",
            ),
            // W47.
            es(
                "e1",
                nov(17, 9, 0),
                Some(Negative),
                "Seguimos igual, con fiebre los dos y nadie nos contesta",
            ),
            es(
                "e2",
                nov(17, 10, 0),
                Some(Negative),
                "Con fiebre desde ayer, que alguien nos conteste por favor",
            ),
            es(
                "e3",
                nov(18, 10, 0),
                Some(Negative),
                "Los dos con fiebre otra vez y sin respuesta",
            ),
            es(
                "e4",
                nov(18, 11, 0),
                Some(Positive),
                "Que rico el nuevo latte",
            ),
            in_lang(
                "en",
                post(
                    "n1",
                    Mention,
                    "@sam",
                    nov(17, 12, 0),
                    Some(Positive),
                    "love the oat latte",
                ),
            ),
            in_lang(
                "en",
                post(
                    "n2",
                    Mention,
                    "@sam",
                    nov(18, 12, 0),
                    Some(Neutral),
                    "open on sunday?",
                ),
            ),
            // A language without a lexicon: no automatic label.
            in_lang(
                "nl",
                post(
                    "d1",
                    Mention,
                    "@joost",
                    nov(19, 12, 0),
                    None,
                    "Wat een slechte service",
                ),
            ),
            // Stored before languages were detected.
            post(
                "u1",
                Mention,
                "@old",
                nov(19, 13, 0),
                Some(Negative),
                "cold again",
            ),
        ],
    );
    let data = report::compute(&fx.reader(), &options()).unwrap();
    let rows: Vec<(String, u64, u64, Option<i64>, u64)> = data
        .sections
        .by_language
        .languages
        .iter()
        .map(|r| (r.lang.clone(), r.items, r.previous, r.net, r.unscored))
        .collect();
    assert_eq!(
        rows,
        vec![
            // 1 positive − 3 negative over 4 labelled = −50.
            ("es".into(), 4, 1, Some(-50), 0),
            ("en".into(), 2, 0, Some(50), 0),
            ("nl".into(), 1, 0, None, 1),
            ("unknown".into(), 1, 0, Some(-100), 0),
        ]
    );
    assert_eq!(data.sections.by_language.unscored, 1);

    let md = report::render(&data, Format::Md, None).text;
    assert!(md.contains("### By language"), "{md}");
    assert!(md.contains("| es | 4 | 1 | -50 | 1 | 0 | 3 | 0 |"), "{md}");
    assert!(md.contains("| nl | 1 | 0 | – | 0 | 0 | 0 | 1 |"), "{md}");
    assert!(md.contains("1 item had no sentiment"), "{md}");

    // Recurring problems: "fiebre" ranks; Spanish function words never do.
    let terms: Vec<&str> = data
        .sections
        .recurring
        .terms
        .iter()
        .map(|t| t.term.as_str())
        .collect();
    assert!(terms.iter().any(|t| t.contains("fiebre")), "{terms:?}");
    for w in ["con", "los", "nos", "que", "por", "sin"] {
        assert!(
            !terms.iter().any(|t| t.split(' ').any(|p| p == w)),
            "{w} ranked: {terms:?}"
        );
    }

    let csv = report::render(&data, Format::Csv, None).text;
    assert!(csv.contains("by_language.languages[es].net,-50"), "{csv}");
}

use super::*;

fn p(text: &str) -> Pattern {
    parse(text)
        .unwrap_or_else(|e| panic!("{text}: {}", e.pointed(text)))
        .expect("not empty")
}

fn field(name: &'static str, value: FieldValue) -> Pattern {
    Pattern::Field { field: name, value }
}

fn text(v: &str) -> FieldValue {
    FieldValue::Text(v.into())
}

fn term(t: &str, prefix: bool) -> Term {
    Term {
        text: t.into(),
        prefix,
    }
}

fn err(text: &str) -> PatternError {
    parse(text).expect_err(text)
}

#[test]
fn every_field_parses_with_its_value() {
    assert_eq!(p("~a ana"), field("author", text("ana")));
    assert_eq!(
        p("~b refund*"),
        field("body", FieldValue::Words(vec![term("refund", true)]))
    );
    assert_eq!(
        p("~b \"cold brew\""),
        field("body", FieldValue::Words(vec![term("cold brew", false)]))
    );
    assert_eq!(p("~p Chirp"), field("platform", text("chirp")));
    assert_eq!(p("~k dm"), field("kind", FieldValue::Choice("dm")));
    assert_eq!(p("~t #Bug"), field("tag", text("bug")));
    assert_eq!(
        p("~s neg"),
        field("sentiment", FieldValue::Choice("negative"))
    );
    assert_eq!(
        p("~s positive"),
        field("sentiment", FieldValue::Choice("positive"))
    );
    assert_eq!(
        p("~s neu"),
        field("sentiment", FieldValue::Choice("neutral"))
    );
    assert_eq!(
        p("~s unscored"),
        field("sentiment", FieldValue::Choice("unscored"))
    );
    assert_eq!(p("~l ES"), field("lang", text("es")));
    assert_eq!(
        p("~d <2d"),
        field("date", FieldValue::Time(TimeSpec::Within(2 * 86_400)))
    );
    assert_eq!(
        p("~d >1w"),
        field("date", FieldValue::Time(TimeSpec::OlderThan(7 * 86_400)))
    );
    assert_eq!(p("~x"), field("escalated", FieldValue::None));
    assert_eq!(p("~r"), field("replied", FieldValue::None));
    assert_eq!(p("~n"), field("needs-reply", FieldValue::None));
    assert_eq!(p("~S done"), field("state", FieldValue::Choice("done")));
}

#[test]
fn a_value_may_be_glued_to_its_field() {
    assert_eq!(p("~tbug"), p("~t bug"));
    assert_eq!(p("~sneg"), p("~s neg"));
}

#[test]
fn date_ranges_include_both_days() {
    let nov1 = 1_761_955_200; // 2025-11-01T00:00:00Z
    assert_eq!(
        p("~d 2025-11-01..2025-11-07"),
        field(
            "date",
            FieldValue::Time(TimeSpec::Between {
                from: Some(nov1),
                until: Some(nov1 + 7 * 86_400)
            })
        )
    );
    assert_eq!(
        p("~d 2025-11-01"),
        field(
            "date",
            FieldValue::Time(TimeSpec::Between {
                from: Some(nov1),
                until: Some(nov1 + 86_400)
            })
        )
    );
    assert_eq!(
        p("~d 2025-11-01.."),
        field(
            "date",
            FieldValue::Time(TimeSpec::Between {
                from: Some(nov1),
                until: None
            })
        )
    );
    assert_eq!(
        p("~d ..2025-11-01"),
        field(
            "date",
            FieldValue::Time(TimeSpec::Between {
                from: None,
                until: Some(nov1 + 86_400)
            })
        )
    );
    assert_eq!(TimeSpec::Within(10).bounds(100), (Some(91), None));
    assert_eq!(TimeSpec::OlderThan(10).bounds(100), (None, Some(90)));
}

#[test]
fn juxtaposition_is_and_bar_is_or_bang_is_not() {
    assert_eq!(
        p("~t bug ~s neg"),
        Pattern::And(vec![
            field("tag", text("bug")),
            field("sentiment", FieldValue::Choice("negative"))
        ])
    );
    assert_eq!(
        p("~p chirp | ~p forum"),
        Pattern::Or(vec![
            field("platform", text("chirp")),
            field("platform", text("forum"))
        ])
    );
    assert_eq!(
        p("!~r"),
        Pattern::Not(Box::new(field("replied", FieldValue::None)))
    );
    assert_eq!(p("! ~r"), p("!~r"));
    assert_eq!(
        p("!!~x"),
        Pattern::Not(Box::new(Pattern::Not(Box::new(field(
            "escalated",
            FieldValue::None
        )))))
    );
}

#[test]
fn and_binds_tighter_than_or_and_parentheses_group() {
    // a b | c  ==  (a b) | c
    assert_eq!(
        p("~x ~r | ~n"),
        Pattern::Or(vec![
            Pattern::And(vec![
                field("escalated", FieldValue::None),
                field("replied", FieldValue::None)
            ]),
            field("needs-reply", FieldValue::None)
        ])
    );
    assert_eq!(
        p("~x (~r | ~n)"),
        Pattern::And(vec![
            field("escalated", FieldValue::None),
            Pattern::Or(vec![
                field("replied", FieldValue::None),
                field("needs-reply", FieldValue::None)
            ])
        ])
    );
    assert_eq!(
        p("!(~p chirp|~p forum)"),
        Pattern::Not(Box::new(Pattern::Or(vec![
            field("platform", text("chirp")),
            field("platform", text("forum"))
        ])))
    );
}

#[test]
fn plain_words_and_phrases_are_one_full_text_search() {
    assert_eq!(
        p("refund late \"cold brew\" caf*"),
        Pattern::Text(vec![
            term("refund", false),
            term("late", false),
            term("cold brew", false),
            term("caf", true),
        ])
    );
    assert_eq!(
        p("refund ~s neg late"),
        Pattern::And(vec![
            Pattern::Text(vec![term("refund", false)]),
            field("sentiment", FieldValue::Choice("negative")),
            Pattern::Text(vec![term("late", false)]),
        ])
    );
    assert_eq!(
        p("refund | return"),
        Pattern::Or(vec![
            Pattern::Text(vec![term("refund", false)]),
            Pattern::Text(vec![term("return", false)]),
        ])
    );
    // A quote inside a phrase is written twice; FTS operators are plain words.
    assert_eq!(term("say \"hi\"", false).fts(), "\"say \"\"hi\"\"\"");
    assert_eq!(term("NOT", true).fts(), "\"NOT\"*");
    // `!` inside a word is the word's.
    assert_eq!(p("wow!"), Pattern::Text(vec![term("wow!", false)]));
}

#[test]
fn empty_pattern_is_no_limit() {
    assert_eq!(parse("").unwrap(), None);
    assert_eq!(parse("   ").unwrap(), None);
}

#[test]
fn errors_point_at_the_bad_token() {
    let e = err("~t bug ~q x");
    assert_eq!((e.at, e.len), (7, 2));
    assert!(e.message.contains("unknown field `~q`"), "{}", e.message);
    assert!(e.message.contains("~a author"), "{}", e.message);

    let e = err("~s angry");
    assert_eq!((e.at, e.len), (3, 5));
    assert!(e.message.contains("pos|neu|neg|unscored"), "{}", e.message);

    let e = err("~k tweet");
    assert_eq!(e.at, 3);
    assert!(e.message.contains("mention"), "{}", e.message);

    let e = err("~S closed");
    assert_eq!(e.at, 3);

    let e = err("~l xx");
    assert_eq!(e.at, 3);
    assert!(e.message.contains("language code"), "{}", e.message);

    let e = err("~d soon");
    assert_eq!(e.at, 3);
    assert!(e.message.contains("<2d"), "{}", e.message);
    let e = err("~d 2025-11-07..2025-11-01");
    assert!(e.message.contains("ends before"), "{}", e.message);
    let e = err("~d <2y");
    assert_eq!(e.at, 3);

    let e = err("~t");
    assert_eq!((e.at, e.len), (0, 2));
    assert!(e.message.contains("needs a value"), "{}", e.message);
    let e = err("~a (x)");
    assert_eq!(e.at, 0);

    let e = err("~xy");
    assert_eq!(e.at, 0);
    assert!(e.message.contains("takes no value"), "{}", e.message);

    let e = err("~ bug");
    assert_eq!(e.at, 0);
    let e = err("~1");
    assert_eq!(e.at, 0);

    let e = err("(~x | ~r");
    assert_eq!(e.at, 0);
    assert!(e.message.contains("never closed"), "{}", e.message);
    let e = err("~x)");
    assert_eq!(e.at, 2);
    let e = err("()");
    assert_eq!(e.at, 0);
    let e = err("~x |");
    assert_eq!(e.at, 3);
    let e = err("| ~x");
    assert_eq!(e.at, 0);
    let e = err("~x !");
    assert_eq!(e.at, 3);
    let e = err("say \"hi");
    assert_eq!(e.at, 4);
    assert!(e.message.contains("never closed"), "{}", e.message);

    // Columns count characters, not bytes.
    let e = err("café ~q");
    assert_eq!(e.at, 5);
    assert_eq!(e.to_string(), format!("{} (at column 6)", e.message));
    assert_eq!(e.pointed("café ~q").lines().last(), Some("       ^^"));
}

#[test]
fn hostile_input_is_an_error_or_a_pattern_never_a_panic() {
    for text in [
        "~",
        "!",
        "(",
        ")",
        "|",
        "\"",
        "((((",
        "~d",
        "~d ..",
        "~d <",
        "~d >99999999999999999999d",
        "~a \"",
        "~b ~",
        "\u{0}",
        "~é",
        "\"\"",
        "🙂 ~t 🙂",
    ] {
        let _ = parse(text);
    }
}

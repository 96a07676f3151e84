use super::*;

fn voice() -> VoiceConfig {
    VoiceConfig {
        signoff: Some("— Sam".into()),
        require_signoff: true,
        banned: vec![
            Banned {
                phrase: "unfortunately".into(),
                instead: Some("sadly".into()),
            },
            Banned {
                phrase: "per our policy".into(),
                instead: None,
            },
        ],
        max_emoji: Some(1),
        no_shouting: true,
        vars: Default::default(),
        lang: Default::default(),
    }
}

#[test]
fn a_clean_reply_has_no_warnings() {
    let w = check(
        "Thanks @ana, on its way! — Sam",
        &voice(),
        "chirp",
        Some(crate::replies::length::Limit::length(280)),
        true,
    );
    assert_eq!(w, vec![]);
}

#[test]
fn banned_phrases_suggest_the_alternative_and_match_whole_words() {
    let w = check(
        "Unfortunately we are out. — Sam",
        &voice(),
        "chirp",
        None,
        true,
    );
    assert_eq!(
        w,
        vec![Warning::Banned {
            phrase: "unfortunately".into(),
            instead: Some("sadly".into())
        }]
    );
    assert!(w[0].to_string().contains("say \"sadly\""));
    // A phrase inside another word is not a match.
    let mut v = voice();
    v.banned = vec![Banned {
        phrase: "ass".into(),
        instead: None,
    }];
    assert_eq!(check("first class — Sam", &v, "chirp", None, true), vec![]);
    assert_eq!(
        check("Per our policy, no. — Sam", &voice(), "chirp", None, true).len(),
        1
    );
}

#[test]
fn a_public_reply_needs_the_signoff_but_a_dm_does_not() {
    let w = check("Thanks!", &voice(), "chirp", None, true);
    assert_eq!(
        w,
        vec![Warning::NoSignoff {
            signoff: "— Sam".into()
        }]
    );
    assert_eq!(check("Thanks!", &voice(), "chirp", None, false), vec![]);
}

#[test]
fn too_many_emoji_and_shouting_are_flagged_but_short_acronyms_are_not() {
    let w = check("Yay 🎉🎉 — Sam", &voice(), "chirp", None, true);
    assert_eq!(w, vec![Warning::TooManyEmoji { count: 2, max: 1 }]);
    let w = check("This is NOT okay. — Sam", &voice(), "chirp", None, true);
    assert_eq!(w, vec![]);
    let w = check("We are SO SORRY!! — Sam", &voice(), "chirp", None, true);
    assert_eq!(
        w,
        vec![Warning::Shouting {
            word: "SORRY".into()
        }]
    );
    assert_eq!(
        check("See the FAQ, OK? — Sam", &voice(), "chirp", None, true),
        vec![]
    );
}

#[test]
fn the_platform_limit_counts_urls_as_the_platform_does() {
    let url = format!("https://example.com/{}", "x".repeat(300));
    let text = format!("Details: {url} — Sam");
    assert_eq!(
        check(
            &text,
            &voice(),
            "chirp",
            Some(crate::replies::length::Limit::length(280)),
            true
        ),
        vec![]
    );
    let w = check(
        &text,
        &voice(),
        "forum",
        Some(crate::replies::length::Limit::length(280)),
        true,
    );
    assert!(matches!(w[0], Warning::TooLong { limit: 280, .. }), "{w:?}");
}

#[test]
fn an_empty_reply_is_a_warning() {
    assert_eq!(
        check("  \n", &voice(), "chirp", None, true),
        vec![Warning::Empty]
    );
}

#[test]
fn a_language_has_its_own_signoff_and_banned_words_on_top_of_the_general_ones() {
    let mut voice = voice();
    voice.lang.insert(
        "es".into(),
        LangVoice {
            signoff: Some("— Sam, de Nimbus".into()),
            banned: vec![Banned {
                phrase: "lamentablemente".into(),
                instead: Some("por desgracia".into()),
            }],
        },
    );
    let limit = Some(crate::replies::length::Limit::length(280));
    let es = voice.for_lang(Some("es"));
    let w = check(
        "Lamentablemente no. — Sam, de Nimbus",
        &es,
        "chirp",
        limit,
        true,
    );
    assert_eq!(
        w,
        vec![Warning::Banned {
            phrase: "lamentablemente".into(),
            instead: Some("por desgracia".into()),
        }]
    );
    // The general banned words still apply in Spanish.
    let w = check(
        "unfortunately no. — Sam, de Nimbus",
        &es,
        "chirp",
        limit,
        true,
    );
    assert!(matches!(&w[..], [Warning::Banned { phrase, .. }] if phrase == "unfortunately"));
    // The English sign-off is not the Spanish one.
    let w = check("Gracias. — Sam", &es, "chirp", limit, true);
    assert!(w.contains(&Warning::NoSignoff {
        signoff: "— Sam, de Nimbus".into()
    }));
    // Other languages, and unknown ones, keep the general voice.
    assert_eq!(voice.for_lang(Some("fr")), voice);
    assert_eq!(voice.for_lang(None), voice);
    assert!(check(
        "Lamentablemente no. — Sam",
        &voice.for_lang(Some("en")),
        "chirp",
        limit,
        true
    )
    .is_empty());
}

use super::*;

fn vars() -> Vars {
    let mut voice = VoiceConfig {
        signoff: Some("— Sam at Nimbus".into()),
        ..Default::default()
    };
    voice.vars.insert("store_hours".into(), "7am–7pm".into());
    Vars::for_item(
        &voice,
        "Nimbus Coffee",
        "chirp",
        "@ana",
        "",
        Some("https://x/1"),
    )
}

fn known(name: &str) -> bool {
    let mut voice = VoiceConfig::default();
    voice.vars.insert("store_hours".into(), "7am–7pm".into());
    Vars::is_known(name, &voice)
}

#[test]
fn variables_are_filled_from_the_item_the_brand_and_voice_vars() {
    let text = expand(
        "Hi {author}! {brand} on {platform} is open {store_hours}. {signoff}",
        &vars(),
        &known,
    )
    .unwrap();
    assert_eq!(
        text,
        "Hi @ana! Nimbus Coffee on chirp is open 7am–7pm. — Sam at Nimbus"
    );
}

#[test]
fn a_fallback_fills_a_variable_with_no_value() {
    assert_eq!(
        expand("Hi {author_name|there}!", &vars(), &known).unwrap(),
        "Hi there!"
    );
    // A value wins over the fallback.
    assert_eq!(
        expand("Hi {author|friend}!", &vars(), &known).unwrap(),
        "Hi @ana!"
    );
    // An empty fallback is allowed and deliberate.
    assert_eq!(expand("Hi{author_name|}!", &vars(), &known).unwrap(), "Hi!");
}

#[test]
fn a_variable_with_no_value_and_no_fallback_is_an_error_not_a_hole() {
    let err = expand("Hi {author_name}!", &vars(), &known).unwrap_err();
    assert_eq!(err, ExpandError::Missing("author_name".into()));
    assert!(err.to_string().contains("{author_name|fallback}"), "{err}");
}

#[test]
fn unknown_variables_and_unclosed_braces_are_errors_and_double_braces_are_literal() {
    assert_eq!(
        expand("{nope}", &vars(), &known).unwrap_err(),
        ExpandError::Unknown("nope".into())
    );
    assert_eq!(
        expand("Hi {author", &vars(), &known).unwrap_err(),
        ExpandError::Unclosed
    );
    assert_eq!(
        expand("{{literal}} {author}", &vars(), &known).unwrap(),
        "{literal} @ana"
    );
}

#[test]
fn validation_catches_duplicate_keys_bad_keys_and_unknown_variables() {
    let reply = |name: &str, key: Option<u8>, body: &str| CannedReply {
        name: name.into(),
        key,
        body: body.into(),
        platforms: vec![],
        tags: vec![],
    };
    let voice = VoiceConfig::default();
    assert!(validate(&[reply("a", Some(1), "Hi {author}")], &voice).is_ok());
    let err = validate(
        &[reply("a", Some(1), "x"), reply("b", Some(1), "y")],
        &voice,
    )
    .unwrap_err();
    assert!(err.contains("both use key 1"), "{err}");
    let err = validate(&[reply("a", Some(12), "x")], &voice).unwrap_err();
    assert!(err.contains("not 1–9"), "{err}");
    let err = validate(&[reply("a", None, "Hi {nmae}")], &voice).unwrap_err();
    assert!(err.contains("unknown variable {nmae}"), "{err}");
}

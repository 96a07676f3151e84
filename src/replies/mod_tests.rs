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
        lang: Default::default(),
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

fn vars_for(author: &str, display_name: &str) -> Vars {
    Vars::for_item(
        &VoiceConfig::default(),
        "Nimbus Coffee",
        "chirp",
        author,
        display_name,
        None,
    )
}

#[test]
fn author_first_is_the_first_name_of_the_display_name() {
    let first = |author: &str, name: &str, template: &str| {
        expand(template, &vars_for(author, name), &known).unwrap()
    };
    assert_eq!(
        first(
            "@isa_rio",
            "Isabel del Río",
            "Sorry to hear that, {author_first}"
        ),
        "Sorry to hear that, Isabel"
    );
    assert_eq!(
        first("@pau", "🌱 Pau Vidal", "Hola {author_first}"),
        "Hola Pau"
    );
    assert_eq!(
        first("@jo", "Jo-Anne O'Neil", "Hi {author_first}"),
        "Hi Jo-Anne"
    );
    // A handle-only author: the template's fallback, else the handle.
    assert_eq!(
        first("@grinder_geek", "", "Hi {author_first|there}"),
        "Hi there"
    );
    assert_eq!(
        first("@grinder_geek", "grinder_geek", "Hi {author_first|there}"),
        "Hi there"
    );
    assert_eq!(
        first("@grinder_geek", "", "Hi {author_first}"),
        "Hi @grinder_geek"
    );
    assert_eq!(first("@x", "☕☕", "Hi {author_first|there}"), "Hi there");
}

#[test]
fn a_reply_variant_is_chosen_by_language_falling_back_to_the_default_body() {
    let config = crate::config::Config::parse(
        r#"
[[reply]]
name = "sorry"
key = 1
body = "Sorry to hear that, {author_first}."

[reply.lang.es]
body = "Sentimos mucho lo ocurrido, {author_first}."

[reply.lang.fr]
body = "Nous sommes désolés, {author_first}."
"#,
        std::path::Path::new("config.toml"),
    )
    .unwrap();
    let reply = &config.replies[0];
    assert_eq!(
        reply.body_for(Some("es")),
        "Sentimos mucho lo ocurrido, {author_first}."
    );
    assert_eq!(
        reply.body_for(Some("fr")),
        "Nous sommes désolés, {author_first}."
    );
    assert_eq!(
        reply.body_for(Some("de")),
        "Sorry to hear that, {author_first}."
    );
    assert_eq!(reply.body_for(None), "Sorry to hear that, {author_first}.");
    assert_eq!(reply.languages().collect::<Vec<_>>(), vec!["es", "fr"]);

    let bad = |text: &str| {
        crate::config::Config::parse(text, std::path::Path::new("config.toml"))
            .unwrap_err()
            .to_string()
    };
    let e =
        bad("[[reply]]\nname = \"a\"\nbody = \"x\"\n[reply.lang.es]\nbody = \"Hola {nombre}\"\n");
    assert!(
        e.contains("reply `a` (es): unknown variable {nombre}"),
        "{e}"
    );
    let e = bad("[[reply]]\nname = \"a\"\nbody = \"x\"\n[reply.lang.spanish]\nbody = \"Hola\"\n");
    assert!(e.contains("unknown language code \"spanish\""), "{e}");
    let e = bad("[voice.lang.xx]\nsignoff = \"x\"\n");
    assert!(e.contains("[voice.lang]"), "{e}");
}

//! Replies in the brand's voice (README "Replies and the outbox"): canned replies from config, their
//! variables, length counting the way each platform counts, and the brand-voice checks.
//!
//! Everything here is pure text work, so the composer and the tests share one truth.

pub mod expand;
pub mod length;
pub mod voice;
pub mod x_length;

use std::collections::BTreeMap;

use serde::Deserialize;

pub use expand::{expand, ExpandError, Vars};
pub use voice::{check, VoiceConfig, Warning};

/// One `[[reply]]` in config.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CannedReply {
    pub name: String,
    /// 1–9: the key that opens the composer with this reply.
    #[serde(default)]
    pub key: Option<u8>,
    pub body: String,
    /// Only offered on these platforms (all when empty).
    #[serde(default)]
    pub platforms: Vec<String>,
    /// Free labels shown in the picker and matched by its search.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The reply in other languages (`[reply.lang.es] body = "…"`), by ISO 639-1 code.
    #[serde(default)]
    pub lang: BTreeMap<String, ReplyVariant>,
}

/// One language's version of a canned reply.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReplyVariant {
    pub body: String,
}

impl CannedReply {
    pub fn applies_to(&self, platform: &str) -> bool {
        self.platforms.is_empty() || self.platforms.iter().any(|p| p == platform)
    }

    /// The body for an item written in `lang`: its variant, else the default body.
    pub fn body_for(&self, lang: Option<&str>) -> &str {
        lang.and_then(|l| self.lang.get(l))
            .map_or(self.body.as_str(), |v| v.body.as_str())
    }

    /// The languages this reply has a variant for, in code order.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.lang.keys().map(String::as_str)
    }
}

/// Where the cursor goes after a reply is queued.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AfterSend {
    /// The next item below that still needs a reply.
    #[default]
    NextNeedsReply,
    /// The next item below.
    Next,
    /// Stay on the item.
    Stay,
}

/// `[composer]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ComposerConfig {
    #[serde(default)]
    pub after_send: AfterSend,
}

/// Checks the `[[reply]]` entries: unique names, keys 1–9 used once, bodies whose
/// variables are all known.
pub fn validate(replies: &[CannedReply], voice: &VoiceConfig) -> Result<(), String> {
    let mut names = std::collections::HashSet::new();
    let mut keys = BTreeMap::new();
    for reply in replies {
        if reply.name.trim().is_empty() {
            return Err("a [[reply]] has an empty name".into());
        }
        if !names.insert(reply.name.as_str()) {
            return Err(format!("two [[reply]] entries are named `{}`", reply.name));
        }
        if let Some(key) = reply.key {
            if !(1..=9).contains(&key) {
                return Err(format!(
                    "reply `{}`: key {key} is not 1–9 (use the picker, R, for more replies)",
                    reply.name
                ));
            }
            if let Some(other) = keys.insert(key, reply.name.as_str()) {
                return Err(format!(
                    "replies `{other}` and `{}` both use key {key}",
                    reply.name
                ));
            }
        }
        let bodies = std::iter::once((None, &reply.body))
            .chain(reply.lang.iter().map(|(l, v)| (Some(l), &v.body)));
        for (lang, body) in bodies {
            let reply_name = match lang {
                Some(l) => format!("reply `{}` ({l})", reply.name),
                None => format!("reply `{}`", reply.name),
            };
            if let Some(l) = lang.filter(|l| !crate::language::is_code(l)) {
                return Err(format!(
                    "{reply_name}: unknown language code {l:?} in [reply.lang] (use ISO 639-1 codes such as \"es\")"
                ));
            }
            for name in expand::variables(body).map_err(|e| format!("{reply_name}: {e}"))? {
                if !Vars::is_known(&name, voice) {
                    return Err(format!(
                        "{reply_name}: unknown variable {{{name}}} (known: {}, and [voice.vars])",
                        expand::BUILTIN.join(", ")
                    ));
                }
            }
        }
    }
    if let Some(l) = voice.lang.keys().find(|l| !crate::language::is_code(l)) {
        return Err(format!(
            "unknown language code {l:?} in [voice.lang] (use ISO 639-1 codes such as \"es\")"
        ));
    }
    Ok(())
}

/// The canned reply bound to digit `key`.
pub fn by_key(replies: &[CannedReply], key: u8) -> Option<&CannedReply> {
    replies.iter().find(|r| r.key == Some(key))
}

#[cfg(test)]
mod tests {
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
        let e = bad(
            "[[reply]]\nname = \"a\"\nbody = \"x\"\n[reply.lang.es]\nbody = \"Hola {nombre}\"\n",
        );
        assert!(
            e.contains("reply `a` (es): unknown variable {nombre}"),
            "{e}"
        );
        let e =
            bad("[[reply]]\nname = \"a\"\nbody = \"x\"\n[reply.lang.spanish]\nbody = \"Hola\"\n");
        assert!(e.contains("unknown language code \"spanish\""), "{e}");
        let e = bad("[voice.lang.xx]\nsignoff = \"x\"\n");
        assert!(e.contains("[voice.lang]"), "{e}");
    }
}

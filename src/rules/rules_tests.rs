use std::path::Path;

use super::*;
use crate::config::Config;

fn parse(text: &str) -> Result<Config, String> {
    Config::parse(text, Path::new("config.toml")).map_err(|e| e.to_string())
}

fn rules(text: &str) -> RuleSet {
    RuleSet::compile(&parse(text).unwrap().rules).unwrap()
}

fn facts(body: &str) -> ItemFacts {
    ItemFacts {
        body: body.into(),
        platform: "chirp".into(),
        kind: ItemKind::Mention,
        author_handle: "@ana".into(),
        followers: Some(120),
        sentiment: None,
        lang: Some("en".into()),
    }
}

fn one(conditions: &str) -> Rule {
    let text =
        format!("[[rule]]\nname = \"r\"\nall = {{ {conditions} }}\nthen = {{ tag = [\"x\"] }}\n");
    rules(&text).rules.remove(0)
}

#[test]
fn a_full_rule_parses_with_its_actions() {
    let set = rules(
        r#"
[[rule]]
name = "crisis"
any = { keywords = ["food poisoning", "lawsuit"], regex = 'recall(ed)?' }
all = { platform = ["chirp"], kind = ["mention", "comment"] }
then = { tag = ["crisis", "press"], done = true, hide = true, spam = true, flag = { severity = "critical", reason = "health" } }
"#,
    );
    let rule = &set.rules[0];
    assert_eq!(rule.name, "crisis");
    assert_eq!(rule.actions.tag, vec!["crisis", "press"]);
    assert!(rule.actions.done && rule.actions.hide && rule.actions.spam);
    let flag = rule.actions.flag.as_ref().unwrap();
    assert_eq!(flag.severity, Severity::Critical);
    assert_eq!(flag.reason, "health");
    assert!(rule.matches(&facts("this is a LAWSUIT waiting to happen")));
    assert!(rule.matches(&facts("they recalled it")));
    assert!(!rule.matches(&facts("lovely latte")));
}

#[test]
fn an_unknown_field_names_the_rule_and_its_line() {
    let text = "brand = \"x\"\n\n[[rule]]\nname = \"ok\"\nall = { contains_link = true }\nthen = { done = true }\n\n[[rule]]\nname = \"typo rule\"\nall = { keywordz = [\"a\"] }\nthen = { done = true }\n";
    let err = parse(text).unwrap_err();
    assert!(err.contains("line 10"), "{err}");
    assert!(err.contains("typo rule"), "{err}");
    assert!(err.contains("keywordz"), "{err}");
}

#[test]
fn an_invalid_regex_names_the_rule_and_its_line() {
    let text = "[[rule]]\nname = \"fine\"\nall = { only_emoji = true }\nthen = { done = true }\n\n[[rule]]\nname = \"broken\"\nany = { regex = 'free (money' }\nthen = { tag = [\"spam\"] }\n";
    let err = parse(text).unwrap_err();
    assert!(err.contains("line 8"), "{err}");
    assert!(err.contains("rule `broken`"), "{err}");
    assert!(err.contains("invalid regex"), "{err}");
    assert!(err.contains("rule[1].any.regex"), "{err}");
}

#[test]
fn rules_without_conditions_or_actions_or_with_a_bad_severity_are_rejected() {
    let no_cond = parse("[[rule]]\nname = \"empty\"\nthen = { done = true }\n").unwrap_err();
    assert!(
        no_cond.contains("rule `empty`") && no_cond.contains("no conditions"),
        "{no_cond}"
    );
    let no_action = parse("[[rule]]\nname = \"idle\"\nall = { contains_link = true }\nthen = {}\n")
        .unwrap_err();
    assert!(
        no_action.contains("rule `idle`") && no_action.contains("no action"),
        "{no_action}"
    );
    let severity = parse("[[rule]]\nname = \"s\"\nall = { contains_link = true }\nthen = { flag = { severity = \"urgent\", reason = \"x\" } }\n").unwrap_err();
    assert!(
        severity.contains("line 4") && severity.contains("urgent"),
        "{severity}"
    );
    let twice = parse("[[rule]]\nname = \"a\"\nall = { contains_link = true }\nthen = { done = true }\n[[rule]]\nname = \"a\"\nall = { contains_link = true }\nthen = { done = true }\n").unwrap_err();
    assert!(
        twice.contains("two rules have this name") && twice.contains("line 6"),
        "{twice}"
    );
    let sentiment =
        parse("[[rule]]\nname = \"s\"\nall = { sentiment_below = -3 }\nthen = { done = true }\n")
            .unwrap_err();
    assert!(sentiment.contains("between -1 and 1"), "{sentiment}");
}

#[test]
fn keywords_are_case_insensitive_and_respect_word_boundaries() {
    let rule = one(r#"keywords = ["airdrop", "gift card winner", "A&E", "€5,000"]"#);
    assert!(rule.matches(&facts("FREE AirDrop today")));
    assert!(rule.matches(&facts("you are a Gift  Card WINNER!!")));
    assert!(rule.matches(&facts("went to A&E last night")));
    assert!(rule.matches(&facts("claim €5,000 now")));
    assert!(!rule.matches(&facts("the airdropped package")));
    assert!(!rule.matches(&facts("gift cards for winners")));
    let sick = one(r#"keywords = ["sick"]"#);
    assert!(sick.matches(&facts("I got sick.")));
    assert!(!sick.matches(&facts("homesick")));
}

#[test]
fn regex_is_case_insensitive() {
    let rule = one(r#"regex = '\bNC-\d{5}\b'"#);
    assert!(rule.matches(&facts("order nc-48213 is late")));
    assert!(!rule.matches(&facts("order nc-482 is late")));
}

#[test]
fn links_contacts_and_emoji_only() {
    let link = one("contains_link = true");
    assert!(link.matches(&facts("claim at http://btc-dropzone.example.xyz/claim")));
    assert!(link.matches(&facts("see www.example.org")));
    assert!(!link.matches(&facts("no link here, just a sentence.")));
    let no_link = one("contains_link = false");
    assert!(no_link.matches(&facts("no link here")));

    let contact = one("contains_contact = true");
    assert!(contact.matches(&facts("mail me at p.santoro@hotelaurelia.example")));
    assert!(contact.matches(&facts("call +34 612 345 678 please")));
    assert!(!contact.matches(&facts("order 12 of 2024 @nimbuscoffee")));

    let emoji = one("only_emoji = true");
    assert!(emoji.matches(&facts("😍🔥 ☕")));
    assert!(emoji.matches(&facts("👨‍👩‍👧")));
    assert!(!emoji.matches(&facts("love it 😍")));
    assert!(!emoji.matches(&facts("   ")));
}

#[test]
fn platform_kind_followers_and_authors() {
    let mut f = facts("hello");
    assert!(one(r#"platform = ["Chirp", "forum"]"#).matches(&f));
    assert!(!one(r#"platform = ["forum"]"#).matches(&f));
    assert!(one(r#"kind = ["mention"]"#).matches(&f));
    assert!(!one(r#"kind = ["dm", "comment"]"#).matches(&f));
    assert!(one("followers_above = 100").matches(&f));
    assert!(!one("followers_above = 120").matches(&f));
    assert!(one("followers_below = 121").matches(&f));
    assert!(!one("followers_below = 50").matches(&f));
    assert!(one(r#"authors = ["ANA"]"#).matches(&f));
    assert!(one(r#"authors = ["@bob", "@ana"]"#).matches(&f));
    assert!(!one(r#"authors = ["@anabel"]"#).matches(&f));
    // An unknown follower count is neither above nor below anything.
    f.followers = None;
    assert!(!one("followers_below = 50").matches(&f));
    assert!(!one("followers_above = 0").matches(&f));
}

#[test]
fn sentiment_conditions_never_match_unscored_items() {
    let below = one("sentiment_below = -0.3");
    let above = one("sentiment_above = 0.3");
    let mut f = facts("whatever");
    assert!(!below.matches(&f) && !above.matches(&f));
    f.sentiment = Some(-0.6);
    assert!(below.matches(&f) && !above.matches(&f));
    f.sentiment = Some(0.5);
    assert!(!below.matches(&f) && above.matches(&f));
}

#[test]
fn all_and_any_combine() {
    let set = rules(
        "[[rule]]\nname = \"r\"\nall = { contains_link = true, followers_below = 50 }\nany = { keywords = [\"free\"], authors = [\"@spam\"] }\nthen = { spam = true }\n",
    );
    let rule = &set.rules[0];
    let mut f = facts("free coins http://x.example.xyz");
    f.followers = Some(3);
    assert!(rule.matches(&f));
    f.body = "coins http://x.example.xyz".into();
    assert!(!rule.matches(&f), "no `any` condition holds");
    f.author_handle = "@spam".into();
    assert!(rule.matches(&f));
    f.followers = Some(500);
    assert!(!rule.matches(&f), "an `all` condition fails");
}

#[test]
fn every_matching_rule_applies_in_order() {
    let set = rules("[[rule]]\nname = \"a\"\nall = { contains_link = true }\nthen = { tag = [\"x\"] }\n[[rule]]\nname = \"b\"\nany = { keywords = [\"free\"] }\nthen = { tag = [\"y\"] }\n[[rule]]\nname = \"c\"\nall = { only_emoji = true }\nthen = { tag = [\"z\"] }\n");
    let f = facts("free stuff at http://a.example.com");
    let names: Vec<&str> = set.matching(&f).map(|r| r.name.as_str()).collect();
    assert_eq!(names, vec!["a", "b"]);
}

#[test]
fn the_demo_rules_compile() {
    let config = crate::demo::config();
    assert!(RuleSet::compile(&config.rules).unwrap().rules.len() >= 5);
    assert!(config.escalation.spike.is_some());
}

mod spike {
    use std::time::Duration;

    use crate::domain::Severity;
    use crate::escalation::SpikeConfig;
    use crate::rules::spike::{is_spike, scan};

    fn config() -> SpikeConfig {
        SpikeConfig {
            name: "negative spike".into(),
            window: Duration::from_secs(24 * 3600),
            multiple: Some(3.0),
            z_score: None,
            min_count: 5,
            cooldown: Duration::from_secs(6 * 3600),
            severity: Severity::Critical,
            tag: None,
        }
    }

    #[test]
    fn a_flat_series_never_fires() {
        let flat = vec![4u64; 72];
        assert!(scan(&flat, &config()).is_empty());
        let mut z = config();
        z.multiple = None;
        z.z_score = Some(3.0);
        assert!(scan(&flat, &z).is_empty());
    }

    #[test]
    fn a_burst_fires_once_and_the_cooldown_holds_it() {
        // Two quiet days, then six hours of surge, then calm, then a second surge
        // after the cooldown.
        let mut series = vec![1u64; 48];
        series.extend([12, 15, 20, 18, 14, 13]);
        series.extend(vec![1u64; 10]);
        series.extend([16, 18]);
        let fired = scan(&series, &config());
        assert_eq!(
            fired,
            vec![48, 64],
            "once per surge, never during the cooldown"
        );
    }

    #[test]
    fn the_minimum_count_and_the_z_score() {
        let c = config();
        assert!(!is_spike(&[0, 0, 0], 4, &c), "under the minimum count");
        assert!(is_spike(&[0, 0, 0], 5, &c));
        let mut z = config();
        z.multiple = None;
        z.z_score = Some(2.0);
        let noisy = [2, 6, 3, 7, 2, 5, 4, 3];
        assert!(!is_spike(&noisy, 6, &z));
        assert!(is_spike(&noisy, 9, &z));
    }
}

#[test]
fn a_rule_with_twenty_thousand_keywords_loads_and_matches() {
    // Long enough, with letters that fold several ways, that one regex alternation of
    // them exceeded the regex crate's size limit (and panicked).
    let words: Vec<String> = (0..20_000)
        .map(|i| format!("\"kostenlos spam wörd {i}\""))
        .collect();
    let text = format!(
        "[[rule]]\nname = \"banned\"\nany = {{ keywords = [{}] }}\nthen = {{ hide = true }}\n",
        words.join(", ")
    );
    let set = rules(&text);
    assert!(set.rules[0].matches(&facts("buy KOSTENLOS  Spam WÖRD 19999 now")));
    assert!(set.rules[0].matches(&facts("kostenlos spam wörd 0")));
    assert!(!set.rules[0].matches(&facts("kostenlos spam wörd 01, kostenlos spam wörd 20000")));
}

#[test]
fn a_regex_too_large_to_compile_is_a_config_error_naming_the_rule_and_line() {
    let alternatives: Vec<String> = (0..20_000).map(|i| format!("spam\\w*{i}")).collect();
    let text = format!(
        "brand = \"x\"\n\n[[rule]]\nname = \"huge\"\nany = {{ regex = '{}' }}\nthen = {{ hide = true }}\n",
        alternatives.join("|")
    );
    let err = parse(&text).unwrap_err();
    assert!(
        err.starts_with("config.toml, line 5"),
        "{}",
        &err[..200.min(err.len())]
    );
    assert!(
        err.contains("rule `huge`") && err.contains("too large to compile"),
        "{err:.300}"
    );
    assert!(
        err.len() < 400,
        "the error quotes the whole pattern: {} bytes",
        err.len()
    );
}

#[test]
fn a_lang_condition_matches_the_item_language_inside_any() {
    let set = rules(
        "[[rule]]\nname = \"spanish\"\nany = { lang = [\"es\", \"CA\"] }\nthen = { tag = [\"es\"] }\n",
    );
    let rule = &set.rules[0];
    let mut f = facts("hola");
    assert!(!rule.matches(&f), "English does not match");
    f.lang = Some("es".into());
    assert!(rule.matches(&f));
    f.lang = Some("ca".into());
    assert!(rule.matches(&f), "codes are case-insensitive");
    f.lang = None;
    assert!(
        !rule.matches(&f),
        "an item of unknown language never matches"
    );
    let bad =
        parse("[[rule]]\nname = \"x\"\nany = { lang = [\"spanish\"] }\nthen = { done = true }\n")
            .and_then(|c| {
                RuleSet::compile(&c.rules)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
            .unwrap_err();
    assert!(bad.contains("unknown language code \"spanish\""), "{bad}");
}

//! Auto-moderation rules: `[[rule]]` in the config, compiled once, run on
//! every newly stored item in config order. Every rule that matches applies its actions
//! (not only the first), and each action is recorded under the rule's name.

pub mod apply;
pub mod config_text;
mod keywords;
pub mod spike;
mod spike_join;
pub mod spike_topic;

use std::sync::OnceLock;

use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::domain::{ItemKind, Severity};

/// One `[[rule]]` as written in the config.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    pub name: String,
    /// Every condition here must hold.
    #[serde(default)]
    pub all: Conditions,
    /// At least one condition here must hold (when any is given).
    #[serde(default)]
    pub any: Conditions,
    pub then: Actions,
}

/// Conditions on an item; each field that is set is one condition.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// Words or phrases, matched case-insensitively on word boundaries.
    pub keywords: Option<Vec<String>>,
    /// A regular expression (the `regex` crate's syntax), case-insensitive.
    pub regex: Option<String>,
    pub contains_link: Option<bool>,
    /// An email address or a phone number.
    pub contains_contact: Option<bool>,
    /// Nothing but emoji (and spaces).
    pub only_emoji: Option<bool>,
    pub platform: Option<Vec<String>>,
    pub kind: Option<Vec<ItemKind>>,
    pub followers_above: Option<i64>,
    pub followers_below: Option<i64>,
    /// Author handles (with or without the leading @), case-insensitive.
    pub authors: Option<Vec<String>>,
    /// On the automatic score, -1..1. Unscored items never match.
    pub sentiment_below: Option<f64>,
    pub sentiment_above: Option<f64>,
    /// The item's language (ISO 639-1 codes: "es", "fr"); an item of unknown language
    /// never matches.
    pub lang: Option<Vec<String>>,
}

/// What a matching rule does.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Actions {
    #[serde(default)]
    pub tag: Vec<String>,
    /// Mark the item done.
    #[serde(default)]
    pub done: bool,
    /// Hide it locally and queue a `hide` for the platform.
    #[serde(default)]
    pub hide: bool,
    #[serde(default)]
    pub spam: bool,
    pub flag: Option<FlagAction>,
    /// Team mode: assign the item to this CM (a name of `[team] members`).
    #[serde(default)]
    pub assign: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FlagAction {
    pub severity: Severity,
    pub reason: String,
}

/// A rule that cannot be used, with the rule's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule `{rule}`: {message}")]
pub struct RuleError {
    pub rule: String,
    /// Index in the `[[rule]]` list, so the config can point at its line.
    pub index: usize,
    /// The key the problem is under (for finding its line).
    pub key: Option<&'static str>,
    /// The table the key is in (`all`, `any`, `then`), for the error's key path.
    pub section: Option<&'static str>,
    pub message: String,
}

/// The facts about one item that rules look at (the store reads them).
pub use crate::store::rules::ItemFacts;

#[derive(Debug, Clone)]
enum Condition {
    Keywords(keywords::Keywords),
    Matches(Regex),
    ContainsLink(bool),
    ContainsContact(bool),
    OnlyEmoji(bool),
    Platform(Vec<String>),
    Kind(Vec<ItemKind>),
    FollowersAbove(i64),
    FollowersBelow(i64),
    Authors(Vec<String>),
    SentimentBelow(f64),
    SentimentAbove(f64),
    Lang(Vec<String>),
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    all: Vec<Condition>,
    any: Vec<Condition>,
    pub actions: Actions,
}

/// Every configured rule, compiled, in config order.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    pub fn compile(configs: &[RuleConfig]) -> Result<RuleSet, RuleError> {
        let mut rules = Vec::new();
        let mut names = std::collections::HashSet::new();
        for (index, config) in configs.iter().enumerate() {
            let err = |key: Option<&'static str>, message: String| RuleError {
                rule: config.name.clone(),
                index,
                key,
                section: None,
                message,
            };
            if config.name.trim().is_empty() {
                return Err(err(Some("name"), "the name is empty".into()));
            }
            if !names.insert(config.name.as_str()) {
                return Err(err(Some("name"), "two rules have this name".into()));
            }
            let in_section = |section: &'static str| {
                move |(k, m): (&'static str, String)| RuleError {
                    section: Some(section),
                    ..err(Some(k), m)
                }
            };
            let all = compile_conditions(&config.all).map_err(in_section("all"))?;
            let any = compile_conditions(&config.any).map_err(in_section("any"))?;
            if all.is_empty() && any.is_empty() {
                return Err(err(
                    None,
                    "it has no conditions (add `all = {...}` or `any = {...}`)".into(),
                ));
            }
            let a = &config.then;
            if a.tag.is_empty()
                && !a.done
                && !a.hide
                && !a.spam
                && a.flag.is_none()
                && a.assign.is_none()
            {
                return Err(err(Some("then"), "`then` has no action".into()));
            }
            if a.tag
                .iter()
                .any(|t| t.trim().is_empty() || t.contains(char::is_whitespace))
            {
                return Err(err(Some("tag"), "a tag is empty or has spaces".into()));
            }
            rules.push(Rule {
                name: config.name.clone(),
                all,
                any,
                actions: config.then.clone(),
            });
        }
        Ok(RuleSet { rules })
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules that match `facts`, in order.
    pub fn matching<'a>(&'a self, facts: &'a ItemFacts) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules.iter().filter(move |r| r.matches(facts))
    }
}

impl Rule {
    pub fn matches(&self, facts: &ItemFacts) -> bool {
        self.all.iter().all(|c| c.holds(facts))
            && (self.any.is_empty() || self.any.iter().any(|c| c.holds(facts)))
    }

    /// The events actor for this rule's actions.
    pub fn actor(&self) -> String {
        format!("rule:{}", self.name)
    }
}

fn compile_conditions(c: &Conditions) -> Result<Vec<Condition>, (&'static str, String)> {
    let mut out = Vec::new();
    if let Some(words) = &c.keywords {
        if words.iter().any(|w| w.trim().is_empty()) || words.is_empty() {
            return Err(("keywords", "`keywords` has an empty entry".into()));
        }
        let words = keywords::Keywords::new(words).map_err(|e| ("keywords", e))?;
        out.push(Condition::Keywords(words));
    }
    if let Some(pattern) = &c.regex {
        let re = RegexBuilder::new(pattern)
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| ("regex", regex_problem(pattern, &e)))?;
        out.push(Condition::Matches(re));
    }
    if let Some(b) = c.contains_link {
        out.push(Condition::ContainsLink(b));
    }
    if let Some(b) = c.contains_contact {
        out.push(Condition::ContainsContact(b));
    }
    if let Some(b) = c.only_emoji {
        out.push(Condition::OnlyEmoji(b));
    }
    if let Some(p) = &c.platform {
        out.push(Condition::Platform(
            p.iter().map(|s| s.to_lowercase()).collect(),
        ));
    }
    if let Some(k) = &c.kind {
        out.push(Condition::Kind(k.clone()));
    }
    if let Some(n) = c.followers_above {
        out.push(Condition::FollowersAbove(n));
    }
    if let Some(n) = c.followers_below {
        out.push(Condition::FollowersBelow(n));
    }
    if let Some(a) = &c.authors {
        out.push(Condition::Authors(
            a.iter().map(|h| normal_handle(h)).collect(),
        ));
    }
    for (key, value) in [
        ("sentiment_below", c.sentiment_below),
        ("sentiment_above", c.sentiment_above),
    ] {
        if let Some(v) = value {
            if !(-1.0..=1.0).contains(&v) {
                return Err((key, format!("`{key}` must be between -1 and 1, not {v}")));
            }
        }
    }
    if let Some(v) = c.sentiment_below {
        out.push(Condition::SentimentBelow(v));
    }
    if let Some(v) = c.sentiment_above {
        out.push(Condition::SentimentAbove(v));
    }
    if let Some(codes) = &c.lang {
        let codes: Vec<String> = codes.iter().map(|c| c.trim().to_lowercase()).collect();
        if codes.is_empty() {
            return Err(("lang", "`lang` lists no language".into()));
        }
        if let Some(bad) = codes.iter().find(|c| !crate::language::is_code(c)) {
            return Err((
                "lang",
                format!(
                    "unknown language code {bad:?} in `lang` (use ISO 639-1 codes such as \"es\")"
                ),
            ));
        }
        out.push(Condition::Lang(codes));
    }
    Ok(out)
}

fn first_line(s: &str) -> String {
    // The regex crate's message ends with the useful line ("error: unclosed group").
    s.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_string()
}

fn normal_handle(h: &str) -> String {
    h.trim().trim_start_matches('@').to_lowercase()
}

/// Why a `regex` cannot be used, quoting at most its start: a pattern too large to
/// compile may be thousands of characters long.
fn regex_problem(pattern: &str, e: &regex::Error) -> String {
    let shown = if pattern.chars().count() > 60 {
        format!("{}…", pattern.chars().take(60).collect::<String>())
    } else {
        pattern.to_string()
    };
    match e {
        regex::Error::CompiledTooBig(limit) => format!(
            "regex `{shown}` is too large to compile (over {} KB); split it into several \
             rules, or use `keywords` for a list of words",
            limit / 1024
        ),
        _ => format!("invalid regex `{shown}`: {}", first_line(&e.to_string())),
    }
}

fn link_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:com|net|org|io|xyz|top|ru|ly|co|example)(?:/\S*)?\b")
            .expect("valid link regex")
    })
}

fn contact_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // An email, or a phone number: 8+ digits with the usual separators.
        Regex::new(
            r"(?i)\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b|(?:\+|\b)\d(?:[\s().-]?\d){7,}\b",
        )
        .expect("valid contact regex")
    })
}

/// True when `body` has at least one emoji and nothing but emoji, their joiners and
/// modifiers, and whitespace.
pub fn only_emoji(body: &str) -> bool {
    let mut any = false;
    for c in body.chars() {
        if c.is_whitespace() || matches!(c, '\u{200d}' | '\u{fe0f}' | '\u{fe0e}' | '\u{20e3}') {
            continue;
        }
        let cp = c as u32;
        let emoji = matches!(cp,
            0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2300..=0x23FF | 0x2B00..=0x2BFF
            | 0xE0020..=0xE007F | 0x3030 | 0x303D | 0x3297 | 0x3299
            | 0x00A9 | 0x00AE | 0x2122 | 0x2190..=0x21FF);
        if !emoji {
            return false;
        }
        any = true;
    }
    any
}

impl Condition {
    fn holds(&self, f: &ItemFacts) -> bool {
        match self {
            Condition::Keywords(words) => words.is_match(&f.body),
            Condition::Matches(re) => re.is_match(&f.body),
            Condition::ContainsLink(want) => link_re().is_match(&f.body) == *want,
            Condition::ContainsContact(want) => contact_re().is_match(&f.body) == *want,
            Condition::OnlyEmoji(want) => only_emoji(&f.body) == *want,
            Condition::Platform(list) => list.contains(&f.platform.to_lowercase()),
            Condition::Kind(list) => list.contains(&f.kind),
            // Unknown follower counts match neither bound.
            Condition::FollowersAbove(n) => f.followers.is_some_and(|x| x > *n),
            Condition::FollowersBelow(n) => f.followers.is_some_and(|x| x < *n),
            Condition::Authors(list) => list.contains(&normal_handle(&f.author_handle)),
            Condition::SentimentBelow(v) => f.sentiment.is_some_and(|s| s < *v),
            Condition::SentimentAbove(v) => f.sentiment.is_some_and(|s| s > *v),
            Condition::Lang(codes) => f.lang.as_ref().is_some_and(|l| codes.contains(l)),
        }
    }
}

#[cfg(test)]
mod tests {
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
        let text = format!(
            "[[rule]]\nname = \"r\"\nall = {{ {conditions} }}\nthen = {{ tag = [\"x\"] }}\n"
        );
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
        let no_action =
            parse("[[rule]]\nname = \"idle\"\nall = { contains_link = true }\nthen = {}\n")
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
        let sentiment = parse(
            "[[rule]]\nname = \"s\"\nall = { sentiment_below = -3 }\nthen = { done = true }\n",
        )
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
        let bad = parse(
            "[[rule]]\nname = \"x\"\nany = { lang = [\"spanish\"] }\nthen = { done = true }\n",
        )
        .and_then(|c| {
            RuleSet::compile(&c.rules)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
        .unwrap_err();
        assert!(bad.contains("unknown language code \"spanish\""), "{bad}");
    }
}

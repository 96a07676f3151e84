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
            if a.tag.is_empty() && !a.done && !a.hide && !a.spam && a.flag.is_none() {
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
#[path = "rules_tests.rs"]
mod tests;

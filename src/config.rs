//! The user's configuration: `config.toml`, documented line by line in
//! `config.example.toml`.
//!
//! Each part owns its section's types and checks (`[[account]]` in `platform::account`,
//! `[poll]` in `poller`, `[keys]` beside the keymap, `[[rule]]` in `rules`, `[report]` and
//! `[sla]` in `report::config`, `[sentiment]` in `sentiment`, …); this file only reads the
//! file, assembles the sections and runs each part's checks, turning their errors into ones
//! that name the file, the line and the key. Parsing is strict (unknown keys are errors) so
//! a typo in a rule or key binding does not silently do nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

// The sections' types, where callers have always found them.
pub use crate::duration::{deserialize as deserialize_duration, parse as parse_duration};
pub use crate::platform::AccountConfig;
pub use crate::poller::PollConfig;
pub use crate::tui::keymap::KeySpec;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The brand's name, used in the UI, in replies and in the report.
    #[serde(default = "default_brand")]
    pub brand: String,
    #[serde(default)]
    pub poll: PollConfig,
    #[serde(default, rename = "account")]
    pub accounts: Vec<AccountConfig>,
    /// Key binding overrides per layer (`[keys.<layer>]`; flat entries bind the inbox),
    /// spanned so a bad binding's error names its line. The keymap owns the format.
    #[serde(default)]
    pub keys: crate::tui::keymap::KeysConfig,
    /// Canned replies (`[[reply]]`).
    #[serde(default, rename = "reply")]
    pub replies: Vec<crate::replies::CannedReply>,
    /// Brand-voice rules (`[voice]`).
    #[serde(default)]
    pub voice: crate::replies::VoiceConfig,
    #[serde(default)]
    pub composer: crate::replies::ComposerConfig,
    /// Automatic sentiment: mode, thresholds, neutral brand terms, lexicon overrides.
    #[serde(default)]
    pub sentiment: crate::sentiment::SentimentConfig,
    /// Tags offered by `t`: name → what the tag means (who owns it).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Auto-moderation rules, applied on ingest in this order.
    #[serde(default, rename = "rule")]
    pub rules: Vec<crate::rules::RuleConfig>,
    #[serde(default)]
    pub escalation: crate::escalation::EscalationConfig,
    /// The weekly report's time zone.
    #[serde(default)]
    pub report: crate::report::config::ReportConfig,
    /// Service targets the report measures against.
    #[serde(default)]
    pub sla: crate::report::config::SlaConfig,
    /// The languages the brand hears from (`[languages] expected`).
    #[serde(default)]
    pub languages: crate::language::config::LanguagesConfig,
    /// Limits and marks (`[find]`).
    #[serde(default)]
    pub find: crate::tui::find::FindConfig,
    /// Saved views (`[[view]] name, key, query`).
    #[serde(default, rename = "view")]
    pub views: Vec<crate::tui::find::saved::SavedViewConfig>,
    /// Team mode (`[team]`): absent, hark works alone on its cache.
    #[serde(default)]
    pub team: Option<crate::team::config::TeamConfig>,
}

fn default_brand() -> String {
    "our brand".to_string()
}

/// A configuration that could not be read, with where and why.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `cause` is not a `#[source]`: the message already says it, once.
    #[error("cannot read config file {path}: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{path} is not a text file (the config is TOML, in UTF-8)")]
    NotText { path: PathBuf },
    #[error("{path}, line {line}{key}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    /// The sentiment settings with the brand's own name and handles scored neutral, so
    /// "@nimbuscoffee" or "Nimbus" never sway a post's mood.
    pub fn sentiment_settings(&self) -> crate::sentiment::SentimentConfig {
        let mut settings = self.sentiment.clone();
        settings.neutral_terms.push(self.brand.clone());
        for account in &self.accounts {
            if !account.handle.is_empty() {
                settings.neutral_terms.push(account.handle.clone());
            }
        }
        settings
    }

    /// What the composer needs: canned replies, voice rules, what happens after a send,
    /// and the first-response target it counts down.
    pub fn reply_kit(&self) -> crate::tui::composer::ReplyKit {
        crate::tui::composer::ReplyKit::new(
            self.replies.clone(),
            self.voice.clone(),
            self.composer.after_send,
            // The zones were checked when the config was read.
            self.sla.sla(&self.report.tz).ok(),
        )
    }

    /// Reads and validates the file at `path`; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(ConfigError::NotText {
                path: path.to_path_buf(),
            }),
            Err(cause) => Err(ConfigError::Read {
                path: path.to_path_buf(),
                cause,
            }),
        }
    }

    /// Parses `text`; `path` only names the source in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let parse_error = |span: Option<std::ops::Range<usize>>, key: String, message: &str| {
            let line = span.map(|s| line_of(text, s.start)).unwrap_or(1);
            ConfigError::Parse {
                path: path.to_path_buf(),
                line,
                key: if key.is_empty() || key == "." {
                    String::new()
                } else {
                    format!(", key `{key}`")
                },
                message: message.trim().to_string(),
            }
        };
        let deserializer = toml::Deserializer::parse(text)
            .map_err(|e| parse_error(e.span(), String::new(), e.message()))?;
        let config: Config = serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let key = e.path().to_string();
            let inner = e.into_inner();
            let message = match crate::rules::config_text::rule_index(&key)
                .and_then(|i| crate::rules::config_text::rule_name(text, i))
            {
                Some(name) => format!("rule `{name}`: {}", inner.message().trim()),
                None => inner.message().to_string(),
            };
            parse_error(inner.span(), key, &message)
        })?;
        config.validate(path)?;
        if let Err(e) = crate::tui::keymap::Keymap::from_config(&config.keys) {
            return Err(parse_error(e.span, e.path, &e.message));
        }
        if let Err(e) = crate::rules::RuleSet::compile(&config.rules) {
            return Err(ConfigError::Parse {
                path: path.to_path_buf(),
                line: crate::rules::config_text::rule_line(text, e.index, e.key),
                key: format!(
                    ", key `rule[{}]{}{}`",
                    e.index,
                    e.section.map(|s| format!(".{s}")).unwrap_or_default(),
                    e.key.map(|k| format!(".{k}")).unwrap_or_default()
                ),
                message: e.to_string(),
            });
        }
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        crate::platform::account::validate(&self.accounts).map_err(invalid)?;
        crate::replies::validate(&self.replies, &self.voice).map_err(invalid)?;
        self.escalation.check().map_err(invalid)?;
        self.languages
            .languages()
            .map_err(|e| invalid(format!("[languages] {e}")))?;
        crate::report::period::time_zone(&self.report.tz)
            .map_err(|e| invalid(format!("[report] tz: {e}")))?;
        crate::tui::find::saved::validate(&self.views, None).map_err(invalid)?;
        Ok(())
    }
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("config.toml"))
    }

    #[test]
    fn the_shipped_example_config_parses() {
        let text = include_str!("../config.example.toml");
        let config = parse(text).unwrap();
        assert!(!config.accounts.is_empty());
        assert_eq!(config.brand, "Nimbus Coffee");
        // The documented opt-in, uncommented, is a field an account takes.
        let opt_in = text
            .lines()
            .find(|l| l.contains("allow_insecure = true"))
            .expect("allow_insecure is documented")
            .trim_start_matches(['#', ' ']);
        let account = format!("[[account]]\nname = \"m\"\nplatform = \"mastodon\"\nserver = \"http://example.social\"\n{opt_in}\n");
        assert!(parse(&account).unwrap().accounts[0].allow_insecure);
    }

    #[test]
    fn an_empty_file_gives_defaults() {
        let config = parse("").unwrap();
        assert_eq!(config.poll.interval, Duration::from_secs(60));
        assert!(config.accounts.is_empty());
    }

    #[test]
    fn a_wrong_type_names_line_and_key() {
        let text =
            "brand = \"x\"\n\n[[account]]\nname = \"a\"\nplatform = \"demo\"\ninterval = 5\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains("config.toml, line 6"), "{err}");
        assert!(err.contains("account[0].interval"), "{err}");
    }

    #[test]
    fn an_unknown_key_is_an_error_not_ignored() {
        let err = parse("[poll]\nintervall = \"5m\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("intervall"), "{err}");
    }

    #[test]
    fn bad_toml_syntax_names_the_line() {
        let err = parse("brand = \"x\"\nbrand2 = \n").unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn a_bad_duration_explains_the_format() {
        let err = parse("[poll]\ninterval = \"often\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a duration"), "{err}");
        assert!(err.contains("poll.interval"), "{err}");
    }

    #[test]
    fn a_poll_interval_under_ten_seconds_names_file_line_and_key() {
        let global = parse("brand = \"x\"\n[poll]\ninterval = \"0s\"\n")
            .unwrap_err()
            .to_string();
        assert!(global.contains("config.toml, line 3"), "{global}");
        assert!(
            global.contains("poll.interval") && global.contains("too short"),
            "{global}"
        );
        let account = "[[account]]\nname = \"a\"\nplatform = \"demo\"\ninterval = \"9s\"\n";
        let err = parse(account).unwrap_err().to_string();
        assert!(err.contains("config.toml, line 4"), "{err}");
        assert!(
            err.contains("account[0].interval") && err.contains("too short"),
            "{err}"
        );
        let backoff = parse("[poll]\nmax_backoff = \"0s\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            backoff.contains("line 2") && backoff.contains("poll.max_backoff"),
            "{backoff}"
        );
        assert!(parse("[poll]\ninterval = \"10s\"\n").is_ok());
    }

    #[test]
    fn every_duration_field_refuses_an_overflowing_value() {
        let fields = [
            ("[poll]\ninterval = \"X\"\n", "poll.interval"),
            ("[poll]\nmax_backoff = \"X\"\n", "poll.max_backoff"),
            (
                "[[account]]\nname = \"a\"\nplatform = \"demo\"\ninterval = \"X\"\n",
                "account[0].interval",
            ),
            ("[sla]\nfirst_response = \"X\"\n", "sla.first_response"),
            (
                "[escalation.protocol.high]\nnotify_timeout = \"X\"\n",
                "notify_timeout",
            ),
            (
                "[escalation.spike]\nmultiple = 3.0\nwindow = \"X\"\n",
                "escalation.spike.window",
            ),
            (
                "[escalation.spike]\nmultiple = 3.0\ncooldown = \"X\"\n",
                "escalation.spike.cooldown",
            ),
        ];
        for huge in ["99999999999999999999h", "9223372036854775807d"] {
            for (text, key) in fields {
                let text = text.replace('X', huge);
                let err = parse(&text).unwrap_err().to_string();
                assert!(
                    err.contains("too long") && err.contains(key),
                    "{text}: {err}"
                );
                assert!(err.contains(", line "), "{err}");
            }
        }
    }

    #[test]
    fn unknown_platform_and_duplicate_names_are_rejected() {
        let err = parse("[[account]]\nname = \"a\"\nplatform = \"myspace\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown platform `myspace`"), "{err}");
        let twice = "[[account]]\nname = \"a\"\nplatform = \"demo\"\n[[account]]\nname = \"a\"\nplatform = \"demo\"\n";
        assert!(parse(twice).unwrap_err().to_string().contains("named `a`"));
    }

    #[test]
    fn a_mastodon_account_needs_its_server() {
        let err = parse("[[account]]\nname = \"m\"\nplatform = \"mastodon\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs `server`"), "{err}");
        let ok = "[[account]]\nname = \"m\"\nplatform = \"mastodon\"\nserver = \"https://example.social\"\n";
        assert!(parse(ok).is_ok());
    }

    #[test]
    fn a_server_needs_its_scheme_and_plain_http_an_opt_in_off_this_machine() {
        let account = |server: &str, extra: &str| {
            format!("[[account]]\nname = \"m\"\nplatform = \"mastodon\"\nserver = \"{server}\"\n{extra}")
        };
        let err = parse(&account("mastodon.social", ""))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "account `m`: server `mastodon.social` needs a scheme: https://mastodon.social"
            ),
            "{err}"
        );
        let err = parse(&account("http://mastodon.social", ""))
            .unwrap_err()
            .to_string();
        assert!(err.contains("allow_insecure = true"), "{err}");
        assert!(parse(&account("http://mastodon.social", "allow_insecure = true")).is_ok());
        assert!(parse(&account("http://127.0.0.1:3000", "")).is_ok());
        let bluesky =
            "[[account]]\nname = \"b\"\nplatform = \"bluesky\"\nserver = \"bsky.social\"\n";
        assert!(parse(bluesky)
            .unwrap_err()
            .to_string()
            .contains("https://bsky.social"));
    }

    #[test]
    fn a_key_binding_for_an_unknown_action_is_rejected() {
        let err = parse("[keys]\nfly = \"f\"\n").unwrap_err().to_string();
        assert!(err.contains("fly"), "{err}");
    }

    #[test]
    fn every_keys_error_names_file_line_and_key() {
        let cases = [
            (
                "brand = \"x\"\n\n[keys]\nreply = \"r\"\nquit = []\n",
                5,
                "keys.quit",
                "no key",
            ),
            (
                "[keys]\n\nmark-done = \"hyper-d\"\n",
                3,
                "keys.mark-done",
                "not a key",
            ),
            (
                "[keys]\nhelp = \"?\"\nfly = \"f\"\n",
                3,
                "keys.fly",
                "no action",
            ),
            // `j` is move-down's default: the override is the line to fix.
            (
                "[keys]\n\n\nmark-done = [\"x\", \"j\"]\n",
                4,
                "keys.mark-done",
                "both",
            ),
            (
                "[keys]\nquit = [\"q\",\n  \"q\"]\n",
                2,
                "keys.quit",
                "twice",
            ),
        ];
        for (text, line, key, what) in cases {
            let err = parse(text).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("config.toml, line {line}, key `{key}`:")),
                "{text}: {err}"
            );
            assert!(err.contains(what), "{err}");
        }
    }

    #[test]
    fn key_bindings_from_the_config_take_effect() {
        let config = parse("[keys]\nquit = [\"x\", \"ctrl-q\"]\n").unwrap();
        let map = crate::tui::keymap::Keymap::from_config(&config.keys).unwrap();
        let inbox = crate::tui::keymap::Layer::Inbox;
        assert_eq!(
            map.keys_of(inbox, crate::tui::keymap::Action::Quit),
            "x ctrl-q"
        );
    }
}

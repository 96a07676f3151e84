//! Variables in canned replies: `{author}`, `{author_name|there}`, `{{` for a literal brace.
//!
//! A variable with no value and no fallback is an error naming it: a public reply never
//! goes out with a hole where a name should be.

use std::collections::BTreeMap;

use super::VoiceConfig;

/// The variables hark fills itself.
pub const BUILTIN: &[&str] = &[
    "author",
    "author_name",
    "author_first",
    "platform",
    "brand",
    "signoff",
    "item_url",
];

/// Values for one expansion: the built-ins for the item plus `[voice.vars]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars {
    values: BTreeMap<String, String>,
    /// Used when a variable has no value and the template gives no fallback.
    defaults: BTreeMap<String, String>,
}

impl Vars {
    pub fn new() -> Vars {
        Vars::default()
    }

    /// Sets `name`; an empty or blank value counts as no value.
    pub fn set(&mut self, name: &str, value: impl Into<String>) -> &mut Vars {
        self.values.insert(name.to_string(), value.into());
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// What `name` stands for when it has no value and the template names no fallback.
    pub fn set_default(&mut self, name: &str, value: impl Into<String>) -> &mut Vars {
        self.defaults.insert(name.to_string(), value.into());
        self
    }

    fn default_of(&self, name: &str) -> Option<&str> {
        self.defaults
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    pub fn is_known(name: &str, voice: &VoiceConfig) -> bool {
        BUILTIN.contains(&name) || voice.vars.contains_key(name)
    }

    /// The variables for replying to one item.
    pub fn for_item(
        voice: &VoiceConfig,
        brand: &str,
        platform: &str,
        author: &str,
        author_name: &str,
        item_url: Option<&str>,
    ) -> Vars {
        let mut vars = Vars::new();
        for (k, v) in &voice.vars {
            vars.set(k, v.clone());
        }
        vars.set("author", author)
            .set("author_name", author_name)
            // No first name (a handle-only author): `{author_first|there}` says "there";
            // a bare `{author_first}` addresses them by handle.
            .set(
                "author_first",
                first_name(author_name, author).unwrap_or_default(),
            )
            .set_default("author_first", author)
            .set("platform", platform)
            .set("brand", brand)
            .set("signoff", voice.signoff.clone().unwrap_or_default())
            .set("item_url", item_url.unwrap_or_default());
        vars
    }
}

/// The first name in a display name ("Isabel del Río" → "Isabel"), skipping emoji and
/// punctuation around it; `None` when the display name is empty, is the handle itself or
/// has no word with a letter.
pub fn first_name(display_name: &str, handle: &str) -> Option<String> {
    let bare = |s: &str| s.trim().trim_start_matches('@').to_lowercase();
    if display_name.trim().is_empty() || bare(display_name) == bare(handle) {
        return None;
    }
    display_name
        .split_whitespace()
        .filter(|w| !w.starts_with('@'))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .find(|w| w.chars().any(char::is_alphabetic))
        .map(str::to_string)
}

/// Why a template could not be filled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    #[error("{{{0}}} has no value here (write {{{0}|fallback}} to give one)")]
    Missing(String),
    #[error("{{{0}}} is not a variable hark knows")]
    Unknown(String),
    #[error("a `{{` is never closed (write {{{{ for a literal brace)")]
    Unclosed,
}

/// One piece of a parsed template.
enum Piece<'a> {
    Text(&'a str),
    Var {
        name: &'a str,
        fallback: Option<&'a str>,
    },
}

fn parse(template: &str) -> Result<Vec<Piece<'_>>, ExpandError> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        pieces.push(Piece::Text(&rest[..open]));
        let after = &rest[open + 1..];
        let brace = &rest[open..open + 1];
        if after.starts_with(brace) {
            // `{{` or `}}`: a literal brace.
            pieces.push(Piece::Text(brace));
            rest = &after[1..];
            continue;
        }
        if brace == "}" {
            // A lone closing brace is just text.
            pieces.push(Piece::Text(brace));
            rest = after;
            continue;
        }
        let close = after.find('}').ok_or(ExpandError::Unclosed)?;
        let inner = &after[..close];
        let (name, fallback) = match inner.split_once('|') {
            Some((n, f)) => (n.trim(), Some(f)),
            None => (inner.trim(), None),
        };
        pieces.push(Piece::Var { name, fallback });
        rest = &after[close + 1..];
    }
    pieces.push(Piece::Text(rest));
    Ok(pieces)
}

/// The variable names `template` uses, in order.
pub fn variables(template: &str) -> Result<Vec<String>, ExpandError> {
    Ok(parse(template)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Var { name, .. } => Some(name.to_string()),
            Piece::Text(_) => None,
        })
        .collect())
}

/// Fills `template`. Every missing variable is reported at once, the first one as the
/// error (the composer shows it before sending).
pub fn expand(
    template: &str,
    vars: &Vars,
    known: &dyn Fn(&str) -> bool,
) -> Result<String, ExpandError> {
    let mut out = String::with_capacity(template.len());
    for piece in parse(template)? {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Var { name, fallback } => match (vars.get(name), fallback) {
                (Some(value), _) => out.push_str(value),
                (None, Some(fallback)) => out.push_str(fallback),
                (None, None) => match vars.default_of(name) {
                    Some(value) => out.push_str(value),
                    None if known(name) => return Err(ExpandError::Missing(name.into())),
                    None => return Err(ExpandError::Unknown(name.into())),
                },
            },
        }
    }
    Ok(out)
}

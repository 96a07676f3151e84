//! Limit patterns, mutt-style: `~t bug ~s neg`, `!~r (~p chirp | ~p forum)`, `refund*`.
//!
//! One parser for every place the CM selects items by what they are: the inbox's limit
//! (`l`), mark by pattern (`T`), `:view`, saved views and `hark export --query`. It only
//! reads text; the store turns a [`Pattern`] into a parameterised SQL condition
//! (the parent module), whose field table is also where a new `~x` field is added.
//!
//! Grammar: `or := and ('|' and)*`, `and := unary+`, `unary := '!' unary | '(' or ')' |
//! field | word | "phrase"`. Plain words and phrases are full-text search (`refund*` is a
//! prefix).

mod lexer;
mod time;

use std::fmt;

pub use time::TimeSpec;

use super::{field, Field};
use lexer::{Token, TokenKind};

/// What a field takes after its letter.
#[derive(Debug, Clone, Copy)]
pub enum Arg {
    /// Nothing: `~x`.
    Flag,
    /// Text found anywhere in the value, any case: `~a ana`.
    Contains,
    /// One exact value, lower-cased; with a check that names what is valid.
    Exact(Option<fn(&str) -> bool>),
    /// One of a list of values: (what the CM may write, what is stored).
    OneOf(&'static [(&'static str, &'static str)]),
    /// Full-text words in one column of the index.
    Words(&'static str),
    /// An age or a date range: `<2d`, `>1w`, `2026-11-01..2026-11-07`.
    Time,
}

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Pattern {
    And(Vec<Pattern>),
    Or(Vec<Pattern>),
    Not(Box<Pattern>),
    /// A `~x` field with its value.
    Field {
        field: &'static str,
        value: FieldValue,
    },
    /// Plain words and phrases: all of them, anywhere in the text or author.
    Text(Vec<Term>),
}

/// A field's value as parsed (see [`Arg`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldValue {
    None,
    Text(String),
    Choice(&'static str),
    Words(Vec<Term>),
    Time(TimeSpec),
}

/// One full-text term.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Term {
    pub text: String,
    /// `refund*`: any word starting so.
    pub prefix: bool,
}

impl Term {
    /// The term as an FTS5 string: quoted, so operators in it are plain words.
    pub fn fts(&self) -> String {
        let quoted = format!("\"{}\"", self.text.replace('"', "\"\""));
        if self.prefix {
            quoted + "*"
        } else {
            quoted
        }
    }
}

/// A pattern the parser refused: what is wrong and where (character offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// Where the bad token starts, counted in characters from 0.
    pub at: usize,
    /// How many characters it spans (at least 1, so a caret can point at it).
    pub len: usize,
    pub message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at column {})", self.message, self.at + 1)
    }
}

impl std::error::Error for PatternError {}

impl PatternError {
    /// The pattern with a caret line under the bad token, for the CLI.
    pub fn pointed(&self, text: &str) -> String {
        format!(
            "{self}\n  {text}\n  {}{}",
            " ".repeat(self.at),
            "^".repeat(self.len.max(1))
        )
    }
}

/// Parses `text`; `Ok(None)` for an empty pattern (no limit).
pub fn parse(text: &str) -> Result<Option<Pattern>, PatternError> {
    let tokens = lexer::tokens(text)?;
    let end = text.chars().count();
    let mut parser = Parser {
        tokens,
        next: 0,
        end,
    };
    if parser.tokens.is_empty() {
        return Ok(None);
    }
    let pattern = parser.or()?;
    if let Some(token) = parser.peek() {
        return Err(parser.error_at(token, "unexpected `)` (no `(` to close)".into()));
    }
    Ok(Some(pattern))
}

/// Every field, for help and error messages: "~a author, ~b body, …".
pub fn field_list() -> String {
    crate::store::pattern::FIELDS
        .iter()
        .filter(|f| !crate::store::pattern::TEAM_FIELDS.contains(&f.key))
        .map(|f| format!("~{} {}", f.key, f.name))
        .collect::<Vec<_>>()
        .join(", ")
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    /// The text's length in characters: where "missing …" errors point.
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn take(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.next).cloned();
        self.next += 1;
        token
    }

    fn error_at(&self, token: &Token, message: String) -> PatternError {
        PatternError {
            at: token.at,
            len: token.len,
            message,
        }
    }

    fn error_at_end(&self, message: String) -> PatternError {
        PatternError {
            at: self.end,
            len: 1,
            message,
        }
    }

    fn or(&mut self) -> Result<Pattern, PatternError> {
        let mut alternatives = vec![self.and()?];
        while matches!(self.peek(), Some(t) if t.kind == TokenKind::Or) {
            let bar = self.take().expect("peeked");
            match self.peek() {
                None => return Err(self.error_at(&bar, "`|` needs a pattern after it".into())),
                Some(t) if matches!(t.kind, TokenKind::Or | TokenKind::Close) => {
                    return Err(self.error_at(&bar, "`|` needs a pattern after it".into()))
                }
                _ => {}
            }
            alternatives.push(self.and()?);
        }
        Ok(if alternatives.len() == 1 {
            alternatives.pop().expect("one")
        } else {
            Pattern::Or(alternatives)
        })
    }

    fn and(&mut self) -> Result<Pattern, PatternError> {
        let mut parts: Vec<Pattern> = Vec::new();
        while let Some(token) = self.peek() {
            if matches!(token.kind, TokenKind::Or | TokenKind::Close) {
                break;
            }
            let part = self.unary()?;
            // Neighbouring words make one full-text query: cheaper than one per word.
            match (parts.last_mut(), part) {
                (Some(Pattern::Text(terms)), Pattern::Text(more)) => terms.extend(more),
                (_, part) => parts.push(part),
            }
        }
        match parts.len() {
            0 => Err(match self.peek() {
                Some(token) => self.error_at(token, "expected a pattern here".into()),
                None => self.error_at_end("expected a pattern here".into()),
            }),
            1 => Ok(parts.pop().expect("one")),
            _ => Ok(Pattern::And(parts)),
        }
    }

    fn unary(&mut self) -> Result<Pattern, PatternError> {
        let token = self.take().expect("and() peeked");
        match token.kind {
            TokenKind::Not => {
                if self
                    .peek()
                    .is_none_or(|t| matches!(t.kind, TokenKind::Or | TokenKind::Close))
                {
                    return Err(self.error_at(&token, "`!` needs a pattern after it".into()));
                }
                Ok(Pattern::Not(Box::new(self.unary()?)))
            }
            TokenKind::Open => {
                if matches!(self.peek(), Some(t) if t.kind == TokenKind::Close) {
                    return Err(self.error_at(&token, "empty parentheses".into()));
                }
                let inner = self.or()?;
                match self.take() {
                    Some(t) if t.kind == TokenKind::Close => Ok(inner),
                    _ => Err(self.error_at(&token, "`(` is never closed".into())),
                }
            }
            TokenKind::Close | TokenKind::Or => Err(self.error_at(&token, "unexpected".into())),
            TokenKind::Word(ref text) => Ok(Pattern::Text(vec![word_term(text)])),
            TokenKind::Phrase(ref text) => Ok(Pattern::Text(vec![Term {
                text: text.clone(),
                prefix: false,
            }])),
            TokenKind::Field(key, ref attached) => {
                let Some(spec) = field(key) else {
                    return Err(self.error_at(
                        &token,
                        format!("unknown field `~{key}` (fields: {})", field_list()),
                    ));
                };
                let value = self.field_value(&token, spec, attached.clone())?;
                Ok(Pattern::Field {
                    field: spec.name,
                    value,
                })
            }
        }
    }

    /// The value after `~x`: glued to it (`~tbug`) or the next word or phrase.
    fn field_value(
        &mut self,
        token: &Token,
        spec: &'static Field,
        attached: Option<String>,
    ) -> Result<FieldValue, PatternError> {
        if let Arg::Flag = spec.arg {
            if attached.is_some() {
                return Err(self.error_at(
                    token,
                    format!("`~{}` ({}) takes no value", spec.key, spec.name),
                ));
            }
            return Ok(FieldValue::None);
        }
        // Where the value is, for errors about it.
        let (text, at, len, phrase) = match attached {
            Some(text) => (text, token.at + 2, token.len - 2, false),
            None => match self.peek().cloned() {
                Some(Token {
                    kind: TokenKind::Word(text),
                    at,
                    len,
                }) => {
                    self.next += 1;
                    (text, at, len, false)
                }
                Some(Token {
                    kind: TokenKind::Phrase(text),
                    at,
                    len,
                }) => {
                    self.next += 1;
                    (text, at, len, true)
                }
                _ => {
                    return Err(self.error_at(
                        token,
                        format!(
                            "`~{}` needs a value: {} (e.g. `~{} {}`)",
                            spec.key, spec.help, spec.key, spec.example
                        ),
                    ))
                }
            },
        };
        let bad = |message: String| PatternError { at, len, message };
        match spec.arg {
            Arg::Flag => unreachable!("handled above"),
            Arg::Contains => Ok(FieldValue::Text(text)),
            Arg::Exact(check) => {
                let value = text.trim_start_matches('#').to_lowercase();
                if check.is_some_and(|ok| !ok(&value)) {
                    return Err(bad(format!(
                        "`{text}` is not a {} (e.g. `~{} {}`)",
                        spec.help, spec.key, spec.example
                    )));
                }
                Ok(FieldValue::Text(value))
            }
            Arg::OneOf(choices) => {
                let lower = text.to_lowercase();
                choices
                    .iter()
                    .find(|(written, _)| *written == lower)
                    .map(|(_, stored)| FieldValue::Choice(stored))
                    .ok_or_else(|| {
                        bad(format!(
                            "`~{}` is one of {}, not `{text}`",
                            spec.key, spec.help
                        ))
                    })
            }
            Arg::Words(_) => Ok(FieldValue::Words(vec![if phrase {
                Term {
                    text,
                    prefix: false,
                }
            } else {
                word_term(&text)
            }])),
            Arg::Time => time::parse(&text).map(FieldValue::Time).map_err(bad),
        }
    }
}

fn word_term(text: &str) -> Term {
    match text.strip_suffix('*') {
        Some(stem) if !stem.is_empty() => Term {
            text: stem.to_string(),
            prefix: true,
        },
        _ => Term {
            text: text.to_string(),
            prefix: false,
        },
    }
}

#[cfg(test)]
mod tests {
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
}

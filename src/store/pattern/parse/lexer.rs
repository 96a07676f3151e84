//! Splits a pattern into tokens, each with its place in characters (for errors).

use super::PatternError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TokenKind {
    Open,
    Close,
    Or,
    Not,
    /// `~t` and what is glued to it (`~tbug`).
    Field(char, Option<String>),
    Word(String),
    /// `"cold brew"`, without the quotes.
    Phrase(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token {
    pub kind: TokenKind,
    pub at: usize,
    pub len: usize,
}

/// `(`, `)` and `|` end a word wherever they are; `!` only means "not" before a token.
fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '|' | '"')
}

pub(super) fn tokens(text: &str) -> Result<Vec<Token>, PatternError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let single = match c {
            '(' => Some(TokenKind::Open),
            ')' => Some(TokenKind::Close),
            '|' => Some(TokenKind::Or),
            '!' => Some(TokenKind::Not),
            _ => None,
        };
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if let Some(kind) = single {
            out.push(Token {
                kind,
                at: i,
                len: 1,
            });
            i += 1;
            continue;
        }
        if c == '"' {
            let start = i;
            i += 1;
            let mut phrase = String::new();
            loop {
                match chars.get(i) {
                    None => {
                        return Err(PatternError {
                            at: start,
                            len: 1,
                            message: "this quote is never closed".into(),
                        })
                    }
                    // `""` inside a phrase is one quote.
                    Some('"') if chars.get(i + 1) == Some(&'"') => {
                        phrase.push('"');
                        i += 2;
                    }
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some(&other) => {
                        phrase.push(other);
                        i += 1;
                    }
                }
            }
            if phrase.trim().is_empty() {
                return Err(PatternError {
                    at: start,
                    len: i - start,
                    message: "an empty phrase".into(),
                });
            }
            out.push(Token {
                kind: TokenKind::Phrase(phrase),
                at: start,
                len: i - start,
            });
            continue;
        }
        let start = i;
        while i < chars.len() && !ends_word(chars[i]) {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        let kind = match word.strip_prefix('~') {
            Some(rest) => {
                let mut rest = rest.chars();
                match rest.next() {
                    Some(key) if key.is_ascii_alphabetic() => {
                        let glued: String = rest.collect();
                        TokenKind::Field(key, (!glued.is_empty()).then_some(glued))
                    }
                    _ => {
                        return Err(PatternError {
                            at: start,
                            len: (i - start).max(1),
                            message: format!(
                                "`~` must be followed by a field letter ({})",
                                super::field_list()
                            ),
                        })
                    }
                }
            }
            None => TokenKind::Word(word),
        };
        out.push(Token {
            kind,
            at: start,
            len: i - start,
        });
    }
    Ok(out)
}

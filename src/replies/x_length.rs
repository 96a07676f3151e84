//! X's weighted length: the count X itself applies to a post (twitter-text, config v3).
//!
//! The text is NFC-normalised first. Every link counts 23 whatever its length; every emoji
//! (a whole sequence: family, flag, skin tone, keycap) counts 2; any other code point counts
//! 1 inside the light ranges (Latin, Greek, Cyrillic, Hebrew, Arabic… up to U+10FF and some
//! general punctuation) and 2 elsewhere (CJK, Japanese, Korean…). A post may weigh 280.
//! Proven against twitter-text's conformance cases (tests/fixtures/x).

use std::collections::HashSet;
use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

/// The most a post may weigh.
pub const MAX_WEIGHTED_LENGTH: usize = 280;
/// What any link weighs (X wraps every link in a t.co address of this length).
pub const URL_WEIGHT: usize = 23;

/// Code points that weigh 1; everything else weighs 2 (config v3 `ranges`).
const LIGHT: &[(u32, u32)] = &[(0, 4351), (8192, 8205), (8208, 8223), (8242, 8247)];

/// Characters X refuses in a post.
const INVALID: &[char] = &['\u{FFFE}', '\u{FEFF}', '\u{FFFF}'];

/// The weighted length of `text` and whether X accepts it as a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weighed {
    pub length: usize,
    pub valid: bool,
}

/// The weighted length of `text`.
pub fn weighted_length(text: &str) -> usize {
    weigh(text).length
}

/// Weighs `text` and checks it: not empty, at most 280, no refused characters.
pub fn weigh(text: &str) -> Weighed {
    let text: String = text.nfc().collect();
    let links = links(&text);
    let mut links = links.iter().peekable();
    let mut length = 0;
    let mut at = 0;
    while at < text.len() {
        while links.peek().is_some_and(|l| l.end <= at) {
            links.next();
        }
        if let Some(link) = links.peek().filter(|l| l.start == at) {
            length += URL_WEIGHT;
            at = link.end;
            continue;
        }
        let cluster = text[at..].graphemes(true).next().unwrap_or(&text[at..]);
        // A link may start inside a cluster only in odd text; count up to it.
        let cluster = match links.peek() {
            Some(l) if l.start > at && l.start < at + cluster.len() => &text[at..l.start],
            _ => cluster,
        };
        length += if is_emoji(cluster) {
            2
        } else {
            cluster.chars().map(char_weight).sum()
        };
        at += cluster.len();
    }
    Weighed {
        length,
        valid: length > 0 && length <= MAX_WEIGHTED_LENGTH && !text.contains(INVALID),
    }
}

fn char_weight(c: char) -> usize {
    let c = c as u32;
    if LIGHT.iter().any(|&(lo, hi)| (lo..=hi).contains(&c)) {
        1
    } else {
        2
    }
}

/// A grapheme cluster X counts as one emoji. Single pictographs outside the light ranges
/// weigh 2 either way; what matters is that a sequence (ZWJ family, flag, skin tone,
/// keycap `1⃣`) weighs 2 as a whole.
fn is_emoji(cluster: &str) -> bool {
    let mut chars = cluster.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let rest: Vec<char> = chars.collect();
    if rest.is_empty() {
        return false;
    }
    let keycap = matches!(first, '0'..='9' | '#' | '*') && rest.contains(&'\u{20E3}');
    let text_style =
        matches!(first, '\u{A9}' | '\u{AE}' | '\u{2122}') && rest.contains(&'\u{FE0F}');
    keycap || text_style || pictographic(first)
}

/// Roughly Unicode's Extended_Pictographic plus regional indicators: where emoji live.
fn pictographic(c: char) -> bool {
    matches!(c as u32,
        0x203C | 0x2049 | 0x2122 | 0x2139 | 0x2194..=0x2199 | 0x21A9..=0x21AA
        | 0x231A..=0x23FF | 0x24C2 | 0x25AA..=0x25FE | 0x2600..=0x27BF | 0x2934..=0x2935
        | 0x2B05..=0x2B55 | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0x1F000..=0x1FAFF)
}

/// The byte ranges of the links X would find in `text` (NFC).
pub fn links(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    for m in candidate().captures_iter(text) {
        let whole = m.get(0).expect("match");
        let has_protocol = m.get(1).is_some();
        let host = m.get(2).expect("host").as_str();
        let before = text[..whole.start()].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || "@＠$#＃".contains(c)) {
            continue;
        }
        if !has_protocol && before.is_some_and(|c| "-_./".contains(c)) {
            continue;
        }
        let mut end = whole.start() + m.get(1).map_or(0, |p| p.len()) + host.len();
        let port = m.get(3);
        if let Some(port) = port {
            end += port.len();
        }
        // A path or query counts only as far as it ends well; a query follows only a
        // path that kept all of itself.
        let raw_path = m.get(4).map(|p| p.as_str()).unwrap_or("");
        let path = trim_path(raw_path);
        end += path.len();
        if path.len() == raw_path.len() {
            if let Some(query) = m.get(5).map(|q| trim_query(q.as_str())) {
                end += query.len();
            }
        }
        let path = (!path.is_empty()).then_some(path);
        if port.is_none() && path.is_none() {
            let after = text[end..].chars().next();
            if after.is_some_and(|c| "@+-_".contains(c)) {
                continue;
            }
        }
        if !host_is_valid(host, has_protocol, path.is_some()) {
            continue;
        }
        found.push(whole.start()..end);
    }
    found
}

fn candidate() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // A domain character: not space, control, format (directional marks, joiners),
        // ASCII punctuation or general/CJK punctuation.
        let dc = r"[^\s\p{Cc}\p{Cf}\p{Z}!-/:-@\[-`{-~\u{2000}-\u{206F}\u{3000}-\u{303F}\u{FF01}-\u{FF0F}\u{FF1A}-\u{FF20}]";
        let sub = format!(r"(?:{dc}(?:[{dc}_-]*{dc})?\.)");
        let tld = format!(r"(?:{dc}(?:[{dc}-]*{dc})?)");
        let accents = r"\u{C0}-\u{D6}\u{D8}-\u{F6}\u{F8}-\u{24F}\u{300}-\u{36F}\u{1E00}-\u{1EFF}";
        let path = format!(r"(/[a-z\u{{400}}-\u{{4FF}}0-9!*';:=+,.$/%#\[\]\-\u{{2013}}_~&|@(){accents}]*)");
        let query = r"(\?[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@]*)";
        Regex::new(&format!(
            r"(?i)(https?://)?((?:{sub})+{tld})(:[0-9]+)?{path}?{query}?"
        ))
        .expect("link pattern")
    })
}

/// A path loses trailing characters that end sentences (`/foo.` keeps its period out) and
/// a closing parenthesis that opened outside it.
fn trim_path(path: &str) -> &str {
    let mut end = path.len();
    while end > 0 {
        let last = path[..end].chars().next_back().expect("non-empty");
        let ok = match last {
            ')' => path[..end].matches('(').count() >= path[..end].matches(')').count(),
            // The leading `/` alone is a path ("http://foobar.com/").
            '/' => true,
            c => c.is_alphanumeric() || "=_#+-".contains(c),
        };
        if ok {
            break;
        }
        end -= last.len_utf8();
    }
    &path[..end]
}

/// A query ends on a letter, digit or one of `-_&=#/`; a bare `?` is no query.
fn trim_query(query: &str) -> &str {
    let end = query
        .char_indices()
        .skip(1)
        .filter(|&(_, c)| c.is_ascii_alphanumeric() || "-_&=#/".contains(c))
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    &query[..end]
}

/// The host ends in a top-level domain X knows, each label fits DNS once in punycode, and a
/// link without `http(s)://` is plain ASCII and, under a country domain, needs a path
/// (`example.de` alone is not a link; `t.co` and `.tv` are).
fn host_is_valid(host: &str, has_protocol: bool, has_path: bool) -> bool {
    let host = host.to_lowercase();
    let Some(tld) = host.rsplit('.').next() else {
        return false;
    };
    let (country, generic) = tlds();
    if !country.contains(tld) && !generic.contains(tld) {
        return false;
    }
    let Ok(ascii) = idna::domain_to_ascii(&host) else {
        return false;
    };
    if ascii
        .split('.')
        .any(|label| label.is_empty() || label.len() > 63)
    {
        return false;
    }
    if !has_protocol {
        if !host.is_ascii() {
            return false;
        }
        if country.contains(tld) && !has_path && !matches!(tld, "co" | "tv") {
            return false;
        }
    }
    true
}

fn tlds() -> &'static (HashSet<&'static str>, HashSet<&'static str>) {
    static TLDS: OnceLock<(HashSet<&'static str>, HashSet<&'static str>)> = OnceLock::new();
    TLDS.get_or_init(|| {
        let (mut country, mut generic) = (HashSet::new(), HashSet::new());
        let mut into_country = true;
        for line in include_str!("x_tlds.txt").lines() {
            match line.trim() {
                "" => {}
                l if l.starts_with('#') => {}
                "[country]" => into_country = true,
                "[generic]" => into_country = false,
                tld if into_country => {
                    country.insert(tld);
                }
                tld => {
                    generic.insert(tld);
                }
            }
        }
        (country, generic)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_weigh_23_wherever_they_stand_and_whatever_their_length() {
        assert_eq!(weighted_length("Hi http://test.co"), 26);
        assert_eq!(
            weighted_length("see https://example.com/a/very/long/path/indeed/yes."),
            4 + 23 + 1
        );
        // A country domain alone is no link; with a path it is.
        assert_eq!(weighted_length("example.de"), 10);
        assert_eq!(weighted_length("example.de/x"), 23);
        assert_eq!(weighted_length("mail me@example.com"), 19);
    }

    #[test]
    fn cjk_weighs_two_and_an_emoji_sequence_weighs_two_as_a_whole() {
        assert_eq!(weighted_length("故人"), 4);
        assert_eq!(weighted_length("👨‍👩‍👧‍👦"), 2);
        assert_eq!(weighted_length("1\u{20E3}"), 2);
        assert_eq!(weighted_length("e\u{301}"), 1);
        assert!(!weigh("").valid);
        assert!(!weigh("a\u{FFFF}").valid);
    }
}

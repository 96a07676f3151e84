//! How long a reply is, counted the way its platform counts.
//!
//! Length is in grapheme clusters (an emoji with a skin tone is one), and on platforms
//! that shorten links every URL counts as a fixed number of characters.

use unicode_segmentation::UnicodeSegmentation;

/// A platform's reply limit: a length in its unit (see [`count`]) and, where the platform
/// also caps the encoded text (Bluesky: 300 graphemes and 3000 bytes), a UTF-8 byte cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub length: usize,
    pub bytes: Option<usize>,
}

impl Limit {
    pub const fn length(length: usize) -> Limit {
        Limit {
            length,
            bytes: None,
        }
    }

    /// True when `text` breaks either cap.
    pub fn exceeded_by(&self, text: &str, platform: &str) -> bool {
        count(text, platform) > self.length || self.bytes.is_some_and(|b| text.len() > b)
    }

    /// The counter the composer shows: `length/limit`, with the byte count after it once
    /// bytes are the tighter cap (many multi-byte graphemes), so the red is explained.
    pub fn counter(&self, text: &str, platform: &str) -> String {
        let length = count(text, platform);
        let mut out = format!("{length}/{}", self.length);
        if let Some(max) = self.bytes {
            // Bytes bind when their share of the cap is the larger one.
            if text.len() * self.length > length * max {
                out.push_str(&format!(" · {}/{max} bytes", text.len()));
            }
        }
        out
    }
}

/// What a URL counts as on `platform`, where the platform documents it.
pub fn url_weight(platform: &str) -> Option<usize> {
    match platform {
        // X-like networks and Mastodon count every link as 23 characters.
        "chirp" | "x" | "twitter" | "mastodon" => Some(23),
        _ => None,
    }
}

fn is_url(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")) && word.len() > 8
}

/// The reply's length on `platform`.
pub fn count(text: &str, platform: &str) -> usize {
    if platform == "x" {
        // X weighs its characters (CJK and emoji 2, links 23): twitter-text's own rules.
        return super::x_length::weighted_length(text);
    }
    let weight = url_weight(platform);
    let mut total = 0;
    let mut word_start: Option<usize> = None;
    // Walk words separated by whitespace, keeping the whitespace itself in the count.
    let flush = |word: &str, total: &mut usize| match weight {
        Some(w) if is_url(word) => *total += w,
        _ => *total += word.graphemes(true).count(),
    };
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(start) = word_start.take() {
                flush(&text[start..i], &mut total);
            }
            total += 1;
        } else if word_start.is_none() {
            word_start = Some(i);
        }
    }
    if let Some(start) = word_start {
        flush(&text[start..], &mut total);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_with_modifiers_count_once() {
        assert_eq!(count("hi 👍🏽", "forum"), 4);
        assert_eq!(count("👨‍👩‍👧", "chirp"), 1);
        assert_eq!(count("café", "chirp"), 4);
    }

    #[test]
    fn a_byte_cap_binds_where_graphemes_are_large() {
        let bluesky = Limit {
            length: 300,
            bytes: Some(3000),
        };
        // 200 family emoji: 200 graphemes but 3600 bytes.
        let text = "👨‍👩‍👧".repeat(200);
        assert!(bluesky.exceeded_by(&text, "bluesky"));
        assert_eq!(
            bluesky.counter(&text, "bluesky"),
            "200/300 · 3600/3000 bytes"
        );
        assert!(!Limit::length(300).exceeded_by(&text, "bluesky"));
        assert_eq!(bluesky.counter("hello", "bluesky"), "5/300");
        assert!(bluesky.exceeded_by(&"a".repeat(301), "bluesky"));
    }

    #[test]
    fn x_counts_its_weighted_length() {
        let x = Limit::length(280);
        // 141 CJK characters weigh 282 on X: over, though only 141 characters.
        let text = "故".repeat(141);
        assert_eq!(count(&text, "x"), 282);
        assert!(x.exceeded_by(&text, "x"));
        assert!(!x.exceeded_by(&text, "chirp"));
        assert_eq!(
            x.counter("hi 👨‍👩‍👧‍👦 https://example.com/long/path", "x"),
            "29/280"
        );
    }

    #[test]
    fn a_url_counts_as_23_on_chirp_but_fully_elsewhere() {
        let text = "see https://example.com/a/very/long/path/indeed/yes ok";
        assert_eq!(count(text, "chirp"), 4 + 23 + 3);
        assert_eq!(count(text, "forum"), text.chars().count());
    }
}

//! Post text: facets rendered readably, embeds listed with their alt text, and the
//! facets and length check of an outgoing reply.

use serde_json::{json, Value};
use unicode_segmentation::UnicodeSegmentation;

/// Bluesky's post limit, in graphemes.
pub const MAX_GRAPHEMES: usize = 300;
/// And in UTF-8 bytes: the lexicon caps `text` at both (`maxGraphemes`, `maxLength`).
pub const MAX_BYTES: usize = 3000;

/// The record's text with link targets shown where the visible text shortens them,
/// followed by one line per embed (images with their alt text).
pub fn readable(record: &Value) -> String {
    let text = record.get("text").and_then(Value::as_str).unwrap_or("");
    let mut out = with_links(text, record.get("facets"));
    let embeds = embed_lines(record.get("embed"));
    for line in embeds {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&line);
    }
    out
}

/// Facet indices are UTF-8 byte offsets. A link facet whose visible text is not the full
/// URL ("example.com/very…") gets the URL after it, so the CM sees where it goes.
fn with_links(text: &str, facets: Option<&Value>) -> String {
    let mut links: Vec<(usize, usize, &str)> = Vec::new();
    for facet in facets.and_then(Value::as_array).into_iter().flatten() {
        let (Some(start), Some(end)) = (
            facet.pointer("/index/byteStart").and_then(Value::as_u64),
            facet.pointer("/index/byteEnd").and_then(Value::as_u64),
        ) else {
            continue;
        };
        let (start, end) = (start as usize, end as usize);
        if start >= end
            || end > text.len()
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
        {
            continue;
        }
        for feature in facet
            .get("features")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if feature.get("$type").and_then(Value::as_str) == Some("app.bsky.richtext.facet#link")
            {
                if let Some(uri) = feature.get("uri").and_then(Value::as_str) {
                    links.push((start, end, uri));
                }
            }
        }
    }
    links.sort_by_key(|l| l.0);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, uri) in links {
        if start < at {
            continue;
        }
        let shown = &text[start..end];
        out.push_str(&text[at..end]);
        let bare = uri
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        if shown != uri && shown != bare {
            out.push_str(" <");
            out.push_str(uri);
            out.push('>');
        }
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

fn embed_lines(embed: Option<&Value>) -> Vec<String> {
    let Some(embed) = embed else {
        return Vec::new();
    };
    let alt = |v: &Value| {
        v.get("alt")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
    };
    match embed.get("$type").and_then(Value::as_str).unwrap_or("") {
        "app.bsky.embed.images" => embed
            .get("images")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|img| match alt(img) {
                Some(a) => format!("[image: {a}]"),
                None => "[image, no alt text]".to_string(),
            })
            .collect(),
        "app.bsky.embed.video" => vec![match alt(embed) {
            Some(a) => format!("[video: {a}]"),
            None => "[video, no alt text]".to_string(),
        }],
        "app.bsky.embed.external" => {
            let ext = embed.get("external").unwrap_or(&Value::Null);
            let uri = ext.get("uri").and_then(Value::as_str).unwrap_or("");
            match ext
                .get("title")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
            {
                Some(title) => vec![format!("[link: {title} <{uri}>]")],
                None => vec![format!("[link: <{uri}>]")],
            }
        }
        "app.bsky.embed.record" => {
            let uri = embed
                .pointer("/record/uri")
                .and_then(Value::as_str)
                .unwrap_or("?");
            vec![super::quotes::placeholder(uri)]
        }
        "app.bsky.embed.recordWithMedia" => {
            let mut lines = embed_lines(embed.get("media"));
            let uri = embed
                .pointer("/record/record/uri")
                .and_then(Value::as_str)
                .unwrap_or("?");
            lines.push(super::quotes::placeholder(uri));
            lines
        }
        other if !other.is_empty() => vec![format!("[embed {other}]")],
        _ => Vec::new(),
    }
}

/// A span of an outgoing text that needs a facet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    Link {
        start: usize,
        end: usize,
        uri: String,
    },
    /// `handle` without the `@`; the caller resolves it to a DID.
    Mention {
        start: usize,
        end: usize,
        handle: String,
    },
}

/// Finds links and @handle mentions in `text` (byte offsets).
pub fn spans(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut offset = 0;
    for word in text.split_inclusive(char::is_whitespace) {
        let start = offset;
        offset += word.len();
        let token = word.trim_end_matches(char::is_whitespace);
        let token = token.trim_end_matches(|c: char| ".,;:!?)\"'".contains(c));
        let end = start + token.len();
        if (token.starts_with("https://") || token.starts_with("http://")) && token.len() > 8 {
            out.push(Span::Link {
                start,
                end,
                uri: token.to_string(),
            });
        } else if let Some(handle) = token.strip_prefix('@') {
            let plausible = handle.contains('.')
                && !handle.starts_with('.')
                && handle
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            if plausible {
                out.push(Span::Mention {
                    start,
                    end,
                    handle: handle.to_ascii_lowercase(),
                });
            }
        }
    }
    out
}

pub fn link_facet(start: usize, end: usize, uri: &str) -> Value {
    json!({
        "index": {"byteStart": start, "byteEnd": end},
        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}]
    })
}

pub fn mention_facet(start: usize, end: usize, did: &str) -> Value {
    json!({
        "index": {"byteStart": start, "byteEnd": end},
        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}]
    })
}

pub fn grapheme_count(text: &str) -> usize {
    text.graphemes(true).count()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn shortened_links_show_their_target_and_mentions_stay() {
        // From the app.bsky.richtext.facet lexicon: byte offsets into UTF-8 text.
        let text = "héllo @alice.test see example.com/very…";
        let link_start = text.find("example").unwrap();
        let mention_start = text.find('@').unwrap();
        let record = json!({
            "text": text,
            "facets": [
                {"index": {"byteStart": mention_start, "byteEnd": mention_start + 11},
                 "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:alice"}]},
                {"index": {"byteStart": link_start, "byteEnd": text.len()},
                 "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/very/long/path"}]}
            ]
        });
        assert_eq!(
            readable(&record),
            "héllo @alice.test see example.com/very… <https://example.com/very/long/path>"
        );
    }

    #[test]
    fn full_links_are_not_repeated_and_bad_offsets_are_ignored() {
        let record = json!({
            "text": "go https://example.com now",
            "facets": [
                {"index": {"byteStart": 3, "byteEnd": 22},
                 "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com"}]},
                {"index": {"byteStart": 3, "byteEnd": 999},
                 "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://evil.example"}]}
            ]
        });
        assert_eq!(readable(&record), "go https://example.com now");
    }

    #[test]
    fn images_are_listed_with_alt_text() {
        let record = json!({
            "text": "look",
            "embed": {"$type": "app.bsky.embed.images", "images": [
                {"alt": "a broken mug", "image": {"$type": "blob"}},
                {"alt": "", "image": {"$type": "blob"}}
            ]}
        });
        assert_eq!(
            readable(&record),
            "look\n[image: a broken mug]\n[image, no alt text]"
        );
    }

    #[test]
    fn quotes_with_media_list_both() {
        let record = json!({
            "text": "",
            "embed": {"$type": "app.bsky.embed.recordWithMedia",
                "media": {"$type": "app.bsky.embed.external", "external": {"uri": "https://x.example", "title": "X"}},
                "record": {"record": {"uri": "at://did:plc:b/app.bsky.feed.post/1", "cid": "c"}}}
        });
        assert_eq!(
            readable(&record),
            "[link: X <https://x.example>]\n[quoting at://did:plc:b/app.bsky.feed.post/1]"
        );
    }

    #[test]
    fn outgoing_spans_find_links_and_mentions_by_byte_offset() {
        let text = "Thanks @Fan.test! See https://help.example/a, ok? @nobody";
        let spans = spans(text);
        assert_eq!(
            spans,
            vec![
                Span::Mention {
                    start: 7,
                    end: 16,
                    handle: "fan.test".into()
                },
                Span::Link {
                    start: 22,
                    end: 44,
                    uri: "https://help.example/a".into()
                },
            ]
        );
        assert_eq!(&text[22..44], "https://help.example/a");
    }

    #[test]
    fn graphemes_count_clusters_not_bytes() {
        assert_eq!(grapheme_count("👍🏽é"), 2);
    }
}

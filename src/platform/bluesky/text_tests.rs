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

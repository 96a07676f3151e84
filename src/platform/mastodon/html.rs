//! Mastodon's status HTML to plain text.
//!
//! Mastodon sends a small, known set of tags (`p`, `br`, `a`, `span`, and on some servers
//! lists, quotes and inline emphasis). Paragraphs and line breaks become newlines; links keep
//! their full address (Mastodon hides part of long URLs in invisible spans, which are kept);
//! mentions become `@user@domain`; hashtags stay `#tag`; custom emoji stay `:shortcode:`
//! (an `<img>` emoji becomes its alt text); entities are decoded. Everything else is
//! dropped as markup, never interpreted.

use super::entities::Mention;

/// Converts status HTML to text. `mentions` (the status's own list) turns mention links
/// into full `@user@domain` handles.
pub fn to_text(html: &str, mentions: &[Mention]) -> String {
    let mut out = String::new();
    // The link being read: its href, whether it is a mention or hashtag, and its text.
    let mut link: Option<(String, bool, String)> = None;
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_text(&mut out, &mut link, &decode(&rest[..lt]));
        let Some(gt) = rest[lt..].find('>') else {
            // A stray `<` with no tag after it is text.
            push_text(&mut out, &mut link, &decode(&rest[lt..]));
            rest = "";
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        rest = &rest[lt + gt + 1..];
        let closing = tag.starts_with('/');
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match (name.as_str(), closing) {
            ("br", _) => push_text(&mut out, &mut link, "\n"),
            ("p" | "blockquote" | "ul" | "ol" | "pre", false) => paragraph(&mut out),
            ("p" | "blockquote" | "ul" | "ol" | "pre", true) => paragraph(&mut out),
            ("li", false) => {
                line(&mut out);
                out.push_str("- ");
            }
            ("a", false) => {
                let href = attr(tag, "href").unwrap_or_default();
                let class = attr(tag, "class").unwrap_or_default();
                let tagged = class
                    .split_whitespace()
                    .any(|c| c == "mention" || c == "hashtag");
                link = Some((href, tagged, String::new()));
            }
            ("a", true) => {
                if let Some((href, tagged, text)) = link.take() {
                    out.push_str(&render_link(&href, tagged, &text, mentions));
                }
            }
            ("img", _) => {
                if let Some(alt) = attr(tag, "alt") {
                    push_text(&mut out, &mut link, &alt);
                }
            }
            _ => {}
        }
    }
    push_text(&mut out, &mut link, &decode(rest));
    if let Some((href, tagged, text)) = link.take() {
        out.push_str(&render_link(&href, tagged, &text, mentions));
    }
    tidy(&out)
}

fn push_text(out: &mut String, link: &mut Option<(String, bool, String)>, text: &str) {
    match link {
        Some((_, _, inner)) => inner.push_str(text),
        None => out.push_str(text),
    }
}

fn render_link(href: &str, tagged: bool, text: &str, mentions: &[Mention]) -> String {
    if let Some(m) = mentions.iter().find(|m| m.url == href) {
        return format!("@{}", m.acct);
    }
    let text = text.trim();
    if tagged || href.is_empty() {
        return text.to_string();
    }
    let bare = |s: &str| {
        s.trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string()
    };
    if text.is_empty() || bare(text) == bare(href) || text.ends_with('…') {
        href.to_string()
    } else {
        format!("{text} ({href})")
    }
}

/// Ends the current paragraph: at most one blank line between blocks.
fn paragraph(out: &mut String) {
    if out.is_empty() {
        return;
    }
    while !out.ends_with("\n\n") {
        out.push('\n');
    }
}

fn line(out: &mut String) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

/// Trims blank lines at the ends and trailing spaces on each line.
fn tidy(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let mut joined = lines.join("\n");
    while joined.contains("\n\n\n") {
        joined = joined.replace("\n\n\n", "\n\n");
    }
    joined.trim_matches('\n').to_string()
}

/// The value of attribute `name` in a tag's inside (`a href="x" class='y'`), decoded.
fn attr(tag: &str, name: &str) -> Option<String> {
    let bytes = tag.as_bytes();
    let mut search = 0;
    while let Some(found) = tag[search..].find(name) {
        let start = search + found;
        search = start + name.len();
        let before_ok = start == 0 || bytes[start - 1].is_ascii_whitespace();
        let after = tag[search..].trim_start();
        if !before_ok || !after.starts_with('=') {
            continue;
        }
        let value = after[1..].trim_start();
        let (quote, body) = match value.chars().next() {
            Some(q @ ('"' | '\'')) => (Some(q), &value[1..]),
            _ => (None, value),
        };
        let end = match quote {
            Some(q) => body.find(q).unwrap_or(body.len()),
            None => body.find(|c: char| c.is_whitespace()).unwrap_or(body.len()),
        };
        return Some(decode(&body[..end]));
    }
    None
}

/// Decodes HTML character references: the named ones Mastodon emits and every numeric one.
pub fn decode(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..].find(';').map(|i| i + 1).filter(|&i| i <= 12);
        let decoded = end.and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => entity.strip_prefix('#').and_then(|num| {
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => num.parse().ok(),
                    };
                    code.and_then(char::from_u32)
                }),
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mention(acct: &str, url: &str) -> Mention {
        Mention {
            id: "1".into(),
            acct: acct.into(),
            url: url.into(),
        }
    }

    #[test]
    fn paragraphs_and_breaks_become_newlines() {
        assert_eq!(
            to_text("<p>one<br>two<br />three</p><p>four</p>", &[]),
            "one\ntwo\nthree\n\nfour"
        );
    }

    #[test]
    fn mentions_become_full_handles_and_hashtags_stay() {
        let html = r#"<p><span class="h-card"><a href="https://other.example/@ana" class="u-url mention">@<span>ana</span></a></span> loves <a href="https://social.example/tags/coffee" class="mention hashtag" rel="tag">#<span>coffee</span></a></p>"#;
        let text = to_text(
            html,
            &[mention("ana@other.example", "https://other.example/@ana")],
        );
        assert_eq!(text, "@ana@other.example loves #coffee");
    }

    #[test]
    fn shortened_links_keep_their_full_address() {
        let html = r#"<p>see <a href="https://example.com/a/very/long/path" rel="nofollow noopener" target="_blank"><span class="invisible">https://</span><span class="ellipsis">example.com/a/very/lo</span><span class="invisible">ng/path</span></a> and <a href="https://x.example/">the menu</a></p>"#;
        assert_eq!(
            to_text(html, &[]),
            "see https://example.com/a/very/long/path and the menu (https://x.example/)"
        );
    }

    #[test]
    fn entities_are_decoded_once_and_unknown_ones_kept() {
        assert_eq!(
            to_text(
                "<p>a &amp;lt; b &gt; c &#39;d&#x27; &#128512; &bogus; & e</p>",
                &[]
            ),
            "a &lt; b > c 'd' 😀 &bogus; & e"
        );
    }

    #[test]
    fn emoji_images_become_their_shortcode_and_other_tags_vanish() {
        let html = r#"<p>hi <img src="x.png" alt=":blobcat:" class="emoji"> :nimbus: <script>x</script><b>bold</b></p>"#;
        assert_eq!(to_text(html, &[]), "hi :blobcat: :nimbus: xbold");
    }

    #[test]
    fn lists_and_stray_brackets_read_as_text() {
        assert_eq!(to_text("<ul><li>a</li><li>b</li></ul>", &[]), "- a\n- b");
        assert_eq!(to_text("1 < 2", &[]), "1 < 2");
    }
}

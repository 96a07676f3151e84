//! Makes text from platforms inert before it reaches a terminal, an export or a report.
//!
//! Anyone can post text, so a post may carry ANSI/OSC escape sequences (recolour the
//! screen, set the window title, write to the clipboard), raw control characters, bidi
//! overrides that make a line read differently from what it is, invisible characters
//! that make a look-alike handle, or characters whose width terminals disagree on, which
//! leave stray text on screen. Escape sequences are removed whole; other
//! control characters become visible control pictures (␇) so nothing hides; line and
//! paragraph separators become newlines; invisible characters are dropped from bodies
//! and shown in handles; what is left has one width everywhere ([`width`]).

mod escape;
mod invisible;
mod width;

pub use width::{truncate_to_width, width};

use escape::ESC;

/// Returns `text` with escape sequences removed, control characters made visible and
/// invisible characters dropped. Newlines are kept; tabs become spaces.
pub fn inert(text: &str) -> String {
    // Most text is plain (see `plain`): nothing below would change it, and reports
    // sanitize hundreds of thousands of bodies.
    if text.chars().all(plain) {
        return text.to_string();
    }
    let chars = controls(text);
    width::settle(&invisible::strip(&chars).into_iter().collect::<String>())
}

/// A character every step of [`inert`] leaves as it is, whatever surrounds it: printable
/// ASCII, a line break, the Latin letters and signs of U+00A0..U+017F (but the soft
/// hyphen, which draws nothing) and the dashes, quotes and ellipsis of U+2010..U+2027.
/// Each is one grapheme one column wide, and no two of them join (a test checks every
/// pair against the full path).
fn plain(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{a0}'..='\u{ac}' | '\u{ae}'..='\u{17f}' | '\u{2010}'..='\u{2027}')
}

/// Like [`inert`] but on one line: line breaks become one space so a list row never breaks.
pub fn inert_line(text: &str) -> String {
    width::settle(&one_line(&inert(text)))
}

/// A handle or an account name, on one line: like [`inert_line`] but every invisible
/// character is shown as `<U+200B>`, so a look-alike cannot pass for the real one.
pub fn handle(text: &str) -> String {
    let chars = controls(text);
    let shown: String = invisible::reveal(&chars).into_iter().collect();
    width::settle(&one_line(&shown))
}

fn one_line(clean: &str) -> String {
    let mut out = String::with_capacity(clean.len());
    let mut last_space = false;
    for c in clean.chars() {
        if c == '\n' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            last_space = c == ' ';
            out.push(c);
        }
    }
    out
}

/// Escape sequences removed, C0 and C1 controls made visible, separators made newlines.
fn controls(text: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ESC => escape::skip_after_esc(&mut chars),
            // C1 CSI/OSC/DCS/SOS/PM/APC introducers act like their ESC forms on some terminals.
            '\u{9b}' => escape::skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => escape::skip_string(&mut chars),
            '\n' | '\u{85}' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.extend([' '; 4]),
            '\r' => {}
            c if (c as u32) < 0x20 => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
            '\u{7f}' => out.push('\u{2421}'),
            c if ('\u{80}'..='\u{9f}').contains(&c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    /// The full path of [`inert`], without the shortcut for plain text.
    fn inert_in_full(text: &str) -> String {
        let chars = controls(text);
        width::settle(&invisible::strip(&chars).into_iter().collect::<String>())
    }

    #[test]
    fn plain_text_is_what_the_full_path_would_leave_unchanged() {
        let alphabet: Vec<char> = (0..=0x2027u32)
            .filter_map(char::from_u32)
            .filter(|c| plain(*c))
            .collect();
        assert!(alphabet.len() > 300);
        // Every step works on one character or on two neighbouring graphemes, so every
        // pair (and every character alone) unchanged means every plain text is.
        let mut pair = String::new();
        for &a in &alphabet {
            assert_eq!(inert_in_full(&a.to_string()), a.to_string(), "{a:?}");
            for &b in &alphabet {
                pair.clear();
                pair.push(a);
                pair.push(b);
                assert_eq!(inert_in_full(&pair), pair, "{a:?} {b:?}");
            }
        }
        for c in [
            '\t', '\r', '\u{ad}', '\u{7f}', '\u{85}', '\u{200b}', '\u{2028}', '\u{301}',
        ] {
            assert!(!plain(c), "{c:?}");
        }
    }

    #[test]
    fn ansi_colour_codes_are_removed_and_the_words_kept() {
        assert_eq!(inert("\u{1b}[31mFREE\u{1b}[0m coins"), "FREE coins");
        assert_eq!(inert("a\u{1b}[38;2;255;0;0mb"), "ab");
    }

    #[test]
    fn osc_window_title_and_clipboard_writes_are_removed() {
        assert_eq!(inert("hi\u{1b}]0;pwned\u{7}there"), "hithere");
        assert_eq!(inert("x\u{1b}]52;c;ZXZpbA==\u{1b}\\y"), "xy");
        assert_eq!(inert("x\u{9d}0;t\u{9c}y"), "xy");
    }

    #[test]
    fn bare_control_characters_become_visible_pictures() {
        assert_eq!(inert("ding\u{7}dong"), "ding\u{2407}dong");
        assert_eq!(inert("back\u{8}space"), "back\u{2408}space");
        assert_eq!(inert("a\rb"), "ab");
    }

    #[test]
    fn bidi_overrides_cannot_reorder_the_line() {
        let hostile = "invoice_\u{202e}fdp.exe";
        assert_eq!(inert(hostile), "invoice_fdp.exe");
        assert_eq!(inert("a\u{2066}b\u{2069}c"), "abc");
    }

    #[test]
    fn ordinary_text_emoji_and_accents_pass_unchanged() {
        let text = "¡Qué café! 👨‍👩‍👧 🇪🇸 — ok";
        assert_eq!(inert(text), text);
    }

    #[test]
    fn a_trailing_lone_escape_does_not_panic() {
        assert_eq!(inert("end\u{1b}"), "end");
        assert_eq!(inert("end\u{1b}["), "end");
    }

    #[test]
    fn one_line_form_joins_lines() {
        assert_eq!(inert_line("one\ntwo\n\nthree"), "one two three");
    }

    #[test]
    fn truncation_counts_wide_characters_as_two_columns() {
        assert_eq!(truncate_to_width("コーヒー最高", 7), "コーヒ…");
        assert_eq!(truncate_to_width("short", 10), "short");
        assert_eq!(truncate_to_width("👍👍👍👍", 5), "👍👍…");
        assert!(truncate_to_width("👨‍👩‍👧 family reunion", 6).width() <= 6);
    }

    #[test]
    fn esc_space_hides_nothing_but_real_nf_sequences_go_whole() {
        assert_eq!(inert("a\u{1b} Xb"), "a Xb");
        assert_eq!(inert("a\u{1b} Fb"), "ab");
        assert_eq!(inert("\u{1b}(Bplain"), "plain");
        assert_eq!(inert("\u{1b}#8wide"), "wide");
        assert_eq!(inert("\u{1b}(é"), "(é");
    }

    #[test]
    fn a_broken_sequence_keeps_the_text_after_it() {
        assert_eq!(inert("a\u{1b}[31é"), "aé");
        assert_eq!(inert("a\u{1b}[3\nb"), "a\nb");
        assert_eq!(inert("\u{1b}]0;title\u{1b}[31mred"), "red");
        assert_eq!(inert("a\u{98}start of string\u{9c}b"), "ab");
    }

    #[test]
    fn every_c0_control_is_a_visible_picture() {
        assert_eq!(inert("a\0hidden"), "a\u{2400}hidden");
        for c in (0u32..0x20).filter(|c| ![0x09, 0x0a, 0x0d, 0x1b].contains(c)) {
            let out = inert(&format!("x{}y", char::from_u32(c).unwrap()));
            assert_eq!(out.chars().count(), 3, "{c:#x}: {out:?}");
            assert!(out.ends_with('y'), "{c:#x}: {out:?}");
        }
    }

    #[test]
    fn line_and_paragraph_separators_are_line_breaks() {
        assert_eq!(inert("a\u{2028}b\u{2029}c\u{85}d"), "a\nb\nc\nd");
        assert_eq!(inert_line("a\u{2028}b\u{2029}c"), "a b c");
    }

    #[test]
    fn hangul_fillers_and_zero_width_characters_leave_bodies() {
        assert_eq!(inert("\u{3164}\u{115f}\u{1160}\u{ffa0}x"), "x");
        assert_eq!(
            inert("pay\u{200b}pal\u{feff}\u{2060}\u{ad}\u{180e}\u{e0041}"),
            "paypal"
        );
        assert_eq!(inert("\u{2063}"), "");
    }

    #[test]
    fn a_look_alike_handle_shows_its_invisible_characters() {
        assert_eq!(handle("@nimbus\u{200b}coffee"), "@nimbus<U+200B>coffee");
        assert_eq!(handle("\u{3164}"), "<U+3164>");
        assert_eq!(handle("@a\u{202e}b"), "@a<U+202E>b");
        assert_eq!(handle("@plain_handle"), "@plain_handle");
    }

    #[test]
    fn emoji_sequences_stay_whole_and_ambiguous_presentations_become_text() {
        for whole in [
            "👩\u{200d}💻",
            "❤\u{fe0f}\u{200d}🔥",
            "🏳\u{fe0f}\u{200d}🌈",
            "👩\u{200d}⚕\u{fe0f}",
            "👍🏽",
            "🇪🇸",
        ] {
            assert_eq!(inert(whole), whole);
            assert_eq!(width(whole), 2, "{whole}");
        }
        assert_eq!(inert("⚠\u{fe0f} careful"), "⚠ careful");
        assert_eq!(inert("1\u{fe0f}\u{20e3}"), "1\u{20e3}");
        assert_eq!(inert("☕\u{fe0e}"), "☕");
        // A joiner that does not make a full emoji sequence: the parts side by side.
        assert_eq!(inert("🏳\u{200d}🌈"), "🏳🌈");
    }

    #[test]
    fn persian_keeps_its_non_joiner() {
        let word = "می\u{200c}خواهم";
        assert_eq!(inert(word), word);
    }

    #[test]
    fn stacked_marks_are_capped_and_marks_without_a_letter_dropped() {
        let zalgo: String = std::iter::once('e')
            .chain(std::iter::repeat_n('\u{301}', 60))
            .collect();
        let out = inert(&zalgo);
        assert_eq!(out.chars().count(), 5);
        assert_eq!(width(&out), 1);
        assert_eq!(inert("\u{301}\u{302}x"), "x");
        assert_eq!(inert("a\n\u{301}b"), "a\nb");
    }

    #[test]
    fn a_ligature_across_graphemes_is_broken_so_widths_agree() {
        let out = inert("سلام لا");
        assert_eq!(out.width(), width(&out));
    }

    mod property {
        use super::super::*;
        use proptest::prelude::*;
        use unicode_width::UnicodeWidthStr;

        /// Pieces of hostile and ordinary text.
        fn piece() -> impl Strategy<Value = String> {
            let controls = prop_oneof![
                (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap().to_string()),
                (0x7fu32..0xa0).prop_map(|c| char::from_u32(c).unwrap().to_string()),
            ];
            let introducer = prop::sample::select(vec![
                "\u{1b}[", "\u{9b}", "\u{1b}]", "\u{9d}", "\u{1b}P", "\u{90}", "\u{1b}X", "\u{98}",
                "\u{1b}^", "\u{9e}", "\u{1b}_", "\u{9f}", "\u{1b}", "\u{1b} ", "\u{1b}(",
                "\u{1b}#",
            ]);
            let terminator =
                prop::sample::select(vec!["", "\u{7}", "\u{1b}\\", "\u{9c}", "m", "H"]);
            let sequence =
                (introducer, "[ -~]{0,8}", terminator).prop_map(|(i, p, t)| format!("{i}{p}{t}"));
            let special = prop::sample::select(vec![
                // bidi controls
                '\u{202a}',
                '\u{202b}',
                '\u{202c}',
                '\u{202d}',
                '\u{202e}',
                '\u{2066}',
                '\u{2067}',
                '\u{2068}',
                '\u{2069}',
                '\u{200e}',
                '\u{200f}',
                '\u{61c}',
                // separators, Hangul fillers
                '\u{2028}',
                '\u{2029}',
                '\u{115f}',
                '\u{1160}',
                '\u{3164}',
                '\u{ffa0}',
                // zero-width, variation selectors, tags
                '\u{200b}',
                '\u{200c}',
                '\u{200d}',
                '\u{2060}',
                '\u{2061}',
                '\u{2064}',
                '\u{feff}',
                '\u{180e}',
                '\u{ad}',
                '\u{34f}',
                '\u{fe0e}',
                '\u{fe0f}',
                '\u{fe00}',
                '\u{e0100}',
                '\u{e0001}',
                '\u{e0041}',
                '\u{e007f}',
                // combining marks
                '\u{300}',
                '\u{301}',
                '\u{36f}',
                '\u{20e3}',
                '\u{489}',
                // wide CJK, emoji (text- and emoji-presentation), modifiers, flags
                'コ',
                '最',
                '가',
                '👩',
                '💻',
                '🔥',
                '❤',
                '⚠',
                '☕',
                '☺',
                '🏳',
                '🌈',
                '⚕',
                '👍',
                '\u{1f3fd}',
                '\u{1f1ea}',
                '\u{1f1f8}',
                // scripts with ligatures and joiners
                'ل',
                'ا',
                'א',
                'ל',
                'ی',
                ' ',
                '\n',
                'a',
                '=',
                '@',
            ])
            .prop_map(String::from);
            let sequences = prop::sample::select(vec![
                "👩\u{200d}💻",
                "❤\u{fe0f}\u{200d}🔥",
                "🏳\u{fe0f}\u{200d}🌈",
                "👨\u{200d}👩\u{200d}👧",
                "⚠\u{fe0f}",
                "1\u{fe0f}\u{20e3}",
                "👍🏽",
                "🇪🇸",
            ])
            .prop_map(String::from);
            prop_oneof![
                controls,
                sequence,
                special.clone(),
                special,
                sequences,
                "[ -~]{0,6}"
            ]
        }

        fn hostile() -> impl Strategy<Value = String> {
            prop::collection::vec(piece(), 0..24).prop_map(|p| p.concat())
        }

        /// Nothing that moves the cursor, changes a mode, reorders or hides text.
        fn assert_inert(out: &str, newline_allowed: bool) {
            for c in out.chars() {
                let code = c as u32;
                assert!(c != '\u{1b}', "ESC in {out:?}");
                assert!(
                    code >= 0x20 || (c == '\n' && newline_allowed),
                    "C0 {code:#x} in {out:?}"
                );
                assert!(!(0x7f..0xa0).contains(&code), "C1 {code:#x} in {out:?}");
                assert!(
                    !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}'),
                    "bidi {code:#x} in {out:?}"
                );
                assert!(
                    !matches!(c, '\u{2028}' | '\u{2029}'),
                    "separator in {out:?}"
                );
                assert!(
                    !matches!(c, '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}'),
                    "Hangul filler in {out:?}"
                );
            }
        }

        /// The width the list assumes (ratatui's grapheme by grapheme) is the width of the
        /// whole string, and no grapheme is wider than a terminal draws one glyph.
        fn assert_one_width(out: &str) {
            for line in out.split('\n') {
                assert_eq!(line.width(), width(line), "{line:?}");
                for g in unicode_segmentation::UnicodeSegmentation::graphemes(line, true) {
                    assert!(g.width() <= 2, "grapheme {g:?} is {} wide", g.width());
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: 2000,
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            #[test]
            fn sanitized_text_is_inert_and_has_one_width(text in hostile()) {
                let body = inert(&text);
                assert_inert(&body, true);
                assert_one_width(&body);
                let line = inert_line(&text);
                assert_inert(&line, false);
                assert_one_width(&line);
                let shown = handle(&text);
                assert_inert(&shown, false);
                assert_one_width(&shown);
                // Every invisible character is shown, but for the non-joiner that keeps a
                // ligature from changing the width (one the sender did not write).
                let hidden = |c: char| c != '\u{200c}' && super::super::invisible::is_default_ignorable(c);
                prop_assert!(!shown.chars().any(hidden), "{shown:?}");
                // Sanitizing twice changes nothing.
                prop_assert_eq!(inert(&body), body.clone());
                prop_assert_eq!(inert_line(&line), line.clone());
                for cols in [0, 1, 2, 5, 13] {
                    prop_assert!(width(&truncate_to_width(&line, cols)) <= cols);
                }
            }
        }
    }
}

//! Popups over rows with wide and emoji text: what the terminal was sent must be what
//! the frame holds, so closing a popup leaves nothing behind and opening one shows its
//! whole border.

mod support;
use hark::domain::{ItemKind, ItemState};
use hark::store::read::ItemRow;
use hark::tui::keymap::Keymap;
use hark::tui::model::Model;
use hark::tui::moderation::{Popup, Purpose};
use hark::tui::ui;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

const NOW: i64 = 1_764_000_000;
const W: u16 = 138;
const H: u16 = 40;

fn rows() -> Vec<ItemRow> {
    (0..24)
        .map(|i| ItemRow {
            id: 100 - i,
            created_at: NOW - i * 60,
            platform: "chirp".into(),
            kind: ItemKind::Mention,
            state: ItemState::Open,
            // Both parities, so some wide character meets the popup's left edge.
            author: if i % 2 == 0 {
                "@コーヒー好きな人たち"
            } else {
                "@aコーヒー好きな人たち"
            }
            .into(),
            snippet: "⚠\u{fe0f} tag this ⚠\u{fe0f} please ❤\u{fe0f} 1\u{fe0f}\u{20e3} ok".into(),
            sentiment: None,
            sentiment_manual: false,
            needs_reply: true,
            flag: None,
            marks: Default::default(),
            facts: hark::platform::ItemFacts::of(ItemKind::Mention),
            lang: None,
        })
        .collect()
}

fn model() -> Model {
    let mut model = Model::new(Keymap::defaults(), "Nimbus".into(), NOW);
    support::ui::show_rows(&mut model, W, H, rows(), 24);
    // Tags to complete make the popup tall enough to cover list rows.
    model.moderation.tags_in_use = (1..=8).map(|n| (format!("tag{n}"), n)).collect();
    model
}

fn tag_popup() -> Option<Popup> {
    Some(Popup::Input {
        purpose: Purpose::Tag,
        ids: vec![100],
        text: "t".into(),
    })
}

/// Draws `model` and checks the terminal got every cell it could show: a cell behind a
/// grapheme whose width terminals disagree on (⚠️ is one column in many) must have been
/// sent, or the old character stays visible there.
fn draw_and_check(terminal: &mut Terminal<TestBackend>, model: &Model) {
    let frame = terminal
        .draw(|f| ui::render(f, model))
        .unwrap()
        .buffer
        .clone();
    let sent = terminal.backend().buffer();
    for y in 0..H {
        let mut hidden = 0u16;
        for x in 0..W {
            let want = frame[(x, y)].symbol();
            if hidden == 0 {
                assert_eq!(
                    sent[(x, y)].symbol(),
                    want,
                    "cell {x},{y} on screen\n{}",
                    rows_of(sent)
                );
            }
            hidden = hidden.saturating_sub(1);
            if surely_wide(want) {
                hidden = 1;
            }
        }
    }
}

/// Wide on every terminal: its first character alone is wide (CJK, 👍), not made wide
/// by a variation selector.
fn surely_wide(grapheme: &str) -> bool {
    grapheme.chars().next().and_then(|c| c.width()) == Some(2)
}

fn rows_of(buffer: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn closing_the_tag_popup_leaves_nothing_behind_on_emoji_rows() {
    let mut model = model();
    let mut terminal = Terminal::new(TestBackend::new(W, H)).unwrap();
    draw_and_check(&mut terminal, &model);
    model.moderation.popup = tag_popup();
    draw_and_check(&mut terminal, &model);
    model.moderation.popup = None;
    draw_and_check(&mut terminal, &model);
}

#[test]
fn a_popup_never_starts_on_the_right_half_of_a_wide_character() {
    let mut model = model();
    model.moderation.popup = tag_popup();
    let mut terminal = Terminal::new(TestBackend::new(W, H)).unwrap();
    let frame = terminal
        .draw(|f| ui::render(f, &model))
        .unwrap()
        .buffer
        .clone();
    let mut edges = 0;
    for y in 0..H {
        for x in 1..W {
            if ["┃", "┏", "┗"].contains(&frame[(x, y)].symbol()) {
                let left = frame[(x - 1, y)].symbol();
                assert!(
                    left.width() <= 1,
                    "{left:?} is cut by the popup at {x},{y}\n{}",
                    rows_of(&frame)
                );
                edges += 1;
            }
        }
    }
    assert!(edges > 0, "the popup is drawn");
}

#[test]
fn a_look_alike_handle_and_hidden_text_show_in_the_list() {
    let mut rows = rows();
    rows[0].author = "@nimbus\u{200b}".into();
    rows[0].snippet = "a\u{1b} Xb null\0after\u{2028}next\u{3164}end".into();
    let mut model = Model::new(Keymap::defaults(), "Nimbus".into(), NOW);
    support::ui::show_rows(&mut model, W, H, rows, 24);
    let screen = support::ui::screen(&support::ui::render(&model, W, H));
    assert!(screen.contains("@nimbus<U+200B>"), "{screen}");
    assert!(
        screen.contains("a Xb null\u{2400}after nextend"),
        "{screen}"
    );
}

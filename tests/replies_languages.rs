//! Replies in the author's language: the number key picks the canned reply's variant for
//! the item's language (else the default body), with that language's sign-off and the
//! author's first name; the picker shows which languages a reply has.

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hark::domain::{ItemKind, ItemState};
use hark::replies::length::Limit;
use hark::store::read::{AuthorInfo, ItemDetail, ItemRow};
use hark::tui::keymap::Keymap;
use hark::tui::model::{update, Model, Msg};
use hark::tui::query::Response;

const NOW: i64 = 1_764_000_000;

fn row(lang: Option<&str>) -> ItemRow {
    ItemRow {
        id: 9,
        created_at: NOW - 120,
        platform: "forum".into(),
        kind: ItemKind::Comment,
        state: ItemState::New,
        author: "@isa_rio".into(),
        snippet: "Seguimos igual, con fiebre los dos".into(),
        sentiment: None,
        sentiment_manual: false,
        needs_reply: true,
        flag: None,
        marks: Default::default(),
        facts: hark::platform::ItemFacts::of(ItemKind::Comment),
        lang: lang.map(str::to_string),
    }
}

fn detail(row: ItemRow) -> ItemDetail {
    ItemDetail {
        body: row.snippet.clone(),
        row,
        url: None,
        account: "demo-forum".into(),
        edited_at: None,
        filtered: false,
        sentiment_auto: None,
        sentiment_manual: None,
        lang_manual: false,
        author: AuthorInfo {
            person: 0,
            handle: "@isa_rio".into(),
            display_name: "Isabel del Río".into(),
            followers: Some(120),
            items: 1,
            positive: 0,
            neutral: 0,
            negative: 1,
            first_seen_at: NOW - 3600,
        },
        ancestors: vec![],
        replies: vec![],
        tags: vec![],
    }
}

/// The shipped example replies, opened on an item written in `lang`.
fn model(lang: Option<&str>) -> Model {
    let mut kit = hark::demo::replies_config().reply_kit();
    kit.limits.insert("forum".into(), Some(Limit::length(5000)));
    let mut model = Model::new(Keymap::defaults(), "Nimbus Coffee".into(), NOW).with_replies(kit);
    support::ui::show_rows(&mut model, 100, 30, vec![row(lang)], 1);
    update(
        &mut model,
        Msg::Loaded(Response::Detail {
            id: 9,
            detail: Some(Box::new(detail(row(lang)))),
            explanation: vec![],
        }),
    );
    model
}

fn press(model: &mut Model, code: KeyCode) {
    update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn composed(lang: Option<&str>, key: char) -> String {
    let mut model = model(lang);
    press(&mut model, KeyCode::Char(key));
    model
        .composer
        .open
        .as_ref()
        .expect("the composer opened")
        .text()
}

#[test]
fn the_number_key_picks_the_items_language_variant_with_its_signoff() {
    assert_eq!(
        composed(Some("es"), '2'),
        "Sentimos mucho lo ocurrido, Isabel. ¿Nos escribes por DM con el número de pedido? Lo solucionamos. — Sam, de Nimbus"
    );
    assert_eq!(
        composed(Some("fr"), '1'),
        "Merci beaucoup, Isabel ! Ravis que ça vous ait plu. — Sam, chez Nimbus"
    );
    // No German variant: the default body, the general sign-off.
    assert_eq!(
        composed(Some("de"), '2'),
        "Sorry to hear that, Isabel. Could you send us a DM with your order number? We'll make it right. — Sam at Nimbus"
    );
    // Language unknown (stored before detection): the default body.
    assert!(composed(None, '1').starts_with("Thanks so much, Isabel!"));
}

#[test]
fn the_spanish_voice_warns_about_spanish_banned_words_and_the_english_signoff() {
    let mut model = model(Some("es"));
    press(&mut model, KeyCode::Char('r'));
    for c in "Lamentablemente no queda. — Sam at Nimbus".chars() {
        press(&mut model, KeyCode::Char(c));
    }
    let warnings: Vec<String> = model
        .composer
        .open
        .as_ref()
        .unwrap()
        .warnings(&model.composer.kit)
        .iter()
        .map(|w| w.to_string())
        .collect();
    assert!(
        warnings.contains(&"\"lamentablemente\" is off-brand: say \"por desgracia\"".to_string()),
        "{warnings:?}"
    );
    assert!(
        warnings.contains(&"no sign-off: end with \"— Sam, de Nimbus\"".to_string()),
        "{warnings:?}"
    );
}

#[test]
fn the_picker_shows_which_languages_a_reply_has() {
    let mut model = model(Some("es"));
    press(&mut model, KeyCode::Char('R'));
    let screen = support::ui::render(&model, 100, 30);
    let text: String = screen
        .backend()
        .buffer()
        .content
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(
        text.contains("1 thanks           [ca es fr] praise"),
        "{text}"
    );
    assert!(text.contains("3 hours            question"), "{text}");
    // The preview is the Spanish variant, filled for this author.
    assert!(text.contains("¡Muchas gracias, Isabel!"), "{text}");
}

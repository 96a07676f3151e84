//! The reply composer, the canned-reply picker and the Outbox pane: keys in, effects and
//! screens out (TestBackend snapshots with a fixed clock and fixture data).

mod support;
use std::time::Duration;
use support::ui::{render, row, NOW};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hark::command::Command;
use hark::domain::ItemKind;
use hark::outbox::read::{Draft, ItemOutbox, OutboxRow};
use hark::outbox::OutboxState;
use hark::replies::length::Limit;
use hark::store::read::{ItemDetail, ItemRow};
use hark::tui::composer::update::ReplyMsg;
use hark::tui::composer::ReplyKit;
use hark::tui::keymap::Keymap;
use hark::tui::outbox::OutboxOp;

use hark::tui::model::{update, Effect, Model, Msg};
use hark::tui::query::{Request, Response};

fn rows() -> Vec<ItemRow> {
    vec![
        row(
            9,
            2,
            "@ana",
            "my order never arrived, third time asking",
            true,
        ),
        row(8, 14, "@fan", "love the new roast!", false),
        row(7, 95, "@sam", "are you open on Sunday?", true),
    ]
}

/// `row` opened as Ana's complaint with its link, whatever the row's own text.
fn detail(row: ItemRow, handle: &str, name: &str) -> ItemDetail {
    ItemDetail {
        body: "my order never arrived, third time asking".into(),
        url: Some("https://chirp.example/ana/1".into()),
        ..support::ui::detail(row, handle, name)
    }
}

fn kit() -> ReplyKit {
    let mut kit = hark::demo::replies_config().reply_kit();
    kit.limits.insert("chirp".into(), Some(Limit::length(280)));
    kit.sla = Some(hark::sla::Sla::wall(Duration::from_secs(3600)));
    kit
}

fn model(width: u16, height: u16) -> Model {
    let mut model = Model::new(Keymap::defaults(), "Nimbus Coffee".into(), NOW).with_replies(kit());
    support::ui::show_rows(&mut model, width, height, rows(), 3);
    update(
        &mut model,
        Msg::Loaded(Response::Detail {
            id: 9,
            detail: Some(Box::new(detail(rows()[0].clone(), "@ana", "Ana Ruiz"))),
            explanation: vec![],
        }),
    );
    model
}

fn key(model: &mut Model, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    update(model, Msg::Key(KeyEvent::new(code, mods)))
}

fn press(model: &mut Model, c: char) -> Vec<Effect> {
    key(model, KeyCode::Char(c), KeyModifiers::NONE)
}

fn typed(model: &mut Model, text: &str) {
    for c in text.chars() {
        press(model, c);
    }
}

fn ctrl_s(model: &mut Model) -> Vec<Effect> {
    key(model, KeyCode::Char('s'), KeyModifiers::CONTROL)
}

fn composer_text(model: &Model) -> String {
    model
        .composer
        .open
        .as_ref()
        .expect("the composer is open")
        .text()
}

#[test]
fn a_canned_reply_key_opens_the_composer_filled_in_and_ctrl_s_queues_it() {
    let mut model = model(80, 24);
    press(&mut model, '2');
    assert_eq!(
        composer_text(&model),
        "@ana Sorry to hear that, Ana. Could you send us a DM with your order number? We'll make it right. — Sam at Nimbus"
    );
    insta::assert_snapshot!(render(&model, 80, 24).backend());
    let effects = ctrl_s(&mut model);
    assert!(effects.contains(&Effect::Write(Command::QueueReply {
        item_id: 9,
        text: composer_text_of_queue(&effects),
        replaces: None,
    })));
    // The composer closes when the outbox row is committed, not before.
    assert!(model.composer.open.is_some());
    update(&mut model, Msg::Reply(ReplyMsg::Queued(Ok(1))));
    assert!(model.composer.open.is_none());
    assert_eq!(
        model.status.message.as_deref(),
        Some("reply queued · O shows the outbox")
    );
    // The cursor skips @fan (needs no reply) and lands on @sam.
    assert_eq!(model.list.current_id(), Some(7));
}

fn composer_text_of_queue(effects: &[Effect]) -> String {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Write(Command::QueueReply { text, .. }) => Some(text.clone()),
            _ => None,
        })
        .expect("a reply was queued")
}

#[test]
fn replying_to_a_post_deleted_on_the_platform_warns_before_it_goes() {
    let mut model = model(80, 24);
    let mut gone = rows()[0].clone();
    gone.marks.gone = true;
    update(
        &mut model,
        Msg::Loaded(Response::Detail {
            id: 9,
            detail: Some(Box::new(detail(gone, "@ana", "Ana Ruiz"))),
            explanation: vec![],
        }),
    );
    press(&mut model, 'r');
    typed(&mut model, "so sorry, on it");
    let screen = support::ui::screen(&render(&model, 80, 24));
    assert!(
        screen.contains("this post was deleted on the platform"),
        "{screen}"
    );
    assert!(ctrl_s(&mut model).is_empty(), "the first ctrl-s only warns");
    assert_eq!(
        composer_text_of_queue(&ctrl_s(&mut model)),
        "@ana so sorry, on it"
    );
}

#[test]
fn a_warning_needs_a_second_ctrl_s_and_typing_disarms_it() {
    let mut model = model(80, 24);
    press(&mut model, 'r');
    assert_eq!(composer_text(&model), "@ana ");
    typed(&mut model, "Unfortunately it is LOST");
    let warnings = model
        .composer
        .open
        .as_ref()
        .unwrap()
        .warnings(&model.composer.kit);
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(ctrl_s(&mut model).is_empty(), "the first ctrl-s only warns");
    insta::assert_snapshot!(render(&model, 80, 24).backend());
    // Editing clears the confirmation: the next ctrl-s warns again.
    typed(&mut model, "!");
    assert!(ctrl_s(&mut model).is_empty());
    let effects = ctrl_s(&mut model);
    assert_eq!(
        composer_text_of_queue(&effects),
        "@ana Unfortunately it is LOST!"
    );
}

#[test]
fn snippets_stack_at_the_cursor_with_alt_digits_and_the_picker() {
    let mut model = model(80, 24);
    press(&mut model, '3');
    key(&mut model, KeyCode::Char('4'), KeyModifiers::ALT);
    let text = composer_text(&model);
    assert!(
        text.starts_with("@ana We're open 7am to 7pm every day."),
        "{text}"
    );
    assert!(text.ends_with("See you soon! You'll find the answer here: https://nimbus.example/help — Sam at Nimbus"), "{text}");
    assert_eq!(
        text.matches("— Sam at Nimbus").count(),
        1,
        "one sign-off when stacking"
    );
    // Ctrl-P opens the picker inside the composer; a fuzzy query finds "looking-into-it".
    key(&mut model, KeyCode::Char('p'), KeyModifiers::CONTROL);
    typed(&mut model, "lkng");
    insta::assert_snapshot!(render(&model, 80, 24).backend());
    key(&mut model, KeyCode::Enter, KeyModifiers::NONE);
    assert!(composer_text(&model).contains("we're looking into it"));
}

#[test]
fn r_upper_opens_the_picker_from_the_inbox_and_enter_opens_the_composer() {
    let mut model = model(80, 24);
    press(&mut model, 'R');
    assert!(model.composer.picker.is_some());
    typed(&mut model, "hours");
    key(&mut model, KeyCode::Enter, KeyModifiers::NONE);
    assert!(model.composer.picker.is_none());
    assert!(composer_text(&model).contains("We're open 7am to 7pm"));
}

#[test]
fn a_variable_with_no_value_is_an_error_and_nothing_is_inserted() {
    let mut model = model(80, 24);
    model.composer.kit.canned.push(hark::replies::CannedReply {
        name: "named".into(),
        key: Some(9),
        body: "Dear {author_name}, thanks".into(),
        platforms: vec![],
        tags: vec![],
        lang: Default::default(),
    });
    let mut nameless = detail(rows()[0].clone(), "@ana", "");
    nameless.author.display_name.clear();
    update(
        &mut model,
        Msg::Loaded(Response::Detail {
            id: 9,
            detail: Some(Box::new(nameless)),
            explanation: vec![],
        }),
    );
    press(&mut model, '9');
    let composer = model.composer.open.as_ref().unwrap();
    assert_eq!(composer.text(), "@ana ");
    assert!(composer
        .error
        .as_deref()
        .unwrap()
        .contains("{author_name} has no value"));
    // Typing the variable by hand is caught at send time too: never a hole.
    typed(&mut model, "{author_name}");
    assert!(ctrl_s(&mut model).is_empty());
    assert!(model
        .composer
        .open
        .as_ref()
        .unwrap()
        .error
        .as_deref()
        .unwrap()
        .starts_with("not sent"));
}

#[test]
fn esc_keeps_a_draft_and_r_reopens_it_and_the_item_shows_it() {
    let mut model = model(80, 24);
    press(&mut model, 'r');
    typed(&mut model, "half a thought");
    let effects = key(&mut model, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(
        effects,
        vec![Effect::Write(Command::SaveDraft {
            item_id: 9,
            body: "@ana half a thought".into()
        })]
    );
    assert!(model.composer.open.is_none());
    // The store answers with the draft; the detail pane shows it and r continues it.
    update(
        &mut model,
        Msg::Loaded(Response::ItemOutbox {
            id: 9,
            outbox: ItemOutbox {
                draft: Some(Draft {
                    body: "@ana half a thought".into(),
                    updated_at: NOW - 60,
                }),
                rows: vec![outbox_row(
                    1,
                    OutboxState::Failed,
                    Some("the platform refused: 422 duplicate"),
                )],
            },
        }),
    );
    insta::assert_snapshot!(render(&model, 80, 24).backend());
    press(&mut model, 'r');
    assert_eq!(composer_text(&model), "@ana half a thought");
}

#[test]
fn the_prefilled_handle_alone_is_not_a_draft() {
    let mut model = model(80, 24);
    press(&mut model, 'r');
    let effects = key(&mut model, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(
        effects,
        vec![Effect::Write(Command::SaveDraft {
            item_id: 9,
            body: String::new()
        })]
    );
}

fn outbox_row(id: i64, state: OutboxState, error: Option<&str>) -> OutboxRow {
    OutboxRow {
        id,
        item_id: 9,
        kind: "reply".into(),
        text: format!("@ana reply number {id}"),
        state,
        attempts: if error.is_some() { 2 } else { 0 },
        next_attempt_at: NOW + 30,
        last_error: error.map(str::to_string),
        created_at: NOW - 120,
        sent_at: (state == OutboxState::Sent).then_some(NOW - 30),
        author: "@ana".into(),
        platform: "chirp".into(),
        item_kind: ItemKind::Mention,
        cm: None,
    }
}

#[test]
fn the_outbox_pane_shows_states_and_retries_cancels_and_edits() {
    let mut model = model(80, 24);
    let effects = press(&mut model, 'O');
    assert!(effects.contains(&Effect::Query(Request::Outbox)));
    update(
        &mut model,
        Msg::Loaded(Response::Outbox(vec![
            outbox_row(
                4,
                OutboxState::Failed,
                Some("the platform refused: 422 text too long"),
            ),
            outbox_row(3, OutboxState::Queued, Some("temporary failure: 503")),
            outbox_row(2, OutboxState::Sending, None),
            outbox_row(1, OutboxState::Sent, None),
        ])),
    );
    insta::assert_snapshot!(render(&model, 80, 24).backend());
    assert_eq!(
        press(&mut model, 'r'),
        vec![Effect::Write(Command::Outbox {
            id: 4,
            op: OutboxOp::Retry
        })]
    );
    press(&mut model, 'j');
    assert_eq!(
        press(&mut model, 'x'),
        vec![Effect::Write(Command::Outbox {
            id: 3,
            op: OutboxOp::Cancel
        })]
    );
    press(&mut model, 'j');
    assert!(
        press(&mut model, 'x').is_empty(),
        "a row being sent cannot be cancelled"
    );
    press(&mut model, 'k');
    press(&mut model, 'k');
    press(&mut model, 'e');
    assert!(model.outbox.pane.is_none());
    assert_eq!(composer_text(&model), "@ana reply number 4");
    typed(&mut model, " — Sam at Nimbus");
    let effects = ctrl_s(&mut model);
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Write(Command::QueueReply {
            replaces: Some(4),
            ..
        })
    )));
}

/// The list row of `author` on screen.
fn list_line(model: &Model, author: &str) -> String {
    let buffer = render(model, 80, 24).backend().buffer().clone();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .find(|line| line.contains(author))
        .unwrap_or_else(|| panic!("no row for {author}"))
}

#[test]
fn items_at_risk_are_marked_before_they_breach_on_the_sla_clock() {
    let rows = vec![
        row(9, 2, "@fresh", "hello?", true),
        row(8, 50, "@risky", "any news?", true),
        row(7, 95, "@late", "are you open on Sunday?", true),
        row(6, 95, "@noreply", "love it", false),
    ];
    let mut model = Model::new(Keymap::defaults(), "Nimbus Coffee".into(), NOW).with_replies(kit());
    support::ui::show_rows(&mut model, 80, 24, rows.clone(), 4);
    // Target 1h, at risk from 75% (45 minutes).
    assert!(!list_line(&model, "@fresh").contains('◔'));
    assert!(list_line(&model, "@risky").contains("◔"));
    assert!(list_line(&model, "@late").contains("◷"));
    assert!(!list_line(&model, "@noreply").contains('◷'));
    // Today (Mon 24 Nov 2025) is a holiday on the business clock: no business minute has
    // passed for anything posted today, so nothing is at risk or late.
    let mut kit = kit();
    let holiday: hark::sla::SlaConfig = toml::from_str(
        "hours = \"mon-fri 09:00-18:00\"\ntz = \"UTC\"\nholidays = [\"2025-11-24\"]",
    )
    .unwrap();
    kit.sla = Some(holiday.sla("UTC").unwrap());
    let mut model = Model::new(Keymap::defaults(), "Nimbus Coffee".into(), NOW).with_replies(kit);
    support::ui::show_rows(&mut model, 80, 24, rows, 4);
    for author in ["@risky", "@late"] {
        let line = list_line(&model, author);
        assert!(!line.contains('◔') && !line.contains('◷'), "{line}");
    }
}

#[test]
fn items_past_the_first_response_target_are_marked() {
    let model = model(80, 24);
    let rows = rows();
    assert!(!hark::tui::compose_update::overdue(&model, &rows[0]));
    assert!(
        hark::tui::compose_update::overdue(&model, &rows[2]),
        "95 minutes, target 1h"
    );
    let screen = format!("{:?}", render(&model, 80, 24).backend());
    assert!(screen.contains("◷"), "{screen}");
}

#[test]
fn the_composer_fits_a_narrow_terminal() {
    let mut model = model(50, 20);
    press(&mut model, '1');
    insta::assert_snapshot!(render(&model, 50, 20).backend());
}

#[test]
fn typing_is_saved_as_a_draft_on_the_next_tick() {
    let mut model = model(80, 24);
    press(&mut model, 'r');
    assert!(
        update(&mut model, Msg::Tick(NOW + 1)).is_empty(),
        "nothing typed yet"
    );
    typed(&mut model, "so far");
    assert_eq!(
        update(&mut model, Msg::Tick(NOW + 2)),
        vec![Effect::Write(Command::SaveDraft {
            item_id: 9,
            body: "@ana so far".into()
        })]
    );
    assert!(
        update(&mut model, Msg::Tick(NOW + 3)).is_empty(),
        "saved once"
    );
}

#[test]
fn a_canned_reply_for_another_platform_is_refused() {
    let mut model = model(80, 24);
    // Reply 5 is for the forum; the item is on chirp.
    press(&mut model, '5');
    assert!(model.composer.open.is_none());
    assert_eq!(
        model.status.message.as_deref(),
        Some("reply `forum-welcome` is for forum, not chirp")
    );
}

#[test]
fn a_dm_is_answered_by_dm_without_the_handle_or_the_public_sign_off_rule() {
    let mut model = model(80, 24);
    let mut dm = rows()[0].clone();
    dm.kind = ItemKind::Dm;
    update(
        &mut model,
        Msg::Loaded(Response::Detail {
            id: 9,
            detail: Some(Box::new(detail(dm, "@ana", "Ana Ruiz"))),
            explanation: vec![],
        }),
    );
    press(&mut model, 'r');
    assert_eq!(composer_text(&model), "");
    typed(&mut model, "Sending you the tracking link now.");
    assert_eq!(
        model
            .composer
            .open
            .as_ref()
            .unwrap()
            .warnings(&model.composer.kit),
        vec![]
    );
    let screen = format!("{:?}", render(&model, 80, 24).backend());
    assert!(screen.contains("DM to @ana"), "{screen}");
    assert!(screen.contains("34/280"), "{screen}");
}

#[test]
fn a_reply_the_outbox_could_not_take_stays_in_the_composer_and_goes_out_on_the_next_try() {
    let mut model = model(80, 24);
    press(&mut model, 'r');
    typed(&mut model, "we are on it");
    assert!(
        ctrl_s(&mut model).is_empty(),
        "no sign-off: the first ctrl-s warns"
    );
    let effects = ctrl_s(&mut model);
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::Write(Command::QueueReply { .. }))));
    // Keys typed while the row is being written do not change what was sent.
    press(&mut model, 'x');
    update(
        &mut model,
        Msg::Reply(ReplyMsg::Queued(Err("database or disk is full".into()))),
    );
    assert_eq!(
        composer_text(&model),
        "@ana we are on it",
        "nothing is lost"
    );
    let error = model.composer.open.as_ref().unwrap().error.clone().unwrap();
    assert!(error.contains("database or disk is full"), "{error}");
    assert!(error.contains("your text is kept"), "{error}");
    // The text is saved as a draft on the next tick, as typed text is.
    assert_eq!(
        update(&mut model, Msg::Tick(NOW + 1)),
        vec![Effect::Write(Command::SaveDraft {
            item_id: 9,
            body: "@ana we are on it".into()
        })]
    );
    // The warnings were already accepted: one ctrl-s tries again.
    let effects = ctrl_s(&mut model);
    assert_eq!(composer_text_of_queue(&effects), "@ana we are on it");
    update(&mut model, Msg::Reply(ReplyMsg::Queued(Ok(2))));
    assert!(model.composer.open.is_none());
}

/// An `unknown` row (it may already be on the platform): `s` says it was sent, `r` asks
/// before sending it again, `e` edits it (the store keeps its key); the status bar counts
/// the rows only the CM can move on.
#[test]
fn an_unknown_row_is_confirmed_or_resent_after_asking_and_the_status_bar_counts_it() {
    let mut model = model(100, 24);
    update(
        &mut model,
        Msg::Loaded(Response::OutboxAttention {
            team_waiting: None,
            failed: 2,
            unknown: 1,
        }),
    );
    let screen = format!("{:?}", render(&model, 100, 24).backend());
    assert!(screen.contains("outbox: 2 failed · 1 unknown"), "{screen}");

    press(&mut model, 'O');
    update(
        &mut model,
        Msg::Loaded(Response::Outbox(vec![
            outbox_row(
                5,
                OutboxState::Unknown,
                Some("interrupted while sending; hark cannot tell whether it reached the platform"),
            ),
            outbox_row(4, OutboxState::Sent, None),
        ])),
    );
    let screen = format!("{:?}", render(&model, 100, 24).backend());
    assert!(screen.contains("unknown: interrupted"), "{screen}");
    assert!(press(&mut model, 'r').is_empty(), "the first r only asks");
    assert!(model
        .status
        .message
        .as_deref()
        .unwrap()
        .contains("r again sends it again"));
    assert!(
        press(&mut model, 'j').is_empty(),
        "another key drops the question"
    );
    press(&mut model, 'k');
    assert!(press(&mut model, 'r').is_empty(), "asked again");
    assert_eq!(
        press(&mut model, 'r'),
        vec![Effect::Write(Command::Outbox {
            id: 5,
            op: OutboxOp::Retry
        })]
    );
    assert_eq!(
        press(&mut model, 's'),
        vec![Effect::Write(Command::Outbox {
            id: 5,
            op: OutboxOp::ConfirmSent
        })]
    );
    press(&mut model, 'j');
    assert!(
        press(&mut model, 's').is_empty(),
        "a sent row is not confirmed"
    );
    press(&mut model, 'k');
    press(&mut model, 'e');
    assert!(
        model.outbox.pane.is_none(),
        "an unknown reply can be edited"
    );
    typed(&mut model, " — Sam");
    let mut effects = ctrl_s(&mut model);
    if effects.is_empty() {
        effects = ctrl_s(&mut model); // a warning (the same text as a sent reply) asks first
    }
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Write(Command::QueueReply {
            replaces: Some(5),
            ..
        })
    )));
}

#[test]
fn the_bluesky_counter_reflects_both_its_grapheme_and_its_byte_limit() {
    let mut model = model(100, 24);
    model.composer.kit.limits.insert(
        "bluesky".into(),
        Some(Limit {
            length: 300,
            bytes: Some(3000),
        }),
    );
    let mut post = rows()[0].clone();
    post.platform = "bluesky".into();
    update(
        &mut model,
        Msg::Loaded(Response::Detail {
            id: 9,
            detail: Some(Box::new(detail(post, "@ana.bsky.social", "Ana Ruiz"))),
            explanation: vec![],
        }),
    );
    press(&mut model, 'r');
    let composer = model.composer.open.as_mut().unwrap();
    composer.set_text("fine");
    assert_eq!(composer.counter(), ("4/300".to_string(), false));
    // 200 graphemes fit in 300, but at 18 bytes each they are 3600 bytes.
    composer.set_text(&"👨‍👩‍👧".repeat(200));
    assert_eq!(
        composer.counter(),
        ("200/300 · 3600/3000 bytes".to_string(), true)
    );
    let warnings = model
        .composer
        .open
        .as_ref()
        .unwrap()
        .warnings(&model.composer.kit);
    assert!(
        warnings
            .iter()
            .any(|w| w.to_string() == "too long: 3600/3000 bytes — the platform will refuse it"),
        "{warnings:?}"
    );
    let screen = format!("{:?}", render(&model, 100, 24).backend());
    assert!(screen.contains("3600/3000 bytes"), "{screen}");
}

/// A Facebook DM on `model`, written `age` seconds ago, with the Facebook connector
/// among the composer's sources (its window needs no request).
fn meta_dm(model: &mut Model, age: i64) {
    let connector = hark::platform::meta::MetaConnector::new(hark::platform::meta::Settings {
        network: hark::platform::meta::Network::Facebook,
        server: "http://127.0.0.1:9".into(),
        version: "v21.0".into(),
        id: "104000000000001".into(),
        handle: "Nimbus Coffee".into(),
        token: hark::secrets::Secret::new("unused-token"),
        lookback: Duration::from_secs(14 * 86_400),
        page: Some("104000000000001".into()),
        human_agent: false,
    })
    .unwrap();
    model.composer.kit.sources =
        hark::tui::composer::LimitSources(vec![std::sync::Arc::new(connector)]);
    let mut dm = rows()[0].clone();
    dm.platform = "facebook".into();
    dm.kind = ItemKind::Dm;
    dm.created_at = NOW - age;
    dm.facts = hark::platform::ItemFacts::of(ItemKind::Dm);
    update(
        model,
        Msg::Loaded(Response::Detail {
            id: 9,
            detail: Some(Box::new(detail(dm, "Ana Lima", "Ana Lima"))),
            explanation: vec![],
        }),
    );
}

#[test]
fn a_meta_dm_shows_how_long_its_window_stays_open_and_is_refused_past_it() {
    let mut model = model(80, 24);
    meta_dm(&mut model, 3600);
    press(&mut model, 'r');
    typed(&mut model, "Sorry! A new one is on its way.");
    let screen = support::ui::screen(&render(&model, 80, 24));
    assert!(screen.contains("messaging window open 23h 0m"), "{screen}");
    insta::assert_snapshot!(render(&model, 80, 24).backend());
    assert_eq!(
        composer_text_of_queue(&ctrl_s(&mut model)),
        "Sorry! A new one is on its way."
    );

    let mut model = self::model(80, 24);
    meta_dm(&mut model, 2 * 86_400);
    press(&mut model, 'r');
    typed(&mut model, "Sorry for the wait");
    assert!(ctrl_s(&mut model).is_empty(), "nothing is queued");
    let error = model.composer.open.as_ref().unwrap().error.clone().unwrap();
    assert!(
        error.starts_with(
            "not sent: outside Meta's 24-hour messaging window: they last wrote 2d 0h ago"
        ),
        "{error}"
    );
}

/// A reply longer than the text area, with four warnings: over the limit, off-brand,
/// no sign-off, shouting.
fn long_reply_with_four_warnings(model: &mut Model) {
    press(model, 'r');
    typed(
        model,
        "Unfortunately your parcel is LOST somewhere between the roastery and your door. \
         We have asked the courier to trace it, and if it does not turn up by Friday we will \
         send a fresh bag of the same roast at no cost, with a little extra for the wait. \
         Could you confirm the delivery address you gave us is still right? \
         If you would rather have a refund, say so and it goes back to your card the same \
         day; either way you hear from us before the weekend, and the courier's reference \
         is in the email we sent this morning. Thanks for bearing with us. END-OF-REPLY",
    );
    let warnings = model
        .composer
        .open
        .as_ref()
        .unwrap()
        .warnings(&model.composer.kit);
    assert_eq!(warnings.len(), 4, "{warnings:?}");
}

#[test]
fn a_long_reply_with_four_warnings_keeps_its_end_and_the_send_anyway_line_in_view_at_80x24() {
    let mut model = model(80, 24);
    long_reply_with_four_warnings(&mut model);
    assert!(ctrl_s(&mut model).is_empty(), "the first ctrl-s only warns");
    let screen = support::ui::screen(&render(&model, 80, 24));
    assert!(
        screen.contains("END-OF-REPLY"),
        "the cursor's row shows:\n{screen}"
    );
    assert!(screen.contains("again sends anyway"), "{screen}");
    insta::assert_snapshot!(render(&model, 80, 24).backend());

    // Back to the start: the view follows the cursor up.
    key(&mut model, KeyCode::Home, KeyModifiers::CONTROL);
    key(&mut model, KeyCode::Up, KeyModifiers::NONE);
    let screen = support::ui::screen(&render(&model, 80, 24));
    assert!(screen.contains("Unfortunately your parcel"), "{screen}");
    assert!(!screen.contains("END-OF-REPLY"), "{screen}");
}

#[test]
fn a_long_reply_with_four_warnings_at_200x50() {
    let mut model = model(200, 50);
    long_reply_with_four_warnings(&mut model);
    assert!(ctrl_s(&mut model).is_empty(), "the first ctrl-s only warns");
    insta::assert_snapshot!(render(&model, 200, 50).backend());
}

#[test]
fn an_edit_after_the_send_anyway_prompt_withdraws_it_and_says_so() {
    let mut model = model(80, 24);
    long_reply_with_four_warnings(&mut model);
    ctrl_s(&mut model);
    press(&mut model, '!');
    let screen = support::ui::screen(&render(&model, 80, 24));
    assert!(!screen.contains("again sends anyway"), "{screen}");
    assert!(screen.contains("send-anyway withdrawn"), "{screen}");
    // The next ctrl-s asks again rather than sending.
    assert!(ctrl_s(&mut model).is_empty());
    assert!(!composer_text_of_queue(&ctrl_s(&mut model)).is_empty());
}

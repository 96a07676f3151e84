//! Key layers: every layer's command keys come from `[keys.<layer>]` in config.toml, the
//! old flat `[keys]` still binds the inbox, a key bound twice names its line, and `?`
//! lists every layer (the active one first), fitted to the terminal.

mod support;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hark::command::Command;
use hark::config::Config;
use hark::domain::{ItemKind, ItemState, Severity};
use hark::outbox::read::OutboxRow;
use hark::outbox::OutboxState;
use hark::store::read::{ItemDetail, ItemRow};
use hark::tui::keymap::{Keymap, Layer};
use hark::tui::model::{update, Effect, Model, Msg};
use hark::tui::moderation::{Popup, Purpose};
use hark::tui::outbox::OutboxOp;
use hark::tui::query::Response;
use support::ui::{render, screen, NOW};

/// A new mention by `author` two minutes ago, awaiting a reply.
fn row(id: i64, author: &str, text: &str) -> ItemRow {
    support::ui::row(id, 2, author, text, true)
}

fn detail(row: ItemRow) -> ItemDetail {
    support::ui::detail(row, "@ana", "Ana Ruiz")
}

fn keymap(text: &str) -> Keymap {
    let config = Config::parse(text, Path::new("config.toml")).unwrap();
    Keymap::from_config(&config.keys).unwrap()
}

/// The inbox on two chirp items, the first one's detail loaded, with canned replies,
/// chirp's moderation actions and two tags.
fn model(keymap: Keymap) -> Model {
    let kit = hark::demo::replies_config().reply_kit();
    let mut model = Model::new(keymap, "Nimbus Coffee".into(), NOW).with_replies(kit);
    let rows = vec![
        row(9, "@ana", "my order never arrived"),
        row(8, "@fan", "love the new roast"),
    ];
    support::ui::show_rows(&mut model, 80, 24, rows.clone(), 2);
    update(
        &mut model,
        Msg::Loaded(Response::Detail {
            id: 9,
            detail: Some(Box::new(detail(rows[0].clone()))),
            explanation: vec![],
        }),
    );
    let setup = &mut model.moderation.setup;
    setup
        .capabilities
        .insert("chirp".into(), vec!["hide", "delete", "block", "report"]);
    setup.tags = vec![
        ("feedback".into(), "menu team".into()),
        ("support".into(), "customer support".into()),
    ];
    model
}

fn key(model: &mut Model, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    update(model, Msg::Key(KeyEvent::new(code, mods)))
}

fn press(model: &mut Model, c: char) -> Vec<Effect> {
    key(model, KeyCode::Char(c), KeyModifiers::NONE)
}

fn ctrl(model: &mut Model, c: char) -> Vec<Effect> {
    key(model, KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn typed(model: &mut Model, text: &str) {
    for c in text.chars() {
        press(model, c);
    }
}

/// One command of every layer moved to a new key.
const REBOUND: &str = r#"
[keys.inbox]
mark-done = "x"
[keys.composer]
send-reply = "ctrl-o"
[keys.picker]
choose = "ctrl-y"
[keys.outbox]
retry = "y"
[keys.moderate]
hide = "H"
[keys.confirm]
yes = "J"
[keys.escalate]
critical = "C"
[keys.popup]
complete = "ctrl-t"
[keys.prompt]
submit = "ctrl-g"
[keys.help]
move-down = "n"
"#;

#[test]
fn one_command_key_rebound_in_each_layer_does_its_job_there() {
    let mut m = model(keymap(REBOUND));

    // inbox: x marks done, d no longer does.
    assert_eq!(m.layer(), Layer::Inbox);
    assert!(press(&mut m, 'd').is_empty());
    assert!(matches!(
        &press(&mut m, 'x')[..],
        [Effect::Write(Command::SetState {
            to: ItemState::Done,
            ..
        })]
    ));

    // composer: ctrl-o sends, ctrl-s no longer does.
    press(&mut m, 'r');
    assert_eq!(m.layer(), Layer::Composer);
    typed(&mut m, "on its way");
    assert!(ctrl(&mut m, 's').is_empty());
    // The demo's voice rules may warn: then the first press asks, the second sends.
    let sent = ctrl(&mut m, 'o');
    let sent = if sent.is_empty() {
        ctrl(&mut m, 'o')
    } else {
        sent
    };
    assert!(
        matches!(&sent[..], [Effect::Write(Command::QueueReply { text, .. })] if text == "@ana on its way"),
        "{sent:?}"
    );
    m.composer.open = None;

    // picker: ctrl-y inserts, enter no longer does.
    press(&mut m, 'R');
    assert_eq!(m.layer(), Layer::Picker);
    key(&mut m, KeyCode::Enter, KeyModifiers::NONE);
    assert!(m.composer.open.is_none() && m.composer.picker.is_some());
    ctrl(&mut m, 'y');
    assert!(m.composer.picker.is_none());
    assert!(
        m.composer.open.is_some(),
        "the chosen reply opens the composer"
    );
    m.composer.open = None;

    // outbox: y retries a failed row, r no longer does.
    press(&mut m, 'O');
    assert_eq!(m.layer(), Layer::Outbox);
    update(&mut m, Msg::Loaded(Response::Outbox(vec![failed_row()])));
    assert!(press(&mut m, 'r').is_empty());
    assert_eq!(
        press(&mut m, 'y'),
        vec![Effect::Write(Command::Outbox {
            id: 4,
            op: OutboxOp::Retry
        })]
    );
    press(&mut m, 'q');

    // moderate: H hides, h no longer does.
    press(&mut m, 'm');
    assert_eq!(m.layer(), Layer::Moderate);
    assert!(press(&mut m, 'h').is_empty());
    let hidden = press(&mut m, 'H');
    assert!(
        matches!(
            &hidden[..],
            [Effect::Write(Command::Moderate { kind: "hide", .. })]
        ),
        "{hidden:?}"
    );

    // confirm: J says yes to a delete, y no longer does (and cancels).
    typed(&mut m, "mx");
    assert_eq!(m.layer(), Layer::Confirm);
    assert!(press(&mut m, 'y').is_empty());
    assert!(m.moderation.popup.is_none());
    typed(&mut m, "mx");
    let deleted = press(&mut m, 'J');
    assert!(
        matches!(
            &deleted[..],
            [Effect::Write(Command::Moderate { kind: "delete", .. })]
        ),
        "{deleted:?}"
    );

    // escalate: C picks critical, c no longer does.
    press(&mut m, '!');
    assert_eq!(m.layer(), Layer::Escalate);
    press(&mut m, 'c');
    assert!(matches!(m.moderation.popup, Some(Popup::Severity { .. })));
    press(&mut m, 'C');
    assert!(matches!(
        m.moderation.popup,
        Some(Popup::Input {
            purpose: Purpose::FlagReason(Severity::Critical),
            ..
        })
    ));
    key(&mut m, KeyCode::Esc, KeyModifiers::NONE);

    // popup: ctrl-t completes the tag, tab no longer does.
    press(&mut m, 't');
    assert_eq!(m.layer(), Layer::Popup);
    press(&mut m, 'f');
    key(&mut m, KeyCode::Tab, KeyModifiers::NONE);
    ctrl(&mut m, 't');
    assert!(
        matches!(&m.moderation.popup, Some(Popup::Input { text, .. }) if text == "feedback"),
        "{:?}",
        m.moderation.popup
    );
    key(&mut m, KeyCode::Esc, KeyModifiers::NONE);

    // prompt: ctrl-g runs the command line, enter no longer does.
    press(&mut m, ':');
    assert_eq!(m.layer(), Layer::Prompt);
    typed(&mut m, "quit");
    assert!(key(&mut m, KeyCode::Enter, KeyModifiers::NONE).is_empty());
    assert_eq!(ctrl(&mut m, 'g'), vec![Effect::Quit]);

    // help: n scrolls (j would close it).
    press(&mut m, '?');
    assert_eq!(m.layer(), Layer::Help);
    render(&m, 80, 24);
    press(&mut m, 'n');
    assert_eq!(m.help.scroll, 1);
    assert!(m.help.open);
    press(&mut m, 'j');
    assert!(!m.help.open);
}

fn failed_row() -> OutboxRow {
    OutboxRow {
        id: 4,
        item_id: 9,
        kind: "reply".into(),
        text: "@ana sorry about that".into(),
        state: OutboxState::Failed,
        attempts: 5,
        next_attempt_at: NOW,
        last_error: Some("the platform said 500".into()),
        created_at: NOW - 120,
        sent_at: None,
        author: "@ana".into(),
        platform: "chirp".into(),
        item_kind: ItemKind::Mention,
        cm: None,
    }
}

#[test]
fn an_old_flat_keys_table_still_binds_the_inbox_and_the_composers_send() {
    let mut m = model(keymap(
        "[keys]\nmark-done = \"x\"\nquit = [\"Q\", \"ctrl-c\"]\nsend-reply = \"ctrl-o\"\n",
    ));
    assert!(matches!(
        &press(&mut m, 'x')[..],
        [Effect::Write(Command::SetState {
            to: ItemState::Done,
            ..
        })]
    ));
    press(&mut m, 'r');
    press(&mut m, '!');
    let sent = ctrl(&mut m, 'o');
    let sent = if sent.is_empty() {
        ctrl(&mut m, 'o')
    } else {
        sent
    };
    assert!(
        matches!(&sent[..], [Effect::Write(Command::QueueReply { .. })]),
        "{sent:?}"
    );
    m.composer.open = None;
    assert_eq!(press(&mut m, 'Q'), vec![Effect::Quit]);
}

#[test]
fn a_key_bound_twice_in_a_layer_names_the_key_both_commands_and_the_line() {
    let text = "brand = \"x\"\n\n[keys.outbox]\nretry = \"r\"\ncancel-send = [\"c\", \"r\"]\n";
    let err = Config::parse(text, Path::new("config.toml"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "config.toml, line 5, key `keys.outbox.cancel-send`: \
         `r` is bound to both `retry` and `cancel-send` in the outbox layer"
    );
    // The same key in another layer is no clash.
    let fine = "[keys.outbox]\ncancel-send = \"d\"\n";
    assert!(Config::parse(fine, Path::new("config.toml")).is_ok());
    // Against a default, the override is the line to fix.
    let default = "[keys.composer]\n\nclose = \"ctrl-s\"\n";
    let err = Config::parse(default, Path::new("config.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("config.toml, line 3, key `keys.composer.close`:")
            && err.contains("`ctrl-s` is bound to both"),
        "{err}"
    );
}

#[test]
fn help_lists_every_layer_the_active_one_first() {
    let mut m = model(Keymap::defaults());
    press(&mut m, '?');
    let terminal = render(&m, 200, 60);
    let text = screen(&terminal);
    for layer in Layer::ALL {
        assert!(text.contains(&format!("[keys.{layer}]")), "{layer} missing");
    }
    for keys in [
        "ctrl-s",
        "alt-1…9",
        "ctrl-p",
        "ctrl-e",
        "cancel a queued",
        "hide from",
    ] {
        assert!(text.contains(keys), "{keys} missing");
    }
    assert!(
        text.contains("any key closes this help"),
        "all fits at 200x60"
    );
    insta::assert_snapshot!("help_at_200x60", terminal.backend());

    // From the composer (f1), the composer's keys come first.
    press(&mut m, 'q');
    press(&mut m, 'r');
    key(&mut m, KeyCode::F(1), KeyModifiers::NONE);
    assert!(m.help.open && m.composer.open.is_some());
    let terminal = render(&m, 80, 24);
    let top = screen(&terminal);
    let composer = top.find("[keys.composer]").expect("composer first");
    assert!(!top.contains("[keys.inbox]") || top.find("[keys.inbox]") > Some(composer));
    insta::assert_snapshot!("help_from_the_composer_at_80x24", terminal.backend());
}

#[test]
fn help_scrolls_through_every_layer_at_80x24() {
    let mut m = model(Keymap::defaults());
    press(&mut m, '?');
    let mut seen = String::new();
    let mut last = String::new();
    for _ in 0..100 {
        let shown = screen(&render(&m, 80, 24));
        if shown == last {
            break;
        }
        seen.push_str(&shown);
        last = shown;
        key(&mut m, KeyCode::PageDown, KeyModifiers::NONE);
    }
    for layer in Layer::ALL {
        assert!(
            seen.contains(&format!("[keys.{layer}]")),
            "{layer} never shown"
        );
    }
    assert!(
        seen.contains("dismiss a filtered request"),
        "the last layers are reached"
    );
    assert!(m.help.open, "paging keeps the help open");
    // At the end, pgdn stays at the end instead of running past it.
    let end = m.help.scroll;
    key(&mut m, KeyCode::PageDown, KeyModifiers::NONE);
    assert_eq!(m.help.scroll, end);
    insta::assert_snapshot!(
        "help_at_80x24_scrolled_to_the_end",
        render(&m, 80, 24).backend()
    );
}

#[test]
fn the_hint_line_follows_the_layer_and_fits_80_columns() {
    let mut m = model(Keymap::defaults());
    let bottom = |m: &Model| {
        let t = render(m, 80, 24);
        let b = t.backend().buffer();
        (0..80)
            .map(|x| b[(x, 23)].symbol().to_string())
            .collect::<String>()
    };
    assert!(
        bottom(&m).starts_with("j/k move · enter open"),
        "{}",
        bottom(&m)
    );
    assert!(bottom(&m).trim_end().ends_with("? help"), "{}", bottom(&m));
    press(&mut m, 'r');
    m.status.message = None;
    let line = bottom(&m);
    assert!(line.starts_with("ctrl-s send · esc keep draft"), "{line}");
    assert!(line.trim_end().ends_with("f1 help"), "{line}");
    key(&mut m, KeyCode::Esc, KeyModifiers::NONE);
    press(&mut m, 'm');
    m.status.message = None;
    assert!(
        bottom(&m).starts_with("esc cancel · ? help"),
        "{}",
        bottom(&m)
    );
}

#[test]
fn an_unknown_layer_or_a_command_of_another_layer_names_its_line() {
    let parse = |text: &str| {
        Config::parse(text, Path::new("config.toml"))
            .unwrap_err()
            .to_string()
    };
    let err = parse("brand = \"x\"\n[keys.composr]\nclose = \"q\"\n");
    assert!(
        err.starts_with("config.toml, line 2, key `keys.composr`: there is no key layer `composr`"),
        "{err}"
    );
    assert!(err.contains("inbox, composer, picker, outbox"), "{err}");
    let err = parse("[keys.composer]\nsend-reply = \"ctrl-o\"\nretry = \"r\"\n");
    assert!(
        err.starts_with(
            "config.toml, line 3, key `keys.composer.retry`: there is no action `retry` in the composer layer"
        ),
        "{err}"
    );
}

#[test]
fn help_over_each_layer_lists_that_layer_first() {
    let open: [(Layer, &str); 9] = [
        (Layer::Inbox, ""),
        (Layer::Composer, "r"),
        (Layer::Picker, "R"),
        (Layer::Outbox, "O"),
        (Layer::Moderate, "m"),
        (Layer::Confirm, "mx"),
        (Layer::Escalate, "!"),
        (Layer::Popup, "t"),
        (Layer::Prompt, "/"),
    ];
    for (layer, keys) in open {
        let mut m = model(Keymap::defaults());
        typed(&mut m, keys);
        assert_eq!(m.layer(), layer);
        key(&mut m, KeyCode::F(1), KeyModifiers::NONE);
        assert!(m.help.open, "{layer}: f1 opens the help");
        let terminal = render(&m, 80, 24);
        let shown = screen(&terminal);
        assert!(
            shown.contains(&format!("▶ {}", layer.title())),
            "{layer} is not listed first"
        );
        insta::assert_snapshot!(
            format!("help_over_the_{layer}_at_80x24"),
            terminal.backend()
        );
        // Closing the help goes back to where the keyboard was.
        key(&mut m, KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(m.layer(), layer);
    }
}

#[test]
fn every_entry_of_every_layer_shows_whole_at_any_usual_size() {
    for (width, height) in [(80, 24), (100, 30), (120, 40), (160, 30), (200, 50)] {
        let mut m = model(Keymap::defaults());
        // In team mode, so team mode's keys are listed too.
        m.team = Some(hark::tui::team::TeamUi {
            me: "sam".into(),
            names: vec!["sam".into()],
            moderators: vec![],
        });
        press(&mut m, '?');
        let mut seen = String::new();
        let mut last = String::new();
        for _ in 0..50 {
            let terminal = render(&m, width, height);
            let buffer = terminal.backend().buffer();
            // Row by row, so an entry cut at the edge of its column would not match.
            let shown: String = (0..height)
                .map(|y| {
                    let row: String = (0..width).map(|x| buffer[(x, y)].symbol()).collect();
                    row + "\n"
                })
                .collect();
            if shown == last {
                break;
            }
            seen.push_str(&shown);
            last = shown;
            key(&mut m, KeyCode::PageDown, KeyModifiers::NONE);
        }
        for layer in Layer::ALL {
            for binding in layer.bindings() {
                if matches!(binding.action, hark::tui::keymap::Action::Canned(_)) {
                    continue;
                }
                let keys = m.keymap.keys_of(layer, binding.action);
                let entry = format!("{keys} ");
                assert!(
                    seen.lines()
                        .any(|l| l.contains(&entry) && l.contains(binding.help)),
                    "{width}x{height}: {layer} `{keys}  {}` is not shown whole",
                    binding.help
                );
            }
        }
        assert!(
            seen.contains("1…9         reply with canned reply 1…9"),
            "{width}x{height}"
        );
        assert!(
            seen.contains("alt-1…9 add canned reply 1…9 at the cursor"),
            "{width}x{height}"
        );
    }
}

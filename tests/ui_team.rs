//! Team mode in the inbox, on a real cache read by the query worker's code: the Mine,
//! Unassigned and Approvals views with their counts, the assignee on list rows, the `A`
//! prompt with Tab completion over the team; and without `[team]` the same inbox as ever.

mod support;

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hark::command::{Command, Done};
use hark::config::Config;
use hark::domain::{ItemKind, NewAuthor, NewItem};
use hark::sentiment::Analyzer;
use hark::store::ingest::{self, Incoming};
use hark::store::{Reader, View, Writer};
use hark::team::presence::Doing;
use hark::tui::keymap::Keymap;
use hark::tui::model::{update, Effect, Model, Msg};
use hark::tui::moderation::{Popup, Purpose};
use hark::workspace::Workspace;
use support::ui::{render, screen, NOW};

const W: u16 = 120;
const H: u16 = 20;

fn item(n: usize, handle: &str, body: &str) -> Incoming {
    Incoming::from(NewItem {
        external_id: format!("m{n}"),
        kind: ItemKind::Mention,
        parent_external_id: None,
        thread_external_id: None,
        author: NewAuthor {
            external_id: format!("u-{handle}"),
            handle: format!("@{handle}"),
            display_name: handle.into(),
            followers: Some(10),
        },
        body: body.into(),
        url: None,
        created_at: NOW - 600 * (n as i64 + 1),
        raw_json: None,
        room: None,
    })
}

const TEAM: &str = "[team]\ndatabase = \"postgres://hark@127.0.0.1/team\"\nme = \"sam\"\n\
                    members = [\"ana\", \"ben\", \"sam\"]\nmoderators = [\"ana\"]\n";

/// A cache as hark opens it with `config`: five mentions; in team mode two are sam's, one
/// ana's, and sam's delete on another waits for a moderator.
fn cache(dir: &Path, config: &str) -> (Writer, Vec<i64>) {
    let config = Config::parse(config, Path::new("config.toml")).unwrap();
    let team = config.team.is_some();
    let workspace = Workspace::new(config, dir.join("config.toml"), dir.to_path_buf());
    let writer = workspace.open_store().unwrap();
    let ids = writer
        .handle()
        .call_blocking(|c| {
            let account = ingest::ensure_account(c, "brand", "chirp", "@brand")?;
            let page = [
                item(0, "dana", "my order never came"),
                item(1, "eli", "refund please"),
                item(2, "fay", "is the shop open?"),
                item(3, "troll", "spam spam spam"),
                item(4, "gus", "where do I sign up?"),
            ];
            Ok(ingest::ingest(c, account, &page, None, NOW)?.inserted)
        })
        .unwrap();
    if team {
        let run = |command: Command| {
            writer
                .handle()
                .call_blocking(move |c| command.apply(c, NOW))
                .unwrap()
        };
        run(Command::Assign {
            ids: vec![ids[0], ids[1]],
            to: Some("sam".into()),
        });
        run(Command::Assign {
            ids: vec![ids[2]],
            to: Some("ana".into()),
        });
        let held = run(Command::Moderate {
            ids: vec![ids[3]],
            kind: "delete",
            payload: serde_json::json!({}),
        });
        assert_eq!(
            held,
            Done::Held {
                kind: "delete",
                count: 1
            }
        );
    }
    (writer, ids)
}

/// Answers every query in `effects` from the cache, as the query worker does, until the
/// model asks for nothing more.
fn pump(model: &mut Model, reader: &Reader, mut effects: Vec<Effect>) {
    let analyzer = Analyzer::social();
    while let Some(effect) = effects.pop() {
        if let Effect::Query(request) = effect {
            let response = hark::tui::query::run(reader, &analyzer, request).unwrap();
            effects.extend(update(model, Msg::Loaded(response)));
        }
    }
}

fn model(reader: &Reader, team: bool) -> Model {
    let mut model = Model::new(Keymap::defaults(), "Nimbus".into(), NOW);
    if team {
        let config = Config::parse(TEAM, Path::new("config.toml")).unwrap();
        model.team = config.team.as_ref().map(hark::tui::team::TeamUi::new);
    }
    let mut effects = model.start();
    effects.extend(update(
        &mut model,
        Msg::Resize {
            list_rows: hark::tui::ui::list_rows(ratatui::layout::Rect::new(0, 0, W, H)),
        },
    ));
    pump(&mut model, reader, effects);
    model
}

fn press(model: &mut Model, reader: &Reader, code: KeyCode) {
    let effects = update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    pump(model, reader, effects);
}

fn command_line(model: &mut Model, reader: &Reader, text: &str) {
    press(model, reader, KeyCode::Char(':'));
    for c in text.chars() {
        press(model, reader, KeyCode::Char(c));
    }
    press(model, reader, KeyCode::Enter);
}

fn views(model: &Model) -> Vec<(String, Option<u64>)> {
    model
        .sidebar
        .views
        .iter()
        .map(|(v, n)| (v.title(), *n))
        .collect()
}

#[test]
fn team_mode_adds_mine_unassigned_and_approvals_with_their_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (writer, _) = cache(dir.path(), TEAM);
    let reader = Reader::open(writer.handle().path()).unwrap();
    let mut m = model(&reader, true);
    // Unassigned: owing a reply, no one on it (the held item and gus's question).
    assert_eq!(
        views(&m)[..5],
        [
            ("Inbox".to_string(), Some(5)),
            ("Needs reply".into(), Some(5)),
            ("Mine".into(), Some(2)),
            ("Unassigned".into(), Some(2)),
            ("Approvals".into(), Some(1)),
        ]
    );
    insta::assert_snapshot!("team_inbox_with_assignees", render(&m, W, H).backend());

    command_line(&mut m, &reader, "view mine");
    assert_eq!(m.current_view(), &View::Mine);
    insta::assert_snapshot!("team_mine_view", render(&m, W, H).backend());

    command_line(&mut m, &reader, "view unas");
    assert_eq!(m.current_view(), &View::Unassigned);
    insta::assert_snapshot!("team_unassigned_view", render(&m, W, H).backend());

    command_line(&mut m, &reader, "view appr");
    assert_eq!(m.current_view(), &View::Approvals);
    // Taller, so the item pane shows what waits and who asked.
    insta::assert_snapshot!("team_approvals_view", render(&m, W, 30).backend());
}

#[test]
fn without_team_the_inbox_is_what_it_always_was() {
    let dir = tempfile::tempdir().unwrap();
    let (writer, _) = cache(dir.path(), "");
    let reader = Reader::open(writer.handle().path()).unwrap();
    let mut m = model(&reader, false);
    let titles: Vec<String> = views(&m).into_iter().map(|(t, _)| t).collect();
    let fixed: Vec<String> = View::FIXED.iter().map(View::title).collect();
    assert_eq!(titles[..fixed.len()], fixed[..]);
    assert!(!titles
        .iter()
        .any(|t| ["Mine", "Unassigned", "Approvals"].contains(&t.as_str())));
    // A and :away say how to turn team mode on; ? lists no team keys.
    press(&mut m, &reader, KeyCode::Char('A'));
    assert_eq!(m.moderation.popup, None);
    assert!(m
        .status
        .message
        .as_deref()
        .unwrap()
        .contains("team mode is off"));
    press(&mut m, &reader, KeyCode::Char('?'));
    let help = screen(&render(&m, 200, 60));
    assert!(!help.contains("assign to a CM"), "{help}");
    press(&mut m, &reader, KeyCode::Esc);
    // The command line completes no team command either.
    let completed = |m: &mut Model, typed: &str| {
        press(m, &reader, KeyCode::Char(':'));
        for c in typed.chars() {
            press(m, &reader, KeyCode::Char(c));
        }
        press(m, &reader, KeyCode::Tab);
        let line = format!("{:?}", m.prompt.open);
        press(m, &reader, KeyCode::Esc);
        line
    };
    assert_eq!(completed(&mut m, "aw"), "Some(Command(\"aw\"))");
    assert_eq!(completed(&mut m, "assi"), "Some(Command(\"assi\"))");
    // With a team, ? lists them and the command line completes them.
    let mut t = model(&reader, true);
    assert_eq!(completed(&mut t, "aw"), "Some(Command(\"away\"))");
    assert_eq!(completed(&mut t, "assi"), "Some(Command(\"assign\"))");
    press(&mut t, &reader, KeyCode::Char('?'));
    assert!(screen(&render(&t, 200, 60)).contains("assign to a CM"));
}

#[test]
fn a_completes_the_team_and_assigns_the_marks() {
    let dir = tempfile::tempdir().unwrap();
    let (writer, ids) = cache(dir.path(), TEAM);
    let reader = Reader::open(writer.handle().path()).unwrap();
    let mut m = model(&reader, true);
    // Three marks, above confirm_above = 2: A asks first, like every verb on marks.
    m.find.config.confirm_above = 2;
    for _ in 0..3 {
        press(&mut m, &reader, KeyCode::Char(' '));
    }
    press(&mut m, &reader, KeyCode::Char('A'));
    assert!(m
        .status
        .message
        .as_deref()
        .unwrap()
        .contains("on 3 marked items? y"));
    press(&mut m, &reader, KeyCode::Char('y'));
    press(&mut m, &reader, KeyCode::Char('b'));
    insta::assert_snapshot!("team_assign_prompt", render(&m, W, H).backend());
    press(&mut m, &reader, KeyCode::Tab);
    let Some(Popup::Input {
        purpose: Purpose::Assign,
        ids: marked,
        text,
    }) = m.moderation.popup.clone()
    else {
        panic!("{:?}", m.moderation.popup)
    };
    assert_eq!(text, "ben");
    assert_eq!(marked.len(), 3);
    let effects = update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    let writes: Vec<Command> = effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::Write(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(
        writes,
        [Command::Assign {
            ids: marked,
            to: Some("ben".into())
        }]
    );
    assert!(m.marks.is_empty());

    // A stranger keeps the prompt open with the reason; - unassigns.
    press(&mut m, &reader, KeyCode::Char('A'));
    for c in "zoe".chars() {
        press(&mut m, &reader, KeyCode::Char(c));
    }
    press(&mut m, &reader, KeyCode::Enter);
    assert!(m
        .status
        .message
        .as_deref()
        .unwrap()
        .contains("`zoe` is not in [team] members"));
    assert!(m.moderation.popup.is_some());
    let _ = ids;
}

/// Another CM on the item under the cursor: ana views it and ben types a reply to it (the
/// row and the item pane say so); ben alone views the third row.
#[test]
fn who_else_views_or_types_shows_on_the_row_and_in_the_item_pane() {
    use hark::team::presence::{Here, Others};
    let dir = tempfile::tempdir().unwrap();
    let (writer, ids) = cache(dir.path(), TEAM);
    let reader = Reader::open(writer.handle().path()).unwrap();
    let mut m = model(&reader, true);
    let here = |cm: &str, typing: bool| Here {
        cm: cm.into(),
        typing,
    };
    let mut others = Others::default();
    others
        .0
        .insert(ids[0], vec![here("ana", false), here("ben", true)]);
    others.0.insert(ids[2], vec![here("ben", false)]);
    let effects = update(&mut m, Msg::Presence(others));
    assert!(effects.is_empty(), "{effects:?}");
    insta::assert_snapshot!("team_presence_row_and_pane", render(&m, W, 24).backend());

    // They leave: nothing shows.
    update(&mut m, Msg::Presence(Others::default()));
    let screen = screen(&render(&m, W, 24));
    assert!(
        !screen.contains("typing") && !screen.contains("◉"),
        "{screen}"
    );
}

/// Runs `effects` as the runtime would (reads answered from the cache); what they told
/// the presence task, in order.
fn told(model: &mut Model, reader: &Reader, effects: Vec<Effect>) -> Vec<Doing> {
    let analyzer = Analyzer::social();
    let mut told = Vec::new();
    let mut queue: std::collections::VecDeque<Effect> = effects.into();
    while let Some(effect) = queue.pop_front() {
        match effect {
            Effect::Presence(doing) => told.push(doing),
            Effect::Query(request) => {
                let response = hark::tui::query::run(reader, &analyzer, request).unwrap();
                queue.extend(update(model, Msg::Loaded(response)));
            }
            _ => {}
        }
    }
    told
}

/// What this CM does reaches the presence task only when it changes: the item under the
/// cursor, the composer opening (typing), never a key typed in it; without `[team]`,
/// never.
#[test]
fn this_cm_is_told_to_the_team_on_change_only_never_per_key() {
    let dir = tempfile::tempdir().unwrap();
    let (writer, ids) = cache(dir.path(), TEAM);
    let reader = Reader::open(writer.handle().path()).unwrap();
    let mut m = Model::new(Keymap::defaults(), "Nimbus".into(), NOW);
    let config = Config::parse(TEAM, Path::new("config.toml")).unwrap();
    m.team = config.team.as_ref().map(hark::tui::team::TeamUi::new);
    let mut effects = m.start();
    effects.extend(update(
        &mut m,
        Msg::Resize {
            list_rows: hark::tui::ui::list_rows(ratatui::layout::Rect::new(0, 0, W, H)),
        },
    ));
    let viewing = |id: i64| Doing {
        item: Some(id),
        typing: false,
    };
    assert_eq!(told(&mut m, &reader, effects), [viewing(ids[0])]);
    let key = |m: &mut Model, code: KeyCode| {
        let effects = update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        told(m, &reader, effects)
    };
    assert_eq!(key(&mut m, KeyCode::Char('j')), [viewing(ids[1])]);
    let effects = update(&mut m, Msg::Tick(NOW + 1));
    assert_eq!(told(&mut m, &reader, effects), [], "a tick tells nothing");
    assert_eq!(
        key(&mut m, KeyCode::Char('r')),
        [Doing {
            item: Some(ids[1]),
            typing: true
        }]
    );
    for c in "on our way".chars() {
        assert_eq!(
            key(&mut m, KeyCode::Char(c)),
            [],
            "a key typed tells nothing"
        );
    }
    assert_eq!(key(&mut m, KeyCode::Esc), [viewing(ids[1])]);
    // Five minutes without a key: no longer viewing; a key, viewing again.
    let effects = update(&mut m, Msg::Tick(NOW + 1 + 300));
    assert_eq!(told(&mut m, &reader, effects), [], "not yet");
    let effects = update(&mut m, Msg::Tick(NOW + 2 + 300));
    assert_eq!(told(&mut m, &reader, effects), [Doing::default()]);
    let effects = update(&mut m, Msg::Tick(NOW + 3600));
    assert_eq!(told(&mut m, &reader, effects), []);
    assert_eq!(key(&mut m, KeyCode::Char('x')), [viewing(ids[1])]);

    // Without [team]: nothing is ever told.
    let mut plain = model(&reader, false);
    for code in [KeyCode::Char('j'), KeyCode::Char('r'), KeyCode::Esc] {
        let effects = update(
            &mut plain,
            Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        );
        assert_eq!(told(&mut plain, &reader, effects), []);
    }
}

/// sam's `[team]` self, or ana's for a moment (a reply of hers, as sync brings it).
fn be(writer: &Writer, me: &str) {
    let local = hark::store::team::Local {
        me: me.into(),
        members: vec!["ana".into(), "ben".into(), "sam".into()],
        moderators: vec!["ana".into()],
        auto_assign: None,
    };
    writer
        .handle()
        .call_blocking(move |c| hark::store::team::set_local(c, Some(&local)))
        .unwrap();
}

/// Runs the model's writes on the cache and hands it their answers, as the runtime does.
fn write_all(model: &mut Model, reader: &Reader, writer: &Writer, effects: Vec<Effect>) {
    use hark::tui::app::answer::{message, Asked};
    let mut reads = Vec::new();
    for effect in effects {
        match effect {
            Effect::Write(command) => {
                let asked = Asked::of(&command);
                let result = writer
                    .handle()
                    .call_blocking(move |c| command.apply(c, NOW))
                    .map_err(|e| e.to_string());
                if let Some(msg) = message(asked, result) {
                    let more = update(model, msg);
                    write_all(model, reader, writer, more);
                }
            }
            other => reads.push(other),
        }
    }
    pump(model, reader, reads);
}

fn ctrl_s() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL))
}

/// ana answers the item while sam's composer is open: sam's send asks first, quoting her
/// reply's first words; n (or Esc) goes back with the text intact and nothing sent; the
/// next send goes (ana's reply was shown), and y would send at once.
#[test]
fn a_reply_on_an_item_another_cm_answered_since_the_composer_opened_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    let (writer, ids) = cache(dir.path(), TEAM);
    let reader = Reader::open(writer.handle().path()).unwrap();
    let mut m = model(&reader, true);
    press(&mut m, &reader, KeyCode::Char('r'));
    for c in "so sorry, a new one ships today".chars() {
        press(&mut m, &reader, KeyCode::Char(c));
    }
    // ana's reply reaches this cache 40 s before now.
    be(&writer, "ana");
    // Her text as hostile as a platform's can be: a newline, a terminal escape, markup.
    let ana_says = "Hi Dana!\nSo sorry \u{1b}[2Jabout that <b>order</b> — a courier picks a fresh one up this afternoon";
    writer
        .handle()
        .call_blocking({
            let (id, text) = (ids[0], ana_says.to_string());
            move |c| {
                Command::QueueReply {
                    item_id: id,
                    text,
                    replaces: None,
                }
                .apply(c, NOW - 40)
            }
        })
        .unwrap();
    be(&writer, "sam");
    // The store's change notice re-reads the item's outbox: the composer says it at once.
    let effects = update(
        &mut m,
        Msg::Changed(hark::store::Changes::of(&[hark::store::Change::Outbox])),
    );
    pump(&mut m, &reader, effects);
    insta::assert_snapshot!(
        "team_reply_arrives_while_composing",
        render(&m, W, 24).backend()
    );

    let effects = update(&mut m, ctrl_s());
    write_all(&mut m, &reader, &writer, effects);
    let composer = m.composer.open.as_ref().expect("the composer stays open");
    assert!(composer.stale.is_some());
    assert_eq!(m.layer(), hark::tui::keymap::Layer::Confirm);
    insta::assert_snapshot!("team_stale_reply_question", render(&m, W, 24).backend());
    let first = ids[0];
    let outbox_rows = |w: &Writer| {
        w.handle()
            .call_blocking(move |c| hark::store::outbox_read::item_outbox(c, first))
            .unwrap()
            .rows
            .len()
    };
    let before = outbox_rows(&writer);

    // n: back to the composer, text intact, nothing queued.
    press(&mut m, &reader, KeyCode::Char('n'));
    let composer = m.composer.open.as_ref().expect("still composing");
    assert_eq!(composer.text(), "@dana so sorry, a new one ships today");
    assert!(composer.stale.is_none());
    assert_eq!(m.layer(), hark::tui::keymap::Layer::Composer);
    assert_eq!(outbox_rows(&writer), before);

    // Sent again: ana's reply was shown, so it goes.
    let effects = update(&mut m, ctrl_s());
    write_all(&mut m, &reader, &writer, effects);
    assert!(m.composer.open.is_none(), "queued and closed");
    assert!(m
        .status
        .message
        .as_deref()
        .unwrap()
        .contains("reply queued"));

    // On another item ana answers too; y sends anyway at once.
    press(&mut m, &reader, KeyCode::Char('j'));
    let second = m.list.current_id().unwrap();
    press(&mut m, &reader, KeyCode::Char('r'));
    press(&mut m, &reader, KeyCode::Char('!'));
    be(&writer, "ana");
    writer
        .handle()
        .call_blocking(move |c| {
            Command::QueueReply {
                item_id: second,
                text: "done".into(),
                replaces: None,
            }
            .apply(c, NOW - 5)
        })
        .unwrap();
    be(&writer, "sam");
    let effects = update(&mut m, ctrl_s());
    write_all(&mut m, &reader, &writer, effects);
    assert!(m.composer.open.as_ref().unwrap().stale.is_some());
    let effects = update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE)),
    );
    write_all(&mut m, &reader, &writer, effects);
    assert!(m.composer.open.is_none(), "y sent it");
}

/// ana's reply from before the composer opened was on screen: the send does not ask.
#[test]
fn a_reply_known_when_the_composer_opened_does_not_ask() {
    let dir = tempfile::tempdir().unwrap();
    let (writer, ids) = cache(dir.path(), TEAM);
    let reader = Reader::open(writer.handle().path()).unwrap();
    be(&writer, "ana");
    writer
        .handle()
        .call_blocking({
            let id = ids[0];
            move |c| {
                Command::QueueReply {
                    item_id: id,
                    text: "on it".into(),
                    replaces: None,
                }
                .apply(c, NOW - 300)
            }
        })
        .unwrap();
    be(&writer, "sam");
    let mut m = model(&reader, true);
    press(&mut m, &reader, KeyCode::Char('r'));
    press(&mut m, &reader, KeyCode::Char('+'));
    let effects = update(&mut m, ctrl_s());
    write_all(&mut m, &reader, &writer, effects);
    assert!(m.composer.open.is_none(), "sent without a question");
}

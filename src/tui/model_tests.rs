//! The pure update: keys in, state and effects out — no terminal, no database.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::domain::{ItemKind, SentimentLabel};
use crate::store::read::{Direction, ItemRow};

fn row(n: i64) -> ItemRow {
    ItemRow {
        id: 100 - n,
        created_at: 10_000 - n,
        platform: "chirp".into(),
        kind: ItemKind::Mention,
        state: if n == 0 {
            ItemState::New
        } else {
            ItemState::Open
        },
        author: format!("@user{n}"),
        snippet: format!("item {n}"),
        sentiment: Some(SentimentLabel::Neutral),
        sentiment_manual: false,
        needs_reply: true,
        flag: None,
        marks: Default::default(),
        facts: crate::platform::ItemFacts::of(ItemKind::Mention),
        lang: None,
    }
}

/// A model showing `n` inbox items, with the start-up effects already answered.
fn model_with(n: i64) -> Model {
    crate::tui::test_support::started_with((0..n).map(row).collect())
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn press(model: &mut Model, c: char) -> Vec<Effect> {
    update(model, key(KeyCode::Char(c)))
}

fn type_text(model: &mut Model, text: &str) {
    for c in text.chars() {
        press(model, c);
    }
}

#[test]
fn j_and_k_move_the_cursor_and_load_the_item_under_it() {
    let mut model = model_with(5);
    let effects = press(&mut model, 'j');
    assert_eq!(model.list.cursor, 1);
    assert!(
        effects.contains(&Effect::Query(Request::Detail(99))),
        "{effects:?}"
    );
    press(&mut model, 'k');
    press(&mut model, 'k');
    assert_eq!(model.list.cursor, 0, "k stops at the top");
}

#[test]
fn enter_opens_a_new_item_and_marks_it_seen_but_not_an_open_one() {
    let mut model = model_with(3);
    let effects = update(&mut model, key(KeyCode::Enter));
    assert_eq!(model.focus, Focus::Detail);
    assert_eq!(
        effects,
        vec![
            Effect::FetchThread(100),
            Effect::Write(Command::SetState {
                ids: vec![100],
                to: ItemState::Open,
                only_from: Some(vec![ItemState::New]),
                actor: crate::store::state::ACTOR_VIEW
            })
        ],
        "opening asks the platform for the conversation and marks the item seen"
    );
    update(&mut model, key(KeyCode::Esc));
    assert_eq!(model.focus, Focus::List);
    press(&mut model, 'j');
    let effects = update(&mut model, key(KeyCode::Enter));
    assert!(
        effects
            .iter()
            .all(|e| !matches!(e, Effect::Write(Command::SetState { .. }))),
        "{effects:?}"
    );
}

#[test]
fn d_marks_the_marked_items_done_together_or_else_the_current_one() {
    let mut model = model_with(5);
    let effects = press(&mut model, 'd');
    assert!(
        matches!(&effects[..], [Effect::Write(Command::SetState { ids, to: ItemState::Done, .. })] if ids == &vec![100])
    );

    press(&mut model, ' ');
    press(&mut model, ' ');
    assert_eq!(model.marks.len(), 2);
    assert_eq!(model.list.cursor, 2, "space marks and moves down");
    let effects = press(&mut model, 'd');
    match &effects[..] {
        [Effect::Write(Command::SetState {
            ids,
            to: ItemState::Done,
            actor,
            ..
        })] => {
            assert_eq!(ids, &vec![99, 100]);
            assert_eq!(*actor, crate::store::state::ACTOR_USER);
        }
        other => panic!("{other:?}"),
    }
    assert!(model.marks.is_empty(), "marks are used up by the verb");
}

#[test]
fn o_reopens_and_u_undoes() {
    let mut model = model_with(2);
    assert!(matches!(
        &press(&mut model, 'o')[..],
        [Effect::Write(Command::SetState {
            to: ItemState::Open,
            ..
        })]
    ));
    assert_eq!(press(&mut model, 'u'), vec![Effect::Write(Command::Undo)]);
    update(&mut model, Msg::Wrote(WriteOutcome::Undone(None)));
    assert_eq!(model.status.message.as_deref(), Some("nothing to undo"));
}

#[test]
fn slash_search_filters_the_view_and_esc_clears_it() {
    let mut model = model_with(5);
    press(&mut model, '/');
    type_text(&mut model, "cold brew");
    assert_eq!(model.prompt, Some(Prompt::Search("cold brew".into())));
    let effects = update(&mut model, key(KeyCode::Enter));
    assert_eq!(model.prompt, None);
    assert_eq!(model.search.as_deref(), Some("cold brew"));
    match &effects[..] {
        [Effect::Query(Request::List(ListRequest::Window {
            query,
            anchor: Anchor::Top,
            ..
        }))] => {
            assert_eq!(query.view, View::Inbox);
            assert_eq!(query.search.as_deref(), Some("\"cold\" \"brew\"*"));
        }
        other => panic!("{other:?}"),
    }
    let effects = update(&mut model, key(KeyCode::Esc));
    assert_eq!(model.search, None);
    assert!(
        matches!(&effects[..], [Effect::Query(Request::List(ListRequest::Window { query, .. }))] if query.search.is_none())
    );
}

#[test]
fn n_and_shift_n_step_through_results_and_wrap() {
    let mut model = model_with(3);
    press(&mut model, 'n');
    assert_eq!(
        model.status.message.as_deref(),
        Some("no search · press / to search")
    );
    model.search = Some("x".into());
    press(&mut model, 'n');
    press(&mut model, 'n');
    assert_eq!(model.list.cursor, 2);
    press(&mut model, 'n');
    assert_eq!(model.list.cursor, 0, "wraps to the first result");
    press(&mut model, 'N');
    assert_eq!(model.list.cursor, 2, "wraps back to the last");
}

#[test]
fn the_command_line_switches_views_and_runs_actions_by_name() {
    let mut model = model_with(3);
    press(&mut model, ':');
    type_text(&mut model, "view done");
    let effects = update(&mut model, key(KeyCode::Enter));
    assert_eq!(*model.current_view(), View::Done);
    assert!(matches!(
        &effects[..],
        [Effect::Query(Request::List(_)), ..]
    ));

    press(&mut model, ':');
    type_text(&mut model, "quit");
    let effects = update(&mut model, key(KeyCode::Enter));
    assert!(effects.contains(&Effect::Quit));

    let mut model = model_with(3);
    press(&mut model, ':');
    type_text(&mut model, "fly");
    update(&mut model, key(KeyCode::Enter));
    assert!(model
        .status
        .message
        .as_deref()
        .unwrap()
        .contains("unknown command `fly`"));
}

#[test]
fn backspace_on_an_empty_prompt_closes_it() {
    let mut model = model_with(1);
    press(&mut model, '/');
    update(&mut model, key(KeyCode::Backspace));
    assert_eq!(model.prompt, None);
}

#[test]
fn tab_cycles_panes_and_j_in_the_sidebar_switches_views() {
    let mut model = model_with(3);
    update(&mut model, key(KeyCode::Tab));
    assert_eq!(model.focus, Focus::Detail);
    update(&mut model, key(KeyCode::Tab));
    assert_eq!(model.focus, Focus::Sidebar);
    let effects = press(&mut model, 'j');
    assert_eq!(*model.current_view(), View::NeedsReply);
    assert!(matches!(
        &effects[..],
        [Effect::Query(Request::List(_)), ..]
    ));
}

#[test]
fn question_mark_shows_help_and_any_key_closes_it_without_acting() {
    let mut model = model_with(3);
    press(&mut model, '?');
    assert!(model.show_help);
    let effects = press(&mut model, 'd');
    assert!(!model.show_help);
    assert!(
        effects.is_empty(),
        "the key that closes help does nothing else"
    );
}

#[test]
fn q_quits() {
    let mut model = model_with(1);
    assert_eq!(press(&mut model, 'q'), vec![Effect::Quit]);
    assert!(model.quit);
}

#[test]
fn a_store_change_reloads_the_list_counts_and_the_open_item() {
    let mut model = model_with(3);
    press(&mut model, 'j');
    let effects = update(&mut model, Msg::Changed(crate::store::Changes::ALL));
    assert!(matches!(
        effects[0],
        Effect::Query(Request::List(ListRequest::Window {
            anchor: Anchor::At(_),
            ..
        }))
    ));
    assert!(effects.contains(&Effect::Query(Request::Sidebar)));
    assert!(effects.contains(&Effect::Query(Request::Detail(99))));
}

#[test]
fn an_extension_for_a_replaced_view_is_dropped() {
    let mut model = model_with(3);
    press(&mut model, ']');
    let before = model.list.rows.len();
    update(
        &mut model,
        Msg::Loaded(Response::Extended {
            generation: 1,
            direction: Direction::Older,
            rows: vec![row(7)],
        }),
    );
    assert_eq!(model.list.rows.len(), before);
}

#[test]
fn a_poll_error_shows_in_the_status_line() {
    let mut model = model_with(1);
    update(
        &mut model,
        Msg::Poll(StatusUpdate {
            account: "masto".into(),
            status: PollStatus::Error {
                message: "timeout".into(),
                retry_at: 10_030,
            },
            new_items: 0,
            budget: Some((3, 300)),
            notice: None,
        }),
    );
    assert_eq!(model.status.last_error.as_deref(), Some("masto: timeout"));
    assert_eq!(model.status.budgets.get("masto"), Some(&(3, 300)));
}

#[test]
fn a_pollers_notice_shows_once_in_the_status_line() {
    let mut model = model_with(1);
    let poll = |notice: Option<&str>| {
        Msg::Poll(StatusUpdate {
            account: "sky".into(),
            status: PollStatus::Ok { at: 10_000 },
            new_items: 0,
            budget: None,
            notice: notice.map(str::to_string),
        })
    };
    update(&mut model, poll(Some("DMs unavailable (HTTP 400)")));
    assert_eq!(
        model.status.message.as_deref(),
        Some("sky: DMs unavailable (HTTP 400)")
    );
    model.status.message = None;
    update(&mut model, poll(None));
    assert_eq!(model.status.message, None);
}

#[test]
fn plus_equals_minus_set_the_cms_label_and_zero_clears_it() {
    let mut model = model_with(3);
    assert_eq!(
        press(&mut model, '+'),
        vec![Effect::Write(Command::SetSentiment {
            ids: vec![100],
            label: Some(SentimentLabel::Positive)
        })]
    );
    press(&mut model, ' ');
    press(&mut model, ' ');
    assert_eq!(
        press(&mut model, '-'),
        vec![Effect::Write(Command::SetSentiment {
            ids: vec![99, 100],
            label: Some(SentimentLabel::Negative)
        })]
    );
    assert!(matches!(
        &press(&mut model, '0')[..],
        [Effect::Write(Command::SetSentiment { label: None, .. })]
    ));
    assert!(matches!(
        &press(&mut model, '=')[..],
        [Effect::Write(Command::SetSentiment {
            label: Some(SentimentLabel::Neutral),
            ..
        })]
    ));
    update(
        &mut model,
        Msg::Wrote(WriteOutcome::SentimentSet {
            count: 2,
            label: Some(SentimentLabel::Negative),
        }),
    );
    assert_eq!(
        model.status.message.as_deref(),
        Some("2 items marked negative")
    );
    press(&mut model, 'e');
    assert!(model.detail.show_explanation);
}

/// The reads a change notice asks for, by kind (list windows only by their kind).
fn reads_for(model: &mut Model, changes: &[Change]) -> Vec<&'static str> {
    update(model, Msg::Changed(Changes::of(changes)))
        .iter()
        .map(|e| match e {
            Effect::Query(Request::List(_)) => "list",
            Effect::Query(Request::Sidebar) => "sidebar",
            Effect::Query(Request::OpenEscalations) => "escalations",
            Effect::Query(Request::OutboxAttention) => "outbox attention",
            Effect::Query(Request::Detail(_)) => "detail",
            Effect::Query(Request::Moderation(_)) => "moderation",
            Effect::Query(Request::ItemOutbox(_)) => "item outbox",
            Effect::Query(Request::Outbox) => "outbox",
            other => panic!("a notice asked for {other:?}"),
        })
        .collect()
}

#[test]
fn each_notice_rereads_only_the_panes_that_show_it() {
    // A fresh model each time: a list refresh already on its way is not asked twice.
    let reads = |changes: &[Change]| {
        let mut model = model_with(3);
        press(&mut model, 'j');
        reads_for(&mut model, changes)
    };
    assert!(reads(&[Change::Polled]).is_empty());
    assert_eq!(
        reads(&[Change::Tags]),
        ["sidebar", "escalations", "moderation"]
    );
    assert_eq!(
        reads(&[Change::Outbox]),
        ["list", "outbox attention", "moderation", "item outbox"]
    );
    assert_eq!(reads(&[Change::Drafts]), ["item outbox"]);
    assert_eq!(reads(&[Change::Threads]), ["detail"]);
    assert_eq!(
        reads(&[Change::Items, Change::Counts]),
        ["list", "sidebar", "detail", "moderation"]
    );
    // In a tag's view, a tag decides what the list holds.
    let mut model = model_with(3);
    press(&mut model, ':');
    type_text(&mut model, "view #bug");
    let generation = update(&mut model, key(KeyCode::Enter))
        .iter()
        .find_map(|e| match e {
            Effect::Query(Request::List(ListRequest::Window { generation, .. })) => {
                Some(*generation)
            }
            _ => None,
        })
        .expect("the view loads");
    let rows = vec![row(0)];
    update(
        &mut model,
        Msg::Loaded(Response::Window {
            generation,
            result: crate::tui::inbox::list::WindowResult {
                rows,
                offset: 0,
                total: 1,
                focus: 0,
            },
        }),
    );
    assert!(reads_for(&mut model, &[Change::Tags]).contains(&"list"));
}

//! The panes as a person sees them, rendered on ratatui's TestBackend with a fixed clock
//! and fixture data, at the classic 80x24, a narrow 50x20 and a wide 160x30.

mod support;
use hark::domain::{ItemKind, ItemState, SentimentLabel, Severity};
use hark::platform::account_note::AccountNote;
use hark::poller::{PollStatus, StatusUpdate};
use hark::store::read::{AuthorInfo, ItemDetail, ItemRow, ThreadEntry};
use hark::store::View;
use hark::threads::ThreadNews;
use hark::tui::keymap::Keymap;
use support::ui::{render, screen};

use hark::tui::model::{update, Model, Msg};
use hark::tui::query::Response;

const NOW: i64 = 1_764_000_000;

fn row(id: i64, minutes_ago: i64, platform: &str, author: &str, text: &str) -> ItemRow {
    ItemRow {
        id,
        created_at: NOW - minutes_ago * 60,
        platform: platform.into(),
        kind: ItemKind::Mention,
        state: ItemState::New,
        author: author.into(),
        snippet: text.into(),
        sentiment: None,
        sentiment_manual: false,
        needs_reply: true,
        flag: None,
        marks: Default::default(),
        facts: hark::platform::ItemFacts::of(ItemKind::Mention),
        lang: None,
    }
}

fn rows() -> Vec<ItemRow> {
    let mut rows = vec![
        row(9, 2, "chirp", "@dana_reports", "Hi @nimbuscoffee, I'm writing about reports of illness after the Maple Oat Cold Brew. Statement?"),
        row(8, 14, "snapgram", "@lucia.m", "¡Qué rico el latte de calabaza! 🎃☕ volveré mañana"),
        row(7, 45, "forum", "@appfan", "After 4.2 the app crashes at checkout with Apple Pay, points never credited"),
        row(6, 90, "chirp", "@spam4u", "\u{1b}[31mFREE\u{1b}[0m gift card winner!!! claim at http://nimbus-giftcards.example.ru"),
        row(5, 200, "chirp", "@grindhouse_greg", "worst coffee on earth, you should all be fired"),
        row(4, 600, "snapgram", "@コーヒー好き", "コーヒー最高 👨‍👩‍👧 family day"),
        row(3, 1500, "forum", "@bidi", "invoice_\u{202e}fdp.exe is attached"),
        row(2, 3000, "chirp", "@sam", "what are your opening hours on Sunday?"),
    ];
    for (row, lang) in rows
        .iter_mut()
        .zip(["en", "es", "en", "en", "en", "ja", "en", "en"])
    {
        row.lang = Some(lang.into());
    }
    rows[0].flag = Some(Severity::Critical);
    rows[0].sentiment = Some(SentimentLabel::Negative);
    rows[1].sentiment = Some(SentimentLabel::Positive);
    rows[1].state = ItemState::Open;
    rows[2].sentiment = Some(SentimentLabel::Negative);
    rows[2].sentiment_manual = true;
    rows[4].flag = Some(Severity::Low);
    rows[7].state = ItemState::Replied;
    rows
}

fn detail() -> ItemDetail {
    ItemDetail {
        row: rows()[0].clone(),
        body: "Hi @nimbuscoffee, I'm writing about reports of illness after the Maple Oat Cold Brew at three of your shops.\nCan you give me a statement before 5pm? \u{1b}]0;pwned\u{7}".into(),
        url: Some("https://chirp.example/dana_reports/1".into()),
        account: "demo-chirp".into(),
        edited_at: None,
        filtered: false,
        sentiment_auto: Some((-0.42, SentimentLabel::Negative)),
        sentiment_manual: None,
        lang_manual: false,
        author: AuthorInfo {
            person: 0,
            handle: "@dana_reports".into(),
            display_name: "Dana Ortiz".into(),
            followers: Some(48_200),
            items: 3,
            positive: 0,
            neutral: 2,
            negative: 1,
            first_seen_at: NOW - 86_400 * 3,
        },
        ancestors: vec![ThreadEntry {
            id: Some(1),
            author: "@nimbuscoffee".into(),
            body: "Our Maple Oat Cold Brew is back for autumn 🍁".into(),
            created_at: NOW - 86_400,
            own: true,
        }],
        replies: vec![],
        tags: vec!["press".into()],
    }
}

fn model(width: u16, height: u16) -> Model {
    let mut model = Model::new(Keymap::defaults(), "Nimbus Coffee".into(), NOW);
    support::ui::show_rows(&mut model, width, height, rows(), 1_204);
    update(
        &mut model,
        Msg::Loaded(Response::Sidebar {
            views: vec![
                (View::Inbox, 1_204),
                (View::NeedsReply, 311),
                (View::Escalated, 2),
                (View::Done, 5_410),
                (View::All, 6_918),
                (View::Platform("chirp".into()), 640),
                (View::Platform("forum".into()), 201),
                (View::Platform("snapgram".into()), 363),
            ],
            aside: (0, 0),
        }),
    );
    update(
        &mut model,
        Msg::Loaded(Response::Detail {
            id: 9,
            detail: Some(Box::new(detail())),
            explanation: vec![
                hark::sentiment::Contribution {
                    token: "illness".into(),
                    valence: -2.2,
                },
                hark::sentiment::Contribution {
                    token: "statement".into(),
                    valence: 0.0,
                },
            ],
        }),
    );
    for (account, status) in [
        ("chirp", PollStatus::Ok { at: NOW - 12 }),
        (
            "forum",
            PollStatus::Error {
                message: "timeout".into(),
                retry_at: NOW + 30,
            },
        ),
        ("snapgram", PollStatus::RateLimited { until: NOW + 90 }),
    ] {
        update(
            &mut model,
            Msg::Poll(StatusUpdate {
                account: account.into(),
                status,
                new_items: 0,
                budget: None,
                notice: None,
                note: None,
            }),
        );
    }
    model
}

#[test]
fn inbox_at_80x24() {
    let model = model(80, 24);
    insta::assert_snapshot!(render(&model, 80, 24).backend());
}

#[test]
fn inbox_narrow_50x20_drops_the_sidebar() {
    let model = model(50, 20);
    insta::assert_snapshot!(render(&model, 50, 20).backend());
}

#[test]
fn inbox_wide_160x30_puts_the_item_beside_the_list() {
    let model = model(160, 30);
    insta::assert_snapshot!(render(&model, 160, 30).backend());
}

#[test]
fn help_at_80x24_fits() {
    let mut model = model(80, 24);
    model.help.open = true;
    insta::assert_snapshot!(render(&model, 80, 24).backend());
}

#[test]
fn hostile_text_never_reaches_the_terminal() {
    let model = model(160, 30);
    let terminal = render(&model, 160, 30);
    let buffer = terminal.backend().buffer();
    for cell in buffer.content() {
        let symbol = cell.symbol();
        assert!(
            !symbol
                .chars()
                .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "control or bidi character in a cell: {symbol:?}"
        );
    }
}

#[test]
fn e_explains_the_automatic_sentiment() {
    let mut model = model(80, 24);
    model.detail.show_explanation = true;
    let screen = screen(&render(&model, 80, 24));
    assert!(screen.contains("why illness -2.2"), "{screen}");
}

#[test]
fn the_status_bar_shows_a_platforms_remaining_request_budget() {
    let mut model = model(120, 24);
    update(
        &mut model,
        Msg::Poll(StatusUpdate {
            account: "masto".into(),
            status: PollStatus::Ok { at: NOW - 5 },
            new_items: 2,
            budget: Some((287, 300)),
            notice: None,
            note: None,
        }),
    );
    let screen = screen(&render(&model, 120, 24));
    assert!(screen.contains("masto ✓ 5s 287/300"), "{screen}");
}

#[test]
fn the_status_bar_shows_xs_monthly_reads_beside_the_request_budget() {
    let mut model = model(120, 24);
    update(
        &mut model,
        Msg::Poll(StatusUpdate {
            account: "brand-x".into(),
            status: PollStatus::Ok { at: NOW - 5 },
            new_items: 0,
            budget: Some((449, 450)),
            notice: None,
            note: Some(AccountNote::allowance(8_700, 10_000, "reads this month")),
        }),
    );
    let screen = screen(&render(&model, 120, 24));
    assert!(
        screen.contains("brand-x ✓ 5s 449/450 · 8.7k/10k reads this month"),
        "{screen}"
    );
}

#[test]
fn the_status_bar_says_when_slack_limits_the_app_and_stops_when_it_no_longer_does() {
    let mut model = model(120, 24);
    let poll = |note: Option<&str>| {
        Msg::Poll(StatusUpdate {
            account: "community".into(),
            status: PollStatus::Ok { at: NOW - 5 },
            new_items: 0,
            budget: Some((0, 1)),
            notice: None,
            note: note.map(AccountNote::warning),
        })
    };
    update(&mut model, poll(Some("limited app: 1 read/min")));
    let screen_text = screen(&render(&model, 120, 24));
    assert!(
        screen_text.contains("community ✓ 5s 0/1 · limited app: 1 read/min"),
        "{screen_text}"
    );
    update(&mut model, poll(None));
    let screen_text = screen(&render(&model, 120, 24));
    assert!(!screen_text.contains("limited app"), "{screen_text}");
}

#[test]
fn an_opened_items_conversation_shows_around_it_with_the_fetch_status() {
    let mut model = model(100, 30);
    let mut item = detail();
    item.ancestors.push(ThreadEntry {
        id: None,
        author: "@sam_baker".into(),
        body: "Same thing happened to my sister \u{202e}gnp.exe".into(),
        created_at: NOW - 7_200,
        own: false,
    });
    item.replies.push(ThreadEntry {
        id: None,
        author: "@nimbuscoffee".into(),
        body: "We are looking into this right now.".into(),
        created_at: NOW - 60,
        own: true,
    });
    update(
        &mut model,
        Msg::Loaded(Response::Detail {
            id: 9,
            detail: Some(Box::new(item)),
            explanation: vec![],
        }),
    );
    update(&mut model, Msg::Thread(ThreadNews::Fetching(9)));
    let fetching = screen(&render(&model, 100, 30));
    assert!(fetching.contains("fetching the conversation"), "{fetching}");
    update(
        &mut model,
        Msg::Thread(ThreadNews::Failed {
            item_id: 9,
            error: "temporary failure: 502".into(),
        }),
    );
    insta::assert_snapshot!(render(&model, 100, 30).backend());
    // News about another item is not shown on this one.
    update(&mut model, Msg::Thread(ThreadNews::Fetching(10)));
    assert!(!screen(&render(&model, 100, 30)).contains("conversation"));
}

#[test]
fn a_first_run_with_no_accounts_says_how_to_start() {
    let mut model = Model::new(Keymap::defaults(), "our brand".into(), NOW);
    model.first_run = Some("/home/cm/.config/hark/config.toml".into());
    support::ui::show_rows(&mut model, 80, 24, vec![], 0);
    let terminal = render(&model, 80, 24);
    let text = screen(&terminal);
    for line in [
        "No accounts yet",
        "hark demo",
        "hark account add <platform>",
        "hark doctor",
        "/home/cm/.config/hark/config.toml",
    ] {
        assert!(text.contains(line), "`{line}` missing:\n{text}");
    }
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn no_color_draws_the_same_text_without_a_single_colour() {
    let mut model = Model::new(Keymap::defaults(), "Nimbus Coffee".into(), NOW);
    support::ui::show_rows(&mut model, 100, 24, rows(), 8);
    let coloured = render(&model, 100, 24);
    model.no_color = true;
    let plain = render(&model, 100, 24);
    assert_eq!(screen(&plain), screen(&coloured), "the same text and marks");
    let colours = |t: &ratatui::Terminal<ratatui::backend::TestBackend>| {
        t.backend()
            .buffer()
            .content
            .iter()
            .filter(|c| {
                c.fg != ratatui::style::Color::Reset || c.bg != ratatui::style::Color::Reset
            })
            .count()
    };
    assert!(colours(&coloured) > 0, "the ordinary frame has colours");
    assert_eq!(colours(&plain), 0);
}

/// Chat items show their room where others show their network: an alias without its
/// server, a room's name, and the network for a room known only by its id.
#[test]
fn chat_items_show_their_room_at_100x20() {
    let mut model = Model::new(Keymap::defaults(), "Nimbus Coffee".into(), NOW);
    let room = |label: &str| {
        Some(hark::store::chat_rooms::RoomMarks {
            label: label.into(),
            power: None,
        })
    };
    let mut rows = vec![
        row(
            9,
            2,
            "matrix",
            "@fan:nimbus.test",
            "brand: my order 1234 never arrived",
        ),
        row(8, 5, "matrix", "@mika:nimbus.test", "and on holidays?"),
        row(
            7,
            9,
            "matrix",
            "@sam:nimbus.test",
            "can I change my address privately",
        ),
        row(6, 12, "matrix", "@lee:nimbus.test", "hello?"),
        row(
            5,
            30,
            "chirp",
            "@dana_reports",
            "Statement on the cold brew?",
        ),
    ];
    rows[0].marks.room = room("#help:nimbus.test");
    rows[1].marks.room = room("#community-lounge:nimbus.test");
    rows[2].marks.room = room("Address change");
    rows[3].marks.room = room("!QtykxKocfZaZOUrTwp:nimbus.test");
    support::ui::show_rows(&mut model, 100, 20, rows, 5);
    insta::assert_snapshot!(render(&model, 100, 20).backend());
}

/// Chat items of Matrix, Discord and Slack read back from a real cache: each names its
/// room as stored at ingest, and the list shows the room's label its connector recorded
/// (`#help` for all three, a Discord thread under its channel); a Slack DM, whose room
/// has no label, and a network without rooms show the network.
#[test]
fn matrix_discord_and_slack_items_show_their_room_from_the_cache_at_100x20() {
    use hark::domain::{ChatRoom, NewAuthor, NewItem};
    use hark::store::read::{Direction, ListQuery, Reader};
    use hark::store::{chat_rooms, ingest};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hark.db");
    let mut conn = hark::store::open_rw(&path).unwrap();
    let chat = [
        (
            "mx",
            "matrix",
            "!hElp:nimbus.test",
            Some("#help:nimbus.test"),
            "@fan:nimbus.test",
            "brand: my order never came",
        ),
        (
            "dc",
            "discord",
            "290926798999357250",
            Some("#help"),
            "nelly",
            "the app logs me out",
        ),
        (
            "dc",
            "discord",
            "1170000000000000001",
            Some("#help › refund: when?"),
            "mason",
            "still waiting",
        ),
        (
            "sl",
            "slack",
            "C012AB3CD",
            Some("#help"),
            "U0BS9U4SV",
            "is the shop open?",
        ),
        (
            "sl",
            "slack",
            "D0C0F7S8Y",
            None,
            "U0C0NS9HN",
            "can I ask privately?",
        ),
        (
            "ch",
            "chirp",
            "",
            None,
            "@dana_reports",
            "Statement on the cold brew?",
        ),
    ];
    for (n, (account, platform, room, label, author, text)) in chat.into_iter().enumerate() {
        let id = ingest::ensure_account(&conn, account, platform, "@brand").unwrap();
        let item = NewItem {
            external_id: format!("m{n}"),
            kind: ItemKind::Mention,
            parent_external_id: None,
            thread_external_id: None,
            author: NewAuthor {
                external_id: author.into(),
                handle: author.into(),
                display_name: String::new(),
                followers: None,
            },
            body: text.into(),
            url: None,
            created_at: NOW - 60 * (n as i64 + 1),
            raw_json: None,
            room: (!room.is_empty()).then(|| room.to_string()),
        };
        ingest::ingest(&mut conn, id, &[item.into()], None, NOW).unwrap();
        if let Some(label) = label {
            let room = ChatRoom {
                id: room.into(),
                label: label.into(),
                power: None,
            };
            chat_rooms::record(&conn, id, &[room], NOW).unwrap();
        }
    }
    let mut rows = Reader::open(&path)
        .unwrap()
        .page(&ListQuery::view(View::All), None, Direction::Older, 10)
        .unwrap();
    rows.sort_by_key(|r| std::cmp::Reverse(r.key()));
    let mut model = Model::new(Keymap::defaults(), "Nimbus Coffee".into(), NOW);
    let total = rows.len();
    support::ui::show_rows(&mut model, 100, 20, rows, total);
    insta::assert_snapshot!(render(&model, 100, 20).backend());
}

/// Team mode, cut off from the team's database: the replies the CM queued wait (no
/// machine may send them without their lease), and the status bar says so.
#[test]
fn the_status_bar_says_replies_wait_while_the_team_is_out_of_reach() {
    let mut model = model(120, 24);
    let attention = |team_waiting| {
        Msg::Loaded(hark::tui::query::Response::OutboxAttention {
            failed: 0,
            unknown: 0,
            team_waiting,
        })
    };
    update(&mut model, attention(Some(2)));
    let text = screen(&render(&model, 120, 24));
    assert!(
        text.contains("offline from the team: 2 replies waiting"),
        "{text}"
    );
    update(&mut model, attention(None));
    let text = screen(&render(&model, 120, 24));
    assert!(!text.contains("offline from the team"), "{text}");
}

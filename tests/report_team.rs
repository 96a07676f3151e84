//! The report per person (team mode): replies sent, median first response, items handled
//! and assignments per CM, written by the CMs' own commands on one cache; names escaped by
//! the one markdown escaper; no such section without `[team]`.

mod support;

use hark::command::Command;
use hark::domain::ItemKind::Mention;
use hark::report::{self, Format, Options, Spec};
use hark::store::team::{set_local, Local};
use support::report::{nov, post, Fixture};

fn options() -> Options {
    Options {
        spec: Spec::Week("2026-W47".into()),
        tz: "Europe/Madrid".into(),
        target_secs: 3600,
        clock: hark::sla::Clock::wall(),
        brand: "Nimbus Coffee".into(),
        now: 0,
    }
}

/// A member whose name markdown would read as emphasis and a table cell break.
const ODD: &str = "*bo*|x";

fn members() -> Vec<String> {
    vec!["ana".into(), "sam".into(), ODD.into()]
}

/// This machine's CM is now `me`.
fn act_as(fx: &Fixture, me: &str) {
    let local = Local {
        me: me.into(),
        members: members(),
        moderators: vec!["ana".into()],
        auto_assign: None,
    };
    fx.writer
        .handle()
        .call_blocking(move |c| set_local(c, Some(&local)))
        .unwrap();
}

fn run(fx: &Fixture, command: Command, at: i64) {
    fx.writer
        .handle()
        .call_blocking(move |c| command.apply(c, at))
        .unwrap();
}

/// The reply queued on `item` is accepted by the platform at `at` (its first answer).
fn sent(fx: &Fixture, item: i64, at: i64) {
    fx.exec(
        "UPDATE outbox SET state = 'sent', sent_at = ?2 WHERE item_id = ?1 AND kind = 'reply'",
        vec![item.into(), at.into()],
    );
    fx.first_response(item, at);
}

fn team_fixture() -> Fixture {
    let fx = Fixture::new();
    let ids = fx.ingest(
        "chirp",
        &[
            post("a", Mention, "@dana", nov(17, 9, 0), None, "order late"),
            post("b", Mention, "@eli", nov(17, 10, 0), None, "refund?"),
            post("c", Mention, "@fay", nov(18, 9, 0), None, "hours?"),
            post("d", Mention, "@gus", nov(18, 12, 0), None, "spam"),
        ],
    );
    // ana assigns a and b to sam, c to herself.
    act_as(&fx, "ana");
    let assign = |ids: Vec<i64>, to: &str| Command::Assign {
        ids,
        to: Some(to.into()),
    };
    run(&fx, assign(vec![ids[0], ids[1]], "sam"), nov(17, 11, 0));
    run(&fx, assign(vec![ids[2]], "ana"), nov(18, 9, 5));
    // ana answers c in 30 minutes and hides d.
    let reply = |item: i64| Command::QueueReply {
        item_id: item,
        text: "on it".into(),
        replaces: None,
    };
    run(&fx, reply(ids[2]), nov(18, 9, 30));
    sent(&fx, ids[2], nov(18, 9, 30));
    run(
        &fx,
        Command::Moderate {
            ids: vec![ids[3]],
            kind: "hide",
            payload: serde_json::json!({}),
        },
        nov(18, 12, 5),
    );
    // sam answers a in 3 h and b in 1 h, then marks a done.
    act_as(&fx, "sam");
    run(&fx, reply(ids[0]), nov(17, 12, 0));
    sent(&fx, ids[0], nov(17, 12, 0));
    run(&fx, reply(ids[1]), nov(17, 11, 0));
    sent(&fx, ids[1], nov(17, 11, 0));
    run(
        &fx,
        Command::SetState {
            ids: vec![ids[0]],
            to: hark::domain::ItemState::Done,
            only_from: None,
            actor: "user",
        },
        nov(17, 13, 0),
    );
    fx
}

#[test]
fn the_team_section_counts_each_cms_work() {
    let fx = team_fixture();
    let conn = fx.reader();
    let data = report::compute(&conn, &options()).unwrap();
    let data = report::with_team(data, &conn, &members(), &hark::sla::Clock::wall()).unwrap();
    let text = report::render(&data, Format::Md, None).text;
    let section = &text[text.find("## 10. Team").expect(&text)..];
    let table: Vec<&str> = section.lines().skip(2).take(5).collect();
    assert_eq!(
        table,
        [
            "| CM | replies sent | median first response | items handled | assigned |",
            "|---|---:|---:|---:|---:|",
            // ana: c answered in 30 min; c and d handled; c assigned to her.
            "| ana | 1 | 30m | 2 | 1 |",
            // sam: a in 3 h and b in 1 h (median of two: the lower, 1 h); a and b handled.
            "| sam | 2 | 1h 00m | 2 | 2 |",
            // Escaped by the one markdown escaper: no emphasis, no cell break.
            "| \\*bo\\*\\|x | 0 | – | 0 | 0 |",
        ]
    );
    // JSON carries it too.
    let json = report::render(&data, Format::Json, None).text;
    assert!(json.contains("\"median_first_response\": 3600"), "{json}");
}

#[test]
fn without_team_the_report_has_no_team_section() {
    let fx = team_fixture();
    let data = report::compute(&fx.reader(), &options()).unwrap();
    let text = report::render(&data, Format::Md, None).text;
    assert!(!text.contains("## 10. Team"));
    let json = report::render(&data, Format::Json, None).text;
    assert!(!json.contains("\"team\""));
}

#[test]
fn the_moderation_table_names_the_member_who_acted() {
    let fx = team_fixture();
    let data = report::compute(&fx.reader(), &options()).unwrap();
    let text = report::render(&data, Format::Md, None).text;
    let section = &text[text.find("## 7. Moderation").expect(&text)..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    // ana hid d: the table says so, not "the CM".
    assert!(section.contains("| ana | hide | 1 |"), "{section}");
    assert!(!section.contains("the CM"), "{section}");
}

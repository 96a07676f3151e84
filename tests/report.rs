//! The weekly report: a golden report over a fixture cache with every volume,
//! response-time and sentiment figure checked by hand, and the edge cases (an empty week,
//! a week with no replies, a DST change, hostile text).

mod support;

use hark::domain::ItemKind::{Comment, Dm, Mention, Post};
use hark::domain::ItemState;
use hark::domain::SentimentLabel::{Negative, Neutral, Positive};
use hark::report::{self, Format, Options, ReportData, Spec};
use support::report::{nov, post, Fixture};

fn options(week: &str) -> Options {
    Options {
        spec: Spec::Week(week.into()),
        tz: "Europe/Madrid".into(),
        target_secs: 3600,
        clock: hark::sla::Clock::wall(),
        brand: "Nimbus Coffee".into(),
        now: 0,
    }
}

fn compute(fx: &Fixture, week: &str) -> ReportData {
    report::compute(&fx.reader(), &options(week)).unwrap()
}

const HOSTILE: &str = "Great service | thanks `team` <script>alert(1)</script>\u{1b}]0;pwned\u{7}\n# not a heading [x](javascript:alert(1)) **bold**";

/// Week 47 (Mon 16 to Sun 22 Nov 2026, Madrid), the week before it, and one older item.
fn fixture() -> Fixture {
    let fx = Fixture::new();
    let chirp = fx.ingest(
        "chirp",
        &[
            // W44: history for recurring problems.
            post(
                "c0",
                Mention,
                "@ivan",
                nov(2, 10, 0),
                Some(Negative),
                "the croissant was stale",
            ),
            // W46.
            post(
                "p1",
                Mention,
                "@ana",
                nov(9, 10, 0),
                Some(Negative),
                "the croissant was stale again",
            ),
            post(
                "p2",
                Comment,
                "@gus",
                nov(11, 12, 0),
                Some(Positive),
                "nice autumn menu",
            ),
            // W47.
            post(
                "c1",
                Mention,
                "@ana",
                nov(16, 9, 0),
                Some(Negative),
                "Cold brew was warm again at Malasaña",
            ),
            post(
                "c2",
                Mention,
                "@ana",
                nov(17, 10, 0),
                Some(Negative),
                "cold brew warm again, second time",
            ),
            post(
                "c3",
                Comment,
                "@ben",
                nov(17, 11, 0),
                Some(Positive),
                "Love the maple latte!",
            ),
            post(
                "c4",
                Dm,
                "@carla",
                nov(18, 8, 0),
                Some(Neutral),
                "Where is my refund?",
            ),
            post(
                "c7",
                Mention,
                "@ana",
                nov(22, 23, 30),
                Some(Negative),
                "warm cold brew, again",
            ),
            // The brand's own post is context, never counted.
            post(
                "b1",
                Post,
                "@brand",
                nov(18, 9, 0),
                None,
                "Autumn menu is here",
            ),
            // W48: after the week.
            post(
                "n1",
                Mention,
                "@zoe",
                nov(23, 0, 30),
                Some(Negative),
                "cold brew warm",
            ),
        ],
    );
    let forum = fx.ingest(
        "forum",
        &[
            post(
                "p3",
                Comment,
                "@hana",
                nov(12, 9, 0),
                Some(Neutral),
                "price went up?",
            ),
            post(
                "f5",
                Comment,
                "@dan",
                nov(19, 20, 0),
                Some(Negative),
                "Is the cold brew warm on purpose?",
            ),
            post(
                "f6",
                Comment,
                "@eve",
                nov(20, 12, 0),
                Some(Positive),
                HOSTILE,
            ),
            post("f8", Dm, "@fred", nov(21, 15, 0), None, "hello"),
        ],
    );
    let [_c0, p1, p2, c1, c2, c3, c4, c7, ..] = chirp[..] else {
        panic!("{chirp:?}")
    };
    let [p3, f5, f6, f8] = forum[..] else {
        panic!("{forum:?}")
    };
    let _ = p2;
    // First answers: 30m, 2h, 45m (from the events log only), 40m (after the week
    // ended), 5m; p1 20m and p3 3h in W46; f5 never.
    fx.first_response(c1, nov(16, 9, 30));
    fx.first_response(c2, nov(17, 12, 0));
    fx.set_state(c4, ItemState::Replied, nov(18, 8, 45));
    fx.first_response(c7, nov(23, 0, 10));
    fx.first_response(f8, nov(21, 15, 5));
    fx.first_response(p1, nov(9, 10, 20));
    fx.first_response(p3, nov(12, 12, 0));
    fx.set_state(f5, ItemState::Open, nov(19, 21, 0));
    // Replies the outbox sent: 2 on chirp and 1 on forum this week; c7's went out after
    // the week; a failed one does not count.
    fx.outbox(c1, "reply", "sent", nov(16, 9, 29), Some(nov(16, 9, 30)));
    fx.outbox(c2, "reply", "sent", nov(17, 11, 59), Some(nov(17, 12, 0)));
    fx.outbox(f8, "reply", "sent", nov(21, 15, 4), Some(nov(21, 15, 5)));
    fx.outbox(c7, "reply", "sent", nov(23, 0, 9), Some(nov(23, 0, 10)));
    fx.outbox(f5, "reply", "failed", nov(19, 22, 0), None);
    fx.outbox(p1, "reply", "sent", nov(9, 10, 19), Some(nov(9, 10, 20)));
    // The CM relabelled c4 (neutral → negative) and confirmed c2.
    fx.manual(c4, "negative");
    fx.manual(c2, "negative");
    fx.event(
        c4,
        nov(18, 9, 0),
        "sentiment",
        "user",
        r#"{"from":"neutral","to":"negative"}"#,
    );
    // Escalations: one resolved, one open critical from a rule.
    fx.exec(
        "INSERT INTO escalations (item_id, severity, reason, source, opened_at, resolved_at, outcome)
         VALUES (?1, 'high', 'refund not received', 'user', ?2, ?3, 'refunded')",
        vec![c4.into(), nov(18, 9, 0).into(), nov(19, 10, 0).into()],
    );
    fx.exec(
        "INSERT INTO escalations (item_id, severity, reason, source, opened_at)
         VALUES (?1, 'critical', 'possible food safety | <b>temperature</b>', 'rule:safety-words', ?2)",
        vec![f5.into(), nov(20, 10, 0).into()],
    );
    fx.exec(
        "INSERT INTO notes (item_id, body, created_at) VALUES (?1, 'Refund issued | ticket #123', ?2)",
        vec![c4.into(), nov(19, 9, 55).into()],
    );
    fx.event(
        f5,
        nov(20, 10, 0),
        "escalation",
        "rule:safety-words",
        r#"{"op":"open"}"#,
    );
    // Moderation: a hide by a rule (done) and a block by the CM (queued).
    fx.outbox(c3, "hide", "sent", nov(17, 11, 5), Some(nov(17, 11, 6)));
    fx.event(
        c3,
        nov(17, 11, 5),
        "moderation",
        "rule:spam",
        r#"{"action":"hide"}"#,
    );
    fx.outbox(f6, "block", "queued", nov(20, 13, 0), None);
    fx.event(
        f6,
        nov(20, 13, 0),
        "moderation",
        "user",
        r#"{"action":"block"}"#,
    );
    // Tags: feedback by the CM, bug by a rule.
    fx.exec(
        "INSERT INTO tags (item_id, tag, created_at, source) VALUES (?1, 'feedback', ?2, 'user'), (?3, 'bug', ?2, 'rule')",
        vec![f6.into(), nov(20, 12, 30).into(), f5.into()],
    );
    fx.event(
        f5,
        nov(20, 12, 30),
        "tag",
        "rule:bug-words",
        r#"{"tag":"bug","op":"add"}"#,
    );
    fx
}

#[test]
fn volume_is_counted_by_platform_kind_and_local_day() {
    let r = compute(&fixture(), "2026-W47");
    let v = &r.sections.volume;
    // chirp: c1 c2 c7 mentions, c3 comment, c4 DM; forum: f5 f6 comments, f8 DM.
    assert_eq!((v.total, v.previous), (8, 3));
    let chirp = &v.platforms[0];
    assert_eq!(chirp.platform, "chirp");
    assert_eq!(
        (
            chirp.mention,
            chirp.comment,
            chirp.dm,
            chirp.total,
            chirp.previous
        ),
        (3, 1, 1, 5, 2)
    );
    let forum = &v.platforms[1];
    assert_eq!(
        (
            forum.mention,
            forum.comment,
            forum.dm,
            forum.total,
            forum.previous
        ),
        (0, 2, 1, 3, 1)
    );
    let days: Vec<u64> = v.days.iter().map(|d| d.items).collect();
    // c7 at Sunday 23:30 local is Sunday's, not Monday's.
    assert_eq!(days, [1, 2, 1, 1, 1, 1, 1]);
    let before: Vec<u64> = v.days.iter().map(|d| d.previous).collect();
    assert_eq!(before, [1, 0, 1, 1, 0, 0, 0]);
}

#[test]
fn response_times_count_only_items_that_needed_a_reply() {
    let r = compute(&fixture(), "2026-W47");
    let all = &r.sections.responsiveness.all;
    // Needed a reply: c1 c2 c4 c7 (mentions, DM), f5 (a question), f8 (DM); not the
    // comments c3 and f6. Answered after 30m, 2h, 45m (events log), 40m, 5m; f5 never.
    assert_eq!((all.needed, all.answered), (6, 5));
    // Sorted 5m 30m 40m 45m 2h: nearest-rank median is the 3rd, p90 the 5th.
    assert_eq!(all.median_secs, Some(2400));
    assert_eq!(all.p90_secs, Some(7200));
    // Within 1h: 5m 30m 40m 45m.
    assert_eq!(all.within_target, 4);
    // f5 waits, and so does c0 from W44 (waiting counts four weeks of backlog); c7 was
    // only 30 minutes old when the week ended; c4 was marked replied.
    assert_eq!(all.waiting_past_target, 2);
    // c1, c2, f8; c7's reply went out after the week; the failed one does not count.
    assert_eq!(all.replies_sent, 3);
    let chirp = &r.sections.responsiveness.platforms[0];
    assert_eq!(chirp.platform, "chirp");
    // 30m 40m 45m 2h: median the 2nd, p90 the 4th; 3 of 4 within 1h.
    assert_eq!(
        (
            chirp.needed,
            chirp.median_secs,
            chirp.p90_secs,
            chirp.within_target
        ),
        (4, Some(2400), Some(7200), 3)
    );
    assert_eq!((chirp.waiting_past_target, chirp.replies_sent), (1, 2));
    let forum = &r.sections.responsiveness.platforms[1];
    assert_eq!(
        (
            forum.needed,
            forum.answered,
            forum.median_secs,
            forum.within_target
        ),
        (2, 1, Some(300), 1)
    );
    assert_eq!((forum.waiting_past_target, forum.replies_sent), (1, 1));
    let prev = &r.sections.responsiveness.previous;
    // W46: p1 (20m) and p3 (3h) needed a reply; p2 did not.
    assert_eq!((prev.needed, prev.answered), (2, 2));
    assert_eq!(
        (prev.median_secs, prev.p90_secs, prev.within_target),
        (Some(1200), Some(10800), 1)
    );
    // c0 was already waiting at the end of W46.
    assert_eq!((prev.waiting_past_target, prev.replies_sent), (1, 1));
}

#[test]
fn manual_labels_win_and_net_sentiment_is_positive_minus_negative_over_labelled() {
    let r = compute(&fixture(), "2026-W47");
    let s = &r.sections.sentiment;
    // c1 c2 c4(manual) f5 c7 negative; c3 f6 positive; f8 unlabelled.
    assert_eq!(
        (
            s.this.positive,
            s.this.neutral,
            s.this.negative,
            s.this.unlabelled
        ),
        (2, 0, 5, 1)
    );
    // (2 - 5) / 7 = -42.9 → -43.
    assert_eq!(s.this.net, Some(-43));
    // W46: p1 negative, p2 positive, p3 neutral → 0.
    assert_eq!(s.previous.net, Some(0));
    let daily: Vec<Option<i64>> = s.days.iter().map(|d| d.net).collect();
    assert_eq!(
        daily,
        [
            Some(-100),
            Some(0),
            Some(-100),
            Some(-100),
            Some(100),
            None,
            Some(-100)
        ]
    );
    // c4's label differs from the automatic one; c2's agrees.
    assert_eq!((s.corrected, s.changes_logged), (1, 1));
}

#[test]
fn the_report_matches_the_golden_file() {
    let fx = fixture();
    let data = compute(&fx, "2026-W47");
    let out = report::render(&data, Format::Md, Some("report"));
    insta::assert_snapshot!("weekly_report_w47", out.text);
    let names: Vec<&str> = out.files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["report-volume.svg", "report-sentiment.svg"]);
    assert!(out.text.contains("![Items per day](report-volume.svg)"));
    // Same cache, same options: the same bytes.
    let again = report::render(&compute(&fx, "2026-W47"), Format::Md, Some("report"));
    assert_eq!(out, again);
}

#[test]
fn hostile_post_text_cannot_break_the_markdown() {
    let data = compute(&fixture(), "2026-W47");
    let text = report::render(&data, Format::Md, None).text;
    assert!(
        !text.contains("<script>") && !text.contains("<b>"),
        "{text}"
    );
    // A tag-like `<` is an entity; the `>` after it means nothing and is left alone.
    assert!(text.contains("&lt;script>"));
    assert!(!text.contains("](javascript"));
    assert!(!text.contains("\n# not a heading"));
    // Every table row keeps its column count: escaped pipes do not split cells.
    let mut columns = None;
    for line in text.lines() {
        if line.starts_with('|') {
            let cells = line.replace("\\|", "").matches('|').count();
            if line.starts_with("|---") || line.starts_with("|--") {
                columns = Some(cells);
            } else if let Some(n) = columns {
                assert_eq!(cells, n, "row breaks its table: {line}");
            }
        } else {
            columns = None;
        }
    }
    let json = report::render(&data, Format::Json, None).text;
    assert!(
        !json.contains("\\u001b") && !json.contains("pwned"),
        "{json}"
    );
    // The product list shows it, escaped, on one row.
    assert!(
        text.contains("Great service \\| thanks \\`team\\`"),
        "{text}"
    );
}

#[test]
fn an_empty_week_says_so_instead_of_inventing_numbers() {
    let fx = Fixture::new();
    fx.ingest("chirp", &[]);
    let data = compute(&fx, "2026-W47");
    let text = report::render(&data, Format::Md, None).text;
    insta::assert_snapshot!("empty_week", text);
    assert!(text.contains("Nothing arrived in either week."));
    assert!(text.contains("No item needed a reply in this period or the one before."));
    assert!(text.contains("No item from this week or the one before has a sentiment label"));
    assert!(text.contains("No escalation has ever been recorded"));
    assert!(text.contains("nothing stands out this week"));
}

#[test]
fn a_week_with_no_replies_shows_no_response_times() {
    let fx = Fixture::new();
    fx.ingest(
        "chirp",
        &[
            post("a", Mention, "@ana", nov(16, 9, 0), None, "hello?"),
            post("b", Dm, "@ben", nov(18, 9, 0), None, "are you open?"),
        ],
    );
    let data = compute(&fx, "2026-W47");
    let all = &data.sections.responsiveness.all;
    assert_eq!(
        (all.needed, all.answered, all.median_secs, all.p90_secs),
        (2, 0, None, None)
    );
    assert_eq!((all.waiting_past_target, all.replies_sent), (2, 0));
    let text = report::render(&data, Format::Md, None).text;
    assert!(text.contains("**No item that needed a reply this week has been answered yet.**"));
    assert!(text.contains(
        "- **First response:** none of 2 answered (previous week: nothing needed a reply)"
    ));
    assert!(text.contains(
        "- **Look at:** 2 items still waiting for a first answer past the 1h 00m target"
    ));
}

#[test]
fn a_week_crossing_the_dst_change_uses_local_midnights() {
    // 2026-W43 ends on Sunday 25 October, when Madrid goes from UTC+2 to UTC+1.
    let monday = 1_792_360_800; // Mon 19 Oct 00:00 +02:00
    let sunday_late = 1_792_967_400; // Sun 25 Oct 23:30 +01:00 (22:30 UTC)
    let next_monday = 1_792_971_000; // Mon 26 Oct 00:30 +01:00 (Sun 23:30 UTC)
    let fx = Fixture::new();
    fx.ingest(
        "chirp",
        &[
            post(
                "a",
                Mention,
                "@ana",
                monday,
                None,
                "first minute of the week",
            ),
            post(
                "b",
                Mention,
                "@ben",
                sunday_late,
                None,
                "late on the long Sunday",
            ),
            post("c", Mention, "@cy", next_monday, None, "next week"),
        ],
    );
    let data = compute(&fx, "2026-W43");
    assert_eq!(data.period.end - data.period.start, 169 * 3600);
    let days: Vec<u64> = data.sections.volume.days.iter().map(|d| d.items).collect();
    assert_eq!(days, [1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(data.sections.volume.total, 2);
}

#[test]
fn json_and_csv_carry_the_same_figures() {
    let data = compute(&fixture(), "2026-W47");
    let json: serde_json::Value =
        serde_json::from_str(&report::render(&data, Format::Json, None).text).unwrap();
    assert_eq!(json["volume"]["total"], 8);
    assert_eq!(json["responsiveness"]["all"]["median_secs"], 2400);
    assert_eq!(json["sentiment"]["this"]["net"], -43);
    let csv = report::render(&data, Format::Csv, None).text;
    assert!(csv.starts_with("field,value\n"));
    assert!(csv.contains("\nvolume.total,8\n"), "{csv}");
    assert!(csv.contains("\nvolume.platforms[chirp].total,5\n"), "{csv}");
    assert!(
        csv.contains("\nresponsiveness.all.p90_secs,7200\n"),
        "{csv}"
    );
}

#[test]
fn the_report_command_writes_the_file_with_its_charts_beside_it() {
    use clap::Parser;
    let fx = fixture();
    let data_dir = fx.path.parent().unwrap().to_path_buf();
    let mut config = hark::config::Config::parse(
        "brand = \"Nimbus Coffee\"\n[report]\ntz = \"Europe/Madrid\"\n",
        std::path::Path::new("config.toml"),
    )
    .unwrap();
    config.sla.first_response = std::time::Duration::from_secs(3600);
    let workspace =
        hark::workspace::Workspace::new(config, data_dir.join("c.toml"), data_dir.clone());
    let out = data_dir.join("weekly.md");
    let cli = hark::cli::Cli::try_parse_from([
        "hark",
        "report",
        "--week",
        "2026-W47",
        "--out",
        out.to_str().unwrap(),
    ])
    .unwrap();
    let Some(hark::cli::Command::Report(args)) = cli.command else {
        panic!("not a report command")
    };
    hark::cli::report::run(&workspace, &args).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let expected = report::render(&compute(&fx, "2026-W47"), Format::Md, Some("weekly")).text;
    assert_eq!(text, expected);
    assert!(text.contains("![Items per day](weekly-volume.svg)"));
    let svg = std::fs::read_to_string(data_dir.join("weekly-sentiment.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("Sun 22"));
}

#[test]
fn report_arguments_are_checked_and_a_missing_cache_is_explained() {
    use clap::Parser;
    let both = hark::cli::Cli::try_parse_from([
        "hark",
        "report",
        "--week",
        "2026-W47",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-02",
    ]);
    assert!(both.is_err());
    let half = hark::cli::Cli::try_parse_from(["hark", "report", "--from", "2026-11-01"]);
    assert!(half.is_err());
    let dir = tempfile::tempdir().unwrap();
    let workspace = hark::workspace::Workspace::new(
        hark::config::Config::default(),
        dir.path().join("c.toml"),
        dir.path().to_path_buf(),
    );
    let cli = hark::cli::Cli::try_parse_from(["hark", "report"]).unwrap();
    let Some(hark::cli::Command::Report(args)) = cli.command else {
        panic!("not a report command")
    };
    let err = hark::cli::report::run(&workspace, &args)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no cache at"), "{err}");
    assert!(
        !dir.path().join("hark.db").exists(),
        "a report must not create a cache"
    );
}

#[test]
fn a_month_long_range_is_compared_with_the_previous_31_days_not_the_previous_week() {
    let fx = fixture();
    let mut opts = options("2026-W47");
    opts.spec = Spec::Range {
        from: "2026-10-22".into(),
        to: "2026-11-21".into(),
    };
    let data = report::compute(&fx.reader(), &opts).unwrap();
    let text = report::render(&data, Format::Md, None).text;
    assert!(!text.contains("previous week"), "{text}");
    assert!(!text.contains("this week"), "{text}");
    assert!(text.contains("Previous 31 days:"), "{text}");
    assert!(
        text.contains("| same day of the previous 31 days |"),
        "{text}"
    );
    assert!(text.contains("- **First response:**") && text.contains("(previous 31 days: "));
}

#[test]
fn a_problem_new_this_week_ranks_although_nothing_was_negative_before() {
    // An internet provider's outage: 6 of 20 negative items are about the router and no
    // signal; the four weeks before had only happy customers.
    let fx = Fixture::new();
    let ids: Vec<String> = (0..40).map(|n| format!("n{n}")).collect();
    let others = [
        "billing page slow",
        "invoice wrong amount",
        "shop closed early",
        "hold music awful",
        "chat agent rude",
        "installer late",
        "contract confusing",
        "price went up",
        "app crashes login",
        "email spam daily",
        "coverage map wrong",
        "refund pending",
        "store queue long",
        "password reset broken",
    ];
    let mut posts = Vec::new();
    for (n, id) in ids[..6].iter().enumerate() {
        posts.push(post(
            id,
            Mention,
            "@user",
            nov(17 + n as i64 % 5, 10, 0),
            Some(Negative),
            "router keeps rebooting, no signal since the update",
        ));
    }
    for (n, body) in others.iter().enumerate() {
        posts.push(post(
            &ids[6 + n],
            Mention,
            "@other",
            nov(18, 9, n as i64),
            Some(Negative),
            body,
        ));
    }
    for (n, id) in ids[20..30].iter().enumerate() {
        posts.push(post(
            id,
            Mention,
            "@fan",
            nov(2 + n as i64, 12, 0),
            Some(Positive),
            "fast and stable, love it",
        ));
    }
    fx.ingest("chirp", &posts);
    let data = compute(&fx, "2026-W47");
    let r = &data.sections.recurring;
    assert_eq!((r.negative_items, r.negative_before), (20, 0));
    let terms: Vec<&str> = r.terms.iter().map(|t| t.term.as_str()).collect();
    assert!(
        terms.contains(&"router keeps") && terms.contains(&"keeps rebooting"),
        "{terms:?}"
    );
    assert_eq!(r.terms[0].items, 6, "{:?}", r.terms);
    assert!(r.terms.iter().all(|t| t.new), "{:?}", r.terms);
    let text = report::render(&data, Format::Md, None).text;
    assert!(
        text.contains("| router keeps | 6 | 0, new this week |"),
        "{text}"
    );
}

#[test]
fn with_business_hours_response_times_and_the_backlog_count_only_opening_hours() {
    // Fri 20 Nov 17:30 Madrid, answered Mon 23 Nov 09:30: 64 wall hours, one business hour.
    // A DM on Saturday still unanswered when the week ends: no business hour has passed.
    let fx = Fixture::new();
    let ids = fx.ingest(
        "chirp",
        &[
            post(
                "q",
                Mention,
                "@ana",
                nov(20, 17, 30),
                None,
                "is the shop open on sunday?",
            ),
            post(
                "d",
                Dm,
                "@ben",
                nov(21, 12, 0),
                None,
                "can I change my order?",
            ),
        ],
    );
    fx.first_response(ids[0], nov(23, 9, 30));
    let wall = compute(&fx, "2026-W47");
    let mut opts = options("2026-W47");
    opts.clock = hark::sla::Clock::business(
        hark::sla::WeekHours::parse("mon-fri 09:00-18:00").unwrap(),
        jiff::tz::TimeZone::get("Europe/Madrid").unwrap(),
        Default::default(),
    );
    let business = report::compute(&fx.reader(), &opts).unwrap();
    let (w, b) = (
        &wall.sections.responsiveness.all,
        &business.sections.responsiveness.all,
    );
    assert_eq!((w.median_secs, w.within_target), (Some(64 * 3600), 0));
    assert_eq!((b.median_secs, b.within_target), (Some(3600), 1));
    // At the end of the week the mention was unanswered too: 54 wall hours, 30 business minutes.
    assert_eq!((w.waiting_past_target, b.waiting_past_target), (2, 0));
    let text = report::render(&business, Format::Md, None).text;
    assert!(
        text.contains("in business hours only ([sla] hours)"),
        "{text}"
    );
}

/// "Look at" picks the most severe open incident, then the largest; section 5 tells each
/// incident's story: first item, opened, notified, steps done, resolved, outcome, time.
#[test]
fn look_at_names_the_most_severe_then_largest_incident_and_incidents_have_timelines() {
    use hark::domain::Severity;
    use hark::escalation::{incident, EscalationConfig, NewEscalation, Protocol};
    let fx = Fixture::new();
    let bodies: Vec<String> = (0..9)
        .map(|n| format!("ferry {n} cancelled, storm"))
        .collect();
    let posts: Vec<support::report::Post> = (0..9)
        .map(|n| {
            post(
                ["a", "b", "c", "d", "e", "f", "g", "h", "i"][n],
                Mention,
                "@p",
                nov(17, 8, n as i64),
                Some(Negative),
                &bodies[n],
            )
        })
        .collect();
    let ids = fx.ingest("chirp", &posts);
    let mut config = EscalationConfig::default();
    for s in [Severity::High, Severity::Critical] {
        config.protocol.insert(
            s,
            Protocol {
                notify_command: Some("true".into()),
                max_attempts: 1,
                checklist: vec!["Post the holding line".into(), "Call the harbour".into()],
                ..Protocol::default()
            },
        );
    }
    let flag = move |c: &rusqlite::Connection,
                     items: &[i64],
                     s: Severity,
                     rule: &str,
                     at: i64|
          -> hark::store::Result<i64> {
        let mut last = 0;
        for &item in items {
            last = hark::escalation::open(
                c,
                &NewEscalation {
                    item_id: Some(item),
                    linked: vec![],
                    severity: s,
                    reason: rule.into(),
                    actor: format!("rule:{rule}"),
                    topic: Default::default(),
                },
                &config,
                at,
            )?
            .incident;
        }
        Ok(last)
    };
    let config2 = {
        let mut c = EscalationConfig::default();
        c.protocol.insert(
            Severity::High,
            Protocol {
                notify_command: Some("true".into()),
                ..Protocol::default()
            },
        );
        c
    };
    let ids2 = ids.clone();
    let (big_high, small_critical, large_critical, resolved) = fx
        .writer
        .handle()
        .call_blocking(move |c| {
            let big_high = flag(c, &ids2[0..4], Severity::High, "storm", nov(17, 9, 0))?;
            let small_critical = flag(c, &ids2[4..5], Severity::Critical, "injury", nov(17, 9, 5))?;
            let large_critical = flag(
                c,
                &ids2[5..7],
                Severity::Critical,
                "sinking",
                nov(17, 9, 10),
            )?;
            let resolved = flag(c, &ids2[7..9], Severity::High, "fares", nov(17, 9, 20))?;
            hark::store::incidents::tick(
                c,
                resolved,
                0,
                "Post the holding line",
                "kim",
                nov(17, 9, 40),
            )?;
            incident::resolve(
                c,
                resolved,
                "refunds issued",
                "user",
                &config2,
                nov(17, 11, 20),
            )?;
            Ok((big_high, small_critical, large_critical, resolved))
        })
        .unwrap();
    let data = compute(&fx, "2026-W47");
    assert!(
        data.summary
            .look_at
            .contains(&format!("incident #{large_critical}")),
        "{}",
        data.summary.look_at
    );
    let order: Vec<i64> = data
        .sections
        .escalations
        .incidents
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(
        order,
        vec![large_critical, small_critical, big_high, resolved]
    );
    let text = report::render(&data, Format::Md, None).text;
    let story = text
        .split(&format!("**#{resolved} fares**"))
        .nth(1)
        .unwrap();
    for line in [
        "- Tue 17 Nov 08:07 first item",
        "- Tue 17 Nov 09:20 opened",
        "- Tue 17 Nov 09:20 notified (opened)",
        "- Tue 17 Nov 09:40 done: Post the holding line (kim)",
        "- Tue 17 Nov 11:20 notified (resolved)",
        "- Tue 17 Nov 11:20 resolved: refunds issued (took 2h 00m)",
    ] {
        assert!(story.contains(line), "{line} missing in {story}");
    }
}

#[test]
fn the_backlog_counts_what_waited_at_the_weeks_end_whatever_happened_since() {
    let fx = Fixture::new();
    // Four mentions of Tuesday of W47, each needing a reply, none ever answered.
    let ids = fx.ingest(
        "chirp",
        &[
            post(
                "open",
                Mention,
                "ana",
                nov(17, 10, 0),
                None,
                "still no answer?",
            ),
            post("closed", Mention, "bo", nov(17, 10, 5), None, "order lost"),
            post("later", Mention, "cy", nov(17, 10, 10), None, "hello??"),
            post("reopened", Mention, "di", nov(17, 10, 15), None, "any news"),
        ],
    );
    fx.exec("UPDATE items SET needs_reply = 1", vec![]);
    let end = nov(23, 0, 0) + 86_400; // Monday of W48, 00:00.
                                      // Closed during the week: not waiting at its end.
    fx.set_state(ids[1], ItemState::Done, nov(18, 9, 0));
    // Closed only after the week: it was waiting at its end.
    fx.set_state(ids[2], ItemState::Done, end + 3600);
    // Closed during the week, opened again after it: not waiting at the end.
    fx.set_state(ids[3], ItemState::Done, nov(18, 9, 0));
    fx.set_state(ids[3], ItemState::Open, end + 7200);
    let r = compute(&fx, "2026-W47");
    // "open" and "later".
    assert_eq!(r.sections.responsiveness.all.waiting_past_target, 2);
    let conn = rusqlite::Connection::open(&fx.path).unwrap();
    let mut listed = hark::store::report::unanswered_list(&conn, nov(16, 0, 0), end, 3600)
        .unwrap()
        .into_iter()
        .map(|(_, at)| at)
        .collect::<Vec<_>>();
    listed.sort();
    assert_eq!(listed, [nov(17, 10, 0), nov(17, 10, 10)]);
}

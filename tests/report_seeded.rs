//! The weekly report over a seeded cache of a few thousand items spread over eight weeks:
//! several accounts (two on one platform), a long tail of authors, every kind, labels
//! automatic and corrected, languages, answers from the column and from the events log,
//! a backlog, tags, items on the period's boundaries and in the same second, hostile text.
//!
//! Its snapshots pin every figure of the report (markdown, JSON, a month-long range and
//! business hours), so a faster way of computing them must give the same bytes.

mod support;

use hark::domain::ItemKind::{self, Comment, Dm, Mention, Post as BrandPost};
use hark::domain::ItemState;
use hark::domain::SentimentLabel::{self, Negative, Neutral, Positive};
use hark::report::{self, Format, Options, ReportData, Spec};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use support::report::{nov, Fixture, Post, W47};

const DAY: i64 = 86_400;
const ITEMS: usize = 4_000;
/// From Mon 5 Oct (before the four weeks of history) to Sun 29 Nov (after W47).
const FIRST: i64 = W47 - 6 * 7 * DAY;
const LAST: i64 = W47 + 14 * DAY;

const ACCOUNTS: &[(&str, &str)] = &[
    ("chirp", "chirp"),
    ("chirp-eu", "chirp"),
    ("forum", "forum"),
    ("snapgram", "snapgram"),
];

/// Words by language; the first of each list are the usual complaints, the crisis terms
/// come in W47 only.
const WORDS: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "refund",
            "late",
            "delivery",
            "stale",
            "croissant",
            "barista",
            "queue",
            "loyalty",
            "card",
            "app",
            "login",
            "broken",
            "menu",
            "price",
            "latte",
            "oat",
            "milk",
            "the",
            "and",
            "was",
            "again",
            "still",
            "with",
            "for",
            "you",
            "this",
            "great",
            "thanks",
        ],
    ),
    (
        "es",
        &[
            "reembolso",
            "tarde",
            "pedido",
            "frío",
            "camarero",
            "cola",
            "tarjeta",
            "precio",
            "el",
            "la",
            "de",
            "que",
            "con",
            "los",
            "otra",
            "vez",
            "gracias",
            "café",
        ],
    ),
    (
        "fr",
        &[
            "remboursement",
            "retard",
            "commande",
            "froid",
            "serveur",
            "carte",
            "prix",
            "le",
            "la",
            "les",
            "des",
            "pour",
            "avec",
            "encore",
            "merci",
            "très",
        ],
    ),
];
const CRISIS: &[&str] = &[
    "stomach ache",
    "food poisoning",
    "sick after",
    "pumpkin syrup",
    "hospital",
];
/// Text that must stay inert whatever path computes the report.
const ODD: &[&str] = &[
    "pay\u{200b}pal refund scam",
    "\u{1b}[31mFREE\u{1b}[0m coins refund",
    "ding\u{7}dong late delivery",
    "line one\nline two refund",
    "tab\tseparated late",
    "¡Qué café! 👨‍👩‍👧 🇪🇸 — frío",
    "e\u{301}\u{301}\u{301}\u{301}\u{301}\u{301} zalgo stale",
    "| pipes | and `ticks` and **stars** <b>",
];

struct Seeded {
    fx: Fixture,
}

fn pick<'a, T>(rng: &mut StdRng, v: &'a [T]) -> &'a T {
    &v[rng.gen_range(0..v.len())]
}

fn body(rng: &mut StdRng, lang: usize, at: i64, kind: ItemKind) -> String {
    if rng.gen_ratio(1, 40) {
        return pick(rng, ODD).to_string();
    }
    let words = WORDS[lang].1;
    let n = rng.gen_range(3..12);
    let mut out: Vec<String> = (0..n).map(|_| pick(rng, words).to_string()).collect();
    if (W47..W47 + 7 * DAY).contains(&at) && rng.gen_ratio(1, 4) {
        let at = rng.gen_range(0..out.len());
        out.insert(at, pick(rng, CRISIS).to_string());
    }
    if rng.gen_ratio(1, 10) {
        out.push(format!("#{}", rng.gen_range(0..50)));
    }
    if rng.gen_ratio(1, 12) {
        out.insert(0, format!("@user{}", rng.gen_range(0..30)));
    }
    let mut text = out.join(" ");
    if kind == Comment && rng.gen_ratio(1, 3) {
        text.push('?');
    }
    text
}

/// A time in [FIRST, LAST), with some on the exact edges of days and periods and some in
/// the same second as another item.
fn time(rng: &mut StdRng, last: i64) -> i64 {
    match rng.gen_range(0..100) {
        0..=2 => *pick(
            rng,
            &[
                W47,
                W47 - 1,
                W47 + 7 * DAY - 1,
                W47 + 7 * DAY,
                W47 - 7 * DAY,
                W47 - 4 * 7 * DAY,
                nov(18, 0, 0),
                nov(20, 23, 59) + 59,
            ],
        ),
        3..=5 => last,
        _ => rng.gen_range(FIRST..LAST),
    }
}

fn seeded() -> Seeded {
    let fx = Fixture::new();
    let mut rng = StdRng::seed_from_u64(25);
    struct Row {
        id: String,
        account: usize,
        kind: ItemKind,
        author: String,
        body: String,
        at: i64,
        auto: Option<SentimentLabel>,
        lang: Option<&'static str>,
    }
    let mut rows = Vec::with_capacity(ITEMS);
    let mut last = W47;
    for n in 0..ITEMS {
        let at = time(&mut rng, last);
        last = at;
        let kind = match rng.gen_range(0..100) {
            0..=34 => Mention,
            35..=74 => Comment,
            75..=89 => Dm,
            _ => BrandPost,
        };
        // A long tail: author k with weight ~ 1/k; a few handles carry invisible characters.
        let author = ((400f64).powf(rng.gen::<f64>()) as usize).min(399);
        let author = match author {
            7 => "@look\u{200b}alike".to_string(),
            11 => "@bidi\u{202e}name".to_string(),
            a => format!("@user{a}"),
        };
        let lang_n = rng.gen_range(0..WORDS.len());
        let body = body(&mut rng, lang_n, at, kind);
        let crisis = CRISIS.iter().any(|c| body.contains(c));
        let auto = match rng.gen_range(0..100) {
            _ if crisis && rng.gen_ratio(4, 5) => Some(Negative),
            0..=24 => Some(Negative),
            25..=54 => Some(Positive),
            55..=89 => Some(Neutral),
            _ => None,
        };
        let lang = match rng.gen_range(0..20) {
            0 => None,
            1 => Some("ja"),
            _ => Some(WORDS[lang_n].0),
        };
        rows.push(Row {
            id: format!("s{n}"),
            account: rng.gen_range(0..ACCOUNTS.len()),
            kind,
            author,
            body,
            at,
            auto,
            lang,
        });
    }
    let mut ids = vec![0i64; ITEMS];
    for (a, (account, platform)) in ACCOUNTS.iter().enumerate() {
        let mine: Vec<usize> = (0..ITEMS).filter(|&n| rows[n].account == a).collect();
        let posts: Vec<Post> = mine
            .iter()
            .map(|&n| {
                let r = &rows[n];
                Post {
                    id: &r.id,
                    kind: r.kind,
                    author: &r.author,
                    body: &r.body,
                    at: r.at,
                    auto: r.auto,
                    lang: r.lang,
                }
            })
            .collect();
        for (n, id) in mine.iter().zip(fx.ingest_on(account, platform, &posts)) {
            ids[*n] = id;
        }
    }
    // The CM's work: answers (in the column, or only as a move to replied), labels,
    // states, tags, moderation and replies sent.
    for (n, r) in rows.iter().enumerate() {
        let id = ids[n];
        if r.kind == BrandPost {
            continue;
        }
        match rng.gen_range(0..100) {
            0..=39 => {
                let after = *pick(
                    &mut rng,
                    &[60, 600, 1800, 3500, 3600, 3601, 7200, 86_400, 3 * DAY],
                );
                fx.first_response(id, r.at + rng.gen_range(0..=after));
                if rng.gen_ratio(1, 2) {
                    fx.outbox(id, "reply", "sent", r.at + after - 1, Some(r.at + after));
                }
            }
            40..=47 => fx.set_state(id, ItemState::Replied, r.at + rng.gen_range(30..2 * DAY)),
            48..=52 => fx.set_state(id, ItemState::Snoozed, r.at + rng.gen_range(30..DAY)),
            53..=57 => fx.set_state(id, ItemState::Done, r.at + rng.gen_range(30..DAY)),
            58..=62 => fx.set_state(id, ItemState::Open, r.at + rng.gen_range(30..DAY)),
            _ => {}
        }
        if rng.gen_ratio(1, 20) {
            let label = *pick(&mut rng, &["negative", "neutral", "positive"]);
            fx.manual(id, label);
            let actor = *pick(&mut rng, &["user", "rule:calm"]);
            fx.event(
                id,
                r.at + 100,
                "sentiment",
                actor,
                &format!(r#"{{"to":"{label}"}}"#),
            );
        }
        if rng.gen_ratio(1, 15) {
            let tag = *pick(&mut rng, &["bug", "feedback", "support", "lead"]);
            fx.exec(
                "INSERT INTO tags (item_id, tag, created_at, source) VALUES (?1, ?2, ?3, 'user')",
                vec![id.into(), tag.to_string().into(), (r.at + 60).into()],
            );
        }
        if rng.gen_ratio(1, 50) {
            let state = *pick(&mut rng, &["sent", "queued", "failed"]);
            fx.outbox(id, "hide", state, r.at + 30, Some(r.at + 31));
            fx.event(
                id,
                r.at + 30,
                "moderation",
                "rule:spam",
                r#"{"action":"hide"}"#,
            );
        }
    }
    Seeded { fx }
}

fn options(spec: Spec) -> Options {
    Options {
        spec,
        tz: "Europe/Madrid".into(),
        target_secs: 3600,
        clock: hark::sla::Clock::wall(),
        brand: "Seeded".into(),
        now: 0,
    }
}

fn compute(s: &Seeded, opts: &Options) -> ReportData {
    report::compute(&s.fx.reader(), opts).unwrap()
}

#[test]
fn every_figure_of_a_seeded_cache_stays_the_same() {
    let s = seeded();
    let week = compute(&s, &options(Spec::Week("2026-W47".into())));
    // The figures are large enough to mean something.
    assert!(
        week.sections.volume.total > 400,
        "{}",
        week.sections.volume.total
    );
    assert!(week.sections.recurring.terms.len() >= 3);
    assert!(week.sections.people.new_voices > 0);
    let md = report::render(&week, Format::Md, Some("seeded"));
    insta::assert_snapshot!("seeded_w47_md", md.text);
    let charts: Vec<String> = md
        .files
        .iter()
        .map(|(name, svg)| format!("{name} {} bytes\n{svg}", svg.len()))
        .collect();
    insta::assert_snapshot!("seeded_w47_charts", charts.join("\n"));
    insta::assert_snapshot!(
        "seeded_w47_json",
        report::render(&week, Format::Json, None).text
    );
    let month = compute(
        &s,
        &options(Spec::Range {
            from: "2026-10-26".into(),
            to: "2026-11-25".into(),
        }),
    );
    insta::assert_snapshot!(
        "seeded_31_days_json",
        report::render(&month, Format::Json, None).text
    );
    let mut business = options(Spec::Week("2026-W46".into()));
    business.clock = hark::sla::Clock::business(
        hark::sla::WeekHours::parse("mon-fri 09:00-18:00").unwrap(),
        jiff::tz::TimeZone::get("Europe/Madrid").unwrap(),
        ["2026-11-12".parse().unwrap()].into_iter().collect(),
    );
    let business = compute(&s, &business);
    insta::assert_snapshot!(
        "seeded_w46_business_hours_json",
        report::render(&business, Format::Json, None).text
    );
}

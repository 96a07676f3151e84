//! Limit patterns as SQL: every `~x` field is one row of [`FIELDS`] (its letter, what it
//! takes and its condition on `items i`), and [`condition`] turns a parsed
//! [`Pattern`] into one WHERE fragment whose every user value is a bound parameter.
//! The parser ([`parse`]) lives here too: the language and its table are one thing, and
//! keeping them together keeps `store` free of imports from above it.

pub mod parse;

pub use parse::{field_list, parse, Arg, FieldValue, Pattern, PatternError, Term, TimeSpec};

use rusqlite::types::Value;

use crate::domain::{ItemId, UnixTime};

/// One `~x` field.
#[derive(Debug)]
pub struct Field {
    pub key: char,
    pub name: &'static str,
    pub arg: Arg,
    /// What the value is, for errors and help ("a tag").
    pub help: &'static str,
    pub example: &'static str,
    /// The condition on `items i`; each `?` takes the value (a time range takes two). A
    /// field that selects items through a set of item ids is written `i.id IN (SELECT
    /// <item id> FROM … WHERE …)`: a reader that knows the ids it walks narrows the set
    /// to them (see [`narrowed`]).
    sql: &'static str,
}

const fn f(
    key: char,
    name: &'static str,
    arg: Arg,
    help: &'static str,
    example: &'static str,
    sql: &'static str,
) -> Field {
    Field {
        key,
        name,
        arg,
        help,
        example,
        sql,
    }
}

const SENTIMENTS: &[(&str, &str)] = &[
    ("pos", "positive"),
    ("positive", "positive"),
    ("neu", "neutral"),
    ("neutral", "neutral"),
    ("neg", "negative"),
    ("negative", "negative"),
    ("unscored", "unscored"),
];

const KINDS: &[(&str, &str)] = &[
    ("mention", "mention"),
    ("comment", "comment"),
    ("dm", "dm"),
    ("post", "post"),
];

const STATES: &[(&str, &str)] = &[
    ("new", "new"),
    ("open", "open"),
    ("replied", "replied"),
    ("done", "done"),
    ("hidden", "hidden"),
    ("deleted", "deleted"),
    ("snoozed", "snoozed"),
];

fn is_lang(code: &str) -> bool {
    crate::language::is_code(code)
}

/// Every field of the pattern language. A new field is one line here.
#[rustfmt::skip]
pub const FIELDS: &[Field] = &[
    f('a', "author", Arg::Contains, "part of a handle or name", "ana",
      "i.author_id IN (SELECT id FROM authors WHERE handle LIKE ? ESCAPE '\\' OR display_name LIKE ? ESCAPE '\\')"),
    f('b', "body", Arg::Words("body"), "words of the text", "refund*",
      "i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)"),
    f('p', "platform", Arg::Exact(None), "platform", "chirp",
      "i.account_id IN (SELECT id FROM accounts WHERE platform = ?)"),
    f('k', "kind", Arg::OneOf(KINDS), "mention|comment|dm|post", "dm",
      "i.kind = ?"),
    f('t', "tag", Arg::Exact(None), "tag", "bug",
      "i.id IN (SELECT item_id FROM tags WHERE tag = ?)"),
    f('s', "sentiment", Arg::OneOf(SENTIMENTS), "pos|neu|neg|unscored", "neg",
      "coalesce(i.sentiment_manual, i.sentiment_label_auto, 'unscored') = ?"),
    f('l', "lang", Arg::Exact(Some(is_lang)), "language code", "es",
      "i.lang = ?"),
    // The column a range is on: unary `+` keeps a leaf from bounding an index walk (the
    // whole pattern's range does, see `condition_within`).
    f('d', "date", Arg::Time, "age or days", "<2d",
      "+i.created_at"),
    f('x', "escalated", Arg::Flag, "", "",
      "i.id IN (SELECT x.item_id FROM incident_items x JOIN incidents n ON n.id = x.incident_id WHERE n.resolved_at IS NULL)"),
    f('r', "replied", Arg::Flag, "", "",
      "(i.first_response_at IS NOT NULL OR i.state = 'replied')"),
    f('n', "needs-reply", Arg::Flag, "", "",
      "(i.needs_reply = 1 AND i.state IN ('new', 'open'))"),
    // What the `[sla]` clock runs for: a snoozed item still owes its first reply.
    f('w', "waiting", Arg::Flag, "", "",
      "(i.needs_reply = 1 AND i.state IN ('new', 'open', 'snoozed'))"),
    f('S', "state", Arg::OneOf(STATES), "new|open|replied|done|hidden|deleted|snoozed", "open",
      "i.state = ?"),
    f('z', "snoozed", Arg::Flag, "", "",
      super::view::SNOOZED),
    // Team mode: `~A me` is this machine's CM. Without [team] no item has an assignee.
    f('A', "assignee", Arg::Exact(None), "a CM of [team], or me", "me",
      "coalesce(lower(i.assignee), '') = CASE WHEN ? = 'me' THEN lower((SELECT name FROM team_self)) ELSE ? END"),
];

/// Fields that mean something only in team mode: help and errors leave them out
/// without `[team]` (the README lists them under team mode).
pub const TEAM_FIELDS: &[char] = &['A'];

/// The field written `~key`.
pub fn field(key: char) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.key == key)
}

fn by_name(name: &str) -> &'static Field {
    FIELDS
        .iter()
        .find(|f| f.name == name)
        .expect("a parsed field is in the table")
}

/// The condition on `items i` that `pattern` selects at `now`, with its parameters.
pub fn condition(pattern: &Pattern, now: UnixTime) -> (String, Vec<Value>) {
    condition_within(pattern, now, Side::Pattern, Side::Pattern, None)
}

/// One side of the time range a reader walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The pattern's own bound, if it has one.
    Pattern,
    /// The reader's bound (a window's far end), merged with the pattern's.
    Narrowed(UnixTime),
    /// The reader bounds this side itself (a page's anchor, which starts at the
    /// pattern's range): nothing more is said of it.
    Anchored,
}

/// [`condition`] with the time range stated once a side, on `i.created_at`, from the
/// pattern's range ([`time_range`]) and the reader's `from` and `until`. SQLite bounds an
/// index walk by one term a side, and given two it may take the looser: a `~d >30d`
/// once walked every older item instead of a window of a few thousand, and a second page
/// walked again from the pattern's end instead of from its anchor. The `~d` leaves
/// still hold the exact condition but never bound a walk (`+i.created_at`).
///
/// With `ids`, the reader promises that every item it reads has an id in that range (a
/// window of the time walk): sets of item ids (a tag's items, a word's) are read within
/// it instead of whole — a common word's set is most of a large cache, read again by
/// every statement.
pub fn condition_within(
    pattern: &Pattern,
    now: UnixTime,
    from: Side,
    until: Side,
    ids: Option<(ItemId, ItemId)>,
) -> (String, Vec<Value>) {
    let mut params = Vec::new();
    let sql = build(pattern, now, ids, &mut params);
    let (pattern_from, pattern_until) = time_range(pattern, now);
    let from = match from {
        Side::Pattern => pattern_from,
        Side::Narrowed(at) => pattern_from.max(Some(at)),
        Side::Anchored => None,
    };
    let until = match until {
        Side::Pattern => pattern_until,
        Side::Narrowed(at) => tighter(pattern_until, Some(at)),
        Side::Anchored => None,
    };
    let range = time_leaf("i.created_at", (from, until), &mut params);
    (format!("({sql} AND {range})"), params)
}

fn build(
    pattern: &Pattern,
    now: UnixTime,
    ids: Option<(ItemId, ItemId)>,
    params: &mut Vec<Value>,
) -> String {
    let join = |parts: &[Pattern], op: &str, params: &mut Vec<Value>| {
        let parts: Vec<String> = parts.iter().map(|p| build(p, now, ids, params)).collect();
        format!("({})", parts.join(op))
    };
    match pattern {
        Pattern::And(parts) => join(parts, " AND ", params),
        Pattern::Or(parts) => join(parts, " OR ", params),
        Pattern::Not(inner) => format!("NOT {}", build(inner, now, ids, params)),
        Pattern::Text(terms) => {
            params.push(Value::Text(fts_terms(terms)));
            narrowed(TEXT_ITEMS, ids, params)
        }
        Pattern::Field { field, value } => {
            let spec = by_name(field);
            let values: Vec<Value> = match value {
                FieldValue::None => vec![],
                FieldValue::Text(text) => match spec.arg {
                    Arg::Contains if text.chars().count() >= TRIGRAM => {
                        params.push(Value::Text(trigram_phrase(text)));
                        return format!("({AUTHOR_TRIGRAM})");
                    }
                    Arg::Contains => vec![Value::Text(format!("%{}%", like_escape(text)))],
                    _ => vec![Value::Text(text.clone())],
                },
                FieldValue::Choice(stored) => vec![Value::Text(stored.to_string())],
                FieldValue::Words(terms) => {
                    let column = match spec.arg {
                        Arg::Words(column) => column,
                        _ => "body",
                    };
                    vec![Value::Text(format!("{column} : ({})", fts_terms(terms)))]
                }
                FieldValue::Time(time) => return time_leaf(spec.sql, time.bounds(now), params),
            };
            let slots = spec.sql.matches('?').count();
            // One value fills every slot (author: handle or name); a range fills its two.
            if values.len() == slots {
                params.extend(values);
            } else if let [only] = values.as_slice() {
                params.extend(std::iter::repeat_n(only.clone(), slots));
            }
            format!("({})", narrowed(spec.sql, ids, params))
        }
    }
}

/// Plain words: the items whose text or author has them.
const TEXT_ITEMS: &str = "i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)";

/// `sql` with its set of item ids (`i.id IN (SELECT <item id> FROM … WHERE …)`) read
/// within `ids`; any other condition as it is.
fn narrowed(sql: &str, ids: Option<(ItemId, ItemId)>, params: &mut Vec<Value>) -> String {
    let (Some((low, high)), Some(set)) = (ids, sql.strip_prefix("i.id IN (SELECT ")) else {
        return sql.to_string();
    };
    let (Some(column), Some(body)) = (set.split(' ').next(), sql.strip_suffix(')')) else {
        return sql.to_string();
    };
    if !set.contains(" WHERE ") {
        return sql.to_string();
    }
    params.push(Value::Integer(low));
    params.push(Value::Integer(high));
    format!("{body} AND {column} BETWEEN ? AND ?)")
}

/// `column` within `[from, until)`, each open side left out (a sentinel such as
/// `i64::MIN` would still read as a bound to the planner); `1` when both are.
fn time_leaf(
    column: &str,
    (from, until): (Option<UnixTime>, Option<UnixTime>),
    params: &mut Vec<Value>,
) -> String {
    let mut sides = Vec::new();
    if let Some(from) = from {
        sides.push(format!("{column} >= ?"));
        params.push(Value::Integer(from));
    }
    if let Some(until) = until {
        sides.push(format!("{column} < ?"));
        params.push(Value::Integer(until));
    }
    if sides.is_empty() {
        return "1".into();
    }
    format!("({})", sides.join(" AND "))
}

/// The `[from, until)` time range every item `pattern` selects lies in at `now` (`None`
/// is open): the `~d` bounds a list can start its walk in time at. Only what every match
/// must satisfy bounds it: a `~d` in an AND, or one on every side of an OR.
pub fn time_range(pattern: &Pattern, now: UnixTime) -> (Option<UnixTime>, Option<UnixTime>) {
    match pattern {
        Pattern::Field {
            value: FieldValue::Time(spec),
            ..
        } => spec.bounds(now),
        Pattern::And(parts) => parts.iter().fold((None, None), |(from, until), part| {
            let (f, u) = time_range(part, now);
            (from.max(f), tighter(until, u))
        }),
        Pattern::Or(parts) => {
            let ranges: Vec<_> = parts.iter().map(|p| time_range(p, now)).collect();
            let from = ranges
                .iter()
                .map(|r| r.0)
                .collect::<Option<Vec<_>>>()
                .and_then(|f| f.into_iter().min());
            let until = ranges
                .iter()
                .map(|r| r.1)
                .collect::<Option<Vec<_>>>()
                .and_then(|u| u.into_iter().max());
            (from, until)
        }
        Pattern::Not(_) | Pattern::Text(_) | Pattern::Field { .. } => (None, None),
    }
}

/// The earlier of two upper bounds, `None` being none.
fn tighter(a: Option<UnixTime>, b: Option<UnixTime>) -> Option<UnixTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Text this long or longer is found through the authors' trigram index; shorter text
/// has no trigram and reads every author.
const TRIGRAM: usize = 3;

/// `~a` through the trigram index (migration 021_author_trigram), folding case and accents.
const AUTHOR_TRIGRAM: &str =
    "i.author_id IN (SELECT rowid FROM authors_trigram WHERE authors_trigram MATCH ?)";

/// The text as one FTS5 phrase: in a trigram index, the text anywhere in a column.
fn trigram_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Terms as one FTS5 query: all of them.
fn fts_terms(terms: &[Term]) -> String {
    terms.iter().map(Term::fts).collect::<Vec<_>>().join(" ")
}

/// `%` and `_` in the CM's text are themselves, not LIKE wildcards.
fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use rusqlite::{params_from_iter, Connection};

    use super::*;
    use crate::domain::{ItemKind, NewAuthor, NewItem};
    use crate::store::ingest::{self, Incoming};

    const NOW: UnixTime = 1_800_000_000;
    const DAY: i64 = 86_400;

    struct Fixture {
        _dir: tempfile::TempDir,
        conn: Connection,
    }

    /// Items 1..=6, each with what the fields look for.
    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::store::open_rw(&dir.path().join("hark.db")).unwrap();
        let chirp = ingest::ensure_account(&conn, "brand", "chirp", "@brand").unwrap();
        let forum = ingest::ensure_account(&conn, "board", "forum", "brand").unwrap();
        let item = |n: i64, handle: &str, name: &str, kind: ItemKind, body: &str, age: i64| {
            Incoming::from(NewItem {
                external_id: format!("x{n}"),
                kind,
                parent_external_id: None,
                thread_external_id: None,
                author: NewAuthor {
                    external_id: handle.into(),
                    handle: handle.into(),
                    display_name: name.into(),
                    followers: None,
                },
                body: body.into(),
                url: None,
                created_at: NOW - age,
                raw_json: None,
                room: None,
            })
        };
        let on_chirp = vec![
            item(
                1,
                "@ana_lopez",
                "Ana López",
                ItemKind::Mention,
                "my refunds never came",
                DAY / 2,
            ),
            item(
                2,
                "@bob",
                "Bob",
                ItemKind::Dm,
                "the café was closed 100% of the time",
                3 * DAY,
            ),
            item(
                3,
                "@carla",
                "Carla",
                ItemKind::Comment,
                "cold brew is great",
                10 * DAY,
            ),
        ];
        let on_forum = vec![
            item(
                4,
                "@dan",
                "Dan ana",
                ItemKind::Comment,
                "refund please, cold coffee",
                DAY,
            ),
            item(5, "@eve", "Eve", ItemKind::Mention, "brew time", 20 * DAY),
            item(6, "@fay", "Fay", ItemKind::Post, "our post", 2 * DAY),
        ];
        ingest::ingest(&mut conn, chirp, &on_chirp, None, NOW).unwrap();
        ingest::ingest(&mut conn, forum, &on_forum, None, NOW).unwrap();
        conn.execute_batch(
            "UPDATE items SET sentiment_label_auto = 'negative' WHERE external_id IN ('x1', 'x4');
             UPDATE items SET sentiment_label_auto = 'positive' WHERE external_id = 'x3';
             UPDATE items SET sentiment_label_auto = 'negative', sentiment_manual = 'neutral' WHERE external_id = 'x2';
             UPDATE items SET lang = 'es' WHERE external_id IN ('x1', 'x4');
             UPDATE items SET lang = 'en' WHERE external_id IN ('x2', 'x3', 'x5');
             UPDATE items SET state = 'done' WHERE external_id = 'x3';
             UPDATE items SET needs_reply = external_id IN ('x1', 'x2', 'x3');
             UPDATE items SET first_response_at = 1 WHERE external_id = 'x2';
             INSERT INTO tags (item_id, tag, created_at) SELECT id, 'bug', 0 FROM items WHERE external_id IN ('x1', 'x2', 'x4');
             INSERT INTO tags (item_id, tag, created_at) SELECT id, 'bug%', 0 FROM items WHERE external_id = 'x5';
             INSERT INTO incidents (id, topic, title, severity, opened_at, last_activity_at) VALUES (1, 't', 'fire', 'high', 0, 0);
             INSERT INTO incident_items (incident_id, item_id, added_at, added_by) SELECT 1, id, 0, 'user' FROM items WHERE external_id = 'x3';",
        )
        .unwrap();
        Fixture { _dir: dir, conn }
    }

    /// The external numbers of the items `text` selects.
    fn select(fx: &Fixture, text: &str) -> Vec<i64> {
        let pattern = crate::store::pattern::parse(text).unwrap().unwrap();
        let (sql, params) = condition(&pattern, NOW);
        let mut stmt = fx
            .conn
            .prepare(&format!(
                "SELECT CAST(substr(i.external_id, 2) AS INTEGER) FROM items i WHERE {sql} ORDER BY 1"
            ))
            .unwrap();
        let rows = stmt
            .query_map(params_from_iter(params), |r| r.get(0))
            .unwrap();
        rows.collect::<rusqlite::Result<_>>().unwrap()
    }

    #[test]
    fn every_field_selects_its_items() {
        let fx = fixture();
        // The handle or the display name, any case, anywhere in it.
        assert_eq!(select(&fx, "~a ANA"), [1, 4]);
        assert_eq!(select(&fx, "~a lópez"), [1]);
        assert_eq!(select(&fx, "~b cold"), [3, 4]);
        assert_eq!(select(&fx, "~b \"cold brew\""), [3]);
        assert_eq!(select(&fx, "~b refund*"), [1, 4]);
        // The author's name is not the body.
        assert_eq!(select(&fx, "~b ana"), Vec::<i64>::new());
        assert_eq!(select(&fx, "~p forum"), [4, 5, 6]);
        assert_eq!(select(&fx, "~k dm"), [2]);
        assert_eq!(select(&fx, "~k comment"), [3, 4]);
        assert_eq!(select(&fx, "~t bug"), [1, 2, 4]);
        assert_eq!(select(&fx, "~t bug%"), [5]);
        // The CM's label wins over the automatic one.
        assert_eq!(select(&fx, "~s neg"), [1, 4]);
        assert_eq!(select(&fx, "~s neu"), [2]);
        assert_eq!(select(&fx, "~s pos"), [3]);
        assert_eq!(select(&fx, "~s unscored"), [5, 6]);
        assert_eq!(select(&fx, "~l es"), [1, 4]);
        assert_eq!(select(&fx, "~d <2d"), [1, 4]);
        assert_eq!(select(&fx, "~d >5d"), [3, 5]);
        assert_eq!(select(&fx, "~x"), [3]);
        assert_eq!(select(&fx, "~r"), [2]);
        // Needs reply is an open question: a done item owes nothing.
        assert_eq!(select(&fx, "~n"), [1, 2]);
        // The brand's own post is stored done.
        assert_eq!(select(&fx, "~S done"), [3, 6]);
        assert_eq!(select(&fx, "~S new"), [1, 2, 4, 5]);
    }

    #[test]
    fn authors_are_found_by_any_part_folding_case_and_accents_and_follow_renames() {
        let fx = fixture();
        assert_eq!(select(&fx, "~a lopez"), [1]);
        assert_eq!(select(&fx, "~a LÓPEZ"), [1]);
        assert_eq!(select(&fx, "~a na_lo"), [1]);
        assert_eq!(select(&fx, "~a \"n ana\""), [4]);
        // The index follows a new handle or name, and forgets the old one.
        fx.conn
            .execute_batch(
                "UPDATE authors SET display_name = 'Carla Núñez' WHERE handle = '@carla';
                 UPDATE authors SET handle = '@robert' WHERE handle = '@bob';",
            )
            .unwrap();
        assert_eq!(select(&fx, "~a nunez"), [3]);
        assert_eq!(select(&fx, "~a robert"), [2]);
        assert_eq!(select(&fx, "~a @bob"), Vec::<i64>::new());
        // A new author is found at once.
        let chirp: i64 = fx
            .conn
            .query_row(
                "SELECT id FROM accounts WHERE platform = 'chirp'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let mut conn = crate::store::open_rw(&fx._dir.path().join("hark.db")).unwrap();
        let newcomer = Incoming::from(NewItem {
            external_id: "x7".into(),
            kind: ItemKind::Mention,
            parent_external_id: None,
            thread_external_id: None,
            author: NewAuthor {
                external_id: "@zoe".into(),
                handle: "@zoe_q".into(),
                display_name: "Zoë Quinn".into(),
                followers: None,
            },
            body: "hello".into(),
            url: None,
            created_at: NOW,
            raw_json: None,
            room: None,
        });
        ingest::ingest(&mut conn, chirp, &[newcomer], None, NOW).unwrap();
        assert_eq!(select(&fx, "~a \"zoe quinn\""), [7]);
    }

    #[test]
    fn within_a_range_of_ids_every_pattern_selects_what_it_selects_without_it() {
        let fx = fixture();
        let within = |text: &str, ids: Option<(ItemId, ItemId)>| -> Vec<i64> {
            let pattern = crate::store::pattern::parse(text).unwrap().unwrap();
            let (sql, mut params) =
                condition_within(&pattern, NOW, Side::Pattern, Side::Pattern, ids);
            params.extend([Value::Integer(2), Value::Integer(4)]);
            let mut stmt = fx
                .conn
                .prepare(&format!(
                    "SELECT CAST(substr(i.external_id, 2) AS INTEGER) FROM items i
                     WHERE {sql} AND i.id BETWEEN ? AND ? ORDER BY 1"
                ))
                .unwrap();
            let rows = stmt
                .query_map(params_from_iter(params), |r| r.get(0))
                .unwrap();
            rows.collect::<rusqlite::Result<_>>().unwrap()
        };
        // Items 2 to 4 read with their sets narrowed to them, and not: the same items,
        // whichever way a set enters the pattern (alone, negated, in an or).
        for text in [
            "~t bug",
            "!~t bug",
            "~b cold",
            "!~b cold",
            "cold | ~t bug",
            "~x",
            "!~x",
            "~t bug ~s neg !refund",
            "~a ana ~b refund*",
        ] {
            let narrowed = within(text, Some((2, 4)));
            assert_eq!(narrowed, within(text, None), "{text}");
        }
        // Told a range the items are not in, the sets are read within it: empty.
        for text in ["~t bug", "~b cold", "cold", "~x"] {
            assert_eq!(within(text, Some((100, 200))), Vec::<i64>::new(), "{text}");
        }
    }

    #[test]
    fn snoozed_items_are_z_and_leave_needs_reply() {
        let mut fx = fixture();
        let id: i64 = fx
            .conn
            .query_row("SELECT id FROM items WHERE external_id = 'x1'", [], |r| {
                r.get(0)
            })
            .unwrap();
        crate::store::snooze::snooze(&mut fx.conn, &[id], NOW + 3600, NOW).unwrap();
        assert_eq!(select(&fx, "~z"), [1]);
        assert_eq!(select(&fx, "~S snoozed"), [1]);
        assert_eq!(select(&fx, "~n"), [2]);
        // It still owes its first reply (the `[sla]` clock runs on): waiting, `~w`.
        assert_eq!(select(&fx, "~w"), [1, 2]);
        assert_eq!(select(&fx, "~t bug !~z"), [2, 4]);
    }

    #[test]
    fn date_ranges_select_whole_utc_days() {
        let fx = fixture();
        let day = |t: i64| {
            jiff::Timestamp::from_second(t)
                .unwrap()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date()
                .to_string()
        };
        // Item 2 is three days old, item 3 ten.
        let range = format!("~d {}..{}", day(NOW - 10 * DAY), day(NOW - 3 * DAY));
        assert_eq!(select(&fx, &range), [2, 3]);
        assert_eq!(select(&fx, &format!("~d {}", day(NOW - 20 * DAY))), [5]);
        assert_eq!(
            select(&fx, &format!("~d ..{}", day(NOW - 10 * DAY))),
            [3, 5]
        );
    }

    #[test]
    fn the_time_range_is_what_every_match_lies_in() {
        let range = |text: &str| time_range(&parse(text).unwrap().unwrap(), NOW);
        assert_eq!(range("~t bug ~d >30d"), (None, Some(NOW - 30 * DAY)));
        assert_eq!(range("~d <2d ~s neg"), (Some(NOW - 2 * DAY + 1), None));
        assert_eq!(
            range("~d >1d ~d >3d ~d <5d"),
            (Some(NOW - 5 * DAY + 1), Some(NOW - 3 * DAY))
        );
        assert_eq!(range("(~d >3d ~t a) | ~d >1d"), (None, Some(NOW - DAY)));
        // A side without a bound, or a negation, bounds nothing.
        assert_eq!(range("~d >3d | ~t a"), (None, None));
        assert_eq!(range("!~d >3d"), (None, None));
        assert_eq!(range("~t bug"), (None, None));
    }

    #[test]
    fn operators_combine_conditions() {
        let fx = fixture();
        assert_eq!(select(&fx, "~t bug ~s neg"), [1, 4]);
        assert_eq!(select(&fx, "~p chirp | ~k post"), [1, 2, 3, 6]);
        assert_eq!(select(&fx, "!~p chirp"), [4, 5, 6]);
        assert_eq!(select(&fx, "~t bug !(~s neg | ~k dm)"), Vec::<i64>::new());
        assert_eq!(select(&fx, "~t bug !~s neg"), [2]);
        assert_eq!(select(&fx, "(~x | ~r) ~p chirp"), [2, 3]);
    }

    #[test]
    fn plain_words_search_the_text_and_author_with_folding() {
        let fx = fixture();
        assert_eq!(select(&fx, "cold"), [3, 4]);
        assert_eq!(select(&fx, "cold brew"), [3]);
        // English stemming: "refunds" and "refund" are one word.
        assert_eq!(select(&fx, "brew | refunds"), [1, 3, 4, 5]);
        assert_eq!(select(&fx, "refund"), [1, 4]);
        assert_eq!(select(&fx, "~b closing"), [2]);
        assert_eq!(select(&fx, "brew !cold"), [5]);
        assert_eq!(select(&fx, "\"cold coffee\""), [4]);
        assert_eq!(select(&fx, "ref*"), [1, 4]);
        // "cafe" finds "café", and the author's name is searched too.
        assert_eq!(select(&fx, "cafe"), [2]);
        assert_eq!(select(&fx, "carla"), [3]);
    }

    #[test]
    fn user_text_is_bound_never_spliced() {
        let fx = fixture();
        for hostile in [
            "~a \"'; DROP TABLE items; --\"",
            "~t \"x' OR '1'='1\"",
            "\"NEAR(a b) OR *\"",
            "~a %",
        ] {
            let pattern = crate::store::pattern::parse(hostile).unwrap().unwrap();
            let (sql, _) = condition(&pattern, NOW);
            assert!(!sql.contains("DROP") && !sql.contains("'1'"), "{sql}");
            assert_eq!(select(&fx, hostile), Vec::<i64>::new(), "{hostile}");
        }
        assert_eq!(select(&fx, "~a %%"), Vec::<i64>::new());
        // `_` is an underscore, not "any character".
        assert_eq!(select(&fx, "~a _"), [1]);
        assert_eq!(select(&fx, "~a 100%"), Vec::<i64>::new());
        assert_eq!(select(&fx, "~b 100"), [2]);
    }

    #[test]
    fn a_limited_list_pages_counts_and_marks_in_time_order() {
        use crate::store::read::{Direction, ListQuery};
        let fx = fixture();
        let reader = crate::store::Reader::open(&fx._dir.path().join("hark.db")).unwrap();
        let external = |ids: Vec<i64>| -> Vec<String> {
            ids.iter()
                .map(|id| {
                    fx.conn
                        .query_row("SELECT external_id FROM items WHERE id = ?", [id], |r| {
                            r.get(0)
                        })
                        .unwrap()
                })
                .collect()
        };
        let query = ListQuery {
            limit: crate::store::pattern::parse("~t bug | ~k dm").unwrap(),
            ..ListQuery::view(crate::store::View::All)
        };
        let rows = reader.page(&query, None, Direction::Older, 10).unwrap();
        assert_eq!(
            external(rows.iter().map(|r| r.id).collect()),
            ["x1", "x4", "x2"]
        );
        assert_eq!(reader.count(&query).unwrap(), 3);
        assert_eq!(
            external(reader.ids(&query, 10).unwrap()),
            ["x1", "x4", "x2"]
        );
        // The second page starts after the first's last row.
        let next = reader
            .page(&query, Some(rows[0].key()), Direction::Older, 10)
            .unwrap();
        assert_eq!(next.len(), 2);
        assert_eq!(reader.count_newer(&query, rows[2].key()).unwrap(), 2);
        // With a search on top.
        let searched = ListQuery {
            search: crate::store::view::fts_query("refund"),
            ..query.clone()
        };
        // `/refund` is a prefix while typing: "refunds" too; a search lists in the view's
        // order, newest first (x1 is half a day old, x4 a day; x4 arrived last).
        assert_eq!(reader.count(&searched).unwrap(), 2);
        assert_eq!(external(reader.ids(&searched, 10).unwrap()), ["x1", "x4"]);
        let page = reader.page(&searched, None, Direction::Older, 10).unwrap();
        assert_eq!(external(page.iter().map(|r| r.id).collect()), ["x1", "x4"]);
        // In the Inbox the done and post items stay out.
        let inbox = ListQuery {
            limit: crate::store::pattern::parse("~p forum").unwrap(),
            ..ListQuery::view(crate::store::View::Inbox)
        };
        assert_eq!(reader.count(&inbox).unwrap(), 2);
    }

    #[test]
    fn assignee_is_a_cm_or_me() {
        let mut fx = fixture();
        let local = crate::store::team::Local {
            me: "Sam".into(),
            members: vec!["ana".into()],
            ..Default::default()
        };
        crate::store::team::set_local(&mut fx.conn, Some(&local)).unwrap();
        let ids = |conn: &Connection, ns: &[i64]| -> Vec<i64> {
            ns.iter()
                .map(|n| {
                    conn.query_row(
                        "SELECT id FROM items WHERE external_id = ?",
                        [format!("x{n}")],
                        |r| r.get(0),
                    )
                    .unwrap()
                })
                .collect()
        };
        let mine = ids(&fx.conn, &[1, 2]);
        let anas = ids(&fx.conn, &[3]);
        crate::store::team::assign(&mut fx.conn, &mine, Some("Sam"), "user", NOW).unwrap();
        crate::store::team::assign(&mut fx.conn, &anas, Some("ana"), "user", NOW).unwrap();
        assert_eq!(select(&fx, "~A me"), [1, 2]);
        assert_eq!(select(&fx, "~A sam"), [1, 2]);
        assert_eq!(select(&fx, "~A ana"), [3]);
        assert_eq!(select(&fx, "!~A me"), [3, 4, 5, 6]);
        assert_eq!(select(&fx, "~A me | ~A ana"), [1, 2, 3]);
        // Help and errors name the field only in team mode.
        assert!(!crate::store::pattern::field_list().contains("~A"));
    }

    #[test]
    fn a_cache_from_before_stemming_keeps_every_item_searchable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hark.db");
        let conn = Connection::open(&path).unwrap();
        // The version just before the stemming migration, wherever later ones put it.
        let stemming = include_str!("../migrations/018_search_stemming.sql");
        let before_stemming = crate::store::migrate::MIGRATIONS
            .iter()
            .position(|m| *m == stemming)
            .unwrap() as i64;
        crate::store::migrate::migrate_to(&conn, &path, before_stemming).unwrap();
        let account = ingest::ensure_account(&conn, "brand", "chirp", "@brand").unwrap();
        // Stored as that version's schema has them (today's ingest writes later columns).
        for n in 0..50 {
            let author: i64 = conn
                .query_row(
                    "INSERT INTO authors (platform, external_id, handle, display_name, first_seen_at)
                     VALUES ('chirp', ?1, ?2, 'Zoë', ?3) RETURNING id",
                    rusqlite::params![format!("u{n}"), format!("@user{n}"), NOW],
                    |r| r.get(0),
                )
                .unwrap();
            let body = format!("order {n}: {}", if n % 2 == 0 { "refunds" } else { "café" });
            conn.execute(
                "INSERT INTO items (account_id, external_id, kind, author_id, body, created_at, fetched_at)
                 VALUES (?1, ?2, 'mention', ?3, ?4, ?5, ?5)",
                rusqlite::params![account, format!("x{n}"), author, body, NOW - n],
            )
            .unwrap();
        }
        let fx = Fixture { _dir: dir, conn };
        assert_eq!(select(&fx, "refund").len(), 0, "no stemming yet");
        crate::store::migrate::migrate(&fx.conn, &path).unwrap();
        assert_eq!(select(&fx, "refund").len(), 25);
        assert_eq!(select(&fx, "cafe").len(), 25);
        assert_eq!(select(&fx, "zoe").len(), 50);
        assert_eq!(select(&fx, "order").len(), 50);
    }

    #[test]
    fn an_oldest_first_list_pages_counts_and_windows_upside_down() {
        use crate::store::read::{Direction, ListQuery, Sort};
        let fx = fixture();
        let reader = crate::store::Reader::open(&fx._dir.path().join("hark.db")).unwrap();
        let external = |rows: &[crate::store::read::ItemRow]| -> Vec<i64> {
            rows.iter()
                .map(|r| {
                    fx.conn
                        .query_row(
                            "SELECT CAST(substr(external_id, 2) AS INTEGER) FROM items WHERE id = ?",
                            [r.id],
                            |row| row.get(0),
                        )
                        .unwrap()
                })
                .collect()
        };
        // Ages: 5 (20d), 3 (10d), 2 (3d), 4 (1d), 1 (12h); 6 is a post, not in All.
        for (limit, search) in [
            (None, None),
            (crate::store::pattern::parse("!~k dm").unwrap(), None),
        ] {
            let query = ListQuery {
                sort: Sort::Oldest,
                limit,
                search,
                ..ListQuery::view(crate::store::View::All)
            };
            let top = reader.page(&query, None, Direction::Older, 2).unwrap();
            assert_eq!(external(&top), [5, 3]);
            let next = reader
                .page(&query, Some(top[1].key()), Direction::Older, 10)
                .unwrap();
            let all: Vec<i64> = external(&top).into_iter().chain(external(&next)).collect();
            let expected: Vec<i64> = if query.limit.is_some() {
                vec![5, 3, 4, 1]
            } else {
                vec![5, 3, 2, 4, 1]
            };
            assert_eq!(all, expected);
            let bottom = reader.page(&query, None, Direction::Newer, 2).unwrap();
            assert_eq!(external(&bottom), expected[expected.len() - 2..]);
            // Before the third row in the list: the two oldest.
            assert_eq!(reader.count_newer(&query, next[0].key()).unwrap(), 2);
            let window = crate::tui::query::load_window(
                &reader,
                &query,
                crate::tui::inbox::list::Anchor::At(next[0].key()),
            )
            .unwrap();
            assert_eq!(external(&window.rows), expected);
            assert_eq!(window.rows[window.focus].id, next[0].id);
        }
        // A search is oldest first too, not in arrival order (chirp's batch came first).
        let query = ListQuery {
            sort: Sort::Oldest,
            search: crate::store::view::fts_query("cold | brew | refund"),
            ..ListQuery::view(crate::store::View::All)
        };
        let rows = reader.page(&query, None, Direction::Older, 10).unwrap();
        assert_eq!(external(&rows), [5, 3, 4, 1]);
    }

    #[test]
    fn a_limited_page_bounded_by_time_is_the_page_of_the_whole_list() {
        use crate::store::read::{Direction, ListQuery, Sort};
        let fx = fixture();
        // 4,500 more items, three a second (a window's end falls among items of its very
        // second): a dm every 150th (too few for a page in the first window), a mention
        // every 7th, a `bug` tag on every 13th (a set of item ids a window narrows).
        fx.conn
            .execute_batch(
                "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 4500)
                 INSERT INTO items (account_id, external_id, kind, author_id, body, created_at, fetched_at)
                 SELECT 1, 'm' || k,
                        CASE WHEN k % 150 = 0 THEN 'dm' WHEN k % 7 = 0 THEN 'mention' ELSE 'comment' END,
                        1, 'filler ' || k, 1700000000 + k / 3, 0 FROM n;
                 INSERT INTO tags (item_id, tag, created_at)
                 SELECT id, 'bug', 0 FROM items
                 WHERE external_id LIKE 'm%' AND CAST(substr(external_id, 2) AS INTEGER) % 13 = 0;",
            )
            .unwrap();
        let reader = crate::store::Reader::open(&fx._dir.path().join("hark.db")).unwrap();
        for (text, sort) in [
            ("~k dm", Sort::Newest),
            ("~k dm", Sort::Oldest),
            ("~k mention", Sort::Newest),
            ("~k mention", Sort::Oldest),
            ("~a ana", Sort::Newest),
            // The walk starts where the `~d` range does.
            ("~k mention ~d >1d", Sort::Newest),
            ("~k mention ~d >1d", Sort::Oldest),
            ("~k comment ~d 2023-11-14..2023-11-14", Sort::Newest),
            ("~k comment ~d 2023-11-14..2023-11-14", Sort::Oldest),
            // Sets of item ids, read within a window's ids: alone, negated, in an or.
            ("~t bug", Sort::Newest),
            ("!~t bug ~k mention", Sort::Oldest),
            ("~b filler ~k dm", Sort::Newest),
            ("filler !~t bug", Sort::Newest),
            ("~t bug | ~k dm", Sort::Oldest),
        ] {
            let query = ListQuery {
                limit: crate::store::pattern::parse(text).unwrap(),
                sort,
                ..ListQuery::view(crate::store::View::All)
            };
            // The whole list, as marking it reads it (no window).
            let all = reader.ids(&query, 10_000).unwrap();
            let mut paged = Vec::new();
            let mut anchor = None;
            loop {
                let rows = reader.page(&query, anchor, Direction::Older, 40).unwrap();
                let Some(last) = rows.last() else { break };
                anchor = Some(last.key());
                paged.extend(rows.iter().map(|r| r.id));
            }
            assert_eq!(paged, all, "{text} {sort:?}");
            // From the bottom up.
            let bottom = reader.page(&query, None, Direction::Newer, 40).unwrap();
            let bottom: Vec<i64> = bottom.iter().map(|r| r.id).collect();
            assert_eq!(
                bottom,
                all[all.len().saturating_sub(40)..],
                "{text} {sort:?}"
            );
        }
    }

    #[test]
    fn a_limit_over_old_items_reads_a_window_of_them_not_every_older_item() {
        use crate::store::read::{Direction, ListQuery};
        let fx = fixture();
        // 20,000 items older than a month, a minute apart, one in 5,000 tagged `rare` (4),
        // and 5,000 of the last days (by the clock: a list's `~d` is read now).
        let now = crate::domain::now();
        fx.conn
            .execute_batch(&format!(
                "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 25000)
                 INSERT INTO items (account_id, external_id, kind, author_id, body, created_at, fetched_at)
                 SELECT 1, 'm' || k, 'comment', 1, 'filler ' || k,
                        CASE WHEN k <= 20000 THEN {old} - k * 60 ELSE {now} - (k - 20000) * 60 END, 0
                 FROM n;
                 INSERT INTO tags (item_id, tag, created_at)
                 SELECT id, 'rare', 0
                 FROM (SELECT id, CAST(substr(external_id, 2) AS INTEGER) AS k FROM items
                       WHERE external_id LIKE 'm%')
                 WHERE k <= 20000 AND k % 5000 = 0;",
                old = now - 31 * DAY,
            ))
            .unwrap();
        let reader = crate::store::Reader::open(&fx._dir.path().join("hark.db")).unwrap();
        let limited = |text: &str| ListQuery {
            limit: crate::store::pattern::parse(text).unwrap(),
            ..ListQuery::view(crate::store::View::All)
        };
        // Too rare for the first window (4,000 items): the rest is found through the tag.
        // The window's extent and its rows, then the tag's 4 items: about 120 thousand VM
        // steps. Bounded by the `~d` leaf instead of the window, the first statement
        // walked all 20,000 older items (about 240 thousand).
        let rare = limited("~t rare ~d >30d");
        let (rows, steps) =
            reader.thousand_steps(|r| r.page(&rare, None, Direction::Older, 40).unwrap());
        assert_eq!(rows.len(), 4);
        assert!(steps < 180, "the page took {steps} thousand steps");
        // A row's place in the list (how many come before it) counts from the row, not
        // from the pattern's start 40 days back.
        let month = limited("~k comment ~d <40d");
        let first = reader.page(&month, None, Direction::Older, 40).unwrap();
        let (place, steps) =
            reader.thousand_steps(|r| r.count_newer(&month, first[9].key()).unwrap());
        assert_eq!(place, 9);
        assert!(steps < 100, "the row's place took {steps} thousand steps");
    }

    #[test]
    fn a_window_ending_among_items_of_one_second_neither_loses_nor_adds_one() {
        use crate::store::read::{Direction, ListQuery};
        let fx = fixture();
        // A backfilled item (the first to arrive: the lowest id but the fixture's) tagged
        // `bug` at second T, then 4,000 items from T on, one a second, newer than the
        // fixture: the newest 4,000 (the first window) end at T, and the backfilled item,
        // at T too, lies outside the window's ids. 39 of the 4,000 are not tagged `bug`,
        // one short of a page.
        fx.conn
            .execute_batch(
                "INSERT INTO items (account_id, external_id, kind, author_id, body, created_at, fetched_at)
                 VALUES (1, 'backfill', 'comment', 1, 'old', 1900000000, 0);
                 WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 4000)
                 INSERT INTO items (account_id, external_id, kind, author_id, body, created_at, fetched_at)
                 SELECT 1, 'm' || k, 'comment', 1, 'filler ' || k, 1900000000 + k - 1, 0 FROM n;
                 INSERT INTO tags (item_id, tag, created_at)
                 SELECT id, 'bug', 0 FROM items
                 WHERE external_id = 'backfill'
                    OR (external_id LIKE 'm%' AND NOT (CAST(substr(external_id, 2) AS INTEGER) % 100 = 50
                                                       AND CAST(substr(external_id, 2) AS INTEGER) < 3900));",
            )
            .unwrap();
        let reader = crate::store::Reader::open(&fx._dir.path().join("hark.db")).unwrap();
        for text in ["!~t bug", "~t bug"] {
            let query = ListQuery {
                limit: crate::store::pattern::parse(text).unwrap(),
                ..ListQuery::view(crate::store::View::All)
            };
            let page = reader.page(&query, None, Direction::Older, 40).unwrap();
            let page: Vec<i64> = page.iter().map(|r| r.id).collect();
            let all = reader.ids(&query, 40).unwrap();
            // Walked to T's second, the backfilled item was read against sets cut to the
            // window's ids: "not tagged", one row too many for `!~t bug`.
            assert_eq!(page, all, "{text}");
        }
    }

    #[test]
    fn the_done_view_pages_its_items_without_reading_the_brands_posts() {
        use crate::store::read::{Direction, ListQuery};
        let fx = fixture();
        // The brand's 10,000 posts (stored done) are newer than the 100 done comments.
        fx.conn
            .execute_batch(
                "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 10100)
                 INSERT INTO items (account_id, external_id, kind, author_id, body, created_at,
                                    fetched_at, state)
                 SELECT 1, 'm' || k, CASE WHEN k <= 100 THEN 'comment' ELSE 'post' END, 1,
                        'filler ' || k, 1700000000 + k, 0, 'done' FROM n;",
            )
            .unwrap();
        let reader = crate::store::Reader::open(&fx._dir.path().join("hark.db")).unwrap();
        let done = ListQuery::view(crate::store::View::Done);
        let (rows, steps) =
            reader.thousand_steps(|r| r.page(&done, None, Direction::Older, 40).unwrap());
        assert_eq!(rows.len(), 40);
        assert!(rows.iter().all(|r| r.kind != crate::domain::ItemKind::Post));
        // Through the state index it read past every post (about 55 thousand VM steps).
        assert!(steps < 10, "the page took {steps} thousand steps");
    }

    #[test]
    fn a_search_pages_counts_and_marks_in_the_views_order_whatever_order_items_arrived() {
        use crate::store::read::{Direction, ListQuery, PageKey, Sort};
        let fx = fixture();
        // 6,000 items whose arrival order is not their time order (a backfill), half of
        // them coffee, one in 400 "rare"; some in the Inbox, some done.
        fx.conn
            .execute_batch(
                "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 6000)
                 INSERT INTO items (account_id, external_id, kind, author_id, body, created_at, fetched_at, state)
                 SELECT 1, 'm' || k, 'comment', 1,
                        CASE WHEN k % 400 = 1 THEN 'rare coffee ' ELSE '' END
                          || CASE WHEN k % 2 = 0 THEN 'coffee ' || k ELSE 'tea ' || k END,
                        1700000000 + (k * 7919) % 6000 / 3, 0,
                        CASE WHEN k % 5 = 0 THEN 'done' ELSE 'new' END FROM n;",
            )
            .unwrap();
        let reader = crate::store::Reader::open(&fx._dir.path().join("hark.db")).unwrap();
        for (view, words, sort) in [
            (crate::store::View::All, "coffee", Sort::Newest),
            (crate::store::View::All, "coffee", Sort::Oldest),
            (crate::store::View::Inbox, "co", Sort::Newest),
            (crate::store::View::All, "rare", Sort::Newest),
            (crate::store::View::Inbox, "rare", Sort::Oldest),
        ] {
            let query = ListQuery {
                search: crate::store::view::fts_query(words),
                sort,
                ..ListQuery::view(view.clone())
            };
            // What the list must be: every match by (time, id).
            let mut expected: Vec<(i64, i64)> = {
                let (sql, params) = view.condition();
                let mut stmt = fx
                    .conn
                    .prepare(&format!(
                        "SELECT i.created_at, i.id FROM items i WHERE {sql}
                         AND i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)"
                    ))
                    .unwrap();
                let mut all = params;
                all.push(Value::Text(query.search.clone().unwrap()));
                stmt.query_map(rusqlite::params_from_iter(all), |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
            };
            expected.sort();
            if sort == Sort::Newest {
                expected.reverse();
            }
            let expected: Vec<i64> = expected.into_iter().map(|(_, id)| id).collect();
            assert!(!expected.is_empty(), "{words}");
            assert_eq!(
                reader.ids(&query, 10_000).unwrap(),
                expected,
                "{words} {sort:?}"
            );
            let mut paged = Vec::new();
            let mut anchor: Option<PageKey> = None;
            loop {
                let rows = reader.page(&query, anchor, Direction::Older, 40).unwrap();
                let Some(last) = rows.last() else { break };
                anchor = Some(last.key());
                paged.extend(rows.iter().map(|r| r.id));
            }
            assert_eq!(paged, expected, "{view:?} {words} {sort:?}");
            let bottom = reader.page(&query, None, Direction::Newer, 40).unwrap();
            let bottom: Vec<i64> = bottom.iter().map(|r| r.id).collect();
            assert_eq!(bottom, expected[expected.len().saturating_sub(40)..]);
            // What lies above the tenth row, as a window deep in the list counts it.
            if expected.len() > 10 {
                let tenth = reader
                    .page(&query, None, Direction::Older, 10)
                    .unwrap()
                    .pop()
                    .unwrap();
                assert_eq!(reader.count_newer(&query, tenth.key()).unwrap(), 9);
            }
        }
    }

    #[test]
    fn sla_due_first_pages_counts_and_marks_the_waiting_items_oldest_first_then_the_rest() {
        use crate::store::read::{Direction, ListQuery, PageKey, Sort};
        let fx = fixture();
        // 3,000 items: two in three wait for a reply, some of those already done or
        // replied (they wait for nothing) and some snoozed (they still owe it), times
        // shuffled against arrival.
        fx.conn
            .execute_batch(
                "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 3000)
                 INSERT INTO items (account_id, external_id, kind, author_id, body, created_at,
                                    fetched_at, state, needs_reply)
                 SELECT 1, 'm' || k, CASE WHEN k % 4 = 0 THEN 'dm' ELSE 'comment' END, 1,
                        'filler ' || k, 1700000000 + (k * 7919) % 3000 / 2, 0,
                        CASE k % 7 WHEN 0 THEN 'done' WHEN 1 THEN 'replied' WHEN 2 THEN 'open'
                                   WHEN 3 THEN 'snoozed' ELSE 'new' END,
                        k % 3 != 0 FROM n;",
            )
            .unwrap();
        let reader = crate::store::Reader::open(&fx._dir.path().join("hark.db")).unwrap();
        for (view, limit) in [
            (crate::store::View::Inbox, None),
            (crate::store::View::All, None),
            (crate::store::View::All, Some("~k dm")),
            (crate::store::View::NeedsReply, None),
            (crate::store::View::Snoozed, None),
        ] {
            let query = ListQuery {
                sort: Sort::SlaDue,
                limit: limit.and_then(|l| crate::store::pattern::parse(l).unwrap()),
                ..ListQuery::view(view.clone())
            };
            // What the list must be.
            let (sql, params) = query_condition(&query);
            let mut stmt = fx
                .conn
                .prepare(&format!(
                    "SELECT i.id, i.needs_reply = 1 AND i.state IN ('new', 'open', 'snoozed'),
                            i.created_at
                     FROM items i WHERE {sql}"
                ))
                .unwrap();
            let mut all: Vec<(i64, bool, i64)> = stmt
                .query_map(rusqlite::params_from_iter(params), |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            all.sort_by_key(
                |&(id, waiting, at)| {
                    if waiting {
                        (0, at, id)
                    } else {
                        (1, -at, -id)
                    }
                },
            );
            let expected: Vec<i64> = all.iter().map(|r| r.0).collect();
            let waiting = all.iter().filter(|r| r.1).count();
            assert!(
                (waiting > 40 && expected.len() > waiting)
                    || view == crate::store::View::NeedsReply
            );
            let mut paged = Vec::new();
            let mut anchor: Option<PageKey> = None;
            loop {
                let rows = reader.page(&query, anchor, Direction::Older, 40).unwrap();
                let Some(last) = rows.last() else { break };
                anchor = Some(last.key());
                paged.extend(rows.iter().map(|r| r.id));
            }
            assert_eq!(paged, expected, "{view:?} {limit:?}");
            assert_eq!(reader.ids(&query, 10_000).unwrap(), expected);
            // From the bottom up, across the seam between the two parts.
            let mut up = Vec::new();
            let mut anchor: Option<PageKey> = None;
            loop {
                let rows = reader.page(&query, anchor, Direction::Newer, 40).unwrap();
                let Some(first) = rows.first() else { break };
                anchor = Some(first.key());
                up.splice(0..0, rows.iter().map(|r| r.id));
            }
            assert_eq!(up, expected, "{view:?} {limit:?} upwards");
            // What lies above a row of each part, as a window deep in the list counts it.
            let top = reader.page(&query, None, Direction::Older, 10_000).unwrap();
            for at in [5, waiting.saturating_sub(1), waiting, waiting + 7] {
                if let Some(row) = top.get(at) {
                    assert_eq!(reader.count_newer(&query, row.key()).unwrap(), at as u64);
                    let window = crate::tui::query::load_window(
                        &reader,
                        &query,
                        crate::tui::inbox::list::Anchor::At(row.key()),
                    )
                    .unwrap();
                    assert_eq!(window.rows[window.focus].id, row.id, "{view:?} at {at}");
                    assert_eq!(window.offset + window.focus, at);
                }
            }
        }
    }

    /// The list condition of `query`, as the reader builds it.
    fn query_condition(query: &crate::store::read::ListQuery) -> (String, Vec<Value>) {
        let (view_sql, mut params) = query.view.condition();
        match &query.limit {
            None => (view_sql.to_string(), params),
            Some(pattern) => {
                let (sql, more) = condition(pattern, crate::domain::now());
                params.extend(more);
                (format!("{view_sql} AND {sql}"), params)
            }
        }
    }

    #[test]
    fn a_count_cut_by_its_budget_says_at_least_and_the_full_count_follows() {
        use crate::store::budget::Budget;
        use crate::store::read::{Count, ListQuery};
        let fx = fixture();
        fx.conn
            .execute_batch(
                "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 3000)
                 INSERT INTO items (account_id, external_id, kind, author_id, body, created_at, fetched_at)
                 SELECT 1, 'm' || k, CASE WHEN k % 3 = 0 THEN 'dm' ELSE 'comment' END,
                        1, 'filler coffee ' || k, 1700000000 + k, 0 FROM n;",
            )
            .unwrap();
        let reader = crate::store::Reader::open(&fx._dir.path().join("hark.db")).unwrap();
        let limited = ListQuery {
            limit: crate::store::pattern::parse("~k comment").unwrap(),
            ..ListQuery::view(crate::store::View::All)
        };
        let searched = ListQuery {
            search: crate::store::view::fts_query("coffee"),
            ..ListQuery::view(crate::store::View::All)
        };
        let in_inbox = ListQuery {
            view: crate::store::View::Inbox,
            ..searched.clone()
        };
        for query in [&limited, &searched, &in_inbox] {
            let full = reader.count(query).unwrap();
            assert!(full > 1_000, "{query:?}");
            let cut = reader.count_within(query, Budget::Steps(2)).unwrap();
            assert!(!cut.complete && cut.n < full, "{cut:?} of {full}");
            let whole = reader
                .count_within(query, Budget::Steps(1_000_000))
                .unwrap();
            assert_eq!(
                whole,
                Count {
                    n: full,
                    complete: true
                }
            );
            // The interruption is over: the next count is whole.
            assert_eq!(reader.count(query).unwrap(), full);
        }
        // A view's count comes from its counts table and is never cut.
        let view = ListQuery::view(crate::store::View::All);
        assert!(
            reader
                .count_within(&view, Budget::Steps(0))
                .unwrap()
                .complete
        );
    }

    #[test]
    fn a_views_order_is_kept() {
        let fx = fixture();
        crate::store::view_sort::set(&fx.conn, "needs-reply", "oldest").unwrap();
        crate::store::view_sort::set(&fx.conn, "needs-reply", "newest").unwrap();
        crate::store::view_sort::set(&fx.conn, "Angry bugs", "oldest").unwrap();
        let all = crate::store::view_sort::all(&fx.conn).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all["needs-reply"], "newest");
        assert_eq!(all["Angry bugs"], "oldest");
    }

    #[test]
    fn the_bench_rebuilds_the_index_both_ways_without_losing_an_item() {
        let mut fx = fixture();
        for (stemming, prefix) in [(false, false), (true, false), (true, true), (true, true)] {
            assert_eq!(
                crate::store::bench::rebuild_search_index(&mut fx.conn, stemming, prefix).unwrap(),
                6
            );
            assert_eq!(select(&fx, "refund").len(), if stemming { 2 } else { 1 });
            assert_eq!(
                crate::store::bench::has_prefix_index(&fx.conn).unwrap(),
                prefix
            );
            // A short prefix finds the same items with its index or without.
            assert_eq!(select(&fx, "co*"), [3, 4], "{stemming} {prefix}");
        }
        assert!(crate::store::bench::used_bytes(&fx.conn).unwrap() > 0);
    }
}

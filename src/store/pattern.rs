//! Limit patterns as SQL: every `~x` field is one row of [`FIELDS`] (its letter, what it
//! takes and its condition on `items i`), and [`condition`] turns a parsed
//! [`Pattern`] into one WHERE fragment whose every user value is a bound parameter.

use rusqlite::types::Value;

use crate::domain::UnixTime;
use crate::pattern::{Arg, FieldValue, Pattern, Term};

/// One `~x` field.
#[derive(Debug)]
pub struct Field {
    pub key: char,
    pub name: &'static str,
    pub arg: Arg,
    /// What the value is, for errors and help ("a tag").
    pub help: &'static str,
    pub example: &'static str,
    /// The condition on `items i`; each `?` takes the value (a time range takes two).
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
    f('d', "date", Arg::Time, "age or days", "<2d",
      "i.created_at >= ? AND i.created_at < ?"),
    f('x', "escalated", Arg::Flag, "", "",
      "i.id IN (SELECT x.item_id FROM incident_items x JOIN incidents n ON n.id = x.incident_id WHERE n.resolved_at IS NULL)"),
    f('r', "replied", Arg::Flag, "", "",
      "(i.first_response_at IS NOT NULL OR i.state = 'replied')"),
    f('n', "needs-reply", Arg::Flag, "", "",
      "(i.needs_reply = 1 AND i.state IN ('new', 'open'))"),
    f('S', "state", Arg::OneOf(STATES), "new|open|replied|done|hidden|deleted", "open",
      "i.state = ?"),
];

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
    let mut params = Vec::new();
    let sql = build(pattern, now, &mut params);
    (sql, params)
}

fn build(pattern: &Pattern, now: UnixTime, params: &mut Vec<Value>) -> String {
    let join = |parts: &[Pattern], op: &str, params: &mut Vec<Value>| {
        let parts: Vec<String> = parts.iter().map(|p| build(p, now, params)).collect();
        format!("({})", parts.join(op))
    };
    match pattern {
        Pattern::And(parts) => join(parts, " AND ", params),
        Pattern::Or(parts) => join(parts, " OR ", params),
        Pattern::Not(inner) => format!("NOT {}", build(inner, now, params)),
        Pattern::Text(terms) => {
            params.push(Value::Text(fts_terms(terms)));
            "i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)".into()
        }
        Pattern::Field { field, value } => {
            let spec = by_name(field);
            let values: Vec<Value> = match value {
                FieldValue::None => vec![],
                FieldValue::Text(text) => match spec.arg {
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
                FieldValue::Time(spec) => {
                    let (from, until) = spec.bounds(now);
                    vec![
                        Value::Integer(from.unwrap_or(i64::MIN)),
                        Value::Integer(until.unwrap_or(i64::MAX)),
                    ]
                }
            };
            let slots = spec.sql.matches('?').count();
            // One value fills every slot (author: handle or name); a range fills its two.
            if values.len() == slots {
                params.extend(values);
            } else if let [only] = values.as_slice() {
                params.extend(std::iter::repeat_n(only.clone(), slots));
            }
            format!("({})", spec.sql)
        }
    }
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
mod tests;

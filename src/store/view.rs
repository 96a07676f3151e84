//! The inbox's views (the sidebar) and how each one selects items.
//!
//! A view is a fixed SQL condition plus bound parameters, never SQL built from user text.

use rusqlite::types::Value;

/// The condition on `items i` for snoozed items: the Snoozed view, and `~z` in limit
/// patterns.
pub const SNOOZED: &str = "i.state = 'snoozed'";

/// One list of items the CM can switch to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum View {
    /// Everything still to triage: new and open.
    Inbox,
    /// New and open items that owe the brand an answer.
    NeedsReply,
    /// Items with an open escalation.
    Escalated,
    Done,
    /// Snoozed items, waiting for their time (`z`).
    Snoozed,
    /// Every item, including moderated ones.
    All,
    /// The inbox of one platform.
    Platform(String),
    /// Items with one tag, in any state.
    Tag(String),
    /// The items of one incident (`:view incident:N`).
    Incident(i64),
    /// A saved view of the config (`[[view]]`): All narrowed by its query, which the
    /// list query carries as its limit.
    Saved(String),
    /// The brand's own posts, with their reply counts: reactions, and deleting one.
    Posts,
    /// Every item from one person (`p`): all the author identities linked to them.
    Author {
        person: i64,
        name: String,
    },
    /// Team mode: new and open items assigned to this CM.
    Mine,
    /// Team mode: new and open items that need a reply and that no one is assigned.
    Unassigned,
    /// Team mode: items with a destructive action waiting for a moderator.
    Approvals,
}

impl View {
    /// The views team mode adds, after Needs reply in the sidebar.
    pub const TEAM: [View; 3] = [View::Mine, View::Unassigned, View::Approvals];

    /// The views every workspace has, in sidebar order.
    pub const FIXED: [View; 7] = [
        View::Inbox,
        View::NeedsReply,
        View::Escalated,
        View::Snoozed,
        View::Done,
        View::All,
        View::Posts,
    ];

    pub fn title(&self) -> String {
        match self {
            View::Inbox => "Inbox".into(),
            View::NeedsReply => "Needs reply".into(),
            View::Escalated => "Escalated".into(),
            View::Done => "Done".into(),
            View::Snoozed => "Snoozed".into(),
            View::Posts => "Our posts".into(),
            View::All => "All".into(),
            View::Platform(p) => p.clone(),
            View::Tag(t) => format!("#{t}"),
            View::Incident(id) => format!("incident #{id}"),
            View::Saved(name) => name.clone(),
            View::Author { name, .. } => format!("{} · every item", crate::sanitize::handle(name)),
            View::Mine => "Mine".into(),
            View::Unassigned => "Unassigned".into(),
            View::Approvals => "Approvals".into(),
        }
    }

    /// Parses the name used on the `:view` command line.
    pub fn parse(name: &str) -> Option<View> {
        let lower = name.trim().to_lowercase();
        Some(match lower.as_str() {
            "inbox" => View::Inbox,
            "needs-reply" | "needsreply" | "reply" => View::NeedsReply,
            "escalated" => View::Escalated,
            "done" => View::Done,
            "snoozed" => View::Snoozed,
            "posts" => View::Posts,
            "all" => View::All,
            _ => {
                if let Some(tag) = lower.strip_prefix('#') {
                    View::Tag(tag.to_string())
                } else if let Some(platform) = lower.strip_prefix("platform:") {
                    View::Platform(platform.to_string())
                } else if let Some(id) = lower.strip_prefix("incident:") {
                    View::Incident(id.trim_start_matches('#').parse().ok()?)
                } else {
                    return None;
                }
            }
        })
    }

    /// The condition on `items i` that selects this view, with its parameters.
    pub(crate) fn condition(&self) -> (&'static str, Vec<Value>) {
        match self {
            View::Inbox => ("i.state IN ('new', 'open') AND i.kind != 'post'", vec![]),
            View::NeedsReply => ("i.state IN ('new', 'open') AND i.needs_reply = 1", vec![]),
            View::Escalated => (
                "i.id IN (SELECT x.item_id FROM incident_items x
                    JOIN incidents n ON n.id = x.incident_id WHERE n.resolved_at IS NULL)",
                vec![],
            ),
            View::Incident(id) => (
                "i.id IN (SELECT item_id FROM incident_items WHERE incident_id = ?)",
                vec![Value::Integer(*id)],
            ),
            View::Done => ("i.state = 'done' AND i.kind != 'post'", vec![]),
            View::Snoozed => (SNOOZED, vec![]),
            View::Posts => ("i.kind = 'post'", vec![]),
            View::All | View::Saved(_) => ("i.kind != 'post'", vec![]),
            View::Platform(p) => (
                "i.state IN ('new', 'open') AND i.kind != 'post' \
                 AND i.account_id IN (SELECT id FROM accounts WHERE platform = ?)",
                vec![Value::Text(p.clone())],
            ),
            View::Tag(t) => (
                "i.id IN (SELECT item_id FROM tags WHERE tag = ?)",
                vec![Value::Text(t.clone())],
            ),
            View::Mine => (
                "i.state IN ('new', 'open') AND i.kind != 'post'
                 AND i.assignee = (SELECT name FROM team_self)",
                vec![],
            ),
            View::Unassigned => (
                "i.state IN ('new', 'open') AND i.needs_reply = 1 AND i.assignee IS NULL",
                vec![],
            ),
            View::Approvals => (
                "i.id IN (SELECT item_id FROM approvals WHERE state = 'pending')",
                vec![],
            ),
            View::Author { person, .. } => (
                "i.kind != 'post' AND (i.author_id = ? OR i.author_id IN
                    (SELECT author_id FROM author_links WHERE person = ?))",
                vec![Value::Integer(*person), Value::Integer(*person)],
            ),
        }
    }
}

impl View {
    /// The same selection as `View::Tag(tag)`, written so SQLite walks the items in time
    /// order and checks each for the tag, rather than sorting every tagged item.
    pub(crate) fn dense_tag_condition(tag: &str) -> (&'static str, Vec<Value>) {
        (
            "EXISTS (SELECT 1 FROM tags t WHERE t.item_id = i.id AND t.tag = ?)",
            vec![Value::Text(tag.to_string())],
        )
    }

    /// The index a page of this view walks in time order (`INDEXED BY ...`), where
    /// SQLite would otherwise pick the state index and sort every match for each page.
    pub(crate) fn time_index(&self) -> &'static str {
        match self {
            View::Inbox | View::NeedsReply | View::Unassigned | View::Platform(_) => {
                "INDEXED BY items_open_by_time"
            }
            View::Done => "INDEXED BY items_done_by_time",
            View::Escalated
            | View::Snoozed
            | View::All
            | View::Tag(_)
            | View::Incident(_)
            | View::Posts
            | View::Author { .. }
            | View::Mine
            | View::Approvals
            | View::Saved(_) => "",
        }
    }

    /// The index a bounded walk in time order takes for this view, with the condition
    /// that index needs (a partial index is used only under its own condition).
    pub(crate) fn time_walk(&self) -> (&'static str, &'static str) {
        match self {
            View::Inbox | View::NeedsReply | View::Platform(_) => {
                ("items_open_by_time", "i.state IN ('new', 'open')")
            }
            View::Done => (
                "items_done_by_time",
                "i.state = 'done' AND i.kind != 'post'",
            ),
            _ => ("items_by_time", "1"),
        }
    }

    /// A query that counts this view from the counts tables (`item_counts`, kept by
    /// triggers per account, state and kind; `tag_counts`, per tag) instead of the items,
    /// with its parameters; `None` for views that need the items themselves.
    pub(crate) fn count_query(&self) -> Option<(&'static str, Vec<Value>)> {
        Some(match self {
            View::Inbox => (
                "SELECT coalesce(sum(c.n), 0) FROM item_counts c
                 WHERE c.state IN ('new', 'open') AND c.kind != 'post'",
                vec![],
            ),
            View::NeedsReply => (
                "SELECT coalesce(sum(c.n), 0) FROM item_counts c
                 WHERE c.state IN ('new', 'open') AND c.needs_reply = 1",
                vec![],
            ),
            View::Done => (
                "SELECT coalesce(sum(c.n), 0) FROM item_counts c
                 WHERE c.state = 'done' AND c.kind != 'post'",
                vec![],
            ),
            View::Snoozed => (
                "SELECT coalesce(sum(c.n), 0) FROM item_counts c WHERE c.state = 'snoozed'",
                vec![],
            ),
            View::Posts => (
                "SELECT coalesce(sum(c.n), 0) FROM item_counts c WHERE c.kind = 'post'",
                vec![],
            ),
            View::All => (
                "SELECT coalesce(sum(c.n), 0) FROM item_counts c WHERE c.kind != 'post'",
                vec![],
            ),
            View::Platform(p) => (
                "SELECT coalesce(sum(c.n), 0) FROM item_counts c
                 WHERE c.state IN ('new', 'open') AND c.kind != 'post'
                   AND c.account_id IN (SELECT id FROM accounts WHERE platform = ?)",
                vec![Value::Text(p.clone())],
            ),
            // A tag row always has its item (the foreign key cascades deletes), and an
            // item has a tag at most once, so the tag's row count is the view's.
            View::Tag(t) => (
                "SELECT coalesce((SELECT n FROM tag_counts WHERE tag = ?), 0)",
                vec![Value::Text(t.clone())],
            ),
            View::Escalated
            | View::Incident(_)
            | View::Saved(_)
            | View::Author { .. }
            | View::Mine
            | View::Unassigned
            | View::Approvals => return None,
        })
    }
}

/// Turns what the CM typed after `/` into an FTS5 query: words all present, `|` or, `!`
/// not, `"phrases"`, `word*` prefixes; the last word matches as a prefix so results come
/// while typing. What is not a search (a `~` field, a lone `!`, a bad quote) falls back
/// to every word quoted: it can never be an FTS5 syntax error.
pub fn fts_query(input: &str) -> Option<String> {
    search_query(input).unwrap_or_else(|_| quoted_words(input))
}

/// [`fts_query`], or why `input` is not a search (for the prompt).
pub fn search_query(input: &str) -> Result<Option<String>, String> {
    use crate::store::pattern::{parse, Pattern};
    let Some(mut pattern) = parse(input).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    // The word being typed is a prefix; a closed phrase or group is not.
    if input.trim_end().ends_with(|c: char| c.is_alphanumeric()) {
        let mut last = &mut pattern;
        loop {
            match last {
                Pattern::And(parts) | Pattern::Or(parts) => match parts.last_mut() {
                    Some(p) => last = p,
                    None => break,
                },
                Pattern::Not(inner) => last = inner,
                Pattern::Text(terms) => {
                    if let Some(term) = terms.last_mut() {
                        term.prefix = true;
                    }
                    break;
                }
                Pattern::Field { .. } => break,
            }
        }
    }
    fts_of(&pattern).map(Some)
}

fn fts_of(pattern: &crate::store::pattern::Pattern) -> Result<String, String> {
    use crate::store::pattern::Pattern;
    let keep = "a search needs a word to keep besides what it leaves out (`refund !late`)";
    Ok(match pattern {
        Pattern::Text(terms) => terms.iter().map(|t| t.fts()).collect::<Vec<_>>().join(" "),
        Pattern::Or(parts) => parts
            .iter()
            .map(|p| fts_of(p).map(|q| format!("({q})")))
            .collect::<Result<Vec<_>, _>>()?
            .join(" OR "),
        Pattern::And(parts) => {
            let (without, with): (Vec<&Pattern>, Vec<&Pattern>) =
                parts.iter().partition(|p| matches!(p, Pattern::Not(_)));
            if with.is_empty() {
                return Err(keep.into());
            }
            let mut query = with
                .iter()
                .map(|p| fts_of(p).map(|q| format!("({q})")))
                .collect::<Result<Vec<_>, _>>()?
                .join(" AND ");
            for not in without {
                if let Pattern::Not(inner) = not {
                    query = format!("{query} NOT ({})", fts_of(inner)?);
                }
            }
            query
        }
        Pattern::Not(_) => return Err(keep.into()),
        Pattern::Field { field, .. } => {
            return Err(format!(
                "`{field}` is a limit field: press l to limit by it, / searches words"
            ))
        }
    })
}

/// Every word quoted, the last one a prefix.
fn quoted_words(input: &str) -> Option<String> {
    let words: Vec<String> = input
        .split_whitespace()
        .map(|w| w.replace('"', ""))
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return None;
    }
    let last = words.len() - 1;
    Some(
        words
            .iter()
            .enumerate()
            .map(|(n, w)| {
                if n == last {
                    format!("\"{w}\"*")
                } else {
                    format!("\"{w}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_input_is_quoted_so_operators_are_plain_words() {
        assert_eq!(fts_query("refund NOT"), Some("\"refund\" \"NOT\"*".into()));
        assert_eq!(fts_query("NEAR(a b)"), Some("\"NEAR\" \"a\" \"b\"".into()));
        assert_eq!(fts_query("   "), None);
    }

    #[test]
    fn search_has_or_not_phrases_and_prefixes() {
        let q = |s: &str| search_query(s).unwrap().unwrap();
        assert_eq!(q("say \"hi there\""), "\"say\" \"hi there\"");
        assert_eq!(q("refund | return"), "(\"refund\") OR (\"return\"*)");
        assert_eq!(q("refund !late"), "(\"refund\") NOT (\"late\"*)");
        assert_eq!(q("caf* latte"), "\"caf\"* \"latte\"*");
        assert_eq!(
            q("(refund | return) !\"gift card\""),
            "((\"refund\") OR (\"return\")) NOT (\"gift card\")"
        );
        // What cannot be a search is said, and still searched as plain words.
        assert!(search_query("!late").unwrap_err().contains("word to keep"));
        assert!(search_query("~t bug").unwrap_err().contains("press l"));
        assert!(search_query("say \"hi").is_err());
        assert_eq!(fts_query("say \"hi"), Some("\"say\" \"hi\"*".into()));
        assert_eq!(fts_query("!late"), Some("\"!late\"*".into()));
    }

    #[test]
    fn view_names_parse() {
        assert_eq!(View::parse("Needs-Reply"), Some(View::NeedsReply));
        assert_eq!(View::parse("#bug"), Some(View::Tag("bug".into())));
        assert_eq!(
            View::parse("platform:chirp"),
            Some(View::Platform("chirp".into()))
        );
        assert_eq!(View::parse("nope"), None);
    }
}

//! The item under the cursor: who wrote it, the thread above it, the full text, the
//! replies below it and the author panel.

use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::sanitize::{handle, inert, inert_line, truncate_to_width, width};
use crate::store::read::{ItemDetail, ThreadEntry};
use crate::threads::ThreadNews;
use crate::tui::format::{age, ago, thousands};
use crate::tui::model::{Focus, Model};

/// The most characters of a body the pane lays out; the store keeps it whole.
const BODY_DISPLAY_CHARS: usize = 20_000;

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let block = crate::tui::pane::frame(" Item ".into(), model.focus == Focus::Detail);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = match &model.detail.item {
        Some(item) => {
            let status = thread_status(model, item.row.id);
            let mut lines = item_lines(item, model.now, inner.width as usize, status);
            if model.detail.show_explanation {
                lines.insert(2, explanation_line(&model.detail.explanation));
            }
            // Snoozed: when it comes back, in the workspace's time zone.
            if let Some(until) = item.row.marks.snoozed_until {
                let at = crate::snooze::show(until, &model.snooze.tz);
                lines.insert(
                    2.min(lines.len()),
                    Line::from(format!(
                        "zz snoozed until {at} · back as new then · u undoes"
                    ))
                    .fg(Color::Blue),
                );
            }
            // Team mode: who has it.
            if let Some(cm) = &item.row.marks.assignee {
                let key = model.keymap.key(
                    crate::tui::keymap::Layer::Inbox,
                    crate::tui::keymap::Action::Assign,
                );
                lines.insert(
                    2.min(lines.len()),
                    Line::from(format!(
                        "→ assigned to {} · {key} reassigns",
                        inert_line(cm)
                    ))
                    .fg(Color::Cyan),
                );
            }
            // Team mode: who else is on it, right under the header.
            if let Some(line) = crate::tui::presence::item_line(model, item.row.id) {
                lines.insert(1.min(lines.len()), line);
            }
            lines.extend(crate::tui::moderation::view::detail_lines(model));
            lines
        }
        None => vec![Line::from("no item selected").dim().italic()],
    };
    // The item's draft and sends, right under its text.
    if let (Some(item), Some((id, outbox))) = (&model.detail.item, &model.outbox.item) {
        if item.row.id == *id {
            let extra =
                crate::tui::outbox::view::item_lines(outbox, model.now, inner.width as usize);
            let at = lines.len().saturating_sub(2).max(1).min(lines.len());
            lines.splice(at..at, extra);
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((model.detail.scroll, 0)),
        inner,
    );
}

/// How fetching the opened item's conversation goes, when it is under way or failed.
fn thread_status(model: &Model, item_id: crate::domain::ItemId) -> Option<Line<'static>> {
    match model.detail.thread.as_ref()? {
        ThreadNews::Fetching(id) if *id == item_id => Some(
            Line::from("⟳ fetching the conversation from the platform…")
                .dim()
                .italic(),
        ),
        ThreadNews::Failed { item_id: id, error } if *id == item_id => Some(
            Line::from(format!(
                "conversation not refreshed ({}); showing what is stored",
                inert_line(error)
            ))
            .fg(Color::Yellow),
        ),
        _ => None,
    }
}

fn item_lines(
    item: &ItemDetail,
    now: i64,
    width: usize,
    thread_status: Option<Line<'static>>,
) -> Vec<Line<'static>> {
    let row = &item.row;
    let mut lines = Vec::new();
    // No display name set: the handle alone names the author.
    let mut header = match item.author.display_name.trim() {
        "" => Vec::new(),
        name => vec![Span::raw(inert_line(name)).bold(), Span::raw(" ")],
    };
    header.extend([
        Span::raw(handle(&item.author.handle)).cyan(),
        Span::raw(format!(
            " · {} {} · {} · {}",
            inert_line(&row.platform),
            row.kind,
            ago(now, row.created_at),
            row.state
        ))
        .dim(),
    ]);
    if item.edited_at.is_some() {
        header.push(Span::raw(" · edited").dim().italic());
    }
    if item.filtered {
        header.push(
            Span::raw(" · filtered by the platform (m: accept / dismiss)")
                .fg(Color::Yellow)
                .bold(),
        );
    }
    lines.push(Line::from(header));
    lines.push(sentiment_line(item));
    if let Some(url) = &item.url {
        lines.push(Line::from(inert_line(url)).fg(Color::Blue).underlined());
    }
    lines.extend(truth_lines(row));
    lines.extend(thread_status);
    for entry in &item.ancestors {
        lines.push(thread_line("↑ ", entry, now, width));
    }
    lines.push(Line::default());
    let body = inert(&item.body);
    let shown: String = body.chars().take(BODY_DISPLAY_CHARS).collect();
    for text in shown.lines() {
        lines.push(Line::from(text.to_string()));
    }
    let hidden = body.chars().count().saturating_sub(BODY_DISPLAY_CHARS);
    if hidden > 0 {
        lines.push(
            Line::from(format!(
                "… {} more characters (kept whole in the cache)",
                thousands(hidden as u64)
            ))
            .dim()
            .italic(),
        );
    }
    if !item.replies.is_empty() {
        lines.push(Line::default());
        for entry in &item.replies {
            lines.push(thread_line("↳ ", entry, now, width));
        }
    }
    lines.push(Line::default());
    lines.push(author_line(item, now));
    // Once the platform confirmed a mute or block, the rest of their items can go too.
    let person = &item.row.marks.person;
    let waiting = matches!(
        item.row.state,
        crate::domain::ItemState::New | crate::domain::ItemState::Open
    );
    if (person.muted || person.blocked) && waiting {
        lines.push(
            Line::from(format!(
                "→ {} · :done-author marks their open items done · p lists them",
                person.words().join(" · ")
            ))
            .yellow(),
        );
    }
    lines
}

/// Where the platform stands on the CM's actions on this item (see `ItemMarks`).
fn truth_lines(row: &crate::store::read::ItemRow) -> Vec<Line<'static>> {
    let m = &row.marks;
    let platform = inert_line(&row.platform);
    let mut lines = Vec::new();
    if let Some(kind) = &m.pending {
        lines.push(
            Line::from(format!(
                "◷ {kind} pending · applied when {platform} confirms; until then the item stays here"
            ))
            .fg(Color::Yellow),
        );
    } else if let Some((kind, reason)) = &m.refused {
        lines.push(
            Line::from(format!(
                "✗ {kind} not applied · {platform} refused: {}",
                inert_line(reason)
            ))
            .fg(Color::Red),
        );
    }
    if m.reply_failed {
        lines.push(
            Line::from("✗ reply failed · back in Needs reply · O shows why, e edits and resends")
                .fg(Color::Red),
        );
    }
    if m.gone {
        lines.push(
            Line::from(format!(
                "⊘ deleted on the platform · {platform} no longer has this post; a reply would stand alone"
            ))
            .fg(Color::Red),
        );
    }
    lines
}

fn sentiment_line(item: &ItemDetail) -> Line<'static> {
    let mut spans = Vec::new();
    if let Some(lang) = &item.row.lang {
        spans.push(Span::raw("lang ").dim());
        spans.push(Span::raw(inert_line(lang)).fg(Color::Magenta));
        if item.lang_manual {
            spans.push(Span::raw(" (set by you)").bold());
        }
        spans.push(Span::raw(" · ").dim());
    }
    spans.push(Span::raw("sentiment ").dim());
    match (item.sentiment_manual, item.sentiment_auto) {
        (Some(manual), auto) => {
            spans.push(Span::raw(format!("{manual} (set by you)")).bold());
            if let Some((score, label)) = auto {
                spans.push(Span::raw(format!(" · auto {label} {score:+.2}")).dim());
            }
        }
        (None, Some((score, label))) => {
            spans.push(Span::raw(format!("{label} (auto {score:+.2})")))
        }
        (None, None) => match &item.row.lang {
            // hark has no lexicon for it: unscored, never scored with English words.
            Some(lang) => {
                spans.push(Span::raw(format!("unscored (no {} lexicon)", inert_line(lang))).dim())
            }
            None => spans.push(Span::raw("not scored").dim()),
        },
    }
    if !item.tags.is_empty() {
        let tags: Vec<String> = item
            .tags
            .iter()
            .map(|t| format!("#{}", inert_line(t)))
            .collect();
        spans.push(Span::raw(format!("   {}", tags.join(" "))).fg(Color::Magenta));
    }
    Line::from(spans)
}

/// `e`: the words that drove the automatic score, strongest first.
fn explanation_line(contributions: &[crate::sentiment::Contribution]) -> Line<'static> {
    let mut spans = vec![Span::raw("why ").dim()];
    if contributions.is_empty() {
        spans.push(
            Span::raw("no word in the text carries sentiment")
                .dim()
                .italic(),
        );
        return Line::from(spans);
    }
    let mut sorted: Vec<_> = contributions.iter().collect();
    sorted.sort_by(|a, b| b.valence.abs().total_cmp(&a.valence.abs()));
    for (n, c) in sorted.iter().take(8).enumerate() {
        if n > 0 {
            spans.push(Span::raw(" · ").dim());
        }
        let color = if c.valence > 0.0 {
            Color::Green
        } else {
            Color::Red
        };
        spans.push(Span::raw(format!("{} {:+.1}", inert_line(&c.token), c.valence)).fg(color));
    }
    Line::from(spans)
}

fn thread_line(arrow: &str, entry: &ThreadEntry, now: i64, cols: usize) -> Line<'static> {
    let who = handle(&entry.author);
    let prefix = format!("{arrow}{who} {}: ", age(now, entry.created_at));
    let room = cols.saturating_sub(width(&prefix));
    let text = truncate_to_width(&inert_line(&entry.body), room);
    let style = if entry.own {
        Style::new().fg(Color::Green)
    } else {
        Style::new().fg(Color::Gray)
    };
    Line::from(vec![
        Span::styled(prefix, style.bold()),
        Span::styled(text, style),
    ])
}

fn author_line(item: &ItemDetail, now: i64) -> Line<'static> {
    let a = &item.author;
    let followers = a
        .followers
        .map(|f| format!("{} followers", thousands(f.max(0) as u64)))
        .unwrap_or_else(|| "followers unknown".into());
    let marks = item.row.marks.person.words();
    let marks = if marks.is_empty() {
        String::new()
    } else {
        format!("{} · ", marks.join(" · "))
    };
    Line::from(vec![
        Span::raw("author ").dim(),
        Span::raw(marks).yellow().bold(),
        Span::raw(format!(
            "{followers} · {} item{} ",
            a.items,
            if a.items == 1 { "" } else { "s" }
        )),
        Span::raw(format!("+{}", a.positive)).green(),
        Span::raw(" "),
        Span::raw(format!("={}", a.neutral)).gray(),
        Span::raw(" "),
        Span::raw(format!("-{}", a.negative)).red(),
        Span::raw(format!(" · first seen {}", ago(now, a.first_seen_at))).dim(),
    ])
}

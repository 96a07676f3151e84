//! The reply composer (beside the item's thread), the canned-reply picker and the Outbox
//! pane, plus the item's draft and sends for the detail pane.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::state::{self as compose, Composer};
use super::wrap;
use crate::replies::Vars;
use crate::sanitize::{handle, inert_line, truncate_to_width};
use crate::tui::keymap::{Action, Layer};
use crate::tui::model::Model;

pub fn render_composer(frame: &mut Frame, area: Rect, model: &Model, composer: &Composer) {
    let target = if composer.dm {
        format!(" DM to {} ", handle(&composer.author))
    } else {
        format!(
            " Public reply to {} on {} ",
            handle(&composer.author),
            inert_line(&composer.platform)
        )
    };
    let block = crate::tui::pane::frame(target, true);
    let inner = block.inner(area);
    let width = inner.width as usize;
    // The text keeps a few rows where it can; the notes give way first (one row per
    // warning, then a count), never the send-anyway line.
    let min_text = if inner.height >= 8 { 3 } else { 1 };
    let notes = notes(
        model,
        composer,
        width,
        inner.height.saturating_sub(min_text) as usize,
    );
    let [text, info] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(notes.len() as u16)]).areas(inner);
    let (lines, above, below) = text_lines(composer, text.width as usize, text.height as usize);
    let hidden: Vec<String> = [(above, "↑", "above"), (below, "↓", "below")]
        .iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, arrow, place)| {
            format!("{arrow} {n} line{} {place}", if *n == 1 { "" } else { "s" })
        })
        .collect();
    let block = match hidden.is_empty() {
        true => block,
        false => block.title_bottom(Line::from(format!(" {} ", hidden.join(" · "))).dim()),
    };
    frame.render_widget(block, area);
    frame.render_widget(Paragraph::new(lines), text);
    frame.render_widget(Paragraph::new(notes), info);
}

/// The rows the composer wants: its wrapped text, its notes and its frame. The layout
/// grows it into the item's space up to this.
pub fn wanted_height(model: &Model, composer: &Composer, width: u16) -> u16 {
    let inner = width.saturating_sub(2) as usize;
    let text = wrap::rows(composer.textarea.lines(), inner.saturating_sub(1)).len();
    let notes = notes(model, composer, inner, usize::MAX).len();
    (text.max(3) + notes + 2).min(u16::MAX as usize) as u16
}

/// Under the text: the counter with the keys, the warnings, and the last word from a
/// send (the send-anyway prompt). At most `room` rows, the prompt always shown.
fn notes(model: &Model, composer: &Composer, width: usize, room: usize) -> Vec<Line<'static>> {
    let (counter, over) = composer.counter();
    // Whole entries only, as many as fit: the hint line below lists them too.
    let entries = [
        format!(
            "{} send",
            model.keymap.keys_of(Layer::Composer, Action::SendReply)
        ),
        format!(
            "{} keep draft",
            model.keymap.key(Layer::Composer, Action::Close)
        ),
        format!(
            "{} $EDITOR",
            model
                .keymap
                .keys_of(Layer::Composer, Action::ExternalEditor)
        ),
        format!(
            "{} / {} snippet",
            model.keymap.canned_keys(Layer::Composer),
            model.keymap.key(Layer::Composer, Action::PickReply)
        ),
    ];
    let mut keys = String::new();
    for entry in entries {
        let next = format!("{keys} · {entry}");
        if crate::sanitize::width(&counter) + crate::sanitize::width(&next) > width {
            break;
        }
        keys = next;
    }
    let counter = Line::from(vec![
        Span::styled(
            counter,
            if over {
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
            } else {
                Style::new().fg(Color::Green)
            },
        ),
        Span::raw(keys).dim(),
    ]);
    let warn = Style::new().fg(Color::Yellow);
    let prompt: Vec<Line<'static>> = match &composer.stale {
        // Team mode: another CM answered meanwhile; the question outranks everything.
        Some(other) => {
            let question = format!(
                "{} · {} sends · any other key: back to your reply",
                super::stale::question(other, model.now),
                model.keymap.key(Layer::Confirm, Action::Yes)
            );
            wrapped(&question, width)
                .into_iter()
                .map(|l| Line::from(l).fg(Color::Yellow).bold())
                .collect()
        }
        None => composer
            .error
            .iter()
            .flat_map(|e| wrapped(e, width))
            .map(|l| Line::from(l).fg(Color::Red).bold())
            .collect(),
    };
    let warnings: Vec<String> = composer
        .warnings(&model.composer.kit)
        .iter()
        .map(|w| format!("⚠ {w}"))
        .collect();
    // A DM's messaging window (Meta): how long it stays open, or why nothing can be sent.
    let window: Option<Line<'static>> = composer.window.as_ref().map(|w| {
        let line = Line::from(truncate_to_width(&w.describe(model.now), width));
        match w.refusal() {
            Some(_) => line.fg(Color::Red),
            None => line.fg(Color::Cyan),
        }
    });
    // Team mode: another CM answered while this composer is open (the send will ask).
    let answered: Vec<Line<'static>> = match composer.stale {
        Some(_) => Vec::new(),
        None => super::stale::arrived_line(model, composer)
            .map(|l| wrapped(&l, width))
            .unwrap_or_default()
            .into_iter()
            .map(|l| Line::from(l).fg(Color::Yellow))
            .collect(),
    };
    let room_for_warnings =
        room.saturating_sub(prompt.len() + answered.len() + 1 + usize::from(window.is_some()));
    let full: Vec<String> = warnings.iter().flat_map(|w| wrapped(w, width)).collect();
    let shown: Vec<String> = if full.len() <= room_for_warnings {
        full
    } else if warnings.len() <= room_for_warnings {
        warnings
            .iter()
            .map(|w| truncate_to_width(w, width))
            .collect()
    } else {
        let keep = room_for_warnings.saturating_sub(1);
        let mut kept: Vec<String> = warnings[..keep]
            .iter()
            .map(|w| truncate_to_width(w, width))
            .collect();
        if room_for_warnings > 0 {
            let more = warnings.len() - keep;
            kept.push(truncate_to_width(
                &format!("⚠ {more} more warning{}", if more == 1 { "" } else { "s" }),
                width,
            ));
        }
        kept
    };
    let mut lines = vec![counter];
    lines.extend(window);
    lines.extend(shown.into_iter().map(|w| Line::styled(w, warn)));
    lines.extend(answered);
    lines.extend(prompt);
    // The prompt is last and wins over everything above it.
    let excess = lines.len().saturating_sub(room.max(1));
    lines.drain(..excess.min(lines.len().saturating_sub(1)));
    lines
}

/// `text` cut into rows of `width` columns, words kept whole where they fit.
fn wrapped(text: &str, width: usize) -> Vec<String> {
    let lines = [text.to_string()];
    wrap::rows(&lines, width)
        .iter()
        .map(|r| {
            text.chars()
                .skip(r.start)
                .take(r.end - r.start)
                .collect::<String>()
        })
        .collect()
}

/// The composer's visible text, wrapped and scrolled so the cursor's row shows, with the
/// cursor drawn as a reversed cell; and how many rows are hidden above and below.
fn text_lines(
    composer: &Composer,
    width: usize,
    height: usize,
) -> (Vec<Line<'static>>, usize, usize) {
    let lines: Vec<String> = composer
        .textarea
        .lines()
        .iter()
        .map(|l| inert_line(l))
        .collect();
    // One column stays free for the cursor after a full row.
    let rows = wrap::rows(&lines, width.saturating_sub(1));
    let (cursor_line, cursor_col) = composer.textarea.cursor();
    let cursor = wrap::cursor_row(&rows, cursor_line, cursor_col);
    let top = wrap::scroll(composer.scroll.get(), cursor, height, rows.len());
    composer.scroll.set(top);
    let shown = rows
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, row)| {
            let chars: Vec<char> = lines[row.line].chars().collect();
            let piece = |a: usize, b: usize| chars[a.min(b)..b].iter().collect::<String>();
            if i != cursor {
                return Line::from(piece(row.start, row.end));
            }
            let at = cursor_col.clamp(row.start, row.end);
            let under = chars
                .get(at)
                .filter(|_| at < row.end)
                .map(|c| c.to_string())
                .unwrap_or(" ".into());
            Line::from(vec![
                Span::raw(piece(row.start, at)),
                Span::raw(under).reversed(),
                Span::raw(piece((at + 1).min(row.end), row.end)),
            ])
        })
        .collect();
    let below = rows.len().saturating_sub(top + height);
    (shown, top, below)
}

pub fn render_picker(frame: &mut Frame, area: Rect, model: &Model) {
    let Some(picker) = &model.composer.picker else {
        return;
    };
    let platform = model
        .composer
        .open
        .as_ref()
        .map(|c| c.platform.clone())
        .or_else(|| model.detail.item.as_ref().map(|d| d.row.platform.clone()));
    let found = compose::matches(
        &picker.query,
        &model.composer.kit.canned,
        platform.as_deref(),
    );
    let area = crate::tui::pane::centered(area, 76, (found.len() as u16).clamp(1, 8) + 8);
    crate::tui::pane::clear_popup(frame, area);
    let block = crate::tui::pane::frame(
        format!(
            " Canned replies · type to filter · {} inserts ",
            model.keymap.key(Layer::Picker, Action::Choose)
        ),
        true,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [query, list, preview] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length((found.len() as u16).clamp(1, 8)),
        Constraint::Min(1),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::raw("> ").cyan(),
            Span::raw(picker.query.clone()),
        ])),
        query,
    );
    let width = list.width as usize;
    let lines: Vec<Line> = found
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let key = r.key.map(|k| k.to_string()).unwrap_or_else(|| " ".into());
            // The languages it has besides the default body: "es fr".
            let langs: Vec<&str> = r.languages().collect();
            let langs = if langs.is_empty() {
                String::new()
            } else {
                format!("[{}] ", langs.join(" "))
            };
            let text = format!("{key} {:<16} {langs}{}", r.name, r.tags.join(" "));
            let line = Line::from(truncate_to_width(&text, width));
            if i == picker.selected {
                line.reversed()
            } else {
                line
            }
        })
        .collect();
    let lines = if lines.is_empty() {
        vec![Line::from("no reply matches").dim().italic()]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(lines), list);
    if let Some(reply) = found.get(picker.selected) {
        let text = preview_text(model, reply);
        frame.render_widget(
            Paragraph::new(text).wrap(Wrap { trim: false }).block(
                ratatui::widgets::Block::new()
                    .borders(ratatui::widgets::Borders::TOP)
                    .title(" preview ")
                    .dim(),
            ),
            preview,
        );
    }
}

/// The reply as it would be inserted for the item at hand.
fn preview_text(model: &Model, reply: &crate::replies::CannedReply) -> String {
    let known = |n: &str| Vars::is_known(n, &model.composer.kit.voice);
    let lang = match (&model.composer.open, &model.detail.item) {
        (Some(c), _) => c.lang.clone(),
        (None, Some(d)) => d.row.lang.clone(),
        (None, None) => None,
    };
    let vars = match (&model.composer.open, &model.detail.item) {
        (Some(c), _) => c.vars(&model.composer.kit, &model.brand),
        (None, Some(d)) => Vars::for_item(
            &model.composer.kit.voice.for_lang(lang.as_deref()),
            &model.brand,
            &d.row.platform,
            &d.author.handle,
            &d.author.display_name,
            d.url.as_deref(),
        ),
        (None, None) => Vars::new(),
    };
    let body = reply.body_for(lang.as_deref());
    match crate::replies::expand(body, &vars, &known) {
        Ok(text) => inert_line(&text),
        Err(e) => format!("{body} — {e}"),
    }
}

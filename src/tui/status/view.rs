//! The bottom two lines: poller status per account and the counts, then the prompt or
//! the last message.

use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::platform::account_note::{AccountNote, Tone};
use crate::platform::rate_limit::clock_in;
use crate::poller::PollStatus;
use crate::sanitize::{inert_line, truncate_to_width};
use crate::tui::format::age;
use crate::tui::model::{Model, Prompt};
use unicode_width::UnicodeWidthStr;

const SPINNER: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn render_status(frame: &mut Frame, area: Rect, model: &Model) {
    let mut spans = vec![
        Span::raw(format!(" {} ", inert_line(&model.brand)))
            .bold()
            .reversed(),
        Span::raw(" "),
    ];
    if model.status.accounts.is_empty() {
        spans.push(Span::raw("no accounts polling").dim());
    }
    for (name, status) in &model.status.accounts {
        spans.push(Span::raw(inert_line(name)));
        spans.push(Span::raw(" "));
        spans.push(match status {
            PollStatus::Starting | PollStatus::Polling => {
                Span::raw(SPINNER[(model.frame as usize) % SPINNER.len()]).fg(Color::Cyan)
            }
            PollStatus::Ok { at } => {
                Span::raw(format!("✓ {}", since(model.now, *at))).fg(Color::Green)
            }
            PollStatus::Error { retry_at, .. } => {
                Span::raw(format!("✗ retry in {}s", (retry_at - model.now).max(0))).fg(Color::Red)
            }
            PollStatus::RateLimited { until } => Span::raw(format!(
                "⏳ until {}",
                clock_in(*until, model.now, &model.status.tz)
            ))
            .fg(Color::Yellow),
        });
        if let Some((remaining, limit)) = model.status.budgets.get(name) {
            spans.push(Span::raw(format!(" {remaining}/{limit}")).dim());
        }
        if let Some(note) = model.status.notes.get(name) {
            spans.push(account_note(note));
        }
        spans.push(Span::raw("  "));
    }
    if let Some(span) = outbox_attention(model.status.outbox_attention) {
        spans.push(span);
    }
    if let Some(waiting) = model.status.team_waiting {
        let replies = if waiting == 1 { "reply" } else { "replies" };
        spans.push(
            Span::raw(format!(
                "offline from the team: {waiting} {replies} waiting  "
            ))
            .fg(Color::Yellow),
        );
    }
    // What a fetch set aside is never silent: `hark unreadable` shows the raw records.
    let (unreadable, older) = model.status.aside;
    if unreadable > 0 {
        spans.push(
            Span::raw(format!("⚠ {unreadable} could not read (hark unreadable)  "))
                .fg(Color::Yellow),
        );
    }
    if older > 0 {
        spans.push(Span::raw(format!("⚠ {older} older than the look-back  ")).fg(Color::Yellow));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(Style::new().bg(Color::Black)),
        area,
    );
}

/// "outbox: 2 failed · 1 unknown": rows only the CM can move on (O shows them).
fn outbox_attention((failed, unknown): (usize, usize)) -> Option<Span<'static>> {
    let parts: Vec<String> = [(failed, "failed"), (unknown, "unknown")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    (!parts.is_empty()).then(|| {
        Span::raw(format!("outbox: {}", parts.join(" · ")))
            .fg(Color::Red)
            .bold()
    })
}

/// " · limited app: 1 read/min", as loud as the note's tone.
fn account_note(note: &AccountNote) -> Span<'static> {
    let span = Span::raw(format!(" · {}", inert_line(&note.text)));
    match note.tone {
        Tone::Quiet => span.dim(),
        Tone::Warning => span.fg(Color::Yellow),
        Tone::Alarm => span.fg(Color::Red),
    }
}

/// Seconds matter for "last polled": "12s", then the compact age.
fn since(now: i64, at: i64) -> String {
    let secs = (now - at).max(0);
    if secs < 60 {
        format!("{secs}s")
    } else {
        age(now, at)
    }
}

pub fn render_prompt(frame: &mut Frame, area: Rect, model: &Model) {
    let width = area.width as usize;
    let line = match &model.prompt.open {
        Some(prompt) => {
            let (mark, text) = match prompt {
                Prompt::Search(text) => ("/", text),
                Prompt::Command(text) => (":", text),
                Prompt::Limit(text) => ("limit: ", text),
                Prompt::MarkPattern(text) => ("mark: ", text),
            };
            let text = inert_line(text);
            // The prompt's own keys after the cursor, while there is room for them.
            let room = width.saturating_sub(text.width() + 2 + 3);
            let hints = crate::tui::keymap::hints::line(&model.keymap, model.layer(), room);
            Line::from(vec![
                Span::raw(mark).bold(),
                Span::raw(text),
                Span::raw("█"),
                Span::raw(if hints.is_empty() {
                    String::new()
                } else {
                    format!("   {hints}")
                })
                .dim(),
            ])
        }
        None => match (&model.status.message, &model.status.last_error) {
            (Some(message), _) => Line::from(truncate_to_width(&inert_line(message), width)),
            (None, Some(error)) => Line::from(truncate_to_width(
                &format!("last error: {}", inert_line(error)),
                width,
            ))
            .fg(Color::Red),
            (None, None) => Line::from(crate::tui::keymap::hints::line(
                &model.keymap,
                model.layer(),
                width,
            ))
            .dim(),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

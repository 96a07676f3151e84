//! The item list: one line per item, only the visible window rendered.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState};
use ratatui::Frame;

use crate::domain::{ItemState, SentimentLabel, Severity};
use crate::sanitize::{handle, inert_line, truncate_to_width, width};
use crate::sla::Status;
use crate::store::read::{ItemMarks, ItemRow, SEARCH_COUNT_CAP};
use crate::tui::format::{age, thousands};
use crate::tui::model::{Focus, Model};

/// Fixed columns: mark, platform, age, author, state, language, sentiment, flag.
const PLATFORM_COLS: usize = 8;
/// The platform column when chat items are listed: it shows their room.
const ROOM_COLS: usize = 14;
const AGE_COLS: usize = 4;
const STATE_COLS: usize = 4;
/// An ISO 639-1 code.
const LANG_COLS: usize = 2;

/// Rows of the list pane taken by its border and header.
pub const CHROME_ROWS: u16 = 3;

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let list = &model.list;
    let mut title = format!(" {} ", model.current_view().title());
    if list.query.sort != crate::store::read::Sort::Newest {
        title.push_str(&format!("· {} ", list.query.sort.label()));
    }
    if let Some(limit) = &model.find.limit {
        title.push_str(&format!("· l {} ", inert_line(limit)));
    }
    if let Some(search) = &model.prompt.search {
        title.push_str(&format!("· /{} ", inert_line(search)));
    }
    if list.loaded {
        let position = if list.total == 0 { 0 } else { list.cursor + 1 };
        // A search counts its matches only up to a cap, to stay fast on a big cache.
        let total = if list.query.capped() && list.total as u64 > SEARCH_COUNT_CAP {
            format!("{}+", thousands(SEARCH_COUNT_CAP))
        } else if list.counting {
            // Counted as far as the first page's budget went; the exact count follows.
            format!("{}+ counting…", thousands(list.total as u64))
        } else {
            thousands(list.total as u64)
        };
        title.push_str(&format!("· {}/{total} ", thousands(position as u64)));
    }
    if !model.marks.is_empty() {
        title.push_str(&format!("· {} marked ", model.marks.len()));
    }
    let block = crate::tui::pane::frame(title, model.focus == Focus::List);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let author_cols = if inner.width >= 100 { 18 } else { 12 };
    // Chat items show their room where others show their network (a CM answers in the
    // room, and one community has many).
    let rooms = list.visible().any(|(_, row)| row.marks.room.is_some());
    let source_cols = if rooms { ROOM_COLS } else { PLATFORM_COLS };
    let fixed = 2
        + source_cols
        + 1
        + AGE_COLS
        + 1
        + author_cols
        + 1
        + STATE_COLS
        + 1
        + LANG_COLS
        + 1
        + 2
        + 1;
    let text_cols = (inner.width as usize).saturating_sub(fixed);

    let mut lines = vec![Line::from(format!(
        "  {:<source_cols$} {:>AGE_COLS$} {:<author_cols$} {:<STATE_COLS$} {:<LANG_COLS$} ☺! text",
        if rooms { "network/room" } else { "network" },
        "age",
        "author",
        "st",
        "lg"
    ))
    .dim()];
    if list.loaded && list.rows.is_empty() {
        match (&model.prompt.search, &model.first_run) {
            (None, _) if model.find.limit.is_some() => lines.push(
                Line::from("  nothing matches this limit · esc clears it")
                    .italic()
                    .dim(),
            ),
            (Some(_), _) => lines.push(
                Line::from("  nothing matches this search · esc clears it")
                    .italic()
                    .dim(),
            ),
            (None, Some(config)) => lines.extend(first_run_lines(config, text_cols + fixed)),
            (None, None) => lines.push(
                Line::from("  nothing here · new items appear as they arrive")
                    .italic()
                    .dim(),
            ),
        }
    }
    for (position, row) in list.visible() {
        let selected = position == list.cursor;
        lines.push(item_line(
            model,
            row,
            selected,
            (source_cols, author_cols),
            text_cols,
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);

    if list.total > list.height {
        let mut state = ScrollbarState::new(list.total).position(list.cursor);
        frame.render_stateful_widget(
            Scrollbar::new(ScrollbarOrientation::VerticalRight)
                .begin_symbol(None)
                .end_symbol(None),
            area,
            &mut state,
        );
    }
}

fn item_line(
    model: &Model,
    row: &ItemRow,
    selected: bool,
    (source_cols, author_cols): (usize, usize),
    text_cols: usize,
) -> Line<'static> {
    // Against the first-response target ([sla]), on its clock: "◔" at risk, "◷" breached.
    let sla = super::sla::sla_status(model, row);
    let mark = if model.marks.contains(&row.id) {
        "● "
    } else {
        match sla {
            Some(Status::Breached) => "◷ ",
            Some(Status::AtRisk) => "◔ ",
            _ => "  ",
        }
    };
    let age_style = match sla {
        Some(Status::Breached) => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        Some(Status::AtRisk) => Style::new().fg(Color::Yellow),
        _ => Style::new().add_modifier(Modifier::DIM),
    };
    let room = row.marks.room.as_ref();
    let (source, source_color) = match room.and_then(|r| room_short(&row.platform, &r.label)) {
        Some(room) => (room, Color::Magenta),
        None => (row.platform.as_str(), Color::Blue),
    };
    let platform = pad(
        &truncate_to_width(&inert_line(source), source_cols),
        source_cols,
    );
    // The person's marks lead the handle: ⊘ blocked, ◌ muted, ★ advocate.
    let person = &row.marks.person;
    let sign = [
        (person.blocked, "⊘"),
        (person.muted, "◌"),
        (person.advocate, "★"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, s)| *s)
    .collect::<String>();
    let author = pad(
        &truncate_to_width(&format!("{sign}{}", handle(&row.author)), author_cols),
        author_cols,
    );
    // The brand's own post leads with the replies it drew.
    let snippet = match row.marks.replies {
        Some(n) => format!(
            "{n} repl{} · {}",
            if n == 1 { "y" } else { "ies" },
            inert_line(&row.snippet)
        ),
        None => inert_line(&row.snippet),
    };
    let snippet = truncate_to_width(&snippet, text_cols);
    let (state, state_style) = match row.state {
        ItemState::New => (
            "new",
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ),
        ItemState::Open => ("open", Style::new()),
        ItemState::Replied => ("rep", Style::new().fg(Color::Green)),
        ItemState::Done => ("done", Style::new().fg(Color::DarkGray)),
        ItemState::Snoozed => ("zz", Style::new().fg(Color::Blue)),
        ItemState::Hidden => ("hid", Style::new().fg(Color::DarkGray)),
        ItemState::Deleted => ("del", Style::new().fg(Color::DarkGray)),
    };
    let sentiment = match row.sentiment {
        Some(label) => {
            let color = match label {
                SentimentLabel::Positive => Color::Green,
                SentimentLabel::Neutral => Color::Gray,
                SentimentLabel::Negative => Color::Red,
            };
            let style = Style::new().fg(color);
            // A label the CM set is bold; an automatic one is plain.
            let style = if row.sentiment_manual {
                style.add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
            } else {
                style
            };
            Span::styled(label.glyph(), style)
        }
        None => Span::raw("·").dim(),
    };
    let flag = match row.flag {
        Some(Severity::Critical) => Span::styled(
            "!",
            Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
        ),
        Some(Severity::High) => Span::styled(
            "!",
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ),
        Some(Severity::Low) => Span::styled("!", Style::new().fg(Color::Yellow)),
        None => Span::raw(" "),
    };
    let text_style = if row.state == ItemState::New {
        Style::new().add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    };
    let truth = truth_span(&row.marks);
    let team = team_span(&row.marks);
    // Team mode: the other CMs on it, before all else of its text.
    let here = crate::tui::presence::row_spans(model, row.id);
    let here_cols: usize = here.iter().map(|s| width(&s.content)).sum();
    let snippet = truncate_to_width(
        &snippet,
        text_cols.saturating_sub(width(&truth.content) + width(&team.content) + here_cols),
    );
    let mut spans = vec![
        Span::styled(mark, Style::new().fg(Color::Red)),
        Span::raw(platform).fg(source_color),
        Span::raw(" "),
        Span::styled(
            format!("{:>AGE_COLS$}", age(model.now, row.created_at)),
            age_style,
        ),
        Span::raw(" "),
        Span::raw(author).fg(Color::Cyan),
        Span::raw(" "),
        Span::styled(format!("{state:<STATE_COLS$}"), state_style),
        Span::raw(" "),
        lang_span(row),
        Span::raw(" "),
        sentiment,
        flag,
        Span::raw(" "),
    ];
    spans.extend(here);
    spans.extend([truth, team, Span::styled(snippet, text_style)]);
    let mut line = Line::from(spans);
    if selected {
        line = line.style(Style::new().add_modifier(Modifier::REVERSED));
    }
    line
}

/// What the platform did with the CM's last action on the item, before its text: an
/// action waiting for the platform, one it refused, a reply that failed, a post gone.
pub fn truth_span(marks: &ItemMarks) -> Span<'static> {
    let yellow = Style::new().fg(Color::Yellow);
    let red = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
    if let Some(kind) = &marks.pending {
        Span::styled(format!("{kind} pending · "), yellow)
    } else if marks.reply_failed {
        Span::styled("✗ reply failed · ", red)
    } else if let Some((kind, _)) = &marks.refused {
        Span::styled(format!("✗ {kind} refused · "), red)
    } else if marks.gone {
        Span::styled("⊘ deleted on the platform · ", red)
    } else if marks.filtered {
        Span::styled("⧖ filtered by the platform · ", yellow)
    } else {
        Span::raw("")
    }
}

/// Team mode: who the item is assigned to ("→ana"), and a destructive action waiting for
/// a moderator. Empty without either (always, without `[team]`).
pub fn team_span(marks: &ItemMarks) -> Span<'static> {
    let mut text = String::new();
    if marks.awaiting_approval {
        text.push_str("⏸ awaits a moderator · ");
    }
    if let Some(cm) = &marks.assignee {
        text.push_str(&format!("→{} · ", truncate_to_width(&inert_line(cm), 12)));
    }
    Span::styled(text, Style::new().fg(Color::Cyan))
}

/// A room as the list names it: a Matrix alias without its server (`#help`), else the
/// room's name; `None` for a bare Matrix room id, which says nothing to a person. Other
/// platforms' labels are names already (`#help`, `#help › refund: when?`).
fn room_short<'a>(platform: &str, label: &'a str) -> Option<&'a str> {
    if platform != "matrix" {
        return Some(label).filter(|l| !l.is_empty());
    }
    match label.chars().next()? {
        '#' => Some(label.split(':').next().unwrap_or(label)),
        '!' => None,
        _ => Some(label),
    }
}

/// Pads to `cols` terminal columns (not chars), so wide characters keep columns aligned.
fn pad(text: &str, cols: usize) -> String {
    format!("{text}{}", " ".repeat(cols.saturating_sub(width(text))))
}

/// How to start, when no account is configured (a first run); fits an 80x24 list pane.
fn first_run_lines(config: &str, width: usize) -> Vec<Line<'static>> {
    let config = truncate_to_width(&inert_line(config), width.saturating_sub(12));
    vec![
        Line::from("  No accounts yet: nothing is being polled.").bold(),
        Line::from("  try it:   hark demo"),
        Line::from("  connect:  hark account add <platform>"),
        Line::from("  check:    hark doctor"),
        Line::from(format!("  config:   {config}")),
    ]
}

/// The item's language code; blank until detected.
fn lang_span(row: &ItemRow) -> Span<'static> {
    let code = row.lang.as_deref().unwrap_or("");
    let code = truncate_to_width(&inert_line(code), LANG_COLS);
    Span::raw(pad(&code, LANG_COLS)).fg(Color::Magenta)
}

#[cfg(test)]
mod tests {
    use super::room_short;

    #[test]
    fn only_a_matrix_alias_loses_its_server_and_a_bare_matrix_id_shows_nothing() {
        assert_eq!(room_short("matrix", "#help:ex.org"), Some("#help"));
        assert_eq!(room_short("matrix", "!QtykxKocfZaZOUrTwp:ex.org"), None);
        assert_eq!(
            room_short("matrix", "Address change"),
            Some("Address change")
        );
        // A Discord thread's name may hold a colon: it is a name, not a server.
        assert_eq!(
            room_short("discord", "#help › refund: when?"),
            Some("#help › refund: when?")
        );
        assert_eq!(room_short("slack", "#general"), Some("#general"));
        assert_eq!(room_short("slack", ""), None);
    }
}

//! Draws `?`, generated from the keymap so it can never go out of date. Each layer is a
//! block (the active one first); blocks flow through as many columns as fit without
//! cutting an entry (long ones wrap) and a heading never ends a column. What does not
//! fit scrolls: one column line by line, several a page of columns at a time.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use crate::tui::keymap::{Action, Keymap, Layer};
use crate::tui::model::Model;

/// The most columns, and the widest a keys column gets before its help goes below it.
const MAX_COLUMNS: usize = 4;
const MAX_KEYS_WIDTH: usize = 20;

/// One row of the help before it is fitted to a width.
enum Row {
    /// A layer's heading; `here` marks the active one.
    Layer {
        layer: Layer,
        here: bool,
    },
    Group(&'static str),
    Entry {
        keys: String,
        help: String,
    },
    Blank,
}

/// The rows of every layer, `first` first.
fn rows(keymap: &Keymap, first: Layer, team: bool) -> Vec<(Row, usize)> {
    let order = std::iter::once(first).chain(Layer::ALL.into_iter().filter(|l| *l != first));
    let mut rows = Vec::new();
    for layer in order {
        if !rows.is_empty() {
            rows.push((Row::Blank, 0));
        }
        rows.push((
            Row::Layer {
                layer,
                here: layer == first,
            },
            0,
        ));
        let mut entries = entries(keymap, layer);
        // Team mode's keys only where there is a team.
        entries.retain(|(g, _, _)| team || *g != crate::tui::keymap::TEAM_GROUP);
        let keys_width = entries
            .iter()
            .map(|(_, k, _)| k.width())
            .max()
            .unwrap_or(1)
            .min(MAX_KEYS_WIDTH);
        let mut group = "";
        for (g, keys, help) in entries {
            if g != group {
                group = g;
                rows.push((Row::Group(g), 0));
            }
            rows.push((Row::Entry { keys, help }, keys_width));
        }
    }
    rows
}

/// A layer's entries: (group, keys, help). The nine canned-reply commands read as one
/// entry while their keys run in a row ("1…9").
fn entries(keymap: &Keymap, layer: Layer) -> Vec<(&'static str, String, String)> {
    let canned = keymap.canned_keys(layer);
    let one_row = canned.contains('…');
    let mut out = Vec::new();
    for binding in layer.bindings() {
        let keys = match binding.action {
            Action::Canned(1) if one_row => canned.clone(),
            Action::Canned(_) if one_row => continue,
            action => keymap.keys_of(layer, action),
        };
        let help = match binding.action {
            Action::Canned(_) if one_row => binding.help.replace(" 1", " 1…9"),
            _ => binding.help.to_string(),
        };
        out.push((binding.group, keys, help));
    }
    out
}

/// Splits `text` into lines of at most `width` columns, at spaces; only a word longer
/// than a line is cut.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word;
        loop {
            let gap = usize::from(!line.is_empty());
            if line.width() + gap + word.width() <= width {
                if gap == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                break;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            let cut = split_at_width(word, width);
            lines.push(word[..cut].to_string());
            word = &word[cut..];
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The byte index where `word` passes `width` columns (at least one character).
fn split_at_width(word: &str, width: usize) -> usize {
    let mut taken = 0;
    for (i, c) in word.char_indices() {
        taken += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if taken > width {
            return i.max(c.len_utf8().min(word.len()));
        }
    }
    word.len()
}

/// A row as lines `width` columns wide: a unit that is never split between columns.
fn fit(row: &(Row, usize), width: usize) -> Vec<Line<'static>> {
    let (row, keys_width) = row;
    match row {
        Row::Blank => vec![Line::default()],
        Row::Layer { layer, here } => {
            let mut title = format!("{} · [keys.{}]", layer.title(), layer.name());
            if *here {
                title = format!("▶ {title}");
            }
            wrap(&title, width)
                .into_iter()
                .map(|l| Line::from(l).bold().fg(Color::Yellow))
                .collect()
        }
        Row::Group(group) => vec![Line::from(format!(" {group}")).bold().underlined()],
        Row::Entry { keys, help } => {
            // " keys  help": help wraps under itself; keys too wide get a line of their own.
            let help_column = 1 + keys_width + 1;
            let mut lines = Vec::new();
            let help_width = width.saturating_sub(help_column).max(8);
            if keys.width() > *keys_width || help_column + 8 > width {
                for piece in wrap(keys, width.saturating_sub(1)) {
                    lines.push(Line::from(Span::raw(format!(" {piece}")).cyan()));
                }
                let indent = " ".repeat(help_column.min(width.saturating_sub(8)));
                let help_width = width.saturating_sub(indent.len()).max(1);
                for piece in wrap(help, help_width) {
                    lines.push(Line::from(format!("{indent}{piece}")));
                }
                return lines;
            }
            for (i, piece) in wrap(help, help_width).into_iter().enumerate() {
                let keys = if i == 0 { keys.as_str() } else { "" };
                lines.push(Line::from(vec![
                    Span::raw(format!(" {keys:<keys_width$} ")).cyan(),
                    Span::raw(piece),
                ]));
            }
            lines
        }
    }
}

/// The width an entry needs to show without wrapping (headings wrap; they set no width).
fn natural_width(row: &(Row, usize)) -> usize {
    match row {
        (Row::Entry { keys, help }, kw) => 1 + kw.max(&keys.width()) + 1 + help.width(),
        _ => 0,
    }
}

/// Fills columns of `height` lines with the rows' lines: an entry stays whole, a heading
/// stays with the entry after it, a layer that fits in a column starts in a fresh one
/// rather than being split, and a column does not start with a blank.
fn columns(rows: &[(Row, usize)], width: usize, height: usize) -> Vec<Vec<Line<'static>>> {
    let units: Vec<(Vec<Line<'static>>, bool)> = rows
        .iter()
        .map(|r| {
            (
                fit(r, width),
                matches!(r.0, Row::Layer { .. } | Row::Group(_)),
            )
        })
        .collect();
    let mut columns: Vec<Vec<Line<'static>>> = vec![Vec::new()];
    for (i, (lines, heading)) in units.iter().enumerate() {
        let used = columns.last().map_or(0, Vec::len);
        let blank = matches!(rows[i].0, Row::Blank);
        if blank && used == 0 {
            continue;
        }
        let needed = if matches!(rows[i].0, Row::Layer { .. }) {
            // The whole layer, up to the blank before the next one.
            let block: usize = units[i..]
                .iter()
                .zip(&rows[i..])
                .take_while(|(_, r)| !matches!(r.0, Row::Blank))
                .map(|((l, _), _)| l.len())
                .sum();
            if block <= height {
                block
            } else {
                lines.len() + units.get(i + 1).map_or(0, |u| u.0.len())
            }
        } else if *heading {
            // A group heading needs its first entry beside it.
            lines.len() + units.get(i + 1).map_or(0, |u| u.0.len())
        } else {
            lines.len()
        };
        if used > 0 && used + needed.min(height) > height {
            if blank {
                continue;
            }
            columns.push(Vec::new());
        }
        for line in lines {
            if columns.last().is_some_and(|c| c.len() == height) {
                columns.push(Vec::new());
            }
            columns.last_mut().expect("one column").push(line.clone());
        }
    }
    columns.retain(|c| !c.is_empty());
    columns
}

/// The help laid out for one size: `count` columns side by side; with more columns than
/// that, pages of `count` columns stacked, each `page` lines high.
struct Packed {
    columns: Vec<Vec<Line<'static>>>,
    count: usize,
    page: usize,
    /// All lines stacked, as the scroll counts them.
    canvas: usize,
}

impl Packed {
    fn new(rows: &[(Row, usize)], inner_width: usize, inner_height: usize) -> Packed {
        let natural = rows.iter().map(natural_width).max().unwrap_or(1) + 1;
        let pack = |count: usize| {
            // A one-column gap between columns. One column is one long list.
            let text_width = (inner_width / count).saturating_sub(1).max(1);
            if count == 1 {
                vec![rows.iter().flat_map(|r| fit(r, text_width)).collect()]
            } else {
                columns(rows, text_width, inner_height)
            }
        };
        let mut count = (inner_width / natural).clamp(1, MAX_COLUMNS);
        let mut columns = pack(count);
        // Fewer, wider columns when they hold it all just as well: fewer wraps.
        while count > 2 {
            let fewer = pack(count - 1);
            if fewer.len() > count - 1 {
                break;
            }
            count -= 1;
            columns = fewer;
        }
        let tallest = columns.iter().map(Vec::len).max().unwrap_or(0);
        let pages = columns.len().div_ceil(count);
        let (page, canvas) = if count == 1 || pages <= 1 {
            (tallest.min(inner_height), tallest)
        } else {
            (inner_height, pages * inner_height)
        };
        Packed {
            columns,
            count,
            page,
            canvas,
        }
    }

    /// Line `row` of the stacked canvas in column slot `slot`.
    fn line(&self, slot: usize, row: usize) -> Line<'static> {
        let (column, at) = if self.count == 1 || self.canvas <= self.page {
            (slot, row)
        } else {
            ((row / self.page) * self.count + slot, row % self.page)
        };
        self.columns
            .get(column)
            .and_then(|c| c.get(at))
            .cloned()
            .unwrap_or_default()
    }
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let here = model.layer_under_help();
    let rows = rows(&model.keymap, here, model.team.is_some());
    let inner_width = area.width.saturating_sub(2) as usize;
    let inner_height = area.height.saturating_sub(2).max(1) as usize;
    let packed = Packed::new(&rows, inner_width, inner_height);
    let (height, canvas) = (packed.page, packed.canvas);
    let max_scroll = canvas.saturating_sub(height) as u16;
    // For the keys: how far they may scroll and by how much a page.
    model.help.max_scroll.set(max_scroll);
    model.help.page.set(height as u16);
    let scroll = model.help.scroll.min(max_scroll) as usize;

    let [popup] = Layout::vertical([Constraint::Length(height as u16 + 2)])
        .flex(Flex::Center)
        .areas(area);
    crate::tui::pane::clear_popup(frame, popup);
    let title = format!(" Keys · rebind them in [keys.<layer>] of config.toml · {here} first ");
    let footer = if max_scroll == 0 {
        " any key closes this help ".to_string()
    } else {
        let key = |action| model.keymap.key(Layer::Help, action);
        let shown = (scroll + height).min(canvas);
        let more = if shown < canvas { "↓ more · " } else { "" };
        format!(
            " {more}{shown}/{canvas} · {}/{} {}/{} scroll · any other key closes ",
            key(Action::MoveDown),
            key(Action::MoveUp),
            key(Action::PageDown),
            key(Action::PageUp)
        )
    };
    let block = crate::tui::pane::frame(title, true)
        .title_bottom(Line::from(footer).style(Style::new().fg(Color::Cyan)));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let column_width = (inner_width / packed.count) as u16;
    let slots =
        Layout::horizontal(vec![Constraint::Length(column_width); packed.count]).split(inner);
    for (slot, rect) in slots.iter().enumerate() {
        let lines: Vec<Line> = (scroll..scroll + height)
            .map(|row| packed.line(slot, row))
            .collect();
        frame.render_widget(Paragraph::new(lines), *rect);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_words_whole_and_splits_only_what_is_longer_than_a_line() {
        assert_eq!(
            wrap("add canned reply 1…9 at the cursor", 12),
            ["add canned", "reply 1…9 at", "the cursor"]
        );
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    }

    #[test]
    fn a_heading_never_ends_a_column() {
        let rows = rows(&Keymap::defaults(), Layer::Inbox, false);
        for height in 5..30 {
            for column in columns(&rows, 40, height) {
                let last = column.last().expect("no empty column");
                assert!(
                    !last.spans.iter().any(|s| s
                        .style
                        .add_modifier
                        .contains(ratatui::style::Modifier::UNDERLINED)),
                    "height {height}: {column:?}"
                );
            }
        }
    }
}

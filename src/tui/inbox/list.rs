//! The virtualised item list: only a window of rows around the cursor is in memory, loaded
//! by keyset pages off the UI thread. The cursor and scroll are absolute positions in the
//! whole view, so the scrollbar and "123/45,678" stay true at a million items.

use crate::domain::ItemId;
use crate::store::read::{Direction, ItemRow, ListQuery, PageKey};

/// Rows loaded above the cursor when a window is (re)loaded.
pub const WINDOW_BEFORE: usize = 100;
/// Rows loaded from the cursor down.
pub const WINDOW_AFTER: usize = 200;
/// Rows one extension adds.
pub const EXTEND_ROWS: usize = 200;
/// The most rows kept in memory; beyond this the far end is dropped.
pub const MAX_ROWS: usize = 800;

/// Generations are unique across list instances, so an answer meant for a list the CM
/// has since replaced can never be taken for the current one's.
fn next_generation() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Where a window load starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Top,
    Bottom,
    /// Around this item (or, if it left the view, where it was).
    At(PageKey),
}

/// A list load the UI asks the query worker for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListRequest {
    Window {
        generation: u64,
        query: ListQuery,
        anchor: Anchor,
    },
    Extend {
        generation: u64,
        query: ListQuery,
        from: PageKey,
        direction: Direction,
    },
    /// The exact count, after a window whose count stopped at its budget.
    Count { generation: u64, query: ListQuery },
}

/// A loaded window: `rows` start at absolute position `offset`; `focus` is the index in
/// `rows` where the cursor belongs.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowResult {
    pub rows: Vec<ItemRow>,
    pub offset: usize,
    pub total: usize,
    pub focus: usize,
    /// The count stopped at its budget: `total` is at least so many.
    pub counting: bool,
}

/// The list's state.
#[derive(Debug, Clone)]
pub struct ListWindow {
    pub query: ListQuery,
    pub rows: Vec<ItemRow>,
    /// Absolute position of `rows[0]`.
    pub offset: usize,
    pub total: usize,
    /// `total` is "at least": the exact count is on its way.
    pub counting: bool,
    /// Absolute position of the cursor.
    pub cursor: usize,
    /// Absolute position of the first visible row.
    pub scroll: usize,
    /// Visible rows, set from the terminal size.
    pub height: usize,
    generation: u64,
    /// The anchor of the window load in flight, if any.
    window_in_flight: Option<Anchor>,
    extend_in_flight: bool,
    /// The store changed while a window was loading: load again when it arrives.
    stale: bool,
    pub loaded: bool,
    /// Until the CM acts on the list, the cursor follows the top as items arrive.
    pub touched: bool,
}

impl ListWindow {
    pub fn new(query: ListQuery) -> ListWindow {
        ListWindow {
            query,
            rows: Vec::new(),
            offset: 0,
            total: 0,
            counting: false,
            cursor: 0,
            scroll: 0,
            height: 10,
            generation: 0,
            window_in_flight: None,
            extend_in_flight: false,
            stale: false,
            loaded: false,
            touched: false,
        }
    }

    /// The row under the cursor, if loaded.
    pub fn current(&self) -> Option<&ItemRow> {
        self.cursor
            .checked_sub(self.offset)
            .and_then(|i| self.rows.get(i))
    }

    pub fn current_id(&self) -> Option<ItemId> {
        self.current().map(|r| r.id)
    }

    /// The visible rows with their absolute positions.
    pub fn visible(&self) -> impl Iterator<Item = (usize, &ItemRow)> {
        let start = self.scroll.saturating_sub(self.offset);
        self.rows
            .iter()
            .enumerate()
            .skip(start)
            .take(self.height)
            .map(move |(i, r)| (self.offset + i, r))
    }

    /// Starts a fresh load at `anchor`.
    pub fn load(&mut self, anchor: Anchor) -> ListRequest {
        self.generation = next_generation();
        self.window_in_flight = Some(anchor);
        self.extend_in_flight = false;
        self.stale = false;
        ListRequest::Window {
            generation: self.generation,
            query: self.query.clone(),
            anchor,
        }
    }

    /// Shows another query from its top, keeping the pane's height.
    pub fn replace_query(&mut self, query: ListQuery) -> ListRequest {
        let height = self.height;
        *self = ListWindow::new(query);
        self.height = height;
        self.touched = true;
        self.load(Anchor::Top)
    }

    /// Reloads around the cursor after the store changed, keeping the CM's place.
    pub fn refresh(&mut self) -> Option<ListRequest> {
        if self.window_in_flight.is_some() {
            self.stale = true;
            return None;
        }
        let anchor = match self.current() {
            Some(row) if self.touched => Anchor::At(row.key()),
            _ => Anchor::Top,
        };
        Some(self.load(anchor))
    }

    /// Applies a loaded window; returns a follow-up load if the store changed meanwhile.
    pub fn apply_window(&mut self, generation: u64, result: WindowResult) -> Option<ListRequest> {
        if generation != self.generation {
            return None;
        }
        let anchor = self.window_in_flight.take();
        self.loaded = true;
        let screen_line = self.cursor.saturating_sub(self.scroll);
        let old_scroll = self.scroll;
        self.rows = result.rows;
        self.offset = result.offset;
        self.total = result.total.max(self.offset + self.rows.len());
        self.counting = result.counting;
        self.cursor = if self.rows.is_empty() {
            0
        } else {
            self.offset + result.focus.min(self.rows.len() - 1)
        };
        self.scroll = match anchor {
            // At the top of the list new arrivals show above the cursor; deeper down the
            // cursor keeps its screen line so the CM's place does not jump.
            Some(Anchor::At(_)) if old_scroll == 0 => 0,
            Some(Anchor::At(_)) => self.cursor.saturating_sub(screen_line),
            Some(Anchor::Bottom) => (self.cursor + 1).saturating_sub(self.height),
            _ => 0,
        };
        self.clamp_scroll();
        if self.stale {
            return self.refresh();
        }
        self.prefetch()
    }

    /// The exact count to ask for after [`ListWindow::apply_window`], if its count was
    /// cut short.
    pub fn exact_count(&self) -> Option<ListRequest> {
        (self.counting && self.window_in_flight.is_none()).then(|| ListRequest::Count {
            generation: self.generation,
            query: self.query.clone(),
        })
    }

    /// Applies the exact count asked for by [`ListWindow::exact_count`]; the list may
    /// now reach further than the count it had.
    pub fn apply_count(&mut self, generation: u64, total: usize) -> Option<ListRequest> {
        if generation != self.generation || !self.counting {
            return None;
        }
        self.counting = false;
        self.total = total.max(self.offset + self.rows.len());
        self.prefetch()
    }

    /// Applies an extension page.
    pub fn apply_extend(
        &mut self,
        generation: u64,
        direction: Direction,
        rows: Vec<ItemRow>,
    ) -> Option<ListRequest> {
        if generation != self.generation {
            return None;
        }
        self.extend_in_flight = false;
        if rows.is_empty() {
            // The view ended sooner than counted (items left it): trust what we saw.
            match direction {
                Direction::Older => self.total = self.offset + self.rows.len(),
                Direction::Newer => {}
            }
            return None;
        }
        match direction {
            Direction::Older => {
                self.rows.extend(rows);
                if self.rows.len() > MAX_ROWS {
                    let drop = (self.rows.len() - MAX_ROWS)
                        .min(self.cursor.saturating_sub(self.offset + WINDOW_BEFORE));
                    self.rows.drain(..drop);
                    self.offset += drop;
                }
            }
            Direction::Newer => {
                let added = rows.len();
                self.offset = self.offset.saturating_sub(added);
                self.rows.splice(0..0, rows);
                if self.rows.len() > MAX_ROWS {
                    let keep = MAX_ROWS.max(self.cursor - self.offset + WINDOW_AFTER);
                    self.rows.truncate(keep);
                }
            }
        }
        self.total = self.total.max(self.offset + self.rows.len());
        self.prefetch()
    }

    /// Moves the cursor by `delta` rows within what is loaded, then asks for more rows if
    /// the cursor nears an end of the window.
    pub fn move_by(&mut self, delta: isize) -> Option<ListRequest> {
        if self.rows.is_empty() {
            return None;
        }
        let first = self.offset as isize;
        let last = (self.offset + self.rows.len() - 1) as isize;
        self.cursor = (self.cursor as isize + delta).clamp(first, last) as usize;
        self.clamp_scroll();
        self.prefetch()
    }

    /// Moves to the first row (loading it if it is not in memory).
    pub fn go_top(&mut self) -> Option<ListRequest> {
        if self.offset == 0 {
            self.cursor = 0;
            self.clamp_scroll();
            return None;
        }
        Some(self.load(Anchor::Top))
    }

    pub fn go_bottom(&mut self) -> Option<ListRequest> {
        // While counting, the end of what is loaded need not be the end of the list.
        if !self.counting && self.offset + self.rows.len() >= self.total {
            self.cursor = (self.offset + self.rows.len()).saturating_sub(1);
            self.clamp_scroll();
            return None;
        }
        Some(self.load(Anchor::Bottom))
    }

    pub fn set_height(&mut self, height: usize) {
        self.height = height.max(1);
        self.clamp_scroll();
    }

    fn clamp_scroll(&mut self) {
        if self.cursor < self.scroll {
            self.scroll = self.cursor;
        } else if self.cursor >= self.scroll + self.height {
            self.scroll = self.cursor + 1 - self.height;
        }
    }

    fn prefetch(&mut self) -> Option<ListRequest> {
        if self.extend_in_flight || self.window_in_flight.is_some() || self.rows.is_empty() {
            return None;
        }
        let margin = (self.height * 3).max(30);
        let end = self.offset + self.rows.len();
        let more_below = end < self.total || self.counting;
        let (from, direction) = if more_below && end - self.cursor <= margin {
            (self.rows.last()?.key(), Direction::Older)
        } else if self.offset > 0 && self.cursor - self.offset <= margin {
            (self.rows.first()?.key(), Direction::Newer)
        } else {
            return None;
        };
        self.extend_in_flight = true;
        Some(ListRequest::Extend {
            generation: self.generation,
            query: self.query.clone(),
            from,
            direction,
        })
    }
}

#[cfg(test)]
mod tests {
    //! The window logic on synthetic rows: what the CM notices is the cursor staying put,
    //! the list loading ahead of them, and memory staying bounded.

    use super::*;
    use crate::domain::{ItemKind, ItemState};
    use crate::store::View;

    fn row(position: usize) -> ItemRow {
        // Newest first: position 0 has the largest time.
        ItemRow {
            id: 1_000_000 - position as i64,
            created_at: 10_000_000 - position as i64,
            platform: "chirp".into(),
            kind: ItemKind::Mention,
            state: ItemState::New,
            author: "@a".into(),
            snippet: format!("item {position}"),
            sentiment: None,
            sentiment_manual: false,
            needs_reply: true,
            flag: None,
            marks: Default::default(),
            facts: crate::platform::ItemFacts::of(ItemKind::Mention),
            lang: None,
        }
    }

    fn rows(range: std::ops::Range<usize>) -> Vec<ItemRow> {
        range.map(row).collect()
    }

    fn generation(request: &ListRequest) -> u64 {
        match request {
            ListRequest::Window { generation, .. }
            | ListRequest::Extend { generation, .. }
            | ListRequest::Count { generation, .. } => *generation,
        }
    }

    fn loaded(total: usize, height: usize) -> ListWindow {
        let mut list = ListWindow::new(ListQuery::view(View::Inbox));
        list.set_height(height);
        list.touched = true;
        let request = list.load(Anchor::Top);
        let n = WINDOW_AFTER.min(total);
        list.apply_window(
            generation(&request),
            WindowResult {
                rows: rows(0..n),
                offset: 0,
                total,
                focus: 0,
                counting: false,
            },
        );
        list
    }

    #[test]
    fn moving_near_the_end_of_the_window_asks_for_the_next_page_once() {
        let mut list = loaded(1_000_000, 20);
        let mut requests = vec![];
        for _ in 0..150 {
            requests.extend(list.move_by(1));
        }
        assert_eq!(list.cursor, 150);
        assert_eq!(requests.len(), 1, "one extension in flight at a time");
        match &requests[0] {
            ListRequest::Extend {
                from, direction, ..
            } => {
                assert_eq!(*direction, Direction::Older);
                assert_eq!(*from, row(WINDOW_AFTER - 1).key());
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_list_still_counting_reaches_past_its_count_and_g_loads_the_real_bottom() {
        let mut list = ListWindow::new(ListQuery::view(View::Inbox));
        list.set_height(20);
        list.touched = true;
        let request = list.load(Anchor::Top);
        list.apply_window(
            generation(&request),
            WindowResult {
                rows: rows(0..WINDOW_AFTER),
                offset: 0,
                total: WINDOW_AFTER,
                focus: 0,
                counting: true,
            },
        );
        let count = list.exact_count().expect("the exact count is asked for");
        let mut asked = None;
        for _ in 0..WINDOW_AFTER - 1 {
            asked = asked.or(list.move_by(1));
        }
        assert!(
            matches!(
                asked,
                Some(ListRequest::Extend {
                    direction: Direction::Older,
                    ..
                })
            ),
            "the next page is asked for though the count says no more: {asked:?}"
        );
        assert!(matches!(
            list.go_bottom(),
            Some(ListRequest::Window {
                anchor: Anchor::Bottom,
                ..
            })
        ));
        // The exact count of a list since reloaded is not this list's.
        assert_eq!(list.apply_count(generation(&count), 5_000), None);
        assert!(list.counting);
    }

    #[test]
    fn memory_stays_bounded_while_scrolling_far() {
        let mut list = loaded(1_000_000, 20);
        for _ in 0..5_000 {
            if let Some(ListRequest::Extend {
                generation,
                direction,
                ..
            }) = list.move_by(1)
            {
                let end = list.offset + list.rows.len();
                list.apply_extend(generation, direction, rows(end..end + EXTEND_ROWS));
            }
        }
        assert_eq!(list.cursor, 5_000);
        assert!(
            list.rows.len() <= MAX_ROWS + EXTEND_ROWS,
            "{}",
            list.rows.len()
        );
        assert_eq!(list.current().unwrap().snippet, "item 5000");
        assert!(list.scroll <= 5_000 && 5_000 < list.scroll + 20);
    }

    #[test]
    fn new_items_arriving_above_keep_the_cursor_on_the_same_item_and_screen_line() {
        let mut list = loaded(50, 10);
        list.move_by(25);
        let before = list.current().unwrap().clone();
        let line = list.cursor - list.scroll;
        let request = list.refresh().unwrap();
        // Three new items arrived at the top: the same item is now at position 28.
        let mut fresh = vec![row(0), row(1), row(2)];
        fresh.iter_mut().for_each(|r| {
            r.created_at += 100;
            r.id += 100;
        });
        fresh.extend(rows(0..50));
        list.apply_window(
            generation(&request),
            WindowResult {
                rows: fresh,
                offset: 0,
                total: 53,
                focus: 28,
                counting: false,
            },
        );
        assert_eq!(list.current().unwrap(), &before);
        assert_eq!(list.cursor - list.scroll, line);
    }

    #[test]
    fn a_stale_answer_from_a_previous_view_is_ignored() {
        let mut list = loaded(50, 10);
        let old = list.load(Anchor::Top);
        let new = list.load(Anchor::Top);
        let ignored = WindowResult {
            rows: rows(0..3),
            offset: 0,
            total: 3,
            focus: 0,
            counting: false,
        };
        list.apply_window(generation(&old), ignored);
        list.apply_window(
            generation(&new),
            WindowResult {
                rows: rows(0..7),
                offset: 0,
                total: 7,
                focus: 0,
                counting: false,
            },
        );
        assert_eq!(list.total, 7);
        assert_eq!(list.rows.len(), 7);
    }

    #[test]
    fn go_bottom_loads_the_last_page_when_it_is_not_in_memory() {
        let mut list = loaded(1_000_000, 20);
        let request = list.go_bottom().expect("a load of the last page");
        assert!(matches!(
            request,
            ListRequest::Window {
                anchor: Anchor::Bottom,
                ..
            }
        ));
        list.apply_window(
            generation(&request),
            WindowResult {
                rows: rows(999_800..1_000_000),
                offset: 999_800,
                total: 1_000_000,
                focus: 199,
                counting: false,
            },
        );
        assert_eq!(list.cursor, 999_999);
        assert_eq!(list.current().unwrap().snippet, "item 999999");
        assert_eq!(list.scroll, 999_980);
    }

    #[test]
    fn a_store_change_during_a_load_reloads_once_it_arrives() {
        let mut list = loaded(50, 10);
        let first = list.refresh().unwrap();
        assert!(list.refresh().is_none(), "coalesced while in flight");
        let again = list.apply_window(
            generation(&first),
            WindowResult {
                rows: rows(0..50),
                offset: 0,
                total: 50,
                focus: 0,
                counting: false,
            },
        );
        assert!(matches!(again, Some(ListRequest::Window { .. })));
    }

    #[test]
    fn at_the_top_of_the_list_new_arrivals_are_shown_above_the_cursor() {
        let mut list = loaded(5, 10);
        let request = list.refresh().unwrap();
        let mut fresh = vec![row(0), row(1)];
        fresh.iter_mut().for_each(|r| {
            r.created_at += 100;
            r.id += 100;
        });
        fresh.extend(rows(0..5));
        list.apply_window(
            generation(&request),
            WindowResult {
                rows: fresh,
                offset: 0,
                total: 7,
                focus: 2,
                counting: false,
            },
        );
        assert_eq!(list.scroll, 0, "the new items are visible");
        assert_eq!(list.cursor, 2, "the cursor stays on the item the CM was on");
        assert_eq!(list.visible().count(), 7);
    }

    #[test]
    fn until_the_cm_acts_the_cursor_follows_the_newest_item() {
        let mut list = ListWindow::new(ListQuery::view(View::Inbox));
        let request = list.load(Anchor::Top);
        list.apply_window(
            generation(&request),
            WindowResult {
                rows: rows(0..3),
                offset: 0,
                total: 3,
                focus: 0,
                counting: false,
            },
        );
        let request = list.refresh().unwrap();
        assert!(matches!(
            request,
            ListRequest::Window {
                anchor: Anchor::Top,
                ..
            }
        ));
    }
}

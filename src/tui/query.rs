//! The query worker: a thread with its own read-only connection that answers the UI's
//! reads, so a slow query never blocks a key press.
//!
//! When requests pile up (the CM holds `j`), only the newest of each kind is run: an
//! answer for an item the cursor has already left is wasted work.

use std::sync::mpsc;

use crate::domain::ItemId;
use crate::sentiment::{Analyzer, Contribution};
use crate::store::read::{Direction, ItemDetail, ItemRow, ListQuery, PageKey};
use crate::store::{Reader, View};

use super::inbox::list::EXTEND_ROWS;
use super::inbox::list::{Anchor, ListRequest, WindowResult, WINDOW_AFTER, WINDOW_BEFORE};

/// A read the UI needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    List(ListRequest),
    /// Platforms and the count of every sidebar view.
    Sidebar,
    Detail(ItemId),
    /// Notes, outbox actions and escalations of one item.
    Moderation(ItemId),
    /// Open escalations and the tags in use.
    OpenEscalations,
    /// An item's draft and outbox rows.
    ItemOutbox(ItemId),
    /// The Outbox pane's rows.
    Outbox,
    /// How many outbox rows are failed and unknown, for the status bar.
    OutboxAttention,
    /// The ids a list query selects, to mark them.
    Ids {
        query: ListQuery,
        purpose: IdsFor,
    },
    /// The counts of the saved views: (name, pattern).
    SavedCounts(Vec<(String, crate::store::pattern::Pattern)>),
    /// The author view's card of a person.
    Person(i64),
}

/// What the ids of [`Request::Ids`] are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdsFor {
    Mark,
    Invert,
}

/// The answer to a [`Request`].
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    Window {
        generation: u64,
        result: WindowResult,
    },
    Extended {
        generation: u64,
        direction: Direction,
        rows: Vec<ItemRow>,
    },
    Sidebar {
        views: Vec<(View, u64)>,
        /// Records set aside as unreadable, and notifications that arrived older than the
        /// look-back (see `crate::store::aside`).
        aside: (u64, u64),
    },
    Detail {
        id: ItemId,
        detail: Option<Box<ItemDetail>>,
        /// The words that drove the automatic score.
        explanation: Vec<Contribution>,
    },
    Moderation {
        id: ItemId,
        info: crate::store::moderation::ModerationInfo,
    },
    OpenEscalations {
        incidents: Vec<crate::escalation::IncidentView>,
        tags: Vec<(String, u64)>,
    },
    ItemOutbox {
        id: ItemId,
        outbox: crate::outbox::read::ItemOutbox,
    },
    Outbox(Vec<crate::outbox::read::OutboxRow>),
    Person(crate::store::people::PersonCard),
    OutboxAttention {
        failed: usize,
        unknown: usize,
        /// Team mode, cut off from the team: replies waiting for it.
        team_waiting: Option<usize>,
    },
    /// Each saved view's count, as far as [`SAVED_COUNT_BUDGET`] let it go.
    SavedCounts(Vec<(String, crate::store::read::Count)>),
    /// The exact count of a list whose window came with a count cut short.
    Counted {
        generation: u64,
        total: usize,
    },
    Ids {
        purpose: IdsFor,
        ids: Vec<ItemId>,
        /// More matched than [`super::find::MARK_CAP`].
        capped: bool,
    },
    Failed(String),
}

/// Starts the worker on `reader`; answers go to `reply`. The thread ends when the sender
/// is dropped.
pub fn spawn(
    reader: Reader,
    analyzer: std::sync::Arc<Analyzer>,
    reply: impl Fn(Response) + Send + 'static,
) -> anyhow::Result<mpsc::Sender<Request>> {
    let (tx, rx) = mpsc::channel::<Request>();
    std::thread::Builder::new()
        .name("hark-queries".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut batch = vec![first];
                batch.extend(rx.try_iter());
                serve(&reader, &analyzer, batch, &reply);
            }
        })?;
    Ok(tx)
}

/// Answers the requests that queued up while the last batch ran, as the worker does:
/// superseded ones are skipped, a failed read answers [`Response::Failed`]. The headless
/// driver calls it in place of the worker's thread.
pub fn serve(reader: &Reader, analyzer: &Analyzer, batch: Vec<Request>, reply: impl Fn(Response)) {
    for request in newest_of_each_kind(batch) {
        let response = run(reader, analyzer, request)
            .unwrap_or_else(|e| Response::Failed(format!("cannot read the cache: {e}")));
        reply(response);
    }
}

/// Keeps the last window load, the last detail and the last sidebar request; keeps every
/// extension (each belongs to a window generation the list checks itself).
fn newest_of_each_kind(batch: Vec<Request>) -> Vec<Request> {
    let mut keep: Vec<Request> = Vec::new();
    for request in batch.into_iter().rev() {
        let duplicate = keep.iter().any(|k| {
            matches!(
                (k, &request),
                (Request::Sidebar, Request::Sidebar)
                    | (Request::Detail(_), Request::Detail(_))
                    | (Request::Moderation(_), Request::Moderation(_))
                    | (Request::OpenEscalations, Request::OpenEscalations)
                    | (Request::ItemOutbox(_), Request::ItemOutbox(_))
                    | (Request::Outbox, Request::Outbox)
                    | (Request::OutboxAttention, Request::OutboxAttention)
                    | (Request::SavedCounts(_), Request::SavedCounts(_))
                    | (
                        Request::List(ListRequest::Window { .. }),
                        Request::List(ListRequest::Window { .. })
                    )
                    | (
                        Request::List(ListRequest::Count { .. }),
                        Request::List(ListRequest::Count { .. })
                    )
            )
        });
        if !duplicate {
            keep.push(request);
        }
    }
    keep.reverse();
    keep
}

/// Runs one request against the cache.
pub fn run(
    reader: &Reader,
    analyzer: &Analyzer,
    request: Request,
) -> crate::store::Result<Response> {
    Ok(match request {
        Request::List(ListRequest::Window {
            generation,
            query,
            anchor,
        }) => Response::Window {
            generation,
            result: load_window(reader, &query, anchor)?,
        },
        Request::List(ListRequest::Count { generation, query }) => Response::Counted {
            generation,
            total: reader.count(&query)? as usize,
        },
        Request::List(ListRequest::Extend {
            generation,
            query,
            from,
            direction,
        }) => Response::Extended {
            generation,
            direction,
            rows: reader.page(&query, Some(from), direction, EXTEND_ROWS)?,
        },
        Request::Sidebar => {
            let mut views: Vec<View> = View::FIXED.to_vec();
            // Team mode: Mine, Unassigned and Approvals after Needs reply.
            if crate::store::team::me(reader.conn())?.is_some() {
                views.splice(2..2, View::TEAM);
            }
            views.extend(reader.platforms()?.into_iter().map(View::Platform));
            // The most used tags get a view each.
            let tags = crate::store::moderation::tags_in_use(reader.conn())?;
            views.extend(tags.into_iter().take(8).map(|(t, _)| View::Tag(t)));
            let mut counted = Vec::with_capacity(views.len());
            for view in views {
                let n = reader.count(&ListQuery::view(view.clone()))?;
                counted.push((view, n));
            }
            Response::Sidebar {
                views: counted,
                aside: crate::store::aside::counts(reader.conn())?,
            }
        }
        Request::Detail(id) => {
            let detail = reader.detail(id)?;
            let explanation = detail
                .as_ref()
                // An unscored language has no words to explain.
                .filter(|d| d.row.lang.as_deref().is_none_or(|l| analyzer.scores(l)))
                .map(|d| analyzer.explain(&d.body).1)
                .unwrap_or_default();
            Response::Detail {
                id,
                detail: detail.map(Box::new),
                explanation,
            }
        }
        Request::Moderation(id) => Response::Moderation {
            id,
            info: crate::store::moderation::info(reader.conn(), id)?,
        },
        Request::Person(person) => {
            Response::Person(crate::store::people::card(reader.conn(), person)?)
        }
        Request::OutboxAttention => {
            let (failed, unknown) = crate::outbox::read::attention(reader.conn())?;
            let team_waiting = crate::store::outbox_read::waiting_for_team(reader.conn())?;
            Response::OutboxAttention {
                failed,
                unknown,
                team_waiting,
            }
        }
        Request::OpenEscalations => Response::OpenEscalations {
            incidents: crate::escalation::open_views(reader.conn())?,
            tags: crate::store::moderation::tags_in_use(reader.conn())?,
        },
        Request::ItemOutbox(id) => Response::ItemOutbox {
            id,
            outbox: crate::outbox::read::item_outbox(reader.conn(), id)?,
        },
        Request::Outbox => Response::Outbox(crate::outbox::read::recent(reader.conn(), 200)?),
        Request::SavedCounts(views) => {
            let mut counts = Vec::with_capacity(views.len());
            for (name, pattern) in views {
                let query = ListQuery {
                    limit: Some(pattern),
                    ..ListQuery::view(View::All)
                };
                counts.push((name, reader.count_within(&query, SAVED_COUNT_BUDGET)?));
            }
            Response::SavedCounts(counts)
        }
        Request::Ids { query, purpose } => {
            let cap = super::find::MARK_CAP;
            let mut ids = reader.ids(&query, cap + 1)?;
            let capped = ids.len() > cap;
            ids.truncate(cap);
            Response::Ids {
                purpose,
                ids,
                capped,
            }
        }
    })
}

/// How long one saved view's sidebar count may take: the counts share the query worker
/// with the lists, so a view matching half a big cache shows "at least" rather than hold
/// the next page the CM asked for.
pub const SAVED_COUNT_BUDGET: crate::store::budget::Budget =
    crate::store::budget::Budget::Time(std::time::Duration::from_millis(50));

/// How long a window's count may take before the list shows "at least" and asks for
/// the exact count separately: the CM never waits on a count for the first page.
pub const COUNT_BUDGET: crate::store::budget::Budget =
    crate::store::budget::Budget::Time(std::time::Duration::from_millis(15));

/// Loads the rows around `anchor` and works out their absolute position.
pub fn load_window(
    reader: &Reader,
    query: &ListQuery,
    anchor: Anchor,
) -> crate::store::Result<WindowResult> {
    // The bottom's position needs the whole count; elsewhere a count cut by its budget
    // shows as "at least" until the exact one comes (`ListRequest::Count`).
    let counted = match anchor {
        Anchor::Bottom => crate::store::read::Count {
            n: reader.count(query)?,
            complete: true,
        },
        _ => reader.count_within(query, COUNT_BUDGET)?,
    };
    let total = counted.n as usize;
    let counting = !counted.complete;
    Ok(match anchor {
        Anchor::Top => WindowResult {
            rows: reader.page(query, None, Direction::Older, WINDOW_AFTER)?,
            offset: 0,
            total,
            focus: 0,
            counting,
        },
        Anchor::Bottom => {
            let rows = reader.page(query, None, Direction::Newer, WINDOW_AFTER)?;
            WindowResult {
                offset: total.saturating_sub(rows.len()),
                focus: rows.len().saturating_sub(1),
                rows,
                total,
                counting,
            }
        }
        Anchor::At(key) => {
            let newer = reader.page(query, Some(key), Direction::Newer, WINDOW_BEFORE)?;
            // Just past the anchor, so the anchor item itself is the first older row.
            use crate::store::read::Sort;
            // The SLA-due order's first part is oldest first, its second newest first.
            let oldest_first = match query.sort {
                Sort::Newest => false,
                Sort::Oldest => true,
                Sort::SlaDue => key.rank == 0,
            };
            let inclusive = PageKey {
                id: if oldest_first {
                    key.id.saturating_sub(1)
                } else {
                    key.id.saturating_add(1)
                },
                ..key
            };
            let older = reader.page(query, Some(inclusive), Direction::Older, WINDOW_AFTER)?;
            let focus = if older.is_empty() {
                newer.len().saturating_sub(1)
            } else {
                newer.len()
            };
            let mut rows = newer;
            let reached_top = rows.len() < WINDOW_BEFORE;
            rows.extend(older);
            // Only a window deep in the list pays for counting what lies above it.
            let offset = match rows.first() {
                Some(first) if !reached_top => reader.count_newer(query, first.key())? as usize,
                _ => 0,
            };
            WindowResult {
                rows,
                offset,
                total,
                focus,
                counting,
            }
        }
    })
}

//! `hark report`: the weekly report for the social media manager (README "The weekly report").
//!
//! Every figure is computed from the cache on a read-only connection for one period and
//! the one before it; the same cache and options always give the same bytes (no clock is
//! read here: "now" only picks the default week).

pub mod chart;
pub mod config;
pub mod escalations;
pub mod export;
pub mod languages;
pub mod md;
pub mod moderation;
pub mod people;
pub mod period;
pub mod response;
pub mod sentiment;
pub mod stopwords;
pub mod summary;
pub mod tags;
pub mod team;
pub mod terms;
pub mod volume;
pub mod wording;

use std::fmt::Write;

use rusqlite::Connection;
use serde::Serialize;

use crate::domain::UnixTime;
use crate::store::report as data;
pub use period::{Period, Spec};
pub use wording::Wording;

/// What to report on.
#[derive(Debug, Clone)]
pub struct Options {
    pub spec: Spec,
    pub tz: String,
    /// The first-response target, in seconds.
    pub target_secs: i64,
    /// The clock the target is measured on (`[sla] hours`); the wall clock by default.
    pub clock: crate::sla::Clock,
    pub brand: String,
    /// Only decides the default week.
    pub now: UnixTime,
}

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Md,
    Csv,
    Json,
}

/// What every section reads: the period, the one before, and their items.
pub struct Ctx<'a> {
    pub conn: &'a Connection,
    pub period: Period,
    pub prev: Period,
    /// The platform and language names the items point into.
    pub names: data::Names,
    /// Community items created in the period, oldest first, with the negative ones' text.
    pub this: data::Items,
    /// ... in the previous period (no text).
    pub before: data::Items,
    /// Negative items in the four weeks before the period (for recurring problems).
    pub history: Vec<data::Text>,
    /// Where the unanswered backlog is counted from: four weeks before the period.
    pub backlog_from: UnixTime,
    pub target: i64,
    pub clock: crate::sla::Clock,
}

/// Every section's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sections {
    pub volume: volume::Volume,
    pub responsiveness: response::Responsiveness,
    pub sentiment: sentiment::Sentiment,
    pub by_language: languages::ByLanguage,
    pub escalations: escalations::Escalations,
    pub recurring: terms::Recurring,
    pub moderation: moderation::Moderation,
    pub tags: tags::Tags,
    pub people: people::People,
}

/// The whole report as data (the JSON and CSV formats are this, serialised).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportData {
    pub brand: String,
    pub period: Period,
    pub previous: Period,
    pub summary: summary::Summary,
    #[serde(flatten)]
    pub sections: Sections,
    /// Team mode only ([`with_team`]): the report per CM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<team::Team>,
}

/// Computes the report from the cache.
pub fn compute(conn: &Connection, opts: &Options) -> anyhow::Result<ReportData> {
    // One snapshot for every section, so a poller writing meanwhile cannot make them
    // disagree (and the many small lookups share one read lock).
    let _snapshot = if conn.is_autocommit() {
        Some(conn.unchecked_transaction()?)
    } else {
        None
    };
    let period = Period::resolve(&opts.spec, &opts.tz, opts.now)?;
    let prev = period.previous()?;
    let history_start = period.weeks_before_start(4)?;
    let mut names = data::Names::load(conn)?;
    // Two periods' counts; of the texts, only what recurring problems read.
    let this = data::items(conn, &mut names, period.start, period.end, true)?;
    let before = data::items(conn, &mut names, prev.start, prev.end, false)?;
    let ctx = Ctx {
        conn,
        names,
        this,
        before,
        history: data::negative_texts(conn, history_start, period.start)?,
        period,
        prev,
        backlog_from: history_start,
        target: opts.target_secs,
        clock: opts.clock.clone(),
    };
    // Recurring problems is mostly splitting text into words, the other sections mostly
    // reading the cache: the one runs on its own thread while the others query.
    let (this, names, history) = (&ctx.this, &ctx.names, &ctx.history);
    let sections = std::thread::scope(|scope| -> anyhow::Result<Sections> {
        let ranked = scope.spawn(move || terms::rank(this, names, history));
        let volume = volume::compute(&ctx);
        let responsiveness = response::compute(&ctx)?;
        let sentiment = sentiment::compute(&ctx)?;
        let by_language = languages::compute(&ctx);
        let escalations = escalations::compute(&ctx)?;
        let moderation = moderation::compute(&ctx)?;
        let tags = tags::compute(&ctx)?;
        let people = people::compute(&ctx)?;
        let ranked = ranked
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        Ok(Sections {
            volume,
            responsiveness,
            sentiment,
            by_language,
            escalations,
            recurring: terms::name(ranked, &ctx)?,
            moderation,
            tags,
            people,
        })
    })?;
    Ok(ReportData {
        brand: opts.brand.clone(),
        summary: summary::compute(&sections, &Wording::of(&ctx.period)),
        period: ctx.period,
        previous: ctx.prev,
        sections,
        team: None,
    })
}

/// Adds the team section (team mode): one row per CM of `members`, in their order.
pub fn with_team(
    mut data: ReportData,
    conn: &Connection,
    members: &[String],
    clock: &crate::sla::Clock,
) -> anyhow::Result<ReportData> {
    data.team = Some(team::compute(conn, &data.period, members, clock)?);
    Ok(data)
}

/// A rendered report: the main text and the files to write beside it (SVG charts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    /// (file name, contents).
    pub files: Vec<(String, String)>,
}

/// Renders `data` in `format`. With `chart_stem` ("report" for report.md) the markdown
/// links an SVG per chart, named `<stem>-<chart>.svg`, returned in `files`.
pub fn render(data: &ReportData, format: Format, chart_stem: Option<&str>) -> Rendered {
    match format {
        Format::Json => Rendered {
            text: export::json(data),
            files: Vec::new(),
        },
        Format::Csv => Rendered {
            text: export::csv(data),
            files: Vec::new(),
        },
        Format::Md => markdown(data, chart_stem),
    }
}

fn markdown(data: &ReportData, chart_stem: Option<&str>) -> Rendered {
    let s = &data.sections;
    let mut files = Vec::new();
    let mut chart_md = |chart: chart::Chart| {
        let mut text = chart.unicode();
        if let Some(stem) = chart_stem {
            let name = format!("{stem}-{}.svg", chart.name);
            let _ = write!(
                text,
                "\n![{}]({})\n",
                md::text(&chart.title),
                link_path(&name)
            );
            files.push((name, chart.svg()));
        }
        text
    };
    let p = &data.period;
    let w = Wording::of(p);
    // A section with nothing to chart says so instead; no empty picture is written.
    let volume_chart = if s.volume.total + s.volume.previous > 0 {
        chart_md(volume::chart(&s.volume, p, &w, chart_markers(data)))
    } else {
        String::new()
    };
    let sentiment_chart = if s.sentiment.this.labelled() + s.sentiment.previous.labelled() > 0 {
        chart_md(sentiment::chart(&s.sentiment, p, &w, chart_markers(data)))
    } else {
        String::new()
    };
    let mut out = String::new();
    let brand = md::text(&data.brand);
    if brand.is_empty() {
        let _ = writeln!(out, "# Community report · {}\n", md::text(&p.name));
    } else {
        let _ = writeln!(
            out,
            "# {brand} · community report · {}\n",
            md::text(&p.name)
        );
    }
    let _ = writeln!(
        out,
        "{} to {} ({} days, {} time), compared with {} to {}.\n",
        p.first_day,
        p.last_day,
        p.days.len(),
        md::text(&p.tz),
        data.previous.first_day,
        data.previous.last_day
    );
    summary::render(&data.summary, &mut out);
    volume::render(&s.volume, &volume_chart, &w, &mut out);
    response::render(&s.responsiveness, &w, &mut out);
    sentiment::render(&s.sentiment, &sentiment_chart, &w, &mut out);
    languages::render(&s.by_language, &mut out);
    escalations::render(&s.escalations, &data.period, &w, &mut out);
    terms::render(&s.recurring, &w, &mut out);
    moderation::render(&s.moderation, &w, &mut out);
    tags::render(&s.tags, &w, &mut out);
    people::render(&s.people, &w, &mut out);
    if let Some(t) = &data.team {
        team::render(t, &w, &mut out);
    }
    out.push_str("---\nWritten by hark from the local cache. Every figure counts community items (mentions, comments, DMs) created in the period, in its time zone.\n");
    Rendered { text: out, files }
}

/// Moments the charts mark with a line and a label, (time, label): where incidents
/// opened. The incident section fills this; until it does, the charts carry none.
fn chart_markers(_data: &ReportData) -> Vec<chart::Marker> {
    Vec::new()
}

/// A relative link to a file name, percent-encoding anything markdown could misread.
fn link_path(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

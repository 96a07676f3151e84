//! Charts: a unicode bar chart for the markdown and a hand-written SVG beside it.
//!
//! Both take the same slots and series, so the picture and the text never disagree.
//! The SVG is written by hand rather than with a plotting crate: it is a few dozen
//! elements (bars, one polyline, axes, text), the output must be byte-for-byte
//! deterministic for the golden tests, and the plotting crates pull in font rasterising
//! or a bitmap backend the report does not need. Label placement is computed here from
//! the font size, and the tests check it against real text boxes (resvg/usvg).
//!
//! Past 31 days the slots are summed by week, so a 90-day chart has 13 bars, not 90.
//! Day labels are thinned so that no two overlap, whatever the range.

use std::fmt::Write;

use crate::domain::UnixTime;

/// One slot on the x axis: a day or a week.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// "Mon 16" for a day.
    pub label: String,
    /// The first day, ISO ("2026-11-16"), for week labels.
    pub date: String,
    pub start: UnixTime,
    pub end: UnixTime,
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Draw {
    /// Bars up from the axis.
    Up,
    /// Bars down from the axis (the value is a count drawn below zero).
    Down,
    /// A dashed line through the slot centres (the comparison period); drawn up, or
    /// down for a series compared with a [`Draw::Down`] one.
    Line { down: bool },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// One value per slot, never negative: [`Draw`] says which side of the axis.
    pub values: Vec<f64>,
    pub draw: Draw,
    pub colour: &'static str,
}

/// A moment to mark on the chart (an incident opening): a vertical line and a label.
/// Empty unless a section fills it; the incident work hooks in here.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub at: UnixTime,
    pub label: String,
}

/// A chart with a file stem ("volume") and a title.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub name: &'static str,
    pub title: String,
    /// What the y axis counts ("items").
    pub unit: String,
    pub slots: Vec<Slot>,
    pub series: Vec<Series>,
    pub markers: Vec<Marker>,
}

/// A laid-out text label, for the overlap tests: its anchor point and size in px.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelBox {
    pub text: String,
    pub x0: f64,
    pub x1: f64,
    pub y0: f64,
    pub y1: f64,
}

const WIDTH: usize = 30;
const EIGHTHS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];
/// Past this many days the chart shows weeks.
pub const MAX_DAYS: usize = 31;

const W: f64 = 720.0;
const H: f64 = 300.0;
const PAD_L: f64 = 56.0;
const PAD_R: f64 = 16.0;
const PAD_T: f64 = 72.0;
const PAD_B: f64 = 40.0;
const FONT: f64 = 12.0;
/// A generous average advance of sans-serif text at [`FONT`] px, so estimated label
/// boxes are never narrower than the real ones.
const CHAR_W: f64 = 7.6;
const GAP: f64 = 10.0;
/// Bold text is this much wider.
const BOLD: f64 = 1.15;

fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * CHAR_W * size / FONT
}

impl Chart {
    /// The chart with its slots summed by week when it covers more than 31 days.
    pub fn readable(self) -> Chart {
        if self.slots.len() <= MAX_DAYS {
            return self;
        }
        let weeks: Vec<&[Slot]> = self.slots.chunks(7).collect();
        let slots = weeks
            .iter()
            .map(|days| Slot {
                label: week_label(&days[0].date),
                date: days[0].date.clone(),
                start: days[0].start,
                end: days[days.len() - 1].end,
            })
            .collect();
        let series = self
            .series
            .into_iter()
            .map(|s| Series {
                values: s.values.chunks(7).map(|w| w.iter().sum()).collect(),
                ..s
            })
            .collect();
        Chart {
            slots,
            series,
            ..self
        }
    }

    fn value(&self, draw: Draw, i: usize) -> f64 {
        self.series
            .iter()
            .find(|s| s.draw == draw)
            .and_then(|s| s.values.get(i))
            .copied()
            .unwrap_or(0.0)
    }

    /// Horizontal bars in a fenced text block: the period's bars (a [`Draw::Down`] series
    /// grows left of an axis), the figures after them.
    pub fn unicode(&self) -> String {
        let label_width = self
            .slots
            .iter()
            .map(|s| s.label.chars().count())
            .max()
            .unwrap_or(0);
        let diverging = self.series.iter().any(|s| s.draw == Draw::Down);
        let max = (0..self.slots.len())
            .map(|i| self.value(Draw::Up, i).max(self.value(Draw::Down, i)))
            .fold(0.0, f64::max);
        let scale = |v: f64| {
            if max > 0.0 {
                v / max * WIDTH as f64
            } else {
                0.0
            }
        };
        let mut out = String::from("```text\n");
        for (i, slot) in self.slots.iter().enumerate() {
            let label = slot.label.replace('`', "'");
            let up = self.value(Draw::Up, i);
            let line = if diverging {
                let down = self.value(Draw::Down, i);
                format!(
                    "{label:<label_width$} {:>WIDTH$}│{:<WIDTH$} +{up} −{down}",
                    blocks(scale(down)),
                    blocks(scale(up)),
                )
            } else {
                format!("{label:<label_width$} {:<WIDTH$} {up}", blocks(scale(up)))
            };
            let _ = writeln!(out, "{}", line.trim_end());
        }
        out.push_str("```\n");
        out
    }

    /// The y range: (top, bottom) values, bottom ≤ 0, on nice tick steps.
    fn y_range(&self) -> (f64, f64, f64) {
        let extent = |down: bool| {
            self.series
                .iter()
                .filter(|s| matches!(s.draw, Draw::Down | Draw::Line { down: true }) == down)
                .flat_map(|s| s.values.iter().copied())
                .fold(0.0, f64::max)
        };
        let (up, down) = (extent(false), extent(true));
        let step = nice_step((up + down).max(1.0) / 4.0);
        let top = (up / step).ceil().max(if down > 0.0 { 0.0 } else { 1.0 }) * step;
        let bottom = -(down / step).ceil() * step;
        (top, bottom, step)
    }

    /// Every text label the SVG draws, where it draws it (estimated from the font size).
    pub fn label_boxes(&self) -> Vec<LabelBox> {
        self.layout().1
    }

    /// A bar chart with axes, the comparison as a dashed line, a legend and markers, as a
    /// standalone SVG document.
    pub fn svg(&self) -> String {
        self.layout().0
    }

    fn layout(&self) -> (String, Vec<LabelBox>) {
        let mut c = Canvas::default();
        let plot_w = W - PAD_L - PAD_R;
        let plot_h = H - PAD_T - PAD_B;
        let n = self.slots.len().max(1);
        let slot_w = plot_w / n as f64;
        let (top, bottom, step) = self.y_range();
        let y_of = |v: f64| PAD_T + (top - v) / (top - bottom) * plot_h;
        let zero = y_of(0.0);
        let x_of = |i: usize| PAD_L + slot_w * i as f64;
        let _ = writeln!(
            c.svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="DejaVu Sans, Verdana, sans-serif">"#
        );
        let _ = writeln!(c.svg, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
        c.text(
            PAD_L,
            22.0,
            "start",
            r#" font-weight="bold""#,
            &self.title,
            15.0,
        );
        // Legend, right-aligned on the line below the title; series of one name (the
        // previous period's two lines) share an entry.
        let mut lx = W - PAD_R;
        let mut named: Vec<&str> = Vec::new();
        for series in self.series.iter().rev() {
            let name = &series.name;
            if named.contains(&name.as_str()) {
                continue;
            }
            named.push(name);
            let w = text_width(name, FONT);
            lx -= w;
            c.text(lx, 42.0, "start", r##" fill="#333""##, name, FONT);
            lx -= 18.0;
            match series.draw {
                Draw::Line { .. } => {
                    let _ = writeln!(
                        c.svg,
                        r#"<line x1="{lx:.1}" y1="38" x2="{:.1}" y2="38" stroke="{}" stroke-width="2" stroke-dasharray="4 3"/>"#,
                        lx + 14.0,
                        series.colour
                    );
                }
                _ => {
                    let _ = writeln!(
                        c.svg,
                        r#"<rect x="{lx:.1}" y="33" width="12" height="10" fill="{}"/>"#,
                        series.colour
                    );
                }
            }
            lx -= 14.0;
        }
        // The y axis: gridlines and ticks on nice steps; counts below zero read as counts.
        c.text(
            4.0,
            PAD_T - 12.0,
            "start",
            r##" fill="#555""##,
            &self.unit,
            11.0,
        );
        let mut v = bottom;
        while v <= top + step / 2.0 {
            let y = y_of(v);
            let _ = writeln!(
                c.svg,
                r##"<line x1="{PAD_L}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e5e5e5"/>"##,
                W - PAD_R
            );
            c.text(
                PAD_L - 6.0,
                y + 4.0,
                "end",
                r##" fill="#555""##,
                &format_count(v.abs()),
                FONT,
            );
            v += step;
        }
        // Bars of this period.
        for series in &self.series {
            let down = match series.draw {
                Draw::Up => false,
                Draw::Down => true,
                Draw::Line { .. } => continue,
            };
            for (i, &value) in series.values.iter().enumerate() {
                if value <= 0.0 {
                    continue;
                }
                let bw = slot_w * 0.7;
                let x = x_of(i) + slot_w * 0.15;
                let end = y_of(if down { -value } else { value });
                let (y, h) = if down {
                    (zero, end - zero)
                } else {
                    (end, zero - end)
                };
                let _ = writeln!(
                    c.svg,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{bw:.1}" height="{h:.1}" fill="{}"/>"#,
                    series.colour
                );
            }
        }
        // The comparison period, as a dashed line through the slot centres.
        for series in &self.series {
            let Draw::Line { down } = series.draw else {
                continue;
            };
            let points: Vec<String> = series
                .values
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    format!(
                        "{:.1},{:.1}",
                        x_of(i) + slot_w / 2.0,
                        y_of(if down { -v } else { v })
                    )
                })
                .collect();
            let _ = writeln!(
                c.svg,
                r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2" stroke-dasharray="4 3"/>"#,
                points.join(" "),
                series.colour
            );
        }
        // Axes.
        let _ = writeln!(
            c.svg,
            r##"<line x1="{PAD_L}" y1="{zero:.1}" x2="{:.1}" y2="{zero:.1}" stroke="#333"/>"##,
            W - PAD_R
        );
        let _ = writeln!(
            c.svg,
            r##"<line x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{:.1}" stroke="#333"/>"##,
            H - PAD_B
        );
        // x labels, every k-th slot so that none overlap.
        let widest = self
            .slots
            .iter()
            .map(|s| text_width(&s.label, FONT))
            .fold(0.0, f64::max);
        let every = ((widest + GAP) / slot_w).ceil().max(1.0) as usize;
        for (i, slot) in self.slots.iter().enumerate() {
            let cx = x_of(i) + slot_w / 2.0;
            let labelled = i % every == 0;
            let tick = if labelled { 5.0 } else { 2.0 };
            let _ = writeln!(
                c.svg,
                r##"<line x1="{cx:.1}" y1="{:.1}" x2="{cx:.1}" y2="{:.1}" stroke="#333"/>"##,
                H - PAD_B,
                H - PAD_B + tick
            );
            if labelled {
                c.text(
                    cx,
                    H - PAD_B + 22.0,
                    "middle",
                    r##" fill="#555""##,
                    &slot.label,
                    FONT,
                );
            }
        }
        // Markers: a line at the moment; a label where it does not cover another one.
        let mut last_label_end = f64::MIN;
        for marker in &self.markers {
            let Some(i) = self
                .slots
                .iter()
                .position(|s| s.start <= marker.at && marker.at < s.end)
            else {
                continue;
            };
            let slot = &self.slots[i];
            let frac = (marker.at - slot.start) as f64 / (slot.end - slot.start).max(1) as f64;
            let x = x_of(i) + slot_w * frac;
            let _ = writeln!(
                c.svg,
                r##"<line x1="{x:.1}" y1="{PAD_T}" x2="{x:.1}" y2="{:.1}" stroke="#8e44ad" stroke-dasharray="2 2"/>"##,
                H - PAD_B
            );
            let w = text_width(&marker.label, 11.0);
            let x = x.min(W - PAD_R - w - 2.0);
            if x > last_label_end + GAP {
                c.text(
                    x + 2.0,
                    PAD_T + 12.0,
                    "start",
                    r##" fill="#8e44ad""##,
                    &marker.label,
                    11.0,
                );
                last_label_end = x + 2.0 + w;
            }
        }
        c.svg.push_str("</svg>\n");
        (c.svg, c.boxes)
    }
}

/// The SVG being written and the text boxes placed on it.
#[derive(Default)]
struct Canvas {
    svg: String,
    boxes: Vec<LabelBox>,
}

impl Canvas {
    /// A text element anchored at (x, y) and its estimated box.
    fn text(&mut self, x: f64, y: f64, anchor: &str, style: &str, t: &str, size: f64) {
        let bold = if style.contains("bold") { BOLD } else { 1.0 };
        let w = text_width(t, size) * bold;
        let x0 = match anchor {
            "end" => x - w,
            "middle" => x - w / 2.0,
            _ => x,
        };
        self.boxes.push(LabelBox {
            text: t.to_string(),
            x0,
            x1: x0 + w,
            y0: y - size,
            y1: y + size * 0.25,
        });
        let _ = writeln!(
            self.svg,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" font-size="{size}"{style}>{}</text>"#,
            xml(t)
        );
    }
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.max(1.0).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power)
}

fn format_count(v: f64) -> String {
    format!("{}", v.round() as i64)
}

/// "w/c 5 Oct" (the week commencing on that day) from an ISO date.
fn week_label(date: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut parts = date.split('-').skip(1);
    let month: usize = parts.next().and_then(|m| m.parse().ok()).unwrap_or(1);
    let day: u32 = parts.next().and_then(|d| d.parse().ok()).unwrap_or(1);
    format!("w/c {day} {}", MONTHS[(month.clamp(1, 12)) - 1])
}

fn blocks(len: f64) -> String {
    let eighths = (len * 8.0).round() as usize;
    let mut out = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        out.push(EIGHTHS[eighths % 8 - 1]);
    }
    out
}

/// Escapes text for SVG (XML) content and attributes.
pub fn xml(raw: &str) -> String {
    crate::sanitize::inert_line(raw)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(values: &[f64]) -> Chart {
        Chart {
            name: "t",
            title: "T <&>".into(),
            unit: "items".into(),
            slots: (0..values.len())
                .map(|i| Slot {
                    label: format!("d{i}"),
                    date: "2026-11-16".into(),
                    start: i as i64 * 86_400,
                    end: (i as i64 + 1) * 86_400,
                })
                .collect(),
            series: vec![Series {
                name: "items".into(),
                values: values.to_vec(),
                draw: Draw::Up,
                colour: "#2e86c1",
            }],
            markers: Vec::new(),
        }
    }

    #[test]
    fn the_longest_bar_fills_the_width_and_others_scale() {
        let text = chart(&[4.0, 2.0, 0.0]).unicode();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], format!("d0 {} 4", "█".repeat(30)));
        assert_eq!(lines[2], format!("d1 {:<30} 2", "█".repeat(15)));
        assert_eq!(lines[3].trim_end(), "d2                                0");
    }

    #[test]
    fn a_down_series_grows_left_of_the_axis() {
        let mut c = chart(&[2.0, 1.0]);
        c.series.push(Series {
            name: "negative".into(),
            values: vec![1.0, 2.0],
            draw: Draw::Down,
            colour: "#c0392b",
        });
        let text = c.unicode();
        assert!(
            text.contains(&format!("{}│{}", "█".repeat(15), "█".repeat(30))),
            "{text}"
        );
        assert!(text.contains("+2 −1"), "{text}");
    }

    #[test]
    fn svg_escapes_its_text() {
        let svg = chart(&[1.0]).svg();
        assert!(svg.contains("T &lt;&amp;&gt;"));
        assert!(svg.starts_with("<svg"));
    }

    #[test]
    fn past_31_days_the_chart_sums_weeks() {
        let c = chart(&[1.0; 90]).readable();
        assert_eq!(c.slots.len(), 13);
        assert_eq!(c.series[0].values[0], 7.0);
        assert_eq!(c.series[0].values[12], 6.0);
        assert_eq!(c.slots[0].label, "w/c 16 Nov");
        assert_eq!(chart(&[1.0; 31]).readable().slots.len(), 31);
    }

    #[test]
    fn y_ticks_fall_on_nice_steps() {
        assert_eq!(nice_step(3.2), 5.0);
        assert_eq!(nice_step(12.0), 20.0);
        assert_eq!(nice_step(0.3), 1.0);
        assert_eq!(nice_step(180.0), 200.0);
    }

    #[test]
    fn a_marker_draws_a_line_and_its_label() {
        let mut c = chart(&[1.0, 2.0, 3.0]);
        c.markers.push(Marker {
            at: 86_400 + 43_200,
            label: "incident #3".into(),
        });
        let svg = c.svg();
        assert!(svg.contains(">incident #3</text>"), "{svg}");
        assert!(c.label_boxes().iter().any(|b| b.text == "incident #3"));
    }
}

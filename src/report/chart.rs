//! Charts: a unicode bar chart for the markdown and a hand-written SVG beside it.
//!
//! Both take the same series, so the picture and the text never disagree.

use std::fmt::Write;

/// One bar: a label and a value (may be negative for net sentiment).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// What is printed after the bar ("42", "+30").
    pub shown: String,
}

/// A chart with a file stem ("volume") and a title.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub name: &'static str,
    pub title: String,
    pub bars: Vec<Bar>,
}

const WIDTH: usize = 30;
const EIGHTHS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];

impl Chart {
    /// Horizontal bars in a fenced text block; negative values grow left of an axis.
    pub fn unicode(&self) -> String {
        let label_width = self
            .bars
            .iter()
            .map(|b| b.label.chars().count())
            .max()
            .unwrap_or(0);
        let max = self.bars.iter().map(|b| b.value.abs()).fold(0.0, f64::max);
        let any_negative = self.bars.iter().any(|b| b.value < 0.0);
        let mut out = String::from("```text\n");
        for bar in &self.bars {
            let label = bar.label.replace('`', "'");
            let len = if max > 0.0 {
                bar.value.abs() / max * WIDTH as f64
            } else {
                0.0
            };
            let drawn = blocks(len);
            let line = if any_negative {
                let (left, right) = if bar.value < 0.0 {
                    (drawn, String::new())
                } else {
                    (String::new(), drawn)
                };
                format!(
                    "{label:<label_width$} {left:>WIDTH$}│{right:<WIDTH$} {}",
                    bar.shown
                )
            } else {
                format!("{label:<label_width$} {drawn:<WIDTH$} {}", bar.shown)
            };
            let _ = writeln!(out, "{}", line.trim_end());
        }
        out.push_str("```\n");
        out
    }

    /// A vertical bar chart as a standalone SVG document.
    pub fn svg(&self) -> String {
        let (w, h, pad_l, pad_t, pad_b) = (640.0, 280.0, 40.0, 40.0, 40.0);
        let plot_h = h - pad_t - pad_b;
        let n = self.bars.len().max(1) as f64;
        let slot = (w - pad_l - 20.0) / n;
        let max = self.bars.iter().map(|b| b.value).fold(0.0, f64::max);
        let min = self.bars.iter().map(|b| b.value).fold(0.0, f64::min);
        let span = if max - min > 0.0 { max - min } else { 1.0 };
        let y_of = |v: f64| pad_t + (max - v) / span * plot_h;
        let zero = y_of(0.0);
        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
        let _ = writeln!(
            s,
            r#"<text x="{pad_l}" y="22" font-size="15" font-weight="bold">{}</text>"#,
            xml(&self.title)
        );
        for (i, bar) in self.bars.iter().enumerate() {
            let x = pad_l + i as f64 * slot + slot * 0.15;
            let bw = slot * 0.7;
            let y = y_of(bar.value);
            let (top, height) = if bar.value >= 0.0 {
                (y, zero - y)
            } else {
                (zero, y - zero)
            };
            let colour = if bar.value < 0.0 {
                "#c0392b"
            } else {
                "#2e86c1"
            };
            let _ = writeln!(
                s,
                r#"<rect x="{x:.1}" y="{top:.1}" width="{bw:.1}" height="{height:.1}" fill="{colour}"/>"#
            );
            let cx = x + bw / 2.0;
            let value_y = if bar.value >= 0.0 {
                top - 4.0
            } else {
                top + height + 13.0
            };
            let _ = writeln!(
                s,
                r#"<text x="{cx:.1}" y="{value_y:.1}" text-anchor="middle">{}</text>"#,
                xml(&bar.shown)
            );
            let _ = writeln!(
                s,
                r##"<text x="{cx:.1}" y="{:.1}" text-anchor="middle" fill="#555">{}</text>"##,
                h - 14.0,
                xml(&bar.label)
            );
        }
        let _ = writeln!(
            s,
            r##"<line x1="{pad_l}" y1="{zero:.1}" x2="{:.1}" y2="{zero:.1}" stroke="#333"/>"##,
            w - 20.0
        );
        s.push_str("</svg>\n");
        s
    }
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
            bars: values
                .iter()
                .enumerate()
                .map(|(i, v)| Bar {
                    label: format!("d{i}"),
                    value: *v,
                    shown: v.to_string(),
                })
                .collect(),
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
    fn negative_values_grow_left_of_the_axis() {
        let text = chart(&[-2.0, 2.0]).unicode();
        assert!(text.contains(&format!("{}│", "█".repeat(30))), "{text}");
        assert!(text.contains(&format!("│{}", "█".repeat(30))), "{text}");
    }

    #[test]
    fn svg_escapes_its_text() {
        let svg = chart(&[1.0]).svg();
        assert!(svg.contains("T &lt;&amp;&gt;"));
        assert!(svg.starts_with("<svg"));
    }
}

//! The report's SVG charts for a week, a month and a quarter, rendered to PNG with resvg
//! (as a mail client or a browser would draw them), with no two text labels overlapping:
//! checked on usvg's laid-out text boxes with the system's fonts, and on the chart's own
//! estimated boxes (which must contain the real ones).

mod support;

use hark::domain::ItemKind::Mention;
use hark::domain::SentimentLabel::{Negative, Positive};
use hark::report::{self, Format, Options, Spec};
use resvg::{tiny_skia, usvg};
use support::report::{nov, post, Fixture, Post};

/// One or two items a day from early June to the end of November 2026, some positive,
/// some negative, so every range has a previous period to compare with.
fn fixture() -> Fixture {
    let fx = Fixture::new();
    let ids: Vec<String> = (0..360).map(|n| format!("i{n}")).collect();
    let posts: Vec<Post> = (0..180i64)
        .flat_map(|d| {
            let day = 16 - 170 + d;
            let mut v = vec![post(
                &ids[2 * d as usize],
                Mention,
                "@ana",
                nov(day, 12, 0),
                Some(if d % 3 == 0 { Negative } else { Positive }),
                "the usual order, thanks",
            )];
            if d % 2 == 0 {
                v.push(post(
                    &ids[2 * d as usize + 1],
                    Mention,
                    "@gus",
                    nov(day, 15, 0),
                    Some(Negative),
                    "cold again",
                ));
            }
            v
        })
        .collect();
    fx.ingest("chirp", &posts);
    fx
}

fn charts(fx: &Fixture, spec: Spec) -> Vec<(String, String)> {
    let opts = Options {
        spec,
        tz: "Europe/Madrid".into(),
        target_secs: 3600,
        clock: hark::sla::Clock::wall(),
        brand: "Nimbus Coffee".into(),
        now: 0,
    };
    let data = report::compute(&fx.reader(), &opts).unwrap();
    report::render(&data, Format::Md, Some("report")).files
}

#[derive(Debug, Clone)]
struct Box2 {
    text: String,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

fn overlap(a: &Box2, b: &Box2) -> bool {
    a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1
}

fn assert_apart(name: &str, boxes: &[Box2]) {
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            assert!(!overlap(a, b), "{name}: {a:?} overlaps {b:?}");
        }
        assert!(
            a.x0 >= 0.0 && a.x1 <= 720.0,
            "{name}: {a:?} leaves the picture"
        );
    }
}

/// The boxes the chart reserved for its text, read back from the SVG's attributes with
/// the same generous per-character width the layout uses.
fn estimated(svg: &str) -> Vec<Box2> {
    let attr = |tag: &str, name: &str| -> String {
        let key = format!(" {name}=\"");
        let start = tag.find(&key).map(|i| i + key.len()).unwrap();
        tag[start..].split('"').next().unwrap().to_string()
    };
    svg.lines()
        .filter(|l| l.starts_with("<text "))
        .map(|l| {
            let text = l[l.find('>').unwrap() + 1..l.rfind("</text>").unwrap()]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&amp;", "&");
            let (x, y): (f64, f64) = (attr(l, "x").parse().unwrap(), attr(l, "y").parse().unwrap());
            let size: f64 = attr(l, "font-size").parse().unwrap();
            let bold = if l.contains("bold") { 1.15 } else { 1.0 };
            let w = text.chars().count() as f64 * 7.6 * size / 12.0 * bold;
            let x0 = match attr(l, "text-anchor").as_str() {
                "end" => x - w,
                "middle" => x - w / 2.0,
                _ => x,
            };
            Box2 {
                text,
                x0,
                x1: x0 + w,
                y0: y - size,
                y1: y + size * 0.25,
            }
        })
        .collect()
}

fn real_boxes(group: &usvg::Group, out: &mut Vec<Box2>) {
    for node in group.children() {
        match node {
            usvg::Node::Group(g) => real_boxes(g, out),
            usvg::Node::Text(t) => {
                let r = t.abs_bounding_box();
                out.push(Box2 {
                    text: t.chunks().iter().map(|c| c.text()).collect(),
                    x0: r.left() as f64,
                    x1: r.right() as f64,
                    y0: r.top() as f64,
                    y1: r.bottom() as f64,
                });
            }
            _ => {}
        }
    }
}

fn check(name: &str, svg: &str) {
    let mut options = usvg::Options::default();
    options.fontdb_mut().load_system_fonts();
    let has_fonts = !options.fontdb.is_empty();
    let tree = usvg::Tree::from_str(svg, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut pixmap = tiny_skia::Pixmap::new(720, 300).unwrap();
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    let png = pixmap.encode_png().unwrap();
    assert!(png.len() > 1000, "{name}: an empty picture");
    // Something besides the white background was drawn.
    assert!(pixmap
        .pixels()
        .iter()
        .any(|p| p.red() < 200 && p.blue() > 150));

    let estimate = estimated(svg);
    assert_apart(name, &estimate);
    if has_fonts {
        let mut real = Vec::new();
        real_boxes(tree.root(), &mut real);
        assert_eq!(real.len(), estimate.len(), "{name}: every label is drawn");
        assert_apart(name, &real);
        for (r, e) in real.iter().zip(&estimate) {
            assert_eq!(r.text, e.text);
            assert!(
                r.x0 >= e.x0 - 1.0 && r.x1 <= e.x1 + 1.0,
                "{name}: {r:?} is wider than the room kept for it {e:?}"
            );
        }
    }
}

fn x_labels(svg: &str) -> Vec<String> {
    estimated(svg)
        .into_iter()
        .filter(|b| (b.y0 - 270.0).abs() < 0.5)
        .map(|b| b.text)
        .collect()
}

#[test]
fn week_month_and_quarter_charts_have_axes_a_comparison_and_no_overlapping_labels() {
    let fx = fixture();
    let ranges = [
        ("7 days", Spec::Week("2026-W47".into())),
        (
            "31 days",
            Spec::Range {
                from: "2026-10-22".into(),
                to: "2026-11-21".into(),
            },
        ),
        (
            "90 days",
            Spec::Range {
                from: "2026-08-24".into(),
                to: "2026-11-21".into(),
            },
        ),
    ];
    for (range, spec) in ranges {
        let files = charts(&fx, spec);
        assert_eq!(files.len(), 2, "{range}: volume and sentiment");
        for (file, svg) in &files {
            let name = format!("{range} {file}");
            check(&name, svg);
            // The previous period is a second series, in the legend and drawn dashed.
            assert!(svg.contains("<polyline"), "{name}");
            let previous = if range == "7 days" {
                "previous week"
            } else {
                &format!("previous {} days", &range[..2])
            };
            assert!(svg.contains(&format!(">{previous}</text>")), "{name}");
            let labels = x_labels(svg);
            match range {
                "7 days" => assert_eq!(labels.len(), 7, "{name}: {labels:?}"),
                "31 days" => assert!(labels.len() >= 8 && labels.len() < 31, "{name}: {labels:?}"),
                _ => {
                    // By week: "w/c 24 Aug" …
                    assert!(
                        labels.iter().all(|l| l.starts_with("w/c ")),
                        "{name}: {labels:?}"
                    );
                    assert!(labels.len() >= 5, "{name}: {labels:?}");
                }
            }
        }
        let sentiment = &files[1].1;
        assert!(sentiment.contains(">positive</text>") && sentiment.contains(">negative</text>"));
    }
}

//! Evaluation against human ratings in VADER's ground-truth format
//! (`id<TAB>mean rating<TAB>text`, ratings -4..+4): Pearson r of compound vs
//! rating, 3-class accuracy and macro-F1 (human classes at |mean| >= 0.5),
//! and positive-vs-negative accuracy over human-polar items. An optional
//! language column (`id<TAB>mean<TAB>lang<TAB>text`, lang an ISO 639-1 code)
//! scores each text in its language and adds a per-language breakdown.

use std::fmt;

use anyhow::{bail, Context};

use super::{Analyzer, Label};

/// Human mean rating at or beyond which an item counts as polar.
pub const HUMAN_POLAR_AT: f64 = 0.5;

/// One rated text.
#[derive(Clone, Debug, PartialEq)]
pub struct RatedText {
    pub id: String,
    pub mean: f64,
    /// The language column, when the file has one.
    pub lang: Option<String>,
    pub text: String,
}

/// A language column: two lower-case ASCII letters followed by a tab. A text
/// that happens to start so ("ok<TAB>…") is the only ambiguity, and rare.
fn split_lang(rest: &str) -> (Option<String>, &str) {
    match rest.split_once('\t') {
        Some((l, text)) if l.len() == 2 && l.bytes().all(|b| b.is_ascii_lowercase()) => {
            (Some(l.to_string()), text)
        }
        _ => (None, rest),
    }
}

/// Parse a ground-truth file's content (CRLF or LF; blank lines skipped).
pub fn parse_ground_truth(content: &str) -> anyhow::Result<Vec<RatedText>> {
    let mut items = Vec::new();
    for (n, line) in content.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let mut cols = line.splitn(3, '\t');
        let (Some(id), Some(mean), Some(text)) = (cols.next(), cols.next(), cols.next()) else {
            bail!("line {}: expected id<TAB>mean<TAB>text", n + 1);
        };
        let mean = mean
            .trim()
            .parse::<f64>()
            .with_context(|| format!("line {}: bad mean rating {mean:?}", n + 1))?;
        let (lang, text) = split_lang(text);
        items.push(RatedText {
            id: id.to_string(),
            mean,
            lang,
            text: text.to_string(),
        });
    }
    Ok(items)
}

/// The human class of a mean rating.
pub fn human_label(mean: f64) -> Label {
    Label::from_compound(mean, HUMAN_POLAR_AT, -HUMAN_POLAR_AT)
}

/// Scores of one evaluation run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EvalReport {
    pub items: usize,
    pub pearson_r: f64,
    pub accuracy: f64,
    pub macro_f1: f64,
    /// Share of human-polar items predicted with the right polarity (a
    /// neutral prediction counts as a miss).
    pub polar_accuracy: f64,
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "items\t{}", self.items)?;
        writeln!(f, "pearson_r\t{:.4}", self.pearson_r)?;
        writeln!(f, "accuracy_3class\t{:.4}", self.accuracy)?;
        writeln!(f, "macro_f1\t{:.4}", self.macro_f1)?;
        writeln!(f, "polar_accuracy\t{:.4}", self.polar_accuracy)
    }
}

/// Score every item (in its language column's language, English without
/// one) and compare with the human ratings. Items in a language hark does not
/// score count as neutral predictions with a compound of 0.
pub fn evaluate(analyzer: &Analyzer, items: &[RatedText]) -> EvalReport {
    let mut compounds = Vec::with_capacity(items.len());
    let mut pairs = Vec::with_capacity(items.len());
    for it in items {
        let lang = it.lang.as_deref().unwrap_or("en");
        let (c, label) = match analyzer.analyze_in(&it.text, lang) {
            Some(s) => (s.scores.compound, s.label),
            None => (0.0, Label::Neutral),
        };
        compounds.push(c);
        pairs.push((human_label(it.mean), label));
    }
    let means: Vec<f64> = items.iter().map(|i| i.mean).collect();
    let polar: Vec<_> = pairs.iter().filter(|(h, _)| *h != Label::Neutral).collect();
    EvalReport {
        items: items.len(),
        pearson_r: pearson(&compounds, &means),
        accuracy: accuracy(&pairs),
        macro_f1: macro_f1(&pairs),
        polar_accuracy: ratio(polar.iter().filter(|(h, p)| h == p).count(), polar.len()),
    }
}

/// Per-language reports, in order of first appearance; empty when no item
/// has a language column.
pub fn evaluate_by_language(analyzer: &Analyzer, items: &[RatedText]) -> Vec<(String, EvalReport)> {
    let mut langs: Vec<&str> = Vec::new();
    for it in items {
        if let Some(l) = it.lang.as_deref() {
            if !langs.contains(&l) {
                langs.push(l);
            }
        }
    }
    langs
        .into_iter()
        .map(|l| {
            let subset: Vec<RatedText> = items
                .iter()
                .filter(|i| i.lang.as_deref() == Some(l))
                .cloned()
                .collect();
            (l.to_string(), evaluate(analyzer, &subset))
        })
        .collect()
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Pearson correlation; 0 when either side has no variance.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    if n == 0 {
        return 0.0;
    }
    let mx = x[..n].iter().sum::<f64>() / n as f64;
    let my = y[..n].iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x[..n].iter().zip(&y[..n]) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

/// Share of (truth, prediction) pairs that agree.
pub fn accuracy(pairs: &[(Label, Label)]) -> f64 {
    ratio(pairs.iter().filter(|(t, p)| t == p).count(), pairs.len())
}

/// Unweighted mean of the per-class F1 over the three classes.
pub fn macro_f1(pairs: &[(Label, Label)]) -> f64 {
    let classes = [Label::Negative, Label::Neutral, Label::Positive];
    let f1 = |c: Label| {
        let tp = pairs.iter().filter(|(t, p)| *t == c && *p == c).count() as f64;
        let fp = pairs.iter().filter(|(t, p)| *t != c && *p == c).count() as f64;
        let fnn = pairs.iter().filter(|(t, p)| *t == c && *p != c).count() as f64;
        if tp == 0.0 {
            0.0
        } else {
            2.0 * tp / (2.0 * tp + fp + fnn)
        }
    };
    classes.iter().map(|&c| f1(c)).sum::<f64>() / 3.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use Label::*;

    #[test]
    fn metrics_on_small_cases() {
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]) - 1.0).abs() < 1e-12);
        assert!((pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        let pairs = [
            (Positive, Positive),
            (Negative, Neutral),
            (Neutral, Neutral),
            (Negative, Negative),
        ];
        assert_eq!(accuracy(&pairs), 0.75);
        // F1: pos 1.0, neu 2/3, neg 2/3
        assert!((macro_f1(&pairs) - (1.0 + 2.0 / 3.0 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn parses_crlf_ground_truth() {
        let items = parse_ground_truth("1\t2.5\tgood\ttimes\r\n2\t-0.2\tmeh").unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].text, "good\ttimes");
        assert_eq!(human_label(items[1].mean), Neutral);
        assert!(parse_ground_truth("x\tnotanumber\ttext").is_err());
        let items =
            parse_ground_truth("1\t2\tes\tme encanta\n2\t0\tok\tfine\n3\t1\tOK\tx").unwrap();
        assert_eq!(items[0].lang.as_deref(), Some("es"));
        assert_eq!(items[0].text, "me encanta");
        assert_eq!(
            (items[1].lang.as_deref(), items[1].text.as_str()),
            (Some("ok"), "fine")
        );
        assert_eq!(
            (items[2].lang.as_deref(), items[2].text.as_str()),
            (None, "OK\tx")
        );
    }
}

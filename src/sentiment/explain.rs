//! Explanations: which tokens carried valence after every rule, and how much.

use super::vader::{Raw, Scratch};
use super::Contribution;

/// Label of the punctuation-emphasis row.
pub(crate) const PUNCT_TOKEN: &str = "!?";

/// Rows for every token whose final valence is non-zero, in text order, plus
/// the punctuation emphasis. They add up to the sum the compound normalises.
pub(crate) fn contributions(text: &str, buf: &str, s: &Scratch, raw: &Raw) -> Vec<Contribution> {
    let mut rows: Vec<Contribution> = s
        .toks
        .iter()
        .zip(&s.sent)
        .filter(|(_, v)| v.v != 0.0)
        .map(|(t, v)| Contribution {
            token: if t.in_buf { buf } else { text }[t.start as usize..t.end as usize].to_string(),
            valence: v.v,
        })
        .collect();
    if raw.punct != 0.0 {
        rows.push(Contribution {
            token: PUNCT_TOKEN.to_string(),
            valence: raw.punct,
        });
    }
    rows
}

/// One-line rendering for the CLI: `smart=+1.70 funny=+1.90`.
pub fn format_contributions(rows: &[Contribution]) -> String {
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        // tabs or newlines inside a token would break the line format
        out.extend(
            r.token
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c }),
        );
        out.push_str(&format!("={:+.3}", r.valence));
    }
    out
}

//! Emoji valences from the Emoji Sentiment Ranking v1.0 (Kralj Novak et al.
//! 2015; CC BY-SA 4.0, licence beside the data file): for each emoji, the
//! share of positive minus negative tweets it appeared in, Laplace-smoothed,
//! on VADER's scale. The curated table (social_emoji.tsv) overrides it.

use super::lexicon::FxMap;

/// Emoji_Sentiment_Data_v1.0.csv, unchanged.
pub(crate) const DATA: &str = include_str!("../../assets/sentiment/Emoji_Sentiment_Data_v1.0.csv");

/// Fewer occurrences than this and the ranking's estimate is too noisy to use.
const MIN_OCCURRENCES: u32 = 20;
/// Scores closer to zero than this are treated as neutral (no valence).
const MIN_SCORE: f64 = 0.1;
/// Ranking score (-1..1) to VADER valence: "❤" scores 0.75 in the ranking and
/// +3.0 in the curated table.
const SCALE: f64 = 4.0;

/// One emoji of the ranking: occurrences and its sentiment score (-1..1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Ranked {
    pub emoji: char,
    pub occurrences: u32,
    pub score: f64,
}

/// Every single-code-point emoji of the ranking.
pub(crate) fn ranking() -> impl Iterator<Item = Ranked> {
    DATA.lines().skip(1).filter_map(|line| {
        let mut cols = line.split(',');
        let _glyph = cols.next()?;
        let code = u32::from_str_radix(cols.next()?.trim().trim_start_matches("0x"), 16).ok()?;
        let emoji = char::from_u32(code)?;
        let occurrences: u32 = cols.next()?.trim().parse().ok()?;
        let _position = cols.next()?;
        let neg: f64 = cols.next()?.trim().parse().ok()?;
        let _neu = cols.next()?;
        let pos: f64 = cols.next()?.trim().parse().ok()?;
        let score = (pos - neg) / (f64::from(occurrences) + 3.0);
        Some(Ranked {
            emoji,
            occurrences,
            score,
        })
    })
}

/// Valences of the emoji the ranking is confident about.
pub(crate) fn valences() -> FxMap<char, f64> {
    ranking()
        .filter(|r| r.occurrences >= MIN_OCCURRENCES && r.score.abs() >= MIN_SCORE)
        .map(|r| (r.emoji, ((r.score * SCALE) * 10.0).round() / 10.0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::lexicon::{parse_table, SOCIAL_EMOJI};
    use super::*;

    /// Curated valences never contradict a ranking the data is sure of.
    #[test]
    fn curated_emoji_agree_with_the_ranking_where_it_is_clear() {
        let ranked: FxMap<char, Ranked> = ranking().map(|r| (r.emoji, r)).collect();
        for (k, v) in parse_table(SOCIAL_EMOJI) {
            let c = k.chars().next().unwrap();
            if let Some(r) = ranked.get(&c) {
                if r.occurrences >= 100 && r.score.abs() >= 0.2 {
                    assert_eq!(v.signum(), r.score.signum(), "{k} {v} vs ranking {r:?}");
                }
            }
        }
    }

    #[test]
    fn most_ranked_emoji_carry_a_valence() {
        let all = ranking().count();
        let frequent = ranking()
            .filter(|r| r.occurrences >= MIN_OCCURRENCES)
            .count();
        let scored = valences().len();
        assert!(all > 900, "{all}");
        // the rest of the frequent ones are neutral in the ranking itself
        assert!(scored * 10 >= frequent * 7, "{scored} of {frequent}");
    }
}

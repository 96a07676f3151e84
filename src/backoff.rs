//! How retries are spaced, for every part that retries (poller, outbox, notifier): the
//! delay doubles from a base up to a cap, then jitter spreads it so many things failing
//! together do not retry in lockstep. Each caller keeps its own base, cap and jitter.
//!
//! The jitter is passed in as a roll in [0, 1), so tests are deterministic.

use std::time::Duration;

/// How far a delay may stray from its exponential value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// Exactly the exponential value.
    None,
    /// "Equal jitter": between half of it and all of it.
    Equal,
    /// Within ± this many percent of it (so it may exceed the cap by as much).
    Spread { percent: u32 },
}

/// An exponential backoff: `base`·2^(attempt−1), at most `cap`, then jittered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
    pub jitter: Jitter,
}

/// The exponent stops growing here; any base times 2^30 is past every cap in use.
const MAX_EXPONENT: u32 = 30;

impl Backoff {
    /// The wait after failed attempt number `attempt` (1 = first retry; 0 counts as 1).
    /// `roll` is a number in [0, 1); values outside are clamped, NaN counts as 0.
    pub fn delay(&self, attempt: u32, roll: f64) -> Duration {
        let exp = attempt.saturating_sub(1).min(MAX_EXPONENT);
        let full = self.base.saturating_mul(1u32 << exp).min(self.cap);
        // `mul_f64` panics on NaN.
        let roll = if roll.is_nan() {
            0.0
        } else {
            roll.clamp(0.0, 1.0)
        };
        match self.jitter {
            Jitter::None => full,
            Jitter::Equal => {
                let half = full / 2;
                half + half.mul_f64(roll)
            }
            Jitter::Spread { percent } => {
                let spread = f64::from(percent.min(100)) / 100.0;
                full.mul_f64(1.0 - spread + 2.0 * spread * roll)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn doubles_from_the_base_and_stops_at_the_cap() {
        let b = Backoff {
            base: secs(30),
            cap: secs(3600),
            jitter: Jitter::None,
        };
        let delays: Vec<u64> = (1..=9).map(|n| b.delay(n, 0.7).as_secs()).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(b.delay(0, 0.0), secs(30), "attempt 0 counts as the first");
        assert_eq!(b.delay(u32::MAX, 0.0), secs(3600), "no overflow");
    }

    #[test]
    fn equal_jitter_stays_between_half_and_all_of_the_delay() {
        let b = Backoff {
            base: secs(2),
            cap: secs(60),
            jitter: Jitter::Equal,
        };
        assert_eq!(b.delay(3, 0.0), secs(4));
        assert_eq!(b.delay(3, 1.0), secs(8));
        assert_eq!(b.delay(20, 0.5), secs(45));
        for roll in [-1.0, 0.0, 0.3, 0.999, 2.0, f64::NAN] {
            let d = b.delay(20, roll);
            assert!(d >= secs(30) && d <= secs(60), "{roll}: {d:?}");
        }
    }

    #[test]
    fn spread_jitter_strays_both_ways_by_its_percent() {
        let b = Backoff {
            base: secs(2),
            cap: secs(600),
            jitter: Jitter::Spread { percent: 25 },
        };
        assert_eq!(b.delay(3, 0.0), secs(6));
        assert_eq!(b.delay(3, 0.5), secs(8));
        assert_eq!(b.delay(3, 1.0), secs(10));
        assert_eq!(
            b.delay(20, 1.0),
            secs(750),
            "may pass the cap by the spread"
        );
    }
}

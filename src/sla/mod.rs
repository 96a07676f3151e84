//! Service-level targets: the first-response target, the clock it is measured on (wall
//! time, or business hours in a time zone with holidays), and whether an item waiting for
//! a reply is within target, at risk or breached. The inbox list and the report's
//! responsiveness both measure on this one clock.

pub mod clock;
pub mod config;
pub mod hours;

pub use clock::{Clock, Timeline};
pub use config::SlaConfig;
pub use hours::WeekHours;

use std::time::Duration;

use crate::domain::UnixTime;

/// Where an item waiting for its first answer stands against the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Within,
    /// Past the at-risk share of the target (75% unless configured).
    AtRisk,
    Breached,
}

/// A first-response target measured on a clock.
#[derive(Debug, Clone)]
pub struct Sla {
    pub target: Duration,
    /// The share of the target after which an item is at risk (0.75).
    pub at_risk: f64,
    pub clock: Clock,
}

impl Sla {
    /// A target on the wall clock, at risk from 75%.
    pub fn wall(target: Duration) -> Sla {
        Sla {
            target,
            at_risk: config::DEFAULT_AT_RISK,
            clock: Clock::wall(),
        }
    }

    /// How an item posted at `created` and still unanswered at `now` stands.
    pub fn status(&self, created: UnixTime, now: UnixTime) -> Status {
        let waited = self.clock.elapsed(created, now);
        let target = self.target.as_secs() as i64;
        if waited > target {
            Status::Breached
        } else if waited as f64 > target as f64 * self.at_risk {
            Status::AtRisk
        } else {
            Status::Within
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_is_at_risk_past_three_quarters_of_the_target_and_breached_past_it() {
        let sla = Sla::wall(Duration::from_secs(3600));
        assert_eq!(sla.status(0, 45 * 60), Status::Within);
        assert_eq!(sla.status(0, 46 * 60), Status::AtRisk);
        assert_eq!(sla.status(0, 61 * 60), Status::Breached);
    }
}

//! How the report names its period and the one it is compared with: "this week" and
//! "previous week" only for a 7-day period, else "this period" and "previous 31 days".

use super::Period;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wording {
    /// "this week" / "this period".
    pub this: String,
    /// "previous week" / "previous 31 days".
    pub previous: String,
    /// "week" / "period", for "the end of the week".
    pub noun: &'static str,
}

impl Wording {
    pub fn of(period: &Period) -> Wording {
        let days = period.days.len();
        if days == 7 {
            Wording {
                this: "this week".into(),
                previous: "previous week".into(),
                noun: "week",
            }
        } else {
            let previous = if days == 1 {
                "previous day".to_string()
            } else {
                format!("previous {days} days")
            };
            Wording {
                this: "this period".into(),
                previous,
                noun: "period",
            }
        }
    }

    /// The column heading for "the same day of the previous period".
    pub fn same_day(&self) -> String {
        if self.noun == "week" {
            "same day, previous week".into()
        } else {
            format!("same day of the {}", self.previous)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Spec;

    fn range(from: &str, to: &str) -> Wording {
        let spec = Spec::Range {
            from: from.into(),
            to: to.into(),
        };
        Wording::of(&Period::resolve(&spec, "UTC", 0).unwrap())
    }

    #[test]
    fn only_a_seven_day_period_is_a_week() {
        let week = Period::resolve(&Spec::Week("2026-W47".into()), "UTC", 0).unwrap();
        assert_eq!(Wording::of(&week).previous, "previous week");
        assert_eq!(range("2026-11-02", "2026-11-08").previous, "previous week");
        let month = range("2026-10-01", "2026-10-31");
        assert_eq!(month.previous, "previous 31 days");
        assert_eq!(month.this, "this period");
        assert_eq!(range("2026-10-01", "2026-10-01").previous, "previous day");
    }
}

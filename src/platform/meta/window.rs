//! Meta's messaging window (Messenger Platform and Instagram Messaging policy): a person's
//! message opens 24 hours of standard replies; a human agent may answer for 7 days with
//! the `HUMAN_AGENT` tag, where the app has the Human Agent permission.

use crate::platform::window::{left, MessagingWindow};

pub const STANDARD: i64 = 24 * 3600;
pub const HUMAN_AGENT: i64 = 7 * 86_400;

/// The window for a reply to a person who last wrote at `last_inbound`.
pub fn window(last_inbound: i64, human_agent: bool, now: i64) -> MessagingWindow {
    let standard = last_inbound + STANDARD;
    let tagged = last_inbound + HUMAN_AGENT;
    if now < standard {
        return MessagingWindow::Open {
            closes_at: standard,
        };
    }
    if human_agent && now < tagged {
        return MessagingWindow::HumanAgent { closes_at: tagged };
    }
    let ago = left(now - last_inbound);
    MessagingWindow::Closed {
        reason: if human_agent {
            format!(
                "outside Meta's messaging window: they last wrote {ago} ago, and even the \
                 human-agent tag allows 7 days"
            )
        } else {
            format!(
                "outside Meta's 24-hour messaging window: they last wrote {ago} ago (the \
                 7-day human-agent tag needs that permission and `human_agent = true` in \
                 [account.graph])"
            )
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_780_000_000;

    #[test]
    fn a_day_for_a_standard_reply_a_week_with_the_human_agent_tag() {
        assert_eq!(
            window(T, false, T + 3600),
            MessagingWindow::Open {
                closes_at: T + STANDARD
            }
        );
        assert_eq!(
            window(T, true, T + 2 * 86_400),
            MessagingWindow::HumanAgent {
                closes_at: T + HUMAN_AGENT
            }
        );
        let closed = window(T, false, T + 2 * 86_400);
        assert!(closed.refusal().unwrap().contains("24-hour"), "{closed:?}");
        let late = window(T, true, T + 8 * 86_400);
        assert!(late.refusal().unwrap().contains("7 days"), "{late:?}");
        assert_eq!(
            window(T, false, T + 3600).describe(T + 3600),
            "messaging window open 23h 0m"
        );
    }
}

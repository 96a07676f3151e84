//! A messaging window: how long a platform lets the brand answer a person's direct
//! message (Meta: 24 hours after their last message, 7 days with the human-agent tag).
//! Said by the connector, shown by the composer, and checked before a DM is queued.

use crate::domain::UnixTime;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessagingWindow {
    /// A standard reply can go out until `closes_at`.
    Open { closes_at: UnixTime },
    /// Past the standard window: the reply goes out with the human-agent tag until
    /// `closes_at`.
    HumanAgent { closes_at: UnixTime },
    /// Nothing can be sent; why.
    Closed { reason: String },
}

impl MessagingWindow {
    /// Why a DM cannot be sent, when it cannot.
    pub fn refusal(&self) -> Option<&str> {
        match self {
            MessagingWindow::Closed { reason } => Some(reason),
            _ => None,
        }
    }

    /// `window open 5h 12m`, for the composer.
    pub fn describe(&self, now: UnixTime) -> String {
        match self {
            MessagingWindow::Open { closes_at } => {
                format!("messaging window open {}", left(*closes_at - now))
            }
            MessagingWindow::HumanAgent { closes_at } => format!(
                "past the 24-hour window: sent with the human-agent tag, open {}",
                left(*closes_at - now)
            ),
            MessagingWindow::Closed { reason } => reason.clone(),
        }
    }
}

/// `2d 4h`, `5h 12m`, `9m`.
pub fn left(secs: i64) -> String {
    let secs = secs.max(0);
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (d, h) {
        (0, 0) => format!("{}m", m.max(1)),
        (0, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

//! Pacing ahead of Discord's global limit (developer docs, "Rate Limits" → "Global Rate
//! Limit": a bot makes at most 50 requests per second across all routes). A token bucket
//! of 50, refilled at 50 a second, is shared by every request of one account, so a burst
//! (a round over many channels, read-backs after a reconnect, a batch of moderation) is
//! spread out before Discord answers 429 rather than after.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Requests per second across all routes.
pub const GLOBAL_PER_SECOND: u32 = 50;

pub struct Pacer {
    per_second: f64,
    state: Mutex<(f64, Instant)>,
}

impl Pacer {
    pub fn new(per_second: u32) -> Pacer {
        let per_second = f64::from(per_second.max(1));
        Pacer {
            per_second,
            state: Mutex::new((per_second, Instant::now())),
        }
    }

    /// Takes one request's token now, or says how long until one is free (the token is
    /// reserved: callers that wait then go, in the order they asked).
    fn reserve(&self) -> Duration {
        let mut state = self.state.lock().unwrap();
        let (tokens, at) = &mut *state;
        let now = Instant::now();
        *tokens = (*tokens + (now - *at).as_secs_f64() * self.per_second).min(self.per_second);
        *at = now;
        *tokens -= 1.0;
        if *tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-*tokens / self.per_second)
        }
    }

    /// Waits for a request's turn.
    pub async fn take(&self) {
        let wait = self.reserve();
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

impl Default for Pacer {
    fn default() -> Self {
        Pacer::new(GLOBAL_PER_SECOND)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_fifty_goes_at_once_and_the_rest_at_fifty_a_second() {
        let pacer = Pacer::default();
        let start = Instant::now();
        for _ in 0..50 {
            pacer.take().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "the first 50 at once");
        for _ in 0..100 {
            pacer.take().await;
        }
        let spent = start.elapsed();
        assert!(
            spent >= Duration::from_millis(1990) && spent <= Duration::from_millis(2010),
            "100 more take two seconds: {spent:?}"
        );
        // A quiet second refills the bucket.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let again = Instant::now();
        for _ in 0..50 {
            pacer.take().await;
        }
        assert_eq!(again.elapsed(), Duration::ZERO);
    }
}

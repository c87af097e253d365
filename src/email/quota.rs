//! The relay's quotas (`email.rate_per_second`, `email.max_per_minute`,
//! `email.max_per_day`) and breachd's own slowdown when the relay says it is
//! sending too fast: one `SendQuota` per process, taken by every fan-out
//! sender and by every other message, so that together they stay within
//! what the district's relay (Google Workspace, Microsoft 365) accepts.
//!
//! - Per second and per minute are `governor` rate limiters (GCRA): a
//!   minute's quota may go out at once, then one message every
//!   60 s / `max_per_minute`.
//! - Per day is a window opened by the first message and lasting 24 hours;
//!   once its quota is spent the fan-out waits for the next window (its
//!   messages stay planned, nothing fails). Other mail (reminders, digests)
//!   counts against the day but is never held back by it: a reminder
//!   matters more than the quota, and a relay that refuses it has it
//!   retried like any 4xx.
//! - A 4xx reply that says "rate", "limit", "too many" (`is_rate_limited`)
//!   pauses every sender (half a second, doubling while the relay keeps
//!   saying so, at most a minute) and halves the rate from what was being
//!   sent; each quiet minute doubles it back until the slowdown is gone.
//!
//! The counts live in this process: with several instances each keeps its
//! own (docs/configuration.md says so).

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// The configured limits; 0 or none means no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    pub per_second: u32,
    pub per_minute: Option<u32>,
    pub per_day: Option<u32>,
}

impl Limits {
    pub fn of(email: &crate::settings::EmailSettings) -> Self {
        Self {
            per_second: email.rate_per_second,
            per_minute: email.max_per_minute,
            per_day: email.max_per_day,
        }
    }
}

/// How long a day's quota lasts.
pub const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// The first pause after a rate-limited reply, and the longest.
const FIRST_PAUSE: Duration = Duration::from_millis(500);
const LONGEST_PAUSE: Duration = Duration::from_secs(60);
/// The widest gap the slowdown puts between two messages.
const WIDEST_SPACING: Duration = Duration::from_secs(60);
/// How long without a rate-limited reply before the rate is doubled back.
const QUIET: Duration = Duration::from_secs(60);

pub struct SendQuota {
    per_second: Option<DefaultDirectRateLimiter>,
    per_minute: Option<DefaultDirectRateLimiter>,
    day: Option<Mutex<DayWindow>>,
    slowdown: Mutex<Slowdown>,
}

impl SendQuota {
    pub fn new(limits: Limits) -> Self {
        Self {
            per_second: NonZeroU32::new(limits.per_second)
                .map(|n| RateLimiter::direct(Quota::per_second(n))),
            per_minute: limits
                .per_minute
                .and_then(NonZeroU32::new)
                .map(|n| RateLimiter::direct(Quota::per_minute(n))),
            day: limits
                .per_day
                .filter(|&n| n > 0)
                .map(|cap| Mutex::new(DayWindow::new(cap))),
            slowdown: Mutex::new(Slowdown::default()),
        }
    }

    fn slowdown(&self) -> std::sync::MutexGuard<'_, Slowdown> {
        // Counts left by a panic elsewhere are still usable.
        self.slowdown
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn day_window(&self) -> Option<std::sync::MutexGuard<'_, DayWindow>> {
        self.day.as_ref().map(|day| {
            day.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        })
    }

    /// Waits until one fan-out message may go, and counts it.
    pub async fn take(&self) {
        loop {
            let wait = self.slowdown().reserve(Instant::now());
            match wait {
                Some(until) => tokio::time::sleep_until(until).await,
                None => break,
            }
        }
        loop {
            let wait = match self.day_window() {
                Some(mut day) => day.take(Instant::now()).err(),
                None => None,
            };
            match wait {
                Some(until) => {
                    tracing::info!(
                        wait_s = until.saturating_duration_since(Instant::now()).as_secs(),
                        "email.max_per_day is spent: the family notice waits for the next day's quota"
                    );
                    tokio::time::sleep_until(until).await;
                }
                None => break,
            }
        }
        if let Some(limiter) = &self.per_minute {
            limiter.until_ready().await;
        }
        if let Some(limiter) = &self.per_second {
            limiter.until_ready().await;
        }
    }

    /// Counts one fan-out message if it may go right now (a sender
    /// pipelining its next message must not hold the one in hand waiting).
    pub fn try_take(&self) -> bool {
        let now = Instant::now();
        if !self.slowdown().ready(now) {
            return false;
        }
        if let Some(day) = self.day_window() {
            if !day.has_room(now) {
                return false;
            }
        }
        // A per-minute cell taken when the per-second one is not there is
        // lost: the sending is then a little slower, never faster.
        let minute = self.per_minute.as_ref().is_none_or(|l| l.check().is_ok());
        let second = minute && self.per_second.as_ref().is_none_or(|l| l.check().is_ok());
        if !second {
            return false;
        }
        if self.slowdown().reserve(now).is_some() {
            return false;
        }
        if let Some(mut day) = self.day_window() {
            let _ = day.take(now);
        }
        true
    }

    /// Waits for one message other than the fan-out's (the per-second and
    /// per-minute limits), counting it against the day without waiting.
    pub async fn take_other(&self) {
        if let Some(mut day) = self.day_window() {
            day.count(Instant::now());
        }
        if let Some(limiter) = &self.per_minute {
            limiter.until_ready().await;
        }
        if let Some(limiter) = &self.per_second {
            limiter.until_ready().await;
        }
    }

    /// The relay said breachd sends too fast: pause and halve the rate.
    pub fn rate_limited(&self) {
        let (pause, spacing) = self.slowdown().strike(Instant::now());
        crate::metrics::email_rate_limited();
        tracing::warn!(
            pause_ms = pause.as_millis() as u64,
            spacing_ms = spacing.as_millis() as u64,
            "the SMTP relay says breachd sends too fast: pausing and halving the rate"
        );
    }
}

/// Whether a temporary reply says the relay limits breachd's rate (rather
/// than something about this message): a 421, 450, 451 or 452 whose text
/// says "rate", "limit", "too many" or "busy", or carries one of the
/// enhanced codes relays use for it (Google's 4.7.28 and its "421 4.7.0 Try
/// again later", Microsoft's 4.7.500 "Server busy" and 4.5.3 "Too many
/// recipients"). docs/email.md lists the rule.
pub fn is_rate_limited(reply: &str) -> bool {
    let reply = reply.trim();
    let code = reply.get(..3).unwrap_or_default();
    if !matches!(code, "421" | "450" | "451" | "452") {
        return false;
    }
    let text = reply.to_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
        .map(|word| word.trim_matches('.'))
        .filter(|word| !word.is_empty())
        .collect();
    let has = |word: &str| words.contains(&word);
    let says_rate = [
        "rate",
        "limit",
        "limited",
        "limiting",
        "ratelimit",
        "ratelimited",
        "throttled",
        "throttling",
        "busy",
    ]
    .iter()
    .any(|word| has(word));
    let enhanced =
        has("4.7.28") || has("4.7.500") || has("4.5.3") || (code == "421" && has("4.7.0"));
    says_rate || enhanced || text.contains("too many")
}

/// One day's quota: opened by its first message, 24 hours long.
#[derive(Debug)]
struct DayWindow {
    cap: u32,
    opened: Option<Instant>,
    used: u32,
}

impl DayWindow {
    fn new(cap: u32) -> Self {
        Self {
            cap,
            opened: None,
            used: 0,
        }
    }

    fn roll(&mut self, now: Instant) {
        if self.opened.is_none_or(|opened| now >= opened + DAY) {
            self.opened = Some(now);
            self.used = 0;
        }
    }

    fn has_room(&self, now: Instant) -> bool {
        match self.opened {
            Some(opened) if now < opened + DAY => self.used < self.cap,
            _ => true,
        }
    }

    /// Counts one message, or says when the next window opens.
    fn take(&mut self, now: Instant) -> Result<(), Instant> {
        self.roll(now);
        if self.used < self.cap {
            self.used += 1;
            Ok(())
        } else {
            Err(self.opened.unwrap_or(now) + DAY)
        }
    }

    /// Counts a message that goes whatever the quota says.
    fn count(&mut self, now: Instant) {
        self.roll(now);
        self.used = self.used.saturating_add(1);
    }
}

/// breachd's own slowdown after the relay said it sends too fast.
#[derive(Debug)]
struct Slowdown {
    /// No message before this.
    resume_at: Option<Instant>,
    /// The gap kept between messages; zero once recovered.
    spacing: Duration,
    /// When the next message may go under `spacing`.
    next_slot: Option<Instant>,
    pause: Duration,
    last_strike: Option<Instant>,
    /// Messages in the current and the previous second, to know the rate
    /// to halve.
    second: Option<Instant>,
    this_second: u32,
    last_second: u32,
}

impl Default for Slowdown {
    fn default() -> Self {
        Self {
            resume_at: None,
            spacing: Duration::ZERO,
            next_slot: None,
            pause: FIRST_PAUSE,
            last_strike: None,
            second: None,
            this_second: 0,
            last_second: 0,
        }
    }
}

impl Slowdown {
    /// Quiet minutes double the rate back.
    fn recover(&mut self, now: Instant) {
        let Some(mut last) = self.last_strike else {
            return;
        };
        while now.saturating_duration_since(last) >= QUIET && !self.spacing.is_zero() {
            self.spacing /= 2;
            if self.spacing < Duration::from_millis(1) {
                self.spacing = Duration::ZERO;
                self.pause = FIRST_PAUSE;
            }
            last += QUIET;
            self.last_strike = Some(last);
        }
    }

    fn ready(&mut self, now: Instant) -> bool {
        self.recover(now);
        self.resume_at.is_none_or(|at| now >= at) && self.next_slot.is_none_or(|at| now >= at)
    }

    /// Reserves a slot now, or says until when to wait.
    fn reserve(&mut self, now: Instant) -> Option<Instant> {
        self.recover(now);
        if let Some(at) = self.resume_at.filter(|&at| now < at) {
            return Some(at);
        }
        if let Some(at) = self.next_slot.filter(|&at| now < at) {
            return Some(at);
        }
        if !self.spacing.is_zero() {
            self.next_slot = Some(now + self.spacing);
        }
        match self.second {
            Some(start) if now < start + Duration::from_secs(1) => self.this_second += 1,
            Some(start) if now < start + Duration::from_secs(2) => {
                self.last_second = self.this_second;
                self.this_second = 1;
                self.second = Some(start + Duration::from_secs(1));
            }
            _ => {
                self.last_second = 0;
                self.this_second = 1;
                self.second = Some(now);
            }
        }
        None
    }

    /// A rate-limited reply: the pause and the gap now kept. A reply to a
    /// message sent before the pause began does not lengthen it again.
    fn strike(&mut self, now: Instant) -> (Duration, Duration) {
        if self.resume_at.is_some_and(|at| now < at) {
            return (self.pause, self.spacing);
        }
        let recent = self
            .last_strike
            .is_some_and(|last| now.saturating_duration_since(last) < QUIET);
        if recent {
            self.pause = (self.pause * 2).min(LONGEST_PAUSE);
        } else {
            self.pause = FIRST_PAUSE;
        }
        // Half the rate being sent: twice the gap, or twice the gap the
        // last two seconds' messages had.
        let sent = self.this_second.max(self.last_second).max(1);
        let observed = Duration::from_secs(1) / sent;
        self.spacing = if self.spacing.is_zero() {
            observed * 2
        } else {
            self.spacing * 2
        }
        .min(WIDEST_SPACING);
        self.resume_at = Some(now + self.pause);
        self.last_strike = Some(now);
        (self.pause, self.spacing)
    }
}

/// The time a fan-out of `messages` takes at the quotas, with
/// `connections` senders each assumed to send `ASSUMED_PER_CONNECTION`
/// messages a second (a relay's round trip of half a second; slower than
/// breachd streams to a nearby server, so the forecast errs early).
pub fn sending_time(messages: u64, limits: Limits, connections: u32) -> Duration {
    if messages == 0 {
        return Duration::ZERO;
    }
    let mut per_second = f64::from(connections.max(1)) * ASSUMED_PER_CONNECTION;
    if limits.per_second > 0 {
        per_second = per_second.min(f64::from(limits.per_second));
    }
    if let Some(per_minute) = limits.per_minute.filter(|&n| n > 0) {
        per_second = per_second.min(f64::from(per_minute) / 60.0);
    }
    let at_rate = |count: u64| Duration::from_secs_f64(count as f64 / per_second);
    match limits.per_day.filter(|&n| n > 0).map(u64::from) {
        Some(cap) if messages > cap => {
            // Whole days' quotas, then what is left on the last day.
            let full_days = (messages - 1) / cap;
            let last = messages - full_days * cap;
            let waiting = DAY * u32::try_from(full_days).unwrap_or(u32::MAX);
            (waiting + at_rate(last)).max(at_rate(messages))
        }
        _ => at_rate(messages),
    }
}

/// Messages a second one connection is assumed to send (see `sending_time`).
pub const ASSUMED_PER_CONNECTION: f64 = 2.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relays_rate_limit_replies_are_recognised_and_other_4xx_are_not() {
        for reply in [
            "421 4.7.28 Our system has detected an unusual rate of unsolicited mail",
            "421 4.7.0 Try again later, closing connection.",
            "450 4.7.28 rate limited",
            "451 4.7.500 Server busy. Please try again later",
            "452 4.5.3 Too many recipients",
            "451 Too many messages, slow down",
            "450 Requested action aborted: rate limit exceeded",
        ] {
            assert!(is_rate_limited(reply), "{reply}");
        }
        for reply in [
            // The test server's ordinary deferral, and a greylist.
            "451 4.3.0 try again later",
            "451 4.7.1 generated by a greylist",
            "450 4.2.2 mailbox full",
            // Permanent: a 5xx is never slowed down for.
            "550 5.7.1 rate limited",
            "421 4.4.2 connection dropped",
            "connection refused",
        ] {
            assert!(!is_rate_limited(reply), "{reply}");
        }
    }

    #[test]
    fn a_spent_day_waits_for_the_next_window_and_other_mail_still_counts() {
        let start = Instant::now();
        let mut day = DayWindow::new(2);
        assert_eq!(day.take(start), Ok(()));
        day.count(start + Duration::from_secs(1));
        assert!(!day.has_room(start + Duration::from_secs(2)));
        assert_eq!(day.take(start + Duration::from_secs(3)), Err(start + DAY));
        // The next window opens with its first message.
        let later = start + DAY + Duration::from_secs(5);
        assert!(day.has_room(later));
        assert_eq!(day.take(later), Ok(()));
        assert_eq!(day.take(later), Ok(()));
        assert_eq!(day.take(later), Err(later + DAY));
    }

    #[test]
    fn a_rate_limited_reply_pauses_and_halves_the_rate_then_quiet_minutes_restore_it() {
        let start = Instant::now();
        let mut slow = Slowdown::default();
        for i in 0..10 {
            assert_eq!(slow.reserve(start + Duration::from_millis(i * 50)), None);
        }
        // Ten a second were going: now five, after half a second's pause.
        let at = start + Duration::from_millis(500);
        assert_eq!(slow.strike(at), (FIRST_PAUSE, Duration::from_millis(200)));
        assert_eq!(slow.reserve(at), Some(at + FIRST_PAUSE));
        // Replies to messages already in flight do not pile pauses up.
        assert_eq!(
            slow.strike(at + Duration::from_millis(10)),
            (FIRST_PAUSE, Duration::from_millis(200))
        );
        let resumed = at + FIRST_PAUSE;
        assert_eq!(slow.reserve(resumed), None);
        assert_eq!(
            slow.reserve(resumed),
            Some(resumed + Duration::from_millis(200))
        );
        // Again soon after: a longer pause, half the rate again.
        let again = resumed + Duration::from_secs(1);
        assert_eq!(
            slow.strike(again),
            (FIRST_PAUSE * 2, Duration::from_millis(400))
        );
        // Two quiet minutes: back to a quarter of that gap.
        let quiet = again + QUIET * 2 + Duration::from_secs(1);
        assert!(slow.ready(quiet));
        assert_eq!(slow.spacing, Duration::from_millis(100));
    }

    #[test]
    fn the_sending_time_follows_the_tightest_quota_and_whole_days() {
        let none = Limits::default();
        assert_eq!(sending_time(0, none, 4), Duration::ZERO);
        // 4 connections at 2 a second each.
        assert_eq!(sending_time(800, none, 4), Duration::from_secs(100));
        let per_minute = Limits {
            per_minute: Some(60),
            ..none
        };
        assert_eq!(sending_time(600, per_minute, 4), Duration::from_secs(600));
        let per_day = Limits {
            per_minute: Some(600),
            per_day: Some(2000),
            ..none
        };
        // 5000 messages: two whole days, then 1000 at 10 a second.
        assert_eq!(
            sending_time(5000, per_day, 8),
            DAY * 2 + Duration::from_secs(100)
        );
        assert_eq!(sending_time(2000, per_day, 8), Duration::from_secs(200));
    }
}

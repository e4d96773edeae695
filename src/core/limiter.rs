//! The client-side rate limiter: never more than `calls` requests in any window of `per_ms`
//! (the platform's own rule, so no burst can trip its throttle). Calls queue in order; a
//! queued call may leave the queue (cancelled). Pure: the caller passes the clock.

use std::collections::VecDeque;

use super::problem::Problems;
use super::retry::{duration, whole_number};

/// A rate-limit setting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests allowed per window (default 100).
    pub calls: u32,
    /// The window in ms (default 60000).
    pub per_ms: f64,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            calls: 100,
            per_ms: 60_000.0,
        }
    }
}

/// The `rateLimit` option as read from JS.
#[derive(Debug, Clone, Default)]
pub enum RawRateLimit {
    /// Absent or `false`: no client-side limit.
    #[default]
    Off,
    /// An object with optional `calls` and `perMs`.
    Custom {
        /// `calls`.
        calls: Option<Result<f64, String>>,
        /// `perMs`.
        per_ms: Option<Result<f64, String>>,
    },
    /// Anything else: the type it had.
    Refused(String),
}

/// Checks the `rateLimit` option: absent or `false` is off; `{}` is the platform's default.
pub fn rate_limit(raw: &RawRateLimit, problems: &mut Problems) -> Option<RateLimit> {
    let fallback = RateLimit::default();
    match raw {
        RawRateLimit::Off => None,
        RawRateLimit::Refused(got) => {
            problems.add(
                "options.rateLimit",
                format!("must be false or an object, got {got}"),
            );
            None
        }
        RawRateLimit::Custom { calls, per_ms } => {
            let calls = whole_number(calls, "options.rateLimit.calls", 1.0, 1e9, problems);
            let per_ms = duration(per_ms, "options.rateLimit.perMs", false, problems);
            Some(RateLimit {
                // Checked to be a whole number from 1 to 1e9 just above.
                calls: calls.map_or(fallback.calls, |n| n as u32),
                per_ms: per_ms.unwrap_or(fallback.per_ms),
            })
        }
    }
}

/// A place in the queue.
pub type Ticket = u64;

/// What a queued call should do now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Turn {
    /// Send now: the send is recorded as in flight until [`Limiter::finish`] is called.
    Go,
    /// Ask again after this many ms.
    Wait(f64),
}

/// While a send's answer is outstanding its window has not started yet, so waiters behind it
/// check again after this long.
const IN_FLIGHT_RECHECK_MS: f64 = 20.0;

/// One limiter per (base URL, app key), shared by every call with that pair.
///
/// The platform counts a request when it arrives, somewhere between the moment it leaves and
/// the moment its answer comes back. The limiter therefore counts each send from the moment
/// its answer came back (in flight until then): sends spaced by that rule can never arrive
/// more than `calls` to a window, whatever the network's delays.
#[derive(Debug, Default)]
pub struct Limiter {
    limit: RateLimit,
    /// Sends still counting: (ticket, when the answer came back, or `None` while in flight).
    /// (A Vec: entries are only appended, found and filtered, never taken from the front.)
    active: Vec<(Ticket, Option<f64>)>,
    /// Tickets waiting, in arrival order.
    queue: VecDeque<Ticket>,
    next_ticket: Ticket,
}

impl Limiter {
    /// A limiter with this setting.
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }

    /// Changes the setting (the most recent caller's setting applies to the pair).
    pub fn set_limit(&mut self, limit: RateLimit) {
        self.limit = limit;
    }

    /// Joins the queue.
    pub fn enqueue(&mut self) -> Ticket {
        let ticket = self.next_ticket;
        self.next_ticket = self.next_ticket.wrapping_add(1);
        self.queue.push_back(ticket);
        ticket
    }

    /// Leaves the queue without sending (the call was cancelled).
    pub fn cancel(&mut self, ticket: Ticket) {
        self.queue.retain(|t| *t != ticket);
    }

    /// Whether `ticket` may send at `now_ms`; when it may, the send is recorded (in flight)
    /// and the ticket leaves the queue. Only the head of the queue ever goes, so order is kept.
    pub fn poll(&mut self, ticket: Ticket, now_ms: f64) -> Turn {
        let per_ms = self.limit.per_ms;
        self.active
            .retain(|(_, done)| done.is_none_or(|at| at + per_ms > now_ms));
        let calls = usize::try_from(self.limit.calls.max(1)).unwrap_or(usize::MAX);
        let head = self.queue.front().copied();
        if !self.queue.contains(&ticket) {
            // Not queued (cancelled or unknown): queue it now, at the back.
            self.queue.push_back(ticket);
        }
        if self.active.len() < calls {
            if head == Some(ticket) || head.is_none() {
                // The ticket is the head: it was, or the queue was empty and it was just queued.
                self.queue.pop_front();
                self.active.push((ticket, None));
                return Turn::Go;
            }
            // Room now, but the head goes first: check again right after it.
            return Turn::Wait(1.0);
        }
        // Full: the earliest window to close frees the next slot.
        let earliest = self
            .active
            .iter()
            .filter_map(|(_, done)| *done)
            .map(|at| at + per_ms - now_ms)
            .reduce(f64::min);
        Turn::Wait(earliest.unwrap_or(IN_FLIGHT_RECHECK_MS).max(1.0))
    }

    /// Records that the answer to `ticket`'s send came back (or the send failed) at `now_ms`;
    /// its window starts then.
    pub fn finish(&mut self, ticket: Ticket, now_ms: f64) {
        if let Some(entry) = self.active.iter_mut().find(|(t, _)| *t == ticket) {
            entry.1 = Some(now_ms);
        }
    }

    /// How many calls are waiting.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::problem::Problem;

    /// Runs `n` calls that all arrive at t=0 through a limiter with an injected clock; each
    /// answer takes `latency(i)` ms. Returns (send time, answer time) per call.
    fn simulate(limit: RateLimit, n: usize, latency: impl Fn(usize) -> f64) -> Vec<(f64, f64)> {
        let mut limiter = Limiter::new(limit);
        let mut waiting: Vec<(Ticket, f64)> = (0..n).map(|_| (limiter.enqueue(), 0.0)).collect();
        let mut in_flight: Vec<(Ticket, f64)> = Vec::new();
        let mut done = Vec::new();
        let mut steps = 0;
        while !waiting.is_empty() || !in_flight.is_empty() {
            steps += 1;
            assert!(steps < 1_000_000, "no progress");
            let next_wait = waiting
                .iter()
                .map(|w| w.1)
                .reduce(f64::min)
                .unwrap_or(f64::INFINITY);
            let next_answer = in_flight
                .iter()
                .map(|f| f.1)
                .reduce(f64::min)
                .unwrap_or(f64::INFINITY);
            if next_answer <= next_wait {
                let index = in_flight.iter().position(|f| f.1 == next_answer).unwrap();
                let (ticket, at) = in_flight.remove(index);
                limiter.finish(ticket, at);
                continue;
            }
            let index = waiting.iter().position(|w| w.1 == next_wait).unwrap();
            let (ticket, now) = waiting[index];
            match limiter.poll(ticket, now) {
                Turn::Go => {
                    let answer = now + latency(done.len());
                    done.push((now, answer));
                    in_flight.push((ticket, answer));
                    waiting.remove(index);
                }
                Turn::Wait(ms) => waiting[index].1 = now + ms,
            }
        }
        done
    }

    /// The most arrivals in any window, for arrivals anywhere between send and answer:
    /// the worst case puts early sends at their answer time and later ones at their send.
    fn worst_window(calls: &[(f64, f64)], per_ms: f64) -> usize {
        calls
            .iter()
            .map(|(_, answered)| {
                calls
                    .iter()
                    .filter(|(sent, _)| *sent >= *answered - 1e-9 && *sent < answered + per_ms)
                    .count()
                    + 1
            })
            .max()
            .unwrap_or(0)
            .min(calls.len())
    }

    #[test]
    fn a_burst_never_exceeds_the_window_whatever_the_latency() {
        let limit = RateLimit {
            calls: 5,
            per_ms: 1_000.0,
        };
        let calls = simulate(limit, 23, |i| if i < 5 { 60.0 } else { 5.0 });
        assert_eq!(calls.len(), 23);
        assert!(worst_window(&calls, 1_000.0) <= 5, "{calls:?}");
        assert!(
            calls[..5].iter().all(|(sent, _)| *sent == 0.0),
            "the first window's calls go at once"
        );
        assert!(calls[5].0 >= 1_060.0);
        assert!(calls.windows(2).all(|w| w[0].0 <= w[1].0), "in order");
    }

    #[test]
    fn the_platform_default_is_100_per_minute() {
        let calls = simulate(RateLimit::default(), 250, |_| 30.0);
        assert!(worst_window(&calls, 60_000.0) <= 100);
        assert!(
            calls[..100].iter().all(|(sent, _)| *sent == 0.0),
            "100 go at once"
        );
        assert!(calls[100].0 >= 60_030.0, "the 101st waits for the window");
        let last = calls[249].0;
        assert!((120_060.0..121_000.0).contains(&last), "{last}");
    }

    fn read(calls: Option<f64>, per_ms: Option<f64>) -> (Option<RateLimit>, Vec<Problem>) {
        let mut problems = Problems::default();
        let raw = RawRateLimit::Custom {
            calls: calls.map(Ok),
            per_ms: per_ms.map(Ok),
        };
        let limit = rate_limit(&raw, &mut problems);
        (limit, problems.into_vec())
    }

    #[test]
    fn a_half_given_rate_limit_takes_the_platform_default_for_the_other_half() {
        let default = RateLimit::default();
        assert_eq!(
            read(None, None),
            (Some(default), vec![]),
            "{{}} is the default"
        );
        let per = |per_ms| RateLimit { per_ms, ..default };
        let calls = |calls| RateLimit { calls, ..default };
        assert_eq!(read(None, Some(1_000.0)), (Some(per(1_000.0)), vec![]));
        assert_eq!(read(Some(5.0), None), (Some(calls(5)), vec![]));
        assert_eq!(read(Some(1.0), None).0, Some(calls(1)), "the smallest");
        assert_eq!(
            read(Some(1e9), None).0,
            Some(calls(1_000_000_000)),
            "the largest"
        );
        for bad in [0.0, 1e9 + 1.0, 1.5, -1.0] {
            let (_, problems) = read(Some(bad), None);
            assert_eq!(problems.len(), 1, "{bad}");
            assert_eq!(problems[0].path, "options.rateLimit.calls");
            assert_eq!(
                problems[0].message,
                "must be a whole number from 1 to 1000000000"
            );
        }
        let (_, problems) = read(None, Some(0.0));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, "options.rateLimit.perMs");
        assert_eq!(
            rate_limit(&RawRateLimit::Off, &mut Problems::default()),
            None,
            "absent or false: off"
        );
    }

    #[test]
    fn order_is_kept_and_cancelled_tickets_leave() {
        let mut limiter = Limiter::new(RateLimit {
            calls: 1,
            per_ms: 100.0,
        });
        let a = limiter.enqueue();
        let b = limiter.enqueue();
        let c = limiter.enqueue();
        assert!(
            matches!(limiter.poll(b, 0.0), Turn::Wait(_)),
            "b is behind a"
        );
        assert_eq!(limiter.poll(a, 0.0), Turn::Go);
        assert_eq!(
            limiter.poll(c, 5.0),
            Turn::Wait(IN_FLIGHT_RECHECK_MS),
            "a is still in flight"
        );
        limiter.finish(a, 10.0);
        limiter.cancel(b);
        assert_eq!(limiter.queued(), 1);
        assert_eq!(limiter.poll(c, 50.0), Turn::Wait(60.0));
        assert_eq!(limiter.poll(c, 110.0), Turn::Go);
        assert_eq!(limiter.queued(), 0);
    }

    #[test]
    fn sends_spread_over_time_are_not_delayed() {
        let mut limiter = Limiter::new(RateLimit {
            calls: 2,
            per_ms: 1_000.0,
        });
        for i in 0..10 {
            let t = limiter.enqueue();
            let now = f64::from(i) * 510.0;
            assert_eq!(limiter.poll(t, now), Turn::Go);
            limiter.finish(t, now + 5.0);
        }
    }
}

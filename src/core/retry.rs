//! Retries: the policy options, the full-jitter exponential backoff schedule (AWS SDK v3
//! standard mode), `Retry-After` parsing, and the waiter's polling schedule. Pure functions:
//! the caller supplies the random number and the clock.

use super::problem::Problems;
use super::request::cut_at;

/// How a call retries. `max_attempts == 1` means a single request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Requests at most, the first included (default 3).
    pub max_attempts: u32,
    /// The first backoff's ceiling in ms (default 100); doubles each retry.
    pub base_delay_ms: f64,
    /// No backoff, and no honoured `Retry-After`, waits longer than this (default 20000).
    pub max_delay_ms: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay_ms: 100.0,
            max_delay_ms: 20_000.0,
        }
    }
}

impl RetryPolicy {
    /// Exactly one request (`retry: false`).
    pub const NONE: Self = Self {
        max_attempts: 1,
        base_delay_ms: 0.0,
        max_delay_ms: 0.0,
    };

    /// The wait before retry number `retry` (1 for the first retry): full jitter,
    /// `random * min(max_delay, base * 2^(retry-1))`, or the server's `Retry-After`
    /// (in ms) capped by `max_delay` when it sent one.
    #[allow(clippy::manual_clamp)] // f64::clamp panics on NaN bounds: max/min never does
    pub fn delay_ms(&self, retry: u32, random: f64, retry_after_ms: Option<f64>) -> f64 {
        if let Some(after) = retry_after_ms {
            // max/min, not clamp: f64::clamp panics on a NaN bound (and pulls in float formatting).
            return after.max(0.0).min(self.max_delay_ms);
        }
        let exponent = i32::try_from(retry.saturating_sub(1))
            .unwrap_or(i32::MAX)
            .min(1023);
        let ceiling = (self.base_delay_ms * 2f64.powi(exponent)).min(self.max_delay_ms);
        random.max(0.0).min(1.0) * ceiling
    }
}

/// The `retry` option as read from JS.
#[derive(Debug, Clone, Default)]
pub enum RawRetry {
    /// Absent: the default policy.
    #[default]
    Default,
    /// `false`: one request.
    Off,
    /// An object; each field absent (`None`) or a number or the type it had instead.
    Custom {
        /// `maxAttempts`.
        max_attempts: Option<Result<f64, String>>,
        /// `baseDelayMs`.
        base_delay_ms: Option<Result<f64, String>>,
        /// `maxDelayMs`.
        max_delay_ms: Option<Result<f64, String>>,
    },
    /// Anything else (`true`, a number, …): the type it had.
    Refused(String),
}

/// Checks the `retry` option, adding its problems under `options.retry`.
pub fn retry_policy(raw: &RawRetry, problems: &mut Problems) -> RetryPolicy {
    let defaults = RetryPolicy::default();
    match raw {
        RawRetry::Default => defaults,
        RawRetry::Off => RetryPolicy::NONE,
        RawRetry::Refused(got) => {
            problems.add(
                "options.retry",
                format!("must be false or an object, got {got}"),
            );
            defaults
        }
        RawRetry::Custom {
            max_attempts,
            base_delay_ms,
            max_delay_ms,
        } => {
            let attempts = whole_number(
                max_attempts,
                "options.retry.maxAttempts",
                1.0,
                100.0,
                problems,
            );
            let base = duration(base_delay_ms, "options.retry.baseDelayMs", true, problems);
            let max = duration(max_delay_ms, "options.retry.maxDelayMs", true, problems);
            RetryPolicy {
                // Checked to be a whole number from 1 to 100 just above.
                max_attempts: attempts.map_or(defaults.max_attempts, |n| n as u32),
                base_delay_ms: base.unwrap_or(defaults.base_delay_ms),
                max_delay_ms: max.unwrap_or(defaults.max_delay_ms),
            }
        }
    }
}

/// A whole number within `[min, max]`; `None` when absent or refused (with a problem).
pub fn whole_number(
    raw: &Option<Result<f64, String>>,
    path: &str,
    min: f64,
    max: f64,
    problems: &mut Problems,
) -> Option<f64> {
    match raw {
        None => None,
        Some(Ok(n)) if n.fract() == 0.0 && (min..=max).contains(n) => Some(*n),
        Some(Ok(_)) => {
            // Integer formatting: f64 Display would add kilobytes of float printing to the wasm.
            let (min, max) = (min as u64, max as u64);
            problems.add(path, format!("must be a whole number from {min} to {max}"));
            None
        }
        Some(Err(got)) => {
            problems.add(path, format!("must be a number, got {got}"));
            None
        }
    }
}

/// The largest delay a JS timer takes (`2^31 - 1` ms); longer durations are clamped to it.
pub const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// A duration in ms: finite, positive (or zero when `zero_ok`), clamped to [`MAX_TIMER_MS`].
pub fn duration(
    raw: &Option<Result<f64, String>>,
    path: &str,
    zero_ok: bool,
    problems: &mut Problems,
) -> Option<f64> {
    let what = if zero_ok {
        "zero or more"
    } else {
        "a positive"
    };
    match raw {
        None => None,
        Some(Ok(ms)) if ms.is_finite() && (*ms > 0.0 || (zero_ok && *ms == 0.0)) => {
            Some(ms.min(MAX_TIMER_MS))
        }
        Some(Ok(_)) => {
            problems.add(
                path,
                format!("must be {what}, finite number of milliseconds"),
            );
            None
        }
        Some(Err(got)) => {
            let message = format!("must be {what}, finite number of milliseconds, got {got}");
            problems.add(path, message);
            None
        }
    }
}

/// Parses a `Retry-After` value (delta-seconds, or an HTTP date) into a wait in ms from `now_ms`
/// (epoch milliseconds). A date in the past is a wait of zero; anything unreadable is `None`;
/// more seconds than a `u64` holds are that many (a wait far beyond any cap), not unreadable.
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<f64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Integer parsing: the float parser would add kilobytes to the wasm.
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(seconds as f64 * 1000.0);
    }
    http_date_ms(value).map(|at| (at - now_ms).max(0.0))
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form HTTP/1.1 senders must use.
fn http_date_ms(value: &str) -> Option<f64> {
    let rest = value.split_once(", ")?.1;
    let mut parts = split_at_spaces(rest);
    let day: u8 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => "01",
        "Feb" => "02",
        "Mar" => "03",
        "Apr" => "04",
        "May" => "05",
        "Jun" => "06",
        "Jul" => "07",
        "Aug" => "08",
        "Sep" => "09",
        "Oct" => "10",
        "Nov" => "11",
        "Dec" => "12",
        _ => return None,
    };
    let year = parts.next()?;
    let time = parts.next()?;
    if parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    let text = format!("{year}-{month}-{day:02}T{time}Z");
    super::time::parse_timestamp(&text)
        .ok()
        .map(|t| t.unix_seconds() as f64 * 1000.0)
}

/// `text` split at every space, as `str::split(' ')` splits it (empty pieces included), by
/// bytes: no `char` searcher for one ASCII delimiter.
fn split_at_spaces(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match cut_at(current, b' ') {
            Some((piece, after)) => {
                rest = Some(after);
                Some(piece)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// The waiter's schedule: `minDelayMs`, `maxDelayMs`, `maxWaitMs`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WaitPolicy {
    /// The first delay, and the delay after each change (default 2000).
    pub min_delay_ms: f64,
    /// The longest delay (default 30000).
    pub max_delay_ms: f64,
    /// Give up (kind `timeout`) after this long, when set.
    pub max_wait_ms: Option<f64>,
}

/// Checks the waiter's options (absent: the defaults). Both delays given with the shortest
/// above the longest is a problem; one given alone moves the other's default out of its way
/// (`minDelayMs: 60000` alone polls every minute, `maxDelayMs: 1000` alone every second).
pub fn wait_policy(
    min_delay_ms: &Option<Result<f64, String>>,
    max_delay_ms: &Option<Result<f64, String>>,
    max_wait_ms: &Option<Result<f64, String>>,
    problems: &mut Problems,
) -> WaitPolicy {
    let min = duration(min_delay_ms, "options.minDelayMs", true, problems);
    let max = duration(max_delay_ms, "options.maxDelayMs", true, problems);
    if let (Some(lo), Some(hi)) = (min, max) {
        if lo > hi {
            problems.add("options.maxDelayMs", "must be at least options.minDelayMs");
        }
    }
    let min_delay_ms = min.unwrap_or_else(|| max.map_or(2_000.0, |hi| hi.min(2_000.0)));
    WaitPolicy {
        min_delay_ms,
        max_delay_ms: max.unwrap_or(min_delay_ms.max(30_000.0)),
        max_wait_ms: duration(max_wait_ms, "options.maxWaitMs", false, problems),
    }
}

/// The waiter's next delay: doubles from `min` up to `max` while the task does not change,
/// and drops back to `min` as soon as it does.
pub fn next_poll_delay(current_ms: f64, changed: bool, min_ms: f64, max_ms: f64) -> f64 {
    if changed || !current_ms.is_finite() || current_ms < min_ms {
        min_ms.min(max_ms)
    } else {
        (current_ms * 2.0).min(max_ms).max(min_ms.min(max_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::problem::Problem;

    #[test]
    fn spaces_split_as_str_split_splits() {
        for text in [
            "",
            " ",
            "  ",
            "a",
            "06 Nov 1994 08:49:37 GMT",
            " 06 Nov",
            "06  Nov ",
            "é b  ç ",
            "a\tb c",
        ] {
            let ours: Vec<&str> = split_at_spaces(text).collect();
            let std: Vec<&str> = text.split(' ').collect();
            assert_eq!(ours, std, "{text:?}");
        }
    }

    #[test]
    fn wait_delays_in_order_or_refused() {
        let ms = |v: f64| Some(Ok(v));
        let policy = |lo, hi| {
            let mut problems = Problems::default();
            let p = wait_policy(&lo, &hi, &None, &mut problems);
            (p.min_delay_ms, p.max_delay_ms, problems.into_vec())
        };
        assert_eq!(policy(None, None), (2_000.0, 30_000.0, vec![]));
        assert_eq!(policy(ms(60_000.0), None), (60_000.0, 60_000.0, vec![]));
        assert_eq!(policy(None, ms(1_000.0)), (1_000.0, 1_000.0, vec![]));
        assert_eq!(policy(ms(10.0), None), (10.0, 30_000.0, vec![]));
        assert_eq!(policy(ms(500.0), ms(500.0)), (500.0, 500.0, vec![]));
        let (_, _, problems) = policy(ms(5_000.0), ms(1_000.0));
        assert_eq!(
            problems,
            vec![Problem::new(
                "options.maxDelayMs",
                "must be at least options.minDelayMs"
            )]
        );
    }

    #[test]
    fn full_jitter_exponential_schedule() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay_ms(1, 1.0, None), 100.0);
        assert_eq!(p.delay_ms(2, 1.0, None), 200.0);
        assert_eq!(p.delay_ms(3, 0.5, None), 200.0);
        assert_eq!(p.delay_ms(20, 1.0, None), 20_000.0);
        assert_eq!(p.delay_ms(u32::MAX, 1.0, None), 20_000.0);
        assert_eq!(p.delay_ms(1, 0.0, None), 0.0);
        assert_eq!(
            p.delay_ms(1, 7.0, None),
            100.0,
            "random is clamped to [0, 1]"
        );
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay_ms(1, 0.0, Some(2_000.0)), 2_000.0);
        assert_eq!(p.delay_ms(1, 0.0, Some(90_000.0)), 20_000.0);
        assert_eq!(parse_retry_after("2", 0.0), Some(2_000.0));
        assert_eq!(parse_retry_after(" 0 ", 0.0), Some(0.0));
        // Beyond u64: a very long wait (capped by maxDelayMs like any other), not ignored.
        let huge = parse_retry_after("999999999999999999999", 0.0);
        assert_eq!(huge, Some(u64::MAX as f64 * 1000.0));
        assert_eq!(p.delay_ms(1, 0.0, huge), 20_000.0);
        let at = 784_111_777_000.0; // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at - 5_000.0),
            Some(5_000.0)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at + 5_000.0),
            Some(0.0)
        );
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT x",
            "Sun, 06 Nov 1994 08:49:37",
        ] {
            assert_eq!(parse_retry_after(bad, 0.0), None, "{bad}");
        }
    }

    #[test]
    fn retry_option_checks() {
        let mut problems = Problems::default();
        assert_eq!(retry_policy(&RawRetry::Off, &mut problems).max_attempts, 1);
        let custom = RawRetry::Custom {
            max_attempts: Some(Ok(5.0)),
            base_delay_ms: None,
            max_delay_ms: Some(Ok(1e12)),
        };
        let policy = retry_policy(&custom, &mut problems);
        assert_eq!(
            (
                policy.max_attempts,
                policy.base_delay_ms,
                policy.max_delay_ms
            ),
            (5, 100.0, MAX_TIMER_MS)
        );
        assert!(problems.is_empty());
        for (given, attempts) in [(1.0, 1), (100.0, 100)] {
            let edge = RawRetry::Custom {
                max_attempts: Some(Ok(given)),
                base_delay_ms: None,
                max_delay_ms: None,
            };
            assert_eq!(retry_policy(&edge, &mut problems).max_attempts, attempts);
        }
        assert!(problems.is_empty(), "1 and 100 are in range");
        let over = RawRetry::Custom {
            max_attempts: Some(Ok(101.0)),
            base_delay_ms: None,
            max_delay_ms: None,
        };
        assert_eq!(retry_policy(&over, &mut problems).max_attempts, 3);
        let problems_over = std::mem::take(&mut problems).into_vec();
        assert_eq!(problems_over.len(), 1);
        assert_eq!(
            problems_over[0].message,
            "must be a whole number from 1 to 100"
        );
        let bad = RawRetry::Custom {
            max_attempts: Some(Ok(0.5)),
            base_delay_ms: Some(Ok(-1.0)),
            max_delay_ms: Some(Err("string".into())),
        };
        retry_policy(&bad, &mut problems);
        retry_policy(&RawRetry::Refused("boolean".into()), &mut problems);
        let paths: Vec<String> = problems.into_vec().into_iter().map(|p| p.path).collect();
        assert_eq!(
            paths,
            [
                "options.retry.maxAttempts",
                "options.retry.baseDelayMs",
                "options.retry.maxDelayMs",
                "options.retry"
            ]
        );
    }

    #[test]
    fn poll_delay_grows_while_unchanged_and_drops_back() {
        assert_eq!(next_poll_delay(f64::NAN, false, 2_000.0, 30_000.0), 2_000.0);
        assert_eq!(next_poll_delay(2_000.0, false, 2_000.0, 30_000.0), 4_000.0);
        assert_eq!(
            next_poll_delay(16_000.0, false, 2_000.0, 30_000.0),
            30_000.0
        );
        assert_eq!(
            next_poll_delay(30_000.0, false, 2_000.0, 30_000.0),
            30_000.0
        );
        assert_eq!(next_poll_delay(30_000.0, true, 2_000.0, 30_000.0), 2_000.0);
        assert_eq!(
            next_poll_delay(100.0, false, 5_000.0, 1_000.0),
            1_000.0,
            "max wins over min"
        );
    }
}

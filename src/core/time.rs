//! Platform and RFC 3339 timestamps, normalised to `YYYY-MM-DDTHH:MM:SSZ` in UTC.
//!
//! Accepted spellings: the platform's compact `yyyyMMdd'T'HHmmss'Z'` (`20151212T121212Z`) and
//! RFC 3339 with `T`, `t` or a space between date and time, optional fractional seconds
//! (dropped), and `Z`, `z`, `±HH:MM` or `±HHMM` as the offset. Impossible dates and times
//! (month 13, February 30, hour 24, second 60) are errors, never guesses.

use core::fmt::Write as _;

/// A calendar instant in UTC, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct UtcTime {
    year: i64,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
}

impl UtcTime {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour) * 3_600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// Formats the instant as `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn to_iso(&self) -> String {
        let mut out = String::with_capacity(20);
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        out
    }
}

/// Why a timestamp was refused (the message is shown to users as a problem).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeError(pub &'static str);

/// Parses one timestamp in any accepted spelling and converts it to UTC.
pub fn parse_timestamp(text: &str) -> Result<UtcTime, TimeError> {
    let bytes = text.as_bytes();
    let compact = bytes.len() >= 9 && bytes.get(8).is_some_and(|b| b.eq_ignore_ascii_case(&b'T'));
    let mut cursor = Cursor { bytes, pos: 0 };
    let (year, month, day, hour, minute, second) = if compact {
        let year = cursor.digits(4)?;
        let month = cursor.digits(2)?;
        let day = cursor.digits(2)?;
        cursor.separator(|b| b == b'T' || b == b't')?;
        let hour = cursor.digits(2)?;
        let minute = cursor.digits(2)?;
        let second = cursor.digits(2)?;
        (year, month, day, hour, minute, second)
    } else {
        let year = cursor.digits(4)?;
        cursor.separator(|b| b == b'-')?;
        let month = cursor.digits(2)?;
        cursor.separator(|b| b == b'-')?;
        let day = cursor.digits(2)?;
        cursor.separator(|b| b == b'T' || b == b't' || b == b' ')?;
        let hour = cursor.digits(2)?;
        cursor.separator(|b| b == b':')?;
        let minute = cursor.digits(2)?;
        cursor.separator(|b| b == b':')?;
        let second = cursor.digits(2)?;
        cursor.fraction()?;
        (year, month, day, hour, minute, second)
    };
    let offset_minutes = cursor.offset()?;
    if cursor.pos != bytes.len() {
        return Err(TimeError("has unexpected characters after the time zone"));
    }
    check_fields(year, month, day, hour, minute, second)?;
    let local_seconds = days_from_civil(year, month, day) * 86_400
        + i64::from(hour) * 3_600
        + i64::from(minute) * 60
        + i64::from(second);
    let utc_seconds = local_seconds - offset_minutes * 60;
    let time = from_unix_seconds(utc_seconds);
    if !(0..=9999).contains(&time.year) {
        return Err(TimeError(
            "is outside the years 0000 to 9999 once converted to UTC",
        ));
    }
    Ok(time)
}

fn check_fields(
    year: i64,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
) -> Result<(), TimeError> {
    if !(1..=12).contains(&month) {
        return Err(TimeError("has a month outside 01-12"));
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(TimeError("has a day that does not exist in its month"));
    }
    if hour > 23 {
        return Err(TimeError("has an hour outside 00-23"));
    }
    if minute > 59 {
        return Err(TimeError("has a minute outside 00-59"));
    }
    if second > 59 {
        return Err(TimeError("has a second outside 00-59"));
    }
    Ok(())
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn digits<T: From<u8> + TryFrom<u32>>(&mut self, count: usize) -> Result<T, TimeError> {
        let mut value: u32 = 0;
        for _ in 0..count {
            match self.peek() {
                Some(b @ b'0'..=b'9') => {
                    value = value * 10 + u32::from(b - b'0');
                    self.pos += 1;
                }
                _ => return Err(TimeError("is not a recognised timestamp (expected 20151212T121212Z or 2015-12-12T12:12:12Z)")),
            }
        }
        T::try_from(value).map_err(|_| TimeError("has a field out of range"))
    }

    fn separator(&mut self, accept: impl Fn(u8) -> bool) -> Result<(), TimeError> {
        match self.peek() {
            Some(b) if accept(b) => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(TimeError(
                "is not a recognised timestamp (expected 20151212T121212Z or 2015-12-12T12:12:12Z)",
            )),
        }
    }

    fn fraction(&mut self) -> Result<(), TimeError> {
        if matches!(self.peek(), Some(b'.') | Some(b',')) {
            self.pos += 1;
            let start = self.pos;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
            if self.pos == start {
                return Err(TimeError("has a decimal point without fractional digits"));
            }
        }
        Ok(())
    }

    /// Reads `Z`, `z`, `±HH:MM` or `±HHMM` and returns the offset east of UTC in minutes.
    fn offset(&mut self) -> Result<i64, TimeError> {
        match self.peek() {
            Some(b'Z') | Some(b'z') => {
                self.pos += 1;
                Ok(0)
            }
            Some(sign @ (b'+' | b'-')) => {
                self.pos += 1;
                let hours: u8 = self.digits(2)?;
                if self.peek() == Some(b':') {
                    self.pos += 1;
                }
                let minutes: u8 = self.digits(2)?;
                if hours > 23 || minutes > 59 {
                    return Err(TimeError("has a time-zone offset out of range"));
                }
                let total = i64::from(hours) * 60 + i64::from(minutes);
                Ok(if sign == b'-' { -total } else { total })
            }
            _ => Err(TimeError(
                "has no time zone (expected Z or an offset such as +08:00)",
            )),
        }
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let (month, day) = (i64::from(month), i64::from(day));
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn from_unix_seconds(seconds: i64) -> UtcTime {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Every value below is within its range by construction of the algorithm.
    UtcTime {
        year,
        month: u8::try_from(month).unwrap_or(1),
        day: u8::try_from(day).unwrap_or(1),
        hour: u8::try_from(rest / 3_600).unwrap_or(0),
        minute: u8::try_from(rest % 3_600 / 60).unwrap_or(0),
        second: u8::try_from(rest % 60).unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(text: &str) -> Result<String, TimeError> {
        parse_timestamp(text).map(|t| t.to_iso())
    }

    #[test]
    fn platform_compact_format() {
        assert_eq!(iso("20151212T121212Z").unwrap(), "2015-12-12T12:12:12Z");
        assert_eq!(iso("20151212t121212z").unwrap(), "2015-12-12T12:12:12Z");
    }

    #[test]
    fn rfc3339_spellings() {
        assert_eq!(iso("2015-12-12T12:12:12Z").unwrap(), "2015-12-12T12:12:12Z");
        assert_eq!(iso("2015-12-12t12:12:12z").unwrap(), "2015-12-12T12:12:12Z");
        assert_eq!(iso("2015-12-12 12:12:12Z").unwrap(), "2015-12-12T12:12:12Z");
        assert_eq!(
            iso("2015-12-12T12:12:12.987654Z").unwrap(),
            "2015-12-12T12:12:12Z"
        );
    }

    #[test]
    fn offsets_convert_to_utc() {
        assert_eq!(
            iso("2015-12-12T20:12:12+08:00").unwrap(),
            "2015-12-12T12:12:12Z"
        );
        assert_eq!(
            iso("2015-12-12T20:12:12+0800").unwrap(),
            "2015-12-12T12:12:12Z"
        );
        assert_eq!(
            iso("2015-12-31T23:30:00-01:00").unwrap(),
            "2016-01-01T00:30:00Z"
        );
        assert_eq!(
            iso("2016-03-01T01:00:00+02:00").unwrap(),
            "2016-02-29T23:00:00Z"
        );
        assert_eq!(
            iso("2015-12-12T05:30:00+05:30").unwrap(),
            "2015-12-12T00:00:00Z"
        );
    }

    #[test]
    fn impossible_values_are_refused() {
        for bad in [
            "2015-13-12T12:12:12Z",
            "2015-00-12T12:12:12Z",
            "2015-02-30T12:12:12Z",
            "2015-02-29T12:12:12Z",
            "2015-04-31T12:12:12Z",
            "2015-12-12T24:00:00Z",
            "2015-12-12T12:60:00Z",
            "2015-12-12T12:12:60Z",
            "20151312T121212Z",
            "2015-12-12T12:12:12+24:00",
        ] {
            assert!(iso(bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(iso("2016-02-29T00:00:00Z").unwrap(), "2016-02-29T00:00:00Z");
        assert_eq!(iso("2000-02-29T00:00:00Z").unwrap(), "2000-02-29T00:00:00Z");
        assert!(iso("1900-02-29T00:00:00Z").is_err());
    }

    #[test]
    fn malformed_text_is_refused() {
        for bad in [
            "",
            "yesterday",
            "2015-12-12",
            "2015-12-12T12:12:12",
            "2015-12-12T12:12Z",
            "2015-12-12T12:12:12.Z",
            "2015-12-12T12:12:12Zjunk",
            "20151212T121212",
            "20151212T1212Z",
            "２０１５-12-12T12:12:12Z",
            "2015-12-12T12:12:12+8",
        ] {
            assert!(iso(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn year_range_is_kept() {
        assert_eq!(
            iso("0000-01-01T05:00:00+04:00").unwrap(),
            "0000-01-01T01:00:00Z"
        );
        assert!(iso("0000-01-01T00:00:00+01:00").is_err());
        assert!(iso("9999-12-31T23:59:59-00:01").is_err());
        assert_eq!(iso("9999-12-31T23:59:59Z").unwrap(), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn civil_round_trip_over_many_days() {
        for days in (-800_000i64..3_000_000).step_by(997) {
            let t = from_unix_seconds(days * 86_400 + 3_723);
            assert_eq!(days_from_civil(t.year, t.month, t.day), days);
            assert_eq!((t.hour, t.minute, t.second), (1, 2, 3));
        }
    }
}

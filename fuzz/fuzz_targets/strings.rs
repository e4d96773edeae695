//! Arbitrary strings through the three string rules of the core, each checked against an
//! independent implementation where one exists:
//! - `encode_segment`: the id travels as exactly one path segment (only unreserved
//!   characters and `%XX`, never `.`/`..`, and percent-decoding gives the id back);
//! - `check_base_url`: what passes is stable, https or loopback, without credentials, query,
//!   fragment or trailing slash, and the WHATWG parser (the `url` crate) accepts it too, with
//!   the same scheme, no credentials, a loopback host for http, and the API path at the end;
//! - `parse_timestamp`: what passes prints as `YYYY-MM-DDTHH:MM:SSZ` and reads back the same,
//!   and every RFC 3339 text chrono reads (leap seconds aside) gives chrono's instant;
//! - `parse_retry_after` (a header the server controls): a wait is finite and never negative,
//!   delta-seconds give exactly that many seconds (more than a `u64` holds: `u64::MAX` of
//!   them, a wait any cap makes maxDelayMs), and an IMF-fixdate gives chrono's instant.
#![no_main]

use chrono::{DateTime, Datelike, Timelike, Utc};
use iot_upgrade_task::core::request::{check_base_url, encode_segment, MAX_OPERATION_ID_BYTES};
use iot_upgrade_task::core::retry::parse_retry_after;
use iot_upgrade_task::core::time::parse_timestamp;
use libfuzzer_sys::fuzz_target;

const API_PATH: &str = "/iodm/northbound/v1.5.0/operations/x";

fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

fn check_segment(id: &str) {
    match encode_segment(id) {
        Ok(segment) => {
            assert!(id != "." && id != ".." && id.len() <= MAX_OPERATION_ID_BYTES);
            assert!(
                segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
                "{segment:?}"
            );
            assert!(segment != "." && segment != "..");
            assert_eq!(percent_decode(&segment).as_deref(), Some(id.as_bytes()));
        }
        Err(_) => assert!(id == "." || id == ".." || id.len() > MAX_OPERATION_ID_BYTES),
    }
}

fn url_host_is_loopback(host: Option<url::Host<&str>>) -> bool {
    match host {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(a)) => a.octets()[0] == 127,
        Some(url::Host::Ipv6(a)) => a == std::net::Ipv6Addr::LOCALHOST,
        None => false,
    }
}

/// Whether the host has an `xn--` (punycode) label.
fn has_punycode_label(authority: &str) -> bool {
    authority.split(['.', ':']).any(|label| {
        label
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
    })
}

fn check_base(input: &str) {
    let Ok(base) = check_base_url(input) else {
        return;
    };
    assert_eq!(check_base_url(&base).as_ref(), Ok(&base), "not stable");
    let scheme = if base.starts_with("https://") {
        "https"
    } else if base.starts_with("http://") {
        "http"
    } else {
        panic!("{base:?} is neither https nor http");
    };
    assert!(!base.ends_with('/'));
    assert!(!base.contains(['?', '#', '\\']));
    let rest = base.split_once("://").map_or("", |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or("");
    assert!(
        !authority.is_empty() && !authority.contains('@'),
        "authority {authority:?}"
    );
    assert!(!base.chars().any(|c| c.is_whitespace() || c.is_control()));
    // What a browser or Node's fetch would make of the request URL.
    let full = format!("{base}{API_PATH}");
    // Every base that passes is one the WHATWG parser accepts too (else the call would fail
    // later as a retryable `network` error instead of `invalid_argument`).
    let url = match url::Url::parse(&full) {
        Ok(url) => url,
        // By design, bad punycode (`https://xn--a`) is left to the runtime's own URL parser,
        // which the wasm edge consults before sending. Every other refusal is a crash.
        Err(url::ParseError::IdnaError) if has_punycode_label(authority) => return,
        Err(e) => {
            panic!("{input:?} passes check_base_url, but the URL parser refuses {full:?}: {e}")
        }
    };
    assert_eq!(url.scheme(), scheme, "{full}");
    assert!(
        url.username().is_empty() && url.password().is_none(),
        "{full}"
    );
    assert!(url.query().is_none() && url.fragment().is_none(), "{full}");
    assert!(url.path().ends_with(API_PATH), "{full} → {}", url.path());
    if scheme == "http" {
        assert!(
            url_host_is_loopback(url.host()),
            "plain http to a non-loopback host: {full} → {:?}",
            url.host()
        );
    }
}

fn check_time(text: &str) {
    let ours = parse_timestamp(text);
    if let Ok(time) = &ours {
        let iso = time.to_iso();
        assert_eq!(iso.len(), 20, "{iso}");
        assert_eq!(
            parse_timestamp(&iso).as_ref(),
            Ok(time),
            "{iso} does not read back"
        );
    }
    if let Ok(theirs) = DateTime::parse_from_rfc3339(text) {
        let utc = theirs.with_timezone(&Utc);
        // chrono accepts leap seconds (`:60`), which the contract refuses.
        let leap = theirs.nanosecond() >= 1_000_000_000;
        if !leap && (0..=9999).contains(&utc.year()) {
            let expected = utc.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            match ours {
                Ok(time) => assert_eq!(time.to_iso(), expected, "for {text:?}"),
                Err(e) => panic!("{text:?} refused ({e:?}); chrono reads {expected}"),
            }
        }
    }
}

fn check_retry_after(text: &str) {
    // 2026-11-25T00:00:00Z, as the epoch milliseconds a caller would pass.
    const NOW_MS: f64 = 1_795_564_800_000.0;
    let Some(wait) = parse_retry_after(text, NOW_MS) else {
        return;
    };
    assert!(wait.is_finite() && wait >= 0.0, "{text:?} → {wait}");
    let trimmed = text.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        #[allow(clippy::cast_precision_loss)]
        let seconds: f64 = match trimmed.parse::<u64>() {
            Ok(_) => trimmed.parse().unwrap_or(f64::NAN),
            Err(_) => u64::MAX as f64,
        };
        assert!(
            (wait - seconds * 1000.0).abs() <= seconds * 1e-12 * 1000.0,
            "{text:?} → {wait}"
        );
    } else if let Ok(date) = DateTime::parse_from_rfc2822(trimmed) {
        if date.timezone().local_minus_utc() == 0 && date.nanosecond() < 1_000_000_000 {
            #[allow(clippy::cast_precision_loss)]
            let expected = (date.timestamp_millis() as f64 - NOW_MS).max(0.0);
            assert_eq!(wait, expected, "{text:?}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check_segment(&text);
    check_base(&text);
    check_time(&text);
    check_retry_after(&text);
});

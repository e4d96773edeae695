//! Argument checks and the wire request: base URL rules, the encoded id, the headers.

use std::borrow::Cow;

use serde::Serialize;

use super::ip::{is_dotted_quad, is_ipv4, is_ipv6};
use super::limiter::{rate_limit, RateLimit, RawRateLimit};
use super::problem::{Problem, Problems};
use super::retry::{duration, retry_policy, RawRetry, RetryPolicy};

/// The platform's path for one operation task, after the base URL.
pub const OPERATIONS_PATH: &str = "/iodm/northbound/v1.5.0/operations/";
/// The default whole-call deadline in milliseconds.
pub const DEFAULT_TIMEOUT_MS: f64 = 30_000.0;
/// The longest `operationId` accepted, in bytes of UTF-8 (real ids are far shorter).
pub const MAX_OPERATION_ID_BYTES: usize = 4096;

/// Percent-encodes `value`: every byte of its UTF-8 except the RFC 3986 unreserved
/// characters (`A-Z a-z 0-9 - . _ ~`) becomes `%XX` (upper-case hex). What the id segment and
/// the login form need, written out: the `percent-encoding` crate's way (a `Display` through
/// `to_string`) brought a 768-byte table of every `%XX` and the formatting machinery's calls.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            for nibble in [byte >> 4, byte & 0x0F] {
                let digit = if nibble < 10 { b'0' } else { b'A' - 10 };
                out.push(char::from(digit + nibble));
            }
        }
    }
    out
}

/// The checked inputs of one call, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct WireRequest {
    /// `GET` for tasks, `POST` for logins.
    pub method: &'static str,
    /// The full URL, with the id percent-encoded as one path segment.
    pub url: String,
    /// Header name/value pairs, in sending order.
    pub headers: Vec<(&'static str, String)>,
    /// The request body, for logins.
    pub body: Option<String>,
    /// The whole-call deadline in milliseconds (already clamped), retries included.
    pub timeout_ms: f64,
    /// Retries, the per-request deadline and the rate limit.
    pub policy: CallPolicy,
    /// Which shared rate limiter the call uses: the base URL and the app key.
    pub limiter_key: String,
}

/// How a call behaves beyond one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallPolicy {
    /// Retries of retryable failures.
    pub retry: RetryPolicy,
    /// The deadline of one request in ms, when set (its expiry is retried).
    pub attempt_timeout_ms: Option<f64>,
    /// The client-side rate limit, when on.
    pub rate_limit: Option<RateLimit>,
}

/// The call's arguments as they came from JS, before any check.
#[derive(Debug, Clone, Default)]
pub struct RawArguments {
    /// `operationId`, when it was a string without lone surrogates.
    pub operation_id: Argument,
    /// `accessToken`.
    pub access_token: Argument,
    /// `options.baseUrl`.
    pub base_url: Argument,
    /// `options.appKey`.
    pub app_key: Argument,
    /// `options.timeoutMs`: `None` when absent, `Some(Err)` when not a number.
    pub timeout_ms: Option<Result<f64, String>>,
    /// The options argument itself was absent or not an object (one problem, not one per key).
    pub options_missing: bool,
    /// The other call's name for the key, when it was given instead (`appId` to a query,
    /// `appKey` to a login): a missing key then says "did you mean …?".
    pub key_alias_given: Option<&'static str>,
    /// `options.retry`, `options.attemptTimeoutMs` and `options.rateLimit`.
    pub policy: RawPolicy,
}

/// The resilience options as read from JS.
#[derive(Debug, Clone, Default)]
pub struct RawPolicy {
    /// `options.retry`.
    pub retry: RawRetry,
    /// `options.attemptTimeoutMs`.
    pub attempt_timeout_ms: Option<Result<f64, String>>,
    /// `options.rateLimit` (off when absent; the package's client passes its default).
    pub rate_limit: RawRateLimit,
}

/// One string argument as read from JS.
#[derive(Debug, Clone, Default)]
pub enum Argument {
    /// Absent (`undefined` or `null`).
    #[default]
    Missing,
    /// A well-formed string.
    Text(String),
    /// Something else: the reason it was refused ("must be a string, got number").
    Refused(String),
}

/// Checks every argument, listing every problem; on success builds the wire request.
pub fn build_request(args: &RawArguments) -> Result<WireRequest, Vec<Problem>> {
    get_request(args, true, &mut |problems, id| {
        let segment = operation_segment(problems, id?)?;
        Some(format!("{OPERATIONS_PATH}{segment}"))
    })
}

/// An operation id percent-encoded as one path segment (`None`, with its problem recorded,
/// when it cannot travel).
pub fn operation_segment(problems: &mut Problems, id: &str) -> Option<String> {
    encode_segment(id)
        .map_err(|m| problems.add("operationId", m))
        .ok()
}

/// A `GET` of the platform's northbound API: checks what every such call shares (the
/// operation id when `with_id`, the token, `baseUrl`, `appKey`, `timeoutMs` and the
/// resilience options) around the call's own arguments, which `path` checks (recording its
/// problems; it gets the operation id when given) and turns into the path and query after the
/// base URL. Every problem is listed, in argument order. `path` is a trait object, so this
/// is compiled once for the three calls that use it, not once per call.
pub fn get_request(
    args: &RawArguments,
    with_id: bool,
    path: &mut dyn FnMut(&mut Problems, Option<&String>) -> Option<String>,
) -> Result<WireRequest, Vec<Problem>> {
    let mut problems = Problems::default();
    let operation_id = if with_id {
        required(&mut problems, "operationId", &args.operation_id)
    } else {
        None
    };
    let token = required(&mut problems, "accessToken", &args.access_token)
        .filter(|t| header_safe(&mut problems, "accessToken", t));
    let (app_key, base) = base_and_key(&mut problems, args, "options.appKey");
    let path = path(&mut problems, operation_id);
    let timeout_ms = whole_call_timeout(&mut problems, &args.timeout_ms);
    let policy = call_policy(&mut problems, &args.policy);
    match (base, path, token, app_key) {
        (Some(base), Some(path), Some(token), Some(app_key)) if problems.is_empty() => {
            Ok(WireRequest {
                method: "GET",
                url: format!("{base}{path}"),
                headers: vec![
                    ("app_key", app_key.clone()),
                    ("Authorization", format!("Bearer {token}")),
                    ("Accept", "application/json".to_owned()),
                ],
                body: None,
                timeout_ms,
                policy,
                limiter_key: format!("{base}\n{app_key}"),
            })
        }
        _ => Err(problems.into_vec()),
    }
}

/// The arguments of `login` and `refreshToken`, as read from JS.
#[derive(Debug, Clone, Default)]
pub struct RawLogin {
    /// `baseUrl`, `timeoutMs` and the resilience options (`appKey` holds `appId`).
    pub common: RawArguments,
    /// `secret`.
    pub secret: Argument,
    /// `refreshToken`, for a refresh; `None` for a login.
    pub refresh_token: Option<Argument>,
}

/// The platform's login path.
pub const LOGIN_PATH: &str = "/iocm/app/sec/v1.1.0/login";
/// The platform's token refresh path.
pub const REFRESH_PATH: &str = "/iocm/app/sec/v1.1.0/refreshToken";

/// Checks a login or refresh call and builds its request: a form-encoded `POST` of `appId`
/// and `secret` for a login, a JSON body with the refresh token for a refresh.
pub fn build_login(args: &RawLogin) -> Result<WireRequest, Vec<Problem>> {
    let mut problems = Problems::default();
    let (app_id, base) = base_and_key(&mut problems, &args.common, "options.appId");
    let secret = required(&mut problems, "options.secret", &args.secret);
    let refresh = args
        .refresh_token
        .as_ref()
        .map(|raw| required(&mut problems, "options.refreshToken", raw));
    let timeout_ms = whole_call_timeout(&mut problems, &args.common.timeout_ms);
    let policy = call_policy(&mut problems, &args.common.policy);
    let (Some(base), Some(app_id), Some(secret)) = (base, app_id, secret) else {
        return Err(problems.into_vec());
    };
    if !problems.is_empty() {
        return Err(problems.into_vec());
    }
    let (path, content_type, body) = match refresh {
        None => {
            let form = format!(
                "appId={}&secret={}",
                form_encode(app_id),
                form_encode(secret)
            );
            (
                LOGIN_PATH,
                "application/x-www-form-urlencoded;charset=UTF-8",
                form,
            )
        }
        Some(Some(token)) => {
            let body = RefreshBody {
                app_id,
                refresh_token: token,
                secret,
            };
            // Three strings into a String: serde_json cannot fail here.
            let body = serde_json::to_string(&body).unwrap_or_default();
            (REFRESH_PATH, "application/json;charset=UTF-8", body)
        }
        Some(None) => return Err(problems.into_vec()),
    };
    Ok(WireRequest {
        method: "POST",
        url: format!("{base}{path}"),
        headers: vec![
            ("Content-Type", content_type.to_owned()),
            ("Accept", "application/json".to_owned()),
        ],
        body: Some(body),
        timeout_ms,
        policy,
        limiter_key: format!("{base}\n{app_id}"),
    })
}

/// The refresh call's JSON body (`{appId, refreshToken, secret}`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RefreshBody<'a> {
    app_id: &'a str,
    refresh_token: &'a str,
    secret: &'a str,
}

fn base_and_key<'a>(
    problems: &mut Problems,
    args: &'a RawArguments,
    key_path: &str,
) -> (Option<&'a String>, Option<String>) {
    if args.options_missing {
        // A login's options hold its secret too (its `key_path` is options.appId).
        let needs = if key_path == "options.appId" {
            "is required: an object with baseUrl, appId and secret"
        } else {
            "is required: an object with baseUrl and appKey"
        };
        problems.add("options", needs);
        return (None, None);
    }
    let key = match (&args.app_key, args.key_alias_given) {
        (Argument::Missing, Some(alias)) => {
            let meant = after_last_dot(key_path);
            problems.add(
                key_path,
                format!("is required (a non-empty string); options.{alias} was given: did you mean {meant}?"),
            );
            None
        }
        (given, _) => {
            required(problems, key_path, given).filter(|k| header_safe(problems, key_path, k))
        }
    };
    let base = required(problems, "options.baseUrl", &args.base_url).and_then(|b| {
        check_base_url(b)
            .map_err(|m| problems.add("options.baseUrl", m))
            .ok()
    });
    (key, base)
}

fn whole_call_timeout(problems: &mut Problems, raw: &Option<Result<f64, String>>) -> f64 {
    duration(raw, "options.timeoutMs", false, problems).unwrap_or(DEFAULT_TIMEOUT_MS)
}

fn call_policy(problems: &mut Problems, raw: &RawPolicy) -> CallPolicy {
    CallPolicy {
        retry: retry_policy(&raw.retry, problems),
        attempt_timeout_ms: duration(
            &raw.attempt_timeout_ms,
            "options.attemptTimeoutMs",
            false,
            problems,
        ),
        rate_limit: rate_limit(&raw.rate_limit, problems),
    }
}

/// `application/x-www-form-urlencoded` encoding of one value.
pub fn form_encode(value: &str) -> String {
    percent_encode(value)
}

fn required<'a>(problems: &mut Problems, path: &str, argument: &'a Argument) -> Option<&'a String> {
    match argument {
        Argument::Text(text) if !text.is_empty() => Some(text),
        Argument::Text(_) => {
            problems.add(path, "must be a non-empty string");
            None
        }
        Argument::Missing => {
            problems.add(path, "is required (a non-empty string)");
            None
        }
        Argument::Refused(why) => {
            problems.add(path, why.clone());
            None
        }
    }
}

/// A header value must hold no control characters (CR, LF, …) and nothing beyond Latin-1,
/// which HTTP headers cannot carry. The message never repeats the value (it is a secret).
fn header_safe(problems: &mut Problems, path: &str, value: &str) -> bool {
    match header_unsafe(value) {
        Some(why) => {
            problems.add(path, why);
            false
        }
        None => true,
    }
}

/// Why `value` cannot be an HTTP header's value (a rule, "must …"), or `None` when it can:
/// the one check of every token and key, given by the user or sent by the platform.
pub(crate) fn header_unsafe(value: &str) -> Option<&'static str> {
    if value.chars().any(char::is_control) {
        Some("must not contain control characters (CR, LF, tab, NUL, …)")
    } else if value.chars().any(|c| u32::from(c) > 0xFF) {
        Some("must contain only characters an HTTP header can carry (Latin-1)")
    } else {
        None
    }
}

/// Percent-encodes an operation id as exactly one path segment.
pub fn encode_segment(id: &str) -> Result<String, String> {
    if id == "." || id == ".." {
        return Err(format!("\"{id}\" cannot travel as a path segment"));
    }
    if id.len() > MAX_OPERATION_ID_BYTES {
        return Err(format!(
            "is {} bytes long; at most {MAX_OPERATION_ID_BYTES} are accepted",
            id.len()
        ));
    }
    Ok(percent_encode(id))
}

/// Checks a base URL and returns it canonical and without trailing slashes, ready for the API
/// path: its origin as fetch's URL parser writes it (scheme and host lower-cased, the port
/// without leading zeros, `:443` for `https:` and `:80` for `http:` left out), its path prefix
/// as given. Requests, logins and the rate limiter's key all use this form. An IPv6 literal is
/// only lower-cased, not compressed as fetch writes it: that took about 1 KB of gzip'd .wasm,
/// for spellings nobody mixes (the README says to write one).
///
/// Rules: an absolute `https:` URL (or `http:` to `localhost`, `127.0.0.0/8` or `[::1]`),
/// a host, no credentials, no query, no fragment. Anything this strict parser does not fully
/// understand is refused rather than guessed, so the token never goes where it was not meant to.
/// The reasons are borrowed text (a `Cow`): no String is built for a fixed sentence.
pub fn check_base_url(input: &str) -> Result<String, Cow<'static, str>> {
    if input
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return Err("must not contain spaces, control characters or backslashes".into());
    }
    let Some((scheme, rest)) = input.split_once("://") else {
        return Err("must be an absolute URL such as https://host:8743".into());
    };
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(format!("must use https: (got {scheme}:)").into());
    }
    if has_byte(rest, b'#') {
        return Err("must not carry a fragment (#…)".into());
    }
    if has_byte(rest, b'?') {
        return Err("must not carry a query (?…)".into());
    }
    let (authority, path) = match find_byte(rest, b'/') {
        Some(at) => (
            rest.get(..at).unwrap_or_default(),
            rest.get(at..).unwrap_or_default(),
        ),
        None => (rest, ""),
    };
    if has_byte(authority, b'@') {
        return Err("must not carry credentials (user:password@)".into());
    }
    let (host, port) = split_host_port(authority)?;
    let mut number = None;
    if let Some(port) = port {
        // Digits only, so the fold reads the number (saturating far beyond any port).
        let value = port.bytes().fold(0u32, |n, b| {
            n.saturating_mul(10)
                .saturating_add(u32::from(b.wrapping_sub(b'0')))
        });
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || value > 65_535 {
            return Err("has an invalid port".into());
        }
        number = Some(value);
    }
    check_host(host)?;
    if scheme == "http" && !is_loopback(host) {
        return Err(
            "must use https: (plain http: is allowed only to localhost, 127.0.0.0/8 or [::1])"
                .into(),
        );
    }
    // The origin as the WHATWG URL parser (fetch's) writes it, so that every spelling of one
    // origin is one rate-limit queue: the host lower-cased (it is ASCII: checked above), the
    // port as its number, the scheme's default port left out.
    let default_port = if scheme == "https" { 443 } else { 80 };
    let port = match number {
        Some(n) if n != default_port => format!(":{n}"),
        _ => String::new(),
    };
    Ok(format!(
        "{scheme}://{}{port}{}",
        host.to_ascii_lowercase(),
        trim_end_byte(path, b'/')
    ))
}

/// Whether `text` holds the ASCII character `byte`. The URL's delimiters are all ASCII, so
/// its checks look at bytes: no `char` searcher (and its panicking paths) for a few
/// one-character searches.
fn has_byte(text: &str, byte: u8) -> bool {
    find_byte(text, byte).is_some()
}

/// Where `text` first holds the ASCII character `byte` (a byte offset, always at a character
/// boundary: an ASCII byte never occurs inside a multi-byte character).
fn find_byte(text: &str, byte: u8) -> Option<usize> {
    text.bytes().position(|b| b == byte)
}

/// `text` cut at its first ASCII `byte`: what comes before it and what comes after it.
pub(crate) fn cut_at(text: &str, byte: u8) -> Option<(&str, &str)> {
    let at = find_byte(text, byte)?;
    Some((text.get(..at)?, text.get(at + 1..)?))
}

/// `text` without the ASCII `byte` repeated at its end.
fn trim_end_byte(text: &str, byte: u8) -> &str {
    let end = text.bytes().rposition(|b| b != byte).map_or(0, |at| at + 1);
    text.get(..end).unwrap_or_default()
}

fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), Cow<'static, str>> {
    if authority.starts_with('[') {
        let Some(end) = find_byte(authority, b']') else {
            return Err("has an unterminated [IPv6] host".into());
        };
        let host = authority.get(..=end).unwrap_or_default();
        let rest = authority.get(end + 1..).unwrap_or_default();
        match rest.strip_prefix(':') {
            Some(port) => Ok((host, Some(port))),
            None if rest.is_empty() => Ok((host, None)),
            None => Err("has characters after its [IPv6] host".into()),
        }
    } else {
        match cut_at(authority, b':') {
            Some((host, port)) => Ok((host, Some(port))),
            None => Ok((authority, None)),
        }
    }
}

fn check_host(host: &str) -> Result<(), Cow<'static, str>> {
    if host.is_empty() {
        return Err("must name a host".into());
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return if is_ipv6(inner) {
            Ok(())
        } else {
            Err("has an invalid [IPv6] host".into())
        };
    }
    // ASCII only: an internationalised name is given in its punycode form (xn--…), which
    // every URL parser reads the same way.
    if !host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err("has a host with characters a host name cannot hold (give internationalised names in their xn-- form)".into());
    }
    // A host whose last label is numeric (decimal, or 0x hex) is an IPv4 address to URL
    // parsers; accept only the plain dotted quad (no 127.1, octal or hex forms, no octet > 255).
    let last = after_last_dot(trim_end_byte(host, b'.'));
    let numeric = last.bytes().all(|b| b.is_ascii_digit())
        || last.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("0x"));
    if !last.is_empty() && numeric && !is_ipv4(host) {
        return Err("has a numeric host that is not a dotted-quad IPv4 address".into());
    }
    Ok(())
}

/// What follows the last `.` of `text` (all of it when it has none).
fn after_last_dot(text: &str) -> &str {
    match text.bytes().rposition(|b| b == b'.') {
        Some(at) => text.get(at + 1..).unwrap_or_default(),
        None => text,
    }
}

/// `localhost`, a dotted-quad `127.x.y.z`, or `[::1]`.
pub fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") || host == "[::1]" || host == "[0:0:0:0:0:0:0:1]" {
        return true;
    }
    // Four octets of 1 to 3 digits, each at most 255 (leading zeros allowed), the first 127.
    host.starts_with("127.") && is_dotted_quad(host, true)
}

/// Refusal reasons for call arguments that are not strings, for [`Argument::Refused`].
pub fn not_a_string(js_type: &str) -> String {
    format!("must be a string, got {js_type}")
}

#[cfg(test)]
mod tests {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

    use super::percent_encode;
    use super::{build_login, build_request, check_base_url, Argument, RawArguments, RawLogin};

    fn call(base: &str, key: &str) -> RawArguments {
        RawArguments {
            operation_id: Argument::Text("op-1".into()),
            access_token: Argument::Text("tok".into()),
            base_url: Argument::Text(base.into()),
            app_key: Argument::Text(key.into()),
            ..RawArguments::default()
        }
    }

    fn login(base: &str, refresh: bool) -> RawLogin {
        RawLogin {
            common: call(base, "app"),
            secret: Argument::Text("s".into()),
            refresh_token: refresh.then(|| Argument::Text("r".into())),
        }
    }

    #[test]
    fn every_spelling_of_an_origin_is_its_canonical_form() {
        for (given, canonical) in [
            // The reviewer's spellings: one origin, as fetch sends them.
            (
                "https://iot.example.com:8743",
                "https://iot.example.com:8743",
            ),
            (
                "https://IOT.example.com:8743",
                "https://iot.example.com:8743",
            ),
            (
                "https://iot.example.com:08743",
                "https://iot.example.com:8743",
            ),
            (
                "https://Iot.Example.Com:8743",
                "https://iot.example.com:8743",
            ),
            (
                "HTTPS://IOT.EXAMPLE.COM:0008743/",
                "https://iot.example.com:8743",
            ),
            // The scheme's default port is no port.
            ("https://iot.example.com", "https://iot.example.com"),
            ("https://iot.example.com:443", "https://iot.example.com"),
            ("https://iot.example.com:0443/", "https://iot.example.com"),
            ("http://localhost:80", "http://localhost"),
            ("http://LocalHost:080", "http://localhost"),
            ("http://127.0.0.1:80/x", "http://127.0.0.1/x"),
            // Another scheme's default is an ordinary port.
            ("https://iot.example.com:80", "https://iot.example.com:80"),
            ("http://localhost:443", "http://localhost:443"),
            ("https://gw:0", "https://gw:0"),
            ("https://gw:00000", "https://gw:0"),
            ("https://XN--R8JZ45G.jp", "https://xn--r8jz45g.jp"),
            // IPv6 literals: lower-case hex, the port read the same way.
            ("http://[::1]", "http://[::1]"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("http://[::1]:080", "http://[::1]"),
            ("https://[2001:DB8::A]:443", "https://[2001:db8::a]"),
            (
                "https://[2001:db8::a]:08743/p",
                "https://[2001:db8::a]:8743/p",
            ),
        ] {
            assert_eq!(check_base_url(given).as_deref(), Ok(canonical), "{given}");
        }
    }

    #[test]
    fn missing_options_name_what_each_call_needs() {
        let missing = RawArguments {
            options_missing: true,
            ..RawArguments::default()
        };
        let problems = build_login(&RawLogin {
            common: missing.clone(),
            ..RawLogin::default()
        })
        .unwrap_err();
        let first = problems
            .first()
            .map(|p| (p.path.as_str(), p.message.as_str()));
        assert_eq!(
            first,
            Some((
                "options",
                "is required: an object with baseUrl, appId and secret"
            ))
        );
        let problems = build_request(&missing).unwrap_err();
        let options = problems.iter().find(|p| p.path == "options");
        assert_eq!(
            options.map(|p| p.message.as_str()),
            Some("is required: an object with baseUrl and appKey")
        );
    }

    #[test]
    fn the_path_prefix_is_kept_as_given() {
        assert_eq!(
            check_base_url("https://IOT.example.com:08743/IoT/Pre%2Ffix//").as_deref(),
            Ok("https://iot.example.com:8743/IoT/Pre%2Ffix")
        );
    }

    #[test]
    fn every_spelling_shares_one_limiter_key_and_one_url() {
        let spellings = [
            "https://iot.example.com:8743",
            "https://IOT.example.com:8743",
            "https://iot.example.com:08743",
            "https://Iot.Example.Com:8743/",
        ];
        for base in spellings {
            let query = build_request(&call(base, "app")).unwrap();
            assert_eq!(
                query.limiter_key, "https://iot.example.com:8743\napp",
                "{base}"
            );
            assert_eq!(
                query.url,
                "https://iot.example.com:8743/iodm/northbound/v1.5.0/operations/op-1"
            );
            for refresh in [false, true] {
                let session = build_login(&login(base, refresh)).unwrap();
                assert_eq!(session.limiter_key, query.limiter_key, "{base}");
                assert!(
                    session
                        .url
                        .starts_with("https://iot.example.com:8743/iocm/app/sec/"),
                    "{}",
                    session.url
                );
            }
        }
        let with_default = build_request(&call("https://iot.example.com:443", "app")).unwrap();
        let without = build_request(&call("https://iot.example.com", "app")).unwrap();
        assert_eq!(with_default.limiter_key, without.limiter_key);
        assert_eq!(with_default.url, without.url);
        // Another app key is another queue.
        let other = build_request(&call("https://iot.example.com", "other")).unwrap();
        assert_ne!(other.limiter_key, without.limiter_key);
    }

    /// The set the id segment and the login form were encoded with before (the reference).
    const UNRESERVED_KEPT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');

    #[test]
    fn percent_encoding_is_the_crates_for_every_character() {
        let reference = |text: &str| utf8_percent_encode(text, UNRESERVED_KEPT).to_string();
        // Every character of one to four UTF-8 bytes, alone and between others.
        let samples = (0..=0x10FFFF_u32)
            .filter(|c| *c < 0x3000 || c % 97 == 0)
            .filter_map(char::from_u32);
        let mut all = String::new();
        for ch in samples {
            let text = format!("a{ch}~");
            assert_eq!(percent_encode(&text), reference(&text), "{:?}", ch);
            all.push(ch);
        }
        assert_eq!(percent_encode(&all), reference(&all));
        assert_eq!(percent_encode(""), "");
        assert_eq!(percent_encode("é=x;y&z+ %"), "%C3%A9%3Dx%3By%26z%2B%20%25");
    }
}

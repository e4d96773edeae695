//! Turns what the platform answered (status + body bytes) into a task or an error report:
//! capped body → `serde_json` into the wire types ([`super::wire`]) → platform error or
//! validation ([`super::validate`]).

use super::errors::{classify, ErrorKind, ErrorReport};
use super::problem::Problem;
use super::task::UpgradeTask;
use super::validate::normalise_task;
use super::wire::{read_text, read_value, Answer, Fields, Json, Obj, Raw, Read, Want, WireTask};

/// The largest body accepted, in bytes (4 MiB), however it arrives.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The platform's error fields, when the body carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlatformError {
    /// `error_code` or `resultcode`, as a string.
    pub code: Option<String>,
    /// `error_desc` or `resultmsg`.
    pub desc: Option<String>,
}

/// Interprets a complete answer. `body` is `None` when it was larger than [`MAX_BODY_BYTES`].
pub fn interpret(status: u16, body: Option<&[u8]>) -> Result<UpgradeTask, ErrorReport> {
    let value = answer_body::<WireTask<'_>>(status, body)?;
    normalise_task(&value).map_err(|problems| invalid_response(status, problems))
}

/// The first step of reading any answer: a platform error (a non-2xx status, or a body that
/// carries an error code) becomes its report, kind from the code first and the status second;
/// otherwise the body read into the wire type `T` (or any other JSON value in its place), or
/// an `invalid_response` naming what the body is.
pub fn answer_body<'a, T>(status: u16, body: Option<&'a [u8]>) -> Result<Obj<'a, T>, ErrorReport>
where
    T: Fields<'a> + Default + Answer<'a>,
{
    let parsed = body.map(parse_body::<T>);
    let platform = match &parsed {
        Some(Ok(Obj::Object(answer))) => platform_error(answer),
        _ => None,
    };
    let read = parsed.as_ref().map(|parsed| parsed.as_ref().map(drop));
    refusal(status, platform, read)?;
    parsed
        .and_then(Result::ok)
        .ok_or_else(|| invalid_response(status, Vec::new()))
}

/// The report of an answer that cannot be read as a wire type: a platform error, a body too
/// large, or not JSON (`read`: `None` when the body was too large, the problem when it was
/// not JSON). One copy of this code for every wire type.
#[cold]
fn refusal(
    status: u16,
    platform: Option<PlatformError>,
    read: Option<Result<(), &Problem>>,
) -> Result<(), ErrorReport> {
    if !(200..300).contains(&status) || platform.is_some() {
        let PlatformError { code, desc } = platform.unwrap_or_default();
        let kind = classify(status, code.as_deref());
        return Err(ErrorReport::new(
            kind,
            Some(status),
            code,
            desc,
            None,
            Vec::new(),
        ));
    }
    match read {
        None => Err(invalid_response(
            status,
            vec![Problem::body(format!(
                "the body is larger than {MAX_BODY_BYTES} bytes (4 MiB)"
            ))],
        )),
        Some(Err(problem)) => Err(invalid_response(status, vec![problem.clone()])),
        Some(Ok(())) => Ok(()),
    }
}

/// An `invalid_response` report listing `problems` (not inlined: one copy of the report's
/// construction for its nine callers).
#[inline(never)]
#[cold]
pub fn invalid_response(status: u16, problems: Vec<Problem>) -> ErrorReport {
    ErrorReport::new(
        ErrorKind::InvalidResponse,
        Some(status),
        None,
        None,
        None,
        problems,
    )
}

/// Reads a body as JSON into the wire type `T`, describing what it is when it is not JSON.
///
/// Accepted exactly as `Response.json()` accepts it — a leading UTF-8 byte order mark is
/// skipped, then `JSON.parse`'s grammar — except, on purpose: invalid UTF-8 (which
/// `Response.json()` would turn into U+FFFD), lone surrogate escapes (`"\ud800"`), numbers
/// beyond the f64 range (`1e309`, which `JSON.parse` reads as `Infinity`) and nesting deeper
/// than 127 levels (serde_json's recursion limit keeps hostile nesting from exhausting the
/// stack).
pub fn parse_body<'a, T: Fields<'a> + Default>(body: &'a [u8]) -> Result<Obj<'a, T>, Problem> {
    let mut object = T::default();
    let read = read_body(body, Want::Object(&mut object))?;
    Ok(read.into_obj(object))
}

/// [`parse_body`] into any [`Want`] (one copy of this code for every wire type).
fn read_body<'a>(body: &'a [u8], want: Want<'_, 'a>) -> Result<Read<'a>, Problem> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        return Err(Problem::body("the body is empty, not a JSON object"));
    }
    if trimmed.first() == Some(&b'<') {
        return Err(Problem::body("the body is HTML or XML, not JSON"));
    }
    let text = std::str::from_utf8(body).map_err(not_utf8)?;
    read_text(text, want).map_err(not_json)
}

/// The problem of a body that is not UTF-8 (cold: off the reading's way).
#[cold]
#[inline(never)]
fn not_utf8(error: std::str::Utf8Error) -> Problem {
    Problem::body(format!(
        "the body is not valid JSON (invalid UTF-8 at byte {})",
        error.valid_up_to()
    ))
}

/// The problem of a body that is not JSON (cold: off the reading's way).
#[cold]
#[inline(never)]
fn not_json(error: serde_json::Error) -> Problem {
    let message = if error.is_eof() {
        format!("the body is truncated JSON ({error})")
    } else {
        format!("the body is not valid JSON ({error})")
    };
    Problem::body(message)
}

/// Finds the platform's error fields (`error_code`/`error_desc`, or a gateway's
/// `resultcode`/`resultmsg`) in an answer. Any body carrying a code is an error.
pub fn platform_error<'a>(answer: &dyn Answer<'a>) -> Option<PlatformError> {
    let fields = answer.error_fields();
    let code = [fields.error_code, fields.resultcode]
        .into_iter()
        .flatten()
        .find_map(code_text)?;
    let desc = [fields.error_desc, fields.resultmsg]
        .into_iter()
        .flatten()
        .find_map(|desc| match desc {
            Json::String(s) if !s.is_empty() => Some(String::from(s.as_ref())),
            _ => None,
        });
    let code = if code.is_empty() { None } else { Some(code) };
    Some(PlatformError { code, desc })
}

/// A code as text: a string's contents; numbers, booleans, arrays and objects as the JSON
/// text sent; `None` for `null`.
fn code_text(raw: &Raw<'_, 1>) -> Option<String> {
    let text = raw.get();
    if text == "null" {
        return None;
    }
    if text.starts_with('"') {
        // Already checked as JSON: this reads the string's contents.
        return match read_value(text) {
            Ok(Json::String(code)) => Some(code.into_owned()),
            _ => None,
        };
    }
    Some(text.to_owned())
}

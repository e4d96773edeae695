//! Turns what the platform answered (status + body bytes) into a task or an error report.

use super::errors::{classify, ErrorKind, ErrorReport};
use super::json::{self, Value};
use super::problem::Problem;
use super::task::UpgradeTask;
use super::validate::normalise_task;

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
    let value = answer_body(status, body)?;
    normalise_task(&value).map_err(|problems| invalid_response(status, problems))
}

/// The first step of reading any answer: a platform error (a non-2xx status, or a body that
/// carries an error code) becomes its report, kind from the code first and the status second;
/// otherwise the body parsed as JSON, or an `invalid_response` naming what the body is.
pub fn answer_body(status: u16, body: Option<&[u8]>) -> Result<Value<'_>, ErrorReport> {
    let parsed = body.map(parse_body);
    let platform = match &parsed {
        Some(Ok(value)) => platform_error(value),
        _ => None,
    };
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
    match parsed {
        None => Err(invalid_response(
            status,
            vec![Problem::new(
                "",
                format!("the body is larger than {MAX_BODY_BYTES} bytes (4 MiB)"),
            )],
        )),
        Some(Err(problem)) => Err(invalid_response(status, vec![problem])),
        Some(Ok(value)) => Ok(value),
    }
}

/// An `invalid_response` report listing `problems`.
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

/// Parses a body as JSON, describing what it is when it is not (the parser's depth limit
/// keeps hostile nesting from exhausting the stack).
pub fn parse_body(body: &[u8]) -> Result<Value<'_>, Problem> {
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        return Err(Problem::new("", "the body is empty, not a JSON object"));
    }
    if trimmed.first() == Some(&b'<') {
        return Err(Problem::new("", "the body is HTML or XML, not JSON"));
    }
    json::parse(body).map_err(|error| {
        let message = if error.eof {
            format!("the body is truncated JSON ({})", error.message)
        } else {
            format!("the body is not valid JSON ({})", error.message)
        };
        Problem::new("", message)
    })
}

/// Finds the platform's error fields (`error_code`/`error_desc`, or a gateway's
/// `resultcode`/`resultmsg`) in a parsed body. Any body carrying a code is an error.
pub fn platform_error(body: &Value<'_>) -> Option<PlatformError> {
    let obj = body.as_object()?;
    let code = ["error_code", "resultcode"].iter().find_map(|key| {
        let member = obj.member(key)?;
        match &member.value {
            Value::Null => None,
            Value::String(s) => Some(String::from(s.as_ref())),
            // Numbers, booleans, arrays and objects as the JSON text sent (compacted).
            _ => Some(json::compact(member.raw)),
        }
    })?;
    let desc = ["error_desc", "resultmsg"]
        .iter()
        .find_map(|key| match obj.get(key) {
            Some(Value::String(s)) if !s.is_empty() => Some(String::from(s.as_ref())),
            _ => None,
        });
    let code = if code.is_empty() { None } else { Some(code) };
    Some(PlatformError { code, desc })
}

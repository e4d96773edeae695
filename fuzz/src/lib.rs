//! Invariants shared by the fuzz targets: what must hold for every answer `interpret` gives,
//! beyond "no panic" (contract sections 3 and 4).

use iot_upgrade_task::core::response::parse_body;
use iot_upgrade_task::core::task::ExecuteType;
use iot_upgrade_task::core::wire::{Obj, WireTask};
use iot_upgrade_task::core::{interpret, ErrorKind, ErrorReport, UpgradeTask};
use serde_json::Value;

/// The largest integer a JS number holds exactly.
pub const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

/// Every path a problem may carry (JS field names); list items aside.
pub const REAL_PATHS: &[&str] = &[
    "",
    "operationId",
    "createTime",
    "startTime",
    "stopTime",
    "operateType",
    "status",
    "targets",
    "targets.deviceGroups",
    "targets.deviceType",
    "targets.model",
    "targets.manufacturerName",
    "targets.devices",
    "policy",
    "policy.executeType",
    "policy.startTime",
    "policy.endTime",
    "policy.retryType",
    "policy.retryTimes",
    "staResult",
    "staResult.total",
    "staResult.wait",
    "staResult.processing",
    "staResult.success",
    "staResult.fail",
    "staResult.stop",
    "staResult.timeout",
    "extendPara",
    "extendPara.fileVersion",
];

/// Whether `path` names a real field: one of [`REAL_PATHS`] or `targets.devices[n]` /
/// `targets.deviceGroups[n]`.
pub fn is_real_path(path: &str) -> bool {
    if REAL_PATHS.contains(&path) {
        return true;
    }
    ["targets.deviceGroups[", "targets.devices["]
        .iter()
        .any(|list| {
            path.strip_prefix(list)
                .and_then(|rest| rest.strip_suffix(']'))
                .is_some_and(|index| {
                    !index.is_empty()
                        && index.bytes().all(|b| b.is_ascii_digit())
                        && (index == "0" || !index.starts_with('0'))
                })
        })
}

/// The contract's kind for an answer (section 4): the platform code first, the status second.
/// `None` when the code is one the contract does not name but the core may (extensions).
pub fn expected_kind(status: u16, code: Option<&str>) -> Option<ErrorKind> {
    let by_code = match code {
        Some("120015") => Some(ErrorKind::BadRequest),
        Some("123029") => Some(ErrorKind::PageLimit),
        Some("1010009") => Some(ErrorKind::Throttled),
        Some("1010005") => Some(ErrorKind::Unauthorized),
        Some("123009") => Some(ErrorKind::NotFound),
        // The login API's "AppId or secret is not right", mapped to unauthorized by the core.
        Some("100208") => return None,
        _ => None,
    };
    Some(by_code.unwrap_or(match status {
        400 => ErrorKind::BadRequest,
        401 | 403 => ErrorKind::Unauthorized,
        404 => ErrorKind::NotFound,
        429 => ErrorKind::Throttled,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::Http,
    }))
}

/// The platform code a body carries, read independently of the core: `error_code` or
/// `resultcode` of a top-level object, when not null (`Some("")` for an empty one).
fn platform_code(body: Option<&[u8]>) -> Option<String> {
    let value: Value = serde_json::from_slice(without_bom(body?)).ok()?;
    let object = value.as_object()?;
    ["error_code", "resultcode"]
        .iter()
        .find_map(|key| match object.get(*key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        })
}

/// Interprets an answer and checks every invariant of the result; returns it.
#[allow(clippy::result_large_err)] // the core's own result type, passed through
pub fn check_interpret(status: u16, body: Option<&[u8]>) -> Result<UpgradeTask, ErrorReport> {
    let result = interpret(status, body);
    match &result {
        Ok(task) => {
            assert!((200..300).contains(&status), "a task from HTTP {status}");
            assert!(
                platform_code(body).is_none(),
                "a task from a body with a code"
            );
            check_task(task);
            check_round_trip(task);
        }
        // As users get it: finished (values quoted in problems redacted and shortened).
        Err(report) => check_report(status, body, &report.clone().scrub(&[])),
    }
    result
}

fn check_report(status: u16, body: Option<&[u8]>, report: &ErrorReport) {
    let kind = report.kind;
    assert_eq!(report.http_status, Some(status));
    assert_eq!(report.retryable, kind.retryable());
    assert_eq!(report.hint, kind.hint());
    assert!(
        report.message.starts_with(kind.as_str()),
        "message {:?} does not name its kind",
        report.message
    );
    assert!(
        !matches!(
            kind,
            ErrorKind::InvalidArgument
                | ErrorKind::Network
                | ErrorKind::Timeout
                | ErrorKind::Aborted
        ),
        "interpret gave {kind:?}"
    );
    let code = platform_code(body);
    let success = (200..300).contains(&status);
    if success && code.is_none() {
        assert_eq!(kind, ErrorKind::InvalidResponse, "{report:?}");
    } else {
        // An empty code counts as none for the classification (the core drops it).
        let named = code.as_deref().filter(|c| !c.is_empty());
        if let Some(expected) = expected_kind(status, named) {
            assert_eq!(kind, expected, "HTTP {status} with code {code:?}");
        }
        assert!(
            same_code(report.error_code.as_deref(), named),
            "error code {:?}, expected {named:?}",
            report.error_code
        );
    }
    if kind == ErrorKind::InvalidResponse {
        assert!(
            !report.problems.is_empty(),
            "invalid_response without problems"
        );
        assert_eq!(report.error_code, None);
        if body.is_none() {
            assert_eq!(report.problems.len(), 1);
        }
        for problem in &report.problems {
            assert!(
                is_real_path(&problem.path),
                "problem path {:?} names no field ({})",
                problem.path,
                problem.message
            );
            assert!(!problem.message.is_empty());
            // Values are quoted short: a problem never echoes a large part of the body.
            assert!(
                problem.message.len() <= 512,
                "a {}-byte problem message at {:?}",
                problem.message.len(),
                problem.path
            );
        }
    } else {
        assert!(report.problems.is_empty(), "{kind:?} with problems");
    }
}

fn is_iso(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// Everything section 3 promises of a task that passed.
pub fn check_task(task: &UpgradeTask) {
    assert!(!task.operation_id.is_empty());
    for time in [
        &task.create_time,
        &task.start_time,
        &task.stop_time,
        &task.policy.start_time,
        &task.policy.end_time,
    ]
    .into_iter()
    .flatten()
    {
        assert!(is_iso(time), "time {time:?} is not YYYY-MM-DDTHH:MM:SSZ");
    }
    let t = &task.targets;
    assert!(t.device_groups.len() <= 256 && t.devices.len() <= 256);
    assert!(!t.device_groups.is_empty() || !t.devices.is_empty());
    assert!(t
        .device_groups
        .iter()
        .chain(&t.devices)
        .all(|s| !s.is_empty()));
    if !t.device_groups.is_empty() {
        assert!(t.device_type.is_some() && t.model.is_some() && t.manufacturer_name.is_some());
    }
    for text in [
        &t.device_type,
        &t.model,
        &t.manufacturer_name,
        &task.extend_para.file_version,
    ]
    .into_iter()
    .flatten()
    {
        assert!(!text.is_empty(), "an empty text field survived");
    }
    let p = &task.policy;
    if p.execute_type == ExecuteType::Custom {
        assert!(p.start_time.is_some() && p.end_time.is_some());
    }
    if let (Some(start), Some(end)) = (&p.start_time, &p.end_time) {
        assert!(end >= start, "endTime {end} before startTime {start}");
    }
    if p.retry_type {
        assert!(p.retry_times.is_some());
    }
    if let Some(n) = p.retry_times {
        assert!((1..=5).contains(&n));
    }
    let s = &task.sta_result;
    let parts = [s.wait, s.processing, s.success, s.fail, s.stop, s.timeout];
    assert!(s.total <= MAX_SAFE_INTEGER);
    assert!(parts.iter().all(|n| *n <= s.total));
    assert!(parts.iter().map(|n| u128::from(*n)).sum::<u128>() <= u128::from(s.total));
    assert!(!task
        .extend_para
        .other
        .iter()
        .any(|(key, _)| key == "fileVersion"));
}

/// Writing the normalised task as JSON (the text the wasm edge hands to `JSON.parse`) and
/// interpreting it again gives exactly the same task.
pub fn check_round_trip(task: &UpgradeTask) {
    let text = task.to_json().expect("a normalised task is written as JSON");
    let again = match interpret(200, Some(text.as_bytes())) {
        Ok(again) => again,
        Err(report) => panic!("the normalised task was refused: {report:?}\n{text}"),
    };
    assert_eq!(&again, task, "round trip changed the task:\n{text}");
    // The text is JSON any parser reads.
    serde_json::from_str::<Value>(&text).expect("the task's JSON is valid");
}

/// A body as `Response.json()` reads it: a leading UTF-8 byte order mark is skipped.
fn without_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
}

/// The body reader (serde_json into the lenient wire types) against serde_json reading the
/// same bytes into a plain `Value`: both accept exactly the same texts, the nesting limit
/// included (values kept as raw text are re-read as deep as they sit). On success every
/// unknown `extendPara` member's text is JSON that reads back to the value `Value` holds for
/// it (the last one, for a repeated key).
pub fn check_json_acceptance(bytes: &[u8]) {
    let ours = parse_body::<WireTask<'_>>(bytes);
    let theirs = serde_json::from_slice::<Value>(without_bom(bytes));
    match (&ours, &theirs) {
        (Ok(_), Ok(_)) => {}
        // Empty and HTML bodies are named before parsing; both refuse them.
        (Err(_), Err(_)) => {}
        _ => panic!(
            "the body reader and serde_json disagree on {:?}: {:?} vs {:?}",
            String::from_utf8_lossy(bytes),
            ours.as_ref().err(),
            theirs.as_ref().err().map(ToString::to_string)
        ),
    }
    if let (Ok(Obj::Object(task)), Ok(value)) = (&ours, &theirs) {
        if let (Some(Obj::Object(para)), Some(expected)) =
            (&task.extend_para, value.get("extendPara"))
        {
            let last = |key: &str| {
                para.other
                    .iter()
                    .rev()
                    .find(|(k, _)| k == key)
                    .map(|(_, raw)| raw.get())
            };
            for (key, _) in &para.other {
                let text = last(key).expect("the key is there");
                let again = serde_json::from_str::<Value>(text).expect("a member's text is JSON");
                assert_eq!(
                    Some(&again),
                    expected.get(key.as_ref()),
                    "member {key:?} sent as {text:?}"
                );
            }
        }
    }
}

/// The same platform code: equal text, or (for a code sent as a number, array or object,
/// which the core hands on as its JSON text) the same JSON value.
fn same_code(got: Option<&str>, expected: Option<&str>) -> bool {
    match (got, expected) {
        (Some(got), Some(expected)) if got != expected => {
            match (
                serde_json::from_str::<Value>(got),
                serde_json::from_str::<Value>(expected),
            ) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            }
        }
        (got, expected) => got == expected,
    }
}

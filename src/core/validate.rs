//! Every documented rule of the platform text, applied to an answer read into the wire types
//! ([`super::wire`]): collects every problem (never stops at the first) and, when there is
//! none, yields the normalised task.

use super::problem::{field_path, quote, Problem, Problems};
use super::subtask::{ExtendInfo, SubTaskStatus, UpgradeSubTask};
use super::task::{
    ExecuteType, ExtendPara, OperateType, Policy, StaResult, Targets, TaskStatus, UpgradeTask,
};
use super::time::parse_timestamp;
use super::wire::{
    Json, Number, Obj, Raw, Whole, WireExtendPara, WireMembers, WirePolicy, WireStaResult,
    WireSubTask, WireTargets, WireTask,
};

/// At most this many `deviceGroups` and this many `devices` (platform text).
pub const MAX_TARGETS: usize = 256;
/// Item problems listed one by one per list; the rest of a (hostile, oversized) list is
/// summed up in one problem at the list's path. A valid list has at most 256 items.
pub const MAX_LISTED_ITEM_PROBLEMS: usize = 100;
pub use super::wire::MAX_SAFE_INTEGER;

const OPERATE_TYPES: &[(&str, OperateType)] = &[
    ("firmwareupgrade", OperateType::FirmwareUpgrade),
    ("softwareupgrade", OperateType::SoftwareUpgrade),
];
const STATUSES: &[(&str, TaskStatus)] = &[
    ("wait", TaskStatus::Wait),
    ("processing", TaskStatus::Processing),
    ("failed", TaskStatus::Failed),
    ("success", TaskStatus::Success),
    ("stop", TaskStatus::Stop),
];
/// A subtask's statuses: the platform's `fail`, and `failed` as the task's own spelling.
const SUB_STATUSES: &[(&str, SubTaskStatus)] = &[
    ("wait", SubTaskStatus::Wait),
    ("processing", SubTaskStatus::Processing),
    ("fail", SubTaskStatus::Failed),
    ("failed", SubTaskStatus::Failed),
    ("success", SubTaskStatus::Success),
    ("stop", SubTaskStatus::Stop),
    ("timeout", SubTaskStatus::Timeout),
];
const EXECUTE_TYPES: &[(&str, ExecuteType)] = &[
    ("now", ExecuteType::Now),
    ("deviceonline", ExecuteType::DeviceOnline),
    ("custom", ExecuteType::Custom),
];

/// Validates one task as read from an answer (the body itself, or one item of a list) and
/// normalises it, or lists every problem found. Paths are relative to the task.
pub fn normalise_task(body: &Obj<'_, WireTask<'_>>) -> Result<UpgradeTask, Vec<Problem>> {
    match body {
        Obj::Object(root) => normalise_task_object(root),
        Obj::Other(other) => Err(vec![Problem::body(described(
            "the body is ",
            other,
            ", not a JSON object",
        ))]),
    }
}

/// [`normalise_task`] of a task that is a JSON object.
pub fn normalise_task_object(root: &WireTask<'_>) -> Result<UpgradeTask, Vec<Problem>> {
    let mut problems = Problems::default();
    let mut walker = Walker {
        problems: &mut problems,
    };
    let operation_id = walker
        .required_text(root.operation_id.as_ref(), "", "operationId")
        .unwrap_or_default();
    let create_time = walker.time(root.create_time.as_ref(), "", "createTime");
    let start_time = walker.time(root.start_time.as_ref(), "", "startTime");
    let stop_time = walker.time(root.stop_time.as_ref(), "", "stopTime");
    let operate_type = walker.enumeration(
        root.operate_type.as_ref(),
        "",
        "operateType",
        OPERATE_TYPES,
        None,
    );
    let status = walker.enumeration(root.status.as_ref(), "", "status", STATUSES, None);
    let targets = walker.targets(root.targets.as_ref());
    let policy = walker.policy(root.policy.as_ref());
    let sta_result = walker.sta_result(root.sta_result.as_ref());
    let extend_para = walker.extend_para(root.extend_para.as_ref());
    match (operate_type, status, problems.is_empty()) {
        (Some(operate_type), Some(status), true) => Ok(UpgradeTask {
            operation_id,
            create_time,
            start_time,
            stop_time,
            operate_type,
            status,
            targets,
            policy,
            sta_result,
            extend_para,
        }),
        _ => Err(problems.into_vec()),
    }
}

/// Validates one subtask (an item of a subtask page) and normalises it, or lists every
/// problem found: times, enums and `""` → `None` exactly as for a task; `fail` and `failed`
/// are both [`SubTaskStatus::Failed`]. Paths are relative to the subtask; `item` is an object.
pub fn normalise_sub_task(item: &WireSubTask<'_>) -> Result<UpgradeSubTask, Vec<Problem>> {
    let mut problems = Problems::default();
    let mut walker = Walker {
        problems: &mut problems,
    };
    let sub_operation_id = walker
        .required_text(item.sub_operation_id.as_ref(), "", "subOperationId")
        .unwrap_or_default();
    let device_id = walker
        .required_text(item.device_id.as_ref(), "", "deviceId")
        .unwrap_or_default();
    let status = walker.enumeration(item.status.as_ref(), "", "status", SUB_STATUSES, None);
    let operate_type = walker.enumeration(
        item.operate_type.as_ref(),
        "",
        "operateType",
        OPERATE_TYPES,
        None,
    );
    let create_time = walker.time(item.create_time.as_ref(), "", "createTime");
    let start_time = walker.time(item.start_time.as_ref(), "", "startTime");
    let stop_time = walker.time(item.stop_time.as_ref(), "", "stopTime");
    let detail_info = walker.text(item.detail_info.as_ref(), "", "detailInfo");
    let extend_info = walker
        .object(item.extend_info.as_ref(), "extendInfo")
        .map(members)
        .unwrap_or_default();
    match (status, operate_type, problems.is_empty()) {
        (Some(status), Some(operate_type), true) => Ok(UpgradeSubTask {
            sub_operation_id,
            device_id,
            status,
            operate_type,
            create_time,
            start_time,
            stop_time,
            detail_info,
            extend_info,
        }),
        _ => Err(problems.into_vec()),
    }
}

/// Members kept as sent, owned.
fn members<const D: usize>(object: &WireMembers<'_, D>) -> ExtendInfo {
    ExtendInfo(
        object
            .0
            .iter()
            .map(|(key, raw)| (String::from(key.as_ref()), raw.0.to_owned()))
            .collect(),
    )
}

/// Whether `text` spells the enum value `name` (lower case, without `_` and `-`): the same
/// once ASCII-lowercased and stripped of `_` and `-`. Compared byte by byte, with no key
/// String built (the stripped characters are ASCII, so the bytes are the characters').
pub fn spells(text: &str, name: &str) -> bool {
    text.bytes()
        .filter(|b| *b != b'_' && *b != b'-')
        .map(|b| b.to_ascii_lowercase())
        .eq(name.bytes())
}

/// Names a JSON value's type for messages ("an array", "the number 3", …).
#[cold]
pub fn describe(value: &Json<'_>) -> String {
    match value {
        Json::Null => "null".into(),
        Json::Bool(b) => format!("the boolean {b}"),
        Json::Number(n) => describe_number(*n),
        Json::String(s) => format!("the string {}", quote(s)),
        Json::Array(_) => "an array".into(),
        Json::Object => "an object".into(),
    }
}

/// A message around a value: `before`, the value named as [`describe`] names it, then
/// `after` (cold and out of line: one copy of the formatting for every such message).
#[cold]
#[inline(never)]
pub fn described(before: &str, value: &Json<'_>, after: &str) -> String {
    format!("{before}{}{after}", describe(value))
}

/// A number for messages, quoted as the platform's other values are: integers in full, other
/// numbers by what they are (no float formatting is carried for messages alone).
fn describe_number(number: Number) -> String {
    match number {
        Number::Unsigned(n) => format!("the number {}", quote(&n.to_string())),
        Number::Negative(n) => format!("the number {}", quote(&n.to_string())),
        Number::Float(x) if x.fract() == 0.0 && x.abs() < 1e18 => {
            // Whole and well within i64: converts exactly.
            format!("the number {}", quote(&(x as i64).to_string()))
        }
        Number::Float(x) if x.fract() == 0.0 => {
            let sign = if x < 0.0 { "negative " } else { "" };
            format!("a {sign}number beyond 10^18")
        }
        Number::Float(_) => "a number with a fractional part".into(),
    }
}

/// Whether a field is absent, `null` or a string (the types a text field may have).
fn absent_or_text(value: Option<&Json<'_>>) -> bool {
    matches!(value, None | Some(Json::Null) | Some(Json::String(_)))
}

struct Walker<'p> {
    problems: &'p mut Problems,
}

impl Walker<'_> {
    /// A text field: missing, `null` and `""` are `None`; anything but a string is a problem.
    fn text(&mut self, value: Option<&Json<'_>>, parent: &str, key: &str) -> Option<String> {
        match value {
            None | Some(Json::Null) => None,
            Some(Json::String(s)) if s.is_empty() => None,
            Some(Json::String(s)) => Some(String::from(s.as_ref())),
            Some(other) => {
                let message = described("must be a string, got ", other, "");
                self.problems.add(field_path(parent, key), message);
                None
            }
        }
    }

    fn required_text(
        &mut self,
        value: Option<&Json<'_>>,
        parent: &str,
        key: &str,
    ) -> Option<String> {
        let text = self.text(value, parent, key);
        if text.is_none() && absent_or_text(value) {
            self.problems.add(
                field_path(parent, key),
                "is required and must be a non-empty string",
            );
        }
        text
    }

    fn time(&mut self, value: Option<&Json<'_>>, parent: &str, key: &str) -> Option<String> {
        let text = match value {
            // Read where it lies: only the normalised time is a new String.
            Some(Json::String(text)) if !text.is_empty() => text,
            // Absent, null, "" (None) or not a string (a problem), as for any text field.
            _ => return self.text(value, parent, key),
        };
        match parse_timestamp(text) {
            Ok(time) => Some(time.to_iso()),
            Err(error) => {
                self.problems.add(
                    field_path(parent, key),
                    format!("{} {}", quote(text), error.0),
                );
                None
            }
        }
    }

    fn enumeration<T: Copy>(
        &mut self,
        value: Option<&Json<'_>>,
        parent: &str,
        key: &str,
        table: &[(&str, T)],
        default: Option<T>,
    ) -> Option<T> {
        let text = match (value, default) {
            (None | Some(Json::Null), Some(default)) => return Some(default),
            (None | Some(Json::Null), None) => {
                self.problems.add(field_path(parent, key), "is required");
                return None;
            }
            (Some(Json::String(s)), _) => s,
            (Some(other), _) => {
                self.problems.add(
                    field_path(parent, key),
                    described("must be a string, got ", other, ""),
                );
                return None;
            }
        };
        let found = table
            .iter()
            .find(|(name, _)| spells(text, name))
            .map(|(_, value)| *value);
        if found.is_none() {
            self.problems.add(
                field_path(parent, key),
                format!("{} is not a known value", quote(text)),
            );
        }
        found
    }

    /// A documented object: `None` when absent or `null`; anything else is a problem.
    fn object<'v, T>(&mut self, value: Option<&'v Obj<'_, T>>, path: &str) -> Option<&'v T> {
        match value {
            None | Some(Obj::Other(Json::Null)) => None,
            Some(Obj::Object(object)) => Some(object),
            Some(Obj::Other(other)) => {
                self.problems
                    .add(path, described("must be an object, got ", other, ""));
                None
            }
        }
    }

    fn string_list(&mut self, value: Option<&Json<'_>>, parent: &str, key: &str) -> Vec<String> {
        let items = match value {
            None | Some(Json::Null) => return Vec::new(),
            Some(Json::Array(items)) => items,
            Some(other) => {
                self.problems.add(
                    field_path(parent, key),
                    described("must be an array of strings, got ", other, ""),
                );
                return Vec::new();
            }
        };
        let path = field_path(parent, key);
        if items.len() > MAX_TARGETS {
            let message = format!(
                "has {} items; at most {MAX_TARGETS} are allowed",
                items.len()
            );
            self.problems.add(path.clone(), message);
        }
        let mut list = Vec::with_capacity(items.len().min(MAX_TARGETS));
        let mut unlisted = 0usize;
        for (index, item) in items.iter().enumerate() {
            match item {
                Json::String(s) if !s.is_empty() => list.push(String::from(s.as_ref())),
                // A hostile body could hold millions of bad items: list the first ones only.
                _ if index >= MAX_LISTED_ITEM_PROBLEMS => unlisted += 1,
                other => {
                    let message = described("must be a non-empty string, got ", other, "");
                    self.problems.add(format!("{path}[{index}]"), message);
                }
            }
        }
        if unlisted > 0 {
            let message = format!("has {unlisted} more items that are not non-empty strings (after index {MAX_LISTED_ITEM_PROBLEMS}; not listed one by one)");
            self.problems.add(path, message);
        }
        list
    }

    fn targets(&mut self, value: Option<&Obj<'_, WireTargets<'_>>>) -> Targets {
        let empty = WireTargets::default();
        let obj = self.object(value, "targets").unwrap_or(&empty);
        let device_groups = self.string_list(obj.device_groups.as_ref(), "targets", "deviceGroups");
        let device_type = self.text(obj.device_type.as_ref(), "targets", "deviceType");
        let model = self.text(obj.model.as_ref(), "targets", "model");
        let manufacturer_name = self.text(
            obj.manufacturer_name.as_ref(),
            "targets",
            "manufacturerName",
        );
        let devices = self.string_list(obj.devices.as_ref(), "targets", "devices");
        let non_empty_array = |value: &Option<Json<'_>>| matches!(value, Some(Json::Array(items)) if !items.is_empty());
        let groups_given = non_empty_array(&obj.device_groups);
        let devices_given = non_empty_array(&obj.devices);
        if !groups_given && !devices_given {
            self.problems.add(
                "targets",
                "must list at least one of deviceGroups or devices",
            );
        }
        if groups_given {
            for (key, field, given) in [
                ("deviceType", &device_type, &obj.device_type),
                ("model", &model, &obj.model),
                (
                    "manufacturerName",
                    &manufacturer_name,
                    &obj.manufacturer_name,
                ),
            ] {
                if field.is_none() && absent_or_text(given.as_ref()) {
                    self.problems.add(
                        field_path("targets", key),
                        "is required when deviceGroups is given",
                    );
                }
            }
        }
        Targets {
            device_groups,
            device_type,
            model,
            manufacturer_name,
            devices,
        }
    }

    fn policy(&mut self, value: Option<&Obj<'_, WirePolicy<'_>>>) -> Policy {
        let empty = WirePolicy::default();
        let obj = self.object(value, "policy").unwrap_or(&empty);
        let execute_type = self.enumeration(
            obj.execute_type.as_ref(),
            "policy",
            "executeType",
            EXECUTE_TYPES,
            Some(ExecuteType::Now),
        );
        let start_time = self.time(obj.start_time.as_ref(), "policy", "startTime");
        let end_time = self.time(obj.end_time.as_ref(), "policy", "endTime");
        let retry_type = self
            .boolean(obj.retry_type.as_ref(), "policy", "retryType")
            .unwrap_or(false);
        let retry_times = obj.retry_times.as_ref().filter(|raw| !raw.is_null());
        let retry_given = retry_times.is_some();
        let retry_times = retry_times.and_then(|raw| self.integer(raw, "policy", "retryTimes"));
        if execute_type == Some(ExecuteType::Custom) {
            for (key, field, given) in [
                ("startTime", &start_time, &obj.start_time),
                ("endTime", &end_time, &obj.end_time),
            ] {
                // A string that failed to parse as a time was already reported.
                let bad_time = given
                    .as_ref()
                    .and_then(Json::as_str)
                    .is_some_and(|s| !s.is_empty());
                if field.is_none() && absent_or_text(given.as_ref()) && !bad_time {
                    self.problems.add(
                        field_path("policy", key),
                        "is required when executeType is custom",
                    );
                }
            }
        }
        if let (Some(start), Some(end)) = (&start_time, &end_time) {
            // Both are normalised to the same fixed-width UTC form, so text order is time order.
            if end < start {
                self.problems.add(
                    "policy.endTime",
                    format!("{end} is before startTime {start}"),
                );
            }
        }
        if retry_type && !retry_given {
            self.problems
                .add("policy.retryTimes", "is required when retryType is true");
        }
        let retry_times = retry_times.and_then(|n| match u8::try_from(n) {
            Ok(n @ 1..=5) => Some(n),
            _ => {
                self.problems.add(
                    "policy.retryTimes",
                    format!("is {n}; it must be from 1 to 5"),
                );
                None
            }
        });
        Policy {
            execute_type: execute_type.unwrap_or(ExecuteType::Now),
            start_time,
            end_time,
            retry_type,
            retry_times,
        }
    }

    fn boolean(&mut self, value: Option<&Json<'_>>, parent: &str, key: &str) -> Option<bool> {
        match value {
            None | Some(Json::Null) => None,
            Some(Json::Bool(b)) => Some(*b),
            Some(Json::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
            Some(Json::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
            Some(other) => {
                let message = described("must be true or false, got ", other, "");
                self.problems.add(field_path(parent, key), message);
                None
            }
        }
    }

    /// A non-negative integer: a JSON number without a fraction, or a decimal-integer string.
    /// Its path (`parent.key`) is built only for a problem, as for every other field.
    fn integer(&mut self, value: &Raw<'_>, parent: &str, key: &str) -> Option<u64> {
        match value.as_whole() {
            Whole::Exact(n) => Some(n),
            Whole::TooLarge => {
                self.problems.add(
                    field_path(parent, key),
                    described("", &value.value(), " is too large"),
                );
                None
            }
            Whole::NotWhole => {
                self.problems.add(
                    field_path(parent, key),
                    described("must be a non-negative integer, got ", &value.value(), ""),
                );
                None
            }
        }
    }

    fn sta_result(&mut self, value: Option<&Obj<'_, WireStaResult<'_>>>) -> StaResult {
        let empty = WireStaResult::default();
        let obj = self.object(value, "staResult").unwrap_or(&empty);
        let mut count = |value: &Option<Raw<'_>>, key: &str| match value {
            Some(value) if !value.is_null() => self.integer(value, "staResult", key).unwrap_or(0),
            _ => 0,
        };
        let result = StaResult {
            total: count(&obj.total, "total"),
            wait: count(&obj.wait, "wait"),
            processing: count(&obj.processing, "processing"),
            success: count(&obj.success, "success"),
            fail: count(&obj.fail, "fail"),
            stop: count(&obj.stop, "stop"),
            timeout: count(&obj.timeout, "timeout"),
        };
        let parts = [
            ("wait", result.wait),
            ("processing", result.processing),
            ("success", result.success),
            ("fail", result.fail),
            ("stop", result.stop),
            ("timeout", result.timeout),
        ];
        for (key, n) in parts {
            if n > result.total {
                let message = format!("is {n}, more than total {}", result.total);
                self.problems.add(field_path("staResult", key), message);
            }
        }
        // Each count is at most 2^53, so the sum of six cannot overflow a u64.
        let sum: u64 = parts.iter().map(|(_, n)| *n).fold(0, u64::saturating_add);
        if sum > result.total {
            let message = format!(
                "wait + processing + success + fail + stop + timeout is {sum}, more than total {}",
                result.total
            );
            self.problems.add("staResult", message);
        }
        result
    }

    fn extend_para(&mut self, value: Option<&Obj<'_, WireExtendPara<'_>>>) -> ExtendPara {
        let Some(obj) = self.object(value, "extendPara") else {
            return ExtendPara {
                file_version: None,
                other: Vec::new(),
            };
        };
        let file_version = self.text(obj.file_version.as_ref(), "extendPara", "fileVersion");
        let other = obj
            .other
            .iter()
            .map(|(key, raw)| (String::from(key.as_ref()), raw.0.to_owned()))
            .collect();
        ExtendPara {
            file_version,
            other,
        }
    }
}

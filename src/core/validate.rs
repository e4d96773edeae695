//! Every documented rule of the platform text, applied to a parsed body: collects every
//! problem (never stops at the first) and, when there is none, yields the normalised task.

use super::json::{compact, Object, Value, Whole};
use super::problem::{field_path, quote, Problem, Problems};
use super::task::{
    ExecuteType, ExtendPara, OperateType, Policy, StaResult, Targets, TaskStatus, UpgradeTask,
};
use super::time::parse_timestamp;

/// At most this many `deviceGroups` and this many `devices` (platform text).
pub const MAX_TARGETS: usize = 256;
/// Item problems listed one by one per list; the rest of a (hostile, oversized) list is
/// summed up in one problem at the list's path. A valid list has at most 256 items.
pub const MAX_LISTED_ITEM_PROBLEMS: usize = 100;
pub use super::json::MAX_SAFE_INTEGER;

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
const EXECUTE_TYPES: &[(&str, ExecuteType)] = &[
    ("now", ExecuteType::Now),
    ("deviceonline", ExecuteType::DeviceOnline),
    ("custom", ExecuteType::Custom),
];

/// Validates a parsed response body and normalises it, or lists every problem found.
pub fn normalise_task(body: &Value<'_>) -> Result<UpgradeTask, Vec<Problem>> {
    let mut problems = Problems::default();
    let Some(root) = body.as_object() else {
        problems.add(
            "",
            format!("the body is {}, not a JSON object", describe(body)),
        );
        return Err(problems.into_vec());
    };
    let mut walker = Walker {
        problems: &mut problems,
    };
    let operation_id = walker
        .required_text(root, "", "operationId")
        .unwrap_or_default();
    let create_time = walker.time(root, "", "createTime");
    let start_time = walker.time(root, "", "startTime");
    let stop_time = walker.time(root, "", "stopTime");
    let operate_type = walker.enumeration(root, "", "operateType", OPERATE_TYPES, None);
    let status = walker.enumeration(root, "", "status", STATUSES, None);
    let targets = walker.targets(root.get("targets"));
    let policy = walker.policy(root.get("policy"));
    let sta_result = walker.sta_result(root.get("staResult"));
    let extend_para = walker.extend_para(root.get("extendPara"));
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

/// Reduces an enum spelling to its comparison key: ASCII lower case without `_` and `-`.
pub fn spelling_key(text: &str) -> String {
    text.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Names a JSON value's type for messages ("an array", "the number 3", …).
pub fn describe(value: &Value<'_>) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {}", quote(n.as_str())),
        Value::String(s) => format!("the string {}", quote(s)),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

struct Walker<'p> {
    problems: &'p mut Problems,
}

impl Walker<'_> {
    /// A text field: missing, `null` and `""` are `None`; anything but a string is a problem.
    fn text(&mut self, obj: &Object<'_>, parent: &str, key: &str) -> Option<String> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(String::from(s.as_ref())),
            Some(other) => {
                let message = format!("must be a string, got {}", describe(other));
                self.problems.add(field_path(parent, key), message);
                None
            }
        }
    }

    fn required_text(&mut self, obj: &Object<'_>, parent: &str, key: &str) -> Option<String> {
        let present = matches!(
            obj.get(key),
            None | Some(Value::Null) | Some(Value::String(_))
        );
        let value = self.text(obj, parent, key);
        if value.is_none() && present {
            self.problems.add(
                field_path(parent, key),
                "is required and must be a non-empty string",
            );
        }
        value
    }

    fn time(&mut self, obj: &Object<'_>, parent: &str, key: &str) -> Option<String> {
        let text = self.text(obj, parent, key)?;
        match parse_timestamp(&text) {
            Ok(time) => Some(time.to_iso()),
            Err(error) => {
                self.problems.add(
                    field_path(parent, key),
                    format!("{} {}", quote(&text), error.0),
                );
                None
            }
        }
    }

    fn enumeration<T: Copy>(
        &mut self,
        obj: &Object<'_>,
        parent: &str,
        key: &str,
        table: &[(&str, T)],
        default: Option<T>,
    ) -> Option<T> {
        let path = field_path(parent, key);
        let text = match (obj.get(key), default) {
            (None | Some(Value::Null), Some(default)) => return Some(default),
            (None | Some(Value::Null), None) => {
                self.problems.add(path, "is required");
                return None;
            }
            (Some(Value::String(s)), _) => s,
            (Some(other), _) => {
                self.problems
                    .add(path, format!("must be a string, got {}", describe(other)));
                return None;
            }
        };
        let wanted = spelling_key(text);
        let found = table
            .iter()
            .find(|(name, _)| *name == wanted)
            .map(|(_, value)| *value);
        if found.is_none() {
            self.problems
                .add(path, format!("{} is not a known value", quote(text)));
        }
        found
    }

    fn object<'v, 'a>(
        &mut self,
        value: Option<&'v Value<'a>>,
        path: &str,
    ) -> Option<&'v Object<'a>> {
        match value {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => Some(map),
            Some(other) => {
                self.problems
                    .add(path, format!("must be an object, got {}", describe(other)));
                None
            }
        }
    }

    fn string_list(&mut self, obj: &Object<'_>, parent: &str, key: &str) -> Vec<String> {
        let path = field_path(parent, key);
        let items = match obj.get(key) {
            None | Some(Value::Null) => return Vec::new(),
            Some(Value::Array(items)) => items,
            Some(other) => {
                self.problems.add(
                    path,
                    format!("must be an array of strings, got {}", describe(other)),
                );
                return Vec::new();
            }
        };
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
                Value::String(s) if !s.is_empty() => list.push(String::from(s.as_ref())),
                // A hostile body could hold millions of bad items: list the first ones only.
                _ if index >= MAX_LISTED_ITEM_PROBLEMS => unlisted += 1,
                other => {
                    let message = format!("must be a non-empty string, got {}", describe(other));
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

    fn targets(&mut self, value: Option<&Value<'_>>) -> Targets {
        let empty = Object::default();
        let obj = self.object(value, "targets").unwrap_or(&empty);
        let device_groups = self.string_list(obj, "targets", "deviceGroups");
        let device_type = self.text(obj, "targets", "deviceType");
        let model = self.text(obj, "targets", "model");
        let manufacturer_name = self.text(obj, "targets", "manufacturerName");
        let devices = self.string_list(obj, "targets", "devices");
        let non_empty_array = |key: &str| {
            obj.get(key)
                .and_then(Value::as_array)
                .is_some_and(|items| !items.is_empty())
        };
        let groups_given = non_empty_array("deviceGroups");
        let devices_given = non_empty_array("devices");
        if !groups_given && !devices_given {
            self.problems.add(
                "targets",
                "must list at least one of deviceGroups or devices",
            );
        }
        if groups_given {
            for (key, field) in [
                ("deviceType", &device_type),
                ("model", &model),
                ("manufacturerName", &manufacturer_name),
            ] {
                let well_typed = matches!(
                    obj.get(key),
                    None | Some(Value::Null) | Some(Value::String(_))
                );
                if field.is_none() && well_typed {
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

    fn policy(&mut self, value: Option<&Value<'_>>) -> Policy {
        let empty = Object::default();
        let obj = self.object(value, "policy").unwrap_or(&empty);
        let execute_type = self.enumeration(
            obj,
            "policy",
            "executeType",
            EXECUTE_TYPES,
            Some(ExecuteType::Now),
        );
        let start_time = self.time(obj, "policy", "startTime");
        let end_time = self.time(obj, "policy", "endTime");
        let retry_type = self.boolean(obj, "policy", "retryType").unwrap_or(false);
        let retry_times = match obj.get("retryTimes") {
            None | Some(Value::Null) => None,
            Some(value) => self.integer(value, "policy.retryTimes"),
        };
        if execute_type == Some(ExecuteType::Custom) {
            for (key, field) in [("startTime", &start_time), ("endTime", &end_time)] {
                let well_typed = matches!(
                    obj.get(key),
                    None | Some(Value::Null) | Some(Value::String(_))
                );
                if field.is_none() && well_typed && !self.has_time_problem(obj, key) {
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
        let retry_given = !matches!(obj.get("retryTimes"), None | Some(Value::Null));
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

    /// Whether `key` holds a string that failed to parse as a time (already reported).
    fn has_time_problem(&self, obj: &Object<'_>, key: &str) -> bool {
        obj.get(key)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    }

    fn boolean(&mut self, obj: &Object<'_>, parent: &str, key: &str) -> Option<bool> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
            Some(other) => {
                let message = format!("must be true or false, got {}", describe(other));
                self.problems.add(field_path(parent, key), message);
                None
            }
        }
    }

    /// A non-negative integer: a JSON number without a fraction, or a decimal-integer string.
    fn integer(&mut self, value: &Value<'_>, path: &str) -> Option<u64> {
        match value.as_whole() {
            Whole::Exact(n) => Some(n),
            Whole::TooLarge => {
                self.problems
                    .add(path, format!("{} is too large", describe(value)));
                None
            }
            Whole::NotWhole => {
                self.problems.add(
                    path,
                    format!("must be a non-negative integer, got {}", describe(value)),
                );
                None
            }
        }
    }

    fn sta_result(&mut self, value: Option<&Value<'_>>) -> StaResult {
        let empty = Object::default();
        let obj = self.object(value, "staResult").unwrap_or(&empty);
        let mut count = |key: &str| match obj.get(key) {
            None | Some(Value::Null) => 0,
            Some(value) => self
                .integer(value, &field_path("staResult", key))
                .unwrap_or(0),
        };
        let result = StaResult {
            total: count("total"),
            wait: count("wait"),
            processing: count("processing"),
            success: count("success"),
            fail: count("fail"),
            stop: count("stop"),
            timeout: count("timeout"),
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

    fn extend_para(&mut self, value: Option<&Value<'_>>) -> ExtendPara {
        let Some(obj) = self.object(value, "extendPara") else {
            return ExtendPara {
                file_version: None,
                other: Vec::new(),
            };
        };
        let file_version = self.text(obj, "extendPara", "fileVersion");
        let other = obj
            .members()
            .iter()
            .filter(|member| member.key != "fileVersion")
            .map(|member| (String::from(member.key.as_ref()), compact(member.raw)))
            .collect();
        ExtendPara {
            file_version,
            other,
        }
    }
}

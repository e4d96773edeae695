//! The normalised subtask: one device of a task, as users get it (issue 14's interface).

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use super::task::{same_members, OperateType};

/// One device's part of an upgrade task, validated and normalised. Serialised (camelCase
/// keys, absent values `null`) it is exactly the object users get.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeSubTask {
    /// The subtask's id.
    pub sub_operation_id: String,
    /// The device it upgrades.
    pub device_id: String,
    /// Where the device is (`fail` and `failed` are both `Failed`).
    pub status: SubTaskStatus,
    /// Firmware or software.
    pub operate_type: OperateType,
    /// When the subtask was created (`YYYY-MM-DDTHH:MM:SSZ`).
    pub create_time: Option<String>,
    /// When the device started.
    pub start_time: Option<String>,
    /// When the device stopped.
    pub stop_time: Option<String>,
    /// The platform's reason (why it failed, timed out or stopped); `""` is `None`.
    pub detail_info: Option<String>,
    /// Extended information, kept as sent (`{}` when absent).
    pub extend_info: ExtendInfo,
}

/// A subtask's status, in the package's one vocabulary (the platform says `fail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubTaskStatus {
    /// Waiting.
    Wait,
    /// Being upgraded.
    Processing,
    /// The upgrade failed (the platform's `fail`).
    Failed,
    /// Upgraded.
    Success,
    /// Stopped.
    Stop,
    /// Timed out.
    Timeout,
}

impl SubTaskStatus {
    /// Every status, in the order the platform text lists them.
    pub const ALL: [Self; 6] = [
        Self::Wait,
        Self::Processing,
        Self::Failed,
        Self::Success,
        Self::Stop,
        Self::Timeout,
    ];

    /// The name users see (`failed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wait => "wait",
            Self::Processing => "processing",
            Self::Failed => "failed",
            Self::Success => "success",
            Self::Stop => "stop",
            Self::Timeout => "timeout",
        }
    }

    /// The platform's spelling, for `subOperationStatus` (`fail`).
    pub fn platform_name(self) -> &'static str {
        match self {
            Self::Failed => "fail",
            other => other.as_str(),
        }
    }
}

/// A subtask's `extendInfo`: every member in the order sent, each as its JSON text.
#[derive(Debug, Clone, Default)]
pub struct ExtendInfo(pub Vec<(String, Box<RawValue>)>);

/// Equal when the keys are equal in order and each value is the same JSON value.
impl PartialEq for ExtendInfo {
    fn eq(&self, other: &Self) -> bool {
        same_members(&self.0, &other.0)
    }
}

/// The members as sent (`serde_json` copies each raw, so `JSON.parse` of the text reads them
/// as it reads the body).
impl Serialize for ExtendInfo {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, raw) in &self.0 {
            map.serialize_entry(key, raw)?;
        }
        map.end()
    }
}

//! The normalised upgrade task: exactly what users get (contract section 3).

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

/// One firmware/software upgrade task, validated and normalised. Serialised (camelCase keys,
/// absent values `null`) it is exactly the object users get.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeTask {
    /// The task's id, as the platform returned it.
    pub operation_id: String,
    /// When the task was created (`YYYY-MM-DDTHH:MM:SSZ`).
    pub create_time: Option<String>,
    /// When the task started.
    pub start_time: Option<String>,
    /// When the task stopped.
    pub stop_time: Option<String>,
    /// Firmware or software.
    pub operate_type: OperateType,
    /// Where the task is in its life.
    pub status: TaskStatus,
    /// Which devices the task operates on.
    pub targets: Targets,
    /// How and when the task runs.
    pub policy: Policy,
    /// Per-device outcome counts.
    pub sta_result: StaResult,
    /// Extended parameters: `fileVersion` plus any unknown keys, kept as sent.
    pub extend_para: ExtendPara,
}

/// The task's operation type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OperateType {
    /// A firmware upgrade.
    FirmwareUpgrade,
    /// A software upgrade.
    SoftwareUpgrade,
}

/// The task's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Waiting to be executed.
    Wait,
    /// Being executed.
    Processing,
    /// Execution failed.
    Failed,
    /// Executed successfully.
    Success,
    /// Execution stopped.
    Stop,
}

impl TaskStatus {
    /// Whether the task has ended (`failed`, `success` or `stop`) and will not change again.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Failed | Self::Success | Self::Stop)
    }
}

/// When the task executes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecuteType {
    /// At once.
    Now,
    /// When each device comes online.
    DeviceOnline,
    /// Within the policy's start and end time.
    Custom,
}

/// The devices a task operates on (the platform's `OperateDevices`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Targets {
    /// Device group names (at most 256).
    pub device_groups: Vec<String>,
    /// Device type; required with device groups.
    pub device_type: Option<String>,
    /// Device model; required with device groups.
    pub model: Option<String>,
    /// Manufacturer name; required with device groups.
    pub manufacturer_name: Option<String>,
    /// Device ids (at most 256).
    pub devices: Vec<String>,
}

/// The execution policy (the platform's `OperatePolicy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// When the task executes; `now` when the platform omits it.
    pub execute_type: ExecuteType,
    /// Start of the execution window (`custom`).
    pub start_time: Option<String>,
    /// End of the execution window (`custom`).
    pub end_time: Option<String>,
    /// Whether the platform retries failed devices; `false` when omitted.
    pub retry_type: bool,
    /// How many retries (1–5), when retrying.
    pub retry_times: Option<u8>,
}

/// Per-device outcome counts (the platform's `OperationStaResult`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StaResult {
    /// Devices operated on.
    pub total: u64,
    /// Devices waiting.
    pub wait: u64,
    /// Devices in progress.
    pub processing: u64,
    /// Devices upgraded.
    pub success: u64,
    /// Devices that failed.
    pub fail: u64,
    /// Devices stopped.
    pub stop: u64,
    /// Devices that timed out.
    pub timeout: u64,
}

/// Extended parameters: the documented `fileVersion` and every unknown key, kept as sent.
#[derive(Debug, Clone)]
pub struct ExtendPara {
    /// The target version.
    pub file_version: Option<String>,
    /// Keys the platform text does not document, in the order sent, each with its value's
    /// JSON text exactly as sent (a repeated key appears each time; `JSON.parse` keeps the
    /// last value, at the first key's place).
    pub other: Vec<(String, Box<RawValue>)>,
}

/// Equal when the keys are equal in order and each value is the same JSON value, whatever
/// the layout it was sent in (`[1, 2]` and `[1,2]`).
impl PartialEq for ExtendPara {
    fn eq(&self, other: &Self) -> bool {
        self.file_version == other.file_version && same_members(&self.other, &other.other)
    }
}

/// Whether two lists of members kept as sent have the same keys in order, each with the same
/// JSON value whatever its layout.
pub fn same_members(a: &[(String, Box<RawValue>)], b: &[(String, Box<RawValue>)]) -> bool {
    let value = |raw: &RawValue| serde_json::from_str::<serde_json::Value>(raw.get()).ok();
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|((k, v), (l, w))| k == l && value(v) == value(w))
}

impl OperateType {
    /// The name users see (`firmware_upgrade`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FirmwareUpgrade => "firmware_upgrade",
            Self::SoftwareUpgrade => "software_upgrade",
        }
    }
}

impl TaskStatus {
    /// The name users see (`processing`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wait => "wait",
            Self::Processing => "processing",
            Self::Failed => "failed",
            Self::Success => "success",
            Self::Stop => "stop",
        }
    }
}

impl ExecuteType {
    /// The name users see (`device_online`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Now => "now",
            Self::DeviceOnline => "device_online",
            Self::Custom => "custom",
        }
    }
}

impl UpgradeTask {
    /// The task as JSON text, as the wasm edge hands it to `JSON.parse` (its `parsed`: the same
    /// `serde_json::to_string`); unknown `extendPara` members are copied as sent, so JS reads
    /// them exactly as `JSON.parse` reads the body.
    /// Serialising these types cannot fail today (no maps with non-string keys, raw members
    /// are JSON already); if it ever did, the caller says so instead of handing out a task
    /// that is not the one read.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}

/// `fileVersion` first, then every other member as its JSON text sent.
impl Serialize for ExtendPara {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1 + self.other.len()))?;
        map.serialize_entry("fileVersion", &self.file_version)?;
        for (key, raw) in &self.other {
            map.serialize_entry(key, raw)?;
        }
        map.end()
    }
}

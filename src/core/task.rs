//! The normalised upgrade task: exactly what users get (contract section 3).

use serde::Serialize;
use serde_json::{Map, Value};

/// One firmware/software upgrade task, validated and normalised.
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
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtendPara {
    /// The target version.
    pub file_version: Option<String>,
    /// Keys the platform text does not document.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

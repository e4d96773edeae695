//! The normalised upgrade task: exactly what users get (contract section 3).

use super::json::{write_array, ObjectWriter, ToJson};

/// One firmware/software upgrade task, validated and normalised.
#[derive(Debug, Clone, PartialEq)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperateType {
    /// A firmware upgrade.
    FirmwareUpgrade,
    /// A software upgrade.
    SoftwareUpgrade,
}

/// The task's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecuteType {
    /// At once.
    Now,
    /// When each device comes online.
    DeviceOnline,
    /// Within the policy's start and end time.
    Custom,
}

/// The devices a task operates on (the platform's `OperateDevices`).
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq)]
pub struct ExtendPara {
    /// The target version.
    pub file_version: Option<String>,
    /// Keys the platform text does not document, in the order sent, each with its value's
    /// JSON text as sent, without layout whitespace (a repeated key appears each time; JS
    /// keeps the last).
    pub other: Vec<(String, String)>,
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

impl ToJson for UpgradeTask {
    fn write_json(&self, out: &mut String) {
        let mut task = ObjectWriter::new(out);
        task.string("operationId", &self.operation_id);
        task.optional_string("createTime", self.create_time.as_deref());
        task.optional_string("startTime", self.start_time.as_deref());
        task.optional_string("stopTime", self.stop_time.as_deref());
        task.string("operateType", self.operate_type.as_str());
        task.string("status", self.status.as_str());
        self.targets.write_json(task.key("targets"));
        self.policy.write_json(task.key("policy"));
        self.sta_result.write_json(task.key("staResult"));
        self.extend_para.write_json(task.key("extendPara"));
        task.finish();
    }
}

impl ToJson for Targets {
    fn write_json(&self, out: &mut String) {
        let mut targets = ObjectWriter::new(out);
        write_array(targets.key("deviceGroups"), &self.device_groups);
        targets.optional_string("deviceType", self.device_type.as_deref());
        targets.optional_string("model", self.model.as_deref());
        targets.optional_string("manufacturerName", self.manufacturer_name.as_deref());
        write_array(targets.key("devices"), &self.devices);
        targets.finish();
    }
}

impl ToJson for Policy {
    fn write_json(&self, out: &mut String) {
        let mut policy = ObjectWriter::new(out);
        policy.string("executeType", self.execute_type.as_str());
        policy.optional_string("startTime", self.start_time.as_deref());
        policy.optional_string("endTime", self.end_time.as_deref());
        policy.boolean("retryType", self.retry_type);
        policy.optional_number("retryTimes", self.retry_times.map(u64::from));
        policy.finish();
    }
}

impl ToJson for StaResult {
    fn write_json(&self, out: &mut String) {
        let mut counts = ObjectWriter::new(out);
        counts.number("total", self.total);
        counts.number("wait", self.wait);
        counts.number("processing", self.processing);
        counts.number("success", self.success);
        counts.number("fail", self.fail);
        counts.number("stop", self.stop);
        counts.number("timeout", self.timeout);
        counts.finish();
    }
}

impl ToJson for ExtendPara {
    fn write_json(&self, out: &mut String) {
        let mut para = ObjectWriter::new(out);
        para.optional_string("fileVersion", self.file_version.as_deref());
        for (key, json) in &self.other {
            para.raw(key, json);
        }
        para.finish();
    }
}

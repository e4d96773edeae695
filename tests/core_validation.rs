//! Every normalisation and validation rule of the contract (section 3), rule by rule,
//! through the pure core: `interpret(status, body)`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code asserts freely

use iot_upgrade_task::core::task::{ExecuteType, OperateType, TaskStatus};
use iot_upgrade_task::core::validate::spells;
use iot_upgrade_task::core::{interpret, ErrorKind, Problem, UpgradeTask};
use serde_json::{json, Value};

fn valid() -> Value {
    json!({
        "operationId": "op-1",
        "createTime": "20151212T121212Z",
        "startTime": "20151212T121500Z",
        "stopTime": null,
        "operateType": "firmware_upgrade",
        "status": "processing",
        "targets": { "devices": ["dev-1", "dev-2"] },
        "policy": { "executeType": "now", "retryType": false },
        "staResult": { "total": 2, "wait": 0, "processing": 1, "success": 1, "fail": 0, "stop": 0, "timeout": 0 },
        "extendPara": { "fileVersion": "V2.0" }
    })
}

fn ok(body: &Value) -> UpgradeTask {
    match interpret(200, Some(body.to_string().as_bytes())) {
        Ok(task) => task,
        Err(report) => panic!("expected a task, got {report:?}"),
    }
}

fn problems(body: &Value) -> Vec<Problem> {
    problems_of_bytes(body.to_string().as_bytes())
}

fn problems_of_bytes(body: &[u8]) -> Vec<Problem> {
    match interpret(200, Some(body)) {
        Ok(task) => panic!("expected problems, got {task:?}"),
        Err(report) => {
            assert_eq!(report.kind, ErrorKind::InvalidResponse);
            assert_eq!(report.http_status, Some(200));
            assert!(!report.retryable);
            assert!(!report.problems.is_empty());
            report.problems
        }
    }
}

fn paths(list: &[Problem]) -> Vec<&str> {
    list.iter().map(|p| p.path.as_str()).collect()
}

fn with(mut body: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = if parent.is_empty() {
        &mut body
    } else {
        body.pointer_mut(parent).unwrap()
    };
    target
        .as_object_mut()
        .unwrap()
        .insert(key.to_owned(), value);
    body
}

fn without(mut body: Value, pointer: &str) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = if parent.is_empty() {
        &mut body
    } else {
        body.pointer_mut(parent).unwrap()
    };
    target.as_object_mut().unwrap().remove(key);
    body
}

#[test]
fn a_valid_task_normalises_with_every_key() {
    let task = ok(&valid());
    let out = serde_json::from_str::<Value>(&task.to_json().unwrap()).unwrap();
    assert_eq!(
        out,
        json!({
            "operationId": "op-1",
            "createTime": "2015-12-12T12:12:12Z",
            "startTime": "2015-12-12T12:15:00Z",
            "stopTime": null,
            "operateType": "firmware_upgrade",
            "status": "processing",
            "targets": { "deviceGroups": [], "deviceType": null, "model": null, "manufacturerName": null, "devices": ["dev-1", "dev-2"] },
            "policy": { "executeType": "now", "startTime": null, "endTime": null, "retryType": false, "retryTimes": null },
            "staResult": { "total": 2, "wait": 0, "processing": 1, "success": 1, "fail": 0, "stop": 0, "timeout": 0 },
            "extendPara": { "fileVersion": "V2.0" }
        })
    );
}

#[test]
fn times_in_every_accepted_spelling_become_utc_iso() {
    for (given, expected) in [
        ("20151212T121212Z", "2015-12-12T12:12:12Z"),
        ("2015-12-12T12:12:12Z", "2015-12-12T12:12:12Z"),
        ("2015-12-12T20:12:12+08:00", "2015-12-12T12:12:12Z"),
        ("2015-12-12T20:12:12+0800", "2015-12-12T12:12:12Z"),
        ("2015-12-12t12:12:12z", "2015-12-12T12:12:12Z"),
        ("2015-12-12 12:12:12Z", "2015-12-12T12:12:12Z"),
        ("2015-12-12T12:12:12.123Z", "2015-12-12T12:12:12Z"),
    ] {
        let task = ok(&with(valid(), "/createTime", json!(given)));
        assert_eq!(task.create_time.as_deref(), Some(expected), "{given}");
    }
}

#[test]
fn absent_null_and_empty_times_become_null() {
    assert_eq!(ok(&without(valid(), "/createTime")).create_time, None);
    assert_eq!(
        ok(&with(valid(), "/createTime", json!(null))).create_time,
        None
    );
    assert_eq!(
        ok(&with(valid(), "/createTime", json!(""))).create_time,
        None
    );
}

#[test]
fn impossible_times_are_problems_at_their_path() {
    for bad in [
        "20151312T121212Z",
        "2015-02-30T00:00:00Z",
        "2015-12-12T24:00:00Z",
        "2015-12-12T12:12:60Z",
        "soon",
    ] {
        for (pointer, path) in [
            ("/createTime", "createTime"),
            ("/startTime", "startTime"),
            ("/stopTime", "stopTime"),
        ] {
            let found = problems(&with(valid(), pointer, json!(bad)));
            assert_eq!(paths(&found), [path], "{bad} at {path}");
        }
    }
    let found = problems(&with(valid(), "/createTime", json!(20151212)));
    assert_eq!(paths(&found), ["createTime"]);
}

#[test]
fn enum_spellings_are_matched_ignoring_case_and_separators() {
    for spelling in [
        "firmware_upgrade",
        "firmwareUpgrade",
        "FIRMWARE_UPGRADE",
        "firmware-upgrade",
        "firmwareupgrade",
    ] {
        assert_eq!(
            ok(&with(valid(), "/operateType", json!(spelling))).operate_type,
            OperateType::FirmwareUpgrade
        );
    }
    for spelling in ["software_upgrade", "softwareUpgrade", "SOFTWARE-UPGRADE"] {
        assert_eq!(
            ok(&with(valid(), "/operateType", json!(spelling))).operate_type,
            OperateType::SoftwareUpgrade
        );
    }
    for (spelling, status) in [
        ("wait", TaskStatus::Wait),
        ("PROCESSING", TaskStatus::Processing),
        ("Failed", TaskStatus::Failed),
        ("success", TaskStatus::Success),
        ("STOP", TaskStatus::Stop),
    ] {
        assert_eq!(
            ok(&with(valid(), "/status", json!(spelling))).status,
            status
        );
    }
    for (spelling, kind) in [
        ("now", ExecuteType::Now),
        ("deviceOnline", ExecuteType::DeviceOnline),
        ("DEVICE_ONLINE", ExecuteType::DeviceOnline),
        ("device-online", ExecuteType::DeviceOnline),
    ] {
        assert_eq!(
            ok(&with(valid(), "/policy/executeType", json!(spelling)))
                .policy
                .execute_type,
            kind
        );
    }
}

#[test]
fn unknown_or_missing_enums_are_problems() {
    assert_eq!(
        paths(&problems(&with(
            valid(),
            "/operateType",
            json!("hardware_upgrade")
        ))),
        ["operateType"]
    );
    assert_eq!(
        paths(&problems(&without(valid(), "/operateType"))),
        ["operateType"]
    );
    assert_eq!(
        paths(&problems(&with(valid(), "/status", json!("done")))),
        ["status"]
    );
    assert_eq!(paths(&problems(&without(valid(), "/status"))), ["status"]);
    assert_eq!(
        paths(&problems(&with(valid(), "/status", json!(3)))),
        ["status"]
    );
    assert_eq!(
        paths(&problems(&with(
            valid(),
            "/policy/executeType",
            json!("later")
        ))),
        ["policy.executeType"]
    );
}

#[test]
fn operation_id_is_required_and_non_empty() {
    assert_eq!(
        paths(&problems(&without(valid(), "/operationId"))),
        ["operationId"]
    );
    assert_eq!(
        paths(&problems(&with(valid(), "/operationId", json!("")))),
        ["operationId"]
    );
    assert_eq!(
        paths(&problems(&with(valid(), "/operationId", json!(7)))),
        ["operationId"]
    );
}

#[test]
fn policy_defaults_from_the_platform_text() {
    let task = ok(&without(valid(), "/policy"));
    assert_eq!(task.policy.execute_type, ExecuteType::Now);
    assert!(!task.policy.retry_type);
    assert_eq!(task.policy.retry_times, None);
    let task = ok(&with(valid(), "/policy", json!({})));
    assert_eq!(task.policy.execute_type, ExecuteType::Now);
}

#[test]
fn sta_result_defaults_to_zero() {
    let task = ok(&with(
        valid(),
        "/staResult",
        json!({ "total": 3, "success": null }),
    ));
    assert_eq!(
        (
            task.sta_result.total,
            task.sta_result.success,
            task.sta_result.wait
        ),
        (3, 0, 0)
    );
    let task = ok(&without(valid(), "/staResult"));
    assert_eq!(task.sta_result.total, 0);
}

#[test]
fn counts_accept_integers_and_decimal_strings_only() {
    let task = ok(&with(
        valid(),
        "/staResult",
        json!({ "total": "5", "success": 2.0, "fail": "1" }),
    ));
    assert_eq!(
        (
            task.sta_result.total,
            task.sta_result.success,
            task.sta_result.fail
        ),
        (5, 2, 1)
    );
    for bad in [
        json!(-1),
        json!(1.5),
        json!("1.5"),
        json!("-1"),
        json!(""),
        json!(" 1"),
        json!(true),
        json!([1]),
        json!("0x10"),
    ] {
        let found = problems(&with(valid(), "/staResult/success", bad.clone()));
        assert!(
            paths(&found).contains(&"staResult.success"),
            "{bad} gave {found:?}"
        );
    }
    let huge = problems(&with(
        valid(),
        "/staResult/total",
        json!(9_007_199_254_740_992u64),
    ));
    assert!(paths(&huge).contains(&"staResult.total"));
}

#[test]
fn sta_result_counts_never_exceed_total() {
    let found = problems(&with(
        valid(),
        "/staResult",
        json!({ "total": 2, "success": 3 }),
    ));
    assert_eq!(paths(&found), ["staResult.success", "staResult"]);
    let found = problems(&with(
        valid(),
        "/staResult",
        json!({ "total": 4, "success": 2, "fail": 2, "timeout": 1 }),
    ));
    assert_eq!(paths(&found), ["staResult"]);
    ok(&with(
        valid(),
        "/staResult",
        json!({ "total": 5, "success": 2, "fail": 2, "timeout": 1 }),
    ));
}

#[test]
fn targets_need_groups_or_devices() {
    assert_eq!(
        paths(&problems(&with(valid(), "/targets", json!({})))),
        ["targets"]
    );
    assert_eq!(
        paths(&problems(&with(
            valid(),
            "/targets",
            json!({ "devices": [], "deviceGroups": [] })
        ))),
        ["targets"]
    );
    assert_eq!(paths(&problems(&without(valid(), "/targets"))), ["targets"]);
    assert_eq!(
        paths(&problems(&with(valid(), "/targets", json!([])))),
        ["targets", "targets"]
    );
}

#[test]
fn device_groups_require_type_model_and_manufacturer() {
    let groups = json!({ "deviceGroups": ["g1"] });
    let found = problems(&with(valid(), "/targets", groups));
    assert_eq!(
        paths(&found),
        [
            "targets.deviceType",
            "targets.model",
            "targets.manufacturerName"
        ]
    );
    let groups = json!({ "deviceGroups": ["g1"], "deviceType": "Meter", "model": "", "manufacturerName": "Acme" });
    assert_eq!(
        paths(&problems(&with(valid(), "/targets", groups))),
        ["targets.model"]
    );
    // A field of the wrong type has one problem, its type, not a second "is required".
    let groups = json!({ "deviceGroups": ["g1"], "deviceType": 5, "model": ["M1"], "manufacturerName": "Acme" });
    let found = problems(&with(valid(), "/targets", groups));
    assert_eq!(paths(&found), ["targets.deviceType", "targets.model"]);
    assert!(
        found
            .iter()
            .all(|p| p.message.starts_with("must be a string")),
        "{found:?}"
    );
    let groups = json!({ "deviceGroups": ["g1"], "deviceType": "Meter", "model": "M1", "manufacturerName": "Acme" });
    let task = ok(&with(valid(), "/targets", groups));
    assert_eq!(task.targets.device_groups, ["g1"]);
    assert_eq!(task.targets.devices, Vec::<String>::new());
    assert_eq!(task.targets.model.as_deref(), Some("M1"));
}

#[test]
fn at_most_256_groups_and_256_devices() {
    let devices: Vec<String> = (0..256).map(|i| format!("device-{i}")).collect();
    let groups: Vec<String> = (0..256).map(|i| format!("group-{i}")).collect();
    let largest = json!({ "deviceGroups": groups, "deviceType": "T", "model": "M", "manufacturerName": "A", "devices": devices });
    let task = ok(&with(valid(), "/targets", largest));
    assert_eq!(
        (task.targets.devices.len(), task.targets.device_groups.len()),
        (256, 256)
    );
    let devices: Vec<String> = (0..257).map(|i| format!("device-{i}")).collect();
    assert_eq!(
        paths(&problems(&with(
            valid(),
            "/targets/devices",
            json!(devices)
        ))),
        ["targets.devices"]
    );
    let groups: Vec<String> = (0..257).map(|i| format!("group-{i}")).collect();
    let too_many =
        json!({ "deviceGroups": groups, "deviceType": "T", "model": "M", "manufacturerName": "A" });
    assert_eq!(
        paths(&problems(&with(valid(), "/targets", too_many))),
        ["targets.deviceGroups"]
    );
}

#[test]
fn target_items_are_non_empty_strings() {
    let found = problems(&with(
        valid(),
        "/targets/devices",
        json!(["a", "", "c", 4, null]),
    ));
    assert_eq!(
        paths(&found),
        [
            "targets.devices[1]",
            "targets.devices[3]",
            "targets.devices[4]"
        ]
    );
    let found = problems(&with(valid(), "/targets/devices", json!("dev-1")));
    assert!(paths(&found).contains(&"targets.devices"));
}

#[test]
fn text_fields_turn_empty_into_null() {
    let body = with(
        valid(),
        "/targets",
        json!({ "devices": ["d"], "deviceType": "", "model": "", "manufacturerName": "" }),
    );
    let body = with(body, "/extendPara", json!({ "fileVersion": "" }));
    let task = ok(&body);
    assert_eq!(
        (
            task.targets.device_type,
            task.targets.model,
            task.targets.manufacturer_name
        ),
        (None, None, None)
    );
    assert_eq!(task.extend_para.file_version, None);
    assert_eq!(
        paths(&problems(&with(valid(), "/targets/model", json!(12)))),
        ["targets.model"]
    );
}

#[test]
fn custom_policy_requires_an_ordered_window() {
    let found = problems(&with(
        valid(),
        "/policy",
        json!({ "executeType": "custom" }),
    ));
    assert_eq!(paths(&found), ["policy.startTime", "policy.endTime"]);
    let window = json!({ "executeType": "custom", "startTime": "20151212T121212Z", "endTime": "20151212T111212Z" });
    assert_eq!(
        paths(&problems(&with(valid(), "/policy", window))),
        ["policy.endTime"]
    );
    let window = json!({ "executeType": "custom", "startTime": "2015-12-12T20:00:00+08:00", "endTime": "20151212T120000Z" });
    let task = ok(&with(valid(), "/policy", window));
    assert_eq!(
        task.policy.start_time.as_deref(),
        Some("2015-12-12T12:00:00Z")
    );
    assert_eq!(task.policy.end_time, task.policy.start_time);
    // The order is checked on the times as normalised (to the second, fractions dropped).
    let window = json!({ "executeType": "custom", "startTime": "2015-12-12T12:00:00.900Z", "endTime": "2015-12-12T12:00:00.100Z" });
    let task = ok(&with(valid(), "/policy", window));
    assert_eq!(task.policy.end_time, task.policy.start_time);
    let window = json!({ "executeType": "custom", "startTime": "2015-12-12T12:00:01.000Z", "endTime": "2015-12-12T12:00:00.999Z" });
    assert_eq!(
        paths(&problems(&with(valid(), "/policy", window))),
        ["policy.endTime"]
    );
    let window =
        json!({ "executeType": "custom", "startTime": "bad", "endTime": "20151212T120000Z" });
    assert_eq!(
        paths(&problems(&with(valid(), "/policy", window))),
        ["policy.startTime"]
    );
}

#[test]
fn retry_rules() {
    let task = ok(&with(
        valid(),
        "/policy",
        json!({ "retryType": "true", "retryTimes": "3" }),
    ));
    assert!(task.policy.retry_type);
    assert_eq!(task.policy.retry_times, Some(3));
    let task = ok(&with(valid(), "/policy", json!({ "retryType": "false" })));
    assert!(!task.policy.retry_type);
    assert_eq!(
        paths(&problems(&with(
            valid(),
            "/policy",
            json!({ "retryType": true })
        ))),
        ["policy.retryTimes"]
    );
    for bad in [json!(0), json!(6), json!(2.5), json!("x")] {
        let found = problems(&with(
            valid(),
            "/policy",
            json!({ "retryType": true, "retryTimes": bad.clone() }),
        ));
        assert_eq!(paths(&found), ["policy.retryTimes"], "{bad}");
    }
    assert_eq!(
        paths(&problems(&with(
            valid(),
            "/policy",
            json!({ "retryType": "yes" })
        ))),
        ["policy.retryType"]
    );
    let task = ok(&with(valid(), "/policy", json!({ "retryTimes": 5 })));
    assert_eq!(task.policy.retry_times, Some(5));
}

#[test]
fn unknown_fields_are_ignored_and_extend_para_keys_kept() {
    let body = with(valid(), "/newField", json!({ "anything": [1, 2] }));
    let body = with(
        body,
        "/extendPara",
        json!({ "fileVersion": "V3", "checksum": "abc", "big": 18446744073709551615u64 }),
    );
    let task = ok(&body);
    let out = serde_json::to_value(&task.extend_para).unwrap();
    assert_eq!(
        out,
        json!({ "fileVersion": "V3", "checksum": "abc", "big": 18446744073709551615u64 })
    );
    assert_eq!(
        ok(&without(valid(), "/extendPara"))
            .extend_para
            .file_version,
        None
    );
    assert_eq!(
        paths(&problems(&with(valid(), "/extendPara", json!("V3")))),
        ["extendPara"]
    );
    assert_eq!(
        paths(&problems(&with(
            valid(),
            "/extendPara/fileVersion",
            json!(3)
        ))),
        ["extendPara.fileVersion"]
    );
}

#[test]
fn every_problem_is_listed_not_only_the_first() {
    let body = json!({
        "operationId": "",
        "createTime": "20151332T000000Z",
        "operateType": "x",
        "status": null,
        "targets": { "deviceGroups": ["g", ""] },
        "policy": { "executeType": "custom", "retryType": true, "retryTimes": 9 },
        "staResult": { "total": 1, "fail": 2 }
    });
    let found = problems(&body);
    assert_eq!(
        paths(&found),
        [
            "operationId",
            "createTime",
            "operateType",
            "status",
            "targets.deviceGroups[1]",
            "targets.deviceType",
            "targets.model",
            "targets.manufacturerName",
            "policy.startTime",
            "policy.endTime",
            "policy.retryTimes",
            "staResult.fail",
            "staResult",
        ]
    );
}

#[test]
fn whole_body_problems_have_an_empty_path() {
    for body in [
        &b"[]"[..],
        b"[{\"operationId\":\"x\"}]",
        b"<html><body>502</body></html>",
        b"{\"operationId\":\"op",
        b"",
        b"  ",
        b"null",
        b"42",
        b"\"text\"",
    ] {
        let found = problems_of_bytes(body);
        assert_eq!(paths(&found), [""], "{:?}", String::from_utf8_lossy(body));
    }
    assert!(problems_of_bytes(b"{\"operationId\":\"op")
        .first()
        .unwrap()
        .message
        .contains("truncated"));
    assert!(problems_of_bytes(b"<!doctype html>")
        .first()
        .unwrap()
        .message
        .contains("HTML"));
}

#[test]
fn oversized_bodies_are_invalid_responses() {
    let report = interpret(200, None).unwrap_err();
    assert_eq!(report.kind, ErrorKind::InvalidResponse);
    assert_eq!(paths(&report.problems), [""]);
    assert!(report.problems[0].message.contains("4 MiB"));
}

#[test]
fn deep_nesting_is_refused_without_overflowing() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let body = format!("{{\"operationId\":\"x\",\"extendPara\":{deep}}}");
    let found = problems_of_bytes(body.as_bytes());
    assert_eq!(paths(&found), [""]);
    assert!(
        found[0].message.contains("recursion limit"),
        "{}",
        found[0].message
    );
}

#[test]
fn huge_numbers_and_odd_unicode_do_not_panic() {
    for body in [
        &b"{\"staResult\":{\"total\":1e309}}"[..],
        b"{\"staResult\":{\"total\":-0}}",
        b"{\"operationId\":\"\\ud800\"}",
        b"{\"operationId\":\"\xff\xfe\"}",
        b"{\"status\":\"\xe2\x80\xaeesrever\"}",
    ] {
        let _ = interpret(200, Some(body));
    }
}

#[test]
fn a_huge_list_of_bad_items_gives_a_bounded_report() {
    let bad: Vec<Value> = (0..100_000).map(|_| json!(null)).collect();
    let found = problems(&with(valid(), "/targets/devices", json!(bad)));
    // The count problem, 100 listed items, and one summary.
    assert_eq!(found.len(), 102);
    assert_eq!(found[0].path, "targets.devices");
    assert_eq!(found[1].path, "targets.devices[0]");
    assert_eq!(found[100].path, "targets.devices[99]");
    assert_eq!(found[101].path, "targets.devices");
    assert!(
        found[101].message.contains("99900 more"),
        "{}",
        found[101].message
    );
}

#[test]
fn enum_spellings_ignore_ascii_case_underscores_and_dashes_only() {
    for (text, name) in [
        ("FIRMWARE_UPGRADE", "firmwareupgrade"),
        ("Firmware-Upgrade", "firmwareupgrade"),
        ("firmwareupgrade", "firmwareupgrade"),
        ("DEVICE_ONLINE", "deviceonline"),
        ("_n-O_w-", "now"),
        ("__", ""),
    ] {
        assert!(spells(text, name), "{text} spells {name}");
    }
    for (text, name) in [
        ("firmware upgrade", "firmwareupgrade"),
        ("firmwareupgrad", "firmwareupgrade"),
        ("firmwareupgradex", "firmwareupgrade"),
        ("nów", "now"),
        ("NOW\u{0}", "now"),
        ("ＮＯＷ", "now"),
        ("", "now"),
    ] {
        assert!(!spells(text, name), "{text:?} does not spell {name}");
    }
}

#[test]
fn failed_success_and_stop_are_the_final_statuses() {
    use iot_upgrade_task::core::task::TaskStatus;
    let finals: Vec<bool> = [
        TaskStatus::Wait,
        TaskStatus::Processing,
        TaskStatus::Failed,
        TaskStatus::Success,
        TaskStatus::Stop,
    ]
    .into_iter()
    .map(TaskStatus::is_final)
    .collect();
    assert_eq!(finals, [false, false, true, true, true]);
}

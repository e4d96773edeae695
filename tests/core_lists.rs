//! The task list and a task's subtasks through the pure core (issue 14): filters and paging
//! checked before sending, the requests as sent, and pages read so that one bad item does not
//! hide the page.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code asserts freely

use iot_upgrade_task::core::lists::{
    build_sub_task_request, build_task_list_request, interpret_sub_task_page, interpret_task_page,
    InvalidItem, Paging, RawListArguments, SubTaskPage, UpgradeTaskPage, MAX_PAGE_ITEMS,
};
use iot_upgrade_task::core::problem::finish;
use iot_upgrade_task::core::redact::Redactor;
use iot_upgrade_task::core::subtask::SubTaskStatus;
use iot_upgrade_task::core::task::TaskStatus;
use iot_upgrade_task::core::{Argument, ErrorKind, ErrorReport, Problem, RawArguments};

const BASE: &str = "https://iot.example.com:8743";
const LIST: &str = "https://iot.example.com:8743/iodm/northbound/v1.5.0/operations";

fn text(value: &str) -> Argument {
    Argument::Text(value.to_owned())
}

fn common() -> RawArguments {
    RawArguments {
        access_token: text("tok"),
        base_url: text(BASE),
        app_key: text("app"),
        ..RawArguments::default()
    }
}

fn list_args() -> RawListArguments {
    RawListArguments {
        common: common(),
        ..RawListArguments::default()
    }
}

fn sub_args(id: &str) -> RawListArguments {
    let mut args = list_args();
    args.common.operation_id = text(id);
    args
}

/// A message as users read it (outside values quoted).
fn read(message: &str) -> String {
    finish(message, &Redactor::default())
}

fn problems(result: Result<impl std::fmt::Debug, Vec<Problem>>) -> Vec<(String, String)> {
    result
        .unwrap_err()
        .into_iter()
        .map(|p| (p.path, read(&p.message)))
        .collect()
}

fn paths(result: Result<impl std::fmt::Debug, Vec<Problem>>) -> Vec<String> {
    problems(result).into_iter().map(|(path, _)| path).collect()
}

// ---------------------------------------------------------------------------------------------
// Requests

#[test]
fn the_task_list_url_has_no_trailing_slash_and_no_query_without_filters() {
    let list = build_task_list_request(&list_args()).unwrap();
    assert_eq!(list.request.url, LIST);
    assert_eq!(list.request.method, "GET");
    assert_eq!(
        list.paging,
        Paging {
            page_no: 0,
            page_size: 10
        }
    );
    let headers: Vec<&str> = list.request.headers.iter().map(|(k, _)| *k).collect();
    assert_eq!(headers, ["app_key", "Authorization", "Accept"]);
    assert_eq!(list.request.limiter_key, format!("{BASE}\napp"));
}

#[test]
fn every_filter_is_sent_in_the_platform_order_and_encoded() {
    let mut args = list_args();
    args.filter.operation_type = text("software_upgrade");
    args.filter.operation_status = text("failed");
    args.filter.device_type = text("Water Meter");
    args.filter.model = text("M&1=2");
    args.filter.manufacturer_name = text("Hüawei");
    args.filter.device_id = text("dev/1?#");
    args.paging.page_no = Some(Ok(3.0));
    args.paging.page_size = Some(Ok(100.0));
    let list = build_task_list_request(&args).unwrap();
    assert_eq!(
        list.request.url,
        format!(
            "{LIST}?operationType=software_upgrade&operationStatus=failed&deviceType=Water%20Meter\
             &model=M%261%3D2&manufacturerName=H%C3%BCawei&deviceId=dev%2F1%3F%23&pageNo=3&pageSize=100"
        )
    );
    assert_eq!(
        list.paging,
        Paging {
            page_no: 3,
            page_size: 100
        }
    );
}

#[test]
fn the_other_lists_filter_is_refused_with_did_you_mean() {
    let mut args = list_args();
    args.other_filter_given = true;
    assert_eq!(
        problems(build_task_list_request(&args)),
        [(
            "options.status".to_string(),
            "filters a task's subtasks, not the task list: did you mean operationStatus?"
                .to_string()
        )]
    );
    let mut args = sub_args("op-1");
    args.other_filter_given = true;
    assert_eq!(
        problems(build_sub_task_request(&args)),
        [(
            "options.operationStatus".to_string(),
            "filters the task list, not a task's subtasks: did you mean status?".to_string()
        )]
    );
}

#[test]
fn the_subtask_url_encodes_the_id_as_one_segment_and_sends_failed_as_fail() {
    let mut args = sub_args("a/b?c#d é");
    args.status = text("failed");
    args.paging.page_size = Some(Ok(100.0));
    let list = build_sub_task_request(&args).unwrap();
    assert_eq!(
        list.request.url,
        format!("{LIST}/a%2Fb%3Fc%23d%20%C3%A9/subOperations?subOperationStatus=fail&pageSize=100")
    );
    assert_eq!(list.paging.page_no, 0);
    for status in SubTaskStatus::ALL {
        let mut args = sub_args("op");
        args.status = text(status.as_str());
        let url = build_sub_task_request(&args).unwrap().request.url;
        assert!(
            url.ends_with(&format!("?subOperationStatus={}", status.platform_name())),
            "{url}"
        );
    }
    assert_eq!(SubTaskStatus::Failed.platform_name(), "fail");
    assert_eq!(SubTaskStatus::Timeout.platform_name(), "timeout");
}

/// A number option as read from JS.
type Given = Option<Result<f64, String>>;

#[test]
fn paging_limits_are_checked_before_sending() {
    let cases: &[(Given, Given, &[&str])] = &[
        (Some(Ok(0.0)), Some(Ok(1.0)), &[]),
        (Some(Ok(2_147_483_647.0)), Some(Ok(100.0)), &[]),
        (Some(Ok(-1.0)), None, &["options.pageNo"]),
        (Some(Ok(2_147_483_648.0)), None, &["options.pageNo"]),
        (Some(Ok(1.5)), None, &["options.pageNo"]),
        (Some(Ok(f64::NAN)), None, &["options.pageNo"]),
        (Some(Ok(f64::INFINITY)), None, &["options.pageNo"]),
        (Some(Err("string".into())), None, &["options.pageNo"]),
        (None, Some(Ok(0.0)), &["options.pageSize"]),
        (None, Some(Ok(101.0)), &["options.pageSize"]),
        (None, Some(Ok(10.5)), &["options.pageSize"]),
        (
            Some(Ok(-1.0)),
            Some(Err("boolean".into())),
            &["options.pageNo", "options.pageSize"],
        ),
    ];
    for (page_no, page_size, expected) in cases {
        for build in [build_task_list_request, build_sub_task_request] {
            let mut args = sub_args("op");
            args.paging.page_no = page_no.clone();
            args.paging.page_size = page_size.clone();
            let result = build(&args);
            if expected.is_empty() {
                assert!(result.is_ok(), "{page_no:?} {page_size:?}: {result:?}");
            } else {
                assert_eq!(paths(result), *expected, "{page_no:?} {page_size:?}");
            }
        }
    }
    let mut args = list_args();
    args.paging.page_size = Some(Ok(101.0));
    assert_eq!(
        problems(build_task_list_request(&args)),
        [(
            "options.pageSize".into(),
            "must be a whole number from 1 to 100".into()
        )]
    );
    args.paging.page_size = Some(Err("string".into()));
    assert_eq!(
        problems(build_task_list_request(&args))[0].1,
        "must be a whole number from 1 to 100, got string"
    );
}

#[test]
fn enum_filters_take_exactly_the_package_spellings() {
    let refused = |set: fn(&mut RawListArguments, Argument), value: &str| {
        let mut args = sub_args("op");
        set(&mut args, text(value));
        let list = build_task_list_request(&args);
        let sub = build_sub_task_request(&args);
        (list.err(), sub.err())
    };
    for value in ["firmwareUpgrade", "FIRMWARE_UPGRADE", "x"] {
        let (list, _) = refused(|a, v| a.filter.operation_type = v, value);
        assert_eq!(list.unwrap()[0].path, "options.operationType", "{value}");
    }
    for value in ["fail", "PROCESSING", "timeout"] {
        let (list, _) = refused(|a, v| a.filter.operation_status = v, value);
        assert_eq!(list.unwrap()[0].path, "options.operationStatus", "{value}");
    }
    let (_, sub) = refused(|a, v| a.status = v, "fail");
    let sub = sub.unwrap();
    assert_eq!(sub[0].path, "options.status");
    assert_eq!(
        read(&sub[0].message),
        "\"fail\" is not one of wait, processing, failed, success, stop, timeout (the platform's \"fail\" is spelled \"failed\" here)"
    );
    let (_, sub) = refused(|a, v| a.status = v, "done");
    assert!(!sub.unwrap()[0].message.contains("spelled"));
    for status in [
        TaskStatus::Wait,
        TaskStatus::Processing,
        TaskStatus::Failed,
        TaskStatus::Success,
        TaskStatus::Stop,
    ] {
        let mut args = list_args();
        args.filter.operation_status = text(status.as_str());
        let url = build_task_list_request(&args).unwrap().request.url;
        assert!(url.ends_with(&format!("?operationStatus={}", status.as_str())));
    }
}

#[test]
fn free_text_filters_are_non_empty_and_at_most_256_utf16_units() {
    let mut args = list_args();
    args.filter.model = text(&"m".repeat(256));
    args.filter.device_id = text(&"é".repeat(256));
    assert!(build_task_list_request(&args).is_ok());
    args.filter.model = text(&"m".repeat(257));
    // 129 astral characters are 258 UTF-16 code units (what the platform counts).
    args.filter.device_id = text(&"😀".repeat(129));
    args.filter.device_type = text("");
    args.filter.manufacturer_name = Argument::Refused("must be a string, got number".into());
    assert_eq!(
        problems(build_task_list_request(&args)),
        [
            (
                "options.deviceType".into(),
                "must be a non-empty string (leave it out to not filter)".into()
            ),
            (
                "options.model".into(),
                "is 257 characters long; at most 256 are allowed".into()
            ),
            (
                "options.manufacturerName".into(),
                "must be a string, got number".into()
            ),
            (
                "options.deviceId".into(),
                "is 258 characters long; at most 256 are allowed".into()
            ),
        ]
    );
}

#[test]
fn every_problem_is_listed_in_argument_order() {
    let mut args = sub_args("..");
    args.common.access_token = Argument::Missing;
    args.common.base_url = text("http://iot.example.com");
    args.status = text("nope");
    args.paging.page_no = Some(Ok(-1.0));
    assert_eq!(
        paths(build_sub_task_request(&args)),
        [
            "accessToken",
            "options.baseUrl",
            "operationId",
            "options.status",
            "options.pageNo"
        ]
    );
    let mut args = list_args();
    args.common.operation_id = Argument::Missing;
    args.common.app_key = Argument::Missing;
    args.filter.operation_type = text("x");
    assert_eq!(
        paths(build_task_list_request(&args)),
        ["options.appKey", "options.operationType"]
    );
    let mut args = sub_args("op");
    args.common.operation_id = Argument::Missing;
    assert_eq!(paths(build_sub_task_request(&args)), ["operationId"]);
}

// ---------------------------------------------------------------------------------------------
// Pages

const ASKED: Paging = Paging {
    page_no: 2,
    page_size: 100,
};

fn task_json(id: &str) -> String {
    format!(
        r#"{{"operationId":"{id}","createTime":"20151212T121212Z","operateType":"firmware_upgrade","status":"processing",
            "targets":{{"devices":["d1","d2"]}},"policy":{{"executeType":"now"}},
            "staResult":{{"total":2,"wait":0,"processing":1,"success":1,"fail":0,"stop":0,"timeout":0}},
            "extendPara":{{"fileVersion":"V2","channel":"beta"}}}}"#
    )
}

fn task_page(body: &str) -> Result<UpgradeTaskPage, ErrorReport> {
    interpret_task_page(200, Some(body.as_bytes()), ASKED)
}

fn sub_page(body: &str) -> Result<SubTaskPage, ErrorReport> {
    interpret_sub_task_page(200, Some(body.as_bytes()), ASKED)
}

/// Each invalid item as (index, id, problem paths).
fn summary(invalid: &[InvalidItem]) -> Vec<(usize, Option<&str>, Vec<&str>)> {
    invalid
        .iter()
        .map(|i| {
            (
                i.index,
                i.id.as_deref(),
                i.problems.iter().map(|p| p.path.as_str()).collect(),
            )
        })
        .collect()
}

fn broken(result: Result<impl std::fmt::Debug, ErrorReport>) -> Vec<(String, String)> {
    let report = result.unwrap_err();
    assert_eq!(report.kind, ErrorKind::InvalidResponse, "{report:?}");
    report
        .problems
        .into_iter()
        .map(|p| (p.path, read(&p.message)))
        .collect()
}

#[test]
fn a_valid_task_page_gives_every_task_normalised_and_the_echoed_paging() {
    let body = format!(
        r#"{{"data":[{},{}],"pageNo":0,"pageSize":10,"totalCount":12}}"#,
        task_json("a"),
        task_json("b")
    );
    let page = task_page(&body).unwrap();
    assert_eq!(
        page.items
            .iter()
            .map(|t| t.operation_id.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert!(page.invalid.is_empty());
    assert_eq!(
        (page.page_no, page.page_size, page.total_count),
        (0, 10, 12)
    );
    assert_eq!(
        page.items[0].create_time.as_deref(),
        Some("2015-12-12T12:12:12Z")
    );
    let json = serde_json::to_value(&page).unwrap();
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["invalid", "pageNo", "pageSize", "tasks", "totalCount"],
        "serde_json sorts; the edge keeps the written order"
    );
    assert_eq!(json["tasks"][1]["extendPara"]["channel"], "beta");
}

#[test]
fn the_total_may_be_named_total_size_and_the_paging_falls_back_to_the_page_asked_for() {
    let page = task_page(r#"{"data":[],"totalSize":7}"#).unwrap();
    assert_eq!(
        (page.page_no, page.page_size, page.total_count),
        (2, 100, 7)
    );
    let page = task_page(r#"{"data":[],"totalCount":3,"totalSize":9}"#).unwrap();
    assert_eq!(page.total_count, 3, "totalCount first");
    let page = task_page(r#"{"data":[],"totalCount":"x","totalSize":"9"}"#).unwrap();
    assert_eq!(page.total_count, 9, "the first usable total");
    let page = task_page(r#"{"data":[],"pageNo":"x","pageSize":-1,"totalCount":0}"#).unwrap();
    assert_eq!((page.page_no, page.page_size), (2, 100));
}

#[test]
fn a_page_is_broken_only_when_not_an_object_data_not_an_array_or_no_usable_total() {
    assert_eq!(
        broken(task_page("[]")),
        [(
            "".into(),
            "the body is an array, not a JSON object (a page)".into()
        )]
    );
    assert_eq!(
        broken(task_page(r#"{"data":{},"totalCount":1}"#)),
        [("data".into(), "must be an array, got an object".into())]
    );
    assert_eq!(
        broken(task_page(r#"{"data":"x","totalCount":1}"#)),
        [(
            "data".into(),
            "must be an array, got the string \"x\"".into()
        )]
    );
    assert_eq!(
        broken(task_page(r#"{"data":[]}"#)),
        [(
            "totalCount".into(),
            "is missing (and so is totalSize): a page must say how many items the list holds"
                .into()
        )]
    );
    assert_eq!(
        broken(task_page(r#"{"data":[],"totalCount":-1,"totalSize":1.5}"#)),
        [
            (
                "totalCount".into(),
                "must be a non-negative integer, got the number \"-1\"".into()
            ),
            (
                "totalSize".into(),
                "must be a non-negative integer, got a number with a fractional part".into()
            ),
        ]
    );
    assert_eq!(
        broken(task_page(r#"{"totalCount":3}"#)),
        [(
            "data".into(),
            "is missing: a page must carry its items in an array".into()
        )]
    );
    assert_eq!(
        broken(sub_page(r#"{"data":null}"#)).len(),
        2,
        "no data and no total: both said"
    );
    // An empty list left out is fine when the total says there is nothing.
    assert!(task_page(r#"{"totalCount":0}"#).unwrap().items.is_empty());
    assert!(sub_page(r#"{"data":null,"totalSize":0}"#)
        .unwrap()
        .items
        .is_empty());
    assert!(broken(task_page("<html>")).len() == 1);
}

#[test]
fn a_bad_item_goes_to_invalid_with_its_index_id_and_paths_from_the_page() {
    let bad_devices = task_json("bad").replace(r#"["d1","d2"]"#, r#"["d1","d2",7]"#);
    let bad_status = task_json("worse").replace("\"processing\"", "\"sleeping\"");
    let body = format!(
        r#"{{"data":[{},"oops",{},{bad_devices},{{"operationId":""}},{bad_status}],"totalCount":6}}"#,
        task_json("a"),
        task_json("b")
    );
    let page = task_page(&body).unwrap();
    assert_eq!(
        page.items
            .iter()
            .map(|t| t.operation_id.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    let invalid = summary(&page.invalid);
    assert_eq!(
        invalid[0],
        (1, None, vec!["data[1]"]),
        "a non-object item, at its index"
    );
    assert_eq!(
        read(&page.invalid[0].problems[0].message),
        "must be an object (a task), got the string \"oops\""
    );
    assert_eq!(
        invalid[1],
        (3, Some("bad"), vec!["data[3].targets.devices[2]"])
    );
    assert_eq!(invalid[2].0, 4);
    assert_eq!(invalid[2].1, None, "an empty id is no id");
    assert!(invalid[2].2.contains(&"data[4].operationId"));
    assert!(invalid[2].2.contains(&"data[4].status"));
    assert_eq!(invalid[3], (5, Some("worse"), vec!["data[5].status"]));
    assert_eq!(page.total_count, 6);
}

#[test]
fn a_page_of_more_than_the_item_limit_is_broken() {
    let items = vec!["1"; MAX_PAGE_ITEMS + 1].join(",");
    let problems = broken(task_page(&format!(
        r#"{{"data":[{items}],"totalCount":5000}}"#
    )));
    assert_eq!(problems[0].0, "data");
    assert!(
        problems[0].1.starts_with("holds 1001 items"),
        "{problems:?}"
    );
    let items = vec!["1"; MAX_PAGE_ITEMS].join(",");
    let page = task_page(&format!(r#"{{"data":[{items}],"totalCount":5000}}"#)).unwrap();
    assert_eq!(page.invalid.len(), MAX_PAGE_ITEMS);
}

#[test]
fn platform_errors_of_a_page_are_classified_as_for_one_task() {
    let report = interpret_task_page(
        400,
        Some(br#"{"error_code":"123029","error_desc":"pageNo or pageSize beyond the limit."}"#),
        ASKED,
    )
    .unwrap_err();
    assert_eq!(report.kind, ErrorKind::PageLimit);
    assert_eq!(report.error_code.as_deref(), Some("123029"));
    let report = interpret_sub_task_page(
        404,
        Some(br#"{"error_code":"123009","error_desc":"not found"}"#),
        ASKED,
    )
    .unwrap_err();
    assert_eq!(report.kind, ErrorKind::NotFound);
    assert!(
        report.hint.contains("operationId"),
        "a task's subtasks: the task is missing"
    );
    // The task list names no task: a 404 there is the route missing at that base URL.
    let report = interpret_task_page(404, Some(b""), ASKED).unwrap_err();
    assert_eq!(report.kind, ErrorKind::NotFound);
    assert!(report.hint.contains("check baseUrl"), "{}", report.hint);
    let report = interpret_task_page(
        200,
        Some(br#"{"error_code":"1010005","data":[],"totalCount":0}"#),
        ASKED,
    )
    .unwrap_err();
    assert_eq!(report.kind, ErrorKind::Unauthorized);
    let report = interpret_task_page(503, None, ASKED).unwrap_err();
    assert_eq!(report.kind, ErrorKind::Server);
    assert!(report.retryable);
}

fn sub_json(status: &str) -> String {
    format!(
        r#"{{"subOperationId":"s-{status}","createTime":"20240305T000000Z","startTime":"2024-03-05 08:07:11+08:00",
            "operateType":"firmware_upgrade","deviceId":"dev-{status}","status":"{status}","detailInfo":"",
            "extendInfo":{{"fileVersion":"V3","retries":2,"__proto__":{{"x":1}}}}}}"#
    )
}

#[test]
fn subtasks_are_normalised_in_the_package_vocabulary() {
    let statuses = [
        "wait",
        "processing",
        "fail",
        "failed",
        "FAIL",
        "success",
        "stop",
        "timeout",
        "Time_Out",
    ];
    let data: Vec<String> = statuses.iter().map(|s| sub_json(s)).collect();
    let body = format!(
        r#"{{"data":[{}],"pageNo":0,"pageSize":100,"totalCount":9}}"#,
        data.join(",")
    );
    let page = sub_page(&body).unwrap();
    assert!(page.invalid.is_empty(), "{:?}", page.invalid);
    let got: Vec<SubTaskStatus> = page.items.iter().map(|s| s.status).collect();
    use SubTaskStatus::*;
    assert_eq!(
        got,
        [Wait, Processing, Failed, Failed, Failed, Success, Stop, Timeout, Timeout]
    );
    let first = &page.items[0];
    assert_eq!(first.sub_operation_id, "s-wait");
    assert_eq!(first.device_id, "dev-wait");
    assert_eq!(first.create_time.as_deref(), Some("2024-03-05T00:00:00Z"));
    assert_eq!(first.start_time.as_deref(), Some("2024-03-05T00:07:11Z"));
    assert_eq!(first.stop_time, None);
    assert_eq!(first.detail_info, None, "\"\" is null");
    let json = serde_json::to_value(first).unwrap();
    assert_eq!(json["status"], "wait");
    assert_eq!(json["operateType"], "firmware_upgrade");
    assert_eq!(json["extendInfo"]["retries"], 2);
    assert_eq!(json["extendInfo"]["__proto__"]["x"], 1);
    assert_eq!(
        serde_json::to_value(&page.items[2]).unwrap()["status"],
        "failed"
    );
}

#[test]
fn a_subtask_breaking_the_rules_is_invalid_with_every_problem() {
    let body = r#"{"data":[
        {"subOperationId":"s1","deviceId":"d1","status":"fail","operateType":"firmwareUpgrade","detailInfo":"Checksum mismatch","extendInfo":null},
        {"subOperationId":"s2","status":"done","operateType":"firmware_upgrade","createTime":"yesterday","detailInfo":5,"extendInfo":"x"},
        {"deviceId":"d3","status":"wait"},
        null
    ],"totalCount":4}"#;
    let page = sub_page(body).unwrap();
    assert_eq!(page.items.len(), 1);
    let ok = &page.items[0];
    assert_eq!(ok.detail_info.as_deref(), Some("Checksum mismatch"));
    assert_eq!(
        serde_json::to_value(ok).unwrap()["extendInfo"],
        serde_json::json!({})
    );
    let invalid = summary(&page.invalid);
    assert_eq!(
        invalid,
        [
            (
                1,
                Some("s2"),
                vec![
                    "data[1].deviceId",
                    "data[1].status",
                    "data[1].createTime",
                    "data[1].detailInfo",
                    "data[1].extendInfo"
                ]
            ),
            (
                2,
                None,
                vec!["data[2].subOperationId", "data[2].operateType"]
            ),
            (3, None, vec!["data[3]"]),
        ]
    );
    assert_eq!(
        page.invalid[2].problems[0].message,
        "must be an object (a subtask), got null"
    );
}

#[test]
fn invalid_items_are_finished_and_redacted_of_the_call_secrets_like_an_error() {
    let secret = "tok-SECRET-2b7c91";
    let body = format!(
        r#"{{"data":[{{"subOperationId":"{secret}","deviceId":"d","status":"{secret}","operateType":"firmware_upgrade"}}],"totalCount":1}}"#
    );
    let page = sub_page(&body).unwrap().scrub(&[secret]);
    let item = &page.invalid[0];
    assert!(!item.id.as_deref().unwrap().contains(secret));
    let message = &item.problems[0].message;
    assert!(message.starts_with('"'), "finished: {message}");
    assert!(!message.contains(secret), "{message}");
    assert!(message.ends_with("is not a known value"), "{message}");
}

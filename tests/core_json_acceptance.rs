//! Which bodies are JSON, through the pure core (`interpret`): the behaviour the former
//! hand-written reader's own tests protected, now that serde_json reads the body into the
//! lenient wire types. A body is accepted exactly as `Response.json()` accepts it (a leading
//! UTF-8 BOM skipped, then `JSON.parse`'s grammar), except, on purpose: invalid UTF-8, lone
//! surrogate escapes, numbers beyond the f64 range and nesting deeper than 127 levels.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code asserts freely

use iot_upgrade_task::core::{interpret, ErrorKind, ErrorReport, UpgradeTask};

const TASK: &str = r#""operationId":"op-1","operateType":"firmware_upgrade","status":"wait","targets":{"devices":["d"]}"#;

/// A valid task with `more` members appended (`,"extendPara":…`).
fn task_with(more: &str) -> String {
    format!("{{{TASK}{more}}}")
}

fn read(body: &str) -> Result<UpgradeTask, ErrorReport> {
    interpret(200, Some(body.as_bytes()))
}

fn whole_body_problem(body: &str) -> String {
    let report = read(body).expect_err(body);
    assert_eq!(report.kind, ErrorKind::InvalidResponse, "{body}");
    assert_eq!(report.problems.len(), 1, "{body}: {:?}", report.problems);
    assert_eq!(report.problems[0].path, "", "{body}");
    report.problems[0].message.clone()
}

#[test]
fn refuses_what_json_refuses_anywhere_in_the_body() {
    for bad in [
        "{",
        "[1,]",
        "{\"a\":1,}",
        "01",
        "1.",
        "1e",
        "-",
        "+1",
        ".5",
        "tru",
        "nul",
        "\"a",
        "\"\\x\"",
        "\"\t\"",
        "{a:1}",
        "[1 2]",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "NaN",
        "Infinity",
        "1e309",
        "-1e400",
        "'a'",
        "[1]]",
    ] {
        // As the whole body, as an unknown member, as a documented field and as an unknown key.
        whole_body_problem(bad);
        whole_body_problem(&task_with(&format!(",\"extendPara\":{{\"x\":{bad}}}")));
        whole_body_problem(&task_with(&format!(",\"createTime\":{bad}")));
        whole_body_problem(&task_with(&format!(",\"unknown\":{bad}")));
    }
    whole_body_problem(&task_with(",\"extendPara\":{\"x\":1} trailing"));
    assert!(interpret(200, Some(b"{\"operationId\":\"\xff\"}")).is_err());
}

#[test]
fn accepts_every_kind_of_value_and_keeps_unknown_members_as_sent() {
    let body = task_with(
        r#","extendPara":{"a": [1, -2.5e3, true, false, null], "b" : {"c":"d\n\u00e9\ud83d\ude00"}, "a": 7, "fileVersion": "V1"}"#,
    );
    let task = read(&body).unwrap();
    let other: Vec<(&str, &str)> = task
        .extend_para
        .other
        .iter()
        .map(|(key, raw)| (key.as_str(), raw.get()))
        .collect();
    assert_eq!(
        other,
        [
            ("a", "[1, -2.5e3, true, false, null]"),
            ("b", r#"{"c":"d\n\u00e9\ud83d\ude00"}"#),
            ("a", "7"),
        ]
    );
    assert_eq!(task.extend_para.file_version.as_deref(), Some("V1"));
}

#[test]
fn a_leading_byte_order_mark_is_skipped_as_response_json_does() {
    let body = format!("\u{feff}{}", task_with(""));
    assert_eq!(read(&body).unwrap().operation_id, "op-1");
    // Only at the very start, and only one.
    whole_body_problem(&format!("\u{feff}\u{feff}{}", task_with("")));
    whole_body_problem(&format!(" \u{feff}{}", task_with("")));
}

#[test]
fn a_repeated_key_keeps_its_last_value_as_json_parse_does() {
    let task = read(&task_with(r#","status":"success","status":"stop""#)).unwrap();
    assert_eq!(task.status.as_str(), "stop");
    let report = interpret(
        200,
        Some(br#"{"error_code":"1010009","error_code":"123009"}"#),
    )
    .unwrap_err();
    assert_eq!(report.kind, ErrorKind::NotFound);
    assert_eq!(report.error_code.as_deref(), Some("123009"));
}

#[test]
fn escapes_are_read_in_documented_fields() {
    let body = r#"{"operationId":"op\u002d1\/x","operateType":"firmware_upgrade","status":"W\u0061it","targets":{"devices":["d\"q"]}}"#;
    let task = read(body).unwrap();
    assert_eq!(task.operation_id, "op-1/x");
    assert_eq!(task.targets.devices, ["d\"q"]);
}

#[test]
fn truncation_is_told_apart() {
    let full = task_with(r#","extendPara":{"x":"yz"}"#);
    for cut in [20, 40, full.len() - 3, full.len() - 1] {
        let message = whole_body_problem(&full[..cut]);
        assert!(message.contains("truncated"), "{cut}: {message}");
    }
    for wrong in ["[1}", "{\"a\" 1}", "x"] {
        let message = whole_body_problem(wrong);
        assert!(!message.contains("truncated"), "{wrong}: {message}");
        assert!(message.contains("not valid JSON"), "{wrong}: {message}");
    }
    let located = whole_body_problem("{\n  \"a\": tx}");
    assert!(located.contains("line 2 column"), "{located}");
}

#[test]
fn nesting_is_limited() {
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    for n in [1, 100, 125] {
        assert!(
            read(&task_with(&format!(
                ",\"extendPara\":{{\"x\":{}}}",
                deep(n)
            )))
            .is_ok(),
            "{n}"
        );
        assert!(
            read(&task_with(&format!(",\"unknown\":{}", deep(n)))).is_ok(),
            "{n}"
        );
    }
    for n in [129, 10_000] {
        for body in [
            task_with(&format!(",\"extendPara\":{{\"x\":{}}}", deep(n))),
            task_with(&format!(",\"unknown\":{}", deep(n))),
            task_with(&format!(",\"createTime\":{}", deep(n))),
            deep(n),
        ] {
            assert!(whole_body_problem(&body).contains("recursion limit"), "{n}");
        }
    }
}

#[test]
fn the_f64_range_is_kept_in_unknown_members() {
    for ok in [
        "1.7976931348623157e308",
        "-1.7976931348623157e308",
        "1e-400",
        "0e99999999999999999999",
        "0.00001e313",
    ] {
        let task = read(&task_with(&format!(",\"extendPara\":{{\"x\":{ok}}}"))).unwrap();
        assert_eq!(task.extend_para.other[0].1.get(), ok);
    }
    for beyond in ["1e309", "-1e400", &"9".repeat(400)] {
        whole_body_problem(&task_with(&format!(",\"extendPara\":{{\"x\":{beyond}}}")));
        whole_body_problem(&task_with(&format!(
            ",\"staResult\":{{\"total\":{beyond}}}"
        )));
    }
}

#[test]
fn counts_are_read_exactly_from_their_text() {
    let total = |given: &str| {
        read(&task_with(&format!(",\"staResult\":{{\"total\":{given}}}")))
            .map(|task| task.sta_result.total)
            .map_err(|report| report.problems[0].message.clone())
    };
    for (given, expected) in [
        ("0", 0),
        ("-0", 0),
        ("-0.0e5", 0),
        ("3", 3),
        ("3.0", 3),
        ("2.50e1", 25),
        ("1e15", 1_000_000_000_000_000),
        ("100e-2", 1),
        ("9007199254740991", 9_007_199_254_740_991),
        ("9007199254740991.0", 9_007_199_254_740_991),
        ("\"42\"", 42),
    ] {
        assert_eq!(total(given), Ok(expected), "{given}");
    }
    for too_large in [
        "9007199254740992",
        "1e16",
        "123456789012345678901234567890",
        "\"9007199254740992\"",
    ] {
        assert!(
            total(too_large).unwrap_err().contains("too large"),
            "{too_large}"
        );
    }
    for not_whole in [
        "2.5",
        "1e-1",
        "-1",
        "3.0000000000000001",
        "\"3.0\"",
        "true",
        "[1]",
        "{}",
    ] {
        let message = total(not_whole).unwrap_err();
        assert!(
            message.contains("non-negative integer"),
            "{not_whole}: {message}"
        );
    }
}

#[test]
fn the_nesting_limit_counts_from_the_root_wherever_a_value_sits() {
    // serde_json reading the whole body into a plain value is the reference.
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    for n in 120..135 {
        for body in [
            format!("{{\"error_code\":{}}}", deep(n)),
            task_with(&format!(",\"staResult\":{{\"total\":{}}}", deep(n))),
            task_with(&format!(",\"policy\":{{\"retryTimes\":{}}}", deep(n))),
            task_with(&format!(",\"extendPara\":{{\"x\":{}}}", deep(n))),
            task_with(&format!(",\"targets\":{{\"devices\":{}}}", deep(n))),
        ] {
            let json = serde_json::from_str::<serde_json::Value>(&body).is_ok();
            let report = interpret(200, Some(body.as_bytes())).err();
            let refused_as_json = report.as_ref().is_some_and(|r| {
                r.problems.len() == 1 && r.problems[0].message.contains("recursion limit")
            });
            assert_eq!(!refused_as_json, json, "{n}: {}", &body[..40]);
        }
    }
}

//! Error classification (contract section 4), secret scrubbing, and the wire request rules
//! (section 1 and 2), through the pure core.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code asserts freely

use iot_upgrade_task::core::request::{check_base_url, encode_segment, is_loopback};
use iot_upgrade_task::core::{
    build_login, build_request, classify, interpret, Argument, ErrorKind, ErrorReport, Problem,
    RawArguments, RawLogin,
};

fn error(status: u16, body: &str) -> ErrorReport {
    interpret(status, Some(body.as_bytes())).unwrap_err()
}

#[test]
fn the_contract_error_table() {
    let rows: &[(u16, &str, ErrorKind, bool)] = &[
        (
            400,
            r#"{"error_code":"120015","error_desc":"Bad request error."}"#,
            ErrorKind::BadRequest,
            false,
        ),
        (
            400,
            r#"{"error_code":"999999","error_desc":"other"}"#,
            ErrorKind::BadRequest,
            false,
        ),
        (
            400,
            r#"{"error_code":"123029","error_desc":"pageNo or pageSize beyond the limit."}"#,
            ErrorKind::PageLimit,
            false,
        ),
        (
            403,
            r#"{"error_code":"1010009","error_desc":"app throttle exceed."}"#,
            ErrorKind::Throttled,
            true,
        ),
        (429, "", ErrorKind::Throttled, true),
        (401, "", ErrorKind::Unauthorized, false),
        (
            403,
            r#"{"error_code":"1010005","error_desc":"App_key or access_token is invalid."}"#,
            ErrorKind::Unauthorized,
            false,
        ),
        (
            403,
            r#"{"error_code":"000001"}"#,
            ErrorKind::Unauthorized,
            false,
        ),
        (
            404,
            r#"{"error_code":"123009","error_desc":"The requested task does not exist."}"#,
            ErrorKind::NotFound,
            false,
        ),
        (404, "not json", ErrorKind::NotFound, false),
        (500, "", ErrorKind::Server, true),
        (
            502,
            "<html><body>Bad Gateway</body></html>",
            ErrorKind::Server,
            true,
        ),
        (503, r#"{"error_code":"50252"}"#, ErrorKind::Server, true),
        (302, "", ErrorKind::Http, false),
        (418, "", ErrorKind::Http, false),
    ];
    for (status, body, kind, retryable) in rows {
        let report = error(*status, body);
        assert_eq!(report.kind, *kind, "{status} {body}");
        assert_eq!(report.retryable, *retryable, "{status} {body}");
        assert_eq!(report.http_status, Some(*status));
        assert!(report.problems.is_empty());
        assert!(
            report.message.starts_with(kind.as_str()),
            "{}",
            report.message
        );
        assert!(
            report.message.contains(&status.to_string()),
            "{}",
            report.message
        );
        assert!(!report.hint.is_empty());
    }
}

#[test]
fn every_kind_is_found_by_its_name_and_nothing_else_is() {
    let kinds = [
        ErrorKind::InvalidArgument,
        ErrorKind::BadRequest,
        ErrorKind::PageLimit,
        ErrorKind::Throttled,
        ErrorKind::Unauthorized,
        ErrorKind::NotFound,
        ErrorKind::Server,
        ErrorKind::Http,
        ErrorKind::Network,
        ErrorKind::Timeout,
        ErrorKind::Aborted,
        ErrorKind::InvalidResponse,
    ];
    for kind in kinds {
        assert_eq!(ErrorKind::from_name(kind.as_str()), Some(kind), "{kind:?}");
    }
    for other in [
        "",
        "Not_Found",
        "not_found ",
        "notfound",
        "invalid",
        "http2",
    ] {
        assert_eq!(ErrorKind::from_name(other), None, "{other:?}");
    }
}

#[test]
fn platform_code_wins_over_status_even_on_2xx() {
    for (code, kind) in [
        ("123009", ErrorKind::NotFound),
        ("1010009", ErrorKind::Throttled),
        ("1010005", ErrorKind::Unauthorized),
        ("120015", ErrorKind::BadRequest),
        ("123029", ErrorKind::PageLimit),
        ("777", ErrorKind::Http),
    ] {
        let report = error(
            200,
            &format!(r#"{{"error_code":"{code}","error_desc":"d"}}"#),
        );
        assert_eq!(report.kind, kind, "{code}");
        assert_eq!(report.error_code.as_deref(), Some(code));
        assert_eq!(report.error_desc.as_deref(), Some("d"));
    }
    assert_eq!(
        error(200, r#"{"error_code":123009}"#).error_code.as_deref(),
        Some("123009")
    );
    assert_eq!(
        error(500, r#"{"error_code":"123009"}"#).kind,
        ErrorKind::NotFound
    );
    assert_eq!(classify(200, Some("1010009")), ErrorKind::Throttled);
}

#[test]
fn gateway_resultcode_shape_means_the_same() {
    let report = error(
        403,
        r#"{"resultcode":"1010005","resultmsg":"App_key or access_token is invalid."}"#,
    );
    assert_eq!(report.kind, ErrorKind::Unauthorized);
    assert_eq!(report.error_code.as_deref(), Some("1010005"));
    assert_eq!(
        report.error_desc.as_deref(),
        Some("App_key or access_token is invalid.")
    );
    assert_eq!(
        error(200, r#"{"resultcode":"1010009","resultmsg":"x"}"#).kind,
        ErrorKind::Throttled
    );
}

#[test]
fn a_null_code_is_no_code_and_an_empty_one_is_an_error_without_a_code() {
    // Some gateways add `"error_code": null` to every answer: a task carrying it is a task.
    let task = r#""operationId":"op-1","operateType":"firmware_upgrade","status":"wait","targets":{"devices":["d"]}"#;
    for extra in [
        r#""error_code":null,"error_desc":null"#,
        r#""resultcode":null,"resultmsg":null"#,
        r#""error_code":null,"resultcode":null,"error_desc":"ignored""#,
    ] {
        let body = format!("{{{task},{extra}}}");
        let answer = interpret(200, Some(body.as_bytes()));
        assert_eq!(
            answer.map(|t| t.operation_id),
            Ok(String::from("op-1")),
            "{extra}"
        );
    }
    // An empty code still marks an error; its `errorCode` is null, and an empty description
    // gives way to the gateway's `resultmsg`.
    let report = error(
        200,
        r#"{"error_code":"","error_desc":"","resultmsg":"real text"}"#,
    );
    assert_eq!(report.kind, ErrorKind::Http);
    assert_eq!(report.error_code, None);
    assert_eq!(report.error_desc.as_deref(), Some("real text"));
    let report = error(403, r#"{"error_code":null,"resultcode":"1010005"}"#);
    assert_eq!(
        report.kind,
        ErrorKind::Unauthorized,
        "a null error_code gives way to resultcode"
    );
    assert_eq!(report.error_code.as_deref(), Some("1010005"));
}

#[test]
fn messages_name_kind_status_code_and_text() {
    let report = error(
        404,
        r#"{"error_code":"123009","error_desc":"The requested task does not exist."}"#,
    );
    assert_eq!(
        report.message,
        "not_found: HTTP 404; platform error 123009: The requested task does not exist."
    );
}

#[test]
fn a_problem_is_known_as_the_whole_body_s_by_how_it_was_made_not_by_its_words() {
    let report = |problem: Problem| {
        ErrorReport::new(
            ErrorKind::InvalidResponse,
            Some(200),
            None,
            None,
            None,
            vec![problem],
        )
        .message
    };
    assert!(Problem::body("the body is odd").is_of_body());
    assert_eq!(Problem::body("the body is odd").path, "");
    assert_eq!(
        report(Problem::body("the body is odd")),
        "invalid_response: HTTP 200; the body is odd"
    );
    // The same words made as a problem of the value at the root are placed like any other.
    assert!(!Problem::new("", "the body is odd").is_of_body());
    assert_eq!(
        report(Problem::new("", "the body is odd")),
        "invalid_response: HTTP 200; body the body is odd"
    );
    assert_eq!(
        report(Problem::new("", "must be an object")),
        "invalid_response: HTTP 200; body must be an object"
    );
    // Every whole-body problem the core makes is made as one.
    let bodies: [&[u8]; 6] = [b"", b"<html/>", b"\xff", br#"{"a":"#, b"[1]", b"nul"];
    for body in bodies {
        let found = interpret(200, Some(body)).unwrap_err();
        assert!(
            found.problems.iter().all(Problem::is_of_body),
            "{body:?}: {:?}",
            found.problems
        );
    }
    let asked = iot_upgrade_task::core::lists::Paging {
        page_no: 0,
        page_size: 10,
    };
    let page = iot_upgrade_task::core::lists::interpret_task_page(200, Some(b"[]"), asked);
    let login = iot_upgrade_task::core::login::interpret_login(200, Some(b"[]"), 0.0);
    for found in [page.unwrap_err(), login.unwrap_err()] {
        assert!(
            found.problems.iter().all(Problem::is_of_body),
            "{:?}",
            found.problems
        );
        assert!(
            !found.message.contains("body the body"),
            "{}",
            found.message
        );
    }
}

#[test]
fn a_problem_of_the_whole_body_is_named_once() {
    let truncated = interpret(200, Some(br#"{"operationId":"x","#)).unwrap_err();
    assert!(
        truncated
            .message
            .starts_with("invalid_response: HTTP 200; the body is truncated JSON"),
        "{}",
        truncated.message
    );
    let array = interpret(200, Some(b"[1]")).unwrap_err();
    assert!(
        array
            .message
            .starts_with("invalid_response: HTTP 200; the body is an array"),
        "{}",
        array.message
    );
    let field = interpret(200, Some(br#"{"operationId":"x","status":"odd"}"#)).unwrap_err();
    let place = format!("HTTP 200; {} ", field.problems[0].path);
    assert!(field.message.contains(&place), "{}", field.message);
}

#[test]
fn secrets_are_scrubbed_from_every_text() {
    let report = error(403, r#"{"error_code":"1010005","error_desc":"token tok-SECRET-123 for app app-KEY-9 is invalid"}"#)
        .scrub(&["tok-SECRET-123", "app-KEY-9"]);
    let all = format!("{report:?}");
    assert!(
        !all.contains("tok-SECRET-123") && !all.contains("app-KEY-9"),
        "{all}"
    );
    assert_eq!(
        report.error_desc.as_deref(),
        Some("token [redacted] for app [redacted] is invalid")
    );
    let invalid = interpret(
        200,
        Some(br#"{"operationId":"x","status":"tok-SECRET-123"}"#),
    )
    .unwrap_err()
    .scrub(&["tok-SECRET-123"]);
    assert!(!format!("{invalid:?}").contains("tok-SECRET-123"));
    assert_eq!(
        ErrorReport::simple(ErrorKind::Network, None, "x")
            .scrub(&[""])
            .message,
        "network: x"
    );
}

/// The texts a user can see of a report.
fn texts(report: &ErrorReport) -> String {
    format!("{report:?}")
}

#[test]
fn redaction_leaves_the_librarys_words_alone_with_short_or_common_secrets() {
    let platform = r#"{"error_code":"1010005","error_desc":"App_key or access_token is invalid."}"#;
    let clean = error(403, platform);
    // 1-, 2- and 3-character secrets, and secrets equal to words of the messages: the
    // library's words, the hint and the problem paths never change, and the marker is never
    // scrubbed again.
    for secrets in [
        &["t", "a"][..],
        &["tok"],
        &["ab", "x"],
        &["in", "ke"],
        &["network", "HTTP", "403", "platform", "error"],
        &["redacted", "[redacted]", "red"],
        &["status", "operationId", "must", "be"],
    ] {
        let report = error(403, platform).scrub(secrets);
        assert_eq!(report.message, clean.message, "{secrets:?}");
        assert_eq!(report.hint, clean.hint);
        let invalid = interpret(
            200,
            Some(br#"{"operationId":"x","status":"done","operateType":7}"#),
        )
        .unwrap_err();
        let scrubbed = invalid.clone().scrub(secrets);
        let paths = |r: &ErrorReport| {
            r.problems
                .iter()
                .map(|p| p.path.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(paths(&scrubbed), paths(&invalid));
        let baseline = invalid.clone().scrub(&[]);
        assert_eq!(scrubbed.message, baseline.message);
        assert_eq!(scrubbed.problems, baseline.problems);
        assert!(
            baseline.message.starts_with(
                "invalid_response: HTTP 200; operateType must be a string, got the number \"7\""
            ),
            "{}",
            baseline.message
        );
        let network = ErrorReport::simple(ErrorKind::Network, None, "the request failed")
            .with_outside("fetch failed (ECONNREFUSED)")
            .scrub(secrets);
        assert_eq!(
            network.message,
            "network: the request failed: fetch failed (ECONNREFUSED)"
        );
    }
    // The issue's cases: token `t` and app key `a`; token `tok`.
    let arguments = build_request(&args("", "t", "https://gw", "a")).unwrap_err();
    let report = ErrorReport::new(
        ErrorKind::InvalidArgument,
        None,
        None,
        None,
        None,
        arguments,
    )
    .scrub(&["t", "a"]);
    assert_eq!(
        report.message,
        "invalid_argument: operationId must be a non-empty string"
    );
    let tok = error(403, platform).scrub(&["tok"]);
    assert!(
        tok.message.ends_with("App_key or access_token is invalid."),
        "{}",
        tok.message
    );
}

#[test]
fn redaction_still_removes_every_real_occurrence() {
    let echo = |desc: &str| {
        error(
            401,
            &format!(r#"{{"error_code":"1010005","error_desc":"{desc}"}}"#),
        )
    };
    // Short secrets as whole words of the platform's text.
    assert_eq!(
        echo("token t for app a refused")
            .scrub(&["t", "a"])
            .error_desc
            .as_deref(),
        Some("token [redacted] for app [redacted] refused")
    );
    assert_eq!(
        echo("bad token: tok.")
            .scrub(&["tok"])
            .error_desc
            .as_deref(),
        Some("bad token: [redacted].")
    );
    // A secret equal to a word of the platform's text is removed there (it is the secret).
    assert_eq!(
        echo("App_key or access_token is invalid.")
            .scrub(&["invalid"])
            .error_desc
            .as_deref(),
        Some("App_key or access_token is [redacted].")
    );
    // A real credential is removed even glued to other text, and in every field.
    let secret = "tok-SECRET-123";
    let glued = echo("Bearertok-SECRET-123x").scrub(&[secret]);
    assert!(!texts(&glued).contains(secret), "{}", texts(&glued));
    // A value quoted in a problem is redacted before it is shortened: a secret cut by the
    // 60-character limit leaks no prefix.
    let value = format!("{}{secret}{}", "A".repeat(55), "B".repeat(20));
    let body = format!(
        r#"{{"operationId":"x","status":"{value}","operateType":"firmware_upgrade","targets":{{"devices":["d"]}}}}"#
    );
    let report = interpret(200, Some(body.as_bytes()))
        .unwrap_err()
        .scrub(&[secret]);
    let all = texts(&report);
    assert!(!all.contains("tok-S"), "{all}");
    assert!(
        report.problems[0]
            .message
            .starts_with(&format!("\"{}[reda", "A".repeat(55))),
        "{}",
        report.problems[0].message
    );
    // Runtime error text (URLs included) is outside text too.
    let network = ErrorReport::simple(ErrorKind::Network, None, "the request failed")
        .with_outside("Failed to fetch https://gw/x?token=tok-SECRET-123")
        .scrub(&[secret]);
    assert_eq!(
        network.message,
        "network: the request failed: Failed to fetch https://gw/x?token=[redacted]"
    );
}

fn args(id: &str, token: &str, base: &str, key: &str) -> RawArguments {
    RawArguments {
        operation_id: Argument::Text(id.into()),
        access_token: Argument::Text(token.into()),
        base_url: Argument::Text(base.into()),
        app_key: Argument::Text(key.into()),
        timeout_ms: None,
        options_missing: false,
        key_alias_given: None,
        policy: Default::default(),
    }
}

#[test]
fn the_other_calls_key_name_gets_a_did_you_mean() {
    let mut raw = args("x", "t", "https://gw", "k");
    raw.app_key = Argument::Missing;
    raw.key_alias_given = Some("appId");
    let problems = build_request(&raw).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].path, "options.appKey");
    assert_eq!(
        problems[0].message,
        "is required (a non-empty string); options.appId was given: did you mean appKey?"
    );
    // With the right key given as well, the alias says nothing.
    let mut raw = args("x", "t", "https://gw", "k");
    raw.key_alias_given = Some("appId");
    assert!(build_request(&raw).is_ok());
    // A login given appKey where appId is meant.
    let login = RawLogin {
        common: RawArguments {
            base_url: Argument::Text("https://gw".into()),
            key_alias_given: Some("appKey"),
            ..RawArguments::default()
        },
        secret: Argument::Text("s".into()),
        refresh_token: None,
    };
    let problems = build_login(&login).unwrap_err();
    assert_eq!(problems[0].path, "options.appId");
    assert!(problems[0]
        .message
        .ends_with("options.appKey was given: did you mean appId?"));
}

#[test]
fn the_wire_request() {
    let request =
        build_request(&args("op-1", "tok", "https://gw.example.com:8743", "app")).unwrap();
    assert_eq!(
        request.url,
        "https://gw.example.com:8743/iodm/northbound/v1.5.0/operations/op-1"
    );
    assert_eq!(
        request.headers,
        vec![
            ("app_key", "app".to_owned()),
            ("Authorization", "Bearer tok".to_owned()),
            ("Accept", "application/json".to_owned())
        ]
    );
    assert_eq!(request.timeout_ms, 30_000.0);
}

#[test]
fn base_url_prefix_and_trailing_slash() {
    for base in [
        "https://gw.example.com/iot",
        "https://gw.example.com/iot/",
        "HTTPS://gw.example.com/iot//",
    ] {
        let url = build_request(&args("x", "t", base, "k")).unwrap().url;
        assert_eq!(
            url, "https://gw.example.com/iot/iodm/northbound/v1.5.0/operations/x",
            "{base}"
        );
    }
    assert_eq!(check_base_url("https://gw").unwrap(), "https://gw");
    assert_eq!(check_base_url("https://gw/").unwrap(), "https://gw");
}

#[test]
fn ids_travel_as_exactly_one_segment() {
    assert_eq!(
        encode_segment("a/b?c#d%e f").unwrap(),
        "a%2Fb%3Fc%23d%25e%20f"
    );
    assert_eq!(encode_segment("é=x;y&z+").unwrap(), "%C3%A9%3Dx%3By%26z%2B");
    assert_eq!(encode_segment("a.b-c_d~e").unwrap(), "a.b-c_d~e");
    assert_eq!(encode_segment("...").unwrap(), "...");
    assert!(encode_segment(".").is_err());
    assert!(encode_segment("..").is_err());
    assert!(encode_segment(&"x".repeat(4097)).is_err());
}

#[test]
fn base_url_rules() {
    for good in [
        "https://gw.example.com",
        "https://gw.example.com:8743/prefix",
        "http://localhost:8743",
        "http://LOCALHOST",
        "http://127.0.0.1:9",
        "http://127.255.1.2",
        "http://[::1]:8080/x",
        "https://[2001:db8::1]:8743",
        "https://xn--r8jz45g.jp",
    ] {
        assert!(check_base_url(good).is_ok(), "{good} should pass");
    }
    for bad in [
        "",
        "gw.example.com",
        "/relative",
        "ftp://gw",
        "http://gw.example.com",
        "http://10.0.0.1",
        "http://127.0.0.1.evil.com",
        "http://localhost.evil.com",
        "http://0127.0.0.1",
        "http://127.1",
        "https://user:pw@gw",
        "https://gw@evil",
        "https://gw/path?x=1",
        "https://gw/path#frag",
        "https://gw:99999",
        "https://gw:abc",
        "https://",
        "https://gw /x",
        "https://gw\\@evil",
        "https://gw\n.com",
        "https://[::1",
        "https://g%77",
        "https://例え.jp",
        "https://a.0x1",
        "https://1.2.3.999",
    ] {
        assert!(check_base_url(bad).is_err(), "{bad:?} should be refused");
    }
    assert!(is_loopback("127.0.0.1") && is_loopback("[::1]") && !is_loopback("128.0.0.1"));
    for host in [
        "LocalHost",
        "127.000.000.001",
        "127.255.255.255",
        "[0:0:0:0:0:0:0:1]",
    ] {
        assert!(is_loopback(host), "{host}");
    }
    for host in [
        "127.0.0",
        "127.0.0.1.1",
        "127.256.0.1",
        "127.0.0.1.",
        "127.0.0.a",
        "127.0.0.0001",
        "[::2]",
        "localhost.",
        "",
        "0127.0.0.1",
    ] {
        assert!(!is_loopback(host), "{host}");
    }
}

#[test]
fn argument_problems_are_all_listed_and_never_echo_secrets() {
    let mut raw = args("", "tok\r\nX-Evil: 1", "http://gw.example.com", "key\u{0}");
    raw.timeout_ms = Some(Ok(-1.0));
    let problems = build_request(&raw).unwrap_err();
    let found: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        found,
        [
            "operationId",
            "accessToken",
            "options.appKey",
            "options.baseUrl",
            "options.timeoutMs"
        ]
    );
    let text = format!("{problems:?}");
    assert!(
        !text.contains("tok") && !text.contains("key\\u{0}"),
        "{text}"
    );
}

#[test]
fn argument_types_and_values() {
    let raw = RawArguments {
        timeout_ms: Some(Err("string".into())),
        ..RawArguments::default()
    };
    let problems = build_request(&raw).unwrap_err();
    assert_eq!(problems.len(), 5);
    let mut raw = args("x", "t", "https://gw", "k");
    raw.operation_id = Argument::Refused("must be a string, got number".into());
    assert_eq!(
        build_request(&raw).unwrap_err()[0].message,
        "must be a string, got number"
    );
    for bad in [0.0, -5.0, f64::NAN, f64::INFINITY] {
        let mut raw = args("x", "t", "https://gw", "k");
        raw.timeout_ms = Some(Ok(bad));
        assert!(build_request(&raw).is_err(), "{bad}");
    }
    let mut raw = args("x", "t", "https://gw", "k");
    raw.timeout_ms = Some(Ok(1e12));
    assert_eq!(build_request(&raw).unwrap().timeout_ms, 2_147_483_647.0);
    let raw = args("x", "t\u{100}", "https://gw", "k");
    assert_eq!(build_request(&raw).unwrap_err()[0].path, "accessToken");
    let raw = args("x", "tab\there", "https://gw", "k");
    assert!(build_request(&raw).is_err());
}

//! The platform's login and refresh answers: `{accessToken, tokenType, refreshToken,
//! expiresIn, scope}`, checked like every other answer.

use serde::Serialize;

use super::errors::{route_not_found, ErrorKind, ErrorReport};
use super::problem::{Problem, Problems};
use super::request::header_unsafe;
use super::response::{answer_body, invalid_response};
use super::validate::described;
use super::wire::{Json, Obj, Whole, WireLogin};

/// A fresh token, as users get it (`{accessToken, refreshToken, expiresAt}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// The access token for `Authorization: Bearer`.
    pub access_token: String,
    /// The token for `refreshToken`, when the platform sent one.
    pub refresh_token: Option<String>,
    /// When the access token expires, in epoch milliseconds.
    pub expires_at: f64,
}

/// Interprets a login or refresh answer received at `now_ms` (epoch milliseconds).
pub fn interpret_login(
    status: u16,
    body: Option<&[u8]>,
    now_ms: f64,
) -> Result<Session, ErrorReport> {
    let value = answer_body::<WireLogin<'_>>(status, body).map_err(|report| match report.kind {
        // A login refused for its credentials answers 400/401 with platform-specific codes.
        ErrorKind::BadRequest if report.error_code.is_none() => refused_login(ErrorReport::new(
            ErrorKind::Unauthorized,
            report.http_status,
            None,
            report.error_desc,
            None,
            Vec::new(),
        )),
        ErrorKind::Unauthorized => refused_login(report),
        _ => route_not_found(report),
    })?;
    let mut problems = Problems::default();
    let obj = match &value {
        Obj::Object(obj) => obj,
        Obj::Other(other) => {
            return Err(invalid_response(
                status,
                vec![Problem::body(described(
                    "the body is ",
                    other,
                    ", not a JSON object",
                ))],
            ))
        }
    };
    let access_token = match &obj.access_token {
        Some(Json::String(s)) if !s.is_empty() => header_token(&mut problems, "accessToken", s),
        _ => {
            problems.add("accessToken", "is required and must be a non-empty string");
            String::new()
        }
    };
    let refresh_token = match &obj.refresh_token {
        // Not a header: the refresh sends it in its JSON body (as it takes the user's).
        Some(Json::String(s)) if !s.is_empty() => Some(String::from(s.as_ref())),
        None | Some(Json::Null) | Some(Json::String(_)) => None,
        Some(_) => {
            problems.add("refreshToken", "must be a string");
            None
        }
    };
    let expires_in = match obj.expires_in.as_ref().map(|raw| raw.as_whole()) {
        Some(Whole::Exact(seconds)) => Some(seconds as f64),
        _ => None,
    };
    if expires_in.is_none() {
        problems.add(
            "expiresIn",
            "is required and must be a whole, non-negative number of seconds",
        );
    }
    if !problems.is_empty() {
        return Err(invalid_response(status, problems.into_vec()));
    }
    Ok(Session {
        access_token,
        refresh_token,
        expires_at: now_ms + expires_in.unwrap_or(0.0) * 1000.0,
    })
}

/// The answer's access token, which later calls send in a header: one no header can carry is
/// a problem of the answer (the check of the user's tokens, [`header_unsafe`]), named without
/// the token itself.
fn header_token(problems: &mut Problems, path: &str, token: &str) -> String {
    if let Some(why) = header_unsafe(token) {
        problems.add(
            path,
            format!("cannot travel in an HTTP header: a token {why}"),
        );
    }
    String::from(token)
}

fn refused_login(mut report: ErrorReport) -> ErrorReport {
    report.hint = "The platform refused the login: check the appId and secret (and, for a refresh, that the refresh token is the latest one).";
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_route_that_is_not_there_points_at_the_base_url_not_at_a_task() {
        let report = interpret_login(404, Some(b""), 0.0).unwrap_err();
        assert_eq!(report.kind, ErrorKind::NotFound);
        assert!(report.hint.contains("check baseUrl"), "{}", report.hint);
        assert!(!report.hint.contains("operationId"), "{}", report.hint);
    }

    #[test]
    fn a_login_answer_becomes_a_session() {
        let body = br#"{"accessToken":"a1","tokenType":"bearer","refreshToken":"r1","expiresIn":3600,"scope":"default"}"#;
        let session = interpret_login(200, Some(body), 1_000.0).unwrap();
        assert_eq!(
            session,
            Session {
                access_token: "a1".into(),
                refresh_token: Some("r1".into()),
                expires_at: 3_601_000.0
            }
        );
    }

    #[test]
    fn refused_credentials_are_unauthorized() {
        let body = br#"{"error_code":"100208","error_desc":"AppId or secret is not right."}"#;
        let report = interpret_login(400, Some(body), 0.0).unwrap_err();
        assert_eq!(report.kind, ErrorKind::Unauthorized);
        assert_eq!(
            interpret_login(401, Some(b""), 0.0).unwrap_err().kind,
            ErrorKind::Unauthorized
        );
        assert_eq!(
            interpret_login(400, Some(b""), 0.0).unwrap_err().kind,
            ErrorKind::Unauthorized
        );
        assert_eq!(
            interpret_login(503, None, 0.0).unwrap_err().kind,
            ErrorKind::Server
        );
    }

    #[test]
    fn a_broken_answer_lists_its_problems() {
        let report = interpret_login(200, Some(br#"{"accessToken":"","expiresIn":"soon"}"#), 0.0)
            .unwrap_err();
        assert_eq!(report.kind, ErrorKind::InvalidResponse);
        let paths: Vec<&str> = report.problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["accessToken", "expiresIn"]);
    }

    /// A login answer with these two tokens (the text of JSON strings, escapes allowed).
    fn answer(access: &str, refresh: &str) -> Result<Session, ErrorReport> {
        let body =
            format!(r#"{{"accessToken":"{access}","refreshToken":"{refresh}","expiresIn":60}}"#);
        interpret_login(200, Some(body.as_bytes()), 0.0)
    }

    #[test]
    fn a_token_no_header_can_carry_is_an_invalid_answer_that_never_shows_it() {
        for bad in [
            r"SECRET-1\r\nX-Evil: 1",
            r"SECRET-2\n",
            r"SECRET-3\u0000",
            r"SECRET-4\t",
            "SECRET-5\u{7f}",
            r"SECRET-6\u0085",
            "SECRET-7€",
            "SECRET-8😀",
        ] {
            {
                let report = answer(bad, "r1").unwrap_err();
                assert_eq!(report.kind, ErrorKind::InvalidResponse, "{bad}");
                assert_eq!(report.http_status, Some(200));
                let [problem] = report.problems.as_slice() else {
                    panic!("{bad}: {:?}", report.problems);
                };
                assert_eq!(problem.path, "accessToken", "{bad}");
                assert!(
                    problem
                        .message
                        .starts_with("cannot travel in an HTTP header: a token must "),
                    "{}",
                    problem.message
                );
                // The token is in no field of the report.
                let shown = format!("{report:?}");
                assert!(!shown.contains("SECRET"), "{shown}");
            }
        }
        // The refresh token travels in the refresh call's JSON body, never in a header.
        let session = answer("a1", r"r-€-\n").unwrap();
        assert_eq!(session.refresh_token.as_deref(), Some("r-€-\n"));
        // Latin-1 travels (as ISO-8859-1 bytes in the header).
        let session = answer("a-é-ÿ", "r-ü").unwrap();
        assert_eq!(session.access_token, "a-é-ÿ");
        assert_eq!(session.refresh_token.as_deref(), Some("r-ü"));
    }

    #[test]
    fn expires_in_is_a_count_sent_as_a_number_or_digits() {
        let expiry = |given: &str| {
            let body = format!(r#"{{"accessToken":"a1","expiresIn":{given}}}"#);
            interpret_login(200, Some(body.as_bytes()), 0.0)
                .ok()
                .map(|session| session.expires_at)
        };
        assert_eq!(expiry("3600"), Some(3_600_000.0));
        assert_eq!(expiry("3600.0"), Some(3_600_000.0));
        assert_eq!(expiry(r#""3600""#), Some(3_600_000.0));
        for refused in [
            "-1",
            "1.5",
            r#""+5""#,
            r#""""#,
            "9007199254740992",
            r#""9007199254740992""#,
        ] {
            assert_eq!(expiry(refused), None, "{refused}");
        }
    }
}

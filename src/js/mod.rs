//! The `wasm-bindgen` edge: the exported functions, kept thin. Every rule lives in
//! [`crate::core`]; this layer reads JS values, fetches and converts back.

mod convert;
mod fetch;

use wasm_bindgen::prelude::*;

use crate::core::{build_request, interpret, ErrorKind, ErrorReport};

/// Queries one upgrade task. Resolves to the normalised task as a plain object, or rejects
/// with a plain error record that the package's JS turns into an `UpgradeTaskError`.
#[wasm_bindgen(js_name = queryUpgradeTask)]
pub async fn query_upgrade_task(
    operation_id: JsValue,
    access_token: JsValue,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    let args = convert::read_arguments(&operation_id, &access_token, &options);
    let secrets = secrets_of(&args.raw);
    let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let outcome = run(args).await;
    match outcome {
        Ok(task) => convert::to_plain(&task).map_err(|_| {
            let report = ErrorReport::simple(
                ErrorKind::InvalidResponse,
                None,
                "the task could not be converted",
            );
            convert::error_value(&report.scrub(&secret_refs))
        }),
        Err(report) => Err(convert::error_value(&report.scrub(&secret_refs))),
    }
}

async fn run(args: convert::JsArguments) -> Result<crate::core::UpgradeTask, ErrorReport> {
    let request = build_request(&args.raw);
    let request = match (request, args.problems.is_empty()) {
        (Ok(request), true) => request,
        (Ok(_), false) => return Err(invalid_argument(args.problems)),
        (Err(mut problems), _) => {
            problems.extend(args.problems);
            return Err(invalid_argument(problems));
        }
    };
    if args
        .signal
        .as_ref()
        .is_some_and(web_sys::AbortSignal::aborted)
    {
        return Err(ErrorReport::simple(
            ErrorKind::Aborted,
            None,
            "the caller's signal was already aborted; nothing was sent",
        ));
    }
    let answer = fetch::fetch_answer(&request, args.signal).await?;
    interpret(answer.status, answer.body.as_deref())
}

fn invalid_argument(problems: Vec<crate::core::Problem>) -> ErrorReport {
    ErrorReport::new(ErrorKind::InvalidArgument, None, None, None, None, problems)
}

fn secrets_of(raw: &crate::core::RawArguments) -> Vec<String> {
    [&raw.access_token, &raw.app_key]
        .into_iter()
        .filter_map(|arg| match arg {
            crate::core::Argument::Text(text) if !text.is_empty() => Some(text.clone()),
            _ => None,
        })
        .collect()
}

//! The task list (`GET …/operations`) and a task's subtasks (`GET …/operations/{id}/subOperations`):
//! their filters and paging, checked before anything is sent, and their pages, read leniently
//! so that one bad item does not hide the page.
//!
//! A page is broken (`invalid_response`) only when it is not an object, when `data` is not an
//! array, or when it has no usable total (`totalCount`, or the official SDKs' `totalSize`).
//! Every item is validated on its own by the rules of one task ([`normalise_task_object`]) or
//! of one subtask ([`normalise_sub_task`]); the items that break them go to
//! [`Page::invalid`] with their index, id and problems (`data[3].targets.devices[2]`).

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::errors::{route_not_found, ErrorReport};
use super::problem::{finish, quote, Problem, Problems};
use super::redact::Redactor;
use super::request::{
    form_encode, get_request, operation_segment, Argument, RawArguments, WireRequest,
    OPERATIONS_PATH,
};
use super::response::{answer_body, invalid_response};
use super::subtask::{SubTaskStatus, UpgradeSubTask};
use super::task::{OperateType, TaskStatus, UpgradeTask};
use super::validate::{described, normalise_sub_task, normalise_task_object};
use super::wire::{
    Answer, Fields, Items, Json, Obj, Raw, Whole, WireSubTask, WireSubTaskPage, WireTask,
    WireTaskPage,
};

/// The task list's path after the base URL (no trailing slash: `…/operations/` is the
/// single-task route with an empty id).
pub const OPERATION_LIST_PATH: &str = "/iodm/northbound/v1.5.0/operations";
/// After `…/operations/{id}`: the task's subtasks.
pub const SUB_OPERATIONS_SUFFIX: &str = "/subOperations";
/// The largest `pageSize` the platform takes.
pub const MAX_PAGE_SIZE: u64 = 100;
/// The platform's `pageSize` when none is sent.
pub const DEFAULT_PAGE_SIZE: u64 = 10;
/// The largest `pageNo` the platform takes (0 is the first page, and the default).
pub const MAX_PAGE_NO: u64 = 2_147_483_647;
/// The longest free-text filter, in UTF-16 code units.
pub const FILTER_MAX_LENGTH: usize = 256;
/// A page holding more items than this is broken (a page holds at most [`MAX_PAGE_SIZE`];
/// the slack keeps a platform that pages differently readable, the limit keeps a hostile
/// body from making a list of a million problems).
pub const MAX_PAGE_ITEMS: usize = 1000;

/// `pageNo` and `pageSize` as read from JS (`None` when absent, `Err` with the type's name
/// when not a number).
#[derive(Debug, Clone, Default)]
pub struct RawPaging {
    /// `options.pageNo`.
    pub page_no: Option<Result<f64, String>>,
    /// `options.pageSize`.
    pub page_size: Option<Result<f64, String>>,
}

/// The task list's filters as read from JS.
#[derive(Debug, Clone, Default)]
pub struct RawTaskFilter {
    /// `options.operationType`.
    pub operation_type: Argument,
    /// `options.operationStatus`.
    pub operation_status: Argument,
    /// `options.deviceType`.
    pub device_type: Argument,
    /// `options.model`.
    pub model: Argument,
    /// `options.manufacturerName`.
    pub manufacturer_name: Argument,
    /// `options.deviceId`.
    pub device_id: Argument,
}

/// The arguments of `queryUpgradeTaskList` (or, with an operation id and `status`, of
/// `queryUpgradeSubTasks`), before any check.
#[derive(Debug, Clone, Default)]
pub struct RawListArguments {
    /// The token, `baseUrl`, `appKey`, deadlines and resilience options (and the operation id
    /// of a subtask query).
    pub common: RawArguments,
    /// The task list's filters.
    pub filter: RawTaskFilter,
    /// A subtask query's `options.status`.
    pub status: Argument,
    /// `options.pageNo` and `options.pageSize`.
    pub paging: RawPaging,
    /// Whether the other list's filter was given (`status` to the task list,
    /// `operationStatus` to a subtask query): refused with "did you mean …?", never dropped.
    pub other_filter_given: bool,
}

/// The page asked for, defaults filled in (what the platform echoes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// The page, from 0.
    pub page_no: u64,
    /// Items per page.
    pub page_size: u64,
}

/// The platform's defaults: the first page (0) of [`DEFAULT_PAGE_SIZE`] items.
impl Default for Paging {
    fn default() -> Self {
        Self {
            page_no: 0,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

/// A checked list call, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRequest {
    /// The request.
    pub request: WireRequest,
    /// The page it asks for.
    pub paging: Paging,
}

const OPERATE_TYPES: [OperateType; 2] =
    [OperateType::FirmwareUpgrade, OperateType::SoftwareUpgrade];
const TASK_STATUSES: [TaskStatus; 5] = [
    TaskStatus::Wait,
    TaskStatus::Processing,
    TaskStatus::Failed,
    TaskStatus::Success,
    TaskStatus::Stop,
];

/// Checks `queryUpgradeTaskList`'s arguments (filters and paging included) and builds its
/// request: only the filters given are sent, in the platform's spellings.
pub fn build_task_list_request(args: &RawListArguments) -> Result<ListRequest, Vec<Problem>> {
    let mut paging = None;
    let request = get_request(&args.common, false, &mut |problems, _| {
        let f = &args.filter;
        let mut query = Query::default();
        let names = OPERATE_TYPES.map(OperateType::as_str);
        query.choice(problems, "operationType", &f.operation_type, &names, None);
        let names = TASK_STATUSES.map(TaskStatus::as_str);
        query.choice(
            problems,
            "operationStatus",
            &f.operation_status,
            &names,
            None,
        );
        for (key, value) in [
            ("deviceType", &f.device_type),
            ("model", &f.model),
            ("manufacturerName", &f.manufacturer_name),
            ("deviceId", &f.device_id),
        ] {
            query.text(problems, key, value);
        }
        paging = query.paging(problems, &args.paging);
        if args.other_filter_given {
            problems.add(
                "options.status",
                "filters a task's subtasks, not the task list: did you mean operationStatus?",
            );
        }
        Some(format!("{OPERATION_LIST_PATH}{}", query.finish()))
    })?;
    Ok(ListRequest {
        request,
        paging: paging.unwrap_or_default(),
    })
}

/// Checks `queryUpgradeSubTasks`'s arguments and builds its request; `status: "failed"` is
/// sent as the platform's `subOperationStatus=fail`.
pub fn build_sub_task_request(args: &RawListArguments) -> Result<ListRequest, Vec<Problem>> {
    let mut paging = None;
    let request = get_request(&args.common, true, &mut |problems, id| {
        let segment = id.and_then(|id| operation_segment(problems, id));
        let mut query = Query::default();
        let names = SubTaskStatus::ALL.map(SubTaskStatus::as_str);
        let platform = SubTaskStatus::ALL.map(SubTaskStatus::platform_name);
        let hint = "the platform's \"fail\" is spelled \"failed\" here";
        query.choice(
            problems,
            "subOperationStatus",
            &args.status,
            &names,
            Some((&platform, hint)),
        );
        paging = query.paging(problems, &args.paging);
        if args.other_filter_given {
            problems.add(
                "options.operationStatus",
                "filters the task list, not a task's subtasks: did you mean status?",
            );
        }
        let query = query.finish();
        Some(format!(
            "{OPERATIONS_PATH}{}{SUB_OPERATIONS_SUFFIX}{query}",
            segment?
        ))
    })?;
    Ok(ListRequest {
        request,
        paging: paging.unwrap_or_default(),
    })
}

/// A query string being built, parameter by parameter, in the platform's order.
#[derive(Default)]
struct Query {
    text: String,
}

/// The option's path for a query parameter (`subOperationStatus` is `options.status`).
fn option_path(key: &str) -> String {
    match key {
        "subOperationStatus" => "options.status".to_owned(),
        key => format!("options.{key}"),
    }
}

impl Query {
    fn push(&mut self, key: &str, value: &str) {
        self.text.push(if self.text.is_empty() { '?' } else { '&' });
        self.text.push_str(key);
        self.text.push('=');
        self.text.push_str(&form_encode(value));
    }

    /// A given option's string, or its problem recorded; `None` when absent.
    fn given<'a>(problems: &mut Problems, path: &str, value: &'a Argument) -> Option<&'a str> {
        match value {
            Argument::Missing => None,
            Argument::Text(text) if text.is_empty() => {
                problems.add(
                    path,
                    "must be a non-empty string (leave it out to not filter)",
                );
                None
            }
            Argument::Text(text) => Some(text),
            Argument::Refused(why) => {
                problems.add(path, why.clone());
                None
            }
        }
    }

    /// An enum filter: one of `names` exactly, sent as the same-index entry of `sent`
    /// (`None`: as given); `sent` may carry a hint for a value spelled as the platform sends it.
    fn choice(
        &mut self,
        problems: &mut Problems,
        key: &str,
        value: &Argument,
        names: &[&'static str],
        sent: Option<(&[&'static str], &str)>,
    ) {
        let path = option_path(key);
        let Some(text) = Self::given(problems, &path, value) else {
            return;
        };
        match names.iter().position(|name| *name == text) {
            Some(at) => {
                let wire = sent
                    .and_then(|(sent, _)| sent.get(at))
                    .copied()
                    .unwrap_or(text);
                self.push(key, wire);
            }
            None => {
                // Joined by hand: `[&str]::join` carries an overflow panic with its message.
                let mut known = String::new();
                for (index, name) in names.iter().enumerate() {
                    if index > 0 {
                        known.push_str(", ");
                    }
                    known.push_str(name);
                }
                let hint = sent
                    .filter(|(sent, _)| sent.contains(&text))
                    .map(|(_, hint)| format!(" ({hint})"))
                    .unwrap_or_default();
                let shown = quote(text);
                problems.add(path, format!("{shown} is not one of {known}{hint}"));
            }
        }
    }

    /// A free-text filter of at most [`FILTER_MAX_LENGTH`] UTF-16 code units.
    fn text(&mut self, problems: &mut Problems, key: &str, value: &Argument) {
        let path = option_path(key);
        let Some(text) = Self::given(problems, &path, value) else {
            return;
        };
        let length = text.encode_utf16().count();
        if length > FILTER_MAX_LENGTH {
            let message =
                format!("is {length} characters long; at most {FILTER_MAX_LENGTH} are allowed");
            problems.add(path, message);
        } else {
            self.push(key, text);
        }
    }

    /// `pageNo` (a whole number from 0) and `pageSize` (1–100), sent when given.
    fn paging(&mut self, problems: &mut Problems, raw: &RawPaging) -> Option<Paging> {
        let page_no = self.whole(problems, "pageNo", &raw.page_no, 0, MAX_PAGE_NO);
        let page_size = self.whole(problems, "pageSize", &raw.page_size, 1, MAX_PAGE_SIZE);
        Some(Paging {
            page_no: page_no?.unwrap_or(0),
            page_size: page_size?.unwrap_or(DEFAULT_PAGE_SIZE),
        })
    }

    /// `Some(None)` when absent, `Some(Some(n))` when given and valid, `None` after a problem.
    fn whole(
        &mut self,
        problems: &mut Problems,
        key: &str,
        raw: &Option<Result<f64, String>>,
        min: u64,
        max: u64,
    ) -> Option<Option<u64>> {
        let path = option_path(key);
        let n = match raw {
            None => return Some(None),
            Some(Err(type_name)) => {
                problems.add(
                    path,
                    format!("must be a whole number from {min} to {max}, got {type_name}"),
                );
                return None;
            }
            Some(Ok(n)) => *n,
        };
        // Exact for whole numbers within the range checked first (all below 2^53).
        if n.is_finite() && n.fract() == 0.0 && n >= min as f64 && n <= max as f64 {
            let n = n as u64;
            self.push(key, &n.to_string());
            Some(Some(n))
        } else {
            problems.add(path, format!("must be a whole number from {min} to {max}"));
            None
        }
    }

    fn finish(self) -> String {
        self.text
    }
}

/// One item of a page that broke the rules of its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvalidItem {
    /// Its index in the page's `data`.
    pub index: usize,
    /// Its `operationId` (a task) or `subOperationId` (a subtask), when it has a usable one.
    pub id: Option<String>,
    /// Every problem, with paths from the page (`data[3].status`).
    pub problems: Vec<Problem>,
}

/// One page of a list: the valid items, the invalid ones, and the paging the platform echoed
/// (the page asked for when it echoed none).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The valid items, in the platform's order.
    pub items: Vec<T>,
    /// The items that broke the rules, in the platform's order.
    pub invalid: Vec<InvalidItem>,
    /// The page, from 0.
    pub page_no: u64,
    /// Items per page.
    pub page_size: u64,
    /// Items in the whole list (`totalCount`, or `totalSize`).
    pub total_count: u64,
}

impl<T> Page<T> {
    /// The invalid items as users read them: messages finished and, like an error's, redacted
    /// of the call's secrets (ids too: both are the platform's text).
    pub fn scrub(mut self, secrets: &[&str]) -> Self {
        let redactor = Redactor::new(secrets);
        for item in &mut self.invalid {
            if let Some(id) = &mut item.id {
                *id = redactor.redact(id);
            }
            for problem in &mut item.problems {
                problem.message = finish(&problem.message, &redactor);
            }
        }
        self
    }
}

/// A page of the task list.
pub type UpgradeTaskPage = Page<UpgradeTask>;
/// A page of a task's subtasks.
pub type SubTaskPage = Page<UpgradeSubTask>;

/// What a list's items are called in the page users get.
pub trait PageItem {
    /// `tasks` or `subTasks`.
    const KEY: &'static str;
}

impl PageItem for UpgradeTask {
    const KEY: &'static str = "tasks";
}

impl PageItem for UpgradeSubTask {
    const KEY: &'static str = "subTasks";
}

/// `{ tasks | subTasks, invalid, pageNo, pageSize, totalCount }`.
impl<T: Serialize + PageItem> Serialize for Page<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(5))?;
        map.serialize_entry(T::KEY, &self.items)?;
        map.serialize_entry("invalid", &self.invalid)?;
        map.serialize_entry("pageNo", &self.page_no)?;
        map.serialize_entry("pageSize", &self.page_size)?;
        map.serialize_entry("totalCount", &self.total_count)?;
        map.end()
    }
}

/// The parts of a page wire type the reader needs.
pub struct WirePageParts<'w, 'a, T> {
    /// `data`.
    pub data: Option<&'w Items<'a, T>>,
    /// `pageNo`.
    pub page_no: Option<&'w Raw<'a, 1>>,
    /// `pageSize`.
    pub page_size: Option<&'w Raw<'a, 1>>,
    /// `totalCount`, then `totalSize`.
    pub totals: [(&'static str, Option<&'w Raw<'a, 1>>); 2],
}

/// A page as sent, and how its items become models.
pub trait WirePage<'a>: Fields<'a> + Default + Answer<'a> {
    /// The wire type of one item.
    type Item;
    /// The normalised item.
    type Model;
    /// The page's parts.
    fn parts(&self) -> WirePageParts<'_, 'a, Self::Item>;
    /// One item that is an object, normalised, or its problems (paths from the item).
    fn normalise(item: &Self::Item) -> Result<Self::Model, Vec<Problem>>;
    /// The item's id, for [`InvalidItem::id`].
    fn id_of<'w>(item: &'w Self::Item) -> Option<&'w Json<'a>>;
    /// What one item is, for messages ("a task").
    const WHAT: &'static str;
}

macro_rules! page_parts {
    () => {
        fn parts(&self) -> WirePageParts<'_, 'a, Self::Item> {
            WirePageParts {
                data: self.data.as_ref(),
                page_no: self.page_no.as_ref(),
                page_size: self.page_size.as_ref(),
                totals: [
                    ("totalCount", self.total_count.as_ref()),
                    ("totalSize", self.total_size.as_ref()),
                ],
            }
        }
    };
}

impl<'a> WirePage<'a> for WireTaskPage<'a> {
    type Item = WireTask<'a>;
    type Model = UpgradeTask;
    const WHAT: &'static str = "a task";
    page_parts!();
    fn normalise(item: &WireTask<'a>) -> Result<UpgradeTask, Vec<Problem>> {
        normalise_task_object(item)
    }
    fn id_of<'w>(item: &'w WireTask<'a>) -> Option<&'w Json<'a>> {
        item.operation_id.as_ref()
    }
}

impl<'a> WirePage<'a> for WireSubTaskPage<'a> {
    type Item = WireSubTask<'a>;
    type Model = UpgradeSubTask;
    const WHAT: &'static str = "a subtask";
    page_parts!();
    fn normalise(item: &WireSubTask<'a>) -> Result<UpgradeSubTask, Vec<Problem>> {
        normalise_sub_task(item)
    }
    fn id_of<'w>(item: &'w WireSubTask<'a>) -> Option<&'w Json<'a>> {
        item.sub_operation_id.as_ref()
    }
}

/// Interprets a complete answer of the task list (`asked`: the page the request asked for).
pub fn interpret_task_page(
    status: u16,
    body: Option<&[u8]>,
    asked: Paging,
) -> Result<UpgradeTaskPage, ErrorReport> {
    interpret_page::<WireTaskPage<'_>>(status, body, asked).map_err(route_not_found)
}

/// Interprets a complete answer of a task's subtasks.
pub fn interpret_sub_task_page(
    status: u16,
    body: Option<&[u8]>,
    asked: Paging,
) -> Result<SubTaskPage, ErrorReport> {
    interpret_page::<WireSubTaskPage<'_>>(status, body, asked)
}

fn interpret_page<'a, P: WirePage<'a>>(
    status: u16,
    body: Option<&'a [u8]>,
    asked: Paging,
) -> Result<Page<P::Model>, ErrorReport> {
    let page = match answer_body::<P>(status, body)? {
        Obj::Object(page) => page,
        Obj::Other(other) => return Err(not_a_page(status, &other)),
    };
    let parts = page.parts();
    let data = parts.data.map(|data| match data {
        Items::List(items) => Ok(items.len()),
        Items::Other(other) => Err(other),
    });
    let frame = page_frame(
        status,
        data,
        parts.page_no,
        parts.page_size,
        &parts.totals,
        asked,
    )?;
    let items: &[Obj<'a, P::Item>] = match parts.data {
        Some(Items::List(items)) if frame.items => items,
        _ => &[],
    };
    let mut page = Page {
        items: Vec::with_capacity(items.len()),
        invalid: Vec::new(),
        page_no: frame.paging.page_no,
        page_size: frame.paging.page_size,
        total_count: frame.total_count,
    };
    for (index, item) in items.iter().enumerate() {
        let outcome = match item {
            Obj::Object(item) => P::normalise(item).map_err(|problems| (P::id_of(item), problems)),
            Obj::Other(other) => Err((None, vec![not_an_item(P::WHAT, other)])),
        };
        match outcome {
            Ok(model) => page.items.push(model),
            Err((id, problems)) => page.invalid.push(invalid_item(index, id, problems)),
        }
    }
    Ok(page)
}

/// What a page says besides its items (see [`page_frame`]).
struct Frame {
    /// Whether its items are to be read (a list within the limit).
    items: bool,
    /// The page it echoed (the page asked for where it echoed none).
    paging: Paging,
    /// Its total.
    total_count: u64,
}

/// The report for a body that is not an object.
#[cold]
fn not_a_page(status: u16, other: &Json<'_>) -> ErrorReport {
    let message = described("the body is ", other, ", not a JSON object (a page)");
    invalid_response(status, vec![Problem::body(message)])
}

/// Checks a page's frame — `data` (the list's length, or what stands in its place), the total
/// and the echoed paging — the same way for both lists (one copy of this code).
fn page_frame(
    status: u16,
    data: Option<Result<usize, &Json<'_>>>,
    page_no: Option<&Raw<'_, 1>>,
    page_size: Option<&Raw<'_, 1>>,
    totals: &[(&'static str, Option<&Raw<'_, 1>>)],
    asked: Paging,
) -> Result<Frame, ErrorReport> {
    let mut problems = Problems::default();
    let total = total_of(&mut problems, totals);
    let items = match data {
        Some(Ok(len)) if len > MAX_PAGE_ITEMS => {
            let message = format!(
                "holds {len} items; a page holds at most {MAX_PAGE_SIZE} (more than {MAX_PAGE_ITEMS} are refused)"
            );
            problems.add("data", message);
            false
        }
        Some(Ok(_)) => true,
        // A platform may leave an empty list out: fine when the total says there is nothing.
        None | Some(Err(Json::Null)) if total == Some(0) => false,
        None => {
            problems.add(
                "data",
                "is missing: a page must carry its items in an array",
            );
            false
        }
        Some(Err(other)) => {
            problems.add("data", described("must be an array, got ", other, ""));
            false
        }
    };
    let (Some(total_count), true) = (total, problems.is_empty()) else {
        return Err(invalid_response(status, problems.into_vec()));
    };
    let echoed = |raw: Option<&Raw<'_, 1>>, asked: u64| match raw.map(Raw::as_whole) {
        Some(Whole::Exact(n)) => n,
        _ => asked,
    };
    Ok(Frame {
        items,
        paging: Paging {
            page_no: echoed(page_no, asked.page_no),
            page_size: echoed(page_size, asked.page_size),
        },
        total_count,
    })
}

/// The problem of an item that is not an object (`what`: "a task").
#[cold]
fn not_an_item(what: &str, other: &Json<'_>) -> Problem {
    let message = described(&format!("must be an object ({what}), got "), other, "");
    Problem::new("", message)
}

/// An item that broke its rules: its usable id, and its problems with paths from the page.
#[cold]
fn invalid_item(index: usize, id: Option<&Json<'_>>, problems: Vec<Problem>) -> InvalidItem {
    let id = id
        .and_then(Json::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    InvalidItem {
        index,
        id,
        problems: problems.into_iter().map(|p| at_item(index, p)).collect(),
    }
}

/// The first usable total (`totalCount`, then `totalSize`), or `None` with the problems.
fn total_of(
    problems: &mut Problems,
    totals: &[(&'static str, Option<&Raw<'_, 1>>)],
) -> Option<u64> {
    let mut found = Vec::new();
    for (key, raw) in totals {
        let Some(raw) = raw.filter(|raw| !raw.is_null()) else {
            continue;
        };
        match raw.as_whole() {
            Whole::Exact(n) => return Some(n),
            Whole::TooLarge => found.push(Problem::new(
                *key,
                described("", &raw.value(), " is too large"),
            )),
            Whole::NotWhole => found.push(Problem::new(
                *key,
                described("must be a non-negative integer, got ", &raw.value(), ""),
            )),
        }
    }
    if found.is_empty() {
        problems.add(
            "totalCount",
            "is missing (and so is totalSize): a page must say how many items the list holds",
        );
    }
    for problem in found {
        problems.add(problem.path, problem.message);
    }
    None
}

/// A problem of item `index`, with its path from the page (`data[3]`, `data[3].status`).
#[cold]
fn at_item(index: usize, problem: Problem) -> Problem {
    let path = if problem.path.is_empty() {
        format!("data[{index}]")
    } else {
        format!("data[{index}].{}", problem.path)
    };
    Problem::new(path, problem.message)
}

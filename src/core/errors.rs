//! Error kinds, classification from HTTP status and platform code, hints, and secret scrubbing.

use serde::{Serialize, Serializer};

use super::problem::{finish, Problem};
use super::redact::Redactor;

/// What went wrong, as one word users can branch on (contract section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input to the call; nothing was sent.
    InvalidArgument,
    /// 400 with `120015` (or another 400).
    BadRequest,
    /// 400 with `123029`.
    PageLimit,
    /// 403 with `1010009`, or 429.
    Throttled,
    /// 401, or any other 403 (`1010005`).
    Unauthorized,
    /// 404 (`123009`).
    NotFound,
    /// 5xx.
    Server,
    /// Any other non-2xx.
    Http,
    /// No response: refused, reset, DNS, CORS.
    Network,
    /// The call's deadline passed.
    Timeout,
    /// The caller's signal fired.
    Aborted,
    /// A 2xx whose body breaks the contract.
    InvalidResponse,
}

impl ErrorKind {
    /// The kind's name as JS sees it (`"not_found"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidArgument => "invalid_argument",
            Self::BadRequest => "bad_request",
            Self::PageLimit => "page_limit",
            Self::Throttled => "throttled",
            Self::Unauthorized => "unauthorized",
            Self::NotFound => "not_found",
            Self::Server => "server",
            Self::Http => "http",
            Self::Network => "network",
            Self::Timeout => "timeout",
            Self::Aborted => "aborted",
            Self::InvalidResponse => "invalid_response",
        }
    }

    /// The kind named `name` (`"not_found"`), if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        // A match on the text, not a search through `as_str` of every kind: the compiler
        // dispatches on the length first (about 1.5 KB less wasm than the unrolled search).
        Some(match name {
            "invalid_argument" => Self::InvalidArgument,
            "bad_request" => Self::BadRequest,
            "page_limit" => Self::PageLimit,
            "throttled" => Self::Throttled,
            "unauthorized" => Self::Unauthorized,
            "not_found" => Self::NotFound,
            "server" => Self::Server,
            "http" => Self::Http,
            "network" => Self::Network,
            "timeout" => Self::Timeout,
            "aborted" => Self::Aborted,
            "invalid_response" => Self::InvalidResponse,
            _ => return None,
        })
    }

    /// Whether trying again later may succeed.
    pub fn retryable(self) -> bool {
        matches!(
            self,
            Self::Throttled | Self::Server | Self::Network | Self::Timeout
        )
    }

    /// What the user should do, in the product's own words.
    pub fn hint(self) -> &'static str {
        match self {
            Self::InvalidArgument => "Fix the arguments named in `problems`; nothing was sent to the platform.",
            Self::BadRequest => "The platform refused the request as malformed: check that the operationId is one the platform returned when the task was created.",
            Self::PageLimit => "The platform reports pageNo or pageSize beyond its limit: use smaller, valid paging values.",
            Self::Throttled => "The application exceeded the platform's flow-control threshold (100 calls per minute by default): slow down and retry later, or ask the platform's maintainers to raise the threshold.",
            Self::Unauthorized => "The access token or app key was refused, or getAccessToken gave none: check the app key and where the token comes from, and log in again for a fresh access token (each login invalidates the previous token).",
            Self::NotFound => "The task does not exist: check the operationId.",
            Self::Server => "The platform failed to answer: retry later.",
            Self::Http => "The platform answered with an unexpected HTTP status: check baseUrl and any proxy or gateway in between.",
            Self::Network => "No answer came: check baseUrl, the network, TLS, and (in browsers) that the platform or proxy allows this origin (CORS); retry later.",
            Self::Timeout => "The call took longer than it was allowed (timeoutMs, attemptTimeoutMs, or a wait's maxWaitMs): retry later, or allow more time.",
            Self::Aborted => "The call was cancelled by its AbortSignal.",
            Self::InvalidResponse => "The platform's answer broke the documented format (see `problems`): report it to the platform's maintainers or check what sits between you and the platform.",
        }
    }
}

/// The hint of a `not_found` answer on a route that names no task (the login, the refresh, the
/// task list): the route itself is missing there, so the base URL is what to check.
pub const ROUTE_NOT_FOUND_HINT: &str = "The platform has no such API at this baseUrl: check baseUrl, including its path prefix (the one given before /iocm or /iodm).";

/// `report` with [`ROUTE_NOT_FOUND_HINT`] when it is a `not_found`.
pub fn route_not_found(mut report: ErrorReport) -> ErrorReport {
    if report.kind == ErrorKind::NotFound {
        report.hint = ROUTE_NOT_FOUND_HINT;
    }
    report
}

/// Everything an `UpgradeTaskError` carries, built in the core and handed to JS as is
/// (serialised with camelCase keys, absent values `null`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorReport {
    /// The error's kind.
    pub kind: ErrorKind,
    /// The full, human-readable message.
    pub message: String,
    /// The HTTP status, when response headers arrived.
    pub http_status: Option<u16>,
    /// The platform's `error_code` (or `resultcode`), as a string.
    pub error_code: Option<String>,
    /// The platform's `error_desc` (or `resultmsg`).
    pub error_desc: Option<String>,
    /// What to do about it.
    pub hint: &'static str,
    /// Whether trying again later may succeed.
    pub retryable: bool,
    /// Every problem, for `invalid_argument` and `invalid_response`.
    pub problems: Vec<Problem>,
    /// How many requests were sent (0 when none).
    pub attempts: u32,
    /// The library's own sentence about what happened, when there is one (in `message`; not
    /// a field of its own for JS).
    #[serde(skip)]
    pub detail: Option<String>,
    /// Text from outside that goes with it (a runtime's error message): redacted, never the
    /// library's words (in `message`; not a field of its own for JS).
    #[serde(skip)]
    pub outside: Option<String>,
}

impl ErrorReport {
    /// Builds a report and its message from its parts.
    #[cold]
    pub fn new(
        kind: ErrorKind,
        http_status: Option<u16>,
        error_code: Option<String>,
        error_desc: Option<String>,
        detail: Option<&str>,
        problems: Vec<Problem>,
    ) -> Self {
        let mut report = Self {
            kind,
            message: String::new(),
            http_status,
            error_code,
            error_desc,
            hint: kind.hint(),
            retryable: kind.retryable(),
            problems,
            attempts: 0,
            detail: detail.map(str::to_owned),
            outside: None,
        };
        report.message = report.compose(&Redactor::default());
        report
    }

    /// The same report with text from outside after its detail ("fetch failed (ECONNRESET)").
    pub fn with_outside(mut self, text: &str) -> Self {
        self.outside = Some(text.to_owned());
        self.message = self.compose(&Redactor::default());
        self
    }

    /// The message: the kind, then the status, the platform's code and text, the detail and
    /// the first problem; outside text redacted by `redactor`, the library's words as they are.
    fn compose(&self, redactor: &Redactor<'_>) -> String {
        // Written into one String, part by part (no list of parts to join).
        let mut message = String::from(self.kind.as_str());
        let kind_len = message.len();
        if let Some(status) = self.http_status {
            push_part(&mut message, kind_len, &["HTTP ", &status.to_string()]);
        }
        match (&self.error_code, &self.error_desc) {
            (Some(code), Some(desc)) => {
                push_part(
                    &mut message,
                    kind_len,
                    &["platform error ", code, ": ", desc],
                );
            }
            (Some(code), None) => push_part(&mut message, kind_len, &["platform error ", code]),
            (None, Some(desc)) => push_part(&mut message, kind_len, &["platform said: ", desc]),
            (None, None) => {}
        }
        match (&self.detail, &self.outside) {
            (Some(detail), Some(outside)) => {
                push_part(
                    &mut message,
                    kind_len,
                    &[detail, ": ", &redactor.redact(outside)],
                );
            }
            (Some(detail), None) => push_part(&mut message, kind_len, &[detail]),
            (None, Some(outside)) => {
                push_part(&mut message, kind_len, &[&redactor.redact(outside)])
            }
            (None, None) => {}
        }
        if let Some(first) = self.problems.first() {
            // A problem of the whole body says so itself ("the body is truncated JSON …"); any
            // other one at the root is placed as "body".
            let place = match first.path.as_str() {
                _ if first.is_of_body() => None,
                "" => Some("body"),
                path => Some(path),
            };
            let more = match self.problems.len() {
                1 => String::new(),
                n => format!(
                    " (and {} more problem{})",
                    n - 1,
                    if n == 2 { "" } else { "s" }
                ),
            };
            let finished = finish(&first.message, redactor);
            match place {
                Some(place) => push_part(&mut message, kind_len, &[place, " ", &finished, &more]),
                None => push_part(&mut message, kind_len, &[&finished, &more]),
            }
        }
        message
    }

    /// A report with only a kind and a detail sentence (network, timeout, aborted, …).
    pub fn simple(kind: ErrorKind, http_status: Option<u16>, detail: &str) -> Self {
        Self::new(kind, http_status, None, None, Some(detail), Vec::new())
    }

    /// Redacts the secrets from the text that came from outside — the platform's code and
    /// text, the runtime's error message, values quoted in problems — and composes the message
    /// again from the redacted parts. The library's own words and the problem paths are left as
    /// they are (see [`Redactor`] for what counts as an occurrence).
    pub fn scrub(mut self, secrets: &[&str]) -> Self {
        let redactor = Redactor::new(secrets);
        for text in [
            &mut self.error_code,
            &mut self.error_desc,
            &mut self.outside,
        ]
        .into_iter()
        .flatten()
        {
            *text = redactor.redact(text);
        }
        self.message = self.compose(&redactor);
        for problem in &mut self.problems {
            problem.message = finish(&problem.message, &redactor);
        }
        self
    }
}

/// Appends one part of a message: `: ` before the first (right after the kind, which is
/// `kind_len` bytes long), `; ` before the others.
#[inline(never)]
fn push_part(message: &mut String, kind_len: usize, pieces: &[&str]) {
    message.push_str(if message.len() == kind_len {
        ": "
    } else {
        "; "
    });
    for piece in pieces {
        message.push_str(piece);
    }
}

/// A kind serialises as its name (`"not_found"`).
impl Serialize for ErrorKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The kind for a platform answer: the platform code first, the HTTP status second.
pub fn classify(status: u16, error_code: Option<&str>) -> ErrorKind {
    match error_code {
        Some("120015") => return ErrorKind::BadRequest,
        Some("123029") => return ErrorKind::PageLimit,
        Some("1010009") => return ErrorKind::Throttled,
        // 100208: the login's "AppId or secret is not right."
        Some("1010005" | "100208") => return ErrorKind::Unauthorized,
        Some("123009") => return ErrorKind::NotFound,
        _ => {}
    }
    match status {
        400 => ErrorKind::BadRequest,
        401 | 403 => ErrorKind::Unauthorized,
        404 => ErrorKind::NotFound,
        429 => ErrorKind::Throttled,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::Http,
    }
}

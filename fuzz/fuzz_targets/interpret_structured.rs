//! Structure-aware: task-shaped JSON built with `arbitrary` (every documented field, present,
//! `null`, absent or of the wrong type; huge and raw numbers such as `1e309`; odd Unicode;
//! timestamps at the edges of every field; enum spellings in any case and separators; deep
//! nesting; duplicate keys; platform error codes), serialised as text and run through
//! `core::interpret` with the invariants of fuzz/src/lib.rs.
#![no_main]

use arbitrary::Arbitrary;
use iot_upgrade_task_fuzz::check_interpret;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Answer {
    status: Status,
    body: Body,
    layout: Layout,
}

#[derive(Arbitrary, Debug)]
enum Status {
    Ok,
    Other2xx(u8),
    Listed(u8),
    Raw(u16),
}

impl Status {
    fn code(&self) -> u16 {
        const LISTED: [u16; 14] = [
            200, 204, 299, 300, 304, 400, 401, 403, 404, 418, 429, 500, 502, 599,
        ];
        match self {
            Self::Ok => 200,
            Self::Other2xx(n) => 200 + u16::from(*n) % 100,
            Self::Listed(i) => LISTED[usize::from(*i) % LISTED.len()],
            Self::Raw(n) => *n,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Layout {
    Compact,
    Padded(u8),
}

#[derive(Arbitrary, Debug)]
enum Body {
    Task(Box<Task>),
    /// A task nested inside n arrays (beyond serde_json's depth limit of 128 at times).
    Buried(u16, Box<Task>),
    /// A task cut short after n bytes.
    Truncated(u16, Box<Task>),
    /// Any JSON document built from a token stream.
    Tree(Vec<Node>),
}

#[derive(Arbitrary, Debug)]
struct Task {
    operation_id: Field<Text>,
    create_time: Field<Time>,
    start_time: Field<Time>,
    stop_time: Field<Time>,
    operate_type: Field<Spelling>,
    status: Field<Spelling>,
    targets: Field<Targets>,
    policy: Field<Policy>,
    sta_result: Field<Sta>,
    extend_para: Field<Extend>,
    error: Option<PlatformError>,
    extras: Vec<(Key, Vec<Node>)>,
    /// A key written twice (JSON allows it; the last one wins).
    duplicate: Option<(Key, Vec<Node>)>,
}

#[derive(Arbitrary, Debug)]
enum Field<T> {
    Given(T),
    Absent,
    Null,
    Wrong(Vec<Node>),
}

/// The first variant of every enum is the one a zeroed (exhausted) input decodes to, so an
/// almost empty input is a valid task and the fuzzer explores outward from there.
#[derive(Arbitrary, Debug)]
enum Text {
    /// `id-<n>`: short, non-empty, valid.
    Id(u16),
    Plain(String),
    Empty,
    Odd(u8),
    /// One odd character (or text) repeated up to 4095 times.
    Repeat(u8, u16),
    /// A raw `\uXXXX` escape (lone surrogates included), inside other text.
    Escape(u16, String),
}

const ODD: [&str; 16] = [
    "\u{0}",
    "\u{1}",
    "\u{7f}",
    "\u{85}",
    "\u{202E}",
    "\u{200B}",
    "\u{FEFF}",
    "\u{FFFD}",
    "\u{FFFF}",
    "\u{10FFFF}",
    "𝕏",
    "💥",
    "é",
    "e\u{301}",
    "<script>alert(1)</script>",
    "\"\\/\n\r\t",
];

#[derive(Arbitrary, Debug)]
enum Time {
    Parts {
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
        offset: i16,
        form: u8,
        fraction: Option<u32>,
    },
    Text(Text),
}

#[derive(Arbitrary, Debug)]
enum Spelling {
    /// One of the field's own values, in any case, with `_`/`-` anywhere.
    Known {
        which: u8,
        upper: u32,
        separators: u32,
        dash: bool,
    },
    /// A value of another enum (`custom` as a status).
    Foreign(u8),
    Text(Text),
}

const OPERATE_TYPES: &[&str] = &["firmware_upgrade", "software_upgrade"];
const STATUSES: &[&str] = &["wait", "processing", "failed", "success", "stop"];
const EXECUTE_TYPES: &[&str] = &["now", "device_online", "custom"];

const CANONICAL: [&str; 10] = [
    "firmware_upgrade",
    "software_upgrade",
    "wait",
    "processing",
    "failed",
    "success",
    "stop",
    "now",
    "device_online",
    "custom",
];

#[derive(Arbitrary, Debug)]
struct Targets {
    device_groups: Field<List>,
    device_type: Field<Text>,
    model: Field<Text>,
    manufacturer_name: Field<Text>,
    devices: Field<List>,
}

#[derive(Arbitrary, Debug)]
enum List {
    /// 1 to 599 copies of one short item (the limit is 256).
    Many(u16, Short),
    Items(Vec<Item>),
}

#[derive(Arbitrary, Debug)]
enum Short {
    Id(u16),
    Empty,
    Odd(u8),
}

#[derive(Arbitrary, Debug)]
enum Item {
    Text(Text),
    Other(Vec<Node>),
}

#[derive(Arbitrary, Debug)]
struct Policy {
    execute_type: Field<Spelling>,
    start_time: Field<Time>,
    end_time: Field<Time>,
    retry_type: Field<Flag>,
    retry_times: Field<RetryTimes>,
}

#[derive(Arbitrary, Debug)]
enum RetryTimes {
    /// 1–5.
    InRange(u8),
    Any(Count),
}

#[derive(Arbitrary, Debug)]
enum Flag {
    Bool(bool),
    Text(u8),
}

#[derive(Arbitrary, Debug)]
enum Count {
    Small(u8),
    Big(u64),
    Negative(i64),
    Decimal(u64),
    Float(f64),
    Raw(u8),
}

/// Numbers as raw JSON text: beyond f64, beyond u64, at 2^53, negative zero, exponents.
const RAW_NUMBERS: [&str; 24] = [
    "1e309",
    "-1e309",
    "1E400",
    "1e-400",
    "9007199254740991",
    "9007199254740992",
    "9007199254740993",
    "9007199254740991.0",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "-0",
    "-0.0",
    "0.0",
    "1.0",
    "1e2",
    "1E+0",
    "3.00000000000000000001",
    "4.9e-324",
    "2.2250738585072014e-308",
    "1.7976931348623157e308",
    "0e0",
    "5.0000000000000000001",
];

#[derive(Arbitrary, Debug)]
struct Sta {
    total: Field<Count>,
    wait: Field<Count>,
    processing: Field<Count>,
    success: Field<Count>,
    fail: Field<Count>,
    stop: Field<Count>,
    timeout: Field<Count>,
}

#[derive(Arbitrary, Debug)]
struct Extend {
    file_version: Field<Text>,
    extras: Vec<(Key, Vec<Node>)>,
}

#[derive(Arbitrary, Debug)]
struct PlatformError {
    gateway: bool,
    code: Code,
    desc: Option<Text>,
}

#[derive(Arbitrary, Debug)]
enum Code {
    Known(u8),
    Number(u64),
    Text(Text),
    Other(Vec<Node>),
}

const CODES: [&str; 8] = [
    "120015", "123029", "1010009", "1010005", "123009", "100208", "", "0",
];

#[derive(Arbitrary, Debug)]
enum Key {
    Known(u8),
    Text(Text),
}

const KEYS: [&str; 36] = [
    "operationId",
    "createTime",
    "startTime",
    "stopTime",
    "operateType",
    "status",
    "targets",
    "deviceGroups",
    "deviceType",
    "model",
    "manufacturerName",
    "devices",
    "policy",
    "executeType",
    "endTime",
    "retryType",
    "retryTimes",
    "staResult",
    "total",
    "wait",
    "processing",
    "success",
    "fail",
    "stop",
    "timeout",
    "extendPara",
    "fileVersion",
    "error_code",
    "error_desc",
    "resultcode",
    "resultmsg",
    "__proto__",
    "constructor",
    "toString",
    "",
    "operationid",
];

/// One token of a JSON document; the writer always produces well-formed JSON from any stream.
#[derive(Arbitrary, Debug)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Raw(u8),
    Text(Text),
    Time(Time),
    Spelling(Spelling),
    OpenArray,
    OpenObject,
    Key(Key),
    Close,
    /// n arrays opened at once.
    Nest(u8),
}

// ---------------------------------------------------------------------------------------------

struct Writer {
    out: String,
}

impl Writer {
    fn raw(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn string(&mut self, text: &str) {
        self.out
            .push_str(&serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into()));
    }

    fn text(&mut self, text: &Text) {
        match text {
            Text::Id(n) => self.string(&format!("id-{n}")),
            Text::Plain(s) => self.string(s),
            Text::Empty => self.raw("\"\""),
            Text::Odd(i) => self.string(ODD[usize::from(*i) % ODD.len()]),
            Text::Repeat(i, n) => {
                self.string(&ODD[usize::from(*i) % ODD.len()].repeat(usize::from(*n) % 4096))
            }
            Text::Escape(unit, rest) => {
                let quoted = serde_json::to_string(rest).unwrap_or_else(|_| "\"\"".into());
                let inner = quoted.get(1..quoted.len() - 1).unwrap_or("");
                self.out.push_str(&format!("\"\\u{unit:04x}{inner}\""));
            }
        }
    }

    fn time(&mut self, time: &Time) {
        match time {
            Time::Parts {
                year,
                month,
                day,
                hour,
                minute,
                second,
                offset,
                form,
                fraction,
            } => {
                // Zero is valid (0000-01-01T00:00:00Z); the top of each range is one past it.
                let (y, mo, d) = (year % 10_000, 1 + month % 13, 1 + day % 32);
                let (h, mi, s) = (hour % 25, minute % 61, second % 61);
                let off = i32::from(*offset) % 1_500;
                let (sign, oh, om) = (
                    if off < 0 { '-' } else { '+' },
                    off.abs() / 60,
                    off.abs() % 60,
                );
                let frac = fraction.map(|f| format!(".{f}")).unwrap_or_default();
                let text = match form % 10 {
                    0 => format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z"),
                    1 => format!("{y:04}{mo:02}{d:02}t{h:02}{mi:02}{s:02}z"),
                    2 => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}Z"),
                    3 => format!("{y:04}-{mo:02}-{d:02}t{h:02}:{mi:02}:{s:02}{frac}z"),
                    4 => format!(
                        "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}{frac}{sign}{oh:02}:{om:02}"
                    ),
                    5 => format!(
                        "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{sign}{oh:02}{om:02}"
                    ),
                    6 => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}-00:00"),
                    7 => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}"),
                    8 => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{sign}{oh}"),
                    _ => format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}{sign}{oh:02}:{om:02}"),
                };
                self.string(&text);
            }
            Time::Text(text) => self.text(text),
        }
    }

    fn operate_type(&mut self, spelling: &Spelling) {
        self.spelling_of(OPERATE_TYPES, spelling);
    }

    fn status(&mut self, spelling: &Spelling) {
        self.spelling_of(STATUSES, spelling);
    }

    fn execute_type(&mut self, spelling: &Spelling) {
        self.spelling_of(EXECUTE_TYPES, spelling);
    }

    fn spelling_of(&mut self, words: &[&str], spelling: &Spelling) {
        match spelling {
            Spelling::Foreign(i) => self.string(CANONICAL[usize::from(*i) % CANONICAL.len()]),
            Spelling::Known {
                which,
                upper,
                separators,
                dash,
            } => {
                let word = words[usize::from(*which) % words.len()];
                let mut out = String::new();
                for (i, c) in word.chars().filter(|c| *c != '_').enumerate() {
                    let bit = 1u32 << (i % 32);
                    if separators & bit != 0 {
                        out.push(if *dash { '-' } else { '_' });
                    }
                    out.push(if upper & bit != 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    });
                }
                self.string(&out);
            }
            Spelling::Text(text) => self.text(text),
        }
    }

    fn key(&mut self, key: &Key) {
        match key {
            Key::Known(i) => self.string(KEYS[usize::from(*i) % KEYS.len()]),
            Key::Text(text) => self.text(text),
        }
        self.raw(":");
    }

    fn count(&mut self, count: &Count) {
        match count {
            Count::Small(n) => self.raw(&n.to_string()),
            Count::Big(n) => self.raw(&n.to_string()),
            Count::Negative(n) => self.raw(&n.to_string()),
            Count::Decimal(n) => self.string(&n.to_string()),
            Count::Float(f) => {
                self.raw(&serde_json::to_string(f).unwrap_or_else(|_| "null".into()))
            }
            Count::Raw(i) => self.raw(RAW_NUMBERS[usize::from(*i) % RAW_NUMBERS.len()]),
        }
    }

    /// Writes one JSON value from a token stream: always well formed, at most 300 deep.
    fn tree(&mut self, nodes: &[Node]) {
        #[derive(PartialEq)]
        enum Open {
            Array,
            Object,
        }
        let mut stack: Vec<(Open, bool)> = Vec::new(); // (kind, has a member)
        let mut wrote_root = false;
        for node in nodes {
            if stack.is_empty() && wrote_root {
                break;
            }
            if let Node::Close = node {
                if let Some((kind, _)) = stack.pop() {
                    self.raw(if kind == Open::Array { "]" } else { "}" });
                }
                continue;
            }
            if let Node::Key(_) = node {
                // Keys are written with their values below.
                if !matches!(stack.last(), Some((Open::Object, _))) {
                    continue;
                }
            }
            // Before a value: a comma, and in an object a key.
            if let Some((kind, has_member)) = stack.last_mut() {
                if *has_member {
                    self.out.push(',');
                }
                *has_member = true;
                if *kind == Open::Object {
                    match node {
                        Node::Key(key) => {
                            self.key(key);
                            self.raw("null");
                            continue;
                        }
                        _ => self.raw("\"k\":"),
                    }
                }
            }
            wrote_root = true;
            match node {
                Node::Null | Node::Key(_) | Node::Close => self.raw("null"),
                Node::Bool(b) => self.raw(if *b { "true" } else { "false" }),
                Node::Int(n) => self.raw(&n.to_string()),
                Node::Uint(n) => self.raw(&n.to_string()),
                Node::Float(f) => {
                    self.raw(&serde_json::to_string(f).unwrap_or_else(|_| "null".into()))
                }
                Node::Raw(i) => self.raw(RAW_NUMBERS[usize::from(*i) % RAW_NUMBERS.len()]),
                Node::Text(text) => self.text(text),
                Node::Time(time) => self.time(time),
                Node::Spelling(spelling) => self.spelling_of(&CANONICAL, spelling),
                Node::OpenArray | Node::OpenObject | Node::Nest(_) if stack.len() >= 300 => {
                    self.raw("null")
                }
                Node::OpenArray => {
                    self.raw("[");
                    stack.push((Open::Array, false));
                }
                Node::OpenObject => {
                    self.raw("{");
                    stack.push((Open::Object, false));
                }
                Node::Nest(n) => {
                    let n = usize::from(*n).min(300 - stack.len()).max(1);
                    // Every level but the innermost holds the next one.
                    self.raw(&"[".repeat(n));
                    for level in 0..n {
                        stack.push((Open::Array, level + 1 < n));
                    }
                }
            }
        }
        if !wrote_root {
            self.raw("null");
        }
        while let Some((kind, _)) = stack.pop() {
            self.raw(if kind == Open::Array { "]" } else { "}" });
        }
    }

    fn field<T>(
        &mut self,
        first: &mut bool,
        name: &str,
        field: &Field<T>,
        write: impl FnOnce(&mut Self, &T),
    ) {
        if let Field::Absent = field {
            return;
        }
        if !*first {
            self.raw(",");
        }
        *first = false;
        self.string(name);
        self.raw(":");
        match field {
            Field::Given(value) => write(self, value),
            Field::Null => self.raw("null"),
            Field::Wrong(nodes) => self.tree(nodes),
            Field::Absent => {}
        }
    }

    fn member(&mut self, first: &mut bool, key: &Key, nodes: &[Node]) {
        if !*first {
            self.raw(",");
        }
        *first = false;
        self.key(key);
        self.tree(nodes);
    }

    fn list(&mut self, list: &List) {
        self.raw("[");
        match list {
            List::Items(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.raw(",");
                    }
                    match item {
                        Item::Text(text) => self.text(text),
                        Item::Other(nodes) => self.tree(nodes),
                    }
                }
            }
            List::Many(n, short) => {
                let text = match short {
                    Short::Id(n) => Text::Id(*n),
                    Short::Empty => Text::Empty,
                    Short::Odd(i) => Text::Odd(*i),
                };
                for i in 0..1 + usize::from(*n) % 599 {
                    if i > 0 {
                        self.raw(",");
                    }
                    self.text(&text);
                }
            }
        }
        self.raw("]");
    }

    fn task(&mut self, task: &Task) {
        let first = &mut true;
        self.raw("{");
        if let Some((key, nodes)) = &task.duplicate {
            self.member(first, key, nodes);
        }
        self.field(first, "operationId", &task.operation_id, Self::text);
        self.field(first, "createTime", &task.create_time, Self::time);
        self.field(first, "startTime", &task.start_time, Self::time);
        self.field(first, "stopTime", &task.stop_time, Self::time);
        self.field(first, "operateType", &task.operate_type, Self::operate_type);
        self.field(first, "status", &task.status, Self::status);
        self.field(first, "targets", &task.targets, |w, t| {
            let first = &mut true;
            w.raw("{");
            w.field(first, "deviceGroups", &t.device_groups, Self::list);
            w.field(first, "deviceType", &t.device_type, Self::text);
            w.field(first, "model", &t.model, Self::text);
            w.field(first, "manufacturerName", &t.manufacturer_name, Self::text);
            w.field(first, "devices", &t.devices, Self::list);
            w.raw("}");
        });
        self.field(first, "policy", &task.policy, |w, p| {
            let first = &mut true;
            w.raw("{");
            w.field(first, "executeType", &p.execute_type, Self::execute_type);
            w.field(first, "startTime", &p.start_time, Self::time);
            w.field(first, "endTime", &p.end_time, Self::time);
            w.field(first, "retryType", &p.retry_type, |w, flag| match flag {
                Flag::Bool(b) => w.raw(if *b { "true" } else { "false" }),
                Flag::Text(i) => {
                    const FLAGS: [&str; 8] =
                        ["true", "false", "TRUE", "False", "yes", "1", "", " true"];
                    w.string(FLAGS[usize::from(*i) % FLAGS.len()]);
                }
            });
            w.field(
                first,
                "retryTimes",
                &p.retry_times,
                |w, times| match times {
                    RetryTimes::InRange(n) => w.raw(&(1 + n % 5).to_string()),
                    RetryTimes::Any(count) => w.count(count),
                },
            );
            w.raw("}");
        });
        self.field(first, "staResult", &task.sta_result, |w, s| {
            let first = &mut true;
            w.raw("{");
            for (name, count) in [
                ("total", &s.total),
                ("wait", &s.wait),
                ("processing", &s.processing),
                ("success", &s.success),
                ("fail", &s.fail),
                ("stop", &s.stop),
                ("timeout", &s.timeout),
            ] {
                w.field(first, name, count, Self::count);
            }
            w.raw("}");
        });
        self.field(first, "extendPara", &task.extend_para, |w, e| {
            let first = &mut true;
            w.raw("{");
            w.field(first, "fileVersion", &e.file_version, Self::text);
            for (key, nodes) in &e.extras {
                w.member(first, key, nodes);
            }
            w.raw("}");
        });
        if let Some(error) = &task.error {
            if !*first {
                self.raw(",");
            }
            *first = false;
            self.string(if error.gateway {
                "resultcode"
            } else {
                "error_code"
            });
            self.raw(":");
            match &error.code {
                Code::Known(i) => self.string(CODES[usize::from(*i) % CODES.len()]),
                Code::Number(n) => self.raw(&n.to_string()),
                Code::Text(text) => self.text(text),
                Code::Other(nodes) => self.tree(nodes),
            }
            if let Some(desc) = &error.desc {
                self.raw(",");
                self.string(if error.gateway {
                    "resultmsg"
                } else {
                    "error_desc"
                });
                self.raw(":");
                self.text(desc);
            }
        }
        for (key, nodes) in &task.extras {
            self.member(first, key, nodes);
        }
        if let Some((key, nodes)) = &task.duplicate {
            self.member(first, key, nodes);
        }
        self.raw("}");
    }
}

fuzz_target!(|answer: Answer| {
    let mut w = Writer { out: String::new() };
    match &answer.body {
        Body::Task(task) => w.task(task),
        Body::Buried(n, task) => {
            let n = usize::from(*n) % 300;
            w.raw(&"[".repeat(n));
            w.task(task);
            w.raw(&"]".repeat(n));
        }
        Body::Truncated(n, task) => {
            w.task(task);
            let mut cut = usize::from(*n).min(w.out.len());
            while !w.out.is_char_boundary(cut) {
                cut -= 1;
            }
            w.out.truncate(cut);
        }
        Body::Tree(nodes) => w.tree(nodes),
    }
    let body = match answer.layout {
        Layout::Compact => w.out,
        Layout::Padded(n) => {
            let pad = [" ", "\n", "\r\n", "\t"][usize::from(n) % 4];
            format!("{pad}{}{pad}", w.out)
        }
    };
    let status = answer.status.code();
    let result = check_interpret(status, Some(body.as_bytes()));
    if show_bodies() {
        // FUZZ_SHOW_BODIES=1 cargo fuzz run interpret_structured <input>: the JSON text and
        // what the core made of it, to read a crash or a seed.
        eprintln!("HTTP {status} {body}\n→ {result:?}");
    }
});

fn show_bodies() -> bool {
    static SHOW: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SHOW.get_or_init(|| std::env::var_os("FUZZ_SHOW_BODIES").is_some())
}

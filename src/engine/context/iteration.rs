//! Loops whose iterations are independent, and fan-outs over collections of unbounded size.
//!
//! Three words of the vocabulary live here, implemented once on top of the per-language
//! [`LoopTable`]s below:
//!
//! - context `independent-loop`: an `await` that starts new work inside a loop whose
//!   iterations do not depend on each other, so the awaits could run concurrently;
//! - property `unbounded`: a collection (or a fan-out over one) whose size comes from outside;
//! - property `limited`: the work of a fan-out acquires a concurrency limiter.

use crate::engine::syntax::Syntax;
use foldhash::HashMap;

use tree_sitter::Node;

use super::{Ctx, unwrap_parens};
use crate::diagnostic::Label;
use crate::engine::semantics::{children, is_lock_name, mentions, named_children, text};
use crate::language::Language;

/// The node kinds and fields of loops, awaits and assignments in one language.
pub struct LoopTable {
    /// Loops over the items of a collection (`for x in xs`, `for (const x of xs)`).
    pub foreach: &'static [&'static str],
    /// Counted loops with an initializer, a condition and an update (`for (i = 0; ..; i++)`).
    pub counted: &'static [&'static str],
    /// Fields of a for-each loop that bind the item.
    pub pattern_fields: &'static [&'static str],
    /// Fields of a for-each loop that hold the collection.
    pub iterable_fields: &'static [&'static str],
    /// Keyword on a loop node that makes it consume an async stream (`async for`, `for await`).
    pub async_keyword: &'static str,
    /// Await expressions.
    pub await_kinds: &'static [&'static str],
    /// Assignments and declarations: (kind, field of the target, reads the target first?).
    /// An empty field means the first named child.
    pub assignments: &'static [(&'static str, &'static str, bool)],
    /// Statements that leave the loop early or hand results out one by one.
    pub exits: &'static [&'static str],
    /// Kinds that leave only the innermost loop (`break`, `continue`); labelled ones leave more.
    pub breaks: &'static [&'static str],
    /// try statements (retry and fallback).
    pub tries: &'static [&'static str],
    /// Literal collections.
    pub literals: &'static [&'static str],
    /// Member accesses and subscripts: (kind, field of the object); empty means first child.
    pub objects: &'static [(&'static str, &'static str)],
    /// Comprehension-like fan-outs: (kind, field of the work, clause kind, clause's iterable).
    pub comprehensions: &'static [(&'static str, &'static str, &'static str, &'static str)],
    /// Scoped resource statements (`with`, `using`): their resource expression is not the body.
    pub scoped: &'static [(&'static str, &'static str)],
    /// Methods that map a collection to work items (`map`, `Select`).
    pub map_methods: &'static [&'static str],
    /// Arguments of call-like nodes.
    pub arguments_field: &'static str,
    /// Member access (callee) kinds: (kind, object field, member field).
    pub members: &'static [(&'static str, &'static str, &'static str)],
}

static PYTHON: LoopTable = LoopTable {
    foreach: &["for_statement"],
    counted: &[],
    pattern_fields: &["left"],
    iterable_fields: &["right"],
    async_keyword: "async",
    await_kinds: &["await"],
    assignments: &[
        ("assignment", "left", false),
        ("augmented_assignment", "left", true),
        ("named_expression", "name", false),
    ],
    exits: &[
        "return_statement",
        "raise_statement",
        "yield",
        "break_statement",
    ],
    breaks: &["break_statement"],
    tries: &["try_statement"],
    literals: &[
        "list",
        "tuple",
        "set",
        "dictionary",
        "string",
        "concatenated_string",
    ],
    objects: &[("attribute", "object"), ("subscript", "value")],
    comprehensions: &[
        ("list_comprehension", "body", "for_in_clause", "right"),
        ("generator_expression", "body", "for_in_clause", "right"),
        ("set_comprehension", "body", "for_in_clause", "right"),
    ],
    scoped: &[("with_statement", "with_clause")],
    map_methods: &[],
    arguments_field: "arguments",
    members: &[("attribute", "object", "attribute")],
};

static JAVASCRIPT: LoopTable = LoopTable {
    foreach: &["for_in_statement"],
    counted: &["for_statement"],
    pattern_fields: &["left"],
    iterable_fields: &["right"],
    async_keyword: "await",
    await_kinds: &["await_expression"],
    assignments: &[
        ("assignment_expression", "left", false),
        ("augmented_assignment_expression", "left", true),
        ("update_expression", "argument", true),
        ("variable_declarator", "name", false),
    ],
    exits: &[
        "return_statement",
        "throw_statement",
        "yield_expression",
        "break_statement",
    ],
    breaks: &["break_statement", "continue_statement"],
    tries: &["try_statement"],
    literals: &["array", "object", "string", "template_string"],
    objects: &[
        ("member_expression", "object"),
        ("subscript_expression", "object"),
        ("non_null_expression", ""),
    ],
    comprehensions: &[],
    scoped: &[],
    map_methods: &["map", "flatMap"],
    arguments_field: "arguments",
    members: &[("member_expression", "object", "property")],
};

static CSHARP: LoopTable = LoopTable {
    foreach: &["foreach_statement"],
    counted: &["for_statement"],
    pattern_fields: &["left"],
    iterable_fields: &["right"],
    async_keyword: "await",
    await_kinds: &["await_expression"],
    assignments: &[
        ("assignment_expression", "left", false),
        ("postfix_unary_expression", "", true),
        ("prefix_unary_expression", "", true),
        ("variable_declarator", "name", false),
    ],
    exits: &[
        "return_statement",
        "throw_statement",
        "throw_expression",
        "yield_statement",
        "break_statement",
        "goto_statement",
    ],
    breaks: &["break_statement", "continue_statement"],
    tries: &["try_statement"],
    literals: &[
        "array_creation_expression",
        "implicit_array_creation_expression",
        "collection_expression",
        "initializer_expression",
        "string_literal",
    ],
    objects: &[
        ("member_access_expression", "expression"),
        ("element_access_expression", "expression"),
        ("conditional_access_expression", "condition"),
    ],
    comprehensions: &[],
    scoped: &[("using_statement", "")],
    map_methods: &["Select", "SelectMany"],
    arguments_field: "arguments",
    members: &[("member_access_expression", "expression", "name")],
};

static RUST: LoopTable = LoopTable {
    foreach: &["for_expression"],
    counted: &[],
    pattern_fields: &["pattern"],
    iterable_fields: &["value"],
    async_keyword: "",
    await_kinds: &["await_expression"],
    assignments: &[
        ("assignment_expression", "left", false),
        ("compound_assignment_expr", "left", true),
        ("let_declaration", "pattern", false),
    ],
    exits: &["return_expression", "break_expression", "yield_expression"],
    breaks: &["break_expression", "continue_expression"],
    tries: &[],
    literals: &["array_expression", "string_literal"],
    objects: &[
        ("field_expression", "value"),
        ("index_expression", ""),
        ("reference_expression", "value"),
        ("try_expression", ""),
    ],
    comprehensions: &[],
    scoped: &[],
    map_methods: &["map"],
    arguments_field: "arguments",
    members: &[("field_expression", "value", "field")],
};

/// The loop table of a language, if the loop words are implemented for it.
pub fn table(lang: Language) -> Option<&'static LoopTable> {
    match lang {
        Language::Python => Some(&PYTHON),
        Language::JavaScript | Language::TypeScript | Language::Tsx => Some(&JAVASCRIPT),
        Language::CSharp => Some(&CSHARP),
        Language::Rust => Some(&RUST),
        _ => None,
    }
}

/// Calls (last name segment, lower case, without `_`) that pace a loop on purpose: sleeps,
/// timers, rate limiters, yields to the event loop.
const PACING: &[&str] = &[
    "sleep",
    "asyncsleep",
    "delay",
    "settimeout",
    "setimmediate",
    "nexttick",
    "wait",
    "waitasync",
    "acquire",
    "throttle",
    "ratelimit",
    "backoff",
    "tick",
    "sleepuntil",
    "yieldnow",
];

/// Methods whose calls must stay in order: writes to one stream, socket or file, and
/// statements on one database connection or browser page.
const ORDERED: &[&str] = &[
    "write",
    "writelines",
    "writeall",
    "drain",
    "send",
    "sendall",
    "sendto",
    "sendmsg",
    "sendstr",
    "sendjson",
    "sendbytes",
    "sendtext",
    "sendmessage",
    "flush",
    "emit",
    "publish",
    "dispatch",
    "notify",
    "reply",
    "respond",
    "put",
    "execute",
    "executemany",
    "executescript",
    "query",
    "commit",
    "rollback",
    "begin",
    "fetchrow",
    "fetchval",
    "fetchone",
    "fetchall",
    "fetchmany",
    "savechanges",
    "goto",
    "click",
    "fill",
    "press",
    "type",
    "evaluate",
    "screenshot",
];

/// Receivers (last segment, lower case, without `_`) that are one connection, stream or page.
const RESOURCES: &[&str] = &[
    "conn",
    "connection",
    "cursor",
    "cur",
    "db",
    "tx",
    "txn",
    "trans",
    "transaction",
    "session",
    "writer",
    "stream",
    "socket",
    "sock",
    "ws",
    "websocket",
    "page",
    "browser",
    "reader",
    "fh",
    "filehandle",
    "usermanager",
    "rolemanager",
    "pipe",
    "file",
    "port",
    "context",
    "dbcontext",
    "channel",
    "store",
    "repository",
];

/// Arguments (last segment, normalised) that are one database connection, transaction or
/// page: calls handed the same one (`find(&id, &conn)`) run their statements one at a time.
const CONNECTIONS: &[&str] = &[
    "conn",
    "connection",
    "cursor",
    "cur",
    "db",
    "dbcontext",
    "tx",
    "txn",
    "trans",
    "transaction",
    "page",
];

/// Parts of compound names (normalised) that say a read also writes: `resolveAndAdd`,
/// `getOrCreate`, `fetchAndStore`.
const COMPOUND_WRITES: &[&str] = &[
    "andadd",
    "andsave",
    "andset",
    "andstore",
    "andupdate",
    "andinsert",
    "andwrite",
    "andput",
    "andcache",
    "andappend",
    "andpush",
    "orcreate",
    "orinsert",
    "orupdate",
    "oradd",
    "orset",
];

/// Prefixes of calls (normalised) that read or compute and change nothing: the work that can
/// safely overlap. Writes in a loop (`save`, `join`, `give`, `insert`) often rely on their
/// order, and calls of callbacks (`fn(ctx)`) run hooks in order; neither is reported.
const READS: &[&str] = &[
    "get",
    "fetch",
    "read",
    "find",
    "list",
    "lookup",
    "resolve",
    "request",
    "download",
    "retrieve",
    "stat",
    "metadata",
    "exist",
    "check",
    "is",
    "has",
    "ping",
    "probe",
    "scan",
    "search",
    "count",
    "compute",
    "calc",
    "hash",
    "parse",
    "render",
    "convert",
    "transform",
    "validate",
    "verify",
    "describe",
    "inspect",
    "resize",
    "compress",
    "encrypt",
    "decrypt",
    "translate",
    "analy",
    "query",
    "select",
    "head",
    "curl",
    "axios",
    "got",
    "http",
];

/// Requests an HTTP session makes concurrently.
const HTTP_VERBS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "request",
    "fetch",
    "wsconnect",
];

/// Awaits that already run work concurrently (a batch per iteration).
const COMBINATORS: &[&str] = &[
    "gather",
    "all",
    "allsettled",
    "any",
    "race",
    "whenall",
    "whenany",
    "joinall",
    "tryjoinall",
    "wait",
    "asyncompleted",
];

/// Work (normalised prefixes) that winds down objects that already exist.
const WIND_DOWN: &[&str] = &[
    "stop",
    "close",
    "aclose",
    "cancel",
    "shutdown",
    "disconnect",
    "terminate",
    "kill",
    "join",
    "finalize",
    "cleanup",
    "release",
    "unsubscribe",
    "destroy",
    "dispose",
];

/// Words in a callee that name a concurrency limiter.
const LIMITERS: &[&str] = &[
    "semaphore",
    "limit",
    "throttl",
    "mutex",
    "bulkhead",
    "queue",
    "pool",
];

/// Collections from calls whose names bound their size.
const BOUNDING: &[&str] = &[
    "slice", "take", "chunk", "chunks", "batch", "batched", "islice", "head", "first", "range",
];

/// Calls (normalised) that parse input from outside: a request body, a message.
const INPUT: &[&str] = &[
    "json",
    "parse",
    "loads",
    "form",
    "readfromjsonasync",
    "deserialize",
    "deserializeasync",
    "fromstr",
    "fromslice",
];

/// Calls that keep their collection's size: the collection is their receiver or argument.
const SIZE_KEEPING: &[&str] = &[
    "list",
    "tuple",
    "set",
    "frozenset",
    "sorted",
    "reversed",
    "enumerate",
    "zip",
    "filter",
    "keys",
    "values",
    "items",
    "entries",
    "from",
    "tolist",
    "toarray",
    "where",
    "select",
    "asenumerable",
    "iter",
    "intoiter",
    "collect",
    "map",
    "distinct",
    "concat",
];

/// Lower case, without `_`: `fetch_row` and `FetchRow` are `fetchrow`.
/// Is the normalised word one of `list`, or a longer name ending in one of its longer entries
/// (`dbconn`, `pgconnection`)?
fn one_of(word: &str, list: &[&str]) -> bool {
    list.contains(&word) || list.iter().any(|w| w.len() > 3 && word.ends_with(w))
}

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '_' && *c != '$')
        .flat_map(char::to_lowercase)
        .collect()
}

/// An access path read or written in a loop body, as spelled.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Event {
    Read,
    Write,
}

/// Do two spelled paths overlap (one is the other or a part of it)?
fn overlaps(a: &str, b: &str) -> bool {
    let prefix = |p: &str, q: &str| {
        q.len() > p.len() && q.starts_with(p) && matches!(q.as_bytes()[p.len()], b'.' | b':')
    };
    a == b || prefix(a, b) || prefix(b, a)
}

/// What a loop body reads and writes, in evaluation order.
#[derive(Default)]
struct Flow {
    /// Path → its first event in an iteration.
    first: HashMap<String, Event>,
    /// Paths written in the body.
    written: Vec<String>,
}

impl Flow {
    fn event(&mut self, path: String, e: Event) {
        if e == Event::Write && !self.written.contains(&path) {
            self.written.push(path.clone());
        }
        self.first.entry(path).or_insert(e);
    }

    /// Paths that an iteration reads before writing them: state carried between iterations.
    fn carried(&self) -> Vec<&str> {
        self.written
            .iter()
            .filter(|p| self.first.get(*p) == Some(&Event::Read))
            .map(String::as_str)
            .collect()
    }

    /// Paths written before they are read: values made fresh in each iteration.
    fn fresh(&self, p: &str) -> bool {
        self.first.get(p) == Some(&Event::Write)
    }
}

/// Method names that change their receiver.
const MUTATORS: &[&str] = &[
    "append",
    "add",
    "push",
    "extend",
    "update",
    "insert",
    "remove",
    "pop",
    "discard",
    "unshift",
    "shift",
    "splice",
    "set",
    "setdefault",
    "addrange",
    "enqueue",
    "pushstr",
    "pushback",
    "extendfromslice",
    "clear",
    "delete",
    "concat",
];

impl<'t> Ctx<'t> {
    fn loops(&self) -> Option<&'static LoopTable> {
        self.loops
    }

    fn field_any(&self, node: Node<'t>, fields: &[&str]) -> Option<Node<'t>> {
        fields.iter().find_map(|f| node.field(f))
    }

    /// The access path a node spells (`self.items`, `a.b`), or None.
    fn spelled(&self, node: Node) -> Option<String> {
        (self.sem.path)(node, self.src).map(|n| format!("{}{}", n.head, n.rest))
    }

    /// The object at the root of member and subscript accesses, as a path (`a.b[i].c` → `a.b`).
    fn written_path(&self, t: &LoopTable, node: Node<'t>) -> Option<String> {
        let mut cur = unwrap_parens(node);
        for _ in 0..32 {
            if let Some(p) = self.spelled(cur) {
                return Some(p);
            }
            let (_, field) = t.objects.iter().find(|(k, _)| *k == cur.kind_name())?;
            cur = if field.is_empty() {
                cur.named_child(0)?
            } else {
                cur.field(field)?
            };
        }
        None
    }

    /// Record the paths a subtree reads (and, for assignments and mutating calls, writes),
    /// in evaluation order. Nested functions are not entered.
    fn flow(&self, t: &LoopTable, node: Node<'t>, flow: &mut Flow) {
        // Explicit stack of (node, visit-as-write target?) in reverse evaluation order.
        enum Step<'t> {
            Visit(Node<'t>),
            Write(Node<'t>),
        }
        let mut stack = vec![Step::Visit(node)];
        while let Some(step) = stack.pop() {
            let n = match step {
                Step::Write(target) => {
                    self.write_target(t, target, flow);
                    continue;
                }
                Step::Visit(n) => n,
            };
            if n.id() != node.id() && self.is_function(n) {
                continue;
            }
            if let Some(&(_, field, reads_first)) =
                t.assignments.iter().find(|(k, _, _)| *k == n.kind_name())
            {
                let target = if field.is_empty() {
                    n.named_child(0)
                } else {
                    n.field(field)
                };
                let op = n
                    .field("operator")
                    .map(|o| text(o, self.src))
                    .unwrap_or("=");
                let unary = field.is_empty();
                let t_text = text(n, self.src);
                if unary
                    && !(t_text.starts_with("++")
                        || t_text.starts_with("--")
                        || t_text.ends_with("++")
                        || t_text.ends_with("--"))
                {
                    // `!x`, `-x`: no write.
                } else if let Some(target) = target {
                    let reads_first = reads_first || (op != "=" && !op.is_empty());
                    // Pushed in reverse: the value first, then the target written.
                    stack.push(Step::Write(target));
                    let mut rest: Vec<Node<'t>> = children(n)
                        .into_iter()
                        .filter(|c| c.id() != target.id())
                        .collect();
                    if reads_first {
                        rest.insert(0, target);
                    }
                    for c in rest.into_iter().rev() {
                        stack.push(Step::Visit(c));
                    }
                    continue;
                }
            }
            if self.sem.call_kinds.contains(&n.kind_name())
                && let Some(callee) = (self.sem.callee)(n)
                && let Some((object, method)) = self.member_parts(t, callee)
                && MUTATORS.contains(&norm(text(method, self.src)).as_str())
            {
                // Arguments first, then the receiver read and changed.
                stack.push(Step::Write(object));
                stack.push(Step::Visit(object));
                for c in children(n)
                    .into_iter()
                    .filter(|c| c.id() != callee.id())
                    .rev()
                {
                    stack.push(Step::Visit(c));
                }
                continue;
            }
            if let Some(p) = self.spelled(n) {
                flow.event(p, Event::Read);
                continue;
            }
            for c in children(n).into_iter().rev() {
                stack.push(Step::Visit(c));
            }
        }
    }

    /// Record the writes of an assignment target: a path, or every name of a pattern.
    fn write_target(&self, t: &LoopTable, target: Node<'t>, flow: &mut Flow) {
        if t.objects.iter().any(|(k, _)| *k == target.kind_name()) || self.spelled(target).is_some()
        {
            if let Some(p) = self.written_path(t, target) {
                flow.event(p, Event::Write);
            }
            return;
        }
        let mut stack = vec![target];
        while let Some(n) = stack.pop() {
            if n.kind_name() == "identifier" {
                flow.event(text(n, self.src).to_string(), Event::Write);
                continue;
            }
            stack.extend(named_children(n));
        }
    }

    /// `obj.method` → (obj, method) for a member-access callee.
    fn member_parts(&self, t: &LoopTable, callee: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
        let (_, object, member) = t
            .members
            .iter()
            .find(|(k, _, _)| *k == callee.kind_name())?;
        Some((callee.field(object)?, callee.field(member)?))
    }

    /// Paths a subtree reads, as spelled; nested functions included (closures capture them).
    fn reads(&self, node: Node<'t>) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            if let Some(p) = self.spelled(n) {
                out.push(p);
                continue;
            }
            stack.extend(children(n));
        }
        out
    }

    /// Nodes of a loop body that belong to it: nested functions are not entered.
    fn body_nodes(&self, body: Node<'t>, enter_loops: bool) -> Vec<Node<'t>> {
        let loops = self.loops().map(|t| [t.foreach, t.counted].concat());
        let mut out = Vec::new();
        let mut stack = vec![body];
        while let Some(n) = stack.pop() {
            if n.id() != body.id() && self.is_function(n) {
                continue;
            }
            out.push(n);
            if n.id() != body.id()
                && !enter_loops
                && (self.sem.loop_kinds.contains(&n.kind_name())
                    || loops.as_ref().is_some_and(|l| l.contains(&n.kind_name())))
            {
                continue;
            }
            stack.extend(children(n));
        }
        out.sort_by_key(|n| n.start_byte());
        out
    }

    /// The awaited expression, without `.ConfigureAwait(..)`, if it starts new work (a call).
    fn awaited_call(&self, t: &LoopTable, node: Node<'t>) -> Option<Node<'t>> {
        if !t.await_kinds.contains(&node.kind_name()) {
            return None;
        }
        let mut inner = unwrap_parens(node.named_child(0)?);
        for _ in 0..4 {
            if !self.sem.call_kinds.contains(&inner.kind_name())
                || inner.kind_name() == "macro_invocation"
            {
                return None;
            }
            let callee = (self.sem.callee)(inner)?;
            match self.member_parts(t, callee) {
                Some((object, method))
                    if matches!(text(method, self.src), "ConfigureAwait" | "WaitAsync") =>
                {
                    inner = unwrap_parens(object);
                }
                _ => return Some(inner),
            }
        }
        None
    }

    /// The last segment of a call's callee name, normalised.
    fn call_word(&self, t: &LoopTable, call: Node<'t>) -> String {
        let Some(callee) = (self.sem.callee)(call) else {
            return String::new();
        };
        let spelled = match self.member_parts(t, callee) {
            Some((_, method)) => text(method, self.src).to_string(),
            None => text(callee, self.src).to_string(),
        };
        let last = spelled.rsplit(['.', ':']).next().unwrap_or("");
        norm(last.split('<').next().unwrap_or(last))
    }

    /// Is this await of work on one ordered resource (a stream write, a statement on one
    /// connection, an action on one page), or with an exclusive borrow?
    fn ordered_call(&self, t: &LoopTable, call: Node<'t>) -> bool {
        let word = self.call_word(t, call);
        let Some(callee) = (self.sem.callee)(call) else {
            return false;
        };
        if let Some((object, _)) = self.member_parts(t, callee) {
            let object = unwrap_parens(object);
            let on_path = self.spelled(object).is_some();
            let strip = |w: &str| {
                let w = norm(w);
                w.strip_suffix("async").map(str::to_string).unwrap_or(w)
            };
            if on_path && ORDERED.contains(&strip(&word).as_str()) {
                return true;
            }
            // One connection, transaction, stream or page, whatever the method (an HTTP
            // session's requests excepted).
            let on_resource = text(object, self.src)
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map(norm)
                .any(|w| one_of(&w, RESOURCES));
            if on_resource && !HTTP_VERBS.contains(&word.as_str()) {
                return true;
            }
        }
        // One connection or transaction handed in as an argument: its statements queue.
        let args = self.chain_args(t, call);
        if args
            .iter()
            .any(|r| one_of(&norm(r.rsplit(['.', ':']).next().unwrap_or(r)), CONNECTIONS))
        {
            return true;
        }
        // Rust: an argument that is a `&mut` parameter (`pool: &mut DbPool`) is reborrowed
        // exclusively for the whole await.
        if let Some(f) = self.enclosing_function(call)
            && let Some(params) = f.field("parameters")
        {
            let exclusive: Vec<&str> = named_children(params)
                .into_iter()
                .filter(|p| {
                    p.field("type").is_some_and(|ty| {
                        ty.kind_name() == "reference_type"
                            && children(ty)
                                .iter()
                                .any(|k| k.kind_name() == "mutable_specifier")
                    })
                })
                .filter_map(|p| p.field("pattern"))
                .map(|p| text(p, self.src))
                .collect();
            if !exclusive.is_empty()
                && args.iter().any(|r| {
                    let head = r.split(['.', ':']).next().unwrap_or(r);
                    exclusive.contains(&head)
                })
            {
                return true;
            }
        }
        // Rust: `&mut` in the call is an exclusive borrow; the futures cannot overlap.
        let mut stack = vec![call];
        while let Some(n) = stack.pop() {
            if n.kind_name() == "mutable_specifier" {
                return true;
            }
            stack.extend(children(n));
        }
        false
    }

    /// Does a same-file function the call reaches (two levels deep) await ordered work or
    /// change object state?
    fn ordered_inside(&self, t: &LoopTable, call: Node<'t>) -> bool {
        let Some(callee) = (self.sem.callee)(call) else {
            return false;
        };
        let mut roots: Vec<(Node<'t>, usize)> = self
            .function_refs(callee)
            .into_iter()
            .map(|f| (f, 1))
            .collect();
        let mut seen = std::collections::HashSet::new();
        while let Some((f, depth)) = roots.pop() {
            if !seen.insert(f.id()) {
                continue;
            }
            // Rust: a method taking `&mut self` borrows the receiver for the whole await.
            let exclusive = f.field("parameters").is_some_and(|p| {
                named_children(p).iter().any(|c| {
                    c.kind_name() == "self_parameter"
                        && children(*c)
                            .iter()
                            .any(|k| k.kind_name() == "mutable_specifier")
                })
            });
            if exclusive {
                return true;
            }
            let body = (self.sem.function_body)(f).unwrap_or(f);
            for n in self.body_nodes(body, true) {
                if let Some(c) = self.awaited_call(t, n) {
                    if self.ordered_call(t, c) {
                        return true;
                    }
                    if depth < 2
                        && let Some(inner) = (self.sem.callee)(c)
                    {
                        roots.extend(
                            self.function_refs(inner)
                                .into_iter()
                                .map(|f| (f, depth + 1)),
                        );
                    }
                }
            }
            let mut flow = Flow::default();
            self.flow(t, body, &mut flow);
            if flow.written.iter().any(|w| {
                let head = w.split(['.', ':']).next().unwrap_or(w);
                self.sem.self_names.contains(&head) && w.len() > head.len()
            }) {
                return true;
            }
        }
        false
    }

    /// Paths read by the arguments of a call and of the builder chain it ends
    /// (`query(sql).bind(id).fetch_one(pool)`).
    fn chain_args(&self, t: &LoopTable, call: Node<'t>) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = call;
        for _ in 0..16 {
            if let Some(a) = cur.field(t.arguments_field) {
                out.extend(self.reads(a));
            }
            let Some((object, _)) = (self.sem.callee)(cur).and_then(|c| self.member_parts(t, c))
            else {
                break;
            };
            let object = unwrap_parens(object);
            if !self.sem.call_kinds.contains(&object.kind_name()) {
                break;
            }
            cur = object;
        }
        out
    }

    /// Does the call (or a builder chain it ends, `client.get(url).send()`) read or compute?
    fn reads_only(&self, t: &LoopTable, call: Node<'t>) -> bool {
        let mut cur = call;
        for _ in 0..8 {
            let word = self.call_word(t, cur);
            if READS.iter().any(|r| word.starts_with(r))
                && !COMPOUND_WRITES.iter().any(|w| word.contains(w))
            {
                return true;
            }
            let Some((object, _)) = (self.sem.callee)(cur).and_then(|c| self.member_parts(t, c))
            else {
                return false;
            };
            let object = unwrap_parens(object);
            if !self.sem.call_kinds.contains(&object.kind_name()) {
                return false;
            }
            cur = object;
        }
        false
    }

    /// Does the function around the loop work inside a transaction?
    fn in_transaction(&self, t: &LoopTable, loop_node: Node<'t>) -> bool {
        let scope = self.enclosing_function(loop_node).unwrap_or(self.root);
        self.body_nodes(scope, true).iter().any(|n| {
            self.sem.call_kinds.contains(&n.kind_name()) && {
                let w = self.call_word(t, *n);
                w.contains("transaction") || w == "begin" || w == "atomic"
            }
        })
    }

    /// The loop (within the function) whose iterations are independent and whose first
    /// awaited piece of work is `node`: labels for it, or None.
    pub(super) fn independent_loop(
        &self,
        node: Node<'t>,
        within: &[Node<'t>],
    ) -> Option<Vec<Label>> {
        let t = self.loops()?;
        self.awaited_call(t, node)?;
        // The innermost loop around the await, within its function.
        let l = *within.iter().find(|a| {
            self.sem.loop_kinds.contains(&a.kind_name())
                || t.foreach.contains(&a.kind_name())
                || t.counted.contains(&a.kind_name())
        })?;
        let foreach = t.foreach.contains(&l.kind_name());
        if !foreach && !t.counted.contains(&l.kind_name()) {
            return None; // while, do, loop: iterations usually wait on each other.
        }
        if !t.async_keyword.is_empty()
            && children(l)
                .iter()
                .any(|c| !c.is_named() && c.kind_name() == t.async_keyword)
        {
            return None; // `async for`, `for await`, `await foreach`: a stream.
        }
        let body = l.field("body")?;
        if !super::contains(body.byte_range(), node.byte_range()) {
            return None; // Awaited in the loop header: evaluated once.
        }
        // Between the loop and the await: no try (retry, fallback) and no lock, an async one
        // included (`async with lock:`, `await using (await mutex.LockAsync())`): the lock
        // runs the iterations one at a time anyway.
        for a in within.iter().take_while(|a| a.id() != l.id()) {
            let async_lock = (a.kind_name().contains("with") || a.kind_name().contains("using"))
                && is_lock_name(text(*a, self.src).lines().next().unwrap_or(""));
            if t.tries.contains(&a.kind_name())
                || (self.sem.lock_region)(*a, self.src)
                || async_lock
            {
                return None;
            }
        }
        // The loop itself is not under a lock.
        if within
            .iter()
            .skip_while(|a| a.id() != l.id())
            .any(|a| (self.sem.lock_region)(*a, self.src))
        {
            return None;
        }
        // A literal collection or a fixed count: a handful of deliberate steps.
        let iterable = if foreach {
            Some(unwrap_parens(self.field_any(l, t.iterable_fields)?))
        } else {
            None
        };
        // A type's members (`for locale in Locale`): an enum, a fixed set.
        let enum_like = |it: Node<'t>| {
            self.spelled(it).is_some_and(|p| {
                let last = p.rsplit(['.', ':']).next().unwrap_or(&p);
                last.chars().next().is_some_and(char::is_uppercase)
                    && last.chars().any(char::is_lowercase)
                    && !p.contains(['.', ':'])
                    && self.binding_for(it).is_none()
                    && !self
                        .enclosing_function(it)
                        .is_some_and(|f| self.is_parameter(f, &p))
            })
        };
        // Object state (`for h in self.handlers`): registered hooks and definitions.
        let object_state = |it: Node<'t>| {
            self.reads(it).iter().all(|p| {
                let head = p.split(['.', ':']).next().unwrap_or(p);
                self.sem.self_names.contains(&head)
            }) && !self.reads(it).is_empty()
        };
        if let Some(it) = iterable
            && (t.literals.contains(&it.kind_name())
                || self.literal_range(t, it)
                || enum_like(it)
                || object_state(it))
        {
            return None;
        }
        let own = self.body_nodes(body, false);
        let all = self.body_nodes(body, true);
        // Early exits and results handed out one by one: break, return, raise, yield.
        for n in &own {
            if t.exits.contains(&n.kind_name()) {
                return None;
            }
        }
        for n in &all {
            let labelled = t.breaks.contains(&n.kind_name()) && n.named_child_count() > 0;
            let exits = t.exits.contains(&n.kind_name()) && !t.breaks.contains(&n.kind_name());
            if labelled || exits {
                return None;
            }
        }
        // Paced loops: a sleep or rate limiter anywhere in the body (closures included); and
        // batch jobs that report progress per item (`progress.Report(done / total)`).
        let mut stack = vec![body];
        while let Some(n) = stack.pop() {
            if self.sem.call_kinds.contains(&n.kind_name())
                && (PACING.contains(&self.call_word(t, n).as_str())
                    || (self.sem.callee)(n).is_some_and(|c| {
                        text(c, self.src).to_ascii_lowercase().contains("progress")
                    }))
            {
                return None;
            }
            stack.extend(children(n));
        }
        // The first await reads or computes: work that can overlap.
        if !self.reads_only(t, self.awaited_call(t, node)?) {
            return None;
        }
        // The awaits of new work that belong to this loop.
        let works: Vec<Node<'t>> = own
            .iter()
            .filter_map(|n| self.awaited_call(t, *n).map(|_| *n))
            .collect();
        if works.first().map(|w| w.id()) != Some(node.id()) {
            return None; // Report each loop once, at its first await.
        }
        if all
            .iter()
            .filter_map(|n| self.awaited_call(t, *n))
            .any(|c| {
                self.ordered_call(t, c)
                    || COMBINATORS.contains(&self.call_word(t, c).as_str())
                    || self.ordered_inside(t, c)
            })
        {
            return None;
        }
        if self.in_transaction(t, l) {
            return None;
        }
        // Data flow: state carried from one iteration into the next.
        let mut flow = Flow::default();
        let mut loop_vars = Vec::new();
        if foreach {
            if let Some(p) = self.field_any(l, t.pattern_fields) {
                let mut stack = vec![p];
                while let Some(n) = stack.pop() {
                    if n.kind_name() == "identifier" {
                        let name = text(n, self.src).to_string();
                        flow.event(name.clone(), Event::Write);
                        loop_vars.push(name);
                    }
                    stack.extend(named_children(n));
                }
            }
        } else {
            if let Some(init) = l.field("initializer") {
                let mut stack = vec![init];
                while let Some(n) = stack.pop() {
                    if n.kind_name() == "identifier" {
                        loop_vars.push(text(n, self.src).to_string());
                    }
                    stack.extend(named_children(n));
                }
            }
            if loop_vars.is_empty() {
                return None; // `for (;;)`: a while loop.
            }
            // `i += batchSize`: a loop over batches, sequential to bound the load.
            let update = self.field_any(l, &["increment", "update"]);
            if update.is_some_and(|u| {
                let w: String = text(u, self.src).split_whitespace().collect();
                !(w.ends_with("++")
                    || w.ends_with("--")
                    || w.starts_with("++")
                    || w.starts_with("--")
                    || w.ends_with("+=1")
                    || w.ends_with("-=1"))
            }) {
                return None;
            }
        }
        self.flow(t, body, &mut flow);
        // Object state changed in the loop (`self.running.add(job)`): the iterations share it.
        if flow.written.iter().any(|w| {
            let head = w.split(['.', ':']).next().unwrap_or(w);
            self.sem.self_names.contains(&head) && w.len() > head.len()
        }) {
            return None;
        }
        let carried = flow.carried();
        // State carried between iterations and read before the await (a `seen` set that
        // guards the call, a running total it depends on): the iterations depend on each other.
        if self
            .statements_before(body, node)
            .into_iter()
            .flat_map(|st| self.reads(st))
            .any(|p| carried.iter().any(|c| overlaps(&p, c)))
        {
            return None;
        }
        // The loop's own header must not read what the body changes (a cursor, a flag).
        let header: Vec<String> = match iterable {
            Some(it) => self.reads(it),
            None => l
                .field("condition")
                .map(|c| self.reads(c))
                .unwrap_or_default(),
        };
        if header
            .iter()
            .any(|r| flow.written.iter().any(|w| overlaps(r, w)))
        {
            return None;
        }
        let mut per_item = false;
        for w in &works {
            let call = self.awaited_call(t, *w)?;
            let reads = self.reads(call);
            if reads.iter().any(|r| carried.iter().any(|c| overlaps(r, c))) {
                return None; // This call uses what an earlier iteration produced.
            }
            // The item is the call's input: an argument, not the callee or the receiver
            // (`await hook()`, `await site.start()` run each object's own step in order).
            let args = self.chain_args(t, call);
            per_item |= args.iter().any(|r| {
                let head = r.split(['.', ':']).next().unwrap_or(r);
                loop_vars.iter().any(|v| v == head) || flow.fresh(head)
            });
        }
        if !per_item {
            return None; // The same call repeated, not work per item.
        }
        Some(vec![Label {
            range: self.head_range(l),
            message: "each iteration waits for the previous one, though none uses its result"
                .into(),
        }])
    }

    /// Statements (and `if` conditions) of a loop body that run before the one holding
    /// `node` in an iteration.
    fn statements_before(&self, body: Node<'t>, node: Node<'t>) -> Vec<Node<'t>> {
        let mut path = self.ancestors(node).to_vec();
        path.push(node);
        let Some(start) = path.iter().position(|a| a.id() == body.id()) else {
            return Vec::new();
        };
        let statement = |k: &str| {
            k.ends_with("statement")
                || k.ends_with("block")
                || k.ends_with("declaration")
                || k.ends_with("_clause")
        };
        let mut out = Vec::new();
        for pair in path[start..].windows(2) {
            let (parent, child) = (pair[0], pair[1]);
            if !statement(child.kind_name()) {
                break;
            }
            for sibling in named_children(parent) {
                if sibling.id() == child.id() {
                    break;
                }
                out.push(sibling);
            }
        }
        out
    }

    /// `range(3)`, `0..4`: a loop over a count spelled in the code.
    fn literal_range(&self, t: &LoopTable, node: Node<'t>) -> bool {
        if node.kind_name() == "range_expression" {
            return named_children(node)
                .iter()
                .all(|c| super::number(text(*c, self.src)).is_some());
        }
        self.sem.call_kinds.contains(&node.kind_name())
            && self.call_word(t, node) == "range"
            && node.field(t.arguments_field).is_some_and(|a| {
                named_children(a)
                    .iter()
                    .all(|c| super::number(text(*c, self.src)).is_some())
            })
    }

    /// A fan-out's source collection and its work: a comprehension, `xs.map(f)`, `map(f, xs)`,
    /// `xs.Select(f)`, with size-keeping calls (`.ToList()`) unwrapped.
    fn fan_out(&self, t: &LoopTable, node: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
        let node = unwrap_parens(node);
        if let Some(&(_, work, clause, iter)) = t
            .comprehensions
            .iter()
            .find(|(k, ..)| *k == node.kind_name())
        {
            let work = node.field(work)?;
            let clause = named_children(node)
                .into_iter()
                .find(|c| c.kind_name() == clause)?;
            return Some((clause.field(iter)?, work));
        }
        if !self.sem.call_kinds.contains(&node.kind_name()) {
            return None;
        }
        let callee = (self.sem.callee)(node)?;
        let args = node
            .field(t.arguments_field)
            .map(named_children)
            .unwrap_or_default();
        let args: Vec<Node<'t>> = args
            .into_iter()
            .map(|a| {
                // C# wraps each argument in an `argument` node.
                if a.kind_name() == "argument" {
                    a.named_child(0).unwrap_or(a)
                } else {
                    a
                }
            })
            .collect();
        match self.member_parts(t, callee) {
            Some((object, method)) => {
                let m = text(method, self.src);
                if t.map_methods.contains(&m) {
                    return Some((object, *args.first()?));
                }
                let w = norm(m);
                if args.is_empty() && matches!(w.as_str(), "tolist" | "toarray" | "collect") {
                    return self.fan_out(t, object);
                }
                None
            }
            None if t.comprehensions.is_empty() => None,
            // Python `map(f, xs)`.
            None => {
                (text(callee, self.src) == "map" && args.len() == 2).then(|| (args[1], args[0]))
            }
        }
    }

    /// One new piece of work per item: a comprehension, `map(f, xs)`, `xs.map(f)`,
    /// `xs.Select(f)`, directly or through a name bound to one. Work that winds down objects
    /// that already exist (`close`, `stop`, `cancel`) is not a fan-out of new work.
    pub(super) fn fan_out_of_work(&self, node: Node<'t>) -> bool {
        let Some(t) = self.loops() else {
            return false;
        };
        let mut node = unwrap_parens(node);
        if self.fan_out(t, node).is_none()
            && (self.sem.path)(node, self.src).is_some()
            && let Some(b) = self.binding_for(node)
        {
            node = b.value;
        }
        let Some((_, work)) = self.fan_out(t, node) else {
            return false;
        };
        // The call the work makes: the work itself, a lambda's body, or the function named.
        let mut stack = vec![work];
        while let Some(n) = stack.pop() {
            if self.sem.call_kinds.contains(&n.kind_name()) {
                let word = self.call_word(t, n);
                if WIND_DOWN.iter().any(|w| word.starts_with(w)) {
                    return false;
                }
                break;
            }
            if let Some(p) = self.spelled(n) {
                let last = norm(p.rsplit(['.', ':']).next().unwrap_or(&p));
                if WIND_DOWN.iter().any(|w| last.starts_with(w)) {
                    return false;
                }
                break;
            }
            if self.is_function(n) {
                stack.extend((self.sem.function_body)(n));
                continue;
            }
            let mut kids = named_children(n);
            kids.reverse();
            stack.extend(kids);
        }
        true
    }

    /// A collection whose size comes from outside the code: a parameter, a request field, the
    /// result of a query; for a fan-out, its source. Literals, fixed ranges, slices and batches
    /// with a literal bound, object state (`self.handlers`) and unknown names are not.
    pub(super) fn unbounded(&self, node: Node<'t>) -> bool {
        let Some(t) = self.loops() else {
            return false;
        };
        self.unbounded_at(t, node, 0)
    }

    fn unbounded_at(&self, t: &LoopTable, node: Node<'t>, depth: usize) -> bool {
        if depth > 8 {
            return false;
        }
        let node = unwrap_parens(node);
        if let Some((source, _)) = self.fan_out(t, node) {
            return self.unbounded_at(t, source, depth + 1);
        }
        if t.literals.contains(&node.kind_name()) || node.kind_name() == "macro_invocation" {
            return false;
        }
        if t.await_kinds.contains(&node.kind_name())
            && node.named_child(0).is_some_and(|c| {
                self.sem.call_kinds.contains(&c.kind_name())
                    && COMBINATORS.contains(&self.call_word(t, c).as_str())
            })
        {
            return false; // Results of an earlier fan-out: no larger than it was.
        }
        if t.await_kinds.contains(&node.kind_name()) {
            return node
                .named_child(0)
                .is_some_and(|c| self.unbounded_at(t, c, depth + 1));
        }
        if self.sem.call_kinds.contains(&node.kind_name()) {
            let word = self.call_word(t, node);
            if BOUNDING.iter().any(|b| word == *b || word.starts_with(b)) {
                return false;
            }
            if SIZE_KEEPING.contains(&word.as_str()) {
                let callee = (self.sem.callee)(node);
                let inner = callee
                    .and_then(|c| self.member_parts(t, c))
                    .map(|(object, _)| object)
                    .filter(|o| {
                        // `Object.keys(x)`, `Array.from(x)`: the argument is the collection.
                        !matches!(text(*o, self.src), "Object" | "Array" | "Enumerable")
                    })
                    .or_else(|| {
                        node.field(t.arguments_field)
                            .and_then(|a| named_children(a).into_iter().last())
                            .map(|a| {
                                if a.kind_name() == "argument" {
                                    a.named_child(0).unwrap_or(a)
                                } else {
                                    a
                                }
                            })
                    });
                return inner.is_some_and(|i| self.unbounded_at(t, i, depth + 1));
            }
            // A parsed request body or message is input from outside. Other calls (queries,
            // listings) are usually paged or capped where they are made: not reported.
            return INPUT.iter().any(|i| word == *i);
        }
        // A slice with a literal bound: `items[:10]`.
        if node.kind_name() == "subscript"
            && node
                .field("subscript")
                .is_some_and(|s| s.kind_name() == "slice")
        {
            return false;
        }
        let Some(path) = (self.sem.path)(node, self.src) else {
            // `data["ids"]`, `body.items!`: follow the object.
            return t
                .objects
                .iter()
                .find(|(k, _)| *k == node.kind_name())
                .and_then(|(_, f)| {
                    if f.is_empty() {
                        node.named_child(0)
                    } else {
                        node.field(f)
                    }
                })
                .is_some_and(|o| self.unbounded_at(t, o, depth + 1));
        };
        if self.sem.self_names.contains(&path.head.as_str()) {
            return false; // Object state: registered handlers, open connections.
        }
        if self.size_checked(node, &path.head) {
            return false; // `if (ids.length > 20) return ...;` earlier: capped by the caller.
        }
        let here = self.enclosing_function(node);
        let param = here.is_some_and(|f| self.is_parameter(f, &path.head));
        if param {
            // A batch handed in by a batching helper (`processBatch(files)`,
            // `batch.processArray(ids, async (ids) => ..)`) is as large as the batch.
            let batchy = |s: &str| {
                let n = norm(s);
                ["batch", "chunk", "page"].iter().any(|b| n.contains(b))
            };
            let f = here.expect("a parameter has a function");
            let named = f.field("name").map(|n| text(n, self.src));
            let handed_to = self
                .ancestors(f)
                .iter()
                .copied()
                .rev()
                .find(|a| self.sem.call_kinds.contains(&a.kind_name()))
                .filter(|c| {
                    c.field(t.arguments_field)
                        .is_some_and(|a| super::contains(a.byte_range(), f.byte_range()))
                })
                .and_then(|c| (self.sem.callee)(c))
                .map(|c| text(c, self.src));
            let binding = self
                .facts
                .bindings
                .iter()
                .find(|b| b.value.id() == f.id())
                .map(|b| b.name.as_str());
            if batchy(&path.head)
                || named.is_some_and(batchy)
                || handed_to.is_some_and(batchy)
                || binding.is_some_and(batchy)
            {
                return false;
            }
            // A private helper whose every caller in the file hands it a bounded collection
            // (`buildLanguage(plugins)` with `plugins` from module state) is bounded too.
            return !self.callers_pass_bounded(t, f, &path.head, depth);
        }
        if !path.rest.is_empty() {
            // `payload.items`: as unbounded as the object it is read from.
            let head = self.identifier_named(node, &path.head);
            return head.is_some_and(|h| self.unbounded_at(t, h, depth + 1));
        }
        match self.binding_for(node) {
            Some(b) => self.unbounded_at(t, b.value, depth + 1),
            None => false,
        }
    }

    /// Does an `if` before `node` in its function compare the size of `name` (`ids.length >
    /// 20`, `len(ids) > 20`, `urls.Count > 10`)? The code then caps it itself.
    fn size_checked(&self, node: Node<'t>, name: &str) -> bool {
        let Some(f) = self.enclosing_function(node) else {
            return false;
        };
        // `name.length` (and its kin) or `len(name)`, with `name` a whole word.
        let sized = |cond: &str| {
            cond.match_indices(name).any(|(i, _)| {
                let whole = cond[..i]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
                let after = &cond[i + name.len()..];
                whole
                    && ([".length", ".Length", ".Count", ".size", ".len()"]
                        .iter()
                        .any(|s| after.starts_with(s))
                        || (cond[..i].trim_end().ends_with("len(")
                            && after.trim_start().starts_with(')')))
            })
        };
        let mut stack = vec![f];
        while let Some(n) = stack.pop() {
            if n.start_byte() >= node.start_byte() {
                continue;
            }
            if n.kind_name().starts_with("if") {
                let condition = n.field("condition").map_or("", |c| text(c, self.src));
                let compares = condition.contains('>') || condition.contains('<');
                if compares && sized(condition) {
                    return true;
                }
            }
            stack.extend(children(n));
        }
        false
    }

    /// Is `f` a helper no other file can call (JavaScript/TypeScript: not exported; Python:
    /// a `_private` name), called in this file at least once, and does every call pass a
    /// bounded value for parameter `param`?
    fn callers_pass_bounded(&self, t: &LoopTable, f: Node<'t>, param: &str, depth: usize) -> bool {
        let Some(name) = f
            .field("name")
            .map(|n| text(n, self.src).to_string())
            .or_else(|| {
                self.facts
                    .bindings
                    .iter()
                    .find(|b| b.value.id() == f.id())
                    .map(|b| b.name.clone())
            })
        else {
            return false;
        };
        let private = match self.lang {
            Language::JavaScript | Language::TypeScript | Language::Tsx => {
                let exported_here = self
                    .ancestors(f)
                    .iter()
                    .any(|a| a.kind_name() == "export_statement");
                // `module.exports = { name }`, `exports.name = name`, `export { name }`.
                let source = String::from_utf8_lossy(self.src);
                let exported_later = source.lines().any(|l| {
                    (l.contains("exports") || l.trim_start().starts_with("export"))
                        && l.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                            .any(|w| w == name)
                });
                !exported_here && !exported_later
            }
            Language::Python => name.starts_with('_') && !name.starts_with("__"),
            _ => false,
        };
        if !private {
            return false;
        }
        let Some(index) = f
            .field("parameters")
            .map(named_children)
            .and_then(|ps| ps.iter().position(|p| mentions(*p, param, self.src)))
        else {
            return false;
        };
        let mut calls = 0;
        let mut stack = vec![self.root];
        while let Some(n) = stack.pop() {
            if self.sem.call_kinds.contains(&n.kind_name())
                && let Some(callee) = (self.sem.callee)(n)
                && self.function_refs(callee).iter().any(|g| g.id() == f.id())
            {
                calls += 1;
                let arg = n
                    .field(t.arguments_field)
                    .map(named_children)
                    .and_then(|a| {
                        a.into_iter()
                            .filter(|a| a.kind_name() != "comment")
                            .nth(index)
                    });
                match arg {
                    Some(a) if !self.unbounded_at(t, a, depth + 1) => {}
                    _ => return false,
                }
            }
            stack.extend(children(n));
        }
        calls > 0
    }

    /// The head identifier of a member chain.
    fn identifier_named(&self, node: Node<'t>, head: &str) -> Option<Node<'t>> {
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            if n.kind_name() == "identifier" && text(n, self.src) == head {
                return Some(n);
            }
            stack.extend(named_children(n));
        }
        None
    }

    /// The work of a fan-out (or a function, or a name bound to a fan-out) acquires a
    /// concurrency limiter: a semaphore, `p-limit`, a limiter's `acquire`, directly or in a
    /// same-file function it calls.
    pub(super) fn limited(&self, node: Node<'t>) -> bool {
        let Some(t) = self.loops() else {
            return false;
        };
        let mut node = unwrap_parens(node);
        if self.fan_out(t, node).is_none()
            && (self.sem.path)(node, self.src).is_some()
            && let Some(b) = self.binding_for(node)
        {
            node = b.value;
        }
        let root = self.fan_out(t, node).map(|(_, work)| work).unwrap_or(node);
        let limiter = |s: &str| {
            let n = norm(s);
            LIMITERS.iter().any(|l| n.contains(l))
        };
        let mut seen = std::collections::HashSet::new();
        let mut roots = vec![(root, 0usize)];
        for f in self.function_refs(root) {
            roots.push((f, 1));
        }
        while let Some((r, depth)) = roots.pop() {
            if !seen.insert(r.id()) {
                continue;
            }
            let mut stack = vec![r];
            while let Some(n) = stack.pop() {
                if let Some(&(_, field)) = t.scoped.iter().find(|(k, _)| *k == n.kind_name()) {
                    let resource = if field.is_empty() {
                        children(n).into_iter().find(|c| {
                            c.is_named()
                                && c.kind_name() != "block"
                                && !c.kind_name().ends_with("statement")
                        })
                    } else {
                        n.field(field).or_else(|| {
                            named_children(n)
                                .into_iter()
                                .find(|c| c.kind_name() == field)
                        })
                    };
                    if resource.is_some_and(|r| {
                        limiter(text(r, self.src)) || {
                            let w = norm(text(r, self.src));
                            w.contains("sem") || w.contains("lock")
                        }
                    }) {
                        return true;
                    }
                }
                if self.sem.call_kinds.contains(&n.kind_name())
                    && let Some(callee) = (self.sem.callee)(n)
                {
                    let word = self.call_word(t, n);
                    let spelled = text(callee, self.src);
                    if limiter(spelled)
                        || matches!(word.as_str(), "acquire" | "waitasync" | "runexclusive")
                    {
                        return true;
                    }
                    if depth < 3 {
                        for f in self.function_refs(callee) {
                            roots.push((f, depth + 1));
                        }
                    }
                }
                stack.extend(children(n));
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_overlap_at_segment_boundaries() {
        assert!(overlaps("cursor", "cursor"));
        assert!(overlaps("self.seen", "self.seen.items"));
        assert!(overlaps("a::b", "a"));
        assert!(!overlaps("self.count", "self.client"));
        assert!(!overlaps("page", "pages"));
    }

    #[test]
    fn carried_state_is_read_before_it_is_written() {
        let mut f = Flow::default();
        f.event("x".into(), Event::Write); // the loop variable
        f.event("token".into(), Event::Read);
        f.event("token".into(), Event::Write);
        f.event("y".into(), Event::Write);
        f.event("y".into(), Event::Read);
        assert_eq!(f.carried(), vec!["token"]);
        assert!(f.fresh("y") && f.fresh("x") && !f.fresh("token"));
    }

    #[test]
    fn names_are_normalised() {
        assert_eq!(norm("fetch_row"), "fetchrow");
        assert_eq!(norm("SaveChangesAsync"), "savechangesasync");
    }
}

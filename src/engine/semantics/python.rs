//! Python semantics.

use crate::engine::syntax::Syntax;
use tree_sitter::Node;

use super::{
    Captures, EntryKind, EntryRef, FileFacts, LockOp, Member, Semantics, any_in_scope, has_keyword,
    is_lock_name, member_path, mentions, named_children, root_object, text,
};

/// Python's semantics table.
pub static SEMANTICS: Semantics = Semantics {
    function_kinds: &["function_definition", "lambda"],
    loop_kinds: &["for_statement", "while_statement"],
    class_kinds: &["class_definition"],
    computation_kinds: &[
        "for_statement",
        "while_statement",
        "list_comprehension",
        "set_comprehension",
        "dictionary_comprehension",
        "generator_expression",
    ],
    suspend_kinds: &["await", "yield"],
    call_kinds: &["call"],
    separator: ".",
    facts_query: FACTS_QUERY,
    collect,
    is_async: |node, _| node.kind_name() == "function_definition" && has_keyword(node, "async"),
    callee: |node| node.field("function"),
    path: |node, src| member_path(node, src, &["identifier"], MEMBERS),
    implicit: |head| match head {
        "open" | "input" | "print" => Some("builtins"),
        _ => None,
    },
    lock_region,
    lock_call,
    shared_state: Some(shared_state),
    thread_bases: &["threading.Thread"],
    thread_methods: &["run"],
    function_body: |node| node.field("body"),
    pure_calls: PURE_CALLS,
    pure_methods: PURE_METHODS,
    startup_calls: &[],
    self_names: &["self", "cls"],
};

const MEMBERS: &[Member] = &[Member {
    kind: "attribute",
    object_field: "object",
    member_field: "attribute",
    separator: ".",
}];

const FACTS_QUERY: &str = r#"
(import_statement) @ravel.import
(import_from_statement) @ravel.import
(assignment left: (_) @ravel.bind.name right: (_) @ravel.bind.value)
(with_item value: (as_pattern (_) @ravel.bind.value alias: (as_pattern_target (_) @ravel.bind.name)))
(function_definition name: (identifier) @ravel.def.name) @ravel.def
(module (expression_statement (assignment left: (identifier) @ravel.global)))
(module (expression_statement (assignment left: (pattern_list (identifier) @ravel.global))))
(class_definition name: (identifier) @ravel.class.name) @ravel.class
(call
  function: [(identifier) (attribute)] @ravel.spawn.fn
  arguments: (argument_list) @ravel.spawn.args
  (#match? @ravel.spawn.fn "(Thread|Timer|submit|map|imap|imap_unordered|map_async|apply_async|starmap|run_in_executor|to_thread|start_new_thread)$")) @ravel.spawn
"#;

/// Thread pools whose workers share memory with the caller.
pub const THREAD_POOLS: &[&str] = &[
    "concurrent.futures.ThreadPoolExecutor",
    "concurrent.futures.thread.ThreadPoolExecutor",
    "multiprocessing.pool.ThreadPool",
    "multiprocessing.dummy.Pool",
];

fn collect<'t>(facts: &mut FileFacts<'t>, caps: &Captures<'_, 't>, src: &[u8]) -> bool {
    if let Some(node) = caps.get("ravel.import") {
        collect_import(facts, node, src);
    } else if let (Some(class), Some(name)) =
        (caps.get("ravel.class"), caps.get("ravel.class.name"))
    {
        let bases = class
            .field("superclasses")
            .map(|b| {
                named_children(b)
                    .iter()
                    .map(|n| text(*n, src).to_string())
                    .collect()
            })
            .unwrap_or_default();
        facts
            .classes
            .insert(text(name, src).to_string(), (class, bases));
    } else if let (Some(site), Some(func), Some(args)) = (
        caps.get("ravel.spawn"),
        caps.get("ravel.spawn.fn"),
        caps.get("ravel.spawn.args"),
    ) {
        collect_spawn(facts, site, func, args, src);
    } else {
        return false;
    }
    true
}

fn collect_import<'t>(facts: &mut FileFacts<'t>, node: Node<'t>, src: &[u8]) {
    let module = node.field("module_name").map(|m| text(m, src).to_string());
    let mut cursor = node.walk();
    for name in node.children_by_field_name("name", &mut cursor) {
        let (dotted, alias) = if name.kind_name() == "aliased_import" {
            let dotted = name.field("name").map(|n| text(n, src)).unwrap_or("");
            let alias = name.field("alias").map(|n| text(n, src)).unwrap_or("");
            (dotted.to_string(), Some(alias.to_string()))
        } else {
            (text(name, src).to_string(), None)
        };
        match (&module, alias) {
            // from m import a [as b]
            (Some(m), alias) => {
                let local = alias.unwrap_or_else(|| dotted.clone());
                facts.import(&local, format!("{m}.{dotted}"));
            }
            // import a.b as c
            (None, Some(alias)) => facts.import(&alias, dotted),
            // import a.b  binds `a`
            (None, None) => {
                let head = dotted.split('.').next().unwrap_or("").to_string();
                facts.import(&head, head.clone());
            }
        }
    }
}

/// `Thread(target=f)`, `Timer(t, f)`, `pool.submit(f)`, `loop.run_in_executor(None, f)`, ...
fn collect_spawn<'t>(
    facts: &mut FileFacts<'t>,
    site: Node<'t>,
    func: Node<'t>,
    args: Node<'t>,
    src: &[u8],
) {
    let callee = text(func, src);
    let last = callee.rsplit('.').next().unwrap_or(callee);
    let positional: Vec<Node<'t>> = named_children(args)
        .into_iter()
        .filter(|a| a.kind_name() != "keyword_argument" && a.kind_name() != "comment")
        .collect();
    let keyword = |key: &str| {
        named_children(args).into_iter().find_map(|a| {
            (a.kind_name() == "keyword_argument"
                && a.field("name").map(|n| text(n, src)) == Some(key))
            .then(|| a.field("value"))
            .flatten()
        })
    };
    let receiver = if func.kind_name() == "attribute" {
        func.field("object")
    } else {
        None
    };
    let mut push =
        |target: Option<Node<'t>>, receiver: Option<Node<'t>>, from: &'static [&'static str]| {
            if let Some(target) = target {
                facts.entry_refs.push(EntryRef {
                    kind: EntryKind::Thread,
                    target,
                    site,
                    receiver,
                    receiver_from: from,
                });
            }
        };
    match last {
        // The callee is checked for `threading.Thread` when the entry is resolved.
        "Thread" => push(
            keyword("target"),
            Some(func),
            &["threading.Thread", "Thread"],
        ),
        "Timer" => push(
            keyword("function").or(positional.get(1).copied()),
            Some(func),
            &["threading.Timer"],
        ),
        "start_new_thread" => push(
            positional.first().copied(),
            Some(func),
            &["_thread.start_new_thread"],
        ),
        "to_thread" => push(
            positional.first().copied(),
            Some(func),
            &["asyncio.to_thread"],
        ),
        // The default executor of asyncio is a thread pool; an explicit one must be.
        "run_in_executor" => {
            let exec = positional.first().copied();
            let default = exec.is_none_or(|e| e.kind_name() == "none");
            let (recv, from) = if default {
                (None, &[][..])
            } else {
                (exec, THREAD_POOLS)
            };
            push(positional.get(1).copied(), recv, from);
        }
        _ => push(positional.first().copied(), receiver, THREAD_POOLS),
    }
}

fn lock_region(node: Node, src: &[u8]) -> bool {
    if node.kind_name() != "with_statement" {
        return false;
    }
    // `with lock:` / `with self._lock:` / `with threading.Lock() ...` — not `async with`,
    // whose asyncio locks do not make thread code safe.
    if has_keyword(node, "async") {
        return false;
    }
    let Some(clause) = named_children(node)
        .into_iter()
        .find(|c| c.kind_name() == "with_clause")
    else {
        return false;
    };
    named_children(clause).into_iter().any(|item| {
        let value = item.field("value").map(|v| {
            if v.kind_name() == "as_pattern" {
                v.named_child(0).unwrap_or(v)
            } else {
                v
            }
        });
        value.is_some_and(|v| is_lock_name(text(v, src)))
    })
}

fn lock_call(stmt: Node, src: &[u8]) -> Option<(String, LockOp)> {
    let call = if stmt.kind_name() == "expression_statement" {
        stmt.named_child(0)?
    } else {
        stmt
    };
    if call.kind_name() != "call" {
        return None;
    }
    let func = call.field("function")?;
    if func.kind_name() != "attribute" {
        return None;
    }
    let method = text(func.field("attribute")?, src);
    let recv = text(func.field("object")?, src).to_string();
    match method {
        "acquire" => Some((recv, LockOp::Acquire)),
        "release" => Some((recv, LockOp::Release)),
        _ => None,
    }
}

/// `global`/`nonlocal` names, `self.x`, and items or attributes of module-level names.
fn shared_state(target: Node, function: Option<Node>, src: &[u8], facts: &FileFacts) -> bool {
    let Some(function) = function else {
        return false;
    };
    match target.kind_name() {
        "identifier" => declared_shared(function, text(target, src), src),
        "attribute" | "subscript" => {
            // self.a.b[k] → self
            let root = root_object(target, &[("attribute", "object"), ("subscript", "value")]);
            if root.kind_name() != "identifier" {
                return false;
            }
            let name = text(root, src);
            if name == "self" || name == "cls" {
                return true;
            }
            // `local = threading.local()`: every thread sees its own attributes.
            let thread_local = facts.bindings.iter().any(|b| {
                b.name == name
                    && b.value.kind_name() == "call"
                    && b.value.field("function").is_some_and(|f| {
                        matches!(
                            text(f, src),
                            "threading.local" | "local" | "_threading_local.local"
                        )
                    })
            });
            if thread_local {
                return false;
            }
            declared_shared(function, name, src)
                || (facts.module_names.contains(name) && !assigned_locally(function, name, src))
        }
        _ => false,
    }
}

/// Nested scopes a Python function's own names do not reach into.
const SCOPES: &[&str] = &["function_definition", "lambda", "class_definition"];

/// Is `name` declared `global` or `nonlocal` in this function (not in nested ones)?
fn declared_shared(function: Node, name: &str, src: &[u8]) -> bool {
    function.field("body").is_some_and(|body| {
        any_in_scope(body, SCOPES, |node| {
            matches!(node.kind_name(), "global_statement" | "nonlocal_statement")
                && named_children(node).iter().any(|n| text(*n, src) == name)
        })
    })
}

/// Is `name` assigned or a parameter in this function, making it local?
fn assigned_locally(function: Node, name: &str, src: &[u8]) -> bool {
    let is_param = function
        .field("parameters")
        .is_some_and(|p| mentions(p, name, src));
    is_param
        || function.field("body").is_some_and(|body| {
            any_in_scope(body, SCOPES, |node| {
                node.kind_name() == "assignment"
                    && node
                        .field("left")
                        .is_some_and(|l| l.kind_name() == "identifier" && text(l, src) == name)
            })
        })
}

const PURE_CALLS: &[&str] = &[
    "abs",
    "all",
    "any",
    "bin",
    "bool",
    "chr",
    "complex",
    "dict",
    "divmod",
    "enumerate",
    "filter",
    "float",
    "frozenset",
    "hash",
    "hex",
    "int",
    "isinstance",
    "len",
    "list",
    "map",
    "max",
    "min",
    "oct",
    "ord",
    "pow",
    "range",
    "reversed",
    "round",
    "set",
    "sorted",
    "str",
    "sum",
    "tuple",
    "zip",
    "bytes",
    "bytearray",
    "math.*",
    "cmath.*",
    "statistics.*",
    "itertools.*",
    "functools.reduce",
    "operator.*",
    "hashlib.*",
    "zlib.crc32",
    "zlib.adler32",
    "binascii.*",
    "re.*",
    "json.dumps",
    "json.loads",
    "random.*",
    "decimal.*",
    "fractions.*",
    "numpy.*",
    "bisect.*",
    "heapq.*",
    "collections.Counter",
    "collections.defaultdict",
    "collections.deque",
];

const PURE_METHODS: &[&str] = &[
    "append",
    "extend",
    "insert",
    "pop",
    "sort",
    "items",
    "keys",
    "values",
    "setdefault",
    "add",
    "join",
    "split",
    "strip",
    "lstrip",
    "rstrip",
    "lower",
    "upper",
    "replace",
    "startswith",
    "endswith",
    "format",
    "count",
    "index",
    "copy",
    "digest",
    "hexdigest",
    "update",
    "encode",
    "decode",
    "bit_length",
    "is_integer",
    "most_common",
    "appendleft",
    "popleft",
    "discard",
    "union",
    "intersection",
    "difference",
    "reverse",
    "find",
];

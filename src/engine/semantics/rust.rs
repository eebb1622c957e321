//! Rust semantics.

use crate::engine::syntax::Syntax;
use tree_sitter::Node;

use super::{
    Captures, EntryKind, EntryRef, FileFacts, LockOp, Member, Name, Semantics, has_keyword,
    member_path, named_children, root_object, strip_generics, text,
};

/// Rust's semantics table.
pub static SEMANTICS: Semantics = Semantics {
    function_kinds: &["function_item", "closure_expression", "async_block"],
    loop_kinds: LOOPS,
    class_kinds: &["impl_item", "trait_item"],
    computation_kinds: LOOPS,
    suspend_kinds: &["await_expression"],
    call_kinds: &["call_expression", "macro_invocation"],
    separator: "::",
    facts_query: FACTS_QUERY,
    collect,
    is_async,
    callee: |node| match node.kind_name() {
        "macro_invocation" => node.field("macro"),
        _ => node.field("function"),
    },
    path,
    implicit: |_| None,
    // Rust locks are guards, not blocks: see `lock_call`.
    lock_region: |_, _| false,
    lock_call,
    shared_state: Some(shared_state),
    thread_bases: &[],
    thread_methods: &[],
    function_body: |node| match node.kind_name() {
        "async_block" => named_children(node)
            .into_iter()
            .find(|c| c.kind_name() == "block"),
        _ => node.field("body"),
    },
    pure_calls: PURE_CALLS,
    pure_methods: PURE_METHODS,
    // `Self::work` names a method of the enclosing impl, like `self.work`.
    startup_calls: &[],
    self_names: &["self", "Self"],
};

const LOOPS: &[&str] = &["for_expression", "while_expression", "loop_expression"];

const IDENTS: &[&str] = &[
    "identifier",
    "self",
    "crate",
    "super",
    "type_identifier",
    "primitive_type",
    // `Vec::<u8>` as a path head; its generic arguments are stripped below.
    "generic_type",
];

const MEMBERS: &[Member] = &[
    Member {
        kind: "scoped_identifier",
        object_field: "path",
        member_field: "name",
        separator: "::",
    },
    Member {
        kind: "scoped_type_identifier",
        object_field: "path",
        member_field: "name",
        separator: "::",
    },
    Member {
        kind: "field_expression",
        object_field: "value",
        member_field: "field",
        separator: ".",
    },
];

const FACTS_QUERY: &str = r#"
(use_declaration argument: (_) @ravel.import)
(let_declaration pattern: (identifier) @ravel.bind.name value: (_) @ravel.bind.value)
(let_declaration
  pattern: (tuple_pattern (identifier) @ravel.bind.name)
  value: (call_expression) @ravel.bind.value)
(assignment_expression left: (_) @ravel.bind.name right: (_) @ravel.bind.value)
(static_item name: (identifier) @ravel.bind.name value: (_) @ravel.bind.value)
(const_item name: (identifier) @ravel.bind.name value: (_) @ravel.bind.value)
(static_item (mutable_specifier) name: (identifier) @ravel.global)
(function_item name: (identifier) @ravel.def.name) @ravel.def
(impl_item type: (_) @ravel.class.name) @ravel.class
(trait_item name: (type_identifier) @ravel.class.name) @ravel.class
(call_expression
  function: (_) @ravel.spawn.fn
  arguments: (arguments) @ravel.spawn.args
  (#match? @ravel.spawn.fn "(spawn|spawn_blocking|spawn_fifo|join)$")) @ravel.spawn
((attribute_item) @ravel.test.attr
  (#match? @ravel.test.attr "^#\\[\\s*(cfg\\s*\\(\\s*test\\s*\\)|([A-Za-z_][A-Za-z0-9_]*::)*test\\s*(\\]|\\())"))
"#;

/// Free functions that run their argument on another thread or a multi-threaded runtime.
const SPAWN_FNS: &[&str] = &[
    "std::thread::spawn",
    "tokio::spawn",
    "tokio::task::spawn",
    "tokio::task::spawn_blocking",
    "rayon::spawn",
    "rayon::spawn_fifo",
    "async_std::task::spawn",
    "async_std::task::spawn_blocking",
];

/// Receivers whose `.spawn(f)` runs `f` on a thread when `f` is not a closure literal.
const SPAWNERS: &[&str] = &[
    "std::thread::Builder*",
    "tokio::runtime::*",
    "rayon::ThreadPool*",
];

fn collect<'t>(facts: &mut FileFacts<'t>, caps: &Captures<'_, 't>, src: &[u8]) -> bool {
    if let Some(node) = caps.get("ravel.import") {
        collect_use(facts, node, src);
    } else if let (Some(class), Some(name)) =
        (caps.get("ravel.class"), caps.get("ravel.class.name"))
    {
        let bases = class
            .field("trait")
            .map(|t| vec![strip_generics(text(t, src))]);
        facts.classes.insert(
            strip_generics(text(name, src)),
            (class, bases.unwrap_or_default()),
        );
    } else if let (Some(site), Some(func), Some(args)) = (
        caps.get("ravel.spawn"),
        caps.get("ravel.spawn.fn"),
        caps.get("ravel.spawn.args"),
    ) {
        collect_spawn(facts, site, func, args, src);
    } else if let Some(attr) = caps.get("ravel.test.attr") {
        // `#[test]`, `#[tokio::test]`, `#[cfg(test)]`: the item after the attributes.
        let mut next = attr.next_named_sibling();
        while let Some(n) = next.filter(|n| {
            matches!(
                n.kind_name(),
                "attribute_item" | "line_comment" | "block_comment"
            )
        }) {
            next = n.next_named_sibling();
        }
        facts.test_items.extend(next);
    } else {
        return false;
    }
    true
}

/// A path as written, without whitespace or a leading `::`.
fn clean(node: Node, src: &[u8]) -> String {
    let t: String = text(node, src)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    t.trim_start_matches("::").to_string()
}

/// `use a::b;`, `use a::{b as c, d::{self, e}};` — walked with a stack, not recursion.
fn collect_use<'t>(facts: &mut FileFacts<'t>, arg: Node<'t>, src: &[u8]) {
    let join = |prefix: &str, seg: &str| match (prefix.is_empty(), seg) {
        (_, "self") => prefix.to_string(),
        (true, _) => seg.to_string(),
        (false, _) => format!("{prefix}::{seg}"),
    };
    let last = |path: &str| path.rsplit("::").next().unwrap_or(path).to_string();
    let mut stack = vec![(String::new(), arg)];
    while let Some((prefix, node)) = stack.pop() {
        match node.kind_name() {
            "scoped_use_list" => {
                let inner = match node.field("path") {
                    Some(p) => join(&prefix, &clean(p, src)),
                    None => prefix,
                };
                if let Some(list) = node.field("list") {
                    stack.extend(named_children(list).into_iter().map(|c| (inner.clone(), c)));
                }
            }
            "use_list" => stack.extend(
                named_children(node)
                    .into_iter()
                    .map(|c| (prefix.clone(), c)),
            ),
            "use_as_clause" => {
                let (Some(path), Some(alias)) = (node.field("path"), node.field("alias")) else {
                    continue;
                };
                facts.import(text(alias, src), join(&prefix, &clean(path, src)));
            }
            "identifier" | "scoped_identifier" | "self" | "crate" | "super" => {
                let full = join(&prefix, &clean(node, src));
                facts.import(&last(&full), full);
            }
            // `use a::*` names nothing in particular.
            _ => {}
        }
    }
}

/// `thread::spawn(f)`, `tokio::spawn(async ..)`, `rayon::join(a, b)`, `s.spawn(|| ..)`.
fn collect_spawn<'t>(
    facts: &mut FileFacts<'t>,
    site: Node<'t>,
    func: Node<'t>,
    args: Node<'t>,
    src: &[u8],
) {
    let args: Vec<Node<'t>> = named_children(args)
        .into_iter()
        .filter(|a| !a.kind_name().ends_with("comment"))
        .collect();
    let Some(first) = args.first().copied() else {
        return;
    };
    let mut push = |target: Node<'t>, receiver: Option<Node<'t>>, from: &'static [&'static str]| {
        facts.entry_refs.push(EntryRef {
            kind: EntryKind::Thread,
            target,
            site,
            receiver,
            receiver_from: from,
        });
    };
    match func.kind_name() {
        "identifier" | "scoped_identifier" => {
            let spelled = text(func, src);
            if spelled.rsplit("::").next() == Some("join") {
                for a in args {
                    push(a, Some(func), &["rayon::join"]);
                }
            } else {
                push(first, Some(func), SPAWN_FNS);
            }
        }
        "field_expression" => {
            let method = func.field("field").map(|f| text(f, src));
            if !matches!(method, Some("spawn" | "spawn_blocking" | "spawn_fifo")) {
                return;
            }
            // A closure or async block handed to `.spawn` is a thread or task body whatever the
            // receiver (scoped threads, builders, runtimes, join sets); a named function needs a
            // known spawner.
            if matches!(first.kind_name(), "closure_expression" | "async_block") {
                push(first, None, &[]);
            } else {
                push(first, func.field("value"), SPAWNERS);
            }
        }
        _ => {}
    }
}

fn is_async(node: Node, _src: &[u8]) -> bool {
    match node.kind_name() {
        "function_item" => named_children(node)
            .into_iter()
            .any(|c| c.kind_name() == "function_modifiers" && has_keyword(c, "async")),
        "async_block" => true,
        "closure_expression" => has_keyword(node, "async"),
        _ => false,
    }
}

fn path(node: Node, src: &[u8]) -> Option<Name> {
    // `foo::<T>` names `foo`.
    let node = if node.kind_name() == "generic_function" {
        node.field("function")?
    } else {
        node
    };
    let name = member_path(node, src, IDENTS, MEMBERS)?;
    Some(Name {
        head: strip_generics(&name.head),
        rest: strip_generics(&name.rest),
    })
}

/// Methods that return a guard when called without arguments (`Mutex::lock`, `RwLock::read`).
const LOCK_METHODS: &[&str] = &["lock", "read", "write", "try_lock", "try_read", "try_write"];
/// Calls that pass a guard through (`.unwrap()`, `.expect(..)`).
const GUARD_WRAPPERS: &[&str] = &["unwrap", "expect", "unwrap_or_else", "ok"];

/// `let g = m.lock().unwrap();` acquires on `g`; `drop(g);` releases it.
fn lock_call(stmt: Node, src: &[u8]) -> Option<(String, LockOp)> {
    match stmt.kind_name() {
        "let_declaration" => {
            let value = stmt.field("value")?;
            let pattern = stmt.field("pattern")?;
            takes_guard(value, src).then(|| (text(pattern, src).to_string(), LockOp::Acquire))
        }
        "expression_statement" => {
            let call = stmt.named_child(0)?;
            let func = call.field("function")?;
            if call.kind_name() != "call_expression"
                || !matches!(text(func, src), "drop" | "std::mem::drop" | "mem::drop")
            {
                return None;
            }
            let arg = call.field("arguments")?.named_child(0)?;
            Some((text(arg, src).to_string(), LockOp::Release))
        }
        // `fut.await`: the binding was the lock's future (an async mutex), consumed here.
        "await_expression" => {
            let awaited = stmt
                .named_child(0)
                .filter(|n| n.kind_name() == "identifier")?;
            Some((text(awaited, src).to_string(), LockOp::Release))
        }
        // A guard passed by value (`timed(guard)`, `tx.send(guard)`) moves to the callee, which
        // decides when it is released; `drop(g)` is the common case. `&g` is only borrowed.
        "call_expression" => {
            let args = stmt.field("arguments")?;
            let moved = named_children(args)
                .into_iter()
                .find(|a| a.kind_name() == "identifier")?;
            Some((text(moved, src).to_string(), LockOp::Release))
        }
        _ => None,
    }
}

/// Is the value a guard: `m.lock()`, `m.lock().unwrap()`, `m.lock().await`, `m.write()?`?
/// `m.lock().unwrap().len()` is not: its guard is a temporary.
fn takes_guard(value: Node, src: &[u8]) -> bool {
    let mut cur = value;
    loop {
        match cur.kind_name() {
            "try_expression" | "await_expression" => match cur.named_child(0) {
                Some(inner) => cur = inner,
                None => return false,
            },
            "call_expression" => {
                let Some(func) = cur
                    .field("function")
                    .filter(|f| f.kind_name() == "field_expression")
                else {
                    return false;
                };
                let method = func.field("field").map(|f| text(f, src)).unwrap_or("");
                let no_args = cur
                    .field("arguments")
                    .is_some_and(|a| a.named_child_count() == 0);
                // Argument-taking `read`/`write` are I/O, not locks.
                if LOCK_METHODS.contains(&method) && no_args {
                    return true;
                }
                match func.field("value") {
                    Some(inner) if GUARD_WRAPPERS.contains(&method) => cur = inner,
                    _ => return false,
                }
            }
            _ => return false,
        }
    }
}

/// Safe Rust cannot race on locals; only `static mut` items (and their fields) are shared.
fn shared_state(target: Node, _function: Option<Node>, src: &[u8], facts: &FileFacts) -> bool {
    let root = root_object(
        target,
        &[
            ("field_expression", "value"),
            ("index_expression", ""),
            ("parenthesized_expression", ""),
        ],
    );
    root.kind_name() == "identifier" && facts.module_names.contains(text(root, src))
}

const PURE_CALLS: &[&str] = &[
    "std::cmp::*",
    "core::cmp::*",
    "std::mem::swap",
    "std::mem::replace",
    "std::mem::take",
    "std::hint::black_box",
    "std::iter::*",
    "std::collections::*::new",
    "std::collections::*::with_capacity",
    "f32::*",
    "f64::*",
    "i8::*",
    "i16::*",
    "i32::*",
    "i64::*",
    "i128::*",
    "isize::*",
    "u8::*",
    "u16::*",
    "u32::*",
    "u64::*",
    "u128::*",
    "usize::*",
    "Vec::new",
    "Vec::with_capacity",
    "String::new",
    "String::from",
    "String::with_capacity",
    "Box::new",
    "Some",
    "Ok",
    "Err",
    "vec",
    "format",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "matches",
    "min",
    "max",
];

const PURE_METHODS: &[&str] = &[
    "iter",
    "iter_mut",
    "into_iter",
    "map",
    "filter",
    "filter_map",
    "flat_map",
    "fold",
    "sum",
    "product",
    "collect",
    "len",
    "is_empty",
    "push",
    "pop",
    "insert",
    "contains",
    "contains_key",
    "pow",
    "powi",
    "powf",
    "sqrt",
    "abs",
    "min",
    "max",
    "clamp",
    "sin",
    "cos",
    "exp",
    "ln",
    "floor",
    "ceil",
    "round",
    "wrapping_add",
    "wrapping_sub",
    "wrapping_mul",
    "checked_add",
    "checked_sub",
    "checked_mul",
    "saturating_add",
    "saturating_sub",
    "rotate_left",
    "rotate_right",
    "count_ones",
    "leading_zeros",
    "trailing_zeros",
    "rev",
    "zip",
    "enumerate",
    "take",
    "skip",
    "chain",
    "step_by",
    "windows",
    "chunks",
    "count",
    "any",
    "all",
    "find",
    "position",
    "max_by_key",
    "min_by_key",
    "sort",
    "sort_unstable",
    "sort_by",
    "sort_by_key",
    "dedup",
    "extend",
    "retain",
    "truncate",
    "reverse",
    "swap",
    "clone",
    "cloned",
    "copied",
    "to_string",
    "to_owned",
    "as_str",
    "chars",
    "bytes",
    "split",
    "trim",
    "to_lowercase",
    "to_uppercase",
    "starts_with",
    "ends_with",
    "unwrap",
    "unwrap_or",
    "unwrap_or_default",
    "is_some",
    "is_none",
    "entry",
    "or_insert",
    "or_default",
    "and_modify",
    "first",
    "last",
];

#[cfg(test)]
mod tests {
    use tree_sitter::Node;

    use super::*;
    use crate::engine::constraint::{Constraint, Context, Property, Selector, Stop, Target};
    use crate::engine::context::Ctx;
    use crate::language::Language;

    fn with_ctx<R>(src: &str, f: impl for<'t> FnOnce(&Ctx<'t>, Node<'t>) -> R) -> R {
        super::super::test_support::with_ctx(Language::Rust, src, f)
    }

    use super::super::test_support::nth;

    fn context(c: Context) -> Constraint {
        Constraint::Inside(
            vec![Selector {
                target: Target::Context(c),
                stop: Stop::None,
                follow_calls: false,
                source: String::new(),
            }],
            false,
        )
    }

    #[test]
    fn resolves_use_declarations() {
        let src = "use std::thread;\nuse std::thread::sleep as nap;\nuse std::sync::{Arc, Mutex as M};\n\
                   use std::{fs, io::{self, Read}};\nuse std::collections::*;\n\
                   fn f() { thread::sleep(d); nap(d); M::new(1); fs::read(p); io::stdin(); Arc::<u8>::new(1); \
                   std::thread::yield_now(); x.y.z(); Read::by_ref(r); }";
        with_ctx(src, |ctx, root| {
            let callee = |i| ctx.callee_names(nth(root, "call_expression", i));
            assert_eq!(callee(0), ["std::thread::sleep"]);
            assert_eq!(callee(1), ["std::thread::sleep"]);
            assert_eq!(callee(2), ["std::sync::Mutex::new"]);
            assert_eq!(callee(3), ["std::fs::read"]);
            assert_eq!(callee(4), ["std::io::stdin"]);
            assert_eq!(callee(5), ["std::sync::Arc::new"]);
            assert_eq!(callee(6), ["std::thread::yield_now"]);
            assert_eq!(callee(7), ["x.y.z"]);
            assert_eq!(callee(8), ["std::io::Read::by_ref"]);
        });
    }

    #[test]
    fn detects_async_scopes() {
        let src = "async fn a() {} fn b() { let c = async move || 1; let d = || 2; let e = async { 3 }; }";
        with_ctx(src, |_, root| {
            assert!(is_async(nth(root, "function_item", 0), b""));
            assert!(!is_async(nth(root, "function_item", 1), b""));
            assert!(is_async(nth(root, "closure_expression", 0), b""));
            assert!(!is_async(nth(root, "closure_expression", 1), b""));
            assert!(is_async(nth(root, "async_block", 0), b""));
        });
    }

    #[test]
    fn records_spawned_closures() {
        let src = "use std::thread;\nfn worker() {}\nfn main() {\n\
                   thread::spawn(|| { a(); });\n thread::spawn(worker);\n\
                   thread::scope(|s| { s.spawn(|| { b(); }); });\n tokio::spawn(async move { c().await; });\n\
                   my::spawn(|| { d(); });\n}";
        with_ctx(src, |ctx, root| {
            let entry = context(Context::ThreadEntry);
            let inside = |kind, i| {
                ctx.holds(&entry, nth(nth(root, kind, i), "call_expression", 0))
                    .is_some()
            };
            assert!(inside("closure_expression", 0), "thread::spawn closure");
            assert!(
                ctx.holds(&entry, nth(root, "block", 0)).is_some(),
                "worker passed by name"
            );
            assert!(inside("closure_expression", 2), "scoped spawn");
            assert!(inside("async_block", 0), "tokio::spawn");
            assert!(!inside("closure_expression", 3), "unknown spawn function");
        });
    }

    #[test]
    fn guards_and_drop_are_lock_calls() {
        let src = "fn f() { let g = m.lock().unwrap(); let mut h = rw.write().await; let n = f.read(&mut b)?; \
                   let l = m.lock().unwrap().len(); drop(g); }";
        with_ctx(src, |_, root| {
            let src = src.as_bytes();
            let call = |i| lock_call(nth(root, "let_declaration", i), src);
            assert_eq!(call(0), Some(("g".into(), LockOp::Acquire)));
            assert_eq!(call(1), Some(("h".into(), LockOp::Acquire)));
            assert_eq!(call(2), None);
            assert_eq!(call(3), None);
            assert_eq!(
                lock_call(nth(root, "expression_statement", 0), src),
                Some(("g".into(), LockOp::Release))
            );
        });
    }

    #[test]
    fn lock_held_until_drop() {
        let src = "fn f() { let g = m.lock().unwrap(); a(); drop(g); b(); }";
        with_ctx(src, |ctx, root| {
            let held = context(Context::LockHeld);
            let call = |name| {
                let mut i = 0;
                loop {
                    let c = nth(root, "call_expression", i);
                    if text(c.field("function").unwrap(), src.as_bytes()) == name {
                        return c;
                    }
                    i += 1;
                }
            };
            assert!(ctx.holds(&held, call("a")).is_some());
            assert!(ctx.holds(&held, call("b")).is_none());
        });
    }

    #[test]
    fn static_mut_is_shared_state() {
        let src = "static mut COUNT: u32 = 0;\nstatic TOTAL: u32 = 0;\nfn f() { let mut n = 0; unsafe { COUNT += 1; } n += 1; }";
        with_ctx(src, |ctx, root| {
            let shared = Constraint::Is(vec![Property::SharedState], false);
            let target = |i| {
                nth(root, "compound_assignment_expr", i)
                    .field("left")
                    .unwrap()
            };
            assert!(ctx.holds(&shared, target(0)).is_some());
            assert!(ctx.holds(&shared, target(1)).is_none());
        });
    }

    fn held_across_await() -> Constraint {
        Constraint::HeldAcross(vec![Selector {
            target: Target::Kinds(vec!["await_expression".into()]),
            stop: Stop::Function,
            follow_calls: false,
            source: String::new(),
        }])
    }

    #[test]
    fn guard_held_across_await() {
        let src = "async fn f() {\n\
                   let a = m.lock().unwrap(); x.await;\n\
                   let b = m.lock().unwrap(); drop(b); x.await;\n\
                   { let c = m.lock().unwrap(); c.push(1); } x.await;\n\
                   let d = m.lock().unwrap(); if k { y.await; } drop(d);\n\
                   let e = m.lock().unwrap(); if k { drop(e); } x.await;\n\
                   let _ = m.lock().unwrap(); x.await;\n\
                   let g = m.lock().unwrap(); let t = async { x.await }; drop(g);\n\
                   let h = m.lock().unwrap(); { z.await; drop(h); }\n\
                   let n = v.len(); x.await;\n\
                   let f = m.lock(); let _g = timed(f).await;\n\
                   let i = m.lock().unwrap(); log(&i); x.await;\n\
                   let j = m.lock(); let k = j.await; x.await;\n\
                   }";
        with_ctx(src, |ctx, root| {
            let held = held_across_await();
            let at = |i| ctx.holds(&held, nth(root, "let_declaration", i)).is_some();
            assert!(at(0), "await after the guard");
            assert!(!at(1), "dropped before the await");
            assert!(!at(2), "inner scope ended before the await");
            assert!(at(3), "await in a nested block before the drop");
            assert!(!at(4), "a conditional drop ends the search");
            assert!(!at(5), "`let _` holds nothing");
            assert!(!at(6), "await inside an async block is another task's");
            assert!(at(8), "await before the drop in the same block");
            assert!(!at(9), "not a lock");
            assert!(!at(10), "moved into a call before the await");
            assert!(at(12), "only borrowed by the call");
            assert!(!at(13), "the binding is an async lock's future, awaited");
            let labels = ctx.holds(&held, nth(root, "let_declaration", 0)).unwrap();
            assert!(
                labels[0].message.contains("`a` is still held"),
                "{labels:?}"
            );
        });
    }

    #[test]
    fn test_attributes_mark_test_code() {
        let src = "fn run() { a(); }\n#[cfg(test)]\nmod tests {\n    fn helper() { b(); }\n}\n\
                   #[tokio::test(flavor = \"multi_thread\")]\n// note\n#[ignore]\nasync fn t() { c(); }\n\
                   #[test]\nfn u() { d(); }\n#[cfg(feature = \"test\")]\nfn v() { e(); }\n\
                   #[testing]\nfn w() { f(); }";
        with_ctx(src, |ctx, root| {
            let test = context(Context::TestCode);
            let in_test = |i| ctx.holds(&test, nth(root, "call_expression", i)).is_some();
            assert!(!in_test(0), "plain function");
            assert!(in_test(1), "#[cfg(test)] module");
            assert!(
                in_test(2),
                "#[tokio::test(..)] after comments and attributes"
            );
            assert!(in_test(3), "#[test]");
            assert!(!in_test(4), "cfg of a feature named test");
            assert!(!in_test(5), "another attribute");
        });
    }

    #[test]
    fn thread_reachable_follows_calls_from_threads() {
        let src = "use std::thread;\nfn leaf() { a(); }\nfn mid() { leaf(); }\nfn locked() { b(); }\n\
                   fn alone() { c(); }\nfn far4() { d(); }\nfn far3() { far4(); }\nfn far2() { far3(); }\nfn far1() { far2(); }\n\
                   fn main() { thread::spawn(|| { mid(); far1(); let _g = m.lock().unwrap(); locked(); }); alone(); }";
        with_ctx(src, |ctx, root| {
            let reachable = context(Context::ThreadReachable);
            let body = |i| nth(nth(root, "function_item", i), "call_expression", 0);
            assert!(
                ctx.holds(&reachable, body(0)).is_some(),
                "two calls from the thread"
            );
            assert!(
                ctx.holds(&reachable, body(1)).is_some(),
                "one call from the thread"
            );
            assert!(
                ctx.holds(&reachable, body(2)).is_none(),
                "called under a lock"
            );
            assert!(
                ctx.holds(&reachable, body(3)).is_none(),
                "only main calls it"
            );
            assert!(
                ctx.holds(&reachable, body(4)).is_none(),
                "beyond the follow depth"
            );
            assert!(
                ctx.holds(&reachable, body(5)).is_some(),
                "three calls: the follow depth"
            );
        });
    }

    #[test]
    fn strips_generic_arguments() {
        assert_eq!(strip_generics("Vec::<u8>::new"), "Vec::new");
        assert_eq!(strip_generics("HashMap::<K, Vec<V>>"), "HashMap");
        assert_eq!(strip_generics("List<int>.Empty"), "List.Empty");
        // Names without generics keep their text, less a trailing `::`.
        assert_eq!(strip_generics("std::thread::sleep"), "std::thread::sleep");
        assert_eq!(strip_generics("a::b::"), "a::b");
        assert_eq!(strip_generics("a::::b"), "a::b");
    }
}

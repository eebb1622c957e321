//! Go semantics. Qualified names are `<import path>.<member>`: `net/http.Get`.

use tree_sitter::Node;

use super::{
    Captures, EntryKind, EntryRef, FileFacts, LockOp, Member, Semantics, any_in_scope, has_keyword,
    member_path, named_children, root_object, text, unquote,
};

/// Go's semantics table.
pub static SEMANTICS: Semantics = Semantics {
    function_kinds: FUNCTIONS,
    loop_kinds: &["for_statement"],
    class_kinds: &["type_declaration"],
    computation_kinds: &["for_statement"],
    // Goroutines block instead of suspending; there is no await.
    suspend_kinds: &[],
    call_kinds: &["call_expression"],
    separator: ".",
    facts_query: FACTS_QUERY,
    collect,
    is_async: |_, _| false,
    callee: |node| node.child_by_field_name("function"),
    path: |node, src| member_path(node, src, IDENTS, MEMBERS),
    implicit: |_| None,
    // Go has no lock blocks: `mu.Lock()` ... `mu.Unlock()`, see `lock_call`.
    lock_region: |_, _| false,
    lock_call,
    shared_state: Some(shared_state),
    thread_bases: &[],
    thread_methods: &[],
    function_body: |node| node.child_by_field_name("body"),
    pure_calls: PURE_CALLS,
    pure_methods: PURE_METHODS,
    // Receivers are named freely (`s`, `c`), so none is special.
    startup_calls: &[],
    self_names: &[],
};

const FUNCTIONS: &[&str] = &["function_declaration", "method_declaration", "func_literal"];

const IDENTS: &[&str] = &["identifier", "package_identifier", "type_identifier"];

const MEMBERS: &[Member] = &[
    Member {
        kind: "selector_expression",
        object_field: "operand",
        member_field: "field",
        separator: ".",
    },
    Member {
        kind: "qualified_type",
        object_field: "package",
        member_field: "name",
        separator: ".",
    },
];

const FACTS_QUERY: &str = r#"
(import_spec) @ravel.import
(short_var_declaration) @ravel.bind
(assignment_statement) @ravel.bind
(var_spec) @ravel.bind
(source_file (var_declaration (var_spec name: (identifier) @ravel.global)))
(source_file (var_declaration (var_spec_list (var_spec name: (identifier) @ravel.global))))
(function_declaration name: (identifier) @ravel.def.name) @ravel.def
(method_declaration name: (field_identifier) @ravel.def.name) @ravel.def
(type_declaration (type_spec name: (type_identifier) @ravel.class.name)) @ravel.class
(go_statement (call_expression function: (_) @ravel.go.fn)) @ravel.go
(call_expression
  function: (selector_expression field: (field_identifier) @ravel.spawn.method) @ravel.spawn.fn
  arguments: (argument_list) @ravel.spawn.args
  (#match? @ravel.spawn.method "^(Go|AfterFunc)$")) @ravel.spawn
"#;

fn collect<'t>(facts: &mut FileFacts<'t>, caps: &Captures<'_, 't>, src: &[u8]) -> bool {
    if let Some(spec) = caps.get("ravel.import") {
        collect_import(facts, spec, src);
    } else if let Some(node) = caps.get("ravel.bind") {
        collect_bind(facts, node, src);
    } else if let (Some(site), Some(target)) = (caps.get("ravel.go"), caps.get("ravel.go.fn")) {
        // `go f(x)` / `go func() { .. }()`: the called function runs on a new goroutine.
        facts.entry_refs.push(EntryRef {
            kind: EntryKind::Thread,
            target,
            site,
            receiver: None,
            receiver_from: &[],
        });
    } else if let (Some(site), Some(func), Some(method), Some(args)) = (
        caps.get("ravel.spawn"),
        caps.get("ravel.spawn.fn"),
        caps.get("ravel.spawn.method"),
        caps.get("ravel.spawn.args"),
    ) {
        let args = named_children(args);
        let (target, receiver, from): (_, _, &'static [&'static str]) = match text(method, src) {
            // errgroup.Group.Go / sync.WaitGroup.Go (Go 1.25) take only the function.
            "Go" if args.len() == 1 => (args.first().copied(), None, &[]),
            "AfterFunc" => (args.get(1).copied(), Some(func), &["time.AfterFunc"]),
            _ => (None, None, &[]),
        };
        if let Some(target) = target {
            facts.entry_refs.push(EntryRef {
                kind: EntryKind::Thread,
                target,
                site,
                receiver,
                receiver_from: from,
            });
        }
    } else {
        return false;
    }
    true
}

/// `import "net/http"` binds `http`; `import h "net/http"` binds `h`. `_` binds nothing; `.`
/// imports are ignored: as wildcards they would prefix every unimported name, and a glob such
/// as `strings.*` would then match any call.
fn collect_import<'t>(facts: &mut FileFacts<'t>, spec: Node<'t>, src: &[u8]) {
    let Some(path) = spec.child_by_field_name("path") else {
        return;
    };
    let path = unquote(text(path, src)).to_string();
    match spec.child_by_field_name("name") {
        Some(n) if n.kind() == "dot" || n.kind() == "blank_identifier" => {}
        Some(n) => facts.import(text(n, src), path),
        None => {
            let local = package_name(&path).to_string();
            facts.import(&local, path);
        }
    }
}

/// The conventional package name of an import path: `github.com/x/y/v2` → `y`,
/// `gopkg.in/yaml.v3` → `yaml`, `github.com/mattn/go-sqlite3` → `sqlite3`.
pub fn package_name(path: &str) -> &str {
    let is_major =
        |s: &str| s.len() > 1 && s.starts_with('v') && s[1..].bytes().all(|b| b.is_ascii_digit());
    let mut segments = path.rsplit('/');
    let mut last = segments.next().unwrap_or(path);
    if is_major(last) {
        last = segments.next().unwrap_or(last);
    }
    if let Some((base, v)) = last.rsplit_once('.')
        && is_major(v)
    {
        last = base;
    }
    let last = last.strip_prefix("go-").unwrap_or(last);
    last.strip_suffix("-go").unwrap_or(last)
}

/// `a, b := f(), g()`, `x = y`, `var x = v`: each name paired with its value.
fn collect_bind<'t>(facts: &mut FileFacts<'t>, node: Node<'t>, src: &[u8]) {
    let (names, values) = match node.kind() {
        "var_spec" => {
            let mut cursor = node.walk();
            let names: Vec<Node<'t>> = node.children_by_field_name("name", &mut cursor).collect();
            (
                names,
                node.child_by_field_name("value")
                    .map(named_children)
                    .unwrap_or_default(),
            )
        }
        // `x += 1` rebinds nothing.
        "assignment_statement" if !has_keyword(node, "=") => return,
        _ => {
            let side = |f| {
                node.child_by_field_name(f)
                    .map(named_children)
                    .unwrap_or_default()
            };
            (side("left"), side("right"))
        }
    };
    // `a, b := f()` binds both names to the one call.
    let single = (values.len() == 1).then(|| values[0]);
    for (i, name) in names.into_iter().enumerate() {
        let Some(value) = values.get(i).copied().or(single) else {
            continue;
        };
        let spelled = text(name, src);
        if spelled == "_" {
            continue;
        }
        facts.bind(spelled, value, name);
    }
}

/// `mu.Lock()` / `mu.RLock()` acquire and `mu.Unlock()` / `mu.RUnlock()` release; a
/// `defer mu.Unlock()` releases only at return, so it is not a release here.
fn lock_call(stmt: Node, src: &[u8]) -> Option<(String, LockOp)> {
    if stmt.kind() != "expression_statement" {
        return None;
    }
    let call = stmt
        .named_child(0)
        .filter(|c| c.kind() == "call_expression")?;
    let func = call
        .child_by_field_name("function")
        .filter(|f| f.kind() == "selector_expression")?;
    let op = match text(func.child_by_field_name("field")?, src) {
        "Lock" | "RLock" => LockOp::Acquire,
        "Unlock" | "RUnlock" => LockOp::Release,
        _ => return None,
    };
    Some((
        text(func.child_by_field_name("operand")?, src).to_string(),
        op,
    ))
}

/// A variable not declared in the innermost function — a package variable or one captured
/// from an enclosing function — or a field or element of one.
fn shared_state(target: Node, function: Option<Node>, src: &[u8], _facts: &FileFacts) -> bool {
    let Some(function) = function else {
        return false;
    };
    let root = root_object(
        target,
        &[
            ("selector_expression", "operand"),
            ("index_expression", "operand"),
            ("parenthesized_expression", ""),
        ],
    );
    let name = text(root, src);
    root.kind() == "identifier" && name != "_" && !declared_in(function, name, src)
}

/// Is `name` a parameter, receiver, result or local of `function` (not of nested literals)?
fn declared_in(function: Node, name: &str, src: &[u8]) -> bool {
    let is = |n: Node| n.kind() == "identifier" && text(n, src) == name;
    any_in_scope(function, FUNCTIONS, |node| {
        match node.kind() {
            "parameter_declaration"
            | "variadic_parameter_declaration"
            | "var_spec"
            | "const_spec" => {
                let mut cursor = node.walk();
                node.children_by_field_name("name", &mut cursor).any(is)
            }
            "short_var_declaration" => node
                .child_by_field_name("left")
                .is_some_and(|l| named_children(l).into_iter().any(is)),
            // `for k, v := range m`, `case v := <-ch`.
            "range_clause" | "receive_statement" if has_keyword(node, ":=") => node
                .child_by_field_name("left")
                .is_some_and(|l| named_children(l).into_iter().any(is)),
            "type_switch_statement" => node
                .child_by_field_name("alias")
                .is_some_and(|a| named_children(a).into_iter().any(is)),
            _ => false,
        }
    })
}

const PURE_CALLS: &[&str] = &[
    "len",
    "cap",
    "append",
    "make",
    "new",
    "copy",
    "delete",
    "min",
    "max",
    "int",
    "int32",
    "int64",
    "uint",
    "uint32",
    "uint64",
    "float32",
    "float64",
    "string",
    "byte",
    "rune",
    "math.*",
    "math/bits.*",
    "math/big.*",
    "math/cmplx.*",
    "math/rand.*",
    "math/rand/v2.*",
    "strconv.*",
    "strings.*",
    "bytes.*",
    "sort.*",
    "slices.*",
    "maps.*",
    "unicode.*",
    "unicode/utf8.*",
    "hash/crc32.*",
    "hash/fnv.*",
    "crypto/sha256.*",
    "crypto/sha1.*",
    "crypto/md5.*",
    "encoding/hex.*",
    "encoding/base64.*",
    "errors.New",
    "errors.Is",
    "errors.As",
    "fmt.Sprintf",
    "fmt.Sprint",
    "fmt.Sprintln",
    "fmt.Errorf",
    "container/heap.*",
    "container/list.*",
];

const PURE_METHODS: &[&str] = &[
    "Len",
    "String",
    "Cmp",
    "Add",
    "Sub",
    "Mul",
    "Quo",
    "Div",
    "Mod",
    "Exp",
    "Sqrt",
    "Less",
    "Swap",
    "Sum",
    "Sum32",
    "Sum64",
    "Reset",
    "Grow",
    "WriteString",
    "WriteByte",
    "WriteRune",
];

#[cfg(test)]
mod tests {
    use tree_sitter::Node;

    use super::*;
    use crate::engine::constraint::{Constraint, Context, Property};
    use crate::engine::context::Ctx;
    use crate::language::Language;

    fn with_ctx<R>(src: &str, f: impl for<'t> FnOnce(&Ctx<'t>, Node<'t>) -> R) -> R {
        super::super::test_support::with_ctx(Language::Go, src, f)
    }

    use super::super::test_support::{inside, nth};

    #[test]
    fn package_names_follow_conventions() {
        assert_eq!(package_name("net/http"), "http");
        assert_eq!(package_name("github.com/x/y/v2"), "y");
        assert_eq!(package_name("gopkg.in/yaml.v3"), "yaml");
        assert_eq!(package_name("github.com/mattn/go-sqlite3"), "sqlite3");
        assert_eq!(package_name("time"), "time");
    }

    #[test]
    fn resolves_imports() {
        let src = "package p\nimport (\n\t\"time\"\n\th \"net/http\"\n\t_ \"embed\"\n\t. \"fmt\"\n\t\"gopkg.in/yaml.v3\"\n)\n\
                   func f() { h.Get(u); time.Sleep(1); yaml.Marshal(v); Println(1); var c http.Client; _ = c }";
        with_ctx(src, |ctx, root| {
            let callee = |i| ctx.callee_names(nth(root, "call_expression", i));
            assert_eq!(callee(0), ["net/http.Get"]);
            assert_eq!(callee(1), ["time.Sleep"]);
            assert_eq!(callee(2), ["gopkg.in/yaml.v3.Marshal"]);
            assert_eq!(callee(3), ["Println"]);
            // `http` is not imported under that name here.
            assert_eq!(ctx.resolve(nth(root, "qualified_type", 0)), ["http.Client"]);
        });
    }

    #[test]
    fn go_statements_are_thread_entries() {
        let src = "package p\nfunc worker() { a() }\nfunc main() {\n\tgo func() { b() }()\n\tgo worker()\n\
                   \trun := func() { c() }\n\tgo run()\n\tg.Go(func() error { d(); return nil })\n\
                   \ttime.AfterFunc(1, func() { e() })\n\tfunc() { f() }()\n}";
        with_ctx(src, |ctx, root| {
            let entry = inside(Context::ThreadEntry);
            let call = |name: &str| {
                (0..)
                    .map(|i| nth(root, "call_expression", i))
                    .find(|c| {
                        text(c.child_by_field_name("function").unwrap(), src.as_bytes()) == name
                    })
                    .unwrap()
            };
            for name in ["a", "b", "c", "d", "e"] {
                assert!(
                    ctx.holds(&entry, call(name)).is_some(),
                    "{name} runs on a goroutine"
                );
            }
            assert!(ctx.holds(&entry, call("f")).is_none());
        });
    }

    #[test]
    fn lock_calls_and_defer() {
        let src = "package p\nfunc f() { s.mu.Lock(); mu.RUnlock(); defer mu.Unlock(); mu.Unlock(); a() }";
        with_ctx(src, |_, root| {
            let block = nth(root, "statement_list", 0);
            let calls: Vec<_> = named_children(block)
                .into_iter()
                .map(|s| lock_call(s, src.as_bytes()))
                .collect();
            assert_eq!(
                calls,
                [
                    Some(("s.mu".into(), LockOp::Acquire)),
                    Some(("mu".into(), LockOp::Release)),
                    None,
                    Some(("mu".into(), LockOp::Release)),
                    None
                ]
            );
        });
    }

    #[test]
    fn lock_held_between_lock_and_unlock() {
        let src = "package p\nfunc f() { mu.Lock(); defer mu.Unlock(); a() }\nfunc g() { mu.Lock(); mu.Unlock(); b() }";
        with_ctx(src, |ctx, root| {
            let held = inside(Context::LockHeld);
            let call = |i| nth(root, "call_expression", i);
            assert!(ctx.holds(&held, call(2)).is_some(), "defer keeps the lock");
            assert!(ctx.holds(&held, call(5)).is_none(), "unlocked before b()");
        });
    }

    #[test]
    fn captured_counters_are_shared() {
        let src = "package p\nvar total int\nfunc main() {\n\tn := 0\n\tgo func() { n++; m := 0; m++; s.count++ }()\n\
                   \ttotal += 1\n\tn++\n}\nfunc (c *C) inc(k int) { k++; c.n++ }";
        with_ctx(src, |ctx, root| {
            let shared = Constraint::Is(vec![Property::SharedState], false);
            let inc = |i| nth(root, "inc_statement", i).named_child(0).unwrap();
            assert!(ctx.holds(&shared, inc(0)).is_some(), "captured n");
            assert!(ctx.holds(&shared, inc(1)).is_none(), "local m");
            assert!(ctx.holds(&shared, inc(2)).is_some(), "field of captured s");
            assert!(
                ctx.holds(&shared, inc(3)).is_none(),
                "n in its own function"
            );
            assert!(ctx.holds(&shared, inc(4)).is_none(), "parameter");
            assert!(
                ctx.holds(&shared, inc(5)).is_none(),
                "receiver field (conservative)"
            );
            let total = nth(root, "assignment_statement", 0)
                .child_by_field_name("left")
                .unwrap()
                .named_child(0)
                .unwrap();
            assert!(ctx.holds(&shared, total).is_some(), "package variable");
        });
    }
}

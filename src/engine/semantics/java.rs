//! Java semantics.

use crate::engine::syntax::Syntax;
use tree_sitter::Node;

use super::{
    Captures, EntryKind, EntryRef, FileFacts, LockOp, Member, Name, Semantics, member_path,
    named_children, text,
};

/// Java's semantics table.
pub static SEMANTICS: Semantics = Semantics {
    function_kinds: &[
        "method_declaration",
        "constructor_declaration",
        "lambda_expression",
    ],
    loop_kinds: &[
        "for_statement",
        "enhanced_for_statement",
        "while_statement",
        "do_statement",
    ],
    class_kinds: &[
        "class_declaration",
        "enum_declaration",
        "record_declaration",
    ],
    computation_kinds: &[
        "for_statement",
        "enhanced_for_statement",
        "while_statement",
        "do_statement",
    ],
    suspend_kinds: &[],
    call_kinds: &["method_invocation", "object_creation_expression"],
    separator: ".",
    facts_query: FACTS_QUERY,
    collect,
    is_async: |_, _| false,
    // A method invocation spells its own name (`pool.submit`); `new T()` names its type.
    callee: |node| match node.kind_name() {
        "object_creation_expression" => node.field("type"),
        _ => Some(node),
    },
    path,
    implicit: |head| {
        const LANG: &[&str] = &[
            "Thread",
            "Runnable",
            "System",
            "Math",
            "String",
            "Integer",
            "Long",
            "Double",
            "Object",
            "Runtime",
            "ThreadLocal",
            "StringBuilder",
            "Character",
            "Boolean",
            "Float",
            "Short",
            "Byte",
            "Iterable",
            "Process",
            "ProcessBuilder",
            "InterruptedException",
        ];
        LANG.contains(&head).then_some("java.lang")
    },
    lock_region: |node, _| match node.kind_name() {
        "synchronized_statement" => true,
        "method_declaration" => named_children(node).iter().any(|c| {
            c.kind_name() == "modifiers"
                && super::children(*c)
                    .iter()
                    .any(|m| m.kind_name() == "synchronized")
        }),
        _ => false,
    },
    lock_call,
    shared_state: Some(shared_state),
    // A Thread subclass's run() runs on its own thread. A class that merely implements
    // Runnable or Callable may run anywhere (often a single-thread executor that confines
    // its state), so only the tasks handed to a spawn site count for those.
    thread_bases: &["java.lang.Thread"],
    thread_methods: &["run", "call"],
    function_body: |node| node.field("body"),
    pure_calls: &[
        "java.lang.Math.*",
        "java.lang.Integer.*",
        "java.lang.Long.*",
        "java.lang.Double.*",
        "java.lang.String.valueOf",
        "java.lang.String.format",
        "java.util.Arrays.*",
        "java.util.List.of",
        "java.util.Map.of",
        "java.lang.StringBuilder",
        "java.util.ArrayList",
        "java.util.HashMap",
    ],
    pure_methods: &[
        "add",
        "put",
        "size",
        "length",
        "charAt",
        "equals",
        "hashCode",
        "append",
        "toString",
        "substring",
        "compareTo",
        "contains",
        "isEmpty",
        "indexOf",
        "sqrt",
        "abs",
        "max",
        "min",
    ],
    startup_calls: &[],
    self_names: &["this"],
};

const MEMBERS: &[Member] = &[
    Member {
        kind: "field_access",
        object_field: "object",
        member_field: "field",
        separator: ".",
    },
    Member {
        kind: "scoped_identifier",
        object_field: "scope",
        member_field: "name",
        separator: ".",
    },
    Member {
        kind: "method_invocation",
        object_field: "object",
        member_field: "name",
        separator: ".",
    },
];

const FACTS_QUERY: &str = r#"
(import_declaration) @ravel.import
(variable_declarator name: (identifier) @ravel.bind.name value: (_) @ravel.bind.value)
(resource name: (identifier) @ravel.bind.name value: (_) @ravel.bind.value)
(assignment_expression left: (_) @ravel.bind.name right: (_) @ravel.bind.value)
(method_declaration name: (identifier) @ravel.def.name) @ravel.def
(class_declaration name: (identifier) @ravel.class.name) @ravel.class
(method_invocation
  name: (identifier) @ravel.spawn.name
  arguments: (argument_list) @ravel.spawn.args
  (#any-of? @ravel.spawn.name "submit" "execute" "schedule" "scheduleAtFixedRate" "scheduleWithFixedDelay" "supplyAsync" "runAsync" "startVirtualThread" "start" "unstarted")) @ravel.spawn
(object_creation_expression
  type: (_) @ravel.spawn.type
  arguments: (argument_list) @ravel.spawn.args
  (#match? @ravel.spawn.type "Thread$")) @ravel.spawn
(field_declaration
  (modifiers "volatile")
  declarator: (variable_declarator name: (identifier) @ravel.volatile))
"#;

fn path(node: Node, src: &[u8]) -> Option<Name> {
    match node.kind_name() {
        // `java.io.File`, `ArrayList<String>`: spell the type as written.
        "scoped_type_identifier" => {
            let t = text(node, src);
            let (head, rest) = t.split_once('.').unwrap_or((t, ""));
            let rest = if rest.is_empty() {
                String::new()
            } else {
                format!(".{rest}")
            };
            Some(Name {
                head: head.to_string(),
                rest: rest.replace(' ', ""),
            })
        }
        "generic_type" => path(node.named_child(0)?, src),
        _ => member_path(
            node,
            src,
            &["identifier", "this", "type_identifier"],
            MEMBERS,
        ),
    }
}

fn collect<'t>(facts: &mut FileFacts<'t>, caps: &Captures<'_, 't>, src: &[u8]) -> bool {
    if let Some(node) = caps.get("ravel.import") {
        let spelled: String = text(node, src)
            .trim_start_matches("import")
            .trim_end_matches(';')
            .split_whitespace()
            .filter(|w| *w != "static")
            .collect();
        if let Some(prefix) = spelled.strip_suffix(".*") {
            facts.wildcards.push(prefix.to_string());
        } else if let Some((_, last)) = spelled.rsplit_once('.') {
            facts.import(last, spelled.clone());
        }
    } else if let (Some(class), Some(name)) =
        (caps.get("ravel.class"), caps.get("ravel.class.name"))
    {
        let mut bases = Vec::new();
        for field in ["superclass", "interfaces"] {
            if let Some(n) = class.field(field) {
                let mut stack = vec![n];
                while let Some(c) = stack.pop() {
                    if matches!(c.kind_name(), "type_identifier" | "scoped_type_identifier") {
                        bases.push(text(c, src).to_string());
                    } else {
                        stack.extend(named_children(c));
                    }
                }
            }
        }
        facts
            .classes
            .insert(text(name, src).to_string(), (class, bases));
    } else if let (Some(site), Some(args)) = (caps.get("ravel.spawn"), caps.get("ravel.spawn.args"))
    {
        // Executor submissions, CompletableFuture.*Async, new Thread(r), Thread.ofVirtual().start(r).
        if let Some(task) = named_children(args).into_iter().next() {
            let receiver = site.field("object");
            let method = caps.get("ravel.spawn.name").map(|n| text(n, src));
            // Virtual threads: Thread.startVirtualThread(r), Thread.ofVirtual()...start(r) and
            // unstarted(r), and tasks of a virtual-thread-per-task executor.
            let virtual_from: Option<&'static [&'static str]> = match method {
                Some("startVirtualThread") => Some(&[]),
                Some("start" | "unstarted") => Some(&["java.lang.Thread.ofVirtual*"]),
                Some("submit" | "execute") => {
                    Some(&["java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor"])
                }
                _ => None,
            };
            // An anonymous Runnable or Callable: its run/call methods are the task.
            let targets: Vec<Node<'t>> = match anonymous_body(task) {
                Some(body) => named_children(body)
                    .into_iter()
                    .filter(|m| {
                        m.kind_name() == "method_declaration"
                            && m.field("name")
                                .is_some_and(|n| matches!(text(n, src), "run" | "call"))
                    })
                    .collect(),
                None => vec![task],
            };
            // Tasks of a single-thread executor are confined to its thread: the context leaves
            // them out (`Ctx::one_worker`), like every language's one-worker pools.
            for target in targets {
                facts.entry_refs.push(EntryRef {
                    kind: EntryKind::Thread,
                    target,
                    site,
                    receiver,
                    receiver_from: &[],
                });
                if let Some(from) = virtual_from {
                    facts.entry_refs.push(EntryRef {
                        kind: EntryKind::VirtualThread,
                        target,
                        site,
                        receiver,
                        receiver_from: from,
                    });
                }
            }
        }
    } else if let Some(name) = caps.get("ravel.volatile") {
        facts.volatile_fields.insert(text(name, src).to_string());
    } else {
        return false;
    }
    true
}

fn lock_call(stmt: Node, src: &[u8]) -> Option<(String, LockOp)> {
    let call = match stmt.kind_name() {
        "expression_statement" => stmt.named_child(0)?,
        // `long stamp = sl.writeLock();`: a StampedLock's stamp (`Lock w = rw.writeLock()`
        // only fetches a lock object).
        "local_variable_declaration"
            if stmt.field("type").is_some_and(|t| text(t, src) == "long") =>
        {
            stmt.field("declarator")?.field("value")?
        }
        _ => stmt,
    };
    if call.kind_name() != "method_invocation" {
        return None;
    }
    let recv = text(call.field("object")?, src).to_string();
    match text(call.field("name")?, src) {
        "lock" | "lockInterruptibly" | "writeLock" | "readLock" => Some((recv, LockOp::Acquire)),
        "unlock" | "unlockWrite" | "unlockRead" => Some((recv, LockOp::Release)),
        _ => None,
    }
}

/// The class body of `new Runnable() { .. }`, if the expression creates an anonymous class.
fn anonymous_body(node: Node) -> Option<Node> {
    if node.kind_name() != "object_creation_expression" {
        return None;
    }
    named_children(node)
        .into_iter()
        .find(|c| c.kind_name() == "class_body")
}

/// Node kinds that declare a local name in their `name` field.
const LOCAL_DECLARATIONS: &[&str] = &[
    "variable_declarator",
    "formal_parameter",
    "spread_parameter",
    "catch_formal_parameter",
    "enhanced_for_statement",
    "resource",
];

/// Is `name` declared as a local (variable, parameter, loop or catch variable) in `function`?
fn declares_local(function: Node, name: &str, src: &[u8]) -> bool {
    if function.kind_name() == "lambda_expression"
        && let Some(params) = function.field("parameters")
        && matches!(params.kind_name(), "identifier" | "inferred_parameters")
        && super::mentions(params, name, src)
    {
        return true;
    }
    super::any_in_scope(function, &[], |n| {
        LOCAL_DECLARATIONS.contains(&n.kind_name())
            && n.field("name").is_some_and(|d| text(d, src) == name)
    })
}

/// A field of a thread's own object: declared in the anonymous class, or the Thread/Runnable/
/// Callable subclass, whose method `function` is. Each task object has its own.
fn own_field(function: Node, name: &str, src: &[u8]) -> bool {
    if function.kind_name() != "method_declaration" {
        return false;
    }
    let Some(body) = function.parent().filter(|p| p.kind_name() == "class_body") else {
        return false;
    };
    let Some(class) = body.parent() else {
        return false;
    };
    let runnable = match class.kind_name() {
        "object_creation_expression" => true,
        "class_declaration" => ["superclass", "interfaces"].iter().any(|f| {
            class.field(f).is_some_and(|b| {
                let t = text(b, src);
                t.contains("Thread") || t.contains("Runnable") || t.contains("Callable")
            })
        }),
        _ => false,
    };
    runnable
        && named_children(body).iter().any(|m| {
            m.kind_name() == "field_declaration"
                && named_children(*m).iter().any(|d| {
                    d.kind_name() == "variable_declarator"
                        && d.field("name").is_some_and(|n| text(n, src) == name)
                })
        })
}

/// Is an assignment target a field other threads can see? `count`, `this.count`,
/// `Stats.total`, `hits[i]` on such a field or a captured array; not a local of the innermost
/// function (lambdas cannot assign captured locals, so other bare names are fields), and not a
/// field of the task object itself.
fn shared_state(target: Node, function: Option<Node>, src: &[u8], _facts: &FileFacts) -> bool {
    let mut node = target;
    while node.kind_name() == "array_access" {
        match node.field("array") {
            Some(a) => node = a,
            None => return false,
        }
    }
    let Some(function) = function else {
        return false;
    };
    let (root, field) = match node.kind_name() {
        "identifier" => (node, node),
        "field_access" => {
            let Some(field) = node.field("field") else {
                return false;
            };
            let mut object = node;
            while object.kind_name() == "field_access" {
                match object.field("object") {
                    Some(o) => object = o,
                    None => return false,
                }
            }
            (object, field)
        }
        _ => return false,
    };
    let field_name = text(field, src);
    match root.kind_name() {
        "this" => {
            !(node.kind_name() == "field_access"
                && node
                    .field("object")
                    .is_some_and(|o| o.kind_name() == "this")
                && own_field(function, field_name, src))
        }
        "identifier" => {
            let head = text(root, src);
            if declares_local(function, head, src) {
                return false;
            }
            // A bare name that is not a local is a field: of the task itself, or shared.
            !(root.id() == node.id() && own_field(function, head, src))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use tree_sitter::Node;

    use super::*;
    use crate::engine::constraint::{Constraint, Context, Property, Selector, Stop, Target};
    use crate::engine::context::Ctx;
    use crate::engine::names::NameSet;
    use crate::language::Language;

    fn with_ctx<R>(src: &str, f: impl for<'t> FnOnce(&Ctx<'t>, Node<'t>) -> R) -> R {
        super::super::test_support::with_ctx(Language::Java, src, f)
    }

    use super::super::test_support::{inside, nth};

    /// The first method invocation named `name`.
    fn call<'t>(root: Node<'t>, src: &str, name: &str) -> Node<'t> {
        (0..)
            .map(|i| nth(root, "method_invocation", i))
            .find(|c| text(c.field("name").unwrap(), src.as_bytes()) == name)
            .unwrap()
    }

    #[test]
    fn virtual_thread_code_and_its_same_file_callees() {
        let src = "class C {\n\
            void a() { direct(); }\n\
            void helper() { deep(); }\n\
            void deep() { reached(); }\n\
            void b() { platformOnly(); }\n\
            void go(java.util.concurrent.ExecutorService pool) {\n\
              try (var ex = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {\n\
                ex.submit(() -> { helper(); pool.submit(() -> handedOn()); });\n\
              }\n\
              Thread.startVirtualThread(this::a);\n\
              Thread.ofVirtual().name(\"v\").start(() -> built());\n\
              pool.submit(this::b);\n\
              new Thread(() -> plain()).start();\n\
            }\n\
          }";
        with_ctx(src, |ctx, root| {
            let on_virtual = inside(Context::VirtualThread);
            for name in ["direct", "reached", "built", "helper"] {
                assert!(
                    ctx.holds(&on_virtual, call(root, src, name)).is_some(),
                    "{name}"
                );
            }
            for name in ["platformOnly", "handedOn", "plain"] {
                assert!(
                    ctx.holds(&on_virtual, call(root, src, name)).is_none(),
                    "{name}"
                );
            }
            // Every virtual-thread task is a thread entry too.
            let entry = inside(Context::ThreadEntry);
            assert!(ctx.holds(&entry, call(root, src, "direct")).is_some());
        });
    }

    #[test]
    fn lock_block_is_synchronized_only() {
        let src = "class C {\n\
            synchronized void m() { a(); }\n\
            void n() { synchronized (this) { b(); } lock.lock(); try { c(); } finally { lock.unlock(); } }\n\
          }";
        with_ctx(src, |ctx, root| {
            let block = inside(Context::LockBlock);
            let held = inside(Context::LockHeld);
            assert!(ctx.holds(&block, call(root, src, "a")).is_some());
            assert!(ctx.holds(&block, call(root, src, "b")).is_some());
            assert!(ctx.holds(&block, call(root, src, "c")).is_none());
            assert!(ctx.holds(&held, call(root, src, "c")).is_some());
        });
    }

    #[test]
    fn argument_of_names_the_call_a_lambda_is_passed_to() {
        let src = "class C { void m(java.util.List<String> xs) {\n\
            xs.parallelStream().map(x -> f(x)).forEach(y -> g(y));\n\
            xs.stream().forEach(z -> h(z));\n\
            run(() -> k()).thenApply(v -> j(v));\n\
          } }";
        with_ctx(src, |ctx, root| {
            let sel = |globs: &[&str]| {
                let globs: Vec<String> = globs.iter().map(|g| g.to_string()).collect();
                Constraint::Inside(
                    vec![Selector {
                        target: Target::ArgumentOf(NameSet::new(&globs).unwrap()),
                        stop: Stop::Function,
                        follow_calls: false,
                        source: String::new(),
                    }],
                    false,
                )
            };
            let parallel = sel(&["*.parallelStream.*"]);
            assert!(ctx.holds(&parallel, call(root, src, "f")).is_some());
            assert!(ctx.holds(&parallel, call(root, src, "g")).is_some());
            assert!(ctx.holds(&parallel, call(root, src, "h")).is_none());
            let then = sel(&["*.thenApply"]);
            assert!(ctx.holds(&then, call(root, src, "j")).is_some());
            // A lambda passed to the receiver's call is not the callback's.
            assert!(ctx.holds(&then, call(root, src, "k")).is_none());
        });
    }

    #[test]
    fn argument_of_is_an_inside_selector_only() {
        let rule = |table: &str| {
            crate::rule::compile::compile(
                "t",
                "java/t.toml",
                &format!(
                    "id = \"t\"\npattern = \"shared-mutable-state\"\nseverity = \"error\"\n\
                     message = \"m\"\nquery = \"(method_invocation) @match\"\n\
                     [where.match]\n{table}\n[guide]\nsection = \"Quick Reference\"\n\
                     why = \"w\"\nhelp = \"h\"\ncorrect = \"c\"\n"
                ),
            )
        };
        assert!(rule("inside = { argument-of = [\"*.parallelStream.*\"] }").is_ok());
        assert!(rule("inside = [\"virtual-thread\", \"lock-block\"]").is_ok());
        assert!(rule("is = [\"volatile\"]").is_ok());
        let err = rule("has = { argument-of = [\"*.forEach\"] }").unwrap_err();
        assert!(err.to_string().contains("argument-of"), "{err}");
    }

    #[test]
    fn shared_state_and_volatile_fields() {
        let src = "class C {\n\
            volatile int v; int n; int[] arr;\n\
            void m(int p) {\n\
              pool.submit(() -> { n++; this.v++; arr[0]++; int local = 0; local++; p2(); });\n\
              pool.submit(new Runnable() { int own; public void run() { own++; n++; } });\n\
            }\n\
          }";
        with_ctx(src, |ctx, root| {
            let shared = Constraint::Is(vec![Property::SharedState], false);
            let volatile = Constraint::Is(vec![Property::Volatile], false);
            let target = |i| nth(root, "update_expression", i).named_child(0).unwrap();
            // n++, this.v++, arr[0]++ are shared; local++ is not; own++ is the task's own
            // field; n++ in the anonymous Runnable is the outer object's.
            let expected = [true, true, true, false, false, true];
            for (i, want) in expected.iter().enumerate() {
                assert_eq!(ctx.holds(&shared, target(i)).is_some(), *want, "#{i}");
            }
            assert!(ctx.holds(&volatile, target(1)).is_some());
            assert!(ctx.holds(&volatile, target(0)).is_none());
        });
    }
}

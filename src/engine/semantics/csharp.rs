//! C# semantics.

use crate::engine::syntax::Syntax;
use tree_sitter::Node;

use super::strip_generics;
use super::{
    Captures, EntryKind, EntryRef, FileFacts, LockOp, Member, Name, Semantics, any_in_scope,
    member_path, named_children, root_object, text,
};

/// C#'s semantics table.
pub static SEMANTICS: Semantics = Semantics {
    function_kinds: FUNCTIONS,
    loop_kinds: LOOPS,
    class_kinds: &[
        "class_declaration",
        "struct_declaration",
        "record_declaration",
    ],
    computation_kinds: LOOPS,
    suspend_kinds: &["await_expression", "yield_statement"],
    call_kinds: &["invocation_expression", "object_creation_expression"],
    separator: ".",
    facts_query: FACTS_QUERY,
    collect,
    // `async` is a `modifier` node (in lambdas a leaf whose text is `async`).
    is_async: |node, src| {
        named_children(node)
            .into_iter()
            .any(|c| c.kind_name() == "modifier" && text(c, src) == "async")
    },
    callee: |node| match node.kind_name() {
        "object_creation_expression" => node.field("type"),
        _ => node.field("function"),
    },
    path,
    implicit,
    lock_region: |node, _| node.kind_name() == "lock_statement",
    lock_call,
    shared_state: Some(shared_state),
    thread_bases: &[],
    thread_methods: &[],
    function_body: |node| match node.kind_name() {
        // `delegate { .. }` has its block as an unnamed child.
        "anonymous_method_expression" => named_children(node)
            .into_iter()
            .find(|c| c.kind_name() == "block"),
        _ => node.field("body"),
    },
    pure_calls: PURE_CALLS,
    pure_methods: PURE_METHODS,
    startup_calls: &[],
    self_names: &["this"],
};

const FUNCTIONS: &[&str] = &[
    "method_declaration",
    "local_function_statement",
    "lambda_expression",
    "anonymous_method_expression",
    "constructor_declaration",
];

const LOOPS: &[&str] = &[
    "for_statement",
    "foreach_statement",
    "while_statement",
    "do_statement",
];

/// `this` is an anonymous token in this grammar, not a `this_expression` node.
const IDENTS: &[&str] = &["identifier", "this", "generic_name", "predefined_type"];

const MEMBERS: &[Member] = &[
    Member {
        kind: "member_access_expression",
        object_field: "expression",
        member_field: "name",
        separator: ".",
    },
    Member {
        kind: "qualified_name",
        object_field: "qualifier",
        member_field: "name",
        separator: ".",
    },
];

const FACTS_QUERY: &str = r#"
(using_directive) @ravel.import
(variable_declarator name: (identifier) @ravel.bind.name "=" (_) @ravel.bind.value)
(assignment_expression left: (_) @ravel.bind.name operator: "=" right: (_) @ravel.bind.value)
(method_declaration name: (identifier) @ravel.def.name) @ravel.def
(local_function_statement name: (identifier) @ravel.def.name) @ravel.def
(class_declaration name: (identifier) @ravel.class.name) @ravel.class
(struct_declaration name: (identifier) @ravel.class.name) @ravel.class
(record_declaration name: (identifier) @ravel.class.name) @ravel.class
(invocation_expression
  function: (member_access_expression name: (identifier) @ravel.spawn.method) @ravel.spawn.fn
  arguments: (argument_list) @ravel.spawn.args
  (#match? @ravel.spawn.method "^(Run|StartNew|QueueUserWorkItem|UnsafeQueueUserWorkItem|For|ForEach|Invoke)$")) @ravel.spawn
(object_creation_expression
  type: (_) @ravel.spawn.fn
  arguments: (argument_list) @ravel.spawn.args
  (#match? @ravel.spawn.fn "(^|[.])(Thread|Timer)$")) @ravel.spawn
"#;

/// Types reachable without a `using` through .NET's implicit global usings.
fn implicit(head: &str) -> Option<&'static str> {
    Some(match head {
        "Task"
        | "ValueTask"
        | "Parallel"
        | "TaskFactory"
        | "TaskCompletionSource"
        | "TaskScheduler" => "System.Threading.Tasks",
        "Thread"
        | "Interlocked"
        | "Monitor"
        | "SemaphoreSlim"
        | "Semaphore"
        | "Volatile"
        | "ThreadPool"
        | "Mutex"
        | "CancellationToken"
        | "CancellationTokenSource"
        | "Timer"
        | "ReaderWriterLockSlim"
        | "ManualResetEvent"
        | "ManualResetEventSlim"
        | "AutoResetEvent"
        | "SpinLock"
        | "Lock" => "System.Threading",
        "File" | "Directory" | "Path" | "Stream" | "StreamReader" | "StreamWriter"
        | "FileStream" => "System.IO",
        "HttpClient" => "System.Net.Http",
        "List" | "Dictionary" | "HashSet" | "Queue" | "Stack" => "System.Collections.Generic",
        "Enumerable" => "System.Linq",
        "Console" | "Math" | "MathF" | "GC" | "Convert" | "String" | "Environment" => "System",
        _ => return None,
    })
}

fn collect<'t>(facts: &mut FileFacts<'t>, caps: &Captures<'_, 't>, src: &[u8]) -> bool {
    if let Some(node) = caps.get("ravel.import") {
        collect_using(facts, node, src);
    } else if let (Some(class), Some(name)) =
        (caps.get("ravel.class"), caps.get("ravel.class.name"))
    {
        let bases = named_children(class)
            .into_iter()
            .filter(|c| c.kind_name() == "base_list")
            .flat_map(named_children)
            .map(|b| strip_generics(text(b, src)))
            .collect();
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

/// A qualified name as written, without whitespace.
fn clean(node: Node, src: &[u8]) -> String {
    text(node, src)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// `using A.B;` and `using static A.B;` open a namespace or type; `using T = A.B;` aliases.
fn collect_using<'t>(facts: &mut FileFacts<'t>, node: Node<'t>, src: &[u8]) {
    let alias = node.field("name");
    let Some(target) = named_children(node)
        .into_iter()
        .rev()
        .find(|c| Some(c.id()) != alias.map(|a| a.id()))
    else {
        return;
    };
    let target = clean(target, src);
    match alias {
        Some(alias) => facts.import(text(alias, src), target),
        None => facts.wildcards.push(target),
    }
}

const TASK_RUN: &[&str] = &["System.Threading.Tasks.Task.Run"];
const START_NEW: &[&str] = &["System.Threading.Tasks.Task.Factory.StartNew"];
const POOL: &[&str] = &["System.Threading.ThreadPool.*QueueUserWorkItem"];
const PARALLEL: &[&str] = &["System.Threading.Tasks.Parallel.*"];
const THREAD_TYPES: &[&str] = &["System.Threading.Thread", "System.Threading.Timer"];

/// `Task.Run(f)`, `Task.Factory.StartNew(f)`, `ThreadPool.QueueUserWorkItem(f)`,
/// `Parallel.For(a, b, f)`, `Parallel.Invoke(f, g)`, `new Thread(f)`, `new Timer(f, ..)`.
fn collect_spawn<'t>(
    facts: &mut FileFacts<'t>,
    site: Node<'t>,
    func: Node<'t>,
    args: Node<'t>,
    src: &[u8],
) {
    // Each `argument` holds an optional `name:` and then the expression.
    let args: Vec<Node<'t>> = named_children(args)
        .into_iter()
        .filter(|a| a.kind_name() == "argument")
        .filter_map(arg_expr)
        .map(unwrap_delegate)
        .collect();
    let method = if site.kind_name() == "object_creation_expression" {
        "new"
    } else {
        func.field("name").map(|n| text(n, src)).unwrap_or("")
    };
    let (targets, from): (Vec<Node<'t>>, &'static [&'static str]) = match method {
        "new" => (args.first().copied().into_iter().collect(), THREAD_TYPES),
        "Run" => (args.first().copied().into_iter().collect(), TASK_RUN),
        "StartNew" => (args.first().copied().into_iter().collect(), START_NEW),
        "QueueUserWorkItem" | "UnsafeQueueUserWorkItem" => {
            (args.first().copied().into_iter().collect(), POOL)
        }
        // The body is the last argument, after ranges, sources and options.
        "For" | "ForEach" => (args.last().copied().into_iter().collect(), PARALLEL),
        "Invoke" => (args, PARALLEL),
        _ => return,
    };
    for target in targets {
        facts.entry_refs.push(EntryRef {
            kind: EntryKind::Thread,
            target,
            site,
            receiver: Some(func),
            receiver_from: from,
        });
    }
}

/// The expression of an `argument` (after any `name:`).
fn arg_expr(arg: Node) -> Option<Node> {
    named_children(arg).pop()
}

/// `new ThreadStart(Work)` → `Work`.
fn unwrap_delegate(node: Node) -> Node {
    if node.kind_name() != "object_creation_expression" {
        return node;
    }
    node.field("arguments")
        .and_then(|a| a.named_child(0))
        .and_then(arg_expr)
        .unwrap_or(node)
}

fn path(node: Node, src: &[u8]) -> Option<Name> {
    let name = member_path(node, src, IDENTS, MEMBERS)?;
    // `List<int>.Empty` → `List.Empty`.
    Some(Name {
        head: strip_generics(&name.head),
        rest: strip_generics(&name.rest),
    })
}

/// Does a receiver's name suggest a semaphore or mutex (so `Wait()` is not `Task.Wait()`)?
fn lockish(receiver: &str) -> bool {
    let last = receiver
        .rsplit('.')
        .next()
        .unwrap_or(receiver)
        .to_ascii_lowercase();
    ["sem", "lock", "mutex", "throttle", "gate", "limiter"]
        .iter()
        .any(|w| last.contains(w))
}

/// `Monitor.Enter(x)`/`Exit(x)`, `rw.EnterReadLock()`/`ExitReadLock()`, `await sem.WaitAsync()`
/// / `sem.Release()`, `mutex.WaitOne()`/`ReleaseMutex()`.
fn lock_call(stmt: Node, src: &[u8]) -> Option<(String, LockOp)> {
    if stmt.kind_name() != "expression_statement" {
        return None;
    }
    let mut call = stmt.named_child(0)?;
    if call.kind_name() == "await_expression" {
        call = call.named_child(0)?;
    }
    let func = call.field("function").filter(|f| {
        call.kind_name() == "invocation_expression" && f.kind_name() == "member_access_expression"
    })?;
    let method = text(func.field("name")?, src);
    let receiver = text(func.field("expression")?, src);
    let first_arg = || {
        let arg = call.field("arguments")?.named_child(0)?;
        Some(text(arg_expr(arg)?, src).to_string())
    };
    let monitor = receiver == "Monitor" || receiver.ends_with(".Monitor");
    match method {
        "Enter" if monitor => Some((first_arg()?, LockOp::Acquire)),
        "Exit" if monitor => Some((first_arg()?, LockOp::Release)),
        "EnterWriteLock" | "EnterReadLock" | "EnterUpgradeableReadLock" => {
            Some((receiver.to_string(), LockOp::Acquire))
        }
        "ExitWriteLock" | "ExitReadLock" | "ExitUpgradeableReadLock" => {
            Some((receiver.to_string(), LockOp::Release))
        }
        "Wait" | "WaitAsync" | "WaitOne" if lockish(receiver) => {
            Some((receiver.to_string(), LockOp::Acquire))
        }
        "Release" | "ReleaseMutex" => Some((receiver.to_string(), LockOp::Release)),
        _ => None,
    }
}

/// A field or a local captured from an enclosing function: a name not declared in the
/// innermost function, or a member or element rooted at `this` or at such a name.
fn shared_state(target: Node, function: Option<Node>, src: &[u8], _facts: &FileFacts) -> bool {
    let Some(function) = function else {
        return false;
    };
    let root = root_object(
        target,
        &[
            ("member_access_expression", "expression"),
            ("element_access_expression", "expression"),
            ("parenthesized_expression", ""),
        ],
    );
    match root.kind_name() {
        "this" => root.id() != target.id(),
        "identifier" => !declared_in(function, text(root, src), src),
        _ => false,
    }
}

/// Is `name` a parameter or local of `function` (not of nested lambdas or local functions)?
fn declared_in(function: Node, name: &str, src: &[u8]) -> bool {
    any_in_scope(function, FUNCTIONS, |node| match node.kind_name() {
        "parameter"
        | "variable_declarator"
        | "catch_declaration"
        | "declaration_expression"
        | "declaration_pattern" => node.field("name").is_some_and(|n| text(n, src) == name),
        "implicit_parameter" | "single_variable_designation" => text(node, src) == name,
        "foreach_statement" => node.field("left").is_some_and(|n| text(n, src) == name),
        _ => false,
    })
}

const PURE_CALLS: &[&str] = &[
    "System.Math.*",
    "Math.*",
    "System.MathF.*",
    "MathF.*",
    "System.Linq.Enumerable.*",
    "Enumerable.*",
    "System.Convert.*",
    "Convert.*",
    "System.BitConverter.*",
    "BitConverter.*",
    "System.String.*",
    "String.*",
    "string.*",
    "int.*",
    "long.*",
    "double.*",
    "float.*",
    "decimal.*",
    "System.Numerics.*",
    "System.Collections.Generic.*",
    "List",
    "Dictionary",
    "HashSet",
    "Queue",
    "Stack",
    "System.Text.StringBuilder",
    "StringBuilder",
    "System.Threading.Interlocked.*",
    "Interlocked.*",
];

const PURE_METHODS: &[&str] = &[
    "Add",
    "AddRange",
    "Insert",
    "Remove",
    "Clear",
    "Contains",
    "ContainsKey",
    "TryGetValue",
    "TryAdd",
    "Count",
    "Length",
    "ToString",
    "Equals",
    "GetHashCode",
    "CompareTo",
    "Sum",
    "Min",
    "Max",
    "Average",
    "Aggregate",
    "Select",
    "SelectMany",
    "Where",
    "OrderBy",
    "OrderByDescending",
    "ThenBy",
    "GroupBy",
    "Distinct",
    "Skip",
    "Take",
    "Zip",
    "Concat",
    "Reverse",
    "Sort",
    "Any",
    "All",
    "First",
    "FirstOrDefault",
    "Last",
    "LastOrDefault",
    "Single",
    "ToList",
    "ToArray",
    "ToDictionary",
    "ToHashSet",
    "Append",
    "AppendLine",
    "Substring",
    "Split",
    "Trim",
    "ToUpper",
    "ToLower",
    "Replace",
    "StartsWith",
    "EndsWith",
    "IndexOf",
    "PadLeft",
    "PadRight",
    "Enqueue",
    "Dequeue",
    "Push",
    "Pop",
    "Peek",
];

#[cfg(test)]
mod tests {
    use tree_sitter::Node;

    use super::*;
    use crate::engine::constraint::{Constraint, Context, Property, Selector, Stop, Target};
    use crate::engine::context::Ctx;
    use crate::engine::names::NameSet;
    use crate::language::Language;

    fn with_ctx<R>(src: &str, f: impl for<'t> FnOnce(&Ctx<'t>, Node<'t>) -> R) -> R {
        super::super::test_support::with_ctx(Language::CSharp, src, f)
    }

    use super::super::test_support::{inside, nth};

    /// The first invocation whose callee is spelled `name`.
    fn call<'t>(root: Node<'t>, src: &str, name: &str) -> Node<'t> {
        (0..)
            .map(|i| nth(root, "invocation_expression", i))
            .find(|c| text(c.field("function").unwrap(), src.as_bytes()) == name)
            .unwrap()
    }

    #[test]
    fn resolves_usings_aliases_and_implicit_namespaces() {
        let src = "global using System.IO;\nnamespace N {\nusing System.Threading;\nusing static System.Math;\n\
                   using T = System.Threading.Thread;\nclass C { void M() { Thread.Sleep(1); T.Sleep(1); Task.Run(W); \
                   List<int>.Empty(); Foo<int>(1); new System.Threading.Thread(W); } } }";
        with_ctx(src, |ctx, root| {
            let names = |i| ctx.callee_names(nth(root, "invocation_expression", i));
            assert!(
                names(0).contains(&"System.Threading.Thread.Sleep".to_string()),
                "{:?}",
                names(0)
            );
            assert_eq!(names(1), ["System.Threading.Thread.Sleep"]);
            assert!(names(2).contains(&"System.Threading.Tasks.Task.Run".to_string()));
            assert!(names(3).contains(&"System.Collections.Generic.List.Empty".to_string()));
            assert_eq!(names(4)[0], "Foo");
            assert!(
                names(4).contains(&"System.Math.Foo".to_string()),
                "using static is a wildcard"
            );
            let new = nth(root, "object_creation_expression", 0);
            assert!(
                ctx.callee_names(new)
                    .contains(&"System.Threading.Thread".to_string())
            );
        });
    }

    #[test]
    fn detects_async_functions() {
        let src = "class C { async Task A() {} void B() { Func<Task> f = async () => await X(); Action g = () => {}; \
                   var h = async delegate { }; } }";
        with_ctx(src, |_, root| {
            let src = src.as_bytes();
            assert!(is_async(nth(root, "method_declaration", 0), src));
            assert!(!is_async(nth(root, "method_declaration", 1), src));
            assert!(is_async(nth(root, "lambda_expression", 0), src));
            assert!(!is_async(nth(root, "lambda_expression", 1), src));
            assert!(is_async(nth(root, "anonymous_method_expression", 0), src));
        });
        fn is_async(node: Node, src: &[u8]) -> bool {
            (SEMANTICS.is_async)(node, src)
        }
    }

    #[test]
    fn thread_entries() {
        let src = "class C {\n void Work() { a(); }\n void Tick(object s) { b(); }\n void M() {\n\
                   Task.Run(() => c());\n new Thread(Work).Start();\n ThreadPool.QueueUserWorkItem(_ => d());\n\
                   Task.Factory.StartNew(delegate { e(); });\n Parallel.For(0, 10, i => f());\n\
                   Parallel.Invoke(() => g(), () => h());\n new Timer(new TimerCallback(Tick), null, 0, 10);\n\
                   handler.Invoke(() => x());\n MyPool.Run(() => y());\n } }";
        with_ctx(src, |ctx, root| {
            let entry = inside(Context::ThreadEntry);
            for name in ["a", "b", "c", "d", "e", "f", "g", "h"] {
                assert!(
                    ctx.holds(&entry, call(root, src, name)).is_some(),
                    "{name} runs on a thread"
                );
            }
            assert!(ctx.holds(&entry, call(root, src, "x")).is_none());
            assert!(ctx.holds(&entry, call(root, src, "y")).is_none());
        });
    }

    #[test]
    fn lock_calls() {
        let src = "class C { async Task M() { Monitor.Enter(o); Monitor.Exit(o); rw.EnterWriteLock(); rw.ExitWriteLock(); \
                   await sem.WaitAsync(); sem.Release(); task.Wait(); _gate.Wait(); } }";
        with_ctx(src, |_, root| {
            let block = nth(root, "block", 0);
            let calls: Vec<_> = named_children(block)
                .into_iter()
                .map(|s| lock_call(s, src.as_bytes()))
                .collect();
            let op = |r: &str, o| Some((r.to_string(), o));
            assert_eq!(
                calls,
                [
                    op("o", LockOp::Acquire),
                    op("o", LockOp::Release),
                    op("rw", LockOp::Acquire),
                    op("rw", LockOp::Release),
                    op("sem", LockOp::Acquire),
                    op("sem", LockOp::Release),
                    None,
                    op("_gate", LockOp::Acquire),
                ]
            );
        });
    }

    #[test]
    fn lock_statement_and_monitor_hold_locks() {
        let src = "class C { void M() { lock (o) { a(); } Monitor.Enter(o); b(); Monitor.Exit(o); c(); } }";
        with_ctx(src, |ctx, root| {
            let held = inside(Context::LockHeld);
            assert!(ctx.holds(&held, call(root, src, "a")).is_some());
            assert!(ctx.holds(&held, call(root, src, "b")).is_some());
            assert!(ctx.holds(&held, call(root, src, "c")).is_none());
        });
    }

    #[test]
    fn fields_and_captured_locals_are_shared() {
        let src = "class C { int n; void M(int p, Point q) { int local = 0; foreach (var it in xs) { it.X++; } \
                   Task.Run(() => { local++; this.n++; n++; p++; q.X++; int mine = 0; mine++; }); local++; p++; } }";
        with_ctx(src, |ctx, root| {
            let shared = Constraint::Is(vec![Property::SharedState], false);
            let target = |i| {
                nth(root, "postfix_unary_expression", i)
                    .named_child(0)
                    .unwrap()
            };
            let expect = [false, true, true, true, true, true, false, false, false];
            for (i, e) in expect.iter().enumerate() {
                assert_eq!(
                    ctx.holds(&shared, target(i)).is_some(),
                    *e,
                    "{}",
                    text(target(i), src.as_bytes())
                );
            }
        });
    }

    #[test]
    fn async_results_follow_bindings_and_skip_void_and_overloads() {
        let src = "class C { async Task<int> Load() => 1; async void Fire() { } async Task Both(int a) { } void Both() { }\n\
                   void M() { Load(); this.Load(); var t = Load(); t.Wait(); Fire(); Both(1); Other(); x.Load(); } }";
        with_ctx(src, |ctx, root| {
            let result = Constraint::Is(vec![Property::AsyncResult], false);
            let holds = |n| ctx.holds(&result, n).is_some();
            assert!(holds(call(root, src, "Load")));
            assert!(holds(call(root, src, "this.Load")));
            let t = call(root, src, "t.Wait")
                .field("function")
                .unwrap()
                .field("expression")
                .unwrap();
            assert!(holds(t), "a variable bound to an async call");
            assert!(!holds(call(root, src, "Fire")), "async void leaves nothing");
            assert!(
                !holds(call(root, src, "Both")),
                "a sync overload of the same name"
            );
            assert!(!holds(call(root, src, "Other")));
            assert!(!holds(call(root, src, "x.Load")), "another object's method");
        });
    }

    #[test]
    fn awaited_values_are_settled() {
        let src = "class C { async Task M() { var a = A(); var b = B(); var c = C(); var d = D();\n\
                   await Task.WhenAll(a, this.b); if (d.IsCompleted) { }\n\
                   use(a.Result, b.Result, c.Result, d.Result, A().Result); await c; } }";
        with_ctx(src, |ctx, root| {
            let awaited = Constraint::Is(vec![Property::Awaited], false);
            let result = |i| {
                nth(root, "member_access_expression", i)
                    .field("expression")
                    .unwrap()
            };
            // member accesses: Task.WhenAll, this.b, d.IsCompleted, then the five `.Result`s.
            let expect = [true, true, false, true, false];
            for (i, e) in expect.iter().enumerate() {
                let n = result(i + 3);
                assert_eq!(
                    ctx.holds(&awaited, n).is_some(),
                    *e,
                    "{}",
                    text(n, src.as_bytes())
                );
            }
        });
    }

    #[test]
    fn inside_calls_and_spawned_in_loop() {
        let src = "class C { void M(string[] xs) { Parallel.ForEach(xs, x => a()); Task.Run(() => b());\n\
                   for (var i = 0; i < 3; i++) { Task.Run(() => c()); }\n\
                   Task.Run(() => { for (var j = 0; j < 3; j++) { d(); } }); Parallel.For(0, 3, Work); }\n\
                   void Work(int k) { e(); } }";
        with_ctx(src, |ctx, root| {
            let parallel = Constraint::Inside(
                vec![Selector {
                    target: Target::Calls(
                        NameSet::new(&["System.Threading.Tasks.Parallel.*".to_string()]).unwrap(),
                    ),
                    stop: Stop::None,
                    follow_calls: false,
                    source: String::new(),
                }],
                false,
            );
            let looped = inside(Context::SpawnedInLoop);
            let check = |c: &Constraint, name| ctx.holds(c, call(root, src, name)).is_some();
            assert!(check(&parallel, "a"));
            assert!(!check(&parallel, "b"));
            assert!(!check(&looped, "b"));
            assert!(check(&looped, "c"));
            assert!(
                !check(&looped, "d"),
                "a loop inside the task is not a loop of spawns"
            );
        });
    }
}

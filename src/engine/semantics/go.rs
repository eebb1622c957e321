//! Go semantics. Qualified names are `<import path>.<member>`: `net/http.Get`.

use crate::engine::syntax::Syntax;
use tree_sitter::Node;

use super::super::constraint::Property;
use super::super::context::{Ctx, Visit};
use super::super::names::NameSet;
use super::{
    Captures, EntryKind, EntryRef, FileFacts, LockOp, Member, Semantics, any_in_scope, has_keyword,
    member_path, mentions, named_children, root_object, text, unquote,
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
    callee: |node| node.field("function"),
    path: |node, src| member_path(node, src, IDENTS, MEMBERS),
    implicit: |_| None,
    // Go has no lock blocks: `mu.Lock()` ... `mu.Unlock()`, see `lock_call`.
    lock_region: |_, _| false,
    lock_call,
    shared_state: Some(shared_state),
    thread_bases: &[],
    thread_methods: &[],
    function_body: |node| node.field("body"),
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
(function_declaration
  parameters: (parameter_list (parameter_declaration
    type: [(qualified_type) (pointer_type (qualified_type))] @ravel.handler.type))) @ravel.handler
(method_declaration
  parameters: (parameter_list (parameter_declaration
    type: [(qualified_type) (pointer_type (qualified_type))] @ravel.handler.type))) @ravel.handler
(func_literal
  parameters: (parameter_list (parameter_declaration
    type: [(qualified_type) (pointer_type (qualified_type))] @ravel.handler.type))) @ravel.handler
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
    } else if let (Some(function), Some(ty)) =
        (caps.get("ravel.handler"), caps.get("ravel.handler.type"))
    {
        // A function taking an `http.ResponseWriter` (or a gin, echo or fiber context) serves
        // requests.
        let ty = if ty.kind_name() == "pointer_type" {
            ty.named_child(0).unwrap_or(ty)
        } else {
            ty
        };
        let spelled = text(ty, src);
        let qualified = match spelled.split_once('.') {
            Some((pkg, name)) => match facts.imports.get(pkg) {
                Some(path) => format!("{path}.{name}"),
                None => spelled.to_string(),
            },
            None => spelled.to_string(),
        };
        if NameSet::Static(HANDLER_PARAMS).matches_any(&[qualified]) {
            facts.entry_refs.push(EntryRef {
                kind: EntryKind::Handler,
                target: function,
                site: function,
                receiver: None,
                receiver_from: &[],
            });
        }
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

/// Parameter types that make a function a request handler.
const HANDLER_PARAMS: &[&str] = &[
    "net/http.ResponseWriter",
    "github.com/gin-gonic/gin.Context",
    "github.com/labstack/echo*.Context",
    "github.com/gofiber/fiber*.Ctx",
];

/// `import "net/http"` binds `http`; `import h "net/http"` binds `h`. `_` binds nothing; `.`
/// imports are ignored: as wildcards they would prefix every unimported name, and a glob such
/// as `strings.*` would then match any call.
fn collect_import<'t>(facts: &mut FileFacts<'t>, spec: Node<'t>, src: &[u8]) {
    let Some(path) = spec.field("path") else {
        return;
    };
    let path = unquote(text(path, src)).to_string();
    match spec.field("name") {
        Some(n) if n.kind_name() == "dot" || n.kind_name() == "blank_identifier" => {}
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
    let (names, values) = match node.kind_name() {
        "var_spec" => {
            let mut cursor = node.walk();
            let names: Vec<Node<'t>> = node.children_by_field_name("name", &mut cursor).collect();
            (
                names,
                node.field("value").map(named_children).unwrap_or_default(),
            )
        }
        // `x += 1` rebinds nothing.
        "assignment_statement" if !has_keyword(node, "=") => return,
        _ => {
            let side = |f| node.field(f).map(named_children).unwrap_or_default();
            (side("left"), side("right"))
        }
    };
    // `var wg sync.WaitGroup` declares a zero value of its type: bind the name to the type.
    let values: Vec<Node<'t>> = if values.is_empty() && node.kind_name() == "var_spec" {
        node.field("type").into_iter().collect()
    } else {
        values
            .into_iter()
            .map(|v| constructed_type(v, src))
            .collect()
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

/// The type a value expression constructs, for `created-by`: `&T{..}`, `T{..}` and `new(T)`
/// are made by `T`; any other expression is itself.
fn constructed_type<'t>(value: Node<'t>, src: &[u8]) -> Node<'t> {
    let mut v = value;
    if v.kind_name() == "unary_expression"
        && let Some(op) = v.field("operand")
        && op.kind_name() == "composite_literal"
    {
        v = op;
    }
    match v.kind_name() {
        "composite_literal" => v.field("type").unwrap_or(value),
        "call_expression" if v.field("function").is_some_and(|f| text(f, src) == "new") => v
            .field("arguments")
            .and_then(|a| a.named_child(0))
            .unwrap_or(value),
        _ => value,
    }
}

/// `mu.Lock()` / `mu.RLock()` acquire and `mu.Unlock()` / `mu.RUnlock()` release; a
/// `defer mu.Unlock()` releases only at return, so it is not a release here.
fn lock_call(stmt: Node, src: &[u8]) -> Option<(String, LockOp)> {
    if stmt.kind_name() != "expression_statement" {
        return None;
    }
    let call = stmt
        .named_child(0)
        .filter(|c| c.kind_name() == "call_expression")?;
    let func = call
        .field("function")
        .filter(|f| f.kind_name() == "selector_expression")?;
    let op = match text(func.field("field")?, src) {
        "Lock" | "RLock" => LockOp::Acquire,
        "Unlock" | "RUnlock" => LockOp::Release,
        _ => return None,
    };
    Some((text(func.field("operand")?, src).to_string(), op))
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
    root.kind_name() == "identifier" && name != "_" && !declared_in(function, name, src)
}

/// Is `name` a parameter, receiver, result or local of `function` (not of nested literals)?
/// Also works on any other node: a loop declares its header's and body's variables.
fn declared_in(function: Node, name: &str, src: &[u8]) -> bool {
    any_in_scope(function, FUNCTIONS, |node| declares(node, name, src))
}

/// Does this node declare `name` (a parameter, `var`, `const`, `:=`, range or case variable)?
fn declares(node: Node, name: &str, src: &[u8]) -> bool {
    let is = |n: Node| n.kind_name() == "identifier" && text(n, src) == name;
    match node.kind_name() {
        "parameter_declaration" | "variadic_parameter_declaration" | "var_spec" | "const_spec" => {
            let mut cursor = node.walk();
            node.children_by_field_name("name", &mut cursor).any(is)
        }
        "short_var_declaration" => node
            .field("left")
            .is_some_and(|l| named_children(l).into_iter().any(is)),
        // `for k, v := range m`, `case v := <-ch`.
        "range_clause" | "receive_statement" if has_keyword(node, ":=") => node
            .field("left")
            .is_some_and(|l| named_children(l).into_iter().any(is)),
        "type_switch_statement" => node
            .field("alias")
            .is_some_and(|a| named_children(a).into_iter().any(is)),
        _ => false,
    }
}

/// Does a (variadic) parameter declaration name `name`?
fn declares_name(decl: Node, name: &str, src: &[u8]) -> bool {
    let mut cursor = decl.walk();
    decl.children_by_field_name("name", &mut cursor)
        .any(|n| text(n, src) == name)
}

/// Go's implementation of the properties only some languages have.
pub fn property<'t>(ctx: &Ctx<'t>, p: Property, node: Node<'t>) -> bool {
    match p {
        Property::SharedBetweenTasks => shared_between_tasks(ctx, node),
        Property::CapturesLoopVariable => captured_loop_variable(ctx, node).is_some(),
        Property::LockByValue => lock_by_value(ctx, node),
        Property::Joined => joined(ctx, node),
        Property::ConcurrencyLimited => concurrency_limited(ctx, node),
        Property::ReturnsError => returns_error(ctx, node),
        Property::MapElement => map_element(ctx, node),
        _ => false,
    }
}

/// The variable an assignment target writes: `s.a[k].b` → `s`.
fn target_root(target: Node) -> Node {
    root_object(
        target,
        &[
            ("selector_expression", "operand"),
            ("index_expression", "operand"),
            ("parenthesized_expression", ""),
            ("unary_expression", "operand"),
        ],
    )
}

/// A write in a goroutine (or errgroup task) started in a loop, to a variable declared
/// outside that loop: every iteration's task updates the same variable at once. Elements
/// indexed by a per-task variable (`sums[i] += x`, `i` a parameter or a loop variable) are
/// each task's own.
fn shared_between_tasks<'t>(ctx: &Ctx<'t>, target: Node<'t>) -> bool {
    let src = ctx.src();
    let Some(task) = ctx.enclosing_function(target) else {
        return false;
    };
    if ctx.is_handler(task) {
        return shared_by_requests(ctx, task, target);
    }
    if !shared_state(target, Some(task), src, ctx.facts()) {
        return false;
    }
    let Some(site) = ctx.thread_site(task) else {
        return false;
    };
    let name = text(target_root(target), src);
    let anc = ctx.ancestors(site);
    // Per-task index variables: declared in the task or by a loop around its start. Map
    // entries are not independent slots: any two writers race.
    let mut own: Vec<Node<'t>> = vec![task];
    own.extend(
        anc.iter()
            .copied()
            .filter(|a| a.kind_name() == "for_statement"),
    );
    if !map_element(ctx, target) && indexed_by_own(target, &own, src) {
        return false;
    }
    let mut in_loop = false;
    for a in anc.iter().rev() {
        if a.kind_name() == "for_statement" {
            if declared_in(*a, name, src) {
                // Declared per iteration: each task has its own.
                return false;
            }
            // A loop that waits for each iteration's task runs them one after another.
            in_loop |= !waits_each_iteration(*a, src);
        }
        if FUNCTIONS.contains(&a.kind_name()) && declared_in(*a, name, src) {
            return in_loop;
        }
    }
    in_loop && ctx.facts().module_names.contains(name)
}

/// A write in a request handler (net/http runs each request on its own goroutine) to state
/// every request sees: a package variable, a field of the handler's pointer receiver, or a
/// variable captured from the function that registers the handler. Not a map element of a
/// per-request key: any map write counts.
fn shared_by_requests<'t>(ctx: &Ctx<'t>, handler: Node<'t>, target: Node<'t>) -> bool {
    let src = ctx.src();
    let root = target_root(target);
    let name = text(root, src);
    if root.kind_name() != "identifier" || name == "_" {
        return false;
    }
    let pointer_receiver = handler
        .field("receiver")
        .and_then(|r| named_children(r).into_iter().next())
        .filter(|p| {
            p.field("type")
                .is_some_and(|t| t.kind_name() == "pointer_type")
        })
        .and_then(|p| p.field("name"))
        .is_some_and(|n| text(n, src) == name);
    let shadowed = handler
        .field("body")
        .is_some_and(|b| declared_in(b, name, src));
    if pointer_receiver && !shadowed {
        // `s.hits++`, not a write to the receiver variable itself.
        return root.id() != target.id();
    }
    if declared_in(handler, name, src) {
        return false;
    }
    // Captured from an enclosing function, or a package variable.
    let enclosing = ctx
        .ancestors(handler)
        .iter()
        .copied()
        .filter(|a| FUNCTIONS.contains(&a.kind_name()))
        .any(|f| declared_in(f, name, src));
    enclosing || ctx.facts().module_names.contains(name)
}

/// Does the loop's body (outside the tasks it starts) wait: a `Wait..` call or a receive?
fn waits_each_iteration(for_stmt: Node, src: &[u8]) -> bool {
    let Some(body) = for_stmt.field("body") else {
        return false;
    };
    any_in_scope(body, FUNCTIONS, |n| match n.kind_name() {
        "unary_expression" => n.field("operator").is_some_and(|o| text(o, src) == "<-"),
        "call_expression" => n
            .field("function")
            .and_then(|f| f.field("field"))
            .is_some_and(|m| text(m, src).starts_with("Wait")),
        _ => false,
    })
}

/// `m[k]` where `m` is declared as a map (`map[K]V` parameter or var, `make(map..)`, a map
/// literal).
fn map_element<'t>(ctx: &Ctx<'t>, node: Node<'t>) -> bool {
    node.kind_name() == "index_expression"
        && node
            .field("operand")
            .and_then(|m| declared_type(ctx, m))
            .is_some_and(|t| t.kind_name() == "map_type")
}

/// Does an index on the way from `target` to its root use a variable declared in one of
/// `scopes` (the task itself, or a loop around the task's start)?
fn indexed_by_own(target: Node, scopes: &[Node], src: &[u8]) -> bool {
    let mut cur = target;
    loop {
        match cur.kind_name() {
            "index_expression" => {
                if let Some(index) = cur.field("index") {
                    let own = any_in_scope(index, &[], |n| {
                        n.kind_name() == "identifier"
                            && scopes.iter().any(|s| declared_in(*s, text(n, src), src))
                    });
                    if own {
                        return true;
                    }
                }
                match cur.field("operand") {
                    Some(o) => cur = o,
                    None => return false,
                }
            }
            "selector_expression" => match cur.field("operand") {
                Some(o) => cur = o,
                None => return false,
            },
            "parenthesized_expression" => match cur.named_child(0) {
                Some(o) => cur = o,
                None => return false,
            },
            _ => return false,
        }
    }
}

/// Names a loop header declares: `for i := ..`, `for k, v := range ..`.
fn loop_header_names<'s>(for_stmt: Node, src: &'s [u8]) -> Vec<&'s str> {
    let mut out = Vec::new();
    for clause in named_children(for_stmt) {
        let left = match clause.kind_name() {
            "range_clause" if has_keyword(clause, ":=") => clause.field("left"),
            "for_clause" => clause
                .field("initializer")
                .filter(|i| i.kind_name() == "short_var_declaration")
                .and_then(|i| i.field("left")),
            _ => None,
        };
        for n in left.map(named_children).unwrap_or_default() {
            if n.kind_name() == "identifier" && text(n, src) != "_" {
                out.push(text(n, src));
            }
        }
    }
    out
}

/// The loop variable a closure refers to (not through a parameter, not re-declared in the
/// loop body before the closure), searching loops up to the enclosing function.
pub fn captured_loop_variable<'t>(ctx: &Ctx<'t>, closure: Node<'t>) -> Option<String> {
    if closure.kind_name() != "func_literal" {
        return None;
    }
    let src = ctx.src();
    let body = closure.field("body")?;
    for a in ctx.ancestors(closure).iter().rev() {
        if FUNCTIONS.contains(&a.kind_name()) {
            break;
        }
        if a.kind_name() != "for_statement" {
            continue;
        }
        for name in loop_header_names(*a, src) {
            if declared_in(closure, name, src) {
                continue;
            }
            let redeclared = a.field("body").is_some_and(|b| {
                ctx.any_in_scope(b, FUNCTIONS, |n| {
                    n.start_byte() < closure.start_byte() && declares(n, name, src)
                })
            });
            if redeclared {
                continue;
            }
            if refers_to(body, name, src) {
                return Some(name.to_string());
            }
        }
    }
    None
}

/// Does `body` use the variable `name` (not where a nested literal declares its own)?
fn refers_to(body: Node, name: &str, src: &[u8]) -> bool {
    let mut stack = vec![body];
    while let Some(n) = stack.pop() {
        if n.kind_name() == "func_literal" && declared_in(n, name, src) {
            continue;
        }
        if n.kind_name() == "identifier" && text(n, src) == name {
            return true;
        }
        stack.extend(named_children(n));
    }
    false
}

/// Types that must not be copied after first use.
const LOCK_TYPES: &[&str] = &[
    "sync.Mutex",
    "sync.RWMutex",
    "sync.WaitGroup",
    "sync.Once",
    "sync.Cond",
    "sync.Map",
    "sync.Pool",
];

/// A type holding a lock by value, or a range clause whose value variable copies elements
/// of such a type.
fn lock_by_value<'t>(ctx: &Ctx<'t>, node: Node<'t>) -> bool {
    if node.kind_name() != "range_clause" {
        return type_holds_lock(ctx, node, 0);
    }
    let src = ctx.src();
    let names = node.field("left").map(named_children).unwrap_or_default();
    if names.len() < 2 || text(names[1], src) == "_" {
        return false;
    }
    let Some(right) = node.field("right") else {
        return false;
    };
    let element = declared_type(ctx, right).and_then(|t| match t.kind_name() {
        "slice_type" | "array_type" => t.field("element"),
        "map_type" => t.field("value"),
        _ => None,
    });
    element.is_some_and(|e| type_holds_lock(ctx, e, 0))
}

/// The declared type of a variable: a parameter's or `var`'s type, or the type of the
/// composite literal it was made from, searched in enclosing functions and the package.
fn declared_type<'t>(ctx: &Ctx<'t>, ident: Node<'t>) -> Option<Node<'t>> {
    if ident.kind_name() != "identifier" {
        return None;
    }
    let src = ctx.src();
    let name = text(ident, src);
    let mut scopes: Vec<Node<'t>> = ctx
        .ancestors(ident)
        .iter()
        .copied()
        .filter(|a| FUNCTIONS.contains(&a.kind_name()))
        .collect();
    scopes.reverse();
    scopes.push(ctx.ancestors(ident).first().copied()?);
    for scope in scopes {
        let mut found = None;
        ctx.search(scope, |n| {
            // Nothing in a node starting at or after the identifier declares it earlier.
            if n.id() != scope.id()
                && (n.start_byte() >= ident.start_byte() || FUNCTIONS.contains(&n.kind_name()))
            {
                return Visit::Skip;
            }
            if n.start_byte() < ident.start_byte() && declares(n, name, src) {
                found = match n.kind_name() {
                    "parameter_declaration" => n.field("type"),
                    "var_spec" => n.field("type").or_else(|| {
                        n.field("value")
                            .and_then(|v| v.named_child(0))
                            .and_then(|v| made_type(v, src))
                    }),
                    "short_var_declaration" => n
                        .field("right")
                        .and_then(|r| r.named_child(0))
                        .and_then(|v| made_type(v, src)),
                    _ => None,
                };
                if found.is_some() {
                    return Visit::Stop;
                }
            }
            Visit::Descend
        });
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The type a value is made as: `T{..}`, `make(T, ..)`, `new(T)`'s T is not the value's type.
fn made_type<'t>(value: Node<'t>, src: &[u8]) -> Option<Node<'t>> {
    match value.kind_name() {
        "composite_literal" => value.field("type"),
        "call_expression"
            if value
                .field("function")
                .is_some_and(|f| text(f, src) == "make") =>
        {
            value.field("arguments").and_then(|a| a.named_child(0))
        }
        _ => None,
    }
}

/// Does a value of this type hold a lock by value (through fields and arrays of same-file
/// struct types)?
fn type_holds_lock<'t>(ctx: &Ctx<'t>, ty: Node<'t>, depth: usize) -> bool {
    if depth > 4 {
        return false;
    }
    let src = ctx.src();
    match ty.kind_name() {
        "qualified_type" => NameSet::Static(LOCK_TYPES).matches_any(&ctx.resolve(ty)),
        "parenthesized_type" => ty
            .named_child(0)
            .is_some_and(|t| type_holds_lock(ctx, t, depth + 1)),
        "array_type" => ty
            .field("element")
            .is_some_and(|t| type_holds_lock(ctx, t, depth + 1)),
        "generic_type" => ty
            .field("type")
            .is_some_and(|t| type_holds_lock(ctx, t, depth + 1)),
        "struct_type" => struct_fields(ty)
            .into_iter()
            .any(|t| type_holds_lock(ctx, t, depth + 1)),
        "type_identifier" => {
            let name = text(ty, src);
            let Some((decl, _)) = ctx.facts().classes.get(name) else {
                return false;
            };
            named_children(*decl)
                .into_iter()
                .filter(|spec| spec.kind_name() == "type_spec")
                .filter(|spec| spec.field("name").is_some_and(|n| text(n, src) == name))
                .filter_map(|spec| spec.field("type"))
                .any(|t| type_holds_lock(ctx, t, depth + 1))
        }
        _ => false,
    }
}

/// The field types of a struct type, embedded fields included.
fn struct_fields(st: Node) -> Vec<Node> {
    named_children(st)
        .into_iter()
        .filter(|l| l.kind_name() == "field_declaration_list")
        .flat_map(named_children)
        .filter(|f| f.kind_name() == "field_declaration")
        // An embedded `*T` holds a pointer, not a T.
        .filter(|f| !has_keyword(*f, "*"))
        .filter_map(|f| f.field("type"))
        .collect()
}

/// Method names whose calls wait for, signal or hand off the end of other goroutines.
const JOIN_METHODS: &[&str] = &[
    "Wait",
    "Done",
    "Add",
    "Go",
    "Signal",
    "Broadcast",
    "Notify",
    "Stop",
    "Cancel",
    "Close",
];

/// Does this subtree (nested functions included) join, signal or cancel goroutines: channel
/// operations, `select`, `close`, WaitGroup/errgroup calls, or a context?
fn has_join(root: Node, src: &[u8]) -> bool {
    any_in_scope(root, &[], |n| match n.kind_name() {
        "send_statement" | "select_statement" => true,
        "unary_expression" => n.field("operator").is_some_and(|o| text(o, src) == "<-"),
        "channel_type" => true,
        "call_expression" => n.field("function").is_some_and(|f| match f.kind_name() {
            "identifier" => text(f, src) == "close",
            "selector_expression" => f
                .field("field")
                .is_some_and(|m| JOIN_METHODS.contains(&text(m, src))),
            _ => false,
        }),
        "identifier" => matches!(text(n, src), "ctx" | "done" | "quit" | "stop" | "wg"),
        "qualified_type" => text(n, src).starts_with("context."),
        _ => false,
    })
}

/// Function nodes a `go` callee refers to: a literal, a same-file function, or the
/// same-file methods of that name (`s.run`).
fn go_function_refs<'t>(ctx: &Ctx<'t>, callee: Node<'t>) -> Vec<Node<'t>> {
    let refs = ctx.function_refs(callee);
    if !refs.is_empty() {
        return refs;
    }
    let src = ctx.src();
    if callee.kind_name() == "selector_expression"
        && let Some(operand) = callee.field("operand")
        && !ctx.facts().imports.contains_key(text(operand, src))
        && let Some(field) = callee.field("field")
    {
        // Only methods of the operand's declared type: `s.push()` with `s *Syncer`.
        let Some(operand_type) = declared_type(ctx, operand).map(|t| base_type_name(t, src)) else {
            return Vec::new();
        };
        return ctx
            .facts()
            .functions
            .get(text(field, src))
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|f| f.kind_name() == "method_declaration")
            .filter(|f| {
                f.field("receiver")
                    .and_then(|r| named_children(r).into_iter().next())
                    .and_then(|p| p.field("type"))
                    .is_some_and(|t| base_type_name(t, src) == operand_type)
            })
            .collect();
    }
    Vec::new()
}

/// A type's name without pointers and type arguments: `*Cache[K]` → `Cache`.
fn base_type_name<'s>(ty: Node, src: &'s [u8]) -> &'s str {
    let mut t = ty;
    loop {
        match t.kind_name() {
            "pointer_type" | "parenthesized_type" => match t.named_child(0) {
                Some(inner) => t = inner,
                None => break,
            },
            "generic_type" => match t.field("type") {
                Some(inner) => t = inner,
                None => break,
            },
            _ => break,
        }
    }
    text(t, src)
}

/// A `go` statement (or task start) whose goroutine something joins or hears of. Unknown
/// callees (other files, packages) count as joined; so do goroutines that loop forever
/// (long-lived workers whose lifetime is the process).
fn joined<'t>(ctx: &Ctx<'t>, node: Node<'t>) -> bool {
    let src = ctx.src();
    let Some(function) = ctx.enclosing_function(node) else {
        return true;
    };
    if has_join(function, src) {
        return true;
    }
    let call = if node.kind_name() == "go_statement" {
        node.named_child(0)
    } else {
        Some(node)
    };
    let Some(callee) = call.and_then(|c| c.field("function")) else {
        return true;
    };
    let tasks = go_function_refs(ctx, callee);
    if tasks.is_empty() {
        return true;
    }
    tasks.iter().any(|t| has_join(*t, src) || loops_forever(*t))
}

/// Does the function's body run a `for { .. }` loop with no condition at its top level?
fn loops_forever(function: Node) -> bool {
    let Some(list) = function.field("body").and_then(|b| {
        named_children(b)
            .into_iter()
            .find(|c| c.kind_name() == "statement_list")
    }) else {
        return false;
    };
    named_children(list)
        .into_iter()
        .any(|s| s.kind_name() == "for_statement" && s.named_child_count() == 1)
}

/// Receiver names that by convention hold a semaphore or a pool's tokens.
fn limiter_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "sem",
        "limit",
        "token",
        "slot",
        "throttle",
        "concurren",
        "guard",
        "gate",
        "ticket",
        "pool",
        "worker",
    ]
    .iter()
    .any(|k| n.contains(k))
}

/// A goroutine or task started per loop iteration under a limit: the loop waits
/// (a send outside the task, `Wait`, `Acquire`), the task takes a semaphore, or the function
/// sets an errgroup limit.
fn concurrency_limited<'t>(ctx: &Ctx<'t>, node: Node<'t>) -> bool {
    let src = ctx.src();
    let limits = |root: Node<'t>, skip: &[&str]| {
        ctx.any_in_scope(root, skip, |n| match n.kind_name() {
            "send_statement" => n
                .field("channel")
                .is_some_and(|c| skip.is_empty() || limiter_name(text(c, src))),
            "unary_expression" => {
                n.field("operator").is_some_and(|o| text(o, src) == "<-")
                    && n.field("operand")
                        .is_some_and(|c| limiter_name(text(c, src)))
            }
            "call_expression" => n.field("function").is_some_and(|f| {
                let method = f.field("field").map(|m| text(m, src));
                let limiter = f
                    .field("operand")
                    .is_some_and(|o| limiter_name(text(o, src)));
                limiter
                    || method.is_some_and(|m| {
                        [
                            "Acquire",
                            "TryAcquire",
                            "SetLimit",
                            "Wait",
                            "Take",
                            "Allow",
                            "Reserve",
                        ]
                        .iter()
                        .any(|p| m.starts_with(p))
                    })
            }),
            _ => false,
        })
    };
    let anc = ctx.ancestors(node);
    let function = anc
        .iter()
        .rev()
        .find(|a| FUNCTIONS.contains(&a.kind_name()));
    // `g.SetLimit(n)` anywhere in the function (or a limiter in the loop or the task).
    if function.is_some_and(|f| {
        ctx.any_in_scope(*f, &[], |n| {
            n.kind_name() == "field_identifier" && text(n, src) == "SetLimit"
        })
    }) {
        return true;
    }
    let lp = anc
        .iter()
        .rev()
        .take_while(|a| !FUNCTIONS.contains(&a.kind_name()))
        .find(|a| a.kind_name() == "for_statement");
    // `for range n` over a count starts a fixed number of goroutines: a pool. A variadic
    // `items ...T` is, as a rule, a short list written at the call.
    let items = lp
        .and_then(|l| {
            named_children(*l)
                .into_iter()
                .find(|c| c.kind_name() == "range_clause")
        })
        .and_then(|r| r.field("right"));
    // A fixed-size array (`replicas [3]string`) is as bounded as a count.
    let counted = items
        .and_then(|items| declared_type(ctx, items))
        .is_some_and(|t| {
            !COLLECTION_TYPES.contains(&t.kind_name()) || t.kind_name() == "array_type"
        });
    let variadic = items.is_some_and(|items| {
        function.is_some_and(|f| {
            f.field("parameters").is_some_and(|ps| {
                named_children(ps).into_iter().any(|p| {
                    p.kind_name() == "variadic_parameter_declaration"
                        && declares_name(p, text(items, src), src)
                })
            })
        })
    });
    if counted || variadic {
        return true;
    }
    // A limiter anywhere in the loop's body outside nested functions (one search: every
    // node of the body is in it).
    if lp.is_some_and(|l| l.field("body").is_some_and(|b| limits(b, FUNCTIONS))) {
        return true;
    }
    // A receive after the start in the same iteration (`go work(done); <-done`): each
    // goroutine ends before the next starts.
    if lp.is_some_and(|l| {
        l.field("body").is_some_and(|b| {
            ctx.any_in_scope(b, FUNCTIONS, |n| {
                n.start_byte() >= node.end_byte()
                    && n.kind_name() == "unary_expression"
                    && n.field("operator").is_some_and(|o| text(o, src) == "<-")
            })
        })
    }) {
        return true;
    }
    let call = if node.kind_name() == "go_statement" {
        node.named_child(0)
    } else {
        Some(node)
    };
    let task = call
        .and_then(|c| c.field("function"))
        .filter(|f| f.kind_name() == "func_literal")
        .or_else(|| {
            // `g.Go(func() error {..})`
            call.and_then(|c| c.field("arguments"))
                .and_then(|a| a.named_child(0))
                .filter(|f| f.kind_name() == "func_literal")
        });
    let task = match task {
        Some(t) => t,
        None => {
            // A function of another file may be a long-lived loop: leave it alone.
            let callee = call.and_then(|c| c.field("function"));
            match callee.and_then(|c| go_function_refs(ctx, c).into_iter().next()) {
                Some(t) => t,
                None => return true,
            }
        }
    };
    // A long-lived worker per item (it loops forever or drains a channel) is a pipeline stage.
    limits(task, &["__none__"]) || loops_forever(task) || drains_channel(ctx, task)
}

/// Types whose values hold a caller-sized number of items.
const COLLECTION_TYPES: &[&str] = &["slice_type", "array_type", "map_type", "channel_type"];

/// Does the function's body range, at its top level, over a channel (a variable declared as
/// one, or a field such as `unit.src`)?
fn drains_channel<'t>(ctx: &Ctx<'t>, function: Node<'t>) -> bool {
    let Some(list) = function.field("body").and_then(|b| {
        named_children(b)
            .into_iter()
            .find(|c| c.kind_name() == "statement_list")
    }) else {
        return false;
    };
    named_children(list)
        .into_iter()
        .filter(|s| s.kind_name() == "for_statement")
        .filter_map(|s| {
            named_children(s)
                .into_iter()
                .find(|c| c.kind_name() == "range_clause")
        })
        .filter_map(|r| r.field("right"))
        .any(|items| {
            items.kind_name() == "selector_expression"
                || declared_type(ctx, items).is_some_and(|t| t.kind_name() == "channel_type")
        })
}

/// Method names of servers whose error is the reason they stopped.
const SERVE_METHODS: &[&str] = &["ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS"];

/// A callee (or call) whose function returns an error: a literal or same-file function
/// with an `error` result, or a server's `ListenAndServe`/`Serve`.
fn returns_error<'t>(ctx: &Ctx<'t>, node: Node<'t>) -> bool {
    let src = ctx.src();
    let (callee, args) = if node.kind_name() == "call_expression" {
        match node.field("function") {
            Some(f) => (f, node.field("arguments").map(|a| a.named_child_count())),
            None => return false,
        }
    } else {
        (node, None)
    };
    // `srv.Serve(ln)`: an HTTP or gRPC server; `svc.Serve(ctx)` is a service runner whose
    // error its supervisor handles.
    let serves_listener = || {
        node.field("arguments").is_some_and(|a| {
            a.named_child_count() > 0
                && !text(a, src).to_ascii_lowercase().contains("ctx")
                && !text(a, src).contains("context")
        })
    };
    if callee.kind_name() == "selector_expression"
        && callee.field("field").is_some_and(|m| {
            let m = text(m, src);
            m.starts_with("ListenAndServe")
                || (SERVE_METHODS.contains(&m)
                    && (node.kind_name() != "call_expression" || serves_listener()))
        })
    {
        return true;
    }
    // A method of another type with the same name takes other arguments, as a rule.
    let refs: Vec<Node<'t>> = go_function_refs(ctx, callee)
        .into_iter()
        .filter(|f| args.is_none_or(|n| accepts(*f, n)))
        .collect();
    !refs.is_empty() && refs.iter().all(|f| result_has_error(*f, src))
}

/// Can this function be called with `n` arguments?
fn accepts(function: Node, n: usize) -> bool {
    let Some(params) = function.field("parameters") else {
        return false;
    };
    let mut count = 0;
    for p in named_children(params) {
        match p.kind_name() {
            "variadic_parameter_declaration" => return n >= count,
            "parameter_declaration" => {
                let mut cursor = p.walk();
                count += p.children_by_field_name("name", &mut cursor).count().max(1);
            }
            _ => {}
        }
    }
    n == count
}

/// Does a function's result list include `error`?
fn result_has_error(function: Node, src: &[u8]) -> bool {
    let Some(result) = function.field("result") else {
        return false;
    };
    match result.kind_name() {
        "type_identifier" => text(result, src) == "error",
        "parameter_list" => named_children(result).into_iter().any(|p| {
            let is_error = p
                .field("type")
                .is_some_and(|t| t.kind_name() == "type_identifier" && text(t, src) == "error");
            // `func loop() (err error) { defer func() { s.loopErr = err }() ... }`: the
            // function hands its own error on; the caller has nothing to check.
            let handed_on = p
                .field("name")
                .is_some_and(|name| deferred_use(function, text(name, src), src));
            is_error && !handed_on
        }),
        _ => false,
    }
}

/// Does a deferred closure in the function's own body (not a nested one's) mention `name`?
fn deferred_use(function: Node, name: &str, src: &[u8]) -> bool {
    let Some(body) = function.field("body") else {
        return false;
    };
    // Newer grammars wrap a block's statements in a `statement_list`.
    let statements: Vec<Node> = named_children(body)
        .into_iter()
        .flat_map(|n| {
            if n.kind_name() == "statement_list" {
                named_children(n)
            } else {
                vec![n]
            }
        })
        .collect();
    statements.into_iter().any(|st| {
        st.kind_name() == "defer_statement"
            && named_children(st).into_iter().any(|call| {
                call.field("function")
                    .is_some_and(|f| f.kind_name() == "func_literal" && mentions(f, name, src))
            })
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
                    .find(|c| text(c.field("function").unwrap(), src.as_bytes()) == name)
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
                .field("left")
                .unwrap()
                .named_child(0)
                .unwrap();
            assert!(ctx.holds(&shared, total).is_some(), "package variable");
        });
    }

    fn is<'t>(ctx: &Ctx<'t>, p: Property, node: Node<'t>) -> bool {
        ctx.holds(&Constraint::Is(vec![p], false), node).is_some()
    }

    #[test]
    fn writes_shared_between_goroutines_of_a_loop() {
        let src = "package p\nvar hits int\nfunc f(xs []int) {\n\tn := 0\n\tm := map[int]int{}\n\tout := make([]int, 3)\n\
                   \tfor i, x := range xs {\n\t\tk := 0\n\t\tgo func() { n++; k++; out[i]++; m[i]++; hits++ }()\n\t}\n\
                   \tgo func() { n++ }()\n\tfor _, x := range xs {\n\t\tgo func() { n++ }()\n\t\twg.Wait()\n\t}\n}";
        with_ctx(src, |ctx, root| {
            let inc = |i| nth(root, "inc_statement", i).named_child(0).unwrap();
            let shared = |i| is(ctx, Property::SharedBetweenTasks, inc(i));
            assert!(shared(0), "captured n, goroutine per iteration");
            assert!(!shared(1), "k is declared per iteration");
            assert!(!shared(2), "each goroutine's own slot");
            assert!(shared(3), "map entries are not own slots");
            assert!(is(ctx, Property::MapElement, inc(3)));
            assert!(!is(ctx, Property::MapElement, inc(2)));
            assert!(shared(4), "package variable");
            assert!(!shared(5), "one goroutine");
            assert!(!shared(6), "the loop waits each iteration");
        });
    }

    #[test]
    fn closures_capturing_loop_variables() {
        let src = "package p\nfunc f(xs []int) {\n\tfor i, x := range xs {\n\t\tgo func() { use(x) }()\n\
                   \t\tgo func(x int) { use(x) }(x)\n\t\tdefer func() { use(i) }()\n\t}\n\
                   \tfor j := 0; j < 3; j++ {\n\t\tj := j\n\t\tgo func() { use(j) }()\n\t}\n}";
        with_ctx(src, |ctx, root| {
            let lit = |i| nth(root, "func_literal", i);
            assert_eq!(captured_loop_variable(ctx, lit(0)).as_deref(), Some("x"));
            assert_eq!(captured_loop_variable(ctx, lit(1)), None, "parameter");
            assert_eq!(captured_loop_variable(ctx, lit(2)).as_deref(), Some("i"));
            assert_eq!(captured_loop_variable(ctx, lit(3)), None, "re-declared");
        });
    }

    #[test]
    fn types_holding_locks() {
        let src = "package p\nimport \"sync\"\ntype A struct { mu sync.Mutex }\ntype B struct { A }\n\
                   type C struct { *A }\ntype D struct { l [2]sync.RWMutex }\ntype E struct { mu *sync.Mutex }\n\
                   func f(a A, b B, c C, d D, e E, w sync.WaitGroup, p *sync.WaitGroup) {}";
        with_ctx(src, |ctx, root| {
            let param = |i| nth(root, "parameter_declaration", i).field("type").unwrap();
            let holds: Vec<bool> = (0..7)
                .map(|i| is(ctx, Property::LockByValue, param(i)))
                .collect();
            assert_eq!(holds, [true, true, false, true, false, true, false]);
        });
    }

    #[test]
    fn functions_returning_errors() {
        let src = "package p\ntype S struct{}\nfunc (s *S) push(n int) error { return nil }\nfunc (s *S) note() {}\n\
                   func two() (int, error) { return 0, nil }\nfunc g(s *S, srv *http.Server, t T) {\n\
                   \tgo s.push(1)\n\tgo s.push()\n\tgo s.note()\n\tgo two()\n\tgo srv.ListenAndServe()\n\tgo t.push(1)\n}";
        with_ctx(src, |ctx, root| {
            let call = |i| nth(root, "go_statement", i).named_child(0).unwrap();
            let errs: Vec<bool> = (0..6)
                .map(|i| is(ctx, Property::ReturnsError, call(i)))
                .collect();
            // `s.push()` takes the wrong arguments; `t` is not an S.
            assert_eq!(errs, [true, false, false, true, true, false]);
        });
    }

    #[test]
    fn joined_goroutines() {
        let src = "package p\nfunc a() { go func() { work() }() }\nfunc b() { var wg sync.WaitGroup; wg.Add(1); go func() { defer wg.Done() }(); wg.Wait() }\n\
                   func c(ctx context.Context) { go func() { <-ctx.Done() }() }\nfunc d() { go func() { for { work() } }() }\n\
                   func e() { go elsewhere.Run() }\nfunc work() {}";
        with_ctx(src, |ctx, root| {
            let joined: Vec<bool> = (0..5)
                .map(|i| is(ctx, Property::Joined, nth(root, "go_statement", i)))
                .collect();
            assert_eq!(joined, [false, true, true, true, true]);
        });
    }

    #[test]
    fn request_handlers_by_parameter_type() {
        let src = "package p\nimport (\n\t\"net/http\"\n\t\"github.com/gin-gonic/gin\"\n)\n\
                   func h(w http.ResponseWriter, r *http.Request) { a() }\nfunc g(c *gin.Context) { b() }\nfunc k(x *http.Request) { c() }";
        with_ctx(src, |ctx, root| {
            let handler = inside(Context::RequestHandler);
            let call = |i| nth(root, "call_expression", i);
            assert!(ctx.holds(&handler, call(0)).is_some());
            assert!(ctx.holds(&handler, call(1)).is_some());
            assert!(ctx.holds(&handler, call(2)).is_none());
        });
    }

    #[test]
    fn zero_values_are_created_by_their_type() {
        let src = "package p\nimport \"sync\"\nfunc f() {\n\tvar a sync.WaitGroup\n\tb := &sync.WaitGroup{}\n\
                   \tc := new(sync.WaitGroup)\n\td := sync.Mutex{}\n\ta.Add(1); b.Add(1); c.Add(1); d.Lock()\n}";
        with_ctx(src, |ctx, root| {
            let names =
                crate::engine::names::NameSet::new(&["sync.WaitGroup".to_string()]).unwrap();
            let created = Constraint::CreatedBy(names);
            let recv = |i: usize| {
                nth(root, "call_expression", i + 1)
                    .field("function")
                    .unwrap()
                    .field("operand")
                    .unwrap()
            };
            assert!(
                ctx.holds(&created, recv(0)).is_some(),
                "var a sync.WaitGroup"
            );
            assert!(
                ctx.holds(&created, recv(1)).is_some(),
                "&sync.WaitGroup{{}}"
            );
            assert!(
                ctx.holds(&created, recv(2)).is_some(),
                "new(sync.WaitGroup)"
            );
            assert!(ctx.holds(&created, recv(3)).is_none(), "a Mutex");
        });
    }

    #[test]
    fn parameters() {
        let src = "package p\nfunc f(xs []int) { local := xs; use(xs, local) }";
        with_ctx(src, |ctx, root| {
            let args = nth(root, "argument_list", 0);
            assert!(is(ctx, Property::Parameter, args.named_child(0).unwrap()));
            assert!(!is(ctx, Property::Parameter, args.named_child(1).unwrap()));
        });
    }

    #[test]
    fn state_shared_by_requests() {
        let src = "package p\nimport \"net/http\"\nvar total int\ntype A struct{ n int }\n\
                   func (a *A) h(w http.ResponseWriter, r *http.Request) { a.n++; total++; k := 0; k++ }\n\
                   func (a A) v(w http.ResponseWriter, r *http.Request) { a.n++ }\n\
                   func reg() { c := 0; http.HandleFunc(\"/\", func(w http.ResponseWriter, r *http.Request) { c++ }) }";
        with_ctx(src, |ctx, root| {
            let inc = |i| nth(root, "inc_statement", i).named_child(0).unwrap();
            let shared: Vec<bool> = (0..5)
                .map(|i| is(ctx, Property::SharedBetweenTasks, inc(i)))
                .collect();
            // Receiver field, package variable, local, value receiver's copy, captured.
            assert_eq!(shared, [true, true, false, false, true]);
        });
    }
}

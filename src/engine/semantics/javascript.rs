//! JavaScript and TypeScript semantics (one table serves JS, TS and TSX).

use crate::engine::syntax::Syntax;
use tree_sitter::Node;

use super::{
    Captures, EntryKind, EntryRef, FileFacts, Member, Name, Semantics, has_keyword, member_path,
    named_children, text, unquote,
};

/// The JS/TS semantics table.
pub static SEMANTICS: Semantics = Semantics {
    function_kinds: &[
        "function_declaration",
        "function_expression",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
        "generator_function",
    ],
    loop_kinds: &[
        "for_statement",
        "for_in_statement",
        "while_statement",
        "do_statement",
    ],
    class_kinds: &["class_declaration", "class"],
    computation_kinds: &[
        "for_statement",
        "for_in_statement",
        "while_statement",
        "do_statement",
    ],
    suspend_kinds: &["await_expression", "yield_expression"],
    call_kinds: &["call_expression", "new_expression"],
    separator: ".",
    facts_query: FACTS_QUERY,
    collect,
    is_async: |node, _| has_keyword(node, "async"),
    callee: |node| match node.kind_name() {
        "new_expression" => node.field("constructor"),
        _ => node.field("function"),
    },
    path,
    implicit: |_| None,
    lock_region: |_, _| false,
    lock_call: |_, _| None,
    shared_state: None,
    thread_bases: &[],
    thread_methods: &[],
    function_body: |node| node.field("body"),
    pure_calls: &[
        "Math.*",
        "Number.*",
        "parseInt",
        "parseFloat",
        "String",
        "Number",
        "Boolean",
        "Array.*",
        "Object.keys",
        "Object.values",
        "Object.entries",
        "JSON.stringify",
        "JSON.parse",
        "BigInt",
    ],
    pure_methods: &[
        "push",
        "pop",
        "shift",
        "unshift",
        "slice",
        "map",
        "filter",
        "reduce",
        "join",
        "split",
        "toString",
        "toFixed",
        "charCodeAt",
        "codePointAt",
        "indexOf",
        "includes",
        "concat",
        "sort",
        "reverse",
        "has",
        "add",
        "substring",
        "slice",
        "trim",
        "padStart",
        "padEnd",
        "toUpperCase",
        "toLowerCase",
        "at",
        "fill",
        "every",
        "some",
        "find",
        "findIndex",
    ],
    startup_calls: &[
        "*.listen",
        "http.createServer",
        "https.createServer",
        "http2.createServer",
        "http2.createSecureServer",
        "express",
        "fastify",
        "koa",
    ],
    self_names: &["this"],
};

const MEMBERS: &[Member] = &[Member {
    kind: "member_expression",
    object_field: "object",
    member_field: "property",
    separator: ".",
}];

const FACTS_QUERY: &str = r#"
(import_statement) @ravel.import
(variable_declarator name: (_) @ravel.bind.name value: (_) @ravel.bind.value)
(assignment_expression left: (_) @ravel.bind.name right: (_) @ravel.bind.value)
(_ property: (property_identifier) @ravel.field.name value: (_) @ravel.field.value)
(_ name: (property_identifier) @ravel.field.name value: (_) @ravel.field.value)
(function_declaration name: (identifier) @ravel.def.name) @ravel.def
(generator_function_declaration name: (identifier) @ravel.def.name) @ravel.def
(method_definition name: (_) @ravel.def.name) @ravel.def
(class_declaration name: (_) @ravel.class.name) @ravel.class
(call_expression
  function: (member_expression object: (_) @ravel.route.recv property: (property_identifier) @ravel.route.verb)
  arguments: (arguments) @ravel.route.args
  (#any-of? @ravel.route.verb "get" "post" "put" "delete" "del" "patch" "all" "use" "head" "options" "route" "on")) @ravel.route
(call_expression
  function: (_) @ravel.server.fn
  arguments: (arguments) @ravel.server.args
  (#match? @ravel.server.fn "createServer$")) @ravel.server
"#;

/// Receivers that are conventionally a web application or router.
const APP_NAMES: &[&str] = &[
    "app",
    "router",
    "server",
    "api",
    "fastify",
    "instance",
    "routes",
    "route",
    "koa",
    "srv",
    "application",
    "web",
    "apiRouter",
    "appRouter",
];

/// Factories of web applications and routers.
pub const FRAMEWORKS: &[&str] = &[
    "express",
    "express.Router",
    "express.application",
    "fastify",
    "fastify.fastify",
    "koa",
    "@koa/router",
    "koa-router",
    "restify.createServer",
    "polka",
    "hono.Hono",
    "router",
];

fn path(node: Node, src: &[u8]) -> Option<Name> {
    // `require('fs').readFileSync`: the require call stands for the module.
    let mut base = node;
    let mut rest = Vec::new();
    while base.kind_name() == "member_expression" {
        rest.push(format!(".{}", text(base.field("property")?, src)));
        base = base.field("object")?;
    }
    if let Some(module) = required_module(base, src) {
        rest.reverse();
        return Some(Name {
            head: module,
            rest: rest.concat(),
        });
    }
    member_path(
        node,
        src,
        &["identifier", "this", "property_identifier"],
        MEMBERS,
    )
}

/// `require('node:fs')` → `fs`.
fn required_module(node: Node, src: &[u8]) -> Option<String> {
    if node.kind_name() != "call_expression" {
        return None;
    }
    let func = node.field("function")?;
    if text(func, src) != "require" {
        return None;
    }
    let arg = node.field("arguments")?.named_child(0)?;
    (arg.kind_name() == "string").then(|| module_name(text(arg, src)))
}

fn module_name(literal: &str) -> String {
    let m = unquote(literal);
    m.strip_prefix("node:").unwrap_or(m).to_string()
}

fn collect<'t>(facts: &mut FileFacts<'t>, caps: &Captures<'_, 't>, src: &[u8]) -> bool {
    if let Some(node) = caps.get("ravel.import") {
        collect_import(facts, node, src);
    } else if let (Some(name), Some(value)) =
        (caps.get("ravel.bind.name"), caps.get("ravel.bind.value"))
    {
        collect_binding(facts, name, value, src);
    } else if let (Some(name), Some(value)) =
        (caps.get("ravel.field.name"), caps.get("ravel.field.value"))
    {
        // Class fields (`pool = new Piscina()`; TypeScript `private readonly pool = ...`) are
        // bound as `this.pool`, like an assignment in the constructor.
        facts.bind(&format!("this.{}", text(name, src)), value, name);
    } else if let (Some(site), Some(recv), Some(verb), Some(args)) = (
        caps.get("ravel.route"),
        caps.get("ravel.route.recv"),
        caps.get("ravel.route.verb"),
        caps.get("ravel.route.args"),
    ) {
        collect_route(facts, site, recv, text(verb, src), args, src);
    } else if let (Some(site), Some(args)) =
        (caps.get("ravel.server"), caps.get("ravel.server.args"))
    {
        // http.createServer(handler) / https.createServer(options, handler); the callee is
        // checked to be Node's when the entry is resolved.
        let func = caps.get("ravel.server.fn");
        for arg in functions_in(args) {
            facts.entry_refs.push(EntryRef {
                kind: EntryKind::Handler,
                target: arg,
                site,
                receiver: func,
                receiver_from: &[
                    "http.createServer",
                    "https.createServer",
                    "http2.createServer",
                    "http2.createSecureServer",
                ],
            });
        }
    } else {
        return false;
    }
    true
}

fn collect_import<'t>(facts: &mut FileFacts<'t>, node: Node<'t>, src: &[u8]) {
    let Some(source) = node.field("source") else {
        // TypeScript `import fs = require('fs')`.
        if let Some(clause) = named_children(node)
            .into_iter()
            .find(|c| c.kind_name() == "import_require_clause")
        {
            let kids = named_children(clause);
            if let (Some(local), Some(m)) = (
                kids.first(),
                kids.iter().find(|k| k.kind_name() == "string"),
            ) {
                facts.import(text(*local, src), module_name(text(*m, src)));
            }
        }
        return;
    };
    let module = module_name(text(source, src));
    for clause in named_children(node)
        .into_iter()
        .filter(|c| c.kind_name() == "import_clause")
    {
        for part in named_children(clause) {
            match part.kind_name() {
                "identifier" => facts.import(text(part, src), module.clone()),
                "namespace_import" => {
                    if let Some(id) = named_children(part)
                        .into_iter()
                        .find(|c| c.kind_name() == "identifier")
                    {
                        facts.import(text(id, src), module.clone());
                    }
                }
                "named_imports" => {
                    for spec in named_children(part)
                        .into_iter()
                        .filter(|s| s.kind_name() == "import_specifier")
                    {
                        let Some(name) = spec.field("name") else {
                            continue;
                        };
                        let local = spec.field("alias").unwrap_or(name);
                        let imported = unquote(text(name, src));
                        if imported == "default" {
                            facts.import(text(local, src), module.clone());
                        } else {
                            facts.import(text(local, src), format!("{module}.{imported}"));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

fn collect_binding<'t>(facts: &mut FileFacts<'t>, name: Node<'t>, value: Node<'t>, src: &[u8]) {
    let value = if value.kind_name() == "await_expression" {
        value.named_child(0).unwrap_or(value)
    } else {
        value
    };
    // `const fs = require('fs')`, `const x = require('m').y`, `const { a, b: c } = require('m')`.
    if let Some(p) = path(value, src).filter(|_| is_require(value, src)) {
        let module = format!("{}{}", p.head, p.rest);
        match name.kind_name() {
            "identifier" => facts.import(text(name, src), module),
            "object_pattern" => {
                for prop in named_children(name) {
                    match prop.kind_name() {
                        "shorthand_property_identifier_pattern" => {
                            let n = text(prop, src);
                            facts.import(n, format!("{module}.{n}"));
                        }
                        "pair_pattern" => {
                            let (Some(k), Some(v)) = (prop.field("key"), prop.field("value"))
                            else {
                                continue;
                            };
                            facts.import(text(v, src), format!("{module}.{}", text(k, src)));
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        return;
    }
    facts.bind(text(name, src), value, name);
}

fn is_require(mut node: Node, src: &[u8]) -> bool {
    while node.kind_name() == "member_expression" {
        match node.field("object") {
            Some(o) => node = o,
            None => return false,
        }
    }
    required_module(node, src).is_some()
}

/// `app.get('/x', handler)`, `router.use(mw)`, `fastify.route({ handler })`, `server.on('request', fn)`.
fn collect_route<'t>(
    facts: &mut FileFacts<'t>,
    site: Node<'t>,
    recv: Node<'t>,
    verb: &str,
    args: Node<'t>,
    src: &[u8],
) {
    let first = named_children(args).into_iter().next();
    if verb == "on" && first.is_none_or(|f| unquote(text(f, src)) != "request") {
        return;
    }
    let plausible = match recv.kind_name() {
        "identifier" => APP_NAMES.contains(&text(recv, src)),
        "member_expression" => recv
            .field("property")
            .is_some_and(|p| APP_NAMES.contains(&text(p, src))),
        // `router.route('/x').get(fn)`
        "call_expression" => recv
            .field("function")
            .and_then(|f| f.field("property"))
            .is_some_and(|p| text(p, src) == "route"),
        _ => false,
    };
    // With a path argument the verb reads as a route even on an unknown receiver name,
    // but only when that receiver comes from a web framework.
    let (receiver, from): (Option<Node<'t>>, &'static [&'static str]) = if plausible {
        (None, &[])
    } else {
        (Some(recv), FRAMEWORKS)
    };
    let mut targets = functions_in(args);
    if verb == "route" {
        // fastify.route({ method, url, handler })
        for obj in named_children(args)
            .into_iter()
            .filter(|a| a.kind_name() == "object")
        {
            for pair in named_children(obj)
                .into_iter()
                .filter(|p| p.kind_name() == "pair")
            {
                if pair.field("key").is_some_and(|k| text(k, src) == "handler") {
                    targets.extend(pair.field("value"));
                }
            }
        }
    }
    for target in targets {
        facts.entry_refs.push(EntryRef {
            kind: EntryKind::Handler,
            target,
            site,
            receiver,
            receiver_from: from,
        });
    }
}

/// Arguments that are functions or names of functions.
fn functions_in(args: Node) -> Vec<Node> {
    named_children(args)
        .into_iter()
        .filter(|a| {
            matches!(
                a.kind_name(),
                "arrow_function" | "function_expression" | "identifier"
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{nth, with_ctx};
    use crate::engine::names::NameSet;
    use crate::engine::syntax::Syntax;
    use crate::language::Language;

    #[test]
    fn class_fields_bind_this_members_in_every_grammar() {
        let src = "class A {\n  pool = makePool();\n  run() { use(this.pool); }\n}\n";
        let ts = "class A {\n  private readonly pool: P = makePool();\n  run(): void { use(this.pool); }\n}\n";
        for (lang, src) in [
            (Language::JavaScript, src),
            (Language::TypeScript, ts),
            (Language::Tsx, ts),
        ] {
            with_ctx(lang, src, |ctx, root| {
                let call = nth(root, "call_expression", 1);
                let arg = call
                    .field("arguments")
                    .and_then(|a| a.named_child(0))
                    .unwrap();
                let names = NameSet::new(&["makePool".to_string()]).unwrap();
                assert!(ctx.origin(arg, &names, 0).is_some(), "{lang:?}");
            });
        }
    }
}

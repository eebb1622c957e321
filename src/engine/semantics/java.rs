//! Java semantics.

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
    callee: |node| match node.kind() {
        "object_creation_expression" => node.child_by_field_name("type"),
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
    lock_region: |node, _| match node.kind() {
        "synchronized_statement" => true,
        "method_declaration" => named_children(node).iter().any(|c| {
            c.kind() == "modifiers"
                && super::children(*c)
                    .iter()
                    .any(|m| m.kind() == "synchronized")
        }),
        _ => false,
    },
    lock_call,
    shared_state: None,
    thread_bases: &[
        "java.lang.Thread",
        "java.lang.Runnable",
        "java.util.concurrent.Callable",
    ],
    thread_methods: &["run", "call"],
    function_body: |node| node.child_by_field_name("body"),
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
"#;

fn path(node: Node, src: &[u8]) -> Option<Name> {
    match node.kind() {
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
            if let Some(n) = class.child_by_field_name(field) {
                let mut stack = vec![n];
                while let Some(c) = stack.pop() {
                    if matches!(c.kind(), "type_identifier" | "scoped_type_identifier") {
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
            let receiver = site.child_by_field_name("object");
            facts.entry_refs.push(EntryRef {
                kind: EntryKind::Thread,
                target: task,
                site,
                receiver,
                receiver_from: &[],
            });
        }
    } else {
        return false;
    }
    true
}

fn lock_call(stmt: Node, src: &[u8]) -> Option<(String, LockOp)> {
    let call = if stmt.kind() == "expression_statement" {
        stmt.named_child(0)?
    } else {
        stmt
    };
    if call.kind() != "method_invocation" {
        return None;
    }
    let recv = text(call.child_by_field_name("object")?, src).to_string();
    match text(call.child_by_field_name("name")?, src) {
        "lock" | "lockInterruptibly" => Some((recv, LockOp::Acquire)),
        "unlock" => Some((recv, LockOp::Release)),
        _ => None,
    }
}

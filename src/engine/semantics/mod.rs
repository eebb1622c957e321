//! Per-language semantics: what a function, a call, a name, a lock and shared state are.
//!
//! Each language module exports one `SEMANTICS` table of node kinds and small functions.
//! The engine implements every constraint word once on top of these tables, so a rule
//! written for one language can use the same words in every other.

pub mod csharp;
pub mod go;
pub mod java;
pub mod javascript;
pub mod python;
pub mod rust;

/// Does this expression's text name a lock (`lock`, `self._mutex`, `threading.RLock()`)?
pub fn is_lock_name(expr: &str) -> bool {
    let last = expr
        .trim_end_matches("()")
        .rsplit('.')
        .next()
        .unwrap_or(expr)
        .to_ascii_lowercase();
    [
        "lock",
        "mutex",
        "rlock",
        "cond",
        "condition",
        "semaphore",
        "sem",
        "guard",
    ]
    .iter()
    .any(|w| last.contains(w))
}

#[cfg(test)]
pub mod test_support;

use crate::engine::syntax::Syntax;
use foldhash::{HashMap, HashMapExt};

use tree_sitter::Node;

/// Whether a statement takes or releases a lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockOp {
    /// `lock.acquire()`, `mu.Lock()`, `lock.lock()`.
    Acquire,
    /// `lock.release()`, `mu.Unlock()`, `lock.unlock()`.
    Release,
}

/// A place where a function is handed to threads, tasks or a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// Run on another thread or a thread pool.
    Thread,
    /// Registered as an HTTP request handler.
    Handler,
    /// Run on a virtual thread (Java); also a thread entry.
    VirtualThread,
}

/// A function reference handed to threads or a server, found while collecting facts.
#[derive(Clone, Copy, Debug)]
pub struct EntryRef<'t> {
    /// What kind of entry point.
    pub kind: EntryKind,
    /// The expression naming the function: a lambda, an identifier, `self.method`, ...
    pub target: Node<'t>,
    /// The call that registers it (secondary label).
    pub site: Node<'t>,
    /// When set, the entry counts only if this receiver was created by one of `receiver_from`.
    pub receiver: Option<Node<'t>>,
    /// Constructors or factories the receiver must come from.
    pub receiver_from: &'static [&'static str],
}

/// A name bound to a value in the file (`x = f()`, `with f() as x`, `var x = f();`).
#[derive(Clone, Debug)]
pub struct Binding<'t> {
    /// The bound name as written (`pool`, `self.pool`).
    pub name: String,
    /// The value expression.
    pub value: Node<'t>,
    /// The binding's name node, for labels.
    pub at: Node<'t>,
}

/// Facts gathered from one file in the same query pass as the rules.
pub struct FileFacts<'t> {
    /// The language's function kinds: a binding to one of them names a function.
    function_kinds: &'static [&'static str],
    /// Local name → qualified name (`t` → `time`, `sleep` → `time.sleep`).
    pub imports: HashMap<String, String>,
    /// Namespaces imported wholesale (`using System.Threading;`, `import java.util.*;`).
    pub wildcards: Vec<String>,
    /// Name bindings, in document order.
    pub bindings: Vec<Binding<'t>>,
    /// Named function definitions: name → nodes.
    pub functions: HashMap<String, Vec<Node<'t>>>,
    /// Functions handed to threads or servers, before resolution.
    pub entry_refs: Vec<EntryRef<'t>>,
    /// Names bound at module level (Python globals, package variables).
    pub module_names: std::collections::HashSet<String>,
    /// Classes and what they extend: class name → (class node, base names as written).
    pub classes: HashMap<String, (Node<'t>, Vec<String>)>,
    /// Items the code itself marks as tests (`#[test] fn`, `#[cfg(test)] mod`): everything
    /// inside them is test code, whatever the file's path.
    pub test_items: Vec<Node<'t>>,
    /// Names of fields declared `volatile` in the file (Java, C#).
    pub volatile_fields: std::collections::HashSet<String>,
}

impl<'t> FileFacts<'t> {
    /// Empty facts for a file of the language `sem` describes.
    pub fn new(sem: &Semantics) -> FileFacts<'t> {
        FileFacts {
            function_kinds: sem.function_kinds,
            imports: HashMap::new(),
            wildcards: Vec::new(),
            bindings: Vec::new(),
            functions: HashMap::new(),
            entry_refs: Vec::new(),
            module_names: std::collections::HashSet::new(),
            classes: HashMap::new(),
            test_items: Vec::new(),
            volatile_fields: std::collections::HashSet::new(),
        }
    }

    /// Record the facts every language captures under the same names; false if the match
    /// holds none of them. Languages handle their own captures first (imports, spawns, and
    /// classes whose bases they read).
    pub fn collect_common(&mut self, caps: &Captures<'_, 't>, src: &[u8]) -> bool {
        if let (Some(name), Some(value)) =
            (caps.get("ravel.bind.name"), caps.get("ravel.bind.value"))
        {
            self.bind(text(name, src), value, name);
        } else if let (Some(def), Some(name)) = (caps.get("ravel.def"), caps.get("ravel.def.name"))
        {
            self.function(text(name, src), def);
        } else if let Some(name) = caps.get("ravel.global") {
            self.module_names.insert(text(name, src).to_string());
        } else if let (Some(class), Some(name)) =
            (caps.get("ravel.class"), caps.get("ravel.class.name"))
        {
            self.classes
                .insert(text(name, src).to_string(), (class, Vec::new()));
        } else {
            return false;
        }
        true
    }

    /// Record an import of `qualified` under `local`.
    pub fn import(&mut self, local: &str, qualified: impl Into<String>) {
        if !local.is_empty() && local != "_" && local != "*" {
            self.imports.insert(local.to_string(), qualified.into());
        }
    }

    /// Record a named function definition.
    pub fn function(&mut self, name: &str, node: Node<'t>) {
        let defs = self.functions.entry(name.to_string()).or_default();
        if !defs.iter().any(|d| d.id() == node.id()) {
            defs.push(node);
        }
    }

    /// Record a name binding; a plain name bound to a lambda or closure also names a function
    /// (`work = lambda: ..`, `let work = || ..`, `work := func() {..}`).
    pub fn bind(&mut self, name: &str, value: Node<'t>, at: Node<'t>) {
        self.bindings.push(Binding {
            name: name.to_string(),
            value,
            at,
        });
        let plain = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
        if plain && self.function_kinds.contains(&value.kind_name()) {
            self.function(name, value);
        }
    }
}

/// The captures of one semantic-pattern match, by name.
pub struct Captures<'a, 't> {
    /// (capture name, node) pairs.
    pub list: &'a [(&'a str, Node<'t>)],
}

impl<'t> Captures<'_, 't> {
    /// The first node captured under `name`.
    pub fn get(&self, name: &str) -> Option<Node<'t>> {
        self.list
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, node)| *node)
    }
}

/// Classifies a statement as taking or releasing a lock on a receiver.
pub type LockCallFn = fn(Node, &[u8]) -> Option<(String, LockOp)>;

/// Decides whether an assignment target (in its innermost function) is shared state.
pub type SharedStateFn = fn(Node, Option<Node>, &[u8], &FileFacts) -> bool;

/// A language's semantics table.
pub struct Semantics {
    /// Node kinds that open a function scope (definitions, lambdas, closures, methods).
    pub function_kinds: &'static [&'static str],
    /// Loop statements.
    pub loop_kinds: &'static [&'static str],
    /// Class-like declarations (for `self.method` and Runnable lookups).
    pub class_kinds: &'static [&'static str],
    /// Nodes that do computation by themselves: loops, comprehensions.
    pub computation_kinds: &'static [&'static str],
    /// Suspension points: await, yield.
    pub suspend_kinds: &'static [&'static str],
    /// Call-like nodes (calls, `new`, macro invocations).
    pub call_kinds: &'static [&'static str],
    /// Separator of qualified names (`.` or `::`).
    pub separator: &'static str,
    /// Query patterns whose matches feed `collect` (captures named `ravel.*`).
    pub facts_query: &'static str,
    /// Record the facts of one semantic match that only this language captures; false if
    /// the match holds none, and `FileFacts::collect_common` takes it.
    pub collect: for<'t> fn(&mut FileFacts<'t>, &Captures<'_, 't>, &[u8]) -> bool,
    /// Is this function node async?
    pub is_async: fn(Node, &[u8]) -> bool,
    /// The callee expression of a call-like node.
    pub callee: for<'t> fn(Node<'t>) -> Option<Node<'t>>,
    /// The name an expression spells (`a.b.c` → head `a`, rest `.b.c`); None if not a name.
    pub path: fn(Node, &[u8]) -> Option<Name>,
    /// The qualified name an unimported head refers to (`Thread` → `java.lang.Thread`).
    pub implicit: fn(&str) -> Option<&'static str>,
    /// Is this node a construct that holds a lock over its body (`with lock:`, `synchronized`)?
    pub lock_region: fn(Node, &[u8]) -> bool,
    /// Does this statement acquire or release a lock, and on what receiver?
    pub lock_call: LockCallFn,
    /// Is this assignment target state shared with other threads? (target, innermost function)
    /// None where the language does not implement the `shared-state` word yet.
    pub shared_state: Option<SharedStateFn>,
    /// Base classes whose subclasses' `thread_methods` run on threads (`threading.Thread`).
    pub thread_bases: &'static [&'static str],
    /// Methods of such subclasses that threads run (`run`).
    pub thread_methods: &'static [&'static str],
    /// The body node of a function.
    pub function_body: for<'t> fn(Node<'t>) -> Option<Node<'t>>,
    /// Calls (qualified-name globs) that do pure computation.
    pub pure_calls: &'static [&'static str],
    /// Method names that do pure computation on any receiver.
    pub pure_methods: &'static [&'static str],
    /// Calls that start a server; a function making one is start-up code.
    pub startup_calls: &'static [&'static str],
    /// Names of the receiver that means "this object" (`self`, `this`).
    pub self_names: &'static [&'static str],
}

impl Semantics {
    /// Record one semantic match: the language's own captures first, then the common ones.
    pub fn record<'t>(&self, facts: &mut FileFacts<'t>, caps: &Captures<'_, 't>, src: &[u8]) {
        if !(self.collect)(facts, caps, src) {
            facts.collect_common(caps, src);
        }
    }
}

/// UTF-8 text of a node (the source is sanitised UTF-8, so this cannot fail in practice).
pub fn text<'s>(node: Node, src: &'s [u8]) -> &'s str {
    node.utf8_text(src).unwrap_or("")
}

/// Strip one layer of matching quotes from a string literal's text.
pub fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ["\"\"\"", "'''", "\"", "'", "`"] {
        if s.len() >= 2 * q.len() && s.starts_with(q) && s.ends_with(q) {
            return &s[q.len()..s.len() - q.len()];
        }
    }
    s
}

/// Named children of a node.
pub fn named_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// All children of a node, named or not.
pub fn children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.children(&mut cursor).collect()
}

/// Does the node have a direct anonymous child with this exact kind (a keyword)?
pub fn has_keyword(node: Node, keyword: &str) -> bool {
    let mut cursor = node.walk();

    node.children(&mut cursor)
        .any(|c| !c.is_named() && c.kind_name() == keyword)
}

/// Does `root` or a named node of its subtree satisfy `pred`? Below the root, nodes of `skip`
/// kinds (nested functions and classes, which have scopes of their own) are not entered. One
/// cursor walks the subtree (no recursion, nothing allocated per node).
pub fn any_in_scope<'t>(
    root: Node<'t>,
    skip: &[&str],
    mut pred: impl FnMut(Node<'t>) -> bool,
) -> bool {
    if pred(root) {
        return true;
    }
    let mut cursor = root.walk();
    if !cursor.goto_first_child() {
        return false;
    }
    loop {
        let node = cursor.node();
        let enter = node.is_named() && !skip.contains(&node.kind_name());
        if enter && pred(node) {
            return true;
        }
        if enter && cursor.goto_first_child() {
            continue;
        }
        // The cursor cannot leave `root`: past its last descendant both moves fail.
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return false;
            }
        }
    }
}

/// Does the subtree hold an identifier spelled `name` (a parameter list, a pattern)?
pub fn mentions(root: Node, name: &str, src: &[u8]) -> bool {
    any_in_scope(root, &[], |n| {
        n.kind_name() == "identifier" && text(n, src) == name
    })
}

/// The object at the root of member and index accesses: `self.a.b[k]` → `self`. Each step is
/// (node kind, field holding the object); an empty field means the first named child.
pub fn root_object<'t>(node: Node<'t>, steps: &[(&str, &str)]) -> Node<'t> {
    let mut root = node;
    while let Some((_, field)) = steps.iter().find(|(kind, _)| *kind == root.kind_name()) {
        let next = if field.is_empty() {
            root.named_child(0)
        } else {
            root.field(field)
        };
        match next {
            Some(n) => root = n,
            None => break,
        }
    }
    root
}

/// A name as spelled in code: its first identifier and the rest, separators included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    /// The first identifier, which imports may rename (`t` in `t.sleep`).
    pub head: String,
    /// Everything after it, starting with a separator (`.sleep`), or empty.
    pub rest: String,
}

/// One step of a member chain: for a node of `kind`, the object is in `object_field` and the
/// member in `member_field`, joined by `separator`.
pub struct Member {
    /// Node kind of the member access.
    pub kind: &'static str,
    /// Field holding the object.
    pub object_field: &'static str,
    /// Field holding the member name.
    pub member_field: &'static str,
    /// Separator written between them.
    pub separator: &'static str,
}

/// Spell a name through member accesses down to an identifier; iterative, so deep chains are safe.
pub fn member_path(
    node: Node,
    src: &[u8],
    ident_kinds: &[&str],
    members: &[Member],
) -> Option<Name> {
    // (separator, member) from the outermost in; joined once at the end.
    let mut rest: Vec<(&str, &str)> = Vec::new();
    let joined = |rest: &[(&str, &str)]| {
        let mut out = String::new();
        for (separator, member) in rest.iter().rev() {
            out.push_str(separator);
            out.push_str(member);
        }
        out
    };
    let mut cur = node;
    loop {
        if ident_kinds.contains(&cur.kind_name()) {
            return Some(Name {
                head: text(cur, src).to_string(),
                rest: joined(&rest),
            });
        }
        let m = members.iter().find(|m| m.kind == cur.kind_name())?;
        let member = cur.field(m.member_field)?;
        match cur.field(m.object_field) {
            Some(object) => {
                rest.push((m.separator, text(member, src)));
                cur = object;
            }
            // A bare method call (`foo()` in Java) has no object: the member is the head.
            None => {
                return Some(Name {
                    head: text(member, src).to_string(),
                    rest: joined(&rest),
                });
            }
        }
    }
}

/// Remove generic arguments (`::<T>`, `<T>`) from a spelled name: `Vec::<u8>` → `Vec`.
pub fn strip_generics(s: &str) -> String {
    if !s.contains('<') && !s.contains("::::") {
        // Nothing to strip (most names): only the trailing `::` goes.
        return s.trim_end_matches("::").to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '<' => depth += 1,
            '>' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    // `Vec::<u8>::new` leaves `Vec::::new`.
    while out.contains("::::") {
        out = out.replace("::::", "::");
    }
    out.trim_end_matches("::").to_string()
}

//! Per-file evaluation of the constraint vocabulary on top of a language's semantics.

use crate::engine::syntax::Syntax;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::cell::RefCell;
use std::ops::Range;

use tree_sitter::Node;

use super::constraint::{Constraint, Context, Property, Selector, Stop, Target};
use super::names::NameSet;
use super::semantics::{EntryKind, FileFacts, LockOp, Semantics, mentions, named_children, text};
use crate::diagnostic::Label;
use crate::language::Language;

mod iteration;

/// How deep `has` follows calls into same-file functions.
const FOLLOW_DEPTH: usize = 3;
/// How many same-file helpers `reaches` goes through.
const REACH_DEPTH: usize = 4;

/// How a call reaches a named function: the path for the message and labels along it.
#[derive(Clone, Debug)]
pub struct Reach {
    /// `handler → helper → time.sleep`.
    pub chain: String,
    /// One label per hop inside the helpers.
    pub labels: Vec<Label>,
}
/// A chain of calls: each step's call site (first line) and callee text.
type CallPath = Vec<(Range<usize>, String)>;

/// `reaches` results per (name set address, helper node id).
type ReachCache = HashMap<(usize, usize), Option<CallPath>>;

/// The calls a function's body makes, each with its callee.
type BodyCalls<'t> = std::rc::Rc<[(Node<'t>, Node<'t>)]>;

/// Loops with a literal bound at least this large count as CPU-heavy.
const HEAVY_LOOP_BOUND: f64 = 100_000.0;

/// Everything the constraints of one file need: source, tree, facts, and caches.
pub struct Ctx<'t> {
    sem: &'static Semantics,
    src: &'t [u8],
    root: Node<'t>,
    facts: FileFacts<'t>,
    /// Function node id → where it is handed to threads.
    thread_entries: HashMap<usize, Node<'t>>,
    /// Function node id → where it is registered as a request handler.
    handlers: HashMap<usize, Node<'t>>,
    cpu_cache: RefCell<HashMap<usize, bool>>,
    /// Node id → its first line's range, for labels.
    head_cache: RefCell<HashMap<usize, Range<usize>>>,
    /// Function node id → whether it is async (asked for every candidate inside it).
    async_cache: RefCell<HashMap<usize, bool>>,
    /// Function node id → the first line of the call through which thread code reaches it
    /// (computed on demand; ranges, not nodes, so the context stays covariant).
    thread_reached: std::cell::OnceCell<HashMap<usize, Range<usize>>>,
    /// Function node id → whether it starts a server (asked once per candidate and function).
    server_cache: RefCell<HashMap<usize, bool>>,
    /// Node id → its ancestors, root first: every constraint on a node asks for them.
    ancestor_cache: RefCell<HashMap<usize, std::rc::Rc<[Node<'t>]>>>,
    /// Node id → its enclosing functions, innermost first: most context checks start there.
    functions_cache: RefCell<HashMap<usize, std::rc::Rc<[Node<'t>]>>>,
    /// Node id → its qualified names: many rules test the same callee.
    resolve_cache: RefCell<HashMap<usize, Vec<String>>>,
    /// (names, helper id) → the shortest blocking chain from that helper, for `reaches`.
    reach_cache: RefCell<ReachCache>,
    /// Node id → the same-file functions a callee may mean.
    refs_cache: RefCell<HashMap<usize, Vec<Node<'t>>>>,
    /// Function node id → the calls its body makes, for `reaches`.
    calls_cache: RefCell<HashMap<usize, BodyCalls<'t>>>,
    role: FileRole,
    /// Thread-subclass methods (`run`): each thread has its own `self`.
    own_self: HashSet<usize>,
    /// Functions whose names say they run once at start-up (`init`, `setupRoutes`, ...).
    startup_named: HashSet<usize>,
    /// The file's language, for properties only some languages implement.
    lang: Language,
    /// Loop and fan-out tables, where the language has them.
    loops: Option<&'static iteration::LoopTable>,
    /// Function node id → where it is started on a virtual thread, or the call that reaches
    /// it from code running on one (true when that call is the start itself).
    virtual_threads: HashMap<usize, (Node<'t>, bool)>,
    /// The tree in pre-order, with parents: ancestors without a search from the root.
    flat: super::flat::Flat<'t>,
    /// Per kind id, whether it is one of `sem.function_kinds`: asked on every ancestor walk.
    function_kinds: &'static [bool],
    /// The last node `enclosing_function` was asked about, and its answer.
    last_function: std::cell::Cell<Option<(usize, Option<Node<'t>>)>>,
}

/// A node's ancestors, found on first use: most `inside` targets look only at functions.
struct LazyAncestors<'c, 't> {
    ctx: &'c Ctx<'t>,
    node: Node<'t>,
    path: std::cell::OnceCell<std::rc::Rc<[Node<'t>]>>,
}

impl<'t> LazyAncestors<'_, 't> {
    /// The path from the root down to the node (excluded).
    fn get(&self) -> &[Node<'t>] {
        self.path.get_or_init(|| self.ctx.ancestors(self.node))
    }
}

/// What `Ctx::search` does after visiting a node.
pub enum Visit {
    /// Go on into its children.
    Descend,
    /// Leave its children out.
    Skip,
    /// End the search.
    Stop,
}

/// Names (lower case, without `_`) of functions that run once at start-up.
const STARTUP_NAMES: &[&str] = &[
    "main",
    "start",
    "startup",
    "setup",
    "bootstrap",
    "init",
    "initialize",
    "configure",
    // ASGI/FastAPI lifespan handlers run once around serving; Next.js static props at build.
    "lifespan",
    "getstaticprops",
    "getstaticpaths",
];
/// Prefixes of such names (`initDatabase`, `setup_routes`, `bootstrapApp`).
const STARTUP_PREFIXES: &[&str] = &["init", "setup", "bootstrap"];
/// Suffixes of such names (`expressCreateServer` hooks).
const STARTUP_SUFFIXES: &[&str] = &["createserver", "presession", "configure"];

/// Does a function's name say it runs once at start-up?
fn startup_name(name: &str) -> bool {
    let last = name.rsplit(['.', ':']).next().unwrap_or(name);
    let n: String = last
        .chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect();
    STARTUP_NAMES.contains(&n.as_str())
        || STARTUP_PREFIXES.iter().any(|p| n.starts_with(p))
        || STARTUP_SUFFIXES.iter().any(|p| n.ends_with(p))
}

/// A .NET test project's folder: `UnitTest`, `Core.Tests`, `Api.IntegrationTest` (lower case).
fn dotnet_test_project(dir: &str) -> bool {
    matches!(dir, "unittest" | "unittests")
        || [
            ".test",
            ".tests",
            "unittests",
            "integrationtests",
            "integrationtest",
        ]
        .iter()
        .any(|s| dir.ends_with(s) && dir.len() > s.len())
}

/// Text in a file's source that says what the file is for, found in one pass.
#[derive(Default)]
struct SourceMarkers {
    /// Reads its command line or exits the process.
    cli: bool,
    /// Calls its own `main()` at the top level (a line `main();`, `main().catch(..)` or
    /// `await main();`).
    main_call: bool,
    /// Mentions `worker_threads`.
    worker_threads: bool,
    /// Uses `parentPort` or `workerData`.
    talks_to_parent: bool,
    /// Starts a worker (`new Worker(`).
    starts_worker: bool,
}

impl SourceMarkers {
    /// The marker texts; `find` maps each to the field it sets, by index.
    const TEXTS: &[&str] = &[
        "process.argv",
        "require.main === module",
        "import.meta.main",
        "process.exit(",
        // Rust command-line parsing: a file defining commands.
        "use clap::",
        "clap::Parser",
        "worker_threads",
        "parentPort",
        "workerData",
        "new Worker(",
        "main()",
    ];

    fn find(source: &str) -> SourceMarkers {
        use memchr::memmem::Finder;
        // One SIMD search per marker: faster than one automaton pass over every byte.
        static FINDERS: std::sync::LazyLock<Vec<Finder<'static>>> =
            std::sync::LazyLock::new(|| SourceMarkers::TEXTS.iter().map(Finder::new).collect());
        let bytes = source.as_bytes();
        let any =
            |range: std::ops::Range<usize>| FINDERS[range].iter().any(|f| f.find(bytes).is_some());
        SourceMarkers {
            cli: any(0..6),
            worker_threads: any(6..7),
            talks_to_parent: any(7..9),
            starts_worker: any(9..10),
            main_call: FINDERS[10]
                .find_iter(bytes)
                .any(|at| main_call_line(source, at)),
        }
    }
}

/// Whether the line holding `main()` at byte `at` is a top-level call of it.
fn main_call_line(source: &str, at: usize) -> bool {
    let start = source[..at].rfind('\n').map_or(0, |p| p + 1);
    let end = source[at..].find('\n').map_or(source.len(), |p| at + p);
    let l = source[start..end].trim_end();
    l == "main();" || l.starts_with("main().") || l == "await main();"
}

/// What a file is for, from its path and first line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileRole {
    /// Test code.
    pub test: bool,
    /// A command-line script.
    pub script: bool,
    /// The file reads its command line or exits the process (a script, unless it serves).
    pub cli_markers: bool,
}

impl FileRole {
    /// Classify a file by its path components, name and shebang.
    pub fn of(path: &std::path::Path, source: &str) -> FileRole {
        let dirs: Vec<String> = path
            .parent()
            .map(|p| {
                p.components()
                    .filter_map(|c| c.as_os_str().to_str())
                    .map(str::to_ascii_lowercase)
                    .collect()
            })
            .unwrap_or_default();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let stem = name.split('.').next().unwrap_or("");
        let test_dir = dirs.iter().any(|d| {
            matches!(
                d.as_str(),
                "test"
                    | "tests"
                    | "__tests__"
                    | "spec"
                    | "specs"
                    | "testing"
                    | "e2e"
                    | "benches"
                    | "playwright"
                    | "cypress"
            ) || dotnet_test_project(d)
        });
        let test_name = name.contains(".test.")
            || name.contains(".spec.")
            || stem.starts_with("test_")
            || stem.ends_with("_test")
            || name.ends_with("_test.go")
            || stem.ends_with("_tests")
            || (stem.ends_with("test") && stem.len() > 4 && name.ends_with(".java"))
            || stem.ends_with("tests") && name.ends_with(".cs");
        let script_dir = dirs
            .iter()
            .any(|d| matches!(d.as_str(), "bin" | "cli" | "scripts" | "script" | "tools"));
        // Database migrations and seeders run once from a command, and build scripts and tool
        // configs (`build.js`, `gulpfile.js`, `vite.config.ts`) run outside any server.
        let one_shot = dirs.iter().any(|d| {
            matches!(
                d.as_str(),
                "migrations" | "migration" | "seeders" | "upgrades"
            )
        }) || matches!(stem, "build" | "gulpfile" | "gruntfile" | "jakefile")
            || name.contains(".config.");
        let found = SourceMarkers::find(source);
        let cli_markers = found.cli || found.main_call;
        // A worker_threads worker (it talks to its parent and starts no workers itself): its
        // blocking calls stall that worker, which is what it is for, not the main event loop.
        let worker = found.worker_threads && found.talks_to_parent && !found.starts_worker;
        FileRole {
            test: test_dir || test_name,
            script: script_dir || one_shot || worker || source.starts_with("#!"),
            cli_markers,
        }
    }
}

impl<'t> Ctx<'t> {
    /// Build the context and resolve which functions are thread entries and handlers.
    pub fn new(
        lang: Language,
        src: &'t [u8],
        root: Node<'t>,
        facts: FileFacts<'t>,
        role: FileRole,
        flat: super::flat::Flat<'t>,
    ) -> Ctx<'t> {
        let mut ctx = Ctx {
            lang,
            role,
            own_self: HashSet::new(),
            startup_named: HashSet::new(),
            sem: lang.semantics(),
            src,
            root,
            facts,
            thread_entries: HashMap::new(),
            handlers: HashMap::new(),
            cpu_cache: RefCell::new(HashMap::new()),
            async_cache: RefCell::new(HashMap::new()),
            head_cache: RefCell::new(HashMap::new()),
            thread_reached: std::cell::OnceCell::new(),
            server_cache: RefCell::new(HashMap::new()),
            ancestor_cache: RefCell::new(HashMap::new()),
            functions_cache: RefCell::new(HashMap::new()),
            resolve_cache: RefCell::new(HashMap::new()),
            reach_cache: RefCell::new(HashMap::new()),
            refs_cache: RefCell::new(HashMap::new()),
            calls_cache: RefCell::new(HashMap::new()),
            loops: iteration::table(lang),
            virtual_threads: HashMap::new(),
            flat,
            function_kinds: super::syntax::function_kinds(lang),
            last_function: std::cell::Cell::new(None),
        };
        ctx.resolve_entries();
        ctx.startup_named = ctx.startup_functions();
        ctx
    }

    /// Is this pool made with exactly one worker (`ThreadPoolExecutor(max_workers=1)`,
    /// `Executors.newFixedThreadPool(1)`, `newSingleThreadExecutor()`)? `pool` is the creating
    /// call, its constructor's name, or a name bound to it (`self._ex`, `this.executor`: every
    /// binding of that name in the file).
    fn one_worker(&self, pool: Node<'t>) -> bool {
        let single = |call: Node<'t>| {
            if !self.sem.call_kinds.contains(&call.kind_name()) {
                return false;
            }
            let single_thread = (self.sem.callee)(call).is_some_and(|c| {
                let spelled = text(c, self.src);
                let last = spelled.rsplit(['.', ':']).next().unwrap_or(spelled);
                last.starts_with("newSingleThread")
            });
            single_thread
                || call.field("arguments").is_some_and(|args| {
                    let spelled: String = text(args, self.src)
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect();
                    matches!(
                        spelled.as_str(),
                        "(1)" | "(max_workers=1)" | "(processes=1)" | "(1,)"
                    )
                })
        };
        if self.sem.call_kinds.contains(&pool.kind_name()) {
            return single(pool);
        }
        if let Some(p) = pool.parent()
            && self.sem.call_kinds.contains(&p.kind_name())
            && (self.sem.callee)(p).is_some_and(|c| c.id() == pool.id())
        {
            return single(p);
        }
        let name = strip_self(text(pool, self.src), self.sem.self_names);
        let mut values = self
            .facts
            .bindings
            .iter()
            .filter(|b| strip_self(&b.name, self.sem.self_names) == name)
            .map(|b| b.value)
            .peekable();
        values.peek().is_some() && values.all(single)
    }

    fn resolve_entries(&mut self) {
        let mut threads = HashMap::new();
        let mut handlers = HashMap::new();
        let mut virtual_threads = HashMap::new();
        for entry in &self.facts.entry_refs {
            let mut pool = entry.receiver;
            if !entry.receiver_from.is_empty() {
                let Some(receiver) = entry.receiver else {
                    continue;
                };
                let from = NameSet::Static(entry.receiver_from);
                let Some(origin) = self.origin(receiver, &from, 0) else {
                    continue;
                };
                pool = Some(origin);
            }
            // A pool of one worker (`ThreadPoolExecutor(max_workers=1)`,
            // `newSingleThreadExecutor()`) runs its tasks one at a time on its thread, which
            // confines the state they share: not a thread entry for races among tasks.
            if entry.kind == EntryKind::Thread && pool.is_some_and(|p| self.one_worker(p)) {
                continue;
            }
            let map = match entry.kind {
                EntryKind::Thread => &mut threads,
                EntryKind::Handler => &mut handlers,
                EntryKind::VirtualThread => &mut threads,
            };
            for f in self.function_refs(entry.target) {
                map.entry(f.id()).or_insert(entry.site);
                if entry.kind == EntryKind::VirtualThread {
                    virtual_threads.entry(f.id()).or_insert((f, entry.site));
                }
            }
        }
        // Subclasses of thread classes: their run methods are thread entries.
        if !self.sem.thread_bases.is_empty() {
            let bases = NameSet::Static(self.sem.thread_bases);
            // In document order: a method in nested thread classes is claimed by the outer.
            let mut classes: Vec<&(Node<'t>, Vec<String>)> = self.facts.classes.values().collect();
            classes.sort_by_key(|(c, _)| (c.start_byte(), c.end_byte()));
            for (class, base_names) in classes {
                let is_thread = base_names
                    .iter()
                    .any(|b| bases.matches_any(&self.resolve_text(b)));
                if !is_thread {
                    continue;
                }
                for m in self.sem.thread_methods {
                    for f in self.facts.functions.get(*m).into_iter().flatten() {
                        if contains(class.byte_range(), f.byte_range()) {
                            threads.entry(f.id()).or_insert(*class);
                            self.own_self.insert(f.id());
                        }
                    }
                }
            }
        }
        self.thread_entries = threads;
        self.handlers = handlers;
        self.virtual_threads = self.called_from(virtual_threads);
    }

    /// Close a set of functions (id → (function, where it starts)) over the same-file
    /// functions they call, up to `FOLLOW_DEPTH` calls deep; a callee records the call.
    fn called_from(
        &self,
        starts: HashMap<usize, (Node<'t>, Node<'t>)>,
    ) -> HashMap<usize, (Node<'t>, bool)> {
        let mut out: HashMap<usize, (Node<'t>, bool)> = starts
            .iter()
            .map(|(id, (_, site))| (*id, (*site, true)))
            .collect();
        // In document order: the first caller found is the one a label names, whatever the
        // map's order.
        let mut frontier: Vec<Node<'t>> = starts.values().map(|(f, _)| *f).collect();
        frontier.sort_by_key(|f| (f.start_byte(), f.end_byte()));
        for _ in 0..FOLLOW_DEPTH {
            let mut next = Vec::new();
            for f in frontier {
                self.search_all(f, |n| {
                    if self.sem.call_kinds.contains(&n.kind_name())
                        && let Some(callee) = (self.sem.callee)(n)
                    {
                        for g in self.function_refs(callee) {
                            if let std::collections::hash_map::Entry::Vacant(e) = out.entry(g.id())
                            {
                                e.insert((n, false));
                                next.push(g);
                            }
                        }
                    }
                    // A task handed on to another executor runs elsewhere.
                    if n.id() != f.id() && self.thread_entries.contains_key(&n.id()) {
                        Visit::Skip
                    } else {
                        Visit::Descend
                    }
                });
            }
            frontier = next;
        }
        out
    }

    /// The file's source bytes.
    pub fn src(&self) -> &'t [u8] {
        self.src
    }

    /// The facts gathered from the file.
    pub fn facts(&self) -> &FileFacts<'t> {
        &self.facts
    }

    /// Is this function registered as (or shaped like) a request handler?
    pub fn is_handler(&self, function: Node<'t>) -> bool {
        self.handlers.contains_key(&function.id())
    }

    /// Where a function is handed to threads or tasks, if it is.
    pub fn thread_site(&self, function: Node<'t>) -> Option<Node<'t>> {
        self.thread_entries.get(&function.id()).copied()
    }

    /// Ancestors of `node`, outermost first, found by descending from the root (no parent chains).
    pub fn ancestors(&self, node: Node<'t>) -> std::rc::Rc<[Node<'t>]> {
        if let Some(hit) = self.ancestor_cache.borrow().get(&node.id()) {
            return hit.clone();
        }
        let out: std::rc::Rc<[Node<'t>]> = match self.flat.ancestors(node) {
            Some(path) => path.into(),
            None => self.walk_to(node).into(),
        };
        self.ancestor_cache
            .borrow_mut()
            .insert(node.id(), out.clone());
        out
    }

    /// The path from the root down to `node` (excluded).
    fn walk_to(&self, node: Node<'t>) -> Vec<Node<'t>> {
        let mut out = Vec::new();
        let mut cur = self.root;
        while cur.id() != node.id() {
            out.push(cur);
            match cur.child_with_descendant(node) {
                Some(next) if next.id() != cur.id() => cur = next,
                _ => break,
            }
        }
        out
    }

    fn is_function(&self, node: Node) -> bool {
        self.is_function_kind(node.kind_id())
    }

    fn is_function_kind(&self, kind: u16) -> bool {
        self.function_kinds
            .get(kind as usize)
            .copied()
            .unwrap_or(false)
    }

    /// Visits `root` and then named nodes of its subtree from a stack, the last child first
    /// (the order of the semantics modules' own searches), reading the flat tree: no cursor or
    /// vector per node.
    pub fn search(&self, root: Node<'t>, visit: impl FnMut(Node<'t>) -> Visit) {
        self.walk(root, true, false, visit)
    }

    /// `search` over every node of the subtree, anonymous ones too, in the same order.
    fn search_all(&self, root: Node<'t>, visit: impl FnMut(Node<'t>) -> Visit) {
        self.walk(root, false, false, visit)
    }

    /// `search_all` in document order (pre-order, first child first).
    fn search_in_order(&self, root: Node<'t>, visit: impl FnMut(Node<'t>) -> Visit) {
        self.walk(root, false, true, visit)
    }

    /// Depth-first from `root` through a stack: named children only or all, and the first
    /// child first (document order) or the last.
    fn walk(
        &self,
        root: Node<'t>,
        named_only: bool,
        in_order: bool,
        mut visit: impl FnMut(Node<'t>) -> Visit,
    ) {
        let Some(r) = self.flat.index_of(root) else {
            let mut stack = vec![root];
            while let Some(n) = stack.pop() {
                match visit(n) {
                    Visit::Stop => return,
                    Visit::Skip => {}
                    Visit::Descend => {
                        let from = stack.len();
                        if named_only {
                            stack.extend(named_children(n));
                        } else {
                            stack.extend(n.children(&mut n.walk()));
                        }
                        if in_order {
                            stack[from..].reverse();
                        }
                    }
                }
            }
            return;
        };
        let mut stack = vec![r];
        while let Some(i) = stack.pop() {
            match visit(self.flat.node(i)) {
                Visit::Stop => return,
                Visit::Skip => {}
                Visit::Descend => {
                    let from = stack.len();
                    let mut c = self.flat.at(i).first_child;
                    while c != super::flat::NONE {
                        if !named_only || self.flat.at(c).named {
                            stack.push(c);
                        }
                        c = self.flat.at(c).next_sibling;
                    }
                    if in_order {
                        stack[from..].reverse();
                    }
                }
            }
        }
    }

    /// `semantics::any_in_scope` over the flat tree (through `search`; the answer does not
    /// depend on the order nodes are visited in).
    pub fn any_in_scope(
        &self,
        root: Node<'t>,
        skip: &[&str],
        mut pred: impl FnMut(Node<'t>) -> bool,
    ) -> bool {
        let mut found = false;
        self.search(root, |n| {
            if n.id() != root.id() && skip.contains(&n.kind_name()) {
                Visit::Skip
            } else if pred(n) {
                found = true;
                Visit::Stop
            } else {
                Visit::Descend
            }
        });
        found
    }

    /// Whether function `f` is async (the language's test, remembered per function).
    fn is_async(&self, f: Node<'t>) -> bool {
        if let Some(v) = self.async_cache.borrow().get(&f.id()) {
            return *v;
        }
        let v = (self.sem.is_async)(f, self.src);
        self.async_cache.borrow_mut().insert(f.id(), v);
        v
    }

    /// The innermost enclosing function of `node`.
    pub fn enclosing_function(&self, node: Node<'t>) -> Option<Node<'t>> {
        // Several rules ask about the same capture one after another.
        if let Some((id, f)) = self.last_function.get()
            && id == node.id()
        {
            return f;
        }
        let f = match self.flat.parents(node) {
            Some(mut up) => up
                .find(|(_, kind)| self.is_function_kind(*kind))
                .map(|(n, _)| n),
            None => self.enclosing_functions(node).first().copied(),
        };
        self.last_function.set(Some((node.id(), f)));
        f
    }

    /// The functions enclosing `node`, innermost first.
    pub fn enclosing_functions(&self, node: Node<'t>) -> std::rc::Rc<[Node<'t>]> {
        if let Some(hit) = self.functions_cache.borrow().get(&node.id()) {
            return hit.clone();
        }
        let out: std::rc::Rc<[Node<'t>]> = match self
            .flat
            .enclosing(node, |kind| self.is_function_kind(kind))
        {
            Some(functions) => functions.into(),
            None => self
                .ancestors(node)
                .iter()
                .rev()
                .copied()
                .filter(|a| self.is_function(*a))
                .collect(),
        };
        self.functions_cache
            .borrow_mut()
            .insert(node.id(), out.clone());
        out
    }

    /// Candidate qualified names of an expression after import resolution.
    pub fn resolve(&self, node: Node) -> Vec<String> {
        if let Some(hit) = self.resolve_cache.borrow().get(&node.id()) {
            return hit.clone();
        }
        let out = match (self.sem.path)(node, self.src) {
            Some(name) => self.resolve_parts(&name.head, &name.rest),
            None => Vec::new(),
        };
        self.resolve_cache
            .borrow_mut()
            .insert(node.id(), out.clone());
        out
    }

    /// Resolve a name spelled as text (a base class in a declaration): head, then the rest
    /// with its separators.
    fn resolve_text(&self, spelled: &str) -> Vec<String> {
        let (head, rest) = spelled.split_at(spelled.find(['.', ':']).unwrap_or(spelled.len()));
        self.resolve_parts(head, rest)
    }

    fn resolve_parts(&self, head: &str, rest: &str) -> Vec<String> {
        if let Some(q) = self.facts.imports.get(head) {
            return vec![format!("{q}{rest}")];
        }
        let mut out = vec![format!("{head}{rest}")];
        if let Some(q) = (self.sem.implicit)(head) {
            out.push(format!("{q}{}{head}{rest}", self.sem.separator));
        }
        for w in &self.facts.wildcards {
            out.push(format!("{w}{}{head}{rest}", self.sem.separator));
        }
        out
    }

    /// Names the callee of a call-like node resolves to.
    pub fn callee_names(&self, call: Node) -> Vec<String> {
        match (self.sem.callee)(call) {
            Some(callee) => self.resolve(callee),
            None => Vec::new(),
        }
    }

    /// The callee's qualified names, or, for a method called on an expression no name stands
    /// for (`fetch(url).catch(..)`), `<expr>.catch`, so `*.catch` still finds it.
    fn callee_names_or_method(&self, call: Node) -> Vec<String> {
        let names = self.callee_names(call);
        if !names.is_empty() {
            return names;
        }
        let Some(callee) = (self.sem.callee)(call) else {
            return names;
        };
        let spelled = text(callee, self.src);
        match spelled.rsplit_once('.') {
            Some((_, method)) if method.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                vec![format!("<expr>.{method}")]
            }
            _ => names,
        }
    }

    /// Is `name` (spelled, e.g. an import head) imported in this file?
    fn is_imported(&self, head: &str) -> bool {
        self.facts.imports.contains_key(head)
    }

    /// Where a value comes from one of `names`: the expression itself names one, is a call to
    /// one (or a builder chain starting with one), or is bound to such a value.
    pub fn origin(&self, node: Node<'t>, names: &NameSet, depth: usize) -> Option<Node<'t>> {
        if depth > 4 {
            return None;
        }
        let node = unwrap_parens(node);
        if names.matches_any(&self.resolve(node)) {
            return Some(node);
        }
        if self.sem.call_kinds.contains(&node.kind_name()) {
            if names.matches_any(&self.callee_names(node)) {
                return Some(node);
            }
            // Builder chains: `Thread.ofVirtual().factory()`, `ThreadPoolExecutor(4).__enter__()`.
            let mut cur = (self.sem.callee)(node)?;
            for _ in 0..16 {
                let inner = named_children(cur).into_iter().find(|c| {
                    self.sem.call_kinds.contains(&c.kind_name()) || c.kind_name() == cur.kind_name()
                });
                match inner {
                    Some(c) if self.sem.call_kinds.contains(&c.kind_name()) => {
                        if names.matches_any(&self.callee_names(c)) {
                            return Some(node);
                        }
                        cur = (self.sem.callee)(c)?;
                    }
                    Some(c) => cur = c,
                    None => break,
                }
            }
            return None;
        }
        let binding = self.binding_for(node)?;
        self.origin(binding.value, names, depth + 1)
            .map(|_| binding.at)
    }

    /// The binding a name refers to: the latest one before it in its own or an enclosing
    /// scope; `self.x`/`this.x` bindings count from any method. A parameter shadows them all.
    fn binding_for(&self, node: Node<'t>) -> Option<&super::semantics::Binding<'t>> {
        let written = text(node, self.src);
        let spelled = strip_self(written, self.sem.self_names);
        let here = self.enclosing_function(node);
        if spelled == written && here.is_some_and(|f| self.is_parameter(f, spelled)) {
            return None;
        }
        let here = here.map(|f| f.byte_range());
        let visible = |b: &&super::semantics::Binding<'t>| {
            if strip_self(&b.name, self.sem.self_names) != spelled || b.at.id() == node.id() {
                return false;
            }
            if b.name != spelled {
                return true;
            }
            match (self.enclosing_function(b.at).map(|f| f.byte_range()), &here) {
                (None, _) => true,
                (Some(s), Some(h)) => contains(s, h.clone()),
                (Some(_), None) => false,
            }
        };
        let candidates: Vec<_> = self.facts.bindings.iter().filter(visible).collect();
        let pos = node.start_byte();
        candidates
            .iter()
            .filter(|b| b.at.start_byte() < pos)
            .max_by_key(|b| b.at.start_byte())
            .or_else(|| candidates.first())
            .copied()
    }

    /// Is `name` one of this function's parameters?
    fn is_parameter(&self, function: Node, name: &str) -> bool {
        function
            .field("parameters")
            .or_else(|| function.field("parameter"))
            .is_some_and(|params| mentions(params, name, self.src))
    }

    /// Function nodes an expression refers to: itself if it is a function, or same-file
    /// definitions it names (`worker`, `self.worker`, `this::worker`).
    pub fn function_refs(&self, node: Node<'t>) -> Vec<Node<'t>> {
        let node = unwrap_parens(node);
        if self.is_function(node) {
            return vec![node];
        }
        let Some(name) = self.referenced_name(node) else {
            return Vec::new();
        };
        let defs = self.facts.functions.get(&name).cloned().unwrap_or_default();
        if defs.len() <= 1 {
            return defs;
        }
        // Prefer definitions in the same class or function as the reference.
        let anc = self.ancestors(node);
        let scoped: Vec<Node<'t>> = defs
            .iter()
            .copied()
            .filter(|d| {
                anc.iter()
                    .rev()
                    .find(|a| {
                        self.sem.class_kinds.contains(&a.kind_name()) || self.is_function(**a)
                    })
                    .is_some_and(|a| contains(a.byte_range(), d.byte_range()))
            })
            .collect();
        if scoped.is_empty() { defs } else { scoped }
    }

    fn referenced_name(&self, node: Node) -> Option<String> {
        let spelled = text(node, self.src);
        if let Some((prefix, last)) = spelled.rsplit_once("::") {
            // Java method references: `this::work`, `Worker::work`.
            if self.sem.self_names.contains(&prefix) || self.facts.classes.contains_key(prefix) {
                return Some(last.to_string());
            }
            return None;
        }
        let name = (self.sem.path)(node, self.src)?;
        if name.rest.is_empty() {
            return Some(name.head);
        }
        if self.sem.self_names.contains(&name.head.as_str()) {
            let rest = name.rest.trim_start_matches(['.', ':']);
            if !rest.contains(['.', ':']) {
                return Some(rest.to_string());
            }
        }
        None
    }

    /// A node's first line, for secondary labels that should not span a whole body.
    pub fn head_range(&self, node: Node) -> Range<usize> {
        // Asked for the same enclosing function by every finding inside it, and the scan
        // for its first line end covers the whole function when it is one long line.
        if let Some(hit) = self.head_cache.borrow().get(&node.id()) {
            return hit.clone();
        }
        let head = self.first_line_range(node);
        self.head_cache.borrow_mut().insert(node.id(), head.clone());
        head
    }

    fn first_line_range(&self, node: Node) -> Range<usize> {
        let r = node.byte_range();
        let line_end = self.src[r.start..r.end]
            .iter()
            .position(|b| *b == b'\n')
            .map(|p| r.start + p)
            .unwrap_or(r.end);
        let head = &self.src[r.start..line_end];
        let trimmed = head.len()
            - head
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        r.start..r.start + trimmed.max(1).min(r.end - r.start)
    }

    /// A capture's text for messages: first line, shortened.
    pub fn snippet(&self, node: Node) -> String {
        let t = text(node, self.src);
        let line = t.lines().next().unwrap_or("");
        let mut s: String = line.chars().take(60).collect();
        if s.len() < line.len() || t.contains('\n') {
            s.push('…');
        }
        s
    }

    /// Evaluate one constraint on a node: None if it fails, else the labels it contributes.
    pub fn holds(&self, c: &Constraint, node: Node<'t>) -> Option<Vec<Label>> {
        let ok = |b: bool| if b { Some(Vec::new()) } else { None };
        match c {
            Constraint::Regex(re, negate) => ok(re.is_match(text(node, self.src)) != *negate),
            Constraint::AnyOf(list, negate) => {
                ok(list.iter().any(|s| s == text(node, self.src)) != *negate)
            }
            Constraint::ResolvesTo(names, negate) => {
                ok(names.matches_any(&self.resolve(node)) != *negate)
            }
            Constraint::CreatedBy(names) => {
                let at = self.origin(node, names, 0)?;
                if at.id() == node.id() || contains(node.byte_range(), at.byte_range()) {
                    Some(Vec::new())
                } else {
                    Some(vec![Label {
                        range: self.head_range(at),
                        message: "created here".into(),
                    }])
                }
            }
            Constraint::Inside(selectors, negate) => {
                let anc = LazyAncestors {
                    ctx: self,
                    node,
                    path: std::cell::OnceCell::new(),
                };
                let found = selectors.iter().find_map(|s| self.inside(s, node, &anc));
                match (found, negate) {
                    (Some(labels), false) => Some(labels),
                    (None, true) => Some(Vec::new()),
                    _ => None,
                }
            }
            Constraint::Has(selectors, negate) => {
                let found = selectors.iter().find_map(|s| self.has(s, node));
                match (found, negate) {
                    (Some(labels), false) => Some(labels),
                    (None, true) => Some(Vec::new()),
                    _ => None,
                }
            }
            Constraint::HeldAcross(selectors) => self.held_across(selectors, node),
            Constraint::Is(props, negate) => {
                let all = props.iter().all(|p| self.is(*p, node));
                let none = props.iter().all(|p| !self.is(*p, node));
                ok(if *negate { none } else { all })
            }
            Constraint::Wraps(names) => {
                let at = self.wrapped(node, names, 0)?;
                Some(vec![Label {
                    range: self.head_range(at),
                    message: "wrapped value created here".into(),
                }])
            }
            Constraint::Reaches(names) => self.reaches(names, node).map(|r| r.labels),
            Constraint::SilencedBy(checks) => ok(!self.silenced_by(checks, node)),
        }
    }

    /// Does another linter's suppression comment name one of `checks` for this node: on its
    /// line or the line before (`// eslint-disable-next-line no-await-in-loop`, `# noqa:
    /// PERF203`), or an earlier file-wide `/* eslint-disable no-await-in-loop */` that no
    /// `eslint-enable` has ended?
    fn silenced_by(&self, checks: &[String], node: Node<'t>) -> bool {
        let src = self.src;
        let start = node.start_byte();
        let line_start = src[..start]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1);
        let prev_start = src[..line_start.saturating_sub(1)]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1);
        let line_end = src[start..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(src.len(), |p| start + p);
        let near = String::from_utf8_lossy(&src[prev_start..line_end]);
        let names = |s: &str| checks.iter().any(|c| s.contains(c.as_str()));
        const MARKERS: &[&str] = &["disable", "noqa", "nolint", "ignore", "allow"];
        if near
            .lines()
            .any(|l| names(l) && MARKERS.iter().any(|m| l.contains(m)))
        {
            return true;
        }
        // A file-wide disable earlier in the file, not re-enabled since.
        let before = String::from_utf8_lossy(&src[..prev_start]);
        let mut silenced = false;
        for l in before.lines() {
            if let Some(at) = l.find("eslint-enable") {
                let rest = &l[at + "eslint-enable".len()..];
                if names(rest) || rest.trim_start().starts_with("*/") || rest.trim().is_empty() {
                    silenced = false;
                }
            } else if let Some(at) = l.find("eslint-disable") {
                let rest = &l[at + "eslint-disable".len()..];
                if !rest.starts_with('-') && names(rest) {
                    silenced = true;
                }
            }
        }
        silenced
    }

    /// Where the value a call wraps comes from one of `names`: the expression (or the value
    /// bound to it) is a call or `new` with an argument created by one of them.
    pub fn wrapped(&self, node: Node<'t>, names: &NameSet, depth: usize) -> Option<Node<'t>> {
        if depth > 4 {
            return None;
        }
        let node = unwrap_parens(node);
        if self.sem.call_kinds.contains(&node.kind_name()) {
            let args = node.field("arguments")?;
            return named_children(args).into_iter().find_map(|a| {
                // `argument` wrappers (C#, Kotlin-like grammars) hold the expression.
                let a = if a.kind_name() == "argument" && a.named_child_count() == 1 {
                    a.named_child(0).unwrap_or(a)
                } else {
                    a
                };
                self.origin(a, names, 0)
            });
        }
        let binding = self.binding_for(node)?;
        self.wrapped(binding.value, names, depth + 1)
    }

    fn inside(
        &self,
        sel: &Selector,
        node: Node<'t>,
        anc: &LazyAncestors<'_, 't>,
    ) -> Option<Vec<Label>> {
        let functions = self.enclosing_functions(node);
        let innermost = functions.first().copied();
        // The function nodes the selector may look at, innermost first.
        let scope: &[Node<'t>] = match sel.stop {
            Stop::Function => &functions[..functions.len().min(1)],
            Stop::None => &functions,
        };
        // Ancestors up to (and including) the innermost function when stopping there.
        // Built only for the targets that look at it.
        let within = || -> Vec<Node<'t>> {
            match (sel.stop, innermost) {
                (Stop::Function, Some(f)) => anc
                    .get()
                    .iter()
                    .rev()
                    .copied()
                    .take_while(|a| a.id() != f.id())
                    .chain([f])
                    .collect(),
                _ => anc.get().iter().rev().copied().collect(),
            }
        };
        let head = |n: Node, message: &str| Label {
            range: self.head_range(n),
            message: message.to_string(),
        };
        match &sel.target {
            Target::Context(Context::Function) => {
                innermost.map(|f| vec![head(f, "inside this function")])
            }
            Target::Context(Context::ModuleLevel) => innermost.is_none().then(Vec::new),
            // A test file, or an item the code marks as a test (`#[cfg(test)] mod tests`).
            Target::Context(Context::TestCode) => (self.role.test
                || (!self.facts.test_items.is_empty()
                    && anc
                        .get()
                        .iter()
                        .any(|a| self.facts.test_items.iter().any(|t| t.id() == a.id()))))
            .then(Vec::new),
            // A file that reads argv or exits is a script unless it registers request handlers.
            Target::Context(Context::ScriptCode) => (self.role.script
                || (self.role.cli_markers && self.handlers.is_empty()))
            .then(Vec::new),
            // Start-up code ends where a request handler begins: handlers registered inside a
            // start function still run per request.
            Target::Context(Context::StartupCode) => functions
                .iter()
                .take_while(|f| !self.handlers.contains_key(&f.id()))
                .find(|f| self.startup_named.contains(&f.id()) || self.starts_server(**f))
                .map(|f| vec![head(*f, "start-up code")]),
            Target::Context(Context::AsyncFunction) => scope
                .iter()
                .find(|f| self.is_async(**f))
                .map(|f| vec![head(*f, "this async function runs on the event loop")]),
            Target::Context(Context::ThreadEntry) => scope.iter().find_map(|f| {
                let site = self.thread_entries.get(&f.id())?;
                let mut labels = vec![head(*f, "this function runs on other threads")];
                if !contains(site.byte_range(), f.byte_range()) {
                    labels.push(head(*site, "handed to a thread here"));
                }
                Some(labels)
            }),
            Target::Context(Context::ThreadReachable) => scope.iter().find_map(|f| {
                if let Some(site) = self.thread_entries.get(&f.id()) {
                    let mut labels = vec![head(*f, "this function runs on other threads")];
                    if !contains(site.byte_range(), f.byte_range()) {
                        labels.push(head(*site, "handed to a thread here"));
                    }
                    return Some(labels);
                }
                let call = self.thread_reached().get(&f.id())?;
                Some(vec![
                    head(*f, "this function is called from code that runs on threads"),
                    Label {
                        range: call.clone(),
                        message: "called on a thread here".into(),
                    },
                ])
            }),
            Target::Context(Context::RequestHandler) => scope.iter().find_map(|f| {
                let site = self.handlers.get(&f.id())?;
                // Go servers run each request on a goroutine of its own.
                let runs = match self.lang {
                    Language::Go => "every request runs this handler on a goroutine of its own",
                    _ => "this request handler runs on the event loop",
                };
                let mut labels = vec![head(*f, runs)];
                if !contains(site.byte_range(), f.byte_range()) {
                    labels.push(head(*site, "registered as a request handler here"));
                }
                Some(labels)
            }),
            Target::Context(Context::SpawnedInLoop) => scope.iter().find_map(|f| {
                let site = *self.thread_entries.get(&f.id())?;
                // `await Task.Run(..)` in the loop: each ends before the next starts.
                if site
                    .parent()
                    .is_some_and(|p| p.kind_name().starts_with("await"))
                {
                    return None;
                }
                let site_fn = self.enclosing_function(site);
                let looped = self
                    .ancestors(site)
                    .iter()
                    .copied()
                    .rev()
                    .take_while(|a| Some(a.id()) != site_fn.map(|s| s.id()))
                    .find(|a| self.sem.loop_kinds.contains(&a.kind_name()))?;
                Some(vec![
                    head(*f, "this function runs on other threads"),
                    head(looped, "started once per iteration of this loop"),
                ])
            }),
            // A task handed on to another executor runs there, whatever encloses it.
            Target::Context(Context::VirtualThread) => scope
                .iter()
                .take_while(|f| {
                    self.virtual_threads.contains_key(&f.id())
                        || !self.thread_entries.contains_key(&f.id())
                })
                .find_map(|f| {
                    let (site, start) = self.virtual_threads.get(&f.id())?;
                    let mut labels = vec![head(*f, "this code runs on a virtual thread")];
                    if !contains(site.byte_range(), f.byte_range()) {
                        let message = if *start {
                            "started on a virtual thread here"
                        } else {
                            "called from code on a virtual thread here"
                        };
                        labels.push(head(*site, message));
                    }
                    Some(labels)
                }),
            Target::ArgumentOf(names) => scope.iter().find_map(|f| {
                let call = self.call_taking(*f, anc.get())?;
                let callee = (self.sem.callee)(call)?;
                names
                    .matches_any(&self.resolve(callee))
                    .then(|| vec![head(call, "passed to this call")])
            }),
            Target::Context(Context::Loop) => within()
                .iter()
                .find(|a| self.sem.loop_kinds.contains(&a.kind_name()))
                .map(|l| vec![head(*l, "inside this loop")]),
            Target::Context(Context::LockBlock) => within()
                .iter()
                .find(|a| (self.sem.lock_region)(**a, self.src))
                .map(|l| vec![head(*l, "lock held here")]),
            Target::Context(Context::LockHeld) => self
                .lock_held(node, anc.get(), &within())
                .map(|l| vec![head(l, "lock held here")]),
            Target::Context(Context::MainGuard) => within()
                .iter()
                .find(|a| self.main_guard(**a))
                .map(|g| vec![head(*g, "runs only when the file is executed")]),
            Target::Context(Context::LazyInit) => within()
                .iter()
                .find(|a| self.lazy_init(**a, node))
                .map(|a| vec![head(*a, "runs once: lazy initialisation")]),
            Target::Context(Context::IndependentLoop) => self.independent_loop(node, &within()),
            Target::Kinds(kinds) => within()
                .iter()
                .find(|a| kinds.iter().any(|k| k == a.kind_name()))
                .map(|a| vec![head(*a, &format!("inside this `{}`", a.kind_name()))]),
            // An enclosing call, or the call that hands a function in scope to threads
            // (`Parallel.ForEach(items, Process)` runs `Process` as if inside it).
            Target::Calls(names) => within()
                .iter()
                .copied()
                .filter(|a| a.id() != node.id() && self.sem.call_kinds.contains(&a.kind_name()))
                .chain(
                    scope
                        .iter()
                        .filter_map(|f| self.thread_entries.get(&f.id()).copied()),
                )
                .find(|a| names.matches_any(&self.callee_names(*a)))
                .map(|a| {
                    let callee = (self.sem.callee)(a).map_or(a, |c| c);
                    vec![head(
                        a,
                        &format!("inside this `{}` call", self.snippet(callee)),
                    )]
                }),
        }
    }

    /// Is `a` an `if` that tests a name for being unset and assigns it in its body, with `node`
    /// in that body (`if (!cache) { cache = load(); }`, `if x is None: x = ...`)?
    fn lazy_init(&self, a: Node<'t>, node: Node<'t>) -> bool {
        self.lazy_body(a)
            .is_some_and(|body| contains(body.byte_range(), node.byte_range()))
    }

    /// The body of a lazy one-time initialisation `if`: it tests a name for being unset and
    /// assigns that name.
    fn lazy_body(&self, a: Node<'t>) -> Option<Node<'t>> {
        if !a.kind_name().starts_with("if_") {
            return None;
        }
        let cond = a.field("condition")?;
        let body = a.field("consequence")?;
        let name = tested_unset(text(cond, self.src))?;
        let mut assigned = false;
        self.search(body, |n| {
            assigned = n.kind_name().contains("assignment")
                && n.named_child(0)
                    .is_some_and(|left| text(left, self.src).trim() == name);
            if assigned {
                Visit::Stop
            } else {
                Visit::Descend
            }
        });
        assigned.then_some(body)
    }

    /// The call that takes function `f` as an argument (up to three levels up, as in
    /// `call(arguments(argument(f)))`), if `f` is one of its arguments and not its callee.
    fn call_taking(&self, f: Node<'t>, anc: &[Node<'t>]) -> Option<Node<'t>> {
        let i = anc.iter().position(|a| a.id() == f.id())?;
        let call = anc[..i]
            .iter()
            .rev()
            .take(3)
            .take_while(|a| !self.is_function(**a))
            .find(|a| self.sem.call_kinds.contains(&a.kind_name()))?;
        let callee = (self.sem.callee)(*call)?;
        // A method invocation is its own callee: its arguments are the `arguments` field.
        let in_callee = callee.id() != call.id() && contains(callee.byte_range(), f.byte_range());
        let in_args = call
            .field("arguments")
            .is_none_or(|a| contains(a.byte_range(), f.byte_range()));
        (!in_callee && in_args).then_some(*call)
    }

    /// The node that holds a lock over `node` within its function, if any.
    fn lock_held(&self, node: Node<'t>, anc: &[Node<'t>], within: &[Node<'t>]) -> Option<Node<'t>> {
        for a in within {
            if (self.sem.lock_region)(*a, self.src) {
                return Some(*a);
            }
        }
        // lock()/unlock() regions: scan earlier siblings on the path from each ancestor.
        let path: Vec<Node<'t>> = anc.iter().copied().chain([node]).collect();
        for w in within {
            let Some(i) = path.iter().position(|p| p.id() == w.id()) else {
                continue;
            };
            let Some(child) = path.get(i + 1) else {
                continue;
            };
            let mut held: HashMap<String, Node<'t>> = HashMap::new();
            let mut cursor = w.walk();
            for sibling in w.named_children(&mut cursor) {
                if sibling.id() == child.id() {
                    break;
                }
                match (self.sem.lock_call)(sibling, self.src) {
                    Some((recv, LockOp::Acquire)) => {
                        held.insert(recv, sibling);
                    }
                    Some((recv, LockOp::Release)) => {
                        held.remove(&recv);
                    }
                    None => {}
                }
            }
            // Of several locks held, the first taken (not the map's first).
            if let Some(n) = held.values().min_by_key(|n| n.start_byte()) {
                return Some(*n);
            }
        }
        None
    }

    /// Same-file functions that thread entries call, directly or through up to
    /// `FOLLOW_DEPTH` calls, each with the call that reaches it. A call made while a lock is
    /// held does not count: the callee runs under that lock.
    fn thread_reached(&self) -> &HashMap<usize, Range<usize>> {
        self.thread_reached.get_or_init(|| {
            // Named functions in document order, whatever the map's: the first call found
            // to reach a function is the one its label names.
            let mut named: Vec<Node<'t>> =
                self.facts.functions.values().flatten().copied().collect();
            named.sort_by_key(|f| (f.start_byte(), f.end_byte()));
            let mut entries: Vec<Node<'t>> = self
                .facts
                .entry_refs
                .iter()
                .flat_map(|e| self.function_refs(e.target))
                .chain(named)
                .filter(|f| self.thread_entries.contains_key(&f.id()))
                .collect();
            entries.dedup_by_key(|f| f.id());
            let held = Constraint::Inside(
                vec![Selector {
                    target: Target::Context(Context::LockHeld),
                    stop: Stop::Function,
                    follow_calls: false,
                    source: String::new(),
                }],
                false,
            );
            let mut reached: HashMap<usize, Range<usize>> = HashMap::new();
            let mut queue: std::collections::VecDeque<(Node<'t>, usize)> =
                entries.into_iter().map(|f| (f, 0)).collect();
            while let Some((f, depth)) = queue.pop_front() {
                if depth >= FOLLOW_DEPTH {
                    continue;
                }
                self.search(f, |n| {
                    if self.sem.call_kinds.contains(&n.kind_name())
                        && let Some(callee) = (self.sem.callee)(n)
                    {
                        for g in self.function_refs(callee) {
                            if self.thread_entries.contains_key(&g.id())
                                || reached.contains_key(&g.id())
                                || self.holds(&held, n).is_some()
                            {
                                continue;
                            }
                            reached.insert(g.id(), self.head_range(n));
                            queue.push_back((g, depth + 1));
                        }
                    }
                    Visit::Descend
                });
            }
            reached
        })
    }

    /// `held-across`: the lock `stmt` takes is still held when a later statement of its block
    /// reaches a selector. Each later sibling is searched whole (nested functions excepted);
    /// a release anywhere in a sibling (even a conditional one) ends the search, unless the
    /// selector is reached earlier in that sibling. `let _ = m.lock()` binds nothing, so it
    /// holds nothing.
    fn held_across(&self, selectors: &[Selector], stmt: Node<'t>) -> Option<Vec<Label>> {
        let (held, LockOp::Acquire) = (self.sem.lock_call)(stmt, self.src)? else {
            return None;
        };
        if held == "_" {
            return None;
        }
        let releases = |n: Node| {
            (self.sem.lock_call)(n, self.src)
                .is_some_and(|(r, op)| op == LockOp::Release && r == held)
        };
        let mut next = stmt.next_named_sibling();
        while let Some(sibling) = next {
            let mut released = None::<usize>;
            self.any_in_scope(sibling, self.sem.function_kinds, |n| {
                if releases(n) {
                    released = Some(released.map_or(n.start_byte(), |r| r.min(n.start_byte())));
                }
                false
            });
            let hit = selectors.iter().find_map(|s| self.has(s, sibling));
            let before = |labels: &Vec<Label>| {
                released.is_none_or(|r| labels.first().is_some_and(|l| l.range.start < r))
            };
            if let Some(mut labels) = hit.filter(before) {
                if let Some(first) = labels.first_mut() {
                    first.message = format!("{} while `{held}` is still held", first.message);
                }
                return Some(labels);
            }
            if released.is_some() {
                return None;
            }
            next = sibling.next_named_sibling();
        }
        None
    }

    /// Functions named like start-up code, by definition or by a binding to a lambda
    /// (`exports.expressCreateServer = async (..) => ..`).
    fn startup_functions(&self) -> HashSet<usize> {
        let defined = self
            .facts
            .functions
            .iter()
            .filter(|(name, _)| startup_name(name))
            .flat_map(|(_, fs)| fs.iter());
        let bound = self
            .facts
            .bindings
            .iter()
            .filter(|b| self.is_function(b.value) && startup_name(&b.name))
            .map(|b| &b.value);
        defined.chain(bound).map(|f| f.id()).collect()
    }

    /// Does this function start a server (`app.listen`, `http.createServer`, ...)?
    fn starts_server(&self, f: Node<'t>) -> bool {
        if self.sem.startup_calls.is_empty() {
            return false;
        }
        if let Some(v) = self.server_cache.borrow().get(&f.id()) {
            return *v;
        }
        let names = NameSet::Static(self.sem.startup_calls);
        let sel = Selector {
            target: Target::Calls(names),
            stop: Stop::Function,
            follow_calls: false,
            source: String::new(),
        };
        let v = self.has(&sel, f).is_some();
        self.server_cache.borrow_mut().insert(f.id(), v);
        v
    }

    fn has(&self, sel: &Selector, node: Node<'t>) -> Option<Vec<Label>> {
        let mut visited = HashSet::new();
        let mut roots = vec![(node, 0usize, None::<Node<'t>>)];
        // A name of a same-file function is searched through its definition.
        if sel.follow_calls && !self.is_function(unwrap_parens(node)) {
            for f in self.function_refs(node) {
                roots.push((f, 1, Some(node)));
            }
        }
        while let Some((root, depth, via)) = roots.pop() {
            if !visited.insert(root.id()) {
                continue;
            }
            let mut found = None;
            self.search_all(root, |n| {
                let hit = match &sel.target {
                    Target::Kinds(kinds) => kinds.iter().any(|k| k == n.kind_name()),
                    Target::Calls(names) => {
                        self.sem.call_kinds.contains(&n.kind_name())
                            && names.matches_any(&self.callee_names_or_method(n))
                    }
                    Target::Context(_) | Target::ArgumentOf(_) => false,
                };
                if hit {
                    found = Some(n);
                    return Visit::Stop;
                }
                if sel.follow_calls
                    && depth < FOLLOW_DEPTH
                    && self.sem.call_kinds.contains(&n.kind_name())
                    && let Some(callee) = (self.sem.callee)(n)
                {
                    for f in self.function_refs(callee) {
                        roots.push((f, depth + 1, via.or(Some(n))));
                    }
                }
                if n.id() != root.id() && sel.stop == Stop::Function && self.is_function(n) {
                    Visit::Skip
                } else {
                    Visit::Descend
                }
            });
            if let Some(n) = found {
                let mut labels = vec![Label {
                    range: self.head_range(n),
                    message: format!("`{}` here", self.snippet(n)),
                }];
                if let Some(v) = via {
                    labels.push(Label {
                        range: self.head_range(v),
                        message: "reached through this call".into(),
                    });
                }
                return Some(labels);
            }
        }
        None
    }

    /// Does the callee `node` resolve to one of `names`, or call one through same-file non-async
    /// helpers (breadth first, so the shortest path is shown)?
    pub fn reaches(&self, names: &NameSet, node: Node<'t>) -> Option<Reach> {
        let chain = |hops: &[String]| -> String {
            let outer = self
                .enclosing_function(node)
                .and_then(|f| self.function_name(f));
            outer
                .iter()
                .chain(hops.iter())
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(" → ")
        };
        if names.matches_any(&self.resolve(node)) {
            return Some(Reach {
                chain: chain(&[self.snippet(node)]),
                labels: Vec::new(),
            });
        }
        // The shortest path through one of the same-file helpers the call may mean.
        let mut best: Option<CallPath> = None;
        for f in self.own_function_refs(node) {
            if self.is_async(f) || self.rewrapped(f) || self.memoized(f) {
                continue;
            }
            if let Some(path) = self.reach_from(names, f)
                && best.as_ref().is_none_or(|b| path.len() < b.len())
            {
                best = Some(path);
            }
        }
        let path = best?;
        let first = self.snippet(node);
        let mut hops = vec![first.clone()];
        let mut labels = Vec::new();
        for (i, (site, called)) in path.iter().enumerate() {
            let helper = if i == 0 { &first } else { &path[i - 1].1 };
            let blocks = if i + 1 == path.len() {
                ", which blocks"
            } else {
                ""
            };
            labels.push(Label {
                range: site.clone(),
                message: format!("`{helper}` calls `{called}` here{blocks}"),
            });
            hops.push(called.clone());
        }
        Some(Reach {
            chain: chain(&hops),
            labels,
        })
    }

    /// The shortest chain of calls from the body of the non-async helper `start` to one of
    /// `names`, through further same-file helpers: each step's call site (first line) and
    /// callee text. Cached per file: many call sites name the same helper.
    fn reach_from(&self, names: &NameSet, start: Node<'t>) -> Option<CallPath> {
        let key = (names as *const NameSet as usize, start.id());
        if let Some(hit) = self.reach_cache.borrow().get(&key) {
            return hit.clone();
        }
        let found = self.search_reach(names, start);
        self.reach_cache.borrow_mut().insert(key, found.clone());
        found
    }

    fn search_reach(
        &self,
        names: &NameSet,
        start: Node<'t>,
    ) -> Option<Vec<(Range<usize>, String)>> {
        let mut queue: std::collections::VecDeque<(Node<'t>, CallPath)> = Default::default();
        queue.push_back((start, Vec::new()));
        let mut visited = HashSet::new();
        while let Some((f, path)) = queue.pop_front() {
            // The call into `start` is the first hop.
            if !visited.insert(f.id()) || path.len() + 1 > REACH_DEPTH {
                continue;
            }
            let mut found_next = Vec::new();
            for &(call, callee) in self.body_calls(f).iter() {
                if names.matches_any(&self.resolve(callee)) {
                    let mut path = path.clone();
                    path.push((self.head_range(call), self.snippet(callee)));
                    return Some(path);
                }
                for g in self.own_function_refs(callee) {
                    if !self.is_async(g)
                        && !self.rewrapped(g)
                        && !self.memoized(g)
                        && !visited.contains(&g.id())
                    {
                        found_next.push((g, callee, call));
                    }
                }
            }
            for (g, callee, site) in found_next {
                let mut path = path.clone();
                path.push((self.head_range(site), self.snippet(callee)));
                queue.push_back((g, path));
            }
        }
        None
    }

    /// The calls in the body of function `f` with their callees, in document order, leaving
    /// out nested functions and lazy one-time initialisation (a helper's lazy set-up blocks
    /// once, not on every call). Remembered per function: every `reaches` name set walks
    /// the same helpers.
    fn body_calls(&self, f: Node<'t>) -> BodyCalls<'t> {
        if let Some(hit) = self.calls_cache.borrow().get(&f.id()) {
            return hit.clone();
        }
        let mut out = Vec::new();
        if let Some(body) = (self.sem.function_body)(f) {
            // Lazy bodies met so far: each is skipped when the walk reaches it.
            let mut lazy: Vec<usize> = Vec::new();
            self.search_in_order(body, |n| {
                if lazy.contains(&n.id()) || (n.id() != body.id() && self.is_function(n)) {
                    return Visit::Skip;
                }
                if self.sem.call_kinds.contains(&n.kind_name())
                    && let Some(callee) = (self.sem.callee)(n)
                {
                    out.push((n, callee));
                }
                lazy.extend(self.lazy_body(n).map(|b| b.id()));
                Visit::Descend
            });
        }
        let out: BodyCalls<'t> = out.into();
        self.calls_cache.borrow_mut().insert(f.id(), out.clone());
        out
    }

    /// The handle of the flat tree's node `i`.
    pub fn flat_node(&self, i: u32) -> Node<'t> {
        self.flat.node(i)
    }

    /// The declared name of a function, or the name it is bound to (`const f = () => ...`).
    fn function_name(&self, f: Node<'t>) -> Option<String> {
        if let Some(name) = f.field("name") {
            return Some(text(name, self.src).to_string());
        }
        self.facts
            .bindings
            .iter()
            .find(|b| b.value.id() == f.id())
            .map(|b| b.name.clone())
    }

    fn is(&self, p: Property, node: Node<'t>) -> bool {
        match p {
            Property::CpuBound => self.cpu_bound(node),
            Property::SharedState => {
                let Some(f) = self.sem.shared_state else {
                    return false;
                };
                let function = self.enclosing_function(node);
                // In a Thread subclass's run(), `self` is the thread object itself.
                let written = text(node, self.src);
                let on_self = self
                    .sem
                    .self_names
                    .iter()
                    .any(|s| written.starts_with(&format!("{s}.")));
                if on_self && function.is_some_and(|f| self.own_self.contains(&f.id())) {
                    return false;
                }
                f(node, function, self.src, &self.facts)
            }
            // Every definition the name may mean must be async (a sync one of the same name
            // elsewhere in the file leaves it unknown).
            Property::Async => {
                let refs = self.own_function_refs(node);
                !refs.is_empty() && refs.iter().all(|f| self.is_async(*f))
            }
            Property::AddOnly => self.add_only(node),
            Property::Decorated => self
                .own_function_refs(node)
                .iter()
                .any(|f| self.rewrapped(*f)),
            Property::AsyncResult => self.async_result(node, 0),
            Property::Awaited => self.awaited(node),
            Property::Parameter => {
                let spelled = text(node, self.src);
                self.enclosing_function(node)
                    .is_some_and(|f| self.is_parameter(f, spelled))
            }
            Property::Unbounded => self.unbounded(node),
            Property::Limited => self.limited(node),
            Property::FanOut => self.fan_out_of_work(node),
            Property::OneWorker => self.one_worker(node),
            Property::Volatile => {
                let field = match node.kind_name() {
                    "field_access" | "member_access_expression" => {
                        node.field("field").or_else(|| node.field("name"))
                    }
                    _ => Some(node),
                };
                field.is_some_and(|f| self.facts.volatile_fields.contains(text(f, self.src)))
            }
            _ => match self.lang {
                Language::Go => super::semantics::go::property(self, p, node),
                _ => false,
            },
        }
    }

    /// Like `function_refs`, but `self.m` / `this.m` only names methods of the enclosing
    /// class: another class of the file may define a method of the same name.
    /// A plain name never means a method (a def directly in a class body), nor a function
    /// when it is imported.
    fn own_function_refs(&self, node: Node<'t>) -> Vec<Node<'t>> {
        if let Some(hit) = self.refs_cache.borrow().get(&node.id()) {
            return hit.clone();
        }
        let out = self.own_function_refs_uncached(node);
        self.refs_cache.borrow_mut().insert(node.id(), out.clone());
        out
    }

    fn own_function_refs_uncached(&self, node: Node<'t>) -> Vec<Node<'t>> {
        let refs = self.function_refs(node);
        let node = unwrap_parens(node);
        let Some(name) = (self.sem.path)(node, self.src) else {
            return refs;
        };
        // In Java and C# a plain name calls a method of the enclosing class (implicit `this`).
        if name.rest.is_empty() && !matches!(self.lang, Language::Java | Language::CSharp) {
            if self.is_imported(&name.head) {
                return Vec::new();
            }
            return refs
                .into_iter()
                .filter(|f| {
                    !self
                        .ancestors(*f)
                        .iter()
                        .copied()
                        .rev()
                        .find(|a| {
                            self.is_function(*a) || self.sem.class_kinds.contains(&a.kind_name())
                        })
                        .is_some_and(|a| self.sem.class_kinds.contains(&a.kind_name()))
                })
                .collect();
        }
        if !self.sem.self_names.contains(&name.head.as_str()) {
            return refs;
        }
        let class = self
            .ancestors(node)
            .iter()
            .copied()
            .rev()
            .find(|a| self.sem.class_kinds.contains(&a.kind_name()));
        match class {
            Some(c) => refs
                .into_iter()
                .filter(|f| contains(c.byte_range(), f.byte_range()))
                .collect(),
            None => refs,
        }
    }

    /// Is this function wrapped by a decorator that may change how a call runs it (a
    /// worker-thread or executor wrapper), rather than one known to keep it a plain call?
    fn rewrapped(&self, f: Node<'t>) -> bool {
        self.decorator_names(f)
            .iter()
            .any(|last| !PLAIN_CALL_DECORATORS.contains(&last.as_str()))
    }

    /// Is `f` memoized (`@functools.cache`, `@lru_cache`, `@cached_property`)? Its body runs
    /// once per argument set, like lazy one-time initialisation.
    fn memoized(&self, f: Node<'t>) -> bool {
        self.decorator_names(f).iter().any(|last| {
            matches!(
                last.as_str(),
                "cache" | "lru_cache" | "cached_property" | "cached" | "memoize" | "memoized"
            )
        })
    }

    /// The last segment of each decorator's name (`functools.lru_cache(maxsize=8)` gives
    /// `lru_cache`), on the definition or its `decorated_definition`.
    fn decorator_names(&self, f: Node<'t>) -> Vec<String> {
        let mut decorators = named_children(f)
            .into_iter()
            .filter(|c| c.kind_name() == "decorator")
            .collect::<Vec<_>>();
        if let Some(p) = self.ancestors(f).last()
            && p.kind_name() == "decorated_definition"
        {
            decorators.extend(
                named_children(*p)
                    .into_iter()
                    .filter(|c| c.kind_name() == "decorator"),
            );
        }
        decorators
            .iter()
            .map(|d| {
                let spelled = text(*d, self.src).trim_start_matches('@');
                let name = spelled.split('(').next().unwrap_or("").trim();
                name.rsplit('.').next().unwrap_or(name).to_string()
            })
            .collect()
    }

    /// `if __name__ == "__main__":` and `if (require.main === module)`, also as one part of a
    /// longer condition.
    fn main_guard(&self, node: Node<'t>) -> bool {
        if node.kind_name() != "if_statement" {
            return false;
        }
        let Some(cond) = node.field("condition") else {
            return false;
        };
        let spelled: String = text(cond, self.src)
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')'))
            .map(|c| if c == '\'' { '"' } else { c })
            .collect();
        MAIN_GUARDS.iter().any(|g| spelled.contains(g))
    }

    /// A name bound in its own function to a fresh collection, and otherwise only the
    /// receiver of adding methods there: nothing ever reads what was put in it.
    fn add_only(&self, node: Node<'t>) -> bool {
        let node = unwrap_parens(node);
        if !node.kind_name().ends_with("identifier") {
            return false;
        }
        let name = text(node, self.src);
        let Some(f) = self.enclosing_function(node) else {
            return false;
        };
        let in_f = |n: Node<'t>| self.enclosing_function(n).is_some_and(|e| e.id() == f.id());
        let bindings: Vec<_> = self
            .facts
            .bindings
            .iter()
            .filter(|b| b.name == name && in_f(b.at))
            .collect();
        if bindings.is_empty() || !bindings.iter().all(|b| self.fresh_collection(b.value)) {
            return false;
        }
        // Every mention of the name in the function (nested functions included) must be a
        // binding or the receiver of an adding call.
        let mut mentions = 0usize;
        let mut adds = 0usize;
        self.search_all(f, |n| {
            if n.kind_name().ends_with("identifier") && text(n, self.src) == name {
                mentions += 1;
            }
            if self.sem.call_kinds.contains(&n.kind_name())
                && let Some(callee) = (self.sem.callee)(n)
                && let Some(path) = (self.sem.path)(callee, self.src)
                && path.head == name
                && ADDING_METHODS
                    .iter()
                    .any(|m| path.rest == format!("{}{m}", self.sem.separator))
            {
                adds += 1;
            }
            Visit::Descend
        });
        mentions == bindings.len() + adds
    }

    /// An empty or literal list, set or array, or a call making an empty one.
    fn fresh_collection(&self, value: Node<'t>) -> bool {
        let value = unwrap_parens(value);
        if matches!(value.kind_name(), "list" | "set" | "array") {
            return true;
        }
        let spelled: String = text(value, self.src)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        FRESH_COLLECTIONS.contains(&spelled.as_str())
    }

    /// A call to a same-file async function that returns something to await (not declared
    /// `void`), or a name bound to one. Every same-file function of that name must be one:
    /// an overload that is not async makes the call ambiguous.
    fn async_result(&self, node: Node<'t>, depth: usize) -> bool {
        if depth > 4 {
            return false;
        }
        let node = unwrap_parens(node);
        if self.sem.call_kinds.contains(&node.kind_name()) {
            let Some(callee) = (self.sem.callee)(node) else {
                return false;
            };
            let refs = self.function_refs(callee);
            if refs.is_empty() {
                return false;
            }
            let overloads = self
                .referenced_name(callee)
                .and_then(|n| self.facts.functions.get(&n).cloned())
                .unwrap_or(refs);
            return overloads
                .iter()
                .all(|f| self.is_async(*f) && !returns_void(*f, self.src));
        }
        if (self.sem.path)(node, self.src).is_none() {
            return false;
        }
        self.binding_for(node)
            .is_some_and(|b| self.async_result(b.value, depth + 1))
    }

    /// Is the value `node` names already settled where it is used: an earlier `await` (or
    /// other suspension) of the same function mentions it, or the function checked its
    /// completion (`t.IsCompleted`, `f.done()`) before.
    fn awaited(&self, node: Node<'t>) -> bool {
        // A call makes a new value each time.
        if self
            .sem
            .call_kinds
            .contains(&unwrap_parens(node).kind_name())
        {
            return false;
        }
        let Some(key) = settled_key(text(node, self.src), self.sem.self_names) else {
            return false;
        };
        let Some(function) = self.enclosing_function(node) else {
            return false;
        };
        let word = regex::escape(&key);
        let Ok(mention) = regex::Regex::new(&format!(r"(^|[^\w.]|\b(?:this|self)\.){word}\b"))
        else {
            return false;
        };
        let Ok(check) = regex::Regex::new(&format!(
            r"(^|[^\w.]|\b(?:this|self)\.){word}\s*\.\s*(?:{})\b",
            COMPLETION_CHECKS.join("|")
        )) else {
            return false;
        };
        let before = &self.src[function.start_byte()..node.start_byte()];
        if check.is_match(&String::from_utf8_lossy(before)) {
            return true;
        }
        self.any_in_scope(function, self.sem.function_kinds, |n| {
            n.end_byte() <= node.start_byte()
                && self.sem.suspend_kinds.contains(&n.kind_name())
                && mention.is_match(text(n, self.src))
        })
    }

    /// A loop with a large literal bound and a pure body, or a function (or a name of one)
    /// whose body computes (loops, comprehensions) and calls only pure functions.
    pub fn cpu_bound(&self, node: Node<'t>) -> bool {
        let node = unwrap_parens(node);
        if self.sem.loop_kinds.contains(&node.kind_name()) {
            return self.heavy_loop(node);
        }
        let refs = self.function_refs(node);
        !refs.is_empty() && refs.iter().all(|f| self.cpu_bound_function(*f))
    }

    fn heavy_loop(&self, node: Node<'t>) -> bool {
        // `i < 1000000 && i < buf.length`: a second bound, usually the input's size, caps it.
        if node.field("condition").is_some_and(|c| {
            let t = text(c, self.src);
            t.contains("&&") || t.contains(" and ")
        }) {
            return false;
        }
        let body = node.field("body");
        let mut header_max = 0f64;
        self.search_all(node, |n| {
            if Some(n.id()) == body.map(|b| b.id()) {
                return Visit::Skip;
            }
            if n.child_count() == 0
                && let Some(v) = number(text(n, self.src))
            {
                header_max = header_max.max(v);
            }
            Visit::Descend
        });
        header_max >= HEAVY_LOOP_BOUND && body.is_none_or(|b| self.pure_body(b).is_some())
    }

    fn cpu_bound_function(&self, f: Node<'t>) -> bool {
        if let Some(v) = self.cpu_cache.borrow().get(&f.id()) {
            return *v;
        }
        // Recursion assumes purity; a cycle of pure functions stays pure.
        self.cpu_cache.borrow_mut().insert(f.id(), true);
        let body = (self.sem.function_body)(f).unwrap_or(f);
        let v = self.pure_body(body) == Some(true);
        self.cpu_cache.borrow_mut().insert(f.id(), v);
        v
    }

    /// None if the subtree suspends or calls anything not known pure; else whether it computes.
    fn pure_body(&self, body: Node<'t>) -> Option<bool> {
        let mut computes = false;
        let mut impure = false;
        self.search_all(body, |n| {
            let kind = n.kind_name();
            if self.sem.suspend_kinds.contains(&kind) {
                impure = true;
                return Visit::Stop;
            }
            if self.sem.computation_kinds.contains(&kind) {
                computes = true;
            }
            if self.sem.call_kinds.contains(&kind) {
                match self.pure_call(n) {
                    Some(c) => computes |= c,
                    None => {
                        impure = true;
                        return Visit::Stop;
                    }
                }
            }
            Visit::Descend
        });
        (!impure).then_some(computes)
    }

    /// None if the call may do I/O or is unknown; Some(computes) if it is pure.
    fn pure_call(&self, call: Node<'t>) -> Option<bool> {
        let callee = (self.sem.callee)(call)?;
        let names = self.resolve(callee);
        if NameSet::Static(self.sem.pure_calls).matches_any(&names) {
            return Some(false);
        }
        if let Some(name) = (self.sem.path)(callee, self.src) {
            let method = name.rest.rsplit(['.', ':']).next().unwrap_or("");
            if !name.rest.is_empty()
                && !self.is_imported(&name.head)
                && self.sem.pure_methods.contains(&method)
            {
                return Some(false);
            }
        }
        let refs = self.function_refs(callee);
        if !refs.is_empty() && refs.iter().all(|f| self.cpu_bound_function(*f)) {
            return Some(true);
        }
        // A method called on a fresh value (`"".join(...)`, `x.y().sort()`) is pure if its name is.
        if (self.sem.path)(callee, self.src).is_none() {
            let t = text(callee, self.src);
            let method = t.rsplit(['.', ':']).next().unwrap_or("");
            if self.sem.pure_methods.contains(&method) {
                return Some(false);
            }
        }
        None
    }
}

/// Conditions of a main-module guard, without spaces or parentheses and with `"` quotes.
const MAIN_GUARDS: &[&str] = &[
    "__name__==\"__main__\"",
    "\"__main__\"==__name__",
    "require.main===module",
    "module===require.main",
    "import.meta.main",
];

/// Decorators after which calling the function still runs its body on the caller's thread.
const PLAIN_CALL_DECORATORS: &[&str] = &[
    "staticmethod",
    "classmethod",
    "property",
    "cached_property",
    "cache",
    "lru_cache",
    "wraps",
    "override",
    "abstractmethod",
    "contextmanager",
    "singledispatch",
    "overload",
    "deprecated",
];

/// Methods that put an item into a collection without reading it.
const ADDING_METHODS: &[&str] = &[
    "append",
    "add",
    "extend",
    "insert",
    "push",
    "appendleft",
    "put_nowait",
];

/// Calls (spelled without spaces) that make an empty collection.
const FRESH_COLLECTIONS: &[&str] = &[
    "list()",
    "set()",
    "deque()",
    "collections.deque()",
    "newArray()",
    "newSet()",
    "Array()",
];

fn contains(outer: Range<usize>, inner: Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// Members that tell whether a task or future has finished (`t.IsCompleted`, `f.done()`).
const COMPLETION_CHECKS: &[&str] = &[
    "IsCompleted",
    "IsCompletedSuccessfully",
    "IsFaulted",
    "IsCanceled",
    "Status",
    "done",
    "isDone",
    "is_finished",
];

/// The name a settled-value check looks for: the leading name of an expression without its
/// `this.`/`self.` prefix (`this._load` → `_load`, `tasks[0]` → `tasks`); None if there is none.
fn settled_key(written: &str, self_names: &[&str]) -> Option<String> {
    let rest = strip_self(written.trim(), self_names);
    let key: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
        .collect();
    let key = key.trim_end_matches('.').to_string();
    (!key.is_empty() && key.starts_with(|c: char| !c.is_ascii_digit())).then_some(key)
}

/// Is a function declared to return `void` (C# `async void`, which leaves nothing to await)?
fn returns_void(f: Node, src: &[u8]) -> bool {
    f.field("returns")
        .or_else(|| f.field("type"))
        .is_some_and(|t| text(t, src) == "void")
}

fn unwrap_parens(mut node: Node) -> Node {
    while matches!(
        node.kind_name(),
        // Rust's `f()?` is the value of `f()` for where-it-comes-from questions.
        "parenthesized_expression" | "parenthesized_type" | "try_expression"
    ) && node.named_child_count() == 1
    {
        node = node.named_child(0).expect("one child");
    }
    node
}

/// The name a condition tests for being unset: `!x`, `not x`, `x == null`, `x === undefined`,
/// `x is None`, `x == nil` (parentheses allowed); names may be dotted (`this.cache`).
fn tested_unset(cond: &str) -> Option<&str> {
    let mut c = cond.trim();
    while let Some(inner) = c.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        c = inner.trim();
    }
    let name = if let Some(rest) = c.strip_prefix('!') {
        rest.trim()
    } else if let Some(rest) = c.strip_prefix("not ") {
        rest.trim()
    } else {
        let unset = [
            "=== undefined",
            "== undefined",
            "=== null",
            "== null",
            "is None",
            "== None",
            "== nil",
        ];
        unset
            .iter()
            .find_map(|u| c.strip_suffix(u))
            .map(str::trim)?
    };
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && !name.ends_with('.')
        && name
            .chars()
            .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '$' || ch == '.');
    plain.then_some(name)
}

fn strip_self<'a>(name: &'a str, self_names: &[&str]) -> &'a str {
    for s in self_names {
        if let Some(rest) = name.strip_prefix(s).and_then(|r| r.strip_prefix('.')) {
            return rest;
        }
    }
    name
}

/// A numeric literal's value: `100000`, `1_000_000`, `1e9`, `10**7` is not folded.
fn number(t: &str) -> Option<f64> {
    let cleaned: String = t.chars().filter(|c| *c != '_').collect();
    let cleaned = cleaned.trim_end_matches(['L', 'l', 'n', 'u', 'U', 'f', 'F', 'd', 'D', 'm', 'M']);
    if !cleaned.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    cleaned.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::super::semantics::test_support::{inside, nth, with_ctx};
    use super::*;

    fn is(p: Property) -> Constraint {
        Constraint::Is(vec![p], false)
    }

    #[test]
    fn main_guard_python_and_node() {
        let src = "import x\nif __name__ == '__main__':\n    a()\nif other:\n    b()\n";
        with_ctx(Language::Python, src, |ctx, root| {
            let a = nth(root, "call", 0);
            let b = nth(root, "call", 1);
            assert!(ctx.holds(&inside(Context::MainGuard), a).is_some());
            assert!(ctx.holds(&inside(Context::MainGuard), b).is_none());
        });
        let js = "if (require.main === module) { run(); }\nrun();\n";
        with_ctx(Language::JavaScript, js, |ctx, root| {
            let first = nth(root, "call_expression", 0);
            let second = nth(root, "call_expression", 1);
            assert!(ctx.holds(&inside(Context::MainGuard), first).is_some());
            assert!(ctx.holds(&inside(Context::MainGuard), second).is_none());
        });
    }

    #[test]
    fn add_only_locals() {
        let src = "\
async def dropped():
    tasks = []
    tasks.append(go())

async def gathered():
    tasks = []
    tasks.append(go())
    await gather(*tasks)

async def shared(self):
    tasks = self.pending
    tasks.append(go())

async def param(tasks):
    tasks.append(go())
";
        with_ctx(Language::Python, src, |ctx, root| {
            let receivers: Vec<Node> = (0..4)
                .map(|i| {
                    let call = nth(root, "call", [0, 2, 5, 7][i]);
                    let callee = call.field("function").unwrap();
                    callee.field("object").unwrap()
                })
                .collect();
            for r in &receivers {
                assert_eq!(text(*r, ctx.src), "tasks");
            }
            let got: Vec<bool> = receivers
                .iter()
                .map(|r| ctx.holds(&is(Property::AddOnly), *r).is_some())
                .collect();
            assert_eq!(got, [true, false, false, false]);
        });
    }

    #[test]
    fn rewrapped_helpers() {
        let src = "\
@work(thread=True)
def in_thread(): pass

@staticmethod
def plain(): pass

def bare(): pass
";
        with_ctx(Language::Python, src, |ctx, root| {
            let defs: Vec<bool> = (0..3)
                .map(|i| ctx.rewrapped(nth(root, "function_definition", i)))
                .collect();
            assert_eq!(defs, [true, false, false]);
        });
    }

    #[test]
    fn decorated_and_own_methods() {
        let src = "\
@wrap
async def wrapped(): pass

async def plain(): pass

class A:
    async def close(self): pass

class B:
    def run(self):
        self.close()
        wrapped()
        plain()
";
        with_ctx(Language::Python, src, |ctx, root| {
            let callee = |i| nth(root, "call", i).field("function").unwrap();
            // B has no close of its own: A's async close is not what self.close calls.
            assert!(ctx.holds(&is(Property::Async), callee(0)).is_none());
            assert!(ctx.holds(&is(Property::Decorated), callee(1)).is_some());
            assert!(ctx.holds(&is(Property::Async), callee(2)).is_some());
            assert!(ctx.holds(&is(Property::Decorated), callee(2)).is_none());
        });
    }

    #[test]
    fn dotnet_test_projects_and_browser_test_folders_are_test_code() {
        for (path, test) in [
            ("Duplicati/UnitTest/Issue4693.cs", true),
            ("test/Core.Test/Auth/Service.cs", true),
            ("src/Shop.Api.Tests/OrdersApi.cs", true),
            ("src/Shop.IntegrationTests/Db.cs", true),
            ("src/Shop.Api/Controllers/Orders.cs", false),
            ("src/Latest/Orders.cs", false),
            ("playwright/global-setup.ts", true),
            ("web/cypress/support/commands.js", true),
            ("server/queue.members_test.go", true),
        ] {
            let role = FileRole::of(std::path::Path::new(path), "");
            assert_eq!(role.test, test, "{path}");
        }
    }

    #[test]
    fn wraps_follows_bindings_to_the_wrapped_argument() {
        let src = "const sab = new SharedArrayBuffer(8);\nconst view = new Int32Array(sab);\n\
                   const direct = new Int32Array(new SharedArrayBuffer(4));\n\
                   const plain = new Int32Array(new ArrayBuffer(4));\nconst copy = view;\n\
                   use(view, direct, plain, copy, other);";
        super::super::semantics::test_support::with_ctx(Language::JavaScript, src, |ctx, root| {
            let names = NameSet::new(&["SharedArrayBuffer".to_string()]).unwrap();
            let call = super::super::semantics::test_support::nth(root, "call_expression", 0);
            let args = call.field("arguments").unwrap();
            let arg = |i| args.named_child(i).unwrap();
            let at = ctx.wrapped(arg(0), &names, 0).expect("view wraps sab");
            assert_eq!(text(at, src.as_bytes()), "sab");
            assert!(ctx.wrapped(arg(1), &names, 0).is_some(), "direct");
            assert!(ctx.wrapped(arg(2), &names, 0).is_none(), "plain");
            assert!(ctx.wrapped(arg(3), &names, 0).is_some(), "copy of view");
            assert!(ctx.wrapped(arg(4), &names, 0).is_none(), "unbound");
        });
    }

    #[test]
    fn unset_tests() {
        for (cond, name) in [
            ("(!initialized)", "initialized"),
            ("!this.cache", "this.cache"),
            ("(cache === undefined)", "cache"),
            ("_client is None", "_client"),
            ("pool == nil", "pool"),
            ("not self._ready", "self._ready"),
        ] {
            assert_eq!(tested_unset(cond), Some(name), "{cond}");
        }
        for cond in ["(!fs.existsSync(p))", "a && !b", "x > 0", "(!)", "!a.b()"] {
            assert_eq!(tested_unset(cond), None, "{cond}");
        }
    }

    #[test]
    fn lazy_init_is_the_body_of_an_unset_test_that_assigns_it() {
        let src = "let tpl;\nfunction a() { if (!tpl) { tpl = read(); } }\n\
                   function b() { if (!fs.existsSync(d)) { mk(d); } }\n\
                   function c() { if (!ready) { other = read(); } }\n";
        super::super::semantics::test_support::with_ctx(Language::JavaScript, src, |ctx, root| {
            let lazy = super::super::semantics::test_support::inside(Context::LazyInit);
            let call = |i| super::super::semantics::test_support::nth(root, "call_expression", i);
            assert!(ctx.holds(&lazy, call(0)).is_some(), "tpl = read()");
            assert!(
                ctx.holds(&lazy, call(1)).is_none(),
                "existsSync in the condition"
            );
            assert!(ctx.holds(&lazy, call(2)).is_none(), "mk(d)");
            assert!(ctx.holds(&lazy, call(3)).is_none(), "assigns another name");
        });
    }

    #[test]
    fn one_shot_files_are_scripts() {
        use std::path::Path;
        for p in [
            "server/migrations/2023-add.js",
            "build.js",
            "gulpfile.js",
            "vite.config.ts",
            "db/seeders/users.js",
            "src/upgrades/1.15.0/verified_users_group.js",
        ] {
            assert!(FileRole::of(Path::new(p), "").script, "{p}");
        }
        for p in [
            "server/routes/build-info.js",
            "src/config.js",
            "lib/migrate.js",
        ] {
            assert!(!FileRole::of(Path::new(p), "").script, "{p}");
        }
        // A worker_threads worker is not the main event loop; the file that starts one is.
        let worker = "const { parentPort } = require('node:worker_threads');\nparentPort.on('message', (m) => {});\n";
        assert!(FileRole::of(Path::new("src/hash-worker.js"), worker).script);
        let parent = "const { Worker } = require('node:worker_threads');\nconst w = new Worker('./w.js', { workerData: 1 });\n";
        assert!(!FileRole::of(Path::new("src/server.js"), parent).script);
    }

    #[test]
    fn start_up_names() {
        for yes in [
            "main",
            "init",
            "Init",
            "initialize",
            "setup_routes",
            "initDatabase",
            "exports.expressCreateServer",
            "exports.expressPreSession",
            "expressConfigure",
            "bootstrapApp",
            "Server::start",
        ] {
            assert!(startup_name(yes), "{yes}");
        }
        for no in [
            "handler",
            "sendReport",
            "restart",
            "run",
            "maintain",
            "getInitialState",
        ] {
            assert!(!startup_name(no), "{no}");
        }
    }
}

#[cfg(test)]
mod word_tests {
    use super::*;
    use crate::engine::semantics::test_support::{nth, with_ctx};

    /// `held-across` works from any language's lock calls: Python's acquire()/release().
    #[test]
    fn python_lock_held_across_await() {
        let src = "async def f():\n    lock.acquire()\n    await x\n    lock.release()\n\n\
                   async def g():\n    lock.acquire()\n    lock.release()\n    await x\n";
        with_ctx(Language::Python, src, |ctx, root| {
            let across = Constraint::HeldAcross(vec![Selector {
                target: Target::Kinds(vec!["await".into()]),
                stop: Stop::Function,
                follow_calls: false,
                source: String::new(),
            }]);
            let acquire = |i| nth(root, "expression_statement", i);
            assert!(
                ctx.holds(&across, acquire(0)).is_some(),
                "await before release"
            );
            assert!(ctx.holds(&across, acquire(3)).is_none(), "released first");
            assert!(ctx.holds(&across, acquire(1)).is_none(), "not a lock call");
        });
    }

    #[test]
    fn cargo_benches_are_test_code() {
        let role = |p: &str| FileRole::of(std::path::Path::new(p), "");
        assert!(role("tokio/benches/rt_multi_threaded.rs").test);
        assert!(role("crate/tests/it.rs").test);
        assert!(!role("crate/src/bench.rs").test);
    }
}

//! The constraint vocabulary: one closed set of words, implemented once for every language.

use regex::Regex;

use super::names::NameSet;

/// Where a relation stops looking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// At the nearest enclosing function (inside) or at nested functions (has).
    Function,
    /// Nowhere: the whole ancestor chain, or the whole subtree.
    None,
}

/// A semantic context a node can be inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// Any function, lambda or closure.
    Function,
    /// A function that is async (a sync def or lambda in it is not).
    AsyncFunction,
    /// A function run by threads or tasks (Thread target, executor argument, ...).
    ThreadEntry,
    /// A function registered as an HTTP request handler.
    RequestHandler,
    /// A region where a lock is held.
    LockHeld,
    /// A loop body.
    Loop,
    /// Top level of the file, outside every function.
    ModuleLevel,
    /// A test file (`test/`, `tests/`, `__tests__/`, `*.test.js`, `test_*.py`, `*_test.go`, ...).
    TestCode,
    /// A command-line script (a shebang, or under `bin/`, `cli/`, `scripts/`, `tools/`, or a
    /// file that reads its arguments or exits and registers no request handler).
    ScriptCode,
    /// Start-up code: a function that starts a server (calls `listen`, `createServer`, ...) or
    /// whose name says it runs once at start-up (`main`, `init`, `setupRoutes`, ...).
    StartupCode,
    /// The body of a main-module guard: `if __name__ == "__main__":`, `if (require.main ===
    /// module)`; code there runs only when the file is executed, not when it is imported.
    MainGuard,
    /// A function handed to threads or tasks by a call inside a loop: one per iteration, all
    /// running it at once (`for (..) Task.Run(() => ..)`).
    SpawnedInLoop,
    /// Code that runs on threads: a thread entry, or a same-file function that one calls
    /// (through a few calls), unless the call is made under a held lock.
    ThreadReachable,
    /// Lazy one-time initialisation: the body of `if (!x) { ... x = ... }` (also `x == null`,
    /// `x === undefined`, `x is None`, `x == nil`), which assigns the name it tests.
    LazyInit,
    /// A loop whose iterations do not depend on each other, around the first await of new
    /// work in it: no state carried between iterations, no early exit, retry, pacing, stream,
    /// ordered writes or transaction.
    IndependentLoop,
    /// Code run on a virtual thread (Java): a task started by `Thread.ofVirtual()`,
    /// `Thread.startVirtualThread` or a virtual-thread-per-task executor, and same-file
    /// functions such code calls.
    VirtualThread,
    /// A block-scoped lock region (`synchronized` in Java, `with lock:` in Python, `lock (x)`
    /// in C#): `lock-held` without explicit acquire/release pairs.
    LockBlock,
}

impl Context {
    /// Every context word with its spelling in rule files.
    pub const ALL: &'static [(&'static str, Context)] = &[
        ("function", Context::Function),
        ("async-function", Context::AsyncFunction),
        ("thread-entry", Context::ThreadEntry),
        ("request-handler", Context::RequestHandler),
        ("lock-held", Context::LockHeld),
        ("loop", Context::Loop),
        ("module-level", Context::ModuleLevel),
        ("test-code", Context::TestCode),
        ("script-code", Context::ScriptCode),
        ("startup-code", Context::StartupCode),
        ("main-guard", Context::MainGuard),
        ("spawned-in-loop", Context::SpawnedInLoop),
        ("thread-reachable", Context::ThreadReachable),
        ("lazy-init", Context::LazyInit),
        ("independent-loop", Context::IndependentLoop),
        ("virtual-thread", Context::VirtualThread),
        ("lock-block", Context::LockBlock),
    ];

    /// Parse a context word.
    pub fn parse(word: &str) -> Option<Context> {
        Context::ALL
            .iter()
            .find(|(w, _)| *w == word)
            .map(|(_, c)| *c)
    }
}

/// A property a captured node can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Property {
    /// A function (or the function a name refers to) or loop doing only pure computation.
    CpuBound,
    /// An assignment target shared across threads (global, nonlocal, `self` attribute).
    SharedState,
    /// An async function.
    Async,
    /// A local collection its function creates fresh and only adds to (`append`, `add`,
    /// `push`, ...): it is never read, returned or handed on.
    AddOnly,
    /// A function (or the function a name refers to) wrapped by a decorator that may change
    /// how a call runs it; `staticmethod`, `property`, `functools` caches and the like do not.
    Decorated,
    /// A value still to be awaited: a call to a same-file async function (not declared
    /// `void`), through a binding or a call chained on it.
    AsyncResult,
    /// A name an earlier `await` of the same function mentions, or whose completion it checked
    /// (`t.IsCompleted`): the value is already settled here.
    Awaited,
    /// A name that is a parameter of its enclosing function.
    Parameter,
    /// An assignment target that concurrently running copies of one task update: a task
    /// started in a loop writes a variable declared outside that loop, or a request handler
    /// writes a package variable, its pointer receiver's field or a captured variable (Go).
    SharedBetweenTasks,
    /// A closure that refers to a variable of an enclosing loop's header, other than
    /// through its parameters (Go before 1.22 shares one variable across iterations).
    CapturesLoopVariable,
    /// A type (or a range clause's element) whose values hold a lock, WaitGroup or other
    /// must-not-copy primitive by value (Go: `sync.Mutex`, a same-file struct with one).
    LockByValue,
    /// A task start whose end something waits for or hears of: a WaitGroup, errgroup,
    /// channel, select or context in the starting function or in the task (Go).
    Joined,
    /// A task started per item with a concurrency limit: a semaphore channel, `Acquire`,
    /// errgroup `SetLimit`, or a wait in the loop (Go).
    ConcurrencyLimited,
    /// A call or function reference whose function returns an error (Go: a same-file
    /// function with an `error` result, or a server's `ListenAndServe`/`Serve`).
    ReturnsError,
    /// An element of a map (Go: an index into a variable declared or made as a map), which
    /// concurrent writers corrupt whatever the keys.
    MapElement,
    /// A collection (or a fan-out over one) whose size comes from outside: a parameter, a
    /// request field, a query result; not a literal, a fixed range, a slice or object state.
    Unbounded,
    /// The work of a fan-out acquires a concurrency limiter (semaphore, p-limit, ...).
    Limited,
    /// One new piece of work per item of a collection (a comprehension, `map`, `Select`).
    FanOut,
    /// A field declared `volatile` in this file (Java, C#): `count`, `this.count`.
    Volatile,
    /// A pool made with exactly one worker (`ThreadPoolExecutor(max_workers=1)`,
    /// `Executors.newFixedThreadPool(1)`): the call, or a name bound to it.
    OneWorker,
}

impl Property {
    /// Every property word with its spelling in rule files.
    pub const ALL: &'static [(&'static str, Property)] = &[
        ("cpu-bound", Property::CpuBound),
        ("shared-state", Property::SharedState),
        ("async", Property::Async),
        ("add-only", Property::AddOnly),
        ("decorated", Property::Decorated),
        ("async-result", Property::AsyncResult),
        ("awaited", Property::Awaited),
        ("parameter", Property::Parameter),
        ("shared-between-tasks", Property::SharedBetweenTasks),
        ("captures-loop-variable", Property::CapturesLoopVariable),
        ("lock-by-value", Property::LockByValue),
        ("joined", Property::Joined),
        ("concurrency-limited", Property::ConcurrencyLimited),
        ("returns-error", Property::ReturnsError),
        ("map-element", Property::MapElement),
        ("unbounded", Property::Unbounded),
        ("limited", Property::Limited),
        ("fan-out", Property::FanOut),
        ("volatile", Property::Volatile),
        ("one-worker", Property::OneWorker),
    ];

    /// The languages that implement this property, or None if every language does.
    pub fn languages(self) -> Option<&'static [&'static str]> {
        match self {
            Property::SharedBetweenTasks
            | Property::CapturesLoopVariable
            | Property::LockByValue
            | Property::Joined
            | Property::ConcurrencyLimited
            | Property::ReturnsError
            | Property::MapElement => Some(&["go"]),
            Property::Volatile => Some(&["java"]),
            _ => None,
        }
    }

    /// Parse a property word.
    pub fn parse(word: &str) -> Option<Property> {
        Property::ALL
            .iter()
            .find(|(w, _)| *w == word)
            .map(|(_, p)| *p)
    }
}

/// What an `inside`/`has` selector looks for.
#[derive(Clone, Debug)]
pub enum Target {
    /// A semantic context (inside only).
    Context(Context),
    /// Nodes of these grammar kinds.
    Kinds(Vec<String>),
    /// Calls whose callee resolves to one of these names (for `inside`: an enclosing call,
    /// such as the `Parallel.ForEach` a lambda is passed to).
    Calls(NameSet),
    /// A function passed as an argument to a call whose callee resolves to one of these
    /// names (inside only): the lambda in `list.parallelStream().forEach(x -> ..)`.
    ArgumentOf(NameSet),
}

/// One selector of a relation.
#[derive(Clone, Debug)]
pub struct Selector {
    /// What to look for.
    pub target: Target,
    /// Where to stop looking.
    pub stop: Stop,
    /// For `has`: also search same-file functions the subtree calls or names.
    pub follow_calls: bool,
    /// The spelling in the rule file, for messages.
    pub source: String,
}

/// One constraint on one capture.
#[derive(Clone, Debug)]
pub enum Constraint {
    /// Capture text matches (or, negated, does not match) a regex.
    Regex(Regex, bool),
    /// Capture text is (or is not) one of these strings.
    AnyOf(Vec<String>, bool),
    /// The import-aware qualified name of the capture matches (or not) one of these globs.
    ResolvesTo(NameSet, bool),
    /// The value of the capture (following a binding) comes from a call to one of these names.
    CreatedBy(NameSet),
    /// An ancestor matches one of the selectors (or, negated, none does).
    Inside(Vec<Selector>, bool),
    /// A descendant matches one of the selectors (or, negated, none does).
    Has(Vec<Selector>, bool),
    /// The capture has all (or, negated, none) of these properties.
    Is(Vec<Property>, bool),
    /// The capture is a statement that takes a lock (the language's lock call: `let g =
    /// m.lock()`, `mu.Lock()`, `lock.acquire()`), and a later statement of the same block
    /// reaches one of the selectors before one releases it (`drop(g)`, `mu.Unlock()`).
    HeldAcross(Vec<Selector>),
    /// The value of the capture (following a binding) comes from a call or `new` that is handed
    /// a value created by one of these names (`new Int32Array(sab)` wraps `SharedArrayBuffer`).
    Wraps(NameSet),
    /// The callee resolves to one of these names, or calls one through same-file non-async
    /// helpers; `{chain}` in the message shows the path.
    Reaches(NameSet),
    /// Another linter's suppression comment names one of these checks for the node's line
    /// (on it, on the line before, or an earlier `eslint-disable` block still in force): the
    /// author already decided the code is intended. Used negated (`not-silenced-by`).
    SilencedBy(Vec<String>),
}

impl Selector {
    /// Whether what this `inside` selector finds depends only on the innermost function
    /// around a node (its enclosing functions and what is above them), not on where in that
    /// function the node is: every node of one function gets the same answer.
    pub fn per_function(&self) -> bool {
        match &self.target {
            Target::Context(c) => matches!(
                c,
                Context::Function
                    | Context::ModuleLevel
                    | Context::ScriptCode
                    | Context::StartupCode
                    | Context::AsyncFunction
                    | Context::ThreadEntry
                    | Context::ThreadReachable
                    | Context::RequestHandler
                    | Context::SpawnedInLoop
                    | Context::VirtualThread
            ),
            Target::ArgumentOf(_) => true,
            Target::Kinds(_) | Target::Calls(_) => false,
        }
    }
}

impl Constraint {
    /// Whether this is a test of the node's own text (a regex or a list of spellings).
    pub fn text_only(&self) -> bool {
        matches!(self, Constraint::Regex(..) | Constraint::AnyOf(..))
    }

    /// Whether the result on a node is the result on every node with the same innermost
    /// enclosing function: an `inside` whose selectors all look only at functions.
    pub fn per_function(&self) -> bool {
        match self {
            Constraint::Inside(selectors, _) => selectors.iter().all(Selector::per_function),
            _ => false,
        }
    }

    /// A rough cost class, for evaluating cheap constraints first: text and name tests, then
    /// contexts and properties, then value origins, then subtree and call-graph searches.
    pub fn cost(&self) -> u8 {
        match self {
            Constraint::Regex(..) | Constraint::AnyOf(..) | Constraint::ResolvesTo(..) => 0,
            Constraint::Inside(..) => 1,
            Constraint::Is(..)
            | Constraint::CreatedBy(..)
            | Constraint::Wraps(..)
            | Constraint::SilencedBy(..) => 2,
            Constraint::Has(..) | Constraint::Reaches(..) | Constraint::HeldAcross(..) => 3,
        }
    }
}

/// The message placeholder a `reaches` constraint fills: `handler → helper → time.sleep`.
pub const CHAIN_PLACEHOLDER: &str = "chain";

/// Every constraint key a `[where.<capture>]` table may hold.
pub const WORDS: &[&str] = &[
    "regex",
    "not-regex",
    "any-of",
    "not-any-of",
    "resolves-to",
    "not-resolves-to",
    "created-by",
    "inside",
    "not-inside",
    "has",
    "not-has",
    "is",
    "is-not",
    "held-across",
    "wraps",
    "reaches",
    "not-silenced-by",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_tests_cost_less_than_contexts_and_searches() {
        let names = || NameSet::new(&["fs.*Sync".to_string()]).unwrap();
        let inside = Constraint::Inside(Vec::new(), false);
        let order = [
            Constraint::ResolvesTo(names(), false).cost(),
            inside.cost(),
            Constraint::CreatedBy(names()).cost(),
            Constraint::Reaches(names()).cost(),
        ];
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    }
}

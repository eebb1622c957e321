//! Test support shared by the semantics modules: facts from the real query, a context, node lookup.

use crate::engine::syntax::Syntax;
use tree_sitter::{Node, Parser, QueryCursor, StreamingIterator};

use super::{Captures, FileFacts};
use crate::engine::constraint::{Constraint, Context, Selector, Stop, Target};
use crate::engine::context::{Ctx, FileRole};
use crate::language::Language;

/// Parse `src`, gather facts with the language's real semantic query, and hand a context to `f`.
pub fn with_ctx<R>(
    lang: Language,
    src: &str,
    f: impl for<'t> FnOnce(&Ctx<'t>, Node<'t>) -> R,
) -> R {
    let sem = lang.semantics();
    let mut parser = Parser::new();
    parser.set_language(&lang.grammar()).unwrap();
    let tree = parser.parse(src, None).unwrap();
    let query = tree_sitter::Query::new(&lang.grammar(), sem.facts_query).unwrap();
    let names = query.capture_names();
    let mut facts = FileFacts::new(sem);
    let mut cursor = QueryCursor::new();
    let mut matches = cursor.matches(&query, tree.root_node(), src.as_bytes());
    while let Some(m) = matches.next() {
        let list: Vec<(&str, Node)> = m
            .captures()
            .iter()
            .map(|c| (names[c.index as usize], c.node))
            .collect();
        sem.record(&mut facts, &Captures { list: &list }, src.as_bytes());
    }
    let ctx = Ctx::new(
        lang,
        src.as_bytes(),
        tree.root_node(),
        facts,
        FileRole::default(),
        crate::engine::flat::Flat::build(&tree),
    );
    f(&ctx, tree.root_node())
}

/// The `n`th node of `kind` in document order (iterative walk).
pub fn nth<'t>(root: Node<'t>, kind: &str, n: usize) -> Node<'t> {
    let mut cursor = root.walk();
    let mut seen = 0;
    loop {
        if cursor.node().kind_name() == kind {
            if seen == n {
                return cursor.node();
            }
            seen += 1;
        }
        if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            assert!(cursor.goto_parent(), "no {kind} #{n}");
        }
    }
}

/// `inside = { context = c, stop = "none" }`, for testing one context word directly.
pub fn inside(c: Context) -> Constraint {
    let selector = Selector {
        target: Target::Context(c),
        stop: Stop::None,
        follow_calls: false,
        source: String::new(),
    };
    Constraint::Inside(vec![selector], false)
}

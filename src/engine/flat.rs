//! The tree in pre-order, built by one walk: what matching asks of each node (kind, field,
//! named, first child, next sibling) and what context checks ask (parent), in flat arrays.

use tree_sitter::{Node, Tree};

use super::pattern::Kind;

/// No such node.
pub const NONE: u32 = u32::MAX;

/// Tree-sitter's kind id of ERROR nodes (`ts_builtin_sym_error`).
const ERROR_KIND: u16 = u16::MAX;

/// What is kept of one node.
#[derive(Clone, Copy)]
pub struct Entry<'t> {
    /// The node.
    pub node: Node<'t>,
    /// First child's index, or `NONE`.
    pub first_child: u32,
    /// Next sibling's index, or `NONE`.
    pub next_sibling: u32,
    /// Parent's index, or `NONE` for the root.
    parent: u32,
    /// Start byte: non-decreasing in pre-order, so a node is found by search.
    start: u32,
    /// Kind id.
    pub kind: u16,
    /// Field id under its parent (0: none).
    pub field: u16,
    /// A named node.
    pub named: bool,
    /// An ERROR node.
    error: bool,
}

/// The tree in pre-order, with what matching asks of each node.
pub struct Flat<'t> {
    /// Nodes in pre-order.
    pub entries: Vec<Entry<'t>>,
}

impl<'t> Flat<'t> {
    /// Walk `tree` once. `stop` is asked every few thousand nodes; true ends the walk early
    /// and the flag is returned.
    pub fn build(tree: &'t Tree, mut stop: impl FnMut() -> bool) -> (Flat<'t>, bool) {
        let mut entries: Vec<Entry<'t>> = Vec::with_capacity(tree.root_node().descendant_count());
        let mut cursor = tree.walk();
        // The last node seen at each depth: the previous sibling of the next one there.
        let mut last: Vec<u32> = Vec::new();
        let mut depth = 0usize;
        loop {
            let node = cursor.node();
            let i = entries.len() as u32;
            if i % 4096 == 4095 && stop() {
                return (Flat { entries }, true);
            }
            let kind = node.kind_id();
            let parent = if depth > 0 { last[depth - 1] } else { NONE };
            entries.push(Entry {
                node,
                first_child: NONE,
                next_sibling: NONE,
                parent,
                start: node.start_byte() as u32,
                kind,
                field: cursor.field_id().map_or(0, |f| f.get()),
                named: node.is_named(),
                error: kind == ERROR_KIND,
            });
            if depth == last.len() {
                if depth > 0 {
                    entries[parent as usize].first_child = i;
                }
                last.push(i);
            } else {
                entries[last[depth] as usize].next_sibling = i;
                last[depth] = i;
            }
            if cursor.goto_first_child() {
                depth += 1;
                last.truncate(depth);
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return (Flat { entries }, false);
                }
                depth -= 1;
            }
        }
    }

    /// The entry at `i`.
    #[inline]
    pub fn at(&self, i: u32) -> &Entry<'t> {
        &self.entries[i as usize]
    }

    /// Whether node `i` passes the node test `kind`.
    #[inline]
    pub fn kind_ok(&self, kind: Kind, i: u32) -> bool {
        let e = self.at(i);
        match kind {
            Kind::Named(k) | Kind::Anonymous(k) => e.kind == k,
            Kind::AnyNamed => e.named && !e.error,
            Kind::Any => !e.error,
        }
    }

    /// Index of `node`, found by its start byte and id.
    pub fn index_of(&self, node: Node<'_>) -> Option<u32> {
        let at = node.start_byte() as u32;
        let from = self.entries.partition_point(|e| e.start < at);
        self.entries[from..]
            .iter()
            .take_while(|e| e.start == at)
            .position(|e| e.node.id() == node.id())
            .map(|i| (from + i) as u32)
    }

    /// The path from the root down to `node` (excluded); None when the walk that built this
    /// was cut short before reaching it.
    pub fn ancestors(&self, node: Node<'t>) -> Option<Vec<Node<'t>>> {
        let mut i = self.index_of(node)?;
        let mut out = Vec::new();
        while self.at(i).parent != NONE {
            i = self.at(i).parent;
            out.push(self.at(i).node);
        }
        out.reverse();
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::language::Language;

    #[test]
    fn every_node_is_found_and_its_ancestors_are_its_parents() {
        let src = "import a\n\nclass C:\n    def f(self, x=[1, (2, 3)]):\n        return a.b.c(x)[0]  # c\n\nprint(\n";
        let tree =
            crate::check::parse(Language::Python, src, std::time::Duration::from_secs(5)).unwrap();
        let (flat, cut) = Flat::build(&tree, || false);
        assert!(!cut);
        assert_eq!(flat.entries.len(), tree.root_node().descendant_count());
        for (i, node) in flat.entries.iter().map(|e| &e.node).enumerate() {
            assert_eq!(flat.index_of(*node), Some(i as u32));
            let mut expected = Vec::new();
            let mut cur = *node;
            while let Some(p) = cur.parent() {
                expected.push(p.id());
                cur = p;
            }
            expected.reverse();
            let got: Vec<usize> = flat
                .ancestors(*node)
                .unwrap()
                .iter()
                .map(|n| n.id())
                .collect();
            assert_eq!(got, expected, "{}", node.kind());
        }
    }
}

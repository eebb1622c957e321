//! The tree in pre-order, built by one walk: what matching asks of each node (kind, field,
//! named, first child, next sibling) and what context checks ask (parent), in flat arrays.

use tree_sitter::{Node, Tree};

use super::pattern::Kind;

/// No such node.
pub const NONE: u32 = u32::MAX;

/// Tree-sitter's kind id of ERROR nodes (`ts_builtin_sym_error`).
const ERROR_KIND: u16 = u16::MAX;

/// What is kept of one node. Laid out as C: `flatten.c` writes these.
#[derive(Clone, Copy)]
#[repr(C)]
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

// flatten.c writes these: it checks the same size on its side.
const _: () = assert!(std::mem::size_of::<Entry<'static>>() == 56);

unsafe extern "C" {
    /// flatten.c: writes up to `capacity` entries and returns how many nodes the tree has
    /// (`u32::MAX` when out of memory).
    fn ravel_flatten(
        tree: *const tree_sitter::ffi::TSTree,
        out: *mut Entry<'_>,
        last_child: *mut u32,
        capacity: u32,
    ) -> u32;
}

/// The tree in pre-order, with what matching asks of each node.
pub struct Flat<'t> {
    /// Nodes in pre-order.
    pub entries: Vec<Entry<'t>>,
}

impl<'t> Flat<'t> {
    /// Walk `tree` once.
    pub fn build(tree: &'t Tree) -> Flat<'t> {
        // The visible node count is kept in the tree; the walk confirms it.
        let mut capacity = tree.root_node().descendant_count();
        loop {
            let Ok(cap) = u32::try_from(capacity) else {
                // Over four billion nodes: beyond any file ravel reads.
                return Flat::build_with_cursor(tree);
            };
            let mut entries: Vec<Entry<'t>> = Vec::with_capacity(capacity);
            let mut scratch: Vec<u32> = Vec::with_capacity(capacity);
            // SAFETY: `tree` outlives the entries (their nodes borrow it); both buffers hold
            // `cap` elements, and the C side writes only below `cap` and only whole entries,
            // with 0 or 1 in the bool fields.
            let n = unsafe {
                ravel_flatten(
                    tree.root_node().into_raw().tree,
                    entries.as_mut_ptr(),
                    scratch.as_mut_ptr(),
                    cap,
                )
            };
            if n == u32::MAX {
                return Flat::build_with_cursor(tree);
            }
            if n as usize <= capacity {
                // SAFETY: the first `n` entries were written.
                unsafe { entries.set_len(n as usize) };
                return Flat { entries };
            }
            capacity = n as usize;
        }
    }

    /// The same walk with tree-sitter's cursor: the reference `build` is tested against.
    pub fn build_with_cursor(tree: &'t Tree) -> Flat<'t> {
        let mut entries: Vec<Entry<'t>> = Vec::with_capacity(tree.root_node().descendant_count());
        let mut cursor = tree.walk();
        // The last node seen at each depth: the previous sibling of the next one there.
        let mut last: Vec<u32> = Vec::new();
        let mut depth = 0usize;
        loop {
            let node = cursor.node();
            let i = entries.len() as u32;
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
                    return Flat { entries };
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

    /// The ancestors of `node` whose kind passes `keep`, innermost first; None when `node` is
    /// not in this tree.
    pub fn enclosing(&self, node: Node<'t>, keep: impl Fn(u16) -> bool) -> Option<Vec<Node<'t>>> {
        let mut i = self.index_of(node)?;
        let mut out = Vec::new();
        while self.at(i).parent != NONE {
            i = self.at(i).parent;
            if keep(self.at(i).kind) {
                out.push(self.at(i).node);
            }
        }
        Some(out)
    }

    /// The path from the root down to `node` (excluded); None when `node` is not in this
    /// tree.
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

/// Asserts that `build` gives exactly the entries of tree-sitter's cursor walk.
#[cfg(test)]
pub fn assert_same_as_cursor(tree: &Tree) {
    let ours = Flat::build(tree);
    let reference = Flat::build_with_cursor(tree);
    assert_eq!(ours.entries.len(), reference.entries.len());
    for (i, (a, b)) in ours.entries.iter().zip(&reference.entries).enumerate() {
        let (na, nb) = (a.node.into_raw(), b.node.into_raw());
        let same = na.context == nb.context
            && na.id == nb.id
            && na.tree == nb.tree
            && (a.first_child, a.next_sibling, a.parent, a.start)
                == (b.first_child, b.next_sibling, b.parent, b.start)
            && (a.kind, a.field, a.named, a.error) == (b.kind, b.field, b.named, b.error);
        assert!(
            same,
            "entry {i} ({} at {}): flattened {:?} vs cursor {:?}",
            b.node.kind(),
            b.node.start_position(),
            (
                a.first_child,
                a.next_sibling,
                a.parent,
                a.start,
                a.kind,
                a.field,
                a.named
            ),
            (
                b.first_child,
                b.next_sibling,
                b.parent,
                b.start,
                b.kind,
                b.field,
                b.named
            ),
        );
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
        let flat = Flat::build(&tree);
        assert_same_as_cursor(&tree);
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

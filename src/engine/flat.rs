//! The tree in pre-order, built by one walk: what matching asks of each node (kind, field,
//! named, first child, next sibling) and what context checks ask (parent), in flat arrays.

use tree_sitter::{Node, Tree};

use super::pattern::Kind;

/// No such node.
pub const NONE: u32 = u32::MAX;

/// Tree-sitter's kind id of ERROR nodes (`ts_builtin_sym_error`).
const ERROR_KIND: u16 = u16::MAX;

/// What matching reads of one node: 16 bytes, so the matcher's walks over siblings touch
/// little memory. The node handle, parent and start live in arrays of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Link {
    /// First child's index, or `NONE`.
    pub first_child: u32,
    /// Next sibling's index, or `NONE`.
    pub next_sibling: u32,
    /// Kind id.
    pub kind: u16,
    /// Field id under its parent (0: none).
    pub field: u16,
    /// A named node.
    pub named: bool,
    /// An ERROR node.
    error: bool,
}

// flatten.c writes these: it checks the same sizes on its side.
const _: () = assert!(std::mem::size_of::<Link>() == 16);
const _: () = assert!(std::mem::size_of::<Node<'static>>() == 32);

unsafe extern "C" {
    /// flatten.c: writes up to `capacity` entries of each array and returns how many nodes
    /// the tree has (`u32::MAX` when out of memory).
    fn ravel_flatten(
        tree: *const tree_sitter::ffi::TSTree,
        links: *mut Link,
        nodes: *mut Node<'_>,
        parents: *mut u32,
        starts: *mut u32,
        child_fields: *mut u64,
        last_child: *mut u32,
        capacity: u32,
    ) -> u32;
}

/// The tree in pre-order: per node, what matching asks (`links`), the node handle, its
/// parent's index and its start byte, each in an array of its own.
pub struct Flat<'t> {
    /// Links and node tests, in pre-order.
    links: Vec<Link>,
    /// Node handles.
    nodes: Vec<Node<'t>>,
    /// Parent's index, or `NONE` for the root.
    parents: Vec<u32>,
    /// Start bytes: non-decreasing in pre-order, so a node is found by search.
    starts: Vec<u32>,
    /// Per node, the fields its children are in: bit `field % 64` (`field_bit`).
    child_fields: Vec<u64>,
}

/// The bit of `child_fields` that stands for `field` (fields 64 apart share one).
#[inline]
pub fn field_bit(field: u16) -> u64 {
    1 << (field % 64)
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
            let mut links: Vec<Link> = Vec::with_capacity(capacity);
            let mut nodes: Vec<Node<'t>> = Vec::with_capacity(capacity);
            let mut parents: Vec<u32> = Vec::with_capacity(capacity);
            let mut starts: Vec<u32> = Vec::with_capacity(capacity);
            let mut child_fields: Vec<u64> = Vec::with_capacity(capacity);
            let mut scratch: Vec<u32> = Vec::with_capacity(capacity);
            // SAFETY: `tree` outlives the nodes (they borrow it); every buffer holds `cap`
            // elements, and the C side writes only below `cap` and only whole elements, with
            // 0 or 1 in the bool fields.
            let n = unsafe {
                ravel_flatten(
                    tree.root_node().into_raw().tree,
                    links.as_mut_ptr(),
                    nodes.as_mut_ptr(),
                    parents.as_mut_ptr(),
                    starts.as_mut_ptr(),
                    child_fields.as_mut_ptr(),
                    scratch.as_mut_ptr(),
                    cap,
                )
            };
            if n == u32::MAX {
                return Flat::build_with_cursor(tree);
            }
            if n as usize <= capacity {
                // SAFETY: the first `n` elements of each array were written.
                unsafe {
                    links.set_len(n as usize);
                    nodes.set_len(n as usize);
                    parents.set_len(n as usize);
                    starts.set_len(n as usize);
                    child_fields.set_len(n as usize);
                }
                return Flat {
                    links,
                    nodes,
                    parents,
                    starts,
                    child_fields,
                };
            }
            capacity = n as usize;
        }
    }

    /// The same walk with tree-sitter's cursor: the reference `build` is tested against.
    pub fn build_with_cursor(tree: &'t Tree) -> Flat<'t> {
        let count = tree.root_node().descendant_count();
        let mut flat = Flat {
            links: Vec::with_capacity(count),
            nodes: Vec::with_capacity(count),
            parents: Vec::with_capacity(count),
            starts: Vec::with_capacity(count),
            child_fields: Vec::with_capacity(count),
        };
        let mut cursor = tree.walk();
        // The last node seen at each depth: the previous sibling of the next one there.
        let mut last: Vec<u32> = Vec::new();
        let mut depth = 0usize;
        loop {
            let node = cursor.node();
            let i = flat.links.len() as u32;
            let kind = node.kind_id();
            let parent = if depth > 0 { last[depth - 1] } else { NONE };
            let field = cursor.field_id().map_or(0, |f| f.get());
            if field != 0 && parent != NONE {
                flat.child_fields[parent as usize] |= field_bit(field);
            }
            flat.links.push(Link {
                first_child: NONE,
                next_sibling: NONE,
                kind,
                field,
                named: node.is_named(),
                error: kind == ERROR_KIND,
            });
            flat.nodes.push(node);
            flat.parents.push(parent);
            flat.starts.push(node.start_byte() as u32);
            flat.child_fields.push(0);
            if depth == last.len() {
                if depth > 0 {
                    flat.links[parent as usize].first_child = i;
                }
                last.push(i);
            } else {
                flat.links[last[depth] as usize].next_sibling = i;
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
                    return flat;
                }
                depth -= 1;
            }
        }
    }

    /// How many nodes the tree has.
    pub fn len(&self) -> usize {
        self.links.len()
    }

    /// Whether the tree has no nodes (never: a tree has its root).
    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// The links of node `i`.
    #[inline]
    pub fn at(&self, i: u32) -> &Link {
        &self.links[i as usize]
    }

    /// The handle of node `i`.
    #[inline]
    pub fn node(&self, i: u32) -> Node<'t> {
        self.nodes[i as usize]
    }

    /// The fields node `i`'s children are in, as `field_bit`s.
    #[inline]
    pub fn child_fields(&self, i: u32) -> u64 {
        self.child_fields[i as usize]
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
        let from = self.starts.partition_point(|s| *s < at);
        self.starts[from..]
            .iter()
            .take_while(|s| **s == at)
            .zip(&self.nodes[from..])
            .position(|(_, n)| n.id() == node.id())
            .map(|i| (from + i) as u32)
    }

    /// The nodes above `node` with their kinds, innermost first; None when `node` is not in
    /// this tree.
    pub fn parents(&self, node: Node<'t>) -> Option<impl Iterator<Item = (Node<'t>, u16)> + '_> {
        let mut i = self.index_of(node)?;
        Some(std::iter::from_fn(move || {
            i = self.parents[i as usize];
            (i != NONE).then(|| (self.node(i), self.at(i).kind))
        }))
    }

    /// The ancestors of `node` whose kind passes `keep`, innermost first; None when `node` is
    /// not in this tree.
    pub fn enclosing(&self, node: Node<'t>, keep: impl Fn(u16) -> bool) -> Option<Vec<Node<'t>>> {
        Some(
            self.parents(node)?
                .filter(|(_, kind)| keep(*kind))
                .map(|(n, _)| n)
                .collect(),
        )
    }

    /// The path from the root down to `node` (excluded); None when `node` is not in this
    /// tree.
    pub fn ancestors(&self, node: Node<'t>) -> Option<Vec<Node<'t>>> {
        let mut out: Vec<Node<'t>> = self.parents(node)?.map(|(n, _)| n).collect();
        out.reverse();
        Some(out)
    }
}

/// Asserts that `build` gives exactly the entries of tree-sitter's cursor walk.
#[cfg(test)]
pub fn assert_same_as_cursor(tree: &Tree) {
    let ours = Flat::build(tree);
    let reference = Flat::build_with_cursor(tree);
    assert_eq!(ours.len(), reference.len());
    for i in 0..ours.len() {
        let (na, nb) = (ours.nodes[i].into_raw(), reference.nodes[i].into_raw());
        let same = na.context == nb.context
            && na.id == nb.id
            && na.tree == nb.tree
            && ours.links[i] == reference.links[i]
            && ours.parents[i] == reference.parents[i]
            && ours.starts[i] == reference.starts[i]
            && ours.child_fields[i] == reference.child_fields[i];
        assert!(
            same,
            "entry {i} ({} at {}): flattened {:?} (parent {}, start {}, child fields {:x}) vs cursor {:?} (parent {}, start {}, child fields {:x})",
            reference.nodes[i].kind(),
            reference.nodes[i].start_position(),
            ours.links[i],
            ours.parents[i],
            ours.starts[i],
            ours.child_fields[i],
            reference.links[i],
            reference.parents[i],
            reference.starts[i],
            reference.child_fields[i],
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
        assert_eq!(flat.len(), tree.root_node().descendant_count());
        for (i, node) in flat.nodes.iter().enumerate() {
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

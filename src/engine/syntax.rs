//! Kind and field names without tree-sitter's per-call costs: `Node::kind` measures and
//! validates a C string on every call and `child_by_field_name` compares the name against
//! every field of the grammar, which together cost several percent of a check. Each grammar's
//! names are read once into tables indexed by id.

use std::collections::HashMap;
use std::sync::OnceLock;

use tree_sitter::Node;

use crate::language::Language;

/// One grammar's names.
struct Names {
    grammar: tree_sitter::Language,
    /// Kind name by kind id.
    kinds: Vec<&'static str>,
    /// Field id by field name.
    fields: HashMap<&'static str, u16, foldhash::fast::FixedState>,
    /// Per kind id, whether it is one of the language's function kinds.
    function_kinds: Vec<bool>,
}

fn tables() -> &'static [Names] {
    static TABLES: OnceLock<Vec<Names>> = OnceLock::new();
    TABLES.get_or_init(|| {
        Language::ALL
            .iter()
            .map(|lang| {
                let grammar = lang.grammar();
                let kinds = (0..grammar.node_kind_count() as u16)
                    .map(|id| static_name(grammar.node_kind_for_id(id).unwrap_or("")))
                    .collect();
                let fields = (1..=grammar.field_count() as u16)
                    .filter_map(|id| Some((static_name(grammar.field_name_for_id(id)?), id)))
                    .collect();
                let mut function_kinds = vec![false; grammar.node_kind_count()];
                for kind in lang.semantics().function_kinds {
                    let id = grammar.id_for_node_kind(kind, true);
                    if id != 0 {
                        function_kinds[id as usize] = true;
                    }
                }
                Names {
                    grammar,
                    kinds,
                    fields,
                    function_kinds,
                }
            })
            .collect()
    })
}

/// A grammar name kept for the whole process (read once per grammar, a few KB in all).
fn static_name(name: &str) -> &'static str {
    String::leak(name.to_owned())
}

/// Per kind id of `lang`'s grammar, whether it is one of the semantics' function kinds.
pub fn function_kinds(lang: Language) -> &'static [bool] {
    let at = Language::ALL
        .iter()
        .position(|l| *l == lang)
        .expect("every language has a table");
    &tables()[at].function_kinds
}

fn names_of(node: &Node<'_>) -> Option<&'static Names> {
    let grammar = node.language();
    tables().iter().find(|n| n.grammar == *grammar)
}

/// Kind and field names, answered from the tables.
pub trait Syntax<'t> {
    /// The node's kind name (what `Node::kind` returns).
    fn kind_name(&self) -> &'t str;
    /// The first child in field `name` (what `Node::child_by_field_name` returns).
    fn field(&self, name: &str) -> Option<Node<'t>>;
}

impl<'t> Syntax<'t> for Node<'t> {
    #[inline]
    fn kind_name(&self) -> &'t str {
        // ERROR's id (u16::MAX) is past the table: tree-sitter answers it.
        match names_of(self).and_then(|n| n.kinds.get(self.kind_id() as usize)) {
            Some(name) => name,
            None => self.kind(),
        }
    }

    #[inline]
    fn field(&self, name: &str) -> Option<Node<'t>> {
        match names_of(self) {
            Some(names) => self.child_by_field_id(*names.fields.get(name)?),
            None => self.child_by_field_name(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Syntax;
    use crate::language::Language;

    /// Every node's kind and every field child agree with tree-sitter's own answers.
    #[test]
    fn names_agree_with_tree_sitter() {
        let sources = [
            (Language::Python, "def f(x):\n    return x.y(1)\n"),
            (Language::Go, "package p\nfunc f() { go g(); x := <-c }\n"),
            (Language::Tsx, "const a = <div onClick={() => f(1)} />;\n"),
            (
                Language::CSharp,
                "class C { async Task M() { await Task.Delay(1); } }\n",
            ),
        ];
        for (lang, src) in sources {
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(&lang.grammar()).unwrap();
            let tree = parser.parse(src, None).unwrap();
            let grammar = lang.grammar();
            let mut stack = vec![tree.root_node()];
            let mut fields_seen = 0;
            while let Some(node) = stack.pop() {
                assert_eq!(node.kind_name(), node.kind());
                for id in 1..=grammar.field_count() as u16 {
                    let name = grammar.field_name_for_id(id).unwrap();
                    assert_eq!(node.field(name), node.child_by_field_name(name));
                    fields_seen += usize::from(node.field(name).is_some());
                }
                assert_eq!(node.field("no_such_field"), None);
                let mut cursor = node.walk();
                stack.extend(node.children(&mut cursor));
            }
            assert!(fields_seen > 0, "{lang:?}");
        }
    }
}

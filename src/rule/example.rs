//! A rule's bad example, cut from its own fixture so it is tested: the smallest enclosing item
//! (at most a screenful) around the first `expect` line, with the imports it uses.

use std::path::Path;
use std::time::Duration;

use regex::Regex;
use tree_sitter::Node;

use super::Rule;
use super::set::EMBEDDED_FIXTURES;
use crate::fixture::annotations;
use crate::language::Language;

/// Longest example, in lines, before a smaller enclosing item is taken.
const MAX_LINES: usize = 30;

/// Root-level node kinds that import names, per grammar.
const IMPORT_KINDS: &[&str] = &[
    "import_statement",
    "import_from_statement",
    "future_import_statement",
    "import_declaration",
    "use_declaration",
    "using_directive",
];

/// The bad example of an embedded rule: (language of the fixture, code).
pub fn bad_example(rule: &Rule) -> Option<(Language, String)> {
    let prefix = format!("{}/{}.", rule.dir, rule.id);
    EMBEDDED_FIXTURES
        .iter()
        .filter(|(rel, _)| rel.starts_with(&prefix))
        .find_map(|(rel, text)| {
            let lang = Language::from_path(Path::new(rel))?;
            Some((lang, cut(lang, text, &rule.dir, &rule.id)?))
        })
}

/// Cut the example out of one fixture.
pub fn cut(lang: Language, text: &str, dir: &str, id: &str) -> Option<String> {
    let comment = lang.line_comment();
    let ann = annotations(text, comment, dir, id).ok()?;
    let first = *ann.expect.iter().next()?;
    let tree = crate::check::parse(lang, text, Duration::from_secs(5))?;
    let root = tree.root_node();
    let row = first - 1;
    let mut item = root
        .named_children(&mut root.walk())
        .find(|c| c.start_position().row <= row && row <= c.end_position().row)?;
    // Descend while the item is too long to read at a glance.
    while span(item) > MAX_LINES {
        let Some(inner) = item
            .named_children(&mut item.walk())
            .filter(|c| c.start_position().row <= row && row <= c.end_position().row)
            .find(|c| c.byte_range().len() < item.byte_range().len())
        else {
            break;
        };
        item = inner;
    }
    let lines: Vec<&str> = text.lines().collect();
    let strip = Regex::new(&format!(
        r"\s*{}\s*(expect|ok|todo-expect):.*$",
        regex::escape(comment)
    ))
    .expect("valid regex");
    let clean = |from: usize, to: usize| -> Vec<String> {
        let mut out = Vec::new();
        for (i, line) in lines.iter().enumerate().take(to + 1).skip(from) {
            if line.trim_start().starts_with(comment) && strip.is_match(line) {
                continue;
            }
            let mut kept = strip.replace(line, "").into_owned();
            if ann.expect.contains(&(i + 1)) {
                kept.push_str(&format!("  {comment} ravel flags this line"));
            }
            out.push(kept);
        }
        out
    };
    // The enclosing declarations' first lines keep what makes the code wrong in view
    // (`class Worker(Thread):`, `class Job implements Runnable {`).
    let mut enclosing = Vec::new();
    let mut up = item.parent();
    while let Some(a) = up {
        if a.id() == root.id() {
            break;
        }
        if a.start_position().row < item.start_position().row {
            enclosing.push(a);
        }
        up = a.parent();
    }
    enclosing.reverse();
    // A declaration and its body often start (and end) on the same line: keep one of each.
    enclosing.dedup_by_key(|a| a.start_position().row);
    let mut body = Vec::new();
    for a in &enclosing {
        body.push(lines[a.start_position().row].to_string());
    }
    let (start, end) = (item.start_position().row, item.end_position().row);
    // Short declarations before the item that bind a name it uses (`pool = ...`, `hits = 0`).
    let item_text = &text[item.byte_range()];
    let mut context_rows = Vec::new();
    if let Some(parent) = item.parent() {
        for sib in parent.named_children(&mut parent.walk()) {
            if sib.end_position().row >= start
                || span(sib) > 3
                || IMPORT_KINDS.contains(&sib.kind())
                || is_require(sib, text)
                || sib.kind().contains("comment")
                || sib.child_by_field_name("body").is_some()
            {
                continue;
            }
            let sib_text = &text[sib.byte_range()];
            let declared = sib_text.split('=').next().unwrap_or(sib_text);
            if declared_words(declared).any(|w| uses_word(item_text, w)) {
                context_rows.push((sib.start_position().row, sib.end_position().row));
            }
        }
    }
    let mut last = enclosing.last().map(|a| a.start_position().row);
    for (from, to) in context_rows {
        if last.is_some_and(|l| from > l + 1) {
            body.push(format!("{}...", indent_of(lines[from])));
        }
        body.extend(clean(from, to));
        last = Some(to);
    }
    if last.is_some_and(|l| start > l + 1) {
        body.push(format!("{}...", indent_of(lines[start])));
    }
    body.extend(clean(start, end));
    // A declaration and its body (C#'s `class X` and the `{ ... }` on the next line) end on
    // the same line: close it once.
    let mut closed = std::collections::HashSet::new();
    for a in enclosing.iter().rev() {
        let last = lines[a.end_position().row];
        if a.end_position().row > end
            && matches!(last.trim(), "}" | "};" | "end")
            && closed.insert(a.end_position().row)
        {
            if a.end_position().row > end + 1 {
                let unit = if lines[end].starts_with('\t') {
                    "\t"
                } else {
                    "    "
                };
                body.push(format!("{}{unit}...", indent_of(last)));
            }
            body.push(last.to_string());
        }
    }
    let mut parts = Vec::new();
    if item.parent().is_some_and(|p| p.id() == root.id()) {
        // Top-level statements that use the item (`Thread(target=count_hits).start()`).
        if let Some(name) = item
            .child_by_field_name("name")
            .map(|n| &text[n.byte_range()])
        {
            let word = Regex::new(&format!(r"\b{}\b", regex::escape(name))).expect("valid regex");
            for other in root.named_children(&mut root.walk()) {
                if other.id() != item.id()
                    && span(other) <= MAX_LINES
                    && !IMPORT_KINDS.contains(&other.kind())
                    && other.start_position().row > end
                    && word.is_match(&text[other.byte_range()])
                {
                    body.push(String::new());
                    body.extend(clean(other.start_position().row, other.end_position().row));
                    break;
                }
            }
        }
        // Same-file functions the flagged lines call, when short (`def crunch(n): ...`).
        let flagged: String = ann
            .expect
            .iter()
            .filter(|l| **l > start && **l <= end + 1)
            .map(|l| lines[*l - 1])
            .collect::<Vec<_>>()
            .join("\n");
        let mut helpers = Vec::new();
        for f in root.named_children(&mut root.walk()) {
            let name = f.child_by_field_name("name").map(|n| &text[n.byte_range()]);
            if f.id() != item.id()
                && f.child_by_field_name("body").is_some()
                && span(f) <= 12
                && helpers.len() < 2
                && name.is_some_and(|n| uses_word(&flagged, n))
            {
                helpers.extend(clean(f.start_position().row, f.end_position().row));
                helpers.push(String::new());
            }
        }
        if !helpers.is_empty() {
            let indent = indent_of(lines[start]).len();
            helpers
                .iter_mut()
                .for_each(|h| h.insert_str(0, &" ".repeat(indent)));
            body.splice(0..0, helpers);
        }
        let body_text = body.join("\n");
        parts = used_imports(root, text, &body_text);
    }
    let body = dedent(&body);
    let mut out = parts.join("\n");
    if !out.is_empty() {
        out.push_str("\n\n");
    }
    out.push_str(&body);
    Some(out)
}

/// Lower-case words of a declaration's left side that can be names (not keywords).
fn declared_words(declared: &str) -> impl Iterator<Item = &str> {
    const KEYWORDS: &[&str] = &[
        "private",
        "public",
        "protected",
        "internal",
        "final",
        "static",
        "const",
        "let",
        "var",
        "readonly",
        "volatile",
        "mut",
        "pub",
        "int",
        "long",
        "bool",
        "boolean",
        "string",
        "double",
        "float",
        "void",
        "val",
        "new",
        "this",
        "self",
        "await",
        "async",
        "return",
    ];
    declared
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| w.len() >= 2 && w.starts_with(|c: char| c.is_lowercase() || c == '_'))
        .filter(|w| !KEYWORDS.contains(w))
}

fn uses_word(text: &str, word: &str) -> bool {
    Regex::new(&format!(r"\b{}\b", regex::escape(word)))
        .expect("valid regex")
        .is_match(text)
}

fn indent_of(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

fn span(n: Node) -> usize {
    n.end_position().row - n.start_position().row + 1
}

/// Top-level imports that bind a name the example uses.
fn used_imports(root: Node, text: &str, body: &str) -> Vec<String> {
    const NOISE: &[&str] = &[
        "import", "from", "use", "using", "static", "as", "crate", "self", "super", "java",
        "System", "const", "let", "var", "require", "node",
    ];
    let word = Regex::new(r"[A-Za-z_][A-Za-z0-9_]+").expect("valid regex");
    root.named_children(&mut root.walk())
        .filter(|c| IMPORT_KINDS.contains(&c.kind()) || is_require(*c, text))
        .map(|c| &text[c.byte_range()])
        .filter(|imp| {
            word.find_iter(imp)
                .map(|m| m.as_str())
                .filter(|w| !NOISE.contains(w))
                .any(|w| {
                    Regex::new(&format!(r"\b{}\b", regex::escape(w)))
                        .expect("valid regex")
                        .is_match(body)
                })
        })
        .map(str::to_string)
        .collect()
}

/// `const fs = require("fs");` at the top of a JavaScript file.
fn is_require(n: Node, text: &str) -> bool {
    matches!(n.kind(), "lexical_declaration" | "variable_declaration")
        && text[n.byte_range()].contains("require(")
}

fn dedent(lines: &[String]) -> String {
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_is_the_item_around_the_first_expect_with_its_imports() {
        let src = "import time\nimport os\n\n# ok: r\ndef fine():\n    pass\n\n\
async def bad():\n    # expect: r\n    time.sleep(1)\n";
        let got = cut(Language::Python, src, "python", "r").unwrap();
        assert_eq!(
            got,
            "import time\n\nasync def bad():\n    time.sleep(1)  # ravel flags this line"
        );
    }

    #[test]
    fn the_example_keeps_enclosing_declarations_and_uses_of_the_item() {
        let src = "import threading\n\ndef work():\n    global n\n    n += 1  # expect: r\n\n\
threading.Thread(target=work).start()\n";
        let got = cut(Language::Python, src, "python", "r").unwrap();
        assert_eq!(
            got,
            "import threading\n\ndef work():\n    global n\n    n += 1  # ravel flags this line\n\n\
threading.Thread(target=work).start()"
        );
        let mut java = String::from("class Job implements Runnable {\n    int n;\n");
        for i in 0..30 {
            java.push_str(&format!("    void f{i}() {{}}\n"));
        }
        java.push_str("    public void run() {\n        n++; // expect: r\n    }\n}\n");
        let got = cut(Language::Java, &java, "java", "r").unwrap();
        assert_eq!(
            got,
            "class Job implements Runnable {\n    ...\n    public void run() {\n        n++;  // ravel flags this line\n    }\n}"
        );
    }

    #[test]
    fn every_embedded_rule_has_an_example() {
        let rules = crate::rule::set::RuleSet::embedded().unwrap();
        for rule in rules.rules() {
            assert!(bad_example(rule).is_some(), "{}", rule.full_id);
        }
    }
}

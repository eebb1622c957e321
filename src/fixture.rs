//! Fixture annotations (`expect:`, `ok:`, `todo-expect:`) and the check that findings match them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use regex::Regex;

use crate::check::{Limits, Outcome, check_bytes_targeting, parse};
use crate::engine::Engine;
use crate::language::Language;
use crate::rule::set::RuleSet;

/// What a fixture says about its lines.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Annotations {
    /// Lines that must be flagged.
    pub expect: BTreeSet<usize>,
    /// Lines that must stay clean.
    pub ok: BTreeSet<usize>,
    /// Known misses: flagged lines here make the fixture fail ("promote to expect").
    pub todo_expect: BTreeSet<usize>,
    /// `fixture-target-version: <v>`: check the fixture as if its project targeted `v`.
    pub target_version: Option<crate::project::Version>,
}

/// Parse the annotations of `source` that name `rule_id` (bare or full id). An annotation at
/// the end of a line applies to that line; on a line of its own, to the next code line.
/// Annotations naming another rule are errors.
pub fn annotations(
    source: &str,
    comment: &str,
    rule_dir: &str,
    rule_id: &str,
) -> Result<Annotations, String> {
    let re = Regex::new(&format!(
        r"{}\s*(expect|ok|todo-expect):\s*([A-Za-z0-9/_-]+(?:\s*,\s*[A-Za-z0-9/_-]+)*)",
        regex::escape(comment)
    ))
    .expect("valid regex");
    let full = format!("{rule_dir}/{rule_id}");
    let lines: Vec<&str> = source.lines().collect();
    let mut out = Annotations::default();
    let version_re = Regex::new(&format!(
        r"{}\s*fixture-target-version:\s*(\S+)",
        regex::escape(comment)
    ))
    .expect("valid regex");
    for (i, line) in lines.iter().enumerate() {
        if let Some(c) = version_re.captures(line) {
            out.target_version = Some(
                crate::project::Version::parse(&c[1])
                    .ok_or_else(|| format!("line {}: `{}` is not a version", i + 1, &c[1]))?,
            );
            continue;
        }
        let Some(c) = re.captures(line) else { continue };
        for id in c[2].split(',').map(str::trim) {
            if id != rule_id && id != full {
                return Err(format!(
                    "line {}: annotation names `{id}`, but this fixture tests `{full}`",
                    i + 1
                ));
            }
        }
        let own_line = line.trim_start().starts_with(comment);
        let target = if own_line {
            let next = (i + 1..lines.len()).find(|j| {
                let t = lines[*j].trim();
                !t.is_empty() && !t.starts_with(comment)
            });
            match next {
                Some(j) => j + 1,
                None => {
                    return Err(format!(
                        "line {}: annotation with no code line after it",
                        i + 1
                    ));
                }
            }
        } else {
            i + 1
        };
        let set = match &c[1] {
            "expect" => &mut out.expect,
            "ok" => &mut out.ok,
            _ => &mut out.todo_expect,
        };
        set.insert(target);
    }
    Ok(out)
}

/// The result of checking one fixture.
#[derive(Debug)]
pub struct FixtureResult {
    /// The rule's full id.
    pub rule: String,
    /// Numbers of expect and ok annotations.
    pub counts: (usize, usize),
    /// Problems; empty when the fixture passes.
    pub problems: Vec<String>,
}

/// Check one fixture file against the rule its path names (`<dir>/<rule-id>.<ext>`).
pub fn check_fixture(rules: &RuleSet, path: &Path) -> FixtureResult {
    let dir = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|s| s.to_str())
        .unwrap_or("");
    let name = path.file_name().and_then(|s| s.to_str()).unwrap_or("");
    let stem = name.split('.').next().unwrap_or("");
    let full = format!("{dir}/{stem}");
    let mut result = FixtureResult {
        rule: full.clone(),
        counts: (0, 0),
        problems: Vec::new(),
    };
    let shown = path.display().to_string();
    let Some(lang) = Language::from_path(path) else {
        result.problems.push(format!("{shown}: unknown language"));
        return result;
    };
    if !lang.rule_dirs().contains(&dir) {
        result.problems.push(format!(
            "{shown}: {} files cannot test rules of `{dir}`",
            lang.name()
        ));
        return result;
    }
    let Some(only) = rules.only(&full) else {
        result.problems.push(format!(
            "{shown}: no rule `{full}` (expected rules/{full}.toml)"
        ));
        return result;
    };
    let source = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            result.problems.push(format!("{shown}: {e}"));
            return result;
        }
    };
    let ann = match annotations(&source, lang.line_comment(), dir, stem) {
        Ok(a) => a,
        Err(e) => {
            result.problems.push(format!("{shown}: {e}"));
            return result;
        }
    };
    result.counts = (ann.expect.len(), ann.ok.len());
    let engine = Engine::new(only);
    // One parse serves the syntax check and the rule run; the tree is walked again only to
    // point at the first error when there is one.
    let got: BTreeMap<usize, String> = match check_bytes_targeting(
        &engine,
        path,
        lang,
        source.into_bytes(),
        &Limits::default(),
        ann.target_version,
    ) {
        Outcome::Checked {
            diagnostics,
            syntax_errors,
            source,
            ..
        } => {
            if syntax_errors {
                let line = parse(lang, &source, Limits::default().parse_timeout)
                    .map_or(0, |t| first_error_line(&t));
                result.problems.push(format!(
                    "{shown}:{line}: the fixture does not parse cleanly"
                ));
            }
            diagnostics
                .into_iter()
                .map(|d| (d.line, d.message))
                .collect()
        }
        other => {
            result
                .problems
                .push(format!("{shown}: not checked: {other:?}"));
            return result;
        }
    };
    for line in &ann.expect {
        if !got.contains_key(line) {
            result
                .problems
                .push(format!("{shown}:{line}: expected `{full}`, got nothing"));
        }
    }
    for (line, message) in &got {
        if ann.todo_expect.contains(line) {
            result.problems.push(format!(
                "{shown}:{line}: todo-expect now fires ({message}); promote it to expect"
            ));
        } else if !ann.expect.contains(line) {
            let what = if ann.ok.contains(line) {
                "marked ok"
            } else {
                "not expected"
            };
            result
                .problems
                .push(format!("{shown}:{line}: {what}, got `{full}`: {message}"));
        }
    }
    result
}

fn first_error_line(tree: &tree_sitter::Tree) -> usize {
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            return node.start_position().row + 1;
        }
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_apply_to_their_line_or_the_next() {
        let src = "a()  # expect: r\n# ok: python/r\n\nb()\nc()  # todo-expect: r\n";
        let a = annotations(src, "#", "python", "r").unwrap();
        assert_eq!(a.expect, [1].into());
        assert_eq!(a.ok, [4].into());
        assert_eq!(a.todo_expect, [5].into());
    }

    #[test]
    fn fixtures_can_set_a_target_version() {
        let a = annotations("// fixture-target-version: 1.21\nf()\n", "//", "go", "r").unwrap();
        assert_eq!(a.target_version, crate::project::Version::parse("1.21"));
    }

    #[test]
    fn annotations_for_other_rules_are_errors() {
        assert!(annotations("a()  # expect: other", "#", "python", "r").is_err());
    }
}

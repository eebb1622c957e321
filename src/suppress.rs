//! Inline suppressions: `ravel: ignore[rule, ...]` in a comment at the end of a line or on its
//! own line just before it, and `ravel: ignore-file[rule, ...]`, each with an optional reason
//! after `--`. Suppressions that name no known rule, or that suppress nothing, are reported.

use std::ops::Range;
use std::path::Path;

use regex::Regex;
use tree_sitter::{Node, Tree};

use crate::diagnostic::{Diagnostic, Severity};
use crate::language::Language;
use crate::report::position::Lines;
use crate::rule::Rule;

/// Rule id of the finding for a suppression that suppressed nothing.
pub const UNUSED: &str = "ravel/unused-suppression";
/// Rule id of the finding for a suppression naming no rule ravel knows.
pub const UNKNOWN: &str = "ravel/unknown-suppression";

/// One `ravel: ignore[...]` comment.
#[derive(Debug)]
struct Suppression {
    /// The rule names as written.
    names: Vec<String>,
    /// The line it applies to (1-based), or None for `ignore-file`.
    line: Option<usize>,
    /// Where the comment is, for reporting it.
    range: Range<usize>,
    /// Which names suppressed something.
    used: Vec<bool>,
    /// Written without rule names (`ravel: ignore`, `ignore[]`): it suppresses nothing.
    nameless: bool,
}

/// A cheap test before any work: can `source` hold a suppression at all?
pub fn may_have_suppressions(source: &str) -> bool {
    source.contains("ravel:")
}

/// Every suppression comment of a file.
fn collect(tree: &Tree, source: &str) -> Vec<Suppression> {
    if !may_have_suppressions(source) {
        return Vec::new();
    }
    let re = Regex::new(r"ravel:\s*(ignore-file|ignore)\b(?:\[([^\]]*)\])?").expect("valid regex");
    let mut out = Vec::new();
    let mut stack = vec![tree.root_node()];
    while let Some(n) = stack.pop() {
        if n.kind().contains("comment") {
            let text = &source[n.byte_range()];
            for c in re.captures_iter(text) {
                let names: Vec<String> = c
                    .get(2)
                    .map_or("", |m| m.as_str())
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                let line = (&c[1] == "ignore").then(|| target_line(source, n));
                out.push(Suppression {
                    used: vec![false; names.len()],
                    nameless: names.is_empty(),
                    names,
                    line,
                    range: n.byte_range(),
                });
            }
            continue;
        }
        let mut cursor = n.walk();
        stack.extend(n.children(&mut cursor));
    }
    out.sort_by_key(|s| s.range.start);
    out
}

/// The line a comment applies to: its own, or, when it stands alone on its line, the next line
/// that holds code (blank and comment-only lines are skipped).
fn target_line(source: &str, comment: Node) -> usize {
    let start = comment.start_byte();
    let line_start = source[..start].rfind('\n').map_or(0, |p| p + 1);
    let own = comment.start_position().row + 1;
    let end = comment.end_byte();
    let line_end = source[end..].find('\n').map_or(source.len(), |p| end + p);
    // Code before the comment (`x += 1  # ravel: ...`) or after it on the same line
    // (`/* ravel: ... */ x += 1`): the comment is about its own line.
    if !source[line_start..start].trim().is_empty() || !source[end..line_end].trim().is_empty() {
        return own;
    }
    let after = comment.end_position().row + 1;
    for (i, line) in source.lines().enumerate().skip(after) {
        let t = line.trim();
        if !t.is_empty() && !t.starts_with("//") && !t.starts_with('#') && !t.starts_with("/*") {
            return i + 1;
        }
    }
    own
}

/// Does `name` (full or bare id) name `rule`?
fn names(name: &str, rule: &str) -> bool {
    name == rule || rule.rsplit('/').next() == Some(name)
}

/// Drop suppressed findings and add findings for unknown and unused suppressions.
/// `known` are the rules that apply to the file's language; `ran` those that ran on the file
/// (a suppression of a rule that did not run, say for the project's version, is not unused).
pub fn apply(
    tree: &Tree,
    source: &str,
    path: &Path,
    lang: Language,
    diagnostics: Vec<Diagnostic>,
    known: &[&Rule],
    ran: &[&Rule],
) -> Vec<Diagnostic> {
    let mut sups = collect(tree, source);
    if sups.is_empty() {
        return diagnostics;
    }
    let mut kept = Vec::new();
    for d in diagnostics {
        let mut suppressed = false;
        // A finding spanning several lines may be suppressed at the end of any of them.
        let last_line = d.line
            + source[d.range.start..d.range.end.min(source.len())]
                .matches('\n')
                .count();
        for s in &mut sups {
            if s.line.is_some_and(|l| l < d.line || l > last_line) {
                continue;
            }
            for (i, name) in s.names.iter().enumerate() {
                if names(name, &d.rule) {
                    s.used[i] = true;
                    suppressed = true;
                }
            }
        }
        if !suppressed {
            kept.push(d);
        }
    }
    let comment = lang.line_comment();
    // Indexed only if a suppression finding needs a position.
    let lines = std::cell::OnceCell::new();
    // A finding about the suppression comment itself; `help` is its title, a newline, code.
    let finding = |s: &Suppression, rule: &str, message: String, help: String| {
        let p = lines
            .get_or_init(|| Lines::new(source))
            .position(s.range.start);
        let (line, column) = (p.line, p.column);
        let (help_title, help) = help
            .split_once('\n')
            .map_or((help.clone(), String::new()), |(t, c)| {
                (t.to_string(), c.to_string())
            });
        Diagnostic {
            rule: rule.to_string(),
            pattern: String::new(),
            severity: Severity::Warning,
            path: path.to_path_buf(),
            range: s.range.clone(),
            line,
            column,
            message,
            labels: Vec::new(),
            help,
            help_title,
            guide_section: String::new(),
        }
    };
    for s in &sups {
        if s.nameless {
            kept.push(finding(
                s,
                UNKNOWN,
                "this suppression names no rule, so it suppresses nothing".to_string(),
                format!(
                    "name the rules it is for, by full or bare id:\n{comment} ravel: ignore[<rule-id>] -- reason"
                ),
            ));
            continue;
        }
        for (i, name) in s.names.iter().enumerate() {
            let is_known = known.iter().any(|r| names(name, &r.full_id));
            let did_run = ran.iter().any(|r| names(name, &r.full_id));
            if !is_known {
                kept.push(finding(
                    s,
                    UNKNOWN,
                    format!("`{name}` in this suppression is not a {} rule", lang.name()),
                    format!(
                        "name a rule `ravel rules` lists, by full or bare id:\n{comment} ravel: ignore[<rule-id>] -- reason"
                    ),
                ));
            } else if did_run && !s.used[i] {
                let place = if s.line.is_some() {
                    " on its line"
                } else {
                    " in this file"
                };
                kept.push(finding(
                    s,
                    UNUSED,
                    format!("this suppression of `{name}` suppresses nothing{place}"),
                    "remove it; the code it was written for has changed".to_string(),
                ));
            }
        }
    }
    kept
}

//! `ravel dump-tree`: a syntax tree with field names, anonymous tokens and leaf text.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use crate::check::{decode, parse};
use crate::language::Language;

/// Render a tree as indented lines: `field: kind "text"`; anonymous tokens are quoted.
pub fn dump(lang: Language, source: &str) -> Option<String> {
    let tree = parse(lang, source, Duration::from_secs(30))?;
    let mut out = String::new();
    let mut cursor = tree.walk();
    let mut depth = 0usize;
    loop {
        let node = cursor.node();
        let field = cursor
            .field_name()
            .map(|f| format!("{f}: "))
            .unwrap_or_default();
        let pos = node.start_position();
        if node.is_named() {
            let leaf = if node.child_count() == 0 {
                format!(" {:?}", &source[node.byte_range()])
            } else {
                String::new()
            };
            let flag = if node.is_error() {
                " ERROR"
            } else if node.is_missing() {
                " MISSING"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "{:indent$}{field}{}{flag} [{}:{}]{leaf}",
                "",
                node.kind(),
                pos.row + 1,
                pos.column + 1,
                indent = depth * 2
            );
        } else {
            let _ = writeln!(
                out,
                "{:indent$}{field}{:?}",
                "",
                node.kind(),
                indent = depth * 2
            );
        }
        if cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return Some(out);
            }
            depth -= 1;
        }
    }
}

/// Dump a file from disk to stdout.
pub fn dump_file(path: &Path) -> Result<(), String> {
    let lang =
        Language::from_path(path).ok_or_else(|| format!("{}: unknown language", path.display()))?;
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (source, _) = decode(bytes).ok_or_else(|| format!("{}: binary file", path.display()))?;
    let text = dump(lang, &source).ok_or("parse timed out")?;
    print!("{text}");
    Ok(())
}

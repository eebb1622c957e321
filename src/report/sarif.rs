//! `--output-format sarif` and `--sarif-output`: SARIF 2.1.0 for code scanning (GitHub, Azure
//! DevOps) and SARIF viewers in editors. One run for all languages; columns in UTF-16 units.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::position::Lines;
use crate::diagnostic::Severity;
use crate::explain::{pattern_title, rule_markdown, rule_text};
use crate::language::Language;
use crate::paths::{relative_uri, srcroot_uri};
use crate::run::RunResult;
use crate::suppress::{UNKNOWN, UNUSED};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// `python/unlocked-shared-counter` → `UnlockedSharedCounter`.
fn pascal(id: &str) -> String {
    id.rsplit('/')
        .next()
        .unwrap_or(id)
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

fn location(path: &std::path::Path) -> Value {
    let (uri, relative) = relative_uri(path);
    if relative {
        json!({ "uri": uri, "uriBaseId": "%SRCROOT%" })
    } else {
        json!({ "uri": uri })
    }
}

fn region(lines: &Lines, range: &std::ops::Range<usize>) -> Value {
    let (s, e) = (lines.position(range.start), lines.position(range.end));
    json!({
        "startLine": s.line,
        "startColumn": s.utf16_column,
        "endLine": e.line,
        "endColumn": e.utf16_column,
    })
}

/// The SARIF log of a run.
pub fn log(result: &RunResult) -> Value {
    let mut ids: Vec<String> = Vec::new();
    let mut rules: Vec<Value> = Vec::new();
    for r in result.rules.rules() {
        let mut tags = vec!["concurrency".to_string()];
        for l in Language::for_rule_dir(&r.dir) {
            let id = l.id().to_string();
            if !tags.contains(&id) {
                tags.push(id);
            }
        }
        tags.push(r.pattern.clone());
        let help = rule_markdown(r);
        ids.push(r.full_id.clone());
        rules.push(json!({
            "id": r.full_id,
            "name": pascal(&r.full_id),
            "shortDescription": { "text": r.summary },
            "fullDescription": { "text": r.guide.why },
            "help": { "text": rule_text(r), "markdown": help },
            "defaultConfiguration": { "level": level(r.severity) },
            "properties": {
                "tags": tags,
                "pattern": r.pattern,
                "patternTitle": pattern_title(&r.pattern),
                "guideSection": r.guide.section,
            },
        }));
    }
    for (id, short, full) in [
        (
            UNUSED,
            "A `ravel: ignore[...]` comment that suppresses nothing.",
            "The code the suppression was written for has changed or gone; remove the comment so it cannot hide a future finding.",
        ),
        (
            UNKNOWN,
            "A `ravel: ignore[...]` comment naming no rule of the file's language.",
            "A misspelt rule in a suppression suppresses nothing; name a rule `ravel rules` lists.",
        ),
    ] {
        ids.push(id.to_string());
        rules.push(json!({
            "id": id,
            "name": pascal(id),
            "shortDescription": { "text": short },
            "fullDescription": { "text": full },
            "help": { "text": full, "markdown": full },
            "defaultConfiguration": { "level": "warning" },
            "properties": { "tags": ["concurrency", "suppression"] },
        }));
    }
    let mut results = Vec::new();
    for f in &result.files {
        let lines = Lines::new(&f.source);
        for d in &f.diagnostics {
            let related: Vec<Value> = d
                .labels
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    json!({
                        "id": i,
                        "message": { "text": l.message },
                        "physicalLocation": {
                            "artifactLocation": location(&f.path),
                            "region": region(&lines, &l.range),
                        },
                    })
                })
                .collect();
            let mut r = json!({
                "ruleId": d.rule,
                "level": level(d.severity),
                "message": { "text": d.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": location(&f.path),
                        "region": region(&lines, &d.range),
                    },
                }],
            });
            if let Some(i) = ids.iter().position(|id| *id == d.rule) {
                r["ruleIndex"] = json!(i);
            }
            if !related.is_empty() {
                r["relatedLocations"] = json!(related);
            }
            results.push(r);
        }
    }
    let notifications: Vec<Value> = result
        .notifications
        .iter()
        .map(|n| {
            let mut v = json!({
                "level": level(n.level),
                "message": { "text": n.message },
            });
            if !n.path.as_os_str().is_empty() {
                v["locations"] =
                    json!([{ "physicalLocation": { "artifactLocation": location(&n.path) } }]);
            }
            v
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "ravel",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": rules,
                },
            },
            "invocations": [{
                "executionSuccessful": !result.failed,
                "toolExecutionNotifications": notifications,
            }],
            "originalUriBaseIds": { "%SRCROOT%": { "uri": srcroot_uri() } },
            "columnKind": "utf16CodeUnits",
            "results": results,
        }],
    })
}

/// Write the SARIF log of `result`.
pub fn emit(out: &mut dyn Write, result: &RunResult) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(result)).map_err(io::Error::other)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(
            pascal("python/unlocked-shared-counter"),
            "UnlockedSharedCounter"
        );
    }
}

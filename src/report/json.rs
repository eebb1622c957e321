//! `--output-format json`: a stable, documented array with one object per finding (see
//! README, *JSON output*).

use std::io::{self, Write};

use serde_json::{Value, json};

use super::position::Lines;
use crate::run::FileReport;

fn span(lines: &Lines, range: &std::ops::Range<usize>) -> (Value, Value) {
    let (s, e) = (lines.position(range.start), lines.position(range.end));
    (
        json!({ "line": s.line, "column": s.column }),
        json!({ "line": e.line, "column": e.column }),
    )
}

/// The findings of `files` as JSON values, one at a time (a file with a million findings is
/// written without holding them all as values).
fn findings(files: &[FileReport]) -> impl Iterator<Item = Value> + '_ {
    files.iter().flat_map(|f| {
        let lines = Lines::new(&f.source);
        f.diagnostics.iter().map(move |d| {
            let (start, end) = span(&lines, &d.range);
            let labels: Vec<Value> = d
                .labels
                .iter()
                .map(|l| {
                    let (s, e) = span(&lines, &l.range);
                    json!({ "message": l.message, "start": s, "end": e })
                })
                .collect();
            json!({
                "rule": d.rule,
                "language": f.language.id(),
                "severity": d.severity.as_str(),
                "pattern": d.pattern,
                "path": f.path.to_string_lossy(),
                "start": start,
                "end": end,
                "message": d.message,
                "labels": labels,
                "help": { "title": d.help_title, "code": d.help },
                "guide_section": d.guide_section,
            })
        })
    })
}

/// Write the findings of `files` as a pretty-printed JSON array.
pub fn emit(out: &mut dyn Write, files: &[FileReport]) -> io::Result<()> {
    use serde::Serializer;
    let mut serializer = serde_json::Serializer::pretty(&mut *out);
    serializer
        .collect_seq(findings(files))
        .map_err(io::Error::other)?;
    writeln!(out)
}

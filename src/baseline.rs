//! Baselines: `--write-baseline FILE` records today's findings; `--baseline FILE` then reports
//! only findings that are not in it. A finding is matched on its rule, its file (relative to
//! the project root) and a fingerprint of its code, not its line number, so it survives lines
//! being added or removed above it.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::paths::relative_uri;

/// The baseline format version written and read.
const FORMAT: u32 = 1;

/// One recorded finding.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    /// Full rule id.
    pub rule: String,
    /// Path relative to the project root, `/`-separated.
    pub path: String,
    /// Hash of the finding's code (see `fingerprint`).
    pub fingerprint: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

/// A loaded baseline: how many times each (rule, path, fingerprint) was recorded.
#[derive(Debug, Default)]
pub struct Baseline {
    counts: HashMap<Entry, usize>,
}

/// FNV-1a, 64 bits: stable across platforms and releases, unlike std's hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The code of a finding with whitespace collapsed: the flagged line and the flagged text.
pub fn fingerprint(d: &Diagnostic, source: &str) -> String {
    let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = source.lines().nth(d.line.saturating_sub(1)).unwrap_or("");
    let flagged: String = source
        .get(d.range.clone())
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    let key = format!("{}\0{}\0{}", d.rule, collapse(line), collapse(&flagged));
    format!("{:016x}", fnv1a(key.as_bytes()))
}

fn entry(d: &Diagnostic, source: &str) -> Entry {
    Entry {
        rule: d.rule.clone(),
        path: relative_uri(&d.path).0,
        fingerprint: fingerprint(d, source),
    }
}

impl Baseline {
    /// Read a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read baseline: {e}", path.display()))?;
        let file: BaselineFile = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a ravel baseline: {e}", path.display()))?;
        if file.version != FORMAT {
            return Err(format!(
                "{}: baseline format {} is not supported (expected {FORMAT})",
                path.display(),
                file.version
            ));
        }
        let mut counts = HashMap::new();
        for e in file.findings {
            *counts.entry(e).or_default() += 1;
        }
        Ok(Baseline { counts })
    }

    /// The findings of one file that the baseline does not account for.
    pub fn filter(
        &self,
        _path: &Path,
        source: &str,
        diagnostics: Vec<Diagnostic>,
    ) -> Vec<Diagnostic> {
        let mut left: HashMap<Entry, usize> = HashMap::new();
        diagnostics
            .into_iter()
            .filter(|d| {
                let e = entry(d, source);
                let recorded = self.counts.get(&e).copied().unwrap_or(0);
                let used = left.entry(e).or_default();
                if *used < recorded {
                    *used += 1;
                    false
                } else {
                    true
                }
            })
            .collect()
    }
}

/// Write the findings of `files` ((source, diagnostics) pairs) as a baseline.
pub fn write<'a>(
    path: &Path,
    files: impl IntoIterator<Item = (&'a str, &'a [Diagnostic])>,
) -> Result<usize, String> {
    let mut findings: Vec<Entry> = files
        .into_iter()
        .flat_map(|(source, ds)| ds.iter().map(move |d| entry(d, source)))
        .collect();
    findings.sort();
    let n = findings.len();
    let file = BaselineFile {
        version: FORMAT,
        findings,
    };
    let text = serde_json::to_string_pretty(&file).expect("baseline serializes") + "\n";
    std::fs::write(path, text)
        .map_err(|e| format!("{}: cannot write baseline: {e}", path.display()))?;
    Ok(n)
}

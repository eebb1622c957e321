//! The run summary: files checked, skipped by reason, findings by severity.

use std::collections::BTreeMap;

use crate::diagnostic::Severity;

/// Counts for the last line of a run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Files parsed and checked.
    pub checked: usize,
    /// Files skipped, by reason.
    pub skipped: BTreeMap<String, usize>,
    /// Files checked whose invalid UTF-8 was replaced.
    pub lossy: usize,
    /// Files checked despite syntax errors.
    pub syntax_errors: usize,
    /// Files whose rule matching was cut short (too deep, or over the time limit).
    pub cut_short: usize,
    /// Findings by severity.
    pub findings: BTreeMap<Severity, usize>,
}

impl Summary {
    /// Total findings.
    pub fn total(&self) -> usize {
        self.findings.values().sum()
    }

    /// One line: `checked 12 files (skipped 1: 1 binary); 3 findings: 2 errors, 1 warning`.
    pub fn render(&self) -> String {
        let plural = |n: usize, word: &str| {
            if n == 1 {
                format!("{n} {word}")
            } else {
                format!("{n} {word}s")
            }
        };
        let mut s = format!("checked {}", plural(self.checked, "file"));
        let mut notes = Vec::new();
        let skipped: usize = self.skipped.values().sum();
        if skipped > 0 {
            let reasons: Vec<String> = self
                .skipped
                .iter()
                .map(|(r, n)| format!("{n} {r}"))
                .collect();
            notes.push(format!("skipped {skipped}: {}", reasons.join(", ")));
        }
        if self.syntax_errors > 0 {
            notes.push(format!("{} with syntax errors", self.syntax_errors));
        }
        if self.cut_short > 0 {
            notes.push(format!("{} cut short", self.cut_short));
        }
        if self.lossy > 0 {
            notes.push(format!("{} with invalid UTF-8 replaced", self.lossy));
        }
        if !notes.is_empty() {
            s.push_str(&format!(" ({})", notes.join("; ")));
        }
        let total = self.total();
        if total == 0 {
            s.push_str("; no findings");
        } else {
            let parts: Vec<String> = self
                .findings
                .iter()
                .map(|(sev, n)| plural(*n, sev.as_str()))
                .collect();
            s.push_str(&format!(
                "; {}: {}",
                plural(total, "finding"),
                parts.join(", ")
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts() {
        let mut s = Summary {
            checked: 3,
            ..Default::default()
        };
        assert_eq!(s.render(), "checked 3 files; no findings");
        s.skipped.insert("binary".into(), 1);
        s.findings.insert(Severity::Error, 2);
        s.findings.insert(Severity::Warning, 1);
        assert_eq!(
            s.render(),
            "checked 3 files (skipped 1: 1 binary); 3 findings: 2 errors, 1 warning"
        );
    }
}

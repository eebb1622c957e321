//! The one Diagnostic type every reporter consumes.

use std::ops::Range;
use std::path::PathBuf;

use serde::Deserialize;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Almost certainly a bug or a serious performance problem.
    Error,
    /// Likely a problem; worth a look.
    Warning,
    /// Advice.
    Info,
}

impl Severity {
    /// Lower-case name, as written in rule files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A secondary location: the context that makes the primary one wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Byte range in the file.
    pub range: Range<usize>,
    /// What this place is ("inside this async function").
    pub message: String,
}

/// One finding of one rule in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Full rule id, `<rule-dir>/<rule-id>`.
    pub rule: String,
    /// The guide pattern slug the rule enforces.
    pub pattern: String,
    /// Severity.
    pub severity: Severity,
    /// The file, as given or found by the walk.
    pub path: PathBuf,
    /// Primary byte range.
    pub range: Range<usize>,
    /// 1-based line and column (in characters) of the range start.
    pub line: usize,
    /// 1-based column, counted in Unicode scalar values.
    pub column: usize,
    /// One-line message.
    pub message: String,
    /// Secondary labels.
    pub labels: Vec<Label>,
    /// The correct pattern in this language, as code.
    pub help: String,
    /// A short sentence introducing the help code.
    pub help_title: String,
    /// The guide section the rule cites.
    pub guide_section: String,
}

impl Diagnostic {
    /// The key that orders output deterministically.
    pub fn sort_key(&self) -> (&PathBuf, usize, usize, &str, &str) {
        (
            &self.path,
            self.range.start,
            self.range.end,
            &self.rule,
            &self.message,
        )
    }
}

//! `RuleFile`: the serde mirror of a rule's TOML file, checked field by field.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::diagnostic::Severity;

/// A rule file exactly as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Kebab-case id; must equal the file stem.
    pub id: String,
    /// Guide pattern slug.
    pub pattern: String,
    /// error, warning or info.
    pub severity: Severity,
    /// Message template.
    pub message: String,
    /// One sentence: what the rule finds (for `ravel rules`, `ravel explain` and the docs).
    pub summary: Option<String>,
    /// Tree-sitter query; `@match` marks the primary range.
    pub query: String,
    /// Constraints per capture: `[where.<capture>]` tables of constraint words.
    #[serde(default, rename = "where")]
    pub where_: BTreeMap<String, toml::Table>,
    /// Extra secondary labels per capture.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The guide block.
    pub guide: GuideFile,
    /// Skip projects whose build files target an older version (`"21"` for Java 21).
    #[serde(rename = "min-version")]
    pub min_version: Option<String>,
    /// Skip projects whose build files target a newer version (`"1.21"` for Go before 1.22).
    #[serde(rename = "max-version")]
    pub max_version: Option<String>,
    /// What to do when no build file names a version: `run` (the default) or `skip`.
    #[serde(rename = "unknown-version")]
    pub unknown_version: Option<UnknownVersion>,
}

/// What a version-bounded rule does when the target version is unknown.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownVersion {
    /// Run the rule (the default).
    #[default]
    Run,
    /// Skip the rule: it is only right for known versions.
    Skip,
}

/// The `[guide]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuideFile {
    /// Section cited.
    pub section: String,
    /// Why it matters.
    pub why: String,
    /// One line introducing the correct pattern.
    pub help: String,
    /// Correct pattern as code.
    pub correct: String,
    /// Version the fix needs.
    pub since: Option<String>,
    /// Advice for targets older than `since`.
    pub older: Option<OlderAdvice>,
}

/// `[guide.older]`: the help and correct code for targets older than `since`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OlderAdvice {
    /// One line introducing the correct pattern.
    pub help: String,
    /// Correct pattern as code.
    pub correct: String,
}

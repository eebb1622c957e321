//! Rules: the TOML file format, its validation, and the embedded rule set.

pub mod compile;
pub mod example;
pub mod file;
pub mod set;

use crate::diagnostic::Severity;
use crate::engine::constraint::Constraint;

/// The guide's anti-pattern families a rule can enforce: (slug, title).
pub const PATTERNS: &[(&str, &str)] = &[
    ("blocking-the-event-loop", "Blocking the event loop"),
    ("pooled-virtual-threads", "Pooling Java virtual threads"),
    ("threads-for-cpu-bound-work", "Threads for CPU-bound work"),
    (
        "shared-mutable-state",
        "Shared mutable state without synchronization",
    ),
    (
        "fire-and-forget",
        "Fire-and-forget, unstructured concurrency",
    ),
    (
        "sequential-awaits",
        "Awaiting independent work one at a time",
    ),
    ("unbounded-fan-out", "Unbounded fan-out"),
    ("primitive-misuse", "Misused concurrency primitives"),
];

/// The guide's top-level sections a rule may cite.
pub const GUIDE_SECTIONS: &[&str] = &[
    "Quick Reference",
    "Decision Tree",
    "Step-by-Step Guide",
    "Code Examples",
    "Anti-Patterns",
    "Version History & Compatibility",
    "When to Use / When Not to Use",
];

/// What the guide says about a rule's pattern.
#[derive(Clone, Debug)]
pub struct Guide {
    /// The guide section cited, e.g. `Anti-Patterns: Blocking the event loop`.
    pub section: String,
    /// Why it matters, in one or two sentences.
    pub why: String,
    /// One line introducing the correct pattern.
    pub help: String,
    /// The correct pattern in this language, as code.
    pub correct: String,
    /// Version from which the correct pattern is available, if it matters.
    pub since: Option<crate::project::Version>,
    /// Help and correct code for targets older than `since`.
    pub older: Option<file::OlderAdvice>,
}

impl Rule {
    /// The help line and correct code for a project targeting `target` (None: unknown).
    /// Targets older than `[guide] since` get the `[guide.older]` advice when the rule has
    /// one; when the target is unknown the help says which version the advice needs.
    pub fn advice(&self, target: Option<crate::project::Version>) -> (String, String) {
        let guide = &self.guide;
        let Some(since) = guide.since else {
            return (guide.help.clone(), guide.correct.clone());
        };
        // A rule that only runs where the advice is available needs no caveat.
        if self.min_version.is_some_and(|m| m >= since) {
            return (guide.help.clone(), guide.correct.clone());
        }
        match (target, &guide.older) {
            (Some(t), Some(older)) if t < since => (older.help.clone(), older.correct.clone()),
            (Some(t), _) if t >= since => (guide.help.clone(), guide.correct.clone()),
            _ => {
                let needs = format!("(needs {} {since} or later)", version_name(&self.dir));
                let help = match guide.help.strip_suffix(':') {
                    Some(h) => format!("{h} {needs}:"),
                    None => format!("{} {needs}", guide.help),
                };
                (help, guide.correct.clone())
            }
        }
    }
}

/// What a rule directory's versions count: `Python 3.11`, `Node.js 18`, `.NET 6.0`.
pub fn version_name(dir: &str) -> &'static str {
    match dir {
        "python" => "Python",
        "javascript" | "typescript" => "Node.js",
        "java" => "Java",
        "go" => "Go",
        "rust" => "Rust",
        "csharp" => ".NET",
        _ => "version",
    }
}

/// Constraints on one capture, by its index in the rule's own capture list.
#[derive(Clone, Debug)]
pub struct CaptureConstraints {
    /// The capture name as written in the query (without `@`).
    pub capture: String,
    /// Its constraints, all of which must hold.
    pub constraints: Vec<Constraint>,
}

/// A compiled, validated rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Directory under rules/ (`python`, `javascript`, ...).
    pub dir: String,
    /// Bare id, kebab-case, equal to the file stem.
    pub id: String,
    /// `<dir>/<id>`.
    pub full_id: String,
    /// Guide pattern slug.
    pub pattern: String,
    /// Severity.
    pub severity: Severity,
    /// Message template; `{capture}` is replaced by the capture's text.
    pub message: String,
    /// What the rule finds, in one sentence.
    pub summary: String,
    /// The tree-sitter query text.
    pub query: String,
    /// Constraints per capture.
    pub constraints: Vec<CaptureConstraints>,
    /// Extra secondary labels: capture → message.
    pub labels: Vec<(String, String)>,
    /// Guide block.
    pub guide: Guide,
    /// The rule runs only on projects whose detected target version is at least this.
    pub min_version: Option<crate::project::Version>,
    /// The rule runs only on projects whose detected target version is at most this.
    pub max_version: Option<crate::project::Version>,
    /// Whether the rule runs when the target version is unknown.
    pub unknown_version: file::UnknownVersion,
    /// Where the rule came from (for error messages).
    pub origin: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Version;

    #[test]
    fn advice_follows_the_target_version() {
        let guide = Guide {
            section: "s".into(),
            why: "w".into(),
            help: "use a TaskGroup".into(),
            correct: "tg".into(),
            since: Version::parse("3.11"),
            older: Some(file::OlderAdvice {
                help: "use gather".into(),
                correct: "gather".into(),
            }),
        };
        let rule = crate::rule::compile::compile(
            "t",
            "python/t.toml",
            "id = \"t\"\npattern = \"fire-and-forget\"\nseverity = \"error\"\nmessage = \"m\"\n\
             query = \"(call) @match\"\n[guide]\nsection = \"Quick Reference\"\nwhy = \"w\"\n\
             help = \"h\"\ncorrect = \"c\"\n",
        )
        .unwrap();
        let rule = Rule { guide, ..rule };
        let at = |v: &str| rule.advice(Version::parse(v));
        assert_eq!(at("3.12"), ("use a TaskGroup".into(), "tg".into()));
        assert_eq!(at("3.8"), ("use gather".into(), "gather".into()));
        assert_eq!(
            rule.advice(None),
            (
                "use a TaskGroup (needs Python 3.11 or later)".into(),
                "tg".into()
            )
        );
    }
}

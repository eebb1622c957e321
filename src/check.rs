//! One file in, diagnostics out: read, decode, parse once, run the language's rules.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tree_sitter::{ParseOptions, ParseState, Parser, Tree};

use crate::diagnostic::Diagnostic;
use crate::engine::context::FileRole;
use crate::engine::{Engine, FileInfo, Finding};
use crate::language::Language;
use crate::report::position::{Lines, Position};

/// Why a file was not checked.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// It holds NUL bytes.
    Binary,
    /// It is larger than the size limit.
    TooLarge,
    /// It could not be read.
    Unreadable,
    /// Parsing took longer than the limit.
    ParseTimeout,
    /// Checking it panicked: a bug in ravel, reported as an internal error.
    InternalError,
}

impl SkipReason {
    /// Short name used in the summary.
    pub fn as_str(&self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::TooLarge => "too large",
            SkipReason::Unreadable => "unreadable",
            SkipReason::ParseTimeout => "parse timeout",
            SkipReason::InternalError => "internal error",
        }
    }
}

/// Limits that keep one file from dominating a run.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Files larger than this many bytes are skipped.
    pub max_file_size: u64,
    /// Parsing one file may take at most this long.
    pub parse_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: 4 * 1024 * 1024,
            parse_timeout: Duration::from_secs(10),
        }
    }
}

/// What happened to one file.
#[derive(Debug)]
pub enum Outcome {
    /// Parsed and checked.
    Checked {
        /// The decoded source (needed to render diagnostics).
        source: String,
        /// Findings.
        diagnostics: Vec<Diagnostic>,
        /// Invalid UTF-8 bytes were replaced by `?`.
        lossy: bool,
        /// The tree has syntax errors (rules still ran on the rest).
        syntax_errors: bool,
        /// It nests so deeply that rule matching was cut short (findings may be missing).
        match_limit_exceeded: bool,
    },
    /// Not checked, with a reason and a detail for the user.
    Skipped(SkipReason, String),
    /// The rules of this language failed to load (a bad user rule).
    RuleError(String),
}

/// Check one file from disk; `version` (when given) overrides the detected target version.
pub fn check_path(
    engine: &Engine,
    path: &Path,
    lang: Language,
    limits: &Limits,
    version: Option<crate::project::Version>,
) -> Outcome {
    let bytes = match std::fs::metadata(path) {
        Ok(m) if m.len() > limits.max_file_size => {
            return Outcome::Skipped(
                SkipReason::TooLarge,
                format!(
                    "{} bytes, over the limit of {}",
                    m.len(),
                    limits.max_file_size
                ),
            );
        }
        Ok(_) => match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => return Outcome::Skipped(SkipReason::Unreadable, e.to_string()),
        },
        Err(e) => return Outcome::Skipped(SkipReason::Unreadable, e.to_string()),
    };
    // Lets the tests prove that a panic in one file is caught (debug builds only).
    #[cfg(debug_assertions)]
    if let Some(name) = std::env::var_os("RAVEL_DEBUG_PANIC_ON")
        && path.file_name() == Some(name.as_os_str())
    {
        panic!("RAVEL_DEBUG_PANIC_ON names this file");
    }
    check_bytes_targeting(engine, path, lang, bytes, limits, version)
}

/// Run `check` for one file, turning a panic into an internal-error outcome so the other
/// files are still checked.
pub fn catching_panics(check: impl FnOnce() -> Outcome) -> Outcome {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)) {
        Ok(outcome) => outcome,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Outcome::Skipped(
                SkipReason::InternalError,
                format!("ravel panicked while checking this file ({message}); please report it"),
            )
        }
    }
}

/// Check one file's bytes as if read from `path`.
pub fn check_bytes(
    engine: &Engine,
    path: &Path,
    lang: Language,
    bytes: Vec<u8>,
    limits: &Limits,
) -> Outcome {
    check_bytes_targeting(engine, path, lang, bytes, limits, None)
}

/// Check one file's bytes as if read from `path`, with `version` (when given) as the target
/// version instead of the one its build files name.
pub fn check_bytes_targeting(
    engine: &Engine,
    path: &Path,
    lang: Language,
    bytes: Vec<u8>,
    limits: &Limits,
    version: Option<crate::project::Version>,
) -> Outcome {
    if bytes.len() as u64 > limits.max_file_size {
        return Outcome::Skipped(
            SkipReason::TooLarge,
            format!(
                "{} bytes, over the limit of {}",
                bytes.len(),
                limits.max_file_size
            ),
        );
    }
    let (source, lossy) = match decode(bytes) {
        Some(d) => d,
        None => return Outcome::Skipped(SkipReason::Binary, "contains NUL bytes".into()),
    };
    let query = match engine.language(lang) {
        Ok(q) => q,
        Err(e) => return Outcome::RuleError(e.to_string()),
    };
    let Some(tree) = parse(lang, &source, limits.parse_timeout) else {
        return Outcome::Skipped(
            SkipReason::ParseTimeout,
            format!("parsing took over {:?}", limits.parse_timeout),
        );
    };
    let file = FileInfo {
        role: FileRole::of(path, &source),
        target_version: version
            .or_else(|| crate::project::file_version(lang, &source))
            .or_else(|| engine.projects.target_version(lang, path)),
        deadline: Some(Instant::now() + limits.parse_timeout),
    };
    let (findings, match_limit_exceeded) = query.run(&tree, source.as_bytes(), &file);
    let mut diagnostics = if findings.is_empty() {
        Vec::new()
    } else {
        let lines = Lines::new(&source);
        findings
            .into_iter()
            .map(|f| to_diagnostic(f, path, &lines, file.target_version))
            .collect()
    };
    if crate::suppress::may_have_suppressions(&source) {
        let known = engine.rules().for_language(lang);
        let known: Vec<&crate::rule::Rule> = known.iter().map(|r| r.as_ref()).collect();
        let ran: Vec<&crate::rule::Rule> = known
            .iter()
            .copied()
            .filter(|r| file.version_allows(r))
            .collect();
        diagnostics = crate::suppress::apply(&tree, &source, path, lang, diagnostics, &known, &ran);
    }
    Outcome::Checked {
        match_limit_exceeded,
        syntax_errors: tree.root_node().has_error(),
        source,
        diagnostics,
        lossy,
    }
}

/// Bytes to text: None for binary; UTF-16 with a BOM is transcoded; invalid UTF-8 bytes
/// become `?` one for one, so byte offsets stay those of the file.
pub fn decode(bytes: Vec<u8>) -> Option<(String, bool)> {
    if let Some(utf16) = utf16(&bytes) {
        return Some((utf16, false));
    }
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return None;
    }
    match String::from_utf8(bytes) {
        Ok(s) => Some((s, false)),
        Err(e) => {
            let bytes = e.into_bytes();
            let mut out = String::with_capacity(bytes.len());
            for chunk in bytes.utf8_chunks() {
                out.push_str(chunk.valid());
                out.extend(std::iter::repeat_n('?', chunk.invalid().len()));
            }
            Some((out, true))
        }
    }
}

fn utf16(bytes: &[u8]) -> Option<String> {
    let le = bytes.starts_with(&[0xFF, 0xFE]);
    let be = bytes.starts_with(&[0xFE, 0xFF]);
    if !le && !be {
        return None;
    }
    let units: Vec<u16> = bytes[2..]
        .chunks_exact(2)
        .map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        })
        .collect();
    Some(String::from_utf16_lossy(&units))
}

thread_local! {
    static PARSERS: RefCell<HashMap<Language, Parser>> = RefCell::new(HashMap::new());
}

/// Parse with this thread's parser for `lang`; None if the time limit ran out.
pub fn parse(lang: Language, source: &str, timeout: Duration) -> Option<Tree> {
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let parser = parsers.entry(lang).or_insert_with(|| {
            let mut p = Parser::new();
            p.set_language(&lang.grammar())
                .expect("grammar ABI is checked by tests");
            p
        });
        let deadline = Instant::now() + timeout;
        let mut progress = |_: &ParseState| {
            if Instant::now() > deadline {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let bytes = source.as_bytes();
        let tree = parser.parse_with_options(
            &mut |i, _| if i < bytes.len() { &bytes[i..] } else { &[] },
            None,
            Some(ParseOptions::new().progress_callback(&mut progress)),
        );
        if tree.is_none() {
            // A cancelled parse must be reset, or the next parse resumes it.
            parser.reset();
        }
        tree
    })
}

fn to_diagnostic(
    f: Finding,
    path: &Path,
    lines: &Lines,
    target: Option<crate::project::Version>,
) -> Diagnostic {
    let Position { line, column, .. } = lines.position(f.range.start);
    let (help_title, help) = f.rule.advice(target);
    Diagnostic {
        rule: f.rule.full_id.clone(),
        pattern: f.rule.pattern.clone(),
        severity: f.rule.severity,
        path: PathBuf::from(path),
        range: f.range,
        line,
        column,
        message: f.message,
        labels: f.labels,
        help,
        help_title,
        guide_section: f.rule.guide.section.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_keeps_offsets() {
        let (s, lossy) = decode(b"a\xffb".to_vec()).unwrap();
        assert_eq!(s, "a?b");
        assert!(lossy);
    }

    #[test]
    fn nul_bytes_mean_binary() {
        assert!(decode(b"abc\0def".to_vec()).is_none());
    }

    #[test]
    fn utf16_is_transcoded() {
        let bytes = [0xFF, 0xFE, b'x', 0, b'=', 0, b'1', 0];
        assert_eq!(decode(bytes.to_vec()).unwrap().0, "x=1");
    }

    #[test]
    fn columns_count_characters() {
        let lines = Lines::new("é = 1\nab");
        let at = |o| {
            let p = lines.position(o);
            (p.line, p.column)
        };
        assert_eq!(at(7), (2, 1));
        assert_eq!(at(3), (1, 3));
    }
}

//! One run of `ravel check`: find the files and their configurations, check them in parallel,
//! apply selections, severities and the baseline, and collect everything reporters need.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::baseline::Baseline;
use crate::check::{
    Limits, Outcome, SkipReason, catching_panics, check_bytes_targeting, check_path,
};
use crate::config::{Config, Configs, Overrides, Subject};
use crate::diagnostic::{Diagnostic, Severity};
use crate::discover::{WalkProblem, discover_with};
use crate::engine::Engine;
use crate::language::Language;
use crate::report::summary::Summary;
use crate::rule::PATTERNS;
use crate::rule::set::RuleSet;

/// What to check and how.
#[derive(Default)]
pub struct Options {
    /// Files and folders.
    pub paths: Vec<PathBuf>,
    /// `--rules` directories.
    pub rule_dirs: Vec<PathBuf>,
    /// Worker threads (None: all cores).
    pub threads: Option<usize>,
    /// Size and time limits.
    pub limits: Limits,
    /// `--select`, `--ignore`, `--extend-select`.
    pub overrides: Overrides,
    /// `--config FILE`: use this configuration everywhere instead of discovering them.
    pub config: Option<PathBuf>,
    /// Apply excludes to files named explicitly too.
    pub force_exclude: bool,
    /// `--stdin-filename`: check these bytes as if read from this path.
    pub stdin: Option<(PathBuf, Vec<u8>)>,
    /// Report only findings not in this baseline.
    pub baseline: Option<Baseline>,
    /// Show a progress bar on stderr once the run takes over a second.
    pub progress: bool,
}

/// One checked file and its findings.
#[derive(Debug)]
pub struct FileReport {
    /// The path as given or found.
    pub path: PathBuf,
    /// Its language.
    pub language: Language,
    /// Its decoded text.
    pub source: String,
    /// Findings, sorted.
    pub diagnostics: Vec<Diagnostic>,
}

/// Something about a file that is not a finding: it could not be read, parsed or checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// The file or path concerned.
    pub path: PathBuf,
    /// `Error` for missing paths and internal errors, `Warning` for skipped files.
    pub level: Severity,
    /// What happened.
    pub message: String,
}

/// Everything a run produced.
pub struct RunResult {
    /// Checked files, in path order.
    pub files: Vec<FileReport>,
    /// Problems with inputs, in path order.
    pub notifications: Vec<Notification>,
    /// Counts.
    pub summary: Summary,
    /// The rules that were loaded.
    pub rules: RuleSet,
    /// A path argument was missing or a file could not be checked because of an error.
    pub failed: bool,
}

/// Run a check. Errors that stop the run (a bad configuration or rule file) come back as Err.
pub fn run(opts: Options) -> Result<RunResult, String> {
    let fixed = match &opts.config {
        Some(p) => Some(
            Config::load(p)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("{}: has no [tool.ravel] table", p.display()))?,
        ),
        None => None,
    };
    let configs = Arc::new(Configs::new(fixed));
    let mut found = match &opts.stdin {
        Some((path, _)) => {
            let mut d = crate::discover::Discovery::default();
            let excluded = opts.force_exclude && configs.for_file(path).excludes(path);
            match Language::from_path(path) {
                _ if excluded => d.problems.push(WalkProblem::Excluded(path.clone())),
                Some(language) => d.jobs.push(crate::discover::FileJob {
                    path: path.clone(),
                    language,
                }),
                None => d.problems.push(WalkProblem::UnknownLanguage(path.clone())),
            }
            d
        }
        None => {
            let c = configs.clone();
            let excluded = move |p: &Path, explicit: bool| {
                let config = c.for_dir(p.parent().unwrap_or(Path::new(".")));
                if explicit {
                    config.excludes(p)
                } else {
                    config.excludes_entry(p)
                }
            };
            discover_with(&opts.paths, Arc::new(excluded), opts.force_exclude)
        }
    };
    // Each file's configuration, found once.
    let file_configs: Vec<Arc<Config>> = found
        .jobs
        .iter()
        .map(|j| configs.for_file(&j.path))
        .collect();
    if let Some(e) = configs.errors().first() {
        return Err(e.to_string());
    }

    let mut rules = RuleSet::embedded().map_err(|e| e.to_string())?;
    for dir in &opts.rule_dirs {
        rules.add_dir(dir).map_err(|e| e.to_string())?;
    }
    // Rules from a configuration's own directories apply only to the files it governs.
    let mut owner: HashMap<String, PathBuf> = HashMap::new();
    for config in configs.loaded() {
        for dir in config.rule_dirs() {
            let before: Vec<String> = rules.rules().iter().map(|r| r.full_id.clone()).collect();
            rules.add_dir(&dir).map_err(|e| {
                format!(
                    "{}: `rules`: {e}",
                    config
                        .path
                        .as_ref()
                        .map_or(String::new(), |p| p.display().to_string())
                )
            })?;
            for r in rules.rules() {
                if !before.contains(&r.full_id)
                    && let Some(p) = &config.path
                {
                    owner.insert(r.full_id.clone(), p.clone());
                }
            }
        }
    }
    let known = |sel: &str| {
        rules
            .rules()
            .iter()
            .any(|r| r.full_id == sel || r.id == sel || r.dir == sel)
            || PATTERNS.iter().any(|(p, _)| *p == sel)
            || Language::ALL
                .iter()
                .any(|l| sel.eq_ignore_ascii_case(l.id()) || sel.eq_ignore_ascii_case(l.name()))
            || [crate::suppress::UNUSED, crate::suppress::UNKNOWN]
                .iter()
                .any(|id| sel == *id || id.strip_prefix("ravel/") == Some(sel))
            || sel == "ravel"
    };
    for config in configs.loaded() {
        config.validate(&known).map_err(|e| e.to_string())?;
    }
    for sel in opts
        .overrides
        .select
        .iter()
        .flatten()
        .chain(opts.overrides.ignore.iter().flatten())
        .chain(&opts.overrides.extend_select)
    {
        if !known(sel) {
            return Err(format!(
                "`{sel}` is not a rule, guide pattern or language (see `ravel rules`)"
            ));
        }
    }

    let engine = Engine::new(rules);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.unwrap_or(0))
        .stack_size(16 * 1024 * 1024)
        .build()
        .map_err(|e| e.to_string())?;
    let stdin = opts.stdin.as_ref().map(|(_, b)| b);
    let progress = crate::report::progress::Progress::new(opts.progress, found.jobs.len());
    // Panics are caught per file and reported; the default hook would also print them.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcomes: Vec<Outcome> = pool.install(|| {
        found
            .jobs
            .par_iter()
            .zip(&file_configs)
            .map(|(job, config)| {
                let version = config.target_version(job.language);
                let outcome = catching_panics(|| match stdin {
                    Some(bytes) => check_bytes_targeting(
                        &engine,
                        &job.path,
                        job.language,
                        bytes.clone(),
                        &opts.limits,
                        version,
                    ),
                    None => check_path(&engine, &job.path, job.language, &opts.limits, version),
                });
                progress.tick();
                // Only files with findings keep their text (to render them): memory stays
                // flat in the size of the corpus.
                let mut outcome = outcome;
                if let Outcome::Checked {
                    source,
                    diagnostics,
                    ..
                } = &mut outcome
                    && diagnostics.is_empty()
                {
                    *source = String::new();
                }
                outcome
            })
            .collect()
    });
    std::panic::set_hook(default_hook);
    progress.finish();

    let mut summary = Summary::default();
    let mut notifications = Vec::new();
    let mut failed = false;
    for problem in std::mem::take(&mut found.problems) {
        let (path, level, message, reason) = match problem {
            WalkProblem::Missing(p) => {
                failed = true;
                (
                    p,
                    Severity::Error,
                    "no such file or directory".to_string(),
                    None,
                )
            }
            WalkProblem::UnknownLanguage(p) => (
                p,
                Severity::Warning,
                "not a file of a supported language; skipped".to_string(),
                Some("unsupported language"),
            ),
            WalkProblem::Excluded(p) => (
                p,
                Severity::Warning,
                "excluded by the configuration; skipped".to_string(),
                Some("excluded"),
            ),
            // Worded like a file that could not be read when checked.
            WalkProblem::Error(path, e) => (
                path.unwrap_or_default(),
                Severity::Warning,
                format!("skipped (unreadable): {e}"),
                Some("unreadable"),
            ),
        };
        if let Some(r) = reason {
            *summary.skipped.entry(r.to_string()).or_default() += 1;
        }
        notifications.push(Notification {
            path,
            level,
            message,
        });
    }
    let mut files = Vec::new();
    for ((job, outcome), config) in found.jobs.into_iter().zip(outcomes).zip(&file_configs) {
        match outcome {
            Outcome::Checked {
                source,
                diagnostics,
                lossy,
                syntax_errors,
                match_limit_exceeded,
            } => {
                summary.checked += 1;
                summary.lossy += usize::from(lossy);
                summary.syntax_errors += usize::from(syntax_errors);
                if syntax_errors {
                    notifications.push(Notification {
                        path: job.path.clone(),
                        level: Severity::Warning,
                        message: "syntax errors; rules ran on the parts that parsed".into(),
                    });
                }
                if match_limit_exceeded {
                    summary.cut_short += 1;
                    notifications.push(Notification {
                        path: job.path.clone(),
                        level: Severity::Warning,
                        message: format!(
                            "rule matching was cut short (nested too deeply, or over the {:?} time limit); findings may be missing",
                            opts.limits.parse_timeout
                        ),
                    });
                }
                if lossy {
                    notifications.push(Notification {
                        path: job.path.clone(),
                        level: Severity::Warning,
                        message: "invalid UTF-8 bytes were replaced by `?`".into(),
                    });
                }
                let mut diagnostics: Vec<Diagnostic> = diagnostics
                    .into_iter()
                    .filter_map(|mut d| {
                        let pattern = d.pattern.clone();
                        let subject = Subject {
                            full_id: &d.rule,
                            pattern: &pattern,
                            lang: job.language,
                        };
                        if !config.selects(&opts.overrides, subject, &job.path) {
                            return None;
                        }
                        if let Some(p) = owner.get(&d.rule)
                            && config.path.as_ref() != Some(p)
                        {
                            return None;
                        }
                        if let Some(s) = config.severity(subject) {
                            d.severity = s;
                        }
                        Some(d)
                    })
                    .collect();
                diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
                files.push(FileReport {
                    path: job.path,
                    language: job.language,
                    source,
                    diagnostics,
                });
            }
            Outcome::Skipped(reason, detail) => {
                let level = if reason == SkipReason::InternalError {
                    failed = true;
                    Severity::Error
                } else {
                    Severity::Warning
                };
                *summary
                    .skipped
                    .entry(reason.as_str().to_string())
                    .or_default() += 1;
                notifications.push(Notification {
                    path: job.path,
                    level,
                    message: format!("skipped ({}): {detail}", reason.as_str()),
                });
            }
            Outcome::RuleError(e) => return Err(e),
        }
    }
    if let Some(baseline) = &opts.baseline {
        for f in &mut files {
            let path = f.path.clone();
            let source = std::mem::take(&mut f.source);
            f.diagnostics = baseline.filter(&path, &source, std::mem::take(&mut f.diagnostics));
            f.source = source;
        }
    }
    for f in &files {
        for d in &f.diagnostics {
            *summary.findings.entry(d.severity).or_default() += 1;
        }
    }
    Ok(RunResult {
        files,
        notifications,
        summary,
        rules: engine.rules().clone(),
        failed,
    })
}

//! Find the files to check: walk paths respecting ignore files, pick each file's language.

use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

use crate::language::Language;

/// Folders that hold third-party or generated code, skipped by the walk.
pub const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    "target",
    ".venv",
    "venv",
    "vendor",
    "dist",
    "build",
];

/// One file to check.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileJob {
    /// Its path, as given or as found under a given directory.
    pub path: PathBuf,
    /// Its language.
    pub language: Language,
}

/// A path that could not be walked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WalkProblem {
    /// A path argument that does not exist.
    Missing(PathBuf),
    /// A path named explicitly whose extension ravel does not know.
    UnknownLanguage(PathBuf),
    /// An error while walking (permissions, symlink loops, broken links): the path when
    /// known, and the error.
    Error(Option<PathBuf>, String),
    /// A path named explicitly but excluded by the configuration (`--force-exclude`).
    Excluded(PathBuf),
}

/// The files found and the problems met.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Files to check, sorted by path.
    pub jobs: Vec<FileJob>,
    /// Problems, in the order met.
    pub problems: Vec<WalkProblem>,
}

/// Walk `paths`. Files named explicitly are always checked; directories are walked with
/// .gitignore, .ignore and hidden files respected and `SKIPPED_DIRS` left out.
pub fn discover(paths: &[PathBuf]) -> Discovery {
    let default = |p: &Path, _explicit: bool| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| SKIPPED_DIRS.contains(&n))
    };
    discover_with(paths, std::sync::Arc::new(default), false)
}

/// Decides what the walk leaves out: `(path, named_explicitly) -> excluded`.
pub type Exclusion = std::sync::Arc<dyn Fn(&Path, bool) -> bool + Send + Sync>;

/// Walk `paths`, leaving out entries `excluded(path, false)` names (folders are pruned whole).
/// Paths named explicitly are checked unless `force_exclude` and `excluded(path, true)`.
pub fn discover_with(paths: &[PathBuf], excluded: Exclusion, force_exclude: bool) -> Discovery {
    let mut out = Discovery::default();
    for path in paths {
        if !path.exists() && path.symlink_metadata().is_err() {
            out.problems.push(WalkProblem::Missing(path.clone()));
            continue;
        }
        if force_exclude && excluded(path, true) {
            out.problems.push(WalkProblem::Excluded(path.clone()));
            continue;
        }
        if !path.is_dir() {
            match Language::from_path(path) {
                Some(language) => out.jobs.push(FileJob {
                    path: path.clone(),
                    language,
                }),
                None => out
                    .problems
                    .push(WalkProblem::UnknownLanguage(path.clone())),
            }
            continue;
        }
        let walker = WalkBuilder::new(path)
            .filter_entry({
                let excluded = excluded.clone();
                move |e| e.depth() == 0 || !excluded(e.path(), false)
            })
            .build();
        for entry in walker {
            match entry {
                Ok(e) => {
                    let Some(language) = Language::from_path(e.path()) else {
                        continue;
                    };
                    let Some(kind) = e.file_type() else { continue };
                    // Symbolic links to files are checked; broken ones are reported. Links
                    // to folders are not followed (no loops).
                    let is_file = kind.is_file()
                        || (kind.is_symlink()
                            && match std::fs::metadata(e.path()) {
                                Ok(m) => m.is_file(),
                                Err(err) => {
                                    out.problems.push(WalkProblem::Error(
                                        Some(clean(e.path())),
                                        err.to_string(),
                                    ));
                                    false
                                }
                            });
                    if is_file {
                        out.jobs.push(FileJob {
                            path: clean(e.path()),
                            language,
                        });
                    }
                }
                Err(err) => out.problems.push(WalkProblem::Error(None, err.to_string())),
            }
        }
    }
    out.jobs.sort();
    out.jobs.dedup();
    out
}

/// Drop a leading `./` so paths print as users expect.
fn clean(path: &Path) -> PathBuf {
    path.strip_prefix("./")
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

//! Configuration: `ravel.toml`, `.ravel.toml`, or `[tool.ravel]` in `pyproject.toml`. The
//! nearest one upward from each checked file applies, alone; in one directory `ravel.toml`
//! wins over `.ravel.toml`, which wins over `pyproject.toml`. Command-line flags override it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::diagnostic::Severity;
use crate::discover::SKIPPED_DIRS;
use crate::language::Language;
use crate::project::Version;

/// The file names searched in each directory, in order of precedence.
pub const CONFIG_FILES: &[&str] = &["ravel.toml", ".ravel.toml", "pyproject.toml"];

/// The keys of a configuration, exactly as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    /// Rules to run (default: all). Full id, bare id, guide pattern or language.
    pub select: Option<Vec<String>>,
    /// Rules not to run.
    pub ignore: Option<Vec<String>>,
    /// Rules to run in addition to `select`.
    pub extend_select: Option<Vec<String>>,
    /// Glob (relative to the configuration's directory) → rules not to run on matching files.
    pub per_file_ignores: Option<BTreeMap<String, Vec<String>>>,
    /// Globs of paths not to check; replaces the default list (node_modules, target, ...).
    pub exclude: Option<Vec<String>>,
    /// Globs of paths not to check, in addition to `exclude`.
    pub extend_exclude: Option<Vec<String>>,
    /// Selector → severity.
    pub severity: Option<BTreeMap<String, Severity>>,
    /// Extra rule directories, relative to the configuration's directory.
    pub rules: Option<Vec<PathBuf>>,
    /// Language → target version, overriding what build files say.
    pub target_version: Option<BTreeMap<String, String>>,
}

/// A configuration that cannot be used: its file, where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Selections given on the command line; each replaces the configuration's key.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--select`.
    pub select: Option<Vec<String>>,
    /// `--ignore`.
    pub ignore: Option<Vec<String>>,
    /// `--extend-select` (added to the configuration's).
    pub extend_select: Vec<String>,
}

/// A loaded configuration (or the defaults, with no file).
#[derive(Debug)]
pub struct Config {
    /// The file, when there is one.
    pub path: Option<PathBuf>,
    /// The directory globs and rule directories are relative to.
    pub root: PathBuf,
    /// The keys as written.
    pub file: ConfigFile,
    /// Source text, to point at lines in errors.
    text: String,
    exclude: GlobSet,
    per_file: Vec<(GlobSet, Vec<String>)>,
    targets: HashMap<&'static str, Version>,
}

/// What a selector can be matched against: a rule (or a ravel/* meta finding) and the file.
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    /// Full id, `python/unlocked-shared-counter`.
    pub full_id: &'a str,
    /// Guide pattern slug ("" for meta findings).
    pub pattern: &'a str,
    /// The checked file's language.
    pub lang: Language,
}

impl Subject<'_> {
    fn matched_by(&self, sel: &str) -> bool {
        let (dir, bare) = self.full_id.split_once('/').unwrap_or(("", self.full_id));
        sel == self.full_id
            || sel == bare
            || (!self.pattern.is_empty() && sel == self.pattern)
            || sel == dir
            || sel.eq_ignore_ascii_case(self.lang.id())
            || sel.eq_ignore_ascii_case(self.lang.name())
    }

    /// How specific a matching selector is (for severity overrides): full id wins.
    fn specificity(&self, sel: &str) -> u8 {
        let bare = self.full_id.rsplit('/').next().unwrap_or("");
        if sel == self.full_id {
            3
        } else if sel == bare {
            2
        } else if sel == self.pattern {
            1
        } else {
            0
        }
    }
}

/// Glob semantics: patterns are relative to the configuration's directory; a pattern without
/// `/` matches a file or folder name at any depth.
fn globs(root_key: &str, patterns: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let p = p.trim_start_matches("./").trim_end_matches('/');
        let full = if p.contains('/') {
            p.to_string()
        } else {
            format!("**/{p}")
        };
        b.add(Glob::new(&full).map_err(|e| format!("`{root_key}`: bad glob `{p}`: {e}"))?);
    }
    b.build().map_err(|e| format!("`{root_key}`: {e}"))
}

impl Config {
    /// The defaults: every rule, the standard excludes, detected versions.
    pub fn defaults(root: &Path) -> Config {
        Config::build(None, root, ConfigFile::default(), String::new()).expect("defaults are valid")
    }

    fn build(
        path: Option<PathBuf>,
        root: &Path,
        file: ConfigFile,
        text: String,
    ) -> Result<Config, ConfigError> {
        let shown = path
            .as_ref()
            .map_or("defaults".to_string(), |p| p.display().to_string());
        let err =
            |key: &str, m: String| ConfigError(format!("{shown}:{}: {m}", line_of(&text, key)));
        let mut exclude: Vec<String> = match &file.exclude {
            Some(list) => list.clone(),
            None => SKIPPED_DIRS.iter().map(|s| s.to_string()).collect(),
        };
        exclude.extend(file.extend_exclude.iter().flatten().cloned());
        let exclude = globs("exclude", &exclude).map_err(|m| err("exclude", m))?;
        let mut per_file = Vec::new();
        for (glob, rules) in file.per_file_ignores.iter().flatten() {
            let set =
                globs("per-file-ignores", std::slice::from_ref(glob)).map_err(|m| err(glob, m))?;
            per_file.push((set, rules.clone()));
        }
        let mut targets = HashMap::new();
        for (lang, v) in file.target_version.iter().flatten() {
            let family = match lang.to_ascii_lowercase().as_str() {
                "python" => "python",
                "javascript" | "typescript" | "node" => "javascript",
                "java" => "java",
                "go" => "go",
                "rust" => "rust",
                "csharp" | "c#" | "dotnet" => "csharp",
                _ => {
                    return Err(err(
                        lang,
                        format!(
                            "`target-version.{lang}`: unknown language (python, javascript, java, go, rust, csharp)"
                        ),
                    ));
                }
            };
            let version = Version::parse(v).ok_or_else(|| {
                err(
                    lang,
                    format!("`target-version.{lang}`: `{v}` is not a version"),
                )
            })?;
            targets.insert(family, version);
        }
        Ok(Config {
            path,
            root: root.to_path_buf(),
            file,
            text,
            exclude,
            per_file,
            targets,
        })
    }

    /// Load the configuration in `path` (for pyproject.toml, its `[tool.ravel]` table;
    /// None when it has none).
    pub fn load(path: &Path) -> Result<Option<Config>, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("{}: cannot read: {e}", path.display())))?;
        let root = path.parent().unwrap_or(Path::new("."));
        let located = |e: toml::de::Error| {
            let start = e.span().map_or(0, |s| s.start.min(text.len()));
            let line = text[..start].matches('\n').count() + 1;
            // Name the key when the message does not (`unknown variant`, `invalid type`): the
            // key that line assigns, inside its table.
            let message = e.message().trim_end();
            let line_text = text.lines().nth(line - 1).unwrap_or("");
            let key = line_text
                .split_once('=')
                .map(|(k, _)| k.trim().trim_matches('"').to_string())
                .filter(|k| !k.is_empty() && !message.contains(&format!("`{k}`")));
            let table = text[..start]
                .lines()
                .rev()
                .find(|l| l.trim_start().starts_with('['))
                .map(|l| l.trim().trim_matches(['[', ']']).to_string());
            let key = match (key, table) {
                (Some(k), Some(t)) => format!("`{t}.{k}`: "),
                (Some(k), None) => format!("`{k}`: "),
                _ => String::new(),
            };
            ConfigError(format!("{}:{line}: {key}{message}", path.display()))
        };
        let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
        let file: ConfigFile = if is_pyproject {
            let doc: toml::Table = toml::from_str(&text).map_err(located)?;
            let Some(table) = doc.get("tool").and_then(|t| t.get("ravel")) else {
                return Ok(None);
            };
            // Re-parse the table alone would lose line numbers; deserialize the value and
            // locate errors by key instead.
            table.clone().try_into().map_err(|e: toml::de::Error| {
                let key = e
                    .message()
                    .split('`')
                    .nth(1)
                    .unwrap_or("tool.ravel")
                    .to_string();
                ConfigError(format!(
                    "{}:{}: [tool.ravel]: {}",
                    path.display(),
                    line_of(&text, &key),
                    e.message().trim_end()
                ))
            })?
        } else {
            toml::from_str(&text).map_err(located)?
        };
        Config::build(Some(path.to_path_buf()), root, file, text).map(Some)
    }

    /// Is `path` (a file or folder under `root`) itself excluded? The walk asks this of each
    /// entry, so folders named on the command line are walked even when excluded.
    pub fn excludes_entry(&self, path: &Path) -> bool {
        self.exclude.is_match(self.relative(path))
    }

    /// Is `path` or a folder above it (up to the root) excluded? For files named explicitly
    /// under `--force-exclude`.
    pub fn excludes(&self, path: &Path) -> bool {
        self.relative(path)
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .any(|a| self.exclude.is_match(a))
    }

    /// `path` relative to the configuration's folder (as given when it is outside).
    fn relative(&self, path: &Path) -> PathBuf {
        let (path_abs, root_abs) = (
            crate::paths::absolute(path),
            crate::paths::absolute(&self.root),
        );
        match path_abs.strip_prefix(&root_abs) {
            Ok(rel) => rel.to_path_buf(),
            Err(_) => path.to_path_buf(),
        }
    }

    /// Does the configuration (with command-line overrides) select `subject` for `path`?
    pub fn selects(&self, o: &Overrides, subject: Subject, path: &Path) -> bool {
        let any = |list: &[String]| list.iter().any(|s| subject.matched_by(s));
        let select = o.select.as_ref().or(self.file.select.as_ref());
        let mut on = select.is_none_or(|s| any(s));
        if any(&o.extend_select) || self.file.extend_select.as_ref().is_some_and(|s| any(s)) {
            on = true;
        }
        let ignore = o.ignore.as_ref().or(self.file.ignore.as_ref());
        if ignore.is_some_and(|s| any(s)) {
            on = false;
        }
        if on && !self.per_file.is_empty() {
            let rel = self.relative(path);
            if self
                .per_file
                .iter()
                .any(|(g, rules)| g.is_match(&rel) && any(rules))
            {
                on = false;
            }
        }
        on
    }

    /// The severity set for `subject`, if any (the most specific selector wins).
    pub fn severity(&self, subject: Subject) -> Option<Severity> {
        self.file
            .severity
            .iter()
            .flatten()
            .filter(|(sel, _)| subject.matched_by(sel))
            .max_by_key(|(sel, _)| subject.specificity(sel))
            .map(|(_, s)| *s)
    }

    /// The target version set for `lang`, if any.
    pub fn target_version(&self, lang: Language) -> Option<Version> {
        let family = match lang {
            Language::TypeScript | Language::Tsx => "javascript",
            other => other.id(),
        };
        self.targets.get(family).copied()
    }

    /// Rule directories, resolved against the configuration's directory.
    pub fn rule_dirs(&self) -> Vec<PathBuf> {
        self.file
            .rules
            .iter()
            .flatten()
            .map(|d| self.root.join(d))
            .collect()
    }

    /// Check every selector names something: a rule (full or bare id), a guide pattern, a
    /// language, or a ravel/* finding.
    pub fn validate(&self, known: &dyn Fn(&str) -> bool) -> Result<(), ConfigError> {
        let shown = self
            .path
            .as_ref()
            .map_or("defaults".to_string(), |p| p.display().to_string());
        let mut lists: Vec<(&str, &Vec<String>)> = Vec::new();
        for (key, list) in [
            ("select", &self.file.select),
            ("ignore", &self.file.ignore),
            ("extend-select", &self.file.extend_select),
        ] {
            if let Some(l) = list {
                lists.push((key, l));
            }
        }
        let per_file: Vec<(String, &Vec<String>)> = self
            .file
            .per_file_ignores
            .iter()
            .flatten()
            .map(|(g, l)| (format!("per-file-ignores.\"{g}\""), l))
            .collect();
        let severity: Vec<String> = self
            .file
            .severity
            .iter()
            .flatten()
            .map(|(k, _)| k.clone())
            .collect();
        let mut checks: Vec<(String, &String)> = Vec::new();
        for (key, list) in lists {
            checks.extend(list.iter().map(|s| (key.to_string(), s)));
        }
        for (key, list) in &per_file {
            checks.extend(list.iter().map(|s| (key.clone(), s)));
        }
        for s in &severity {
            checks.push(("severity".to_string(), s));
        }
        for (key, sel) in checks {
            if !known(sel) {
                return Err(ConfigError(format!(
                    "{shown}:{}: `{key}`: `{sel}` is not a rule, guide pattern or language (see `ravel rules`)",
                    line_of(&self.text, sel)
                )));
            }
        }
        Ok(())
    }
}

/// The 1-based line of the first mention of `needle` in `text` (0 when absent).
fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle)
        .map_or(0, |p| text[..p].matches('\n').count() + 1)
}

/// Finds and caches the configuration that applies to each directory.
pub struct Configs {
    /// An explicit `--config FILE` (applies everywhere), else discovery.
    fixed: Option<Arc<Config>>,
    cache: Mutex<HashMap<PathBuf, Arc<Config>>>,
    errors: Mutex<Vec<ConfigError>>,
}

impl Configs {
    /// Discover configurations upward from each file; `fixed` overrides discovery.
    pub fn new(fixed: Option<Config>) -> Configs {
        Configs {
            fixed: fixed.map(Arc::new),
            cache: Mutex::new(HashMap::new()),
            errors: Mutex::new(Vec::new()),
        }
    }

    /// The configuration for files in `dir`: the nearest upward (or the defaults).
    pub fn for_dir(&self, dir: &Path) -> Arc<Config> {
        if let Some(c) = &self.fixed {
            return c.clone();
        }
        let abs = crate::paths::absolute(dir);
        if let Some(c) = self.cache.lock().expect("config cache").get(&abs) {
            return c.clone();
        }
        let found = self.find(&abs);
        self.cache
            .lock()
            .expect("config cache")
            .insert(abs, found.clone());
        found
    }

    /// The configuration for `file` (`c.py` and `./c.py` alike: the walk starts from the
    /// absolute folder).
    pub fn for_file(&self, file: &Path) -> Arc<Config> {
        self.for_dir(file.parent().unwrap_or(Path::new(".")))
    }

    fn find(&self, dir: &Path) -> Arc<Config> {
        for name in CONFIG_FILES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                match Config::load(&candidate) {
                    Ok(Some(c)) => return Arc::new(c),
                    Ok(None) => {}
                    Err(e) => {
                        self.errors.lock().expect("config errors").push(e);
                        return Arc::new(Config::defaults(dir));
                    }
                }
            }
        }
        match dir.parent() {
            Some(parent) if !dir.join(".git").exists() => self.for_dir(parent),
            _ => Arc::new(Config::defaults(dir)),
        }
    }

    /// Every configuration loaded so far, deduplicated, in path order.
    pub fn loaded(&self) -> Vec<Arc<Config>> {
        let mut out: Vec<Arc<Config>> = self.fixed.iter().cloned().collect();
        for c in self.cache.lock().expect("config cache").values() {
            if c.path.is_some() && !out.iter().any(|o| Arc::ptr_eq(o, c) || o.path == c.path) {
                out.push(c.clone());
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }

    /// Errors met while loading, sorted.
    pub fn errors(&self) -> Vec<ConfigError> {
        let mut e = self.errors.lock().expect("config errors").clone();
        e.sort_by(|a, b| a.0.cmp(&b.0));
        e.dedup();
        e
    }
}

//! Target language versions read from a project's own build files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use regex::Regex;

use crate::language::Language;

/// A language version, `major.minor`; Java's `1.8` is read as 8.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// Major version.
    pub major: u32,
    /// Minor version (0 when absent).
    pub minor: u32,
}

impl Version {
    /// Parse `21`, `3.11`, `1.8` (= 8), `17.0.2`.
    pub fn parse(s: &str) -> Option<Version> {
        let mut parts = s.trim().split(['.', '_']);
        let major: u32 = parts.next()?.parse().ok()?;
        let minor: u32 = parts.next().map(|m| m.parse().ok()).unwrap_or(Some(0))?;
        Some(if major == 1 && minor >= 5 {
            Version {
                major: minor,
                minor: 0,
            }
        } else {
            Version { major, minor }
        })
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.minor == 0 {
            write!(f, "{}", self.major)
        } else {
            write!(f, "{}.{}", self.major, self.minor)
        }
    }
}

/// A regex compiled once per process.
macro_rules! static_regex {
    ($re:expr) => {{
        static RE: LazyLock<Regex> = LazyLock::new(|| Regex::new($re).expect("regex"));
        &*RE
    }};
}

/// A version the file itself sets: Go's `//go:build go1.21` line fixes the language version
/// of that file.
pub fn file_version(lang: Language, source: &str) -> Option<Version> {
    if lang != Language::Go {
        return None;
    }
    // Build constraints come before the package clause.
    let head = source.split("\npackage ").next().unwrap_or("");
    let line = head.lines().find(|l| l.starts_with("//go:build "))?;
    let re = static_regex!(r"\bgo(1\.\d+)\b");
    // The highest go1.N the line requires is the version the file builds with.
    re.captures_iter(line)
        .filter_map(|c| Version::parse(&c[1]))
        .max()
}

/// Reads and caches, per directory, the version a project targets.
#[derive(Default)]
pub struct Projects {
    cache: Mutex<HashMap<(Language, PathBuf), Option<Version>>>,
}

impl Projects {
    /// The target version of the project holding `file`, if its build files say: the nearest
    /// build file upward that names one (the walk stops at a repository root).
    pub fn target_version(&self, lang: Language, file: &Path) -> Option<Version> {
        let dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();
        let key = (lang.version_family(), dir.clone());
        if let Some(v) = self.cache.lock().expect("cache lock").get(&key) {
            return *v;
        }
        let real = std::fs::canonicalize(crate::paths::absolute(&dir)).unwrap_or(dir);
        let found = self.resolved(lang, &real);
        self.cache.lock().expect("cache lock").insert(key, found);
        found
    }

    /// The version for a (canonical) directory: its own build files', else its parent's, up
    /// to a repository root. Every directory on the way is cached, so sibling folders share
    /// the walk.
    fn resolved(&self, lang: Language, dir: &Path) -> Option<Version> {
        let key = (lang.version_family(), dir.to_path_buf());
        if let Some(v) = self.cache.lock().expect("cache lock").get(&key) {
            return *v;
        }
        let own = dir_version(lang, dir);
        let found = match (own, dir.parent()) {
            (Some(v), _) => Some(v),
            (None, Some(parent)) if !dir.join(".git").exists() => self.resolved(lang, parent),
            _ => None,
        };
        self.cache.lock().expect("cache lock").insert(key, found);
        found
    }
}

impl Language {
    /// Languages that share one notion of version (JS, TS and TSX all target a Node release).
    fn version_family(self) -> Language {
        match self {
            Language::TypeScript | Language::Tsx => Language::JavaScript,
            other => other,
        }
    }
}

/// The version named by `lang`'s build files in `dir` itself.
fn dir_version(lang: Language, dir: &Path) -> Option<Version> {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    match lang.version_family() {
        Language::Java => maven_release(&read("pom.xml").unwrap_or_default())
            .or_else(|| gradle_release(&read("build.gradle").unwrap_or_default()))
            .or_else(|| gradle_release(&read("build.gradle.kts").unwrap_or_default())),
        Language::Python => read("pyproject.toml")
            .and_then(|t| pyproject_python(&t))
            .or_else(|| read("setup.cfg").and_then(|t| python_requires(&t)))
            .or_else(|| read("setup.py").and_then(|t| python_requires(&t)))
            .or_else(|| read(".python-version").and_then(|t| Version::parse(t.trim()))),
        Language::JavaScript => read("package.json").and_then(|t| node_engine(&t)),
        Language::Go => read("go.mod").and_then(|t| go_mod(&t)),
        Language::Rust => read("Cargo.toml").and_then(|t| cargo_rust(&t)),
        Language::CSharp => csharp_framework(dir),
        _ => None,
    }
}

/// The lowest version a requirement such as `>=3.9,<4`, `^3.10`, `~=3.8` or `3.11.*` admits.
fn lowest_admitted(spec: &str) -> Option<Version> {
    let re = static_regex!(r"(>=|\^|~=|~|==|>)?\s*v?(\d+(?:\.\d+)?)");
    spec.split([',', '|'])
        .filter_map(|part| {
            let part = part.trim();
            if part.starts_with('<') || part.starts_with("!=") {
                return None;
            }
            let c = re.captures(part)?;
            let v = Version::parse(&c[2])?;
            // `>3.8` admits 3.9 first.
            Some(if c.get(1).is_some_and(|o| o.as_str() == ">") {
                Version {
                    major: v.major,
                    minor: v.minor + 1,
                }
            } else {
                v
            })
        })
        .min()
}

fn pyproject_python(text: &str) -> Option<Version> {
    let doc: toml::Table = text.parse().ok()?;
    let requires = doc
        .get("project")
        .and_then(|p| p.get("requires-python"))
        .or_else(|| {
            doc.get("tool")?
                .get("poetry")?
                .get("dependencies")?
                .get("python")
        })?;
    lowest_admitted(requires.as_str()?)
}

fn python_requires(text: &str) -> Option<Version> {
    let re = static_regex!(r#"python_requires\s*=\s*['"]?([^'"\n]+)"#);
    lowest_admitted(&re.captures(text)?[1])
}

fn node_engine(text: &str) -> Option<Version> {
    let doc: serde_json::Value = serde_json::from_str(text).ok()?;
    lowest_admitted(doc.get("engines")?.get("node")?.as_str()?)
}

fn go_mod(text: &str) -> Option<Version> {
    let re = static_regex!(r"(?m)^go\s+(\d+\.\d+)");
    Version::parse(&re.captures(text)?[1])
}

/// `rust-version`, else the first Rust release of the crate's edition.
fn cargo_rust(text: &str) -> Option<Version> {
    let doc: toml::Table = text.parse().ok()?;
    let package = doc
        .get("package")
        .or_else(|| doc.get("workspace")?.get("package"))?;
    if let Some(v) = package.get("rust-version").and_then(|v| v.as_str()) {
        return Version::parse(v);
    }
    let first_release = match package.get("edition")?.as_str()? {
        "2024" => "1.85",
        "2021" => "1.56",
        "2018" => "1.31",
        _ => "1.0",
    };
    Version::parse(first_release)
}

/// The lowest .NET version a project file in `dir` targets (`net8.0`, `netcoreapp3.1`,
/// `net48` = 4.8, `netstandard2.0` = 2.0), or one set in `Directory.Build.props`.
fn csharp_framework(dir: &Path) -> Option<Version> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "csproj"))
        .collect();
    files.sort();
    files.push(dir.join("Directory.Build.props"));
    let tag = static_regex!(r"<TargetFrameworks?>\s*([^<]+?)\s*</TargetFrameworks?>");
    files.iter().find_map(|f| {
        let text = std::fs::read_to_string(f).ok()?;
        let c = tag.captures(&text)?;
        c[1].split(';').filter_map(dotnet_version).min()
    })
}

fn dotnet_version(moniker: &str) -> Option<Version> {
    let m = moniker.trim().to_ascii_lowercase();
    let m = m.split('-').next()?;
    if let Some(v) = m
        .strip_prefix("netcoreapp")
        .or_else(|| m.strip_prefix("netstandard"))
    {
        return Version::parse(v);
    }
    let v = m.strip_prefix("net")?;
    if v.contains('.') {
        return Version::parse(v);
    }
    // `net48`, `net472`: .NET Framework 4.8, 4.7.
    let mut digits = v.chars();
    let major = digits.next()?.to_digit(10)?;
    let minor = digits.next().and_then(|c| c.to_digit(10)).unwrap_or(0);
    Some(Version { major, minor })
}

fn maven_release(pom: &str) -> Option<Version> {
    if pom.is_empty() {
        return None;
    }
    for tag in [
        "maven.compiler.release",
        "release",
        "maven.compiler.source",
        "maven.compiler.target",
        "java.version",
        "source",
    ] {
        let re = Regex::new(&format!(
            r"<{}>\s*([^<\s]+)\s*</{}>",
            regex::escape(tag),
            regex::escape(tag)
        ))
        .expect("regex");
        if let Some(c) = re.captures(pom) {
            let mut value = c[1].to_string();
            // `${java.version}` and the like: one level of property lookup.
            if let Some(prop) = value.strip_prefix("${").and_then(|v| v.strip_suffix('}')) {
                let re = Regex::new(&format!(
                    r"<{}>\s*([^<\s]+)\s*</{}>",
                    regex::escape(prop),
                    regex::escape(prop)
                ))
                .expect("regex");
                value = re.captures(pom)?[1].to_string();
            }
            if let Some(v) = Version::parse(&value) {
                return Some(v);
            }
        }
    }
    None
}

fn gradle_release(build: &str) -> Option<Version> {
    if build.is_empty() {
        return None;
    }
    let patterns = [
        static_regex!(r"JavaLanguageVersion\.of\(\s*(\d+)\s*\)"),
        static_regex!(r"jvmToolchain\(\s*(\d+)\s*\)"),
        static_regex!(r"release\s*(?:=|\.set\()\s*(\d+)"),
        static_regex!(
            r#"(?:source|target)Compatibility\s*=\s*['"]?(?:JavaVersion\.VERSION_)?(\d+(?:[._]\d+)?)"#
        ),
    ];
    patterns
        .iter()
        .find_map(|re| re.captures(build).and_then(|c| Version::parse(&c[1])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(Version::parse("1.8"), Some(Version { major: 8, minor: 0 }));
        assert_eq!(
            Version::parse("21"),
            Some(Version {
                major: 21,
                minor: 0
            })
        );
        assert_eq!(
            Version::parse("3.11"),
            Some(Version {
                major: 3,
                minor: 11
            })
        );
        assert!(Version::parse("x").is_none());
    }

    #[test]
    fn requirement_specs_give_their_lowest_version() {
        let v = |s: &str| Version::parse(s);
        assert_eq!(lowest_admitted(">=3.9,<4"), v("3.9"));
        assert_eq!(lowest_admitted("^3.10"), v("3.10"));
        assert_eq!(lowest_admitted(">3.8"), v("3.9"));
        assert_eq!(lowest_admitted(">=18.0.0 || >=20"), v("18"));
        assert_eq!(lowest_admitted("<3"), None);
    }

    #[test]
    fn build_files_of_every_language() {
        let v = |s: &str| Version::parse(s);
        assert_eq!(
            pyproject_python("[project]\nrequires-python = \">=3.11\"\n"),
            v("3.11")
        );
        assert_eq!(
            pyproject_python("[tool.poetry.dependencies]\npython = \"^3.8\"\n"),
            v("3.8")
        );
        assert_eq!(python_requires("setup(python_requires='>=3.7')"), v("3.7"));
        assert_eq!(node_engine(r#"{"engines": {"node": ">=16"}}"#), v("16"));
        assert_eq!(go_mod("module x\n\ngo 1.21.4\n"), v("1.21"));
        assert_eq!(
            cargo_rust("[package]\nname = \"x\"\nrust-version = \"1.70\"\n"),
            v("1.70")
        );
        assert_eq!(cargo_rust("[package]\nedition = \"2021\"\n"), v("1.56"));
        assert_eq!(dotnet_version("net8.0"), v("8.0"));
        assert_eq!(dotnet_version("net48"), v("4.8"));
        assert_eq!(dotnet_version("netcoreapp3.1"), v("3.1"));
        assert_eq!(dotnet_version("net6.0-windows"), v("6.0"));
    }

    #[test]
    fn go_build_lines_set_the_file_version() {
        let src = "//go:build linux && go1.21\n\npackage x\n";
        assert_eq!(file_version(Language::Go, src), Version::parse("1.21"));
        assert_eq!(file_version(Language::Go, "package x\n"), None);
    }

    #[test]
    fn versions_are_read_upward_and_stop_at_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("svc/src/pkg")).unwrap();
        std::fs::write(root.join("go.mod"), "module m\ngo 1.20\n").unwrap();
        std::fs::write(root.join("svc/go.mod"), "module m/svc\ngo 1.23\n").unwrap();
        std::fs::write(root.join("package.json"), r#"{"engines":{"node":">=20"}}"#).unwrap();
        let p = Projects::default();
        let file = root.join("svc/src/pkg/a.go");
        assert_eq!(
            p.target_version(Language::Go, &file),
            Version::parse("1.23")
        );
        assert_eq!(
            p.target_version(Language::Go, &root.join("b.go")),
            Version::parse("1.20")
        );
        assert_eq!(
            p.target_version(Language::Tsx, &root.join("svc/x.tsx")),
            Version::parse("20")
        );
        assert_eq!(p.target_version(Language::Rust, &file), None);
    }

    #[test]
    fn maven_and_gradle_releases() {
        let pom = "<properties><java.version>17</java.version><maven.compiler.release>${java.version}</maven.compiler.release></properties>";
        assert_eq!(maven_release(pom), Version::parse("17"));
        assert_eq!(
            gradle_release("java { toolchain { languageVersion = JavaLanguageVersion.of(21) } }"),
            Version::parse("21")
        );
        assert_eq!(
            gradle_release("sourceCompatibility = JavaVersion.VERSION_1_8"),
            Version::parse("8")
        );
    }
}

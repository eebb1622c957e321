//! Target language versions read from a project's own build files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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

/// A version the file itself sets: Go's `//go:build go1.21` line fixes the language version
/// of that file.
pub fn file_version(lang: Language, source: &str) -> Option<Version> {
    if lang != Language::Go {
        return None;
    }
    // Build constraints come before the package clause.
    let head = source.split("\npackage ").next().unwrap_or("");
    let line = head.lines().find(|l| l.starts_with("//go:build "))?;
    let re = Regex::new(r"\bgo(1\.\d+)\b").expect("regex");
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
    /// The target version of the project holding `file`, if its build files say.
    pub fn target_version(&self, lang: Language, file: &Path) -> Option<Version> {
        if lang != Language::Java {
            return None;
        }
        let dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        if let Some(v) = self
            .cache
            .lock()
            .expect("cache lock")
            .get(&(lang, dir.clone()))
        {
            return *v;
        }
        let v = java_version(&dir);
        self.cache
            .lock()
            .expect("cache lock")
            .insert((lang, dir), v);
        v
    }
}

/// Walk up from `dir` to the first pom.xml or build.gradle(.kts) that names a Java release.
fn java_version(dir: &Path) -> Option<Version> {
    let mut cur = Some(dir);
    while let Some(d) = cur {
        for name in ["pom.xml", "build.gradle", "build.gradle.kts"] {
            if let Ok(text) = std::fs::read_to_string(d.join(name)) {
                let v = if name == "pom.xml" {
                    maven_release(&text)
                } else {
                    gradle_release(&text)
                };
                if v.is_some() {
                    return v;
                }
            }
        }
        if d.join(".git").exists() {
            return None;
        }
        cur = d.parent();
    }
    None
}

fn maven_release(pom: &str) -> Option<Version> {
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
    let patterns = [
        r"JavaLanguageVersion\.of\(\s*(\d+)\s*\)",
        r"jvmToolchain\(\s*(\d+)\s*\)",
        r"release\s*(?:=|\.set\()\s*(\d+)",
        r#"(?:source|target)Compatibility\s*=\s*['"]?(?:JavaVersion\.VERSION_)?(\d+(?:[._]\d+)?)"#,
    ];
    patterns.iter().find_map(|p| {
        Regex::new(p)
            .expect("regex")
            .captures(build)
            .and_then(|c| Version::parse(&c[1]))
    })
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

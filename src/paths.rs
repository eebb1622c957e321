//! Paths: absolute, normalized folders for the upward walks to configurations and build files,
//! and paths in machine-readable output relative to the project root (`%SRCROOT%`), which is
//! the repository holding the working directory, or the working directory itself.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The project root: the nearest folder upward from the working directory holding `.git`,
/// else the working directory.
pub fn srcroot() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        cwd.ancestors()
            .find(|d| d.join(".git").exists())
            .unwrap_or(&cwd)
            .to_path_buf()
    })
}

/// A path as a URI reference: (`src/app.py` relative to the root, true) or, outside the root,
/// (`file:///abs/path`, false). Characters outside RFC 3986's unreserved set are escaped.
pub fn relative_uri(path: &Path) -> (String, bool) {
    let abs = absolute(path);
    match abs.strip_prefix(srcroot()) {
        Ok(rel) => (encode(&slashes(rel)), true),
        Err(_) => (format!("file://{}", encode(&slashes(&abs))), false),
    }
}

/// The root as a `file://` URI ending in `/`.
pub fn srcroot_uri() -> String {
    let mut s = format!("file://{}", encode(&slashes(srcroot())));
    if !s.ends_with('/') {
        s.push('/');
    }
    s
}

/// A path relative to the project root with `/` separators (`src/app.py`), or as given when
/// it is outside the root: file names in GitHub annotations.
pub fn relative_path(path: &Path) -> String {
    match absolute(path).strip_prefix(srcroot()) {
        Ok(rel) => slashes(rel),
        Err(_) => slashes(path),
    }
}

/// A path made absolute without `.` or `..` components, so walking its parents sees every real
/// folder: `""` (the folder of a bare `c.py`) and `.` are the working directory.
pub fn absolute(path: &Path) -> PathBuf {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn slashes(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_escape_reserved_characters() {
        assert_eq!(encode("a b/ü.py"), "a%20b/%C3%BC.py");
    }
}

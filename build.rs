//! Embeds every `rules/<language>/<id>.toml` and every fixture into the binary; adding a rule
//! edits no list. Fixtures give `ravel explain` its tested bad examples.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Files two levels under `root` (`<language>/<file>`) whose names satisfy `keep`, sorted.
fn files(root: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    println!("cargo:rerun-if-changed={}", root.display());
    let mut out = Vec::new();
    if let Ok(dirs) = std::fs::read_dir(root) {
        for dir in dirs.flatten() {
            println!("cargo:rerun-if-changed={}", dir.path().display());
            let Ok(entries) = std::fs::read_dir(dir.path()) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_file() && keep(&path) {
                    out.push(path);
                }
            }
        }
    }
    out.sort();
    out
}

fn table(out: &mut String, doc: &str, name: &str, root: &Path, files: &[PathBuf]) {
    writeln!(out, "/// {doc}: (path relative to its root, contents).").unwrap();
    writeln!(out, "pub static {name}: &[(&str, &str)] = &[").unwrap();
    for path in files {
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        writeln!(
            out,
            "    ({rel:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
}

fn main() {
    // Read at run time: a build script compiled for another checkout sharing this target
    // directory must still embed this checkout's files.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo");
    let crate_root = Path::new(&manifest_dir);
    let rules = crate_root.join("rules");
    let fixtures = crate_root.join("fixtures");
    let mut out = String::new();
    let rule_files = files(&rules, |p| p.extension().is_some_and(|e| e == "toml"));
    table(
        &mut out,
        "Every embedded rule file",
        "EMBEDDED_RULES",
        &rules,
        &rule_files,
    );
    let fixture_files = files(&fixtures, |_| true);
    table(
        &mut out,
        "Every rule fixture",
        "EMBEDDED_FIXTURES",
        &fixtures,
        &fixture_files,
    );
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded_rules.rs");
    std::fs::write(dest, out).unwrap();
    flatten(crate_root);
}

/// Compiles the tree flattener (src/engine/flatten.c) against the headers of the tree-sitter
/// sources that are linked in: it reads their internal subtree layout.
fn flatten(crate_root: &Path) {
    let source = crate_root.join("src/engine/flatten.c");
    println!("cargo:rerun-if-changed={}", source.display());
    // tree-sitter's build script exports its public include directory; its sources, with the
    // internal headers, sit beside it.
    let include = PathBuf::from(
        std::env::var("DEP_TREE_SITTER_INCLUDE").expect("tree-sitter exports its include dir"),
    );
    let internal = include
        .parent()
        .expect("tree-sitter crate root")
        .join("src");
    cc::Build::new()
        .std("c11")
        .include(&include)
        .include(&internal)
        .warnings(false)
        .file(source)
        .compile("ravel-flatten");
}

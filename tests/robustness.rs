//! Inputs that must not crash a run or lose a file: deep nesting, huge lines, empty and
//! BOM-only files, CRLF and tabs, parse timeouts, symlink loops, broken links, panics.

use std::path::Path;
use std::process::{Command, Output};

fn ravel_env(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ravel"));
    cmd.args(args).current_dir(cwd).env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run ravel")
}

fn ravel(args: &[&str], cwd: &Path) -> Output {
    ravel_env(args, cwd, &[])
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The summary line (`checked N files ...`).
fn summary(o: &Output) -> String {
    stdout(o)
        .lines()
        .rev()
        .find(|l| l.starts_with("checked "))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn deep_nesting_in_every_language_is_checked_without_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 100_000;
    let nest = |open: &str, close: &str| format!("{}1{}", open.repeat(depth), close.repeat(depth));
    let files = [
        ("deep.py", format!("x = {}\n", nest("[", "]"))),
        ("deep.js", format!("const x = {};\n", nest("(", ")"))),
        ("deep.ts", format!("const x = {};\n", nest("[", "]"))),
        (
            "Deep.java",
            format!("class Deep {{ int x = {}; }}\n", nest("(", ")")),
        ),
        (
            "deep.rs",
            format!("fn f() {{ let x = {}; }}\n", nest("(", ")")),
        ),
        (
            "deep.go",
            format!("package p\nvar x = {}\n", nest("(", ")")),
        ),
        (
            "Deep.cs",
            format!("class Deep {{ int x = {}; }}\n", nest("(", ")")),
        ),
        (
            "blocks.js",
            format!("{}{}\n", "{".repeat(depth), "}".repeat(depth)),
        ),
    ];
    for (name, text) in &files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let out = ravel(&["check", "--color", "never", "."], dir.path());
    assert!(
        out.status.code().is_some(),
        "killed by a signal: {}",
        stderr(&out)
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    // Every file is accounted for: checked (with syntax errors, perhaps) or skipped.
    let line = summary(&out);
    assert!(
        line.starts_with(&format!("checked {} files", files.len())),
        "{line}"
    );
}

#[test]
fn a_20_mb_line_is_skipped_by_size_or_by_time_and_long_lines_keep_their_columns() {
    let dir = tempfile::tempdir().unwrap();
    let line = |elements: usize| {
        let mut text = String::from(
            "const fs = require('fs'); async function f() { fs.readFileSync('x'); } var a = [",
        );
        text.push_str(&"1,".repeat(elements));
        text.push_str("1];\n");
        text
    };
    std::fs::write(dir.path().join("min.js"), line(10 * 1024 * 1024)).unwrap();
    // Over the default size limit: skipped at once.
    let out = ravel(&["check", "min.js"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(summary(&out).contains("1 too large"), "{}", summary(&out));
    // Allowed in by size, the parse outlasts its time limit: skipped, and the run goes on.
    let out = ravel(
        &[
            "check",
            "--max-file-size",
            "40000000",
            "--parse-timeout",
            "1",
            "min.js",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        summary(&out).contains("1 parse timeout"),
        "{}",
        summary(&out)
    );
    // A long line that parses in time keeps its finding and its column.
    std::fs::write(dir.path().join("long.js"), line(20_000)).unwrap();
    let out = ravel(
        &["check", "--output-format", "concise", "long.js"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("long.js:1:48: javascript/"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn empty_bom_only_crlf_and_tab_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.py"), "").unwrap();
    std::fs::write(dir.path().join("bom.py"), "\u{feff}").unwrap();
    std::fs::write(dir.path().join("bom16.py"), [0xFF, 0xFE]).unwrap();
    // CRLF line endings and a tab before the finding: line 8, column 2 (the tab is one).
    let crlf = "import threading\r\n\r\nhits = 0\r\n\r\n\r\ndef work():\r\n    global hits\r\n\thits += 1\r\n\r\n\r\nthreading.Thread(target=work).start()\r\n";
    std::fs::write(dir.path().join("crlf.py"), crlf).unwrap();
    let out = ravel(&["check", "--output-format", "concise", "."], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("crlf.py:8:2: python/unlocked-shared-counter"),
        "{}",
        stdout(&out)
    );
    assert!(
        summary(&out).starts_with("checked 4 files;"),
        "{}",
        summary(&out)
    );
    // JSON end column stops before the CR.
    let out = ravel(&["check", "--output-format", "json", "crlf.py"], dir.path());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["end"]["column"], 11);
}

#[test]
fn a_parse_over_the_time_limit_is_skipped_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let big: String = (0..100_000)
        .map(|i| format!("x{i} = [{i}, {i}]\n"))
        .collect();
    std::fs::write(dir.path().join("big.py"), big).unwrap();
    std::fs::write(dir.path().join("small.py"), "x = 1\n").unwrap();
    let out = ravel(&["check", "--parse-timeout", "0.001", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(summary(&out).contains("parse timeout"), "{}", summary(&out));
    assert!(
        stderr(&out).contains("big.py: skipped (parse timeout)"),
        "{}",
        stderr(&out)
    );
    let bad = ravel(&["check", "--parse-timeout", "-1", "."], dir.path());
    assert_eq!(bad.status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn symlink_loops_broken_links_and_missing_paths() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("src")).unwrap();
    std::fs::write(root.join("src/a.py"), "x = 1\n").unwrap();
    symlink(root.join("src"), root.join("src/loop")).unwrap();
    symlink("missing.py", root.join("src/broken.py")).unwrap();
    symlink("a.py", root.join("src/linked.py")).unwrap();
    symlink("self.py", root.join("src/self.py")).unwrap();
    let out = ravel(&["check", "src", "nowhere.py"], root);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("nowhere.py: no such file or directory"),
        "{err}"
    );
    // Worded like any unreadable file, with its path first.
    assert!(
        err.contains("src/broken.py: skipped (unreadable):"),
        "{err}"
    );
    assert!(err.contains("self.py"), "{err}");
    // a.py and the link to it are checked; the broken links are counted as unreadable.
    let line = summary(&out);
    assert!(
        line.starts_with("checked 2 files (skipped 2: 2 unreadable)"),
        "{line}"
    );
}

#[test]
fn a_panic_in_one_file_is_reported_with_its_path_and_the_rest_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("boom.py"), "x = 1\n").unwrap();
    std::fs::write(
        dir.path().join("counter.py"),
        "import threading\n\nhits = 0\n\n\ndef work():\n    global hits\n    hits += 1\n\n\nthreading.Thread(target=work).start()\n",
    )
    .unwrap();
    let out = ravel_env(
        &["check", "--output-format", "concise", "."],
        dir.path(),
        &[("RAVEL_DEBUG_PANIC_ON", "boom.py")],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("boom.py: skipped (internal error): ravel panicked"),
        "{err}"
    );
    assert!(
        !err.contains("panicked at"),
        "the default panic message leaked: {err}"
    );
    assert!(stdout(&out).contains("counter.py:8:5: python/unlocked-shared-counter"));
}

#[test]
fn every_input_is_accounted_for_and_sarif_agrees_with_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("ok.py"), "x = 1\n").unwrap();
    std::fs::write(root.join("bin.js"), b"\x00\x00").unwrap();
    std::fs::write(root.join("big.go"), "package p\n".repeat(1000)).unwrap();
    std::fs::write(root.join("bad.rs"), b"fn f() { let s = \"\xff\xfe\"; }\n").unwrap();
    std::fs::write(root.join("broken.java"), "class {\n").unwrap();
    let out = ravel(
        &[
            "check",
            "--max-file-size",
            "5000",
            "--output-format",
            "sarif",
            ".",
        ],
        root,
    );
    let err = stderr(&out);
    let line = err
        .lines()
        .rev()
        .find(|l| l.starts_with("checked "))
        .unwrap();
    assert_eq!(
        line,
        "checked 3 files (skipped 2: 1 binary, 1 too large; 1 with syntax errors; 1 with invalid UTF-8 replaced); no findings"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes = v["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let mut seen: Vec<String> = notes
        .iter()
        .map(|n| {
            let uri = n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            uri.rsplit('/').next().unwrap().to_string()
        })
        .collect();
    seen.sort();
    assert_eq!(seen, ["bad.rs", "big.go", "bin.js", "broken.java"]);
}

//! Configuration discovery and precedence, command-line overrides, baselines, standard input,
//! and the smaller flags, through the real binary.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn ravel_env(args: &[&str], cwd: &Path, env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ravel"));
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run ravel");
    if let Some(text) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn ravel(args: &[&str], cwd: &Path) -> Output {
    ravel_env(args, cwd, &[], None)
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Findings as `path rule` pairs, from concise output.
fn findings(o: &Output) -> Vec<String> {
    stdout(o)
        .lines()
        .filter(|l| !l.starts_with("checked "))
        .map(|l| {
            let mut parts = l.split(' ');
            let loc = parts.next().unwrap_or("");
            let path = loc.split(':').next().unwrap_or("");
            format!("{path} {}", parts.next().unwrap_or(""))
        })
        .collect()
}

const COUNTER: &str = "import threading\n\nhits = 0\n\n\ndef work():\n    global hits\n    hits += 1\n\n\nthreading.Thread(target=work).start()\n";
const HANDLER: &str = "const fs = require('fs');\nconst app = require('express')();\napp.get('/', (req, res) => {\n  res.send(fs.readFileSync('a.txt'));\n});\n";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    write(dir.path(), "app/counter.py", COUNTER);
    write(dir.path(), "web/server.js", HANDLER);
    write(dir.path(), "legacy/old.py", COUNTER);
    dir
}

#[test]
fn the_nearest_configuration_applies_and_the_command_line_overrides_it() {
    let dir = project();
    let root = dir.path();
    write(root, "ravel.toml", "ignore = [\"shared-mutable-state\"]\n");
    // A nearer configuration applies alone: the root's `ignore` does not reach web/.
    write(root, "web/.ravel.toml", "select = [\"javascript\"]\n");
    write(
        root,
        "legacy/pyproject.toml",
        "[project]\nname = \"x\"\n\n[tool.ravel]\nselect = [\"python/unlocked-shared-counter\"]\n",
    );
    let out = ravel(&["check", "--output-format", "concise", "."], root);
    assert_eq!(
        findings(&out),
        [
            "legacy/old.py python/unlocked-shared-counter",
            "web/server.js javascript/sync-fs-call-on-event-loop"
        ],
        "{}",
        stderr(&out)
    );
    // --ignore replaces every configuration's `ignore`; --select their `select`.
    let out = ravel(
        &[
            "check",
            "--output-format",
            "concise",
            "--ignore",
            "javascript",
            ".",
        ],
        root,
    );
    assert_eq!(
        findings(&out),
        [
            "app/counter.py python/unlocked-shared-counter",
            "legacy/old.py python/unlocked-shared-counter"
        ]
    );
    // ravel.toml wins over .ravel.toml and pyproject.toml in the same folder.
    write(
        root,
        "web/ravel.toml",
        "ignore = [\"sync-fs-call-on-event-loop\"]\n",
    );
    let out = ravel(&["check", "--output-format", "concise", "web"], root);
    assert_eq!(findings(&out), Vec::<String>::new());
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_configuration_above_the_working_directory_applies_to_relative_paths() {
    let dir = project();
    let root = dir.path();
    write(
        root,
        "ravel.toml",
        "select = [\"python\"]\nextend-exclude = [\"gen\"]\n",
    );
    write(root, "web/other.js", HANDLER);
    write(root, "gen/made.py", COUNTER);
    let web = root.join("web");
    // `.`, a bare file name and standard input all find the root's configuration.
    for args in [
        vec!["check", "--output-format", "concise", "."],
        vec!["check", "--output-format", "concise", "other.js"],
        vec![
            "check",
            "--output-format",
            "concise",
            "--stdin-filename",
            "x.js",
        ],
    ] {
        let out = ravel_env(&args, &web, &[], Some(HANDLER));
        assert_eq!(
            findings(&out),
            Vec::<String>::new(),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // `--force-exclude` applies the root's excludes to a bare name from inside the folder.
    let out = ravel(
        &[
            "check",
            "--force-exclude",
            "--output-format",
            "concise",
            "made.py",
        ],
        &root.join("gen"),
    );
    assert_eq!(findings(&out), Vec::<String>::new(), "{}", stderr(&out));
    assert!(stderr(&out).contains("excluded"), "{}", stderr(&out));
}

#[test]
fn per_file_ignores_severity_and_excludes() {
    let dir = project();
    let root = dir.path();
    write(
        root,
        "ravel.toml",
        "extend-exclude = [\"legacy\"]\n\n[per-file-ignores]\n\"web/*.js\" = [\"sync-fs-call-on-event-loop\"]\n\n[severity]\n\"shared-mutable-state\" = \"warning\"\n",
    );
    let out = ravel(&["check", "--output-format", "concise", "."], root);
    assert_eq!(
        findings(&out),
        ["app/counter.py python/unlocked-shared-counter"]
    );
    assert!(stdout(&out).contains("1 warning"), "{}", stdout(&out));
    // Named explicitly, an excluded file is checked, unless --force-exclude (pre-commit).
    let out = ravel(
        &["check", "--output-format", "concise", "legacy/old.py"],
        root,
    );
    assert_eq!(findings(&out).len(), 1);
    let out = ravel(
        &[
            "check",
            "--output-format",
            "concise",
            "--force-exclude",
            "legacy/old.py",
        ],
        root,
    );
    assert_eq!(findings(&out), Vec::<String>::new());
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn target_versions_in_the_configuration_override_build_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    write(
        root,
        "Jobs.java",
        "import java.util.concurrent.*;\nimport java.nio.file.*;\nclass Jobs {\n  ExecutorService pool = Executors.newFixedThreadPool(8);\n  Future<String> read(Path p) {\n    return pool.submit(() -> Files.readString(p));\n  }\n}\n",
    );
    let out = ravel(&["check", "--output-format", "concise", "."], root);
    assert_eq!(
        findings(&out),
        ["Jobs.java java/fixed-pool-for-blocking-io"]
    );
    write(root, "ravel.toml", "[target-version]\njava = \"17\"\n");
    let out = ravel(&["check", "--output-format", "concise", "."], root);
    assert_eq!(findings(&out), Vec::<String>::new());
}

#[test]
fn a_bad_configuration_exits_2_naming_file_line_and_key() {
    let dir = project();
    let root = dir.path();
    write(
        root,
        "ravel.toml",
        "select = [\"python\"]\nselcet = [\"x\"]\n",
    );
    let out = ravel(&["check", "."], root);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("ravel.toml:2:") && err.contains("selcet"),
        "{err}"
    );
    write(root, "ravel.toml", "\nignore = [\"no-such-rule\"]\n");
    let out = ravel(&["check", "."], root);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("ravel.toml:2:") && err.contains("`ignore`") && err.contains("no-such-rule"),
        "{err}"
    );
    // Values of the wrong type or out of range name their key too.
    write(root, "ravel.toml", "select = \"python\"\n");
    let err = stderr(&ravel(&["check", "."], root));
    assert!(
        err.contains("ravel.toml:1: `select`: invalid type"),
        "{err}"
    );
    write(root, "ravel.toml", "[severity]\n\"python\" = \"fatal\"\n");
    let err = stderr(&ravel(&["check", "."], root));
    assert!(err.contains("ravel.toml:2: `severity.python`"), "{err}");
    write(root, "ravel.toml", "");
    write(
        root,
        "app/pyproject.toml",
        "[tool.ravel]\nseverity = { \"python\" = \"fatal\" }\n",
    );
    let out = ravel(&["check", "."], root);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("pyproject.toml"), "{}", stderr(&out));
}

#[test]
fn a_baseline_hides_known_findings_even_after_lines_move() {
    let dir = project();
    let root = dir.path();
    let out = ravel(
        &["check", "--write-baseline", "ravel-baseline.json", "."],
        root,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = ravel(&["check", "--baseline", "ravel-baseline.json", "."], root);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // Lines added above the known finding: still known. A new finding: reported.
    write(root, "app/counter.py", &format!("# a comment\n\n{COUNTER}"));
    write(root, "app/more.py", COUNTER);
    let out = ravel(
        &[
            "check",
            "--output-format",
            "concise",
            "--baseline",
            "ravel-baseline.json",
            ".",
        ],
        root,
    );
    assert_eq!(
        findings(&out),
        ["app/more.py python/unlocked-shared-counter"]
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn standard_input_is_checked_as_the_named_file() {
    let dir = project();
    let root = dir.path();
    write(
        root,
        "ravel.toml",
        "[per-file-ignores]\n\"app/*\" = [\"python\"]\n",
    );
    let out = ravel_env(
        &[
            "check",
            "--output-format",
            "concise",
            "--stdin-filename",
            "web/new.py",
            ".",
        ],
        root,
        &[],
        Some(COUNTER),
    );
    assert_eq!(
        findings(&out),
        ["web/new.py python/unlocked-shared-counter"]
    );
    // The configuration of the named path applies.
    let out = ravel_env(
        &["check", "--stdin-filename", "app/new.py"],
        root,
        &[],
        Some(COUNTER),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn quiet_statistics_exit_zero_and_color() {
    let dir = project();
    let root = dir.path();
    let out = ravel(
        &["check", "--quiet", "--output-format", "concise", "."],
        root,
    );
    assert!(!stdout(&out).contains("checked "), "{}", stdout(&out));
    let out = ravel(&["check", "--statistics", "."], root);
    let text = stdout(&out);
    assert!(
        text.contains("    2  python/unlocked-shared-counter         error"),
        "{text}"
    );
    assert!(
        text.contains("    1  javascript/sync-fs-call-on-event-loop  error"),
        "{text}"
    );
    let out = ravel(&["check", "--exit-zero", "."], root);
    assert_eq!(out.status.code(), Some(0));
    let colored = ravel_env(&["check", "."], root, &[("FORCE_COLOR", "1")], None);
    assert!(stdout(&colored).contains('\u{1b}'));
    let plain = ravel_env(
        &["check", "."],
        root,
        &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")],
        None,
    );
    assert!(!stdout(&plain).contains('\u{1b}'));
    let never = ravel_env(
        &["check", "--color", "never", "."],
        root,
        &[("FORCE_COLOR", "1")],
        None,
    );
    assert!(!stdout(&never).contains('\u{1b}'));
}

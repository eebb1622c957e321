//! End-to-end tests of the `ravel` binary.

use std::path::Path;
use std::process::{Command, Output};

fn ravel(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ravel"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .output()
        .expect("run ravel")
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

const COUNTER_PY: &str = "import threading\n\nhits = 0\n\n\ndef work():\n    global hits\n    hits += 1\n\n\nthreading.Thread(target=work).start()\n";
const POOL_PY: &str = "from concurrent.futures import ThreadPoolExecutor\n\n\ndef crunch(n):\n    return sum(i * i for i in range(n))\n\n\nwith ThreadPoolExecutor() as ex:\n    ex.map(crunch, [10**6] * 4)\n";
const HANDLER_JS: &str = "const fs = require('fs');\nconst app = require('express')();\napp.get('/', (req, res) => {\n  res.send(fs.readFileSync('a.txt'));\n});\n";
const POOL_JAVA: &str = "import java.util.concurrent.Executors;\nclass P {\n  Object p() {\n    return Executors.newFixedThreadPool(10, Thread.ofVirtual().factory());\n  }\n}\n";

#[test]
fn finds_the_four_anti_patterns_with_help_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/counter.py", COUNTER_PY);
    write(dir.path(), "app/pool.py", POOL_PY);
    write(dir.path(), "web/server.js", HANDLER_JS);
    write(dir.path(), "svc/P.java", POOL_JAVA);
    let out = ravel(&["check", "--color", "never", "."], dir.path());
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}\n{}", stderr(&out));
    for (rule, at) in [
        ("python/unlocked-shared-counter", "app/counter.py:8:5"),
        ("python/cpu-bound-work-in-thread-pool", "app/pool.py:9:5"),
        (
            "javascript/sync-fs-call-on-event-loop",
            "web/server.js:4:12",
        ),
        ("java/pooled-virtual-threads", "svc/P.java:4:12"),
    ] {
        assert!(
            text.contains(&format!("[{rule}]")),
            "missing {rule}:\n{text}"
        );
        assert!(text.contains(at), "missing {at}:\n{text}");
    }
    assert_eq!(text.matches("= help: ").count(), 4, "{text}");
    assert_eq!(
        text.matches("= guide: Anti-Patterns: ").count(),
        4,
        "{text}"
    );
    assert!(
        text.contains("this function runs on other threads"),
        "{text}"
    );
    assert!(
        text.contains("this request handler runs on the event loop"),
        "{text}"
    );
    assert!(
        text.trim_end()
            .ends_with("checked 4 files; 4 findings: 3 errors, 1 warning"),
        "{text}"
    );
}

#[test]
fn clean_code_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "fetch.py",
        "import urllib.request\nfrom concurrent.futures import ThreadPoolExecutor\n\n\ndef get(u):\n    with urllib.request.urlopen(u) as r:\n        return r.read()\n\n\nwith ThreadPoolExecutor() as ex:\n    ex.map(get, ['https://example.com'])\n",
    );
    write(
        dir.path(),
        "boot.js",
        "const fs = require('fs');\nconst cfg = fs.readFileSync('cfg.json');\nmodule.exports = cfg;\n",
    );
    let out = ravel(&["check", "--color", "never", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("checked 2 files; no findings"));
}

#[test]
fn missing_path_exits_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok.py", "x = 1\n");
    let out = ravel(&["check", "ok.py", "does/not/exist"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("does/not/exist: no such file or directory"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("checked 1 file"),
        "the rest of the run goes on"
    );
}

#[test]
fn bad_rule_files_name_the_file_and_the_field() {
    let cases = [
        ("typo = 1\n", "unknown field `typo`"),
        (
            "[where.callee]\nresolve-to = [\"x\"]\n",
            "where.callee.resolve-to",
        ),
        (
            "[where.nope]\nany-of = [\"x\"]\n",
            "unknown capture `@nope`",
        ),
        (
            "[where.match]\ninside = \"async-fn\"\n",
            "unknown context `async-fn`",
        ),
        (
            "[where.match]\nis = [\"joined\"]\n",
            "`joined` is not implemented for Python yet",
        ),
    ];
    for (extra, needle) in cases {
        let dir = tempfile::tempdir().unwrap();
        let rule = format!(
            "id = \"r\"\npattern = \"blocking-the-event-loop\"\nseverity = \"error\"\nmessage = \"m\"\nquery = '(call function: (_) @callee) @match'\n{extra}[guide]\nsection = \"Anti-Patterns\"\nwhy = \"w\"\nhelp = \"h\"\ncorrect = \"c\"\n"
        );
        write(dir.path(), "my-rules/python/r.toml", &rule);
        write(dir.path(), "a.py", "x = 1\n");
        let out = ravel(&["check", "--rules", "my-rules", "a.py"], dir.path());
        assert_eq!(out.status.code(), Some(2), "{needle}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("my-rules/python/r.toml"), "{err}");
        assert!(err.contains(needle), "expected `{needle}` in: {err}");
    }
}

#[test]
fn user_rules_run_like_built_in_ones() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "my-rules/python/sleep-in-async.toml",
        "id = \"sleep-in-async\"\npattern = \"blocking-the-event-loop\"\nseverity = \"warning\"\nmessage = \"`{callee}` blocks\"\nquery = '(call function: (_) @callee) @match'\n[where.callee]\nresolves-to = [\"time.sleep\"]\n[where.match]\ninside = \"async-function\"\n[guide]\nsection = \"Anti-Patterns: Blocking the event loop\"\nwhy = \"w\"\nhelp = \"h\"\ncorrect = \"await asyncio.sleep(1)\"\n",
    );
    write(
        dir.path(),
        "a.py",
        "from time import sleep as nap\nimport time as t\n\n\nasync def f():\n    nap(1)\n    t.sleep(1)\n\n    def inner():\n        t.sleep(1)\n    return inner\n\n\ndef g():\n    t.sleep(1)\n",
    );
    let out = ravel(
        &["check", "--color", "never", "--rules", "my-rules", "a.py"],
        dir.path(),
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains("a.py:6:5") && text.contains("a.py:7:5"),
        "{text}"
    );
    assert!(
        !text.contains("a.py:10:") && !text.contains("a.py:15:"),
        "{text}"
    );
    assert!(text.contains("`nap` blocks"), "{text}");
}

#[test]
fn bad_input_is_reported_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bin.py", "x = 1\0\0\0");
    std::fs::write(dir.path().join("latin.py"), b"# caf\xe9\nx = 1\n").unwrap();
    write(dir.path(), "empty.js", "");
    write(dir.path(), "big.js", &"x = 1;\n".repeat(200));
    let out = ravel(
        &["check", "--color", "never", "--max-file-size", "1000", "."],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "checked 2 files (skipped 2: 1 binary, 1 too large; 1 with invalid UTF-8 replaced)"
        ),
        "{text}"
    );
    assert!(
        stderr(&out).contains("bin.py: skipped (binary)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn explicit_files_are_checked_even_where_the_walk_skips() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "node_modules/lib/server.js", HANDLER_JS);
    let walked = ravel(&["check", "."], dir.path());
    assert_eq!(walked.status.code(), Some(0), "{}", stdout(&walked));
    assert!(stdout(&walked).contains("checked 0 files"));
    let named = ravel(&["check", "node_modules/lib/server.js"], dir.path());
    assert_eq!(named.status.code(), Some(1), "{}", stdout(&named));
}

#[test]
fn tests_scripts_and_old_java_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let async_sync = "const fs = require('fs');\nasync function main() {\n  return fs.readFileSync('x');\n}\nmain();\n";
    write(dir.path(), "test/load.test.js", async_sync);
    write(dir.path(), "scripts/release.js", async_sync);
    // A script outside the usual folders: it reads argv and registers no handler.
    write(
        dir.path(),
        "extra/rebase.js",
        "const { execSync } = require('child_process');\nasync function main() {\n  execSync('git rebase ' + process.argv[2]);\n}\nmain();\n",
    );
    write(
        dir.path(),
        "old/pom.xml",
        "<project><properties><maven.compiler.release>17</maven.compiler.release></properties></project>",
    );
    write(dir.path(), "old/src/P.java", POOL_JAVA);
    let out = ravel(&["check", "."], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // The same code in application source (in a function not named like start-up code), and
    // on Java 21, is flagged.
    write(
        dir.path(),
        "src/app.js",
        &async_sync.replace("main", "loadReport"),
    );
    write(
        dir.path(),
        "new/pom.xml",
        "<project><properties><maven.compiler.release>21</maven.compiler.release></properties></project>",
    );
    write(dir.path(), "new/src/P.java", POOL_JAVA);
    let out = ravel(&["check", "--color", "never", "."], dir.path());
    let text = stdout(&out);
    assert!(
        text.contains("src/app.js:3:10") && text.contains("new/src/P.java:4:12"),
        "{text}"
    );
    assert!(text.contains("2 findings"), "{text}");
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..12 {
        write(dir.path(), &format!("p{i}/counter.py"), COUNTER_PY);
        write(dir.path(), &format!("p{i}/server.js"), HANDLER_JS);
    }
    let one = ravel(&["check", "-j", "1", "--color", "never", "."], dir.path());
    let many = ravel(&["check", "-j", "4", "--color", "never", "."], dir.path());
    assert_eq!(one.stdout, many.stdout);
    assert_eq!(one.status.code(), Some(1));
}

#[test]
fn rules_lists_every_rule_with_severity_and_pattern() {
    let dir = tempfile::tempdir().unwrap();
    let out = ravel(&["rules"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.starts_with("python/unlocked-shared-counter "))
        .expect("rule listed");
    assert!(
        line.contains(" error ") && line.contains("shared-mutable-state"),
        "{line}"
    );
    let rules = ravel::rule::set::RuleSet::embedded().unwrap();
    assert_eq!(text.lines().count(), rules.rules().len());
}

#[test]
fn explain_prints_the_help_of_a_rule_by_full_or_bare_id() {
    let dir = tempfile::tempdir().unwrap();
    let full = ravel(&["explain", "python/unlocked-shared-counter"], dir.path());
    assert_eq!(full.status.code(), Some(0), "{}", stderr(&full));
    let text = stdout(&full);
    for section in [
        "## What it finds",
        "## Why it matters",
        "## Example",
        "## Correct pattern",
        "## Suppressing it",
        "# ravel: ignore[unlocked-shared-counter]",
        "ravel flags this line",
    ] {
        assert!(text.contains(section), "missing {section}:\n{text}");
    }
    let bare = ravel(&["explain", "unlocked-shared-counter"], dir.path());
    assert_eq!(stdout(&bare), text);
    let missing = ravel(&["explain", "no-such-rule"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("no rule `no-such-rule`"));
}

#[test]
fn inline_suppressions_hide_findings_and_report_unused_and_unknown_ones() {
    let dir = tempfile::tempdir().unwrap();
    let counter = |body: &str| {
        format!(
            "import threading\n\nhits = 0\n\n\ndef work():\n    global hits\n{body}\n\n\nthreading.Thread(target=work).start()\n"
        )
    };
    // End of line, bare id, with a reason.
    write(
        dir.path(),
        "a.py",
        &counter("    hits += 1  # ravel: ignore[unlocked-shared-counter] -- test only"),
    );
    // Own line before it, full id; a blank line between is fine.
    write(
        dir.path(),
        "b.py",
        &counter("    # ravel: ignore[python/unlocked-shared-counter]\n\n    hits += 1"),
    );
    // The whole file.
    write(
        dir.path(),
        "c.py",
        &format!(
            "# ravel: ignore-file[unlocked-shared-counter]\n{}",
            counter("    hits += 1")
        ),
    );
    // A block comment before the code on the same line; the end of the last line of a
    // finding that spans several lines.
    write(
        dir.path(),
        "e.js",
        "const fs = require('fs');\nasync function a() {\n  /* ravel: ignore[sync-fs-call-on-event-loop] */ fs.readFileSync('a');\n}\nasync function b() {\n  fs.readFileSync(\n    'b'); // ravel: ignore[sync-fs-call-on-event-loop]\n}\n",
    );
    let out = ravel(&["check", "a.py", "b.py", "c.py", "e.js"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    // A suppression that names no rule suppresses nothing, and says so.
    write(
        dir.path(),
        "f.py",
        &counter("    hits += 1  # ravel: ignore"),
    );
    let out = ravel(&["check", "--color", "never", "f.py"], dir.path());
    let text = stdout(&out);
    assert!(
        text.contains("error[python/unlocked-shared-counter]"),
        "{text}"
    );
    assert!(text.contains("names no rule"), "{text}");
    // The suppression findings can be selected by bare id.
    let out = ravel(
        &[
            "check",
            "--ignore",
            "unknown-suppression,unlocked-shared-counter",
            "f.py",
        ],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    // Unused (nothing on that line) and unknown (no such rule) suppressions are warnings.
    write(
        dir.path(),
        "d.js",
        "// ravel: ignore[sync-fs-call-on-event-loop]\nconst x = 1;\nconst y = 2; // ravel: ignore[no-such-rule]\n",
    );
    let out = ravel(&["check", "--color", "never", "d.js"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("warning[ravel/unused-suppression]"), "{text}");
    assert!(text.contains("suppresses nothing on its line"), "{text}");
    assert!(
        text.contains("warning[ravel/unknown-suppression]"),
        "{text}"
    );
    assert!(text.contains("`no-such-rule`"), "{text}");
}

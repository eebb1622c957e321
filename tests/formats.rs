//! Output formats: golden files for every format, SARIF validated against the official
//! schema over the whole fixture set, and UTF-16 columns. `RAVEL_UPDATE_GOLDEN=1 cargo test
//! --test formats` rewrites the golden files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ravel(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ravel"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .output()
        .expect("run ravel")
}

/// Copy the golden input to a fresh folder (outside any repository, so paths are stable).
fn golden_input() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(crate_root().join("tests/golden/input")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    dir
}

/// Machine-specific parts of SARIF replaced: the root URI and the version; the rule table
/// (every rule's help: `docs/rules` covers its text) and rule indices, which change with
/// every new rule, are dropped (the schema test checks them).
fn normalize_sarif(mut v: Value, root: &Path) -> Value {
    let run = &mut v["runs"][0];
    run["originalUriBaseIds"]["%SRCROOT%"]["uri"] = Value::from("file:///ROOT/");
    let driver = &mut run["tool"]["driver"];
    driver["version"] = Value::from("VERSION");
    driver["semanticVersion"] = Value::from("VERSION");
    driver.as_object_mut().unwrap().remove("rules");
    for r in run["results"].as_array_mut().unwrap() {
        r.as_object_mut().unwrap().remove("ruleIndex");
    }
    let text = serde_json::to_string_pretty(&v).unwrap();
    let root = root.canonicalize().unwrap();
    serde_json::from_str(&text.replace(&root.display().to_string(), "/ROOT")).unwrap()
}

fn check_golden(name: &str, got: &str) {
    let path = crate_root().join("tests/golden").join(name);
    if std::env::var_os("RAVEL_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        want == got,
        "tests/golden/{name} differs; if the change is intended, run \
         RAVEL_UPDATE_GOLDEN=1 cargo test --test formats\n--- want\n{want}\n--- got\n{got}"
    );
}

#[test]
fn every_format_matches_its_golden_file() {
    let dir = golden_input();
    for (format, file) in [
        ("full", "full.txt"),
        ("concise", "concise.txt"),
        ("json", "json.json"),
        ("github", "github.txt"),
        ("sarif", "sarif.json"),
    ] {
        let out = ravel(
            &["check", ".", "--color", "never", "--output-format", format],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(1), "{format}");
        let mut text = String::from_utf8(out.stdout).unwrap();
        if format == "sarif" {
            let v = normalize_sarif(serde_json::from_str(&text).unwrap(), dir.path());
            text = serde_json::to_string_pretty(&v).unwrap() + "\n";
        }
        check_golden(file, &text);
    }
}

fn sarif_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(crate_root().join("tests/data/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, v: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(v)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
}

#[test]
fn sarif_over_every_fixture_validates_against_the_official_schema() {
    let validator = sarif_validator();
    let root = crate_root();
    let out = ravel(&["check", "fixtures", "--output-format", "sarif"], &root);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&validator, &v);
    let run = &v["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert!(results.len() > 10, "{} results", results.len());
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(!uri.starts_with('/') && !uri.contains("./"), "{uri}");
    }
    for rule in rules {
        for key in [
            "shortDescription",
            "fullDescription",
            "help",
            "defaultConfiguration",
        ] {
            assert!(rule.get(key).is_some(), "{} lacks {key}", rule["id"]);
        }
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("## Correct pattern")
                || rule["id"].as_str().unwrap().starts_with("ravel/")
        );
    }
}

#[test]
fn sarif_notifications_and_utf16_columns() {
    let validator = sarif_validator();
    let dir = golden_input();
    std::fs::write(dir.path().join("blob.py"), b"\x00\x01binary").unwrap();
    let out = ravel(
        &["check", ".", "missing.py", "--output-format", "sarif"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&validator, &v);
    let run = &v["runs"][0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    let inv = &run["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let notes: Vec<String> = inv["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"]["text"].as_str().unwrap().to_string())
        .collect();
    assert!(notes.iter().any(|n| n.contains("binary")), "{notes:?}");
    assert!(
        notes.iter().any(|n| n.contains("no such file")),
        "{notes:?}"
    );
    // `    label = "ünïcode → 😀"; hits += 1`: 23 characters but 24 UTF-16 units before `hits`.
    let counter = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "python/unlocked-shared-counter")
        .unwrap();
    let region = &counter["locations"][0]["physicalLocation"]["region"];
    let line = "    label = \"ünïcode → 😀\"; ";
    assert_eq!(region["startLine"], 8);
    assert_eq!(
        region["startColumn"].as_u64().unwrap() as usize,
        line.encode_utf16().count() + 1
    );
    assert_eq!(
        region["endColumn"].as_u64().unwrap() as usize,
        line.encode_utf16().count() + "hits += 1".len() + 1
    );
}

#[test]
fn sarif_output_is_written_alongside_another_format() {
    let dir = golden_input();
    let out = ravel(
        &[
            "check",
            ".",
            "--output-format",
            "concise",
            "--sarif-output",
            "out.sarif",
            "-o",
            "out.txt",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let concise = std::fs::read_to_string(dir.path().join("out.txt")).unwrap();
    assert!(concise.contains("counter.py:8:"), "{concise}");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
}
